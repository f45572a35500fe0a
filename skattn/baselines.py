"""Classical forecasting baselines with the interface of :class:`skattn.AttentionForecaster`.

Every baseline is a *local* model: it learns nothing from the training windows except the horizon
(the number of columns of ``y``). At predict time it fits one model to EACH row of ``X`` (that
row's history window, oldest value first) and forecasts the values after it; ``forecast(history,
steps)`` fits the whole history (its last ``max_history`` values when set). Rows are
independent, so they run in parallel over ``n_jobs`` worker processes and the result does not
depend on ``n_jobs``.

- :class:`NaiveForecaster` and :class:`SeasonalNaiveForecaster` are NumPy.
- :class:`ETSForecaster`, :class:`ThetaForecaster` and :class:`ARIMAForecaster` are backed by
  `statsforecast <https://nixtlaverse.nixtla.io/statsforecast/>`_ (chosen by measurement on M3
  monthly: ``docs/baselines.md``), an optional extra: ``pip install "skattn[baselines]"``. The
  library is imported only when a model is fitted or used, so ``import skattn`` does not need it.
- :class:`MSTLForecaster` (statsforecast's ``MSTL``) takes several seasonal periods at once (24
  and 168 for hourly data); the others take one ``season_length`` each.

Short windows (see ``docs/baselines.md``): each model states the shortest window it fits; a window
below it gets a simpler model by a fixed rule, without a warning. A seasonal component is used only
when the window holds at least two full seasons (one for :class:`SeasonalNaiveForecaster`, which
repeats the last; each model's Notes give its rule). A window on which the library fails (raises,
returns NaN or infinity, or an explosive forecast: one leaving the window's range by more than
1,000 times its width, an allowance that widens with the step) gets the fallback forecast --
seasonal naive when the window holds a full season, else naive -- and each ``predict`` (or
``forecast``) call that needed it emits ONE :class:`BaselineFallbackWarning` counting such
windows. Forecasts are always finite.

Units: statsforecast gets each window as it is when its largest absolute value lies between
2**-100 and 2**100 (about 7.9e-31 and 1.3e30), and otherwise multiplied by a power of two that
brings that value between 8,192 and 16,384 (the magnitude of M3 monthly's values); the forecasts
are multiplied back. Both multiplications are exact in floating point, so ordinary data get the
library's forecasts bit for bit, and data in tiny or huge units (1e-200, 1e300) no longer meet
the library's underflows and overflows (``docs/baselines.md``, "The units of the data").

Prediction intervals: with ``quantiles=`` every baseline also forecasts quantiles
(``predict_quantiles``, ``forecast_quantiles``), read from the model's own forecast distribution:
normal intervals from the in-sample residuals for the NumPy models, statsforecast's intervals for
the others (``docs/baselines.md``, "Prediction intervals"). Short windows and fallbacks get the
intervals of the model they get.
"""
from __future__ import annotations

import copy
import time
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._persistence import StampsVersionWhenPickled
from ._stacklevel import stacklevel_of_caller
from ._validation import (N_JOBS_CONSTRAINT, ForgetsWarningsWhenPickled, IntegerInterval,
                          MissingTargetsScoreMixin, as_history, check_quantiles, check_steps,
                          discard_fitted_attributes, validate_windows)
from ._worker_warnings import call_recording_warnings, collect, current_caller
from .exceptions import BaselineFallbackWarning, TargetAlignmentWarning
# TARGET_CHECK_VALUES: the rows the targets' checks read, the units check's (also this module's)
from .forecaster import TARGET_CHECK_VALUES, _warn_if_targets_not_in_window_units
from .seasonal import _seasonal_autocorrelation, _shortest_window_finding_a_sine

__all__ = [
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "ETSForecaster",
    "ThetaForecaster",
    "ARIMAForecaster",
    "MSTLForecaster",
    "BaselineFallbackWarning",
]

_INSTALL_HINT = 'pip install "skattn[baselines]"'
_CHUNKS_PER_JOB = 4  # row chunks per worker: balances slow and fast windows across workers

# statuses of one window's forecast: fitted by the library, the short-window rule's naive forecast,
# or the fallback's after the library failed or its forecast exploded (_explodes)
_FITTED, _BY_RULE, _FAILED, _EXPLODED = 0, 1, 2, 3
_FELL_BACK = (_FAILED, _EXPLODED)


# ------------------------------------------------------------------------------------------
# NumPy forecasts (also the fallbacks of the library models)
# ------------------------------------------------------------------------------------------
def _seasonal_naive_rows(histories, steps, season_length):
    """The last full season of each row, repeated; the last value (naive) when ``season_length``
    is 1 or a row is shorter than a season. histories: (n, T) -> (n, steps), float64."""
    season_length = int(season_length)  # NumPy's unsigned integers wrap around
    histories = np.asarray(histories, dtype=np.float64)
    n_timesteps = histories.shape[1]
    if season_length <= 1 or n_timesteps < season_length:
        return np.repeat(histories[:, -1:], steps, axis=1)
    # step k (0-based) repeats the value at position T - m + (k mod m)
    return histories[:, n_timesteps - season_length + np.arange(steps) % season_length]


