"""compare warns when a CSV file's series end at different times (leakage audit, session 26).

Each series' hold-out is its own last ``horizon`` steps, so a global model trained on the other
series' training parts reads values dated inside a series' hold-out: series A to 1960-12 and B to
1959-12, with A's 1959 values times 1.5, moved B's attention forecast by up to 1.03 (its naive
one not at all), and compare said nothing although it had the dates.
"""
import warnings

import pytest

from skattn.__main__ import main
from skattn.datasets import load_airline

AIRLINE = load_airline().series
MONTHS = [f"{1949 + k // 12}-{k % 12 + 1:02d}" for k in range(144)]


def _panel_csv(tmp_path, b_months, times=MONTHS):
    """Series A over all 144 months; B over the months ``b_months`` (a slice)."""
    lines = ["id,month,value"]
    lines += [f"A,{times[k]},{AIRLINE[k]}" for k in range(144)]
    lines += [f"B,{times[k]},{AIRLINE[k] * 1.1:.1f}" for k in range(144)[b_months]]
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _compare(path):
    return main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
                 "--output", "none", "--quiet"])


def test_series_ending_at_different_times_are_warned_with_the_dates(tmp_path):
    path = _panel_csv(tmp_path, slice(0, 132))  # B ends 1959-12, A 1960-12
    with pytest.warns(UserWarning, match=r"the series end at 2 different times in 'month'") as rec:
        _compare(path)
    (warned,) = [w for w in rec if "different times" in str(w.message)]
    message = str(warned.message)
    assert "B's hold-out (1959-01; A's training part ends at 1959-12)" in message
    assert "the training parts of 1 of the 2 series" in message
    assert "cut every series to a common last time" in message


@pytest.mark.parametrize("b_months", [slice(0, 144), slice(24, 144)],
                         ids=["same-span", "later-start-same-end"])
def test_series_ending_together_are_not_warned(tmp_path, b_months):
    path = _panel_csv(tmp_path, b_months)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        _compare(path)
    assert not [w for w in rec if "different times" in str(w.message)]


def test_positions_instead_of_dates_say_nothing_of_the_calendar(tmp_path):
    # ds = 1..n per series is a counter, not a date: the ends cannot be compared
    path = _panel_csv(tmp_path, slice(0, 132), times=[str(k + 1) for k in range(144)])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
              "--horizon", "12", "--season-length", "12", "--output", "none", "--quiet"])
    assert not [w for w in rec if "different times" in str(w.message)]
