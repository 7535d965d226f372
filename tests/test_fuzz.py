"""Property-based reliability tests over the whole float64 range (issue 13).

Inputs: tests/fuzz_inputs.py (numpy batches: subnormals, -0.0, tiny and huge values up to
DBL_MAX, both signs of v, integers and half-integers, NaN, inf) and hypothesis strategies
(the same kinds of value, shrunk to a minimal example on failure). The rule for NaN and
for infinities is tests/nan_rule.py, shared with tools/edge_sweep.py.

Properties, for the eight ufuncs and vmf.log_normalizer where they apply:
  * no exception and no floating-point warning;
  * NaN exactly by the documented rule; +-inf only where the true value is out of range;
  * where NaN is allowed only because I_v(x) <= 0, arb confirms I_v(x) <= 0 (a sample);
  * monotonicity in x and in v of log I and log K (and of log C_p in kappa);
  * the Wronskian and the recurrences where they are well conditioned;
  * float32 results = the float64 results at the same (widened) inputs rounded to float32;
  * threaded = single-threaded, bitwise; overlap-safe `out=`.

Default run: 2 10^5 pairs per function for the rule checks, 1.2 10^5 per identity, 150
hypothesis examples per property (about 15 s on one core). Long mode
(LOGBESSEL_FUZZ_LONG=1): 10^7 pairs per function for the rule checks (batches of 10^6),
10^6 per identity, and 2000 hypothesis examples.

Tolerances. The accuracy budget of a value f is a few eps * max(1, |f|) (README); an
identity among several values gets the sum of their budgets (the "scale" below), never
more, so a correct implementation passes and an error of 1e-12 relative fails.
"""
from __future__ import annotations

import functools
import os
import warnings

import numpy as np
import pytest

import logbessel as lb
from logbessel import vmf
from fuzz_inputs import CLASSES, DBL_MAX, input_class, wild, wild_pairs
from nan_rule import FUNCTIONS, VMF, conditional, inf_violations, violations

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LONG = os.environ.get("LOGBESSEL_FUZZ_LONG", "") not in ("", "0")
EPS = float(np.finfo(np.float64).eps)
N_RULE = 10_000_000 if LONG else 200_000      # pairs per function, rule checks
N_BATCH = 1_000_000 if LONG else 100_000
N_IDENT = 1_000_000 if LONG else 120_000       # pairs per identity
N_EXAMPLES = 2000 if LONG else 150            # hypothesis examples (each a batch of pairs)
THRESHOLD = int(lb._core.parallel_threshold)  # inputs at least this long are split

FUNCS = {name: getattr(lb, name) for name in FUNCTIONS}
# Inputs are built from one seed per test, so a failure reproduces; the hypothesis tests
# are derandomized for the same reason.
HSET = settings(max_examples=N_EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))




