"""Maps of the error of log I_v(x) and log K_v(x) over (v, x): logbessel, SciPy's
log(ive(v, x)) + x and log(kve(v, x)) - x, and TensorFlow Probability's
log_bessel_ive / log_bessel_kve where it is installed.

    python tools/plot_accuracy.py                   # writes docs/accuracy_map*.png
    python tools/plot_accuracy.py --out-dir /tmp    # elsewhere
    python tools/plot_accuracy.py --regenerate      # remake the references first (~1 min)

Needs matplotlib (`pip install -e ".[plot]"`). The error is the project's metric,
err = |f - ref| / max(1, |ref|) in units of eps = 2^-52, against certified references on
two grids: the wide one (log10 v from -3 to 8, log10 x from -300 to 300) and the turning
region (v from 1 to 1e4, x/v from 1/4 to 4). The references are arb balls (python-flint)
at the exact float64 inputs, made by tests/reference/generate_accuracy_map.py (which never
imports logbessel) and kept in tests/reference/accuracy_map.npz; --regenerate remakes
that file (needs python-flint), --cache reads or writes another one. The numbers behind
the maps are printed.
"""
from __future__ import annotations

import argparse
import subprocess
import textwrap
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "tests" / "reference" / "accuracy_map.npz"
GENERATOR = ROOT / "tests" / "reference" / "generate_accuracy_map.py"
EPS = float(np.finfo(np.float64).eps)
FUNCTIONS = ("log_iv", "log_kv")
# colour scale of the finite errors (eps); below and above it the end colours
ERR_MIN, ERR_MAX = 0.1, 1e3
NONFINITE_COLOUR = "#e41a1c"   # a result that is inf, -inf or nan (the truth is finite)
NOREF_COLOUR = "#bbbbbb"       # no certified reference (none on the committed grids)
CAPTION = ("References: arb ball arithmetic (python-flint) at the exact float64 inputs, "
           "certified to 2^-70 relative; above 1e280 the uniform/Hankel expansions in arb "
           "with their truncation error in the ball (tests/reference/generate_accuracy_map.py).")


# --------------------------------------------------------------------------------------
# the numbers
# --------------------------------------------------------------------------------------

