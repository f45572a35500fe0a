"""Several columns named like a time (user trial, session 27).

A long CSV file of ``unique_id, ds, y`` with a ``date`` column beside it (when a row was last
updated), its rows shuffled, was read with no time column at all: two columns named like a time
were both skipped, as a year beside a month is. compare scored the rows in file order with
season 1 (naive sMAPE 15.7, where ``--time-column ds`` gives 8.3), without a word. Now the one of
them that holds dates distinct within each series is the rows' time, as a column found by its
cells where none is named like a time.
"""
import warnings

import numpy as np
import pytest

from skattn.__main__ import _parser, load_dataset, main

#: three monthly series of different lengths, as in the trial's file
_SERIES = {"001": ("2015", 72), "store B": ("2016", 60), "17": ("2017", 48)}


def _month(year, k):
    """The first day of month ``k`` (from 0) counted from January of ``year``, as an ISO date."""
    return f"{int(year) + k // 12}-{k % 12 + 1:02d}-01"


def _rows(update_date, shuffle=False):
    """``(unique_id, ds, y, date)`` rows; ``update_date(k, position)`` gives the date cell of a
    series' ``k``-th month, ``position`` its row's number in the file before any shuffle."""
    rows = []
    for uid, (year, n) in _SERIES.items():
        t = np.arange(n)
        values = 100 + 10 * np.sin(2 * np.pi * t / 12) + t
        rows += [(uid, _month(year, k), f"{values[k]:.3f}", update_date(k, len(rows) + k))
                 for k in range(n)]
    if shuffle:
        order = np.random.default_rng(0).permutation(len(rows))
        rows = [rows[index] for index in order]
    return rows


def _csv(tmp_path, rows, header="unique_id,ds,y,date", name="two_times.csv"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows))
    return str(path)


def _update_date(k, position):
    """An update date that repeats within a series (updated in batches of 10 rows): not the
    rows' time."""
    return _month(2024, position // 10)


def test_a_month_column_beside_an_update_date_is_the_rows_time_and_shuffled_rows_are_refused(
        tmp_path):
    path = _csv(tmp_path, _rows(_update_date, shuffle=True))
    with pytest.raises(ValueError, match=r"not in time order by column 'ds' \(taken as the rows' "
                                         r"times: of the columns named like a time, 'ds' and "
                                         r"'date', only it holds dates on every row, distinct "
                                         r"within each series\)") as excinfo:
        load_dataset(path, "y", "unique_id")
    # the remedy names the column, and the way out when it is not the rows' time
    assert "--time-column ds to have them sorted" in str(excinfo.value)
    assert "give --no-time-column if none is" in str(excinfo.value)


def test_the_trial_file_stops_compare_instead_of_scoring_the_shuffled_rows(tmp_path, capsys):
    path = _csv(tmp_path, _rows(_update_date, shuffle=True))
    with pytest.raises(SystemExit) as excinfo:
        main(["compare", "--dataset", path, "--id-column", "unique_id", "--value-column", "y",
              "--models", "naive", "--output", "none", "--quiet"])
    assert excinfo.value.code == 2
    assert "not in time order by column 'ds'" in capsys.readouterr().err
    # and --time-column ds sorts them, as before
    main(["compare", "--dataset", path, "--id-column", "unique_id", "--value-column", "y",
          "--time-column", "ds", "--models", "naive", "--output", "none", "--quiet"])
    assert "3 series, horizon 12" in capsys.readouterr().out


def test_the_sorted_file_takes_its_season_and_times_from_the_month_column(tmp_path, capsys):
    path = _csv(tmp_path, _rows(_update_date))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        series, horizon, season, _, ids, times, found = load_dataset(
            path, "y", "unique_id", return_times=True, return_time_column=True)
    assert found == "ds" and ids == list(_SERIES)
    assert times[0][:2] == ["2015-01-01", "2015-02-01"]  # the plot's and --forecasts-csv's
    assert [values.size for values in series] == [72, 60, 48]
    main(["compare", "--dataset", path, "--id-column", "unique_id", "--value-column", "y",
          "--models", "naive,snaive", "--output", "none"])
    out = capsys.readouterr().out
    # as for a column named like a time alone: a season from the monthly steps, and the
    # progress output says which column was taken and why
    assert "season 12 and hold-out 12 from the monthly times in column 'ds'" in out
    assert ("times: column 'ds' of two_times.csv, the one of the columns named like a time "
            "whose cells are all dates, distinct within each series") in out


def test_several_named_columns_of_distinct_dates_warn_of_those_the_rows_are_not_in_order_by(
        tmp_path):
    # ds and an update date distinct on every row: either could be the rows' time, as with two
    # columns of dates found by their cells; the warning is that one's
    path = _csv(tmp_path, _rows(lambda k, position: _month(2000, 599 - position)))
    with pytest.warns(UserWarning) as record:
        series, *_, times, found = load_dataset(path, "y", "unique_id", return_times=True,
                                                return_time_column=True)
    (message,) = [str(w.message) for w in record]
    assert message == (
        f"{path}: 2 columns hold dates on every row, distinct within each series ('ds' and "
        f"'date'), and the rows are not in time order by 'date'; compare cannot tell which, if "
        f"any, is the rows' time, so it took the file's order as time order. Name the rows' time "
        f"with --time-column to have the rows sorted by it")
    assert found is None and times is None  # file order, as before
    assert [values.size for values in series] == [72, 60, 48]


@pytest.mark.parametrize(
    "header, rows",
    [
        # a year beside a month, as numbers: neither alone increases (why the rule skipped two)
        ("year,month,value", [(1990 + t // 12, t % 12 + 1, t) for t in range(40)]),
        ("date,time,value", [(20240101 + t // 4, t % 4, t) for t in range(40)]),
        # dates that repeat: the day of hourly rows beside their hour
        ("date,time,value", [(f"2024-01-{t // 24 + 1:02d}", f"{t % 24:02d}:00", t)
                             for t in range(40)]),
    ],
    ids=["year-and-month", "day-code-and-hour", "day-and-hour-of-hourly-rows"],
)
def test_named_columns_without_distinct_dates_read_in_file_order_as_before(tmp_path, header,
                                                                             rows):
    path = tmp_path / "parts.csv"
    path.write_text(header + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (values,), *_, times, found = load_dataset(path, return_times=True,
                                                   return_time_column=True)
    np.testing.assert_array_equal(values, np.arange(40))
    assert times is None and found is None


def test_the_time_column_help_says_how_several_columns_named_like_a_time_are_read():
    compare = _parser()._subparsers._group_actions[0].choices["compare"]
    (action,) = [action for action in compare._actions if "--time-column" in action.option_strings]
    help_text = " ".join(action.help.split())
    assert "only when just one column is" not in help_text
    assert "where several columns are named so (a month ds beside an update date)" in help_text
