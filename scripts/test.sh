#!/usr/bin/env bash
# Runs the whole test suite (unit, storage on SQLite and PostgreSQL, end to end on a local Synapse).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's faketime and chromium (daylight-saving and browser tests).
bash scripts/system-packages.sh
bash scripts/venv.sh
exec .venv/bin/pytest "$@"
