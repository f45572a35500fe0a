"""Whether Numba can cache skattn's compiled kernels, decided once, at import.

Every kernel of skattn is decorated ``@njit(cache=CACHE, ...)``. With ``cache=True`` Numba looks
for a directory to cache a kernel in as it decorates it (at import), and raises
``RuntimeError: cannot cache function ...: no locator available`` when it finds none: a
read-only install (a container with a read-only root filesystem) whose home directory is
read-only too and where ``NUMBA_CACHE_DIR`` is unset or read-only made ``import skattn`` crash
(production trial, session 21). Here Numba's own search is run once, on a stand-in for the
kernels, before any kernel is decorated: when it finds no directory, the kernels compile
without a cache (in every process, the first time each is called) and one
:class:`~skattn.exceptions.NumbaCacheWarning` says how to give them one. With Numba's JIT
disabled (``NUMBA_DISABLE_JIT=1``) nothing compiles, so nothing is probed or warned about.
Numba's configuration is read, never changed.
"""
from __future__ import annotations

import os
import types
import warnings

from numba.core import caching, config

from .exceptions import NumbaCacheWarning

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: one source file in each directory that holds kernels: Numba caches a kernel in a place chosen
#: by its source file's directory (that directory's __pycache__, or a subdirectory of
#: NUMBA_CACHE_DIR or of the user-wide cache named after it), so one probe per directory answers
#: for every kernel in it (skattn/forecaster.py; skattn/nn/*.py)
_KERNEL_SOURCES = (os.path.join(_PACKAGE_DIR, "__init__.py"),
                   os.path.join(_PACKAGE_DIR, "nn", "__init__.py"))


def _probe():
    """The stand-in kernel whose cache Numba is asked to locate (never compiled nor called)."""


def can_cache(sources=_KERNEL_SOURCES):
    """Whether Numba finds a cache directory for kernels defined in each of ``sources``.

    Numba's own search, as ``@njit(cache=True)`` runs it when it decorates a function:
    ``FunctionCache(py_func)`` tries its locators in order (``NUMBA_CACHE_DIR``, the source
    file's ``__pycache__``, the user-wide cache, or those of ``NUMBA_CACHE_LOCATOR_CLASSES``;
    each one's ``from_function`` creates its
    directory and writes a temporary file there, and passes on an ``OSError``) and raises the
    ``RuntimeError`` "no locator available" when none is usable. The stand-in is ``_probe``
    with its code's file name set to each source (Numba reads a function's source file from
    it, ``inspect.getfile``). Numba creates the cache directory it finds, as it would for the
    kernels themselves; nothing else is written.

    Parameters
    ----------
    sources : sequence of str, default=``_KERNEL_SOURCES``
        Paths of existing Python source files; by default one in each of the package's
        directories that hold kernels.

    Returns
    -------
    bool
        True when every source has a cache directory.
    """
    for source in sources:
        stand_in = types.FunctionType(_probe.__code__.replace(co_filename=source), {},
                                      _probe.__name__)
        try:
            caching.FunctionCache(stand_in)
        except (RuntimeError, OSError):
            # RuntimeError: no locator; OSError: the source cannot be read for its stamp
            return False
    return True


def _cache_or_warn():
    """``can_cache()``, and a NumbaCacheWarning when it is False; False, without the probe or
    the warning, when Numba's JIT is disabled (``NUMBA_DISABLE_JIT=1``, read as
    ``numba.config.DISABLE_JIT``): the kernels then run as plain Python, nothing is compiled or
    cached, and a warning about compile times would be wrong (review, session 21)."""
    if config.DISABLE_JIT:
        return False
    if can_cache():
        return True
    cache_dir = config.CACHE_DIR or "unset"
    warnings.warn(
        f"skattn: Numba cannot cache skattn's compiled kernels: neither the package's "
        f"__pycache__ directories (under {_PACKAGE_DIR}), nor Numba's user-wide cache "
        f"(~/.cache/numba, or $XDG_CACHE_HOME/numba), nor NUMBA_CACHE_DIR ({cache_dir}) is a "
        f"writable directory. The kernels are compiled without a cache, in every process: "
        f"~5 s before the first forecast of each process, ~10 s before its first fit and "
        f"forecast. To cache them, set the environment variable NUMBA_CACHE_DIR to a WRITABLE "
        f"directory (e.g. NUMBA_CACHE_DIR=/tmp/numba_cache) before Python starts. On a "
        f"read-only image, build the cache at image build time (one warm-up forecast, and a "
        f"tiny fit if the containers train, with NUMBA_CACHE_DIR set and skattn installed where "
        f"it will run) and copy that directory to the writable NUMBA_CACHE_DIR when the "
        f"container starts: Numba reads a cache only from a directory it can write to.",
        NumbaCacheWarning,
        stacklevel=1,  # this module: an import has no caller line of the user's to point at
    )
    return False


#: the ``cache`` option of every kernel's ``njit``: whether Numba can cache them here
CACHE = _cache_or_warn()
