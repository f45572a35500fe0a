"""A recursive forecast shows each distinct warning of the wrapped model once, and
DeseasonalizedForecaster's warnings point at the user's line wherever it is fitted.

Beyond the horizon ``recursive_forecast`` (skattn/_validation.py) predicts once per round fed
back; every predict of a scikit-learn regressor enters ``catch_warnings`` in its ``check_array``,
which resets Python's once-per-location memory, so the default filters showed one copy of the
regressor's warning per round (3 for 3 rounds). DeseasonalizedForecaster's
SeasonalAdjustmentWarning had fixed stacklevels: inside a ForecastEnsemble it pointed at
skattn/_worker_warnings.py, inside a Pipeline or a search into scikit-learn.
"""
import warnings

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

import skattn.seasonal
from skattn import (AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble,
                    make_windows)
from skattn.exceptions import SeasonalAdjustmentWarning
from skattn.model_selection import PredictForecaster
from skattn.recipes import make_attention_ensemble

STEPS, HORIZON = 6, 2  # 3 rounds


class WarningRidge(Ridge):
    """A Ridge whose predict warns the same text from the same line at every call."""

    def predict(self, X):
        warnings.warn("ridge predict warning", UserWarning)  # the line every copy points at
        return super().predict(X)


WARN_LINE = WarningRidge.predict.__code__.co_firstlineno + 1


@pytest.fixture(scope="module")
def series():
    t = np.arange(120)
    return 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t


@pytest.fixture(scope="module", params=["PredictForecaster", "DeseasonalizedForecaster"])
def model(request, series):
    X, y = make_windows(series, window=30, horizon=HORIZON)
    wrapper = {"PredictForecaster": lambda: PredictForecaster(WarningRidge()),
               "DeseasonalizedForecaster":
                   lambda: DeseasonalizedForecaster(WarningRidge(), season_length=12)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wrapper[request.param]().fit(X, y)


def forecast_recording(model, series, *filters):
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        for action, kwargs in filters:
            warnings.filterwarnings(action, **kwargs)
        forecast = model.forecast(series, STEPS)
    return forecast, [w for w in caught if "ridge predict warning" in str(w.message)]


@pytest.mark.parametrize("filters", [
    [("default", {})],
    [],  # no filter: Python's default action, as at start-up
    # a filter on the module the warning points into still matches (its module is kept)
    [("ignore", {}), ("default", {"module": __name__})],
], ids=["default", "no filter", "by module"])
def test_a_warning_of_every_round_shows_once(model, series, filters):
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # pytest's own filters out
        for action, kwargs in filters:
            warnings.filterwarnings(action, **kwargs)
        model.forecast(series, STEPS)
    caught = [w for w in caught if "ridge predict warning" in str(w.message)]
    assert len(caught) == 1  # 3 before, one per round
    # from where it was raised, as before
    assert (caught[0].category, caught[0].filename, caught[0].lineno) == (
        UserWarning, __file__, WARN_LINE)


def test_always_shows_every_round_and_error_raises_in_the_first(model, series):
    _, caught = forecast_recording(model, series, ("always", {}))
    assert len(caught) == STEPS // HORIZON
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="^ridge predict warning$"):
            model.forecast(series, STEPS)


def test_each_forecast_shows_its_warning_and_forecasts_are_unchanged(model, series):
    forecasts = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        forecasts.append(model.forecast(series, STEPS))
        forecasts.append(model.forecast(series, STEPS))
    assert len([w for w in caught if "ridge predict warning" in str(w.message)]) == 2
    silent, _ = forecast_recording(model, series, ("ignore", {}))
    assert all(np.array_equal(forecast, silent) for forecast in forecasts)


