"""The von Mises-Fisher distribution on the unit sphere S^{p-1} of R^p, in any dimension.

    f(x; mu, kappa) = C_p(kappa) exp(kappa mu^T x),   ||x|| = ||mu|| = 1,  kappa >= 0,
    log C_p(kappa)  = (p/2 - 1) log kappa - (p/2) log(2 pi) - log I_{p/2-1}(kappa).

Everything here is written once against an array namespace ``xp`` (NumPy, or CuPy when the
arguments are CuPy arrays) and rests on the package's log-space Bessel functions, so it works
where ratios and products of I_v overflow: p = 32768, kappa = 1e10, and so on.

Public API (the names of ``scipy.stats.vonmises_fisher`` where they overlap):

    log_normalizer(p, kappa)            log C_p(kappa), elementwise
    mean_resultant_length(p, kappa)     A_p(kappa) = I_{p/2}(kappa) / I_{p/2-1}(kappa)
    kappa_mle(rbar, p)                  the root kappa of A_p(kappa) = rbar, elementwise
    fit(X, weights=None, method="mle")  -> (mu, kappa) from rows of unit vectors
    fit(X, return_result=True)          -> FitResult: also standard errors, log-likelihood
    rayleigh_test(X, weights=None)      -> RayleighResult: test of uniformity
    VonMisesFisher(mu, kappa, seed=None)
        .logpdf(x) .pdf(x) .rvs(size=1, random_state=None) .entropy() .mean()

References
    Wood, A. T. A. (1994). Simulation of the von Mises Fisher distribution. Commun. Statist.
        Simul. Comput. 23(1), 157-164.
    Banerjee, A., Dhillon, I. S., Ghosh, J., Sra, S. (2005). Clustering on the unit
        hypersphere using von Mises-Fisher distributions. JMLR 6, 1345-1382.
    Tanabe, A., Fukumizu, K., Oba, S., Takenouchi, T., Ishii, S. (2007). Parameter
        estimation for von Mises-Fisher distributions. Comput. Statist. 22, 145-157.
    Sra, S. (2012). A short note on parameter approximation for von Mises-Fisher
        distributions. Comput. Statist. 27, 177-190.
    Song, H., Liu, J., Wang, G. (2012). High-order parameter approximation for von
        Mises-Fisher distributions. Appl. Math. Comput. 218, 11880-11890.
    Amos, D. E. (1974). Computation of modified Bessel functions and their ratios.
        Math. Comp. 28, 239-251 (the bounds on I_{v+1}/I_v used to bracket kappa).
    DLMF 10.25.2 (power series of I_v), 10.29.1-2 (recurrences), 10.33.1 (continued fraction).
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import iv_ratio as _iv_ratio
from . import iv_ratio_complement as _iv_ratio_complement
from . import _arrays, _vmf_fit, _vmf_stats
from ._arrays import UNIT_NORM_TOL
from ._vmf_core import (FIT_METHODS, kappa_mle, log_normalizer, mean_resultant_length,
                        vmf_log_normalizer as _vmf_log_normalizer)

from ._vmf_stats import FitResult, RayleighResult

__all__ = ["log_normalizer", "mean_resultant_length", "kappa_mle", "fit", "FIT_METHODS",
           "VonMisesFisher", "UNIT_NORM_TOL", "VonMisesFisherMixture", "rayleigh_test",
           "FitResult", "RayleighResult", "UniformityWarning"]

# log_normalizer, mean_resultant_length, kappa_mle and FIT_METHODS are defined in
# _vmf_core (the elementwise functions of (p, kappa)), UNIT_NORM_TOL in _arrays, the
# mixture in vmf_mixture; this module is the public vMF namespace on top of them (see
# _arrays for the order of the modules). The mixture samples with this module's sampler,
# so vmf_mixture comes after this module and VonMisesFisherMixture is loaded on first use.


def __getattr__(name):
    if name == "VonMisesFisherMixture":
        from .vmf_mixture import VonMisesFisherMixture
        globals()[name] = VonMisesFisherMixture
        return VonMisesFisherMixture
    raise AttributeError(f"module 'logbessel.vmf' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


# --------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------

class UniformityWarning(UserWarning):
    """``fit``: the rows look uniform on the sphere, or too few for the dimension, so
    kappa is mostly the upward bias of the MLE (see ``fit``)."""


# fit warns when the Rayleigh test's p-value exceeds this, or when more than this share
# of rbar^2 is expected from sampling noise alone (see fit's docstring)
UNIFORM_PVALUE = 0.05
NOISE_SHARE = 0.1


def _uniformity_warning(p, kappa, rbar, n_mean, n_var, stacklevel):
    """The UniformityWarning of fit, if any, and the Rayleigh test."""
    test = _vmf_stats.rayleigh(p, rbar, n_mean, n_var)
    if not (0.0 < rbar < 1.0) or n_var <= 1.0:
        return test
    share = (1.0 - rbar * rbar) / (n_mean * rbar * rbar)
    if test.pvalue > UNIFORM_PVALUE:
        warnings.warn(f"fit: the rows are consistent with the uniform distribution on the "
                      f"sphere (Rayleigh test p-value {test.pvalue:.3g} > {UNIFORM_PVALUE}; "
                      f"vmf.rayleigh_test): mu is then arbitrary and kappa = {kappa:.6g} "
                      f"comes from sampling noise (n = {n_mean:.6g} rows, p = {p})",
                      UniformityWarning, stacklevel=stacklevel)
    elif share > NOISE_SHARE:
        warnings.warn(f"fit: few rows for the dimension (n = {n_mean:.6g}, p = {p}): about "
                      f"{100 * share:.3g}% of rbar^2 is expected from sampling noise "
                      f"(E[rbar^2] = A^2 + (1 - A^2)/n), so kappa = {kappa:.6g} is biased "
                      f"upward", UniformityWarning, stacklevel=stacklevel)
    return test


def rayleigh_test(X, weights=None):
    """The Rayleigh test of uniformity on the sphere S^{p-1} for the rows of X (unit
    vectors, as for ``fit``; NumPy, CuPy or Dask): a ``RayleighResult`` with the statistic
    T = p n rbar^2 and its p-value (small: the rows have a preferred direction).

    Under uniformity E[T] = p and Var[T] = 2 p (1 - 1/n) exactly; T is referred to chi^2_p
    after matching that variance, which covers both n -> infinity (chi^2_p, Mardia and Jupp
    2000, sec. 10.4.1) and p -> infinity (the normal limit of Cutting, Paindaveine and
    Verdebout 2017), e.g. p = 100000 with n = 50; details and simulated sizes in
    ``logbessel._vmf_stats.rayleigh``. With weights, T = p ||sum w_i x_i||^2 / sum w_i^2 (the
    rows independent, the weights fixed factors: integer weights are not repeated rows).
    SciPy's chi-squared tail is used when SciPy is installed, else our own.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # kappa = inf or undefined mu
        _, _, rbar, _ = _vmf_fit.fit(X, weights, "banerjee", None, stacklevel=3)
    n, p = _shape(X)
    n_mean, n_var = _vmf_stats.weight_moments(weights, n)
    return _vmf_stats.rayleigh(p, rbar, n_mean, n_var)


