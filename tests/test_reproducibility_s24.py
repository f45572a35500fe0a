"""Session 24's reproducibility trial: BLAS's process-wide thread count after overlapping
single-threaded blocks (two fits in threads, a fork while one is open), and the stream of a
continued fit (``partial_fit``, ``warm_start``) with an int ``random_state``."""
import copy
import os
import pickle
import signal
import sys
import threading
import warnings

import numpy as np
import pytest
from threadpoolctl import OpenBLASController

from skattn import AttentionForecaster, make_windows
from skattn.forecaster import _blas_libraries, _single_threaded_kernels

TINY = dict(d_model=8, n_heads=2, n_layers=1, patch_len=4, max_epochs=1, batch_size=16,
            dropout=0.1, random_state=0)
# a count no library here starts with (2 cores), so a count restored from a block's 1 shows
MARKER = 3
TIMEOUT = 60  # seconds any wait of these tests may take before it counts as a hang


def blas_threads():
    return [library.get_num_threads() for library in _blas_libraries()]


def set_blas_threads(counts):
    for library, n_threads in zip(_blas_libraries(), counts):
        library.set_num_threads(n_threads)
    # threadpoolctl >= 3.8: the thread that set OpenBLAS's limit is the only one that can set
    # it again, for as long as it lives; the test's own calls must not take that from the code
    # under test
    getattr(OpenBLASController, "clear_controlling_thread", lambda: None)()


@pytest.fixture
def blas_at_marker():
    """Every BLAS library at MARKER threads for the test; the counts found put back after."""
    libraries = _blas_libraries()
    if not libraries:
        pytest.skip("no BLAS library under threadpoolctl's control")
    if any(getattr(library, "threading_layer", None) == "openmp" for library in libraries):
        pytest.skip("a BLAS whose limit is per thread (OpenMP)")
    before = blas_threads()
    set_blas_threads([MARKER] * len(libraries))
    assert blas_threads() == [MARKER] * len(libraries)
    yield [MARKER] * len(libraries)
    set_blas_threads(before)


@pytest.fixture(scope="module")
def windows():
    t = np.arange(160)
    series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    X, y = make_windows(series, window=16, horizon=3)
    return X[:64], y[:64]


def wait(event):
    assert event.wait(TIMEOUT), "a thread of the test never got there"


# ------------------------------------------------------------------------------------------
# 1. BLAS's thread count: one for the process, kept at 1 while any block is open, restored at
#    the last exit (the second of two overlapping blocks restored the first's 1: user trial)
# ------------------------------------------------------------------------------------------
def test_overlapping_blocks_keep_blas_single_threaded_until_the_last_one_leaves(blas_at_marker):
    # A enters, B enters, A leaves (by an exception), B leaves: the old save-and-restore put A's
    # MARKER back while B ran (B oversubscribed), then B's 1 back for good. First a block in
    # the main thread: with threadpoolctl >= 3.8 its setting made the main thread the only one
    # whose settings counted, so blocks in other threads neither pinned BLAS nor restored it
    with _single_threaded_kernels():
        pass
    assert blas_threads() == blas_at_marker
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        try:
            with _single_threaded_kernels():
                a_in.set()
                wait(b_in)
                raise KeyError("inside the block")
        except KeyError:
            pass
        seen["after A left, B inside"] = blas_threads()
        a_out.set()

    def b():
        wait(a_in)
        with _single_threaded_kernels():
            with _single_threaded_kernels():  # re-entered in one thread
                pass
            seen["B nested block closed"] = blas_threads()
            b_in.set()
            wait(a_out)
        seen["after both"] = blas_threads()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    ones = [1] * len(blas_at_marker)
    assert seen == {"B nested block closed": ones, "after A left, B inside": ones,
                    "after both": blas_at_marker}
    assert blas_threads() == blas_at_marker


