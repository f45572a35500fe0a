"""Intervals of zero width: which forecasts have them, and who says so.

A window model that scales each forecast by its window's spread (``AttentionForecaster`` with
instance normalisation) gives a constant window every quantile at its level: an interval of zero
width, a certainty nothing in training supports (user trial, session 22: after runs of zeros of
intermittent demand the truth lay above the 0.975 quantile 11.7% of the time). The models say so
when they forecast such intervals; an ensemble says so once, of its combined intervals, and its
members report to it instead (:func:`members_of_an_ensemble`): each member's own count, raised
12 times per call by the recipe's members, told nothing of the combined intervals, which other
members (``normalize=False``, a baseline) may widen (review, session 22).

A context variable, not recorded warnings: recording (``catch_warnings(record=True)``) from
several threads at once left Python's warning output pointing at a dead list, and its "always"
filter overrode the caller's "error" filters inside the members (review, session 22).
"""
from __future__ import annotations

import contextlib
import contextvars

import numpy as np

#: relative width under which an interval counts as zero: the float32 rounding of a window of
#: 60 with noise 1e-7, which training takes for constant, gave intervals of width 1.06e-7
ZERO_WIDTH_RELATIVE = 1e-6

_REPORTS = contextvars.ContextVar("skattn_zero_width_reports", default=None)


@contextlib.contextmanager
def members_of_an_ensemble():
    """Within this block the models do not warn of zero-width intervals themselves: they report
    the rows to the list this yields (:func:`report_to_ensemble`), and the ensemble warns of its
    combined intervals where a member reported some. A baseline's zero-width intervals of a
    constant history are legitimate (docs/baselines.md: it has seen no error), so an ensemble of
    baselines alone says nothing (review, session 22)."""
    reports = []
    token = _REPORTS.set(reports)
    try:
        yield reports
    finally:
        _REPORTS.reset(token)


def report_to_ensemble(rows):
    """Hand the (n,) bool ``rows`` of zero-width intervals to the ensemble the caller forecasts
    for, and return True; False (nothing done) outside an ensemble."""
    reports = _REPORTS.get()
    if reports is None:
        return False
    reports.append(np.asarray(rows, dtype=bool))
    return True


def zero_width_rows(quantiles):
    """A (n,) bool array: the rows of ``quantiles`` (n, ..., Q) whose quantiles are all equal at
    every step, to ``ZERO_WIDTH_RELATIVE`` of their largest magnitude."""
    quantiles = np.asarray(quantiles, dtype=np.float64)
    rows = quantiles.reshape(quantiles.shape[0], -1, quantiles.shape[-1])  # (n, steps, Q)
    width = (rows.max(axis=-1) - rows.min(axis=-1)).max(axis=-1)  # (n,)
    level = np.abs(rows).max(axis=(1, 2))  # (n,)
    return width <= ZERO_WIDTH_RELATIVE * level


def windows_get(zero, n_windows):
    """The subject of the warnings: "3 of 10 windows get", or "the window gets" for a call of one
    window (forecast_quantiles of a history). backtest forecasts each series by itself and shows
    a warning once per origin, so "1 of 1 windows" read as a count of the series (16 of 18
    forecasts had zero width; user trial, session 22)."""
    return "the window gets" if n_windows == 1 else f"{zero} of {n_windows} windows get"
