"""Backend choice for the elementwise functions: NumPy ufuncs on the CPU, CUDA kernels for
CuPy arrays. CuPy is never imported here: an argument is recognised as a CuPy array by its
type's module, so importing logbessel stays free of GPU dependencies."""
from __future__ import annotations

import warnings

import numpy as np

from . import _core


def _is_cupy(obj) -> bool:
    mod = type(obj).__module__
    return mod.startswith("cupy") and hasattr(obj, "__cuda_array_interface__")


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


def make_public(name: str, ufunc, doc: str):
    """Wrap a numpy ufunc into the public function: CuPy arrays go to the GPU backend,
    everything else (NumPy arrays, scalars, lists, Dask/xarray through the ufunc protocol)
    goes to the ufunc itself."""

    def func(v, x, /, out=None, **kwargs):
        args = (v, x)
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
            return _gpu.call(name, v, x, out=out, **kwargs)
        _check_real(name, args)
        if isinstance(v, (str, bytes)) or isinstance(x, (str, bytes)):
            raise TypeError(f"{name}: expected real numbers, got a string")
        if out is None:
            result = ufunc(v, x, **kwargs)
        else:
            result = ufunc(v, x, out=out, **kwargs)
        bad = _take_bad_num_threads()
        if bad is not None:
            _report_bad_num_threads(stacklevel=2, value=bad)
        return result

    func.__name__ = name
    func.__qualname__ = name
    func.__doc__ = doc
    func.ufunc = ufunc
    return func
