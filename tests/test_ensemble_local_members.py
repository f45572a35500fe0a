"""ForecastEnsemble's forecast and forecast_quantiles with local members (the baselines).

A baseline alone fits the whole history in ``forecast``; as a member it was fed the ensemble's
last window (``predict`` on it), so ``ForecastEnsemble([ETS, Theta]).forecast(h)`` fitted 36
of the airline's 132 values and lay up to 38 passengers from the mean of the members' own
forecasts (user trial, session 27). Local members now forecast from the whole history, every
step in one call; window members keep the package's recursion, reading the combined forecasts
fed back beyond the horizon.
"""
import warnings

import numpy as np
import pytest

from skattn import AttentionForecaster, ForecastEnsemble, make_windows
from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
from skattn.datasets import load_airline
from skattn.model_selection import backtest

HORIZON = 6
WINDOW = 24


def _series():
    return load_airline().series[:120].astype(np.float64)


def _windows(series=None):
    return make_windows(_series() if series is None else series, WINDOW, HORIZON)


def _small_attention(seed=0):
    return AttentionForecaster(d_model=8, n_heads=2, n_layers=1, patch_len=6, max_epochs=2,
                               random_state=seed, n_jobs=1)


class _FailingNaive(NaiveForecaster):
    """A local model whose forecast fails (a library error on one history)."""

    def forecast(self, history, steps, future_covariates=None):
        raise ValueError("the library gave up on this history")


class _NaNNaive(NaiveForecaster):
    """A local model that returns NaN from forecast, and finite values from predict."""

    def forecast(self, history, steps, future_covariates=None):
        return np.full(steps, np.nan)


class _HistoryMean(NaiveForecaster):
    """A local model whose forecast is the mean of the whole history's target (predict, on
    windows, stays the naive one): what it forecasts shows which values it was given."""

    def forecast(self, history, steps, future_covariates=None):
        values = np.asarray(history, dtype=np.float64)
        return np.full(steps, (values if values.ndim == 1 else values[:, 0]).mean())


class _WarningNaive(NaiveForecaster):
    def forecast(self, history, steps, future_covariates=None):
        warnings.warn("a library warning", UserWarning)
        return super().forecast(history, steps)


@pytest.mark.parametrize("aggregate", ["median", "mean"])
def test_local_members_forecast_from_the_whole_history(aggregate):
    series = _series()
    X, y = _windows()
    members = [("naive", NaiveForecaster()), ("seasonal", SeasonalNaiveForecaster(12)),
               ("seasonal4", SeasonalNaiveForecaster(4))]
    ensemble = ForecastEnsemble(members, aggregate=aggregate).fit(X, y)
    combine = np.median if aggregate == "median" else np.mean
    for steps in (1, HORIZON, 2 * HORIZON + 3):  # within, at and beyond the horizon
        alone = np.stack([member.forecast(series, steps) for member in ensemble.estimators_])
        np.testing.assert_allclose(ensemble.forecast(series, steps), combine(alone, axis=0),
                                   rtol=1e-15, atol=0)


def test_the_user_report_ets_and_theta_are_their_own_mean():
    pytest.importorskip("statsforecast")
    from skattn.baselines import ETSForecaster, ThetaForecaster

    history = load_airline().series[:-12]
    X, y = make_windows(history, 36, 12)
    ensemble = ForecastEnsemble([("ets", ETSForecaster(12)), ("theta", ThetaForecaster(12))],
                                aggregate="mean").fit(X, y)
    alone = [member.forecast(history, 12) for member in ensemble.estimators_]
    np.testing.assert_allclose(ensemble.forecast(history, 12), np.mean(alone, axis=0),
                               rtol=1e-12)
    # what it forecast before: the members fitted to the last window only, 38 passengers away
    window_only = ensemble.predict(history[None, -36:])[0]
    assert np.abs(ensemble.forecast(history, 12) - window_only).max() > 10


def test_window_members_read_the_combination_fed_back_and_local_ones_their_own_forecast():
    series = _series()
    X, y = _windows()
    ensemble = ForecastEnsemble([("attention", _small_attention()),
                                 ("mean", _HistoryMean())], aggregate="mean").fit(X, y)
    attention, history_mean = ensemble.estimators_
    steps = 2 * HORIZON
    local = history_mean.forecast(series, steps)  # (steps,): one call, the whole history
    first = (attention.predict(series[None, -WINDOW:])[0] + local[:HORIZON]) / 2
    fed_back = np.concatenate([series, first])
    second = (attention.predict(fed_back[None, -WINDOW:])[0] + local[HORIZON:]) / 2
    np.testing.assert_allclose(ensemble.forecast(series, steps),
                               np.concatenate([first, second]), rtol=1e-12)


