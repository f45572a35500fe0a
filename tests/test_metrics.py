"""Metrics against values computed by hand."""
import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skattn.metrics import (
    SCORERS,
    mae,
    make_mase_scorer,
    mase,
    neg_smape_scorer,
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
    ],
)
def test_metric_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


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
