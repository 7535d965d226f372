"""Fit of one von Mises-Fisher distribution to rows of unit vectors: (mu, kappa).

mu = S / ||S|| with S = sum_i w_i x_i, rbar = ||S|| / sum_i w_i, and kappa from rbar
(``_vmf_core.kappa_from_rbar``). The sum takes one pass over the data: block by block on
the CPU (the unit-norm check shares it), whole on a GPU, and for a Dask array one
``dask.compute`` that also does the checks. Both paths end in ``_from_resultant``: the
warnings for a zero resultant and for identical rows, and the clamp of rbar below 1.

``logbessel.vmf.fit`` and ``logbessel.vmf_mixture.fit_dask`` are the public entries; the
command line uses ``fit`` here, which also returns rbar and the total weight.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ._arrays import (ROW_BLOCK_ELEMS, check_matrix, check_norm_range, check_weights,
                      compute, dask_array, is_dask, namespace, row_norm_range, row_sq_norms,
                      to_host, unit_tol)
from ._vmf_core import EPS, check_method, kappa_from_rbar


# --------------------------------------------------------------------------------------
# NumPy and CuPy arrays
# --------------------------------------------------------------------------------------

def _resultant(xp, X, w, progress=None):
    """(squared row norms, sum_i w_i x_i) in one pass over X (float64 accumulation).
    `progress`, if given, is called with the fraction of rows done (about 20 times)."""
    n, p = X.shape
    if xp is not np:
        Xf = X.astype(xp.float64, copy=False)
        nsq = row_sq_norms(xp, Xf)
        S = Xf.sum(axis=0) if w is None else w @ Xf
        return nsq, S
    nsq = np.empty(n)
    S = np.zeros(p)
    step = max(1, ROW_BLOCK_ELEMS // p)
    report = max(step, (n // 20) // step * step)
    for i in range(0, n, step):
        blk = X[i:i + step]
        if blk.dtype != np.float64:
            blk = blk.astype(np.float64)
        nsq[i:i + step] = row_sq_norms(np, blk)
        if w is None:
            S += np.add.reduce(blk, axis=0)
        else:
            S += w[i:i + step] @ blk
        if progress is not None and (i + step) % report == 0:
            progress(min(1.0, (i + step) / n))
    if progress is not None:
        progress(1.0)
    return nsq, S


def _check_rows(xp, X, nsq, where):
    norms = xp.sqrt(nsq)
    if not bool(xp.all(xp.isfinite(norms))):
        bad_rows = xp.nonzero(~xp.isfinite(norms))[0]
        i = int(bad_rows[0])
        if bool(xp.all(xp.isfinite(X[i]))):  # finite entries whose squares overflow
            raise ValueError(f"{where}: rows of X must be unit vectors; row {i} has entries "
                             f"too large to square (norm overflows)")
        raise ValueError(f"{where}: X contains NaN or inf (first in row {i})")
    tol = unit_tol(X.dtype)
    dev = xp.abs(norms - 1.0)
    if bool(xp.any(dev > tol)):
        i = int(xp.argmax(dev > tol))
        raise ValueError(f"{where}: rows of X must be unit vectors (| ||x|| - 1 | <= {tol:g} "
                         f"for {np.dtype(X.dtype).name}); row {i} has norm {float(norms[i]):.6g}. "
                         f"Normalise the rows first (X / ||X|| per row, or --normalize on the "
                         f"command line)")


def _check_shape(n, p, where):
    if n < 1:
        raise ValueError(f"{where}: X has no rows; at least 1 is needed")
    if p < 2:
        raise ValueError(f"{where}: p = X.shape[1] must be >= 2 (vectors on the sphere "
                         f"S^(p-1)); got p = {p}")


def _as_data(X, where):
    xp = namespace(X)
    X = xp.asarray(X)
    if X.dtype.kind not in "fiu":
        raise ValueError(f"{where}: X must hold real numbers; got dtype {X.dtype}")
    if X.dtype.kind in "iu":
        X = X.astype(xp.float64)
    if X.ndim != 2:
        raise ValueError(f"{where}: X must be a 2-D array of shape (n, p) with one unit "
                         f"vector per row; got shape {tuple(X.shape)}")
    _check_shape(*X.shape, where)
    return xp, X


def _all_rows_equal(xp, X, w):
    rows = X if w is None else X[w > 0]
    return bool(xp.all(rows == rows[0]))


def _fit_array(X, weights, method, progress, stacklevel):
    """(mu, kappa, rbar, total weight) for a NumPy or CuPy X."""
    xp, X = _as_data(X, "fit")
    w, scale = check_weights(weights, X, "fit")
    nsq, S = _resultant(xp, X, w, progress)
    _check_rows(xp, X, nsq, "fit")
    total = float(X.shape[0]) if w is None else float(w.sum())
    mu, kappa, rbar = _from_resultant(xp, S, total, X.shape[1], method,
                                      lambda: _all_rows_equal(xp, X, w), stacklevel + 1)
    return mu, kappa, rbar, total * scale


# --------------------------------------------------------------------------------------
# Dask arrays
# --------------------------------------------------------------------------------------

def _fit_dask(X, weights, method, stacklevel):
    """(mu, kappa, rbar, total weight) for a Dask X, reading the data once: the checks
    (finite entries, unit rows), the weighted resultant, the total weight and the spread of
    the rows with positive weight (to tell identical rows) in one ``dask.compute``."""
    da = dask_array()
    X = check_matrix(X)
    n, p = X.shape
    _check_shape(n, p, "fit")
    w, scale = check_weights(weights, X, "fit")
    Xf = X.astype(np.float64)
    if w is None:
        S, total, live = Xf.sum(axis=0), n, Xf
    else:
        S, total = (Xf * w[:, None]).sum(axis=0), w.sum()
        live = da.where((w > 0)[:, None], Xf, np.nan)
    finite, lo, hi = row_norm_range(X)
    finite, lo, hi, S, total, cmax, cmin = compute(
        finite, lo, hi, S, total, da.nanmax(live, axis=0), da.nanmin(live, axis=0))
    check_norm_range(finite, lo, hi, X.dtype)
    xp = namespace(X)
    mu, kappa, rbar = _from_resultant(
        xp, xp.asarray(S), float(total), p, method,
        lambda: np.array_equal(to_host(cmax), to_host(cmin)), stacklevel + 1)
    return mu, kappa, rbar, float(total) * scale


# --------------------------------------------------------------------------------------
# both
# --------------------------------------------------------------------------------------

def _from_resultant(xp, S, total, p, method, all_rows_equal, stacklevel):
    """(mu, kappa, rbar) from the weighted resultant S (a vector of the namespace xp) and
    the total weight; `all_rows_equal()` is asked only when rbar rounds to 1. Warns for a
    zero resultant (mu = NaN, kappa = 0) and for identical rows (kappa = inf).

    In this module `stacklevel` counts frames up from the function that takes it, as
    ``warnings.warn`` does from its caller; each call passes it on one higher."""
    length = float(xp.sqrt(S @ S))
    if length == 0.0:
        # Perfectly balanced data: the mean direction is undefined and kappa = 0.
        warnings.warn("fit: the weighted sum of the rows is exactly zero; the mean direction "
                      "is undefined (mu is returned as NaN) and kappa = 0", RuntimeWarning,
                      stacklevel=stacklevel)
        return xp.full(p, xp.nan), 0.0, 0.0
    mu = S / length
    rbar = length / total
    if rbar >= 1.0 - 16 * EPS:
        if all_rows_equal():
            warnings.warn("fit: all rows of X are the same unit vector (rbar = 1); the "
                          "maximum-likelihood kappa is infinite", RuntimeWarning,
                          stacklevel=stacklevel)
            return mu, math.inf, 1.0
        rbar = min(rbar, 1.0 - EPS / 2)  # rounding pushed the mean length to 1
    return mu, kappa_from_rbar(rbar, p, method), rbar


def fit(X, weights=None, method="mle", progress=None, *, stacklevel=2):
    """``logbessel.vmf.fit`` (see there) that also returns rbar and the total weight:
    (mu, kappa, rbar, total). The total is the sum of the weights as given (inf where that
    sum overflows; rbar and kappa use the weights divided by their maximum). A Dask X is
    read once (`progress` is then not called). Warnings point `stacklevel` frames up, as
    for ``warnings.warn``."""
    check_method(method)
    if is_dask(X):
        return _fit_dask(X, weights, method, stacklevel + 1)
    return _fit_array(X, weights, method, progress, stacklevel + 1)


def fit_dask(X, weights=None, method="mle"):
    """Maximum-likelihood (mu, kappa) of one vMF distribution from a Dask array of unit
    rows (chunked along rows), reading the data once: the checks (finite entries, unit
    rows), the weighted resultant r = sum_i w_i x_i and the total weight are computed
    together by one ``dask.compute``; then, as in ``logbessel.vmf.fit``, mu = r / |r|,
    rbar = |r| / sum w and kappa from rbar by `method` (one of vmf.FIT_METHODS).

    Same conventions as ``logbessel.vmf.fit`` (which hands Dask arrays to this function):
    a zero resultant warns and returns (NaN vector, 0.0); rows (with positive weight) all
    equal warn and return kappa = inf. Results are NumPy (CuPy for CuPy chunks)."""
    check_method(method)
    if not is_dask(X):
        raise ValueError("fit_dask expects a dask.array; use logbessel.vmf.fit for "
                         "NumPy or CuPy arrays")
    mu, kappa, _, _ = _fit_dask(X, weights, method, stacklevel=3)
    return mu, kappa
