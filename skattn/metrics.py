"""Forecast accuracy metrics, as the forecasting competitions define them, and scorers for
scikit-learn's ``scoring=``.

Every metric takes ``y_true`` and ``y_pred`` of the same shape — one forecast ``(horizon,)`` or many
``(n_series, horizon)`` — and returns the mean over all values (MASE: the mean of each series'
MASE), a float. As in scikit-learn's regression metrics, one of shape ``(n,)`` and the other of
shape ``(n, 1)`` count as the same shape, that of ``y_true`` (a target given as one column,
``df[["y"]]``, and a regressor such as Ridge that predicts it 1-D); no other shapes are paired.

Prediction intervals and quantile forecasts have their own metrics: :func:`coverage` (the share of
values inside their intervals), :func:`interval_score` (Gneiting & Raftery's, for central
``1 - alpha`` intervals), :func:`msis` (the M4 competition's mean scaled interval score: each
series' interval score over MASE's scale) and :func:`quantile_loss` (the mean pinball loss).
Their bounds ``y_lower`` and ``y_upper`` stand where ``y_pred`` does, each paired with ``y_true``
as above; their quantile forecasts ``y_quantiles`` have ``y_true``'s shape plus a last axis, one
forecast per quantile, as the forecasters' ``predict_quantiles`` and ``forecast_quantiles`` return
them (whose columns ``[..., 0]`` and ``[..., -1]`` are bounds of intervals). Bounds in the wrong
order (``y_lower > y_upper``) are a ValueError.

The metrics are correct to float64 rounding at any magnitude: where a difference, a square or a sum
would overflow float64, or underflow it and lose digits, they compute with the values scaled by a
power of two, which is exact, and scale the result back. A result that itself lies outside float64's
range (above about 1.8e308) is a ValueError. Everywhere else they compute the plain formulas, so
their values are the same, bit for bit, as before these guards existed (for the interval and
quantile metrics, the same as the formulas their docstrings state, computed in NumPy as written).
Where a product would overflow, or underflow and lose digits (a quantile level, or the interval
score's ``2 / alpha``, times a difference), they compute on mantissas and exponents apart.

The metric functions take complete values only: NaN (or infinity) is a ValueError, and so is a
masked entry of a NumPy masked array, which counts as NaN (its mask is not dropped). The scorers
(``neg_mae_scorer``, ``neg_rmse_scorer``, ``neg_smape_scorer``, :func:`make_mase_scorer` and
``SCORERS``; for quantile forecasts ``neg_quantile_loss_scorer`` and
:func:`make_quantile_loss_scorer`) are for model selection, where the windows
``make_windows(..., min_target=...)`` cuts at the end of a series have NaN for the values past
its end: they leave those values out by the rule of the estimators' own ``score`` (each horizon
step scored on the rows where it was observed, the steps averaged). Without NaN they give exactly
the metric functions' values.

Every metric and scorer takes ``sample_weight``, one weight per row (sample), as scikit-learn's
regression metrics do: ``mae(y_true, y_pred, sample_weight=None)``, ``rmse(...)``, ``smape(...)``,
``mase(y_true, y_pred, y_train, season_length=1, sample_weight=None)``,
``coverage(y_true, y_lower, y_upper, sample_weight=None)``,
``interval_score(y_true, y_lower, y_upper, alpha, sample_weight=None)``,
``msis(y_true, y_lower, y_upper, y_train, season_length=1, alpha=0.05, sample_weight=None)``,
``quantile_loss(y_true, y_quantiles, quantiles, sample_weight=None)``, and
``scorer(estimator, X, y, sample_weight=None)``. The rows are averaged with the weights and a
row's values (the horizon steps, and their quantiles) share its weight, uniformly: the value is
the metric of the rows repeated as many times as their integer weights say, and a row of weight 0
counts as absent. The weights are checked as scikit-learn checks them (1-D, one per row, finite,
not negative, not all 0), and must be numbers: text is refused, and so is a single bool (a flag
where weights go); an array of bools is a mask of the rows to count, weights 1 and 0. The scorers
take them by scikit-learn's metadata routing too
(``set_score_request``; the module's scorers are shared objects, so request on a copy,
``copy.deepcopy(neg_mae_scorer)``, as ``sklearn.metrics.get_scorer`` hands out copies).
``sample_weight=None`` gives exactly the unweighted values.
"""
from __future__ import annotations

import contextvars
import sys
import threading
import uuid
import warnings
from numbers import Real

import numpy as np
from sklearn.metrics._scorer import _Scorer
from sklearn.utils.metadata_routing import (
    UNCHANGED,
    MetadataRequest,
    _MetadataRequester,
    _routing_enabled,
    get_routing_for_object,
)

from ._stacklevel import stacklevel_of_caller
from ._worker_warnings import filter_action
from ._validation import (check_targets_with_missing, final_step, fitted_quantiles,
                          one_number_quantiles_message, predicted_quantiles,
                          refuse_non_numeric_quantiles, shown_quantiles, unmasked_windows)
from .exceptions import MetricWarning
from .windows import (as_float64, check_integer, check_weight_values, checked_sample_weight,
                      masked_as_missing, masked_note, n_masked, refuse_sparse)

# MetricWarning too: the docstrings tell users to filter it, and `from skattn.metrics import *`
# gave it before __all__ was written (review, session 22)
__all__ = [
    "MASEScorer", "MetricWarning", "QuantileLossScorer", "SCORERS", "coverage", "interval_score",
    "mae", "make_mase_scorer", "make_quantile_loss_scorer", "make_smape_scorer", "mase", "msis",
    "neg_mae_scorer", "neg_quantile_loss_scorer", "neg_rmse_scorer", "neg_smape_scorer",
    "quantile_loss", "rmse", "seasonal_naive_scale", "smape",
]


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


def _masked_remedy(*values):
    """What a metric's error for NaN adds when some of ``values`` are masked arrays, whose masked
    entries became NaN (:func:`skattn.windows.masked_as_missing`); "" when none is."""
    count = sum(n_masked(value) for value in values)
    if not count:
        return ""
    return (f"; masked arrays: their {count} masked entr{'y is' if count == 1 else 'ies are'} "
            f"read as NaN, missing values, and the metrics take complete values only: score the "
            f"entries the masks keep (keep = ~np.ma.getmaskarray(y_true), then y_true[keep] and "
            f"the others' [keep]), or use a scorer, which leaves NaN in y_true out")


def _array_of_values(given, what):
    """``given`` as a float64 array of at least one dimension, or a ValueError: a metric scores
    arrays of values, as scikit-learn's do (``mean_absolute_error(1.0, 2.0)`` is refused there;
    ``mase`` refused it here while ``mae`` returned 1.0, an audit, session 29), and None is no
    value (it became NaN)."""
    if given is None:
        raise ValueError(f"{what} is None: give the values to score")
    values = as_float64(given, what)
    if values.ndim == 0:
        raise ValueError(f"{what} must be an array of values, got a single number "
                         f"({float(values)!r}); give [value] to score one value")
    return values


def _where_not_finite(**arrays):
    """Which of the named ``arrays`` hold NaN or infinity, how many and where the first is:
    "y_pred has 1 NaN (the first at [73, 4])" (the message named neither; missing-values trial,
    session 32)."""
    found = []
    for name, values in arrays.items():
        bad = ~np.isfinite(values)
        if bad.any():
            n_nan = int(np.isnan(values).sum())
            kinds = " and ".join(f"{count} {kind}" for count, kind in
                                 ((n_nan, "NaN"), (int(bad.sum()) - n_nan, "infinite")) if count)
            first = np.unravel_index(int(np.argmax(bad)), values.shape)
            found.append(f"{name} has {kinds} (the first at [{', '.join(map(str, first))}])")
    return "; ".join(found)


