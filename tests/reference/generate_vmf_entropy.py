#!/usr/bin/env python3
"""Certified reference table for the von Mises-Fisher entropy (tests/test_vmf.py).

Writes vmf_entropy.csv (same format as generate.py: p,kappa,ref_hi,ref_lo,method, float.hex
columns) with the differential entropy of vMF(p, kappa) on S^{p-1},

    H = -log C_p(kappa) - kappa A_p(kappa),
    log C_p = nu log kappa - (p/2) log(2 pi) - log I_nu(kappa),  nu = p/2 - 1,
    A_p = I_{p/2}(kappa) / I_nu(kappa),

evaluated straight from this definition in arb ball arithmetic at the exact float inputs:
the cancellation of the two kappa-sized terms (kappa up to 1e300) is absorbed by the
precision doubling of generate.certify (2048 bits at kappa = 1e300), and a row is accepted
when the ball's radius is below 2^-70 relative, as in generate.py, whose helpers are
reused.

Points: p in {2, 3, 10, 2048, 1e6}; per p, kappa at every decade from 1e-3 to 1e20, at
1e50, 1e100, 1e200, 1e300, 1e308 and DBL_MAX, 40 log-uniform points in [1e-3, 1e300], 6 around kappa = p,
2 on each side of kappa = 24 (where the implementation changes method), and for p in
{2, 3, 10} (where H(0) > 0) points around the zero of H.

This script never imports logbessel. Run from the repository root (a few seconds):
    python tests/reference/generate_vmf_entropy.py
"""
import os
import random
import sys
import time

from flint import arb, ctx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as G  # noqa: E402  (helpers only; never imports logbessel)

ENTROPY_P = [2.0, 3.0, 10.0, 2048.0, 1e6]


def _entropy_ball(p, kappa):
    P, K = arb(p), arb(kappa)
    nu = P / 2 - 1
    i_nu = K.bessel_i(nu)
    log_c = nu * K.log() - P / 2 * (2 * arb.pi()).log() - i_nu.log()
    return -log_c - K * K.bessel_i(P / 2) / i_nu


def eval_entropy(p, kappa):
    return G.certify(lambda: _entropy_ball(p, kappa), "arb")


def _entropy_zero(p):
    """kappa (a float) near the zero of H (H decreases in kappa), by bisection in log kappa
    on 256-bit midpoints; None if H has no sign change on [1e-3, 1e6]."""
    def h(k):
        ctx.prec = 256
        return float(_entropy_ball(p, k).mid())
    lo, hi = 1e-3, 1e6
    if h(lo) * h(hi) > 0:
        return None
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        if mid in (lo, hi):
            break
        if h(mid) > 0:
            lo = mid
        else:
            hi = mid
    return lo


def table_vmf_entropy():
    rng = random.Random(20261202)
    pts = []
    for p in ENTROPY_P:
        for e in range(-3, 21):
            pts.append((p, float("1e%d" % e)))
        for k in (1e50, 1e100, 1e200, 1e300, 1e308, 1.7976931348623157e308):
            pts.append((p, k))
        for _ in range(40):
            pts.append((p, G.loguniform(rng, 1e-3, 1e300)))
        for _ in range(6):
            pts.append((p, p * (1 + G.signed_loguniform(rng, 1e-6, 0.9))))
        for k in (23.0, 23.99, 24.01, 25.0):
            pts.append((p, k))
        k0 = _entropy_zero(p)
        if k0 is not None:
            pts.append((p, k0))
            for d in (1e-12, 1e-8, 1e-4, 1e-2):
                pts.append((p, k0 * (1 + d)))
                pts.append((p, k0 * (1 - d)))
    pts = G._dedup_sort(pts)
    rows, skipped = [], []
    prog = G.Progress("vmf_entropy", len(pts))
    for i, (p, k) in enumerate(pts):
        prog.step(i)
        try:
            c = eval_entropy(p, k)
        except G.Uncertified as e:
            skipped.append((p, k, str(e)))
            continue
        hi, lo = G.to_dd(c.ball)
        rows.append((G.hexf(p), G.hexf(k), G.hexf(hi), G.hexf(lo), c.method))
    prog.step(len(pts), force=True)
    return G._write("vmf_entropy", "p,kappa,ref_hi,ref_lo,method", rows, skipped)


if __name__ == "__main__":
    t0 = time.perf_counter()
    table_vmf_entropy()
    sys.stderr.write("[vmf_entropy] done in %.1f s\n" % (time.perf_counter() - t0))
