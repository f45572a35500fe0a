"""AttentionForecaster's sample_weight (session 25): a window's weight counts as repeating it.

Until session 25 ``fit`` took no ``sample_weight`` (a TypeError in a Pipeline or a search that
routed one, and in a ForecastEnsemble of attention members).
"""
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

import skattn.forecaster as forecaster_module
from skattn import AttentionForecaster, DeseasonalizedForecaster, make_windows
from skattn.exceptions import SeasonalAdjustmentWarning

SMALL = dict(d_model=8, n_heads=2, n_layers=1, patch_len=4, max_epochs=4, random_state=0)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*max_epochs.*reached")
        yield


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(0)
    series = 10 + np.sin(np.arange(200) * 2 * np.pi / 12) + rng.normal(0, 0.2, 200)
    X, y = make_windows(series, 24, 3)
    return X, y


def test_float64_without_dropout_passes_scikit_learns_equivalence_check():
    # weights as repetitions, scikit-learn's own check (the defaults' float32 and dropout make
    # it an expected failure there: tests/test_estimator_checks.py)
    check_sample_weight_equivalence_on_dense_data(
        "AttentionForecaster", AttentionForecaster(dtype="float64", dropout=0.0))


def test_the_equivalence_check_fails_when_the_weights_are_ignored(monkeypatch):
    # the check above can fail: a fit that drops the weights does
    monkeypatch.setattr(forecaster_module, "_training_weights", lambda sample_weight, X: None)
    with pytest.raises(AssertionError, match="not equivalent"):
        check_sample_weight_equivalence_on_dense_data(
            "AttentionForecaster", AttentionForecaster(dtype="float64", dropout=0.0))


def test_a_weight_of_zero_leaves_the_window_out_bitwise(windows):
    X, y = windows
    weights = np.where(np.arange(len(X)) % 3 == 0, 0.0, 1.0 + np.arange(len(X)) % 4)
    kept = weights > 0
    weighted = AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights)
    removed = AttentionForecaster(**SMALL).fit(X[kept], y[kept], sample_weight=weights[kept])
    np.testing.assert_array_equal(weighted.predict(X), removed.predict(X))
    assert weighted.loss_curve_ == removed.loss_curve_
    # ones and zeros: the rows of weight 1, unweighted
    mask = AttentionForecaster(**SMALL).fit(X, y, sample_weight=kept)
    plain = AttentionForecaster(**SMALL).fit(X[kept], y[kept])
    np.testing.assert_array_equal(mask.predict(X), plain.predict(X))


@pytest.mark.parametrize("value", [1.0, 0.25, 7])
def test_equal_weights_train_exactly_as_none(windows, value):
    X, y = windows
    plain = AttentionForecaster(**SMALL).fit(X, y)
    equal = AttentionForecaster(**SMALL).fit(X, y, sample_weight=np.full(len(X), value))
    np.testing.assert_array_equal(plain.predict(X), equal.predict(X))
    scalar = AttentionForecaster(**SMALL).fit(X, y, sample_weight=value)  # as scikit-learn's
    np.testing.assert_array_equal(plain.predict(X), scalar.predict(X))


def test_weights_change_the_fit_and_leave_the_callers_array_alone(windows):
    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    given = weights.copy()
    weighted = AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, given)
    plain = AttentionForecaster(**SMALL).fit(X, y)
    assert not np.allclose(weighted.predict(X), plain.predict(X))


def test_the_global_scaling_is_that_of_the_repeated_windows(windows):
    X, y = windows
    counts = 1 + np.arange(len(X)) % 3
    weighted = AttentionForecaster(**SMALL, normalize=False).fit(X, y, sample_weight=counts)
    repeated = AttentionForecaster(**SMALL, normalize=False).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts, axis=0))
    np.testing.assert_allclose(weighted.channel_mean_, repeated.channel_mean_, rtol=1e-13)
    np.testing.assert_allclose(weighted.channel_scale_, repeated.channel_scale_, rtol=1e-13)
    unweighted = AttentionForecaster(**SMALL, normalize=False).fit(X, y)
    assert not np.allclose(weighted.channel_mean_, unweighted.channel_mean_, rtol=1e-6)


