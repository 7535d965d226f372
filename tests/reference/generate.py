#!/usr/bin/env python3
"""Generate certified reference tables for logbessel's tests.

Every value is computed with arb ball arithmetic (python-flint) at the *exact*
floating-point inputs and is accepted only when the enclosing ball is tight:

    radius <= 2^-70 * |midpoint|                      (method "<name>:<prec>")

or, when that cannot be reached by the precision cap and the value has |value| < 1,

    radius <= 2^-70  (absolute)                       (method "<name>-abs:<prec>")

which matches the project's error metric  |f - ref| / max(1, |ref|).
The midpoint is then rounded to a double-double (ref_hi, ref_lo) with exact
rational arithmetic.  Points that cannot be certified are skipped and listed in
<table>.skipped.csv (that file is only written when something was skipped).

This script must never import the package under test, nor use SciPy/mpmath values.

Usage:
    python tests/reference/generate.py               # all tables
    python tests/reference/generate.py log_kv vmf_kappa   # only some tables

See tests/reference/README.md for the file format and the methods.
"""

import os
import random
import struct
import sys
import time
from fractions import Fraction

import flint
from flint import arb, ctx

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

TOL_BITS = 70          # required accuracy: radius <= 2^-70 (relative, or absolute if |v|<1)
START_PREC = 128       # first working precision (bits)
MAX_PREC = 4096        # precision cap for the doubling loop ...
HARD_MAX_PREC = 16384  # ... which may be exceeded while evaluations stay cheap
CHEAP_SECONDS = 0.25   # "cheap" = one evaluation took less than this

_TWO_TOL = 2 ** TOL_BITS


# ---------------------------------------------------------------------------
# Certification helpers
# ---------------------------------------------------------------------------

class Uncertified(Exception):
    """Raised when a point cannot be certified to the required accuracy."""


class Certified:
    """A certified ball together with a description of how it was obtained."""

    def __init__(self, ball, method):
        self.ball = ball
        self.method = method


def _rel_ok(r):
    return (r.is_finite() and not r.mid().is_zero()
            and r.rad() * _TWO_TOL <= abs(r.mid()))


def _abs_ok(r):
    return (r.is_finite() and r.rad() * _TWO_TOL <= 1
            and abs(r.mid()) + r.rad() <= 1)


def certify(fn, name="arb", start=START_PREC, max_prec=MAX_PREC):
    """Evaluate fn() (which reads the working precision from flint.ctx.prec),
    doubling the precision from `start` until the ball is tight enough.

    Returns Certified(ball, "name:prec") (relative 2^-70) or
    Certified(ball, "name-abs:prec") (absolute 2^-70, |value| < 1), else raises
    Uncertified.  Non-finite balls (arb gives nan e.g. when the precision is too
    low to reduce exp(1e300)) just trigger more precision."""
    prec = start
    best_abs = None
    last = None
    while True:
        ctx.prec = prec
        t0 = time.perf_counter()
        try:
            r = fn()
        except (ValueError, ZeroDivisionError, ArithmeticError):
            r = arb("nan")
        dt = time.perf_counter() - t0
        last = r
        if _rel_ok(r):
            return Certified(r, "%s:%d" % (name, prec))
        if _abs_ok(r):
            best_abs = (r, prec)
        nxt = prec * 2
        if nxt > HARD_MAX_PREC or (nxt > max_prec and dt > CHEAP_SECONDS):
            break
        prec = nxt
    if best_abs is not None:
        r, p = best_abs
        return Certified(r, "%s-abs:%d" % (name, p))
    raise Uncertified("%s: no tight ball up to %d bits (last: %s)"
                      % (name, prec, last.str(5, radius=True)))


def certify_first(*candidates):
    """Try certify(fn, name) for each (fn, name) in turn; the first success wins."""
    reasons = []
    for fn, name in candidates:
        try:
            return certify(fn, name)
        except Uncertified as e:
            reasons.append(str(e))
    raise Uncertified("; ".join(reasons))


def to_fraction(a):
    """Exact value of an exact arb (e.g. a midpoint) as a Fraction."""
    if a.is_zero():
        return Fraction(0)
    man, exp = a.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def to_dd(ball):
    """Round the ball's midpoint to a double-double (hi, lo), exactly."""
    m = to_fraction(ball.mid())
    hi = float(m)                    # Fraction -> float is correctly rounded
    lo = float(m - Fraction(hi))
    return hi, lo


def round_double(a):
    """Nearest float64 to the midpoint of an arb."""
    return float(to_fraction(a.mid()))


def hexf(x):
    return float.hex(float(x))


def f32(x):
    """Round a float64 to the nearest float32 (returned as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Progress:
    def __init__(self, table, total):
        self.table, self.total = table, total
        self.t0 = self.last = time.perf_counter()

    def step(self, i, force=False):
        now = time.perf_counter()
        if force or now - self.last > 5.0:
            self.last = now
            sys.stderr.write("[%s] %d/%d points, %.1f s\n"
                             % (self.table, i, self.total, now - self.t0))
            sys.stderr.flush()


# ---------------------------------------------------------------------------
# Deterministic sampling (platform independent: only IEEE +,-,*,/ on Python
# floats and arb arithmetic are used, never libm's pow/exp).
# ---------------------------------------------------------------------------

def loguniform(rng, a, b):
    """Float approx. log-uniform in [a, b] (a > 0)."""
    t = rng.random()
    ctx.prec = 128
    la, lb = arb(a).log(), arb(b).log()
    x = round_double((la + (lb - la) * arb(t)).exp())
    return min(max(x, a), b)


def uniform(rng, a, b):
    return a + (b - a) * rng.random()


def signed_loguniform(rng, a, b):
    d = loguniform(rng, a, b)
    return d if rng.random() < 0.5 else -d


def logit_uniform(rng, a, b):
    """rbar in (0,1) with logit(rbar) uniform between logit(a) and logit(b)."""
    t = rng.random()
    ctx.prec = 192
    la = (arb(a) / (1 - arb(a))).log()
    lb = (arb(b) / (1 - arb(b))).log()
    e = (la + (lb - la) * arb(t)).exp()
    r = round_double(e / (1 + e))
    return min(max(r, a), b)


# ---------------------------------------------------------------------------
# Function evaluations (each returns a Certified or raises Uncertified)
# ---------------------------------------------------------------------------

def _log_k_small_x_series(v, x, max_terms=400):
    """log K_v(x) for x^2/4 << v from DLMF 10.32.10 with a rigorous remainder.

    Substituting t = x^2/(4u) in DLMF 10.32.10 gives
        K_v(x) = 1/2 (x/2)^-v  int_0^inf u^(v-1) e^-u exp(-y/u) du,  y = x^2/4.
    Taylor's theorem with Lagrange remainder for exp(-s), s >= 0, gives
        exp(-s) = sum_{k<=n} (-s)^k/k! + theta (-s)^(n+1)/(n+1)!,  theta in [0,1],
    and integrating term by term (valid while v > n+1):
        K_v(x) = 1/2 (x/2)^-v Gamma(v) [ sum_{k<=n} t_k + theta t_{n+1} ],
        t_k = (-y)^k / (k! (v-1)(v-2)...(v-k)).
    The remainder is included exactly as the ball theta*t_{n+1}, theta in [0,1].
    Used where arb's bessel_k returns nan (large v, tiny x)."""
    V, X = arb(v), arb(x)
    y = X * X / 4
    s = arb(1)
    t = arb(1)
    eps = arb(2) ** (-(ctx.prec + 10))
    for k in range(max_terms):
        if not (V - (k + 1) > 0):
            return arb("nan")
        t = t * (-y) / ((k + 1) * (V - (k + 1)))
        if abs(t) < eps * abs(s):
            s = s + t * arb(0.5, 0.5)      # theta * t_{n+1}, theta in [0, 1]
            return -arb(2).log() - V * (X / 2).log() + V.lgamma() + s.log()
        s = s + t
    return arb("nan")


