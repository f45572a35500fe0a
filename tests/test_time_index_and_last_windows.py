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


def test_a_shuffled_index_and_nat_name_the_first_offending_position():
    shuffled = _daily().iloc[[0, 1, 2, 4, 3, 5, 6]]
    with pytest.raises(ValueError, match=r"not in time order \(position 4, 2024-01-04, comes "
                                         r"before position 3, 2024-01-05\).*sort_index\(\)"):
        skattn.windows.check_time_index(shuffled, "series")
    # shuffled with a repeated time: both remedies
    with pytest.raises(ValueError, match=r"not in time order.*sort_index\(\)\), and for its "
                                         r"repeated times keep one row per time"):
        skattn.windows.check_time_index(_daily().iloc[[0, 2, 2, 1]], "series")
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


# --- review of session 21: clock changes, calendar steps, cost, messages ------------------------

def _caught_gap(call):
    """The one TimeGapWarning message of ``call()`` (and its result)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    (warning,) = _gap_warnings(caught)
    return str(warning.message), result


def _no_gap_warning(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", skattn.exceptions.TimeGapWarning)
        return call()


def test_naive_local_hours_across_clock_changes_warn_and_say_how_to_localize():
    # hourly rows in local time without a time zone: one row per real hour, but the labels
    # repeat 02:00 in autumn and skip it in spring. Accepted before session 21; the autumn one
    # became a ValueError ("duplicate times"), the spring one a warning whose asfreq('h') remedy
    # inserts an hour that never existed (review, session 21)
    autumn = pd.date_range("2024-10-26", periods=72, freq="h", tz="Europe/Berlin")
    spring = pd.date_range("2024-03-30", periods=72, freq="h", tz="Europe/Berlin")
    for local in (autumn, spring):
        series = pd.Series(_weekly(72), index=local.tz_localize(None))
        message, (X, y) = _caught_gap(lambda: make_windows(series, 24, 1))
        assert len(X) == 48  # the rows, as given
        np.testing.assert_array_equal(X, make_windows(_weekly(72), 24, 1)[0])
        if local is autumn:
            assert "repeated times (position 27 repeats 2024-10-27 02:00:00 of position 26" \
                   in message
            # both cases: a clock change (rows right) and a row recorded twice
            assert "clocks went back" in message
            assert "tz_localize(tz, ambiguous='infer')" in message
            assert "duplicated(keep='last')" in message and "groupby(level=0).sum()" in message
            localized = series.tz_localize("Europe/Berlin", ambiguous="infer")
        else:
            assert "first gap is between position 25 (2024-03-31 01:00:00) and position 26 " \
                   "(2024-03-31 03:00:00)" in message
            assert "asfreq('h')" in message  # a missing hour, or
            assert "clocks went forward" in message  # the hour skipped by the clock change
            assert "tz_localize(tz, nonexistent='shift_forward')" in message
            localized = series.tz_localize("Europe/Berlin", nonexistent="shift_forward")
        # the remedy given: localized, the index is regular (in UTC)
        _no_gap_warning(lambda: skattn.windows.check_time_index(localized, "series"))
    # quarter hours skip an hour too
    quarters = pd.date_range("2024-03-31", periods=40, freq="15min", tz="Europe/Berlin")
    message, _ = _caught_gap(lambda: skattn.windows.check_time_index(
        _with_index(quarters.tz_localize(None)), "series"))
    assert "asfreq('15min')" in message and "nonexistent='shift_forward'" in message


def test_repeated_times_warn_and_other_gaps_do_not_mention_clock_changes(model):
    # a repeated day: a warning (the rows may be right), not the error of session 21
    repeated = _daily().iloc[[0, 1, 2, 2, 3]]
    message, _ = _caught_gap(lambda: make_windows(repeated, 2, 1))
    assert "repeated times (position 3 repeats 2024-01-03 of position 2; 1 repeated row" \
           in message
    assert "duplicated(keep='last')" in message and "groupby(level=0).sum()" in message
    assert "clock" not in message  # days: no clock change
    days = _daily()
    message, _ = _caught_gap(lambda: model.forecast(days.drop(days.index[30]), HORIZON))
    assert "asfreq('D')" in message and "clock" not in message
    # hours missing more than one hour: not a clock change either
    hours = pd.date_range("2024-03-30", periods=72, freq="h")
    message, _ = _caught_gap(lambda: skattn.windows.check_time_index(
        _with_index(hours.delete([20, 21])), "series"))
    assert "asfreq('h')" in message and "clock" not in message
    # a gap in the first step, the longest (the check of steps of one length compares them all)
    for index in (pd.date_range("2024-01-01", periods=30, freq="D").delete(1),
                  pd.date_range("2024-01-31", periods=30, freq="ME").delete(1)):
        message, _ = _caught_gap(lambda: skattn.windows.check_time_index(_with_index(index),
                                                                         "series"))
        assert "between position 0 " in message and "and position 1 " in message
    # out of order and NaT stay errors
    with pytest.raises(ValueError, match="runs newest first"):
        make_windows(_daily().iloc[::-1], 2, 1)
    with pytest.raises(ValueError, match=r"missing time \(NaT\) at position 2"):
        make_windows(pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.DatetimeIndex(
            ["2024-01-01", "2024-01-02", None, "2024-01-04"])), 2, 1)


def _mid_month(n, day=15):
    return pd.DatetimeIndex([f"{2022 + k // 12}-{k % 12 + 1:02d}-{day:02d}" for k in range(n)])


@pytest.mark.parametrize("index", [
    pd.DatetimeIndex([f"{year}-07-04" for year in range(2000, 2020)]),  # yearly on 4 July
    _mid_month(24),  # monthly on the 15th
    _mid_month(24, day=28),
    pd.DatetimeIndex([f"{2023 + k // 4}-{3 * (k % 4) + 2:02d}-15" for k in range(12)]),  # Q
    pd.date_range("2023-01-01", periods=12, freq="MS") + pd.Timedelta(hours=8),
    pd.date_range("2024-01-01", periods=40, freq="SMS"),
    pd.date_range("2024-01-01", periods=40, freq="SME"),
    pd.date_range("2024-01-15", periods=3, freq="SMS"),
    pd.date_range("2024-01-01", periods=24, freq="MS", tz="Europe/Berlin") + pd.Timedelta(days=9),
    pd.DatetimeIndex(np.array([f"{year}-07-04" for year in range(1960, 1980)], dtype="M8[s]")),
], ids=["yearly-4-july", "monthly-15th", "monthly-28th", "quarterly-15th", "monthly-08h",
        "semi-month-start", "semi-month-end", "semi-month-3", "monthly-10th-tz",
        "yearly-seconds-before-1970"])
def test_calendar_steps_pandas_infers_no_frequency_for_are_regular(index):
    # pandas infers no frequency for these (a year of 365 or 366 days, a month of 28 to 31, a
    # half month): they warned, and the remedy for the yearly one, asfreq('365D'), turned 16 of
    # its 20 values into NaN (review, session 21)
    _no_gap_warning(lambda: skattn.windows.check_time_index(_with_index(index), "series"))
    if len(index) < 12:
        return
    # one missing step is found, and the remedy fills exactly it: no fixed number of days
    gappy = _with_index(index).drop(index[7])
    message, _ = _caught_gap(lambda: skattn.windows.check_time_index(gappy, "series"))
    assert "position 6 " in message and "and position 7 " in message
    assert not re.search(r"\d+D'", message), message
    remedy = re.search(r"values\.asfreq\((.*?)\), then fill", message).group(1)
    if remedy != "step":
        filled = gappy.asfreq(eval(remedy, {"pd": pd}))
        assert filled.isna().sum() == 1 and len(filled) == len(index)


def test_the_common_time_indexes_are_checked_without_pandas_inference(monkeypatch):
    # pandas' inference took ~0.1 ms of each check: make_windows of 5,000 monthly series
    # (freq None) went from 0.15 s to 0.78 s, 500 forecasts of monthly histories from 28 to
    # 103 ms (review, session 21). Monthly, yearly, daily and hourly indexes do without it.
    def inferred(*args):
        raise AssertionError("pandas' frequency inference was called")

    monkeypatch.setattr(skattn.windows, "_infer_freq", inferred)
    for index in (pd.date_range("2010-01-01", periods=120, freq="MS"),
                  pd.date_range("2010-01-31", periods=120, freq="ME"),
                  pd.DatetimeIndex([f"{year}-07-04" for year in range(2000, 2020)]),
                  pd.date_range("2024-01-01", periods=400, freq="D"),
                  pd.date_range("2024-03-20", periods=400, freq="h", tz="Europe/Berlin"),
                  pd.date_range("2024-03-20", periods=60, freq="D", tz="Europe/Berlin")):
        _no_gap_warning(lambda: skattn.windows.check_time_index(_with_index(index), "series"))
    monkeypatch.undo()
    # where pandas' inference is needed (business days), the index's cached inferred_freq, not
    # pd.infer_freq again at every check
    monkeypatch.setattr(pd, "infer_freq", inferred)
    business = _with_index(pd.date_range("2024-01-01", periods=60, freq="B"))
    _no_gap_warning(lambda: skattn.windows.check_time_index(business, "series"))
    assert business.index.inferred_freq == "B"


def test_the_order_message_formats_only_the_entries_it_names(monkeypatch):
    # the whole index was formatted as text for a message of two entries: 5 million rows newest
    # first took 5.1 s and 630 MB before the ValueError (review, session 21)
    formatted = []
    astype = pd.DatetimeIndex.astype

    def counting_astype(self, dtype, *args, **kwargs):
        formatted.append(len(self))
        return astype(self, dtype, *args, **kwargs)

    monkeypatch.setattr(pd.DatetimeIndex, "astype", counting_astype)
    index = pd.date_range("2000-01-01", periods=5_000, freq="min")
    for values, message in ((index[::-1], "runs newest first"),
                            (index[[0, 1, 3, 2, 4]], "not in time order")):
        with pytest.raises(ValueError, match=message):
            skattn.windows.check_time_index(pd.Series(np.zeros(len(values)), index=values),
                                            "history")
    assert formatted and max(formatted) <= 2, formatted


def test_the_several_series_hint_of_a_baseline_says_to_loop_over_forecast():
    # a baseline forecasts from the whole history: its predict of last windows is another
    # forecast, and the hint pointed to it (review, session 21)
    a, b = _weekly(40), _weekly(30)
    baseline = SeasonalNaiveForecaster(season_length=7, quantiles=(0.1, 0.9)).fit(
        *make_windows(a, WINDOW, HORIZON))
    for history, got in (([a, b], "got a list of 2 arrays of different lengths"),
                         (np.stack([a[:30], b]), r"got \(2, 30\)")):
        with pytest.raises(ValueError, match=got) as caught:
            baseline.forecast(history, HORIZON)
        message = str(caught.value)
        assert "call forecast once per series" in message and "backtest" in message
        assert "last_windows" not in message and "predict" in message  # (predict is not it)
    with pytest.raises(ValueError, match="call forecast once per series"):
        baseline.forecast_quantiles([a, b], HORIZON)


def test_the_hints_for_windows_text_and_histories_with_covariates(model):
    # 3-D: windows as predict takes them, not several series: list(array) made 2-D series
    with pytest.raises(ValueError, match=r"got \(2, 14, 1\); a 3-D array is read as windows "
                                         r"\(n_windows, window, n_channels\), which predict "
                                         r"takes.*last_windows") as caught:
        model.forecast(np.ones((2, WINDOW, 1)), HORIZON)
    assert "list(array)" not in str(caught.value)
    # ragged lists of text: the text is said, not only "of different lengths"
    with pytest.raises(ValueError, match=r"history must be one series of numbers, got a list "
                                         r"of 2 sequences of different lengths, and history\[0\] "
                                         r"must be numeric: got text values \(e.g. 'a'\)") \
            as caught:
        model.forecast([["a", "b"], ["c"]], HORIZON)
    assert "arrays of different lengths" not in str(caught.value)
    # histories as forecast takes them (target, covariates in columns): say covariates=
    histories = [np.ones((20, 2)), np.ones((16, 2))]
    with pytest.raises(ValueError, match=r"series\[0\] must be 1-D, got an array of shape "
                                         r"\(20, 2\).*covariates=") as caught:
        skattn.last_windows(histories, WINDOW)
    assert "h[:, 1:] for h in histories" in str(caught.value)
    # the remedy works
    X = skattn.last_windows([h[:, 0] for h in histories], WINDOW,
                            covariates=[h[:, 1:] for h in histories])
    assert X.shape == (2, WINDOW, 2)
    with pytest.raises(ValueError, match=r"\(20, 1\): a single column, pass it 1-D"):
        skattn.last_windows([np.ones((20, 1))], WINDOW)


def test_last_windows_documents_where_predict_equals_forecast_bitwise():
    # bitwise for dot-product attention (one window at a time); additive and cosine attention
    # and scikit-learn regressors round by batch (~1e-15: review, session 21)
    doc = " ".join(skattn.last_windows.__doc__.split())
    assert "bitwise for an AttentionForecaster with dot-product attention" in doc
    assert "With additive or cosine attention, and for scikit-learn regressors" in doc
    assert "agree to rounding" in doc
    assert "value ``i`` when the horizon is 1" in doc  # predict is 1-D then
    assert "are ``model.forecast(series[i], steps)``, bitwise" not in doc
    series = [10 + np.sin(np.arange(40) / 2 + k) for k in range(40)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = make_windows(series[:10], WINDOW, 1)
        additive = AttentionForecaster(patch_len=7, d_model=8, n_layers=1, max_epochs=1,
                                       attention="additive", random_state=0).fit(X, y)
    predicted = additive.predict(skattn.last_windows(series, WINDOW))
    assert predicted.shape == (40,)  # horizon 1: one value per series
    looped = np.concatenate([additive.forecast(values, 1) for values in series])
    np.testing.assert_allclose(predicted, looped, rtol=1e-13, atol=0)


def test_time_gap_warning_says_where_it_is_raised(model):
    doc = " ".join(skattn.exceptions.TimeGapWarning.__doc__.split())
    for name in ("make_windows", "last_windows", "backtest", "``forecast``",
                 "``forecast_quantiles``", "future_covariates", "skattn.baselines",
                 "repeats times"):
        assert name in doc, name
    days = _daily()
    gappy = days.drop(days.index[30])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = make_windows(_weekly(60), WINDOW, HORIZON)
        pinball = AttentionForecaster(patch_len=7, d_model=8, max_epochs=1, random_state=0,
                                      loss="pinball", quantiles=(0.1, 0.5, 0.9)).fit(X, y)
        baseline = SeasonalNaiveForecaster(season_length=7, quantiles=(0.1, 0.9)).fit(X, y)
    for call in (lambda: skattn.last_windows([days, gappy], WINDOW),
                 lambda: skattn.last_windows([days.to_numpy()[:59]], WINDOW, covariates=[gappy]),
                 lambda: pinball.forecast_quantiles(gappy, HORIZON),
                 lambda: baseline.forecast_quantiles(gappy, HORIZON),
                 lambda: baseline.forecast(gappy, HORIZON)):
        _caught_gap(call)


# ------------------------------------------------------------------------------------------
# user trial of the fixes (session 21)


def test_an_object_index_of_timestamps_with_changing_offsets_is_checked_in_utc():
    # read_csv(parse_dates=...) of times with +01:00 / +02:00 offsets (an export across a clock
    # change) gives an object index: newest first, it was read backwards, unchecked
    pd = pytest.importorskip("pandas")
    instants = pd.date_range("2024-03-30 22:00", periods=8, freq="h", tz="Europe/Berlin")
    stamps = pd.Index([t.tz_convert(None).tz_localize("UTC").tz_convert(
        f"Etc/GMT-{int(t.utcoffset().total_seconds() // 3600)}") for t in instants], dtype=object)
    assert stamps.dtype == object
    values = np.arange(8.0) + 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_windows(pd.Series(values, index=stamps), window=3, horizon=1)  # in order: silent
    with pytest.raises(ValueError, match="runs newest first"):
        make_windows(pd.Series(values[::-1], index=stamps[::-1]), window=3, horizon=1)


def test_the_clock_change_hint_only_where_clocks_change():
    pd = pytest.importorskip("pandas")
    january = pd.date_range("2024-01-05", periods=24, freq="h").delete(4)  # 04:00 missing
    with pytest.warns(skattn.exceptions.TimeGapWarning) as record:
        make_windows(pd.Series(np.arange(23.0), index=january), window=3, horizon=1)
    assert "clocks went forward" not in str(record[0].message)
    spring = pd.date_range("2024-03-31", periods=24, freq="h").delete(2)  # 02:00, Europe
    with pytest.warns(skattn.exceptions.TimeGapWarning) as record:
        make_windows(pd.Series(np.arange(23.0), index=spring), window=3, horizon=1)
    message = str(record[0].message)
    assert "clocks went forward" in message and "ambiguous time" in message


def test_dict_views_and_generators_say_to_pass_a_list():
    panel = {"a": np.arange(10.0), "b": np.arange(12.0)}
    for values in (panel.values(), (v for v in panel.values())):
        with pytest.raises(ValueError, match=r"pass a list of it, e\.g\. list\(d\.values\(\)\)"):
            skattn.last_windows(values, 4)
        with pytest.raises(ValueError, match=r"list\(d\.values\(\)\)"):
            make_windows(panel.values(), window=4, horizon=1)


def test_the_one_series_per_column_hint_drops_the_nan_of_late_starts():
    frame = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match=r"frame\[name\]\.dropna\(\) for name in frame"):
        make_windows(frame, window=3, horizon=1)
