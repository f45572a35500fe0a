"""A ForecastEnsemble shows each distinct warning of its members once, whatever n_jobs.

Fitted in the caller's process (n_jobs=None, the default), every member's check_array entered
scikit-learn's catch_warnings, which resets Python's once-per-location memory: under the default
filters the recipe's members showed one copy each of the same SeasonalAdjustmentWarning and
ConvergenceWarning (16 for 8 members, 2 with n_jobs=2, whose workers' warnings are raised again
once through skattn/_worker_warnings.py). See ``each_warning_once`` there.
"""
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from skattn import ForecastEnsemble, make_windows
from skattn import _worker_warnings
from skattn._worker_warnings import attributed_to, each_warning_once
from skattn.exceptions import SeasonalAdjustmentWarning
from skattn.recipes import make_attention_ensemble


class SameWarningRidge(Ridge):
    """A Ridge whose fit warns the same text from the same line, whatever its alpha, before its
    check_array (whose catch_warnings resets the once-per-location memory)."""

    def fit(self, X, y, sample_weight=None):
        warnings.warn("ridge fit warning", UserWarning)  # the line every copy points at
        return super().fit(X, y, sample_weight=sample_weight)


class QuietRidge(Ridge):
    pass


WARN_LINE = SameWarningRidge.fit.__code__.co_firstlineno + 1


@pytest.fixture(scope="module")
def windows():
    t = np.arange(120)
    series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    return make_windows(series, window=12, horizon=2)


def members(n=3, quiet=()):
    return [(f"m{i}", QuietRidge(alpha=i + 1.0) if f"m{i}" in quiet
             else SameWarningRidge(alpha=i + 1.0)) for i in range(n)]


