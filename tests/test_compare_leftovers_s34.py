"""Five small defects of compare noticed in earlier sessions (compare's leftovers, session 34):
the warnings of gaps and of ids written two ways counted series --max-series leaves out; bare
years were plain numbers (hold-out 12, without a word); missing values at both ends of a series
were told to be interpolated; the progress line gave the attention model's window when no
attention model ran."""
import warnings

import pytest

from skattn.__main__ import main

_FAST = ["--output", "none", "--n-jobs", "1", "--models", "naive"]


def _run(capsys, *args):
    """compare's progress output and the messages of its warnings."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        main(["compare", *_FAST, *args])
    return capsys.readouterr().out, [str(w.message) for w in record]


def _error(capsys, *args):
    with pytest.raises(SystemExit) as stopped:
        main(["compare", *_FAST, "--quiet", *args])
    assert stopped.value.code == 2
    return capsys.readouterr().err


def _months(path, gap_in):
    """Three monthly series A, B, C of 48 values; series ``gap_in`` without its 21st month."""
    rows = ["id,ds,y"]
    for name in "ABC":
        for k in range(48):
            if name != gap_in or k != 20:
                rows.append(f"{name},{2010 + k // 12}-{k % 12 + 1:02d},{100 + k + 10 * (k % 12)}")
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_the_gaps_warning_counts_the_series_of_the_run(tmp_path, capsys):
    # the gap of C, left out by --max-series 2, was warned of as "1 of the 3 series"
    path = _months(tmp_path / "c.csv", "C")
    _, messages = _run(capsys, "--dataset", path, "--id-column", "id", "--value-column", "y",
                       "--max-series", "2")
    assert not [m for m in messages if "in its times" in m]
    _, messages = _run(capsys, "--dataset", path, "--id-column", "id", "--value-column", "y")
    assert [m for m in messages if "1 of the 3 series has a gap in its times" in m]
    # a gap in a series the run uses: counted among those used
    path = _months(tmp_path / "a.csv", "A")
    _, messages = _run(capsys, "--dataset", path, "--id-column", "id", "--value-column", "y",
                       "--max-series", "2")
    assert [m for m in messages
            if "1 of the 2 series used (of 3 in the file) has a gap in its times" in m]


def test_ids_written_two_ways_count_only_when_the_run_uses_one(tmp_path, capsys):
    path = tmp_path / "alike.csv"
    path.write_text("id,y\n" + "".join(f"{name},{100 + k % 3}\n" for name in ("A", "B", "7", "07")
                                       for k in range(40)))
    args = ["--dataset", str(path), "--id-column", "id", "--value-column", "y", "--horizon", "6",
            "--season-length", "1"]
    _, messages = _run(capsys, *args, "--max-series", "2")
    assert not [m for m in messages if "differ only in case" in m]
    _, messages = _run(capsys, *args, "--max-series", "3")  # '7' is used, '07' is not
    assert [m for m in messages if "1 group(s) of series ids in column 'id' differ only" in m]


def test_ids_written_two_ways_are_said_before_the_error_they_explain(tmp_path, capsys):
    # '07' holds the last 3 rows of series 7: too short, and the warning says why
    path = tmp_path / "short.csv"
    path.write_text("id,y\n" + "".join(f"7,{100 + k % 3}\n" for k in range(40))
                    + "07,1\n07,2\n07,3\n")
    with pytest.warns(UserWarning, match="differ only in case"):
        err = _error(capsys, "--dataset", str(path), "--id-column", "id", "--value-column", "y",
                     "--horizon", "6", "--season-length", "1")
    assert "'07'" in err


@pytest.mark.parametrize("column, option", [("year", ["--time-column", "year"]), ("ds", [])])
def test_bare_years_are_yearly_times(tmp_path, capsys, column, option):
    # hold-out 12 and season 1, without a word, on a yearly export of bare years
    path = tmp_path / "years.csv"
    path.write_text(f"id,{column},y\n" + "".join(
        f"{name},{1990 + k},{100 + 2 * k + k % 3}\n" for name in "AB" for k in range(30)))
    out, _ = _run(capsys, "--dataset", str(path), "--id-column", "id", "--value-column", "y",
                  *option)
    assert (f"season 1 (a year has none) and hold-out 6 from the yearly times in column "
            f"{column!r}") in out
    assert "hold-out 6, season 1," in out


@pytest.mark.parametrize("first, step", [(1, 1), (1990, 2), (500, 1)])
def test_other_integer_times_stay_plain_numbers(tmp_path, capsys, first, step):
    # a counter; years two apart; integers below 1000
    path = tmp_path / "numbers.csv"
    path.write_text("id,ds,y\n" + "".join(
        f"{name},{first + step * k},{100 + 2 * k + k % 3}\n" for name in "AB" for k in range(30)))
    out, _ = _run(capsys, "--dataset", str(path), "--id-column", "id", "--value-column", "y")
    assert "yearly" not in out and "hold-out 12, season 1," in out


def test_missing_values_at_both_ends_are_told_to_be_dropped(tmp_path, capsys):
    # two empty rows first and three last, none between: it was told to interpolate
    path = tmp_path / "both.csv"
    rows = ["id,y"] + [f"A,{10 + k % 5}" for k in range(30)]
    rows += ["B,"] * 2 + [f"B,{20 + k % 5}" for k in range(26)] + ["B,"] * 3
    path.write_text("\n".join(rows) + "\n")
    err = _error(capsys, "--dataset", str(path), "--id-column", "id", "--value-column", "y",
                 "--horizon", "6")
    assert ("The series starts later and ends early: its first 2 and last 3 rows (in the file's "
            "order) have no value; drop the first ones") in err
    assert "interpolating" not in err
    rows[45] = "B,"  # one between too: filling is the advice
    path.write_text("\n".join(rows) + "\n")
    err = _error(capsys, "--dataset", str(path), "--id-column", "id", "--value-column", "y",
                 "--horizon", "6")
    assert "interpolating" in err and "starts later" not in err


def test_the_progress_line_gives_a_window_only_where_the_attention_model_runs(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("value\n" + "".join(f"{100 + k % 7 + k}\n" for k in range(40)))
    out, _ = _run(capsys, "--dataset", str(path), "--horizon", "4", "--season-length", "1")
    assert "hold-out 4, season 1, no window (the baselines read every value); models: " in out
    out, _ = _run(capsys, "--dataset", str(path), "--horizon", "4", "--season-length", "1",
                  "--models", "naive,ensemble", "--max-epochs", "1")
    assert "hold-out 4, season 1, the ensemble's own windows; models: " in out
