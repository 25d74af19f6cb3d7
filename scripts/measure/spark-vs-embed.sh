#!/usr/bin/env bash
# Rows/s of './amos spark embed --master local[2]' against './amos embed' on the same texts, run side
# by side (alternating), plus the peak RSS of each JVM (in local mode the driver JVM is the one
# executor). Also checks that both give the same vectors, text by text.
#
#   scripts/measure/spark-vs-embed.sh RUN_DIR TEXTS_FILE [OUT_DIR] [BATCH]
#
# 'total' includes JVM start, model load (and for Spark the session start); 'marginal' is
# (N - 100) / (time(N texts) - time(first 100 texts)), i.e. the rate once everything is started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${1:?usage: $0 RUN_DIR TEXTS_FILE [OUT_DIR] [BATCH]}"
texts="${2:?usage: $0 RUN_DIR TEXTS_FILE [OUT_DIR] [BATCH]}"
out="${3:-runs/spark-vs-embed}"
batch="${4:-32}"
mkdir -p "$out"
head -n 100 "$texts" > "$out/first-100.txt"
n=$(wc -l < "$texts")

timed() { # label, command...: appends "label seconds peak_rss_kb" to $out/times
  local label=$1; shift
  /usr/bin/time -f "$label %e %M" -a -o "$out/times" "$@" > "$out/$label.log" 2>&1
}
: > "$out/times"
"$root/amos" spark --help > /dev/null   # build both launchers' jars before timing
"$root/amos" --help > /dev/null
for input in "$out/first-100.txt" "$texts"; do
  tag=$([ "$input" = "$texts" ] && echo all || echo first100)
  timed "embed-$tag" "$root/amos" embed --model "$run" --input "$input" --output "$out/embed-$tag.jsonl" --batch-size "$batch"
  timed "spark-$tag" "$root/amos" spark embed --master 'local[2]' --model "$run" --input "$input" \
      --output "$out/spark-$tag" --batch-size "$batch"
done
python3 - "$out" "$n" <<'PY'
import glob, json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
t = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(os.path.join(out, "times"))}
a = [json.loads(l) for p in sorted(glob.glob(os.path.join(out, "spark-all", "part-*"))) for l in open(p)]
b = [json.loads(l) for l in open(os.path.join(out, "embed-all.jsonl"))]
assert len(a) == len(b) == n, (len(a), len(b), n)
worst = 0.0
for x, y in zip(a, b):
    assert x["text"] == y["text"]
    worst = max(worst, max(abs(u - v) for u, v in zip(x["embedding"], y["embedding"])))
print(f"{n} texts; same texts in the same order; max |spark - embed| per component = {worst:.3g}")
print("| command | wall s (N texts) | total rows/s | marginal rows/s | peak RSS MiB |")
print("|---|---|---|---|---|")
for k, name in (("embed", "amos embed"), ("spark", "amos spark embed --master local[2]")):
    whole, rss = t[k + "-all"]
    small, _ = t[k + "-first100"]
    print(f"| `{name}` | {whole:.1f} | {n / whole:.1f} | {(n - 100) / max(whole - small, 1e-9):.1f} | {rss / 1024:.0f} |")
PY
