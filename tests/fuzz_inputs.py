"""Random (v, x) over the whole float64 range, for tests/test_fuzz.py and the sweep's corpus.

Each draw mixes: uniformly random bit patterns (every exponent equally likely: subnormals,
huge values, a few NaN and inf), +-2^e (1 + u) with e uniform in [-1074, 1023], special
values (+-0, +-inf, NaN, the smallest subnormal, DBL_MIN, DBL_MAX), integers and
half-integers of every size, tiny orders, and the moderate ranges where the regions of the
implementation meet (v, x in [1e-3, 1e3] and the boundaries r ~ 24, x ~ 0.5).
"""
from __future__ import annotations

import numpy as np

DBL_MAX = float(np.finfo(np.float64).max)
DBL_MIN = float(np.finfo(np.float64).tiny)
DENORM_MIN = 5e-324

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, DENORM_MIN, -DENORM_MIN, DBL_MIN, DBL_MAX,
                    -DBL_MAX, 1.0, 0.5, -0.5, 1.5, -1.5, 2.0, 24.0, 0.49999999999999994,
                    1e-300, 1e300, 2.0 ** 52 + 0.5, 2.0 ** 53, 4.5e307, 7e307])


def _bits(rng, n):
    b = rng.integers(0, 2 ** 63, n, dtype=np.uint64) | np.where(rng.random(n) < 0.5, np.uint64(2 ** 63), np.uint64(0))
    return b.view(np.float64)


def _exponent(rng, n):
    e = rng.integers(-1074, 1024, n)
    m = 1.0 + rng.random(n)
    with np.errstate(over="ignore"):
        out = np.ldexp(m, e)  # 2^e (1 + u): e = 1023 may round to inf for m near 2
    out[np.isinf(out)] = DBL_MAX
    return out


def wild(rng, n, signed=True):
    """n float64 values drawn from the mixture above; `signed`: both signs (orders), else
    mostly non-negative with a few negative values (arguments)."""
    kind = rng.integers(0, 8, n)
    out = np.empty(n)
    pick = {k: kind == k for k in range(8)}
    c = {k: int(m.sum()) for k, m in pick.items()}
    out[pick[0]] = _bits(rng, c[0])
    out[pick[1]] = _exponent(rng, c[1])
    out[pick[2]] = rng.choice(SPECIAL, c[2])
    out[pick[3]] = np.round(np.exp(rng.uniform(0, np.log(1e17), c[3])))            # integers
    out[pick[4]] = np.round(np.exp(rng.uniform(0, np.log(1e15), c[4]))) + 0.5      # half-integers
    out[pick[5]] = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), c[5]))           # moderate
    out[pick[6]] = np.exp(rng.uniform(np.log(1e-320), np.log(1e-150), c[6]))      # tiny
    out[pick[7]] = rng.uniform(0.0, 30.0, c[7])                                   # r < 24 regions
    flip = rng.random(n) < (0.5 if signed else 0.03)
    out[flip & (kind != 0) & (kind != 2)] *= -1.0
    if not signed:
        keep = rng.random(n) < 0.97
        out[keep & (kind == 0)] = np.abs(out[keep & (kind == 0)])
    return out


def wild_pairs(rng, n):
    """(v, x) pairs: independent draws, and one pair in four with v and x of similar size
    (the turning region x ~ v, where the uniform expansions' exponent cancels)."""
    v = wild(rng, n, signed=True)
    x = wild(rng, n, signed=False)
    near = rng.random(n) < 0.25
    with np.errstate(over="ignore", invalid="ignore"):
        xs = np.abs(v[near]) * np.exp(rng.uniform(-2.5, 2.5, int(near.sum())))
    xs[~np.isfinite(xs)] = DBL_MAX
    x[near] = xs
    return v, x


# Input classes (first match wins), used to group failures: the reliability classes of
# issue 13 and the rest.
#   special: NaN or inf in, x < 0;  x = 0: x = +-0 (finite v);
#   huge: max(|v|, x) > 1e307 or |log I|, |log K| within a factor 16 of DBL_MAX (|F| > 1e307);
#   tiny x: x subnormal, or x < 1e-290 |v|;  tiny v: 0 < |v| < 1e-150;
#   negative integer v: v <= -1, integer;  general: everything else.
CLASSES = ("special", "x = 0", "huge", "tiny x", "tiny v", "negative integer v", "general")


def input_class(v, x):
    """Array of indices into CLASSES for each (v, x)."""
    from nan_rule import exponent_F
    v, x = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.full(v.shape, len(CLASSES) - 1)
    with np.errstate(invalid="ignore"):
        av = np.abs(v)
        special = ~np.isfinite(v) | ~np.isfinite(x) | (x < 0)
        zero = x == 0
        huge = (np.maximum(av, x) > 1e307) | (exponent_F(v, x) > 1e307)
        tinyx = (x < DBL_MIN) | (x < 1e-290 * av)
        tiny = (av > 0) & (av < 1e-150)
        negint = (v <= -1) & (v == np.floor(v))
    for k, m in reversed(list(enumerate([special, zero, huge, tinyx, tiny, negint]))):
        out[m] = k
    return out