def test_two_models_fitted_in_threads_leave_blas_as_they_found_it(blas_at_marker, windows,
                                                                  monkeypatch):
    # t16.py of the trial: two fits overlapping in threads left the process at 1 BLAS thread
    # (numpy's matmul 2x slower after, silently). Made deterministic: the second fit starts
    # training once the first is training, and the first finishes before the second does
    X, y = windows
    first, second = AttentionForecaster(**TINY), AttentionForecaster(**TINY)
    first_training, second_training, first_done = (threading.Event(), threading.Event(),
                                                   threading.Event())
    inside = {}

    def hold(model, entered, wait_for):
        train = model._train

        def held(*args, **kwargs):
            entered.set()
            wait(wait_for)
            inside[id(model)] = blas_threads()
            return train(*args, **kwargs)

        monkeypatch.setattr(model, "_train", held, raising=False)

    hold(first, first_training, second_training)
    hold(second, second_training, first_done)

    def fit_first():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first.fit(X, y)
        first_done.set()

    def fit_second():
        wait(first_training)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            second.partial_fit(X, y)

    threads = [threading.Thread(target=fit_first), threading.Thread(target=fit_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert first_done.is_set() and hasattr(second, "params_")
    assert list(inside.values()) == [[1] * len(blas_at_marker)] * 2
    assert blas_threads() == blas_at_marker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork")
def test_a_fork_while_another_thread_is_in_a_block_leaves_the_child_usable(blas_at_marker):
    # the child has the forking thread alone: the other thread's block, open at the fork, never
    # closes there, and the child's BLAS stayed at 1 for good; its own blocks must neither hang
    # (a lock held at the fork) nor leave it at 1
    inside, leave = threading.Event(), threading.Event()

    def hold_a_block():
        with _single_threaded_kernels():
            inside.set()
            wait(leave)

    thread = threading.Thread(target=hold_a_block)
    thread.start()
    try:
        wait(inside)
        assert blas_threads() == [1] * len(blas_at_marker)
        pid = os.fork()
        if pid == 0:  # the child: exit status 0 when all is well
            status = 1
            try:
                signal.alarm(TIMEOUT)  # a hang ends the child
                at_start = blas_threads()
                with _single_threaded_kernels():
                    in_block = blas_threads()
                after = blas_threads()
                status = 0 if (at_start == after == blas_at_marker
                               and in_block == [1] * len(blas_at_marker)) else 2
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert blas_threads() == [1] * len(blas_at_marker)  # the parent's thread still inside
    finally:
        leave.set()
        thread.join(TIMEOUT)
    assert blas_threads() == blas_at_marker


# ------------------------------------------------------------------------------------------
# 2. A continued fit with an int random_state: a new stream at every call (from the seed and
#    the steps taken), reproducible from the same model; a fit from scratch as before
# ------------------------------------------------------------------------------------------
def record_batches(model, monkeypatch):
    """The row order of every step of ``model``'s fits from now on, one list per call."""
    calls = []
    batch_gradients = AttentionForecaster._batch_gradients

    def recorded(job, batch, rng, runner, flat_params):
        calls[-1].append(tuple(batch.tolist()))
        return batch_gradients(job, batch, rng, runner, flat_params)

    monkeypatch.setattr(model, "_batch_gradients", recorded, raising=False)

    def call(method, *args):
        calls.append([])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(model, method)(*args)

    return calls, call


def weights(model):
    return {name: value.copy() for name, value in model.params_.items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_partial_fit_with_an_int_seed_reshuffles_at_every_call_reproducibly(windows,
                                                                           monkeypatch):
    # t26.py of the trial: every partial_fit call on the same windows replayed the first call's
    # batch order and dropout masks (the int re-seeded the same stream at each call)
    X, y = windows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(**TINY).fit(X, y)
    start = copy.deepcopy(model)
    pickled = pickle.dumps(model)
    calls, call = record_batches(model, monkeypatch)
    for _ in range(3):
        call("partial_fit", X, y)
    assert calls[0] != calls[1] != calls[2] != calls[0]
    # the same calls from the same model: bitwise the same model, after a pickle too
    for again in (start, pickle.loads(pickled)):
        again_calls, again_call = record_batches(again, monkeypatch)
        for _ in range(3):
            again_call("partial_fit", X, y)
        assert again_calls == calls
        assert_same_weights(weights(again), weights(model))
        np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_warm_start_fits_with_an_int_seed_reshuffle_and_a_fit_from_scratch_does_not(
        windows, monkeypatch):
    X, y = windows
    model = AttentionForecaster(**{**TINY, "max_epochs": 2}, warm_start=True)
    calls, call = record_batches(model, monkeypatch)
    for _ in range(3):
        call("fit", X, y)
    # each continued fit its own orders (they repeated each other's); within a fit, each
    # epoch its own
    assert calls[1] != calls[2]
    # a fit from scratch of the continued model is the first fit again, bitwise
    fresh = AttentionForecaster(**{**TINY, "max_epochs": 2})
    fresh_calls, fresh_call = record_batches(fresh, monkeypatch)
    fresh_call("fit", X, y)
    model.set_params(warm_start=False)
    call("fit", X, y)
    assert calls[0] == calls[3] == fresh_calls[0]
    assert_same_weights(weights(model), weights(fresh))


def test_a_threadpool_limits_block_of_another_thread_during_a_fit_does_not_leave_blas_at_one(
        blas_at_marker):
    # a fit's block in one thread and a threadpool_limits(1) block (scikit-learn's KMeans.fit
    # holds one) in another that began during it and ends after it and after the fit's thread:
    # the other block saved the fit's 1 and restored it, with control released by the fit (or
    # held by its ended thread), and the process stayed at one BLAS thread (review, session
    # 24). The pin hands control to the main thread, so that block does nothing.
    from threadpoolctl import threadpool_limits

    fit_in, other_in, fit_out = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def fit():
        try:
            with _single_threaded_kernels():
                fit_in.set()
                wait(other_in)
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            errors.append(error)
        finally:
            fit_out.set()

    def other():
        try:
            wait(fit_in)
            with threadpool_limits(limits=1, user_api="blas"):
                other_in.set()
                wait(fit_out)
                # the fit's thread has ended (a controller that ended is nobody's: the block
                # took control at its exit while the pin's thread was gone)
                threads[0].join(TIMEOUT)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=fit), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not errors
    assert blas_threads() == blas_at_marker
