#!/usr/bin/env bash
# The README's test command: set up, then every test tier (unit, integ, e2e, fidelity).
# Ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
if [ "$(id -u)" = 0 ] && [ "${CAPI_GATE_REAL_OPENSTACK:-}" != off ]; then
  echo "test: real Keystone + Glance on loopback (scripts/real-openstack.sh ensure)"
  PROFILE=basic; for t in "$@"; do [ "$t" = parity ] && PROFILE=full; done
  bash scripts/real-openstack.sh ensure --profile "$PROFILE" >/dev/null || echo "test: real Keystone/Glance not started; the fidelity tests that need them will say why" >&2
fi

exec node scripts/run-tests.mjs "$@"
