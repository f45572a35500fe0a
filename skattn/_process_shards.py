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

Whose code: a worker finds the estimator's class by name in its own memory, and a forked one
holds the parent's code as it was at the fork: a class redefined since (a notebook cell run
again, ``importlib.reload``), a method patched on it or a helper it calls replaced would train
the worker's shards with the old code, silently (a user trial, session 27: forecasts 4.5e-2
apart from the same fit on threads). So each fit sends a digest of its code
(:class:`_Fingerprint`, which says what it covers), a worker whose own digest differs does not
train, and the parent retires it and forks a fresh one (a spawned worker, whose code is what its
imports found, keeps this fit's shards on threads instead). Measured (session 27, 2 loaded
cores): 0.06-0.3 ms per fit on each side while nothing changed (identity checks of ~650
objects), against 30-150 ms for the smallest fit that uses processes; ~10 ms for the first fit
of a process; ~50 ms once for the fresh fork after a change.

When a worker exits on its own (idle), it stays a zombie (its memory freed, its pid kept) until
the parent reaps it, with a non-blocking ``waitpid``, at the next fit that asks for workers
(:meth:`ProcessShardRunner.open`, whether the fit then uses them or not) or at exit; fits on one
shard, shorter fits and predictions do not look at the pool. Sooner would need something to run
in the parent when a worker exits, a SIGCHLD handler or a thread, which a library must not
install in its user's process; and the pid kept is what lets the pool kill or wait for a worker
by its pid without hitting another process.

At exit the pool stops its workers (atexit); a fit still running then in a daemon thread ends
that thread quietly (:func:`_exit_quietly`).

Errors and warnings: a shard's exception comes back pickled with its traceback's text, which
becomes its cause in the parent (one that does not unpickle comes back as a RuntimeError of its
text, session 31). A shard's warnings are not sent back: the package's own job raises none
(its forward and backward run under ``np.errstate``, session 31), but a subclass's job that
warns is heard on threads and not in a worker (review, session 31; left so, since a step's
round trip would have to carry them).
"""
from __future__ import annotations

import atexit
import builtins
import ctypes
import functools
import gc
import hashlib
import importlib
import mmap
import os
import pickle
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import traceback
import types
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
    """Answer ``error`` (raised in a shard job; called in its ``except`` block), with its
    traceback's text. An exception that pickles but does not unpickle (a class whose
    constructor wants other arguments than its ``args``) is sent as a RuntimeError of its text:
    it failed to load in the parent, which left the other workers' answers unread, and every
    later step of that pool read one answer late, a fit's gradients while the workers still
    wrote them (review, session 31)."""
    text = traceback.format_exc()
    try:
        message = pickle.dumps((error, text))
        pickle.loads(message)
    except Exception:
        message = pickle.dumps((RuntimeError(f"{type(error).__name__}: {error}"), text))
    sock.sendall(_FAILED + len(message).to_bytes(8, "little") + message)


def _died(pid):
    """The error of a worker that died during a training step: the system's out-of-memory killer
    is the usual cause."""
    return RuntimeError(f"the shard worker process {pid} died during a training step (killed "
                        f"by the system? memory is the usual cause: n_jobs=1 trains without "
                        f"worker processes)")


def _receive_answer(sock):
    """The worker's answer, read whole: None when done, else its exception, the worker's
    traceback attached as its cause (it said only where the parent re-raised it)."""
    if _receive_exactly(sock, 1) == _DONE:
        return None
    length = int.from_bytes(_receive_exactly(sock, 8), "little")
    message = _receive_exactly(sock, length)
    from ._worker_warnings import WorkerTraceback  # the parent's: the package is imported
    try:
        error, text = pickle.loads(message)
    except Exception as exc:  # noqa: BLE001 -- the answer was read whole: the protocol holds
        return RuntimeError(f"a shard worker's error could not be read back: {exc!r}")
    error.__cause__ = WorkerTraceback(text)
    error.__suppress_context__ = True
    return error


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
# Which code a worker would train with
# ----------------------------------------------------------------------------------------------
class _StaleCode(Exception):
    """The worker's code for the fit's estimator is not its parent's: it must not train."""


