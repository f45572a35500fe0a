"""Prediction intervals of the classical baselines: ``quantiles=``, ``predict_quantiles`` and
``forecast_quantiles`` against statsforecast called directly, their shapes and errors, the
short-window and fallback rules, parallel rows, the ensemble, and a coverage check."""
import inspect
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import AttentionForecaster, ForecastEnsemble, make_attention_ensemble, make_windows
from skattn.baselines import (
    ARIMAForecaster,
    BaselineFallbackWarning,
    ETSForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    ThetaForecaster,
)
from skattn.datasets import load_airline
from skattn.model_selection import backtest

statsforecast_models = pytest.importorskip("statsforecast.models")

ALL = [NaiveForecaster, SeasonalNaiveForecaster, ETSForecaster, ThetaForecaster, ARIMAForecaster]
LIBRARY = [ETSForecaster, ThetaForecaster, ARIMAForecaster]
# levels that are not integers (75.4; 30 for 0.35 and 0.65, 30.000000000000004 unrounded), a
# median, and the 95% and 80% intervals
QUANTILES = (0.025, 0.1, 0.123, 0.35, 0.5, 0.65, 0.9, 0.975)
LEVELS = {0.025: 95, 0.1: 80, 0.123: 75.4, 0.35: 30, 0.65: 30, 0.9: 80, 0.975: 95}


def _airline():
    return load_airline().series.astype(np.float64)


def _fit(model, n_timesteps=36, horizon=6):
    """``model`` fitted on windows of ``n_timesteps`` values of the airline series."""
    X, y = make_windows(_airline()[:96], window=n_timesteps, horizon=horizon, step=12)
    return model.fit(X, y)


def _statsforecast_quantiles(model, y, steps, quantiles=QUANTILES):
    """statsforecast's own bounds for ``quantiles`` (steps, Q), read by the documented mapping:
    q < 0.5 is lo-{100 (1 - 2q)}, q > 0.5 hi-{100 (2q - 1)}, 0.5 the mean."""
    levels = sorted({LEVELS[q] for q in quantiles if q != 0.5})
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.forecast(y=y, h=steps, level=levels)
    columns = [result["mean"] if q == 0.5 else
               result[f"{'lo' if q < 0.5 else 'hi'}-{LEVELS[q]}"] for q in quantiles]
    return np.column_stack([np.asarray(column, dtype=np.float64) for column in columns])


# ------------------------------------------------------------------------------------------
# Against statsforecast
# ------------------------------------------------------------------------------------------
LIBRARY_CASES = {
    # (our model, statsforecast's model for a history of >= 24 values, for a shorter one)
    "ets": (ETSForecaster(season_length=12),
            lambda m: statsforecast_models.AutoETS(season_length=m,
                                                   model="ZZZ" if m > 1 else "ZZN")),
    "theta": (ThetaForecaster(season_length=12),
              lambda m: statsforecast_models.AutoTheta(season_length=m, model="DOTM",
                                                       decomposition_type="multiplicative")),
    "auto-arima": (ARIMAForecaster(season_length=12),
                   lambda m: statsforecast_models.AutoARIMA(season_length=m)),
    "airline-arima": (ARIMAForecaster((0, 1, 1), (0, 1, 1), season_length=12),
                      lambda m: statsforecast_models.ARIMA(order=(0, 1, 1),
                                                           seasonal_order=(0, 1, 1),
                                                           season_length=12)),
}


@pytest.mark.parametrize("name", list(LIBRARY_CASES))
def test_library_quantiles_equal_statsforecast_called_directly(name):
    model, make_library_model = LIBRARY_CASES[name]
    model = _fit(clone(model).set_params(quantiles=QUANTILES))
    series = _airline()
    for history in (series, series[:60], series[30:50]):  # with and without a season
        m = 12 if history.size >= 24 else 1
        # 30 steps, beyond the horizon of 6: the model's own intervals, widening
        expected = _statsforecast_quantiles(make_library_model(m), history, 30)
        ours = model.forecast_quantiles(history, steps=30)
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(ours[:, QUANTILES.index(0.5)],
                                      model.forecast(history, 30))


