"""Pickles of the package's estimators carry the skattn version, and one of another version warns
at load (scikit-learn's convention for its own classes; reproducibility trial, session 24).

Another version is simulated by setting ``skattn.__version__`` while pickling; a pickle from
before the stamp by pickling without it (what the code before session 24 pickled)."""
import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning
from sklearn.linear_model import Ridge

import skattn
from skattn import (AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, LastSteps,
                    make_windows)
from skattn.baselines import (ARIMAForecaster, ETSForecaster, MSTLForecaster, NaiveForecaster,
                              SeasonalNaiveForecaster, ThetaForecaster)
from skattn.model_selection import PredictForecaster

TINY = dict(d_model=8, n_heads=2, n_layers=1, patch_len=4, max_epochs=1, batch_size=16,
            random_state=0)
KEY = "_skattn_version"


def version_warning():
    """skattn's warning class, looked up in the test (the code before session 24 has none: each
    test fails on its own there rather than the module failing to import)."""
    from skattn.exceptions import InconsistentVersionWarning

    return InconsistentVersionWarning


def unfitted_estimators():
    return [AttentionForecaster(), LastSteps(3),
            ForecastEnsemble([("a", NaiveForecaster()), ("b", Ridge())]),
            DeseasonalizedForecaster(NaiveForecaster(), season_length=4),
            PredictForecaster(Ridge()), NaiveForecaster(), SeasonalNaiveForecaster(),
            ETSForecaster(), ThetaForecaster(), ARIMAForecaster(), MSTLForecaster()]


@pytest.fixture(scope="module")
def windows():
    t = np.arange(160)
    series = 10 + np.sin(2 * np.pi * t / 8) + 0.01 * t
    X, y = make_windows(series, 16, 3)
    return series, X, y


@pytest.fixture(scope="module")
def fitted(windows):
    """One fitted model of each kind, the ensemble nesting the others."""
    _, X, y = windows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: ConvergenceWarning
        attention = AttentionForecaster(**TINY).fit(X, y)
        ensemble = ForecastEnsemble([
            (f"m{i}", DeseasonalizedForecaster(AttentionForecaster(**{**TINY, "random_state": i}),
                                               season_length=8)) for i in range(3)
        ] + [("naive", NaiveForecaster()), ("ridge", PredictForecaster(Ridge()))]).fit(X, y)
    return {"attention": attention, "ensemble": ensemble,
            "naive": NaiveForecaster().fit(X, y),
            "steps": LastSteps(4).fit(X, y)}


def pickled_as(version, estimator, monkeypatch):
    """``estimator`` pickled while ``skattn.__version__`` is ``version``."""
    with monkeypatch.context() as patched:
        patched.setattr(skattn, "__version__", version)
        return pickle.dumps(estimator)


def loaded_recording(data, load=pickle.loads):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(data)
    return loaded, [w for w in caught if issubclass(w.category, SklearnVersionWarning)]


@pytest.mark.parametrize("estimator", unfitted_estimators(), ids=lambda e: type(e).__name__)
def test_every_public_estimator_stamps_the_version(estimator):
    state = estimator.__getstate__()
    assert state[KEY] == skattn.__version__
    assert KEY not in vars(estimator)  # the state is a copy: the object is not stamped
    loaded = pickle.loads(pickle.dumps(estimator))
    assert KEY not in vars(loaded)  # popped at load, as scikit-learn pops _sklearn_version
    assert loaded.get_params().keys() == estimator.get_params().keys()


def test_the_stamp_is_read_when_pickled_not_at_import(windows, fitted, monkeypatch):
    # the version of the running code when the pickle is made (a monkeypatched one here)
    data = pickled_as("7.7.7", fitted["naive"], monkeypatch)
    loaded, _ = loaded_recording(data)
    assert b"7.7.7" in data and KEY not in vars(loaded)


