"""Classical seasonal adjustment in front of any window forecaster.

The network of :class:`skattn.AttentionForecaster` can learn seasonal shapes, but it must infer
them anew from every window. :class:`DeseasonalizedForecaster` does what the Theta method does
before it fits a line: it tests each window for seasonality, estimates multiplicative seasonal
indices by classical decomposition, divides them out of the window and its targets, fits the
wrapped forecaster on the adjusted windows, and multiplies its forecasts back by the indices
carried forward. Everything is computed from the window alone, so the wrapper is an ordinary
estimator: the same window always gets the same adjustment, at fit, predict and forecast.
"""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_array

from ._persistence import StampsVersionWhenPickled
from ._stacklevel import stacklevel_of_caller
from ._validation import (ForgetsWarningsWhenPickled, IntegerInterval, MissingTargetsScoreMixin,
                          NonFiniteForecastError, check_finite_forecasts,
                          check_is_fitted_without_tags, declared_tags,
                          discard_fitted_attributes, fit_routing, fitted_quantiles,
                          forecast_quantiles_of, forecast_with_predict,
                          model_name, noting_masked_inputs, quantile_forecasts,
                          routed_fit_params, takes_three_d, target_tags_of,
                          training_reach, unmasked_windows, validate_windows, within)
from .exceptions import SeasonalAdjustmentWarning

__all__ = ["DeseasonalizedForecaster", "seasonal_indices"]


def _seasonal_autocorrelation(values, season_length):
    """The autocorrelation at lag ``season_length`` of full windows (n, L) and its standard error
    by Bartlett's formula over the shorter lags, (n,) each: the Theta method's test statistic is
    their ratio."""
    length = values.shape[1]
    centred = values - values.mean(axis=1, keepdims=True)  # (n, L)
    variance = (centred ** 2).sum(axis=1)  # (n,)
    autocorrelation = np.stack(
        [(centred[:, lag:] * centred[:, :length - lag]).sum(axis=1)
         for lag in range(1, season_length + 1)], axis=1,
    ) / np.where(variance > 0, variance, 1.0)[:, None]  # (n, season_length), lags 1..m
    standard_error = np.sqrt((1 + 2 * (autocorrelation[:, :-1] ** 2).sum(axis=1)) / length)
    return autocorrelation[:, -1], standard_error


