#!/usr/bin/env bash
# Whether each run's generator (or MLM model) still reads the context at [MASK], on the same
# held-out batches for every run: `amos diagnose --run DIR --masking amos` (every masked token is
# [MASK], whatever the run's own masking, so the inputs at the measured positions are identical),
# one line per run with the means over the batches of its loss at [MASK] (deepest head), the
# feature spread and prediction spread at the masked positions (0 = the same vector / the same
# prediction at every [MASK]: the unigram plateau as a collapse) and the attention entropy of each
# layer at the masked queries against uniform attention.
#
#   scripts/collapse-table.sh [--corpus FILE] [--seq-len 128] [--batch-size 32] [--batches 2]
#       [--seed 3] RUN_DIR...
#
# Defaults: the shared Wikipedia corpus; the latest valid checkpoint of each run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/../shared/data/corpus/enwiki2015_extract_train.txt.gz"
seq=128
batch=32
batches=2
seed=3
runs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus="$2"; shift 2 ;;
    --seq-len) seq="$2"; shift 2 ;;
    --batch-size) batch="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --*) echo "collapse-table: unknown option $1 (expected --corpus, --seq-len, --batch-size, --batches, --seed, RUN_DIR...)" >&2; exit 2 ;;
    *) runs+=("$1"); shift ;;
  esac
done
[ ${#runs[@]} -gt 0 ] || { echo "collapse-table: no RUN_DIR given (expected one or more amos train --out folders)" >&2; exit 2; }
[ -f "$corpus" ] || { echo "collapse-table: --corpus $corpus: no such file" >&2; exit 2; }
for run in "${runs[@]}"; do
  [ -f "$run/config.json" ] || { echo "collapse-table: $run: no config.json (expected an amos train --out folder)" >&2; exit 2; }
done

echo "collapse-table: $batches batches of $batch x $seq, seed $seed, every masked token [MASK]; corpus $corpus;" \
  "commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%FT%TZ)"
for run in "${runs[@]}"; do
  text=$("$root/amos" diagnose --run "$run" --masking amos --corpus "$corpus" --seq-len "$seq" \
    --batch-size "$batch" --batches "$batches" --seed "$seed" 2>/dev/null)
  step=$(ls -d "$run"/checkpoints/step-* 2>/dev/null | sed 's/.*step-//' | sort -n | tail -1)
  loss=$(sed -n 's/^MLM loss at \[MASK\] (deepest head, mean of [0-9]* batches): \([0-9.]*\) nats, \([-+0-9.]*\) from.*/\1 (\2)/p' <<< "$text")
  means=$(sed -n 's/^mean of [0-9]* batches: //p' <<< "$text")
  echo "$run (step $step): loss at [MASK] $loss; $means"
done
