"""The baselines check their targets as AttentionForecaster does (session 26's user trial).

A baseline reads of ``y`` only its width, so a ``y`` that is not the series' next values in X's
units gave forecasts far off without a word: each column of a multi-step ``y`` fitted alone by
MultiOutputRegressor (Theta's MAE 80 instead of 17 on the airline), a RegressorChain in another
order than time's, a StandardScaler in front (2.17 forecast for values near 400), a log
TransformedTargetRegressor (MAE 1.7e218). AttentionForecaster warned of the last two already.
"""
import re
import warnings

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.multioutput import MultiOutputRegressor, RegressorChain
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skattn import DeseasonalizedForecaster, make_windows
from skattn.baselines import (ETSForecaster, NaiveForecaster, SeasonalNaiveForecaster,
                              ThetaForecaster)
from skattn.datasets import load_airline
from skattn.exceptions import TargetAlignmentWarning, TargetUnitsWarning
from skattn.model_selection import backtest

pytest.importorskip("statsforecast")

SERIES = load_airline().series


def _airline_windows(horizon=6, **kwargs):
    return make_windows(SERIES[:-12], window=60, horizon=horizon, **kwargs)


def _fit_recording(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught
            if issubclass(w.category, (TargetAlignmentWarning, TargetUnitsWarning))]


@pytest.mark.parametrize("cls", [NaiveForecaster, SeasonalNaiveForecaster, ThetaForecaster])
def test_each_column_fitted_alone_is_warned_with_the_step_it_holds(cls):
    X, y = _airline_windows()
    caught = _fit_recording(MultiOutputRegressor(cls()), X, y)
    # column 0 is the next value; columns 1-5 are 2-6 steps after each window
    assert [w.category for w in caught] == [TargetAlignmentWarning] * 5
    lags = [int(re.search(r"the value (\d+) steps after each window", str(w.message)).group(1))
            for w in caught]
    assert lags == [2, 3, 4, 5, 6]
    message = str(caught[0].message)
    assert message.startswith(f"{cls.__name__}: y[:, 0] is not the value right after each window")
    assert "MultiOutputRegressor fits each column of a multi-step y alone" in message
    assert "give the model the multi-step y itself" in message


def test_the_multi_step_y_itself_and_one_step_windows_are_not_warned():
    X, y = _airline_windows()
    X1, y1 = _airline_windows(horizon=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetAlignmentWarning)
        warnings.simplefilter("error", TargetUnitsWarning)
        ThetaForecaster(12).fit(X, y)
        ThetaForecaster(12).fit(X1, y1)  # horizon 1: y 1-D
        ThetaForecaster(12).fit(X1, y1.reshape(-1, 1))  # and 2-D of one column
        # a chain in time order reads the true earlier steps after the window: the next values
        RegressorChain(SeasonalNaiveForecaster(12)).fit(X, y)


def test_a_chain_in_another_order_than_time_is_warned():
    X, y = _airline_windows()
    caught = _fit_recording(RegressorChain(SeasonalNaiveForecaster(12), order=[5, 4, 3, 2, 1, 0]),
                            X, y)
    assert caught and caught[0].category is TargetAlignmentWarning
    assert "the value 6 steps after each window" in str(caught[0].message)


def test_a_target_that_is_the_window_s_last_value_is_named():
    X, _ = _airline_windows()
    caught = _fit_recording(NaiveForecaster(), X, X[:, -1])
    assert [w.category for w in caught] == [TargetAlignmentWarning]
    assert "y[:, 0] is each window's own last value" in str(caught[0].message)


def test_targets_past_the_end_and_covariates_are_read_as_make_windows_gives_them():
    covariate = np.sin(np.arange(SERIES.size - 12) / 3.0)
    X, y = _airline_windows(covariates=covariate, min_target=1)  # (n, 60, 2), NaN past the end
    assert X.ndim == 3 and np.isnan(y).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetAlignmentWarning)
        ThetaForecaster(12).fit(X, y)
    # the covariate channel is not what y is checked against: a target one step late is seen
    late = y[:, 1:]
    rows = np.isfinite(late).any(axis=1)
    caught = _fit_recording(ThetaForecaster(12), X[rows], late[rows])
    assert [w.category for w in caught] == [TargetAlignmentWarning]
    assert "the value 2 steps after each window" in str(caught[0].message)


def test_without_windows_one_step_apart_there_is_no_evidence_and_no_warning():
    X, y = _airline_windows(step=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetAlignmentWarning)
        ThetaForecaster(12).fit(X, y[:, 2])  # wrong, but no window's successor is in X


