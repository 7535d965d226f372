"""Framework adapters (logbessel.torch, logbessel.jax): values equal the ufuncs, gradients
pass each framework's own gradient checker in float64. Skipped when the framework is absent."""
from __future__ import annotations

import numpy as np
import pytest

import logbessel as lb

# points on both sides of every region boundary: series / Temme (x <= 0.5) / CF2, r = 24,
# the turning point x ~ v, tiny x, v = 0
V_PTS = [0.0, 0.3, 0.49, 2.5, 7.0, 16.0, 23.0, 0.7, 30.0, 60.0, 150.0, 12.0]
X_PTS = [0.4, 0.2, 0.6, 3.0, 0.05, 17.0, 7.0, 23.99, 31.0, 55.0, 150.0, 1e-4]


# ------------------------------------------------------------------------------------------
# PyTorch
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lbt(torch):
    import logbessel.torch as mod
    return mod


def _t(torch, a, grad=True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize("name", ["log_iv", "log_kv"])
def test_torch_gradcheck(torch, lbt, name):
    f = getattr(lbt, name)
    v, x = _t(torch, V_PTS), _t(torch, X_PTS)
    assert torch.autograd.gradcheck(f, (v, x))
    # v > 0 only for d/dv of K around 0 is fine too: K is even, the gradient is odd
    assert torch.autograd.gradcheck(f, (_t(torch, [-0.3, -2.5]), _t(torch, [0.7, 3.0])))


@pytest.mark.parametrize("name", ["log_iv", "log_kv"])
def test_torch_values_and_gradients_match_ufuncs(torch, lbt, name):
    rng = np.random.default_rng(0)
    v0 = np.exp(rng.uniform(-5, 13, 400))
    x0 = np.exp(rng.uniform(-10, 13, 400))
    v, x = _t(torch, v0), _t(torch, x0)
    y = getattr(lbt, name)(v, x)
    np.testing.assert_array_equal(y.detach().numpy(), getattr(lb, name)(v0, x0))
    y.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), getattr(lb, name + "_dv")(v0, x0))
    np.testing.assert_array_equal(x.grad.numpy(), getattr(lb, name + "_dx")(v0, x0))


def test_torch_broadcasting_dtype_and_scalars(torch, lbt):
    v = _t(torch, 2.5)
    x = _t(torch, [[0.5, 5.0], [50.0, 500.0]])
    y = lbt.log_kv(v, x)
    assert y.shape == (2, 2) and y.dtype == torch.float64
    y.sum().backward()
    assert v.grad.shape == () and x.grad.shape == (2, 2)
    np.testing.assert_allclose(v.grad.item(), lb.log_kv_dv(2.5, x.detach().numpy()).sum(), rtol=1e-15)
    y32 = lbt.log_iv(torch.tensor([1.0, 2.0], dtype=torch.float32), 3.0)
    assert y32.dtype == torch.float32
    assert lbt.log_iv(1.5, torch.tensor([2.0])).dtype == torch.get_default_dtype()
    with pytest.raises(TypeError):
        lbt.log_iv(torch.tensor([1.0 + 1j]), 2.0)


def test_torch_vmf_log_normalizer(torch, lbt):
    p = _t(torch, [3.0, 10.0, 64.0, 1000.0, 5.0])
    k = _t(torch, [0.5, 20.0, 5.0, 800.0, 1e-3])
    assert torch.autograd.gradcheck(lbt.vmf_log_normalizer, (p, k))
    y = lbt.vmf_log_normalizer(p, k)
    y.sum().backward()
    # d/dkappa log C_p(kappa) = -A_p(kappa), exactly the ratio
    np.testing.assert_array_equal(k.grad.numpy(), -lb.iv_ratio(p.detach().numpy() / 2, k.detach().numpy()))
    # kappa << p: the gradient keeps full relative accuracy (~ -kappa/p)
    k2 = _t(torch, [1e-8])
    lbt.vmf_log_normalizer(torch.tensor([1e6], dtype=torch.float64), k2).backward()
    assert abs(k2.grad.item() / (-1e-8 / 1e6) - 1) < 1e-6


def test_torch_vmf_kappa_by_gradient_descent(torch, lbt):
    # the README example: maximum likelihood kappa of a vMF from the mean resultant length
    p, rbar = 50.0, 0.8
    log_kappa = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([log_kappa], lr=0.1)
    for _ in range(400):
        opt.zero_grad()
        kappa = log_kappa.exp()
        nll = -(lbt.vmf_log_normalizer(p, kappa) + kappa * rbar)
        nll.backward()
        opt.step()
    A = lb.iv_ratio(p / 2, log_kappa.exp().item())
    assert abs(A - rbar) < 1e-6


