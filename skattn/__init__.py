"""skattn: attention forecasting for scikit-learn users, in NumPy and Numba with hand-written
gradients."""

from .ensemble import ForecastEnsemble, LastSteps
from .forecaster import AttentionForecaster
from .seasonal import DeseasonalizedForecaster
from .windows import make_windows

__version__ = "0.1.0.dev0"

__all__ = [
    "AttentionForecaster", "DeseasonalizedForecaster", "ForecastEnsemble", "LastSteps",
    "make_windows", "__version__",
]
