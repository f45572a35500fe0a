"""MSTLForecaster: several seasonal periods (statsforecast's MSTL), against statsforecast called
directly, its parameters, the short-window rules, the fallback, intervals, max_history, pickling
and scikit-learn's estimator checks. Small series with seasons of 4 and 12 steps keep it fast."""
import pickle
import re
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import make_windows
from skattn.baselines import (
    BaselineFallbackWarning,
    ETSForecaster,
    MSTLForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
)

statsforecast_models = pytest.importorskip("statsforecast.models")

QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
LEVELS = {0.025: 95.0, 0.1: 80.0, 0.9: 80.0, 0.975: 95.0}
TRENDS = {
    "ets": lambda: statsforecast_models.AutoETS(model="ZZN"),
    "arima": lambda: statsforecast_models.AutoARIMA(season_length=1),
    "theta": lambda: statsforecast_models.AutoTheta(season_length=1, model="DOTM"),
}


def _two_seasons(n, seed=0):
    """Cycles of 4 and 12 steps on a slow trend, with noise: (n,)."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return (50 + 3 * np.sin(2 * np.pi * t / 4) + 5 * np.sin(2 * np.pi * t / 12 + 1) + 0.1 * t
            + rng.normal(0, 0.5, n))


def _fitted(model, horizon=6):
    """``model`` fitted on windows of 48 values (fit learns only the horizon)."""
    X, y = make_windows(_two_seasons(96), window=48, horizon=horizon, step=12)
    return model.fit(X, y)


def _statsforecast(y, steps, periods, trend="ets", quantiles=None):
    """statsforecast's own forecast of ``y``: MSTL with ``periods``, or the trend model alone
    when there is none; the mean (steps,), or with ``quantiles`` (steps, Q) read from its
    bounds by the documented mapping."""
    model = (TRENDS[trend]() if not periods else statsforecast_models.MSTL(
        season_length=list(periods), trend_forecaster=TRENDS[trend]()))
    levels = None if quantiles is None else sorted({LEVELS[q] for q in quantiles if q != 0.5})
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.forecast(y=y, h=steps, level=levels)
    if quantiles is None:
        return np.asarray(result["mean"], dtype=np.float64)
    return np.column_stack([
        np.asarray(result["mean"] if q == 0.5 else
                   result[f"{'lo' if q < 0.5 else 'hi'}-{LEVELS[q]}"], dtype=np.float64)
        for q in quantiles
    ])


# ------------------------------------------------------------------------------------------
# scikit-learn: the checks the other baselines pass, with the default parameters (no season:
# the trend model alone) and with two periods that windows of 6 to 10 values hold twice
# ------------------------------------------------------------------------------------------
@parametrize_with_checks([MSTLForecaster(),
                          MSTLForecaster(season_length=(2, 3), quantiles=(0.1, 0.5, 0.9))])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_only_poor_score_weakens_the_checks():
    tags = MSTLForecaster().__sklearn_tags__()
    assert tags.regressor_tags.poor_score is True
    assert tags.input_tags.three_d_array is True
    assert tags.non_deterministic is False
    assert tags.input_tags.allow_nan is False
    assert tags._skip_test is False


def test_exported_like_its_siblings():
    import skattn.baselines

    assert "MSTLForecaster" in skattn.baselines.__all__
    assert MSTLForecaster().local_model is True
    assert "{quantiles}" not in MSTLForecaster.__doc__ and "Examples" in MSTLForecaster.__doc__


# ------------------------------------------------------------------------------------------
# Against statsforecast
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("trend", list(TRENDS))
def test_forecasts_equal_statsforecast_called_directly(trend):
    model = _fitted(MSTLForecaster((12, 4), trend=trend, quantiles=QUANTILES))
    series = _two_seasons(96, seed=1)
    # both periods, the shorter only (< 24 values), none held twice (the trend model alone)
    for history, periods in ((series, (4, 12)), (series[:20], (4,)), (series[:7], ())):
        expected = _statsforecast(history, 30, periods, trend)
        # 30 steps, beyond the horizon of 6
        np.testing.assert_allclose(model.forecast(history, 30), expected, rtol=1e-10, atol=0)
        expected = _statsforecast(history, 30, periods, trend, QUANTILES)
        np.testing.assert_allclose(model.forecast_quantiles(history, 30), expected,
                                   rtol=1e-10, atol=0)
    if trend == "arima":
        return  # about 0.2 s per AutoARIMA fit: the histories above cover it
    # predict fits each window in the same way
    X = np.stack([series[:48], series[20:68]])
    np.testing.assert_allclose(model.predict(X),
                               [_statsforecast(row, 6, (4, 12), trend) for row in X], rtol=1e-10)


def test_two_seasons_beat_seasonal_naive_on_the_shorter_season():
    for seed in range(3):
        series = _two_seasons(120, seed=seed)
        train, test = series[:96], series[96:]
        mstl = _fitted(MSTLForecaster((4, 12)), horizon=24)
        short = _fitted(SeasonalNaiveForecaster(4), horizon=24)
        only_short = _fitted(MSTLForecaster(4), horizon=24)
        error = np.mean(np.abs(mstl.forecast(train, 24) - test))
        # measured 0.36 to 0.48 against 4.1 to 4.2 (the 12-step cycle has an amplitude of 5)
        assert error < 0.25 * np.mean(np.abs(short.forecast(train, 24) - test))
        assert error < 0.5 * np.mean(np.abs(only_short.forecast(train, 24) - test))
        assert error < 1.0  # the noise has a standard deviation of 0.5


def test_forecast_beyond_the_horizon_is_one_library_call(monkeypatch):
    model = _fitted(MSTLForecaster((4, 12)))
    series = _two_seasons(96, seed=2)
    long = model.forecast(series, 144)
    assert long.shape == (144,) and np.all(np.isfinite(long))
    for steps in (1, 6, 18, 50):
        np.testing.assert_array_equal(model.forecast(series, steps), long[:steps])
    # one fit of the history for all 144 values, not a refit per horizon
    calls = []
    original = statsforecast_models.MSTL.forecast

    def recording(self, *args, **kwargs):
        calls.append(kwargs["h"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(statsforecast_models.MSTL, "forecast", recording)
    np.testing.assert_array_equal(model.forecast(series, 144), long)
    assert calls == [144]
    # the seasons continue: 12 steps apart the seasonal forecast repeats, so the differences
    # are the trend model's alone (constant for a straight line, no damping here)
    assert np.std(long[12:] - long[:-12]) < 0.5


def test_period_order_does_not_matter_and_numpy_integers_are_read():
    series = _two_seasons(96)
    expected = _fitted(MSTLForecaster((4, 12))).forecast(series, 6)
    for season_length in ([12, 4], np.array([12, 4], dtype=np.uint8), (np.int64(4), 12)):
        model = _fitted(MSTLForecaster(season_length))
        np.testing.assert_array_equal(model.forecast(series, 6), expected)
        assert model.get_params()["season_length"] is season_length  # stored as given
    # one period: an int, a one-element sequence or a 0-d array
    single = _fitted(MSTLForecaster(12)).forecast(series, 6)
    for season_length in ([12], np.array(12)):
        np.testing.assert_array_equal(_fitted(MSTLForecaster(season_length)).forecast(series, 6),
                                      single)
    # a period of 1 has no season
    np.testing.assert_array_equal(_fitted(MSTLForecaster((1, 12))).forecast(series, 6), single)


def test_settings_are_those_of_the_fit():
    series = _two_seasons(96)
    periods = [4, 12]
    model = _fitted(MSTLForecaster(periods))
    before = model.forecast(series, 6)
    periods.append(24)  # the list given, changed after fit
    model.set_params(trend="arima")
    np.testing.assert_array_equal(model.forecast(series, 6), before)
    refit = _fitted(model).forecast(series, 6)
    assert not np.array_equal(refit, before)


# ------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, message", [
    (MSTLForecaster(season_length=0), "'season_length' parameter"),
    (MSTLForecaster(season_length=True), "Got True instead"),
    (MSTLForecaster(season_length=2.5), "'season_length' parameter"),
    (MSTLForecaster(season_length="24"), "'season_length' parameter"),
    (MSTLForecaster(season_length=[]), "non-empty sequence of ints"),
    (MSTLForecaster(season_length=[4, 0]), "ints >= 1"),
    (MSTLForecaster(season_length=[4, True]), "ints >= 1"),
    (MSTLForecaster(season_length=[4.0, 12.0]), "ints >= 1"),
    (MSTLForecaster(season_length=np.array([4.0, 12.0])), "ints >= 1"),
    (MSTLForecaster(season_length=[[4, 12]]), "ints >= 1"),
    (MSTLForecaster(season_length=(12, 4, 12)), "distinct periods.*12 is repeated"),
    (MSTLForecaster(trend="naive"), "'trend' parameter"),
    (MSTLForecaster(quantiles=(0.9, 0.1)), "increasing order"),
    (MSTLForecaster(max_history=1), "max_history"),
    (MSTLForecaster(n_jobs=0), "'n_jobs' parameter"),
])
def test_bad_parameters_are_refused_at_fit(model, message):
    with pytest.raises(ValueError, match=message):
        model.fit(np.ones((2, 8)) + np.arange(8), np.zeros(2))


def test_missing_library_says_which_extra_to_install(monkeypatch):
    for name in [m for m in sys.modules if m == "statsforecast" or m.startswith("statsforecast.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)
    model = MSTLForecaster((4, 12))  # constructing needs nothing
    with pytest.raises(ImportError, match="MSTLForecaster needs the statsforecast library.*" +
                       re.escape('pip install "skattn[baselines]"')):
        model.fit(np.ones((2, 30)) + np.arange(30), np.zeros(2))


# ------------------------------------------------------------------------------------------
# Short windows and the fallback
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [1, 2, 3, 5, 6, 7, 8, 10, 23, 24])
def test_short_windows_give_finite_forecasts_without_warnings(length):
    X = _two_seasons(3 * length).reshape(3, length)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pred = MSTLForecaster((4, 12)).fit(X, np.zeros((3, 5))).predict(X)
    assert pred.shape == (3, 5) and np.all(np.isfinite(pred))


def test_short_window_rules():
    series = _two_seasons(30)
    for trend, minimum in (("ets", 7), ("theta", 4), ("arima", 1)):
        model = _fitted(MSTLForecaster((2, 12), trend=trend))
        if minimum > 1:  # below the trend model's minimum: the naive forecast
            np.testing.assert_array_equal(model.forecast(series[:minimum - 1], 4),
                                          np.full(4, series[minimum - 2]))
        # from the minimum on, the library's model: the period of 2 is held twice
        n = max(minimum, 4)
        np.testing.assert_allclose(model.forecast(series[:n], 4),
                                   _statsforecast(series[:n], 4, (2,), trend), rtol=1e-10)
    # a window holding no period twice: the trend model alone, as ETSForecaster(model="ZZN")
    model = _fitted(MSTLForecaster((12, 24)))
    ets = _fitted(ETSForecaster(model="ZZN"))
    np.testing.assert_array_equal(model.forecast(series[:23], 5), ets.forecast(series[:23], 5))
    assert not np.array_equal(model.forecast(series[:24], 5), ets.forecast(series[:24], 5))


def test_a_library_failure_falls_back_to_the_longest_period_held(monkeypatch):
    def failing(self, *args, **kwargs):
        raise RuntimeError("decomposition failed")

    monkeypatch.setattr(statsforecast_models.MSTL, "forecast", failing)
    series = _two_seasons(30)
    X = np.stack([series[:24], series[6:30]])  # hold 4 and 12 twice, 24 once
    model = MSTLForecaster((4, 12, 24), quantiles=(0.1, 0.5, 0.9)).fit(X, np.zeros((2, 6)))
    with pytest.warns(BaselineFallbackWarning, match=r"on 2 of 2 window.*longest period the "
                                                     r"window holds.*\(4, 12, 24\)") as record:
        pred = model.predict(X)
    assert len(record) == 1
    seasonal = SeasonalNaiveForecaster(24, quantiles=(0.1, 0.5, 0.9)).fit(X, np.zeros((2, 6)))
    np.testing.assert_array_equal(pred, seasonal.predict(X))
    with pytest.warns(BaselineFallbackWarning, match="on 1 of 1 window"):
        quantiles = model.forecast_quantiles(series[:20], 6)  # holds 12 once, not 24
    np.testing.assert_array_equal(
        quantiles, _fitted(SeasonalNaiveForecaster(12, quantiles=(0.1, 0.5, 0.9)))
        .forecast_quantiles(series[:20], 6))


@pytest.mark.parametrize("scale", [1e300, 0.0])
def test_extreme_and_constant_windows_give_finite_forecasts(scale):
    X = np.random.default_rng(0).normal(size=(2, 30)) * scale + 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BaselineFallbackWarning)
        pred = MSTLForecaster((4, 12)).fit(X, np.zeros((2, 3))).predict(X)
    assert np.all(np.isfinite(pred))
    if scale == 0.0:
        np.testing.assert_allclose(pred, 5.0, rtol=1e-6)


# ------------------------------------------------------------------------------------------
# Intervals, max_history, n_jobs, pickling
# ------------------------------------------------------------------------------------------
def test_quantiles_and_the_median_is_the_point_forecast():
    series = _two_seasons(96, seed=3)
    X, y = make_windows(series, window=48, horizon=4, step=8)
    model = MSTLForecaster((4, 12), quantiles=QUANTILES).fit(X, y)
    quantiles = model.predict_quantiles(X)
    assert quantiles.shape == (len(X), 4, len(QUANTILES))
    np.testing.assert_array_equal(quantiles[:, :, QUANTILES.index(0.5)], model.predict(X))
    assert np.all(np.diff(quantiles, axis=-1) > 0)
    np.testing.assert_array_equal(model.forecast_quantiles(X[-1]), quantiles[-1])
    long = model.forecast_quantiles(series, steps=40)  # beyond the horizon, widening
    np.testing.assert_array_equal(long[:, QUANTILES.index(0.5)], model.forecast(series, 40))
    width = long[:, -1] - long[:, 0]
    assert width[-1] > width[0] > 0
    point, bounds = model._forecast_with_quantiles(series, 9)  # backtest's one fit
    np.testing.assert_array_equal(point, model.forecast(series, 9))
    np.testing.assert_array_equal(bounds, model.forecast_quantiles(series, 9))
    with pytest.raises(ValueError, match="needs quantiles"):
        clone(model).set_params(quantiles=None).fit(X, y).predict_quantiles(X)


def test_max_history_fits_the_last_values_only():
    series = _two_seasons(200, seed=4)
    recent = MSTLForecaster((4, 12), quantiles=(0.1, 0.5, 0.9), max_history=48)
    recent.fit(series[None, -100:], np.zeros((1, 6)))
    short = MSTLForecaster((4, 12), quantiles=(0.1, 0.5, 0.9))
    short.fit(series[None, -48:], np.zeros((1, 6)))
    np.testing.assert_array_equal(recent.forecast(series, 9), short.forecast(series[-48:], 9))
    np.testing.assert_array_equal(recent.forecast_quantiles(series, 6),
                                  short.forecast_quantiles(series[-48:], 6))
    np.testing.assert_array_equal(recent.predict(series[None, -100:]),
                                  short.predict(series[None, -48:]))
    assert not np.array_equal(recent.forecast(series, 9), short.forecast(series, 9))


def test_n_jobs_gives_the_same_result():
    X = np.stack([_two_seasons(30, seed=seed) for seed in range(4)])
    model = MSTLForecaster((3, 6), quantiles=(0.1, 0.5, 0.9))
    serial = clone(model).set_params(n_jobs=1).fit(X, np.zeros((4, 3)))
    parallel = clone(model).set_params(n_jobs=2).fit(X, np.zeros((4, 3)))
    quantiles = parallel.predict_quantiles(X)
    np.testing.assert_array_equal(serial.predict_quantiles(X), quantiles)
    np.testing.assert_array_equal(serial.predict(X), quantiles[:, :, 1])


def test_pickle_round_trip():
    X = np.stack([_two_seasons(48, seed=seed) for seed in range(2)])
    model = MSTLForecaster([12, 4], quantiles=(0.1, 0.5, 0.9)).fit(X, np.zeros((2, 5)))
    restored = pickle.loads(pickle.dumps(model))
    assert repr(restored) == repr(model)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.predict_quantiles(X), model.predict_quantiles(X))
    np.testing.assert_array_equal(clone(restored).fit(X, np.zeros((2, 5))).predict(X),
                                  model.predict(X))


def test_three_d_windows_use_the_target_channel():
    rng = np.random.default_rng(0)
    X3 = np.stack([_two_seasons(30, seed=1), rng.normal(size=30)], axis=-1)[None]  # (1, 30, 2)
    model = MSTLForecaster((4, 12)).fit(X3, np.zeros((1, 3)))
    plain = MSTLForecaster((4, 12)).fit(X3[:, :, 0], np.zeros((1, 3)))
    np.testing.assert_array_equal(model.predict(X3), plain.predict(X3[:, :, 0]))
    np.testing.assert_array_equal(model.forecast(X3[0], 3), plain.forecast(X3[0, :, 0], 3))


def test_naive_is_the_default_seasonless_short_window_forecast():
    # the default season_length=1 and windows of 6 values: NaiveForecaster's forecast
    X = _two_seasons(12).reshape(2, 6)
    np.testing.assert_array_equal(MSTLForecaster().fit(X, np.zeros((2, 3))).predict(X),
                                  NaiveForecaster().fit(X, np.zeros((2, 3))).predict(X))


def test_repeated_periods_of_one_are_no_season():
    # a period of 1 is ignored, so repeating it is not the "repeated period" statsforecast would
    # lose a component of: [1, 1] was refused (review B, session 21)
    X = np.sin(np.arange(80))[None, :30] * 3 + 50 + np.arange(3)[:, None]
    y = np.zeros((3, 2))
    np.testing.assert_array_equal(MSTLForecaster([1, 1]).fit(X, y).predict(X),
                                  MSTLForecaster(1).fit(X, y).predict(X))
