"""Defects found by the session-31 reviews, each test failing on the code before its fix."""
import warnings

import numpy as np
import pytest

from skattn.__main__ import main


def _monthly_csv(path, empty_line=None):
    """96 seasonal monthly values with ISO dates; the time cell of file line ``empty_line``
    (the header is line 1) left empty."""
    rows = ["date,value"]
    for t in range(96):
        day = f"{1949 + t // 12}-{t % 12 + 1:02d}-01"
        value = float(100 + 10 * np.sin(2 * np.pi * t / 12) + 0.5 * t)
        rows.append(f"{'' if t + 2 == empty_line else day},{value!r}")
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_an_empty_time_cell_is_called_missing_not_an_unknown_format(tmp_path):
    # one empty cell in a column of ISO dates: the warning said "line 42 has '', neither a number
    # nor an ISO 8601 date or time" and the season warning "the file has no column of times"
    path = _monthly_csv(tmp_path / "gap.csv", empty_line=42)
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", path, "--models", "naive", "--output", "none",
              "--n-jobs", "1", "--quiet"])
    messages = [str(w.message) for w in record]
    unread = [m for m in messages if "was not read as times" in m and "named like" in m]
    assert len(unread) == 1
    assert "(line 42 has no time, an empty cell: give every row its time)" in unread[0]
    season = [m for m in messages if "seasonal at period 12" in m]
    assert len(season) == 1
    assert "its column 'date' was not read as times (see the warning about it)" in season[0]
    assert "no column of times" not in season[0]


def test_an_empty_time_cell_of_time_column_is_called_missing(tmp_path, capsys):
    path = _monthly_csv(tmp_path / "gap.csv", empty_line=42)
    with pytest.raises(SystemExit):
        main(["compare", "--dataset", path, "--models", "naive", "--output", "none",
              "--time-column", "date"])
    err = capsys.readouterr().err
    assert "line 42 has none, an empty cell; give every row its time" in err


@pytest.mark.parametrize("name", ["neg_mae_scorer", "neg_rmse_scorer", "neg_smape_scorer"])
def test_scorers_refuse_targets_of_none_by_name(name):
    # scikit-learn's TypeError "Input should have at least 1 dimension ... array(None)"
    import skattn.metrics
    from skattn import make_windows
    from skattn.baselines import NaiveForecaster

    X, y = make_windows(np.arange(50.0), 10, 1)
    model = NaiveForecaster().fit(X, y)
    with pytest.raises(ValueError, match=r"y_true is None: .*scorer\(estimator, X, y\)"):
        getattr(skattn.metrics, name)(model, X, None)


def test_ensemble_leaves_3d_output_an_ndarray_under_the_global_pandas_output():
    # as LastSteps does: the global transform_output raised for several values per window (and
    # fit_transform gave pandas' "Must pass 2-d input"); set_output on the ensemble still raises
    pytest.importorskip("pandas")
    import sklearn

    from skattn import ForecastEnsemble, make_windows
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster

    def ensemble():
        return ForecastEnsemble([("a", NaiveForecaster()),
                                 ("b", SeasonalNaiveForecaster(season_length=4))])

    X, y = make_windows(np.arange(60.0), 10, 3)
    X1, y1 = make_windows(np.arange(60.0), 10, 1)
    expected = ensemble().fit(X, y).transform(X)
    assert expected.shape == (48, 2, 3)
    with sklearn.config_context(transform_output="pandas"):
        np.testing.assert_array_equal(ensemble().fit(X, y).transform(X), expected)
        np.testing.assert_array_equal(ensemble().fit_transform(X, y), expected)
        frame = ensemble().fit_transform(X1, y1)
        assert list(frame.columns) == ["forecastensemble_a", "forecastensemble_b"]
    with pytest.raises(ValueError, match="3-D array here, shape \\(48, 2, 3\\)"):
        ensemble().set_output(transform="pandas").fit(X, y).transform(X)


_CELL = """
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    backtest({"attn": AttentionForecaster(max_epochs=1, d_model=8, n_heads=1, n_layers=1,
                                          patch_len=4, random_state=0)},
             series, horizon=2, window=12)
"""


