"""Findings of the input-validation fuzz audit of session 23, fixed in skattn.windows,
skattn.metrics, skattn.forecaster, skattn.model_selection and skattn.__main__: masked arrays read
as their fill values, a MASE scorer's season checked only when scoring, text and a bool taken as
weights, flags that are not bools, NumPy's words for rows of different lengths, a divergence
blamed on the learning rate where an extreme target overflowed the squared loss, pandas' words
for a sparse DataFrame, and the CLI's reports of an unclosed quote and an empty --dataset."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from skattn import AttentionForecaster, last_windows, make_windows
from skattn.__main__ import _read_csv, main
from skattn.baselines import NaiveForecaster
from skattn.metrics import (MASEScorer, coverage, interval_score, mae, make_mase_scorer, mase,
                            msis, neg_mae_scorer, neg_rmse_scorer, neg_smape_scorer,
                            quantile_loss, rmse, smape)
from skattn.model_selection import PredictForecaster, backtest

SMALL = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=1, random_state=0)
NUMPY_RAGGED = "setting an array element with a sequence"


@pytest.fixture(autouse=True)
def quiet_training():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch, on purpose
        yield


@pytest.fixture(scope="module")
def series():
    return 100 + 10 * np.sin(np.arange(80) / 3)


@pytest.fixture(scope="module")
def windows(series):
    return make_windows(series, window=12, horizon=3)


@pytest.fixture(scope="module")
def fitted(windows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AttentionForecaster(**SMALL).fit(*windows)


def _masked_end():
    values = np.arange(20.0)
    values[-1] = -9999.0  # the fill value of a missing reading
    return np.ma.masked_values(values, -9999.0)


# ------------------------------------------------------------------------------------------
# 1. Masked arrays: the masked entries are missing values (NaN), not their fill values
# ------------------------------------------------------------------------------------------
def test_masked_as_missing_puts_nan_under_the_mask_and_leaves_the_rest():
    from skattn.windows import masked_as_missing  # (new in session 23)

    np.testing.assert_array_equal(masked_as_missing(_masked_end()),
                                  np.r_[np.arange(19.0), np.nan])
    ints = np.ma.masked_array([1, 2, 3], [False, True, False])
    np.testing.assert_array_equal(masked_as_missing(ints), [1.0, np.nan, 3.0])
    # nothing masked: the data as they are, their dtype kept
    unmasked = masked_as_missing(np.ma.masked_array(np.arange(5)))
    assert type(unmasked) is np.ndarray and unmasked.dtype == np.arange(5).dtype
    plain = np.arange(3.0)
    assert masked_as_missing(plain) is plain


def test_make_windows_refuses_a_masked_entry_as_missing_and_says_it_was_masked():
    # it was made_windows(...)[1][-1] == -9999.0
    with pytest.raises(ValueError, match=r"series contains NaN or infinity \(1 NaN; 1 of its 20 "
                                         r"time steps, the first at position 19\) \(a masked "
                                         r"array: its 1 masked entry is read as NaN"):
        make_windows(_masked_end(), 4)
    middle = np.arange(20.0)
    middle[5] = -9999.0
    with pytest.raises(ValueError, match=r"covariates contains NaN.*position 5.*masked"):
        make_windows(np.arange(20.0), 4, covariates=np.ma.masked_values(middle, -9999.0))
    with pytest.raises(ValueError, match=r"series\[0\] contains NaN.*masked"):
        last_windows([_masked_end()], 4)
    with pytest.raises(ValueError, match=r"series contains NaN.*masked"):
        backtest(NaiveForecaster(), np.ma.masked_values(middle, -9999.0), 2, 4)


def test_masked_arrays_that_mask_nothing_give_bitwise_the_same_windows():
    for values in (np.arange(30.0), np.arange(30), np.arange(30) % 2 == 0):
        expected = make_windows(values, 5, 2)
        got = make_windows(np.ma.masked_array(values), 5, 2)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype


def test_the_metrics_refuse_masked_entries_and_say_how_to_score_the_rest():
    masked = np.ma.masked_array([1.0, 2.0], [False, True])
    # it was 0.25: the masked 2.0 against 2.5
    with pytest.raises(ValueError, match=r"must be finite \(no NaN or infinity\): y_true has 1 "
                                         r"NaN \(the first at \[1\]\); masked arrays: "
                                         r"their 1 masked entry is read as NaN.*getmaskarray"):
        mae(masked, [1.0, 2.5])
    for metric in (rmse, smape):
        with pytest.raises(ValueError, match="masked"):
            metric(masked, [1.0, 2.5])
    with pytest.raises(ValueError, match="masked"):
        coverage(masked, [0.0, 0.0], [3.0, 3.0])
    with pytest.raises(ValueError, match="masked"):
        interval_score(masked, [0.0, 0.0], [3.0, 3.0], alpha=0.2)
    with pytest.raises(ValueError, match="masked"):
        quantile_loss(masked, [[1.0], [2.0]], [0.5])
    with pytest.raises(ValueError, match=r"y_train must be finite.*masked entry"):
        mase([1.0, 2.0], [1.0, 2.5], _masked_end())
    # a masked weight: its value beneath the mask was used
    with pytest.raises(ValueError, match=r"sample_weight is a masked array with 1 masked entry"):
        mae([1.0, 2.0], [1.0, 2.5], sample_weight=masked)
    # nothing masked: the values as before
    assert mae(np.ma.masked_array([1.0, 2.0]), [1.0, 2.5]) == mae([1.0, 2.0], [1.0, 2.5])


def test_the_scorers_leave_a_masked_target_out_as_a_missing_one(fitted, windows):
    X, y = windows
    masked = np.ma.masked_array(y, np.zeros(y.shape, dtype=bool))
    masked[-1, -1] = np.ma.masked
    with_nan = y.copy()
    with_nan[-1, -1] = np.nan
    for scorer in (neg_mae_scorer, neg_rmse_scorer, neg_smape_scorer, make_mase_scorer(1)):
        assert scorer(fitted, X, masked) == scorer(fitted, X, with_nan)
        assert scorer(fitted, X, masked) != scorer(fitted, X, y)


def test_attention_forecaster_reads_a_masked_target_as_missing(windows):
    X, y = windows
    masked = np.ma.masked_array(y, np.zeros(y.shape, dtype=bool))
    masked[5, 1] = np.ma.masked
    masked.data[5, 1] = -9999.0
    with_nan = y.copy()
    with_nan[5, 1] = np.nan
    from_masked = AttentionForecaster(**SMALL).fit(X, masked)
    from_nan = AttentionForecaster(**SMALL).fit(X, with_nan)
    np.testing.assert_array_equal(from_masked.predict(X[:4]), from_nan.predict(X[:4]))


def test_attention_forecaster_refuses_masked_windows_and_histories(fitted, windows, series):
    X, y = windows
    masked = np.ma.masked_array(X, np.zeros(X.shape, dtype=bool))
    masked[3, 4] = np.ma.masked
    message = r"X contains NaN or infinity .*window 3, time step 4.*a masked array"
    with pytest.raises(ValueError, match=message):
        AttentionForecaster(**SMALL).fit(masked, y)
    with pytest.raises(ValueError, match=message):
        fitted.predict(masked)
    # nothing masked: bitwise the plain windows' forecasts
    np.testing.assert_array_equal(fitted.predict(np.ma.masked_array(X[:5])), fitted.predict(X[:5]))
    history = np.ma.masked_array(series, np.zeros(series.shape, dtype=bool))
    history[-1] = np.ma.masked
    with pytest.raises(ValueError, match=r"history contains NaN"):
        fitted.forecast(history, 3)


def test_predict_forecaster_passes_masked_entries_on_as_nan(windows):
    X, y = windows
    masked = np.ma.masked_array(X, np.zeros(X.shape, dtype=bool))
    masked[3, 4] = np.ma.masked
    with pytest.raises(ValueError, match="NaN"):
        PredictForecaster(Ridge()).fit(masked, y)
    model = PredictForecaster(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        model.predict(masked)


# ------------------------------------------------------------------------------------------
# 2. make_mase_scorer checks its season when built
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("season", [0, -1, 1.5, True, None, "12"])
def test_make_mase_scorer_refuses_a_bad_season_when_built(season):
    message = rf"^season_length must be an integer >= 1, got {re.escape(repr(season))}$"
    with pytest.raises(ValueError, match=message):
        make_mase_scorer(season)
    with pytest.raises(ValueError, match=message):
        MASEScorer(season)


def test_make_mase_scorer_takes_numpy_integers_as_before():
    assert repr(make_mase_scorer(np.int64(12))) == "make_mase_scorer(season_length=12)"
    assert make_mase_scorer(np.uint8(3)).season_length == 3


def test_mase_and_msis_blame_a_bad_season_not_the_first_series():
    # it was "series 0 (row 0 of y_true): season_length must be ..."
    history = np.arange(10.0) ** 1.5
    with pytest.raises(ValueError, match=r"^season_length must be an integer >= 1, got 0$"):
        mase([[1.0, 2.0]] * 2, [[1.0, 2.5]] * 2, [history, history], season_length=0)
    with pytest.raises(ValueError, match=r"^season_length must be an integer >= 1, got 0$"):
        msis([[1.0, 2.0]] * 2, [[0.0, 0.0]] * 2, [[3.0, 3.0]] * 2, [history, history],
             season_length=0)


# ------------------------------------------------------------------------------------------
# 3. Text, and a bool on its own, are not weights
# ------------------------------------------------------------------------------------------
Y_TRUE, Y_PRED = [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.0, 4.5]


@pytest.mark.parametrize("metric", [mae, rmse, smape])
def test_the_metrics_refuse_text_weights_and_a_boolean_flag_as_weights(metric):
    with pytest.raises(ValueError, match=r"sample_weight must be numeric: got text values "
                                         r"\(e.g. '1'\).*pandas.to_numeric"):
        metric(Y_TRUE, Y_PRED, sample_weight=["1", "1", "1", "1"])
    for flag in (True, np.True_, np.array(False)):
        with pytest.raises(ValueError, match=r"sample_weight must be a number or one number per "
                                             r"row, got the boolean .*: it is no flag"):
            metric(Y_TRUE, Y_PRED, sample_weight=flag)
    # numbers as before, ints and floats alike; an array of bools is a mask of the rows to count
    # (as tests/test_metrics.py uses it), weights 1 and 0
    expected = metric(Y_TRUE, Y_PRED, sample_weight=[1.0, 0.0, 1.0, 1.0])
    assert metric(Y_TRUE, Y_PRED, sample_weight=[1, 0, 1, 1]) == expected
    for mask in ([True, False, True, True], np.array([True, False, True, True]),
                 pd.Series([True, False, True, True])):
        assert metric(Y_TRUE, Y_PRED, sample_weight=mask) == expected


def test_mase_coverage_quantile_loss_and_the_scorers_refuse_text_weights(fitted, windows):
    history = np.arange(10.0) ** 1.5
    text = ["1", "2"]
    with pytest.raises(ValueError, match="sample_weight must be numeric: got text"):
        mase([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.5], [3.0, 4.0]], [history, history],
             sample_weight=text)
    with pytest.raises(ValueError, match="sample_weight must be numeric: got text"):
        coverage([1.0, 2.0], [0.0, 0.0], [3.0, 3.0], sample_weight=text)
    with pytest.raises(ValueError, match="sample_weight must be numeric: got text"):
        quantile_loss([1.0, 2.0], [[1.0], [2.0]], [0.5], sample_weight=text)
    with pytest.raises(ValueError, match="got the boolean True: it is no flag"):
        quantile_loss([1.0, 2.0], [[1.0], [2.0]], [0.5], sample_weight=True)
    X, y = windows
    for scorer in (neg_mae_scorer, make_mase_scorer(1)):
        with pytest.raises(ValueError, match="sample_weight must be numeric: got text"):
            scorer(fitted, X, y, sample_weight=["1"] * len(X))


# ------------------------------------------------------------------------------------------
# 4. Flags are bools
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["False", "yes", 1, 0, None])
def test_make_windows_refuses_a_return_index_that_is_not_a_bool(flag):
    # "False" returned three values
    with pytest.raises(ValueError, match=rf"return_index must be True or False, got "
                                         rf"{re.escape(repr(flag))}"):
        make_windows(np.arange(20.0), 8, 3, return_index=flag)


def test_make_windows_takes_numpy_bools_as_flags():
    assert len(make_windows(np.arange(20.0), 8, 3, return_index=np.bool_(True))) == 3
    assert len(make_windows(np.arange(20.0), 8, 3, return_index=np.bool_(False))) == 2


@pytest.mark.parametrize("flag", ["yes", 1])
def test_backtest_refuses_a_return_forecasts_that_is_not_a_bool(flag):
    with pytest.raises(ValueError, match=rf"return_forecasts must be True or False, got "
                                         rf"{re.escape(repr(flag))}"):
        backtest(NaiveForecaster(), np.arange(30.0), 2, 4, return_forecasts=flag)


def test_load_dataset_refuses_a_return_times_that_is_not_a_bool():
    from skattn.__main__ import load_dataset

    # "yes" returned six results where five were unpacked
    with pytest.raises(ValueError, match=r"return_times must be True or False, got 'yes'"):
        load_dataset("airline", return_times="yes")
    assert len(load_dataset("airline", return_times=np.False_)) == 5


def test_backtest_takes_a_numpy_bool_for_return_forecasts():
    table, forecasts = backtest(NaiveForecaster(), np.arange(30.0), 2, 4,
                                return_forecasts=np.True_)
    assert "__truth__" in forecasts


# ------------------------------------------------------------------------------------------
# 5. Rows of different lengths, and sets, in the package's words
# ------------------------------------------------------------------------------------------
def test_attention_forecaster_names_the_row_of_another_length(fitted, windows):
    X, y = windows
    cases = [
        (([[1, 2, 3, 4], [1, 2, 3]], [1.0, 2.0]),
         r"^X has rows of different lengths: X\[0\] has 4 values, X\[1\] has 3; .*make_windows"),
        (([[[1], [2]], [[1]]], [1.0, 2.0]),
         r"^X has rows of different lengths: X\[0\] has length 2, X\[1\] has length 1"),
        (([[1, 2, 3, 4], [1, 2, 3, 5]], [[1.0, 2.0], [3.0]]),
         r"^y has rows of different lengths: y\[0\] has 2 values, y\[1\] has 1;.*NaN"),
    ]
    for (X_bad, y_bad), message in cases:
        with pytest.raises(ValueError, match=message) as caught:
            AttentionForecaster(**SMALL).fit(X_bad, y_bad)
        assert NUMPY_RAGGED not in str(caught.value)
    with pytest.raises(ValueError, match=r"X\[0\] has 12 values, X\[1\] has 11"):
        fitted.predict([list(X[0]), list(X[1][:11])])


def test_the_metrics_name_the_row_of_another_length():
    history = np.arange(10.0) ** 1.5
    for metric in (mae, rmse, smape):
        with pytest.raises(ValueError, match=r"^y_true has rows of different lengths: "
                                             r"y_true\[0\] has 2 values, y_true\[1\] has 1; "
                                             r"an array needs rows of one length") as caught:
            metric([[1, 2], [3]], [[1, 2], [3]])
        assert NUMPY_RAGGED not in str(caught.value)
    with pytest.raises(ValueError, match=r"y_true has rows of different lengths"):
        mase([[1, 2], [3]], [[1, 2], [3]], [history, history])


def test_make_windows_names_a_mix_of_values_and_series_and_refuses_a_set(series):
    with pytest.raises(ValueError, match=r"^series mixes numbers and sequences: series\[0\] is a "
                                         r"number, series\[1\] a sequence of 80 values.*several "
                                         r"series are a list of 1-D arrays") as caught:
        make_windows([1.0, series], 5, 2)
    assert NUMPY_RAGGED not in str(caught.value)
    with pytest.raises(ValueError, match=r"got a set, which has no order: pass a list"):
        make_windows({1.0, 2.0}, 5, 2)
    with pytest.raises(ValueError, match=r"y_true must be an array of numbers in order, got a "
                                         r"set, which has no order"):
        mae({1.0, 2.0}, [1.0, 2.0])


# ------------------------------------------------------------------------------------------
# 6. A divergence caused by an extreme target names it
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_windows():
    return make_windows(100 + 10 * np.sin(np.arange(200) / 3), 12, 3)


@pytest.mark.parametrize("magnitude", [1e25, 1e30])
@pytest.mark.parametrize("normalize", [True, False])
def test_a_divergence_from_an_extreme_target_names_it_not_the_learning_rate(
        long_windows, magnitude, normalize):
    X, y = long_windows
    y = y.copy()
    y[50, 1] = magnitude
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OutlierScaleWarning: these windows dominate the loss
        shown = re.escape(f"{magnitude:.3g}")
        with pytest.raises(ValueError, match=r"training diverged at epoch 1 \(non-finite loss or "
                                             r"gradient\), most likely because of an extreme "
                                             r"target rather than the learning rate: y\[50, 1\] "
                                             rf"= {shown} lies .*squared_error loss "
                                             r"squares that distance.*loss='absolute_error' or "
                                             r"'huber'") as caught:
            AttentionForecaster(**SMALL, loss="squared_error", normalize=normalize).fit(X, y)
        assert "try a smaller learning_rate" not in str(caught.value)
        # as the message says, a loss linear in the distance trains on the same data
        AttentionForecaster(**SMALL, loss="huber", normalize=normalize).fit(X, y)


def test_a_divergence_from_the_learning_rate_still_names_the_learning_rate(long_windows):
    X, y = long_windows
    with pytest.raises(ValueError, match=r"training diverged at epoch 1 \(non-finite loss or "
                                         r"gradient\); try a smaller learning_rate"):
        AttentionForecaster(**{**SMALL, "max_epochs": 50}, loss="squared_error",
                            learning_rate=1e12, clip_grad_norm=None, weight_decay=0.0).fit(X, y)


# ------------------------------------------------------------------------------------------
# 7. A sparse DataFrame is refused in the package's words
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fill", [np.nan, 0.0])
def test_attention_forecaster_refuses_a_sparse_dataframe_and_says_how_to_densify(
        fitted, windows, fill):
    X, y = windows
    sparse = pd.DataFrame(X).astype(pd.SparseDtype(float, fill))
    message = (r"X is a pandas DataFrame of sparse columns \(SparseDtype\), and "
               r"AttentionForecaster takes dense data only: densify it first, "
               r"X.sparse.to_dense\(\)")
    # NaN fill: pandas' "fill value must be 0 when converting to COO matrix"
    with pytest.raises(TypeError, match=message):
        AttentionForecaster(**SMALL).fit(sparse, y)
    with pytest.raises(TypeError, match=message):
        fitted.predict(sparse)
    with pytest.raises(TypeError, match=r"^y is a pandas DataFrame of sparse columns"):
        AttentionForecaster(**SMALL).fit(X, pd.DataFrame(y).astype(pd.SparseDtype(float, fill)))
    # densified as said, it trains
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (an OutlierScaleWarning of these windows)
        AttentionForecaster(**SMALL).fit(sparse.sparse.to_dense(), y)


# ------------------------------------------------------------------------------------------
# 8. The CLI: an unclosed quote, an empty --dataset
# ------------------------------------------------------------------------------------------
def test_read_csv_names_the_line_of_a_quote_that_is_never_closed(tmp_path):
    # it was reported at the last line, the rest of the file one giant cell
    path = tmp_path / "data.csv"
    lines = [f"{100 + i}.000" for i in range(48)]
    lines[5] = '"123'
    path.write_text("value\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"data.csv: line 7 opens a quoted cell \(\"123\) whose "
                                         r"quote is never closed, so the rest of the file reads "
                                         r"as that one cell: close the quote, or remove it"):
        _read_csv(path)
    # beyond the csv module's field size limit too (it named the line where reading stopped)
    path.write_text('value\n1\n"2\n' + "3\n" * 100_000)
    with pytest.raises(ValueError, match=r"line 3 opens a quoted cell \(\"2\) whose quote is "
                                         r"never closed"):
        _read_csv(path)
    # quoted cells that close, over several lines or with "" inside, are read as before
    path.write_text('id,value\na,1\n"b\nc",2\n"d""e",3\n')
    values, _ = _read_csv(path, id_column="id", return_times=True)
    assert list(values) == ["a", "b\nc", 'd"e']


def test_compare_says_an_empty_dataset_name_is_empty(capsys):
    # it was ". is a directory, not a CSV file"
    with pytest.raises(SystemExit) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["compare", "--dataset", "", "--models", "naive", "--output", "none"])
    err = capsys.readouterr().err
    assert excinfo.value.code == 2
    assert "error: --dataset is empty (''): name a built-in dataset (airline" in err
    assert "is a directory" not in err
