"""JAX adapter: log I_v(x), log K_v(x) and the von Mises-Fisher log normalizer with custom
JVP rules, so jax.grad, jax.jvp, jax.jit and jax.vmap work in both v and x.

    import jax, logbessel.jax as lbj
    jax.config.update("jax_enable_x64", True)
    jax.grad(lambda v, x: lbj.log_kv(v, x).sum(), argnums=(0, 1))(2.5, jnp.ones(3))

The values are computed by the NumPy ufuncs through jax.pure_callback, on the host: arrays
on an accelerator are copied to the host and back. Tangents use logbessel.log_*_dv and
log_*_dx (exact derivatives); d/dkappa log C_p(kappa) = -iv_ratio(p/2, kappa). First-order
derivatives are exact; higher orders are not provided (the derivative functions themselves
have no JVP rule).

jax is imported when this module is imported, never by ``import logbessel``.
"""
from __future__ import annotations

import functools
import inspect
import operator

import jax
import jax.numpy as jnp
import numpy as np

import logbessel as _lb
from logbessel import _registry

# The registry's public functions of logbessel (those with partial derivatives are
# differentiable), and the vMF normalizer.
_PUBLIC = tuple(f for f in _registry.FUNCTIONS if f.home == "logbessel")
__all__ = [f.name for f in _PUBLIC] + ["vmf_log_normalizer"]


def _call(fn, *args):
    """fn(*args) (a NumPy-level elementwise function) as a JAX operation on the host."""
    args = [jnp.asarray(a) for a in args]
    dtype = jnp.result_type(*args, jnp.float32)
    if dtype not in (jnp.float32, jnp.float64):
        dtype = jnp.result_type(float)
    args = [jnp.asarray(a, dtype=dtype) for a in jnp.broadcast_arrays(*args)]
    spec = jax.ShapeDtypeStruct(args[0].shape, dtype)

    def host(*arrs):
        return np.asarray(fn(*[np.asarray(a) for a in arrs]), dtype=dtype)

    return jax.pure_callback(host, spec, *args, vmap_method="broadcast_all")


def _make(value, *partials):
    """value(*args) with the JVP sum over k of partials[k](*args) * tangent k."""
    @jax.custom_jvp
    def f(*args):
        return _call(value, *args)

    @f.defjvp
    def f_jvp(primals, tangents):
        y = f(*primals)
        return y, functools.reduce(operator.add, (_call(d, *primals) * t for d, t in zip(partials, tangents)))

    return f


def _differentiable(f):
    """The JAX form of registry row f: arguments named as the row's params; differentiable
    where the row has partial derivatives."""
    if f.partials:
        inner = _make(getattr(_lb, f.name), *(getattr(_lb, d) for d in f.partials))
    else:
        inner = functools.partial(_call, getattr(_lb, f.name))
    sig = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                             for p in f.params])

    def func(*args, **kwargs):
        return inner(*sig.bind(*args, **kwargs).args)

    func.__name__ = func.__qualname__ = f.name
    func.__module__ = __name__
    func.__signature__ = sig
    func.__doc__ = f"{f.name}({', '.join(f.params)}): {f.summary}" + (
        f" Differentiable (custom JVP) in {' and '.join(f.params)}." if f.partials else "")
    return func


globals().update({f.name: _differentiable(f) for f in _PUBLIC})


def _log_normalizer_np(p, kappa):
    from . import vmf  # the one implementation (csrc/logbessel/vmf.h)
    return vmf.log_normalizer(p, kappa)


def _dlogc_dp_np(p, kappa):
    from ._vmf_core import log_normalizer_dp
    return log_normalizer_dp(p, kappa)


def _dlogc_dkappa_np(p, kappa):
    return -_lb.iv_ratio(p / 2, kappa)  # d/dkappa log C_p = -A_p(kappa)


vmf_log_normalizer = _make(_log_normalizer_np, _dlogc_dp_np, _dlogc_dkappa_np)
vmf_log_normalizer.__doc__ = """log C_p(kappa) of the von Mises-Fisher density on S^{p-1}; custom JVP in kappa
(-A_p(kappa)) and in p (treated as a real number)."""
