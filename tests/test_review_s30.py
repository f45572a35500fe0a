"""Session 30's reviews of model_selection, metrics, windows, seasonal, ensemble and recipes: each
test failed on the code before its fix."""
import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
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
    from scipy import sparse  # a core dependency
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


# ------------------------------------------------------------------------------------------
# windows, ensemble, recipes
# ------------------------------------------------------------------------------------------
def _seasonal_windows():
    series = 10 + np.sin(np.arange(120) / 3.0)
    X, y = make_windows(series, 12, 3)
    return series, X, y


class _MeanOfWindow(RegressorMixin, BaseEstimator):
    """A member that sets no n_features_in_ in fit, as the ensemble's constraint (fit, predict,
    get_params) allows."""

    def fit(self, X, y):
        self.horizon_ = np.asarray(y).shape[1]
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X).mean(axis=1, keepdims=True), self.horizon_, axis=1)


def test_ensemble_reads_its_own_window_length_not_its_first_members():
    from skattn import ForecastEnsemble

    series, X, y = _seasonal_windows()
    ensemble = ForecastEnsemble([("mean", _MeanOfWindow()), ("ridge", Ridge())]).fit(X, y)
    assert ensemble.n_features_in_ == 12  # an AttributeError of the first member
    assert ensemble.forecast(series, 3).shape == (3,)


def test_ensemble_says_where_nan_and_ragged_windows_are_at_fit_and_predict():
    from skattn import ForecastEnsemble

    _, X, y = _seasonal_windows()
    with_nan = X.copy()
    with_nan[5, 3] = np.nan
    located = r"X contains NaN or infinity \(1 NaN in 1 of its 106 windows, the first in window 5"
    with pytest.raises(ValueError, match=located):  # scikit-learn's: HistGradientBoosting...
        ForecastEnsemble([("ridge", Ridge())]).fit(with_nan, y)
    ensemble = ForecastEnsemble([("ridge", Ridge())]).fit(X, y)
    with pytest.raises(ValueError, match=located):
        ensemble.predict(with_nan)
    with pytest.raises(ValueError, match="X has rows of different lengths"):  # NumPy's
        ensemble.predict([[1.0] * 12, [1.0] * 11])


def test_the_recipe_refuses_a_bool_random_state():
    from skattn import make_attention_ensemble

    with pytest.raises(ValueError, match="random_state must be None, an integer or a "
                                         "RandomState, got True"):
        make_attention_ensemble((24,), season_length=12, random_state=True)


def test_count_windows_with_a_float_and_with_empty_series_in_a_list():
    from skattn.windows import count_windows

    with pytest.raises(ValueError, match="lengths must be an integer or an iterable"):
        count_windows(30.0, 8, 3)  # a TypeError
    with pytest.warns(UserWarning, match="series with 3 values or fewer"):
        n_windows = len(make_windows([np.arange(30.0), []], 8, 3)[0])
    assert count_windows([30, 0], 8, 3) == n_windows == 20  # refused "lengths[1] ... >= 1"


def test_a_single_value_is_not_told_about_columns_and_rows():
    with pytest.raises(ValueError, match=r"\(a single value: a series is an array of values\)$"):
        make_windows(3.0, 2, 1)


def test_a_scorer_names_the_predictions_when_y_with_missing_values_has_other_rows():
    from skattn.metrics import neg_mae_scorer

    X, y = make_windows(SERIES, 8, 1)
    model = Ridge().fit(X, y)
    short = y[:-1].copy()
    short[3] = np.nan  # a missing target: the scorers' own check of y ("X has 32")
    with pytest.raises(ValueError, match=f"y_pred has {len(y)}, y has {len(y) - 1}"):
        neg_mae_scorer(model, X, short)


# ------------------------------------------------------------------------------------------
# forecaster
# ------------------------------------------------------------------------------------------
def test_fit_warnings_point_at_the_callers_line_through_a_pipeline():
    # fixed stacklevels pointed into scikit-learn's pipeline.py (OutlierScaleWarning's 6, the
    # stride warning's 5), where the model's other warnings point at the caller
    from sklearn.pipeline import make_pipeline

    from skattn import AttentionForecaster
    from skattn.exceptions import OutlierScaleWarning

    rng = np.random.default_rng(0)
    series = 10 + rng.normal(0, 1, 400)
    series[200] = 1e12  # an entry error
    X, y = make_windows(series, 24, 3)
    small = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=1, random_state=0)
    for model, category in ((AttentionForecaster(**small), OutlierScaleWarning),
                            (AttentionForecaster(**small, patch_len=2, stride=4), UserWarning)):
        with pytest.warns(category) as caught:
            make_pipeline(model).fit(X, y)
        ours = [w for w in caught if issubclass(w.category, category)
                and ("robust spread" in str(w.message) or "between two patches" in str(w.message))]
        assert ours and all(w.filename == __file__ for w in ours), [
            (w.filename, str(w.message)[:60]) for w in ours]


def test_a_short_fit_is_not_said_to_have_improved_by_more_than_tol():
    from sklearn.exceptions import ConvergenceWarning

    from skattn import AttentionForecaster

    X, y = make_windows(SERIES, 8, 1)
    with pytest.warns(ConvergenceWarning, match=r"3 epoch\(s\) are too few to tell"):
        AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=3, tol=10.0,
                            random_state=0).fit(X, y)  # "improved by more than tol=10.0"


# ------------------------------------------------------------------------------------------
# python -m skattn compare
# ------------------------------------------------------------------------------------------
def _compare_error(argv, capsys):
    import warnings

    from skattn.__main__ import main

    with pytest.raises(SystemExit) as stopped, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["compare", "--models", "naive", "--n-jobs", "1", *argv])
    err = capsys.readouterr().err
    assert stopped.value.code == 2, err
    return err


def test_compare_refuses_empty_output_names_and_one_file_for_both(tmp_path, capsys):
    # "" for the forecasts: a FileNotFoundError traceback after the whole run; "" for the plot:
    # ".png.png" written, ".png" reported; one name for both: the plot overwritten by the CSV
    assert "--forecasts-csv is empty" in _compare_error(
        ["--output", "none", "--forecasts-csv", ""], capsys)
    assert "--output is empty" in _compare_error(["--output", ""], capsys)
    same = str(tmp_path / "same.png")
    assert "is also the plot's file (--output)" in _compare_error(
        ["--output", same, "--forecasts-csv", same], capsys)


def test_compare_on_too_few_values_gives_a_remedy_that_can_work(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("value\n1\n")  # advised "a --season-length below -11"
    err = _compare_error(["--dataset", str(path), "--output", "none"], capsys)
    assert "a backtest needs at least 3 values" in err and "below -" not in err


def test_compare_tells_a_semicolon_file_to_use_commas(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    path.write_text("date;value\n2020-01;100,0\n2020-02;101,5\n")  # "Quote cells ..."
    err = _compare_error(["--dataset", str(path), "--output", "none"], capsys)
    assert "the file separates its columns with ';'" in err and "Quote" not in err


def test_compare_warns_of_a_window_no_model_uses(capsys):
    from skattn.__main__ import main

    with pytest.warns(UserWarning, match="--window 10 sets the window of the attention model"):
        main(["compare", "--models", "naive", "--window", "10", "--output", "none",
              "--n-jobs", "1", "--quiet"])
