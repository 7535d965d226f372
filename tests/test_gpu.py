"""GPU backend (CuPy): parity with the CPU ufuncs, special values, API semantics.

Accuracy is proven on the CPU (test_accuracy.py); here the GPU must agree with the CPU on
the same inputs: every reference-table input and random inputs, within 4 eps in float64
and 2 eps in float32, with the metric |gpu - cpu| / max(1, |cpu|) (relative error for
iv_ratio), NaN and infinities in the same places.

Tests marked `gpu` are skipped without CuPy or a CUDA device (tests/conftest.py); those at
the end that need neither (CuPy is never imported by `import logbessel`; the kernel source
hash) always run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import logbessel as lb
from refdata import load
from spec import SPEC, TABLE_PARITY64

from logbessel import _registry  # noqa: E402
from logbessel import vmf as _vmf  # noqa: E402

# every registry function (csrc/logbessel/registry.h), as Python binds it (vmf_log_normalizer:
# log C_p(kappa) of the vMF layer, NaN for p < 2)
FUNCS = {f.name: getattr(lb, f.name) if f.home == "logbessel" else getattr(_vmf, "_" + f.name)
         for f in _registry.FUNCTIONS}
MAIN = {name: FUNCS[name] for name in ("log_iv", "log_kv", "iv_ratio")}  # the budgets
DERIVS = {d: FUNCS[d] for f in _registry.FUNCTIONS for d in f.partials}  # some row's partials
OTHERS = {name: f for name, f in FUNCS.items() if name not in MAIN}
# the error metric and the parity budgets in eps of the dtype: tests/spec.py
RELATIVE = {name for name, s in SPEC.items() if s.metric == "relative"}
BUDGET = {np.float32: {name: 2.0 for name in FUNCS},
          np.float64: {name: s.parity64 for name, s in SPEC.items()}}


# ---------------------------------------------------------------------------------------
# parity helpers
# ---------------------------------------------------------------------------------------

def parity_error(name, gpu, cpu, dtype):
    """Worst disagreement in units of eps of `dtype`; asserts that NaN, +inf and -inf
    appear in the same places."""
    gpu = np.asarray(gpu, dtype=np.float64)
    cpu = np.asarray(cpu, dtype=np.float64)
    assert gpu.shape == cpu.shape
    nan_g, nan_c = np.isnan(gpu), np.isnan(cpu)
    bad = np.flatnonzero(nan_g != nan_c)
    assert bad.size == 0, f"{name}: NaN mismatch at {bad[:10]}: gpu {gpu.flat[bad[:10]]}, cpu {cpu.flat[bad[:10]]}"
    inf_c = np.isinf(cpu) | np.isinf(gpu)
    bad = np.flatnonzero(inf_c & (gpu != cpu))
    assert bad.size == 0, f"{name}: inf mismatch at {bad[:10]}: gpu {gpu.flat[bad[:10]]}, cpu {cpu.flat[bad[:10]]}"
    fin = ~(nan_c | inf_c)
    g, c = gpu[fin], cpu[fin]
    if g.size == 0:
        return 0.0, None
    if name in RELATIVE:  # relative error (absolute below the smallest normal number)
        denom = np.maximum(np.abs(c), np.finfo(dtype).tiny)
    else:
        denom = np.maximum(1.0, np.abs(c))
    err = np.abs(g - c) / denom / np.finfo(dtype).eps
    i = int(np.argmax(err))
    return float(err[i]), i


TABLE_BUDGET64 = TABLE_PARITY64  # (tests/spec.py)


def check_parity(cp, name, v, x, dtype, label="", budget=None):
    f = FUNCS[name]
    budget = BUDGET[dtype][name] if budget is None else budget
    with np.errstate(all="ignore"):  # float32: large table inputs become inf
        v = np.asarray(v, dtype=dtype)
        x = np.asarray(x, dtype=dtype)
        cpu = f(v, x)
    out = f(cp.asarray(v), cp.asarray(x))
    assert isinstance(out, cp.ndarray) and out.dtype == dtype and out.shape == cpu.shape
    gpu = cp.asnumpy(out)
    worst, i = parity_error(name, gpu, cpu, dtype)
    where = "" if i is None else (
        f" (worst at v={v.ravel()[np.flatnonzero(np.isfinite(cpu.ravel()))[i]]!r}, "
        f"x={x.ravel()[np.flatnonzero(np.isfinite(cpu.ravel()))[i]]!r})")
    assert worst <= budget, (
        f"{name} {np.dtype(dtype).name} {label}: GPU vs CPU {worst:.2f} eps > "
        f"{budget} eps{where}")
    return worst


def _tables():
    return [(name, t) for name, s in SPEC.items() for t in s.tables]


TABLES = _tables()


# ---------------------------------------------------------------------------------------
# parity on the reference inputs and on random inputs
# ---------------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,table", TABLES, ids=[t for _, t in TABLES])
def test_parity_on_reference_inputs(cp, name, table, dtype):
    v, x, *_ = load(table)
    budget = TABLE_BUDGET64.get(table) if dtype == np.float64 else None
    check_parity(cp, name, v, x, dtype, label=f"table {table}", budget=budget)


def _random_inputs(name, n, seed, wide):
    """Random inputs inside the domain where the CPU's accuracy is claimed and the function
    is well conditioned: there, GPU and CPU can agree to a few eps. Outside it (log I_v and
    iv_ratio near the zeros of I_v for negative non-integer v) both are only as good as the
    conditioning allows; negative orders and iv_ratio_complement for v < 1 are covered by
    the reference tables (log_iv_neg, iv_ratio_neg, iv_ratio_complement) and the special
    values."""
    rng = np.random.default_rng(seed)
    if wide:  # v up to 1e8, x from 1e-300 to 1e300
        v = 10.0 ** rng.uniform(-3, 8, n)
        ints = rng.random(n) < 0.05
        v[ints] = np.round(v[ints])
        if name == "log_kv":
            v[rng.random(n) < 0.2] *= -1  # K_{-v} = K_v
        elif name == "log_iv":
            v[ints & (rng.random(n) < 0.5)] *= -1  # I_{-n} = I_n
        x = 10.0 ** rng.uniform(-300, 300, n)
    else:  # the benchmark's distribution
        v = 10.0 ** rng.uniform(-1, 3, n)
        x = 10.0 ** rng.uniform(-2, 3, n)
    if name == "iv_ratio":
        v = np.maximum(v, 0.5)
    if name == "iv_ratio_complement":  # v < 1: its table
        v = np.maximum(v, 1.0)
    if name in DERIVS:  # negative orders: the tables' rows only
        v = np.abs(v)
    if name == "vmf_log_normalizer":  # (p, kappa): integer dimensions p >= 2
        v = np.floor(np.minimum(np.abs(v), 1e7)) + 2.0
    return v, x


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("wide", [False, True], ids=["bench-range", "wide"])
def test_parity_on_random_inputs(cp, name, dtype, wide):
    v, x = _random_inputs(name, 200_000, seed=zlib.crc32(f"{name}{wide}".encode()), wide=wide)
    if dtype == np.float32 and wide:
        x = np.clip(x, 1e-45, 3e38)
        v = np.clip(v, -3e38, 3e38)
    check_parity(cp, name, v, x, dtype, label="random " + ("wide" if wide else "bench range"))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(FUNCS))
def test_parity_near_region_boundaries(cp, name, dtype):
    """Dense grid around the implementation's switch points (r ~ 24, x ~ v/4, small x)."""
    rng = np.random.default_rng(7)
    n = 100_000
    r = 24.0 + rng.uniform(-2, 2, n)
    theta = rng.uniform(0, np.pi / 2, n)
    v1, x1 = r * np.cos(theta), r * np.sin(theta)
    v2 = 10.0 ** rng.uniform(-1, 4, n)
    x2 = v2 * rng.uniform(0.2, 0.3, n)
    v3 = rng.uniform(0, 3, n)
    x3 = 10.0 ** rng.uniform(-3, 0.5, n)
    v = np.concatenate([v1, v2, v3, v3 + 0.5, np.round(v3)])
    x = np.concatenate([x1, x2, x3, x3, x3])
    if name == "iv_ratio":
        v = np.maximum(v, 0.5)
    if name == "iv_ratio_complement":
        v = np.maximum(v, 1.0)
    if name == "vmf_log_normalizer":
        v = np.floor(v) + 2.0
    check_parity(cp, name, v, x, dtype, label="boundaries")


