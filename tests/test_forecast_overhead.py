"""The per-call cost of forecasting with the package's wrappers (session 23).

A fitted ForecastEnsemble or DeseasonalizedForecaster asks for no tags of its own when it
predicts or forecasts: their tags are computed from every estimator they hold, and the recipe's
forecast of one series asked for ~800 of them, about half of its time, only for
``check_is_fitted`` and ``validate_data`` to read ``requires_fit`` and ``target_tags.required``.
``validate_windows`` takes windows that need no conversion as they are, without
``validate_data``'s generic checks. The forecasts are those of scikit-learn's full checks, bit
for bit, and nothing is cached: the tags, the fitted check and the window checks are read from
the parameters and fitted attributes of the moment, so no refit, ``partial_fit`` or
``set_params`` can leave a decision stale.
"""
import pickle
import warnings
from contextlib import ExitStack, contextmanager
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from skattn import (AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, LastSteps,
                    last_windows, make_attention_ensemble, make_windows)
from skattn import _validation, ensemble, seasonal
from skattn._validation import validate_windows
from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster

QUANTILES = (0.1, 0.5, 0.9)
WINDOW, HORIZON = 36, 6


def small(seed, **params):
    return AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=1,
                               random_state=seed, **params)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    t = np.arange(80)
    series = [np.cumsum(rng.normal(size=t.size)) + 50 + 5 * np.sin(2 * np.pi * t / 12)
              for _ in range(12)]
    X, y = make_windows(series, WINDOW, HORIZON)
    # histories of many lengths, a constant one among them (its intervals have zero width)
    histories = [np.cumsum(rng.normal(size=n)) + 50 for n in (2, 7, 30, 36, 37, 60, 90)]
    histories.append(np.full(40, 3.0))
    return series, X, y, histories


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: ConvergenceWarning
        return model.fit(X, y)


@pytest.fixture(scope="module")
def recipe(data):
    """The recipe's design (two families, two windows, each member a DeseasonalizedForecaster
    around a Pipeline(LastSteps, AttentionForecaster)), small, forecasting quantiles."""
    _, X, y, _ = data
    model = make_attention_ensemble((24, 36), season_length=12, n_seeds=1, max_epochs=1,
                                    batch_size=64, quantiles=QUANTILES, random_state=0,
                                    member_params={"d_model": 8, "n_layers": 1})
    return fitted(model, X, y)


# -- counting tags --------------------------------------------------------------------------

@contextmanager
def counting_tags(*classes):
    """The calls of each class's own ``__sklearn_tags__`` (``BaseEstimator``'s: every
    ``get_tags`` of any scikit-learn estimator, one call each) while the block runs."""
    counts = dict.fromkeys(classes, 0)

    def counted(cls):
        original = cls.__dict__["__sklearn_tags__"]

        def __sklearn_tags__(self):
            counts[cls] += 1
            return original(self)
        return __sklearn_tags__

    with ExitStack() as stack:
        for cls in classes:
            stack.enter_context(mock.patch.object(cls, "__sklearn_tags__", counted(cls)))
        yield counts


