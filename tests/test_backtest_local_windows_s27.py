"""backtest fits a local model (a baseline) on the last window of each history only.

A baseline forecasts from each whole history and its fit reads the windows' shape: every window
of 10,000 series was 38% of a naive backtest, and 50,000 daily series of 500 values were refused
for 11.8 GiB of windows (window 112) the seasonal naive never reads (scale trial, session 27).
"""
import numpy as np

from skattn import make_windows
from skattn.baselines import SeasonalNaiveForecaster
from skattn.model_selection import backtest


class _Recording(SeasonalNaiveForecaster):
    shapes = []  # class-level: backtest fits clones

    def fit(self, X, y):
        self.shapes.append(np.shape(X))
        return super().fit(X, y)


def _series(n=6, length=80):
    rng = np.random.default_rng(0)
    return [np.abs(rng.standard_normal(length - k).cumsum()) + 20 for k in range(n)]


def test_a_local_model_is_fitted_on_the_last_window_of_each_history():
    series = _series()
    _Recording.shapes.clear()
    _, forecasts = backtest({"s": _Recording(7)}, series, 7, 28, n_origins=2,
                            return_forecasts=True)
    assert _Recording.shapes == [(6, 28), (6, 28)]  # one window a series, at each origin
    origins = forecasts["__origins__"]
    for j in range(2):
        histories = [s[:origins[j, i]] for i, s in enumerate(series)]
        model = SeasonalNaiveForecaster(7).fit(*make_windows(histories, 28, 7))  # every window
        for i, history in enumerate(histories):
            np.testing.assert_array_equal(forecasts["s"][j, i], model.forecast(history, 7))


def test_windows_past_the_end_and_covariates_are_cut_alike():
    series = _series()
    covariates = [np.sin(np.arange(s.size)) for s in series]
    _Recording.shapes.clear()
    table, _ = backtest({"s": _Recording(7)}, series, 7, 28, covariates=covariates,
                        min_target=3, return_forecasts=True)
    # the last complete window and the 4 past the end with 3 to 6 observed targets, a series
    assert _Recording.shapes == [(6 * 5, 28, 2)]
    assert np.isfinite(np.asarray(table["smape"])).all()