SPECIAL_V = [0.0, -0.0, 0.5, 1.0, 1.5, 2.0, -1.0, -2.0, -0.5, -2.5, 1e-300, 5e-324, 1e8,
             1e300, np.inf, -np.inf, np.nan]
SPECIAL_X = [0.0, -0.0, -1.0, -np.inf, 5e-324, 1e-300, 1e-5, 1.0, 24.0, 1e5, 1e300, np.inf,
             np.nan]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(FUNCS))
def test_special_values_match_cpu(cp, name, dtype):
    with np.errstate(all="ignore"):
        v, x = np.meshgrid(np.array(SPECIAL_V, dtype=dtype), np.array(SPECIAL_X, dtype=dtype))
    if name in RELATIVE:
        # v < 1/2 (1 for the complement) with finite x > 0: outside the accurate domain
        # (see _random_inputs); keep only the special x there
        keep = ~((v < (0.5 if name == "iv_ratio" else 1.0)) & (x > 0) & np.isfinite(x))
        v, x = v[keep], x[keep]
    if name in DERIVS:
        # NaN and infinities in the same places; finite values are compared on random and
        # table inputs (at some exact half-integer orders with small x, log_kv_dv is
        # ill-conditioned enough that a change of rounding moves it by ~1e-7)
        f = FUNCS[name]
        with np.errstate(all="ignore"):
            cpu = f(v, x)
        gpu = cp.asnumpy(f(cp.asarray(v), cp.asarray(x)))
        parity_error(name, gpu, cpu, dtype)
        return
    check_parity(cp, name, v, x, dtype, label="special values")