def _pair(y_true, y_pred):
    given = y_true, y_pred
    y_true = _array_of_values(y_true, "y_true")
    y_pred = _array_of_values(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        if not _one_value_per_row(y_true.shape, y_pred.shape):
            raise ValueError(_shape_mismatch_message(y_true.shape, y_pred.shape))
        # y_true's shape sets the layout: for mase, whether it is one forecast or one per row
        y_pred = y_pred.reshape(y_true.shape)
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("y_true and y_pred must be finite (no NaN or infinity): "
                         + _where_not_finite(y_true=y_true, y_pred=y_pred)
                         + _masked_remedy(*given))
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


def _checked_weights(sample_weight, y_true):
    # scikit-learn's own checks and messages (those of its estimators' fit): a scalar or a 1-D
    # array of one weight per row of y_true, finite, not negative and not all 0 (a weighted mean
    # with no weight is 0/0). Before them, text and a single bool are refused, which
    # scikit-learn converts to float (["1", "1"] and True were weights; fuzzing, session 23),
    # and masked weights (it dropped the mask and used the values beneath it)
    check_weight_values(sample_weight)
    if isinstance(sample_weight, np.ndarray) and sample_weight.ndim == 0:
        # a 0-d array is the one weight of every row, as a float is (scikit-learn raised a
        # TypeError for it; review, session 30)
        sample_weight = sample_weight[()]
    return checked_sample_weight(np.ma.getdata(sample_weight) if isinstance(
        sample_weight, np.ma.MaskedArray) else sample_weight, y_true, dtype=np.float64,
        ensure_non_negative=True)


def _weights_of_values(row_weights, shape):
    # each value weighted by its row's weight: the weighted mean of all values is then
    # scikit-learn's, the weighted mean over the rows of each column averaged uniformly
    return np.broadcast_to(row_weights.reshape((-1,) + (1,) * (len(shape) - 1)), shape)


def _weighted_mean(values, weights):
    """``sum(weights * values) / sum(weights)`` as ``(mantissa, exponent)``, the mean being
    ``mantissa * 2**exponent``: exact to rounding even where a product or a sum leaves float64's
    range.

    ``values`` are finite and >= 0, ``weights`` checked by :func:`_checked_weights` and of the
    same shape.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        products = weights * values
        numerator, denominator = np.sum(products), np.sum(weights)
        mean = numerator / denominator
    counted = (weights > 0) & (values > 0)
    # the plain formula when nothing left float64's normal range: no sum overflowed, no product
    # underflowed (keeping few digits, or none: a large weight on a tiny error still counts), and
    # the mean itself is not subnormal (a MASE divides it by a scale that may be as small), nor 0
    # unless its numerator is: a mean of 1e-200 over weights summing to 1e130 underflowed to 0
    # where an RMSE (its root, 1e-165) or a MASE (over a subnormal scale) has a value (fuzzing,
    # session 20)
    if (np.isfinite(numerator) and np.isfinite(denominator) and np.isfinite(mean)
            and (numerator == 0.0 or mean >= _SMALLEST_NORMAL)
            and np.all(products[counted] >= _SMALLEST_NORMAL)):
        return float(mean), 0
    return _weighted_mean_of_parts(*np.frexp(values), weights)


def _weighted_mean_of_parts(mantissas, exponents, weights):
    """:func:`_weighted_mean` of the values ``mantissas * 2**exponents`` (as ``np.frexp`` gives
    them, or their squares), computed on mantissas and integer exponents apart, which neither
    overflow nor underflow."""
    weight_mantissas, weight_exponents = np.frexp(weights)
    product_mantissas = mantissas * weight_mantissas  # at least 1/8 unless 0: no underflow
    product_exponents = np.asarray(exponents, dtype=np.int64) + weight_exponents
    counted = product_mantissas > 0
    if not counted.any():
        return 0.0, 0
    top = int(np.max(product_exponents[counted]))
    weight_top = int(np.max(weight_exponents[weights > 0]))
    # relative to the largest term, by powers of two (exact): a term that falls below float64's
    # range is less than 2**-1074 of the largest, nothing in the sum
    # (the shifts lie within a few thousand: int32, for which every platform has an ldexp loop)
    numerator = np.sum(np.ldexp(product_mantissas, (product_exponents - top).astype(np.int32)))
    denominator = np.sum(np.ldexp(weight_mantissas,
                                  (weight_exponents - weight_top).astype(np.int32)))
    mantissa, exponent = np.frexp(numerator / denominator)
    return float(mantissa), int(exponent) + top - weight_top


def _weighted_mean_abs_difference(a, b, weights):
    # the weighted mean of |a - b| as (mantissa, exponent), as _weighted_mean gives, even where
    # a - b overflows
    with np.errstate(over="ignore"):
        differences = np.abs(a - b)
    if np.all(np.isfinite(differences)):
        return _weighted_mean(differences, weights)
    units, exponent = _scaled_abs_differences(a, b)
    mantissa, units_exponent = _weighted_mean(units, weights)
    return mantissa, units_exponent + exponent


def _weighted_mean_square_difference(a, b, weights):
    # the weighted mean of (a - b)**2 as (mantissa, exponent), as _weighted_mean gives
    with np.errstate(over="ignore"):
        differences = np.abs(a - b)
    nonzero = differences[differences > 0]
    if nonzero.size == 0:
        return 0.0, 0
    if _SQUARABLE_ERRORS[0] <= np.min(nonzero) and np.max(nonzero) <= _SQUARABLE_ERRORS[1]:
        # every square is a normal float64 (unweighted, a square that underflows is negligible
        # next to the largest; weighted, it may not be)
        return _weighted_mean(differences ** 2, weights)
    offset = 0
    if not np.all(np.isfinite(differences)):
        differences, offset = _scaled_abs_differences(a, b)
    mantissas, exponents = np.frexp(differences)
    return _weighted_mean_of_parts(mantissas ** 2, 2 * (exponents.astype(np.int64) + offset),
                                   weights)


def _root(mantissa, exponent):
    # the square root of mantissa * 2**exponent as (mantissa, exponent): an even exponent halves
    if exponent % 2:
        mantissa, exponent = 2.0 * mantissa, exponent - 1
    return float(np.sqrt(mantissa)), exponent // 2


def mae(y_true, y_pred, sample_weight=None):
    """Mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values;
        finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        The mean of ``|y_true - y_pred|`` over all values; with ``sample_weight``, the rows'
        weighted mean (``sum_i w_i mean_j |e_ij| / sum_i w_i``), which is
        ``sklearn.metrics.mean_absolute_error(y_true, y_pred, sample_weight=sample_weight)``.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, on bad weights, or when the MAE exceeds
        float64's range.

    Examples
    --------
    >>> from skattn.metrics import mae
    >>> round(mae([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    3.667

    Many forecasts, one per row: the mean over all their values.

    >>> mae([[1.0, 2.0], [3.0, 4.0]], [[1.0, 3.0], [3.0, 6.0]])
    0.75

    Weights count rows as if repeated: the second row three times.

    >>> mae([[1.0, 2.0], [3.0, 4.0]], [[1.0, 3.0], [3.0, 6.0]], sample_weight=[1, 3])
    0.875
    """
    return _mae(y_true, y_pred, sample_weight)


# what to do about a MAE or RMSE beyond float64's range; backtest, which has no y_true, says
# "divide the series by a constant first" (fuzzing, session 20)
_PAIR_REMEDY = "divide y_true and y_pred by a constant first"


def _mae(y_true, y_pred, sample_weight=None, remedy=_PAIR_REMEDY):
    """:func:`mae`, ``remedy`` ending its error for a MAE beyond float64's range."""
    y_true, y_pred = _pair(y_true, y_pred)
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_true.shape)
        return _unscaled(*_weighted_mean_abs_difference(y_true, y_pred, weights), "the MAE",
                         remedy)
    with np.errstate(over="ignore"):
        value = np.mean(np.abs(y_true - y_pred))
    if np.isfinite(value):  # no difference or partial sum overflowed: exact to rounding
        return float(value)
    units, exponent = _scaled_abs_differences(y_true, y_pred)
    return _unscaled(np.mean(units), exponent, "the MAE", remedy)


def rmse(y_true, y_pred, sample_weight=None):
    """Root mean squared error (over all values).

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values;
        finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))``, without the squares overflowing or underflowing.
        With ``sample_weight``, the root of the rows' weighted mean squared error,
        ``sqrt(sum_i w_i mean_j e_ij**2 / sum_i w_i)``: ``sqrt(sklearn.metrics.mean_squared_error(
        y_true, y_pred, sample_weight=sample_weight))``. For 1-D ``y_true`` that is
        ``sklearn.metrics.root_mean_squared_error``; for several columns scikit-learn's function
        averages each column's root instead, where this one, weighted or not, takes the root of
        the mean over all values.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, on bad weights, or when the RMSE exceeds
        float64's range.

    Examples
    --------
    >>> from skattn.metrics import rmse
    >>> round(rmse([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    4.041
    >>> round(rmse([100.0, 110.0, 120.0], [102.0, 107.0, 126.0], sample_weight=[1, 1, 0]), 3)
    2.55
    """
    return _rmse(y_true, y_pred, sample_weight)


def _rmse(y_true, y_pred, sample_weight=None, remedy=_PAIR_REMEDY):
    """:func:`rmse`, ``remedy`` ending its error for a RMSE beyond float64's range."""
    y_true, y_pred = _pair(y_true, y_pred)
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_true.shape)
        return _unscaled(*_root(*_weighted_mean_square_difference(y_true, y_pred, weights)),
                         "the RMSE", remedy)
    with np.errstate(over="ignore"):
        errors = y_true - y_pred
    largest = np.max(np.abs(errors))
    if largest == 0.0 or _SQUARABLE_ERRORS[0] <= largest <= _SQUARABLE_ERRORS[1]:
        return float(np.sqrt(np.mean(errors ** 2)))
    units, exponent = _scaled_abs_differences(y_true, y_pred)
    return _unscaled(np.sqrt(np.mean(units ** 2)), exponent, "the RMSE", remedy)


def smape(y_true, y_pred, sample_weight=None):
    """Symmetric mean absolute percentage error, in percent (0 to 200), as the M4 competition
    defines it: ``mean(200 |y - f| / (|y| + |f|))`` (M3's published formula has no absolute
    values in the denominator: the same on positive data such as M3's).

    A value where both ``y`` and ``f`` are 0 counts as a perfect forecast (0), not 0/0. A value
    of 0 (forecast as anything but 0), a forecast of 0 (of a value that is not), or a forecast of
    the other sign counts 200 however close the forecast: on series that reach or cross zero,
    compare models by :func:`mase` or :func:`mae` instead. A
    :class:`~skattn.exceptions.MetricWarning` says so whenever the values hold such a pair.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        The observed values and their forecasts; one may be ``(n,)`` and the other ``(n, 1)``.
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values;
        finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        sMAPE in percent, from 0 to 200; with ``sample_weight``, the rows' weighted mean of
        ``200 |y - f| / (|y| + |f|)``, ``sum_i w_i mean_j r_ij / sum_i w_i``.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, or on bad weights.

    Warns
    -----
    MetricWarning
        Once per call, when some value (in a row of weight above 0) is 0, forecast as 0, or of
        the other sign than its forecast, 0 forecast as 0 aside: each such value counts 200,
        and a few of them (holidays in retail data) can decide which model ranks first. The
        message counts them. Silence it with ``warnings.filterwarnings("ignore",
        category=MetricWarning)`` where that is intended.

    Examples
    --------
    >>> from skattn.metrics import smape
    >>> round(smape([100.0, 110.0, 120.0], [102.0, 107.0, 126.0]), 3)
    3.208

    A value of 0 forecast as 0 counts as perfect:

    >>> round(smape([0.0, 10.0], [0.0, 12.0]), 3)
    9.091
    >>> round(smape([0.0, 10.0], [0.0, 12.0], sample_weight=[1, 3]), 3)
    13.636
    """
    y_true, y_pred = _pair(y_true, y_pred)
    value = _smape_of_pair(y_true, y_pred, sample_weight)
    _warn_if_smape_misleads(y_true, y_pred, sample_weight)
    return value


def _smape(y_true, y_pred, sample_weight=None):
    """:func:`smape` without its MetricWarning, for callers that say it their own way (backtest
    and compare, once for the whole table; the scorer, once per scorer and process)."""
    return _smape_of_pair(*_pair(y_true, y_pred), sample_weight)


def _smape_misleading_values(y_true, y_pred, sample_weight=None):
    """``(count, total)``: of the ``total`` values of ``y_true`` counted (not NaN, in a row of
    weight above 0), the ``count`` whose sMAPE term is 200 however close the forecast: a value
    of 0, a forecast of 0, or the two of opposite signs; 0 forecast as 0 counts 0 and is left
    out. ``y_pred`` of ``y_true``'s shape (or one (n,), the other (n, 1)), weights checked."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    counted = ~np.isnan(y_true)
    if sample_weight is not None:
        weights = _checked_weights(sample_weight, y_true)
        counted &= _weights_of_values(weights > 0, y_true.shape)
    # the rule of backtest's warning (model_selection._warn_if_smape_misleads)
    misled = (np.sign(y_true) * np.sign(y_pred) <= 0) & ((y_true != 0) | (y_pred != 0))
    return int(np.count_nonzero(misled & counted)), int(np.count_nonzero(counted))


# The MetricWarnings point at the line that called smape, or the scorer (directly, or through
# make_scorer), or the search that called it: stacklevel_of_caller(__name__), the first frame
# outside this module, scikit-learn and joblib (a fixed level pointed into scikit-learn, whose
# scorers' __call__ is wrapped in some versions and not in others). A search's fold scored in a
# joblib worker has no such frame: the warning is then put at this module's outermost frame, the
# scorer's own line, module skattn.metrics, which filterwarnings(..., module="skattn") names
# (user trial, session 22).


def _warn_if_smape_misleads(y_true, y_pred, sample_weight=None, scorer_token=None):
    """The MetricWarning of :func:`smape` (and ``neg_smape_scorer``) when some value's term is
    200 however close its forecast, at the line that called them: at every call, or, given the
    ``scorer_token`` of the scorer that called, once per scorer and process as the filters
    allow (:func:`_warn_once`)."""
    # each holiday (a 0 in retail data) counted 200 whatever the forecast, and a grid search by
    # sMAPE was silently decided by the folds that held holidays; only backtest warned (user
    # trial, session 20)
    count, total = _smape_misleading_values(y_true, y_pred, sample_weight)
    if not count:
        return
    # the scorer's message counts the values of one call, a search's first fold that held such a
    # value: it says that the folds after it are not warned of
    once = ("" if scorer_token is None else
            " (this scorer says so once, of the first values it scored that hold one, not at "
            "each fold of a search)")
    message = (
        f"{count} of the {total} values are 0, forecast as 0, or of the other sign than "
        f"their forecast: sMAPE (200 |y - f| / (|y| + |f|)) counts each of them 200 however "
        f"close the forecast, so it can rank models wrongly on such data; compare them by "
        f"MASE or MAE (skattn.metrics.mase, mae; make_mase_scorer, neg_mae_scorer; in a "
        f"search over windows holding runs of zeros, neg_mae_scorer: make_mase_scorer refuses "
        f"a window that repeats every season, a run of zeros){once}")
    if scorer_token is None:
        warnings.warn(message, MetricWarning, stacklevel=stacklevel_of_caller(__name__))
    else:
        _warn_once(scorer_token, ("smape",), message)


def _smape_of_pair(y_true, y_pred, sample_weight=None):
    """:func:`smape` of the arrays :func:`_pair` returns, without a warning."""
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
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_true.shape)
        mean, exponent = _weighted_mean(ratio, weights)
        return float(np.ldexp(100.0 * mean, exponent))  # at most 200: it fits
    return float(100.0 * np.mean(ratio))


#: seasonal differences within this many units in the last place (ulps) of a series' largest
#: magnitude (5.7e-14 of it) are rounding: a periodic series computed in float64 repeats only to
#: the rounding of its computation (``sin(2 pi t / 12)`` for t < 240 to 1.8e-14, 83 ulps of 1:
#: the angle's rounding), while data of 13 significant digits differ by more (a count near
#: 5e12 that grows by 1: 1,024 ulps; a tolerance of 1e-12 of the largest value called it a
#: repeat: review, session 32). Longer computed series (t < 1,000: 9.2e-14, 414 ulps) are past it
_REPEAT_ULPS = 256
#: or within this fraction of the series' range (max - min): its differences are then rounding
#: next to how far it moves (``sin(2 pi t / 24)`` over 2,016 steps: 9.2e-14 against a range of 2)
_REPEAT_SPREAD = 1e-12


def _repeats_every_season(y_train, season_length):
    """Whether the 1-D float array ``y_train`` has more than ``season_length`` values and repeats
    every ``season_length`` steps (a constant series with any season) exactly or to within
    rounding (``_REPEAT_ULPS`` units in the last place of its largest magnitude, or
    ``_REPEAT_SPREAD`` of its range): its seasonal-naive error, the scale of MASE and MSIS, is
    then 0 or rounding.

    A periodic series computed in float64 repeats only to rounding: the scale of
    ``10 + sin(2 pi t / 12)``, 2.9e-15, made the MASE of the exact seasonal-naive forecast 1.74
    and that of a forecast off by 0.01 3.5e12 (user trial, session 32)."""
    if y_train.size <= season_length:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        differences = np.abs(y_train[season_length:] - y_train[:-season_length])
    largest = np.max(np.abs(y_train))
    # eps * largest rather than np.spacing(largest): the subnormals' spacing is no rounding
    # of theirs (values of 1e-310 whose differences are 1e-321 are a scale to refuse by name).
    # Or within _REPEAT_SPREAD of the series' own range: a longer computed series' rounding
    # grows with its angle (sin over 2,016 hours: 9.2e-14, 414 ulps), while a count near 5e12
    # that grows by 1 has a range far above its differences (review, session 32)
    with np.errstate(over="ignore"):
        spread = float(np.ptp(y_train))
    # (not for differences that are all whole numbers, which are exact: a count with a swing
    # of 5e12 that grows by 1 a season; review, session 32)
    exact = bool(np.all(differences == np.floor(differences)))
    tolerance = max(_REPEAT_ULPS * np.finfo(np.float64).eps * largest,
                    _REPEAT_SPREAD * spread if np.isfinite(spread) and not exact else 0.0)
    return bool(np.all(differences <= tolerance))


def _seasonal_pairs(y_train, season_length, metric="MASE"):
    # the validated history as (y_t, y_{t-m}) for every t with a value m steps back; metric names
    # the scaled metric in the messages (MASE, or MSIS, which has the same scale)
    # as a Python int: NumPy's unsigned integers wrap around in y[:-m]
    season_length = check_integer("season_length", season_length)
    given = y_train
    y_train = as_float64(y_train, "y_train")
    if y_train.ndim != 1:
        raise ValueError(f"y_train must be 1-D, got shape {y_train.shape}")
    if not np.all(np.isfinite(y_train)):
        raise ValueError("y_train must be finite (no NaN or infinity): "
                         + _where_not_finite(y_train=y_train) + masked_note(given))
    if y_train.size <= season_length:
        raise ValueError(
            f"{metric} needs a training series longer than season_length={season_length}, "
            f"got {y_train.size} values"
        )
    if _repeats_every_season(y_train, season_length):
        raise ValueError(
            f"{metric} is undefined: the training series repeats exactly with period "
            f"{season_length} (its seasonal-naive error is 0, or rounding: "
            f"within {_REPEAT_ULPS} units in the last place of its largest magnitude or "
            f"{_REPEAT_SPREAD:g} of its range); score such data (runs of zeros, say) "
            + ("by the unscaled interval_score (or coverage)" if metric == "MSIS" else
               "by MAE: mae, neg_mae_scorer")
        )
    return y_train[season_length:], y_train[:-season_length]


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
        that repeats exactly every ``season_length`` steps: MASE is undefined) or rounding (every
        seasonal difference within 256 units in the last place of the series' largest magnitude, or
        1e-12 of its range, as a periodic series computed in float64 repeats), or the scale lies
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
    return _seasonal_naive_scale(y_train, season_length)


def _seasonal_naive_scale(y_train, season_length, data="y_train"):
    """:func:`seasonal_naive_scale`, its remedies for a scale outside float64's range naming
    ``data``, what the caller has to divide or multiply: backtest has no ``y_train`` ("the
    series"; fuzzing, session 20)."""
    later, earlier = _seasonal_pairs(y_train, season_length)
    with np.errstate(over="ignore"):
        scale = float(np.mean(np.abs(later - earlier)))
    if scale == 0.0:  # not all differences are 0 (_seasonal_pairs checked): the mean underflowed
        raise ValueError(
            "the seasonal-naive scale is below float64's smallest positive value (about 4.9e-324): "
            f"multiply {data} by a constant first"
        )
    if np.isfinite(scale):
        return scale
    units, exponent = _scaled_abs_differences(later, earlier)
    return _unscaled(np.mean(units), exponent, "the seasonal-naive scale",
                     f"divide {data} by a constant first")


def _series_mase(error, y_true, y_pred, y_train, season_length, weights=None):
    # MASE of one forecast (1-D y_true, y_pred) from its history; error is its MAE as the plain
    # formula computed it (inf if that overflowed), or None with weights (one per value of
    # y_true), which weight the errors; the history's scale is never weighted
    later, earlier = _seasonal_pairs(y_train, season_length)
    error_exponent = 0
    if weights is not None:
        error, error_exponent = _weighted_mean_abs_difference(y_true, y_pred, weights)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        scale = np.mean(np.abs(later - earlier))
        value = error / scale
    # the plain formula when both means are exact to rounding: neither overflowed, and neither lies
    # in the subnormal range, where a mean keeps few digits
    if (error_exponent == 0 and np.isfinite(value) and error >= _SMALLEST_NORMAL
            and _SMALLEST_NORMAL <= scale < np.inf):
        return value
    if weights is None:
        error_units, error_exponent = _scaled_abs_differences(y_true, y_pred)
        error = np.mean(error_units)
    else:
        # below 1, as the unweighted error units are: the quotient then fits
        error, extra_exponent = np.frexp(error)
        error_exponent += int(extra_exponent)
    scale_units, scale_exponent = _scaled_abs_differences(later, earlier)
    return _unscaled(error / np.mean(scale_units), error_exponent - scale_exponent,
                     "the MASE", "the forecast errors are that many times the history's scale")


def mase(y_true, y_pred, y_train, season_length=1, sample_weight=None):
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
    sample_weight : array-like of shape (n_series,) or (horizon,), or float, default=None
        Weights of the forecast errors (the numerator); the histories' scales are never
        weighted. Finite, not negative, not all 0; one per row of ``y_true``:

        - 2-D ``y_true``: one per series, shared by its values. The result is the series'
          weighted mean MASE, ``sum_i w_i MASE_i / sum_i w_i``, that of the series repeated as
          many times as their integer weights say. A series of weight 0 is left out as if absent:
          its history is not read, so it may be one whose MASE is undefined (a flat one).
        - 1-D ``y_true`` (one forecast): one per value, weighting its errors: the weighted MAE,
          ``sum_j w_j |e_j| / sum_j w_j``, divided by the history's scale.

        None weights alike.

    Returns
    -------
    float
        MASE, averaged over the series when there are several.

    Raises
    ------
    ValueError
        On bad input (as `seasonal_naive_scale` for each history), on bad weights, or when the
        MASE exceeds float64's range.

    Notes
    -----
    The scale is the mean of the history's ``n_train - season_length`` seasonal differences, and
    a history with few of them has a noisy scale: the mean over several series is then decided
    by the series whose few differences happen to be small (with one difference each, a mean
    over 30 series was 3.2 times its value with exact scales at the median, 9.6 times in 1 case
    of 10; :func:`make_mase_scorer` tabulates more counts). Give each forecast its series'
    whole history before it, as MASE is defined (the M4 competition's shortest histories held
    12 or more). Unlike the scorer, which reads its scales from windows cut to the model's
    input length and warns below 4 differences, this function scales by the histories its
    caller chose, and does not warn.

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

    Weighted: the second series (MASE 0.333) counts three times, the first (0.3125) once.

    >>> round(mase([[6.0, 5.0], [2.0, 2.0]], [[5.0, 5.0], [2.0, 3.0]],
    ...            [y_train, [1.0, 2.0, 4.0]], sample_weight=[1, 3]), 3)
    0.328
    """
    # checked once, before the series: a bad one was blamed on the first ("series 0 (row 0 of
    # y_true): season_length must be ..."; fuzzing, session 23)
    season_length = check_integer("season_length", season_length)
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D or 2-D, got shape {y_true.shape}")
    weights = None if sample_weight is None else _checked_weights(sample_weight, y_true)
    with np.errstate(over="ignore"):
        errors = np.mean(np.abs(y_true - y_pred), axis=-1)
    if y_true.ndim == 1:
        _refuse_histories_for_one_forecast(y_train, y_true.size, "mase")
        if weights is not None:
            return float(_series_mase(None, y_true, y_pred, y_train, season_length, weights))
        return float(_series_mase(errors, y_true, y_pred, y_train, season_length))
    return _mean_over_series(
        lambda row, history: _series_mase(errors[row], y_true[row], y_pred[row], history,
                                          season_length),
        y_train, y_true.shape[0], weights, "the MASE")


def _refuse_histories_for_one_forecast(y_train, n_values, metric):
    """A ValueError when a 1-D ``y_true`` (one forecast of ``n_values`` values, with one
    history) comes with ``y_train`` of several histories (a list of sequences, or 2-D): 5
    one-step forecasts with their 5 histories were told "y_train must be 1-D", or, for
    histories of different lengths, that an array needs rows of one length (metamorphic review,
    session 34)."""
    shape = getattr(y_train, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == 1:
        # one history as a column (df[["sales"]]): not several (review of the session's diff)
        raise ValueError(f"{metric}: y_train must be 1-D, got shape {tuple(shape)}: one history "
                         f"as a column? pass it 1-D (y_train.ravel(), or df['name'])")
    several = shape is not None and len(shape) == 2 or (
        isinstance(y_train, (list, tuple)) and len(y_train) > 0
        and all(np.ndim(history) >= 1 for history in y_train))
    if not several:
        return
    if len(y_train) == 1:
        held = "a row" if shape is not None else "a list"
        raise ValueError(
            f"{metric}: y_true is 1-D, one forecast of {n_values} value(s), and y_train {held} "
            f"of one history: give the history itself (y_train[0]), or y_true and the forecast "
            f"as one row, 2-D (y_true.reshape(1, -1))")
    raise ValueError(
        f"{metric}: y_true is 1-D, one forecast of {n_values} value(s) from one history, but "
        f"y_train holds {len(y_train)} histories; for one forecast per series (each of its own "
        f"history) give y_true and the forecasts one row per series, 2-D: n one-step forecasts "
        f"as y_true.reshape(-1, 1)")


def _mean_over_series(series_value, y_train, n_series, weights, name):
    """The (weighted) mean over the series of ``series_value(row, history)``, the MASE or MSIS
    of one row of a 2-D ``y_true`` from its history in ``y_train`` (one per row), a series'
    error naming it; ``name`` ("the MASE") for a mean beyond float64's range."""
    try:
        n_histories = len(y_train)
    except TypeError:
        raise ValueError(
            f"y_train must be a list of {n_series} histories, one per series, "
            f"got {type(y_train).__name__}"
        ) from None
    if n_histories != n_series:
        raise ValueError(
            f"y_train must give one history per series: {n_histories} for {n_series} series"
        )
    # a series of weight 0 counts as absent, as it would in the rows repeated by their weights:
    # its value is not computed (its history may have none)
    rows = range(n_series) if weights is None else np.flatnonzero(weights)
    if getattr(y_train, "ndim", None) == 2 and hasattr(y_train, "to_numpy"):
        # a DataFrame of windows, one row per series: list() gave its column labels (user
        # trial, session 20)
        y_train = y_train.to_numpy()
    histories = y_train if isinstance(y_train, (list, tuple)) else list(y_train)
    values = []
    for row in rows:
        try:
            values.append(series_value(row, histories[row]))
        except ValueError as exc:
            if n_series == 1:
                raise
            # which of many: a flat history (a discontinued product's zeros) was not said
            raise ValueError(f"series {row} (row {row} of y_true): {exc}") from None
    values = np.array(values)
    if weights is not None:
        return _unscaled(*_weighted_mean(values, weights[rows]), name)
    with np.errstate(over="ignore"):
        value = np.mean(values)
    if np.isfinite(value):
        return float(value)
    # the sum overflowed; the mean, at most the largest value, fits
    units, exponent = _power_of_two_scaled(values)
    return _unscaled(np.mean(units), exponent, name)


# ------------------------------------------------------------------------------------------
# Prediction intervals and quantile forecasts
# ------------------------------------------------------------------------------------------
def _paired_with(y_true, values, name):
    # values as a float array of y_true's shape, paired with it as _pair pairs y_pred
    values = as_float64(values, name)
    if values.shape != y_true.shape:
        if not _one_value_per_row(y_true.shape, values.shape):
            raise ValueError(
                f"y_true and {name} must have the same shape (or one (n,) and the other (n, 1)), "
                f"got {y_true.shape} and {values.shape}"
            )
        values = values.reshape(y_true.shape)
    return values


def _interval(y_true, y_lower, y_upper):
    """``y_true``, ``y_lower`` and ``y_upper`` as float arrays of ``y_true``'s shape: checked for
    shape, emptiness, finiteness, and bounds in order."""
    given = y_true, y_lower, y_upper
    y_true = _array_of_values(y_true, "y_true")
    lower = _paired_with(y_true, y_lower, "y_lower")
    upper = _paired_with(y_true, y_upper, "y_upper")
    if y_true.size == 0:
        raise ValueError("y_true, y_lower and y_upper are empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(lower))
            and np.all(np.isfinite(upper))):
        raise ValueError("y_true, y_lower and y_upper must be finite (no NaN or infinity): "
                         + _where_not_finite(y_true=y_true, y_lower=lower, y_upper=upper)
                         + _masked_remedy(*given))
    crossed = lower > upper
    if crossed.any():
        first = tuple(int(i) for i in np.argwhere(crossed)[0])
        where = f"index {first[0]}" if len(first) == 1 else f"index {first}"
        raise ValueError(
            f"y_lower must not exceed y_upper: y_lower > y_upper at {int(crossed.sum())} of "
            f"{crossed.size} values, the first at {where} ({float(lower[first])!r} > "
            f"{float(upper[first])!r}); were the bounds given in the wrong order?"
        )
    return y_true, lower, upper


def _checked_alpha(alpha):
    """``alpha`` as a float strictly between 0 and 1, or a ValueError.

    Any real number is taken, as backtest takes its levels: a float, an int, a Fraction
    (``Fraction(1, 5)``: ``np.isfinite`` refused it with a TypeError, fuzzing, session 20), a
    NumPy scalar or a 0-d array; a bool, a string, a sequence are not numbers.
    """
    value = alpha[()] if isinstance(alpha, np.ndarray) and alpha.ndim == 0 else alpha
    number = None
    if isinstance(value, Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # a Fraction beyond float64's range: not below 1 either
            number = None
    if number is None or not np.isfinite(number) or not 0.0 < number < 1.0:
        raise ValueError(
            f"alpha must be a number strictly between 0 and 1, the intervals' miss rate (0.2 for "
            f"80% intervals, 0.05 for 95%), got {alpha!r}"
        )
    return number


def _mean_of_parts(mantissas, exponents, weights):
    # the (weighted) mean of mantissas * 2**exponents as (mantissa, exponent); unweighted: every
    # value alike
    if weights is None:
        weights = np.ones(mantissas.shape)
    return _weighted_mean_of_parts(mantissas, exponents, weights)


def _plain_mean(values, weights):
    """The (weighted) mean of finite values >= 0 that are exact to rounding, as ``(mantissa,
    exponent)``: unweighted, ``np.mean(values)`` itself unless it overflows, or is subnormal and
    keeps few digits (a MSIS divides it by a scale that may be as small)."""
    if weights is not None:
        return _weighted_mean(values, weights)
    with np.errstate(over="ignore"):
        mean = np.mean(values)
    # a mean of 0 only of values that are all 0: one subnormal score among eleven zeros has a
    # mean below float64's range, 0, but a MSIS over a scale as small (fuzzing, session 20)
    if np.isfinite(mean) and (mean >= _SMALLEST_NORMAL or (mean == 0.0 and not values.any())):
        return float(mean), 0
    return _mean_of_parts(*np.frexp(values), None)


def _halved_if_overflowing(*arrays):
    """The arrays, and an exponent of 0; or, when a difference of two of them overflows, their
    halves and an exponent of 1. Halving is exact for values beyond float64's subnormal range and
    costs a value below it at most its last bit, nothing next to a difference beyond 2**1024
    (which the interval score and the pinball loss then carry: the score is at least the span of
    y, l and u, the loss a quantile level times the difference)."""
    with np.errstate(over="ignore", invalid="ignore"):
        overflowed = any(not np.all(np.isfinite(a - b))
                         for i, a in enumerate(arrays) for b in arrays[i + 1:])
    if not overflowed:
        return arrays, 0
    return tuple(0.5 * a for a in arrays), 1


def _mean_interval_score(y, lower, upper, alpha, weights=None):
    """The (weighted) mean interval score as ``(mantissa, exponent)``, as :func:`_weighted_mean`
    gives it: the plain formula ``(u - l) + (2 / alpha) * (max(l - y, 0) + max(y - u, 0))`` when
    every score is exact to rounding, else computed on mantissas and exponents apart.

    ``y``, ``lower``, ``upper`` checked by :func:`_interval`, ``alpha`` by :func:`_checked_alpha`;
    ``weights`` one per value, or None.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        factor = 2.0 / alpha
        penalties = factor * (np.maximum(lower - y, 0.0) + np.maximum(y - upper, 0.0))
        scores = (upper - lower) + penalties
    # differences never lose digits to underflow (subnormal differences are exact); a subnormal
    # penalty does, and an overflowed one or factor is inf (or NaN, times 0)
    if (np.all(np.isfinite(scores))
            and np.all((penalties == 0.0) | (penalties >= _SMALLEST_NORMAL))):
        return _plain_mean(scores, weights)
    (y, lower, upper), offset = _halved_if_overflowing(y, lower, upper)
    widths = upper - lower
    # at most one of the two is above 0 (lower <= upper): their sum is exact
    misses = np.maximum(lower - y, 0.0) + np.maximum(y - upper, 0.0)
    # 2 / alpha = (1 / m) * 2**(1 - e) for alpha = m * 2**e, m in [0.5, 1): the same digits as the
    # plain quotient where that is a normal float64, without its overflow for alpha below 1e-308
    alpha_mantissa, alpha_exponent = np.frexp(alpha)
    factor_mantissa, factor_exponent = np.frexp(1.0 / alpha_mantissa)
    factor_exponent = int(factor_exponent) + 1 - int(alpha_exponent)
    miss_mantissas, miss_exponents = np.frexp(misses)
    penalty_mantissas = miss_mantissas * factor_mantissa  # one rounding, as the plain product's
    penalty_exponents = miss_exponents.astype(np.int64) + factor_exponent
    width_mantissas, width_exponents = np.frexp(widths)
    width_exponents = width_exponents.astype(np.int64)
    # each score's two terms relative to the larger (a 0 term takes the other's exponent): a
    # term that falls below float64's range is less than 2**-1074 of the other, nothing in the sum
    penalty_exponents = np.where(penalty_mantissas > 0, penalty_exponents, width_exponents)
    width_exponents = np.where(width_mantissas > 0, width_exponents, penalty_exponents)
    top = np.maximum(penalty_exponents, width_exponents)
    sums = (np.ldexp(penalty_mantissas, (penalty_exponents - top).astype(np.int32))
            + np.ldexp(width_mantissas, (width_exponents - top).astype(np.int32)))
    mantissas, exponents = np.frexp(sums)
    return _mean_of_parts(mantissas, exponents.astype(np.int64) + top + offset, weights)


def coverage(y_true, y_lower, y_upper, sample_weight=None):
    """Empirical coverage of prediction intervals: the share of values with
    ``y_lower <= y_true <= y_upper``.

    Parameters
    ----------
    y_true, y_lower, y_upper : array-like of the same shape
        The observed values and the bounds of their intervals; a bound may be ``(n,)`` where
        ``y_true`` is ``(n, 1)`` or the other way round. From quantile forecasts ``q`` of
        ``predict_quantiles`` or ``forecast_quantiles``, the bounds are two columns of the last
        axis: ``q[..., 0]`` and ``q[..., -1]``.
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values;
        finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        The share in [0, 1], a bound counting as inside; with ``sample_weight``, the rows' weighted
        mean of the shares, ``sum_i w_i mean_j 1{l_ij <= y_ij <= u_ij} / sum_i w_i``. Compare it
        with the intervals' nominal level (0.8 for the 0.1 and 0.9 quantiles).

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, on bad weights, or where ``y_lower`` exceeds
        ``y_upper`` (the message says at how many values, and where the first is).

    Examples
    --------
    >>> from skattn.metrics import coverage
    >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 2.5, 2.0, 4.0], [2.0, 3.0, 3.5, 5.0])
    0.75

    The second value (outside its interval) three times:

    >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 2.5, 2.0, 4.0], [2.0, 3.0, 3.5, 5.0],
    ...          sample_weight=[1, 3, 1, 1])
    0.5
    """
    y_true, lower, upper = _interval(y_true, y_lower, y_upper)
    inside = ((lower <= y_true) & (y_true <= upper)).astype(np.float64)
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_true.shape)
        mean, exponent = _weighted_mean(inside, weights)
        return float(np.ldexp(mean, exponent))  # at most 1: it fits
    return float(np.mean(inside))


def interval_score(y_true, y_lower, y_upper, alpha, sample_weight=None):
    """Mean interval score (Gneiting & Raftery, 2007) of central ``(1 - alpha)`` prediction
    intervals: the width, plus ``2 / alpha`` times how far a value falls outside.

    For a value ``y`` and its interval ``[l, u]``, the score is

        ``(u - l) + (2 / alpha) * (l - y) * 1{y < l} + (2 / alpha) * (y - u) * 1{y > u}``

    computed as ``(u - l) + (2 / alpha) * (max(l - y, 0) + max(y - u, 0))``. Lower is better; it
    rewards narrow intervals and penalizes misses in proportion to their distance, and it is a
    proper scoring rule for the ``alpha / 2`` and ``1 - alpha / 2`` quantiles: it equals
    ``(2 / alpha) * (rho_{alpha/2}(y - l) + rho_{1-alpha/2}(y - u))``, with ``rho`` the pinball
    loss of :func:`quantile_loss`. It is in the data's units: compare series of different scales
    by :func:`msis`.

    Parameters
    ----------
    y_true, y_lower, y_upper : array-like of the same shape
        The observed values and the bounds of their intervals; a bound may be ``(n,)`` where
        ``y_true`` is ``(n, 1)`` or the other way round.
    alpha : float in (0, 1)
        The intervals' nominal miss rate: 0.2 for 80% intervals (the 0.1 and 0.9 quantiles), 0.05
        for 95% (the 0.025 and 0.975 quantiles).
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values;
        finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        The mean of the scores over all values; with ``sample_weight``, the rows' weighted mean,
        ``sum_i w_i mean_j S_ij / sum_i w_i``.

    Raises
    ------
    ValueError
        On empty, non-finite or mismatched inputs, on ``alpha`` outside (0, 1), on bad weights,
        where ``y_lower`` exceeds ``y_upper``, or when the mean score exceeds float64's range.

    Examples
    --------
    >>> from skattn.metrics import interval_score
    >>> # widths 2, 2, 1; the second value misses by 0.5: 2 + (2 / 0.2) * 0.5 = 7
    >>> interval_score([1.0, 2.0, 3.0], [0.0, 2.5, 2.5], [2.0, 4.5, 3.5], alpha=0.2)
    3.3333333333333335
    >>> interval_score([1.0, 2.0, 3.0], [0.0, 2.5, 2.5], [2.0, 4.5, 3.5], alpha=0.2,
    ...                sample_weight=[1, 0, 1])
    1.5
    """
    alpha = _checked_alpha(alpha)
    y_true, lower, upper = _interval(y_true, y_lower, y_upper)
    weights = None
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_true.shape)
    return _unscaled(*_mean_interval_score(y_true, lower, upper, alpha, weights),
                     "the interval score", "divide y_true, y_lower and y_upper by a constant first")


def _series_msis(y_true, lower, upper, y_train, season_length, alpha, weights=None):
    # MSIS of one forecast's intervals (1-D) from its history, as _series_mase scales its MAE: the
    # plain quotient when both means are exact to rounding, else by powers of two
    later, earlier = _seasonal_pairs(y_train, season_length, "MSIS")
    score, score_exponent = _mean_interval_score(y_true, lower, upper, alpha, weights)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        scale = np.mean(np.abs(later - earlier))
        value = score / scale
    if (score_exponent == 0 and np.isfinite(value) and score >= _SMALLEST_NORMAL
            and _SMALLEST_NORMAL <= scale < np.inf):
        return value
    score, extra_exponent = np.frexp(score)  # below 1, as the scale's units: the quotient fits
    scale_units, scale_exponent = _scaled_abs_differences(later, earlier)
    return _unscaled(score / np.mean(scale_units),
                     score_exponent + int(extra_exponent) - scale_exponent, "the MSIS",
                     "the interval scores are that many times the history's scale")


def msis(y_true, y_lower, y_upper, y_train, season_length=1, alpha=0.05, sample_weight=None):
    """Mean scaled interval score, the M4 competition's measure of prediction intervals
    (Makridakis, Spiliotis & Assimakopoulos, 2020): each series' mean :func:`interval_score`
    divided by the in-sample MAE of its history's seasonal-naive forecast (MASE's scale, see
    :func:`seasonal_naive_scale`), averaged over the series.

    For a forecast of ``h`` values ``Y_{n+1..n+h}`` with central ``(1 - a)`` intervals
    ``[L_t, U_t]`` from a history ``Y_1..Y_n`` of period ``m``:

    ``MSIS = (1/h) sum_{t=n+1}^{n+h} [(U_t - L_t) + (2/a)(L_t - Y_t) 1{Y_t < L_t}
    + (2/a)(Y_t - U_t) 1{Y_t > U_t}] / ((1/(n-m)) sum_{t=m+1}^{n} |Y_t - Y_{t-m}|)``,

    and M4 scored 95% intervals, ``a = 0.05``, the default here.

    Parameters
    ----------
    y_true, y_lower, y_upper : array-like of shape (horizon,) or (n_series, horizon)
        The observed values and the bounds of their intervals: one forecast, or one per series
        (row). A bound may be ``(n,)`` where ``y_true`` is ``(n, 1)`` or the other way round;
        ``y_true``'s shape then says which it is, as in :func:`mase`.
    y_train : array-like of shape (n_train,), or a list of n_series such arrays
        The history each forecast was made from.
    season_length : int, default 1
        The period ``m`` of the seasonal-naive scale; 1 scales by the naive forecast.
    alpha : float in (0, 1), default 0.05
        The intervals' nominal miss rate: 0.05 for 95% intervals (M4's), 0.2 for 80%.
    sample_weight : array-like of shape (n_series,) or (horizon,), or float, default=None
        Weights of the interval scores (the numerator); the histories' scales are never
        weighted. As in :func:`mase`: with 2-D ``y_true``, one per series, the result being the
        series' weighted mean MSIS (a series of weight 0 is left out as if absent, its history
        not read); with 1-D ``y_true``, one per value, weighting its scores. None weights alike.

    Returns
    -------
    float
        MSIS, averaged over the series when there are several.

    Raises
    ------
    ValueError
        On bad input (as :func:`interval_score` for the intervals, and as
        :func:`seasonal_naive_scale` for each history, the message naming the series when there
        are several), on bad weights, or when the MSIS exceeds float64's range.

    Notes
    -----
    The scale is MASE's: a history with few seasonal differences (``n_train - season_length``)
    has a noisy one, as :func:`mase`'s Notes say; give each forecast its series' whole history.

    Examples
    --------
    >>> from skattn.metrics import msis
    >>> y_train = [1.0, 3.0, 2.0, 4.0, 3.0, 5.0]  # naive scale 1.6
    >>> # widths 2 and 2, the second value misses by 1: (2 + 2 + 40 * 1) / 2 / 1.6
    >>> msis([6.0, 5.0], [5.0, 6.0], [7.0, 8.0], y_train)
    13.75

    Several forecasts, one per row, each with its own history (scales 1.6 and 1.5):

    >>> round(msis([[6.0, 5.0], [2.0, 2.0]], [[5.0, 6.0], [1.0, 1.0]], [[7.0, 8.0], [3.0, 3.0]],
    ...            [y_train, [1.0, 2.0, 4.0]]), 4)
    7.5417
    """
    alpha = _checked_alpha(alpha)
    season_length = check_integer("season_length", season_length)  # once, as in mase
    y_true, lower, upper = _interval(y_true, y_lower, y_upper)
    if y_true.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D or 2-D, got shape {y_true.shape}")
    weights = None if sample_weight is None else _checked_weights(sample_weight, y_true)
    if y_true.ndim == 1:
        _refuse_histories_for_one_forecast(y_train, y_true.size, "msis")
        return float(_series_msis(y_true, lower, upper, y_train, season_length, alpha, weights))
    return _mean_over_series(
        lambda row, history: _series_msis(y_true[row], lower[row], upper[row], history,
                                          season_length, alpha),
        y_train, y_true.shape[0], weights, "the MSIS")


def _checked_quantiles(quantiles):
    # a masked level is NaN, no quantile, as the models' check_quantiles reads it: its value
    # beneath the mask was a level, and the message showed the fill value (review, session 23)
    given, quantiles = quantiles, masked_as_missing(quantiles)
    # the models' rule for entries that are not numbers: ["0.1", "0.5", "0.9"] was read as
    # numbers by NumPy, and accepted (user trial, session 22)
    refuse_non_numeric_quantiles(quantiles)
    message = (f"quantiles must be a non-empty 1-D list of numbers strictly between 0 and 1 "
               f"(one quantile q as [q]), got {shown_quantiles(quantiles)}{masked_note(given)}")
    try:
        levels = np.asarray(quantiles, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if levels.ndim == 0:
        # "[q]" only for a q that may be a quantile: 1.5 was told "[1.5]" (review, session 22)
        raise ValueError("quantiles must be a 1-D list of numbers strictly between 0 and 1 (one "
                         "quantile q as [q]), "
                         + one_number_quantiles_message(quantiles, float(levels)))
    if levels.ndim != 1 or levels.size == 0 or not np.all((levels > 0.0) & (levels < 1.0)):
        raise ValueError(message)  # NaN fails the comparisons too
    return levels


def quantile_loss(y_true, y_quantiles, quantiles, sample_weight=None):
    """Mean pinball (quantile) loss of quantile forecasts, over all values and quantiles.

    For a value ``y`` and its forecast ``f`` of the quantile ``q``, the loss is
    ``rho_q(y - f) = max(q (y - f), (q - 1)(y - f))``: under-forecasts cost ``q`` per unit,
    over-forecasts ``1 - q``, so it is least, in expectation, at the true ``q``-quantile. With
    one quantile it is ``sklearn.metrics.mean_pinball_loss(y_true, f, alpha=q)``; with the
    quantiles 0.5 alone, half the MAE. Twice the mean over many evenly spaced quantiles
    (the midpoints ``(k - 0.5) / K``, ``k = 1..K``) approximates the CRPS of the forecast
    distribution.

    Parameters
    ----------
    y_true : array-like of shape (n,) or (n, horizon)
        The observed values.
    y_quantiles : array-like of shape ``y_true.shape + (len(quantiles),)``
        The forecasts of each quantile along the last axis, as ``predict_quantiles`` (shape
        ``(n_samples, n_quantiles)`` or ``(n_samples, horizon, n_quantiles)``) and
        ``forecast_quantiles`` (``(steps, n_quantiles)``) return them. ``y_true`` of shape
        ``(n,)`` and ``y_quantiles`` of ``(n, 1, Q)``, or ``(n, 1)`` and ``(n, Q)``, are paired
        as well, as the other metrics pair ``(n,)`` and ``(n, 1)``.
    quantiles : array-like of shape (n_quantiles,)
        The quantile levels of the last axis, strictly between 0 and 1 (a fitted forecaster's
        ``quantiles_``).
    sample_weight : array-like of shape (n,), or float, default=None
        One weight per row of ``y_true`` (per value when it is 1-D), shared by the row's values
        and their quantiles; finite, not negative, not all 0. None weights every value alike.

    Returns
    -------
    float
        The mean of ``rho_q`` over all values and quantiles; with ``sample_weight``, the rows'
        weighted mean, ``sum_i w_i mean_{j,k} rho_{q_k}(y_ij - f_ijk) / sum_i w_i``.

    Raises
    ------
    ValueError
        On empty or non-finite inputs, on quantiles that are not a 1-D list in (0, 1), when the
        last axis of ``y_quantiles`` does not have one forecast per quantile or its other axes do
        not match ``y_true``, on bad weights, or when the loss exceeds float64's range.

    Examples
    --------
    >>> from skattn.metrics import quantile_loss
    >>> y_true = [10.0, 12.0]
    >>> y_quantiles = [[8.0, 10.0, 11.0],   # 0.1 * 2, 0, 0.1 * 1
    ...                [9.0, 11.0, 14.0]]   # 0.1 * 3, 0.5 * 1, 0.1 * 2
    >>> round(quantile_loss(y_true, y_quantiles, [0.1, 0.5, 0.9]), 4)
    0.2167
    >>> round(quantile_loss(y_true, y_quantiles, [0.1, 0.5, 0.9], sample_weight=[3, 1]), 4)
    0.1583
    """
    levels = _checked_quantiles(quantiles)
    given = y_true, y_quantiles
    y_true = _array_of_values(y_true, "y_true")
    y_quantiles = as_float64(y_quantiles, "y_quantiles")
    expected = f"y_true's shape plus a last axis of len(quantiles)={levels.size}"
    if y_quantiles.ndim == 0 or y_quantiles.shape[-1] != levels.size:
        raise ValueError(
            f"y_quantiles must have {expected}, one forecast per quantile; got y_true of shape "
            f"{y_true.shape} and y_quantiles of shape {y_quantiles.shape}"
        )
    if y_quantiles.shape[:-1] != y_true.shape:
        if not _one_value_per_row(y_true.shape, y_quantiles.shape[:-1]):
            raise ValueError(
                f"y_quantiles must have {expected} (or one of y_true and y_quantiles[..., k] "
                f"(n,) and the other (n, 1)); got y_true of shape {y_true.shape} and y_quantiles "
                f"of shape {y_quantiles.shape}"
            )
        y_quantiles = y_quantiles.reshape(y_true.shape + (levels.size,))
    if y_true.size == 0:
        raise ValueError("y_true and y_quantiles are empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_quantiles))):
        raise ValueError("y_true and y_quantiles must be finite (no NaN or infinity): "
                         + _where_not_finite(y_true=y_true, y_quantiles=y_quantiles)
                         + _masked_remedy(*given))
    weights = None
    if sample_weight is not None:
        weights = _weights_of_values(_checked_weights(sample_weight, y_true), y_quantiles.shape)
    targets = y_true[..., None]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        differences = targets - y_quantiles
        losses = np.maximum(levels * differences, (levels - 1.0) * differences)
    # exact to rounding unless a difference overflowed or a loss fell below the normal range
    # (q times a difference), keeping few digits or none
    if (np.all(np.isfinite(differences))
            and np.all((differences == 0.0) | (losses >= _SMALLEST_NORMAL))):
        mean, exponent = _plain_mean(losses, weights)
    else:
        (targets, y_quantiles), offset = _halved_if_overflowing(targets, y_quantiles)
        differences = targets - y_quantiles
        # |q - 1| is 1 - q exactly, both rounded from the same value
        coefficients = np.where(differences >= 0.0, levels, 1.0 - levels)
        coefficient_mantissas, coefficient_exponents = np.frexp(coefficients)
        difference_mantissas, difference_exponents = np.frexp(np.abs(differences))
        mantissas, exponents = np.frexp(coefficient_mantissas * difference_mantissas)
        mean, exponent = _mean_of_parts(
            mantissas, exponents.astype(np.int64) + coefficient_exponents + difference_exponents
            + offset, weights)
    return _unscaled(mean, exponent, "the quantile loss",
                     "divide y_true and y_quantiles by a constant first")


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
    if y_true is None:  # scikit-learn's "Input should have at least 1 dimension" TypeError
        raise ValueError("y_true is None: a scorer scores predictions against the targets; "
                         "call it as scorer(estimator, X, y)")
    y_pred = np.asarray(y_pred, dtype=np.float64)
    # the estimators' rule for missing targets, and its messages: every row needs a value
    y_true = check_targets_with_missing(y_true, y_pred.shape[0] if y_pred.ndim else 1,
                                        against="y_pred")
    if y_true.shape != y_pred.shape and not _one_value_per_row(y_true.shape, y_pred.shape):
        raise ValueError(_shape_mismatch_message(y_true.shape, y_pred.shape))
    if not np.all(np.isfinite(y_pred)):
        raise ValueError("y_pred must be finite (no NaN or infinity); NaN is allowed only in "
                         "y_true, for values that were not observed")
    n_samples = y_true.shape[0]
    return (y_true.reshape(n_samples, -1).astype(np.float64, copy=False),
            y_pred.reshape(n_samples, -1))


def _mean_over_steps(step_metric, y_true, weights=None, *, root_mean_square=False):
    """The mean over the horizon steps of ``step_metric(observed, step)``, the metric of one step
    on its observed rows (a boolean mask); steps observed nowhere are left out.

    With ``weights`` (checked, one per row) a row of weight 0 counts as not observed, as it would
    be absent from the rows repeated by their weights; ``step_metric`` weights the others.

    With ``root_mean_square`` the root of the mean of the squared step values: RMSE, whose square
    averages over the steps like the other metrics do.
    """
    observed_values = ~np.isnan(y_true)
    if weights is not None:
        # a step observed only in rows of weight 0 has no weighted mean (0/0): it is left out
        observed_values &= (weights > 0)[:, None]
    step_values = np.array([
        step_metric(observed, step)
        for step, observed in enumerate(observed_values.T)
        if observed.any()
    ])  # every row has an observed value (_observed_targets), so some step has one; and some row
    # of weight > 0 (the weights are not all 0), so some step has one of those
    # scaled by a power of two, which is exact: the sum (or the squares) of values near float64's
    # largest would overflow
    units, exponent = _power_of_two_scaled(step_values)
    if root_mean_square:
        return _unscaled(np.sqrt(np.mean(units ** 2)), exponent, "the RMSE")
    return _unscaled(np.mean(units), exponent, "the mean over the horizon steps")


def _rows_of_positive_weight(y_true, y_pred, sample_weight, *others):
    """``y_true``, ``y_pred`` (and each of ``others``) without the rows of weight 0, and the
    weights left; the weights checked against ``y_true``'s rows."""
    y_true = np.asarray(y_true, dtype=np.float64)
    weights = _checked_weights(sample_weight, y_true)
    keep = weights > 0
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred.ndim == 0 or y_pred.shape[0] != keep.size:
        return (y_true, y_pred, weights, *others)  # a mismatch: the checks after name it
    return (y_true[keep], y_pred[keep], weights[keep],
            *(np.asarray(other)[keep] for other in others))


