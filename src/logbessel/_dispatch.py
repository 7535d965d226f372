"""Backend choice for the elementwise functions: NumPy ufuncs on the CPU, CUDA kernels for
CuPy arrays. CuPy is never imported here: an argument is recognised as a CuPy array by its
type's module, so importing logbessel stays free of GPU dependencies."""
import inspect
import warnings

import numpy as np

from . import _core, _registry
from ._arrays import is_cupy as _is_cupy
from ._docs import DOCS


def _type_name(obj) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def _as_input(name: str, a):
    """``a`` itself, or for an array object whose ``dtype`` NumPy cannot interpret (a CPU
    torch tensor: ``torch.float32``) the NumPy array it converts to (``__array__``, or
    DLPack). NumPy would otherwise fail inside the ufunc with "Cannot interpret
    'torch.float32' as a data type"."""
    dt = getattr(a, "dtype", None)
    if dt is None or isinstance(dt, np.dtype):
        return a
    try:
        np.dtype(dt)
        return a
    except (TypeError, ValueError):
        pass
    hint = "for PyTorch tensors (CUDA, autograd) use logbessel.torch"
    if hasattr(a, "__array__") or hasattr(a, "__dlpack__"):
        try:
            return np.asarray(a) if hasattr(a, "__array__") else np.from_dlpack(a)
        except Exception as e:  # e.g. a CUDA tensor, or one that requires grad
            raise TypeError(f"{name}: cannot convert the {_type_name(a)} argument (dtype {dt}) to a "
                            f"NumPy array: {e}; {hint}") from e
    raise TypeError(f"{name}: unsupported input {_type_name(a)} with dtype {dt}, which is not a NumPy "
                    f"dtype; pass NumPy or CuPy arrays or numbers ({hint})")


def _check_real(name: str, args) -> None:
    for a in args:
        if isinstance(a, complex):
            raise TypeError(f"{name}: complex input is not supported (got {a!r}); "
                            "the functions are defined for real v and x only")
        dt = getattr(a, "dtype", None)
        if dt is None:
            continue
        kind = np.dtype(dt).kind if not isinstance(dt, np.dtype) else dt.kind
        if kind == "c":
            raise TypeError(f"{name}: complex input is not supported (got dtype {dt}); "
                            "pass real arrays (e.g. x.real) if that is what you mean")
        if kind in "OSUVMm":
            raise TypeError(f"{name}: unsupported input dtype {dt}; expected real numbers")


def _num_threads_message(value: str):
    """The warning for a bad LOGBESSEL_NUM_THREADS value (None for a good one)."""
    n, status = _core._parse_num_threads(value)
    if status == 2:
        return (f"LOGBESSEL_NUM_THREADS={value!r} is not a positive integer; ignored: using {n} "
                f"threads (the number of hardware threads)")
    if status == 3:
        hw = _core.hardware_threads
        why = (f"4 x the {hw} hardware threads" if n == 4 * hw
               else "the limit where the hardware thread count is unknown")
        return (f"LOGBESSEL_NUM_THREADS={value!r} is more than {n} ({why}); "
                f"using {n} threads")
    return None


_take_bad_num_threads = _core._take_bad_num_threads


def _report_bad_num_threads(stacklevel: int = 2, value=None) -> None:
    """Warn (RuntimeWarning) about a bad LOGBESSEL_NUM_THREADS value that a ufunc loop met:
    the loops run without the GIL and only record it. A value is reported once, and again
    only after another bad value was met in between."""
    if value is None:
        value = _take_bad_num_threads()
    if value is not None:
        msg = _num_threads_message(value)
        if msg:
            warnings.warn(msg, RuntimeWarning, stacklevel=stacklevel + 1)


def _call_error(name: str, params, given: int, kwargs) -> TypeError:
    named = [p for p in params if p in kwargs]
    call = f"{name}({', '.join(params)})"
    if named:
        return TypeError(f"{name}() takes {' and '.join(params)} as positional-only arguments: "
                         f"call {call}, not {name}({', '.join(p + '=...' for p in named)})")
    missing = params[given:]
    return TypeError(f"{name}() missing {len(missing)} required positional argument"
                     f"{'s' if len(missing) > 1 else ''}: {' and '.join(repr(p) for p in missing)} "
                     f"(call {call})")


def make_public(name: str, ufunc, doc: str, *, module: str = "logbessel", qualname=None, params=("v", "x")):
    """Wrap a numpy ufunc of len(params) inputs into the public function: CuPy arrays go to
    the GPU backend, everything else (NumPy arrays, scalars, lists, Dask/xarray through the
    ufunc protocol) goes to the ufunc itself.

    The function must be bound to ``qualname`` (default: ``name``) in ``module`` (its
    ``__qualname__`` and ``__module__``), so that pickle finds it by reference
    (multiprocessing, Dask)."""
    params = tuple(params)
    nin = len(params)
    if ufunc.nin != nin:
        raise ValueError(f"{name}: the ufunc takes {ufunc.nin} arguments, params names {nin}")

    def func(*args, out=None, **kwargs):
        # (params, /, out=None, **kwargs): the inputs positional-only, out also positional
        if len(args) < nin:
            raise _call_error(name, params, len(args), kwargs)
        if len(args) > nin:
            if len(args) > nin + 1:
                raise TypeError(f"{name}() takes from {nin} to {nin + 1} positional arguments "
                                f"but {len(args)} were given")
            if out is not None:
                raise TypeError(f"{name}() got multiple values for argument 'out'")
            args, out = args[:nin], args[nin]
        on_gpu = [_is_cupy(a) for a in args]
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            on_gpu += [_is_cupy(o) for o in outs]
        if any(on_gpu):
            if not all(_is_cupy(a) or np.isscalar(a) for a in args) or (
                out is not None and not all(_is_cupy(o) for o in (out if isinstance(out, tuple) else (out,)))):
                raise TypeError(f"{name}: cannot mix CuPy and NumPy arrays; move all array "
                                "arguments to one device (cupy.asarray / cupy.asnumpy)")
            _check_real(name, args)
            from . import _gpu
            return _gpu.call(name, *args, out=out, **kwargs)
        args = tuple(_as_input(name, a) for a in args)
        _check_real(name, args)
        if any(isinstance(a, (str, bytes)) for a in args):
            raise TypeError(f"{name}: expected real numbers, got a string")
        if out is None:
            result = ufunc(*args, **kwargs)
        else:
            result = ufunc(*args, out=out, **kwargs)
        bad = _take_bad_num_threads()
        if bad is not None:
            _report_bad_num_threads(stacklevel=2, value=bad)
        return result

    P = inspect.Parameter
    func.__signature__ = inspect.Signature(
        [P(p, P.POSITIONAL_ONLY) for p in params]
        + [P("out", P.POSITIONAL_OR_KEYWORD, default=None), P("kwargs", P.VAR_KEYWORD)])
    func.__name__ = name
    func.__qualname__ = qualname or name
    func.__module__ = module
    func.__doc__ = doc
    func.ufunc = ufunc
    return func


def public_function(name: str, module: str):
    """The public function of registry row `name` (_registry), bound in `module` (its HOME):
    as `name` in logbessel, as `_name` elsewhere (the elementwise part of a function of that
    module); its docstring is _docs.DOCS[name]."""
    f = _registry.BY_NAME[name]
    if f.home != module:
        raise ValueError(f"{name} belongs to {f.home}, not {module}")
    qualname = name if module == "logbessel" else "_" + name
    return make_public(name, getattr(_core, name), DOCS[name], module=module, qualname=qualname,
                       params=f.params)
