"""Build script: one pybind11 extension (the CPU ufuncs) plus the C++ headers shipped as
package data, so the GPU backend can compile the very same math with NVRTC at run time."""
import os
import platform
import shutil
import sys
from pathlib import Path

import numpy
from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CSRC = HERE / "csrc"


class build_py_with_headers(build_py):
    """Copy csrc/logbessel/*.h and csrc/kernels.cu into the package as logbessel/_csrc/."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "logbessel" / "_csrc"
        _copy_sources(target)


def _copy_sources(target: Path):
    (target / "logbessel").mkdir(parents=True, exist_ok=True)
    for h in sorted((CSRC / "logbessel").glob("*.h")):
        shutil.copy2(h, target / "logbessel" / h.name)
    shutil.copy2(CSRC / "kernels.cu", target / "kernels.cu")


def _host_cpu_flags() -> set:
    """The CPU feature flags of an x86-64 build host (empty elsewhere or if unknown)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return set()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# -ffp-contract=off: no implicit a*b+c fusion, so results do not depend on the instruction
# set, and match the CUDA kernels (compiled with --fmad=false); the explicit fma() calls of
# the headers (double-double arithmetic, Horner steps) are fused everywhere.
extra_compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]
if sys.platform != "win32":
    # Lets the vectorizer take the loops over lanes marked LOGBESSEL_LANES (config.h); only
    # the simd directive is enabled, no OpenMP runtime. Vector and scalar IEEE operations
    # round the same, so results do not change.
    extra_compile_args.append("-fopenmp-simd")
    if os.environ.get("LOGBESSEL_NATIVE", "0") == "1":
        # Opt-in: tune for the build machine (not for wheels that travel).
        extra_compile_args.append("-march=native")
    elif os.environ.get("LOGBESSEL_PORTABLE", "0") != "1":
        # Without -mfma each fma() is a call into libm, and the lane loops do not vectorize
        # (about 6x slower overall, measured);
        # with it, one instruction, and the same correctly rounded result. -mavx2: wider
        # vectors for the lanes (7% on the benchmark, measured; results unchanged, IEEE
        # operations round the same in any vector width). A source build is made for the
        # machine it runs on; LOGBESSEL_PORTABLE=1 leaves these out (e.g. for a wheel that
        # must run on pre-2013 x86-64 CPUs).
        flags = _host_cpu_flags()
        if "fma" in flags:
            extra_compile_args.append("-mfma")
            if "avx2" in flags:
                extra_compile_args.append("-mavx2")
                # AVX-512 where the host has it (masked lanes, 32 registers; the vector
                # width stays 256 bits, which measured faster than 512 on an AMD EPYC):
                # +9% on the benchmark, results unchanged.
                if {"avx512f", "avx512dq", "avx512vl"} <= flags:
                    extra_compile_args += ["-mavx512f", "-mavx512dq", "-mavx512vl"]

ext_modules = [
    Pybind11Extension(
        "logbessel._core",
        ["csrc/module.cpp"],
        include_dirs=[str(CSRC), numpy.get_include()],
        cxx_std=17,
        extra_compile_args=extra_compile_args,
        depends=[str(CSRC / "cpu_lanes.h")] + [str(p) for p in (CSRC / "logbessel").glob("*.h")],
    )
]

setup(ext_modules=ext_modules, cmdclass={"build_ext": build_ext, "build_py": build_py_with_headers})