@pytest.mark.gpu
def test_float32_subnormals_are_not_flushed(cp):
    """CuPy compiles with -ftz=true; the kernels' own float<->double conversions keep
    float32 subnormal inputs and results, as on the CPU."""
    x = np.array([1e-45, 3e-42, 1.1e-38, 1e-40], dtype=np.float32)
    v = np.zeros_like(x)
    for name in FUNCS:
        with np.errstate(over="ignore"):  # d/dx log at x ~ 1e-45 overflows float32
            cpu = FUNCS[name](v + 1, x)
        gpu = cp.asnumpy(FUNCS[name](cp.asarray(v + 1), cp.asarray(x)))
        np.testing.assert_array_equal(gpu, cpu)
    # results in the subnormal range: log I_0(x) ~ x^2/4
    x = np.array([1e-20, 3e-20, 1e-19], dtype=np.float32)
    cpu = lb.log_iv(np.float32(0), x)
    assert np.all((cpu > 0) & (cpu < np.finfo(np.float32).tiny))
    np.testing.assert_array_equal(cp.asnumpy(lb.log_iv(cp.float32(0), cp.asarray(x))), cpu)


# ---------------------------------------------------------------------------------------
# API semantics
# ---------------------------------------------------------------------------------------

def _same(cp, gpu, cpu):
    """Same dtype, shape, NaN/inf pattern, and values within the float64 parity budget in
    the project's metric |g - c| / max(1, |c|) (a ulp count would be meaningless where a
    log crosses 0)."""
    assert isinstance(gpu, cp.ndarray)
    assert gpu.dtype == np.asarray(cpu).dtype, (gpu.dtype, np.asarray(cpu).dtype)
    assert gpu.shape == np.shape(cpu)
    g = cp.asnumpy(gpu).astype(np.float64)
    c = np.asarray(cpu, dtype=np.float64)
    fin = np.isfinite(c)
    np.testing.assert_array_equal(np.isfinite(g), fin)
    np.testing.assert_array_equal(g[~fin], c[~fin])
    eps = np.finfo(np.asarray(cpu).dtype).eps
    err = np.abs(g[fin] - c[fin]) / np.maximum(1.0, np.abs(c[fin])) / eps
    assert err.size == 0 or err.max() <= 4.0, err.max()


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(MAIN))
def test_dtypes_follow_the_cpu(cp, name):
    f = FUNCS[name]
    cases = [
        (np.ones(3, np.float32) * 2, np.ones(3, np.float32) * 3),
        (np.ones(3) * 2, np.ones(3) * 3),
        (np.arange(1, 4), np.arange(1, 4)),  # integers -> float64
        (np.arange(1, 4, dtype=np.int16), np.ones(3, np.float32)),
        (np.ones(3, np.float16) * 2, np.ones(3, np.float16)),
        (np.ones(3, np.float32), np.ones(3)),  # float32 with float64 -> float64
        (np.ones(3, np.float32) * 2, 3.0),  # Python float is weak: stays float32
        (np.ones(3, np.float32) * 2, 3),
        (np.ones(3, np.float32) * 2, np.float64(3.0)),  # NumPy scalar is not weak
        (2.5, np.ones(3) * 4),
        (np.float32(2.5), np.arange(1, 4, dtype=np.int64)),
    ]
    for a, b in cases:
        cpu = f(a, b)
        ga = cp.asarray(a) if isinstance(a, np.ndarray) else a
        gb = cp.asarray(b) if isinstance(b, np.ndarray) else b
        _same(cp, f(ga, gb), cpu)


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(MAIN))
def test_broadcasting_strides_0d_and_empty(cp, name):
    f = FUNCS[name]
    rng = np.random.default_rng(3)
    base_v = rng.uniform(0.5, 60, (6, 8, 10))
    base_x = rng.uniform(0.01, 80, (6, 8, 10))
    views = [
        (lambda a, xp: a),
        (lambda a, xp: a[::2, :, ::3]),  # strided: no two dims merge (N-d layout path)
        (lambda a, xp: a.transpose(2, 0, 1)),
        (lambda a, xp: a[::-1, 1:, ::-2]),  # negative strides
        (lambda a, xp: a[:, 3, :]),
        (lambda a, xp: xp.asfortranarray(a)),
    ]
    for fv in views:
        for fx in views:
            vv, xx = fv(base_v, np), fx(base_x, np)
            if vv.shape != xx.shape:
                continue
            gv, gx = fv(cp.asarray(base_v), cp), fx(cp.asarray(base_x), cp)
            _same(cp, f(gv, gx), f(vv, xx))
    # broadcasting: outer grid (two non-mergeable dims), scalars, stride-0 views
    v = np.linspace(0.5, 40, 7)[:, None]
    x = np.linspace(0.01, 90, 9)[None, :]
    _same(cp, f(cp.asarray(v), cp.asarray(x)), f(v, x))
    _same(cp, f(cp.asarray(v), 3.0), f(v, 3.0))
    _same(cp, f(2.5, cp.asarray(x)), f(2.5, x))
    _same(cp, f(cp.broadcast_to(cp.asarray(v), (7, 9)), cp.asarray(x)), f(v, x))
    v3 = rng.uniform(0.5, 30, (4, 1, 5))
    x3 = rng.uniform(0.1, 30, (3, 1))
    _same(cp, f(cp.asarray(v3), cp.asarray(x3)), f(v3, x3))
    # 0-d: a 0-d CuPy array (CuPy's convention for scalar results)
    r = f(cp.asarray(2.0), cp.asarray(3.0))
    assert isinstance(r, cp.ndarray) and r.shape == () and r.dtype == np.float64
    assert float(r) == pytest.approx(float(f(2.0, 3.0)), rel=1e-15)
    r = f(cp.asarray(np.float32(2.0)), 3.0)
    assert r.shape == () and r.dtype == np.float32
    # empty
    for shape in [(0,), (3, 0), (0, 4)]:
        r = f(cp.ones(shape), cp.ones(shape[-1:]))
        assert isinstance(r, cp.ndarray) and r.shape == shape and r.dtype == np.float64
    r = f(cp.ones((0,), np.float32), 2.0)
    assert r.shape == (0,) and r.dtype == np.float32
    # a large-ish contiguous array through the grid-stride loop (more elements than threads)
    n = 3_000_007
    vv = rng.uniform(0, 100, n)
    xx = rng.uniform(0, 100, n)
    _same(cp, f(cp.asarray(vv), cp.asarray(xx)), f(vv, xx))


