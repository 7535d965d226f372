"""logbessel._cuda's launches (the kernels for JAX and PyTorch without CuPy), checked without
a GPU against a stand-in for the CUDA driver that records each cuLaunchKernel: the kernel
parameters in kernels.cu's order and types, the grid, the phases of the sorted kernels and
the context pushed around the launches. Well under a second."""
from __future__ import annotations

import ctypes

import pytest

from logbessel import _cuda, _gpu, _registry


class FakeDriver:
    """Records the driver calls _cuda.launch makes; every call succeeds."""

    def __init__(self):
        self.launches = []
        self.stack = []

    def cuDeviceGet(self, dev, ordinal):
        return 0

    def cuDevicePrimaryCtxRetain(self, ctx, dev):
        return 0

    def cuCtxPushCurrent_v2(self, ctx):
        self.stack.append(ctx)
        return 0

    def cuCtxPopCurrent_v2(self, ctx):
        self.stack.pop()
        return 0

    def cuLaunchKernel(self, fn, gx, gy, gz, bx, by, bz, shared, stream, params, extra):
        assert self.stack, "launched without a current context"
        # the parameters as kernels.cu declares them, read now (they live for the call):
        # N inputs and out (pointers), n, ndim, N + 1 strides, layout, key_lo, key_hi
        k = (len(params) - 5) // 2  # N + 1
        assert len(params) == 2 * k + 5
        types = ([ctypes.c_void_p] * k + [ctypes.c_longlong, ctypes.c_int] + [ctypes.c_longlong] * k
                 + [ctypes.c_void_p, ctypes.c_int, ctypes.c_int])
        values = [_read(params[i], t) for i, t in enumerate(types)]
        self.launches.append(dict(fn=fn.value, grid=(gx, gy, gz), block=(bx, by, bz), shared=shared,
                                  stream=stream.value, params=values))
        return 0


def _read(addr, ctype):
    return ctypes.cast(addr, ctypes.POINTER(ctype)).contents.value


@pytest.fixture
def fake(monkeypatch):
    drv = FakeDriver()
    monkeypatch.setattr(_cuda, "driver", lambda: drv)
    monkeypatch.setattr(_cuda, "function", lambda name, dtype, device: 0xF00D)
    monkeypatch.setattr(_cuda, "_contexts", {})
    return drv


@pytest.mark.parametrize("name", ["log_iv", "iv_ratio"])
def test_parameters_grid_and_phases(fake, name):
    f = _registry.BY_NAME[name]
    for n in (1, 1000, _gpu.PHASE_MIN_N):
        fake.launches.clear()
        _cuda.launch(name, [0x1000, 0x2000], 0x3000, n, "float64", 0, 0xABC)
        per = _cuda.BLOCK * (_cuda.TILE_PER_THREAD if f.sorted else 1)
        bounds = f.phases if f.sorted and n >= _gpu.PHASE_MIN_N else (0, _registry.KEY_COUNT)
        assert len(fake.launches) == len(bounds) - 1
        for launch, lo, hi in zip(fake.launches, bounds[:-1], bounds[1:]):
            assert launch["fn"] == 0xF00D and launch["stream"] == 0xABC and launch["shared"] == 0
            assert launch["block"] == (_cuda.BLOCK, 1, 1)
            assert launch["grid"] == (-(-n // per), 1, 1)
            # (v, x, out, n, ndim, sv, sx, so, layout, key_lo, key_hi): kernels.cu's order;
            # ndim 1 with unit strides, no layout; the phase's keys
            assert launch["params"] == [0x1000, 0x2000, 0x3000, n, 1, 1, 1, 1, None, lo, hi]
        assert fake.stack == []  # the context popped again


def test_nothing_launched_for_empty_arrays(fake):
    _cuda.launch("log_kv", [1, 2], 3, 0, "float32", 0, 0)
    assert fake.launches == []


def test_kernel_signature_matches_kernels_cu():
    """The parameter list _cuda.launch and csrc/jax_ffi.cc build is the one kernels.cu's
    header comment states."""
    text = (_gpu.source_dir() / "kernels.cu").read_text()
    assert "(const T* in0, ..., const T* in<N-1>, T* out, long long n, int ndim,\n" \
           "//    long long s0, ..., long long s<N-1>, long long so, const long long* layout,\n" \
           "//    int key_lo, int key_hi)" in text
    ffi = (_gpu.source_dir() / "jax_ffi.cc").read_text()
    assert "kernels.cu's parameters: inputs, out, n, ndim, one stride per input, the output's" in ffi
