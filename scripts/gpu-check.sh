#!/usr/bin/env bash
# The end-to-end check of a GPU host (docs/gpu.md), to be run the first time a GPU is at hand:
#   scripts/gpu-check.sh [OUT]            (default OUT: runs/gpu-check)
# 1. ./amos info: flavor cu118 and at least one GPU;
# 2. 50 AMOS steps of amos-small on the GPU, checkpoints at 25 and 50: the loss at step 50 is below
#    the loss at step 10;
# 3. resume: a copy of the run without its step-50 checkpoint continues from step 25 to 50 and
#    ends within 1% of the uninterrupted loss (CUDA's scatter-add backward is not bit-exact);
# 4. export to TorchScript, then embed two lines with the exported model on the GPU.
# Prints one line per check and exits 1 at the first failure. GPU_CHECK_DEVICE=cpu and
# GPU_CHECK_CONFIG=amos-tiny rehearse the same sequence on a CPU machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-runs/gpu-check}"
device="${GPU_CHECK_DEVICE:-gpu}"
config="${GPU_CHECK_CONFIG:-amos-small}"
amos="$root/amos"
fail() { echo "gpu-check: FAIL: $*"; exit 1; }
loss_at() { # loss_at RUN STEP: the loss logged at STEP (last line for it)
  python3 - "$1/metrics.jsonl" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print([r["loss"] for r in rows if r.get("step") == int(sys.argv[2])][-1])
PY
}

rm -rf "$out" "$out-resumed"
info=$("$amos" info)
echo "$info" | sed 's/^/  /'
if [ "$device" = gpu ]; then
  echo "$info" | grep -q '^flavor: *cu118$' || fail "amos info does not report flavor cu118"
  echo "$info" | grep -Eq '^gpus: *[1-9]' || fail "amos info sees no GPU"
fi
echo "gpu-check: info ok"

"$amos" train --config "$config" --steps 50 --log-every 10 --checkpoint-every 25 --device "$device" --seed 7 --out "$out" >/dev/null
first=$(loss_at "$out" 10); last=$(loss_at "$out" 50)
python3 -c "import sys; sys.exit(0 if $last < $first else 1)" || fail "loss did not fall: step 10 $first, step 50 $last"
[ -d "$out/checkpoints/step-50" ] && [ -d "$out/checkpoints/step-25" ] || fail "no checkpoints at steps 25 and 50"
echo "gpu-check: 50 steps on $device ok (loss $first at step 10 -> $last at step 50), checkpoints at 25 and 50"

cp -r "$out" "$out-resumed"
rm -rf "$out-resumed/checkpoints/step-50"
"$amos" train --resume --device "$device" --out "$out-resumed" >/dev/null
resumed=$(loss_at "$out-resumed" 50)
python3 -c "import sys; sys.exit(0 if abs($resumed - $last) <= 0.01 * abs($last) else 1)" \
  || fail "resumed run ends at loss $resumed, uninterrupted $last"
echo "gpu-check: resume from step 25 ok (loss at step 50: $resumed resumed, $last uninterrupted)"

"$amos" export --model "$out" --out "$out/export" >/dev/null
printf 'The cat sat on the mat.\nA GPU ran amos.\n' > "$out/texts.txt"
"$amos" embed --model "$out/export" --device "$device" --input "$out/texts.txt" --output "$out/vectors.jsonl" 2>/dev/null
[ "$(wc -l < "$out/vectors.jsonl")" = 2 ] || fail "embedding with the exported model did not give 2 vectors"
echo "gpu-check: export + embed on $device ok ($out/export)"
echo "gpu-check: all checks passed"