def test_full_batch_float64_fit_equals_the_repeated_windows_fit(windows):
    # the loss: with one batch and no dropout, weighting is repeating, up to rounding
    X, y = windows
    counts = 1 + np.arange(len(X)) % 3
    params = dict(SMALL, dtype="float64", dropout=0.0, batch_size=1000, max_epochs=6)
    weighted = AttentionForecaster(**params).fit(X, y, sample_weight=counts)
    repeated = AttentionForecaster(**params).fit(np.repeat(X, counts, axis=0),
                                                 np.repeat(y, counts, axis=0))
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)


def test_early_stopping_scores_the_validation_windows_with_their_weights(windows):
    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    params = dict(SMALL, dtype="float64", early_stopping=True, validation_fraction=0.2,
                  max_epochs=5)
    model = AttentionForecaster(**params).fit(X, y, sample_weight=weights)
    n_val = int(np.floor(0.2 * len(X)))
    X_val = model._scale_X(X[-n_val:, :, None], np.float64)[:, :, 0]
    Y_val = model._scale_y(y[-n_val:], np.float64)
    w_val = weights[-n_val:] / weights[-n_val:].mean()
    # the best epoch's weights are restored: its validation loss is the smallest of the curve
    best = model._evaluation_loss(X_val, Y_val, model.params_, w_val)
    assert best == pytest.approx(min(model.validation_loss_curve_), rel=1e-12)
    assert model._evaluation_loss(X_val, Y_val, model.params_) != pytest.approx(best, rel=1e-6)


def test_partial_fit_takes_weights(windows):
    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    weighted = AttentionForecaster(**SMALL).partial_fit(X, y, sample_weight=weights)
    plain = AttentionForecaster(**SMALL).partial_fit(X, y)
    assert not np.allclose(weighted.predict(X), plain.predict(X))
    weighted.partial_fit(X, y, sample_weight=weights)  # continuing
    assert weighted.n_iter_ == 2
    with pytest.raises(ValueError, match="at least one non-zero number"):
        weighted.partial_fit(X, y, sample_weight=np.zeros(len(X)))
    assert weighted.n_iter_ == 2  # a refused call leaves the model as it was


@pytest.mark.parametrize("bad, message", [
    (-1.0, "Negative values in data passed to `sample_weight`"),
    (np.nan, "sample_weight contains NaN"),
    ("text", "sample_weight"),
    (True, "sample_weight must be a number or one number per row"),
])
def test_bad_weights_are_refused_by_name(windows, bad, message):
    X, y = windows
    if isinstance(bad, float):
        weights = np.ones(len(X))
        weights[3] = bad
    else:
        weights = [bad] * len(X) if isinstance(bad, str) else bad
    with pytest.raises(ValueError, match=message):
        AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights)


def test_wrong_length_and_masked_weights_are_refused(windows):
    X, y = windows
    with pytest.raises(ValueError, match=r"sample_weight.shape"):
        AttentionForecaster(**SMALL).fit(X, y, sample_weight=np.ones(len(X) - 1))
    masked = np.ma.masked_array(np.ones(len(X)), mask=np.arange(len(X)) == 2)
    with pytest.raises(ValueError, match="masked array with 1 masked entry"):
        AttentionForecaster(**SMALL).fit(X, y, sample_weight=masked)