def _shape(X):
    """(n, p) of X, also for nested lists (fit takes anything np.asarray takes)."""
    n, p = X.shape if hasattr(X, "shape") else np.shape(X)
    return int(n), int(p)


def fit(X, weights=None, method="mle", *, progress=None, return_result=False):
    """Fit a vMF distribution to the rows of X (unit vectors in R^p): returns (mu, kappa).

    mu = S / ||S|| with S = sum_i w_i x_i (w_i = 1 without weights), rbar = ||S|| / sum w_i,
    and kappa solves A_p(kappa) = rbar:

        "mle"       the maximum-likelihood kappa (``kappa_mle``: within 8.7e-16 relative
                    of 403 certified roots, p from 2 to 1e7; the tests allow 2e-15)
        "banerjee"  Banerjee et al. (2005): rbar (p - rbar^2) / (1 - rbar^2)
        "sra"       Sra (2012): two Newton steps from Banerjee's value
        "tanabe"    Tanabe et al. (2007): chord of the fixed-point map between its bounds
        "song"      Song et al. (2012): two Halley steps from Banerjee's value

    (the approximations are there for comparison; all use the accurate A_p of this package).
    mu is an array of the input's kind (NumPy or CuPy); kappa is a Python float.

    X: array of shape (n, p), n >= 1, p >= 2, every row of unit length within
    ``UNIT_NORM_TOL`` (1e-5 for float64), finite. weights: optional, shape (n,), finite,
    >= 0, not all zero. float32 data is accumulated in float64. Violations raise ValueError
    with the offending row or index. If all rows (with positive weight) are the same
    vector, rbar = 1 and kappa = inf; a RuntimeWarning says so. progress: optional
    callable, called with the fraction of rows processed (for long inputs).

    Cost: one pass over X (the unit-norm check and the sum share it, block by block),
    then a few evaluations of A_p. Works on memory-mapped arrays (np.load(mmap_mode="r"));
    a dask.array X is read once, as by ``logbessel.vmf_mixture.fit_dask``.

    return_result=True returns a ``FitResult`` instead: mu, kappa, their standard errors
    (se_kappa = 1/sqrt(n A_p'(kappa)), se_mu = 1/sqrt(n kappa A_p(kappa)) radians per
    direction; ``kappa_interval()``, ``mu_cone()``), n, p, method, the log-likelihood,
    rbar and the Rayleigh test (see ``logbessel._vmf_stats`` for the formulas).

    Few rows in high dimension: since E[rbar^2] = A_p(kappa)^2 + (1 - A_p(kappa)^2) / n for
    n independent rows, rbar overestimates A_p(kappa) and the MLE of kappa is biased
    upward, badly when n rbar^2 is not large: uniform rows (kappa = 0) at p = 100000,
    n = 50 give rbar ~ 1/sqrt(50) and kappa ~ 14000. No correction is applied (we know
    of no published one for general p). fit warns (``UniformityWarning``, a UserWarning)
    when the Rayleigh test finds the rows consistent with uniformity (p-value >
    ``UNIFORM_PVALUE`` = 0.05), or else when more than ``NOISE_SHARE`` = 10% of rbar^2 is
    expected from noise, (1 - rbar^2) / (n rbar^2) > 0.1 (kappa then biased up by
    roughly 5% or more). Filter the category to silence it.
    """
    mu, kappa, rbar, total = _vmf_fit.fit(X, weights, method, progress, stacklevel=3)
    n, p = _shape(X)
    if not return_result and weights is None and 0.0 < rbar < 1.0:
        # the warning needs rbar and n only; no extra pass over the data
        _uniformity_warning(p, kappa, rbar, float(n), float(n), 3)
        return mu, kappa
    n_mean, n_var = _vmf_stats.weight_moments(weights, n)
    test = _uniformity_warning(p, kappa, rbar, n_mean, n_var, 3)
    if not return_result:
        return mu, kappa
    se_kappa, se_mu = _vmf_stats.standard_errors(p, kappa, n_mean)
    if math.isinf(kappa):
        loglik = math.inf
    else:
        loglik = total * (float(log_normalizer(p, kappa)) + kappa * rbar)
    return FitResult(mu=mu, kappa=kappa, se_kappa=se_kappa, se_mu=se_mu, n=n_mean, p=int(p),
                     method=method, loglik=loglik, rbar=rbar, total_weight=total,
                     rayleigh=test)


