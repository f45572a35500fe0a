"""AttentionForecaster: the scikit-learn estimator around :mod:`skattn.nn`.

This module holds validation, the training loop and the scikit-learn glue; the maths lives in
:mod:`skattn.nn`.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import os
import threading
import time
import warnings
import weakref
from contextlib import contextmanager
from numbers import Integral, Number, Real

import numba
import numpy as np
from joblib import effective_n_jobs, parallel_config
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import OpenBLASController, ThreadpoolController

from . import nn
from ._jit import CACHE
from ._persistence import StampsVersionWhenPickled
from ._process_shards import ProcessShardRunner, shard_bounds
from ._stacklevel import stacklevel_of_caller
from ._validation import (N_JOBS_CONSTRAINT, ForgetsWarningsWhenPickled, IntegerInterval,
                          MissingTargetsScoreMixin, check_quantiles, forecast_quantiles_of,
                          recursive_forecast, validate_windows)
from .exceptions import (DataShiftWarning, OutlierScaleWarning, TargetUnitsWarning,
                         ZeroWidthIntervalWarning)
from .nn.losses import loss_backward, loss_forward
from .nn.optim import AdamW, clip_grad_norm, make_lr_schedule
from ._zero_width import report_to_ensemble, windows_get, zero_width_rows
from .windows import (check_fits_in_memory, check_weight_values, checked_sample_weight,
                      masked_as_missing)

__all__ = ["AttentionForecaster"]

_PREDICT_CHUNK = 2048  # rows per forward pass at predict time: bounds memory on large X
_COSINE_WARMUP_FRACTION = 0.05  # of the planned optimiser steps, for lr_schedule="cosine"
# windows of a constant target with covariates that vary, as a share of the training windows,
# from which fit warns that those covariates are ignored (normalize=True)
_CONSTANT_COVARIATE_SHARE = 0.05
# ... or from this many of them (a panel's pooled windows hid one intermittent series' 20)
_CONSTANT_COVARIATE_COUNT = 20
# fewer optimiser steps an epoch than this: the max_epochs warning suggests a smaller batch_size
_FEW_STEPS_PER_EPOCH = 10
# epochs of one fit before "the loss never fell below the level forecast's" is a finding; the
# factor of a jump (a later epoch's loss over the first's) and the factor over the level
# forecast's loss of the best epoch that say training diverged: 10-291 against 1.60 when
# diverged (airline, learning_rate=1.0), 1.05-1.7 for trainings merely cut short
_MIN_EPOCHS_TO_JUDGE = 3
_DIVERGED_JUMP = 2.0
_DIVERGED_LEVEL_RATIO = 4.0
_DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
# What a fit sets besides the public attributes ending in "_": removed with them when a fit
# fails (AttentionForecaster._discard_fitted_state), so no cache outlives the weights it mirrors,
# and copied with them before a continued fit trains (_train_on_copies_of_fitted_state).
_PRIVATE_FITTED_ATTRIBUTES = ("_params64", "_config64", "_inference_pack", "_optimizer",
                              "_y_is_1d", "_best_loss_of")
# Run shards 1.. of a training step in worker processes where that is possible (see
# skattn/_process_shards.py); False keeps them on threads (the tests compare the two).
_SHARDS_IN_PROCESSES = True
# Handing a fit to the workers costs ~15 ms (the training data copied into shared memory, the
# estimator pickled, the workers' first touch of it); a step saves ~1-2 ms on the M3
# configuration, so shorter fits (partial_fit on one batch, say) keep their shards on threads.
_MIN_STEPS_FOR_PROCESSES = 16

_threadpool_controller = None


def _blas_controller():
    # Building a controller inspects every loaded library (milliseconds), so build it once.
    global _threadpool_controller
    if _threadpool_controller is None:
        _threadpool_controller = ThreadpoolController()
    return _threadpool_controller


def _blas_libraries():
    # threadpoolctl's controllers of the BLAS libraries loaded in this process (found once)
    return [library for library in _blas_controller().lib_controllers
            if library.user_api == "blas"]


def _n_threads(n_jobs):
    """Shards (and threads or processes to run them) for ``n_jobs``: scikit-learn's convention
    (None -> 1 unless in a joblib context, -1 -> every processor joblib counts).

    Counted as joblib's *threading* backend counts them: the default (process) backend answers 1
    inside a daemonic process, which cannot start children, but the estimator's shards are threads,
    which such a process can run (measured: a fit in a daemonic benchmark worker ran on one core).
    Not capped by Numba's thread count: joblib's workers set NUMBA_NUM_THREADS=1, and the shard
    count decides how the batch gradient is summed, so a cap made the same estimator train
    another model inside ``GridSearchCV(n_jobs=2)`` than at its refit. An ``n_jobs`` above the
    processors oversubscribes them, as it does for joblib itself.
    """
    with parallel_config(backend="threading"):
        n_threads = effective_n_jobs(n_jobs)
    return max(1, n_threads)


# A bit below glibc's ceiling for its dynamic mmap threshold (32 MiB on 64-bit).
_MALLOC_PRIMING_BYTES = 30 * 2**20


def _prime_malloc_thresholds():
    """Allocate and free one 30 MiB block, so glibc stops handing memory back to the OS per step.

    A training step allocates its activations and frees them all at its end (~11 MB on the M3
    configuration). glibc gives the free top of its heap back to the OS once it exceeds the
    "trim threshold" (128 KiB at start, then 2x the largest mmap-served block freed so far), and
    the next step faults every page in again: measured 1,700-2,700 page faults and 4-7 ms of system
    time per M3 step, in some processes and not others (whichever arrays the process had freed
    before), making fits up to 30% slower. Freeing one mmap-served block of 30 MiB raises the
    thresholds to 30 / 60 MiB, glibc's own documented dynamic adjustment, the same thing any
    NumPy code that frees a 30 MiB array does: steps then reuse their memory (0 faults measured).
    The block is never touched, so it costs one mmap and one munmap; other C libraries ignore it.
    """
    np.empty(_MALLOC_PRIMING_BYTES, dtype=np.uint8)  # dropped at once: freed


def _single_threaded_blas():
    for library in _blas_libraries():
        library.set_num_threads(1)


def _limit_is_per_thread(library):
    # OpenBLAS built on OpenMP takes its limit per calling thread (threadpoolctl sets it through
    # omp_set_num_threads); every other BLAS, OpenBLAS on its own threads among them, takes one
    # limit for the whole process
    return library.internal_api == "openblas" and getattr(library, "threading_layer",
                                                          None) == "openmp"


def _set_blas_threads(settings):
    """Set each ``(library, n_threads)`` of ``settings`` (what threadpoolctl lets this thread
    set: see :class:`_BlasPin` for OpenBLAS's controlling thread)."""
    for library, n_threads in settings:
        library.set_num_threads(n_threads)


# threadpoolctl (3.8 on) lets one thread alone set OpenBLAS's process-wide limit: the first one
# to set it, for as long as it lives; other threads' calls do nothing, silently. A fit in the
# main thread made it the controller for good, after which a fit in another thread could neither
# pin BLAS to one thread nor restore it, and the pin's first entry and last exit may be on
# different threads. The pin therefore moves control itself (threadpoolctl's shared state, under
# its lock): from a thread that took it through the pin to the thread that needs it, and back,
# at the last exit, to the live thread that held it before (a user's threadpool_limits block
# keeps its limit), else to the main thread (a fit's own thread may end). It never releases
# control to nobody: a threadpool_limits block of another
# thread that began during a fit saved the pin's 1 and would restore it afterwards (scikit-
# learn's KMeans.fit holds one), and the process stayed at one thread (review, session 24);
# with control kept, that block's calls do nothing, as before the pin. Control held by a thread
# that did not take it through the pin (a user's block) is left alone: the pin does nothing then.
# A private attribute of threadpoolctl (>= 3.8, our lower bound): read with getattr so that a
# release without it makes the pin set limits without taking control, as before 3.8, instead of
# failing at import.
_OPENBLAS_CONTROL = getattr(OpenBLASController, "_SHARED_STATE", None)
_PIN_CONTROLLERS = weakref.WeakSet()  # threads that took control through the pin


def _take_blas_control():
    """Make this thread threadpoolctl's controller of OpenBLAS's limit, unless a live thread
    holds it that did not take it through the pin; the controller before it, or None when this
    thread may not set the limit (``(allowed, previous)``)."""
    if _OPENBLAS_CONTROL is None:
        return True, None
    this = threading.current_thread()
    with _OPENBLAS_CONTROL.lock:
        holder = _OPENBLAS_CONTROL.controlling_thread
        if (holder is not None and holder is not this and holder.is_alive()
                and holder not in _PIN_CONTROLLERS):
            return False, None  # a user's limit: the pin leaves it alone
        _OPENBLAS_CONTROL.controlling_thread = this
        _PIN_CONTROLLERS.add(this)
    return True, holder


def _give_back_blas_control(previous):
    """Hand control to ``previous`` (the controller before the pin took it) if it still lives,
    else to the main thread: a controller that has ended is nobody's, and a fit's thread ends
    (another thread's threadpool_limits block that began during the fit then took control when
    it ended, and restored the pin's 1 for good; review, session 24)."""
    if _OPENBLAS_CONTROL is None:
        return
    if previous is None or not previous.is_alive():
        previous = threading.main_thread()
        if not previous.is_alive():
            return
        _PIN_CONTROLLERS.add(previous)  # given by the pin: the pin's to take again
    with _OPENBLAS_CONTROL.lock:
        if _OPENBLAS_CONTROL.controlling_thread is threading.current_thread():
            _OPENBLAS_CONTROL.controlling_thread = previous


class _BlasPin:
    """Holds the process-wide BLAS limits at one thread while any thread is inside
    :func:`_single_threaded_kernels`, and restores them when the last one leaves.

    Each block saved the limit it found and restored it on exit, but the limit is one for the
    whole process (``_limit_is_per_thread`` names the exception), so two overlapping blocks
    (two models fitted in threads, or a fit and an additive-attention predict) could end with
    the second restoring the 1 the first had set: the process kept one BLAS thread for good,
    and every NumPy matrix product after it ran 2x slower on 2 cores, silently (user trial,
    session 24). A count of the open blocks, under a lock, saves the limits at the first entry
    and restores them at the last exit, whichever thread makes it.

    The lock guards only this bookkeeping, never the block itself, so nothing runs under it
    that could enter again: a nested block in one thread only moves the count.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.depth = 0  # blocks open in this process, over all its threads
        self.saved = None  # [(library, its limit before the first block)] while any is open
        self.previous_controller = None  # OpenBLAS's controlling thread before the first block
        self.local = threading.local()  # .depth: the blocks open in this thread (for a fork)

    def enter(self, libraries):
        """Open a block; ``libraries``: the BLAS libraries of process-wide limits."""
        with self.lock:
            if self.depth == 0:
                allowed, self.previous_controller = (_take_blas_control() if libraries
                                                     else (True, None))
                saved = ([(library, library.get_num_threads()) for library in libraries]
                         if allowed else [])
                try:
                    _set_blas_threads([(library, 1) for library, _ in saved])
                except BaseException:
                    _set_blas_threads(saved)
                    _give_back_blas_control(self.previous_controller)
                    raise
                self.saved = saved
            self.depth += 1
        self.local.depth = getattr(self.local, "depth", 0) + 1

    def exit(self):
        self.local.depth -= 1
        with self.lock:
            self.depth -= 1
            if self.depth == 0:
                saved, self.saved = self.saved, None
                if saved:
                    # the last exit may be on another thread than the first entry
                    allowed, _ = _take_blas_control()
                    if allowed:
                        _set_blas_threads(saved)
                        _give_back_blas_control(self.previous_controller)

    # os.register_at_fork hooks. A child of fork() has the forking thread alone: a lock another
    # thread held at that moment would stay held in it for good (its first fit or predict would
    # hang), and the blocks of the threads that did not come along would never close, leaving
    # its BLAS at one thread. So the fork waits for the bookkeeping to be consistent (the lock
    # is held for microseconds), and the child keeps only its own thread's blocks.
    def _before_fork(self):
        self.lock.acquire()

    def _after_fork_in_parent(self):
        self.lock.release()

    def _after_fork_in_child(self):
        self.lock = threading.Lock()
        self.depth = getattr(self.local, "depth", 0)  # the forking thread's, as they were
        if self.depth == 0 and self.saved is not None:
            # only other threads' blocks were open: none of them is here to close
            saved, self.saved = self.saved, None
            if saved:
                if _OPENBLAS_CONTROL is not None:
                    # this thread alone lives here; threadpoolctl's lock may have been held by
                    # another thread at the fork, so it is not taken
                    _OPENBLAS_CONTROL.controlling_thread = threading.current_thread()
                _set_blas_threads(saved)


_BLAS_PIN = _BlasPin()
if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(before=_BLAS_PIN._before_fork,
                        after_in_parent=_BLAS_PIN._after_fork_in_parent,
                        after_in_child=_BLAS_PIN._after_fork_in_child)


@contextmanager
def _single_threaded_kernels():
    """Run the block with ONE BLAS thread; restore the limits after.

    The estimator spreads its work over threads itself (batch shards, see ``_ShardRunner``).
    Letting BLAS run its own threads as well oversubscribes the cores: they spin-wait for work,
    and on 2 cores a training step measured 5x slower than with one thread. The Numba kernels
    are serial (no ``prange``, docs/architecture.md "Why no prange"), so Numba's thread count is
    left alone: setting it started Numba's thread pool for nothing (review, session 30).

    The limit of an OpenBLAS built on OpenMP belongs to the calling thread: saved and restored
    here. The limits of other BLAS libraries belong to the process:
    they stay at one while any thread is in such a block (a matrix product elsewhere in the
    process runs on one thread meanwhile), and the limits found by the first block are restored
    when the last one leaves (``_BlasPin``).
    """
    # the BLAS libraries' own controllers, not threadpoolctl's limit(): that re-reads every
    # library's info on each call, ~25 us, a tenth of a one-window predict()
    libraries = _blas_libraries()
    own = [(library, library.get_num_threads()) for library in libraries
           if _limit_is_per_thread(library)]
    try:
        _set_blas_threads([(library, 1) for library, _ in own])
        _BLAS_PIN.enter([library for library in libraries if not _limit_is_per_thread(library)])
        try:
            yield
        finally:
            _BLAS_PIN.exit()
    finally:
        _set_blas_threads(own)


class _TrainingDivergedError(ValueError):
    """Training's loss or gradient became non-finite (raised by the training loop); a
    ValueError to the caller. ``where``: the epoch, in words, for _fit's diagnosis of a
    continued fit (AttentionForecaster._raise_if_the_scale_overflowed)."""

    def __init__(self, where, remedy):
        super().__init__(f"training diverged {where} (non-finite loss or gradient); {remedy}")
        self.where = where


class _ShardWorker:
    """One long-lived thread that runs one shard per step, handed over through two plain locks.

    A ``threading.Lock`` is CPython's cheapest blocking hand-off (one futex): an empty two-shard
    map took 94 us with a ``ThreadPoolExecutor`` and ``concurrent.futures.wait``, 23 us with
    these locks (docs/performance.md, "Session 6").
    """

    def __init__(self):
        self._go = threading.Lock()  # released by the caller when a job is posted
        self._go.acquire()
        self._done = threading.Lock()  # released by the worker when the job has finished
        self._done.acquire()
        self._job = None
        self._result = None
        self._error = None
        self._thread = threading.Thread(target=self._loop, name="skattn-shard", daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            self._go.acquire()
            job = self._job
            if job is None:  # stop()
                return
            fn, index, rows = job
            try:
                self._result, self._error = fn(index, rows), None
            except BaseException as error:  # handed to the caller by result()
                self._result, self._error = None, error
            self._done.release()

    def post(self, fn, index, rows):
        self._job = (fn, index, rows)
        self._go.release()

    def result(self):
        """Wait for the posted job; return its result or raise its exception."""
        self._done.acquire()
        self._job = None
        result, error = self._result, self._error
        self._result = self._error = None
        if error is not None:
            raise error
        return result

    def stop(self):
        self._job = None
        self._go.release()
        self._thread.join()


class _ShardRunner:
    """Runs ``fn(shard_index, rows)`` over contiguous shards of the rows, one thread per shard.

    The kernels release the GIL (Numba ``nogil``, BLAS, NumPy's array loops), so shards of a batch
    run on separate cores. Shards are fixed by the row count and ``n_threads`` alone, and results
    are combined in shard order, so the output does not depend on thread timing. The calling
    thread runs the first shard itself; the others go to long-lived workers (``_ShardWorker``).
    """

    def __init__(self, n_threads, min_rows_per_shard=8):
        self.n_threads = n_threads
        self.min_rows_per_shard = min_rows_per_shard
        self._workers = []

    def shards(self, n_rows):
        return shard_bounds(n_rows, self.n_threads, self.min_rows_per_shard)  # cached there

    def map(self, fn, n_rows):
        shards = self.shards(n_rows)
        if len(shards) == 1:
            return [fn(0, shards[0])]
        while len(self._workers) < len(shards) - 1:
            self._workers.append(_ShardWorker())
        workers = self._workers[:len(shards) - 1]
        for worker, (index, rows) in zip(workers, enumerate(shards[1:], start=1)):
            worker.post(fn, index, rows)
        try:
            first = fn(0, shards[0])
        finally:
            # every worker's shard finishes (and is collected) even when the first raised
            outcomes = []
            for worker in workers:
                try:
                    outcomes.append((worker.result(), None))
                except BaseException as error:
                    outcomes.append((None, error))
        for _, error in outcomes:
            if error is not None:
                raise error
        return [first, *(result for result, _ in outcomes)]

    def close(self):
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: the std of a channel's training values over their robust spread (1.4826 x the median absolute
#: deviation; the two agree for normal data) beyond which a few extreme values are said to
#: dominate the global scaling. Measured on the airline windows with one value made extreme
#: (session 16, instance_norm_eps 1e-30; median change of 20 windows' forecasts, 0.39% being
#: what any changed training value does): 0.39% up to a ratio of 2e5, 0.52% at 2e7, 12% at 2e9
#: in float32 training (0.39% in float64: float32 no longer resolves the ordinary windows). It was
#: 100 until session 15, set when instance norm's epsilon was 1e-5 (the forecasts moved 2% at 60
#: and 21% at 20,000; at 1e-10, 0.39% up to 2,000 and 6.7% at 2e5). The pooled M3 series sit at
#: 1.0 to 2.0; a panel of series at 1e-2 to 1e6 at ~3,000, which the model now serves.
OUTLIER_SCALE_RATIO = 1e6


#: how many of its window's spreads (std over time) a target may lie from the window's mean
#: before the window is said to dominate the loss, which measures each window's errors in those
#: units. The training windows of M3 monthly (windows 24-90, horizon 18), M3 quarterly and
#: Tourism monthly reach 25-47 (at most; 99.9th percentiles 16-25; session 18); an outage recorded
#: as meter noise (|N(0, 0.5)| at a level of 900) followed by ordinary values, ~3,000.
WINDOW_TARGET_RATIO = 1e3


def _warn_if_windows_dominate_the_loss(target_windows, Y):
    """OutlierScaleWarning when some window's target lies more than WINDOW_TARGET_RATIO of its
    window's spreads from the window's mean. ``target_windows`` (n, T) and ``Y`` (n, horizon),
    in any common units; windows that are constant (their targets left out of the loss) and
    NaN targets are not counted."""
    # float32 training: summed in float64, and a chunk of rows at a time: std's deviations
    # from the mean are a float64 (rows, T) array, as large as X for one channel (user trial,
    # session 20). Each row's statistics are its own, so chunks give them bitwise.
    mean = np.empty((len(target_windows), 1))  # (n, 1)
    spread = np.empty((len(target_windows), 1))  # (n, 1)
    for rows in _row_chunks(len(target_windows), 8 * target_windows.shape[1]):
        mean[rows] = target_windows[rows].mean(axis=1, keepdims=True, dtype=np.float64)
        spread[rows] = target_windows[rows].std(axis=1, keepdims=True, dtype=np.float64)
    varying = spread[:, 0] > 0
    if not varying.any():
        return
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = np.abs(Y[varying] - mean[varying]) / spread[varying]  # (m, horizon)
    ratio = np.where(np.isnan(ratio), 0.0, ratio).max(axis=1)  # (m,)
    far = int(np.count_nonzero(ratio > WINDOW_TARGET_RATIO))
    if far:
        # an outage recorded as meter noise (abs(N(0, 0.5)) at a level of 900): the windows
        # that end in it have targets ~3,000 of their spreads away, the loss curve read
        # ~6,700 instead of 0.2 (hourly, squared error), early stopping followed those windows, and nothing said so (user
        # trial, session 18). A window of 2 or 3 values is nearly flat by chance (two equal
        # neighbours of a random walk): its cause is the window, and "set flat stretches to
        # exactly constant values" was advice for data that hold none (warnings trial,
        # session 33)
        stretch = ("a nearly flat stretch followed by ordinary values does this (an outage "
                   "recorded as meter noise, a placeholder value): set such stretches to "
                   "exactly constant values (constant windows are left out of the loss), fill "
                   "them, or cut them out")
        # both causes for short windows: an outage in data read in windows of 3 was blamed on
        # chance, and longer windows still warned (review, session 33)
        cause = (f"Windows of {target_windows.shape[1]} values do this by chance (neighbours "
                 f"that happen to be nearly equal): use longer windows; if they still warn, "
                 f"{stretch}" if target_windows.shape[1] <= 3 else stretch[0].upper() + stretch[1:])
        warnings.warn(
            f"AttentionForecaster: {far} of {len(target_windows)} training windows have targets "
            f"more than {WINDOW_TARGET_RATIO:g} times their window's spread (std over time) "
            f"from the window's mean (the largest {ratio.max():.3g} times). The loss measures "
            f"each window's errors in its own spread, so these few windows dominate training. "
            f"{cause}.",
            OutlierScaleWarning,
            stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # the caller of fit (or of a Pipeline)
        )


#: how far (in the first fit's spreads) a continued fit's data may move from the first fit's
#: scaling before a model without instance normalisation is warned: its network sees the values
#: as scaled then. A day's data at 100x the scale reached ~400 and forecast 1.9x worse than a
#: fresh fit (production trial, session 18)
SHIFT_RATIO = 10.0


def _warn_if_data_left_the_first_scaling(Xs):
    """DataShiftWarning when, in a continued fit of a model with ``normalize=False``, a
    channel's values (``Xs``, (n, T, C), in the first fit's scaling) have a mean more than
    SHIFT_RATIO spreads from 0, or a spread more than SHIFT_RATIO times larger or smaller than 1."""
    means = Xs.mean(axis=(0, 1), dtype=np.float64)  # (C,)
    spreads = Xs.std(axis=(0, 1), dtype=np.float64)  # (C,)
    for channel, (mean, spread) in enumerate(zip(means, spreads)):
        # a channel constant now (a constant covariate, a holiday flag without a holiday in
        # these windows) has no spread to compare: its level is (third review, session 18)
        if abs(mean) > SHIFT_RATIO or spread > 0 and not 1 / SHIFT_RATIO <= spread <= SHIFT_RATIO:
            warnings.warn(
                f"AttentionForecaster: in the scaling of the first fit (channel_mean_, "
                f"channel_scale_), channel {channel} of the data of this continued fit has mean "
                f"{mean:.3g} and spread {spread:.3g} (the first fit's: 0 and 1). Without "
                f"instance normalisation (normalize=False) the network reads the values as "
                f"scaled then, which it was not trained on: refit from scratch "
                f"(warm_start=False) on data of a new scale, or use normalize=True.",
                DataShiftWarning,
                stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # the caller of fit (or of a Pipeline)
            )
            return


def _check_network_fits_in_memory(config, batch_size):
    """A ValueError (skattn.windows.check_fits_in_memory) before a network too large for this
    machine is built: patch_len=10**9 (the window is left-padded to a patch), d_model=10**9 or
    n_layers=10**5 raised NumPy's MemoryError, or grew until the OS killed the process (fuzzing,
    session 17). An upper estimate, in float64: the parameters four times (weights, gradients,
    AdamW's two moments) plus a copy for predictions, and a batch's activations (the padded input,
    then per layer a dozen (B, N, max(D, d_ff)) arrays and the attention maps (B, H, N, N))."""
    # the window's length once left-padded to whole patches, and the patches (tokens)
    padded, n_tokens = nn.embedding.patch_layout(config.n_timesteps, config.patch_len,
                                                 config.stride)
    d, d_ff, n_layers = config.d_model, config.d_ff, config.n_layers
    patch_width = config.patch_len * config.n_channels
    n_out = config.n_head_steps * config.n_outputs_per_step
    n_params = (patch_width * d + n_tokens * d + n_layers * (4 * d * d + 2 * d * d_ff + 8 * d)
                + (n_tokens * d + config.n_timesteps) * n_out)
    activations = batch_size * (padded * config.n_channels + n_layers * (
        12 * n_tokens * max(d, d_ff) + 2 * config.n_heads * n_tokens * n_tokens))
    remedy = "choose a smaller d_model, d_ff, n_layers, patch_len or batch_size"
    if padded > config.n_timesteps + config.patch_len:
        # a stride beyond the window pads it by the stride: stride=10**18 asked for 4.8e11 GiB
        # and the message named every parameter but the stride (review, session 30)
        remedy += (f", or a stride shorter than the window (stride={config.stride} pads each "
                   f"window of {config.n_timesteps} steps to {padded})")
    check_fits_in_memory(
        8 * (5 * n_params + activations), "the network (parameters and a batch's activations)",
        remedy)


#: the values of X (rows x time steps) the targets' checks read (the units check here and the
#: baselines' alignment check): the first rows only,
#: which in make_windows' rows hold windows one step apart (a panel's rows are ordered by how far
#: they end from their series' end, one series' in time order). All rows cost 1.1 s and 323 MB
#: for a 50,000 x 200 X of 80 MB, whose fit allocated nothing before the checks (review,
#: session 26); 1e6 values (M3 monthly's windows of 54: the first 18,518 of 47,581 rows) cost a
#: few copies of 8 MB
TARGET_CHECK_VALUES = 1_000_000


def _check_working_copies_fit_in_memory(X3, Y, dtype, weighted):
    """A ValueError (skattn.windows.check_fits_in_memory) before fit computes its scaling and
    makes its working copies of the windows ``X3`` (n, T, C) and targets ``Y`` (n, horizon), for
    a fit whose copies the machine cannot hold: it failed with NumPy's _ArrayMemoryError
    half-way (1.98M windows of 96 under a 6 GB limit; scale trial, session 27). ``dtype``: the
    training's; ``weighted``: sample_weight given. An upper estimate of the peak over X and y as
    given (the caller's, counted by make_windows' own check), the larger of two stages'
    (tracemalloc, session 27):

    * the scaling's statistics: float64 copies of X, 3-5 times X in float64 (3.0 C-ordered,
      4.0 F-ordered float64 X; 4.0 / 5.0 float32), or, for a C-contiguous X above
      _CHUNKED_STATISTICS_MIN_BYTES (or weighted), chunks of rows of _STATISTICS_CHUNK_BYTES;
    * X and y scaled to ``dtype`` (held while training), plus the checks of the targets'
      float64 (n, horizon) temporaries (2.5 at most), two chunks of rows of the scaling and
      the units check's sample (17 bytes a value): 1.33M windows of 28, horizon 7, float32:
      366 MiB measured, 531 MiB estimated."""
    n_targets = X3.shape[0] * Y.shape[1]
    chunked = X3.flags.c_contiguous and (weighted or X3.size * 8 > _CHUNKED_STATISTICS_MIN_BYTES)
    statistics = 2 * _STATISTICS_CHUNK_BYTES if chunked else 5 * 8 * X3.size
    copies = (np.dtype(dtype).itemsize * (X3.size + n_targets) + 3 * 8 * n_targets
              + 2 * _STATISTICS_CHUNK_BYTES + 3 * 8 * TARGET_CHECK_VALUES)
    check_fits_in_memory(
        max(statistics, copies),
        f"fit's working copies of X and y ({X3.shape[0]} windows scaled to {np.dtype(dtype)})",
        "fit on fewer windows (a sample of the rows, or fewer series or a shorter window in "
        "make_windows), " + ("train with dtype='float32', " if np.dtype(dtype).itemsize > 4 else "")
        + "or train on a batch of rows at a time with partial_fit")


def _robust_spreads(unit, magnitude):
    """Each channel's robust spread (C,): 1.4826 x the median absolute deviation of ``unit``
    (n, T, C), the windows divided by ``magnitude`` (C,), times ``magnitude``. The whole-array
    way, one channel's values gathered at a time (_chunked_robust_spreads: without that)."""
    robust = np.empty(unit.shape[2])
    for channel in range(unit.shape[2]):
        values = unit[:, :, channel].ravel()  # (n * T,)
        robust[channel] = (1.4826 * np.median(np.abs(values - np.median(values)))
                           * magnitude[channel])
    return robust