def _targets_with_missing_as_nan(y_true):
    """``y_true`` as float64 with pandas.NA, None and masked entries as NaN (missing targets,
    as score reads them), dates and text refused by name (:func:`skattn.windows.as_float64`);
    None itself as given, for its own message. np.asarray raised a TypeError about 'NAType'
    on a nullable Float64 frame, and a search scored every candidate NaN (missing-values
    trial, session 32)."""
    return y_true if y_true is None else as_float64(y_true, "y_true")


def _metric_of_observed(metric, y_true, y_pred, sample_weight=None, *, root_mean_square=False):
    """``metric(y_true, y_pred, sample_weight=sample_weight)``, leaving out NaN in ``y_true`` by
    the estimators' rule (a masked entry is NaN); each value left in keeps its row's weight."""
    refuse_sparse(y_true, "y_true")
    refuse_sparse(y_pred, "y_pred")
    y_true = _targets_with_missing_as_nan(y_true)
    y_pred = masked_as_missing(y_pred)
    if not np.isnan(np.asarray(y_true, dtype=np.float64)).any():
        # complete targets: exactly the metric
        if sample_weight is None:
            return metric(y_true, y_pred)
        return metric(y_true, y_pred, sample_weight=sample_weight)
    if sample_weight is not None:
        # rows of weight 0 count as absent, before the rule that every row needs an observed
        # value: a row of weight 0 with no observed value raised (review, session 18)
        y_true, y_pred, sample_weight = _rows_of_positive_weight(y_true, y_pred, sample_weight)
    y_true, y_pred = _observed_targets(y_true, y_pred)
    if sample_weight is None:
        return _mean_over_steps(
            lambda observed, step: metric(y_true[observed, step], y_pred[observed, step]),
            y_true, root_mean_square=root_mean_square)
    weights = _checked_weights(sample_weight, y_true)
    return _mean_over_steps(
        lambda observed, step: metric(y_true[observed, step], y_pred[observed, step],
                                      sample_weight=weights[observed]),
        y_true, weights, root_mean_square=root_mean_square)


