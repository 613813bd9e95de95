#!/usr/bin/env bash
# The Redis tests talk to a real redis-server (Debian's package). Install it when it is missing,
# so `npm test` works on a fresh machine with nothing installed by hand.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis-server not found: installing Debian's redis-server package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a system service on 6379; the tests start their own servers on free ports.
$SUDO service redis-server stop >/dev/null 2>&1 || true
command -v redis-server >/dev/null