CALLS = {
    "forecast": lambda model, history: model.forecast(history, 2 * HORIZON),
    "predict": lambda model, history: model.predict(last_windows([history], WINDOW)),
    "transform": lambda model, history: model.transform(last_windows([history], WINDOW)),
    "forecast_quantiles": lambda model, history: model.forecast_quantiles(history, HORIZON),
    "predict_quantiles": lambda model, history: model.predict_quantiles(
        last_windows([history], WINDOW)),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_fitted_wrappers_compute_no_tags_of_their_own(recipe, data, call):
    # the ensemble's tags ask every member for its tags (3 times), the members' ask their
    # Pipeline and its steps: before session 23 one forecast computed them ~60 times here
    history = data[3][5]
    with counting_tags(ForecastEnsemble, DeseasonalizedForecaster, LastSteps) as counts:
        CALLS[call](recipe, history)
    assert counts[ForecastEnsemble] == 0
    assert counts[DeseasonalizedForecaster] == 0


def test_ensemble_forecast_computes_no_more_tags_than_its_members_predicting_alone(recipe, data):
    # what is left is the members' own (scikit-learn's Pipeline checks that it is fitted with its
    # tags, AttentionForecaster with its own): the ensemble and its wrappers add none
    history = data[3][5]
    window = last_windows([history], WINDOW)
    with counting_tags(BaseEstimator) as alone:
        for member in recipe.estimators_:
            member.forecaster_.predict(window)
    with counting_tags(BaseEstimator) as in_forecast:
        recipe.forecast(history, HORIZON)
    assert in_forecast[BaseEstimator] == alone[BaseEstimator]


def test_deseasonalized_forecast_computes_no_more_tags_than_its_forecaster(data):
    _, X, y, histories = data
    model = fitted(DeseasonalizedForecaster(small(0)), X, y)
    window = last_windows([histories[4]], WINDOW)
    with counting_tags(BaseEstimator) as alone:
        model.forecaster_.predict(window)
    with counting_tags(BaseEstimator) as in_forecast:
        model.forecast(histories[4], HORIZON)
    assert in_forecast[BaseEstimator] == alone[BaseEstimator]


def test_last_steps_transform_computes_no_tags(data):
    _, X, _, _ = data
    step = LastSteps(12).fit(X)
    with counting_tags(BaseEstimator) as counts:
        step.transform(X)
    assert counts[BaseEstimator] == 0


# -- the same results as scikit-learn's full checks -------------------------------------------

@contextmanager
def full_checks():
    """scikit-learn's ``check_is_fitted`` and ``validate_data`` at every call, as before
    session 23."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(_validation, "_passes_predict_checks_as_is",
                                              lambda estimator, X: False))
        for module in (ensemble, seasonal):
            stack.enter_context(mock.patch.object(module, "check_is_fitted_without_tags",
                                                  check_is_fitted))
        yield


def zoo():
    """(name, unfitted model, fitted on a DataFrame, with covariates): ensembles of attention
    members, of baselines and of both, wrapped in DeseasonalizedForecaster, searched."""
    quantile = dict(loss="pinball", quantiles=QUANTILES)
    return [
        ("baselines", ForecastEnsemble([
            ("naive", NaiveForecaster(quantiles=QUANTILES)),
            ("seasonal", SeasonalNaiveForecaster(season_length=12, quantiles=QUANTILES))]),
         False, False),
        ("mixed", ForecastEnsemble([
            ("attention", small(0)), ("ridge", Ridge()),
            ("short", make_pipeline(LastSteps(24), small(1))), ("naive", NaiveForecaster()),
            ("dropped", "drop")], aggregate="mean", weights=[1, 2, 1, 0.5, 3]), False, False),
        ("mixed quantiles", ForecastEnsemble([
            ("attention", small(0, **quantile)),
            ("seasonal", SeasonalNaiveForecaster(season_length=12, quantiles=QUANTILES)),
            ("deseasonalized", DeseasonalizedForecaster(
                make_pipeline(LastSteps(24), small(2, **quantile))))]), False, False),
        ("deseasonalized ensemble", DeseasonalizedForecaster(
            ForecastEnsemble([("attention", small(0)), ("ridge", Ridge())]),
            critical_value=1.0), False, False),
        ("deseasonalized ridge", DeseasonalizedForecaster(Ridge(), seasonality_test=False),
         False, False),
        ("search of deseasonalized", GridSearchCV(
            DeseasonalizedForecaster(small(4, **quantile)), {"critical_value": [1.0, 1.645]},
            cv=TimeSeriesSplit(2)), False, False),
        ("ensemble of a search", ForecastEnsemble([
            ("search", GridSearchCV(small(5, **quantile), {"d_model": [4, 8]},
                                    cv=TimeSeriesSplit(2))),
            ("naive", NaiveForecaster(quantiles=QUANTILES))]), False, False),
        ("covariates", ForecastEnsemble([
            ("attention", small(7)), ("short", make_pipeline(LastSteps(24), small(8))),
            ("deseasonalized", DeseasonalizedForecaster(small(9)))]), False, True),
        ("dataframe", ForecastEnsemble([
            ("attention", small(10)), ("deseasonalized", DeseasonalizedForecaster(Ridge()))]),
         True, False),
    ]


def copied(model):
    return pickle.loads(pickle.dumps(model))


def outputs(model, X, histories, covariates):
    """Everything the model forecasts for ``X`` and ``histories``, and the warnings it gives."""
    forecaster = getattr(model, "best_estimator_", model)
    if covariates:
        histories = [np.column_stack([h, np.sin(np.arange(h.size))]) for h in histories]
    future = {"future_covariates": np.ones((HORIZON, 1))} if covariates else {}
    results = [model.predict(X)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for history in histories:
            results.append(forecaster.forecast(history, 2 * HORIZON, **future))
            if getattr(forecaster, "quantiles_", None) is not None and len(history) >= 2:
                results.append(forecaster.forecast_quantiles(history, HORIZON))
        if getattr(forecaster, "quantiles_", None) is not None:
            results.append(forecaster.predict_quantiles(X))
    return results, [(w.category, str(w.message), w.filename, w.lineno) for w in caught]


@pytest.mark.parametrize("name, model, on_frame, covariates", zoo(), ids=[z[0] for z in zoo()])
def test_forecasts_are_those_of_the_full_checks_bit_for_bit(data, name, model, on_frame,
                                                           covariates):
    series, X, y, histories = data
    if covariates:
        t = np.arange(series[0].size)
        X, y = make_windows(series, WINDOW, HORIZON,
                            covariates=[np.cos(t)[:, None] for _ in series])
    if on_frame:
        X = pd.DataFrame(X, columns=[f"lag{i}" for i in range(WINDOW, 0, -1)])
    model = fitted(model, X, y)
    # on copies: a model warns of a short history once (its pickles forget that it did)
    quick, quick_warnings = outputs(copied(model), X, histories, covariates)
    with full_checks():
        full, full_warnings = outputs(copied(model), X, histories, covariates)
    assert len(quick) == len(full)
    for got, expected in zip(quick, full):
        assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)
    assert quick_warnings == full_warnings  # the same warnings, pointing at the same lines


def test_recipe_forecasts_are_those_of_the_full_checks_bit_for_bit(recipe, data):
    _, X, _, histories = data
    quick, quick_warnings = outputs(copied(recipe), X, histories, False)
    with full_checks():
        full, full_warnings = outputs(copied(recipe), X, histories, False)
    for got, expected in zip(quick, full):
        assert np.array_equal(got, expected)
    assert quick_warnings == full_warnings


def test_a_pickled_recipe_forecasts_the_same(recipe, data):
    history = data[3][5]
    loaded = pickle.loads(pickle.dumps(recipe))
    assert np.array_equal(loaded.forecast(history, 2 * HORIZON),
                          recipe.forecast(history, 2 * HORIZON))
    assert np.array_equal(loaded.forecast_quantiles(history), recipe.forecast_quantiles(history))


# -- validate_windows' windows taken as they are ------------------------------------------------

def _outcome(call):
    """What ``call()`` returns (or raises) and the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 -- compared below
            result = (type(exc), str(exc))
    return result, [(w.category, str(w.message)) for w in caught]


def _same_outcome(quick, full):
    (got, got_warnings), (expected, expected_warnings) = quick, full
    assert got_warnings == expected_warnings
    if isinstance(expected, tuple) and isinstance(expected[0], type):  # an exception
        assert got == expected
        return
    got_X, _, got_channels = got
    expected_X, _, expected_channels = expected
    assert got_channels == expected_channels
    # validate_data returns such windows themselves, not a copy: so does the shortcut
    assert (got_X is expected_X) or (np.array_equal(got_X, expected_X)
                                     and got_X.dtype == expected_X.dtype)


def _windows_to_check(X):
    X3 = np.stack([X, X], axis=2)
    nan = X.copy()
    nan[1, 3] = np.nan
    return [X, np.asfortranarray(X), X.astype(np.float32), X[::2], X[:, ::-1], X3,
            X3[:, :, :1], X[:1], X[:0], X[:, 1:], X[0], nan, np.where(nan > 0, np.inf, X),
            X.astype(np.int64), X.tolist(), pd.DataFrame(X), X.astype(">f8"),
            np.ones((2, X.shape[1], 3))]


@pytest.mark.parametrize("fit_on", ["2-D", "3-D", "frame"])
@pytest.mark.parametrize("estimator", [LastSteps(12), SeasonalNaiveForecaster(season_length=12),
                                       DeseasonalizedForecaster(Ridge())],
                         ids=["LastSteps", "baseline", "deseasonalized"])
def test_windows_taken_as_they_are_pass_every_check_of_validate_data(data, estimator, fit_on):
    _, X, y, _ = data
    X_fit = {"2-D": X, "3-D": np.stack([X, X], axis=2),
             "frame": pd.DataFrame(X, columns=[f"lag{i}" for i in range(X.shape[1])])}[fit_on]
    if fit_on == "3-D" and isinstance(estimator, DeseasonalizedForecaster):
        pytest.skip("Ridge takes no 3-D windows")
    estimator = clone(estimator).fit(X_fit, y)
    for windows in _windows_to_check(X):
        quick = _outcome(lambda: validate_windows(estimator, windows, reset=False))
        with full_checks():
            full = _outcome(lambda: validate_windows(estimator, windows, reset=False))
        _same_outcome(quick, full)


def test_validate_data_returns_plain_windows_themselves(data):
    # what the shortcut relies on: scikit-learn's checks give such windows back unchanged
    _, X, _, _ = data
    step = LastSteps().fit(X)
    for windows in (X, np.asfortranarray(X), X.astype(np.float32), X[::2]):
        assert validate_data(step, windows, reset=False, allow_nd=True,
                             dtype=[np.float64, np.float32]) is windows


# -- nothing stale after a refit, partial_fit or set_params ---------------------------------

def test_set_params_after_fit_changes_the_tags_not_the_fitted_forecasts(data):
    _, X, y, histories = data
    model = fitted(ForecastEnsemble([("a", small(0)), ("b", small(1))]), X, y)
    before = model.forecast(histories[5], HORIZON)
    assert get_tags(model).input_tags.three_d_array
    model.set_params(b=Ridge(), aggregate="mean")
    # the tags describe the ensemble a fit would make now (Ridge takes no 3-D windows) ...
    assert not get_tags(model).input_tags.three_d_array
    # ... while the fitted ensemble forecasts as fitted until it is refitted
    assert np.array_equal(model.forecast(histories[5], HORIZON), before)
    fitted(model, X, y)
    assert isinstance(model.estimators_[1], Ridge)
    fresh = fitted(ForecastEnsemble([("a", small(0)), ("b", Ridge())], aggregate="mean"), X, y)
    assert np.array_equal(model.forecast(histories[5], HORIZON),
                          fresh.forecast(histories[5], HORIZON))


def test_set_params_of_a_deseasonalized_forecaster_after_fit(data):
    _, X, y, histories = data
    model = fitted(DeseasonalizedForecaster(small(0)), X, y)
    before = model.forecast(histories[5], HORIZON)
    model.set_params(forecaster=Ridge(), season_length=4)
    assert not get_tags(model).input_tags.three_d_array  # Ridge's, read from the parameters
    assert np.array_equal(model.forecast(histories[5], HORIZON), before)
    fitted(model, X, y)
    assert isinstance(model.forecaster_, Ridge) and model.season_length_ == 4
    assert not np.array_equal(model.forecast(histories[5], HORIZON), before)


def test_a_refit_on_a_dataframe_then_on_an_array_checks_the_names_of_the_moment(data):
    _, X, y, _ = data
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(X.shape[1])])
    for model in (DeseasonalizedForecaster(Ridge()), LastSteps(12)):
        use = model.predict if hasattr(model, "predict") else model.transform
        model.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            use(X)
        model.fit(frame, y)
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            use(X)  # scikit-learn's warning: these windows are not taken as they are
        model.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            use(X)