def _chunked_robust_spreads(X3, magnitude):
    """_robust_spreads of ``X3 / magnitude`` (``X3`` (n, T, C) as given), bitwise, computed a
    chunk of rows at a time (_chunked_medians) rather than on every channel's values."""
    median = _chunked_medians(X3, magnitude)  # (C,)
    return 1.4826 * _chunked_medians(X3, magnitude, center=median) * magnitude


def _warn_if_a_few_values_dominate(robust, spread):
    """Warn (OutlierScaleWarning) for each channel whose std is more than OUTLIER_SCALE_RATIO
    times its robust spread. ``robust``: each channel's robust spread (C,), 1.4826 x the median
    absolute deviation (_robust_spreads); ``spread``: each channel's std (C,)."""
    for channel in range(len(spread)):
        # robust == 0: more than half the values are equal (intermittent demand, a constant
        # channel): no typical spread to compare with, so nothing is said
        if robust[channel] > 0 and spread[channel] > OUTLIER_SCALE_RATIO * robust[channel]:
            what = "the target's channel" if channel == 0 else f"covariate channel {channel}"
            warnings.warn(
                f"AttentionForecaster: the std of {what} over the training windows "
                f"({spread[channel]:.3g}) is {spread[channel] / robust[channel]:.0f} times its "
                f"robust spread ({robust[channel]:.3g}, 1.4826 x the median absolute "
                "deviation): a few extreme "
                "values (entry errors, or a few series far larger than the rest) set the global "
                "scaling so far above the ordinary windows that float32 training no longer "
                "resolves them, and their forecasts are distorted. Check the data for outliers "
                "or entry errors, scale such series apart, or train with dtype='float64'.",
                OutlierScaleWarning,
                # the caller of fit, through a Pipeline, a search or an ensemble too (a fixed
                # level 6 pointed into scikit-learn's pipeline.py; review, session 30)
                stacklevel=stacklevel_of_caller(__name__, whole_package=True),
            )


# ---------------------------------------------------------------------------------------------
# The statistics of a fit's preprocessing in chunks of rows (user trial, session 20): on long
# windows (X of (328k, 336, 6) float64, 5.3 GB) fit peaked at ~3x X (a float64 copy of X divided
# by its magnitude, std's deviations from the mean over all of it, each channel's values
# gathered for its medians, the scaled float64 X before its float32 cast) and the preprocessing
# took longer than three epochs of training. Above _CHUNKED_STATISTICS_MIN_BYTES the statistics
# are computed a chunk of at most _STATISTICS_CHUNK_BYTES of float64 at a time, in the order of
# NumPy's own reductions over a C-contiguous X, so they are bitwise those of the whole-array
# formulas (tests/test_forecaster.py compares them); below it, and for an X that is not
# C-contiguous (NumPy's reductions then add in another order: a DataFrame's to_numpy() is
# F-ordered; review, session 20), the whole-array formulas run as they always did, which keeps
# every small fit (the M3 benchmark's X is ~50 MB) as it was.
# ---------------------------------------------------------------------------------------------
#: bytes of X as float64 above which _fit_scaling computes its statistics in chunks
_CHUNKED_STATISTICS_MIN_BYTES = 256 * 2**20
#: bytes of float64 per chunk of rows of the chunked statistics and of the scaled training copy
_STATISTICS_CHUNK_BYTES = 64 * 2**20
#: values of each channel drawn (a fixed seed) to bracket its medians; see _chunked_median
_MEDIAN_SAMPLE_SIZE = 2**17
#: the bracket's half-width in the sample's standard deviations of a rank (sqrt(s) / 2)
_MEDIAN_BRACKET_SDS = 8.0


