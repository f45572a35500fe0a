"""make_windows's input errors (the cutting itself is tested where it is used)."""

import numpy as np
import pytest

from skattn import make_windows


def test_a_single_column_is_refused_with_the_way_to_pass_it():
    column = np.arange(30.0)[:, None]  # (30, 1): one series, as a one-column frame gives it
    with pytest.raises(ValueError, match=r"shape \(30, 1\) \(a single column: pass it 1-D"):
        make_windows(column, window=5, horizon=2)
    # and the hint's suggestion works
    X, y = make_windows(column.ravel(), window=5, horizon=2)
    assert X.shape == (24, 5) and y.shape == (24, 2)


def test_a_matrix_is_refused_with_the_rows_hint():
    with pytest.raises(ValueError, match=r"shape \(3, 10\) \(for one series per row, pass "
                                         r"list\(array\)\)"):
        make_windows(np.ones((3, 10)), window=4)


def test_a_one_column_dataframe_gets_the_column_hint():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"value": np.arange(30.0)})
    with pytest.raises(ValueError, match="frame\\['value'\\]"):
        make_windows(frame, window=5, horizon=2)
    X, _ = make_windows(frame["value"], window=5, horizon=2)
    assert X.shape == (24, 5)
