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
    assert [(text, category) for text, category, _, _ in records] == [
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


def test_a_filter_on_a_category_workers_cannot_import_is_left_to_the_caller():
    class LocalWarning(UserWarning):  # <locals>: not importable in a worker
        pass

    def warn_local():
        warnings.warn("local", LocalWarning)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.filterwarnings("error", category=LocalWarning)
        caller = Caller(-1, current_caller().filters)
    _, records, error = call_recording_warnings(caller, warn_local)
    assert error is None and [text for text, *_ in records] == ["local"]
    # in the caller, where the filter applies, it is an error again
    with pytest.raises(LocalWarning):
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.filterwarnings("error", category=LocalWarning)
            collect([(None, records, None)])


def test_in_the_callers_process_work_is_simply_called():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert call_recording_warnings(current_caller(), _warn_three) == (42, [], None)
    assert len(caught) == 3