def eval_log_i(v, x):
    return certify(lambda: arb(x).bessel_i(arb(v)).log(), "arb")


def eval_log_k(v, x):
    arb_k = (lambda: arb(x).bessel_k(arb(v)).log(), "arb")
    series = (lambda: _log_k_small_x_series(v, x), "kseries")
    if v >= 1000 and x * x <= v:
        # arb's bessel_k returns nan here for v >~ 3e4 (even at 16384 bits) and
        # needs up to 16384 bits for v in [5e3, 3e4]; the series is exact to
        # 2^-128 after a few terms.  selftest() checks both agree.
        return certify_first(series, arb_k)
    return certify_first(arb_k, series)


DEBYE_V_MIN = 1e20  # the uniform expansion's fallback (_debye_log_bessel) from this order on


def eval_log_ie(v, x):
    """log(I_v(x) e^{-x}): arb's exponentially scaled bessel_i, or log I - x (exact in arb);
    for |v| >= DEBYE_V_MIN where arb gives no ball (v^2 ~ x at large x), the uniform
    expansion with its remainder bound."""
    cands = [(lambda: arb(x).bessel_i(arb(v), scaled=True).log(), "arb-scaled"),
             (lambda: arb(x).bessel_i(arb(v)).log() - arb(x), "arb")]
    if abs(v) >= DEBYE_V_MIN:
        cands.append((lambda: _debye_log_bessel(arb(abs(v)), arb(x), 1) - arb(x), "debye2"))
    return certify_first(*cands)


def eval_log_ke(v, x):
    """log(K_v(x) e^{x}): arb's exponentially scaled bessel_k, or the kseries where arb's
    bessel_k fails (large v, tiny x; see eval_log_k) plus x."""
    arb_k = (lambda: arb(x).bessel_k(arb(v), scaled=True).log(), "arb-scaled")
    series = (lambda: _log_k_small_x_series(v, x) + arb(x), "kseries")
    debye = [(lambda: _debye_log_bessel(arb(abs(v)), arb(x), -1) + arb(x), "debye2")] if abs(v) >= DEBYE_V_MIN else []
    if v >= 1000 and x * x <= v:
        return certify_first(series, arb_k, *debye)
    return certify_first(arb_k, series, *debye)


def eval_ratio(v, x):
    def f():
        X = arb(x)
        return X.bessel_i(arb(v)) / X.bessel_i(arb(v) - 1)
    return certify(f, "arb")


def eval_ratio_complement(v, x):
    """1 - I_v(x)/I_{v-1}(x), certified relative to itself (never only absolutely: the
    complement is the small number its function exists for)."""
    def f():
        X, V = arb(x), arb(v)
        return 1 - X.bessel_i(V) / X.bessel_i(V - 1)
    c = certify(f, "arb")
    if "-abs" in c.method:
        raise Uncertified("complement certified only absolutely")
    return c


def _condition_number(f, v, x):
    """|d log f / d log v| + |d log f / d log x| of f(V, X) (arb balls in, ball out), by a
    relative step h = 2^-100 at 256 bits (a guide for skipping points, not a certificate).
    At an integer v <= 0 only x counts: the order is exact there, and the function of a
    real order is far more sensitive (sin(pi v) K_{-v} enters) than its integer values."""
    ctx.prec = 256
    h = arb(2) ** -100
    V, X = arb(v), arb(x)
    f0 = f(V, X)
    cx = abs(((f(V, X * (1 + h)) - f0) / (f0 * h)).mid())
    if v <= 0 and v == int(v):
        return float(cx)
    return float(abs(((f(V * (1 + h), X) - f0) / (f0 * h)).mid()) + cx)


def _ratio_ball(V, X):
    return X.bessel_i(V) / X.bessel_i(V - 1)


def eval_ratio_well_conditioned(v, x, max_cond=100.0):
    """I_v/I_{v-1} as eval_ratio, skipped (Uncertified) where a relative change h of v or
    of x moves it by more than max_cond * h (near a zero of I_v or I_{v-1}, which negative
    non-integer orders have): there no double implementation can be held to a few eps."""
    c = eval_ratio(v, x)
    cond = _condition_number(_ratio_ball, v, x)
    if not cond < max_cond:
        raise Uncertified("condition number %.3g > %g" % (cond, max_cond))
    return c


def eval_ratio_complement_well_conditioned(v, x, max_cond=100.0):
    """eval_ratio_complement, skipped where the complement is ill-conditioned (as above)."""
    c = eval_ratio_complement(v, x)
    cond = _condition_number(lambda V, X: 1 - _ratio_ball(V, X), v, x)
    if not cond < max_cond:
        raise Uncertified("condition number %.3g > %g" % (cond, max_cond))
    return c


def eval_log_i_neg(v, x):
    """log I_v(x) for v < 0; returns (Certified or None, method).  None means
    I_v(x) < 0 was certified (expected output: NaN).  For non-integer v the
    result is cross-checked against DLMF 10.27.2."""
    prec = START_PREC
    while prec <= MAX_PREC:
        ctx.prec = prec
        val = arb(x).bessel_i(arb(v))
        if val.is_finite() and (val > 0 or val < 0):
            if v != int(v):
                mu = arb(-v)
                alt = (arb(x).bessel_i(mu)
                       + 2 / arb.pi() * (mu * arb.pi()).sin() * arb(x).bessel_k(mu))
                if not alt.overlaps(val):
                    raise RuntimeError("DLMF 10.27.2 cross-check failed at v=%r x=%r" % (v, x))
            if val < 0:
                return None, "arb-sign:%d" % prec
            c = certify(lambda: arb(x).bessel_i(arb(v)).log(), "arb", start=prec)
            return c, c.method
        prec *= 2
    raise Uncertified("sign of I_v(x) not determined up to %d bits (ball contains 0)" % MAX_PREC)


def eval_vmf_lognorm(p, kappa):
    def f():
        P, K = arb(p), arb(kappa)
        nu = P / 2 - 1
        return nu * K.log() - P / 2 * (2 * arb.pi()).log() - K.bessel_i(nu).log()
    return certify(f, "arb")