@pytest.mark.parametrize("season_length", [1, 4, 12])
def test_numpy_quantiles_equal_statsforecast_naive_and_seasonal_naive(season_length):
    rng = np.random.default_rng(season_length)
    histories = [_airline(), _airline()[:13], 50 + np.cumsum(rng.normal(size=40)),
                 1e6 * rng.normal(size=25)]
    model = _fit(SeasonalNaiveForecaster(season_length, quantiles=QUANTILES))
    library = (statsforecast_models.Naive() if season_length == 1 else
               statsforecast_models.SeasonalNaive(season_length=season_length))
    for history in histories:
        expected = _statsforecast_quantiles(library, history, 30)
        np.testing.assert_allclose(model.forecast_quantiles(history, 30), expected, rtol=1e-8,
                                   atol=0)
    if season_length == 1:
        naive = _fit(NaiveForecaster(quantiles=QUANTILES))
        for history in histories:
            np.testing.assert_array_equal(naive.forecast_quantiles(history, 30),
                                          model.forecast_quantiles(history, 30))


def test_numpy_intervals_by_hand():
    # one-step changes 1, 2, -1: sigma = sqrt((1 + 4 + 1) / 3) = sqrt(2); step h: sigma sqrt(h)
    naive = _fit(NaiveForecaster(quantiles=(0.1, 0.5, 0.9)))
    z = 1.2815515655446004  # norm.ppf(0.9)
    half_width = z * np.sqrt(2.0) * np.sqrt([1.0, 2.0, 3.0])
    np.testing.assert_allclose(naive.forecast_quantiles([1.0, 2.0, 4.0, 3.0], steps=3),
                               np.column_stack([3 - half_width, [3, 3, 3], 3 + half_width]),
                               rtol=1e-12)
    # season 3, seasonal differences 3 and 3: sigma = 3; steps 1-3 one season ahead, 4-6 two
    seasonal = _fit(SeasonalNaiveForecaster(3, quantiles=(0.1, 0.5, 0.9)))
    history = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    half_width = z * 3.0 * np.sqrt([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    point = np.array([3.0, 4.0, 5.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(seasonal.forecast_quantiles(history, steps=6),
                               np.column_stack([point - half_width, point, point + half_width]),
                               rtol=1e-12)
    # exactly one season: no seasonal difference yet (statsforecast's width is 0); the naive
    # sigma (one-step changes 1, 1: sigma 1) and growth sqrt(h), around the seasonal forecast
    half_width = z * np.sqrt([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(seasonal.forecast_quantiles(history[:3], steps=4),
                               np.column_stack([[1, 2, 3, 1] - half_width, [1, 2, 3, 1],
                                                [1, 2, 3, 1] + half_width]), rtol=1e-12)


# ------------------------------------------------------------------------------------------
# Shapes, the median, and the point path
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_shapes_and_the_median_is_the_point_forecast(cls):
    params = {} if cls is NaiveForecaster else {"season_length": 12}
    X, y = make_windows(_airline(), window=30, horizon=4, step=10)
    model = cls(quantiles=(0.1, 0.5, 0.9), **params).fit(X, y)
    quantiles = model.predict_quantiles(X)
    assert quantiles.shape == (len(X), 4, 3)
    np.testing.assert_array_equal(quantiles[:, :, 1], model.predict(X))
    assert np.all(np.diff(quantiles, axis=-1) >= 0)
    # forecast_quantiles: the horizon by default, the last window's predict_quantiles
    np.testing.assert_array_equal(model.forecast_quantiles(X[-1]), quantiles[-1])
    # steps beyond the horizon: the model's own intervals, widening overall
    long = model.forecast_quantiles(_airline(), steps=40)
    assert long.shape == (40, 3)
    np.testing.assert_array_equal(long[:, 1], model.forecast(_airline(), 40))
    width = long[:, 2] - long[:, 0]
    assert width[-1] > width[0] > 0
    # 1-D y: no horizon axis, as AttentionForecaster.predict_quantiles
    one_step = clone(model).fit(X, y[:, 0])
    assert one_step.predict_quantiles(X).shape == (len(X), 3)
    np.testing.assert_array_equal(one_step.predict_quantiles(X), quantiles[:, 0])
    assert one_step.forecast_quantiles(X[-1]).shape == (1, 3)
    # 3-D windows: channel 0
    np.testing.assert_array_equal(clone(model).fit(X[:, :, None], y).predict_quantiles(X[:, :, None]),
                                  quantiles)


def _library_calls(cls, monkeypatch):
    """The ``level`` of every call of the statsforecast model behind ``cls`` (None for the
    mean only), recorded in the list returned, the library running as it is."""
    library = {ETSForecaster: "AutoETS", ThetaForecaster: "AutoTheta",
               ARIMAForecaster: "AutoARIMA"}[cls]
    # Theta's is fitted, then asked for its forecast with predict: its sigma is corrected in
    # between (quantile trial, session 33). Its fits are recorded too, as "fit", so that a
    # second fit of a history shows (counting predict alone, it did not; test review,
    # session 33)
    method = "predict" if cls is ThetaForecaster else "forecast"
    calls = _Calls()
    model_class = getattr(statsforecast_models, library)
    original = getattr(model_class, method)

    def recording(self, *args, **kwargs):
        calls.append(kwargs.get("level"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model_class, method, recording)
    if cls is ThetaForecaster:
        original_fit = model_class.fit

        def recording_fit(self, *args, **kwargs):
            calls.fits += 1
            return original_fit(self, *args, **kwargs)

        monkeypatch.setattr(model_class, "fit", recording_fit)
    return calls


class _Calls(list):
    """The levels of the library's forecast calls, and (Theta) how many fits it made."""
    fits = 0


@pytest.mark.parametrize("cls", LIBRARY)
def test_the_point_path_passes_no_level(cls, monkeypatch):
    # predict and forecast ask the library for the mean only, whatever quantiles is; the
    # quantile methods ask once per window with every level
    calls = _library_calls(cls, monkeypatch)
    X, y = make_windows(_airline()[:60], window=30, horizon=3, step=10)
    model = cls(quantiles=(0.05, 0.1, 0.5, 0.9, 0.95)).fit(X, y)
    points = model.predict(X)
    model.forecast(X[0], 5)
    assert calls == [None] * (len(X) + 1)
    calls.clear()
    model.predict_quantiles(X)
    model.forecast_quantiles(X[0], 5)
    assert calls == [[80.0, 90.0]] * (len(X) + 1)
    # the median alone needs no level
    calls.clear()
    median = clone(model).set_params(quantiles=[0.5]).fit(X, y)
    np.testing.assert_array_equal(median.predict_quantiles(X)[:, :, 0], points)
    assert calls == [None] * len(X)


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("quantiles, message", [
    ((0.0, 0.5), "strictly between 0 and 1"),
    ((0.5, 1.0), "strictly between 0 and 1"),
    ((-0.1, 0.5), "strictly between 0 and 1"),
    ((0.1, np.nan), "strictly between 0 and 1"),
    ((0.1, 0.1, 0.9), "distinct"),
    ((0.9, 0.5, 0.1), "increasing order"),
    ([[0.1, 0.9]], "1-D"),
    ([], "non-empty"),
    (["low", "high"], "numbers in"),
    (0.5, "'quantiles' parameter"),  # a scalar: scikit-learn's parameter validation
    ("0.5", "'quantiles' parameter"),
])
@pytest.mark.parametrize("cls", [NaiveForecaster, ETSForecaster])
def test_bad_quantiles_are_refused_at_fit(cls, quantiles, message):
    with pytest.raises(ValueError, match=message):
        cls(quantiles=quantiles).fit(np.ones((2, 8)) + np.arange(8), np.zeros(2))


@pytest.mark.parametrize("quantiles", [(0.9, 0.5, 0.1), (0.1, 0.5, 0.5, 0.9), [[0.1, 0.5, 0.9]],
                                       (0.1, 0.5, 1.0), ()])
def test_the_attention_model_and_the_baselines_refuse_the_same_quantiles(quantiles):
    """One rule and one message for every model with ``quantiles=`` (the attention model sorted
    unsorted quantiles silently while the baselines refused them)."""
    X = np.ones((4, 8)) + np.arange(8)
    messages = []
    for model in (NaiveForecaster(quantiles=quantiles), ETSForecaster(quantiles=quantiles),
                  AttentionForecaster(loss="pinball", quantiles=quantiles, max_epochs=1,
                                      patch_len=4, d_model=8, n_heads=1, n_layers=1)):
        with pytest.raises(ValueError, match="quantiles must") as error:
            model.fit(X, np.zeros(4))
        messages.append(str(error.value))
    assert messages[0] == messages[1] == messages[2]
    with pytest.raises(ValueError, match="quantiles must"):
        make_attention_ensemble((8,), season_length=1, quantiles=quantiles)


@pytest.mark.parametrize("cls", ALL)
def test_quantile_methods_need_quantiles(cls):
    X = np.ones((3, 8)) + np.arange(8)
    model = cls().fit(X, np.zeros((3, 2)))
    assert model.quantiles_ is None
    with pytest.raises(ValueError, match=rf"{cls.__name__}.predict_quantiles needs quantiles.*"
                                         r"set quantiles="):
        model.predict_quantiles(X)
    with pytest.raises(ValueError, match=r"forecast_quantiles needs quantiles.*set quantiles="):
        model.forecast_quantiles(X[0])


@pytest.mark.parametrize("cls", ALL)
def test_a_history_of_one_value_has_no_interval(cls):
    # no forecast error to estimate a spread from: an error, not NaN nor a zero-width interval
    # (automatic ARIMA's own interval for one value has zero width)
    model = cls(quantiles=(0.1, 0.9)).fit(np.ones((3, 1)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"each of the 3 window\(s\) of X has 1 value; "
                                         r"prediction intervals need at least 2 values"):
        model.predict_quantiles(np.ones((3, 1)))
    with pytest.raises(ValueError, match="the history has 1 value; prediction intervals need "
                                         "at least 2 values"):
        model.forecast_quantiles([5.0])
    model.predict(np.ones((3, 1)))  # points are fine
    # two values are enough
    assert np.all(np.isfinite(model.forecast_quantiles([5.0, 6.0], steps=3)))


@pytest.mark.parametrize("cls", ALL)
def test_bad_steps_and_histories(cls):
    model = cls(quantiles=(0.1, 0.9)).fit(np.ones((3, 8)) + np.arange(8), np.zeros((3, 2)))
    for steps in (0, 2.5, True):
        with pytest.raises(ValueError, match="steps"):
            model.forecast_quantiles(np.arange(8.0), steps)
    with pytest.raises(ValueError, match="NaN"):
        model.forecast_quantiles([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="features"):
        model.predict_quantiles(np.ones((3, 7)))


def test_intervals_beyond_float64_are_an_error():
    model = NaiveForecaster(quantiles=(0.1, 0.9)).fit(np.ones((1, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="overflowed"):
        model.forecast_quantiles([-1.7e308, 1.7e308, -1.7e308])
    # large but representable values: the spread is computed without overflowing its squares
    assert np.all(np.isfinite(model.forecast_quantiles([1e200, -1e200, 1e200])))


# ------------------------------------------------------------------------------------------
# Short windows, constant windows, fallbacks
# ------------------------------------------------------------------------------------------
def test_short_windows_get_the_intervals_of_the_model_they_get():
    X = np.array([[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]])  # 6 values: ETS needs 7
    q = (0.1, 0.5, 0.9)
    naive = _fit(NaiveForecaster(quantiles=q)).forecast_quantiles(X[0], 3)
    ets = ETSForecaster(quantiles=q).fit(X, np.zeros((1, 3)))
    np.testing.assert_array_equal(ets.predict_quantiles(X)[0], naive)
    theta = ThetaForecaster(quantiles=q).fit(X[:, :3], np.zeros((1, 3)))
    np.testing.assert_array_equal(theta.predict_quantiles(X[:, :3])[0],
                                  _fit(NaiveForecaster(quantiles=q)).forecast_quantiles(X[0, :3], 3))
    arima = ARIMAForecaster((2, 1, 2), quantiles=q).fit(X, np.zeros((1, 3)))
    np.testing.assert_array_equal(arima.predict_quantiles(X)[0], naive)


@pytest.mark.parametrize("cls", LIBRARY)
@pytest.mark.parametrize("length", [2, 3, 4, 5, 10, 12, 23])
def test_short_windows_give_finite_ordered_intervals(cls, length):
    rng = np.random.default_rng(length)
    X = 5 + rng.normal(size=(3, length))
    model = cls(season_length=12, quantiles=(0.1, 0.5, 0.9)).fit(X, np.zeros((3, 5)))
    with warnings.catch_warnings():
        # AutoARIMA's infinite bounds on some windows of 3 values are fallbacks (warned);
        # Theta warns of too few residuals on 4 values
        warnings.simplefilter("ignore")
        quantiles = model.predict_quantiles(X)
    assert quantiles.shape == (3, 5, 3)
    assert np.all(np.isfinite(quantiles))
    assert np.all(quantiles[:, :, 2] - quantiles[:, :, 0] > 0)  # none silently of zero width


@pytest.mark.parametrize("cls", ALL)
def test_a_constant_history_has_zero_width(cls):
    # documented: every forecast error of a constant history is zero, so is the width (ETS's
    # maximum likelihood fit leaves a sigma of ~1e-6 of the level)
    params = {} if cls is NaiveForecaster else {"season_length": 4}
    model = cls(quantiles=(0.1, 0.5, 0.9), **params).fit(np.ones((1, 30)), np.zeros((1, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no fallback
        quantiles = model.forecast_quantiles(np.full(30, 7.0), steps=5)
    if cls is ETSForecaster:
        np.testing.assert_allclose(quantiles, 7.0, rtol=1e-5)
    else:
        np.testing.assert_array_equal(quantiles, 7.0)


def test_nan_bounds_from_the_library_give_the_fallback_intervals_with_one_warning(monkeypatch):
    # the library's mean is fine but a bound is NaN on the windows that start with a negative
    # value: those windows get the fallback's intervals, counted in ONE warning, never NaN
    original = statsforecast_models.AutoETS.forecast

    def nan_bounds(self, y, h, level=None, **kwargs):
        result = original(self, y=y, h=h, level=level, **kwargs)
        if level is not None and y[0] < 0:
            result = {**result, f"hi-{level[0]}": np.full(h, np.nan)}
        return result

    monkeypatch.setattr(statsforecast_models.AutoETS, "forecast", nan_bounds)
    series = _airline()[:48]
    X = np.stack([series[:40], series[8:], series[4:44]])
    X[1, 0] = -X[1, 0]
    X[2, 0] = -X[2, 0]
    q = (0.1, 0.5, 0.9)
    model = ETSForecaster(season_length=12, quantiles=q).fit(X, np.zeros((3, 6)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the point forecasts need no fallback
        points = model.predict(X)
    with pytest.warns(BaselineFallbackWarning, match="on 2 of 3 window") as record:
        quantiles = model.predict_quantiles(X)
    assert len(record) == 1
    assert record[0].filename == __file__  # it points at the caller of predict_quantiles
    assert np.all(np.isfinite(quantiles))
    # the fallback: seasonal naive, with its intervals (the windows hold a full season)
    fallback = SeasonalNaiveForecaster(12, quantiles=q).fit(X, np.zeros((3, 6)))
    np.testing.assert_array_equal(quantiles[1:], fallback.predict_quantiles(X[1:]))
    np.testing.assert_array_equal(quantiles[0], clone(model).fit(X[:1], np.zeros((1, 6)))
                                  .predict_quantiles(X[:1])[0])
    np.testing.assert_array_equal(quantiles[0, :, 1], points[0])
    with pytest.warns(BaselineFallbackWarning, match="on 1 of 1 window"):
        np.testing.assert_array_equal(model.forecast_quantiles(X[1]), quantiles[1])


def test_crossing_library_bounds_are_sorted(monkeypatch):
    # a safety net for the simulated intervals (Theta's 200 paths): bounds that cross come out
    # as a non-decreasing quantile function, the same values rearranged
    # (ThetaForecaster fits AutoTheta and calls its predict: frequencies trial, session 33)
    original = statsforecast_models.AutoTheta.predict

    def crossing(self, h, level=None, **kwargs):
        result = dict(original(self, h=h, level=level, **kwargs))
        if level is not None:
            result["lo-80.0"], result["hi-80.0"] = result["hi-80.0"], result["lo-80.0"]
        return result

    series = _airline()[:48]
    model = ThetaForecaster(quantiles=(0.1, 0.5, 0.9)).fit(series[None], np.zeros((1, 6)))
    expected = model.forecast_quantiles(series)
    monkeypatch.setattr(statsforecast_models.AutoTheta, "predict", crossing)
    np.testing.assert_array_equal(model.forecast_quantiles(series), expected)


def test_a_library_failure_gives_the_naive_intervals():
    X = np.array([[1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 3.0, 5.0],
                  [-1.0, 2.0, -3.0, 2.0, 3.0, -4.0, 3.0, 1.0]])  # multiplicative error: fails
    q = (0.05, 0.5, 0.95)
    model = ETSForecaster(model="MNN", quantiles=q).fit(X, np.zeros((2, 3)))
    with pytest.warns(BaselineFallbackWarning, match="on 1 of 2 window"):
        quantiles = model.predict_quantiles(X)
    naive = NaiveForecaster(quantiles=q).fit(X, np.zeros((2, 3)))
    np.testing.assert_array_equal(quantiles[1], naive.predict_quantiles(X[1:])[0])


# ------------------------------------------------------------------------------------------
# backtest(interval=...): one fit of each history for the point forecast and the intervals
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("quantiles", [(0.1, 0.5, 0.9), (0.025, 0.1, 0.9, 0.975)])
def test_one_fit_gives_what_forecast_and_forecast_quantiles_give(cls, quantiles):
    series = _airline()
    model = cls(season_length=12, quantiles=quantiles) if cls is not NaiveForecaster else \
        cls(quantiles=quantiles)
    model.fit(series[None, :36], np.zeros((1, 6)))
    # a long history, one shorter than two seasons (a non-seasonal model), a constant one and
    # a 2-D history with a covariate column
    for history, steps in ((series[:100], 18), (series[:20], 7), (np.full(30, 5.0), 4),
                           (np.column_stack([series[:40], series[:40] * 0]), 3)):
        if history.ndim == 2:
            model = clone(model).fit(history[None, :36], np.zeros((1, 6)))
        point, bounds = model._forecast_with_quantiles(history, steps)
        np.testing.assert_array_equal(point, model.forecast(history, steps))
        np.testing.assert_array_equal(bounds, model.forecast_quantiles(history, steps))


@pytest.mark.parametrize("cls", LIBRARY)
def test_backtest_fits_each_history_once_for_its_intervals(cls, monkeypatch):
    # forecast and forecast_quantiles each fitted the library's model: two fits of every
    # history at every origin (ETS on an M3 series: 75 + 84 ms)
    calls = _library_calls(cls, monkeypatch)
    series = [_airline()[:60], _airline()[40:110], 2.0 * _airline()[80:]]
    model = cls(season_length=12, quantiles=(0.1, 0.5, 0.9))
    table, forecasts = backtest({"m": model}, series, horizon=6, window=24, season_length=12,
                                n_origins=2, interval=[0.8], return_forecasts=True)
    assert calls == [[80.0]] * 6  # 3 series x 2 origins, one call each
    assert calls.fits == (6 if cls is ThetaForecaster else 0)  # Theta's fits, one each
    # the same values as the two calls: the 0.5 column is forecast's value
    calls.clear()
    fitted = clone(model).fit(series[0][None, :24], np.zeros((1, 6)))
    quantiles, bounds = forecasts["__quantiles__"]["m"]  # (n_origins, n_series, horizon, Q)
    np.testing.assert_array_equal(quantiles, [0.1, 0.5, 0.9])
    for k in range(2):
        for i, values in enumerate(series):
            history = values[:forecasts["__origins__"][k, i]]
            np.testing.assert_array_equal(forecasts["m"][k, i], fitted.forecast(history, 6))
            np.testing.assert_array_equal(bounds[k, i], fitted.forecast_quantiles(history, 6))


def test_a_failed_interval_fit_keeps_the_point_forecast_of_its_own_fit(monkeypatch):
    # the library fails only when asked for intervals: the point forecast is forecast's (the
    # library's mean), not the fallback's, and the intervals are the fallback's, as with two calls
    original = statsforecast_models.AutoETS.forecast

    def failing_with_level(self, y, h, level=None, **kwargs):
        if level is not None:
            raise RuntimeError("no intervals")
        return original(self, y=y, h=h, **kwargs)

    monkeypatch.setattr(statsforecast_models.AutoETS, "forecast", failing_with_level)
    series = _airline()[:60]
    model = ETSForecaster(season_length=12, quantiles=(0.1, 0.5, 0.9))
    model.fit(series[None, :36], np.zeros((1, 6)))
    with pytest.warns(BaselineFallbackWarning, match="on 1 of 1 window") as record:
        point, bounds = model._forecast_with_quantiles(series, 6)
    assert len(record) == 1  # the point forecast's own fit succeeded
    np.testing.assert_array_equal(point, model.forecast(series, 6))
    fallback = SeasonalNaiveForecaster(12, quantiles=(0.1, 0.5, 0.9)).fit(series[None, :36],
                                                                         np.zeros((1, 6)))
    np.testing.assert_array_equal(bounds, fallback.forecast_quantiles(series, 6))


# ------------------------------------------------------------------------------------------
# scikit-learn: parameters, clone, pickle, the estimator checks, n_jobs
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_quantiles_is_a_keyword_parameter(cls):
    assert cls().get_params()["quantiles"] is None
    model = cls(quantiles=(0.1, 0.5, 0.9))
    assert clone(model).get_params()["quantiles"] == (0.1, 0.5, 0.9)
    kind = inspect.signature(cls).parameters["quantiles"].kind
    assert kind is inspect.Parameter.KEYWORD_ONLY
    X = np.ones((2, 10)) + np.arange(10)
    fitted = model.fit(X, np.zeros((2, 3)))
    assert isinstance(fitted.quantiles_, np.ndarray) and fitted.quantiles_.dtype == np.float64
    np.testing.assert_array_equal(fitted.quantiles_, [0.1, 0.5, 0.9])
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_quantiles(X), fitted.predict_quantiles(X))
    # refitting without quantiles clears them
    assert fitted.set_params(quantiles=None).fit(X, np.zeros((2, 3))).quantiles_ is None


# the checks of tests/test_baselines.py again, with quantiles set (the cheap models: automatic
# ARIMA's checks take minutes)
@parametrize_with_checks(
    [NaiveForecaster(quantiles=(0.1, 0.5, 0.9)),
     SeasonalNaiveForecaster(3, quantiles=(0.1, 0.5, 0.9)),
     ETSForecaster(quantiles=(0.1, 0.5, 0.9))])
def test_sklearn_estimator_checks_with_quantiles(estimator, check):
    check(estimator)


@pytest.mark.parametrize("model", [
    ETSForecaster(season_length=4), ThetaForecaster(season_length=4),
    ARIMAForecaster(season_length=4),
], ids=["ets", "theta", "arima"])
def test_n_jobs_gives_the_same_intervals(model):
    rng = np.random.default_rng(0)
    X = 20 + np.cumsum(rng.normal(size=(6, 24)), axis=1) + np.tile([0, 2, 0, -2], 6)
    y = np.zeros((6, 3))
    model = clone(model).set_params(quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))
    serial = clone(model).set_params(n_jobs=1).fit(X, y).predict_quantiles(X)
    parallel = clone(model).set_params(n_jobs=2).fit(X, y).predict_quantiles(X)
    np.testing.assert_array_equal(serial, parallel)
    assert np.all(np.isfinite(serial))


# ------------------------------------------------------------------------------------------
# The ensemble
# ------------------------------------------------------------------------------------------
def test_an_ensemble_of_baselines_combines_their_quantiles():
    q = (0.1, 0.5, 0.9)
    series = _airline()[:96]
    X, y = make_windows(series, window=36, horizon=6, step=6)
    members = [("naive", NaiveForecaster(quantiles=q)),
               ("seasonal", SeasonalNaiveForecaster(12, quantiles=q)),
               ("ets", ETSForecaster(12, quantiles=q))]
    ensemble = ForecastEnsemble(members).fit(X, y)
    np.testing.assert_array_equal(ensemble.quantiles_, q)
    each = np.stack([member.predict_quantiles(X[-3:]) for member in ensemble.estimators_])
    combined = ensemble.predict_quantiles(X[-3:])
    assert combined.shape == (3, 6, 3)
    np.testing.assert_array_equal(combined, np.median(each, axis=0))
    np.testing.assert_array_equal(combined[:, :, 1], ensemble.predict(X[-3:]))
    # forecast_quantiles: the baselines fit the whole history, as alone (session 27; they read
    # the last window of 36 before, as predict_quantiles gives them)
    intervals = ensemble.forecast_quantiles(series)
    alone = np.stack([member.forecast_quantiles(series) for member in ensemble.estimators_])
    np.testing.assert_array_equal(intervals, np.median(alone, axis=0))
    assert not np.allclose(intervals, ensemble.predict_quantiles(series[None, -36:])[0])
    mean = ForecastEnsemble(members, aggregate="mean").fit(X, y)
    np.testing.assert_allclose(mean.predict_quantiles(X[-3:]), each.mean(axis=0), rtol=1e-12)
    # a member without quantiles: the ensemble has none
    mixed = ForecastEnsemble(members[:2] + [("ets", ETSForecaster(12))]).fit(X, y)
    assert mixed.quantiles_ is None
    with pytest.raises(ValueError, match="the same quantiles"):
        mixed.predict_quantiles(X[-3:])


# ------------------------------------------------------------------------------------------
# Coverage
# ------------------------------------------------------------------------------------------
def test_naive_intervals_cover_random_walks_at_their_level():
    # 2,000 gaussian random walks of 60 values and the 10 after them: the naive model is the
    # true one, so its 80% intervals should cover 80% of the values at every step. Each
    # coverage is a binomial proportion over 2,000 independent walks, of standard error
    # sqrt(0.8 * 0.2 / 2000) = 0.0089; sigma estimated from 59 changes makes the intervals
    # t-like, which lowers the expected coverage to ~0.795. The tolerance, 0.03, is 3.4
    # standard errors (a false alarm 1 in ~1,500 seeds; fixed here); too narrow or too wide an
    # interval by the sqrt(h) growth (0.31 / 0.99 coverage at step 10), or a 90% interval
    # taken for an 80% one (0.90), fails by far.
    rng = np.random.default_rng(20240)
    walks = np.cumsum(rng.normal(size=(2000, 70)), axis=1)
    history, future = walks[:, :60], walks[:, 60:]
    model = NaiveForecaster(quantiles=(0.1, 0.9)).fit(history, future)
    quantiles = model.predict_quantiles(history)  # (2000, 10, 2)
    covered = (quantiles[:, :, 0] <= future) & (future <= quantiles[:, :, 1])  # (2000, 10)
    coverage = covered.mean(axis=0)
    assert abs(coverage[0] - 0.8) < 0.03, coverage
    assert abs(coverage[9] - 0.8) < 0.03, coverage


@pytest.mark.parametrize("model", [ThetaForecaster(12),
                                   ETSForecaster(12, model="MMN", damped=True)],
                         ids=["theta", "ets-mmn"])
def test_the_median_column_stays_the_point_forecast_on_a_fine_grid(model):
    # the simulated intervals' 55% quantile can lie below the mean: sorting moved the mean out
    # of the 0.5 column (Theta, 0.05 to 0.95: 20 of 240 values; ETS MMN at 0.49/0.5/0.51: 218;
    # review, session 19). The 0.5 column is predict's, and the bounds are held to it
    quantiles = np.round(np.arange(0.05, 0.96, 0.05), 2)
    series = _airline()
    X, y = make_windows(series, 48, 12)
    fitted = clone(model).set_params(quantiles=quantiles).fit(X[-2:], y[-2:])
    out = fitted.predict_quantiles(X[-2:])  # (2, 12, 19)
    middle = int(np.flatnonzero(quantiles == 0.5)[0])
    np.testing.assert_array_equal(out[..., middle], fitted.predict(X[-2:]))
    assert np.all(np.diff(out, axis=-1) >= 0)
    np.testing.assert_array_equal(fitted.forecast_quantiles(series, 12)[:, middle],
                                  fitted.forecast(series, 12))


def test_workers_run_under_the_callers_warning_filters():
    # with n_jobs > 1 statsforecast's own warnings were printed in the workers, and an "error"
    # filter on one of them made a window fall back with n_jobs=1 only: other forecasts for
    # another n_jobs (review, session 19)
    X = np.array([[1.0, 3.0, 2.0, 5.0], [2.0, 4.0, 3.0, 7.0], [5.0, 3.0, 4.0, 6.0],
                  [1.0, 2.0, 4.0, 3.0]])
    seen, out = {}, {}
    for n_jobs in (1, 2):
        model = ThetaForecaster(quantiles=(0.1, 0.5, 0.9), n_jobs=n_jobs).fit(X, np.zeros((4, 2)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            plain = model.predict_quantiles(X)
        seen[n_jobs] = sorted(str(w.message)[:40] for w in caught)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("error", message="Too few residuals")
            out[n_jobs] = model.predict_quantiles(X), plain
        seen[n_jobs, "error"] = [type(w.message).__name__ for w in caught]
    assert seen[1] == seen[2] and any("Too few residuals" in text for text in seen[1])
    assert seen[1, "error"] == seen[2, "error"] == ["BaselineFallbackWarning"]
    for fallen, plain in (out[1], out[2]):
        assert not np.array_equal(fallen, plain)  # the filter made the windows fall back
    np.testing.assert_array_equal(out[1][0], out[2][0])
    np.testing.assert_array_equal(out[1][1], out[2][1])


def test_a_pickle_from_before_quantiles_loads_whole():
    # a baseline pickled by an older version has no quantiles parameter: get_params, repr and
    # clone failed after loading (review, session 19)
    X = np.tile(np.arange(10.0), (2, 1))
    model = NaiveForecaster().fit(X, np.zeros((2, 3)))
    state = model.__getstate__()
    for attribute in ("quantiles", "quantiles_", "_fit_settings"):
        state.pop(attribute)
    old = NaiveForecaster.__new__(NaiveForecaster)
    old.__setstate__(state)
    assert old.get_params()["quantiles"] is None and old.quantiles_ is None
    assert repr(old) == "NaiveForecaster()"
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    np.testing.assert_array_equal(clone(old).fit(X, np.zeros((2, 3))).predict(X), model.predict(X))
    with pytest.raises(ValueError, match="fitted with quantiles=None"):
        old.forecast_quantiles(X[0])
