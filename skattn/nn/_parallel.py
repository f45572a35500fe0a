"""When to run a Numba kernel's ``prange`` driver instead of its serial twin.

Each kernel is written once, as the body for one independent slice (a row, a (batch, head) pair),
and driven by two loops: a serial ``range`` and a parallel ``prange``. Both compute every slice
the same way, so results are bitwise identical whichever runs.

The parallel driver runs only when more than one Numba thread is asked for
(``numba.set_num_threads``, which the estimator's ``n_jobs`` sets) and only from the main thread:

- with one thread the pool's start-up and hand-off cost more than they save on small arrays, and a
  process that never starts the pool stays safe to fork (GNU OpenMP, Numba's ``omp`` layer, is not);
- Numba's ``workqueue`` layer, which it falls back to when neither TBB nor OpenMP is installed,
  aborts the process if two threads enter parallel regions at once, which joblib's threading
  backend would do. Off the main thread the serial driver is always safe.
"""
from __future__ import annotations

import threading

import numba


def use_parallel():
    """True when the ``prange`` drivers should run (see the module docstring)."""
    return numba.get_num_threads() > 1 and threading.current_thread() is threading.main_thread()