def test_an_ensemble_without_local_members_forecasts_as_before():
    # the window members' path is the one every ensemble took: predict on the last window, fed
    # back
    series = _series()
    X, y = _windows()
    ensemble = ForecastEnsemble([("a", _small_attention(0)),
                                 ("b", _small_attention(1))]).fit(X, y)
    expected = ensemble.predict(series[None, -WINDOW:])[0]
    fed_back = np.concatenate([series, expected])
    expected = np.concatenate([expected, ensemble.predict(fed_back[None, -WINDOW:])[0]])
    np.testing.assert_array_equal(ensemble.forecast(series, 2 * HORIZON), expected)


def test_local_members_get_a_short_history_as_it_is():
    # the window is padded for the window members; a local member reads the values there are
    series = _series()[:10]
    X, y = _windows()
    ensemble = ForecastEnsemble([("attention", _small_attention()),
                                 ("mean", _HistoryMean())], aggregate="mean").fit(X, y)
    attention, history_mean = ensemble.estimators_
    expected = (attention.forecast(series, HORIZON)
                + np.full(HORIZON, series.mean())) / 2
    np.testing.assert_allclose(ensemble.forecast(series, HORIZON), expected, rtol=1e-12)


def test_local_members_with_covariates_read_the_target_of_the_whole_history():
    series = _series()
    covariate = np.sin(np.arange(series.size))
    X, y = make_windows(series, WINDOW, HORIZON, covariates=covariate)
    ensemble = ForecastEnsemble([("attention", _small_attention()),
                                 ("naive", NaiveForecaster()), ("mean", _HistoryMean())],
                                aggregate="mean").fit(X, y)
    history = np.column_stack([series, covariate])
    attention = ensemble.estimators_[0]
    expected = (attention.predict(history[None, -WINDOW:])[0] + series[-1]
                + series.mean()) / 3
    np.testing.assert_allclose(ensemble.forecast(history, HORIZON), expected, rtol=1e-12)


def test_forecast_quantiles_of_local_members_come_from_the_whole_history():
    q = (0.1, 0.5, 0.9)
    series = _series()
    X, y = _windows()
    members = [("naive", NaiveForecaster(quantiles=q)),
               ("seasonal", SeasonalNaiveForecaster(12, quantiles=q)),
               ("seasonal4", SeasonalNaiveForecaster(4, quantiles=q))]
    ensemble = ForecastEnsemble(members).fit(X, y)
    # every member local: no window, so no horizon of the ensemble's own (the members' rules,
    # as alone: a baseline's intervals widen beyond it by its own error propagation)
    for steps in (None, 2, 3 * HORIZON):
        alone = np.stack([member.forecast_quantiles(series, steps)
                          for member in ensemble.estimators_])
        np.testing.assert_array_equal(ensemble.forecast_quantiles(series, steps),
                                      np.median(alone, axis=0))
    # and no padded window to warn of (its warning named a window no member reads)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ensemble.forecast_quantiles(series[:3], 2)


def test_a_mixed_ensemble_combines_window_and_whole_history_quantiles():
    q = (0.1, 0.5, 0.9)
    series = _series()
    X, y = _windows()
    attention = AttentionForecaster(d_model=8, n_heads=2, n_layers=1, patch_len=6, max_epochs=2,
                                    loss="pinball", quantiles=q, random_state=0, n_jobs=1)
    ensemble = ForecastEnsemble([("attention", attention),
                                 ("naive", NaiveForecaster(quantiles=q))],
                                aggregate="mean").fit(X, y)
    fitted_attention, naive = ensemble.estimators_
    expected = (fitted_attention.predict_quantiles(series[None, -WINDOW:])[0]
                + naive.forecast_quantiles(series)) / 2
    np.testing.assert_allclose(ensemble.forecast_quantiles(series), expected, rtol=1e-12)
    # with a window member, the ensemble's rule holds: no quantiles beyond the horizon
    with pytest.raises(ValueError, match="exceeds the trained horizon"):
        ensemble.forecast_quantiles(series, HORIZON + 1)


def test_a_local_member_that_fails_is_named():
    X, y = _windows()
    ensemble = ForecastEnsemble([("naive", NaiveForecaster()),
                                 ("broken", _FailingNaive())]).fit(X, y)
    with pytest.raises(ValueError, match=r"^ForecastEnsemble.forecast: member 'broken' "
                                         r"\(_FailingNaive\): the library gave up"):
        ensemble.forecast(_series(), HORIZON)


