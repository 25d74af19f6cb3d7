#!/usr/bin/env bash
# Does each objective learn? Trains amos, electra, mlm and amos --ablation uniform for the same
# budget on one corpus, then prints window means of the best head's MLM loss at [MASK] positions
# and of the RTD loss against the two baselines a network that learned nothing sits at: the
# corpus's unigram loss (an MLM that ignores its input) and the trivial RTD loss (predicting the
# replaced share everywhere: H(0.15 x replaced fraction), approximately, since [CLS]/[SEP] are
# never masked). The loss at [MASK] compares like with like: ELECTRA's masking keeps 15% of the
# selected tokens and BERT's keeps 10% and randomizes 10%, and a network learns to copy a kept
# token, so the loss over all selected positions ("all", also printed, with "kept") falls below
# the unigram loss while the loss at [MASK] has not moved. Runs logged before mlm_loss_at_mask
# existed show the mixed loss in the [MASK] column, marked "(mixed)".
#
#   scripts/learning-check.sh [--corpus FILE] [--steps N] [--config NAME] [--out DIR] [-- extra train options]
#
# Defaults: the shipped sample data/wiki-sample.txt.gz, 1000 steps of amos-mini at batch 32 x 64,
# lr 1e-3, seed 3 (the settings of docs/learning.md). The runs go one after the other (a shared machine
# makes parallel runs slower, not faster); runs already finished in --out are reused, so the
# script can be re-run to print the table again. Needs python3 for the table (a tool only).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/data/wiki-sample.txt.gz"
steps=1000
config=amos-mini
out="$root/runs/learning-check"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "learning-check: unknown option $1 (expected --corpus, --steps, --config, --out, -- ...)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

common=(--config "$config" --corpus "$corpus" --steps "$steps" --batch-size 32 --seq-len 64 --lr 1e-3 --seed 3
        --log-every 10 --checkpoint-every "$steps")
variants=("amos:--objective amos" "electra:--objective electra" "mlm:--objective mlm" "amos-uniform:--objective amos --ablation uniform")

unigram=$("$root/amos" diagnose --config "$config" --corpus "$corpus" --seq-len 64 --batches 0 2>/dev/null \
  | sed -n 's/.*unigram loss \([0-9.]*\) nats.*/\1/p')
echo "learning-check: $config, $steps steps, corpus $corpus; unigram loss $unigram nats; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

for v in "${variants[@]}"; do
  name="${v%%:*}"
  read -r -a opts <<< "${v#*:}"
  dir="$out/$name"
  if [ -f "$dir/discriminator/config.json" ]; then
    echo "learning-check: $name already trained in $dir"
    continue
  fi
  rm -rf "$dir"
  echo "learning-check: training $name ..."
  start=$(date +%s)
  "$root/amos" train "${common[@]}" "${opts[@]}" "${extra[@]}" --out "$dir" > "$out/$name.log" 2>&1
  echo "learning-check: $name done in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done

python3 - "$out" "$unigram" "$steps" <<'EOF'
import json, math, os, sys
out, unigram, steps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
edges = [int(steps * f) for f in (0.1, 0.3, 0.6, 1.0)]
def h(p):
    return 0.0 if p <= 0 or p >= 1 else -(p * math.log(p) + (1 - p) * math.log(1 - p))
print(f"\nwindow means (MLM at [MASK]: best head of each logged batch; baselines: unigram {unigram:.3f}, trivial RTD per window;")
print(" all: the loss over every selected position, kept: at those kept or randomized)")
print(f"{'objective':<14}{'steps':>12}{'[MASK]':>9}{'-unigram':>10}{'all':>8}{'kept':>8}{'RTD':>9}{'trivial':>9}{'RTD-triv':>10}  mixture (deepest)")
for name in ("amos", "electra", "mlm", "amos-uniform"):
    path = os.path.join(out, name, "metrics.jsonl")
    if not os.path.exists(path):
        continue
    rows = [json.loads(l) for l in open(path)]
    for a, b in zip(edges, edges[1:]):
        w = [r for r in rows if a < r["step"] <= b]
        if not w:
            continue
        mixed = sum(min(r["mlm_loss"]) for r in w) / len(w)
        split = all("mlm_loss_at_mask" in r for r in w)
        mlm = sum(min(r["mlm_loss_at_mask"]) for r in w) / len(w) if split else mixed
        kept = [min(r["mlm_loss_kept"]) for r in w if "mlm_loss_kept" in r]
        kept = [k for k in kept if k == k]  # a batch with no kept position logs NaN
        kept_text = f"{sum(kept) / len(kept):>8.3f}" if kept else f"{'-':>8}"
        line = f"{name:<14}{f'{a + 1}-{b}':>12}{mlm:>9.3f}{mlm - unigram:>+10.3f}{mixed:>8.3f}{kept_text}"
        if w[0].get("rtd_loss") is not None:
            rtd = sum(r["rtd_loss"] for r in w) / len(w)
            triv = sum(h(0.15 * r["replaced_fraction"]) for r in w) / len(w)
            line += f"{rtd:>9.3f}{triv:>9.3f}{rtd - triv:>+10.3f}"
        if w[0].get("mixture_weights"):
            line += f"  {sum(r['mixture_weights'][-1] for r in w) / len(w):.2f}"
        print(line + ("" if split else "  (mixed)"))
EOF
