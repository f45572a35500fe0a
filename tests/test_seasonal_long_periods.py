"""DeseasonalizedForecaster on windows of few cycles (a user trial on weekly data, session 23), and
leftovers of the session's fuzz audit in skattn.seasonal and skattn._validation.

The classical seasonality test (the autocorrelation at lag ``season_length`` against
``critical_value`` of Bartlett's standard errors) needs windows of several cycles: windows of 105
or 130 weekly values with ``season_length=52`` were never adjusted, not even for a noise-free sine,
and nothing said so. Now ``adjusted_fraction_`` counts the windows adjusted, and a fit that
adjusts none in windows too short for the test to find a sine raises a
SeasonalAdjustmentWarning; the forecasts are unchanged. The audit's leftovers: a masked array's
fill values read by ``seasonal_indices``, NumPy's words for rows of different lengths and pandas'
words for a sparse DataFrame at the baselines' and the seasonal wrapper's fit and predict.
"""
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from skattn import DeseasonalizedForecaster, ForecastEnsemble, make_windows
from skattn._validation import validate_windows
from skattn.baselines import NaiveForecaster
from skattn.datasets import load_airline
from skattn.exceptions import SeasonalAdjustmentWarning
from skattn.seasonal import seasonal_indices

NUMPY_RAGGED = "setting an array element with a sequence"
PANDAS_SPARSE = "fill value must be 0"


def sine(n, season_length, noise=0.0, seed=0):
    """A sine of period ``season_length`` around 100 (amplitude 20), with normal noise."""
    t = np.arange(n)
    return (100 + 20 * np.sin(2 * np.pi * t / season_length)
            + np.random.default_rng(seed).normal(0, noise, n))


def white_noise(n, seed=0):
    return 100 + np.random.default_rng(seed).normal(0, 5, n)


