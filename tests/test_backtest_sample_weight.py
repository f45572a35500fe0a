"""backtest(sample_weight=...): the windows each origin trains on weighted by a callable of their
index (series number, age), e.g. recency weighting (user trial, session 25)."""
import functools

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skattn import AttentionForecaster, make_windows
from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster, ThetaForecaster
from skattn.model_selection import backtest

# three epochs are enough to tell weighted fits from unweighted ones
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HORIZON, WINDOW = 4, 12


def _series(lengths=(80, 64, 71), seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for number, length in enumerate(lengths):
        t = np.arange(length)
        out.append(10 + 3 * number + 0.05 * t + 2 * np.sin(2 * np.pi * t / 6)
                   + rng.normal(0, 0.3, length))
    return out


def _covariates(series, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(len(s), 1)) for s in series]


def _small(**params):
    return AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=3, random_state=0,
                               **params)


def recency(index):
    return 0.5 ** (index[:, 1] / 6)


class WeightSpy(RegressorMixin, BaseEstimator):
    """A window regressor (wrapped in a PredictForecaster by backtest) that records what each
    fit is given: the windows, the targets and the weights."""

    fits = []  # class-level: survives clone()

    def fit(self, X, y, sample_weight=None):
        WeightSpy.fits.append((np.array(X), np.array(y),
                               None if sample_weight is None else np.array(sample_weight)))
        self.horizon_ = 1 if np.ndim(y) == 1 else np.shape(y)[1]
        return self

    def predict(self, X):
        X = np.asarray(X)
        last = X[:, -1] if X.ndim == 2 else X[:, -1, 0]
        return np.repeat(last[:, None], self.horizon_, axis=1)


@pytest.mark.parametrize("options", [{}, {"step": 3}, {"min_history": 5}, {"min_target": 2},
                                     {"covariates": True}, {"step": 2, "min_target": 1}],
                         ids=["plain", "step", "min_history", "min_target", "covariates",
                              "step_min_target"])
def test_the_callable_receives_each_origins_index(options):
    series = _series()
    options = dict(options)
    covariates = _covariates(series) if options.pop("covariates", False) else None
    calls = []

    def weights(index):
        calls.append(np.array(index, copy=True))
        return 1.0 + index[:, 1] + 100 * index[:, 0]  # a weight of its own for every window

    WeightSpy.fits = []
    n_origins = 3
    _, forecasts = backtest(WeightSpy(), series, HORIZON, WINDOW, n_origins=n_origins,
                            origin_step=2, covariates=covariates, return_forecasts=True,
                            sample_weight=weights, **options)
    origins = forecasts["__origins__"]  # (n_origins, n_series): each series' own origins
    assert len(calls) == n_origins == len(WeightSpy.fits)
    for j, (index, (X, y, given)) in enumerate(zip(calls, WeightSpy.fits)):
        assert index.dtype.kind == "i" and index.shape == (len(X), 2)
        numbers, ages = index[:, 0], index[:, 1]
        assert set(numbers.tolist()) == {0, 1, 2}
        # the weights the callable returned reach the fit, row for row
        np.testing.assert_array_equal(given, 1.0 + ages + 100 * numbers)
        # each row's age: its first target value lies `age` steps before its series' origin
        histories = [s[:origins[j, i]] for i, s in enumerate(series)]
        for row in range(len(X)):
            i, age = numbers[row], ages[row]
            assert 1 <= age <= origins[j, i]
            assert y[row, 0] == histories[i][origins[j, i] - age]
        for i in range(len(series)):
            of_series = np.sort(ages[numbers == i])
            full = of_series[of_series >= HORIZON]
            assert full[0] == HORIZON  # the newest complete window of every series
            step = options.get("step", 1)
            np.testing.assert_array_equal(np.diff(full), step)
            if "min_target" in options:
                assert of_series[0] < HORIZON  # the windows past the origin are younger
            else:
                assert of_series[0] == HORIZON
        # the rows are those of the training X, in its order
        covariate_histories = (None if covariates is None else
                               [c[:origins[j, i]] for i, c in enumerate(covariates)])
        X_ref, _, index_ref = make_windows(histories, WINDOW, HORIZON,
                                           covariates=covariate_histories, return_index=True,
                                           **options)
        np.testing.assert_array_equal(X, X_ref)
        np.testing.assert_array_equal(numbers, index_ref[:, 0])