def _call(f, *args, **kw):
    """f(*args) with every floating-point warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return f(*args, **kw)


def _show(v, x, r, bad, k=5):
    idx = np.flatnonzero(bad)[:k]
    return f"{int(bad.sum())} of {bad.size}; e.g. " + ", ".join(
        f"({v[i]!r}, {x[i]!r}) -> {r[i]!r}" for i in idx)


def _batches(seed, n, batch=N_BATCH):
    rng = np.random.default_rng(seed)
    done = 0
    while done < n:
        m = min(batch, n - done)
        yield wild_pairs(rng, m)
        done += m


@functools.lru_cache(maxsize=None)
def _classified_batch(seed, i):
    """Batch i of the rule checks' pairs and their input classes (computed once: the
    (function, class) tests share them)."""
    v, x = wild_pairs(np.random.default_rng([seed, i]), N_BATCH)
    return v, x, input_class(v, x)


# ---------------------------------------------------------------------------------------
# No exception, no warning; NaN and infinities by the rule
# ---------------------------------------------------------------------------------------

def _rule_params():
    out = []
    for name in FUNCTIONS:
        for cls in CLASSES:
            out.append(pytest.param(name, cls, id=f"{name}-{cls.replace(' ', '_')}"))
    return out


def _rule_failures(name, v, x, r):
    return violations(name, v, x, r) | inf_violations(name, v, x, r)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_exception_and_no_floating_point_warning(name):
    f = FUNCS[name]
    for v, x in _batches(1, N_RULE):
        _call(f, v, x)
        with np.errstate(over="ignore", invalid="ignore"):  # the cast overflows to inf, sNaN: fine
            v32, x32 = v.astype(np.float32), x.astype(np.float32)
        _call(f, v32, x32)


@pytest.mark.parametrize("name,cls", _rule_params())
def test_nan_and_inf_by_the_documented_rule(name, cls):
    """NaN exactly by nan_rule; +-inf only where the value is beyond the double range."""
    f = FUNCS[name]
    k = CLASSES.index(cls)
    seen = 0
    for i in range(max(1, N_RULE // N_BATCH)):
        v, x, c = _classified_batch(2, i)
        v, x = v[c == k], x[c == k]
        seen += v.size
        r = f(v, x)
        bad = _rule_failures(name, v, x, r)
        assert not bad.any(), f"{name}, {cls}: against the rule: " + _show(v, x, r, bad)
    assert seen > 100, (cls, seen)


VMF_PARTS = [pytest.param("huge", id="huge"), pytest.param("rest", id="rest")]


def _vmf_part(part, p, k):
    """max(p, kappa) > 1e300 (finite), or the rest."""
    with np.errstate(invalid="ignore"):
        huge = (np.maximum(p, k) > 1e300) & np.isfinite(p) & np.isfinite(k)
    return huge if part == "huge" else ~huge


@pytest.mark.parametrize("part", VMF_PARTS)
def test_vmf_log_normalizer_rule(part):
    """No warning; NaN only for NaN in or p = inf; +-inf only beyond the range."""
    rng = np.random.default_rng(4)
    p = np.abs(wild(rng, N_BATCH))
    k = np.abs(wild(rng, N_BATCH))
    with np.errstate(invalid="ignore"):  # signalling NaNs among the random bit patterns
        p = np.where(p < 2, p + 2, p)
    p[~np.isnan(p) & (p < 2)] = 2.0
    m = _vmf_part(part, p, k)
    p, k = p[m], k[m]
    r = _call(vmf.log_normalizer, p, k)
    bad = violations(VMF, p, k, r) | inf_violations(VMF, p, k, r)
    assert not bad.any(), "vmf.log_normalizer: " + _show(p, k, r, bad)


def test_vmf_log_normalizer_raises_for_p_below_2_or_negative_kappa():
    for bad_p, bad_k in ((1.999, 1.0), (-np.inf, 1.0), (3.0, -1e-300), (3.0, -np.inf)):
        with pytest.raises(ValueError):
            vmf.log_normalizer(np.array([3.0, bad_p]), np.array([1.0, bad_k]))


# hypothesis: any float64 (subnormals, +-0, +-inf, NaN), integers and half-integers
_any = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
_ints = st.integers(-2 ** 60, 2 ** 60).map(float)
_halves = st.integers(-2 ** 50, 2 ** 50).map(lambda n: n + 0.5)
_edges = st.sampled_from([0.0, -0.0, 5e-324, 2.2250738585072014e-308, DBL_MAX, np.inf, -np.inf,
                          np.nan, 0.5, 1.0, 24.0, 1e-300, 1e300])
_v = st.one_of(_any, _ints, _halves, _edges)
_x = st.one_of(_any.map(abs), _edges, st.floats(0, 40), _any)
_pairs = st.lists(st.tuples(_v, _x), min_size=1, max_size=64)


@pytest.mark.parametrize("name", FUNCTIONS)
@HSET
@given(pairs=_pairs)
def test_rule_hypothesis(name, pairs):
    """The rule on hypothesis' draws (every input class)."""
    v = np.array([p[0] for p in pairs])
    x = np.array([p[1] for p in pairs])
    r = _call(FUNCS[name], v, x)
    bad = _rule_failures(name, v, x, r)
    assert not bad.any(), f"{name}: " + _show(v, x, r, bad)


def _arb_iv(v, x, prec=256):
    import flint
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return flint.arb(x).bessel_i(flint.arb(v))
    finally:
        flint.ctx.prec = old


