"""The scorers' warnings once per scorer and process, not at every fold and candidate of a search.

A search calls its scorer once per fold and candidate, and scikit-learn resets the warning filters
for each call, so Python's default filter (once per line) showed ``neg_smape_scorer``'s
MetricWarning at every call that held a 0: 9 times for 3 candidates over 4 origins, where the
MASE scorer already said its own warning once. The metric functions still warn at every call.
The once follows the warning filters: only a warning they showed uses it up (not one they
ignored or held back, nor an error), and "always" shows it at every call."""
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


def _metric_warnings(fit, action="default"):
    # "default", as a script runs: "always" shows the scorers' warnings at every call
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        fit()
    return [w for w in caught if issubclass(w.category, MetricWarning)]


@pytest.mark.parametrize("action", ["default", "module"])
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
    assert len(_metric_warnings(lambda: [smape(y, y_pred) for _ in range(3)], "always")) == 3


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


# ------------------------------------------------------------------------------------------
# Review, session 24: the "once" follows the warning filters. A first call under "ignore" (a
# quick look, a library that silences warnings) used up the once, and the real evaluation under
# "always" showed nothing; the module-level scorer warned once per process, so a notebook's
# second data set with zeros was never warned of: make_smape_scorer() gives a new scorer
# ------------------------------------------------------------------------------------------
def _scored(scorer, data=None):
    X, y, _ = _windows_with_zeros() if data is None else data
    model = Ridge().fit(X, y)
    return lambda: scorer(model, X, y)


def test_a_warning_the_filters_ignore_does_not_use_up_the_once():
    scorer = _new_smape_scorer()
    assert _metric_warnings(_scored(scorer), "ignore") == []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=MetricWarning)
        _scored(scorer)()
    (warned,) = _metric_warnings(_scored(scorer), "default")  # 0 before
    assert warned.filename == __file__
    assert _metric_warnings(_scored(scorer), "default") == []  # now used up


def test_an_always_filter_shows_the_warning_every_time():
    scorer = _new_smape_scorer()
    assert len(_metric_warnings(lambda: [_scored(scorer)() for _ in range(3)], "always")) == 3
    # shown: said, so the default filters do not repeat it
    assert _metric_warnings(lambda: [_scored(scorer)() for _ in range(3)], "default") == []
    # said once, by the default filters: "always" still shows it, the others do not
    scorer = _new_smape_scorer()
    assert len(_metric_warnings(lambda: [_scored(scorer)() for _ in range(3)], "default")) == 1
    assert len(_metric_warnings(lambda: [_scored(scorer)() for _ in range(2)], "always")) == 2
    assert _metric_warnings(_scored(scorer), "default") == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _scored(scorer)()
    # "always" for MetricWarning only, the rest ignored: the first matching filter decides
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", category=MetricWarning)
        _scored(scorer)()
    assert len(caught) == 1


def test_a_search_under_an_always_filter_shows_every_fold_that_holds_a_zero():
    X, y, index = _windows_with_zeros()
    scorer = _new_smape_scorer()
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring=scorer,
                          cv=OriginSplit(index, horizon=3, n_origins=4))
    assert len(_metric_warnings(lambda: search.fit(X, y), "always")) == 9
    assert _metric_warnings(lambda: search.fit(X, y), "default") == []
    assert len(_metric_warnings(lambda: search.fit(X, y), "always")) == 9


@pytest.mark.parametrize("ignored", [
    dict(module=__name__.replace(".", r"\.") + "$"),  # the module the warning is put at
    dict(message=r"\d+ of the \d+ values are 0"),
    dict(category=UserWarning),  # a base class of MetricWarning
    dict(message="", category=MetricWarning, module="", lineno=0),
])
def test_the_filters_are_matched_as_warnings_matches_them(ignored):
    scorer = _new_smape_scorer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", **ignored)
        _scored(scorer)()
    assert caught == []
    assert len(_metric_warnings(_scored(scorer), "default")) == 1


@pytest.mark.parametrize("unmatched", [
    dict(module="skattn"),  # the warning is put at the caller's line, this module
    dict(message="sMAPE"),  # matched at the start of the message
    dict(category=DeprecationWarning),
    dict(lineno=1),
])
def test_a_filter_that_does_not_match_leaves_the_action_to_the_next(unmatched):
    scorer = _new_smape_scorer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", **unmatched)
        _scored(scorer)()
        _scored(scorer)()
    assert len(caught) == 1  # shown by the default filter, then used up


def test_an_error_filter_raises_at_every_call_without_using_up_the_once():
    scorer = _new_smape_scorer()
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error", MetricWarning)
            with pytest.raises(MetricWarning, match="values are 0"):
                _scored(scorer)()
    assert len(_metric_warnings(_scored(scorer), "default")) == 1


def test_the_mase_scorers_warning_follows_the_filters_too():
    from skattn.metrics import make_mase_scorer

    X, y, index = make_windows(np.sin(np.arange(200.0) / 2) + 5, window=13, horizon=1,
                               return_index=True)
    model = Ridge().fit(X, y)
    scorer = make_mase_scorer(12)
    assert _metric_warnings(lambda: scorer(model, X, y), "ignore") == []
    (warned,) = _metric_warnings(lambda: [scorer(model, X, y) for _ in range(2)], "default")
    assert "seasonal difference" in str(warned.message) and warned.filename == __file__
    assert _metric_warnings(lambda: scorer(model, X, y), "default") == []
    assert len(_metric_warnings(lambda: [scorer(model, X, y) for _ in range(2)], "always")) == 2
    # a search by it: once, not at every fold and candidate
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring=make_mase_scorer(12),
                          cv=OriginSplit(index, horizon=1, n_origins=4))
    assert len(_metric_warnings(lambda: search.fit(X, y), "default")) == 1


def test_make_smape_scorer_gives_a_new_scorer_that_warns_again():
    import skattn.metrics
    from skattn.metrics import make_smape_scorer

    assert "make_smape_scorer" in skattn.metrics.__all__
    X, y, index = _windows_with_zeros()
    model = Ridge().fit(X, y)
    # the module-level scorer warns once per process (other tests may have used it up)
    _metric_warnings(lambda: neg_smape_scorer(model, X, y), "default")
    assert _metric_warnings(lambda: neg_smape_scorer(model, X, y), "default") == []
    scorer = make_smape_scorer()
    assert isinstance(scorer, _WindowsScorer) and scorer is not neg_smape_scorer
    assert scorer._warning_token() != neg_smape_scorer._warning_token()
    # the same metric and sign as neg_smape_scorer (shown by its own name since session 26)
    assert scorer._score_func is neg_smape_scorer._score_func
    assert scorer._sign == neg_smape_scorer._sign
    (warned,) = _metric_warnings(lambda: scorer(model, X, y), "default")
    assert warned.filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        assert scorer(model, X, y) == neg_smape_scorer(model, X, y) == -smape(
            y, model.predict(X))
    # a search with a new scorer: once per search
    for _ in range(2):
        search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]},
                              scoring=make_smape_scorer(),
                              cv=OriginSplit(index, horizon=3, n_origins=4))
        assert len(_metric_warnings(lambda: search.fit(X, y), "default")) == 1
