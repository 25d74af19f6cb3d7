#!/usr/bin/env bash
# The AMOS paper's comparison at small scale (docs/results.md): pretrains CONFIG with AMOS, ELECTRA,
# MLM and the AMOS ablations for the SAME steps, batch, sequence length and seed, fine-tunes each on
# the GLUE tasks with several seeds (median), then writes docs/results.md and docs/img/*.png.
#
# Resumable: a pretraining run whose discriminator/ exists and a fine-tune whose results.json exists
# are skipped; an interrupted pretraining run continues from its last checkpoint (--resume).
#
# Budget knobs (environment; defaults ~1.7-2 h on a 2-core CPU, see docs/results.md):
#   CONFIG=amos-mini STEPS=200 BATCH=32 SEQ=64 LR=5e-4 SEED=1 VALID_EVERY=25 VALID_BATCHES=4
#   VARIANTS=amos,electra,mlm,uniform,random-layer,single-layer   (single-layer = the deepest MLM layer;
#     random = the no-pretraining control: the same encoder at its seeded random initialization)
#   TASKS=RTE,MRPC,STS-B,CoLA,SST-2 SEEDS=3 EPOCHS=1 TRAIN_LIMIT=600 MAX_LEN=64 FT_BATCH=32 FT_LR=1e-4
#   TASK_EPOCHS=                   (per-task epochs over EPOCHS, e.g. STS-B=3,MRPC=3: small tasks want more)
#   OUT=runs/replicate  DOC=docs/results.md  IMG=docs/img  DEVICE=cpu (gpu on a CUDA host)
#   CORPUS, VALID_CORPUS, GLUE_DIR: data (default ../shared/data/...); VALID_CORPUS=none: no validation
# Bigger budget (GPU):
#   CONFIG=amos-small STEPS=20000 BATCH=128 SEQ=128 SEEDS=5 EPOCHS=3 TRAIN_LIMIT=0 MAX_LEN=128 \
#     DEVICE=gpu OUT=runs/replicate-small scripts/replicate.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CONFIG="${CONFIG:-amos-mini}"
STEPS="${STEPS:-200}"
BATCH="${BATCH:-32}"
SEQ="${SEQ:-64}"
LR="${LR:-5e-4}"
SEED="${SEED:-1}"
WARMUP="${WARMUP:-$(( STEPS / 10 ))}"
VALID_EVERY="${VALID_EVERY:-$(( STEPS / 8 > 0 ? STEPS / 8 : 1 ))}"
VALID_BATCHES="${VALID_BATCHES:-4}"
LOG_EVERY="${LOG_EVERY:-$(( STEPS / 100 > 0 ? STEPS / 100 : 1 ))}"
VARIANTS="${VARIANTS:-amos,electra,mlm,uniform,random-layer,single-layer}"
TASKS="${TASKS:-RTE,MRPC,STS-B,CoLA,SST-2}"
SEEDS="${SEEDS:-3}"
EPOCHS="${EPOCHS:-1}"
TASK_EPOCHS="${TASK_EPOCHS:-}"
TRAIN_LIMIT="${TRAIN_LIMIT:-600}"
MAX_LEN="${MAX_LEN:-64}"
FT_BATCH="${FT_BATCH:-32}"
FT_LR="${FT_LR:-1e-4}"
DEVICE="${DEVICE:-cpu}"
OUT="${OUT:-runs/replicate}"
DOC="${DOC:-docs/results.md}"
IMG="${IMG:-docs/img}"
CORPUS="${CORPUS:-../shared/data/corpus/enwiki2015_extract_train.txt.gz}"
VALID_CORPUS="${VALID_CORPUS:-../shared/data/corpus/enwiki2015_extract_valid.txt.gz}"
GLUE_DIR="${GLUE_DIR:-../shared/data/glue}"

