"""Findings of the user trial of session 22 fixed in skattn._validation: a fitted search read
through to its best estimator by the wrappers (its quantiles, what it reads), and quantiles
that are not numbers refused."""
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from skattn import AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, LastSteps
from skattn import make_windows
from skattn._validation import (check_quantiles, final_step, fitted_quantiles, quantile_forecasts,
                                takes_three_d, values_read)
from skattn.model_selection import PredictForecaster

QUANTILES = (0.1, 0.5, 0.9)


def quantile_model(seed=0, **params):
    return AttentionForecaster(loss="pinball", quantiles=QUANTILES, d_model=8, n_heads=2,
                               patch_len=6, max_epochs=1, random_state=seed, **params)


def search_of(estimator, grid=None, **params):
    return GridSearchCV(estimator, grid or {"learning_rate": [1e-3, 1e-2]},
                        cv=TimeSeriesSplit(n_splits=2, gap=5), **params)


@pytest.fixture(scope="module")
def data():
    t = np.arange(110.0)
    series = 20 + 5 * np.sin(2 * np.pi * t / 12) + 0.1 * t
    X, y = make_windows(series[:-6], window=30, horizon=6)
    return series, X, y


@pytest.fixture(autouse=True)
def few_epochs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch, on purpose
        yield


# ------------------------------------------------------------------------------------------
# A fitted search inside a wrapper (finding 1)
# ------------------------------------------------------------------------------------------
def test_an_ensemble_reads_a_fitted_search_members_quantiles_as_predict_forecaster_does(data):
    # the member counted as "a point" (the search has no quantiles_), so the ensemble had none
    series, X, y = data
    direct = ForecastEnsemble([("s", search_of(quantile_model())), ("a", quantile_model(1))])
    wrapped = ForecastEnsemble([("s", PredictForecaster(search_of(quantile_model()))),
                                ("a", quantile_model(1))])
    direct.fit(X, y)
    wrapped.fit(X, y)
    np.testing.assert_array_equal(direct.quantiles_, QUANTILES)
    np.testing.assert_array_equal(direct.predict_quantiles(X[-4:]),
                                  wrapped.predict_quantiles(X[-4:]))
    np.testing.assert_array_equal(direct.forecast_quantiles(series[:-6]),
                                  wrapped.forecast_quantiles(series[:-6]))


def test_a_deseasonalized_search_forecasts_quantiles_as_predict_forecaster_does(data):
    # "forecast_quantiles needs a forecaster that forecasts quantiles ...; GridSearchCV does not"
    series, X, y = data
    direct = DeseasonalizedForecaster(search_of(quantile_model()), season_length=12).fit(X, y)
    wrapped = DeseasonalizedForecaster(PredictForecaster(search_of(quantile_model())),
                                       season_length=12).fit(X, y)
    np.testing.assert_array_equal(direct.quantiles_, QUANTILES)
    assert direct.forecast_quantiles(series[:-6]).shape == (6, 3)
    np.testing.assert_array_equal(direct.predict_quantiles(X[-4:]),
                                  wrapped.predict_quantiles(X[-4:]))


def test_final_step_reads_through_fitted_searches_pipelines_and_frozen_estimators(data):
    from sklearn.frozen import FrozenEstimator

    _, X, y = data
    search = search_of(quantile_model()).fit(X, y)
    assert final_step(search) is search.best_estimator_
    np.testing.assert_array_equal(fitted_quantiles(search), QUANTILES)
    np.testing.assert_array_equal(quantile_forecasts(search, X[:3], 6),
                                  search.best_estimator_.predict_quantiles(X[:3]))
    # nested: a search of a Pipeline, frozen
    piped = search_of(make_pipeline(LastSteps(12), quantile_model()),
                      {"attentionforecaster__learning_rate": [1e-3, 1e-2]}).fit(X, y)
    frozen = FrozenEstimator(piped)
    assert final_step(frozen) is piped.best_estimator_[-1]
    np.testing.assert_array_equal(fitted_quantiles(frozen), QUANTILES)
    best = piped.best_estimator_
    np.testing.assert_array_equal(quantile_forecasts(frozen, X[:3], 6),
                                  best[-1].predict_quantiles(X[:3, -12:]))
    # a Pipeline whose last step is a fitted search
    outer = make_pipeline(LastSteps(12), search_of(quantile_model())).fit(X, y)
    np.testing.assert_array_equal(fitted_quantiles(outer), QUANTILES)
    assert quantile_forecasts(outer, X[:3], 6).shape == (3, 6, 3)