# The scorers' functions, at module level so that a fitted search (its scorer_) pickles. Each is
# its metric leaving out values that were not observed (NaN in y_true) by the estimators' rule
# (_metric_of_observed): without NaN exactly the metric, and a ValueError for a row of y_true
# with no observed value or for NaN in y_pred. They take sample_weight, which make_scorer's
# scorers pass on (and route, with set_score_request).
def _mae_of_observed(y_true, y_pred, sample_weight=None):
    """:func:`mae` of the observed values: each horizon step's on its observed rows (weighted by
    the rows' ``sample_weight``), averaged."""
    return _metric_of_observed(mae, y_true, y_pred, sample_weight)


def _rmse_of_observed(y_true, y_pred, sample_weight=None):
    """:func:`rmse` of the observed values: the root of the mean over the horizon steps of each
    step's (weighted) mean squared error on its observed rows."""
    return _metric_of_observed(rmse, y_true, y_pred, sample_weight, root_mean_square=True)


def _smape_of_observed(y_true, y_pred, sample_weight=None):
    """:func:`smape` of the observed values: each horizon step's on its observed rows (weighted by
    the rows' ``sample_weight``), averaged. Its MetricWarning once per call, not once per step;
    called by ``neg_smape_scorer`` (:data:`_SCORER_TOKEN` set), once per scorer and process."""
    y_true = _targets_with_missing_as_nan(y_true)
    y_pred = masked_as_missing(y_pred)
    value = _metric_of_observed(_smape, y_true, y_pred, sample_weight)
    _warn_if_smape_misleads(y_true, y_pred, sample_weight, _SCORER_TOKEN.get())
    return value


