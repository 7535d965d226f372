"""Backend choice for the elementwise functions: NumPy ufuncs on the CPU, CUDA kernels for
CuPy arrays. CuPy is never imported here: an argument is recognised as a CuPy array by its
type's module, so importing logbessel stays free of GPU dependencies."""
from __future__ import annotations

import numpy as np


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
            return ufunc(v, x, **kwargs)
        return ufunc(v, x, out=out, **kwargs)

    func.__name__ = name
    func.__qualname__ = name
    func.__doc__ = doc
    func.ufunc = ufunc
    return func
