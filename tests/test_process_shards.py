"""Training shards in worker processes (skattn/_process_shards.py).

The behaviour that matters runs in fresh interpreters: the pool forks only when the calling
thread is the process's only Python thread, which the test process cannot promise (joblib's
loky executor, for one, keeps threads alive after the search tests).
"""
import subprocess
import sys
import time

import pytest

from skattn._process_shards import shard_bounds

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="worker processes are used on Linux only")

_PRELUDE = r"""
import os, sys, warnings
import numpy as np
import skattn.forecaster as F
import skattn._process_shards as P
from skattn import AttentionForecaster
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
series = np.cumsum(rng.standard_normal((160, 40)), axis=1)
X, y = series[:, :30], series[:, 30:]
KW = dict(d_model=16, n_heads=2, n_layers=1, patch_len=5, dropout=0.1, batch_size=32,
          max_epochs=4, n_jobs=2, random_state=0)   # 5 steps per epoch: 20 steps

runs = []
_run = P.ProcessShardRunner.run
def counting_run(self, batch, seed):
    runs.append(batch.size)
    return _run(self, batch, seed)
P.ProcessShardRunner.run = counting_run
"""


def _run_script(body, timeout=240):
    result = subprocess.run([sys.executable, "-c", _PRELUDE + body], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie is gone
    except OSError:
        return True


def test_processes_train_bitwise_like_threads_and_recover_from_errors():
    out = _run_script(r"""
PARENT = os.getpid()

class FailsInTheWorker(AttentionForecaster):
    def _shard_gradients_job(self, params, inputs, targets, weights=None):
        job = super()._shard_gradients_job(params, inputs, targets, weights)
        def failing(index, rows, batch, seed, out):
            if index == 1 and os.getpid() != PARENT:
                raise ArithmeticError("shard 1 failed in the worker")
            return job(index, rows, batch, seed, out)
        return failing

class KillsTheWorker(AttentionForecaster):
    def _shard_gradients_job(self, params, inputs, targets, weights=None):
        job = super()._shard_gradients_job(params, inputs, targets, weights)
        def dying(index, rows, batch, seed, out):
            if os.getpid() != PARENT:
                os._exit(3)
            return job(index, rows, batch, seed, out)
        return dying

F._SHARDS_IN_PROCESSES = False
threads = AttentionForecaster(**KW).fit(X, y)
assert not runs and not P._POOL.workers
F._SHARDS_IN_PROCESSES = True
processes = AttentionForecaster(**KW).fit(X, y)
assert len(runs) == 20 and len(P._POOL.workers) == 1, (len(runs), P._POOL.workers)
np.testing.assert_array_equal(processes.predict(X), threads.predict(X))
assert processes.loss_curve_ == threads.loss_curve_
def memory_owner(array):
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array
import mmap
for name, value in processes.params_.items():  # the fitted weights are private memory again
    assert not isinstance(memory_owner(value), mmap.mmap), name
# float64 and early stopping (weights restored in shared memory, then copied out) as well, and
# sample_weight (the windows' weights shared with the workers)
W = np.linspace(0.1, 3.0, len(X))
for extra, fit_kw in (({"dtype": "float64"}, {}), ({"early_stopping": True, "max_epochs": 6}, {}),
                      ({}, {"sample_weight": W}),
                      ({"early_stopping": True, "max_epochs": 6}, {"sample_weight": W})):
    F._SHARDS_IN_PROCESSES = False
    a = AttentionForecaster(**{**KW, **extra}).fit(X, y, **fit_kw).predict(X)
    F._SHARDS_IN_PROCESSES = True
    runs.clear()
    b = AttentionForecaster(**{**KW, **extra}).fit(X, y, **fit_kw).predict(X)
    assert runs, extra  # the workers trained
    np.testing.assert_array_equal(a, b)
    if fit_kw:
        assert not np.array_equal(b, AttentionForecaster(**{**KW, **extra}).fit(X, y).predict(X))
worker = P._POOL.workers[0][0]

class DefinedAfterTheFork(AttentionForecaster):
    pass

# the worker cannot unpickle a class it has never seen: this fit runs on threads
runs.clear()
late = DefinedAfterTheFork(**KW).fit(X, y)
assert not runs
np.testing.assert_array_equal(late.predict(X), threads.predict(X))

try:
    FailsInTheWorker(**KW).fit(X, y)
except ArithmeticError as error:
    assert "shard 1 failed in the worker" in str(error)
else:
    raise AssertionError("the worker's error was not raised")
# the same worker serves the next fit, which gives the same model as before
again = AttentionForecaster(**KW).fit(X, y)
assert P._POOL.workers[0][0] == worker
np.testing.assert_array_equal(again.predict(X), threads.predict(X))

try:
    KillsTheWorker(**KW).fit(X, y)
except RuntimeError as error:
    assert "died" in str(error), error
else:
    raise AssertionError("the dead worker went unnoticed")
assert worker not in [pid for pid, _ in P._POOL.workers]
# a new worker is forked for the next fit
again = AttentionForecaster(**KW).fit(X, y)
np.testing.assert_array_equal(again.predict(X), threads.predict(X))
assert len(P._POOL.workers) == 1 and P._POOL.workers[0][0] != worker
print("ok")
""")
    assert out.strip().endswith("ok")


def test_short_fits_unpicklable_estimators_and_refusing_systems_keep_shards_on_threads():
    out = _run_script(r"""
AttentionForecaster(**{**KW, "max_epochs": 3}).fit(X, y)  # 15 steps: below the minimum
assert not runs and not P._POOL.workers
def local_class():
    class Local(AttentionForecaster):  # cannot be pickled by reference
        pass
    return Local
local = local_class()(**KW).fit(X, y)
assert not runs and not P._POOL.workers
F._SHARDS_IN_PROCESSES = False
threads = AttentionForecaster(**KW).fit(X, y).predict(X)
F._SHARDS_IN_PROCESSES = True
np.testing.assert_array_equal(local.predict(X), threads)
# a system that refuses shared memory or a new process: threads, the same model
def refuse(*args, **kwargs):
    raise OSError("not here")
for name in ("memfd_create", "fork"):
    saved = getattr(os, name)
    setattr(os, name, refuse)
    try:
        refused = AttentionForecaster(**KW).fit(X, y).predict(X)
    finally:
        setattr(os, name, saved)
    assert not runs and not P._POOL.workers and not P._POOL.lock.locked(), name
    np.testing.assert_array_equal(refused, threads)
AttentionForecaster(**KW).fit(X, y)  # and processes again after
assert len(runs) == 20 and len(P._POOL.workers) == 1
print("ok")
""")
    assert out.strip().endswith("ok")


@pytest.mark.parametrize("ending", ["normal exit", "os._exit"])
def test_workers_end_with_their_parent(ending):
    # a normal exit closes and reaps them (atexit); without it they read end-of-file and exit
    finish = "sys.stdout.flush(); os._exit(0)" if ending == "os._exit" else ""
    out = _run_script(r"""
AttentionForecaster(**KW).fit(X, y)
print(P._POOL.workers[0][0])
""" + finish)
    pid = int(out.split()[-1])
    deadline = time.monotonic() + 30
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid)


