"""The scorers' warnings once per scorer and process, not at every fold and candidate of a search.

A search calls its scorer once per fold and candidate, and scikit-learn resets the warning filters
for each call, so Python's default filter (once per line) showed ``neg_smape_scorer``'s
MetricWarning at every call that held a 0: 9 times for 3 candidates over 4 origins, where the
MASE scorer already said its own warning once. The metric functions still warn at every call."""
import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from skattn import make_windows
from skattn.exceptions import MetricWarning
from skattn.metrics import (_smape_of_observed, _WindowsScorer, make_quantile_loss_scorer,
                            neg_mae_scorer, neg_rmse_scorer, neg_smape_scorer, smape)
from skattn.model_selection import OriginSplit


def _windows_with_zeros():
    """Windows of 6 series of 80 values, a tenth of them 0 (holidays): most folds hold a 0."""
    rng = np.random.default_rng(0)
    series = [np.where(rng.random(80) < 0.1, 0.0, 10 + rng.normal(0, 1, 80)) for _ in range(6)]
    return make_windows(series, window=12, horizon=3, return_index=True)


def _new_smape_scorer():
    # a scorer that has warned of nothing yet: neg_smape_scorer is shared by the whole process
    return _WindowsScorer(_smape_of_observed, -1, {}, "predict")


def _metric_warnings(fit, action="always"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        fit()
    return [w for w in caught if issubclass(w.category, MetricWarning)]


@pytest.mark.parametrize("action", ["always", "default"])
def test_smape_scorer_in_a_search_warns_once_not_at_every_fold_and_candidate(action):
    X, y, index = _windows_with_zeros()
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring=_new_smape_scorer(),
                          cv=OriginSplit(index, horizon=3, n_origins=4))
    (warned,) = _metric_warnings(lambda: search.fit(X, y), action)  # 9 before
    message = str(warned.message)
    assert "values are 0, forecast as 0, or of the other sign" in message
    assert "once" in message and "not at each fold of a search" in message
    assert warned.filename == __file__  # the line that ran the search
    # the same scorer in another search: warned already
    assert _metric_warnings(lambda: search.fit(X, y)) == []


def test_smape_scorer_warns_once_in_multi_metric_scoring_and_cross_validate():
    X, y, _ = _windows_with_zeros()
    scorer = _new_smape_scorer()
    scoring = {"smape": scorer, "mae": neg_mae_scorer, "rmse": neg_rmse_scorer}
    assert len(_metric_warnings(lambda: cross_validate(Ridge(), X, y, scoring=scoring,
                                                       cv=TimeSeriesSplit(5)))) == 1
    assert _metric_warnings(lambda: cross_validate(Ridge(), X, y, scoring=scorer,
                                                   cv=TimeSeriesSplit(5))) == []


def test_smape_scorer_warns_again_for_a_new_scorer_not_for_copies():
    X, y, _ = _windows_with_zeros()
    model = Ridge().fit(X, y)
    scorer = _new_smape_scorer()
    assert len(_metric_warnings(lambda: scorer(model, X, y))) == 1
    assert _metric_warnings(lambda: scorer(model, X, y)) == []
    # a copy pickled to a search's worker, or deep-copied: the same scorer, warned already
    for copied in (pickle.loads(pickle.dumps(scorer)), copy.deepcopy(scorer)):
        assert _metric_warnings(lambda: copied(model, X, y)) == []
    assert len(_metric_warnings(lambda: _new_smape_scorer()(model, X, y))) == 1
    # the metric function itself warns at every call, as documented
    y_pred = model.predict(X)
    assert len(_metric_warnings(lambda: [smape(y, y_pred) for _ in range(3)])) == 3


def test_scores_are_the_metrics_values_bitwise():
    X, y, index = _windows_with_zeros()
    cv = OriginSplit(index, horizon=3, n_origins=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, scoring=_new_smape_scorer(),
                              cv=cv).fit(X, y)
        for candidate, params in enumerate(search.cv_results_["params"]):
            for fold, (train, test) in enumerate(cv.split(X, y)):
                model = Ridge(**params).fit(X[train], y[train])
                expected = -smape(y[test], model.predict(X[test]))
                assert search.cv_results_[f"split{fold}_test_score"][candidate] == expected
        model = Ridge().fit(X, y)
        assert neg_smape_scorer(model, X, y) == -smape(y, model.predict(X))


