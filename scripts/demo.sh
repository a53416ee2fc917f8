#!/usr/bin/env bash
# Starts a local Synapse, demo accounts, a room, the alumni space and the bot; prints the logins.
# Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then
    echo "Prüfe die Python-Umgebung (.venv) … / Checking the Python environment (.venv)…"
else
    echo "Lege die Python-Umgebung an (.venv, beim ersten Mal ~1 min) … / Creating the Python environment (.venv, first time ~1 min)…"
fi
bash scripts/venv.sh
exec .venv/bin/alumni-bot demo "$@"
