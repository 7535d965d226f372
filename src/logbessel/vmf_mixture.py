"""Mixtures of von Mises-Fisher distributions on the unit sphere S^{p-1}, fitted by EM.

The model and the EM updates are those of Banerjee, Dhillon, Ghosh and Sra (2005),
"Clustering on the Unit Hypersphere using von Mises-Fisher Distributions", JMLR 6,
1345-1382: soft-moVMF (responsibilities) and hard-moVMF (each row to its most likely
component). What differs from that paper and from the `spherecluster` package is that
nothing is approximated: the normalisers are the exact log C_p(kappa) of
`logbessel.vmf.log_normalizer` and the concentration update solves A_p(kappa) = rbar
exactly with `logbessel.vmf.kappa_mle`, so the fit is valid for every dimension p
(tested up to 32768), where the paper's closed-form kappa estimate is only approximate.

One EM iteration reads the data once. For a block of rows X_b (weights w_b) and the
current parameters it forms the (rows x k) matrix

    L = kappa_k * X_b mu_k + log C_p(kappa_k) + log pi_k

and from it, by log-sum-exp, the log-likelihood of the rows and the responsibilities R;
the M-step only needs the per-component sums  n_k = sum_i w_i R_ik  and
r_k = sum_i w_i R_ik x_i  (the "sufficient statistics"). The same block function serves
every backend:

- NumPy / CuPy arrays: the whole array is one block (the array namespace, numpy or
  cupy, is taken from the input; nothing else changes on a GPU);
- Dask arrays (chunked along rows): every chunk produces its statistics packed in one
  vector, Dask sums the vectors by a tree reduction, and a single ``dask.compute`` per
  iteration returns them, so the data is read once per iteration.

The small per-component quantities (k weights, k concentrations) are handled on the
host in float64; the (k, p) means live in the data's namespace.
"""
from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np

from ._arrays import (check_matrix, check_values, check_weights, compute, dask_array, is_cupy,
                      is_dask, namespace, row_sq_norms, to_host)
from ._vmf_core import kappa_mle, log_normalizer
from ._vmf_fit import fit_dask
from .vmf import _Draws, _sample

__all__ = ["VonMisesFisherMixture", "fit_dask", "ConvergenceWarning", "NotFittedError",
           "SKLEARN_EXPECTED_FAILED_CHECKS"]

#: The checks of ``sklearn.utils.estimator_checks.check_estimator`` that
#: ``VonMisesFisherMixture(normalize=True)`` fails, and why (for its
#: ``expected_failed_checks``); every other check passes (scikit-learn 1.9). With the
#: default normalize=False, the checks that fit on rows not of unit length fail too: the
#: rows must be points on the sphere.
SKLEARN_EXPECTED_FAILED_CHECKS = {
    "check_estimators_dtypes": "its integer test data has a row of zeros, which has no "
                               "direction on the sphere (a ValueError here)",
}