def _row_chunks(n_rows, row_bytes):
    """``slice`` objects over ``n_rows`` rows of ``row_bytes`` bytes (as float64) each, at most
    _STATISTICS_CHUNK_BYTES a chunk (one row at least)."""
    step = max(1, int(_STATISTICS_CHUNK_BYTES // max(1, row_bytes)))
    return [slice(start, min(start + step, n_rows)) for start in range(0, n_rows, step)]


def _flat_rows(X3, rows):
    """The windows ``X3[rows]`` (m, T, C) as (m * T, C) values, a view when ``X3`` is
    C-contiguous (a chunk's copy otherwise), in the dtype given."""
    return np.ascontiguousarray(X3[rows]).reshape(-1, X3.shape[2])


@numba.njit(cache=CACHE, nogil=True, error_model="numpy")
def _max_abs_kernel(x, out):
    # x: (m, C) values of a chunk; out: (C,) the largest absolute value so far, updated in place
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            value = abs(np.float64(x[i, c]))
            if value > out[c]:
                out[c] = value


@numba.njit(cache=CACHE, nogil=True, error_model="numpy")
def _unit_sums_kernel(x, magnitude, center, squared, acc):
    # x: (m, C) values of a chunk; acc: (C,) running sums of x / magnitude (squared: of
    # (x / magnitude - center) ** 2), added row after row: the order of NumPy's sum over axes
    # (0, 1) of a C-contiguous (n, T, C) array with C > 1, whose inner loop adds a row's C
    # values to the C running sums (no pairwise summation), so the result is bitwise NumPy's.
    # No fastmath: the additions must not be reordered nor fused.
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            value = np.float64(x[i, c]) / magnitude[c]
            if squared:
                value = value - center[c]
                value = value * value
            acc[c] += value


@numba.njit(cache=CACHE, nogil=True, error_model="numpy")
def _count_and_collect_kernel(x, magnitude, center, absolute, lo, hi, counts, inside, n_inside):
    # x: (m, C) values of a chunk, read as u = x / magnitude (absolute: |u - center|). Per
    # channel c, counts[c] (5,) counts u < lo, u == lo, lo < u < hi, u == hi, u > hi, and the
    # values strictly between lo and hi are stored in inside[c, :] (capacity inside.shape[1];
    # n_inside[c] of them, counts[c, 2] all told: more than the capacity means a retry).
    capacity = inside.shape[1]
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            value = np.float64(x[i, c]) / magnitude[c]
            if absolute:
                value = abs(value - center[c])
            if value < lo[c]:
                counts[c, 0] += 1
            elif value == lo[c]:
                counts[c, 1] += 1
            elif value < hi[c]:
                counts[c, 2] += 1
                if n_inside[c] < capacity:
                    inside[c, n_inside[c]] = value
                    n_inside[c] += 1
            elif value == hi[c]:
                counts[c, 3] += 1
            else:
                counts[c, 4] += 1


def _pairwise_unit_sum(X3, magnitude, center, squared):
    """Sum over (n, T) of ``X3`` (n, T, 1) / ``magnitude`` (squared: of its deviations from
    ``center``), as NumPy sums one contiguous channel: its pairwise summation splits n * T
    values in two (the first part a multiple of 8) down to blocks of 128, so chunks that are
    whole parts of that split, each summed by NumPy, and added as the split adds them give
    bitwise NumPy's sum; in float64, without a copy of all of X (a few chunks' at a time)."""
    n_timesteps = X3.shape[1]
    values = X3[:, :, 0]  # (n, T)
    limit = max(128, _STATISTICS_CHUNK_BYTES // 8)

    def part(start, size):  # the sum of flat values [start, start + size) of values, C order
        if size > limit:
            half = size // 2
            half -= half % 8
            return part(start, half) + part(start + half, size - half)
        first, last = start // n_timesteps, -(-(start + size) // n_timesteps)
        offset = start - first * n_timesteps
        chunk = values[first:last].astype(np.float64).ravel()[offset:offset + size]
        chunk /= magnitude[0]
        if squared:
            chunk -= center[0]
            np.multiply(chunk, chunk, out=chunk)
        return np.add.reduce(chunk)

    return np.array([0.0 + part(0, values.size)])  # 0.0 +: NumPy's sum starts from 0


def _all_finite(Xs):
    """``np.all(np.isfinite(Xs))`` for ``Xs`` (n, T, C) without its boolean array of every value
    (an eighth of X in float64), a chunk of rows at a time."""
    return all(bool(np.isfinite(Xs[rows]).all())
               for rows in _row_chunks(Xs.shape[0], 8 * Xs.shape[1] * Xs.shape[2]))


def _chunked_unit_moments(X3):
    """Each channel's largest absolute value (``magnitude``, 1 where 0) and the mean and std of
    ``X3 / magnitude`` over windows and time steps, all (C,), bitwise as
    ``_fit_scaling``'s whole-array formulas give them for a C-contiguous ``X3`` (n, T, C) of any
    float dtype, but a chunk of rows at a time (see _CHUNKED_STATISTICS_MIN_BYTES). One channel
    is summed in the pairwise order of NumPy >= 2.3's mean over two axes; with older NumPy the
    two differ by rounding (3.5e-16 relative; minimum-versions trial, session 29)."""
    n_rows, n_timesteps, n_channels = X3.shape
    chunks = _row_chunks(n_rows, 8 * n_timesteps * n_channels)
    magnitude = np.zeros(n_channels)
    for rows in chunks:
        _max_abs_kernel(_flat_rows(X3, rows), magnitude)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    count = n_rows * n_timesteps

    def unit_sum(center, squared):  # (C,)
        if n_channels == 1:
            return _pairwise_unit_sum(X3, magnitude, center, squared)
        acc = np.zeros(n_channels)
        for rows in chunks:
            _unit_sums_kernel(_flat_rows(X3, rows), magnitude, center, squared, acc)
        return acc

    # as np.mean and np.std (ddof=0): the sum divided by the count, the sum of squared
    # deviations from that mean divided by the count, its square root
    mean = unit_sum(np.zeros(n_channels), False) / count
    spread = np.sqrt(unit_sum(mean, True) / count)
    return magnitude, mean, spread


def _weighted_unit_moments(X3, weights):
    """``magnitude``, mean and std of ``X3 / magnitude`` as _chunked_unit_moments gives them
    (each (C,)), with every value of window ``i`` counted ``weights[i]`` times (weights > 0): with
    integer weights, the moments of the windows repeated that many times, as scikit-learn's
    rule for ``sample_weight`` asks. A chunk of rows at a time, in float64."""
    n_rows, n_timesteps, n_channels = X3.shape
    chunks = _row_chunks(n_rows, 8 * n_timesteps * n_channels)
    lowest = np.full(n_channels, np.inf)
    highest = np.full(n_channels, -np.inf)
    for rows in chunks:
        lowest = np.minimum(lowest, X3[rows].min(axis=(0, 1)))
        highest = np.maximum(highest, X3[rows].max(axis=(0, 1)))
    magnitude = np.maximum(np.abs(lowest), np.abs(highest))
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    count = float(weights.sum()) * n_timesteps  # values counted: each window's T, times its weight

    def weighted_sum(center, squared):  # (C,): sum over windows of weight x sum over time
        acc = np.zeros(n_channels)
        for rows in chunks:
            unit = np.asarray(X3[rows], dtype=np.float64) / magnitude - center  # (m, T, C)
            acc += np.einsum("i,itc->c", weights[rows], unit * unit if squared else unit)
        return acc

    # as np.mean and np.std (ddof=0) of the repeated values
    mean = weighted_sum(np.zeros(n_channels), False) / count
    spread = np.sqrt(weighted_sum(mean, True) / count)
    # a constant channel: its value and a spread of exactly 0 (scale 1), as unweighted; the
    # weighted mean of equal values rounds (spread ~1e-16 became the channel's scale, and a
    # new value of that covariate reached the network at ~1e15: review, session 25)
    constant = lowest == highest
    mean[constant] = (lowest / magnitude)[constant]
    spread[constant] = 0.0
    return magnitude, mean, spread


def _training_weights(sample_weight, X):
    """``sample_weight`` checked as the package checks weights (no text, dates, bool flag or
    masked entries) and as scikit-learn does (finite, >= 0, not all 0, one per window), as a
    (n,) float64 array, or None."""
    if sample_weight is None:
        return None
    check_weight_values(sample_weight)
    if isinstance(sample_weight, (Number, np.generic)) or (
            isinstance(sample_weight, np.ndarray) and sample_weight.ndim == 0):
        # one weight for every window, checked as an array of them: scikit-learn's check
        # fills a scalar in without checking it (NaN removed every window: an IndexError;
        # inf and 1+5j were taken; review, session 25)
        sample_weight = np.full(X.shape[0], sample_weight)
    try:
        return checked_sample_weight(masked_as_missing(sample_weight), X, dtype=np.float64,
                                     ensure_non_negative=True)
    except OverflowError:  # Python ints beyond float64 (10**400)
        raise ValueError("sample_weight holds a number beyond float64's range") from None


def _chunked_medians(X3, magnitude, center=None):
    """Each channel's median (C,) of ``X3 / magnitude`` over windows and time steps (with
    ``center`` (C,): of ``|X3 / magnitude - center|``), bitwise ``np.median``'s, without
    gathering the values: a sample (a fixed seed) brackets each median, one pass over the
    chunks counts the values below, at and above the bracket and keeps those strictly inside
    (~2% of them), and the median's ranks are picked among those. A bracket that misses (the
    sample's rank off by 8 of its standard deviations: practically never) or holds too many
    values is widened 4-fold and the pass run again; after three misses the channel's values
    are gathered as np.median gathers them."""
    n_rows, n_timesteps, n_channels = X3.shape
    count = n_rows * n_timesteps
    chunks = _row_chunks(n_rows, 8 * n_timesteps * n_channels)
    absolute = center is not None
    center = np.zeros(n_channels) if center is None else np.asarray(center, dtype=np.float64)
    # np.median's ranks: the middle value, or the mean of the two middle ones
    ranks = [(count - 1) // 2, count // 2]
    # a sample of flat positions (window, time step), the same for every channel
    sample_size = min(count, _MEDIAN_SAMPLE_SIZE)
    positions = np.sort(np.random.default_rng(0).choice(count, size=sample_size, replace=False))
    sample = X3[positions // n_timesteps, positions % n_timesteps].astype(np.float64)  # (s, C)
    sample /= magnitude
    if absolute:
        sample = np.abs(sample - center)
    sample.sort(axis=0)
    medians = np.empty(n_channels)
    margin = _MEDIAN_BRACKET_SDS * math.sqrt(sample_size) / 2 + 1
    todo = list(range(n_channels))
    for attempt in range(3):
        lo, hi = np.full(n_channels, -np.inf), np.full(n_channels, np.inf)
        for channel in todo:
            where = [rank * (sample_size - 1) / max(1, count - 1) for rank in ranks]
            low = int(math.floor(where[0] - margin * 4**attempt))
            high = int(math.ceil(where[1] + margin * 4**attempt))
            if low >= 0:
                lo[channel] = sample[low, channel]
            if high < sample_size:
                hi[channel] = sample[high, channel]
        capacity = int(min(count, 2 * (2 * margin * 4**attempt + 2) * count / sample_size
                           + 1024))
        counts = np.zeros((n_channels, 5), dtype=np.int64)
        inside = np.empty((n_channels, capacity))
        n_inside = np.zeros(n_channels, dtype=np.int64)
        for rows in chunks:
            _count_and_collect_kernel(_flat_rows(X3, rows), magnitude, center, absolute, lo, hi,
                                      counts, inside, n_inside)
        missed = []
        for channel in todo:
            below, at_lo, between, at_hi, _ = counts[channel]
            if not (below <= ranks[0] and ranks[1] < below + at_lo + between + at_hi):
                missed.append(channel)
                continue
            if between > capacity:
                missed.append(channel)
                continue
            values = np.sort(inside[channel, :between])
            picked = []
            for rank in ranks:
                rank -= below
                if rank < at_lo:
                    picked.append(lo[channel])
                elif rank < at_lo + between:
                    picked.append(values[rank - at_lo])
                else:
                    picked.append(hi[channel])
            # np.median's mean of the middle values: (0 + a + b) / 2, or a / 1
            medians[channel] = (np.add.reduce(np.array(picked[:1] if ranks[0] == ranks[1]
                                                        else picked))
                                / (1 if ranks[0] == ranks[1] else 2))
        todo = missed
        if not todo:
            return medians
    for channel in todo:  # the whole-array way, one channel at a time
        values = X3[:, :, channel].astype(np.float64).ravel() / magnitude[channel]
        if absolute:
            values = np.abs(values - center[channel])
        medians[channel] = np.median(values)
    return medians


#: how far, in the windows' spread (channel_scale_[0]), the median window's mean target may lie
#: from the window's own mean before y is checked against X's values. Measured (sessions 16-17):
#: 0.004 to 0.54 on windows of M3 monthly, quarterly and yearly (raw, and seasonally adjusted as
#: make_attention_ensemble's members see them: 0.16-0.47), Tourism monthly and yearly, the
#: airline series (windows 3-24, horizons 1-36), lines and an exponential; against 2.6 for
#: airline targets behind a TransformedTargetRegressor (a StandardScaler, or a log), 2.0 for
#: targets drawn independently of X at three times its spread, 308 for airline windows behind a
#: StandardScaler, 3,300 for y * 1000. Few windows of a steep series with a long horizon also lie
#: far (a line through 2 windows of 2 values, horizon 30: 13), but their targets are the series'
#: own values, found among the windows' values (TARGET_SHARE_FOUND); other units' are not (0 of
#: 108 in every mismatched case above).
TARGET_OFFSET_RATIO = 1.0

#: how far the targets' pooled spread may be from the windows' (both in channel_scale_[0]) beyond
#: what the spans they cover explain, before far targets are checked against X's values. A trend's
#: spread grows with the span, so one series' n windows of T steps cover n + T - 1 steps and their
#: targets n + horizon - 1: a line through one window of 2 values and 30 targets has 17 times the
#: windows' spread, through one of 12 and 12 targets 1.0. Measured (session 17): legitimate
#: windows 0.36-1.4 (one airline window; a panel of 30 lines with one window each: 1.36), and
#: targets in other units 0.004-0.07 (a TransformedTargetRegressor's StandardScaler or log on the
#: airline and a seasonal series) and 14-1,090 (a StandardScaler of X alone; y * 1000).
TARGET_SPREAD_RATIO = 10.0

#: the share of the windows' first targets found (to float32 rounding) among the target channel's
#: values in X at or above which targets far from their windows are taken for the series' own
#: values: every target but a series' last window's first appears in a later window of make_windows'
#: rows (3 of 4 for the line above, 1 of 2 with 2 windows).
TARGET_SHARE_FOUND = 0.5


#: how far (in the window's standard deviation) the first target may lie from the window's last
#: value, as the median over the rows, before targets whose spread matches the windows' are
#: checked against X's values too. One step of a series is a fraction of a window's spread
#: (session 22, median over the rows): M3 monthly/quarterly/yearly/other and Tourism windows
#: 0.24-1.1, the airline 0.59-0.70, white noise, random walks and AR series (t(3) noise) 0.4-1.4
#: for windows of 3-12 values and at most 2.2 for windows of 2; windows each centred on their
#: own mean (an X-only transform) but targets as they were: 4.8-37 on the same data. The spread
#: test alone let those through (spread ratio 4.7: a Pipeline that centred each window scored
#: sMAPE 140 instead of 3.8 without a warning; user trial, session 22).
TARGET_FIRST_STEP_RATIO = 3.5


#: rows needed before the median first step counts as evidence (one-row partial_fit batches of
#: M3 monthly series: 66 false warnings in 18,629 without a minimum; review, session 22)
TARGET_FIRST_STEP_MIN_ROWS = 30

#: the share of rows whose values after the first (or steps after the first) are another row's
#: first ones at or above which the rows overlap, as make_windows' windows one step apart do
ROWS_OVERLAP_SHARE = 0.5


def _rows_overlap(X3):
    """Whether the windows ``X3`` (n, T, C) overlap as make_windows' windows one step apart do:
    for most rows, the row's values after its first (target channel) are the first T - 1 values
    of another row, or, for windows each shifted by its own amount (centred on their means),
    its steps after its first are another row's first steps (float32, as the targets' check).
    Rows of one series need not be adjacent (make_windows orders a panel's rows by how far they
    end from their series' end). Whole subsequences, not single values: discrete values (counts,
    rounded sales) recur anywhere, and their rows at one phase passed a check of single values
    (review, session 22)."""
    windows = X3[:, :, 0].astype(np.float64)  # (n, T)
    if windows.shape[1] < 3:
        return False  # a window of 2 has one step: nothing to align
    for rows in (windows, np.diff(windows, axis=1)):
        rows = np.ascontiguousarray(rows.astype(np.float32))  # (n, L)
        heads = {row.tobytes() for row in rows[:, :-1]}
        tails = rows[:, 1:]
        if np.mean([tail.tobytes() in heads for tail in tails]) >= ROWS_OVERLAP_SHARE:
            return True
    return False


def _median_first_step(X3, Y):
    """The median over the rows of |first target - window's last value| / the window's standard
    deviation (target channel; rows with a constant window or an unobserved first target left
    out), or 0.0 when no row is left."""
    windows = X3[:, :, 0].astype(np.float64)  # (n, T)
    # in units of each window's largest |value|: the squares of values above ~1e154 overflowed
    # in std (NumPy's RuntimeWarning, an error under -W error; review, session 31)
    peak = np.max(np.abs(windows), axis=1)  # (n,)
    peak = np.where(peak > 0, peak, 1.0)
    spread = (windows / peak[:, None]).std(axis=1)  # (n,)
    first = Y[:, 0].astype(np.float64)  # (n,)
    rows = (spread > 0) & np.isfinite(first)
    if not np.any(rows):
        return 0.0
    with np.errstate(over="ignore"):
        step = np.abs(first[rows] / peak[rows] - windows[rows, -1] / peak[rows])
        return float(np.median(step / spread[rows]))


def _share_of_first_targets_among_window_values(X3, Y):
    """The share of the rows' first targets (the observed ones) that are values of the target
    channel somewhere in ``X3`` (n, T, C), compared in float32 so that windows cast to float32
    still match targets in float64."""
    first = Y[:, 0][np.isfinite(Y[:, 0])].astype(np.float32)  # (n_observed,)
    if first.size == 0:
        return 0.0
    window_values = np.unique(X3[:, :, 0].astype(np.float32))  # sorted, (n_distinct,)
    at = np.minimum(np.searchsorted(window_values, first), window_values.size - 1)
    return float(np.mean(window_values[at] == first))


def _warn_if_targets_not_in_window_units(X3, Y, Xs, Ys, *, model="AttentionForecaster",
                                         scale_name=" (channel_scale_[0])"):
    """Warn (TargetUnitsWarning) when the targets lie far from their windows and are not values
    of the series the windows show; whether it warned. ``X3`` (n, T, C) and ``Y`` (n, horizon):
    the training windows and targets as given; ``Xs``, ``Ys``: both scaled by X's target channel
    (NaN targets are values past the end of a series). ``model`` and ``scale_name``: the class
    and the name of that scale, for the message (the baselines share the check).

    Reads the first rows only, as the baselines' checks do (TARGET_CHECK_VALUES values
    of the target channel; in make_windows' rows, windows one step apart): on every row its
    float64 copies of the windows took 3.4 times X+y (float32) at fit's peak, and a fit of 1.98M
    windows of 96 that had room to train failed here with NumPy's _ArrayMemoryError (scale
    trial, session 27)."""
    n_check = max(1, TARGET_CHECK_VALUES // max(1, X3.shape[1]))
    X3, Y, Xs, Ys = X3[:n_check], Y[:n_check], Xs[:n_check], Ys[:n_check]  # views
    window_means = Xs[:, :, 0].mean(axis=1, dtype=np.float64)  # (n,)
    with warnings.catch_warnings():  # every row has an observed target (checked before)
        warnings.simplefilter("ignore", RuntimeWarning)
        target_means = np.nanmean(Ys, axis=1, dtype=np.float64)  # (n,)
    offset = float(np.median(np.abs(target_means - window_means)))
    n_rows, n_timesteps, horizon = Xs.shape[0], Xs.shape[1], Ys.shape[1]
    # A shift of X alone or y alone (each window centred on its own mean; y centred by a
    # TransformedTargetRegressor) keeps the spread but moves every first target away from its
    # window's end (session 22). Evidence only where the rows overlap (make_windows' windows
    # one step apart: their values recur, or, centred, their steps) and are enough for a median:
    # rows all at one phase (make_windows(step=7) of a Saturday peak), windows that do not
    # overlap and one-row partial_fit batches are legitimately far (review, session 22)
    first_step = _median_first_step(X3, Y)
    shifted = (first_step > TARGET_FIRST_STEP_RATIO and n_rows >= TARGET_FIRST_STEP_MIN_ROWS
               and _rows_overlap(X3))
    if offset <= TARGET_OFFSET_RATIO and not shifted:
        return False
    # far from the windows, as targets in other units are, and as a steep series read through
    # few windows with a long horizon is. Its targets spread as far as the span they cover
    # explains (the only evidence with one window per series, which has no later window to
    # find its targets in: those warned, session 17's review)...
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"), \
            warnings.catch_warnings():
        # windows of +-1.7e308 have no finite scale: NaN scaled values, NumPy's "Degrees of
        # freedom <= 0" (review, session 31); NaN ratios then decide nothing below
        warnings.simplefilter("ignore", RuntimeWarning)
        spread_ratio = np.nanstd(Ys, dtype=np.float64) / Xs[:, :, 0].std(dtype=np.float64)
    if not shifted:
        if np.count_nonzero(np.isfinite(Ys)) < 10:
            return False  # too few values to tell how they spread
        span_ratio = (n_rows + horizon - 1) / (n_rows + n_timesteps - 1)
        if (1.0 / (TARGET_SPREAD_RATIO * max(1.0, 1.0 / span_ratio)) <= spread_ratio
                <= TARGET_SPREAD_RATIO * max(1.0, span_ratio)):
            return False
    # ...and, in make_windows' rows, are values the later windows show
    found = _share_of_first_targets_among_window_values(X3, Y)
    if found >= TARGET_SHARE_FOUND:
        return False
    warnings.warn(
        f"{model}: the targets y lie far from their windows X and are not the "
        f"windows' values: the median window's mean target is {offset:.3g} times the spread of "
        f"the windows' values{scale_name} from the window's mean, the targets spread "
        f"{spread_ratio:.3g} times as widely as the windows, the first target is (median) "
        f"{first_step:.3g} times its window's standard deviation from the window's last value, "
        f"and {found:.0%} of the windows' first targets are values of X. The model forecasts each window's "
        f"continuation in the window's own units, so y must be the next values of the series as "
        f"they are in X: transform the series before make_windows, not X alone (e.g. a "
        f"StandardScaler in front of the model in a Pipeline) or y alone (e.g. a "
        f"TransformedTargetRegressor).",
        TargetUnitsWarning,
        stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # the caller of fit (or of a Pipeline)
    )
    return True


def _changed_parameter_in_words(field, before, after, fitted, wanted):
    """A field of NetworkConfig that changed since the fit (``before`` -> ``after``), in the
    words of the parameter the user set: the config's ``affine`` is ``normalize='affine'``, and
    ``d_ff`` and ``stride`` may have followed ``d_model`` and ``patch_len`` (review, session 32:
    "affine (False -> True)" named no parameter of theirs)."""
    if field in ("normalize", "affine"):
        def normalize(config):
            return "affine" if config.affine else config.normalize
        return f"normalize ({normalize(fitted)!r} -> {normalize(wanted)!r})"
    words = {"n_timesteps": "the window length (X's columns)",
             "n_channels": "the number of channels per time step"}
    return f"{words.get(field, field)} ({before!r} -> {after!r})"


def _warn_if_covariates_of_constant_windows_are_ignored(Xs, constant):
    """A UserWarning when training windows whose target is constant (``constant``, (n,) bool, of
    the scaled windows ``Xs`` (n, T, C)) have covariates that vary: with instance normalisation
    such a window is forecast at its level whatever its covariates (its spread, 0, scales the
    network's output), and its targets train nothing. A promotion flag ahead of a run of zero
    sales was ignored: MAE 0.168 with the flag against 0.163 without it, 0.091 with
    normalize=False (covariates trial, session 32)."""
    varying = np.ptp(Xs[constant][:, :, 1:], axis=1).max(axis=1) > 0  # (n_constant,)
    # from a share or a count, not from any window: one closed fortnight in three years of daily
    # data (8 windows) is no reason to drop normalisation, while one intermittent series among
    # 20 steady ones (20 windows) is under the share of a panel's pooled windows; and a text
    # without this fit's counts is said once over a backtest's origins (reviews, session 32)
    if varying.sum() >= min(_CONSTANT_COVARIATE_SHARE * Xs.shape[0], _CONSTANT_COVARIATE_COUNT):
        warnings.warn(
            f"AttentionForecaster: {_CONSTANT_COVARIATE_SHARE:.0%} or more of the training "
            f"windows (or {_CONSTANT_COVARIATE_COUNT} or more) have a constant target and "
            f"covariates that vary: with normalize=True such "
            f"a window is forecast at its level whatever its covariates say (a promotion ahead "
            f"of a run of zero sales is ignored), and its targets train nothing; for such data "
            f"(intermittent demand with covariates) use normalize=False",
            UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))


def _warn_of_steps_never_observed(Ys):
    """A UserWarning naming the horizon steps of the targets ``Ys`` (n, horizon) that no row the
    loss reads observes (NaN in every window of weight > 0, or only in constant windows): their
    outputs get no gradient, and forecast them from untrained weights (a hand-made y whose third
    step was NaN in every row trained without a word; missing-values trial, session 32). Not for
    partial_fit, whose batch may lack steps the stream as a whole holds."""
    never = np.flatnonzero(np.isnan(Ys).all(axis=0))
    if never.size:
        steps = ", ".join(str(step + 1) for step in never[:10]) + (", ..." if never.size > 10
                                                                    else "")
        warnings.warn(
            f"AttentionForecaster: y has no observed value at horizon step(s) {steps} (of "
            f"{Ys.shape[1]}) in any window the loss reads (NaN, weight 0, or a constant window): "
            f"the network learns nothing for them, and forecasts them from untrained weights; "
            f"give targets observed at every step, or a smaller horizon",
            UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))


def _unbool(value):
    """A bool as the float it stands for (True: 1.0), as scikit-learn's ``Interval(Real)``
    validation accepts it; any other value unchanged."""
    return float(value) if isinstance(value, bool) else value


class AttentionForecaster(StampsVersionWhenPickled, ForgetsWarningsWhenPickled,
                          MissingTargetsScoreMixin, RegressorMixin, BaseEstimator):
    """Forecast the next value(s) of a series from a window of its history, with attention.

    A patch-based transformer encoder (PatchTST-style) trained with AdamW: each row of ``X`` is a
    history window, oldest value first; ``y`` holds the value (or the ``horizon`` values) that
    follow it. The network, its gradients and its optimiser are NumPy and Numba code
    (:mod:`skattn.nn`); PyTorch is not needed.

    Parameters
    ----------
    d_model : int, default=32
        Width of the token embeddings.
    n_heads : int, default=4
        Attention heads per layer; must divide ``d_model``.
    n_layers : int, default=2
        Encoder blocks. 0 leaves the patch embedding, the flatten head and the linear skip.
    d_ff : int or None, default=None
        Width of the feed-forward layer; None means ``2 * d_model``.
    patch_len : int, default=4
        Steps per patch (token). Longer than the windows, each window is one patch, padded
        (a UserWarning at fit): attention then has a single token to attend to.
    stride : int or None, default=None
        Steps between the starts of consecutive patches; None means ``patch_len`` (no overlap).
        A window that does not divide into patches is left-padded with its first value (see
        :mod:`skattn.nn.embedding`). Above ``patch_len`` the steps between patches are in no
        patch: attention never sees them, and they reach the forecast only through the
        target's linear skip and the windows' normalisation statistics (a UserWarning at fit).
    attention : {"dot", "additive", "cosine", "gated"}, default="dot"
        Score function: scaled dot product, additive (Bahdanau), cosine with a learnable
        temperature, or dot product with a learned sigmoid gate on the output.
    positional : {"learned", "sinusoidal"} or None, default="learned"
        Positional encoding added to the patch tokens.
    dropout : float in [0, 1), default=0.1
        Dropout after the embedding and on both residual branches of every block.
    normalize : bool or "affine", default=True
        Per-window instance normalisation: each window is shifted and scaled by its own mean and
        standard deviation and the forecast is put back on that scale, so one model serves series
        of any level and scale. "affine" adds a learnable per-channel affine map (RevIN). With
        normalisation the training loss is measured in each window's normalised units, so every
        series counts alike whatever its scale. Covariate channels are normalised too, each by
        its own window statistics: the network reads how a covariate moves within the window,
        not its level (an absolute temperature; give a level as the target's difference from
        it, or train with ``normalize=False``, if the level matters).
    anchor : {"mean", "last"}, default="mean"
        What instance normalisation shifts each window by: its mean, or its last value (the
        network then forecasts relative to where the window ends, and a head that outputs zero
        forecasts the last value: the naive forecast). Scaling is by the standard deviation
        either way. Ignored when ``normalize=False``.
    trend_degree : int >= 0 or None, default=None
        Make every forecast a polynomial of this degree in the horizon step (N-BEATS's trend
        basis): the head predicts ``trend_degree + 1`` coefficients of orthonormal polynomials
        instead of each step, so 1 forecasts a straight line and 2 a parabola (in the window's
        normalised units, before any seasonal factors of a wrapper). Must be smaller than the
        horizon. None leaves every step free. Smooth members forecast differently enough to help
        an ensemble of free ones on M3 monthly (docs/benchmarks.md).
    loss : {"absolute_error", "squared_error", "huber", "pinball"}, default="absolute_error"
        Training loss. "absolute_error" forecasts the conditional median, which is what sMAPE,
        MASE and MAE reward: on M3 monthly it beat "squared_error" by about 0.4 sMAPE points
        (docs/benchmarks.md). On intermittent demand (mostly zeros) the median is about 0;
        where the mean is wanted (stock to order, RMSE), train with "squared_error". "huber"
        uses delta=1 (in the units the loss is measured in); "pinball" trains one output per
        quantile in ``quantiles``.
    quantiles : array-like of float in (0, 1) or None, default=None
        Quantiles for ``loss="pinball"``, distinct and in increasing order, in a 1-D list; None
        there means (0.1, 0.5, 0.9). Only valid with the pinball loss. Each has its own output, trained by its own
        loss; each window's outputs are sorted at predict time, so its quantiles never cross.
        :meth:`predict` and :meth:`forecast` return the quantile nearest 0.5,
        :meth:`predict_quantiles` all of them for windows, :meth:`forecast_quantiles` for the end
        of a series; two quantiles equally near 0.5 (0.1 and 0.9 without 0.5) are refused.
    learning_rate : float, default=1e-3
        Peak step size of AdamW.
    weight_decay : float, default=0.1
        Decoupled weight decay of AdamW, applied to weight matrices only. The default was 0.01
        until session 10; 0.1 won both M3 searches and, measured on the Tourism quarterly and
        monthly series, beat 0.01 on sMAPE and MASE (docs/architecture.md, "Defaults").
        ``learning_rate * weight_decay`` must be below 1 (each step scales the weights by one
        minus it).
    batch_size : int, default=64
        Windows per optimiser step (capped at the number of training windows).
    max_epochs : int, default=100
        Maximum passes over the training windows.
    early_stopping : bool, default=False
        Hold out the LAST ``validation_fraction`` of the rows (time order: see
        :func:`skattn.make_windows`), stop when the validation score has not improved by ``tol``
        for ``n_iter_no_change`` epochs, and restore the weights of the best epoch. When the
        target channel of every held-out window is constant (their targets are left out of the
        loss, see ``normalize``), a fit trains without it, and a UserWarning says so. The split
        is by rows, with no gap: the last training windows' targets overlap the held-out ones by
        up to ``horizon - 1`` steps (62% of the held-out target values on the airline series with
        horizon 12), as the model cannot tell which series a row comes from. The validation
        score is then somewhat optimistic (in a 40-epoch run it bottomed at epoch 20, the error
        on the future at 22; user trial, session 22); with ``make_windows(..., min_target=1)``
        on one series the held-out rows are the windows past the end, all of whose observed
        targets are targets of the newest complete window (leakage audit, session 26). The
        global scaling (``channel_mean_``, ``channel_scale_``) is computed on the training rows
        only (since session 26; before, the held-out rows too: on the airline series,
        ``validation_fraction=0.2`` and one epoch, values only held-out windows hold, times 1.5,
        moved the forecasts by 5e-7 with ``normalize=True`` and by 11.6 passengers with
        ``normalize=False``; same audit).
        For a split that keeps every validation target out of training, tune ``max_epochs``
        with a search over :class:`~skattn.model_selection.OriginSplit` instead.
    validation_fraction : float in (0, 1), default=0.1
        Share of the rows held out for early stopping.
    n_iter_no_change : int, default=10
        Training stops after more than ``n_iter_no_change`` consecutive epochs without an
        improvement of ``tol`` (``n_iter_no_change + 1`` of them, counted as scikit-learn's
        MLPRegressor counts them).
    tol : float, default=1e-4
        Improvement that counts, on the validation score with early stopping, on the training loss
        without it.
    lr_schedule : {"constant", "cosine"}, default="constant"
        "cosine": linear warm-up over the first 5% of the planned steps (rounded down; below
        40 steps the warm-up, of one step at most, runs at ``learning_rate``: none), then cosine
        decay towards 0 at the end of ``max_epochs`` (the last step's rate is above 0).
        :meth:`partial_fit` plans one epoch per call, so with "cosine" every call warms up and
        decays over its own epoch (a warm restart per call); a call of one step trains at
        ``learning_rate``, as "constant" does.
    clip_grad_norm : float or None, default=1.0
        Clip the global gradient norm of each step to this value; None disables clipping.
    dtype : {"float32", "float64"}, default="float32"
        Precision of training. Predictions are always computed in float64 from the trained
        weights, so with dot or gated attention they do not depend on how rows are batched
        (with additive and cosine attention, to rounding: ~1e-15).
    n_jobs : int or None, default=None
        Cores for training: each mini-batch is cut into ``n_jobs`` shards computed in parallel,
        with one BLAS thread each (BLAS's limit is one for the whole process: it stays at one
        thread while any fit of the process trains, and is restored when the last one ends). On
        Linux the shards beyond the first run in worker processes, started on the first such fit
        and kept while fits follow (forked, or where other Python threads run, as in a notebook,
        spawned in the background and used from a later fit on); elsewhere, for fits of under
        16 steps, or for estimators that cannot be pickled, they run on threads. Results are
        the same either way. None means 1 unless in a :func:`joblib.parallel_config` (or
        ``parallel_backend``) context, which sets it: inside ``parallel_backend("loky",
        n_jobs=2)`` the caller's process trains 2 shards but a joblib worker, where no context
        is active, 1, so the same estimator fitted in the one and in the other differs as two
        ``n_jobs`` do (user trial, session 24); give an int to train the same model in both.
        -1 means all processors. The shards draw the dropout masks the whole batch would (each
        window's depend on its position in the batch, not on its shard), so fits with different
        ``n_jobs`` differ only in the order in which each batch's gradient is summed. In
        float64 that stays rounding (2.2e-12 relative on 100 M3 series; 3.6e-14 on the airline
        windows below); in float32 training amplifies it as it amplifies any perturbation, so
        the gap depends on the configuration, grows with training, and after many steps can
        come near that between two seeds. n_jobs=1 against 2 on the 103 airline windows of 24
        steps (horizon 6), the largest relative change of their forecasts (session 24):
        ``patch_len=6, d_model=16, n_layers=1, batch_size=16``, 1.7e-5 after 6 epochs and 0.6%
        after 30 (another seed: 24% and 10%); the defaults with ``patch_len=6``, 1.5e-8 after 5
        epochs and 3.7e-8 after 30 (a user trial measured 1.6e-5 on airline and 5e-6 after 30
        epochs on a panel). On 100 M3 series, 5 epochs: a median 0.15% and at most 7.7%; after
        30 epochs 0.63% and 60%, while another seed moved them by a median 2.0% at the same
        sMAPE. For bitwise repeatable results keep ``n_jobs`` fixed, as an int (or train in
        float64). Batches of fewer than 16 windows are never cut. A given number of shards
        trains bitwise the same model wherever it runs, in a joblib worker (a search with its
        own ``n_jobs``) as in the main process.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling of batches and dropout. An int gives identical
        predictions on every fit from scratch with the same ``n_jobs`` (another ``n_jobs`` sums
        each batch's gradient in another order; see ``n_jobs``) and the same rows in the same
        order: the shuffling permutes row positions, so the same windows in another row order
        meet in other batches and train another model, as another seed does, if less far (the
        airline windows above, rows permuted, seed 0, ``batch_size=16``, 6 epochs: the last 10
        windows' forecasts moved by up to 3.2%, 4.4% with ``early_stopping``, whose validation
        windows are the last rows; seed 1 instead of 0 moved them by up to 24%; a user trial
        measured 2.0%, 4.7% and 29%; session 24). A file of series exported again in another
        order is such a case (``python -m skattn compare`` reads the series in the order of
        their first rows); the local baselines, fitted series by series, are unaffected. A
        continued fit (``warm_start``, :meth:`partial_fit`) with an int draws its batch order
        and dropout masks from the seed and ``t_``, the optimiser steps taken so far: each call
        on the same windows gets new ones, as the epochs of one fit do (until session 24 every
        call replayed the first call's), and the same calls from the same fitted model, pickled
        or not, give bitwise the same model. A RandomState instance is drawn from at every fit
        and call (so two calls differ, and a fit is repeated only from the same state of the
        RandomState); None draws from NumPy's global generator.
    verbose : int, default=0
        1 prints one line per epoch: train loss, validation loss (with early stopping), seconds.
    warm_start : bool, default=False
        Continue training from the current weights (and optimiser state) on the next
        :meth:`fit`. Training settings changed since with ``set_params`` (learning rate and its
        schedule, weight decay, dropout, epochs, batch size, loss between point losses) take
        effect; a change of the network's shape or precision (``d_model``, ``n_layers``,
        ``patch_len``, ``dtype``, the quantiles, ...) raises a ValueError, as in
        :meth:`partial_fit`. With an int ``random_state``, each continued fit shuffles its
        batches and draws its dropout masks anew, from the seed and ``t_`` (see
        ``random_state``), where until session 24 every one repeated the batch orders and masks
        of the one before.

    Attributes
    ----------
    params_ : dict of str to ndarray
        The network's weights (``dtype``), as :func:`skattn.nn.init_params` names them.
    config_ : skattn.nn.NetworkConfig
        The network's shape and options.
    n_features_in_ : int
        Number of time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names.
    n_channels_ : int
        Channels of the windows: 1, or 1 + the number of covariates of 3-D ``X``.
    n_outputs_ : int
        The horizon: the number of future values predicted per window.
    channel_mean_ : ndarray of shape (n_channels_,)
        Mean of each channel of the training windows, subtracted before they reach the network
        in training (and at predict time with ``normalize=False``; with instance normalisation
        each window is predicted from its own units, see :meth:`predict`).
    channel_scale_ : ndarray of shape (n_channels_,)
        Standard deviation of each channel of the training windows (1 for a constant channel),
        by which the centred values are divided, where ``channel_mean_`` is subtracted. Like
        ``channel_mean_``, computed by the fit that initialised the network and kept by warm
        starts and ``partial_fit``.
    quantiles_ : ndarray or None
        The quantiles predicted with ``loss="pinball"``.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float or None
        With early stopping, the score of each epoch on the validation windows: minus the
        training loss measured on them (higher is better, in the units of ``loss_curve_``). It is
        not R² as in MLPRegressor: R² across many series is dominated by the largest ones, while
        the normalised loss weighs every series alike.
    validation_loss_curve_ : list of float or None
        With early stopping, the validation loss of each epoch (``-validation_scores_``).
    best_validation_score_ : float or None
        Best validation score of the last fit with early stopping; that epoch's weights are
        restored at its end. A later warm-start fit without early stopping keeps it (and
        ``validation_scores_``), as MLPRegressor does.
    best_loss_ : float or None
        Lowest training loss of an epoch (or a :meth:`partial_fit` call), without early
        stopping, over warm starts and :meth:`partial_fit` calls since the last fit with early
        stopping, which leaves it None (a later :meth:`partial_fit` sets it). A continued fit
        with another ``loss`` starts it afresh, in the new loss's units (``loss_curve_`` then
        holds epochs of both losses).
    n_iter_ : int
        Epochs run (accumulated over warm starts and partial_fit calls).
    t_ : int
        Optimiser steps taken (MLPRegressor's ``t_`` counts training samples instead).

    See Also
    --------
    skattn.make_windows : Build ``X, y`` from one series or many.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import AttentionForecaster, make_windows
    >>> t = np.arange(300)
    >>> series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    >>> X, y = make_windows(series, window=24, horizon=6)
    >>> model = AttentionForecaster(max_epochs=5, random_state=0).fit(X, y)
    >>> model.forecast(series, steps=12).shape
    (12,)
    """

    _parameter_constraints: dict = {
        "d_model": [IntegerInterval(1, None, closed="left")],
        "n_heads": [IntegerInterval(1, None, closed="left")],
        "n_layers": [IntegerInterval(0, None, closed="left")],
        "d_ff": [IntegerInterval(1, None, closed="left"), None],
        "patch_len": [IntegerInterval(1, None, closed="left")],
        "stride": [IntegerInterval(1, None, closed="left"), None],
        "attention": [StrOptions(set(nn.network.ATTENTION_KINDS))],
        "positional": [StrOptions({"learned", "sinusoidal"}), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "normalize": ["boolean", StrOptions({"affine"})],
        "anchor": [StrOptions({"mean", "last"})],
        "trend_degree": [IntegerInterval(0, None, closed="left"), None],
        "loss": [StrOptions({"squared_error", "absolute_error", "huber", "pinball"})],
        "quantiles": ["array-like", None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [IntegerInterval(1, None, closed="left")],
        "max_epochs": [IntegerInterval(1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [IntegerInterval(1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "dtype": [StrOptions({"float32", "float64"})],
        # joblib's rule (N_JOBS_CONSTRAINT) and scikit-learn's "random_state" (an int in [0,
        # 2**32 - 1], a RandomState or None), each without bool: True was one job, or seed 1
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": [IntegerInterval(0, 2**32 - 1, closed="both"), np.random.RandomState,
                         None],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=None,
        patch_len=4,
        stride=None,
        attention="dot",
        positional="learned",
        dropout=0.1,
        normalize=True,
        anchor="mean",
        trend_degree=None,
        loss="absolute_error",
        quantiles=None,
        learning_rate=1e-3,
        weight_decay=0.1,
        batch_size=64,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        lr_schedule="constant",
        clip_grad_norm=1.0,
        dtype="float32",
        n_jobs=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.d_ff = d_ff
        self.patch_len = patch_len
        self.stride = stride
        self.attention = attention
        self.positional = positional
        self.dropout = dropout
        self.normalize = normalize
        self.anchor = anchor
        self.trend_degree = trend_degree
        self.loss = loss
        self.quantiles = quantiles
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.lr_schedule = lr_schedule
        self.clip_grad_norm = clip_grad_norm
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # a trend of degree >= 1 needs a horizon longer than its degree: fit refuses a 1-D y
        # (the tag said it took one; tags review, session 34)
        tags.target_tags.single_output = self.trend_degree is None or (
            isinstance(self.trend_degree, numbers.Integral) and self.trend_degree == 0)
        tags.input_tags.three_d_array = True  # (n, T, C): covariate channels
        return tags

    def _build_prediction_weights(self):
        # float64 copies of the weights (and config) for prediction, made once per fit (and at
        # load), not per call. With dot or gated attention (the inference pack below) each
        # window's forecast is computed on its own, so predictions do not depend on how rows are
        # batched; additive and cosine attention run the op-by-op path in chunks of rows, whose
        # rounding depends on the batch (~1e-15 apart; review, session 21)
        self._params64 = {name: value.astype(np.float64) for name, value in self.params_.items()}
        self._config64 = dataclasses.replace(self.config_, dtype="float64")
        # the same weights packed for the one-call forward (None for additive/cosine attention)
        self._inference_pack = nn.pack_for_inference(self._params64, self._config64)

    def __getstate__(self):
        # the float64 copies and the packed weights are made again from params_ at load: pickled,
        # they held the weights three times (a model of 92 KB of weights pickled to 648 KB;
        # production trial, session 18). Predictions after load are bitwise the same.
        state = dict(super().__getstate__())  # for a class outside sklearn, it is __dict__ itself
        if "_params64" in state:
            for name in ("_params64", "_config64", "_inference_pack"):
                state.pop(name, None)  # a model pickled before the pack existed has none
            state["_prediction_weights_to_build"] = True
        return state

    def __setstate__(self, state):
        build = state.pop("_prediction_weights_to_build", False)
        super().__setstate__(state)
        if build:
            self._build_prediction_weights()

    def __sklearn_is_fitted__(self):
        # what check_is_fitted asks; without it, it scans every attribute for a trailing
        # underscore on each predict() call (~15 us, 5-8% of a one-window predict)
        return hasattr(self, "_params64")

    # ----------------------------------------------------------------------------------------
    # Validation
    # ----------------------------------------------------------------------------------------
    def _validate_X(self, X, *, reset, y=None):
        """Validate X (and y) with scikit-learn's rules, plus the window-specific ones: those of
        :func:`skattn._validation.validate_windows`, shared with the wrappers and baselines (its
        predict-time fast path for a finite float ndarray of the fitted shape, masked entries as
        missing values, sparse frames and ragged rows named)."""
        return validate_windows(self, X, y, reset=reset)

    def _check_params(self, n_timesteps=None):
        """Checks that involve more than one parameter, at fit time (on windows of
        ``n_timesteps`` steps, when known)."""
        if self.stride is not None and self.stride > self.patch_len and (
                n_timesteps is None or n_timesteps > self.patch_len):
            # patches that start stride steps apart and hold patch_len read none of the steps
            # between them: half of every window with patch_len=24, stride=48, unnoticed
            # (energy trial, session 20). A warning, not an error: reading every other step
            # (patch_len=1, stride=2) may be meant
            warnings.warn(
                f"AttentionForecaster: stride={self.stride} is larger than patch_len="
                f"{self.patch_len}, so {self.stride - self.patch_len} of every {self.stride} "
                f"steps of a window lie between two patches: attention never sees them (they "
                f"reach the forecast only through the target's linear skip and the windows' "
                f"normalisation statistics); give stride <= patch_len (or None: patch_len) for "
                f"every step to be in a patch",
                UserWarning,
                stacklevel=stacklevel_of_caller(__name__, whole_package=True),
            )
        if n_timesteps is not None and self.patch_len > n_timesteps:
            # the window is one token, its oldest end padded: attention over one token mixes
            # nothing, and patch_len=40 on 28-step windows trained so, unnoticed (production
            # trial, session 21). A warning, not an error, as the stride's above: the model
            # works, as a feed-forward network on the whole window
            n_padded = self.patch_len - n_timesteps
            several = (f" (several patches per window, e.g. patch_len={max(1, n_timesteps // 4)})"
                       if n_timesteps > 1 else "")
            warnings.warn(
                f"AttentionForecaster: patch_len={self.patch_len} is longer than the windows "
                f"({n_timesteps} time step{'s' if n_timesteps > 1 else ''}), so each window is "
                f"read as ONE patch, left-padded with {n_padded} "
                f"cop{'ies' if n_padded > 1 else 'y'} of its first value: attention over a "
                f"single token has nothing to attend to. Give patch_len <= {n_timesteps}"
                f"{several}, or longer windows (make_windows' window)",
                UserWarning,
                stacklevel=stacklevel_of_caller(__name__, whole_package=True),
            )
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})"
            )
        if self.learning_rate * self.weight_decay >= 1:
            # AdamW multiplies the weights by 1 - learning_rate * weight_decay every step: at 1
            # or more they are zeroed or flip sign and grow without bound
            raise ValueError(
                f"learning_rate * weight_decay must be below 1 (each step scales the weights by "
                f"1 - learning_rate * weight_decay); got {self.learning_rate} * "
                f"{self.weight_decay} = {self.learning_rate * self.weight_decay:g}"
            )
        if self.loss == "pinball":
            quantiles = _DEFAULT_QUANTILES if self.quantiles is None else self.quantiles
            quantiles = check_quantiles(quantiles)
            # predict, forecast and the scores use the quantile nearest 0.5: with two at the
            # same distance (0.1 and 0.9; compared with a tolerance, as 0.9 - 0.5 != 0.5 - 0.1 in
            # floating point) the one taken would have been the lower, silently
            distance = np.abs(quantiles - 0.5)
            nearest = np.unique(quantiles[np.isclose(distance, distance.min(), rtol=0,
                                                     atol=1e-9)])
            if nearest.size > 1:
                raise ValueError(
                    f"quantiles {nearest.tolist()} are equally near 0.5, so the point forecast of "
                    f"predict and forecast (the quantile nearest 0.5) is ambiguous: add 0.5 to "
                    f"quantiles, got {self.quantiles!r}"
                )
            return quantiles
        if self.quantiles is not None:
            raise ValueError(
                f"quantiles={self.quantiles!r} is only used with loss='pinball', not loss={self.loss!r}"
            )
        return None

    def _make_config(self, n_timesteps, n_channels, horizon, quantiles):
        return nn.NetworkConfig(
            n_timesteps=int(n_timesteps),
            horizon=int(horizon),
            n_channels=int(n_channels),
            n_quantiles=None if quantiles is None else int(quantiles.size),
            d_model=int(self.d_model),
            n_heads=int(self.n_heads),
            n_layers=int(self.n_layers),
            d_ff=int(2 * self.d_model if self.d_ff is None else self.d_ff),
            patch_len=int(self.patch_len),
            stride=int(self.patch_len if self.stride is None else self.stride),
            attention=self.attention,
            positional=self.positional,
            dropout=float(self.dropout),
            normalize=bool(self.normalize),
            anchor=self.anchor,
            affine=self.normalize == "affine",
            trend_degree=None if self.trend_degree is None else int(self.trend_degree),
            dtype=self.dtype,
        )

    # ----------------------------------------------------------------------------------------
    # Global scaling: every channel is standardised with statistics of the first fit, so the
    # network trains on values of order one whatever the units (and instance norm's epsilon is
    # relative to the data's scale, not absolute). Predictions use it only with normalize=False
    # (see _network_inputs).
    # ----------------------------------------------------------------------------------------
    def _fit_scaling(self, X3, weights=None, *, warn=True):
        # X3: (n, T, C). The spread is computed on data divided by its largest magnitude, so the
        # squares neither underflow (values ~1e-300) nor overflow (values ~1e300) in float64.
        # Each way below gives magnitude, the mean and std of X3 / magnitude, and the robust
        # spreads of the outlier warning, all (C,)
        if weights is not None:
            # sample_weight (n,), > 0: the mean and spread of the windows repeated by their
            # weights. The outlier warning's robust spread stays unweighted: a heuristic about
            # the values present, which weights do not make more or less extreme
            magnitude, unit_mean, unit_spread = _weighted_unit_moments(X3, weights)
            robust = (_chunked_robust_spreads(X3, magnitude) if X3.flags.c_contiguous else
                      _robust_spreads(np.asarray(X3, dtype=np.float64) / magnitude, magnitude))
        elif X3.size * 8 > _CHUNKED_STATISTICS_MIN_BYTES and X3.flags.c_contiguous:
            # long windows: the same statistics, bitwise, without float64 copies of X (user
            # trial, session 20; see _CHUNKED_STATISTICS_MIN_BYTES)
            magnitude, unit_mean, unit_spread = _chunked_unit_moments(X3)
            robust = _chunked_robust_spreads(X3, magnitude)
        else:
            X3 = np.asarray(X3, dtype=np.float64)
            magnitude = np.abs(X3).max(axis=(0, 1))
            magnitude = np.where(magnitude > 0, magnitude, 1.0)
            unit = X3 / magnitude
            unit_mean, unit_spread = unit.mean(axis=(0, 1)), unit.std(axis=(0, 1))
            robust = _robust_spreads(unit, magnitude)
        self.channel_mean_ = unit_mean * magnitude
        spread = unit_spread * magnitude
        # a constant channel keeps scale 1 (it carries no information to rescale)
        self.channel_scale_ = np.where(spread > 0, spread, 1.0)
        if warn:
            _warn_if_a_few_values_dominate(robust, spread)

    def _scale_X(self, X3, dtype):
        # X3 (n, T, C) -> (n, T, C) in dtype, C-contiguous. A chunk of rows at a time: each value
        # is (x - mean) / scale in float64 cast to dtype, as on the whole array, but without its
        # float64 temporary, as large as X (user trial, session 20)
        out = np.empty(X3.shape, dtype=dtype)
        for rows in _row_chunks(X3.shape[0], 8 * X3.shape[1] * X3.shape[2]):
            out[rows] = (X3[rows] - self.channel_mean_) / self.channel_scale_
        return out

    def _scale_y(self, Y, dtype):
        # Y (n, horizon) -> (n, horizon) in dtype, C-contiguous; a chunk of rows at a time, as
        # _scale_X (bitwise the whole-array formula): its two float64 temporaries, each twice
        # a float32 Ys, were most of fit's remaining peak (scale trial, session 27)
        out = np.empty(Y.shape, dtype=dtype)
        for rows in _row_chunks(Y.shape[0], 8 * Y.shape[1]):
            out[rows] = (Y[rows] - self.channel_mean_[0]) / self.channel_scale_[0]
        return out

    # ----------------------------------------------------------------------------------------
    # Fitting
    # ----------------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on history windows ``X`` and the values ``y`` that follow them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first; with 3 dimensions channel 0 is the target and
            the others covariates.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, of the target after each window,
            in the units of ``X``'s target channel: the model forecasts each window's
            continuation in the window's own units, so transform the series before
            :func:`make_windows`, not ``X`` or ``y`` alone. NaN marks a value that was not
            observed (the windows past a series' end that ``make_windows(min_target=...)``
            cuts): it is left out of the loss, as is a masked entry of a NumPy masked array
            (in ``X``, one is refused as NaN is). Every row needs at least one observed value;
            infinity is an error.
        sample_weight : array-like of shape (n_samples,), default=None
            One weight per window (>= 0, not all 0), as scikit-learn's rule for weights has it:
            a window of weight 2 trains as the window given twice, and one of weight 0 as one
            left out (from the loss, the global scaling, the early-stopping split and the
            warnings). The weights count in the training loss (each window's errors times its
            weight, normalised to a mean of 1 over the training windows), in the global scaling's
            mean and spread, and in the validation loss of early stopping. Equal weights train
            exactly as None does. A weighted mini-batch is a weighted mean over its windows, so
            with batches smaller than the data, or with dropout, weighting equals repeating in
            expectation over the batch order and the dropout masks, not draw by draw (as for
            scikit-learn's ``MLPRegressor``); in a full batch without dropout in float64 the two
            fits agree to rounding, unless ``early_stopping`` splits them (it holds out the last
            ``validation_fraction`` of the windows by count, not by weight). Useful to weigh
            recent windows more (``make_windows(..., return_index=True)`` gives each window's
            time) or some series more than others; ``backtest(..., sample_weight=...)`` tells
            whether it helps.

        Returns
        -------
        self : AttentionForecaster
            The fitted forecaster.

        Raises
        ------
        ValueError
            When ``X``, ``y`` or the parameters are invalid (checked before training); when
            training diverges (named as an extreme target, not the learning rate, when a target
            lies so far from its window that the loss overflows), or, continuing
            (``warm_start``), when the network's shape changed or the data lie so far beyond the
            first fit's scaling that training overflows.
        TypeError
            When ``X`` or ``y`` is a pandas DataFrame of sparse columns: densify it first.

        Warns
        -----
        UserWarning
            With instance normalisation, when every training window's target channel is
            constant (in the training precision): their targets are left out of the loss, which
            leaves nothing to learn, and the model forecasts each window's level; when every
            validation window of early stopping is constant (the fit trains without it); when
            ``stride`` exceeds ``patch_len``; when ``patch_len`` exceeds the windows' length.
        OutlierScaleWarning
            When a few extreme values dominate a channel's spread (the global scaling); or,
            with instance normalisation, when training windows have targets more than
            ``WINDOW_TARGET_RATIO`` = 1,000 of their own spreads from their mean (a nearly flat
            stretch followed by ordinary values), which then dominate the loss.
        TargetUnitsWarning
            When ``y`` lies far from its windows (the median window's mean target more than
            ``TARGET_OFFSET_RATIO`` = 1 times ``channel_scale_[0]`` from the window's mean),
            spreads more than ``TARGET_SPREAD_RATIO`` = 10 times more or less widely than the
            spans it and the windows cover explain, and fewer than half the windows' first
            targets are values of ``X``; or, in rows that overlap as make_windows' do (at least
            ``TARGET_FIRST_STEP_MIN_ROWS`` of them), when the median first target lies more than
            ``TARGET_FIRST_STEP_RATIO`` = 3.5 window spreads from its window's last value, and
            fewer than half the first targets are values of ``X``: ``y`` is not in ``X``'s
            units, e.g. behind a StandardScaler of ``X`` in a Pipeline, or a
            TransformedTargetRegressor.
        ConvergenceWarning
            When ``max_epochs`` ends training before it converged (the monitored loss improved
            by more than ``tol`` within the last ``n_iter_no_change`` epochs, or no more epochs
            than ``n_iter_no_change + 1`` ran, too few to judge); or when, in
            a fit of at least 3 epochs, no epoch's training loss fell below that of
            forecasting each window's level (the network's output at zero), and a later epoch's
            loss exceeded twice the first's or every epoch's stayed above 4 times the level's:
            training diverged (too large a ``learning_rate``).
        UserWarning
            With ``early_stopping``, when the target channel of every validation window is
            constant (a series that ends flat): their targets are left out of the loss, so the
            validation loss would be a mean over nothing. The fit then trains on every window
            as ``early_stopping=False`` does (``validation_scores_`` None from a fit from
            scratch, not extended by a continued one).

        Notes
        -----
        A fit from scratch that raises leaves the estimator unfitted (``predict`` raises
        :class:`~sklearn.exceptions.NotFittedError`), whatever model it held before: the fit
        had begun to replace it. A continued fit (``warm_start`` on a fitted model, and
        :meth:`partial_fit`) that raises leaves the model as it was before the call, fitted
        and usable: refused by its checks, it changed nothing; failing or interrupted while
        training (divergence, KeyboardInterrupt), it is put back from a copy taken before the
        training began (its weights, optimiser state, curves and counters). Until session 20
        such a failure left the estimator unfitted. An invalid parameter value
        (scikit-learn's ``InvalidParameterError``) is refused before the fit starts and
        changes nothing.
        """
        continuing = self.warm_start and hasattr(self, "params_")
        return self._fit(X, y, reset=not continuing, partial=False, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X, y``, starting from the current weights if fitted.

        Every window trains: ``early_stopping`` (and its validation split) applies to
        :meth:`fit` only, so ``validation_scores_`` is not extended here (scikit-learn 1.9's
        ``MLPRegressor.partial_fit`` refuses a model with ``early_stopping=True`` instead). A ``warm_start`` fit that turns
        ``early_stopping`` on starts ``validation_scores_`` then, so it can be shorter than
        ``loss_curve_``.

        With an int ``random_state``, the first call (on an unfitted model) starts as
        :meth:`fit` does, and each later one draws its batch order and dropout masks from the
        seed and ``t_``, the optimiser steps taken so far: calls that loop over the same
        windows reshuffle them as the epochs of a fit do. scikit-learn's ``SGDRegressor`` and
        ``MLPRegressor`` re-seed from the int at every call, so each of their calls replays
        the first one's order, as this method did until session 24. ``t_`` is pickled with the
        model (a model pickled before session 24 has it too) and put back with it by a call
        that fails, so the same calls from the same model give bitwise the same model. A
        RandomState instance is drawn from at every call, as before.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first; with 3 dimensions channel 0 is the target and
            the others covariates. Once fitted, of the time steps and channels seen at fit.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            As in :meth:`fit` (NaN marks a missing value).
        sample_weight : array-like of shape (n_samples,), default=None
            One weight per window, as in :meth:`fit`; normalised within each call.

        Returns
        -------
        self : AttentionForecaster
            The forecaster, trained one more epoch.

        Raises
        ------
        ValueError
            When ``X``, ``y`` or the parameters are invalid, do not match the fitted model, or
            when training diverges (named as the data's scale when they lie so far
            beyond the first fit's scaling that training overflows). As for :meth:`fit`
            (Notes): a call on a fitted model that raises leaves it as it was; the first call
            leaves the estimator unfitted.
        """
        return self._fit(X, y, reset=not hasattr(self, "params_"), partial=True,
                         sample_weight=sample_weight)

    def _fit(self, X, y, *, reset, partial, sample_weight=None):
        """Fit from scratch (``reset``) or continue training; see :meth:`fit` (Notes) for what a
        call that raises leaves behind."""
        # Whether this call has begun to change the fitted state, which an error must then
        # undo (a half-changed model predicted garbage: the kernels read the old window length
        # out of bounds). A fit from scratch changes it from its first check on (validate_data
        # records the new X's n_features_in_), and an error discards it; a continued fit only
        # once every check has passed, so a refused call leaves the model as it was, and an
        # error in training puts back the copy taken just before (``before``; until session 20
        # it discarded the model: fuzzing).
        changing = reset
        before = None
        try:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None."
                )
            X, y, n_channels = self._validate_X(X, y=y, reset=reset)
            weights = _training_weights(sample_weight, X)  # None, or (n,) float64 >= 0
            rows_given = None  # the rows of X as given, when windows of weight 0 were left out
            n_negligible = 0  # weights > 0 that became 0 relative to the largest
            if weights is not None:
                # relative to the largest: sums of weights near float64's largest value
                # overflowed (weights of 1e306 trained on a loss of 0; review, session 25).
                # Before the windows of weight 0 are found: a weight below ~5e-324 of the
                # largest becomes 0 here and is left out as they are (after, it reached the
                # early-stopping split as 0, a 0/0 and a message about X's range; session 31)
                n_positive = np.count_nonzero(weights)
                weights = weights / weights.max()
                kept = weights > 0
                n_negligible = n_positive - np.count_nonzero(kept)
                if not kept.all():
                    # a window of weight 0 is one left out, as scikit-learn's rule for weights
                    # has it: from the scaling, the loss, the early-stopping split and the
                    # warnings alike
                    rows_given = np.flatnonzero(kept)
                    X, y, weights = X[kept], y[kept], weights[kept]
                if np.all(weights == weights[0]):
                    # equal weights weigh nothing: the unweighted fit, bitwise
                    weights = None
            negligible = ("" if not n_negligible else
                          f", {n_negligible} of them of a weight > 0 but below float64's "
                          f"resolution relative to the largest (~5e-324 times it)")
            removed = ("" if rows_given is None else
                       f" (of the {rows_given.size} windows of non-zero weight: sample_weight "
                       f"left out {len(kept) - rows_given.size}{negligible})")
            y_is_1d = y.ndim == 1
            Y = y[:, None] if y_is_1d else y  # (n, horizon)
            if not reset and Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} output(s), but {type(self).__name__} was fitted with "
                    f"horizon {self.n_outputs_}"
                )
            X3 = X[:, :, None] if X.ndim == 2 else X  # (n, T, C)
            n_samples, n_timesteps = X3.shape[:2]
            quantiles = self._check_params(n_timesteps)
            if self.trend_degree is not None and self.trend_degree >= Y.shape[1]:
                raise ValueError(
                    f"trend_degree={self.trend_degree} must be smaller than the horizon: y has "
                    f"{Y.shape[1]} value(s) per window, so trend_degree can be at most "
                    f"{Y.shape[1] - 1}"
                )
            # before the scaling's statistics and copies (a continued fit keeps its dtype)
            _check_working_copies_fit_in_memory(
                X3, Y, self.dtype if reset else self.config_.dtype, weights is not None)
            rng = self._training_rng(reset)
            early_stopping = self.early_stopping and not partial
            if early_stopping:
                n_val = int(math.floor(self.validation_fraction * n_samples))
                if n_val < 1 or n_samples - n_val < 1:
                    raise ValueError(
                        f"early_stopping with validation_fraction={self.validation_fraction} "
                        f"needs at least one training and one validation window; got "
                        f"n_samples={n_samples}{removed}"
                    )

            if reset:
                self.__dict__.pop("_warned_of_short_history", None)  # a new model warns again
                # early stopping's held-out rows (the last n_val) stay out of the global scaling,
                # as a scaler is fitted on the training split: their values moved the training
                # (leakage audit, session 26: with normalize=False, held-out values times 1.5
                # moved the forecasts by 11.6 passengers on the airline series)
                n_scaled = n_samples - n_val if early_stopping else n_samples
                self._fit_scaling(X3[:n_scaled], None if weights is None else weights[:n_scaled])
                self.n_channels_ = n_channels
                self.n_outputs_ = Y.shape[1]
                self.quantiles_ = quantiles
                self.config_ = self._make_config(n_timesteps, n_channels, Y.shape[1], quantiles)
                _check_network_fits_in_memory(self.config_, min(int(self.batch_size), n_samples))
                self.params_ = nn.init_params(self.config_, rng)
                self._optimizer = None
                self.loss_curve_ = []
                self.validation_scores_ = [] if self.early_stopping and not partial else None
                self.validation_loss_curve_ = [] if self.early_stopping and not partial else None
                self.best_validation_score_ = None
                self.best_loss_ = None
                self.n_iter_ = 0
                self.t_ = 0
                continued_config = None
            else:
                continued_config = self._continued_config(n_timesteps, n_channels, Y.shape[1],
                                                          quantiles)

            dtype = np.dtype(self.config_.dtype)  # a continued fit refuses a change of dtype
            with np.errstate(over="ignore"):
                Xs = self._scale_X(X3, dtype)
                Ys = self._scale_y(Y, dtype)
            if not (_all_finite(Xs) and not np.any(np.isinf(Ys))):
                # continuing: the global scaling is that of the first fit, and data far beyond
                # it overflows the training precision (the loss then failed obscurely). From
                # scratch: constant windows (scale 1) far above float32's range, or y far from X
                reach = self._reach_in_global_scaling(X3, Y)
                remedy = ("refit from scratch (warm_start=False) on data of this scale"
                          if not reset else "train with dtype='float64', or give y in X's units")
                raise ValueError(
                    f"X or y reaches {reach:.3g} times the spread of the data of the "
                    f"{'first ' if not reset else ''}fit (channel_scale_), beyond what "
                    f"{self.config_.dtype} training can represent; {remedy}"
                )
            _warn_if_targets_not_in_window_units(X3, Y, Xs, Ys)
            if not reset and not self.config_.normalize:
                _warn_if_data_left_the_first_scaling(Xs)
            if self.config_.normalize:
                # a window whose target channel is constant teaches the network nothing: its
                # forecast is its level (predict leaves the network's output out), and the loss,
                # in each window's own units, measured its targets' errors in instance norm's
                # epsilon, ~1e15 times any other window's. Intermittent demand (runs of zeros,
                # then a sale) gave loss curves of 1e12-1e30 and, with squared_error, worse
                # forecasts (user trial, session 17). Their targets are left out, as missing ones.
                # Constant as trained: in float32, a window whose values differ by less than
                # its rounding step (a plateau with noise 1e-7 at 60) is constant too, and its
                # targets' one-step differences were ~5e8 in its units (loss 1e14; audit 18)
                constant = np.ptp(Xs[:, :, 0], axis=1) == 0  # (n,)
                if constant.any():
                    if Xs.shape[2] > 1 and not partial:
                        _warn_if_covariates_of_constant_windows_are_ignored(Xs, constant)
                    Ys = Ys.copy()
                    Ys[constant] = np.nan
                _warn_if_windows_dominate_the_loss(Xs[:, :, 0], Ys)

            # rows none of whose targets the loss reads: constant windows (above)
            left_out = np.isnan(Ys).all(axis=1)  # (n,)
            nothing_to_learn = left_out.all() or (early_stopping and left_out[:-n_val].all()
                                                  and not left_out[-n_val:].all())
            if not nothing_to_learn and not partial:
                # the rows the loss trains on: early stopping's validation rows are scored only
                # (a step observed only there trained nothing either; review, session 32)
                _warn_of_steps_never_observed(Ys[:-n_val] if early_stopping else Ys)
            if nothing_to_learn:
                warnings.warn(self._windows_left_out_message(
                    n_samples if left_out.all() else n_samples - n_val,
                    n_val=None if left_out.all() else n_val, continuing=not reset,
                    removed=removed),
                    UserWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))
                if not reset:
                    # a trained model is left as it was: steps with a loss of zero still move
                    # its weights by AdamW's momentum (a partial_fit stream of constant batches
                    # took a model's MAE from 0.86 to 1.42; review, session 20)
                    return self
            elif early_stopping and left_out[-n_val:].all():
                # the validation loss would be a mean over nothing, 0 at every epoch: early
                # stopping stopped after n_iter_no_change epochs and restored the first epoch's
                # weights, with no word (a series that ends flat; fuzzing, session 20). Those
                # windows train nothing either, so this fit is the one early_stopping=False gives
                self._warn_validation_left_out(n_val, removed)
                early_stopping = False
                if reset and n_scaled < n_samples:
                    # ...scaled as it scales: with every row, the held-out ones no longer held out
                    # (the outlier warning, if any, was said by the first scaling)
                    self._fit_scaling(X3, weights, warn=False)
                    del Xs, Ys  # not two copies at once
                    with np.errstate(over="ignore"):
                        Xs = self._scale_X(X3, dtype)
                        Ys = self._scale_y(Y, dtype)
                    if self.config_.normalize:  # constant windows left out, as above
                        Ys[np.ptp(Xs[:, :, 0], axis=1) == 0] = np.nan
            if not early_stopping:
                X_train, Y_train, X_val, Y_val = Xs, Ys, None, None
                W_train, W_val = weights, None
            else:
                # the validation windows are the LAST rows: time order, never shuffled
                X_train, Y_train = Xs[:-n_val], Ys[:-n_val]
                X_val, Y_val = Xs[-n_val:], Ys[-n_val:]
                W_train, W_val = ((None, None) if weights is None
                                  else (weights[:-n_val], weights[-n_val:]))
            # each set's weights with a mean of 1 over its windows, in the training precision:
            # the losses, means over windows, are then weighted means (see _loss_and_grad)
            W_train, W_val = (None if w is None else (w / w.mean()).astype(dtype)
                              for w in (W_train, W_val))

            # every check has passed: from here on a continued fit changes the model too (it
            # trains copies), and the state before it is restored if the training fails (see
            # fit, Notes)
            if not reset:
                before = self._train_on_copies_of_fitted_state()
            changing = True
            if reset:
                if not early_stopping and self.early_stopping and not partial:
                    self.validation_scores_ = self.validation_loss_curve_ = None  # as without it
            else:
                # the settings changed since that the trained weights can follow (dropout)
                self.config_ = continued_config
                if early_stopping and self.validation_scores_ is None:
                    self.validation_scores_, self.validation_loss_curve_ = [], []
            self._y_is_1d = y_is_1d

            _prime_malloc_thresholds()
            try:
                with _single_threaded_kernels(), _ShardRunner(_n_threads(self.n_jobs)) as runner:
                    self._train(X_train, Y_train, X_val, Y_val, rng, runner,
                                n_epochs=1 if partial else int(self.max_epochs), partial=partial,
                                train_weights=W_train, val_weights=W_val)
            except _TrainingDivergedError as error:
                if not reset:
                    self._raise_if_the_scale_overflowed(X3, Y, error)
                self._raise_if_a_target_overflowed(X_train, Y_train, Y, error, continuing=not reset,
                                                   weights=W_train, rows_given=rows_given)
                raise
            self._build_prediction_weights()
        except BaseException:
            # BaseException: an interrupted training (KeyboardInterrupt) half-updates the weights
            # as much as a failed one
            if before is not None:
                self._restore_fitted_state(before)
            elif changing:
                self._discard_fitted_state()
            raise
        return self

    def _training_rng(self, reset):
        """The generator of a fit's initial weights, batch order and dropout masks.

        A fit from scratch draws it from ``random_state`` as it always has (an int gives the
        same stream at every fit). A continued fit (``warm_start``, :meth:`partial_fit`) with an
        int ``random_state`` draws it from the seed and ``t_``, the optimiser steps the model
        has taken: each call on the same windows then sees another batch order and other
        dropout masks, as epochs of one fit do, where re-seeding with the int alone replayed
        the first call's at every call (a ``partial_fit`` loop over the same data never
        reshuffled: user trial, session 24). ``t_`` is part of the fitted model (pickled with
        it, put back with it when a call fails), so the same calls from the same model give
        bitwise the same model; a model pickled before this rule continues by it too. A
        RandomState (or None) is consumed as before: one draw per call.
        """
        random_state = self.random_state
        if not reset and isinstance(random_state, Integral):
            # a child of the seed's SeedSequence, numpy's way to derive independent streams:
            # apart from every other t_'s, and from a fit from scratch's (seeded by a draw of
            # RandomState(seed), below)
            return np.random.default_rng(
                np.random.SeedSequence(int(random_state), spawn_key=(int(self.t_),)))
        random_state = check_random_state(random_state)
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))

    def _windows_left_out_message(self, n_train, n_val=None, *, continuing, removed=""):
        """What a fit is told when its ``n_train`` training windows (the first rows, when early
        stopping holds out the last ``n_val``) all have their targets left out of the loss;
        ``continuing``: a warm-started fit or partial_fit of a fitted model.

        Only constant windows are (see _fit: a row needs an observed target), and only with
        instance normalisation. Their weights then changed by weight decay alone, and the fit
        reported a loss curve of zeros as a success, with no word (fuzzing, session 20). A
        warning, not an error: such a model forecasts each window's level, which is what a
        constant window is worth, and a backtest of products that start after long runs of
        zeros, or a partial_fit stream that meets a batch of them, lost everything to an error
        (review, session 20). ``removed``: what sample_weight left out, said after the rows.
        """
        dtype = self.config_.dtype
        if self.config_.n_timesteps == 1:
            return (
                f"AttentionForecaster has nothing to learn from windows of 1 time step: with "
                f"instance normalisation (normalize={self.normalize!r}) every window is read "
                f"relative to itself, so a window of one value is constant, its forecast is its "
                f"level whatever the network learns, and its targets are left out of the loss. "
                f"Give windows of several time steps (make_windows' window), or train with "
                f"normalize=False."
            )
        which = (f"every training window ({n_train} of them{removed})" if n_val is None else
                 f"every training window (the first {n_train} rows{removed}; early stopping "
                 f"holds out the last {n_val}, some of which vary)")
        remedy = ("Train on windows that vary"
                  + (", or without early stopping (early_stopping=False) or with a smaller "
                     "validation_fraction, so that the windows that vary train"
                     if n_val is not None else "")
                  + (f"; windows that vary by less than {dtype} resolves (a plateau with tiny "
                     f"noise) train with dtype='float64'" if dtype == "float32" else ""))
        return (
            f"AttentionForecaster has nothing to learn: the target channel of {which} is "
            f"constant (as trained, in {dtype}"
            f"{', in the global scaling of the first fit' if continuing else ''}). With "
            f"instance normalisation (normalize={self.normalize!r}) a constant window's forecast "
            f"is its level, whatever the network learns, so its targets are left out of the "
            f"loss, and here that leaves none: "
            + ("this call leaves the model as it was. " if continuing else
               "this fit changes the weights by weight decay only, and the model forecasts each "
               "window's level. ") + f"{remedy}."
        )

    def _warn_validation_left_out(self, n_val, removed=""):
        """UserWarning: every one of the ``n_val`` validation windows is constant, so early
        stopping cannot work and this fit trains without it (see _fit); ``removed``: what
        sample_weight left out."""
        warnings.warn(
            f"AttentionForecaster: early stopping cannot work on these windows: the target "
            f"channel of every validation window (the last {n_val} rows{removed}, "
            f"validation_fraction={self.validation_fraction}) is constant (as trained, in "
            f"{self.config_.dtype}), and constant windows are left out of the loss (their "
            f"forecast is their level), so the validation loss would be a mean over nothing. "
            f"This fit trains on every window as early_stopping=False does (the training loss "
            f"decides when to stop, and the last epoch's weights are kept). Set "
            f"early_stopping=False, or hold out windows that vary (a larger "
            f"validation_fraction).",
            UserWarning,
            stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # the caller of fit (or of a Pipeline)
        )

    def _fitted_attribute_names(self):
        """The attributes a fit sets that the estimator holds: the public ones (ending in "_",
        as ``check_is_fitted`` counts them) and those of ``_PRIVATE_FITTED_ATTRIBUTES``."""
        return [name for name in vars(self)
                if (name.endswith("_") and not name.startswith("_"))
                or name in _PRIVATE_FITTED_ATTRIBUTES]

    def _train_on_copies_of_fitted_state(self):
        """Give a continued fit copies of what it changes in place; return the fitted state as
        it was, restored by _restore_fitted_state if the training fails.

        The weights are updated in place (the optimiser's flat buffer, whose views the
        ``params_`` dict is rebound to) and so are the optimiser's moments and the curves
        (appended to): the fit trains on copies of those, and the originals are left as they
        were. Training on the originals with a copy kept for the rollback changed every model
        sharing them: a ``copy.copy`` of a fitted model had its weights and curves changed by
        the other's ``partial_fit``, while its predictions kept the weights it was fitted with
        (review, session 33). The copies are NumPy arrays of their own, writable also where the
        fitted ones are read-only maps of a file (``joblib.load(path, mmap_mode="r")``: the
        first continued fit of such a model raised "params['patch.W'] is read-only";
        production trial, session 21). Everything else a fit sets is replaced, never changed in
        place (the prediction weights among them: built again only once training has
        succeeded). The copies hold the same values, so the training is unchanged, bitwise.
        """
        before = {name: getattr(self, name) for name in self._fitted_attribute_names()}
        self.params_ = {name: np.array(array) for name, array in self.params_.items()}
        if self._optimizer is not None:
            # a shallow copy leaves out the flat buffers (AdamW.__getstate__: use_flat_storage
            # builds them at the start of every training); the moments as arrays of their own
            optimizer = copy.copy(self._optimizer)
            optimizer.first_moment = {name: np.array(array)
                                      for name, array in optimizer.first_moment.items()}
            optimizer.second_moment = {name: np.array(array)
                                       for name, array in optimizer.second_moment.items()}
            self._optimizer = optimizer
        for name, value in before.items():
            if isinstance(value, list):
                setattr(self, name, list(value))
        return before

    def _restore_fitted_state(self, state):
        """The model as _train_on_copies_of_fitted_state left it: a continued fit that failed while
        training leaves the model it continued (fuzzing, session 20)."""
        self._discard_fitted_state()
        self.__dict__.update(state)

    def _reach_in_global_scaling(self, X3, Y):
        """The largest absolute value of ``X3`` (n, T, C) and ``Y`` (n, horizon, NaN for
        missing) in the global scaling (channel_mean_, channel_scale_), in float64: in units of
        the fitted data's spread."""
        with np.errstate(over="ignore"):
            return max(float(np.max(np.abs((X3 - self.channel_mean_) / self.channel_scale_))),
                       float(np.nanmax(np.abs((Y - self.channel_mean_[0])
                                              / self.channel_scale_[0]))))

    def _raise_if_the_scale_overflowed(self, X3, Y, error):
        """Name the scale of a continued fit's data, not the learning rate, as the cause of its
        failed training (``error``, a _TrainingDivergedError) when the data lie so far beyond
        the first fit's scaling that their squares overflow the training precision.

        A continued fit keeps the first fit's global scaling, and the network squares what it
        reads (instance norm's variance, the layer norms, squared losses): training overflowed
        from data about 1e19 times the first fit's spread (float32), and the error said "try a
        smaller learning_rate" (fuzzing, session 20). The data reach that far when their squares,
        summed over a window, can exceed the largest value of the training precision.
        """
        dtype = np.dtype(self.config_.dtype)
        reach = self._reach_in_global_scaling(X3, Y)
        if reach <= math.sqrt(float(np.finfo(dtype).max) / X3.shape[1]):
            return
        raise ValueError(
            f"training failed {error.where}: its loss or gradient overflowed, because X or y "
            f"reaches {reach:.3g} times the spread of the data of the first fit "
            f"(channel_scale_, whose scaling warm_start and partial_fit keep), too far for "
            f"{dtype} training: such values' squares overflow it. Refit from scratch "
            f"(warm_start=False) on data of this scale, or give them in the first fit's units. "
            f"The model is as it was before this call."
        ) from None

    def _raise_if_a_target_overflowed(self, X_train, Y_train, Y, error, *, continuing,
                                      weights=None, rows_given=None):
        """Name an extreme target, not the learning rate, as the cause of a diverged training
        (``error``, a _TrainingDivergedError) when some training target lies so far from its
        window, in the units the loss measures it in, that the loss of one batch overflows the
        training precision: ``X_train``, ``Y_train`` as trained (scaled, the rows of ``Y``, the
        targets as given, from the first).

        With instance normalisation the loss measures each target in its window's spread from
        the window's mean (or last value); squared_error squares that distance. A target of
        1e25 in windows of spread 7 is ~1e24 of them, its square beyond float32's range (~3e38)
        at the first batch that holds it, and the error said "try a smaller learning_rate",
        where absolute_error and huber trained on the same data (fuzzing, session 23). The
        check used before training, the data's reach in the global scaling, does not square.
        A genuine divergence (too large a step) has ordinary targets, far below these bounds:
        its message stays. ``weights`` (n_train,): the training windows' weights as trained (a
        mean of 1), which multiply their terms of the loss; ``rows_given``: the rows of the
        ``y`` given that ``Y`` holds, when sample_weight left windows out (None: all).
        """
        config = self.config_
        dtype = np.dtype(config.dtype)
        n_train = X_train.shape[0]
        squared = self.loss == "squared_error"
        largest, where = 0.0, None  # the largest term of the loss; (row, step) of y
        distance = 0.0  # that target's distance, in the loss's units
        for start in range(0, n_train, _PREDICT_CHUNK):
            xb, yb = X_train[start:start + _PREDICT_CHUNK], Y_train[start:start + _PREDICT_CHUNK]
            yb = yb.astype(np.float64)
            if config.normalize:
                xb3 = xb if xb.ndim == 3 else xb[:, :, None]
                _, norm = nn.norm.instance_norm_forward(xb3, config.instance_norm_eps,
                                                        anchor=config.anchor)
                shift = norm["shift"][:, :, 0].astype(np.float64)  # (b, 1)
                std = norm["std"][:, :, 0].astype(np.float64)
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    distances = np.abs(yb - shift) / std  # (b, horizon)
            else:
                distances = np.abs(yb)
            distances = np.where(np.isnan(distances), 0.0, distances)  # targets left out
            with np.errstate(over="ignore"):
                terms = distances ** 2 if squared else distances
                if weights is not None:
                    terms = terms * weights[start:start + _PREDICT_CHUNK, None].astype(np.float64)
            if terms.size and terms.max() > largest:
                largest = float(terms.max())
                row, step = np.unravel_index(int(np.argmax(terms)), terms.shape)
                where = (start + int(row), int(step))
                distance = float(distances[row, step])
        # the loss (and the gradient's norm) of a batch sums its elements' losses: one term
        # beyond the precision's largest value over their number overflows it
        elements = min(int(self.batch_size), n_train) * Y_train.shape[1]
        bound = float(np.finfo(dtype).max) / elements
        if where is None or largest <= bound:
            return
        row, step = where
        value = Y[row, step]
        row_given = row if rows_given is None else int(rows_given[row])
        position = f"y[{row_given}]" if self._y_is_1d else f"y[{row_given}, {step}]"
        if config.normalize:
            level = "mean" if config.anchor == "mean" else "last value"
            far = (f"{distance:.3g} times its window's spread (std over time) from the window's "
                   f"{level}, the units the loss measures each window's errors in")
        else:
            far = (f"{distance:.3g} times the spread of the training windows (channel_scale_) "
                   f"from their mean, the units the loss measures errors in")
        if weights is not None:
            far += (f", and its window's sample_weight multiplies its loss by "
                    f"{float(weights[row]):.3g} (the weights' mean is 1)")
        cause = (f"the squared_error loss squares that distance, beyond what {dtype} training "
                 f"can represent" if squared else
                 f"beyond what {dtype} training can represent")
        counted = "; the OutlierScaleWarning counts them" if config.normalize else ""
        remedy = (f"Fix or drop the rows that hold such values (a placeholder, a unit "
                  f"error{counted}), or train with "
                  + ("loss='absolute_error' or 'huber', which grow linearly in the distance"
                     if squared else "dtype='float64'"))
        raise ValueError(
            f"training diverged {error.where} (non-finite loss or gradient), most likely because "
            f"of an extreme target rather than the learning rate: {position} = {value:.3g} lies "
            f"{far}, and {cause}. {remedy}."
            + (" The model is as it was before this call." if continuing else "")
        ) from None

    def _discard_fitted_state(self):
        """Remove every attribute a fit sets, leaving the estimator unfitted: the public ones
        (ending in "_", as ``check_is_fitted`` counts them) and the private ones listed in
        ``_PRIVATE_FITTED_ATTRIBUTES``. Hyperparameters and the worker processes are kept."""
        for name in self._fitted_attribute_names():
            delattr(self, name)

    def _loss_and_grad(self, pred, target, cache, config, row_weight=None):
        """Loss of a batch and its gradient with respect to the prediction.

        ``row_weight`` (B,), or None: each window's weight (sample_weight with a mean of 1 over
        the training windows), multiplying its elements' losses and gradients, so that the
        batch loss, a mean over its windows, is a weighted mean of theirs.

        With instance normalisation the loss is measured in each window's normalised units:
        ``(pred - shift) / std`` against ``(target - shift) / std``. NaN targets (values past a
        series' end, ``make_windows(min_target=...)``) are left out: the loss is the sum of the
        per-element losses of the observed values divided by ALL the batch's target elements, so
        a missing value counts as a zero loss and gets a zero gradient, and a batch's weight does
        not depend on how many of its values are missing.
        """
        if config.normalize:
            shift = cache["norm"]["shift"][:, :, 0]  # (B, 1), the target channel's window statistics
            std = cache["norm"]["std"][:, :, 0]  # (B, 1)
            target = (target - shift) / std  # (B, horizon)
            if pred.ndim == 3:  # quantiles: (B, horizon, Q)
                shift, std = shift[:, :, None], std[:, :, None]
            pred = (pred - shift) / std
        observed = ~np.isnan(target)  # (B, horizon)
        if not observed.any():  # a batch of left-out targets only (constant windows: see fit)
            return pred.dtype.type(0.0), np.zeros_like(pred)
        weight = (None if row_weight is None
                  else np.broadcast_to(row_weight[:, None], target.shape))  # (B, horizon)
        if observed.all():
            loss, loss_cache = loss_forward(self.loss, pred, target, quantiles=self.quantiles_,
                                            weight=weight)
            dpred = loss_backward(self.loss, loss_cache)
        else:
            # the loss over the observed elements only (pred[observed]: (M,) or (M, Q)), its
            # mean rescaled from M elements to all of them
            fraction = np.count_nonzero(observed) / observed.size
            loss, loss_cache = loss_forward(self.loss, pred[observed], target[observed],
                                            quantiles=self.quantiles_,
                                            weight=None if weight is None else weight[observed])
            loss *= fraction
            dpred = np.zeros_like(pred)
            dpred[observed] = loss_backward(self.loss, loss_cache) * dpred.dtype.type(fraction)
        return loss, (dpred / std if config.normalize else dpred)

    def _level_forecast_loss(self, X, Y, weights=None):
        """The training loss of forecasting each window's level: what the network outputs when
        its head gives zero (with instance normalisation the window's shift, its mean or last
        value; without, the training data's mean). A reference a network that learned anything
        beats; no network, dropout or affine parameters involved. ``X`` (n, T[, C]), ``Y`` as
        trained on (scaled), ``weights`` (n,) as trained with (a mean of 1) or None."""
        config = self.config_
        total = 0.0
        for start in range(0, X.shape[0], _PREDICT_CHUNK):
            xb, yb = X[start:start + _PREDICT_CHUNK], Y[start:start + _PREDICT_CHUNK]
            xb3 = xb if xb.ndim == 3 else xb[:, :, None]  # (b, T, C)
            cache = None
            if config.normalize:
                _, norm = nn.norm.instance_norm_forward(xb3, config.instance_norm_eps,
                                                        anchor=config.anchor)
                cache = {"norm": norm}
                level = norm["shift"][:, :, 0]  # (b, 1)
            else:
                level = np.zeros((xb.shape[0], 1), dtype=yb.dtype)
            pred = np.broadcast_to(level, yb.shape)  # (b, horizon)
            if config.n_quantiles is not None:  # every quantile at the level: (b, horizon, Q)
                pred = np.broadcast_to(pred[:, :, None], pred.shape + (config.n_quantiles,))
            loss, _ = self._loss_and_grad(
                np.ascontiguousarray(pred), yb, cache, config,
                None if weights is None else weights[start:start + _PREDICT_CHUNK])
            total += float(loss) * xb.shape[0]
        return total / X.shape[0]

    def _evaluation_loss(self, X, Y, params, weights=None):
        """Mean loss over ``X, Y`` (scaled), without dropout, in the training loss's units;
        weighted by ``weights`` (n,), of mean 1, when given."""
        total = 0.0
        for start in range(0, X.shape[0], _PREDICT_CHUNK):
            xb, yb = X[start:start + _PREDICT_CHUNK], Y[start:start + _PREDICT_CHUNK]
            pred, cache = nn.forward(params, xb, self.config_, training=False, for_backward=False)
            loss, _ = self._loss_and_grad(
                pred, yb, cache, self.config_,
                None if weights is None else weights[start:start + _PREDICT_CHUNK])
            total += loss * xb.shape[0]
        return total / X.shape[0]

    def _shard_gradients_job(self, params, network_input, targets, weights=None):
        """The work of one batch shard: ``job(index, rows, batch, seed, flat_grad) -> loss``.

        ``weights`` (n,): the training windows' sample_weight with a mean of 1, or None.

        ``batch`` holds the step's row indices into ``network_input`` / ``targets``, ``rows`` the
        shard's slice of it. The shard's loss is weighted by its share of the rows, so the sum
        over shards is the batch mean, and so is its gradient, which the job copies into
        ``flat_grad``, laid out like the optimiser's flat buffer (``params``' entries are views
        of it, in order). Every shard draws its dropout masks' keys from a generator seeded
        alike, ``SeedSequence(seed, spawn_key=(0,))`` (= ``SeedSequence(seed).spawn(1)[0]``),
        and passes its first row's position in the batch to the forward, so each window gets
        the masks it would get in the whole batch, whatever ``n_jobs`` (until session 17 each
        shard had its own generator: another n_jobs drew other masks, a model 3% apart).
        The job runs on a worker thread or in a worker process (``_process_shards``) alike.
        """
        config = self.config_

        def shard_gradients(index, rows, batch, seed, flat_grad):
            weight = (rows.stop - rows.start) / batch.size
            shard_rows = batch[rows]
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
            # a diverging training overflows in the products before the loss or gradient is
            # non-finite: NumPy's RuntimeWarning came first (an error under -W error), before
            # the step's check raises the ValueError naming the learning rate (review, session
            # 31). errstate is per thread (a context variable); the arithmetic is unchanged
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                pred, cache = nn.forward(params, network_input[shard_rows], config,
                                         training=True, rng=rng, first_row=rows.start)
                loss, dpred = self._loss_and_grad(
                    pred, targets[shard_rows], cache, config,
                    None if weights is None else weights[shard_rows])
                grads = nn.backward(dpred * dpred.dtype.type(weight), cache, params, config)
            offset = 0
            for name, value in params.items():  # the buffer's order
                flat_grad[offset:offset + value.size] = grads[name].reshape(-1)
                offset += value.size
            return loss * weight

        return shard_gradients

    @staticmethod
    def _batch_gradients(job, batch, rng, runner, flat_params):
        """Mean loss and flat gradient of one batch, its shards on threads or processes.

        Gradients are summed in shard order (deterministic for a given ``n_jobs``, the same
        with threads or processes); what runs serially between shards is this sum, one norm and
        one AdamW pass.
        """
        # one draw per step whatever the shard count, so the batch order does not depend on n_jobs
        seed = int(rng.integers(0, 2**63 - 1))
        if isinstance(runner, ProcessShardRunner):
            results = runner.run(batch, seed)
        else:
            def shard(index, rows):
                flat_grad = np.empty_like(flat_params)
                return job(index, rows, batch, seed, flat_grad), flat_grad

            results = runner.map(shard, batch.size)
        loss, flat_grad = results[0]
        for shard_loss, shard_grad in results[1:]:
            loss += shard_loss
            flat_grad += shard_grad
        return loss, flat_grad

    def _epoch_in_words(self, n_iter_before, partial):
        """The epoch under way, in words, for an error: counted from the start of this call
        ("at epoch 3"), with the model's own count when earlier fits trained it; partial_fit's
        one epoch is "this partial_fit call" (a second call's said "epoch 2"; fuzzing, session
        20)."""
        if partial:
            return (f"in this partial_fit call (the model's epoch {self.n_iter_ + 1})"
                    if n_iter_before else "in this partial_fit call")
        epoch = self.n_iter_ - n_iter_before + 1
        if not n_iter_before:
            return f"at epoch {epoch}"
        return f"at epoch {epoch} of this fit (the model's epoch {self.n_iter_ + 1})"

    def _continued_config(self, n_timesteps, n_channels, horizon, quantiles):
        """The network config of a continued fit (warm_start, partial_fit), checked; the caller
        sets it once all its checks have passed, so a refused call changes nothing.

        The settings changed since with ``set_params`` take effect if they can (dropout here,
        weight decay in :meth:`_train`; the learning rate and its schedule are read at every
        fit), and a change of the network's shape or precision, which the trained weights cannot
        follow, is an error."""
        if (self.quantiles_ is None) != (quantiles is None):
            # the change the user made is the loss; the config only shows its consequence (the
            # outputs per step, "n_quantiles (3 -> None)"), which named no parameter of theirs
            fitted = ("loss='pinball' (an output per quantile)" if quantiles is None
                      else "a point loss (one output per step)")
            raise ValueError(
                f"Cannot continue training (warm_start or partial_fit) after changing loss to "
                f"{self.loss!r}: the network was fitted with {fitted}, and its head cannot "
                f"change its outputs. Set loss back, or refit from scratch (warm_start=False)."
            )
        if quantiles is not None and not np.array_equal(quantiles, self.quantiles_):
            # before the config's fields, of which n_quantiles is only a consequence (5
            # quantiles instead of 3 read "n_quantiles (3 -> 5)": review, session 32)
            raise ValueError(
                f"Cannot continue training (warm_start or partial_fit) after changing the "
                f"quantiles ({self.quantiles_.tolist()} -> {quantiles.tolist()}): the head was "
                f"trained for the old ones. Set them back, or refit from scratch "
                f"(warm_start=False)."
            )
        fitted = self.config_
        wanted = self._make_config(n_timesteps, n_channels, horizon, quantiles)
        ignored = {"dropout"}  # takes effect in a continued fit
        if not fitted.normalize and not wanted.normalize:
            ignored.add("anchor")  # ignored when normalize=False (the docstring's word)
        changed = [(field.name, getattr(fitted, field.name), getattr(wanted, field.name))
                   for field in dataclasses.fields(wanted)
                   if field.name not in ignored
                   and getattr(fitted, field.name) != getattr(wanted, field.name)]
        changed_names = {name for name, _, _ in changed}
        # fields that follow another change, not changes of the user's: d_ff=None and
        # stride=None follow d_model and patch_len ("set the old value back" of a parameter left
        # at None; review, session 32), affine follows normalize (named once, as normalize)
        follows = {"d_ff": self.d_ff is None and "d_model" in changed_names,
                   "stride": self.stride is None and "patch_len" in changed_names,
                   "affine": "normalize" in changed_names}
        changed = [change for change in changed if not follows.get(change[0], False)]
        if changed:
            listed = ", ".join(_changed_parameter_in_words(name, before, after, fitted, wanted)
                               for name, before, after in changed)
            raise ValueError(
                f"Cannot continue training (warm_start or partial_fit) after changing the "
                f"network's shape or precision: {listed} changed since the network was "
                f"fitted. Set the old value back, or refit from scratch (warm_start=False)."
            )
        return wanted

    def _train(self, X_train, Y_train, X_val, Y_val, rng, runner, *, n_epochs, partial,
               train_weights=None, val_weights=None):
        config = self.config_
        params = self.params_
        n_train = X_train.shape[0]
        batch_size = min(int(self.batch_size), n_train)
        steps_per_epoch = math.ceil(n_train / batch_size)
        network_input = X_train if config.n_channels > 1 else X_train[:, :, 0]
        if self._optimizer is None:
            # a bool as its number: scikit-learn's Interval(Real) takes True as 1.0, which the
            # optimiser refused naming its own arguments (fuzzing, session 28); any other value
            # as given (a float32 learning rate keeps its float32 schedule, bit for bit)
            self._optimizer = AdamW(
                params, learning_rate=_unbool(self.learning_rate),
                weight_decay=_unbool(self.weight_decay), no_decay=nn.no_decay_names(params),
            )
        else:  # continuing: the moments carry over, a weight decay set since takes effect
            self._optimizer.weight_decay = float(self.weight_decay)
        job = self._shard_gradients_job(params, network_input, Y_train, train_weights)
        # shards 1.. in worker processes where that is possible (skattn/_process_shards.py); the
        # parameters then live in memory shared with the workers
        n_shards = len(runner.shards(batch_size))
        processes = None
        if (_SHARDS_IN_PROCESSES and n_shards > 1
                and n_epochs * steps_per_epoch >= _MIN_STEPS_FOR_PROCESSES):
            processes = ProcessShardRunner.open(
                self, job, params, network_input, Y_train, weights=train_weights,
                n_shards=n_shards,
                min_rows_per_shard=runner.min_rows_per_shard, max_rows=batch_size,
                dtype=config.dtype)
        if processes is None:
            # parameters and moments in one flat buffer each (params' entries become views)
            flat_params = self._optimizer.use_flat_storage(params)
            self._train_epochs(X_train, Y_train, X_val, Y_val, rng, runner, job, flat_params,
                               n_epochs=n_epochs, partial=partial, train_weights=train_weights,
                               val_weights=val_weights)
            return
        with processes:
            flat_params = self._optimizer.use_flat_storage(params, out=processes.shared_params)
            try:
                self._train_epochs(X_train, Y_train, X_val, Y_val, rng, processes, job,
                                   flat_params, n_epochs=n_epochs, partial=partial,
                                   train_weights=train_weights, val_weights=val_weights)
            finally:
                # the fitted weights back in private memory
                self._optimizer.use_flat_storage(params)

    def _train_epochs(self, X_train, Y_train, X_val, Y_val, rng, runner, job, flat_params, *,
                      n_epochs, partial, train_weights=None, val_weights=None):
        config = self.config_
        params = self.params_
        n_train = X_train.shape[0]
        batch_size = min(int(self.batch_size), n_train)
        steps_per_epoch = math.ceil(n_train / batch_size)
        total_steps = max(1, n_epochs * steps_per_epoch)
        warmup = int(_COSINE_WARMUP_FRACTION * total_steps) if self.lr_schedule == "cosine" else 0
        schedule = make_lr_schedule(self.lr_schedule, _unbool(self.learning_rate), total_steps,
                                    warmup)
        validating = X_val is not None
        val_input = None
        if validating:
            val_input = X_val if config.n_channels > 1 else X_val[:, :, 0]
            # the best epoch of THIS call: its weights are the ones restored at the end (with
            # warm_start, epochs of an earlier fit were scored on other data or settings)
            best_params = None
            self.best_validation_score_ = None
            # a fit with early stopping tracks no training loss: a warm fit after partial_fit
            # kept that call's best_loss_ (0.607 against a loss curve down to 0.436; user trial,
            # session 27), where the attribute says None
            self.best_loss_ = None
        elif getattr(self, "_best_loss_of", self.loss) != self.loss:
            # a continued fit after set_params(loss=...): the old best is in another loss's
            # units, and a huber best of 0.0075 stopped an absolute-error fit still falling from
            # 0.097 to 0.070 after 11 of 60 epochs, without a word (review, session 32)
            self.best_loss_ = None
        no_improvement = 0
        converged = False  # the monitored loss stopped improving: an early stop
        warned_of_divergence = False
        step_in_fit = 0
        n_iter_before = self.n_iter_  # epochs of earlier fits (warm_start)

        for _ in range(n_epochs):
            started = time.perf_counter()
            order = rng.permutation(n_train)
            epoch_loss = 0.0
            for start in range(0, n_train, batch_size):
                batch = order[start:start + batch_size]
                loss, flat_grad = self._batch_gradients(job, batch, rng, runner, flat_params)
                grad_norm = clip_grad_norm({"all": flat_grad}, _unbool(self.clip_grad_norm))
                if not (math.isfinite(loss) and math.isfinite(grad_norm)):
                    raise _TrainingDivergedError(
                        self._epoch_in_words(n_iter_before, partial),
                        f"try a smaller learning_rate (now {self.learning_rate}) or "
                        "clip_grad_norm")
                self._optimizer.update_flat(flat_params, flat_grad, schedule(step_in_fit))
                step_in_fit += 1
                self.t_ += 1
                epoch_loss += loss * batch.size
            epoch_loss /= n_train
            self.loss_curve_.append(epoch_loss)
            self.n_iter_ += 1

            message = f"Epoch {self.n_iter_}: train loss {epoch_loss:.6f}"
            if validating:
                val_loss = self._evaluation_loss(val_input, Y_val, params, val_weights)
                score = -val_loss
                self.validation_loss_curve_.append(val_loss)
                self.validation_scores_.append(score)
                message += f", validation loss {val_loss:.6f}"
                if self.best_validation_score_ is not None and score < self.best_validation_score_ + self.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if self.best_validation_score_ is None or score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_params = copy.deepcopy(params)
            else:  # partial_fit too, as MLPRegressor keeps it (it stayed None there)
                if self.best_loss_ is not None and epoch_loss > self.best_loss_ - self.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if self.best_loss_ is None or epoch_loss < self.best_loss_:
                    self.best_loss_ = epoch_loss
                    self._best_loss_of = self.loss
            if self.verbose:
                print(f"{message}, {time.perf_counter() - started:.2f} s")
            if not partial and no_improvement > self.n_iter_no_change:
                converged = True
                if self.verbose:
                    what = "Validation score" if validating else "Training loss"
                    # no_improvement is n_iter_no_change + 1 here, as MLPRegressor counts
                    print(f"{what} did not improve more than tol={self.tol} for "
                          f"{no_improvement} consecutive epochs. Stopping.")
                break

        if validating:
            # restore the best epoch's weights in place (the optimiser holds the same arrays)
            for name, value in best_params.items():
                params[name][...] = value
        this_fit = self.loss_curve_[n_iter_before:]
        if not partial and len(this_fit) >= _MIN_EPOCHS_TO_JUDGE:
            level_loss = self._level_forecast_loss(X_train, Y_train, train_weights)
            # diverged: the loss jumped up after the first epoch, or no epoch came within a
            # factor of the level forecast's. A curve falling from above the level is a training
            # cut short (a random walk, anchor="last", 5 epochs: 1.21 down to 0.98 against 0.93;
            # a sine at learning_rate=1e-4: 1.30 down to 1.04 against 0.62; reviews, session
            # 18): the max_epochs warning below says that
            jumped = (max(this_fit[1:]) > _DIVERGED_JUMP * this_fit[0]
                      or min(this_fit) > _DIVERGED_LEVEL_RATIO * level_loss)
            # level_loss 0: every target left out (constant windows)
            if min(this_fit) >= level_loss > 0 and jumped:
                # too large a step makes the loss jump in the first epochs and stay up; the
                # early stop then read the flat curve as converged, and a model 5x off came with
                # no word (learning_rate=1.0 on the airline series, window 36, horizon 12:
                # losses 10-291 per epoch against the level's 1.60)
                level = ("each window's " + ("mean" if self.config_.anchor == "mean"
                                             else "last value")
                         if self.config_.normalize else "the training data's mean")
                warnings.warn(
                    f"AttentionForecaster: the training loss never fell below that of "
                    f"forecasting {level} (the network's output at zero): best epoch "
                    f"{min(this_fit):.4g} against {level_loss:.4g} (first epoch "
                    f"{this_fit[0]:.4g}, largest {max(this_fit):.4g}): training diverged and "
                    f"the model is unlikely to be useful; a smaller learning_rate (now "
                    f"{self.learning_rate}) helps.",
                    ConvergenceWarning,
                    stacklevel=stacklevel_of_caller(__name__, whole_package=True),
                )
                warned_of_divergence = True  # one warning: not also "max_epochs reached"
        if not partial and not converged and not warned_of_divergence:
            # "was still improving" was false when the last epochs rose above the best one:
            # what is known is that it improved by more than tol within the last epochs counted,
            # and only when more epochs ran than n_iter_no_change + 1 (the first epoch counts as
            # an improvement: with fewer, "improved by more than tol=10.0" was said of a loss
            # that fell by 0.1 an epoch; review, session 30)
            monitored = "validation score" if validating else "training loss"
            if len(this_fit) > self.n_iter_no_change + 1:
                why = (f"the {monitored} improved by more than tol={self.tol} within the last "
                       f"n_iter_no_change={self.n_iter_no_change} epochs")
            else:
                why = (f"{len(this_fit)} epoch(s) are too few to tell: training stops after "
                       f"n_iter_no_change + 1 = {self.n_iter_no_change + 1} epochs without an "
                       f"improvement of tol={self.tol} in the {monitored}")
            # 72 windows in batches of 256 are one step an epoch: "raise max_epochs" alone
            # pointed at thousands of epochs where the batch size was the cause (the recipe on
            # one short series; user trial, session 32)
            # (without the counts of this fit: backtest's fits at each origin warn alike, once)
            few_steps = (f", or a smaller batch_size (batch_size={self.batch_size} leaves fewer "
                         f"than {_FEW_STEPS_PER_EPOCH} optimiser steps an epoch)"
                         if steps_per_epoch < _FEW_STEPS_PER_EPOCH and n_train > 1
                         and self.batch_size > 1 else "")
            warnings.warn(
                f"AttentionForecaster: max_epochs={self.max_epochs} reached before training "
                f"converged: {why}; consider raising max_epochs{few_steps}.",
                ConvergenceWarning,
                stacklevel=stacklevel_of_caller(__name__, whole_package=True),  # the caller of fit, a
                # Pipeline's, a search's or an ensemble's (a fixed level pointed into them)
            )

    # ----------------------------------------------------------------------------------------
    # Prediction
    # ----------------------------------------------------------------------------------------
    def _network_inputs(self, X3):
        """The windows as the network reads them at predict time, float64 (n, T, C), and the
        affine map ``(shift, scale)``, each broadcastable to (n, 1, 1), that takes the network's
        forecasts to the data's units: ``forecast = shift + scale * output``.

        Without instance normalisation: the global scaling of fit (channel_mean_,
        channel_scale_). With it, the network's forecast of a window is equivariant to a shift
        and a scale of each of its channels (the normalisation takes them out and puts the
        target's back), so each window is fed shifted by its own midrange and divided by its own
        largest deviation from it, both computed in float64 from the data as given: the
        forecast keeps the window's own precision at any magnitude. Through the global scaling a
        window's values were first put relative to the training data, and a series far smaller
        than it kept only the last digits of its shape: the airline series times 1e-14 was
        forecast 3% off, times 1e-16 negative, with no word (user trial, session 17); between
        the two inputs the forecasts of ordinary windows differ by rounding (6e-16 relative).
        """
        X3 = np.asarray(X3, dtype=np.float64)
        if not self.config_.normalize:
            return (self._scale_X(X3, np.float64), self.channel_mean_[0],
                    self.channel_scale_[0])
        with np.errstate(over="ignore", invalid="ignore"):
            # halves first: max + min overflows for windows near float64's largest values
            shift = X3.max(axis=1, keepdims=True) / 2 + X3.min(axis=1, keepdims=True) / 2
            deviations = X3 - shift  # (n, T, C), at most half the range: finite
            span = np.abs(deviations).max(axis=1, keepdims=True)  # (n, 1, C)
            # a constant channel reads as zeros whatever it is divided by; a constant target's
            # forecast is its level: the network's output for it is instance norm's epsilon
            # (~1e-15) times a number, which the global scaling turned into noise in the last
            # digits (~4e-13 for zeros, airline model), and the scale 0 drops
            return (deviations / np.where(span > 0, span, 1.0), shift[:, :, :1],
                    span[:, :, :1])

    def _network_outputs(self, Xs, *, keep_attention=False):
        """The network's forecasts of the prepared windows ``Xs`` (see _network_inputs), in
        their units, (n, horizon, Q), and optionally the attention maps."""
        params, config = self._params64, self._config64
        # the compiled kernels index X by the network's time steps and channels without bounds
        # checks: a window of another shape would be read out of bounds (garbage forecasts), so
        # it is refused here whatever the checks upstream let through
        if Xs.shape[1:] != (config.n_timesteps, config.n_channels):
            raise ValueError(
                f"X has windows of shape {Xs.shape[1:]} (time steps, channels), but the network "
                f"was built for {config.n_timesteps} time step(s) and {config.n_channels} "
                f"channel(s) (config_); refit the model"
            )
        Xs = np.ascontiguousarray(Xs)
        pack = getattr(self, "_inference_pack", None)  # absent in models pickled before it
        if pack is not None and not keep_attention:
            # the whole forward in one compiled call, window by window (skattn.nn.inference):
            # faster than the op-by-op path at every batch size measured, and each window's
            # forecast is independent of the others in the batch
            return nn.forward_inference(pack, Xs)
        network_input = Xs if config.n_channels > 1 else Xs[:, :, 0]
        outputs, maps = [], []
        with _single_threaded_kernels():
            for start in range(0, Xs.shape[0], _PREDICT_CHUNK):
                pred, cache = nn.forward(params, network_input[start:start + _PREDICT_CHUNK], config,
                                         for_backward=False)
                outputs.append(pred if pred.ndim == 3 else pred[:, :, None])
                if keep_attention:
                    maps.append(nn.attention_probs(cache, config))
        out = np.concatenate(outputs)
        return (out, np.concatenate(maps)) if keep_attention else out

    def _forecast_values(self, X3, checked=True):
        """Forecasts in the data's units, (n, horizon, Q), the quantiles of each sorted, checked
        finite (``checked=False``: not checked, for :meth:`forecast`, whose recursion names the
        step and the fed-back values of one that is not).

        Each quantile has its own output, trained by its own pinball loss, so nothing stops a
        window's 0.1 forecast from lying above its 0.5 one: 9% of (window, step) pairs crossed
        after 60 epochs on the airline series, 39% after 3 (user trial, session 17). Sorting
        them (the monotone rearrangement of Chernozhukov, Fernandez-Val and Galichon, 2010)
        gives each window a quantile function that never decreases, and is no farther from the
        true one than the unsorted outputs are (their Proposition 1). A single quantile (or a
        point loss) is unchanged.
        """
        Xs, shift, scale = self._network_inputs(X3)
        with np.errstate(over="ignore", invalid="ignore"):
            out = shift + scale * self._network_outputs(Xs)
        if out.shape[-1] > 1:
            out = np.sort(out, axis=-1)
        return self._finite(out) if checked else out

    def _validated_windows3(self, X):
        """``X`` checked against the fitted model, as (n, T, C) windows."""
        X, _, _ = self._validate_X(X, reset=False)
        return X[:, :, None] if X.ndim == 2 else X

    def _median_index(self):
        return 0 if self.quantiles_ is None else int(np.argmin(np.abs(self.quantiles_ - 0.5)))

    def predict(self, X):
        """Forecast the values after each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, horizon)
            The shape of ``y`` at the last :meth:`fit` or :meth:`partial_fit` call (a 1-D
            ``y`` gives 1-D predictions). With ``loss="pinball"``, the quantile nearest 0.5 of
            the sorted quantile outputs (see :meth:`predict_quantiles`).
        """
        check_is_fitted(self)
        X3 = self._validated_windows3(X)
        out = self._forecast_values(X3)[:, :, self._median_index()]
        return out[:, 0] if self._y_is_1d else out

    @staticmethod
    def _finite(forecasts):
        """``forecasts``, checked finite: a forecast beyond float64's range is an error, not inf.
        (Until session 17, windows ~1e154 times the training data's spread overflowed instance
        normalisation's variance; fed in their own units, they no longer do.)"""
        if np.all(np.isfinite(forecasts)):
            return forecasts
        raise ValueError(
            "The forecasts overflowed: they go beyond the largest float64, ~1.8e308. Give windows "
            "in smaller units (with normalize=False, in the units of the training data)."
        )

    def predict_quantiles(self, X):
        """All predicted quantiles (``loss="pinball"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or (n_samples, horizon, n_quantiles)
            The forecasts at each quantile of ``quantiles_`` (in increasing order) along the last
            axis; without the horizon axis when ``y`` was 1-D at fit. They never decrease along
            that axis: each window's quantile outputs are sorted (monotone rearrangement), so they
            do not cross.

        Warns
        -----
        ~skattn.exceptions.ZeroWidthIntervalWarning
            When windows get intervals of zero width: constant windows (channel 0) with
            instance normalisation, whose quantiles all equal the window's value (a certainty
            nothing in training supports). Once per call, with their count; not as a member
            of a :class:`~skattn.ForecastEnsemble`, which warns of its combined intervals.
        """
        check_is_fitted(self)
        if self.quantiles_ is None:
            raise ValueError("predict_quantiles needs a model fitted with loss='pinball'")
        X3 = self._validated_windows3(X)
        out = self._forecast_values(X3)
        self._warn_of_constant_windows(X3, out)
        return out[:, 0, :] if self._y_is_1d else out

    def _warn_of_constant_windows(self, X3, quantiles):
        # instance normalisation scales each forecast by its window's spread, so a constant
        # window gets every quantile at its level: intervals of zero width, and training left
        # such windows out of the loss, so nothing supports that certainty. On intermittent
        # demand (runs of zeros) the truth lay above the 0.975 quantile after 11.7% of them,
        # while backtest's pooled coverage_95 read 0.950 (user trial, session 22). Read from
        # the forecasts, so the fitted normalisation decides (not a normalize set after fit)
        # and windows constant only as trained in float32 count too (review, session 22).
        # Only constant windows: a width under 1e-6 of the level alone flagged every window of
        # a series at 1e7 with noise 1 (intervals of width ~2.7, 80% coverage 0.78; quantile
        # trial, session 33)
        if quantiles.shape[-1] < 2:
            return
        rows = zero_width_rows(quantiles) & self._constant_as_trained(X3)  # (n,)
        if report_to_ensemble(rows):
            return  # an ensemble warns of its combined intervals
        zero = np.count_nonzero(rows)
        if zero:
            warnings.warn(
                f"AttentionForecaster: {windows_get(zero, X3.shape[0])} intervals "
                f"of zero width (every quantile equal): with instance normalisation a forecast is "
                f"scaled by its window's spread, 0 for a constant window (the target channel), "
                f"and constant windows are left out of the training loss, so the model has "
                f"learned nothing of what follows them. For such series use longer windows, a "
                f"model with normalize=False, or a baseline's forecast_quantiles of the whole "
                f"history (a baseline reading the window alone gives zero width too).",
                ZeroWidthIntervalWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))

    def _constant_as_trained(self, X3):
        """(n,) bool: the windows ``X3`` (n, T, C) whose target channel is constant in the
        training precision after the fitted scaling, as fit judges them (its windows of constant
        target are left out of the loss); all False without instance normalisation, whose
        forecasts are not scaled by the window's spread."""
        if not self.config_.normalize:
            return np.zeros(X3.shape[0], dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            target = ((X3[:, :, 0] - self.channel_mean_[0])
                      / self.channel_scale_[0]).astype(self.config_.dtype)  # (n, T)
        return np.ptp(target, axis=1) == 0

    def attention_weights(self, X):
        """The attention maps of every layer and head for each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_layers, n_heads, n_tokens, n_tokens)
            ``weights[i, l, h, a, b]`` is how much token (patch) ``a`` attends to token ``b``;
            rows sum to one.
        """
        check_is_fitted(self)
        X3 = self._validated_windows3(X)
        if self.config_.n_layers == 0:
            raise ValueError("the model has no attention layers (n_layers=0)")
        return self._network_outputs(self._network_inputs(X3)[0], keep_attention=True)[1]

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of one series.

        Reads the last window of ``history`` (a history shorter than the window is left-padded
        with its first value, the rule of :func:`skattn.make_windows`). When ``steps`` exceeds the
        trained horizon, the forecasts are appended to the history and fed back recursively.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D with ``n_channels_``
            columns, the covariates in channels 1.., for a model fitted with covariates.
        steps : int >= 1
            Number of future values.
        future_covariates : array-like of shape (n_future, n_channels - 1) or None, default=None
            Covariates of the future steps, first row at the first forecast value (1-D for one
            covariate). Covariates are past-only inputs of the model: channels 1.. of each
            window, like the target's history; the network never reads a covariate's value at
            the steps it forecasts. So future values matter only beyond the horizon, where the
            recursion appends forecast steps, with their covariates, to the window: a model with
            covariates needs at least ``(ceil(steps / horizon) - 1) * horizon`` rows when
            ``steps`` exceeds the horizon, and none within it; rows beyond those (all of them
            within the horizon) are checked but never read, and a UserWarning says so. Must be None
            for a model fitted without covariates. A covariate known in advance (a holiday, a
            planned promotion) can be given as a channel already shifted forward by the horizon,
            the value for ``t + horizon`` at position ``t``, in the windows of fit, in
            ``history`` and in ``future_covariates`` alike: each window then holds its values up
            to the last forecast step.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order; with ``loss="pinball"``, the quantile nearest 0.5.

        Raises
        ------
        ValueError
            When ``future_covariates`` is given to a model fitted without covariates, is needed
            and missing, or is given and not numeric, not finite, of the wrong shape or with
            fewer rows than needed; or when ``history`` or ``steps`` is invalid.

        Warns
        -----
        UserWarning
            When ``future_covariates`` has rows the recursion never reads (any within the
            horizon): covariates are past-only inputs.
        """
        check_is_fitted(self)
        if future_covariates is not None and self.n_channels_ == 1:
            # the baselines' rule: an argument the model cannot use is an error, not ignored
            raise ValueError(
                f"{type(self).__name__} was fitted without covariates (1 channel): "
                f"future_covariates must be None"
            )
        index = self._median_index()

        def predict_window(current):  # (window, C) -> (horizon,)
            # unchecked: fed-back forecasts that diverged out of float64's range said "give
            # windows in smaller units"; the recursion names the step, the fed-back values and
            # the steps that can be forecast (serving trial, session 29)
            return self._forecast_values(current[None], checked=False)[0, :, index]

        return recursive_forecast(predict_window, history, steps, window=self.n_features_in_,
                                  horizon=self.n_outputs_, n_channels=self.n_channels_,
                                  future_covariates=future_covariates, owner=self)

    def forecast_quantiles(self, history, steps=None):
        """Forecast every quantile of ``quantiles_`` for the next ``steps`` values of one series
        (``loss="pinball"`` only): prediction intervals from the end of ``history``.

        Reads the last window of ``history`` (left-padded with its first value when shorter, as
        :meth:`forecast` does) and returns the quantile outputs of its ``steps`` next values.
        Only within the trained horizon: beyond it, :meth:`forecast` feeds its median back as
        if it had been observed, and quantiles read from such windows would leave out the
        uncertainty of the values fed back (intervals too narrow, with no sign of it). Train
        with a horizon as long as the intervals you need. A history shorter than the window is
        padded, and warned about: intervals from windows mostly of padding are far too narrow.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, at least 2 values; 2-D with ``n_channels_``
            columns, the covariates in channels 1.., for a model fitted with covariates.
        steps : int or None, default=None
            Number of future values, at most the horizon (``n_outputs_``); None means the
            horizon.

        Returns
        -------
        quantiles : ndarray of shape (steps, n_quantiles)
            ``quantiles[t, k]`` is the forecast of quantile ``quantiles_[k]`` for the ``t``-th
            value after ``history``; non-decreasing along each row (as :meth:`predict_quantiles`).
            The column of the quantile nearest 0.5 is :meth:`forecast`'s values.

        Raises
        ------
        ValueError
            When the model was not fitted with ``loss="pinball"``, ``steps`` exceeds the
            horizon or is not an integer >= 1, or ``history`` is invalid or has a single value.

        Warns
        -----
        UserWarning
            When ``history`` is shorter than the window: it is left-padded, and intervals from
            such windows can be far too narrow. Once per fitted model.
        ~skattn.exceptions.ZeroWidthIntervalWarning
            When the window read is constant (a run of zeros of intermittent demand) with
            instance normalisation: every quantile is its value (see :meth:`predict_quantiles`).

        Examples
        --------
        >>> import numpy as np
        >>> from skattn import AttentionForecaster, make_windows
        >>> series = 10 + np.sin(np.arange(120) / 3)
        >>> X, y = make_windows(series, window=24, horizon=6)
        >>> model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), max_epochs=3,
        ...                             random_state=0).fit(X, y)
        >>> intervals = model.forecast_quantiles(series)
        >>> intervals.shape
        (6, 3)
        >>> bool(np.all(intervals[:, 0] <= intervals[:, 2]))
        True
        """
        check_is_fitted(self)
        if self.quantiles_ is None:
            raise ValueError("forecast_quantiles needs a model fitted with loss='pinball'")
        return forecast_quantiles_of(self, history, steps)
