#!/usr/bin/env bash
# Make the system Chromium available for the browser tests (tests/e2e).
# Playwright's own browser download cannot work on our machines, so the tests drive
# Debian's chromium. Installs it when missing and we are root; otherwise says why the
# browser tests will be skipped. Never fails the build by itself.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/tmp/formloom-apt.log 2>&1; then
    echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
    exit 0
  fi
  echo "chromium could not be installed (see /tmp/formloom-apt.log); browser tests will be skipped"
  exit 0
fi
echo "no /usr/bin/chromium and not root: browser tests will be skipped (apt-get install chromium chromium-driver)"