def _vmf_lognorm_zero(p):
    """kappa (a float) with log C_p(kappa) ~ 0, by bisection in log kappa on arb midpoints;
    None if log C_p has no sign change on [1e-3, 1e12]."""
    def g(k):
        ctx.prec = 256
        P, K = arb(p), arb(k)
        nu = P / 2 - 1
        return float((nu * K.log() - P / 2 * (2 * arb.pi()).log() - K.bessel_i(nu).log()).mid())
    lo, hi = 1e-3, 1e12
    glo, ghi = g(lo), g(hi)
    if glo * ghi > 0:
        return None
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        if mid in (lo, hi):
            break
        gm = g(mid)
        if (gm > 0) == (glo > 0):
            lo, glo = mid, gm
        else:
            hi = mid
    return lo


def _vmf_A(p, kappa_arb):
    v = arb(p) / 2
    return kappa_arb.bessel_i(v) / kappa_arb.bessel_i(v - 1)


def _vmf_A_mid(p, kappa, prec):
    """Midpoint (as a Fraction) of A_p(kappa) at a given precision, kappa a Fraction."""
    ctx.prec = prec
    k = arb(kappa.numerator) / arb(kappa.denominator)
    a = _vmf_A(p, k)
    if not a.is_finite():
        raise Uncertified("A_p(kappa) not finite at %d bits" % prec)
    return to_fraction(a.mid())


def eval_vmf_kappa(p, rbar):
    """Root kappa of A_p(kappa) = rbar, A_p = I_{p/2}/I_{p/2-1} (increasing in kappa).
    Safeguarded Newton in log(kappa) on midpoints at 256 bits, then certified by
    a sign change of A_p(kappa) - rbar at kappa*(1 -+ 2^-70) (balls not containing 0)."""
    W = 256
    r = Fraction(rbar)
    P = Fraction(p)

    def g(k):
        return _vmf_A_mid(p, k, W) - r

    # Banerjee et al. approximation as a starting point, then bracket.
    k = r * (P - r * r) / (1 - r * r)
    lo = hi = k
    while g(lo) > 0:
        lo /= 2
    while g(hi) < 0:
        hi *= 2
    for _ in range(200):
        a = _vmf_A_mid(p, k, W)
        f = a - r
        if f == 0:
            break
        if f < 0:
            lo = max(lo, k)
        else:
            hi = min(hi, k)
        deriv = 1 - a * a - (P - 1) / k * a          # dA/dkappa
        knew = k - f / deriv if deriv > 0 else None
        if knew is None or not (lo < knew < hi):
            # geometric bisection of the bracket
            ctx.prec = W
            knew = to_fraction((arb(lo.numerator) / lo.denominator
                                * arb(hi.numerator) / hi.denominator).sqrt().mid())
        # keep the iterate's denominator small: round to W bits
        ctx.prec = W
        knew = to_fraction((arb(knew.numerator) / arb(knew.denominator)).mid())
        if abs(knew - k) <= k * Fraction(1, 2 ** 110):
            k = knew
            break
        k = knew
    hi_d = float(k)
    lo_d = float(k - Fraction(hi_d))
    kdd = Fraction(hi_d) + Fraction(lo_d)

    prec = START_PREC
    while prec <= MAX_PREC:
        ctx.prec = prec
        K = arb(kdd.numerator) / arb(kdd.denominator)
        delta = arb(2) ** -TOL_BITS
        glo = _vmf_A(p, K * (1 - delta)) - arb(rbar)
        ghi = _vmf_A(p, K * (1 + delta)) - arb(rbar)
        if glo < 0 and ghi > 0:
            return hi_d, lo_d, "newton+signcheck:%d" % prec
        prec *= 2
    raise Uncertified("sign change of A_p - rbar not certified up to %d bits" % MAX_PREC)


# ---------------------------------------------------------------------------
# Point sets
# ---------------------------------------------------------------------------

def _find_unit_crossing(logf, v, lo, hi):
    """x with logf(v, x) ~ 0 (Illinois regula falsi on u = log x, 96-bit arb
    midpoints); bracket [lo, hi] must contain the sign change."""
    ctx.prec = 96

    def F(u):
        ctx.prec = 96
        xx = round_double(arb(u).exp())
        r = logf(v, xx)
        if not r.is_finite():
            return None, xx
        return float(to_fraction(r.mid())), xx

    ua, ub = float(to_fraction(arb(lo).log().mid())), float(to_fraction(arb(hi).log().mid()))
    fa, _ = F(ua)
    fb, _ = F(ub)
    if fa is None or fb is None or (fa > 0) == (fb > 0):
        return None
    side = 0
    xx = None
    for _ in range(200):
        um = (ua * fb - ub * fa) / (fb - fa)
        if not (min(ua, ub) < um < max(ua, ub)):
            um = 0.5 * (ua + ub)
        fm, xx = F(um)
        if fm is None:
            return None
        if fm == 0 or abs(ub - ua) <= 1e-15 * max(1.0, abs(um)):
            break
        if (fm > 0) == (fb > 0):
            ub, fb = um, fm
            if side == 1:
                fa *= 0.5
            side = 1
        else:
            ua, fa = um, fm
            if side == -1:
                fb *= 0.5
            side = -1
    return xx


def _logi_mid(v, x):
    return arb(x).bessel_i(arb(v)).log()


def _logk_mid(v, x):
    r = arb(x).bessel_k(arb(v)).log()
    if not r.is_finite():
        r = _log_k_small_x_series(v, x)
    return r


def _unit_band(rng, kind, n_v, vmin, vmax, conv=float):
    """Points where log I (kind='i') or log K (kind='k') is close to 0."""
    pts = []
    for _ in range(n_v):
        v = conv(loguniform(rng, vmin, vmax))
        if kind == "i":
            x0 = _find_unit_crossing(_logi_mid, v, 1e-300 if conv is float else 1e-38,
                                     v + 2)
        else:
            lo = 1e-10 if v < 20 else 0.2 * v
            x0 = _find_unit_crossing(_logk_mid, v, lo, v + 2)
        if x0 is None:
            continue
        pts.append((v, conv(x0)))
        for _ in range(2):
            d = signed_loguniform(rng, 1e-13, 1e-2)
            pts.append((v, conv(x0 * (1 + d))))
    return pts