def _seasonal_naive_spread(histories, steps, season_length):
    """The standard deviation of each row's seasonal naive forecast error at each step.
    histories: (n, T), T >= 2 -> (n, steps), float64.

    The normal intervals of Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*
    (3rd ed.), section 5.5, as statsforecast's ``Naive`` and ``SeasonalNaive`` compute them:
    sigma is the root mean square of the in-sample residuals ``y[t] - y[t - lag]``, their sum of
    squares divided by their number ``T - lag`` with no mean removed (fpp3's ``1 / (T - K - M)``
    with K = 0 parameters and M = lag missing residuals); step h (1-based) has the standard
    deviation ``sigma * sqrt(floor((h - 1) / lag) + 1)``, ``sigma * sqrt(h)`` for the naive
    forecast (lag 1). The lag is ``season_length`` when the row holds more than one season. A row
    of exactly one season has a seasonal naive forecast but no residual of lag ``season_length``
    (statsforecast's width is then zero): it gets the naive residuals and growth (lag 1), as does
    a row shorter than a season, whose forecast is naive.
    """
    season_length = int(season_length)  # NumPy's unsigned integers wrap around
    histories = np.asarray(histories, dtype=np.float64)
    lag = season_length if season_length > 1 and histories.shape[1] > season_length else 1
    # the root mean square scaled by the largest residual, so that values beyond 1e154 (whose
    # squares overflow) still give a finite sigma; beyond ~1e308 it is inf or NaN, refused by
    # the caller (_finite_quantiles)
    with np.errstate(over="ignore", invalid="ignore"):
        residuals = histories[:, lag:] - histories[:, :-lag]  # (n, T - lag)
        scale = np.max(np.abs(residuals), axis=1, keepdims=True)  # (n, 1)
        scale = np.where(scale > 0, scale, 1.0)
        sigma = scale[:, 0] * np.sqrt(np.mean((residuals / scale) ** 2, axis=1))  # (n,)
    return sigma[:, None] * np.sqrt(np.arange(steps) // lag + 1.0)  # (n, steps)


#: check_is_fitted's message for forecast and forecast_quantiles, which fit each history
#: themselves: scikit-learn's "Call 'fit' with appropriate arguments" did not say which (user
#: trial, session 20)
_NOT_FITTED_FORECAST = (
    "This %(name)s instance is not fitted yet. Call fit(X, y) on windows first (X, y = "
    "skattn.make_windows(series, window, horizon)): fit records the horizon and the channels, "
    "and forecast then fits the library's model to each history it is given."
)


def _seasonal_naive_forecasts(histories, steps, season_length, quantiles=None):
    """Seasonal naive point forecasts (n, steps) of each row of ``histories`` (n, T), or with
    ``quantiles`` (Q,) their normal quantiles (n, steps, Q); the 0.5 column is the point."""
    point = _seasonal_naive_rows(histories, steps, season_length)  # (n, steps)
    if quantiles is None:
        return point
    spread = _seasonal_naive_spread(histories, steps, season_length)  # (n, steps)
    with np.errstate(over="ignore"):  # overflow is refused by the caller (_finite_quantiles)
        return point[:, :, None] + spread[:, :, None] * norm.ppf(quantiles)  # (n, steps, Q)


def _naive(y, steps, quantiles=None):
    """The last value of one window, repeated. y: (T,) -> (steps,), or (steps, Q) quantiles."""
    return _seasonal_naive_forecasts(y[None], steps, 1, quantiles)[0]


def _fallback(y, steps, season_length, quantiles=None):
    """What a window gets when the library fails on it: its seasonal naive forecast (or its
    quantiles)."""
    return _seasonal_naive_forecasts(y[None], steps, season_length, quantiles)[0]


def _finite_quantiles(forecasts):
    """``forecasts``, checked finite: intervals beyond float64's range are an error, not inf."""
    if np.all(np.isfinite(forecasts)):
        return forecasts
    raise ValueError(
        "The prediction intervals overflowed: they go beyond the largest float64, ~1.8e308. "
        "Give the series in smaller units."
    )


def _interval_levels(quantiles):
    """statsforecast's ``level`` (in %) of each quantile: quantile q < 0.5 is the lower bound of
    the central interval of level 100 (1 - 2q), q > 0.5 the upper bound of level 100 (2q - 1);
    0 for q = 0.5, which is the mean. (Q,) -> (Q,)

    Rounded to 10 decimals: in floating point 0.95 gives 89.99999999999999 and 0.05 gives 90.0,
    two levels for one interval, and 0.35 gives 30.000000000000004. The rounding moves a
    quantile by less than 1e-12; it is skipped where it would reach 100 (q below ~5e-13, whose
    level would then have no finite bound).
    """
    levels = 100.0 * np.abs(1.0 - 2.0 * quantiles)
    rounded = np.round(levels, 10)
    return np.where(rounded < 100.0, rounded, levels)


#: np.frexp's exponents e (the largest |value| in [2**(e - 1), 2**e)) of the histories given to
#: statsforecast as they are: largest |value| from 2**-100 to 2**100 (~7.9e-31 to ~1.3e30), so
#: ordinary data get the library's forecasts bit for bit. The library's arithmetic fails far
#: beyond: squares of values underflow below ~1e-160 (a seasonal series of ~10 to 17 in units of
#: 1e-165: Theta 19% off, AutoARIMA failing; 1e-180: ETS forecast -9.4e7) and overflow above
#: ~1e154 (Theta, AutoARIMA failing, ETS and MSTL moved), some 120 orders of magnitude from
#: either edge. Inside, the library's tolerances, not its arithmetic, set how much the units
#: matter (docs/baselines.md, "The units of the data")
_LIBRARY_EXPONENTS = range(-99, 101)
#: the exponent a history outside those is moved to, by a power of two: largest |value| from 8,192
#: to 16,384, the magnitude of M3 monthly's values (90% of the series), on which the library was
#: measured. The target matters to Theta: M3 monthly at 1e-200 moved to a largest value of ~1
#: scored sMAPE 13.758, to ~1e4 13.725 as in its own units; moved by multiples of 2**200 into the
#: range instead (where the largest value may land near 1e-30), 14.75 (docs/baselines.md)
_LIBRARY_TARGET_EXPONENT = 14


def _library_exponent(y):
    """The power of two ``k`` such that statsforecast fits ``y * 2**k``: 0 when the largest |value|
    of ``y`` is in the library's range (_LIBRARY_EXPONENTS), or zero; else the one that brings it
    to _LIBRARY_TARGET_EXPONENT. A power of two, so that scaling and unscaling are exact (but
    for values that become subnormal: far below the largest, they carry no weight in the fit)."""
    exponent = int(np.frexp(np.max(np.abs(y)))[1])  # np.frexp(0.0) is (0.0, 0): in the range
    return 0 if exponent in _LIBRARY_EXPONENTS else _LIBRARY_TARGET_EXPONENT - exponent


#: a forecast explodes (_explodes) when it leaves the window's range by more than this many
#: times the range's width, times (1 + h)**degree at step h
_EXPLOSION_FACTOR = 1000.0
#: the width given to a constant window, relative to its largest |value|, so that a forecast
#: that leaves a constant far behind still counts as explosive
_FLAT_WIDTH = 2.0**-26


def _explodes(y, mean, degree):
    """Whether the point forecast ``mean`` (steps,) of the window ``y`` (T,) is explosive: at some
    step h (1-based) it lies beyond the window's range [min, max] by more than
    ``_EXPLOSION_FACTOR * width * (1 + h)**degree``, where ``width`` is the range's (a sliver of
    the level for a constant window). None ``degree``: never (forecasts geometric by design).

    The allowance is a polynomial trend of the given degree: a linear trend's forecast leaves the
    range by about its slope (at most the width) times h, so a degree of 1 to 2 leaves a
    factor of 1,000 at least to every trend model; an unstable fit grows geometrically (ARIMA
    of order (50, 0, 0) on 72 values around 15: 8.8e6, -1.1e8, 8.7e8). Measured on M3
    monthly, 180 steps on (docs/baselines.md, "When the library fails"): ETS, Theta, AutoARIMA
    and MSTL went at most 0.033 widths times (1 + h)**2 beyond, 30,000 times below the allowance.
    """
    if degree is None:
        return False
    # overflow gives inf: an excursion beyond float64 explodes, an allowance beyond it allows all
    with np.errstate(over="ignore", invalid="ignore"):
        low, high = np.min(y), np.max(y)
        width = max(high - low, np.max(np.abs(y)) * _FLAT_WIDTH)
        beyond = np.maximum(mean - high, low - mean)  # (steps,), negative inside the range
        steps = np.arange(1, mean.size + 1, dtype=np.float64)
        allowed = _EXPLOSION_FACTOR * width * (1.0 + steps) ** degree
    return bool(np.any(beyond > allowed))


def _library_forecast(model, y, steps, quantiles):
    """One statsforecast ``forecast`` call on ``y``: its mean (steps,), or with ``quantiles``
    (Q,) the bounds of its central intervals (steps, Q), each row sorted; and the mean (steps,).

    statsforecast names the bounds ``f"lo-{level}"`` / ``f"hi-{level}"`` from the level values
    passed, as Python formats them (``lo-75.4`` for q = 0.123, ``lo-80.0`` for q = 0.1, ``lo-80``
    for an int): the keys are parsed back to floats, which give exactly the levels passed.
    """
    if quantiles is None:
        mean = np.asarray(model.forecast(y=y, h=steps)["mean"], dtype=np.float64).reshape(-1)
        return mean, mean
    levels = _interval_levels(quantiles)  # (Q,)
    needed = sorted(set(levels[quantiles != 0.5].tolist()))  # 0.1 and 0.9 share level 80
    result = (model.forecast(y=y, h=steps, level=needed) if needed
              else model.forecast(y=y, h=steps))
    bounds = {}
    for key, values in result.items():
        side, _, level = key.partition("-")
        if side in ("lo", "hi"):
            bounds[side, float(level)] = values
    columns = [result["mean"] if q == 0.5 else bounds["lo" if q < 0.5 else "hi", level]
               for q, level in zip(quantiles.tolist(), levels.tolist())]
    # ARIMA's bounds are pandas Series, Theta's float32: float64 arrays, (steps, Q)
    out = np.column_stack([np.asarray(column, dtype=np.float64).reshape(-1) for column in columns])
    # a safety net: the simulated intervals (Theta; ETS with a multiplicative trend) can cross
    # by sampling noise, and a monotone rearrangement brings them no farther from the truth
    out = np.sort(out, axis=1)
    mean = np.asarray(result["mean"], dtype=np.float64).reshape(-1)  # (steps,)
    middle = np.flatnonzero(quantiles == 0.5)
    if middle.size:
        # the 0.5 column stays the point forecast (the mean): the simulated 55% quantile can lie
        # below it, and sorting moved the mean into the 0.55 column (Theta, quantiles 0.05 to
        # 0.95: 20 of 240 values; review, session 19). The bounds on each side are held to it
        k = int(middle[0])
        out[:, :k] = np.minimum(out[:, :k], mean[:, None])
        out[:, k] = mean
        out[:, k + 1:] = np.maximum(out[:, k + 1:], mean[:, None])
    return out, mean


def _import_statsforecast(who):
    """statsforecast's models module, or an ImportError that names the extra to install."""
    try:
        from statsforecast import models
    except ImportError as exc:
        raise ImportError(
            f"{who} needs the statsforecast library, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return models


# ------------------------------------------------------------------------------------------
# The shared estimator
# ------------------------------------------------------------------------------------------
#: pairs of windows one step apart (a window and the one whose first T - 1 values are its last
#: T - 1) with an observed first target needed before the targets' alignment counts as evidence
ALIGNMENT_MIN_PAIRS = 10

#: the share of those pairs whose first target is the later window's last value below which y
#: is taken for something else than the values right after the windows (make_windows' rows: all)
ALIGNMENT_SHARE = 0.5

#: the share of the rows with an observed first target that must be such pairs: rows that are
#: not one step apart (make_windows(step=7) of daily counts) pair by chance, a few dozen of
#: thousands, whose "next" values are unrelated (review, session 26: a false warning); in
#: make_windows' rows one step apart all but each series' last window pair
ALIGNMENT_PAIRED_SHARE = 0.5

#: the largest number of steps after each window searched for the value y[:, 0] holds
ALIGNMENT_MAX_LAG = 400



def _successor_rows(windows):
    """For each row of ``windows`` (n, T) float32, the row one step later in the same series
    (whose first T - 1 values are the row's last T - 1), or -1 where none is in ``windows`` or
    rows with that beginning end differently (discrete values recurring: no evidence)."""
    last_of_head = {}  # the first T - 1 values' bytes -> (row, last value), or None if ambiguous
    for row, (head, last) in enumerate(zip(windows[:, :-1], windows[:, -1])):
        key = head.tobytes()
        seen = last_of_head.get(key, (row, last))
        last_of_head[key] = seen if seen is not None and seen[1] == last else None
    successor = np.full(windows.shape[0], -1, dtype=np.intp)  # (n,)
    for row, tail in enumerate(windows[:, 1:]):
        found = last_of_head.get(tail.tobytes())
        if found is not None:
            successor[row] = found[0]
    return successor


def _warn_if_targets_do_not_follow_windows(model, X3, Y):
    """Warn (TargetAlignmentWarning) when windows one step apart show that the first targets are
    not the values right after their windows; whether it warned. ``X3`` (n, T, C) windows and
    ``Y`` (n, horizon) targets as given to fit (NaN: not observed). A baseline reads of ``y`` only
    its width, so a ``y`` of later steps (a column of a multi-step ``y``, as MultiOutputRegressor
    fits them; user trial, session 26) gets the forecasts of the first steps.
    Compared in float32, as windows cast to float32 still hold targets given in float64."""
    windows = np.ascontiguousarray(X3[:, :, 0].astype(np.float32))  # (n, T)
    if windows.shape[1] < 2:
        return False  # no beginning to match windows by
    first = Y[:, 0].astype(np.float32)  # (n,)
    observed = np.isfinite(first)
    successor = _successor_rows(windows)  # (n,)
    pairs = observed & (successor >= 0)
    n_pairs = int(np.count_nonzero(pairs))
    if (n_pairs < ALIGNMENT_MIN_PAIRS
            or n_pairs < ALIGNMENT_PAIRED_SHARE * np.count_nonzero(observed)):
        return False
    n_next = int(np.count_nonzero(first[pairs] == windows[successor[pairs], -1]))
    if n_next >= ALIGNMENT_SHARE * n_pairs:
        return False
    # which value y[:, 0] is instead: the window's own last one, or one further along the series
    found = ""
    n_last = int(np.count_nonzero(first[observed] == windows[observed, -1]))
    if n_last >= ALIGNMENT_SHARE * np.count_nonzero(observed):
        found = " y[:, 0] is each window's own last value."
    later = successor.copy()  # (n,): the row d - 1 steps after each row, -1 beyond the known rows
    for lag in range(2, ALIGNMENT_MAX_LAG + 1):
        if found:
            break
        later = np.where(later >= 0, successor[later], -1)
        rows = observed & (later >= 0)
        n_rows = int(np.count_nonzero(rows))
        if n_rows < ALIGNMENT_MIN_PAIRS:
            break
        n_at_lag = int(np.count_nonzero(first[rows] == windows[later[rows], -1]))
        if n_at_lag >= ALIGNMENT_SHARE * n_rows:
            found = (f" y[:, 0] is the value {lag} steps after each window ({n_at_lag} of "
                     f"{n_rows} such windows).")
    warnings.warn(
        f"{model}: y[:, 0] is not the value right after each window: of the {n_pairs} windows "
        f"whose next window (one step later) is also a row of X, {n_next} have that window's "
        f"last value as their first target.{found} A baseline learns nothing from y but its "
        f"width: it forecasts the {Y.shape[1]} step(s) right after each window, so y[:, 0] must "
        f"be the next value, as make_windows gives it. MultiOutputRegressor fits each column "
        f"of a multi-step y alone (as does a RegressorChain in another order than time's), "
        f"each forecast as the first step: give the model the multi-step y itself, which it "
        f"forecasts whole.",
        TargetAlignmentWarning,
        stacklevel=stacklevel_of_caller(__name__, whole_package=True),
    )
    return True


class _LocalForecaster(StampsVersionWhenPickled, ForgetsWarningsWhenPickled,
                       MissingTargetsScoreMixin, RegressorMixin, BaseEstimator):
    """Validation, parallel prediction and ``forecast`` for models fitted to each window.

    ``fit`` accepts NaN targets (values not observed, as in the windows ``make_windows(...,
    min_target=...)`` adds at the end of a series) like the package's other models, and
    ``score`` leaves them out (:class:`~skattn._validation.MissingTargetsScoreMixin`).
    """

    _parameter_constraints: dict = {"quantiles": ["array-like", None],
                                    "max_history": [IntegerInterval(2, None, closed="left"), None]}
    _needs_library = False
    #: the cycles of a season a window must hold for the season to be used (see Notes)
    _cycles_per_season = 2
    #: fits each history inside ``forecast``: ``backtest`` runs such models in parallel over series
    local_model = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # (n, T, C) windows: channel 0 is the target, the covariates are ignored
        tags.input_tags.three_d_array = True
        # scikit-learn's tag for a model that cannot reach R^2 > 0.5 on make_regression, whose
        # y is a random linear function of the columns, not a row's continuation: a local model
        # forecasts each row from its own values only. check_regressors_train then runs all but
        # that assertion; as an expected failure it made check_estimator fail for users
        # (sklearn-conventions review, session 19)
        tags.regressor_tags.poor_score = True
        return tags

    def _require_library(self):
        """The ImportError of a missing statsforecast, naming the extra, for the models that
        need it (what :func:`skattn._validation.require_libraries` asks before any training)."""
        if self._needs_library:
            _import_statsforecast(type(self).__name__)

    # -- hooks for subclasses ----------------------------------------------------------------
    def _check_params(self):
        """Checks that involve more than one parameter, at fit time."""

    def _forecast_window(self, y, steps, quantiles):
        """(forecast, status) for one float64 window ``y`` of shape (T,): the forecast of shape
        (steps,), or (steps, Q) quantiles when ``quantiles`` (Q,) is not None."""
        raise NotImplementedError

    def _fallback_season(self, n):
        """The season of the fallback's seasonal naive forecast for a window of ``n`` values
        (1: naive; a season longer than the window gives the naive forecast too)."""
        return getattr(self, "season_length", 1)

    def _fallback_name(self):
        season = getattr(self, "season_length", 1)
        if season > 1:
            return (f"the seasonal naive forecast (season_length={season}), or the naive forecast "
                    "for windows shorter than a season")
        return "the naive forecast"

    def _season_lengths(self):
        """The seasonal periods > 1 of the parameters (none for non-seasonal models)."""
        season = getattr(self, "season_length", 1)
        return [p for p in _check_season_lengths(season) if p > 1]

    def _naive_by_rule(self, n):
        """Whether a window of ``n`` values gets the naive forecast by the model's own rule
        (too few values for its parameters), before any library call."""
        return False

    def _warn_seasons_beyond_max_history(self):
        if self.max_history is not None and self._naive_by_rule(int(self.max_history)):
            # every window and history is cut to at most max_history values: all naive, as if
            # the model were NaiveForecaster (ETSForecaster(max_history=5); user trial,
            # session 22). ARIMA's fixed orders say it themselves (their override)
            shortest = next(n for n in range(int(self.max_history) + 1, 10**6)
                            if not self._naive_by_rule(n))
            warnings.warn(
                f"max_history={int(self.max_history)} is too short for {type(self).__name__}: "
                f"a window of {int(self.max_history)} values gets the naive forecast (its "
                f"rule: too few values for the model's parameters), so every forecast is the "
                f"naive one; set max_history >= {shortest}",
                UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))
            return
        # a season is used only by windows that hold two of its cycles, so a max_history below
        # that drops it from every fit: MSTLForecaster((24, 168), max_history=300) was a daily
        # model without a word (user trial, session 21); warned at fit, where it is decided
        if self.max_history is None:
            return
        max_history, cycles = int(self.max_history), self._cycles_per_season
        unused = [p for p in self._season_lengths() if max_history < cycles * p]
        if unused:
            held = "two cycles" if cycles == 2 else "one cycle"
            warnings.warn(
                f"max_history={max_history} keeps fewer than {held} of "
                f"{'season_length' if len(unused) == 1 else 'the seasons'} "
                f"{', '.join(map(str, unused))}: {type(self).__name__} uses a season only in "
                f"windows that hold {held} of it, so no fit uses "
                f"{'that season' if len(unused) == 1 else 'these seasons'}; set max_history >= "
                f"{cycles * max(unused)} (or drop the season{'' if len(unused) == 1 else 's'})",
                UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))

    # -- validation --------------------------------------------------------------------------
    def _validate_X(self, X, *, reset, y=None):
        # missing_y: these models read only the shape of y, so a target that was not observed
        # (NaN) costs them nothing; refusing it made them the one model of a backtest with
        # min_target that failed, while AttentionForecaster and ForecastEnsemble accept it
        return validate_windows(self, X, y, reset=reset, missing_y=True)

    # -- scikit-learn API --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the horizon (and the shape of the windows) from ``X`` and ``y``.

        A local model has nothing else to learn from other series' windows: each window is
        modelled on its own at predict time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first. With 3 dimensions channel 0 is the target; the
            other channels (covariates) are ignored by these univariate models.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, after each window. Only its shape
            is used for the forecasts (a stand-in of one value, ``np.zeros((n, horizon))``, is
            not checked); its values are checked against ``X`` (see Warns). NaN marks a value
            that was not observed (:func:`skattn.make_windows` with ``min_target``); each row
            needs at least one observed value.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ImportError
            When the model needs statsforecast and it is not installed.
        ValueError
            When ``y`` is None, not 1-D or 2-D, has another number of rows than ``X``, holds
            infinity, or has a row with no observed value (every value NaN); when ``X`` is not
            finite or not 2-D or 3-D windows; when ``quantiles`` is not an increasing list of
            distinct values strictly inside (0, 1); or when the parameters contradict each
            other.

        Warns
        -----
        TargetUnitsWarning
            When ``y`` is not in ``X``'s units, as AttentionForecaster checks it: a transformer
            of ``X`` alone in front of the model (a StandardScaler in a Pipeline) or of ``y``
            alone (a log TransformedTargetRegressor); the forecasts are in ``X``'s units.
        TargetAlignmentWarning
            When windows one step apart show that ``y[:, 0]`` is not the value right after each
            window: MultiOutputRegressor fitting each column of a multi-step ``y`` alone (or a
            RegressorChain in another order than time's), each forecast as the first step.
        """
        try:
            self._require_library()
            self._check_params()
            self._warn_seasons_beyond_max_history()
            self.__dict__.pop("_warned_of_untested_season", None)  # a new model warns again
            quantiles = None if self.quantiles is None else check_quantiles(self.quantiles)
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None."
                )
            X, y, n_channels = self._validate_X(X, reset=True, y=y)
            self._warn_if_y_is_not_the_next_values(X, y)  # an "error" filter raises here
        except BaseException:
            # validate_X records the new X's n_features_in_ (and column names) before y is
            # checked: a refused first fit passed check_is_fitted and predicted an
            # AttributeError, a refused refit predicted with the refused X's width and the old
            # horizon; a refit refused for its settings predicted with the old ones (tags
            # review and the review of its tests, session 34). As AttentionForecaster: a fit
            # that raises leaves the model unfitted
            self._discard_fitted_state()
            raise
        self.n_channels_ = n_channels
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self._y_is_1d = y.ndim == 1
        self.quantiles_ = quantiles
        # what predict and forecast read (see _as_fitted), validated above by _fit_context; a
        # copy, so that a list given as a parameter (MSTLForecaster's season_length, ARIMA's
        # order) and changed after fit does not change the fitted model's forecasts
        self._fit_settings = copy.deepcopy(self.get_params(deep=False))
        return self

    def _discard_fitted_state(self):
        """Remove every attribute a fit sets (those ending in "_", as ``check_is_fitted`` counts
        them, and the private ``_y_is_1d`` and ``_fit_settings``), leaving the model unfitted;
        the parameters are kept."""
        discard_fitted_attributes(self, private=("_y_is_1d", "_fit_settings"))

    def _warn_if_y_is_not_the_next_values(self, X, y):
        """The targets' checks AttentionForecaster makes (TargetUnitsWarning: a transform of X
        alone or y alone), and whether y[:, 0] is the value after each window
        (TargetAlignmentWarning): the forecasts ignore y, so they were silently far off (a
        Pipeline of StandardScaler and NaiveForecaster forecast 2.17 for values near 400; user
        trial, session 26)."""
        Y = y.reshape(y.shape[0], -1)  # (n, horizon)
        observed = Y[np.isfinite(Y)]
        if observed.size and np.all(observed == observed[0]):
            return  # one value throughout: a stand-in that gives the horizon (np.zeros((n, h)))
        n_rows = max(1, TARGET_CHECK_VALUES // X.shape[1])
        X3 = (X if X.ndim == 3 else X[:, :, None])[:n_rows, :, :1]  # (n', T, 1): target channel
        Y = Y[:n_rows]
        # values near float64's limits overflow in the checks' float32 casts and moments, and
        # NumPy's RuntimeWarnings leaked from fit (review, session 26)
        with np.errstate(all="ignore"):
            values = X3[:, :, 0].astype(np.float64)  # (n', T)
            centre, spread = values.mean(), values.std()
            if not (np.isfinite(spread) and spread > 0):
                # the windows hold one value (backtest fits a local model on the last window:
                # with window 1, one value), so there is no unit to measure the targets in:
                # compare's 30 daily values, window 1, warned that y was in other units
                # (review, session 31)
                return

            Xs = ((values - centre) / spread)[:, :, None]  # (n', T, 1)
            Ys = (Y.astype(np.float64) - centre) / spread  # (n', horizon)
            if _warn_if_targets_not_in_window_units(X3, Y, Xs, Ys, model=type(self).__name__,
                                                    scale_name=""):
                return  # one warning for one mistake
            _warn_if_targets_do_not_follow_windows(type(self).__name__, X3, Y)

    def predict(self, X):
        """Fit the model to each window and forecast the horizon after it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first (channel 0 of 3-D windows).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, horizon)
            The shape of ``y`` at fit.
        """
        return self._predict_windows(X, None)

    def predict_quantiles(self, X):
        """Fit the model to each window and forecast the quantiles ``quantiles_`` of the horizon
        after it: prediction intervals, from the model's own forecast distribution.

        Each window gets the intervals of the model that forecasts it: the model's, the short-
        window rule's (naive) or the fallback's (see ``docs/baselines.md``). A constant window
        gets intervals of zero width (ETS: zero or nearly, up to ~1e-4 of the level, as its fitted
        sigma is not exactly 0), and a window the model fits
        almost exactly (a straight line, for the library models) almost zero width: the model
        has seen no error.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first (channel 0 of 3-D windows), of at least 2 values:
            the spread is estimated from the window's own forecast errors.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or (n_samples, horizon, n_quantiles)
            The forecasts at each quantile of ``quantiles_`` along the last axis (non-decreasing
            along it); without the horizon axis when ``y`` was 1-D at fit, as
            :meth:`skattn.AttentionForecaster.predict_quantiles`. A quantile 0.5 is
            :meth:`predict`'s value, except on a window where the library failed only when
            asked for intervals (it then gets the fallback's, and is counted in the warning).

        Raises
        ------
        ValueError
            When the model was fitted with ``quantiles=None``, the windows have a single value,
            or the intervals go beyond float64's range.

        Warns
        -----
        BaselineFallbackWarning
            Once per call, counting the windows on which the library failed.
        UserWarning
            statsforecast's own warnings, as the library raises them (Theta on a window of 4
            values: too few residuals; AutoARIMA: 3 or more differencing operations).
        """
        check_is_fitted(self)
        self._require_quantiles("predict_quantiles")
        return self._predict_windows(X, self.quantiles_)

    def _predict_windows(self, X, quantiles):
        """predict (``quantiles`` None) or predict_quantiles: the windows' forecasts, (n, H) or
        (n, H, Q), without the horizon axis when ``y`` was 1-D at fit."""
        check_is_fitted(self)
        X, _, _ = self._validate_X(X, reset=False)
        histories = X if X.ndim == 2 else X[:, :, 0]  # (n, T): the target channel
        if quantiles is not None:
            self._check_spread_estimable(
                histories.shape[1], f"each of the {histories.shape[0]} window(s) of X has")
        started = time.perf_counter()
        forecasts, status = self._forecast_recent(histories, self.n_outputs_, quantiles)
        self._warn_failures(status)
        if getattr(self, "verbose", 0):
            print(f"{type(self).__name__}: {histories.shape[0]} windows in "
                  f"{time.perf_counter() - started:.2f} s; {int(np.sum(status == _BY_RULE))} by "
                  f"the short-window rule, {int(np.sum(np.isin(status, _FELL_BACK)))} fallbacks")
        if quantiles is not None:
            forecasts = _finite_quantiles(forecasts)
        return forecasts[:, 0] if self._y_is_1d else forecasts

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of one series, fitting the history.

        Equals ``predict`` on the same window when ``steps`` is the horizon learned at fit.
        ``steps`` may exceed that horizon: the model is fitted once, to the history, and
        forecasts all ``steps`` values in one call, with no window-by-window recursion, so
        the cost is one fit plus the forecast itself. That forecast is linear in ``steps``,
        except for :class:`ETSForecaster` (see its Notes).

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D with ``n_channels_``
            columns for a model fitted with covariates (only channel 0, the target, is used).
        steps : int >= 1
            Number of future values.
        future_covariates : None
            Accepted for the signature every model of the package shares; these models use
            no covariates, so only None is allowed.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order.
        """
        check_is_fitted(self, msg=_NOT_FITTED_FORECAST)
        if future_covariates is not None:
            raise ValueError(f"{type(self).__name__} uses no covariates: future_covariates must "
                             "be None")
        return self._forecast_history(history, check_steps(steps), None)[0]

    def forecast_quantiles(self, history, steps=None):
        """Forecast the quantiles ``quantiles_`` of the next ``steps`` values of one series,
        fitting the history: prediction intervals from the end of ``history``.

        Unlike the window models' (:meth:`skattn.AttentionForecaster.forecast_quantiles`),
        ``steps`` may exceed the horizon learned at fit: the model is fitted to the whole
        history and its intervals widen with the step by the model's own error propagation,
        with nothing fed back. Equals :meth:`predict_quantiles` on the same window when
        ``steps`` is the horizon.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, at least 2 values (the spread is estimated
            from its own forecast errors); 2-D with ``n_channels_`` columns for a model fitted
            with covariates (only channel 0, the target, is used).
        steps : int >= 1 or None, default=None
            Number of future values; None means the horizon (``n_outputs_``).

        Returns
        -------
        quantiles : ndarray of shape (steps, n_quantiles)
            ``quantiles[t, k]`` is the forecast of quantile ``quantiles_[k]`` for the ``t``-th
            value after ``history``; non-decreasing along each row. A quantile 0.5 is
            :meth:`forecast`'s value (except after a failure, as in :meth:`predict_quantiles`).

        Raises
        ------
        ValueError
            When the model was fitted with ``quantiles=None``, ``history`` has a single value
            or is invalid, ``steps`` is not an integer >= 1, or the intervals go beyond
            float64's range.

        Warns
        -----
        BaselineFallbackWarning
            When the library failed on the history.
        UserWarning
            statsforecast's own warnings, as the library raises them (as for
            :meth:`predict_quantiles`).
        """
        check_is_fitted(self, msg=_NOT_FITTED_FORECAST)
        self._require_quantiles("forecast_quantiles")
        steps = self.n_outputs_ if steps is None else check_steps(steps)
        return _finite_quantiles(self._forecast_history(history, steps, self.quantiles_)[0])

    def _forecast_with_quantiles(self, history, steps):
        """``(forecast(history, steps), forecast_quantiles(history, steps))``, from one fit of
        the library's model where that gives the same values: ``backtest(interval=...)`` needs
        both, and the two calls fitted every history twice (ETS on an M3 monthly series: 75
        and 84 ms). With 0.5 among ``quantiles_`` its column is :meth:`forecast`'s value (the
        mean) whenever the fit succeeded; without 0.5, or after a fallback (a call without
        intervals may succeed), the two are computed apart, as the two methods compute them.
        """
        check_is_fitted(self, msg=_NOT_FITTED_FORECAST)
        self._require_quantiles("forecast_quantiles")
        steps = check_steps(steps)
        middle = np.flatnonzero(self.quantiles_ == 0.5)
        if middle.size == 0:
            return self.forecast(history, steps), self.forecast_quantiles(history, steps)
        quantiles, failed = self._forecast_history(history, steps, self.quantiles_)
        quantiles = _finite_quantiles(quantiles)  # (steps, Q)
        if failed:
            return self.forecast(history, steps), quantiles
        return quantiles[:, int(middle[0])].copy(), quantiles

    def _forecast_history(self, history, steps, quantiles):
        """forecast (``quantiles`` None) or forecast_quantiles of one history: (steps,) or
        (steps, Q), and whether the library failed on it (the fallback's values)."""
        # window_model=False: for several series the message says to loop over forecast, not
        # to predict their last windows (a baseline forecasts from the whole history)
        y = np.ascontiguousarray(as_history(history, self.n_channels_,
                                            window_model=False)[:, 0])
        if quantiles is not None:
            self._check_spread_estimable(y.shape[0], "the history has")
        forecasts, status = self._forecast_recent(y[None, :], steps, quantiles, windows=False)
        self._warn_failures(status)
        return forecasts[0], bool(status[0] in _FELL_BACK)

    def _require_quantiles(self, method):
        if getattr(self, "quantiles_", None) is None:
            name = type(self).__name__
            raise ValueError(
                f"{name}.{method} needs quantiles, but the model was fitted with "
                f"quantiles=None: set quantiles=, e.g. {name}(quantiles=(0.1, 0.5, 0.9)), and "
                f"fit again"
            )

    def _check_spread_estimable(self, n_values, subject):
        """A ValueError for histories of one value: they have no forecast error to estimate the
        spread from, and the library's intervals for them have zero width (AutoARIMA), which
        would claim a certainty nothing supports."""
        if n_values < 2:
            raise ValueError(
                f"{type(self).__name__}: {subject} {n_values} value; prediction intervals need "
                f"at least 2 values, to estimate the spread of the forecast errors"
            )

    # -- the row loop ------------------------------------------------------------------------
    def _forecast_chunk(self, histories, steps, quantiles):
        """Forecast each row of ``histories`` (n, T); returns the forecasts, (n, steps), or
        (n, steps, Q) with ``quantiles`` (Q,), and (n,) statuses."""
        shape = (histories.shape[0], steps) + (() if quantiles is None else (quantiles.size,))
        out = np.empty(shape, dtype=np.float64)
        status = np.empty(histories.shape[0], dtype=np.int8)
        for i, row in enumerate(histories):
            y = np.array(row, dtype=np.float64)  # a private, writable, contiguous copy
            out[i], status[i] = self._forecast_window(y, steps, quantiles)
        return out, status

    def __setstate__(self, state):
        # a pickle of a version before session 19 has no quantiles: get_params, repr and clone
        # failed on it (review, session 19)
        state = dict(state)
        state.setdefault("quantiles", None)
        state.setdefault("max_history", None)  # before session 20
        if "n_outputs_" in state:
            state.setdefault("quantiles_", None)
        super().__setstate__(state)

    def _forecast_recent(self, histories, steps, quantiles, windows=True):
        """``_forecast_rows`` of the model with the settings of its fit, on the last
        ``max_history`` values of each history (n, T); (forecasts, statuses). ``windows``:
        the rows are predict's windows (else forecast's history), for the messages."""
        fitted = self._as_fitted()
        max_history = getattr(fitted, "max_history", None)
        if max_history is not None and histories.shape[1] > max_history:
            histories = histories[:, -int(max_history):]  # NumPy's unsigned ints: a Python int
        self._check_histories(fitted, histories, windows)
        return fitted._forecast_rows(histories, steps, quantiles)

    def _check_histories(self, fitted, histories, windows):
        """Warnings about predict's windows (``windows``) or forecast's history, (n, T) as the
        library gets them (after ``max_history``), with ``fitted`` the model of the fit's
        settings; once-per-model flags are set on ``self``."""

    def _as_fitted(self):
        """The model with the settings of its last fit (a shallow copy): ``set_params`` after
        ``fit`` takes effect at the next fit, as for any scikit-learn estimator. The settings
        were read at predict time, so ``set_params(season_length=0)`` changed the forecasts of
        a fitted model, unchecked (sklearn-conventions review, session 19). ``n_jobs`` and
        ``verbose`` say how to run, not what to forecast: read as they are now."""
        fitted = copy.copy(self)
        settings = getattr(self, "_fit_settings", {})  # none in a pickle of an older version
        fitted.__dict__.update({name: value for name, value in settings.items()
                                if name not in ("n_jobs", "verbose")})
        return fitted

    def _forecast_rows(self, histories, steps, quantiles=None):
        # called on self._as_fitted(): the settings of the fit
        n_rows = histories.shape[0]
        n_jobs = effective_n_jobs(getattr(self, "n_jobs", None))
        if n_jobs == 1 or n_rows == 1:
            return self._forecast_chunk(histories, steps, quantiles)
        n_chunks = min(n_rows, _CHUNKS_PER_JOB * n_jobs)
        bounds = np.linspace(0, n_rows, n_chunks + 1).astype(int)
        # the workers run under the caller's warning filters and send their warnings back:
        # statsforecast's own warnings were printed in the workers, and an "error" filter made
        # a window fall back with n_jobs=1 only, so the forecasts depended on n_jobs (review,
        # session 19)
        caller = current_caller()
        results = collect(Parallel(n_jobs=self.n_jobs, verbose=getattr(self, "verbose", 0))(
            delayed(call_recording_warnings)(caller, self._forecast_chunk,
                                             histories[start:stop], steps, quantiles)
            for start, stop in zip(bounds[:-1], bounds[1:])
        ))
        return (np.concatenate([r[0] for r in results]),
                np.concatenate([r[1] for r in results]))

    def _warn_failures(self, status):
        n_failed = int(np.sum(status == _FAILED))
        n_exploded = int(np.sum(status == _EXPLODED))
        if not n_failed + n_exploded:
            return
        failed = "raised an error or returned NaN or infinity"
        exploded = (f"returned an explosive forecast, leaving the window's range by more than "
                    f"{_EXPLOSION_FACTOR:,.0f} times its width (an allowance that widens with "
                    "the step)")
        if not n_exploded:
            what = f"statsforecast failed ({failed}) on {n_failed}"
        elif not n_failed:
            what = f"statsforecast {exploded} on {n_exploded}"
        else:
            what = (f"statsforecast failed on {n_failed + n_exploded} ({n_failed} {failed}; "
                    f"{n_exploded} {exploded})")
        warnings.warn(
            f"{type(self).__name__}: {what} of {status.size} window(s); they got "
            f"{self._as_fitted()._fallback_name()} instead.",
            BaselineFallbackWarning,
            stacklevel=4,  # the caller of predict, forecast or their quantile versions
        )

    def _call_library(self, y, steps, quantiles, make_model):
        """Run one statsforecast model on ``y``: its forecast (steps,), or its quantiles
        (steps, Q) when ``quantiles`` is not None, and the status. On any failure (an error,
        NaN or infinity, in the mean or in a bound, also once back in the units of ``y``) the
        fallback's, _FAILED; on an explosive mean (_explodes), the fallback's, _EXPLODED.

        The library fits ``y`` times a power of two that puts it in its safe range
        (_library_exponent; none for ordinary data, which it gets as they are) and the forecasts
        are divided by it: exact, so the units change nothing else.
        """
        expected = (steps,) if quantiles is None else (steps, quantiles.size)
        exponent = _library_exponent(y)
        library_y = np.ldexp(y, exponent) if exponent else y
        status = _FAILED
        try:
            # no catch_warnings here: entering one clears Python's once-per-location registry,
            # so the fallback warning came again at every forecast call under the default
            # filter (60 times for 30 series at 2 origins; user trial, session 17), and it hid
            # little: statsforecast's own warnings (AutoARIMA's "3 or more differencing
            # operations" on 2 of M3's monthly series) pass through (docs/baselines.md)
            with np.errstate(all="ignore"):
                values, mean = _library_forecast(make_model(), library_y, steps, quantiles)
                if exponent:
                    # beyond float64 back in the data's units (data near 1e308 forecast to grow
                    # past ~1.8e308): inf, the library's infinity, so the fallback's
                    values = np.ldexp(values, -exponent)
            if values.shape == expected and np.all(np.isfinite(values)):
                if not _explodes(library_y, mean, self._growth_degree()):
                    return values, _FITTED
                status = _EXPLODED
        except Exception:  # noqa: BLE001 -- any library failure gets the documented fallback
            pass
        return _fallback(y, steps, self._fallback_season(y.shape[0]), quantiles), status

    def _growth_degree(self):
        """The degree of the polynomial growth _explodes allows the point forecasts (None: not
        checked). 2 by default: the library models' forecasts are at most linear in the step
        (ETS without a multiplicative trend, Theta, MSTL's trend models) or quadratic
        (automatic ARIMA with d = 2 and D = 1), and a degree above theirs costs nothing against
        geometric growth."""
        return 2

    def _seasonal_period(self, n):
        """The season length used for a window of ``n`` values: ``season_length`` when the
        window holds at least two full seasons, else 1 (no seasonal component)."""
        season_length = int(self.season_length)  # NumPy's unsigned integers wrap around
        return season_length if season_length > 1 and n >= 2 * season_length else 1


