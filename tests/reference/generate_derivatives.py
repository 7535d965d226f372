#!/usr/bin/env python3
"""Certified reference tables for the derivatives of log I_v(x) and log K_v(x).

Writes (same format as generate.py: v,x,ref_hi,ref_lo,method, float.hex columns):

    dlog_iv_dx.csv   d/dx log I_v(x) = I_{v+1}/I_v + v/x                (DLMF 10.29.2)
    dlog_kv_dx.csv   d/dx log K_v(x) = v/x - K_{v+1}/K_v                (DLMF 10.29.2)
    dlog_iv_dv.csv   d/dv log I_v(x)
    dlog_kv_dv.csv   d/dv log K_v(x)

All values are arb balls at the exact float inputs, accepted when the radius is below 2^-70
relative (or 2^-70 absolute where |value| < 1, method suffix "-abs"), as in generate.py,
whose helpers are reused. The x-derivatives are exact formulas in arb Bessel functions.
The v-derivatives are central differences

    D(h) = (f(v + h) - f(v - h)) / (2h),  h = 2^-100 max(1, |v|)  (2^-700 for v < 0),

at >= 512 bits. The ball of D(h) covers the rounding of f; the truncation error is
h^2 f'''(v)/6 ~ 2^-200 max(1,|v|)^2 |f'''|, far below the 2^-70 tolerance for these smooth
functions (|f'''| < 1e5 on the sampled domain). As a check of that estimate, every 8th row
is recomputed with h 2^-12 and the two must agree to 2^-90 (else the script aborts).

log K_v(x) for v >= 1000 and x^2 <= v, where arb's bessel_k fails, comes from the rigorous
series of DLMF 10.32.10 (see generate.py, method "kseries").

This script never imports logbessel. Run from the repository root (about 1-2 minutes on
2 cores):   python tests/reference/generate_derivatives.py
"""
import os
import random
import sys
import time
from multiprocessing import Pool

from flint import arb, ctx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as G  # noqa: E402  (helpers only; never imports logbessel)

DV_PREC = 512
H_EXP = 100
CHECK_EVERY = 8
TABLES = ["dlog_iv_dx", "dlog_kv_dx", "dlog_iv_dv", "dlog_kv_dv"]


def _log_k_series(V, X):
    """log K_V(X) (arb V, X) by the series of DLMF 10.32.10 with its Lagrange remainder,
    valid for V > n + 1 (n terms used); NaN ball when it does not converge in time."""
    y = X * X / 4
    s = arb(1)
    t = arb(1)
    tol = arb(2) ** (-(ctx.prec + 10))
    for k in range(400):
        if not (V - (k + 1) > 0):
            return arb("nan")
        t = t * (-y) / ((k + 1) * (V - (k + 1)))
        if abs(t) < tol * abs(s):
            s = s + t * arb(0.5, 0.5)  # remainder theta t_{n+1}, theta in [0, 1]
            return -arb(2).log() - V * (X / 2).log() + V.lgamma() + s.log()
        s = s + t
    return arb("nan")


def _use_kseries(v, x):
    return abs(v) >= 1000 and x * x <= abs(v)


def log_i(V, x):
    return arb(x).bessel_i(V).log()


def log_k(V, x, v):
    if _use_kseries(v, x):
        return _log_k_series(V, arb(x))
    return arb(x).bessel_k(V).log()


def _dv(logf, v, hexp):
    h = arb(2) ** (-hexp) * max(1.0, abs(v))
    V = arb(v)
    return (logf(V + h) - logf(V - h)) / (2 * h)


def eval_point(args):
    kind, v, x, check = args
    if v < 0 and "_iv_" in kind:  # the expected output is NaN where I_v(x) < 0
        prec = 128
        while prec <= 4096:
            ctx.prec = prec
            iv = arb(x).bessel_i(arb(v))
            if iv < 0:
                return (v, x, (G.hexf(v), G.hexf(x), "nan", "nan", "arb-sign:%d" % prec), None)
            if iv > 0:
                break
            prec *= 2
    try:
        if kind == "dlog_iv_dx":
            c = G.certify(lambda: arb(x).bessel_i(arb(v) + 1) / arb(x).bessel_i(arb(v)) + arb(v) / arb(x))
        elif kind == "dlog_kv_dx":
            if _use_kseries(v, x):
                f = lambda: arb(v) / arb(x) - (log_k(arb(v) + 1, x, v) - log_k(arb(v), x, v)).exp()
                c = G.certify(f, "kseries")
            else:
                c = G.certify(lambda: arb(v) / arb(x) - arb(x).bessel_k(arb(v) + 1) / arb(x).bessel_k(arb(v)))
        else:
            logf = (lambda V: log_i(V, x)) if kind == "dlog_iv_dv" else (lambda V: log_k(V, x, v))
            name = "kseries-cd" if kind == "dlog_kv_dv" and _use_kseries(v, x) else "arb-cd"
            # negative orders: I_v changes sign within ~x^(2n) of a negative integer -n, so
            # the step must be far smaller there
            hexp = H_EXP if v >= 0 else 700
            c = G.certify(lambda: _dv(logf, v, hexp), name, start=DV_PREC)
            if check:
                prec = int(c.method.split(":")[1])
                ctx.prec = prec
                d2 = _dv(logf, v, hexp + 12)
                diff = abs(c.ball.mid() - d2.mid())
                scale = max(arb(1), abs(c.ball.mid()))
                if not (diff < scale * arb(2) ** -90):
                    raise RuntimeError("central differences disagree at %s v=%r x=%r: %s vs %s"
                                       % (kind, v, x, c.ball, d2))
    except G.Uncertified as e:
        return (v, x, None, str(e))
    hi, lo = G.to_dd(c.ball)
    return (v, x, (G.hexf(v), G.hexf(x), G.hexf(hi), G.hexf(lo), c.method), None)


