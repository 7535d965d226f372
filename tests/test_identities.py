"""Identities on random inputs (no references needed): the Wronskian and the recurrences.

Tolerances are a few eps times the size of the terms involved (the condition number of
each identity), never widened to pass."""
from __future__ import annotations

import numpy as np
import pytest

import logbessel as lb

EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(20261127)


def _loguniform(lo, hi, n):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))


@pytest.mark.parametrize("vlo,vhi,xlo,xhi", [
    (1e-3, 30, 1e-3, 30),       # series / Temme / CF2 regions
    (1e-3, 1e4, 1e-2, 1e4),     # across the uniform region
    (1e4, 1e8, 1e2, 1e9),       # large orders
])
def test_wronskian(vlo, vhi, xlo, xhi):
    # I_v K_{v+1} + I_{v+1} K_v = 1/x  (DLMF 10.28.2), in log space
    v = _loguniform(vlo, vhi, 3000)
    x = _loguniform(xlo, xhi, 3000)
    a = lb.log_iv(v, x) + lb.log_kv(v + 1, x)
    b = lb.log_iv(v + 1, x) + lb.log_kv(v, x)
    lhs = np.logaddexp(a, b)
    scale = np.maximum.reduce([np.abs(lb.log_iv(v, x)), np.abs(lb.log_kv(v + 1, x)),
                               np.abs(lb.log_iv(v + 1, x)), np.abs(lb.log_kv(v, x)),
                               np.ones_like(v)])
    err = np.abs(lhs + np.log(x)) / scale / EPS
    assert err.max() < 6, err.max()


def test_iv_recurrence_through_the_ratio():
    # I_{v-1}/I_v - I_{v+1}/I_v = 2v/x  (DLMF 10.29.1)
    v = _loguniform(0.5, 1e6, 5000)
    x = _loguniform(1e-3, 1e6, 5000)
    lhs = 1.0 / lb.iv_ratio(v, x) - lb.iv_ratio(v + 1, x)
    rhs = 2 * v / x
    scale = 1.0 / lb.iv_ratio(v, x) + lb.iv_ratio(v + 1, x)
    err = np.abs(lhs - rhs) / scale / EPS
    assert err.max() < 6, err.max()


def test_kv_recurrence():
    # K_{v+1} - K_{v-1} = (2v/x) K_v  (DLMF 10.29.1), divided by K_v
    v = _loguniform(1.0, 200, 4000)
    x = _loguniform(1e-2, 200, 4000)
    lk = lb.log_kv(v, x)
    up = np.exp(lb.log_kv(v + 1, x) - lk)
    down = np.exp(lb.log_kv(v - 1, x) - lk)
    scale = (up + down) * (1 + np.abs(lk) + np.abs(lb.log_kv(v + 1, x)))
    err = np.abs(up - down - 2 * v / x) / scale / EPS
    assert err.max() < 5, err.max()


def test_ratio_agrees_with_logs_where_logs_are_small():
    v = rng.uniform(0.5, 40, 3000)
    x = rng.uniform(0.1, 40, 3000)
    li, lim1 = lb.log_iv(v, x), lb.log_iv(v - 1, x)
    err = np.abs(lb.iv_ratio(v, x) / np.exp(li - lim1) - 1) / (EPS * (1 + np.abs(li) + np.abs(lim1)))
    assert err.max() < 4, err.max()


def test_integer_negative_order_and_k_symmetry():
    v = rng.integers(0, 60, 500).astype(float)
    x = _loguniform(1e-5, 1e5, 500)
    assert np.array_equal(lb.log_iv(-v, x), lb.log_iv(v, x))
    w = _loguniform(1e-3, 1e6, 500)
    assert np.array_equal(lb.log_kv(-w, x), lb.log_kv(w, x))
