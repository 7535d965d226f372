"""Array plumbing and the input checks shared by the statistics modules, each written once.

The array namespace of the arguments (NumPy, CuPy, or for a Dask array the type of its
chunks), host copies, Dask evaluation, and the validation of data matrices of unit rows and
of per-row weights, with the error messages the tests pin down.

The Python modules of the package import only from modules listed before them:

    _core, _version    the C++ extension; the version string
    _arrays            this module (NumPy only; CuPy and Dask are imported on first use);
                       beside it _docs, the elementwise functions' docstrings
    _registry          the list of the elementwise functions (_core.registry)
    _gpu               the CUDA backend (CuPy)
    _cuda              the CUDA kernels without CuPy (NVRTC and the driver API through
                       ctypes, for the frameworks' GPU arrays), logbessel's cache folder
    _dispatch, _jax_ffi   the public wrappers of the ufuncs (_core); the XLA custom
                       calls' library (compiled at first use by logbessel.jax)
    _info              show_config: the build, the CPU level, the environment
    logbessel          the package: the elementwise Bessel functions
    _vmf_core          vMF functions of (p, kappa): log C_p, A_p, kappa from rbar
    _vmf_fit           fit of one vMF distribution to data (NumPy, CuPy, Dask)
    _vmf_stats         standard errors, A_p', the Rayleigh test (beside _vmf_fit)
    _plot              the picture of a fit for the command line (beside _vmf_fit;
                       matplotlib is imported on use)
    vmf                the vMF distribution (sampling, entropy) and the public vMF namespace
    vmf_mixture        mixtures of vMF distributions fitted by EM (they sample with vmf's
                       sampler; vmf loads the mixture lazily, on first use)
    torch, jax, __main__   framework adapters and the command line
    _torch_vmf         the torch vMF distributions and loss (logbessel.torch loads it on
                       first use of one of its names); beside it numpyro, the NumPyro vMF
                       distribution (on logbessel.jax)

(tests/test_layering.py checks it.) The three references the other way are lazy: the
package's ``logbessel.vmf`` attribute, vmf's ``VonMisesFisherMixture`` and logbessel.torch's
vMF distributions, each imported on first access.
"""
from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------------------
# namespaces and devices
# --------------------------------------------------------------------------------------


def is_cupy(obj) -> bool:
    """True for a CuPy array, recognised by its type's module (CuPy is not imported)."""
    mod = type(obj).__module__
    return mod.startswith("cupy") and hasattr(obj, "__cuda_array_interface__")


def is_dask(obj) -> bool:
    """True for a Dask collection with chunks (a dask.array), without importing Dask."""
    return (type(obj).__module__.split(".")[0] == "dask" and hasattr(obj, "chunks")
            and hasattr(obj, "dask"))


def namespace(*args):
    """numpy, or cupy when any argument is a CuPy array, or a Dask array whose chunks are
    CuPy arrays (cupy is imported only then)."""
    for a in args:
        if is_dask(a):
            a = getattr(a, "_meta", None)
        if is_cupy(a):
            import cupy
            return cupy
    return np


def to_host(a) -> np.ndarray:
    """A NumPy array with the values of `a` (copied from the GPU for a CuPy array)."""
    if is_cupy(a):
        return a.get()
    return np.asarray(a)


def row_sq_norms(xp, X):
    """Squared norms of the rows of the 2-D array X.

    einsum's own loop, not BLAS (np.vecdot calls it): the callers pass blocks of a few
    rows in a loop, and a threaded BLAS then leaves its threads spinning against the work
    between the calls (a fit at p = 32768, n = 2000 on 2 cores took 7x to 16x the time of
    X.sum(axis=0) with OpenBLAS at its default threads, 1.7x with one thread; with einsum
    2.0x to 2.6x either way)."""
    return xp.einsum("ij,ij->i", X, X)


# On the CPU, rows are processed in blocks of about this many elements, so that a block is
# read from cache, not from memory, by the second operation on it (the sum after the norm
# check in a fit, the reflection after the normals in sampling).
ROW_BLOCK_ELEMS = 1 << 17


# --------------------------------------------------------------------------------------
# Dask
# --------------------------------------------------------------------------------------

def dask_array():
    """The dask.array module (imported on first use)."""
    import dask.array as da
    return da


def compute(*objs, verbose=0):
    """dask.compute, with Dask's progress bar for verbose >= 2."""
    import dask
    if verbose >= 2:
        from dask.diagnostics import ProgressBar
        with ProgressBar():
            return dask.compute(*objs)
    return dask.compute(*objs)


# --------------------------------------------------------------------------------------
# data matrices of unit rows (messages are tested)
# --------------------------------------------------------------------------------------

#: Largest accepted | ||x|| - 1 | for a row (or mu) to count as a unit vector, by dtype.
#: float64 uses the tolerance that numpy.allclose gives SciPy's vonmises_fisher (1e-5), so
#: data SciPy accepts is accepted here; lower precisions get 1e-4 (float32 rows of length
#: 32768 normalised in float32 are off by up to ~1e-5).
UNIT_NORM_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-4,
                 np.dtype(np.float16): 1e-2}


def unit_tol(dtype) -> float:
    """The unit-norm tolerance for rows of this dtype (1e-5 for dtypes not listed)."""
    return UNIT_NORM_TOL.get(np.dtype(dtype), 1e-5)


def is_sparse(obj) -> bool:
    """True for a scipy.sparse matrix or array, recognised by its type's module."""
    return type(obj).__module__.startswith("scipy.sparse")


def check_dense(X, name="X"):
    """TypeError for a sparse matrix (the fits and the mixture need dense rows)."""
    if is_sparse(X):
        raise TypeError(f"{name}: sparse input is not supported; pass a dense array "
                        f"({name}.toarray())")


