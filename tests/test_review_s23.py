"""Review of session 23's wrapper fixes (forecasts that are not finite, masked arrays, messages).

The checks of the wrappers' NaN and inf were made on every member of an ensemble (its median,
robust to a member's inf, was refused for it) and on every step of the horizon (a forecast of
one step was refused for the third); masked arrays were still read as their fill values in
OriginSplit, quantile_loss's levels and the scorers' windows; a Path was no dataset name; a
classifier's labels were fitted by PredictForecaster and failed at predict in NumPy's words;
and the messages lost the path through nested wrappers, blamed the units of ordinary windows,
counted the horizon steps from 0 in predict and from 1 in forecast, and said "Input y contains
NaN." of a masked y.
"""
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, Ridge

from skattn import AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, make_windows
from skattn.baselines import NaiveForecaster
from skattn.metrics import make_mase_scorer, neg_mae_scorer, neg_rmse_scorer, quantile_loss
from skattn.model_selection import OriginSplit, PredictForecaster

LEVELS = (0.1, 0.5, 0.9)

# windows of 12 with season_length=12 are never adjusted: said at each fit, not the subject here
pytestmark = pytest.mark.filterwarnings(
    "ignore::skattn.exceptions.SeasonalAdjustmentWarning")


class Grow(RegressorMixin, BaseEstimator):
    """Forecasts the window's last value times ``factor ** k`` at horizon step k (1, 2, ...):
    beyond float64's range from some step on, from windows of ordinary values."""

    def __init__(self, factor=1e200):
        self.factor = factor

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.horizon_ = np.asarray(y).shape[1]
        return self

    def predict(self, X):
        last = np.asarray(X, dtype=np.float64)[:, -1]
        with np.errstate(over="ignore"):
            return last[:, None] * self.factor ** np.arange(1, self.horizon_ + 1)


class NaNModel(Grow):
    """The window's last value at every step but the second, NaN."""

    def predict(self, X):
        out = np.repeat(np.asarray(X, dtype=np.float64)[:, -1:], self.horizon_, axis=1)
        out[:, 1] = np.nan
        return out


