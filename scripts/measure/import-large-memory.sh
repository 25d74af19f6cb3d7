#!/usr/bin/env bash
# Heap and time of `amos import` on a checkpoint of AMOS / COCO-LM large's shape (24 x 1024, 16
# heads, FFN 4096, 512 positions, 64000 x 1024 word embedding, 128/256 buckets: 1.34 GB fp32)
# with random weights, written by torch.save (Python + PyTorch used as a tool only, e.g. Debian's
# python3-torch), with the tokenizer files of a small released-layout folder.
#
#   scripts/measure/import-large-memory.sh TOKENIZER_DIR WORK_DIR [HEAP]     (HEAP default 4g)
set -euo pipefail
tok=$(realpath "$1"); work=$2; heap=${3:-4g}
mkdir -p "$work"; work=$(realpath "$work")
root=$(cd "$(dirname "$0")/../.." && pwd)
cp "$tok/sp.model" "$tok/dict.txt" "$work/"
if [ ! -f "$work/pytorch_model.bin" ]; then
/usr/bin/python3 - "$work" <<'PY'
import json, sys, torch
out = sys.argv[1]
V, H, L, F, P, B = 64000, 1024, 24, 4096, 512, 128
g = torch.Generator().manual_seed(0)
r = lambda *s: torch.randn(*s, generator=g) * 0.02
sd = {"amos.embeddings.word_embeddings.weight": r(V, H), "amos.embeddings.position_embeddings.weight": r(P, H),
      "amos.embeddings.LayerNorm.weight": torch.ones(H), "amos.embeddings.LayerNorm.bias": torch.zeros(H),
      "amos.relative_attention_bias.weight": r(B, 16)}
for i in range(L):
    p = f"amos.encoder.layer.{i}."
    sd.update({p + "attention.self_attn.in_proj.weight": r(3 * H, H), p + "attention.self_attn.in_proj.bias": torch.zeros(3 * H),
               p + "attention.self_attn.out_proj.weight": r(H, H), p + "attention.self_attn.out_proj.bias": torch.zeros(H),
               p + "attention.LayerNorm.weight": torch.ones(H), p + "attention.LayerNorm.bias": torch.zeros(H),
               p + "intermediate.dense.weight": r(F, H), p + "intermediate.dense.bias": torch.zeros(F),
               p + "output.dense.weight": r(H, F), p + "output.dense.bias": torch.zeros(H),
               p + "output.LayerNorm.weight": torch.ones(H), p + "output.LayerNorm.bias": torch.zeros(H)})
sd["lm_head.bias"] = torch.zeros(V)
torch.save(sd, out + "/pytorch_model.bin")
json.dump({"vocab_size": V, "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 16, "intermediate_size": F,
           "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
           "max_position_embeddings": P, "type_vocab_size": 0, "initializer_range": 0.02, "layer_norm_eps": 1e-5,
           "rel_pos_bins": B, "max_rel_pos": 256, "layer_norm_type": "post", "model_type": "amos"}, open(out + "/config.json", "w"))
PY
fi
cd "$root"
mvn -B -q -o -pl amos-cli -am package -DskipTests >/dev/null
cp="amos-cli/target/amos-cli.jar:$(ls amos-cli/target/lib/*.jar | tr '\n' ':')"
rm -rf "$work/out"
ls -l "$work/pytorch_model.bin"
/usr/bin/time -v java -Xmx"$heap" -Xlog:gc*:file="$work/gc.log" -Doffline=true -cp "$cp" dev.amos.cli.AmosCommand \
    import --from "$work" --out "$work/out" 2> "$work/time.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
echo "largest Java heap in use after a GC: $(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1) MB (-Xmx$heap)"
echo "largest Java heap in use before a GC: $(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed -E 's/([0-9]+)M->.*/\1/' | sort -n | tail -1) MB"
ls -l "$work/out"
