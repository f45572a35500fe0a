"""fit's working memory (scale trial, session 27): the targets' units check reads a bounded
sample of rows, and a fit whose working copies of X and y the machine cannot hold is refused
with the package's memory ValueError before they are made (it failed half-way with NumPy's
_ArrayMemoryError)."""
import tracemalloc
import warnings

import numpy as np
import pytest

import skattn.forecaster as F
import skattn.windows as W
from skattn import AttentionForecaster
from skattn.exceptions import TargetUnitsWarning


def _walk_windows(n_rows, window, horizon=1, seed=0, dtype=np.float32):
    """make_windows' rows of one random walk: windows one step apart and their next values."""
    series = np.cumsum(np.random.default_rng(seed).normal(size=n_rows + window + horizon - 1))
    series = series.astype(dtype)
    view = np.lib.stride_tricks.sliding_window_view(series, window + horizon)
    X = np.ascontiguousarray(view[:, :window])
    Y = np.ascontiguousarray(view[:, window:])
    return X, Y


class _Stop(Exception):
    pass


def _stop_before_training(monkeypatch):
    def stop(self, *args, **kwargs):
        raise _Stop
    monkeypatch.setattr(F.AttentionForecaster, "_train", stop)


def test_units_check_peak_is_bounded():
    # 12M values of float32 (46 MiB): the check's float64 copies of every row took ~150 MiB
    X, Y = _walk_windows(400_000, 30)
    X3 = X[:, :, None]
    mean, scale = float(X.mean(dtype=np.float64)), float(X.std(dtype=np.float64))
    Xs = ((X3 - mean) / scale).astype(np.float32)
    Ys = ((Y - mean) / scale).astype(np.float32)
    tracemalloc.start()
    try:
        F._warn_if_targets_not_in_window_units(X3, Y, Xs, Ys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the sample: TARGET_CHECK_VALUES values (1e6) take ~17 MiB of temporaries
    assert peak < 32 * 2**20, peak / 2**20
    print(f"units check: peak {peak / 2**20:.1f} MiB")


def test_units_check_still_warns_on_a_large_X():
    # y in other units than X (y alone rescaled), on more rows than the check's sample
    X, Y = _walk_windows(60_000, 24, dtype=np.float64)
    X = X + 100.0
    X3, Y = X[:, :, None], Y * 1000.0 + 100.0
    assert X.size > 1_000_000
    mean, scale = float(X.mean()), float(X.std())
    with pytest.warns(TargetUnitsWarning, match=r"y lie far from their windows X"):
        warned = F._warn_if_targets_not_in_window_units(X3, Y, (X3 - mean) / scale,
                                                        (Y - mean) / scale)
    assert warned


def test_fit_refuses_working_copies_beyond_memory(monkeypatch):
    _stop_before_training(monkeypatch)
    X, Y = _walk_windows(2_000, 24)
    # a machine of 64 MiB: the network (a few MB) fits in half of it, the working copies not
    monkeypatch.setattr(W, "_physical_memory_bytes", lambda: 64 * 2**20)
    model = AttentionForecaster(patch_len=6, d_model=16, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"fit's working copies of X and y \(2000 windows scaled "
                                         r"to float32\) would take about .* more than half of "
                                         r"this machine's memory.*partial_fit"):
        model.fit(X, Y[:, 0])


def test_continued_fit_refused_for_memory_leaves_model_as_it_was(monkeypatch):
    X, Y = _walk_windows(300, 24)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_epochs=1: ConvergenceWarning
        model = AttentionForecaster(patch_len=6, d_model=16, max_epochs=1, random_state=0,
                                    dtype="float64").fit(X, Y[:, 0])
    before = model.predict(X)
    monkeypatch.setattr(W, "_physical_memory_bytes", lambda: 64 * 2**20)
    with pytest.raises(ValueError, match=r"scaled to float64.*dtype='float32'.*partial_fit"):
        model.partial_fit(X, Y[:, 0])
    monkeypatch.undo()
    np.testing.assert_array_equal(model.predict(X), before)


def _estimate_and_peak(monkeypatch, X, Y, **params):
    """The working copies' estimate fit checks, and the peak (tracemalloc) fit takes over X and
    y before training."""
    _stop_before_training(monkeypatch)
    estimates = []
    real_check = F.check_fits_in_memory

    def check(n_bytes, what, advice):
        if what.startswith("fit's working copies"):
            estimates.append(n_bytes)
        return real_check(n_bytes, what, advice)

    monkeypatch.setattr(F, "check_fits_in_memory", check)
    model = AttentionForecaster(patch_len=7, d_model=16, max_epochs=1, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        try:
            with pytest.raises(_Stop):
                model.fit(X, Y)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(estimates) == 1
    return estimates[0], peak


@pytest.mark.parametrize("dtype, order", [("float32", "C"), ("float64", "F")])
def test_estimate_covers_measured_peak_whole_array_statistics(monkeypatch, dtype, order):
    X, Y = _walk_windows(60_000, 28, horizon=7, dtype=dtype)
    X = np.asarray(X, order=order)
    estimate, peak = _estimate_and_peak(monkeypatch, X, Y)
    assert peak <= estimate <= 4 * max(peak, 2 * F._STATISTICS_CHUNK_BYTES), (peak, estimate)
    print(f"whole-array {dtype} {order}: peak {peak / 2**20:.1f} MiB, "
          f"estimate {estimate / 2**20:.1f} MiB")


@pytest.mark.parametrize("model_dtype", ["float32", "float64"])
def test_estimate_covers_measured_peak_chunked(monkeypatch, model_dtype):
    # the chunked statistics and scaling of a large X, on a moderate one: chunks of 1 MiB
    monkeypatch.setattr(F, "_CHUNKED_STATISTICS_MIN_BYTES", 4 * 2**20)
    monkeypatch.setattr(F, "_STATISTICS_CHUNK_BYTES", 2**20)
    X, Y = _walk_windows(100_000, 28, horizon=7)
    estimate, peak = _estimate_and_peak(monkeypatch, X, Y, dtype=model_dtype)
    held = np.dtype(model_dtype).itemsize * (X.size + Y.size)  # Xs and Ys
    assert held < peak <= estimate < 3 * peak, (held, peak, estimate)
    print(f"chunked {model_dtype}: held {held / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB, "
          f"estimate {estimate / 2**20:.1f} MiB")


def test_scale_y_in_chunks_is_bitwise_the_whole_array_formula(monkeypatch):
    X, Y = _walk_windows(5_000, 24, horizon=5, dtype=np.float64)
    model = AttentionForecaster()
    model._fit_scaling(X[:, :, None])
    whole = {dtype: np.ascontiguousarray((Y - model.channel_mean_[0]) / model.channel_scale_[0],
                                         dtype=dtype) for dtype in (np.float32, np.float64)}
    monkeypatch.setattr(F, "_STATISTICS_CHUNK_BYTES", 1000)  # 25 rows a chunk
    for dtype, expected in whole.items():
        scaled = model._scale_y(Y, dtype)
        assert scaled.dtype == dtype and scaled.flags.c_contiguous
        np.testing.assert_array_equal(scaled, expected)
