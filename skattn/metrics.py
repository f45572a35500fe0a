"""Forecast accuracy metrics, as the forecasting competitions define them, and scorers for
scikit-learn's ``scoring=``.

Every metric takes ``y_true`` and ``y_pred`` of the same shape — one forecast ``(horizon,)`` or many
``(n_series, horizon)`` — and returns the mean over all values (MASE: the mean of each series'
MASE), a float.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.metrics import make_scorer


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("y_true and y_pred must be finite (no NaN or infinity)")
    return y_true, y_pred


def mae(y_true, y_pred):
    """Mean absolute error."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred):
    """Root mean squared error (over all values)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def smape(y_true, y_pred):
    """Symmetric mean absolute percentage error, in percent (0 to 200), as in the M3 and M4
    competitions: ``mean(200 |y - f| / (|y| + |f|))``.

    A value where both ``y`` and ``f`` are 0 counts as a perfect forecast (0), not 0/0.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(2.0 * np.abs(y_true - y_pred), denominator,
                      out=np.zeros_like(denominator), where=denominator > 0)
    return float(100.0 * np.mean(ratio))


def seasonal_naive_scale(y_train, season_length=1):
    """Mean absolute error of the in-sample seasonal-naive forecast, ``mean |y_t - y_{t-m}|``: the
    denominator of MASE.

    Raises
    ------
    ValueError
        When the training series has ``season_length`` values or fewer, or its scale is 0 (a series
        that repeats exactly every ``season_length`` steps: MASE is undefined).
    """
    if not isinstance(season_length, Integral) or isinstance(season_length, bool) or season_length < 1:
        raise ValueError(f"season_length must be an integer >= 1, got {season_length!r}")
    y_train = np.asarray(y_train, dtype=np.float64)
    if y_train.ndim != 1:
        raise ValueError(f"y_train must be 1-D, got shape {y_train.shape}")
    if not np.all(np.isfinite(y_train)):
        raise ValueError("y_train must be finite (no NaN or infinity)")
    if y_train.size <= season_length:
        raise ValueError(
            f"MASE needs a training series longer than season_length={season_length}, "
            f"got {y_train.size} values"
        )
    scale = float(np.mean(np.abs(y_train[season_length:] - y_train[:-season_length])))
    if scale == 0.0:
        raise ValueError(
            f"MASE is undefined: the training series repeats exactly with period {season_length} "
            "(its seasonal-naive error is 0)"
        )
    return scale


def mase(y_true, y_pred, y_train, season_length=1):
    """Mean absolute scaled error (Hyndman & Koehler, 2006): the forecast's MAE divided by the
    in-sample MAE of the seasonal-naive forecast with period ``season_length``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (horizon,) or (n_series, horizon)
    y_train : array-like of shape (n_train,), or a list of n_series such arrays
        The history each forecast was made from.
    season_length : int, default 1
        1 scales by the naive forecast.

    Returns
    -------
    float
        MASE, averaged over the series when there are several.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim == 1:
        return float(np.mean(np.abs(y_true - y_pred)) / seasonal_naive_scale(y_train, season_length))
    if y_true.ndim != 2:
        raise ValueError(f"y_true must be 1-D or 2-D, got shape {y_true.shape}")
    if len(y_train) != y_true.shape[0]:
        raise ValueError(
            f"y_train must give one history per series: {len(y_train)} for {y_true.shape[0]} series"
        )
    errors = np.mean(np.abs(y_true - y_pred), axis=1)
    scales = np.array([seasonal_naive_scale(history, season_length) for history in y_train])
    return float(np.mean(errors / scales))


# ------------------------------------------------------------------------------------------
# Scorers (greater is better, as scikit-learn expects)
# ------------------------------------------------------------------------------------------
neg_mae_scorer = make_scorer(mae, greater_is_better=False)
neg_rmse_scorer = make_scorer(rmse, greater_is_better=False)
neg_smape_scorer = make_scorer(smape, greater_is_better=False)


class MASEScorer:
    """Scorer ``(estimator, X, y) -> -MASE`` for windows: each row of ``X`` is the history its
    forecast is scaled by (its in-sample seasonal-naive error), so no separate training series is
    needed. Use ``scoring=make_mase_scorer(12)`` in GridSearchCV.

    Parameters
    ----------
    season_length : int, default 1
    """

    def __init__(self, season_length=1):
        self.season_length = season_length

    def __call__(self, estimator, X, y):
        X = np.asarray(X, dtype=np.float64)
        history = X if X.ndim == 2 else X[:, :, 0]  # the target channel
        y_pred = np.asarray(estimator.predict(X), dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1:
            y, y_pred = y[:, None], y_pred.reshape(-1, 1)
        return -mase(y, y_pred, list(history), self.season_length)

    def __repr__(self):
        return f"make_mase_scorer(season_length={self.season_length})"


def make_mase_scorer(season_length=1):
    """A scorer for ``scoring=`` that returns minus the MASE of the windows' forecasts."""
    return MASEScorer(season_length)


#: Scorers by name, for ``scoring=`` (``scoring=SCORERS["neg_smape"]``).
SCORERS = {
    "neg_mae": neg_mae_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_smape": neg_smape_scorer,
    "neg_mase": make_mase_scorer(1),
}
