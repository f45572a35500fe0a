"""Fixes of session 34 (reviews, trials and items noticed in earlier sessions), each with the
test that failed on the code before it."""
import warnings

import numpy as np

from skattn.model_selection import backtest
from test_model_selection import LastValueForecaster


class _WarnsAtEachForecast(LastValueForecaster):
    """A local model that warns at every forecast, always with the same text."""

    local_model = True

    def forecast(self, history, steps):
        warnings.warn("forecast without a fit", UserWarning)
        return super().forecast(history, steps)


def test_backtest_counts_every_occurrence_of_a_warning_under_show_once_filters():
    # Python's registry let one of each origin's three forecasts' warnings through under the
    # default filter: "at all 2 origins" without "6 times" (noticed in session 33)
    panel = [100.0 + np.arange(30.0)] * 3
    for action in ("default", "module", "once"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()
            warnings.simplefilter(action)
            before = list(warnings.filters)
            backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
            # the caller's filters are theirs again afterwards
            assert warnings.filters == before
        assert [str(w.message) for w in caught] == [
            "forecast without a fit (model 'w': 6 times, at all 2 origins)"], action
    # a filter by message keeps matching, and "ignore" still drops it before it is counted
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.filterwarnings("ignore", message="FORECAST WITHOUT")  # re.I, as Python's
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
    assert not caught
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("ignore")
        warnings.filterwarnings("default", message="forecast without", category=UserWarning)
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
    assert [str(w.message) for w in caught] == [
        "forecast without a fit (model 'w': 6 times, at all 2 origins)"]
