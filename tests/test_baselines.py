"""The classical baselines: scikit-learn's estimator checks, hand-computed forecasts, the short-window
rules, the fallback, parallel rows, pickling and the optional-dependency error."""
import functools
import pickle
import re
import subprocess
import sys
import warnings

import numba
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import make_windows
from skattn.baselines import (
    ARIMAForecaster,
    BaselineFallbackWarning,
    ETSForecaster,
    MSTLForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    ThetaForecaster,
)
from skattn.datasets import load_airline
from skattn.metrics import smape

pytest.importorskip("statsforecast")

ALL = [NaiveForecaster, SeasonalNaiveForecaster, ETSForecaster, ThetaForecaster, ARIMAForecaster]
LIBRARY = [ETSForecaster, ThetaForecaster, ARIMAForecaster]


# ARIMAForecaster's default, automatic order selection costs ~0.1 s per random window of 10
# values (session 26: make_regression's 200 rows in 21 s, against 0.9 s with order=(1, 0, 0)), and
# the checks forecast thousands of windows: its checks took ~260 s, 43% of the suite (10:02 on 2
# cores). The default runs every check but the ones that forecast hundreds of windows each:
# session 26 left out six (92 s, 57 s for the three check_regressors_train, 21 s, 11 s, 6 s and
# 5 s); session 29 seven more that still took 45-57 s together, 10% of the suite (each 3-10 s:
# pickle twice, y 2-D, sample order, dict unchanged, dtypes, subset invariance, fit-score). They
# test input handling that every baseline shares (_LocalForecaster's validation and
# prediction), which the other four baselines' defaults run, and they run on ARIMAForecaster
# itself with a fixed order, which runs every check. The automatic search's own forecasts are
# tested below.
DEFAULT_ARIMA_CHECKS_RUN_ON_A_FIXED_ORDER = {
    "check_regressor_data_not_an_array", "check_regressors_train", "check_array_api_input",
    "check_regressors_int", "check_pipeline_consistency", "check_dtype_object",
    "check_estimators_pickle", "check_supervised_y_2d", "check_methods_sample_order_invariance",
    "check_dict_unchanged", "check_estimators_dtypes", "check_methods_subset_invariance",
    "check_fit_score_takes_y",
}


def _check_name(check):
    while isinstance(check, functools.partial):
        check = check.func
    return check.__name__


def _checks_of_the_baselines():
    """scikit-learn's parametrization of every check for each baseline's default and a fixed-
    order ARIMAForecaster, without the default ARIMAForecaster's slowest checks."""
    every = parametrize_with_checks([cls() for cls in ALL] + [ARIMAForecaster(order=(1, 0, 0))])
    argnames, argvalues = every.args
    argvalues = list(argvalues)  # a generator in scikit-learn 1.7 (minimum-versions trial)
    left_out = {_check_name(check) for estimator, check in argvalues
                if type(estimator) is ARIMAForecaster and estimator.order is None
                and _check_name(check) in DEFAULT_ARIMA_CHECKS_RUN_ON_A_FIXED_ORDER}
    # every check named is one scikit-learn runs (a renamed check would silently run again),
    # except check_array_api_input, which it runs only with array_api_compat installed
    assert left_out | {"check_array_api_input"} >= DEFAULT_ARIMA_CHECKS_RUN_ON_A_FIXED_ORDER
    kept = [(estimator, check) for estimator, check in argvalues
            if not (type(estimator) is ARIMAForecaster and estimator.order is None
                    and _check_name(check) in DEFAULT_ARIMA_CHECKS_RUN_ON_A_FIXED_ORDER)]
    return pytest.mark.parametrize(argnames, kept, **every.kwargs)


@_checks_of_the_baselines()
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", ALL)
def test_only_poor_score_weakens_the_checks(cls):
    # poor_score: a local model forecasts each row of make_regression's data from its own values,
    # so cannot reach R^2 > 0.5 on a y that is a random linear function of the columns;
    # check_regressors_train runs everything else. Nothing else is weakened
    tags = cls().__sklearn_tags__()
    assert tags.regressor_tags.poor_score is True
    assert tags.input_tags.three_d_array is True
    assert tags.non_deterministic is False
    assert tags.input_tags.allow_nan is False
    assert tags._skip_test is False
    assert tags.target_tags.multi_output and tags.target_tags.single_output


