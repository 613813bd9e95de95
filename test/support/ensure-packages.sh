#!/usr/bin/env bash
# `npm test` runs this first, so the tests work on a fresh machine with nothing installed by hand:
# the Redis tests talk to a real redis-server, and the browser end-to-end test drives a real headless
# Chromium with playwright-core (its own browser download is never used). Both are Debian packages;
# whatever is missing is installed in one apt-get run.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian's ${missing[*]} (missing)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The redis-server package starts a system service on 6379; the tests start their own servers on free ports.
if [[ " ${missing[*]} " == *" redis-server "* ]]; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
command -v redis-server >/dev/null
test -x /usr/bin/chromium