def test_a_local_member_forecasting_nan_is_named_and_nothing_is_returned():
    X, y = _windows()
    ensemble = ForecastEnsemble([("naive", NaiveForecaster()), ("nan", _NaNNaive())],
                                aggregate="mean").fit(X, y)
    with pytest.raises(ValueError, match=r"^ForecastEnsemble.forecast: member 'nan' "
                                         r"\(_NaNNaive\) forecast NaN for step 1 \(of 6\) "
                                         r"from the whole history"):
        ensemble.forecast(_series(), HORIZON)
    # beside a window member, the same words (the recursion's named the last window)
    mixed = ForecastEnsemble([("attention", _small_attention()), ("nan", _NaNNaive())]).fit(X, y)
    with pytest.raises(ValueError, match=r"^ForecastEnsemble.forecast: member 'nan' "
                                         r"\(_NaNNaive\) forecast NaN for step 1 \(of 13\) "
                                         r"from the whole history"):
        mixed.forecast(_series(), 2 * HORIZON + 1)


class _InfNaive(NaiveForecaster):
    def forecast(self, history, steps, future_covariates=None):
        return np.full(steps, np.inf)


def test_a_median_is_robust_to_one_local_members_inf_and_a_mean_is_not():
    X, y = _windows()
    members = [("naive", NaiveForecaster()), ("seasonal", SeasonalNaiveForecaster(12)),
               ("inf", _InfNaive())]
    series = _series()
    median = ForecastEnsemble(members).fit(X, y).forecast(series, HORIZON)
    # the median of two finite values and an inf: the larger finite one
    np.testing.assert_array_equal(median, np.maximum(
        NaiveForecaster().fit(X, y).forecast(series, HORIZON),
        SeasonalNaiveForecaster(12).fit(X, y).forecast(series, HORIZON)))
    with pytest.raises(ValueError, match=r"member 'inf' \(_InfNaive\) forecast an infinity "
                                         r"for step 1 \(of 6\), from the whole history, and "
                                         r"the mean of the members is inf"):
        ForecastEnsemble(members, aggregate="mean").fit(X, y).forecast(series, HORIZON)


def test_bad_arguments_are_refused_before_any_local_member_fits():
    X, y = _windows()
    ensemble = ForecastEnsemble([("attention", _small_attention()),
                                 ("broken", _FailingNaive())]).fit(X, y)
    # the ensemble's own checks come first, not the member's failure
    with pytest.raises(ValueError, match="steps"):
        ensemble.forecast(_series(), 0)
    with pytest.raises(ValueError, match="future_covariates"):
        ensemble.forecast(_series(), HORIZON, future_covariates=np.zeros((HORIZON, 1)))


def test_a_local_members_warning_reaches_the_caller_once():
    X, y = _windows()
    ensemble = ForecastEnsemble([("naive", NaiveForecaster()), ("warns", _WarningNaive())],
                                aggregate="mean").fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ensemble.forecast(_series(), 3 * HORIZON)
    assert [str(w.message) for w in caught].count("a library warning") == 1


def test_backtest_scores_the_ensemble_of_baselines_as_their_combination():
    series = [_series(), _series()[:90] * 1.5]
    members = {"seasonal": SeasonalNaiveForecaster(12), "mean": _HistoryMean()}
    _, forecasts = backtest(
        {**members, "both": ForecastEnsemble(list(members.items()), aggregate="mean")},
        series, HORIZON, WINDOW, n_origins=2, return_forecasts=True, sort_by=None)
    np.testing.assert_allclose(forecasts["both"],
                               (forecasts["seasonal"] + forecasts["mean"]) / 2, rtol=1e-15)


def test_members_holding_a_local_model_forecast_from_the_whole_history_too():
    # review, session 27: an inner ensemble of baselines, a search over a baseline and a frozen
    # baseline are local members as well (the first two were given the last window)
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    series = _series()
    X, y = _windows()
    inner = ForecastEnsemble([("mean", _HistoryMean()), ("naive", NaiveForecaster())],
                             aggregate="mean").fit(X, y)
    search = GridSearchCV(SeasonalNaiveForecaster(), {"season_length": [4, 12]},
                          cv=TimeSeriesSplit(3)).fit(X, y)
    frozen = FrozenEstimator(_HistoryMean().fit(X, y))
    outer = ForecastEnsemble([("inner", inner), ("search", search), ("frozen", frozen)],
                             aggregate="mean").fit(X, y)
    for steps in (HORIZON, 2 * HORIZON + 1):
        expected = np.mean([inner.forecast(series, steps),
                            search.best_estimator_.forecast(series, steps),
                            np.full(steps, series.mean())], axis=0)
        np.testing.assert_allclose(outer.forecast(series, steps), expected, rtol=1e-12)