# ------------------------------------------------------------------------------------------
# Forecasts
# ------------------------------------------------------------------------------------------
def test_naive_by_hand():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 6.0, 5.0]])
    model = NaiveForecaster().fit(X, np.zeros((2, 4)))
    np.testing.assert_array_equal(model.predict(X), [[3, 3, 3, 3], [5, 5, 5, 5]])
    # 1-D y: horizon 1 and 1-D predictions
    pred = NaiveForecaster().fit(X, np.zeros(2)).predict(X)
    assert pred.shape == (2,)
    np.testing.assert_array_equal(pred, [3, 5])
    np.testing.assert_array_equal(model.forecast([7.0], 3), [7, 7, 7])


def test_seasonal_naive_by_hand():
    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]])
    model = SeasonalNaiveForecaster(season_length=3).fit(X, np.zeros((2, 7)))
    # the last season (5, 6, 7) repeated
    np.testing.assert_array_equal(model.predict(X)[0], [5, 6, 7, 5, 6, 7, 5])
    np.testing.assert_array_equal(model.predict(X)[1], [50, 60, 70, 50, 60, 70, 50])
    np.testing.assert_array_equal(model.forecast([1.0, 2.0, 3.0, 4.0], 4), [2, 3, 4, 2])
    # shorter than a season: naive
    np.testing.assert_array_equal(model.forecast([1.0, 2.0], 3), [2, 2, 2])
    # season_length=1 (the default) is the naive forecast
    np.testing.assert_array_equal(SeasonalNaiveForecaster().fit(X, np.zeros((2, 2))).predict(X),
                                  [[7, 7], [70, 70]])


def _seasonal_series(n, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.3 * t + rng.normal(0, 0.5, n)


@pytest.mark.parametrize("model", [
    ETSForecaster(season_length=12), ThetaForecaster(season_length=12),
    ARIMAForecaster(season_length=12), ARIMAForecaster((0, 1, 1), (0, 1, 1), season_length=12),
], ids=["ets", "theta", "auto-arima", "airline-arima"])
def test_library_models_beat_naive_on_a_seasonal_series(model):
    series = _seasonal_series(108)
    train, test = series[:96], series[96:]
    X, y = make_windows(train, window=48, horizon=12, step=12)
    model = clone(model).fit(X, y)
    naive = NaiveForecaster().fit(X, y)
    error = smape(test, model.forecast(train, 12))
    assert error < 0.5 * smape(test, naive.forecast(train, 12))
    assert error < 5.0  # the series is a clean sine with a trend: a seasonal model gets it


@pytest.mark.parametrize("cls", ALL)
def test_forecast_equals_predict_on_the_last_window(cls):
    series = _seasonal_series(60, seed=1)
    X, y = make_windows(series, window=30, horizon=4, step=10)
    params = {} if cls is NaiveForecaster else {"season_length": 12}
    model = cls(**params).fit(X, y)
    np.testing.assert_array_equal(model.predict(X)[-1], model.forecast(X[-1], 4))
    # any number of steps, any history length
    assert model.forecast(series, 7).shape == (7,)


def _library_forecast(name, y, steps):
    """What statsforecast forecasts for ``steps`` values in ONE call, fitting all of ``y``."""
    from statsforecast import models

    m = 12 if len(y) >= 24 else 1  # the season is used only with two full seasons
    make = {
        "ets": lambda: models.AutoETS(season_length=m, model="ZZZ" if m > 1 else "ZZN"),
        "theta": lambda: models.AutoTheta(season_length=m, decomposition_type="multiplicative",
                                          model="DOTM"),
        "airline-arima": lambda: models.ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1),
                                              season_length=12),
    }[name]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(make().forecast(y=y, h=steps)["mean"], dtype=np.float64)


@pytest.mark.parametrize("name, model", [
    ("ets", ETSForecaster(season_length=12)), ("theta", ThetaForecaster(season_length=12)),
    ("airline-arima", ARIMAForecaster((0, 1, 1), (0, 1, 1), season_length=12)),
])
def test_forecast_beyond_the_horizon_is_one_library_call(name, model):
    # fitted for a horizon of 6, asked for up to 144 steps: the model is fitted once to the whole
    # history and forecasts every step in one call, not window by window (refitting or
    # re-running the model on the history extended with its own forecasts)
    X, y = make_windows(_seasonal_series(60), window=30, horizon=6, step=6)
    model = clone(model).fit(X, y)
    for seed, length in [(0, 120), (1, 120), (2, 60), (3, 23)]:
        series = _seasonal_series(length, seed=seed)
        long = model.forecast(series, 144)
        np.testing.assert_array_equal(long, _library_forecast(name, series, 144))
        for steps in (1, 6, 18, 36):
            np.testing.assert_array_equal(model.forecast(series, steps), long[:steps])


