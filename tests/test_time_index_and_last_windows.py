"""A pandas time index is checked (skattn.windows.check_time_index), and many series are
forecast in one predict (skattn.last_windows): user trial, session 21.

The names are looked up on the modules inside the tests (skattn.last_windows,
skattn.exceptions.TimeGapWarning), so that each test fails on its own where they are missing.
"""
import re
import warnings

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

import skattn
import skattn.exceptions
import skattn.windows
from skattn import AttentionForecaster, DeseasonalizedForecaster, LastSteps, make_windows
from skattn.baselines import SeasonalNaiveForecaster
from skattn.model_selection import PredictForecaster, backtest
from skattn.windows import left_pad

pd = pytest.importorskip("pandas")

WINDOW, HORIZON = 14, 4


def _weekly(n, level=50.0):
    t = np.arange(n)
    return level + 10 * np.sin(2 * np.pi * t / 7) + 0.1 * t


def _daily(n=60, start="2024-01-01"):
    return pd.Series(_weekly(n), index=pd.date_range(start, periods=n, freq="D"))


def _with_index(index):
    """A series on ``index`` as read from a file: a DatetimeIndex without its frequency set."""
    if isinstance(index, pd.DatetimeIndex):
        index = pd.DatetimeIndex(list(index))  # (keeps the time zone)
        assert index.freq is None
    return pd.Series(np.arange(len(index), dtype=float), index=index)


def _gap_warnings(caught):
    return [w for w in caught if w.category is skattn.exceptions.TimeGapWarning]


@pytest.fixture(scope="module")
def panel():
    # of every length around the window: longer, equal, shorter (left-padded), one value
    return [_weekly(n, level=10.0 * (k + 1)) for k, n in enumerate((60, 45, WINDOW, 9, 1))]


@pytest.fixture(scope="module")
def model(panel):
    with warnings.catch_warnings():
        # the one-value series gives no window (UserWarning); a few epochs: ConvergenceWarning
        warnings.simplefilter("ignore")
        X, y = make_windows(panel, WINDOW, HORIZON)
        return AttentionForecaster(patch_len=7, d_model=8, max_epochs=2, random_state=0).fit(X, y)


# --- the time index -----------------------------------------------------------------------------

def test_a_descending_index_is_refused_where_it_was_forecast_from_its_oldest_values(model):
    # newest first, as many SQL exports are: forecast from the oldest values, silently
    history = _daily().sort_index(ascending=False)
    with pytest.raises(ValueError, match=r"history has a DatetimeIndex that runs newest first "
                                         r"\(position 0 is 2024-02-29.*sort_index\(\)"):
        model.forecast(history, HORIZON)
    with pytest.raises(ValueError, match=r"series\[1\] has a DatetimeIndex that runs newest"):
        make_windows([_daily(), history], WINDOW, HORIZON)
    with pytest.raises(ValueError, match="runs newest first"):
        SeasonalNaiveForecaster(season_length=7).fit(
            *make_windows(_weekly(60), WINDOW, HORIZON)).forecast(history, HORIZON)
    # sorted, it is the NumPy forecast
    np.testing.assert_array_equal(model.forecast(history.sort_index(), HORIZON),
                                  model.forecast(_weekly(60), HORIZON))


def test_a_shuffled_index_duplicates_and_nat_name_the_first_offending_position():
    shuffled = _daily().iloc[[0, 1, 2, 4, 3, 5, 6]]
    with pytest.raises(ValueError, match=r"not in time order \(position 4, 2024-01-04, comes "
                                         r"before position 3, 2024-01-05\).*sort_index\(\)"):
        skattn.windows.check_time_index(shuffled, "series")
    repeated = _daily().iloc[[0, 1, 2, 2, 3]]
    with pytest.raises(ValueError, match=r"duplicate times \(position 3 repeats 2024-01-03 of "
                                         r"position 2\).*duplicated\(keep='last'\)"):
        make_windows(repeated, 2, 1)
    missing = pd.Series([1.0, 2.0, 3.0],
                        index=pd.DatetimeIndex(["2024-01-01", None, "2024-01-03"]))
    with pytest.raises(ValueError, match=r"missing time \(NaT\) at position 1"):
        skattn.windows.check_time_index(missing, "history")
    periods = pd.Series([1.0, 2.0, 3.0], index=pd.PeriodIndex(["2024-03", "2024-02", "2024-04"],
                                                               freq="M"))
    with pytest.raises(ValueError, match="PeriodIndex that is not in time order"):
        skattn.windows.check_time_index(periods, "history")


