"""Build script: one pybind11 extension (the CPU ufuncs) plus the C++ headers shipped as
package data, so the GPU backend can compile the very same math with NVRTC at run time.

The extension holds the math's loops for several CPU levels (csrc/cpu_levels.h) and picks
one at import from CPUID, so one build (and every wheel) runs at full speed on any CPU of
its architecture:

    x86-64     baseline (x86-64), avx2 (AVX2 + FMA), avx512 (AVX-512 F, DQ, VL)
    otherwise  baseline (aarch64: NEON and FMA are part of it)

Environment variables at build time:
    LOGBESSEL_NATIVE=1    one level, -march=native: for the build machine only (GCC/Clang)
    LOGBESSEL_PORTABLE=1  the baseline level only (a smaller, slower extension)
    LOGBESSEL_BUILD_JOBS  compiler processes at once (default: the CPU count)
    LOGBESSEL_BUILD_TIMES=1  print each translation unit's compile time

The translation units (csrc/module.cpp, and csrc/cpu_level.cpp once per level and part)
are compiled in parallel.
"""
import json
import os
import platform
import re
import shutil
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CSRC = HERE / "csrc"


def _parts() -> int:
    """How many translation units each level's cpu_level.cpp is split into (the rows i of
    the registry with i % parts == part): one per row, as far as a count of the rows in
    registry.h goes (a unit costs 0.3 s to compile beside its row's math, and rows differ
    tenfold, so that single rows balance the cores best; a miscount only changes how the
    work is split)."""
    text = (CSRC / "logbessel" / "registry.h").read_text()
    return max(1, len(re.findall(r"^\s*X\(\w+,\s*\d+,", text, re.M)))