_NJOBS_VERBOSE_DOC = """\
    n_jobs : int or None, default=None
        Worker processes over the rows of ``X`` at predict time (joblib). None means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors. The result does not
        depend on it.
    verbose : int, default=0
        0 is silent; 1 prints one line per ``predict`` (windows, seconds, short-window and
        fallback counts) and shows joblib's progress messages when ``n_jobs > 1``."""


_QUANTILES_DOC = """\
    quantiles : array-like of float in (0, 1) or None, default=None
        The quantiles :meth:`predict_quantiles` and :meth:`forecast_quantiles` forecast, distinct
        and in increasing order (the order of their columns): ``(0.1, 0.5, 0.9)`` gives the
        median and the 80% prediction interval. None: point forecasts only. :meth:`predict` and
        :meth:`forecast` do not depend on it, nor does their cost.
    max_history : int >= 2 or None, default=None
        Fit the model to the last ``max_history`` values of each window and history only (the
        older ones are not read); None reads them all. Long histories cost time (hourly data:
        one ETS fit to 17,496 values took 18.8 s, Theta 40.7 s, AutoARIMA more than 10 minutes;
        user trial, session 20), and :func:`~skattn.model_selection.backtest` fits the whole
        history before every origin. For the seasonal models keep at least two seasons
        (``2 * season_length``; one for SeasonalNaiveForecaster): a shorter one gets the
        non-seasonal model (see Notes), and ``fit`` warns of it (a UserWarning), as it does of a
        ``max_history`` too short for the model itself (every forecast naive)."""