_MISSING = object()
# values whose repr is their value, the same in every interpreter
_CONSTANT_TYPES = frozenset({type(None), bool, int, float, complex, str, bytes})
_BUILTIN_NAMES = frozenset(vars(builtins))
# id(code) -> (code, digest, names): a code object never changes, and the entry keeps it alive so
# that its id is not reused
_CODE_DIGESTS = {}
# (module, qualname) -> the _Fingerprint of the class last seen under that name
_FINGERPRINTS = {}
# module name -> whether the walk follows its functions' global names
_FOLLOWED_MODULES = {}


@functools.lru_cache(maxsize=1)
def _library_dirs():
    """Where installed libraries live: the standard library and the site-packages."""
    paths = {sysconfig.get_paths().get(name) for name in ("stdlib", "platstdlib", "purelib",
                                                           "platlib")}
    try:
        paths.update(site.getsitepackages())
        paths.add(site.getusersitepackages())
    except AttributeError:  # an old virtualenv's site module
        pass
    return tuple(os.path.join(os.path.realpath(path), "") for path in paths if path)


def _followed(module_name):
    """Whether the walk reads the global names of a function of this module: skattn's, and the
    code outside the installed libraries (the program's own modules, ``__main__``, a notebook's
    cells). A library's functions are left out: following them would walk much of NumPy and
    scikit-learn, and programs seldom patch them."""
    followed = _FOLLOWED_MODULES.get(module_name)
    if followed is None:
        module = sys.modules.get(module_name) if isinstance(module_name, str) else None
        if module is None:
            followed = False
        elif module_name == "skattn" or module_name.startswith("skattn."):
            followed = True
        else:
            path = getattr(module, "__file__", None)  # None: __main__ of a REPL or a notebook
            followed = not (isinstance(path, str)
                            and os.path.realpath(path).startswith(_library_dirs()))
        _FOLLOWED_MODULES[module_name] = followed
    return followed


def _code_digest(code):
    """``(digest, names)``: what a function's code does, and the global or attribute names that
    it and the code nested in it (comprehensions, lambdas, inner functions) use.

    Made from the bytecode, names, argument counts, flags and constants rather than from
    ``marshal.dumps(code)``, whose output depends on reference counts (format 3 and up) and orders
    a frozenset constant by its elements' hashes, which differ between interpreters: a spawned
    worker's digest must be its parent's for the same source. Line numbers and the file name are
    left out (code that only moved is the same code); ``co_code`` is the bytecode without the
    interpreter's specialisations (3.11 and up).
    """
    entry = _CODE_DIGESTS.get(id(code))
    if entry is not None and entry[0] is code:
        return entry[1], entry[2]
    digest, names = hashlib.blake2b(digest_size=16), {}

    def add(part):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)

    def feed(each):
        names.update(dict.fromkeys(each.co_names))
        add(repr((getattr(each, "co_qualname", each.co_name), each.co_argcount,
                  each.co_posonlyargcount, each.co_kwonlyargcount, each.co_flags,
                  each.co_names, each.co_varnames, each.co_freevars, each.co_cellvars)).encode())
        add(each.co_code)
        add(getattr(each, "co_exceptiontable", b""))
        for constant in each.co_consts:
            if isinstance(constant, types.CodeType):
                feed(constant)
            elif isinstance(constant, frozenset):
                add(repr(sorted(map(repr, constant))).encode())
            else:
                add(repr(constant).encode())

    feed(code)
    if len(_CODE_DIGESTS) > 100_000:  # classes redefined very many times over: start again
        _CODE_DIGESTS.clear()
    result = digest.hexdigest(), tuple(names)
    _CODE_DIGESTS[id(code)] = (code, *result)
    return result


def _function_of(value):
    """The Python function behind a class attribute or a global, else None: the function itself,
    or what a staticmethod, classmethod, bound method, ``functools`` wrapper (``lru_cache``,
    ``partial``, ``cached_property``) or Numba dispatcher (``py_func``) holds."""
    for _ in range(4):
        if isinstance(value, types.FunctionType):
            return value
        if isinstance(value, type) or type(value) in _CONSTANT_TYPES:
            return None
        if isinstance(value, (staticmethod, classmethod, types.MethodType)):
            value = value.__func__
            continue
        for name in ("__wrapped__", "py_func", "func"):
            try:
                inner = getattr(value, name, None)
            except Exception:  # a proxy that fails on any look-up: not code we can follow
                return None
            if inner is not None:
                value = inner
                break
        else:
            return None
    return None


