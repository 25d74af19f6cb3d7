#!/usr/bin/env bash
# Runs `amos bench` for every preset and objective and prints the JSON lines (docs/performance.md).
# Usage: scripts/measure/bench-all.sh [extra bench options]   e.g. STEPS=5 WARMUP=2 BATCH=32
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${STEPS:-5}"; WARMUP="${WARMUP:-2}"; BATCH="${BATCH:-32}"
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for config in ${CONFIGS:-amos-tiny amos-mini amos-small}; do
  ./amos bench --config "$config" --objective amos,electra,mlm --batch-size "$BATCH" --steps "$STEPS" --warmup "$WARMUP" "$@"
done
