"""What a serving trial found (session 29): float32 windows through the seasonal adjustment,
once-per-model warning flags in pickles, and recursive forecasts that diverge."""
import pickle
import warnings

import numpy as np
import pytest

from skattn import AttentionForecaster, DeseasonalizedForecaster, make_windows
from skattn.baselines import NaiveForecaster, ThetaForecaster


def _seasonal_windows(dtype):
    rng = np.random.default_rng(0)
    t = np.arange(48)
    X = 100 + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, (200, 48))
    return X.astype(np.float32).astype(dtype), rng.normal(100, 1, (200, 6))


def test_float32_windows_are_adjusted_as_their_float64_copy_without_a_warning():
    # float32 windows gave seasonal indices in float32: every forecast ~1e-7 apart from the
    # same values given in float64, and "overflow encountered in cast" from the test of their
    # magnitude against 1e100
    X32, y = _seasonal_windows(np.float32)
    X64 = X32.astype(np.float64)  # exactly the same values
    for fitted_on in (X64, X32):
        model = DeseasonalizedForecaster(NaiveForecaster(), season_length=12).fit(fitted_on, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            predicted = model.predict(X32)
        np.testing.assert_array_equal(predicted, model.predict(X64))
    refitted = DeseasonalizedForecaster(NaiveForecaster(), season_length=12).fit(X64, y)
    np.testing.assert_array_equal(model.predict(X64), refitted.predict(X64))


def _theta_warnings(model, history):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.forecast(history, 6)
    return [str(w.message) for w in caught if "found no season" in str(w.message)]


def test_thetas_once_per_model_flag_stays_out_of_its_pickle():
    # a served ThetaForecaster pickled its flag: the loaded copy never warned, and its bytes
    # differed from the never-served model's
    pytest.importorskip("statsforecast")
    rng = np.random.default_rng(3)
    history = 50 + rng.normal(0, 1, 30)  # 2.5 cycles of 12: too short for Theta's test
    X, y = make_windows(history, window=24, horizon=6)
    model = ThetaForecaster(season_length=12).fit(X, y)
    unserved = pickle.dumps(model)
    assert len(_theta_warnings(model, history)) == 1
    assert _theta_warnings(model, history) == []  # once per model
    assert pickle.dumps(model) == unserved
    assert len(_theta_warnings(pickle.loads(pickle.dumps(model)), history)) == 1


def test_a_diverging_recursive_forecast_names_its_step_and_the_steps_that_can_be_had():
    # fed-back forecasts that grew out of float64's range said "Give windows in smaller units",
    # about a history of values below 50 (serving trial: forecast(history, 10**6))
    rng = np.random.default_rng(0)
    series = 40 + np.cumsum(rng.normal(0, 1, 200))
    X, y = make_windows(series, window=24, horizon=6)
    model = AttentionForecaster(d_model=8, max_epochs=1, random_state=0).fit(X, y)
    # every window's forecasts 1e3 of its own spreads above its midrange: they grow each round
    model._network_outputs = lambda Xs, **kwargs: np.full((len(Xs), 6, 1), 1e3)
    with pytest.raises(ValueError) as info:
        model.forecast(series, 10_000)
    message = str(info.value)
    assert message.startswith("AttentionForecaster.forecast: the forecast of step ")
    assert "Beyond the horizon of 6, forecasts are fed back as history" in message
    assert "smaller units" not in message
    allowed = int(message.split("Forecast at most ")[1].split(" steps")[0])
    assert 6 < allowed < 10_000
    assert np.all(np.isfinite(model.forecast(series, allowed)))


@pytest.mark.parametrize("bad, error, text", [
    (None, ValueError, "X is None: give history windows"),
    (3.0, ValueError, "X must be history windows, an array-like of shape (n_samples, n_timesteps)"),
    ("abc", ValueError, "got a single value, 'abc'"),
    (np.float64(2.0), ValueError, "got a single value"),
    ({}, TypeError, "X must be history windows, an array-like of shape"),
])
def test_no_windows_at_all_are_named_so_by_every_model(bad, error, text):
    # None was "X contains 1 missing value(s) (None or pandas.NA)" at an AttentionForecaster's
    # fit and predict, and "Expected sequence or array-like" at an ensemble's predict
    from skattn import ForecastEnsemble
    X, y = make_windows(np.arange(60.0), window=12, horizon=3)
    for model in (AttentionForecaster(d_model=8, max_epochs=1, random_state=0),
                  NaiveForecaster(), ForecastEnsemble([("naive", NaiveForecaster())]),
                  DeseasonalizedForecaster(NaiveForecaster(), season_length=2)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        for call in (model.predict, lambda windows: model.fit(windows, y)):
            with pytest.raises(error) as info:
                call(bad)
            assert text in str(info.value), (type(model).__name__, str(info.value))
