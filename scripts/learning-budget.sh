#!/usr/bin/env bash
# The learning budget (docs/learning.md, "The budget"): the tokens at which each objective's MLM
# loss at [MASK] positions goes MARGIN nats below the corpus's unigram loss (the loss of an MLM
# that ignores its input). Trains each objective one after the other with the same config, steps,
# batch, sequence length, learning rate and seed, then prints, per objective, the first logged step
# whose window mean (the best head of each logged batch, WINDOW logged steps) is below
# unigram - MARGIN, with the tokens seen there; an objective that never gets there is printed with
# where it ended and a least-squares line through the last half of its logged losses, extrapolated
# to the target and marked as such. For the RTD objectives it prints the discriminator's last-window
# loss against the loss of predicting each batch's replaced share (rtd_loss_constant). Runs already
# finished in --out are reused, so the script can be re-run to print the table.
#
#   scripts/learning-budget.sh [--config amos-tiny] [--steps 3000] [--batch-size 128] [--accumulate 1]
#       [--seq-len 64] [--lr 1e-3] [--seed 3] [--objectives amos,electra,mlm] [--margin 0.3]
#       [--window 5] [--corpus FILE] [--out DIR] [--at 100,200,...] [--no-train] [-- extra train options]
#
# --at: also print each objective's window mean at these logged steps, for comparing objectives step
# by step ("-" where a run has not logged that step).
# --no-train: train nothing, print the tables from the metrics.jsonl in --out as they are (a run still
# going, or stopped before its last step, is read up to its last logged step).
#
# Defaults: the shared Wikipedia corpus (../shared/data/corpus/enwiki2015_extract_train.txt.gz),
# amos-tiny, 3000 steps x 128 x 64 (24.6 M tokens, about one pass over that corpus), lr 1e-3, seed 3,
# a metrics line every 10 steps. The learning rate decays linearly to 0 at the last step, so a
# budget holds for the step count it was measured with. Needs python3 for the table (a tool only).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/../shared/data/corpus/enwiki2015_extract_train.txt.gz"
config=amos-tiny
steps=3000
batch=128
accumulate=1
seq=64
lr=1e-3
seed=3
objectives=amos,electra,mlm
margin=0.3
window=5
out="$root/runs/learning-budget"
at=""
train=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --batch-size) batch="$2"; shift 2 ;;
    --accumulate) accumulate="$2"; shift 2 ;;
    --seq-len) seq="$2"; shift 2 ;;
    --lr) lr="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --objectives) objectives="$2"; shift 2 ;;
    --margin) margin="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --corpus) corpus="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --at) at="$2"; shift 2 ;;
    --no-train) train=0; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "learning-budget: unknown option $1 (expected --config, --steps, --batch-size, --accumulate, --seq-len," \
         "--lr, --seed, --objectives, --margin, --window, --corpus, --out, --at, --no-train, -- ...)" >&2; exit 2 ;;
  esac
done
[ -f "$corpus" ] || { echo "learning-budget: --corpus $corpus: no such file" >&2; exit 2; }
mkdir -p "$out"

unigram=$("$root/amos" diagnose --config "$config" --corpus "$corpus" --seq-len "$seq" --batches 0 2>/dev/null \
  | sed -n 's/.*unigram loss \([0-9.]*\) nats.*/\1/p')
[ -n "$unigram" ] || { echo "learning-budget: amos diagnose printed no unigram loss for $corpus" >&2; exit 1; }
tokens_per_step=$(( batch * accumulate * seq ))
echo "learning-budget: $config, $steps steps x $batch x $accumulate x $seq ($tokens_per_step tokens/step), lr $lr," \
  "seed $seed; corpus $corpus; unigram loss $unigram nats; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%FT%TZ)"

IFS=',' read -r -a objective_list <<< "$objectives"
for name in "${objective_list[@]}"; do
  dir="$out/$name"
  if [ -f "$dir/discriminator/config.json" ]; then
    echo "learning-budget: $name already trained in $dir"
    continue
  fi
  if [ "$train" = 0 ]; then
    echo "learning-budget: $name not finished in $dir (--no-train: read as it is)"
    continue
  fi
  resume=()
  if ls -d "$dir"/checkpoints/step-* > /dev/null 2>&1; then resume=(--resume); fi
  echo "learning-budget: training $name ${resume[*]:-}..."
  start=$(date +%s)
  "$root/amos" train --config "$config" --objective "$name" --corpus "$corpus" --steps "$steps" \
    --batch-size "$batch" --accumulate "$accumulate" --seq-len "$seq" --lr "$lr" --seed "$seed" --log-every 10 \
    --checkpoint-every "$(( steps / 4 > 0 ? steps / 4 : 1 ))" --keep-checkpoints 1 --out "$dir" \
    ${resume[@]+"${resume[@]}"} ${extra[@]+"${extra[@]}"} > "$out/$name.log" 2>&1 \
    || { echo "learning-budget: $name failed, see $out/$name.log" >&2; exit 1; }
  echo "learning-budget: $name done in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done

