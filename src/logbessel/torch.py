"""PyTorch adapter: the elementwise functions of logbessel as ``torch.library`` custom ops,
differentiable in both the order v and the argument x.

    import torch, logbessel.torch as lbt
    v = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    x = torch.linspace(0.1, 10, 5, dtype=torch.float64, requires_grad=True)
    lbt.log_iv(v, x).sum().backward()     # v.grad and x.grad are exact derivatives

Every registry row of logbessel (csrc/logbessel/registry.h: log_iv, log_kv, log_ive,
log_kve, iv_ratio, iv_ratio_complement and the derivatives log_*_dv, log_*_dx) and the vMF
normalizer vmf_log_normalizer is a ``torch.library`` operator of the namespace
``logbessel`` (``torch.ops.logbessel.log_iv`` ..., also ``logbessel.torch.ops``), taking
tensors of one shape, one dtype (float32 or float64) and one device. The functions of
this module with the same names take tensors or numbers, promote them to one floating
dtype (float16/bfloat16 to float32, integers to the default dtype), broadcast them (by
torch, so that autograd reduces the gradients to the inputs' shapes) and call the
operator. Complex tensors and tensors on different devices are a TypeError.

- CPU kernel: the NumPy ufunc writes into the result tensor; the inputs are NumPy views
  of the tensors (no copy, broadcast inputs included), so the values are the ufuncs',
  bit for bit.
- CUDA kernel: the kernels of logbessel's GPU backend, launched on torch's current stream
  of the tensors' device (``_cuda_impl``: the kernels of csrc/kernels.cu compiled by NVRTC
  and launched through the CUDA driver API by logbessel._cuda; no CuPy needed).
- Derivatives: each operator with partial derivatives in the registry (log_iv, log_kv,
  log_ive, log_kve) has a derivative formula whose terms are the derivative operators
  (exact derivatives, not finite differences), for backward and forward mode;
  vmf_log_normalizer has d/dkappa log C_p = -A_p(kappa) = -iv_ratio(p/2, kappa), which
  keeps full relative accuracy where kappa << p, and d/dp (p as a real number). The
  derivative operators and iv_ratio have none: differentiating them (a second derivative)
  raises RuntimeError, never a silent zero.
- Each operator has a fake kernel (shape, dtype and device of its inputs) and a vmap rule,
  so ``torch.compile(..., fullgraph=True)`` keeps the operators in its graph, and
  ``torch.export.export``, ``torch.func`` (grad, vmap, jvp, jacrev, jacfwd) and
  ``torch.autograd.gradcheck`` work on code that calls them.
- vmf_log_normalizer raises ValueError for p < 2 or kappa < 0 (the operator checks the
  values when it runs, also inside compiled code; on CUDA that reads a flag back to the
  host).

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
import math

import torch
from torch.autograd import forward_ad as _forward_ad

from logbessel import _core, _dispatch, _registry

# The operators: the registry's public functions of logbessel (those with partial
# derivatives are differentiable), and the vMF normalizer (its elementwise part).
_PUBLIC = tuple(f for f in _registry.FUNCTIONS if f.home == "logbessel")
_VMF = _registry.BY_NAME["vmf_log_normalizer"]
_VMF_NAMES = ("VonMisesFisher", "HypersphericalUniform", "vmf_nll", "unit_sphere")
__all__ = [f.name for f in _PUBLIC] + ["vmf_log_normalizer", *_VMF_NAMES]

_NAMESPACE = "logbessel"


def __getattr__(name):
    # the distributions live one layer up (they use this module's operators); importing
    # them also registers their KL divergences with torch.distributions.kl
    if name in _VMF_NAMES:
        from . import _torch_vmf
        value = getattr(_torch_vmf, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'logbessel.torch' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


# ------------------------------------------------------------------------------------------
# the kernels (tensors of one shape, dtype and device)
# ------------------------------------------------------------------------------------------

def _input_error(name: str, inputs):
    """None when the tensors among inputs agree in shape, dtype (float32 or float64) and
    device, else the message saying what is wrong."""
    tensors = [t for t in inputs if isinstance(t, torch.Tensor)]
    first = tensors[0]
    if first.dtype not in (torch.float32, torch.float64):
        return f"logbessel::{name}: float32 or float64 tensors, not {first.dtype}"
    for t in tensors[1:]:
        if t.shape != first.shape or t.dtype != first.dtype or t.device != first.device:
            return (f"logbessel::{name}: the tensors must have one shape, dtype and device; "
                    f"got {tuple(first.shape)} {first.dtype} {first.device} and "
                    f"{tuple(t.shape)} {t.dtype} {t.device} (logbessel.torch.{name} "
                    f"broadcasts and promotes)")
    return None


def _cpu_impl(name: str, *inputs: torch.Tensor) -> torch.Tensor:
    """The ufunc `name` on CPU tensors, into a new tensor: the inputs are passed as NumPy
    views (any strides, so broadcast inputs are not copied)."""
    out = torch.empty(inputs[0].shape, dtype=inputs[0].dtype)
    getattr(_core, name)(*[t.detach().numpy() for t in inputs], out=out.numpy())
    bad = _dispatch._take_bad_num_threads()
    if bad is not None:
        _dispatch._report_bad_num_threads(stacklevel=3, value=bad)
    return out


def _cuda_impl(name: str, *inputs: torch.Tensor) -> torch.Tensor:
    """The CUDA kernels of `name` on CUDA tensors, on torch's current stream of their
    device, into a new contiguous tensor: compiled by NVRTC and launched through the CUDA
    driver API (logbessel._cuda; no CuPy), the same kernels as the CuPy backend's.
    Expanded or transposed inputs are made contiguous first (the launch reads n
    consecutive elements of each)."""
    from . import _cuda
    device = inputs[0].device
    index = device.index if device.index is not None else torch.cuda.current_device()
    inputs = [t.detach().contiguous() for t in inputs]
    out = torch.empty(inputs[0].shape, dtype=inputs[0].dtype, device=device)
    stream = torch.cuda.current_stream(device).cuda_stream
    # (the contiguous copies are freed after the call on the same stream: torch's caching
    # allocator reuses their memory only for work queued after these launches)
    _cuda.launch(name, [t.data_ptr() for t in inputs], out.data_ptr(), out.numel(),
                 str(out.dtype).replace("torch.", ""), index, stream)
    return out


def _check_vmf_args(p: torch.Tensor, kappa: torch.Tensor) -> None:
    """ValueError for p < 2 or kappa < 0 (as logbessel.vmf.log_normalizer; NaN passes)."""
    for arg, bad, need in ((p, p < 2, "p (the dimension of the ambient space R^p) must be >= 2"),
                           (kappa, kappa < 0, "kappa must be >= 0")):
        if bool(bad.any()):
            name = "p" if arg is p else "kappa"
            raise ValueError(f"vmf_log_normalizer: {need}; got {name} = "
                             f"{float(arg[bad].reshape(-1)[0]):g} (the arguments are "
                             f"vmf_log_normalizer(p, kappa))")


def _kernel(name: str, device: str):
    run = _cpu_impl if device == "cpu" else _cuda_impl

    def kernel(*inputs):
        error = _input_error(name, inputs)
        if error:
            raise RuntimeError(error)
        if name == _VMF.name:
            _check_vmf_args(*inputs)
        return run(name, *inputs)

    kernel.__name__ = f"{name}_{device}"
    return kernel


# ------------------------------------------------------------------------------------------
# operators: definition, fake kernel, vmap rule, autograd
# ------------------------------------------------------------------------------------------

_LIB = torch.library.Library(_NAMESPACE, "DEF")


def _define_op(name: str, schema: str, kernels: dict):
    """The operator logbessel::NAME(SCHEMA) with kernels {dispatch key: function} (e.g.
    "CPU", "CUDA"), elementwise: its result has the shape, dtype and device of its first
    tensor argument (the fake kernel), and vmap batches it elementwise."""
    _LIB.define(name + schema)
    for key, fn in kernels.items():
        _LIB.impl(name, fn, key)
    qualname = f"{_NAMESPACE}::{name}"

    def fake(*inputs):
        error = _input_error(name, inputs)
        torch._check(error is None, lambda: error)
        first = next(a for a in inputs if isinstance(a, torch.Tensor))
        return first.new_empty(first.shape)

    torch.library.register_fake(qualname, fake, lib=_LIB)
    op = getattr(getattr(torch.ops, _NAMESPACE), name).default

    def vmap_rule(info, in_dims, *inputs):
        # the batched tensors' batch axis to the front, the others expanded to it
        size = info.batch_size
        moved = [a if not isinstance(a, torch.Tensor) else a.movedim(d, 0) if d is not None
                 else a.unsqueeze(0).expand(size, *a.shape) for a, d in zip(inputs, in_dims)]
        return op(*moved), 0

    torch.library.register_vmap(qualname, vmap_rule, lib=_LIB)
    return op


try:  # torch's own machinery for autograd formulas that work under torch.func transforms
    from torch._functorch.utils import enable_single_level_autograd_function
    from torch.autograd.function import _SingleLevelFunction
except ImportError:  # pragma: no cover (a torch without them: register_autograd below)
    _SingleLevelFunction = None


class _Saved:
    """The arguments of an operator, kept for its derivative: the tensors saved on the
    autograd context, the other arguments (numbers) as they are."""

    @staticmethod
    def save(ctx, inputs, forward=False):
        tensors = [a for a in inputs if isinstance(a, torch.Tensor)]
        ctx.save_for_backward(*tensors)
        if forward:
            ctx.save_for_forward(*tensors)
        ctx.others = [(i, a) for i, a in enumerate(inputs) if not isinstance(a, torch.Tensor)]

    @staticmethod
    def load(ctx):
        tensors = iter(ctx.saved_tensors)
        others = dict(ctx.others)
        return [others[i] if i in others else next(tensors)
                for i in range(len(ctx.others) + len(ctx.saved_tensors))]


def _differentiated(inputs) -> bool:
    """Whether an argument requires grad (in grad mode) or carries a forward-mode tangent."""
    if torch.is_grad_enabled() and torch._C._any_requires_grad(*inputs):
        return True
    return _forward_ad._current_level >= 0 and any(
        isinstance(a, torch.Tensor) and _forward_ad.unpack_dual(a).tangent is not None
        for a in inputs)


def _register_autograd(op, partials, why_not=None):
    """Make op differentiable: partials holds, per argument, a function of op's arguments
    giving the partial derivative in that argument (operators again, so that they are
    recorded too), or None for an argument without one (a number). partials None: op
    has no derivative, and differentiating it raises RuntimeError(why_not).

    torch.library.register_autograd makes an autograd.Function that torch.func's transforms
    reject (pytorch/pytorch#170834: "must override the setup_context staticmethod"), so
    the Autograd kernel is registered here the way the fix of that issue does it: a
    single-level function (the transforms call the kernel once per level), its forward
    redispatched below autograd. It has a forward-mode rule too (torch.func.jvp, jacfwd):
    the same partial derivatives times the tangents."""

    def grads(ctx, seeds):
        """seeds[k] (None: not needed) times the partial derivative k."""
        if partials is None:
            raise RuntimeError(why_not)
        args = _Saved.load(ctx)
        return [None if s is None or d is None else s * d(*args) for s, d in zip(seeds, partials)]

    def backward(ctx, g):
        return tuple(grads(ctx, [g if need else None for need in ctx.needs_input_grad]))

    def setup_context(ctx, inputs, output):
        _Saved.save(ctx, inputs)

    if _SingleLevelFunction is None:  # pragma: no cover
        torch.library.register_autograd(op, backward, setup_context=setup_context, lib=_LIB)
        return
    below = torch._C._after_autograd_keyset

    def forward(ctx, keyset, *inputs):
        # grad mode back on (as torch.func's own single-level functions do), so that under
        # nested transforms the outer levels record the operator when it reaches them
        with torch.enable_grad(), torch._C._AutoDispatchBelowAutograd():
            out = op.redispatch(keyset & below, *inputs)
        _Saved.save(ctx, inputs, forward=True)
        return out

    def backward_kernel(ctx, g):
        return (None, *grads(ctx, [g if need else None for need in ctx.needs_input_grad[1:]]))

    def jvp(ctx, _, *tangents):
        terms = [t for t in grads(ctx, tangents) if t is not None]
        return sum(terms[1:], terms[0]) if terms else None

    name = "".join(w.title() for w in op._opname.split("_"))
    function = type(name, (_SingleLevelFunction,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward_kernel),
        "jvp": staticmethod(jvp)})

    def kernel(keyset, *inputs):
        if _differentiated(inputs):
            with enable_single_level_autograd_function():
                return function.apply(keyset, *inputs)
        with torch._C._AutoDispatchBelowAutograd():
            return op.redispatch(keyset & below, *inputs)

    _LIB.impl(op._opname, kernel, "Autograd", with_keyset=True)


_OPS = {f.name: _define_op(f.name, "(" + ", ".join(f"Tensor {p}" for p in f.params) + ") -> Tensor",
                           {"CPU": _kernel(f.name, "cpu"), "CUDA": _kernel(f.name, "cuda")})
        for f in (*_PUBLIC, _VMF)}
ops = getattr(torch.ops, _NAMESPACE)  # the operators (OpOverloadPackets): ops.log_iv(v, x)


def _vmf_dp(p, kappa):
    """d/dp log C_p(kappa) = (log k - log(2 pi) - d/dv log I_v(k) at v = p/2 - 1) / 2, in
    float64, with k = 1e-8 at kappa = 0 (the limit to ~1e-15; _vmf_core's
    log_normalizer_dp)."""
    k64 = torch.where(kappa == 0, 1e-8, kappa).to(torch.float64)
    d = 0.5 * (torch.log(k64) - math.log(2 * math.pi)
               - ops.log_iv_dv(p.to(torch.float64) / 2 - 1, k64))
    return d.to(p.dtype)


def _vmf_dkappa(p, kappa):
    return -ops.iv_ratio(p / 2, kappa)  # d/dkappa log C_p = -A_p(kappa)


for _f in _PUBLIC:
    _register_autograd(
        _OPS[_f.name], tuple(getattr(ops, d) for d in _f.partials) or None,
        f"logbessel.torch: {_f.name} has no derivative formula (csrc/logbessel/registry.h "
        f"lists no partial derivatives for it), so it cannot be differentiated; the "
        f"derivative functions (log_*_dv, log_*_dx) and iv_ratio give first derivatives only")
_register_autograd(_OPS[_VMF.name], (_vmf_dp, _vmf_dkappa))


# ------------------------------------------------------------------------------------------
# the public functions
# ------------------------------------------------------------------------------------------

_FLOATS = (torch.float32, torch.float64)


def _prepare(*args):
    """Tensors of one floating dtype and device, broadcast to a common shape (broadcasting
    is done by torch so that autograd reduces the gradients back to the input shapes)."""
    first = args[0]
    if isinstance(first, torch.Tensor) and first.dtype in _FLOATS and all(
            isinstance(a, torch.Tensor) and a.dtype == first.dtype and a.device == first.device
            and a.shape == first.shape for a in args[1:]):
        return args  # (the usual case: nothing to do)
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    device = tensors[0].device if tensors else torch.device("cpu")
    dtypes = [a.dtype for a in tensors if a.is_floating_point()]
    dtype = dtypes[0] if dtypes else torch.get_default_dtype()
    for d in dtypes[1:]:
        dtype = torch.promote_types(dtype, d)
    if dtype not in _FLOATS:
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


def _bind(name, params, args, kwargs):
    """The arguments in params' order, from positional and keyword arguments."""
    if len(args) > len(params):
        raise TypeError(f"{name}() takes {len(params)} arguments but {len(args)} were given")
    bound = list(args)
    for p in params[len(args):]:
        if p not in kwargs:
            raise TypeError(f"{name}() missing the argument {p!r} (call {name}({', '.join(params)}))")
        bound.append(kwargs.pop(p))
    if kwargs:
        raise TypeError(f"{name}() got unexpected or repeated arguments {sorted(kwargs)}")
    return bound


def _public(f, doc):
    """The torch function of registry row f: arguments named as the row's params."""
    op = _OPS[f.name]
    params = f.params

    def func(*args, **kwargs) -> torch.Tensor:
        return op(*_prepare(*_bind(f.name, params, args, kwargs)))

    func.__name__ = func.__qualname__ = f.name
    func.__module__ = __name__
    func.__signature__ = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params])
    func.__doc__ = doc
    return func


def _doc(f):
    grad = (f"differentiable in {' and '.join(f.params)}" if f.partials
            else "not differentiable (no autograd formula)")
    return (f"{f.name}({', '.join(f.params)}): {f.summary} For tensors (or numbers); {grad}. "
            f"The operator torch.ops.logbessel.{f.name}.")


globals().update({f.name: _public(f, _doc(f)) for f in _PUBLIC})

vmf_log_normalizer = _public(_VMF, """vmf_log_normalizer(p, kappa): log C_p(kappa) of the von
Mises-Fisher density on S^{p-1}, differentiable in kappa (gradient -A_p(kappa)) and in p
(treated as a real number). ValueError for p < 2 or kappa < 0. The operator
torch.ops.logbessel.vmf_log_normalizer.""")

del _f
