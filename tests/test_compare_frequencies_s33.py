"""compare on data of frequencies it was not tuned on (frequencies trial, session 33): the
attention model's window never below 2, the season hint only at a peak of the autocorrelation
(and at 5 and 48 too, business days told), weekly data's ensemble context long enough for the
seasonal adjustment's test, no fallback warning of a yearly file's season 1 to itself. Each
test failed on the code before its fix."""
import warnings
from datetime import date, timedelta

import numpy as np
import pytest

from skattn.__main__ import calendar_defaults, common_season, ensemble_design, main

_FAST = ["--output", "none", "--n-jobs", "1"]


def _header(out):
    """compare's last progress line '... hold-out ..., window ...; models: ...'."""
    return [line for line in out.splitlines() if "; models: " in line][-1]


def test_the_attention_models_window_is_never_1_and_a_short_one_is_warned_of(tmp_path, capsys):
    # 30 daily values, hold-out 14: the cap (16 - 14 + 1) // 2 gave window 1, a constant window
    # to the model, which forecast the naive forecast to the digit, and its own warning was
    # hidden by compare's filter
    rng = np.random.default_rng(0)
    t = np.arange(30)
    values = 100 + 20 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 30)
    path = tmp_path / "d30.csv"
    path.write_text("ds,value\n" + "".join(
        f"{date(2024, 1, 1) + timedelta(days=k)},{float(v)!r}\n" for k, v in enumerate(values)))
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", str(path), "--models", "naive,attention",
              "--max-epochs", "1", *_FAST])
    assert "hold-out 14, season 7, window 2;" in _header(capsys.readouterr().out)
    (message,) = [str(w.message) for w in record if "window is" in str(w.message)]
    assert message.startswith("the attention model's window is 2 steps, shorter than one season "
                              "of 7 (compare's choice is the longer of 3 seasons and 2 "
                              "hold-outs, 28): the training parts are too short for more (the "
                              "shortest has 16 values, the longest 16")
    # not warned when the window holds a season, nor without the attention model
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        main(["compare", "--dataset", str(path), "--models", "naive", *_FAST])
        main(["compare", "--dataset", str(path), "--models", "naive,attention", "--max-epochs",
              "1", "--horizon", "4", *_FAST])
    assert "hold-out 4, season 7, window 11;" in _header(capsys.readouterr().out)


def test_the_window_of_2_holds_on_the_shortest_data_compare_accepts(tmp_path, capsys):
    # 3 values, hold-out 1, season 1: 2 to train on, a window of 2 (it was 1)
    path = tmp_path / "tiny.csv"
    path.write_text("value\n1\n2\n4\n")
    main(["compare", "--dataset", str(path), "--models", "attention", "--max-epochs", "1",
          "--horizon", "1", "--season-length", "1", *_FAST])
    assert "window 2;" in _header(capsys.readouterr().out)


def _series(period, n, count=3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return [100 + 20 * np.sin(2 * np.pi * t / period) + rng.normal(0, 1, n)
            for _ in range(count)]


def _ar_walks(n, count=3, seed=0):
    """Random walks whose steps are AR(1), phi 0.8: a smooth trend, no season."""
    rng = np.random.default_rng(seed)
    walks = []
    for _ in range(count):
        steps = np.zeros(n)
        noise = rng.normal(0, 1, n)
        for k in range(1, n):
            steps[k] = 0.8 * steps[k - 1] + noise[k]
        walks.append(100 + np.cumsum(steps))
    return walks


@pytest.mark.parametrize("histories, expected", [
    (_series(48, 600), 48),  # half-hourly: was 4
    (_series(5, 250), 5),  # business days: was 4
    (_series(24, 600), 24),  # hourly: was 4
    (_series(96, 600), None),  # 15-minute, 96 not tested: was 4
    (_ar_walks(300), None),  # no season: was 4
])
def test_the_season_hint_names_a_period_only_at_a_peak(histories, expected):
    # the hint tested the differences, which any smooth series correlates positively at lag 4,
    # and ties went to the shorter period: it named 4 for nearly everything
    found = common_season(histories)
    assert (None if found is None else found[0]) == expected


def test_ar_walks_of_other_seeds_get_no_season_hint():
    for seed in range(10):
        assert common_season(_ar_walks(300, seed=seed)) is None


def _business_day_csv(path, n_days=130):
    days = []
    day = date(2024, 1, 1)
    while len(days) < n_days:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    profile = np.array([30.0, 10.0, 0.0, -10.0, -30.0])  # Monday high ... Friday low
    rng = np.random.default_rng(0)
    rows = ["store,date,sales"]
    for store in range(3):
        rows += [f"S{store},{d.isoformat()},{float(200 + 10 * store + profile[d.weekday()] + e)!r}"
                 for d, e in zip(days, rng.normal(0, 3, n_days))]
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_business_days_are_told_to_take_season_5(tmp_path, capsys):
    # season 1 and the gap warning's "ignore this ... (business days)" were all: nothing
    # named the week of 5 days; following the hint's 4 made the seasonal naive worse
    path = _business_day_csv(tmp_path / "bday.csv")
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", path, "--id-column", "store", "--value-column", "sales",
              "--models", "naive,snaive", *_FAST])
    messages = [str(w.message) for w in record]
    (gaps,) = [m for m in messages if "gaps in their times" in m]
    assert gaps.endswith("or ignore this if the data skip times by design: every gap is a "
                         "weekend, and business days are read as consecutive as they should "
                         "be (their weekly cycle is --season-length 5; compare does not take "
                         "it from business days' times)")
    (season,) = [m for m in messages if "test seasonal" in m]
    assert ("season 1 (none), but 3 of the 3 series (100%) test seasonal at period 5" in season
            and "the times in column 'date' are business days, whose week (5 days) compare "
                "does not take as their season" in season
            and "give --season-length 5 if 5 steps are a season" in season)
    assert "hold-out 12, season 1," in _header(capsys.readouterr().out)