# --------------------------------------------------------------------------------------
# entropy
# --------------------------------------------------------------------------------------

# The uniform (Debye) expansion of I_nu(kappa) in terms of r = sqrt(nu^2 + kappa^2), DLMF
# 10.41.3 with z = kappa/nu:  I_nu(kappa) = exp(r + nu log(kappa/(nu + r))) / sqrt(2 pi r)
# * (1 + sum_k P_k(q) / r^k),  q = (nu/r)^2,  P_k(q) = u_k(t) / t^k at t = nu/r (u_k of
# DLMF 10.41.10 holds the powers t^k, t^(k+2), ..., t^(3k)). Valid down to nu = 0 (the
# Hankel expansion). With _DEBYE_TERMS terms it is good to ~1e-17 for r >= _DEBYE_R_MIN.
_DEBYE_TERMS = 19
_DEBYE_R_MIN = 24.0
_debye_cache = []


def _debye_polynomials():
    """[P_1, ..., P_19], each a list of float coefficients in q, ascending; from the exact
    recurrence u_{k+1}(t) = t^2 (1 - t^2) u_k'(t) / 2 + (1/8) int_0^t (1 - 5 s^2) u_k(s) ds
    (DLMF 10.41.10) in rational arithmetic, rounded once (computed on first use, ~10 ms)."""
    if _debye_cache:
        return _debye_cache
    from fractions import Fraction
    u = {0: Fraction(1)}                     # u_k as {power of t: coefficient}
    for k in range(1, _DEBYE_TERMS + 1):
        nxt = {}
        for j, c in u.items():
            for power, coef in ((j + 1, c * j / 2 + c / (8 * (j + 1))),
                                (j + 3, -c * j / 2 - 5 * c / (8 * (j + 3)))):
                nxt[power] = nxt.get(power, 0) + coef
        u = nxt
        _debye_cache.append([float(u.get(k + 2 * i, 0)) for i in range(k + 1)])
    return _debye_cache


