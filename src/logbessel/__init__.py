"""logbessel: logarithms of modified Bessel functions, to machine precision, for every real
order, on the CPU (NumPy ufuncs) and the GPU (CuPy arrays), with a von Mises-Fisher layer.

Elementwise functions (NumPy ufunc semantics; CuPy arrays in -> CuPy arrays out):

    log_iv(v, x)    log I_v(x)
    log_kv(v, x)    log K_v(x)
    iv_ratio(v, x)  I_v(x) / I_{v-1}(x)
    log_iv_dx, log_kv_dx, log_iv_dv, log_kv_dv   derivatives of log I, log K in x and in v

The ufuncs themselves are ``log_iv.ufunc`` etc. (also ``logbessel.ufuncs``).

Threads: inputs of ``logbessel._core.parallel_threshold`` (32768) elements or more are split
across threads, as many as the hardware has or ``LOGBESSEL_NUM_THREADS`` says. The variable
is read at each such call, so it may be changed between calls; a value that is not a
positive integer is ignored and one above ``logbessel._core.max_threads`` (4 x the hardware
threads) is capped, each with a RuntimeWarning (once per value: at import, or at the first
call that meets it). Where a thread cannot be started (e.g. under an address-space limit),
its share runs on the calling thread: same results. An ``out=`` that overlaps an input
(other than element for element) keeps the loop on one thread, so the results are the ones
NumPy promises for overlapping operands.

CPU: the extension carries the loops for several instruction-set levels (x86-64: baseline,
avx2, avx512) and runs the highest one the CPU supports; ``LOGBESSEL_CPU=baseline|avx2|avx512``
forces one (an ImportError if the CPU lacks it). Results are the same bits at every level.
``logbessel.show_config()`` (or ``python -m logbessel info``) reports the level, the build
and the environment.
"""
from . import _core
from . import _dispatch
from . import _registry
from ._info import show_config
from ._version import __version__

_core.num_threads()  # reads LOGBESSEL_NUM_THREADS: a bad value warns now, not at first use
_dispatch._report_bad_num_threads(stacklevel=2)

# The public elementwise functions: the registry's rows whose home is this module
# (csrc/logbessel/registry.h), their docstrings from _docs.py.
_PUBLIC = _registry.names("logbessel")
globals().update({_name: _dispatch.public_function(_name, __name__) for _name in _PUBLIC})

# namespace of the raw numpy ufuncs
ufuncs = type("ufuncs", (), {"__module__": __name__, "__doc__": "The raw numpy ufuncs.",
                             **{_name: getattr(_core, _name) for _name in _PUBLIC}})


def __dir__():  # the public names (and the private ones), not the imports' leftovers
    return sorted(set(globals()) | set(__all__))


def __getattr__(name):  # lazy submodules: logbessel.vmf
    if name == "vmf":
        import importlib
        mod = importlib.import_module(".vmf", __name__)
        globals()["vmf"] = mod
        return mod
    raise AttributeError(f"module 'logbessel' has no attribute {name!r}")


__all__ = [*_PUBLIC, "ufuncs", "vmf", "show_config", "__version__"]