def _seasonal_indices_of_full_windows(values, season_length, z):
    """Multiplicative seasonal indices of windows without padding, (n, L) -> (n, season_length).

    Index ``k`` belongs to the window positions ``i`` with ``(i - L) % season_length == k``: the
    phase is counted from the END of the window, so it carries on into the forecast steps.
    Windows that fail the seasonality test, or hold a value <= 0, get indices of 1.
    """
    n_windows, length = values.shape
    indices = np.ones((n_windows, season_length))
    # The test and the ratios are scale-free, but the squares and sums computing them are not:
    # windows of extreme magnitude (beyond 1e+-100) are computed in units of their largest value
    # (at 1e160 the squares overflowed and such windows were silently left unadjusted). Ordinary
    # windows are left as they are, so their indices do not change by a rounding.
    magnitude = np.abs(values).max(axis=1, keepdims=True)  # (n, 1)
    extreme = (magnitude > 1e100) | ((magnitude < 1e-100) & (magnitude > 0))
    if extreme.any():
        values = np.where(extreme, values / np.where(magnitude > 0, magnitude, 1.0), values)
    # Seasonality test of the Theta method: the autocorrelation at lag season_length must exceed
    # z standard errors (Bartlett's formula over the shorter lags).
    # z None: no test. Every window that can be is adjusted (z = 0 still needed a nonzero
    # autocorrelation, and a window of 13 integers whose lag-4 one was exactly 0 was left
    # unadjusted; review, session 33), but a constant one, which has no season
    if z is None:
        passes = np.ptp(values, axis=1) > 0
    else:
        autocorrelation, standard_error = _seasonal_autocorrelation(values, season_length)
        passes = np.abs(autocorrelation) > z * standard_error
    seasonal = passes & (values.min(axis=1) > 0)
    if not seasonal.any():
        return indices
    values = values[seasonal]
    # centred moving average of order 2 x season_length (the trend-cycle), then the ratios of the
    # values to it, averaged per phase
    cumulative = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)], axis=1)
    running_mean = (cumulative[:, season_length:] - cumulative[:, :-season_length]) / season_length
    trend = 0.5 * (running_mean[:, :-1] + running_mean[:, 1:])  # (n_seasonal, L - m)
    positions = np.arange(season_length // 2, season_length // 2 + trend.shape[1])
    ratios = values[:, positions] / trend
    phase = (positions - length) % season_length
    adjusted = np.stack([ratios[:, phase == k].mean(axis=1) for k in range(season_length)], axis=1)
    indices[seasonal] = adjusted / adjusted.mean(axis=1, keepdims=True)
    return indices


def _shortest_window_finding_a_sine(season_length, z):
    """The fewest values, at least ``2 * season_length + 1``, in which the seasonality test at
    ``z`` standard errors finds a noise-free sine of period ``season_length`` seasonal; None when
    no length below 2**53 does (an absurd ``z``).

    Over ``L`` values a sine's autocorrelation at lag ``j`` is about ``(1 - j / L) cos(2 pi j /
    m)``: the statistic at lag ``m`` is ``1 - m / L`` and Bartlett's standard error ``sqrt((1 + 2
    sum_{j<m} r_j^2) / L)``, whose ratio grows with ``L``. A sine is the seasonal shape the test
    finds hardest (its autocorrelations at the shorter lags are the largest, and so is the
    error). This closed form gives the length at which :func:`_seasonal_autocorrelation` finds
    sines of 8 phases seasonal in at least half of them to within 2 values for m up to 52, 1%
    up to 365 (z from 0.5 to 2.576): about 3.5 to 3.8 cycles at z = 1.645, 2.1 to 2.25 at
    z = 1.0 (session 23)."""
    lags = np.arange(1, season_length)
    cosines_squared = np.cos(2 * np.pi * lags / season_length) ** 2  # (m - 1,)

    def finds(length):
        autocorrelation_squared = ((length - lags) / length) ** 2 * cosines_squared
        standard_error = np.sqrt((1 + 2 * autocorrelation_squared.sum()) / length)
        return 1 - season_length / length > z * standard_error

    fails = 2 * season_length  # too short for any adjustment
    finding = fails + 1
    while not finds(finding):  # doubled, then bisected: the ratio grows with the length
        if finding > 2 ** 53:
            return None
        fails, finding = finding, 2 * finding
    while finding - fails > 1:
        middle = (fails + finding) // 2
        fails, finding = (fails, middle) if finds(middle) else (middle, finding)
    return int(finding)


_CRITICAL_VALUE = Interval(Real, 0, None, closed="left")  # finite, >= 0


class _CloneableWindowRegressor(HasMethods):
    """The constraint of a wrapped window regressor (DeseasonalizedForecaster's ``forecaster``,
    PredictForecaster's ``estimator``): ``fit`` and ``predict``, and ``get_params``, without
    which the wrapper's ``fit`` cannot clone it."""

    def __init__(self):
        # get_params checked too: an object with fit and predict only passed the check, and
        # clone() then refused it at fit with "Cannot clone object", naming no parameter
        # (sklearn-conventions review, session 21)
        super().__init__(["fit", "predict", "get_params"])

    def is_satisfied_by(self, val):
        # what sklearn.base.clone clones: get_params, or the __sklearn_clone__ protocol (an
        # object with that and no get_params was refused by the first version; review B)
        return (all(callable(getattr(val, method, None)) for method in ("fit", "predict"))
                and (callable(getattr(val, "get_params", None))
                     or callable(getattr(val, "__sklearn_clone__", None))))

    def __str__(self):
        # the methods a user thinks of first, then why the third is needed
        return ("an object implementing 'fit' and 'predict', and 'get_params' (or "
                "'__sklearn_clone__') to be cloned (a scikit-learn estimator, e.g. a subclass of "
                "sklearn.base.BaseEstimator)")


#: shared by DeseasonalizedForecaster and model_selection.PredictForecaster
CLONEABLE_WINDOW_REGRESSOR = _CloneableWindowRegressor()


def _padding(X):
    """Steps of left padding of each window (n, T) -> (n,): a leading run of equal values but
    its last step, which may be the series' first real value."""
    differs = X != X[:, :1]
    leading_run = np.where(differs.any(axis=1), differs.argmax(axis=1), X.shape[1])
    return leading_run - 1


def _beyond_float64(values, what, how, error=ValueError):
    """``values``, or an ``error`` if the seasonal factors took some of them beyond float64's
    range: ``what``, ``how`` (divided or multiplied by the factors), overflowed to inf, with only
    NumPy's RuntimeWarning (fuzzing, session 20). NaN (a missing target) is left as it is.

    At predict time ``error`` is :class:`~skattn._validation.NonFiniteForecastError` (with the
    same message): a recursive forecast then names the steps whose window overflowed when the
    values fed back into it did, not the history (session 23)."""
    if not np.isinf(values).any():
        return values
    raise error(
        f"The {what} overflowed: {how} by their seasonal factors, they go beyond the largest "
        "float64, ~1.8e308. Give the series in smaller units."
    )


def seasonal_indices(X, season_length, *, seasonality_test=True, critical_value=1.645):
    """Multiplicative seasonal indices of each history window, by classical decomposition.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps)
        Windows of one series each, oldest value first. A leading run of equal values is taken
        for the left padding of :func:`skattn.make_windows` (a window of a short series): only
        the values after it (and its last one) are used.
    season_length : int >= 2
        Steps per season (12 for monthly data), at most ``n_timesteps``.
    seasonality_test : bool, default=True
        Adjust only the windows whose autocorrelation at lag ``season_length`` is significant at
        ``critical_value`` standard errors (the Theta method's test); False adjusts every window
        that can be: not constant, all values positive, and at least ``2 * season_length + 1``
        of them after the leading run of equal values taken for padding (a real run at a
        window's start counts as padding too: on a series whose every 12th value is 300 and the
        rest 100, windows of 25 were adjusted in 1 of 6; review, session 33).
    critical_value : finite float >= 0, default=1.645
        Standard errors (Bartlett's) the autocorrelation at lag ``season_length`` must exceed:
        1.645 is the Theta method's 90% level (two-sided); 1.0 is about 68%, and a lower value
        adjusts more windows.

    Returns
    -------
    indices : ndarray of shape (n_samples, season_length)
        ``indices[i, k]`` multiplies the positions ``t`` of window ``i`` (counted from 0 at its
        first step, continuing past its end) with ``(t - n_timesteps) % season_length == k``.
        Each row averages 1; it is all ones where the window is not adjusted: fewer than
        ``2 * season_length + 1`` unpadded values, a value <= 0, or no significant seasonality.

    Raises
    ------
    ValueError
        When ``X`` is not 2-D finite windows (a masked array that masks some values included:
        its masked entries are missing values), ``season_length`` is not an integer >= 2 or
        exceeds ``n_timesteps``, ``seasonality_test`` is not a bool, or ``critical_value`` is
        not a finite float >= 0.

    Examples
    --------
    The monthly indices of the last four years of the airline series, January first (the
    window ends in December):

    >>> import numpy as np
    >>> from skattn.datasets import load_airline
    >>> from skattn.seasonal import seasonal_indices
    >>> series = load_airline().series
    >>> indices = seasonal_indices(series[None, -48:], season_length=12)
    >>> indices.shape
    (1, 12)
    >>> np.round(indices, 2)
    array([[0.91, 0.84, 0.95, 0.95, 0.98, 1.13, 1.27, 1.29, 1.06, 0.93, 0.81,
            0.88]])

    A window of two years has fewer than ``2 * season_length + 1`` values: it is not adjusted.

    >>> np.round(seasonal_indices(series[None, -24:], season_length=12), 2)
    array([[1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]])
    """
    # a masked entry as a missing value, refused with its place: check_array dropped the mask
    # and estimated the indices from the fill value beneath it (fuzzing audit, session 23)
    X = unmasked_windows(X, "seasonal_indices")
    X = check_array(X, dtype=np.float64, input_name="X")  # 2-D, finite, real
    if not isinstance(season_length, Integral) or isinstance(season_length, bool) \
            or season_length < 2:
        raise ValueError(f"season_length must be an integer >= 2, got {season_length!r}")
    if season_length > X.shape[1]:
        # the (n, season_length) indices of a season longer than the windows are all ones, and
        # for season_length=10**12 a MemoryError of 7 TiB (fuzzing, session 20)
        raise ValueError(
            f"season_length={season_length!r} is longer than the windows: X has {X.shape[1]} "
            f"time steps, and a window is adjusted only with at least 2 * season_length + 1 "
            f"values: a season of at most {(X.shape[1] - 1) // 2} steps adjusts these windows "
            f"(a longer one, up to {X.shape[1]}, returns indices of 1)"
        )
    if not isinstance(seasonality_test, (bool, np.bool_)):
        # "no" was truthy and tested the windows (fuzzing, session 20); the wrapper's
        # parameter check refuses it likewise
        raise ValueError(f"seasonality_test must be a bool, got {seasonality_test!r}")
    if not _CRITICAL_VALUE.is_satisfied_by(critical_value):  # as the wrapper validates it
        raise ValueError(f"critical_value must be a finite float >= 0, got {critical_value!r}")
    return _indices_after_padding(X, _padding(X), season_length,
                                  critical_value if seasonality_test else None)


def _indices_after_padding(X, padding, season_length, z):
    """:func:`seasonal_indices` of windows ``X`` (n, T) whose ``padding`` (n,) is known, with
    the test's critical value ``z`` (None: no test)."""
    season_length = int(season_length)  # NumPy's unsigned integers wrap around in y[:-m]
    return _indices_by_unpadded_length(
        X, padding, season_length,
        lambda values: _seasonal_indices_of_full_windows(values, season_length, z))


def _indices_by_unpadded_length(X, padding, season_length, indices_of_full_windows):
    """Indices (n, season_length) of windows ``X`` (n, T) with known ``padding`` (n,):
    ``indices_of_full_windows`` applied to the real values of each group of windows of one
    unpadded length; ones for windows with fewer than ``2 * season_length + 1`` real values."""
    n_windows, length = X.shape
    unpadded = length - padding  # (n,)
    indices = np.ones((n_windows, season_length))
    for n_values in np.unique(unpadded):
        if n_values < 2 * season_length + 1:
            continue
        rows = np.flatnonzero(unpadded == n_values)
        indices[rows] = indices_of_full_windows(X[rows, length - n_values:])
    return indices


class DeseasonalizedForecaster(StampsVersionWhenPickled, ForgetsWarningsWhenPickled,
                               MissingTargetsScoreMixin, RegressorMixin, BaseEstimator):
    """A window forecaster fitted on seasonally adjusted windows (classical decomposition).

    Each history window is tested for seasonality (the Theta method's test, autocorrelation at
    lag ``season_length``); a seasonal window with positive values is divided by multiplicative
    seasonal indices estimated from the window itself (ratios to a centred moving average), and
    so are its targets, with the indices carried forward. ``forecaster`` is fitted on the
    adjusted windows and its forecasts are multiplied back. Windows that are not seasonal, too
    short (fewer than ``2 * season_length + 1`` values after any left padding) or not positive
    pass through unchanged. With covariates (3-D ``X``) only the target, channel 0, is adjusted.

    Parameters
    ----------
    forecaster : regressor
        The window forecaster to wrap, e.g. :class:`skattn.AttentionForecaster` or a
        :class:`skattn.ForecastEnsemble`; cloned at fit, so it needs ``get_params`` besides
        ``fit`` and ``predict`` (any scikit-learn estimator has it).
    season_length : int, default=12
        Steps per season (12 for monthly data).
    seasonality_test : bool, default=True
        Adjust only the windows where the test finds seasonality; False adjusts every window
        that can be (see :func:`seasonal_indices`: a leading run of equal values is taken for
        padding, and a window left with fewer than ``2 * season_length + 1`` values after it is
        not adjusted).
    critical_value : finite float >= 0, default=1.645
        Standard errors (Bartlett's) the autocorrelation at lag ``season_length`` must exceed
        for a window to count as seasonal: 1.645 is the Theta method's 90% level (two-sided),
        1.0 about 68%; a lower value adjusts more windows. Ignored when
        ``seasonality_test=False``.

    Attributes
    ----------
    forecaster_ : regressor
        The fitted clone of ``forecaster``.
    n_features_in_ : int
        Time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names.
    n_channels_ : int
        Channels of the windows (1 for 2-D ``X``).
    n_outputs_ : int
        Values forecast after each window (the horizon).
    season_length_ : int
        ``season_length`` at fit.
    seasonality_test_ : bool
        ``seasonality_test`` at fit.
    critical_value_ : float
        ``critical_value`` at fit.
    quantiles_ : ndarray of shape (n_quantiles,) or None
        The quantiles ``forecaster_`` forecasts (:meth:`predict_quantiles`), or None for a
        point forecaster.
    adjusted_fraction_ : float or None
        The share of the training windows that were seasonally adjusted, from 0 to 1: found
        seasonal by the test (every window, with ``seasonality_test=False``), with at least
        ``2 * season_length + 1`` values after any left padding, all positive, and divided by
        indices other than 1 (beyond 1e-12: a trend without a season passes the test, and gets
        indices of 1 or within rounding of it). 0 means the model
        is ``forecaster_`` alone on the windows as they are (see Notes). None for a model
        pickled before it was counted (session 23): its training windows are not kept.

    See Also
    --------
    seasonal_indices : The seasonal indices of each window.

    Notes
    -----
    ``predict`` and ``forecast`` adjust windows as at fit, with the fitted ``season_length_``,
    ``seasonality_test_`` and ``critical_value_``: ``forecaster_`` learnt on windows adjusted
    that way, so ``set_params`` changes nothing until the next fit (as for any scikit-learn
    estimator).

    The seasonality test needs windows of several cycles: at ``critical_value=1.645`` it finds
    even a noise-free sine seasonal only in windows of about 3.5 to 3.8 cycles or more, a noisy
    or trending one from about 4; at 1.0 a sine from about 2.1 to 2.5 cycles (measured for
    seasons of 4 to 52 steps, the sine's bound to 365; session 23). Windows of 105 or 130
    weekly values with ``season_length=52`` (2 or 2.5 cycles) are never adjusted at 1.645. A
    fit that adjusts no window (``adjusted_fraction_`` 0) in windows too short for the test to
    find a sine raises a :class:`~skattn.exceptions.SeasonalAdjustmentWarning` naming the
    windows' cycles and the remedies: longer windows, a lower ``critical_value`` or
    ``seasonality_test=False``, or a model that does not test (an :class:`AttentionForecaster`
    alone, which reads the cycle from its windows, or :class:`~skattn.baselines.MSTLForecaster`
    and :class:`~skattn.baselines.SeasonalNaiveForecaster`). Windows long enough for the test
    that it finds not seasonal are its verdict, and are not warned about.

    Examples
    --------
    Windows of four years of a monthly series (at least four cycles: see Notes):

    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skattn import DeseasonalizedForecaster, make_windows
    >>> t = np.arange(120)
    >>> series = (100 + t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
    >>> X, y = make_windows(series, window=48, horizon=6)
    >>> model = DeseasonalizedForecaster(Ridge(), season_length=12).fit(X, y)
    >>> model.adjusted_fraction_
    1.0
    >>> model.forecast(series, 6).shape
    (6,)
    """

    _parameter_constraints: dict = {
        "forecaster": [CLONEABLE_WINDOW_REGRESSOR],
        "season_length": [IntegerInterval(2, None, closed="left")],
        "seasonality_test": ["boolean"],
        "critical_value": [_CRITICAL_VALUE],
    }

    def __init__(self, forecaster, *, season_length=12, seasonality_test=True,
                 critical_value=1.645):
        self.forecaster = forecaster
        self.season_length = season_length
        self.seasonality_test = seasonality_test
        self.critical_value = critical_value

    def __setstate__(self, state):
        # a pickle from before a fitted search was read through (session 22) kept quantiles_
        # None for a quantile search inside, and forecast_quantiles said its model "does not"
        # forecast quantiles (review, session 22): read again, as fit reads them
        state = dict(state)
        super().__setstate__(state)
        if "forecaster_" in state and state.get("quantiles_") is None:
            self.quantiles_ = fitted_quantiles(self.forecaster_)
        if "forecaster_" in state and "adjusted_fraction_" not in state:
            # a pickle from before session 23: the training windows it was counted from are
            # not kept, so it is unknown (the forecasts never read it)
            self.adjusted_fraction_ = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        # (n, T, C) windows (channel 0 adjusted) if the wrapped forecaster takes them
        tags.input_tags.three_d_array = takes_three_d(self.forecaster)
        forecaster_tags = declared_tags(self.forecaster)
        if forecaster_tags is None:
            # a duck-typed forecaster (fit, predict and get_params, which the parameter check
            # asks for) declares nothing: the defaults stand (get_tags raised, and with it fit and
            # cross_val_score; sklearn-conventions review, session 19)
            return tags
        # one or several values per window as the wrapped forecaster forecasts them (through a
        # search, whose tags do not say: tags review, session 34)
        # (None for a Pipeline ending in "passthrough" or a duck-typed step: its own tags)
        forecaster_targets = target_tags_of(self.forecaster) or forecaster_tags.target_tags
        tags.target_tags.multi_output = forecaster_targets.multi_output
        tags.target_tags.single_output = forecaster_targets.single_output
        # a wrapped model that cannot reach R^2 > 0.5 on make_regression (a baseline) is not
        # helped by the adjustment: its poor_score passed on, as scikit-learn's Pipeline passes
        # the last step's (check_regressors_train failed for users; review, session 33)
        if forecaster_tags.regressor_tags is not None:
            tags.regressor_tags.poor_score = forecaster_tags.regressor_tags.poor_score
        return tags

    def _window_indices(self, target, padding):
        """Seasonal indices (n, season_length_) of the windows' target channel (n, T) whose left
        padding (n,) is known."""
        z = self.critical_value_ if self.seasonality_test_ else None
        return _indices_after_padding(target, padding, self.season_length_, z)

    def _wrapped_name(self):
        """The wrapped model, as the errors for its forecasts name it: "the wrapped Ridge"."""
        return f"the wrapped {model_name(self.forecaster_)}"

    def _adjust(self, X, error=ValueError):
        """The windows with channel 0 divided by its seasonal factors, and the factors of the
        ``n_outputs_`` steps after each window: (n, T[, C]) and (n, n_outputs_); ``error`` for
        windows that overflow (:func:`_beyond_float64`).

        With the settings of the fit (``season_length_``, ``seasonality_test_``,
        ``critical_value_``), not the current parameters: ``predict`` read the parameters, so a
        ``set_params(season_length=4)`` after fit silently fed ``forecaster_`` windows adjusted
        otherwise than those it was trained on (user trial, session 18)."""
        adjusted, future, _ = self._adjust_with_indices(X, error)
        return adjusted, future

    def _adjust_with_indices(self, X, error=ValueError):
        """:meth:`_adjust`, and the seasonal indices (n, season_length_) of the windows, or None
        when the windows are too short for any (fewer than ``2 * season_length_ + 1`` steps)."""
        # the indices in float64 whatever the windows' dtype: float32 windows gave indices in
        # float32 (forecasts 2.8e-7 apart from the same values in float64) and a RuntimeWarning
        # "overflow encountered in cast" from the magnitude test's 1e100 (serving trial,
        # session 29)
        target = (X if X.ndim == 2 else X[:, :, 0]).astype(np.float64, copy=False)  # (n, T)
        n_steps = X.shape[1]
        if n_steps < 2 * self.season_length_ + 1:
            # no window is long enough to be adjusted: skip the (n, season_length) indices, which
            # for an absurd season_length (10**9) would not fit in memory
            return X.astype(np.float64, copy=True), np.ones((X.shape[0], self.n_outputs_)), None
        padding = _padding(target)  # (n,) also the position of each window's first real value
        indices = self._window_indices(target, padding)  # (n, m)
        # phase counted from the window's end: position t has index (t - T) % m
        phase = (np.arange(n_steps + self.n_outputs_) - n_steps) % self.season_length_
        factors = indices[:, phase[:n_steps]]  # (n, T)
        # the padding stays padding: the first real value, adjusted, repeated
        first_real_factor = factors[np.arange(len(factors)), padding][:, None]  # (n, 1)
        factors = np.where(np.arange(n_steps) < padding[:, None], first_real_factor, factors)
        adjusted = X.astype(np.float64, copy=True)
        with np.errstate(over="ignore"):  # refused below, with a remedy
            if X.ndim == 2:
                adjusted /= factors
            else:
                adjusted[:, :, 0] /= factors
        # a value near float64's largest, divided by a factor below 1, was inf, which the
        # wrapped forecaster refused as if X held it (fuzzing, session 20)
        return (_beyond_float64(adjusted, "seasonally adjusted windows", "divided", error),
                indices[:, phase[n_steps:]], indices)

    @_fit_context(prefer_skip_nested_validation=False)  # the forecaster validates its own params
    def fit(self, X, y, **fit_params):
        """Fit ``forecaster`` on the seasonally adjusted windows and targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first; with 3 dimensions channel 0 is the target.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, of the target after each window.
            NaN (a value that was not observed) is passed on to ``forecaster``, adjusted like
            the others; :class:`AttentionForecaster` leaves it out of its loss.
        **fit_params : dict
            Passed on to ``forecaster``'s ``fit`` as
            :class:`~sklearn.compose.TransformedTargetRegressor` does: all of them without
            metadata routing, or, with it enabled (``enable_metadata_routing=True`` in
            :func:`sklearn.set_config`), those ``forecaster`` requests (``set_fit_request``).
            They are passed unchanged: one ``sample_weight`` per window still belongs to its
            (adjusted) window, but an array of values of the series would not be seasonally
            adjusted. :class:`AttentionForecaster` takes ``sample_weight`` (since session 25).

        Returns
        -------
        self : DeseasonalizedForecaster
            The fitted forecaster.

        Raises
        ------
        ValueError
            When ``y`` is None, or ``X`` is not finite windows, or ``y`` not targets of them
            (NaN allowed, infinity refused); when the windows or targets, divided by their
            seasonal factors, go beyond float64's range (values near 1.8e308: give the series
            in smaller units); and whatever ``forecaster``'s ``fit`` raises.

        Warns
        -----
        SeasonalAdjustmentWarning
            When the windows are shorter than ``2 * season_length + 1`` steps, so that none can
            be adjusted and the model is ``forecaster`` alone; and when no window was adjusted
            (``adjusted_fraction_`` 0) while most windows hold a value <= 0, which
            multiplicative factors cannot adjust, or, otherwise, while the test is on and the
            longest window (after its left padding) is too short for it to find even a
            noise-free sine of period ``season_length`` at ``critical_value``: fewer than about
            4 cycles at 1.645, 2.1 to 2.5 at 1.0 (see the class's Notes). Longer windows that
            the test finds not seasonal are not warned about. It points at the line that
            called ``fit``, directly or through an ensemble, a pipeline or a search; fitted in a
            joblib worker process (``ForecastEnsemble(n_jobs=2)``), at this module's line,
            module ``skattn.seasonal``.

        Notes
        -----
        A fit that raises leaves the estimator unfitted (``predict`` raises
        :class:`~sklearn.exceptions.NotFittedError`), whatever model it held before, as for
        :class:`AttentionForecaster`; an invalid parameter value (scikit-learn's
        ``InvalidParameterError``) is refused before the fit starts and changes nothing.
        """
        try:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None."
                )
            forecaster_fit_params = routed_fit_params(self, "forecaster", fit_params)
            # NaN targets (missing values) pass through the adjustment to the wrapped
            # forecaster, which accepts or rejects them
            self.__dict__.pop("_warned_of_short_history", None)  # a new model warns again
            given_y = y
            X, y, self.n_channels_ = validate_windows(self, X, y, reset=True)
            # for the messages about forecasts that are not finite: windows far beyond these
            # are in other units (see skattn._validation.check_finite_forecasts)
            self._training_reach = training_reach(X)
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            # int(): NumPy's unsigned integers wrap around in y[:-m]
            self.season_length_ = int(self.season_length)
            self.seasonality_test_ = bool(self.seasonality_test)
            self.critical_value_ = float(self.critical_value)
            if X.shape[1] < 2 * self.season_length_ + 1:
                # every window passed through unchanged, silently: windows of 336 hourly steps
                # with season_length=168 (two weeks, the natural window for weekly seasonality)
                # are one step short (user trial, session 18)
                warnings.warn(
                    f"DeseasonalizedForecaster: windows of {X.shape[1]} steps are shorter than "
                    f"2 * season_length + 1 = {2 * self.season_length_ + 1}, so no window is "
                    f"seasonally adjusted and the model is the wrapped forecaster alone; use "
                    f"windows of at least {2 * self.season_length_ + 1} steps, or a shorter "
                    f"season_length",
                    SeasonalAdjustmentWarning,
                    # the user's line: a fixed level pointed into the package inside a
                    # ForecastEnsemble (at skattn/_worker_warnings.py) or into scikit-learn
                    # inside a Pipeline or a search, where no filter of the user's matched it
                    stacklevel=stacklevel_of_caller(__name__, whole_package=True),
                )
            adjusted, future, indices = self._adjust_with_indices(X)
            # windows divided by factors other than 1 (beyond rounding: an exponential trend
            # passes the test, and its indices of 1 +- 4e-16 counted as adjusted where a linear
            # trend's exact ones did not; review, session 33); the forecasts are those of the
            # same adjustment with or without it (the share is counted, not used)
            self.adjusted_fraction_ = 0.0 if indices is None else float(
                np.mean(np.any(np.abs(indices - 1.0) > 1e-12, axis=1)))
            if (indices is not None and self.adjusted_fraction_ == 0.0
                    and not self._warned_of_non_positive_values(X) and self.seasonality_test_):
                self._warn_of_too_few_cycles(X)
            # a finite y divided by a factor below 1 was inf, and the wrapped forecaster's
            # "Input y contains infinity" named a y the user had not given (fuzzing, session 20)
            with np.errstate(over="ignore"):
                adjusted_y = _beyond_float64(y / future.reshape(y.shape),
                                             "seasonally adjusted targets", "divided")
            # the adjustment divides X and y only: sample_weight (one per window) is unchanged
            try:
                self.forecaster_ = clone(self.forecaster).fit(
                    adjusted, adjusted_y, **forecaster_fit_params)
            except ValueError as exc:
                # "Input y contains NaN." where the user gave a masked y, and no NaN
                noted = noting_masked_inputs(exc, y=given_y)
                if noted is exc:
                    raise
                raise noted from exc
            self.quantiles_ = fitted_quantiles(self.forecaster_)
            self._y_is_1d = y.ndim == 1
        except BaseException:
            # the attributes above were already set for the new data while forecaster_ (or its
            # absence) was the old fit's: a refit whose forecaster failed predicted with neither
            # X (a features mismatch either way; user trial, session 18)
            self._discard_fitted_state()
            raise
        return self

    def _warned_of_non_positive_values(self, X):
        """A :class:`~skattn.exceptions.SeasonalAdjustmentWarning`, and True, when no window of
        ``X`` was adjusted and most hold a value <= 0, which multiplicative indices cannot
        adjust: a seasonal series of mean 0 passed through unadjusted without a word, and on
        shorter windows the warning blamed too few cycles and advised a lower critical_value or
        seasonality_test=False, neither of which adjusts such a window (review, session 31)."""
        target = X if X.ndim == 2 else X[:, :, 0]  # (n, T)
        non_positive = int(np.count_nonzero((target <= 0).any(axis=1)))
        if 2 * non_positive < target.shape[0]:
            return False
        warnings.warn(
            f"DeseasonalizedForecaster: no training window was seasonally adjusted "
            f"(adjusted_fraction_ is 0), and {non_positive} of the {target.shape[0]} windows "
            f"hold a value <= 0: the seasonal factors are multiplicative (each value divided by "
            f"its phase's factor), so only windows of positive values are adjusted. The model "
            f"is the wrapped forecaster alone. Shift the series to positive values before "
            f"make_windows if its level is arbitrary, or use a model that does not divide: an "
            f"AttentionForecaster alone reads the cycle from its windows, and "
            f"skattn.baselines' MSTLForecaster (additive) and SeasonalNaiveForecaster take the "
            f"season as given",
            SeasonalAdjustmentWarning,
            stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # as in fit
        )
        return True

    def _warn_of_too_few_cycles(self, X):
        """A :class:`~skattn.exceptions.SeasonalAdjustmentWarning` when no window of ``X`` was
        adjusted and none is long enough for the seasonality test to find even a noise-free sine
        (:func:`_shortest_window_finding_a_sine`): the test needs about four cycles at 1.645.

        Windows of 105 or 130 weekly values with ``season_length=52`` were never adjusted, a
        noise-free sine of period 52 neither, and nothing said so (user trial, session 23).
        Windows long enough to find a sine, whose data the test finds not seasonal (M3 monthly's
        context of 90 months, 7.5 cycles), are the test's verdict and are not warned about."""
        season_length, z = self.season_length_, self.critical_value_
        target = X if X.ndim == 2 else X[:, :, 0]  # (n, T)
        longest = int(X.shape[1] - _padding(target).min())  # real values of the longest window
        needed = _shortest_window_finding_a_sine(season_length, z)
        if needed is not None and longest >= needed:
            return
        held = (f"windows of {longest} values" if longest == X.shape[1] else
                f"windows of at most {longest} values after their left padding")
        finds = (f"finds even a noise-free sine of period {season_length} only in windows of "
                 f"{needed} values ({needed / season_length:.3g} cycles) or more"
                 if needed is not None else
                 f"finds no noise-free sine of period {season_length} in windows of any "
                 f"practical length")
        lower = (f", a lower critical_value (1.0 finds a noise-free sine in "
                 f"{_shortest_window_finding_a_sine(season_length, 1.0)} values)" if z > 1.0
                 else "")
        warnings.warn(
            f"DeseasonalizedForecaster: no training window was seasonally adjusted "
            f"(adjusted_fraction_ is 0), and {held} hold {longest / season_length:.3g} cycles "
            f"of season_length={season_length}, too few for the seasonality test (the "
            f"autocorrelation at lag {season_length} against critical_value standard errors): "
            f"it rarely passes on fewer than about 4 cycles at 1.645 (2.5 at 1.0), and at "
            f"critical_value={z!r} it {finds}. The model is the wrapped forecaster alone. Give "
            f"longer windows{' of real values, not padding' if longest < X.shape[1] else ''} "
            f"(make_windows' window, make_attention_ensemble's context){lower} or "
            f"seasonality_test=False (every window that can be adjusted is); or use a model "
            f"that does not test: an AttentionForecaster alone reads the cycle from its "
            f"windows, and skattn.baselines' MSTLForecaster and SeasonalNaiveForecaster take "
            f"the season as given",
            SeasonalAdjustmentWarning,
            stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # as in fit
        )

    def _discard_fitted_state(self):
        """Remove the fitted attributes (those ending in "_", as ``check_is_fitted`` counts
        them), leaving the estimator unfitted; the parameters are kept, and so are the private
        ones a fit sets (``_training_reach``, ``_y_is_1d``), which the next fit sets anew."""
        discard_fitted_attributes(self)

    def get_metadata_routing(self):
        """Get the metadata routing of this object: ``fit`` routes to ``forecaster``'s ``fit``.

        ``score`` takes what this object requests itself (``set_score_request(sample_weight=True)``
        for a weighted R^2); with metadata routing enabled, weights passed to a search or to
        ``cross_validate`` while that request is unset are scikit-learn's
        ``UnsetMetadataPassedError`` naming it, as for any regressor whose score takes weights
        (``Ridge``): set it to False to score unweighted.

        See scikit-learn's :ref:`User Guide <metadata_routing>` on how the routing works.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` encapsulating the
            routing information.
        """
        return fit_routing(self, "forecaster")

    def predict(self, X):
        """Forecast with the wrapped model on the adjusted windows, seasonality put back.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, horizon)
            The shape of ``y`` at fit.

        Raises
        ------
        ValueError
            When ``X`` is not finite windows as at fit (a masked array that masks some values
            included), or the windows (divided by their seasonal factors) or the forecasts
            (multiplied back by them) go beyond float64's range: give the series in smaller
            units; when the wrapped model forecasts NaN or a value beyond float64's range
            (naming it and the window).
        """
        check_is_fitted_without_tags(self)
        X, _, _ = validate_windows(self, X, reset=False)
        adjusted, future = self._adjust(X, NonFiniteForecastError)
        subject = self._wrapped_name
        try:
            prediction = np.asarray(self.forecaster_.predict(adjusted), dtype=np.float64)
        except NonFiniteForecastError as exc:  # a wrapper inside (an ensemble) refused its own
            if exc.forecasts is None:
                raise
            prediction = np.asarray(exc.forecasts, dtype=np.float64)
            subject = within(exc.subject, self._wrapped_name())
        # multiplied by a factor above 1, a forecast near float64's largest was inf, with only
        # NumPy's RuntimeWarning (fuzzing, session 20)
        with np.errstate(over="ignore"):
            forecasts = prediction * future.reshape(prediction.shape)
        # the wrapped model's own NaN or inf (a Ridge fed windows of another scale) was
        # returned, or fed back into the next window of a recursive forecast (fuzzing, session
        # 23); refused with the values multiplied back, for a caller that needs only some
        check_finite_forecasts(prediction, self, "predict", subject, inputs=X,
                               returned=forecasts)
        return _beyond_float64(forecasts, "forecasts", "multiplied back", NonFiniteForecastError)

    def predict_quantiles(self, X):
        """The wrapped model's quantile forecasts on the adjusted windows, seasonality put back.

        For a ``forecaster`` that forecasts quantiles (an :class:`AttentionForecaster` fitted
        with ``loss="pinball"``, alone or as the last step of a Pipeline, a baseline of
        :mod:`skattn.baselines` with ``quantiles=``, or a :class:`ForecastEnsemble` of such
        members): each quantile is multiplied by the same
        positive seasonal factors as the point forecast, so the quantiles keep their order.
        The widths follow the factors too, as for multiplicative errors: on additive noise the
        intervals are too wide at the seasonal peaks and too narrow at the troughs (80% intervals
        of 20 + 8 sin(2 pi t / 12) + N(0, 1) covered 0.87 at peaks and 0.67 at troughs, 0.81
        pooled; quantile trial, session 33).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or (n_samples, horizon, n_quantiles)
            The forecasts at each quantile of ``quantiles_``, along the last axis; without the
            horizon axis when ``y`` was 1-D at fit.

        Raises
        ------
        ValueError
            When ``forecaster_`` forecasts no quantiles (``quantiles_`` is None), or, as in
            :meth:`predict`, the seasonal factors take values beyond float64's range, or the
            wrapped model's quantiles are NaN or beyond it.
        """
        check_is_fitted_without_tags(self)
        if self.quantiles_ is None:
            raise ValueError(
                f"predict_quantiles needs a forecaster that forecasts quantiles (an "
                f"AttentionForecaster with loss='pinball', a baseline with quantiles=); "
                f"{model_name(self.forecaster_)} does not"
            )
        X, _, _ = validate_windows(self, X, reset=False)
        adjusted, future = self._adjust(X, NonFiniteForecastError)

        def returned(values):  # what this method returns of the wrapped model's values
            with np.errstate(over="ignore"):
                values = values * future[:, :, None]
            return values[:, 0, :] if self._y_is_1d else values

        quantiles = quantile_forecasts(  # (n, H, Q), checked finite as in predict
            self.forecaster_, adjusted, self.n_outputs_, owner=self, subject=self._wrapped_name,
            returned=returned)
        with np.errstate(over="ignore"):  # as in predict
            quantiles = _beyond_float64(quantiles * future[:, :, None], "prediction intervals",
                                        "multiplied back", NonFiniteForecastError)
        return quantiles[:, 0, :] if self._y_is_1d else quantiles

    def forecast_quantiles(self, history, steps=None):
        """Forecast every quantile of ``quantiles_`` for the next ``steps`` values of one series:
        prediction intervals from the end of ``history``, within the trained horizon.

        As :meth:`skattn.AttentionForecaster.forecast_quantiles`, with the seasonal adjustment:
        the last window of ``history`` (left-padded with its first value when shorter than the
        window; warned about when shorter than what the inner model reads, see Warns) is
        adjusted, its quantiles forecast and multiplied back.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, at least 2 values (one value has no spread to
            estimate).
        steps : int or None, default=None
            Number of future values, at most the horizon (``n_outputs_``); None means the
            horizon.

        Returns
        -------
        quantiles : ndarray of shape (steps, n_quantiles)
            ``quantiles[t, k]`` is the forecast of quantile ``quantiles_[k]`` for the ``t``-th
            value after ``history``.

        Raises
        ------
        ValueError
            When ``forecaster_`` forecasts no quantiles, ``steps`` exceeds the horizon or is not
            an integer >= 1, or ``history`` is invalid or has a single value.

        Warns
        -----
        UserWarning
            When ``history`` is shorter than the window the inner model reads (the adjustment
            reads the whole window): it is left-padded, and intervals from such windows can be
            far too narrow. Once per fitted model.
        """
        check_is_fitted_without_tags(self)
        if self.quantiles_ is None:
            raise ValueError(
                f"forecast_quantiles needs a forecaster that forecasts quantiles (an "
                f"AttentionForecaster with loss='pinball', a baseline with quantiles=); "
                f"{model_name(self.forecaster_)} does not"
            )
        return forecast_quantiles_of(self, history, steps)

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of one series.

        The prediction for the last window of ``history`` (left-padded with its first value when
        shorter, as :func:`skattn.make_windows` does); beyond the horizon, forecasts are fed
        back recursively.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D with ``n_channels_``
            columns, the covariates in channels 1.., for a model fitted with covariates.
        steps : int >= 1
            Number of future values.
        future_covariates : array-like of shape (n_future, n_channels - 1) or None, default=None
            Covariates of the future steps, first row at the first forecast value; needed with
            covariates when ``steps`` exceeds the horizon, then with at least
            ``(ceil(steps / horizon) - 1) * horizon`` rows; rows beyond those are never
            read.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order.

        Raises
        ------
        ValueError
            When a forecast is NaN or beyond float64's range, naming its step and the wrapped model
            that forecast it (beyond the horizon, forecasts fed back can grow out of range):
            such values are neither returned nor fed back; on a bad ``history``, ``steps`` or
            ``future_covariates``.

        Warns
        -----
        UserWarning
            When ``future_covariates`` has rows the recursion never reads (any within the
            horizon): covariates are past-only inputs.
        """
        check_is_fitted_without_tags(self)
        return forecast_with_predict(self, history, steps, future_covariates)