_SHARED_ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names.
    n_channels_ : int
        Channels of the windows seen during fit (only channel 0, the target, is used).
    n_outputs_ : int
        The horizon: the number of future values predicted per window.
    quantiles_ : ndarray of shape (n_quantiles,) or None
        ``quantiles`` as validated at fit (float64), or None when it is None."""


# ------------------------------------------------------------------------------------------
# NumPy baselines
# ------------------------------------------------------------------------------------------
class NaiveForecaster(_LocalForecaster):
    """Forecast every future value as the last value of the window (the random walk).

    Plain NumPy; needs no forecasting library. Works for any window length >= 1.

    Parameters
    ----------
{quantiles}

    Attributes
    ----------
{attributes}

    See Also
    --------
    SeasonalNaiveForecaster : Repeat the last season instead of the last value.

    Notes
    -----
    **Prediction intervals** are normal, as statsforecast's ``Naive`` computes them (Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5): quantile q
    at step h is ``last + norm.ppf(q) * sigma * sqrt(h)``, where sigma is the root mean square of
    the window's one-step changes ``y[t] - y[t - 1]``. A window needs 2 values for them (a
    ValueError otherwise); a constant window gets zero width.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.baselines import NaiveForecaster
    >>> X = np.array([[1.0, 2.0, 3.0], [5.0, 4.0, 7.0]])
    >>> NaiveForecaster().fit(X, np.zeros((2, 2))).predict(X)
    array([[3., 3.],
           [7., 7.]])

    Prediction intervals: the median and the 80% interval, widening with the step; the
    one-step changes of the history (1, 2, -1) have a root mean square of sqrt(2):

    >>> model = NaiveForecaster(quantiles=(0.1, 0.5, 0.9)).fit(X, np.zeros((2, 2)))
    >>> model.forecast_quantiles([1.0, 2.0, 4.0, 3.0], steps=3).round(2)
    array([[ 1.19,  3.  ,  4.81],
           [ 0.44,  3.  ,  5.56],
           [-0.14,  3.  ,  6.14]])
    """

    def __init__(self, *, quantiles=None, max_history=None):
        self.quantiles = quantiles
        self.max_history = max_history

    def _forecast_rows(self, histories, steps, quantiles=None):
        # histories: (n, T) -> (n, steps), or (n, steps, Q)
        out = _seasonal_naive_forecasts(histories, steps, 1, quantiles)
        return out, np.full(histories.shape[0], _FITTED, dtype=np.int8)


class SeasonalNaiveForecaster(_LocalForecaster):
    """Forecast each future value as the value one season earlier (the last season, repeated).

    Plain NumPy; needs no forecasting library.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data with a yearly cycle). The default 1 assumes no
        seasonality, like everywhere in skattn (the windows carry no timestamps to infer it from):
        with it this model equals :class:`NaiveForecaster`. Set it for seasonal data.
{quantiles}

    Attributes
    ----------
{attributes}

    Notes
    -----
    A window shorter than ``season_length`` holds no full season: it gets the naive forecast (its
    last value, repeated).

    **Prediction intervals** are normal, as statsforecast's ``SeasonalNaive`` computes them
    (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5): with
    ``m = season_length``, quantile q at step h is the forecast plus
    ``norm.ppf(q) * sigma * sqrt(floor((h - 1) / m) + 1)``, where sigma is the root mean square of
    the window's seasonal differences ``y[t] - y[t - m]``. A window of ``m`` values or fewer has
    no seasonal difference: it gets the naive intervals (:class:`NaiveForecaster`) around its
    forecast (statsforecast's width is zero for a window of exactly one season). A window needs
    2 values for them (a ValueError otherwise); a constant window gets zero width.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.baselines import SeasonalNaiveForecaster
    >>> X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> SeasonalNaiveForecaster(season_length=3).fit(X, np.zeros((1, 4))).predict(X)
    array([[3., 4., 5., 3.]])

    A 90% interval: the seasonal differences (3, 3) give sigma = 3, and the interval widens after
    a season:

    >>> model = SeasonalNaiveForecaster(season_length=3, quantiles=(0.05, 0.95))
    >>> model.fit(X, np.zeros((1, 4))).predict_quantiles(X).round(2)
    array([[[-1.93,  7.93],
            [-0.93,  8.93],
            [ 0.07,  9.93],
            [-3.98,  9.98]]])
    """

    _parameter_constraints: dict = {
        **_LocalForecaster._parameter_constraints,
        "season_length": [IntegerInterval(1, None, closed="left")],
    }
    _cycles_per_season = 1  # the last cycle, repeated

    def __init__(self, season_length=1, *, quantiles=None, max_history=None):
        self.season_length = season_length
        self.quantiles = quantiles
        self.max_history = max_history

    def _forecast_rows(self, histories, steps, quantiles=None):
        # histories: (n, T) -> (n, steps), or (n, steps, Q)
        out = _seasonal_naive_forecasts(histories, steps, self.season_length, quantiles)
        return out, np.full(histories.shape[0], _FITTED, dtype=np.int8)


# ------------------------------------------------------------------------------------------
# statsforecast baselines
# ------------------------------------------------------------------------------------------
_ETS_MODELS = {e + t + s for e in "AMZ" for t in "NAMZ" for s in "NAMZ"}


class ETSForecaster(_LocalForecaster):
    """Exponential smoothing (ETS) with automatic model selection, fitted to each window.

    statsforecast's ``AutoETS`` (a port of R's ``forecast::ets``, Hyndman & Khandakar, 2008):
    among the error / trend / season combinations allowed by ``model`` it fits each by maximum
    likelihood and keeps the one with the lowest AICc. Needs ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn: the windows carry no timestamps to infer it from) searches non-seasonal models
        only; set it for seasonal data.
    model : str, default="ZZZ"
        Three letters: error (A, M or Z), trend (N, A, M or Z), season (N, A, M or Z); A
        additive, M multiplicative, N none, Z selected automatically. "ZZZ" searches all.
    damped : bool or None, default=None
        Damped trend: None tries both, True or False forces it.
{quantiles}
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** The season (the third letter) is used only when ``season_length > 1`` and
    the window holds at least ``2 * season_length`` values; otherwise it becomes N. statsforecast
    fits ETS only to windows longer than ``n_params + 4`` values, where ``n_params`` counts 2 for
    the level, 2 for an A or M trend, 2 for an A or M season and 1 for ``damped=True`` (Z letters
    count 0): 7 values for the default model. Shorter windows get the naive forecast. A window on
    which statsforecast fails (for example a multiplicative ``model`` on data with zeros or
    negative values) gets the fallback forecast, with a :class:`BaselineFallbackWarning`, as does
    an explosive forecast (one leaving the window's range by more than 1,000 times its width, an
    allowance that widens with the step; ``docs/baselines.md``), except with a multiplicative
    trend, which ``model`` can force and which grows geometrically by design.

    **Prediction intervals** (``quantiles``) are statsforecast's for the model selected: normal,
    from the analytic forecast variances of Hyndman et al. (2008) for every model but those with
    a multiplicative trend, which "ZZZ" never selects (forced by ``model``, they are quantiles of
    5,000 simulated paths, seeded, and need ``damped=True``: statsforecast simulates an undamped
    multiplicative trend's paths without the trend, so ``quantiles`` with it are refused).
    Windows below the minimum, and fallbacks, get the naive or seasonal naive intervals
    (:class:`NaiveForecaster`, :class:`SeasonalNaiveForecaster`).

    **Cost.** Each window (or ``forecast`` history) is fitted once and forecast in one library
    call for all its values, however many: ``forecast(history, steps)`` with ``steps`` beyond
    the horizon does not refit or recurse. Most of the time goes into the fit, which does not
    depend on ``steps`` (measured: 80 to 100 ms for a 120-value series with
    ``season_length=12``, 6 ms without a season, whether ``steps`` is 18 or 1,440).
    statsforecast's point forecast (its C++ ``ets::Forecast``) finds each step's seasonal index
    with a loop of about ``i / m`` iterations at step ``i``, even without a season (``m`` is
    ``season_length``, or 1 for a window fitted without a season), so ``steps`` values cost
    on the order of ``steps**2 / (2 * m)`` cheap iterations. That is negligible below about
    10,000 steps and dominates above: for ``steps`` = 18,000 / 36,000 / 72,000 it measured
    about 0.07 / 0.2 / 0.7 to 1 s on top of the fit with ``m = 1``, and 0.004 / 0.02 / 0.08 s
    with ``m = 12``. skattn cannot avoid it without recomputing the library's forecast itself.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ETSForecaster
    >>> t = np.arange(120)
    >>> series = 10 + np.sin(2 * np.pi * t / 12) + 0.05 * t
    >>> X, y = make_windows(series, window=48, horizon=6, step=12)
    >>> model = ETSForecaster(season_length=12).fit(X, y)
    >>> model.forecast(series, steps=12).shape
    (12,)

    Prediction intervals, here 24 steps beyond a horizon of 6:

    >>> model = ETSForecaster(season_length=12, quantiles=(0.1, 0.5, 0.9))
    >>> model.fit(X, y).forecast_quantiles(series, steps=24).shape
    (24, 3)
    """

    _needs_library = True
    _parameter_constraints: dict = {
        **_LocalForecaster._parameter_constraints,
        "season_length": [IntegerInterval(1, None, closed="left")],
        "model": [StrOptions(_ETS_MODELS)],
        "damped": ["boolean", None],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, season_length=1, *, model="ZZZ", damped=None, quantiles=None,
                 max_history=None, n_jobs=None, verbose=0):
        self.season_length = season_length
        self.model = model
        self.damped = damped
        self.quantiles = quantiles
        self.max_history = max_history
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _check_params(self):
        error, trend, season = self.model
        if self.damped and trend == "N":
            raise ValueError(f"damped=True needs a trend, but model={self.model!r} has none (N)")
        if trend == "M" and self.quantiles is not None and not self.damped:
            # statsforecast simulates an undamped model's paths with phi = 0 (its missing phi
            # read as 0), which takes the multiplicative trend out: on a series growing 3% a
            # step the 0.9 quantile lay below the forecast, at every step (review, session 31)
            raise ValueError(
                f"quantiles with model={self.model!r} (a multiplicative trend) need "
                f"damped=True: statsforecast simulates the undamped model's paths without "
                f"their trend, so its upper bounds fall below the forecast; use damped=True, "
                f"or an A or Z trend"
            )
        # the combinations statsforecast (like forecast::ets) refuses as numerically unstable
        if (error == "A" and "M" in (trend, season)) or (error == "M" and trend == "M" and season == "A"):
            raise ValueError(
                f"model={self.model!r} is a forbidden ETS combination (additive error with a "
                "multiplicative trend or season, or M-M-A); use Z letters to let AutoETS choose"
            )

    def _naive_by_rule(self, n):
        m = self._seasonal_period(n)
        spec = self.model if m > 1 else self.model[:2] + "N"
        n_params = 2 + 2 * (spec[1] in "AM") + 2 * (spec[2] in "AM") + int(bool(self.damped))
        return n <= n_params + 4

    def _growth_degree(self):
        # a multiplicative trend (only where model forces it: "Z" never selects it) grows
        # geometrically by design, so its forecasts are not checked for explosion
        return None if self.model[1] == "M" else super()._growth_degree()

    def _forecast_window(self, y, steps, quantiles):
        if self._naive_by_rule(y.shape[0]):
            return _naive(y, steps, quantiles), _BY_RULE
        m = self._seasonal_period(y.shape[0])
        spec = self.model if m > 1 else self.model[:2] + "N"
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(
            y, steps, quantiles,
            lambda: models.AutoETS(season_length=m, model=spec, damped=self.damped),
        )


class ThetaForecaster(_LocalForecaster):
    """The Theta method, fitted to each window.

    statsforecast's Theta family (Fiorucci et al., 2016): the window is deseasonalised when a
    seasonality test finds a season, a theta line is fitted and extrapolated, and the season is
    put back. Needs ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn) never deseasonalises; set it for seasonal data.
    model : {"DOTM", "DSTM", "OTM", "STM", "auto"}, default="DOTM"
        Which Theta model: the dynamic optimised Theta (the most accurate on M3 monthly, see
        ``docs/baselines.md``), the dynamic standard, the optimised, or the standard Theta method
        (Assimakopoulos & Nikolopoulos, 2000, theta = 2); "auto" picks among the four by in-sample
        mean squared error.
    decomposition : {"multiplicative", "additive"}, default="multiplicative"
        Seasonal decomposition. statsforecast switches to additive for windows with zeros or
        negative values.
{quantiles}
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** A season is looked for only when ``season_length >= 4`` (statsforecast's
    test, at 90% confidence on the autocorrelation at lag ``season_length``) and the window holds
    at least ``2 * season_length`` values. statsforecast fits Theta only to windows of more than
    3 values; windows of 1 to 3 values get the naive forecast. A window on which statsforecast
    fails gets the fallback forecast, with a :class:`BaselineFallbackWarning`.

    The test needs about four cycles: on fewer it finds only sharp seasonal peaks, not even a
    noise-free sine of period ``season_length`` (found from 44 values for 12, 196 for 52), and
    three years of weekly data were forecast as by ``ThetaForecaster(1)``. ``predict`` and
    ``forecast`` warn (a UserWarning, once per model) when their windows or history, after
    ``max_history``, hold two seasons but are shorter than that, and the test finds no season
    in them. Seasons of 2 and 3 are never tested, so never used.

    **Prediction intervals** (``quantiles``) are statsforecast's: quantiles of 200 simulated
    paths (seeded, so repeatable) with normal errors whose standard deviation is that of the
    in-sample residuals after the first three. With so few paths the far tails (below 0.025 or
    above 0.975) rest on a handful of draws, and the widths are noisy from step to step (the 80%
    width can fall by 20-40% from one step to the next; every series shares the seeded pattern;
    docs/baselines.md). On a window of 4 values statsforecast warns that
    it has too few residuals and uses them all. Windows of 1 to 3 values, and fallbacks, get
    the naive or seasonal naive intervals. When the season is decomposed additively
    (``decomposition="additive"``, or a window with a value <= 0), the residuals are those of
    the seasonally adjusted window: statsforecast 2.1 adds the season back into them, which made
    such intervals about 3.8 times too wide (corrected since session 33; the multiplicative
    intervals and all point forecasts are statsforecast's as they are).

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ThetaForecaster
    >>> series = 10.0 + 2.0 * np.arange(30)  # a straight line up to 68
    >>> X, y = make_windows(series, window=12, horizon=3, step=3)
    >>> model = ThetaForecaster().fit(X, y)
    >>> np.round(model.forecast(series, steps=3))
    array([70., 72., 74.])
    """

    _needs_library = True
    _parameter_constraints: dict = {
        **_LocalForecaster._parameter_constraints,
        "season_length": [IntegerInterval(1, None, closed="left")],
        "model": [StrOptions({"DOTM", "DSTM", "OTM", "STM", "auto"})],
        "decomposition": [StrOptions({"multiplicative", "additive"})],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, season_length=1, *, model="DOTM", decomposition="multiplicative",
                 quantiles=None, max_history=None, n_jobs=None, verbose=0):
        self.season_length = season_length
        self.model = model
        self.decomposition = decomposition
        self.quantiles = quantiles
        self.max_history = max_history
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _naive_by_rule(self, n):
        return n <= 3

    def _season_lengths(self):
        # below 4 statsforecast neither tests for a season nor decomposes (see the Notes): no
        # max_history makes it used, and the fit's warning told ThetaForecaster(3,
        # max_history=5) to "set max_history >= 6", which changed nothing (review, session 31)
        return [period for period in super()._season_lengths() if period >= 4]

    def _check_histories(self, fitted, histories, windows):
        # statsforecast decomposes a window only when its seasonality test passes, and on short
        # windows it passes only for sharp seasonal peaks: ThetaForecaster(52) on three years of
        # weekly data forecast exactly as ThetaForecaster(1), without a word (user trial,
        # session 23). Warned where the forecasts are made, not at fit: backtest fits on
        # windows (compare's weekly window is 52) but forecasts from the whole histories
        season_length = int(fitted.season_length)
        if season_length < 4 or getattr(self, "_warned_of_untested_season", False):
            return  # below 4 statsforecast never tests (nor decomposes): see the Notes
        length = histories.shape[1]
        if length < 2 * season_length:
            return  # below two seasons no model uses the season: a documented rule, no warning
        # only now, with the season at most half the history: its cost grows with the season
        # (season_length=10**9 on 60 values allocated 7.45 GiB; fuzzing, session 28)
        needed = _shortest_window_finding_a_sine(season_length, _THETA_CRITICAL_VALUE)
        if needed is not None and length >= needed:
            return
        # a constant window has no season to find, however long (30 zeros of intermittent sales
        # were told to give 44 values or more; review, session 31)
        varying = histories[np.ptp(histories, axis=1) > 0]
        if varying.shape[0] == 0 or _any_found_seasonal(varying, season_length):
            return  # the test's own verdict on these values, not their length
        several = histories.shape[0] > 1
        noun = "window" if windows else "history"
        what = (f"the {histories.shape[0]} windows of {length} values hold" if several else
                f"a {noun} of {length} values holds")
        capped = (fitted.max_history is not None and length == int(fitted.max_history))
        longer = (f"max_history >= {needed}" if capped else
                  f"windows of {needed} values or more (make_windows' window)" if windows else
                  f"histories of {needed} values or more")
        warnings.warn(
            f"ThetaForecaster: {what} {length / season_length:.3g} cycles of "
            f"season_length={season_length}, and statsforecast's seasonality test (the "
            f"autocorrelation at lag {season_length} against 1.645 standard errors) found no "
            f"season in {'any of them' if several else 'it'}. That test finds even a noise-free "
            f"sine of period {season_length} only in {needed} values "
            f"({needed / season_length:.3g} cycles) or more; in fewer it passes only for sharp "
            f"seasonal peaks. {'Their forecasts are' if several else 'Its forecast is'} "
            f"non-seasonal, as ThetaForecaster(1)'s. Give {longer}, or use "
            f"SeasonalNaiveForecaster, ETSForecaster or MSTLForecaster, which take the season "
            f"as given without that test. Said once per model: it applies to every {noun} of "
            f"fewer than {needed} values the test finds no season in.",
            UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))
        self._warned_of_untested_season = True  # after: an "error" filter raised it

    def _forecast_window(self, y, steps, quantiles):
        if self._naive_by_rule(y.shape[0]):
            return _naive(y, steps, quantiles), _BY_RULE
        m = self._seasonal_period(y.shape[0])
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(
            y, steps, quantiles, lambda: _SeasonAdjustedSigmaTheta(models.AutoTheta(
                season_length=m, decomposition_type=self.decomposition,
                model=None if self.model == "auto" else self.model,
            ))
        )


class _SeasonAdjustedSigmaTheta:
    """statsforecast's ``AutoTheta`` whose intervals take sigma from the seasonally adjusted
    residuals also when the season is decomposed additively.

    statsforecast 2.1 (``theta.auto_theta``) puts the season back into the residuals of the
    adjusted window: ``residuals * y_decompose`` when multiplicative (the errors scaled by the
    seasonal index, close to 1), but ``residuals + y_decompose`` when additive, so the sigma of
    ``forecast_theta``'s simulated paths held the seasonal swing, and the paths get the seasonal
    forecast added on top: the 80% intervals of level + 5 sin + N(0, 1) were 3.8 times too wide
    (coverage 1.000, width 9.76 against 2.56), with ``decomposition="additive"`` and with the
    default on any window holding a value <= 0, where statsforecast switches to additive
    (quantile trial, session 33). The season is taken back out of the fitted model's residuals
    before its ``predict`` simulates the paths: the decomposition's seasonal component is periodic
    (statsmodels' ``seasonal_decompose`` tiles one season), and the model keeps its last season
    (``seas_forecast``), so it is rebuilt exactly (tested against ``seasonal_decompose``).
    ``fit`` then ``predict`` makes the same calls as ``forecast``, so the point forecasts and the
    multiplicative intervals are unchanged, bit for bit (tested).
    """

    def __init__(self, model):
        self.model = model  # an unfitted statsforecast AutoTheta

    def forecast(self, y, h, level=None):
        fitted = self.model.fit(y).model_
        if fitted.get("decompose", False) and fitted["decomposition_type"] == "additive":
            _take_the_season_out_of_the_residuals(fitted, y)
        return self.model.predict(h=h, level=level)


def _take_the_season_out_of_the_residuals(fitted, y):
    """Subtract the additive seasonal component from the residuals of a fitted AutoTheta's
    ``model_`` dict ``fitted`` (in place), where they hold it (see _SeasonAdjustedSigmaTheta).

    Only residuals that hold the season: those of the adjusted window, as a statsforecast
    without the defect would keep them, are not taken it out of twice. With the season s added
    to errors e about orthogonal to it, |e + s|^2 > |e|^2, so taking it out lowers the sum of
    squares; from the adjusted residuals e it would raise it (|e - s|^2 > |e|^2)."""
    last_season = np.asarray(fitted["seas_forecast"]["mean"], dtype=np.float64)
    # the component's last m values: value t of the n has the index (t - n) mod m
    n = fitted["residuals"].shape[0]  # one per value of y
    season = last_season[(np.arange(n) - n) % last_season.size]
    residuals = fitted["residuals"]
    known = np.isfinite(residuals)
    if np.sum((residuals[known] - season[known]) ** 2) < np.sum(residuals[known] ** 2):
        fitted["residuals"] = residuals - season
        fitted["fitted"] = y - fitted["residuals"]  # kept consistent, though not read


#: statsforecast's Theta tests for a season at 90% (two-sided): ``norm.ppf(0.95)``, 1.645
_THETA_CRITICAL_VALUE = float(norm.ppf(0.95))
_TESTED_PER_CHUNK = 256  # windows tested at once: the first seasonal one ends the search


def _any_found_seasonal(histories, season_length):
    """Whether statsforecast's Theta seasonality test finds a season in any row of ``histories``
    (n, T), T >= 2 * season_length: its statistic, computed as statsforecast computes it."""
    for start in range(0, histories.shape[0], _TESTED_PER_CHUNK):
        rows = histories[start:start + _TESTED_PER_CHUNK]
        # in units of each row's largest value: the test is scale-free, and the squares of
        # values beyond 1e154 overflow (statsforecast gets such rows rescaled, _library_exponent)
        magnitude = np.abs(rows).max(axis=1, keepdims=True)
        rows = rows / np.where(magnitude > 0, magnitude, 1.0)
        autocorrelation, standard_error = _seasonal_autocorrelation(rows, season_length)
        if np.any(np.abs(autocorrelation) > _THETA_CRITICAL_VALUE * standard_error):
            return True
    return False


def _check_order(value, name):
    """A tuple of three non-negative ints, or a ValueError."""
    try:
        order = tuple(value)
    except TypeError:
        order = None
    if (order is None or len(order) != 3
            or not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 0 for v in order)):
        raise ValueError(f"{name} must be three non-negative integers (p, d, q), got {value!r}")
    return tuple(int(v) for v in order)


class ARIMAForecaster(_LocalForecaster):
    """ARIMA fitted to each window: automatic order selection, or a fixed order.

    statsforecast's ``AutoARIMA`` (a port of R's ``forecast::auto.arima``, Hyndman & Khandakar,
    2008: differencing chosen by unit-root tests, then a stepwise search of orders by AICc), or
    its ``ARIMA`` with the given ``order`` and ``seasonal_order``. Needs
    ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    order : tuple of 3 int (p, d, q) or None, default=None
        None selects the orders automatically on each window. A tuple fixes the non-seasonal
        order (with a mean when d = 0, no drift).
    seasonal_order : tuple of 3 int (P, D, Q) or None, default=None
        The seasonal order of a fixed model (season ``season_length``); None means (0, 0, 0).
        Only with ``order``.
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn) fits non-seasonal models; set it for seasonal data.
{quantiles}
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** Automatic selection runs on every window, however short (statsforecast
    limits the orders it searches to a third of the window's length; a window of one value gets
    that value). Seasonal models are searched only when ``season_length > 1`` and the window holds
    at least ``2 * season_length`` values. Short windows get no cheaper stand-in because none
    measured as accurate: on M3 monthly windows of 10, 15, 20 and 30 values the automatic search
    had a lower sMAPE than the naive forecast and than a fixed ARIMA(0,1,1) at every length, and
    a lower MASE at every length but 15 (``docs/baselines.md``). It is the slowest baseline
    (measured: about 0.07 s of CPU on a window of 10 to 30 values, 0.56 s on an M3 monthly series
    with ``season_length=12``): use ``n_jobs``.

    **Windows far from 0** (a mean beyond 30 times the window's range) are fitted about 0 and
    their mean added back: statsforecast's ARIMA widened its intervals with the level (80% width
    2.53 at level 0, 7,910 at 1e7 for the same sine with N(0, 1) noise). Other windows are
    fitted as they are (``docs/baselines.md``); of the competitions' training parts, two M3
    quarterly series are centred.

    Fixed order: the model is fitted when the window has more values, after differencing
    (``n - d - D * season_length``), than the model has coefficients (``p + q + P + Q + 1``),
    and at least as many as the lags statsforecast conditions on (``d + D * season_length + p +
    P * season_length``); shorter windows get the naive forecast. A window on which
    statsforecast fails gets the fallback forecast, with a :class:`BaselineFallbackWarning`;
    so does one whose forecast explodes, as an order close to the window's length can make it
    (``(50, 0, 0)`` on 72 values around 15: 8.8e6, -1.1e8, 8.7e8): at some step h it leaves the
    window's range by more than 1,000 times its width times ``(1 + h)**max(2, d + D)``.

    **Prediction intervals** (``quantiles``) are statsforecast's: normal, from the fitted
    model's forecast standard errors (its innovation variance and psi weights). Windows the
    library cannot give an interval for (infinite or NaN bounds, as AutoARIMA gives on some
    windows of 2 or 3 values) and fallbacks get the naive or seasonal naive intervals, with
    the warning; fixed-order windows below the minimum get the naive intervals.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ARIMAForecaster
    >>> series = 10.0 + 2.0 * np.arange(30)  # a straight line up to 68
    >>> X, y = make_windows(series, window=12, horizon=3, step=3)
    >>> np.round(ARIMAForecaster().fit(X, y).forecast(series, steps=3))
    array([70., 72., 74.])

    A fixed order, here ARIMA(0, 1, 0) (the random walk):

    >>> np.round(ARIMAForecaster(order=(0, 1, 0)).fit(X, y).forecast(series, steps=3))
    array([68., 68., 68.])

    Prediction intervals of the random walk on a zigzag line, widening with the step:

    >>> zigzag = series + np.tile([0.5, -0.5], 15)
    >>> model = ARIMAForecaster(order=(0, 1, 0), quantiles=(0.1, 0.5, 0.9)).fit(X, y)
    >>> model.forecast_quantiles(zigzag).round(2)
    array([[64.67, 67.5 , 70.33],
           [63.5 , 67.5 , 71.5 ],
           [62.61, 67.5 , 72.39]])
    """

    _needs_library = True
    _parameter_constraints: dict = {
        **_LocalForecaster._parameter_constraints,
        "order": [tuple, list, None],
        "seasonal_order": [tuple, list, None],
        "season_length": [IntegerInterval(1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, order=None, seasonal_order=None, *, season_length=1, quantiles=None,
                 max_history=None, n_jobs=None, verbose=0):
        self.order = order
        self.seasonal_order = seasonal_order
        self.season_length = season_length
        self.quantiles = quantiles
        self.max_history = max_history
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_params(self):
        # the other baselines take the season first, so ARIMAForecaster(52) was met by "The
        # 'order' parameter ... Got 52 instead." only (user trial, session 23): scikit-learn's
        # message and error, with the call that was meant
        try:
            super()._validate_params()
        except InvalidParameterError as exc:
            if isinstance(self.order, Integral) and not isinstance(self.order, bool):
                raise InvalidParameterError(
                    f"{exc} ARIMAForecaster's first parameter is the order (p, d, q); the season "
                    f"is the keyword season_length: did you mean "
                    f"ARIMAForecaster(season_length={int(self.order)})?") from exc
            raise

    def _check_params(self):
        if self.order is None:
            if self.seasonal_order is not None:
                raise ValueError(
                    "seasonal_order fixes a model, so it needs order too; with order=None both "
                    "are selected automatically"
                )
            return
        _check_order(self.order, "order")
        if self.seasonal_order is not None:
            seasonal = _check_order(self.seasonal_order, "seasonal_order")
            if any(seasonal) and self.season_length <= 1:
                raise ValueError(
                    f"seasonal_order={self.seasonal_order!r} needs season_length > 1, got "
                    f"season_length={self.season_length}"
                )

    def _warn_seasons_beyond_max_history(self):
        # a fixed order has its own rule (_forecast_window: more than d + D * m + p + q + P + Q
        # + 1 values, else the naive forecast), not two cycles, and no season without
        # seasonal_order: the two-cycles warning was wrong for it, and a max_history under its
        # minimum gave every window the naive forecast (review, session 22)
        if self.order is None:
            super()._warn_seasons_beyond_max_history()
            return
        if self.max_history is None:
            return
        p, d, q = _check_order(self.order, "order")
        P, D, Q = ((0, 0, 0) if self.seasonal_order is None
                   else _check_order(self.seasonal_order, "seasonal_order"))
        m = int(self.season_length) if any((P, D, Q)) else 1
        needed = _fixed_order_minimum(p, d, q, P, D, Q, m)
        if int(self.max_history) < needed:
            warnings.warn(
                f"max_history={int(self.max_history)} is too short for order={self.order!r}"
                f"{'' if self.seasonal_order is None else f', seasonal_order={self.seasonal_order!r}'}"
                f": a window needs at least {needed} values for this model (the larger of d + D "
                f"* season_length + p + q + P + Q + 2 and the lags it conditions on, d + D * "
                f"season_length + p + P * season_length), so every window gets the naive "
                f"forecast; set max_history >= {needed}", UserWarning,
                stacklevel=stacklevel_of_caller(__name__, whole_package=True))

    def _growth_degree(self):
        # a fixed order's forecasts are polynomials of degree d + D - 1 (no drift) in the step,
        # beyond the default's 2 when the user differences three times or more
        if self.order is None:
            return super()._growth_degree()
        d = _check_order(self.order, "order")[1]
        D = 0 if self.seasonal_order is None else _check_order(self.seasonal_order,
                                                               "seasonal_order")[1]
        return max(super()._growth_degree(), d + D)

    def _forecast_window(self, y, steps, quantiles):
        # statsforecast's ARIMA fits a window far from 0 worse the farther it is, as if the
        # level were signal: a sine of amplitude 5 with N(0, 1) noise got 80% intervals of
        # width 2.53 at level 0, 2.66 at 1,000, 3.49 at 3,000 and 7,910 at 1e7 (AutoARIMA
        # picked the seasonal naive model there, sigma2 9.5e6; warnings trial, session 33).
        # ARIMA is additive, its forecasts move with a shift of the data: such a window is
        # fitted about 0 and the level added back. Only there (mean beyond 30 times the
        # window's range), so most windows are fitted as they are, bit for bit (of the
        # competitions' training parts, two M3 quarterly series are centred, N0951 and N0966;
        # of M3 monthly windows of 10 to 30 values, 218 of 4,284; review, session 33). Not
        # where the mean or range overflows (data near float64's largest: y - inf was NaN)
        with np.errstate(over="ignore"):
            spread = np.ptp(y)
            level = float(np.mean(y))
        if np.isfinite(level) and np.isfinite(spread) and 0 < spread \
                and abs(level) > _ARIMA_CENTRING_RATIO * spread:
            values, status = self._forecast_window_as_given(y - level, steps, quantiles)
            return values + level, status
        return self._forecast_window_as_given(y, steps, quantiles)

    def _forecast_window_as_given(self, y, steps, quantiles):
        n = y.shape[0]
        models = None
        if self.order is None:
            m = self._seasonal_period(n)
            models = _import_statsforecast(type(self).__name__)
            return self._call_library(y, steps, quantiles,
                                      lambda: models.AutoARIMA(season_length=m))
        p, d, q = _check_order(self.order, "order")
        P, D, Q = (0, 0, 0) if self.seasonal_order is None else _check_order(self.seasonal_order,
                                                                               "seasonal_order")
        m = self.season_length if any((P, D, Q)) else 1
        if n < _fixed_order_minimum(p, d, q, P, D, Q, m):
            return _naive(y, steps, quantiles), _BY_RULE
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(y, steps, quantiles, lambda: models.ARIMA(
            order=(p, d, q), seasonal_order=(P, D, Q), season_length=m,
        ))


#: ARIMAForecaster fits a window about 0 when its mean lies beyond this many times its range
_ARIMA_CENTRING_RATIO = 30


def _fixed_order_minimum(p, d, q, P, D, Q, m):
    """The fewest values a window needs for ARIMAForecaster's fixed order to be fitted: more
    after differencing than the model has coefficients (``n - d - D * m > p + q + P + Q + 1``),
    and at least the values statsforecast's conditional sum of squares conditions on (``d + D *
    m + p + P * m``: below that it fails, "resid length ... must be >= ncond"). The second
    counted each seasonal AR term as one value until session 31, so (1, 0, 0)(1, 1, 0) with
    season 12 was fitted from 16 values, failed below 25 and fell back with a warning where the
    documented rule gives the naive forecast (review, session 31)."""
    return max(d + D * m + p + q + P + Q + 2, d + D * m + p + P * m)


#: MSTLForecaster's trend models: statsforecast's non-seasonal model of each family, built for
#: each window (MSTL fits the one it is given to the seasonally adjusted window)
_MSTL_TRENDS = {
    "ets": lambda models: models.AutoETS(model="ZZN"),  # MSTL's own default
    "arima": lambda models: models.AutoARIMA(season_length=1),
    "theta": lambda models: models.AutoTheta(season_length=1, model="DOTM"),
}
#: the fewest values each trend model fits: statsforecast refuses shorter series ("tiny
#: datasets": AutoETS with no season below 7 values, AutoTheta below 4); AutoARIMA fits any
_MSTL_TREND_MINIMUM = {"ets": 7, "arima": 1, "theta": 4}


def _check_season_lengths(value):
    """MSTLForecaster's ``season_length`` as a sorted tuple of distinct Python ints >= 1, or a
    ValueError. An int is one period; a sequence (list, tuple, 1-D array) holds several."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        periods = [value]
    else:
        try:
            array = np.asarray(value, dtype=object)
        except (TypeError, ValueError):
            array = None
        periods = (array.reshape(-1).tolist() if array is not None and array.ndim <= 1
                   else None)  # a 0-d array is one period
    if (not periods
            or not all(isinstance(p, Integral) and not isinstance(p, bool) and p >= 1
                       for p in periods)):
        raise ValueError(
            "season_length must be an int >= 1 or a non-empty sequence of ints >= 1 (the "
            f"number of steps of each seasonal period, e.g. (24, 168); integers, not floats), "
            f"got {value!r}"
        )
    periods = sorted(int(p) for p in periods)  # NumPy's unsigned integers wrap around
    # (periods of 1 are no season, ignored: repeating them loses nothing)
    repeated = sorted({p for p in periods if p > 1 and periods.count(p) > 1})
    if repeated:
        # statsforecast's MSTL names each seasonal component after its period, so a repeated
        # period loses one and the forecast goes wrong without an error
        raise ValueError(
            f"season_length must hold distinct periods, got {value!r}: {repeated[0]} is repeated"
        )
    return tuple(periods)