def _bits_equal(cp, a, b):
    """Bit for bit (NaNs included)."""
    a, b = cp.asnumpy(a), cp.asnumpy(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    ints = {4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    np.testing.assert_array_equal(a.view(ints), b.view(ints))


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_phases_and_tiles_change_no_bit(cp, name, monkeypatch):
    """The sorted kernels only schedule (kernels.cu): one launch per phase or a single
    launch, any tile shape, any layout, give the same bits. Random inputs with special
    values, a size that is no whole number of tiles, strided and 2-d operands, and `out`
    aliasing an input while phases are on (the caller must fall back to one launch)."""
    from logbessel import _gpu
    f = FUNCS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    n = 20_011
    special = np.array([np.nan, np.inf, 0.0, -0.0, -1.0, -2.5, 5e-324, 1e-300, 1e300, 0.5,
                        24.0, 1e8])
    v = 10.0 ** rng.uniform(-3, 4, n) * np.where(rng.random(n) < 0.1, -1.0, 1.0)
    x = 10.0 ** rng.uniform(-3, 4, n)
    for a in (v, x):
        pick = rng.random(n) < 0.05
        a[pick] = rng.choice(special, int(pick.sum()))
    if name == "vmf_log_normalizer":
        v = np.abs(v) + 2.0
    for dt in (np.float64, np.float32):
        gv, gx = cp.asarray(v.astype(dt)), cp.asarray(x.astype(dt))
        monkeypatch.setattr(_gpu, "PHASE_MIN_N", 1 << 62)
        one = f(gv, gx)
        monkeypatch.setattr(_gpu, "PHASE_MIN_N", 1)  # every call in phases
        _bits_equal(cp, f(gv, gx), one)
        big_v = cp.zeros(3 * n, dtype=dt)
        big_v[::3] = gv
        _bits_equal(cp, f(big_v[::3], gx), one)  # strided operand
        grid = f(gv[: 100 * 200].reshape(200, 100).T, gx[: 100 * 200].reshape(200, 100).T)
        _bits_equal(cp, grid, one[: 100 * 200].reshape(200, 100).T)  # 2-d, not collapsible
        out = cp.full(2 * n, 7, dtype=dt)
        f(gv, gx, out=out[::2])  # strided output
        _bits_equal(cp, out[::2], one)
        assert bool(cp.all(out[1::2] == 7))
        alias = gx.copy()
        f(gv, alias, out=alias)  # out is x
        _bits_equal(cp, alias, one)
        monkeypatch.setattr(_gpu, "BLOCK", 96)  # a smaller tile: 384 elements
        _bits_equal(cp, f(gv, gx), one)
        monkeypatch.setattr(_gpu, "BLOCK", 256)


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(MAIN))
def test_out_argument(cp, name):
    f = FUNCS[name]
    v = np.linspace(0.5, 40, 12).reshape(3, 4)
    x = np.linspace(0.01, 60, 12).reshape(3, 4)
    gv, gx = cp.asarray(v), cp.asarray(x)
    expect = f(v, x)
    out = cp.empty((3, 4))
    r = f(gv, gx, out=out)
    assert r is out
    _same(cp, out, expect)
    out = cp.empty((3, 4))
    assert f(gv, gx, out=(out,)) is out
    _same(cp, out, expect)
    # same-kind cast on output, like NumPy
    out32 = cp.empty((3, 4), np.float32)
    f(gv, gx, out=out32)
    _same(cp, out32, f(v, x, out=np.empty((3, 4), np.float32)))
    # non-contiguous out
    big = cp.full((6, 8), -7.0)
    f(gv, gx, out=big[::2, ::2])
    _same(cp, big[::2, ::2], expect)
    assert float(big[1, 1]) == -7.0
    # inputs broadcast against out
    out = cp.empty((2, 3, 4))
    f(gv, gx, out=out)
    _same(cp, out, f(v, x, out=np.empty((2, 3, 4))))
    out = cp.empty(5)
    f(1.5, 2.5, out=out)
    _same(cp, out, f(1.5, 2.5, out=np.empty(5)))
    # errors like NumPy's
    with pytest.raises(ValueError):
        f(gv, gx, out=cp.empty((4, 3)))
    with pytest.raises(TypeError):
        f(gv, gx, out=cp.empty((3, 4), np.int64))
    with pytest.raises(ValueError):
        f(gv, gx, out=cp.broadcast_to(cp.empty(4), (3, 4)))
    # where=
    mask = v > 20
    out = cp.full((3, 4), -7.0)
    f(gv, gx, out=out, where=cp.asarray(mask))
    exp = np.full((3, 4), -7.0)
    f(v, x, out=exp, where=mask)
    _same(cp, out, exp)
    # dtype=
    _same(cp, f(gv, gx, dtype=np.float32), f(v, x, dtype=np.float32))


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(MAIN))
def test_in_place_and_overlapping_out(cp, name):
    f = FUNCS[name]
    v = np.linspace(0.5, 40, 101)
    x = np.linspace(0.01, 60, 101)
    gv, gx = cp.asarray(v), cp.asarray(x)
    f(gv, gx, out=gx)  # exact alias
    _same(cp, gx, f(v, x))
    g = cp.asarray(x)
    f(g[:-1], g[:-1], out=g[1:])  # shifted overlap: NumPy semantics (inputs read first)
    h = x.copy()
    f(h[:-1], h[:-1], out=h[1:])
    _same(cp, g, h)
    g = cp.asarray(x)
    f(g[::-1], 2.0, out=g)  # reversed alias
    h = x.copy()
    f(h[::-1], 2.0, out=h)
    _same(cp, g, h)


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(OTHERS))
def test_other_functions_dtypes_and_broadcasting(cp, name):
    f = FUNCS[name]
    v = np.linspace(0.5, 40, 7)[:, None]
    x = np.linspace(0.01, 90, 9)[None, :]
    for dt in (np.float64, np.float32):
        cpu = f(v.astype(dt), x.astype(dt))
        gpu = f(cp.asarray(v, dtype=dt), cp.asarray(x, dtype=dt))
        assert isinstance(gpu, cp.ndarray) and gpu.dtype == cpu.dtype and gpu.shape == (7, 9)
        worst, _ = parity_error(name, cp.asnumpy(gpu), cpu, dt)
        assert worst <= BUDGET[dt][name]
    out = cp.empty((7, 9), np.float32)
    assert f(cp.asarray(v), 2.5, out=out) is out
    assert f(cp.asarray(np.arange(1, 4)), cp.asarray(np.arange(1, 4))).dtype == np.float64


