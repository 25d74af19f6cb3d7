#!/usr/bin/env bash
# Writes testdata/glue/, the GLUE samples the tests read, from a full GLUE folder (the standard
# layout <TASK>/<split>.tsv, as the GLUE download script writes it):
#
#   testdata/make-glue-samples.sh GLUE_DIR
#
# Each sample is the file's header line (if it has one) and its first ROWS data rows, byte for
# byte, ending as the original ends (CoLA/dev.tsv has no final newline; the sample keeps that).
# SST-2 train/dev are larger (a short fine-tuning run must beat the majority class on them), and
# QNLI/dev.tsv also gets the first rows holding an odd number of '"' (the reader must not treat a
# quote as a field delimiter). STS-B's LICENSE.txt is copied beside its samples.
set -euo pipefail

glue="${1:?usage: testdata/make-glue-samples.sh GLUE_DIR}"
out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/glue"
ROWS=64
SST2_TRAIN_ROWS=4000
SST2_DEV_ROWS=256

# sample SRC DST HEADER_LINES ROWS [EXTRA_AWK_FILTER EXTRA_ROWS]
sample() {
  local src="$1" dst="$2" header="$3" rows="$4" filter="${5:-0}" extra="${6:-0}"
  mkdir -p "$(dirname "$dst")"
  awk -v h="$header" -v n="$rows" -v extra="$extra" "
    NR <= h + n { print; next }
    extra > 0 && ($filter) { print; extra-- }
  " "$src" > "$dst"
  # keep the original's ending: no final newline when the source has none
  if [ -n "$(tail -c 1 "$src")" ]; then
    truncate -s -1 "$dst"
  fi
}

rm -rf "$out"
for task in CoLA SST-2 MRPC STS-B QNLI RTE WNLI; do
  for split in train dev test; do
    src="$glue/$task/$split.tsv"
    [ -f "$src" ] || continue
    header=1
    [ "$task" = CoLA ] && [ "$split" != test ] && header=0
    rows=$ROWS
    [ "$task/$split" = SST-2/train ] && rows=$SST2_TRAIN_ROWS
    [ "$task/$split" = SST-2/dev ] && rows=$SST2_DEV_ROWS
    if [ "$task/$split" = QNLI/dev ]; then
      sample "$src" "$out/$task/$split.tsv" "$header" "$rows" 'gsub(/"/, "\"") % 2 == 1' 16
    else
      sample "$src" "$out/$task/$split.tsv" "$header" "$rows"
    fi
  done
done
sample "$glue/diagnostic/diagnostic.tsv" "$out/diagnostic/diagnostic.tsv" 1 "$ROWS"
cp "$glue/STS-B/LICENSE.txt" "$out/STS-B/LICENSE.txt"
(cd "$out" && find . -name '*.tsv' | sort | while read -r f; do
  printf '%s\t%s\n' "${f#./}" "$(wc -c < "$f")"
done)
