#!/usr/bin/env bash
# The two artifacts compared (docs/benchmarks.md, "The npm package and the single executable"):
# start time (`--version`) and a full acceptance run's client CPU and peak RSS, for the CLI
# installed from the npm package and for the single executable, interleaved, against one simulated
# site (from the package) at time scale 0.05, in a loopback-only network namespace (its fixed
# addresses meet no other site on the machine). Needs root (unshare), GNU time, and release/ from
# `npm run release`.
#
#   bash bench/artifacts.sh [--starts N] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
starts=20
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --starts) starts=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: bash bench/artifacts.sh [--starts N] [--runs N]" >&2; exit 2 ;;
  esac
done
tgz=$(realpath "$(ls release/capi-gate-*.tgz 2>/dev/null | head -1)" 2>/dev/null || true)
sea=release/capi-gate-linux-x64
[ -n "$tgz" ] && [ -x "$sea" ] || { echo "no release/: run npm run release first" >&2; exit 2; }
work=$(mktemp -d /tmp/capi-gate-bench-artifacts.XXXXXX)
trap 'rm -rf "$work"' EXIT
NPM_CONFIG_PREFIX="$work/prefix" NPM_CONFIG_CACHE="$work/cache" npm install -g --no-audit --no-fund "$tgz" >/dev/null
npmcli="$work/prefix/bin/capi-gate"
sea=$(realpath "$sea")
echo "machine: $(nproc) vCPU, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1e6 }' /proc/meminfo), $(uname -r), node $(node --version); $(date -u +%Y-%m-%dT%H:%MZ)"
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo "sizes: package $(mb "$(stat -c %s "$tgz")") ($(mb "$(tar -xzOf "$tgz" | wc -c)") unpacked), executable $(mb "$(stat -c %s "$sea")")"

# Start: both warmed once (the package's code cache, the executable's unpacked files).
"$npmcli" --version >/dev/null
"$sea" --version >/dev/null
: >"$work/starts"
for _ in $(seq 1 "$starts"); do
  for kind in npm sea; do
    cli=$npmcli; [ $kind = sea ] && cli=$sea
    /usr/bin/time -f "$kind %e %U %S %M" -a -o "$work/starts" "$cli" --version >/dev/null
  done
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for kind in npm sea; do
  wall=$(awk -v k=$kind '$1 == k { print $2 }' "$work/starts" | median)
  cpu=$(awk -v k=$kind '$1 == k { print $3 + $4 }' "$work/starts" | median)
  rss=$(awk -v k=$kind '$1 == k { print $5 / 1024 }' "$work/starts" | median)
  printf 'start (%s, median of %d): wall %.3f s, CPU %.3f s, peak RSS %.0f MB\n' $kind "$starts" "$wall" "$cpu" "$rss"
done

# Full runs against one simulated site, in a network namespace of their own.
cat >"$work/runs.sh" <<'EOF'
set -euo pipefail
ip link set lo up
mkdir -p "$WORK/a" && cd "$WORK/a"
"$NPMCLI" sim --out "$WORK/site" --time-scale 0.05 >"$WORK/sim.log" 2>&1 &
sim=$!
for _ in $(seq 1 300); do grep -q '^ready' "$WORK/sim.log" && break; sleep 0.1; done
export OS_CLIENT_CONFIG_FILE="$WORK/site/clouds.yaml" PATH="$WORK/site/bin:$PATH"
for i in $(seq 1 "$RUNS"); do
  for kind in npm sea; do
    cli=$NPMCLI; [ $kind = sea ] && cli=$SEA
    set +e
    /usr/bin/time -f "$kind %e %U %S %M" -a -o "$WORK/fullruns" "$cli" run --site "$WORK/site/site.yaml" --plain --runs-dir "$WORK/runs-$kind" >"$WORK/run-$kind-$i.log" 2>&1
    echo "$kind $? $(grep '^Verdict:' "$WORK/run-$kind-$i.log")" >>"$WORK/verdicts"
    set -e
  done
done
kill $sim; wait $sim 2>/dev/null || true
EOF
WORK=$work NPMCLI=$npmcli SEA=$sea RUNS=$runs unshare -n bash "$work/runs.sh"
cat "$work/verdicts" | sed 's/^/full run: /'
for kind in npm sea; do
  awk -v k=$kind '$1 == k { printf "full run (%s): wall %.1f s, CPU %.2f s, peak RSS %.0f MB\n", k, $2, $3 + $4, $5 / 1024 }' "$work/fullruns"
done
# D-011.3's SSH to the mgmt VM: ssh2 with its native binding (the package) and without (the executable).
for kind in npm sea; do
  for r in "$work"/runs-$kind/*/report.json; do
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const s = r.items.find((x) => x.id === "D-011.3"); console.log(`D-011.3 (${process.argv[2]}): ${s.status} in ${s.endedAt - s.startedAt} ms`)' "$r" $kind
  done
done