def err_eps(f, ref_hi, ref_lo=0.0):
    """The project's error metric |f - ref| / max(1, |ref|) in units of eps (2^-52), with
    ref = ref_hi + ref_lo (a double-double). inf where f is not finite (the references are
    all finite), nan where there is no reference (ref_hi nan)."""
    f = np.asarray(f, dtype=np.float64)
    hi = np.asarray(ref_hi, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.abs((f - hi) - ref_lo) / np.maximum(1.0, np.abs(hi)) / EPS
    e = np.where(np.isfinite(f), e, np.inf)
    return np.where(np.isnan(hi), np.nan, e)


def load_references(path):
    """{grid: {"v": 2-D, "x": 2-D, "log_iv": (hi, lo), "log_kv": (hi, lo), axes}} from the
    cache written by generate_accuracy_map.py."""
    data = np.load(path)
    grids = {}
    for g in ("wide", "turning"):
        v, x = data[f"{g}_v"], data[f"{g}_x"]
        if x.ndim == 1:
            V, X = np.meshgrid(v, x, indexing="ij")
            cols = np.log10(x)
            col_label = "log10 x"
        else:
            V, X = np.broadcast_to(v[:, None], x.shape), x
            cols = np.log2(x[0] / v[0])
            col_label = "x / v"
        grid = {"v": V, "x": X, "rows": np.log10(v), "cols": cols, "col_label": col_label}
        for fn in FUNCTIONS:
            hi = data[f"{g}_{fn}_hi"]
            with np.errstate(invalid="ignore"):
                lo = data[f"{g}_{fn}_lo_ulps"].astype(np.float64) * np.spacing(
                    np.where(np.isfinite(hi), hi, 1.0))
            grid[fn] = (hi, lo)
        grids[g] = grid
    grids["about"] = str(data["about"])
    return grids


def implementations(use_tfp=True):
    """{label: {"log_iv": f(v, x), "log_kv": f(v, x)}}: logbessel, SciPy, and TFP when it is
    installed (and use_tfp)."""
    if (ROOT / "src" / "logbessel").is_dir():
        sys.path.insert(0, str(ROOT / "src"))
    import logbessel as lb
    impls = {"logbessel": {"log_iv": lb.log_iv, "log_kv": lb.log_kv}}
    try:
        from scipy.special import ive, kve
        impls["SciPy log(ive)+x, log(kve)-x"] = {
            "log_iv": lambda v, x: np.log(ive(v, x)) + x,
            "log_kv": lambda v, x: np.log(kve(v, x)) - x}
    except ImportError:
        print("SciPy is not installed: no SciPy panels")
    if use_tfp:
        try:
            import tensorflow_probability.substrates.numpy as tfp
            impls["TFP log_bessel_ive+x, kve-x"] = {
                "log_iv": lambda v, x: np.asarray(tfp.math.log_bessel_ive(v, x)) + x,
                "log_kv": lambda v, x: np.asarray(tfp.math.log_bessel_kve(v, x)) - x}
        except Exception:
            print("TensorFlow Probability is not installed: no TFP panels")
    return impls


def error_maps(grid, impls):
    """{(label, fn): err in eps} over the grid."""
    out = {}
    for label, fns in impls.items():
        for fn in FUNCTIONS:
            with np.errstate(all="ignore"):
                f = fns[fn](grid["v"], grid["x"])
            out[label, fn] = err_eps(f, *grid[fn])
    return out


def summary(err):
    """Share of non-finite results and the median, 99th percentile and max error (eps) of
    the finite ones, and the share of points with err > 10 eps."""
    finite = err[np.isfinite(err)]
    n = np.count_nonzero(~np.isnan(err))
    return {"points": n,
            "nonfinite": np.count_nonzero(np.isinf(err)) / n,
            "median": float(np.median(finite)) if finite.size else np.nan,
            "p99": float(np.percentile(finite, 99)) if finite.size else np.nan,
            "max": float(finite.max()) if finite.size else np.nan,
            "over10": np.count_nonzero(np.isfinite(err) & (err > 10)) / n}


# --------------------------------------------------------------------------------------
# the pictures
# --------------------------------------------------------------------------------------

def _edges(c):
    c = np.asarray(c, dtype=np.float64)
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def plot_maps(grid, maps, path, title, caption=CAPTION):
    """One panel per (function, implementation): err (eps) on a log colour scale, results
    that are not finite in NONFINITE_COLOUR. Writes path (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap, LogNorm
    from matplotlib.patches import Patch

    labels = list(dict.fromkeys(label for label, _ in maps))
    nrow, ncol = len(FUNCTIONS), len(labels)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol + 1.2, 5.8), squeeze=False,
                             sharex=True, sharey=True, layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))   # room for the caption
    xe, ye = _edges(grid["cols"]), _edges(grid["rows"])
    cmap = plt.get_cmap("viridis").copy()
    norm = LogNorm(ERR_MIN, ERR_MAX, clip=True)
    for i, fn in enumerate(FUNCTIONS):
        for j, label in enumerate(labels):
            ax = axes[i, j]
            err = maps[label, fn]
            shown = np.ma.masked_invalid(np.clip(err, ERR_MIN, ERR_MAX))
            mesh = ax.pcolormesh(xe, ye, shown, cmap=cmap, norm=norm, rasterized=True)
            bad = np.ma.masked_where(~np.isinf(err), np.ones_like(err))
            ax.pcolormesh(xe, ye, bad, cmap=ListedColormap([NONFINITE_COLOUR]),
                          rasterized=True)
            noref = np.ma.masked_where(~np.isnan(err), np.ones_like(err))
            if noref.count():
                ax.pcolormesh(xe, ye, noref, cmap=ListedColormap([NOREF_COLOUR]),
                              rasterized=True)
            s = summary(err)
            ax.set_title(f"{fn}: {label}\nmax {s['max']:.3g} eps, "
                         f"{100 * s['nonfinite']:.1f}% not finite", fontsize=8.5)
            if i == nrow - 1:
                ax.set_xlabel(grid["col_label"])
            if j == 0:
                ax.set_ylabel("log10 v")
            ax.tick_params(labelsize=8)
    if grid["col_label"] == "x / v":
        ticks = np.arange(-2, 3)
        for ax in axes[-1]:
            ax.set_xticks(ticks, [f"{2.0 ** t:g}" for t in ticks])
        for ax in axes.flat:   # the zero of the Debye exponent: log I, log K ~ 0 nearby
            ax.axvline(np.log2(0.6627434193), color="white", lw=0.6, ls=":")
    cb = fig.colorbar(mesh, ax=axes, shrink=0.85, extend="both", pad=0.01)
    cb.set_label("|f - ref| / max(1, |ref|) in eps", fontsize=8.5)
    cb.ax.tick_params(labelsize=8)
    handles = [Patch(color=NONFINITE_COLOUR, label="result inf, -inf or nan")]
    if any(np.isnan(m).any() for m in maps.values()):
        handles.append(Patch(color=NOREF_COLOUR, label="no certified reference"))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.005, 0.0), fontsize=8,
               frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.text(0.28, 0.012, textwrap.fill(caption, 110), ha="left", va="bottom", fontsize=6.5)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------------------

TITLES = {
    "wide": "Error of log I and log K over v in [1e-3, 1e8], x in [1e-300, 1e300]",
    "turning": "The turning region: v in [1, 1e4], x/v in [1/4, 4] (dotted: x/v = 0.6627, "
               "where log I, log K ~ 0)",
}
FILES = {"wide": "accuracy_map.png", "turning": "accuracy_map_turning.png"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=str(CACHE), help="the references (.npz)")
    ap.add_argument("--regenerate", action="store_true",
                    help="make the references first (python-flint; about a minute)")
    ap.add_argument("--out-dir", default=str(ROOT / "docs"), help="where the PNGs go")
    ap.add_argument("--no-tfp", action="store_true", help="leave TFP out even if installed")
    args = ap.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_accuracy.py needs matplotlib: pip install matplotlib "
                 "(or pip install -e \".[plot]\")")
    cache = Path(args.cache)
    if args.regenerate or not cache.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(GENERATOR), "--out", str(cache)], check=True)
        print(f"references: {time.perf_counter() - t0:.1f} s")
    grids = load_references(cache)
    impls = implementations(use_tfp=not args.no_tfp)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(grids["about"])
    for g in ("wide", "turning"):
        grid = grids[g]
        t0 = time.perf_counter()
        maps = error_maps(grid, impls)
        print(f"\n{g} grid: {grid['v'].size} points per function")
        print(f"  {'function':8s} {'implementation':32s} {'not finite':>10s} {'median':>8s} "
              f"{'p99':>9s} {'max':>9s} {'> 10 eps':>9s}")
        for (label, fn), err in maps.items():
            s = summary(err)
            print(f"  {fn:8s} {label:32s} {100 * s['nonfinite']:9.1f}% {s['median']:8.2f} "
                  f"{s['p99']:9.3g} {s['max']:9.3g} {100 * s['over10']:8.1f}%")
        path = plot_maps(grid, maps, out_dir / FILES[g], TITLES[g])
        print(f"  wrote {path} ({path.stat().st_size / 1024:.0f} KiB, "
              f"{time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
