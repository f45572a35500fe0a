"""skattn: attention forecasting for scikit-learn users, in NumPy and Numba with hand-written
gradients."""

__version__ = "0.1.0.dev0"