def _functions_of(value):
    """The functions of a class attribute: a property's accessors, else :func:`_function_of`."""
    accessors = ((value.fget, value.fset, value.fdel) if isinstance(value, property)
                 else (value,))
    return [function for function in map(_function_of, accessors) if function is not None]


def _size(namespace):
    # copyreg caches a class's __slotnames__ in it the first time one of its instances is
    # pickled: a cache, not code, and counting it would walk again after every first pickling
    return len(namespace) - ("__slotnames__" in namespace)


def _cell_contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _MISSING


# what a worker runs of the estimator: __setstate__ as it unpickles it, then the shard job
_WORKER_ENTRY_POINTS = ("__setstate__", "_shard_gradients_job")


class _Fingerprint:
    """A digest of the code a worker runs for an estimator of class ``cls``, and what it read.

    Two parts. The classes: every class of ``cls.__mro__`` but ``object``, by name and, per
    attribute, the code of a function (a method; a staticmethod's, classmethod's or property's
    function; what a decorator's closure, ``functools.wraps``, ``lru_cache`` or a Numba
    dispatcher wraps) or the value of a constant (None, bool, int, float, complex, str, bytes):
    a class redefined with other code, or a method patched, changes the digest, whichever
    method. Other attributes are data, left out: a process adds some as it goes (copyreg caches
    ``__slotnames__`` on a class the first time one of its instances is pickled), and a spawned
    worker's digest must be its parent's.

    Then the functions a worker runs, from what it calls on the estimator
    (``_WORKER_ENTRY_POINTS``), transitively: the estimator's methods they name
    (``self._loss_and_grad``) and, from the functions of skattn and of the code outside the
    installed libraries (:func:`_followed`), the functions and classes they use by a global name
    or as a module's attribute (``nn.forward``). A helper redefined or patched after the fork,
    in ``__main__`` or in skattn, changes the digest when training calls it. Code only the
    parent runs (fit's checks, this pool) is left out: a spawned worker, which cannot have the
    parent's patches, would refuse every fit after a patch of it.

    Not covered: data (a module's constants and arrays, a class's dicts) changed after the
    fork; code reached otherwise than by a name in the code (another object's attribute, an
    entry of a dict, ``getattr`` with a computed name, a name through two modules); and the
    installed libraries' code (NumPy, Numba, scikit-learn) patched at run time. A counter of
    changes cannot replace the walk: Python says nothing when a class or a module is changed
    (type and dict version tags are private, the latter deprecated), nor does an object's id (a
    patched class keeps its id; a redefined one can get a freed one's).

    :meth:`unchanged` tells, by identity, whether everything the walk read is still there; the
    digest is then still valid (:func:`_code_fingerprint`).
    """

    def __init__(self, cls):
        self.cls, self._mro = cls, cls.__mro__
        self._namespaces = []  # (a class's __dict__, its size then)
        self._entries = []  # (namespace, name, value then): class attributes and globals read
        self._functions = []  # (function, its __code__, __defaults__, __kwdefaults__ then)
        self._cells = []  # (closure cell, contents then) of the cells that hold a function
        self._parts, self._seen, self._read = [], set(), {}
        self._pending, self._reached, self._named = [], set(), set()
        for each in self._mro:
            if each is not object:
                self._class(each)
        for name in _WORKER_ENTRY_POINTS:
            self._method(name)
        while self._pending:  # depth first, in the order the code names things: deterministic
            function = self._pending.pop()
            names = _code_digest(function.__code__)[1]
            for name in names:
                self._method(name)
            if _followed(function.__module__):
                self._globals(function.__globals__, names)
        self.digest = hashlib.blake2b("\n".join(self._parts).encode(),
                                      digest_size=16).hexdigest()
        del self._parts, self._seen, self._read, self._pending, self._reached, self._named

    def unchanged(self):
        """Whether every object the walk read is still the same: then so is the digest."""
        return (self.cls.__mro__ is self._mro
                and all(_size(namespace) == size for namespace, size in self._namespaces)
                and all(namespace.get(name, _MISSING) is value
                        for namespace, name, value in self._entries)
                and all(function.__code__ is code and function.__defaults__ is defaults
                        and function.__kwdefaults__ is kwdefaults
                        for function, code, defaults, kwdefaults in self._functions)
                and all(_cell_contents(cell) is value for cell, value in self._cells))

    def _class(self, cls, reach=False):
        """Digest a class's attributes; with ``reach``, all its functions may run in a worker."""
        if id(cls) in self._seen:
            return
        self._seen.add(id(cls))
        namespace = cls.__dict__  # a live view of the class's attributes
        self._namespaces.append((namespace, _size(namespace)))
        self._parts.append(f"class {cls.__module__}.{cls.__qualname__}")
        for name, value in tuple(namespace.items()):  # a copy: another thread may add to it
            if name == "__slotnames__":
                continue  # see _size()
            self._entries.append((namespace, name, value))
            if type(value) in _CONSTANT_TYPES:
                self._parts.append(f"{name}={value!r}")
                continue
            for function in _functions_of(value):
                self._function(name, function)
                if reach:
                    self._reach(function)

    def _function(self, name, function):
        """Digest a function: its code, its constant defaults, the functions in its closure."""
        digest, _ = _code_digest(function.__code__)
        defaults = [value if type(value) in _CONSTANT_TYPES else type(value).__qualname__
                    for value in (function.__defaults__ or ())
                    + tuple((function.__kwdefaults__ or {}).items())]
        self._parts.append(f"{name}:{digest}:{defaults!r}")
        if id(function) in self._seen:
            return
        self._seen.add(id(function))
        self._functions.append((function, function.__code__, function.__defaults__,
                                function.__kwdefaults__))
        for cell in function.__closure__ or ():  # a decorator's wrapped function, say
            contents = _cell_contents(cell)
            inner = None if isinstance(contents, type) else _function_of(contents)
            if inner is not None:
                self._cells.append((cell, contents))
                self._function("<closure>", inner)

    def _reach(self, function):
        """Queue a function (digested already) that a worker runs, for the names it uses."""
        if id(function) in self._reached:
            return
        self._reached.add(id(function))
        self._pending.append(function)
        for cell in function.__closure__ or ():
            contents = _cell_contents(cell)
            inner = None if isinstance(contents, type) else _function_of(contents)
            if inner is not None:
                self._reach(inner)

    def _method(self, name):
        """Reach the estimator's attribute ``name``, found as ``getattr`` finds it on the class
        (whose attributes the first part recorded), when it is code."""
        if name in self._named:
            return
        self._named.add(name)
        for each in self._mro:
            namespace = each.__dict__
            if name in namespace:
                for function in _functions_of(namespace[name]):
                    self._reach(function)
                return

    def _globals(self, namespace, names):
        """What the names a followed function uses are in ``namespace``: its module's globals,
        or a followed module it uses (``nn`` for ``nn.forward``)."""
        read = self._read.setdefault(id(namespace), set())
        for name in names:
            if name in read:
                continue
            read.add(name)
            value = namespace.get(name, _MISSING)
            if value is _MISSING:
                # an attribute's name, or a builtin, which a global defined later would shadow
                if name in _BUILTIN_NAMES:
                    self._entries.append((namespace, name, value))
                continue
            self._entries.append((namespace, name, value))
            if isinstance(value, types.ModuleType):
                if _followed(value.__name__):
                    self._globals(vars(value), names)
            elif isinstance(value, type):
                self._parts.append(f"{name}=class {value.__module__}.{value.__qualname__}")
                for each in value.__mro__:
                    if _followed(each.__module__):
                        self._class(each, reach=True)
            else:
                function = _function_of(value)
                if function is None:
                    continue  # data
                if _followed(function.__module__):
                    self._function(name, function)
                    self._reach(function)
                else:  # a library's: which one is named; its code is not followed
                    self._parts.append(f"{name}={function.__module__}.{function.__qualname__}")