@pytest.mark.parametrize("name", ["attention", "ensemble", "naive", "steps"])
def test_a_pickle_of_this_version_loads_silently_and_the_same(windows, fitted, name, tmp_path):
    series, X, _ = windows
    model = fitted[name]
    joblib.dump(model, tmp_path / "model.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SklearnVersionWarning)  # skattn's class is a subclass
        copies = [pickle.loads(pickle.dumps(model)), copy.deepcopy(model),
                  joblib.load(tmp_path / "model.joblib"),
                  joblib.load(tmp_path / "model.joblib", mmap_mode="r")]
    for other in copies:
        assert KEY not in vars(other)
        assert repr(other.get_params()) == repr(model.get_params())
        if name == "steps":
            np.testing.assert_array_equal(other.transform(X), model.transform(X))
            continue
        assert np.array_equal(other.predict(X), model.predict(X))  # bitwise
        assert np.array_equal(other.forecast(series, 3), model.forecast(series, 3))
        assert repr(clone(other)) == repr(clone(model))


def test_a_pickle_of_another_version_warns_naming_class_versions_and_advice(
        windows, fitted, monkeypatch):
    _, X, _ = windows
    model = fitted["attention"]
    loaded, caught = loaded_recording(pickled_as("0.0.1", model, monkeypatch))
    assert len(caught) == 1
    warning = caught[0].message
    assert isinstance(warning, version_warning())
    assert isinstance(warning, SklearnVersionWarning)  # one filter covers both libraries
    assert warning.estimator_name == "AttentionForecaster"
    assert warning.original_skattn_version == "0.0.1"
    assert warning.current_skattn_version == skattn.__version__
    text = str(warning)
    for said in ("AttentionForecaster", "0.0.1", skattn.__version__, "not fitted yet",
                 f"Refit it with skattn {skattn.__version__}", "install skattn 0.0.1"):
        assert said in text
    assert "scikit-learn" not in text  # not scikit-learn's message about its own versions
    assert caught[0].filename == __file__  # pointed at the line that loaded it
    assert KEY not in vars(loaded)
    assert np.array_equal(loaded.predict(X), model.predict(X))  # the warning changes nothing


def test_scikit_learns_filter_refuses_a_model_of_another_skattn_version(fitted, monkeypatch):
    data = pickled_as("0.0.1", fitted["naive"], monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SklearnVersionWarning)
        with pytest.raises(version_warning(), match="NaiveForecaster from skattn version 0.0.1"):
            pickle.loads(data)


def test_a_nested_ensemble_warns_once_per_class_and_load(windows, fitted, monkeypatch, tmp_path):
    # 3 DeseasonalizedForecaster(AttentionForecaster) members, a NaiveForecaster and a
    # PredictForecaster, each in estimators and estimators_: 15 of the package's objects inside
    # the ensemble, 5 classes; each load warns of each class once, the ensemble last
    series, X, _ = windows
    ensemble = fitted["ensemble"]
    data = pickled_as("0.0.1", ensemble, monkeypatch)
    expected = ["AttentionForecaster", "DeseasonalizedForecaster", "NaiveForecaster",
                "PredictForecaster", "ForecastEnsemble"]
    for _ in range(2):  # a second load of the same bytes is another load: it warns again
        loaded, caught = loaded_recording(data)
        names = [w.message.estimator_name for w in caught]
        assert sorted(names) == sorted(expected) and names[-1] == "ForecastEnsemble"
    assert np.array_equal(loaded.predict(X), ensemble.predict(X))
    assert KEY not in vars(loaded.estimators_[0].forecaster_)
    with monkeypatch.context() as patched:
        patched.setattr(skattn, "__version__", "0.0.1")
        joblib.dump(ensemble, tmp_path / "ensemble.joblib")
    mapped, caught = loaded_recording(tmp_path / "ensemble.joblib",
                                      lambda path: joblib.load(path, mmap_mode="r"))
    assert sorted(w.message.estimator_name for w in caught) == sorted(expected)
    assert np.array_equal(mapped.forecast(series, 3), ensemble.forecast(series, 3))


def test_two_models_of_another_version_in_one_pickle_warn_once_per_class(fitted, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(skattn, "__version__", "0.0.1")
        buffer = io.BytesIO()
        pickle.dump([fitted["attention"], fitted["naive"], clone(fitted["attention"])], buffer)
    _, caught = loaded_recording(buffer.getvalue())
    assert [w.message.estimator_name for w in caught] == ["AttentionForecaster",
                                                          "NaiveForecaster"]


def test_a_pickle_without_a_stamp_loads_silently_and_the_same(windows, fitted, monkeypatch):
    # what the code before session 24 pickled: the same state without the stamp, nested
    # objects included
    from skattn._persistence import StampsVersionWhenPickled

    series, X, _ = windows
    ensemble = fitted["ensemble"]
    with monkeypatch.context() as patched:
        patched.setattr(StampsVersionWhenPickled, "__getstate__",
                        lambda self: super(StampsVersionWhenPickled, self).__getstate__())
        data = pickle.dumps(ensemble)
    assert b"7.7.7" not in data and KEY.encode() not in data
    monkeypatch.setattr(skattn, "__version__", "7.7.7")  # whatever runs now
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(data)
    assert np.array_equal(loaded.predict(X), ensemble.predict(X))
    assert np.array_equal(loaded.forecast(series, 3), ensemble.forecast(series, 3))


def test_the_stamp_composes_with_the_old_pickle_compatibility(windows, fitted, monkeypatch):
    # an AttentionForecaster's prediction weights are rebuilt at load, and a wrapper's state
    # from before session 21 (no aggregate_) gets its fitted combination, with the stamp there
    _, X, _ = windows
    model = fitted["attention"]
    loaded, caught = loaded_recording(pickled_as("0.0.1", model, monkeypatch))
    assert len(caught) == 1 and hasattr(loaded, "_params64")
    ensemble = fitted["ensemble"]
    state = ensemble.__getstate__()
    state.pop("aggregate_")
    state[KEY] = "0.0.1"
    old = ForecastEnsemble.__new__(ForecastEnsemble)
    with pytest.warns(version_warning(), match="ForecastEnsemble from skattn version 0.0.1"):
        old.__setstate__(state)
    assert old.aggregate_ == "median" and KEY not in vars(old)
    assert np.array_equal(old.predict(X), ensemble.predict(X))


def test_the_warning_is_documented_where_persistence_is():
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "deployment.md").read_text()
    assert "skattn.exceptions.InconsistentVersionWarning" in page and KEY in page
    assert "may load as unfitted in an older one" not in page  # nothing warned of it
    from skattn import exceptions

    assert "InconsistentVersionWarning" in exceptions.__all__


@pytest.mark.parametrize("load", ["joblib", "pickle"])
def test_the_version_warning_points_at_the_line_that_loaded_the_model(
        fitted, monkeypatch, tmp_path, load):
    # joblib's unpickler is Python's own: the warning pointed at pickle.py until the stack walk
    # passed the pickle module's frames (skattn/_stacklevel.py)
    with monkeypatch.context() as patched:
        patched.setattr(skattn, "__version__", "0.0.1")
        joblib.dump(fitted["naive"], tmp_path / "model.joblib")
        data = pickle.dumps(fitted["naive"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if load == "joblib":
            joblib.load(tmp_path / "model.joblib")
        else:
            pickle.loads(data)
    shown = [w for w in caught if issubclass(w.category, SklearnVersionWarning)]
    assert [w.filename for w in shown] == [__file__]
