"""Warnings raised in joblib's worker processes, brought back to the process that asked for them.

A warning raised in a worker process is printed there, under the worker's own filters, to the
worker's stderr (a terminal, or a Jupyter server's log) and never reaches the caller:
``pytest.warns``, ``warnings.catch_warnings(record=True)``, an ``"error"`` filter and a notebook
all miss it. ``backtest`` (the local models' forecasts over series), ``ForecastEnsemble`` (its
members' fits) and the baselines (their row chunks at predict) run the work through
:func:`call_recording_warnings`, which runs it under the caller's filters, records a
worker's warnings and returns them with the result, and hand the outcomes to :func:`collect`
in the caller, which raises the warnings again there, where the caller's filters decide what is
shown, and then the first job's error, if a job failed.

A job's exception is returned, not raised: joblib stops collecting results at the first
exception, so the warnings of every other job, and those the failing job raised before it (which
may say why it failed), would be lost (session 17's review). Work that runs in the caller's own
process (``n_jobs=1``, or joblib's threading backend) is called as it is: its warnings reach the
caller as they are raised, its exceptions as they are raised, and recording warnings from several
threads at once would not be safe (``catch_warnings`` swaps process-wide state).

Work that calls several models in the caller's own process (a ``ForecastEnsemble``'s members)
shows each distinct warning once through :func:`each_warning_once`: scikit-learn's
``catch_warnings`` in every model's ``check_array`` resets Python's once-per-location memory, so
under the default filters the recipe's 18 members showed 18 copies of the same warning, where
their fits in worker processes, raised again through :func:`collect`, showed one. It records
what the filters let through in the thread that asked (through ``warnings.showwarning``, which
the filters call after their decision, never through ``catch_warnings(record=True)``), with the
filters that decided, and raises it again on leaving, without filtering again one that a model's
own filters let through; other threads' warnings (joblib's threading backend) pass as they are.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
import traceback
import warnings
from typing import NamedTuple

try:  # what joblib's worker processes pickle their results with (cloudpickle, or the setting)
    from joblib.externals.loky.backend.reduction import dumps as _dumps_as_workers_do
except ImportError:  # another joblib: the standard pickle, stricter
    from pickle import dumps as _dumps_as_workers_do

# The registry re-issued warnings are counted in, as a module's ``__warningregistry__`` is: with
# the "default" action, one text of one category from one line is shown once (warn_explicit
# shows every call again without a registry).
_REISSUED_REGISTRY: dict = {}


class Caller(NamedTuple):
    """The process that asks for work, as :func:`call_recording_warnings` needs it: its id, and
    its warning filters, ``warnings.filters`` as they are (their compiled patterns pickle with
    their flags; their categories by reference, or by value under joblib's default backend,
    which pickles with cloudpickle: a category defined in ``__main__`` or in a function)."""

    pid: int
    filters: tuple


def current_caller():
    """This process as the :class:`Caller` of work that may run in worker processes."""
    return Caller(os.getpid(), tuple(warnings.filters))


def _apply_filters(filters):
    """Install a caller's filters (of :func:`current_caller`) in this process, in their order,
    as they are: rebuilt through ``filterwarnings``, a filter put in the list by hand with a
    case-sensitive pattern would have matched more (review, session 19)."""
    warnings.resetwarnings()  # a new filters version: no registry holds a decision of before
    warnings.filters.extend(filters)


def _module_of(filename):
    """The name of the imported module whose file is ``filename`` (what ``warnings.warn`` matches
    a filter's module pattern against), or None (a notebook's cell, a class of the user's script
    pickled by value to a worker: cloudpickle's ``<dynamic-code>``): :func:`warn_explicit_from`
    then lets ``warn_explicit`` derive one from the file's path, which a pattern such as
    ``statsforecast`` does not match."""
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == filename:
            return name
    return None


def warn_explicit_from(message, category, filename, lineno, module, registry):
    """``warnings.warn_explicit`` of a warning raised in ``module`` (None: not known).

    ``module=None`` passed on to ``warn_explicit`` is not "unknown" but "drop the warning"
    (CPython returns at once, as for a warning during shutdown): backtest's warnings in a
    notebook, and a worker's warnings of a model class defined in the user's script, were lost
    whatever the filters (review, session 31). Without a name, the argument is left out.
    """
    named = {} if module is None else {"module": module}
    warnings.warn_explicit(message, category, filename, lineno, registry=registry, **named)


class WorkerTraceback(Exception):
    """The traceback, as text, of an exception raised in a worker process: the cause of the
    exception re-raised in the caller (as joblib's own ``_RemoteTraceback``)."""


def call_recording_warnings(caller, function, *args, **kwargs):
    """``(result, warnings, error)`` of ``function(*args, **kwargs)``, for a :class:`Caller`.

    In another process than the caller's: the work runs under the caller's warning filters, as
    it would in the caller, so a filter changes the work alike whatever ``n_jobs`` (an "error"
    filter makes a library's warning an error there too: a baseline then falls back in a worker
    as in the caller, where under "always" the worker forecast otherwise; review, session 19).
    ``warnings`` are those it raised and the filters let through, as ``(text, category,
    filename, lineno, module name)`` tuples (plain data, so that any warning pickles), and an
    exception it
    raised is returned as ``error = (exception, traceback text)`` with ``result`` None. In the
    caller's own process it is simply called: no warnings recorded, and an exception
    propagates.
    """
    if os.getpid() == caller.pid:
        return function(*args, **kwargs), [], None
    error = result = None
    with warnings.catch_warnings(record=True) as caught:
        _apply_filters(caller.filters)  # the caller's filters decide here and in reissue_warnings
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 -- returned to the caller, which raises it
            error = (_fit_for_the_trip_back(exc), traceback.format_exc())
    return result, [(str(w.message), w.category, w.filename, w.lineno, _module_of(w.filename))
                    for w in caught], error


def _fit_for_the_trip_back(exc):
    """``exc``, or, when it cannot make the trip back to the caller's process (pickled here as
    joblib's workers pickle their results, with cloudpickle, and unpickled there), an exception
    of the nearest built-in class it derives from, built from its arguments (or its message), that
    can. scikit-learn's UnsetMetadataPassedError (a ValueError) needs arguments its pickle does
    not keep: a member that raised it in a worker broke the pool ("A result has failed to
    un-serialize", BrokenProcessPool) and its message was lost (user trial, session 25). A class
    of the user's script or notebook makes the trip by value, so it is kept (review, session
    25: the standard pickle's test had replaced it)."""
    if _makes_the_trip(exc):
        return exc
    for base in type(exc).__mro__:
        if base.__module__ != "builtins" or not issubclass(base, Exception):
            continue
        # its arguments first: KeyError's message quoted once, OSError's errno kept
        for args in (exc.args, (str(exc),)):
            try:
                substitute = base(*args)
            except Exception:  # noqa: BLE001 -- a constructor that wants other arguments
                continue
            if _makes_the_trip(substitute):
                return substitute
    return Exception(str(exc))


def _makes_the_trip(exc):
    """Whether ``exc`` pickles as joblib's workers pickle results and unpickles again."""
    try:
        pickle.loads(_dumps_as_workers_do(exc))
    except Exception:  # noqa: BLE001 -- any failure of the round trip
        return False
    return True


def _warn_again(message, category, filename, lineno, module, registry):
    """``warnings.warn_explicit`` of a recorded warning, with the name of the module it was
    raised in: a filter's module pattern matched there and not here (the name derived from the
    file's path), and the warning was lost (review, session 19). A recorder of
    :func:`each_warning_once` around this call keeps that name too."""
    outer = getattr(_this_thread, "module", _UNKNOWN)
    _this_thread.module = module
    try:
        warn_explicit_from(message, category, filename, lineno, module, registry)
    finally:
        if outer is _UNKNOWN:
            del _this_thread.module
        else:
            _this_thread.module = outer


def reissue_warnings(records):
    """Raise again, in this process and under its filters, warnings recorded in a worker."""
    for text, category, filename, lineno, module in records:
        _warn_again(text, category, filename, lineno, module, _REISSUED_REGISTRY)


def worker_exception(error):
    """The exception of an ``error`` returned by :func:`call_recording_warnings`, its worker's
    traceback attached as its cause, ready to be raised."""
    exception, text = error
    exception.__cause__ = WorkerTraceback(text)
    exception.__suppress_context__ = True
    return exception


def collect(outcomes, naming=None):
    """The results of jobs run through :func:`call_recording_warnings`, in job order: every job's
    warnings raised again first (in job order), then the first failed job's exception, or
    ``naming(job_index, exception)`` raised from it when ``naming`` is given."""
    for _, records, _ in outcomes:
        reissue_warnings(records)
    for index, (_, _, error) in enumerate(outcomes):
        if error is not None:
            exception = worker_exception(error)
            if naming is None:
                raise exception
            raise naming(index, exception) from exception
    return [result for result, _, _ in outcomes]


# The recording of each_warning_once. Per thread: the recorders, innermost last, and, for a
# warning raised again (which the hook cannot see), its module, the filters that decided it (when
# not those in force) and the warning before an inner recorder noted it. Process-wide: the hook in
# warnings.showwarning, put there while any thread records (counted), and the showwarning it
# replaced, which shows the warnings of threads that do not record (None: Python's own, the hook
# having been left in place when none recorded).
_this_thread = threading.local()
_hook_lock = threading.Lock()
_hook = {"users": 0, "replaced": None}
_UNKNOWN = object()


def _module_warned_from(filename, lineno):
    """The name of the module ``warnings.warn`` matched the filters' module patterns against for
    a warning of ``filename``, ``lineno``: that of the frame on the stack at that line (the one
    its ``stacklevel`` chose; ``__main__`` for a notebook's cell, whose file is no module's), or
    :func:`_module_of` the file (a ``warn_explicit`` of a line not on the stack)."""
    frame = sys._getframe(2)  # the hook's caller's caller
    while frame is not None:
        if frame.f_lineno == lineno and frame.f_code.co_filename == filename:
            return frame.f_globals.get("__name__", "<string>")
        frame = frame.f_back
    return _module_of(filename)


def _record_or_show(message, category, filename, lineno, file=None, line=None):
    """``warnings.showwarning`` while a thread records: what the filters let through (an
    "error" filter raised, "ignore" dropped it) goes to the thread's innermost recorder, with the
    filters that let it through, or, for a thread that does not record, to the showwarning this
    one replaced. Left in place when no thread records (another thread's ``catch_warnings``
    restored it, ``logging.captureWarnings`` saved it as the one to put back), it shows as
    Python's own: the showwarning it once replaced may be stale by then (logging's, after
    capture was turned off, which lost every later warning of the process; review, session 24)."""
    recorders = getattr(_this_thread, "recorders", None)
    if not recorders or file is not None:  # a file: printing asked for, not a warning raised
        replaced = _hook["replaced"] if _hook["users"] else None
        show = warnings._showwarning_orig if replaced is None else replaced
        return show(message, category, filename, lineno, file, line)
    module = getattr(_this_thread, "module", _UNKNOWN)
    if module is _UNKNOWN:
        module = _module_warned_from(filename, lineno)
    filters = getattr(_this_thread, "filters", None)  # those that decided a warning shown again
    if filters is None:
        filters = tuple(warnings.filters)
    recorder = recorders[-1]
    recorder.records.append((message, category, filename, lineno, module, recorder.label,
                             filters, getattr(_this_thread, "original", None)))
    return None


class ShownWarnings:
    """The warnings shown in one thread within :func:`each_warning_once`, in the order they came:
    ``records``, ``(message, category, filename, lineno, module, label, filters, original)``,
    ``label`` being the part of the work that raised it (:func:`attributed_to`), or None,
    ``filters`` the ``warnings.filters`` that let it through (a member's own ``catch_warnings``
    may have changed them), or None for those of the caller, and ``original`` the warning
    before an inner :func:`each_warning_once` appended its note, or None."""

    def __init__(self):
        self.records = []
        self.label = None

    def add(self, records, label=None):
        """Warnings recorded by :func:`call_recording_warnings` in a worker process, kept as if
        ``label`` had raised them here."""
        # decided in the worker under the caller's filters (call_recording_warnings)
        self.records.extend(tuple(record) + (label, None, None) for record in records)


@contextlib.contextmanager
def attributed_to(label):
    """Within: the warnings this thread's innermost :func:`each_warning_once` records are
    ``label``'s (a member's name). Nothing when the thread does not record (a worker)."""
    recorders = getattr(_this_thread, "recorders", None)
    if not recorders:
        yield
        return
    recorder = recorders[-1]
    outer, recorder.label = recorder.label, label
    try:
        yield
    finally:
        recorder.label = outer


def _with_note(message, category, note):
    """``message`` (a Warning or its text) with ``note`` appended, or ``message`` as it is when
    a note cannot be appended safely.

    A text becomes a new warning of its ``category`` (as ``warn_explicit`` would build it). A
    Warning is copied with the note appended to its one argument, its other attributes kept
    (``CodedWarning("bad row", code=42)`` keeps its ``code``), only when its text is that
    argument as it is (the default ``__str__``); one whose ``__str__`` formats its arguments or
    that has several would be garbled or lose data (a new one built from the noted text lost
    every attribute and showed "7 rows dropped (...) rows dropped"; review, session 24), so it
    is shown without the note."""
    if not note:
        return message
    if not isinstance(message, Warning):
        try:
            return category(str(message) + note)
        except Exception:  # noqa: BLE001 -- a category built otherwise: as it came
            return message
    try:
        text = str(message)
        if type(message).__str__ is not Warning.__str__ or message.args != (text,):
            return message
        noted = type(message).__new__(type(message))  # no __init__: its signature may differ
        noted.__dict__.update(message.__dict__)
        noted.args = (text + note,)
        return noted
    except Exception:  # noqa: BLE001 -- a warning that cannot be copied so: as it came
        return message


def filter_action(filters, text, category, module, lineno):
    """The action ``warnings.warn_explicit`` takes under ``filters`` for a warning of
    ``category`` and message ``text`` put at ``module``'s line ``lineno``, found as it finds it:
    the first filter whose message regex matches the start of the text, whose category is the
    warning's or a base of it, whose module regex matches the start of the module's name, and
    whose line number is 0 or ``lineno``; ``warnings.defaultaction`` when none does. (Also the
    package's scorers', which say a warning once only if the filters showed it.)"""
    for action, pattern, filter_category, module_pattern, filter_lineno in filters:
        if ((pattern is None or pattern.match(text))
                and issubclass(category, filter_category)
                and (module_pattern is None or module_pattern.match(module or ""))
                and (filter_lineno == 0 or lineno == filter_lineno)):
            return action
    return warnings.defaultaction


def _show_as_decided(message, category, filename, lineno, module, filters):
    """Show a warning that ``filters`` (not those in force now) let through, without filtering it
    again, as ``warn_explicit`` shows one: through ``warnings._showwarnmsg``, so that
    ``catch_warnings(record=True)``, ``pytest.warns`` and a replaced showwarning get it; a
    recorder of :func:`each_warning_once` around this call keeps ``filters`` and the module."""
    if not isinstance(message, Warning):
        try:
            message = category(message)
        except Exception:  # noqa: BLE001 -- shown as the text it is
            pass
    outer = (getattr(_this_thread, "module", _UNKNOWN), getattr(_this_thread, "filters", None))
    _this_thread.module, _this_thread.filters = module, filters
    try:
        warnings._showwarnmsg(warnings.WarningMessage(message, category, filename, lineno))
    finally:
        if outer[0] is _UNKNOWN:
            del _this_thread.module
        else:
            _this_thread.module = outer[0]
        _this_thread.filters = outer[1]


def _raise_again(records, note):
    """Raise the ``records`` of a :class:`ShownWarnings` again, in their order, each from where it
    first was and with its module. One let through by the filters in force now (or by the
    caller's, in a worker) is raised again under them: "default", "module" and "once" show each
    distinct one once (one fresh registry per file, as a module's ``__warningregistry__`` after a
    reset), "always" every one. One let through by other filters (a member's own
    ``catch_warnings``, e.g. ``simplefilter("always", DeprecationWarning)``) was decided then,
    and is shown as it is, not filtered again (the caller's default filters lost it, an "error"
    filter made it an error after the fit though the member alone fitted; review, session 24):
    every copy if that decision was "always", else each distinct one once. ``note(labels)``:
    the text appended to a warning, given the distinct labels that raised it, first first."""
    # a warning an inner recorder noted counts as the one it noted (a nested ensemble's and an
    # outer member's copies of one warning showed twice, once noted; review, session 24)
    def key_of(message, category, filename, lineno, original):
        return (category, str(message if original is None else original), filename, lineno)

    labels = {}
    for message, category, filename, lineno, _, label, _, original in records:
        key = key_of(message, category, filename, lineno, original)
        labels.setdefault(key, {})
        if label is not None:
            labels[key][label] = None  # an ordered set
    current = tuple(warnings.filters)
    noted, registries, shown = {}, {}, set()
    for message, category, filename, lineno, module, _, filters, original in records:
        key = key_of(message, category, filename, lineno, original)
        text = key[1]
        if key not in noted:
            # the first occurrence's message noted (a copy of a Warning keeps its attributes),
            # or as it came (an inner recorder's note kept) when this recorder has none for it
            base = message if original is None else original
            text_note = note(list(labels[key])) if note is not None else ""
            noted[key] = (_with_note(base, category, text_note) if text_note else message,
                          base)
        again = filters is None or filters == current
        action = filter_action(current if again else filters, text, category, module, lineno)
        if key in shown and action != "always":
            continue  # shown already, its copies decided by other filters than this one
        outer = getattr(_this_thread, "original", None)
        _this_thread.original = noted[key][1]  # for a recorder around this one
        try:
            if again:
                _warn_again(noted[key][0], category, filename, lineno, module,
                            registries.setdefault(filename, {}))
            else:
                _show_as_decided(noted[key][0], category, filename, lineno, module, filters)
        finally:
            _this_thread.original = outer
        if action != "ignore":
            shown.add(key)


@contextlib.contextmanager
def each_warning_once(note=None):
    """Within: the warnings the filters let through in this thread are recorded (a
    :class:`ShownWarnings`, yielded), not shown; on leaving, even by an exception, they are
    raised again, so that each distinct one shows once (every one under "always").

    For work that calls several models in the caller's process, each of whose
    ``check_array`` resets Python's once-per-location memory. The filters in force where a
    warning is raised decide, once: an "error" filter raises it there, "ignore" drops it;
    raised again under the same filters, "default", "module" and "once" show each distinct one
    once and "always" every one; one that other filters let through (a model's own
    ``catch_warnings`` and ``simplefilter("always", ...)``) is shown without being filtered
    again, every copy if those filters said "always", else once. ``pytest.warns`` and
    ``catch_warnings(record=True)`` get what is raised again, from the file, line and module of
    the first occurrence. Nests: an inner one raises its warnings again into the outer, which
    counts one the inner noted as the warning it noted.

    Only this thread records (what other threads show while it does passes as it is), through
    ``warnings.showwarning``, which is installed while any thread records and restored when the
    last stops, if it is still there: ``catch_warnings`` swaps process-wide state, and another
    thread's that restores an older showwarning at worst lets warnings be shown as they are
    raised; one that restores the hook after the last stopped leaves it showing as Python's
    own. Work in other threads (joblib's threading backend) is not recorded: its warnings show
    as they are raised, one copy per model under the default filters.

    Parameters
    ----------
    note : callable or None, default=None
        ``note(labels)``: the text appended to a warning (e.g. the members it came from), given
        the distinct labels (:func:`attributed_to`) of the parts of the work that raised it.
    """
    recorder = ShownWarnings()
    with _hook_lock:
        if warnings.showwarning is not _record_or_show:
            _hook["replaced"] = warnings.showwarning
            warnings.showwarning = _record_or_show
        elif not _hook["users"]:  # left in place: it shows as Python's own (_record_or_show)
            _hook["replaced"] = None
        _hook["users"] += 1
    recorders = _this_thread.__dict__.setdefault("recorders", [])
    recorders.append(recorder)
    try:
        yield recorder
    finally:
        recorders.remove(recorder)
        with _hook_lock:
            _hook["users"] -= 1
            if not _hook["users"] and warnings.showwarning is _record_or_show:
                replaced = _hook["replaced"]
                warnings.showwarning = (warnings._showwarning_orig if replaced is None
                                        else replaced)
        _raise_again(recorder.records, note)
