"""Metrics against values computed by hand."""
import numpy as np
import pytest
from sklearn import __version__ as sklearn_version
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.utils.fixes import parse_version

from skattn.metrics import (
    SCORERS,
    coverage,
    interval_score,
    mae,
    make_mase_scorer,
    mase,
    neg_smape_scorer,
    quantile_loss,
    rmse,
    seasonal_naive_scale,
    smape,
)


def test_mae_and_rmse_by_hand():
    y, f = [1.0, 2.0, 4.0], [2.0, 2.0, 1.0]
    assert mae(y, f) == pytest.approx((1 + 0 + 3) / 3)
    assert rmse(y, f) == pytest.approx(np.sqrt((1 + 0 + 9) / 3))


def test_smape_by_hand():
    # 200 |y - f| / (|y| + |f|): 200*10/210, 200*0/40, 200*5/15
    y, f = [100.0, 20.0, 10.0], [110.0, 20.0, 5.0]
    expected = (200 * 10 / 210 + 0 + 200 * 5 / 15) / 3
    assert smape(y, f) == pytest.approx(expected)
    assert smape([0.0, 1.0], [0.0, 1.0]) == 0.0  # 0/0 counts as perfect
    assert smape([1.0], [-1.0]) == pytest.approx(200.0)  # the maximum


def test_mase_by_hand():
    y_train = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    # season 2: |2-1|, |5-3|, |4-2|, |6-5| -> mean 1.5
    assert seasonal_naive_scale(y_train, 2) == pytest.approx(1.5)
    y_true, y_pred = [7.0, 5.0], [6.0, 8.0]  # MAE 2
    assert mase(y_true, y_pred, y_train, season_length=2) == pytest.approx(2 / 1.5)
    # season 1: |2|,|1|,|3|,|1|,|2| -> 9/5
    assert mase(y_true, y_pred, y_train) == pytest.approx(2 / 1.8)


def test_mase_of_many_series_is_the_mean_of_each():
    histories = [np.array([1.0, 2.0, 4.0]), np.array([10.0, 10.0, 20.0, 20.0])]
    y_true = np.array([[5.0, 6.0], [20.0, 30.0]])
    y_pred = np.array([[5.0, 5.0], [25.0, 25.0]])
    expected = np.mean([0.5 / 1.5, 5.0 / (10 / 3)])
    assert mase(y_true, y_pred, histories) == pytest.approx(expected)


def test_seasonal_naive_is_mase_one_in_sample_on_a_random_walk():
    # the seasonal-naive forecast of the training series itself scores exactly 1
    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=50))
    y_train, m = series, 4
    assert mase(series[m:], series[:-m], y_train, m) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mae([1.0, 2.0], [1.0]), "same shape"),
        (lambda: smape([np.nan], [1.0]), "finite"),
        (lambda: rmse([], []), "empty"),
        (lambda: mase([1.0], [1.0], [1.0, 2.0], 2), "longer than season_length=2"),
        (lambda: mase([1.0], [1.0], [1.0, 2.0, 1.0, 2.0], 2), "undefined"),
        (lambda: mase([1.0], [1.0], [1.0, 2.0, 3.0], 0), "season_length"),
        (lambda: mase([[1.0]], [[1.0]], [[1.0, 2.0], [3.0, 1.0]]), "one history per series"),
        (lambda: mase(np.ones((2, 3)), np.ones((2, 3)), None), "y_train"),
        (lambda: mase(np.ones((2, 3)), np.ones((2, 3)), 5.0), "y_train"),
        (lambda: make_mase_scorer(1)(LastValue(), np.ones(4), np.ones(1)), "X must be"),
        # single numbers are refused everywhere, as scikit-learn's metrics and mase refuse them
        # (mae, rmse and smape scored them until session 30)
        (lambda: mae(1.0, 2.0), "y_true must be an array of values, got a single number"),
        (lambda: rmse([1.0], np.float64(2.0)), "y_pred must be an array of values"),
        (lambda: smape(np.array(1.0), np.array(2.0)), "y_true must be an array of values"),
        (lambda: coverage(1.0, 0.0, 2.0), "y_true must be an array of values"),
        (lambda: interval_score(1.0, 0.0, 2.0, 0.1), "y_true must be an array of values"),
        (lambda: quantile_loss(1.0, [1.0], [0.5]), "y_true must be an array of values"),
        (lambda: mase(1.0, 2.0, [1.0, 2.0, 3.0]), "y_true must be an array of values"),
    ],
)
def test_metric_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------------------------------
# Extreme magnitudes: correct whenever the true value fits in float64, else a ValueError
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, expected",
    [
        # the squares overflow (1e200) or underflow (1e-300) in float64; the root doesn't
        (lambda: rmse([1e200], [-1e200]), 2e200),
        (lambda: rmse([1e-300], [2e-300]), 1e-300),
        (lambda: rmse([1e-300, 0.0], [2e-300, 0.0]), 1e-300 / np.sqrt(2)),
        # one difference overflows, or the sum does, but the mean doesn't
        (lambda: mae([1.7e308, 0.0], [-1.7e308, 0.0]), 1.7e308),
        (lambda: mae([1e308, 1e308], [0.0, 0.0]), 1e308),
        (lambda: rmse([1.7e308, 0.0, 0.0, 0.0], [-1.7e308, 0.0, 0.0, 0.0]), 1.7e308),
        # |y| + |f| or 2 |y - f| overflows: the ratio was 0 or NaN
        (lambda: smape([-1.7e308], [1.7e308]), 200.0),
        (lambda: smape([1.7e308], [0.85e308]), 200 * 0.85 / 2.55),
        (lambda: smape([1e308, 1.0], [-1e307, 1.0]), 100.0),
        # the history's scale, 3.4e308, overflows; the MASE, 0.5 / 3.4e308, doesn't
        (lambda: mase([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], [1.7e308, -1.7e308]), 0.25 / 1.7e308),
        (lambda: seasonal_naive_scale([1.7e308, 0.0, -1.7e308]), 1.7e308),
        # the scale, 2**-1075, is half the smallest subnormal: it rounded to 0 ("undefined")
        (lambda: mase([2.0**-100], [0.0], [0.0, 5e-324, 5e-324]), 2.0**975),
        # a forecast's errors, 2e308, overflow; its MASE doesn't
        (lambda: mase([[1e308, 1e308]], [[-1e308, -1e308]], [[0.0, 1e10]]), 2e298),
        # each series' MASE, 1e308 / 0.6, fits; the sum for their mean didn't
        (lambda: mase(np.full((2, 2), 1e308), np.zeros((2, 2)), [[0.0, 0.6]] * 2), 1e308 / 0.6),
    ],
)
def test_metrics_at_extreme_magnitudes(call, expected):
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow warnings either
        assert call() == pytest.approx(expected, rel=1e-14, abs=0.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mae([1.7e308], [-1.7e308]),  # 3.4e308
        lambda: rmse([1.7e308], [-1.7e308]),
        lambda: seasonal_naive_scale([1.7e308, -1.7e308]),
        lambda: seasonal_naive_scale([0.0, 5e-324, 5e-324]),  # 2.5e-324 rounds to 0
        lambda: mase([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], np.arange(10) * 1e-320),  # about 5e319
    ],
)
def test_metrics_outside_float64s_range_are_value_errors(call):
    with pytest.raises(ValueError, match="exceeds float64|below float64"):
        call()


