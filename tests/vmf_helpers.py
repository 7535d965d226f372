"""Helpers shared by the tests of the vMF layer (test_vmf, test_vmf_mixture,
test_vmf_dask, test_torch_vmf, test_numpyro_vmf): random directions and samples, the exact
law of the angle to the mean direction (for goodness-of-fit tests of the sampler), its
implicit reparameterization gradient by mpmath quadrature, and the expected mean resultant
length of a sample."""
from __future__ import annotations

import math

import numpy as np

from logbessel import vmf


def log_c0(p):
    """log C_p(0) = log Gamma(p/2) - log 2 - (p/2) log pi, at 40 digits (mpmath's loggamma;
    evaluating it in double would carry ~1 ulp of lgamma(p/2) ~ 10, i.e. 8 eps, near p = 17
    where the result is ~ -0.87)."""
    import mpmath
    with mpmath.workdps(40):
        a = mpmath.mpf(p) / 2
        return float(mpmath.loggamma(a) - mpmath.log(2) - a * mpmath.log(mpmath.pi))


def log_area(d):
    """log of the area of the unit sphere S^{d-1} in R^d, 2 pi^(d/2) / Gamma(d/2)."""
    return math.log(2) + (d / 2) * math.log(math.pi) - math.lgamma(d / 2)


def theta_log_density(p, kappa, theta):
    """log of the density of the angle theta = arccos(mu^T x) on [0, pi], normalised with
    vmf.log_normalizer: C_p(k) e^{k cos t} |S^{p-2}| sin^{p-2} t."""
    lc = float(vmf.log_normalizer(p, kappa))
    with np.errstate(divide="ignore"):
        sin_term = 0.0 if p == 2 else (p - 2) * np.log(np.sin(theta))
    return lc + kappa - 2.0 * kappa * np.sin(theta / 2) ** 2 + log_area(p - 1) + sin_term


def theta_grid(p, kappa, levels=2, n=200_001):
    """A grid over [0, pi] refined (twice) onto the region where the density is within
    e^-80 of its maximum, so that the trapezoid rule resolves any concentration."""
    lo, hi = 0.0, math.pi
    for _ in range(levels):
        t = np.linspace(lo, hi, 20_001)
        ld = theta_log_density(p, kappa, t)
        keep = np.nonzero(ld >= np.max(ld) - 80)[0]
        i0, i1 = max(keep[0] - 1, 0), min(keep[-1] + 1, t.size - 1)
        lo, hi = t[i0], t[i1]
    t = np.linspace(lo, hi, n)
    return t, theta_log_density(p, kappa, t)


def theta_cdf(p, kappa):
    t, ld = theta_grid(p, kappa)
    m = np.max(ld)
    f = np.exp(ld - m)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(t))])
    log_total = m + math.log(cum[-1])
    cdf = cum / cum[-1]
    return t, cdf, log_total


def dtheta_dkappa_reference(p, kappa, theta, dps=30):
    """d theta/d kappa = -(d/d kappa of the CDF of theta)/(its density), by mpmath
    quadrature of the form whose integrand has one sign (the other cancels); A = E[cos]
    from the same quadrature (no logbessel). The pieces of the quadrature are steps of the
    width of the distribution, 1/sqrt(kappa + p), around its mode
    cos(mode) = 2 kappa / (p - 2 + sqrt((p - 2)^2 + 4 kappa^2))."""
    import mpmath
    with mpmath.workdps(dps):
        k, th = mpmath.mpf(kappa), mpmath.mpf(theta)

        def ell(t):
            return k * mpmath.cos(t) + ((p - 2) * mpmath.log(mpmath.sin(t)) if p > 2 else 0)

        mode = mpmath.acos(2 * k / (p - 2 + mpmath.sqrt((p - 2) ** 2 + 4 * k * k))) \
            if p > 2 or kappa > 0 else mpmath.pi / 2
        w = 1 / mpmath.sqrt(k + p)
        pts = sorted({mpmath.mpf(0), mpmath.pi, th}
                     | {mode + j * w for j in range(-40, 41) if 0 < mode + j * w < mpmath.pi})
        lm = ell(mode) if 0 < mode < mpmath.pi else ell(pts[1])
        f = lambda t: mpmath.exp(ell(t) - lm)  # noqa: E731
        A = mpmath.quad(lambda t: mpmath.cos(t) * f(t), pts) / mpmath.quad(f, pts)
        g = lambda t: (mpmath.cos(t) - A) * mpmath.exp(ell(t) - ell(th))  # noqa: E731
        if mpmath.cos(th) >= A:
            return float(-mpmath.quad(g, [q for q in pts if q <= th]))
        return float(-mpmath.quad(lambda t: -g(t), [q for q in pts if q >= th]))


