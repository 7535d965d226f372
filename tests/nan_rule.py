"""Where the public functions may and must return NaN: the documented rule, as code.

This module is the one statement of the rule; tests/test_fuzz.py and tools/edge_sweep.py
both import it (it lives with the tests because it is a test oracle: it never imports
logbessel, and the sweep is a tool built on the tests' oracle, not the other way round).

Sources: the docstrings of src/logbessel/__init__.py and logbessel.vmf.log_normalizer, and
the README's "Special values". Where those are silent or disagree, the rule is what a
careful user of scipy.special would expect (marked "decided here" below; the docs are to
be aligned with it):

All thirteen functions (v, x) (for vmf.log_normalizer read (p, kappa)):
  * NaN in -> NaN.
  * x < 0 -> NaN (x = -0.0 is zero, not negative).
  * v = +inf with x = +inf -> NaN: the limit depends on the path (decided here: the
    docstrings give "x = inf -> ..." and "v = inf -> ..." with different values).
  * log_kv, log_kv_dx, log_kv_dv and the scaled log_kve, log_kve_dx (even / odd in v):
    |v| = inf with x = +inf -> NaN, as above.
  * log_ive and log_ive_dx follow log_iv's rule below (the same I_v, times e^{-x}).
  * log_iv, log_iv_dx, log_iv_dv, iv_ratio, iv_ratio_complement: v = -inf -> NaN (I_v
    changes sign infinitely often as v -> -inf; decided here for the last four, whose
    docstrings say nothing).
  * Negative non-integer v = -a (log_iv, log_iv_dx, log_iv_dv): I_{-a} = I_a +
    (2/pi) sin(pi a) K_a (DLMF 10.27.2), and the result is NaN exactly where I_v(x) <= 0.
    Where sin(pi a) > 0 (floor(a) even) I_v is positive for every x, so NaN is never
    allowed there. Where sin(pi a) < 0 (floor(a) odd): at x = 0 I_v -> -inf, NaN is
    required; for 0 < x < inf NaN is allowed (the sign of I_v needs a reference: the tests
    confirm I_v(x) <= 0 with arb on a sample); at x = inf I_v -> +inf, no NaN.
  * iv_ratio and iv_ratio_complement are finite (signed) for every other v and x > 0: the
    README and the code say so; the iv_ratio docstring's "NaN where I_v or I_{v-1} is not
    positive" is outdated (decided here: the README's rule).
  * Negative integer v: I_{-n} = I_n, never NaN (log_iv_dv(-n, x) is finite or +-inf).
  * x = 0 with v < 0 for the derivatives (decided here; the C++ comments say NaN for every
    v < 0, the public docstrings are silent): the limits exist where I_v > 0 near 0
    (log_iv_dx -> -inf for non-integer v with sin(pi a) > 0, log_iv_dv -> +-inf), so NaN
    only where I_v < 0 near 0 (sin(pi a) < 0), as for log_iv.
  * vmf.log_normalizer(p, kappa): p < 2 or kappa < 0 anywhere -> ValueError (documented);
    p = +inf -> NaN (decided here: not a dimension; the docstring is silent); else NaN only
    for NaN in.

`nan_rule(name, v, x)` returns (must, may): boolean arrays, NaN required where `must`,
allowed only where `may` (must implies may). `conditional(name, v, x)` is the part of
`may` that is not `must`: the class to confirm against a reference.

Infinities. For finite v and 0 < x < inf the results are finite wherever the true value
is within the double range; `finite_required(name, v, x)` marks where that is certain
from simple estimates (evaluated in long double, so they do not overflow themselves):
  * log_iv, log_kv: |F| < DBL_MAX (1 - 1e-12), F = r - |v| asinh(|v|/x), r = hypot(v, x),
    the exponent of the uniform expansions (the rest of log I, log K is O(log r)).
  * log_ive, log_kve: x - F < DBL_MAX (1 - 1e-12), the scaled exponent (x - F >= 0).
  * iv_ratio, iv_ratio_complement: every v > 0 and negative non-integer v (the README:
    finite and signed); integer v = -n <= 0, the ratio is 1/(I_{n+1}/I_n), below
    (2n + 4)/x by Amos's bound: finite where that is below DBL_MAX.
  * log_iv_dx, log_kv_dx (and log_ive_dx, log_kve_dx, which differ by 1): |v|/x + 1 + 1/x
    below DBL_MAX (both are v/x plus a ratio bounded by 1 + 1/x for |v| < 1/2 and by 1
    otherwise); for negative non-integer v only where floor(-v) is even (I_v > 0: bounded
    the same way).
  * log_iv_dv: v >= 0: always (|d/dv log I_v| <= asinh(v/x) + O(1) < 1500); negative
    non-integer v with floor(-v) even: always; negative integer v = -n, where the value
    is about -+2 K_n/I_n: where log(K_n/I_n) ~ -2F + log(pi) is below log(DBL_MAX) - 2
    (F signed here; the estimate is good to O(1/n), the margin covers it).
  * log_kv_dv: always (|d/dv log K_v| <= asinh(|v|/x) + O(1)).
  * vmf.log_normalizer: p <= 1e300 and kappa <= 1e300 (|log C_p| <= p log(p + kappa)).
Elsewhere (x = 0, x = inf, |v| = inf, or a value beyond the range) an infinity is allowed.
"""
from __future__ import annotations

