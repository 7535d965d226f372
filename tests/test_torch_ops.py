"""logbessel.torch's operators (torch.ops.logbessel.*): values bit-identical to the NumPy
ufuncs for every registry row, gradients, and the torch machinery that sees them:
torch.compile(fullgraph=True), torch.func (grad, vmap, jvp), torch.export, opcheck.
Skipped when torch is absent (conftest's torch fixture)."""
from __future__ import annotations

import numpy as np
import pytest

import logbessel as lb
from fuzz_inputs import wild
from logbessel import _core, _registry

# the operators: every registry row of logbessel, and the vMF normalizer
ROWS = [f for f in _registry.FUNCTIONS if f.home == "logbessel"] + [
    _registry.BY_NAME["vmf_log_normalizer"]]
NAMES = [f.name for f in ROWS]
DIFFERENTIABLE = [f.name for f in ROWS if f.partials]


@pytest.fixture(scope="module")
def lbt(torch):
    import logbessel.torch as mod
    return mod


def _inputs(name, n, seed):
    """(a, b) float64 arrays over the whole range (special values included); for the vMF
    normalizer p >= 2 and kappa >= 0 (the operator raises otherwise)."""
    rng = np.random.default_rng(seed)
    a, b = wild(rng, n), wild(rng, n, signed=False)
    if name == "vmf_log_normalizer":
        a = np.floor(np.minimum(np.abs(a), 1e7)) + 2.0
        b = np.abs(b)
    return a, b


def test_one_operator_per_registry_row(torch, lbt):
    for f in ROWS:
        assert getattr(torch.ops.logbessel, f.name).default._schema.arguments[0].name == f.params[0]
        assert f.name in lbt.__all__ and callable(getattr(lbt, f.name))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_values_bit_identical_to_the_ufuncs(torch, lbt, name, dtype):
    a, b = _inputs(name, 4000, seed=len(name))
    with np.errstate(all="ignore"):
        a, b = a.astype(dtype), b.astype(dtype)
        ref = getattr(_core, name)(a, b)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    np.testing.assert_array_equal(getattr(torch.ops.logbessel, name)(ta, tb).numpy(), ref)
    np.testing.assert_array_equal(getattr(lbt, name)(ta, tb).numpy(), ref)
    # broadcast (stride 0) and transposed inputs are read in place, the same values
    m = torch.from_numpy(a[:3600].reshape(60, 60)).T
    y = getattr(lbt, name)(m, tb[:60])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(y.numpy(), getattr(_core, name)(m.numpy(), b[:60]))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradients_are_the_partial_derivative_ufuncs(torch, lbt, name):
    f = _registry.BY_NAME[name]
    a, b = _inputs(name, 2000, seed=1)
    ok = np.isfinite(a) & np.isfinite(b) & (np.abs(a) < 1e6) & (b > 0) & (b < 1e6)
    a, b = a[ok], b[ok]
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    getattr(lbt, name)(ta, tb).sum().backward()
    if name == "vmf_log_normalizer":
        np.testing.assert_array_equal(tb.grad.numpy(), -lb.iv_ratio(a / 2, b))
        return
    for grad, d in zip((ta.grad, tb.grad), f.partials):
        np.testing.assert_array_equal(grad.numpy(), getattr(lb, d)(a, b))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradcheck_in_both_arguments(torch, lbt, name):
    if name == "vmf_log_normalizer":
        a, b = [3.0, 10.0, 64.0, 1000.0, 5.0], [0.5, 20.0, 5.0, 800.0, 1e-3]
    else:
        a, b = [0.0, 0.3, 2.5, 23.0, 150.0, -2.5], [0.4, 0.05, 24.5, 31.0, 150.0, 3.0]
    args = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (a, b)]
    assert torch.autograd.gradcheck(getattr(lbt, name), args)


