"""The functions of (p, kappa) behind the von Mises-Fisher layer, elementwise.

    log C_p(kappa)  = (p/2 - 1) log kappa - (p/2) log(2 pi) - log I_{p/2-1}(kappa),
    A_p(kappa)      = I_{p/2}(kappa) / I_{p/2-1}(kappa)  (the mean resultant length),
    kappa from rbar: the root of A_p(kappa) = rbar (maximum likelihood), or one of the
                     published approximations of it (Banerjee, Sra, Tanabe, Song).

The public names are those of ``logbessel.vmf`` (log_normalizer, mean_resultant_length,
kappa_mle, FIT_METHODS), which re-exports them; the fit of one vMF distribution
(``_vmf_fit``) and the mixtures (``vmf_mixture``) take kappa from here. ``_arrays`` lists
the order in which the modules import each other. References: see ``logbessel.vmf``.
"""
from __future__ import annotations

import math

import numpy as np

from . import _core
from . import iv_ratio as _iv_ratio
from . import iv_ratio_complement as _iv_ratio_complement
from ._arrays import namespace
from ._dispatch import public_function

#: log C_p(kappa) elementwise, without the argument checks of log_normalizer (NaN for
#: p < 2); its home for pickle is ``logbessel.vmf._vmf_log_normalizer``.
vmf_log_normalizer = public_function("vmf_log_normalizer", "logbessel.vmf")  # (registry.h)

EPS = float(np.finfo(np.float64).eps)

FIT_METHODS = ("mle", "banerjee", "sra", "tanabe", "song")


# --------------------------------------------------------------------------------------
# dtype and scalar handling of the elementwise functions
# --------------------------------------------------------------------------------------

def _out_dtype(*args):
    """float32 when every array argument is float32 (Python scalars do not count, as in
    NumPy 2's promotion rules); float64 otherwise."""
    dts = [np.dtype(a.dtype) for a in args if hasattr(a, "dtype")]
    if dts and all(d == np.float32 for d in dts):
        return np.float32
    return np.float64


def _floats(xp, *args):
    """Broadcast the arguments to float64 arrays; also say whether all were scalars."""
    arrs = [xp.asarray(a, dtype=xp.float64) for a in args]
    scalar = all(a.ndim == 0 for a in arrs)
    return xp.broadcast_arrays(*arrs), scalar


def _finish(xp, out, scalar, dtype):
    if dtype != np.float64:
        out = out.astype(dtype)
    if scalar:
        return out[()]
    return out


def _first_bad(xp, values, bad):
    """The first offending value (as a Python float) of `values` where `bad` is true."""
    v = values[bad]
    return float(v.ravel()[0])


#: The argument order of each public function of (p, kappa) or (rbar, p), quoted in the
#: error messages: the orders differ, and keywords work for all of them.
_SIGNATURES = {"log_normalizer": "log_normalizer(p, kappa)",
               "mean_resultant_length": "mean_resultant_length(p, kappa)",
               "kappa_mle": "kappa_mle(rbar, p)"}


def _order_hint(where):
    sig = _SIGNATURES.get(where)
    return "" if sig is None else f" (the arguments are {sig}; keywords work too)"


def _check_dimension(xp, p, where):
    bad = p < 2
    if bool(xp.any(bad)):
        raise ValueError(f"{where}: p (the dimension of the ambient space R^p) must be "
                         f">= 2; got p = {_first_bad(xp, p, bad):g}{_order_hint(where)}")


# --------------------------------------------------------------------------------------
# log C_p(kappa)
# --------------------------------------------------------------------------------------

def _elementwise_p_kappa(name, f, p, kappa):
    """f(p, kappa) elementwise after the checks shared by the (p, kappa) functions:
    p >= 2 and kappa >= 0 (ValueError otherwise), dtype and scalar handling as elsewhere."""
    xp = namespace(p, kappa)
    dtype = _out_dtype(p, kappa)
    (p_, k_), scalar = _floats(xp, p, kappa)
    _check_dimension(xp, p_, name)
    if bool(xp.any(k_ < 0)):
        raise ValueError(f"{name}: kappa must be >= 0; got kappa = {_first_bad(xp, k_, k_ < 0):g}"
                         f"{_order_hint(name)}")
    return _finish(xp, f(p_, k_), scalar, dtype)