def test_a_pipeline_ending_in_a_baseline_reads_its_window():
    # make_pipeline(LastSteps(12), ...) is meant to read 12 values: a window member
    from sklearn.pipeline import make_pipeline
    from skattn import LastSteps

    series = _series()
    X, y = _windows()
    ensemble = ForecastEnsemble([("mean", _HistoryMean()),
                                 ("recent", make_pipeline(LastSteps(12), _HistoryMean()))],
                                aggregate="mean").fit(X, y)
    recent = ensemble.estimators_[1]
    expected = (series.mean() + recent.predict(series[None, -WINDOW:])[0]) / 2
    np.testing.assert_allclose(ensemble.forecast(series, HORIZON), expected, rtol=1e-12)


def test_an_ensemble_of_baselines_with_covariates_needs_no_future_covariates():
    # review, session 27: with every member local nothing is fed back, so no covariates of the
    # future steps are needed (they were demanded beyond the horizon), and given, each member
    # refuses them as alone
    series = _series()
    covariate = np.cos(np.arange(series.size))
    X, y = make_windows(series, WINDOW, HORIZON, covariates=covariate)
    ensemble = ForecastEnsemble([("naive", NaiveForecaster()),
                                 ("seasonal", SeasonalNaiveForecaster(12))]).fit(X, y)
    history = np.column_stack([series, covariate])
    steps = 2 * HORIZON + 1
    expected = np.median([member.forecast(history, steps) for member in ensemble.estimators_],
                         axis=0)
    np.testing.assert_array_equal(ensemble.forecast(history, steps), expected)
    with pytest.raises(ValueError, match=r"member 'naive' \(NaiveForecaster\): "
                                         r"NaiveForecaster uses no covariates"):
        ensemble.forecast(history, steps, future_covariates=np.zeros((steps, 1)))


def test_an_inner_ensemble_gets_the_future_covariates_its_window_members_read():
    series = _series()
    covariate = np.cos(np.arange(series.size))
    X, y = make_windows(series, WINDOW, HORIZON, covariates=covariate)
    inner = ForecastEnsemble([("attention", _small_attention()),
                              ("naive", NaiveForecaster())]).fit(X, y)
    outer = ForecastEnsemble([("inner", inner), ("seasonal", SeasonalNaiveForecaster(12))],
                             aggregate="mean").fit(X, y)
    history = np.column_stack([series, covariate])
    steps = 2 * HORIZON
    future = np.sin(np.arange(steps))[:, None]
    fitted_inner, seasonal = outer.estimators_
    expected = (fitted_inner.forecast(history, steps, future_covariates=future)
                + seasonal.forecast(history, steps)) / 2
    np.testing.assert_allclose(outer.forecast(history, steps, future_covariates=future),
                               expected, rtol=1e-12)


def test_an_ensemble_of_local_members_is_a_local_model_for_backtest():
    # scale trial, session 27: backtest forecast an ensemble of baselines one series after
    # another, where it spreads a baseline's over processes (n_jobs)
    from skattn.model_selection import is_local_model

    X, y = _windows()
    members = [("naive", NaiveForecaster()), ("mean", _HistoryMean())]
    assert not is_local_model(ForecastEnsemble(members))  # unfitted: nothing to say yet
    assert is_local_model(ForecastEnsemble(members).fit(X, y))
    assert not is_local_model(ForecastEnsemble(members + [("a", _small_attention())]).fit(X, y))
    # naive forecasts take microseconds: not worth a pool of processes (as for the baselines)
    assert ForecastEnsemble(members).fit(X, y)._needs_library is False


def test_backtest_forecasts_an_ensemble_of_baselines_alike_in_processes():
    pytest.importorskip("statsforecast")
    from skattn.baselines import ThetaForecaster

    series = [_series()[:96 + 6 * k] for k in range(4)]
    model = ForecastEnsemble([("theta", ThetaForecaster(12)), ("naive", NaiveForecaster())],
                             aggregate="mean")
    assert ForecastEnsemble(model.estimators).fit(*_windows())._needs_library
    _, serial = backtest({"e": model}, series, HORIZON, WINDOW, return_forecasts=True, n_jobs=1)
    _, pooled = backtest({"e": model}, series, HORIZON, WINDOW, return_forecasts=True, n_jobs=2)
    np.testing.assert_array_equal(pooled["e"], serial["e"])
