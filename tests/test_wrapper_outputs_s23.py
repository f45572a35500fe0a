"""The wrappers' outputs and inputs (fuzzing, session 23).

PredictForecaster, ForecastEnsemble and DeseasonalizedForecaster around an ordinary scikit-learn
regressor returned NaN or inf from ``predict`` and ``forecast`` (the recursion fed them back,
where the next window was refused as if the history held NaN); masked arrays were read without
their masks, the fill values beneath them as data; text and booleans were taken as weights.
"""
import re
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import make_pipeline

from skattn import DeseasonalizedForecaster, ForecastEnsemble, LastSteps, make_windows
from skattn.baselines import NaiveForecaster
from skattn.model_selection import PredictForecaster, backtest

LEVELS = (0.1, 0.5, 0.9)


@pytest.fixture(scope="module")
def data():
    series = 10 + np.sin(np.arange(80) / 2)
    X, y = make_windows(series, 8, 3)
    return series, X, y


class Blowup(RegressorMixin, BaseEstimator):
    """Forecasts the last value of each window, and NaN as its second step where that value
    exceeds ``limit``: a model whose own forecasts are not finite."""

    def __init__(self, limit=50.0):
        self.limit = limit

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.horizon_ = np.asarray(y).shape[1]
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=np.float64)
        out = np.repeat(X[:, -1:], self.horizon_, axis=1)
        out[X[:, -1] > self.limit, 1] = np.nan
        return out


