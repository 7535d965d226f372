#!/usr/bin/env python3
"""SHA-256 digests of every elementwise function's results, to show that a refactoring
changed no bit.

Every ufunc of logbessel._core (the public elementwise functions, whatever their number
of arguments) is evaluated, in float32 and float64, on

  - the inputs of every certified table in tests/reference/*.csv (the first columns, as
    many as the function takes, where they are numbers; the .skipped tables' inputs too),
    and
  - 2^20 seeded random inputs spread over the whole domain: both signs, magnitudes
    log-uniform from 1e-320 to 1e308, the ranges where the regions meet, integer and
    half-integer orders, and every combination of the special values (0, -0, subnormals,
    DBL_MAX, +-inf, NaN, negative arguments).

The digest of a function and dtype is the SHA-256 of its results' bytes (NaN payloads
and signs of zero included). The inputs are fixed by the seed, so two builds on the
same machine can be compared: take the digest before a change and check it after.

    python tools/digest.py                       # print the digests
    python tools/digest.py --save before.json    # store them
    python tools/digest.py --compare before.json # exit 1 if any differs

(libm and the compiler take part in the results: compare builds of one machine.)
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REF_DIR = ROOT / "tests" / "reference"
N_RANDOM = 1 << 20
SEED = 20261202

SPECIAL = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e-10, 0.5, 1.0,
                    1.5, 2.0, 24.0, 100.5, 1e6, 1e154, 1e300, 1.7976931348623157e308,
                    -1.0, -0.5, -2.0, -1e300, -1.7976931348623157e308,
                    np.inf, -np.inf, np.nan, -np.nan])


def functions():
    """name -> ufunc for every elementwise function of the extension."""
    from logbessel import _core
    reg = getattr(_core, "registry", None)
    if reg is not None:
        names = [e["name"] for e in reg]
    else:  # before the registry: every ufunc the module exports
        names = sorted(n for n in dir(_core) if isinstance(getattr(_core, n), np.ufunc))
    return {n: getattr(_core, n) for n in names}


def table_inputs(nin: int):
    """The first nin columns of every table in tests/reference, concatenated."""
    cols = [[] for _ in range(nin)]
    for f in sorted(REF_DIR.glob("*.csv")):
        with open(f, newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        if not rows or len(rows[0]) < nin:
            continue
        try:
            parsed = [[float.fromhex(r[k]) for r in rows] for k in range(nin)]
        except ValueError:  # a table whose first columns are not all inputs (dlog_edge.csv)
            continue
        for k in range(nin):
            cols[k].extend(parsed[k])
    return [np.array(c, dtype=np.float64) for c in cols]


def random_inputs(nin: int, rng):
    """N_RANDOM inputs per argument over the whole domain (see the module docstring)."""
    n = N_RANDOM
    cols = []
    for k in range(nin):
        kind = rng.integers(0, 6, n)
        mag_all = 10.0 ** rng.uniform(-320.0, 308.25, n)            # every magnitude
        mid = 10.0 ** rng.uniform(-3.0, 4.0, n)                       # the regions' seams
        uni = rng.uniform(0.0, 60.0, n)                               # small, linear
        ints = np.floor(rng.uniform(0.0, 200.0, n))                   # integer orders
        halves = ints + 0.5                                           # half-integer orders
        near = 10.0 ** rng.uniform(-1.0, 2.0, n) * (1 + rng.uniform(-1e-9, 1e-9, n))
        a = np.choose(kind, [mag_all, mid, uni, ints, halves, near])
        with np.errstate(over="ignore"):
            a = np.minimum(a, np.finfo(np.float64).max)
        # signs: the first argument (an order) either sign; the others mostly positive
        neg = rng.random(n) < (0.5 if k == 0 else 0.05)
        cols.append(np.where(neg, -a, a))
    grid = list(itertools.product(SPECIAL, repeat=nin))
    return [np.concatenate([c, np.array([g[k] for g in grid])]) for k, c in enumerate(cols)]


def inputs(nin: int):
    """The inputs of every function of nin arguments (the same whatever the functions'
    order or number)."""
    rng = np.random.default_rng([SEED, nin])
    return [np.concatenate([t, r]) for t, r in zip(table_inputs(nin), random_inputs(nin, rng))]


def digests():
    out = {}
    cache = {}
    for name, uf in functions().items():
        nin = uf.nin
        if nin not in cache:
            cache[nin] = inputs(nin)
        ins = cache[nin]
        for dt in (np.float64, np.float32):
            with np.errstate(all="ignore"):
                args = [a.astype(dt) for a in ins]
                res = uf(*args)
            assert res.dtype == dt, (name, res.dtype)
            out[f"{name}/{np.dtype(dt).name}"] = {
                "n": int(res.size), "sha256": hashlib.sha256(res.tobytes()).hexdigest()}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--save", help="write the digests to this JSON file")
    ap.add_argument("--compare", help="compare with the digests in this JSON file")
    args = ap.parse_args()
    t0 = time.perf_counter()
    d = digests()
    for k, e in d.items():
        print(f"{k:32s} n={e['n']:8d} {e['sha256']}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.save:
        Path(args.save).write_text(json.dumps(d, indent=1, sort_keys=True) + "\n")
    if args.compare:
        ref = json.loads(Path(args.compare).read_text())
        bad = sorted(k for k in ref if ref[k] != d.get(k))
        for k in bad:
            print(f"DIFFERS: {k}" + ("" if k in d else " (missing now)"))
        for k in sorted(set(d) - set(ref)):
            print(f"new (not compared): {k}")
        print("all identical" if not bad else f"{len(bad)} differ")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
