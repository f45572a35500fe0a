"""Exploration (session 14): distillation from the Theta method.

Each training window's target is blended with the Theta method's forecast from that window's real
history (its values without the left padding), ``y' = (1 - weight) * y + weight * theta`` (NaN
stays NaN), so that a network trained with the absolute error learns ``(1 - weight)`` times the
conditional median of ``y`` plus ``weight`` times Theta's forecast: the attention/Theta mean
learnt into the network, which alone forecasts afterwards. ``python benchmarks/m3.py --distill
WEIGHT``; the teacher's forecasts are cached per origin (``--teacher-cache DIR``).
"""

import os
import time

import numpy as np

from skattn.baselines import ThetaForecaster


def teacher_forecasts(train, index, window, horizon, season_length, cache_dir=None, tag=""):
    """Theta's forecasts (n_windows, horizon) from each training window's real history:
    ``train[series][:start][-window:]`` for each ``(series, start)`` row of ``index``.

    Returns the forecasts and the seconds spent computing them (0 when read from the cache)."""
    path = None
    if cache_dir:
        path = os.path.join(cache_dir, f"teacher{tag}_{len(index)}_{window}_{horizon}.npy")
        if os.path.exists(path):
            return np.load(path), 0.0
    started = time.perf_counter()
    # ThetaForecaster forecasts rows of equal length: group the windows by their real length
    lengths = np.minimum(index[:, 1], window)  # (n,) real values of history in each window
    forecasts = np.empty((len(index), horizon))
    teacher = ThetaForecaster(season_length=season_length, n_jobs=-1)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        histories = np.stack([train[series][start - length:start]
                              for series, start in index[rows]])  # (n_rows, length)
        teacher.fit(histories, np.zeros((len(rows), horizon)))
        forecasts[rows] = teacher.predict(histories)
    seconds = time.perf_counter() - started
    if path:
        np.save(path, forecasts)
    return forecasts, seconds


def distilled_targets(y, theta, weight):
    """``(1 - weight) * y + weight * theta`` where ``y`` is observed, NaN where it is not."""
    return (1.0 - weight) * y + weight * theta
