"""logbessel.jax as XLA custom calls (src/logbessel/_jax_ffi.py, csrc/jax_ffi.cc): every
registry function bit-identical to its NumPy ufunc on the CPU, in jit, vmap, grad and jvp,
float32 and float64, any shape; the lowered program holds the custom calls and no host
callback; the host-callback fallback. Skipped without jax; the GPU test without a JAX CUDA
device."""
from __future__ import annotations

import numpy as np
import pytest

import logbessel as lb
from logbessel import _registry
from logbessel import vmf as _vmf

PUBLIC = [f.name for f in _registry.FUNCTIONS if f.home == "logbessel"]
DIFFERENTIABLE = [f for f in _registry.FUNCTIONS if f.partials]


def _ufunc(name):
    return getattr(lb, name) if name in PUBLIC else getattr(_vmf, "_" + name)


@pytest.fixture(scope="module")
def lbj(jax):
    import logbessel.jax as mod
    st = mod.ffi_status()
    assert st["ffi"], f"the FFI library did not load: {st['reason']}"
    return mod


def _inputs(n=2000, seed=0):
    """Orders and arguments over the regions (both signs of v, tiny to huge x), with the
    special values."""
    rng = np.random.default_rng(seed)
    v = np.exp(rng.uniform(-7, 12, n)) * rng.choice([-1.0, 1.0], n, p=[0.2, 0.8])
    x = np.exp(rng.uniform(-20, 14, n))
    v[:6] = [0.0, 0.5, np.nan, 2.0, np.inf, 1.0]
    x[:6] = [0.0, 0.0, 1.0, np.nan, 3.0, np.inf]
    return v, x


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_bit_identical_to_the_ufuncs(jax, lbj, dtype):
    import jax.numpy as jnp
    v, x = _inputs()
    v, x = v.astype(dtype), x.astype(dtype)
    p = np.abs(v) + 2  # vmf_log_normalizer's p >= 2 (its ufunc gives NaN below)
    for f in _registry.FUNCTIONS:
        fn = getattr(lbj, f.name)
        a = p if f.name == "vmf_log_normalizer" else v
        got = jax.jit(fn)(jnp.asarray(a), jnp.asarray(x))
        assert got.dtype == dtype
        want = _ufunc(f.name)(a, x)
        np.testing.assert_array_equal(np.asarray(got), want, err_msg=f.name)


def test_lowered_program_is_custom_calls(jax, lbj):
    import jax.numpy as jnp
    v, x = jnp.ones(4), jnp.ones(4)
    for name in PUBLIC + ["vmf_log_normalizer"]:
        text = jax.jit(getattr(lbj, name)).lower(v, x).as_text()
        assert f"custom_call @logbessel_{name}(" in text, text
        assert "callback" not in text, text
    # the gradient: custom calls of the partial derivatives (the value itself is not needed),
    # still no callback
    text = jax.jit(jax.grad(lambda a, b: lbj.log_iv(a, b).sum(), argnums=(0, 1))).lower(v, x).as_text()
    for name in ("log_iv_dv", "log_iv_dx"):
        assert f"custom_call @logbessel_{name}(" in text
    assert "callback" not in text


@pytest.mark.parametrize("f", DIFFERENTIABLE, ids=lambda f: f.name)
def test_gradients_are_the_partials(jax, lbj, f):
    import jax.numpy as jnp
    from jax.test_util import check_grads
    fn = getattr(lbj, f.name)
    if f.name == "vmf_log_normalizer":
        a, b = np.array([3.0, 10.0, 64.0, 1000.0, 2.5]), np.array([0.5, 20.0, 5.0, 800.0, 1e-3])
    else:
        a = np.array([0.0, 0.3, 2.5, 7.0, 16.0, 23.0, 30.0, 150.0, -2.5, 12.0])
        b = np.array([0.4, 0.2, 3.0, 0.6, 17.0, 23.99, 31.0, 150.0, 3.0, 55.0])
    # check_grads: a fixed absolute step, so arguments well above it
    check_grads(fn, (jnp.asarray(a), jnp.asarray(b)), order=1, modes=("fwd", "rev"), eps=1e-6)
    ga, gb = jax.jit(jax.grad(lambda s, t: fn(s, t).sum(), argnums=(0, 1)))(jnp.asarray(a), jnp.asarray(b))
    if f.name == "vmf_log_normalizer":
        np.testing.assert_array_equal(np.asarray(gb), -lb.iv_ratio(a / 2, b))
        from logbessel._vmf_core import log_normalizer_dp
        np.testing.assert_allclose(np.asarray(ga), log_normalizer_dp(a, b), rtol=1e-15, atol=1e-15)
    else:
        np.testing.assert_array_equal(np.asarray(ga), _ufunc(f.partials[0])(a, b))
        np.testing.assert_array_equal(np.asarray(gb), _ufunc(f.partials[1])(a, b))
    # forward mode in one argument
    _, t = jax.jvp(lambda s: fn(s, jnp.asarray(b)), (jnp.asarray(a),), (jnp.ones(a.size),))
    np.testing.assert_array_equal(np.asarray(t), np.asarray(ga))


