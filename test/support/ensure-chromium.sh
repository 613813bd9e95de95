#!/usr/bin/env bash
# The browser end-to-end test drives a real headless Chromium (Debian's `chromium` package) with
# playwright-core. Install it when it is missing, so `npm test` works on a fresh machine with
# nothing installed by hand; playwright's own browser download is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "chromium not found: installing Debian's chromium package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
test -x /usr/bin/chromium
