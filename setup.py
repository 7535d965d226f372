"""Build script: one pybind11 extension (the CPU ufuncs) plus the C++ headers shipped as
package data, so the GPU backend can compile the very same math with NVRTC at run time."""
import os
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


extra_compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math"]
if sys.platform != "win32" and os.environ.get("LOGBESSEL_NATIVE", "0") == "1":
    # Opt-in: tune for the build machine (not for wheels that travel).
    extra_compile_args.append("-march=native")

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