def _log_debye_factor(nu, r):
    """log(1 + sum_k P_k(q) / r^k), q = (nu/r)^2, for r >= _DEBYE_R_MIN (|sum| < 0.006)."""
    q = (nu / r) ** 2
    w = 1.0 / r
    s, wk = 0.0, 1.0
    for coefs in _debye_polynomials():
        wk *= w
        pk = 0.0
        for c in reversed(coefs):
            pk = pk * q + c
        term = pk * wk
        s += term
        if abs(term) < 1e-19:
            break
    return math.log1p(s)


_LOG_2PI = math.log(2.0 * math.pi)


def _entropy(p, kappa):
    """The differential entropy -log C_p(kappa) - kappa A_p(kappa) of vMF(p, kappa), for a
    float p >= 2 and a finite float kappa >= 0.

    Directly, the two terms are each ~kappa for large kappa and cancel to
    -(p-1)/2 log kappa + O(1) (at p = 3 the relative error was 4.7e-11 at kappa = 1e6 and
    the result 0.0 from kappa ~ 1e17, true -43.2 at 1e20). Where the uniform expansion holds
    (r = sqrt(nu^2 + kappa^2) >= 24, nu = p/2 - 1) the kappa-sized parts are cancelled
    analytically: with log C_p = nu log(nu + r) - r - (nu + 1/2) log 2 pi + log(r)/2 - lI
    (lI = log of the Debye factor) and kappa A_p = kappa - kappa (1 - A_p),
        H = -nu log(nu + r) + nu^2 / (r + kappa) + (nu + 1/2) log 2 pi - log(r)/2 + lI
            + kappa (1 - A_p(kappa)),
    r - kappa = nu^2 / (r + kappa) without cancellation, and 1 - A_p from
    ``iv_ratio_complement`` (full relative accuracy). What is left are terms of the size of
    H (or of (p/2) log p), so the result is good to a few eps of max(1, |H|). Below r = 24
    (kappa < 24 and p < 50) the direct form loses at most a factor ~15. Against arb
    (tests/reference/vmf_entropy.csv: p in {2, 3, 10, 2048, 1e6}, kappa in [1e-3,
    DBL_MAX]): max 12.7 eps of max(1, |H|), at p = 2, kappa = 23; 1.2 eps for p >= 2048.
    """
    p, kappa = float(p), float(kappa)
    if kappa == 0.0:
        return -float(_vmf_log_normalizer(p, 0.0))
    nu = 0.5 * p - 1.0
    r = math.hypot(nu, kappa)
    if r < _DEBYE_R_MIN:
        return -float(_vmf_log_normalizer(p, kappa)) - kappa * float(_iv_ratio(0.5 * p, kappa))
    if kappa > 1e20 * (nu + 1.0):
        # kappa (1 - A_p) = nu + 1/2 + O(nu^2 / kappa) (Hankel's expansion of the ratio,
        # DLMF 10.40.1): the rest is below 1e-20 (nu + 1/2) here, and 1 - A_p itself would
        # be subnormal near the top of the range
        k_comp = nu + 0.5
    else:
        k_comp = kappa * float(_iv_ratio_complement(0.5 * p, kappa))
    terms = (-nu * math.log(nu + r) if nu > 0 else 0.0,
             nu * nu / (r + kappa),
             (nu + 0.5) * _LOG_2PI,
             -0.5 * math.log(r),
             _log_debye_factor(nu, r),
             k_comp)
    return math.fsum(terms)


# --------------------------------------------------------------------------------------
# random numbers
# --------------------------------------------------------------------------------------