def test_what_a_fitted_search_reads_is_its_best_estimators(data):
    # a search's n_features_in_ is the whole window; its Pipeline's LastSteps reads 12 of 30
    _, X, y = data
    piped = search_of(make_pipeline(LastSteps(12), quantile_model()),
                      {"attentionforecaster__learning_rate": [1e-3, 1e-2]}).fit(X, y)
    assert X.shape[1] == 30 and values_read(piped) == 12


def test_a_search_of_a_model_of_three_d_windows_takes_them_too():
    # scikit-learn's searches pass on some tags, not three_d_array
    assert takes_three_d(search_of(quantile_model()))
    assert takes_three_d(ForecastEnsemble([("s", search_of(quantile_model()))]))
    assert not takes_three_d(search_of(make_pipeline(LastSteps(12), _TwoDOnly())))


class _TwoDOnly(AttentionForecaster):
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = False
        return tags


def test_a_search_fitted_with_refit_false_has_no_model_to_read(data):
    _, X, y = data
    search = search_of(quantile_model(), refit=False).fit(X, y)
    assert final_step(search) is search
    assert fitted_quantiles(search) is None
    with pytest.raises(ValueError, match="fitted with refit=False: it has no best_estimator_"):
        quantile_forecasts(search, X[:3], 6)
    # an unfitted search: what it will refit, for checks of what the model can do
    unfitted = search_of(quantile_model())
    assert final_step(unfitted) is unfitted.estimator


def test_a_model_without_quantiles_is_named_with_the_remedy(data):
    from sklearn.linear_model import Ridge

    _, X, y = data
    with pytest.raises(ValueError, match=r"Ridge \(the final estimator of Pipeline\) has no "
                                         r"predict_quantiles"):
        quantile_forecasts(make_pipeline(LastSteps(12), Ridge()).fit(X, y), X[:3], 6)


# ------------------------------------------------------------------------------------------
# Quantiles that are not numbers (finding 2)
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("quantiles, named", [
    (["0.1", "0.5", "0.9"], r"3 entries that are not a number \('0.1', '0.5', '0.9'\).*"
                            r"\[float\(q\) for q in quantiles\]"),
    (np.array(["0.1", "0.5"]), r"2 entries that are not a number \('0.1', '0.5'\)"),
    ([0.1, True, 0.9], r"1 entry that is not a number \(True\)"),
    ([True], r"1 entry that is not a number \(True\)"),
    (np.array([True, False]), r"2 entries that are not a number \(True, False\)"),
    ([0.1, None, 0.9], r"1 entry that is not a number \(None\)"),
    ([0.1, np.True_], r"1 entry that is not a number \(True\)"),
    ([b"0.5"], r"1 entry that is not a number \(b'0.5'\)"),
    ([1, 2, "a"], r"1 entry that is not a number \('a'\)"),
])
def test_check_quantiles_refuses_entries_that_are_not_numbers(quantiles, named):
    # NumPy reads "0.5" as 0.5: ["0.1", "0.5", "0.9"] was accepted by every model
    with pytest.raises(ValueError, match=r"quantiles must be numbers in \(0, 1\), "
                                         "got .*" + named):
        check_quantiles(quantiles)