# (token of a scorer, what it warned of) for each warning the package's scorers gave in this
# process; the lock keeps a search's threads (joblib's threading backend) from both warning
_WARNED_BY_SCORERS = set()
_WARNED_BY_SCORERS_LOCK = threading.RLock()

#: The token of the scorer whose metric is being computed (set by ``_WindowsScorer._score``), by
#: which the metric's warning is said once per scorer; None outside a scorer's call. A context
#: variable, not a keyword of the metric: scikit-learn takes a metric's keywords for metadata
#: that a search may route, and listed ``scorer_token`` among the scorer's requests.
_SCORER_TOKEN = contextvars.ContextVar("skattn_scorer_token", default=None)


def _warn_once(token, about, message):
    """Warn ``message`` (a MetricWarning, at the line that called the scorer) unless the scorer
    named ``token`` (or a copy of it) has shown its warning of ``about`` in this process.

    A scorer warns of each thing once, not at each call: a search calls its scorer once per fold
    and candidate, and scikit-learn resets the warning filters for each call, so Python's default
    filter (once per line) showed the MASE scorer's warning at every one, 12 times for 3
    candidates over 4 origins (session 23), and ``neg_smape_scorer``'s at every one that held a
    0, 9 times for 3 candidates over 4 origins of a panel with holidays (its message counts the
    fold's values, so each was new to the filter anyway). A parallel search
    scores in worker processes, each task with its own copy of the scorer; the copies share its
    token (:class:`_WarnsOnce`), so each worker warns once.

    The once follows the warning filters (:func:`_shown`): only a warning that the filters
    showed ("always", "default", "module", "once") uses it up; one they ignore, or "error"
    raised, does not. A first
    call under ``simplefilter("ignore")`` had used it up, and the evaluation under
    ``simplefilter("always")`` after it showed nothing (review, session 24). An "always" filter
    shows the warning at every call, also after it was said (``pytest.warns`` is one); "error"
    raises it at every call until it was said.
    """
    key = (token, *about)
    stacklevel = stacklevel_of_caller(__name__)
    frame = _frame_warned_at(stacklevel)
    if frame is None:  # no frame there: warnings puts it at module "sys"; said at each call
        warnings.warn(message, MetricWarning, stacklevel=stacklevel)
        return
    # held while warning: a search's threads (joblib's threading backend) warn one at a time, so
    # that one of them shows the warning; reentrant, for a showwarning that scores again
    with _WARNED_BY_SCORERS_LOCK:
        if key in _WARNED_BY_SCORERS:
            # said already; an "always" filter still shows it (and only that: a test that turns
            # warnings into errors after the warning was said passes)
            if _filter_action(message, MetricWarning, frame) == "always":
                warnings.warn(message, MetricWarning, stacklevel=stacklevel)
            return
        warnings.warn(message, MetricWarning, stacklevel=stacklevel)
        if _shown(message, MetricWarning, frame):
            _WARNED_BY_SCORERS.add(key)


