"""Session 30's reviews of model_selection, metrics, windows, seasonal, ensemble and recipes: each
test failed on the code before its fix."""
import numpy as np
import pytest
from sklearn.linear_model import Ridge

from skattn import make_windows
from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
from skattn.metrics import make_mase_scorer, mae, quantile_loss, smape
from skattn.model_selection import OriginSplit, backtest, format_table

SERIES = 10 + np.arange(40.0) + np.tile([0.0, 1.0, -1.0, 0.5], 10)


@pytest.mark.parametrize("name, message", [
    ("__truth__", "names beginning with '__' are backtest's own keys"),
    ("__origins__", "names beginning with '__'"),
    ("", "model names must be non-empty strings"),
    (1, "model names must be non-empty strings, got 1"),
])
def test_backtest_refuses_names_it_would_overwrite_or_cannot_print(name, message):
    # "__truth__" as a model's name: the forecasts returned held the truth under it, the
    # model's forecasts lost, silently
    with pytest.raises(ValueError, match=message):
        backtest({name: NaiveForecaster(), "snaive": SeasonalNaiveForecaster(4)}, SERIES, 3, 5)


def test_origin_split_takes_sparse_windows_as_time_series_split_does():
    sparse = pytest.importorskip("scipy.sparse")
    from sklearn.model_selection import cross_val_score

    X, y, index = make_windows(SERIES, 8, 1, return_index=True)
    scores = cross_val_score(Ridge(), sparse.csr_matrix(X), y, cv=OriginSplit(index, 1, 3))
    assert scores.shape == (3,)  # a TypeError: "sparse array length is ambiguous"


def test_text_targets_are_refused_by_name_by_the_splitter_and_the_mase_scorer():
    X, y, index = make_windows(SERIES, 8, 1, return_index=True)
    with pytest.raises(ValueError, match="y must be numeric: got text values"):
        list(OriginSplit(index, 1, 2).split(X, y.astype(str)))  # converted "10.5"
    model = Ridge().fit(X, y)
    with pytest.raises(ValueError, match="y must be numeric: got text values"):
        make_mase_scorer(1)(model, X, y.astype(str))  # scored the text as numbers


def test_metrics_take_a_0d_weight_as_a_float_and_refuse_none_by_name():
    assert mae([1.0, 2.0], [1.0, 3.0], sample_weight=np.array(2.0)) == 0.5  # a TypeError
    assert smape([1.0, 2.0], [1.0, 3.0], sample_weight=np.array(2.0)) == smape([1.0, 2.0],
                                                                              [1.0, 3.0])
    with pytest.raises(ValueError, match="y_true is None"):  # "a single number (nan)"
        mae(None, [1.0])
    with pytest.raises(ValueError, match="y_pred is None"):
        mae([1.0], None)
    with pytest.raises(ValueError, match="y_true is None"):
        quantile_loss(None, [[1.0]], [0.5])


def test_format_table_with_grouping_numbers_as_names_and_no_column():
    assert format_table({"model": ["a"], "mae": [1234.5]}, floatfmt=",.2f").endswith(
        "| a | 1,234.50 |")  # float("1,234.50") failed
    assert format_table({"model": ["a"], "mae": [1.25e10]}, floatfmt=",.2f").endswith(
        "| a | 1.25e+10 |")
    pandas = pytest.importorskip("pandas")
    assert format_table(pandas.DataFrame({0: [1.0]})).startswith("| 0 |")  # a TypeError
    with pytest.raises(ValueError, match="table has no column"):  # "|  |" over "||"
        format_table({})