def points(rng):
    lu, un = G.loguniform, G.uniform
    pts = []
    for _ in range(450):  # wide random
        pts.append((lu(rng, 1e-3, 1e6), lu(rng, 1e-10, 1e6)))
    for _ in range(150):  # turning region x ~ v
        v = lu(rng, 1.0, 1e6)
        d = G.signed_loguniform(rng, 1e-8, 0.9)
        pts.append((v, v * (1 + d)))
    for _ in range(80):  # eta ~ 0 band of the uniform expansion
        v = lu(rng, 10.0, 1e6)
        pts.append((v, v * un(rng, 0.6, 0.72)))
    for _ in range(300):  # dense small grid around the r = 24 boundary
        pts.append((un(rng, 0.0, 30.0), un(rng, 1e-3, 30.0)))
    for _ in range(150):  # annulus r in [18, 30] (region boundary r = 24)
        r, c = un(rng, 18.0, 30.0), un(rng, 0.0, 1.0)
        v = r * c
        x = (r * r - v * v) ** 0.5
        if x > 0:
            pts.append((v, x))
    for _ in range(120):  # Temme region: small x
        pts.append((un(rng, 0.0, 25.0), lu(rng, 1e-10, 0.5)))
    for _ in range(60):  # orders near integers, small x and moderate x
        n = float(rng.randrange(0, 6))
        v = n + G.signed_loguniform(rng, 1e-12, 1e-2)
        pts.append((abs(v), lu(rng, 1e-6, 5.0)))
    for _ in range(60):  # tiny orders
        pts.append((lu(rng, 1e-10, 1e-2), lu(rng, 1e-10, 30.0)))
    for _ in range(60):  # very large orders
        pts.append((lu(rng, 1e6, 1e8), lu(rng, 1e-5, 1e9)))
    for v in (0.0, 0.5, 1.0, 2.5, 10.0, 100.0, 1e4):
        for _ in range(6):
            pts.append((v, lu(rng, 1e-10, 1e6)))
    # Half-integer orders with x > 0.5 (the continued-fraction region of K): there the
    # coefficient v^2 - (k - 1/2)^2 of CF2 vanishes, the fraction for K_{v+1}/K_v terminates
    # but its order derivative does not. A fixed grid, so the random rows above are unchanged.
    for n in range(0, 22, 3):
        for x in (0.6, 1.0, 3.0, 10.0, 20.0):
            pts.append((n + 0.5, x))
    return pts


def neg_points(rng):
    """Negative orders for the I tables: integers and non-integers in (-20, 0)."""
    pts = []
    for _ in range(40):
        pts.append((-G.uniform(rng, 0.0, 20.0), G.loguniform(rng, 1e-3, 50.0)))
    for _ in range(20):
        pts.append((-float(rng.randrange(1, 20)), G.loguniform(rng, 1e-3, 50.0)))
    return pts


def main(argv):
    names = argv[1:] or TABLES
    t0 = time.perf_counter()
    rng = random.Random(20260601)
    base = points(rng)
    neg = neg_points(rng)
    with Pool(max(1, min(4, os.cpu_count() or 1))) as pool:
        for name in names:
            t1 = time.perf_counter()
            pts = G._dedup_sort(base + (neg if "_iv_" in name else []))
            jobs = [(name, v, x, i % CHECK_EVERY == 0 and name.endswith("dv"))
                    for i, (v, x) in enumerate(pts)]
            rows, skipped = [], []
            for v, x, row, why in pool.imap(eval_point, jobs, chunksize=8):
                if row is None:
                    skipped.append((v, x, why))
                else:
                    rows.append(row)
            G._write(name, "v,x,ref_hi,ref_lo,method", rows, skipped)
            sys.stderr.write("[%s] %.1f s\n" % (name, time.perf_counter() - t1))
    sys.stderr.write("total %.1f s\n" % (time.perf_counter() - t0))


if __name__ == "__main__":
    main(sys.argv)
