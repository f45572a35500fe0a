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
"""
from __future__ import annotations

import os
import sys
import traceback
import warnings
from typing import NamedTuple

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
    a filter's module pattern against), or None: ``warn_explicit`` then derives one from the
    file's path, which a pattern such as ``statsforecast`` does not match."""
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == filename:
            return name
    return None


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
            error = (exc, traceback.format_exc())
    return result, [(str(w.message), w.category, w.filename, w.lineno, _module_of(w.filename))
                    for w in caught], error


def reissue_warnings(records):
    """Raise again, in this process and under its filters, warnings recorded in a worker."""
    for text, category, filename, lineno, module in records:
        # with the module name the worker raised it in: a filter's module pattern matched in the
        # worker and not here, and the warning was lost with n_jobs > 1 (review, session 19)
        warnings.warn_explicit(text, category, filename, lineno, module=module,
                               registry=_REISSUED_REGISTRY)


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
