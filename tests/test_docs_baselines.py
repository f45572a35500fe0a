"""docs/baselines.md's blocks run as written, in order, and give the shapes their comments say."""
import numpy as np
import pytest

from docs_pages import run_page

pytest.importorskip("statsforecast")


def test_the_baselines_page_runs_and_its_shapes_are_as_commented():
    namespace = run_page("baselines.md", 3)
    ets, mstl, X, series = (namespace[name] for name in ("ets", "mstl", "X", "series"))

    # the ETS blocks (airline windows of 48 months, 12 ahead; the second one refits with
    # quantiles): the horizon and the levels learnt at fit, quantiles beyond the horizon
    assert ets.n_outputs_ == 12 and tuple(ets.quantiles_) == (0.1, 0.5, 0.9)
    assert ets.forecast_quantiles(np.arange(1.0, 61.0), steps=36).shape == (36, 3)

    # the MSTL block: hourly windows of three weeks, a two-day horizon
    assert series.shape == (24 * 31,) and X.shape == (9, 24 * 7 * 3)
    assert mstl.predict(X[-3:]).shape == (3, 48)
    assert mstl.forecast(series, steps=168).shape == (168,)
    quantiles = mstl.forecast_quantiles(series, steps=48)
    assert quantiles.shape == (48, 3)
    assert np.all(np.diff(quantiles, axis=1) >= 0)  # 0.1 <= 0.5 <= 0.9 at every step
    # the median is the point forecast, which follows the daily cycle the series was given
    point = mstl.forecast(series, steps=48)
    np.testing.assert_allclose(quantiles[:, 1], point)
    daily = np.sin(2 * np.pi * np.arange(series.size, series.size + 48) / 24)
    assert np.corrcoef(point, daily)[0, 1] > 0.9
