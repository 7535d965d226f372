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


def _host_has_fma() -> bool:
    """True on an x86-64 build host whose CPU has FMA3 (every x86-64 CPU since ~2013)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return " fma " in f" {line.split(':', 1)[1].strip()} "
    except OSError:
        pass
    return False


# -ffp-contract=off: no implicit a*b+c fusion, so results do not depend on the instruction
# set, and match the CUDA kernels (compiled with --fmad=false); the explicit fma() calls of
# the headers (double-double arithmetic, Horner steps) are fused everywhere.
extra_compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]
if sys.platform != "win32":
    if os.environ.get("LOGBESSEL_NATIVE", "0") == "1":
        # Opt-in: tune for the build machine (not for wheels that travel).
        extra_compile_args.append("-march=native")
    elif os.environ.get("LOGBESSEL_PORTABLE", "0") != "1" and _host_has_fma():
        # Without -mfma each fma() is a call into libm (about 2x slower overall, measured);
        # with it, one instruction, and the same correctly rounded result. A source build
        # is made for the machine it runs on; LOGBESSEL_PORTABLE=1 leaves it out (e.g. for a
        # wheel that must run on pre-2013 x86-64 CPUs).
        extra_compile_args.append("-mfma")

ext_modules = [
    Pybind11Extension(
        "logbessel._core",
        ["csrc/module.cpp"],
        include_dirs=[str(CSRC), numpy.get_include()],
        cxx_std=17,
        extra_compile_args=extra_compile_args,
        depends=[str(p) for p in (CSRC / "logbessel").glob("*.h")],
    )
]

setup(ext_modules=ext_modules, cmdclass={"build_ext": build_ext, "build_py": build_py_with_headers})
