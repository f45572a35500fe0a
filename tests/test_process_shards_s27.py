"""Shard worker processes and the code they run, their zombies, and the interpreter's exit
(a user trial, session 27; skattn/_process_shards.py).

A long-lived forked worker holds the parent's code as it was at the fork and finds the
estimator's class by name: a class redefined, a method patched or a helper replaced after the
fork trained the worker's shards with the old code, silently (forecasts 4.5e-2 apart from the
same fit on threads). Like tests/test_process_shards.py, the scripts run in fresh interpreters,
where the calling thread is the only Python thread and the pool forks.
"""
import os
import subprocess
import sys

import pytest
from test_process_shards import _PRELUDE as _BASE_PRELUDE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="worker processes are used on Linux only")

# the fresh interpreter's data, model and counted runs of tests/test_process_shards.py, and
# helpers of these tests
_PRELUDE = "import time\n" + _BASE_PRELUDE + r"""
def on_threads(kind):
    F._SHARDS_IN_PROCESSES = False
    try:
        return kind(**KW).fit(X, y).predict(X)
    finally:
        F._SHARDS_IN_PROCESSES = True

def on_processes(kind):
    runs.clear()
    forecasts = kind(**KW).fit(X, y).predict(X)
    assert runs, "the fit did not use the worker processes"
    return forecasts

def worker_pids():
    return [pid for pid, _ in P._POOL.workers]
"""


