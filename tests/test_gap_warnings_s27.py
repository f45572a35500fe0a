"""One TimeGapWarning a call, not one a series (scale trial, session 27).

10,000 pandas series, each missing one day, gave 10,000 TimeGapWarnings (20,000 lines, 6.4 MB of
stderr) from one make_windows call, which took 10.5 s for 1.2 s on arrays: every series' gap was
located and formatted, and pandas inferred a frequency for each. A panel now warns once, with the
count and the first few named; a single series' message is as it was.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import skattn
import skattn.windows
from skattn import last_windows, make_windows
from skattn.exceptions import TimeGapWarning

pd = pytest.importorskip("pandas")

DAYS = pd.date_range("2024-01-01", periods=201, freq="D").delete(100)  # 2024-04-10 missing
VALUES = np.sin(np.arange(200.0) * 2 * np.pi / 7) + 10

#: the message of a daily series missing 2024-04-10, as check_time_index gave it before
SINGLE = (
    "{what} has an irregular DatetimeIndex: its first gap is between position 99 (2024-04-09) "
    "and position 100 (2024-04-11) (steps of 'D' around it). The model reads the values as "
    "consecutive time steps, so a missing step shifts every season after it: reindex with the "
    "missing steps filled (values.asfreq('D'), then fill the NaN, e.g. by interpolate(); "
    "docs/pandas.md, 'Table to series'). Steps missing by design (trading days) can stay: "
    "filter this warning by its class, skattn.exceptions.TimeGapWarning.")


def _own_index(index):
    """A copy of ``index``, another object (as each group of a groupby has its own), without its
    freq. In the index's own unit: pandas 3 stores microseconds, and integers read as
    nanoseconds put every index in 1970 (pandas 3 trial, session 34)."""
    own = pd.DatetimeIndex(index.asi8.copy().view(f"M8[{index.unit}]"))  # UTC instants
    return own if index.tz is None else own.tz_localize("UTC").tz_convert(index.tz)


def _gapped(n, shared=True):
    return [pd.Series(VALUES + k, index=DAYS if shared else _own_index(DAYS)) for k in range(n)]


def _gap_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if w.category is TimeGapWarning]


@pytest.mark.parametrize("shared", [True, False], ids=["one-index", "own-indexes"])
@pytest.mark.parametrize("call", [lambda s: make_windows(s, 28, 7), lambda s: last_windows(s, 28)],
                         ids=["make_windows", "last_windows"])
def test_fifty_gapped_series_give_one_warning_that_counts_and_names_them(call, shared):
    series = _gapped(50, shared)
    (warning,) = _gap_warnings(lambda: call(series))
    assert warning.filename == __file__  # the user's line
    message = str(warning.message)
    assert message.startswith("50 of the 50 series have an irregular time index")
    for k in range(3):
        assert (f"series[{k}] has its first gap between position 99 (2024-04-09) and position "
                f"100 (2024-04-11) (steps of 'D' around it)") in message
    assert "series[3]" not in message and "and 47 more" in message
    assert "asfreq" in message and "skattn.exceptions.TimeGapWarning" in message
    assert len(message) < 2000


def test_the_count_is_of_the_gapped_series_only_and_repeated_times_are_named():
    regular = pd.date_range("2024-01-01", periods=200, freq="D")
    repeated = regular[:50].append(regular[49:199])  # 2024-02-19 twice, at positions 49 and 50
    series = [pd.Series(VALUES, index=regular), pd.Series(VALUES, index=repeated),
              pd.Series(VALUES, index=regular), pd.Series(VALUES, index=DAYS)]
    (warning,) = _gap_warnings(lambda: make_windows(series, 28, 7))
    message = str(warning.message)
    assert message.startswith("2 of the 4 series have an irregular time index")
    assert "series[1] repeats 2024-02-19 at position 50" in message
    assert "series[3] has its first gap between position 99 (2024-04-09)" in message
    assert "more" not in message


def test_gapped_covariates_of_a_panel_are_counted_with_their_series():
    regular = pd.date_range("2024-01-01", periods=200, freq="D")
    series = [pd.Series(VALUES, index=regular) for _ in range(4)]
    covariates = [pd.Series(VALUES, index=DAYS if k in (1, 2) else regular) for k in range(4)]
    # series 1 and 2 and their covariates: two series (covariates with a gap under a regular
    # series are other times than the series', refused since session 31)
    series[1] = series[2] = pd.Series(VALUES, index=DAYS)
    (warning,) = _gap_warnings(lambda: make_windows(series, 28, 7, covariates=covariates))
    message = str(warning.message)
    assert message.startswith("2 of the 4 series have an irregular time index")
    assert "series[1] has its first gap" in message and "covariates[1] has its first gap" \
           in message and "series[2] has its first gap" in message and "and 1 more" in message


def test_a_single_series_and_one_gapped_series_of_a_panel_keep_their_own_message():
    (warning,) = _gap_warnings(lambda: make_windows(pd.Series(VALUES, index=DAYS), 28, 7))
    assert str(warning.message) == SINGLE.format(what="series")
    regular = pd.Series(VALUES, index=pd.date_range("2024-01-01", periods=200, freq="D"))
    for call in (lambda: make_windows([regular, pd.Series(VALUES, index=DAYS)], 28, 7),
                 lambda: last_windows([regular, pd.Series(VALUES, index=DAYS), regular], 28)):
        (warning,) = _gap_warnings(call)
        assert str(warning.message) == SINGLE.format(what="series[1]")
        assert warning.filename == __file__
    (warning,) = _gap_warnings(lambda: skattn.windows.check_time_index(
        pd.Series(VALUES, index=DAYS), "history"))
    assert str(warning.message) == SINGLE.format(what="history")


def test_errors_and_warnings_as_errors_are_unchanged():
    series = _gapped(5)
    series[3] = pd.Series(VALUES, index=DAYS[::-1])  # newest first: the ValueError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimeGapWarning)
        with pytest.raises(ValueError, match=r"series\[3\] has a DatetimeIndex that runs newest "
                                             r"first"):
            make_windows(series, 28, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        with pytest.raises(TimeGapWarning, match="5 of the 5 series have"):
            make_windows(_gapped(5), 28, 7)
    # and the windows are those of the values, as given
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimeGapWarning)
        X, y = make_windows(_gapped(3), 28, 7)
    X0, y0 = make_windows([VALUES + k for k in range(3)], 28, 7)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_only_the_named_series_are_located_and_formatted(monkeypatch):
    calls = {"gap": 0, "text": 0}
    first_gap, as_text = skattn.windows._first_datetime_gap, skattn.windows._positions_as_text

    def counted_gap(*args):
        calls["gap"] += 1
        return first_gap(*args)

    def counted_text(*args):
        calls["text"] += 1
        return as_text(*args)

    monkeypatch.setattr(skattn.windows, "_first_datetime_gap", counted_gap)
    monkeypatch.setattr(skattn.windows, "_positions_as_text", counted_text)
    _gap_warnings(lambda: make_windows(_gapped(50, shared=False), 28, 7))
    assert calls["gap"] <= 3 and calls["text"] <= 3  # was 50 of each


def test_an_index_shared_by_the_series_is_checked_once(monkeypatch):
    calls = []
    check = skattn.windows._check_index
    monkeypatch.setattr(skattn.windows, "_check_index",
                        lambda *args: calls.append(1) or check(*args))
    index = _own_index(DAYS)  # not checked before in this process
    series = [pd.Series(VALUES + k, index=index) for k in range(50)]
    _gap_warnings(lambda: make_windows(series, 28, 7))
    _gap_warnings(lambda: last_windows(series, 28))
    assert len(calls) == 1  # was 100


@pytest.mark.parametrize("freq", ["B", "bh", "WOM-2TUE", "BME", "SMS", "QE", "W-WED", "C"])
def test_indexes_pandas_names_still_pass_and_one_gap_in_them_still_warns(freq):
    # pandas' inference is skipped where it surely names no frequency: where it may, it runs
    index = _own_index(pd.date_range("2023-01-02", periods=40, freq=freq))
    assert index.freq is None
    assert not _gap_warnings(lambda: make_windows(
        [pd.Series(np.arange(40.0), index=_own_index(index)) for _ in range(3)], 5, 1))
    if freq == "WOM-2TUE":
        return  # a month missing: still the second Tuesday of each month, to pandas too
    assert "3 of the 3 series have" in str(_gap_warnings(lambda: make_windows(
        [pd.Series(np.arange(39.0), index=_own_index(index.delete(20))) for _ in range(3)],
        5, 1))[0].message)


def test_the_default_filters_print_one_warning_for_a_panel():
    # as the scale trial ran it: a plain script, the default warning filters, stderr measured
    script = (
        "import numpy as np, pandas as pd\n"
        "from skattn import make_windows\n"
        "days = pd.date_range('2024-01-01', periods=201, freq='D').delete(100)\n"
        "series = [pd.Series(np.arange(200.0) + k, index=pd.DatetimeIndex(days.to_numpy().copy()))\n"
        "          for k in range(300)]\n"
        "X, y = make_windows(series, 28, 7)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("TimeGapWarning:") == 1
    assert "300 of the 300 series have" in done.stderr
    assert len(done.stderr) < 2000


def test_backtest_gives_one_warning_for_a_panel_with_gaps():
    import pandas as pd

    from skattn.baselines import NaiveForecaster
    from skattn.model_selection import backtest

    series = [pd.Series(np.arange(119.0) + i,
                        index=pd.date_range("2024-01-01", periods=120, freq="D").delete(50 + i))
              for i in range(30)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest({"naive": NaiveForecaster()}, series, 7, 14)
    gaps = [w for w in caught if issubclass(w.category, TimeGapWarning)]
    assert len(gaps) == 1
    assert str(gaps[0].message).startswith("30 of the 30 series have an irregular time index")
    assert gaps[0].filename == __file__