@pytest.mark.parametrize("quantiles", [0.5, np.float64(0.5)])
def test_check_quantiles_tells_how_to_give_one_quantile(quantiles):
    with pytest.raises(ValueError, match=r"got one number, .*: give one quantile as \[0\.5\]"):
        check_quantiles(quantiles)


def test_check_quantiles_still_takes_numbers_of_any_type():
    import pandas as pd

    for quantiles in ([np.float32(0.25), 0.5], (Fraction(1, 4), Decimal("0.5")),
                      pd.Series([0.25, 0.5]), np.array([0.25, 0.5], dtype=object),
                      [np.array(0.25), 0.5], np.array([0.25, 0.5])):
        np.testing.assert_array_equal(check_quantiles(quantiles), [0.25, 0.5])


def test_the_models_refuse_quantiles_given_as_text(data):
    from skattn.baselines import SeasonalNaiveForecaster

    _, X, y = data
    text = ["0.1", "0.5", "0.9"]
    with pytest.raises(ValueError, match="not a number"):
        AttentionForecaster(loss="pinball", quantiles=text, d_model=8, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="not a number"):
        SeasonalNaiveForecaster(12, quantiles=text).fit(X, y)


# ------------------------------------------------------------------------------------------
# Review, session 22: pickles from before the look-through; one value that is no quantile
# ------------------------------------------------------------------------------------------
def _as_pickled_before_the_look_through(model):
    """``model`` (fitted) through a pickle as the code before the wrappers read a fitted search
    through wrote it: with quantiles_ None."""
    import pickle

    model.__dict__["quantiles_"] = None
    return pickle.loads(pickle.dumps(model))


def _search_of_quantile_baseline():
    from skattn.baselines import SeasonalNaiveForecaster

    return search_of(SeasonalNaiveForecaster(quantiles=QUANTILES), {"season_length": [1, 12]})


def test_an_ensemble_pickled_before_the_look_through_loads_with_its_quantiles(data):
    # loaded with quantiles_ None, it said its members "forecast s: [0.1, 0.5, 0.9], n: [0.1,
    # 0.5, 0.9]" and needed "the same quantiles" (review, session 22)
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster

    series, X, y = data
    ensemble = ForecastEnsemble([("s", _search_of_quantile_baseline()),
                                 ("n", SeasonalNaiveForecaster(12, quantiles=QUANTILES))])
    expected = ensemble.fit(X, y).predict_quantiles(X[-4:])
    loaded = _as_pickled_before_the_look_through(ensemble)
    np.testing.assert_array_equal(loaded.quantiles_, QUANTILES)
    np.testing.assert_array_equal(loaded.predict_quantiles(X[-4:]), expected)
    assert loaded.forecast_quantiles(series[:-6], 3).shape == (3, 3)
    # members of points, or of other quantiles: None still, as fit leaves it
    for members in ([("a", NaiveForecaster()), ("b", SeasonalNaiveForecaster(12))],
                    [("a", NaiveForecaster(quantiles=(0.2, 0.8))),
                     ("b", SeasonalNaiveForecaster(12, quantiles=QUANTILES))],
                    [("a", NaiveForecaster()), ("b", _search_of_quantile_baseline())]):
        loaded = _as_pickled_before_the_look_through(ForecastEnsemble(members).fit(X, y))
        assert loaded.quantiles_ is None
        with pytest.raises(ValueError, match="needs members that all forecast the same"):
            loaded.predict_quantiles(X[-4:])
    # unfitted: nothing read
    import pickle

    unfitted = ForecastEnsemble([("s", _search_of_quantile_baseline())])
    assert not hasattr(pickle.loads(pickle.dumps(unfitted)), "quantiles_")


