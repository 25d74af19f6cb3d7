#!/usr/bin/env python3
"""A PyTorch peer of amos's generator objectives, for diagnosis only (not used by the product or tests).

Trains, on a whitespace-tokenized corpus whose words are all single tokens of models/vocab.txt,
either a plain MLM encoder or the AMOS multi-layer MLM generator (shared head read at several
layers, gradient stopped at the input of the layer after each MLM layer but the last), with the
same architecture and optimizer settings as amos (post-LN BERT layers, learned positions + T5
relative bias, AdamW 0.9/0.98/1e-6, wd 0.01 off biases/LN, warmup then linear decay, clip 2.0),
and prints window means of the MLM loss. Masking: 15% of the real tokens, all [MASK]. Needs PyTorch
(Debian: apt-get install python3-torch; run that python3). The encoder is amos_encoder.py, shared
with amos_peer.py.

    python3 scripts/measure/peer/learning_peer.py --corpus bigram.txt --make-corpus
    python3 scripts/measure/peer/learning_peer.py --corpus bigram.txt --compact-vocab --layers 3 --hidden 64 \
        --heads 2 --ffn 256 --mlm-layers 1,2,3 --steps 300
"""
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from amos_encoder import Encoder, MlmHead, adamw


def batches(path, vocab, seq, batch, seed):
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    ids = []
    for line in open(path, encoding="utf-8"):
        ids.extend(vocab[w] for w in line.split())
    body = seq - 2
    seqs = [[cls] + ids[i:i + body] + [sep] for i in range(0, len(ids) - body, body)]
    rng = random.Random(seed)
    while True:
        yield torch.tensor([rng.choice(seqs) for _ in range(batch)])


WORDS = ("the of and in to was is for on as by with he at from his an were are which this also be or had "
         "first one their its new after who").split()


def make_corpus(path):
    """The 32-word bigram language of docs/learning.md: each word is followed by word (5i+3) mod 32,
    or 10% of the time by a uniform word; 6000 lines of 20-40 words (every word one BERT token)."""
    random.seed(1)
    n = len(WORDS)
    lines = []
    for _ in range(6000):
        i = random.randrange(n)
        toks = []
        for _ in range(random.randint(20, 40)):
            toks.append(WORDS[i])
            i = (5 * i + 3) % n if random.random() > 0.1 else random.randrange(n)
        lines.append(" ".join(toks))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--make-corpus", action="store_true", help="write the bigram corpus to --corpus and exit")
    ap.add_argument("--vocab", default="models/vocab.txt")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=256)
    ap.add_argument("--mlm-layers", default="", help="AMOS generator heads, e.g. 1,2,3; empty = plain MLM")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--compact-vocab", action="store_true",
                    help="renumber the corpus's words 4.. (0-3 special): a small output layer, same dynamics")
    a = ap.parse_args()
    if a.make_corpus:
        make_corpus(a.corpus)
        return
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    if a.compact_vocab:
        words = sorted({w for line in open(a.corpus, encoding="utf-8") for w in line.split()})
        table = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[MASK]": 3, **{w: i + 4 for i, w in enumerate(words)}}
    else:
        table = {w.rstrip("\n"): i for i, w in enumerate(open(a.vocab, encoding="utf-8"))}
    vocab = len(table)
    mask_id, cls, sep = table["[MASK]"], table["[CLS]"], table["[SEP]"]
    enc = Encoder(nn.Parameter(torch.randn(vocab, a.hidden) * 0.02), a.layers, a.heads, a.ffn)
    head = MlmHead(a.hidden, vocab, enc.emb)
    heads = [int(x) for x in a.mlm_layers.split(",")] if a.mlm_layers else [a.layers]
    detach = {k + 1 for k in heads[:-1]}
    params = list(enc.parameters()) + [p for n, p in head.named_parameters() if n != "emb"]
    opt = adamw(params, a.lr)
    warm = a.steps // 10
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s + 1 <= warm else max(0.0, (a.steps - s - 1) / (a.steps - warm)))
    data = batches(a.corpus, table, a.seq, a.batch, a.seed)
    window = []
    for step in range(1, a.steps + 1):
        ids = next(data)
        real = (ids != cls) & (ids != sep)
        sel = torch.zeros_like(ids, dtype=torch.bool)
        for b in range(ids.shape[0]):
            cand = real[b].nonzero().flatten()
            n = max(1, round(0.15 * len(cand)))
            sel[b, cand[torch.randperm(len(cand))[:n]]] = True
        inp = ids.masked_fill(sel, mask_id)
        hidden = enc(enc.emb[inp], detach_inputs_of=detach)
        losses = [F.cross_entropy(head(hidden[k - 1][sel]), ids[sel]) for k in heads]
        loss = sum(losses)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 2.0)
        opt.step()
        sched.step()
        window.append([l.item() for l in losses])
        if step % a.window == 0:
            means = [sum(w[i] for w in window) / len(window) for i in range(len(heads))]
            print(f"steps {step - a.window + 1}-{step}: mlm " + " ".join(f"{m:.3f}" for m in means), flush=True)
            window = []


if __name__ == "__main__":
    main()
