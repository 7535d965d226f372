"""PyTorch adapter: autograd-aware log I_v(x), log K_v(x) and the von Mises-Fisher log
normalizer, differentiable in both the order v and the argument x.

    import torch, logbessel.torch as lbt
    v = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    x = torch.linspace(0.1, 10, 5, dtype=torch.float64, requires_grad=True)
    lbt.log_iv(v, x).sum().backward()     # v.grad and x.grad are exact derivatives

CPU tensors are evaluated by the NumPy ufuncs and CUDA tensors by the CuPy kernels (needs
cupy), in both cases without copying: CPU tensors share memory with NumPy arrays, CUDA
tensors are exchanged through DLPack. Gradients come from logbessel.log_iv_dv, log_iv_dx,
log_kv_dv, log_kv_dx (exact derivatives, not finite differences), and for the vMF normalizer
from d/dkappa log C_p(kappa) = -A_p(kappa) = -iv_ratio(p/2, kappa), which keeps full relative
accuracy where kappa << p. First derivatives only (no double backward).

The von Mises-Fisher distribution for deep learning is here too (defined in
``logbessel._torch_vmf``, loaded on first use of one of its names):

    lbt.VonMisesFisher(loc, concentration)   torch.distributions.Distribution: log_prob,
                                             rsample (reparameterized), entropy, mean, mode
    lbt.HypersphericalUniform(dim)           the uniform distribution on the sphere
    kl_divergence(vmf, vmf), kl_divergence(vmf, uniform)   closed forms (registered)
    lbt.vmf_nll(direction, kappa, target, reduction="mean")   direction-regression loss

torch is imported when this module is imported, never by ``import logbessel``.
"""
from __future__ import annotations

import inspect

import numpy as np
import torch

import logbessel as _lb
from logbessel import _registry

# The registry's public functions that have partial derivatives (log_iv, log_kv ...), and
# the vMF normalizer.
_DIFFERENTIABLE = tuple(f for f in _registry.FUNCTIONS if f.home == "logbessel" and f.partials)
_VMF_NAMES = ("VonMisesFisher", "HypersphericalUniform", "vmf_nll", "unit_sphere")
__all__ = [f.name for f in _DIFFERENTIABLE] + ["vmf_log_normalizer", *_VMF_NAMES]