def ks_pvalue(samples, cdf_values_sorted):
    """Kolmogorov-Smirnov p-value (asymptotic distribution with Stephens' small-sample
    correction) of sorted samples whose model CDF values are given."""
    n = cdf_values_sorted.size
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - cdf_values_sorted), np.max(cdf_values_sorted - (i - 1) / n))
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    k = np.arange(1, 101)
    p = 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k * k * lam * lam))
    return float(min(max(p, 0.0), 1.0)), d


def angles(X, mu):
    """theta = arccos(mu^T x) without cancellation near 0: 2 asin(||x - mu|| / 2)."""
    dist = np.linalg.norm(X - mu, axis=1)
    return 2.0 * np.arcsin(np.minimum(dist / 2.0, 1.0))


def check_vmf_draws(X, mus, kappas, p):
    """Draws X (n, B, p) of B vMF distributions (rows of mus, kappas): the angle to each
    mu against its exact CDF (KS p-value > 1e-3), and the mean resultant length against
    sqrt(A^2 + (1 - A^2)/n) within 5 standard errors sqrt(A'/n)."""
    from logbessel import iv_ratio
    from logbessel._vmf_stats import dA
    n = X.shape[0]
    for j, (mu, k) in enumerate(zip(mus, kappas)):
        theta = np.sort(angles(X[:, j], mu))
        grid, cdf, _ = theta_cdf(p, k)
        pval, dist = ks_pvalue(theta, np.interp(theta, grid, cdf))
        assert pval > 1e-3, (p, k, pval, dist)
        rbar = np.linalg.norm(X[:, j].mean(axis=0))
        A = float(iv_ratio(p / 2, k))
        expect, se = math.sqrt(A * A + (1 - A * A) / n), math.sqrt(dA(p, k) / n)
        assert abs(rbar - expect) < 5 * se + 1e-12, (p, k, rbar, expect, se)


def random_mu(p, seed):
    """A random unit vector in R^p from the seed (uniform on the sphere)."""
    mu = np.random.default_rng(seed).standard_normal(p)
    return mu / np.linalg.norm(mu)


def expected_rbar(p, kappa, n):
    """E ||sum x_i||^2 = n + n (n-1) A^2, so rbar ~ sqrt(A^2 + (1 - A^2)/n); its standard
    error is about sqrt(A'(kappa) / n) (the variance of mu^T x is A')."""
    A = float(vmf.mean_resultant_length(p, kappa))
    if kappa > 1e3 * p * p:
        # A' = 1 - A^2 - (p-1) A/kappa cancels completely in double for kappa >> p (to 0 at
        # kappa = 1e12, p = 10, which made the tolerance 0); there A = 1 - (p-1)/(2 kappa)
        # - (p-1)(p-3)/(8 kappa^2) + ..., so A' = (p-1)/(2 kappa^2) (1 + (p-3)/(2 kappa) + ...)
        dA = (p - 1) / (2 * kappa * kappa) * (1 + (p - 3) / (2 * kappa))
    else:
        dA = max((1 - A) * (1 + A) - (p - 1) * A / kappa, 0.0)
    return math.sqrt(A * A + (1 - A * A) / n), math.sqrt(dA / n)


def sample_vmf(mu, kappa, n, rng):
    """n draws of vMF(mu, kappa) (the package's sampler, tested in test_vmf.py)."""
    return np.asarray(vmf.VonMisesFisher(mu, kappa).rvs(n, random_state=rng))


def random_directions(k, p, rng):
    """k random unit vectors in R^p (uniform on the sphere), as rows."""
    m = rng.standard_normal((k, p))
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def sample_mixture(means, kappas, counts, rng):
    X = np.vstack([sample_vmf(m, kap, c, rng) for m, kap, c in zip(means, kappas, counts)])
    labels = np.repeat(np.arange(len(counts)), counts)
    perm = rng.permutation(len(labels))
    X = X[perm]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, labels[perm]


def match(fitted_means, true_means):
    """Permutation taking true component j to the fitted component it matches."""
    sim = np.asarray(fitted_means) @ np.asarray(true_means).T
    order = np.argmax(sim, axis=0)
    assert len(set(order.tolist())) == len(order), "two true components matched one fit"
    return order


def same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))