def _common_points(rng):
    """Coverage shared by the log I and log K tables (float64 inputs)."""
    xmin, xmax = 1e-300, 1e300
    pts = []
    # A. log-uniform v and x over the full range
    for _ in range(1200):
        pts.append((loguniform(rng, 1e-3, 1e8), loguniform(rng, xmin, xmax)))
    # B. special orders with log-uniform x (full range and moderate range)
    special_v = ([0.0] + [float(n) for n in range(1, 21)] + [n + 0.5 for n in range(0, 21)]
                 + [50.0, 100.0, 500.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8])
    for v in special_v:
        for _ in range(5):
            pts.append((v, loguniform(rng, xmin, xmax)))
        for _ in range(5):
            pts.append((v, loguniform(rng, 1e-3, 1e3)))
    # C. turning region x = v (1 + d), |d| in [1e-8, 1]
    for _ in range(500):
        v = loguniform(rng, 1.0, 1e8)
        d = loguniform(rng, 1e-8, 1.0)
        if rng.random() < 0.5:
            d = -min(d, 0.999)
        pts.append((v, v * (1 + d)))
    # D. eta(x/v) ~ 0: x/v in [0.6, 0.72] and x/v = 0.6627434193
    for _ in range(400):
        v = loguniform(rng, 10.0, 1e8)
        pts.append((v, v * uniform(rng, 0.6, 0.72)))
    for _ in range(100):
        v = loguniform(rng, 10.0, 1e8)
        pts.append((v, v * 0.6627434193))
    # E. extremes
    for _ in range(60):
        v = loguniform(rng, 1e-3, 1e8)
        pts.append((v, xmin))
        pts.append((v, xmax))
    pts += [(0.0, xmin), (0.0, xmax), (1e8, xmin), (1e8, xmax)]
    for _ in range(80):
        pts.append((1e8, loguniform(rng, 1e-5, xmax)))
    # F. dense 2-D grid, v in [0, 60], x in (0, 80]
    pts += _dense_grid(rng, 0.0, 60.0, 80.0, n_uniform=900, n_annulus=500, n_box=400)
    return pts


def _dense_grid(rng, vmin, vmax, xmax, n_uniform, n_annulus, n_box):
    pts = []
    for _ in range(n_uniform):
        pts.append((uniform(rng, vmin, vmax), uniform(rng, 0.0, xmax) or xmax))
    k = 0
    while k < n_annulus:          # sqrt(v^2 + x^2) in [10, 40]
        v, x = uniform(rng, vmin, 40.0), uniform(rng, 0.0, 40.0)
        if x > 0 and 100.0 <= v * v + x * x <= 1600.0:
            pts.append((v, x))
            k += 1
    for _ in range(n_box):        # x in [20, 60], v in [5, 30]
        pts.append((uniform(rng, max(vmin, 5.0), 30.0), uniform(rng, 20.0, 60.0)))
    # a regular lattice of integer / half-integer orders
    vs = [float(n) for n in range(int(vmin), int(vmax) + 1, 2)] + \
         [n + 0.5 for n in range(int(vmin), int(vmax), 4)]
    for v in vs:
        if v < vmin:
            continue
        for x in (0.1, 1.0, 4.9, 10.3, 20.7, 33.3, 47.0, 79.9):
            pts.append((v, x))
    return pts


def _f32_points(rng, kind):
    """~800 points with float32-representable v and x, x in [1e-38, 3e38]."""
    xmin, xmax = 1e-38, 3e38
    pts = []
    for _ in range(250):
        pts.append((f32(loguniform(rng, 1e-3, 1e8)), f32(loguniform(rng, xmin, xmax))))
    for v in [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.5, 10.0, 20.5, 100.0, 1e4, 1e6, 1e8]:
        for _ in range(4):
            pts.append((f32(v), f32(loguniform(rng, xmin, xmax))))
        pts.append((f32(v), f32(xmin)))
        pts.append((f32(v), f32(xmax)))
    for _ in range(100):
        v = f32(loguniform(rng, 1.0, 1e8))
        pts.append((v, f32(v * (1 + signed_loguniform(rng, 1e-7, 0.999)))))
    for _ in range(100):
        v = f32(loguniform(rng, 10.0, 1e8))
        pts.append((v, f32(v * uniform(rng, 0.6, 0.72))))
    for _ in range(40):
        pts.append((f32(1e8), f32(loguniform(rng, 1e-5, xmax))))
    for _ in range(150):
        pts.append((f32(uniform(rng, 0.0, 60.0)), f32(uniform(rng, 0.0, 80.0)) or 80.0))
    for _ in range(50):
        pts.append((f32(uniform(rng, 5.0, 30.0)), f32(uniform(rng, 20.0, 60.0))))
    pts += _unit_band(rng, kind, 12, 1e-3, 1e8, conv=f32)
    if kind == "k":
        for _ in range(40):
            pts.append((f32(uniform(rng, 0.0, 2.0)), f32(loguniform(rng, xmin, 5.0))))
    return pts


def _k_corner_points(rng):
    """log K: small x, small v corner, incl. v very close to 0, 1/2, 1, 3/2, 2."""
    pts = []
    for _ in range(400):
        pts.append((uniform(rng, 0.0, 2.0), loguniform(rng, 1e-300, 5.0)))
    for _ in range(250):
        pts.append((uniform(rng, 0.0, 2.0), uniform(rng, 0.0, 5.0) or 5.0))
    centers = [0.0, 0.5, 1.0, 1.5, 2.0]
    offsets = [1e-300, 1e-100, 1e-20, 1e-16, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3]
    for c in centers:
        for off in offsets:
            for s in (1.0, -1.0):
                v = c + s * off
                if v <= 0 or (c > 0 and off < 1e-16):
                    continue          # v must be > 0 and differ from c in float64
                for _ in range(3):
                    pts.append((v, loguniform(rng, 1e-300, 5.0)))
        for _ in range(6):
            pts.append((c, loguniform(rng, 1e-300, 5.0)))
    return pts


# ---------------------------------------------------------------------------
# Table writers
# ---------------------------------------------------------------------------

def _dedup_sort(pts, key=lambda p: p):
    seen = set()
    out = []
    for p in pts:
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
    out.sort(key=key)
    return out


def _write(table, header, rows, skipped):
    path = os.path.join(OUT_DIR, table + ".csv")
    with open(path, "w", newline="\n") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    spath = os.path.join(OUT_DIR, table + ".skipped.csv")
    if skipped:
        with open(spath, "w", newline="\n") as f:
            f.write(",".join(header.split(",")[:2]) + ",reason\n")
            for a, b, why in skipped:
                f.write("%s,%s,%s\n" % (hexf(a), hexf(b), why.replace(",", ";")))
    elif os.path.exists(spath):
        os.remove(spath)
    sys.stderr.write("[%s] wrote %d rows (%d skipped) -> %s\n"
                     % (table, len(rows), len(skipped), os.path.relpath(path)))
    return len(rows), len(skipped)


def _run_vx_table(table, pts, evaluator, value_filter=None):
    pts = _dedup_sort(pts)
    rows, skipped = [], []
    prog = Progress(table, len(pts))
    for i, (v, x) in enumerate(pts):
        prog.step(i)
        try:
            c = evaluator(v, x)
        except Uncertified as e:
            skipped.append((v, x, str(e)))
            continue
        hi, lo = to_dd(c.ball)
        if value_filter is not None:
            why = value_filter(hi)
            if why:
                skipped.append((v, x, why))
                continue
        rows.append((hexf(v), hexf(x), hexf(hi), hexf(lo), c.method))
    prog.step(len(pts), force=True)
    return _write(table, "v,x,ref_hi,ref_lo,method", rows, skipped)


def table_log_iv():
    rng = random.Random(20240101)
    pts = _common_points(rng)
    pts += _unit_band(rng, "i", 100, 1e-3, 1e8)
    return _run_vx_table("log_iv", pts, eval_log_i)


def table_log_iv_f32():
    rng = random.Random(20240102)
    return _run_vx_table("log_iv_f32", _f32_points(rng, "i"), eval_log_i)


