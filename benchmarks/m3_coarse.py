"""Members that read the older history in coarse blocks: multi-resolution input (session 15).

Exploration for issue 6. A member of window ``w`` normally reads the last ``w`` values of each
(seasonally adjusted) window (:class:`skattn.LastSteps`). :class:`CoarseHistory` gives it, in
front of those, the means of the OLDER values in blocks of ``block`` steps, aligned to end where
the recent part starts: the long-range level and trend of the history (what the Theta method fits
its line to) for a handful of inputs, instead of the fine values that made 90-value members worse
alone. ``python benchmarks/m3.py --holdout 1 --baselines none --family z=1.0,coarse=6
--member-seeds 2 --min-target 1`` puts that family's members on it.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data


class CoarseHistory(TransformerMixin, BaseEstimator):
    """``[block means of X[:, :-recent]] + X[:, -recent:]`` per window (2-D windows only).

    Parameters
    ----------
    recent : int
        The last steps kept as they are.
    block : int
        Steps averaged into one input, in the older part; the first ``(T - recent) % block``
        steps of a window of T steps (the oldest) are dropped.
    """

    _parameter_constraints: dict = {
        "recent": [Interval(Integral, 1, None, closed="left")],
        "block": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, recent=24, block=6):
        self.recent = recent
        self.block = block

    def fit(self, X, y=None):
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        if X.shape[1] <= self.recent:
            raise ValueError(f"windows of {X.shape[1]} steps have no history before the last "
                             f"recent={self.recent}")
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite="allow-nan")
        older = X[:, :X.shape[1] - self.recent]  # (n, T - recent)
        n_blocks = older.shape[1] // self.block
        blocks = older[:, older.shape[1] - n_blocks * self.block:]  # (n, n_blocks * block)
        means = blocks.reshape(X.shape[0], n_blocks, self.block).mean(axis=2)  # (n, n_blocks)
        return np.concatenate([means, X[:, -self.recent:]], axis=1)
