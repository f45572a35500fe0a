"""Batch shards in worker processes: a training step without the GIL between its shards.

Why processes: a training step's shards could run on threads, whose kernels release the GIL (BLAS,
Numba ``nogil``), but the Python that calls them between kernels holds it, and two shards handing
the GIL back and forth lose time to each other. Measured on the M3 configuration of issue 5 (one
128-window shard's forward + backward, one BLAS thread each, 2 cores): 8.5-9.8 ms alone; two such
shards on two threads started together 11.3 / 12.1 ms; in two processes 9.3 / 9.5 ms
(docs/performance.md, "Session 7").

How: from two shards on, the calling thread runs shard 0 and each other shard runs in a worker
process of this module's pool. The workers are forked from the training process the first time
a fit wants them and then serve every later fit of that process (a fork per fit cost ~100 ms of
copy-on-write faults in the first steps after it, a tenth of a short fit). Per fit, the parent
puts everything a worker reads into one ``memfd`` (the training windows and targets, the
parameters, which the parent's optimiser updates in place, the step's arguments and the workers'
results) and hands it over with the pickled estimator, which rebuilds the shard job
(``AttentionForecaster._shard_gradients_job``) on views of that memory. Per step, one byte
posts the step and one byte answers it (an error answers with its pickled exception); nothing
else is copied or pickled. A round trip costs ~50 us.

Workers exit when their parent does (end-of-file on their socket, or a changed parent pid), and
when idle for a while: a forked worker after a minute, since it keeps the parent's memory as it
was at the fork, which the parent cannot give back while the worker lives; a spawned one after
ten minutes.

Forked or spawned: a worker is forked while the calling thread is the process's only Python
thread. With other Python threads alive (a Jupyter kernel has several) a fork could leave a lock
held in the child, so the pool spawns a fresh interpreter instead, in the background: that fit
trains on threads, and a later one finds the worker ready (~2 s to import skattn and load the
kernels). Only on Linux (``memfd``); when the pool is busy with another thread's fit, or the
estimator cannot be pickled (or unpickled in the worker: a class defined after the fork, or in
the ``__main__`` of a notebook for a spawned worker), or the system refuses a memfd or a
process, the estimator keeps its shards on threads.
"""
from __future__ import annotations

import atexit
import ctypes
import functools
import gc
import mmap
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings

import numpy as np

__all__ = ["ProcessShardRunner", "shard_bounds"]

_POST, _END_JOB, _DONE, _FAILED, _READY = b"p", b"x", b"d", b"e", b"r"
_IDLE_CHECK_SECONDS = 5.0  # how often an idle worker checks that its parent is alive
# An idle worker exits after this long without a fit: it holds the parent's memory as it was at
# the fork (copy-on-write), which the parent cannot free while the worker lives.
_IDLE_EXIT_SECONDS = 60.0
# A spawned worker pins nothing of the parent's, only its own interpreter: it waits longer.
_SPAWNED_IDLE_EXIT_SECONDS = 600.0
_ALIGN = 64


