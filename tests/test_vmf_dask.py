"""The vMF layer on Dask arrays (local scheduler): the elementwise functions stay lazy
through the ufunc protocol, and VonMisesFisherMixture.fit / vmf.fit on a dask.array of rows
give the NumPy fit (to 1e-10), reading the data once per EM iteration. Skipped without Dask.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

import logbessel as lb  # noqa: E402
from logbessel import vmf  # noqa: E402
from logbessel.vmf_mixture import ConvergenceWarning, VonMisesFisherMixture, fit_dask  # noqa: E402

from vmf_helpers import random_directions, sample_mixture  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    means = random_directions(3, 24, rng)
    X, labels = sample_mixture(means, [30.0, 60.0, 45.0], [500, 400, 300], rng)
    w = rng.random(X.shape[0])
    return X, labels, means, w


def chunked(X, sizes=(500, 333, 250, 117)):
    """Uneven row chunks (sum 1200), all columns in one chunk."""
    return da.from_array(X, chunks=(sizes, X.shape[1]))


def test_elementwise_functions_are_lazy_on_dask():
    x = da.from_array(np.geomspace(1e-3, 1e4, 1000), chunks=250)
    for f in (lb.log_iv, lb.log_kv, lb.iv_ratio):
        out = f(3.5, x)
        assert isinstance(out, da.Array), f.__name__
        np.testing.assert_array_equal(out.compute(), f(3.5, x.compute()))


@pytest.mark.parametrize("method", ["soft", "hard"])
@pytest.mark.parametrize("weighted", [False, True])
def test_dask_fit_equals_numpy_fit(data, method, weighted):
    X, _, _, w = data
    kw = {"weights": w} if weighted else {}
    ref = VonMisesFisherMixture(3, method=method, random_state=0).fit(X, **kw)
    kwd = {"weights": da.from_array(w, chunks=300)} if weighted else {}
    got = VonMisesFisherMixture(3, method=method, random_state=0).fit(chunked(X), **kwd)
    assert got.n_iter_ == ref.n_iter_ and got.converged_ == ref.converged_
    assert isinstance(got.means_, np.ndarray)
    np.testing.assert_allclose(got.means_, ref.means_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.kappas_, ref.kappas_, rtol=1e-10)
    np.testing.assert_allclose(got.weights_, ref.weights_, rtol=0, atol=1e-10)
    assert got.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-10, abs=1e-10)


def test_dask_fixed_iterations_equal_numpy(data):
    """tol=0: both run until the change is exactly zero or 25 iterations (where exactly
    zero happens depends on summation order, so the counts may differ; the fits may not)."""
    X, _, means, _ = data
    init = random_directions(3, 24, np.random.default_rng(3))
    kw = dict(init=init, tol=0, max_iter=25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = VonMisesFisherMixture(3, **kw).fit(X)
        got = VonMisesFisherMixture(3, **kw).fit(chunked(X))
    np.testing.assert_allclose(got.means_, ref.means_, atol=1e-10)
    np.testing.assert_allclose(got.kappas_, ref.kappas_, rtol=1e-10)


def test_predictions_are_lazy_and_equal(data):
    X, _, _, _ = data
    m = VonMisesFisherMixture(3, random_state=0).fit(X)
    Xd = chunked(X)
    for name in ("score_samples", "predict_proba", "predict"):
        out = getattr(m, name)(Xd)
        assert isinstance(out, da.Array), name
        np.testing.assert_allclose(out.compute(), getattr(m, name)(X), rtol=1e-12, atol=1e-14)
    assert m.score(Xd) == pytest.approx(m.score(X), rel=1e-12)
    assert m.bic(Xd) == pytest.approx(m.bic(X), rel=1e-12)


def test_one_read_of_the_data_per_iteration(data):
    """Count the chunk reads: one validation pass, one pass to assign rows to the given
    initial means, then exactly one per EM iteration."""
    X, _, means, _ = data
    reads = []

    def source(block, block_info=None):
        reads.append(block_info[0]["chunk-location"][0] if block_info else None)
        return block

    base = chunked(X)
    Xd = base.map_blocks(source, dtype=X.dtype, meta=np.empty((0, 0)))
    m = VonMisesFisherMixture(3, init=means).fit(Xd)
    nchunks = base.numblocks[0]
    assert len(reads) == (2 + m.n_iter_) * nchunks, (len(reads), m.n_iter_)
    # k-means++ seeding adds one read per seed after the first
    reads.clear()
    m = VonMisesFisherMixture(3, random_state=0).fit(Xd)
    full_reads = len(reads)
    assert full_reads <= (2 + (3 - 1) + m.n_iter_) * nchunks + 2 * 3 + 3


def test_columns_in_several_chunks_are_rechunked(data):
    X, _, _, _ = data
    ref = VonMisesFisherMixture(3, random_state=0).fit(X)
    got = VonMisesFisherMixture(3, random_state=0).fit(da.from_array(X, chunks=(400, 10)))
    np.testing.assert_allclose(got.kappas_, ref.kappas_, rtol=1e-10)


def test_vmf_fit_on_dask(data):
    X, _, _, w = data
    rows = X[:500]
    for weights in (None, w[:500]):
        for method in ("mle", "banerjee", "sra"):
            mu0, k0 = vmf.fit(rows, weights=weights, method=method)
            wd = None if weights is None else da.from_array(weights, chunks=100)
            mu1, k1 = fit_dask(da.from_array(rows, chunks=(128, 24)), weights=wd, method=method)
            np.testing.assert_allclose(mu1, mu0, atol=1e-12)
            assert k1 == pytest.approx(k0, rel=1e-12)


def test_vmf_fit_dispatches_dask(data):
    X, _, _, _ = data
    Xd = da.from_array(X[:500], chunks=(128, 24))
    try:
        mu1, k1 = vmf.fit(Xd)
    except Exception as exc:  # vmf.fit without the Dask branch
        pytest.skip(f"vmf.fit does not dispatch Dask arrays yet ({type(exc).__name__})")
    mu0, k0 = vmf.fit(X[:500])
    np.testing.assert_allclose(np.asarray(mu1), mu0, atol=1e-12)
    assert k1 == pytest.approx(k0, rel=1e-12)


def test_bad_dask_input(data):
    X, _, _, _ = data
    Y = X.copy()
    Y[700, 3] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        VonMisesFisherMixture(2).fit(chunked(Y))
    with pytest.raises(ValueError, match="X must have unit-norm rows"):
        VonMisesFisherMixture(2).fit(chunked(2 * X))
    with pytest.raises(ValueError, match=r"n_components=5 must be <= the number of rows "
                                         r"of X \(4\)"):
        VonMisesFisherMixture(5).fit(da.from_array(X[:4], chunks=2))
    unknown = da.from_array(X, chunks=(300, 24))
    unknown = unknown[unknown[:, 0] > -2]  # boolean mask: chunk sizes become unknown
    with pytest.raises(ValueError, match="unknown chunk sizes; call X.compute_chunk_sizes"):
        VonMisesFisherMixture(2).fit(unknown)
    w = np.ones(X.shape[0])
    w[600] = -2.0  # in the second chunk
    with pytest.raises(ValueError, match=r"^weights must be finite and >= 0; weights\[600\] = -2$"):
        VonMisesFisherMixture(2).fit(chunked(X), weights=da.from_array(w, chunks=400))
    with pytest.raises(ValueError, match="fit_dask expects a dask.array"):
        fit_dask(X)


def test_cache_blocked_statistics_equal_whole(data, monkeypatch):
    """On the CPU the statistics are summed over cache-sized row blocks; the sum equals
    the single-block computation, and the Dask fit still equals the NumPy one."""
    import logbessel.vmf_mixture as vm
    from logbessel.vmf_mixture import _block_stats, _stats
    rng = np.random.default_rng(8)
    p = 512
    monkeypatch.setattr(vm, "_CPU_BLOCK_ELEMS", 500 * p)  # blocks of 500 rows
    means = random_directions(3, p, rng)
    X, _ = sample_mixture(means, [800.0, 1200.0, 1000.0], [1500, 1000, 700], rng)
    assert X.shape[0] > 2 * (vm._CPU_BLOCK_ELEMS // p)  # several blocks
    kappa = np.array([700.0, 1000.0, 900.0])
    const = vmf.log_normalizer(p, kappa) + np.log([0.4, 0.3, 0.3])
    w = rng.random(X.shape[0])
    for wb in (None, w):
        np.testing.assert_allclose(_stats(X, wb, means, kappa, const, False),
                                   _block_stats(X, wb, means, kappa, const, False),
                                   rtol=1e-12, atol=1e-9)
    ref = VonMisesFisherMixture(3, random_state=0).fit(X, weights=w)
    got = VonMisesFisherMixture(3, random_state=0).fit(
        da.from_array(X, chunks=(900, p)), weights=da.from_array(w, chunks=900))
    np.testing.assert_allclose(got.kappas_, ref.kappas_, rtol=1e-10)
    np.testing.assert_allclose(got.means_, ref.means_, atol=1e-10)


def test_fit_dask_reads_once_and_matches_vmf_fit_conventions(data):
    X, _, _, w = data
    reads = []

    def source(block):
        reads.append(1)
        return block

    base = da.from_array(X, chunks=(300, 24))
    Xd = base.map_blocks(source, dtype=X.dtype, meta=np.empty((0, 0)))
    mu, kappa = vmf.fit(Xd, weights=da.from_array(w, chunks=300))
    assert len(reads) == base.numblocks[0]  # one read of every chunk
    mu0, k0 = vmf.fit(X, weights=w)
    np.testing.assert_allclose(mu, mu0, atol=1e-12)
    assert kappa == pytest.approx(k0, rel=1e-12)
    # the edge cases of vmf.fit
    same = np.tile(X[0], (50, 1))
    with pytest.warns(RuntimeWarning, match="all rows of X are the same unit vector"):
        assert fit_dask(da.from_array(same, chunks=20))[1] == np.inf
    pair = np.vstack([X[:1], -X[:1]])
    with pytest.warns(RuntimeWarning, match="weighted sum of the rows is exactly zero"):
        mu, kappa = fit_dask(da.from_array(pair, chunks=1))
    assert kappa == 0.0 and np.all(np.isnan(mu))
    with pytest.raises(ValueError, match="fit: unknown method 'bogus'"):
        fit_dask(da.from_array(X, chunks=300), method="bogus")
    with pytest.raises(ValueError, match="X must have unit-norm rows"):
        fit_dask(da.from_array(2 * X, chunks=300))
    # warnings point at the caller, through vmf.fit or fit_dask
    for f in (vmf.fit, fit_dask):
        with pytest.warns(RuntimeWarning) as rec:
            f(da.from_array(same, chunks=20))
            f(da.from_array(pair, chunks=1))
        assert [w.filename for w in rec] == [__file__] * 2
