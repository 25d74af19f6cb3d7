#!/usr/bin/env python3
"""Numeric effect of --tf32, emulated on the CPU (no GPU needed): TF32 tensor cores round each
float32 input of a matrix product to a 10-bit mantissa (round to nearest) and accumulate in
float32. This rounds the inputs the same way, multiplies in float64 (accumulation error aside),
and reports the relative error of the product against float64, next to plain float32's, for the
matrix products of an amos-base layer (hidden 768, FFN 3072, head size 64, 512 tokens).
numpy only; a tool for docs/gpu.md, not part of the build."""
import numpy as np

def tf32(x):
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    # round to nearest (ties to even) at mantissa bit 13, keep 10 mantissa bits
    lsb = (bits >> 13) & 1
    bits = ((bits + 0x0FFF + lsb) & 0xFFFFE000).astype(np.uint32)
    return bits.view(np.float32)

def rel(a, ref):
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))

rng = np.random.default_rng(7)
shapes = {"QKV/out projection 512x768 @ 768x768": (512, 768, 768),
          "FFN in 512x768 @ 768x3072": (512, 768, 3072),
          "FFN out 512x3072 @ 3072x768": (512, 3072, 768),
          "attention scores 512x64 @ 64x512": (512, 64, 512)}
print(f"{'product':40s} {'float32':>10s} {'tf32':>10s}")
for name, (m, k, n) in shapes.items():
    a = rng.standard_normal((m, k)).astype(np.float32)          # activations after LayerNorm
    b = (0.02 * rng.standard_normal((k, n))).astype(np.float32)  # BERT init std 0.02
    ref = a.astype(np.float64) @ b.astype(np.float64)
    fp32 = (a @ b).astype(np.float64)
    t = tf32(a).astype(np.float64) @ tf32(b).astype(np.float64)
    print(f"{name:40s} {rel(fp32, ref):10.2e} {rel(t, ref):10.2e}")