def log_normalizer_dp(p, kappa):
    """d/dp log C_p(kappa) = (log kappa - log(2 pi) - d/dv log I_v(kappa)|_{v=p/2-1}) / 2, for
    NumPy arrays (the torch and jax adapters' gradient in p). At kappa = 0 the same expression
    at kappa = 1e-8: log C_p(kappa) - log C_p(0) = O(kappa^2), so it gives the limit
    (psi(p/2) - log pi)/2 to ~1e-15."""
    from . import log_iv_dv
    p = np.asarray(p, dtype=np.float64)
    k = np.where(np.asarray(kappa) == 0, 1e-8, kappa)
    return 0.5 * (np.log(k) - math.log(2 * math.pi) - log_iv_dv(p / 2 - 1, k))


def log_normalizer(p, kappa):
    """log C_p(kappa), the log normalising constant of the vMF density on S^{p-1}.

    ``C_p(kappa) = kappa^(p/2-1) / ((2 pi)^(p/2) I_{p/2-1}(kappa))``, so that
    ``logpdf(x) = log_normalizer(p, kappa) + kappa * mu @ x``. Elementwise in both
    arguments (broadcasting); p is the ambient dimension (p >= 2, any real value is
    accepted), kappa >= 0. kappa = 0 gives the uniform density, ``log Gamma(p/2) - log 2 -
    (p/2) log pi``, and small kappa approaches it without cancellation (the power series of
    I_nu with its leading power divided out); kappa = inf gives -inf. NaN propagates.

    Accuracy: |f - ref| / max(1, |ref|) <= 1e-14 against certified (arb) values for
    p in [2, 1e7], kappa in [0, 1e10], including the zero of log C_p (which exists for
    p >= 20): there the terms of size (p/2) log kappa that cancel are summed in
    double-double (csrc/logbessel/vmf.h).

    Raises ValueError for p < 2 or kappa < 0.
    """
    return _elementwise_p_kappa("log_normalizer", vmf_log_normalizer, p, kappa)


def mean_resultant_length(p, kappa):
    """A_p(kappa) = I_{p/2}(kappa) / I_{p/2-1}(kappa) = E[mu^T x], elementwise.

    Taken from ``logbessel.iv_ratio`` (continued fraction / uniform expansions, never a
    quotient of two overflowing Bessel values), so it has a few eps relative error for all
    p >= 2 and kappa >= 0: A_p(0) = 0, A_p(inf) = 1, A_p(kappa) ~ kappa/p for small kappa
    and 1 - (p-1)/(2 kappa) for large kappa. Raises ValueError for p < 2 or kappa < 0.
    """
    return _elementwise_p_kappa("mean_resultant_length", lambda p_, k_: _iv_ratio(0.5 * p_, k_),
                                p, kappa)


# --------------------------------------------------------------------------------------
# kappa from rbar
# --------------------------------------------------------------------------------------

def _amos_bracket(r, p):
    """Bounds lo <= kappa* <= hi on the root of A_p(kappa) = r, 0 < r < 1.

    Amos (1974) bounds the ratio for nu = p/2 - 1 >= 0, a = (p-1)/2, b = (p+1)/2:
        k / (a + sqrt(k^2 + b^2))  <=  A_p(k)  <=  k / (a + sqrt(k^2 + a^2)).
    Both sides are increasing in k and can be inverted in closed form; since A_p is
    increasing, the inverse of the upper bound is a lower bound on the root and vice versa:
        lo = 2 a r / (1 - r^2),   hi = r (a + sqrt(a^2 + (1 - r^2) p)) / (1 - r^2).
    The bracket is tight at both ends (both -> p r as r -> 0 and -> (p-1)/(2(1-r)) as
    r -> 1); its relative width is below 2 (1-r) / (p-1). Widened by a few ulps for the
    rounding of A_p itself.
    """
    om = (1.0 - r) * (1.0 + r)  # 1 - r^2 without cancellation (1 - r is exact for r >= 1/2)
    a = 0.5 * (p - 1.0)
    lo = (p - 1.0) * r / om
    hi = r * a * (1.0 + (1.0 + om * p / (a * a)) ** 0.5) / om
    return lo * (1.0 - 8 * EPS), hi * (1.0 + 8 * EPS)


