"""CuPy backend: the header-only math compiled for the GPU at run time.

The kernels are csrc/kernels.cu (thin extern "C" wrappers, no formulas) over the headers in
csrc/logbessel/, the very files the CPU extension is built from. An installed package
carries copies of them in logbessel/_csrc/; an editable checkout uses the repository's
csrc/ directly, so an edited header is picked up without reinstalling.

Compilation is done by CuPy (NVRTC) on first use of a function on a device, one module per
function (kernels.cu's LOGBESSEL_SELECT), about 12 s each for log_iv, log_kv and iv_ratio
(measured on the H200 host: 35 s for the three), and is cached by CuPy on disk
(CUPY_CACHE_DIR, default ~/.cupy/kernel_cache).
CuPy's cache key is the source text it is given, so that text starts with a SHA-256 of the
kernel file and every header: editing any header changes the key, and a stale binary is
never served. The in-process cache uses the same hash; it re-checks the files' sizes and
modification times at most once every STAT_INTERVAL seconds (call reload() to force it).

CuPy is imported only inside these functions; importing logbessel never imports it, and
`build_source()` / `source_hash()` work without CuPy (tests/test_cuda_compile.py uses them
to compile exactly what this module compiles).
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import numpy as np

from . import _registry

# Every public elementwise function (a kernel pair for each in kernels.cu): the registry's
# rows (csrc/logbessel/registry.h).
FUNCTIONS = _registry.names()

# Launch configuration (read at every call; the benchmark adjusts them). 256-thread blocks
# (kernels.cu's launch bounds assume at most 256); the grid covers the array, one tile (or,
# for the plain kernels, one element per thread) per block; BLOCKS_PER_SM only caps the
# grid for huge arrays, the kernels loop over what is left. On an H200, tiles of 4 x 256
# measured faster than 2 x 256, 4 x 128 and 8 x 128 (benchmarks/gpu_variants.py).
BLOCK = 256
BLOCKS_PER_SM = 1 << 20

# The sorted kernels (kernels.cu, apply_sorted: the registry rows whose key type sorts)
# sort each tile of the array by region before evaluating it. A
# tile is TILE_PER_THREAD * BLOCK elements (kernels.cu's LOGBESSEL_TILE_PER_THREAD), and
# BLOCK must not exceed its LOGBESSEL_TILE_MAX_BLOCK (256), the size of the tile's shared
# arrays.
TILE_PER_THREAD = 4

# Phases of the sorted kernels (the registry rows whose key type sorts; PHASES names exactly
# those functions): arrays of PHASE_MIN_N elements or more are evaluated in one launch per
# key interval [b[i], b[i+1]) of the key type's boundaries (csrc/logbessel/config.h; e.g.
# for log I: the uniform expansion with the special values, its band of F, the power
# series), so the whole GPU runs one region's code at a time; smaller arrays in a single
# launch over all keys [0, N_KEYS). Each launch re-reads the inputs (cheap beside the math).
N_KEYS = _registry.KEY_COUNT
PHASES = {f.name: f.phases for f in _registry.FUNCTIONS if f.sorted}
PHASE_MIN_N = 1 << 20

# NVRTC options besides those CuPy adds itself (-arch for the current device, -ftz=true).
# --fmad=false: no contraction of a*b + c into fma beyond the fma() calls written in the
# headers, so the GPU performs the same roundings as the CPU build (x86-64 baseline, which
# has no FMA to contract into). With contraction the results differ from the CPU's by up
# to about 4 eps at some inputs (measured by building the headers on the host both ways),
# which would leave nothing of the 4-eps parity budget for the device's libm. The
# benchmark measures the speed and the parity of the --fmad=true variant.
# LOGBESSEL_NVRTC_OPTIONS (whitespace-separated) appends options, for experiments.
NVRTC_OPTIONS = ("--std=c++17", "--fmad=false")

STAT_INTERVAL = 1.0  # seconds between checks of the source files for edits

_lock = threading.Lock()
_state = {"dir": None, "stamp": None, "hash": None, "checked": 0.0}
_modules: dict = {}  # (source hash, options, device id, function) -> cupy.RawModule
_kernels: dict = {}  # (source hash, options, device id, kernel name) -> cupy.RawKernel
_sm_count: dict = {}  # device id -> multiprocessor count


# ---------------------------------------------------------------------------------------
# Sources (no CuPy needed)
# ---------------------------------------------------------------------------------------

def source_dir() -> Path:
    """The folder holding kernels.cu and logbessel/*.h.

    LOGBESSEL_CSRC overrides; otherwise the repository's csrc/ when this file sits in a
    source checkout (src/logbessel/_gpu.py with csrc/ beside src/), else the copies
    installed with the package (logbessel/_csrc/)."""
    env = os.environ.get("LOGBESSEL_CSRC")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    repo_csrc = here.parent.parent / "csrc"
    if here.parent.name == "src" and (repo_csrc / "kernels.cu").is_file() and (
            repo_csrc / "logbessel" / "logbessel.h").is_file():
        return repo_csrc
    installed = here / "_csrc"
    if (installed / "kernels.cu").is_file():
        return installed
    raise FileNotFoundError(
        "logbessel GPU backend: kernels.cu and the headers were not found (looked for "
        f"{repo_csrc} and {installed}); reinstall the package or set LOGBESSEL_CSRC")


def source_files(root: Path | None = None) -> list:
    """kernels.cu and every header it may include, in a fixed order."""
    root = source_dir() if root is None else Path(root)
    return [root / "kernels.cu"] + sorted((root / "logbessel").glob("*.h"))


def _stamp(files) -> tuple:
    out = []
    for f in files:
        st = f.stat()
        out.append((f.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def source_hash(root: Path | None = None) -> str:
    """SHA-256 over the names and texts of kernels.cu and the headers."""
    root = source_dir() if root is None else Path(root)
    h = hashlib.sha256()
    for f in source_files(root):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def nvrtc_options() -> tuple:
    """NVRTC_OPTIONS plus those in LOGBESSEL_NVRTC_OPTIONS (the include path aside)."""
    return tuple(NVRTC_OPTIONS) + tuple(os.environ.get("LOGBESSEL_NVRTC_OPTIONS", "").split())


def build_source(root: Path | None = None, name: str | None = None):
    """(code, options, hash): what is handed to NVRTC, minus CuPy's own -arch/-ftz; for
    function `name` only (its two kernels), or every kernel if `name` is None."""
    root = source_dir() if root is None else Path(root)
    digest = source_hash(root)
    code = (f"// logbessel kernels; sha256 of kernels.cu and headers: {digest}\n"
            + (root / "kernels.cu").read_text(encoding="utf-8"))
    options = nvrtc_options() + (f"--include-path={root}",)
    if name is not None:
        if name not in FUNCTIONS:
            raise ValueError(f"unknown function {name!r}")
        options += ("-DLOGBESSEL_SELECT", f"-DLOGBESSEL_WANT_{name}")
    return code, options, digest


def kernel_name(name: str, dtype) -> str:
    suffix = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}[np.dtype(dtype)]
    return f"logbessel_{name}_{suffix}"


def _current_hash() -> str:
    """The sources' hash, re-validated against file stamps at most every STAT_INTERVAL."""
    now = time.monotonic()
    st = _state
    if st["hash"] is not None and now - st["checked"] < STAT_INTERVAL:
        return st["hash"]
    root = source_dir()
    stamp = _stamp(source_files(root))
    if st["hash"] is None or stamp != st["stamp"] or root != st["dir"]:
        st["hash"] = source_hash(root)
        st["stamp"], st["dir"] = stamp, root
    st["checked"] = now
    return st["hash"]


def current_hash() -> str:
    """The sources' hash, as the kernels compiled now would carry it (checked against the
    files' stamps at most every STAT_INTERVAL; for logbessel._cuda's kernel cache)."""
    with _lock:
        return _current_hash()


def reload() -> None:
    """Forget compiled modules and re-read the sources at the next call."""
    with _lock:
        _modules.clear()
        _kernels.clear()
        _state.update(dir=None, stamp=None, hash=None, checked=0.0)


# ---------------------------------------------------------------------------------------
# CuPy side
# ---------------------------------------------------------------------------------------

def _cupy():
    try:
        import cupy
    except ImportError as e:  # pragma: no cover - only reached with CuPy arrays in hand
        raise ImportError("logbessel's GPU backend needs CuPy: pip install 'logbessel[gpu]'") from e
    return cupy


def get_kernel(name: str, dtype):
    """The compiled kernel for `name` and `dtype` on the current device."""
    cp = _cupy()
    dev = cp.cuda.Device().id
    with _lock:
        digest = _current_hash()
        opts = nvrtc_options()
        key = (digest, opts, dev, name, kernel_name(name, dtype))
        kern = _kernels.get(key)
        if kern is None:
            mod = _modules.get(key[:4])
            if mod is None:
                code, options, _ = build_source(_state["dir"], name)
                mod = cp.RawModule(code=code, options=options)
                _modules[key[:4]] = mod
            kern = mod.get_function(key[4])  # compiles (or loads from CuPy's cache) here
            _kernels[key] = kern
    return kern


def compile_all(names=FUNCTIONS) -> float:
    """Compile the kernels of `names` (default: all) for the current device now; returns
    the seconds it took."""
    t0 = time.perf_counter()
    for name in names:
        for dt in (np.float32, np.float64):
            get_kernel(name, dt)
    return time.perf_counter() - t0


def _sm(cp, dev: int) -> int:
    n = _sm_count.get(dev)
    if n is None:
        n = _sm_count[dev] = cp.cuda.runtime.getDeviceProperties(dev)["multiProcessorCount"]
    return n


def _loop_dtype(name, dtypes, dtype, casting):
    """The loop NumPy would pick for the CPU ufunc (float32 or float64), so that type
    promotion is identical on both backends."""
    from . import _core
    ufunc = getattr(_core, name)
    if hasattr(ufunc, "resolve_dtypes"):
        extra = {} if dtype is None else {"signature": (None, None, np.dtype(dtype))}
        return ufunc.resolve_dtypes(tuple(dtypes) + (None,), casting=casting, **extra)[-1]
    # NumPy < 1.24: float32 when every operand fits it exactly, else float64
    if dtype is not None:
        return np.dtype(dtype)
    small = {np.dtype(t) for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16,
                                   np.float16, np.float32)}
    if all(d in (int, float, bool) or np.dtype(d) in small for d in dtypes) and any(
            d not in (int, float, bool) and np.dtype(d) == np.float32 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _collapse(shape, strides):
    """Merge dimensions that every operand walks through uniformly.

    shape: the broadcast shape; strides: per operand, strides in elements. Returns
    (extents, strides per operand) with as few dimensions as possible, size-1 dims
    dropped (C order, last dimension fastest)."""
    dims = [(n, [s[i] for s in strides]) for i, n in enumerate(shape) if n != 1]
    merged = []
    for n, st in reversed(dims):
        if merged:
            n0, st0 = merged[-1]
            if all(a == b * n0 for a, b in zip(st, st0)):
                merged[-1] = (n * n0, st0)
                continue
        merged.append((n, st))
    merged.reverse()
    extents = [n for n, _ in merged]
    per_op = [[st[k] for _, st in merged] for k in range(len(strides))]
    return extents, per_op


def _elem_strides(a):
    """Strides of `a` in elements, or None if a stride is not a whole number of elements."""
    out = []
    it = a.itemsize
    for s in a.strides:
        if s % it:
            return None
        out.append(s // it)
    return out


def call(name: str, *args, out=None, **kwargs):
    """Evaluate `name` elementwise on the GPU (CuPy arrays or scalars in, CuPy out).

    NumPy ufunc semantics: broadcasting (including against `out`), `out=` with a
    same-kind cast, `where=`, `dtype=` and `casting=`, type promotion as on the CPU; 0-d
    and empty arrays and any strides. Kernels run on CuPy's current stream and device."""
    if name not in FUNCTIONS:
        raise NotImplementedError(f"{name}: no GPU kernels (the functions with kernels are "
                                  "csrc/logbessel/registry.h's); pass NumPy arrays")
    cp = _cupy()
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "same_kind")
    where = kwargs.pop("where", True)
    if kwargs.pop("subok", True) is not True:
        raise TypeError(f"{name}: subok=False is not supported for CuPy arrays")
    if kwargs:
        raise TypeError(f"{name}: keyword argument(s) {sorted(kwargs)} are not supported "
                        "for CuPy arrays (supported: out, where, dtype, casting)")
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError(f"{name}: expected one output array, got {len(out)}")
        out = out[0]
    if out is not None and not isinstance(out, cp.ndarray):
        raise TypeError(f"{name}: out must be a CuPy array when computing on the GPU, "
                        f"got {type(out).__name__}")
    if where is not True:
        # masked: compute everywhere, then copy where the mask holds (the mask broadcasts
        # like an operand; without `out` the other elements are left uninitialised)
        if not (isinstance(where, (bool, np.bool_)) or isinstance(where, cp.ndarray)):
            raise TypeError(f"{name}: where must be a CuPy boolean array or a bool")
        res = call(name, *args, dtype=dtype, casting=casting)
        mask = cp.asarray(where, dtype=bool) if isinstance(where, cp.ndarray) else bool(where)
        shapes = [res.shape, getattr(mask, "shape", ())] + ([out.shape] if out is not None else [])
        shape = tuple(np.broadcast_shapes(*shapes))
        if out is None:
            out = cp.empty(shape, dtype=res.dtype)
        elif shape != out.shape:
            raise ValueError(f"{name}: non-broadcastable output operand with shape "
                             f"{out.shape} doesn't match the broadcast shape {shape}")
        cp.copyto(out, res, casting=casting, where=mask)
        return out

    dev = cp.cuda.Device().id
    ops, dts = [], []
    nin = _registry.BY_NAME[name].arity
    if len(args) != nin:
        raise TypeError(f"{name}: expected {nin} arguments, got {len(args)}")
    for arg in args:
        if isinstance(arg, cp.ndarray):
            if arg.device.id != dev:
                raise ValueError(f"{name}: an input is on GPU {arg.device.id} but the current "
                                 f"device is GPU {dev}; use `with cupy.cuda.Device(...)`")
            dts.append(arg.dtype)
        elif isinstance(arg, np.generic):
            dts.append(arg.dtype)
        elif isinstance(arg, (bool, int, float)):
            dts.append(type(arg))  # a Python scalar: weakly typed, as on the CPU (NEP 50)
        else:
            raise TypeError(f"{name}: cannot mix CuPy arrays with {type(arg).__name__}; "
                            "pass CuPy arrays or scalars")
        ops.append(arg)
    if out is not None and out.device.id != dev:
        raise ValueError(f"{name}: out is on GPU {out.device.id} but the current device is "
                         f"GPU {dev}")

    loop = _loop_dtype(name, dts, dtype, casting)
    if out is not None and not np.can_cast(loop, out.dtype, casting=casting):
        raise TypeError(f"Cannot cast ufunc '{name}' output from {loop!r} to "
                        f"{out.dtype!r} with casting rule {casting!r}")

    # operands as device arrays of the loop dtype (scalars as 0-d arrays, filled on the
    # current stream)
    arrays = []
    for arg in ops:
        if isinstance(arg, cp.ndarray):
            arrays.append(arg.astype(loop, copy=False))
        else:
            arrays.append(cp.full((), arg, dtype=loop))

    shapes = [a.shape for a in arrays]
    if out is not None:
        shapes.append(out.shape)
    try:
        shape = tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{name}: operands could not be broadcast together with shapes "
                         + " ".join(str(s) for s in shapes)) from None
    if out is not None and shape != out.shape:
        raise ValueError(f"{name}: non-broadcastable output operand with shape {out.shape} "
                         f"doesn't match the broadcast shape {shape}")
    if out is not None and any(s == 0 and d > 1 for s, d in zip(out.strides, out.shape)):
        raise ValueError(f"{name}: out has overlapping elements (a zero stride), so it "
                         "cannot be written elementwise")

    # Where the result is written: straight into `out` when it has the loop dtype and the
    # kernel's strided stores can reach it; otherwise a fresh array copied into `out`.
    direct = out is not None and out.dtype == loop and _elem_strides(out) is not None
    target = out if direct else cp.empty(shape, dtype=loop)
    n = target.size
    if n == 0:
        return out if out is not None else target

    views = []
    for a in arrays:
        b = cp.broadcast_to(a, shape)
        if direct and a is not target and cp.may_share_memory(a, target) and not (
                b.data.ptr == target.data.ptr and b.strides == target.strides):
            # partial overlap with the output: read from a copy (an exact alias is fine,
            # each element is read before it is written by the same thread)
            b = cp.broadcast_to(a.copy(), shape)
        if _elem_strides(b) is None:
            b = cp.ascontiguousarray(b)
        views.append(b)

    extents, st = _collapse(shape, [_elem_strides(b) for b in views]
                            + [_elem_strides(target)])
    ndim = len(extents)
    if ndim <= 1:
        strides = [s[0] if ndim else 0 for s in st]  # the inputs', then the output's
        layout = np.uint64(0)
    else:
        strides = [0] * len(st)
        layout = cp.asarray(np.array(extents + sum(st, []), dtype=np.int64))

    kern = get_kernel(name, loop)
    block = int(BLOCK)
    per = block * (TILE_PER_THREAD if name in PHASES else 1)  # elements per block and pass
    grid = int(min((n + per - 1) // per, max(1, _sm(cp, dev) * int(BLOCKS_PER_SM)), 2**31 - 1))
    bounds = PHASES.get(name, (0, N_KEYS)) if n >= PHASE_MIN_N else (0, N_KEYS)
    if len(bounds) > 2 and any(cp.may_share_memory(b, target) for b in views):
        # `out` is an input: a later phase would read (and key) the results of an earlier
        # one as inputs. One launch reads each element before writing it.
        bounds = (0, N_KEYS)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        kern((grid,), (block,), (*views, target, np.int64(n), np.int32(ndim),
                                 *(np.int64(s) for s in strides), layout,
                                 np.int32(lo), np.int32(hi)))

    if out is None:
        return target
    if target is not out:
        out[...] = target
    return out
