"""The skattn version in the pickles of the package's estimators, and the warning of a pickle of
another version (scikit-learn's convention, for its own classes only, taken over).

A pickle of another skattn version that lacks an attribute the running code needs loaded
silently, and its ``predict`` then said "This AttentionForecaster instance is not fitted yet.
Call 'fit'...", misleading for a model loaded in production (reproducibility trial, session 24).
scikit-learn stamps ``_sklearn_version`` only into the pickles of classes of its own modules.
"""
from __future__ import annotations

import threading
import warnings

from ._stacklevel import stacklevel_of_caller
from .exceptions import InconsistentVersionWarning

#: The key of the version in a pickled state; popped at load (not an attribute of the object)
STAMP = "_skattn_version"

# The loads of this thread that warned: the stamp (a string) of the last one, and the classes
# it warned of. Every object of one pickle stamps the same string object (skattn.__version__),
# which the pickler writes once and the unpickler reads back as one new object: the stamp's
# identity tells the objects of one load from those of the next
_loads = threading.local()


class StampsVersionWhenPickled:
    """Puts ``skattn.__version__`` into the pickled state and warns, at load, of a pickle of
    another version with :class:`~skattn.exceptions.InconsistentVersionWarning`, once per class
    and load: put first in the bases of every public estimator of the package.

    Composition: the classes' own ``__getstate__``/``__setstate__`` (the old-pickle
    compatibility of the wrappers, the prediction weights of AttentionForecaster) come before
    this one in the MRO and call it through ``super()``; it sees the state they pass, copies it
    before stamping or popping (``object.__getstate__`` returns the ``__dict__`` itself), and
    passes the rest on unchanged, so they read what they read before. A pickle without a stamp
    (every pickle made before session 24, all of them of "0.1.0.dev0", the only version there has
    been) loads without a warning: those are the pickles the compatibility code exists for, and
    a warning of an "unknown" version would be noise on every model stored before.
    """

    def __getstate__(self):
        from . import __version__  # read at call time: skattn/__init__.py sets it after imports

        state = dict(super().__getstate__())  # for a class outside sklearn, the __dict__ itself
        state[STAMP] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        stamp = state.pop(STAMP, None)
        super().__setstate__(state)
        if stamp is None or stamp == __version__:
            return
        # a nested ensemble loads ~6 of the package's objects per member (each member's pipeline
        # step and model, in estimators and estimators_), all of the same pickle and version: the
        # first object of each class warns, the rest of that load are told apart by the stamp.
        # One warning per top-level load is not possible here: the objects inside are loaded
        # (and warn) before the one that holds them, and nothing marks a load's end
        if getattr(_loads, "stamp", None) is not stamp:
            _loads.stamp, _loads.warned = stamp, set()
        name = type(self).__name__
        if name in _loads.warned:
            return
        _loads.warned.add(name)
        warnings.warn(
            InconsistentVersionWarning(estimator_name=name, current_skattn_version=__version__,
                                       original_skattn_version=str(stamp)),
            stacklevel=stacklevel_of_caller(__name__, whole_package=True))