def test_weights_reach_the_model_through_a_pipeline_a_search_and_the_seasonal_wrapper(windows):
    from sklearn import config_context
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline

    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    alone = AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights)
    pipeline = make_pipeline(AttentionForecaster(**SMALL)).fit(
        X, y, attentionforecaster__sample_weight=weights)
    np.testing.assert_array_equal(pipeline.predict(X), alone.predict(X))
    wrapped = DeseasonalizedForecaster(AttentionForecaster(**SMALL), season_length=4,
                                       critical_value=1e9)  # adjusts no window
    with pytest.warns(SeasonalAdjustmentWarning, match="no training window was seasonally"):
        wrapped.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(wrapped.predict(X), alone.predict(X))
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            AttentionForecaster(**SMALL).set_fit_request(sample_weight=True),
            {"d_model": [8]}, cv=TimeSeriesSplit(2), refit=True,
            scoring=get_scorer("neg_mean_absolute_error").set_score_request(sample_weight=True),
        ).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(search.predict(X), alone.predict(X))
    assert clone(search.best_estimator_).get_params()["d_model"] == 8


# ---------------------------------------------------------------------------------------------
# the review of session 25 (each failed on the first version of the feature)


def test_a_constant_channel_keeps_scale_one_and_its_exact_mean_under_weights():
    # the weighted mean of equal values rounded: a spread of ~1e-16 became the covariate's scale,
    # and a new value of it reached the network at ~1e15 (normalize=False)
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 12)).cumsum(axis=1) + 10
    X3 = np.stack([base, np.full((60, 12), 0.1)], axis=-1)
    y = base[:, -1] + rng.normal(size=60)
    model = AttentionForecaster(**SMALL, normalize=False).fit(
        X3, y, sample_weight=np.linspace(0.1, 3.0, 60))
    assert model.channel_scale_[1] == 1.0 and model.channel_mean_[1] == 0.1
    moved = X3[:3].copy()
    moved[:, :, 1] = 0.2
    assert np.all(np.abs(model.predict(moved) - model.predict(X3[:3])) < 100)