def test_ets_forecast_over_many_steps_by_hand():
    # additive trend and season, no damping: step k (1-based) is level + k * trend plus the
    # season's value k steps ahead, from the states at the end of the series -- a straight
    # line with the season on it for all 144 steps, far past the horizon of 6
    from statsforecast.models import AutoETS

    series = _seasonal_series(120, seed=4)
    model = ETSForecaster(season_length=12, model="AAA", damped=False)
    model.fit(series[None, :48], np.zeros((1, 6)))
    states = AutoETS(season_length=12, model="AAA", damped=False).fit(series).model_["states"][-1]
    level, trend, season = states[0], states[1], states[2:14]  # season[0] is the newest
    k = np.arange(144)
    expected = level + (k + 1.0) * trend + season[(11 - k) % 12]
    np.testing.assert_allclose(model.forecast(series, 144), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("cls", LIBRARY)
@pytest.mark.parametrize("length", [1, 2, 3, 5, 10, 23])
def test_short_windows_give_finite_forecasts_without_warnings(cls, length):
    rng = np.random.default_rng(length)
    X = 5 + rng.normal(size=(3, length))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cls(season_length=12).fit(X, np.zeros((3, 5)))
        pred = model.predict(X)
    assert pred.shape == (3, 5)
    assert np.all(np.isfinite(pred))


def test_short_window_rules():
    X = np.array([[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]])  # 6 values
    naive = np.full((1, 3), 6.0)
    # ETS needs more than n_params + 4 values: 7 for the default model
    np.testing.assert_array_equal(ETSForecaster().fit(X, np.zeros((1, 3))).predict(X), naive)
    # Theta needs more than 3 values
    np.testing.assert_array_equal(ThetaForecaster().fit(X[:, :3], np.zeros((1, 3))).predict(X[:, :3]),
                                  [[2.0, 2.0, 2.0]])
    assert not np.array_equal(ThetaForecaster().fit(X, np.zeros((1, 3))).predict(X), naive)
    # automatic ARIMA fits any window; one value is its own forecast
    np.testing.assert_array_equal(ARIMAForecaster().fit(X[:, -1:], np.zeros((1, 3))).predict(X[:, -1:]),
                                  naive)
    # a fixed order needs n - d - D * m > p + q + P + Q + 1: ARIMA(2,1,2) needs 7 values,
    # ARIMA(1,1,1) fits 6
    np.testing.assert_array_equal(ARIMAForecaster((2, 1, 2)).fit(X, np.zeros((1, 3))).predict(X), naive)
    assert not np.array_equal(ARIMAForecaster((1, 1, 1)).fit(X, np.zeros((1, 3))).predict(X), naive)


def test_seasonal_component_needs_two_seasons():
    series = _seasonal_series(23, seed=3)  # fewer than 2 * 12 values
    for cls in LIBRARY:
        seasonal = cls(season_length=12).fit(series[None], np.zeros((1, 6)))
        plain = cls(season_length=1).fit(series[None], np.zeros((1, 6)))
        np.testing.assert_array_equal(seasonal.forecast(series, 6), plain.forecast(series, 6))


def test_library_failure_falls_back_with_one_warning():
    X = np.array([[1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 3.0, 5.0],
                  [-1.0, 2.0, -3.0, 2.0, 3.0, -4.0, 3.0, 1.0],   # multiplicative error: fails
                  [0.0, 2.0, 3.0, 2.0, 3.0, 4.0, 3.0, 2.0]])     # a zero: fails too
    model = ETSForecaster(model="MNN").fit(X, np.zeros((3, 2)))
    with pytest.warns(BaselineFallbackWarning, match="on 2 of 3 window") as record:
        pred = model.predict(X)
    assert len(record) == 1
    np.testing.assert_array_equal(pred[1:], [[1.0, 1.0], [2.0, 2.0]])  # the naive fallback
    assert np.all(np.isfinite(pred))
    with pytest.warns(BaselineFallbackWarning, match="on 1 of 1 window"):
        model.forecast(X[1], 2)


def test_fallback_is_seasonal_naive_when_seasonal():
    y = np.tile([1.0, -2.0, 3.0, -1.0], 3)  # 12 values, season 4, non-positive
    model = ETSForecaster(season_length=4, model="MNM").fit(y[None], np.zeros((1, 6)))
    with pytest.warns(BaselineFallbackWarning, match="seasonal naive"):
        np.testing.assert_array_equal(model.forecast(y, 6), [1, -2, 3, -1, 1, -2])


@pytest.mark.parametrize("cls", LIBRARY)
def test_extreme_values_never_give_nan(cls):
    X = np.random.default_rng(0).normal(size=(2, 30)) * 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BaselineFallbackWarning)
        pred = cls().fit(X, np.zeros((2, 3))).predict(X)
    assert np.all(np.isfinite(pred))