def test_no_derivative_beyond_the_registry(torch, lbt):
    v = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    # a function without partial derivatives, and a second derivative, raise (never a
    # silent zero)
    with pytest.raises(RuntimeError, match="iv_ratio has no derivative formula"):
        lbt.iv_ratio(v, 2.0).sum().backward()
    (g,) = torch.autograd.grad(lbt.log_iv(v, 2.0).sum(), v, create_graph=True)
    with pytest.raises(RuntimeError, match="log_iv_dv has no derivative formula"):
        g.sum().backward()
    from torch.func import grad
    with pytest.raises(RuntimeError, match="log_iv_dv has no derivative formula"):
        grad(grad(lambda a: lbt.log_iv(a, 2.0)))(v.detach()[0])
    # evaluating it on a tensor that requires grad is fine
    assert lbt.iv_ratio(v, 2.0).item() == lb.iv_ratio(2.5, 2.0)


def test_operator_argument_checks(torch, lbt):
    a = torch.ones(3, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="one shape, dtype and device"):
        torch.ops.logbessel.log_iv(a, a[:2])
    with pytest.raises(RuntimeError, match="one shape, dtype and device"):
        torch.ops.logbessel.log_iv(a, a.float())
    with pytest.raises(RuntimeError, match="float32 or float64"):
        torch.ops.logbessel.log_iv(a.int(), a.int())
    with pytest.raises(ValueError, match=r"p \(the dimension of the ambient space R\^p\) must be "
                                         r">= 2; got p = 1.5"):
        lbt.vmf_log_normalizer(torch.tensor([3.0, 1.5]), 1.0)
    with pytest.raises(ValueError, match="kappa must be >= 0; got kappa = -1"):
        lbt.vmf_log_normalizer(3.0, torch.tensor([1.0, -1.0]))


def _model(lbt, v, x):
    """A function of every kind of operator: two with partials, one without, the vMF
    normalizer (scalars, broadcasting, promotion on the way)."""
    return (lbt.log_iv(v, x) + 2.0 * lbt.log_kve(v[:, None], x[None, :]).mean(1)
            + lbt.iv_ratio(v.detach() + 1.0, 3.0) + lbt.vmf_log_normalizer(3.0 + v, x))


