"""backtest warns when pandas series end at different times (user trial, session 27).

backtest's Notes say that series ending at different dates flatter a global model (its training
parts reach into another series' hold-out), and compare warns of it on a CSV file; but a panel of
pandas series whose indexes show it (one to 2019-12, one to 2016-12) was backtested without a
word. Both now warn by one rule, in one wording.
"""
import warnings

import numpy as np
import pytest

from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
from skattn.model_selection import backtest

pd = pytest.importorskip("pandas")

RNG = np.random.default_rng(0)
A_VALUES, B_VALUES = RNG.normal(100, 5, 60), RNG.normal(100, 5, 60)


def _monthly(values, start, periods=False):
    index = (pd.period_range(start, periods=values.size, freq="M") if periods
             else pd.date_range(start, periods=values.size, freq="MS"))
    return pd.Series(values, index=index)


def _unaligned(record):
    return [w for w in record if "different times" in str(w.message)]


def _backtest(panel, **kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        backtest({"naive": NaiveForecaster()}, panel, horizon=6, window=24, season_length=12,
                 **kwargs)
    return _unaligned(record)


@pytest.mark.parametrize("periods, ends, holdout, training_end", [
    (False, "from 2016-12-01 to 2019-12-01", "2016-07-01", "2019-06-01"),
    (True, "from 2016-12 to 2019-12", "2016-07", "2019-06"),
], ids=["DatetimeIndex", "PeriodIndex"])
def test_backtest_warns_once_naming_the_ends_when_pandas_series_end_at_different_times(
        periods, ends, holdout, training_end):
    panel = [_monthly(A_VALUES, "2015-01", periods), _monthly(B_VALUES, "2012-01", periods)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # two models, three origins: still one warning, before any training
        backtest({"naive": NaiveForecaster(), "snaive": SeasonalNaiveForecaster(12)}, panel,
                 horizon=6, window=24, season_length=12, n_origins=3)
    (warned,) = _unaligned(record)
    assert warned.category is UserWarning
    assert warned.filename == __file__  # from the line that called backtest
    message = str(warned.message)
    assert message.startswith(f"the series end at 2 different times in their indexes ({ends}), "
                              f"and backtest counts each one's origins back from its own last "
                              f"value")
    assert (f"the training parts of 1 of the 2 series reach past the start of series[1]'s "
            f"hold-out ({holdout}; series[0]'s training part ends at {training_end})") in message
    assert "such as AttentionForecaster" in message
    assert message.endswith("cut every series to a common last time (end = min(s.index[-1] for "
                            "s in series), then [s.loc[:end] for s in series]; see Notes, "
                            "'Series are aligned at their ends')")


def test_the_remedy_in_the_warning_cuts_the_panel_to_series_backtest_does_not_warn_of():
    series = [_monthly(A_VALUES, "2015-01"), _monthly(B_VALUES, "2012-01")]
    end = min(s.index[-1] for s in series)
    cut = [s.loc[:end] for s in series]
    assert [s.size for s in cut] == [24, 60]
    assert _backtest(cut) == []


@pytest.mark.parametrize("panel", [
    [A_VALUES, B_VALUES[:48]],  # arrays carry no dates
    [list(A_VALUES), list(B_VALUES)],
    [_monthly(A_VALUES, "2015-01"), _monthly(B_VALUES, "2015-01")],  # the same span
    [_monthly(A_VALUES, "2015-01"), _monthly(B_VALUES[:30], "2017-07")],  # a later start
    [pd.Series(A_VALUES), pd.Series(B_VALUES[:48])],  # a RangeIndex: positions, not dates
    [_monthly(A_VALUES, "2015-01"), B_VALUES],  # one series without dates: no common calendar
    # times that cannot be compared: naive and aware, or periods of two frequencies
    [_monthly(A_VALUES, "2015-01"), _monthly(B_VALUES, "2012-01").tz_localize("UTC")],
    [_monthly(A_VALUES, "2015-01", periods=True),
     pd.Series(B_VALUES, index=pd.period_range("2001Q1", periods=60, freq="Q"))],
], ids=["arrays", "lists", "same-span", "later-start-same-end", "range-index", "one-array",
        "naive-and-aware", "months-and-quarters"])
def test_backtest_says_nothing_when_the_ends_are_equal_or_unknown(panel):
    assert _backtest(panel) == []


def test_one_pandas_series_alone_is_not_a_panel():
    assert _backtest(_monthly(A_VALUES, "2015-01")) == []


def test_compare_names_the_ends_too_in_the_same_words(tmp_path):
    from skattn.__main__ import main
    from skattn.datasets import load_airline

    airline = load_airline().series
    months = [f"{1949 + k // 12}-{k % 12 + 1:02d}" for k in range(144)]
    lines = ["id,month,value"] + [f"A,{months[k]},{airline[k]}" for k in range(144)]
    lines += [f"B,{months[k]},{airline[k]}" for k in range(132)]  # B ends 1959-12
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        main(["compare", "--dataset", str(path), "--id-column", "id", "--models", "naive",
              "--output", "none", "--quiet"])
    (warned,) = _unaligned(record)
    message = str(warned.message)
    assert message.startswith("the series end at 2 different times in 'month' (from 1959-12 to "
                              "1960-12), and each one's hold-out is its own last 12 steps")
    assert "B's hold-out (1959-01; A's training part ends at 1959-12)" in message
    # the sentences backtest's warning has too
    assert ("train on values dated inside other series' hold-outs, which a forecast made at one "
            "date would not have") in message
    assert message.endswith("For a comparison at one date, cut every series to a common last "
                            "time")