def __getattr__(name):
    # the distributions live one layer up (they use this module's autograd functions);
    # importing them also registers their KL divergences with torch.distributions.kl
    if name in _VMF_NAMES:
        from . import _torch_vmf
        value = getattr(_torch_vmf, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'logbessel.torch' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _as_backend(t: torch.Tensor):
    """A NumPy (CPU) or CuPy (CUDA) view of a tensor, without copying."""
    t = t.detach()
    if t.device.type == "cpu":
        return t.numpy()
    if t.device.type == "cuda":
        import cupy
        return cupy.from_dlpack(t)
    raise TypeError(f"logbessel.torch: unsupported device {t.device}; use CPU or CUDA tensors")


def _to_tensor(a, like: torch.Tensor) -> torch.Tensor:
    if isinstance(a, np.ndarray) or np.isscalar(a):
        return torch.from_numpy(np.asarray(a)).to(like.device)
    return torch.from_dlpack(a)


def _elementwise(fn, *tensors: torch.Tensor) -> torch.Tensor:
    out = fn(*[_as_backend(t) for t in tensors])
    return _to_tensor(out, tensors[0]).reshape(tensors[0].shape)


def _prepare(*args):
    """Tensors of one floating dtype and device, broadcast to a common shape (broadcasting
    is done by torch so that autograd reduces the gradients back to the input shapes)."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    device = tensors[0].device if tensors else torch.device("cpu")
    dtypes = [a.dtype for a in tensors if a.is_floating_point()]
    dtype = torch.promote_types(*dtypes) if len(dtypes) > 1 else (dtypes[0] if dtypes else torch.get_default_dtype())
    if dtype not in (torch.float32, torch.float64):
        dtype = torch.float32 if dtype in (torch.float16, torch.bfloat16) else torch.float64
    out = []
    for a in args:
        if isinstance(a, torch.Tensor):
            if a.is_complex():
                raise TypeError("logbessel.torch: complex tensors are not supported")
            if a.device != device:
                raise TypeError(f"logbessel.torch: tensors on different devices ({a.device}, {device})")
            out.append(a.to(dtype))
        else:
            out.append(torch.as_tensor(a, dtype=dtype, device=device))
    return torch.broadcast_tensors(*out)


class _Elementwise(torch.autograd.Function):
    """value(*inputs) with the gradient sum over k of g * partials[k](*inputs) for input k."""

    @staticmethod
    def forward(ctx, value, partials, *inputs):
        ctx.save_for_backward(*inputs)
        ctx.partials = partials
        return _elementwise(value, *inputs)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        inputs = ctx.saved_tensors
        grads = [g * _elementwise(d, *inputs) if ctx.needs_input_grad[2 + k] else None
                 for k, d in enumerate(ctx.partials)]
        return (None, None, *grads)


def _differentiable(f):
    """The torch form of registry row f: arguments named as the row's params."""
    value = getattr(_lb, f.name)
    partials = tuple(getattr(_lb, d) for d in f.partials)
    sig = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                             for p in f.params])

    def func(*args, **kwargs) -> torch.Tensor:
        return _Elementwise.apply(value, partials, *_prepare(*sig.bind(*args, **kwargs).args))

    func.__name__ = func.__qualname__ = f.name
    func.__module__ = __name__
    func.__signature__ = sig
    func.__doc__ = (f"{f.name}({', '.join(f.params)}): {f.summary} For tensors (or numbers); "
                    f"differentiable in {' and '.join(f.params)}.")
    return func


globals().update({f.name: _differentiable(f) for f in _DIFFERENTIABLE})


def _log_normalizer_values(p, kappa):
    from . import vmf  # the one implementation (csrc/logbessel/vmf.h)
    return vmf.log_normalizer(p, kappa)


def _dlogc_dp(p, kappa):
    from ._vmf_core import log_normalizer_dp
    return log_normalizer_dp(p, kappa)


class _VmfLogNormalizer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p, kappa):
        ctx.save_for_backward(p, kappa)
        if p.device.type == "cpu":
            val = _log_normalizer_values(_as_backend(p), _as_backend(kappa))
            return torch.from_numpy(np.asarray(val, dtype=_as_backend(kappa).dtype)).reshape(p.shape)
        return _to_tensor(_log_normalizer_values(_as_backend(p), _as_backend(kappa)), p).reshape(p.shape)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        p, kappa = ctx.saved_tensors
        gp = gk = None
        if ctx.needs_input_grad[1]:
            # d/dkappa log C_p = -A_p(kappa) = -I_{p/2}/I_{p/2-1}
            half = p / 2
            gk = -g * _elementwise(_lb.iv_ratio, half, kappa)
        if ctx.needs_input_grad[0]:
            if p.device.type == "cpu":
                d = torch.from_numpy(np.asarray(_dlogc_dp(p.detach().numpy(), kappa.detach().numpy())))
            else:
                d = torch.from_numpy(np.asarray(_dlogc_dp(p.detach().cpu().numpy(),
                                                          kappa.detach().cpu().numpy()))).to(p.device)
            gp = g * d.to(g.dtype).reshape(g.shape)
        return gp, gk


def vmf_log_normalizer(p, kappa) -> torch.Tensor:
    """log C_p(kappa) of the von Mises-Fisher density on S^{p-1}, differentiable in kappa
    (gradient -A_p(kappa)) and in p (treated as a real number)."""
    p, kappa = _prepare(p, kappa)
    return _VmfLogNormalizer.apply(p, kappa)
