"""NumPy ufunc semantics, dtypes, special values and error handling of the public functions."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import logbessel as lb

FUNCS = [lb.log_iv, lb.log_kv, lb.iv_ratio]
inf, nan = np.inf, np.nan


def test_public_functions_are_backed_by_genuine_ufuncs():
    for f in FUNCS:
        assert isinstance(f.ufunc, np.ufunc)
        assert f.ufunc.nin == 2 and f.ufunc.nout == 1
        assert {"ff->f", "dd->d"} <= set(f.ufunc.types)
    assert lb.ufuncs.log_iv is lb.log_iv.ufunc


@pytest.mark.parametrize("f", FUNCS)
def test_dtype_preservation(f):
    assert f(np.float32(2), np.float32(3)).dtype == np.float32
    assert f(np.ones(3, np.float32), np.ones(3, np.float32)).dtype == np.float32
    assert f(np.ones(3), np.ones(3)).dtype == np.float64
    assert f(np.arange(1, 4), np.arange(1, 4)).dtype == np.float64  # integers -> float64
    assert f(np.float16(2), np.float16(3)).dtype == np.float32
    # float32 + float64 promotes like any ufunc
    assert f(np.ones(2, np.float32), np.ones(2)).dtype == np.float64


@pytest.mark.parametrize("f", FUNCS)
def test_scalars_broadcasting_out_where(f):
    s = f(1.5, 2.0)
    assert isinstance(s, np.float64)
    v = np.linspace(0.5, 5, 4)[:, None]
    x = np.linspace(0.1, 9, 5)[None, :]
    full = f(v, x)
    assert full.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            assert full[i, j] == f(float(v[i, 0]), float(x[0, j]))
    out = np.empty((4, 5))
    r = f(v, x, out=out)
    assert r is out and np.array_equal(out, full)
    out2 = np.full((4, 5), -7.0)
    mask = full > 0
    f(v, x, out=out2, where=mask)
    assert np.array_equal(out2[mask], full[mask]) and np.all(out2[~mask] == -7.0)


@pytest.mark.parametrize("f", FUNCS)
def test_non_contiguous_empty_and_0d(f):
    base = np.linspace(0.5, 50, 200).reshape(20, 10)
    strided = base[::3, ::2]
    assert not strided.flags.c_contiguous
    assert np.array_equal(f(strided, strided.T.T), f(strided.copy(), strided.copy()))
    assert f(np.empty(0), np.empty(0)).shape == (0,)
    assert f(np.empty((3, 0)), 1.0).shape == (3, 0)
    zero_d = f(np.array(2.0), np.array(3.0))
    assert np.ndim(zero_d) == 0


@pytest.mark.parametrize("f", FUNCS)
def test_complex_object_and_string_inputs_raise_typeerror(f):
    with pytest.raises(TypeError, match="complex input is not supported"):
        f(1.0, np.array([1 + 1j]))
    with pytest.raises(TypeError, match="complex input is not supported"):
        f(1 + 0j, 2.0)
    with pytest.raises(TypeError, match="unsupported input dtype"):
        f(np.array([1.0], dtype=object), 2.0)
    with pytest.raises(TypeError):
        f("1", 2.0)


SPECIAL = [
    # (v, x, log_iv, log_kv)
    (nan, 1.0, nan, nan), (1.0, nan, nan, nan), (1.0, -1.0, nan, nan), (-2.5, -1.0, nan, nan),
    (0.0, 0.0, 0.0, inf), (2.0, 0.0, -inf, inf), (-3.0, 0.0, -inf, inf),
    (0.5, inf, inf, -inf), (1e8, inf, inf, -inf), (inf, 1.0, -inf, inf), (-inf, 1.0, nan, inf),
    (inf, inf, nan, nan),
    (-0.5, 0.0, inf, inf),  # I_{-1/2}(x) = sqrt(2/(pi x)) cosh x -> +inf
    (-1.5, 0.0, nan, inf),  # I_{-3/2}(x) -> -inf: its log is NaN
]


@pytest.mark.parametrize("v,x,li,lk", SPECIAL)
def test_special_values(v, x, li, lk):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_equal(lb.log_iv(v, x), li)
        np.testing.assert_equal(lb.log_kv(v, x), lk)


def test_iv_ratio_special_values():
    np.testing.assert_equal(lb.iv_ratio(1.0, 0.0), 0.0)
    np.testing.assert_equal(lb.iv_ratio(0.25, 0.0), 0.0)  # v > 0: I_v(0) = 0, I_{v-1}(0) = inf
    np.testing.assert_equal(lb.iv_ratio(0.0, 0.0), inf)   # I_0/I_1 ~ 2/x
    np.testing.assert_equal(lb.iv_ratio(-3.0, 0.0), inf)  # I_3/I_4 ~ 8/x
    r = lb.iv_ratio(-2.5, 0.0)  # -K_{2.5}/K_{3.5} ~ -x/5 -> -0
    assert r == 0.0 and np.signbit(r)
    assert lb.iv_ratio(-2.5, 1e-5) == pytest.approx(-1e-5 / 5, rel=1e-4)  # the same near 0
    np.testing.assert_equal(lb.iv_ratio(3.5, inf), 1.0)
    np.testing.assert_equal(lb.iv_ratio(nan, 1.0), nan)
    np.testing.assert_equal(lb.iv_ratio(1.0, -1.0), nan)


def test_closed_forms_half_integer_order():
    # I_{1/2}(x) = sqrt(2/(pi x)) sinh x, K_{1/2}(x) = sqrt(pi/(2x)) e^{-x}  (DLMF 10.39.1)
    x = np.array([1e-3, 0.3, 2.0, 17.0, 40.0])
    np.testing.assert_allclose(lb.log_kv(0.5, x), 0.5 * np.log(np.pi / (2 * x)) - x, rtol=4e-16, atol=4e-16)
    np.testing.assert_allclose(lb.log_iv(0.5, x), 0.5 * np.log(2 / (np.pi * x)) + np.log(np.sinh(x)),
                               rtol=6e-16, atol=6e-16)


def test_negative_noninteger_order_sign():
    # I_{-1/2}(x) = sqrt(2/(pi x)) cosh x > 0; I_{-3/2} changes sign at x ~ 1.2
    x = np.array([0.01, 0.5, 3.0])
    np.testing.assert_allclose(lb.log_iv(-0.5, x), 0.5 * np.log(2 / (np.pi * x)) + np.log(np.cosh(x)),
                               rtol=6e-16, atol=6e-16)
    assert np.isnan(lb.log_iv(-1.5, 0.01)) and np.isfinite(lb.log_iv(-1.5, 3.0))


def test_extremes_are_finite_and_raise_no_floating_point_warnings():
    v = np.array([1e-3, 1e8, 1e8, 0.5, 1e8, 1e300, 5e-324, 3.0])
    x = np.array([1e-300, 1e-300, 1e300, 1e300, 1e8, 1.0, 1e300, 5e-324])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for f in FUNCS:
            r = f(v, x)
            assert np.all(np.isfinite(r[:5]))
        # I_0/I_1 at the smallest subnormal x is 2/x: a genuine overflow, not a spurious one
        assert lb.log_iv(0.0, 5e-324) == 0.0


def test_large_arrays_use_threads_and_match_single_thread(monkeypatch):
    rng = np.random.default_rng(3)
    n = 3 * lb._core.parallel_threshold + 17
    v = np.exp(rng.uniform(np.log(0.1), np.log(1e3), n))
    x = np.exp(rng.uniform(np.log(0.01), np.log(1e3), n))
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "1")
    assert lb._core.num_threads() == 1
    single = lb.log_iv(v, x)
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "3")
    assert lb._core.num_threads() == 3
    multi = lb.log_iv(v, x)
    assert np.array_equal(single, multi)
    # a strided (non-contiguous) large input goes through the same split
    assert np.array_equal(lb.log_kv(v[::2], x[::2]), lb.log_kv(v[::2].copy(), x[::2].copy()))


def test_dask_arrays_stay_lazy():
    da = pytest.importorskip("dask.array")
    v = da.from_array(np.linspace(0.5, 30, 1000), chunks=250)
    x = da.from_array(np.linspace(0.1, 60, 1000), chunks=250)
    for f in FUNCS:
        r = f(v, x)
        assert isinstance(r, da.Array)
        np.testing.assert_array_equal(r.compute(), f(v.compute(), x.compute()))


def test_math_module_consistency_for_v0():
    # log I_0(x) against the closed form of the power series at tiny x
    assert math.isclose(lb.log_iv(0.0, 1e-8), 0.25e-16, rel_tol=1e-12)


def test_wide_random_inputs_raise_no_floating_point_flags():
    # NaN, inf, 0, negative and huge inputs mixed: results are NaN/inf where they should be,
    # and no spurious overflow/divide/invalid flag reaches NumPy (which would warn).
    from logbessel import vmf
    rng = np.random.default_rng(5)
    n = 50_000
    v = 10 ** rng.uniform(-3, 8, n) * np.where(rng.random(n) < 0.3, -1, 1)
    x = 10 ** rng.uniform(-300, 300, n)
    v[:500] = np.round(v[:500])
    x[:200], x[200:300] = 0.0, np.inf
    v[300:350], v[350:400] = np.inf, np.nan
    from logbessel import _registry
    funcs = [getattr(lb, name) for name in _registry.names("logbessel")]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for f in funcs:
            r = f(v, x)
            assert np.all(np.isnan(r[350:400])), f.__name__
        vmf._vmf_log_normalizer(np.abs(v) + 2, x)


def test_result_does_not_depend_on_the_neighbours():
    """The CPU loops evaluate inputs of one region together, 8 or 32 lanes in lockstep
    (csrc/module.cpp); each lane must still get exactly the terms, levels and steps it
    would get alone. Shuffling the inputs regroups every lane; evaluating one input per
    call pads its group with copies of itself. Either way the bits must not change."""
    rng = np.random.default_rng(11)
    n = 20000
    v = np.exp(rng.uniform(np.log(1e-3), np.log(1e4), n))
    x = np.exp(rng.uniform(np.log(1e-4), np.log(1e4), n))
    v[::7] = np.round(v[::7]) + 0.5 * (np.arange(v[::7].size) % 2)  # integer, half-integer
    v[::11] *= -1.0
    perm = rng.permutation(n)
    for f in (lb.log_iv, lb.log_kv):
        whole = f(v, x)
        shuffled = np.empty(n)
        shuffled[perm] = f(v[perm], x[perm])
        assert np.array_equal(whole, shuffled, equal_nan=True), f.__name__
        one_by_one = np.array([f(v[i : i + 1], x[i : i + 1])[0] for i in range(0, n, 97)])
        assert np.array_equal(whole[::97], one_by_one, equal_nan=True), f.__name__


def test_no_spurious_floating_point_warnings():
    """Finite inputs over the whole domain raise no RuntimeWarning (vectorized lanes compute
    both sides of some branches; the loops drop the flags that raises)."""
    v = np.array([0.0, 1e-3, 0.5, 3.0, 30.0, 1e4, 1e8, 1e300])
    x = np.array([1e-300, 1e-3, 0.4, 2.0, 50.0, 1e5, 1e150, 1e300])
    vv, xx = np.meshgrid(v, x)
    v32, x32 = (np.minimum(a, 1e38).astype(np.float32) for a in (vv, xx))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in FUNCS:
            f(vv, xx)
            f(v32, x32)


def test_orders_and_arguments_near_the_largest_double():
    """v and x near 1.8e308, where v^2 + x^2 and v + r overflow: the results are finite.
    Reference: the leading uniform term v eta(x/v) -+ log(...)/2 in mpmath at 50 digits (the
    first neglected term is ~1/r ~ 1e-308 relative)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    for v, x in [(1.7e308, 1.7e308), (1.7e308, 1e308), (1e308, 1.7e308), (1.7e308, 0.5e308), (1e100, 1.7e308)]:
        V, X = mpmath.mpf(v), mpmath.mpf(x)
        r = mpmath.sqrt(V * V + X * X)
        F = r - V * mpmath.asinh(V / X)
        ref_i = F - mpmath.log(2 * mpmath.pi * r) / 2
        ref_k = -F + mpmath.log(mpmath.pi / (2 * r)) / 2
        for f, ref in ((lb.log_iv, ref_i), (lb.log_kv, ref_k)):
            got = f(v, x)
            assert np.isfinite(got), (f.__name__, v, x)
            assert abs(got - float(ref)) <= 8 * np.finfo(float).eps * abs(float(ref)), (f.__name__, v, x, got, float(ref))
    # where the logarithm itself is beyond the double range (about -v log(2v/x)): -inf, +inf
    assert lb.log_iv(1.7e308, 1e100) == -np.inf and lb.log_kv(1.7e308, 1e100) == np.inf
