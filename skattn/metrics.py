"""Forecast accuracy metrics, as the forecasting competitions define them, and scorers for
scikit-learn's ``scoring=``.

Every metric takes ``y_true`` and ``y_pred`` of the same shape — one forecast ``(horizon,)`` or many
``(n_series, horizon)`` — and returns the mean over all values (MASE: the mean of each series'
MASE), a float. As in scikit-learn's regression metrics, one of shape ``(n,)`` and the other of
shape ``(n, 1)`` count as the same shape, that of ``y_true`` (a target given as one column,
``df[["y"]]``, and a regressor such as Ridge that predicts it 1-D); no other shapes are paired.

The metrics are correct to float64 rounding at any magnitude: where a difference, a square or a sum
would overflow float64, or underflow it and lose digits, they compute with the values scaled by a
power of two, which is exact, and scale the result back. A result that itself lies outside float64's
range (above about 1.8e308) is a ValueError. Everywhere else they compute the plain formulas, so
their values are the same, bit for bit, as before these guards existed.

The metric functions take complete values only: NaN is a ValueError. The scorers (``neg_mae_scorer``,
``neg_rmse_scorer``, ``neg_smape_scorer``, :func:`make_mase_scorer` and ``SCORERS``) are for model
selection, where the windows ``make_windows(..., min_target=...)`` cuts at the end of a series have
NaN for the values past its end: they leave those values out by the rule of the estimators' own
``score`` (each horizon step scored on the rows where it was observed, the steps averaged). Without
NaN they give exactly the metric functions' values.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.metrics import make_scorer

from ._validation import check_targets_with_missing


def _one_value_per_row(shape_a, shape_b):
    """True when one shape is ``(n,)`` and the other ``(n, 1)``: one value per row either way.

    scikit-learn's regression metrics treat the two alike, and they meet in practice: a target
    given as one column (``df[["y"]]``) and a regressor, such as Ridge, that predicts it 1-D.
    """
    vector, column = sorted((tuple(shape_a), tuple(shape_b)), key=len)
    return len(vector) == 1 and column == (vector[0], 1)


def _shape_mismatch_message(y_true_shape, y_pred_shape):
    return (f"y_true and y_pred must have the same shape (or one (n,) and the other (n, 1)), "
            f"got {y_true_shape} and {y_pred_shape}")


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        if not _one_value_per_row(y_true.shape, y_pred.shape):
            raise ValueError(_shape_mismatch_message(y_true.shape, y_pred.shape))
        # y_true's shape sets the layout: for mase, whether it is one forecast or one per row
        y_pred = y_pred.reshape(y_true.shape)
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("y_true and y_pred must be finite (no NaN or infinity)")
    return y_true, y_pred


# Errors within these bounds have squares (and sums of squares) well inside float64's normal range,
# so the plain RMSE formula is exact to rounding; beyond them the squares overflow or underflow.
_SQUARABLE_ERRORS = (2.0**-450, 2.0**450)
_SMALLEST_NORMAL = np.finfo(np.float64).tiny


def _power_of_two_scaled(magnitudes):
    # magnitudes == units * 2**exponent, the largest unit in [0.5, 1): sums and squares of the units
    # neither overflow nor underflow, and scaling by a power of two is exact (except for values that
    # fall below the normal range, too small to count next to the largest)
    largest = np.max(magnitudes)
    if largest == 0.0:
        return magnitudes, 0
    exponent = int(np.frexp(largest)[1])
    return np.ldexp(magnitudes, -exponent), exponent


def _scaled_abs_differences(a, b):
    # |a - b| as (units, exponent), as _power_of_two_scaled gives, even where a - b overflows
    with np.errstate(over="ignore"):
        differences = np.abs(a - b)
    if np.all(np.isfinite(differences)):
        return _power_of_two_scaled(differences)
    # values beyond 2**1023 of opposite signs: their halves are exact and their difference fits;
    # halving the other, far smaller, differences costs at most their last bit, nothing next to
    # these
    units, exponent = _power_of_two_scaled(np.abs(0.5 * a - 0.5 * b))
    return units, exponent + 1


def _unscaled(value, exponent, name, remedy="divide y_true and y_pred by a constant first"):
    # value * 2**exponent as a float, or a ValueError when it exceeds float64's range
    with np.errstate(over="ignore"):
        result = float(np.ldexp(value, exponent))
    if not np.isfinite(result):
        log10 = float(np.log10(value)) + exponent * np.log10(2.0)
        raise ValueError(
            f"{name} is about {10 ** (log10 % 1):.2f}e{int(log10 // 1)}, which exceeds float64's "
            f"range (largest about 1.8e308): {remedy}"
        )
    return result


def mae(y_true, y_pred):
    """Mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.

    Returns
    -------
    float
        The mean of ``|y_true - y_pred|`` over all values.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, or when the MAE exceeds float64's range.

    Examples
    --------
    >>> from skattn.metrics import mae
    >>> round(mae([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    3.667

    Many forecasts, one per row: the mean over all their values.

    >>> mae([[1.0, 2.0], [3.0, 4.0]], [[1.0, 3.0], [3.0, 6.0]])
    0.75
    """
    y_true, y_pred = _pair(y_true, y_pred)
    with np.errstate(over="ignore"):
        value = np.mean(np.abs(y_true - y_pred))
    if np.isfinite(value):  # no difference or partial sum overflowed: exact to rounding
        return float(value)
    units, exponent = _scaled_abs_differences(y_true, y_pred)
    return _unscaled(np.mean(units), exponent, "the MAE")


def rmse(y_true, y_pred):
    """Root mean squared error (over all values).

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))``, without the squares overflowing or underflowing.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, or when the RMSE exceeds float64's range.

    Examples
    --------
    >>> from skattn.metrics import rmse
    >>> round(rmse([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    4.041
    """
    y_true, y_pred = _pair(y_true, y_pred)
    with np.errstate(over="ignore"):
        errors = y_true - y_pred
    largest = np.max(np.abs(errors))
    if largest == 0.0 or _SQUARABLE_ERRORS[0] <= largest <= _SQUARABLE_ERRORS[1]:
        return float(np.sqrt(np.mean(errors ** 2)))
    units, exponent = _scaled_abs_differences(y_true, y_pred)
    return _unscaled(np.sqrt(np.mean(units ** 2)), exponent, "the RMSE")


def smape(y_true, y_pred):
    """Symmetric mean absolute percentage error, in percent (0 to 200), as in the M3 and M4
    competitions: ``mean(200 |y - f| / (|y| + |f|))``.

    A value where both ``y`` and ``f`` are 0 counts as a perfect forecast (0), not 0/0.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.

    Returns
    -------
    float
        sMAPE in percent, from 0 to 200.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs.

    Examples
    --------
    >>> from skattn.metrics import smape
    >>> round(smape([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    3.208

    A value of 0 forecast as 0 counts as perfect:

    >>> round(smape([0.0, 10.0], [0.0, 12.0]), 3)
    9.091
    """
    y_true, y_pred = _pair(y_true, y_pred)
    with np.errstate(over="ignore"):
        numerator = 2.0 * np.abs(y_true - y_pred)
        denominator = np.abs(y_true) + np.abs(y_pred)
    overflowed = ~(np.isfinite(numerator) & np.isfinite(denominator))
    if np.any(overflowed):
        # a value beyond 2**1022 can make the sum or twice the difference overflow; the ratio of the
        # values' quarters is the same, and quartering values that large is exact
        quarter_true, quarter_pred = 0.25 * y_true[overflowed], 0.25 * y_pred[overflowed]
        numerator[overflowed] = 2.0 * np.abs(quarter_true - quarter_pred)
        denominator[overflowed] = np.abs(quarter_true) + np.abs(quarter_pred)
    ratio = np.divide(numerator, denominator,
                      out=np.zeros_like(denominator), where=denominator > 0)
    return float(100.0 * np.mean(ratio))


def _seasonal_pairs(y_train, season_length):
    # the validated history as (y_t, y_{t-m}) for every t with a value m steps back
    if not isinstance(season_length, Integral) or isinstance(season_length, bool) or season_length < 1:
        raise ValueError(f"season_length must be an integer >= 1, got {season_length!r}")
    season_length = int(season_length)  # NumPy's unsigned integers wrap around in y[:-m]
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
    later, earlier = y_train[season_length:], y_train[:-season_length]
    if np.array_equal(later, earlier):
        raise ValueError(
            f"MASE is undefined: the training series repeats exactly with period {season_length} "
            "(its seasonal-naive error is 0)"
        )
    return later, earlier


def seasonal_naive_scale(y_train, season_length=1):
    """Mean absolute error of the in-sample seasonal-naive forecast, ``mean |y_t - y_{t-m}|``: the
    denominator of MASE.

    Parameters
    ----------
    y_train : array-like of shape (n_train,)
        The training series.
    season_length : int, default 1
        The period ``m``; 1 gives the naive forecast.

    Returns
    -------
    float
        The scale, greater than 0.

    Raises
    ------
    ValueError
        When the training series has ``season_length`` values or fewer, or its scale is 0 (a series
        that repeats exactly every ``season_length`` steps: MASE is undefined), or the scale lies
        outside float64's range.

    Examples
    --------
    >>> from skattn.metrics import seasonal_naive_scale
    >>> y_train = [1.0, 3.0, 2.0, 4.0, 3.0, 5.0]
    >>> seasonal_naive_scale(y_train)  # mean of |3 - 1|, |2 - 3|, |4 - 2|, |3 - 4|, |5 - 3|
    1.6
    >>> seasonal_naive_scale(y_train, season_length=2)
    1.0
    """
    later, earlier = _seasonal_pairs(y_train, season_length)
    with np.errstate(over="ignore"):
        scale = float(np.mean(np.abs(later - earlier)))
    if scale == 0.0:  # not all differences are 0 (_seasonal_pairs checked): the mean underflowed
        raise ValueError(
            "the seasonal-naive scale is below float64's smallest positive value (about 4.9e-324): "
            "multiply y_train by a constant first"
        )
    if np.isfinite(scale):
        return scale
    units, exponent = _scaled_abs_differences(later, earlier)
    return _unscaled(np.mean(units), exponent, "the seasonal-naive scale",
                     "divide y_train by a constant first")


def _series_mase(error, y_true, y_pred, y_train, season_length):
    # MASE of one forecast (1-D y_true, y_pred) from its history; error is its MAE as the plain
    # formula computed it (inf if that overflowed)
    later, earlier = _seasonal_pairs(y_train, season_length)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        scale = np.mean(np.abs(later - earlier))
        value = error / scale
    # the plain formula when both means are exact to rounding: neither overflowed, and neither lies
    # in the subnormal range, where a mean keeps few digits
    if np.isfinite(value) and error >= _SMALLEST_NORMAL and _SMALLEST_NORMAL <= scale < np.inf:
        return value
    error_units, error_exponent = _scaled_abs_differences(y_true, y_pred)
    scale_units, scale_exponent = _scaled_abs_differences(later, earlier)
    return _unscaled(np.mean(error_units) / np.mean(scale_units), error_exponent - scale_exponent,
                     "the MASE", "the forecast errors are that many times the history's scale")


def mase(y_true, y_pred, y_train, season_length=1):
    """Mean absolute scaled error (Hyndman & Koehler, 2006): the forecast's MAE divided by the
    in-sample MAE of the seasonal-naive forecast with period ``season_length``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (horizon,) or (n_series, horizon)
        The observed values and their forecasts: one forecast, or one per series (row). One may
        be ``(n,)`` and the other ``(n, 1)``; ``y_true``'s shape then says which it is (one
        forecast of ``n`` values, or ``n`` forecasts of one value, each with its history).
    y_train : array-like of shape (n_train,), or a list of n_series such arrays
        The history each forecast was made from.
    season_length : int, default 1
        1 scales by the naive forecast.

    Returns
    -------
    float
        MASE, averaged over the series when there are several.

    Raises
    ------
    ValueError
        On bad input (as `seasonal_naive_scale` for each history), or when the MASE exceeds
        float64's range.

    Examples
    --------
    >>> from skattn.metrics import mase
    >>> y_train = [1.0, 3.0, 2.0, 4.0, 3.0, 5.0]
    >>> mase([6.0, 5.0], [5.0, 5.0], y_train)  # MAE 0.5, naive scale 1.6
    0.3125
    >>> mase([6.0, 5.0], [5.0, 5.0], y_train, season_length=2)
    0.5

    Several forecasts, one per row, each with its own history:

    >>> round(mase([[6.0, 5.0], [2.0, 2.0]], [[5.0, 5.0], [2.0, 3.0]],
    ...            [y_train, [1.0, 2.0, 4.0]]), 3)
    0.323
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D or 2-D, got shape {y_true.shape}")
    with np.errstate(over="ignore"):
        errors = np.mean(np.abs(y_true - y_pred), axis=-1)
    if y_true.ndim == 1:
        return float(_series_mase(errors, y_true, y_pred, y_train, season_length))
    try:
        n_histories = len(y_train)
    except TypeError:
        raise ValueError(
            f"y_train must be a list of {y_true.shape[0]} histories, one per series, "
            f"got {type(y_train).__name__}"
        ) from None
    if n_histories != y_true.shape[0]:
        raise ValueError(
            f"y_train must give one history per series: {n_histories} for {y_true.shape[0]} series"
        )
    values = []
    for row, series in enumerate(zip(errors, y_true, y_pred, y_train)):
        try:
            values.append(_series_mase(*series, season_length))
        except ValueError as exc:
            if len(errors) == 1:
                raise
            # which of many: a flat history (a discontinued product's zeros) was not said
            raise ValueError(f"series {row} (row {row} of y_true): {exc}") from None
    values = np.array(values)
    with np.errstate(over="ignore"):
        value = np.mean(values)
    if np.isfinite(value):
        return float(value)
    # the sum overflowed; the mean, at most the largest value, fits
    units, exponent = _power_of_two_scaled(values)
    return _unscaled(np.mean(units), exponent, "the MASE")


# ------------------------------------------------------------------------------------------
# Scorers (greater is better, as scikit-learn expects)
# ------------------------------------------------------------------------------------------
def _observed_targets(y_true, y_pred):
    """``y_true`` and ``y_pred`` as float arrays of shape (n_samples, horizon), NaN in ``y_true``
    marking a value that was not observed.

    Raises
    ------
    ValueError
        When ``y_true`` has a row with no observed value (so a fold with none at all), infinity, or
        another shape than ``y_pred`` (``(n,)`` and ``(n, 1)`` count as the same), or when
        ``y_pred`` is not finite.
    """
    y_pred = np.asarray(y_pred, dtype=np.float64)
    # the estimators' rule for missing targets, and its messages: every row needs a value
    y_true = check_targets_with_missing(y_true, y_pred.shape[0] if y_pred.ndim else 1)
    if y_true.shape != y_pred.shape and not _one_value_per_row(y_true.shape, y_pred.shape):
        raise ValueError(_shape_mismatch_message(y_true.shape, y_pred.shape))
    if not np.all(np.isfinite(y_pred)):
        raise ValueError("y_pred must be finite (no NaN or infinity); NaN is allowed only in "
                         "y_true, for values that were not observed")
    n_samples = y_true.shape[0]
    return (y_true.reshape(n_samples, -1).astype(np.float64, copy=False),
            y_pred.reshape(n_samples, -1))


def _mean_over_steps(step_metric, y_true, *, root_mean_square=False):
    """The mean over the horizon steps of ``step_metric(observed, step)``, the metric of one step
    on its observed rows (a boolean mask); steps observed nowhere are left out.

    With ``root_mean_square`` the root of the mean of the squared step values: RMSE, whose square
    averages over the steps like the other metrics do.
    """
    step_values = np.array([
        step_metric(observed, step)
        for step, observed in enumerate(~np.isnan(y_true).T)
        if observed.any()
    ])  # every row has an observed value (_observed_targets), so some step has one
    # scaled by a power of two, which is exact: the sum (or the squares) of values near float64's
    # largest would overflow
    units, exponent = _power_of_two_scaled(step_values)
    if root_mean_square:
        return _unscaled(np.sqrt(np.mean(units ** 2)), exponent, "the RMSE")
    return _unscaled(np.mean(units), exponent, "the mean over the horizon steps")


def _metric_of_observed(metric, y_true, y_pred, *, root_mean_square=False):
    """``metric(y_true, y_pred)``, leaving out NaN in ``y_true`` by the estimators' rule."""
    if not np.isnan(np.asarray(y_true, dtype=np.float64)).any():
        return metric(y_true, y_pred)  # complete targets: exactly the metric
    y_true, y_pred = _observed_targets(y_true, y_pred)
    return _mean_over_steps(
        lambda observed, step: metric(y_true[observed, step], y_pred[observed, step]),
        y_true, root_mean_square=root_mean_square)


# The scorers' functions, at module level so that a fitted search (its scorer_) pickles. Each is
# its metric leaving out values that were not observed (NaN in y_true) by the estimators' rule
# (_metric_of_observed): without NaN exactly the metric, and a ValueError for a row of y_true
# with no observed value or for NaN in y_pred.
def _mae_of_observed(y_true, y_pred):
    """:func:`mae` of the observed values: each horizon step's on its observed rows, averaged."""
    return _metric_of_observed(mae, y_true, y_pred)


def _rmse_of_observed(y_true, y_pred):
    """:func:`rmse` of the observed values: the root of the mean over the horizon steps of each
    step's mean squared error on its observed rows."""
    return _metric_of_observed(rmse, y_true, y_pred, root_mean_square=True)


def _smape_of_observed(y_true, y_pred):
    """:func:`smape` of the observed values: each horizon step's on its observed rows, averaged."""
    return _metric_of_observed(smape, y_true, y_pred)


#: Scorers of minus the metric. NaN in the targets (a value past a series' end, from
#: ``make_windows(..., min_target=...)``) is left out, as the estimators' ``score`` leaves it out:
#: each horizon step is scored on the rows where it was observed, and the steps are averaged
#: (RMSE: the root of the mean of the steps' mean squared errors); a row of targets with no
#: observed value is a ValueError. Without NaN the value is exactly minus the metric function's.
neg_mae_scorer = make_scorer(_mae_of_observed, greater_is_better=False)
neg_rmse_scorer = make_scorer(_rmse_of_observed, greater_is_better=False)
neg_smape_scorer = make_scorer(_smape_of_observed, greater_is_better=False)


class MASEScorer:
    """Scorer ``(estimator, X, y) -> -MASE`` that scales each window's forecast by its own history.

    Each row of ``X`` is the history its forecast is scaled by (its in-sample seasonal-naive
    error), so no separate training series is needed. Use ``scoring=make_mase_scorer(12)`` in
    GridSearchCV. Windows left-padded by ``make_windows(..., min_history=...)`` get a wrong scale
    (see :func:`make_mase_scorer`).

    NaN in ``y`` (a value past a series' end, from ``make_windows(..., min_target=...)``) is left
    out by the rule of the estimators' own ``score``: each horizon step is scored on the rows
    where it was observed (the mean of their MASEs) and the steps are averaged. Without NaN the
    value is exactly minus :func:`mase` of the windows' forecasts.

    Parameters
    ----------
    season_length : int, default 1
        The period ``m`` of the seasonal-naive scale; 1 gives the naive forecast. Each window needs
        more than ``season_length`` values.

    Examples
    --------
    Score a forecast of the airline series' last year from the 24 months before it, by a model
    trained on the windows of the series without that year:

    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skattn import make_windows
    >>> from skattn.datasets import load_airline
    >>> from skattn.metrics import MASEScorer, mase
    >>> series = load_airline().series
    >>> X_train, y_train = make_windows(series[:-12], window=24, horizon=12)
    >>> X_test, y_test = series[-36:-12][None], series[-12:][None]
    >>> model = Ridge().fit(X_train, y_train)
    >>> scorer = MASEScorer(season_length=12)
    >>> round(scorer(model, X_test, y_test), 3)
    -0.232

    Each window scales its own forecast, as :func:`mase` does with the windows as histories:

    >>> round(-mase(y_test, model.predict(X_test), list(X_test), season_length=12), 3)
    -0.232
    """

    def __init__(self, season_length=1):
        self.season_length = season_length

    def __call__(self, estimator, X, y):
        """Minus the MASE of ``estimator``'s forecasts for windows ``X``.

        Parameters
        ----------
        estimator : fitted regressor
            Has ``predict(X)`` giving one row of forecasts per window.
        X : array-like of shape (n_windows, window) or (n_windows, window, n_channels)
            History windows; passed to ``estimator.predict`` as they are (a DataFrame stays one).
        y : array-like of shape (n_windows,) or (n_windows, horizon)
            The values that followed the windows; NaN marks a value that was not observed.
            ``(n_windows,)`` and ``(n_windows, 1)`` are alike, here and in the forecasts.

        Returns
        -------
        float
            ``-MASE`` (greater is better).

        Raises
        ------
        ValueError
            When ``X`` is not 2-D or 3-D, on bad input to :func:`mase`, or when a row of ``y`` has
            no observed value (so when none is observed at all).
        """
        windows = np.asarray(X, dtype=np.float64)
        if windows.ndim not in (2, 3):
            raise ValueError(
                "X must be 2-D (n_windows, window) or 3-D (n_windows, window, n_channels), "
                f"got shape {windows.shape}"
            )
        history = windows if windows.ndim == 2 else windows[:, :, 0]  # the target channel
        # X as given: an estimator fitted on a DataFrame warns when it is given an array
        y_pred = np.asarray(estimator.predict(X), dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        # one value per window, (n,) or (n, 1) on either side, is a column: a forecast of one
        # step per window, each scaled by its own window. Any other pair of shapes is left to
        # mase, which names them (reshaping y_pred whenever y was 1-D also took an (n/2, 2)
        # y_pred, without an error)
        one_column = _one_value_per_row(y.shape, y_pred.shape)
        if one_column or (y.ndim == 1 and y.shape == y_pred.shape):
            y, y_pred = y.reshape(-1, 1), y_pred.reshape(-1, 1)
        if not np.isnan(y).any():
            return -mase(y, y_pred, list(history), self.season_length)
        y, y_pred = _observed_targets(y, y_pred)
        return -_mean_over_steps(
            lambda observed, step: mase(y[observed, step:step + 1], y_pred[observed, step:step + 1],
                                        list(history[observed]), self.season_length),
            y)

    def __repr__(self):
        return f"make_mase_scorer(season_length={self.season_length})"


def make_mase_scorer(season_length=1):
    """A scorer for ``scoring=`` that returns minus the MASE of the windows' forecasts.

    Parameters
    ----------
    season_length : int, default=1
        The period ``m`` of the seasonal-naive scale, computed on each window (row of ``X``, its
        channel 0 when 3-D), which therefore needs more than ``season_length`` values.

    Returns
    -------
    MASEScorer
        A callable ``scorer(estimator, X, y)`` giving ``-MASE`` (greater is better). NaN in ``y``
        (a value that was not observed) is left out: each horizon step is scored on the rows
        where it was observed and the steps are averaged, as the estimators' ``score`` does.

    Notes
    -----
    **The scale is the window's.** Each forecast is scaled by the seasonal-naive error of its
    window's ``window`` values, not of the whole series before the origin as
    :func:`~skattn.model_selection.backtest` scales it, so the two MASEs differ somewhat.

    **Left-padded windows get a wrong scale.** A window that ``make_windows(...,
    min_history=m)`` cut from a history shorter than ``window`` (the way
    :class:`~skattn.model_selection.OriginSplit` keeps short series in every split) is
    left-padded with copies of its series' first value. The scorer sees only the windows, which
    carry no mark of their padding, and a real series may itself start with repeated values, so
    it cannot leave the copies out: their differences (0 between copies) enter the scale. The
    scale of a short history is then usually too small and its MASE too large; with
    ``season_length`` real values or fewer (no seasonal difference of its own) its MASE can be
    many times too large and dominate the fold's score. Instead:

    - with padded windows, rank by a scorer that reads no history, ``neg_smape_scorer`` or
      ``neg_mae_scorer``;
    - to search by MASE, make the windows without ``min_history`` (short series then drop out
      of the earlier splits of an OriginSplit), or use :func:`~skattn.model_selection.backtest`,
      which scales each forecast by its series' real history;
    - to score padded windows by MASE yourself, give :func:`mase` each window's real history:
      for row ``r`` of ``make_windows(series, ..., return_index=True)`` it is
      ``series[index[r, 0]][:index[r, 1]]``.

    **Windows without a MASE.** A window that repeats exactly with period ``season_length`` (a
    run of zeros: intermittent demand, a discontinued product) has no seasonal-naive error to
    scale by; the scorer raises a ValueError naming its row, and a search with the default
    ``error_score=nan`` scores every candidate NaN. Score such data with ``neg_mae_scorer``, or
    leave those windows out of the search.

    Examples
    --------
    Tune a window regressor by the MASE of its forecasts from the last two origins of the
    airline series:

    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skattn import make_windows
    >>> from skattn.datasets import load_airline
    >>> from skattn.metrics import make_mase_scorer
    >>> from skattn.model_selection import OriginSplit
    >>> X, y, index = make_windows(load_airline().series, window=24, horizon=12,
    ...                            return_index=True)
    >>> search = GridSearchCV(Ridge(), {"alpha": [1.0, 1e4, 1e6]},
    ...                       scoring=make_mase_scorer(season_length=12),
    ...                       cv=OriginSplit(index, horizon=12, n_origins=2)).fit(X, y)
    >>> search.best_params_
    {'alpha': 10000.0}
    >>> round(float(search.best_score_), 3)
    -0.583
    """
    return MASEScorer(season_length)


#: Scorers by name, for ``scoring=`` (``scoring=SCORERS["neg_smape"]``).
SCORERS = {
    "neg_mae": neg_mae_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_smape": neg_smape_scorer,
    "neg_mase": make_mase_scorer(1),
}
