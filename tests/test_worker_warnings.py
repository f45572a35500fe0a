"""Work in joblib's workers runs under the caller's warning filters (skattn/_worker_warnings.py)."""
import pickle
import warnings

import pytest

from skattn._worker_warnings import Caller, call_recording_warnings, collect, current_caller


def _warn_three():
    warnings.warn("old", DeprecationWarning)
    warnings.warn("plain", UserWarning)
    warnings.warn("library", RuntimeWarning)
    return 42


def test_a_worker_applies_the_callers_filters_and_records_what_they_let_through():
    # under "always" a worker forecast where the caller's "error" filter made a baseline fall
    # back: the forecasts depended on n_jobs (review, session 19). A Caller of another pid runs
    # the function here as a worker would
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        # a tuple of categories, as scikit-learn's checks put in the list by hand
        warnings.filters.insert(0, ("ignore", None, (DeprecationWarning, FutureWarning), None, 0))
        caller = current_caller()
    assert pickle.loads(pickle.dumps(caller)) == caller
    as_worker = Caller(-1, caller.filters)
    result, records, error = call_recording_warnings(as_worker, _warn_three)
    assert (result, error) == (42, None)
    assert [(text, category) for text, category, *_ in records] == [
        ("plain", UserWarning), ("library", RuntimeWarning)]  # the deprecation ignored
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.filterwarnings("error", message="library")
        erring = Caller(-1, current_caller().filters)
    result, records, error = call_recording_warnings(erring, _warn_three)
    assert result is None and isinstance(error[0], RuntimeWarning)
    assert [text for text, *_ in records] == ["old", "plain"]  # raised before the error
    with pytest.raises(RuntimeWarning, match="library"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            collect([(result, records, error)])


def test_a_filter_on_a_category_of_the_callers_own_applies_in_the_worker():
    # a category defined in __main__ (a notebook) or a function: its filter was left out in the
    # workers, so a later "error" filter stopped a fit that n_jobs=1 ran (review, session 19)
    class LocalWarning(UserWarning):
        pass

    def warn_local():
        warnings.warn("local", LocalWarning)
        return 1

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=LocalWarning)
        caller = Caller(-1, current_caller().filters)
    assert pickle.loads(pickle.dumps(current_caller().filters[:3])) is not None
    assert call_recording_warnings(caller, warn_local) == (1, [], None)


def test_a_hand_made_filter_keeps_its_pattern_flags_and_the_module_is_named():
    # rebuilt through filterwarnings, a case-sensitive pattern became case-insensitive; reissued
    # without the module's name, a module filter matched in the worker and not in the caller
    # (review, session 19)
    import re

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.filters.insert(0, ("ignore", re.compile("PLAIN"), UserWarning, None, 0))
        caller = Caller(-1, current_caller().filters)
    _, records, _ = call_recording_warnings(caller, _warn_three)
    assert "plain" in [text for text, *_ in records]  # "PLAIN" does not match it
    assert {record[4] for record in records} == {__name__}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", module=re.escape(__name__))
        collect([(None, records, None)])
    assert len(caught) == len(records)


def test_workers_see_module_and_case_sensitive_filters_as_the_caller_does():
    # through a baseline's row chunks in joblib's workers: Theta warns of too few residuals on
    # windows of 4 values
    import re

    import numpy as np

    from skattn.baselines import ThetaForecaster

    X = np.array([[1.0, 3.0, 2.0, 5.0], [2.0, 4.0, 3.0, 7.0], [5.0, 3.0, 4.0, 6.0],
                  [1.0, 2.0, 4.0, 3.0]])
    counts = {}
    for n_jobs in (1, 2):
        model = ThetaForecaster(quantiles=(0.1, 0.5, 0.9), n_jobs=n_jobs).fit(X, np.zeros((4, 2)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.filterwarnings("always", module="statsforecast")
            model.predict_quantiles(X)
        with warnings.catch_warnings(record=True) as case:
            warnings.simplefilter("always")
            warnings.filters.insert(0, ("ignore", re.compile("too few residuals"), UserWarning,
                                        None, 0))
            model.predict_quantiles(X)
        counts[n_jobs] = (len(caught), len(case))
    assert counts[1] == counts[2] and counts[1][0] > 0 and counts[1][1] > 0


def test_in_the_callers_process_work_is_simply_called():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert call_recording_warnings(current_caller(), _warn_three) == (42, [], None)
    assert len(caught) == 3


# ---------------------------------------------------------------------------------------------
# exceptions sent back from a worker (session 25)


def _raised_in_a_worker(exc):
    """What call_recording_warnings returns as the error of a function that raised ``exc`` in
    a worker process (a Caller of another pid), sent through pickle as joblib sends it."""
    import pickle

    from skattn._worker_warnings import Caller, _dumps_as_workers_do, call_recording_warnings

    def fails():
        raise exc

    _, _, error = call_recording_warnings(Caller(-1, tuple(warnings.filters)), fails)
    return pickle.loads(_dumps_as_workers_do(error[0]))


class _NeedsTwoArguments(ValueError):
    def __init__(self, message, detail):
        super().__init__(message)
        self.detail = detail


class _BadBytes(UnicodeDecodeError):
    def __init__(self, message):
        super().__init__("utf-8", b"\xff", 0, 1, message)


def test_an_exception_that_cannot_be_unpickled_comes_back_as_its_builtin_base():
    # scikit-learn's UnsetMetadataPassedError is such one: with n_jobs=2 the pool broke
    back = _raised_in_a_worker(_NeedsTwoArguments("bad weights", "detail"))
    assert type(back) is ValueError and str(back) == "bad weights"
    back = _raised_in_a_worker(_BadBytes("column 3"))  # its own __init__ takes 1 argument
    assert type(back) is UnicodeDecodeError and "column 3" in str(back)  # built from its args


def test_exceptions_that_make_the_trip_keep_their_class_and_arguments():
    # a class of the user's script travels by value (the standard pickle's test replaced it)
    local = type("DataError", (ValueError,), {})
    back = _raised_in_a_worker(local("bad data"))
    assert type(back).__name__ == "DataError" and str(back) == "bad data"
    back = _raised_in_a_worker(KeyError("key 1/2"))
    assert type(back) is KeyError and str(back) == "'key 1/2'"
    back = _raised_in_a_worker(FileNotFoundError(2, "gone", "/tmp/x"))
    assert back.errno == 2 and back.filename == "/tmp/x"