def test_backtest_shows_its_warnings_in_a_notebook_cell():
    # a cell's code has a file that is no module's (ipykernel's /tmp/ipykernel_<pid>/<n>.py):
    # the warnings, shown again when a model is done, went through warn_explicit(module=None),
    # which drops a warning whatever the filters
    import warnings

    from skattn import AttentionForecaster
    from skattn.model_selection import backtest

    rng = np.random.default_rng(0)
    namespace = {"warnings": warnings, "backtest": backtest,
                 "AttentionForecaster": AttentionForecaster, "__name__": "__main__",
                 "series": [np.cumsum(rng.standard_normal(60)) for _ in range(3)]}
    exec(compile(_CELL, "/tmp/ipykernel_4242/2217307711.py", "exec"), namespace)
    shown = [w for w in namespace["caught"] if "max_epochs=1 reached" in str(w.message)]
    assert len(shown) == 1
    assert shown[0].filename == "/tmp/ipykernel_4242/2217307711.py"


_SCRIPT_CLASS = """
class NoisyRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        warnings.warn("NoisyRidge: 3 windows look constant", UserWarning)
        return super().fit(X, y, sample_weight)
"""


def test_a_worker_shows_the_warnings_of_a_model_class_of_the_users_script():
    # a class of __main__ travels to joblib's workers by value: its file there is cloudpickle's
    # "<dynamic-code>", no module's, and its warnings were lost at n_jobs=2 (shown at n_jobs=1)
    import warnings

    from sklearn.linear_model import Ridge

    from skattn import ForecastEnsemble

    namespace = {"Ridge": Ridge, "warnings": warnings, "__name__": "__main__"}
    exec(compile(_SCRIPT_CLASS, "<script>", "exec"), namespace)
    rng = np.random.default_rng(0)
    X, y = np.cumsum(rng.standard_normal((40, 12)), axis=1), rng.standard_normal((40, 2))
    for n_jobs in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ForecastEnsemble([("a", namespace["NoisyRidge"]()), ("b", Ridge())],
                             n_jobs=n_jobs).fit(X, y)
        assert [str(w.message) for w in caught] == ["NoisyRidge: 3 windows look constant"], n_jobs


def test_ets_refuses_quantiles_of_an_undamped_multiplicative_trend():
    # statsforecast simulates such paths with phi = 0, without the trend: on a series growing 3%
    # a step the 0.9 quantile was pinned to the forecast (below it before the sort) at every step
    pytest.importorskip("statsforecast")
    from skattn.baselines import ETSForecaster

    X, y = np.ones((2, 8)), np.ones((2, 6))
    for damped in (None, False):
        with pytest.raises(ValueError, match=r"model='MMN' \(a multiplicative trend\) need "
                                             r"damped=True"):
            ETSForecaster(model="MMN", damped=damped, quantiles=(0.1, 0.5, 0.9)).fit(X, y)
    ETSForecaster(model="MMN").fit(X, y)  # point forecasts only: fine
    rng = np.random.default_rng(0)
    growth = 10 * 1.03 ** np.arange(60) * (1 + rng.normal(0, 0.01, 60))
    model = ETSForecaster(model="MMN", damped=True, quantiles=(0.1, 0.5, 0.9)).fit(X, y)
    bounds = model.forecast_quantiles(growth, 6)  # (6, 3)
    assert np.all(bounds[:, 2] - bounds[:, 1] > 0.1)  # the upper bound above the forecast


