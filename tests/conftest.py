"""Shared test configuration: markers that skip whole groups of tests unless asked for."""
from __future__ import annotations

import os

import pytest

CUDA_COMPILE_ENV = "LOGBESSEL_CUDA_COMPILE"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"cuda_compile: compiles the CUDA kernels with nvcc/NVRTC (minutes); runs only "
                   f"with {CUDA_COMPILE_ENV}=1, as .ci/run does")


def pytest_collection_modifyitems(config, items):
    if os.environ.get(CUDA_COMPILE_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"compiles every CUDA kernel (minutes on 2 cores); "
                                   f"{CUDA_COMPILE_ENV}=1 runs it (CI does)")
    for item in items:
        if "cuda_compile" in item.keywords:
            item.add_marker(skip)
