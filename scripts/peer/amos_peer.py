#!/usr/bin/env python3
"""The Python PyTorch (eager) peer of `amos bench` and `amos embed`, for scripts/peer/ratios.sh.

Not used by the product or the tests. Same work as amos, written independently in plain PyTorch:
post-LN BERT layers with learned positions and a T5 relative-position bias, dropout 0.1, the
shapes of a models/*.json preset, 15% of the positions masked (80% [MASK], 10% random, 10% kept),
AdamW (0.9, 0.98, eps 1e-6, weight decay 0.01 off biases and LayerNorms), global-norm clipping at
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
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 scripts/peer/amos_peer.py --work amos
"""
import argparse
import gzip
import json
import math
import statistics
import sys
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F


def bucket(rel, num_buckets, max_distance):
    half = num_buckets // 2
    exact = half // 2
    n = rel.abs()
    large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact)
                     * (half - exact)).long()
    val = torch.where(n < exact, n, large.clamp(max=half - 1))
    return val + half * (rel > 0).long()


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_heads"]
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.fin = nn.Linear(h, c["ffn_size"])
        self.fout = nn.Linear(c["ffn_size"], h)
        self.ln2 = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.drop = nn.Dropout(c["dropout"])
        self.adrop = nn.Dropout(c["attention_dropout"])

    def forward(self, x, bias):
        b, t, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        p = self.adrop((q @ k.transpose(-1, -2) / math.sqrt(d) + bias).softmax(-1))
        x = self.ln1(x + self.drop(self.out((p @ v).transpose(1, 2).reshape(b, t, h))))
        return self.ln2(x + self.drop(self.fout(F.gelu(self.fin(x)))))


class Encoder(nn.Module):
    def __init__(self, c, layers, emb):
        super().__init__()
        h = c["hidden_size"]
        self.emb = emb
        self.pos = nn.Parameter(torch.randn(c["max_positions"], h) * 0.02)
        self.ln = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.drop = nn.Dropout(c["dropout"])
        self.rel = nn.Parameter(torch.randn(c["rel_pos_buckets"], c["num_heads"]) * 0.02)
        self.buckets, self.max_rel = c["rel_pos_buckets"], c["max_rel_pos"]
        self.layers = nn.ModuleList(Layer(c) for _ in range(layers))

    def forward(self, x_emb, pad_bias=None, detach_inputs_of=()):
        t = x_emb.shape[1]
        x = self.drop(self.ln(x_emb + self.pos[:t]))
        r = torch.arange(t)
        bias = self.rel[bucket(r[None, :] - r[:, None], self.buckets, self.max_rel)].permute(2, 0, 1)[None]
        if pad_bias is not None:
            bias = bias + pad_bias
        hidden = []
        for i, layer in enumerate(self.layers):
            if i + 1 in detach_inputs_of:
                x = x.detach()
            x = layer(x, bias)
            hidden.append(x)
        return hidden


class MlmHead(nn.Module):
    def __init__(self, c, emb):
        super().__init__()
        h = c["hidden_size"]
        self.dense = nn.Linear(h, h)
        self.ln = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.emb = emb

    def forward(self, f):
        return self.ln(F.gelu(self.dense(f))) @ self.emb.t() + self.bias


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
        self.enc = Encoder(c, c["num_layers"], self.emb)
        self.head = MlmHead(c, self.emb)

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
        self.gen = Encoder(c, max(self.mlm_layers), self.emb)
        self.head = MlmHead(c, self.emb)
        self.mix = nn.Parameter(torch.zeros(len(self.mlm_layers)))
        self.disc = Encoder(c, c["num_layers"], self.emb)
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


def optimizer(model):
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                             lr=1e-4, betas=(0.9, 0.98), eps=1e-6)


def train(a, c):
    model = Amos(c) if a.work == "amos" else Mlm(c)
    model.train()
    opt = optimizer(model)
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
    enc = Encoder(c, c["num_layers"], emb).eval()
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
