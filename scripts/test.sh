#!/usr/bin/env bash
# Runs the whole test suite in three pytest processes side by side: end to end on a local Synapse
# with the bot on SQLite, the same with the bot on PostgreSQL, and unit + storage (SQLite and
# PostgreSQL). Arguments are pytest options for all three (e.g. -x), not test paths.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's faketime and chromium (daylight-saving and browser tests).
bash scripts/system-packages.sh
bash scripts/venv.sh
# Compiled modules are kept (in __pycache__, which git ignores) even where the environment says
# not to write them: each bot the end-to-end tests start, and each child process of the bot
# (migrations, charts), would compile the project again (~0.17 s of CPU per bot start).
unset PYTHONDONTWRITEBYTECODE
# Synapse is installed once, before the two processes that start one each; so is Element's SDK
# (matrix-js-sdk, `npm ci` from tests/e2e/jsclient/package-lock.json; needs Node.js ≥ 20).
.venv/bin/python -c 'from bot.homeserver import DEFAULT_SYNAPSE_VENV as v, ensure_synapse_venv
ensure_synapse_venv(v)'
.venv/bin/python -c 'from tests.e2e.element_sdk import ensure_installed; ensure_installed()'

# The end-to-end tests mostly wait (on Synapse, the bot, the schedules they set), so the other
# passes run beside them, each end-to-end pass with its own Synapse; run one after the other they
# took 27 minutes on two cores. Their output follows the first's. Each background pass is in a
# process group of its own (set -m), so it keeps Ctrl-C: the trap passes it on, and pytest stops
# its Synapse and bots.
names=()
pids=()
logs=()
start_pass() {
    local name=$1
    shift
    local log
    log=$(mktemp)
    set -m
    "$@" >"$log" 2>&1 &
    pids+=($!)
    set +m
    names+=("$name")
    logs+=("$log")
}
stop_passes() {
    for pid in "${pids[@]}"; do
        kill -INT "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "${logs[@]}" "${scratch:-}"
}
trap stop_passes EXIT
trap 'exit 130' INT TERM
# A temporary directory of its own for each pass: pytest keeps only the three newest numbered
# ones under /tmp/pytest-of-$USER, so with several processes one could remove another's
# directory, and its bots' data with it, while they run.
scratch=$(mktemp -d)

start_pass "end to end with the bot on PostgreSQL (ALUMNI_BOT_E2E_STORAGE=postgresql)" \
    env ALUMNI_BOT_E2E_STORAGE=postgresql .venv/bin/pytest tests/e2e --basetemp "$scratch/pg" "$@"
start_pass "unit and storage" .venv/bin/pytest tests/unit tests/storage \
    --basetemp "$scratch/unit" "$@"

echo "=== End to end with the bot on SQLite ==="
status=0
.venv/bin/pytest tests/e2e --basetemp "$scratch/sqlite" "$@" || status=$?
for i in "${!pids[@]}"; do
    pass_status=0
    wait "${pids[$i]}" || pass_status=$?
    echo
    echo "=== ${names[$i]} ==="
    cat "${logs[$i]}"
    if [ "$pass_status" != 0 ]; then
        echo "FAILED: ${names[$i]} (pytest exit $pass_status)" >&2
        status=1
    fi
done
pids=()
if [ "$status" = 0 ]; then
    echo "All passed: unit, storage, end to end on SQLite and on PostgreSQL."
fi
exit "$status"
