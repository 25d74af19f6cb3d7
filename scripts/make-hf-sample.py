#!/usr/bin/env python3
"""Writes the small released-layout sample that amos-import's tests read without ../shared
(amos-import/src/test/resources/hf-sample): config.json, pytorch_model.bin, sp.model, dict.txt.

    /usr/bin/python3 scripts/make-hf-sample.py OUT_DIR

sp.model: a 300-piece SentencePiece unigram model (identity normalization, so no character map and a
4 KB file) trained on this repository's own README.md and docs/*.md. dict.txt: `<piece> <count>`
for the pieces of that text, most frequent first, the rarest tenth left out (read as <unk>, as in
the released dictionaries). pytorch_model.bin: random weights under the released AMOSModel key
names with the prefix `amos.` (1 layer x 16, 2 heads, 32 positions, 8 relative-position buckets),
written by torch.save (zip format). Needs torch and sentencepiece (Debian: python3-torch,
python3-sentencepiece). Python is a tool here, never a dependency of amos.
"""
import collections
import glob
import json
import os
import sys

import sentencepiece as spm
import torch

out = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(out, exist_ok=True)
files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
lines = [line.strip() for f in files for line in open(f, encoding="utf-8") if line.strip()]
corpus = os.path.join(out, "corpus.tmp")
with open(corpus, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(out, "sp"), vocab_size=300,
                               model_type="unigram", normalization_rule_name="identity", character_coverage=0.995,
                               input_sentence_size=0, num_threads=1, minloglevel=2)
os.remove(corpus)
os.remove(os.path.join(out, "sp.vocab"))
sp = spm.SentencePieceProcessor(model_file=os.path.join(out, "sp.model"))
counts = collections.Counter(p for line in lines for p in sp.encode(line, out_type=str))
pieces = [p for p, _ in counts.most_common() if p not in ("<unk>", "<s>", "</s>")]
pieces = pieces[: len(pieces) - len(pieces) // 10]
with open(os.path.join(out, "dict.txt"), "w", encoding="utf-8") as f:
    for p in pieces:
        f.write(f"{p} {counts[p]}\n")
vocab = (len(pieces) + 5 + 7) // 8 * 8  # <s> <pad> </s> <unk>, the pieces, <mask>; rounded up to 8
config = {"vocab_size": vocab, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
          "intermediate_size": 32, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
          "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 32, "type_vocab_size": 0,
          "initializer_range": 0.02, "layer_norm_eps": 1e-05, "rel_pos_bins": 8, "max_rel_pos": 16,
          "layer_norm_type": "post", "pad_token_id": 1, "model_type": "amos", "architectures": ["AMOSModel"]}
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
torch.manual_seed(25)
h, ffn = config["hidden_size"], config["intermediate_size"]
state = collections.OrderedDict()
state["amos.embeddings.word_embeddings.weight"] = torch.randn(vocab, h) * 0.5
state["amos.embeddings.position_embeddings.weight"] = torch.randn(32, h) * 0.5
state["amos.embeddings.LayerNorm.weight"] = 1 + torch.randn(h) * 0.5
state["amos.embeddings.LayerNorm.bias"] = torch.randn(h) * 0.1
p = "amos.encoder.layer.0."
state[p + "attention.self_attn.in_proj.weight"] = torch.randn(3 * h, h) * 0.3
state[p + "attention.self_attn.in_proj.bias"] = torch.randn(3 * h) * 0.1
state[p + "attention.self_attn.out_proj.weight"] = torch.randn(h, h) * 0.3
state[p + "attention.self_attn.out_proj.bias"] = torch.randn(h) * 0.1
state[p + "attention.LayerNorm.weight"] = 1 + torch.randn(h) * 0.5
state[p + "attention.LayerNorm.bias"] = torch.randn(h) * 0.1
state[p + "intermediate.dense.weight"] = torch.randn(ffn, h) * 0.3
state[p + "intermediate.dense.bias"] = torch.randn(ffn) * 0.1
state[p + "output.dense.weight"] = torch.randn(h, ffn) * 0.3
state[p + "output.dense.bias"] = torch.randn(h) * 0.1
state[p + "output.LayerNorm.weight"] = 1 + torch.randn(h) * 0.5
state[p + "output.LayerNorm.bias"] = torch.randn(h) * 0.1
state["amos.relative_attention_bias.weight"] = torch.randn(8, 2)
torch.save(state, os.path.join(out, "pytorch_model.bin"))
print(f"{out}: {len(pieces)} dictionary pieces, vocab_size {vocab}")