def test_a_refit_on_other_windows_refuses_the_old_ones(data):
    _, X, y, _ = data
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    model.fit(X[:, 6:], y)
    with pytest.raises(ValueError, match="X has 36 features, but DeseasonalizedForecaster is "
                                         "expecting 30 features"):
        model.predict(X)
    step = LastSteps(12).fit(np.stack([X, X], axis=2))
    with pytest.raises(ValueError, match="X has 1 channel"):
        step.transform(X)
    step.fit(X)
    assert np.array_equal(step.transform(X), X[:, -12:])


def test_a_failed_refit_leaves_the_ensemble_unfitted(data):
    _, X, y, _ = data
    model = ForecastEnsemble([("a", Ridge()), ("b", make_pipeline(LastSteps(12), Ridge()))])
    model.fit(X, y)
    assert model.n_features_in_ == X.shape[1]
    model.set_params(b=make_pipeline(LastSteps(48), Ridge()))  # longer than the windows
    with pytest.raises(ValueError, match="LastSteps"):
        model.fit(X, y)
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(NotFittedError, match="This ForecastEnsemble instance is not fitted"):
        model.forecast(X[0], HORIZON)


def test_an_ensemble_forecasts_with_its_members_as_they_are_after_partial_fit(data):
    _, X, y, histories = data
    model = fitted(ForecastEnsemble([("a", small(0)), ("b", small(1)), ("c", Ridge())]), X, y)
    before = model.forecast(histories[5], HORIZON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.estimators_[0].partial_fit(X, y)
    window = last_windows([histories[5]], WINDOW)
    members = np.stack([member.predict(window)[0] for member in model.estimators_])
    assert np.array_equal(model.forecast(histories[5], HORIZON), np.median(members, axis=0))
    assert not np.array_equal(model.forecast(histories[5], HORIZON), before)


def test_n_features_in_is_voting_regressors(data):
    _, X, y, _ = data
    model = ForecastEnsemble([("a", Ridge())])
    with pytest.raises(AttributeError, match="ForecastEnsemble object has no n_features_in_"):
        model.n_features_in_  # noqa: B018
    assert model.fit(X, y).n_features_in_ == X.shape[1]


# -- check_is_fitted_without_tags is check_is_fitted ---------------------------------------

class _NeedsNoFit(DeseasonalizedForecaster):
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


@pytest.mark.parametrize("estimator", [DeseasonalizedForecaster(Ridge()),
                                       ForecastEnsemble([("a", Ridge())]), LastSteps(),
                                       _NeedsNoFit(Ridge())],
                         ids=["deseasonalized", "ensemble", "LastSteps", "needs no fit"])
def test_check_is_fitted_without_tags_is_check_is_fitted(data, estimator):
    _, X, y, _ = data
    check_is_fitted_without_tags = _validation.check_is_fitted_without_tags
    unfitted = _outcome(lambda: check_is_fitted_without_tags(estimator))
    assert unfitted == _outcome(lambda: check_is_fitted(estimator))
    fitted_estimator = clone(estimator).fit(X, y)
    with counting_tags(BaseEstimator) as counts:
        check_is_fitted_without_tags(fitted_estimator)
    assert counts[BaseEstimator] == 0
    check_is_fitted(fitted_estimator)
