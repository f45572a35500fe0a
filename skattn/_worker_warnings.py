"""Warnings raised in joblib's worker processes, brought back to the process that asked for them.

A warning raised in a worker process is printed there, under the worker's own filters, to the
worker's stderr (a terminal, or a Jupyter server's log) and never reaches the caller:
``pytest.warns``, ``warnings.catch_warnings(record=True)``, an ``"error"`` filter and a notebook
all miss it. ``backtest`` (the local models' forecasts over series) and ``ForecastEnsemble``
(its members' fits) run the work through :func:`call_recording_warnings`, which records a
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
import traceback
import warnings

# The registry re-issued warnings are counted in, as a module's ``__warningregistry__`` is: with
# the "default" action, one text of one category from one line is shown once (warn_explicit
# shows every call again without a registry).
_REISSUED_REGISTRY: dict = {}


class WorkerTraceback(Exception):
    """The traceback, as text, of an exception raised in a worker process: the cause of the
    exception re-raised in the caller (as joblib's own ``_RemoteTraceback``)."""


def call_recording_warnings(caller_pid, function, *args, **kwargs):
    """``(result, warnings, error)`` of ``function(*args, **kwargs)``.

    In another process than ``caller_pid``'s: ``warnings`` are those it raised, as ``(text,
    category, filename, lineno)`` tuples (plain data, so that any warning pickles), and an
    exception it raised is returned as ``error = (exception, traceback text)`` with ``result``
    None. In the caller's own process it is simply called: no warnings recorded, and an
    exception propagates.
    """
    if os.getpid() == caller_pid:
        return function(*args, **kwargs), [], None
    error = result = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # the caller's filters decide, in reissue_warnings
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 -- returned to the caller, which raises it
            error = (exc, traceback.format_exc())
    return result, [(str(w.message), w.category, w.filename, w.lineno) for w in caught], error


def reissue_warnings(records):
    """Raise again, in this process and under its filters, warnings recorded in a worker."""
    for text, category, filename, lineno in records:
        warnings.warn_explicit(text, category, filename, lineno, registry=_REISSUED_REGISTRY)


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
