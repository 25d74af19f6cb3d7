#!/usr/bin/env python3
"""The Python PyTorch (eager) peer of `amos bench` and `amos embed`, for scripts/measure/peer/ratios.sh.

Not used by the product or the tests. Same work as amos, written independently in plain PyTorch
(the encoder is amos_encoder.py, shared with learning_peer.py): post-LN BERT layers with learned
positions and a relative-position bias, dropout 0.1, the shapes of a models/*.json preset, 15% of
the positions masked (80% [MASK], 10% random, 10% kept), AdamW (0.9, 0.98, eps 1e-6, weight decay 0.01 off biases and LayerNorms), global-norm clipping at
2.0, one host read per step.

  mlm   one MLM encoder, the MLM head (dense, GELU, LayerNorm, tied output) on the masked tokens
  amos  the AMOS step (Meng et al., ICLR 2022, https://arxiv.org/abs/2204.03243): a generator
        as deep as its deepest MLM layer with the shared head read at every MLM layer (gradient
        stopped at the input of the layer after each but the last), a learned softmax mixture of
        the heads, Gumbel-softmax (tau) sampling with a straight-through one-hot whose gradient is
        reversed into the mixture, a discriminator fed E[x'] + delta E, the RTD head, loss =
        sum of the MLM losses + 50 x RTD
  embed the amos-base-shaped encoder (random weights: the work is the same) over one text per line,
        BERT WordPiece of models/vocab.txt, batches padded to their longest, mean pooling

Run with Debian's python3-torch on OpenBLAS (docs/performance.md, "Peer benchmark"):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 scripts/measure/peer/amos_peer.py --work amos
"""
import argparse
import gzip
import json
import statistics
import sys
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F

from amos_encoder import Encoder, MlmHead, adamw


def mask(ids, vocab, mask_id, rate=0.15):
    sel = torch.rand(ids.shape) < rate
    inp = ids.clone()
    roll = torch.rand(ids.shape)
    inp[sel & (roll < 0.8)] = mask_id
    rnd = sel & (roll >= 0.8) & (roll < 0.9)
    inp[rnd] = torch.randint(vocab, (int(rnd.sum()),))
    return inp, sel


class Mlm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.emb = nn.Parameter(torch.randn(c["vocab_size"], c["hidden_size"]) * 0.02)
        self.enc = Encoder.of_config(c, self.emb, c["num_layers"])
        self.head = MlmHead(c["hidden_size"], c["vocab_size"], self.emb, c["layer_norm_eps"])

    def loss(self, ids, c):
        inp, sel = mask(ids, c["vocab_size"], 103)
        h = self.enc(self.emb[inp])[-1]
        return F.cross_entropy(self.head(h[sel]), ids[sel])


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -g


class Amos(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.emb = nn.Parameter(torch.randn(c["vocab_size"], c["hidden_size"]) * 0.02)
        self.mlm_layers = c["mlm_layers"]
        self.gen = Encoder.of_config(c, self.emb, max(self.mlm_layers))
        self.head = MlmHead(c["hidden_size"], c["vocab_size"], self.emb, c["layer_norm_eps"])
        self.mix = nn.Parameter(torch.zeros(len(self.mlm_layers)))
        self.disc = Encoder.of_config(c, self.emb, c["num_layers"])
        self.rtd = nn.Linear(c["hidden_size"], 1)

    def loss(self, ids, c):
        inp, sel = mask(ids, c["vocab_size"], 103)
        hidden = self.gen(self.emb[inp], detach_inputs_of={k + 1 for k in self.mlm_layers[:-1]})
        target = ids[sel]
        logps = [F.log_softmax(self.head(hidden[k - 1][sel]), -1) for k in self.mlm_layers]
        mlm = sum(F.nll_loss(lp, target) for lp in logps)
        w = GradReverse.apply(self.mix.softmax(0))
        mixture = torch.logsumexp(torch.stack([lp.detach() for lp in logps]) + w.log()[:, None, None], 0)
        gumbel = -torch.log(-torch.log(torch.rand_like(mixture).clamp_min(1e-20)))
        soft = ((mixture + gumbel) / c["gumbel_tau"]).softmax(-1)
        sampled = soft.argmax(-1)
        hard = F.one_hot(sampled, c["vocab_size"]).float()
        delta = (hard + soft - soft.detach()) - hard  # zero forward, straight-through gradient
        x = self.emb[ids].clone()
        x[sel] = self.emb[sampled] + delta @ self.emb
        replaced = ids.clone()
        replaced[sel] = sampled
        labels = (replaced != ids).float()
        h = self.disc(x)[-1]
        rtd = F.binary_cross_entropy_with_logits(self.rtd(h).squeeze(-1), labels)
        return mlm + 50.0 * rtd


def train(a, c):
    model = Amos(c) if a.work == "amos" else Mlm(c)
    model.train()
    opt = adamw(list(model.parameters()), 1e-4)
    ids = torch.randint(1000, c["vocab_size"], (a.batch_size, a.seq_len))
    times = []
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = model.loss(ids, c)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        opt.step()
        loss.item()
        if step >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"work": a.work, "config": c["name"], "batch_size": a.batch_size, "seq_len": a.seq_len,
            "step_ms_median": round(med * 1000, 1), "tokens_per_second": round(a.batch_size * a.seq_len / med, 1)}