def _dA(A, p, kappa):
    """A_p'(kappa) = 1 - A^2 - (p-1) A / kappa (from DLMF 10.29.2 for I_{p/2} and I_{p/2-1})."""
    return (1.0 - A) * (1.0 + A) - (p - 1.0) * A / kappa


_NEWTON_MAXIT = 40


def _solve_kappa(xp, r, p):
    """Root of A_p(kappa) = r for 0 < r < 1 (1-D float64 arrays of equal length).

    Newton's method from the lower Amos bound: A_p is increasing and concave in kappa, so
    Newton's iterates from the left stay left of the root and increase monotonically
    (quadratic convergence). The bracket is kept up to date from the sign of the residual,
    and any step that would leave it is replaced by bisection (a safeguard against the
    residual's rounding). For r >= 1/2 the residual is formed as (1 - r) - (1 - A_p), with
    1 - A_p from ``iv_ratio_complement``, so it stays relatively accurate as r -> 1. An
    element stops when its step is below 4 eps relative or its residual is at the rounding
    level of A_p (of 1 - A_p for r >= 1/2).
    """
    lo, hi = _amos_bracket(r, p)
    k = lo.copy()
    active = xp.arange(r.shape[0])
    for _ in range(_NEWTON_MAXIT):
        if active.shape[0] == 0:
            break
        ka, ra, pa = k[active], r[active], p[active]
        # residual A - r: for r >= 1/2 as (1 - r) - (1 - A), with 1 - r exact and 1 - A from
        # iv_ratio_complement, so it keeps its relative accuracy as r -> 1
        C = _iv_ratio_complement(0.5 * pa, ka)
        A = 1.0 - C
        high = ra >= 0.5
        f = xp.where(high, (1.0 - ra) - C, _iv_ratio(0.5 * pa, ka) - ra)
        A = xp.where(high, A, f + ra)
        scale = xp.where(high, C, A)
        lo_a = xp.where(f < 0, ka, lo[active])
        hi_a = xp.where(f > 0, ka, hi[active])
        d = _dA(A, pa, ka)
        usable = d > 0  # A_p' rounds to 0 (or below) for huge kappa: bisect there
        kn = ka - f / xp.where(usable, d, 1.0)
        outside = ~((kn > lo_a) & (kn < hi_a) & usable)
        kn = xp.where(outside, 0.5 * (lo_a + hi_a), kn)
        settled = (f == 0) | (xp.abs(f) <= 2 * EPS * scale) | (xp.abs(kn - ka) <= 4 * EPS * ka) \
            | (hi_a - lo_a <= 4 * EPS * hi_a)
        kn = xp.where(f == 0, ka, kn)
        k[active] = kn
        lo[active] = lo_a
        hi[active] = hi_a
        active = active[~settled]
    return k


def kappa_mle(rbar, p):
    """The concentration kappa >= 0 with A_p(kappa) = rbar: the maximum-likelihood kappa
    for a sample of unit vectors in R^p with mean resultant length rbar. Elementwise.

    rbar = 0 gives 0, rbar = 1 gives inf, NaN gives NaN; rbar outside [0, 1] or p < 2 raise
    ValueError. Solved by safeguarded Newton iteration on the accurate ratio
    ``iv_ratio(p/2, kappa)`` (see ``_solve_kappa``), from a bracket built from Amos's (1974)
    bounds that already contains the small-rbar (kappa ~ p rbar) and rbar -> 1
    (kappa ~ (p-1)/(2(1-rbar))) regimes.

    Accuracy against 403 certified (arb) roots, p in [2, 1e7], rbar in [1e-8, 1 - 1e-10]:
    max 8.7e-16 relative, also where the root is ill-conditioned (the residual near
    rbar = 1 uses 1 - A_p from iv_ratio_complement); the tests allow 2e-15.
    """
    xp = namespace(rbar, p)
    dtype = _out_dtype(rbar)
    (r_, p_), scalar = _floats(xp, rbar, p)
    _check_dimension(xp, p_, "kappa_mle")
    bad = (r_ < 0) | (r_ > 1)
    if bool(xp.any(bad)):
        raise ValueError(f"kappa_mle: rbar must lie in [0, 1]; got rbar = "
                         f"{_first_bad(xp, r_, bad):g}{_order_hint('kappa_mle')}")
    shape = r_.shape
    r1, p1 = r_.ravel(), p_.ravel()
    out = xp.full(r1.shape, xp.nan)
    out = xp.where(r1 == 0, 0.0, out)
    out = xp.where(r1 == 1, xp.inf, out)
    inner = (r1 > 0) & (r1 < 1) & xp.isfinite(p1)
    if bool(xp.any(inner)):
        out[inner] = _solve_kappa(xp, r1[inner], p1[inner])
    return _finish(xp, out.reshape(shape), scalar, dtype)