def _frame_warned_at(stacklevel):
    """The frame ``warnings.warn(..., stacklevel=stacklevel)`` called from the caller of this
    function attributes the warning to (skipping importlib's bootstrap frames as it does when
    the caller's frame is not one of them), or None when the stack is not that deep."""
    def internal(frame):
        filename = frame.f_code.co_filename
        return "importlib" in filename and "_bootstrap" in filename

    frame = sys._getframe(1)  # the frame that calls warnings.warn: stacklevel 1
    skip_internal = stacklevel > 1 and not internal(frame)
    for _ in range(stacklevel - 1):
        frame = frame.f_back
        while skip_internal and frame is not None and internal(frame):
            frame = frame.f_back
        if frame is None:
            return None
    return frame


def _filter_action(text, category, frame):
    """The action the warning filters give a warning of ``category`` and message ``text`` put at
    ``frame`` (:func:`skattn._worker_warnings.filter_action`)."""
    return filter_action(warnings.filters, text, category,
                         frame.f_globals.get("__name__", "<string>"), frame.f_lineno)


def _shown(text, category, frame):
    """Whether the filters show a warning of ``category`` and message ``text`` put at ``frame``:
    under "always", "default", "module" or "once" (the last three may have held back a warning
    their registry holds: one shown already from the same line, which the user has seen);
    "ignore" shows nothing, and "error" raised before this is asked."""
    return _filter_action(text, category, frame) in ("always", "default", "module", "once")


class _WarnsOnce:
    """What the scorers that warn share: a token naming the scorer and its copies, by which
    :func:`_warn_once` says each of their warnings once per scorer and process."""

    def _warning_token(self):
        """The token naming this scorer and its copies (pickled to a search's workers,
        deep-copied), given when the scorer is built; a scorer pickled by an earlier version,
        without one, gets one now."""
        return self.__dict__.setdefault("_token", uuid.uuid4().hex)

    def __getstate__(self):
        # a token before the copies are made, so that they share it: a scorer of an earlier
        # version, pickled to a search's workers before it first scored, would give each task's
        # copy a token of its own, and each would warn. The state is the __dict__ (Python 3.10
        # has no object.__getstate__ to defer to)
        self._warning_token()
        return self.__dict__


#: Scorers of minus the metric. NaN in the targets (a value past a series' end, from
#: ``make_windows(..., min_target=...)``) is left out, as the estimators' ``score`` leaves it out:
#: each horizon step is scored on the rows where it was observed, and the steps are averaged
#: (RMSE: the root of the mean of the steps' mean squared errors); a row of targets with no
#: observed value is a ValueError. Without NaN the value is exactly minus the metric function's.
#: ``scorer(estimator, X, y, sample_weight=w)`` weights the rows (windows) as the metric functions
#: do, each value left in keeping its row's weight; with metadata routing enabled, a search passes
#: the weights on after ``scorer.set_score_request(sample_weight=True)`` — on a copy
#: (``copy.deepcopy(neg_mae_scorer)``): these are shared objects, and a request set on them holds
#: for the whole process, as scikit-learn's ``get_scorer`` avoids by returning copies.
#: ``neg_smape_scorer`` raises :func:`smape`'s MetricWarning where the values left in hold a 0
#: or a forecast of the other sign, once per scorer (and its copies) and process, not at each
#: fold and candidate of a search (the message counts the values of the first call that held
#: one): rank such data by ``neg_mae_scorer`` or :func:`make_mase_scorer`. Being module-level,
#: ``neg_smape_scorer`` warns once per process: a search with ``scoring=make_smape_scorer()``
#: (:func:`make_smape_scorer`, a new scorer) warns once per search. A warning the filters
#: ignore uses up nothing, and a ``simplefilter("always")`` shows it at every call.
class _WindowsScorer(_WarnsOnce, _Scorer):
    """scikit-learn's scorer of a metric (what ``make_scorer(metric, greater_is_better=False)``
    makes), refusing windows ``X`` with masked entries (:func:`skattn._validation.
    unmasked_windows`) before the estimator predicts them: a scikit-learn model dropped the
    mask and predicted from the fill values beneath it, scored as if they were data
    (``neg_mae_scorer(Ridge, X_masked, y)`` -8.18; review, session 23). A masked array that
    masks nothing is its data. ``_score`` is what scikit-learn's multi-metric scoring calls.

    The metric's warning (sMAPE's) is said once per scorer and process: the scorer's token is
    :data:`_SCORER_TOKEN` while the metric runs (:func:`_warn_once`)."""

    def __init__(self, score_func, sign, kwargs, response_method="predict", *, name=None):
        super().__init__(score_func, sign, kwargs, response_method)
        self._warning_token()
        # how a user reaches it: scikit-learn's repr named the private function it wraps
        # (make_scorer(_mae_of_observed, ...)), also in the routing error that asks for
        # set_score_request on it (user trial, session 26); as make_mase_scorer(...)'s does
        self._name = name

    def __repr__(self):
        # a scorer pickled before session 26 has no _name (review)
        name = self.__dict__.get("_name")
        return super().__repr__() if name is None else name

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        X = unmasked_windows(X, type(estimator).__name__)
        scoring = _SCORER_TOKEN.set(self._warning_token())
        try:
            return super()._score(method_caller, estimator, X, y_true, **kwargs)
        finally:
            _SCORER_TOKEN.reset(scoring)


neg_mae_scorer = _WindowsScorer(_mae_of_observed, -1, {}, "predict", name="neg_mae_scorer")
neg_rmse_scorer = _WindowsScorer(_rmse_of_observed, -1, {}, "predict", name="neg_rmse_scorer")
neg_smape_scorer = _WindowsScorer(_smape_of_observed, -1, {}, "predict",
                                  name="neg_smape_scorer")


def make_smape_scorer():
    """A new scorer for ``scoring=`` that returns minus the sMAPE, as ``neg_smape_scorer`` does.

    Returns
    -------
    scorer : callable
        A callable ``scorer(estimator, X, y, sample_weight=None)`` giving ``-smape`` (greater is
        better), scoring as ``neg_smape_scorer`` scores (NaN in ``y`` left out step by step),
        that has warned of nothing yet.

    Warns
    -----
    MetricWarning
        When the values it scores hold a 0, a 0 forecast as 0 or a forecast of the other sign,
        where sMAPE counts 200 however close the forecast (:func:`smape`): once per scorer (and
        its copies, pickled to a search's workers) and process, of the first call whose values
        hold one, not at each fold and candidate of a search. A warning the filters ignore does
        not count, ``warnings.simplefilter("always")`` shows it at every call, and "error"
        raises it at every call until it was shown.

    See Also
    --------
    smape : The metric, which warns at every call.
    make_mase_scorer : A scorer that such values do not mislead (it refuses a window that
        repeats every season, a run of zeros: on intermittent data, ``neg_mae_scorer``).

    Notes
    -----
    The module-level ``neg_smape_scorer`` is one scorer for the whole process, so it warns once
    per process: of the first data set with zeros a notebook scores, never of the next one. A
    search given ``scoring=make_smape_scorer()`` warns once per search.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skattn import make_windows
    >>> from skattn.metrics import make_smape_scorer, smape
    >>> X, y = make_windows(np.arange(1.0, 41.0), window=8, horizon=1)
    >>> model = Ridge().fit(X, y)
    >>> scorer = make_smape_scorer()
    >>> bool(scorer(model, X, y) == -smape(y, model.predict(X)))
    True
    """
    return _WindowsScorer(_smape_of_observed, -1, {}, "predict", name="make_smape_scorer()")


class _ScorerTakingWeights(_MetadataRequester):
    """What the package's scorer classes share: ``sample_weight`` requested as scikit-learn's
    own scorers request it (:meth:`set_score_request`, with metadata routing enabled), and
    taken without routing (``_accept_sample_weight``)."""

    def set_score_request(self, *, sample_weight=UNCHANGED):
        """Request ``sample_weight`` from a search (``GridSearchCV``, ``cross_validate``, ...)
        when scikit-learn's metadata routing is enabled, as its own scorers' method does.

        Parameters
        ----------
        sample_weight : bool, None or str, default=UNCHANGED
            True: pass the search's ``sample_weight`` on; False: do not; None: raise if one is
            given (scikit-learn's default); a str: pass on the metadata of that name.

        Returns
        -------
        self : object
            This scorer, changed.

        Raises
        ------
        RuntimeError
            When metadata routing is not enabled
            (``sklearn.set_config(enable_metadata_routing=True)``).
        """
        if not _routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. You can enable "
                "it using sklearn.set_config(enable_metadata_routing=True)."
            )
        if sample_weight is not UNCHANGED:
            # kept on the instance, as scikit-learn's scorers keep theirs: get_metadata_routing
            # (from _MetadataRequester) reads it, and it pickles with the scorer
            self._metadata_request = MetadataRequest(owner=self)
            self._metadata_request.score.add_request(param="sample_weight", alias=sample_weight)
        return self

    def _get_metadata_request(self):
        # what get_metadata_routing (from _MetadataRequester) reports. Until set_score_request,
        # sample_weight is unset, as for scikit-learn's scorers: a search given weights raises,
        # naming this scorer, instead of scoring unweighted (_MetadataRequester reads only methods
        # named score, and found nothing to request: "not routed to any object")
        if hasattr(self, "_metadata_request"):
            return get_routing_for_object(self._metadata_request)
        requests = MetadataRequest(owner=self)
        requests.score.add_request(param="sample_weight", alias=None)
        return requests

    def _accept_sample_weight(self):
        # scikit-learn's multi-metric scoring without routing asks every scorer this before it
        # passes sample_weight on (permutation_importance(..., sample_weight=...))
        return True


