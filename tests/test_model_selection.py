"""backtest: the protocol, the table, and a proof that nothing after an origin reaches a model."""
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import AttentionForecaster, make_windows
from skattn.metrics import mase, smape
from skattn.model_selection import (TABLE_COLUMNS, OriginSplit, PredictForecaster, backtest,
                                    format_table)


class LastValueForecaster(RegressorMixin, BaseEstimator):
    """Repeats the last value of the history (a global-style model: learns nothing)."""

    def fit(self, X, y):
        self.horizon_ = 1 if np.ndim(y) == 1 else np.shape(y)[1]
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X)[:, -1:], self.horizon_, axis=1)

    def forecast(self, history, steps):
        return np.full(steps, np.asarray(history, dtype=float)[-1])


class SpyForecaster(RegressorMixin, BaseEstimator):
    """Records every value it is shown, in fit and in forecast."""

    seen = []  # class-level: survives clone()

    def __init__(self, local=False):
        self.local = local

    @property
    def local_model(self):
        return self.local

    def fit(self, X, y):
        SpyForecaster.seen.append(("fit", np.asarray(X).ravel().copy()))
        SpyForecaster.seen.append(("fit", np.asarray(y).ravel().copy()))
        return self

    def forecast(self, history, steps):
        SpyForecaster.seen.append(("forecast", np.asarray(history).copy()))
        return np.zeros(steps) + 1.0


def encoded_series(n_series=3, length=60):
    """Series i holds 1000 * (i + 1) + t at position t, so any value names its series and time."""
    return [1000.0 * (i + 1) + np.arange(length - 7 * i, dtype=float) for i in range(n_series)]


@pytest.mark.parametrize("local", [False, True])
def test_nothing_after_an_origin_reaches_any_model(local):
    series = encoded_series()
    horizon, n_origins, origin_step = 5, 3, 5
    SpyForecaster.seen.clear()
    _, forecasts = backtest({"spy": SpyForecaster(local=local)}, series, horizon=horizon, window=6,
                            n_origins=n_origins, origin_step=origin_step, return_forecasts=True,
                            n_jobs=1)
    origins = forecasts["__origins__"]  # (n_origins, n_series)
    assert origins[0].tolist() != origins[-1].tolist()
    # calls come in origin order: fit (X), fit (y), then one forecast per series
    per_origin = 2 + len(series)
    assert len(SpyForecaster.seen) == per_origin * n_origins
    for j in range(n_origins):
        for _, values in SpyForecaster.seen[j * per_origin:(j + 1) * per_origin]:
            series_index = (values // 1000).astype(int) - 1
            position = values % 1000
            assert np.all(position < origins[j, series_index]), (
                f"a model saw a value at or after its origin (origin {j})"
            )
    # the forecast of each series is made from its whole history up to the origin
    forecast_calls = [v for kind, v in SpyForecaster.seen if kind == "forecast"]
    assert forecast_calls[-1][-1] == series[-1][origins[-1, -1] - 1]
    # and the truth is exactly the values from each origin on
    truth = forecasts["__truth__"]
    for j in range(n_origins):
        for i, s in enumerate(series):
            np.testing.assert_array_equal(truth[j, i], s[origins[j, i]:origins[j, i] + horizon])


def test_table_metrics_match_the_metric_functions():
    rng = np.random.default_rng(0)
    series = [10 + np.cumsum(rng.normal(size=80)) for _ in range(4)]
    table, forecasts = backtest([LastValueForecaster()], series, horizon=6, window=12,
                                season_length=3, n_origins=2, return_forecasts=True)
    row = {column: table[column][0] for column in TABLE_COLUMNS}
    assert row["model"] == "LastValueForecaster"
    truth, pred = forecasts["__truth__"], forecasts["LastValueForecaster"]
    assert row["smape"] == pytest.approx(smape(truth, pred))
    origins = forecasts["__origins__"]
    expected_mase = np.mean([
        mase(truth[j, i], pred[j, i], series[i][:origins[j, i]], 3)
        for j in range(2) for i in range(4)
    ])
    assert row["mase"] == pytest.approx(expected_mase)
    # the last-value forecast really is the value just before each origin
    for j in range(2):
        for i in range(4):
            assert np.all(pred[j, i] == series[i][origins[j, i] - 1])


def test_backtest_trains_attention_and_sorts_by_smape():
    t = np.arange(150.0)
    series = [20 + 5 * np.sin(2 * np.pi * t / 12) + 0.1 * t + k for k in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        table = backtest(
            {"attention": AttentionForecaster(d_model=8, n_heads=2, max_epochs=5, random_state=0),
             "last": LastValueForecaster()},
            series, horizon=12, window=24, season_length=12,
        )
    assert list(table["model"]) == sorted(table["model"], key=lambda m: dict(zip(table["model"], table["smape"]))[m])
    assert set(table["model"]) == {"attention", "last"}
    assert all(v >= 0 for v in table["fit_seconds"])
    markdown = format_table(table)
    assert markdown.splitlines()[0].startswith("| model | smape | mase")


def test_single_series_and_duplicate_names():
    series = np.arange(50.0) + np.sin(np.arange(50.0))
    table = backtest([LastValueForecaster(), LastValueForecaster()], series, horizon=5, window=10)
    assert sorted(table["model"]) == ["LastValueForecaster", "LastValueForecaster_2"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(horizon=0), "horizon"),
        (dict(n_origins=0), "n_origins"),
        (dict(horizon=30, n_origins=2), "too short"),
        (dict(models=[]), "empty"),
        (dict(models=[object()]), "fit and forecast"),
        (dict(series=[np.arange(40.0), np.full(40, np.nan)]), "NaN"),
    ],
)
def test_backtest_bad_input(kwargs, match):
    arguments = dict(models=[LastValueForecaster()], series=[np.arange(40.0), np.arange(40.0)],
                     horizon=5, window=8)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        backtest(**arguments)


@pytest.mark.parametrize("n_origins, origin_step, step", [(1, None, 1), (3, None, 1), (2, 5, 1),
                                                          (2, None, 3)])
def test_origin_split_validates_at_each_origin_and_never_trains_on_its_targets(
        n_origins, origin_step, step):
    rng = np.random.default_rng(0)
    lengths = [60, 41, 75, 33]
    series = [rng.normal(size=n) for n in lengths]
    horizon, window = 6, 8
    X, y, index = make_windows(series, window, horizon, step=step, return_index=True)
    splits = list(OriginSplit(index, horizon, n_origins, origin_step).split(X, y))
    assert len(splits) == OriginSplit(index, horizon, n_origins, origin_step).get_n_splits()
    for back, (train, validation) in zip(range(n_origins - 1, -1, -1), splits):
        origins = np.array(lengths) - horizon - back * (origin_step or horizon)
        # each series' validation window starts its target at that series' origin ...
        number, start = index[validation, 0], index[validation, 1]
        np.testing.assert_array_equal(start, origins[number])
        if step == 1:
            assert sorted(number) == list(range(len(series)))
        # ... and its history is exactly the data before the origin
        for row in validation:
            s, first = index[row]
            np.testing.assert_array_equal(y[row], series[s][first:first + horizon])
        # no training target reaches an origin
        assert np.all(index[train, 1] + horizon <= origins[index[train, 0]])
        if step == 1:  # every window that fits before the origin is used
            expected = sum(max(0, o - horizon - window + 1) for o in origins)
            assert train.size == expected
        assert np.intersect1d(train, validation).size == 0


def test_origin_split_places_origins_by_complete_windows_when_some_run_past_the_end():
    rng = np.random.default_rng(0)
    series = [rng.normal(size=n) for n in (60, 41, 75)]
    X, y, index = make_windows(series, 8, 6, return_index=True)
    X1, y1, index1 = make_windows(series, 8, 6, min_target=1, return_index=True)
    complete = ~np.isnan(y1).any(axis=1)
    assert not complete.all()
    # the rows past the end change nothing: the same windows train and validate as without them
    # (make_windows puts the complete ones first, in the same order)
    plain = list(OriginSplit(index, 6, n_origins=2).split(X, y))
    with_past = list(OriginSplit(index1, 6, n_origins=2).split(X1, y1))
    for (train, validation), (train1, validation1) in zip(plain, with_past):
        np.testing.assert_array_equal(train1, train)
        np.testing.assert_array_equal(validation1, validation)
        assert complete[validation1].all()
    # without y the newest rows would set the origins, and validate on NaN targets
    _, validation = list(OriginSplit(index1, 6).split(X1))[0]
    assert np.isnan(y1[validation]).any()
    with pytest.raises(ValueError, match="y has 3 rows"):
        list(OriginSplit(index1, 6).split(X1, y1[:3]))


def test_origin_split_drives_a_search():
    from sklearn.model_selection import GridSearchCV

    from skattn.baselines import SeasonalNaiveForecaster

    rng = np.random.default_rng(1)
    series = [10 + np.sin(np.arange(80) * 2 * np.pi / 12) + rng.normal(0, 0.1, 80) for _ in range(3)]
    X, y, index = make_windows(series, 24, 6, return_index=True)
    search = GridSearchCV(SeasonalNaiveForecaster(), {"season_length": [5, 12]},
                          cv=OriginSplit(index, 6, n_origins=2),
                          scoring="neg_mean_absolute_error").fit(X, y)
    assert search.best_params_ == {"season_length": 12}


@pytest.mark.parametrize("kwargs, match", [
    (dict(index=np.zeros((3, 3))), "index must be"),
    (dict(horizon=0), "horizon must be"),
    (dict(n_origins=0), "n_origins must be"),
    (dict(origin_step=0), "origin_step must be"),
    (dict(n_origins=20), "leaves no"),
])
def test_origin_split_bad_input(kwargs, match):
    X, y, index = make_windows([np.arange(30.0), np.arange(40.0)], 5, 3, return_index=True)
    params = {"index": index, "horizon": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        list(OriginSplit(**params).split(X))


def test_origin_split_rejects_windows_it_does_not_describe():
    X, y, index = make_windows(np.arange(30.0), 5, 3, return_index=True)
    with pytest.raises(ValueError, match=r"built for 23 windows .* given 22 \(X has 22 rows\)"):
        list(OriginSplit(index, 3).split(X[:-1]))


def test_origin_split_refuses_an_index_that_is_not_whole_numbers():
    # a NaN cast to int became an arbitrary series number and moved the validation rows
    _, _, index = make_windows([np.arange(30.0), np.arange(25.0)], window=4, horizon=3,
                               return_index=True)
    as_float = index.astype(float)
    assert [v.tolist() for _, v in OriginSplit(as_float, 3).split()] == \
        [v.tolist() for _, v in OriginSplit(index, 3).split()]
    for bad in (np.nan, np.inf, 0.5, -1.0):
        broken = as_float.copy()
        broken[-1, 0] = bad
        with pytest.raises(ValueError, match="index must hold"):
            list(OriginSplit(broken, 3).split())


def test_origin_split_takes_any_series_numbers_without_a_table_as_long_as_them():
    # a series numbered 10**12 made split() allocate a table of 10**12 + 1 entries (7.3 TiB)
    _, _, index = make_windows([np.arange(30.0), np.arange(25.0), np.arange(28.0)], window=4,
                               horizon=3, return_index=True)
    renumbered = index.copy()
    renumbered[:, 0] = np.array([5, 10**12, 2**62])[index[:, 0]]  # the same order, far apart
    assert [(t.tolist(), v.tolist()) for t, v in OriginSplit(renumbered, 3, n_origins=2).split()] \
        == [(t.tolist(), v.tolist()) for t, v in OriginSplit(index, 3, n_origins=2).split()]


def test_backtest_takes_pipelines_and_searches():
    # a window regressor without forecast (a Pipeline, a GridSearchCV) forecasts by the package's
    # rule; a pipeline that keeps the whole window and a one-candidate search are the regressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline

    from skattn import LastSteps
    from skattn.model_selection import PredictForecaster

    t = np.arange(150)
    series = [10 + np.sin(2 * np.pi * t / 12) + 0.02 * t, 5 + np.cos(2 * np.pi * t / 12)]
    models = {"plain": PredictForecaster(Ridge()),
              "pipeline": make_pipeline(LastSteps(24), Ridge()),
              "search": GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=TimeSeriesSplit(2))}
    _, forecasts = backtest(models, series, horizon=6, window=24, n_origins=2,
                            return_forecasts=True)
    np.testing.assert_allclose(forecasts["pipeline"], forecasts["plain"], rtol=1e-12)
    np.testing.assert_allclose(forecasts["search"], forecasts["plain"], rtol=1e-12)
    # beyond the horizon, forecasts are fed back
    model = PredictForecaster(Ridge()).fit(*make_windows(series[0], 24, 6))
    assert model.forecast(series[0], 15).shape == (15,)