import numpy as np

FUNCTIONS = ("log_iv", "log_kv", "iv_ratio", "iv_ratio_complement",
             "log_iv_dx", "log_kv_dx", "log_iv_dv", "log_kv_dv",
             "log_ive", "log_kve", "log_ive_dx", "log_kve_dx")
VMF = "vmf.log_normalizer"

_I_FAMILY = ("log_iv", "log_iv_dx", "log_iv_dv", "log_ive", "log_ive_dx")  # NaN where I_v(x) <= 0
_K_FAMILY = ("log_kv", "log_kv_dx", "log_kv_dv", "log_kve", "log_kve_dx")  # even / odd in v
_RATIO = ("iv_ratio", "iv_ratio_complement")


def neg_nonint(v):
    """v < 0 and not an integer (every |v| >= 2^52 is an integer)."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (v < 0) & np.isfinite(v) & (v != np.floor(v))


def sin_negative(v):
    """For negative non-integer v = -a: sin(pi a) < 0, i.e. floor(a) is odd (exact: a is
    below 2^52 there, so floor(a) and its parity are exact)."""
    v = np.asarray(v, dtype=np.float64)
    m = neg_nonint(v)
    a = np.where(m, -v, 0.5)
    return m & (np.fmod(np.floor(a), 2.0) == 1.0)


def nan_rule(name, v, x):
    """(must, may) boolean arrays (broadcast shape of v and x) for function `name`."""
    v, x = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(x, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        nan_in = np.isnan(v) | np.isnan(x)
        must = nan_in | (x < 0)
        if name == VMF:  # (p, kappa); p < 2 and kappa < 0 raise before this applies
            must = nan_in | (v == np.inf)
            return must, must.copy()
        if name not in FUNCTIONS:
            raise ValueError(f"unknown function {name!r}")
        xinf = x == np.inf
        if name in _K_FAMILY:
            must |= np.isinf(v) & xinf
            return must, must.copy()
        must |= (v == np.inf) & xinf
        must |= v == -np.inf
        if name in _RATIO:
            return must, must.copy()
        # log_iv, log_iv_dx, log_iv_dv: the sign of I_v for negative non-integer v
        sneg = sin_negative(v)
        must |= sneg & (x == 0)
        may = must | (sneg & (x > 0) & ~xinf)
        return must, may


def conditional(name, v, x):
    """Elements where NaN is allowed but not required (I_v(x) <= 0 to be confirmed)."""
    must, may = nan_rule(name, v, x)
    return may & ~must


def violations(name, v, x, result):
    """Boolean array: the result breaks the rule (NaN where not allowed, or a number
    where NaN is required)."""
    must, may = nan_rule(name, v, x)
    r = np.isnan(np.asarray(result, dtype=np.float64))
    return (r & ~may) | (~r & must)


DBL_MAX = float(np.finfo(np.float64).max)


def exponent_F(v, x, signed=False):
    """|F| (or F) = r - |v| asinh(|v|/x), in long double (no overflow for finite v, x > 0)."""
    with np.errstate(all="ignore"):
        a = np.abs(np.asarray(v, dtype=np.longdouble))
        xl = np.asarray(x, dtype=np.longdouble)
        r = np.sqrt(a * a + xl * xl)
        F = r - a * np.arcsinh(a / xl)
        return F if signed else np.abs(F)


def finite_required(name, v, x):
    """Boolean array: the result must be finite (NaN is judged by nan_rule, not here)."""
    v, x = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(x, dtype=np.float64))
    with np.errstate(all="ignore"):
        base = np.isfinite(v) & np.isfinite(x) & (x > 0)
        if name == VMF:
            return base & (v >= 2) & (v <= 1e300) & (x <= 1e300)
        big = np.longdouble(DBL_MAX) * (1 - np.longdouble(1e-12))
        vl = np.abs(v.astype(np.longdouble))
        xl = x.astype(np.longdouble)
        nn = neg_nonint(v)
        sneg = sin_negative(v)
        if name in ("log_iv", "log_kv"):
            return base & (exponent_F(v, x) < big)
        if name in ("log_ive", "log_kve"):  # the scaled exponent F - x <= 0 instead of F
            return base & (xl - exponent_F(v, x, signed=True) < big)
        if name in _RATIO:
            negint = (v <= 0) & ~nn
            return base & (~negint | ((2 * vl + 4) / xl < big))
        if name in ("log_iv_dx", "log_kv_dx", "log_ive_dx", "log_kve_dx"):
            ok = vl / xl + 1 + 1 / xl < big
            if name in ("log_iv_dx", "log_ive_dx"):
                ok &= ~sneg
            return base & ok
        if name == "log_iv_dv":
            negint = (v < 0) & ~nn
            kn_in = -2 * exponent_F(v, x, signed=True) + np.log(np.longdouble(np.pi))  # ~ log(K_n/I_n)
            ok = ~negint | (kn_in < np.log(np.longdouble(DBL_MAX)) - 2)
            return base & ok & ~sneg
        if name == "log_kv_dv":
            return base
        raise ValueError(f"unknown function {name!r}")


def inf_violations(name, v, x, result):
    """Boolean array: +-inf where the result must be finite."""
    return np.isinf(np.asarray(result, dtype=np.float64)) & finite_required(name, v, x)
