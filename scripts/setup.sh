#!/usr/bin/env bash
# Idempotent setup for a fresh machine: Debian packages the real-client tests use (when root and
# missing), npm packages (when package-lock.json changed), and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# time: GNU time, the benchmark's CPU and peak-RSS figures per process tree (npm run bench).
# zsh: the completion test runs `capi-gate completion zsh` in a real zsh. iproute2 (ip), util-linux
# (unshare) and binutils (strip) serve scripts/smoke.sh and npm run build:sea.
# prometheus (promtool), prometheus-pushgateway, prometheus-node-exporter: the metrics and deploy tests.
# openssh-server + netcat-openbsd: the simulated mgmt VM is a real sshd with a real shell (nc, curl, bash on its PATH).
DEBS=(tmux chromium zsh iproute2 util-linux binutils python3-openstackclient python3-magnumclient python3-octaviaclient openssh-server openssh-client netcat-openbsd libvirt-clients curl time prometheus prometheus-pushgateway prometheus-node-exporter)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# kubectl (its kustomize renders deploy/): Debian 12's kubernetes-client, unless a kubectl is
# already there (another package's /usr/bin/kubectl would conflict with it).
command -v kubectl >/dev/null 2>&1 || dpkg -s kubernetes-client >/dev/null 2>&1 || missing+=(kubernetes-client)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The metrics tests start their own Prometheus, Pushgateway and node_exporter on loopback; the
    # packages' services (which listen on every interface) are not wanted where systemd runs them.
    if [ -d /run/systemd/system ]; then
      for unit in prometheus prometheus-pushgateway prometheus-node-exporter; do
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
      done
    fi
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