def test_wrong_types_are_value_errors_that_name_the_problem():
    from skattn.baselines import NaiveForecaster
    from skattn.model_selection import format_table

    series = 10 + np.sin(np.arange(60) / 3)
    with pytest.raises(ValueError, match="equal lengths"):
        format_table({"a": [1.0, 2.0], "b": [1.0]})
    for table in (None, [1, 2]):
        with pytest.raises(ValueError, match="must be a DataFrame or a dict"):
            format_table(table)
    with pytest.raises(ValueError, match="'NaiveForecaster' is a class; pass an instance"):
        backtest(NaiveForecaster, series, 6, 12)
    _, _, index = make_windows(series, 8, 2, return_index=True)
    with pytest.raises(ValueError, match="X must be the windows"):
        list(OriginSplit(index, 3).split(5))
    naive = NaiveForecaster().fit(np.zeros((2, 4)), np.zeros(2))
    assert naive.forecast(series, 3, future_covariates=None).shape == (3,)
    with pytest.raises(ValueError, match="uses no covariates"):
        naive.forecast(series, 3, future_covariates=np.zeros((3, 1)))


def test_backtest_errors_name_the_series_and_the_problem():
    from skattn.baselines import NaiveForecaster

    series = 10 + np.sin(np.arange(60) / 3)
    with pytest.raises(ValueError, match=r"MASE is undefined for 1 of the 1 series \(series 0\)"
                       r".*no forecast can be scored by MASE"):
        backtest(NaiveForecaster(), np.full(40, 5.0), 6, 12)
    tiny = np.zeros(40)
    tiny[20] = 5e-324  # the scale, a mean of one such difference in 33, underflows to 0
    with pytest.raises(ValueError, match="series 1, origin 34: the seasonal-naive scale is "
                       "below float64's smallest positive value"):
        backtest(NaiveForecaster(), [series, tiny], 6, 12)

    class NaNForecaster(NaiveForecaster):
        def forecast(self, history, steps, future_covariates=None):
            return np.full(steps, np.nan)

    with pytest.raises(ValueError, match="holds NaN or infinity"):
        backtest(NaNForecaster(), series, 6, 12)


# ------------------------------------------------------------------------------------------
# PredictForecaster is a scikit-learn regressor
# ------------------------------------------------------------------------------------------
def _predict_forecasters():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from skattn import LastSteps
    from skattn.model_selection import PredictForecaster

    return [PredictForecaster(Ridge()), PredictForecaster(make_pipeline(LastSteps(), Ridge()))]


@parametrize_with_checks(_predict_forecasters())
def test_predict_forecaster_passes_sklearn_estimator_checks(estimator, check):
    # check_estimators_unfitted and check_estimator_sparse_tag failed
    check(estimator)


def test_predict_forecaster_before_fit_is_a_not_fitted_error():
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import Ridge

    from skattn.model_selection import PredictForecaster

    series = 10 + np.sin(np.arange(60) / 3)
    X, _ = make_windows(series, 12, 3)
    with pytest.raises(NotFittedError):
        PredictForecaster(Ridge()).predict(X)
    with pytest.raises(NotFittedError):
        PredictForecaster(Ridge()).forecast(series, 3)


def test_predict_forecaster_scores_like_the_package_regressors():
    # it had no score: a search or cross_val_score without scoring= raised a TypeError
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from sklearn.model_selection import TimeSeriesSplit, cross_val_score

    from skattn.model_selection import PredictForecaster

    series = 10 + np.sin(np.arange(90) / 3) + 0.02 * np.arange(90)
    X, y = make_windows(series, 12, 3)
    np.testing.assert_array_equal(
        cross_val_score(PredictForecaster(Ridge()), X, y, cv=TimeSeriesSplit(3)),
        cross_val_score(Ridge(), X, y, cv=TimeSeriesSplit(3)))
    # missing targets are left out: each step scored on the rows where it was observed
    model = PredictForecaster(Ridge()).fit(X, y)
    predictions = model.predict(X)
    missing = y.copy()
    missing[-5:, 2] = np.nan
    expected = np.mean([r2_score(y[:, 0], predictions[:, 0]), r2_score(y[:, 1], predictions[:, 1]),
                        r2_score(y[:-5, 2], predictions[:-5, 2])])
    assert model.score(X, missing) == pytest.approx(expected)


def test_predict_forecaster_fitted_on_a_dataframe_forecasts_without_warnings():
    # without feature_names_in_ its windows reached the estimator as arrays: a warning a round
    import warnings

    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import Ridge

    from skattn.model_selection import PredictForecaster

    series = 10 + np.sin(np.arange(90) / 3) + 0.02 * np.arange(90)
    X, y = make_windows(series, 12, 3)
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(12)])
    model = PredictForecaster(Ridge()).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names"
        forecast = model.forecast(series, 10)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    # equal to rounding: pandas 3 stores a frame by columns, and Ridge's BLAS then sums in
    # another order (1.8e-15 apart; pandas 3 trial, session 34)
    np.testing.assert_allclose(forecast,
                               PredictForecaster(Ridge()).fit(X, y).forecast(series, 10),
                               rtol=1e-12)
    assert not hasattr(PredictForecaster(Ridge()).fit(X, y), "feature_names_in_")


class DuckWindowRegressor:
    """fit and predict on windows, no scikit-learn base class (so no tags): the last value."""

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.horizon_ = np.shape(y)[1]
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X)[:, -1:], self.horizon_, axis=1)


def test_predict_forecaster_still_wraps_a_regressor_without_scikit_learn_tags():
    # its tags follow the estimator's; one that declares none must keep working, as backtest
    # wraps any model with fit and predict
    from skattn.model_selection import PredictForecaster

    series = 10 + np.sin(np.arange(60) / 3)
    model = PredictForecaster(DuckWindowRegressor()).fit(*make_windows(series, 12, 3))
    np.testing.assert_array_equal(model.forecast(series, 4), np.full(4, series[-1]))
    table = backtest({"duck": DuckWindowRegressor(), "last": LastValueForecaster()}, series, 3, 12)
    assert table["smape"][0] == table["smape"][1]


def test_seasonal_adjustment_wraps_a_regressor_without_scikit_learn_tags():
    # its parameter check asks for fit and predict only, but its tags called get_tags on the
    # forecaster: fit and cross_val_score raised an AttributeError (sklearn-conventions review,
    # session 19)
    from sklearn.model_selection import cross_val_score

    from skattn import DeseasonalizedForecaster

    series = 10 + np.sin(np.arange(96) * np.pi / 6) + np.arange(96) * 0.01
    X, y = make_windows(series, 36, 3)
    model = DeseasonalizedForecaster(DuckWindowRegressor(), season_length=12).fit(X, y)
    assert model.predict(X[-2:]).shape == (2, 3)
    assert np.all(np.isfinite(cross_val_score(DeseasonalizedForecaster(DuckWindowRegressor(),
                                                                       season_length=12), X, y,
                                              cv=2)))


# ------------------------------------------------------------------------------------------
# OriginSplit refuses targets of another horizon
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("split_horizon", [3, 8])
def test_origin_split_refuses_targets_of_another_horizon(split_horizon):
    # windows for horizon 6 split as horizon 3 trained on rows whose targets reached the
    # validation values
    X, y, index = make_windows(10 + np.sin(np.arange(80) / 3), 12, 6, return_index=True)
    with pytest.raises(ValueError, match=rf"y has 6 values per window but OriginSplit has "
                                         rf"horizon={split_horizon}"):
        list(OriginSplit(index, split_horizon).split(X, y))
    assert len(list(OriginSplit(index, 6).split(X, y))) == 1


@pytest.mark.parametrize("split_horizon", [2, 6])
def test_origin_split_refuses_a_1d_y_unless_its_horizon_is_1(split_horizon):
    # a 1-D y (make_windows' targets of horizon 1) passed unchecked to a splitter of another
    # horizon, while a 2-D y of the wrong width was refused
    series = [10 + np.sin(np.arange(80) / 3), 5 + np.cos(np.arange(60) / 4)]
    X, y, index = make_windows(series, 12, 1, return_index=True)
    assert y.ndim == 1
    with pytest.raises(ValueError, match=rf"y is 1-D .* but OriginSplit has "
                                         rf"horizon={split_horizon}"):
        list(OriginSplit(index, split_horizon).split(X, y))
    # the first target value of windows made for another horizon is refused the same way
    X6, y6, index6 = make_windows(series, 12, 6, return_index=True)
    with pytest.raises(ValueError, match=r"y is 1-D .* but OriginSplit has horizon=6"):
        list(OriginSplit(index6, 6).split(X6, y6[:, 0]))
    # and so a search given such a y fails instead of scoring folds of another horizon
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=OriginSplit(index, split_horizon))
    with pytest.raises(ValueError, match=rf"horizon={split_horizon}"):
        search.fit(X, y)


def test_origin_split_of_horizon_1_takes_a_1d_y_as_before():
    series = [10 + np.sin(np.arange(80) / 3), 5 + np.cos(np.arange(60) / 4)]
    X, y, index = make_windows(series, 12, 1, return_index=True)
    splitter = OriginSplit(index, 1, n_origins=3)
    as_lists = [[(t.tolist(), v.tolist()) for t, v in splits] for splits in (
        splitter.split(X, y), splitter.split(X, y[:, None]), splitter.split(X))]
    assert as_lists[0] == as_lists[1] == as_lists[2]
    assert len(as_lists[0]) == 3


# ------------------------------------------------------------------------------------------
# backtest names the model whose fit failed
# ------------------------------------------------------------------------------------------
class FailingFit(RegressorMixin, BaseEstimator):
    """A window model whose fit raises ``make_error()`` (a factory: clone deep-copies parameters,
    which an exception whose constructor takes other arguments does not survive)."""

    def __init__(self, make_error=None):
        self.make_error = make_error

    def fit(self, X, y):
        raise self.make_error()

    def forecast(self, history, steps):
        return np.zeros(steps)


