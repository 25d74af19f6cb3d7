#!/usr/bin/env bash
# Memory of `amos embed` on a large input (docs/reliability.md): embeds LINES random lines
# (3-30 words from the vocabulary) with MODEL (a run folder) and samples the JVM's VmRSS every
# 5 s into OUT/embed-rss.csv. Usage: MODEL=runs/x [LINES=100000] [OUT=dir] scripts/measure/embed-soak.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to a pretraining run folder}"
lines="${LINES:-100000}"
out="${OUT:-$(mktemp -d -t amos-embed-soak-XXXXXX)}"
mkdir -p "$out"
python3 - "$root/models/vocab.txt" "$lines" > "$out/input.txt" <<'PY'
import random, re, sys
random.seed(5)
words = [w.strip() for w in open(sys.argv[1])][2000:20000]
words = [w for w in words if re.fullmatch("[a-z]+", w)]
for _ in range(int(sys.argv[2])):
    print(" ".join(random.choice(words) for _ in range(random.randint(3, 30))))
PY
"$root/amos" info >/dev/null   # build first: the sampled process must be the embedding JVM
"$root/amos" embed --model "$MODEL" --input "$out/input.txt" --output "$out/vectors.jsonl" --batch-size 32 \
  2> "$out/embed.log" &
pid=$!
echo "t,rss_mb" > "$out/embed-rss.csv"
t=0
while kill -0 "$pid" 2>/dev/null; do
  r=$(awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$r" ] && echo "$t,$r" >> "$out/embed-rss.csv"
  sleep 5; t=$((t + 5))
done
wait "$pid"
echo "embed-soak: $(wc -l < "$out/vectors.jsonl") vectors; RSS every 5 s: $(tail -n +2 "$out/embed-rss.csv" | cut -d, -f2 | tr '\n' ' ')"
echo "output in $out"
