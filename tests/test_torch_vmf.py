"""logbessel.torch's von Mises-Fisher distribution, the uniform distribution on the sphere,
their KL divergences and vmf_nll. Skipped without torch.

The references: log_prob against logbessel.vmf (tested against arb in test_vmf.py); the
law of the sampled angle against its CDF integrated numerically (vmf_helpers.theta_cdf);
the implicit gradient d theta/d kappa against mpmath quadrature at 30 digits; the
gradients of rsample against the exact derivatives of E[x] = A_p(kappa) mu, within their
sampling error; the KL divergences against Monte Carlo estimates, within theirs.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import logbessel as lb
from logbessel import vmf
from logbessel._vmf_stats import dA
from vmf_helpers import (angles, check_vmf_draws, dtheta_dkappa_reference, ks_pvalue, random_mu,
                         theta_cdf)

EPS64 = float(np.finfo(np.float64).eps)


@pytest.fixture(scope="module")
def lbt(torch):
    # one intra-op thread: torch's thread pool on a loaded 2-core machine made each
    # elementwise op of the sampler ~30x slower (the second thread waits for a core)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    import logbessel.torch as mod
    yield mod
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tv(torch):
    from logbessel import _torch_vmf
    return _torch_vmf


def _t(torch, a, dtype=None, grad=False):
    return torch.tensor(np.asarray(a), dtype=dtype or torch.float64, requires_grad=grad)


# --------------------------------------------------------------------------------------
# log_prob, entropy, mean, shapes
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, 3, 10, 1000, 32768])
def test_log_prob_matches_numpy(torch, lbt, p):
    rng = np.random.default_rng(p)
    kappas = np.array([0.0, 1e-8, 0.7, 40.0, 3000.0, 1e6])
    mus = np.stack([random_mu(p, 10 * p + i) for i in range(len(kappas))])
    d = lbt.VonMisesFisher(_t(torch, mus), _t(torch, kappas))
    assert d.batch_shape == (len(kappas),) and d.event_shape == (p,)
    X = np.stack([vmf.VonMisesFisher(m, 50.0).rvs(4, random_state=rng) for m in mus], axis=1)
    lp = d.log_prob(_t(torch, X)).numpy()                       # (4, len(kappas))
    for j, (m, k) in enumerate(zip(mus, kappas)):
        ref = vmf.VonMisesFisher(m, k).logpdf(X[:, j])
        # log C_p + kappa mu^T x: the sum carries eps |log C_p| + eps kappa of rounding
        tol = 4 * EPS64 * (abs(float(vmf.log_normalizer(p, k))) + k) + 1e-14 * np.abs(ref)
        assert np.all(np.abs(lp[:, j] - ref) <= tol), (k, lp[:, j], ref)


def test_entropy_and_mean(torch, lbt):
    p = 50
    kappas = np.array([0.0, 1e-3, 10.0, 1e4, 1e6])
    mu = random_mu(p, 1)
    d = lbt.VonMisesFisher(_t(torch, mu), _t(torch, kappas))
    H = d.entropy().numpy()
    for k, h in zip(kappas, H):
        assert h == vmf.VonMisesFisher(mu, k).entropy()
    mean = d.mean.numpy()
    A = lb.iv_ratio(p / 2, kappas)
    np.testing.assert_allclose(mean, A[:, None] * mu[None, :], rtol=1e-15, atol=0)
    assert torch.equal(d.mode, d.loc)


def test_shapes_expand_and_dtypes(torch, lbt):
    loc = torch.nn.functional.normalize(torch.randn(3, 1, 5, dtype=torch.float32), dim=-1)
    d = lbt.VonMisesFisher(loc, torch.ones(4))
    assert d.batch_shape == (3, 4) and d.event_shape == (5,)
    x = d.sample((2,))
    assert x.shape == (2, 3, 4, 5) and x.dtype == torch.float32 and not x.requires_grad
    assert (x.norm(dim=-1) - 1).abs().max() < 1e-6
    assert d.log_prob(x).shape == (2, 3, 4) and d.log_prob(x).dtype == torch.float32
    e = d.expand((7, 3, 4))
    assert e.batch_shape == (7, 3, 4) and e.sample().shape == (7, 3, 4, 5)
    assert lbt.VonMisesFisher(loc[0, 0], 2.0).batch_shape == ()
    assert lbt.VonMisesFisher(loc[0, 0], 2.0).rsample((3,)).shape == (3, 5)
    assert lbt.VonMisesFisher(loc[0, 0], 2.0).has_rsample
    with pytest.raises(ValueError, match="p >= 2"):
        lbt.VonMisesFisher(torch.ones(3, 1), 1.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        lbt.VonMisesFisher(loc[:, 0], torch.ones(4))


def test_validation(torch, lbt):
    with pytest.raises(ValueError, match="loc"):
        lbt.VonMisesFisher(torch.tensor([1.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match="concentration"):
        lbt.VonMisesFisher(torch.tensor([1.0, 0.0]), -1.0)
    d = lbt.VonMisesFisher(torch.tensor([1.0, 0.0]), 1.0)
    with pytest.raises(ValueError, match="support"):
        d.log_prob(torch.tensor([2.0, 0.0]))
    # without validation the formula is applied as it stands
    d = lbt.VonMisesFisher(torch.tensor([1.0, 1.0]), 1.0, validate_args=False)
    assert torch.isfinite(d.log_prob(torch.tensor([1.0, 0.0])))


def test_hyperspherical_uniform(torch, lbt):
    from torch.distributions import kl_divergence
    for p in [2, 3, 1000]:
        u = lbt.HypersphericalUniform(p, dtype=torch.float64)
        x = u.sample((100,))
        assert x.shape == (100, p) and (x.norm(dim=-1) - 1).abs().max() < 1e-14
        lp = u.log_prob(x)
        assert lp.shape == (100,)
        assert torch.all(lp == float(vmf.log_normalizer(p, 0.0)))
        assert u.entropy().item() == -float(vmf.log_normalizer(p, 0.0))
        # KL(vMF(kappa = 0) || uniform) = 0
        d = lbt.VonMisesFisher(torch.eye(p, dtype=torch.float64)[0], 0.0)
        assert abs(kl_divergence(d, u).item()) <= 4 * EPS64 * max(1.0, u.entropy().item())
    with pytest.raises(ValueError, match="integer >= 2"):
        lbt.HypersphericalUniform(1)
    with pytest.raises(ValueError, match="different dimensions"):
        kl_divergence(lbt.VonMisesFisher(torch.tensor([1.0, 0.0]), 1.0),
                      lbt.HypersphericalUniform(3))


# --------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, kappas, n", [(3, [2.0, 1e6], 4000), (10, [5.0, 0.0], 4000),
                                          (1000, [1000.0], 2000), (32768, [40000.0], 600)])
def test_samples_ks_and_mean_resultant_length(torch, lbt, p, kappas, n):
    torch.manual_seed(p)
    mus = np.stack([random_mu(p, p + i) for i in range(len(kappas))])
    d = lbt.VonMisesFisher(_t(torch, mus), _t(torch, kappas))
    X = d.sample((n,)).numpy()                                  # (n, B, p)
    assert np.max(np.abs(np.linalg.norm(X, axis=-1) - 1)) < 1e-13
    check_vmf_draws(X, mus, kappas, p)


def test_samples_float32(torch, lbt):
    torch.manual_seed(3)
    p, k = 64, 200.0
    mu = random_mu(p, 5)
    X = lbt.VonMisesFisher(_t(torch, mu, torch.float32), k).sample((4000,))
    assert X.dtype == torch.float32
    X = X.double().numpy()
    theta = np.sort(angles(X, mu))
    grid, cdf, _ = theta_cdf(p, k)
    assert ks_pvalue(theta, np.interp(theta, grid, cdf))[0] > 1e-3


# --------------------------------------------------------------------------------------
# the implicit reparameterization gradient
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, kappa, thetas", [
    (2, 1e-8, [0.3, 3.1]), (2, 50.0, [0.05, 0.2, 0.5]), (3, 1000.0, [0.01, 0.04, 0.2]),
    (10, 0.0, [1e-5, 1.3, 2.0]), (10, 5.0, [0.8, 1.2]), (100, 1e6, [0.0099, 0.0101]),
    (1000, 50.0, [1.52]), (32768, 0.0, [1.5704, 1.58]), (32768, 1000.0, [1.54])])
def test_dtheta_dkappa_against_quadrature(torch, tv, p, kappa, thetas):
    th = _t(torch, [thetas])
    k = _t(torch, [kappa])
    A = _t(torch, [float(lb.iv_ratio(p / 2, kappa))])
    C = _t(torch, [float(lb.iv_ratio_complement(p / 2, kappa))])
    got = tv._dtheta_dkappa(th.T, k, float(p), A, C).numpy().ravel()
    for th0, g in zip(thetas, got):
        ref = dtheta_dkappa_reference(p, kappa, th0)
        assert abs(g - ref) <= 1e-13 * abs(ref), (p, kappa, th0, g, ref)


def test_reflection_backward(torch, lbt, tv):
    # the written-out backward of the reflection against torch's numerical gradient (the
    # normals are drawn inside: the same seed before every call)
    def f(sin, cos, mu):
        torch.manual_seed(5)
        return tv._Reflect.apply(sin, cos, mu)

    rng = np.random.default_rng(2)
    theta = rng.uniform(0.1, 3.0, (3, 2))
    mus = np.stack([random_mu(5, 1), -random_mu(5, 2)])       # both signs of mu_1
    args = (_t(torch, np.sin(theta), grad=True), _t(torch, np.cos(theta), grad=True),
            _t(torch, mus, grad=True))
    assert torch.autograd.gradcheck(f, args)
    x = f(*args).detach().numpy()
    np.testing.assert_allclose(np.einsum("nbp,bp->nb", x, mus), np.cos(theta), rtol=0,
                               atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, rtol=0, atol=1e-15)


def _per_sample_grads(torch, lbt, p, kappa, mu, mu0, n, seed):
    """n draws, each from its own copy of the distribution, so that concentration.grad[i]
    and loc.grad[i] are the gradients of mu0^T x_i."""
    torch.manual_seed(seed)
    k = torch.full((n,), kappa, dtype=torch.float64, requires_grad=True)
    loc = _t(torch, np.tile(mu, (n, 1)), grad=True)
    x = lbt.VonMisesFisher(loc, k).rsample()
    (x @ _t(torch, mu0)).sum().backward()
    return k.grad.numpy(), loc.grad.numpy()


@pytest.mark.parametrize("p, kappa", [(2, 3.0), (3, 0.5), (3, 300.0), (10, 0.0), (10, 8.0),
                                      (200, 150.0), (300, 1e5)])
def test_rsample_gradient_in_kappa(torch, lbt, p, kappa):
    # d/dkappa E[mu0^T x] = A_p'(kappa) mu^T mu0, from E[x] = A_p(kappa) mu
    mu = random_mu(p, 7)
    mu0 = random_mu(p, 8) + 2 * mu
    n = 4000
    gk, _ = _per_sample_grads(torch, lbt, p, kappa, mu, mu0, n, seed=p)
    assert np.all(np.isfinite(gk))
    exact = dA(p, kappa) * float(mu @ mu0)
    se = gk.std() / math.sqrt(n)
    assert abs(gk.mean() - exact) < 4.5 * se, (gk.mean(), exact, se)
    assert se < 0.1 * abs(exact)               # the check has power


@pytest.mark.parametrize("p, kappa", [(3, 2.0), (50, 30.0)])
def test_rsample_gradient_in_loc(torch, lbt, p, kappa):
    # d/dloc E[mu0^T x] = A_p(kappa) (I - mu mu^T) mu0 (rsample uses loc/||loc||)
    mu = random_mu(p, 11)
    r = random_mu(p, 12)
    mu0 = 0.5 * mu + (r - (r @ mu) * mu) / np.linalg.norm(r - (r @ mu) * mu)
    n = 4000
    _, gl = _per_sample_grads(torch, lbt, p, kappa, mu, mu0, n, seed=p + 1)
    A = float(lb.iv_ratio(p / 2, kappa))
    tangent = mu0 - (mu @ mu0) * mu
    exact = A * tangent
    assert np.max(np.abs(gl @ mu)) < 1e-13               # no radial part, sample by sample
    mean, se = gl.mean(axis=0), gl.std(axis=0) / math.sqrt(n)
    z = (mean - exact) / se
    assert np.max(np.abs(z)) < 4.5, z
    # along the tangent direction of mu0 the estimate has power
    e = tangent / np.linalg.norm(tangent)
    proj = gl @ e
    assert abs(proj.mean() - A * np.linalg.norm(tangent)) < 4.5 * proj.std() / math.sqrt(n)
    assert proj.std() / math.sqrt(n) < 0.1 * A * np.linalg.norm(tangent)


def test_gradcheck_log_prob_entropy_kl(torch, lbt):
    from torch.distributions import kl_divergence
    p = 6
    mus = np.stack([random_mu(p, i) for i in range(3)])
    loc1 = _t(torch, mus, grad=True)
    loc2 = _t(torch, mus[::-1].copy(), grad=True)
    k1 = _t(torch, [0.3, 12.0, 400.0], grad=True)
    k2 = _t(torch, [5.0, 0.01, 350.0], grad=True)
    x = _t(torch, np.stack([random_mu(p, 20 + i) for i in range(3)]))
    gc = torch.autograd.gradcheck
    assert gc(lambda m, k: lbt.VonMisesFisher(m, k, validate_args=False).log_prob(x), (loc1, k1))
    assert gc(lambda k: lbt.VonMisesFisher(loc1.detach(), k).entropy(), (k1,))
    assert gc(lambda m1, a, m2, b: kl_divergence(
        lbt.VonMisesFisher(m1, a, validate_args=False),
        lbt.VonMisesFisher(m2, b, validate_args=False)), (loc1, k1, loc2, k2))
    u = lbt.HypersphericalUniform(p, dtype=torch.float64)
    assert gc(lambda k: kl_divergence(lbt.VonMisesFisher(loc1.detach(), k), u), (k1,))


def test_log_prob_kl_and_loss_under_compile_and_func_grad(torch, lbt, keep_distribution_validation):
    # log_prob, both KL divergences (the prior built inside), the entropy and vmf_nll are
    # operators and tensor code: one graph (fullgraph=True), values and gradients equal to
    # eager; torch.func.grad agrees with autograd
    from torch.distributions import kl_divergence
    p = 6
    loc = _t(torch, np.stack([random_mu(p, i) for i in range(4)]), grad=True)
    kappa = _t(torch, [0.0, 0.3, 40.0, 1e4], grad=True)
    x = _t(torch, np.stack([random_mu(p, 30 + i) for i in range(4)]))

    def losses(loc, kappa):
        d = lbt.VonMisesFisher(loc, kappa, validate_args=False)
        q = lbt.VonMisesFisher(loc.flip(0), kappa.flip(0) + 1.0, validate_args=False)
        u = lbt.HypersphericalUniform(p, dtype=torch.float64)
        return (d.log_prob(x) + kl_divergence(d, q) + kl_divergence(d, u) + d.entropy()
                + d.mean.sum(-1) + lbt.vmf_nll(loc, kappa, x, reduction="none"))

    compiled = torch.compile(losses, fullgraph=True, backend="aot_eager")
    yc, ye = compiled(loc, kappa), losses(loc, kappa)
    assert torch.equal(yc, ye)
    grads_c = torch.autograd.grad(yc.sum(), (loc, kappa))
    grads_e = torch.autograd.grad(ye.sum(), (loc, kappa))
    for gc, ge in zip(grads_c, grads_e):
        assert torch.equal(gc, ge)
    gk = torch.func.grad(lambda k: losses(loc.detach(), k).sum())(kappa.detach())
    np.testing.assert_array_equal(gk.numpy(), grads_e[1].numpy())


@pytest.mark.parametrize("p, k1, k2", [(3, 4.0, 10.0), (64, 80.0, 30.0), (1000, 2000.0, 1500.0)])
def test_kl_against_monte_carlo(torch, lbt, p, k1, k2):
    from torch.distributions import kl_divergence
    torch.manual_seed(p)
    mu1 = random_mu(p, 1)
    mu2 = mu1 + 0.3 * random_mu(p, 2)
    mu2 /= np.linalg.norm(mu2)
    d1 = lbt.VonMisesFisher(_t(torch, mu1), k1)
    d2 = lbt.VonMisesFisher(_t(torch, mu2), k2)
    u = lbt.HypersphericalUniform(p, dtype=torch.float64)
    x = d1.sample((4000,))
    for q in (d2, u):
        diff = (d1.log_prob(x) - q.log_prob(x)).numpy()
        kl = kl_divergence(d1, q).item()
        se = diff.std() / math.sqrt(diff.size)
        assert abs(diff.mean() - kl) < 4.5 * se + 1e-12 * abs(kl), (q, diff.mean(), kl, se)
    # the closed forms: KL(vMF || uniform) = log C_p(k) - log C_p(0) + k A_p(k)
    A = float(lb.iv_ratio(p / 2, k1))
    ref = float(vmf.log_normalizer(p, k1) - vmf.log_normalizer(p, 0.0)) + k1 * A
    assert abs(kl_divergence(d1, u).item() - ref) <= 1e-13 * max(1.0, abs(ref)) + 4 * EPS64 * k1
    assert abs(kl_divergence(d1, d1).item()) <= 4 * EPS64 * (abs(float(vmf.log_normalizer(p, k1)))
                                                             + k1)


# --------------------------------------------------------------------------------------
# no NaN or inf anywhere in the range
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, 3, 32768])
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_corners_are_finite(torch, lbt, p, dtype_name):
    from torch.distributions import kl_divergence
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    kappas = [0.0, 1e-8, 1.0, 1e6]
    n = 64 if p == 32768 else 2000
    loc = _t(torch, np.stack([random_mu(p, i) for i in range(len(kappas))]), dtype, grad=True)
    k = _t(torch, kappas, dtype, grad=True)
    d = lbt.VonMisesFisher(loc, k)
    x = d.rsample((n,))
    lp = d.log_prob(x.detach())
    terms = [x.sum(), (x @ torch.ones(p, dtype=dtype)).square().sum(), lp.sum(),
             d.entropy().sum(), kl_divergence(d, lbt.HypersphericalUniform(p, dtype=dtype)).sum(),
             kl_divergence(d, lbt.VonMisesFisher(loc.flip(0), k.flip(0))).sum(),
             lbt.vmf_nll(loc, k, x[0].detach(), reduction="sum")]
    for t in terms:
        assert torch.isfinite(t), t
    sum(terms).backward()
    assert torch.isfinite(k.grad).all() and torch.isfinite(loc.grad).all()
    assert x.dtype == dtype and (x.norm(dim=-1) - 1).abs().max() < 10 * torch.finfo(dtype).eps * 8


# --------------------------------------------------------------------------------------
# vmf_nll
# --------------------------------------------------------------------------------------

def test_vmf_nll_values_gradients_and_reductions(torch, lbt):
    p, n = 3, 5
    direction = _t(torch, np.stack([random_mu(p, i) for i in range(n)]), grad=True)
    target = _t(torch, np.stack([random_mu(p, 30 + i) for i in range(n)]))
    kappa = _t(torch, [0.0, 1e-3, 2.0, 150.0, 1e6], grad=True)
    nll = lbt.vmf_nll(direction, kappa, target, reduction="none")
    ref = -lbt.VonMisesFisher(direction, kappa).log_prob(target)
    assert nll.shape == (n,) and torch.equal(nll, ref)
    assert torch.equal(lbt.vmf_nll(direction, kappa, target), nll.mean())
    assert torch.equal(lbt.vmf_nll(direction, kappa, target, reduction="sum"), nll.sum())
    nll.sum().backward()
    c = (direction * target).sum(-1).detach().numpy()
    # d/dkappa = A_p(kappa) - direction^T target: the ratio itself, minus the cosine
    A = lb.iv_ratio(p / 2, kappa.detach().numpy())
    np.testing.assert_allclose(kappa.grad.numpy(), A - c, rtol=0, atol=2 * EPS64)
    np.testing.assert_array_equal(direction.grad.numpy(), -kappa.detach().numpy()[:, None]
                                  * target.numpy())
    # a scalar kappa, float32
    d32, t32 = direction.detach().float(), target.float()
    out = lbt.vmf_nll(d32, 4.0, t32)
    assert out.dtype == torch.float32 and out.shape == ()


def test_vmf_nll_errors(torch, lbt):
    d = torch.nn.functional.normalize(torch.randn(4, 3), dim=-1)
    k = torch.ones(4)
    with pytest.raises(ValueError, match="reduction must be 'none', 'mean' or 'sum'; got 'avg'"):
        lbt.vmf_nll(d, k, d, reduction="avg")
    with pytest.raises(ValueError, match=r"target must have the shape of direction \(4, 3\); "
                                         r"got \(4, 2\)"):
        lbt.vmf_nll(d, k, d[:, :2])
    with pytest.raises(ValueError, match=r"kappa must broadcast to direction's batch shape "
                                         r"\(4,\); got shape \(4, 1\) \(it has a trailing axis"):
        lbt.vmf_nll(d, k[:, None], d)
    with pytest.raises(ValueError, match=r"got shape \(5,\)"):
        lbt.vmf_nll(d, torch.ones(5), d)
    with pytest.raises(ValueError, match=r"p >= 2; got \(4, 1\)"):
        lbt.vmf_nll(d[:, :1], k, d[:, :1])
    with pytest.raises(ValueError, match="kappa must be >= 0"):
        lbt.vmf_nll(d, -k, d)
