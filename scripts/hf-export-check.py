#!/usr/bin/env python3
"""Loads an `amos export --format hf` folder with Microsoft's own AMOSModel (microsoft/AMOS,
huggingface/amos/modeling_amos.py) strictly, runs the texts that `amos embed` embedded, and compares
the pooled last hidden states with the vectors amos wrote.

    /usr/bin/python3 scripts/hf-export-check.py AMOS_GIT_DIR HF_DIR TEXTS VECTORS_JSONL [--pooling mean|cls]

AMOS_GIT_DIR is a git clone (or bare mirror) of github.com/microsoft/AMOS; the script copies
huggingface/amos/*.py at commit 5a7c957 into a temporary folder (MIT licence; nothing of it is kept),
with small stand-ins for the few names it imports from transformers (PretrainedConfig,
PreTrainedModel, PreTrainedTokenizer, ACT2FN['gelu'] = exact GELU, WEIGHTS_NAME): transformers is not
packaged for Debian 12 and is not needed for the forward pass. The state dict is read with
torch.load (pytorch_model.bin) or a small safetensors reader, the key prefix (`amos.`; `cocolm.`
for COCO-LM imports, whose modules are the same) is removed as transformers' from_pretrained does
for base_model_prefix "amos", and
AMOSModel.load_state_dict(strict=True) must report no missing and no unexpected keys.

Tokens: AMOSTokenizer (sp.model + dict.txt) for SentencePiece exports; for WordPiece exports (amos
pretraining runs) the BERT WordPiece of scripts/torch-check-classifier.py on the export's
tokenizer.json (transformers' BertTokenizer on vocab.txt gives the same ids for BERT uncased).
Texts are cut to config.json's amos_export.max_length tokens. Batches of 8, padded (pad id from
config.json, attention mask 0), eval mode, float32, CPU. Mean pooling averages the states of the
text's tokens (start and end markers included), cls takes the first, as amos embed does.

Prints the strict-load result, then max |amos - Microsoft| over all vector elements and the lowest
cosine; exits 1 if a key is missing or unexpected, the max difference exceeds 1e-4 or a cosine is
below 0.9999. Needs torch (Debian: python3-torch 1.13) and, for SentencePiece exports, sentencepiece
(python3-sentencepiece). Python is a tool here, never a dependency of amos.
"""
import argparse
import importlib.util
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import torch

AMOS_COMMIT = "5a7c957"
FILES = ["configuration_amos.py", "modeling_amos.py", "tokenization_amos.py", "tokenization_utils.py",
         "convert_state_dict.py"]

STUBS = {
    "transformers/__init__.py": "",
    "transformers/configuration_utils.py": '''
class PretrainedConfig:
    def __init__(self, **kwargs):
        self.output_attentions = kwargs.pop("output_attentions", False)
        self.output_hidden_states = kwargs.pop("output_hidden_states", False)
        for k, v in kwargs.items():
            setattr(self, k, v)
''',
    "transformers/modeling_utils.py": '''
import torch
WEIGHTS_NAME = "pytorch_model.bin"
TF2_WEIGHTS_NAME = "tf_model.h5"
TF_WEIGHTS_NAME = "model.ckpt"
def cached_path(*args, **kwargs):
    raise RuntimeError("no downloads here")
class PreTrainedModel(torch.nn.Module):
    def __init__(self, config, *args, **kwargs):
        super().__init__()
        self.config = config
    def init_weights(self):
        pass
class PoolerAnswerClass: pass
class PoolerEndLogits: pass
class PoolerStartLogits: pass
''',
    "transformers/models/__init__.py": "",
    "transformers/models/bert/__init__.py": "",
    "transformers/models/bert/modeling_bert.py": '''
import torch.nn.functional as F
ACT2FN = {"gelu": F.gelu}
''',
    "transformers/file_utils.py": 'WEIGHTS_NAME = "pytorch_model.bin"\n',
    "transformers/activations.py": '''
import torch.nn.functional as F
def get_activation(name):
    return {"gelu": F.gelu}[name]
''',
    "transformers/tokenization_utils.py": '''
class PreTrainedTokenizer:
    def __init__(self, **kwargs):
        pass
''',
}