class QGrow(RegressorMixin, BaseEstimator):
    """Quantiles 0.1, 0.5, 0.9 of the last value -1, +0, +1, with the 0.9 quantile of the
    second step inf."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.horizon_ = np.asarray(y).shape[1]
        self.quantiles_ = np.array(LEVELS)
        return self

    def predict(self, X):
        return np.repeat(np.asarray(X, dtype=np.float64)[:, -1:], self.horizon_, axis=1)

    def predict_quantiles(self, X):
        out = self.predict(X)[:, :, None] + np.array([-1.0, 0.0, 1.0])
        out[:, 1, 2] = np.inf
        return out


@pytest.fixture(scope="module")
def data():
    series = 1.0 + 0.1 * np.sin(np.arange(100) * 2 * np.pi / 12)
    X, y = make_windows(series, 12, 3)
    return series, X, y


def _median_of_members(ensemble, windows):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.median(np.stack([np.asarray(member.predict(windows), dtype=np.float64)
                                   for member in ensemble.estimators_]), axis=0)


# --- 1. the ensemble's combination is checked, not each member -------------------------------

def test_the_median_is_robust_to_one_member_beyond_float64(data):
    # it was "the forecast of step 2 (of 3) is inf (member 'g' (Grow) forecast it)", where the
    # median of three members is the others' ([1.0866 1.05 1.0004] before session 23)
    series, X, y = data
    ensemble = ForecastEnsemble([("r", Ridge()), ("l", LinearRegression()),
                                 ("g", Grow())]).fit(X, y)
    np.testing.assert_array_equal(ensemble.predict(X[:5]), _median_of_members(ensemble, X[:5]))
    forecast = ensemble.forecast(series, 3)
    np.testing.assert_array_equal(forecast, _median_of_members(ensemble, series[None, -12:])[0])
    assert np.all(np.isfinite(forecast))
    # a member that refuses its own values (a wrapper) is combined as well
    wrapped = ForecastEnsemble([("r", Ridge()), ("r10", Ridge(alpha=10.0)),
                                ("l", LinearRegression()),
                                ("ds", DeseasonalizedForecaster(Grow(), season_length=12)),
                                ("pf", PredictForecaster(Grow()))]).fit(X, y)
    with pytest.raises(ValueError):
        wrapped.named_estimators_["ds"].predict(X[:2])  # its own forecasts: refused
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(  # three finite, two inf: the median of the five
            wrapped.predict(X[:5]), np.median(np.stack(
                [wrapped.named_estimators_[name].predict(X[:5]) for name in ("r", "r10", "l")]
                + [Grow().fit(X, y).predict(X[:5])] * 2), axis=0))


def test_a_median_beyond_float64_names_the_members_that_made_it(data):
    series, X, y = data
    ensemble = ForecastEnsemble([("r", Ridge()), ("g", Grow()),
                                 ("ds", DeseasonalizedForecaster(Grow(), season_length=12))]
                                ).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "ForecastEnsemble.predict: member 'g' (Grow) and the wrapped Grow in member 'ds' "
            "(DeseasonalizedForecaster) forecast inf for window 0, horizon step 2 of 3, and the "
            "median of the members is inf there")):
        ensemble.predict(X[:2])
    with pytest.raises(ValueError, match=re.escape(
            "ForecastEnsemble.forecast: the forecast of step 2 (of 3) is inf (member 'g' (Grow) "
            "and the wrapped Grow in member 'ds' (DeseasonalizedForecaster) forecast it)")):
        ensemble.forecast(series, 3)


def test_a_member_forecasting_nan_makes_the_median_nan_and_is_named(data):
    # NumPy's median of a NaN is NaN: it was returned before session 23, then refused for the
    # member whatever the median; now refused because the median is NaN, naming the member
    series, X, y = data
    ensemble = ForecastEnsemble([("r", Ridge()), ("l", LinearRegression()),
                                 ("n", NaNModel())]).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "ForecastEnsemble.predict: member 'n' (NaNModel) forecast NaN for window 0, horizon "
            "step 2 of 3, and the median of the members is NaN there")) as info:
        ensemble.predict(X[:2])
    assert "none is NaN" in str(info.value)  # the rule
    with pytest.raises(ValueError, match=re.escape(
            "the forecast of step 2 (of 3) is NaN (member 'n' (NaNModel) forecast it)")):
        ensemble.forecast(series, 3)
    np.testing.assert_array_equal(ensemble.forecast(series, 1),
                                  _median_of_members(ensemble, series[None, -12:])[0, :1])


def test_a_mean_is_refused_for_a_member_beyond_float64_whatever_its_weight(data):
    _, X, y = data
    mean = ForecastEnsemble([("r", Ridge()), ("g", Grow())], aggregate="mean",
                            weights=[1, 0]).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "member 'g' (Grow) forecast inf for window 0, horizon step 2 of 3, and the weighted "
            "mean of the members is NaN there")) as info:
        mean.predict(X[:2])
    assert "0 x inf is NaN" in str(info.value)
    # transform returns every member's values: each is checked
    with pytest.raises(ValueError, match=re.escape(
            "ForecastEnsemble.transform: member 'g' (Grow) forecast inf for window 0, horizon "
            "step 2 of 3")):
        mean.transform(X[:2])


def test_the_median_of_quantiles_is_robust_to_one_member_beyond_float64(data):
    _, X, y = data
    members = [("a", NaiveForecaster(quantiles=LEVELS)), ("b", NaiveForecaster(quantiles=LEVELS)),
               ("q", QGrow())]
    ensemble = ForecastEnsemble(members).fit(X, y)
    quantiles = ensemble.predict_quantiles(X[:3])
    assert np.all(np.isfinite(quantiles))
    np.testing.assert_array_equal(quantiles, ensemble.named_estimators_["a"].predict_quantiles(
        X[:3]))  # two equal members of three: theirs


def test_the_error_keeps_the_values_refused_and_pickles_with_them(data):
    from skattn._validation import NonFiniteForecastError

    _, X, y = data
    model = PredictForecaster(Grow()).fit(X, y)
    with pytest.raises(NonFiniteForecastError) as info:
        model.predict(X[:2])
    np.testing.assert_array_equal(info.value.forecasts, Grow().fit(X, y).predict(X[:2]))
    again = pickle.loads(pickle.dumps(info.value))
    np.testing.assert_array_equal(again.forecasts, info.value.forecasts)
    assert again.position == (0, 1) and again.subject == "the wrapped Grow"


# --- 2. only the steps returned (and fed back) are checked -----------------------------------

def test_a_forecast_of_fewer_steps_than_the_horizon_is_not_refused_for_the_others(data):
    series, X, y = data
    last = series[-1]
    # step 2 and 3 overflow: forecast(history, 1) was refused "the forecast of step 2"
    model = PredictForecaster(Grow()).fit(X, y)
    np.testing.assert_array_equal(model.forecast(series, 1), [last * 1e200])
    with pytest.raises(ValueError, match=re.escape("the forecast of step 2 (of 2) is inf")):
        model.forecast(series, 2)
    for wrapper in (DeseasonalizedForecaster(Grow(), season_length=12),
                    ForecastEnsemble([("g", Grow())])):
        assert np.all(np.isfinite(wrapper.fit(X, y).forecast(series, 1)))
    # the last round of a recursive forecast: steps 4 and 5 of horizon 3, step 5 beyond range
    slow = PredictForecaster(Grow(1e70)).fit(X, y)
    expected = last * 1e70 ** np.arange(1, 5)
    np.testing.assert_allclose(slow.forecast(series, 4), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=re.escape("the forecast of step 5 (of 5) is inf")):
        slow.forecast(series, 5)


def test_forecast_quantiles_of_fewer_steps_are_not_refused_for_the_others(data):
    series, X, y = data
    for model in (ForecastEnsemble([("n", NaiveForecaster(quantiles=LEVELS)), ("q", QGrow())]),
                  DeseasonalizedForecaster(QGrow(), season_length=12),
                  PredictForecaster(QGrow())):
        model.fit(X, y)
        # step 2's 0.9 quantile is inf: forecast_quantiles(history, 1) was refused for it
        assert np.all(np.isfinite(model.forecast_quantiles(series, 1)))
        with pytest.raises(ValueError, match=re.escape(
                "forecast_quantiles: the forecast of quantile 0.9 of step 2 (of 2) is inf")):
            model.forecast_quantiles(series, 2)


# --- 3. masked arrays are read as missing values everywhere ----------------------------------

def _masked_at(values, position, fill=-9999.0):
    values = np.array(values, dtype=np.float64)
    values[position] = fill
    return np.ma.masked_values(values, fill)


def test_origin_split_reads_a_masked_target_as_missing():
    series = 100 + 10 * np.sin(np.arange(200) * 2 * np.pi / 12)
    X, y, index = make_windows(series, 24, 3, min_target=1, return_index=True)
    masked = np.ma.masked_invalid(y)
    masked.data[np.isnan(y)] = -9999.0  # the fill values beneath the mask
    split = OriginSplit(index, 3, n_origins=2)
    # the masked rows counted as complete: the origins moved two steps on
    for (train_nan, valid_nan), (train_masked, valid_masked) in zip(split.split(X, y),
                                                                    split.split(X, masked)):
        np.testing.assert_array_equal(train_nan, train_masked)
        np.testing.assert_array_equal(valid_nan, valid_masked)


def test_quantile_loss_refuses_a_masked_level():
    y = np.array([1.0, 2.0])
    forecasts = np.array([[0.5, 1.5], [1.5, 2.5]])
    # it was 0.1, the masked 0.9 read as a level
    with pytest.raises(ValueError, match=r"got array\(\[0\.1, nan\]\) \(a masked array: its 1 "
                                         r"masked entry is read as NaN"):
        quantile_loss(y, forecasts, np.ma.masked_array([0.1, 0.9], mask=[0, 1]))
    # the fill value beneath the mask was shown as a level
    with pytest.raises(ValueError) as info:
        quantile_loss(y, forecasts, _masked_at([0.1, 0.9], 1))
    assert "-9999" not in str(info.value)
    assert quantile_loss(y, forecasts, np.ma.masked_array([0.1, 0.9])) == quantile_loss(
        y, forecasts, [0.1, 0.9])  # nothing masked: the levels


def test_the_scorers_refuse_masked_windows_before_a_model_reads_their_fill_values():
    from sklearn.metrics._scorer import _MultimetricScorer

    series = 100 + 10 * np.sin(np.arange(200) * 2 * np.pi / 12)
    X, y = make_windows(series, 24, 3)
    model = Ridge().fit(X, y)
    masked = _masked_at(X, (5, 3))
    located = (r"X contains NaN or infinity \(1 NaN in 1 of its \d+ windows, the first in window "
               r"5, time step 3\) \(a masked array: its 1 masked entry is read as NaN")
    # neg_mae_scorer was -8.18, from the fill value; the MASE scorer blamed "y_train"
    for scorer in (neg_mae_scorer, neg_rmse_scorer, make_mase_scorer(12)):
        with pytest.raises(ValueError, match=located):
            scorer(model, masked, y)
    with pytest.raises(ValueError, match=located):  # scikit-learn's multi-metric scoring
        _MultimetricScorer(scorers={"mae": neg_mae_scorer, "rmse": neg_rmse_scorer},
                           raise_exc=True)(model, masked, y)
    # nothing masked: the score of the data
    assert neg_mae_scorer(model, np.ma.masked_array(X), y) == neg_mae_scorer(model, X, y)


# --- 4. load_dataset takes a path ------------------------------------------------------------

def test_load_dataset_takes_a_path(tmp_path):
    from skattn.__main__ import load_dataset

    csv = tmp_path / "d.csv"
    csv.write_text("value\n" + "\n".join(str(v) for v in range(1, 31)) + "\n")
    series, horizon, season, title, ids = load_dataset(csv)  # an AttributeError ('strip')
    np.testing.assert_array_equal(series[0], np.arange(1.0, 31.0))
    assert title == "d.csv"
    # a Path names a file, never a built-in dataset
    with pytest.raises(ValueError, match="no such file: 'airline'"):
        load_dataset(Path("airline"))


# --- 5. PredictForecaster forecasts numbers ---------------------------------------------------

def test_predict_forecaster_refuses_labels_at_fit(data):
    _, X, y = data
    labels = np.array(["a", "b", "c"])[np.arange(len(X)) % 3]
    # fitted, then every predict failed "could not convert string to float"
    with pytest.raises(ValueError, match=r"PredictForecaster\.fit: y must be numeric: got text "
                                         r"values \(e\.g\. 'a'\).*labels"):
        PredictForecaster(DummyClassifier()).fit(X, labels)
    # numeric classes are numbers, forecast as they are
    classes = np.arange(len(X)) % 3
    np.testing.assert_array_equal(PredictForecaster(DummyClassifier()).fit(X, classes).predict(
        X[:2]), DummyClassifier().fit(X, classes).predict(X[:2]))


# --- 6. messages ---------------------------------------------------------------------------------

def test_nested_wrappers_name_the_path_to_the_member(data):
    series, X, y = data
    for outer in (PredictForecaster, lambda m: DeseasonalizedForecaster(m, season_length=12)):
        model = outer(ForecastEnsemble([("r", Ridge()), ("g", Grow())])).fit(X, y)
        with pytest.raises(ValueError, match=re.escape(
                "(member 'g' (Grow) in the wrapped ForecastEnsemble forecast it)")):
            model.forecast(series, 3)
        with pytest.raises(ValueError, match=re.escape(
                "member 'g' (Grow) in the wrapped ForecastEnsemble forecast inf for window 0")):
            model.predict(X[:1])


def test_the_units_are_blamed_only_for_windows_far_from_the_training_data(data):
    series, X, y = data
    model = PredictForecaster(NaNModel()).fit(X, y)
    # windows as the training ones: the model produced it
    for call in (lambda: model.predict(X[:2]), lambda: model.forecast(series, 3)):
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert ("values of ordinary size, so not their units: the wrapped NaNModel went astray "
                "on them") in message
        assert "in smaller units" not in message
    # windows beyond float64's reach, or far beyond the training windows': their units
    tenfold = DeseasonalizedForecaster(Grow(10.0), season_length=12).fit(X, y)
    with pytest.raises(ValueError, match=r"The windows reach 1e\+308 in absolute value \(those "
                                         r"of the training windows: 1\.1\): give the windows "
                                         r"in the units of the training data"):
        tenfold.predict(np.full((1, 12), 1e308))
    with pytest.raises(ValueError, match=r"whose values reach 500 in absolute value \(those of "
                                         r"the training windows: 1\.1\), more than 100 times "
                                         r"theirs: give the history in the units of the "
                                         r"training data"):
        model.forecast(np.full(20, 500.0), 3)


def test_predict_and_forecast_count_the_horizon_steps_alike(data):
    series, X, y = data
    model = PredictForecaster(NaNModel()).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("for window 0, horizon step 2 of 3:")):
        model.predict(series[None, -12:])
    with pytest.raises(ValueError, match=re.escape("the forecast of step 2 (of 3)")):
        model.forecast(series, 3)


def test_a_masked_target_refused_by_a_wrapped_model_is_said_to_be_masked(data):
    _, X, y = data
    masked = np.ma.masked_array(y.copy(), np.zeros(y.shape, dtype=bool))
    masked[4, 1] = np.ma.masked
    note = re.escape("Input y contains NaN (a masked array: its 1 masked entry is read as NaN, "
                     "missing values)")
    for model in (DeseasonalizedForecaster(Ridge(), season_length=12), PredictForecaster(Ridge()),
                  ForecastEnsemble([("r", Ridge()), ("n", NaiveForecaster())])):
        with pytest.raises(ValueError, match=note):
            model.fit(X, masked)
    # a masked X that PredictForecaster hands to its model as NaN
    fitted = PredictForecaster(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("Input X contains NaN (a masked array")):
        fitted.predict(_masked_at(X[:3], (1, 2)))
    # a row masked whole: every target of it missing
    masked[4] = np.ma.masked
    with pytest.raises(ValueError, match=re.escape(
            "Input y contains NaN in every value of 1 row(s) (the first: row 4) (a masked array: "
            "its 3 masked entries are read as NaN")):
        DeseasonalizedForecaster(NaiveForecaster(), season_length=12).fit(X, masked)


def test_attention_forecaster_says_masked_right_after_where(data):
    _, X, y = data
    with pytest.raises(ValueError, match=r"window 3, time step 4\) \(a masked array: its 1 masked "
                                         r"entry is read as NaN, missing values\); "
                                         r"AttentionForecaster needs observed values"):
        AttentionForecaster(max_epochs=1).fit(_masked_at(X, (3, 4)), y)


def test_validate_windows_takes_the_package_rule_for_missing_targets_only(data):
    from skattn._validation import validate_windows

    _, X, y = data
    with pytest.raises(ValueError, match="missing_y=True only"):
        validate_windows(Ridge(), X, y, reset=True, missing_y=False)


def test_a_model_pickled_before_the_training_reach_was_kept_names_both_causes(data):
    # a model fitted before session 23's fixes has no _training_reach: its error had said
    # "values of ordinary size, so not their units" for windows 1e10 times the training ones
    # (review B); whether the units differ is not known, so both remedies are given
    series, X, y = data
    model = PredictForecaster(NaNModel()).fit(X, y)
    del model._training_reach
    loaded = pickle.loads(pickle.dumps(model))
    with pytest.raises(ValueError) as info:
        loaded.predict(X[:2] * 1e10)
    message = str(info.value)
    assert "so not their units" not in message
    assert ("give the windows in the units of the training data, or, if they are, the wrapped "
            "NaNModel went astray on them") in message
