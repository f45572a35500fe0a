"""Findings of a user trial on weekly data, session 23: the MASE scorer on windows barely longer
than the season (a fold decided by one window's tiny scale, without a word), and quarters written
as pandas writes them (2018Q2) refused by ``compare --time-column``. The CLI's column of dates
named otherwise than ds/date/... is tested in test_main.py, next to its fixtures."""
import copy
import pickle
import warnings
from datetime import datetime

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

from skattn import make_windows
from skattn.exceptions import MetricWarning
from skattn.metrics import make_mase_scorer, mase
from skattn.model_selection import OriginSplit


def _weekly_panel(n_series=30, n_values=4 * 52, seed=0):
    """Weekly-like series: a yearly cycle of 52 weeks (two harmonics) and noise, by series."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_values)
    panel = []
    for _ in range(n_series):
        level = rng.uniform(50, 200)
        amplitude = rng.uniform(0.1, 0.4) * level
        phase = rng.uniform(0, 2 * np.pi)
        panel.append(level + amplitude * np.sin(2 * np.pi * t / 52 + phase)
                     + 0.5 * amplitude * np.sin(4 * np.pi * t / 52 + phase)
                     + rng.normal(0, 0.08 * level, n_values))
    return panel


def _few_differences(caught):
    return [w for w in caught if issubclass(w.category, MetricWarning)
            and "seasonal difference" in str(w.message)]


# ------------------------------------------------------------------------------------------
# 1. make_mase_scorer on windows of few seasonal differences
# ------------------------------------------------------------------------------------------
def test_mase_scorer_warns_once_where_a_window_s_one_difference_decides_the_fold():
    # windows of 53 weeks, season 52: each window's scale is one seasonal difference; a fold of
    # a search scored many times its median window's MASE (the trial: -13.64 against 0.6)
    X, y, index = make_windows(_weekly_panel(), window=53, horizon=13, return_index=True)
    cv = OriginSplit(index, horizon=13, n_origins=4)
    train, test = list(cv.split(X, y))[-1]
    model = Ridge().fit(X[train], y[train])
    scorer = make_mase_scorer(52)
    with pytest.warns(MetricWarning) as record:
        fold = -scorer(model, X[test], y[test])
    per_window = [mase(y[i], model.predict(X[i:i + 1])[0], X[i], 52) for i in test]
    assert fold > 2 * np.median(per_window)  # the reproducer: one window decides the fold
    (message,) = [str(w.message) for w in _few_differences(record)]
    assert record[0].filename == __file__  # the line that called the scorer
    assert message.startswith(
        "windows of 53 values with season_length=52 hold 1 seasonal difference each (window - "
        "season_length), and the MASE scorer scales each window's forecast by the mean of its "
        "differences: a window whose difference happens to be small gets a tiny scale and a "
        "huge MASE")
    # the remedies: longer windows, a shorter season for the scale, another scorer
    for remedy in ("make_windows(..., window=64)", "56 at least",
                   "make_mase_scorer(1): 52 differences a window", "neg_mae_scorer"):
        assert remedy in message
    # once per scorer and windows: not again at its next call
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricWarning)
        assert -scorer(model, X[test], y[test]) == fold
    # the value is the one it had: exactly minus mase with the windows as histories
    assert fold == mase(y[test], model.predict(X[test]), list(X[test]), 52)


def test_mase_scorer_in_a_search_warns_once_not_at_every_fold_and_candidate():
    # a search calls its scorer once per fold and candidate (12 here), and scikit-learn resets
    # the warning filters for each call: Python's once-per-line rule did not hold
    X, y, index = make_windows(_weekly_panel(n_series=10), window=54, horizon=13,
                               return_index=True)
    with warnings.catch_warnings(record=True) as caught:
        # the default filters: "always" shows it at every call, as asked (session 24)
        warnings.simplefilter("default")
        GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring=make_mase_scorer(52),
                     cv=OriginSplit(index, horizon=13, n_origins=4)).fit(X, y)
    (warned,) = _few_differences(caught)
    assert "hold 2 seasonal differences each" in str(warned.message)
    assert warned.filename == __file__  # the line that ran the search


@pytest.mark.parametrize(
    "window, season, shown",
    [
        (53, 52, "3.2 times their MASE with exact scales at the median, 9.6 times in 1 fold of "
                 "10"),
        (54, 52, "1.5 times their MASE with exact scales at the median, 2 times in 1 fold of 10"),
        (15, 12, "1.26 times their MASE with exact scales at the median, 1.5 times in 1 fold"),
        (4, 1, "hold 3 seasonal differences each"),
        (56, 52, None),
        (24, 12, None),  # the docstrings' airline windows: 12 differences
        (6, 1, None),
        (12, 1, None),
    ],
)
def test_mase_scorer_warns_below_4_seasonal_differences(window, season, shown):
    rng = np.random.default_rng(5)
    X = 100 + rng.normal(0, 5, size=(20, window))
    y = 100 + rng.normal(0, 5, size=(20, 3))
    model = Ridge().fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_mase_scorer(season)(model, X, y)
    messages = [str(w.message) for w in _few_differences(caught)]
    if shown is None:
        assert messages == []
    else:
        (message,) = messages
        assert shown in message
        # with season 1 there is no shorter season to scale by
        assert ("shorter season" in message) == (season > 1)


def test_mase_scorer_warns_again_for_a_new_scorer_or_other_windows_not_for_copies():
    rng = np.random.default_rng(6)
    X = 100 + rng.normal(0, 5, size=(20, 14))
    y = 100 + rng.normal(0, 5, size=(20, 2))
    model = Ridge().fit(X, y)
    scorer = make_mase_scorer(12)

    def warned(score, *data):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")  # "always" shows it at every call (session 24)
            score(model, *data)
        return len(_few_differences(caught))

    assert warned(scorer, X, y) == 1
    assert warned(scorer, X, y) == 0
    # a copy pickled to a search's worker, or deep-copied: the same scorer, warned already
    assert warned(pickle.loads(pickle.dumps(scorer)), X, y) == 0
    assert warned(copy.deepcopy(scorer), X, y) == 0
    assert warned(make_mase_scorer(12), X, y) == 1  # a new scorer
    # windows of another length: warned of in their own words
    shorter = Ridge().fit(X[:, 1:], y)
    with pytest.warns(MetricWarning, match="windows of 13 values with season_length=12 hold 1 "):
        scorer(shorter, X[:, 1:], y)
    # a window of no seasonal difference is mase's error, not this warning
    with pytest.raises(ValueError, match="longer than season_length=12"):
        scorer(Ridge().fit(X[:, 2:], y), X[:, 2:], y)


def test_mase_scorer_pickled_before_it_had_a_token_still_scores_and_warns():
    # a fitted search's scorer_ pickled by an earlier version has no _token
    rng = np.random.default_rng(7)
    X = 100 + rng.normal(0, 5, size=(20, 13))
    y = 100 + rng.normal(0, 5, size=(20, 2))
    model = Ridge().fit(X, y)
    scorer = make_mase_scorer(12)
    del scorer.__dict__["_token"]
    with pytest.warns(MetricWarning, match="hold 1 seasonal difference"):
        value = scorer(model, X, y)
    assert value == -mase(y, model.predict(X), list(X), 12)


def test_mase_function_scales_by_the_histories_given_without_a_warning():
    # the decision of session 23: mase() computes MASE of the histories its caller chose (the
    # whole series before each forecast, as MASE is defined); only the scorer, whose histories
    # are windows cut to the model's input, warns. Its docstring says what few differences do.
    from skattn.metrics import msis

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mase([5.0, 6.0], [5.5, 6.5], [1.0, 3.0, 2.0, 4.0], season_length=3) == 0.5 / 3.0
        msis([5.0, 6.0], [4.0, 5.0], [6.0, 7.0], [1.0, 3.0, 2.0, 4.0], season_length=3)
    assert "a history with few of them has a noisy scale" in " ".join(mase.__doc__.split())


def test_mase_scorer_docstrings_give_the_measurements_and_remedies():
    doc = " ".join(make_mase_scorer.__doc__.split())
    assert "window - m seasonal differences" in doc
    assert "1 fold in 10 9.6 2.0 1.5 1.35 1.16 1.11 1.06" in doc
    assert "Make windows of ``m + 12`` values or more" in doc
    assert "season_length + 4" in " ".join(make_mase_scorer(1).__class__.__doc__.split())


# ------------------------------------------------------------------------------------------
# 3. quarters written as text: 2018Q2, 2018-Q2
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, expected",
    [("2018Q2", datetime(2018, 4, 1)), ("2018-Q3", datetime(2018, 7, 1)),
     (" 2018q4 ", datetime(2018, 10, 1)), ("1999Q1", datetime(1999, 1, 1)),
     ("2018Q5", None), ("2018Q0", None), ("0000Q1", None), ("2018-Q", None), ("18Q2", None)],
)
def test_quarter_text_is_read_as_the_quarter_s_first_day(cell, expected):
    from skattn.__main__ import _time_kind, _time_value

    time_ = _time_value(cell)
    assert time_ == expected
    if expected is not None:  # of the kind of the other dates: ordered with them
        assert _time_kind(time_) == _time_kind(_time_value("2018-04-01"))


def test_quarter_text_steps_are_counted_in_quarters():
    from skattn.__main__ import _time_steps, _time_value

    cells = ["2018Q3", "2018Q4", "2019Q1", "2019-Q2", "2019Q4", "2021Q1"]
    times = [_time_value(cell) for cell in cells]
    step, unit = _time_steps(times)
    assert unit == "quarter"
    assert [step(a, b) for a, b in zip(times, times[1:])] == [1, 1, 1, 2, 5]
    # quarters among other dates: as dates, in seconds
    mixed = times[:2] + [_time_value("2019-01-01")]
    assert _time_steps(mixed)[1] == "second"


def _quarterly_csv(tmp_path, rows, header="period,value"):
    path = tmp_path / "quarters.csv"
    path.write_text(header + "\n" + "".join(f"{a},{b}\n" for a, b in rows))
    return str(path)


def _quarter(t):
    return f"{2010 + t // 4}Q{t % 4 + 1}"


def test_time_column_of_quarter_text_sorts_the_rows_and_warns_of_a_missing_quarter(tmp_path):
    # --time-column refused 2018Q2 ("neither a number nor an ISO 8601 date"), though it read
    # 20182 (user trial, session 23)
    from skattn.__main__ import load_dataset

    order = np.random.default_rng(0).permutation(40)
    path = _quarterly_csv(tmp_path, [(_quarter(t), float(t)) for t in order])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no gap: consecutive quarters
        (values,), *_, times = load_dataset(path, time_column="period", return_times=True)
    np.testing.assert_array_equal(values, np.arange(40.0))
    assert times == [[_quarter(t) for t in range(40)]]
    # a quarter missing is a gap of 2 quarters, warned as for the other times
    path = _quarterly_csv(tmp_path, [(_quarter(t).replace("Q", "-Q"), float(t))
                                     for t in range(40) if t != 13])
    with pytest.warns(UserWarning, match=r"the series has a gap in its times, steps of column "
                                         r"'period' longer than 1\.5 times the typical 1 "
                                         r"quarter \(no row between 2013-Q1 and 2013-Q3\)"):
        load_dataset(path, time_column="period")


def test_compare_time_column_of_quarter_text_scores_as_the_sorted_file(tmp_path, capsys):
    from skattn.__main__ import main

    t = np.arange(40)
    values = np.round(100 + 10 * np.sin(np.pi * t / 2) + t, 2)
    tables = []
    for rows in ([(_quarter(k), values[k]) for k in t],
                 [(_quarter(k), values[k]) for k in t[::-1]]):
        path = _quarterly_csv(tmp_path, rows)
        main(["compare", "--dataset", path, "--time-column", "period", "--season-length", "4",
              "--horizon", "4", "--models", "naive,snaive", "--output", "none", "--quiet",
              "--n-jobs", "1"])
        out = capsys.readouterr().out
        tables.append([line.split("|")[1:6] for line in out.splitlines()
                       if "Forecaster" in line])
    assert tables[0] == tables[1] and len(tables[0]) == 2
