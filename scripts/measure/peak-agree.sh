#!/usr/bin/env bash
# Do two `amos bench` runs, back to back, measure the same GEMM peak? Runs ROUNDS (default 2)
# benches of the smallest step (options after the script replace the default: --config amos-tiny
# --objective mlm --steps 1 --warmup 0), prints each one's peak (the median of the best 3 of 8
# timed 2048^3 fp32 GEMMs), the range of its timed runs, its GEMM path and the load average it
# started at, then the largest peak over the smallest. On a quiet machine the two should agree
# within 5% (exit 0); exit 1 when they do not. Not part of the test suite; see
# docs/performance.md, "FLOPs and MFU".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
args=("$@")
if [ ${#args[@]} -eq 0 ]; then args=(--config amos-tiny --objective mlm --steps 1 --warmup 0); fi
field() { echo "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d : -f 2; }
peaks=()
for ((r = 1; r <= ${ROUNDS:-2}; r++)); do
  load=$(cut -d ' ' -f 1-3 /proc/loadavg)
  line=$(./amos bench "${args[@]}" | grep '"measurement":"peak"')
  path=$(echo "$line" | grep -o '"gemm_path":"[^"]*"' | cut -d '"' -f 4)
  peak=$(field "$line" peak_flops)
  peaks+=("$peak")
  awk -v r="$r" -v p="$peak" -v lo="$(field "$line" peak_flops_min)" -v hi="$(field "$line" peak_flops_max)" \
      -v path="$path" -v load="$load" 'BEGIN {
    printf "bench %d (%s, load %s): peak %.1f GFLOP/s, timed runs %.1f-%.1f\n", r, path, load, p / 1e9, lo / 1e9, hi / 1e9 }'
done
printf '%s\n' "${peaks[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END {
  ratio = hi / lo
  printf "largest / smallest peak: %.3f (%s within 5%%)\n", ratio, ratio <= 1.05 ? "agree" : "do NOT agree"
  exit ratio <= 1.05 ? 0 : 1 }'