# The fewest seasonal differences (window - season_length) from which the MASE scorer takes a
# window's scale without a MetricWarning. The scale is the mean of k absolute differences, whose
# reciprocal has an infinite mean for k = 1 and an infinite variance for k = 2: a window whose
# few differences happen to be small decides its fold. Simulated folds of 30 windows (Gaussian
# differences, 13-step forecasts) scored, at the median and in 1 fold of 10, 3.2 and 9.6 times
# their MASE with exact scales for k = 1; 1.5 and 2.0 for 2; 1.26 and 1.5 for 3; 1.18 and 1.35
# for 4; 1.08 and 1.16 for 8; 1.05 and 1.11 for 12; 1.02 and 1.06 for 26. Of two candidates, one
# with 10% larger errors, the worse ranked first in 20.6% of the folds for k = 1, 10.3% for 2,
# 6.8% for 3, 5.5% for 4, 4.4% for 8, 4.1% for 12, against 3.8% with exact scales. On weekly-like
# series (season 52, a Ridge, OriginSplit of 4 origins, 25 panels of 30 series) the fold's MASE
# over its median window's MASE was, in 1 fold of 10, 6.0 for k = 1, 1.93 for 2, 1.28 for 4, 1.16
# for 8, 1.10 for 12 and 1.07 for 26. With 1 or 2 differences the folds are far off (the scale's
# reciprocal has no mean, or no variance); with 3 a fold in 10 is 1.5 times off and the worse
# candidate wins 1.8 times as often as with exact scales; from 4 on the excess shrinks slowly
# (1.35 times, 1.45 times as often at 4), so the warning stops at 4, and the docstring
# recommends 12 (session 23).
_MIN_SEASONAL_DIFFERENCES = 4

# For k below _MIN_SEASONAL_DIFFERENCES: how many times their MASE with exact scales the
# simulated folds above scored, at the median and in 1 fold of 10
_FEW_DIFFERENCES_INFLATION = {1: (3.2, 9.6), 2: (1.5, 2.0), 3: (1.26, 1.5)}


def _warn_if_few_seasonal_differences(window, season_length, token):
    """The MASE scorer's MetricWarning when its windows of ``window`` values hold fewer than
    ``_MIN_SEASONAL_DIFFERENCES`` seasonal differences of period ``season_length`` (and at least
    one: :func:`mase` refuses windows without any), at the line that called the scorer; once per
    scorer (``token``), window length and process (:func:`_warn_once`).
    """
    # windows of 53 weeks scored with make_mase_scorer(52) were scaled by one difference each:
    # one window's scale was 0.23 (the median 115.9), its MASE 370.6, and the fold scored -13.64
    # where the median window's MASE was 0.6, without a word (user trial, session 23)
    n_differences = window - season_length
    if not 1 <= n_differences < _MIN_SEASONAL_DIFFERENCES:
        return
    median, tenth = _FEW_DIFFERENCES_INFLATION[n_differences]
    differences, happen = (("difference", "happens") if n_differences == 1
                           else ("differences", "happen"))
    shorter = ("" if season_length == 1 else f"scale by a shorter season "
               f"(make_mase_scorer(1): {window - 1} differences a window), ")
    _warn_once(token, (window, season_length), (
        f"windows of {window} values with season_length={season_length} hold {n_differences} "
        f"seasonal {differences} each (window - season_length), and the MASE scorer scales "
        f"each window's forecast by the mean of its differences: a window whose "
        f"{differences} {happen} to be small gets a tiny scale and a huge MASE, which can "
        f"decide the fold's score and the ranking (simulated folds of 30 such windows scored "
        f"{median:g} times their MASE with exact scales at the median, {tenth:g} times in 1 "
        f"fold of 10). Make longer windows (make_windows(..., window={season_length + 12}) or "
        f"more: 12 differences keep a fold within about 10%; "
        f"{season_length + _MIN_SEASONAL_DIFFERENCES} at least), {shorter}or rank by "
        f"neg_mae_scorer"))


class MASEScorer(_WarnsOnce, _ScorerTakingWeights):
    """Scorer ``(estimator, X, y) -> -MASE`` that scales each window's forecast by its own history.

    Each row of ``X`` is the history its forecast is scaled by (its in-sample seasonal-naive
    error), so no separate training series is needed. Use ``scoring=make_mase_scorer(12)`` in
    GridSearchCV. Windows left-padded by ``make_windows(..., min_history=...)`` get a wrong scale,
    and windows only a little longer than the season a noisy one (see :func:`make_mase_scorer`).

    **The scale comes from X, so tools that alter X alter it.**
    ``sklearn.inspection.permutation_importance`` shuffles one column of ``X`` across its rows,
    windows of other series and times: every window's scale changes with it, not only its
    forecast, and the importances measure the scale's change (a ``DummyRegressor``, which reads
    nothing of ``X``, got -8.4 to -8.8 for every column of a panel instead of 0; user trial,
    session 22). Score such tools with ``neg_mae_scorer`` (or another scorer whose scale does
    not come from ``X``); this scorer cannot tell a shuffled window from a real one.

    NaN in ``y`` (a value past a series' end, from ``make_windows(..., min_target=...)``) is left
    out by the rule of the estimators' own ``score``: each horizon step is scored on the rows
    where it was observed (the mean of their MASEs) and the steps are averaged. Without NaN the
    value is exactly minus :func:`mase` of the windows' forecasts.

    ``sample_weight`` weights the windows, as :func:`mase` weights series: the weighted mean of
    their MASEs, a window of weight 0 left out (its history may then be flat). With scikit-learn's
    metadata routing enabled a search passes the weights on as it does to its own scorers, after
    :meth:`set_score_request`.

    Parameters
    ----------
    season_length : int, default 1
        The period ``m`` of the seasonal-naive scale; 1 gives the naive forecast. Each window needs
        more than ``season_length`` values, and ``season_length + 12`` or more for a steady scale
        (a MetricWarning below ``season_length + 4``; see :func:`make_mase_scorer`).

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
        # checked when built: a bad season was refused only when scoring, blamed on the data
        # ("series 0 (row 0 of y_true): season_length must be ..."), and a search scored every
        # candidate NaN (fuzzing, session 23)
        self.season_length = check_integer("season_length", season_length)
        # names this scorer and its copies among those that warned of their windows
        # (_warn_once)
        self._warning_token()

    def __call__(self, estimator, X, y, sample_weight=None):
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
        sample_weight : array-like of shape (n_windows,), default=None
            Weights of the windows' forecast errors (their scales are not weighted): finite, not
            negative, not all 0. Each value of ``y`` left in keeps its window's weight.

        Returns
        -------
        float
            ``-MASE`` (greater is better).

        Raises
        ------
        ValueError
            When ``X`` is not 2-D or 3-D, on bad input to :func:`mase`, on bad weights, or when a
            row of ``y`` has no observed value (so when none is observed at all).

        Warns
        -----
        MetricWarning
            When the windows hold 1 to 3 seasonal differences (``window - season_length``),
            too few for a steady scale (see :func:`make_mase_scorer`); once per scorer (and its
            copies), window length and process, not at each of a search's calls.
        """
        # a masked entry of the windows refused, located: the estimator predicted from the
        # values beneath the mask, where the scale read NaN, and the error blamed y_train
        # (review, session 23); a masked entry of y is NaN, missing (left out)
        X = unmasked_windows(X, type(estimator).__name__)
        windows = np.asarray(X, dtype=np.float64)
        if windows.ndim not in (2, 3):
            raise ValueError(
                "X must be 2-D (n_windows, window) or 3-D (n_windows, window, n_channels), "
                f"got shape {windows.shape}"
            )
        history = windows if windows.ndim == 2 else windows[:, :, 0]  # the target channel
        # X as given: an estimator fitted on a DataFrame warns when it is given an array
        y_pred = np.asarray(estimator.predict(X), dtype=np.float64)
        # text refused by name, as by the metrics (it was converted here; review, session 30)
        y = _array_of_values(y, "y")
        # one value per window, (n,) or (n, 1) on either side, is a column: a forecast of one
        # step per window, each scaled by its own window. Any other pair of shapes is left to
        # mase, which names them (reshaping y_pred whenever y was 1-D also took an (n/2, 2)
        # y_pred, without an error)
        one_column = _one_value_per_row(y.shape, y_pred.shape)
        if one_column or (y.ndim == 1 and y.shape == y_pred.shape):
            y, y_pred = y.reshape(-1, 1), y_pred.reshape(-1, 1)
        value = self._mase(history, y, y_pred, sample_weight)
        # after the score: a window too short for any seasonal difference is mase's ValueError
        _warn_if_few_seasonal_differences(history.shape[1], self.season_length,
                                          self._warning_token())
        return -value

    def _mase(self, history, y, y_pred, sample_weight):
        """The MASE of the forecasts ``y_pred`` of ``y``, each scaled by its row of
        ``history``; NaN in ``y`` left out by the estimators' rule."""
        if not np.isnan(y).any():
            if sample_weight is None:
                return mase(y, y_pred, list(history), self.season_length)
            return mase(y, y_pred, list(history), self.season_length, sample_weight)
        if sample_weight is not None:  # rows of weight 0 count as absent, as in the metrics
            y, y_pred, sample_weight, history = _rows_of_positive_weight(
                y, y_pred, sample_weight, history)
        y, y_pred = _observed_targets(y, y_pred)
        weights = None if sample_weight is None else _checked_weights(sample_weight, y)
        return _mean_over_steps(
            lambda observed, step: mase(
                y[observed, step:step + 1], y_pred[observed, step:step + 1],
                list(history[observed]), self.season_length,
                None if weights is None else weights[observed]),
            y, weights)

    def __repr__(self):
        return f"make_mase_scorer(season_length={self.season_length})"