def table_log_kv():
    rng = random.Random(20240201)
    pts = _common_points(rng)
    pts += _unit_band(rng, "k", 100, 1e-3, 1e8)
    pts += _k_corner_points(rng)
    return _run_vx_table("log_kv", pts, eval_log_k)


def table_log_kv_f32():
    rng = random.Random(20240202)
    return _run_vx_table("log_kv_f32", _f32_points(rng, "k"), eval_log_k)


def _logke_mid(v, x):
    r = arb(x).bessel_k(arb(v), scaled=True).log()
    if not r.is_finite():
        r = _log_k_small_x_series(v, x) + arb(x)
    return r


def _kve_unit_band(rng, n_v, vmin, vmax, conv=float):
    """Points where log(K_v(x) e^x) is close to 0 (it decreases in x from +inf to -inf;
    for large x the zero is near v^2 = x log(2x/pi)), where the scaled exponent and
    log(r)/2 cancel in the uniform expansion."""
    pts = []
    for _ in range(n_v):
        v = conv(loguniform(rng, vmin, vmax))
        x0 = _find_unit_crossing(_logke_mid, v, 1e-10, max(10.0, 10.0 * v * v))
        if x0 is None:
            continue
        pts.append((v, conv(x0)))
        for _ in range(3):
            d = signed_loguniform(rng, 1e-13, 0.5)
            pts.append((v, conv(x0 * (1 + d))))
    return pts


def _scaled_points(rng):
    """Coverage particular to the scaled functions: x large against v (where log I - x
    or log K + x would lose digits), the band where K e^x ~ 1, and x just above 24."""
    pts = []
    for _ in range(300):
        pts.append((loguniform(rng, 1e-3, 1e4), loguniform(rng, 1e4, 1e300)))
    for _ in range(150):                       # v^2 ~ x: the exponent's terms are similar
        x = loguniform(rng, 30.0, 1e280)
        pts.append((round_double(arb(x).sqrt() * arb(uniform(rng, 0.1, 10.0))), x))
    for _ in range(150):                       # r < 24 with x up to 24: log I ~ x
        pts.append((uniform(rng, 0.0, 6.0), uniform(rng, 5.0, 24.0)))
    return pts


def table_log_ive():
    rng = random.Random(20261210)
    pts = _common_points(rng) + _scaled_points(rng)
    pts += _kve_unit_band(rng, 60, 1e-3, 1e8)
    return _run_vx_table("log_ive", pts, eval_log_ie)


def table_log_kve():
    rng = random.Random(20261211)
    pts = _common_points(rng) + _scaled_points(rng) + _k_corner_points(rng)
    pts += _kve_unit_band(rng, 150, 1e-3, 1e8)
    return _run_vx_table("log_kve", pts, eval_log_ke)


def table_log_ive_f32():
    rng = random.Random(20261212)
    return _run_vx_table("log_ive_f32", _f32_points(rng, "i"), eval_log_ie)


def table_log_kve_f32():
    rng = random.Random(20261213)
    pts = _f32_points(rng, "k") + _kve_unit_band(rng, 20, 1e-3, 1e8, conv=f32)
    return _run_vx_table("log_kve_f32", pts, eval_log_ke)


def table_log_ive_neg():
    """log(I_v(x) e^{-x}) for v < 0 (as log_iv_neg, x up to 1e6): NaN rows where I_v(x) < 0
    is certified."""
    rng = random.Random(20261214)
    pts = []
    for _ in range(100):
        pts.append((-float(rng.randint(1, 50)), loguniform(rng, 1e-10, 1e6)))
    for _ in range(300):
        v = -uniform(rng, 0.0, 50.0)
        if v != int(v):
            pts.append((v, loguniform(rng, 1e-10, 1e6)))
    for _ in range(100):
        v = -rng.randint(0, 50) + signed_loguniform(rng, 1e-12, 1e-2)
        if v < 0 and v != int(v):
            pts.append((v, loguniform(rng, 1e-10, 1e6)))
    pts = _dedup_sort(pts)
    rows, skipped = [], []
    prog = Progress("log_ive_neg", len(pts))
    for i, (v, x) in enumerate(pts):
        prog.step(i)
        try:
            c, method = eval_log_i_neg(v, x)     # the sign of I_v(x) (and log I, unused)
            if c is not None:
                c = certify(lambda: arb(x).bessel_i(arb(v), scaled=True).log(), "arb-scaled")
                method = c.method
        except Uncertified as e:
            skipped.append((v, x, str(e)))
            continue
        if c is None:
            rows.append((hexf(v), hexf(x), "nan", "nan", method))
        else:
            hi, lo = to_dd(c.ball)
            rows.append((hexf(v), hexf(x), hexf(hi), hexf(lo), method))
    prog.step(len(pts), force=True)
    return _write("log_ive_neg", "v,x,ref_hi,ref_lo,method", rows, skipped)


def table_iv_ratio():
    rng = random.Random(20240301)
    xmin, xmax = 1e-300, 1e300
    pts = []
    for _ in range(1300):
        pts.append((loguniform(rng, 0.5, 1e8), loguniform(rng, xmin, xmax)))
    special_v = ([n * 0.5 for n in range(1, 42)] + [50.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8])
    for v in special_v:
        for _ in range(4):
            pts.append((v, loguniform(rng, xmin, xmax)))
        for _ in range(4):
            pts.append((v, loguniform(rng, 1e-3, 1e3)))
    pts += [(1e6, 1e-5), (1e6, 1e8)]
    for _ in range(500):                      # x ~ v
        v = loguniform(rng, 0.5, 1e8)
        d = loguniform(rng, 1e-8, 1.0)
        if rng.random() < 0.5:
            d = -min(d, 0.999)
        pts.append((v, v * (1 + d)))
    for _ in range(200):
        v = loguniform(rng, 10.0, 1e8)
        pts.append((v, v * uniform(rng, 0.6, 0.72)))
    for _ in range(60):
        v = loguniform(rng, 0.5, 1e8)
        pts.append((v, xmin))
        pts.append((v, xmax))
    for _ in range(60):
        pts.append((1e8, loguniform(rng, 1e-5, xmax)))
    pts += _dense_grid(rng, 0.5, 60.0, 80.0, n_uniform=800, n_annulus=400, n_box=300)

    def not_subnormal(hi):
        if hi != 0.0 and abs(hi) < 2.0 ** -1022:
            return "ratio is subnormal in float64 (< 2^-1022)"
        return None
    return _run_vx_table("iv_ratio", pts, eval_ratio, value_filter=not_subnormal)


