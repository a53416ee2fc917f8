#!/usr/bin/env bash
# Installs the Debian packages the tests need and pip cannot bring: faketime (the daylight-saving
# tests shift the bot's clock with it) and chromium (the browser tests drive it with Playwright,
# whose own browser download does not work here). As root with apt-get it installs what is
# missing, showing apt's progress; otherwise it names what to install and fails.
set -euo pipefail

missing=()
command -v faketime >/dev/null || missing+=(faketime)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's ${missing[*]} for the tests…"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "The tests need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
