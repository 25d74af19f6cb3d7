#!/usr/bin/env bash
# amos against its Python PyTorch peer (scripts/measure/peer/amos_peer.py), alternately in one window:
# for each round and each work, one `amos bench` (or `amos embed`) process, then one peer process,
# each line printed with the load average it started at, then the amos/peer ratio of every round
# (tokens/s for training steps, texts/s of the whole process for embed) and their median.
#
#   scripts/measure/peer/ratios.sh                          # AMOS and MLM steps, amos-mini, batch 16 x 128
#   ROUNDS=3 WORK="mlm" scripts/measure/peer/ratios.sh
#   EMBED_MODEL=runs/some-amos-base-run WORK="embed" scripts/measure/peer/ratios.sh
#
# Environment: ROUNDS (default 2), WORK (default "amos mlm"; "embed" needs EMBED_MODEL, a run or
# export folder of an amos-base-shaped encoder), CONFIG (default amos-mini), BATCH (16), SEQ (128),
# STEPS (3), WARMUP (1), TEXTS (the first 384 sentences of data/wiki-sample.txt.gz), PYTHON (/usr/bin/python3:
# Debian's python3-torch with libopenblas0-pthread), EMBED_TEXTS_OUT (also write the embed input
# there, for a caller that feeds the same texts to another peer: scripts/measure/embed-ratios.sh). The peer runs with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset (set on some machines for old OpenBLAS builds, they halve a current one).
# Not part of the test suite; see docs/performance.md, "Peer benchmark".
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

rounds=${ROUNDS:-2}
work=${WORK:-amos mlm}
config=${CONFIG:-amos-mini}
batch=${BATCH:-16}
seq=${SEQ:-128}
steps=${STEPS:-3}
warmup=${WARMUP:-1}
texts=${TEXTS:-384}
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load() { cut -d ' ' -f 1-3 /proc/loadavg; }
field() { grep -o "\"$1\": *[0-9.]*" | head -n 1 | sed 's/.*: *//'; }

amos_run() { # prints the rate of one amos process
  if [ "$1" = embed ]; then
    local t0 t1
    t0=$(date +%s.%N)
    ./amos embed --model "$EMBED_MODEL" --input "$tmp/texts.txt" --output "$tmp/out.jsonl" --batch-size 32 >&2 \
      || { echo "ratios: amos embed failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$(wc -l < "$tmp/out.jsonl") / ($t1 - $t0)" | bc -l
  else
    ./amos bench --config "$config" --objective "$1" --batch-size "$batch" --seq-len "$seq" \
      --steps "$steps" --warmup "$warmup" | tee -a "$tmp/amos.jsonl" | tail -n 1 | field tokens_per_second
  fi
}

peer_run() {
  local out
  if [ "$1" = embed ]; then
    out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" scripts/measure/peer/amos_peer.py --work embed \
      --input "$tmp/texts.txt" --texts "$texts" --batch-size 32)
    echo "$out" | field texts_per_second
  else
    out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" scripts/measure/peer/amos_peer.py --work "$1" \
      --config "$config" --batch-size "$batch" --seq-len "$seq" --steps "$steps" --warmup "$warmup")
    echo "$out" | field tokens_per_second
  fi
}

# the embed input of both sides: the first $texts sentences of the sample (its lines are paragraphs,
# split after '. ', '? ' and '! ')
gzip -dc data/wiki-sample.txt.gz | sed -E 's/([.?!]) +/\1\n/g' | awk -v n="$texts" 'NF && c < n { print; c++ }' > "$tmp/texts.txt"
if [ -n "${EMBED_TEXTS_OUT:-}" ]; then cp "$tmp/texts.txt" "$EMBED_TEXTS_OUT"; fi
echo "machine: $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cpus; amos gemm path: $(./amos info | sed -n 's/^gemm (cpu): *//p')"
for w in $work; do
  ratios=()
  for ((r = 1; r <= rounds; r++)); do
    la=$(load); a=$(amos_run "$w")
    lp=$(load); p=$(peer_run "$w")
    ratio=$(echo "$a / $p" | bc -l)
    ratios+=("$ratio")
    printf '%s round %d: amos %.1f (load %s), peer %.1f (load %s), ratio %.2f\n' "$w" "$r" "$a" "$la" "$p" "$lp" "$ratio"
  done
  printf '%s median ratio amos/peer: %.2f over %d rounds\n' "$w" \
    "$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')" "$rounds"
done
