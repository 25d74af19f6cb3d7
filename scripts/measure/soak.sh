#!/usr/bin/env bash
# Long-run memory check of `amos train`: trains amos-tiny for STEPS steps and samples the
# JVM's resident set size (VmRSS, which the JVM logs as rss_mb in metrics.jsonl right after each
# logged step's update); writes soak.csv (step, rss_mb, elapsed_s) with one row per 100 steps and
# reports whether RSS after warm-up stays flat within 5% (max - min over the median), i.e. no
# native (libtorch) leak. Checkpoints are written and rotated during the run as in real use.
#
# Environment: AMOS_HEAP (JVM heap, default 1g, pre-touched via AMOS_JAVA_OPTS), STEPS (5000), BATCH (8), SEQ (64), WARMUP (steps excluded from the flatness test,
# default: a fifth of STEPS), TOLERANCE (0.05), OUT (folder for the run, soak.csv and the log;
# default: a new temp folder, kept).
# Exit code 0 when flat, 1 when not (or when the run failed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
steps="${STEPS:-5000}"
batch="${BATCH:-8}"
seq="${SEQ:-64}"
warmup="${WARMUP:-$(( steps / 5 ))}"
tolerance="${TOLERANCE:-0.05}"
out="${OUT:-$(mktemp -d -t amos-soak-XXXXXX)}"
mkdir -p "$out"
csv="$out/soak.csv"
echo "soak: steps=$steps batch=$batch seq=$seq warmup=$warmup out=$out"

# a capped heap: with the launcher's 4g the JVM heap alone grows for thousands of steps and hides
# (or fakes) a native trend; 1g is ample for amos-tiny
export AMOS_HEAP="${AMOS_HEAP:-1g}"
# the whole heap committed and touched at start, so that RSS growth can only be native memory
export AMOS_JAVA_OPTS="${AMOS_JAVA_OPTS:--Xms$AMOS_HEAP -XX:+AlwaysPreTouch}"
"$root/amos" info >/dev/null   # build first: the sampled process must be the training JVM

"$root/amos" train --config amos-tiny --steps "$steps" --batch-size "$batch" --seq-len "$seq" \
  --log-every 10 --checkpoint-every 500 --keep-checkpoints 3 --device cpu \
  --cache "$out/cache" --out "$out/run" > "$out/train.log" 2>&1 &
pid=$!   # the launcher execs java: this is the JVM
code=0; wait "$pid" || code=$?
if (( code != 0 )); then echo "soak: training failed (exit $code), see $out/train.log"; tail -n 5 "$out/train.log"; exit 1; fi
# RSS as the JVM itself logged it (rss_mb in metrics.jsonl, read right after the optimizer update of
# the step), so every sample is taken at the same point of a step; one row per 100 steps
echo "step,rss_mb,elapsed_s" > "$csv"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["step"] % 100 == 0:
        print("%d,%d,%.0f" % (o["step"], o["rss_mb"], o["elapsed_seconds"]))
' "$out/run/metrics.jsonl" >> "$csv"

python3 - "$csv" "$warmup" "$tolerance" <<'EOF'
import csv, statistics, sys
rows = [(int(r["step"]), int(r["rss_mb"])) for r in csv.DictReader(open(sys.argv[1]))]
warmup, tolerance = int(sys.argv[2]), float(sys.argv[3])
after = [rss for step, rss in rows if step > warmup]
print("RSS (MB) every 100 steps: " + " ".join(f"{s}:{r}" for s, r in rows))
if len(after) < 2:
    print(f"soak: too few samples after warm-up ({len(after)}); run more steps")
    sys.exit(1)
median = statistics.median(after)
spread = (max(after) - min(after)) / median
drift = (after[-1] - after[0]) / after[0]
flat = spread <= tolerance
print(f"soak: {rows[-1][0]} steps; after warm-up ({warmup} steps): min {min(after)} MB, max {max(after)} MB, "
      f"median {median:.0f} MB, spread {spread:.1%}, drift first->last {drift:+.1%}: "
      f"{'FLAT' if flat else 'NOT FLAT'} (tolerance {tolerance:.0%})")
sys.exit(0 if flat else 1)
EOF
