"""make_windows's input errors (the cutting itself is tested where it is used), and
count_windows, its count without the cutting."""
import itertools
import warnings

import numpy as np
import pytest

from skattn import make_windows
from skattn.windows import count_windows


def test_a_single_column_is_refused_with_the_way_to_pass_it():
    column = np.arange(30.0)[:, None]  # (30, 1): one series, as a one-column frame gives it
    with pytest.raises(ValueError, match=r"shape \(30, 1\) \(a single column: pass it 1-D"):
        make_windows(column, window=5, horizon=2)
    # and the hint's suggestion works
    X, y = make_windows(column.ravel(), window=5, horizon=2)
    assert X.shape == (24, 5) and y.shape == (24, 2)


def test_a_matrix_is_refused_with_the_columns_and_the_rows_hints():
    with pytest.raises(ValueError, match=r"shape \(3, 10\) \(one series per column, as in a "
                                         r"DataFrame: .* list\(array.T\); one series per row: "
                                         r"pass list\(array\)\)"):
        make_windows(np.ones((3, 10)), window=4)


def test_a_dataframe_of_several_series_gets_the_columns_hint_and_it_works():
    # a DataFrame holds one series per column; the hint used to name only list(array), which
    # of such a frame makes one short series per time step, padded, with no error (user trial)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(30.0), "b": 2 * np.arange(30.0)})
    with pytest.raises(ValueError, match=r"\[frame\[name\]\.dropna\(\) for name in frame\]"):
        make_windows(frame, window=5, horizon=2)
    X, y = make_windows([frame[name] for name in frame], window=5, horizon=2)
    X_t, y_t = make_windows(list(frame.to_numpy().T), window=5, horizon=2)
    assert X.shape == (48, 5) and np.array_equal(X, X_t) and np.array_equal(y, y_t)
    # rows in time order, the series in turn at each step: the second row is b's first window
    np.testing.assert_array_equal(X[1], [0, 2, 4, 6, 8])


def test_a_one_column_dataframe_gets_the_column_hint():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"value": np.arange(30.0)})
    with pytest.raises(ValueError, match="frame\\['value'\\]"):
        make_windows(frame, window=5, horizon=2)
    X, _ = make_windows(frame["value"], window=5, horizon=2)
    assert X.shape == (24, 5)