config_file="models/$CONFIG.json"
[ -f "$config_file" ] || { echo "replicate: no model config $config_file" >&2; exit 2; }
for f in "$CORPUS" "$VALID_CORPUS"; do [ "$f" = none ] || [ -f "$f" ] || { echo "replicate: corpus $f not found" >&2; exit 2; }; done
validation=(--valid-corpus "$VALID_CORPUS" --valid-every "$VALID_EVERY" --valid-batches "$VALID_BATCHES")
[ "$VALID_CORPUS" != none ] || validation=()
[ -d "$GLUE_DIR" ] || { echo "replicate: GLUE folder $GLUE_DIR not found" >&2; exit 2; }

# MLM layers of the config, e.g. "2,3,4"; the deepest is the single-layer ablation's layer.
mlm_layers="$(tr -d ' \n' < "$config_file" | sed -n 's/.*"mlm_layers":\[\([0-9,]*\)\].*/\1/p')"
deepest="${mlm_layers##*,}"
[ -n "$deepest" ] || { echo "replicate: no mlm_layers in $config_file" >&2; exit 2; }

mkdir -p "$OUT/pretrain" "$OUT/glue"
timings="$OUT/timings.tsv"
log() { echo "replicate: $*" >&2; }

# train flags and folder name of a variant spec
variant_dir() { case "$1" in single-layer) echo "single-layer-$deepest" ;; *) echo "$1" ;; esac; }
variant_flags() {
  case "$1" in
    amos|electra|mlm) echo "--objective $1" ;;
    uniform|random-layer|layer-switch|full-gradient) echo "--objective amos --ablation $1" ;;
    single-layer) echo "--objective amos --ablation single-layer=$deepest" ;;
    random) echo "--objective mlm" ;;
    *) echo "replicate: unknown variant $1" >&2; exit 2 ;;
  esac
}

./amos --version >/dev/null   # builds the CLI jar when the sources are newer

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
[ -f "$OUT/started" ] && started="$(cat "$OUT/started")" || echo "$started" > "$OUT/started"

IFS=',' read -r -a variant_list <<< "$VARIANTS"
dirs=()
for v in "${variant_list[@]}"; do
  dir="$(variant_dir "$v")"; dirs+=("$dir")
  run="$OUT/pretrain/$dir"
  if [ -d "$run/discriminator" ]; then log "pretrain $dir: done, skipped"; continue; fi
  resume=()
  if [ -f "$run/config.json" ]; then
    if ls -d "$run"/checkpoints/step-* >/dev/null 2>&1; then resume=(--resume); else rm -rf "$run"; fi
  fi
  log "pretrain $dir ($CONFIG, $STEPS steps x $BATCH x $SEQ) ${resume[*]:-}"
  t0=$(date +%s)
  if [ "$v" = random ]; then
    # One step whose learning rate is 0 (no warmup, decayed to 0 at the last step): AdamW changes
    # nothing, so the encoder folder holds the seeded initialization that every other variant starts from.
    ./amos train --config "$CONFIG" --objective mlm --corpus "$CORPUS" --steps 1 --warmup 0 --batch-size "$BATCH" \
      --seq-len "$SEQ" --seed "$SEED" --device "$DEVICE" --out "$run" > "$OUT/pretrain/$dir.log" 2>&1 \
      || { log "pretrain $dir failed, see $OUT/pretrain/$dir.log"; exit 1; }
    printf 'pretrain\t%s\t-\t%s\n' "$dir" "$(( $(date +%s) - t0 ))" >> "$timings"
    continue
  fi
  # shellcheck disable=SC2046
  ./amos train --config "$CONFIG" $(variant_flags "$v") --corpus "$CORPUS" ${validation[@]+"${validation[@]}"} \
    --steps "$STEPS" --batch-size "$BATCH" \
    --seq-len "$SEQ" --lr "$LR" --warmup "$WARMUP" --seed "$SEED" --log-every "$LOG_EVERY" \
    --checkpoint-every "$(( STEPS / 4 > 0 ? STEPS / 4 : 1 ))" --device "$DEVICE" --out "$run" "${resume[@]}" \
    > "$OUT/pretrain/$dir.log" 2>&1 || { log "pretrain $dir failed, see $OUT/pretrain/$dir.log"; exit 1; }
  printf 'pretrain\t%s\t-\t%s\n' "$dir" "$(( $(date +%s) - t0 ))" >> "$timings"
