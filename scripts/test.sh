#!/usr/bin/env bash
# Runs the whole test suite: unit, storage on SQLite and PostgreSQL, end to end on a local
# Synapse with the bot on SQLite and, in a second pytest process beside the first, on PostgreSQL.
# Arguments are pytest options for both processes (e.g. -x), not test paths.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's faketime and chromium (daylight-saving and browser tests).
bash scripts/system-packages.sh
bash scripts/venv.sh
# Synapse is installed once, before the two processes that start one each.
.venv/bin/python -c 'from bot.homeserver import DEFAULT_SYNAPSE_VENV as v, ensure_synapse_venv
ensure_synapse_venv(v)'

# The end-to-end tests mostly wait (on Synapse, the bot, the schedules they set), so the pass on
# PostgreSQL runs beside the rest, each with its own Synapse. Its output follows the first's.
# In a process group of its own (set -m), so it keeps Ctrl-C: the trap passes it on, and pytest
# stops its Synapse and bots.
pg_log=$(mktemp)
set -m
ALUMNI_BOT_E2E_STORAGE=postgresql .venv/bin/pytest tests/e2e "$@" >"$pg_log" 2>&1 &
pg_pid=$!
set +m
stop_pg_pass() {
    if [ -n "$pg_pid" ]; then
        kill -INT "$pg_pid" 2>/dev/null || true
        wait "$pg_pid" || true
    fi
    rm -f "$pg_log"
}
trap stop_pg_pass EXIT
trap 'exit 130' INT TERM

status=0
.venv/bin/pytest "$@" || status=$?
pg_status=0
wait "$pg_pid" || pg_status=$?
pg_pid=""
echo
echo "=== End to end with the bot on PostgreSQL (ALUMNI_BOT_E2E_STORAGE=postgresql) ==="
cat "$pg_log"
if [ "$pg_status" != 0 ]; then
    echo "FAILED: the end-to-end tests with the bot on PostgreSQL (pytest exit $pg_status)" >&2
    status=1
fi
if [ "$status" = 0 ]; then
    echo "All passed: unit, storage, end to end on SQLite and on PostgreSQL."
fi
exit "$status"
