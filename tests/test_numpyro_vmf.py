"""logbessel.numpyro's von Mises-Fisher distribution. Skipped without jax or numpyro.

The references: log_prob against logbessel.vmf (tested against arb in test_vmf.py); the
entropy against the certified table tests/reference/vmf_entropy.csv; A_p'(kappa) against
arb; the law of the sampled angle against its CDF integrated numerically
(vmf_helpers.theta_cdf); the implicit gradient d theta/d kappa against mpmath quadrature at
30 digits; the gradients of samples against the exact derivatives of E[x] = A_p(kappa) mu,
within their sampling error; the KL against Monte Carlo estimates, within theirs; an SVI fit
against the exact posterior (the vMF likelihood with a uniform prior is conjugate).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import logbessel as lb
from logbessel import vmf
from logbessel._vmf_stats import dA
from refdata import EPS64, load, log_error
from vmf_helpers import check_vmf_draws, dtheta_dkappa_reference, random_mu

EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def lbn(numpyro):
    import logbessel.numpyro as mod
    return mod


@pytest.fixture(scope="module")
def jnp(jax):
    import jax.numpy
    return jax.numpy


def _key(jax, seed):
    return jax.random.key(seed)


# --------------------------------------------------------------------------------------
# log_prob, entropy, A_p', mean, shapes
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, 3, 10, 1000, 32768])
def test_log_prob_matches_numpy(jnp, lbn, p):
    rng = np.random.default_rng(p)
    kappas = np.array([0.0, 1e-8, 0.7, 40.0, 3000.0, 1e6])
    mus = np.stack([random_mu(p, 10 * p + i) for i in range(len(kappas))])
    d = lbn.VonMisesFisher(jnp.asarray(mus), jnp.asarray(kappas))
    assert d.batch_shape == (len(kappas),) and d.event_shape == (p,)
    X = np.stack([vmf.VonMisesFisher(m, 50.0).rvs(4, random_state=rng) for m in mus], axis=1)
    lp = np.asarray(d.log_prob(jnp.asarray(X)))                  # (4, len(kappas))
    assert lp.dtype == np.float64
    for j, (m, k) in enumerate(zip(mus, kappas)):
        ref = vmf.VonMisesFisher(m, k).logpdf(X[:, j])
        # log C_p + kappa mu^T x: the sum carries eps |log C_p| + eps kappa of rounding
        tol = 4 * EPS64 * (abs(float(vmf.log_normalizer(p, k))) + k) + 1e-14 * np.abs(ref)
        assert np.all(np.abs(lp[:, j] - ref) <= tol), (k, lp[:, j], ref)


def test_entropy_against_certified_table(jnp, lbn):
    # the rows of the arb table inside the range of the distribution (p <= 32768,
    # kappa <= 1e6); the budget of logbessel.vmf's entropy (test_vmf.ENTROPY_BUDGET)
    p, k, hi, lo, _ = load("vmf_entropy")
    keep = (p <= 32768) & (k <= 1e6)
    assert keep.sum() > 100
    worst = 0.0
    for pp in np.unique(p[keep]):
        sel = keep & (p == pp)
        got = np.asarray(lbn.VonMisesFisher(jnp.eye(int(pp))[0], jnp.asarray(k[sel])).entropy())
        err = log_error(got, hi[sel], lo[sel]) / EPS64
        worst = max(worst, err.max())
    assert worst <= 16.0, worst


def _dA_arb(p, k):
    flint = pytest.importorskip("flint")     # python-flint: the certified reference
    flint.ctx.prec = 600
    K = flint.arb(k)
    nu = flint.arb(p) / 2 - 1
    A = K.bessel_i(nu + 1, scaled=True) / K.bessel_i(nu, scaled=True)
    d = 1 - A * A - (flint.arb(p) - 1) * A / K
    assert float(d.rad()) < 1e-25 * abs(float(d.mid()))
    return float(d.mid())


# (p, kappa): the Taylor branch, both sides of the series threshold k_s(p) (25 for p <= 17,
# ~1.5 (p - 1) above), kappa >> p, and large p
DA_POINTS = [(2, 1e-3), (2, 24.9), (2, 25.1), (2, 1e4), (3, 10.0), (3, 1e6), (10, 5e-5),
             (10, 7.0), (10, 1e6), (100, 140.0), (100, 160.0), (2048, 1e3), (2048, 1e6),
             (32768, 3e4), (32768, 1e6)]


def test_dA_against_arb(jax, jnp, lbn):
    dA_jit = jax.jit(lbn._dA, static_argnums=0)
    for p in sorted({p for p, _ in DA_POINTS}):
        ks = [k for q, k in DA_POINTS if q == p]
        got = np.asarray(dA_jit(p, jnp.asarray(ks)))
        got32 = np.asarray(dA_jit(p, jnp.asarray(ks, jnp.float32))) if p in (2, 10, 2048) \
            else [None] * len(ks)
        for k, g, g32 in zip(ks, got, got32):
            ref = _dA_arb(p, k)
            # the series (kappa >= k_s(p)) and the Taylor branch keep full accuracy; between,
            # A_p (1/kappa - (A_p - A_{p+2})) loses ~max(p, min(kappa, 25)) eps
            series = k >= lbn._dA_series(p)[0] or k < 1e-4
            budget = 8.0 if series else 8 + 2 * max(p, min(k, 25.0))
            assert abs(g / ref - 1) <= budget * EPS64, (p, k, g, ref)
            if series and g32 is not None:   # float32 (the closed form has no digit left)
                assert abs(g32 / ref - 1) <= 8 * EPS32, (p, k, g32, ref)
    # the gradient of the mean is A_p'(kappa) loc
    mu = jnp.asarray(random_mu(5, 0))
    g = jax.grad(lambda k: lbn.VonMisesFisher(mu, k).mean @ mu)(3.0)
    assert abs(g / dA(5, 3.0) - 1) < 1e-13


def test_mean_mode_shapes_expand_and_errors(jax, jnp, lbn, numpyro):
    p = 50
    kappas = np.array([0.0, 1e-3, 10.0, 1e4, 1e6])
    mu = random_mu(p, 1)
    d = lbn.VonMisesFisher(jnp.asarray(mu), jnp.asarray(kappas))
    A = lb.iv_ratio(p / 2, kappas)
    np.testing.assert_allclose(np.asarray(d.mean), A[:, None] * mu[None, :], rtol=1e-15,
                               atol=0)
    assert d.mode.shape == (5, p) and np.array_equal(np.asarray(d.mode[2]), mu)
    assert d.has_rsample and d.support is numpyro.distributions.constraints.sphere
    # shapes, float32, expand, a pytree through jit, vmap over the concentration
    loc = jnp.asarray(np.stack([random_mu(5, i) for i in range(3)])[:, None], jnp.float32)
    d = lbn.VonMisesFisher(loc, jnp.ones(4, jnp.float32))
    assert d.batch_shape == (3, 4) and d.event_shape == (5,)
    x = d.sample(_key(jax, 1), (2,))
    assert x.shape == (2, 3, 4, 5) and x.dtype == jnp.float32
    assert float(jnp.max(jnp.abs(jnp.linalg.norm(x, axis=-1) - 1))) < 4 * EPS32
    assert bool(jnp.all(numpyro.distributions.constraints.sphere(x)))
    lp = d.log_prob(x)
    assert lp.shape == (2, 3, 4) and lp.dtype == jnp.float32
    e = d.expand((7, 3, 4))
    assert type(e) is lbn.VonMisesFisher and e.batch_shape == (7, 3, 4)
    assert lbn.VonMisesFisher.infer_shapes((3, 1, 5), (4,)) == ((3, 4), (5,))
    assert np.array_equal(np.asarray(jax.jit(lambda dist: dist.log_prob(x))(d)),
                          np.asarray(lp))
    # a distribution of batch shape () inside vmap
    lps = jax.vmap(lambda k: lbn.VonMisesFisher(loc[0, 0], k).log_prob(x[0, 0]))(
        jnp.array([1.0, 100.0], jnp.float32))
    assert lps.shape == (2, 4) and bool(jnp.all(jnp.isfinite(lps)))
    assert lbn.VonMisesFisher(loc[0, 0], 2.0).batch_shape == ()
    with pytest.raises(ValueError, match="p >= 2"):
        lbn.VonMisesFisher(jnp.ones((3, 1)), 1.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        lbn.VonMisesFisher(loc[:, 0], jnp.ones(4))
    # numpyro's argument and support checks
    with pytest.raises(ValueError, match="loc"):
        lbn.VonMisesFisher(jnp.array([1.0, 1.0]), 1.0, validate_args=True)
    with pytest.raises(ValueError, match="concentration"):
        lbn.VonMisesFisher(jnp.array([1.0, 0.0]), -1.0, validate_args=True)
    d = lbn.VonMisesFisher(jnp.array([1.0, 0.0]), 1.0, validate_args=True)
    with pytest.warns(UserWarning, match="Out-of-support"):
        assert d.log_prob(jnp.array([2.0, 0.0])) == -np.inf


def test_import_does_not_load_jax_or_numpyro():
    import subprocess
    import sys
    code = ("import sys, logbessel, logbessel.vmf\n"
            "print('jax' in sys.modules, 'numpyro' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, kappas, n, x64", [
    (3, [2.0, 1e6], 4000, True), (10, [5.0, 0.0], 4000, False), (1000, [1000.0], 2000, True),
    (32768, [40000.0], 600, True)])
def test_samples_ks_and_mean_resultant_length(jax, jnp, lbn, p, kappas, n, x64):
    # x64 False: jax's default configuration, everything (the angle included) in float32
    mus = np.stack([random_mu(p, p + i) for i in range(len(kappas))])
    with jax.enable_x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        d = lbn.VonMisesFisher(jnp.asarray(mus, dtype), jnp.asarray(kappas, dtype))
        X = jax.jit(d.sample, static_argnums=1)(_key(jax, p), (n,))          # (n, B, p)
        assert X.dtype == dtype
    X = np.asarray(X, np.float64)
    eps = float(np.finfo(dtype).eps)
    assert np.max(np.abs(np.linalg.norm(X, axis=-1) - 1)) < 4 * eps
    check_vmf_draws(X, mus, kappas, p)


def test_gamma_steps_of_the_sampler(jax, jnp, lbn):
    # the Beta(a, a) variates of Wood's sampler come from two gammas by Marsaglia and
    # Tsang's method (a = (p - 1)/2; a = 1/2, p = 2, through Gamma(3/2) U^2) drawn inside
    # the rejection loop: their law against SciPy's gamma CDF, in both dtypes
    stats = pytest.importorskip("scipy.stats")

    @jax.jit
    def draw(u):
        x = lbn._box_muller(u[0], u[1])[0]
        return [lbn._gamma_proposal(x, u[2], u[3], a) for a in (0.5, 4.5, 16383.5)]

    for dtype in (jnp.float64, jnp.float32):
        u = jax.random.uniform(_key(jax, 9), (4, 50000), dtype)
        for a, (g, ok) in zip((0.5, 4.5, 16383.5), draw(u)):
            ok = np.asarray(ok)
            assert ok.mean() > 0.95, (a, ok.mean())
            g = np.asarray(g, np.float64)[ok]
            assert stats.kstest(g, stats.gamma(a).cdf).pvalue > 1e-3, (a, dtype)


# --------------------------------------------------------------------------------------
# the implicit reparameterization gradient
# --------------------------------------------------------------------------------------

# (p, kappa, theta): p = 2 (no sine factor), kappa = 0, kappa >> p (a spike of width 1e-3),
# theta on both sides of arccos A (the two forms of the integral), and p = 32768
DTHETA_POINTS = [(2, 50.0, 0.05), (10, 0.0, 1e-5), (10, 0.0, 2.0), (100, 1e6, 0.0101),
                 (32768, 1000.0, 1.54)]


def test_dtheta_dkappa_against_quadrature(jax, jnp, lbn):
    dtheta = jax.jit(lbn._dtheta_dkappa, static_argnums=0)
    for p, kappa, theta in DTHETA_POINTS:
        comp = float(lb.iv_ratio_complement(p / 2, kappa))
        got = float(dtheta(p, jnp.asarray([theta]), jnp.asarray([kappa]),
                           jnp.asarray([comp]))[0])
        ref = dtheta_dkappa_reference(p, kappa, theta)
        assert abs(got - ref) <= 1e-13 * abs(ref), (p, kappa, theta, got, ref)


def test_sample_gradients(jax, jnp, lbn):
    # one distribution per draw (batch (n, 2, K)), so that the gradient of the sum over
    # draws of m_j^T x_ijb in concentration[i, j, b] and loc[i, j, b] is that of one draw:
    #   d/dkappa E[m^T x] = A_p'(kappa) mu^T m       (E[x] = A_p(kappa) mu)
    #   d/dloc   E[m^T x] = A_p(kappa) (I - mu mu^T) m   (the sample uses loc/||loc||)
    # with m_0 = mu0 (a general direction) and m_1 = mu: the radial part alone, whose
    # estimate has no noise from the direction orthogonal to mu, so the check keeps its
    # power for kappa >> p
    p, kappas = 10, [0.0, 8.0, 300.0, 1e5]
    n, K = 4000, len(kappas)
    mu = random_mu(p, 7)
    r = random_mu(p, 8)
    mu0 = 2.0 * mu + (r - (r @ mu) * mu) / np.linalg.norm(r - (r @ mu) * mu)
    m = np.stack([mu0, mu])                                        # (2, p)
    tangent = mu0 - (mu @ mu0) * mu

    def f(k, loc):
        x = lbn.VonMisesFisher(loc, k).sample(_key(jax, p))       # (n, 2, K, p)
        return jnp.sum(x * jnp.asarray(m)[:, None, :])

    k0 = jnp.asarray(np.broadcast_to(kappas, (n, 2, K)))
    loc0 = jnp.asarray(np.broadcast_to(mu, (n, 2, K, p)))
    gk, gl = (np.asarray(g) for g in jax.jit(jax.grad(f, argnums=(0, 1)))(k0, loc0))
    assert np.all(np.isfinite(gk)) and np.all(np.isfinite(gl))
    assert np.max(np.abs(gl @ mu)) < 1e-13                # no radial part, draw by draw
    for b, kappa in enumerate(kappas):
        for j in range(2):
            exact = dA(p, kappa) * float(mu @ m[j])
            g = gk[:, j, b]
            se = g.std() / math.sqrt(n)
            assert abs(g.mean() - exact) < 4.5 * se, (kappa, j, g.mean(), exact, se)
            if j == 1 or kappa <= 300:
                assert se < 0.1 * abs(exact), (kappa, j, se, exact)   # the check has power
        A = float(lb.iv_ratio(p / 2, kappa))
        g = gl[:, 0, b]
        z = (g.mean(axis=0) - A * tangent) / (g.std(axis=0) / math.sqrt(n))
        assert np.max(np.abs(z)) < 4.5, (kappa, z)
        proj = g @ (tangent / np.linalg.norm(tangent))
        se = proj.std() / math.sqrt(n)
        assert abs(proj.mean() - A * np.linalg.norm(tangent)) < 4.5 * se
        if A > 0.5:
            assert se < 0.1 * A * np.linalg.norm(tangent)       # the check has power


def test_check_grads_log_prob_entropy_kl(jax, jnp, lbn, numpyro):
    from jax.test_util import check_grads
    from numpyro.distributions import kl_divergence
    p = 6
    mus = np.stack([random_mu(p, i) for i in range(3)])
    loc1, loc2 = jnp.asarray(mus), jnp.asarray(mus[::-1].copy())
    k1 = jnp.array([0.3, 12.0, 400.0])
    k2 = jnp.array([5.0, 0.01, 350.0])
    x = jnp.asarray(np.stack([random_mu(p, 20 + i) for i in range(3)]))
    opts = dict(order=1, modes=("fwd", "rev"), eps=1e-6)
    # (the finite differences move loc off the sphere: numpyro's validation, on by
    # default, would reject it)
    vmf_ = lambda m, k: lbn.VonMisesFisher(m, k, validate_args=False)   # noqa: E731
    check_grads(lambda m, k: vmf_(m, k).log_prob(x), (loc1, k1), **opts)
    check_grads(lambda k: vmf_(loc1, k).entropy(), (k1,), **opts)
    check_grads(lambda k: vmf_(loc1, k).mean, (k1,), **opts)
    check_grads(lambda m1, a, m2, b: kl_divergence(vmf_(m1, a), vmf_(m2, b)),
                (loc1, k1, loc2, k2), **opts)


@pytest.mark.parametrize("p, k1, k2", [(3, 4.0, 10.0), (1000, 2000.0, 1500.0)])
def test_kl_against_monte_carlo(jnp, lbn, numpyro, p, k1, k2):
    # the draws from logbessel.vmf's sampler (tested in test_vmf.py)
    from numpyro.distributions import kl_divergence
    mu1 = random_mu(p, 1)
    mu2 = mu1 + 0.3 * random_mu(p, 2)
    mu2 /= np.linalg.norm(mu2)
    d1 = lbn.VonMisesFisher(jnp.asarray(mu1), k1)
    d2 = lbn.VonMisesFisher(jnp.asarray(mu2), k2)
    x = jnp.asarray(vmf.VonMisesFisher(mu1, k1).rvs(4000, random_state=p))
    diff = np.asarray(d1.log_prob(x) - d2.log_prob(x))
    kl = float(kl_divergence(d1, d2))
    se = diff.std() / math.sqrt(diff.size)
    assert abs(diff.mean() - kl) < 4.5 * se + 1e-12 * abs(kl), (diff.mean(), kl, se)
    assert abs(float(kl_divergence(d1, d1))) <= 4 * EPS64 * (
        abs(float(vmf.log_normalizer(p, k1))) + k1)
    # batched and expanded distributions dispatch to the same closed form
    e = kl_divergence(d1.expand((3,)), d2.expand((3,)))
    assert e.shape == (3,) and np.all(np.asarray(e) == kl)
    with pytest.raises(ValueError, match="different dimensions"):
        kl_divergence(d1, lbn.VonMisesFisher(jnp.eye(p + 1)[0], 1.0))


# --------------------------------------------------------------------------------------
# no NaN or inf anywhere in the range
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, 32768])
@pytest.mark.parametrize("x64", [True, False], ids=["float64", "float32"])
def test_corners_are_finite(jax, jnp, lbn, numpyro, p, x64):
    # float32 with jax's default configuration (no float64 anywhere)
    from numpyro.distributions import kl_divergence
    kappas = [0.0, 1e-8, 1.0, 1e6]
    n = 64 if p == 32768 else 2000
    with jax.enable_x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        loc = jnp.asarray(np.stack([random_mu(p, i) for i in range(len(kappas))]), dtype)
        k = jnp.asarray(kappas, dtype)

        def terms(loc, k):
            d = lbn.VonMisesFisher(loc, k)
            x = d.sample(_key(jax, 0), (n,))
            t = [x.sum(), jnp.square(x @ jnp.ones(p, dtype)).sum(),
                 d.log_prob(jax.lax.stop_gradient(x)).sum(), d.entropy().sum(),
                 kl_divergence(d, lbn.VonMisesFisher(loc[::-1], k[::-1])).sum()]
            return sum(t), (jnp.stack(t), x)

        (_, (t, x)), (gl, gk) = jax.jit(jax.value_and_grad(terms, argnums=(0, 1),
                                                            has_aux=True))(loc, k)
        assert x.dtype == dtype
        for a in (t, x, gl, gk):
            assert bool(jnp.all(jnp.isfinite(a))), a
        err = float(jnp.max(jnp.abs(jnp.linalg.norm(x, axis=-1) - 1)))
        assert err < 10 * float(jnp.finfo(dtype).eps) * math.sqrt(p)   # constraints.sphere


# --------------------------------------------------------------------------------------
# inference
# --------------------------------------------------------------------------------------

def test_docs_example_runs(jax, jnp, lbn, numpyro):
    import pathlib
    import re
    docs = (pathlib.Path(__file__).parent.parent / "docs" / "vmf.md").read_text()
    block = re.search(r"```python\n(import jax, jax.numpy as jnp, numpyro\n.*?)```", docs,
                      re.S).group(1)
    namespace = {}
    exec(compile(block, "docs/vmf.md", "exec"), namespace)
    z, q = namespace["z"], namespace["q"]
    assert z.shape == (4, 128, 256) and q.batch_shape == (128,)
    assert bool(jnp.all(jnp.isfinite(q.log_prob(z))))


def test_svi_recovers_the_conjugate_posterior(jax, jnp, lbn, numpyro):
    # x_i ~ vMF(mu, kappa) with kappa known and a uniform prior on mu: the posterior is
    # vMF(S/||S||, kappa ||S||), S = sum x_i, a member of the guide's family, so SVI with a
    # vMF guide (reparameterized samples) must find it
    from numpyro.infer import SVI, Trace_ELBO
    p, kappa, n = 5, 4.0, 200
    X = vmf.VonMisesFisher(random_mu(p, 3), kappa).rvs(n, random_state=4)
    S = X.sum(axis=0)
    post_mu, post_kappa = S / np.linalg.norm(S), kappa * np.linalg.norm(S)

    def model(x):
        mu = numpyro.sample("mu", lbn.VonMisesFisher(jnp.eye(p)[0], 0.0))
        with numpyro.plate("rows", x.shape[0]):
            numpyro.sample("x", lbn.VonMisesFisher(mu, kappa), obs=x)

    def guide(x):
        v = numpyro.param("v", jnp.ones(p))
        log_k = numpyro.param("log_k", 0.0)
        numpyro.sample("mu", lbn.VonMisesFisher(v / jnp.linalg.norm(v), jnp.exp(log_k)))

    # Adam with a short memory of squared gradients (b2 = 0.95: the large ones of the
    # first steps would slow the approach of log_k for hundreds of steps), then a decay
    step = lambda i: 0.05 * jnp.minimum(1.0, 0.98 ** (i - 250.0))   # noqa: E731
    svi = SVI(model, guide, numpyro.optim.Adam(step, b2=0.95), Trace_ELBO(num_particles=4))
    res = svi.run(_key(jax, 5), 400, jnp.asarray(X), progress_bar=False)
    v = np.asarray(res.params["v"])
    cos = float(v @ post_mu / np.linalg.norm(v))
    k_hat = math.exp(float(res.params["log_k"]))
    assert np.all(np.isfinite(np.asarray(res.losses)))
    # the posterior's own spread of mu is ~ sqrt((p-1)/post_kappa) ~ 0.1 radians; 8 seeds
    # gave angles <= 0.012 and |log(k_hat/post_kappa)| <= 0.051
    assert cos > math.cos(0.03), cos
    assert abs(math.log(k_hat / post_kappa)) < 0.1, (k_hat, post_kappa)