def table_iv_ratio_low_v():
    """I_v/I_{v-1} for 0 < v < 1/2, where I_{v-1} has negative order (I_{v-1} > 0 there):
    tiny v (sin(pi (v - 1)) ~ -pi v), both sides of x = v/4 and of x = 24, x up to 1e300;
    and integer v in [-50, 0]."""
    rng = random.Random(20240311)
    pts = []
    for _ in range(300):
        pts.append((loguniform(rng, 1e-12, 0.5), loguniform(rng, 1e-300, 1e300)))
    for _ in range(200):
        pts.append((loguniform(rng, 1e-12, 0.5), loguniform(rng, 1e-6, 100.0)))
    for _ in range(100):                      # around x = v/4 and x = 24
        v = loguniform(rng, 1e-12, 0.5)
        pts.append((v, v * 0.25 * (1 + uniform(rng, -0.05, 0.05))))
        pts.append((v, uniform(rng, 22.0, 26.0)))
    pts += [(1e-6, 1e-6), (1e-3, 1e-3), (0.25, 1e-300), (0.25, 1e300), (0.49, 0.12)]
    for _ in range(150):                      # integer orders <= 0
        pts.append((-float(rng.randint(0, 50)), loguniform(rng, 1e-20, 1e5)))

    def not_subnormal(hi):
        if hi != 0.0 and abs(hi) < 2.0 ** -1022:
            return "ratio is subnormal in float64 (< 2^-1022)"
        return None
    return _run_vx_table("iv_ratio_low_v", pts, eval_ratio, value_filter=not_subnormal)


def table_iv_ratio_complement():
    """1 - I_v/I_{v-1} where it is small or where the ratio's own digits would not give it:
    0 < v < 1 (near v = 1/2 the complement is (2v - 1)/(2x) + 2 e^{-2x} + ...), v = 1/2
    exactly (1 - tanh x), both sides of x = 24, and v >= 1 with x up to 1e8."""
    rng = random.Random(20261128)
    pts = []
    for _ in range(200):                      # 0 < v < 1
        pts.append((uniform(rng, 0.0, 1.0), loguniform(rng, 1e-3, 1e6)))
    for _ in range(200):                      # v = 1/2 +- d
        pts.append((0.5 + signed_loguniform(rng, 1e-16, 0.4), loguniform(rng, 1e-2, 1e6)))
    for _ in range(100):                      # around x = 24, near v = 1/2
        pts.append((0.5 + signed_loguniform(rng, 1e-16, 0.1), uniform(rng, 18.0, 30.0)))
    for _ in range(30):                       # v = 1/2
        pts.append((0.5, loguniform(rng, 1e-3, 300.0)))
    for _ in range(100):                      # tiny v
        pts.append((loguniform(rng, 1e-12, 1e-2), loguniform(rng, 1e-3, 1e6)))
    for _ in range(200):                      # v >= 1
        pts.append((loguniform(rng, 1.0, 1e4), loguniform(rng, 1e-3, 1e8)))
    for d in (0.0, 2.0 ** -53, 2.0 ** -52, -2.0 ** -54, -2.0 ** -53):
        for x in (5.0, 15.0, 20.0, 23.0, 23.99, 24.0, 30.0, 100.0):
            pts.append((0.5 + d, x))
    # v <= 0 (integers and not), where 1 - ratio loses the complement at large x; the
    # points where it is ill-conditioned (condition number > 100) are skipped
    rng2 = random.Random(20261130)
    neg = []
    for _ in range(150):
        neg.append((-uniform(rng2, 0.0, 50.0), loguniform(rng2, 1e-3, 1e6)))
    for _ in range(100):
        neg.append((-float(rng2.randint(0, 50)), loguniform(rng2, 1e-3, 1e6)))
    neg = set(neg)

    def evaluate(v, x):
        if (v, x) in neg:
            return eval_ratio_complement_well_conditioned(v, x)
        return eval_ratio_complement(v, x)

    def normal(hi):
        if abs(hi) < 2.0 ** -1022:
            return "complement is subnormal in float64 (< 2^-1022)"
        return None
    return _run_vx_table("iv_ratio_complement", pts + sorted(neg), evaluate, value_filter=normal)


def table_iv_ratio_neg():
    """I_v/I_{v-1} for negative non-integer v, where I_v = I_a + (2/pi) sin(pi a) K_a
    (a = -v) can be negative, and so can the ratio; points near a zero of I_v or I_{v-1}
    (condition number > 100) are skipped (eval_ratio_well_conditioned)."""
    rng = random.Random(20261129)
    pts = []
    for _ in range(400):
        v = -uniform(rng, 0.0, 50.0)
        pts.append((v, loguniform(rng, 1e-3, 1e5)))
    for _ in range(150):                      # x from 1e-300 to 1e-3
        pts.append((-uniform(rng, 0.0, 50.0), loguniform(rng, 1e-300, 1e-3)))
    for _ in range(150):                      # close to negative integers (tiny sin(pi a))
        n = rng.randint(0, 50)
        v = -n + signed_loguniform(rng, 1e-12, 1e-2)
        if v < 0:
            pts.append((v, loguniform(rng, 1e-3, 1e4)))
    pts = [(v, x) for v, x in pts if v != int(v)]
    return _run_vx_table("iv_ratio_neg", pts, eval_ratio_well_conditioned)


def table_log_iv_neg():
    rng = random.Random(20240401)
    pts = []
    for _ in range(150):                       # negative integers
        pts.append((-float(rng.randint(1, 50)), loguniform(rng, 1e-10, 1e3)))
    for _ in range(350):                       # negative non-integers
        v = -uniform(rng, 0.0, 50.0)
        if v == int(v):
            continue
        pts.append((v, loguniform(rng, 1e-10, 1e3)))
    for _ in range(100):                       # close to negative integers
        n = rng.randint(0, 50)
        d = signed_loguniform(rng, 1e-12, 1e-2)
        v = -n + d
        if v >= 0 or v == int(v):
            continue
        pts.append((v, loguniform(rng, 1e-10, 1e3)))
    for _ in range(40):                        # half-integers
        pts.append((-(rng.randint(0, 49) + 0.5), loguniform(rng, 1e-10, 1e3)))
    pts = _dedup_sort(pts)

    rows, skipped = [], []
    prog = Progress("log_iv_neg", len(pts))
    for i, (v, x) in enumerate(pts):
        prog.step(i)
        try:
            c, method = eval_log_i_neg(v, x)
        except Uncertified as e:
            skipped.append((v, x, str(e)))
            continue
        if c is None:
            rows.append((hexf(v), hexf(x), "nan", "nan", method))
        else:
            hi, lo = to_dd(c.ball)
            rows.append((hexf(v), hexf(x), hexf(hi), hexf(lo), method))
    prog.step(len(pts), force=True)
    return _write("log_iv_neg", "v,x,ref_hi,ref_lo,method", rows, skipped)


VMF_P = [2.0, 3.0, 5.0, 10.0, 64.0, 128.0, 1000.0, 2048.0, 8192.0, 32768.0, 1e5, 1e6, 1e7]


def table_vmf_kappa():
    rng = random.Random(20240501)
    fixed = [1e-8, 1e-6, 1e-3, 0.1, 0.5, 0.9, 0.99, 0.999, 1 - 1e-6, 1 - 1e-10]
    pts = []
    for p in VMF_P:
        for r in fixed:
            pts.append((p, r))
        for _ in range(21):
            pts.append((p, logit_uniform(rng, 1e-8, 1 - 1e-10)))
    pts = _dedup_sort(pts)
    rows, skipped = [], []
    prog = Progress("vmf_kappa", len(pts))
    for i, (p, r) in enumerate(pts):
        prog.step(i)
        try:
            hi, lo, method = eval_vmf_kappa(p, r)
        except Uncertified as e:
            skipped.append((p, r, str(e)))
            continue
        rows.append((hexf(p), hexf(r), hexf(hi), hexf(lo), method))
    prog.step(len(pts), force=True)
    return _write("vmf_kappa", "p,rbar,kappa_hi,kappa_lo,method", rows, skipped)