class _Draws:
    """Uniforms, normals and beta variates from numpy.random.Generator/RandomState or the
    CuPy equivalents, behind one interface."""

    def __init__(self, xp, random_state):
        self.xp = xp
        self.rng = self._make(xp, random_state)

    @staticmethod
    def _make(xp, rs):
        if xp is np:
            if rs is None or isinstance(rs, (numbers.Integral, np.random.SeedSequence)):
                return np.random.default_rng(rs)
            if isinstance(rs, (np.random.Generator, np.random.RandomState)):
                return rs
            raise TypeError("random_state must be None, an int, or a numpy.random.Generator "
                            f"(or RandomState); got {type(rs).__name__}")
        # CuPy
        if rs is None or isinstance(rs, numbers.Integral):
            return xp.random.default_rng(rs) if hasattr(xp.random, "default_rng") \
                else xp.random.RandomState(rs)
        if type(rs).__module__.startswith("cupy"):
            return rs
        raise TypeError("for CuPy arrays, random_state must be None, an int, or a "
                        f"cupy.random.Generator/RandomState; got {type(rs).__name__}")

    def uniform(self, m):
        r = self.rng
        return r.random(m) if hasattr(r, "random") else r.random_sample(m)

    def beta(self, a, m):
        return self.rng.beta(a, a, size=m)

    def normal_into(self, out):
        r = self.rng
        if self.xp is np and isinstance(r, np.random.Generator):
            r.standard_normal(out=out)
        else:
            out[...] = r.standard_normal(size=out.shape)


# Rounds of Wood's rejection loop before _wood_w gives up (see there for why it is never hit).
_WOOD_MAX_ROUNDS = 200


def _wood_envelope(p, kappa):
    """Wood's envelope parameter b = (p-1) / (2 k + sqrt(4 k^2 + (p-1)^2)) (his b multiplied
    through by its conjugate, so no cancellation for k >> p), together with k b and b 2^E,
    for every finite k >= 0 without overflow: for k > p - 1 both are formed from
    (p-1)/k <= 1, k b = (p-1) / (2 + sqrt(4 + ((p-1)/k)^2)), b = k b / k. Where b would be
    near the subnormal range (k > 2^900), E = 600 and b 2^E keeps every bit (b is then only
    used through b 2^E and 1 +- b). Returns (b, kb, bs = b 2^E, E)."""
    pm1 = p - 1.0
    if kappa == 0.0:
        return 1.0, 0.0, 1.0, 0
    if kappa <= pm1:
        b = pm1 / (2.0 * kappa + math.hypot(2.0 * kappa, pm1))
        return b, kappa * b, b, 0
    kb = pm1 / (2.0 + math.hypot(2.0, pm1 / kappa))
    e = 600 if kappa > 2.0 ** 900 else 0
    bs = kb / math.ldexp(kappa, -e)
    return kb / kappa, kb, bs, e


