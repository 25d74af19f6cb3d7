#!/usr/bin/env bash
# amos export --format hf, checked against Microsoft's own AMOSModel: exports MODEL_DIR (a pretraining
# run, its discriminator/, or an 'amos import'), embeds a fixed set of texts with 'amos embed' on
# MODEL_DIR, then scripts/hf-export-check.py loads the export strictly in microsoft/AMOS's
# modeling_amos.py and compares its pooled hidden states with amos's vectors. See docs/serving.md.
#
#   scripts/hf-export-check.sh MODEL_DIR AMOS_GIT_DIR [WORK_DIR] [--max-len N] [--weights bin|safetensors]
#
# AMOS_GIT_DIR: a clone or mirror of github.com/microsoft/AMOS (read with git show, nothing copied
# into this repo). Needs /usr/bin/python3 with torch (Debian: python3-torch) and, for imports,
# sentencepiece (python3-sentencepiece). Exits 1 if the check fails.
set -euo pipefail
model=$(realpath "$1"); amos_git=$(realpath "$2"); shift 2
work=$(mktemp -d)
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then work=$1; shift; fi
mkdir -p "$work"; work=$(realpath "$work")
export_opts=("$@"); embed_opts=()
for ((i = 0; i < ${#export_opts[@]}; i++)); do
  [ "${export_opts[i]}" = --max-len ] && embed_opts+=(--max-len "${export_opts[i + 1]}")
done
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cat > "$work/texts.txt" <<'TEXTS'
hello world
a
The quick brown fox jumps over the lazy dog.
AMOS trains an encoder against a mixture of generators.
"Don't stop," she said -- it's only 7.5 km (4.7 mi) away!
Crème brûlée, naïve café, and Zürich's old town.
Tabs	and   runs of    spaces stay whitespace.
It rained on 12/03/2021; the match was postponed to the 14th.
Rio de Janeiro's "Maracanã" stadium hosted the 1950 and 2014 FIFA World Cup finals.
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty and on and on until the text is longer than a short maximum length
TEXTS

rm -rf "$work/hf"
for pooling in mean cls; do
  ./amos embed --model "$model" --pooling "$pooling" --input "$work/texts.txt" \
    --output "$work/vectors-$pooling.jsonl" ${embed_opts[@]+"${embed_opts[@]}"} 2>"$work/embed.log" \
    || { cat "$work/embed.log" >&2; exit 1; }
done
./amos export --model "$model" --out "$work/hf" --format hf ${export_opts[@]+"${export_opts[@]}"}
status=0
for pooling in mean cls; do
  /usr/bin/python3 scripts/hf-export-check.py "$amos_git" "$work/hf" "$work/texts.txt" \
    "$work/vectors-$pooling.jsonl" --pooling "$pooling" || status=1
done
exit $status