def table_vmf_lognorm():
    rng = random.Random(20240601)
    pts = []
    for p in VMF_P:
        for _ in range(12):
            pts.append((p, loguniform(rng, 1e-10, 1e10)))
        for _ in range(6):                      # kappa ~ p
            pts.append((p, p * (1 + signed_loguniform(rng, 1e-6, 0.9))))
        pts.append((p, p))
        pts.append((p, 1e-10))
        pts.append((p, 1e10))
    for _ in range(120):                        # random integer dimensions
        p = float(round(loguniform(rng, 2.0, 1e7)))
        if rng.random() < 0.5:
            pts.append((p, loguniform(rng, 1e-10, 1e10)))
        else:
            pts.append((p, p * uniform(rng, 0.1, 3.0)))
    # Around the zero of log C_p (it exists for p >~ 20, at kappa ~ 17 (p/2) for large p):
    # there log C_p is a small difference of terms ~ (p/2) log kappa, so an implementation
    # that rounds those terms shows up here. The zero is located by bisection on arb
    # midpoints (to place the points only; each value is certified as usual).
    for p in (20.0, 21.0, 50.0, 128.0, 1000.0, 2048.0, 1e4, 32768.0, 1e5, 1e6, 1e7):
        k0 = _vmf_lognorm_zero(p)
        if k0 is None:
            continue
        pts.append((p, k0))
        for d in (1e-13, 1e-10, 1e-7, 1e-5, 1e-3, 1e-2):
            pts.append((p, k0 * (1 + d)))
            pts.append((p, k0 * (1 - d)))
    # Non-integer dimensions (the function takes any real p >= 2): log C_p(0) = log
    # Gamma(p/2) - log 2 - (p/2) log pi crosses zero near p = 17, where its terms are ~10,
    # so log Gamma must be good to far better than a libm lgamma's few ulp there.
    rng2 = random.Random(20261127)
    for _ in range(40):
        pts.append((uniform(rng2, 2.0, 60.0), loguniform(rng2, 1e-10, 30.0)))
    for _ in range(10):
        pts.append((loguniform(rng2, 60.0, 1e7), loguniform(rng2, 1e-10, 1e3)))
    pts = _dedup_sort(pts)
    rows, skipped = [], []
    prog = Progress("vmf_lognorm", len(pts))
    for i, (p, k) in enumerate(pts):
        prog.step(i)
        try:
            c = eval_vmf_lognorm(p, k)
        except Uncertified as e:
            skipped.append((p, k, str(e)))
            continue
        hi, lo = to_dd(c.ball)
        rows.append((hexf(p), hexf(k), hexf(hi), hexf(lo), c.method))
    prog.step(len(pts), force=True)
    return _write("vmf_lognorm", "p,kappa,ref_hi,ref_lo,method", rows, skipped)


# ---------------------------------------------------------------------------
# Edges of the double range: subnormal and tiny x, and max(|v|, x) up to DBL_MAX
# ---------------------------------------------------------------------------

DBL_MAX = float.fromhex("0x1.fffffffffffffp+1023")
TOP = 1e280        # from here on, the asymptotic forms below (arb's bessel_i/k give no finite ball)
TOP_PREC = 2400    # V - 1 is exact in arb for V < 2^1024


def _debye_log_bessel(V, X, sign):
    """log I_V(X) (sign +1) or log K_V(X) (sign -1) by the uniform expansion with u_1, u_2
    and the remainder bound of _top_log_bessel in the radius (valid for every V > 0; the
    radius 100/V^3 is below 2^-190 for V >= 1e20, where it is used)."""
    pi = arb.pi()
    z = X / V
    s = (1 + z * z).sqrt()
    eta = s + (z / (1 + s)).log()
    p = 1 / s
    u1 = (3 * p - 5 * p ** 3) / 24
    u2 = (81 * p ** 2 - 462 * p ** 4 + 385 * p ** 6) / 1152
    rad = arb(0, 100) / V ** 3
    if sign > 0:
        return (-(2 * pi * V).log() / 2 + V * eta - (1 + z * z).log() / 4
                + (1 + u1 / V + u2 / V ** 2 + rad).log())
    return ((pi / (2 * V)).log() / 2 - V * eta - (1 + z * z).log() / 4
            + (1 - u1 / V + u2 / V ** 2 + rad).log())


def _top_log_bessel(V, X, sign):
    """log I_V(X) (sign +1) or log K_V(X) (sign -1) for max(V, X) >= TOP as an arb ball
    whose radius includes the truncation error.

    V >= 1e100: the uniform expansion (DLMF 10.41.3, 10.41.4) with u_1, u_2; by the error
    bounds of DLMF 10.41(iv) the remainder of 1 + u_1/V + u_2/V^2 is below
    2 exp(2 V(u_1)/V) V(u_3)/V^3, V(u_k) the variation of u_k on [0, 1] (u_3's is below
    30), so the radius 100/V^3 covers it (< 1e-840 here).
    V < 1e100 (so X >= TOP and V^2/X < 1e-80): Hankel's expansions (DLMF 10.40.1, 10.40.2)
    with a_1, a_2; the remainder is of the order of the next term a_3(V)/X^3 (DLMF 10.40(ii)),
    and the radius 10 (4V^2 + 25)^3 / (3072 X^3) (ten times its size) covers it; I's
    exponentially small second part, e^{-2X} relative, is far below that."""
    if V >= arb(1e100):
        return _debye_log_bessel(V, X, sign)
    pi = arb.pi()
    mu = 4 * V * V
    a1 = (mu - 1) / (8 * X)
    a2 = (mu - 1) * (mu - 9) / (2 * (8 * X) ** 2)
    rad = arb(0, 10) * (mu + 25) ** 3 / (3072 * X ** 3)
    if sign > 0:
        return X - (2 * pi * X).log() / 2 + (1 - a1 + a2 + rad).log()
    return -X + (pi / (2 * X)).log() / 2 + (1 + a1 + a2 + rad).log()


def _top_ball(kind, v, x):
    ctx.prec = TOP_PREC
    V, X = arb(abs(v)), arb(x)
    if kind == "i":       # |v| >= TOP is an integer: I_{-n} = I_n
        return _top_log_bessel(V, X, 1)
    if kind == "k":
        return _top_log_bessel(V, X, -1)
    if kind == "ie":      # x < 2^1024 is exact at TOP_PREC bits: the subtraction is exact
        return _top_log_bessel(V, X, 1) - X
    if kind == "ke":
        return _top_log_bessel(V, X, -1) + X
    W = abs(arb(v) - 1)   # I_v/I_{v-1}, v > 0 or a (large) integer
    lr = _top_log_bessel(V, X, 1) - _top_log_bessel(W, X, 1)
    return lr.exp() if kind == "ratio" else 1 - lr.exp()


