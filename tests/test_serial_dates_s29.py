"""compare on a CSV file whose dates a spreadsheet saved as serial numbers (45292 for 2024-01-01):
read as plain numbers, as before, but one warning says what they look like and what to do
(noticed in session 28's spreadsheet trial: season 1 with only the generic season warning)."""
import warnings
from datetime import date, timedelta

import numpy as np
import pytest

from skattn.__main__ import main, warn_of_serial_dates

ZERO = date(1899, 12, 30)


def _serial(day):
    return (day - ZERO).days


def _months(n, start=date(2018, 1, 1)):
    return [date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1)
            for k in range(n)]


def _warnings_of(times, column="ds"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_of_serial_dates(times, column)
    return [str(w.message) for w in caught]


def test_monthly_serial_dates_are_named_with_their_dates():
    times = [[str(_serial(day)) for day in _months(60)]] * 2
    (message,) = _warnings_of(times)
    assert message.startswith("the times in column 'ds' are whole numbers from 43101 to 44896, "
                              "months apart, as a spreadsheet writes dates")
    assert "43101 is 2018-01-01, 44896 is 2022-12-01" in message
    assert "save the column formatted as dates (YYYY-MM-DD)" in message


@pytest.mark.parametrize("step, unit", [(1, "days"), (7, "weeks"), (91, "quarters"),
                                        (365, "years")])
def test_each_calendar_step_in_days_is_named(step, unit):
    start = date(2000, 1, 3)
    times = [[str(_serial(start + timedelta(days=step * k))) for k in range(40)]]
    (message,) = _warnings_of(times)
    assert f", {unit} apart, " in message


@pytest.mark.parametrize("cells", [
    [str(k) for k in range(1, 61)],                      # a counter
    [str(30000 + 3 * k) for k in range(60)],             # in range, but every 3 days
    [str(20240101 + k) for k in range(28)],              # YYYYMMDD codes: out of range
    [f"{40000 + k}.5" for k in range(60)],               # not whole numbers
    [f"2020-01-{k + 1:02d}" for k in range(28)],         # dates
    [str(21915 + k) for k in range(10)],                 # starts before 1960
])
def test_other_times_get_no_warning(cells):
    assert _warnings_of([cells]) == []


def test_no_times_or_one_time_per_series_get_no_warning():
    assert _warnings_of(None) == [] and _warnings_of([["45000"], ["45001"]]) == []


def _serial_csv(tmp_path):
    lines = ["unique_id,ds,y"]
    for s, name in enumerate("AB"):
        lines += [f"{name},{_serial(day)},{1000 + 3 * k + 80 * np.sin(2 * np.pi * k / 12) + s:.1f}"
                  for k, day in enumerate(_months(60))]
    path = tmp_path / "serial.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _compare_warnings(args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(args)
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_compare_warns_and_not_once_season_and_horizon_are_given(tmp_path):
    path = _serial_csv(tmp_path)
    args = ["compare", "--dataset", path, "--id-column", "unique_id", "--value-column", "y",
            "--models", "naive", "--output", "none", "--quiet", "--n-jobs", "1"]
    assert [message for message in _compare_warnings(args)
            if "are whole numbers from 43101 to 44896, months apart" in message]
    given = _compare_warnings(args + ["--season-length", "12", "--horizon", "18"])
    assert not [message for message in given if "whole numbers" in message]
