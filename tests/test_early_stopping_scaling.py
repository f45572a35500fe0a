"""Early stopping's held-out rows stay out of the global scaling (leakage audit, session 26).

The scaling (channel_mean_, channel_scale_) was computed on every row before the split, so the
values of the held-out windows moved the training: with normalize=False, airline values that
only held-out windows hold, times 1.5, moved the forecasts by 11.6 passengers after one epoch.
"""
import math

import numpy as np
import pytest

from skattn import AttentionForecaster, make_windows
from skattn.datasets import load_airline

SERIES = load_airline().series


def _fit(series, **params):
    X, y = make_windows(series, window=24, horizon=12)
    model = AttentionForecaster(early_stopping=True, validation_fraction=0.2, max_epochs=1,
                                d_model=16, n_layers=1, patch_len=6, n_jobs=1, random_state=0,
                                **params)
    return model.fit(X, y), X


@pytest.mark.parametrize("normalize", [True, False])
def test_values_only_held_out_windows_hold_change_nothing_in_training(normalize):
    base, X = _fit(SERIES, normalize=normalize)
    n_val = int(math.floor(0.2 * len(X)))
    # the series' positions that only the held-out windows' X holds (the last n_val rows): past
    # every training window's X and y
    first_held_out = len(X) - n_val
    last_trained = first_held_out - 1 + 24 + 12  # one past the last training target
    only_held_out = np.arange(last_trained, first_held_out + n_val - 1 + 24)
    assert only_held_out.size > 0
    changed = SERIES.copy()
    changed[only_held_out] *= 1.5
    model, X_changed = _fit(changed, normalize=normalize)
    np.testing.assert_array_equal(model.channel_mean_, base.channel_mean_)
    np.testing.assert_array_equal(model.channel_scale_, base.channel_scale_)
    np.testing.assert_array_equal(model.loss_curve_, base.loss_curve_)
    np.testing.assert_array_equal(model.predict(X[:5]), base.predict(X[:5]))
    # the scaling is the training rows' own
    training_values = X[:first_held_out].astype(np.float64)
    np.testing.assert_allclose(base.channel_mean_[0], training_values.mean(), rtol=1e-12)


def test_without_early_stopping_every_row_is_scaled():
    X, y = make_windows(SERIES, window=24, horizon=12)
    model = AttentionForecaster(max_epochs=1, d_model=16, n_layers=1, patch_len=6,
                                random_state=0).fit(X, y)
    np.testing.assert_allclose(model.channel_mean_[0], X.astype(np.float64).mean(), rtol=1e-12)


def test_when_early_stopping_cannot_work_the_fit_is_the_plain_one_scaling_included():
    # held-out windows that are all constant teach nothing (their targets are left out): early
    # stopping is given up and they train with the others, so they are scaled with them too,
    # and the fit is the one early_stopping=False gives (tests/test_forecaster.py pins the
    # forecasts; this, the scaling itself)
    series = np.r_[10 + np.sin(np.arange(80) / 3), np.full(30, 7.0)]
    X, y = make_windows(series, 8, 3)
    params = dict(max_epochs=3, d_model=16, n_layers=1, patch_len=4, n_jobs=1, random_state=0)
    with pytest.warns(UserWarning, match="early stopping cannot work"):
        given_up = AttentionForecaster(early_stopping=True, validation_fraction=0.2,
                                       **params).fit(X, y)
    plain = AttentionForecaster(**params).fit(X, y)
    np.testing.assert_array_equal(given_up.channel_mean_, plain.channel_mean_)
    np.testing.assert_array_equal(given_up.channel_scale_, plain.channel_scale_)
    np.testing.assert_array_equal(given_up.predict(X), plain.predict(X))
