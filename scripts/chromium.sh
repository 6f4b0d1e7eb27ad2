#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser tests (tests/test_web_browser.py).
#
#   scripts/chromium.sh        install chromium + chromium-driver when /usr/bin/chromium or
#                              /usr/bin/chromedriver is missing (apt-get update first); idempotent
#
# Exit codes: 0 both present; 77 missing and cannot be installed here (not root, no apt-get) --
# the tests skip on 77 unless CI=true, where a missing browser fails; anything else is a failure.
# Never downloads a browser or driver of its own: the Python driver (selenium) is pointed at
# /usr/bin/chromedriver, so Selenium Manager is not used.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

present() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

if present; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    log "chromium or chromedriver is missing and installing them needs root"; exit 77
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "chromium or chromedriver is missing and there is no apt-get here"; exit 77
fi
log "installing chromium and chromium-driver from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
present || { log "installed, but /usr/bin/chromium or /usr/bin/chromedriver is still missing"; exit 1; }
