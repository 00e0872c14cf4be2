#!/usr/bin/env bash
# Idempotent setup for a fresh machine: Debian packages the real-client tests use (when root and
# missing), npm packages (when package-lock.json changed), and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# time: GNU time, the benchmark's CPU and peak-RSS figures per process tree (npm run bench).
# openssh-server + netcat-openbsd: the simulated mgmt VM is a real sshd with a real shell (nc, curl, bash on its PATH).
DEBS=(tmux chromium python3-openstackclient python3-magnumclient python3-octaviaclient openssh-server openssh-client netcat-openbsd libvirt-clients curl time)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root; the real-client tests need: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  fi
fi

stamp=node_modules/.capi-gate-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

echo "setup: build"
npx tsc -p tsconfig.json
node scripts/bundle.mjs