class ConvergenceWarning(UserWarning):
    """EM stopped at max_iter before the change in log-likelihood fell below tol."""


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before `fit` (the scikit-learn convention: both a
    ValueError and an AttributeError). When scikit-learn is loaded, the error raised is
    also an instance of ``sklearn.exceptions.NotFittedError`` (see ``_not_fitted``)."""


_not_fitted_classes = {}


def _not_fitted(message):
    """A NotFittedError; while scikit-learn is imported (in sys.modules, never imported
    here), an instance of a subclass of both ours and scikit-learn's NotFittedError, so
    that ``except sklearn.exceptions.NotFittedError`` catches it as well."""
    sk = sys.modules.get("sklearn.exceptions")
    base = getattr(sk, "NotFittedError", None)
    if base is None or not isinstance(base, type):
        return NotFittedError(message)
    cls = _not_fitted_classes.get(base)
    if cls is None:
        cls = type("NotFittedError", (NotFittedError, base), {"__module__": __name__})
        _not_fitted_classes[base] = cls
    return cls(message)


# Concentrations come from kappa_mle(rbar, p), which is infinite at rbar = 1 (a component
# holding one point, or identical points). The mean resultant length is capped just below
# 1 so the fit stays finite; the cap corresponds to kappa ~ (p - 1) / (2 * 1e-10).
_RBAR_MAX = 1.0 - 1e-10
# A component whose total responsibility is below this fraction of the total weight is
# treated as empty (its mean direction is undefined) and re-seeded.
_EMPTY_FRACTION = 1e-10


# ---------------------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------------------

def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


# ---------------------------------------------------------------------------------------
# The block computation shared by every backend
# ---------------------------------------------------------------------------------------

def _log_joint(Xb, means, kappa, const):
    """log pi_k + log C_p(kappa_k) + kappa_k mu_k^T x for each row of Xb: (rows, k) float64.

    kappa is folded into the (k, p) means before the product, which saves a pass over the
    (rows, k) result. The product runs in the data's dtype (float32 data stays float32 in
    the matmul); everything after it is float64."""
    xp = namespace(Xb)
    scaled = means * xp.asarray(kappa, dtype=xp.float64)[:, None]
    L = (Xb @ scaled.T.astype(Xb.dtype, copy=False)).astype(xp.float64, copy=False)
    L += xp.asarray(const, dtype=xp.float64)
    return L


def _logsumexp_rows(L):
    xp = namespace(L)
    m = L.max(axis=1)
    return m + xp.log(xp.exp(L - m[:, None]).sum(axis=1)), m


def _block_stats(Xb, wb, means, kappa, const, hard):
    """Sufficient statistics of one block of rows, packed in one float64 vector:

        [ n_k (k) | r_k (k*p, row-major) | sum w*loglik | sum w*max_k L | sum w ]

    n_k = sum_i w_i R_ik, r_k = sum_i w_i R_ik x_i; R is the posterior (soft) or the
    one-hot argmax (hard). The last three entries give the mixture log-likelihood, the
    classification log-likelihood that hard EM increases, and the total weight.
    The (rows, k) work is done in place with a single exp (it is single-threaded on the
    CPU and, at k = 10, costs as much as a multi-threaded pass over X)."""
    xp = namespace(Xb)
    k = means.shape[0]
    L = _log_joint(Xb, means, kappa, const)
    if hard:
        label = L.argmax(axis=1)
    mx = L.max(axis=1)
    L -= mx[:, None]
    E = xp.exp(L, out=L)
    tot = E.sum(axis=1)
    lse = mx + xp.log(tot)
    if hard:
        R = (label[:, None] == xp.arange(k)[None, :]).astype(xp.float64)
    else:
        E /= tot[:, None]
        R = E
    if wb is None:
        ll, obj, wsum = lse.sum(), mx.sum(), float(Xb.shape[0])
    else:
        wb = wb.astype(xp.float64, copy=False).reshape(-1)
        R *= wb[:, None]
        ll, obj, wsum = wb @ lse, wb @ mx, wb.sum()
    counts = R.sum(axis=0)
    resultants = (R.T.astype(Xb.dtype, copy=False) @ Xb).astype(xp.float64, copy=False)
    tail = xp.stack([xp.asarray(ll, dtype=xp.float64), xp.asarray(obj, dtype=xp.float64),
                     xp.asarray(wsum, dtype=xp.float64)])
    return xp.concatenate([counts, resultants.reshape(-1), tail])


# On the CPU both products (X mu and R^T X) are memory-bound for small k, so the rows are
# taken in blocks: the second product then reads its block from cache, not from memory.
# A block of about 2^19 elements (4 MB of float64) per core: measured at n = 1e5, p = 1024,
# k = 10 (statistics pass / X @ means.T), on 2 cores 1.93 unblocked, 1.52-1.54 with 2^19 to
# 2^20 elements; on 16 cores 2.56 unblocked, 3.8 with 2^19 (too small: each BLAS call then
# pays its thread start-up), 2.0-2.2 with 2^23. At least 2^21 elements (1.63 on 2 cores):
# when other processes share the cores, every BLAS call can wait a time slice for its
# threads, so fewer, larger calls are the safer side.
def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_CPU_BLOCK_ELEMS = max(1 << 21, (1 << 19) * min(_cpu_count(), 64))


def _stats(Xb, wb, means, kappa, const, hard):
    """_block_stats over all of Xb: in cache-sized row blocks on the CPU, whole on a GPU."""
    if is_cupy(Xb):
        return _block_stats(Xb, wb, means, kappa, const, hard)
    step = max(16, _CPU_BLOCK_ELEMS // max(1, Xb.shape[1]))
    if Xb.shape[0] <= 2 * step:
        return _block_stats(Xb, wb, means, kappa, const, hard)
    acc = None
    for i in range(0, Xb.shape[0], step):
        v = _block_stats(Xb[i:i + step], None if wb is None else wb[i:i + step], means,
                         kappa, const, hard)
        acc = v if acc is None else acc + v
    return acc


def _dask_block_stats(Xb, wb, means, kappa, const, hard):
    # map_blocks wrapper: one output row of statistics per chunk of rows.
    return _stats(Xb, None if wb is None else wb[:, 0], means, kappa, const, hard)[None, :]


def _unpack(vec, k, p):
    vec = to_host(vec).astype(np.float64, copy=False)
    counts = vec[:k]
    resultants = vec[k:k + k * p].reshape(k, p)
    ll, obj, wsum = vec[k + k * p:]
    return counts, resultants, float(ll), float(obj), float(wsum)


class _Data:
    """The training rows (NumPy, CuPy or Dask) and their weights, with the few
    operations EM needs: one statistics pass, one row by index, and the k-means++
    distance updates."""

    def __init__(self, X, weights, verbose=0):
        self.dask = is_dask(X)
        self.xp = namespace(X)
        self.X = X
        self.w = weights
        self.n, self.p = X.shape
        self.verbose = verbose

    # one pass: the statistics (on the host, float64) ------------------------------------
    def stats(self, means, kappa, const, hard):
        k = means.shape[0]
        if not self.dask:
            vec = _stats(self.X, self.w, means, kappa, const, hard)
            return _unpack(vec, k, self.p)
        import dask.array as da
        X, w = self.X, self.w
        S = k * (self.p + 1) + 3
        out_chunks = ((1,) * len(X.chunks[0]), (S,))
        args = (X,) if w is None else (X, w[:, None])
        fn = (lambda Xb: _dask_block_stats(Xb, None, means, kappa, const, hard)) if w is None \
            else (lambda Xb, wb: _dask_block_stats(Xb, wb, means, kappa, const, hard))
        per_chunk = da.map_blocks(fn, *args, chunks=out_chunks, dtype=np.float64,
                                  meta=self.xp.empty((0, 0), dtype=np.float64))
        total = per_chunk.sum(axis=0)
        (vec,) = compute(total, verbose=self.verbose)
        return _unpack(vec, k, self.p)

    def rows(self, idx):
        """The rows at the given indices, as a (len(idx), p) float64 array of the namespace."""
        idx = [int(i) for i in idx]
        r = self.X[np.asarray(idx)] if self.dask else self.X[self.xp.asarray(idx)]
        if self.dask:
            (r,) = compute(r)
        return self.xp.asarray(r, dtype=self.xp.float64)

    def weight_vector(self):
        """Sampling mass for the first seed: the weights, or ones."""
        if self.w is not None:
            return self.w
        if self.dask:
            return dask_array().ones(self.n, chunks=(self.X.chunks[0],), dtype=np.float64)
        return self.xp.ones(self.n, dtype=self.xp.float64)

    def cos_distances(self, C):
        """1 - x^T c for every row and every row c of C, clipped at 0: (n, len(C)), held in
        memory (persisted for Dask: this is the one read of the data per seed)."""
        d = 1.0 - (self.X @ C.T.astype(self.X.dtype)).astype(np.float64)
        if self.dask:
            return dask_array().maximum(d, 0.0).persist()
        return self.xp.maximum(d, 0.0)

    def potentials(self, mass, dist, dc):
        """sum_i mass_i min(dist_i, dc_ij) for every column j (on the host)."""
        if self.dask:
            (pots,) = compute((mass[:, None] * dask_array().minimum(dist[:, None], dc)).sum(axis=0))
            return to_host(pots)
        return to_host((mass[:, None] * self.xp.minimum(dist[:, None], dc)).sum(axis=0))

    def distinct_indices(self, mass, rng, k):
        """k distinct indices, drawn one after another with probability proportional to
        `mass` among the indices not drawn yet (successive sampling without replacement),
        in one pass and without a retry loop: row i gets the key log(E_i) - log(mass_i),
        E_i ~ Exp(1), and the k smallest keys win (a row of mass m is the first drawn with
        probability m / sum(mass), and so on: Efraimidis and Spirakis 2006, in log form so
        that no weight over- or underflows). Needs at least k positive masses."""
        if not self.dask:
            m = to_host(mass).astype(np.float64, copy=False)
            e = rng.standard_exponential(m.shape[0])
            with np.errstate(divide="ignore"):
                keys = np.log(e) - np.log(m)
            idx = np.argpartition(keys, k - 1)[:k]
            return [int(i) for i in idx[np.argsort(keys[idx], kind="stable")]]
        da = dask_array()
        seed = int(rng.integers(0, 2**63 - 1))
        e = da.random.default_rng(seed).standard_exponential(size=self.n,
                                                             chunks=(mass.chunks[0],))
        pos = mass > 0
        keys = da.where(pos, da.log(e) - da.log(da.where(pos, mass, 1.0)), np.inf)
        (idx,) = compute(da.argtopk(-keys, k))  # sorted: smallest key first
        return [int(i) for i in to_host(idx)]

    def sample_indices(self, mass, rng, size):
        """`size` indices drawn independently with probability proportional to `mass`
        (>= 0), or None when the mass is all zero. Dask: the chunk by its total, then the
        row within it (only the chunks hit are read)."""
        u = rng.random(size)
        if not self.dask:
            c = self.xp.cumsum(mass)
            total = float(c[-1])
            if not total > 0:
                return None
            i = to_host(self.xp.searchsorted(c, self.xp.asarray(u * total), side="right"))
            return [min(int(j), self.n - 1) for j in i]
        totals = to_host(compute(mass.map_blocks(lambda b: b.sum(keepdims=True),
                                                   chunks=((1,) * mass.numblocks[0],)))[0])
        cum = np.cumsum(totals)
        if not cum[-1] > 0:
            return None
        targets = u * cum[-1]
        blocks = []
        for t in targets:
            b = min(int(np.searchsorted(cum, t, side="right")), len(cum) - 1)
            # never land on an all-zero chunk: cum[b] > 0 (cum[b] > t >= 0, or b is the
            # last chunk and cum[-1] > 0), so a chunk <= b has a positive total and this
            # walk ends within b steps
            while b > 0 and totals[b] <= 0:
                b -= 1
            blocks.append(b)
        wanted = sorted(set(blocks))
        local = dict(zip(wanted, compute(*[mass.blocks[b] for b in wanted])))
        offsets = np.concatenate([[0], np.cumsum(mass.chunks[0])])
        out = []
        for t, b in zip(targets, blocks):
            cs = np.cumsum(to_host(local[b]))
            j = int(np.searchsorted(cs, t - (cum[b - 1] if b else 0.0), side="right"))
            out.append(int(offsets[b]) + min(j, len(cs) - 1))
        return out


# ---------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------

class VonMisesFisherMixture:
    """Mixture of k von Mises-Fisher distributions on S^{p-1}, fitted by EM
    (Banerjee et al. 2005, JMLR 6) with exact normalisers and exact kappa updates.

    Parameters
    ----------
    n_components : int
        Number of components k (1 <= k <= number of rows).
    method : "soft" or "hard"
        "soft": EM with posterior responsibilities (soft-moVMF); maximises the mixture
        log-likelihood. "hard": every row goes to its most likely component
        (hard-moVMF, classification EM); maximises the classification log-likelihood.
    init : "kmeans++", "random" or array (k, p) of unit vectors
        Initial mean directions: spherical k-means++ seeding on 1 - cos (rows drawn with
        probability proportional to weight x distance), k random rows, or given means.
        The rows are then assigned to the nearest seed and one M-step gives the initial
        weights, means and concentrations.
    n_init : int
        Number of initialisations (for string `init`); the run with the highest final
        log-likelihood is kept (EM only finds a local maximum).
    max_iter : int
        Maximum number of EM iterations (each reads the data once).
    tol : float
        Stop when |change of the mean log-likelihood| <= tol * max(1, |mean log-likelihood|).
    random_state : None, int or numpy Generator / RandomState
        Seeds the initialisation (and ``sample``).
    verbose : int
        0 silent; 1 one line per iteration (progress bar over max_iter, mean
        log-likelihood, change); 2 also Dask's progress bar for each pass.
    normalize : bool
        False (default): the rows of X must be unit vectors (a ValueError otherwise).
        True: every row is divided by its length first, in fit and in every method
        that takes X (a row of zeros is then a ValueError), like putting
        ``sklearn.preprocessing.Normalizer()`` in front of the mixture.

    scikit-learn: the estimator follows its conventions (``get_params``/``set_params``,
    ``clone``, ``fit(X, y=None, sample_weight=None)``, ``score``, the estimator tags, a
    ``NotFittedError`` before fit), so ``GridSearchCV``, ``cross_val_score`` and
    ``Pipeline`` work, and it passes ``sklearn.utils.estimator_checks.check_estimator``
    with ``normalize=True`` except for the checks listed in ``SKLEARN_EXPECTED_FAILED_CHECKS``.
    scikit-learn is never imported by this module (``__sklearn_tags__`` imports it when
    scikit-learn itself asks for the tags).

    Attributes (after fit; arrays in the data's namespace, numpy for Dask input)
    ----------
    weights_ (k,), means_ (k, p), kappas_ (k,), n_iter_, converged_, lower_bound_
    (mean log-likelihood per unit weight at the final parameters: the mixture
    log-likelihood for "soft", the classification log-likelihood for "hard"),
    n_features_in_.

    Works unchanged on CuPy arrays (computed on the GPU) and on Dask arrays chunked
    along rows (one dask.compute, i.e. one read of the data, per iteration).
    """

    _param_names = ("n_components", "method", "init", "n_init", "max_iter", "tol",
                    "random_state", "verbose", "normalize")

    def __init__(self, n_components=1, *, method="soft", init="kmeans++", n_init=1,
                 max_iter=100, tol=1e-6, random_state=None, verbose=0, normalize=False):
        self.n_components = n_components
        self.method = method
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.normalize = normalize

    # scikit-learn conventions ------------------------------------------------------------
    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._param_names:
                raise ValueError(f"invalid parameter {name!r} for VonMisesFisherMixture; "
                                 f"valid: {', '.join(self._param_names)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._param_names)
        return f"VonMisesFisherMixture({args})"

    def __sklearn_tags__(self):
        """The estimator tags of scikit-learn >= 1.6: a density estimator (like
        GaussianMixture) of dense, finite, real data; y is not used. scikit-learn is
        imported here, when it asks for the tags, not when logbessel is imported."""
        from sklearn.utils import InputTags, Tags, TargetTags
        return Tags(estimator_type="density_estimator",
                    target_tags=TargetTags(required=False),
                    input_tags=InputTags(two_d_array=True, sparse=False, allow_nan=False))

    def __sklearn_is_fitted__(self):
        return hasattr(self, "means_")

    # fitting -----------------------------------------------------------------------------
    def _check_params(self, n):
        k = self.n_components
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"n_components must be a positive integer, got {k!r}")
        if k > n:
            raise ValueError(f"n_components={k} must be <= the number of rows of X ({n})")
        if self.method not in ("soft", "hard"):
            raise ValueError(f"method must be 'soft' or 'hard', got {self.method!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) \
                or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if isinstance(self.n_init, bool) or not isinstance(self.n_init, (int, np.integer)) \
                or self.n_init < 1:
            raise ValueError(f"n_init must be a positive integer, got {self.n_init!r}")
        if not (isinstance(self.tol, (int, float, np.floating)) and self.tol >= 0):
            raise ValueError(f"tol must be a non-negative number, got {self.tol!r}")
        if isinstance(self.init, str) and self.init not in ("kmeans++", "random"):
            raise ValueError(f"init must be 'kmeans++', 'random' or an array of shape "
                             f"(n_components, n_features), got {self.init!r}")

    def fit(self, X, y=None, sample_weight=None, *, weights=None):
        """Fit the mixture to the unit rows of X (NumPy, CuPy or Dask), optionally with
        non-negative per-row weights (NumPy, CuPy or Dask, one per row). Returns self.

        scikit-learn's signature: `y` is accepted and ignored, the weights are
        `sample_weight` (or the keyword `weights`, as in ``logbessel.vmf.fit``; not both).
        Integer weights act as repeated rows."""
        if weights is not None:
            if sample_weight is not None:
                raise ValueError("give the row weights as sample_weight or as weights, "
                                 "not both")
            sample_weight = weights
        X = check_matrix(X)
        n, p = X.shape
        self._check_params(n)
        if p < 2:
            raise ValueError(f"X must have at least 2 columns (points on S^(p-1), p >= 2): "
                             f"it has {p} feature(s) (shape={tuple(X.shape)}) while a "
                             f"minimum of 2 is required.")
        X = self._rows(X)
        check_values(X)
        w, _ = check_weights(sample_weight, X)
        positive = X.shape[0] if w is None else _count_positive(w)
        if positive < self.n_components:
            raise ValueError(f"n_components={self.n_components} must be <= the number of rows "
                             f"of X with positive weight ({positive})")
        data = _Data(X, w, verbose=self.verbose)
        xp, k, hard = data.xp, self.n_components, self.method == "hard"
        rng = _rng(self.random_state)
        say = _Reporter(self.verbose, self.max_iter)
        say.start(f"VonMisesFisherMixture: n={n} p={p} k={k} method={self.method} "
                  f"backend={'dask' if data.dask else xp.__name__}")

        best = None
        n_init = self.n_init if isinstance(self.init, str) else 1
        for run in range(n_init):
            if n_init > 1:
                say.start(f"initialisation {run + 1}/{n_init}")
            result = self._fit_once(data, rng, say, hard)
            if best is None or result[1] > best[1]:
                best = result
        params, ll, it, converged, change = best
        if not converged:
            warnings.warn(f"EM did not converge in max_iter={self.max_iter} iterations "
                          f"(last change of the mean log-likelihood {change:.3g}); raise "
                          f"max_iter or tol", ConvergenceWarning, stacklevel=2)

        means, kappa, log_w = params
        self.means_ = means
        self.kappas_ = xp.asarray(kappa)
        self.weights_ = xp.asarray(np.exp(log_w))
        self.n_iter_ = it
        self.converged_ = converged
        self.lower_bound_ = float(ll)
        self.n_features_in_ = p
        return self

    def _fit_once(self, data, rng, say, hard):
        """One EM run from one initialisation: (params, mean log-lik, n_iter, converged,
        last change)."""
        xp, k, p = data.xp, self.n_components, data.p
        seeds = self._seeds(data, rng)
        # initial parameters: nearest-seed assignment (equal weights and kappas), M-step
        counts, res, _, _, wsum = data.stats(seeds, np.ones(k), np.zeros(k), True)
        params = self._m_step(counts, res, wsum, p, data, rng, xp, it=0)

        prev = -np.inf
        converged = False
        ll = change = -np.inf
        for it in range(1, self.max_iter + 1):
            means, kappa, log_w = params
            const = log_normalizer(p, kappa) + log_w
            counts, res, ll_sum, obj_sum, wsum = data.stats(means, kappa, const, hard)
            ll = (obj_sum if hard else ll_sum) / wsum
            change = ll - prev
            say.iteration(it, ll, change)
            if abs(change) <= self.tol * max(1.0, abs(ll)):
                converged = True
                break
            if it == self.max_iter:
                break  # keep the parameters whose log-likelihood was just measured
            params = self._m_step(counts, res, wsum, p, data, rng, xp, it=it)
            prev = ll
        say.finish(converged, it)
        return params, ll, it, converged, change

    def fit_predict(self, X, y=None, sample_weight=None, *, weights=None):
        """fit(X, sample_weight=...), then predict(X)."""
        return self.fit(X, sample_weight=sample_weight, weights=weights).predict(X)

    def _seeds(self, data, rng):
        xp, k, n, p = data.xp, self.n_components, data.n, data.p
        if not isinstance(self.init, str):
            seeds = xp.asarray(to_host(self.init) if not is_cupy(self.init) or xp is np
                               else self.init, dtype=xp.float64)
            if seeds.shape != (k, p):
                raise ValueError(f"init array must have shape (n_components, n_features) = "
                                 f"({k}, {p}), got {seeds.shape}")
            check_values(seeds, name="init")
            return seeds
        mass = data.weight_vector()
        if self.init == "random":
            # k distinct rows, drawn one after another with probability proportional to
            # their weight among those not yet drawn (fit checked that >= k weights are > 0)
            return data.rows(data.distinct_indices(mass, rng, k))
        # Greedy spherical k-means++ (Arthur & Vassilvitskii 2007, with d(x, c) = 1 - x^T c):
        # each new seed is the best, by the resulting potential sum_i w_i min_c d(x_i, c),
        # of 2 + log k candidates drawn with probability proportional to w_i min_c d(x_i, c).
        # One read of the data per seed.
        trials = 2 + int(math.log(k))
        seeds = data.rows(data.sample_indices(mass, rng, 1))
        dist = data.cos_distances(seeds)[:, 0]
        for _ in range(k - 1):
            idx = data.sample_indices(mass * dist, rng, trials)
            if idx is None:  # fewer distinct rows than components: any rows will do
                idx = data.sample_indices(mass, rng, trials)
            cand = data.rows(idx)
            dc = data.cos_distances(cand)
            best = int(np.argmin(data.potentials(mass, dist, dc)))
            seeds = xp.concatenate([seeds, cand[best:best + 1]])
            dist = xp.minimum(dist, dc[:, best]) if not data.dask else \
                dask_array().minimum(dist, dc[:, best]).persist()
        return seeds

    def _m_step(self, counts, res, wsum, p, data, rng, xp, it):
        """New (means, kappas, log-weights) from the statistics; re-seeds empty components."""
        k = counts.shape[0]
        norms = np.sqrt((res ** 2).sum(axis=1))
        empty = (counts <= _EMPTY_FRACTION * wsum) | ~(norms > 0)
        safe_norms = np.where(empty, 1.0, norms)
        means = res / safe_norms[:, None]
        rbar = np.clip(safe_norms / np.where(empty, 1.0, counts), 0.0, _RBAR_MAX)
        kappa = np.asarray(kappa_mle(rbar, float(p)), dtype=np.float64).reshape(k)
        weights = counts / wsum
        if empty.any():
            bad = np.flatnonzero(empty)
            warnings.warn(f"component(s) {bad.tolist()} empty at iteration {it}; re-seeded "
                          f"at random rows", UserWarning, stacklevel=3)
            fill_kappa = float(np.median(kappa[~empty])) if (~empty).any() else 1.0
            for j in bad:
                (idx,) = data.sample_indices(data.weight_vector(), rng, 1)
                means[j] = to_host(data.rows([idx])[0])
                kappa[j] = fill_kappa
                weights[j] = 1.0 / max(data.n, k)
            weights = weights / weights.sum()
        with np.errstate(divide="ignore"):
            log_w = np.log(weights)
        return xp.asarray(means), kappa, log_w

    # using a fitted model ---------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "means_"):
            raise _not_fitted("this VonMisesFisherMixture is not fitted yet; call fit(X) "
                              "first")

    def _rows(self, X):
        """X as given (normalize=False) or with every row divided by its length."""
        if not self.normalize:
            return X
        if is_dask(X):
            da = dask_array()
            norms = da.sqrt((X.astype(np.float64) ** 2).sum(axis=1))
            # a zero row stays zero and fails the unit-norm check
            return (X / da.where(norms > 0, norms, 1.0)[:, None]).astype(X.dtype)
        xp = namespace(X)
        norms = xp.sqrt(row_sq_norms(xp, X.astype(xp.float64, copy=False)))
        zero = norms == 0
        if bool(xp.any(zero)):
            raise ValueError(f"X: row {int(xp.argmax(zero))} is zero and has no direction "
                             f"(normalize=True divides every row by its length)")
        return (X / norms[:, None]).astype(X.dtype, copy=False)

    def _prepare(self, X):
        self._check_fitted()
        X = check_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but VonMisesFisherMixture is "
                             f"expecting {self.n_features_in_} features as input (the "
                             f"length of the rows it was fitted on)")
        X = self._rows(X)
        if not is_dask(X):
            check_values(X)  # Dask input stays lazy: not checked here
        return X

    def _params_for(self, X):
        xp = namespace(X)
        kappa = to_host(self.kappas_).astype(np.float64)
        const = log_normalizer(self.n_features_in_, kappa) + np.log(
            to_host(self.weights_).astype(np.float64))
        means = self.means_
        if xp is np and is_cupy(means):
            means = means.get()
        elif xp is not np:
            means = xp.asarray(means)
        return means, kappa, const

    def _per_row(self, X, fn, k_out):
        X = self._prepare(X)
        means, kappa, const = self._params_for(X)
        f = (lambda Xb: fn(_log_joint(Xb, means, kappa, const)))
        if is_dask(X):
            xp = namespace(X)
            if k_out is None:
                return X.map_blocks(f, drop_axis=1, dtype=np.float64,
                                    meta=xp.empty((0,), dtype=np.float64))
            return X.map_blocks(f, chunks=(X.chunks[0], (k_out,)), dtype=np.float64,
                                meta=xp.empty((0, 0), dtype=np.float64))
        return f(X)

    def score_samples(self, X):
        """log p(x) of every row under the mixture (lazy for Dask input)."""
        return self._per_row(X, lambda L: _logsumexp_rows(L)[0], None)

    def predict_proba(self, X):
        """Posterior probabilities of the components, (n, k) (lazy for Dask input)."""
        xp_exp = lambda L: namespace(L).exp(L - _logsumexp_rows(L)[0][:, None])
        return self._per_row(X, xp_exp, self.n_components)

    def predict(self, X):
        """Most likely component of every row (lazy for Dask input)."""
        X = self._prepare(X)
        means, kappa, const = self._params_for(X)
        f = (lambda Xb: _log_joint(Xb, means, kappa, const).argmax(axis=1))
        if is_dask(X):
            return X.map_blocks(f, drop_axis=1, dtype=np.intp,
                                meta=namespace(X).empty((0,), dtype=np.intp))
        return f(X)

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of X under the mixture (a float)."""
        s = self.score_samples(X)
        if is_dask(s):
            (s,) = compute(s.mean())
        return float(s.mean())

    def sample(self, n_samples=1):
        """Draw n_samples points from the fitted mixture: (X, labels), X of shape
        (n_samples, p) with unit rows, labels the component of each row (as
        ``sklearn.mixture.GaussianMixture.sample``: the counts per component are
        multinomial with the fitted weights, the rows come grouped by component).

        The draws are seeded by `random_state` (an int gives the same sample each call);
        each component is sampled exactly (Wood 1994; inverse CDF for p = 3), as by
        ``logbessel.vmf.VonMisesFisher.rvs``. Arrays in the namespace of ``means_``."""
        self._check_fitted()
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
                or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        rng = _rng(self.random_state)
        weights = to_host(self.weights_).astype(np.float64)
        counts = rng.multinomial(int(n_samples), weights / weights.sum())
        kappa = to_host(self.kappas_).astype(np.float64)
        means = self.means_
        xp = namespace(means)
        draws = _Draws(xp, rng if xp is np else int(rng.integers(0, 2**63 - 1)))
        parts = [_sample(xp.asarray(means[j], dtype=xp.float64), float(kappa[j]), int(c),
                         draws) for j, c in enumerate(counts)]
        labels = xp.repeat(xp.arange(len(counts)), xp.asarray(counts))
        return xp.concatenate(parts), labels

    def _n_parameters(self):
        k, p = self.n_components, self.n_features_in_
        return k * (p - 1) + k + (k - 1)  # directions on S^{p-1}, concentrations, weights

    def bic(self, X):
        """Bayesian information criterion: -2 log L + (#parameters) log n; lower is better."""
        n = X.shape[0]
        return -2.0 * self.score(X) * n + self._n_parameters() * math.log(n)

    def aic(self, X):
        """Akaike information criterion: -2 log L + 2 (#parameters); lower is better."""
        return -2.0 * self.score(X) * X.shape[0] + 2.0 * self._n_parameters()


def _count_positive(w) -> int:
    """The number of positive entries of w (NumPy, CuPy or Dask)."""
    positive = (w > 0).sum()
    if is_dask(positive):
        (positive,) = compute(positive)
    return int(positive)


class _Reporter:
    """Progress for verbose fits: a bar over max_iter (the known total), the mean
    log-likelihood and its change, one line per iteration on stdout."""

    def __init__(self, verbose, total, width=20):
        self.on = bool(verbose)
        self.total, self.width = total, width

    def start(self, text):
        if self.on:
            print(text, file=sys.stdout, flush=True)

    def iteration(self, it, ll, change):
        if not self.on:
            return
        filled = int(round(self.width * it / self.total))
        bar = "#" * filled + "." * (self.width - filled)
        print(f"iter {it:>{len(str(self.total))}}/{self.total} [{bar}] "
              f"log-lik {ll: .10e}  change {change: .3e}", file=sys.stdout, flush=True)

    def finish(self, converged, it):
        if self.on:
            state = "converged" if converged else "stopped at max_iter"
            print(f"{state} after {it} iterations", file=sys.stdout, flush=True)