def test_docs_pytorch_example_prints_what_it_says(torch, lbt, capsys):
    # docs/vmf.md's example was unseeded (225.81 or 223.08, not the documented 220.2397) and
    # its comment's kappa_mle(rbar, p) failed with a tensor rbar: run the block, compare
    # its output with the number in its comment, and evaluate the comment's call
    import pathlib
    import re
    docs = (pathlib.Path(__file__).parent.parent / "docs" / "vmf.md").read_text()
    block = re.search(r"```python\n(import torch\n.*?)```", docs, re.S).group(1)
    stated, call = re.search(r"print\(.*\)\s+# ([0-9.]+) = (.+)$", block, re.M).groups()
    namespace = {}
    exec(compile(block, "docs/vmf.md", "exec"), namespace)
    assert capsys.readouterr().out == stated + "\n"
    assert float(stated) == pytest.approx(float(eval(call, namespace)), abs=5e-5)


@pytest.mark.gpu
def test_torch_cuda_matches_cpu(torch, lbt):
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    v, x = _t(torch, V_PTS), _t(torch, X_PTS)
    vc, xc = (v.detach().cuda().requires_grad_(), x.detach().cuda().requires_grad_())
    for name in ("log_iv", "log_kv"):
        y = getattr(lbt, name)(v, x)
        yc = getattr(lbt, name)(vc, xc)
        assert yc.device.type == "cuda"
        np.testing.assert_allclose(yc.detach().cpu().numpy(), y.detach().numpy(), rtol=1e-14, atol=1e-300)
        gv, gx = torch.autograd.grad(y.sum(), (v, x))
        gvc, gxc = torch.autograd.grad(yc.sum(), (vc, xc))
        np.testing.assert_allclose(gvc.cpu().numpy(), gv.numpy(), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(gxc.cpu().numpy(), gx.numpy(), rtol=1e-13, atol=1e-14)


# ------------------------------------------------------------------------------------------
# JAX
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["log_iv", "log_kv"])
def test_jax_check_grads(jax, name):
    import jax.numpy as jnp
    from jax.test_util import check_grads
    import logbessel.jax as lbj
    f = getattr(lbj, name)
    v, x = jnp.asarray(V_PTS), jnp.asarray(X_PTS)
    # check_grads uses a fixed absolute step: leave out x = 1e-4, where it exceeds x's scale
    check_grads(f, (v[:-1], x[:-1]), order=1, modes=("fwd", "rev"), eps=1e-6)
    np.testing.assert_array_equal(np.asarray(f(v, x)), getattr(lb, name)(np.asarray(v), np.asarray(x)))
    gv, gx = jax.grad(lambda a, b: f(a, b).sum(), argnums=(0, 1))(v, x)
    np.testing.assert_array_equal(np.asarray(gv), getattr(lb, name + "_dv")(np.asarray(v), np.asarray(x)))
    np.testing.assert_array_equal(np.asarray(gx), getattr(lb, name + "_dx")(np.asarray(v), np.asarray(x)))
    # works under jit and vmap
    jf = jax.jit(f)
    np.testing.assert_array_equal(np.asarray(jf(v, x)), np.asarray(f(v, x)))
    vm = jax.vmap(lambda a: f(a, 2.0))(v)
    np.testing.assert_array_equal(np.asarray(vm), getattr(lb, name)(np.asarray(v), 2.0))
    g = jax.grad(lambda a: f(a, jnp.ones(3)).sum())(2.5)  # python scalar, broadcast
    assert float(g) == 3 * getattr(lb, name + "_dv")(2.5, 1.0)


def test_jax_vmf_log_normalizer(jax):
    import jax.numpy as jnp
    from jax.test_util import check_grads
    import logbessel.jax as lbj
    p = jnp.asarray([3.0, 10.0, 64.0, 1000.0])
    k = jnp.asarray([0.5, 20.0, 5.0, 800.0])
    check_grads(lbj.vmf_log_normalizer, (p, k), order=1, modes=("fwd", "rev"))
    gk = jax.grad(lambda kk: lbj.vmf_log_normalizer(p, kk).sum())(k)
    np.testing.assert_array_equal(np.asarray(gk), -lb.iv_ratio(np.asarray(p) / 2, np.asarray(k)))
