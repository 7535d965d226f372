#!/usr/bin/env python3
"""Speed of every CPU level of this build (csrc/cpu_levels.h), one thread, against SciPy and
against a -march=native build, in one process.

For each level this CPU supports (switched with _core._set_cpu_level), the throughput of
log_iv and log_kv (--functions for others) on the inputs of bench_cpu.py (n elements, v
log-uniform in [0.1, 1000], x log-uniform in [0.01, 1000]) and its ratio to SciPy's
log(ive(v, x)) + x and log(kve(v, x)) - x. Then the default build (the level chosen at
import) against a build made with LOGBESSEL_NATIVE=1 (one level, -march=native): built
from this source tree into a temporary folder (minutes), or loaded from --native-so; the
two are timed in turn, best of --repeat each, and must agree bit for bit.

    python benchmarks/bench_levels.py [--n 1000000] [--repeat 5] [--native-so PATH | --no-native]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ["LOGBESSEL_NUM_THREADS"] = "1"  # read at each call: one thread for the whole run

from logbessel import _core  # noqa: E402
from bench_cpu import benchmark_inputs, best_time  # noqa: E402  (this script's folder is on sys.path)
from bench_ufuncs import load_other_build, scipy_baselines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def build_native(tmp: Path) -> Path:
    """Build the extension with LOGBESSEL_NATIVE=1 from a copy of this tree; its .so."""
    for item in ("setup.py", "pyproject.toml", "README.md", "MANIFEST.in", "csrc", "src"):
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, tmp / item, ignore=shutil.ignore_patterns("*.so", "__pycache__", "_csrc"))
        elif src.exists():
            shutil.copy2(src, tmp / item)
    env = dict(os.environ, LOGBESSEL_NATIVE="1")
    print(f"building the -march=native variant in {tmp} (minutes) ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=tmp, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return next((tmp / "src" / "logbessel").glob("_core*.so"))


def interleaved(fa, fb, repeat):
    best = [float("inf"), float("inf")]
    for r in range(repeat):  # (each first every other time)
        for i in ((0, 1) if r % 2 else (1, 0)):
            t0 = time.perf_counter()
            (fa, fb)[i]()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--functions", nargs="*", default=["log_iv", "log_kv"])
    ap.add_argument("--native-so", metavar="PATH", help="a LOGBESSEL_NATIVE=1 build's _core .so")
    ap.add_argument("--no-native", action="store_true", help="skip the comparison with a native build")
    args = ap.parse_args()
    n = args.n
    v, x = benchmark_inputs(n)
    out = np.empty(n)
    names = args.functions
    try:
        base = scipy_baselines(v, x)
        scipy_t = {}
        with np.errstate(all="ignore"):
            for name in names:
                if name in base:
                    scipy_t[name] = best_time(base[name], args.repeat)
    except ImportError:
        scipy_t = {}

    default = _core.cpu_level()
    levels = [lv["name"] for lv in _core.cpu_levels() if lv["supported"]]
    print(f"n = {n:,}, one thread, best of {args.repeat}; CPU levels built: "
          f"{', '.join(lv['name'] for lv in _core.cpu_levels())}; chosen at import: {default}")
    print(f"{'level':10s}" + "".join(f" {name + ' Melem/s':>18s} {'x SciPy':>8s}" for name in names))
    try:
        for level in levels:
            _core._set_cpu_level(level)
            row = f"{level:10s}"
            for name in names:
                uf = getattr(_core, name)
                t = best_time(lambda: uf(v, x, out=out), args.repeat)
                ratio = f"{scipy_t[name] / t:8.2f}" if name in scipy_t else f"{'--':>8s}"
                row += f" {n / t / 1e6:18.2f} {ratio}"
            print(row, flush=True)
    finally:
        _core._set_cpu_level(default)
    if scipy_t:
        print(f"{'SciPy':10s}" + "".join(f" {n / scipy_t[nm] / 1e6:18.2f} {1.0:8.2f}" if nm in scipy_t else
                                         f" {'--':>18s} {'--':>8s}" for nm in names))
    if args.no_native:
        return
    with tempfile.TemporaryDirectory(prefix="logbessel-native-") as tmp:
        path = Path(args.native_so) if args.native_so else build_native(Path(tmp))
        native = load_other_build(path)
        print(f"\ndefault build (level {default}) against a -march=native build ({native.cpu_level()}), "
              f"interleaved, best of {args.repeat}")
        print(f"{'function':12s} {'default Melem/s':>16s} {'native Melem/s':>15s} {'default/native':>15s}")
        out_b = np.empty(n)
        for name in names:
            a, b = getattr(_core, name), getattr(native, name)
            assert np.array_equal(a(v, x), b(v, x), equal_nan=True), name
            ta, tb = interleaved(lambda: a(v, x, out=out), lambda: b(v, x, out=out_b), args.repeat)
            print(f"{name:12s} {n / ta / 1e6:16.2f} {n / tb / 1e6:15.2f} {tb / ta:15.3f}")


if __name__ == "__main__":
    main()
