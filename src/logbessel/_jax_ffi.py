"""The XLA FFI custom calls behind logbessel.jax (csrc/jax_ffi.cc).

csrc/jax_ffi.cc is a small C++ file (no math) compiled at first use with the host's C++
compiler against the installed jaxlib's FFI headers (``jax.ffi.include_dir()``), about 5 s,
and cached on disk (``LOGBESSEL_CACHE_DIR``, else ``$XDG_CACHE_HOME/logbessel``, else
``~/.cache/logbessel``) under a name holding a SHA-256 of the file, every header it includes
and the compiler command, so an edit or another jaxlib never meets a stale library. Loaded
with ctypes, it is handed the _core extension's ufunc loops (``_core._loop_addresses``), and
its handlers are registered with XLA as the targets ``logbessel_<name>``: on the CPU the
custom call runs the very loop the NumPy ufunc runs (same CPU level, threads, bits).

On CUDA GPUs the same targets launch the kernels of csrc/kernels.cu, compiled by NVRTC and
loaded through the CUDA driver API by logbessel._cuda (no CuPy), on the stream XLA passes to
the handler; they are prepared when a function is first traced in a process where JAX has
a GPU.

``load()`` returns the library or None, never raises: where no compiler, no jaxlib headers
or no writable cache exists (or ``LOGBESSEL_JAX_FFI=0``), logbessel.jax falls back to host
callbacks and warns once, naming the reason (``status()``).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import _core, _cuda, _registry
from ._cuda import cache_dir

_lock = threading.Lock()
_state: dict = {"lib": None, "tried": False, "reason": None, "path": None, "cuda": {}}


def source_file() -> Path:
    """csrc/jax_ffi.cc: the repository's in a checkout, else the installed copy."""
    from ._gpu import source_dir
    return source_dir() / "jax_ffi.cc"


def _compiler() -> list | None:
    cxx = os.environ.get("CXX")
    if cxx:
        return cxx.split()
    for c in ("c++", "g++", "clang++"):
        path = shutil.which(c)
        if path:
            return [path]
    return None


def _headers(include: Path) -> list:
    return sorted((include / "xla" / "ffi" / "api").glob("*.h"))


def build_command(out: Path | str, include: Path | str, cxx: list | None = None) -> list:
    """The compiler command that builds the FFI library at `out`."""
    src = source_file()
    cxx = cxx or _compiler() or ["c++"]
    return [*cxx, "-std=c++17", "-O2", "-shared", "-fPIC", "-w", f"-I{src.parent}", f"-I{include}",
            str(src), "-o", str(out)]


def library_path(include: Path, cxx: list) -> Path:
    """Where the library for these sources, headers and compiler is cached."""
    src = source_file()
    h = hashlib.sha256()
    files = [src, src.parent / "logbessel" / "registry.h", src.parent / "logbessel" / "config.h"]
    for f in files + _headers(include):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(" ".join(build_command("OUT", "INCLUDE", cxx)).encode())
    return cache_dir() / f"jax_ffi-{sys.platform}-{h.hexdigest()[:24]}.so"


def _build(include: Path, cxx: list) -> Path:
    target = library_path(include, cxx)
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    except OSError:  # no writable cache: a private folder for this process
        target = Path(tempfile.mkdtemp(prefix="logbessel-")) / target.name
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        r = subprocess.run(build_command(tmp, include, cxx), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"compiling {source_file().name} failed:\n{r.stderr[-2000:]}")
        os.replace(tmp, target)  # atomic: a concurrent process sees the old name or the whole file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _setup(lib) -> None:
    """Hand the library the ufunc loops, and register its CPU targets with XLA."""
    import jax

    rows = {f.name: i for i, f in enumerate(_registry.FUNCTIONS)}
    if lib.logbessel_ffi_row_count() != len(rows):
        raise RuntimeError("the FFI library and the extension list different functions")
    lib.logbessel_ffi_set_cpu_loops.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_size_t]
    for name, f32, f64 in _core._loop_addresses:
        if lib.logbessel_ffi_set_cpu_loops(rows[name], f32, f64) != 0:
            raise RuntimeError(f"setting the loops of {name} failed")
    for name in rows:
        fn = getattr(lib, f"logbessel_cpu_{name}")
        jax.ffi.register_ffi_target(f"logbessel_{name}", jax.ffi.pycapsule(fn), platform="cpu")