def wordpiece(vocab):
    def split(text):
        words, cur = [], []
        for ch in unicodedata.normalize("NFD", text.lower()):
            if unicodedata.category(ch) == "Mn":
                continue
            if ch.isspace():
                words.append("".join(cur)); cur = []
            elif unicodedata.category(ch).startswith("P") or (33 <= ord(ch) <= 47) or (58 <= ord(ch) <= 64):
                words.append("".join(cur)); words.append(ch); cur = []
            else:
                cur.append(ch)
        words.append("".join(cur))
        out = [vocab["[CLS]"]]
        for w in filter(None, words):
            start, pieces = 0, []
            while start < len(w):
                end = len(w)
                while end > start and (("##" if start else "") + w[start:end]) not in vocab:
                    end -= 1
                if end == start:
                    pieces = [vocab["[UNK]"]]; break
                pieces.append(vocab[("##" if start else "") + w[start:end]]); start = end
            out.extend(pieces)
        return out[:511] + [vocab["[SEP]"]]
    return split


def embed(a, c):
    vocab = {w.rstrip("\n"): i for i, w in enumerate(open(a.vocab, encoding="utf-8"))}
    opener = gzip.open if a.input.endswith(".gz") else open
    with opener(a.input, "rt", encoding="utf-8") as f:
        texts = [line.strip() for line in f if line.strip()][:a.texts]
    emb = nn.Parameter(torch.randn(c["vocab_size"], c["hidden_size"]) * 0.02)
    enc = Encoder.of_config(c, emb, c["num_layers"]).eval()
    tok = wordpiece(vocab)
    t0 = time.perf_counter()
    n = 0
    with torch.inference_mode():
        for i in range(0, len(texts), a.batch_size):
            seqs = [tok(t) for t in texts[i:i + a.batch_size]]
            t = max(map(len, seqs))
            ids = torch.tensor([s + [0] * (t - len(s)) for s in seqs])
            keep = (ids != 0).float()
            h = enc(emb[ids], pad_bias=((1 - keep) * -1e9)[:, None, None, :])[-1]
            v = (h * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)
            n += v.shape[0]
    secs = time.perf_counter() - t0
    return {"work": "embed", "config": c["name"], "texts": n, "batch_size": a.batch_size,
            "seconds": round(secs, 2), "texts_per_second": round(n / secs, 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", choices=["amos", "mlm", "embed"], required=True)
    ap.add_argument("--config", default=None, help="models/<name>.json (default: amos-mini, amos-base for embed)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--input", default="data/wiki-sample.txt.gz")
    ap.add_argument("--texts", type=int, default=384)
    ap.add_argument("--vocab", default="models/vocab.txt")
    a = ap.parse_args()
    torch.manual_seed(7)
    torch.set_num_threads(a.threads)
    name = a.config or ("amos-base" if a.work == "embed" else "amos-mini")
    c = json.load(open(f"models/{name}.json"))
    print(json.dumps(embed(a, c) if a.work == "embed" else train(a, c)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
