"""Inference for one von Mises-Fisher fit: the derivative A_p'(kappa) to full accuracy,
standard errors of kappa and mu from the information, the Rayleigh test of uniformity,
and the chi-squared tail they need (SciPy's when SciPy is installed, else our own).

The information (per row, at the maximum-likelihood estimate; for the vMF, an exponential
family in theta = kappa mu, the observed information at the MLE equals the expected one):

    for kappa            A_p'(kappa)     = Var(mu^T x)
    for mu (tangent)     kappa A_p(kappa) on each of the p - 1 directions orthogonal to mu
                                          (E[(I - mu mu^T) x x^T (I - mu mu^T)] kappa^2)

and the two blocks are orthogonal. Hence, with n rows, se(kappa_hat) = 1 / sqrt(n A_p'),
se of each tangent coordinate of mu_hat (radians) = 1 / sqrt(n kappa A_p), and the angle
theta between mu_hat and mu satisfies n kappa A_p theta^2 ~ chi^2_{p-1} for large n (the
large-sample theory of Mardia and Jupp 2000, Directional Statistics, ch. 10; for p = 3,
Fisher, Lewis and Embleton 1987, Statistical Analysis of Spherical Data, sec. 5.3).

References for the Rayleigh test: see ``rayleigh``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import iv_ratio as _iv_ratio
from . import iv_ratio_complement as _iv_ratio_complement
from ._arrays import compute, is_dask, to_host


# --------------------------------------------------------------------------------------
# A_p'(kappa)
# --------------------------------------------------------------------------------------

_SERIES_TERMS = 200


def one_minus_A_terms(m, w):
    """The terms e_n = c_n w^n, n = 1, 2, ... (a generator without end) of the large-kappa
    expansion 1 - A_p(kappa) = sum_n c_n kappa^-n at w = 1/kappa, m = (p - 1)/2.

    The coefficients follow from the Riccati equation A' = 1 - A^2 - 2 m A / kappa
    (DLMF 10.29.2 for I_{p/2} and I_{p/2-1}): c_1 = m, c_2 = m (1 - m) / 2 and, for n >= 3,
    2 c_n = sum_{i=2}^{n-2} c_i c_{n-i} + (n - 1) c_{n-1} (the terms in m c_{n-1} cancel
    exactly and are left out, so nothing cancels in floating point). The recurrence is
    homogeneous of degree n, so it runs on the scaled terms themselves, 2 e_n = sum e_i
    e_{n-i} + (n - 1) e_{n-1} w: c_n grows like m^n and overflows for m ~ 1e5 and beyond,
    e_n stays below 1 where the series converges. (The series diverges eventually: fsum
    raises OverflowError or ValueError once the terms overflow.) Used by dA here and by
    logbessel.numpyro's A_p'."""
    e = [0.0, m * w, 0.5 * m * (1.0 - m) * w * w]
    yield e[1]
    yield e[2]
    n = 3
    while True:
        en = 0.5 * (math.fsum(e[i] * e[n - i] for i in range(2, n - 1)) + (n - 1) * e[n - 1] * w)
        e.append(en)
        yield en
        n += 1


def _dA_series(m, kappa):
    """A_p'(kappa) = -d/dk (1 - A_p) = sum_n n c_n kappa^-(n+1) (one_minus_A_terms), which
    needs no difference of nearly equal numbers, or None where it does not reach full
    accuracy within _SERIES_TERMS terms."""
    w = 1.0 / kappa
    total, prev = 0.0, math.inf
    try:
        for n, en in zip(range(1, _SERIES_TERMS), one_minus_A_terms(m, w)):
            t = n * en * w
            total += t
            if not math.isfinite(total):
                return None
            if n >= 3 and abs(t) + prev <= 1e-17 * abs(total):
                return total
            prev = abs(t)
    except (OverflowError, ValueError):  # a diverging series (inf - inf in fsum)
        return None
    return None


def dA(p, kappa):
    """A_p'(kappa) = 1 - A_p^2 - (p - 1) A_p / kappa (= Var(mu^T x)) for a float p >= 2 and
    kappa >= 0, as a float.

    Written that way it cancels: for kappa >> p the terms are ~p/kappa and the result
    ~p/kappa^2 (a loss of ~kappa: 1e-6 relative at kappa = 1e10), and for large p the
    O(1) terms leave O(1/p). For kappa >= max(1.5 (p-1)/2, 25) the large-kappa series
    (``_dA_series``) is used; below it A (1/kappa - (A_p - A_{p+2})), with the difference
    A_p - A_{p+2} taken as (1 - A_{p+2}) - (1 - A_p) from ``iv_ratio_complement`` when
    A_p >= 1/2. Against arb (p in [2, 1e7], kappa in [1e-3, 1e16], 920 points): the series
    is within 5e-15 relative, the other form loses ~max(p, kappa) eps (45 eps at p = 2,
    kappa = 24.9; 5.6e-10 at p = 1e7)."""
    p, kappa = float(p), float(kappa)
    if kappa == 0.0:
        return 1.0 / p
    if math.isinf(kappa):
        return 0.0
    m = 0.5 * (p - 1.0)
    if kappa >= 1.5 * m and kappa >= 25.0:
        val = _dA_series(m, kappa)
        if val is not None:
            return val
    A = float(_iv_ratio(0.5 * p, kappa))
    if A >= 0.5:
        diff = float(_iv_ratio_complement(0.5 * p + 1.0, kappa)) - \
            float(_iv_ratio_complement(0.5 * p, kappa))
    else:
        diff = A - float(_iv_ratio(0.5 * p + 1.0, kappa))
    return A * (1.0 / kappa - diff)


# --------------------------------------------------------------------------------------
# chi-squared tail probabilities
# --------------------------------------------------------------------------------------

def _gamma_q(a, x):
    """The regularized upper incomplete gamma function Q(a, x), a > 0, x >= 0: the series
    of P for x < a + 1, the continued fraction of Q otherwise (DLMF 8.7.1 and 8.9.2, as in
    Numerical Recipes' gser/gcf), with the prefactor x^a e^-x / Gamma(a) in logs, whose
    terms of size ~a cancel: ~1e-15 a relative error (6e-11 at a = 5e4; against arb);
    iterations ~sqrt(a)."""
    if x <= 0.0:
        return 1.0
    log_pre = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(100000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - math.exp(log_pre) * total)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(log_pre) * h


def chi2_sf(x, df):
    """P(chi^2_df > x): scipy.stats.chi2.sf when SciPy is installed, else ``_gamma_q``."""
    try:
        from scipy.stats import chi2
    except ImportError:
        return _gamma_q(0.5 * df, 0.5 * x) if x > 0 else 1.0
    return float(chi2.sf(x, df))


def chi2_isf(q, df):
    """The x with P(chi^2_df > x) = q, 0 < q < 1 (SciPy's, or bisection on ``chi2_sf``)."""
    try:
        from scipy.stats import chi2
    except ImportError:
        lo, hi = 0.0, df + 10.0 * math.sqrt(2.0 * df) + 50.0
        while chi2_sf(hi, df) > q:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if chi2_sf(mid, df) > q:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-13 * hi:
                break
        return 0.5 * (lo + hi)
    return float(chi2.isf(q, df))


# --------------------------------------------------------------------------------------
# the Rayleigh test
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RayleighResult:
    """The Rayleigh test of uniformity (``logbessel.vmf.rayleigh_test``).

    statistic   T = p ||sum_i w_i x_i||^2 / sum_i w_i^2 (= p n rbar^2 without weights)
    pvalue      P(T >= observed) under uniformity (see ``rayleigh`` for the approximation)
    df          p, the degrees of freedom of the chi-squared reference
    n           the effective number of rows (sum w^2)^2 / sum w^4 (n without weights)
    """
    statistic: float
    pvalue: float
    df: int
    n: float


def rayleigh(p, rbar, n_eff_mean, n_eff_var):
    """The Rayleigh test from the mean resultant length.

    T = p n rbar^2 (with weights: p ||S||^2 / sum w^2, i.e. n_eff_mean = (sum w)^2 / sum w^2).
    Under uniformity the cross products x_i . x_j (i != j) are uncorrelated with mean 0 and
    variance 1/p, so exactly E[T] = p and Var[T] = 2 p (1 - 1/n) (with weights, 1/n is
    sum w^4 / (sum w^2)^2 = 1 / n_eff_var). The reference distributions are chi^2_p as
    n -> infinity (Rayleigh 1919; Mardia and Jupp 2000, Directional Statistics, sec.
    10.4.1) and, for p -> infinity, the normal law of (T - p) / sqrt(2p) (Cutting,
    Paindaveine and Verdebout 2017, Ann. Statist. 45, 1024-1058). Here T is referred to
    chi^2_p after matching the exact variance, T' = p + (T - p) / sqrt(1 - 1/n), which
    tends to both limits. Its size, by simulation (20000 samples each, nominal 0.05 /
    0.01): n = 5, p = 10: 0.047 / 0.006; n = 100, p = 10: 0.052 / 0.010; n = 2,
    p = 1000: 0.046 / 0.008; n = 3, p = 10000: 0.053 / 0.010; n = 200, p = 1000: 0.050 /
    0.010 (the plain chi^2_p gives 0.009 / 0.0005 at n = 2, p = 1000; Jupp's (2001)
    modified statistic, made for n -> infinity at fixed p, 0.028 / 0.003 there).
    With one row (n_eff_var <= 1) the test has no information: p-value 1."""
    p = float(p)
    T = p * n_eff_mean * rbar * rbar
    if n_eff_var <= 1.0 + 1e-12:
        return RayleighResult(T, 1.0, int(round(p)), n_eff_var)
    t = p + (T - p) / math.sqrt(1.0 - 1.0 / n_eff_var)
    pvalue = chi2_sf(t, p) if t > 0 else 1.0
    return RayleighResult(T, pvalue, int(round(p)), n_eff_var)


def weight_moments(weights, n):
    """(n_eff_mean, n_eff_var) = ((sum w)^2 / sum w^2, (sum w^2)^2 / sum w^4), both n
    without weights (NumPy, CuPy or Dask weights; divided by their maximum first)."""
    if weights is None:
        return float(n), float(n)
    w = weights
    if is_dask(w):
        w = w.astype(np.float64)
        wmax = w.max()
        s1, s2, s4 = ((w / wmax).sum(), ((w / wmax) ** 2).sum(), ((w / wmax) ** 4).sum())
        s1, s2, s4 = (float(v) for v in compute(s1, s2, s4))
    else:
        w = to_host(w).astype(np.float64)
        w = w / w.max()
        s1, s2, s4 = float(w.sum()), float((w * w).sum()), float((w ** 4).sum())
    return s1 * s1 / s2, s2 * s2 / s4


# --------------------------------------------------------------------------------------
# the result of a fit
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FitResult:
    """A vMF fit with its uncertainty (``logbessel.vmf.fit(X, return_result=True)``).

    mu, kappa       the estimates (as ``fit`` returns them)
    se_kappa        standard error of kappa: 1 / sqrt(n A_p'(kappa))
    se_mu           standard error (radians) of each of the p - 1 coordinates of mu_hat
                    orthogonal to mu: 1 / sqrt(n kappa A_p(kappa))
    n               rows (without weights) or the effective number (sum w)^2 / sum w^2
    p, method       dimension and estimator ("mle", "banerjee", ...)
    loglik          log-likelihood sum_i w_i log f(x_i) at (mu, kappa) (weights as given)
    rbar            mean resultant length ||sum w_i x_i|| / sum w_i
    total_weight    sum of the weights (n without weights)
    rayleigh        the Rayleigh test of uniformity of the same rows (``RayleighResult``)

    The standard errors are large-sample (n -> infinity) values from the information at
    the estimate (see the module ``logbessel._vmf_stats``); with weights the rows are taken
    as independent and the weights as fixed factors (integer weights are not read as
    repeated rows here). They are NaN where undefined (kappa = inf; mu for kappa = 0).
    """
    mu: object
    kappa: float
    se_kappa: float
    se_mu: float
    n: float
    p: int
    method: str
    loglik: float
    rbar: float
    total_weight: float
    rayleigh: RayleighResult = field(repr=False)

    def kappa_interval(self, level=0.95):
        """Wald interval kappa +- z se_kappa (z the two-sided normal quantile), its lower
        end clipped at 0."""
        z = math.sqrt(chi2_isf(1.0 - level, 1))
        return max(0.0, self.kappa - z * self.se_kappa), self.kappa + z * self.se_kappa

    def mu_cone(self, level=0.95):
        """Semi-angle (radians) of the confidence cone about mu_hat: n kappa A_p theta^2 ~
        chi^2_{p-1}, so theta = se_mu sqrt(chi^2_{p-1}(level)) (large n)."""
        return self.se_mu * math.sqrt(chi2_isf(1.0 - level, self.p - 1))


def standard_errors(p, kappa, n):
    """(se_kappa, se_mu) for n rows (see FitResult)."""
    kappa = float(kappa)
    if math.isinf(kappa):
        return math.nan, 0.0
    d = dA(p, kappa)
    se_kappa = 1.0 / math.sqrt(n * d) if d > 0 else math.inf
    if kappa == 0.0:
        return se_kappa, math.nan
    A = float(_iv_ratio(0.5 * p, kappa))
    return se_kappa, 1.0 / math.sqrt(n * kappa * A)