done

IFS=',' read -r -a task_list <<< "$TASKS"
for dir in "${dirs[@]}"; do
  for task in "${task_list[@]}"; do
    ft="$OUT/glue/$dir/$task"
    if [ -f "$ft/results.json" ]; then log "finetune $dir $task: done, skipped"; continue; fi
    epochs="$EPOCHS"
    for te in ${TASK_EPOCHS//,/ }; do [ "${te%%=*}" = "$task" ] && epochs="${te#*=}"; done
    log "finetune $dir $task ($SEEDS seeds, $epochs epoch(s), train-limit $TRAIN_LIMIT)"
    mkdir -p "$OUT/glue/$dir"
    t0=$(date +%s)
    ./amos finetune --model "$OUT/pretrain/$dir" --task "$task" --data "$GLUE_DIR" --seeds "$SEEDS" \
      --epochs "$epochs" --lr "$FT_LR" --batch-size "$FT_BATCH" --max-len "$MAX_LEN" --train-limit "$TRAIN_LIMIT" \
      --device "$DEVICE" --out "$ft" > "$OUT/glue/$dir/$task.log" 2>&1 \
      || { log "finetune $dir $task failed, see $OUT/glue/$dir/$task.log"; exit 1; }
    printf 'finetune\t%s\t%s\t%s\n' "$dir" "$task" "$(( $(date +%s) - t0 ))" >> "$timings"
  done
done

dirty=false
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || dirty=true
cpu_model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)"
[ "$DEVICE" = cpu ] || cpu_model="$cpu_model; GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1 || echo '?')"
props="$OUT/replication.properties"
{
  echo "commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "dirty=$dirty"
  echo "cpu_model=${cpu_model:-unknown}"
  echo "nproc=$(nproc)"
  echo "device=$DEVICE"
  echo "started=$started"
  echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "config=$CONFIG"; echo "mlm_layers=$mlm_layers"
  echo "steps=$STEPS"; echo "batch=$BATCH"; echo "seq=$SEQ"; echo "lr=$LR"; echo "warmup=$WARMUP"; echo "seed=$SEED"
  echo "corpus=$CORPUS"; echo "valid_corpus=$VALID_CORPUS"; echo "valid_every=$VALID_EVERY"
  echo "variants=$(IFS=','; echo "${dirs[*]}")"; echo "tasks=$TASKS"
  echo "seeds=$SEEDS"; echo "epochs=$EPOCHS"; echo "task_epochs=$TASK_EPOCHS"; echo "train_limit=$TRAIN_LIMIT"; echo "max_len=$MAX_LEN"
  echo "ft_batch=$FT_BATCH"; echo "ft_lr=$FT_LR"
  echo "command=CONFIG=$CONFIG STEPS=$STEPS BATCH=$BATCH SEQ=$SEQ LR=$LR SEED=$SEED SEEDS=$SEEDS EPOCHS=$EPOCHS${TASK_EPOCHS:+ TASK_EPOCHS=$TASK_EPOCHS} FT_LR=$FT_LR TRAIN_LIMIT=$TRAIN_LIMIT MAX_LEN=$MAX_LEN VARIANTS=$VARIANTS TASKS=$TASKS scripts/replicate.sh"
} > "$props"

(mvn -q -B -DskipTests package -pl amos-tools -am >&2) # the writer lives in the tools module, outside the library
java -Djava.awt.headless=true -Doffline=true -cp amos-tools/target/amos-tools.jar:amos-cli/target/amos-cli.jar \
  dev.amos.tools.results.ReplicationReport \
  "$OUT" "$DOC" "$IMG"
log "wrote $DOC and $IMG/ from $OUT"