def load():
    """The FFI library, its CPU targets registered; None where it cannot be had (the reason
    is in status())."""
    if _state["tried"]:
        return _state["lib"]
    with _lock:
        if _state["tried"]:
            return _state["lib"]
        try:
            if os.environ.get("LOGBESSEL_JAX_FFI", "1").strip() == "0":
                raise RuntimeError("LOGBESSEL_JAX_FFI=0")
            import jax.ffi
            include = Path(jax.ffi.include_dir())
            if not (include / "xla" / "ffi" / "api" / "ffi.h").is_file():
                raise RuntimeError(f"jaxlib has no FFI headers at {include}")
            cxx = _compiler()
            if cxx is None:
                raise RuntimeError("no C++ compiler found (set CXX)")
            path = _build(include, cxx)
            lib = ctypes.CDLL(str(path))
            _setup(lib)
            _state["lib"], _state["path"] = lib, path
        except Exception as e:  # noqa: BLE001 - any failure means: use the callbacks
            _state["reason"] = f"{type(e).__name__}: {e}"
        _state["tried"] = True
    return _state["lib"]


def status() -> dict:
    """Whether the custom calls are in use, the library's path, or why not."""
    lib = load()
    return {"ffi": lib is not None, "library": str(_state["path"]) if lib is not None else None,
            "reason": _state["reason"], "cuda": sorted(_state["cuda"])}


def has_gpu() -> bool:
    """Whether JAX has a CUDA GPU (asked once; JAX has initialised CUDA by then anyway)."""
    if "gpu" not in _state:
        import jax
        try:
            _state["gpu"] = bool(jax.devices("gpu"))
        except RuntimeError:  # no GPU backend
            _state["gpu"] = False
    return _state["gpu"]


def prepare_cuda(name: str) -> None:
    """Make target logbessel_<name> runnable on every local CUDA GPU of JAX: the kernels of
    `name` compiled and loaded (logbessel._cuda), handed to the library, and the CUDA target
    registered (once per function)."""
    lib = load()
    if lib is None or name in _state["cuda"]:
        return
    import jax
    from . import _gpu

    with _lock:
        if name in _state["cuda"]:
            return
        row = [f.name for f in _registry.FUNCTIONS].index(name)
        f = _registry.BY_NAME[name]
        if not _state["cuda"]:
            lib.logbessel_ffi_set_cuda_driver.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
            lib.logbessel_ffi_set_cuda_driver(*_cuda.driver_addresses())
        phases = (ctypes.c_int * len(f.phases))(*f.phases) if f.sorted else (ctypes.c_int * 1)()
        lib.logbessel_ffi_set_cuda_row.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                                   ctypes.c_int, ctypes.c_int, ctypes.c_longlong]
        lib.logbessel_ffi_set_cuda_row(row, int(f.sorted), phases, len(f.phases) if f.sorted else 0,
                                       _registry.KEY_COUNT, _gpu.PHASE_MIN_N)
        lib.logbessel_ffi_set_cuda_kernel.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_size_t]
        for dev in jax.devices("gpu"):
            for k, dtype in enumerate(("float32", "float64")):
                fn = _cuda.function(name, dtype, dev.id)
                if lib.logbessel_ffi_set_cuda_kernel(row, k, dev.id, fn) != 0:
                    raise RuntimeError(f"GPU {dev.id}: beyond the {name} kernel table")
        if not _state["cuda"]:
            for r in _registry.FUNCTIONS:
                fn = getattr(lib, f"logbessel_cuda_{r.name}")
                jax.ffi.register_ffi_target(f"logbessel_{r.name}", jax.ffi.pycapsule(fn), platform="CUDA")
        _state["cuda"][name] = True
