#!/usr/bin/env bash
# Runs the whole test suite (unit, storage on SQLite and PostgreSQL, end to end on a local Synapse).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's faketime shifts the bot's clock in the daylight-saving tests.
if ! command -v faketime >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian's faketime (for the daylight-saving tests)…"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime >/dev/null
    else
        echo "The daylight-saving tests need Debian's faketime: sudo apt-get install faketime" >&2
        exit 1
    fi
fi
bash scripts/venv.sh
exec .venv/bin/pytest "$@"