class build_py_with_headers(build_py):
    """Copy csrc/logbessel/*.h, csrc/kernels.cu (the CUDA kernels, compiled at run time by
    NVRTC) and csrc/jax_ffi.cc (the JAX custom calls' handlers, compiled at first use) into
    the package as logbessel/_csrc/."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "logbessel" / "_csrc"
        _copy_sources(target)


def _copy_sources(target: Path):
    (target / "logbessel").mkdir(parents=True, exist_ok=True)
    for h in sorted((CSRC / "logbessel").glob("*.h")):
        shutil.copy2(h, target / "logbessel" / h.name)
    shutil.copy2(CSRC / "kernels.cu", target / "kernels.cu")
    shutil.copy2(CSRC / "jax_ffi.cc", target / "jax_ffi.cc")


def _target_machine() -> str:
    """The machine the extension is built for (cibuildwheel may cross-compile on macOS
    through ARCHFLAGS, and on Windows through the platform name)."""
    if sys.platform == "darwin":
        archs = set(re.findall(r"-arch\s+(\S+)", os.environ.get("ARCHFLAGS", "")))
        if len(archs) == 1:
            return archs.pop()
        if len(archs) > 1:
            return "universal"  # one compile for several machines: the baseline only
    if sys.platform == "win32":
        return {"win-amd64": "AMD64", "win-arm64": "ARM64", "win32": "x86"}.get(
            sysconfig.get_platform(), platform.machine())
    return platform.machine()


def _levels():
    """(LOGBESSEL_CPU_LEVEL_SET, [(level, id, {compiler type: flags})]), cpu_levels.h."""
    if os.environ.get("LOGBESSEL_NATIVE", "0") == "1":
        return 2, [("native", 3, {"unix": ["-march=native"], "msvc": []})]
    x86 = _target_machine().lower() in ("x86_64", "amd64")
    if not x86 or os.environ.get("LOGBESSEL_PORTABLE", "0") == "1":
        return 0, [("baseline", 0, {"unix": [], "msvc": []})]
    # -march=x86-64 for the baseline: the level must not follow a compiler whose default
    # is higher. avx2: the x86-64-v3 instructions the math uses (GCC and Clang vectorize
    # for 256 bits at every level, which measured faster than 512 on an AMD EPYC).
    v3 = ["-mavx2", "-mfma"]
    return 1, [
        ("baseline", 0, {"unix": ["-march=x86-64"], "msvc": []}),
        ("avx2", 1, {"unix": v3, "msvc": ["/arch:AVX2"]}),
        ("avx512", 2, {"unix": v3 + ["-mavx512f", "-mavx512dq", "-mavx512vl"], "msvc": ["/arch:AVX512"]}),
    ]


def _common_flags(compiler_type: str):
    if compiler_type == "msvc":
        # /fp:precise: no contraction of a*b+c (MSVC 2022), the explicit fma() calls fused
        return ["/O2", "/fp:precise"]
    # -ffp-contract=off: no implicit a*b+c fusion, so results do not depend on the
    # instruction set, and match the CUDA kernels (compiled with --fmad=false); the
    # explicit fma() calls of the headers (double-double arithmetic, Horner steps) are
    # fused everywhere (a correctly rounded libm call where the CPU has no FMA).
    # -fopenmp-simd lets the vectorizer take the loops over lanes marked LOGBESSEL_LANES
    # (config.h); only the simd directive is enabled, no OpenMP runtime. Vector and scalar
    # IEEE operations round the same, so results do not change.
    return ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp-simd"]


def _c_string(s: str) -> str:
    return json.dumps(s)  # a JSON string of ASCII text is a C string literal


class build_ext_levels(build_ext):
    """Compiles module.cpp once and cpu_level.cpp once per level and part, all at once on a
    pool of LOGBESSEL_BUILD_JOBS (default: the CPU count) compiler processes, and links
    them into the one extension."""

    def build_extension(self, ext):
        ctype = self.compiler.compiler_type
        ctype = "msvc" if ctype == "msvc" else "unix"
        level_set, levels = _levels()
        parts = _parts()
        common = _common_flags(ctype)
        info_dir = Path(self.build_temp) / "logbessel_build_info"
        info_dir.mkdir(parents=True, exist_ok=True)
        command = " ".join(getattr(self.compiler, "compiler_so_cxx", None)
                           or getattr(self.compiler, "compiler_so", None) or ["cl.exe"])
        level_flags = {name: " ".join(flags[ctype]) for name, _, flags in levels}
        (info_dir / "logbessel_build_info.h").write_text(
            "// written by setup.py\n#pragma once\n"
            f"#define LOGBESSEL_BUILD_COMMAND {_c_string(command)}\n"
            f"#define LOGBESSEL_BUILD_FLAGS {_c_string(' '.join(ext.extra_compile_args + common))}\n"
            "#define LOGBESSEL_BUILD_LEVEL_FLAGS(X)"
            + "".join(f" X({_c_string(n)}, {_c_string(f)})" for n, f in level_flags.items()) + "\n")
        shared = [("LOGBESSEL_CPU_LEVEL_SET", str(level_set)), ("LOGBESSEL_CPU_PARTS", str(parts))]
        # part-major (the first rows, log_iv and log_kv today, are the longest units, and
        # the longest go first), module.cpp after the first two parts
        jobs = []
        for part in range(parts):
            if part == min(2, parts - 1):
                jobs.append(("module", ext.sources, shared, [str(info_dir)], []))
            for name, level_id, flags in levels:
                jobs.append((f"{name}_{part}", ["csrc/cpu_level.cpp"],
                             shared + [("LOGBESSEL_LEVEL", name), ("LOGBESSEL_LEVEL_ID", str(level_id)),
                                       ("LOGBESSEL_PART", str(part))], [], flags[ctype]))
        compile_one = self.compiler.compile
        if hasattr(self.compiler, "initialize") and not getattr(self.compiler, "initialized", True):
            self.compiler.initialize()  # (MSVC: once, before the threads)

        def compile_all(sources, output_dir=None, macros=None, include_dirs=None, debug=0,
                        extra_preargs=None, extra_postargs=None, depends=None):
            def run(job):
                tag, srcs, jmacros, jincludes, jflags = job
                t0 = time.perf_counter()
                objs = compile_one(srcs, output_dir=os.path.join(output_dir or "", "cpu_" + tag),
                                   macros=(macros or []) + jmacros,
                                   include_dirs=(include_dirs or []) + jincludes, debug=debug,
                                   extra_preargs=extra_preargs,
                                   extra_postargs=(extra_postargs or []) + common + jflags,
                                   depends=depends)
                if os.environ.get("LOGBESSEL_BUILD_TIMES"):
                    print(f"compiled {tag}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
                return objs
            n = int(os.environ.get("LOGBESSEL_BUILD_JOBS", "0") or 0) or os.cpu_count() or 1
            with ThreadPoolExecutor(max_workers=max(1, n)) as pool:
                objects = list(pool.map(run, jobs))
            return [o for objs in objects for o in objs]

        self.compiler.compile = compile_all
        try:
            super().build_extension(ext)
        finally:
            self.compiler.compile = compile_one


ext_modules = [
    Pybind11Extension(
        "logbessel._core",
        ["csrc/module.cpp"],
        include_dirs=[str(CSRC), numpy.get_include()],
        cxx_std=17,
        depends=[str(CSRC / n) for n in ("cpu_lanes.h", "cpu_levels.h", "cpu_level.cpp")]
        + [str(p) for p in sorted((CSRC / "logbessel").glob("*.h"))],
    )
]

setup(ext_modules=ext_modules,
      cmdclass={"build_ext": build_ext_levels, "build_py": build_py_with_headers})
