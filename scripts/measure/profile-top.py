#!/usr/bin/env python3
"""Ranks the ops of a libtorch profile (the Chrome trace `amos bench --profile DIR` or
`amos embed --profile FILE` writes) by self time: the op's own time, without the ops it called.

    scripts/measure/profile-top.py runs/prof/amos.json --steps 3          # top 10 ops, per step
    scripts/measure/profile-top.py runs/prof/amos.json --steps 3 --by-shape --top 20
    scripts/measure/profile-top.py runs/prof/amos.json --steps 3 --gaps 5       # + the 5 longest gaps between ops

Prints a markdown table (op, calls and self ms per step, share of the profiled wall time) and
one line splitting the wall time into GEMM kernels (mm, addmm, bmm, baddbmm, addbmm, linear's
kernels), other ops, and time outside any op (Java, JNI and the engine's dispatch between ops).
Plain Python 3, no torch needed. Not part of the test suite; see docs/performance.md.
"""
import argparse
import collections
import json

GEMM = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addbmm", "aten::_addmm_activation"}


def events(path):
    with open(path) as f:
        d = json.load(f)
    ev = d["traceEvents"] if isinstance(d, dict) else d
    return [e for e in ev if e.get("ph") == "X" and "dur" in e]


def self_times(ev):
    """(event, self microseconds, depth) for every event: its duration less its direct children's."""
    by_tid = collections.defaultdict(list)
    for e in ev:
        by_tid[e.get("tid")].append(e)
    out = []
    for tid_events in by_tid.values():
        tid_events.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [event, children's total]
        def pop():
            e, child = stack.pop()
            out.append((e, max(0.0, e["dur"] - child), len(stack)))
            if stack:
                stack[-1][1] += e["dur"]
        for e in tid_events:
            while stack and e["ts"] >= stack[-1][0]["ts"] + stack[-1][0]["dur"] - 1e-3:
                pop()
            stack.append([e, 0.0])
        while stack:
            pop()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--steps", type=int, default=1, help="steps (or batches) the profile holds: figures are per step")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--by-shape", action="store_true", help="rank (op, input shapes) instead of ops")
    ap.add_argument("--gaps", type=int, default=0, help="also list the N longest gaps between top-level ops")
    a = ap.parse_args()

    ev = events(a.trace)
    st = self_times(ev)
    t0 = min(e["ts"] for e in ev)
    t1 = max(e["ts"] + e["dur"] for e in ev)
    wall = (t1 - t0) / a.steps
    top_level = sum(e["dur"] for e, _, depth in st if depth == 0) / a.steps
    agg = collections.defaultdict(lambda: [0, 0.0])
    gemm = 0.0
    for e, s, _ in st:
        key = e["name"] + ((" " + json.dumps(e.get("shape", []), separators=(",", ":"))) if a.by_shape else "")
        agg[key][0] += 1
        agg[key][1] += s
        if e["name"] in GEMM:
            gemm += s
    gemm /= a.steps
    total_self = sum(v[1] for v in agg.values()) / a.steps
    rows = sorted(agg.items(), key=lambda kv: -kv[1][1])
    print("| op | calls / step | self ms / step | share of wall |")
    print("|---|---|---|---|")
    for name, (n, s) in rows[: a.top]:
        print(f"| `{name}` | {n / a.steps:.0f} | {s / a.steps / 1e3:.1f} | {s / a.steps / wall:.1%} |")
    calls = sum(v[0] for v in agg.values()) / a.steps
    print()
    print(f"wall {wall / 1e3:.1f} ms / step, {calls:.0f} ops / step: GEMM {gemm / 1e3:.1f} ms ({gemm / wall:.1%}), "
          f"other ops {(total_self - gemm) / 1e3:.1f} ms ({(total_self - gemm) / wall:.1%}), "
          f"outside ops {(wall - top_level) / 1e3:.1f} ms ({(wall - top_level) / wall:.1%})")
    if a.gaps:
        top = sorted((e for e, _, depth in st if depth == 0), key=lambda e: e["ts"])
        gaps = sorted(((b["ts"] - a_["ts"] - a_["dur"], a_["name"], b["name"]) for a_, b in zip(top, top[1:])), reverse=True)
        print()
        for g, before, after in gaps[: a.gaps]:
            print(f"gap {g / 1e3:.1f} ms between {before} and {after}")


if __name__ == "__main__":
    main()
