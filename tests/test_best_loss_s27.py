"""best_loss_ after a warm fit with early stopping (user trial, session 27).

A fit with early stopping tracks no training loss, and its docstring says it leaves
``best_loss_`` None; a warm fit after ``partial_fit`` kept that call's value (0.607 against a
loss curve down to 0.436).
"""
import numpy as np

from skattn import AttentionForecaster, make_windows
from skattn.datasets import load_airline


def _model(**params):
    return AttentionForecaster(d_model=8, n_heads=2, n_layers=1, patch_len=6, max_epochs=3,
                               random_state=0, n_jobs=1, **params)


def test_a_warm_fit_with_early_stopping_leaves_best_loss_none():
    X, y = make_windows(load_airline().series, 24, 6)
    model = _model(early_stopping=True, warm_start=True).fit(X, y)
    assert model.best_loss_ is None
    model.partial_fit(X, y)
    assert model.best_loss_ == model.loss_curve_[-1]  # partial_fit trains on every window
    model.fit(X, y)
    assert model.best_loss_ is None
    assert model.best_validation_score_ is not None


def test_warm_fits_without_early_stopping_keep_the_lowest_loss():
    X, y = make_windows(load_airline().series, 24, 6)
    model = _model(warm_start=True).fit(X, y)
    model.partial_fit(X, y)
    model.fit(X, y)
    assert model.best_loss_ == min(model.loss_curve_)
    assert np.isfinite(model.best_loss_)
