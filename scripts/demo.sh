#!/usr/bin/env bash
# Starts a local Synapse, demo accounts, a room and the bot; prints the logins. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
exec .venv/bin/alumni-bot demo "$@"
