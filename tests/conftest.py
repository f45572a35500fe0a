import os

# scikit-learn runs its array-API estimator check only when SciPy's array-API mode is on, and that
# must be set before SciPy is first imported. With it, every estimator check runs (none skipped).
os.environ.setdefault("SCIPY_ARRAY_API", "1")
