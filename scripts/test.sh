#!/usr/bin/env bash
# The README's test command: set up, then every test tier (unit, integ, e2e, fidelity).
# Ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
exec node scripts/run-tests.mjs "$@"