def test_power_of_two_rescaling_is_exact():
    # the extreme-magnitude paths agree bitwise with the plain formulas on the same data, scaled
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.uniform(-0.25, 0.25, size=(2, 3, 40))
    history = [rng.uniform(-1.0, 1.0, size=30) for _ in range(3)]
    for exponent in (600, -600):  # the squares would overflow, or underflow
        scaled = [np.ldexp(y_true, exponent), np.ldexp(y_pred, exponent)]
        assert rmse(*scaled) == np.ldexp(rmse(y_true, y_pred), exponent)
    # the sums overflow (mae, mase), and the differences in the history (mase)
    scaled = [np.ldexp(y_true, 1023), np.ldexp(y_pred, 1023)]
    assert mae(*scaled) == np.ldexp(mae(y_true, y_pred), 1023)
    scaled_history = [np.ldexp(h, 1023) for h in history]
    assert mase(*scaled, scaled_history) == mase(y_true, y_pred, history)
    # twice the differences overflow (so does |y| + |f| in test_metrics_at_extreme_magnitudes)
    wide_true, wide_pred = 4.0 * y_true, 4.0 * y_pred
    scaled = [np.ldexp(wide_true, 1023), np.ldexp(wide_pred, 1023)]
    assert smape(*scaled) == smape(wide_true, wide_pred)


def test_ordinary_inputs_give_the_reference_formulas_bitwise():
    # published benchmark figures were computed with these formulas: the guards for extreme
    # magnitudes must not change a single bit for values between 1e-100 and 1e100
    rng = np.random.default_rng(2)
    for _ in range(200):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 300)))
        magnitude = 10.0 ** rng.uniform(-100, 100, size=shape if rng.random() < 0.5 else ())
        y_true = rng.normal(size=shape) * magnitude
        y_pred = y_true + rng.normal(size=shape) * magnitude * 10.0 ** rng.uniform(-8, 1)
        if rng.random() < 0.2:  # a perfect forecast, and a 0 forecast of 0
            y_pred[0] = y_true[0]
            y_true[-1, -1] = y_pred[-1, -1] = 0.0
        histories = [rng.normal(size=int(rng.integers(3, 50))) * 10.0 ** rng.uniform(-100, 100)
                     for _ in range(shape[0])]
        m = int(rng.integers(1, 3))
        if rng.random() < 0.3:  # column-major rows are summed in another order
            y_true, y_pred = np.asfortranarray(y_true), np.asfortranarray(y_pred)
        errors = y_true - y_pred
        assert mae(y_true, y_pred) == float(np.mean(np.abs(errors)))
        assert rmse(y_true, y_pred) == float(np.sqrt(np.mean(errors ** 2)))
        denominator = np.abs(y_true) + np.abs(y_pred)
        ratio = np.divide(2.0 * np.abs(errors), denominator,
                          out=np.zeros_like(denominator), where=denominator > 0)
        assert smape(y_true, y_pred) == float(100.0 * np.mean(ratio))
        scales = np.array([np.mean(np.abs(h[m:] - h[:-m])) for h in histories])
        assert mase(y_true, y_pred, histories, m) == float(
            np.mean(np.mean(np.abs(errors), axis=1) / scales))
        assert mase(y_true[0], y_pred[0], histories[0], m) == float(
            np.mean(np.abs(errors[0])) / scales[0])
        assert seasonal_naive_scale(histories[0], m) == float(scales[0])


