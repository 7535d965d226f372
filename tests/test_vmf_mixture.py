"""VonMisesFisherMixture (EM on the sphere, Banerjee et al. 2005, JMLR 6) on NumPy and CuPy.

Recovery of known parameters from sampled mixtures (p = 3, 64, 2048 and a smoke test at
p = 32768), properties of EM (monotone log-likelihood, lower_bound_ = score at the final
parameters), soft versus hard, weights, re-seeding of empty components, the estimator
conventions, and the ValueErrors for bad input. Dask is in test_vmf_dask.py.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from logbessel import vmf
from logbessel.vmf_mixture import ConvergenceWarning, NotFittedError, VonMisesFisherMixture
from vmf_helpers import match, random_directions, sample_mixture, same_partition, sample_vmf


# ---------------------------------------------------------------------------------------
# sampling test mixtures
# ---------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------
# recovery of known parameters
# ---------------------------------------------------------------------------------------

CASES = {
    # p: (kappas, counts); kappas chosen so components overlap a little but are separable
    3: ([8.0, 30.0, 100.0], [1500, 900, 600]),
    64: ([150.0, 400.0, 250.0], [900, 600, 300]),
    2048: ([2500.0, 5000.0, 3500.0], [300, 200, 100]),
}


@pytest.mark.parametrize("p", sorted(CASES))
def test_recovers_known_mixture(p):
    rng = np.random.default_rng(p)
    kappas, counts = CASES[p]
    means = random_directions(3, p, rng)
    if p == 3:  # well apart on the 2-sphere
        means = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, -1.0]])
    X, labels = sample_mixture(means, kappas, counts, rng)
    model = VonMisesFisherMixture(3, random_state=0).fit(X)
    assert model.converged_
    j = match(model.means_, means)
    w_true = np.array(counts) / sum(counts)
    # sampling error: weights ~ sqrt(w(1-w)/n), mean directions and kappas ~ 1/sqrt(n_k)
    np.testing.assert_allclose(model.weights_[j], w_true, atol=0.03)
    np.testing.assert_allclose(model.kappas_[j], kappas, rtol=0.12)
    cos = np.sum(model.means_[j] * means, axis=1)
    assert np.all(cos > 0.99), cos
    # the rows are labelled as sampled (p = 3 components overlap a little)
    agree = np.mean(j[labels] == model.predict(X))
    assert agree > (0.97 if p == 3 else 0.999)


def test_p32768_smoke():
    """Exact normalisers at p = 32768: a two-component fit is finite and correct."""
    rng = np.random.default_rng(7)
    p = 32768
    means = random_directions(2, p, rng)
    X, labels = sample_mixture(means, [40000.0, 60000.0], [40, 30], rng)
    model = VonMisesFisherMixture(2, random_state=0).fit(X)
    j = match(model.means_, means)
    assert np.all(np.isfinite(model.kappas_)) and math.isfinite(model.lower_bound_)
    np.testing.assert_allclose(model.kappas_[j], [40000.0, 60000.0], rtol=0.05)
    assert same_partition(model.predict(X), labels)


# ---------------------------------------------------------------------------------------
# EM properties
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blobs():
    """Three components in p = 16 that overlap enough for soft and hard EM to differ."""
    rng = np.random.default_rng(11)
    means = random_directions(3, 16, rng)
    X, labels = sample_mixture(means, [20.0, 35.0, 50.0], [400, 300, 200], rng)
    return X, labels, means


def test_fitted_attributes(blobs):
    X, _, _ = blobs
    m = VonMisesFisherMixture(3, random_state=1).fit(X)
    assert m.means_.shape == (3, 16) and m.kappas_.shape == (3,) and m.weights_.shape == (3,)
    np.testing.assert_allclose(np.linalg.norm(m.means_, axis=1), 1.0, atol=1e-12)
    assert abs(m.weights_.sum() - 1.0) < 1e-12 and np.all(m.kappas_ > 0)
    assert isinstance(m.n_iter_, int) and 1 <= m.n_iter_ <= m.max_iter
    assert m.converged_ is True and m.n_features_in_ == 16
    # lower_bound_ is the mean log-likelihood at the returned parameters
    assert m.lower_bound_ == pytest.approx(m.score(X), rel=1e-12)


def test_log_likelihood_never_decreases(blobs):
    X, _, _ = blobs
    lbs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for it in range(1, 9):
            m = VonMisesFisherMixture(3, init="random", random_state=3, max_iter=it,
                                      tol=0).fit(X)
            lbs.append(m.lower_bound_)
    assert np.all(np.diff(lbs) >= -1e-12 * np.abs(lbs[1:])), lbs


def test_score_samples_is_the_mixture_density(blobs):
    X, _, _ = blobs
    m = VonMisesFisherMixture(3, random_state=0).fit(X)
    comp = np.stack([np.log(w) + vmf.log_normalizer(16, k) + k * (X @ mu)
                     for w, mu, k in zip(m.weights_, m.means_, m.kappas_)], axis=1)
    top = comp.max(axis=1)
    expected = top + np.log(np.exp(comp - top[:, None]).sum(axis=1))
    np.testing.assert_allclose(m.score_samples(X), expected, rtol=1e-13, atol=1e-13)
    if hasattr(vmf, "VonMisesFisher"):
        d = vmf.VonMisesFisher(m.means_[0], m.kappas_[0])
        np.testing.assert_allclose(comp[:, 0] - np.log(m.weights_[0]), d.logpdf(X),
                                   rtol=1e-13, atol=1e-12)
    proba = m.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(m.predict(X), proba.argmax(axis=1))
    np.testing.assert_array_equal(m.fit_predict(X), m.predict(X))


def test_hard_versus_soft(blobs):
    X, labels, means = blobs
    soft = VonMisesFisherMixture(3, method="soft", random_state=0).fit(X)
    hard = VonMisesFisherMixture(3, method="hard", random_state=0).fit(X)
    assert soft.converged_ and hard.converged_
    js, jh = match(soft.means_, means), match(hard.means_, means)
    # the same clusters, nearly the same labels
    assert np.mean(js[labels] == soft.predict(X)) > 0.97
    assert np.mean(jh[labels] == hard.predict(X)) > 0.97
    to_hard = match(hard.means_, soft.means_)  # soft component -> hard component
    assert np.mean(to_hard[soft.predict(X)] == hard.predict(X)) > 0.98
    # hard EM sees sharper clusters: its kappas are not smaller than the soft ones
    assert np.all(hard.kappas_[jh] >= soft.kappas_[js] * 0.98)
    np.testing.assert_allclose(hard.kappas_[jh], soft.kappas_[js], rtol=0.25)
    # hard EM climbs the classification log-likelihood, which bounds the mixture one
    assert hard.lower_bound_ <= hard.score(X) + 1e-12
    # and once converged, hard responsibilities are a fixed point: the labels used for the
    # last M-step are the ones predict() returns, so refitting from there changes nothing
    again = VonMisesFisherMixture(3, method="hard", init=hard.means_, tol=0).fit(X)
    np.testing.assert_array_equal(again.predict(X), hard.predict(X))


def test_weights_equal_repeated_rows(blobs):
    X, _, means = blobs
    rng = np.random.default_rng(5)
    reps = rng.integers(0, 4, size=X.shape[0])
    reps[:3] = 1
    init = means + 0.1 * random_directions(3, 16, rng)
    init /= np.linalg.norm(init, axis=1, keepdims=True)
    weighted = VonMisesFisherMixture(3, init=init, tol=1e-12).fit(X, None, reps)  # positional
    repeated = VonMisesFisherMixture(3, init=init, tol=1e-12).fit(np.repeat(X, reps, axis=0))
    keyword = VonMisesFisherMixture(3, init=init, tol=1e-12).fit(X, weights=reps)
    assert keyword.lower_bound_ == weighted.lower_bound_
    np.testing.assert_allclose(weighted.means_, repeated.means_, atol=1e-9)
    np.testing.assert_allclose(weighted.kappas_, repeated.kappas_, rtol=1e-8)
    np.testing.assert_allclose(weighted.weights_, repeated.weights_, atol=1e-10)
    assert weighted.lower_bound_ == pytest.approx(repeated.lower_bound_, rel=1e-10)


def test_empty_component_is_reseeded_with_a_warning():
    rng = np.random.default_rng(2)
    e1 = np.eye(8)[0]
    X = sample_vmf(e1, 200.0, 300, rng)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    # the second seed points away from all the data: no row is assigned to it
    init = np.stack([e1, -e1])
    with pytest.warns(UserWarning, match=r"component\(s\) \[1\] empty at iteration 0; "
                                         r"re-seeded"):
        m = VonMisesFisherMixture(2, method="hard", init=init, random_state=0).fit(X)
    assert np.all(np.isfinite(m.kappas_)) and np.all(np.isfinite(m.means_))
    assert np.all(m.weights_ > 0) and math.isfinite(m.lower_bound_)


def test_duplicate_rows_stay_finite():
    """A component holding identical rows has rbar = 1; kappa is capped, not infinite."""
    rng = np.random.default_rng(4)
    X = np.vstack([np.tile(np.eye(5)[0], (20, 1)), sample_vmf(np.eye(5)[1], 10.0, 50, rng)])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    m = VonMisesFisherMixture(2, random_state=0).fit(X)
    assert np.all(np.isfinite(m.kappas_)) and np.all(np.isfinite(m.score_samples(X)))


def test_init_options_and_convergence_warning(blobs):
    X, _, means = blobs
    for init in ("kmeans++", "random", means):
        m = VonMisesFisherMixture(3, init=init, random_state=0).fit(X)
        assert m.converged_
    a = VonMisesFisherMixture(3, random_state=42).fit(X)
    b = VonMisesFisherMixture(3, random_state=42).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)  # reproducible
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=1"):
        m = VonMisesFisherMixture(3, max_iter=1).fit(X)
    assert m.n_iter_ == 1 and m.converged_ is False


def test_n_init_keeps_the_best_run(blobs):
    X, _, _ = blobs
    rng = np.random.default_rng(9)
    lbs = []
    for _ in range(4):  # the same stream of seeds as n_init=4 draws
        lbs.append(VonMisesFisherMixture(3, init="random", random_state=rng).fit(X).lower_bound_)
    multi = VonMisesFisherMixture(3, init="random", n_init=4,
                                  random_state=np.random.default_rng(9)).fit(X)
    assert multi.lower_bound_ == pytest.approx(max(lbs), rel=1e-12)
    assert VonMisesFisherMixture(3).get_params()["n_init"] == 1


def test_float32_input(blobs):
    X, _, _ = blobs
    m64 = VonMisesFisherMixture(3, random_state=0).fit(X)
    m32 = VonMisesFisherMixture(3, random_state=0).fit(X.astype(np.float32))
    np.testing.assert_allclose(m32.kappas_, m64.kappas_, rtol=1e-3)
    np.testing.assert_allclose(m32.means_, m64.means_, atol=1e-4)


def test_bic_aic(blobs):
    X, _, _ = blobs
    n, p = X.shape
    m = VonMisesFisherMixture(3, random_state=0).fit(X)
    k_params = 3 * (p - 1) + 3 + 2
    assert m.bic(X) == pytest.approx(-2 * m.score(X) * n + k_params * math.log(n), rel=1e-12)
    assert m.aic(X) == pytest.approx(-2 * m.score(X) * n + 2 * k_params, rel=1e-12)
    bics = [VonMisesFisherMixture(k, random_state=0).fit(X).bic(X) for k in (1, 2, 3, 5)]
    assert int(np.argmin(bics)) == 2  # three components


def test_verbose_progress(blobs, capsys):
    X, _, _ = blobs
    m = VonMisesFisherMixture(3, random_state=0, verbose=True, max_iter=50).fit(X)
    out = capsys.readouterr().out
    assert "VonMisesFisherMixture: n=900 p=16 k=3 method=soft backend=numpy" in out
    lines = [ln for ln in out.splitlines() if ln.startswith("iter")]
    assert len(lines) == m.n_iter_
    assert lines[0].startswith("iter  1/50 [")
    assert "log-lik" in lines[-1] and "change" in lines[-1]
    assert f"converged after {m.n_iter_} iterations" in out


def test_estimator_conventions(blobs):
    X, _, _ = blobs
    m = VonMisesFisherMixture(4, method="hard", tol=1e-3)
    assert m.get_params()["n_components"] == 4 and m.get_params()["method"] == "hard"
    assert m.set_params(n_components=3) is m and m.n_components == 3
    assert m.fit(X) is m
    assert "n_components=3" in repr(m)
    with pytest.raises(ValueError, match="invalid parameter 'bogus'"):
        m.set_params(bogus=1)
    sklearn_base = pytest.importorskip("sklearn.base")
    c = sklearn_base.clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "means_")


# ---------------------------------------------------------------------------------------
# bad input: clear ValueErrors
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    return random_directions(6, 4, rng)


def test_too_many_components(small):
    with pytest.raises(ValueError, match=r"n_components=7 must be <= the number of rows "
                                         r"of X \(6\)"):
        VonMisesFisherMixture(7).fit(small)


@pytest.mark.parametrize("k", [0, -1, 2.5, "3", True])
def test_bad_n_components(small, k):
    with pytest.raises(ValueError, match="n_components must be a positive integer"):
        VonMisesFisherMixture(k).fit(small)


def test_non_unit_rows(small):
    X = small.copy()
    X[2] *= 1.5
    with pytest.raises(ValueError, match=r"X must have unit-norm rows .* row norms range "
                                         r"over \[1, 1.5\]"):
        VonMisesFisherMixture(2).fit(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf(small, bad):
    X = small.copy()
    X[1, 2] = bad
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        VonMisesFisherMixture(2).fit(X)


def test_bad_shapes_and_dtypes(small):
    with pytest.raises(ValueError, match=r"X must be a 2-D array of unit row vectors"):
        VonMisesFisherMixture(1).fit(small[0])
    with pytest.raises(ValueError, match=r"X must have at least 2 columns"):
        VonMisesFisherMixture(1).fit(np.ones((5, 1)))
    with pytest.raises(ValueError, match="Complex data not supported: X must hold real numbers"):
        VonMisesFisherMixture(1).fit(small.astype(complex))
    with pytest.raises(ValueError, match=r"it has 1 feature\(s\) \(shape=\(5, 1\)\) while a "
                                         r"minimum of 2 is required"):
        VonMisesFisherMixture(1).fit(np.ones((5, 1)))
    with pytest.raises(ValueError, match=r"shape \(4,\)\. Reshape your data: X\.reshape\(1, -1\)"):
        VonMisesFisherMixture(1).fit(small).predict(small[0])
    obj = small.astype(object)
    assert VonMisesFisherMixture(1).fit(obj).n_features_in_ == 4   # numbers in an object array
    obj[0, 0] = "x"
    with pytest.raises(TypeError, match="X must hold real numbers; an entry of the object array"):
        VonMisesFisherMixture(1).fit(obj)
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"sparse input is not supported; pass a dense array"):
        VonMisesFisherMixture(1).fit(sparse.csr_matrix(small))


def test_bad_options(small):
    with pytest.raises(ValueError, match="method must be 'soft' or 'hard', got 'fuzzy'"):
        VonMisesFisherMixture(2, method="fuzzy").fit(small)
    with pytest.raises(ValueError, match="init must be 'kmeans\\+\\+', 'random' or an array"):
        VonMisesFisherMixture(2, init="k-means").fit(small)
    with pytest.raises(ValueError, match=r"init array must have shape \(n_components, "
                                         r"n_features\) = \(2, 4\), got \(3, 4\)"):
        VonMisesFisherMixture(2, init=small[:3]).fit(small)
    with pytest.raises(ValueError, match="init must have unit-norm rows"):
        VonMisesFisherMixture(2, init=2 * small[:2]).fit(small)
    with pytest.raises(ValueError, match="n_init must be a positive integer"):
        VonMisesFisherMixture(2, n_init=0).fit(small)
    with pytest.raises(ValueError, match="max_iter must be a positive integer"):
        VonMisesFisherMixture(2, max_iter=0).fit(small)
    with pytest.raises(ValueError, match="tol must be a non-negative number"):
        VonMisesFisherMixture(2, tol=-1).fit(small)


def test_bad_weights(small):
    m = VonMisesFisherMixture(2)
    with pytest.raises(ValueError, match=r"weights must be a 1-D array with one entry per "
                                         r"row of X \(6\), got shape \(5,\)"):
        m.fit(small, weights=np.ones(5))
    with pytest.raises(ValueError, match=r"^weights must be finite and >= 0; weights\[2\] = -1$"):
        m.fit(small, weights=np.array([1, 1, -1, 1, 1, 1.0]))
    with pytest.raises(ValueError, match=r"^weights must be finite and >= 0; weights\[2\] = nan$"):
        m.fit(small, weights=np.array([1, 1, np.nan, 1, 1, 1.0]))
    with pytest.raises(ValueError, match="^weights are all zero$"):
        m.fit(small, weights=np.zeros(6))
    with pytest.raises(ValueError, match="as sample_weight or as weights, not both"):
        m.fit(small, sample_weight=np.ones(6), weights=np.ones(6))


def test_use_before_fit_and_wrong_width(small):
    m = VonMisesFisherMixture(2)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        m.predict(small)
    assert issubclass(NotFittedError, ValueError)
    m.fit(small)
    with pytest.raises(ValueError, match="X has 3 features, but VonMisesFisherMixture is "
                                         "expecting 4 features as input"):
        m.predict(small[:, :3] / np.linalg.norm(small[:, :3], axis=1, keepdims=True))
    with pytest.raises(ValueError, match="X must have unit-norm rows"):
        m.score_samples(2 * small)


# ---------------------------------------------------------------------------------------
# GPU: the same code on CuPy arrays
# ---------------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("method", ["soft", "hard"])
def test_cupy_matches_numpy(cp, blobs, method):
    X, _, _ = blobs
    w = np.random.default_rng(0).random(X.shape[0])
    cpu = VonMisesFisherMixture(3, method=method, random_state=0).fit(X, weights=w)
    gpu = VonMisesFisherMixture(3, method=method, random_state=0).fit(cp.asarray(X),
                                                                      weights=cp.asarray(w))
    assert isinstance(gpu.means_, cp.ndarray) and isinstance(gpu.kappas_, cp.ndarray)
    np.testing.assert_allclose(gpu.means_.get(), cpu.means_, atol=1e-9)
    np.testing.assert_allclose(gpu.kappas_.get(), cpu.kappas_, rtol=1e-9)
    np.testing.assert_allclose(gpu.weights_.get(), cpu.weights_, atol=1e-10)
    assert gpu.lower_bound_ == pytest.approx(cpu.lower_bound_, rel=1e-10)
    Xg = cp.asarray(X)
    np.testing.assert_array_equal(gpu.predict(Xg).get(), cpu.predict(X))
    np.testing.assert_allclose(gpu.score_samples(Xg).get(), cpu.score_samples(X), rtol=1e-10)
    assert gpu.score(Xg) == pytest.approx(cpu.score(X), rel=1e-10)


def test_exported_from_vmf():
    if not hasattr(vmf, "VonMisesFisherMixture"):
        pytest.skip("logbessel.vmf does not re-export VonMisesFisherMixture yet")
    assert vmf.VonMisesFisherMixture is VonMisesFisherMixture


# ---------------------------------------------------------------------------------------
# weights at the edges: fewer positive weights than components, tiny and huge weights
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("init", ["random", "kmeans++"])
def test_fewer_positive_weights_than_components(small, init):
    # init="random" looped forever here (it redrew until k distinct rows had come up)
    w = np.array([1.0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"n_components=2 must be <= the number of rows of X "
                                         r"with positive weight \(1\)"):
        VonMisesFisherMixture(2, init=init).fit(small, weights=w)
    pytest.importorskip("dask.array")
    import dask.array as da
    with pytest.raises(ValueError, match=r"with positive weight \(1\)"):
        VonMisesFisherMixture(2, init=init).fit(da.from_array(small, chunks=2), weights=w)


def test_random_init_takes_distinct_rows_by_weight(small):
    # a weight of 1e-300 next to weights of 1 must still be drawn when it is needed (a
    # redraw-until-distinct loop would practically never get it)
    from logbessel.vmf_mixture import _Data
    w = np.array([1.0, 0, 1e-300, 0, 1.0, 0])
    m = VonMisesFisherMixture(3, init="random")
    seeds = m._seeds(_Data(small, w), np.random.default_rng(0))
    assert sorted(np.flatnonzero(np.isin(small, seeds).all(axis=1))) == [0, 2, 4]
    try:
        import dask.array as da
    except ImportError:
        pass
    else:
        seeds = m._seeds(_Data(da.from_array(small, chunks=2), da.from_array(w, chunks=2)),
                         np.random.default_rng(0))
        assert sorted(np.flatnonzero(np.isin(small, seeds).all(axis=1))) == [0, 2, 4]
    # successive sampling without replacement: P(first i, then j) = w_i/W * w_j/(W - w_i)
    mass = np.array([1.0, 2.0, 3.0, 4.0])
    data = _Data(np.eye(4), mass)
    rng = np.random.default_rng(1)
    n = 6000
    counts = np.zeros((4, 4))
    for _ in range(n):
        i, j = data.distinct_indices(mass, rng, 2)
        counts[i, j] += 1
    W = mass.sum()
    expect = np.array([[0 if i == j else mass[i] / W * mass[j] / (W - mass[i])
                        for j in range(4)] for i in range(4)])
    se = np.sqrt(expect * (1 - expect) / n)
    assert np.all(np.abs(counts / n - expect) <= 5 * se + 1e-12)


def test_weights_whose_sum_overflows(small):
    X, _ = sample_mixture(random_directions(2, 5, np.random.default_rng(4)), [20.0, 40.0],
                          [60, 40], np.random.default_rng(5))
    ref = VonMisesFisherMixture(2, random_state=0).fit(X)
    for w in (np.full(len(X), 1e308), np.full(len(X), 5e-324)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            m = VonMisesFisherMixture(2, random_state=0).fit(X, weights=w)
        np.testing.assert_allclose(m.kappas_, ref.kappas_, rtol=1e-10)
        np.testing.assert_allclose(m.means_, ref.means_, rtol=1e-10, atol=1e-12)
        assert m.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-12)
    for bad in (np.inf, -1e-300):
        w = np.ones(len(X))
        w[3] = bad
        with pytest.raises(ValueError, match=r"weights must be finite and >= 0; weights\[3\] = "):
            VonMisesFisherMixture(2).fit(X, weights=w)