@pytest.mark.parametrize("model", [ETSForecaster(season_length=4), ThetaForecaster(season_length=4),
                                   ARIMAForecaster(season_length=4)], ids=["ets", "theta", "arima"])
def test_n_jobs_gives_the_same_result(model):
    rng = np.random.default_rng(0)
    X = 20 + np.cumsum(rng.normal(size=(4, 24)), axis=1) + np.tile([0, 2, 0, -2], 6)
    y = np.zeros((4, 3))
    threads = numba.get_num_threads()
    serial = clone(model).set_params(n_jobs=1).fit(X, y).predict(X)
    parallel = clone(model).set_params(n_jobs=2).fit(X, y).predict(X)
    np.testing.assert_array_equal(serial, parallel)
    assert numba.get_num_threads() == threads  # the workers leave the caller's threads alone


@pytest.mark.parametrize("cls", ALL)
def test_pickle_round_trip(cls):
    X = _seasonal_series(24)[None, :] + np.arange(2)[:, None]
    model = cls().fit(X, np.zeros((2, 2)))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_three_d_windows_use_the_target_channel():
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(4, 12, 3)) + 5
    model = ETSForecaster().fit(X3, np.zeros((4, 2)))
    plain = ETSForecaster().fit(X3[:, :, 0], np.zeros((4, 2)))
    np.testing.assert_array_equal(model.predict(X3), plain.predict(X3[:, :, 0]))
    np.testing.assert_array_equal(model.forecast(X3[0], 2), plain.forecast(X3[0, :, 0], 2))
    with pytest.raises(ValueError, match="channel"):
        model.predict(X3[:, :, :2])


def test_settings_changed_after_fit_take_effect_at_the_next_fit():
    # they were read at predict: set_params(season_length=0) after fit forecast, unchecked, and
    # season_length=4 changed a fitted model's forecasts (sklearn-conventions review, session 19)
    series = _seasonal_series(60, seed=3)
    X, y = make_windows(series, window=36, horizon=6)
    for model, changed in [(SeasonalNaiveForecaster(12), dict(season_length=4)),
                           (SeasonalNaiveForecaster(12), dict(season_length=0)),
                           (ThetaForecaster(12), dict(season_length=4, model="OTM",
                                                      decomposition="additive")),
                           (ETSForecaster(12), dict(model="ANN")),
                           (ARIMAForecaster((1, 1, 0)), dict(order=(0, 1, 1)))]:
        model.fit(X, y)
        before = model.predict(X[-3:]), model.forecast(series, 8)
        model.set_params(**changed)
        np.testing.assert_array_equal(model.predict(X[-3:]), before[0])
        np.testing.assert_array_equal(model.forecast(series, 8), before[1])
        assert model.get_params()[next(iter(changed))] == next(iter(changed.values()))
        if changed != dict(season_length=0):
            refit = clone(model).fit(X, y).forecast(series, 8)
            assert not np.array_equal(refit, before[1]), model
    with pytest.raises(ValueError, match="season_length"):
        SeasonalNaiveForecaster(12).fit(X, y).set_params(season_length=0).fit(X, y)


def test_verbose_prints_a_summary(capsys):
    X = np.random.default_rng(0).normal(size=(2, 10)) + 5
    ARIMAForecaster(verbose=1).fit(X, np.zeros(2)).predict(X)
    assert "2 windows" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------
