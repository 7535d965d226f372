"""The CUDA kernels without CuPy: NVRTC and the CUDA driver API through ctypes.

For frameworks that bring their own GPU arrays and streams (logbessel.jax's custom calls,
logbessel.torch's custom ops), so that their users need no CuPy: the kernels of
csrc/kernels.cu, exactly the source and options logbessel._gpu hands CuPy
(``_gpu.build_source``, plus the two options CuPy adds: -ftz=true and the device's
architecture), are compiled by NVRTC into a cubin for the device (PTX where this NVRTC does
not know the device's architecture; the driver compiles it), cached on disk (logbessel's
cache folder, ``cuda/``, by a SHA-256 of the source, options and NVRTC version), loaded
into the device's primary context (the one JAX, PyTorch and CuPy use) with
cuModuleLoadData, and launched with cuLaunchKernel on the stream the framework names.

libnvrtc is found in the `nvidia-cuda-nvrtc` wheel that CUDA builds of PyTorch and JAX
install (nvidia/cu13/lib or nvidia/cuda_nvrtc/lib), a CUDA toolkit beside nvcc, the
loader's path, or LOGBESSEL_NVRTC; libcuda (the driver) on the loader's path. Nothing here
is loaded until a function needs it: importing this module touches no CUDA library.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import hashlib
import os
import shutil
import sys
import threading
from pathlib import Path

from . import _gpu, _registry

_lock = threading.RLock()
_libs: dict = {}
_functions: dict = {}  # (source hash, options, device, kernel name) -> CUfunction address
_contexts: dict = {}  # device -> primary context handle

BLOCK = 256
TILE_PER_THREAD = 4  # kernels.cu's LOGBESSEL_TILE_PER_THREAD, as _gpu.TILE_PER_THREAD


def cache_dir() -> Path:
    """logbessel's cache folder (compiled kernels here, in cuda/; the JAX FFI library):
    LOGBESSEL_CACHE_DIR, else $XDG_CACHE_HOME/logbessel, else ~/.cache/logbessel."""
    env = os.environ.get("LOGBESSEL_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "logbessel"


# ---------------------------------------------------------------------------------------
# NVRTC (no GPU or driver needed: tests/test_cuda_compile.py compiles through this)
# ---------------------------------------------------------------------------------------

def nvrtc_candidates():
    """Paths (or names) to try for libnvrtc, best first."""
    env = os.environ.get("LOGBESSEL_NVRTC")
    if env:
        yield env
    roots = set()
    for p in sys.path:
        if p and os.path.isdir(os.path.join(p, "nvidia")):
            roots.add(os.path.join(p, "nvidia"))
    for root in sorted(roots):  # pip wheels: nvidia/cu13/lib, nvidia/cuda_nvrtc/lib (cu12)
        for pat in ("*/lib/libnvrtc.so*", "*/lib/nvrtc*.dll", "*/bin/nvrtc64*.dll"):
            for f in sorted(glob.glob(os.path.join(root, pat)), reverse=True):
                if "builtins" not in f and ".alt." not in f:
                    yield f
    nvcc = shutil.which("nvcc")
    if nvcc:
        home = Path(os.path.realpath(nvcc)).parent.parent
        for pat in ("lib64/libnvrtc.so*", "lib/libnvrtc.so*", "targets/*/lib/libnvrtc.so*"):
            yield from sorted((str(p) for p in home.glob(pat)), reverse=True)
    found = ctypes.util.find_library("nvrtc")
    if found:
        yield found


def nvrtc():
    """(library, path) of libnvrtc, or (None, None) where none loads."""
    with _lock:
        if "nvrtc" not in _libs:
            _libs["nvrtc"] = (None, None)
            for path in nvrtc_candidates():
                try:
                    # NVRTC dlopens libnvrtc-builtins when compiling; load it first from the
                    # same folder so that it is found without LD_LIBRARY_PATH
                    for b in sorted(glob.glob(os.path.join(os.path.dirname(path), "libnvrtc-builtins.so*"))):
                        if ".alt." not in b:
                            ctypes.CDLL(b, mode=ctypes.RTLD_GLOBAL)
                    lib = ctypes.CDLL(path)
                    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
                    _libs["nvrtc"] = (lib, path)
                    break
                except OSError:
                    continue
        return _libs["nvrtc"]


def nvrtc_version() -> tuple:
    lib, _ = nvrtc()
    major, minor = ctypes.c_int(), ctypes.c_int()
    lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return major.value, minor.value


def nvrtc_compile(code: str, options, binary: str = "ptx"):
    """(status, log, image) of compiling `code` with `options`: image is the PTX text
    (binary "ptx") or the cubin bytes ("cubin"), empty where the compilation failed."""
    lib, _ = nvrtc()
    if lib is None:
        raise RuntimeError("libnvrtc not found (pip install nvidia-cuda-nvrtc, or set LOGBESSEL_NVRTC)")
    prog = ctypes.c_void_p()
    st = lib.nvrtcCreateProgram(ctypes.byref(prog), code.encode(), b"kernels.cu", 0, None, None)
    if st != 0:
        raise RuntimeError(f"nvrtcCreateProgram: {lib.nvrtcGetErrorString(st).decode()}")
    try:
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        status = lib.nvrtcCompileProgram(prog, len(options), opts)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value + 1)
        lib.nvrtcGetProgramLog(prog, buf)
        log = buf.value.decode(errors="replace")
        image = b"" if binary == "cubin" else ""
        if status == 0:
            get_size, get = ((lib.nvrtcGetCUBINSize, lib.nvrtcGetCUBIN) if binary == "cubin"
                             else (lib.nvrtcGetPTXSize, lib.nvrtcGetPTX))
            get_size(prog, ctypes.byref(size))
            out = ctypes.create_string_buffer(size.value)
            get(prog, out)
            image = out.raw if binary == "cubin" else out.raw.rstrip(b"\0").decode(errors="replace")
        return status, log, image
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def kernel_image(name: str, arch: int) -> bytes:
    """The compiled kernels of function `name` for compute capability `arch` (e.g. 90):
    a cubin, or PTX (NUL-terminated) where NVRTC does not know sm_<arch>; from the disk
    cache where it holds them."""
    code, options, digest = _gpu.build_source(name=name)
    ver = nvrtc_version()
    for binary, arch_opt in (("cubin", f"--gpu-architecture=sm_{arch}"),
                             ("ptx", f"--gpu-architecture=compute_{arch}")):
        opts = (*options, "-ftz=true", arch_opt)
        key = hashlib.sha256("\0".join((digest, *opts, str(ver))).encode()).hexdigest()[:32]
        path = cache_dir() / "cuda" / f"{name}-{key}.{binary}"
        if path.is_file():
            return path.read_bytes()
        status, log, image = nvrtc_compile(code, opts, binary)
        if status != 0:
            if binary == "cubin" and "gpu-architecture" in log:
                continue  # an architecture newer than this NVRTC: PTX for the driver to finish
            raise RuntimeError(f"NVRTC failed to compile the {name} kernels:\n{log[-4000:]}")
        data = image if binary == "cubin" else image.encode() + b"\0"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            pass  # no cache: compiled again next time
        return data
    raise RuntimeError(f"NVRTC cannot compile for compute capability {arch}")


# ---------------------------------------------------------------------------------------
# The driver API
# ---------------------------------------------------------------------------------------

def driver():
    """libcuda, initialised; RuntimeError where there is none."""
    with _lock:
        if "cuda" not in _libs:
            names = ["nvcuda.dll"] if sys.platform == "win32" else ["libcuda.so.1", "libcuda.so"]
            lib = None
            for n in names:
                try:
                    lib = ctypes.CDLL(n)
                    break
                except OSError:
                    continue
            if lib is None:
                raise RuntimeError("the CUDA driver (libcuda) was not found")
            _check(lib, lib.cuInit(0), "cuInit")
            _libs["cuda"] = lib
        return _libs["cuda"]


def _check(lib, rc, what):
    if rc != 0:
        msg = ctypes.c_char_p()
        lib.cuGetErrorString(rc, ctypes.byref(msg))
        raise RuntimeError(f"{what} failed: CUresult {rc} ({(msg.value or b'?').decode()})")


def _context(lib, device: int):
    ctx = _contexts.get(device)
    if ctx is None:
        dev = ctypes.c_int()
        _check(lib, lib.cuDeviceGet(ctypes.byref(dev), device), "cuDeviceGet")
        ctx = ctypes.c_void_p()
        _check(lib, lib.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev), "cuDevicePrimaryCtxRetain")
        _contexts[device] = ctx
    return ctx


def compute_capability(device: int) -> int:
    lib = driver()
    dev, major, minor = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    _check(lib, lib.cuDeviceGet(ctypes.byref(dev), device), "cuDeviceGet")
    lib.cuDeviceGetAttribute(ctypes.byref(major), 75, dev)  # COMPUTE_CAPABILITY_MAJOR
    lib.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev)  # COMPUTE_CAPABILITY_MINOR
    return 10 * major.value + minor.value


def function(name: str, dtype, device: int) -> int:
    """The address of the CUfunction logbessel_<name>_<f32|f64> on `device` (compiled and
    loaded on first use)."""
    kname = _gpu.kernel_name(name, dtype)
    with _lock:
        # (the hash is re-read from the files at most once a second: this runs per launch)
        key = (_gpu.current_hash(), _gpu.nvrtc_options(), device, kname)
        fn = _functions.get(key)
        if fn is None:
            lib = driver()
            ctx = _context(lib, device)
            image = kernel_image(name, compute_capability(device))
            _check(lib, lib.cuCtxPushCurrent_v2(ctx), "cuCtxPushCurrent")
            try:
                mod, f = ctypes.c_void_p(), ctypes.c_void_p()
                _check(lib, lib.cuModuleLoadData(ctypes.byref(mod), ctypes.c_char_p(image)), "cuModuleLoadData")
                for k in (_gpu.kernel_name(name, "float32"), _gpu.kernel_name(name, "float64")):
                    _check(lib, lib.cuModuleGetFunction(ctypes.byref(f), mod, k.encode()), "cuModuleGetFunction")
                    _functions[key[:3] + (k,)] = f.value
            finally:
                lib.cuCtxPopCurrent_v2(ctypes.byref(ctypes.c_void_p()))
            fn = _functions[key]
    return fn


def driver_addresses() -> tuple:
    """The addresses of cuLaunchKernel and cuPointerGetAttribute (for the JAX FFI
    handlers)."""
    lib = driver()
    return tuple(ctypes.cast(getattr(lib, n), ctypes.c_void_p).value
                 for n in ("cuLaunchKernel", "cuPointerGetAttribute"))


def launch(name: str, inputs, out: int, n: int, dtype, device: int, stream: int) -> None:
    """Evaluate `name` on n contiguous elements: `inputs` (device pointers, one per argument,
    each of n elements of `dtype`) into `out`, on `stream` (a CUstream handle; 0: the
    legacy default stream) of `device`, asynchronously. The launches are those of the
    JAX handlers (csrc/jax_ffi.cc) and of _gpu.call for contiguous operands: tiles of
    TILE_PER_THREAD x BLOCK for sorted kernels, one launch per key phase from
    _gpu.PHASE_MIN_N elements on."""
    if n == 0:
        return
    lib = driver()
    f = _registry.BY_NAME[name]
    fn = function(name, dtype, device)
    nin = len(inputs)
    args = [ctypes.c_void_p(p) for p in inputs] + [ctypes.c_void_p(out), ctypes.c_longlong(n), ctypes.c_int(1)]
    args += [ctypes.c_longlong(1) for _ in range(nin + 1)] + [ctypes.c_void_p(0)]
    lo, hi = ctypes.c_int(0), ctypes.c_int(_registry.KEY_COUNT)
    args += [lo, hi]
    params = (ctypes.c_void_p * len(args))(*[ctypes.cast(ctypes.byref(a), ctypes.c_void_p) for a in args])
    per = BLOCK * (TILE_PER_THREAD if f.sorted else 1)
    grid = min((n + per - 1) // per, 2**31 - 1)
    bounds = f.phases if f.sorted and n >= _gpu.PHASE_MIN_N else (0, _registry.KEY_COUNT)
    # the device's primary context current on this thread for the launches (the stream
    # belongs to it), whatever the caller's thread had current
    _check(lib, lib.cuCtxPushCurrent_v2(_context(lib, device)), "cuCtxPushCurrent")
    try:
        for a, b in zip(bounds[:-1], bounds[1:]):
            lo.value, hi.value = a, b
            _check(lib, lib.cuLaunchKernel(ctypes.c_void_p(fn), grid, 1, 1, BLOCK, 1, 1, 0,
                                           ctypes.c_void_p(stream), params, None), f"cuLaunchKernel ({name})")
    finally:
        lib.cuCtxPopCurrent_v2(ctypes.byref(ctypes.c_void_p()))