@pytest.mark.gpu
def test_mixing_numpy_and_cupy_raises_typeerror(cp):
    a = np.ones(3)
    for f in FUNCS.values():
        with pytest.raises(TypeError, match="mix"):
            f(cp.ones(3), a)
        with pytest.raises(TypeError, match="mix"):
            f(a, cp.ones(3))
        with pytest.raises(TypeError):
            f(cp.ones(3), cp.ones(3), out=np.empty(3))
        with pytest.raises(TypeError):
            f(a, a, out=cp.empty(3))
        with pytest.raises(TypeError):
            f(cp.ones(3, np.complex128), cp.ones(3))


@pytest.mark.gpu
def test_runs_on_the_current_stream(cp):
    """Captured into a CUDA graph on a non-blocking stream: any work issued to another
    stream during capture would make the capture fail, and the replay must compute."""
    v = cp.linspace(0.5, 40, 1000)
    x = cp.linspace(0.01, 60, 1000)
    out = cp.empty(1000)
    lb.log_iv(v, x, out=out)  # compile / load outside the capture
    expect = lb.log_iv(cp.asnumpy(v), cp.asnumpy(x))
    s = cp.cuda.Stream(non_blocking=True)
    if not hasattr(s, "begin_capture"):
        pytest.skip("this CuPy has no stream capture")
    out.fill(0)
    with s:
        s.begin_capture()
        lb.log_iv(v, x, out=out)
        graph = s.end_capture()
    assert float(cp.abs(out).max()) == 0.0  # captured, not run
    graph.launch(stream=s)
    s.synchronize()
    np.testing.assert_array_max_ulp(cp.asnumpy(out), expect, maxulp=8)
    # and plainly on a non-default stream
    s2 = cp.cuda.Stream(non_blocking=True)
    with s2:
        r = lb.iv_ratio(v, x)
    s2.synchronize()
    np.testing.assert_array_max_ulp(cp.asnumpy(r), lb.iv_ratio(cp.asnumpy(v), cp.asnumpy(x)),
                                    maxulp=8)