def test_nan_from_a_negative_bessel_i_is_certified():
    """Where NaN is allowed only because I_v(x) <= 0 (negative non-integer v with
    sin(pi |v|) < 0), arb confirms I_v(x) <= 0 on a sample; log_iv_dx and log_iv_dv are NaN
    exactly where log_iv is, except within rounding of a zero of I_v."""
    pytest.importorskip("flint")
    rng = np.random.default_rng(5)
    n = 20_000
    v = -(rng.integers(0, 40, n) * 2 + 1 + rng.uniform(0.001, 0.999, n))  # floor(-v) odd
    x = np.exp(rng.uniform(np.log(1e-3), np.log(60), n))
    li = lb.log_iv(v, x)
    nan = np.isnan(li)
    assert conditional("log_iv", v, x).all() and 0 < nan.sum() < n
    for i in rng.choice(np.flatnonzero(nan), 12, replace=False):
        ref = _arb_iv(float(v[i]), float(x[i]))
        assert not (ref > 0), (v[i], x[i], ref)
    for i in rng.choice(np.flatnonzero(~nan), 12, replace=False):
        ref = _arb_iv(float(v[i]), float(x[i]))
        assert not (ref < 0), (v[i], x[i], ref)
    # derivatives: NaN where log_iv is, except where I_v is within rounding of zero (log_iv
    # then lies far below the size of its terms, log I_a and log |c| K_a)
    a = -v
    size = np.maximum(lb.log_iv(a, x), np.log(2 / np.pi * np.abs(np.sin(np.pi * a))) + lb.log_kv(a, x))
    with np.errstate(invalid="ignore"):
        near_zero = ~(li - size > np.log(1e-8))
    for name in ("log_iv_dx", "log_iv_dv"):
        d = FUNCS[name](v, x)
        differ = (np.isnan(d) != nan) & ~near_zero
        assert not differ.any(), f"{name}: " + _show(v, x, d, differ)


# ---------------------------------------------------------------------------------------
# Monotonicity
# ---------------------------------------------------------------------------------------

def _pos(rng, n, lo=0.0):
    a = np.abs(wild(rng, n))
    a[~np.isfinite(a)] = 1.0
    return np.maximum(a, lo)


def _larger(rng, a):
    """b > a: the next double, or a times 1 + 1e-12 .. 1e10 (at most DBL_MAX)."""
    n = a.size
    kind = rng.integers(0, 4, n)
    with np.errstate(over="ignore"):
        f = np.where(kind == 1, 1 + 1e-12 * (1 + rng.random(n)),
                     np.where(kind == 2, 1 + rng.random(n) * 1e-3, np.exp(rng.uniform(0, 23, n))))
        b = np.minimum(a * f, DBL_MAX)
    with np.errstate(over="ignore"):
        nxt = np.minimum(np.nextafter(a, np.inf), DBL_MAX)
    b = np.where(kind == 0, nxt, b)
    return np.where(b > a, b, nxt)  # equal only at a = DBL_MAX


def _not_below(lo, hi, v, x1, x2, what):
    """hi >= lo, with the two values' accuracy budgets (3 eps max(1, |f|) each) as slack."""
    with np.errstate(invalid="ignore", over="ignore"):
        tol = 6 * EPS * np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
        bad = ~((hi >= lo - tol) | (hi == lo)) & ~(np.isnan(lo) | np.isnan(hi))
    assert not bad.any(), what + ": " + ", ".join(
        f"({v[i]!r}, {x1[i]!r}) -> {lo[i]!r}; ({x2[i]!r}) -> {hi[i]!r}" for i in np.flatnonzero(bad)[:5])


MONO_X_XFAIL = {}


