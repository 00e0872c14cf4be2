#!/usr/bin/env bash
# The README's demo command: set up, then the whole acceptance against the simulated site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node bin/capi-gate demo "$@"