class LastValue(RegressorMixin, BaseEstimator):
    """A tiny estimator that forecasts the last value of each window (for scorer tests)."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.asarray(X)[:, -1]


def test_scorers_are_negated_metrics():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 2.0, 6.0]])
    y = np.array([4.0, 3.0])
    model = LastValue()
    assert neg_smape_scorer(model, X, y) == pytest.approx(-smape(y, X[:, -1]))
    assert SCORERS["neg_mae"](model, X, y) == pytest.approx(-mae(y, X[:, -1]))
    # MASE of each window, scaled by the window's own naive error (1 and 3), then averaged
    expected = -np.mean([1.0 / 1.0, 3.0 / 3.0])
    assert make_mase_scorer(1)(model, X, y) == pytest.approx(expected)


def test_scorers_work_in_grid_search():
    from skattn import AttentionForecaster, make_windows

    t = np.arange(120.0)
    X, y = make_windows(10 + np.sin(t / 2) + 0.01 * t, window=12, horizon=3)
    search = GridSearchCV(
        AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=2, random_state=0),
        {"patch_len": [3, 4]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring={"smape": neg_smape_scorer, "mase": make_mase_scorer(1)},
        refit="mase",
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_smape"]))
    assert np.all(search.cv_results_["mean_test_mase"] < 0)


# ------------------------------------------------------------------------------------------
# Scorers with missing targets: the estimators' rule (each step on its observed rows)
# ------------------------------------------------------------------------------------------
class Fixed(RegressorMixin, BaseEstimator):
    """Predicts the same array whatever the windows (for scorer tests)."""

    def __init__(self, predictions=None):
        self.predictions = predictions

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.asarray(self.predictions, dtype=float)


def windows_targets_and_forecasts():
    # windows (3, 4), targets of a 3-step horizon with the last values of the newest rows
    # missing, as make_windows(..., min_target=1) leaves them
    X = np.array([[1.0, 3.0, 2.0, 5.0], [2.0, 2.5, 4.0, 3.0], [6.0, 4.0, 5.0, 7.0]])
    y = np.array([[4.0, 6.0, 5.0], [3.0, 5.0, np.nan], [8.0, np.nan, np.nan]])
    y_pred = np.array([[5.0, 5.0, 5.0], [2.0, 4.0, 9.0], [6.0, 7.0, 1.0]])
    return X, y, y_pred


def test_scorers_leave_out_missing_targets_step_by_step():
    X, y, y_pred = windows_targets_and_forecasts()
    model = Fixed(y_pred)
    # step 0 is observed in all three rows, step 1 in two, step 2 in one
    steps = [np.array([0, 1, 2]), np.array([0, 1]), np.array([0])]
    assert neg_smape_scorer(model, X, y) == pytest.approx(
        -np.mean([smape(y[rows, s], y_pred[rows, s]) for s, rows in enumerate(steps)]))
    assert SCORERS["neg_mae"](model, X, y) == pytest.approx(
        -np.mean([mae(y[rows, s], y_pred[rows, s]) for s, rows in enumerate(steps)]))
    assert SCORERS["neg_rmse"](model, X, y) == pytest.approx(
        -np.sqrt(np.mean([rmse(y[rows, s], y_pred[rows, s]) ** 2 for s, rows in enumerate(steps)])))
    # each window is scaled by its own naive error: mean |x_t - x_{t-1}| = 6 / 3, 3 / 3, 5 / 3
    scales = np.array([2 + 1 + 3, 0.5 + 1.5 + 1, 2 + 1 + 2]) / 3
    expected_mase = np.mean([np.mean(np.abs(y[rows, s] - y_pred[rows, s]) / scales[rows])
                             for s, rows in enumerate(steps)])
    assert make_mase_scorer(1)(model, X, y) == pytest.approx(-expected_mase)


def test_scorers_without_missing_targets_are_the_metrics_bit_for_bit():
    rng = np.random.default_rng(3)
    X = rng.normal(10.0, 2.0, size=(7, 12))
    y, y_pred = rng.normal(10.0, 2.0, size=(2, 7, 4))
    model = Fixed(y_pred)
    assert neg_smape_scorer(model, X, y) == -smape(y, y_pred)
    assert SCORERS["neg_mae"](model, X, y) == -mae(y, y_pred)
    assert SCORERS["neg_rmse"](model, X, y) == -rmse(y, y_pred)
    assert make_mase_scorer(2)(model, X, y) == -mase(y, y_pred, list(X), 2)


def test_scorers_refuse_targets_with_a_row_observed_nowhere_and_nan_forecasts():
    X, y, y_pred = windows_targets_and_forecasts()
    unobserved_row = y.copy()
    unobserved_row[2] = np.nan
    nan_forecast = y_pred.copy()
    nan_forecast[0, 0] = np.nan
    for scorer in (neg_smape_scorer, SCORERS["neg_mae"], SCORERS["neg_rmse"], make_mase_scorer(1)):
        with pytest.raises(ValueError, match="NaN in every value of 1 row"):
            scorer(Fixed(y_pred), X, unobserved_row)
        with pytest.raises(ValueError, match="NaN in every value of 3 row"):
            scorer(Fixed(y_pred), X, np.full_like(y, np.nan))  # a fold with nothing observed
        with pytest.raises(ValueError, match="y_pred must be finite"):
            scorer(Fixed(nan_forecast), X, y)


@pytest.mark.parametrize("metric", [mae, rmse, smape, lambda t, p: mase(t, p, [1.0, 3.0, 2.0])])
def test_metric_functions_still_refuse_nan(metric):
    # they score complete test parts; only the scorers leave missing values out
    with pytest.raises(ValueError, match="must be finite"):
        metric([1.0, np.nan], [1.0, 2.0])


def test_scorers_rank_a_search_over_windows_past_the_series_end():
    # the last time-ordered fold holds the windows with missing targets: every candidate's score
    # was NaN ("Scoring failed")
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skattn import AttentionForecaster, make_windows

    t = np.arange(100.0)
    X, y = make_windows(10 + np.sin(t / 2) + 0.01 * t, window=12, horizon=3, min_target=1)
    assert np.isnan(y[-1]).any()
    search = GridSearchCV(
        AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=2, random_state=0),
        {"patch_len": [3, 4]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring={"smape": neg_smape_scorer, "mase": make_mase_scorer(1)},
        refit="smape",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Scoring failed" is a UserWarning
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs, on purpose
        search.fit(X, y)
    for column in ("split1_test_smape", "split1_test_mase"):
        assert np.all(np.isfinite(search.cv_results_[column]))


def test_mase_scorer_gives_the_estimator_its_windows_as_they_are():
    # a DataFrame became an array, and an estimator fitted on a DataFrame warned at every call
    import warnings

    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(4)
    X = rng.normal(10.0, 1.0, size=(30, 6))
    y = X[:, -2:] + rng.normal(0.0, 0.1, size=(30, 2))
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(6)])
    from_frame = Ridge().fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names"
        score = make_mase_scorer(1)(from_frame, frame, y)
    # equal to rounding: pandas 3 stores a frame by columns, and Ridge's BLAS then sums in
    # another order (1.8e-15 apart; pandas 3 trial, session 34)
    assert score == pytest.approx(make_mase_scorer(1)(Ridge().fit(X, y), X, y), rel=1e-12)


# ------------------------------------------------------------------------------------------
# One value per row, as (n,) or (n, 1): scikit-learn's regression metrics take both alike
# ------------------------------------------------------------------------------------------
def airline_windows_of_horizon_1():
    from skattn import make_windows
    from skattn.datasets import load_airline

    return make_windows(load_airline().series[:-12], window=24, horizon=1)


def all_scorers():
    return {**SCORERS, "neg_mase_12": make_mase_scorer(12)}


def test_scorers_take_a_one_column_target_that_an_estimator_predicts_1d():
    # y = df[["y"]] and Ridge, which predicts such a target 1-D: every scorer raised "y_true
    # and y_pred must have the same shape, got (108, 1) and (108,)"; scikit-learn's scorers
    # take it
    from sklearn.linear_model import Ridge

    X, y = airline_windows_of_horizon_1()  # y: (n,)
    column = y[:, None]
    from_column = Ridge().fit(X, column)
    assert from_column.predict(X).shape == y.shape  # 1-D predictions of a one-column target
    from_vector = Ridge().fit(X, y)
    for name, scorer in all_scorers().items():
        expected = scorer(from_vector, X, y)
        assert scorer(from_column, X, column) == expected, name
        # and the other way round: a 1-D target, forecasts as a column
        assert scorer(Fixed(from_vector.predict(X)[:, None]), X, y) == expected, name


def test_cross_validate_scores_a_one_column_target_like_a_1d_one():
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_validate

    X, y = airline_windows_of_horizon_1()
    arguments = dict(cv=TimeSeriesSplit(n_splits=2), scoring=all_scorers(), error_score="raise")
    by_vector = cross_validate(Ridge(), X, y, **arguments)
    targets = [y[:, None]]
    try:
        import pandas as pd
    except ImportError:
        pass
    else:
        targets.append(pd.DataFrame({"y": y}))  # df[["y"]], the usual way to get here
    for target in targets:
        by_column = cross_validate(Ridge(), X, target, **arguments)
        for name in all_scorers():
            np.testing.assert_array_equal(by_column[f"test_{name}"], by_vector[f"test_{name}"])


def test_metric_functions_take_n_and_n_by_1_alike():
    y_true, y_pred = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    for metric in (mae, rmse, smape):
        expected = metric(y_true, y_pred)
        assert metric(y_true[:, None], y_pred) == expected
        assert metric(y_true, y_pred[:, None]) == expected
    # MASE: y_true's shape says which it is. (n, 1): n forecasts of one value, each with its
    # history; (n,): one forecast of n values
    histories = [[1.0, 3.0], [0.0, 2.0, 3.0], [4.0, 4.5]]
    assert mase(y_true[:, None], y_pred, histories) == mase(y_true[:, None], y_pred[:, None],
                                                            histories)
    history = [1.0, 3.0, 2.0]
    assert mase(y_true, y_pred[:, None], history) == mase(y_true, y_pred, history)


@pytest.mark.parametrize("true_shape, pred_shape", [
    ((3,), (3, 2)),     # several values per row against one
    ((3, 2), (3,)),
    ((3, 1), (4,)),     # another number of rows
    ((3,), (4, 1)),
    ((3,), (1, 3)),     # a row, not a column
    ((1, 3), (3,)),
    ((3,), (3, 1, 1)),  # more dimensions
    ((4,), (2, 2)),     # as many values, in other rows
])
def test_other_shape_mismatches_still_raise(true_shape, pred_shape):
    y_true = np.arange(1.0, 1.0 + np.prod(true_shape)).reshape(true_shape)
    y_pred = np.arange(2.0, 2.0 + np.prod(pred_shape)).reshape(pred_shape)
    X = np.random.default_rng(0).normal(10.0, 1.0, size=(true_shape[0], 6))
    for metric in (mae, rmse, smape, lambda t, p: mase(t, p, [1.0, 3.0, 2.0])):
        with pytest.raises(ValueError, match="same shape"):
            metric(y_true, y_pred)
    for scorer in SCORERS.values():
        with pytest.raises(ValueError, match="same shape"):
            scorer(Fixed(y_pred), X, y_true)
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        # with a value missing, scored by the rule for missing values, checked as strictly
        with_missing = y_true.copy()
        with_missing[0, -1] = np.nan
        for scorer in SCORERS.values():
            with pytest.raises(ValueError, match="same shape|inconsistent numbers of samples"):
                scorer(Fixed(y_pred), X, with_missing)


def test_mase_names_the_series_whose_scale_is_undefined():
    # a window of zeros (a discontinued product) among many: the error named none of them, so
    # a search scored every candidate NaN with nothing to go on (user trial, session 17)
    from sklearn.linear_model import Ridge

    from skattn.metrics import make_mase_scorer, mase

    histories = [np.arange(10.0), np.zeros(10), np.arange(10.0) * 2]
    with pytest.raises(ValueError, match=r"^series 1 \(row 1 of y_true\): MASE is undefined"):
        mase(np.ones((3, 2)), np.zeros((3, 2)), histories, 1)
    X = np.vstack([np.arange(10.0) + i for i in range(5)] + [np.zeros(10)])
    y = X[:, -2:] + 1
    model = Ridge().fit(X, y)
    with pytest.raises(ValueError, match=r"^series 5 \(row 5 of y_true\): MASE is undefined"):
        make_mase_scorer(1)(model, X, y)


# ------------------------------------------------------------------------------------------
# sample_weight: one weight per row, as in scikit-learn's regression metrics and scorers
# ------------------------------------------------------------------------------------------
def weighted_rows():
    # 6 rows of 3 values with integer weights, 0 among them, and a history per row
    rng = np.random.default_rng(5)
    y_true = rng.normal(10.0, 3.0, size=(6, 3))
    y_pred = y_true + rng.normal(0.0, 2.0, size=(6, 3))
    y_pred[1, 1] = y_true[1, 1] = 0.0  # a 0 forecast of 0: sMAPE's 0/0
    histories = [rng.normal(10.0, 3.0, size=8) for _ in range(6)]
    weights = np.array([1, 0, 3, 2, 1, 4])
    return y_true, y_pred, histories, weights


def repeated(rows, weights):
    return np.repeat(np.asarray(rows), weights, axis=0)


def test_weighted_metrics_are_the_metrics_of_rows_repeated_by_their_weights():
    # no metric took sample_weight: mae(y, f, sample_weight=w) was a TypeError
    y_true, y_pred, histories, weights = weighted_rows()
    for metric in (mae, rmse, smape):
        expected = metric(repeated(y_true, weights), repeated(y_pred, weights))
        assert metric(y_true, y_pred, sample_weight=weights) == pytest.approx(expected, rel=1e-13)
        # 1-D: one weight per value
        expected = metric(repeated(y_true[:, 0], weights), repeated(y_pred[:, 0], weights))
        assert metric(y_true[:, 0], y_pred[:, 0], sample_weight=weights) == pytest.approx(
            expected, rel=1e-13)
    # MASE of many series: a series repeated with its history
    repeated_histories = [h for h, w in zip(histories, weights) for _ in range(w)]
    expected = mase(repeated(y_true, weights), repeated(y_pred, weights), repeated_histories, 2)
    assert mase(y_true, y_pred, histories, 2, sample_weight=weights) == pytest.approx(
        expected, rel=1e-13)
    # MASE of one forecast: its values repeated, the history (the scale) unchanged
    expected = mase(repeated(y_true[0], weights[:3]), repeated(y_pred[0], weights[:3]),
                    histories[0], 2)
    assert mase(y_true[0], y_pred[0], histories[0], 2, sample_weight=weights[:3]) == (
        pytest.approx(expected, rel=1e-13))


def test_weighted_metrics_by_hand_and_as_scikit_learn_computes_them():
    from sklearn.metrics import (
        mean_absolute_error,
        mean_squared_error,
        root_mean_squared_error,
    )

    y_true, y_pred, histories, weights = weighted_rows()
    w = weights / weights.sum()
    errors = np.abs(y_true - y_pred)
    # weighted over the rows, uniform over a row's values
    assert mae(y_true, y_pred, sample_weight=weights) == pytest.approx(
        w @ errors.mean(axis=1), rel=1e-13)
    assert mae(y_true, y_pred, sample_weight=weights) == pytest.approx(
        mean_absolute_error(y_true, y_pred, sample_weight=weights), rel=1e-13)
    assert rmse(y_true, y_pred, sample_weight=weights) == pytest.approx(
        np.sqrt(w @ (errors ** 2).mean(axis=1)), rel=1e-13)
    # the module's RMSE of 2-D values is the root of the mean over all of them, weighted or not;
    # scikit-learn's root_mean_squared_error averages the columns' roots, so compare with its MSE
    assert rmse(y_true, y_pred, sample_weight=weights) == pytest.approx(
        np.sqrt(mean_squared_error(y_true, y_pred, sample_weight=weights)), rel=1e-13)
    assert rmse(y_true[:, 0], y_pred[:, 0], sample_weight=weights) == pytest.approx(
        root_mean_squared_error(y_true[:, 0], y_pred[:, 0], sample_weight=weights), rel=1e-13)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(200 * errors, denominator, out=np.zeros_like(errors), where=denominator > 0)
    assert smape(y_true, y_pred, sample_weight=weights) == pytest.approx(
        w @ ratio.mean(axis=1), rel=1e-13)
    # MASE: the weights weight the forecast errors; the scales are the histories', unweighted
    scales = np.array([seasonal_naive_scale(h, 2) for h in histories])
    assert mase(y_true, y_pred, histories, 2, sample_weight=weights) == pytest.approx(
        w @ (errors.mean(axis=1) / scales), rel=1e-13)
    v = weights[:3] / weights[:3].sum()
    assert mase(y_true[0], y_pred[0], histories[0], 2, sample_weight=weights[:3]) == (
        pytest.approx(v @ errors[0] / scales[0], rel=1e-13))


def test_zero_weights_leave_rows_out():
    y_true, y_pred, histories, weights = weighted_rows()
    kept = weights > 0
    for metric in (mae, rmse, smape):
        assert metric(y_true, y_pred, sample_weight=kept) == pytest.approx(
            metric(y_true[kept], y_pred[kept]), rel=1e-13)
    # a series of weight 0 is not scored at all: its flat history (MASE undefined) raised
    flat = list(histories)
    flat[1] = np.zeros(8)
    with pytest.raises(ValueError, match="series 1 .* undefined"):
        mase(y_true, y_pred, flat, 2)
    assert mase(y_true, y_pred, flat, 2, sample_weight=kept) == pytest.approx(
        mase(y_true[kept], y_pred[kept], [h for h, k in zip(histories, kept) if k], 2),
        rel=1e-13)


def test_sample_weight_none_is_the_unweighted_metric_bit_for_bit():
    # sample_weight=None takes the unweighted code, the reference formulas, unchanged
    rng = np.random.default_rng(6)
    for _ in range(50):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 60)))
        y_true = rng.normal(size=shape) * 10.0 ** rng.uniform(-100, 100)
        y_pred = y_true + rng.normal(size=shape) * 10.0 ** rng.uniform(-100, 100)
        histories = [rng.normal(size=10) for _ in range(shape[0])]
        errors = y_true - y_pred
        assert mae(y_true, y_pred, sample_weight=None) == float(np.mean(np.abs(errors)))
        assert rmse(y_true, y_pred, sample_weight=None) == float(np.sqrt(np.mean(errors ** 2)))
        denominator = np.abs(y_true) + np.abs(y_pred)
        ratio = np.divide(2.0 * np.abs(errors), denominator,
                          out=np.zeros_like(denominator), where=denominator > 0)
        assert smape(y_true, y_pred, sample_weight=None) == float(100.0 * np.mean(ratio))
        scales = np.array([np.mean(np.abs(h[1:] - h[:-1])) for h in histories])
        assert mase(y_true, y_pred, histories, sample_weight=None) == float(
            np.mean(np.mean(np.abs(errors), axis=1) / scales))
        X = rng.normal(size=(shape[0], 10))
        model = Fixed(y_pred)
        for name, metric in (("neg_mae", mae), ("neg_rmse", rmse), ("neg_smape", smape)):
            assert SCORERS[name](model, X, y_true, sample_weight=None) == -metric(y_true, y_pred)
        assert make_mase_scorer(1)(model, X, y_true, sample_weight=None) == -mase(
            y_true, y_pred, list(X))
    # the extreme-magnitude paths too
    assert rmse([1e200], [-1e200], sample_weight=None) == rmse([1e200], [-1e200])
    assert mae([1.7e308, 0.0], [-1.7e308, 0.0], sample_weight=None) == 1.7e308


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        ([[1.0, 1.0, 1.0]], "1D array or scalar"),
        ([1.0, 1.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
        ([1.0, np.nan, 1.0], "sample_weight contains NaN"),
        ([1.0, np.inf, 1.0], "sample_weight contains infinity"),
        ([1.0, -1.0, 2.0], "Negative values in data passed to `sample_weight`"),
        ([0.0, 0.0, 0.0], "at least one non-zero"),
    ],
)
def test_weights_are_checked_as_scikit_learn_checks_them(sample_weight, match):
    # a weighted mean with all weights 0 is 0/0; negative weights are no weights
    y_true, y_pred = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.ones((3, 2))
    X = np.arange(18.0).reshape(3, 6) % 5
    calls = [lambda w: metric(y_true, y_pred, sample_weight=w) for metric in (mae, rmse, smape)]
    calls.append(lambda w: mase(y_true, y_pred, list(X), sample_weight=w))
    for scorer in all_scorers().values():
        calls.append(lambda w, scorer=scorer: scorer(Fixed(y_pred), X, y_true, sample_weight=w))
        with_missing = y_true.copy()
        with_missing[0, 1] = np.nan
        calls.append(
            lambda w, scorer=scorer: scorer(Fixed(y_pred), X, with_missing, sample_weight=w))
    for call in calls:
        with pytest.raises(ValueError, match=match):
            call(sample_weight)


@pytest.mark.parametrize(
    "call, expected",
    [
        # a difference overflows (3.4e308), the weighted mean doesn't
        (lambda: mae([1.7e308, 0.0], [-1.7e308, 0.0], sample_weight=[1, 3]), 0.85e308),
        (lambda: rmse([1.7e308, 0.0], [-1.7e308, 0.0], sample_weight=[1, 3]), 1.7e308),
        # the squares overflow, or underflow
        (lambda: rmse([1e200, 0.0], [-1e200, 0.0], sample_weight=[1, 3]), 1e200),
        (lambda: rmse([2.0**-600, 0.0], [0.0, 0.0], sample_weight=[1, 1]), 2.0**-600 * 0.5**0.5),
        # the sum of the weights overflows, or the weights are subnormal
        (lambda: mae([1.0, 2.0], [0.0, 0.0], sample_weight=[1e308, 1e308]), 1.5),
        (lambda: mae([1.0, 2.0], [0.0, 0.0], sample_weight=[5e-324, 5e-324]), 1.5),
        (lambda: smape([1.0, 3.0], [1.0, 1.0], sample_weight=[1e308, 1e308]), 50.0),
        # a weight times an error underflows; the weighted mean is normal
        (lambda: mae([2.0**-1000, 0.0], [0.0, 0.0], sample_weight=[2.0**-100] * 2), 2.0**-1001),
        # a large weight on a tiny error: its square underflowed
        (lambda: rmse([2.0**-600, 1.0], [0.0, 0.0], sample_weight=[2.0**1000, 0.0]), 2.0**-600),
        # |y| + |f| overflows
        (lambda: smape([-1.7e308, 1.0], [1.7e308, 1.0], sample_weight=[3, 1]), 150.0),
        # one forecast's errors overflow, its MASE doesn't
        (lambda: mase([1e308, 1e308], [-1e308, -1e308], [0.0, 1e10], sample_weight=[1, 3]), 2e298),
        # the series' MASEs fit; their weighted sum doesn't
        (lambda: mase(np.full((2, 2), 1e308), np.zeros((2, 2)), [[0.0, 0.6]] * 2,
                      sample_weight=[1, 3]), 1e308 / 0.6),
    ],
)
def test_weighted_metrics_at_extreme_magnitudes(call, expected):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert call() == pytest.approx(expected, rel=1e-14, abs=0.0)


def test_scorers_pass_sample_weight_to_their_metrics():
    # neg_smape_scorer(model, X, y, sample_weight=w) raised "_smape_of_observed() got an
    # unexpected keyword argument 'sample_weight'"; MASEScorer's __call__ took none either
    rng = np.random.default_rng(7)
    X = rng.normal(10.0, 2.0, size=(7, 12))
    y, y_pred = rng.normal(10.0, 2.0, size=(2, 7, 4))
    weights = rng.uniform(0.0, 3.0, size=7)
    model = Fixed(y_pred)
    for name, metric in (("neg_mae", mae), ("neg_rmse", rmse), ("neg_smape", smape)):
        assert SCORERS[name](model, X, y, sample_weight=weights) == -metric(
            y, y_pred, sample_weight=weights)
    assert neg_smape_scorer(model, X, y, sample_weight=weights) == -smape(
        y, y_pred, sample_weight=weights)
    assert make_mase_scorer(2)(model, X, y, sample_weight=weights) == -mase(
        y, y_pred, list(X), 2, sample_weight=weights)
    assert make_mase_scorer(2)(model, X, y, sample_weight=weights) != make_mase_scorer(2)(
        model, X, y)


def test_scorers_weight_the_observed_values_by_their_rows_weights():
    # with missing targets, each step is scored on its observed rows, with those rows' weights;
    # a step observed only in rows of weight 0 (step 2, row 0 here) is left out like a step
    # observed nowhere
    X, y, y_pred = windows_targets_and_forecasts()
    model = Fixed(y_pred)
    weights = np.array([0.0, 2.0, 1.0])
    steps = [np.array([1, 2]), np.array([1])]  # rows of weight > 0 observed at steps 0 and 1
    for name, metric in (("neg_mae", mae), ("neg_smape", smape)):
        expected = np.mean([metric(y[rows, s], y_pred[rows, s], sample_weight=weights[rows])
                            for s, rows in enumerate(steps)])
        assert SCORERS[name](model, X, y, sample_weight=weights) == pytest.approx(-expected)
    expected = np.sqrt(np.mean([rmse(y[rows, s], y_pred[rows, s], sample_weight=weights[rows]) ** 2
                                for s, rows in enumerate(steps)]))
    assert SCORERS["neg_rmse"](model, X, y, sample_weight=weights) == pytest.approx(-expected)
    # by hand: step 0 is (2 * |3 - 2| / s1 + 1 * |8 - 6| / s2) / 3, step 1 is |5 - 4| / s1
    scales = np.array([2 + 1 + 3, 0.5 + 1.5 + 1, 2 + 1 + 2]) / 3
    expected_mase = np.mean([(2 * 1 / scales[1] + 1 * 2 / scales[2]) / 3, 1 / scales[1]])
    assert make_mase_scorer(1)(model, X, y, sample_weight=weights) == pytest.approx(
        -expected_mase)
    # the weights follow their rows: the same as leaving the rows of weight 0 out
    positive = weights > 0
    for scorer in SCORERS.values():
        assert scorer(model, X, y, sample_weight=weights) == pytest.approx(scorer(
            Fixed(y_pred[positive]), X[positive], y[positive], sample_weight=weights[positive]))


def routed_scorers():
    # copies: set_score_request changes a scorer, and the module's are shared
    import copy

    return {name: copy.deepcopy(scorer).set_score_request(sample_weight=True)
            for name, scorer in all_scorers().items()}


def test_scorers_get_sample_weight_by_metadata_routing_in_cross_validate():
    # MASEScorer had no set_score_request, and the make_scorer scorers failed on the weights
    # ("got an unexpected keyword argument 'sample_weight'"), so a search could not score by them
    import sklearn
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_validate

    X, y = airline_windows_of_horizon_1()
    y = np.column_stack([y, y * 1.01])
    weights = np.random.default_rng(8).integers(0, 4, size=len(y)).astype(float)
    cv = KFold(n_splits=3)
    with sklearn.config_context(enable_metadata_routing=True):
        scorers = routed_scorers()
        result = cross_validate(Ridge().set_fit_request(sample_weight=False), X, y, cv=cv,
                                scoring=scorers, params={"sample_weight": weights},
                                error_score="raise")
        for split, (train, test) in enumerate(cv.split(X)):
            model = Ridge().fit(X[train], y[train])
            for name, scorer in scorers.items():
                expected = scorer(model, X[test], y[test], sample_weight=weights[test])
                assert result[f"test_{name}"][split] == expected, name
                assert expected != scorer(model, X[test], y[test]), name
        # one scorer alone, as scoring=scorer
        alone = cross_validate(Ridge().set_fit_request(sample_weight=False), X, y, cv=cv,
                               scoring=scorers["neg_mase_12"], params={"sample_weight": weights},
                               error_score="raise")
        np.testing.assert_array_equal(alone["test_score"], result["test_neg_mase_12"])


@pytest.mark.skipif(
    parse_version(sklearn_version).release < (1, 9),
    reason="scikit-learn's own scorers refuse unrequested routed weights from 1.9 on; before, "
           "they take them, as skattn's do (minimum-versions trial, session 29)")
def test_scorers_without_a_request_refuse_routed_weights_as_scikit_learns_do():
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_validate

    X, y = airline_windows_of_horizon_1()
    weights = np.ones(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        for scorer in all_scorers().values():
            assert scorer.get_metadata_routing().score.requests == {"sample_weight": None}
            with pytest.raises(UnsetMetadataPassedError, match="set_score_request"):
                cross_validate(Ridge().set_fit_request(sample_weight=False), X, y,
                               cv=KFold(n_splits=2), scoring=scorer,
                               params={"sample_weight": weights})
    # as for scikit-learn's scorers, requests need routing enabled
    with pytest.raises(RuntimeError, match="metadata routing is enabled"):
        make_mase_scorer(1).set_score_request(sample_weight=True)


def test_grid_search_ranks_by_routed_weights_and_pickles_the_request():
    import pickle

    import sklearn
    from sklearn.linear_model import Ridge

    X, y = airline_windows_of_horizon_1()
    weights = np.random.default_rng(9).uniform(0.5, 2.0, size=len(y))
    cv = TimeSeriesSplit(n_splits=2)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_mase_scorer(12).set_score_request(sample_weight=True)
        search = GridSearchCV(Ridge().set_fit_request(sample_weight=True),
                              {"alpha": [1.0, 1e6]}, scoring=scorer, cv=cv)
        search.fit(X, y, sample_weight=weights)
        for candidate, alpha in enumerate([1.0, 1e6]):
            for split, (train, test) in enumerate(cv.split(X)):
                model = Ridge(alpha=alpha).fit(X[train], y[train], sample_weight=weights[train])
                assert search.cv_results_[f"split{split}_test_score"][candidate] == (
                    pytest.approx(scorer(model, X[test], y[test], sample_weight=weights[test])))
        restored = pickle.loads(pickle.dumps(search.scorer_))
        assert restored.get_metadata_routing().score.requests == {"sample_weight": True}


def test_a_row_of_weight_zero_with_no_observed_value_counts_as_absent():
    # the weights' rule (a row of weight 0 is absent) came after the missing-targets rule (every
    # row needs an observed value), so such a row raised (review, session 18)
    from sklearn.linear_model import Ridge

    from skattn.metrics import make_mase_scorer, neg_mae_scorer, neg_smape_scorer

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 8)) + 10, rng.normal(size=(5, 3)) + 10
    model = Ridge().fit(X, y)
    missing = y.copy()
    missing[2] = np.nan
    kept = [0, 1, 3, 4]
    for scorer in (neg_mae_scorer, neg_smape_scorer, make_mase_scorer(1)):
        np.testing.assert_allclose(scorer(model, X, missing, sample_weight=[1, 1, 0, 1, 1]),
                                   scorer(model, X[kept], y[kept]), rtol=1e-14)
        with pytest.raises(ValueError, match="NaN in every value"):  # weighted, still refused
            scorer(model, X, missing, sample_weight=[1, 1, 2, 1, 1])


def test_a_dataframe_of_histories_is_read_by_rows_and_text_is_not_a_number():
    # mase iterated a DataFrame's column labels ("could not convert string to float: 'c0'"),
    # and smape read "1" as 1 (user trial, session 20)
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    histories = rng.normal(size=(5, 28)) + 10.0
    y_true = histories[:, -7:] + 1.0
    frame = pd.DataFrame(histories, columns=[f"c{i}" for i in range(28)])
    assert mase(y_true, y_true + 1.0, frame, season_length=7) == \
        mase(y_true, y_true + 1.0, histories, season_length=7)
    with pytest.raises(ValueError, match="y_true must be numeric: got text"):
        smape(["1", "2"], [1.0, 2.0])
    with pytest.raises(ValueError, match="y_pred must be numeric: got datetime64"):
        mae([1.0, 2.0], np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]"))


# ------------------------------------------------------------------------------------------
# Weighted means that underflow (fuzzing, session 20)
# ------------------------------------------------------------------------------------------
def exact_root(fraction):
    """The square root of a Fraction > 0 as a float, correct to about 2**-80 before rounding."""
    import math
    from fractions import Fraction

    # root(f) = isqrt(f * 4**shift) / 2**shift, with about 200 bits in the integer root
    shift = 200 - (fraction.numerator.bit_length() - fraction.denominator.bit_length()) // 2
    scaled = fraction * Fraction(4) ** shift
    root = math.isqrt(scaled.numerator // scaled.denominator)
    return float(Fraction(root) / Fraction(2) ** shift)


def exact_weighted_mean(values, weights):
    from fractions import Fraction

    return (sum(Fraction(w) * Fraction(v) for v, w in zip(values, weights))
            / sum(Fraction(w) for w in weights))


def test_weighted_means_that_underflow_keep_their_value():
    # the weighted mean of the squares, 1e-200 over weights summing to 1e130, underflowed to 0
    # and was taken for an exact 0: rmse gave 0.0 (exact 1e-165), mase over a subnormal scale
    # 0.0 (exact about 1e-20)
    from fractions import Fraction

    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = rmse([1e-100, 0.0], [0.0, 0.0], sample_weight=[1.0, 1e130])
    assert value == pytest.approx(
        exact_root(exact_weighted_mean([Fraction(1e-100) ** 2, 0], [1.0, 1e130])),
        rel=1e-14, abs=0.0)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = mase([1e-300, 0.0], [0.0, 0.0], [0.0, 1e-310, 0.0], sample_weight=[1.0, 1e30])
    scale = Fraction(1e-310)  # mean of |1e-310 - 0| and |0 - 1e-310|
    assert value == pytest.approx(
        float(exact_weighted_mean([1e-300, 0.0], [1.0, 1e30]) / scale), rel=1e-14, abs=0.0)


def test_random_weighted_metrics_against_exact_rationals():
    # weights and errors of every magnitude, so that products, sums and means under- or
    # overflow; each result right to rounding (the subnormals' spacing below the normal range)
    from fractions import Fraction

    rng = np.random.default_rng(20)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(1, 5))
        errors = np.where(rng.random(n) < 0.3, 0.0,
                          10.0 ** rng.uniform(-320, 300, size=n) * rng.choice([-1, 1], size=n))
        weights = np.where(rng.random(n) < 0.2, 0.0, 10.0 ** rng.uniform(-320, 300, size=n))
        if not weights.any():
            weights[0] = 1.0
        truth, forecast = np.zeros(n), errors
        means = {
            "mae": exact_weighted_mean([abs(Fraction(e)) for e in errors], weights),
            "rmse": exact_weighted_mean([Fraction(e) ** 2 for e in errors], weights),
        }
        expected = {"mae": float(means["mae"]),
                    "rmse": exact_root(means["rmse"]) if means["rmse"] else 0.0}
        largest = Fraction(np.finfo(np.float64).max)
        beyond = {"mae": largest, "rmse": largest ** 2}  # the RMSE's square
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            for name, metric in (("mae", mae), ("rmse", rmse)):
                if means[name] > beyond[name]:
                    with pytest.raises(ValueError, match="exceeds float64's range"):
                        metric(truth, forecast, sample_weight=weights)
                    continue
                assert metric(truth, forecast, sample_weight=weights) == pytest.approx(
                    expected[name], rel=1e-13, abs=2e-323), (name, errors, weights)
                checked += 1
            # MASE of one forecast over a history of scale 1e-310 (subnormal)
            history = [0.0, 1e-310, 0.0]
            exact = means["mae"] / Fraction(1e-310)
            if exact <= Fraction(np.finfo(np.float64).max):
                assert mase(truth, forecast, history, sample_weight=weights) == pytest.approx(
                    float(exact), rel=1e-13, abs=2e-323), (errors, weights)
                checked += 1
    assert checked > 500


# ------------------------------------------------------------------------------------------
# sMAPE's warning where it misleads (user trial, session 20)
# ------------------------------------------------------------------------------------------
def test_smape_warns_once_at_the_callers_line_counting_the_values_that_count_200():
    import warnings

    from skattn.exceptions import MetricWarning

    # a holiday (0), a forecast of 0 for a value that is not, a forecast of the other sign;
    # 0 forecast as 0 is perfect and not counted
    y_true = [[0.0, 5.0, 4.0], [0.0, 3.0, 6.0]]
    y_pred = [[0.1, 0.0, -1.0], [0.0, 3.0, 6.0]]
    with pytest.warns(MetricWarning) as record:
        value = smape(y_true, y_pred)
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith("3 of the 6 values are 0, forecast as 0, or of the other sign")
    assert "counts each of them 200" in message and "MASE or MAE" in message
    assert record[0].filename == __file__  # the line that called smape
    assert value == pytest.approx(100.0)  # three terms of 200, three of 0
    # a row of weight 0 is absent: its values are not counted
    with pytest.warns(MetricWarning, match="^1 of the 3 values"):
        smape([[0.0, 5.0, 4.0], [1.0, 0.0, 6.0]], [[1.0, 5.0, 4.0], [1.0, 0.0, 6.0]],
              sample_weight=[1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        smape([1.0, 2.0], [1.5, 2.5])  # positive throughout
        smape([-1.0, -2.0], [-1.5, -2.5])  # negative throughout
        smape([0.0, 2.0], [0.0, 2.5])  # 0 forecast as 0
        smape([[0.0, 2.0], [3.0, 2.0]], [[1.0, 2.0], [3.0, 2.0]], sample_weight=[0.0, 1.0])


def _new_smape_scorer():
    # a scorer that has warned of nothing yet: neg_smape_scorer warns once per process, and
    # other tests score with it
    from skattn.metrics import _smape_of_observed, _WindowsScorer

    return _WindowsScorer(_smape_of_observed, -1, {}, "predict")


def test_smape_scorer_warns_once_per_scorer_at_its_callers_line():
    import warnings

    from sklearn.dummy import DummyRegressor

    from skattn.exceptions import MetricWarning

    X = np.arange(24.0).reshape(8, 3)
    y = np.column_stack([np.r_[0.0, np.arange(1.0, 8.0)], np.arange(1.0, 9.0)])
    model = DummyRegressor().fit(X, y)
    scorer = _new_smape_scorer()
    with pytest.warns(MetricWarning) as record:
        scorer(model, X, y)
    assert [str(r.message)[:18] for r in record] == ["1 of the 16 values"]
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scorer(model, X, y)  # warned already: once per scorer (test_scorer_warnings_once.py)
    # with values not observed: scored step by step, warned once, the NaN not counted
    with_missing = y.copy()
    with_missing[1:3, 1] = np.nan
    with pytest.warns(MetricWarning) as record:
        _new_smape_scorer()(model, X, with_missing, sample_weight=np.r_[1.0, np.ones(7)])
    assert [str(r.message)[:18] for r in record] == ["1 of the 14 values"]
    assert record[0].filename == __file__
    # a search: once, at the line that ran the search
    with pytest.warns(MetricWarning) as record:
        GridSearchCV(DummyRegressor(), {"strategy": ["mean"]}, scoring=_new_smape_scorer(),
                     cv=2).fit(X, y)
    assert len(record) == 1 and record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _new_smape_scorer()(model, X, y + 1.0)


# ------------------------------------------------------------------------------------------
# User trial, session 22: the MASE scorer's scale and permutation_importance; where sMAPE's
# warning is put when no line of the caller's is on the stack
# ------------------------------------------------------------------------------------------
def test_the_mase_scorers_say_that_tools_which_alter_x_alter_their_scale():
    # permutation_importance(scoring=make_mase_scorer(12)) gave a DummyRegressor, which reads
    # nothing of X, -8.4 for every column instead of 0, without a word
    from skattn.metrics import MASEScorer

    for doc in (MASEScorer.__doc__, make_mase_scorer.__doc__):
        text = " ".join(doc.split())
        assert "permutation_importance" in text and "neg_mae_scorer" in text
        assert "scale" in text and "alter" in text


def _smape_warnings_in_a_thread(target, *args):
    import threading
    import warnings

    from skattn.exceptions import MetricWarning

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", MetricWarning)
        thread = threading.Thread(target=target, args=args)
        thread.start()
        thread.join()
    return [r for r in record if issubclass(r.category, MetricWarning)]


def test_smape_warning_without_a_callers_line_is_put_at_the_scorers_own_line():
    # scored in a worker (a search with n_jobs=2), the walk out of scikit-learn and joblib
    # reached the worker's bootstrap: multiprocessing/process.py:108, threading.py here
    import skattn.metrics
    from sklearn.dummy import DummyRegressor

    X = np.arange(24.0).reshape(8, 3)
    y = np.column_stack([np.r_[0.0, np.arange(1.0, 8.0)], np.arange(1.0, 9.0)])
    model = DummyRegressor().fit(X, y)
    record = _smape_warnings_in_a_thread(_new_smape_scorer(), model, X, y)
    assert len(record) == 1
    assert record[0].filename == skattn.metrics.__file__
    # a thread whose target is the user's own function: its line, as in the main thread
    calls = []
    scorer = _new_smape_scorer()

    def score():
        calls.append(scorer(model, X, y))

    record = _smape_warnings_in_a_thread(score)
    assert len(record) == 1 and record[0].filename == __file__ and calls


def test_smape_warning_of_a_search_in_worker_processes_can_be_filtered_by_module():
    # n_jobs=2: the warning was put at multiprocessing/process.py:108, which no filter of the
    # user's names; at skattn/metrics.py, module="skattn" silences it (scikit-learn's Parallel
    # gives the workers the caller's filters)
    import subprocess
    import sys

    script = """
import sys, warnings
import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.model_selection import GridSearchCV
from skattn.exceptions import MetricWarning
from skattn.metrics import _smape_of_observed, _WindowsScorer, neg_smape_scorer
X = np.arange(48.0).reshape(16, 3)
y = np.column_stack([np.r_[0.0, np.arange(1.0, 16.0)], np.arange(1.0, 17.0)])
search = GridSearchCV(DummyRegressor(), {"strategy": ["mean", "median"]}, cv=2,
                      scoring=neg_smape_scorer, n_jobs=2)
search.fit(X, y)
sys.stderr.flush()
print("FILTERED", file=sys.stderr, flush=True)
warnings.filterwarnings("ignore", category=MetricWarning, module="skattn")
# a new scorer, which the workers have not warned of: neg_smape_scorer warns once per process
search.set_params(scoring=_WindowsScorer(_smape_of_observed, -1, {}, "predict")).fit(X, y)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    before, _, after = result.stderr.partition("FILTERED")
    shown = [line for line in before.splitlines() if "MetricWarning" in line]
    assert shown and all("skattn/metrics.py" in line or "skattn\\metrics.py" in line
                         for line in shown), before
    assert "multiprocessing" not in before and "threading" not in before
    assert "MetricWarning" not in after, after