@functools.lru_cache(maxsize=64)
def shard_bounds(n_rows, n_shards_max, min_rows_per_shard):
    """Contiguous shards of ``n_rows`` rows: at most ``n_shards_max``, each of at least
    ``min_rows_per_shard`` rows when there are several. Depends on its arguments only, so threads
    and processes cut a batch alike."""
    n_shards = max(1, min(n_shards_max, n_rows // min_rows_per_shard))
    bounds = np.linspace(0, n_rows, n_shards + 1).astype(int)
    return tuple(slice(int(bounds[i]), int(bounds[i + 1])) for i in range(n_shards))


# ----------------------------------------------------------------------------------------------
# Byte-level helpers
# ----------------------------------------------------------------------------------------------
def _receive_exactly(sock, n_bytes):
    chunks = []
    while n_bytes:
        chunk = sock.recv(n_bytes)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n_bytes -= len(chunk)
    return b"".join(chunks)


def _send_error(sock, error):
    try:
        message = pickle.dumps(error)
    except Exception:
        message = pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
    sock.sendall(_FAILED + len(message).to_bytes(8, "little") + message)


def _receive_answer(sock):
    """The worker's answer: None when done, else its exception."""
    if _receive_exactly(sock, 1) == _DONE:
        return None
    length = int.from_bytes(_receive_exactly(sock, 8), "little")
    return pickle.loads(_receive_exactly(sock, length))


def _return_free_heap_to_the_os():
    # glibc's malloc_trim(0): a freshly forked worker gives back the free heap pages it shares
    # copy-on-write with its parent, so neither process copies them when it reuses that memory.
    # Elsewhere than glibc this does nothing.
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)


class _Layout:
    """Where each array of a fit lives in its shared memory: name -> (offset, shape, dtype)."""

    def __init__(self, arrays):
        self.entries = {}
        offset = 0
        for name, (shape, dtype) in arrays.items():
            dtype = np.dtype(dtype)
            self.entries[name] = (offset, tuple(shape), dtype.str)
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            offset += -(-size // _ALIGN) * _ALIGN
        self.n_bytes = max(offset, _ALIGN)

    def views(self, buffer):
        return {name: np.ndarray(shape, dtype=np.dtype(dtype), buffer=buffer, offset=offset)
                for name, (offset, shape, dtype) in self.entries.items()}


# ----------------------------------------------------------------------------------------------
# The worker process
# ----------------------------------------------------------------------------------------------
def _worker_main(sock, parent_pid, idle_exit_seconds):
    # the children of a fit's process stay out of the terminal's Ctrl-C: the parent handles
    # it and ends the job; a worker killed mid-step would leave the parent's step waiting
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .forecaster import _single_threaded_blas

    _single_threaded_blas()
    idle_since = time.monotonic()
    while True:
        sock.settimeout(_IDLE_CHECK_SECONDS)
        try:
            message, fds, _, _ = socket.recv_fds(sock, 8, 1)
        except TimeoutError:
            if (os.getppid() != parent_pid
                    or time.monotonic() - idle_since >= idle_exit_seconds):
                return  # the parent reaps it (waitpid) at its next fit or at exit
            continue
        sock.settimeout(None)
        if not message:
            return
        try:
            length = int.from_bytes(message + _receive_exactly(sock, 8 - len(message)), "little")
            blob = _receive_exactly(sock, length)
        except EOFError:
            return
        try:
            # fails for a class this process does not know, e.g. one defined after the fork
            spec = pickle.loads(blob)
        except Exception as error:
            os.close(fds[0])
            _send_error(sock, error)
            continue
        _serve_job(sock, fds[0], spec)
        idle_since = time.monotonic()


def _serve_job(sock, fd, spec):
    # the views die before the mapping is closed, at the end of this function
    shared = mmap.mmap(fd, spec["layout"].n_bytes)
    os.close(fd)
    try:
        views = spec["layout"].views(shared)
        estimator, index = spec["estimator"], spec["index"]
        offset, params = 0, {}
        for name, shape in spec["param_shapes"]:
            size = int(np.prod(shape, dtype=np.int64))
            params[name] = views["params"][offset:offset + size].reshape(shape)
            offset += size
        job = estimator._shard_gradients_job(params, views["inputs"], views["targets"],
                                             views.get("weights"))
        step, losses, out = views["step"], views["losses"], views["results"][index - 1]
        shards = spec["shards"]
    except Exception as error:
        _send_error(sock, error)
        return
    sock.sendall(_DONE)
    try:
        while True:
            order = sock.recv(1)
            if order != _POST:
                if not order:  # the parent has gone
                    os._exit(0)
                return  # _END_JOB
            n_rows, seed = int(step[0]), int(step[1])
            try:
                rows = shard_bounds(n_rows, *shards)[index]
                losses[index] = job(index, rows, step[2:2 + n_rows], seed, out)
            except Exception as error:
                _send_error(sock, error)
            else:
                sock.sendall(_DONE)
    finally:
        del views, params, job, step, losses, out
        shared.close()


# ----------------------------------------------------------------------------------------------
# The parent's pool of workers
# ----------------------------------------------------------------------------------------------
class _Pool:
    def __init__(self):
        self.lock = threading.Lock()  # held by the fit that uses the workers
        self.owner = None  # pid of the process that started them
        self.workers = []  # ready workers: (pid, socket)
        self.starting = []  # spawned workers not ready yet: (pid, socket)
        self.spawned = {}  # pid -> subprocess.Popen, for the spawned ones (ready or not)
        self.spawn_failed = False

    def acquire(self, n_workers):
        """``n_workers`` ready workers, forking missing ones where that is safe; else None.

        Where forking is not safe (other Python threads alive), missing workers are spawned in
        the background instead and this fit gets None; a later fit finds them ready. Call with
        nothing else to do on None than to use threads; release() when done.
        """
        if not self.lock.acquire(blocking=False):
            return None
        try:
            if self.owner != os.getpid():  # inherited from a forked parent: not ours to use
                self.workers, self.starting, self.spawned = [], [], {}
                self.owner = os.getpid()
            for worker in list(self.workers):  # reap the ones that died since (OOM killer...)
                if self._exited(worker[0]):
                    self.workers.remove(worker)
                    self._stop(*worker)
            self._collect_ready()
            while len(self.workers) < n_workers:
                try:
                    if not _can_fork():
                        self._spawn(n_workers - len(self.workers) - len(self.starting))
                        raise OSError("forking is not safe here")
                    self.workers.append(_fork_worker())
                except OSError:  # or the system refused (a limit on processes, say)
                    self.lock.release()
                    return None
            return self.workers[:n_workers]
        except BaseException:
            self.lock.release()
            raise

    def release(self):
        self.lock.release()

    def discard(self, pid):
        """Kill and forget a worker whose state is unknown (interrupted mid-message)."""
        for worker in self.workers:
            if worker[0] == pid:
                self.workers.remove(worker)
                self._stop(*worker, kill=True)
                return

    def shutdown(self):
        if self.owner != os.getpid():
            return
        workers, starting, self.workers, self.starting = self.workers, self.starting, [], []
        for worker in workers:
            self._stop(*worker)
        for worker in starting:  # still loading: not worth waiting for
            self._stop(*worker, kill=True)

    # -- spawned workers --------------------------------------------------------------------
    def _spawn(self, n_workers):
        if self.spawn_failed:
            return
        # the parent's module search path, so the worker imports the same skattn
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        for _ in range(n_workers):
            parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                process = subprocess.Popen(
                    [sys.executable, "-c", _SPAWNED_WORKER_CODE, str(child_sock.fileno()),
                     str(os.getpid())],
                    pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, env=env)
            except OSError:
                parent_sock.close()
                raise
            finally:
                child_sock.close()
            self.spawned[process.pid] = process
            self.starting.append((process.pid, parent_sock))

    def _collect_ready(self):
        # a spawned worker says b"r" once it has imported skattn and loaded its kernels
        for worker in list(self.starting):
            pid, sock = worker
            sock.setblocking(False)
            try:
                answer = sock.recv(1)
            except BlockingIOError:
                continue  # still starting
            finally:
                sock.setblocking(True)
            self.starting.remove(worker)
            if answer == _READY:
                self.workers.append(worker)
            else:  # it failed to start (skattn not importable there?): threads from now on
                self.spawn_failed = True
                self._stop(pid, sock)

    # -- waiting for a worker ---------------------------------------------------------------
    def _exited(self, pid):
        if pid in self.spawned:
            return self.spawned[pid].poll() is not None
        try:
            return os.waitpid(pid, os.WNOHANG)[0] == pid
        except ChildProcessError:  # reaped already (SIGCHLD ignored by the program)
            return True

    def _stop(self, pid, sock, kill=False):
        process = self.spawned.pop(pid, None)
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sock.close()  # end-of-file: an idle worker exits
        if process is not None:
            process.wait()
            return
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _can_fork():
    # Linux only (macOS's system libraries are not fork-safe), and only when the calling thread
    # is the only Python thread: a child starts with the forking thread alone, and a lock any
    # other thread held at the fork (a BLAS call, an import) would stay held in the child
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _fork_worker():
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    parent_pid = os.getpid()
    try:
        with warnings.catch_warnings():
            # Python >= 3.12 warns on any fork of a process with several OS threads; ours are
            # BLAS's parked pool (its library re-initialises it in the child through its own
            # fork handler); Python threads are excluded by _can_fork()
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        parent_sock.close()
        child_sock.close()
        raise
    if pid == 0:  # the worker: never returns
        status = 1
        try:
            parent_sock.close()
            for _, sibling in _POOL.workers + _POOL.starting:  # the other workers' parent ends
                sibling.close()
            gc.freeze()  # the inherited objects: the collector never touches (and copies) them
            _return_free_heap_to_the_os()
            _worker_main(child_sock, parent_pid, _IDLE_EXIT_SECONDS)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
    child_sock.close()
    return pid, parent_sock


# A spawned worker: a fresh interpreter (nothing inherited, so no lock can be stuck in it) that
# loads skattn and the kernels of a small fit before it says it is ready.
_SPAWNED_WORKER_CODE = (
    "import sys; from skattn._process_shards import _spawned_worker_main; "
    "_spawned_worker_main(int(sys.argv[1]), int(sys.argv[2]))"
)


def _spawned_worker_main(fd, parent_pid):
    sock = socket.socket(fileno=fd)
    try:
        _warm_up()
    except Exception:  # not fatal: the first step loads what it needs
        pass
    try:
        sock.sendall(_READY)
    except OSError:  # the parent has gone or given up on us
        return
    _worker_main(sock, parent_pid, _SPAWNED_IDLE_EXIT_SECONDS)


def _warm_up():
    # one tiny fit on one shard: loads (from Numba's cache) the kernels of the default model
    import warnings as _warnings

    from .forecaster import AttentionForecaster

    series = np.cumsum(np.random.default_rng(0).standard_normal((64, 30)), axis=1)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        AttentionForecaster(max_epochs=1, batch_size=64, random_state=0).fit(
            series[:, :24], series[:, 24:])


_POOL = _Pool()
atexit.register(_POOL.shutdown)


# ----------------------------------------------------------------------------------------------
# One fit's use of the pool
# ----------------------------------------------------------------------------------------------
class ProcessShardRunner:
    """Runs the estimator's shard job over each step's batch: shard 0 here, the others in workers.

    ``job(index, rows, batch, seed, out) -> float`` is ``estimator._shard_gradients_job(params,
    inputs, targets, weights)``, run here for shard 0; the workers rebuild it from the pickled
    ``estimator`` on shared copies of ``inputs``, ``targets`` and ``weights`` (the training
    windows' sample_weight, when not None) and on :attr:`shared_params`,
    which the caller must make the parameters' storage (``AdamW.use_flat_storage(params,
    out=runner.shared_params)``) before the first step. Shards are :func:`shard_bounds` of the
    batch size and results come back in shard order: a step's results do not depend on timing,
    nor on processes versus threads.

    Build it with :meth:`open`, which answers None when processes cannot be used; use it as a
    context manager (leaving it ends the job and frees the pool for the next fit).
    """

    def __init__(self, job, layout, messages, inputs, targets, weights, *, n_shards,
                 min_rows_per_shard, n_params, dtype):
        # see open()
        self._shards = (n_shards, min_rows_per_shard)
        self._n_params, self._dtype = n_params, np.dtype(dtype)
        self._workers = None
        fd = os.memfd_create("skattn-shards", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, layout.n_bytes)
            shared = mmap.mmap(fd, layout.n_bytes)
            views = layout.views(shared)
            views["inputs"][...] = inputs
            views["targets"][...] = targets
            if weights is not None:
                views["weights"][...] = weights
            self._step, self._losses = views["step"], views["losses"]
            self._results, self.shared_params = views["results"], views["params"]
            self._job = job
            self._workers = _POOL.acquire(n_shards - 1)
            if self._workers is None:
                return
            try:
                for (_, sock), message in zip(self._workers, messages):
                    socket.send_fds(sock, [len(message).to_bytes(8, "little")], [fd])
                    sock.sendall(message)
                errors = [self._answer(worker) for worker in self._workers]
            except BaseException:
                self._abandon()
                raise
            if any(error is not None for error in errors):
                # a worker could not rebuild the job (or died): the fit runs on threads; the
                # workers that did are told the job is over, the others wait for the next one
                for (pid, sock), error in zip(self._workers, errors):
                    if error is None:
                        try:
                            sock.sendall(_END_JOB)
                        except OSError:
                            _POOL.discard(pid)
                self._workers = None
                _POOL.release()
        finally:
            os.close(fd)

    @classmethod
    def open(cls, estimator, job, params, inputs, targets, *, weights=None, n_shards,
             min_rows_per_shard, max_rows, dtype):
        """A runner over the pool's workers, or None where they cannot be used (see the module)."""
        if n_shards < 2 or not sys.platform.startswith("linux") or not hasattr(os, "memfd_create"):
            return None
        n_params = sum(value.size for value in params.values())
        dtype = np.dtype(dtype)
        arrays = {
            "step": ((2 + max_rows,), np.int64),  # n_rows, seed, the batch's row indices
            "losses": ((n_shards,), np.float64),
            "results": ((n_shards - 1, n_params), dtype),
            "params": ((n_params,), dtype),
            "inputs": (inputs.shape, inputs.dtype),
            "targets": (targets.shape, targets.dtype),
        }
        if weights is not None:  # (n,): absent from an unweighted fit's layout
            arrays["weights"] = (weights.shape, weights.dtype)
        layout = _Layout(arrays)
        param_shapes = [(name, value.shape) for name, value in params.items()]
        try:  # one message per worker, before any worker is taken
            messages = [pickle.dumps({"layout": layout, "param_shapes": param_shapes,
                                      "index": index, "shards": (n_shards, min_rows_per_shard),
                                      "estimator": estimator})
                        for index in range(1, n_shards)]
        except (pickle.PicklingError, AttributeError, TypeError):
            return None  # an estimator that cannot be pickled (a local subclass, say): threads
        try:
            runner = cls(job, layout, messages, inputs, targets, weights, n_shards=n_shards,
                         min_rows_per_shard=min_rows_per_shard, n_params=n_params, dtype=dtype)
        except OSError:  # no shared memory or no worker to be had here (a sandbox's limits)
            return None
        return None if runner._workers is None else runner

    def _answer(self, worker):
        pid, sock = worker
        try:
            return _receive_answer(sock)
        except EOFError:
            _POOL.discard(pid)
            return RuntimeError(f"the shard worker process {pid} died during a training step")

    def run(self, batch, seed):
        """Run the job over ``batch``'s shards; return ``[(loss, gradient), ...]`` in shard order.

        The gradients of shards 1.. are views of the shared results: read them before the next
        call. Raises the first shard's error after every shard has finished.
        """
        n_rows = batch.size
        shards = shard_bounds(n_rows, *self._shards)
        self._step[0], self._step[1] = n_rows, seed
        self._step[2:2 + n_rows] = batch
        posted = self._workers[:len(shards) - 1]
        try:
            for _, sock in posted:
                sock.sendall(_POST)
            first_out = np.empty(self._n_params, self._dtype)
            try:
                first = self._job(0, shards[0], batch, seed, first_out)
            finally:
                # the workers are using the shared buffers: always wait for them
                errors = [self._answer(worker) for worker in posted]
        except BaseException as error:
            if not isinstance(error, Exception) or isinstance(error, OSError):
                self._abandon()  # interrupted mid-protocol: the workers' state is unknown
            raise
        for error in errors:
            if error is not None:
                raise error
        return [(first, first_out),
                *((float(self._losses[index]), self._results[index - 1])
                  for index in range(1, len(shards)))]

    def _abandon(self):
        if self._workers is not None:
            for pid, _ in self._workers:
                _POOL.discard(pid)
            self._workers = None
            _POOL.release()

    def close(self):
        if self._workers is None:
            return
        workers, self._workers = self._workers, None
        for pid, sock in workers:
            try:
                sock.sendall(_END_JOB)
            except OSError:
                _POOL.discard(pid)
        _POOL.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
