"""The binding layer (csrc/module.cpp, logbessel._dispatch): threads, memory limits,
overlapping out=, LOGBESSEL_NUM_THREADS, pickling, dtypes, call errors, foreign array
objects, what the docstrings promise."""
import concurrent.futures
import inspect
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import logbessel as lb
from logbessel import _core, _registry
from logbessel._dispatch import make_public

PUBLIC = [getattr(lb, name) for name in _registry.names("logbessel")]
UFUNCS = [getattr(_core, name) for name in _registry.names()]  # every loop of _core
N_SPLIT = _core.parallel_threshold + 17  # split in 3 (chunks >= parallel_threshold / 4) when allowed


def _child_env():
    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(lb.__file__))  # the logbessel under test
    env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


# --------------------------------------------------------------------------------------
# no C++ exception crosses the binding
# --------------------------------------------------------------------------------------

_NO_MEMORY_CHILD = textwrap.dedent("""
    import ctypes, os, resource, sys
    import numpy as np
    from logbessel import _core

    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    n = 4 * _core.parallel_threshold + 5
    rng = np.random.default_rng(7)
    v, x = rng.uniform(0.0, 60.0, n), rng.uniform(0.0, 80.0, n)
    funcs = [_core.log_iv, _core.log_kv, _core.iv_ratio]  # block (lanes) loops and plain ones
    os.environ["LOGBESSEL_NUM_THREADS"] = "1"
    ref = [f(v, x) for f in funcs]  # (no thread has run yet: no cached thread stacks)
    outs = [np.empty(n) for f in funcs]
    held = np.zeros(1 << 16, np.uint64)
    os.environ["LOGBESSEL_NUM_THREADS"] = sys.argv[1]
    with open("/proc/self/status") as fh:
        vm = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm + (8 << 20), hard))
    k = 0
    while k < held.size:  # take every 64 KB block the address space has left
        p = libc.malloc(1 << 16)
        if not p:
            break
        held[k] = p
        k += 1
    for f, out in zip(funcs, outs):
        f(v, x, out=out)  # no thread can start (8 MB stacks), no 96 KB block buffer
    for i in range(k):
        libc.free(int(held[i]))
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert 0 < k < held.size, k
    for f, r, o in zip(funcs, ref, outs):
        assert np.array_equal(r, o, equal_nan=True), f.__name__
    print("same results")
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
@pytest.mark.parametrize("threads", ["4", "1"])
def test_no_abort_when_threads_or_buffers_cannot_be_had(threads):
    """Under an address-space limit that leaves no room for a thread stack nor for the loops'
    block buffers, the loops run on the calling thread with stack buffers and give the same
    bits (before: std::system_error / std::bad_alloc left the loop, SIGABRT, exit 134).
    In a child process, so that a failure cannot take the test run down."""
    r = subprocess.run([sys.executable, "-c", _NO_MEMORY_CHILD, threads], env=_child_env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "same results" in r.stdout, (r.returncode, r.stdout, r.stderr[-2000:])


# --------------------------------------------------------------------------------------
# out= overlapping an input
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("uf", UFUNCS, ids=lambda u: u.__name__)
def test_overlapping_out_is_the_non_overlapping_result(uf, monkeypatch):
    """out= sharing memory with an input, shifted by one element (or interleaved): NumPy
    hands such operands to one loop call when running through it in order is safe; split
    across threads, the element before each thread boundary read a value the next thread
    had already written (before: the last element of the first and second of 3 shares,
    10928 and 21857 of 32785, wrong in 15 of 18 cases). Each result here must equal the
    one-thread result without overlap, bit for bit."""
    rng = np.random.default_rng(17)
    n = N_SPLIT
    base = rng.uniform(2.0, 40.0, n + 2)
    other = rng.uniform(2.0, 40.0, n + 2)
    cases = [  # (input slice, out slice): input ahead of out, out ahead of input, interleaved
        (slice(1, n + 1), slice(0, n)),
        (slice(0, n), slice(1, n + 1)),
        (slice(2, None, 2), slice(0, -2, 2)),
    ]
    for src, dst in cases:
        for pos in (0, 1):  # the overlapping operand is v, then x
            a = base.copy()
            b = other[: a[src].size].copy()
            args = [b, b]
            args[pos] = a[src]
            ref_args = [b, b]
            ref_args[pos] = a[src].copy()
            monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "1")
            ref = uf(*ref_args)  # one thread, no overlap
            monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "3")
            uf(*args, out=a[dst])
            bad = np.flatnonzero(~((a[dst] == ref) | (np.isnan(a[dst]) & np.isnan(ref))))
            assert bad.size == 0, (src, dst, pos, bad[:5])
    # the same array as input and output, element for element, may still be split
    a = base[:n].copy()
    ref = uf(a.copy(), other[:n])
    assert uf(a, other[:n], out=a) is a and np.array_equal(a, ref, equal_nan=True)
    # float32 loops too
    a = base.astype(np.float32)
    ref = uf(a[1:].copy(), other[1:].astype(np.float32))
    uf(a[1:], other[1:].astype(np.float32), out=a[:-1])
    assert np.array_equal(a[:-1], ref, equal_nan=True)


# --------------------------------------------------------------------------------------
# LOGBESSEL_NUM_THREADS
# --------------------------------------------------------------------------------------

def test_max_threads():
    assert _core.hardware_threads >= 1
    assert _core.max_threads in (4 * _core.hardware_threads, 256)  # (256: count unknown)


@pytest.mark.parametrize("value,expected", [
    (None, "default"), ("1", 1), ("3", 3), (" 2 ", 2), ("+2", 2), ("2\n", 2),
    ("0", "bad"), ("-1", "bad"), ("abc", "bad"), ("2.5", "bad"), ("", "bad"), (" ", "bad"),
    ("1e3", "bad"), ("0x10", "bad"), ("3 4", "bad"), ("4abc", "bad"), ("-99999999999999999999", "bad"),
    ("99999999999", "cap"), ("1" + "0" * 30, "cap"),
])
def test_num_threads_parsing(value, expected):
    n, status = _core._parse_num_threads(value)
    hw, cap = _core.hardware_threads, _core.max_threads
    if expected == "default":
        assert (n, status) == (hw, 0)
    elif expected == "bad":
        assert (n, status) == (hw, 2)
    elif expected == "cap":
        assert (n, status) == (cap, 3)
    else:
        assert (n, status) == (min(expected, cap), 1 if expected <= cap else 3)
    assert _core._parse_num_threads(str(cap)) == (cap, 1)
    assert _core._parse_num_threads(str(cap + 1)) == (cap, 3)


def test_bad_num_threads_warns_once_per_value_and_still_computes(monkeypatch):
    rng = np.random.default_rng(2)
    v = rng.uniform(0.1, 50, N_SPLIT)
    x = rng.uniform(0.1, 50, N_SPLIT)
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "1")
    ref = lb.log_iv(v, x)
    hw, cap = _core.hardware_threads, _core.max_threads
    monkeypatch.setenv("LOGBESSEL_NUM_THREADS", "not a number")  # another value first: the
    _core.num_threads()                                         # one before is reported again
    _core._take_bad_num_threads()
    for value, msg in [
        ("abc", rf"LOGBESSEL_NUM_THREADS='abc' is not a positive integer; ignored: using {hw} threads "
                r"\(the number of hardware threads\)"),
        ("0", rf"LOGBESSEL_NUM_THREADS='0' is not a positive integer; ignored: using {hw} threads"),
        ("2.5", rf"LOGBESSEL_NUM_THREADS='2.5' is not a positive integer; ignored: using {hw} threads"),
        ("99999999999", rf"LOGBESSEL_NUM_THREADS='99999999999' is more than {cap} \(4 x the {hw} "
                        rf"hardware threads\); using {cap} threads"),
    ]:
        monkeypatch.setenv("LOGBESSEL_NUM_THREADS", value)
        with pytest.warns(RuntimeWarning, match=msg) as rec:
            r = lb.log_iv(v, x)
        assert len(rec) == 1 and rec[0].filename == __file__  # points at the call
        assert np.array_equal(r, ref)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.array_equal(lb.log_kv(v, x), lb.log_kv(v, x))  # once per value
            lb.log_iv(v[:10], x[:10])  # small inputs do not read it


def test_bad_num_threads_warns_at_import():
    r = subprocess.run([sys.executable, "-W", "always", "-c", "import logbessel"],
                       env={**_child_env(), "LOGBESSEL_NUM_THREADS": "-1"},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("RuntimeWarning") == 1
    assert "LOGBESSEL_NUM_THREADS='-1' is not a positive integer; ignored: using" in r.stderr


# --------------------------------------------------------------------------------------
# pickling (multiprocessing, concurrent.futures, Dask)
# --------------------------------------------------------------------------------------

def test_public_functions_and_ufuncs_pickle_by_reference():
    for f in PUBLIC:
        assert f.__module__ == "logbessel" and getattr(lb, f.__qualname__) is f
        assert pickle.loads(pickle.dumps(f)) is f
        assert pickle.loads(pickle.dumps(f.ufunc)) is f.ufunc
    assert pickle.loads(pickle.dumps(lb.ufuncs.log_iv)) is lb.ufuncs.log_iv
    from logbessel import vmf
    assert pickle.loads(pickle.dumps(vmf._vmf_log_normalizer)) is vmf._vmf_log_normalizer


_bound_elsewhere = make_public("log_iv", _core.log_iv, "doc", module=__name__, qualname="_bound_elsewhere")


def test_wrapper_bound_under_another_name_pickles():
    assert pickle.loads(pickle.dumps(_bound_elsewhere)) is _bound_elsewhere
    assert _bound_elsewhere.__name__ == "log_iv"


def test_process_pool_map():
    rng = np.random.default_rng(4)
    vs = [rng.uniform(0.1, 30, 50) for _ in range(4)]
    xs = [rng.uniform(0.1, 30, 50) for _ in range(4)]
    ctx = multiprocessing.get_context("spawn")  # every object goes through pickle
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = _child_env()["PYTHONPATH"]
    try:
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
            got = list(ex.map(lb.iv_ratio, vs, xs))
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    for g, v, x in zip(got, vs, xs):
        assert np.array_equal(g, lb.iv_ratio(v, x))


# --------------------------------------------------------------------------------------
# dtypes, the namespace, call errors, foreign arrays, docs
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("f", PUBLIC, ids=lambda f: f.__name__)
def test_result_dtype_follows_numpy_loop_choice(f):
    """As the docstrings say (and as scipy.special does): the float32 loop for inputs that
    cast to float32 safely, the float64 loop otherwise."""
    small = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.float16, np.float32]
    large = [np.int32, np.uint32, np.int64, np.uint64, np.float64]
    for dt in small + large:
        want = np.float32 if dt in small else np.float64
        a = np.ones(3, dt)
        assert f(a, a).dtype == want, dt
        assert f(dt(1), dt(1)).dtype == want, dt
    assert f(np.ones(2, np.float32), 2.5).dtype == np.float32    # Python numbers follow arrays
    assert f(np.ones(2, np.int16), 2).dtype == np.float32
    assert f(np.ones(2, np.int16), 2.5).dtype == np.float64
    assert f(np.ones(2, np.float32), np.ones(2, np.int32)).dtype == np.float64
    assert f(2, 3).dtype == np.float64 and f(2.0, 3.0).dtype == np.float64
    assert f(True, True).dtype == np.float32
    assert "8- and 16-bit integers (signed or not) -> float32" in " ".join(f.__doc__.split())


def test_namespace_shows_the_public_names_only():
    names = dir(lb)
    for leftover in ("np", "math", "annotations", "make_public"):
        assert leftover not in names
    for name in lb.__all__:
        assert name in names and getattr(lb, name) is not None
    public = {n for n in names if not n.startswith("_") and not inspect.ismodule(getattr(lb, n))}
    assert public == set(lb.__all__) - {"__version__", "vmf"}  # (submodules: once imported)


@pytest.mark.parametrize("f", PUBLIC, ids=lambda f: f.__name__)
def test_arguments_are_positional_only(f):
    name = f.__name__
    assert str(inspect.signature(f)) == "(v, x, /, out=None, **kwargs)"
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes v and x as positional-only arguments: "
                                        rf"call {name}\(v, x\), not {name}\(v=\.\.\., x=\.\.\.\)$"):
        f(v=1, x=2)
    with pytest.raises(TypeError, match=rf"not {name}\(x=\.\.\.\)$"):
        f(1, x=2)
    with pytest.raises(TypeError, match=rf"^{name}\(\) missing 1 required positional argument: 'x'"):
        f(1)
    with pytest.raises(TypeError, match=rf"^{name}\(\) missing 2 required positional arguments: 'v' and 'x'"):
        f()


class _ForeignDtype:
    def __repr__(self):
        return "foreign.float32"


class _TensorLike:
    """A CPU torch tensor as the functions see it: a dtype NumPy cannot interpret."""
    dtype = _ForeignDtype()

    def __init__(self, data):
        self.data = np.asarray(data, np.float32)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)


class _GpuTensorLike(_TensorLike):
    def __array__(self, dtype=None, copy=None):
        raise TypeError("can't convert cuda:0 device type tensor to numpy")


class _Opaque:
    dtype = _ForeignDtype()


def test_array_objects_with_a_foreign_dtype():
    x = np.array([0.5, 2.0, 30.0], np.float32)
    for f in PUBLIC:
        got = f(1.5, _TensorLike(x))
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        assert np.array_equal(got, f(1.5, x))
        assert np.array_equal(f(_TensorLike(x), x), f(x, x))
    with pytest.raises(TypeError, match=r"log_iv: cannot convert the .*_GpuTensorLike argument \(dtype "
                                        r"foreign.float32\) to a NumPy array: can't convert cuda:0.*; for PyTorch "
                                        r"tensors \(CUDA, autograd\) use logbessel.torch"):
        lb.log_iv(1.0, _GpuTensorLike(x))
    with pytest.raises(TypeError, match=r"log_kv: unsupported input .*_Opaque with dtype foreign.float32, which is "
                                        r"not a NumPy dtype.*logbessel.torch"):
        lb.log_kv(_Opaque(), 1.0)


def test_iv_ratio_at_negative_orders_is_finite_and_signed_as_documented():
    """The docstring: for negative non-integer v the ratio is finite, negative exactly where
    one of I_v, I_{v-1} is negative (where log_iv is NaN), -0 at x = 0."""
    v = -np.linspace(0.013, 30.0, 400)
    v = v[v != np.round(v)]
    x = np.geomspace(1e-3, 1e3, 61)
    V, X = np.meshgrid(v, x)
    r = lb.iv_ratio(V, X)
    assert np.all(np.isfinite(r))
    one_negative = np.isnan(lb.log_iv(V, X)) ^ np.isnan(lb.log_iv(V - 1, X))
    assert 0.2 < one_negative.mean() < 0.8
    assert np.array_equal(r < 0, one_negative)
    z = lb.iv_ratio(v, 0.0)
    assert np.all(z == 0) and np.all(np.signbit(z))
    doc = " ".join(lb.iv_ratio.__doc__.split())
    assert "finite, and negative where one of I_v, I_{v-1} is negative (not NaN)" in doc


# --------------------------------------------------------------------------------------
# the registry (csrc/logbessel/registry.h): one list, any arity
# --------------------------------------------------------------------------------------

def test_registry_rows_are_what_python_binds():
    """Every registry row is a ufunc of its arity and a public function bound where its
    HOME says, with exactly one docstring in _docs.py; no docstring without a row; the GPU
    phases of each row cut [0, KEY_COUNT) into intervals."""
    from logbessel import _docs, vmf
    names = _registry.names()
    assert len(set(names)) == len(names)
    assert set(_docs.DOCS) == set(names), "a row without a docstring, or a docstring without a row"
    for f in _registry.FUNCTIONS:
        uf = getattr(_core, f.name)
        assert isinstance(uf, np.ufunc) and (uf.nin, uf.nout) == (f.arity, 1), f.name
        assert uf.types == ["f" * f.arity + "->f", "d" * f.arity + "->d"], f.name
        assert uf.__doc__.rstrip().endswith(f"{f.name}({', '.join(f.params)}): {f.summary}"), f.name
        public = getattr(lb, f.name) if f.home == "logbessel" else getattr(vmf, "_" + f.name)
        assert public.ufunc is uf and public.__module__ == f.home, f.name
        assert str(inspect.signature(public)) == f"({', '.join(f.params)}, /, out=None, **kwargs)"
        assert public.__doc__ == _docs.DOCS[f.name]
        assert all(getattr(lb, d).ufunc.nin == f.arity for d in f.partials), f.name
        assert f.phases[0] == 0 and f.phases[-1] == _registry.KEY_COUNT, f.name
        assert all(a < b for a, b in zip(f.phases, f.phases[1:])), f.name
        assert f.sorted == (f.key != "no_key") and f.runner in ("lanes", "plain"), f.name
    assert lb.__all__[:len(PUBLIC)] == list(_registry.names("logbessel"))
    assert {n for n in vars(lb.ufuncs) if not n.startswith("_")} == set(_registry.names("logbessel"))


def test_a_three_argument_row_needs_no_binding_change():
    """registry.h's probe row arity3_probe(a, b, c) = a * b + c goes through the same macros,
    loop templates and make_public as the public rows: contiguous, strided and broadcast
    inputs, both dtypes, a loop split across threads, out= overlapping an input."""
    (row,) = [r for r in _core._probe_registry if r["name"] == "arity3_probe"]
    assert row["arity"] == 3 and row["params"] == "a, b, c"
    uf = _core._arity3_probe
    assert (uf.nin, uf.nout) == (3, 1) and uf.types == ["fff->f", "ddd->d"]
    f = make_public("arity3_probe", uf, "doc", module=__name__, qualname="_probe", params=("a", "b", "c"))
    assert str(inspect.signature(f)) == "(a, b, c, /, out=None, **kwargs)"
    rng = np.random.default_rng(3)
    n = 3 * _core.parallel_threshold + 5  # split across threads where allowed
    a, b, c = (rng.uniform(-10.0, 10.0, n) for _ in range(3))
    want = a * b + c  # NumPy rounds the product, then the sum: the same operations
    for threads in ("1", "3"):
        os.environ["LOGBESSEL_NUM_THREADS"] = threads
        try:
            assert np.array_equal(f(a, b, c), want)
            assert np.array_equal(f(a[::2], b[::2], c[::2]), want[::2])                 # strided
            assert np.array_equal(f(a, 2.0, c), a * 2.0 + c)                            # broadcast
            f32 = [t.astype(np.float32) for t in (a, b, c)]
            got = f(*f32)
            assert got.dtype == np.float32
            assert np.array_equal(got, (f32[0].astype(np.float64) * f32[1] + f32[2]).astype(np.float32))
            out = np.empty(n)
            assert f(a, b, c, out) is out and np.array_equal(out, want)                 # positional out
            buf = np.concatenate([a, [0.0]])
            expect = buf[1:] * b + c
            f(buf[1:], b, c, out=buf[:-1])                                              # out overlaps a
            assert np.array_equal(buf[:-1], expect)
        finally:
            os.environ.pop("LOGBESSEL_NUM_THREADS", None)
    with pytest.raises(TypeError, match=r"^arity3_probe\(\) missing 1 required positional argument: 'c'"):
        f(1.0, 2.0)
    with pytest.raises(TypeError, match=r"takes a and b and c as positional-only arguments"):
        f(1.0, 2.0, c=3.0)