# Missing targets
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_fit_accepts_nan_targets_past_the_end_of_a_series(cls):
    # make_windows(min_target=1) marks the targets past the end of a series with NaN; a model that
    # reads only y's shape refused them ("Input y contains NaN"), as AttentionForecaster does not
    series = _seasonal_series(60, seed=2)
    X, y = make_windows(series, window=30, horizon=4, min_target=1)
    assert np.isnan(y).any() and not np.isnan(y).all(axis=1).any()
    model = cls().fit(X, y)
    observed = cls().fit(X, np.nan_to_num(y))  # the same shape, every value observed
    assert model.n_outputs_ == 4 and model.n_features_in_ == 30
    np.testing.assert_array_equal(model.predict(X[-2:]), observed.predict(X[-2:]))
    # score leaves the missing values out, as the package's other models do
    assert np.isfinite(model.score(X[-6:], y[-6:]))
    # a row with no observed value, or infinity, is still refused
    unobserved = y.copy()
    unobserved[0] = np.nan
    with pytest.raises(ValueError, match="each row needs at least one observed value"):
        cls().fit(X, unobserved)
    with pytest.raises(ValueError, match="NaN"):
        cls().fit(X, np.full(len(X), np.nan))  # 1-D: a NaN target is a row with no value
    infinite = y.copy()
    infinite[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        cls().fit(X, infinite)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_backtest_with_min_target_runs_a_baseline_beside_attention():
    from skattn import AttentionForecaster
    from skattn.model_selection import backtest

    series = _seasonal_series(80, seed=3)
    models = {"attn": AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=2,
                                          random_state=0),
              "naive": NaiveForecaster()}
    table, forecasts = backtest(models, series, horizon=6, window=24, min_target=1,
                                return_forecasts=True)
    assert sorted(table["model"]) == ["attn", "naive"]
    # the naive forecasts do not depend on the windows it was fitted on
    _, without = backtest({"naive": NaiveForecaster()}, series, horizon=6, window=24,
                          return_forecasts=True)
    np.testing.assert_array_equal(forecasts["naive"], without["naive"])


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_bad_input(cls):
    X = np.ones((3, 5)) + np.arange(5)
    model = cls()
    with pytest.raises(NotFittedError):
        model.forecast(X[0], 2)
    model.fit(X, np.zeros((3, 2)))
    bad_x = X.copy()
    bad_x[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict(bad_x)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :4])
    with pytest.raises(ValueError, match="dimensions"):
        model.predict(np.ones((3, 5, 1, 1)))
    for steps in (0, 2.5, True):
        with pytest.raises(ValueError, match="steps"):
            model.forecast(X[0], steps)
    with pytest.raises(ValueError, match="empty"):
        model.forecast([], 2)
    with pytest.raises(ValueError, match="NaN"):
        model.forecast([1.0, np.inf], 2)
    with pytest.raises(ValueError, match="shape"):
        model.forecast(np.ones((4, 2)), 2)


@pytest.mark.parametrize("cls", ALL)
def test_scalar_y_and_steps_beyond_memory_are_value_errors(cls, monkeypatch):
    # a 0-d y was a TypeError from scikit-learn's checks; forecast(s, 10**9) a MemoryError of
    # 7.45 GiB (one of 10**12: 7.3 TiB)
    import skattn.windows

    X = np.ones((3, 5)) + np.arange(5)
    with pytest.raises(ValueError, match="y must be 1-D or 2-D"):
        cls().fit(X, 1.0)
    model = cls().fit(X, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="more than half of this machine's memory"):
        model.forecast(X[0], 10**12)
    monkeypatch.setattr(skattn.windows, "_physical_memory_bytes", lambda: 2**20)  # 1 MiB
    monkeypatch.setattr(model, "_forecast_rows", None)  # refused before any forecast is made
    with pytest.raises(ValueError, match="more than half of this machine's memory"):
        model.forecast(X[0], 10**4)  # 640 KB by the estimate


@pytest.mark.parametrize("model, message", [
    (ARIMAForecaster(seasonal_order=(0, 1, 1)), "needs order"),
    (ARIMAForecaster(order=(1, 1)), "three non-negative"),
    (ARIMAForecaster(order=(1, -1, 0)), "three non-negative"),
    (ARIMAForecaster(order=(1, 1, 0), seasonal_order=(0, 1, 1)), "season_length > 1"),
    (ETSForecaster(model="ANN", damped=True), "needs a trend"),
    (ETSForecaster(model="XYZ"), "model"),
    (ETSForecaster(model="AMN"), "forbidden"),
    (ThetaForecaster(model="theta"), "model"),
    (SeasonalNaiveForecaster(season_length=0), "season_length"),
    (ETSForecaster(season_length=1.5), "season_length"),
])
def test_bad_parameters(model, message):
    with pytest.raises(ValueError, match=message):
        model.fit(np.ones((2, 8)), np.zeros(2))