def _wood_w(p, kappa, n, draws):
    """n draws of t = 1 - w, w = mu^T x (the cosine to the mean), for p >= 2: Wood (1994).

    With the envelope parameter b (``_wood_envelope``) and x0 = (1-b)/(1+b), a proposal
    Z ~ Beta((p-1)/2, (p-1)/2) gives W = (1 - (1+b) Z) / (1 - (1-b) Z), accepted when
        k W + (p-1) log(1 - x0 W) - c >= log U,   c = k x0 + (p-1) log(1 - x0^2).
    Written out with den = 1 - (1-b) Z = (1 - Z) + b Z, every quantity is O(1) or a
    product of O(1) factors, for every k in [0, DBL_MAX] (no difference of numbers near 1,
    no k times a small number):
        1 - W  = 2 b Z / den,
        W - x0 = 2 b g,                 g = (1 - 2Z) / ((1 + b) den),
        log(1 - x0 W) - log(1 - x0^2) = log1p(-h),   h = (1 - b)(1 - 2Z) / (2 den),
    so the test is  2 (k b) g + (p-1) log1p(-h) >= log U. For k > 2^900, den and b are
    carried times 2^600 (b Z would otherwise be subnormal).

    Termination: each round redraws only the rejected proposals. A proposal is accepted
    with probability a(k, p) that decreases in k from 1 (k = 0) to its k -> inf limit,
    0.657 at p = 2, 0.68 at p = 3, 1/sqrt(2) for large p (measured with 4e5 proposals per
    point on a grid k in [0, DBL_MAX], p in [2, 1e6]: minimum 0.657). A draw is still
    pending after r rounds with probability (1 - a)^r < 0.35^r, below 1e-90 at the bound of
    200 rounds: for any n that fits in memory the bound is only reached if the test is
    broken (NaN everywhere), which is then reported instead of spinning.
    Returns 1 - w in [0, 2] (so that sqrt(1 - w^2) = sqrt((1-w)(1+w)) keeps its digits).
    """
    xp = draws.xp
    pm1 = p - 1.0
    b, kb, bs, e = _wood_envelope(p, kappa)
    scale = 2.0 ** e
    a = 0.5 * pm1
    t = xp.empty(n)
    todo = xp.arange(n)
    for _ in range(_WOOD_MAX_ROUNDS):
        m = todo.shape[0]        # redraw only the rejected ones
        if m == 0:
            return t
        z = draws.beta(a, m)
        u = draws.uniform(m)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            # (Z = 1 exactly, possible for small p, makes den = b: h and g can then be
            # infinite and the test NaN, i.e. a rejection; the target density there is
            # exp(-2k) times that of the mode.)
            den = (1.0 - z) * scale + bs * z
            one_m_w = (2.0 * bs) * z / den
            q = (1.0 - 2.0 * z) * scale / den
            lhs = (2.0 * kb) * (q / (1.0 + b)) + pm1 * xp.log1p(-(0.5 * (1.0 - b)) * q)
            ok = lhs >= xp.log(u)
        t[todo[ok]] = one_m_w[ok]
        todo = todo[~ok]
    if todo.shape[0] == 0:
        return t
    raise RuntimeError(f"rvs: Wood's rejection sampler accepted no proposal for "
                       f"{todo.shape[0]} of {n} draws in {_WOOD_MAX_ROUNDS} rounds (p = "
                       f"{p:g}, kappa = {kappa!r}); this should not happen, please report it")


def _p3_w(kappa, n, draws):
    """1 - w for p = 3 by inversion: the density of w is proportional to exp(k w) on
    [-1, 1], so with U uniform on [0, 1)
        1 - w = -log1p(U expm1(-2 k)) / k      (k > 0),      1 - w = 2 U  (k = 0),
    which is stable for small k (-> 2U) and large k (-> -log(1-U)/k)."""
    xp = draws.xp
    u = draws.uniform(n)
    if kappa == 0:
        return 2.0 * u
    t = -xp.log1p(u * math.expm1(-2.0 * float(kappa))) / kappa
    return xp.clip(t, 0.0, 2.0)


