"""A soft seasonal adjustment: the classical indices weighted by the strength of the test (session 13).

Exploration for issue 6. :class:`skattn.DeseasonalizedForecaster` adjusts a window fully or not at
all, by the Theta method's test (``|r_m| > z`` Bartlett standard errors). Here every window that
can be adjusted gets its classical multiplicative indices raised to a weight
``w = clip((t - a) / (b - a), 0, 1)``, ``t = |r_m| / s.e.`` the test's own statistic: a window
just past the test's level is adjusted a little, a clearly seasonal one fully, and one below ``a``
not at all. ``python benchmarks/m3.py --holdout 1 --baselines none --family "z=1.0,soft='0.5:1.5'"
--member-seeds 2 --min-target 1`` puts that family's members behind it instead of the hard test.
"""
from __future__ import annotations

from numbers import Real

import numpy as np

from skattn.seasonal import (DeseasonalizedForecaster, _indices_by_unpadded_length,
                             _seasonal_autocorrelation, _seasonal_indices_of_full_windows)


def seasonality_statistic(values, season_length):
    """The Theta method's test statistic of full windows (n, L) -> (n,): the autocorrelation at
    lag ``season_length`` in Bartlett standard errors (over the shorter lags)."""
    # in units of each window's largest value, as the indices are, so squares cannot overflow
    magnitude = np.abs(values).max(axis=1, keepdims=True)  # (n, 1)
    autocorrelation, standard_error = _seasonal_autocorrelation(
        values / np.where(magnitude > 0, magnitude, 1.0), season_length)
    return np.abs(autocorrelation) / standard_error


def soft_indices(target, padding, season_length, lower, upper):
    """Indices (n, m) of windows (n, T) with known padding (n,): the classical indices (of every
    window that can be adjusted, no test) to the power ``clip((t - lower) / (upper - lower), 0,
    1)``, rescaled to average 1 again as the classical ones do."""
    def indices_of_full_windows(values):  # (r, L) -> (r, m)
        full = _seasonal_indices_of_full_windows(values, season_length, 0.0)
        weight = np.clip((seasonality_statistic(values, season_length) - lower)
                         / (upper - lower), 0.0, 1.0)[:, None]  # (r, 1)
        powered = full ** weight
        return powered / powered.mean(axis=1, keepdims=True)

    return _indices_by_unpadded_length(target, padding, season_length, indices_of_full_windows)


class SoftDeseasonalizedForecaster(DeseasonalizedForecaster):
    """:class:`skattn.DeseasonalizedForecaster` with the soft weight above instead of the test.

    Parameters
    ----------
    forecaster : estimator
        The wrapped window forecaster.
    season_length : int, default=12
        Steps per season.
    lower, upper : float, default=0.5, 1.5
        The test statistic at which a window's weight starts rising from 0 and reaches 1.
    """

    def __init__(self, forecaster, *, season_length=12, lower=0.5, upper=1.5):
        self.forecaster = forecaster
        self.season_length = season_length
        self.lower = lower
        self.upper = upper

    _parameter_constraints = {**DeseasonalizedForecaster._parameter_constraints,
                              "lower": [Real], "upper": [Real]}
    # not parameters here (the soft weight replaces the test), but the parent's fit reads them
    # since ac25b2b: without them every soft member failed with an AttributeError (session 30)
    seasonality_test = True
    critical_value = 1.645

    def _window_indices(self, target, padding):
        return soft_indices(target, padding, self.season_length, self.lower, self.upper)
