"""Deployment (production trial, session 21): a read-only install where Numba can cache nothing,
models loaded as read-only memory maps that continue training, and a patch longer than the
windows."""
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numba
import numpy as np
import pytest
from numba.core.caching import FunctionCache
from sklearn.exceptions import ConvergenceWarning

import skattn
from skattn import AttentionForecaster, make_windows

# small and quick: these tests exercise plumbing, not accuracy
TINY = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=1, batch_size=16, random_state=0)


def tiny_series():
    t = np.arange(80)
    return 10 + np.sin(2 * np.pi * t / 7) + 0.01 * t


@pytest.fixture(autouse=True)
def _quiet_convergence():
    # one or two epochs stop at max_epochs on purpose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ------------------------------------------------------------------------------------------
# 1. Numba cannot cache: import skattn compiles without a cache and says so, once
# ------------------------------------------------------------------------------------------
# Run in a fresh interpreter: imports skattn (recording its warnings), lists how each of its
# kernels caches, fits a tiny model and forecasts with it; prints all of it as JSON.
_FRESH_PROCESS = """
import json, sys, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import skattn
import numpy as np
from numba.core.dispatcher import Dispatcher
from numba.core.caching import NullCache
from skattn import AttentionForecaster, make_windows

kernels = {}
for name, module in list(sys.modules.items()):
    if name == "skattn" or name.startswith("skattn."):
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                key = value.py_func.__module__ + "." + value.py_func.__qualname__
                kernels[key] = not isinstance(value._cache, NullCache)
warnings.simplefilter("ignore")
t = np.arange(80)
series = 10 + np.sin(2 * np.pi * t / 7) + 0.01 * t
X, y = make_windows(series, 12, 3)
model = AttentionForecaster(**json.loads(sys.argv[1])).fit(X, y)
print(json.dumps({
    "file": skattn.__file__,
    "warnings": [[w.category.__name__, str(w.message)] for w in caught],
    "kernels_cached": kernels,
    "forecast": model.forecast(series, 3).tolist(),
}))
"""


def _read_only_install(root):
    """A copy of the package under ``root`` where Numba can cache nothing, even for root (whom
    file permissions do not stop): each kernel directory's ``__pycache__`` is a file, and
    NUMBA_CACHE_DIR and the user-wide cache (HOME, XDG_CACHE_HOME) lie under a file. Returns
    the environment that imports that copy."""
    site = root / "site"
    shutil.copytree(Path(skattn.__file__).parent, site / "skattn",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for package in (site / "skattn", site / "skattn" / "nn"):
        (package / "__pycache__").write_text("not a directory")
    blocker = root / "blocker"
    blocker.write_text("not a directory")
    env = dict(os.environ, PYTHONPATH=str(site), NUMBA_CACHE_DIR=str(blocker / "numba"),
               XDG_CACHE_HOME=str(blocker / "cache"), HOME=str(blocker / "home"),
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("NUMBA_CACHE_LOCATOR_CLASSES", None)
    return site, env


def test_import_compiles_without_a_cache_where_numba_cannot_cache(tmp_path):
    # a read-only install with a read-only home and no writable NUMBA_CACHE_DIR: import skattn
    # raised Numba's "RuntimeError: cannot cache function '_gelu_forward_exact': no locator
    # available" (production trial, session 21)
    site, env = _read_only_install(tmp_path)
    result = subprocess.run([sys.executable, "-c", _FRESH_PROCESS, json.dumps(TINY)], env=env,
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["file"] == str(site / "skattn" / "__init__.py")  # the read-only copy ran
    # one warning, naming the problem and the remedy
    assert [category for category, _ in out["warnings"]] == ["NumbaCacheWarning"]
    message = out["warnings"][0][1]
    assert "cannot cache" in message and "in every process" in message
    assert "NUMBA_CACHE_DIR to a WRITABLE directory" in message
    assert "image build time" in message
    # every kernel compiled without a cache (one with cache=True would have failed the import)
    assert len(out["kernels_cached"]) >= 20
    assert not any(out["kernels_cached"].values()), out["kernels_cached"]
    # the forecasts are those of the cached kernels of this process, bitwise
    series = tiny_series()
    X, y = make_windows(series, 12, 3)
    expected = AttentionForecaster(**TINY).fit(X, y).forecast(series, 3)
    assert out["forecast"] == expected.tolist()


def test_the_probe_is_numbas_own_search_for_a_cache_directory(tmp_path, monkeypatch):
    from skattn import _jit

    # decided at import by the same search; where Numba can cache (a writable checkout), the
    # kernels are cached
    assert _jit.CACHE is _jit.can_cache()
    for kernel in (skattn.nn.activations._gelu_forward_exact, skattn.forecaster._max_abs_kernel):
        assert isinstance(kernel._cache, FunctionCache) is _jit.CACHE
    writable = tmp_path / "writable"
    writable.mkdir()
    (writable / "kernels.py").write_text("")
    # the in-tree cache is Numba's choice only without NUMBA_CACHE_DIR, which deployment.md
    # recommends setting (the test failed where it was set; wheel trial, session 28)
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", "")
    assert _jit.can_cache([str(writable / "kernels.py")])
    assert (writable / "__pycache__").is_dir()  # Numba's in-tree cache, as for a kernel
    # no __pycache__ possible, NUMBA_CACHE_DIR and the user-wide cache under a file
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "kernels.py").write_text("")
    (blocked / "__pycache__").write_text("not a directory")
    (tmp_path / "blocker").write_text("not a directory")
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", str(tmp_path / "blocker" / "numba"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocker" / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "blocker" / "home"))
    assert not _jit.can_cache([str(blocked / "kernels.py")])
    # one directory that cannot cache is enough to compile every kernel without
    assert not _jit.can_cache([str(writable / "kernels.py"), str(blocked / "kernels.py")])
    # and the decision warns
    monkeypatch.setattr(_jit, "can_cache", lambda: False)
    from skattn.exceptions import NumbaCacheWarning
    with pytest.warns(NumbaCacheWarning, match="NUMBA_CACHE_DIR=/tmp/numba_cache"):
        assert _jit._cache_or_warn() is False