def fit_recording(model, X, y):
    """``model`` fitted, and the SeasonalAdjustmentWarnings of its fit."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return model, [w for w in caught if w.category is SeasonalAdjustmentWarning]


def share_adjusted(X, season_length, critical_value=1.645):
    """The share of windows ``X`` whose seasonal indices are not all 1."""
    indices = seasonal_indices(X, season_length, critical_value=critical_value)
    return float(np.mean(np.any(indices != 1.0, axis=1)))


# --------------------------------------------------------------------------------------------
# adjusted_fraction_
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("window, expected", [(105, 0.0), (130, 0.0), (208, 1.0), (260, 1.0)])
def test_adjusted_fraction_of_the_weekly_trial(window, expected):
    # the trial: a sine of period 52 with a little noise, windows of 2, 2.5, 4 and 5 cycles
    series = sine(400, 52, noise=1.0)
    X, y = make_windows(series, window, 13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeasonalAdjustmentWarning)
        model = DeseasonalizedForecaster(Ridge(), season_length=52).fit(X, y)
    assert model.adjusted_fraction_ == expected
    assert isinstance(model.adjusted_fraction_, float)


@pytest.mark.parametrize("window, critical_value", [(36, 1.645), (48, 1.645), (36, 1.0)])
def test_adjusted_fraction_counts_the_windows_the_test_finds_seasonal(window, critical_value):
    # the airline series: a trend under the season, so only some windows pass
    series = load_airline().series
    X, y = make_windows(series, window, 12)
    model, _ = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=12, critical_value=critical_value), X, y)
    expected = share_adjusted(X, 12, critical_value)
    assert 0.0 < expected < 1.0
    assert model.adjusted_fraction_ == expected


def test_adjusted_fraction_without_the_test_and_of_short_windows():
    series = white_noise(200)
    X, y = make_windows(series, 60, 6)
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), seasonality_test=False), X, y)
    assert model.adjusted_fraction_ == 1.0 and not caught
    X, y = make_windows(series, 24, 6)  # shorter than 2 * 12 + 1: no window can be adjusted
    with pytest.warns(SeasonalAdjustmentWarning, match="shorter than 2 \\* season_length"):
        model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    assert model.adjusted_fraction_ == 0.0


def test_a_pickle_from_before_adjusted_fraction_loads_and_forecasts():
    series = sine(300, 12, noise=1.0)
    X, y = make_windows(series, 60, 6)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    expected = model.forecast(series, 12)
    assert model.adjusted_fraction_ == 1.0
    del model.adjusted_fraction_  # as fitted before session 23
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.adjusted_fraction_ is None  # unknown: the training windows are not kept
    np.testing.assert_array_equal(loaded.forecast(series, 12), expected)
    # a pickle of today's model keeps it
    model.adjusted_fraction_ = 1.0
    assert pickle.loads(pickle.dumps(model)).adjusted_fraction_ == 1.0


def test_a_failed_refit_leaves_no_adjusted_fraction():
    X, y = make_windows(sine(300, 12), 60, 6)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    with pytest.raises(ValueError):
        model.fit(X, np.full_like(y, np.inf))
    assert not hasattr(model, "adjusted_fraction_")


# --------------------------------------------------------------------------------------------
# the warning: no window adjusted in windows too short for the test
# --------------------------------------------------------------------------------------------
# Measured (session 23; the share of windows of a sine adjusted, over 20 cycles of phases):
# a noise-free sine is found seasonal at 1.645 from 3.5 cycles (season 4) or 3.75-4 (7 to 52),
# at 1.0 from 2 (season 4) or 2.25 cycles (7 to 52). Windows below that warn when nothing was
# adjusted, windows above do not, seasonal data or not.
@pytest.mark.parametrize("season_length", [4, 7, 12, 24, 52])
@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_a_sine_in_three_cycles_warns_at_1645(season_length, noise):
    series = sine(30 * season_length, season_length, noise=noise)
    X, y = make_windows(series, 3 * season_length, 1)
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=season_length), X, y)
    assert model.adjusted_fraction_ == 0.0
    assert len(caught) == 1
    message = str(caught[0].message)
    assert (f"no training window was seasonally adjusted (adjusted_fraction_ is 0), and windows "
            f"of {3 * season_length} values hold 3 cycles of season_length={season_length}"
            in message)
    assert "rarely passes on fewer than about 4 cycles" in message
    for remedy in ("longer windows", "a lower critical_value", "seasonality_test=False",
                   "AttentionForecaster alone", "MSTLForecaster", "SeasonalNaiveForecaster"):
        assert remedy in message


@pytest.mark.parametrize("season_length", [4, 7, 12, 24, 52])
@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_a_sine_in_four_cycles_is_adjusted_and_not_warned_about(season_length, noise):
    series = sine(30 * season_length, season_length, noise=noise)
    X, y = make_windows(series, 4 * season_length, 1)
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=season_length), X, y)
    assert model.adjusted_fraction_ == 1.0 and not caught


@pytest.mark.parametrize("season_length", [24, 52])  # 12: 17% of windows of 25 pass at 1.0
def test_at_critical_value_1_two_and_a_half_cycles_suffice(season_length):
    series = sine(30 * season_length, season_length)
    X, y = make_windows(series, 2 * season_length + 1, 1)  # 2 cycles: not even at 1.0
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=season_length, critical_value=1.0), X, y)
    assert model.adjusted_fraction_ == 0.0 and len(caught) == 1
    message = str(caught[0].message)
    assert "at critical_value=1.0 it finds even a noise-free sine" in message
    assert "a lower critical_value" not in message  # 1.0 is the lower value offered
    X, y = make_windows(series, int(2.5 * season_length), 1)
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=season_length, critical_value=1.0), X, y)
    assert model.adjusted_fraction_ == 1.0 and not caught


def test_the_weekly_trial_is_warned_about_with_the_lengths_that_would_do():
    series = sine(400, 52, noise=1.0)
    X, y = make_windows(series, 130, 13)
    with pytest.warns(SeasonalAdjustmentWarning) as record:
        DeseasonalizedForecaster(Ridge(), season_length=52).fit(X, y)
    message = str(record[0].message)
    assert record[0].filename == __file__  # the caller's line
    assert "windows of 130 values hold 2.5 cycles of season_length=52" in message
    # the lengths of the closed form, checked against the test itself below
    assert re.search(r"at critical_value=1\.645 it finds even a noise-free sine of period 52 "
                     r"only in windows of 196 values \(3\.77 cycles\) or more", message)
    assert "1.0 finds a noise-free sine in 111 values" in message
    # within 2 values of the test itself on the windows of a noise-free sine (all phases):
    # adjusted in fewer than half of the windows 2 values shorter, in more 2 values longer
    noise_free = sine(400, 52)
    for window, critical_value, found in ((194, 1.645, False), (198, 1.645, True),
                                          (109, 1.0, False), (113, 1.0, True)):
        share = share_adjusted(make_windows(noise_free, window, 1)[0], 52, critical_value)
        assert (share >= 0.5) == found, (window, critical_value, share)


@pytest.mark.parametrize("series", [white_noise(300), 100 + np.cumsum(
    np.random.default_rng(1).normal(0, 1, 300)) + 50], ids=["white noise", "random walk"])
def test_long_windows_of_data_that_is_not_seasonal_are_not_warned_about(series):
    # M3 monthly's use: season 12, windows (the recipe's context) of 90 values; the test finds
    # the data not seasonal, its verdict
    X, y = make_windows(series, 90, 18)
    for critical_value in (1.0, 1.645):
        model, caught = fit_recording(
            DeseasonalizedForecaster(Ridge(), season_length=12, critical_value=critical_value),
            X, y)
        assert model.adjusted_fraction_ == share_adjusted(X, 12, critical_value)
        assert not caught


def test_windows_of_few_cycles_that_some_window_passes_are_not_warned_about():
    # the airline series in windows of 3 years: a few windows pass at 1.645
    X, y = make_windows(load_airline().series, 36, 12)
    model, caught = fit_recording(DeseasonalizedForecaster(Ridge(), season_length=12), X, y)
    assert 0.0 < model.adjusted_fraction_ < 0.2 and not caught


def test_padded_windows_are_measured_by_their_real_values():
    # long windows of short series: make_windows' left padding holds no cycle
    series = [sine(120, 52, noise=1.0, seed=seed) for seed in range(3)]
    X, y = make_windows(series, 260, 13, min_history=60)
    model, caught = fit_recording(
        DeseasonalizedForecaster(Ridge(), season_length=52, critical_value=1.0), X, y)
    assert model.adjusted_fraction_ == 0.0 and len(caught) == 1
    message = str(caught[0].message)
    assert "windows of at most 107 values after their left padding hold 2.06 cycles" in message
    assert "longer windows of real values, not padding" in message


def test_a_forecast_is_the_same_with_and_without_the_warning():
    series = sine(400, 52, noise=1.0)
    X, y = make_windows(series, 130, 13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quiet = DeseasonalizedForecaster(Ridge(), season_length=52).fit(X, y)
    with pytest.warns(SeasonalAdjustmentWarning):
        warned = DeseasonalizedForecaster(Ridge(), season_length=52).fit(X, y)
    np.testing.assert_array_equal(warned.forecast(series, 26), quiet.forecast(series, 26))
    # and is the wrapped model's: no window was adjusted
    np.testing.assert_array_equal(warned.predict(X), Ridge().fit(X, y).predict(X))


def test_an_ensemble_passes_the_warning_on_once():
    # members behind the recipe's two critical values: at 1.0 windows of 2.5 cycles are
    # adjusted, at 1.645 not; each member at 1.645 warns in the same words, which Python's
    # "default" action shows once (reissued from worker processes through one registry)
    series = sine(400, 52, noise=1.0)
    X, y = make_windows(series, 130, 13)
    members = [(f"{name}{k}", DeseasonalizedForecaster(Ridge(alpha=1.0 + k), season_length=52,
                                                       critical_value=critical_value))
               for name, critical_value in (("free", 1.0), ("trend", 1.645)) for k in range(3)]
    ensemble, caught = fit_recording(ForecastEnsemble(members, aggregate="median"), X, y)
    assert len(caught) == 3  # one per member at 1.645 ("always")
    assert len({str(w.message) for w in caught}) == 1
    assert sorted(member.adjusted_fraction_ for member in ensemble.estimators_) == [0.0] * 3 + [
        1.0] * 3
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("default")
        ForecastEnsemble(members, aggregate="median", n_jobs=2).fit(X, y)
    assert [w.category for w in shown].count(SeasonalAdjustmentWarning) == 1


# --------------------------------------------------------------------------------------------
# fuzz audit leftovers: seasonal_indices of a masked array, ragged lists, sparse frames
# --------------------------------------------------------------------------------------------
def test_seasonal_indices_reads_a_masked_entry_as_missing():
    windows = np.tile(sine(48, 12), (3, 1))
    windows[1, 30] = 9999.0  # a missing reading's fill value
    masked = np.ma.masked_values(windows, 9999.0)
    with pytest.raises(ValueError, match=r"window 1, time step 30\) \(a masked array: its 1 "
                                         r"masked entry is read as NaN"):
        seasonal_indices(masked, 12)
    # a mask that masks nothing is the data
    np.testing.assert_array_equal(seasonal_indices(np.ma.masked_array(windows[[0, 2]]), 12),
                                  seasonal_indices(windows[[0, 2]], 12))


RAGGED_X = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("estimator", [NaiveForecaster(), DeseasonalizedForecaster(
    Ridge(), season_length=2, seasonality_test=False)],
    ids=["NaiveForecaster", "DeseasonalizedForecaster"])
def test_rows_of_different_lengths_are_named(estimator):
    with pytest.raises(ValueError, match=re.escape(
            "X has rows of different lengths: X[0] has 4 values, X[1] has 3; an array needs "
            "rows of one length (make_windows cuts windows of one length)")):
        estimator.fit(RAGGED_X, [1.0, 2.0])
    with pytest.raises(ValueError, match=re.escape(
            "y has rows of different lengths: y[0] has 2 values, y[1] has 1; an array needs "
            "rows of one length (one row of horizon values per window, NaN for a value that "
            "was not observed)")):
        estimator.fit([[1.0, 2.0, 3.0, 4.0, 5.0]] * 2, [[1.0, 2.0], [1.0]])
    fitted = estimator.fit([[1.0, 2.0, 3.0, 4.0, 5.0]] * 2, [1.0, 2.0])
    with pytest.raises(ValueError, match="X has rows of different lengths") as info:
        fitted.predict([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0]])
    assert NUMPY_RAGGED not in str(info.value)


def test_an_ensembles_members_name_ragged_rows_at_predict():
    ensemble = ForecastEnsemble([("naive", NaiveForecaster())]).fit(
        [[1.0, 2.0, 3.0, 4.0, 5.0]] * 2, [1.0, 2.0])
    with pytest.raises(ValueError, match="X has rows of different lengths"):
        ensemble.predict([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0]])


@pytest.mark.parametrize("estimator", [NaiveForecaster(), DeseasonalizedForecaster(Ridge())],
                         ids=["NaiveForecaster", "DeseasonalizedForecaster"])
def test_a_sparse_data_frame_is_refused_as_the_attention_model_refuses_it(estimator):
    X, y = make_windows(sine(200, 12), 60, 2)
    name = type(estimator).__name__
    with pytest.raises(TypeError, match=re.escape(
            f"X is a pandas DataFrame of sparse columns (SparseDtype), and {name} takes dense "
            f"data only: densify it first, X.sparse.to_dense()")):
        estimator.fit(pd.DataFrame(X).astype(pd.SparseDtype(float)), y)
    with pytest.raises(TypeError, match="X is a pandas DataFrame of sparse columns"):
        estimator.fit(pd.DataFrame(X).astype(pd.SparseDtype(float, 0.0)), y)  # filled with 0
    with pytest.raises(TypeError, match="y is a pandas DataFrame of sparse columns"):
        estimator.fit(X, pd.DataFrame(y).astype(pd.SparseDtype(float)))
    fitted = estimator.fit(X, y)
    with pytest.raises(TypeError, match=f"and {name} takes dense data only"):
        fitted.predict(pd.DataFrame(X).astype(pd.SparseDtype(float)))
    # a sparse Series of targets converts to its values, as before
    np.testing.assert_array_equal(
        estimator.fit(X, pd.Series(y[:, 0]).astype(pd.SparseDtype(float))).predict(X),
        estimator.fit(X, y[:, 0]).predict(X))


def test_validate_windows_keeps_its_fast_path():
    X, y = make_windows(sine(200, 12), 60, 2)
    model = NaiveForecaster().fit(X, y)
    assert validate_windows(model, X, reset=False)[0] is X  # returned as it is, unchecked again


def test_ensemble_fit_names_ragged_rows_and_refuses_sparse_frames():
    # ForecastEnsemble.fit runs its own conversion before the members': NumPy's "inhomogeneous
    # shape" and pandas' "fill value must be 0 when converting to COO matrix" reached the user
    from skattn import ForecastEnsemble
    from skattn.baselines import NaiveForecaster

    ensemble = ForecastEnsemble([("naive", NaiveForecaster())])
    with pytest.raises(ValueError, match=r"^X has rows of different lengths: X\[0\] has 4 "
                                         r"values, X\[1\] has 3"):
        ensemble.fit([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], [1.0, 2.0])
    sparse = pd.DataFrame(np.random.default_rng(0).random((5, 4))).astype(pd.SparseDtype(float))
    with pytest.raises(TypeError, match=r"^X is a pandas DataFrame of sparse columns "
                                        r"\(SparseDtype\), and ForecastEnsemble takes dense data "
                                        r"only: densify it first, X.sparse.to_dense\(\)$"):
        ensemble.fit(sparse, np.ones(5))
    ensemble.fit(sparse.sparse.to_dense(), np.ones(5))  # the remedy works
