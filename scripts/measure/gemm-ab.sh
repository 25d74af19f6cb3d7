#!/usr/bin/env bash
# The MKL fast GEMM path against the generic one, alternately in one window: ROUNDS (default 2)
# rounds of `amos bench` with AMOS_MKL_FAST=1 then AMOS_MKL_FAST=0, each printing the load average
# it started at, the GEMM path, the measured 2048^3 fp32 GEMM peak and the median step time.
# Options after the script go to `amos bench` (default: --config amos-mini --objective mlm
# --batch-size 16 --steps 2 --warmup 1). Threads: AMOS_JAVA_OPTS=-Dai.djl.pytorch.num_threads=1.
# Not part of the test suite; see docs/performance.md, "The GEMM path".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
args=("$@")
if [ ${#args[@]} -eq 0 ]; then args=(--config amos-mini --objective mlm --batch-size 16 --steps 2 --warmup 1); fi
for ((r = 1; r <= ${ROUNDS:-2}; r++)); do
  for fast in 1 0; do
    load=$(cut -d ' ' -f 1-3 /proc/loadavg)
    out=$(AMOS_MKL_FAST=$fast ./amos bench "${args[@]}")
    path=$(echo "$out" | grep -o '"gemm_path":"[^"]*"' | head -n 1 | cut -d '"' -f 4)
    peak=$(echo "$out" | grep -o '"peak_flops":[0-9]*' | head -n 1 | cut -d : -f 2)
    step=$(echo "$out" | grep -o '"step_ms_median":[0-9.]*' | head -n 1 | cut -d : -f 2)
    printf 'round %d AMOS_MKL_FAST=%d (%s, load %s): GEMM peak %.1f GFLOP/s, step %s ms\n' \
      "$r" "$fast" "$path" "$load" "$(echo "$peak / 1000000000" | bc -l)" "${step:-?}"
  done
done