# The published approximations, for comparison (all elementwise in r, 0 < r < 1).

def _kappa_banerjee(r, p):
    """Banerjee et al. (2005), eq. (4.4): kappa ~ r (p - r^2) / (1 - r^2)."""
    return r * (p - r * r) / ((1.0 - r) * (1.0 + r))


def _newton_step(k, r, p):
    A = _iv_ratio(0.5 * p, k)
    return k - (A - r) / _dA(A, p, k)


def _kappa_sra(r, p):
    """Sra (2012): two Newton steps on A_p(kappa) - r from Banerjee's value."""
    k = _kappa_banerjee(r, p)
    return _newton_step(_newton_step(k, r, p), r, p)


def _kappa_tanabe(r, p):
    """Tanabe et al. (2007): kappa is a fixed point of phi(k) = r k / A_p(k), which lies
    between k_l = r (p-2) / (1-r^2) and k_u = r p / (1-r^2); their estimate is where the
    chord of phi between k_l and k_u meets the diagonal:
        kappa = (k_l phi(k_u) - k_u phi(k_l)) / ((phi(k_u) - phi(k_l)) - (k_u - k_l)).
    phi(0) = r p (A_p(k) ~ k/p), which covers p = 2 where k_l = 0."""
    om = (1.0 - r) * (1.0 + r)
    kl, ku = r * (p - 2.0) / om, r * p / om

    def phi(k):
        xp = namespace(k)
        with np.errstate(invalid="ignore", divide="ignore"):
            val = r * k / _iv_ratio(0.5 * p, k)
        return xp.where(k > 0, val, r * p)

    fl, fu = phi(kl), phi(ku)
    return (kl * fu - ku * fl) / ((fu - fl) - (ku - kl))


def _kappa_song(r, p):
    """Song et al. (2012): two Halley steps on F(k) = A_p(k) - r from Banerjee's value,
    k <- k - 2 F F' / (2 F'^2 - F F''), with F' = A' = 1 - A^2 - (p-1) A / k and
    F'' = -2 A A' - (p-1) (A' k - A) / k^2 (differentiating A')."""
    k = _kappa_banerjee(r, p)
    for _ in range(2):
        A = _iv_ratio(0.5 * p, k)
        F = A - r
        d1 = _dA(A, p, k)
        d2 = -2.0 * A * d1 - (p - 1.0) * (d1 * k - A) / (k * k)
        k = k - 2.0 * F * d1 / (2.0 * d1 * d1 - F * d2)
    return k


_APPROX = {"banerjee": _kappa_banerjee, "sra": _kappa_sra, "tanabe": _kappa_tanabe,
           "song": _kappa_song}


def check_method(method, where="fit"):
    """ValueError unless `method` is one of FIT_METHODS."""
    if method not in FIT_METHODS:
        raise ValueError(f"{where}: unknown method {method!r}; choose one of "
                         + ", ".join(repr(m) for m in FIT_METHODS))


def kappa_from_rbar(rbar, p, method="mle"):
    """kappa (a Python float) for one mean resultant length 0 < rbar < 1 in dimension p, by
    one of FIT_METHODS (checked by the caller): the root of A_p(kappa) = rbar for "mle",
    else the named approximation."""
    if method == "mle":
        return float(kappa_mle(rbar, p))
    return float(_APPROX[method](np.float64(rbar), float(p)))
