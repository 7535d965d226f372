"""Inference for one vMF fit (logbessel._vmf_stats, vmf.fit(return_result=True),
vmf.rayleigh_test): A_p'(kappa) against arb, the chi-squared tail against arb, the standard
errors of kappa and mu against replicate fits, the Rayleigh test's size and power, and the
UniformityWarning of fit. About two seconds."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from logbessel import _vmf_stats, vmf
from refdata import EPS64
from vmf_helpers import random_mu

def _flint():
    return pytest.importorskip("flint")     # python-flint: the certified references


def _dA_arb(p, k):
    flint = _flint()
    flint.ctx.prec = 600
    nu = flint.arb(p) / 2 - 1
    K = flint.arb(k)
    A = K.bessel_i(nu + 1, scaled=True) / K.bessel_i(nu, scaled=True)
    d = 1 - A * A - (flint.arb(p) - 1) * A / K
    assert float(d.rad()) < 1e-25 * abs(float(d.mid()))
    return float(d.mid())


# (p, kappa): both sides of the switch at kappa = 1.5 (p-1)/2 and kappa = 25, the kappa >> p
# regime where 1 - A^2 - (p-1) A / kappa cancels to ~p/kappa^2, and large p
DA_POINTS = [(2, 1e-3), (2, 1.0), (2, 24.9), (2, 25.1), (2, 1e4), (2, 1e12), (3, 10.0),
             (3, 1e9), (5.5, 40.0), (10, 7.0), (10, 1e6), (100, 74.0), (100, 75.0),
             (100, 1e10), (2048, 1e3), (2048, 2.05e6), (32768, 3e4), (32768, 3.3e9),
             (1e6, 1e6), (1e6, 1e14), (1e7, 6.8e6), (1e7, 1e16),
             # just above the switch for p >= 1e6, where the series' unscaled coefficients
             # overflowed (-inf + inf: a ValueError before)
             (1e6, 7.6e5), (1e6, 8e5), (1e7, 7.6e6), (3e5, 2.3e5)]


@pytest.mark.parametrize("p,kappa", DA_POINTS)
def test_dA_against_arb(p, kappa):
    ref = _dA_arb(p, kappa)
    got = _vmf_stats.dA(p, kappa)
    # series (kappa >= 1.5 (p-1)/2, kappa >= 25): 5e-15 measured; elsewhere the loss grows
    # with max(p, kappa): measured 45 eps at p = 2, kappa = 24.9, 0.25 p eps at p = 1e7
    budget = (8 + 2 * max(p, min(kappa, 25.0))) * EPS64
    assert abs(got / ref - 1) <= budget, (got, ref)


def test_dA_limits():
    assert _vmf_stats.dA(7, 0.0) == 1 / 7          # A_p(k) ~ k/p
    assert _vmf_stats.dA(7, math.inf) == 0.0
    # the naive formula loses ~kappa: at kappa = 1e12 it has no correct digit left
    k, p = 1e12, 3.0
    assert abs(_vmf_stats.dA(p, k) * k * k - 1) < 1e-14   # A_3' = 1/k^2 - 1/sinh^2 k


@pytest.mark.parametrize("x,df", [(0.5, 1), (3.84, 1), (40.0, 3), (1e-3, 10), (120.0, 100),
                                  (80.0, 100), (1.02e5, 1e5), (9.9e4, 1e5), (300.0, 10)])
def test_chi2_tail_without_scipy_against_arb(x, df):
    flint = _flint()
    flint.ctx.prec = 200
    ref = float(flint.arb(x / 2).gamma_upper(flint.arb(df) / 2, regularized=1).mid())
    got = _vmf_stats._gamma_q(df / 2, x / 2)
    # the prefactor x^a e^-x / Gamma(a) in logs: terms of size ~a cancel (6e-11 at df = 1e5)
    assert abs(got - ref) <= (1e-12 + 1e-15 * df) * ref + 1e-300
    assert abs(_vmf_stats.chi2_sf(x, df) - ref) <= 1e-12 * ref + 1e-300


def test_chi2_isf_inverts_the_tail(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):     # the fallback used when SciPy is absent
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_scipy)
    for q, df in [(0.05, 1), (0.05, 4), (0.01, 99), (0.5, 1e4)]:
        x = _vmf_stats.chi2_isf(q, df)
        assert abs(_vmf_stats._gamma_q(df / 2, x / 2) / q - 1) < 1e-9
    assert abs(_vmf_stats.chi2_isf(0.05, 1) - 3.841458820694124) < 1e-9


# --------------------------------------------------------------------------------------
# standard errors against replicate fits
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p,kappa,n", [(3, 10.0, 100), (256, 600.0, 100)])
def test_standard_errors_match_replicate_fits(p, kappa, n):
    reps = 200
    mu = random_mu(p, 3)
    d = vmf.VonMisesFisher(mu, kappa)
    rng = np.random.default_rng(p)
    kappas, z_mu, covered = [], [], 0
    for _ in range(reps):
        r = vmf.fit(d.rvs(n, random_state=rng), return_result=True)
        kappas.append(r.kappa)
        theta = math.acos(min(1.0, float(r.mu @ mu)))
        z_mu.append(theta / r.se_mu)
        covered += theta <= r.mu_cone(0.95)
    se_kappa, se_mu = _vmf_stats.standard_errors(p, kappa, n)
    sd = float(np.std(kappas, ddof=1))
    # the sd of 200 replicates is itself uncertain by ~5%; asymptotics add O(1/n)
    assert abs(sd / se_kappa - 1) < 0.2, (sd, se_kappa)
    # n kappa A theta^2 ~ chi^2_{p-1}: mean p - 1
    mean_sq = float(np.mean(np.square(z_mu)))
    assert abs(mean_sq / (p - 1) - 1) < 0.2, mean_sq
    # the 95% cone covers mu in 95% of the replicates (binomial sd 1.5%)
    assert abs(covered / reps - 0.95) < 0.05


def test_fit_result_fields():
    p, kappa, n = 5, 10.0, 400
    mu = np.eye(p)[0]
    X = vmf.VonMisesFisher(mu, kappa).rvs(n, random_state=4)
    r = vmf.fit(X, return_result=True)
    mu0, k0 = vmf.fit(X)
    assert np.array_equal(r.mu, mu0) and r.kappa == k0          # same estimates
    assert (r.n, r.p, r.method, r.total_weight) == (n, p, "mle", n)
    assert r.rbar == pytest.approx(np.linalg.norm(X.sum(axis=0)) / n, rel=1e-14)
    ll = float(vmf.VonMisesFisher(r.mu, r.kappa).logpdf(X).sum())
    assert r.loglik == pytest.approx(ll, rel=1e-12)
    assert r.se_kappa == pytest.approx(1 / math.sqrt(n * _vmf_stats.dA(p, k0)), rel=1e-15)
    lo, hi = r.kappa_interval(0.95)
    assert lo == pytest.approx(k0 - 1.959963984540054 * r.se_kappa, rel=1e-12)
    assert r.rayleigh.pvalue < 1e-100
    # weights: the effective number (sum w)^2 / sum w^2; the estimates as without return_result
    w = np.r_[np.ones(n // 2), 3 * np.ones(n // 2)]
    rw = vmf.fit(X, w, return_result=True)
    assert rw.n == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-14)
    assert rw.kappa == vmf.fit(X, w)[1] and rw.total_weight == pytest.approx(w.sum(), rel=1e-15)
    # nested lists work as before (fit takes what np.asarray takes)
    rows = [[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.96, 0.28]]
    rl = vmf.fit(rows, [1, 2, 1, 1], return_result=True)
    assert rl.p == 2 and rl.kappa == vmf.fit(np.array(rows), np.array([1, 2, 1, 1.0]))[1]
    assert vmf.rayleigh_test(rows).df == 2
    # undefined pieces are NaN, not errors
    with pytest.warns(RuntimeWarning):
        ri = vmf.fit(np.tile(mu, (3, 1)), return_result=True)
    assert ri.kappa == math.inf and math.isnan(ri.se_kappa) and ri.se_mu == 0.0


# --------------------------------------------------------------------------------------
# the Rayleigh test and fit's warning
# --------------------------------------------------------------------------------------

def _uniform(n, p, rng):
    X = rng.standard_normal((n, p))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.mark.parametrize("n,p", [(20, 3), (5, 50), (30, 2000)])
def test_rayleigh_size(n, p):
    # p-values of uniform samples are uniform: 400 samples, KS-like check on the deciles
    rng = np.random.default_rng(n + p)
    pv = np.array([vmf.rayleigh_test(_uniform(n, p, rng)).pvalue for _ in range(400)])
    assert abs(np.mean(pv < 0.05) - 0.05) < 0.035        # binomial sd 0.011
    assert abs(np.mean(pv < 0.5) - 0.5) < 0.1


def test_rayleigh_statistic_and_power():
    rng = np.random.default_rng(0)
    X = _uniform(40, 6, rng)
    t = vmf.rayleigh_test(X)
    assert t.statistic == pytest.approx(6 * 40 * (np.linalg.norm(X.mean(axis=0)) ** 2), rel=1e-13)
    assert t.df == 6 and t.n == 40
    # the p-value: chi^2_6 tail of 6 + (T - 6) / sqrt(1 - 1/40)
    flint = _flint()
    flint.ctx.prec = 200
    x = 6 + (t.statistic - 6) / math.sqrt(1 - 1 / 40)
    assert t.pvalue == pytest.approx(float(flint.arb(x / 2).gamma_upper(3, regularized=1).mid()),
                                     rel=1e-12)
    Y = vmf.VonMisesFisher(np.eye(6)[0], 2.0).rvs(200, random_state=1)   # weak concentration
    assert vmf.rayleigh_test(Y).pvalue < 1e-6
    # one row: no information
    assert vmf.rayleigh_test(X[:1]).pvalue == 1.0
    # weights are fixed factors of independent rows: T = p ||sum w x||^2 / sum w^2
    w = np.linspace(0.1, 2, 40)
    tw = vmf.rayleigh_test(X, weights=w)
    S = w @ X
    assert tw.statistic == pytest.approx(6 * (S @ S) / (w @ w), rel=1e-12)
    assert tw.n == pytest.approx((w @ w) ** 2 / (w ** 4).sum(), rel=1e-12)


def test_fit_warns_on_uniform_high_dimensional_data():
    rng = np.random.default_rng(0)
    X = _uniform(50, 100000, rng)
    assert vmf.rayleigh_test(X).pvalue > 0.05        # (true for 95% of the seeds)
    with pytest.warns(vmf.UniformityWarning, match=r"consistent with the uniform distribution "
                                                   r"on the sphere \(Rayleigh test p-value"):
        _, kappa = vmf.fit(X)
    assert kappa > 1e4            # the upward bias the warning is about
    assert issubclass(vmf.UniformityWarning, UserWarning)


def test_fit_warns_when_noise_dominates_rbar():
    # concentrated (the test rejects uniformity) but n rbar^2 small: bias warning
    p, n = 20000, 20
    X = vmf.VonMisesFisher(random_mu(p, 2), 3000.0).rvs(n, random_state=5)
    r = vmf.rayleigh_test(X)
    assert r.pvalue < 0.05
    with pytest.warns(vmf.UniformityWarning, match=r"few rows for the dimension .* biased upward"):
        vmf.fit(X)


def test_fit_is_silent_on_clearly_concentrated_data():
    X = vmf.VonMisesFisher(random_mu(2048, 1), 4000.0).rvs(300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vmf.fit(X)
        vmf.fit(X, np.ones(300), return_result=True)
