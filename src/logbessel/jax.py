"""JAX adapter: every public elementwise function of logbessel (log_iv, log_kv, log_ive,
log_kve, iv_ratio, iv_ratio_complement and the derivatives log_*_dx, log_*_dv) and the von
Mises-Fisher log normalizer, as XLA custom calls, so that jax.jit, jax.vmap, jax.grad and
jax.jvp work on the CPU and on CUDA GPUs without a trip through Python.

    import jax, logbessel.jax as lbj
    jax.config.update("jax_enable_x64", True)
    jax.grad(lambda v, x: lbj.log_kv(v, x).sum(), argnums=(0, 1))(2.5, jnp.ones(3))

Each function is one XLA FFI custom call, target ``logbessel_<name>`` (see
``jax.jit(f).lower(...).as_text()``), run by the same code as the NumPy ufunc on the CPU
(bit for bit) and as the CUDA kernel on a GPU (src/logbessel/_jax_ffi.py, csrc/jax_ffi.cc;
on a GPU the kernels are compiled by NVRTC and launched through the CUDA driver API on
XLA's stream, no CuPy needed). The arguments are promoted to one float dtype (float32, or
float64 with jax_enable_x64) and broadcast; vmap batches elementwise.

Derivatives: log_iv, log_kv, log_ive, log_kve and vmf_log_normalizer have custom JVP rules
whose tangents are custom calls too (log_*_dv and log_*_dx: exact derivatives; d/dkappa
log C_p(kappa) = -iv_ratio(p/2, kappa); d/dp from log_iv_dv). First derivatives are exact;
the derivative functions themselves are not differentiable (no second order), nor are
iv_ratio and iv_ratio_complement.

The custom calls need a C++ compiler once (the FFI library is compiled at first use, ~5 s,
and cached; see logbessel._jax_ffi). Without one (or with LOGBESSEL_JAX_FFI=0) the same
functions run as host callbacks (jax.pure_callback, on the host, arrays copied), with one
warning; ``ffi_status()`` says which path is in use and why.

jax is imported when this module is imported, never by ``import logbessel``.
"""
from __future__ import annotations

import functools
import inspect
import math
import operator
import warnings

import jax
import jax.numpy as jnp
import numpy as np

import logbessel as _lb
from logbessel import _jax_ffi, _registry

# The registry's public functions of logbessel (those with partial derivatives are
# differentiable), and the vMF normalizer (a row of its own, bound in logbessel.vmf).
_PUBLIC = tuple(f for f in _registry.FUNCTIONS if f.home == "logbessel")
__all__ = [f.name for f in _PUBLIC] + ["vmf_log_normalizer", "ffi_status"]

_warned = []


def ffi_status() -> dict:
    """Whether the functions run as XLA custom calls ({"ffi": True, "library": path}) or as
    host callbacks ({"ffi": False, "reason": ...}), and the functions prepared for CUDA."""
    return _jax_ffi.status()


def _operands(args):
    """The arguments as arrays of one float dtype (float32 or float64; JAX's promotion, then
    integers to the default float and half precision to float32), broadcast."""
    args = [jnp.asarray(a) for a in args]
    dtype = jnp.result_type(*args)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)  # integers, bools: JAX's default float
    elif dtype not in (jnp.float32, jnp.float64):
        dtype = jnp.dtype(jnp.float32)  # float16, bfloat16: computed and returned in float32
    return [jnp.asarray(a, dtype=dtype) for a in jnp.broadcast_arrays(*args)], dtype


def _host(name, args, dtype):
    fn = getattr(_lb._core, name)  # the ufunc (vmf_log_normalizer's too: no range checks)
    spec = jax.ShapeDtypeStruct(args[0].shape, dtype)

    def host(*arrs):
        return np.asarray(fn(*[np.asarray(a) for a in arrs]), dtype=dtype)

    return jax.pure_callback(host, spec, *args, vmap_method="broadcast_all")


