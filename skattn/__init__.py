"""skattn: attention forecasting for scikit-learn users, in NumPy and Numba with hand-written
gradients."""

from .forecaster import AttentionForecaster
from .seasonal import DeseasonalizedForecaster
from .windows import last_windows, make_windows

__version__ = "0.1.0.dev0"

__all__ = [
    "AttentionForecaster", "DeseasonalizedForecaster", "ForecastEnsemble", "LastSteps",
    "last_windows", "make_attention_ensemble", "make_windows", "__version__",
]

# skattn.ensemble is imported on first use: it pulls in sklearn.ensemble (~0.1 s of the ~1.6 s
# `import skattn` takes), which a user who never builds an ensemble does not need (PEP 562);
# skattn.recipes likewise (it pulls in sklearn.pipeline, and skattn.ensemble when called)
_LAZY = {"ForecastEnsemble": "ensemble", "LastSteps": "ensemble",
         "make_attention_ensemble": "recipes"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
