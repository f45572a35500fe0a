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