def _real_dtype(X, xp, name):
    """X with a real dtype: object arrays of numbers become float64; complex, strings and
    other kinds raise ValueError."""
    kind = X.dtype.kind
    if kind == "O":
        try:
            return X.astype(xp.float64)
        except (TypeError, ValueError) as e:
            # TypeError, as NumPy's own conversion raises (scikit-learn expects it)
            raise TypeError(f"{name} must hold real numbers; an entry of the object array "
                            f"is not one ({e})") from None
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} must hold real numbers, got "
                         f"dtype {X.dtype}")
    if kind not in "fiub":
        raise ValueError(f"{name} must hold real numbers, got dtype {X.dtype}")
    return X


def check_matrix(X, *, name="X"):
    """Validate the shape and dtype of a matrix of unit rows; returns it as a float array
    of the same kind (NumPy, CuPy, or Dask with all columns in one chunk). Object arrays
    of numbers are converted to float64; sparse matrices raise TypeError."""
    check_dense(X, name)
    if is_dask(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array of unit row vectors, got a "
                             f"{X.ndim}-D dask array")
        if any(math.isnan(c) for c in X.chunks[0]):
            raise ValueError(f"{name}: dask array with unknown chunk sizes; call "
                             f"{name}.compute_chunk_sizes() first")
        X = _real_dtype(X, np, name)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        return X
    xp = namespace(X)
    X = xp.asarray(X)
    if X.ndim != 2:
        hint = (f". Reshape your data: {name}.reshape(1, -1) for a single row"
                if X.ndim == 1 else "")
        raise ValueError(f"{name} must be a 2-D array of unit row vectors (n_samples, "
                         f"n_features), got an array of shape {X.shape}{hint}")
    X = _real_dtype(X, xp, name)
    if X.dtype.kind != "f" or X.dtype.itemsize < 4:
        X = X.astype(xp.float64)
    return X


def row_norm_range(X):
    """Lazy (Dask) or computed: (all entries finite, smallest row norm, largest row norm)."""
    if is_dask(X):
        da = dask_array()
        norms = da.sqrt((X.astype(np.float64) ** 2).sum(axis=1))
        return da.isfinite(X).all(), norms.min(), norms.max()
    xp = namespace(X)
    finite = bool(xp.isfinite(X).all())
    norms = xp.sqrt((X.astype(xp.float64) ** 2).sum(axis=1))
    lo, hi = (float(norms.min()), float(norms.max())) if X.shape[0] else (1.0, 1.0)
    return finite, lo, hi


def check_norm_range(finite, lo, hi, dtype, name="X"):
    """Raise ValueError unless the entries are finite and every row norm, which lie in
    [lo, hi], is 1 within the tolerance of the dtype."""
    if not bool(finite):
        raise ValueError(f"{name} contains NaN or infinity")
    tol = unit_tol(dtype)
    lo, hi = float(lo), float(hi)
    if abs(lo - 1.0) > tol or abs(hi - 1.0) > tol:
        raise ValueError(
            f"{name} must have unit-norm rows (points on the sphere); row norms range over "
            f"[{lo:.6g}, {hi:.6g}], allowed 1 +- {tol:g}. Normalise first, e.g. "
            f"{name} / np.linalg.norm({name}, axis=1, keepdims=True)")


def check_values(X, name="X"):
    """NaN/inf and unit-norm checks of a matrix; one pass (one dask.compute) for Dask."""
    parts = row_norm_range(X)
    if is_dask(X):
        parts = compute(*parts)
    check_norm_range(*parts, X.dtype, name=name)


# --------------------------------------------------------------------------------------
# per-row weights (messages are tested)
# --------------------------------------------------------------------------------------

def check_weights(weights, X, where=""):
    """(w / max(w), max(w)) for weights given one per row of X, after the checks; (None, 1.0)
    without weights. Only relative weights matter to a fit, and divided by their maximum
    they are <= 1, so neither their sum nor the weighted sum of the rows can overflow
    (weights of 1e308 each gave kappa = NaN). The weights end up in the namespace of X
    (Dask: chunked like the rows of X). `where` prefixes the messages ("fit: ...")."""
    if weights is None:
        return None, 1.0
    head = f"{where}: " if where else ""
    n = X.shape[0]
    if is_dask(X):
        da = dask_array()
        w = weights if is_dask(weights) else da.from_array(to_host(weights))
    else:
        xp = namespace(X)
        if is_cupy(X) != is_cupy(weights) and not isinstance(weights, (list, tuple)):
            weights = to_host(weights)  # to the device of X (from NumPy, CuPy or Dask)
        w = xp.asarray(weights, dtype=xp.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{head}weights must be a 1-D array with one entry per row of X "
                         f"({n}), got shape {tuple(w.shape)}")
    if n == 0:
        raise ValueError(f"{head}weights are all zero")
    if is_dask(X):
        w = w.astype(np.float64).rechunk((X.chunks[0],))
    bad = ~((w >= 0) & (w < math.inf))  # NaN compares false
    if is_dask(X):
        any_bad, first, wmax = compute(bad.any(), da.argmax(bad), w.max())
        if bool(any_bad):
            (value,) = compute(w[int(first)])
    else:
        any_bad = bool(bad.any())
        if any_bad:
            first = int(xp.argmax(bad))
            value = w[first]
        else:
            wmax = w.max()
    if bool(any_bad):
        raise ValueError(f"{head}weights must be finite and >= 0; weights[{int(first)}] = "
                         f"{float(value):g}")
    wmax = float(wmax)
    if wmax == 0:
        raise ValueError(f"{head}weights are all zero")
    return w / wmax, wmax