def _run_script(body, prefix="", timeout=120):
    result = subprocess.run([sys.executable, "-c", prefix + _PRELUDE + body],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_a_class_redefined_after_the_fork_trains_in_a_fresh_worker_as_on_threads():
    # the trial's notebook pattern: a cell defining the class run again with other code
    out = _run_script(r"""
class Mine(AttentionForecaster):  # the first version: a loss (and gradient) 100 times larger
    def _loss_and_grad(self, pred, target, cache, config, w=None):
        loss, grad = super()._loss_and_grad(pred, target, cache, config, w)
        return loss * 100, grad * 100

first = on_processes(Mine)  # forks the worker, which holds this version
old_worker = worker_pids()
np.testing.assert_array_equal(first, on_threads(Mine))

class Mine(AttentionForecaster):  # the cell run again: the plain loss
    pass

again = on_processes(Mine)
np.testing.assert_array_equal(again, on_threads(Mine))
np.testing.assert_array_equal(again, on_threads(AttentionForecaster))
new_worker = worker_pids()
assert new_worker != old_worker and len(new_worker) == 1  # retired, and a fresh fork serves
# nothing changed since: the same worker serves the next fit
np.testing.assert_array_equal(on_processes(Mine), again)
assert worker_pids() == new_worker
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_a_method_patched_after_the_fork_and_patched_back_trains_as_on_threads():
    out = _run_script(r"""
plain = on_processes(AttentionForecaster)  # forks the worker
original = AttentionForecaster._loss_and_grad

def scaled(self, pred, target, cache, config, w=None):
    loss, grad = original(self, pred, target, cache, config, w)
    return loss * 100, grad * 100

AttentionForecaster._loss_and_grad = scaled
patched = on_processes(AttentionForecaster)
np.testing.assert_array_equal(patched, on_threads(AttentionForecaster))
assert not np.array_equal(patched, plain)
AttentionForecaster._loss_and_grad = original  # and back: the worker forked meanwhile is stale
np.testing.assert_array_equal(on_processes(AttentionForecaster), plain)
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_a_helper_the_class_calls_redefined_after_the_fork_trains_as_on_threads():
    # a module-level function, not a method: a notebook cell defining the helper run again
    out = _run_script(r"""
def scale():
    return 1.0

class Scaled(AttentionForecaster):
    def _loss_and_grad(self, pred, target, cache, config, w=None):
        loss, grad = super()._loss_and_grad(pred, target, cache, config, w)
        return loss * scale(), grad * scale()

plain = on_processes(Scaled)  # forks the worker
np.testing.assert_array_equal(plain, on_threads(AttentionForecaster))

def scale():
    return 100.0

helper = on_processes(Scaled)
np.testing.assert_array_equal(helper, on_threads(Scaled))
assert not np.array_equal(helper, plain)
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_skattns_own_function_patched_after_the_fork_trains_as_on_threads():
    # training calls nn.forward as a module's attribute
    out = _run_script(r"""
import skattn.nn as nn

plain = on_processes(AttentionForecaster)  # forks the worker
forward = nn.forward
def shifted_forward(params, x, config, **kwargs):
    pred, cache = forward(params, x, config, **kwargs)
    return pred + pred.dtype.type(0.5), cache

nn.forward = shifted_forward
shifted = on_processes(AttentionForecaster)
np.testing.assert_array_equal(shifted, on_threads(AttentionForecaster))
assert not np.array_equal(shifted, plain)
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_a_spawned_worker_without_the_parents_patch_leaves_the_fit_on_threads():
    # a spawned worker's code is what importing skattn gives: a method patched in the parent is
    # not in it, and a fresh spawn would not have it either, so the worker stays, unused by that
    # estimator's fits
    out = _run_script(r"""
import threading
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()  # forking is unsafe: the pool spawns
plain = on_threads(AttentionForecaster)
deadline = time.monotonic() + 60
while not runs and time.monotonic() < deadline:  # until the spawned worker is ready
    AttentionForecaster(**KW).fit(X, y)
    time.sleep(0.2)
assert runs and worker_pids()[0] in P._POOL.spawned
worker = worker_pids()

original = AttentionForecaster._loss_and_grad
def scaled(self, pred, target, cache, config, w=None):
    loss, grad = original(self, pred, target, cache, config, w)
    return loss * 100, grad * 100
AttentionForecaster._loss_and_grad = scaled

runs.clear()
patched = AttentionForecaster(**KW).fit(X, y).predict(X)
assert not runs and worker_pids() == worker  # on threads; the worker kept
np.testing.assert_array_equal(patched, on_threads(AttentionForecaster))
AttentionForecaster._loss_and_grad = original
np.testing.assert_array_equal(on_processes(AttentionForecaster), plain)
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_an_exited_idle_worker_is_reaped_by_the_next_fit_that_asks_for_workers_even_on_threads():
    out = _run_script(r"""
P._IDLE_CHECK_SECONDS, P._IDLE_EXIT_SECONDS = 0.1, 0.5  # inherited by the worker at the fork
on_processes(AttentionForecaster)
worker = worker_pids()[0]
time.sleep(2)
with open(f"/proc/{worker}/stat") as handle:  # exited, not yet reaped: a zombie
    assert handle.read().rsplit(")", 1)[1].split()[0] == "Z"

def local_class():
    class Local(AttentionForecaster):  # cannot be pickled: its fit keeps its shards on threads
        pass
    return Local

runs.clear()
local_class()(**KW).fit(X, y)
assert not runs and not P._POOL.workers
assert not os.path.exists(f"/proc/{worker}")  # reaped
print("ok")
""")
    assert out.stdout.strip().endswith("ok")


def test_a_daemon_threads_fit_at_the_interpreters_exit_ends_quietly():
    # The trial's script printed a traceback ending "OSError: [Errno 9] Bad file descriptor" at
    # exit: the pool's atexit handler had closed the sockets of the fit still running in a
    # daemon thread. A handler registered before skattn's runs after it and gives the thread
    # time to meet the closed socket.
    prefix = r"""
import atexit, threading
ended, fit_thread = threading.Event(), None
def after_skattn():
    ended.wait(20)
    fit_thread.join(5)  # its traceback, if any, printed by now
    print("the fit's thread ended:", ended.is_set() and not fit_thread.is_alive(), flush=True)
atexit.register(after_skattn)
"""
    result = _run_script(r"""
on_processes(AttentionForecaster)  # forks the worker while this is the only thread
more = np.tile(X, (20, 1)), np.tile(y, (20, 1))
def long_fit():
    try:
        AttentionForecaster(**{**KW, "max_epochs": 200}).fit(*more)
    finally:
        ended.set()
fit_thread = threading.Thread(target=long_fit, daemon=True)
fit_thread.start()
deadline = time.monotonic() + 30
runs.clear()
while len(runs) < 3 and time.monotonic() < deadline:  # under way, on the worker process
    time.sleep(0.05)
assert len(runs) >= 3
print("exiting", flush=True)
""", prefix=prefix)
    assert "the fit's thread ended: True" in result.stdout
    assert "Traceback" not in result.stderr and "Bad file descriptor" not in result.stderr, \
        result.stderr[-3000:]


def test_the_code_digest_is_the_same_in_fresh_interpreters_and_follows_a_patch():
    # a spawned worker compares its digest with its parent's: the digest must not depend on the
    # interpreter's string hashing (frozenset constants), on reference counts or on what the
    # process did before (copyreg's __slotnames__ cache, added at the first pickling)
    script = r"""
import pickle
from skattn._process_shards import _code_fingerprint
from skattn import AttentionForecaster
if PICKLE_FIRST:
    pickle.dumps(AttentionForecaster())
before = _code_fingerprint(AttentionForecaster)
original = AttentionForecaster._loss_and_grad
def patched(self, *args, **kwargs):
    return original(self, *args, **kwargs)
AttentionForecaster._loss_and_grad = patched
during = _code_fingerprint(AttentionForecaster)
AttentionForecaster._loss_and_grad = original
print(before, during, _code_fingerprint(AttentionForecaster))
"""
    digests = []
    for seed, pickle_first in (("1", False), ("2", True)):
        result = subprocess.run(
            [sys.executable, "-c", f"PICKLE_FIRST = {pickle_first}" + script],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr[-3000:]
        digests.append(result.stdout.split()[-3:])
    assert digests[0] == digests[1]
    before, during, after = digests[0]
    assert during != before and after == before