def test_with_numbas_jit_disabled_nothing_is_probed_nor_warned(tmp_path, monkeypatch):
    # NUMBA_DISABLE_JIT=1 (debugging, coverage): the kernels run as Python, nothing compiles,
    # and the warning of ~5-10 s of compiling per process was wrong (review, session 21)
    from skattn import _jit

    def probe(*args):
        raise AssertionError("the cache probe ran with the JIT disabled")

    monkeypatch.setattr(_jit, "can_cache", probe)
    monkeypatch.setattr(numba.core.config, "DISABLE_JIT", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _jit._cache_or_warn() is False
    monkeypatch.undo()
    # and in a fresh process, in the install where Numba can cache nothing
    site, env = _read_only_install(tmp_path)
    env["NUMBA_DISABLE_JIT"] = "1"
    code = ("import json, warnings\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    import skattn, skattn._jit\n"
            "print(json.dumps([skattn.__file__, skattn._jit.CACHE,\n"
            "                  [w.category.__name__ for w in caught]]))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    file, cache, caught = json.loads(result.stdout.strip().splitlines()[-1])
    assert file == str(site / "skattn" / "__init__.py")
    assert cache is False and "NumbaCacheWarning" not in caught, caught


# ------------------------------------------------------------------------------------------
# 2. A model loaded as read-only memory maps continues training on the first call
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    series = tiny_series()
    X, y = make_windows(series, 12, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AttentionForecaster(**TINY).fit(X, y)
    path = tmp_path_factory.mktemp("models") / "model.joblib"
    joblib.dump(model, path)
    return path, series, X, y, {name: value.copy() for name, value in model.params_.items()}


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_a_memory_mapped_model_continues_training_on_the_first_call(dumped, how):
    # the first call raised "params['patch.W'] is read-only; AdamW updates the parameters in
    # place", the second trained (production trial, session 21)
    path, series, X, y, weights = dumped
    mapped = joblib.load(path, mmap_mode="r")
    assert not mapped.params_["patch.W"].flags.writeable  # as joblib maps it
    in_memory = joblib.load(path)
    for model in (mapped, in_memory):
        if how == "partial_fit":
            model.partial_fit(X, y)
        else:
            model.set_params(warm_start=True, max_epochs=2).fit(X, y)
    assert mapped.n_iter_ == in_memory.n_iter_ == (2 if how == "partial_fit" else 3)
    assert mapped.t_ == in_memory.t_
    # trained as the model loaded into memory is, bitwise, in weights of its own
    for name, value in in_memory.params_.items():
        np.testing.assert_array_equal(mapped.params_[name], value)
        assert mapped.params_[name].flags.writeable
        assert not isinstance(mapped.params_[name], np.memmap)
    np.testing.assert_array_equal(mapped.predict(X), in_memory.predict(X))
    np.testing.assert_array_equal(mapped.forecast(series, 3), in_memory.forecast(series, 3))
    assert not np.array_equal(mapped.params_["patch.W"], weights["patch.W"])  # it trained
    # the file is as it was
    again = joblib.load(path, mmap_mode="r")
    for name, value in weights.items():
        np.testing.assert_array_equal(again.params_[name], value)
    # and a second call trains on
    mapped.partial_fit(X, y)
    in_memory.partial_fit(X, y)
    np.testing.assert_array_equal(mapped.predict(X), in_memory.predict(X))


def test_a_memory_mapped_model_predicts_from_its_maps(dumped):
    # predict and forecast read the weights: the maps stay maps, uncopied
    path, series, X, _, _ = dumped
    mapped = joblib.load(path, mmap_mode="r")
    in_memory = joblib.load(path)
    np.testing.assert_array_equal(mapped.predict(X), in_memory.predict(X))
    np.testing.assert_array_equal(mapped.forecast(series, 3), in_memory.forecast(series, 3))
    assert all(isinstance(value, np.memmap) and not value.flags.writeable
               for value in mapped.params_.values())


# ------------------------------------------------------------------------------------------
# 3. A patch longer than the windows: each window is one padded token, said at fit
# ------------------------------------------------------------------------------------------
def _patch_warnings(record):
    return [w for w in record if "longer than the windows" in str(w.message)]


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_patch_longer_than_the_windows_warns_at_the_callers_line(method):
    # patch_len=40 on 28-step windows trained one token per window, unnoticed (production
    # trial, session 21)
    X, y = make_windows(tiny_series(), 12, 3)
    model = AttentionForecaster(**TINY, patch_len=16)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        getattr(model, method)(X, y)
    found = _patch_warnings(record)
    assert len(found) == 1
    assert found[0].category is UserWarning
    assert found[0].filename == __file__
    message = str(found[0].message)
    assert "patch_len=16 is longer than the windows (12 time steps)" in message
    assert "ONE patch, left-padded with 4 copies of its first value" in message
    assert "Give patch_len <= 12" in message
    assert model.predict(X[:2]).shape == (2, 3)  # a warning, not an error


@pytest.mark.parametrize("patch_len", [12, 4])
def test_a_patch_within_the_windows_says_nothing(patch_len):
    X, y = make_windows(tiny_series(), 12, 3)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        AttentionForecaster(**TINY, patch_len=patch_len).fit(X, y)
    assert _patch_warnings(record) == []
