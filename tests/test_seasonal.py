"""DeseasonalizedForecaster and seasonal_indices: scikit-learn's checks, the decomposition on
series whose seasonal pattern is known, the padding rule, and that the wrapper is exactly its
forecaster on adjusted windows."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import AttentionForecaster, DeseasonalizedForecaster, make_windows
from skattn.exceptions import SeasonalAdjustmentWarning
from skattn.seasonal import seasonal_indices

PATTERN = 1 + 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)  # mean exactly 1


@parametrize_with_checks([
    DeseasonalizedForecaster(Ridge()),
    DeseasonalizedForecaster(AttentionForecaster(random_state=0), season_length=2),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def seasonal_series(n, level=100.0, slope=0.0, noise=0.0, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return (level + slope * t) * PATTERN[t % 12] * (1 + noise * rng.standard_normal(n))


def test_indices_of_a_purely_seasonal_series_are_its_pattern():
    series = seasonal_series(60)
    indices = seasonal_indices(series[None], 12)  # phase counted from the window's end (60)
    np.testing.assert_allclose(indices[0, (np.arange(60) - 60) % 12], PATTERN[np.arange(60) % 12],
                               rtol=1e-12)
    np.testing.assert_allclose(indices.mean(), 1.0, rtol=1e-12)


def test_trend_and_noise_leave_the_pattern_nearly_intact():
    series = seasonal_series(72, slope=1.0, noise=0.01)
    indices = seasonal_indices(series[None], 12)[0]
    np.testing.assert_allclose(indices[(np.arange(72) - 72) % 12], PATTERN[np.arange(72) % 12],
                               atol=0.03)


def test_windows_that_cannot_or_need_not_be_adjusted_get_ones():
    rng = np.random.default_rng(1)
    noise = 100 + rng.standard_normal((50, 60))  # no seasonality: the test rejects (at 90%)
    rejected = np.all(seasonal_indices(noise, 12) == 1.0, axis=1)
    assert rejected.mean() > 0.8
    with_negative = seasonal_series(60) - 100.0  # multiplicative indices need positive values
    assert np.all(seasonal_indices(with_negative[None], 12) == 1.0)
    too_short = seasonal_series(24)  # fewer than 2 * 12 + 1 values
    assert np.all(seasonal_indices(too_short[None], 12) == 1.0)
    # without the test, every long enough positive window is adjusted
    assert not np.any(np.all(seasonal_indices(noise, 12, seasonality_test=False) == 1.0, axis=1))


def test_critical_value_sets_the_level_of_the_test():
    rng = np.random.default_rng(2)
    # weakly seasonal windows: some pass the test at 1 standard error but not at 1.645
    windows = np.stack([seasonal_series(60, noise=0.35, seed=seed) for seed in range(200)])
    windows = np.abs(windows) + 1.0  # positive, as multiplicative indices need
    windows *= 1 + 0.01 * rng.standard_normal(windows.shape)

    def adjusted(**kwargs):
        return ~np.all(seasonal_indices(windows, 12, **kwargs) == 1.0, axis=1)

    default, theta, lax, none = (adjusted(), adjusted(critical_value=1.645),
                                 adjusted(critical_value=1.0), adjusted(critical_value=1e6))
    np.testing.assert_array_equal(default, theta)  # the default is the Theta method's level
    assert np.all(lax >= default) and lax.sum() > default.sum() > 0  # lower: more windows
    assert not none.any()
    # without the test the level does not matter
    np.testing.assert_array_equal(adjusted(seasonality_test=False, critical_value=3.0),
                                  adjusted(seasonality_test=False))
    # and an adjusted window's indices do not depend on the level that let it through
    both = default & lax
    np.testing.assert_array_equal(seasonal_indices(windows[both], 12),
                                  seasonal_indices(windows[both], 12, critical_value=1.0))
    # the wrapper passes it on
    X, y = windows[:, :54], windows[:, 54:]
    lax_model = DeseasonalizedForecaster(LinearRegression(), critical_value=1.0).fit(X, y)
    adjusted_X, _ = lax_model._adjust(X)
    indices = seasonal_indices(X, 12, critical_value=1.0)
    np.testing.assert_allclose(adjusted_X, X / indices[:, (np.arange(54) - 54) % 12], rtol=1e-12)
    assert not np.allclose(indices, seasonal_indices(X, 12))


def test_left_padding_is_ignored():
    series = seasonal_series(40, slope=0.5)
    padded = np.concatenate([np.full(20, series[0]), series])  # make_windows' padding rule
    np.testing.assert_allclose(seasonal_indices(padded[None], 12),
                               seasonal_indices(series[None], 12), rtol=1e-12)


def test_wrapper_is_its_forecaster_on_adjusted_windows():
    series = seasonal_series(150, slope=0.3, noise=0.02)
    X, y = make_windows(series, window=36, horizon=6)
    model = DeseasonalizedForecaster(LinearRegression()).fit(X, y)
    indices = seasonal_indices(X, 12)
    phase = (np.arange(42) - 36) % 12
    adjusted = X / indices[:, phase[:36]]
    inner = LinearRegression().fit(adjusted, y / indices[:, phase[36:]])
    np.testing.assert_allclose(model.forecaster_.coef_, inner.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.predict(X[-3:]),
                               inner.predict(adjusted[-3:]) * indices[-3:, phase[36:]], rtol=1e-9)
    assert model.n_outputs_ == 6 and model.n_features_in_ == 36 and model.n_channels_ == 1


def test_adjustment_removes_the_seasonality_a_linear_model_cannot_learn():
    # a linear trend times a seasonal pattern: on adjusted windows a linear model is exact
    series = seasonal_series(200, level=50.0, slope=1.0)
    X, y = make_windows(series[:-6], window=36, horizon=6)
    wrapped = DeseasonalizedForecaster(LinearRegression(), seasonality_test=False).fit(X, y)
    truth = series[-6:]
    wrapped_error = np.abs(wrapped.forecast(series[:-6], 6) - truth).max()
    plain_error = np.abs(LinearRegression().fit(X[:, -2:], y).predict(series[None, -8:-6])[0]
                         - truth).max()
    assert wrapped_error < 0.02 * truth.mean()
    assert wrapped_error < plain_error / 5


def test_forecast_reads_the_last_window_and_pads_short_histories():
    series = seasonal_series(150, slope=0.3, noise=0.02)
    X, y = make_windows(series, window=36, horizon=6)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    np.testing.assert_allclose(model.forecast(series, 6), model.predict(series[None, -36:])[0])
    first = model.predict(series[None, -36:])[0]
    second = model.predict(np.concatenate([series, first])[None, -36:])[0]
    np.testing.assert_allclose(model.forecast(series, 9), np.concatenate([first, second])[:9])
    short = series[:30]
    padded = np.concatenate([np.full(6, short[0]), short])
    np.testing.assert_allclose(model.forecast(short, 6), model.predict(padded[None])[0])
    assert np.all(np.isfinite(model.forecast(series[:1], 6)))


def test_covariates_pass_through_and_only_the_target_is_adjusted():
    series = seasonal_series(150, slope=0.3, noise=0.02)
    covariate = np.linspace(-1.0, 1.0, 150)
    X, y = make_windows(series, window=36, horizon=6, covariates=covariate)
    model = DeseasonalizedForecaster(LinearRegression()).fit(X.reshape(len(X), -1), y)
    assert model.n_channels_ == 1  # flattened: the wrapper sees one channel of 72 steps
    wrapped = DeseasonalizedForecaster(AttentionForecaster(d_model=8, n_heads=2, n_layers=1,
                                                            max_epochs=2, random_state=0))
    wrapped.fit(X, y)
    adjusted, _ = wrapped._adjust(X[:2])
    np.testing.assert_array_equal(adjusted[:, :, 1], X[:2, :, 1])
    assert wrapped.n_channels_ == 2
    assert wrapped.forecast(X[-1], 6).shape == (6,)
    with pytest.raises(ValueError, match="future_covariates"):
        wrapped.forecast(X[-1], 7)


def test_bad_input_gets_a_value_error():
    series = seasonal_series(100)
    X, y = make_windows(series, window=36, horizon=6)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="NaN|infinity"):
        model.forecast(np.array([1.0, np.nan, 2.0]), 3)
    with pytest.raises(ValueError, match="steps"):
        model.forecast(series, 0)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :20])
    with pytest.raises(ValueError, match="season_length"):
        DeseasonalizedForecaster(Ridge(), season_length=1).fit(X, y)
    for bad in (-1.0, np.nan, np.inf, "1.645"):
        with pytest.raises(ValueError, match="critical_value"):
            DeseasonalizedForecaster(Ridge(), critical_value=bad).fit(X, y)
        with pytest.raises(ValueError, match="critical_value"):
            seasonal_indices(X, 12, critical_value=bad)
    with pytest.raises(ValueError, match="y"):
        DeseasonalizedForecaster(Ridge()).fit(X, None)


def test_pickle_round_trip():
    series = seasonal_series(100, noise=0.01)
    X, y = make_windows(series, window=36, horizon=6)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.forecast(series, 6), model.forecast(series, 6))


@pytest.mark.parametrize("scale", [1e160, 1e200, 1e-170, 1e-300])
def test_indices_do_not_depend_on_the_units(scale):
    # the autocorrelation's squares overflowed (or underflowed) at extreme magnitudes and such
    # windows were silently left unadjusted
    windows = seasonal_series(96, noise=0.05)[None, :]
    np.testing.assert_allclose(seasonal_indices(windows * scale, 12), seasonal_indices(windows, 12),
                               rtol=1e-12)
    assert not np.all(seasonal_indices(windows * scale, 12) == 1.0)


def test_seasonal_indices_checks_its_input():
    windows = seasonal_series(96)[None, :]
    with pytest.raises(ValueError, match="NaN"):
        seasonal_indices(np.where(np.arange(96) == 5, np.nan, windows), 12)
    with pytest.raises(ValueError, match="infinity"):
        seasonal_indices(np.where(np.arange(96) == 5, np.inf, windows), 12)
    with pytest.raises(ValueError, match="season_length must be an integer >= 2"):
        seasonal_indices(windows, 2.5)
    with pytest.raises(ValueError, match="2D array"):
        seasonal_indices(windows[0], 12)


def test_a_season_longer_than_the_windows_adjusts_nothing_and_allocates_nothing():
    # season_length=10**9 tried to allocate (n, 10**9) indices (313 GiB in the audit)
    X, y = make_windows(seasonal_series(100), window=20, horizon=3)
    with pytest.warns(SeasonalAdjustmentWarning):
        model = DeseasonalizedForecaster(Ridge(), season_length=10**9).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), Ridge().fit(X, y).predict(X))


def test_windows_too_short_for_any_adjustment_are_warned_about():
    # two weeks of hourly values with a weekly season: 336 steps, one short of 2 * 168 + 1, so
    # the wrapper passed every window through and was the wrapped model at twice the cost,
    # silently (user trial, session 18)
    t = np.arange(24 * 7 * 6)
    series = 100 + 10 * np.sin(2 * np.pi * t / 168) + np.sin(2 * np.pi * t / 24)
    X, y = make_windows(series, window=336, horizon=24, step=24)
    with pytest.warns(SeasonalAdjustmentWarning,
                      match=r"windows of 336 steps are shorter than 2 \* season_length \+ 1 = "
                            r"337, so no window is seasonally adjusted"):
        DeseasonalizedForecaster(Ridge(), season_length=168).fit(X, y)
    # one step more, and the windows can be adjusted: no warning (without the seasonality test:
    # with it, two cycles are too few for it to find the season, which is warned about since
    # session 23; tests/test_seasonal_long_periods.py)
    X, y = make_windows(series, window=337, horizon=24, step=24)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeasonalAdjustmentWarning)
        model = DeseasonalizedForecaster(Ridge(), season_length=168,
                                         seasonality_test=False).fit(X, y)
    assert model.adjusted_fraction_ == 1.0
    assert not np.allclose(seasonal_indices(X, season_length=168, seasonality_test=False), 1.0)


def test_scalar_y_and_steps_beyond_memory_are_value_errors(monkeypatch):
    # a 0-d y was a TypeError from scikit-learn's checks; forecast(s, 2**62) ran for minutes
    import skattn.windows

    series = seasonal_series(100)
    X, y = make_windows(series, window=36, horizon=6)
    with pytest.raises(ValueError, match="y must be 1-D or 2-D"):
        DeseasonalizedForecaster(Ridge()).fit(X, 1.0)
    model = DeseasonalizedForecaster(Ridge()).fit(X, y)
    monkeypatch.setattr(skattn.windows, "_physical_memory_bytes", lambda: 2**20)  # 1 MiB
    monkeypatch.setattr(model, "predict", None)  # refused before any window is predicted
    with pytest.raises(ValueError, match="more than half of this machine's memory"):
        model.forecast(series, 10**4)  # 640 KB by the estimate


@pytest.mark.parametrize("unsigned", [np.uint8(4), np.uint64(4)])
def test_numpy_unsigned_season_lengths_are_plain_counts(unsigned):
    # NumPy's unsigned integers pass every integer check and then wrapped around in y[:-m]:
    # broadcasting errors, an IndexError (fuzzing, session 17)
    from sklearn.linear_model import Ridge

    from skattn import metrics
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.model_selection import backtest

    rng = np.random.default_rng(0)
    s = 100 + 10 * np.sin(np.arange(80) * 2 * np.pi / 4) + rng.normal(size=80)
    X, y = make_windows(s, 20, 3)
    for compute in (
        lambda m: metrics.seasonal_naive_scale(s, m),
        lambda m: metrics.mase(s[-3:], s[-3:] + 1, s[:-3], m),
        lambda m: DeseasonalizedForecaster(Ridge(), season_length=m).fit(X, y).forecast(s, 3),
        lambda m: SeasonalNaiveForecaster(m).fit(X, y).forecast(s, 3),
        lambda m: backtest({"n": NaiveForecaster()}, s, 3, 20, season_length=m)["mase"],
    ):
        np.testing.assert_array_equal(np.asarray(compute(unsigned)), np.asarray(compute(4)))


def airline_windows(window=48, horizon=12):
    from skattn.datasets import load_airline

    return make_windows(load_airline().series, window=window, horizon=horizon)


@pytest.mark.parametrize("changed", [{"season_length": 4}, {"seasonality_test": False},
                                     {"critical_value": 1e6}, {"critical_value": 0.5}])
def test_set_params_after_fit_does_not_change_the_adjustment_until_the_next_fit(changed):
    # predict read season_length, seasonality_test and critical_value at predict time: after
    # set_params(season_length=4) the forecaster trained on windows adjusted with 12 was fed
    # windows adjusted with 4 (forecasts off by up to 28 passengers, no error; user trial 18)
    from sklearn.base import clone

    X, y = airline_windows()
    model = DeseasonalizedForecaster(Ridge(), season_length=12).fit(X, y)
    before, forecast_before = model.predict(X), model.forecast(X[-1], 24)
    refitted = clone(model).set_params(**changed).fit(X, y)
    assert np.abs(refitted.predict(X) - before).max() > 1.0  # the setting does matter here
    model.set_params(**changed)
    np.testing.assert_array_equal(model.predict(X), before)
    np.testing.assert_array_equal(model.forecast(X[-1], 24), forecast_before)
    assert (model.season_length_, model.seasonality_test_, model.critical_value_) == (12, True,
                                                                                     1.645)
    model.fit(X, y)  # the next fit takes the new setting
    np.testing.assert_array_equal(model.predict(X), refitted.predict(X))
    assert model.get_params()[next(iter(changed))] == next(iter(changed.values()))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs
def test_a_refit_whose_forecaster_fails_leaves_the_wrapper_unfitted():
    # n_features_in_ and n_outputs_ were set for the new windows before the wrapped forecaster
    # failed, while forecaster_ stayed the old fit's: predict then refused both the old windows
    # (36 steps: "DeseasonalizedForecaster is expecting 24") and the new ones (24 steps:
    # "AttentionForecaster is expecting 36"; user trial, session 18)
    from sklearn.exceptions import NotFittedError

    X36, y3 = airline_windows(window=36, horizon=3)
    X24, y2 = airline_windows(window=24, horizon=2)
    model = DeseasonalizedForecaster(AttentionForecaster(trend_degree=2, max_epochs=2, d_model=8,
                                                         n_heads=2, n_layers=1, random_state=0))
    model.fit(X36, y3)
    with pytest.raises(ValueError, match="trend_degree=2 must be smaller than the horizon"):
        model.fit(X24, y2)
    for X in (X24, X36):
        with pytest.raises(NotFittedError):
            model.predict(X[:1])
    assert not any(name.endswith("_") and not name.startswith("_") for name in vars(model))
    assert model.fit(X36, y3).predict(X36[:1]).shape == (1, 3)  # and it can be fitted again


def test_sample_weight_goes_to_the_forecaster_with_the_adjusted_windows():
    # fit took no fit parameters: fit(X, y, sample_weight=w) was a TypeError (user trial 18)
    X, y = airline_windows()
    weights = np.linspace(0.2, 3.0, len(X))
    model = DeseasonalizedForecaster(Ridge()).fit(X, y, sample_weight=weights)
    adjusted, future = model._adjust(X)
    inner = Ridge().fit(adjusted, y / future, sample_weight=weights)  # one weight per window
    np.testing.assert_allclose(model.forecaster_.coef_, inner.coef_, rtol=1e-10)
    unweighted = DeseasonalizedForecaster(Ridge()).fit(X, y)
    assert not np.allclose(model.forecaster_.coef_, unweighted.forecaster_.coef_)


def test_metadata_routing_sends_sample_weight_where_the_forecaster_requests_it():
    # the wrapper was no router: with routing enabled, sample_weight was a TypeError whatever
    # the wrapped forecaster requested (user trial, session 18)
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.utils.metadata_routing import MetadataRouter

    X, y = airline_windows()
    weights = np.linspace(0.2, 3.0, len(X))
    expected = DeseasonalizedForecaster(Ridge()).fit(X, y, sample_weight=weights)
    with sklearn.config_context(enable_metadata_routing=True):
        requesting = DeseasonalizedForecaster(Ridge().set_fit_request(sample_weight=True))
        assert isinstance(requesting.get_metadata_routing(), MetadataRouter)
        requesting.fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(requesting.forecaster_.coef_, expected.forecaster_.coef_,
                                   rtol=1e-12)
        with pytest.raises(UnsetMetadataPassedError, match=r"Ridge\.fit.*DeseasonalizedForecaster"):
            DeseasonalizedForecaster(Ridge()).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("routing", [True, False])
def test_grid_search_passes_sample_weight_through_the_wrapper(routing):
    # GridSearchCV(...).fit(X, y, sample_weight=w) failed: TypeError in the wrapper's fit, or,
    # with routing, an error that the wrapper had not requested it (user trial, session 18)
    import sklearn
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    X, y = airline_windows()
    weights = np.linspace(0.2, 3.0, len(X))
    with sklearn.config_context(enable_metadata_routing=routing):
        ridge = Ridge().set_fit_request(sample_weight=True) if routing else Ridge()
        wrapper = DeseasonalizedForecaster(ridge)
        if routing:
            # the wrapper's own score takes weights too (since session 21: they were accepted
            # and ignored), so under routing it says whether the search's score gets them, as
            # Ridge or any regressor whose score takes weights must
            wrapper.set_score_request(sample_weight=False)
        search = GridSearchCV(wrapper, {"forecaster__alpha": [0.1, 100.0]},
                              cv=TimeSeriesSplit(n_splits=3, gap=11))
        search.fit(X, y, sample_weight=weights)
    alpha = search.best_params_["forecaster__alpha"]
    expected = DeseasonalizedForecaster(Ridge(alpha=alpha)).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(search.best_estimator_.forecaster_.coef_,
                               expected.forecaster_.coef_, rtol=1e-12)


def test_quantiles_through_the_adjustment():
    # intervals stopped at a single AttentionForecaster: the wrapper had no predict_quantiles,
    # so the model the README recommends gave none (user trial, session 18)
    from sklearn.pipeline import make_pipeline

    from skattn import LastSteps

    series = seasonal_series(200, slope=0.3, noise=2.0)
    X, y = make_windows(series, window=36, horizon=6)
    inner = AttentionForecaster(loss="pinball", quantiles=[0.1, 0.5, 0.9], d_model=8, n_heads=2,
                                n_layers=1, max_epochs=3, random_state=0)
    for forecaster in (inner, make_pipeline(LastSteps(24), inner)):
        model = DeseasonalizedForecaster(forecaster, season_length=12).fit(X, y)
        np.testing.assert_array_equal(model.quantiles_, [0.1, 0.5, 0.9])
        quantiles = model.predict_quantiles(X[-5:])
        assert quantiles.shape == (5, 6, 3) and np.all(np.diff(quantiles, axis=-1) >= 0)
        np.testing.assert_allclose(quantiles[:, :, 1], model.predict(X[-5:]), rtol=1e-13)
        # the wrapped model's quantiles on the adjusted windows, times the seasonal factors
        adjusted, future = model._adjust(X[-5:])
        final = model.forecaster_[-1] if hasattr(model.forecaster_, "steps") else \
            model.forecaster_
        inputs = adjusted if final is model.forecaster_ else model.forecaster_[:-1].transform(
            adjusted)
        np.testing.assert_allclose(quantiles, final.predict_quantiles(inputs) * future[:, :, None],
                                   rtol=1e-13)
        intervals = model.forecast_quantiles(series)
        np.testing.assert_allclose(intervals[:, 1], model.forecast(series, 6), rtol=1e-13)
        assert model.forecast_quantiles(series, 2).shape == (2, 3)
    one = DeseasonalizedForecaster(inner, season_length=12).fit(X, y[:, 0])
    assert one.predict_quantiles(X[-5:]).shape == (5, 3)
    point = DeseasonalizedForecaster(Ridge(), season_length=12).fit(X, y)
    assert point.quantiles_ is None
    with pytest.raises(ValueError, match="needs a forecaster that forecasts quantiles"):
        point.forecast_quantiles(series)


def near_float64_limit_windows(last=None):
    """A series whose seasonal factors run from ~0.05 to ~1.95, with values up to 1.64e308, and
    its windows of 36 steps: dividing by the factors or multiplying back can leave float64."""
    t = np.arange(48)
    series = (1.05 + np.sin(2 * np.pi * t / 12)) * 8e307
    if last is not None:
        series[last[0]] = last[1]
    return series, *make_windows(series, window=36, horizon=6)


def test_forecasts_beyond_float64_are_a_value_error_not_inf():
    # a finite forecast multiplied back by a factor above 1 was inf, with only NumPy's
    # RuntimeWarning (fuzzing, session 20)
    from skattn.baselines import NaiveForecaster

    series, X, y = near_float64_limit_windows()
    model = DeseasonalizedForecaster(NaiveForecaster(), season_length=12,
                                     seasonality_test=False).fit(X, y)
    assert np.all(np.isfinite(model.forecast(series, 6)))  # within range: unchanged
    series[-1] = 0.5e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(ValueError, match=r"^The forecasts overflowed: multiplied back by "
                                             r"their seasonal factors, they go beyond the largest "
                                             r"float64, ~1.8e308. Give the series in smaller "
                                             r"units.$"):
            model.forecast(series, 6)
        with pytest.raises(ValueError, match="The forecasts overflowed"):
            model.predict(series[None, -36:])
    # the quantiles likewise
    quantiles = DeseasonalizedForecaster(NaiveForecaster(quantiles=[0.1, 0.5, 0.9]),
                                         season_length=12, seasonality_test=False).fit(X, y)
    assert np.all(np.isfinite(quantiles.predict_quantiles(X)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="^The prediction intervals overflowed: multiplied "
                                             "back by their seasonal factors"):
            quantiles.forecast_quantiles(series)


def test_adjusted_windows_and_targets_beyond_float64_are_a_value_error():
    # a finite value divided by a factor below 1 was inf, which the wrapped forecaster refused
    # as "Input y contains infinity" or "X contains ... infinity": values the user never gave
    # (fuzzing, session 20)
    from skattn.baselines import NaiveForecaster

    _, X, y = near_float64_limit_windows(last=(-4, 1.5e308))
    model = DeseasonalizedForecaster(NaiveForecaster(), season_length=12, seasonality_test=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^The seasonally adjusted targets overflowed: "
                                             r"divided by their seasonal factors, they go beyond "
                                             r"the largest float64, ~1.8e308. Give the series in "
                                             r"smaller units.$"):
            model.fit(X, y)
    assert not hasattr(model, "forecaster_")
    # a window's value at a trough (factor ~0.05), after the steps that estimate the factors
    series, X, y = near_float64_limit_windows()
    model.fit(X, y)
    window = series[None, -36:].copy()
    window[0, 33] = 1.7e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^The seasonally adjusted windows overflowed: "
                                             r"divided by their seasonal factors"):
            model.predict(window)


def test_seasonal_indices_refuses_a_season_longer_than_the_windows():
    # the public function allocated the (n, season_length) indices: 7 TiB for 10**12
    # (fuzzing, session 20)
    windows = np.ones((1, 48))
    for season_length in (10**12, 49):
        with pytest.raises(ValueError, match=rf"^season_length={season_length} is longer than "
                                             r"the windows: X has 48 time steps.*a season of "
                                             r"at most 23 steps adjusts these windows"):
            seasonal_indices(windows, season_length)
    # as long as the windows: too long to adjust them, but a season they hold
    np.testing.assert_array_equal(seasonal_indices(windows, 48), np.ones((1, 48)))


@pytest.mark.parametrize("value", ["no", 1, None])
def test_seasonality_test_must_be_a_bool(value):
    # "no" was truthy and tested the windows (fuzzing, session 20)
    windows = seasonal_series(96)[None, :]
    with pytest.raises(ValueError, match=rf"^seasonality_test must be a bool, got {value!r}$"):
        seasonal_indices(windows, 12, seasonality_test=value)
    X, y = make_windows(seasonal_series(96), window=36, horizon=3)
    with pytest.raises(ValueError, match="'seasonality_test' parameter"):
        DeseasonalizedForecaster(Ridge(), seasonality_test=value).fit(X, y)
    # NumPy's booleans are bools
    np.testing.assert_array_equal(seasonal_indices(windows, 12, seasonality_test=np.False_),
                                  seasonal_indices(windows, 12, seasonality_test=False))


def test_a_point_model_inside_a_search_is_named_when_quantiles_are_asked_for():
    # "GridSearchCV does not" forecast quantiles said nothing of the point model inside it
    # (review, session 22)
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    series = 10 + np.sin(np.arange(120) * 2 * np.pi / 12) + 0.01 * np.arange(120)
    X, y = make_windows(series, window=36, horizon=3)
    model = DeseasonalizedForecaster(
        GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(2, gap=2)),
        season_length=12).fit(X, y)
    for call in (lambda: model.predict_quantiles(X[:2]), lambda: model.forecast_quantiles(series)):
        with pytest.raises(ValueError, match=r"Ridge \(the model inside GridSearchCV\) does not"):
            call()
