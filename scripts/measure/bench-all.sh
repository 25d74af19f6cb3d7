#!/usr/bin/env bash
# The table of docs/performance.md, "Step time per preset and objective", from one command: runs
# `amos bench` for every preset and objective (one JVM per preset), keeps the JSON lines, and prints
# the machine (CPU model, AVX-512 or not, GEMM path), the load average before and after, the commit,
# then the markdown table: step time (median, p10-p90), tokens/s, model FLOPs per token, achieved
# GFLOP/s, the GEMM peak its process measured (median of the best 3 of 8, with the range of the
# timed runs), MFU against that peak, and peak RSS. Read a row's MFU against its own peak, and the
# peak's range before comparing rows: a peak far below the others says the machine was busy.
#
#   scripts/measure/bench-all.sh [extra bench options]
#
# Environment: CONFIGS (default "amos-tiny amos-mini amos-small"), STEPS (5), WARMUP (2), BATCH (32),
# JSON (also keep the JSON lines in this file). Needs python3 for the table (a tool only).
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${STEPS:-5}"; WARMUP="${WARMUP:-2}"; BATCH="${BATCH:-32}"
json="${JSON:-$(mktemp)}"
: > "$json"
load() { cut -d ' ' -f 1-3 /proc/loadavg; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
avx512=no; grep -q -m1 avx512f /proc/cpuinfo && avx512=yes
load_before="$(load)"
./amos info > /dev/null 2>&1 # builds the CLI if needed, outside any timed run
for config in ${CONFIGS:-amos-tiny amos-mini amos-small}; do
  ./amos bench --config "$config" --objective amos,electra,mlm --batch-size "$BATCH" --steps "$STEPS" \
    --warmup "$WARMUP" "$@" 2>/dev/null | sed "s/^{/{\"preset\":\"$config\",/" >> "$json"
done
load_after="$(load)"

python3 - "$json" "$(date -u +%FT%TZ)" "$(git rev-parse --short HEAD)" "$(nproc)" "$cpu" "$avx512" \
  "$load_before" "$load_after" "$BATCH" "$STEPS" "$WARMUP" <<'EOF'
import json, sys
path, date, commit, nproc, cpu, avx512, before, after, batch, steps, warmup = sys.argv[1:]
rows = [json.loads(l) for l in open(path) if l.strip()]
peak = {}
for r in rows:
    if r.get("measurement") == "peak":
        peak[r["preset"]] = r
steps_rows = [r for r in rows if r.get("measurement") == "train_step"]
path_name = next((p.get("gemm_path", "?") for p in peak.values()), "?")
print(f"{date}, commit {commit}: {nproc} cores, \"{cpu}\", AVX-512 {avx512}, GEMM path {path_name};"
      f" load average {before} before, {after} after; batch {batch}, {steps} measured steps after {warmup} warm-up,"
      f" preset sequence lengths, one JVM per preset\n")
print("| preset | objective | step ms, median (p10-p90) | tokens/s | model FLOPs / token | achieved GFLOP/s"
      " | GEMM peak GFLOP/s (timed runs) | MFU | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|")
for r in steps_rows:
    p = peak.get(r["preset"], {})
    peak_text = (f"{p['peak_flops'] / 1e9:.0f} ({p['peak_flops_min'] / 1e9:.0f}-{p['peak_flops_max'] / 1e9:.0f})"
                 if p else "-")
    print(f"| `{r['preset']}` | {r['objective']} | {r['step_ms_median']:.0f} ({r['step_ms_p10']:.0f}-{r['step_ms_p90']:.0f})"
          f" | {r['tokens_per_second']:.0f} | {r['model_flops_per_token'] / 1e6:.1f} M | {r['achieved_flops'] / 1e9:.1f}"
          f" | {peak_text} | {r['mfu'] * 100:.0f}% | {r.get('peak_rss_mb', '-')} |")
EOF