def test_monotone_in_x():
    """log I_v increasing in x (v >= 0), log K_v decreasing; log C_p decreasing in kappa."""
    rng = np.random.default_rng(6)
    for _ in range(max(1, N_IDENT // 60_000)):
        v = _pos(rng, 60_000)
        x1 = _pos(rng, 60_000, 5e-324)
        x2 = _larger(rng, x1)
        _not_below(lb.log_iv(v, x1), lb.log_iv(v, x2), v, x1, x2, "log_iv in x")
        _not_below(lb.log_kv(v, x2), lb.log_kv(v, x1), v, x2, x1, "log_kv in x")
        _not_below(lb.log_kv(-v, x2), lb.log_kv(-v, x1), -v, x2, x1, "log_kv in x, v < 0")


@pytest.mark.parametrize("part", VMF_PARTS)
def test_vmf_log_normalizer_monotone_in_kappa(part):
    """log C_p(kappa) is decreasing in kappa (d/dkappa log C_p = -A_p(kappa) < 0)."""
    rng = np.random.default_rng(6)
    for _ in range(max(1, N_IDENT // 60_000)):
        p = np.minimum(_pos(rng, 60_000), 1e300) + 2
        k1 = _pos(rng, 60_000)
        k2 = _larger(rng, k1)
        m = _vmf_part(part, p, k2)
        p, k1, k2 = p[m], k1[m], k2[m]
        _not_below(vmf.log_normalizer(p, k2), vmf.log_normalizer(p, k1), p, k2, k1, "log C_p in kappa")


def _part(cls):
    """Parameters: the inputs of class `cls`, and the rest (a failure names its part)."""
    return [pytest.param(cls, id=cls.replace(" ", "_")), pytest.param("rest", id="rest")]


def _in_part(part, v, x):
    """Mask of the inputs of `part` ("rest": those of no class split off)."""
    c = input_class(v, x)
    if part == "rest":
        return (c != CLASSES.index("tiny x")) & (c != CLASSES.index("huge"))
    return c == CLASSES.index(part)


@pytest.mark.parametrize("part", _part("tiny x"))
def test_monotone_in_v(part):
    """log I_v(x) decreasing in v >= 0 (x > 0); log K_v(x) increasing in |v|."""
    rng = np.random.default_rng(7)
    for _ in range(max(1, N_IDENT // 60_000)):
        x = _pos(rng, 60_000, 5e-324)
        v1 = _pos(rng, 60_000)
        v2 = _larger(rng, np.maximum(v1, 0.0))
        m = _in_part(part, v1, x) & _in_part(part, v2, x)
        x, v1, v2 = x[m], v1[m], v2[m]
        _not_below(lb.log_iv(v2, x), lb.log_iv(v1, x), x, v2, v1, "log_iv in v")
        _not_below(lb.log_kv(v1, x), lb.log_kv(v2, x), x, v1, v2, "log_kv in v")
        _not_below(lb.log_kv(-v1, x), lb.log_kv(-v2, x), x, -v1, -v2, "log_kv in -v")


@HSET
@given(v=st.floats(0, DBL_MAX), x1=st.floats(5e-324, DBL_MAX), x2=st.floats(5e-324, DBL_MAX))
def test_monotone_hypothesis(v, x1, x2):
    lo, hi = sorted((x1, x2))
    a = np.array([v, v]), np.array([lo, lo]), np.array([hi, hi])
    _not_below(lb.log_iv(a[0], a[1]), lb.log_iv(a[0], a[2]), *a, "log_iv in x")
    _not_below(lb.log_kv(a[0], a[2]), lb.log_kv(a[0], a[1]), *a, "log_kv in x")
    _not_below(lb.log_iv(a[2], a[0]), lb.log_iv(a[1], a[0]), *a, "log_iv in v")
    _not_below(lb.log_kv(a[1], a[0]), lb.log_kv(a[2], a[0]), *a, "log_kv in v")


# ---------------------------------------------------------------------------------------
# Identities
# ---------------------------------------------------------------------------------------

def _exact_sum(a, b):
    """a + b and whether it is exact (TwoSum's error term is zero)."""
    with np.errstate(all="ignore"):
        s = a + b
        bb = s - a
        err = (a - (s - bb)) + (b - bb)
    return s, np.isfinite(s) & (err == 0)


def _identity_inputs(seed, n):
    rng = np.random.default_rng(seed)
    v = _pos(rng, n)
    x = _pos(rng, n, 5e-324)
    near = rng.random(n) < 0.3  # the turning region and small r, where the regions meet
    with np.errstate(over="ignore"):
        x[near] = np.minimum(np.maximum(v[near], 1e-3) * np.exp(rng.uniform(-3, 3, int(near.sum()))), DBL_MAX)
    return v, x


def _check(err, tol, v, x, what):
    # the identity is checked on a good share of the inputs (not vacuously)
    assert np.count_nonzero(~np.isnan(err)) > err.size // 5, (what, np.count_nonzero(~np.isnan(err)), err.size)
    with np.errstate(invalid="ignore"):
        bad = ~(err <= tol) & ~np.isnan(err)
    assert not bad.any(), what + f" (tolerance {tol} eps): " + ", ".join(
        f"({v[i]!r}, {x[i]!r}): {err[i]:.3g} eps" for i in np.flatnonzero(bad)[:5])


def _ok(*arrays):
    m = np.ones(arrays[0].shape, bool)
    for a in arrays:
        m &= np.isfinite(a)
    return m


@pytest.mark.parametrize("part", _part("tiny x"))
def test_wronskian(part):
    """I_v K_{v+1} + I_{v+1} K_v = 1/x (DLMF 10.28.2) in log space, v >= 0 with v + 1
    exact. Each term's error is within 3 eps max(1, |log|) (README), so the sum of logs
    is within 6 eps of the largest |log| involved: the tolerance."""
    v, x = _identity_inputs(8, N_IDENT)
    v1, ok = _exact_sum(v, 1.0)
    ok &= _in_part(part, v, x) & _in_part(part, v1, x)
    v, x, v1 = v[ok], x[ok], v1[ok]
    li, li1, lk, lk1 = lb.log_iv(v, x), lb.log_iv(v1, x), lb.log_kv(v, x), lb.log_kv(v1, x)
    m = _ok(li, li1, lk, lk1)
    with np.errstate(all="ignore"):
        lhs = np.logaddexp(li + lk1, li1 + lk)
        scale = np.maximum.reduce([np.abs(li), np.abs(li1), np.abs(lk), np.abs(lk1), np.ones_like(v)])
        err = np.abs(lhs + np.log(x)) / scale / EPS
    _check(np.where(m, err, np.nan), 6, v, x, "Wronskian")


def test_recurrences_and_derivative_identities():
    """Where every term has one sign (no cancellation beyond the stated scale):
      1/R_v - R_{v+1} = 2v/x, R = iv_ratio, v >= 1/2          (DLMF 10.29.1)
      K_{v-1}/K_v + 2v/x... as K_{v+1}/K_v - K_{v-1}/K_v = 2v/x, from log_kv
      log_iv_dx(v, x) = R_{v+1} + v/x                          (DLMF 10.29.2)
      log_kv_dx(v, x) = -K_{v-1}/K_v - v/x                     (DLMF 10.29.2)"""
    v, x = _identity_inputs(9, N_IDENT)
    vp, okp = _exact_sum(v, 1.0)
    vm, okm = _exact_sum(v, -1.0)
    with np.errstate(all="ignore"):
        q = v / x
        two_q = 2.0 * q
    sel = okp & okm & np.isfinite(two_q)
    v, x, vp, vm, q, two_q = v[sel], x[sel], vp[sel], vm[sel], q[sel], two_q[sel]

    # I: 1/R_v - R_{v+1} = 2v/x (v >= 1/2: both ratios in (0, 1])
    r, rp = lb.iv_ratio(v, x), lb.iv_ratio(vp, x)
    with np.errstate(all="ignore"):
        lhs = 1.0 / r - rp
        err = np.abs(lhs - two_q) / (1.0 / r + rp) / EPS
    m = (v >= 0.5) & _ok(lhs) & (r > 0)
    _check(np.where(m, err, np.nan), 6, v, x, "I recurrence through iv_ratio")

    # K: K_{v+1}/K_v - K_{v-1}/K_v = 2v/x, the ratios from differences of log K
    lk, lkp, lkm = lb.log_kv(v, x), lb.log_kv(vp, x), lb.log_kv(vm, x)
    with np.errstate(all="ignore"):
        up, down = np.exp(lkp - lk), np.exp(lkm - lk)
        scale = (up + down) * (1 + np.abs(lk) + np.maximum(np.abs(lkp), np.abs(lkm)))
        err = np.abs(up - down - two_q) / scale / EPS
    # well conditioned: the ratios come from differences of logs, so |log K| must be small
    # enough that eps |log K| stays far below 1 (then the error is linear in it)
    m = _ok(lk, lkp, lkm, up, down, scale) & (np.maximum(np.abs(lk), np.abs(lkp)) < 1e6)
    _check(np.where(m, err, np.nan), 5, v, x, "K recurrence")

    # d/dx log I_v = R_{v+1} + v/x: two positive terms
    d = lb.log_iv_dx(v, x)
    with np.errstate(all="ignore"):
        err = np.abs(d - (rp + q)) / (rp + q) / EPS
    _check(np.where(_ok(d, rp + q) & (rp + q > 0), err, np.nan), 6, v, x, "log_iv_dx = R_{v+1} + v/x")

    # d/dx log K_v = -K_{v-1}/K_v - v/x: two negative terms, K_{v-1}/K_v from the logs
    d = lb.log_kv_dx(v, x)
    with np.errstate(all="ignore"):
        rhs = -down - q
        err = np.abs(d - rhs) / (down * (1 + np.abs(lk) + np.abs(lkm)) + q) / EPS
    lin = np.maximum(np.abs(lk), np.abs(lkm)) < 1e6
    _check(np.where(_ok(d, rhs) & (rhs < 0) & lin, err, np.nan), 6, v, x, "log_kv_dx = -K_{v-1}/K_v - v/x")


@pytest.mark.parametrize("part", _part("huge"))
def test_amos_bounds_on_the_ratio(part):
    """x / (v - 1/2 + sqrt(x^2 + (v + 1/2)^2)) <= I_v/I_{v-1} <= x / (v - 1/2 + sqrt(x^2 +
    (v - 1/2)^2)) for v >= 1 (Amos 1974), and the same bounds on 1 - ratio. Both sides are
    homogeneous of degree 0 in (v, x), so they are evaluated at (v, x) scaled by a power of
    two; the slack is 4 eps of each side."""
    v, x = _identity_inputs(10, N_IDENT)
    m = (v >= 1) & (x > 0) & np.isfinite(v) & np.isfinite(x)
    m &= _in_part(part, v, x)
    v, x = v[m], x[m]
    s = np.ldexp(1.0, -np.maximum(0, np.frexp(np.maximum(v, x))[1] - 1000))  # max(v, x) s < 2^1000
    with np.errstate(under="ignore"):
        a, b, xs = (v - 0.5) * s, (v + 0.5) * s, x * s
    ra, rb = np.hypot(xs, a), np.hypot(xs, b)
    lo, hi = xs / (a + rb), xs / (a + ra)
    # 1 - x/(a + R) = (a + R - x)/(a + R), R - x = (R^2 - x^2)/(R + x), R^2 - x^2 = a^2 or b^2
    c_hi = (a + b * (b / (rb + xs))) / (a + rb)
    c_lo = (a + a * (a / (ra + xs))) / (a + ra)
    r = lb.iv_ratio(v, x)
    c = lb.iv_ratio_complement(v, x)
    with np.errstate(all="ignore"):
        bad_r = ~((r >= lo * (1 - 4 * EPS)) & (r <= hi * (1 + 4 * EPS))) & (lo > 1e-290)
        bad_c = ~((c >= c_lo * (1 - 4 * EPS)) & (c <= c_hi * (1 + 4 * EPS))) & (c_lo > 1e-290)
    assert not bad_r.any(), "iv_ratio outside Amos's bounds: " + _show(v, x, r, bad_r)
    assert not bad_c.any(), "iv_ratio_complement outside Amos's bounds: " + _show(v, x, c, bad_c)


# ---------------------------------------------------------------------------------------
# float32, threads, out=
# ---------------------------------------------------------------------------------------

ALL_UFUNCS = {**{n: FUNCS[n].ufunc for n in FUNCTIONS}, VMF: lb._core.vmf_log_normalizer}


@pytest.mark.parametrize("name", list(ALL_UFUNCS))
def test_float32_is_the_float64_result_rounded(name):
    """The float32 loop widens its inputs, computes in double and rounds once, so its result
    must equal the float64 result at the widened inputs, rounded: bitwise (including the
    sign of zero and NaN). No 1-ulp32 slack: both sides round the same double once; a
    double rounding would only arise against the exact value, which is not compared here."""
    f = ALL_UFUNCS[name]
    rng = np.random.default_rng(11)
    with np.errstate(over="ignore", invalid="ignore"):
        v32 = wild(rng, N_BATCH).astype(np.float32)
        x32 = wild(rng, N_BATCH, signed=False).astype(np.float32)
    if name == VMF:
        v32 = np.abs(v32) + np.float32(2)
        x32 = np.abs(x32)
    r32 = f(v32, x32)
    assert r32.dtype == np.float32
    with np.errstate(all="ignore"):
        ref = f(v32.astype(np.float64), x32.astype(np.float64)).astype(np.float32)
    same = (r32 == ref) & (np.signbit(r32) == np.signbit(ref)) | (np.isnan(r32) & np.isnan(ref))
    assert same.all(), name + ": " + _show(v32, x32, r32, ~same)


@HSET
@given(pairs=st.lists(st.tuples(st.floats(width=32), st.floats(width=32)), min_size=1, max_size=32))
def test_float32_hypothesis(pairs):
    v32 = np.array([p[0] for p in pairs], dtype=np.float32)
    x32 = np.array([p[1] for p in pairs], dtype=np.float32)
    for name in FUNCTIONS:
        f = FUNCS[name]
        r32 = _call(f, v32, x32)
        with np.errstate(all="ignore"):
            ref = f(v32.astype(np.float64), x32.astype(np.float64)).astype(np.float32)
        assert np.array_equal(r32, ref, equal_nan=True), name


def _big_inputs(seed, n):
    rng = np.random.default_rng(seed)
    return wild_pairs(rng, n)


@pytest.mark.parametrize("name", list(ALL_UFUNCS))
def test_threaded_equals_single_thread(name, monkeypatch):
    """An array of >= 2^15 elements is split across threads; slices shorter than that run
    on the calling thread. The results must agree bit for bit (NaN payloads aside)."""
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "3")
    f = ALL_UFUNCS[name]
    n = 3 * THRESHOLD + 17
    v, x = _big_inputs(12, n)
    if name == VMF:
        with np.errstate(invalid="ignore"):  # signalling NaNs among the random bit patterns
            v, x = np.abs(v) + 2, np.abs(x)
    if lb._core.num_threads() < 2:
        pytest.skip("one thread only")
    whole = f(v, x)
    step = THRESHOLD - 1
    parts = np.concatenate([f(v[i:i + step], x[i:i + step]) for i in range(0, n, step)])
    same = (whole.view(np.uint64) == parts.view(np.uint64)) | (np.isnan(whole) & np.isnan(parts))
    assert same.all(), name + ": " + _show(v, x, whole, ~same)


@pytest.mark.parametrize("name", ALL_UFUNCS)
def test_out_overlapping_an_input(name, monkeypatch):
    """out= overlapping an input shifted by one element (either direction), on arrays long
    enough to be split across threads: the result equals the one with a separate output.
    NumPy copies an input that a forward loop would overwrite before reading (out one
    element after it) but not one that it reads before writing (out one element before
    it): a split loop must keep that order at its thread boundaries. Moderate inputs, so
    that a value read after it was overwritten gives a different result; 2^19 elements on
    two threads, so that the window of the race (a thread's share, ~10 ms) is far longer
    than a thread's start even on a loaded machine."""
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "2")
    if lb._core.num_threads() < 2:
        pytest.skip("one thread only")
    f = ALL_UFUNCS[name]
    n = 2 ** 19 + 17
    rng = np.random.default_rng(13)
    shift = 2.0 if name == VMF else 0.0
    x = np.exp(rng.uniform(np.log(1e-2), np.log(1e3), n))
    buf = np.exp(rng.uniform(np.log(1e-2), np.log(1e3), n + 1)) + shift
    v = np.exp(rng.uniform(np.log(1e-2), np.log(1e3), n)) + shift
    for src, dst in ((slice(0, n), slice(1, n + 1)), (slice(1, n + 1), slice(0, n))):
        what = "out one element after the input" if src.start == 0 else "out one element before the input"
        for arg in (0, 1):  # the overlapped input is v, then x
            b = buf.copy()
            args = [b[src], x] if arg == 0 else [v, b[src]]
            expected = f(*[a.copy() for a in args])
            f(*args, out=b[dst])
            got = b[dst]
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
            assert same.all(), f"{name} ({what}, argument {arg}): " + _show(
                buf[src] if arg == 0 else v, x if arg == 0 else buf[src], got, ~same)


def test_edge_sweep_runs(tmp_path, capsys):
    """tools/edge_sweep.py on a coarse grid (its full run is not part of the tests)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "tools" / "edge_sweep.py"
    spec = importlib.util.spec_from_file_location("edge_sweep", path)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    corpus = tmp_path / "corpus.bin"
    assert sweep.main(["--vstep", "256", "--xstep", "128", "--no-speed", "--corpus", str(corpus)]) == 0
    text = capsys.readouterr().out
    for name in FUNCTIONS + (VMF,):
        assert f"\n{name}: " in text, name
    pairs = np.fromfile(corpus, dtype="<f8").reshape(-1, 2)
    assert pairs.shape[0] > 200_000 and np.isnan(pairs).any() and (pairs == 5e-324).any()