class ErrorWithCode(Exception):
    """An exception whose constructor needs more than a message."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def test_backtest_names_the_model_whose_fit_failed():
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import Ridge

    series = 10 + np.sin(np.arange(60) / 3)
    # Ridge refuses the NaN targets of windows past the end of the training values
    with pytest.raises(ValueError, match=r"^model 'my_ridge': .*NaN") as raised:
        backtest({"my_ridge": Ridge(), "last": LastValueForecaster()}, series, 6, 12, min_target=1)
    assert "NaN" in str(raised.value.__cause__)
    # the type is kept (scikit-learn's own too) and the original chained
    for error_type, message in ((KeyError, "lag3"), (NotFittedError, "not ready"),
                                (TypeError, "bad y")):
        with pytest.raises(error_type, match=f"model 'broken': '?{message}") as raised:
            backtest({"broken": FailingFit(lambda: error_type(message))}, series, 6, 12)
        assert type(raised.value.__cause__) is error_type
        assert raised.value.__cause__.args == (message,)
    # a type that cannot be made from a message alone becomes a ValueError, chained
    with pytest.raises(ValueError, match="^model 'broken': disk full$") as raised:
        backtest({"broken": FailingFit(lambda: ErrorWithCode("disk full", code=28))}, series, 6,
                 12)
    assert isinstance(raised.value.__cause__, ErrorWithCode)
    assert raised.value.__cause__.code == 28


class FailingForecast(LastValueForecaster):
    """Fits, then refuses to forecast (a model whose forecast needs what the history lacks)."""

    def forecast(self, history, steps):
        raise ValueError("history too short for lag 24")


def test_backtest_names_the_model_whose_forecast_failed():
    series = 10 + np.sin(np.arange(60) / 3)
    with pytest.raises(ValueError, match="^model 'lagged': history too short") as raised:
        backtest({"last": LastValueForecaster(), "lagged": FailingForecast()}, series, 6, 12)
    assert str(raised.value.__cause__) == "history too short for lag 24"


@pytest.mark.parametrize("bad_y", ["three_d", "scalar"])
def test_origin_split_refuses_a_y_that_is_neither_1d_nor_2d(bad_y):
    # a 3-D y skipped the width check (the leakage the 2-D check prevents) and a scalar y
    # failed with an IndexError
    series = [10 + np.sin(np.arange(80) / 3), 5 + np.cos(np.arange(60) / 4)]
    X, y, index = make_windows(series, 12, 6, return_index=True)
    y = y[:, :, None] if bad_y == "three_d" else 3.0
    with pytest.raises(ValueError, match=r"y must be 1-D \(horizon 1\) or 2-D"):
        list(OriginSplit(index, 2).split(X, y))


def test_an_origin_split_refitted_by_backtest_on_other_windows_says_what_to_do():
    # backtest refits a search at each origin on that origin's windows, which the OriginSplit
    # built on the full data does not describe: the error said only "X has 133 rows but index
    # describes 169 windows"
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(0)
    series = [rng.normal(100, 5, n) for n in (80, 70, 60)]
    _, _, index = make_windows([s[:-6] for s in series], 12, 6, return_index=True)
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=OriginSplit(index, 6, n_origins=2))
    with pytest.raises(ValueError, match=r"^model 'search': OriginSplit was built for "
                       rf"{len(index)} windows .* but split was given \d+ \(X has \d+ rows\): "
                       r".*Inside backtest.*TimeSeriesSplit.*search\.best_estimator_"):
        backtest({"search": search}, series, horizon=6, window=12, n_origins=2)
    # the same for a y of other windows
    X, y, index = make_windows(series, 12, 6, return_index=True)
    with pytest.raises(ValueError, match=rf"built for {len(index)} windows .* given 5 "
                       r"\(y has 5 rows\)"):
        list(OriginSplit(index, 6).split(None, y[:5]))


@pytest.mark.parametrize("step, origin_step, named", [
    (5, None, r"origin_step=12 \(the horizon, as origin_step is None\) is not a multiple of "
              r"the windows' step=5"),
    (4, 6, r"origin_step=6 is not a multiple of the windows' step=4"),
])
def test_origin_split_names_a_step_that_skips_the_origins(step, origin_step, named):
    # with make_windows(step=5) no window starts at an origin 12 values back; the error blamed
    # the number of origins and the window ("use fewer origins or a shorter window")
    series = [np.arange(120.0), np.arange(40.0)]
    X, y, index = make_windows(series, window=24, horizon=12, step=step, return_index=True)
    with pytest.raises(ValueError, match=named + r".*step=1 always does") as raised:
        list(OriginSplit(index, 12, n_origins=2, origin_step=origin_step).split(X, y))
    assert "fewer origins" not in str(raised.value)
    # an origin_step that is a multiple of step splits, and too many origins keep their message
    splits = list(OriginSplit(index, 12, n_origins=2, origin_step=3 * step).split(X, y))
    starts = [index[v][index[v, 0] == 0, 1].tolist() for _, v in splits]  # of series 0
    assert starts == [[108 - 3 * step], [108]]
    with pytest.raises(ValueError, match="use fewer origins"):
        list(OriginSplit(index, 12, n_origins=50, origin_step=step).split(X, y))


class SleepyLocalForecaster(RegressorMixin, BaseEstimator):
    """A local model whose every forecast takes ``seconds``."""

    local_model = True

    def __init__(self, seconds=0.01):
        self.seconds = seconds

    def fit(self, X, y):
        return self

    def forecast(self, history, steps):
        import time

        time.sleep(self.seconds)
        return np.full(steps, np.asarray(history, dtype=float)[-1])


def test_predict_seconds_leave_out_the_start_up_of_the_worker_pool():
    # the wall time around Parallel charged the start-up of joblib's workers (~1.5 s: each
    # imports skattn) to the first local model of a run, 150x the time of a naive forecast;
    # a backend that takes 1 s to start stands for it here, without processes
    import time

    from joblib import parallel_config, register_parallel_backend
    from joblib._parallel_backends import ThreadingBackend

    class SlowStart(ThreadingBackend):
        def configure(self, n_jobs=1, parallel=None, **backend_kwargs):
            time.sleep(1.0)
            return super().configure(n_jobs=n_jobs, parallel=parallel, **backend_kwargs)

    register_parallel_backend("skattn_test_slow_start", SlowStart)
    series = [10.0 + np.arange(n) for n in (30, 35, 40)]
    arguments = dict(horizon=3, window=6, n_origins=2, return_forecasts=True)
    with parallel_config(backend="skattn_test_slow_start"):
        table, forecasts = backtest({"sleepy": SleepyLocalForecaster(0.01)}, series, n_jobs=2,
                                    **arguments)
    # each of the 3 series x 2 origins forecasts is counted, the pool's 2 x 1 s are not
    assert 6 * 0.01 <= table["predict_seconds"][0] < 0.5
    # the forecasts are those made without workers
    _, alone = backtest({"sleepy": SleepyLocalForecaster(0.0)}, series, **arguments)
    np.testing.assert_array_equal(forecasts["sleepy"], alone["sleepy"])


class WarningLocalForecaster(LastValueForecaster):
    """A local model that warns at every forecast, naming the history's last value."""

    local_model = True

    def forecast(self, history, steps):
        warnings.warn(f"forecast from {np.asarray(history)[-1]:g}", UserWarning)
        return super().forecast(history, steps)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_warnings_of_forecasts_made_in_worker_processes_reach_the_caller(n_jobs):
    # with n_jobs=2 the local models forecast in joblib's worker processes, whose warnings
    # (e.g. a baseline's BaselineFallbackWarning) were printed there and lost to the caller
    series = [100.0 * (i + 1) + np.arange(30.0) for i in range(3)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest({"warns": WarningLocalForecaster()}, series, window=6, horizon=3, n_origins=2,
                 n_jobs=n_jobs)
    texts = sorted(str(w.message) for w in caught if w.category is UserWarning)
    # each series' forecast at each origin: the histories end at 23 + 100 (i + 1) and 26 + ...
    assert texts == sorted(f"forecast from {100 * (i + 1) + end:g}"
                           for i in range(3) for end in (23, 26))
    # the caller's filters decide: ignored, nothing; an error filter raises the category
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        backtest({"warns": WarningLocalForecaster()}, series, window=6, horizon=3, n_jobs=n_jobs)
    assert not caught
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="forecast from"):
            backtest({"warns": WarningLocalForecaster()}, series, window=6, horizon=3,
                     n_jobs=n_jobs)


class ClockedForecaster(LastValueForecaster):
    """Advances a fake clock by the next of ``fit_durations`` at each fit (of any clone), and
    by ``forecast_duration`` at each forecast."""

    # class-level: shared by the clones backtest makes, and read by the fake time module
    state = {"clock": 0.0, "fits": 0}

    def __init__(self, fit_durations=(1.0,), forecast_duration=0.0):
        self.fit_durations = fit_durations
        self.forecast_duration = forecast_duration

    def fit(self, X, y):
        self.state["clock"] += self.fit_durations[self.state["fits"]]
        self.state["fits"] += 1
        return super().fit(X, y)

    def forecast(self, history, steps):
        self.state["clock"] += self.forecast_duration
        return super().forecast(history, steps)


def test_verbose_prints_each_origins_own_times_and_labels_the_totals(monkeypatch, capsys):
    # the line of each origin printed the totals over the origins so far as if they were that
    # origin's times (fit 1, 3, 7 s for fits of 1, 2, 4 s)
    import types

    from skattn import model_selection

    ClockedForecaster.state.update(clock=0.0, fits=0)
    fake_time = types.SimpleNamespace(perf_counter=lambda: ClockedForecaster.state["clock"])
    monkeypatch.setattr(model_selection, "time", fake_time)
    model = ClockedForecaster(fit_durations=(1.0, 2.0, 4.0), forecast_duration=0.25)
    table = backtest({"clocked": model}, 10.0 + np.arange(40.0), horizon=3, window=6,
                     n_origins=3, verbose=1)
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("[backtest]")]
    assert lines == [
        f"[backtest] clocked: origin {j + 1}/3, 1 series, fit {fit:.2f} s, predict 0.25 s "
        f"(total so far: fit {total:.2f} s, predict {0.25 * (j + 1):.2f} s)"
        for j, (fit, total) in enumerate([(1.0, 1.0), (2.0, 3.0), (4.0, 7.0)])
    ]
    # the table's totals are unchanged
    assert table["fit_seconds"][0] == 7.0
    assert table["predict_seconds"][0] == 0.75


def test_origin_split_repr_shows_its_parameters():
    # it was <skattn.model_selection.OriginSplit object at 0x...>, also as a search's cv=
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV

    X, y, index = make_windows([np.arange(20.0), np.arange(15.0)], window=4, horizon=3,
                               return_index=True)
    splitter = OriginSplit(index, 3, n_origins=2, origin_step=1)
    expected = ("OriginSplit(index=<23 windows of 2 series>, horizon=3, n_origins=2, "
                "origin_step=1)")
    assert repr(splitter) == expected
    assert f"cv={expected}" in repr(GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=splitter))
    # the index has a row per window: thousands of windows are summarised, not printed
    _, _, long_index = make_windows([np.arange(3000.0)] * 3, window=24, horizon=12,
                                    return_index=True)
    assert repr(OriginSplit(long_index, 12)) == ("OriginSplit(index=<8895 windows of 3 series>, "
                                                 "horizon=12, n_origins=1, origin_step=None)")


@pytest.mark.parametrize("index, shown", [
    (None, "None"),
    ([[0, 5]], "<1 window of 1 series>"),
    (np.zeros((3, 3)), "<ndarray of shape (3, 3)>"),
    ([[0, 1], [2]], "<list>"),  # ragged: no array at all
])
def test_origin_split_repr_of_an_unchecked_index_does_not_fail(index, shown):
    # the index is checked when splitting; its repr (as in an error report) must not fail first
    assert repr(OriginSplit(index, 3)) == (
        f"OriginSplit(index={shown}, horizon=3, n_origins=1, origin_step=None)")


class FailingOnALevel(WarningLocalForecaster):
    """Warns at every forecast, and fails on a series above 1000."""

    def forecast(self, history, steps):
        forecast = super().forecast(history, steps)
        if np.asarray(history)[-1] > 1000:
            raise RuntimeError("cannot forecast this series")
        return forecast


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_failed_forecast_in_a_worker_keeps_every_warning_before_its_error(n_jobs):
    # joblib stops collecting at the first exception: the warnings recorded in the workers
    # (of the failing series and of all the others) were all lost (session 17's review)
    series = [100.0 * (i + 1) + np.arange(30.0) for i in range(3)] + [5000.0 + np.arange(30.0)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="model 'fails': cannot forecast this series"):
            backtest({"fails": FailingOnALevel()}, series, window=6, horizon=3, n_jobs=n_jobs)
    texts = sorted(str(w.message) for w in caught if w.category is UserWarning)
    # n_jobs=1 stops at the failing (last) series; in workers every series has run
    assert texts == sorted(f"forecast from {level + 26:g}" for level in (100, 200, 300, 5000))


