"""The encoder of amos written independently in plain PyTorch, shared by the two peers in this folder
(amos_peer.py: throughput; learning_peer.py: does the generator learn). A tool, not used by the
product or the tests.

Post-LN BERT layers (attention, then GELU FFN, each added to its input and layer-normalized), learned
absolute positions plus a learned relative-position bias per head, with the bucketing of the released
COCO-LM / AMOS code (amos-model's RelativePositionBuckets), an MLM head tied to the token embedding,
and AdamW with weight decay on matrices only. Linear layers start from N(0, 0.02) with zero bias.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def bucket(rel, num_buckets, max_distance):
    """The signed bucket of each relative position (key index minus query index): half of the buckets
    per sign, distances below num_buckets / 4 exact, larger ones binned logarithmically up to
    max_distance."""
    half = num_buckets // 2
    max_exact = half // 2
    n = rel.abs()
    large = max_exact + (torch.log(n.float().clamp(min=1) / max_exact) / math.log((max_distance - 1) / max_exact)
                         * (half - 1 - max_exact)).ceil().long()
    val = torch.where(n < max_exact, n, large.clamp(max=half - 1))
    return val * rel.sign()


def _dropout(p):
    return nn.Dropout(p) if p > 0 else nn.Identity()


def _normal_init(module):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)


class Layer(nn.Module):
    def __init__(self, h, heads, ffn, eps=1e-5, dropout=0.0, attention_dropout=0.0):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=eps)
        self.fin = nn.Linear(h, ffn)
        self.fout = nn.Linear(ffn, h)
        self.ln2 = nn.LayerNorm(h, eps=eps)
        self.drop = _dropout(dropout)
        self.adrop = _dropout(attention_dropout)

    def forward(self, x, bias):
        b, t, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        p = self.adrop((q @ k.transpose(-1, -2) / math.sqrt(d) + bias).softmax(-1))
        x = self.ln1(x + self.drop(self.out((p @ v).transpose(1, 2).reshape(b, t, h))))
        return self.ln2(x + self.drop(self.fout(F.gelu(self.fin(x)))))


class Encoder(nn.Module):
    """Layers over embedded tokens; emb (vocab, hidden) is the token embedding, owned or shared."""

    def __init__(self, emb, layers, heads, ffn, max_positions=128, rel_pos_buckets=32, max_rel_pos=128,
                 eps=1e-5, dropout=0.0, attention_dropout=0.0):
        super().__init__()
        h = emb.shape[1]
        self.emb = emb
        self.pos = nn.Parameter(torch.randn(max_positions, h) * 0.02)
        self.ln = nn.LayerNorm(h, eps=eps)
        self.drop = _dropout(dropout)
        self.rel = nn.Parameter(torch.randn(rel_pos_buckets, heads) * 0.02)
        r = torch.arange(max_positions)
        g = bucket(r[None, :] - r[:, None], rel_pos_buckets, max_rel_pos)
        self.register_buffer("grid", g - g.min())
        self.layers = nn.ModuleList(Layer(h, heads, ffn, eps, dropout, attention_dropout) for _ in range(layers))
        _normal_init(self)

    @staticmethod
    def of_config(c, emb, layers):
        """An encoder of a models/<preset>.json config c with `layers` layers."""
        return Encoder(emb, layers, c["num_heads"], c["ffn_size"], c["max_positions"], c["rel_pos_buckets"],
                       c["max_rel_pos"], c["layer_norm_eps"], c["dropout"], c["attention_dropout"])

    def forward(self, x_emb, pad_bias=None, detach_inputs_of=()):
        """The hidden states of every layer. x_emb: (batch, seq, hidden) embedded tokens; pad_bias:
        added to the attention logits (-inf-like at padding); detach_inputs_of: 1-based layers whose
        input is cut from the gradient."""
        t = x_emb.shape[1]
        x = self.drop(self.ln(x_emb + self.pos[:t]))
        bias = self.rel[self.grid[:t, :t]].permute(2, 0, 1)[None]
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
    """dense, GELU, LayerNorm, then logits against the tied token embedding plus a bias."""

    def __init__(self, h, vocab, emb, eps=1e-5):
        super().__init__()
        self.dense = nn.Linear(h, h)
        nn.init.normal_(self.dense.weight, std=0.02)
        nn.init.zeros_(self.dense.bias)
        self.ln = nn.LayerNorm(h, eps=eps)
        self.bias = nn.Parameter(torch.zeros(vocab))
        self.emb = emb

    def forward(self, f):
        return self.ln(F.gelu(self.dense(f))) @ self.emb.t() + self.bias


def adamw(params, lr):
    """AdamW (0.9, 0.98, eps 1e-6), weight decay 0.01 on matrices, none on biases and LayerNorms."""
    decay = [p for p in params if p.dim() == 2]
    no_decay = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.98), eps=1e-6)