def _make_windows_outcome(series, **kwargs):
    """The number of samples make_windows cuts, or the message of the ValueError it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the series too short for a window, skipped
        try:
            return len(make_windows(series, **kwargs)[0])
        except ValueError as exc:
            return str(exc)


def _count_windows_outcome(lengths, **kwargs):
    try:
        return count_windows(lengths, **kwargs)
    except ValueError as exc:
        return str(exc)


def test_count_windows_is_the_number_of_samples_make_windows_cuts():
    # every branch of the layout: series shorter than one window (padded) or than a target
    # (skipped), padding for min_history, windows past the end (with min_target) that do or do
    # not have min_history real values of history, strides that do not divide the horizon
    mixed = [4, 25, 9, 1, 13, 6, 2]  # a list of series of different lengths, in no order
    for window, horizon, step in itertools.product((1, 3, 7), (1, 2, 5), (1, 2, 3)):
        for min_history, min_target in itertools.product(
                (None, 1, max(1, window // 2), window), (None, 1, horizon)):
            kwargs = dict(window=window, horizon=horizon, step=step, min_history=min_history,
                          min_target=min_target)
            for length in range(1, 26):  # one series, of each length
                expected = _make_windows_outcome(np.arange(float(length)), **kwargs)
                assert _count_windows_outcome(length, **kwargs) == expected, (length, kwargs)
            expected = _make_windows_outcome([np.arange(float(n)) for n in mixed], **kwargs)
            assert _count_windows_outcome(mixed, **kwargs) == expected, (mixed, kwargs)
            # every series too short: make_windows' ValueError, not a count of 0
            expected = _make_windows_outcome([np.arange(1.0)] * 2, **kwargs)
            assert "no series is long enough" in expected
            assert _count_windows_outcome([1, 1], **kwargs) == expected


def test_count_windows_takes_numpy_integers_and_the_defaults():
    lengths = np.array([30, 12])
    X, _ = make_windows([np.arange(30.0), np.arange(12.0)], window=8)
    assert count_windows(lengths, 8) == count_windows([30, 12], 8) == len(X)
    assert type(count_windows(np.int64(30), np.int64(8))) is int


@pytest.mark.parametrize("bad", [
    dict(window=0), dict(window=2.0), dict(window=True), dict(horizon=0), dict(horizon="2"),
    dict(step=0), dict(step=True), dict(min_history=0), dict(min_history=6),
    dict(min_history=2.0), dict(min_target=0), dict(min_target=3), dict(window=0, horizon=0),
])
def test_count_windows_refuses_what_make_windows_refuses_in_its_words(bad):
    kwargs = dict(window=5, horizon=2)
    kwargs.update(bad)
    with pytest.raises(ValueError) as refused_by_make_windows:
        make_windows(np.arange(30.0), **kwargs)
    with pytest.raises(ValueError) as refused_by_count_windows:
        count_windows(30, **kwargs)
    assert str(refused_by_count_windows.value) == str(refused_by_make_windows.value)


@pytest.mark.parametrize("lengths, message", [
    ([], "lengths is empty: pass one length or a non-empty list of lengths"),
    (0, "lengths must be an integer >= 1, got 0"),
    # an empty series in a list is counted as make_windows skips it (session 30)
    ([30, -1], r"lengths\[1\] must be an integer >= 0, got -1"),
    ([30, 7.0], r"lengths\[1\] must be an integer >= 0, got 7.0"),
])
def test_count_windows_refuses_lengths_that_are_not_series_lengths(lengths, message):
    with pytest.raises(ValueError, match=message):
        count_windows(lengths, window=5, horizon=2)


@pytest.mark.parametrize("covariates, message", [
    ([None, np.ones(60)], r"series\[1\] has 1, series\[0\] has 0 \(covariates\[0\] is None"),
    ([np.ones(50), None], r"series\[1\] has 0, series\[0\] has 1 \(covariates\[1\] is None"),
    ([np.ones((50, 2)), np.ones(60)], r"series\[1\] has 1, series\[0\] has 2$"),
])
def test_series_with_and_without_covariates_are_refused_with_the_count_message(covariates,
                                                                               message):
    # None for one series and an array for another ended in NumPy's concatenate error (user
    # trial, session 16); None means no covariates for that series, so the counts differ
    with pytest.raises(ValueError, match="every series needs the same number of covariates: "
                                         + message):
        make_windows([np.arange(50.0), np.arange(60.0)], 12, 3, covariates=covariates)


def test_covariates_that_are_all_none_mean_no_covariates():
    series = [np.arange(50.0), np.arange(60.0)]
    for got, expected in zip(make_windows(series, 12, 3, covariates=[None, None]),
                             make_windows(series, 12, 3)):
        np.testing.assert_array_equal(got, expected)


def test_a_covariate_shifted_by_the_horizon_shows_each_window_its_target_steps():
    # what forecast's docstring promises for a covariate known in advance: given at position t
    # as its value for t + horizon, the window's covariate channel covers the target's steps
    window, horizon = 5, 3
    known = np.arange(100.0, 130.0)  # known in advance: one value per time step, and beyond
    series = np.arange(27.0)
    X, y, index = make_windows(series, window, horizon, covariates=known[horizon:],
                               return_index=True)
    for row, (_, start) in zip(X, index):
        np.testing.assert_array_equal(row[-horizon:, 1], known[start:start + horizon])


@pytest.mark.parametrize("kwargs", [dict(window=np.uint64(3), horizon=2),
                                    dict(window=3, horizon=np.uint32(2)),
                                    dict(window=3, horizon=2, step=np.uint64(2)),
                                    dict(window=3, horizon=2, min_history=np.uint8(2)),
                                    dict(window=3, horizon=2, step=2**70)])
def test_numpy_unsigned_and_huge_integer_arguments_are_plain_counts(kwargs):
    # np.uint64 arguments made the layout's arithmetic negative ("negative dimensions") or its
    # indices floats; a step of 2**70 overflowed NumPy's integers (fuzzing, session 17)
    series = np.arange(20.0)
    plain = {name: int(value) if name != "step" else min(int(value), 100)
             for name, value in kwargs.items()}
    X, y = make_windows(series, **kwargs)
    X_plain, y_plain = make_windows(series, **plain)
    np.testing.assert_array_equal(X, X_plain)
    np.testing.assert_array_equal(y, y_plain)
    assert count_windows(20, **kwargs) == len(X)


def test_windows_are_cut_into_place_and_the_memory_check_covers_the_peak(monkeypatch):
    # cut per series, concatenated, then put in order, the windows took three times X's memory
    # at the peak (1.9 GB for 0.56 GB of hourly windows with a covariate), and the memory check
    # counted X once (user trial, session 18)
    import tracemalloc

    import skattn.windows

    estimates = []
    check = skattn.windows.check_fits_in_memory
    monkeypatch.setattr(skattn.windows, "check_fits_in_memory",
                        lambda n_bytes, *args: estimates.append(n_bytes) or check(n_bytes, *args))
    rng = np.random.default_rng(0)
    series = [rng.normal(size=2000) for _ in range(3)]
    covariates = [rng.normal(size=2000) for _ in range(3)]
    tracemalloc.start()
    try:
        X, y = make_windows(series, 168, 24, covariates=covariates)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # X and y, the padded series and a bounded chunk of gathered positions, not 3 copies of X
    assert peak < 1.2 * (X.nbytes + y.nbytes) + 2 * skattn.windows._GATHER_CHUNK_BYTES
    assert peak < 2 * (X.nbytes + y.nbytes)
    assert estimates[-1] >= peak


def test_a_gap_is_located_counted_and_given_a_remedy():
    # a missing hour of a long series was "series[2] contains NaN or infinity", with nothing to
    # find it by and no word on how to fill it (user trial, session 18)
    series = np.arange(100.0)
    series[[40, 41, 77]] = np.nan
    series[90] = np.inf
    with pytest.raises(ValueError, match=r"series\[1\] contains NaN or infinity \(3 NaN, 1 "
                                         r"infinite; 4 of its 100 time steps, the first at "
                                         r"position 40\).*Fill the gaps first.*interpolate"):
        make_windows([np.ones(30), series], window=10, horizon=2)
    covariates = np.ones((100, 2))
    covariates[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"covariates contains NaN or infinity \(1 NaN; 1 of "
                                         r"its 100 time steps, the first at position 5\)"):
        make_windows(np.arange(100.0), 10, 2, covariates=covariates)


def test_missing_values_before_a_series_starts_are_dropped_not_filled():
    # a series that starts later, from a column of a wide frame: its leading NaN were called
    # gaps to interpolate, which invents history (MASE 0.74 became 8.70; user trial, 18)
    late = np.arange(100.0)
    late[:30] = np.nan
    with pytest.raises(ValueError, match=r"its first 30 steps, before its first observed value: "
                                         r"a series that starts later.*drop them "
                                         r"\(values\[30:\], or Series.dropna\(\)\)"):
        make_windows([np.ones(50), late], window=10, horizon=2)
    ended = np.arange(100.0)
    ended[-3:] = np.nan
    with pytest.raises(ValueError, match=r"its last 3 steps, after its last observed value: cut "
                                         r"them \(values\[:-3\]\)"):
        make_windows(ended, window=10, horizon=2)
    with pytest.raises(ValueError, match="it has no observed value"):
        make_windows(np.full(5, np.nan), window=2, horizon=1)
    # a covariate's leading gap is filled, not dropped: it stays aligned with the target
    covariate = np.ones(100)
    covariate[:4] = np.nan
    with pytest.raises(ValueError, match="Fill the gaps first"):
        make_windows(np.arange(100.0), 10, 2, covariates=covariate)


def test_the_skipped_series_are_named():
    # "6 series with 13 values or fewer ... were skipped": which ones had to be found by hand
    # (user trial, session 18)
    series = [np.arange(20.0), np.arange(3.0), np.arange(30.0), np.arange(2.0)]
    with pytest.warns(UserWarning, match=r"2 series with 3 values or fewer \(series 1, 3\) \(no "
                                         r"history before a full horizon of 3\) gave no window"):
        make_windows(series, window=5, horizon=3)
    many = [np.arange(2.0)] * 12 + [np.arange(20.0)]
    with pytest.warns(UserWarning, match=r"12 series .*\(series 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
                                         r"\.\.\.\)"):
        make_windows(many, window=5, horizon=3)


def test_an_empty_series_of_a_panel_is_skipped_as_a_short_one():
    # a new product with no values once its hold-out was cut off stopped the panel ("series[240]
    # is empty") while those of 1-8 values were skipped and named (user trial, session 19)
    series = [np.arange(20.0), np.array([]), np.arange(2.0)]
    with pytest.warns(UserWarning, match=r"2 series with 3 values or fewer \(series 1, 2\)"):
        X, y = make_windows(series, window=5, horizon=3)
    np.testing.assert_array_equal(X, make_windows(series[0], window=5, horizon=3)[0])
    with pytest.warns(UserWarning, match=r"\(series 1\)"):
        X, _ = make_windows(series[:2], window=5, horizon=3,
                            covariates=[np.ones((20, 2)), np.ones((0, 2))])
    assert X.shape == (13, 5, 3)
    with pytest.raises(ValueError, match="^series is empty$"):  # one series: nothing to skip to
        make_windows(np.array([]), window=5, horizon=3)


def test_a_gap_at_the_end_of_a_forecast_history_is_not_cut():
    # cutting a history's missing last values, as the message advised for training series,
    # starts the forecast too early; a covariate's gap was "cut" too (second review, session 18)
    import warnings

    from skattn import AttentionForecaster

    rng = np.random.default_rng(0)
    driver = rng.normal(size=120)
    target = np.cumsum(driver) + 50
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(max_epochs=1, random_state=0).fit(
            *make_windows(target, 12, 2, covariates=driver))
    history = np.column_stack([target, driver])
    for row, column in ((-1, 1), (-2, 0)):
        gap = history.copy()
        gap[row:, column] = np.nan
        with pytest.raises(ValueError, match="its last row has a missing value, and a forecast "
                                             "starts after the last row of the history"):
            model.forecast(gap, 2)
    gap = history.copy()
    gap[50, 0] = np.nan
    with pytest.raises(ValueError, match="Fill the gaps first .*or pass only the history after "
                                         "the last gap"):
        model.forecast(gap, 2)
    with pytest.raises(ValueError, match=r"future_covariates contains NaN or infinity \(1 NaN; "
                                         r"1 of its 2 time steps, the first at position 1\): "
                                         r"Fill the gaps first \(e.g. pandas' "
                                         r"Series.interpolate\(\), which fills between observed "
                                         r"values, or the value a season earlier\)$"):
        model.forecast(history, 4, future_covariates=[1.0, np.nan])


def test_a_forecast_history_that_starts_late_is_told_to_drop_its_leading_gap():
    # a history with leading NaN was told to interpolate with limit_direction='both', which
    # back-fills and invents history (docs audit, session 18)
    import warnings

    from skattn import AttentionForecaster

    series = 10 + np.sin(np.arange(80) / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(max_epochs=1, random_state=0).fit(
            *make_windows(series, 12, 2))
    late = series.copy()
    late[:5] = np.nan
    with pytest.raises(ValueError, match=r"its first 5 steps, before its first observed value: "
                                         r"drop them \(history\[5:\]\)$"):
        model.forecast(late, 2)


def test_the_panel_containers_of_pandas_are_refused_with_the_list_to_pass():
    # a dict was "an array of shape ()", a groupby and a Series of arrays "not numeric: setting
    # an array element with a sequence" (user trial, session 20)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": np.repeat(["a", "b"], 30), "value": np.arange(60.0)})
    grouped = frame.groupby("id")["value"]
    for panel, hint in (({name: group for name, group in grouped}, r"list\(d.values\(\)\)"),
                        (grouped, r"\[group for _, group in grouped\]"),
                        (grouped.apply(np.asarray), r"list\(values\)")):
        with pytest.raises(ValueError, match=hint):
            make_windows(panel, 8, 2)
    # and what they say to pass works
    X, _ = make_windows([group for _, group in grouped], 8, 2)
    assert X.shape == (2 * 21, 8)


@pytest.mark.parametrize("make_bad", [
    lambda n: np.array(["1.5"] * n),                      # text that parses as numbers
    lambda n: np.array(["1.5"] * n, dtype=object),
    lambda n: np.arange(n).astype("datetime64[D]"),       # a date column: ~1e4 .. 1.6e18
    lambda n: np.arange(n).astype("timedelta64[s]"),
])
def test_dates_and_text_are_not_numbers(make_bad):
    # a column of dates given as a covariate trained as nanosecond counts, unnoticed (user
    # trial, session 20)
    with pytest.raises(ValueError, match="covariates must be numeric"):
        make_windows(np.arange(60.0), 8, 2, covariates=make_bad(60))
    with pytest.raises(ValueError, match="series must be numeric"):
        make_windows(make_bad(60), 8, 2)


def test_none_and_pandas_na_among_objects_are_gaps_located_like_nan():
    # float() refused them ("not 'NAType'") from inside NumPy (review, session 20): they are
    # missing values, and the message locates them as it locates NaN
    pd = pytest.importorskip("pandas")
    values = pd.Series(np.arange(20.0)).astype(object)
    values[5] = pd.NA
    with pytest.raises(ValueError, match=r"series contains NaN or infinity \(1 NaN; 1 of its 20 "
                                         r"time steps, the first at position 5\)"):
        make_windows(values, 5, 2)
    covariate = pd.DataFrame({"price": np.arange(20.0)}).astype(object)
    covariate.iloc[7, 0] = None
    with pytest.raises(ValueError, match=r"covariates.*NaN.*position 7"):
        make_windows(np.arange(20.0), 5, 2, covariates=covariate)


def test_a_column_named_like_a_missing_value_is_refused_for_what_it_holds():
    # the refusal was told apart by its words: a date column named "missing value" got the
    # advice for gaps (review, session 20)
    pd = pytest.importorskip("pandas")
    from skattn.baselines import NaiveForecaster

    frame = pd.DataFrame(np.ones((10, 3)), columns=list("abc")).assign(
        **{"missing value": pd.Timestamp("2024-01-01")})
    with pytest.raises(ValueError, match=r"^X must be numeric: column 'missing value' holds "
                                         r"datetime64"):
        NaiveForecaster().fit(frame, np.ones(10))