def test_one_series_has_series_number_0_and_the_newest_window_age_horizon():
    series = _series(lengths=(50,))[0]
    calls = []

    def weights(index):
        calls.append(np.array(index, copy=True))
        return np.ones(len(index))

    backtest(WeightSpy(), series, HORIZON, WINDOW, n_origins=2, sample_weight=weights)
    assert len(calls) == 2
    for j, index in enumerate(calls):
        assert (index[:, 0] == 0).all()
        # the origins are 50 - 8 and 50 - 4: windows of 42 - 4 - 12 + 1 and 46 - 16 + 1 rows
        np.testing.assert_array_equal(index[:, 1], np.arange(len(index))[::-1] + HORIZON)
        assert len(index) == 50 - HORIZON * (2 - j) - HORIZON - WINDOW + 1


@pytest.mark.parametrize("with_covariates", [False, True])
def test_weights_reach_attention_forecaster(with_covariates):
    series = _series(lengths=(80, 64))
    covariates = _covariates(series) if with_covariates else None
    _, weighted = backtest({"attn": _small()}, series, HORIZON, WINDOW, n_origins=2,
                           covariates=covariates, return_forecasts=True, sample_weight=recency)
    _, plain = backtest({"attn": _small()}, series, HORIZON, WINDOW, n_origins=2,
                        covariates=covariates, return_forecasts=True)
    assert not np.allclose(weighted["attn"], plain["attn"])  # the weights changed the model
    origins = weighted["__origins__"]
    for j in range(2):
        histories = [s[:origins[j, i]] for i, s in enumerate(series)]
        covariate_histories = (None if covariates is None else
                               [c[:origins[j, i]] for i, c in enumerate(covariates)])
        X, y, index = make_windows(histories, WINDOW, HORIZON, covariates=covariate_histories,
                                   return_index=True)
        ages = np.array([len(histories[i]) for i in index[:, 0]]) - index[:, 1]
        model = _small().fit(X, y, sample_weight=0.5 ** (ages / 6))
        for i, history in enumerate(histories):
            if covariates is not None:
                history = np.column_stack([history, covariate_histories[i]])
            np.testing.assert_array_equal(weighted["attn"][j, i], model.forecast(history, HORIZON))


def test_equal_weights_score_as_none():
    series = _series(lengths=(60, 48))
    scores = ["smape", "mase", "mae", "rmse"]
    table_none, none = backtest({"attn": _small()}, series, HORIZON, WINDOW, n_origins=2,
                                return_forecasts=True)
    table_equal, equal = backtest({"attn": _small()}, series, HORIZON, WINDOW, n_origins=2,
                                  return_forecasts=True,
                                  sample_weight=lambda index: np.full(len(index), 2.5))
    np.testing.assert_array_equal(equal["attn"], none["attn"])
    for column in scores:
        assert table_equal[column][0] == table_none[column][0]


def test_a_dict_weights_only_the_models_it_names():
    series = _series(lengths=(60, 48))
    calls = []

    def weights(index):
        calls.append(len(index))
        return recency(index)

    models = {"weighted": _small(), "plain": _small(), "naive": NaiveForecaster()}
    _, forecasts = backtest(models, series, HORIZON, WINDOW, n_origins=2, return_forecasts=True,
                            sample_weight={"weighted": weights})
    _, reference = backtest({"plain": _small()}, series, HORIZON, WINDOW, n_origins=2,
                            return_forecasts=True)
    assert len(calls) == 2  # one call per origin, for the one model named
    np.testing.assert_array_equal(forecasts["plain"], reference["plain"])
    assert not np.allclose(forecasts["weighted"], forecasts["plain"])
    with pytest.raises(ValueError, match="'wieghted'"):
        backtest(models, series, HORIZON, WINDOW, sample_weight={"wieghted": weights})


@pytest.mark.parametrize("refused", [SeasonalNaiveForecaster(season_length=6),
                                     make_pipeline(StandardScaler(), Ridge())],
                         ids=["baseline", "pipeline"])
def test_a_model_that_takes_no_weights_under_one_callable_is_named(refused):
    calls = []

    def weights(index):
        calls.append(index)
        return np.ones(len(index))

    models = {"attn": _small(), "refused one": refused}
    with pytest.raises(ValueError, match=r"model 'refused one'.*pass a dict naming only the "
                                         r"models that take weights.*'attn'"):
        backtest(models, _series(), HORIZON, WINDOW, sample_weight=weights)
    assert calls == []  # refused before any training
    # named in a dict, it is refused too; left out of it, it is fitted unweighted
    with pytest.raises(ValueError, match="model 'refused one'"):
        backtest(models, _series(), HORIZON, WINDOW, sample_weight={"refused one": weights})
    table = backtest(models, _series(), HORIZON, WINDOW, sample_weight={"attn": weights})
    assert sorted(table["model"]) == ["attn", "refused one"]


def _bad_at_second_origin(index, calls=[]):
    calls.append(1)
    return np.ones(len(index)) if len(calls) % 2 else np.full(len(index), -1.0)


