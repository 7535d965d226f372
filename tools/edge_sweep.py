"""Every public elementwise function on a grid of binary exponents: the results that the
documented rule does not allow, and the slowest elements.

    python tools/edge_sweep.py                 # default grid (< 2 minutes on 2 cores)
    python tools/edge_sweep.py --vstep 4 --xstep 1 --repeat 5     # denser, slower
    python tools/edge_sweep.py --corpus tools/sanitize/corpus.bin # also write a fuzz corpus

Grid. x = 2^e and 2^e (1 + u) (u uniform in (0, 1)) for e = -1074 .. 1023 in steps of
--xstep, 0.5 and 24 (region boundaries) times 1 +- 2^-k, 64 points in (0, 64), and a few
-x, 0, -0, inf, NaN; v = +-2^e, +-2^e (1 + u) for e in steps of --vstep, integers and
half-integers of every size (both signs), tiny orders, +-0, +-inf, NaN. Every v with
every x, and pairs with x = v times 2^(-3 .. 3) (the turning region x ~ v).

(a) Rule. Results are checked against tests/nan_rule.py (the one statement of where NaN
and +-inf are allowed, shared with tests/test_fuzz.py); violations are grouped by input
class (tests/fuzz_inputs.py: special, x = 0, huge, tiny x, tiny v, negative integer v,
general) and by the kind of order (sign; integer, half-integer, other), one example each.

(b) Speed. The grid, sorted by class, kind and exponents, is timed in chunks of --chunk
inputs of one class (best of --repeat; the call overhead, measured on one element, is
subtracted). The chunks slower per element than --flag times the median are then timed
element by element (each input repeated 64 times, so the lanes of a group share it), and
the slowest elements are reported with their ratio to the median element time. The target
is no input above ~20 times the median.

The summary goes to stdout (and --out FILE); it is the text of the reliability section of
the docs.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
if (ROOT / "src" / "logbessel").is_dir():
    sys.path.insert(0, str(ROOT / "src"))

import logbessel as lb  # noqa: E402
from fuzz_inputs import CLASSES, input_class, wild_pairs  # noqa: E402
from nan_rule import FUNCTIONS, VMF, inf_violations, violations  # noqa: E402

DBL_MAX = float(np.finfo(np.float64).max)
KINDS = ("v >= 0 other", "v >= 0 integer", "v >= 0 half-integer",
         "v < 0 other", "v < 0 integer", "v < 0 half-integer")


def grid(vstep, xstep, seed):
    rng = np.random.default_rng(seed)
    ex = np.arange(-1074, 1024, xstep)
    xs = np.concatenate([np.ldexp(1.0, ex), np.minimum(np.ldexp(1.0 + rng.random(ex.size), ex), DBL_MAX)])
    # the region boundaries (x = 0.5, r = 24) from both sides, and small r
    k = np.arange(1, 53, 3)
    bounds = np.concatenate([b * (1 + s * np.ldexp(1.0, -k)) for b in (0.5, 24.0) for s in (-1, 1)])
    xs = np.concatenate([xs, bounds, [0.5, 24.0], rng.uniform(0, 64, 64),
                         -xs[:: max(1, xs.size // 16)], [0.0, -0.0, np.inf, np.nan]])
    ev = np.arange(-1074, 1024, vstep)
    vp = np.concatenate([np.ldexp(1.0, ev), np.minimum(np.ldexp(1.0 + rng.random(ev.size), ev), DBL_MAX)])
    ints = np.unique(np.round(np.ldexp(1.0 + rng.random(64), np.arange(64))))
    halves = np.unique(np.floor(np.ldexp(1.0 + rng.random(52), np.arange(52)))) + 0.5
    tiny = np.exp(rng.uniform(np.log(1e-320), np.log(1e-150), 16))
    v = np.concatenate([vp, ints, halves, tiny, [0.5, 1.5, 2.5]])
    vs = np.concatenate([v, -v, [0.0, -0.0, np.inf, -np.inf, np.nan]])
    V, X = np.meshgrid(vs, xs, indexing="ij")
    V, X = V.ravel(), X.ravel()
    # the turning region: x = |v| 2^k, k = -3 .. 3
    fin = vs[np.isfinite(vs) & (vs != 0)]
    k = np.arange(-3, 4)
    with np.errstate(over="ignore"):
        TX = np.minimum(np.abs(fin)[:, None] * np.ldexp(1.0, k)[None, :], DBL_MAX)
    TV = np.repeat(fin[:, None], k.size, axis=1)
    return np.concatenate([V, TV.ravel()]), np.concatenate([X, TX.ravel()])


def kind_of(v):
    with np.errstate(invalid="ignore"):
        a = np.abs(v)
        integer = a == np.floor(a)
        half = ~integer & (a - 0.5 == np.floor(a))
        k = np.where(integer, 1, np.where(half, 2, 0))
        return np.where(v < 0, 3 + k, k)


def call(name):
    if name == VMF:
        return lb._core.vmf_log_normalizer  # the ufunc behind vmf.log_normalizer
    return getattr(lb, name).ufunc


def rule_report(name, v, x, r):
    """Lines: violations grouped by (class, kind of order)."""
    bad = violations(name, v, x, r) | inf_violations(name, v, x, r)
    if name == VMF:
        bad &= (v >= 2) & ~(x < 0)  # p < 2, kappa < 0: ValueError in vmf.log_normalizer
    if not bad.any():
        return 0, []
    cls = input_class(v, x)
    kd = kind_of(v)
    lines = []
    for c in range(len(CLASSES)):
        for k in range(len(KINDS)):
            m = bad & (cls == c) & (kd == k)
            if m.any():
                i = np.flatnonzero(m)[0]
                tot = int(((cls == c) & (kd == k)).sum())
                lines.append(f"    {CLASSES[c]}, {KINDS[k]}: {int(m.sum())} of {tot}, "
                             f"e.g. ({float(v[i])!r}, {float(x[i])!r}) -> {float(r[i])!r}")
    return int(bad.sum()), lines


def _best(f, a, b, repeat):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(a, b)
        t = min(t, time.perf_counter() - t0)
    return t


def speed_report(name, v, x, chunk, repeat, flag, top):
    """(median ns/element, [(ratio, ns, v, x)] of the slowest elements)."""
    f = call(name)
    repeat = max(repeat, 2)
    cls = input_class(v, x)
    with np.errstate(all="ignore"):
        ev = np.frexp(np.abs(v))[1] // 32
        exx = np.frexp(np.abs(x))[1] // 32
    order = np.lexsort((exx, ev, kind_of(v), cls))
    v, x = np.ascontiguousarray(v[order]), np.ascontiguousarray(x[order])
    one = _best(f, v[:1], x[:1], 20)
    n = v.size // chunk * chunk
    per = np.empty(n // chunk)
    for j in range(n // chunk):
        a, b = v[j * chunk:(j + 1) * chunk], x[j * chunk:(j + 1) * chunk]
        per[j] = max(_best(f, a, b, repeat) - one, 0.0) / chunk
    med = float(np.median(per))
    cand = np.argsort(per)[::-1][:top]
    cand = cand[per[cand] > flag * med]
    rows = []
    reps = 64
    for j in cand:
        for i in range(j * chunk, (j + 1) * chunk):
            a, b = np.full(reps, v[i]), np.full(reps, x[i])
            t = max(_best(f, a, b, repeat) - one, 0.0) / reps
            rows.append((t / med if med > 0 else np.inf, t * 1e9, v[i], x[i]))
    if not rows:  # nothing flagged: the slowest chunk, element by element
        j = int(np.argmax(per))
        for i in range(j * chunk, (j + 1) * chunk):
            a, b = np.full(reps, v[i]), np.full(reps, x[i])
            t = max(_best(f, a, b, repeat) - one, 0.0) / reps
            rows.append((t / med if med > 0 else np.inf, t * 1e9, v[i], x[i]))
    rows.sort(key=lambda r: -r[0])
    # the slowest again, with more repeats (a single timing can catch a preemption)
    for k, (_, _, vi, xi) in enumerate(rows[:10]):
        a, b = np.full(reps, vi), np.full(reps, xi)
        t = max(_best(f, a, b, max(7, repeat)) - one, 0.0) / reps
        rows[k] = (t / med if med > 0 else np.inf, t * 1e9, vi, xi)
    rows.sort(key=lambda r: -r[0])
    return med * 1e9, rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vstep", type=int, default=16, help="exponent step of the orders (default 16)")
    ap.add_argument("--xstep", type=int, default=4, help="exponent step of the arguments (default 4)")
    ap.add_argument("--chunk", type=int, default=16, help="inputs per timed chunk (default 16)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per chunk, best taken (default 3)")
    ap.add_argument("--flag", type=float, default=10.0, help="chunks slower than this times the median "
                    "are timed element by element (default 10)")
    ap.add_argument("--top", type=int, default=12, help="at most this many chunks refined (default 12)")
    ap.add_argument("--no-speed", action="store_true", help="rule check only")
    ap.add_argument("--functions", default=",".join(FUNCTIONS + (VMF,)))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", help="write the grid's pairs (and 2e5 random ones) here, as float64 "
                    "pairs (little-endian binary), for tools/sanitize")
    ap.add_argument("--out", help="also write the summary to this file")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    v, x = grid(args.vstep, args.xstep, args.seed)
    lines = [f"edge sweep: {v.size} (v, x) pairs per function (exponent steps: v {args.vstep}, "
             f"x {args.xstep}), logbessel {lb.__version__}, threads {lb._core.num_threads()}"]
    if args.corpus:
        rv, rx = wild_pairs(np.random.default_rng(args.seed + 1), 200_000)
        pairs = np.stack([np.concatenate([v, rv]), np.concatenate([x, rx])], axis=1).astype("<f8")
        pairs.tofile(args.corpus)
        lines.append(f"corpus: {pairs.shape[0]} pairs written to {args.corpus}")
    total_bad = 0
    table = ["| function | pairs | results against the rule | median ns/element | slowest (x median) |",
             "|---|---|---|---|---|"]
    for name in args.functions.split(","):
        vv, xx = v, x
        if name == VMF:  # (p, kappa): p >= 2, kappa >= 0 (the Python layer raises otherwise)
            with np.errstate(invalid="ignore"):
                keep = ~(vv < 2) & ~(xx < 0)
            vv, xx = vv[keep], xx[keep]
        f = call(name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            r = f(vv, xx)
            t_all = time.perf_counter() - t0
        nbad, rl = rule_report(name, vv, xx, r)
        total_bad += nbad
        head = f"{name}: {vv.size} pairs, {t_all * 1e9 / vv.size:.0f} ns/element (one call)"
        if caught:
            head += f"; {len(caught)} warning(s): {caught[0].message}"
        lines.append(head)
        lines.append(f"  rule: {nbad} results not allowed" + (":" if rl else ""))
        lines.extend(rl)
        row = f"| {name} | {vv.size} | {nbad} |"
        if args.no_speed:
            row += " | |"
        else:
            med, rows = speed_report(name, vv, xx, args.chunk, args.repeat, args.flag, args.top)
            worst = rows[0]
            over = [r_ for r_ in rows if r_[0] > 20]
            lines.append(f"  speed: median {med:.0f} ns/element; slowest {worst[1]:.0f} ns = "
                         f"{worst[0]:.1f}x at ({float(worst[2])!r}, {float(worst[3])!r}); "
                         f"{len(over)} of the {len(rows)} elements timed one by one above 20x")
            for r_ in rows[:3]:
                lines.append(f"    {r_[0]:7.1f}x {r_[1]:9.0f} ns  ({float(r_[2])!r}, {float(r_[3])!r})")
            row += f" {med:.0f} | {worst[0]:.1f} at ({float(worst[2]):.3g}, {float(worst[3]):.6g}) |"
        table.append(row)
    lines.append(f"total: {total_bad} results against the rule; {time.perf_counter() - t_start:.0f} s")
    lines.append("")
    lines.extend(table)
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