def test_format_table_writes_huge_values_in_exponent_notation():
    # a fixed-point cell of 1e300 was 300 digits long (a diverged model in compare's table)
    table = {"model": ["a", "b", "c", "d", "e"],
             "mase": [2.5e300, -1.25e12, 9.9e9, float("inf"), 9999999999.9996]}
    cells = [line.split(" | ")[1].rstrip(" |") for line in format_table(table).splitlines()[2:]]
    assert cells == ["2.500e+300", "-1.250e+12", "9900000000.000", "inf", "1.000e+10"]
    # other formats are left as given
    assert "2.5e+300" in format_table(table, floatfmt="g")


# ------------------------------------------------------------------------------------------
# PredictForecaster passes fit parameters (sample_weight) on, and routes them
# ------------------------------------------------------------------------------------------
def weighted_windows():
    rng = np.random.default_rng(11)
    series = 10 + np.sin(np.arange(80) / 3) + rng.normal(0.0, 0.3, size=80)
    X, y = make_windows(series, 12, 3)
    return X, y, rng.uniform(0.0, 3.0, size=len(y))


def test_predict_forecaster_passes_fit_params_to_its_estimator():
    # fit(X, y, sample_weight=w) was a TypeError (fit took X and y only), so backtest's wrapper
    # and a search over it could not weight the windows
    from sklearn.linear_model import Ridge

    from skattn.model_selection import PredictForecaster

    X, y, weights = weighted_windows()
    model = PredictForecaster(Ridge()).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(model.estimator_.coef_,
                                  Ridge().fit(X, y, sample_weight=weights).coef_)
    assert not np.allclose(model.estimator_.coef_, Ridge().fit(X, y).coef_)


def test_predict_forecaster_routes_fit_params_with_metadata_routing():
    # with routing enabled it was no router (get_metadata_routing listed no estimator), and its
    # fit took no metadata to route
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.linear_model import Ridge
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.utils.metadata_routing import MetadataRouter

    from skattn.model_selection import PredictForecaster

    X, y, weights = weighted_windows()
    with sklearn.config_context(enable_metadata_routing=True):
        requesting = PredictForecaster(Ridge().set_fit_request(sample_weight=True))
        routing = requesting.get_metadata_routing()
        assert isinstance(routing, MetadataRouter)
        assert routing.consumes("fit", ["sample_weight"]) == {"sample_weight"}
        model = requesting.fit(X, y, sample_weight=weights)
        np.testing.assert_array_equal(model.estimator_.coef_,
                                      Ridge().fit(X, y, sample_weight=weights).coef_)
        # an estimator that did not request them: scikit-learn's error, nothing fitted
        unrequested = PredictForecaster(Ridge())
        with pytest.raises(UnsetMetadataPassedError, match=r"Ridge.set_fit_request"):
            unrequested.fit(X, y, sample_weight=weights)
        assert not hasattr(unrequested, "estimator_")
        # through a search, to the estimator inside
        cv = TimeSeriesSplit(n_splits=2)
        scoring = get_scorer("neg_mean_absolute_error").set_score_request(sample_weight=False)
        search = GridSearchCV(requesting, {"estimator__alpha": [1.0]}, cv=cv,
                              scoring=scoring).fit(X, y, sample_weight=weights)
        np.testing.assert_array_equal(search.best_estimator_.estimator_.coef_,
                                      Ridge().fit(X, y, sample_weight=weights).coef_)


class _Constant(RegressorMixin, BaseEstimator):
    """Forecasts one value for every step."""

    def __init__(self, value=0.0):
        self.value = value

    def fit(self, X, y):
        self.n_outputs_ = 1 if np.ndim(y) == 1 else np.shape(y)[1]
        return self

    def predict(self, X):
        return np.full((len(X), self.n_outputs_), self.value)


def test_sort_by_and_a_warning_where_smape_misleads():
    # net load with solar: backtest always sorted by sMAPE, and seasonal naive came first with
    # 1.7 times attention's MAE, decided by the one series crossing zero; nothing said so (user
    # trial, session 18)
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.exceptions import MetricWarning

    t = np.arange(96)
    crossing = 2 * np.sin(2 * np.pi * t / 12) + 0.1 * t - 4  # from negative to positive
    models = {"naive": NaiveForecaster(), "snaive": SeasonalNaiveForecaster(season_length=12)}
    with pytest.warns(MetricWarning, match=r"of the 12 test values are 0, forecast as 0, or of "
                                           r"the other sign than a model's forecast of them"):
        by_smape = backtest(models, crossing - 5, 12, 24, season_length=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricWarning)  # sorted by MASE: nothing misranked
        by_mase = backtest(models, crossing - 5, 12, 24, season_length=12, sort_by="mase")
        # below zero throughout, forecasts too: sMAPE is as meaningful as for positive values
        # (with a trend: a pure computed sine repeats to rounding, and has no MASE since
        # session 32)
        backtest(models, -50 - 5 * np.sin(2 * np.pi * t / 12) - 0.1 * t, 12, 24,
                 season_length=12)
    assert list(by_mase["mase"]) == sorted(by_mase["mase"])
    assert list(by_smape["smape"]) == sorted(by_smape["smape"])
    given = backtest({"snaive": models["snaive"], "naive": models["naive"]}, crossing + 10, 12,
                     24, season_length=12, sort_by=None)
    assert list(given["model"]) == ["snaive", "naive"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricWarning)  # positive values: no warning
        backtest(models, crossing + 10, 12, 24, season_length=12)
    # a model forecasting exactly 0 for small positive values scores 200 however close: it
    # ranked below one forecasting 1.0, silently (second review, session 18)
    zero = {"zero": PredictForecaster(_Constant(0.0)), "one": PredictForecaster(_Constant(1.0))}
    with pytest.warns(MetricWarning, match="forecast as 0"):
        backtest(zero, 0.015 + 0.001 * np.sin(t), 12, 24)
    for bad in ("MASE", "model", 1):
        with pytest.raises(ValueError, match="sort_by must be one of 'smape', 'mase', 'mae', "
                                             "'rmse' or None"):
            backtest(models, crossing + 10, 12, 24, sort_by=bad)


