"""Input validation shared by every estimator of the package (the data contract)."""
from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data


def validate_windows(estimator, X, y=None, *, reset):
    """Validate history windows ``X`` (and targets ``y``) for ``estimator``.

    scikit-learn's ``validate_data`` does the general checks (finite, numeric, non-empty, the number
    of time steps against ``n_features_in_``, column names); on top of it: ``X`` is 2-D
    (n_samples, n_timesteps) or 3-D (n_samples, n_timesteps, n_channels), and at predict time has
    the channels seen at fit (``estimator.n_channels_``).

    Returns
    -------
    X : ndarray, float64 or float32
    y : ndarray or None
    n_channels : int
    """
    if y is None:
        X = validate_data(estimator, X, reset=reset, allow_nd=True, dtype=[np.float64, np.float32])
    else:
        X, y = validate_data(estimator, X, y, reset=reset, allow_nd=True,
                             dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
    if X.ndim > 3:
        raise ValueError(
            "X must be 2-D (n_samples, n_timesteps) or 3-D (n_samples, n_timesteps, "
            f"n_channels); got {X.ndim} dimensions, shape {X.shape}"
        )
    n_channels = 1 if X.ndim == 2 else X.shape[2]
    if n_channels < 1:
        raise ValueError(f"X has 0 channels (shape {X.shape}); channel 0 must be the target")
    if not reset and n_channels != estimator.n_channels_:
        raise ValueError(
            f"X has {n_channels} channel(s), but {type(estimator).__name__} was fitted with "
            f"{estimator.n_channels_} channel(s)"
        )
    return X, y, n_channels


def as_history(values, n_channels, what="history"):
    """A finite float64 (T, n_channels) array from a 1-D or 2-D history."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric: {exc}") from None
    if array.ndim == 1 and n_channels == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_channels:
        expected = "(n_timesteps,)" if n_channels == 1 and what == "history" else f"(n_timesteps, {n_channels})"
        raise ValueError(f"{what} must have shape {expected}, got {array.shape}")
    if array.shape[0] < 1:
        raise ValueError(f"{what} is empty: at least one value is needed")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinity")
    return array
