"""VonMisesFisherMixture under scikit-learn: check_estimator (all checks but the ones in
SKLEARN_EXPECTED_FAILED_CHECKS, each with its reason), GridSearchCV, cross_val_score and
Pipeline; sample(); and that importing logbessel never imports scikit-learn. The tests that
need scikit-learn skip without it. About a second in all."""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from logbessel import vmf
from logbessel.vmf_mixture import (SKLEARN_EXPECTED_FAILED_CHECKS, NotFittedError,
                                   VonMisesFisherMixture)
from vmf_helpers import random_directions, sample_mixture


@pytest.fixture(scope="module")
def three():
    """Three well separated components in p = 5, 240 rows."""
    rng = np.random.default_rng(3)
    means = np.eye(5)[:3]
    X, labels = sample_mixture(means, [40.0, 60.0, 80.0], [100, 80, 60], rng)
    perm = rng.permutation(X.shape[0])
    return X[perm], labels[perm], means


def test_importing_logbessel_does_not_import_sklearn():
    script = ("import sys, numpy as np\n"
              "import logbessel, logbessel.vmf\n"
              "from logbessel.vmf import VonMisesFisherMixture\n"
              "X = np.eye(3)[[0, 0, 1, 1]] * 0.6 + np.eye(3)[[1, 2, 2, 0]] * 0.8\n"
              "m = VonMisesFisherMixture(2, random_state=0).fit(X)\n"
              "m.sample(5); m.predict(X)\n"
              "print('sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_check_estimator():
    checks = pytest.importorskip("sklearn.utils.estimator_checks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = checks.check_estimator(VonMisesFisherMixture(normalize=True),
                                         expected_failed_checks=SKLEARN_EXPECTED_FAILED_CHECKS,
                                         on_fail=None)
    status = {}
    for r in results:
        status.setdefault(r["status"], set()).add(r["check_name"])
    assert status.get("failed", set()) == set(), [
        (r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    # the expected failures fail (a check that starts to pass should leave the list)
    assert status.get("xfail", set()) == set(SKLEARN_EXPECTED_FAILED_CHECKS)
    assert len(status["passed"]) >= 40
    assert {"check_fit_score_takes_y", "check_estimators_unfitted", "check_estimators_pickle",
            "check_sample_weight_equivalence_on_dense_data", "check_fit_idempotent",
            "check_n_features_in_after_fitting", "check_estimator_sparse_array",
            "check_estimators_nan_inf", "check_dtype_object"} <= status["passed"]


def test_tags_and_not_fitted():
    exceptions = pytest.importorskip("sklearn.exceptions")
    from sklearn.utils import get_tags
    from sklearn.utils.validation import check_is_fitted
    m = VonMisesFisherMixture(2)
    tags = get_tags(m)
    assert tags.estimator_type == "density_estimator" and not tags.target_tags.required
    assert not tags.input_tags.sparse and not tags.input_tags.allow_nan
    with pytest.raises(exceptions.NotFittedError):
        check_is_fitted(m)
    with pytest.raises(exceptions.NotFittedError, match="not fitted yet") as err:
        m.score_samples(np.eye(3))
    assert isinstance(err.value, NotFittedError) and isinstance(err.value, AttributeError)


def test_grid_search_picks_the_number_of_components(three):
    ms = pytest.importorskip("sklearn.model_selection")
    X, _, _ = three
    search = ms.GridSearchCV(VonMisesFisherMixture(random_state=0),
                             {"n_components": [1, 2, 3]}, cv=3).fit(X)
    assert search.best_params_ == {"n_components": 3}
    scores = search.cv_results_["mean_test_score"]   # mean held-out log-likelihood
    assert scores[0] < scores[1] < scores[2]
    assert search.best_estimator_.n_components == 3


def test_cross_val_score_is_the_held_out_log_likelihood(three):
    ms = pytest.importorskip("sklearn.model_selection")
    X, labels, _ = three
    m = VonMisesFisherMixture(3, random_state=0)
    got = ms.cross_val_score(m, X, cv=ms.KFold(3))
    # fit(X, y) ignores y (scikit-learn's convention): labels change nothing
    with_y = ms.cross_val_score(m, X, labels, cv=ms.KFold(3))
    by_hand = [VonMisesFisherMixture(3, random_state=0).fit(X[tr]).score(X[te])
               for tr, te in ms.KFold(3).split(X)]
    np.testing.assert_array_equal(got, by_hand)
    np.testing.assert_array_equal(with_y, by_hand)


def test_normalize_equals_a_normalizer_in_front(three):
    pipeline = pytest.importorskip("sklearn.pipeline")
    from sklearn.preprocessing import Normalizer
    X, _, _ = three
    raw = X * np.random.default_rng(0).uniform(0.5, 3.0, size=(X.shape[0], 1))
    with pytest.raises(ValueError, match="X must have unit-norm rows"):
        VonMisesFisherMixture(3).fit(raw)
    a = VonMisesFisherMixture(3, normalize=True, random_state=0).fit(raw)
    b = pipeline.make_pipeline(Normalizer(), VonMisesFisherMixture(3, random_state=0)).fit(raw)
    np.testing.assert_array_equal(a.predict(raw), b.predict(raw))
    np.testing.assert_allclose(a.score_samples(raw), b.score_samples(raw), rtol=1e-12)
    with pytest.raises(ValueError, match="row 1 is zero and has no direction"):
        a.predict(np.vstack([raw[:1], np.zeros((1, 5))]))


def test_normalize_without_sklearn(three):
    X, _, _ = three
    raw = 2.5 * X
    a = VonMisesFisherMixture(3, normalize=True, random_state=0).fit(raw)
    b = VonMisesFisherMixture(3, random_state=0).fit(X)
    np.testing.assert_allclose(a.means_, b.means_, atol=1e-12)
    assert a.score(raw) == pytest.approx(b.score(X), rel=1e-12)


# ---------------------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------------------

def _dA(p, kappa, h=1e-4):
    """A_p'(kappa) by a central difference (good to ~1e-8 here: a test tolerance)."""
    return float(vmf.mean_resultant_length(p, kappa + h) - vmf.mean_resultant_length(p, kappa - h)) / (2 * h)


@pytest.mark.parametrize("p", [3, 12])
def test_sample_has_the_fitted_distribution(p):
    rng = np.random.default_rng(p)
    means = random_directions(3, p, rng)
    X, _ = sample_mixture(means, [5.0, 20.0, 60.0], [300, 300, 300], rng)
    m = VonMisesFisherMixture(3, random_state=0).fit(X)
    n = 30000
    S, labels = m.sample(n)
    assert S.shape == (n, p) and labels.shape == (n,) and labels.dtype.kind == "i"
    np.testing.assert_allclose(np.linalg.norm(S, axis=1), 1.0, atol=1e-14)
    assert np.all(np.diff(labels) >= 0)        # grouped by component, as GaussianMixture
    counts = np.bincount(labels, minlength=3)
    w = m.weights_
    # multinomial counts: within 5 standard deviations of n w_j
    assert np.all(np.abs(counts - n * w) <= 5 * np.sqrt(n * w * (1 - w)))
    for j in range(3):
        t = S[labels == j] @ m.means_[j]       # cosines to the component's mean
        A = float(vmf.mean_resultant_length(p, m.kappas_[j]))
        se = np.sqrt(_dA(p, float(m.kappas_[j])) / counts[j])   # Var(mu^T x) = A_p'(kappa)
        assert abs(t.mean() - A) <= 5 * se


def test_sample_is_seeded_and_checked(three):
    X, _, _ = three
    m = VonMisesFisherMixture(3, random_state=7).fit(X)
    a, la = m.sample(50)
    b, lb_ = m.sample(50)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb_)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            m.sample(bad)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        VonMisesFisherMixture(2).sample(3)