def _sample(mu, kappa, n, draws):
    """n x p samples: w from `_wood_w`/`_p3_w`, a uniform direction v orthogonal to e1 from
    normals, x = w e1 + sqrt(1 - w^2) v, reflected onto mu by one Householder reflection.

    To keep the reflection free of cancellation for every mu, u = e1 + s mu with
    s = sign(mu_1) (so ||u||^2 = 2 (1 + |mu_1|) >= 2) and H = I - 2 u u^T / ||u||^2 maps
    e1 to -s mu; the sample is built with first coordinate -s w, so H x has cosine w with
    mu. Per row, H x = x - c u with c = 2 (u . x) / ||u||^2: O(p) work and memory per
    sample, never a p x p matrix. On the CPU the rows are made in blocks that stay in
    cache (normals, norms, dot with mu, scale-and-add), so the cost is close to that of
    drawing the normals alone. The per-row sums (norms, dot with mu) are einsum loops, not
    BLAS calls: a threaded BLAS called on a block of a few rows leaves its threads spinning
    against the drawing of the next normals (rvs took 12x to 18x the normals' time, not
    1.1x to 1.7x, at p = 32768, n = 1000 on 2 cores with OpenBLAS at its default threads);
    so the cost, and the samples to the last bit, do not depend on the BLAS threads.
    """
    xp = draws.xp
    p = mu.shape[0]
    out = xp.empty((n, p), dtype=xp.float64)
    if n == 0:
        return out
    t = _p3_w(kappa, n, draws) if p == 3 else _wood_w(float(p), kappa, n, draws)
    w = 1.0 - t
    sin = xp.sqrt(t * (2.0 - t))               # sqrt(1 - w^2)
    mu0 = float(mu[0])
    s = 1.0 if mu0 >= 0 else -1.0
    # u = e1 + s mu = (1 + |mu_1|, s mu_2, ..., s mu_p); `tail` is (0, mu_2, ..., mu_p).
    tail = mu.copy()
    tail[0] = 0.0
    u0 = 1.0 + abs(mu0)
    uu = u0 * u0 + float(xp.einsum("j,j->", tail, tail))
    step = n if xp is not np else max(1, _arrays.ROW_BLOCK_ELEMS // (2 * p))
    scratch = None
    for i in range(0, n, step):
        blk = out[i:i + step]
        m = blk.shape[0]
        draws.normal_into(blk)
        blk[:, 0] = 0.0                       # v is drawn in the coordinates 2..p
        # (row sums by einsum, not BLAS: see the docstring)
        nsq = xp.einsum("ij,ij->i", blk, blk)
        if bool(xp.any(nsq == 0)):            # probability ~1e-16 per row at p = 2
            zero = xp.nonzero(nsq == 0)[0]
            blk[zero, 1] = 1.0
            nsq[zero] = 1.0
        scale = sin[i:i + m] / xp.sqrt(nsq)   # scale * blk is sqrt(1 - w^2) v
        first = -s * w[i:i + m]
        # u . x = u0 * first + s * scale * (tail . blk_row);  c = 2 (u . x) / ||u||^2
        c = (2.0 / uu) * (u0 * first + s * scale * xp.einsum("ij,j->i", blk, tail))
        blk *= scale[:, None]
        if xp is np:
            if scratch is None or scratch.shape[0] < m:
                scratch = np.empty((m, p))
            tmp = scratch[:m]
            np.multiply((s * c)[:, None], tail[None, :], out=tmp)
            blk -= tmp
        else:
            blk -= (s * c)[:, None] * tail[None, :]
        blk[:, 0] = first - c * u0
    return out


# --------------------------------------------------------------------------------------
# the distribution
# --------------------------------------------------------------------------------------

def _as_mu(mu):
    xp = _arrays.namespace(mu)
    m = xp.asarray(mu)
    if m.dtype.kind not in "fiu":
        raise ValueError(f"VonMisesFisher: mu must hold real numbers; got dtype {m.dtype}")
    m = m.astype(xp.float64)
    if m.ndim != 1:
        raise ValueError(f"VonMisesFisher: mu must be a 1-D unit vector; got shape "
                         f"{tuple(m.shape)}")
    if m.shape[0] < 2:
        raise ValueError(f"VonMisesFisher: mu must have at least 2 entries (p >= 2); got "
                         f"{m.shape[0]}")
    if not bool(xp.all(xp.isfinite(m))):
        raise ValueError("VonMisesFisher: mu contains NaN or inf")
    norm = float(xp.sqrt(m @ m))
    if abs(norm - 1.0) > UNIT_NORM_TOL[np.dtype(np.float64)]:
        raise ValueError(f"VonMisesFisher: mu must be a unit vector (| ||mu|| - 1 | <= "
                         f"{UNIT_NORM_TOL[np.dtype(np.float64)]:g}); got norm {norm:.6g}")
    return xp, m


def _size_shape(size):
    """The shape tuple of rvs's ``size``: None, a non-negative integer (Python or NumPy), or
    a tuple/list of them; anything else is a TypeError, a negative size a ValueError."""
    if size is None:
        return ()
    what = ("rvs: size must be a non-negative integer or a tuple of non-negative integers; "
            "got ")
    items = (size,) if not isinstance(size, (tuple, list)) else tuple(size)
    shape = []
    for s in items:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{what}{size!r} ({type(s).__name__})")
        if s < 0:
            raise ValueError(f"{what}{size!r}")
        shape.append(int(s))
    return tuple(shape)


class VonMisesFisher:
    """The vMF distribution with mean direction mu (unit vector in R^p, p >= 2) and
    concentration kappa >= 0 (kappa = 0: uniform on the sphere).

    Same method names and conventions as a frozen ``scipy.stats.vonmises_fisher(mu, kappa,
    seed)``, so it can be swapped in; unlike SciPy it stays finite and fast in high
    dimension (logpdf at p = 8192, rvs at p = 32768 without a p x p matrix). mu may be a
    NumPy or a CuPy array; results live on the same device.

        logpdf(x), pdf(x)   x of shape (..., p), unit vectors along the last axis
        rvs(size=1, random_state=None) -> array of shape (size..., p)
        entropy()           -log C_p(kappa) - kappa A_p(kappa)
        mean()              E[x] = A_p(kappa) mu
    """

    def __init__(self, mu, kappa=1.0, seed=None):
        self._xp, self.mu = _as_mu(mu)
        self.dim = int(self.mu.shape[0])
        try:
            k = float(kappa)
        except (TypeError, ValueError):
            raise ValueError(f"VonMisesFisher: kappa must be a real number >= 0; got "
                             f"{kappa!r}") from None
        if not (math.isfinite(k) and k >= 0):
            raise ValueError(f"VonMisesFisher: kappa must be finite and >= 0; got {k!r}")
        self.kappa = k
        self._seed = seed
        self._draws = None
        self._log_c = float(log_normalizer(self.dim, k))

    def __repr__(self):
        return f"VonMisesFisher(p={self.dim}, kappa={self.kappa!r})"

    # Pickling (multiprocessing, copy.deepcopy): the array module is stored by name, the
    # generator (if one was made) with its state, so a copy continues the same stream.
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_xp"] = "numpy" if self._xp is np else "cupy"
        draws = state.pop("_draws")
        state["_rng"] = None if draws is None else draws.rng
        return state

    def __setstate__(self, state):
        state = dict(state)
        xp = np
        if state.pop("_xp") == "cupy":
            import cupy as xp
        rng = state.pop("_rng")
        self.__dict__.update(state)
        self._xp = xp
        self._draws = None
        if rng is not None:
            self._draws = _Draws(xp, rng)

    @property
    def random_state(self):
        if self._draws is None:
            self._draws = _Draws(self._xp, self._seed)
        return self._draws.rng

    def _x(self, x, where):
        xp = self._xp
        x = xp.asarray(x, dtype=xp.float64)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"{where}: the last axis of x must have length p = {self.dim}; "
                             f"got shape {tuple(x.shape)}")
        norms = xp.sqrt(xp.sum(x * x, axis=-1))
        tol = UNIT_NORM_TOL[np.dtype(np.float64)]
        bad = ~(xp.abs(norms - 1.0) <= tol)
        if bool(xp.any(bad & xp.isfinite(norms))):
            raise ValueError(f"{where}: x must be unit vectors along the last axis "
                             f"(| ||x|| - 1 | <= {tol:g}); found a norm of "
                             f"{float(norms[bad & xp.isfinite(norms)].ravel()[0]):.6g}")
        return x

    def logpdf(self, x):
        """log f(x) = log C_p(kappa) + kappa mu^T x, over the last axis of x. NaN rows give
        NaN; rows not of unit length raise ValueError."""
        x = self._x(x, "logpdf")
        val = self._log_c + self.kappa * (x @ self.mu)
        return val[()] if val.ndim == 0 else val

    def pdf(self, x):
        """exp(logpdf(x)); underflows to 0 or overflows to inf where the density itself
        does (use logpdf in high dimension)."""
        return self._xp.exp(self.logpdf(x))

    def entropy(self):
        """Differential entropy -E[log f] = -log C_p(kappa) - kappa A_p(kappa) (nats), to a
        few eps of max(1, |H|) for every kappa and p (the kappa-sized terms are cancelled
        analytically; see ``_entropy``)."""
        return _entropy(float(self.dim), self.kappa)

    def mean(self):
        """The mean vector E[x] = A_p(kappa) mu (its length is the mean resultant length)."""
        return float(mean_resultant_length(self.dim, self.kappa)) * self.mu

    def rvs(self, size=1, random_state=None):
        """Random unit vectors, shape ``(size, p)`` (or ``size + (p,)`` for a tuple).

        random_state: None (the distribution's own generator, seeded by ``seed``), an int
        (a fresh ``default_rng(int)``: reproducible), or a ``numpy.random.Generator`` /
        ``RandomState`` (``cupy.random`` generators when mu is a CuPy array).
        The cosine w = mu^T x is exact for every kappa and p: inverse CDF for p = 3, Wood's
        (1994) rejection sampler otherwise (exact as rejection samplers are; p = 2
        included). O(size * p) time and memory.
        """
        shape = _size_shape(size)
        if random_state is None:
            if self._draws is None:
                self._draws = _Draws(self._xp, self._seed)
            draws = self._draws
        else:
            draws = _Draws(self._xp, random_state)
        n = int(np.prod(shape)) if shape else 1
        out = _sample(self.mu, self.kappa, n, draws)
        return out.reshape(shape + (self.dim,))