def test_an_idle_worker_exits_and_the_next_fit_forks_another():
    out = _run_script(r"""
import time
P._IDLE_CHECK_SECONDS, P._IDLE_EXIT_SECONDS = 0.1, 0.5  # inherited by the worker at the fork
first = AttentionForecaster(**KW).fit(X, y)
worker = P._POOL.workers[0][0]
time.sleep(3)
with open(f"/proc/{worker}/stat") as handle:  # exited, not yet reaped by us
    assert handle.read().rsplit(")", 1)[1].split()[0] == "Z"
again = AttentionForecaster(**KW).fit(X, y)
assert len(runs) == 40 and [pid for pid, _ in P._POOL.workers] != [worker]
np.testing.assert_array_equal(again.predict(X), first.predict(X))
print("ok")
""")
    assert out.strip().endswith("ok")


def test_workers_reaped_by_the_system_are_replaced():
    # a program that ignores SIGCHLD has its children reaped by the kernel: waitpid then fails
    out = _run_script(r"""
import signal, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
P._IDLE_CHECK_SECONDS, P._IDLE_EXIT_SECONDS = 0.1, 0.3
first = AttentionForecaster(**KW).fit(X, y)
worker = P._POOL.workers[0][0]
time.sleep(2)  # the idle worker has exited and is gone
again = AttentionForecaster(**KW).fit(X, y)
assert len(runs) == 40 and P._POOL.workers[0][0] != worker
np.testing.assert_array_equal(again.predict(X), first.predict(X))
print("ok")
""")
    assert out.strip().endswith("ok")


def test_with_other_threads_alive_a_worker_is_spawned_in_the_background():
    # forking is unsafe with other Python threads (a Jupyter kernel has several): the first fit
    # trains on threads while a fresh interpreter loads skattn; later fits use it
    out = _run_script(r"""
import threading, time
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
first = AttentionForecaster(**KW).fit(X, y)
assert not runs and not P._POOL.workers and len(P._POOL.starting) == 1
deadline = time.monotonic() + 120
while not runs and time.monotonic() < deadline:
    time.sleep(0.2)
    again = AttentionForecaster(**KW).fit(X, y)
assert len(runs) == 20, len(runs)
worker = P._POOL.workers[0][0]
assert worker in P._POOL.spawned
np.testing.assert_array_equal(again.predict(X), first.predict(X))
print(worker)
""")
    pid = int(out.split()[-1])
    assert _gone(pid)  # stopped and reaped when the script exited


def test_shard_bounds_cover_the_rows_in_order():
    assert shard_bounds(10, 2, 8) == (slice(0, 10),)  # 5-row shards would be too small
    assert shard_bounds(256, 2, 8) == (slice(0, 128), slice(128, 256))
    bounds = shard_bounds(101, 3, 8)
    assert [b.start for b in bounds] == [0, 33, 67] and bounds[-1].stop == 101