def test_a_stand_in_y_of_one_value_gives_the_horizon_without_a_warning():
    # the docstring's "only its shape is used": np.zeros((n, horizon)) declares the horizon
    X, _ = _airline_windows()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ETSForecaster(season_length=12).fit(X, np.zeros((X.shape[0], 4)))
    assert model.predict(X[-1:]).shape == (1, 4)


@pytest.mark.parametrize("make_model", [
    lambda: make_pipeline(StandardScaler(), NaiveForecaster()),
    lambda: TransformedTargetRegressor(SeasonalNaiveForecaster(12), func=np.log,
                                       inverse_func=np.exp),
], ids=["scaler-in-front", "log-of-y-alone"])
def test_targets_in_other_units_than_the_windows_are_warned_once(make_model):
    X, y = _airline_windows()
    caught = _fit_recording(make_model(), X, y)
    # one warning for one mistake: the alignment check is not made after the units one warned
    assert [w.category for w in caught] == [TargetUnitsWarning]
    message = str(caught[0].message)
    assert re.match(r"(Naive|SeasonalNaive)Forecaster: the targets y lie far from their windows",
                    message)
    assert "channel_scale_" not in message  # an AttentionForecaster attribute
    assert "transform the series before make_windows" in message


def test_backtest_the_seasonal_adjustment_and_a_panel_of_make_windows_rows_are_silent():
    panel = [SERIES[:100], SERIES[20:] * 1.5, SERIES[::-1][:90]]
    X, y = make_windows(panel, window=36, horizon=6, min_target=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetAlignmentWarning)
        warnings.simplefilter("error", TargetUnitsWarning)
        for model in (NaiveForecaster(), SeasonalNaiveForecaster(12), ThetaForecaster(12)):
            model.fit(X, y)
        DeseasonalizedForecaster(ThetaForecaster(), season_length=12).fit(X, y)
        backtest({"naive": NaiveForecaster(), "theta": ThetaForecaster(12)}, panel, horizon=6,
                 window=36, season_length=12, n_origins=2)


# ------------------------------------------------------------------------------------------
# Review of the checks (session 26)
# ------------------------------------------------------------------------------------------
def test_counts_windowed_a_week_apart_pair_by_chance_and_are_not_warned():
    # rows not one step apart: a few dozen of thousands pair by chance, with unrelated "next"
    # values; they warned, against correct targets
    rng = np.random.default_rng(0)
    sales = [rng.poisson(rng.uniform(0.5, 1.5), 365).astype(float) for _ in range(100)]
    X, y = make_windows(sales, window=14, horizon=7, step=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetAlignmentWarning)
        NaiveForecaster().fit(X, y)


def test_the_step_named_is_counted_among_the_rows_not_the_pairs():
    # the "own last value" sentence was compared with half the pairs, not half the rows: rows
    # with no pair whose target is their own last value (here 60 against 100 paired rows whose
    # y is the third step) made it name the wrong step (review, session 26)
    X, y = make_windows(SERIES, window=12, horizon=3)
    X, y = X[:100], y[:100, 2]
    rng = np.random.default_rng(0)
    unpaired = 300.0 + rng.normal(size=(60, 12)) * 50.0
    X = np.vstack([X, unpaired])
    y = np.concatenate([y, unpaired[:, -1]])
    caught = _fit_recording(NaiveForecaster(), X, y)
    assert [w.category for w in caught] == [TargetAlignmentWarning]
    assert "own last value" not in str(caught[0].message)
    assert "the value 3 steps after each window" in str(caught[0].message)


def test_values_near_float64_s_limits_leak_no_numpy_warnings():
    rng = np.random.default_rng(0)
    for level in (1e39, 1e300):
        X, y = make_windows(level * np.cumsum(rng.normal(size=400)), window=10, horizon=2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            NaiveForecaster().fit(X, y)


def test_the_checks_read_a_bounded_part_of_a_large_x():
    # on every row they took 323 MB (tracemalloc) for an X of 80 MB, whose fit allocated nothing
    import tracemalloc

    rng = np.random.default_rng(0)
    X = 100.0 + rng.normal(size=(50_000, 200)).cumsum(axis=1)  # 80 MB
    y = X[:, -1:] + rng.normal(size=(50_000, 1))
    NaiveForecaster().fit(X[:100], y[:100])  # imports and first calls outside the measure
    tracemalloc.start()
    try:
        NaiveForecaster().fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.75 * X.nbytes, peak / 1e6
