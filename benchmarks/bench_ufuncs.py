#!/usr/bin/env python3
"""CPU throughput of every elementwise function of logbessel, one thread, against the
usual way to get the same quantity from SciPy, measured in the same process.

Inputs as in bench_cpu.py: n elements (default 1e6), v log-uniform in [0.1, 1000], x
log-uniform in [0.01, 1000]. Baselines (SciPy's exponentially scaled functions):
    log_iv, log_kv             log(ive(v, x)) + x, log(kve(v, x)) - x
    log_ive, log_kve           log(ive(v, x)), log(kve(v, x))
    log_ive_dx, log_kve_dx     ive(v + 1, x) / ive(v, x) + v / x - 1, and K's likewise + 1
    iv_ratio                   ive(v, x) / ive(v - 1, x)
    iv_ratio_complement        1 - ive(v, x) / ive(v - 1, x)
    log_iv_dx                  ive(v + 1, x) / ive(v, x) + v / x
    log_kv_dx                  -kve(v + 1, x) / kve(v, x) + v / x
    log_iv_dv, log_kv_dv       central difference of the log(ive) / log(kve) forms in v
                               (SciPy has no derivative in the order)
The last column is the share of SciPy's results that are not finite on this set.

    python benchmarks/bench_ufuncs.py [--n 1000000] [--repeat 3]

--against OLD.so times the ufuncs of another build of the extension (e.g. the _core .so of
the commit before a change, copied aside) in the same process, interleaved with this
build's, best of --repeat each, and prints the speed ratio this / other per function.
"""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import time

import numpy as np

os.environ["LOGBESSEL_NUM_THREADS"] = "1"  # read at each call: one thread for the whole run

import logbessel as lb  # noqa: E402
from logbessel import _core, _registry  # noqa: E402
from bench_cpu import benchmark_inputs, best_time  # noqa: E402  (this script's folder is on sys.path)


def scipy_baselines(v, x):
    import scipy.special as sc

    h = 1e-6 * np.maximum(v, 1.0)
    return {
        "log_iv": lambda: np.log(sc.ive(v, x)) + x,
        "log_kv": lambda: np.log(sc.kve(v, x)) - x,
        "log_ive": lambda: np.log(sc.ive(v, x)),
        "log_kve": lambda: np.log(sc.kve(v, x)),
        "log_ive_dx": lambda: sc.ive(v + 1.0, x) / sc.ive(v, x) + v / x - 1.0,
        "log_kve_dx": lambda: -sc.kve(v + 1.0, x) / sc.kve(v, x) + v / x + 1.0,
        "iv_ratio": lambda: sc.ive(v, x) / sc.ive(v - 1.0, x),
        "iv_ratio_complement": lambda: 1.0 - sc.ive(v, x) / sc.ive(v - 1.0, x),
        "log_iv_dx": lambda: sc.ive(v + 1.0, x) / sc.ive(v, x) + v / x,
        "log_kv_dx": lambda: -sc.kve(v + 1.0, x) / sc.kve(v, x) + v / x,
        "log_iv_dv": lambda: (np.log(sc.ive(v + h, x)) - np.log(sc.ive(v - h, x))) / (2 * h),
        "log_kv_dv": lambda: (np.log(sc.kve(v + h, x)) - np.log(sc.kve(v - h, x))) / (2 * h),
    }


def load_other_build(path):
    """Another build's _core extension, loaded as the top-level module `_core` (its init
    function is PyInit__core; logbessel._core stays this build's)."""
    loader = importlib.machinery.ExtensionFileLoader("_core", str(path))
    spec = importlib.util.spec_from_file_location("_core", str(path), loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def compare(other_path, n, repeat, names=None, allow_different=False):
    other = load_other_build(other_path)
    v, x = benchmark_inputs(n)
    p = np.floor(v) + 2.0  # vmf_log_normalizer(p, kappa): dimensions p >= 2
    out_a, out_b = np.empty(n), np.empty(n)
    print(f"n = {n:,}, one thread; this build ({_core.__file__}) against {other_path}, "
          f"interleaved, best of {repeat}")
    print(f"{'function':22s} {'this Melem/s':>13s} {'other Melem/s':>14s} {'ratio':>7s}")
    for name in names or _registry.names():
        new, old = getattr(_core, name), getattr(other, name)
        a = (p, x) if name == "vmf_log_normalizer" else (v, x)
        rn, ro = new(*a), old(*a)
        same = (rn == ro) | (np.isnan(rn) & np.isnan(ro))
        if not same.all():
            if not allow_different:
                raise SystemExit(f"{name}: the builds differ on {(~same).sum()} of {n} inputs "
                                 "(--allow-different to time them anyway)")
            rel = np.abs(rn - ro)[~same] / np.maximum(1.0, np.abs(ro[~same]))
            print(f"  ({name}: {(~same).sum()} of {n} results differ, max |new - old| / max(1, |old|) "
                  f"{np.nanmax(rel):.2e})")
        best = {new: float("inf"), old: float("inf")}
        for r in range(repeat):  # (the two in turn, each first every other time)
            for uf, o in ((new, out_a), (old, out_b))[::1 if r % 2 else -1]:
                t0 = time.perf_counter()
                uf(*a, out=o)
                best[uf] = min(best[uf], time.perf_counter() - t0)
        tn, to = best[new], best[old]
        print(f"{name:22s} {n / tn / 1e6:13.2f} {n / to / 1e6:14.2f} {to / tn:7.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", metavar="OLD_SO", help="another build's _core .so to compare with")
    ap.add_argument("--only", nargs="*", help="with --against: these functions only")
    ap.add_argument("--allow-different", action="store_true",
                    help="with --against: time functions whose results differ (and count them)")
    args = ap.parse_args()
    if args.against:
        compare(args.against, args.n, args.repeat, args.only, args.allow_different)
        return
    n = args.n
    v, x = benchmark_inputs(n)
    out = np.empty(n)
    names = _registry.names("logbessel")
    try:
        base = scipy_baselines(v, x)
    except ImportError:
        base = {}
    print(f"n = {n:,} elements, v log-uniform [0.1, 1000], x log-uniform [0.01, 1000], one thread")
    print(f"{'function':22s} {'logbessel Melem/s':>18s} {'SciPy Melem/s':>14s} {'x SciPy':>8s} {'SciPy not finite':>17s}")
    for name in names:
        f = getattr(lb, name)
        t = best_time(lambda: f(v, x, out=out), args.repeat)
        if name in base:
            with np.errstate(all="ignore"):
                tb = best_time(base[name], args.repeat)
                bad = np.mean(~np.isfinite(base[name]()))
            print(f"{name:22s} {n / t / 1e6:18.2f} {n / tb / 1e6:14.2f} {tb / t:8.2f} {100 * bad:16.1f}%")
        else:
            print(f"{name:22s} {n / t / 1e6:18.2f} {'--':>14s} {'--':>8s} {'--':>17s}")


if __name__ == "__main__":
    main()