python3 - "$out" "$unigram" "$margin" "$window" "$tokens_per_step" "$objectives" "$at" "$steps" <<'EOF'
import json, os, sys
out, unigram, margin, window, tps = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
at_steps = [int(x) for x in sys.argv[7].split(",") if x]
planned = int(sys.argv[8])
at_rows = []
rtd_lines = []
target = unigram - margin
print(f"\nbudget: first logged step whose mean loss at [MASK] over {window} logged steps (best head) is below "
      f"unigram {unigram:.3f} - {margin} = {target:.3f}")
print("(end: the last window's mean at [MASK]; all: the same window's loss over every selected position, which")
print(" falls below the loss at [MASK] where the masking keeps tokens that a network copies)")
print(f"{'objective':<10}{'reached at step':>16}{'tokens':>12}{'end loss':>10}{'end-unigram':>13}{'all':>8}   curve (step: loss at [MASK], every 10% of the run)")
for name in sys.argv[6].split(","):
    path = os.path.join(out, name, "metrics.jsonl")
    if not os.path.exists(path):
        continue
    rows = [json.loads(l) for l in open(path) if l.strip()]
    rows = [r for r in rows if "mlm_loss_at_mask" in r]
    if not rows:
        print(f"{name:<10}  no mlm_loss_at_mask in {path}")
        continue
    loss = [min(r["mlm_loss_at_mask"]) for r in rows]
    steps = [r["step"] for r in rows]
    means = [sum(loss[max(0, i - window + 1):i + 1]) / len(loss[max(0, i - window + 1):i + 1]) for i in range(len(loss))]
    by_step = dict(zip(steps, means))
    at_rows.append(f"{name:<10}" + "".join((f"{by_step[x]:>10.3f}" if x in by_step else f"{'-':>10}") for x in at_steps))
    hit = next((i for i, m in enumerate(means) if i >= window - 1 and m < target), None)
    end = means[-1]
    mixed = [min(r["mlm_loss"]) for r in rows[-window:]]
    mixed_text = f"{sum(mixed) / len(mixed):>8.3f}"
    rtd = [r["rtd_loss"] for r in rows[-window:] if r.get("rtd_loss") is not None]
    constant = [r["rtd_loss_constant"] for r in rows[-window:] if r.get("rtd_loss_constant") is not None]
    if rtd:
        rtd_lines.append(f"{name:<10}{sum(rtd) / len(rtd):>10.3f}" + (
            f"{sum(constant) / len(constant):>10.3f}{sum(constant) / len(constant) - sum(rtd) / len(rtd):>+10.3f}"
            if len(constant) == len(rtd) else f"{'-':>10}{'-':>10}   (rtd_loss_constant not logged by this run's build)"))
    curve = " ".join(f"{steps[i]}:{means[i]:.2f}" for i in sorted({min(len(rows) - 1, round(len(rows) * f / 10)) for f in range(1, 11)}))
    if hit is not None:
        print(f"{name:<10}{steps[hit]:>16}{steps[hit] * tps / 1e6:>11.2f}M{end:>10.3f}{end - unigram:>+13.3f}{mixed_text}   {curve}")
        continue
    # least-squares line through the last half of the logged losses (loss against tokens)
    half = len(loss) // 2
    xs = [s * tps for s in steps[half:]]
    ys = loss[half:]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    if slope < 0:
        fitted_end = my + slope * (xs[-1] - mx)
        at = xs[-1] + (fitted_end - target) / -slope
        guess = (f"not reached; a straight line through the last half ({slope * 1e6:+.4f} nats per M tokens) reaches"
                 f" {target:.3f} at about {at / 1e6:.0f}M tokens (the learning rate decays to 0 at the last step, so read"
                 f" it as a rough guide)")
    else:
        guess = f"not reached; the last half did not fall ({slope * 1e6:+.4f} nats per M tokens)"
    if steps[-1] < planned:
        guess += f"; PARTIAL: logged to step {steps[-1]} of {planned}, 'end' is that step"
    print(f"{name:<10}{'-':>16}{'-':>12}{end:>10.3f}{end - unigram:>+13.3f}{mixed_text}   {curve}\n{'':<10}{guess}")
if rtd_lines:
    print(f"\ndiscriminator over the last window: RTD loss, the loss of predicting each batch's replaced share at"
          f" every token (constant), and how far below it the discriminator is (margin > 0: it learned from the tokens)")
    print(f"{'objective':<10}{'RTD loss':>10}{'constant':>10}{'margin':>10}")
    print("\n".join(rtd_lines))
if at_steps:
    print(f"\nwindow mean at [MASK] (best head) at logged steps (M tokens in brackets):")
    print(f"{'objective':<10}" + "".join(f"{x}({x * tps / 1e6:.1f})".rjust(10) for x in at_steps))
    print("\n".join(at_rows))
EOF