def _code_fingerprint(cls):
    """The digest of ``cls``'s :class:`_Fingerprint`, walked again only when something it read
    has changed since: otherwise some hundreds of identity checks."""
    key = (cls.__module__, cls.__qualname__)
    known = _FINGERPRINTS.get(key)
    if known is None or known.cls is not cls or not known.unchanged():
        known = _FINGERPRINTS[key] = _Fingerprint(cls)
    return known.digest


def _check_code(code):
    """Raise :class:`_StaleCode` unless this process's class of the estimator has the digest the
    parent sent; an error of the look-up (a class this process does not know) passes through."""
    module, qualname, digest = code
    cls = importlib.import_module(module)
    for name in qualname.split("."):
        cls = getattr(cls, name)
    if _code_fingerprint(cls) != digest:
        raise _StaleCode(f"{module}.{qualname} has other code here than in the parent process "
                         "(redefined or patched there since this worker started)")


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
                # a zombie until the parent reaps it: at its next fit that asks for workers, or
                # at its exit (see the module's docstring)
                return
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
            spec = pickle.loads(blob)
            # before the estimator is unpickled, which would run its class's code: an error for
            # a class this process does not know (defined after the fork, say), _StaleCode for
            # one whose code here is not the parent's
            _check_code(spec["code"])
            spec["estimator"] = pickle.loads(spec["estimator"])
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
    try:
        sock.sendall(_DONE)
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
    except OSError:
        # the parent has gone, or shut our socket at its exit mid-step: nobody to answer (a
        # traceback of a spawned worker would land in the parent's terminal)
        os._exit(0)
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
        self.closed = False  # shut down at the interpreter's exit: no more workers

    def acquire(self, n_workers):
        """``n_workers`` ready workers, forking missing ones where that is safe; else None.

        Where forking is not safe (other Python threads alive), missing workers are spawned in
        the background instead and this fit gets None; a later fit finds them ready. Call with
        nothing else to do on None than to use threads; release() when done.
        """
        if self.closed or not self.lock.acquire(blocking=False):
            return None
        try:
            self._forget_exited()
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

    def reap(self):
        """Reap the workers that have exited (an idle one after its timeout): a non-blocking
        ``waitpid`` each. Not while another thread's fit holds the pool."""
        if self.lock.acquire(blocking=False):
            try:
                self._forget_exited()
            finally:
                self.lock.release()

    def _forget_exited(self):
        if self.owner != os.getpid():  # inherited from a forked parent: not ours to use
            self.workers, self.starting, self.spawned = [], [], {}
            self.owner = os.getpid()
        for worker in list(self.workers):  # the ones that exited since (idle, OOM killer...)
            if self._exited(worker[0]):
                self.workers.remove(worker)
                self._stop(*worker)

    def discard(self, pid):
        """Kill and forget a worker whose state is unknown (interrupted mid-message)."""
        for worker in self.workers:
            if worker[0] == pid:
                self.workers.remove(worker)
                self._stop(*worker, kill=True)
                return

    def shutdown(self):
        """Stop the workers, at the interpreter's exit (atexit). A fit still running in a daemon
        thread then ends that thread quietly (:func:`_exiting`)."""
        if self.owner != os.getpid():
            return
        self.closed = True
        workers, starting, self.workers, self.starting = self.workers, self.starting, [], []
        for pid, sock in workers:
            try:
                # wakes a daemon thread's fit that waits on the socket; the worker, idle or
                # mid-step, exits at its next use of it
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._stop(pid, sock)
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
# SIGINT ignored first, as a forked worker ignores it: a terminal's Ctrl-C reaches the whole
# process group, and one during the ~2 s of imports printed the worker's traceback and turned
# worker processes off for the rest of the process (interrupt trial, session 34)
_SPAWNED_WORKER_CODE = (
    "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
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
    _code_fingerprint(AttentionForecaster)  # the digest the first fit's check then reuses


_POOL = _Pool()
atexit.register(_POOL.shutdown)


# ----------------------------------------------------------------------------------------------
# One fit's use of the pool
# ----------------------------------------------------------------------------------------------
def _exiting():
    """Whether the interpreter is exiting: the pool has been shut down (atexit), or later."""
    return _POOL.closed or sys.is_finalizing()


def _exit_quietly():
    # A fit can still be running at exit in a daemon thread, whose workers the pool has just
    # stopped: its next use of their sockets fails (a user trial printed "OSError: [Errno 9] Bad
    # file descriptor" at exit). SystemExit ends the thread as sys.exit() in it would (the fit
    # restores the model's state on the way out), and threading prints nothing for it; raised
    # only then, so a worker lost at any other time is still an error.
    return SystemExit("the interpreter is exiting: the shard worker processes have stopped")


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
            for _ in range(2):  # twice when a forked worker had stale code, retired the first time
                self._workers = _POOL.acquire(n_shards - 1)  # forks the missing workers
                if self._workers is None or not self._hand_over(fd, messages):
                    return
        finally:
            os.close(fd)

    def _hand_over(self, fd, messages):
        """Give the job to the acquired workers; when one refuses, the fit keeps its shards on
        threads (no workers, the pool released). Returns whether a fresh fork could take the job:
        a forked worker refused it for stale code, and was retired."""
        try:
            for (_, sock), message in zip(self._workers, messages):
                socket.send_fds(sock, [len(message).to_bytes(8, "little")], [fd])
                sock.sendall(message)
            errors = [self._answer(worker) for worker in self._workers]
        except BaseException:
            self._abandon()
            raise
        if all(error is None for error in errors):
            return False
        # a worker could not rebuild the job (or died): the workers that did are told the job is
        # over, the others wait for the next one. One with stale code is retired when forked; a
        # spawned one has the code its imports found, which a fresh one would find again (the
        # parent's patches, say, are not in it): it stays for other estimators
        stale = False
        for (pid, sock), error in zip(self._workers, errors):
            if error is None:
                try:
                    sock.sendall(_END_JOB)
                except OSError:
                    _POOL.discard(pid)
            elif isinstance(error, _StaleCode) and pid not in _POOL.spawned:
                _POOL.discard(pid)
                stale = True
        self._workers = None
        _POOL.release()
        return stale

    @classmethod
    def open(cls, estimator, job, params, inputs, targets, *, weights=None, n_shards,
             min_rows_per_shard, max_rows, dtype):
        """A runner over the pool's workers, or None where they cannot be used (see the module)."""
        if n_shards < 2 or not sys.platform.startswith("linux") or not hasattr(os, "memfd_create"):
            return None
        _POOL.reap()  # also when this fit ends up on threads
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
            pickled = pickle.dumps(estimator)
        except (pickle.PicklingError, AttributeError, TypeError):
            return None  # an estimator that cannot be pickled (a local subclass, say): threads
        # the class the worker will look up by name, and a digest of its code here and now
        kind = type(estimator)
        code = (kind.__module__, kind.__qualname__, _code_fingerprint(kind))
        messages = [pickle.dumps({"layout": layout, "param_shapes": param_shapes,
                                  "index": index, "shards": (n_shards, min_rows_per_shard),
                                  "code": code, "estimator": pickled})
                    for index in range(1, n_shards)]
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
        except (EOFError, ConnectionResetError):
            # a reset, not an end of file, when it died with our post unread (killed by the
            # system: a raw ConnectionResetError 7 times in 10; interrupt trial, session 34)
            _POOL.discard(pid)
            if _exiting():
                raise _exit_quietly() from None
            return _died(pid)

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
        pid = None  # the worker being posted to
        try:
            for pid, sock in posted:
                sock.sendall(_POST)
            pid = None
            first_out = np.empty(self._n_params, self._dtype)
            try:
                first = self._job(0, shards[0], batch, seed, first_out)
            finally:
                # the workers are using the shared buffers: always wait for them
                errors = [self._answer(worker) for worker in posted]
        except BaseException as error:
            if not isinstance(error, Exception) or isinstance(error, OSError):
                self._abandon()  # interrupted mid-protocol: the workers' state is unknown
            if isinstance(error, OSError) and _exiting():
                raise _exit_quietly() from None  # the socket closed under us at exit
            if pid is not None and isinstance(error, (ConnectionResetError, BrokenPipeError)):
                raise _died(pid) from None  # it had died before we posted to it
            raise
        failed = next((error for error in errors if error is not None), None)
        if failed is not None:
            # not from the list: the traceback holds this frame, whose list held the error, a
            # cycle that kept the runner's shared memory mapped until the collector ran (a
            # copy of the training data; interrupt trial, session 34)
            del errors
            try:
                raise failed
            finally:
                del failed
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
