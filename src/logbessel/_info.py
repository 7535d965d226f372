"""``logbessel.show_config()`` and ``python -m logbessel info``: what a bug report needs.

The version, the CPU level the ufuncs run and those built and supported, the compiler and
its flags, the thread count and where it comes from, NumPy's version, the GPU side (CuPy,
devices, NVRTC, the kernel sources) and the optional adapters. Nothing here raises: a part
that cannot be found out says so in its value. CuPy, torch and JAX are imported only if
they are already loaded (``gpu=True`` imports CuPy to ask it about devices), so the report
is quick and cannot start a framework the program does not use.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import sys

import numpy as np

from . import _core, _gpu
from ._version import __version__

_OPTIONAL = ("scipy", "dask", "torch", "jax", "numpyro", "cupy")


def _distribution_version(module: str):
    """The installed version of the module's distribution, or None (without importing it)."""
    if module in sys.modules:
        v = getattr(sys.modules[module], "__version__", None)
        if v:
            return str(v)
    if importlib.util.find_spec(module) is None:
        return None
    for dist in (module, {"cupy": "cupy-cuda12x"}.get(module, module), "cupy-cuda13x", "cupy-cuda11x"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "installed (version unknown)"


def _threads():
    value = os.environ.get("LOGBESSEL_NUM_THREADS")
    count, status = _core._parse_num_threads(value)
    source = {0: "default: the hardware threads",
              1: "LOGBESSEL_NUM_THREADS",
              2: f"default: LOGBESSEL_NUM_THREADS={value!r} is not a positive integer",
              3: f"LOGBESSEL_NUM_THREADS={value!r}, capped at max_threads"}[status]
    return {"count": count, "source": source, "hardware_threads": _core.hardware_threads,
            "max_threads": _core.max_threads, "parallel_threshold": _core.parallel_threshold}


def _gpu_info(probe: bool):
    info = {"cupy": _distribution_version("cupy") or "not installed"}
    try:
        info["kernel_sources"] = str(_gpu.source_dir())
    except Exception as e:  # noqa: BLE001 - reported, never raised
        info["kernel_sources"] = f"not found: {e}"
    if info["cupy"] == "not installed":
        info["devices"] = "CuPy is not installed (pip install 'logbessel[gpu]')"
        return info
    if not probe and "cupy" not in sys.modules:
        info["devices"] = "not probed (CuPy is not loaded; show_config(gpu=True) loads it)"
        return info
    try:
        import cupy
        n = cupy.cuda.runtime.getDeviceCount()
        names = []
        for i in range(n):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            name = props["name"]
            names.append(name.decode() if isinstance(name, bytes) else str(name))
        info["devices"] = names
        info["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
        info["cuda_driver"] = cupy.cuda.runtime.driverGetVersion()
    except Exception as e:  # noqa: BLE001 - no driver, no device, a broken install
        info["devices"] = f"none usable: {type(e).__name__}: {e}"
    try:
        import cupy
        info["nvrtc"] = ".".join(map(str, cupy.cuda.nvrtc.getVersion()))
    except Exception as e:  # noqa: BLE001
        info["nvrtc"] = f"not usable: {type(e).__name__}: {e}"
    return info


def config(gpu: bool = False) -> dict:
    """The report as a dict of dicts (see show_config)."""
    levels = _core.cpu_levels()
    build = dict(_core.build_info)
    return {
        "logbessel": {"version": __version__, "location": os.path.dirname(os.path.abspath(__file__))},
        "python": {"version": sys.version.split()[0], "executable": sys.executable,
                   "platform": platform.platform(), "machine": platform.machine()},
        "cpu": {"level": _core.cpu_level(), "chosen_by": _core.cpu_level_source,
                "levels_built": [lv["name"] for lv in levels],
                "levels_supported": [lv["name"] for lv in levels if lv["supported"]],
                "levels": {lv["name"]: {"flags": build["level_flags"].get(lv["name"], "unknown"),
                                        "needs": lv["needs"], "missing": lv["missing"]}
                           for lv in levels}},
        "compiler": {"name": build["compiler"], "command": build["command"], "flags": build["flags"],
                     "units_per_level": build["parts"]},
        "threads": _threads(),
        "numpy": {"version": np.__version__},
        "gpu": _gpu_info(gpu),
        "optional": {m: _distribution_version(m) or "not installed" for m in _OPTIONAL},
    }


def _text(cfg: dict) -> str:
    lines = []
    for section, items in cfg.items():
        lines.append(f"{section}:")
        for key, value in items.items():
            if isinstance(value, dict) and section == "cpu" and key == "levels":
                for name, lv in value.items():
                    miss = f"; this CPU lacks {', '.join(lv['missing'])}" if lv["missing"] else ""
                    needs = ", ".join(lv["needs"]) or "nothing beyond the baseline"
                    lines.append(f"  level {name:9s} flags: {lv['flags'] or '(none)'}; needs: {needs}{miss}")
                continue
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value)) or "(none)"
            lines.append(f"  {key + ':':19s} {value}")
    return "\n".join(lines)


def show_config(mode: str = "stdout", gpu: bool = False):
    """Print what this installation of logbessel is and runs on, for bug reports.

    The version; the CPU level the ufuncs run (``baseline``, ``avx2``, ``avx512``; chosen
    from CPUID at import, or by ``LOGBESSEL_CPU``), the levels built and the ones this CPU
    supports; the compiler and flags; the thread count and its source
    (``LOGBESSEL_NUM_THREADS`` or the default); NumPy's version; CuPy, the GPUs and NVRTC
    (CuPy is asked only if it is loaded already, or with ``gpu=True``); the optional
    packages the adapters need (torch, JAX, NumPyro, Dask).

    mode: ``"stdout"`` prints the report and returns None; ``"dicts"`` returns it as a
    dict of dicts; ``"json"`` returns it as a JSON string.
    """
    if mode not in ("stdout", "dicts", "json"):
        raise ValueError(f"show_config: mode must be 'stdout', 'dicts' or 'json', not {mode!r}")
    cfg = config(gpu=gpu)
    if mode == "dicts":
        return cfg
    if mode == "json":
        return json.dumps(cfg, indent=1)
    print(_text(cfg))
    return None