def test_weights_near_float64s_largest_train_as_the_same_weights_scaled_down(windows):
    # their sums overflowed: a loss of exactly 0, a model trained by weight decay alone
    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    huge = AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights * 1e306)
    plain = AttentionForecaster(**SMALL).fit(X, y, sample_weight=weights)
    assert min(huge.loss_curve_) > 0
    np.testing.assert_allclose(huge.loss_curve_, plain.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("scalar", [np.nan, np.float32(np.nan), np.inf, 1 + 5j, 10**400])
def test_a_bad_scalar_weight_is_a_value_error(windows, scalar):
    # scikit-learn's check fills a scalar in unchecked: NaN removed every window (IndexError),
    # inf and 1+5j were taken, 10**400 an OverflowError
    X, y = windows
    with pytest.raises(ValueError, match="sample_weight|[Cc]omplex"):
        AttentionForecaster(**SMALL).fit(X, y, sample_weight=scalar)


def test_a_zero_dimensional_array_weighs_as_its_scalar(windows):
    X, y = windows
    plain = AttentionForecaster(**SMALL).fit(X, y)
    given = AttentionForecaster(**SMALL).fit(X, y, sample_weight=np.array(2.0))
    np.testing.assert_array_equal(plain.predict(X), given.predict(X))


def test_an_extreme_target_is_named_by_its_row_as_given_and_with_its_weight():
    rng = np.random.default_rng(2)
    X, y = make_windows(10 + rng.normal(0, 0.3, 200), 16, 1)
    y = y.copy()
    y[50] = 1e25
    weights = np.ones(len(X))
    weights[:10] = 0  # left out before the row counts
    weights[10:] += np.arange(len(X) - 10) % 2
    with pytest.raises(ValueError, match=r"y\[50\] = 1e\+25 .*sample_weight multiplies its loss"):
        AttentionForecaster(max_epochs=3, random_state=0, loss="squared_error").fit(
            X, y, sample_weight=weights)


def test_a_heavy_weight_that_overflows_the_loss_is_named_not_the_learning_rate():
    rng = np.random.default_rng(2)
    series = 10 + np.sin(np.arange(200) * 2 * np.pi / 12) + rng.normal(0, 0.3, 200)
    X, y = make_windows(series, 16, 1)
    y = y.copy()
    y[50] = X[50].mean() + 2e18 * X[50].std()  # its square fits float32; 1000 times it does not
    weights = np.ones(len(X))
    AttentionForecaster(max_epochs=3, random_state=0, loss="squared_error").fit(
        X, y, sample_weight=weights)
    weights[50] = 1000.0
    with pytest.raises(ValueError, match=r"extreme target .*y\[50\].*sample_weight multiplies"):
        AttentionForecaster(max_epochs=3, random_state=0, loss="squared_error").fit(
            X, y, sample_weight=weights)


def test_early_stopping_says_the_zero_weights_left_the_windows_out(windows):
    X, y = windows
    weights = np.zeros(len(X))
    weights[-5:] = 1.0
    with pytest.raises(ValueError, match=r"got n_samples=5 \(of the 5 windows of non-zero "
                                         r"weight: sample_weight left out \d+\)"):
        AttentionForecaster(**SMALL, early_stopping=True, validation_fraction=0.1).fit(
            X, y, sample_weight=weights)


# ---------------------------------------------------------------------------------------------
# the user trial of session 25


def _recipe():
    from skattn.recipes import make_attention_ensemble

    return make_attention_ensemble((24,), season_length=4, max_epochs=2, n_seeds=1,
                                   random_state=0)


def test_the_recipe_takes_weights_without_and_with_metadata_routing(windows):
    # its members were Pipelines, which take fit parameters by step name only, and the ensemble
    # passes sample_weight alone: "Pipeline.fit does not accept the sample_weight parameter"
    from sklearn import config_context

    X, y = windows
    weights = np.linspace(0.1, 3.0, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = _recipe().fit(X, y, sample_weight=weights)
        plain = _recipe().fit(X, y)
        equal = _recipe().fit(X, y, sample_weight=np.full(len(X), 2.0))
        with config_context(enable_metadata_routing=True):
            routed = _recipe()
            for _, member in routed.estimators:
                member.forecaster.steps[-1][1].set_fit_request(sample_weight=True)
            routed.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(equal.predict(X), plain.predict(X))
    assert not np.allclose(weighted.predict(X), plain.predict(X))
    np.testing.assert_array_equal(routed.predict(X), weighted.predict(X))


def test_a_member_error_that_cannot_be_pickled_reaches_the_caller_from_a_worker(windows):
    # scikit-learn's UnsetMetadataPassedError needs arguments its pickle does not keep: with
    # n_jobs=2 the pool broke ("A result has failed to un-serialize") and the message was lost
    from sklearn import config_context

    from skattn import ForecastEnsemble

    X, y = windows
    members = [("a", DeseasonalizedForecaster(AttentionForecaster(**SMALL), season_length=4)),
               ("b", DeseasonalizedForecaster(AttentionForecaster(**SMALL), season_length=4))]
    for n_jobs in (1, 2):
        with config_context(enable_metadata_routing=True), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError, match=r"member 'a' \(DeseasonalizedForecaster\): "
                                                 r"\[sample_weight\] are passed but are not "
                                                 r"explicitly set as requested"):
                ForecastEnsemble(members, n_jobs=n_jobs).fit(X, y, sample_weight=np.ones(len(X)))


def test_the_recipes_member_pipeline_has_no_idle_request_and_takes_weights_once(windows):
    from sklearn.linear_model import Ridge

    from skattn import LastSteps
    from skattn.recipes import MemberPipeline

    # a set_fit_request of its own did nothing (its routing reads its steps' requests)
    assert not hasattr(MemberPipeline, "set_fit_request")
    X, y = windows
    member = MemberPipeline([("laststeps", LastSteps(12)), ("ridge", Ridge())])
    weights = np.linspace(0.1, 3.0, len(X))
    with pytest.raises(ValueError, match="got both sample_weight and ridge__sample_weight"):
        member.fit(X, y[:, 0], sample_weight=weights, ridge__sample_weight=weights[::-1])
    np.testing.assert_array_equal(
        member.fit(X, y[:, 0], sample_weight=weights).predict(X),
        Ridge().fit(X[:, -12:], y[:, 0], sample_weight=weights).predict(X[:, -12:]))
