#!/usr/bin/env bash
# docs/tokenizers.md: trains uncased WordPiece vocabularies of several sizes on a training corpus
# with `amos tokenizer train`, and measures them and BERT's own vocabulary (models/vocab.txt) with
# `amos tokenizer eval` on held-out text: tokens per word, [UNK] share (words: BERT pre-tokenizer
# words, the same for every vocabulary). Training time and peak RSS come from /usr/bin/time; the
# trainer's own line (count/merge seconds, peak Java heap) is kept too. One markdown table on stdout,
# the logs and vocabularies in OUT; a vocabulary already in OUT (with its time-N.txt) is measured
# again but not retrained (delete OUT to retrain).
# Usage: scripts/tokenizer-compare.sh TRAIN_CORPUS VALID_CORPUS [OUT] [SIZES]
#   e.g. scripts/tokenizer-compare.sh ../shared/data/corpus/enwiki2015_extract_train.txt.gz \
#            ../shared/data/corpus/enwiki2015_extract_valid.txt.gz runs/tokenizers "8000 16000 30522"
#   (a size of 30522, BERT's, is trained with --exact-size; the others are multiples of 64 already)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
train="$1"; valid="$2"; out="${3:-runs/tokenizers}"; sizes="${4:-8000 16000 30522}"
mkdir -p "$out"
"$root/amos" tokenizer --help >/dev/null # builds the CLI when needed, outside the timings
rows=()
measure() { # key label tokenizer-file train-seconds peak-rss-mb heap
  local line
  line=$("$root/amos" tokenizer eval --tokenizer "$3" --corpus "$valid" 2>"$out/eval-$1.log")
  echo "$line" >> "$out/eval-$1.log"
  # "... (N tokens in the vocabulary): T tokens/word, [UNK] U% of tokens (W words, K tokens)"
  local size tpw unk
  size=$(sed -E 's/.*\(([0-9]+) tokens in the vocabulary\).*/\1/' <<<"$line")
  tpw=$(sed -E 's/.*: ([0-9.]+) tokens\/word.*/\1/' <<<"$line")
  unk=$(sed -E 's/.*\[UNK\] ([0-9.]+)% of tokens.*/\1/' <<<"$line")
  rows+=("| $2 | $size | $tpw | $unk% | $4 | $5 | $6 |")
}
for size in $sizes; do
  exact=(); [ "$size" = 30522 ] && exact=(--exact-size)
  file="$out/wordpiece-$size.json"
  if [ ! -f "$file" ] || [ ! -f "$out/time-$size.txt" ]; then
    /usr/bin/time -f "%e %M" -o "$out/time-$size.txt" "$root/amos" tokenizer train --corpus "$train" \
      --vocab-size "$size" ${exact[@]+"${exact[@]}"} --lowercase --out "$file" --overwrite >"$out/train-$size.log" 2>"$out/train-$size.err"
  fi
  cat "$out/train-$size.log" >&2
  read -r seconds rss_kb < "$out/time-$size.txt"
  heap=$(sed -nE 's/.*peak Java heap ([0-9]+) MB.*/\1 MB/p' "$out/train-$size.log")
  measure "$size" "amos tokenizer train $size" "$file" "$seconds s" "$((rss_kb / 1024)) MB" "$heap"
done
measure bert "BERT uncased (models/vocab.txt)" "$root/models/vocab.txt" "-" "-" "-"
# the last size again in a small heap (AMOS_HEAP, default 512m): the memory bound, and the same bytes
last="${sizes##* }"; small="${SMALL_HEAP:-512m}"
exact=(); [ "$last" = 30522 ] && exact=(--exact-size)
/usr/bin/time -f "%e %M" -o "$out/time-$last-$small.txt" env AMOS_HEAP="$small" "$root/amos" tokenizer train \
  --corpus "$train" --vocab-size "$last" ${exact[@]+"${exact[@]}"} --lowercase --out "$out/wordpiece-$last-$small.json" \
  --overwrite >"$out/train-$last-$small.log" 2>"$out/train-$last-$small.err"
read -r seconds rss_kb < "$out/time-$last-$small.txt"
same=differs; cmp -s "$out/wordpiece-$last.json" "$out/wordpiece-$last-$small.json" && same="the same bytes"
heap_note="size $last again with -Xmx$small: $seconds s, peak RSS $((rss_kb / 1024)) MB, $(sed -nE 's/.*(peak Java heap [0-9]+ MB).*/\1/p' "$out/train-$last-$small.log"); the file: $same"
echo "| vocabulary | tokens | tokens/word | [UNK] share | training time | peak RSS | peak Java heap |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "$heap_note"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
