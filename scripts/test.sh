#!/usr/bin/env bash
# The README's test command: set up, then every test tier (unit, integ, e2e, fidelity).
# Ends with the line "N passed, N failed, N skipped".
#
#   bash scripts/test.sh [--no-real] [tier...] [--filter SUBSTR]
#
# It first says what it will install and start on this machine. As root that includes a real
# OpenStack Keystone (127.0.0.1:5000) and Glance (127.0.0.1:9292), left running for the next run;
# --no-real (or CAPI_GATE_REAL_OPENSTACK=off) leaves them out, and the tests that need them report
# skipped with the reason. The other arguments go to scripts/run-tests.mjs.
set -uo pipefail
cd "$(dirname "$0")/.."

args=()
for a in "$@"; do
  case "$a" in
    --no-real) export CAPI_GATE_REAL_OPENSTACK=off ;;
    *) args+=("$a") ;;
  esac
done

# The package lists, from the scripts that install them.
debs=$(sed -n 's/^DEBS=(\(.*\))$/\1/p' scripts/setup.sh)
real_debs=$(sed -n 's/^PKGS=(\(.*\))$/\1/p' scripts/real-openstack.sh)
root=0
[ "$(id -u)" = 0 ] && root=1
real=$root
[ "${CAPI_GATE_REAL_OPENSTACK:-}" = off ] && real=0
# The parity tier compares against the whole real control plane (real-openstack.sh --profile full).
PROFILE=basic
for t in "${args[@]}"; do [ "$t" = parity ] && PROFILE=full; done

echo "test: what this does to this machine:"
if [ $root = 1 ]; then
  echo "  - installs the Debian packages the real-client tests use, when missing: ${debs:-see scripts/setup.sh}"
  echo "    (and kubernetes-client for kubectl, when no kubectl is installed)"
else
  echo "  - installs no Debian packages (not root); the tests that need missing ones say so"
fi
echo "  - npm packages into ./node_modules (when package-lock.json changed) and the build into ./dist"
if [ $real = 1 ]; then
  echo "  - a REAL OpenStack Keystone on 127.0.0.1:5000 and Glance on 127.0.0.1:9292 (scripts/real-openstack.sh):"
  echo "    installs ${real_debs:-keystone and glance-api} when missing, writes /etc/keystone and /etc/glance,"
  echo "    and leaves both running afterwards (~470 MB of memory). Stop them with: bash scripts/real-openstack.sh stop"
  echo "    Not wanted here? bash scripts/test.sh --no-real (or CAPI_GATE_REAL_OPENSTACK=off)"
elif [ "${CAPI_GATE_REAL_OPENSTACK:-}" = off ]; then
  echo "  - no real Keystone/Glance (--no-real or CAPI_GATE_REAL_OPENSTACK=off): the tests that need them are skipped"
  [ -n "${CI:-}" ] && echo "    (under CI the switch is not honoured: those tests fail instead of skipping)"
else
  echo "  - no real Keystone/Glance (not root): the tests that need them are skipped with the reason"
fi

echo "  - the e2e tier runs a Prometheus, a Pushgateway and a node_exporter on 127.0.0.1:19090-19100 while it tests"
echo "    the metrics, and stops them"

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
if [ $real = 1 ] && [ "$PROFILE" = full ]; then
  # The whole control plane takes a minute or more to start: it starts while the unit tier runs;
  # scripts/run-tests.mjs waits for it (the same ensure, under the script's lock) before the real
  # lane's first file.
  ensure_log="${TMPDIR:-/tmp}/capi-gate-real-ensure.log"
  echo "test: real OpenStack on loopback (scripts/real-openstack.sh ensure --profile full), in the background; its log: $ensure_log"
  bash scripts/real-openstack.sh ensure --profile full >"$ensure_log" 2>&1 </dev/null &
  export CAPI_GATE_REAL_ENSURE=full CAPI_GATE_REAL_ENSURE_LOG="$ensure_log"
elif [ $real = 1 ]; then
  echo "test: real OpenStack on loopback (scripts/real-openstack.sh ensure --profile $PROFILE)"
  bash scripts/real-openstack.sh ensure --profile "$PROFILE" >/dev/null || echo "test: real Keystone/Glance not started; the fidelity tests that need them will say why" >&2
fi

exec node scripts/run-tests.mjs "${args[@]}"
