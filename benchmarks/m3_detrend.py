"""A window forecaster fitted on what is left after a line through each window (session 11).

Exploration for issue 6, kept so that docs/benchmarks.md's "Session 11" figures can be re-run:
``python benchmarks/m3.py --holdout 1 --baselines none --family "z=1.0,detrend='1.0'"
--member-seeds 2 --min-target 1`` puts every member of that family behind a
:class:`LineDetrended` (inside its seasonal adjustment, outside its LastSteps, so the line runs
through the whole WINDOW). ``detrend='0.5'`` halves the line's slope past the window's end;
``detrend='1.0+window'`` also gives the member the window itself as a second input channel;
``detrend='1.0+window+r0.5'`` keeps a window's line only when it explains at least half of the
window's variance (R^2 >= 0.5), and otherwise subtracts the window's mean (a flat line).
It did not help (docs/benchmarks.md); it is not part of the reported model.

Session 12 added :func:`recent_line_r2`, the feature ``m3_combine.py --route`` routes by, and
:class:`StraightRowsOnly` (family key ``straight=0.5`` in m3.py), a member fitted only on the
windows whose last 36 values are straight. Neither helped either.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from skattn._validation import forecast_with_predict, validate_windows
from skattn.seasonal import _padding


def window_lines(X, padding=None):
    """The least-squares line through each window's values after its left padding.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_timesteps)
    padding : ndarray of shape (n_windows,) or None, default=None
        Steps of left padding; None judges them from ``X`` (skattn.seasonal's rule).

    Returns
    -------
    intercept, slope : ndarrays of shape (n_windows,)
        Positions count from 0 at each window's first step; a window with one real value has
        slope 0.
    padding : ndarray of shape (n_windows,)
        Steps of left padding (skattn.seasonal's rule).
    """
    n_timesteps = X.shape[1]
    padding = _padding(X) if padding is None else padding
    steps = np.arange(n_timesteps, dtype=np.float64)
    observed = steps[None, :] >= padding[:, None]  # (n, T)
    count = observed.sum(axis=1)
    step_mean = (observed * steps).sum(axis=1) / count  # (n,)
    value_mean = np.where(observed, X, 0.0).sum(axis=1) / count
    centred_steps = np.where(observed, steps - step_mean[:, None], 0.0)  # (n, T)
    spread = (centred_steps ** 2).sum(axis=1)
    covariance = (centred_steps * np.where(observed, X - value_mean[:, None], 0.0)).sum(axis=1)
    slope = np.where(spread > 0, covariance / np.where(spread > 0, spread, 1.0), 0.0)
    return value_mean - slope * step_mean, slope, padding


def window_line_r2(X, intercept, slope, padding):
    """R^2 of each window's line over its real values (0 for a constant window), (n,)."""
    steps = np.arange(X.shape[1], dtype=np.float64)
    observed = steps[None, :] >= padding[:, None]  # (n, T)
    count = observed.sum(axis=1)
    mean = np.where(observed, X, 0.0).sum(axis=1) / count
    total = np.where(observed, (X - mean[:, None]) ** 2, 0.0).sum(axis=1)
    residual = np.where(observed, (X - intercept[:, None] - slope[:, None] * steps) ** 2,
                        0.0).sum(axis=1)
    return np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), 0.0)


