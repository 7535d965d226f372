"""Shared test configuration: the skips of whole groups of tests, each reason written once.

- ``@pytest.mark.gpu``: needs CuPy and a CUDA device; skipped without them (the probe runs
  once per session). The fixture ``cp`` (the cupy module) skips the same way.
- ``@pytest.mark.cuda_compile``: compiles the CUDA kernels; runs only with
  LOGBESSEL_CUDA_COMPILE=1.
- fixtures ``torch``, ``jax`` (the frameworks, jax with float64 enabled), ``numpyro``
  (which needs jax) and ``matplotlib`` (with the Agg backend, for the pictures): the test
  is skipped when the package is not installed. ``keep_distribution_validation``: for
  tests that call torch.compile (which turns off torch.distributions' argument checks
  process-wide).
"""
from __future__ import annotations

import os

import pytest

CUDA_COMPILE_ENV = "LOGBESSEL_CUDA_COMPILE"
GPU_SKIP_REASON = "needs CuPy and a CUDA GPU"

_gpu_probe = []


def gpu_available():
    """(True, "N CUDA devices") when CuPy imports and sees a device, else (False, why)."""
    if not _gpu_probe:
        try:
            import cupy
            n = cupy.cuda.runtime.getDeviceCount()
            _gpu_probe.append((n > 0, f"{n} CUDA devices"))
        except Exception as e:  # no CuPy, no driver, no device
            _gpu_probe.append((False, repr(e)))
    return _gpu_probe[0]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"cuda_compile: compiles the CUDA kernels with nvcc/NVRTC (minutes); runs only "
                   f"with {CUDA_COMPILE_ENV}=1, as .ci/run does")


def pytest_collection_modifyitems(config, items):
    skip_compile = None if os.environ.get(CUDA_COMPILE_ENV) == "1" else pytest.mark.skip(
        reason=f"compiles every CUDA kernel (minutes on 2 cores); {CUDA_COMPILE_ENV}=1 runs it "
               f"(CI does)")
    skip_gpu = None
    for item in items:
        if skip_compile is not None and "cuda_compile" in item.keywords:
            item.add_marker(skip_compile)
        if "gpu" in item.keywords:
            if skip_gpu is None:
                skip_gpu = pytest.mark.skip(reason=GPU_SKIP_REASON) \
                    if not gpu_available()[0] else False
            if skip_gpu:
                item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def gpu_status():
    """gpu_available(): (usable, description)."""
    return gpu_available()


@pytest.fixture(scope="session")
def cp():
    """The cupy module; skips the test without CuPy and a CUDA device."""
    if not gpu_available()[0]:
        pytest.skip(GPU_SKIP_REASON)
    import cupy
    return cupy


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def keep_distribution_validation(torch):
    """For tests that call torch.compile: its first call turns off the argument checks of
    torch.distributions for the whole process (torch._dynamo's patches); put the default
    back afterwards, so that later tests see the checks."""
    from torch.distributions import Distribution
    before = Distribution._validate_args
    yield
    Distribution.set_default_validate_args(before)


@pytest.fixture(scope="session")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.fixture(scope="session")
def numpyro(jax):
    return pytest.importorskip("numpyro")


@pytest.fixture(scope="session")
def matplotlib():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    return mpl
