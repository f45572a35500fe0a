"""Warnings raised in joblib's worker processes, brought back to the process that asked for the work.

A warning raised in a worker process is printed there, under the worker's own filters, to the
worker's stderr (a terminal, or a Jupyter server's log) and never reaches the caller:
``pytest.warns``, ``warnings.catch_warnings(record=True)``, an ``"error"`` filter and a notebook
all miss it. ``backtest`` (the local models' forecasts over series) and ``ForecastEnsemble``
(its members' fits) run the work through :func:`call_recording_warnings`, which records a
worker's warnings and returns them with the result, and re-issue them with
:func:`reissue_warnings` in the caller, where the caller's filters decide what is shown.
Work that runs in the caller's own process (``n_jobs=1``, or joblib's threading backend) is
called as it is: its warnings reach the caller as they are raised, and recording them from
several threads at once would not be safe (``catch_warnings`` swaps process-wide state).
"""
from __future__ import annotations

import os
import warnings

# The registry re-issued warnings are counted in, as a module's ``__warningregistry__`` is: with
# the "default" action, one text of one category from one line is shown once (warn_explicit
# shows every call again without a registry).
_REISSUED_REGISTRY: dict = {}


def call_recording_warnings(caller_pid, function, *args, **kwargs):
    """``(function(*args, **kwargs), warnings)``: the warnings it raised, when run in another
    process than ``caller_pid``'s, as ``(text, category, filename, lineno)`` tuples (plain
    data, so that any warning pickles); an empty list in the caller's own process."""
    if os.getpid() == caller_pid:
        return function(*args, **kwargs), []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # the caller's filters decide, in reissue_warnings
        result = function(*args, **kwargs)
    return result, [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def reissue_warnings(records):
    """Raise again, in this process and under its filters, warnings recorded in a worker."""
    for text, category, filename, lineno in records:
        warnings.warn_explicit(text, category, filename, lineno, registry=_REISSUED_REGISTRY)
