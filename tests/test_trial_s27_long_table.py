"""A long table given to make_windows (user trial, session 27).

``make_windows(long_df, ...)`` with columns ``unique_id, ds, y`` was refused with the advice for
a wide table only (``[frame[name].dropna() for name in frame]``), which of a long one makes a
"series" of its ids, one of its dates and one of every series' values run together. The message
now gives the long reading too, with docs/pandas.md's own recipe, quoted as the page has it.
"""
from pathlib import Path

import numpy as np
import pytest

from skattn import last_windows, make_windows
from skattn.baselines import NaiveForecaster
from skattn.model_selection import backtest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pandas.md"

#: the lines of docs/pandas.md's "Table to series" block the message quotes
RECIPE_LINES = [
    'for store, rows in table.groupby("store_id", sort=True):',
    'rows = rows.sort_values("date").set_index("date")',
    'series.append(rows["sales"].to_numpy(dtype=np.float64))',
]


def _long_table():
    pd = pytest.importorskip("pandas")
    months = pd.date_range("2020-01-01", periods=30, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat(["A", "B"], 30), "ds": np.tile(months, 2),
                         "y": np.random.default_rng(0).normal(100, 5, 60)})


@pytest.mark.parametrize("call", [
    lambda series: make_windows(series, 12, 3),
    lambda series: last_windows(series, 12),
    lambda series: backtest({"naive": NaiveForecaster()}, series, 3, 12, 12),
], ids=["make_windows", "last_windows", "backtest"])
def test_a_long_dataframe_gets_both_readings_in_one_message(call):
    with pytest.raises(ValueError) as excinfo:
        call(_long_table())
    message = str(excinfo.value)
    # the wide reading, as before
    assert message.startswith("series must be one 1-D array or a list of 1-D arrays; got an "
                              "array of shape (60, 3) (one series per column, as in a "
                              "DataFrame: pass [frame[name].dropna() for name in frame]")
    # and the long one, pointing at the page's section
    assert ("If it is a long table, one row per series and time step (columns such as "
            "unique_id, ds, y), pass each series' values in time order, as docs/pandas.md "
            "(\"Table to series\") does: ") in message
    for line in RECIPE_LINES:
        assert line in message


def test_the_recipe_the_message_quotes_is_on_the_pandas_page_as_written():
    page = PAGE.read_text(encoding="utf-8")
    block = page[page.index("## Table to series"):page.index("## Compare models")]
    lines = [line.strip() for line in block.splitlines()]
    for line in RECIPE_LINES:
        assert line in lines, f"docs/pandas.md no longer has {line!r}: update the message"


def test_a_single_column_keeps_its_own_hint_without_the_long_reading():
    with pytest.raises(ValueError) as excinfo:
        make_windows(np.ones((30, 1)), window=5, horizon=2)
    assert "a single column: pass it 1-D" in str(excinfo.value)
    assert "long table" not in str(excinfo.value)
