#!/usr/bin/env bash
# `amos embed` against its two peers, alternately in one window: for each round, one `amos embed`
# process and one Python PyTorch eager process (both run by scripts/measure/peer/ratios.sh, WORK=embed),
# then one ONNX Runtime Java process on the `amos export --format onnx` folder of the same run
# (amos-eval's test class OnnxRuntimeEmbedPeer: ONNX Runtime 1.20.0, default session options with
# 2 intra-op threads, DJL's HuggingFace tokenizer, the same length-sorted windows and batches of 32
# padded to their longest, the export's mean-pooled output, one JSONL line per text). Every rate is
# texts/s of the whole process, start-up included, over the first 384 sentences of
# data/wiki-sample.txt.gz; every line carries the load average it started at. Prints the two ratios
# of every round, amos/python and amos/onnxruntime, and their medians.
#
#   scripts/measure/embed-ratios.sh                       # amos-base-shaped run made here (random init)
#   ROUNDS=5 MODEL=runs/some-amos-base-run scripts/measure/embed-ratios.sh
#
# Environment: ROUNDS (default 3), MODEL (a run folder of an amos-base-shaped encoder; default: one
# made with `amos train --config amos-base --steps 1 --batch-size 1 --seq-len 16`, its weights are
# as good as random, the work is the same), THREADS (2: ONNX Runtime's intra-op threads; amos and
# the Python peer use AMOS_THREADS and --threads, both 2 by default on a 2-CPU machine), PYTHON and
# the rest as scripts/measure/peer/ratios.sh. Needs the amos-eval build (`./amos` builds the CLI;
# `mvn dependency:build-classpath` gives ONNX Runtime from ~/.m2). Not part of the test suite; see
# docs/performance.md, "Embedding against Python and ONNX Runtime".
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

rounds=${ROUNDS:-3}
threads=${THREADS:-2}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "embed-ratios: ROUNDS: expected a positive integer, got \"$rounds\"" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load() { cut -d ' ' -f 1-3 /proc/loadavg; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

./amos info > /dev/null # builds the CLI if needed, outside any timed run
model=${MODEL:-}
if [ -z "$model" ]; then
  model="$tmp/run"
  ./amos train --config amos-base --steps 1 --warmup 0 --batch-size 1 --seq-len 16 --out "$model" > "$tmp/train.log" 2>&1 \
    || { cat "$tmp/train.log" >&2; echo "embed-ratios: amos train failed" >&2; exit 1; }
fi
./amos export --model "$model" --out "$tmp/onnx" --format onnx > /dev/null

# the peer's class path: ONNX Runtime and DJL's tokenizer from the test class path of amos-eval,
# without amos itself (the peer uses none of it)
mvn -q -B -o -pl amos-eval dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$tmp/cp.txt" > /dev/null
cp=$(tr ':' '\n' < "$tmp/cp.txt" | grep -v '/dev/amos/' | paste -sd ':')
mkdir "$tmp/classes"
javac -d "$tmp/classes" -cp "$cp" amos-eval/src/test/java/dev/amos/eval/serve/OnnxRuntimeEmbedPeer.java

ort_run() { # prints the rate of one ONNX Runtime Java process
  local t0 t1
  t0=$(date +%s.%N)
  java -cp "$tmp/classes:$cp" dev.amos.eval.serve.OnnxRuntimeEmbedPeer "$tmp/onnx" "$tmp/texts.txt" "$tmp/ort.jsonl" \
    32 "$threads" 512 >&2 || { echo "embed-ratios: the ONNX Runtime peer failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$(wc -l < "$tmp/ort.jsonl") / ($t1 - $t0)" | bc -l
}

py_ratios=()
ort_ratios=()
for ((r = 1; r <= rounds; r++)); do
  line=$(ROUNDS=1 WORK=embed EMBED_MODEL="$model" EMBED_TEXTS_OUT="$tmp/texts.txt" scripts/measure/peer/ratios.sh \
    | tee "$tmp/round.txt" | grep '^embed round 1:') || { cat "$tmp/round.txt" >&2; exit 1; }
  if [ "$r" = 1 ]; then # the machine, and the BLAS the Python peer gets (Debian's reference BLAS is ~10x slower)
    head -n 1 "$tmp/round.txt"
    echo "python peer's BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown); avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
  fi
  a=$(sed -E 's/.*: amos ([0-9.]+) .*/\1/' <<< "$line")
  la=$(sed -E 's/.*: amos [0-9.]+ \(load ([^)]*)\).*/\1/' <<< "$line")
  p=$(sed -E 's/.*, peer ([0-9.]+) .*/\1/' <<< "$line")
  lp=$(sed -E 's/.*, peer [0-9.]+ \(load ([^)]*)\).*/\1/' <<< "$line")
  lo=$(load); o=$(ort_run)
  rp=$(echo "$a / $p" | bc -l); ro=$(echo "$a / $o" | bc -l)
  py_ratios+=("$rp"); ort_ratios+=("$ro")
  printf 'round %d: amos embed %.2f texts/s (load %s), python eager %.2f (load %s), onnxruntime java %.2f (load %s); amos/python %.2f, amos/onnxruntime %.2f\n' \
    "$r" "$a" "$la" "$p" "$lp" "$o" "$lo" "$rp" "$ro"
done
printf 'median over %d rounds: amos/python %.2f, amos/onnxruntime %.2f\n' "$rounds" \
  "$(printf '%s\n' "${py_ratios[@]}" | median)" "$(printf '%s\n' "${ort_ratios[@]}" | median)"
