#!/usr/bin/env python3
"""Certified references on the grids of the accuracy maps (tools/plot_accuracy.py).

Writes accuracy_map.npz: log I_v(x) and log K_v(x) on two grids of exact float64 inputs,

    wide     log10 v = -3, -2.8, ..., 8 (56 orders) x log10 x = -300, -297.5, ..., 300 (241)
    turning  log10 v = 0, 1/15, ..., 4 (61 orders) x x/v = 2^(j/15), j = -30..30 (61),
             x = v * 2^(j/15) rounded once (the turning point x ~ v and the zero of the
             Debye exponent, x/v = 0.6627, where log I and log K cross 0)

each value certified as in generate.py (whose evaluators are reused): arb's bessel_i and
bessel_k at doubling precision until the ball's radius is below 2^-70 relative (or
absolute where |value| < 1), the kseries of log K for v >= 1000, x^2 <= v, and above
max(v, x) = 1e280 the uniform or Hankel expansions in arb with their truncation error in
the radius. The grid points are powers of 10 and 2 rounded from arb (no libm), so the
file is the same on every platform.

Arrays in the file (float64 unless said): for G in {wide, turning}: G_v (orders), G_x
(arguments: 1-D for wide, 2-D for turning), G_log_iv_hi, G_log_iv_lo_ulps (float32) and the
same for log_kv: the reference is hi + lo_ulps * spacing(hi), the ball's midpoint as a
double-double with its low part in units of the spacing of hi (|lo_ulps| <= 1/2; float32
keeps the reference to ~2^-77 relative, far below the maps' resolution); NaN where a point
could not be certified (none is); `about` (a string) says how the file was made.

This script never imports logbessel. From the repository root (about a minute on 2 cores):
    python tests/reference/generate_accuracy_map.py [--out PATH]
"""
import argparse
import os
import sys
import time

import numpy as np
import flint
from flint import arb, ctx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as G  # noqa: E402  (helpers only; never imports logbessel)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy_map.npz")


def _pow(base, num, den):
    """base^(num/den) rounded to the nearest float64 from a 256-bit arb midpoint."""
    ctx.prec = 256
    return G.round_double(arb(base) ** (arb(num) / den))


def wide_grid():
    v = np.array([_pow(10, k, 5) for k in range(-15, 41)])
    x = np.array([_pow(10, 5 * j, 2) for j in range(-120, 121)])
    return v, x


def turning_grid():
    v = np.array([_pow(10, k, 15) for k in range(0, 61)])
    r = np.array([_pow(2, j, 15) for j in range(-30, 31)])
    return v, v[:, None] * r[None, :]


def _certified(evaluate, v, x):
    """(hi, lo) of the certified value at (v, x), or (nan, nan)."""
    try:
        c = evaluate(float(v), float(x))
    except G.Uncertified:
        return np.nan, np.nan
    return G.to_dd(c.ball)


def tables(vs, xs, log=None):
    """{"log_iv": (hi, lo), "log_kv": (hi, lo)} on the pairs (vs[i], xs[i]) (1-D arrays)."""
    out = {}
    for name, kind in (("log_iv", "i"), ("log_kv", "k")):
        evaluate = G._edge_eval(kind)
        hi = np.empty(len(vs))
        lo = np.empty(len(vs))
        t0 = time.perf_counter()
        for i, (v, x) in enumerate(zip(vs, xs)):
            hi[i], lo[i] = _certified(evaluate, v, x)
        if log:
            log(f"{name}: {len(vs)} points in {time.perf_counter() - t0:.1f} s, "
                f"{int(np.isnan(hi).sum())} not certified")
        out[name] = (hi, lo)
    return out


def build(log=None):
    arrays = {}
    t0 = time.perf_counter()
    v, x = wide_grid()
    V, X = np.meshgrid(v, x, indexing="ij")
    grids = [("wide", v, x, V, X)]
    v2, x2 = turning_grid()
    grids.append(("turning", v2, x2, np.broadcast_to(v2[:, None], x2.shape), x2))
    for name, v_axis, x_axis, V, X in grids:
        arrays[f"{name}_v"] = v_axis
        arrays[f"{name}_x"] = x_axis
        for fn, (hi, lo) in tables(V.ravel(), X.ravel(),
                                   log and (lambda m, n=name: log(f"[{n}] {m}"))).items():
            arrays[f"{name}_{fn}_hi"] = hi.reshape(V.shape)
            # lo in units of the spacing of hi (|lo| <= 1/2 of it): float32 holds that
            # at every magnitude of hi
            ulps = np.where(np.isfinite(hi), lo / np.spacing(np.where(np.isfinite(hi), hi, 1)),
                            np.nan)
            arrays[f"{name}_{fn}_lo_ulps"] = ulps.reshape(V.shape).astype(np.float32)
    arrays["about"] = np.array(
        f"arb ball arithmetic (python-flint {flint.__version__}) at the exact float64 inputs, "
        f"radius <= 2^-{G.TOL_BITS} relative (absolute where |value| < 1); uniform/Hankel "
        f"expansions in arb above max(v, x) = 1e280; by "
        f"tests/reference/generate_accuracy_map.py")
    if log:
        log(f"total {time.perf_counter() - t0:.1f} s")
    return arrays


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT, help="output .npz (default: next to this script)")
    args = ap.parse_args(argv)
    arrays = build(log=lambda m: print(m, file=sys.stderr, flush=True))
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