def microsoft_code(git_dir, work):
    pkg = os.path.join(work, "amos")
    os.makedirs(pkg)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    for name in FILES:
        src = subprocess.run(["git", "--git-dir", git_dir, "show", AMOS_COMMIT + ":huggingface/amos/" + name],
                             check=True, capture_output=True).stdout
        with open(os.path.join(pkg, name), "wb") as f:
            f.write(src)
    for path, text in STUBS.items():
        full = os.path.join(work, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    sys.path.insert(0, work)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        assert spec["dtype"] == "F32", spec
        b, e = spec["data_offsets"]
        out[key] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(spec["shape"])
    return out


def torch_check_classifier():
    """scripts/torch-check-classifier.py: its BERT-uncased WordPiece and single-text encode()."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("torch_check_classifier", os.path.join(here, "torch-check-classifier.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("amos_git_dir")
    ap.add_argument("hf_dir")
    ap.add_argument("texts")
    ap.add_argument("vectors")
    ap.add_argument("--pooling", default="mean", choices=["mean", "cls"])
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    config_json = json.load(open(os.path.join(args.hf_dir, "config.json")))
    max_len = config_json.get("amos_export", {}).get("max_length", min(512, config_json["max_position_embeddings"]))

    with tempfile.TemporaryDirectory() as work:
        microsoft_code(os.path.abspath(args.amos_git_dir), work)
        from amos.configuration_amos import AMOSConfig
        from amos.modeling_amos import AMOSModel

        config = AMOSConfig(**config_json)
        model = AMOSModel(config).eval()
        if os.path.exists(os.path.join(args.hf_dir, "pytorch_model.bin")):
            weights = "pytorch_model.bin"
            state = torch.load(os.path.join(args.hf_dir, weights), map_location="cpu")
        else:
            weights = "model.safetensors"
            state = read_safetensors(os.path.join(args.hf_dir, weights))
        # AMOSModel.base_model_prefix is "amos"; COCO-LM checkpoints (same modules) use "cocolm"
        prefix = config_json.get("model_type", AMOSModel.base_model_prefix) + "."
        foreign = [k for k in state if not k.startswith(prefix)]
        stripped = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        result = model.load_state_dict(stripped, strict=True)
        print(f"{weights}: {len(state)} tensors; AMOSModel.load_state_dict(strict=True): missing "
              f"{list(result.missing_keys)}, unexpected {list(result.unexpected_keys) + foreign}")
        if foreign or result.missing_keys or result.unexpected_keys:
            sys.exit(1)

        texts = open(args.texts, encoding="utf-8").read().split("\n")
        if texts and texts[-1] == "":
            texts.pop()
        if os.path.exists(os.path.join(args.hf_dir, "sp.model")):
            from amos.tokenization_amos import AMOSTokenizer
            tok = AMOSTokenizer(os.path.join(args.hf_dir, "sp.model"), os.path.join(args.hf_dir, "dict.txt"))
            ids = [tok.encode_plus(t, max_length=max_len)["input_ids"] for t in texts]
            tokenizer = "AMOSTokenizer (sp.model + dict.txt)"
        else:
            wp_module = torch_check_classifier()
            wp = wp_module.WordPiece(os.path.join(args.hf_dir, "tokenizer.json"))
            ids = [wp_module.encode(wp, t, None, max_len) for t in texts]
            tokenizer = "BERT WordPiece (tokenizer.json)"
        pad = config_json.get("pad_token_id", 1)

        expected = [json.loads(line)["embedding"] for line in open(args.vectors, encoding="utf-8")]
        assert len(expected) == len(texts), f"{len(expected)} vectors for {len(texts)} texts"
        worst, lowest = 0.0, 1.0
        for start in range(0, len(ids), 8):
            batch = ids[start:start + 8]
            longest = max(len(x) for x in batch)
            input_ids = torch.tensor([x + [pad] * (longest - len(x)) for x in batch])
            mask = torch.tensor([[1] * len(x) + [0] * (longest - len(x)) for x in batch])
            hidden = model(input_ids=input_ids, attention_mask=mask)[0]
            for i, x in enumerate(batch):
                states = hidden[i, :len(x)]
                v = states[0] if args.pooling == "cls" else states.mean(dim=0)
                a = torch.tensor(expected[start + i])
                worst = max(worst, (a - v).abs().max().item())
                lowest = min(lowest, torch.nn.functional.cosine_similarity(a, v, dim=0).item())
        print(f"{len(texts)} texts, {tokenizer}, max length {max_len}, pooling {args.pooling}: "
              f"max |amos embed - AMOSModel| = {worst:.3g}, lowest cosine = {lowest:.8f}")
        if worst > 1e-4 or lowest < 0.9999 or math.isnan(worst):
            sys.exit(1)


if __name__ == "__main__":
    main()