def test_the_attention_forecaster_recurses_through_the_same_loop(series, monkeypatch):
    # a warning of its rounds (none today) shows once as well, even when something in each
    # round resets the once-per-location memory as check_array does
    X, y = make_windows(series, window=30, horizon=HORIZON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(d_model=8, n_heads=1, n_layers=1, max_epochs=1,
                                    random_state=0).fit(X, y)
    expected = model.forecast(series, STEPS)
    values = model._forecast_values

    def warning_values(X3, **kwargs):
        with warnings.catch_warnings():  # as scikit-learn's check_array: a reset
            pass
        warnings.warn("network warning", UserWarning)
        return values(X3, **kwargs)

    monkeypatch.setattr(model, "_forecast_values", warning_values)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        got = model.forecast(series, STEPS)
    assert [str(w.message) for w in caught] == ["network warning"]
    assert np.array_equal(got, expected)


# --- DeseasonalizedForecaster's warnings point at the user's line ---------------------------

@pytest.fixture(scope="module")
def short_windows():
    # windows of 20 steps, shorter than 2 * 12 + 1: the SeasonalAdjustmentWarning of fit
    rng = np.random.default_rng(0)
    t = np.arange(60)
    series = [10 + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, .3, 60) + i
              for i in range(3)]
    return make_windows(series, 20, 3)


def deseasonalized():
    return DeseasonalizedForecaster(Ridge(), season_length=12)


def fit_recording(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        # a filter of the user's module (here: this file's) matches, as for the model alone
        warnings.filterwarnings("always", category=SeasonalAdjustmentWarning, module=__name__)
        model.fit(X, y)
    return [w for w in caught if w.category is SeasonalAdjustmentWarning]


@pytest.mark.parametrize("make", [
    deseasonalized,
    lambda: ForecastEnsemble([("a", deseasonalized()), ("b", Ridge())]),
    lambda: make_pipeline(deseasonalized()),
    lambda: GridSearchCV(deseasonalized(), {"season_length": [12]}, cv=TimeSeriesSplit(2)),
    lambda: make_attention_ensemble((4,), n_seeds=1, max_epochs=1, batch_size=32,
                                    random_state=0),
], ids=["alone", "ForecastEnsemble", "Pipeline", "GridSearchCV", "recipe"])
def test_seasonal_adjustment_warning_points_at_the_callers_line(short_windows, make):
    X, y = short_windows
    caught = fit_recording(make(), X, y)
    assert caught and all(w.filename == __file__ for w in caught), [
        (w.filename, w.lineno) for w in caught]


def test_the_too_few_cycles_warning_points_at_the_callers_line_in_an_ensemble():
    rng = np.random.default_rng(1)
    series = 10 + np.sin(2 * np.pi * np.arange(400) / 52) + rng.normal(0, 1, 400)
    X, y = make_windows(series, 130, 13)
    ensemble = ForecastEnsemble([("a", DeseasonalizedForecaster(Ridge(), season_length=52)),
                                 ("b", Ridge())])
    caught = fit_recording(ensemble, X, y)
    assert [w.filename for w in caught] == [__file__]
    assert "too few for the seasonality test" in str(caught[0].message)


def test_in_a_worker_process_it_points_at_skattn_seasonal(short_windows):
    # a worker has no frame of the caller's: the warning is put at DeseasonalizedForecaster's
    # own line, module skattn.seasonal, which a filter by module names (it was put at
    # skattn/_worker_warnings.py, module skattn._worker_warnings)
    X, y = short_windows
    ensemble = ForecastEnsemble([("a", deseasonalized()), ("b", Ridge())], n_jobs=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", category=SeasonalAdjustmentWarning,
                                module="skattn.seasonal")
        ensemble.fit(X, y)
    assert [w.filename for w in caught] == [skattn.seasonal.__file__]


# ------------------------------------------------------------------------------------------
# AttentionForecaster's ConvergenceWarning points at the user's line inside wrappers: its fixed
# stacklevel (6) pointed at sklearn/pipeline.py in a Pipeline and at _worker_warnings.py inside
# a ForecastEnsemble fitted in the caller's process (one walk of the stack for every warning of
# the package now: skattn/_stacklevel.py)
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wrapping", ["alone", "pipeline", "ensemble"])
def test_attention_convergence_warning_points_at_the_line_that_called_fit(wrapping):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    X, y = make_windows(10 + rng.normal(0, 1, 120), window=12, horizon=3)

    def member():
        return AttentionForecaster(patch_len=4, d_model=8, n_layers=1, max_epochs=2,
                                   random_state=0)

    model = {"alone": member, "pipeline": lambda: make_pipeline(FunctionTransformer(), member()),
             "ensemble": lambda: ForecastEnsemble([("a", member()), ("b", member())])}[wrapping]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    converged = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert converged
    assert {w.filename for w in converged} == {__file__}, [(w.filename, w.lineno)
                                                           for w in converged]