def test_smape_scorer_pickled_without_a_token_gives_its_copies_one_to_share():
    # a fitted search's scorer_ pickled by an earlier version has no token: pickled again to a
    # search's workers before it first scored, each task's copy would have named itself
    X, y, _ = _windows_with_zeros()
    model = Ridge().fit(X, y)
    scorer = _new_smape_scorer()
    del scorer.__dict__["_token"]
    copies = [pickle.loads(pickle.dumps(scorer)) for _ in range(3)]
    assert len(_metric_warnings(lambda: [c(model, X, y) for c in copies])) == 1
    assert _metric_warnings(lambda: scorer(model, X, y)) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)  # smape itself warns at every call
        assert scorer(model, X, y) == -smape(y, model.predict(X))


def test_the_other_scorers_have_no_warning_to_repeat():
    # neg_mae, neg_rmse and the quantile loss scorer warn of nothing themselves (msis has no
    # scorer): a search by them on the same data says nothing
    from skattn.baselines import NaiveForecaster

    X, y, index = _windows_with_zeros()
    cv = OriginSplit(index, horizon=3, n_origins=2)
    for scorer in (neg_mae_scorer, neg_rmse_scorer):
        assert _metric_warnings(lambda: GridSearchCV(
            Ridge(), {"alpha": [0.1, 1.0]}, scoring=scorer, cv=cv).fit(X, y)) == []
    assert _metric_warnings(lambda: GridSearchCV(
        NaiveForecaster(quantiles=(0.1, 0.5, 0.9)), {"quantiles": [(0.1, 0.5, 0.9)]},
        scoring=make_quantile_loss_scorer(), cv=cv).fit(X, y)) == []


def test_the_shared_smape_scorer_in_searches_with_default_filters():
    # in a fresh process, with Python's default filters, as a user's script runs: the warning is
    # shown once by the search in the caller's process, and once at most by each worker process
    # of a parallel one (whose copies of the scorer share its token)
    script = """
import sys
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from skattn import make_windows
from skattn.metrics import neg_smape_scorer
from skattn.model_selection import OriginSplit
rng = np.random.default_rng(0)
series = [np.where(rng.random(80) < 0.1, 0.0, 10 + rng.normal(0, 1, 80)) for _ in range(6)]
X, y, index = make_windows(series, window=12, horizon=3, return_index=True)
for n_jobs in (1, 2, 2):
    print("SEARCH", file=sys.stderr, flush=True)
    GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring=neg_smape_scorer, n_jobs=n_jobs,
                 cv=OriginSplit(index, horizon=3, n_origins=4)).fit(X, y)
    sys.stderr.flush()
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    shown = [part.count("MetricWarning") for part in result.stderr.split("SEARCH")[1:]]
    assert shown[0] == 1, result.stderr  # 9 before
    # each of the two workers once over both parallel searches (9 and 9 before): a worker that
    # took no task in the second search (joblib hands out batches of folds) warns in the third
    assert shown[1] >= 1 and shown[1] + shown[2] <= 2, result.stderr


# ------------------------------------------------------------------------------------------
# The count of short series in the length errors: "1 of the 2 series has", not "have" (kept
# here, with the session's other messages, as the wording's only new tests)
# ------------------------------------------------------------------------------------------
def test_length_errors_say_has_of_one_short_series_and_have_of_several():
    from skattn.__main__ import check_lengths, skip_short_series
    from skattn.baselines import NaiveForecaster
    from skattn.model_selection import backtest

    one = [np.arange(1.0, 51.0), np.arange(1.0, 6.0)]
    two = [np.arange(1.0, 51.0), np.arange(1.0, 6.0), np.arange(1.0, 7.0)]
    with pytest.raises(ValueError, match=r"; 1 of the 2 series has fewer than 12 values "
                                         r"\(series 1\): leave it out with --skip-short"):
        check_lengths(one, 10, 1)
    with pytest.raises(ValueError, match=r"; 2 of the 3 series have fewer than 12 values "
                                         r"\(series 1, 2\): leave them out with --skip-short"):
        check_lengths(two, 10, 1)
    with pytest.warns(UserWarning, match=r"^--skip-short: 1 of the 2 series has fewer than 12 "
                                         r"values, .*, and is left out \(series 1\)$"):
        skip_short_series(one, 10, 1)
    with pytest.warns(UserWarning, match=r"^--skip-short: 2 of the 3 series have fewer than 12 "
                                         r"values, .*, and are left out \(series 1, 2\)$"):
        skip_short_series(two, 10, 1)
    with pytest.raises(ValueError, match=r"; 1 of the 2 series has fewer than 22 values "
                                         r"\(series 1\): leave it out, e\.g\. keep = "):
        backtest(NaiveForecaster(), one, window=4, horizon=10, n_origins=2)
    with pytest.raises(ValueError, match=r"; 2 of the 3 series have fewer than 22 values "
                                         r"\(series 1, 2\): leave them out, e\.g\. keep = "):
        backtest(NaiveForecaster(), two, window=4, horizon=10, n_origins=2)