@pytest.mark.parametrize("bad, what", [
    (lambda index: np.ones(len(index) - 1), "shape"),
    (lambda index: np.ones((len(index), 1)), "shape"),
    (lambda index: 1.0, "shape"),
    (lambda index: np.where(index[:, 1] == HORIZON, np.nan, 1.0), "NaN"),
    (lambda index: np.where(index[:, 1] == HORIZON, np.inf, 1.0), "infinite"),
    (lambda index: np.where(index[:, 0] == 1, -0.5, 1.0), "negative"),
    (lambda index: np.array(["1"] * len(index)), "numeric"),
    (lambda index: np.ones(len(index)) * 1j, "real numbers"),
    (lambda index: np.zeros(len(index)), "windows 0"),
], ids=["short", "2-D", "scalar", "nan", "inf", "negative", "text", "complex", "all zero"])
def test_bad_weights_are_value_errors_naming_the_origin(bad, what):
    with pytest.raises(ValueError, match=r"backtest's sample_weight at origin 1 of 2") as info:
        backtest(_small(), _series(), HORIZON, WINDOW, n_origins=2, sample_weight=bad)
    assert what in str(info.value)


def test_bad_weights_at_a_later_origin_name_it():
    with pytest.raises(ValueError, match=r"backtest's sample_weight\['attn'\] at origin 2 of 3 "
                                         r".*negative"):
        backtest({"attn": _small()}, _series(), HORIZON, WINDOW, n_origins=3,
                 sample_weight={"attn": _bad_at_second_origin})


def test_n_jobs_2_gives_the_results_of_n_jobs_1():
    series = _series()
    covariates = _covariates(series)
    results = []
    for n_jobs in (1, 2):
        models = {"attn": _small(), "theta": ThetaForecaster(season_length=6)}
        table, forecasts = backtest(models, series, HORIZON, WINDOW, n_origins=2,
                                    covariates=covariates, n_jobs=n_jobs, return_forecasts=True,
                                    sample_weight={"attn": recency}, sort_by=None)
        results.append((table, forecasts))
    (table_1, forecasts_1), (table_2, forecasts_2) = results
    for name in ("attn", "theta"):
        np.testing.assert_array_equal(forecasts_2[name], forecasts_1[name])
    for column in ("smape", "mase", "mae", "rmse"):
        np.testing.assert_array_equal(np.asarray(table_2[column]), np.asarray(table_1[column]))
    _, plain = backtest({"attn": _small()}, series, HORIZON, WINDOW, n_origins=2,
                        covariates=covariates, n_jobs=2, return_forecasts=True)
    assert not np.allclose(forecasts_2["attn"], plain["attn"])


def test_with_routing_a_member_that_does_not_request_the_weights_is_named_before_training():
    # one request set of the recipe's two members: backtest passed the check and the second
    # member failed at its own fit, after the first had trained (review, session 25)
    from sklearn import config_context

    from skattn.recipes import make_attention_ensemble

    series = _series()
    with config_context(enable_metadata_routing=True):
        recipe = make_attention_ensemble((8,), season_length=1, n_seeds=1, max_epochs=1,
                                         random_state=0)
        first = recipe.estimators[0][1]  # season 1: the MemberPipeline itself
        first.steps[-1][1].set_fit_request(sample_weight=True)
        trained = []
        original_fit = AttentionForecaster.fit

        @functools.wraps(original_fit)  # its signature, which metadata routing reads
        def counting_fit(self, *args, **kwargs):
            trained.append(self)
            return original_fit(self, *args, **kwargs)

        AttentionForecaster.fit = counting_fit
        try:
            with pytest.raises(ValueError, match=r"model 'recipe' .*its member "
                                                 r"'trend_w8_seed0': MemberPipeline routes "
                                                 r"sample_weight to no estimator"):
                backtest({"recipe": recipe}, series, HORIZON, WINDOW, sample_weight=recency)
        finally:
            AttentionForecaster.fit = original_fit
        assert trained == []


def test_with_routing_a_bare_regressor_is_named_not_the_wrapper_backtest_built():
    from sklearn import config_context

    series = _series()
    with config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match=r"model 'r' \(Ridge\) .*: Ridge does not request "
                                             r"sample_weight"):
            backtest({"r": Ridge()}, series, HORIZON, WINDOW, sample_weight=recency)
        # requested, it is weighted as without routing
        routed = backtest({"r": Ridge().set_fit_request(sample_weight=True)}, series, HORIZON,
                          WINDOW, sample_weight=recency)
    plain = backtest({"r": Ridge()}, series, HORIZON, WINDOW, sample_weight=recency)
    np.testing.assert_array_equal(routed["smape"], plain["smape"])