def test_missing_days_warn_naming_the_first_gap_at_the_users_line(model):
    days = _daily()
    gappy = days.drop(days.index[[30, 31, 45]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.forecast(gappy, HORIZON)
    (warning,) = _gap_warnings(caught)
    assert warning.filename == __file__  # the user's line, not one in skattn
    message = str(warning.message)
    assert "history has an irregular DatetimeIndex: its first gap is between position 29 " \
           "(2024-01-30) and position 30 (2024-02-02) (steps of 'D' around it)" in message
    assert "consecutive time steps" in message and "asfreq('D')" in message
    assert "docs/pandas.md" in message
    # make_windows (series and covariates) and backtest check them too
    gappy_days = days.index.delete(7).append(pd.DatetimeIndex(["2024-03-01"]))
    for call in (lambda: make_windows([days, gappy], WINDOW, HORIZON),
                 lambda: make_windows(days.to_numpy(), WINDOW, HORIZON,
                                      covariates=pd.Series(np.zeros(60), index=gappy_days)),
                 lambda: backtest({"naive": SeasonalNaiveForecaster(season_length=7)},
                                  [days, gappy], HORIZON, WINDOW, season_length=7)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert len(_gap_warnings(caught)) == 1
        assert _gap_warnings(caught)[0].filename == __file__


def test_a_period_index_that_skips_periods_warns():
    months = pd.period_range("2020-01", periods=24, freq="M")
    with pytest.warns(skattn.exceptions.TimeGapWarning,
                      match=r"irregular PeriodIndex: its first gap is between position 4 "
                            r"\(2020-05\) and position 5 \(2020-07\)"):
        skattn.windows.check_time_index(_with_index(months.delete(5)), "series")


@pytest.mark.parametrize("index", [
    pd.date_range("2020-01-01", periods=40, freq="MS"),
    pd.date_range("2020-01-31", periods=40, freq="ME"),
    pd.date_range("2024-01-01", periods=60, freq="B"),
    pd.date_range("2024-03-20", periods=24 * 14, freq="h", tz="Europe/Berlin"),  # spring DST
    pd.date_range("2024-10-25", periods=24 * 14, freq="h", tz="America/New_York"),  # autumn
    pd.date_range("2024-03-20", periods=30, freq="D", tz="Europe/Berlin"),  # 23-hour day
    pd.date_range("2024-01-07", periods=30, freq="W"),
    pd.date_range("2020-01-01", periods=30, freq="QS"),
    pd.date_range("2020-03-31", periods=30, freq="QE"),
    pd.period_range("2020-01", periods=30, freq="M"),
    pd.period_range("2020-01", periods=30, freq="2M"),
], ids=["month-start", "month-end", "business-day", "hourly-tz-spring", "hourly-tz-autumn",
        "daily-tz", "weekly", "quarter-start", "quarter-end", "period-month", "period-2-months"])
def test_regular_indexes_do_not_warn_even_without_a_frequency_set(index):
    with warnings.catch_warnings():
        warnings.simplefilter("error", skattn.exceptions.TimeGapWarning)
        skattn.windows.check_time_index(_with_index(index), "series")
        skattn.windows.check_time_index(pd.Series(np.zeros(len(index)), index=index), "series")
        skattn.windows.check_time_index(_with_index(index).to_frame(), "history")
    # and one missing step of each is found
    with pytest.warns(skattn.exceptions.TimeGapWarning, match="position 6 .* and position 7 "):
        skattn.windows.check_time_index(_with_index(index.delete(7)), "series")


def test_windows_other_indexes_and_numpy_are_not_looked_at(model):
    # a DataFrame of windows has one window per row: its index is not a time axis to check, and
    # neither is an index of another type
    X, y = make_windows(_weekly(60), WINDOW, HORIZON)
    backwards = pd.date_range("2024-01-01", periods=len(X), freq="D")[::-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", skattn.exceptions.TimeGapWarning)
        model.predict(pd.DataFrame(X, index=backwards))
        skattn.windows.check_time_index(pd.Series([3.0, 1.0, 2.0], index=[5, 1, 9]), "history")
        skattn.windows.check_time_index(np.arange(5.0), "history")
        skattn.windows.check_time_index([1.0, 2.0], "history")


# --- forecast's hint for many series ------------------------------------------------------------

def test_forecast_of_several_series_points_to_last_windows_and_predict(model):
    a, b = _weekly(40), _weekly(30)
    with pytest.raises(ValueError, match=r"history must be one series, got a list of 2 arrays "
                                         r"of different lengths: forecast takes one series.*"
                                         r"last_windows.*predict"):
        model.forecast([a, b], HORIZON)
    with pytest.raises(ValueError, match=r"got \(2, 30\); if these are several series: forecast "
                                         r"takes one series.*last_windows.*list\(array\)"):
        model.forecast(np.stack([a[:30], b]), HORIZON)
    with pytest.raises(ValueError, match=r"got \(1, 30\); a single row: pass it 1-D"):
        model.forecast(b[None, :], HORIZON)
    # a column is one series, as before
    np.testing.assert_array_equal(model.forecast(b[:, None], HORIZON), model.forecast(b, HORIZON))
    # future covariates keep their own message
    with pytest.raises(ValueError, match=r"must be None") as caught:
        model.forecast(b, HORIZON, future_covariates=np.zeros((4, 2)))
    assert "last_windows" not in str(caught.value)


# --- last_windows -------------------------------------------------------------------------------

def test_last_windows_are_each_series_last_window_left_padded_as_forecast_pads(panel):
    X = skattn.last_windows(panel, WINDOW)
    assert X.shape == (len(panel), WINDOW) and X.dtype == np.float64
    for row, values in zip(X, panel):
        np.testing.assert_array_equal(row, left_pad(values, WINDOW)[-WINDOW:])
    assert X[-1].tolist() == [panel[-1][0]] * WINDOW  # one value: the whole window of it
    # one series gives one row; a tuple, a list of pandas Series, a 1-D object array of them
    np.testing.assert_array_equal(skattn.last_windows(panel[0], WINDOW), X[:1])
    np.testing.assert_array_equal(skattn.last_windows(tuple(panel), WINDOW), X)
    np.testing.assert_array_equal(
        skattn.last_windows([pd.Series(v) for v in panel], WINDOW), X)
    assert "last_windows" in skattn.__all__


def _assert_predict_is_forecast(forecaster, predictor, series, window, horizon):
    X = skattn.last_windows(series, window)
    predicted = np.asarray(predictor.predict(X))
    for steps in sorted({1, 2, horizon}):
        looped = np.stack([forecaster.forecast(values, steps) for values in series])
        assert np.array_equal(predicted[:, :steps], looped), steps  # bitwise


def test_predict_of_last_windows_is_forecast_bitwise_for_a_model(model, panel):
    _assert_predict_is_forecast(model, model, panel, WINDOW, HORIZON)


def test_predict_of_last_windows_is_forecast_bitwise_for_an_ensemble_and_a_pipeline(panel):
    context = 2 * WINDOW
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xe, ye = make_windows(panel, context, HORIZON, min_history=WINDOW, min_target=1)
        ensemble = skattn.make_attention_ensemble(
            (7, WINDOW), season_length=7, n_seeds=1, max_epochs=1,
            member_params={"d_model": 8, "n_layers": 1, "patch_len": 7, "stride": 7},
            random_state=0).fit(Xe, ye)
        X, y = make_windows(panel, WINDOW, HORIZON)
        pipeline = make_pipeline(LastSteps(7), AttentionForecaster(
            patch_len=7, d_model=8, max_epochs=1, random_state=0)).fit(X, y)
        wrapped = PredictForecaster(FrozenEstimator(pipeline)).fit(X, y)
        seasonal = DeseasonalizedForecaster(AttentionForecaster(
            patch_len=7, d_model=8, max_epochs=1, random_state=0), season_length=7).fit(X, y)
    _assert_predict_is_forecast(ensemble, ensemble, panel, context, HORIZON)
    _assert_predict_is_forecast(wrapped, pipeline, panel, WINDOW, HORIZON)  # the Pipeline itself
    _assert_predict_is_forecast(seasonal, seasonal, panel, WINDOW, HORIZON)


def test_last_windows_with_covariates_are_forecasts_histories(panel):
    rng = np.random.default_rng(0)
    covariates = [rng.normal(size=(len(values), 2)) for values in panel]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = make_windows(panel, WINDOW, HORIZON, covariates=covariates)
        model = AttentionForecaster(patch_len=7, d_model=8, max_epochs=1, random_state=0).fit(X, y)
    last = skattn.last_windows(panel, WINDOW, covariates)
    assert last.shape == (len(panel), WINDOW, 3)
    histories = [np.column_stack([values, cov]) for values, cov in zip(panel, covariates)]
    for row, history in zip(last, histories):
        np.testing.assert_array_equal(row, left_pad(history, WINDOW)[-WINDOW:])
    predicted = model.predict(last)
    for steps in (1, HORIZON):
        looped = np.stack([model.forecast(history, steps) for history in histories])
        assert np.array_equal(predicted[:, :steps], looped)
    # one series with one covariate (1-D)
    assert skattn.last_windows(panel[0], WINDOW, covariates[0][:, 0]).shape == (1, WINDOW, 2)


def test_last_windows_refuses_what_make_windows_refuses_with_its_messages(panel):
    cases = [
        ({"a": panel[0], "b": panel[1]}, r"got a dict: pass list\(d.values\(\)\)"),
        (np.stack([panel[0][:20], panel[1][:20]]), r"shape \(2, 20\).*one series per row: "
                                                    r"pass list\(array\)"),
        ([panel[0], np.array([1.0, np.nan, 3.0])], r"series\[1\] contains NaN"),
        ([panel[0], ["1", "2"]], r"series\[1\] must be numeric: got text values"),
        ([], "series is empty"),
        ([panel[0], np.array([])], r"series\[1\] is empty: a forecast starts from a series' "
                                   r"last value"),
        ([panel[0], _daily().iloc[::-1]], r"series\[1\] has a DatetimeIndex that runs newest"),
    ]
    for series, message in cases:
        with pytest.raises(ValueError, match=message):
            skattn.last_windows(series, WINDOW)
    for window in (0, 2.5, True, None):
        with pytest.raises(ValueError, match=re.escape(f"window must be an integer >= 1, got "
                                                       f"{window!r}")):
            skattn.last_windows(panel, window)
    with pytest.raises(ValueError, match="covariates must give one array per series: 1 arrays "
                                         "for 5 series"):
        skattn.last_windows(panel, WINDOW, covariates=[np.zeros(60)])
    with pytest.raises(ValueError, match=r"covariates\[1\] must have shape"):
        skattn.last_windows(panel[:2], WINDOW, covariates=[np.zeros(60), np.zeros(3)])
    with pytest.raises(ValueError, match=r"every series needs the same number of covariates.*"
                                         r"covariates\[1\] is None"):
        skattn.last_windows(panel[:2], WINDOW, covariates=[np.zeros(60), None])
    with pytest.raises(ValueError, match=r"the windows would take about .* GiB"):
        skattn.last_windows(panel, 2**50)