def test_shapes_broadcasting_vmap_and_scalars(jax, lbj):
    import jax.numpy as jnp
    v = jnp.asarray([0.5, 2.5, 40.0])
    x = jnp.asarray([[0.1], [3.0]])
    y = lbj.log_kv(v, x)  # (2, 3)
    assert y.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(y), lb.log_kv(np.asarray(v), np.asarray(x)))
    assert lbj.log_iv(2.0, 3.0).shape == ()
    assert lbj.log_iv(jnp.zeros((0, 3)), 1.0).shape == (0, 3)
    # jit under vmap, vmap under jit, nested vmap with an unbatched argument
    f = jax.jit(jax.vmap(jax.vmap(lbj.log_ive, in_axes=(0, None)), in_axes=(None, 0)))
    got = f(v, x[:, 0])
    np.testing.assert_array_equal(np.asarray(got), lb.log_ive(np.asarray(v)[None, :], np.asarray(x)))
    g = jax.vmap(jax.grad(lambda a, b: lbj.log_iv(a, b)), in_axes=(0, None))(v, 3.0)
    np.testing.assert_array_equal(np.asarray(g), lb.log_iv_dv(np.asarray(v), 3.0))
    # an integer argument has no tangent (float0): the gradient in the other is unchanged
    g3 = jax.grad(lambda k: lbj.vmf_log_normalizer(3, k))(2.0)
    assert g3 == jax.grad(lambda k: lbj.vmf_log_normalizer(3.0, k))(2.0) == -lb.iv_ratio(1.5, 2.0)
    np.testing.assert_array_equal(np.asarray(jax.grad(lambda a: lbj.log_kv(a, 2).sum())(v)),
                                  lb.log_kv_dv(np.asarray(v), 2.0))
    # integers promote to the float dtype, float32 stays float32
    assert lbj.log_iv(2, jnp.arange(1, 4)).dtype == jnp.float64
    assert lbj.log_iv(jnp.float32(2), jnp.ones(2, jnp.float32)).dtype == jnp.float32


def test_host_callback_fallback(jax, lbj, monkeypatch):
    """Without the FFI library (no compiler, LOGBESSEL_JAX_FFI=0): the same values through
    host callbacks, and one warning naming the reason."""
    import jax.numpy as jnp
    from logbessel import _jax_ffi
    import logbessel.jax as mod
    monkeypatch.setattr(_jax_ffi, "_state", {"lib": None, "tried": True, "reason": "RuntimeError: test",
                                             "path": None, "cuda": {}})
    monkeypatch.setattr(mod, "_warned", [])
    v, x = jnp.asarray([0.5, 3.0]), jnp.asarray([2.0, 40.0])
    with pytest.warns(RuntimeWarning, match="custom calls are unavailable .*RuntimeError: test"):
        y = jax.jit(mod.log_kv)(v, x)
    np.testing.assert_array_equal(np.asarray(y), lb.log_kv(np.asarray(v), np.asarray(x)))
    assert "callback" in jax.jit(mod.log_iv).lower(v, x).as_text()
    assert mod.ffi_status()["ffi"] is False


def test_library_cache_key(jax, lbj, tmp_path, monkeypatch):
    """The cached library's name hashes the sources, headers and compiler command: another
    compiler (or flag) gives another file; the same gives the same."""
    from pathlib import Path
    import jax.ffi
    from logbessel import _jax_ffi
    monkeypatch.setenv("LOGBESSEL_CACHE_DIR", str(tmp_path))
    inc = Path(jax.ffi.include_dir())
    a = _jax_ffi.library_path(inc, ["c++"])
    assert a == _jax_ffi.library_path(inc, ["c++"]) and a.parent == tmp_path
    assert a != _jax_ffi.library_path(inc, ["c++", "-O3"])
    assert lbj.ffi_status()["library"].endswith(".so")


def test_gpu_matches_the_cpu(jax, lbj):
    """On a JAX CUDA device: the kernels through the custom calls (no CuPy) agree with the
    CPU custom calls within the GPU parity budgets (tests/spec.py)."""
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if not gpus:
        pytest.skip("no JAX CUDA device")
    from test_gpu import BUDGET, parity_error
    import jax.numpy as jnp
    v, x = _inputs(1 << 16, seed=1)
    cpu = jax.devices("cpu")[0]
    for dtype in (np.float32, np.float64):
        a, b = v.astype(dtype), x.astype(dtype)
        for f in _registry.FUNCTIONS:
            fn = jax.jit(getattr(lbj, f.name))
            aa = np.abs(a) + 2 if f.name == "vmf_log_normalizer" else a
            g = fn(jax.device_put(jnp.asarray(aa), gpus[0]), jax.device_put(jnp.asarray(b), gpus[0]))
            c = fn(jax.device_put(jnp.asarray(aa), cpu), jax.device_put(jnp.asarray(b), cpu))
            err = parity_error(f.name, np.asarray(g), np.asarray(c), dtype)
            assert err <= BUDGET[dtype][f.name], (f.name, dtype, err)


def test_library_built_without_a_writable_cache(jax, lbj, tmp_path, monkeypatch):
    """A cache folder that cannot be made (here: a path under a file) puts the library in a
    private temporary folder instead of giving up on the custom calls. (The compiler is
    replaced by a stand-in that writes the output file: nothing is compiled.)"""
    import subprocess
    from pathlib import Path
    import jax.ffi
    from logbessel import _jax_ffi
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LOGBESSEL_CACHE_DIR", str(blocker / "cache"))

    def fake_compiler(cmd, **kwargs):
        Path(cmd[cmd.index("-o") + 1]).write_bytes(b"library")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(_jax_ffi.subprocess, "run", fake_compiler)
    path = _jax_ffi._build(Path(jax.ffi.include_dir()), ["c++"])
    assert path.read_bytes() == b"library" and not str(path).startswith(str(blocker))
    assert path.name == _jax_ffi.library_path(Path(jax.ffi.include_dir()), ["c++"]).name