class MSTLForecaster(_LocalForecaster):
    """MSTL: several seasonal periods removed by LOESS decompositions, a trend model for the
    rest, fitted to each window.

    statsforecast's ``MSTL`` (Bandara, Hyndman & Bergmeir, 2021; R's ``forecast::mstl``): the
    window is decomposed by STL, once per period from the shortest to the longest, into a trend,
    one seasonal component per period and a remainder (two passes when there are several
    periods). A non-seasonal model (``trend``) forecasts the seasonally adjusted window (trend
    plus remainder), and each seasonal component is continued by repeating its last cycle
    (seasonal naive). For data with more than one cycle, such as hourly electricity load with a
    daily (24) and a weekly (168) one, where the package's other models take one season length
    each. Needs ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    season_length : int >= 1 or sequence of int >= 1, default=1
        The seasonal periods, in steps: ``(24, 168)`` for hourly data with daily and weekly
        cycles. In any order (they are used shortest first, as statsforecast sorts them) and
        distinct (a repeated period is refused: statsforecast would lose one of its two
        components without an error). A period of 1 has no season and is ignored. The default 1
        (no seasonality, as everywhere in skattn: the windows carry no timestamps to infer it
        from) fits the trend model alone; set it for seasonal data.
    trend : {"ets", "arima", "theta"}, default="ets"
        The non-seasonal model of the seasonally adjusted window, selected on each window:
        statsforecast's ``AutoETS(model="ZZN")`` (MSTL's own default), ``AutoARIMA`` or the
        dynamic optimised Theta (``AutoTheta(model="DOTM")``), all with no season.
{quantiles}
{njobs_verbose}

    Attributes
    ----------
{attributes}

    See Also
    --------
    ETSForecaster, ThetaForecaster, ARIMAForecaster : One seasonal period, modelled inside the
        model rather than removed first.

    Notes
    -----
    **Short windows.** A period is used only when the window holds at least two full cycles of
    it (``n >= 2 * period``), the rule of every seasonal baseline: a window of 200 hourly values
    with ``season_length=(24, 168)`` is decomposed with the daily period only. A window that
    holds no period twice gets the trend model alone, fitted to the window itself (with
    ``trend="ets"`` that is :class:`ETSForecaster` with ``model="ZZN"``). The trend model needs
    at least 7 values with ``trend="ets"`` and 4 with ``"theta"`` (statsforecast refuses fewer);
    shorter windows get the naive forecast. ``"arima"`` fits any window. A window on which
    statsforecast fails gets the fallback forecast, with a :class:`BaselineFallbackWarning`: the
    seasonal naive forecast with the longest period the window holds once, or the naive one.

    **Prediction intervals** (``quantiles``) are statsforecast's: the trend model's own
    intervals for the seasonally adjusted window (normal for ETS and ARIMA, 200 simulated paths
    for Theta), shifted by the seasonal forecast. The seasonal components are taken as known,
    so their uncertainty is left out and the intervals tend to be too narrow, even where the
    seasons never change (60 series of a fixed sine plus N(0, 1) noise, 120 values: the 80% and
    95% intervals covered 0.710 and 0.897, ETSForecaster's 0.758 and 0.932; quantile trial,
    session 33), and more where they change. Windows below the trend model's minimum, and
    fallbacks, get the naive or seasonal naive intervals (:class:`NaiveForecaster`,
    :class:`SeasonalNaiveForecaster`).

    **Cost.** One STL fit per period (two passes with several periods) plus the trend model's
    selection: about 10 ms of CPU for 96 values with ``season_length=(4, 12)`` and
    ``trend="ets"``. The forecast beyond the horizon is one library call, as for the other
    baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import MSTLForecaster
    >>> t = np.arange(102)
    >>> # two cycles, of 4 and 12 steps, on a slow trend
    >>> values = 10 + np.sin(2 * np.pi * t / 4) + 2 * np.sin(2 * np.pi * t / 12) + 0.05 * t
    >>> series, future = values[:96], values[96:]
    >>> X, y = make_windows(series, window=48, horizon=6, step=6)
    >>> model = MSTLForecaster(season_length=(4, 12)).fit(X, y)
    >>> np.round(model.forecast(series, steps=6), 2)
    array([14.8 , 16.85, 16.63, 15.95, 16.73, 17.05])
    >>> np.round(future, 2)
    array([14.8 , 16.85, 16.63, 15.95, 16.73, 17.05])

    Prediction intervals, here 24 steps beyond the horizon of 6:

    >>> model = MSTLForecaster((4, 12), quantiles=(0.1, 0.5, 0.9)).fit(X, y)
    >>> model.forecast_quantiles(series, steps=24).shape
    (24, 3)
    """

    _needs_library = True
    _parameter_constraints: dict = {
        **_LocalForecaster._parameter_constraints,
        "season_length": [IntegerInterval(1, None, closed="left"), "array-like"],
        "trend": [StrOptions(set(_MSTL_TRENDS))],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, season_length=1, *, trend="ets", quantiles=None, max_history=None,
                 n_jobs=None, verbose=0):
        self.season_length = season_length
        self.trend = trend
        self.quantiles = quantiles
        self.max_history = max_history
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _check_params(self):
        _check_season_lengths(self.season_length)

    def _periods(self, n):
        """The periods used for a window of ``n`` values: those > 1 it holds twice."""
        return [p for p in _check_season_lengths(self.season_length) if p > 1 and n >= 2 * p]

    def _fallback_season(self, n):
        # the longest period the window holds once (its last cycle, repeated); 1: naive
        return max((p for p in _check_season_lengths(self.season_length) if p <= n), default=1)

    def _fallback_name(self):
        periods = [p for p in _check_season_lengths(self.season_length) if p > 1]
        if periods:
            return ("the seasonal naive forecast with the longest period the window holds (of "
                    f"season_length={tuple(periods)}), or the naive forecast for windows shorter "
                    "than every period")
        return "the naive forecast"

    def _naive_by_rule(self, n):
        return n < _MSTL_TREND_MINIMUM[self.trend]

    def _forecast_window(self, y, steps, quantiles):
        n = y.shape[0]
        if self._naive_by_rule(n):
            return _naive(y, steps, quantiles), _BY_RULE
        models = _import_statsforecast(type(self).__name__)
        make_trend = _MSTL_TRENDS[self.trend]
        periods = self._periods(n)
        if not periods:  # no period held twice: the trend model alone (MSTL would need one)
            return self._call_library(y, steps, quantiles, lambda: make_trend(models))
        return self._call_library(y, steps, quantiles, lambda: models.MSTL(
            season_length=periods, trend_forecaster=make_trend(models),
        ))


for _cls in (NaiveForecaster, SeasonalNaiveForecaster, ETSForecaster, ThetaForecaster,
             ARIMAForecaster, MSTLForecaster):
    _cls.__doc__ = (_cls.__doc__.replace("{attributes}", _SHARED_ATTRIBUTES_DOC)
                    .replace("{quantiles}", _QUANTILES_DOC)
                    .replace("{njobs_verbose}", _NJOBS_VERBOSE_DOC))
del _cls
