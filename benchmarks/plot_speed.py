#!/usr/bin/env python3
"""Throughput of log_iv and log_kv per region, one thread, against SciPy in the same run,
as a bar chart (docs/speed_by_region.png) and a table on stdout.

Inputs: the distribution of bench_cpu.py (v log-uniform in [0.1, 1000], x log-uniform in
[0.01, 1000], seed 0), drawn until each region has --n elements, and that distribution
itself ("all"). The regions are those of the headers (docs/design.md), found here from
their conditions, r = sqrt(v^2 + x^2):

    uniform   r >= 24, outside the band                       (log_iv and log_kv)
    band      r >= 24, 0.2577 v <= x <= 1.1756 v: the band of F (log_iv and log_kv)
    series    r < 24: the power series of I                    (log_iv)
    Temme     r < 24, x <= 0.5: Temme's series of K            (log_kv)
    CF        r < 24, x > 0.5: the continued fraction of K     (log_kv)

Baselines: log(scipy.special.ive(v, x)) + x and log(kve(v, x)) - x on the same arrays.
Each timing is the best of --repeat rounds, every round timing all of them in turn, on
the thread's CPU clock by default; the share of SciPy's results that are not finite is
printed too.

    python benchmarks/plot_speed.py [--n 250000] [--repeat 9] [--clock thread|wall]
                                    [--out docs/speed_by_region.png] [--no-plot]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ["LOGBESSEL_NUM_THREADS"] = "1"  # read at each call: one thread for the whole run

import logbessel as lb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
R_MIN = 24.0                                        # DEBYE_R_MIN (uniform.h)
BAND = (0.2576924660828759, 1.1756265894793469)     # F_BAND_Z_MIN, F_BAND_Z_MAX (uniform.h)
TEMME_X_MAX = 0.5                                   # log_kv.h

REGIONS = {
    "log_iv": ["all", "uniform", "band", "series"],
    "log_kv": ["all", "uniform", "band", "Temme", "CF"],
}


def region_of(v, x):
    """The region name of each (v, x), v >= 0, x > 0 (as the headers classify)."""
    r2 = v * v + x * x
    uniform = r2 >= R_MIN * R_MIN
    band = uniform & (x >= BAND[0] * v) & (x <= BAND[1] * v)
    out = np.where(band, "band", np.where(uniform, "uniform",
                                          np.where(x <= TEMME_X_MAX, "Temme", "CF")))
    return out


def draw(n, seed=0, chunk=1_000_000):
    """{region: (v, x)} with n elements each, from the benchmark distribution: "uniform",
    "band", "Temme", "CF", "series" (r < 24: Temme's and the CF's inputs, in their
    proportion) and "all" (the first n draws)."""
    rng = np.random.default_rng(seed)
    got = {k: ([], []) for k in ("uniform", "band", "Temme", "CF", "series")}
    first = None
    while any(sum(a.size for a in vs) < n for vs, _ in got.values()):
        v = np.exp(rng.uniform(np.log(0.1), np.log(1000.0), chunk))
        x = np.exp(rng.uniform(np.log(0.01), np.log(1000.0), chunk))
        if first is None:
            first = (v[:n], x[:n])
        reg = region_of(v, x)
        for name, (vs, xs) in got.items():
            sel = (reg == "Temme") | (reg == "CF") if name == "series" else reg == name
            need = n - sum(a.size for a in vs)
            if need > 0:
                vs.append(v[sel][:need])
                xs.append(x[sel][:need])
    out = {k: (np.concatenate(a), np.concatenate(b)) for k, (a, b) in got.items()}
    out["all"] = first
    return out


def measure(n, repeat, clock=time.thread_time):
    """{(function, region): Melem/s of logbessel and SciPy, SciPy's non-finite share}. Every
    (function, region, implementation) is timed once per round, in turn, for --repeat
    rounds, and the best time kept: a slow spell of this shared machine then hits all of
    them alike rather than one region. The clock is the calling thread's CPU time by
    default (both run on this one thread), so that time spent by other processes on a
    shared machine is not counted; --clock wall takes time.perf_counter."""
    import scipy.special as sc
    inputs = draw(n)
    jobs = {}
    res = {}
    for fn, regions in REGIONS.items():
        ours = getattr(lb, fn)
        base = (lambda v, x: np.log(sc.ive(v, x)) + x) if fn == "log_iv" else \
            (lambda v, x: np.log(sc.kve(v, x)) - x)
        for reg in regions:
            v, x = inputs[reg]
            out = np.empty_like(v)
            jobs[fn, reg, "ours"] = (lambda f=ours, v=v, x=x, o=out: f(v, x, out=o))
            jobs[fn, reg, "scipy"] = (lambda f=base, v=v, x=x: f(v, x))
            with np.errstate(all="ignore"):
                bad = float(np.mean(~np.isfinite(base(v, x))))
            res[fn, reg] = {"n": v.size, "scipy_nonfinite": bad}
    best = dict.fromkeys(jobs, float("inf"))
    with np.errstate(all="ignore"):
        for _ in range(repeat):
            for key, job in jobs.items():
                t0 = clock()
                job()
                best[key] = min(best[key], clock() - t0)
    for (fn, reg, who), t in best.items():
        res[fn, reg][who] = res[fn, reg]["n"] / t / 1e6
    return res


def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), layout="constrained",
                             width_ratios=[4, 5])
    for ax, (fn, regions) in zip(axes, REGIONS.items()):
        pos = np.arange(len(regions))
        ours = [res[fn, r]["ours"] for r in regions]
        theirs = [res[fn, r]["scipy"] for r in regions]
        ax.bar(pos - 0.2, ours, 0.4, label="logbessel (1 thread)", color="#1f77b4")
        ax.bar(pos + 0.2, theirs, 0.4, label="SciPy log(ive)+x" if fn == "log_iv" else
               "SciPy log(kve)-x", color="#ff7f0e")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            ax.text(pos[i] - 0.2, a, f"{a / b:.1f}x", ha="center", va="bottom", fontsize=8)
        names = {"all": "all", "CF": "contd. fr."}
        ticks = []
        for r in regions:
            bad = res[fn, r]["scipy_nonfinite"]
            ticks.append(names.get(r, r) + (f"\nSciPy {100 * bad:.0f}%\ninf/nan" if bad else ""))
        ax.set_xticks(pos, ticks, fontsize=8)
        ax.set_ylabel("Melem/s")
        ax.set_title(fn, fontsize=10)
        ax.set_ylim(0, max(ours) * 1.3)
        ax.legend(fontsize=8, loc="upper center", ncol=2, frameon=False)
    fig.suptitle("Throughput per region, one thread, the same inputs for both (labels: "
                 "logbessel / SciPy)", fontsize=10)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=250_000, help="elements per region")
    ap.add_argument("--repeat", type=int, default=9, help="rounds (best of)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "speed_by_region.png"))
    ap.add_argument("--clock", choices=["thread", "wall"], default="thread",
                    help="thread CPU time (default) or wall time")
    ap.add_argument("--no-plot", action="store_true", help="print the table only")
    args = ap.parse_args()
    clock = time.thread_time if args.clock == "thread" else time.perf_counter
    res = measure(args.n, args.repeat, clock)
    print(f"one thread, best of {args.repeat} ({args.clock} clock); {args.n:,} elements per "
          f"region; inputs from v log-uniform [0.1, 1000], x log-uniform [0.01, 1000]")
    print(f"{'function':8s} {'region':9s} {'logbessel Melem/s':>18s} {'SciPy Melem/s':>14s} "
          f"{'x SciPy':>8s} {'SciPy not finite':>17s}")
    for (fn, reg), r in res.items():
        print(f"{fn:8s} {reg:9s} {r['ours']:18.2f} {r['scipy']:14.2f} "
              f"{r['ours'] / r['scipy']:8.2f} {100 * r['scipy_nonfinite']:16.1f}%")
    if not args.no_plot:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        plot(res, args.out)
        print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