def make_mase_scorer(season_length=1):
    """A scorer for ``scoring=`` that returns minus the MASE of the windows' forecasts.

    Parameters
    ----------
    season_length : int, default=1
        The period ``m`` of the seasonal-naive scale, computed on each window (row of ``X``, its
        channel 0 when 3-D), which therefore needs more than ``season_length`` values, and
        ``season_length + 12`` or more for a steady scale (see the Notes).

    Returns
    -------
    MASEScorer
        A callable ``scorer(estimator, X, y)`` giving ``-MASE`` (greater is better). NaN in ``y``
        (a value that was not observed) is left out: each horizon step is scored on the rows
        where it was observed and the steps are averaged, as the estimators' ``score`` does.

    Raises
    ------
    ValueError
        When ``season_length`` is not an integer >= 1 (a bool, a float, text and None are not
        ones): here, not when the scorer first scores.

    Warns
    -----
    MetricWarning
        When it scores windows of 1 to 3 seasonal differences (``window - season_length``; see
        the Notes), once per scorer, window length and process.

    Notes
    -----
    **The scale is the window's.** Each forecast is scaled by the seasonal-naive error of its
    window's ``window`` values, not of the whole series before the origin as
    :func:`~skattn.model_selection.backtest` scales it, so the two MASEs differ somewhat. A tool
    that changes ``X`` before scoring changes the scale with it:
    :func:`~sklearn.inspection.permutation_importance` with this scorer gives time steps a
    model never reads importances of their own (NaiveForecaster, which reads the last step
    only, on the airline series' windows of 24 with ``make_mase_scorer(1)``: -0.14 to -0.24 for
    the first four steps, 0 with ``neg_mae_scorer``; review, session 33). For
    importances, score with ``neg_mae_scorer``.

    **A window holds window - m seasonal differences, and its scale is their mean.** With few of
    them the scale is noisy, and since a fold's score is the mean of the windows' MASEs, the
    window whose few differences happen to be small decides it: on weekly data, windows of 53
    values with ``make_mase_scorer(52)`` (one difference each) gave one window a scale of 0.23
    where the median was 115.9, its MASE 370.6, and the fold -13.64 while its median window
    scored 0.6 (user trial, session 23). Simulated folds of 30 windows scored, at the median
    and in 1 fold of 10, this many times their MASE with exact scales:

    ============================  ====  ====  ====  ====  ====  ====  ====
    seasonal differences           1     2     3     4     8     12    26
    ============================  ====  ====  ====  ====  ====  ====  ====
    median fold                   3.2   1.5   1.26  1.18  1.08  1.05  1.02
    1 fold in 10                  9.6   2.0   1.5   1.35  1.16  1.11  1.06
    worse candidate ranked first  21%   10%   6.8%  5.5%  4.4%  4.1%  4.0%
    ============================  ====  ====  ====  ====  ====  ====  ====

    (the last row: of two candidates, one with 10% larger errors; 3.8% with exact scales). With
    fewer than 4 differences the scorer raises a :class:`~skattn.exceptions.MetricWarning`
    naming the window, the season and the count, once per scorer, window length and process
    (not at each of a search's calls); with 4 to 11 the score is still noticeably noisier than
    the table's last columns. Make windows of ``m + 12`` values or more (``make_windows(...,
    window=64)`` for weekly data with ``m = 52``), scale by a shorter season
    (``make_mase_scorer(1)``: ``window - 1`` differences a window), or rank by
    ``neg_mae_scorer``; :func:`~skattn.model_selection.backtest` scales each forecast by its
    series' whole history.

    **Left-padded windows get a wrong scale.** A window cut from a history shorter than
    ``window`` is left-padded with copies of its series' first value: by ``make_windows(...,
    min_history=m)`` (the way :class:`~skattn.model_selection.OriginSplit` keeps short series in
    every split), and by plain ``make_windows`` too, which gives every series of fewer than
    ``window + horizon`` values one padded window (a panel with a tenth of its series that
    short scored 0.87 where its other windows scored 0.77; user trial, session 18). The scorer sees only the windows, which
    carry no mark of their padding, and a real series may itself start with repeated values, so
    it cannot leave the copies out: their differences (0 between copies) enter the scale. The
    scale of a short history is then usually too small and its MASE too large; with
    ``season_length`` real values or fewer (no seasonal difference of its own) its MASE can be
    many times too large and dominate the fold's score. Instead:

    - with padded windows, rank by a scorer that reads no history, ``neg_smape_scorer`` or
      ``neg_mae_scorer``;
    - to search by MASE, make the windows without ``min_history`` and from series of at least
      ``window + horizon`` values (short series then drop out), or use
      :func:`~skattn.model_selection.backtest`, which scales each forecast by its series' real
      history;
    - to score padded windows by MASE yourself, give :func:`mase` each window's real history:
      for row ``r`` of ``make_windows(series, ..., return_index=True)`` it is
      ``series[index[r, 0]][:index[r, 1]]``.

    **Tools that alter X alter the scale.** The scale is read from the rows of ``X`` that the
    model forecasts from, so ``sklearn.inspection.permutation_importance(model, X, y,
    scoring=make_mase_scorer(m))``, which shuffles a column of ``X`` across windows of other
    series, changes the scales along with the forecasts, and gives wrong importances without a
    word (a ``DummyRegressor``, whose forecasts ignore ``X``, got -8.4 to -8.8 for every column
    instead of 0; user trial, session 22). Use ``scoring=neg_mae_scorer`` there (or a scorer
    with a fixed scale, such as :func:`mase` with the series' own histories in a callable of
    yours).

    **Windows without a MASE.** A window that repeats exactly with period ``season_length`` (a
    run of zeros: intermittent demand, a discontinued product) has no seasonal-naive error to
    scale by, and a window of ``season_length`` values or fewer has no seasonal difference at all
    (windows of 52 weeks with ``season_length=52``); the scorer raises a ValueError naming the
    problem, and a search with the default ``error_score=nan`` scores every candidate NaN and
    keeps the first (scikit-learn says why only in a warning). Score such data with
    ``neg_mae_scorer``, use windows longer than the season, or leave those windows out of the
    search.

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


class QuantileLossScorer(_ScorerTakingWeights):
    """Scorer ``(estimator, X, y) -> -quantile_loss`` of a model's quantile forecasts for windows.

    scikit-learn's ``make_scorer(quantile_loss, response_method="predict_quantiles")`` is
    refused (its response methods are ``predict``, ``predict_proba``, ``decision_function``),
    so tuning intervals needed a callable of one's own (user trial, session 22). This scorer
    calls the fitted model's ``predict_quantiles`` (a Pipeline's last step's on ``X``
    transformed by the others, a fitted search's best estimator's) and reads the quantile
    levels from the fitted model's ``quantiles_``: the value is minus :func:`quantile_loss`
    (greater is better, as scikit-learn's ``neg_`` scorers). Make one with
    :func:`make_quantile_loss_scorer`, or use the shared ``neg_quantile_loss_scorer``.

    NaN in ``y`` (a value past a series' end, from ``make_windows(..., min_target=...)``) is left
    out by the rule of the estimators' own ``score``: each horizon step is scored on the rows
    where it was observed and the steps are averaged. Without NaN the value is exactly minus
    :func:`quantile_loss` of the forecasts.

    ``sample_weight`` weights the windows as :func:`quantile_loss` weights rows, each value and
    its quantiles keeping its window's weight; with scikit-learn's metadata routing enabled a
    search passes the weights on after :meth:`set_score_request`.
    """

    def __call__(self, estimator, X, y, sample_weight=None):
        """Minus the mean pinball loss of ``estimator``'s quantile forecasts for windows ``X``.

        Parameters
        ----------
        estimator : fitted regressor
            Forecasts quantiles: an :class:`~skattn.AttentionForecaster` fitted with
            ``loss="pinball"``, a baseline with ``quantiles=``, an ensemble of such members, a
            :class:`~skattn.model_selection.PredictForecaster`, or a Pipeline or fitted search
            ending in one.
        X : array-like of shape (n_windows, window) or (n_windows, window, n_channels)
            History windows; passed to the model as they are.
        y : array-like of shape (n_windows,) or (n_windows, horizon)
            The values that followed the windows; NaN marks a value that was not observed.
        sample_weight : array-like of shape (n_windows,), default=None
            Weights of the windows: finite, not negative, not all 0.

        Returns
        -------
        float
            ``-quantile_loss(y, y_quantiles, estimator.quantiles_)`` (greater is better).

        Raises
        ------
        ValueError
            When ``estimator`` forecasts no quantiles (its ``quantiles_`` is None, or it has no
            ``predict_quantiles``; for a :class:`~skattn.ForecastEnsemble` whose members forecast
            other quantiles, naming each member's), on bad input to :func:`quantile_loss`, on
            bad weights, or when a row of ``y`` has no observed value.
        """
        quantiles = fitted_quantiles(estimator)
        if quantiles is None:
            final = final_step(estimator)
            inner = final  # an ensemble inside wrappers too (DeseasonalizedForecaster,
            # PredictForecaster: their fitted forecaster_ / estimator_)
            while not hasattr(inner, "_no_common_quantiles"):
                wrapped = getattr(inner, "forecaster_", getattr(inner, "estimator_", None))
                if wrapped is None or wrapped is inner:
                    break
                inner = final_step(wrapped)
            if (hasattr(inner, "_no_common_quantiles")
                    and _some_member_forecasts_quantiles(inner)):
                # an ensemble whose members forecast other quantiles is no point model: it was
                # told "forecasts points ...: score it with neg_mae_scorer" (review, session 22)
                raise ValueError(inner._no_common_quantiles("the quantile loss scorer"))
            named = type(final).__name__ + (
                "" if final is estimator else
                f" (the final estimator of {type(estimator).__name__})")
            raise ValueError(
                f"the quantile loss scorer needs a model that forecasts quantiles (an "
                f"AttentionForecaster with loss='pinball' and quantiles=, a baseline with "
                f"quantiles=, an ensemble of such members, or a Pipeline or search ending in "
                f"one); {named} forecasts points (its quantiles_ is None): score it with "
                f"neg_mae_scorer")
        # a masked entry of the windows refused, as by the other scorers (a Pipeline's
        # scikit-learn steps read the values beneath the mask)
        X = unmasked_windows(X, type(estimator).__name__)
        y_quantiles = np.asarray(predicted_quantiles(estimator, X), dtype=np.float64)
        y = _array_of_values(y, "y")  # a masked entry: missing (NaN); text refused by name
        if not np.isnan(y).any():
            if sample_weight is None:
                return -quantile_loss(y, y_quantiles, quantiles)
            return -quantile_loss(y, y_quantiles, quantiles, sample_weight)
        paired = (y.ndim >= 1 and y_quantiles.ndim >= 2 and y_quantiles.shape[-1] == quantiles.size
                  and (y_quantiles.shape[:-1] == y.shape
                       or _one_value_per_row(y.shape, y_quantiles.shape[:-1])))
        if not paired:
            return -quantile_loss(y, y_quantiles, quantiles)  # names the shapes (before NaN)
        n_windows = y.shape[0]
        # one (n, horizon, Q) layout for both: y (n,) or (n, 1), forecasts (n, Q) or (n, 1, Q)
        y_quantiles = y_quantiles.reshape(n_windows, -1, quantiles.size)
        if sample_weight is not None:  # rows of weight 0 count as absent, as in the metrics
            y, y_quantiles, sample_weight = _rows_of_positive_weight(
                y, y_quantiles, sample_weight)
        y, _ = _observed_targets(y, y_quantiles[..., 0])
        weights = None if sample_weight is None else _checked_weights(sample_weight, y)
        return -_mean_over_steps(
            lambda observed, step: quantile_loss(
                y[observed, step], y_quantiles[observed, step, :], quantiles,
                None if weights is None else weights[observed]),
            y, weights)

    def __repr__(self):
        return "make_quantile_loss_scorer()"


def _some_member_forecasts_quantiles(ensemble):
    """Whether some member of a fitted :class:`~skattn.ForecastEnsemble` forecasts quantiles (its
    ``quantiles_`` None then says the members' quantiles differ, not that it forecasts points)."""
    members = getattr(ensemble, "estimators_", None)
    return members is not None and any(fitted_quantiles(member) is not None
                                       for member in members)


def make_quantile_loss_scorer():
    """A scorer for ``scoring=`` that returns minus the quantile loss of a model's quantile
    forecasts: tune prediction intervals in a search.

    Returns
    -------
    QuantileLossScorer
        A callable ``scorer(estimator, X, y, sample_weight=None)`` giving
        ``-quantile_loss(y, estimator.predict_quantiles(X), estimator.quantiles_)`` (greater is
        better); the model forecasts the quantiles and says which (its ``quantiles_``), so the
        scorer takes no levels. NaN in ``y`` (a value that was not observed) is left out: each
        horizon step is scored on the rows where it was observed and the steps are averaged,
        as the estimators' ``score`` does. A new object at each call, for
        :meth:`~QuantileLossScorer.set_score_request` (``neg_quantile_loss_scorer`` is shared).

    Notes
    -----
    The mean pinball loss is a proper scoring rule for the quantiles: a search by it favours
    forecasts of the right quantiles (calibrated and sharp intervals), where a search by a point
    metric ranks only the median. Every candidate must forecast quantiles; with the default
    ``error_score=nan``, one that forecasts points scores NaN and a warning says why. Candidates
    with different ``quantiles`` are scored on different levels and cannot be compared: keep
    ``quantiles`` out of the grid.

    Examples
    --------
    Tune a quantile model by its quantile loss at the last two origins of the airline series:

    >>> from sklearn.model_selection import GridSearchCV
    >>> from skattn import AttentionForecaster, make_windows
    >>> from skattn.datasets import load_airline
    >>> from skattn.metrics import make_quantile_loss_scorer, quantile_loss
    >>> from skattn.model_selection import OriginSplit
    >>> X, y, index = make_windows(load_airline().series, window=24, horizon=6,
    ...                            return_index=True)
    >>> model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), patch_len=6,
    ...                             d_model=8, max_epochs=2, random_state=0)
    >>> search = GridSearchCV(model, {"learning_rate": [1e-3, 1e-2]},
    ...                       scoring=make_quantile_loss_scorer(),
    ...                       cv=OriginSplit(index, horizon=6, n_origins=2)).fit(X, y)
    >>> search.scorer_
    make_quantile_loss_scorer()

    The score is minus the quantile loss of the forecasts, with the model's own quantiles:

    >>> best = search.best_estimator_
    >>> scorer = make_quantile_loss_scorer()
    >>> bool(scorer(best, X[-6:], y[-6:])
    ...      == -quantile_loss(y[-6:], best.predict_quantiles(X[-6:]), best.quantiles_))
    True
    """
    return QuantileLossScorer()


#: Scorer of minus :func:`quantile_loss` of a model's quantile forecasts (``predict_quantiles``,
#: at the levels of its ``quantiles_``), for ``scoring=`` in a search over quantile models:
#: :func:`make_quantile_loss_scorer` describes it. A shared object: request ``sample_weight``
#: on a new one, ``make_quantile_loss_scorer().set_score_request(sample_weight=True)``.
neg_quantile_loss_scorer = make_quantile_loss_scorer()


#: Scorers by name, for ``scoring=`` (``scoring=SCORERS["neg_smape"]``). ``"neg_mase"`` scales
#: by the naive forecast's error (season 1); for seasonal data take
#: ``make_mase_scorer(season_length)`` instead.
SCORERS = {
    "neg_mae": neg_mae_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_smape": neg_smape_scorer,
    "neg_mase": make_mase_scorer(1),
}