# ------------------------------------------------------------------------------------------
# The optional dependency
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LIBRARY)
def test_missing_library_says_which_extra_to_install(cls, monkeypatch):
    for name in [m for m in sys.modules if m == "statsforecast" or m.startswith("statsforecast.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # `import statsforecast` fails
    X = np.ones((2, 30)) + np.arange(30)
    model = cls()  # constructing follows scikit-learn: __init__ only stores parameters
    with pytest.raises(ImportError, match=re.escape('pip install "skattn[baselines]"')):
        model.fit(X, np.zeros(2))
    # the NumPy baselines do not need it
    NaiveForecaster().fit(X, np.zeros(2)).predict(X)
    SeasonalNaiveForecaster(season_length=12).fit(X, np.zeros(2)).predict(X)


def test_import_skattn_does_not_import_the_library():
    code = ("import sys; sys.modules['statsforecast'] = None; import skattn, skattn.baselines; "
            "import numpy as np; X = np.ones((2, 5)); "
            "print(skattn.baselines.SeasonalNaiveForecaster(2).fit(X, X).predict(X).shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(2, 5)"


@pytest.mark.parametrize("model", [ETSForecaster(n_jobs=0), ThetaForecaster(n_jobs=0)])
def test_n_jobs_zero_is_refused_at_fit_not_at_predict(model):
    # joblib says "n_jobs == 0 in Parallel has no meaning" only when the forecasts start
    X, y = make_windows(10 + np.sin(np.arange(60) / 3), 24, 6)
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        model.fit(X, y)


def test_the_warning_lives_in_skattn_exceptions_too():
    # skattn.exceptions holds every warning of the package, as sklearn.exceptions does
    import skattn.exceptions

    assert skattn.exceptions.BaselineFallbackWarning is BaselineFallbackWarning


def test_a_repeated_fallback_warning_is_shown_once_per_origin_under_the_default_filter():
    # each library call ran inside catch_warnings, which clears Python's once-per-location
    # registry: the same warning came at every forecast call, 60 times for 30 series at 2
    # origins (user trial, session 17). backtest's own per-origin catch_warnings (around
    # make_windows) still clears it once per origin.
    from skattn.model_selection import backtest

    rng = np.random.default_rng(0)
    panel = [np.where(rng.random(80) < 0.5, rng.integers(1, 6, 80), 0).astype(float)
             for _ in range(30)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        backtest(ETSForecaster(7, model="MNM"), panel, horizon=7, window=14, season_length=7,
                 n_origins=2, n_jobs=1)
    fallbacks = [w for w in caught if w.category is BaselineFallbackWarning]
    assert 1 <= len(fallbacks) <= 2


def test_score_checks_its_weights_and_needs_two_windows():
    # with missing targets, weights were indexed unchecked (a list of the wrong length, a scalar:
    # IndexError); one complete window gave scikit-learn's NaN (fuzzing, session 20)
    X, y = make_windows(10 + np.sin(np.arange(40) / 3), 8, 3, min_target=1)
    model = NaiveForecaster().fit(X, y)
    with pytest.raises(ValueError, match="sample_weight.shape"):
        model.score(X, y, sample_weight=[1.0, 2.0])
    assert model.score(X, y, sample_weight=2.0) == model.score(X, y)
    complete = ~np.isnan(y).any(axis=1)
    with pytest.raises(ValueError, match="R\\^2 needs at least two windows, got 1"):
        model.score(X[complete][:1], y[complete][:1])


def test_none_and_pandas_na_are_missing_targets_and_refused_in_windows():
    # float() refused them with a TypeError about 'NAType' from inside scikit-learn (fuzzing,
    # session 20): in y they are targets that were not observed, as NaN; in X an error that
    # says what to do
    pd = pytest.importorskip("pandas")
    X, y = make_windows(10 + np.sin(np.arange(40) / 3), 8, 3, min_target=1)
    with_na = y.astype(object)
    with_na[np.isnan(y)] = pd.NA
    model = NaiveForecaster().fit(X, with_na)
    assert model.score(X, with_na) == NaiveForecaster().fit(X, y).score(X, y)
    gappy = X.astype(object)
    gappy[2, 5] = pd.NA
    gappy[4, 1] = None
    for windows in (gappy, pd.DataFrame(gappy)):
        with pytest.raises(ValueError, match=r"contains 1 missing value\(s\) \(None or pandas.NA\)|"
                                             r"contains 2 missing value"):
            model.predict(windows)
    nullable = pd.DataFrame(X).astype("Float64").mask(lambda frame: frame > 10.5)
    with pytest.raises(ValueError, match=r"X contains NaN or infinity \(\d+ NaN in \d+ of its"):
        model.predict(nullable)


@pytest.mark.parametrize("method", ["forecast", "forecast_quantiles"])
def test_forecast_before_fit_says_which_fit(method):
    # scikit-learn's "Call 'fit' with appropriate arguments" did not say that fit takes windows
    # while forecast fits each history itself (user trial, session 20)
    model = NaiveForecaster(quantiles=(0.1, 0.5, 0.9))
    with pytest.raises(NotFittedError, match=r"Call fit\(X, y\) on windows first .*make_windows"):
        getattr(model, method)(np.arange(10.0), 3)


@pytest.mark.parametrize("cls", [NaiveForecaster, SeasonalNaiveForecaster, ETSForecaster,
                                 ThetaForecaster, ARIMAForecaster])
def test_max_history_fits_the_last_values_only(cls):
    # long hourly histories cost minutes per fit (AutoARIMA on 17,496 values: more than 10;
    # user trial, session 20); max_history reads the last values only, as if given only them
    series = np.asarray(load_airline().series, dtype=np.float64)
    settings = {} if cls is NaiveForecaster else {"season_length": 12}
    quantiles = (0.1, 0.5, 0.9)
    recent = cls(**settings, quantiles=quantiles, max_history=48).fit(series[None], np.zeros((1, 6)))
    short = cls(**settings, quantiles=quantiles).fit(series[None, -48:], np.zeros((1, 6)))
    np.testing.assert_array_equal(recent.forecast(series, 9), short.forecast(series[-48:], 9))
    np.testing.assert_array_equal(recent.forecast_quantiles(series, 6),
                                  short.forecast_quantiles(series[-48:], 6))
    np.testing.assert_array_equal(recent.predict(series[None]), short.predict(series[None, -48:]))
    # a history shorter than max_history is read whole
    np.testing.assert_array_equal(recent.forecast(series[:40], 6), short.forecast(series[:40], 6))
    # the setting of the fit, as the other settings (set_params takes effect at the next fit)
    recent.set_params(max_history=None)
    np.testing.assert_array_equal(recent.forecast(series, 9), short.forecast(series[-48:], 9))


@pytest.mark.parametrize("make, dropped, needed", [
    (lambda m: MSTLForecaster((24, 168), max_history=m), "168", 336),
    (lambda m: ETSForecaster(24, max_history=m), "24", 48),
    (lambda m: ThetaForecaster(24, max_history=m), "24", 48),
    (lambda m: ARIMAForecaster(season_length=24, max_history=m), "24", 48),
    (lambda m: SeasonalNaiveForecaster(24, max_history=m), "24", 24),
])
def test_a_season_max_history_cannot_hold_is_warned_about_at_fit(make, dropped, needed):
    # a season is used only in windows holding two cycles (seasonal naive: one), so
    # MSTLForecaster((24, 168), max_history=300) was a daily model without a word (user trial,
    # session 21)
    X, y = np.ones((2, 400)) + np.arange(400), np.zeros((2, 3))
    with pytest.warns(UserWarning, match=rf"max_history={needed - 1} keeps fewer than .* "
                                         rf"season_length {dropped}: .*max_history >= {needed}") as record:
        make(needed - 1).fit(X, y)
    assert record[0].filename == __file__  # the caller's line, not the package's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(needed).fit(X, y)
        make(None).fit(X, y)
        MSTLForecaster((24, 168), max_history=400).fit(X, y)


def test_fixed_order_arima_is_not_told_to_keep_two_seasons():
    # a fixed order uses its seasonal terms by its own rule (n - d - D*m > p+q+P+Q+1), and has
    # no season without seasonal_order: the two-cycles warning was false for it (review,
    # session 22)
    X, y = np.ones((2, 400)) + np.arange(400), np.zeros((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ARIMAForecaster(order=(1, 0, 0), seasonal_order=(1, 0, 0), season_length=12,
                        max_history=20).fit(X, y)
        ARIMAForecaster(order=(1, 0, 0), season_length=12, max_history=20).fit(X, y)
        ARIMAForecaster(order=(1, 0, 0), seasonal_order=(0, 1, 1), season_length=12,
                        max_history=16).fit(X, y)
    # ...but under its own minimum every window gets the naive forecast: said at fit
    for max_history in (12, 15):
        with pytest.warns(UserWarning, match=r"too short for order=\(1, 0, 0\), seasonal_order="
                                             r"\(0, 1, 1\): a window needs at least 16 values"):
            model = ARIMAForecaster(order=(1, 0, 0), seasonal_order=(0, 1, 1), season_length=12,
                                    max_history=max_history).fit(X, y)
        np.testing.assert_array_equal(model.predict(X), np.repeat(X[:, -1:], 3, axis=1))


@pytest.mark.parametrize("make, shortest", [
    (lambda m: ETSForecaster(max_history=m), 7),
    (lambda m: ETSForecaster(model="AAN", max_history=m), 9),
    (lambda m: ThetaForecaster(max_history=m), 4),
    (lambda m: MSTLForecaster(max_history=m), 7),
    (lambda m: MSTLForecaster(trend="theta", max_history=m), 4),
])
def test_a_max_history_too_short_for_the_model_is_warned_about(make, shortest):
    # every window cut to fewer values than the model's parameters need gets the naive
    # forecast: ETSForecaster(max_history=5) was NaiveForecaster without a word (user trial,
    # session 22)
    X, y = np.ones((2, 40)) + np.sin(np.arange(40)), np.zeros((2, 3))
    with pytest.warns(UserWarning, match=rf"max_history={shortest - 1} is too short for "
                                         rf"\w+Forecaster: .*naive.*max_history >= {shortest}$"):
        model = make(shortest - 1).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), np.repeat(X[:, -1:], 3, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(shortest).fit(X, y)


def test_two_seasons_beyond_max_history_are_named_together():
    X, y = np.ones((2, 400)) + np.arange(400), np.zeros((2, 3))
    with pytest.warns(UserWarning, match=r"the seasons 24, 168: .*these seasons.*>= 336 \(or "
                                         r"drop the seasons\)"):
        MSTLForecaster((168, 24, 7), max_history=40).fit(X, y)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "48"])
def test_max_history_must_be_an_integer_of_at_least_two(bad):
    with pytest.raises(ValueError, match="max_history"):
        ETSForecaster(max_history=bad).fit(np.ones((2, 8)) + np.arange(8), np.zeros(2))


@pytest.mark.parametrize("make", [lambda: ETSForecaster(n_jobs=True),
                                  lambda: SeasonalNaiveForecaster(season_length=True),
                                  lambda: NaiveForecaster(max_history=True)])
def test_a_bool_is_not_a_count(make):
    # scikit-learn's Interval(Integral) takes True as 1: n_jobs=True ran one process, a season
    # of True was one step (fuzzing, session 20)
    with pytest.raises(ValueError, match="Got True instead"):
        make().fit(np.ones((2, 8)) + np.arange(8), np.zeros(2))


def test_pandas_targets_and_windows_of_any_dtype_are_read_or_refused_by_name():
    # review, session 20: a nullable Series y was an AttributeError ('Series' has no 'columns');
    # pandas.NA in y depended on the container (a list or an object Series: TypeError); a frame
    # of bool and float columns was scanned value by value; dates with a time zone reached
    # float()
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 6)) + 10.0
    y = X[:, -1] + 1.0
    expected = NaiveForecaster().fit(X, y).score(X, y)
    for target in (pd.Series(y, dtype="Float64"), pd.Series(y.round().astype(int), dtype="Int64")):
        model = NaiveForecaster().fit(X, target)
        assert np.isfinite(model.score(X, target))
    assert NaiveForecaster().fit(X, pd.Series(y, dtype="Float64")).score(
        X, pd.Series(y, dtype="Float64")) == expected
    rows = np.column_stack([y, y + 1.0])
    missing = rows.astype(object)
    missing[3, 0] = pd.NA
    reference = NaiveForecaster().fit(X, np.where(missing == None, np.nan, rows))  # noqa: E711
    for target in (missing, missing.tolist(), pd.DataFrame(missing)):
        model = NaiveForecaster().fit(X, target)  # a missing target, as NaN
        assert model.score(X, target) == pytest.approx(reference.score(
            X, np.where(np.vectorize(lambda v: v is pd.NA)(missing), np.nan, rows)))
    flags = pd.DataFrame({"level": X[:, 0], "holiday": X[:, 1] > 10})
    model = NaiveForecaster().fit(flags, y)
    np.testing.assert_array_equal(model.predict(flags), X[:, 1:2].ravel() > 10)
    with pytest.raises(ValueError, match="y must be numeric: got text"):
        NaiveForecaster().fit(X, pd.Series(y.astype(str), dtype="string"))
    stamps = pd.Series(pd.date_range("2024-01-01", periods=20, tz="UTC"))
    with pytest.raises(ValueError, match="y must be numeric: .*dates or durations"):
        NaiveForecaster().fit(X, stamps)
