#!/usr/bin/env python3
"""CPU throughput of log_iv / log_kv against SciPy in the same process.

Inputs: n elements (default 1e6), v log-uniform in [0.1, 1000], x log-uniform in
[0.01, 1000]. Baselines: log(scipy.special.ive(v, x)) + x and log(kve(v, x)) - x (the usual
way to get these logs from SciPy; note they return -inf/nan on part of a wider domain).
Rows: logbessel single-threaded (LOGBESSEL_NUM_THREADS=1) and with all threads; TensorFlow
Probability's log_bessel_ive/kve if it is installed.

    python benchmarks/bench_cpu.py [--n 1000000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import logbessel as lb
from logbessel import _core


def best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def benchmark_inputs(n):
    """The issue's distribution: v log-uniform in [0.1, 1000], x log-uniform in [0.01, 1000]
    (seed 0; bench_ufuncs.py uses the same)."""
    rng = np.random.default_rng(0)
    v = np.exp(rng.uniform(np.log(0.1), np.log(1000.0), n))
    x = np.exp(rng.uniform(np.log(0.01), np.log(1000.0), n))
    return v, x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.n
    v, x = benchmark_inputs(n)
    out = np.empty(n)
    rows = []  # (label, function, seconds)

    try:
        import scipy.special as sc

        with np.errstate(all="ignore"):
            t_si = best_time(lambda: np.log(sc.ive(v, x)) + x, args.repeat)
            t_sk = best_time(lambda: np.log(sc.kve(v, x)) - x, args.repeat)
            bad_i = np.mean(~np.isfinite(np.log(sc.ive(v, x)) + x))
            bad_k = np.mean(~np.isfinite(np.log(sc.kve(v, x)) - x))
        rows.append(("scipy log(ive)+x / log(kve)-x", t_si, t_sk))
    except ImportError:
        t_si = t_sk = None
        bad_i = bad_k = None

    all_threads = _core.num_threads()
    saved = os.environ.get("LOGBESSEL_NUM_THREADS")
    for label, nt in [("logbessel, 1 thread", 1), (f"logbessel, {all_threads} threads", all_threads)]:
        os.environ["LOGBESSEL_NUM_THREADS"] = str(nt)
        ti = best_time(lambda: lb.log_iv(v, x, out=out), args.repeat)
        tk = best_time(lambda: lb.log_kv(v, x, out=out), args.repeat)
        rows.append((label, ti, tk))
    if saved is None:
        os.environ.pop("LOGBESSEL_NUM_THREADS", None)
    else:
        os.environ["LOGBESSEL_NUM_THREADS"] = saved

    try:
        import tensorflow_probability.substrates.numpy as tfp  # noqa: F401

        m = min(n, 100_000)
        ti = best_time(lambda: tfp.math.log_bessel_ive(v[:m], x[:m]), 1) * n / m
        tk = best_time(lambda: tfp.math.log_bessel_kve(v[:m], x[:m]), 1) * n / m
        rows.append(("TFP log_bessel_ive/kve (numpy)", ti, tk))
    except Exception:
        pass

    print(f"n = {n:,} elements, v log-uniform [0.1, 1000], x log-uniform [0.01, 1000]")
    if bad_i is not None:
        print(f"SciPy non-finite results on this set: log I {100*bad_i:.1f}%, log K {100*bad_k:.1f}%")
    print(f"{'implementation':34s} {'log_iv Melem/s':>15s} {'x SciPy':>8s} {'log_kv Melem/s':>15s} {'x SciPy':>8s}")
    for label, ti, tk in rows:
        ri = f"{t_si / ti:8.2f}" if t_si else "      --"
        rk = f"{t_sk / tk:8.2f}" if t_sk else "      --"
        print(f"{label:34s} {n / ti / 1e6:15.2f} {ri} {n / tk / 1e6:15.2f} {rk}")


if __name__ == "__main__":
    main()