def test_a_daily_gap_that_is_no_weekend_keeps_the_general_advice(tmp_path):
    from skattn.__main__ import _steps_by_business_days, load_dataset

    days = [date(2024, 3, 1) + timedelta(days=k) for k in range(30) if k != 19]
    path = tmp_path / "daily.csv"
    path.write_text("date,value\n" + "".join(f"{d},{k}\n" for k, d in enumerate(days)))
    with pytest.warns(UserWarning) as record:
        load_dataset(str(path))
    (message,) = [str(w.message) for w in record]
    assert message.endswith("or ignore this if the data skip times by design (business days)")
    assert not _steps_by_business_days([[d.isoformat() for d in days]])


@pytest.mark.parametrize("length, context", [(228, 196), (160, 105)])
def test_weekly_ensemble_context_is_long_enough_for_the_seasonality_test(length, context):
    # 105 (two seasons and one) never passed the trend family's test at 1.645, which needs 196,
    # and the SeasonalAdjustmentWarning asked for longer windows compare has no option for;
    # training parts shorter than 197 keep 105
    rng = np.random.default_rng(0)
    series = [100 + rng.normal(size=length).cumsum() for _ in range(3)]
    _, window_args, description = ensemble_design(series, 13, 52, seed=0, n_jobs=1)
    assert window_args["window"] == context
    assert f"reading {context}," in description


def test_m3_monthlys_ensemble_context_is_unchanged():
    # the M3 benchmark's design: horizon 18, season 12, series of 48 to 144 values
    rng = np.random.default_rng(0)
    series = [100 + rng.normal(size=n).cumsum() for n in (48, 69, 126, 144)]
    _, window_args, _ = ensemble_design(series, 18, 12, seed=0, n_jobs=1)
    assert window_args == {"window": 90, "min_history": 54, "min_target": 1}


def test_a_yearly_file_too_short_is_not_told_season_1_falls_back_to_itself(tmp_path, capsys):
    # "the yearly times ... have a season of 1, but the series are too short for it ...: hold-out
    # 6 (the calendar's), season 1" before the real error about the length
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert calendar_defaults("yearly", [np.arange(12.0) + 1], "date") == (6, 1, None)
    path = tmp_path / "years.csv"
    path.write_text("date,value\n" + "".join(f"{1949 + k}-01-01,{100 + k}\n" for k in range(12)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SystemExit):
            main(["compare", "--dataset", str(path), "--models", "naive", *_FAST])
    err = capsys.readouterr().err
    assert "warning" not in err
    assert "the series has 12 values: a hold-out of 6 leaves 6 to train on" in err
    # a fallback that differs is still warned of: quarterly data too short for season 4
    with pytest.warns(UserWarning, match="have a season of 4, but the series are too short"):
        calendar_defaults("quarterly", [np.arange(16.0), np.arange(16.0) + 1], "ds")