@pytest.mark.gpu
def test_edited_header_is_never_served_stale(cp, tmp_path, monkeypatch):
    from logbessel import _gpu
    src = _gpu.source_dir()
    root = tmp_path / "csrc"
    shutil.copytree(src, root)
    monkeypatch.setenv("LOGBESSEL_CSRC", str(root))
    monkeypatch.setattr(_gpu, "STAT_INTERVAL", 0.0)
    _gpu.reload()
    try:
        before = float(lb.log_iv(cp.asarray(12345.0), 1.0))
        h = root / "logbessel" / "log_iv.h"
        text = h.read_text()
        sig = re.search(r"LOGBESSEL_INLINE double log_iv\(double v, double x\) \{", text)
        if sig is None:
            pytest.skip("log_iv.h no longer has the expected signature line")
        h.write_text(text[:sig.end()] + "\n    if (v == 12345.0) return 42.0;" + text[sig.end():])
        after = float(lb.log_iv(cp.asarray(12345.0), 1.0))
        assert len({key[0] for key in _gpu._modules}) == 2  # a new module, a new hash
        assert before != 42.0 and after == 42.0
    finally:
        monkeypatch.delenv("LOGBESSEL_CSRC")
        _gpu.reload()


# ---------------------------------------------------------------------------------------
# no GPU needed
# ---------------------------------------------------------------------------------------

