"""Speed of logbessel.torch.VonMisesFisher.rsample against its floor, in the same run.

    rsample((n,)) at dimension p     vs  torch.randn(n, p) of the same dtype and device
                                         (every sample needs p normals: that is the floor)
    backward of rsample              vs  the forward (kappa and loc both need gradients;
                                         the loss is (x @ g).sum() with a fixed tensor g)

Targets (issue 18): rsample within 3x of the normals, its backward within 2x of its
forward, at n = 10,000, p = 32768. Times are minima over --reps repetitions (shared,
noisy machine); ratios are of those minima. The forward with gradients includes the
implicit-gradient quadrature (16 x 8 nodes per sample), the one without does not.

    python benchmarks/bench_torch_vmf.py                     # n = 10000, p = 32768, float32
    python benchmarks/bench_torch_vmf.py --n 2000 --dims 128 2048 32768 --dtype float64
    python benchmarks/bench_torch_vmf.py --device cuda
"""
from __future__ import annotations

import argparse
import gc
import time

import torch

import logbessel.torch as lbt


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _best(fn, reps, device):
    best = float("inf")
    for _ in range(reps):
        gc.collect()
        _sync(device)
        t = time.perf_counter()
        fn()
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dims", type=int, nargs="+", default=[32768])
    ap.add_argument("--kappa-over-p", type=float, default=1.0,
                    help="kappa = this * p (default 1: mean resultant length ~0.6)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads(this) (default: torch's own)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dtype, device = getattr(torch, args.dtype), torch.device(args.device)
    print(f"torch {torch.__version__}, {args.device}, {args.dtype}, {torch.get_num_threads()} "
          f"threads, n = {args.n}, kappa = {args.kappa_over_p:g} p, min of {args.reps}")
    print(f"{'p':>7} {'randn s':>9} {'rsample s':>10} {'x randn':>8} {'fwd+grad s':>11} "
          f"{'x randn':>8} {'backward s':>11} {'x fwd':>6}")
    torch.manual_seed(0)
    for p in args.dims:
        loc = torch.nn.functional.normalize(torch.randn(p, dtype=dtype, device=device), dim=0)
        kappa = torch.tensor(args.kappa_over_p * p, dtype=dtype, device=device)
        t_norm = _best(lambda: torch.randn(args.n, p, dtype=dtype, device=device), args.reps,
                       device)
        d = lbt.VonMisesFisher(loc, kappa)
        t_fwd = _best(lambda: d.sample((args.n,)), args.reps, device)

        lg = loc.clone().requires_grad_(True)
        kg = kappa.clone().requires_grad_(True)
        g = torch.randn(p, dtype=dtype, device=device)
        state = {}

        def forward():
            state.clear()
            state["loss"] = (lbt.VonMisesFisher(lg, kg).rsample((args.n,)) @ g).sum()

        def backward():
            state["loss"].backward()

        t_fwd_g = float("inf")
        t_bwd = float("inf")
        for _ in range(args.reps):
            t_fwd_g = min(t_fwd_g, _best(forward, 1, device))
            t_bwd = min(t_bwd, _best(backward, 1, device))
            lg.grad = kg.grad = None
        state.clear()
        print(f"{p:>7} {t_norm:9.3f} {t_fwd:10.3f} {t_fwd / t_norm:8.2f} {t_fwd_g:11.3f} "
              f"{t_fwd_g / t_norm:8.2f} {t_bwd:11.3f} {t_bwd / t_fwd_g:6.2f}")


if __name__ == "__main__":
    main()