class ScaledQuantiles(RegressorMixin, BaseEstimator):
    """Quantiles 0.1, 0.5, 0.9 of the last value times 0.5, 1 and 2: the 0.9 quantile is inf
    for windows ending beyond half the largest float64."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.horizon_ = np.asarray(y).shape[1]
        self.quantiles_ = np.array(LEVELS)
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X, dtype=np.float64)[:, -1:], self.horizon_, axis=1)

    def predict_quantiles(self, X):
        last = np.asarray(X, dtype=np.float64)[:, -1, None, None]  # (n, 1, 1)
        with np.errstate(over="ignore"):
            return np.broadcast_to(last * np.array([0.5, 1.0, 2.0]),
                                   (last.shape[0], self.horizon_, 3)).copy()


def wrappers(model):
    return {"PredictForecaster": PredictForecaster(model),
            "ForecastEnsemble": ForecastEnsemble([("dropped", "drop"), ("m", model)]),
            "DeseasonalizedForecaster": DeseasonalizedForecaster(model, season_length=2)}


# --- forecasts that are NaN or beyond float64's range ----------------------------------------

@pytest.mark.parametrize("name", ["PredictForecaster", "ForecastEnsemble",
                                  "DeseasonalizedForecaster"])
def test_a_diverging_recursion_names_the_step_instead_of_returning_nan(data, name):
    # each round multiplies the level by ~1000: step 376 is NaN. 378 steps returned
    # [..., nan, nan, nan]; 381 or more "Input X contains NaN", a history that was finite
    series, X, y = data
    model = wrappers(LinearRegression())[name].fit(X, 1e3 * y)
    assert np.all(np.isfinite(model.forecast(series, 375)))
    for steps in (376, 378, 381, 600):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # LinearRegression's own overflow
            with pytest.raises(ValueError, match=re.escape(
                    f"{name}.forecast: the forecast of step 376 (of {steps}) is NaN (")) as info:
                model.forecast(series, steps)
        message = str(info.value)
        assert "LinearRegression" in message
        assert "fed back as history" in message and "Forecast at most 375 steps" in message
        assert "Input X contains NaN" not in message


@pytest.mark.parametrize("name", ["PredictForecaster", "ForecastEnsemble",
                                  "DeseasonalizedForecaster"])
def test_forecasts_of_a_model_that_returns_nan_are_an_error(data, name):
    series, X, y = data
    model = wrappers(Blowup())[name].fit(X, y)
    history = series.copy()
    history[-1] = 60.0
    with pytest.raises(ValueError, match=re.escape(
            f"{name}.forecast: the forecast of step 2 (of 3) is NaN (")) as info:
        model.forecast(history, 3)
    assert "Blowup) forecast it" in str(info.value) or "Blowup forecast it" in str(info.value)
    assert "last window of the history, whose values reach 60" in str(info.value)


def test_ensemble_and_seasonal_predict_refuse_forecasts_beyond_float64(data):
    # Ridge forecast [-1.2e308, -inf, -inf] for a window of 1.7e308, and the wrappers returned it
    _, X, y = data
    window = np.full((2, 8), 1.7e308)
    window[0] = 10.0
    ensemble = ForecastEnsemble([("dropped", "drop"), ("ridge", Ridge())]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Ridge's own overflow
        # the first step Ridge overflows at, and its value: step 2 here, step 3 with
        # scikit-learn 1.7 and NumPy 1.24 (minimum-versions trial, session 29)
        raw = Ridge().fit(X, y).predict(window)[1]
        step = int(np.flatnonzero(~np.isfinite(raw))[0]) + 1
        value = f"{raw[step - 1]}"
        with pytest.raises(ValueError, match=re.escape(
                f"ForecastEnsemble.predict: member 'ridge' (Ridge) forecast {value} for window "
                f"1, horizon step {step} of 3, and the median of the members is {value} there: "
                f"beyond the largest float64")):
            ensemble.predict(window)
        with pytest.raises(ValueError, match=re.escape(
                f"ForecastEnsemble.transform: member 'ridge' (Ridge) forecast {value}")):
            ensemble.transform(window)
        seasonal = DeseasonalizedForecaster(Ridge(), season_length=2).fit(X, y)
        with pytest.raises(ValueError, match=re.escape(
                f"DeseasonalizedForecaster.predict: the wrapped Ridge forecast {value} for "
                f"window 1, horizon step {step} of 3")):
            seasonal.predict(window)
        for model in (ensemble, seasonal):
            with pytest.raises(ValueError, match=re.escape(
                    f"{type(model).__name__}.forecast: the forecast of step {step} (of 3) is "
                    f"{value}")):
                model.forecast(window[1], 3)
    # the mean of the members too
    mean = ForecastEnsemble([("naive", NaiveForecaster()), ("ridge", Ridge())], aggregate="mean",
                            weights=[1, 2]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="member 'ridge' \\(Ridge\\) forecast -inf"):
            mean.predict(window)


def test_quantile_forecasts_beyond_float64_are_an_error(data):
    _, X, y = data
    history = np.full(10, 1e308)
    ensemble = ForecastEnsemble([("q", ScaledQuantiles())]).fit(X, y)
    np.testing.assert_array_equal(ensemble.predict_quantiles(X[:1])[0, 0],
                                  X[0, -1] * np.array([0.5, 1.0, 2.0]))  # finite: as it was
    with pytest.raises(ValueError, match=re.escape(
            "ForecastEnsemble.predict_quantiles: member 'q' (ScaledQuantiles) forecast inf for "
            "window 0, horizon step 1 of 3, quantile 0.9")):
        ensemble.predict_quantiles(history[None, -8:])
    seasonal = DeseasonalizedForecaster(ScaledQuantiles(), season_length=2).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "DeseasonalizedForecaster.predict_quantiles: the wrapped ScaledQuantiles forecast "
            "inf for window 0, horizon step 1 of 3, quantile 0.9")):
        seasonal.predict_quantiles(history[None, -8:])
    for model in (ensemble, seasonal, PredictForecaster(ScaledQuantiles()).fit(X, y)):
        with pytest.raises(ValueError, match=re.escape(
                f"{type(model).__name__}.forecast_quantiles: the forecast of quantile 0.9 of "
                f"step 1 (of 2) is inf")):
            model.forecast_quantiles(history, 2)


def test_backtest_names_the_model_and_the_step(data):
    # backtest refused the NaN forecast itself ("returned an invalid forecast"); the wrapper's
    # own error now comes first, named after the model
    series, _, _ = data
    series = np.r_[series, 11.0]
    series[77] = 60.0  # in the last window of the only origin's history
    with pytest.raises(ValueError, match=r"model 'ForecastEnsemble'.*ForecastEnsemble\.forecast: "
                                         r"the forecast of step 2 \(of 3\) is NaN"):
        backtest([ForecastEnsemble([("b", Blowup())])], series, 3, 8, 1)


# --- masked arrays ---------------------------------------------------------------------------

def masked_series(series, position):
    values = series.copy()
    values[position] = -9999.0  # a missing reading's fill value
    return np.ma.masked_values(values, -9999.0)


def test_masked_histories_are_refused_not_forecast_from_their_fill_values(data):
    series, X, y = data
    for position in (-1, 40):
        history = masked_series(series, position)
        for model in (NaiveForecaster().fit(X, y), ForecastEnsemble([("r", Ridge())]).fit(X, y),
                      DeseasonalizedForecaster(Ridge(), season_length=2).fit(X, y),
                      PredictForecaster(Ridge()).fit(X, y)):
            with pytest.raises(ValueError, match="history contains NaN.*a masked array: its 1 "
                                                 "masked entry is read as NaN"):
                model.forecast(history, 3)
    # a masked array that masks nothing is its data
    np.testing.assert_array_equal(NaiveForecaster().fit(X, y).forecast(np.ma.asarray(series), 3),
                                  NaiveForecaster().fit(X, y).forecast(series, 3))


def test_masked_windows_are_refused_by_the_wrappers(data):
    _, X, y = data
    masked = np.ma.masked_array(X.copy(), np.zeros(X.shape, dtype=bool))
    masked.mask[3, 4] = True
    for model in (ForecastEnsemble([("r", Ridge())]), DeseasonalizedForecaster(Ridge(),
                                                                               season_length=2)):
        name = type(model).__name__
        with pytest.raises(ValueError, match=re.escape(
                "X contains NaN or infinity (1 NaN in 1 of its 70 windows, the first in window "
                "3, time step 4) (a masked array")):
            model.fit(masked, y)
        model.fit(X, y)
        with pytest.raises(ValueError, match=f"window 3, time step 4.*masked.*{name}"):
            model.predict(masked)


def test_masked_targets_are_missing_values_and_masked_weights_are_refused(data):
    _, X, y = data
    masked_y = np.ma.masked_array(y.copy(), np.zeros(y.shape, dtype=bool))
    masked_y.data[5, 1] = -9999.0
    masked_y.mask[5, 1] = True
    with_nan = y.copy()
    with_nan[5, 1] = np.nan
    model = ForecastEnsemble([("naive", NaiveForecaster())]).fit(X, y)
    assert model.score(X, masked_y) == model.score(X, with_nan)  # not the -9999
    # Ridge takes no missing target: refused, not trained on the fill value
    with pytest.raises(ValueError, match="member 'r' \\(Ridge\\).*Input y contains NaN"):
        ForecastEnsemble([("r", Ridge())]).fit(X, masked_y)
    # a masked weight is refused (skattn.windows.check_weight_values), not read as its data
    weights = np.ma.masked_array(np.ones(len(X)), np.arange(len(X)) == 2)
    with pytest.raises(ValueError, match="sample_weight is a masked array with 1 masked entry"):
        model.score(X, y, sample_weight=weights)
    for wrapper in (ForecastEnsemble([("r", Ridge())]),
                    DeseasonalizedForecaster(Ridge(), season_length=2)):
        with pytest.raises(ValueError, match="sample_weight is a masked array with 1 masked"):
            wrapper.fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="weights must be a 1-D list of finite numbers"):
        ForecastEnsemble([("a", Ridge()), ("b", NaiveForecaster())], aggregate="mean",
                         weights=np.ma.masked_array([1.0, 2.0], [False, True])).fit(X, y)


def test_masked_future_covariates_and_quantiles_are_refused(data):
    series, _, _ = data
    covariate = np.cos(np.arange(80))
    X3, y3 = make_windows(series, 8, 3, covariates=covariate)
    # a window member (a Pipeline), whose recursion reads future_covariates: an ensemble of
    # baselines alone needs none since session 27, and its members refuse any
    model = ForecastEnsemble([("n", make_pipeline(LastSteps(8), NaiveForecaster()))]).fit(X3, y3)
    future = np.ma.masked_array(np.ones((3, 1)), [[False], [True], [False]])
    with pytest.raises(ValueError, match="future_covariates contains NaN.*masked"):
        model.forecast(np.column_stack([series, covariate]), 6, future_covariates=future)
    with pytest.raises(ValueError, match="quantiles must be strictly between 0 and 1.*masked"):
        NaiveForecaster(quantiles=np.ma.masked_array(LEVELS, [False, True, False])).fit(
            *make_windows(series, 8, 3))


# --- text and booleans as weights ------------------------------------------------------------

@pytest.mark.parametrize("weights, match", [
    (["1", "2"], r"weights must be numbers, one per member, got \['1', '2'\], with 2 entries "
                 r"that are not a number \('1', '2'\): convert text"),
    ([True, False], r"weights must be numbers, one per member, got \[True, False\].*weight 0, "
                    r"or set it to 'drop'"),
    (np.array([True, True]), "weights must be numbers"),
    ([1.0, None], r"weights must be numbers.*\(None\)"),
])
def test_text_and_booleans_are_no_member_weights(data, weights, match):
    _, X, y = data
    with pytest.raises(ValueError, match=match):
        ForecastEnsemble([("a", Ridge()), ("b", NaiveForecaster())], aggregate="mean",
                         weights=weights).fit(X, y)


def test_numpy_numbers_are_member_weights(data):
    _, X, y = data
    members = [("a", Ridge()), ("b", NaiveForecaster())]
    expected = ForecastEnsemble(members, aggregate="mean", weights=[1, 2]).fit(X, y).predict(X)
    for weights in (np.array([1, 2]), [np.int64(1), np.float32(2)], np.array([1.0, 2.0])):
        np.testing.assert_array_equal(
            ForecastEnsemble(members, aggregate="mean", weights=weights).fit(X, y).predict(X),
            expected)


@pytest.mark.parametrize("weights, match", [
    (lambda n: np.array(["1"] * n), "sample_weight must be numeric: got text"),
    (lambda n: ["1"] * n, "sample_weight must be numeric: got text"),
    (lambda n: True, "sample_weight must be a number or one number per row, got the boolean "
                     "True"),
    (lambda n: np.True_, "got the boolean"),
])
def test_text_and_flags_are_no_sample_weights(data, weights, match):
    # the package's one rule for weights (skattn.windows.check_weight_values): an array of
    # bools is a mask of the rows to count, weights 1 and 0, as scikit-learn reads it
    _, X, y = data
    model = ForecastEnsemble([("r", Ridge())]).fit(X, y)
    with pytest.raises(ValueError, match=match):
        model.score(X, y, sample_weight=weights(len(X)))
    for wrapper in (ForecastEnsemble([("r", Ridge())]),
                    DeseasonalizedForecaster(Ridge(), season_length=2)):
        with pytest.raises(ValueError, match=match):
            wrapper.fit(X, y, sample_weight=weights(len(X)))
    # numbers, NumPy's too, as before
    score = model.score(X, y, sample_weight=np.arange(len(X)) % 3)
    assert model.score(X, y, sample_weight=list(np.arange(len(X)) % 3)) == score


def test_attention_forecaster_score_refuses_text_weights(data):
    from skattn import AttentionForecaster

    _, X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: ConvergenceWarning
        model = AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=1,
                                    random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight must be numeric: got text"):
        model.score(X, y, sample_weight=np.array(["1"] * len(X)))
    with pytest.raises(ValueError, match="got the boolean True"):
        model.score(X, y, sample_weight=True)
