"""The CPU levels (csrc/cpu_levels.h): the extension carries the math's loops for several
instruction sets and picks one at import. Every level this machine runs must give the same
bits as every other, on the certified tables' inputs and on 10^6 random inputs per
function over the whole domain (float64; float32 on a smaller sample), and LOGBESSEL_CPU
must pick a level or fail at import with a message that says why."""
from __future__ import annotations

import csv
import functools
import os
import subprocess
import sys

import numpy as np
import pytest

from logbessel import _core
from fuzz_inputs import wild
from refdata import REF_DIR

N_RANDOM = 1_000_000
N_RANDOM_F32 = 100_000
LEVELS = [lv["name"] for lv in _core.cpu_levels()]
SUPPORTED = [lv["name"] for lv in _core.cpu_levels() if lv["supported"]]
# every elementwise ufunc of the extension (the registry's rows, whatever their arity)
UFUNCS = {r["name"]: getattr(_core, r["name"]) for r in _core.registry}
UFUNCS.update({"_" + r["name"]: getattr(_core, "_" + r["name"]) for r in _core._probe_registry})

needs_two = pytest.mark.skipif(len(SUPPORTED) < 2, reason=f"this CPU runs one level of this build only "
                                                          f"({', '.join(SUPPORTED)}): nothing to compare")


@pytest.fixture
def restore_level():
    before = _core.cpu_level()
    yield
    _core._set_cpu_level(before)


@functools.lru_cache(maxsize=None)
def _table_inputs(nin):
    """The first nin columns of every certified table (where they are all numbers)."""
    cols = [[] for _ in range(nin)]
    for path in sorted(REF_DIR.glob("*.csv")):
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        try:
            parsed = [[float.fromhex(r[k]) for r in rows] for k in range(nin)]
        except (ValueError, IndexError):  # a table whose first columns are not inputs
            continue
        for k in range(nin):
            cols[k].extend(parsed[k])
    assert len(cols[0]) > 1000, "the certified tables were not found"
    return tuple(np.array(c) for c in cols)


@functools.lru_cache(maxsize=None)
def _inputs(nin, n, seed):
    rng = np.random.default_rng([seed, nin])
    rand = [wild(rng, n, signed=(k == 0)) for k in range(nin)]
    return tuple(np.concatenate([t, r]) for t, r in zip(_table_inputs(nin), rand))


def _results(uf, args):
    with np.errstate(all="ignore"):
        return uf(*args)


def _first_difference(name, level, ref, got, args):
    bits_ref, bits_got = ref.view(np.uint64 if ref.dtype == np.float64 else np.uint32), \
        got.view(np.uint64 if got.dtype == np.float64 else np.uint32)
    bad = np.flatnonzero(bits_ref != bits_got)
    i = bad[0]
    return (f"{name} at level {level}: {bad.size} results differ from level {SUPPORTED[0]}'s; first at "
            f"args {[float(a[i]) for a in args]}: {got[i]!r} vs {ref[i]!r}")


@needs_two
@pytest.mark.parametrize("name", sorted(UFUNCS))
def test_every_level_gives_the_same_bits(name, restore_level):
    uf = UFUNCS[name]
    args64 = _inputs(uf.nin, N_RANDOM, 20261202)
    with np.errstate(all="ignore"):  # (values beyond the float32 range become +-inf)
        args32 = [a[-N_RANDOM_F32:].astype(np.float32) for a in _inputs(uf.nin, N_RANDOM_F32, 7)]
    ref = {}
    for level in SUPPORTED:
        _core._set_cpu_level(level)
        assert _core.cpu_level() == level
        for args in (args64, args32):
            res = _results(uf, args)
            assert res.dtype == args[0].dtype
            key = res.dtype.name
            if key not in ref:
                ref[key] = res
                continue
            same = np.array_equal(ref[key].view(np.uint8), res.view(np.uint8))
            assert same, _first_difference(name, level, ref[key], res, args)


def test_levels_are_listed_and_the_highest_supported_is_chosen():
    assert LEVELS and LEVELS[0] in ("baseline", "native")
    info = {lv["name"]: lv for lv in _core.cpu_levels()}
    for lv in info.values():
        assert lv["supported"] == (not lv["missing"]) and set(lv["missing"]) <= set(lv["needs"])
    if "avx512" in info:
        assert set(info["avx2"]["needs"]) < set(info["avx512"]["needs"])
    assert set(_core.build_info["level_flags"]) == set(LEVELS)
    if not os.environ.get("LOGBESSEL_CPU"):
        assert _core.cpu_level_source == "auto"
        assert _core.cpu_level() == SUPPORTED[-1]


def test_set_cpu_level_refuses_what_it_cannot_run(restore_level):
    with pytest.raises(RuntimeError, match=r"'nonesuch' is not a CPU level of this build \(levels built: "):
        _core._set_cpu_level("nonesuch")
    for lv in _core.cpu_levels():
        if not lv["supported"]:
            with pytest.raises(RuntimeError, match=f"the CPU level '{lv['name']}' needs .*which this CPU lacks"):
                _core._set_cpu_level(lv["name"])


def _import_with(level):
    env = dict(os.environ, LOGBESSEL_CPU=level)
    code = "import logbessel; from logbessel import _core; print(_core.cpu_level(), _core.cpu_level_source)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_logbessel_cpu_forces_a_level():
    for level in SUPPORTED:
        out = _import_with(f" {level} ")
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [level, f"LOGBESSEL_CPU={level}"]


def test_logbessel_cpu_fails_at_import_with_the_reason():
    out = _import_with("avx1024")
    assert out.returncode != 0
    assert ("ImportError: logbessel: LOGBESSEL_CPU=avx1024: 'avx1024' is not a CPU level of this build "
            f"(levels built: {', '.join(LEVELS)})") in out.stderr
    for lv in _core.cpu_levels():
        if not lv["supported"]:
            out = _import_with(lv["name"])
            assert out.returncode != 0
            assert (f"LOGBESSEL_CPU={lv['name']}: the CPU level '{lv['name']}' needs "
                    f"{', '.join(lv['missing'])}, which this CPU lacks") in out.stderr