def _call(name, *args):
    """Registry function `name` of args, as the custom call logbessel_<name> (or, where the
    FFI library cannot be had, as a host callback)."""
    args, dtype = _operands(args)
    if _jax_ffi.load() is None:
        if not _warned:
            _warned.append(True)
            warnings.warn("logbessel.jax: the XLA custom calls are unavailable "
                          f"({_jax_ffi.status()['reason']}); using host callbacks",
                          RuntimeWarning, stacklevel=3)
        return _host(name, args, dtype)
    if _jax_ffi.has_gpu():  # (the program may run on a GPU: its kernels loaded, target registered)
        _jax_ffi.prepare_cuda(name)
    out = jax.ShapeDtypeStruct(args[0].shape, dtype)
    return jax.ffi.ffi_call(f"logbessel_{name}", out, vmap_method="broadcast_all")(*args)


def _make(name, partials):
    """Function `name` with the JVP sum over k of partials[k](*args) * tangent k, where
    partials[k] is a function of the arguments (a registry name, or a callable)."""
    @jax.custom_jvp
    def f(*args):
        return _call(name, *args)

    def partial(d, args):
        return _call(d, *args) if isinstance(d, str) else d(*args)

    @f.defjvp
    def f_jvp(primals, tangents):
        y = f(*primals)
        # (an integer argument's tangent is float0: it contributes nothing)
        terms = [partial(d, primals) * t for d, t in zip(partials, tangents)
                 if t.dtype != jax.dtypes.float0]
        return y, functools.reduce(operator.add, terms) if terms else jnp.zeros_like(y)

    return f


def _public(f, inner, doc):
    # jit: an eager call is then one cached executable (shapes and dtypes as the key), not
    # a new trace and dispatch of the custom call each time; inside a caller's jit it is
    # inlined
    inner = jax.jit(inner)
    sig = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                             for p in f.params])

    def func(*args, **kwargs):
        return inner(*sig.bind(*args, **kwargs).args)

    func.__name__ = func.__qualname__ = f.name
    func.__module__ = __name__
    func.__signature__ = sig
    func.__doc__ = doc
    return func


def _function(f):
    """The JAX form of registry row f: arguments named as the row's params; differentiable
    where the row has partial derivatives."""
    inner = _make(f.name, f.partials) if f.partials else functools.partial(_call, f.name)
    doc = (f"{f.name}({', '.join(f.params)}): {f.summary} An XLA custom call"
           + (f", differentiable (custom JVP) in {' and '.join(f.params)}." if f.partials else "."))
    return _public(f, inner, doc)


globals().update({f.name: _function(f) for f in _PUBLIC})


def _dlogc_dp(p, kappa):
    # d/dp log C_p(kappa) = (log kappa - log(2 pi) - d/dv log I_v(kappa)|_{v=p/2-1}) / 2;
    # at kappa = 0 the same at kappa = 1e-8 (log C_p(kappa) - log C_p(0) = O(kappa^2)),
    # as logbessel._vmf_core.log_normalizer_dp does
    (p, kappa), _ = _operands((p, kappa))
    k = jnp.where(kappa == 0, jnp.asarray(1e-8, kappa.dtype), kappa)
    return 0.5 * (jnp.log(k) - math.log(2 * math.pi) - _call("log_iv_dv", p / 2 - 1, k))


def _dlogc_dkappa(p, kappa):
    return -_call("iv_ratio", p / 2, kappa)  # d/dkappa log C_p = -A_p(kappa)


vmf_log_normalizer = _public(
    _registry.BY_NAME["vmf_log_normalizer"],
    _make("vmf_log_normalizer", (_dlogc_dp, _dlogc_dkappa)),
    """vmf_log_normalizer(p, kappa): log C_p(kappa) of the von Mises-Fisher density on
S^{p-1}, an XLA custom call; custom JVP in kappa (-A_p(kappa)) and in p (treated as a real
number). No range checks (elementwise: p < 2 or kappa < 0 give NaN, as the ufunc).""")
