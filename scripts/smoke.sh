#!/usr/bin/env bash
# Smoke tests of what ships, as a new user on a jumphost would use it (CI runs both):
#
#   bash scripts/smoke.sh package release/capi-gate-X.tgz   # npm install -g with no network, then from /tmp
#   bash scripts/smoke.sh sea release/capi-gate-linux-x64   # the executable with no node anywhere on PATH
#
# Each runs in its own network namespace holding only loopback (unshare -n, lo brought up): no
# registry is reachable, and its simulated site's fixed 127.x addresses do not meet the test
# tiers' (no lock needed). `sea` also runs in its own mount namespace with every node on the
# machine replaced by a trap that records being called. Steps: --version (names a commit), demo
# (the verdict, the HTML report), sim + run (a partial run from another directory) + report.
# Needs root, or unprivileged user namespaces (unshare -r). Ends with "smoke KIND: ok" or exits 1.
set -uo pipefail
kind=${1:-}
artifact=${2:-}
if [ -z "$kind" ] || [ -z "$artifact" ] || [ ! -f "$artifact" ]; then
  echo "usage: bash scripts/smoke.sh package|sea FILE (npm run release makes both under release/)" >&2
  exit 2
fi
artifact=$(realpath "$artifact")
scale=${CAPI_GATE_SMOKE_TIME_SCALE:-0.02}
work=$(mktemp -d /tmp/capi-gate-smoke-"$kind".XXXXXX)
trap 'rm -rf "$work"' EXIT
userns=()
[ "$(id -u)" = 0 ] || userns=(-r)

# The script that runs inside the namespaces.
cat >"$work/inner.sh" <<'EOF'
set -euo pipefail
fail() { echo "smoke $KIND: FAILED: $*" >&2; exit 1; }
ip link set lo up
if [ "$KIND" = package ]; then
  export NPM_CONFIG_PREFIX="$WORK/prefix" NPM_CONFIG_CACHE="$WORK/npm-cache" NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false
  mkdir -p "$WORK/fresh"
  (cd "$WORK/fresh" && npm install -g "$ARTIFACT") || fail "npm install -g $ARTIFACT with no network"
  CLI="$WORK/prefix/bin/capi-gate"
  export PATH="$WORK/prefix/bin:$PATH"
else
  # Every node the machine has, on PATH or not, becomes a trap; PATH holds no node at all.
  printf '#!/bin/sh\necho "node called: $0 $*" >>"%s/node-called"\nexit 97\n' "$WORK" >"$WORK/node-trap"
  chmod +x "$WORK/node-trap"
  for n in $NODES; do mount --bind "$WORK/node-trap" "$n"; done
  mkdir -p "$WORK/path"
  for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
      case "${f##*/}" in node|nodejs|npm|npx|corepack) continue ;; esac
      [ -e "$WORK/path/${f##*/}" ] || ln -s "$f" "$WORK/path/${f##*/}"
    done
  done
  export PATH="$WORK/path"
  if command -v node >/dev/null; then fail "node is still on PATH: $(command -v node)"; fi
  CLI="$ARTIFACT"
fi
mkdir -p "$WORK/tmpdir" && cd "$WORK/tmpdir"
t0=$(date +%s.%N)
v=$("$CLI" --version) || fail "--version"
echo "$v" | grep -Eq '^capi-gate [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{40}' || fail "--version does not name a commit: $v"
echo "smoke $KIND: $v"
"$CLI" demo --plain --time-scale "$SCALE" >"$WORK/demo.log" 2>&1 || { tail -30 "$WORK/demo.log"; fail "demo exited $?"; }
grep -q '^Verdict: FUNCTIONALLY ACCEPTED' "$WORK/demo.log" || { tail -30 "$WORK/demo.log"; fail "demo: no verdict line"; }
html=$(sed -n 's/^demo: verdict .* Open \(.*report\.html\) in a browser.*/\1/p' "$WORK/demo.log")
[ -s "$html" ] || fail "demo: no HTML report ($html)"
grep -q 'FUNCTIONALLY ACCEPTED' "$html" || fail "demo: the HTML report has no verdict"
echo "smoke $KIND: demo: $(grep '^Verdict:' "$WORK/demo.log"), $html"
# The simulator and a run, each from its own directory.
mkdir -p "$WORK/a" "$WORK/b"
(cd "$WORK/a" && exec "$CLI" sim --out "$WORK/site" --time-scale "$SCALE" >"$WORK/sim.log" 2>&1) &
sim=$!
for _ in $(seq 1 300); do grep -q '^ready' "$WORK/sim.log" 2>/dev/null && break; kill -0 $sim 2>/dev/null || break; sleep 0.1; done
grep -q '^ready' "$WORK/sim.log" || { cat "$WORK/sim.log"; fail "sim did not get ready"; }
cd "$WORK/b"
set +e
OS_CLIENT_CONFIG_FILE="$WORK/site/clouds.yaml" PATH="$WORK/site/bin:$PATH" "$CLI" run --site "$WORK/site/site.yaml" --only 8.0.prereqs,8.0.image,D-011.1,D-011.6 --plain >"$WORK/run.log" 2>&1
code=$?
set -e
[ "$code" = 5 ] || { tail -30 "$WORK/run.log"; fail "run --only ... exited $code, not 5 (partial, passed)"; }
run_id=$(sed -n 's/^.* run \([0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{4\}\) finished.*/\1/p' "$WORK/run.log" | tail -1)
[ -n "$run_id" ] || fail "run: no run id in its output"
"$CLI" report "$run_id" --format junit | grep -q '<testsuite' || fail "report $run_id --format junit"
# The simulator's juju stand-in, past its rendered answers: it runs with the same runtime as the CLI.
CAPI_GATE_SIM_JUJU_STATE="$WORK/site/juju-state.json" "$WORK/site/bin/juju" status --format=json | grep -q '"applications"' || fail "the juju stand-in (not from its rendered answers)"
kill $sim; wait $sim 2>/dev/null || true
[ ! -e "$WORK/node-called" ] || fail "node was called: $(cat "$WORK/node-called")"
echo "smoke $KIND: sim, run (exit 5, partial), report and the juju stand-in from other directories: ok ($(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.0f", t1 - t0 }') s)"
EOF

nodes=""
if [ "$kind" = sea ]; then
  for n in $(type -ap node nodejs) /usr/bin/node /usr/local/bin/node; do
    [ -e "$n" ] && nodes="$nodes $(realpath "$n")"
  done
  nodes=$(echo "$nodes" | tr ' ' '\n' | sort -u | tr '\n' ' ')
fi
start=$(date +%s)
KIND=$kind ARTIFACT=$artifact WORK=$work SCALE=$scale NODES=$nodes \
  unshare "${userns[@]}" -m -n --propagation private bash "$work/inner.sh"
code=$?
if [ $code != 0 ]; then
  echo "smoke $kind: FAILED (exit $code)" >&2
  exit 1
fi
echo "smoke $kind: ok in $(($(date +%s) - start)) s"