def fit_recording(ensemble, X, y, action="default"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        ensemble.fit(X, y)
    return [w for w in caught if "ridge fit warning" in str(w.message)]


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_warning_of_every_member_is_shown_once_naming_them(windows, n_jobs):
    X, y = windows
    caught = fit_recording(ForecastEnsemble(members(3), n_jobs=n_jobs), X, y)
    assert [str(w.message) for w in caught] == [
        "ridge fit warning (ForecastEnsemble: all 3 members)"]
    # from where it was raised: filters by module and line keep matching
    assert (caught[0].category, caught[0].filename, caught[0].lineno) == (
        UserWarning, __file__, WARN_LINE)


def test_the_recipe_shows_each_warning_once_in_the_callers_process():
    # windows of 20 steps with season_length=12 (SeasonalAdjustmentWarning) and one epoch
    # (ConvergenceWarning): 8 copies of each under the default filter before
    rng = np.random.default_rng(0)
    t = np.arange(40)
    series = [10 + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, .3, 40) + i for i in range(3)]
    X, y = make_windows(series, 20, 3, min_history=8, min_target=1)
    model = make_attention_ensemble((4, 8), n_seeds=2, max_epochs=1, batch_size=16,
                                    trend_degree=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        model.fit(X, y)
    assert sorted(w.category.__name__ for w in caught) == [
        "ConvergenceWarning", "SeasonalAdjustmentWarning"]
    assert all(str(w.message).endswith("(ForecastEnsemble: all 8 members)") for w in caught)
    # "ignore" and "error" decide in the members, as before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert [w.category for w in caught] == [SeasonalAdjustmentWarning]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeasonalAdjustmentWarning)
        with pytest.raises(SeasonalAdjustmentWarning, match="^member 'free_w8_seed0' "):
            model.fit(X, y)


def test_always_shows_every_copy_and_a_single_members_warning_is_unchanged(windows):
    X, y = windows
    # "always": the user's choice to see every one, as before
    assert len(fit_recording(ForecastEnsemble(members(3)), X, y, "always")) == 3
    caught = fit_recording(ForecastEnsemble(members(3, quiet=("m0", "m2"))), X, y)
    assert [str(w.message) for w in caught] == ["ridge fit warning"]
    caught = fit_recording(ForecastEnsemble(members(6, quiet=("m1",))), X, y)
    assert [str(w.message) for w in caught] == [
        "ridge fit warning (ForecastEnsemble: 5 of 6 members, 'm0', 'm2', 'm3' and 2 more)"]


def test_each_fit_shows_its_warnings(windows):
    # once per fit, not once per process: a refit warns again
    X, y = windows
    ensemble = ForecastEnsemble(members(3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        ensemble.fit(X, y)
        ensemble.fit(X, y)
    assert len(caught) == 2


def test_the_callers_filters_decide(windows):
    X, y = windows
    ensemble = ForecastEnsemble(members(3))
    with pytest.warns(UserWarning, match="ridge fit warning"):
        ensemble.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="^member 'm0' \\(SameWarningRidge\\): ridge fit"):
            ensemble.fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("once", module=__name__)  # the module the warning points into
        ensemble.fit(X, y)
    assert len(caught) == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", message="ridge fit")
        ensemble.fit(X, y)
    assert caught == []


class FailingAfterWarning(SameWarningRidge):
    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        raise RuntimeError("member failed")


def test_the_warnings_before_a_member_failed_are_shown_once_then_its_error(windows):
    X, y = windows
    ensemble = ForecastEnsemble(members(2) + [("bad", FailingAfterWarning())])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        with pytest.raises(RuntimeError, match="^member 'bad' \\(FailingAfterWarning\\): member"):
            ensemble.fit(X, y)
    assert [str(w.message) for w in caught] == [
        "ridge fit warning (ForecastEnsemble: all 3 members)"]


def test_a_warning_of_every_members_predict_is_shown_once(windows):
    # scikit-learn's feature-names warning of each member fitted on a frame, at predict
    X, y = windows
    frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(X.shape[1])])
    ensemble = ForecastEnsemble([(f"r{i}", Ridge(alpha=i + 1.0)) for i in range(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ensemble.fit(frame, y)
    for method in (ensemble.predict, ensemble.transform):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            method(X[:4])
        assert [str(w.message) for w in caught] == [
            "X does not have valid feature names, but Ridge was fitted with feature names "
            "(ForecastEnsemble: all 3 members)"]


class PredictWarningRidge(Ridge):
    def predict(self, X):
        warnings.warn("ridge predict warning", UserWarning)
        return super().predict(X)


def test_a_members_warning_at_every_step_of_a_forecast_is_shown_once(windows):
    # beyond the horizon each step's predict warned again: 3 members x 3 steps
    X, y = windows
    ensemble = ForecastEnsemble([(f"r{i}", PredictWarningRidge(alpha=i + 1.0))
                                 for i in range(3)]).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        ensemble.forecast(np.arange(30.0), 6)  # a horizon of 2
    assert [str(w.message) for w in caught] == [
        "ridge predict warning (ForecastEnsemble: all 3 members)"]


def test_the_module_a_warning_was_raised_in_is_kept():
    # a notebook cell's file is no module's file: its warnings were matched against
    # "__main__" where raised, and raised again from a name derived from the file's path a
    # module filter did not match
    code = compile("import warnings\nwarnings.warn('from a cell', UserWarning)\n",
                   "/tmp/ipykernel_1/cell_1.py", "exec")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", module="notebook_cell")
        with each_warning_once():
            exec(code, {"__name__": "notebook_cell"})
    assert [(str(w.message), w.filename, w.lineno) for w in caught] == [
        ("from a cell", "/tmp/ipykernel_1/cell_1.py", 2)]


def warn_here(text="again"):
    warnings.warn(text, UserWarning)


def test_nested_recorders_and_labels():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        shown = warnings.showwarning
        with each_warning_once(lambda labels: f" {labels}" if len(labels) > 1 else ""):
            for label in ("a", "b"):
                with attributed_to(label):
                    with each_warning_once():  # raises its warning again into the outer one
                        warn_here()
                        warnings.resetwarnings()  # as check_array's catch_warnings does
                        warnings.simplefilter("default")
                        warn_here()
            assert caught == []
        assert warnings.showwarning is shown  # put back by the last recorder
    assert [str(w.message) for w in caught] == ["again ['a', 'b']"]


def test_other_threads_warnings_pass_as_they_are_raised():
    # catch_warnings swaps process-wide state: only the recording thread records, and another
    # thread's warning is shown when it is raised
    recording, warned = threading.Event(), threading.Event()
    seen = []

    def other():
        recording.wait(5)
        warn_here("other thread")
        warned.set()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        thread = threading.Thread(target=other)
        thread.start()
        with each_warning_once():
            warn_here("this thread")
            recording.set()
            warned.wait(5)
            seen = [str(w.message) for w in caught]
        thread.join()
    assert seen == ["other thread"]
    assert [str(w.message) for w in caught] == ["other thread", "this thread"]


def test_ensembles_fitted_in_threads_give_the_same_models(windows):
    # two ensembles fitted from two threads at once, and members in joblib's threading
    # backend: fitted as alone, and no recorder left behind
    from joblib import parallel_config

    X, y = windows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ForecastEnsemble(members(3)).fit(X, y).predict(X)
    results, errors = [], []

    def fit():
        try:
            results.append(ForecastEnsemble(members(3)).fit(X, y).predict(X))
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        threads = [threading.Thread(target=fit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with parallel_config(backend="threading", n_jobs=2):
            results.append(ForecastEnsemble(members(3)).fit(X, y).predict(X))
    assert errors == [] and len(results) == 3
    for result in results:
        np.testing.assert_array_equal(result, expected)
    assert len(caught) >= 1
    assert _worker_warnings._hook["users"] == 0


class LoudRidge(Ridge):
    """A Ridge that shows its own deprecation under its own filter, as libraries do to make sure
    users see it, whatever theirs."""

    def fit(self, X, y, sample_weight=None):
        with warnings.catch_warnings():
            warnings.simplefilter("always", DeprecationWarning)
            warnings.warn("option 'foo' is deprecated", DeprecationWarning)
        return super().fit(X, y, sample_weight=sample_weight)


def test_a_warning_shown_under_a_members_own_filter_is_not_filtered_again(windows):
    # the filters in force where it was raised decided: the caller's (default) filters, which
    # ignore a DeprecationWarning, lost it when it was raised again (review, session 24); the
    # member's "always" shows every copy, as when each is fitted alone
    X, y = windows
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("ignore", DeprecationWarning)  # as Python's default filters
        ForecastEnsemble([("a", LoudRidge()), ("b", LoudRidge(alpha=2.0))]).fit(X, y)
    assert [(str(w.message), w.category) for w in caught] == [
        ("option 'foo' is deprecated (ForecastEnsemble: both members)", DeprecationWarning)] * 2


def test_an_error_filter_does_not_fail_a_fit_whose_member_showed_a_warning(windows):
    # a member that fits alone under the caller's "error" filter (its warning shown under its
    # own filter) made the ensemble's fit raise after training (review, session 24)
    X, y = windows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("error")
        LoudRidge().fit(X, y)
        ensemble = ForecastEnsemble([("a", LoudRidge()), ("b", LoudRidge(alpha=2.0))]).fit(X, y)
    assert hasattr(ensemble, "estimators_")
    assert len(caught) == 3 and {w.category for w in caught} == {DeprecationWarning}


def test_a_decision_of_other_filters_survives_nested_recorders():
    # an inner recorder shows a warning of other filters into the outer one with those filters:
    # the outer does not filter it again either, and shows it once ("default" decided it)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        with each_warning_once():
            for _ in range(2):
                with each_warning_once():
                    with warnings.catch_warnings():
                        warnings.simplefilter("default")
                        warn_here("local")
                        warn_here("local")
            assert caught == []
        warn_here("ignored")
    assert [str(w.message) for w in caught] == ["local"]


def test_a_hook_left_in_place_shows_as_pythons_own():
    # another thread's catch_warnings(), entered while this one recorded and left after, puts
    # the hook back for good; logging.captureWarnings then saved it as the showwarning to put
    # back, and the hook, still forwarding to the showwarning it replaced last (logging's, after
    # capture was turned off), sent every later warning of the process to logging (review,
    # session 24)
    import logging

    entered, release = threading.Event(), threading.Event()

    def other():
        with warnings.catch_warnings():
            entered.set()
            release.wait(5)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        shown = []
        warnings._showwarnmsg_impl = shown.append  # Python's own show (put back on leaving)
        warnings.showwarning = warnings._showwarning_orig
        thread = threading.Thread(target=other)
        with each_warning_once():
            thread.start()
            entered.wait(5)
        release.set()
        thread.join()
        assert warnings.showwarning is _worker_warnings._record_or_show  # left in place
        assert _worker_warnings._hook["users"] == 0
        logging.captureWarnings(True)
        try:
            with each_warning_once():
                pass
        finally:
            logging.captureWarnings(False)
        warn_here("later")
        with each_warning_once():
            warn_here("recorded")
        warn_here("after")
        assert _worker_warnings._hook["users"] == 0
    assert [str(m.message) for m in shown] == ["later", "recorded", "after"]


class CodedWarning(UserWarning):
    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class FormattedWarning(UserWarning):
    def __init__(self, n):
        super().__init__(n)
        self.n = n

    def __str__(self):
        return f"{self.n} rows dropped"


def ridge_warning(make):
    class WarningRidge(Ridge):
        def fit(self, X, y, sample_weight=None):
            warnings.warn(make())
            return super().fit(X, y, sample_weight=sample_weight)

    return WarningRidge


def test_a_noted_warning_keeps_its_attributes_and_text(windows):
    # the note was appended by building a new warning from the text: a custom attribute was
    # lost, and a __str__ that formats its arguments garbled it (review, session 24)
    X, y = windows
    for make, text, attributes in [
            (lambda: CodedWarning("bad row", code=42),
             "bad row (ForecastEnsemble: both members)", {"code": 42}),
            (lambda: FormattedWarning(7), "7 rows dropped", {"n": 7})]:
        cls = ridge_warning(make)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            ForecastEnsemble([("a", cls()), ("b", cls(alpha=2.0))]).fit(X, y)
        assert [(str(w.message), vars(w.message)) for w in caught] == [(text, attributes)]


def test_a_nested_ensembles_warning_is_shown_once(windows):
    # the inner ensembles' noted copy and an outer member's plain one were two distinct
    # warnings (review, session 24): one now, naming the outer members
    X, y = windows

    def inner(k):
        return ForecastEnsemble([(f"i{k}{i}", SameWarningRidge(alpha=i + 1.0)) for i in range(2)])

    caught = fit_recording(ForecastEnsemble(
        [("a", inner(0)), ("b", inner(1)), ("c", SameWarningRidge())]), X, y)
    assert [str(w.message) for w in caught] == [
        "ridge fit warning (ForecastEnsemble: all 3 members)"]
    # alone, a nested ensemble's warning keeps the inner note
    caught = fit_recording(ForecastEnsemble([("a", inner(0)), ("c", QuietRidge())]), X, y)
    assert [str(w.message) for w in caught] == ["ridge fit warning (ForecastEnsemble: both members)"]