def _edge_eval(kind):
    plain = {"i": eval_log_i, "k": eval_log_k, "ratio": eval_ratio,
             "complement": eval_ratio_complement, "ie": eval_log_ie, "ke": eval_log_ke}[kind]

    def evaluate(v, x):
        if kind in ("i", "ie") and v < 0 and v != int(v) and max(abs(v), x) < TOP:
            c, _ = eval_log_i_neg(v, x)
            if c is None:
                raise Uncertified("I_v(x) < 0 certified: log_iv is NaN there (log_iv_neg table)")
            if kind == "ie":
                c = plain(v, x)
        elif max(abs(v), x) < TOP:
            c = plain(v, x)
        else:
            ball = _top_ball(kind, v, x)
            if not (ball.is_finite() and _rel_ok(ball)):
                raise Uncertified("asymptotic form not tight")
            c = Certified(ball, "asymptotic:%d" % TOP_PREC)
        if abs(c.ball.mid()) > arb(DBL_MAX):
            raise Uncertified("value beyond the float64 range")
        return c
    return evaluate


def _edge_points(rng, kind):
    """Subnormal and tiny x with orders of every kind (half-integers of both signs, where
    Temme's series meets mu = -1/2, integers, tiny orders, random), and the top of the
    range: v or x from 1e280 to DBL_MAX, DBL_MAX itself."""
    pts = []
    orders = []
    for k in range(31):
        orders += [k + 0.5, -(k + 0.5), float(k), -float(k)]
    for _ in range(40):
        orders.append(uniform(rng, -40.0, 40.0))
        orders.append(signed_loguniform(rng, 1e-300, 1e-3))
        k = rng.randint(0, 30) + 0.5
        orders.append((k + signed_loguniform(rng, 1e-12, 1e-3)) * (1 if rng.random() < 0.5 else -1))
    for v in orders:
        pts.append((v, loguniform(rng, 5e-324, 2.2250738585072014e-308)))
        pts.append((v, loguniform(rng, 1e-308, 1e-200)))
    pts += [(0.5, 5e-324), (-100.3, 1e-306), (-5.945189205872773e-302, 1.795177821370555e-246)]
    for _ in range(100):
        pts.append((loguniform(rng, TOP, DBL_MAX), loguniform(rng, 1e-300, DBL_MAX)))
        pts.append((loguniform(rng, 1e-3, DBL_MAX), loguniform(rng, TOP, DBL_MAX)))
    for _ in range(30):                        # both near the top, x ~ v
        v = loguniform(rng, 1e300, DBL_MAX)
        pts.append((v, min(DBL_MAX, v * uniform(rng, 0.05, 4.0))))
    pts += [(DBL_MAX, DBL_MAX), (DBL_MAX, 1.0), (1.0, DBL_MAX), (3e300, DBL_MAX), (1e308, 1e307),
            (1e308, 1e308), (0.25, DBL_MAX), (1.724956616186068e307, 5.6583558937851564e302)]
    if kind in ("i", "k", "ie", "ke"):
        pts += [(-v, x) for v, x in pts if v >= TOP][:60]
    if kind in ("ratio", "complement"):
        # negative non-integer orders near a zero of I_v or I_{v-1} are ill-conditioned:
        # tested in the iv_ratio_neg tables, not here
        pts = [(v, x) for v, x in pts if v > 0 or v == int(v) or abs(v) < 1e-200]
    return pts


def _normal_ratio(hi):
    # a ratio or complement (never 0 for 0 < x < inf) below 2^-1022 has no relative accuracy
    # left in float64
    if abs(hi) < 2.0 ** -1022:
        return "value is subnormal or 0 in float64 (< 2^-1022)"
    return None


def table_edge(kind, table, seed):
    def run():
        rng = random.Random(seed)
        keep = _normal_ratio if kind in ("ratio", "complement") else None
        return _run_vx_table(table, _edge_points(rng, kind), _edge_eval(kind), value_filter=keep)
    return run


TABLES = {
    "log_iv": table_log_iv,
    "log_iv_f32": table_log_iv_f32,
    "log_kv": table_log_kv,
    "log_kv_f32": table_log_kv_f32,
    "iv_ratio": table_iv_ratio,
    "iv_ratio_low_v": table_iv_ratio_low_v,
    "iv_ratio_complement": table_iv_ratio_complement,
    "iv_ratio_neg": table_iv_ratio_neg,
    "log_iv_neg": table_log_iv_neg,
    "vmf_kappa": table_vmf_kappa,
    "vmf_lognorm": table_vmf_lognorm,
    "log_iv_edge": table_edge("i", "log_iv_edge", 20261202),
    "log_kv_edge": table_edge("k", "log_kv_edge", 20261203),
    "iv_ratio_edge": table_edge("ratio", "iv_ratio_edge", 20261204),
    "iv_ratio_complement_edge": table_edge("complement", "iv_ratio_complement_edge", 20261205),
    "log_ive": table_log_ive,
    "log_kve": table_log_kve,
    "log_ive_f32": table_log_ive_f32,
    "log_kve_f32": table_log_kve_f32,
    "log_ive_neg": table_log_ive_neg,
    "log_ive_edge": table_edge("ie", "log_ive_edge", 20261215),
    "log_kve_edge": table_edge("ke", "log_kve_edge", 20261216),
}


def selftest():
    """Check the non-arb method (kseries) against arb's bessel_k where both work,
    including large-order points where arb needs 1024..16384 bits."""
    for v, x in [(1e4, 1e-5), (1e4, 0.3), (50.5, 0.1), (1e4, 1e-200), (2000.25, 1e-3),
                 (30.5, 1e-30), (5312.225959924892, 4.18369437476904e-130),
                 (29467.253117128184, 1.8547041405057276e-10), (88408.62293471614, 1e-300),
                 (142811.46713789526, 9.346890827710299e-35)]:
        a = certify(lambda: arb(x).bessel_k(arb(v)).log()).ball
        ctx.prec = 256
        b = _log_k_small_x_series(v, x)
        if not (a.is_finite() and b.is_finite() and a.overlaps(b)
                and b.rad() * _TWO_TOL <= abs(b.mid())):
            raise RuntimeError("kseries self-test failed at v=%r x=%r: %s vs %s" % (v, x, a, b))


def main(argv):
    names = argv[1:] or list(TABLES)
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        sys.exit("unknown table(s): %s; choose from %s" % (", ".join(unknown), ", ".join(TABLES)))
    sys.stderr.write("python-flint %s, tolerance 2^-%d\n" % (flint.__version__, TOL_BITS))
    selftest()
    t0 = time.perf_counter()
    for n in names:
        t1 = time.perf_counter()
        TABLES[n]()
        sys.stderr.write("[%s] done in %.1f s\n" % (n, time.perf_counter() - t1))
    sys.stderr.write("total %.1f s\n" % (time.perf_counter() - t0))


if __name__ == "__main__":
    main(sys.argv)
