"""Fixes of session 34 (reviews, trials and items noticed in earlier sessions), each with the
test that failed on the code before it."""
import warnings

import numpy as np
import pytest

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


def _two_series_csv(path, times, b_length):
    """Series A over every time; B over the first ``b_length`` (it ends earlier)."""
    values = 100 + 10 * np.sin(np.arange(len(times)) * 2 * np.pi / 12) + np.arange(len(times))
    lines = ["id,date,value"]
    lines += [f"A,{t},{v:.3f}" for t, v in zip(times, values)]
    lines += [f"B,{t},{v * 1.1:.3f}" for t, v in zip(times[:b_length], values)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _business_days(n):
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    days = days[np.is_busday(days)][:n]
    return [str(day) for day in days]


def _half_hours(n):
    start = np.datetime64("2020-01-01T00:00")
    return [str(start + np.timedelta64(30 * k, "m")) for k in range(n)]


@pytest.mark.filterwarnings("ignore:.*gaps in their times:UserWarning")  # weekends, said
@pytest.mark.parametrize("times", [_business_days(72), _half_hours(72)],
                         ids=["business-days", "half-hours"])
def test_compare_warns_of_series_ending_at_different_dates_without_a_calendar_step(
        tmp_path, times):
    # only dates stepping by a calendar unit were compared: series of business days (or
    # half-hours) ending 12 steps apart trained the attention model on A's values dated inside
    # B's hold-out without a word (leakage audit, session 34)
    from skattn.__main__ import main

    path = _two_series_csv(tmp_path / "panel.csv", times, 60)
    with pytest.warns(UserWarning, match=r"the series end at 2 different times in 'date'"):
        main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
              "--horizon", "12", "--season-length", "12", "--output", "none", "--quiet"])
    # ending together: nothing said
    path = _two_series_csv(tmp_path / "aligned.csv", times, 72)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
              "--horizon", "12", "--season-length", "12", "--output", "none", "--quiet"])
    assert not [w for w in caught if "different times" in str(w.message)]