class LineDetrended(RegressorMixin, BaseEstimator):
    """``forecaster`` fitted on each window minus its line; forecasts add the line back.

    Parameters
    ----------
    forecaster : regressor
        Fitted on the remainders (cloned).
    slope_after_end : float, default=1.0
        The line past the window's end: its value at the last step plus this fraction of its
        slope per step (0.5 is the Theta method's drift).
    with_window : bool, default=False
        Also give ``forecaster`` the window itself, as channel 1 of 3-D input.
    min_r2 : float or None, default=None
        Keep the line of a window only if its R^2 (over the window's real values) is at least
        this; other windows get a flat line at their mean. None keeps every line.
    """

    def __init__(self, forecaster, *, slope_after_end=1.0, with_window=False, min_r2=None):
        self.forecaster = forecaster
        self.slope_after_end = slope_after_end
        self.with_window = with_window
        self.min_r2 = min_r2

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _lines(self, X):
        """The line at each window's steps (padding: its first real step's), (n, T), and past
        its end, (n, n_outputs_)."""
        n_timesteps = X.shape[1]
        intercept, slope, padding = window_lines(X)
        steps = np.arange(n_timesteps, dtype=np.float64)
        if self.min_r2 is not None:
            flat = window_line_r2(X, intercept, slope, padding) < self.min_r2  # (n,)
            mean = intercept + slope * (padding + n_timesteps - 1) / 2  # the line's mean over
            intercept = np.where(flat, mean, intercept)  # the real values is their mean
            slope = np.where(flat, 0.0, slope)
        inside = intercept[:, None] + slope[:, None] * np.maximum(steps, padding[:, None])
        last = intercept + slope * (n_timesteps - 1)  # (n,)
        ahead = np.arange(1, self.n_outputs_ + 1, dtype=np.float64)
        after = last[:, None] + self.slope_after_end * slope[:, None] * ahead
        return inside, after

    def _inputs(self, X, inside):
        remainder = X - inside  # (n, T)
        return np.stack([remainder, X], axis=2) if self.with_window else remainder

    def fit(self, X, y):
        X, y, self.n_channels_ = validate_windows(self, X, y, reset=True, missing_y=True)
        if X.ndim != 2:
            raise ValueError("LineDetrended takes 2-D windows (one channel)")
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        inside, after = self._lines(X)
        self.forecaster_ = clone(self.forecaster).fit(self._inputs(X, inside),
                                                      y - after.reshape(y.shape))
        return self

    def predict(self, X):
        X, _, _ = validate_windows(self, X, reset=False)
        inside, after = self._lines(X)
        prediction = np.asarray(self.forecaster_.predict(self._inputs(X, inside)),
                                dtype=np.float64)
        return prediction + after.reshape(prediction.shape)

    def forecast(self, history, steps, future_covariates=None):
        return forecast_with_predict(self, history, steps, future_covariates)


def recent_line_r2(X, last=36):
    """R^2 of the least-squares line through each window's last ``last`` real values, (n,).

    The feature that routes a window to the straight-history specialist (session 12): computed
    on the raw window (before any seasonal adjustment); left padding (skattn.seasonal's rule) is
    left out, so a series shorter than ``last`` is judged on all its values.
    """
    X = np.asarray(X, dtype=np.float64)
    recent = X[:, -last:]  # (n, L)
    # the padding is judged on the whole window: the recent part's own leading run of equal
    # values may be real data
    padding = np.maximum(_padding(X) - (X.shape[1] - recent.shape[1]), 0)  # (n,)
    intercept, slope, _ = window_lines(recent, padding)
    return window_line_r2(recent, intercept, slope, padding)


class StraightRowsOnly(RegressorMixin, BaseEstimator):
    """``forecaster`` fitted only on the windows whose recent history is straight (session 12).

    A specialist for the routed design: the rows kept are those whose :func:`recent_line_r2` is
    at least ``min_r2``; every row is predicted (the routing is done outside, offline).

    Parameters
    ----------
    forecaster : regressor
        Fitted on the kept rows (cloned).
    min_r2 : float, default=0.5
    last : int, default=36
    """

    def __init__(self, forecaster, *, min_r2=0.5, last=36):
        self.forecaster = forecaster
        self.min_r2 = min_r2
        self.last = last

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        X, y, self.n_channels_ = validate_windows(self, X, y, reset=True, missing_y=True)
        kept = recent_line_r2(X, self.last) >= self.min_r2
        self.n_rows_kept_ = int(kept.sum())
        self.forecaster_ = clone(self.forecaster).fit(X[kept], y[kept])
        return self

    def predict(self, X):
        X, _, _ = validate_windows(self, X, reset=False)
        return self.forecaster_.predict(X)

    def forecast(self, history, steps, future_covariates=None):
        return forecast_with_predict(self, history, steps, future_covariates)
