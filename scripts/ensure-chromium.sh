#!/usr/bin/env bash
# Make the system Chromium available for the browser tests (tests/e2e).
# Playwright's own browser download cannot work on our machines, so the tests drive
# Debian's chromium. Installs it when missing and we are root; otherwise says why the
# browser tests will be skipped. Never fails the build by itself.
# A CJK font comes with it: without one, zh-CN pages render as empty boxes in screenshots.
set -u
PACKAGES="chromium chromium-driver fonts-wqy-microhei"
missing=""
[ -x /usr/bin/chromium ] || missing="yes"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="yes"
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing $PACKAGES for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES >/tmp/formloom-apt.log 2>&1; then
    echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
    exit 0
  fi
  echo "chromium could not be installed (see /tmp/formloom-apt.log); browser tests may be skipped"
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo "no CJK font and not root: zh-CN screenshots will show boxes (apt-get install fonts-wqy-microhei)"
  exit 0
fi
echo "no /usr/bin/chromium and not root: browser tests will be skipped (apt-get install $PACKAGES)"
