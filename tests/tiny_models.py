"""Small models and windows shared by the review tests (tests/test_review_s*.py): a fit of a
few milliseconds that still trains."""
import numpy as np

from skattn import AttentionForecaster, make_windows


def seasonal_windows(horizon=4):
    """Windows of 16 of a monthly sine with a slight trend, 200 values, and their targets."""
    t = np.arange(200.0)
    series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    return make_windows(series, window=16, horizon=horizon)


def tiny_model(**params):
    """An AttentionForecaster of d_model 8, one layer, 2 epochs, seeded, on one thread."""
    settings = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=2, batch_size=32,
                    random_state=0, n_jobs=1)
    settings.update(params)
    return AttentionForecaster(**settings)
