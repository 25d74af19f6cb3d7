#!/usr/bin/env python3
"""AdamW's passes over the parameters: DJL 0.25's adamUpdate op sequence (gradient clone, decay as
w*lr*wd, step in temporaries) against the fused in-place sequence of amos's AdamW.UPDATE_SOURCE
(mul_, lerp_, mul_+addcmul_, sqrt+add_, addcdiv_), on the parameter shapes of amos-mini's AMOS
model, 2 threads. Plain PyTorch (Debian's python3-torch 1.13); a tool for docs/performance.md,
not part of the product or the tests. Run it with the launcher's allocator settings, or fresh
temporaries fault in page by page and dominate DJL's sequence:

    MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 \
        /usr/bin/python3 scripts/measure/adamw-passes.py
"""
import torch, time
torch.set_num_threads(2)
# amos-mini AMOS parameter shapes (approx): shared embedding, positions, 10 layers (6 disc + 4 gen), heads
shapes=[(30522,256),(512,256),(256,),(256,),(32,4),(32,4)]
for l in range(10):
    shapes += [(768,256),(768,),(256,256),(256,),(256,),(256,),(1024,256),(1024,),(256,1024),(256,),(256,),(256,)]
shapes += [(256,256),(256,),(256,),(256,),(30522,),(1,256),(1,256),(1,)]
P=[torch.randn(s) for s in shapes]; G=[torch.randn(s) for s in shapes]
M=[torch.zeros(s) for s in shapes]; V=[torch.zeros(s) for s in shapes]
print(len(P), "parameter arrays,", round(sum(p.numel() for p in P) / 1e6, 1), "M values")
b1,b2,eps,lr,wd=0.9,0.999,1e-6,1e-3,0.01
def djl():
    for w,g,m,v in zip(P,G,M,V):
        gg=g.clone()
        w.sub_(w.mul(lr).mul(wd))
        m.mul_(b1).add_(gg,alpha=1-b1)
        v.mul_(b2).addcmul_(gg,gg,value=1-b2)
        w.sub_(m.mul(lr).div(v.sqrt().add(eps)))
def fused():
    for w,g,m,v in zip(P,G,M,V):
        w.mul_(1-lr*wd)
        m.lerp_(g,1-b1)
        v.mul_(b2).addcmul_(g,g,value=1-b2)
        w.addcdiv_(m, v.sqrt().add_(eps), value=-lr)
def foreach():
    torch._foreach_mul_(P,1-lr*wd)
    torch._foreach_mul_(M,b1); torch._foreach_add_(M,G,alpha=1-b1)
    torch._foreach_mul_(V,b2); torch._foreach_addcmul_(V,G,G,value=1-b2)
    d=torch._foreach_sqrt(V); torch._foreach_add_(d,eps)
    torch._foreach_addcdiv_(P,M,d,value=-lr)
for f in (djl, fused, foreach, djl, fused, foreach):  # alternating, twice
    f()
    t = time.perf_counter()
    for _ in range(10):
        f()
    print(f.__name__, round((time.perf_counter() - t) / 10 * 1e3, 1), "ms per update of every parameter")
