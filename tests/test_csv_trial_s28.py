"""compare's CSV reader on the shapes a spreadsheet user exports (user trial, session 28): the
files it read silently wrong now stop or warn, and its errors say what to do."""
import warnings

import numpy as np
import pytest

from skattn.__main__ import _read_csv, calendar_frequency, check_lengths, warn_of_unused_seasons


def _month(k, year=2020):
    return f"{year + k // 12}-{k % 12 + 1:02d}-01"


def _values(n, level=1000.0, series=0):
    t = np.arange(n)
    return np.round(level + 3 * t + 80 * np.sin(2 * np.pi * t / 12) + 17 * series, 1)


def _write(tmp_path, lines, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return str(path)


def _long_lines(n=36, ids="ABC", value=lambda v: f"{v}", header="unique_id,ds,y", tail=""):
    lines = [header]
    for s, name in enumerate(ids):
        lines += [f"{name},{_month(k)},{value(v)}{tail}" for k, v in enumerate(_values(n, series=s))]
    return lines


def _read(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read = _read_csv(path, **kwargs)
    return read, [str(w.message) for w in caught]


# ------------------------------------------------------------------------------------------
# values written with a decimal comma into a comma-separated file


def test_a_decimal_comma_landing_in_an_unnamed_last_column_is_an_error(tmp_path):
    # an Excel ';' file whose separators were replaced: 'A,2020-01-01,1002,5,' under a header
    # 'unique_id,ds,y,' read 1002 and put the 5 in the unnamed column, exit 0 and no warning
    lines = _long_lines(header="unique_id,ds,y,", value=lambda v: f"{v:.1f}".replace(".", ","),
                        tail=",")
    path = _write(tmp_path, lines)
    with pytest.raises(ValueError, match=r"line 2 has '0' in column 4, which the header leaves "
                                         r"unnamed .*a decimal comma \(write 1002.5"):
        _read_csv(path, value_column="y", id_column="unique_id")


def _noisy_lines(header, cell, n=40):
    rng = np.random.default_rng(1)
    return [header] + [f"A,{_month(k)},{cell(value)}"
                       for k, value in enumerate(np.round(rng.uniform(900, 1100, n), 1))]


@pytest.mark.parametrize("whole", ["1002,0", "1002"])  # ',0' written, or left out
def test_a_decimal_comma_before_a_named_empty_column_warns(tmp_path, whole):
    def cell(value):
        text = f"{value:.1f}".replace(".", ",")
        return (whole.replace("1002", text[:-2]) if text.endswith(",0") else text) + ","

    path = _write(tmp_path, _noisy_lines("unique_id,ds,y,comment", cell))
    _, messages = _read(path, value_column="y", id_column="unique_id")
    (message,) = messages
    assert "values written with a decimal comma" in message
    assert "They were read without their decimals" in message


@pytest.mark.parametrize("flag", [lambda k: k % 2, lambda k: k % 7 + 1])  # promotion, weekday
def test_integer_sales_beside_a_flag_with_a_comma_ending_each_data_line_do_not_warn(tmp_path,
                                                                                      flag):
    lines = ["unique_id,ds,y,flag"] + [f"A,{_month(k)},{100 + 7 * k},{flag(k)}," for k in range(40)]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert not messages


def test_an_integer_column_beside_a_flag_column_does_not_warn(tmp_path):
    # sales and a promotion flag: integers next to one digit, rows as long as the header
    lines = ["unique_id,ds,y,promo"] + [f"A,{_month(k)},{100 + k},{k % 2}" for k in range(40)]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert not messages


# ------------------------------------------------------------------------------------------
# a dot between thousands


def _dot_thousands(value):
    whole = int(round(value))
    return f"{whole // 1000}.{whole % 1000:03d}" if whole >= 1000 else str(whole)


def test_values_with_a_dot_between_thousands_warn(tmp_path):
    # 1.002 beside 965 in one series: read as 1.002, a thousandth of its neighbours
    lines = _long_lines(value=_dot_thousands)
    read, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert any("a dot between thousands" in message and "export the file without thousands "
               "separators" in message for message in messages), messages
    assert read["A"].min() < 10 < 500 < read["A"].max()  # still read as written, warned


def test_values_with_three_decimals_do_not_warn(tmp_path):
    # measurements in litres, trailing zeros dropped as a spreadsheet writes them
    rng = np.random.default_rng(0)
    cells = [f"{value:.3f}".rstrip("0").rstrip(".") for value in rng.uniform(0, 9, 60)]
    lines = ["ds,value"] + [f"{_month(k)},{cell}" for k, cell in enumerate(cells)]
    _, messages = _read(_write(tmp_path, lines))
    assert not messages


# ------------------------------------------------------------------------------------------
# a row of totals


def test_a_total_row_under_a_wide_sheet_is_an_error(tmp_path):
    lines = ["date,storeA,storeB"] + [f"{_month(k)},{100 + k},{200 + k}" for k in range(40)]
    lines.append("Total,5380,9380")
    with pytest.raises(ValueError, match=r"line 42 is a row of totals, not a value of a series "
                                         r".*'Total' in column 'date'"):
        _read_csv(_write(tmp_path, lines), value_column="storeA")


def test_a_total_row_under_a_long_table_is_an_error(tmp_path):
    lines = _long_lines() + ["Total,,268017.1"]
    with pytest.raises(ValueError, match="line 110 is a row of totals"):
        _read_csv(_write(tmp_path, lines), value_column="y", id_column="unique_id")


def test_a_series_named_total_is_read_as_any_other(tmp_path):
    # the top of a hierarchy, with a time on every row
    lines = _long_lines(ids=["Total", "north", "south"])
    read, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert list(read) == ["Total", "north", "south"] and not messages


# ------------------------------------------------------------------------------------------
# ids written two ways


@pytest.mark.parametrize("first, second", [("01", "1"), ("1", "1.0"), ("A", "a"),
                                           ("Caf\u00e9", "Cafe\u0301")])
def test_ids_that_differ_only_in_how_they_are_written_warn(tmp_path, first, second):
    lines = ["unique_id,ds,y"]
    lines += [f"{first if k < 20 else second},{_month(k)},{v}"
              for k, v in enumerate(_values(40))]
    lines += [f"B,{_month(k)},{v}" for k, v in enumerate(_values(40))]
    read, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert list(read) == [first, second, "B"]  # still two series: compare does not guess
    (message,) = messages
    assert "1 group(s) of series ids in column 'unique_id' differ only in case" in message
    assert f"{first!r}" in message and "(line 2)" in message and "(line 22)" in message
    if not second.isascii():  # ids that print alike are told apart
        assert ascii(second) in message


def test_distinct_ids_do_not_warn(tmp_path):
    _, messages = _read(_write(tmp_path, _long_lines(ids=["A", "B", "AB"])), value_column="y",
                        id_column="unique_id")
    assert not messages


# ------------------------------------------------------------------------------------------
# cells a spreadsheet writes for no value


@pytest.mark.parametrize("cell", ["-", "#DIV/0!", "#VALUE!", "#N/A"])
def test_spreadsheet_error_cells_are_missing_values_of_their_series(tmp_path, cell):
    lines = _long_lines()
    lines[32] = lines[32].rsplit(",", 1)[0] + f",{cell}"
    with pytest.raises(ValueError, match=rf"has a missing value: line 33 has '{cell}' "
                                         rf"\(series 'A'\)\. Fill the missing values"):
        _read_csv(_write(tmp_path, lines), value_column="y", id_column="unique_id")


# ------------------------------------------------------------------------------------------
# errors that say what to do


def test_a_column_named_in_another_case_is_suggested(tmp_path):
    lines = ["Date,Value"] + [f"{_month(k)},{k}" for k in range(30)]
    with pytest.raises(ValueError, match=r"no column 'value' .*names are matched exactly, "
                                         r"case too: 'Value'\?"):
        _read_csv(_write(tmp_path, lines))


def test_a_wide_file_is_named_and_its_reshaping_given(tmp_path):
    lines = ["date,storeA,storeB,storeC"] + [f"{_month(k)},{k},{2 * k},{3 * k}" for k in range(30)]
    with pytest.raises(ValueError, match=r"A 'wide' file, one column per series \('storeA', "
                                         r"'storeB' and 'storeC'\)\? .*--value-column storeA.*"
                                         r"df\.melt\(id_vars='date'"):
        _read_csv(_write(tmp_path, lines))


def test_a_long_file_with_numeric_ids_is_not_called_wide(tmp_path):
    lines = _long_lines(ids="123")
    with pytest.raises(ValueError) as excinfo:
        _read_csv(_write(tmp_path, lines))  # no value column 'value'
    assert "wide" not in str(excinfo.value)


def test_a_file_not_in_utf8_names_the_line(tmp_path):
    lines = ["unique_id,ds,y"] + [f"A,{_month(k)},{k}" for k in range(5)] + ["Caf\u00e9,2021-01-01,3"]
    path = _write(tmp_path, lines, encoding="cp1252")
    with pytest.raises(ValueError, match=r"is not UTF-8 text \(line 7 has the byte b'\\xe9'"):
        _read_csv(path, value_column="y", id_column="unique_id")


def test_a_semicolon_file_with_decimal_commas_is_told_both(tmp_path):
    lines = ["unique_id;ds;y"] + [f"A;{_month(k)};{k},5" for k in range(5)]
    with pytest.raises(ValueError, match=r"separate the columns with commas, and write decimals "
                                         r"with a point \(1002\.5, not 1002,5\)"):
        _read_csv(_write(tmp_path, lines), value_column="y", id_column="unique_id")


def test_a_headerless_line_with_a_decimal_comma_is_named(tmp_path):
    lines = ["1002,5", "1075,4", "1148,7"]
    with pytest.raises(ValueError, match=r"or is 1002,5 one value with a decimal comma\? write "
                                         r"1002\.5"):
        _read_csv(_write(tmp_path, lines))


def test_a_column_of_dates_compare_cannot_read_warns_that_the_order_is_unchecked(tmp_path):
    # newest first, dates mm/dd/yyyy in a column not named like a time: scored backwards,
    # with no word of the dates
    lines = ["unique_id,Order Date,y"]
    for name in "AB":
        lines += [f"{name},{12 - k % 12:02d}/01/{2024 - k // 12},{v}"
                  for k, v in enumerate(_values(36))]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    (message,) = messages
    assert ("column 'Order Date' holds dates on every row, distinct within each series, written "
            "as compare does not read them as times (line 2: '12/01/2024'), so the order of the "
            "rows was not checked" in message)


def test_rows_of_separators_only_at_the_end_are_blank_lines(tmp_path):
    # how a spreadsheet exports rows it once formatted
    lines = _long_lines() + [",,"] * 3
    read, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert [values.size for values in read.values()] == [36, 36, 36] and not messages


def test_one_short_series_is_told_the_horizon_that_fits():
    # 4: a hold-out of 4 leaves 6 values, a training window of 5 (review: 8 was refused next)
    with pytest.raises(ValueError, match=r"has 10 values: too few .*: choose a --horizon of at "
                                         r"most 4"):
        check_lengths([np.arange(10.0)], horizon=12, season_length=1)
    with pytest.raises(ValueError, match=r"choose a --season-length below 16 \(1 for none\) or "
                                         r"a shorter --horizon"):
        check_lengths([np.arange(20.0)], horizon=4, season_length=24)


def test_a_season_from_the_calendar_is_not_called_an_option():
    with pytest.warns(UserWarning, match=r"^the season from the times' calendar unit: no series "
                                         r"holds two cycles of 52 .*give a smaller "
                                         r"--season-length"):
        warn_of_unused_seasons([("theta", "ThetaForecaster")], (52,), [87], given=False)


@pytest.mark.parametrize("offsets, expected", [
    # monthly and quarterly times as pandas writes them in Europe/Berlin
    ([(f"2020-{m:02d}-01T00:00:00+0{1 if m in (1, 2, 3, 11, 12) else 2}:00") for m in range(1, 13)]
     * 1, "monthly"),
    ([f"{2012 + q // 4}-{3 * (q % 4) + 1:02d}-01T00:00:00+0{1 if q % 4 in (0, 3) else 2}:00"
      for q in range(12)], "quarterly"),
])
def test_times_whose_utc_offset_changes_keep_their_calendar_unit(offsets, expected):
    assert calendar_frequency([offsets]) == expected


def test_compare_names_the_numbers_it_does_not_read_in_a_wide_file(tmp_path, capsys):
    from skattn.__main__ import main, unread_number_columns

    lines = ["date,storeA,storeB,storeC"] + [f"{_month(k)},{v},{v + 5},{v + 9}"
                                             for k, v in enumerate(_values(40))]
    path = _write(tmp_path, lines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["compare", "--dataset", path, "--value-column", "storeA", "--models", "naive",
              "--output", "none", "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert ("one series, from column 'storeA'; 'storeB' and 'storeC' also hold numbers, not "
            "read (one series per column, a 'wide' file?") in out
    # the parts of a time are not series
    parts = _write(tmp_path, ["year,month,value"] + [f"{2000 + k // 12},{k % 12 + 1},{k}"
                                                     for k in range(40)], name="parts.csv")
    assert unread_number_columns(parts) == []


# ------------------------------------------------------------------------------------------
# the review of the first version: correct files it refused or warned of, and what it missed


def test_a_total_series_with_dates_compare_cannot_read_is_read(tmp_path):
    lines = ["unique_id,date,y"] + [f"{name},01/{k % 12 + 1:02d}/{2020 + k // 12},{k + 5 * i}"
                                    for i, name in enumerate(["Total", "A"]) for k in range(30)]
    read, _ = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert list(read) == ["Total", "A"]


def test_text_in_an_unnamed_last_column_is_a_note(tmp_path):
    lines = ["ds,value,"] + [f"{_month(k)},{k},{'checked' if k == 5 else ''}" for k in range(30)]
    read, _ = _read(_write(tmp_path, lines))
    assert read.size == 30


def test_a_one_column_file_under_an_empty_header_is_read(tmp_path):
    read, _ = _read(_write(tmp_path, [" "] + [str(k) for k in range(30)]))
    assert read.size == 30


@pytest.mark.parametrize("cell", [lambda k: "31/12/2023",            # a launch date on each row
                                  lambda k: f"1.0.{k}",              # version strings
                                  lambda k: f"{10 + k % 20}-20-30"])  # codes
def test_columns_that_are_not_the_rows_dates_do_not_warn(tmp_path, cell):
    lines = ["unique_id,other,y"] + [f"A,{cell(k)},{k}" for k in range(30)]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert not messages


def test_codes_of_two_levels_are_not_ids_written_two_ways(tmp_path):
    lines = ["code,ds,y"] + [f"{code},{_month(k)},{k}" for code in ("01.1", "01.10", "1E3", "1000")
                             for k in range(30)]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="code")
    assert not messages


def test_rates_beside_whole_numbers_are_no_dots_between_thousands(tmp_path):
    lines = ["ds,value"] + [f"{_month(k)},{'0.004' if k % 2 else '1'}" for k in range(30)]
    _, messages = _read(_write(tmp_path, lines))
    assert not messages


def test_two_numeric_columns_are_not_called_a_wide_file(tmp_path):
    lines = ["ds,price,sales"] + [f"{_month(k)},{k},{2 * k}" for k in range(30)]
    with pytest.raises(ValueError) as excinfo:
        _read_csv(_write(tmp_path, lines))
    assert "wide" not in str(excinfo.value)


@pytest.mark.parametrize("label", ["Total", "TOTAL:", "Σ", "Summe"])
def test_a_total_under_one_series_without_a_time_column_is_an_error(tmp_path, label):
    lines = ["period,value"] + [f"{k + 1},{100 + k}" for k in range(30)] + [f"{label},3435"]
    with pytest.raises(ValueError, match="line 32 is a row of totals"):
        _read_csv(_write(tmp_path, lines))


def test_dots_between_thousands_in_a_file_sorted_by_time_then_id_warn(tmp_path):
    lines = ["unique_id,ds,y"]
    for k in range(36):
        lines += [f"{name},{_month(k)},{_dot_thousands(value)}"
                  for name, value in (("A", 950 + 3 * k), ("B", 2000 + k))]
    _, messages = _read(_write(tmp_path, lines), value_column="y", id_column="unique_id")
    assert any("a dot between thousands" in message for message in messages), messages


def test_a_utf16_file_is_named_so(tmp_path):
    path = _write(tmp_path, ["ds,value"] + [f"{_month(k)},{k}" for k in range(5)],
                  encoding="utf-16")
    with pytest.raises(ValueError, match=r"is UTF-16 text \(Excel's 'Unicode Text' export\)"):
        _read_csv(path)


def test_rows_of_separators_do_not_hide_a_column_of_dates_found_by_its_cells(tmp_path):
    # a column 'week' of ISO dates is the rows' time by its cells; the spreadsheet's empty rows
    # at the end must not make it "not all dates"
    from skattn.__main__ import load_dataset

    lines = ["unique_id,week,y"] + [f"A,{_month(k)},{k}" for k in range(30)] + [",,"] * 2
    *_, found = load_dataset(_write(tmp_path, lines), "y", "unique_id", return_time_column=True)
    assert found == "week"


def test_max_series_leaves_the_series_it_drops_out_of_the_calendars_defaults(tmp_path, capsys):
    # a 20-value third series left out by --max-series 2 took the season of the two it kept to 1
    # (help audit, session 28)
    from skattn.__main__ import main

    lines = ["unique_id,ds,y"]
    for name, n in (("a", 60), ("b", 60), ("c", 20)):
        lines += [f"{name},{_month(k)},{v}" for k, v in enumerate(_values(n))]
    path = _write(tmp_path, lines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["compare", "--dataset", path, "--id-column", "unique_id", "--value-column", "y",
              "--max-series", "2", "--models", "naive,snaive", "--output", "none",
              "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert "season 12 and hold-out 12 from the monthly times in column 'ds'" in out
    assert "hold-out 12, season 12" in out


def test_a_hold_out_shorter_than_the_calendars_is_warned_of_under_quiet(tmp_path, capsys):
    # hourly series of 60 values: hold-out 12 instead of 48, said only in the progress output,
    # which --quiet hides (help audit, session 28)
    from skattn.__main__ import main

    lines = ["unique_id,ds,y"] + [f"A,2024-01-{1 + k // 24:02d}T{k % 24:02d}:00,{v}"
                                  for k, v in enumerate(_values(60))]
    with pytest.warns(UserWarning, match=r"the hourly times in column 'ds' have a hold-out of 48, "
                                         r"but the series are too short for it with season 24 "
                                         r"\(the shortest has 60 values, 73 needed\): hold-out 12"):
        main(["compare", "--dataset", _write(tmp_path, lines), "--id-column", "unique_id",
              "--value-column", "y", "--models", "naive", "--output", "none", "--n-jobs", "1",
              "--quiet"])


def test_max_series_with_skip_short_counts_only_the_series_kept(tmp_path, capsys):
    # hourly s0 (80 values) and s1 (200): --skip-short --max-series 1 chose hold-out 48 for s1,
    # then kept s0 alone, too short for a window at 48 (review, session 28)
    from skattn.__main__ import main

    lines = ["unique_id,ds,y"]
    for name, n in (("s0", 80), ("s1", 200)):
        lines += [f"{name},2024-01-{1 + k // 24:02d}T{k % 24:02d}:00,{v}"
                  for k, v in enumerate(_values(n))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["compare", "--dataset", _write(tmp_path, lines), "--id-column", "unique_id",
              "--value-column", "y", "--skip-short", "--max-series", "1", "--models", "naive",
              "--output", "none", "--n-jobs", "1"])
    assert "the first 1 used: hold-out 12, season 24" in capsys.readouterr().out


def test_quarterly_series_too_short_for_their_season_keep_the_calendars_hold_out():
    # the fallback took hold-out 12, longer than the calendar's 8, and every such file stopped
    # at the next check; its reason named the wrong condition (review, session 28)
    from skattn.__main__ import calendar_defaults

    series = [np.arange(16.0), np.arange(16.0) + 1]
    with pytest.warns(UserWarning, match=r"have a season of 4, but the series are too short for "
                                         r"it and a hold-out of 8 \(the longest has 16 values, "
                                         r"more than 16 needed for a training window\): hold-out "
                                         r"8 \(the calendar's\), season 1 as for a CSV file"):
        horizon, season, _ = calendar_defaults("quarterly", series, "ds")
    assert (horizon, season) == (8, 1)