def test_backtest_with_covariates_is_the_loop_written_by_hand():
    # backtest took no covariates: a temperature-driven model could not be compared with the
    # baselines by the package's own evaluation (user trial, session 18)
    from skattn.baselines import NaiveForecaster

    rng = np.random.default_rng(0)
    drivers = [rng.normal(size=n) for n in (120, 100)]
    targets = [10 + np.convolve(d, [0.0, 1.0, 0.5], mode="full")[:d.size]
               + 0.05 * rng.normal(size=d.size) for d in drivers]
    model = AttentionForecaster(d_model=8, n_heads=2, max_epochs=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        table, forecasts = backtest({"att": model, "naive": NaiveForecaster()}, targets, 2, 8,
                                    n_origins=2, covariates=drivers, return_forecasts=True)
        for j, back in enumerate((4, 2)):  # origins, earliest first
            X, y = make_windows([t[:-back] for t in targets], 8, 2,
                                covariates=[d[:-back] for d in drivers])
            fitted = AttentionForecaster(d_model=8, n_heads=2, max_epochs=3,
                                         random_state=0).fit(X, y)
            for i, (target, driver) in enumerate(zip(targets, drivers)):
                history = np.column_stack([target[:-back], driver[:-back]])
                np.testing.assert_array_equal(forecasts["att"][j, i], fitted.forecast(history, 2))
                np.testing.assert_array_equal(forecasts["naive"][j, i], target[-back - 1])
    with pytest.raises(ValueError, match="covariates must give one array per series: 1 arrays "
                                         "for 2 series"):
        backtest(NaiveForecaster(), targets, 2, 8, covariates=[drivers[0]])
    with pytest.raises(ValueError, match=r"covariates\[1\] must have shape \(n_timesteps,\) or "
                                         r"\(n_timesteps, n_covariates\) with n_timesteps=100"):
        backtest(NaiveForecaster(), targets, 2, 8, covariates=[drivers[0], drivers[0]])


@pytest.mark.parametrize("seed", range(4))
def test_the_gap_advised_for_panels_keeps_validation_targets_out_of_training(seed):
    # the advice was TimeSeriesSplit(gap=horizon - 1), right for one series; on a panel
    # make_windows puts up to n_series windows at each step back next to each other, and 24-42%
    # of the validation windows shared targets with training windows of their series (user
    # trial, session 18). gap=horizon * n_series - 1 leaves none, ragged lengths included.
    from sklearn.model_selection import TimeSeriesSplit

    rng = np.random.default_rng(seed)
    n_series, horizon, window = int(rng.integers(2, 20)), int(rng.integers(2, 10)), 12
    series = [rng.normal(size=int(n)) for n in rng.integers(horizon + 2, 150, size=n_series)]
    X, _, index = make_windows(series, window, horizon, return_index=True)

    def shared(gap):
        count = 0
        for train, test in TimeSeriesSplit(3, gap=gap).split(X):
            for row in test:
                same = index[train, 0] == index[row, 0]
                count += bool(np.any(np.abs(index[train][same, 1] - index[row, 1]) < horizon))
        return count

    assert shared(horizon * n_series - 1) == 0
    assert shared(horizon - 1) > 0


def test_series_too_short_for_the_origins_are_all_named_with_the_length_needed():
    # one short series refused a panel of 60, and the others had to be found one error at a
    # time (user trial, session 18)
    from skattn.baselines import NaiveForecaster

    series = [np.arange(100.0), np.arange(20.0), np.arange(60.0), np.arange(30.0)]
    with pytest.raises(ValueError, match=r"series\[1\] has 20 values: too short for 3 origin"
                                         r".*; 2 of the 4 series have fewer than 49 values "
                                         r"\(series 1, 3\): leave them out, e.g. keep = \[i "
                                         r"for i, s in enumerate\(series\) if len\(s\) >= 49\]"):
        backtest(NaiveForecaster(), series, 12, 12, season_length=12, n_origins=3)
    with pytest.raises(ValueError, match=r"^series has 20 values: too short .*; it needs at "
                                         r"least 49: use fewer origins or a shorter horizon$"):
        backtest(NaiveForecaster(), series[1], 12, 12, season_length=12, n_origins=3)
    # 49 values are enough: 36 before the earliest origin, one more than a season
    backtest(NaiveForecaster(), [s for s in series if len(s) >= 49], 12, 12, season_length=12,
             n_origins=3)


def test_backtest_leaves_flat_histories_out_of_the_mase_only():
    # a discontinued product (constant) stopped the backtest of a whole panel; its MASE is
    # undefined (scale 0) but its sMAPE, MAE and RMSE are not
    from skattn.baselines import NaiveForecaster
    from skattn.exceptions import MetricWarning
    from skattn.metrics import mae, mase, smape

    rng = np.random.default_rng(0)
    series = [10 + np.sin(np.arange(60) / 3) + rng.normal(size=60), np.full(40, 5.0),
              np.r_[np.full(34, 2.0), rng.normal(size=12)]]  # flat before the first origin only
    with pytest.warns(MetricWarning, match=r"MASE is undefined for 2 of the 3 series at 2 of 2 "
                      r"origins \(series 1, 2\).*the mase column is the mean over the other 3 "
                      r"forecasts, while smape, mae and rmse count every series"):
        table, forecasts = backtest(NaiveForecaster(), series, 6, 12, n_origins=2,
                                    return_forecasts=True)
    truth, predicted = forecasts["__truth__"], forecasts["NaiveForecaster"]
    origins = forecasts["__origins__"]
    defined = [(j, i) for j in range(2) for i in range(3) if (i, j) not in ((1, 0), (1, 1), (2, 0))]
    assert len(defined) == 3  # series 0 at both origins, series 2 at the second
    expected_mase = np.mean([mase(truth[j, i], predicted[j, i], series[i][:origins[j, i]])
                             for j, i in defined])
    assert list(table["mase"]) == [pytest.approx(expected_mase, rel=1e-12)]
    assert list(table["smape"]) == [pytest.approx(smape(truth, predicted), rel=1e-12)]
    assert list(table["mae"]) == [pytest.approx(mae(truth, predicted), rel=1e-12)]


def test_a_fitted_search_forecasts_frozen_without_training_again():
    # a tuned Pipeline/GridSearchCV has no forecast, and PredictForecaster clones it: the
    # retail trial (session 19) had to train again for production; FrozenEstimator is the way
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    series = 100 + 10 * np.sin(np.arange(120) * np.pi / 6) + np.arange(120) * 0.5
    X, y = make_windows(series, 24, 6)
    search = GridSearchCV(make_pipeline(FunctionTransformer(np.log), Ridge()),
                          {"ridge__alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(3, gap=5)).fit(X, y)
    best = search.best_estimator_
    ridge = best[-1]
    coef = ridge.coef_.copy()
    for fitted in (best, search):
        frozen = PredictForecaster(FrozenEstimator(fitted)).fit(X[:3], y[:3])  # shapes only
        assert frozen.estimator_.estimator is fitted
        np.testing.assert_array_equal(frozen.forecast(series, 6),
                                      best.predict(series[None, -24:])[0])
        assert frozen.forecast(series, 18).shape == (18,)
    assert best[-1] is ridge and np.array_equal(ridge.coef_, coef)  # not trained again


def test_predict_forecaster_validates_its_estimator_at_fit():
    # the package's other wrappers raise scikit-learn's InvalidParameterError; this one said
    # "Cannot clone object '3'" (sklearn-conventions review, session 19)
    from sklearn.utils._param_validation import InvalidParameterError

    from skattn.model_selection import PredictForecaster

    X, y = make_windows(10 + np.sin(np.arange(40) / 3), 8, 2)
    with pytest.raises(InvalidParameterError, match="The 'estimator' parameter of "
                                                    "PredictForecaster must be an object "
                                                    "implementing 'fit' and 'predict'"):
        PredictForecaster(3).fit(X, y)
    PredictForecaster(DuckWindowRegressor()).fit(X, y)  # duck-typed: still fine


def test_backtest_scores_prediction_intervals():
    # comparing the intervals of attention and ETS meant writing the rolling loop by hand
    # (statistician's trial, session 19): coverage and MSIS per model and level, from
    # forecast_quantiles, several levels from one fit (interval trial)
    from sklearn.base import clone
    from sklearn.linear_model import Ridge

    from skattn import ForecastEnsemble
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.exceptions import MetricWarning
    from skattn.metrics import coverage, interval_score, seasonal_naive_scale
    from skattn.model_selection import interval_columns

    rng = np.random.default_rng(0)
    series = [50 + 10 * np.sin(np.arange(n) * np.pi / 6) + rng.normal(0, 2, n) for n in (70, 61)]
    series.append(np.r_[np.full(40, 3.0), rng.normal(3, 1, 12)])  # flat before the first origin
    q = (0.025, 0.1, 0.5, 0.9, 0.975)
    models = {"naive": NaiveForecaster(quantiles=q), "snaive": SeasonalNaiveForecaster(12,
                                                                                 quantiles=q)}
    with pytest.warns(MetricWarning, match="MASE is undefined"):
        table, forecasts = backtest(models, series, 6, 12, season_length=12, n_origins=2,
                                    interval=[0.8, 0.95], return_forecasts=True,
                                    sort_by="msis_95")
    assert interval_columns(0.8) == ("coverage_80", "msis_80")
    assert interval_columns(0.975) == ("coverage_97.5", "msis_97.5")
    assert list(table.columns) == (list(TABLE_COLUMNS[:5]) + ["coverage_80", "msis_80",
                                                             "coverage_95", "msis_95"]
                                   + list(TABLE_COLUMNS[5:]))
    assert list(table["msis_95"]) == sorted(table["msis_95"])
    truth, origins = forecasts["__truth__"], forecasts["__origins__"]
    scored = [(j, i) for j in range(2) for i in range(3) if (j, i) != (0, 2)]
    for name, model in models.items():
        levels, quantiles = forecasts["__quantiles__"][name]
        np.testing.assert_array_equal(levels, q)
        assert quantiles.shape == (2, 3, 6, 5)
        fitted = clone(model).fit(np.zeros((1, 12)), np.zeros((1, 6)))
        for j in range(2):
            for i in range(3):
                np.testing.assert_array_equal(
                    quantiles[j, i], fitted.forecast_quantiles(series[i][:origins[j, i]]))
        row = list(table["model"]).index(name)
        for level, (low, high) in ((0.8, (1, 3)), (0.95, (0, 4))):
            lower, upper = quantiles[..., low], quantiles[..., high]
            coverage_column, msis_column = interval_columns(level)
            assert table[coverage_column][row] == pytest.approx(coverage(truth, lower, upper),
                                                                rel=1e-15)
            by_hand = np.mean([interval_score(truth[j, i], lower[j, i], upper[j, i], 1 - level)
                               / seasonal_naive_scale(series[i][:origins[j, i]], 12)
                               for j, i in scored])
            assert table[msis_column][row] == pytest.approx(by_hand, rel=1e-12)
    # one level; a float32 level is 0.8 to 1e-8 only
    one = backtest(models, series[:2], 6, 12, season_length=12, interval=np.float32(0.8))
    assert "coverage_80" in one.columns and "coverage_95" not in one.columns
    # models that cannot give the intervals: before any training, or once fitted, named
    with pytest.raises(ValueError, match=r"model 'r' \(Ridge\) has no forecast_quantiles"):
        backtest({"r": Ridge()}, series[0], 6, 12, interval=0.8)
    with pytest.raises(ValueError, match=r"model 'n' forecasts the quantiles \[0.05, 0.95\]; "
                                         r"backtest\(interval=0.8\) needs each model's "
                                         r"quantiles 0.1, 0.9: e.g. quantiles=\(0.1, 0.5, 0.9\)"):
        backtest({"n": NaiveForecaster(quantiles=(0.05, 0.95))}, series[0], 6, 12, interval=0.8)
    with pytest.raises(ValueError, match=r"needs each model's quantiles 0.025, 0.1, 0.9, 0.975"):
        backtest({"n": NaiveForecaster(quantiles=(0.1, 0.9))}, series[0], 6, 12,
                 interval=(0.8, 0.95))
    with pytest.raises(ValueError, match="model 'n' forecasts no quantiles"):
        backtest({"n": NaiveForecaster()}, series[0], 6, 12, interval=0.8)
    # an ensemble of members with other quantiles says which (interval trial, session 19)
    mixed = ForecastEnsemble([("a", NaiveForecaster(quantiles=(0.1, 0.5, 0.9))),
                              ("b", NaiveForecaster(quantiles=(0.05, 0.5, 0.95)))])
    with pytest.raises(ValueError, match=r"model 'e': backtest\(interval=0.8\) needs members "
                                         r"that all forecast the same quantiles.*a: \[0.1, 0.5, "
                                         r"0.9\], b: \[0.05, 0.5, 0.95\]"):
        backtest({"e": mixed}, series[0], 6, 12, interval=0.8)
    for bad in (0, 1, 80, True, "0.8", np.nan, [0.8, 80]):
        with pytest.raises(ValueError, match="interval must be a number strictly between 0 and 1"
                                             "|interval must give distinct levels"):
            backtest(models, series[0], 6, 12, interval=bad)
    for same in ([0.8, 0.8], [0.8, 0.80000000001]):  # one column name for both
        with pytest.raises(ValueError, match="interval must give distinct levels"):
            backtest(models, series[0], 6, 12, interval=same)
    # other kinds of numbers (review, session 19)
    from fractions import Fraction

    for level in (Fraction(4, 5), np.array(0.8), np.array([0.8])):
        assert "coverage_80" in backtest(models, series[:2], 6, 12, season_length=12,
                                         interval=level).columns
    # the nearest quantile to each bound, not the first within the tolerance
    from skattn.model_selection import _bound_columns

    near = NaiveForecaster(quantiles=(0.0999995, 0.1, 0.5, 0.9, 0.9000005)).fit(
        np.zeros((1, 12)), np.zeros((1, 6)))
    assert _bound_columns(near, "n", (0.8, 0.800001)) == [(1, 3), (0, 4)]
    with pytest.raises(ValueError, match="an msis column needs interval="):
        backtest(models, series[0], 6, 12, sort_by="msis_80")
    # without interval: the table and forecasts of before
    plain, plain_forecasts = backtest(models, series[:2], 6, 12, return_forecasts=True)
    assert list(plain.columns) == list(TABLE_COLUMNS) and "__quantiles__" not in plain_forecasts

# ------------------------------------------------------------------------------------------
# Fuzzing and user trial, session 20
# ------------------------------------------------------------------------------------------
@pytest.fixture
def windows_of_horizon_3():
    return make_windows(np.arange(30.0), 4, 3, return_index=True)


@pytest.mark.parametrize("make_index, kwargs, match", [
    # back * origin_step was an OverflowError in NumPy's integers
    (lambda index: index, dict(n_origins=2, origin_step=2**63),
     r"the earliest of n_origins=2 origins, origin_step=9223372036854775808 times 1 = "
     r"9223372036854775808 values before each series' last window, lies before every "
     r"window's target \(the latest starts at position 27\): it leaves no validation window; "
     r"use fewer origins or a smaller origin_step"),
    # text was a UFuncTypeError, bools "leave no training window"
    (lambda index: index.astype(str), {}, r"index must be the integer \(n_samples, 2\) array "
                                          r"of make_windows\(\.\.\., return_index=True\).*<U21"),
    (lambda index: index.astype(bool), {}, "index must be the integer .* got dtype bool"),
    (lambda index: index.astype(object).astype(str).astype(object), {}, "got dtype <U"),
    # 1e300 was cast to an arbitrary integer
    (lambda index: np.where(index > 5, 1e300, index.astype(float)), {},
     "index must hold make_windows' positions .*below 2\\*\\*53; it holds 1e\\+300"),
    (lambda index: np.column_stack([index[:, 0], index[:, 1] + 2**53]), {},
     "below 2\\*\\*53"),
    (lambda index: np.column_stack([np.full(len(index), 1e19), index[:, 1]]), {},
     "index must hold series numbers .* below 2\\*\\*63; it holds 1e\\+19"),
    (lambda index: np.column_stack([index[:, 0].astype(np.uint64) + np.uint64(2**63),
                                    index[:, 1].astype(np.uint64)]), {}, "below 2\\*\\*63"),
])
def test_origin_split_refuses_indexes_and_steps_make_windows_cannot_give(
        windows_of_horizon_3, make_index, kwargs, match):
    X, y, index = windows_of_horizon_3
    splitter = OriginSplit(make_index(index), 3, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value encountered in cast" either
        for call in (lambda: list(splitter.split(X)), lambda: list(splitter.split(X, y)),
                     splitter.get_n_splits):
            with pytest.raises(ValueError, match=match):
                call()


def test_origin_split_still_takes_what_make_windows_gives(windows_of_horizon_3):
    X, y, index = windows_of_horizon_3
    expected = [(t.tolist(), v.tolist()) for t, v in OriginSplit(index, 3, 2).split(X, y)]
    for same in (index.astype(float), index.astype(np.uint32), index.astype(object),
                 index.tolist()):
        assert [(t.tolist(), v.tolist())
                for t, v in OriginSplit(same, 3, 2).split(X, y)] == expected
    # origin_step as large as the positions allow: the earliest origin at position 0 has no
    # window, which the usual message says
    with pytest.raises(ValueError, match=r"^the origin 27 values before the last \(horizon 3\) "
                                         r"leaves no validation window; use fewer origins"):
        list(OriginSplit(index, 3, 2, origin_step=27).split(X))
    # at the last origin fewer origins cannot help: the horizon is named (it said "origin 0
    # horizon(s) of 3 back ...; use fewer origins"; review, session 30)
    with pytest.raises(ValueError, match=r"^the last origin \(horizon 30\) leaves no training "
                                         r"window; use a shorter horizon or window"):
        list(OriginSplit(index, 30).split(X))


def test_origin_split_neither_trains_nor_validates_on_a_series_without_a_complete_window():
    # its marker, the smallest integer, less back * origin_step wrapped around to the largest:
    # every row of the series, NaN targets and all, was trained on at the earlier origins
    X, y, index = make_windows([np.arange(30.0), np.arange(40.0)], 4, 3, min_target=1,
                               return_index=True)
    y = y.copy()
    y[index[:, 0] == 1, -1] = np.nan  # series 1 has no complete window
    splits = list(OriginSplit(index, 3, n_origins=3).split(X, y))
    assert len(splits) == 3
    for train, validation in splits:
        assert not np.any(index[train, 0] == 1) and not np.any(index[validation, 0] == 1)
        assert np.all(np.isfinite(y[train]))


def test_origin_split_says_a_horizon_is_checked_only_with_y(windows_of_horizon_3):
    # the index holds where each target starts, X the values before it: neither its length, so
    # split(X) cannot see a horizon shorter than the windows' (it trains on targets 26-28 and
    # validates on 27-29); with y it is refused. The docstring says so
    X, y, index = windows_of_horizon_3
    (train, validation), = OriginSplit(index, 1).split(X)
    assert y[train[-1]].tolist() == [26.0, 27.0, 28.0] and y[validation].tolist() == [[27.0,
                                                                                      28.0, 29.0]]
    with pytest.raises(ValueError, match="y has 3 values per window but OriginSplit has "
                                         "horizon=1"):
        list(OriginSplit(index, 1).split(X, y))
    assert "Give the horizon the windows were made with; pass y to check it" in OriginSplit.__doc__


def test_backtest_refuses_an_empty_or_nested_interval():
    from skattn.baselines import NaiveForecaster

    models = {"n": NaiveForecaster(quantiles=(0.1, 0.5, 0.9))}
    series = np.arange(1.0, 41.0)
    # [] said "must give distinct levels ... got []"
    with pytest.raises(ValueError, match=r"^interval is empty: give one level \(0.8\), several "
                                         r"\(\[0.8, 0.95\]\), or None for no intervals$"):
        backtest(models, series, 3, 6, interval=[])
    with pytest.raises(ValueError, match=r"interval is empty"):
        backtest(models, series, 3, 6, interval=np.array([]))
    # [[0.8]] was flattened, and taken as 0.8
    for nested in ([[0.8]], np.array([[0.8]]), [[0.8], [0.9]], [[0.8], 0.9]):
        with pytest.raises(ValueError, match="interval must be a number strictly between 0 and 1"
                                             ".*a flat list|interval must be a number"):
            backtest(models, series, 3, 6, interval=nested)
    with pytest.raises(ValueError, match=r"\(a flat list: \[0.8, 0.95\], not nested\)"):
        backtest(models, series, 3, 6, interval=[[0.8]])


@pytest.mark.parametrize("kwargs, match", [
    # n_jobs=0 failed inside joblib once a local model forecast; verbose=-1 printed progress
    (dict(n_jobs=0), r"The 'n_jobs' parameter of backtest must be an int in the range "
                     r"\(-inf, -1\], an int in the range \[1, inf\) or None. Got 0 instead."),
    (dict(n_jobs=1.5), "The 'n_jobs' parameter of backtest"),
    (dict(verbose=-1), r"The 'verbose' parameter of backtest must be an int in the range "
                       r"\[0, inf\)"),
    (dict(verbose=0.5), "The 'verbose' parameter of backtest"),
])
def test_backtest_checks_n_jobs_and_verbose_as_scikit_learn_does(kwargs, match, capsys):
    from skattn.baselines import NaiveForecaster

    with pytest.raises(ValueError, match=match):
        # a global model only: n_jobs was never read, and 0 passed
        backtest({"last": LastValueForecaster()}, [np.arange(30.0)] * 2, 3, 6, **kwargs)
    assert capsys.readouterr().out == ""
    # what they allow still runs
    for allowed in (dict(n_jobs=-1), dict(n_jobs=None, verbose=True), dict(verbose=np.int64(0))):
        backtest({"n": NaiveForecaster()}, [np.arange(30.0)] * 2, 3, 6, **allowed)


def test_backtest_names_its_own_remedy_for_values_beyond_float64s_range():
    from skattn.baselines import NaiveForecaster

    # the history's scale overflows: "divide y_train by a constant first", which backtest has not
    with pytest.raises(ValueError, match=r"series 0, origin 37: the seasonal-naive scale is about "
                                         r"3.40e308, .*: divide the series by a constant first$"):
        backtest({"n": NaiveForecaster()}, np.array([1.7e308, -1.7e308] * 20), 3, 6)
    # the MAE overflows: "divide y_true and y_pred by a constant first"
    series = np.r_[np.zeros(40), -1.7e308, 1.7e308, 1.7e308, 1.7e308]
    with pytest.raises(ValueError, match=r"the MAE is about 3.40e308, .*: divide the series by a "
                                         r"constant first$"):
        backtest({"n": NaiveForecaster()}, series, 3, 6)


def test_backtest_mase_column_where_the_errors_overflow():
    # a forecast of -1.7e308 for 1.7e308 made the mase column inf, with an overflow warning
    from skattn.baselines import NaiveForecaster

    series = np.r_[np.zeros(40), 1e300, -1.7e308, 1.7e308, -1.7e308, -1.7e308, -1.7e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        table, forecasts = backtest({"n": NaiveForecaster()}, series, 4, 6, sort_by="mase",
                                    return_forecasts=True)
    # errors 3.4e308, 0, 0, 0 over the scale (1e300 + 1e300 + 1.7e308) / 41
    from fractions import Fraction

    assert table["mase"][0] == mase(series[-4:], forecasts["n"][0, 0], series[:-4])
    exact = (2 * Fraction(1.7e308) / 4) / ((2 * Fraction(1e300) + Fraction(1.7e308)) / 41)
    assert table["mase"][0] == pytest.approx(float(exact), rel=1e-14)


def test_backtest_warns_once_of_smape_for_its_table_and_not_when_sorted_otherwise():
    # smape() warns by itself now; backtest scores with its silent twin, and keeps its own,
    # more specific, warning for a table sorted by sMAPE
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.exceptions import MetricWarning

    rng = np.random.default_rng(3)
    series = [np.where(np.arange(60) % 9 == 0, 0.0, 5.0 + rng.random(60)) for _ in range(3)]
    models = {"n": NaiveForecaster(), "sn": SeasonalNaiveForecaster(7)}
    with pytest.warns(MetricWarning) as record:
        backtest(models, series, 7, 14, n_origins=2)
    assert len(record) == 1
    assert "the table sorted by sMAPE can rank models wrongly" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricWarning)
        backtest(models, series, 7, 14, n_origins=2, sort_by="mase")


class LibraryLocalForecaster(LastValueForecaster):
    """A local model that says it needs a library, as the statsforecast baselines do."""

    local_model = True
    _needs_library = True


def test_numpy_baselines_forecast_in_the_calling_process_whatever_n_jobs(monkeypatch):
    # a process pool for the naive forecasts cost 8.7 s of wall time against 0.03 s without
    # it (user trial, session 20); the models of a library keep it
    import skattn.model_selection as model_selection
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster

    rng = np.random.default_rng(7)
    series = [100 + rng.normal(0, 1, 80).cumsum() for _ in range(4)]
    models = {"n": NaiveForecaster(), "sn": SeasonalNaiveForecaster(7),
              "q": SeasonalNaiveForecaster(7, quantiles=(0.1, 0.5, 0.9))}
    arguments = dict(horizon=7, window=28, season_length=7, n_origins=3, return_forecasts=True)
    _, alone = backtest(models, series, **arguments)

    pools = []
    real_parallel = model_selection.Parallel

    def spy(*args, **kwargs):
        pools.append(kwargs.get("n_jobs"))
        return real_parallel(*args, **kwargs)

    monkeypatch.setattr(model_selection, "Parallel", spy)
    _, in_pool_before = backtest(models, series, n_jobs=2, **arguments)
    assert pools == []
    for name in models:
        np.testing.assert_array_equal(in_pool_before[name], alone[name])  # bitwise
    _, quantiles = backtest({"q": models["q"]}, series, n_jobs=2, interval=0.8, **arguments)
    _, quantiles_alone = backtest({"q": models["q"]}, series, interval=0.8, **arguments)
    np.testing.assert_array_equal(quantiles["__quantiles__"]["q"][1],
                                  quantiles_alone["__quantiles__"]["q"][1])
    assert pools == []
    # a library's local model, and one that does not say, still go to joblib
    from joblib import parallel_config

    with parallel_config(backend="threading"):
        backtest({"lib": LibraryLocalForecaster(), "sleepy": SleepyLocalForecaster(0.0)},
                 series, n_jobs=2, **arguments)
    assert pools == [2] * 6  # 2 models x 3 origins


# ------------------------------------------------------------------------------------------
# PredictForecaster forecasts the quantiles of its final estimator (user trial, session 20)
# ------------------------------------------------------------------------------------------
def _quantile_pipeline(quantiles=(0.1, 0.5, 0.9)):
    # LastSteps changes what the last step sees: quantiles from the untransformed windows differ
    from sklearn.pipeline import make_pipeline

    from skattn import LastSteps
    from skattn.baselines import NaiveForecaster

    return make_pipeline(LastSteps(12), NaiveForecaster(quantiles=quantiles))


def _random_walk(n=80, seed=0):
    return 50 + np.cumsum(np.random.default_rng(seed).normal(0, 1, n))


def test_predict_forecaster_forecasts_the_quantiles_of_a_pipeline_search_or_frozen_one():
    # a tuned Pipeline lost its intervals: the user called best_estimator_[:-1].transform and
    # then the last step's predict_quantiles by hand (user trial, session 20)
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    series = _random_walk()
    X, y = make_windows(series, window=24, horizon=4)
    pipe = _quantile_pipeline()
    model = PredictForecaster(pipe).fit(X, y)
    np.testing.assert_array_equal(model.quantiles_, [0.1, 0.5, 0.9])
    fitted = model.estimator_
    by_hand = fitted[-1].predict_quantiles(fitted[:-1].transform(X[:5]))  # (5, 4, 3)
    np.testing.assert_array_equal(model.predict_quantiles(X[:5]), by_hand)
    # the step counted: the last step on the whole windows forecasts other intervals
    from skattn.baselines import NaiveForecaster

    whole = NaiveForecaster(quantiles=(0.1, 0.5, 0.9)).fit(X, y).predict_quantiles(X[:5])
    assert not np.allclose(by_hand, whole)
    # forecast_quantiles: the last window of the history, within the horizon
    np.testing.assert_array_equal(model.forecast_quantiles(series),
                                  model.predict_quantiles(series[None, -24:])[0])
    np.testing.assert_array_equal(model.forecast_quantiles(series, 2),
                                  model.forecast_quantiles(series)[:2])
    # AttentionForecaster.forecast_quantiles' rules and messages
    with pytest.raises(ValueError, match="steps=5 exceeds the trained horizon 4"):
        model.forecast_quantiles(series, 5)
    with pytest.raises(ValueError, match="the history has 1 value; prediction intervals need"):
        model.forecast_quantiles(series[:1])
    with pytest.warns(UserWarning, match="PredictForecaster.forecast_quantiles: the history has "
                                         "10 values, fewer than"):
        model.forecast_quantiles(series[:10])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per model
        model.forecast_quantiles(series[:11])
    # 1-D y: one column per quantile, as the final estimator's
    assert PredictForecaster(pipe).fit(X, y[:, 0]).predict_quantiles(X[:5]).shape == (5, 3)
    # a search: its best_estimator_'s; frozen, the same without training again
    search = GridSearchCV(pipe, {"laststeps__n_steps": [8, 12]}, cv=TimeSeriesSplit(2, gap=3))
    searched = PredictForecaster(search).fit(X, y)
    best = searched.estimator_.best_estimator_
    np.testing.assert_array_equal(
        searched.forecast_quantiles(series),
        best[-1].predict_quantiles(best[:-1].transform(series[None, -24:]))[0])
    frozen = PredictForecaster(FrozenEstimator(best)).fit(X[:30], y[:30])
    np.testing.assert_array_equal(frozen.quantiles_, [0.1, 0.5, 0.9])
    np.testing.assert_array_equal(frozen.forecast_quantiles(series),
                                  searched.forecast_quantiles(series))
    # a final estimator of points: no such methods, or (a model that can forecast quantiles but
    # was not given any) a ValueError naming it
    from sklearn.linear_model import Ridge

    ridge = PredictForecaster(Ridge())
    assert not hasattr(ridge, "forecast_quantiles") and not hasattr(ridge, "predict_quantiles")
    assert not hasattr(ridge.fit(X, y), "forecast_quantiles")
    assert ridge.quantiles_ is None
    points = PredictForecaster(NaiveForecaster()).fit(X, y)
    assert points.quantiles_ is None
    with pytest.raises(ValueError, match="forecast_quantiles needs a final estimator that "
                                         "forecasts quantiles.*NaiveForecaster forecasts points"):
        points.forecast_quantiles(series)


def test_backtest_scores_the_intervals_of_a_pipeline_a_search_and_their_wrapper():
    # backtest(interval=) refused them: "model 'pipe' (Pipeline) has no forecast_quantiles"
    # (user trial, session 20). The Pipeline itself is wrapped in a PredictForecaster
    from sklearn.base import clone
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline

    from skattn import LastSteps

    series = [_random_walk(60, seed) for seed in range(2)]
    pipe = _quantile_pipeline((0.05, 0.1, 0.5, 0.9, 0.95))
    search = GridSearchCV(pipe, {"laststeps__n_steps": [8, 12]}, cv=TimeSeriesSplit(2, gap=7))
    models = {"pipe": pipe, "wrapped": PredictForecaster(pipe), "search": search}
    table, forecasts = backtest(models, series, 4, 24, n_origins=2, interval=[0.8, 0.9],
                                return_forecasts=True, sort_by=None)
    assert list(table["model"]) == ["pipe", "wrapped", "search"]
    for column in ("coverage_80", "msis_80", "coverage_90", "msis_90"):
        assert table[column][0] == table[column][1] and np.isfinite(table[column][2])
    origins = forecasts["__origins__"]
    for name, template in models.items():
        levels, quantiles = forecasts["__quantiles__"][name]
        np.testing.assert_array_equal(levels, [0.05, 0.1, 0.5, 0.9, 0.95])
        for j in range(2):
            histories = [s[:origins[j, i]] for i, s in enumerate(series)]
            X, y = make_windows(histories, window=24, horizon=4)
            fitted = PredictForecaster(clone(template)).fit(X, y)
            for i, history in enumerate(histories):
                np.testing.assert_array_equal(quantiles[j, i], fitted.forecast_quantiles(history))
    # the user's model: an AttentionForecaster with loss="pinball" at the end of a Pipeline
    attention = make_pipeline(LastSteps(12), AttentionForecaster(
        loss="pinball", quantiles=(0.1, 0.5, 0.9), max_epochs=1, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        table = backtest({"attention": attention}, series, 4, 24, interval=0.8)
    assert 0 <= table["coverage_80"][0] <= 1 and table["msis_80"][0] > 0
    # a Pipeline ending in a point model: refused before any training, naming the step
    with pytest.raises(ValueError, match=r"model 'p' \(Pipeline\) has no forecast_quantiles "
                                         r"\(its final estimator, Ridge, has no "
                                         r"predict_quantiles\)"):
        backtest({"p": make_pipeline(LastSteps(12), Ridge())}, series, 4, 24, interval=0.8)


# ------------------------------------------------------------------------------------------
# backtest shows each distinct warning once (user trial, session 20)
# ------------------------------------------------------------------------------------------
class WarnsAtFit(LastValueForecaster):
    """Warns at every fit with ``text``, formatted with the fit's number of windows ``n``."""

    def __init__(self, text="did not converge", category=ConvergenceWarning):
        self.text = text
        self.category = category

    def fit(self, X, y):
        warnings.warn(self.text.format(n=len(X)), self.category)
        return super().fit(X, y)


def test_backtest_shows_each_distinct_warning_once_with_how_often_it_came():
    # each origin's fit printed its identical ConvergenceWarning again: two 14-origin runs
    # printed 28 of them (user trial, session 20)
    series = 10 + np.sin(np.arange(40) / 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as pytest: the most a filter lets through
        backtest({"attn": AttentionForecaster(max_epochs=1, random_state=0)}, series, 3, 8,
                 n_origins=3)
    texts = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(texts) == 1, texts
    # the original message first, so that filters by message still match it
    assert texts[0].startswith("AttentionForecaster: max_epochs=1 reached before training "
                               "converged")
    # (with the batch size's advice since session 32: these fits are one step an epoch)
    assert texts[0].endswith("consider raising max_epochs, or a smaller batch_size "
                             "(batch_size=64 leaves fewer than 10 optimiser steps an epoch). "
                             "(model 'attn': at all 3 origins)")
    # from where it was raised (AttentionForecaster names its caller: backtest's fit call)
    assert caught[0].filename.endswith("model_selection.py")
    # warnings that differ are all kept (here: the number of windows of each origin's fit);
    # one raised once is shown as it came; each model's own
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest({"a": WarnsAtFit("fit on {n} windows"), "b": WarnsAtFit(), "c": WarnsAtFit()},
                 series, 3, 8, n_origins=3, sort_by=None)
    assert [str(w.message) for w in caught] == [
        "fit on 21 windows", "fit on 24 windows", "fit on 27 windows",
        "did not converge (model 'b': at all 3 origins)",
        "did not converge (model 'c': at all 3 origins)"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest({"d": WarnsAtFit()}, series, 3, 8)
    assert [str(w.message) for w in caught] == ["did not converge"]
    assert caught[0].category is ConvergenceWarning and caught[0].filename == __file__
    # a local model's warning at each series' forecast: how many times, at how many origins
    panel = [100.0 + np.arange(30.0)] * 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest({"w": SameWarningLocalForecaster()}, panel, 3, 6, n_origins=2)
    assert [str(w.message) for w in caught] == [
        "forecast without a fit (model 'w': 6 times, at all 2 origins)"]
    # once per backtest call: a second call shows it again
    for _ in range(2):
        with pytest.warns(ConvergenceWarning, match=r"^did not converge \(model 'b': at all 2 "
                                                    r"origins\)$"):
            backtest({"b": WarnsAtFit()}, series, 3, 8, n_origins=2)


class SameWarningLocalForecaster(LastValueForecaster):
    """A local model that warns at every forecast, always with the same text."""

    local_model = True

    def forecast(self, history, steps):
        warnings.warn("forecast without a fit", UserWarning)
        return super().forecast(history, steps)


def test_backtest_warnings_shown_once_still_obey_the_callers_filters():
    import re

    series = 10 + np.sin(np.arange(40) / 3)
    model = {"b": WarnsAtFit()}
    # "error": the first occurrence raises, named, as before
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match=r"^model 'b': did not converge$"):
            backtest(model, series, 3, 8, n_origins=3)
    # by message: a filter matches the text (the note comes after it)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="did not converge")
        with pytest.raises(ConvergenceWarning, match="model 'b': did not converge"):
            backtest(model, series, 3, 8, n_origins=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message="did not converge")
        backtest(model, series, 3, 8, n_origins=3)
    assert not caught
    # "once", and by module (the module the warning was raised in, not a name made of its
    # file's path): shown, once
    for action, module in (("once", ""), ("always", re.escape(__name__))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.filterwarnings(action, category=ConvergenceWarning, module=module)
            backtest({"b": WarnsAtFit(f"a text of its own, {action}")}, series, 3, 8,
                     n_origins=3)
        assert len(caught) == 1 and str(caught[0].message).startswith("a text of its own")
    # a model that fails at the third origin: the warnings of the origins before still shown,
    # before its error
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="model 'f': fails at the third fit"):
            backtest({"f": FailsAtTheThirdFit()}, series, 3, 8, n_origins=4)
    assert [str(w.message) for w in caught] == [
        "did not converge (model 'f': at 2 of 4 origins)"]


class FailsAtTheThirdFit(WarnsAtFit):
    """Warns at every fit, and fails at the third (the fits of its clones counted)."""

    fits = [0]  # class-level: shared by the clones backtest makes

    def fit(self, X, y):
        self.fits[0] += 1
        if self.fits[0] % 3 == 0:
            raise RuntimeError("fails at the third fit")
        return super().fit(X, y)


def test_predict_forecaster_warns_of_histories_shorter_than_what_its_model_reads():
    # the whole window was counted: a Pipeline that reads the last 12 of windows of 24 warned
    # of histories of 12 to 23 values, which it reads whole (review, session 20)
    from sklearn.pipeline import make_pipeline

    from skattn import AttentionForecaster, LastSteps

    values = 10 + np.sin(np.arange(300) / 3) + np.arange(300) * 0.01
    X, y = make_windows(values, 24, 3)
    model = PredictForecaster(make_pipeline(LastSteps(12), AttentionForecaster(
        loss="pinball", max_epochs=1, d_model=8, n_heads=2, n_layers=1, random_state=0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.forecast_quantiles(values[:20])
    with pytest.warns(UserWarning, match="the history has 8 values, fewer than the 12 last"):
        model.forecast_quantiles(values[:8])


def test_a_predict_forecaster_pickled_before_its_quantiles_loads_with_them():
    # a pickle of a fitted PredictForecaster from before session 20 has no quantiles_: its
    # quantile methods were advertised and raised AttributeError (review, session 20)
    import pickle

    from skattn.baselines import NaiveForecaster

    values = 10 + np.sin(np.arange(80) / 3)
    X, y = make_windows(values, 12, 3)
    for model, quantiles in ((NaiveForecaster(quantiles=(0.1, 0.5, 0.9)), [0.1, 0.5, 0.9]),
                             (NaiveForecaster(), None)):
        fitted = PredictForecaster(model).fit(X, y)
        expected = fitted.predict_quantiles(X) if quantiles else None
        del fitted.quantiles_, fitted._y_is_1d  # as a pickle of the older version holds it
        loaded = pickle.loads(pickle.dumps(fitted))
        if quantiles:
            np.testing.assert_array_equal(loaded.quantiles_, quantiles)
            np.testing.assert_array_equal(loaded.predict_quantiles(X), expected)
        else:
            assert loaded.quantiles_ is None
            with pytest.raises(ValueError):
                loaded.predict_quantiles(X)


def test_a_closed_warning_tally_shows_what_it_is_given():
    # catch_warnings is not thread-safe: another thread's that began while backtest's tally was
    # installed restores it as "the original", and every later warning was swallowed (review,
    # session 20); a closed tally shows them
    from skattn.model_selection import _each_warning_once

    shown = []
    original = warnings.showwarning
    warnings.showwarning = lambda *args, **kwargs: shown.append(str(args[0]))
    try:
        with _each_warning_once("m", 1) as tally:
            pass
        tally.record(UserWarning("after"), UserWarning, "f.py", 1)
    finally:
        warnings.showwarning = original
    assert shown == ["after"]


# ------------------------------------------------------------------------------------------
# User trial, session 22
# ------------------------------------------------------------------------------------------
class ClonesToItself(LastValueForecaster):
    """A forecaster that scikit-learn's clone returns as it is (as it does a FrozenEstimator)."""

    def __sklearn_clone__(self):
        return self


def _frozen_trial_series():
    t = np.arange(80.0)
    return 100 + 10 * np.sin(t * np.pi / 6) + 0.5 * t


def test_backtest_warns_of_a_model_that_clone_keeps_fitted():
    # a FrozenEstimator fitted on every window, hold-out targets included, scored sMAPE 0.000
    # without a word, bare or wrapped (user trial, session 22): clone returns it fitted, so it
    # is never refitted at the origins. Warned once per model, from the caller's line
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    series = _frozen_trial_series()
    X, y = make_windows(series, 12, 6)  # every window: the hold-out targets too
    knn = KNeighborsRegressor(n_neighbors=1).fit(X, y)
    models = {"refit": Ridge(), "frozen": FrozenEstimator(knn),
              "wrapped": PredictForecaster(FrozenEstimator(knn)),
              "piped": make_pipeline(FunctionTransformer(), FrozenEstimator(knn)),
              "self-cloning": ClonesToItself()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = backtest(models, series, 6, 12, n_origins=2, sort_by=None)
    assert dict(zip(table["model"], table["smape"]))["frozen"] == 0.0  # the leak it warns of
    frozen = [w for w in caught if "is not refitted at the origins" in str(w.message)]
    assert [str(w.message).split(" is not")[0] for w in frozen] == [
        "model 'frozen'", "model 'wrapped'", "model 'piped'", "model 'self-cloning'"]
    assert all(w.category is UserWarning and w.filename == __file__ for w in frozen)
    texts = [str(w.message) for w in frozen]
    assert "it is FrozenEstimator(KNeighborsRegressor)" in texts[0]
    assert "its parameter estimator is FrozenEstimator(KNeighborsRegressor)" in texts[1]
    assert "its parameter frozenestimator is FrozenEstimator(KNeighborsRegressor)" in texts[2]
    assert "it is ClonesToItself" in texts[3]
    # the earliest origin is horizon + origin_step values before each series' end
    assert all("fitted on no value at or after the earliest origin (the last 12 values of each "
               "series here)" in text for text in texts)
    # a warning, not an error: a model pre-trained on other data is fair to backtest
    with pytest.warns(UserWarning, match=r"^model 'pre-trained' is not refitted"):
        backtest({"pre-trained": FrozenEstimator(Ridge().fit(X[:20], y[:20]))}, series, 6, 12)


def test_predict_forecaster_refuses_a_frozen_model_of_another_horizon():
    # fit(X, y[:, :6]) of a frozen 12-step model set n_outputs_=6, and forecast failed with
    # NumPy's "cannot reshape array of size 12 into shape (6,)" (user trial, session 22)
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    series = _frozen_trial_series()
    X, y = make_windows(series, 12, 6)
    ridge = Ridge().fit(X, y)
    for wrapped in (FrozenEstimator(ridge), make_pipeline(FunctionTransformer(),
                                                          FrozenEstimator(ridge))):
        for target, n in ((y[:, :3], 3), (y[:, 0], 1)):
            with pytest.raises(ValueError, match=rf"FrozenEstimator\(Ridge\).* predicts 6 "
                                                 rf"value\(s\) per window \(horizon 6\), but y "
                                                 rf"has {n} \(horizon {n}\)"):
                PredictForecaster(wrapped).fit(X, target)
        # the horizon it was trained on: as before
        fitted = PredictForecaster(wrapped).fit(X, y)
        assert fitted.n_outputs_ == 6 and fitted.forecast(series, 9).shape == (9,)
    # windows it cannot read: said at fit, not at the first forecast
    with pytest.raises(ValueError, match=r"kept fitted by clone .* cannot predict these "
                                         r"windows: X has 8 features"):
        PredictForecaster(FrozenEstimator(ridge)).fit(X[:, :8], y)
    # backtest of another horizon: the model's error, at its fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the frozen model's warning
        with pytest.raises(ValueError, match=r"^model 'f': PredictForecaster.fit: .* but y has "
                                             r"3 \(horizon 3\)"):
            backtest({"f": FrozenEstimator(ridge)}, series, 3, 12)
    # an unfitted estimator learns its horizon from y, as before
    assert PredictForecaster(Ridge()).fit(X, y[:, :3]).n_outputs_ == 3


def test_backtest_names_refit_false_of_a_search_and_its_remedy():
    # "needs fit and forecast methods ... or fit and predict on history windows" said nothing
    # of refit=False, which leaves a search without predict (user trial, session 22)
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    series = _frozen_trial_series()
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(2, gap=5),
                          refit=False)
    for model in (search, PredictForecaster(search)):
        with pytest.raises(ValueError, match=r"model 's' is a GridSearchCV with refit=False: "
                                             r"it keeps no best_estimator_.*pass refit=True "
                                             r"\(the default; with several scorers, the name"):
            backtest({"s": model}, series, 6, 12)
    several = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(2, gap=5),
                           scoring={"mae": "neg_mean_absolute_error", "r2": "r2"}, refit=False)
    with pytest.raises(ValueError, match=r"refit=False.*pass refit='mae' or another of its "
                                         r"scorers' names \('mae', 'r2'\)"):
        backtest({"s": several}, series, 6, 12)
    # refit by a scorer's name: backtested as before
    several.set_params(refit="mae")
    assert list(backtest({"s": several}, series, 6, 12)["model"]) == ["s"]


def test_sort_by_an_msis_column_of_a_level_not_given_names_the_levels():
    # interval=0.8, sort_by="msis_95" said "(an msis column needs interval=)" although interval
    # was given (user trial, session 22)
    from skattn.baselines import NaiveForecaster

    series = _frozen_trial_series()
    models = {"n": NaiveForecaster(quantiles=(0.025, 0.1, 0.5, 0.9, 0.975))}
    with pytest.raises(ValueError, match=r"got 'msis_95' \(msis_95 needs 0\.95 among the "
                                         r"interval levels, and interval=0\.8 gives msis_80: "
                                         r"add it, e.g\. interval=\[0\.8, 0\.95\]\)"):
        backtest(models, series, 6, 12, interval=0.8, sort_by="msis_95")
    with pytest.raises(ValueError, match=r"msis_97\.5 needs 0\.975 among the interval levels, "
                                         r"and interval=\(0\.8, 0\.95\) gives msis_80, msis_95"):
        backtest(models, series, 6, 12, interval=[0.8, 0.95], sort_by="msis_97.5")
    with pytest.raises(ValueError, match=r"got 'msis' \(interval=0\.8 gives the msis columns "
                                         r"msis_80\)"):
        backtest(models, series, 6, 12, interval=0.8, sort_by="msis")
    with pytest.raises(ValueError, match=r"got 'msis_95' \(an msis column needs interval=\)"):
        backtest(models, series, 6, 12, sort_by="msis_95")
    # the level given: sorted by it, as before
    backtest(models, series, 6, 12, interval=[0.8, 0.95], sort_by="msis_95")


def _kept_warnings(models, series, **kwargs):
    """The messages of backtest's warnings of models kept fitted by clone, by model."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest(models, series, 6, 12, sort_by=None, **kwargs)
    return {str(w.message).split("'")[1]: str(w.message) for w in caught
            if "kept fitted" in str(w.message) or "is not refitted" in str(w.message)}


def test_backtest_names_a_part_kept_fitted_as_a_part_and_the_rest_refitted():
    # "model ... is not refitted at the origins" was said of make_pipeline(FrozenEstimator(
    # scaler), Ridge()), whose Ridge is refitted at every origin, and of an ensemble of a
    # frozen member and a fresh one (review, session 22). Still warned: a scaler fitted on the
    # hold-out passes it on to every forecast
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted

    from skattn import DeseasonalizedForecaster, ForecastEnsemble

    series = _frozen_trial_series()
    X, y = make_windows(series, 12, 6)
    scaler = StandardScaler().fit(X[:20])
    ridge = Ridge().fit(X[:20], y[:20])
    models = {
        "scaler": make_pipeline(FrozenEstimator(scaler), Ridge()),
        "member": ForecastEnsemble([("pre", FrozenEstimator(ridge)), ("fresh", Ridge())]),
        "two parts": ForecastEnsemble([("pre", FrozenEstimator(ridge)),
                                       ("fresh", make_pipeline(FrozenEstimator(scaler),
                                                               Ridge()))]),
        # what makes the forecasts is kept: the model is not refitted
        "final step": make_pipeline(StandardScaler(), FrozenEstimator(ridge)),
        "searched": GridSearchCV(make_pipeline(StandardScaler(), FrozenEstimator(ridge)),
                                 {"standardscaler__with_mean": [True, False]},
                                 cv=TimeSeriesSplit(2)),
        "every member": ForecastEnsemble([("a", FrozenEstimator(ridge)), ("b", "drop"),
                                          ("c", make_pipeline(FrozenEstimator(ridge)))]),
        "deseasonalized": DeseasonalizedForecaster(FrozenEstimator(ridge), season_length=2),
        "wrapped": PredictForecaster(make_pipeline(FrozenEstimator(scaler), Ridge())),
    }
    texts = _kept_warnings(models, series, n_origins=2)
    assert set(texts) == set(models)
    for name in ("scaler", "member", "wrapped"):
        assert texts[name].startswith(f"model {name!r} is refitted at the origins except for "
                                      "the part kept fitted: ")
        assert ("That part is not refitted at the origins; the rest of the model is. Its "
                "scores are honest only if that part was fitted on no value at or after the "
                "earliest origin (the last 12 values of each series here)") in texts[name]
        assert f"model {name!r} is not refitted" not in texts[name]
    assert "its parameter frozenestimator is FrozenEstimator(StandardScaler)" in texts["scaler"]
    assert "its parameter pre is FrozenEstimator(Ridge)" in texts["member"]
    assert texts["two parts"].startswith("model 'two parts' is refitted at the origins except "
                                         "for the parts kept fitted: its parameter pre is "
                                         "FrozenEstimator(Ridge); its parameter "
                                         "fresh__frozenestimator is "
                                         "FrozenEstimator(StandardScaler)")
    assert "Those parts are not refitted at the origins; the rest of the model is" in texts[
        "two parts"]
    for name in ("final step", "searched", "every member", "deseasonalized"):
        assert texts[name].startswith(f"model {name!r} is not refitted at the origins: ")
        assert ("Its scores are honest only if it was fitted on no value at or after the "
                "earliest origin (the last 12 values") in texts[name]
    # what the part message says: the clone's Ridge is a new, unfitted one, refitted at each
    # origin, while its scaler is the one given
    cloned = clone(models["scaler"])
    assert cloned[0] is models["scaler"][0] and cloned[-1] is not models["scaler"][-1]
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(cloned[-1])


def test_backtest_names_the_scorer_of_a_one_scorer_multi_metric_search_with_refit_false():
    # scikit-learn takes any list, tuple, set or dict scoring for multi-metric, one entry
    # included: backtest told refit=True, which scikit-learn then refused with "For multi-metric
    # scoring, the parameter refit must be set to a scorer key" (review, session 22)
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    series = _frozen_trial_series()
    mae = "neg_mean_absolute_error"
    for scoring, key in (([mae], mae), ((mae,), mae), ({"mae": mae}, "mae")):
        search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(2, gap=5),
                              scoring=scoring, refit=False)
        for model in (search, PredictForecaster(search)):
            with pytest.raises(ValueError) as raised:
                backtest({"s": model}, series, 6, 12)
            message = str(raised.value)
            assert message.startswith("model 's' is a GridSearchCV with refit=False")
            assert (f"pass refit={key!r}, its scorer's name: a scoring given as a "
                    f"{type(scoring).__name__} is multi-metric to scikit-learn even with one "
                    f"scorer") in message
            assert f"or give scoring={mae!r}, with refit=True" in message
            assert "pass refit=True" not in message
        # the advice, followed: backtested
        search.set_params(refit=key)
        assert list(backtest({"s": search}, series, 6, 12)["model"]) == ["s"]
    # a dict of a scorer object: its key, and the scorer alone as the other way
    from sklearn.metrics import get_scorer

    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(2, gap=5),
                          scoring={"mae": get_scorer(mae)}, refit=False)
    with pytest.raises(ValueError, match=r"pass refit='mae', its scorer's name: .* or give the "
                                         r"scorer alone as scoring=, with refit=True"):
        backtest({"s": search}, series, 6, 12)