def test_a_deseasonalized_search_pickled_before_the_look_through_loads_with_its_quantiles(data):
    # loaded with quantiles_ None, forecast_quantiles said "SeasonalNaiveForecaster (the model
    # inside GridSearchCV) does not" forecast quantiles (review, session 22)
    import pickle

    from skattn.baselines import SeasonalNaiveForecaster

    series, X, y = data
    model = DeseasonalizedForecaster(_search_of_quantile_baseline(), season_length=12).fit(X, y)
    expected = model.predict_quantiles(X[-4:])
    loaded = _as_pickled_before_the_look_through(model)
    np.testing.assert_array_equal(loaded.quantiles_, QUANTILES)
    np.testing.assert_array_equal(loaded.predict_quantiles(X[-4:]), expected)
    assert loaded.forecast_quantiles(series[:-6], 3).shape == (3, 3)
    point = DeseasonalizedForecaster(SeasonalNaiveForecaster(12), season_length=12).fit(X, y)
    assert _as_pickled_before_the_look_through(point).quantiles_ is None
    unfitted = pickle.loads(pickle.dumps(DeseasonalizedForecaster(SeasonalNaiveForecaster())))
    assert not hasattr(unfitted, "quantiles_")


@pytest.mark.parametrize("quantiles", [True, False, np.True_, np.array(True), None,
                                       complex(0.5), np.array("0.5")])
def test_check_quantiles_refuses_one_value_that_is_not_a_number(quantiles):
    # True was read as 1.0 and told "give one quantile as [1.0]", None as nan (review,
    # session 22): refused as such an entry of a list is
    with pytest.raises(ValueError, match=r"^quantiles must be a list of numbers in \(0, 1\), "
                                         r"got .*(not a number|the text '0\.5')") as raised:
        check_quantiles(quantiles)
    assert "give one quantile as [" not in str(raised.value)  # no [1.0] for True, [nan] for None
    assert "np.True_" not in str(raised.value)  # shown as Python shows it: True


@pytest.mark.parametrize("quantiles", [1.5, 1, 0.0, -0.2, float("nan"), float("inf"),
                                       np.float64(1.0), Decimal("1.5")])
def test_check_quantiles_suggests_one_quantile_only_for_a_number_that_may_be_one(quantiles):
    # "give one quantile as [1.5]" (or [nan]) suggested quantiles refused in turn (review,
    # session 22)
    with pytest.raises(ValueError, match=r"got one number, .*, which is not strictly inside "
                                         r"\(0, 1\): a quantile lies strictly between 0 and 1"
                       ) as raised:
        check_quantiles(quantiles)
    assert "give one quantile as" not in str(raised.value)


def test_check_quantiles_shows_a_series_of_text_on_one_line():
    # a Series' repr (index, values, dtype on several lines) was put whole in the message
    # (review, session 22)
    import pandas as pd

    with pytest.raises(ValueError, match=r"got Series \['0\.1', '0\.9'\], with 2 entries that "
                                         r"are not a number") as raised:
        check_quantiles(pd.Series(["0.1", "0.9"]))
    assert "\n" not in str(raised.value)
    with pytest.raises(ValueError, match=r"got Series \['0\.1', '0\.2', '0\.3', '0\.4', "
                                         r"'0\.5', \.\.\. \(9 entries\)\]"):
        check_quantiles(pd.Series([f"0.{k}" for k in range(1, 10)]))
    with pytest.raises(ValueError) as raised:  # a missing level of a pandas array of floats
        check_quantiles(pd.array([0.1, None], dtype="Float64"))
    assert "\n" not in str(raised.value) and "[0.1, <NA>]" in str(raised.value)


@pytest.mark.parametrize("quantiles, message", [
    ({0.1, 0.5, 0.9}, r"got a set, which has no order: give sorted\(...\) of it"),
    (frozenset([0.5]), r"got a frozenset, which has no order"),
    ([Fraction(10**400), 0.5], r"quantiles must be numbers in \(0, 1\)"),
])
def test_check_quantiles_says_a_set_has_no_order_and_refuses_huge_fractions(quantiles, message):
    # a set of valid levels was told "must be numbers"; Fraction(10**400) raised NumPy's
    # OverflowError (review, session 22)
    with pytest.raises(ValueError, match=message):
        check_quantiles(quantiles)