def test_ets_damped_numpy_bool_counts_as_true():
    # the short-window rule counted np.True_ as 0 (damped is True): a 9-value window reached
    # statsforecast, failed and fell back with a warning, where damped=True gave the naive
    pytest.importorskip("statsforecast")
    from skattn.baselines import ETSForecaster

    X, y = np.ones((1, 3)), np.ones((1, 3))
    history = np.array([1.0, 4.0, 2.0, 5.0, 3.0, 7.0, 5.0, 9.0, 11.0])
    expected = ETSForecaster(3, model="AAN", damped=True).fit(X, y).forecast(history, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ETSForecaster(3, model="AAN", damped=np.True_).fit(X, y).forecast(history, 3)
    np.testing.assert_array_equal(got, expected)


def test_a_python_int_beyond_float64_is_a_value_error():
    from skattn import AttentionForecaster, make_windows
    from skattn.baselines import NaiveForecaster
    from skattn.metrics import mae

    model = NaiveForecaster().fit(np.zeros((1, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="history must hold numbers within float64's range"):
        model.forecast([1, 2, 10**400], 2)
    with pytest.raises(ValueError, match="X must hold numbers within float64's range"):
        model.predict([[1, 2, 10**400]])
    with pytest.raises(ValueError, match="y must hold numbers within float64's range"):
        AttentionForecaster().fit([[1, 2, 3], [2, 3, 4]], [1, 10**400])
    with pytest.raises(ValueError, match="series must hold numbers within float64's range"):
        make_windows([1, 2, 3, 4, 10**400], 2, 1)
    with pytest.raises(ValueError, match="y_true must hold numbers within float64's range"):
        mae([1, 10**400], [1, 2])


def test_fixed_seasonal_arima_counts_a_seasonal_ar_term_as_a_season():
    # (1, 0, 0)(1, 1, 0) with season 12 was fitted from 16 values, but statsforecast conditions
    # on 25: every shorter window failed and fell back with a warning, and max_history=16 was
    # not warned about
    pytest.importorskip("statsforecast")
    from skattn.baselines import ARIMAForecaster, _fixed_order_minimum

    assert _fixed_order_minimum(1, 0, 0, 1, 1, 0, 12) == 25
    assert _fixed_order_minimum(0, 0, 0, 2, 0, 0, 12) == 24
    assert _fixed_order_minimum(2, 1, 0, 0, 0, 0, 1) == 5  # the coefficient count, as before
    rng = np.random.default_rng(0)
    t = np.arange(80)
    series = 20 + 3 * np.sin(2 * np.pi * t / 12) + 0.1 * t + rng.normal(0, 0.3, 80)
    with pytest.warns(UserWarning, match=r"max_history=16 is too short .* at least 25 values"):
        ARIMAForecaster((1, 0, 0), (1, 1, 0), season_length=12,
                        max_history=16).fit(np.zeros((1, 30)), np.zeros((1, 3)))
    model = ARIMAForecaster((1, 0, 0), (1, 1, 0), season_length=12).fit(np.zeros((1, 30)),
                                                                         np.zeros((1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no BaselineFallbackWarning: the naive forecast by rule
        np.testing.assert_array_equal(model.forecast(series[:24], 3), np.full(3, series[23]))
        assert np.all(np.isfinite(model.forecast(series[:25], 3)))


def test_theta_gives_no_advice_that_changes_nothing():
    pytest.importorskip("statsforecast")
    from skattn.baselines import ThetaForecaster

    X, y = np.zeros((1, 5)), np.zeros((1, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # a season below 4 is never used: "set max_history >= 6" changed nothing
        ThetaForecaster(3, max_history=5).fit(X, y)
        # a constant history has no season to find: "give histories of 44 values or more"
        ThetaForecaster(12).fit(X, y).forecast(np.zeros(30), 3)
        ThetaForecaster(12).fit(X, y).forecast(np.full(30, 4.0), 3)
    with pytest.warns(UserWarning, match="max_history=20 keeps fewer than two cycles"):
        ThetaForecaster(12, max_history=20).fit(X, y)


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"),
                    reason="worker processes are used on Linux only")
def test_a_worker_error_that_does_not_unpickle_leaves_the_pool_in_step():
    # an exception whose constructor wants two arguments pickles but does not unpickle: it
    # failed to load in the parent, the third worker's answer went unread, and every later fit
    # of the process read its workers' answers one step late (different weights, silently).
    # The worker's traceback now comes along as the cause.
    from test_process_shards import _run_script

    out = _run_script(r"""
import traceback
KW3 = dict(KW, n_jobs=3, batch_size=48, max_epochs=6)
X3 = np.cumsum(rng.standard_normal((192, 40)), axis=1)
X, y = X3[:, :30], X3[:, 30:]
PARENT = os.getpid()

class ShardError(Exception):
    def __init__(self, shard, detail):
        super().__init__(f"shard {shard}: {detail}")

def deep_helper():
    raise ShardError(1, "the real reason")

class FailsInWorker(AttentionForecaster):
    def _shard_gradients_job(self, params, inputs, targets, weights=None):
        job = super()._shard_gradients_job(params, inputs, targets, weights)
        def failing(index, rows, batch, seed, out):
            if index == 1 and os.getpid() != PARENT:
                deep_helper()
            return job(index, rows, batch, seed, out)
        return failing

F._SHARDS_IN_PROCESSES = False
threads = AttentionForecaster(**KW3).fit(X, y)
F._SHARDS_IN_PROCESSES = True
try:
    FailsInWorker(**KW3).fit(X, y)
except RuntimeError as error:
    assert "ShardError: shard 1: the real reason" in str(error), error
    assert "deep_helper" in "".join(traceback.format_exception(error))
else:
    raise AssertionError("the worker's error was not raised")
runs.clear()
for _ in range(2):
    again = AttentionForecaster(**KW3).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), threads.predict(X))
    assert again.loss_curve_ == threads.loss_curve_
assert runs  # trained on the workers
print("ok")
""")
    assert out.strip().endswith("ok")


def test_sparse_targets_histories_and_metric_values_get_scikit_learns_type_error():
    # NumPy made a 0-d object array of a sparse matrix: "setting an array element with a
    # sequence." (Ridge says: "Sparse data was passed ..., use '.toarray()'")
    import scipy.sparse

    from skattn import AttentionForecaster
    from skattn.baselines import NaiveForecaster
    from skattn.metrics import mae, mase, neg_mae_scorer

    X = np.arange(40.0).reshape(10, 4)
    sparse = scipy.sparse.csr_matrix(np.ones((10, 1)))
    model = NaiveForecaster().fit(X, np.ones(10))
    # (a refused fit leaves a baseline unfitted since session 34: refused on a model of its own)
    for call, name in [(lambda: NaiveForecaster().fit(X, sparse), "y"),
                       (lambda: AttentionForecaster().fit(X, sparse), "y"),
                       (lambda: model.forecast(scipy.sparse.csr_array(np.ones((1, 5))), 2),
                        "history"),
                       (lambda: mae(sparse, np.ones((10, 1))), "y_true"),
                       (lambda: mae(np.ones((10, 1)), sparse), "y_pred"),
                       (lambda: mase(sparse, np.ones((10, 1)), np.ones(20)), "y_true"),
                       (lambda: neg_mae_scorer(model, X, sparse), "y_true")]:
        with pytest.raises(TypeError, match=f"Sparse data was passed for {name}, but dense "
                                            r"data is required. Use '.toarray\(\)'"):
            call()


def test_fitting_values_beyond_1e154_raises_no_numpy_overflow_warning():
    # the targets-units check took the windows' standard deviation unscaled: squares overflowed
    # (NumPy's RuntimeWarning, an error under -W error, and the check silently skipped)
    from skattn import AttentionForecaster
    from skattn.forecaster import _median_first_step

    rng = np.random.default_rng(0)
    series = np.cumsum(rng.standard_normal((40, 20)), axis=1) + 50
    X, y = series[:, :16], series[:, 16:]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # max_epochs=1's ConvergenceWarning
        model = AttentionForecaster(max_epochs=1, random_state=0, d_model=8, n_heads=1,
                                    n_layers=1, patch_len=4).fit(X * 1e200, y * 1e200)
        assert np.all(np.isfinite(model.predict(X * 1e200)))
        # the same ratio in any units
        small = _median_first_step(X[:, :, None], y)
        np.testing.assert_allclose(_median_first_step(X[:, :, None] * 1e200, y * 1e200), small,
                                   rtol=1e-12)


def test_deseasonalized_says_when_its_windows_are_not_positive():
    # a seasonal series of mean 0 passed through unadjusted without a word; on shorter windows
    # the warning blamed too few cycles and advised settings that adjust nothing
    from sklearn.linear_model import Ridge

    from skattn import make_windows
    from skattn.exceptions import SeasonalAdjustmentWarning
    from skattn.seasonal import DeseasonalizedForecaster

    rng = np.random.default_rng(0)
    t = np.arange(240)
    series = 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, t.size)
    for window, test in [(60, True), (60, False), (36, True)]:
        X, y = make_windows(series, window, 12)
        with pytest.warns(SeasonalAdjustmentWarning) as record:
            model = DeseasonalizedForecaster(Ridge(), season_length=12,
                                             seasonality_test=test).fit(X, y)
        assert model.adjusted_fraction_ == 0.0
        assert len(record) == 1
        message = str(record[0].message)
        assert f"{len(X)} of the {len(X)} windows hold a value <= 0" in message
        assert "critical_value" not in message
    X, y = make_windows(series + 30, 60, 12)  # positive: adjusted, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DeseasonalizedForecaster(Ridge(), season_length=12).fit(X, y).adjusted_fraction_ > 0


@pytest.mark.parametrize("learning_rate, dtype", [(1e30, "float32"), (1e300, "float64")])
def test_a_diverging_training_is_the_value_error_alone(learning_rate, dtype):
    # the products overflowed before the loss was non-finite: NumPy's RuntimeWarning came first
    from skattn import AttentionForecaster, make_windows

    t = np.arange(200)
    series = 10 + 3 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.3, 200)
    X, y = make_windows(series, 12, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="training diverged at epoch 1"):
            AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=2, random_state=0,
                                learning_rate=learning_rate, weight_decay=0.0,
                                dtype=dtype).fit(X, y)


def test_finite_windows_whose_sum_overflows_fit_without_numpy_warnings():
    # scikit-learn's finiteness check sums X first: inf - inf, "invalid value in reduce"
    from skattn import AttentionForecaster, make_windows
    from skattn.baselines import NaiveForecaster
    from skattn.seasonal import DeseasonalizedForecaster

    series = 10 + np.sin(np.arange(120) / 2)
    X, y = make_windows(series, 12, 3)
    X[:, 5], X[:, 6] = -1.7e308, 1.7e308
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # the outlier and convergence warnings
        model = AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=1,
                                    random_state=0).fit(X, y)
        assert np.all(np.isfinite(model.predict(X[-2:])))
        NaiveForecaster().fit(X, y)
        DeseasonalizedForecaster(NaiveForecaster()).fit(X, y)


def test_weights_below_float64s_resolution_are_left_out_as_weights_of_zero():
    # with early stopping they reached the split as 0: a 0/0 (RuntimeWarning) and a message
    # about X's range ("reaches nan times the spread"), or "weight must be finite and >= 0."
    from skattn import AttentionForecaster, make_windows

    series = 10 + np.sin(np.arange(80) / 2)
    X, y = make_windows(series, 12, 3)  # 66 windows
    small = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=2, random_state=0)
    weights = np.r_[np.full(40, 1e-300), np.full(26, 1e300)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        model = AttentionForecaster(**small, early_stopping=True, validation_fraction=0.3).fit(
            X, y, sample_weight=weights)
        # the same model as the 26 windows alone
        alone = AttentionForecaster(**small, early_stopping=True, validation_fraction=0.3).fit(
            X[40:], y[40:])
        np.testing.assert_array_equal(model.predict(X), alone.predict(X))
        with pytest.raises(ValueError, match=r"sample_weight left out 65, 65 of them of a "
                                             r"weight > 0 but below float64's resolution"):
            AttentionForecaster(**small, early_stopping=True).fit(
                X, y, sample_weight=np.r_[np.full(65, 1e-300), 1e300])


def test_a_baseline_fitted_on_one_value_does_not_call_its_targets_other_units():
    # backtest fits a local model on the last window; with window 1 that is one value, no unit
    # to measure targets in: compare on 30 daily values warned TargetUnitsWarning
    from skattn.baselines import NaiveForecaster
    from skattn.model_selection import backtest

    values = 100 + 10 * np.sin(np.arange(30) / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NaiveForecaster().fit([[108.4]], [np.linspace(110.0, 90.0, 14)])
        backtest({"naive": NaiveForecaster()}, values, 14, 1, season_length=7)


def test_a_long_tables_multiindex_is_refused_not_read_as_one_series():
    # a (store_id, date) index: the frame's one-column hint led to table['sales'], read as one
    # series whose windows ran from one store into the next, and scored by backtest
    pd = pytest.importorskip("pandas")
    from skattn import make_windows
    from skattn.baselines import NaiveForecaster

    days = pd.date_range("2024-01-01", periods=30, freq="D")
    table = pd.concat([pd.DataFrame({"store_id": store, "date": days, "sales": 100.0 * (k + 1)})
                       for k, store in enumerate("ABC")], ignore_index=True)
    table = table.set_index(["store_id", "date"])
    message = (r"series has a MultiIndex \(store_id, date\) whose times \(date\) repeat under 3 "
               r"values of store_id: several series in one long table")
    for given in (table, table["sales"]):
        with pytest.raises(ValueError, match=message):
            make_windows(given, 7, 2)
    with pytest.raises(ValueError, match=r"history has a MultiIndex \(store_id, date\)"):
        NaiveForecaster().fit(np.zeros((1, 3)), np.zeros((1, 2))).forecast(table["sales"], 2)
    # the remedy the message gives works, without a FutureWarning
    sales = table["sales"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parts = [rows.droplevel(0).sort_index() for _, rows in sales.groupby(level=0)]
        assert make_windows(parts, 7, 2)[0].shape == (66, 7)
    # times first, (date, hour): one series
    hours = pd.MultiIndex.from_product([days[:3], range(24)], names=["date", "hour"])
    assert make_windows(pd.Series(np.arange(72.0), index=hours), 7, 2)[0].shape == (64, 7)


def test_pyarrow_and_date_object_time_indexes_are_checked():
    # read_csv(engine="pyarrow", dtype_backend="pyarrow"), read_parquet and .dt.date give
    # indexes that were not looked at: a newest-first export was forecast from its oldest day
    pd = pytest.importorskip("pandas")
    from skattn.baselines import NaiveForecaster

    days = pd.date_range("2024-01-01", periods=30, freq="D")[::-1]
    values = np.arange(30.0)[::-1]
    indexes = [pd.Index(days.date)]
    try:  # the pyarrow-backed ones where pyarrow is installed (statsforecast brings it)
        import pyarrow as pa
    except ImportError:
        pa = None
    if pa is not None and getattr(pd, "ArrowDtype", None) is not None:
        indexes += [pd.Index(days, dtype=pd.ArrowDtype(pa.timestamp("ns"))),
                    pd.Index(days.date, dtype=pd.ArrowDtype(pa.date32()))]
    model = NaiveForecaster().fit(np.zeros((1, 3)), np.zeros((1, 2)))
    for index in indexes:
        with pytest.raises(ValueError, match="history has a DatetimeIndex that runs newest first"):
            model.forecast(pd.Series(values, index=index), 2)
        in_order = pd.Series(values[::-1], index=index[::-1])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(model.forecast(in_order, 2), [29.0, 29.0])


def test_a_workers_library_is_loaded_before_its_forecasts_are_timed():
    # in fresh joblib workers the first forecast imported statsforecast: two identical Theta
    # models' predict_seconds were 3.07 s and 0.005 s apart, by their order alone. A model of
    # the script (pickled by value to the workers) checks that its library was asked for
    # before its first forecast in each worker
    import subprocess
    import sys

    script = r"""
import os
import warnings
import numpy as np
from skattn.baselines import NaiveForecaster
from skattn.model_selection import backtest
warnings.simplefilter("ignore")
LOADED = []  # the processes that loaded it

class NeedsALibrary(NaiveForecaster):
    _needs_library = True  # forecast in joblib's workers, as the statsforecast models are

    def _require_library(self):
        LOADED.append(os.getpid())

    def forecast(self, history, steps):
        if os.getpid() not in LOADED:
            raise RuntimeError("forecast timed before the library was loaded")
        return super().forecast(history, steps)

rng = np.random.default_rng(8)
series = [20 + rng.normal(size=n).cumsum() for n in (40, 33, 28)]
backtest({"a": NeedsALibrary()}, series, 3, 6, 1, 2, n_jobs=2)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_backtest_names_the_model_whose_quantiles_cross():
    # found only after every origin, by coverage: "y_lower must not exceed y_upper ... were the
    # bounds given in the wrong order?", naming no model, series or origin
    from sklearn.base import BaseEstimator, RegressorMixin

    from skattn.model_selection import backtest

    class Crossing(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.quantiles_ = np.array([0.1, 0.5, 0.9])
            self.n_features_in_ = np.shape(X)[1]
            return self

        def forecast(self, history, steps):
            return np.full(steps, float(history[-1]))

        def forecast_quantiles(self, history, steps):
            return float(history[-1]) + np.array([[1.0, 0.0, -1.0]] * steps)  # descending

    series = 50 + np.random.default_rng(7).normal(size=40).cumsum()
    with pytest.raises(ValueError, match=r"model 'crossing' returned invalid quantiles for "
                                         r"series 0 at origin 34: they must not decrease .* at "
                                         r"step 1 the 0.1 quantile is"):
        backtest({"crossing": Crossing()}, [series], 3, 5, 1, 2, interval=0.8)


def test_covariates_with_other_times_than_their_series_are_refused():
    # a holiday calendar from 1 January cut to the length of a store opened 21 January: every
    # flag 20 days off, silently; future covariates dated before the history's end accepted
    pd = pytest.importorskip("pandas")
    from skattn import AttentionForecaster, make_windows
    from skattn.baselines import SeasonalNaiveForecaster
    from skattn.model_selection import backtest

    days = pd.date_range("2024-01-21", periods=80, freq="D")
    sales = pd.Series(100 + 10 * np.sin(np.arange(80) / 3), index=days, name="sales")
    calendar = pd.Series((np.arange(120) % 7 == 0).astype(float),
                         index=pd.date_range("2024-01-01", periods=120, freq="D"), name="holiday")
    shifted = calendar.iloc[:80]
    with pytest.raises(ValueError, match=r"covariates has 120 times \(2024-01-01 00:00:00 to "
                                         r"2024-04-29 00:00:00\) and series 80"):
        make_windows(sales, 14, 7, covariates=calendar)
    with pytest.raises(ValueError, match=r"the times of covariates are not those of series: "
                                         r"position 0 is 2024-01-01 00:00:00 in covariates"):
        make_windows(sales, 14, 7, covariates=shifted)
    with pytest.raises(ValueError, match=r"the times of covariates\[1\] are not those of "
                                         r"series\[1\]"):
        make_windows([sales, sales], 14, 7, covariates=[calendar.reindex(days), shifted])
    with pytest.raises(ValueError, match="the times of covariates are not those of series"):
        backtest({"snaive": SeasonalNaiveForecaster(7)}, sales, 7, 14, covariates=shifted)
    aligned = calendar.reindex(days)
    X, y = make_windows(sales, 14, 7, covariates=aligned)
    # by position on purpose: allowed
    make_windows(sales, 14, 7, covariates=shifted.to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = AttentionForecaster(patch_len=7, d_model=8, n_heads=2, n_layers=1, max_epochs=1,
                                    random_state=0).fit(X, y)
    history = pd.concat([sales, aligned], axis=1)
    after = calendar.reindex(pd.date_range(days[-1] + pd.Timedelta(days=1), periods=7))
    assert model.forecast(history, 14, future_covariates=after.to_frame()).shape == (14,)
    with pytest.raises(ValueError, match=r"future_covariates starts at 2024-01-01 00:00:00, not "
                                         r"after the history's last time 2024-04-09"):
        model.forecast(history, 14, future_covariates=calendar.iloc[:7].to_frame())
    model.forecast(history, 14, future_covariates=calendar.iloc[:7].to_numpy()[:, None])


def test_times_repeated_as_by_interleaved_series_are_called_so():
    # a long table sorted by date, indexed by date: the warning said to filter it or to sum the
    # repeats, both wrong for three stores interleaved
    pd = pytest.importorskip("pandas")
    from skattn import make_windows
    from skattn.exceptions import TimeGapWarning

    days = pd.date_range("2024-01-01", periods=30, freq="D")
    table = pd.concat([pd.DataFrame({"store_id": s, "date": days, "sales": 100.0 * (k + 1)})
                       for k, s in enumerate("ABC")], ignore_index=True)
    by_date = table.sort_values(["date", "store_id"]).set_index("date")["sales"]
    with pytest.warns(TimeGapWarning, match=r"every time appears 3 times, as when 3 series of a "
                                            r"long table are interleaved"):
        make_windows(by_date, 7, 2)
    once = pd.Series(np.arange(5.0), index=pd.to_datetime(
        ["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-04"]))
    with pytest.warns(TimeGapWarning) as record:
        make_windows(once, 2, 1)
    assert "interleaved" not in str(record[0].message)


def test_a_gap_in_a_business_day_series_first_week_is_named_in_business_days():
    # the steps around the gap look daily: asfreq('D') was advised, adding every weekend
    pd = pytest.importorskip("pandas")
    from skattn import make_windows
    from skattn.exceptions import TimeGapWarning

    days = pd.bdate_range("2024-01-01", periods=60).delete(3)  # Thursday 4 January missing
    with pytest.warns(TimeGapWarning, match=r"\(steps of 'B' around it\).*values.asfreq\('B'\)"):
        make_windows(pd.Series(np.arange(59.0), index=days), 7, 2)
    daily = pd.date_range("2024-01-01", periods=60, freq="D").delete(3)
    with pytest.warns(TimeGapWarning, match=r"values.asfreq\('D'\)"):
        make_windows(pd.Series(np.arange(59.0), index=daily), 7, 2)


def test_a_mixed_ensemble_does_not_count_a_local_members_window_as_padded():
    # a baseline member forecasts from the whole history; its window (30) was counted as read,
    # and forecast_quantiles of 12 values warned of a left-padded window where none was padded
    from sklearn.pipeline import make_pipeline

    from skattn import ForecastEnsemble, LastSteps, make_windows
    from skattn.baselines import NaiveForecaster

    series = 50 + np.random.default_rng(3).normal(size=80).cumsum()
    X, y = make_windows(series, 30, 3)
    quantiles = (0.1, 0.5, 0.9)
    mixed = ForecastEnsemble([
        ("recent", make_pipeline(LastSteps(5), NaiveForecaster(quantiles=quantiles))),
        ("naive", NaiveForecaster(quantiles=quantiles))]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mixed.forecast_quantiles(series[:12], 3).shape == (3, 3)
    with pytest.warns(UserWarning, match="the 5 last values its networks read"):
        mixed.forecast_quantiles(series[:4], 3)


def test_the_calendar_fallback_warning_gives_the_fallbacks_own_reason(tmp_path, capsys):
    # "too short for it and a hold-out of 14 (the shortest has 21 values, 22 needed)" read as
    # if a hold-out of 12 would have kept the season 7; the longest's window stopped it
    rows = ["uid,date,y"]
    for uid, length in (("a", 21), ("b", 21), ("c", 15)):
        for day in range(length):
            rows.append(f"{uid},2024-01-{day + 1:02d},{10 + (day % 7) + 0.1 * day!r}")
    path = tmp_path / "daily21.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.warns(UserWarning, match=r"\(the shortest has 21 values, 22 needed; with a "
                                         r"hold-out of 12, the longest has 21 values, more than "
                                         r"24 needed for a training window\)"):
        with pytest.raises(SystemExit):
            main(["compare", "--dataset", str(path), "--id-column", "uid", "--value-column", "y",
                  "--models", "naive,snaive", "--output", "none", "--max-series", "2"])
