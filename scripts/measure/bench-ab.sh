#!/usr/bin/env bash
# Before/after of a change: runs `amos bench` with each of two builds alternately (ROUNDS times), each
# through its own launcher (so with the launcher's GEMM path, allocator and thread settings), and prints
# one line per run: label, median step ms, p10, p90, the process's GEMM peak (GFLOP/s) and mfu, with
# the load average at its start; then the median of the per-round ratios new/old of the median step
# (docs/performance.md). A side is a commit (built into a temporary worktree, removed at the end) or
# the folder of a checkout whose launcher is used as it is.
#
# Usage: scripts/measure/bench-ab.sh OLD NEW [bench options]     e.g. 094a9d9 HEAD, or ../old-checkout .
#   (default bench options: --config amos-mini --objective amos --steps 4 --warmup 1)
# Environment: ROUNDS (default 2). Needs python3 (a tool only).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
old="$1"; new="$2"; shift 2
opts=("$@"); [ ${#opts[@]} -gt 0 ] || opts=(--config amos-mini --objective amos --steps 4 --warmup 1)
work="$(mktemp -d -t amos-ab-XXXXXX)"
trees=()
cleanup() {
  for t in ${trees[@]+"${trees[@]}"}; do git -C "$root" worktree remove --force "$t" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
side() { # commit-or-folder name -> prints the folder whose ./amos runs it (built)
  local dir
  if [ -d "$1" ] && [ -x "$1/amos" ]; then
    dir="$(cd "$1" && pwd)"
  else
    dir="$work/$2"
    git -C "$root" worktree add -q --detach "$dir" "$1"
    trees+=("$dir")
  fi
  "$dir/amos" info > /dev/null 2>&1 || { echo "bench-ab: the build of $1 failed" >&2; exit 1; }
  echo "$dir"
}
old_dir="$(side "$old" old)"; new_dir="$(side "$new" new)"
results="$work/results.txt"
run() { # label folder
  local load; load="$(cut -d ' ' -f 1-3 /proc/loadavg)"
  "$2/amos" bench "${opts[@]}" 2>/dev/null | python3 -c "
import sys, json
rows = [json.loads(l) for l in sys.stdin if l.startswith('{')]
peak = next((r for r in rows if r.get('measurement') == 'peak'), {})
step = [r for r in rows if r.get('measurement') == 'train_step'][-1]
print('$1', step['step_ms_median'], step['step_ms_p10'], step['step_ms_p90'],
      'peak', round(peak.get('peak_flops', 0) / 1e9), 'mfu', round(step['mfu'], 3), 'load', '$load')" \
    | tee -a "$results"
}
for round in $(seq "${ROUNDS:-2}"); do
  run "old($old)" "$old_dir"
  run "new($new)" "$new_dir"
done
python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
olds = [float(r[1]) for r in rows if r[0].startswith("old(")]
news = [float(r[1]) for r in rows if r[0].startswith("new(")]
ratios = [n / o for o, n in zip(olds, news)]
print("new/old median step time per round:", " ".join(f"{r:.3f}" for r in ratios),
      f"- median {statistics.median(ratios):.3f}")
EOF
