"""Where a warning of the package points: the user's line, found on the stack.

One walk for every warning of the package (metrics, windows, the estimators, the baselines): it
was two, a fixed ``stacklevel`` in others, and the walk without the worker fallback below pointed
a warning raised in a joblib worker at multiprocessing's bootstrap (session 24).
"""
from __future__ import annotations

import sys

_PACKAGE = __name__.split(".")[0]  # "skattn"

#: The top-level modules whose frames start threads and worker processes (joblib's loky workers
#: run under ``concurrent.futures``' and ``multiprocessing``'s; loky itself is inside joblib).
_BOOTSTRAP_MODULES = ("threading", "multiprocessing", "concurrent")


def stacklevel_of_caller(module, *, whole_package=False):
    """``warnings.warn``'s stacklevel, called from the function that calls this one, of the
    first frame outside ``module`` (or, with ``whole_package``, outside the whole package) and
    outside scikit-learn and joblib, which call the package back: the user's line, whether the
    estimator is used alone or inside a ``Pipeline``, a search, a ``ForecastEnsemble`` or a
    recipe. A fixed level pointed into scikit-learn or into the package's wrappers, which add
    frames of their own (and scikit-learn's scorers are wrapped in some versions, not others).

    Where no such frame is the caller's (work run in a joblib worker, process or thread: the
    frames beyond scikit-learn and joblib start the worker), the warning is put at the
    outermost frame of ``module``, whose name the filters then see: it was put at
    multiprocessing/process.py:108, the worker's bootstrap, a place no filter of the user's
    names (user trial, session 22). Not at the first frame of scikit-learn's either: those
    private modules change between versions, and a filter on them would silence
    scikit-learn's own warnings too. So ``warnings.filterwarnings("ignore", module="skattn")``
    (or ``module="skattn.seasonal"``) silences such a warning in the workers (scikit-learn's
    ``Parallel`` gives them the caller's filters, as ``ForecastEnsemble`` does); filtering by
    its category silences it everywhere.

    Parameters
    ----------
    module : str
        ``__name__`` of the module that warns.
    whole_package : bool, default=False
        Walk past every frame of the package, not only ``module``'s: for an estimator that the
        package's own wrappers (``ForecastEnsemble``, the recipes) call. Without it, a call
        from another module of the package is the caller (``backtest`` calling a metric).

    Returns
    -------
    stacklevel : int
    """
    # pickle and copy: a load (joblib's pure-Python unpickler, copy.deepcopy) calls __setstate__
    # back, and the version warning of a model loaded by joblib.load pointed at pickle.py
    passed = ("sklearn", "joblib", "pickle", "copy") + ((_PACKAGE,) if whole_package else ())

    def walked_past(name):
        return name == module or name.split(".")[0] in passed

    frame, level = sys._getframe(1), 1
    own_level = None  # the outermost frame of module
    while frame.f_back is not None and walked_past(str(frame.f_globals.get("__name__"))):
        if frame.f_globals.get("__name__") == module:
            own_level = level
        frame, level = frame.f_back, level + 1
    name = str(frame.f_globals.get("__name__"))
    no_caller = name.split(".")[0] in _BOOTSTRAP_MODULES or walked_past(name)
    return own_level if no_caller and own_level is not None else level
