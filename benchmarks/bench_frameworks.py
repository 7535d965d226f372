#!/usr/bin/env python3
"""The cost of reaching logbessel from a framework, against the bare NumPy ufunc, on the
CPU, one thread (LOGBESSEL_NUM_THREADS=1, torch.set_num_threads(1)), in the same process.

Inputs: bench_cpu.py's distribution (v log-uniform in [0.1, 1000], x log-uniform in [0.01,
1000], seed 0), float64, --sizes elements (default 1e3 and 1e6). Each candidate is timed
per call, the minimum over --repeat rounds; the rounds visit the candidates in turn, so a
change in the machine's load reaches all of them alike. Ratios are of those minima,
against the ufunc of the same section and size.

Sections (--only NAME runs one):
  torch   log_iv as the operator torch.ops.logbessel.log_iv, as logbessel.torch.log_iv
          (argument handling, then the operator), and inside torch.compile(fullgraph=True)
          (inductor), against lb.ufuncs.log_iv(v, x); and the gradient: forward and
          backward of logbessel.torch.log_iv with both inputs requiring grad, against the
          three ufuncs log_iv, log_iv_dv, log_iv_dx (and the two products with the
          incoming gradient). The first compiled call (the compilation) is reported apart.

    python benchmarks/bench_frameworks.py [--only torch] [--sizes 1000 1000000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ["LOGBESSEL_NUM_THREADS"] = "1"  # read at each call: one thread for the whole run

import logbessel as lb  # noqa: E402
from bench_cpu import benchmark_inputs  # noqa: E402  (this script's folder is on sys.path)


def _loops(n):
    """Calls per timing: enough for ~10 ms at small sizes."""
    return max(1, 2_000_000 // max(n, 1) // 4) if n < 100_000 else 1


def compare(candidates, n, repeat):
    """{name: seconds per call}, the minimum over `repeat` rounds; each round times every
    candidate once (loops calls each), in the order given."""
    loops = _loops(n)
    best = {name: float("inf") for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            for _ in range(loops):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / loops)
    return best


def report(title, times, baseline):
    """One line per candidate: time per call, overhead over the baseline, ratio."""
    base = times[baseline]
    print(f"  {title}")
    for name, t in times.items():
        print(f"    {name:<34} {t * 1e6:12.1f} us  {(t - base) * 1e6:+10.1f} us  {t / base:6.3f}x")


# ------------------------------------------------------------------------------------------
# torch
# ------------------------------------------------------------------------------------------

def bench_torch(args):
    import numpy as np
    import torch

    import logbessel.torch as lbt

    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, CPU, {torch.get_num_threads()} thread, float64")
    op = torch.ops.logbessel.log_iv
    compiled = torch.compile(lambda v, x: lbt.log_iv(v, x), fullgraph=True)
    for n in args.sizes:
        v, x = benchmark_inputs(n)
        tv, tx = torch.from_numpy(v), torch.from_numpy(x)
        t0 = time.perf_counter()
        first = compiled(tv, tx)
        t_compile = time.perf_counter() - t0
        assert np.array_equal(first.numpy(), lb.ufuncs.log_iv(v, x), equal_nan=True)
        print(f"n = {n:.0e} (first compiled call, with the compilation: {t_compile:.2f} s)")
        times = compare({
            "ufunc lb.ufuncs.log_iv": lambda: lb.ufuncs.log_iv(v, x),
            "operator torch.ops.logbessel": lambda: op(tv, tx),
            "logbessel.torch.log_iv": lambda: lbt.log_iv(tv, tx),
            "torch.compile (inductor)": lambda: compiled(tv, tx),
        }, n, args.repeat)
        report("values", times, "ufunc lb.ufuncs.log_iv")

        gv, gx = tv.clone().requires_grad_(), tx.clone().requires_grad_()
        seed = np.ones(n)

        def ufuncs_and_products():
            lb.ufuncs.log_iv(v, x)
            return seed * lb.ufuncs.log_iv_dv(v, x), seed * lb.ufuncs.log_iv_dx(v, x)

        def torch_forward_backward():
            y = lbt.log_iv(gv, gx)
            return torch.autograd.grad(y, (gv, gx), torch.ones_like(y))

        times = compare({"three ufuncs (value, d/dv, d/dx)": ufuncs_and_products,
                         "forward + backward": torch_forward_backward}, n, args.repeat)
        report("value and gradient", times, "three ufuncs (value, d/dv, d/dx)")


# the sections, by name: each a function of the parsed arguments that prints its table
SECTIONS = {
    "torch": bench_torch,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(SECTIONS), default=None,
                    help="run this section only (default: all)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    for name, section in SECTIONS.items():
        if args.only in (None, name):
            print(f"== {name} ==")
            section(args)


if __name__ == "__main__":
    main()