def test_gpu_present_when_required(gpu_status):
    """benchmarks/gpu_check.sh sets LOGBESSEL_REQUIRE_GPU=1: there, skipping is failure."""
    if os.environ.get("LOGBESSEL_REQUIRE_GPU") == "1":
        have, status = gpu_status
        assert have, f"LOGBESSEL_REQUIRE_GPU=1 but no usable GPU: {status}"


def test_importing_logbessel_never_imports_cupy():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import logbessel as lb
        lb.log_iv(np.ones(3), 2.0); lb.log_kv(1.0, 2.0); lb.iv_ratio(np.float32(2), 3)
        from logbessel import _gpu
        _gpu.build_source()
        assert "cupy" not in sys.modules, sorted(m for m in sys.modules if "cupy" in m)
    """)
    env = dict(os.environ)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_source_hash_covers_every_header(tmp_path):
    from logbessel import _gpu
    src = _gpu.source_dir()
    files = _gpu.source_files(src)
    assert files[0].name == "kernels.cu"
    assert {f.name for f in files[1:]} == {p.name for p in (src / "logbessel").glob("*.h")}
    assert "logbessel.h" in {f.name for f in files}
    root = tmp_path / "csrc"
    shutil.copytree(src, root)
    h0 = _gpu.source_hash(root)
    assert h0 == _gpu.source_hash(src)
    for f in _gpu.source_files(root):
        text = f.read_bytes()
        f.write_bytes(text + b"\n// edited\n")
        assert _gpu.source_hash(root) != h0, f.name
        f.write_bytes(text)
    assert _gpu.source_hash(root) == h0
    code, options, digest = _gpu.build_source(root)
    assert digest == h0 and digest in code.splitlines()[0]
    assert any(str(root) in o for o in options)


def test_kernels_exist_for_every_public_function():
    """Every public elementwise function has kernels (else CuPy input would reach
    _gpu.call for a function it cannot run), each behind its LOGBESSEL_WANT_ switch."""
    from logbessel import _gpu
    public = {name for name in dir(lb) if hasattr(getattr(lb, name), "ufunc")}
    public.add("vmf_log_normalizer")  # logbessel.vmf's elementwise log C_p
    assert public == set(_gpu.FUNCTIONS) == set(_registry.names()) == set(FUNCS)
    # kernels.cu builds its kernels from the registry's list and names no function itself
    text = (_gpu.source_dir() / "kernels.cu").read_text()
    assert "LOGBESSEL_FUNCTIONS(LOGBESSEL_SELECTED_KERNELS)" in text
    stripped = re.sub(r"//[^\n]*", "", text)  # (the comments quote measurements by name)
    for name in _gpu.FUNCTIONS:
        assert not re.search(r"\b%s\b" % name, stripped), f"kernels.cu names {name}"
        assert _gpu.kernel_name(name, np.float32) == f"logbessel_{name}_f32"
        code, options, _ = _gpu.build_source(name=name)
        assert f"-DLOGBESSEL_WANT_{name}" in options


def test_layout_collapse():
    from logbessel._gpu import _collapse
    # contiguous 3-d: one dimension
    assert _collapse((2, 3, 4), [[12, 4, 1], [12, 4, 1], [12, 4, 1]]) == ([24], [[1], [1], [1]])
    # scalar broadcast against contiguous
    assert _collapse((2, 3, 4), [[0, 0, 0], [12, 4, 1], [12, 4, 1]]) == ([24], [[0], [1], [1]])
    # outer grid: two dims
    assert _collapse((5, 7), [[1, 0], [0, 1], [7, 1]]) == ([5, 7], [[1, 0], [0, 1], [7, 1]])
    # size-1 dims are dropped; 0-d gives no dims
    assert _collapse((1, 6, 1), [[9, 1, 5], [0, 2, 3], [6, 1, 1]]) == ([6], [[1], [2], [1]])
    assert _collapse((), [[], [], []]) == ([], [[], [], []])