def test_torch_compile_fullgraph_values_and_gradients(torch, lbt, keep_distribution_validation):
    v = torch.tensor([0.0, 0.5, 2.5, 30.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([0.1, 3.0, 40.0, 1e3], dtype=torch.float64, requires_grad=True)
    f = lambda v, x: _model(lbt, v, x)  # noqa: E731
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    yc, ye = compiled(v, x), f(v, x)
    assert torch.equal(yc, ye)
    for gc, ge in zip(torch.autograd.grad(yc.sum(), (v, x)), torch.autograd.grad(ye.sum(), (v, x))):
        assert torch.equal(gc, ge)
    # vmf_log_normalizer's argument checks run inside compiled code too
    with pytest.raises(ValueError, match="kappa must be >= 0"):
        compiled(v, -x)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_torch_func_grad_vmap_jvp(torch, lbt, keep_distribution_validation):
    from torch.func import grad, jacfwd, jacrev, jvp, vmap
    v = torch.tensor([0.5, 2.5, 30.0], dtype=torch.float64)
    x = torch.tensor([0.1, 3.0, 40.0], dtype=torch.float64)
    vn, xn = v.numpy(), x.numpy()
    gv, gx = grad(lambda a, b: lbt.log_kv(a, b).sum(), argnums=(0, 1))(v, x)
    np.testing.assert_array_equal(gv.numpy(), lb.log_kv_dv(vn, xn))
    np.testing.assert_array_equal(gx.numpy(), lb.log_kv_dx(vn, xn))
    # vmap: a batch axis anywhere, the other argument unbatched or batched
    vm = vmap(lbt.log_iv, in_dims=(1, None))(v[:, None].expand(3, 2), x)
    np.testing.assert_array_equal(vm.numpy(), np.stack([lb.log_iv(vn, xn)] * 2))
    np.testing.assert_array_equal(vmap(lbt.log_ive)(v, x).numpy(), lb.log_ive(vn, xn))
    # per-sample gradients: vmap of grad
    ps = vmap(grad(lambda a, b: lbt.log_iv(a, b)))(v, x)
    np.testing.assert_array_equal(ps.numpy(), lb.log_iv_dv(vn, xn))
    # forward mode
    _, t = jvp(lambda a: lbt.log_kve(a, x), (v,), (torch.ones_like(v),))
    np.testing.assert_array_equal(t.numpy(), lb.log_kv_dv(vn, xn))
    j = jacfwd(lambda k: lbt.vmf_log_normalizer(3.0, k))(x)
    np.testing.assert_array_equal(j.diagonal().numpy(), -lb.iv_ratio(1.5, xn))
    j = jacrev(lambda a: lbt.log_iv(a, x))(v)
    np.testing.assert_array_equal(j.diagonal().numpy(), lb.log_iv_dv(vn, xn))
    assert np.count_nonzero(j.numpy()) == 3
    # and compiled
    cg = torch.compile(grad(lambda a: lbt.log_iv(a, x).sum()), fullgraph=True, backend="aot_eager")
    np.testing.assert_array_equal(cg(v).numpy(), lb.log_iv_dv(vn, xn))


def test_torch_export(torch, lbt):
    class Model(torch.nn.Module):
        def forward(self, v, x):
            return lbt.log_iv(v, x) - lbt.vmf_log_normalizer(3.0, x)

    v = torch.tensor([0.5, 2.5, 30.0], dtype=torch.float64)
    x = torch.tensor([0.1, 3.0, 40.0], dtype=torch.float64)
    ep = torch.export.export(Model(), (v, x))
    targets = {str(n.target) for n in ep.graph.nodes if n.op == "call_function"}
    assert {"logbessel.log_iv.default", "logbessel.vmf_log_normalizer.default"} <= targets
    assert torch.equal(ep.module()(v, x), Model()(v, x))


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.parametrize("name", ["log_iv", "iv_ratio", "vmf_log_normalizer"])
def test_opcheck(torch, lbt, name):
    a = torch.tensor([3.0, 4.5, 30.0], dtype=torch.float64, requires_grad=name != "iv_ratio")
    b = torch.tensor([0.1, 3.0, 40.0], dtype=torch.float64, requires_grad=name != "iv_ratio")
    torch.library.opcheck(getattr(torch.ops.logbessel, name).default, (a, b))


def test_cuda_operator_runs_on_the_current_stream(torch, lbt):
    """On a CUDA device (no CuPy needed: the kernels go through the driver API): every
    operator agrees with the CPU within the GPU parity budgets (tests/spec.py), float32 and
    float64, expanded inputs included, and runs on torch's current stream."""
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    from test_gpu import BUDGET, parity_error
    for dtype, tdt in ((np.float32, torch.float32), (np.float64, torch.float64)):
        for name in NAMES:
            a, b = _inputs(name, 1 << 16, seed=3)
            va, xa = torch.tensor(a, dtype=tdt), torch.tensor(b, dtype=tdt)
            op = getattr(torch.ops.logbessel, name)
            err = parity_error(name, op(va.cuda(), xa.cuda()).cpu().numpy(), op(va, xa).numpy(), dtype)
            assert err <= BUDGET[dtype][name], (name, dtype, err)
    # an expanded (stride-0) argument
    v = torch.tensor(2.5, dtype=torch.float64)
    x = torch.linspace(0.1, 80.0, 1000, dtype=torch.float64)
    np.testing.assert_allclose(lbt.log_kv(v.cuda(), x.cuda()).cpu().numpy(), lbt.log_kv(v, x).numpy(),
                               rtol=4 * np.finfo(float).eps, atol=4 * np.finfo(float).eps)
    # the current stream: a result read by work queued after it on a side stream
    v = torch.linspace(0.5, 50.0, 1 << 16, dtype=torch.float64)
    x = torch.linspace(0.1, 80.0, 1 << 16, dtype=torch.float64)
    ref = lbt.log_iv(v, x)
    stream = torch.cuda.Stream()
    vc, xc = v.cuda(), x.cuda()
    torch.cuda.current_stream().synchronize()
    with torch.cuda.stream(stream):
        y = lbt.log_iv(vc, xc) + 1.0   # the torch op after it reads its result on `stream`
    stream.synchronize()
    np.testing.assert_allclose((y - 1.0).cpu().numpy(), ref.numpy(), rtol=1e-14)