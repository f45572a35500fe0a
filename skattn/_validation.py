"""Input validation shared by every estimator of the package (the data contract)."""
from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import KeysView, Set as AbstractSet, ValuesView
from decimal import Decimal
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._worker_warnings import each_warning_once
from .windows import (MissingValuesError, as_float64, check_column, check_fits_in_memory,
                      check_future_covariates, check_numbers, check_polars_columns,
                      check_time_index, check_weight_values, checked_sample_weight,
                      is_data_frame, is_polars_frame, left_pad, masked_as_missing, masked_note,
                      missing_as_nan, n_masked, non_finite_message, ragged_message,
                      refuse_sparse)


class IntegerInterval(Interval):
    """scikit-learn's ``Interval(Integral, ...)`` without ``bool``.

    ``bool`` is an ``Integral`` in Python, and scikit-learn's constraint takes it (by design:
    ``isinstance(True, numbers.Integral)``), so ``d_model=True`` reached the network's checks as
    1 and was refused with "d_model (True) must be divisible by n_heads (2)", ``max_epochs=True``
    trained one epoch and ``n_jobs=True`` ran on one process (fuzzing, session 20). A flag where
    a count is wanted is a mistake; refused here, it gets scikit-learn's own
    ``InvalidParameterError`` message ("must be an int in the range [1, inf). Got True
    instead."). NumPy integers still pass (``np.bool_`` is no ``Integral``, so the plain
    constraint refuses it already).
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


#: ``_parameter_constraints`` of ``n_jobs``, joblib's: None, -1, -2, ... or 1, 2, ...; 0 has no
#: meaning (joblib would say so only when the work starts, for a baseline at predict)
N_JOBS_CONSTRAINT = [IntegerInterval(None, -1, closed="right"),
                     IntegerInterval(1, None, closed="left"), None]

def check_quantiles(quantiles):
    """``quantiles`` as a (Q,) float64 array of distinct, increasing values strictly inside
    (0, 1), or a ValueError naming what is wrong.

    The one rule of every model with ``quantiles=`` (the baselines, :class:`AttentionForecaster`,
    the recipe). Unsorted quantiles are refused, not sorted: the columns of ``predict_quantiles``
    follow ``quantiles_``, and a user reading them in the order given would read the wrong ones
    (the attention model sorted them silently while the baselines refused them, so one
    ``ForecastEnsemble`` of both could not be built from one list). Entries that are not numbers
    (text, bools, None) are refused by :func:`refuse_non_numeric_quantiles`, and one number
    given alone is told to be a list. A masked entry of a masked array is NaN, refused as no
    quantile (its fill value was read as one; fuzzing, session 23).
    """
    given, quantiles = quantiles, masked_as_missing(quantiles)
    refuse_non_numeric_quantiles(quantiles)
    if isinstance(quantiles, (AbstractSet, KeysView, ValuesView)):
        # their order is not the columns' (a set of valid levels was "must be numbers";
        # review, session 22)
        raise ValueError(f"quantiles must be a list or tuple in increasing order (the order "
                         f"of the columns of predict_quantiles), got a {type(quantiles).__name__}"
                         f", which has no order: give sorted(...) of it")
    try:
        array = np.asarray(quantiles, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # ragged lists, complex, Fraction(10**400)
        raise ValueError(f"quantiles must be numbers in (0, 1), got "
                         f"{shown_quantiles(quantiles)}") from None
    if array.ndim == 0:
        # scikit-learn's parameter check refuses it for the estimators ("must be an
        # array-like"), without saying how to give one quantile (user trial, session 22)
        raise ValueError("quantiles must be a 1-D list of values in (0, 1), "
                         + one_number_quantiles_message(quantiles, float(array)))
    shown = shown_quantiles(quantiles)
    if array.ndim != 1 or array.size == 0:  # a nested list is not flattened, silently
        raise ValueError(f"quantiles must be a non-empty 1-D list of values in (0, 1), got "
                         f"{shown}")
    if not np.all((array > 0) & (array < 1)):  # NaN fails this too
        raise ValueError(f"quantiles must be strictly between 0 and 1, got {shown}"
                         f"{masked_note(given)}")
    if np.unique(array).size < array.size:  # two outputs (heads, columns) for one quantile
        raise ValueError(f"quantiles must be distinct, got {shown}")
    if np.any(np.diff(array) < 0):
        raise ValueError(f"quantiles must be in increasing order (the order of the columns of "
                         f"predict_quantiles), got {shown}")
    return array


def one_number_quantiles_message(quantiles, value):
    """The end of the message refusing ``quantiles`` given as one number, ``value`` as a float:
    "got one number, 0.5: give one quantile as [0.5]" when it may be a quantile, else that a
    quantile lies strictly inside (0, 1).

    "[1.5]" and "[nan]" were suggested for 1.5 and nan, quantiles refused in turn (review,
    session 22).
    """
    if 0 < value < 1:  # NaN fails this too
        return f"got one number, {quantiles!r}: give one quantile as [{value!r}]"
    return (f"got one number, {quantiles!r}, which is not strictly inside (0, 1): a quantile "
            "lies strictly between 0 and 1; give the levels as a list of such numbers, e.g. "
            "[0.5] or [0.1, 0.5, 0.9]")


def shown_quantiles(quantiles, limit=5):
    """``quantiles`` as a message shows them: their repr when it is one short line, else the
    type and its first ``limit`` entries ("Series ['0.1', '0.9']").

    A pandas Series' repr is several lines (index, values, dtype), and was put whole inside the
    message (review, session 22).
    """
    text = repr(quantiles)
    if "\n" not in text and len(text) <= 80:
        return text
    try:
        entries = list(np.asarray(quantiles, dtype=object).reshape(-1))
    except Exception:  # noqa: BLE001 -- no entries to list: Python's short repr
        import reprlib

        return reprlib.repr(quantiles)
    shown = ", ".join(repr(entry.item() if isinstance(entry, np.generic) else entry)
                      for entry in entries[:limit])
    more = f", ... ({len(entries)} entries)" if len(entries) > limit else ""
    return f"{type(quantiles).__name__} [{shown}{more}]"


def _is_number(value):
    """Whether ``value`` is a number a quantile may be: a real number (Python's, NumPy's, a
    Fraction, a Decimal, or a 0-d array of one), not a bool (an ``Integral`` in Python)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return (isinstance(value, (Real, Decimal))
            and not isinstance(value, (bool, np.bool_)))


def refuse_non_numeric_quantiles(quantiles):
    """A ValueError naming the entries of ``quantiles`` that are not numbers (text, bools,
    None, dates), or ``quantiles`` itself when it is one such value, and how to give them;
    nothing when there are none (the other rules are the caller's).

    NumPy's conversion to float reads ``"0.5"`` as 0.5 and ``True`` as 1.0, so
    ``quantiles=["0.1", "0.5", "0.9"]`` (from a config file, a command line) was accepted
    silently by every model and by :func:`skattn.metrics.quantile_loss`, while ``"0.5"`` alone
    was refused (user trial, session 22).
    """
    value = (quantiles[()] if isinstance(quantiles, np.ndarray) and quantiles.ndim == 0
             else quantiles)
    if isinstance(value, np.generic):
        value = value.item()  # its repr as Python's: True, not np.True_
    if isinstance(value, (str, bytes)):
        raise ValueError(f"quantiles must be a list of numbers in (0, 1), got the text "
                         f"{value!r}: give one quantile as a number in a list, e.g. [0.5]")
    if value is None or isinstance(value, (bool, complex)):
        # one value that is no number: refused as such an entry of a list is. True was read as
        # 1.0 and told "give one quantile as [1.0]", None as nan (review, session 22)
        raise ValueError(f"quantiles must be a list of numbers in (0, 1), got {value!r}, which "
                         "is not a number: give the levels as numbers in a list, e.g. [0.5] or "
                         "[0.1, 0.5, 0.9]")
    bad = non_number_entries(quantiles)
    if not bad:
        return
    raise ValueError(
        f"quantiles must be numbers in (0, 1), got {shown_quantiles(quantiles)}, with "
        f"{len(bad)} entr{'y' if len(bad) == 1 else 'ies'} that {'is' if len(bad) == 1 else 'are'}"
        f" not a number ({shown_entries(bad)}): give the levels as numbers, e.g. [0.1, 0.5, 0.9]"
        + (" (text read from a file or a command line: [float(q) for q in quantiles])"
           if all(isinstance(entry, (str, bytes)) for entry in bad) else ""))


def non_number_entries(values):
    """The entries of the list, tuple or array ``values`` that are not numbers (text, bools,
    None, dates, complex numbers; :func:`_is_number`), as given; [] when there are none, or
    when ``values`` is no sequence of entries (a set, one value: the caller's rule). NumPy's
    conversion to float reads ``"0.5"`` as 0.5 and ``True`` as 1.0, silently."""
    if isinstance(values, (list, tuple)):
        # each entry as given: NumPy makes [0.1, True] a float array and [1, "a"] text
        return [entry for entry in values
                if not _is_number(entry) and np.ndim(entry) == 0]  # nested: the caller's rule
    try:
        array = np.asarray(values)  # the entries' own types: no conversion to float
    except (TypeError, ValueError):
        return []
    if array.dtype.kind in "fiu" or array.ndim == 0:
        # numbers; a set or another object that is no array of entries: the caller's rule
        return []
    entries = array.reshape(-1)
    return ([entry for entry in entries if not _is_number(entry)] if array.dtype.kind == "O"
            else list(entries))  # bools, text, bytes, dates, complex numbers


def shown_entries(entries, limit=3):
    """The first ``limit`` of ``entries`` as a message lists them, NumPy's scalars as Python's
    ("True, '1', ...")."""
    return ", ".join(repr(entry.item() if isinstance(entry, (np.bool_, np.str_, np.bytes_,
                                                               np.number)) else entry)
                     for entry in entries[:limit]) + (", ..." if len(entries) > limit else "")


def require_libraries(estimator):
    """Raise the ImportError that a fit of ``estimator`` would raise at a model inside it whose
    optional library is missing (a baseline without statsforecast), before anything trains.

    ``backtest`` and ``ForecastEnsemble`` met it at that model's first fit, after every model
    listed before it had trained (core-only trial, session 26). The models inside are
    ``estimator`` and the estimators of its deep parameters (a Pipeline's steps, an ensemble's
    members, a search's or a wrapper's estimator); a model says what it needs through its
    ``_require_library()``.
    """
    parts = [estimator]
    try:
        parts += [value for value in estimator.get_params(deep=True).values()
                  if hasattr(value, "fit")]
    except Exception:  # noqa: BLE001 -- not a scikit-learn estimator: its own fit will tell
        pass
    for part in parts:
        require = getattr(part, "_require_library", None)
        if callable(require) and not isinstance(part, type):
            require()


def refuse_non_windows(X, name="X"):
    """A ValueError for ``X`` None or a single value (a number, a string, a 0-d array), a
    TypeError for a dict or a set: they are no windows. None was "X contains 1 missing value(s)
    (None or pandas.NA)" at an AttentionForecaster's fit and predict, "Expected sequence or
    array-like" at a ForecastEnsemble's predict (serving trial, session 29)."""
    shape = "(n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)"
    if X is None:
        raise ValueError(f"{name} is None: give history windows, an array of shape {shape} "
                         f"(skattn.make_windows cuts them from a series)")
    if isinstance(X, (dict, AbstractSet, KeysView, ValuesView)) and not issparse(X):
        # (scipy's dok_array is a dict: scikit-learn's own check says sparse data are refused)
        raise TypeError(f"{name} must be history windows, an array-like of shape {shape}; got "
                        f"a {type(X).__name__}")
    if isinstance(X, (str, bytes, Real)) or (isinstance(X, np.ndarray) and X.ndim == 0):
        raise ValueError(f"{name} must be history windows, an array-like of shape {shape}; got "
                         f"a single value, {X!r}")


def raise_in_windows_words(exc, X, y, name):
    """Re-raise ``exc``, scikit-learn's or NumPy's ValueError from checking windows ``X`` (and
    ``y``) for the estimator called ``name``, in the package's words where it has them: ragged
    rows (:func:`ragged_windows_message`) and NaN or infinity located
    (:func:`_windows_non_finite_message`); scikit-learn's "Input X contains NaN. ... consider
    HistGradientBoostingClassifier" says neither where nor what to do (user trial, session 20).
    Shared by :func:`validate_windows` and ForecastEnsemble's check (session 30)."""
    ragged = ragged_windows_message(X, y)
    if ragged:
        raise ValueError(ragged) from None
    message = str(exc)
    if message.startswith(("Input X contains", "Input contains")):
        located = _windows_non_finite_message(X, name)
        raise ValueError(located or message) from None
    raise exc


def validate_windows(estimator, X, y=None, *, reset, missing_y=True):
    """Validate history windows ``X`` (and targets ``y``) for ``estimator``.

    scikit-learn's ``validate_data`` does the general checks (finite, numeric, non-empty, the number
    of time steps against ``n_features_in_``, column names); on top of it: ``X`` is 2-D
    (n_samples, n_timesteps) or 3-D (n_samples, n_timesteps, n_channels), and at predict time has
    the channels seen at fit (``estimator.n_channels_``). NaN in ``y`` marks a target value that
    was not observed (:func:`skattn.make_windows` with ``min_target``), as does a masked entry
    of a masked array: allowed wherever the row has at least one observed value
    (:func:`check_targets_with_missing`). A masked entry of ``X`` is refused as NaN is, located
    (:func:`unmasked_windows`).
    Nested lists whose rows differ in length are a ValueError naming the rows
    (:func:`ragged_windows_message`), windows (or targets in a DataFrame) of pandas' sparse
    columns a TypeError (:func:`refuse_sparse_frames`).

    Parameters
    ----------
    estimator : estimator
        The estimator the data are for: ``validate_data`` sets or checks its ``n_features_in_``
        (and ``feature_names_in_``).
    X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
        History windows.
    y : array-like of shape (n_samples,) or (n_samples, horizon), default=None
        The targets; None when there are none to check (at predict time).
    reset : bool
        ``validate_data``'s ``reset``: True at fit, to set ``n_features_in_`` (and
        ``feature_names_in_``) on ``estimator``; False afterwards, to check ``X`` against them,
        and its channels against ``estimator.n_channels_``.
    missing_y : True, default=True
        NaN in ``y`` is a target value that was not observed (see above): the one rule of the
        package's estimators. scikit-learn's, which refuses NaN in ``y`` (False), had no
        caller and was removed (review, session 23); False is a ValueError.

    Returns
    -------
    X : ndarray, float64 or float32
        The validated windows.
    y : ndarray or None
        The validated targets; None when ``y`` is None.
    n_channels : int
        The channels of ``X``: 1 for 2-D windows, else ``X.shape[2]``.
    """
    if not reset and y is None and _passes_predict_checks_as_is(estimator, X):
        # the windows forecast and the wrappers pass on: what validate_data would return,
        # without its cost (a wrapper's tags are every estimator's inside it)
        return X, None, window_channels(X)
    if missing_y is not True:
        raise ValueError("validate_windows takes missing_y=True only: NaN in y is a target that "
                         "was not observed")
    refuse_non_windows(X)
    refuse_sparse_frames(estimator, X, y)
    # a masked entry as NaN (refused in X, a missing target in y): scikit-learn's checks
    # dropped the mask and read the fill value beneath it, a -9999 of a missing reading, as
    # data (fuzzing, session 23)
    X = unmasked_windows(X, type(estimator).__name__)
    given_y, y = y, masked_as_missing(y)
    refuse_dates_and_text(X, "X")
    checking = "X"
    try:
        # scikit-learn's finiteness check sums X first: finite windows of +-1.7e308 made it
        # inf - inf, NumPy's "invalid value encountered in reduce" (review, session 31); it then
        # checks element by element, which these pass
        with np.errstate(over="ignore", invalid="ignore"):
            X = validate_data(estimator, X, reset=reset, allow_nd=True,
                              dtype=[np.float64, np.float32])
        checking = "y"
        if y is not None:
            y = check_targets_with_missing(_numeric_targets(y), X.shape[0], estimator,
                                           given=given_y)
    except ValueError as exc:
        raise_in_windows_words(exc, X, y, type(estimator).__name__)
    except OverflowError as exc:  # a Python int such as 10**400 (review, session 31)
        raise ValueError(f"{checking} must hold numbers within float64's range (up to about "
                         f"1.8e308): {exc}") from None

    n_channels = window_channels(X)
    if not reset and n_channels != estimator.n_channels_:
        raise ValueError(
            f"X has {n_channels} channel(s), but {type(estimator).__name__} was fitted with "
            f"{estimator.n_channels_} channel(s)"
        )
    return X, y, n_channels


def refuse_sparse_frame(values, name, owner):
    """A TypeError for a pandas DataFrame (or Series) ``values`` of sparse columns, naming it
    ``name`` and the estimator ``owner`` (its class name): scikit-learn's conversion of one whose
    fill value is NaN, pandas' default, failed in pandas' words ("fill value must be 0 when
    converting to COO matrix"), and of one filled with 0 said to call '.toarray()', which a
    DataFrame does not have (fuzzing audit, session 23)."""
    dtypes = getattr(values, "dtypes", None)
    if dtypes is None or isinstance(values, np.ndarray):
        return
    frame = is_data_frame(values)
    if any(type(dtype).__name__ == "SparseDtype" for dtype in (dtypes if frame else [dtypes])):
        kind = "DataFrame of sparse columns" if frame else "Series of sparse values"
        raise TypeError(
            f"{name} is a pandas {kind} (SparseDtype), and {owner} takes dense data only: "
            f"densify it first, {name}.sparse.to_dense()"
            + ("" if frame else f" (or {name}.astype(float))"))


def refuse_sparse_frames(estimator, X, y):
    """:func:`refuse_sparse_frame` for windows ``X``, and targets ``y`` in a DataFrame, of
    ``estimator``. A sparse Series ``y`` converts to its values, and is left to that."""
    if isinstance(X, np.ndarray) and (y is None or isinstance(y, np.ndarray)):
        return
    refuse_sparse_frame(X, "X", type(estimator).__name__)
    if is_data_frame(y):
        refuse_sparse_frame(y, "y", type(estimator).__name__)


def ragged_windows_message(X, y):
    """The message for windows ``X`` or targets ``y`` given as nested lists whose rows differ in
    length (:func:`skattn.windows.ragged_message`, with what each row should be), or None:
    NumPy's "setting an array element with a sequence. The requested array has an
    inhomogeneous shape ..." named neither the problem nor the rows (fuzzing audit, session
    23). Looked for only once the conversion has failed."""
    for name, values, hint in (
            ("X", X, "make_windows cuts windows of one length"),
            ("y", y, "one row of horizon values per window, NaN for a value that was not "
                     "observed")):
        ragged = ragged_message(values, name) if isinstance(values, (list, tuple)) else None
        if ragged:
            return f"{ragged} ({hint})"
    return None


def _passes_predict_checks_as_is(estimator, X):
    """Whether windows ``X`` pass every check :func:`validate_windows` makes at predict time
    (``reset=False``, no ``y``) and come out of them unchanged: a finite float64 or float32
    ndarray of the time steps and channels seen at fit, without column names to compare (and
    none seen at fit). ``validate_data``'s generic machinery returns such an ``X`` itself, after
    ~0.1 ms of checks of the container and a ``get_tags``, which for a
    :class:`~skattn.DeseasonalizedForecaster` asks every estimator it holds for theirs (the
    recipe's forecast validates its one window 24 times; session 23). Any other ``X`` (a
    DataFrame, a list, NaN, another shape) goes through those checks, their errors and
    warnings."""
    n_channels = getattr(estimator, "n_channels_", None)
    return (type(X) is np.ndarray
            and X.dtype in (np.float64, np.float32)
            and X.ndim == (2 if n_channels == 1 else 3)
            and X.shape[0] >= 1
            and X.shape[1] == getattr(estimator, "n_features_in_", None)
            and (X.ndim == 2 or X.shape[2] == n_channels)
            and not hasattr(estimator, "feature_names_in_")
            and bool(np.isfinite(X).all()))


def unmasked_windows(X, name):
    """Windows ``X`` without a NumPy mask: ``X`` itself when it is no masked array or masks
    nothing (then its data), else a ValueError locating the masked entries, read as missing
    values (:func:`skattn.windows.masked_as_missing`), which no window may hold (``name``: the
    estimator the windows are for).

    scikit-learn's checks, and a member's or a wrapped model's own, dropped the mask and
    forecast from the fill values beneath it (fuzzing, session 23)."""
    if not isinstance(X, np.ma.MaskedArray):
        return X
    unmasked = masked_as_missing(X)
    if not n_masked(X):
        return unmasked
    located = None
    if unmasked.dtype.kind == "f" and unmasked.ndim >= 2 and unmasked.shape[0]:
        located = _windows_non_finite_message(unmasked, name, masked_note(X))
    if located is None:  # text or objects: the checks that follow refuse them as they are
        return unmasked
    raise ValueError(located)


def noting_masked_inputs(exc, X=None, y=None):
    """``exc``, a wrapped model's refusal of NaN in scikit-learn's words ("Input y contains
    NaN."), as an exception of its type whose message says, right after those words, that the
    NaN are the masked entries of ``X`` or ``y`` as the user gave them
    (:func:`skattn.windows.masked_note`); ``exc`` itself when neither masks an entry or it says
    nothing of NaN in them. Raise the new one ``from exc``.

    A masked target passed to a Ridge inside a wrapper (an ensemble's member, the model of a
    :class:`~skattn.DeseasonalizedForecaster` or a
    :class:`~skattn.model_selection.PredictForecaster`) was refused as "Input y contains NaN.",
    where the user had given no NaN (review, session 23)."""
    message = str(exc)
    for name, given in (("X", X), ("y", y)):
        note, said = masked_note(given), f"Input {name} contains NaN"
        if note and said in message:
            message = message.replace(said, said + note, 1)
    if message == str(exc):
        return exc
    try:
        noted = type(exc)(message)
    except Exception:  # noqa: BLE001 -- a constructor that wants other arguments
        return ValueError(message)
    return noted if str(noted) == message else ValueError(message)


class ForgetsWarningsWhenPickled:
    """Leaves the once-per-model flags of warnings (attributes ``_warned_of_*``: the
    short-history warning of ``forecast_quantiles``, ThetaForecaster's untested season) out of
    pickles, so that a loaded model warns once again and pickles the same bytes whether or not
    it forecast before: put before the other bases. (Only
    :class:`~skattn.AttentionForecaster` did; the wrappers kept it; sklearn-conventions review,
    session 19. ThetaForecaster kept its flag; serving trial, session 29.)"""

    def __getstate__(self):
        state = dict(super().__getstate__())  # for a class outside sklearn, it is __dict__ itself
        for name in [name for name in state if name.startswith("_warned_of_")]:
            del state[name]
        return state


class MissingTargetsScoreMixin:
    """``score`` for the package's regressors, whose ``fit`` accepts NaN targets (values that were
    not observed): put before :class:`~sklearn.base.RegressorMixin` in the bases.

    Without NaN the score is exactly scikit-learn's. With NaN, each horizon step is scored on the
    rows where it was observed and the steps are averaged (a step observed fewer than twice is left
    out): the windows ``make_windows(min_target=...)`` adds at the end of a series, which ``fit``
    accepts, then score instead of failing (``GridSearchCV``'s default scoring, whose last
    time-ordered fold holds them, would otherwise rank every candidate NaN).
    """

    def score(self, X, y, sample_weight=None):
        """R^2 of the forecasts, averaged over the horizon steps, leaving out missing targets.

        As :meth:`sklearn.base.RegressorMixin.score`, except that NaN in ``y`` (a value that was
        not observed, as ``fit`` accepts) is left out: each step is scored on the rows where it
        was observed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The values that followed them; NaN marks a value that was not observed.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the windows in R^2.

        Returns
        -------
        score : float
            R^2, averaged over the horizon steps.
        """
        from sklearn.metrics import r2_score

        predictions = np.asarray(self.predict(X), dtype=np.float64)
        y = check_targets_with_missing(_numeric_targets(y), predictions.shape[0], self)
        # checked here, once for both paths: a list or a scalar weight indexed by the observed
        # rows was an IndexError (fuzzing, session 20). The package's rule for weights first
        # (as the metrics'): scikit-learn's check converts text to numbers, so ["1", ...] were
        # weights, took sample_weight=True for equal weights, and read the values beneath a
        # mask (fuzzing, session 23)
        check_weight_values(sample_weight)
        weights = None if sample_weight is None else checked_sample_weight(
            masked_as_missing(sample_weight), predictions)
        if not np.isnan(y).any():
            if y.shape[0] < 2:  # scikit-learn's r2_score: NaN with a warning
                raise ValueError(f"R^2 needs at least two windows, got {y.shape[0]}")
            return _r2_in_range(r2_score, y, predictions, weights)
        targets = y.reshape(y.shape[0], -1)  # (n, horizon)
        predictions = predictions.reshape(targets.shape)
        scores = []
        for step in range(targets.shape[1]):
            observed = ~np.isnan(targets[:, step])  # (n,)
            if weights is not None:
                # a row of weight 0 is absent, as in the scorers: a step observed only there
                # raised scikit-learn's "Sample weights must contain at least one non-zero
                # number", or averaged in a meaningless R^2 of 0.0 (missing-values trial,
                # session 32)
                observed &= weights > 0
            if observed.sum() >= 2:
                scores.append(_r2_in_range(
                    r2_score, targets[observed, step], predictions[observed, step],
                    None if weights is None else weights[observed]))
        if not scores:
            raise ValueError("y has fewer than two observed values at every horizon step; R^2 is "
                             "not defined")
        return float(np.mean(scores))


#: beyond these magnitudes the squares and sums inside r2_score overflow or underflow
_R2_SAFE_RANGE = (1e-100, 1e100)


def _r2_in_range(r2_score, y, predictions, weights):
    """scikit-learn's R^2, with values and weights brought into a range where its squares and
    weighted sums stay finite. R^2 is the same for values scaled together and for weights
    scaled together, but r2_score computes it as given: values of 1e160 (or 1e308 weights, or
    weights of 5e-324) squared to inf or 0 and gave NaN, or a wrong score, with only NumPy's
    RuntimeWarnings (fuzzing, session 28). Rescaled by the targets' largest magnitude, only
    outside ``_R2_SAFE_RANGE``, so every other score is r2_score's, bit for bit."""
    low, high = _R2_SAFE_RANGE
    # the targets' own scale: with the predictions' (one forecast of 1e170 beside targets near
    # 10), the targets' spread underflowed and a blown-up model scored 0.0 instead of -inf
    # (review, session 28)
    scale = float(np.max(np.abs(y), initial=0.0))
    if np.isfinite(scale) and (scale > high or 0 < scale < low):
        y, predictions = y / scale, predictions / scale
    if weights is not None:
        largest = float(np.max(weights, initial=0.0))
        if np.isfinite(largest) and (largest > high or 0 < largest < low):
            weights = weights / largest
    return r2_score(y, predictions, sample_weight=weights)


def refuse_dates_and_text(values, what):
    """A ValueError for dates, durations or text in ``values`` (an array, a DataFrame, a Series
    or a list), which scikit-learn's conversion to float turns into numbers without a word: a
    datetime64 column into nanosecond counts (~1.6e18), ``"286.08"`` into 286.08 (user trial,
    session 20); and for None / pandas.NA in windows (``y``'s are missing targets). Arrays and
    DataFrames are checked by their dtypes, without a copy, object values by their types."""
    missing_ok = what == "y"
    remedy = (": fill the gaps of the series before cutting windows (make_windows locates "
              "them), or drop those windows")
    try:
        if is_polars_frame(values):
            check_polars_columns(values, missing_ok)
            return
        if is_data_frame(values):
            for index, dtype in enumerate(values.dtypes):
                check_column(values, index, dtype, missing_ok)
            return
        if isinstance(values, np.ndarray):
            array = values
        else:
            try:
                array = np.asarray(values)  # a Series of any dtype, a list
            except ValueError:  # ragged lists: scikit-learn's conversion says so
                return
        check_numbers(array.reshape(-1), array.dtype, "", missing_ok)
    except MissingValuesError as exc:  # "column 'a' contains 2 ..." or "contains 2 ..."
        message = str(exc)
        subject = f"{what}'s " if message.startswith("column") else f"{what} "
        raise ValueError(subject + message + remedy) from None
    except ValueError as exc:
        raise ValueError(f"{what} must be numeric: {exc}") from None


def _numeric_targets(y):
    """``y`` checked for dates and text (:func:`refuse_dates_and_text`), with None and pandas.NA
    as NaN (a target that was not observed, as NaN is) when it holds objects (an object array,
    a list, a Series or DataFrame of objects), else ``y`` itself: float() refused them with a
    TypeError about 'NAType' (fuzzing, session 20). A masked entry of a masked array is NaN too
    (:func:`skattn.windows.masked_as_missing`): its fill value was read as a target (fuzzing,
    session 23)."""
    refuse_sparse(y, "y")
    y = masked_as_missing(y)
    refuse_dates_and_text(y, "y")
    if isinstance(y, np.ndarray):
        array = y
    elif is_data_frame(y):
        if not any(getattr(dtype, "kind", "O") == "O" for dtype in y.dtypes):
            return y
        array = y.to_numpy(dtype=object)
    else:
        try:
            array = np.asarray(y)
        except ValueError:
            return y
    return missing_as_nan(array) if array.dtype.kind == "O" else y


def _windows_non_finite_message(X, name, note=""):
    """The message for windows ``X`` holding NaN or infinity: how many, where, and that gaps are
    filled in the series, before make_windows cuts it (whose message then locates them); None
    when ``X`` cannot be read as float64 with NaN for its missing values. ``note`` follows what
    was found (:func:`skattn.windows.masked_note` of the windows as given)."""
    try:
        if hasattr(X, "to_numpy") and not is_polars_frame(X):
            # pandas' nullable columns: pd.NA is NaN here
            array = X.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            # (a polars frame's to_numpy takes no such arguments, and gives NaN for null: the
            # message was scikit-learn's; polars trial, session 34)
            array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):  # pd.NA in an object array: scikit-learn's message stays
        return None
    bad = ~np.isfinite(array)
    n_nan = int(np.count_nonzero(np.isnan(array)))
    kinds = ", ".join(f"{count} {label}" for count, label in
                      ((n_nan, "NaN"), (int(bad.sum()) - n_nan, "infinite")) if count)
    rows = bad.reshape(bad.shape[0], -1).any(axis=1)
    first = np.argwhere(bad)[0]
    where = f"window {first[0]}, time step {first[1]}" + (
        f", channel {first[2]}" if first.size > 2 else "")
    return (f"X contains NaN or infinity ({kinds} in {int(rows.sum())} of its {rows.size} "
            f"windows, the first in {where}){note}; {name} needs observed values in every window. "
            f"Fill the gaps of the series before cutting windows (make_windows names and "
            f"locates them), or drop those windows")


def _refuse_scalar_y(y):
    """A ValueError for a scalar (0-d) ``y``: scikit-learn's checks count its samples before they
    look at its dimensions, and a scalar has none, so they raised a TypeError."""
    if np.isscalar(y) or getattr(y, "ndim", None) == 0:
        raise ValueError(f"y must be 1-D or 2-D (one row per window), got a scalar: {y!r}")


def check_targets_with_missing(y, n_samples, estimator=None, *, given=None, against="X"):
    """``y`` (n_samples,) or (n_samples, horizon) as a float array in which NaN marks a missing value.

    scikit-learn's target checks, except that NaN is allowed where the row has at least one
    observed value: infinity, a row with no observed value, or a wrong length is a ValueError.
    A masked entry of a masked array is NaN, a missing value (its fill value was read as a
    target; fuzzing, session 23): the message for a row of none says so, of ``given`` (the
    targets as the user gave them, when ``y`` is already unmasked; default: ``y``).
    ``against`` names what has ``n_samples`` rows, in the message for another count (a metric's
    is ``y_pred``: it said "X has 51" of a y_pred of 51 rows; review, session 30).
    """
    given = y if given is None else given
    refuse_sparse(y, "y_true" if against == "y_pred" else "y")
    y = masked_as_missing(y)
    _refuse_scalar_y(y)
    y = check_array(y, ensure_2d=False, dtype="numeric", ensure_all_finite="allow-nan",
                    input_name="y", estimator=estimator)
    if y.dtype.kind not in "f":
        y = y.astype(np.float64)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: {against} has "
            f"{n_samples}, y has {y.shape[0]}"
        )
    unobserved = np.isnan(y) if y.ndim == 1 else np.isnan(y).all(axis=1)
    if unobserved.any():
        rows = np.flatnonzero(unobserved)
        raise ValueError(
            f"Input y contains NaN in every value of {rows.size} row(s) (the first: row "
            f"{rows[0]}){masked_note(given)}; NaN marks a missing target value, and each row "
            "needs at least one observed value"
        )
    return y


def window_channels(X):
    """The channels of validated windows ``X`` (2-D: 1), or a ValueError for other shapes."""
    if X.ndim > 3:
        raise ValueError(
            "X must be 2-D (n_samples, n_timesteps) or 3-D (n_samples, n_timesteps, "
            f"n_channels); got {X.ndim} dimensions, shape {X.shape}"
        )
    n_channels = 1 if X.ndim == 2 else X.shape[2]
    if n_channels < 1:
        raise ValueError(f"X has 0 channels (shape {X.shape}); channel 0 must be the target")
    return n_channels


def as_history(values, n_channels, what="history", allow_empty=False, *, window_model=True):
    """A finite float64 (T, n_channels) array from a 1-D or 2-D history.

    Parameters
    ----------
    values : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The history, oldest step first, at least one step; 1-D only when ``n_channels`` is 1.
    n_channels : int
        The number of channels (columns) it must have.
    what : str, default="history"
        The name of ``values`` in error messages.
    allow_empty : bool, default=False
        Accept zero steps (future covariates that no forecast step needs).
    window_model : bool, default=True
        Whether the caller's ``forecast`` reads only the history's last window, with
        ``predict``'s network (the window models): the message for several series passed at
        once then points to :func:`skattn.last_windows` and one ``predict``. False for the
        baselines, which forecast from the whole history: the message says to call ``forecast``
        once per series instead (their ``predict`` of a last window is not their forecast).

    Returns
    -------
    ndarray of shape (n_timesteps, n_channels), dtype float64
        ``values`` as a 2-D array.

    Raises
    ------
    ValueError
        When ``values`` is not numeric, has another shape, is empty, or holds NaN or infinity;
        when a pandas ``values`` has a DatetimeIndex or PeriodIndex out of time order.

    Warns
    -----
    skattn.exceptions.TimeGapWarning
        When a pandas ``values`` has a DatetimeIndex or PeriodIndex with gaps or repeated times
        (:func:`skattn.windows.check_time_index`).
    """
    check_time_index(values, what)
    # several series passed at once were refused in NumPy's words ("must be numeric: setting
    # an array element with a sequence"), or by their shape, and nothing said that forecast
    # takes one series and what takes many (user trial, session 21)
    many = _several_series_hint(window_model)
    try:
        array = as_float64(values, what)
    except ValueError:
        if what == "history" and isinstance(values, (list, tuple)) and len(values) > 1 \
                and all(np.ndim(value) >= 1 for value in values) \
                and len({len(value) for value in values}) > 1:
            got = f"a {type(values).__name__} of {len(values)} sequences of different lengths"
            for number, value in enumerate(values):
                # text is a problem of its own: "arrays of different lengths" alone hid it
                # (review, session 21)
                try:
                    as_float64(value, f"history[{number}]")
                except ValueError as exc:
                    raise ValueError(f"history must be one series of numbers, got {got}, and "
                                     f"{exc}. For several series: {many}") from None
            raise ValueError(f"history must be one series, got a {type(values).__name__} of "
                             f"{len(values)} arrays of different lengths: {many}") from None
        raise
    if array.ndim == 1 and n_channels == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_channels:
        expected = "(n_timesteps,)" if n_channels == 1 and what == "history" else f"(n_timesteps, {n_channels})"
        hint = ""
        if what == "history" and array.ndim == 3:
            # windows, as predict takes them, more likely than several series: list(array)
            # would make a list of 2-D arrays, which last_windows refuses (review, session 21)
            hint = (f"; a 3-D array is read as windows (n_windows, window, n_channels), which "
                    f"predict takes, not as a history of shape (n_timesteps,) or (n_timesteps, "
                    f"n_channels) (covariates in columns 1..): {many}")
        elif what == "history" and array.ndim == 2 and n_channels == 1:
            hint = ("; a single row: pass it 1-D (history.ravel())" if array.shape[0] == 1 else
                    f"; if these are several series: {many} (list(array) for one series per "
                    f"row, [frame[name] for name in frame] for one per column)")
        raise ValueError(f"{what} must have shape {expected}, got {array.shape}{hint}")
    if array.shape[0] < 1 and not allow_empty:
        raise ValueError(f"{what} is empty: at least one value is needed")
    if not np.all(np.isfinite(array)):
        # a masked array's masked entries are NaN here (as_float64), and said to be
        raise ValueError(non_finite_message(array, what, masked_note(values)))
    return array


def _several_series_hint(window_model):
    """What :func:`as_history`'s messages say to do with several series passed to ``forecast``:
    for a window model, :func:`skattn.last_windows` and one ``predict``; for a baseline (which
    forecasts from the whole history, so its ``predict`` of a last window is another forecast;
    review, session 21), one ``forecast`` per series."""
    if window_model:
        return ("forecast takes one series; for many at once, skattn.last_windows(series, "
                "window=model.n_features_in_) stacks their last windows, and model.predict of "
                "those gives each one's forecast up to the horizon (row i: its first steps "
                "values; value i for a horizon of 1)")
    return ("forecast takes one series, and this model forecasts from the whole history, not "
            "from a window (its predict of last windows is not its forecast): call forecast "
            "once per series ([model.forecast(s, steps) for s in series], which joblib can run "
            "in parallel), or, to compare models on many series, "
            "skattn.model_selection.backtest(..., n_jobs=...)")


def check_steps(steps):
    """``steps`` of ``forecast``: an int >= 1 whose forecast fits in memory, or a ValueError.

    Parameters
    ----------
    steps : int
        Number of values to forecast.

    Returns
    -------
    int
        ``steps`` as a Python int.

    Raises
    ------
    ValueError
        When ``steps`` is not an integer >= 1 (a bool is not accepted), or when the forecast
        would take more than half of this machine's memory.
    """
    if not isinstance(steps, Integral) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    # checked before any work: steps=2**62 ran minutes of network calls before failing, and the
    # baselines asked for terabytes. 64 bytes per step: the forecast and the arrays of its
    # length made on the way (48 to 55 bytes per step measured for ARIMA and Theta)
    check_fits_in_memory(64 * int(steps), f"a forecast of steps={steps}",
                         "forecast fewer steps")
    return int(steps)


class NonFiniteForecastError(ValueError):
    """Forecasts that are NaN or beyond float64's range, refused by a wrapper's ``predict`` (or
    ``predict_quantiles``): a ValueError that also says where the first such value lies, so that
    ``forecast`` and ``forecast_quantiles``, which predict one window at a time, can name the
    step of the forecast instead of "window 0", and holds the values refused, so that a caller
    that does not return them all can read those it needs.

    Parameters
    ----------
    message : str
        The message, as for any ValueError.
    subject : str or None, default=None
        Who forecast the values ("member 'lr' (LinearRegression)", "the wrapped Ridge").
    value : float or None, default=None
        The first value that is not finite.
    position : tuple of int or None, default=None
        Its index in the forecasts: (window,), (window, horizon step) or (window, horizon step,
        quantile), counted from 0; None when it is not a forecast's (a seasonal adjustment that
        overflowed), whose message then stands as it is.
    levels : ndarray or None, default=None
        The quantiles of the last axis, for a position with a quantile.
    forecasts : ndarray or None, default=None
        The values refused, as the method computed them (NaN and inf included; its callers
        reshape them to the horizon they know); None when there are none (a seasonal adjustment
        that overflowed). A forecast of fewer steps than the horizon returns the steps asked
        for when those are finite, and an ensemble combines its members' values before it
        checks them (its median is robust to one member's inf): a value that a caller does not
        return was no reason to refuse those it does (review, session 23).
    """

    def __init__(self, message, *, subject=None, value=None, position=None, levels=None,
                 forecasts=None):
        super().__init__(message)
        self.subject, self.value, self.position, self.levels = subject, value, position, levels
        self.forecasts = forecasts


#: what a message says of a value that is not finite, NaN or beyond float64's range
_LARGEST = "the largest float64, ~1.8e308"

#: inputs whose largest absolute value exceeds this (about the square root of the largest
#: float64: the product of two such values overflows) are near float64's range
_NEAR_THE_RANGE = 1e154

#: inputs this many times the largest absolute value of the training windows are taken for data
#: in other units (cents for dollars, grams for kilograms)
_OTHER_UNITS = 100.0


def _non_finite_value(value):
    """What a message says of a forecast ``value`` that is not finite: the value, and why it is
    no forecast."""
    if np.isnan(value):
        return "NaN", "not a number, it is no forecast (an overflow inside a model gives one)"
    return (f"{'-' if value < 0 else ''}inf",
            f"beyond {_LARGEST}, a value is no forecast")


def model_name(estimator):
    """The model that makes ``estimator``'s forecasts (its :func:`final_step`), named with what
    holds it: "Ridge", "Ridge (the model inside GridSearchCV)". A search "does not" forecast
    quantiles said nothing of the point model it had chosen (review, session 22)."""
    final = final_step(estimator)
    if final is estimator:
        return type(estimator).__name__
    return f"{type(final).__name__} (the model inside {type(estimator).__name__})"


def within(subject, holder):
    """Who forecast a value, ``subject`` (as an inner wrapper's :class:`NonFiniteForecastError`
    names it, None when it names no one), inside ``holder`` ("the wrapped ForecastEnsemble",
    "member 'ds' (DeseasonalizedForecaster)"): "member 'g' (Grow) in the wrapped
    ForecastEnsemble". A wrapper around an ensemble named the member alone, as if it were the
    wrapper's own model (review, session 23)."""
    return f"{subject} in {holder}" if subject else holder


def training_reach(X):
    """The largest absolute value of training windows ``X``, which the wrappers keep at fit
    (``_training_reach``) for :func:`check_finite_forecasts`' messages: windows far beyond it
    are in other units. Non-finite values (NaN a wrapped model accepts) are left out; None when
    ``X`` holds no number (or is no array of numbers: a wrapped model's own input)."""
    array = np.asarray(masked_as_missing(X))  # no dtype: nothing converted, nothing warned
    if array.dtype.kind not in "biuf" or array.size == 0:
        return None
    if array.dtype.kind == "b":
        array = array.astype(np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        array = array[finite]
        if not array.size:
            return None
    return float(max(array.max(), -array.min()))


def _reach(values):
    """The largest absolute finite value of ``values``, for a message: 0.0 when there is none;
    None when ``values`` cannot be read as numbers."""
    try:
        array = np.asarray(masked_as_missing(values), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    array = array[np.isfinite(array)]
    return float(np.max(np.abs(array))) if array.size else 0.0


def _scale_remedy(owner, reach, given, what, subject):
    """How a message about a forecast that is not finite ends: ``given`` ("The windows", "It
    was forecast from the last window of the history, whose values") reach ``reach``; when that
    is near float64's range, or more than 100 times the training windows' largest value
    (``owner``'s ``_training_reach``, kept at fit), ``what`` ("the windows", "the history") is
    to be given in the units of the training data; else ``subject`` (the model) went astray by
    itself, on inputs of ordinary size. The units were blamed for a model that goes out
    of range on the windows it was trained on (review, session 23). ``reach`` None (inputs that
    are not numbers to read): the units' remedy, without the values."""
    units = (f"give {what} in the units of the training data (a series whose values approach "
             f"{_LARGEST}, in smaller units)")
    if reach is None:
        return units[:1].upper() + units[1:]
    trained = getattr(owner, "_training_reach", None)
    seen = "" if trained is None else f" (those of the training windows: {trained:.3g})"
    start = f"{given} reach {reach:.3g} in absolute value{seen}"
    if reach > _NEAR_THE_RANGE:
        return f"{start}: {units}"
    if trained is not None and reach > _OTHER_UNITS * trained:
        return (f"{start}, more than {_OTHER_UNITS:g} times theirs: give {what} in the units of "
                f"the training data")
    if trained is None:
        # a model pickled before the training windows' reach was kept (session 23): whether
        # the inputs are in other units is not known, so both causes are named
        return (f"{start}: give {what} in the units of the training data, or, if they are, "
                f"{subject or 'the model'} went astray on them (an unstable fit): check the "
                f"model's fit and parameters, or forecast with another model")
    return (f"{start}, values of ordinary size, so not their units: {subject or 'the model'} "
            f"went astray on them (an unstable fit, a term that grows without bound): check the "
            f"model's fit and parameters, or forecast with another model")


def _where(position, shape, levels):
    """Where ``position`` lies in forecasts of ``shape``, for a message: "window 0, horizon
    step 2 of 3, quantile 0.9". The horizon steps are counted from 1, as ``forecast``'s
    messages count the steps (predict said "horizon step 1" where forecast said "step 2", of
    one value; review, session 23); the windows are rows, counted from 0 as in X."""
    where = f"window {position[0]}"
    if len(position) > 1:
        where += f", horizon step {position[1] + 1} of {shape[1]}"
    if len(position) > 2:
        where += (f", quantile {levels[position[2]]:g}" if levels is not None
                  and len(levels) == shape[-1] else f", quantile column {position[2]}")
    return where


def check_finite_forecasts(forecasts, owner, method, subject=None, levels=None, *, inputs=None,
                           returned=None):
    """``forecasts`` of a wrapper's ``method``, or a :class:`NonFiniteForecastError` when some
    are NaN or infinite, naming ``owner``, ``subject`` (who forecast them) and where.

    A regressor fitted on ordinary windows can forecast beyond float64's range from windows of
    another scale (Ridge gave -inf for windows of 1.7e308), and the wrappers returned that, or
    fed it back into the next window of a recursive forecast, where it was refused as if the
    history held NaN (fuzzing, session 23). :class:`~skattn.AttentionForecaster` refuses its
    own. One ``np.isfinite`` over the forecasts when they are finite.

    Parameters
    ----------
    forecasts : ndarray of shape (n_windows,), (n_windows, horizon) or (n_windows, horizon, Q)
        The forecasts, float64.
    owner : estimator
        The wrapper whose ``method`` returns them (its class names the error).
    method : str
        "predict", "predict_quantiles" or "transform".
    subject : str, callable or None, default=None
        Who forecast them, e.g. "member 'lr' (LinearRegression)", or a function of no argument
        that returns it (called only for forecasts that are not finite: a name read from the
        estimators costs more than the check); None: ``owner`` itself.
    levels : ndarray or None, default=None
        The quantiles of the last axis of quantile forecasts, named in the message.
    inputs : array-like or None, default=None
        The windows forecast from: how far they reach, against the training windows', says
        whether their units are to blame (:func:`_scale_remedy`); None: not said.
    returned : ndarray or None, default=None
        What ``method`` would return, when it is not ``forecasts`` (a seasonal adjustment
        multiplied back): the error's ``forecasts``.

    Returns
    -------
    forecasts : ndarray
        ``forecasts`` itself.

    Raises
    ------
    NonFiniteForecastError
        When a forecast is NaN or infinite.
    """
    if np.isfinite(forecasts).all():
        return forecasts
    if callable(subject):
        subject = subject()
    subject = subject or type(owner).__name__
    bad = ~np.isfinite(forecasts)
    position = tuple(int(index) for index in np.argwhere(bad)[0])
    value = float(forecasts[position])
    rows = bad.reshape(bad.shape[0], -1).any(axis=1)
    text, why = _non_finite_value(value)
    reach = None if inputs is None else _reach(inputs)
    message = (
        f"{type(owner).__name__}.{method}: {subject} forecast {text} for "
        f"{_where(position, forecasts.shape, levels)}: {why} ({int(bad.sum())} value(s) in "
        f"{int(rows.sum())} of the {rows.size} windows are NaN or infinite). "
        f"{_scale_remedy(owner, reach, 'The windows', 'the windows', subject)}")
    raise NonFiniteForecastError(message, subject=subject, value=value, position=position,
                                 levels=levels,
                                 forecasts=forecasts if returned is None else returned)


def _wrapped_subject(owner):
    """Who forecast the values of ``owner``'s ``predict``, for a message: the model a
    :class:`~skattn.model_selection.PredictForecaster` wraps (its ``estimator_``), else None."""
    inner = getattr(owner, "estimator_", None)
    return None if inner is None else f"the wrapped {model_name(inner)}"


def _from_the_last_window(owner, window, subject):
    """The end of a message about a forecast from the last window of the history, ``window``
    (window, C), that is not finite: its reach, and what to do (:func:`_scale_remedy`)."""
    return _scale_remedy(owner, _reach(window),
                         "It was forecast from the last window of the history, whose values",
                         "the history", subject)


def _first_non_finite(values, subject):
    """A :class:`NonFiniteForecastError` locating the first value of ``values`` (one window's
    forecasts: (horizon,) or (horizon, Q)) that is not finite, forecast by ``subject``, as a
    wrapper's refusal of window 0 locates it; None when they are all finite."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return NonFiniteForecastError("", subject=subject, value=float(values[index]),
                                  position=(0,) + index)


def _non_finite_step_error(owner, method, exc, *, step, steps, context):
    """The error of ``owner``'s ``method`` (forecast, forecast_quantiles) for the located
    :class:`NonFiniteForecastError` ``exc`` of the one window whose first forecast is step
    ``step`` of the ``steps`` asked for: the step of the forecast (and its quantile) instead of
    "window 0, horizon step h", then ``context``, what the window was and what to do."""
    position = exc.position
    step += position[1] if len(position) > 1 else 0
    text, why = _non_finite_value(exc.value)
    quantile = ""
    if len(position) > 2:
        levels = exc.levels
        quantile = (f"quantile {levels[position[2]]:g} of " if levels is not None
                    and position[2] < len(levels) else f"quantile column {position[2]} of ")
    by = f" ({exc.subject} forecast it)" if exc.subject else ""
    return NonFiniteForecastError(
        f"{_owner_name(owner)}.{method}: the forecast of {quantile}step {step} (of {steps}) is "
        f"{text}{by}: {why}. {context}",
        subject=exc.subject, value=exc.value, position=position, levels=exc.levels)


def _owner_name(owner):
    return type(owner).__name__ if owner is not None else "the model"


def _non_finite_round_error(owner, exc, round_number, steps, horizon, window, history,
                            forecast, current):
    """The error of ``owner``'s recursive forecast for the :class:`NonFiniteForecastError`
    ``exc`` of round ``round_number`` (its window ``current``'s forecasts, steps
    ``round_number * horizon + 1`` on); ``forecast`` holds the earlier rounds' values,
    ``history`` (T, C) is the validated history."""
    done = round_number * horizon  # forecasts already made, the last of them fed back
    if round_number == 0:
        context = _from_the_last_window(owner, current, exc.subject)
    else:
        fed = forecast[max(0, done - window):done]  # those in the window of this round
        context = (
            f"Beyond the horizon of {horizon}, forecasts are fed back as history: the window of "
            f"step {done + 1} held {fed.size} of them, reaching {_reach(fed):.3g} in absolute "
            f"value, where the history's values reach {_reach(history[:, 0]):.3g}. Forecast at "
            f"most {done} steps from this history, or train a model of a longer horizon (fewer "
            f"forecasts fed back)")
    if exc.position is None:  # not located: an adjustment of the window that overflowed
        text = str(exc)
        return NonFiniteForecastError(
            f"{_owner_name(owner)}.forecast: the forecasts of steps {done + 1} to "
            f"{done + horizon} (of {steps}): {text[:1].lower()}{text[1:]} {context}")
    return _non_finite_step_error(owner, "forecast", exc, step=done + 1, steps=steps,
                                  context=context)


def recursive_forecast(predict_window, history, steps, *, window, horizon, n_channels,
                       future_covariates=None, stacklevel=3, owner=None):
    """Forecast ``steps`` values after ``history`` with a direct model of ``horizon`` outputs.

    The package's one rule for ``forecast`` of window models: read the last ``window`` steps of
    the history (left-padded with its first step when shorter, as :func:`skattn.make_windows`
    does), forecast ``horizon`` values, and while more are asked for append them (with the future
    covariates of those steps) and forecast again. Each distinct warning of ``predict_window``
    shows once per call, not once per round (every copy under an "always" filter; see
    :func:`~skattn._worker_warnings.each_warning_once`).

    Parameters
    ----------
    predict_window : callable
        ``predict_window(current)`` with ``current`` of shape (window, n_channels) returns the
        ``horizon`` next values of the target, shape (horizon,).
    history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
    steps : int >= 1
    window, horizon, n_channels : int
        What the model was fitted with.
    future_covariates : array-like of shape (n_future, n_channels - 1) or None
        The covariates of the forecast steps, first row at the first forecast value. Needed
        only with covariates when ``steps`` exceeds ``horizon``, then with at least
        ``(ceil(steps / horizon) - 1) * horizon`` rows; checked whenever given (refused for a
        model without covariates), read only beyond the horizon.
    stacklevel : int, default=3
        Of the warning about unread ``future_covariates``: the caller of the model's forecast.
    owner : estimator or None, default=None
        The model whose ``forecast`` this is, named in the error for forecasts that are not
        finite (a wrapper's :class:`NonFiniteForecastError`, or values ``predict_window``
        returned).

    Returns
    -------
    forecast : ndarray of shape (steps,)

    Raises
    ------
    NonFiniteForecastError
        When a forecast that would be returned or fed back is NaN or infinite, naming the step:
        such values are neither returned nor fed back into the next window (where they were
        refused as if the history held NaN; fuzzing, session 23). The values of the last round
        beyond ``steps``, never returned, are not looked at.
    """
    steps = check_steps(steps)
    if future_covariates is not None:
        check_future_covariates(history, future_covariates)
    history = as_history(history, n_channels)
    current = left_pad(history, window)[-window:]  # (window, C)
    future = None
    n_rounds = math.ceil(steps / horizon)
    if future_covariates is not None:
        # checked whether or not the recursion reads it (within the horizon it does not): a
        # wrong argument (a string, a covariate too many) was accepted silently and surfaced
        # only with a longer forecast, and a model without covariates ignored it (user trial,
        # session 16)
        if n_channels == 1:
            raise ValueError(
                "the model was fitted without covariates (1 channel): future_covariates must "
                "be None"
            )
        future = as_history(future_covariates, n_channels - 1, what="future_covariates",
                            allow_empty=n_rounds == 1)
        read = (n_rounds - 1) * horizon  # rows the recursion appends to its windows
        if future.shape[0] > read:
            # a statsforecast user's planned promotions (its X_df, one row per forecast step)
            # changed nothing within the horizon, and the rows of the last round nothing
            # beyond it, silently: no model reads a covariate at the steps it forecasts (user
            # trial and second review, session 18)
            unread = (f"do not change a forecast of {steps} step(s) within the horizon "
                      f"{horizon}" if read == 0 else
                      f"are read only in their first {read} rows (appended to the windows "
                      f"after each horizon of {horizon}); the other {future.shape[0] - read} "
                      f"change nothing")
            warnings.warn(
                f"future_covariates {unread}: covariates are past-only inputs, read in each "
                f"window up to its last step. A value known in advance (a planned promotion) "
                f"reaches the forecast when its covariate is shifted forward by the horizon, in "
                f"the windows of fit, the history and future_covariates alike",
                UserWarning,
                stacklevel=stacklevel,
            )
    if n_channels > 1 and n_rounds > 1:
        if future is None:
            raise ValueError(
                f"steps={steps} exceeds the horizon {horizon} of a model with covariates: "
                "pass future_covariates for the forecast steps"
            )
        needed = (n_rounds - 1) * horizon
        if future.shape[0] < needed:
            raise ValueError(
                f"future_covariates has {future.shape[0]} rows; {needed} are needed for "
                f"steps={steps} with horizon {horizon}"
            )
    # filled in place: a list of one small array per round took ~160 bytes per step
    forecast = np.empty(n_rounds * horizon)
    # each distinct warning of the model's predict once per forecast, not once per round fed
    # back (3 copies for 3 rounds): a regressor's check_array in every predict enters
    # scikit-learn's catch_warnings, which resets Python's once-per-location memory. The
    # filters still decide where a warning is raised ("error" raises it there, "always"
    # shows every copy), and it is raised again from its own file, line and module. One
    # round has nothing to repeat, and is left as it is (the recording cost ~5 us a call, 15%
    # of an AttentionForecaster's forecast within its horizon)
    with each_warning_once() if n_rounds > 1 else contextlib.nullcontext():
        for round_number in range(n_rounds):
            # the values of this round that are returned (all but those beyond steps in the
            # last round) and fed back: only those need be finite. A model of horizon 3 whose
            # third step overflowed refused forecast(history, 1) (review, session 23)
            needed = min(horizon, steps - round_number * horizon)
            refused = None
            try:
                out = np.asarray(predict_window(current), dtype=np.float64).reshape(horizon)
            except NonFiniteForecastError as exc:  # a wrapper's predict refused them
                if exc.forecasts is None:  # nothing to read: an adjustment that overflowed
                    if exc.position is None and round_number == 0:
                        raise  # the history's own adjustment (its message names the remedy)
                    raise _non_finite_round_error(owner, exc, round_number, steps, horizon,
                                                  window, history, forecast, current) from exc
                refused = exc
                out = np.asarray(exc.forecasts, dtype=np.float64).reshape(horizon)
            if not np.isfinite(out[:needed]).all():
                # a model that returns them (a regressor PredictForecaster wraps): the first
                # round of NaN was returned, and the next refused as "Input X contains NaN"
                # (fuzzing, session 23); a wrapper's refusal names who forecast them
                located = _first_non_finite(
                    out[:needed],
                    _wrapped_subject(owner) if refused is None else refused.subject)
                raise _non_finite_round_error(owner, located, round_number, steps, horizon,
                                              window, history, forecast, current) from refused
            forecast[round_number * horizon:(round_number + 1) * horizon] = out
            if round_number + 1 < n_rounds:
                new_rows = out[:, None]  # (horizon, 1)
                if future is not None:
                    new_rows = np.concatenate(
                        [new_rows, future[round_number * horizon:(round_number + 1) * horizon]],
                        axis=1)
                current = np.concatenate([current, new_rows])[-window:]
    return forecast[:steps]


def as_model_windows(estimator, windows):
    """Windows (n, window, C) as the fitted ``estimator`` was given them: 2-D for one channel,
    and a DataFrame with its ``feature_names_in_`` when it was fitted on one (its own checks of
    the names then pass, instead of warning at every call)."""
    windows = windows if estimator.n_channels_ > 1 else windows[:, :, 0]
    if hasattr(estimator, "feature_names_in_"):
        import pandas as pd

        windows = pd.DataFrame(windows, columns=estimator.feature_names_in_)
    return windows


def forecast_with_predict(estimator, history, steps, future_covariates=None):
    """``forecast`` of a fitted window estimator that has only ``predict``.

    The same rule as :func:`recursive_forecast`, each window predicted by ``estimator.predict``.
    ``estimator`` must have ``n_features_in_`` (the window), ``n_channels_`` and ``n_outputs_``
    (the horizon); fitted on a DataFrame (``feature_names_in_``), it is given DataFrames with
    those column names, so its own checks of the names pass.

    Parameters
    ----------
    estimator : estimator
        Fitted on history windows, with the attributes above.
    history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series up to now, oldest first, any length >= 1.
    steps : int >= 1
        Number of future values.
    future_covariates : array-like of shape (n_future, n_channels - 1) or None, default=None
        The covariates of the forecast steps, as :func:`recursive_forecast` takes them.

    Returns
    -------
    ndarray of shape (steps,)
        The forecast values, in time order.
    """

    def predict_window(current):  # (window, C) -> (horizon,)
        return estimator.predict(as_model_windows(estimator, current[None])).reshape(
            estimator.n_outputs_)

    return recursive_forecast(predict_window, history, steps, window=estimator.n_features_in_,
                              horizon=estimator.n_outputs_, n_channels=estimator.n_channels_,
                              future_covariates=future_covariates,
                              stacklevel=4,  # the caller of the model's forecast
                              owner=estimator)


def naming(exc, label):
    """``exc`` as a new exception of its type whose message starts with ``label`` (e.g. "model
    'ets'"; raise it ``from exc``); a ValueError where the type cannot be made from a message
    alone."""
    message = f"{label}: {exc}"
    try:
        named = type(exc)(message)
    except Exception:  # a constructor that wants other arguments (UnicodeDecodeError, ...)
        return ValueError(message)
    # a type may build its message from its arguments its own way (OSError(errno, ...)): keep
    # it only if the label shows
    return named if label in str(named) else ValueError(message)


def check_is_fitted_without_tags(estimator):
    """scikit-learn's ``check_is_fitted(estimator)``, without asking a fitted estimator for its
    tags.

    ``check_is_fitted`` reads the tags only for ``requires_fit`` (an estimator that needs no fit
    passes unfitted), and a fitted estimator passes whatever they say. The tags of the
    package's wrappers are computed from every estimator they hold, at each call: one
    ``ForecastEnsemble.forecast`` of the recipe's 12 members computed ~800 tags, with those
    of :func:`validate_windows`' checks about half of its time (session 23). Nothing is
    cached: an unfitted estimator (never fitted, or after a fit that failed) gets
    ``check_is_fitted`` itself, tags, error message and all."""
    if hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:  # the fitted attributes as check_is_fitted counts them
        fitted = any(name.endswith("_") and not name.startswith("__") for name in vars(estimator))
    if not fitted:
        check_is_fitted(estimator)


def declared_tags(estimator):
    """scikit-learn's tags of ``estimator``, or None for a duck-typed regressor (fit and predict,
    no scikit-learn base class), which declares none."""
    from sklearn.utils import get_tags

    try:
        return get_tags(estimator)
    except AttributeError:
        return None


def takes_three_d(estimator):
    """Whether ``estimator`` takes (n, T, C) windows: its ``three_d_array`` tag, or for a
    Pipeline every step's (scikit-learn's Pipeline does not pass the tag on, so the recipe's
    members, ``make_pipeline(LastSteps(w), AttentionForecaster())``, declared False), or for a
    search or a FrozenEstimator the estimator it wraps (which is given ``X`` as it is; a
    search's tags do not pass this one on either)."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return all(takes_three_d(step) for _, step in estimator.steps
                   if step is not None and step != "passthrough")
    if _is_search(estimator) or _is_frozen(estimator):
        return takes_three_d(estimator.estimator)
    tags = declared_tags(estimator)
    return tags is not None and tags.input_tags.three_d_array


def discard_fitted_attributes(estimator, private=()):
    """Remove the attributes a fit sets, leaving ``estimator`` unfitted: those ending in "_" and
    not starting with one (as ``check_is_fitted`` counts them), and the ``private`` ones named;
    the parameters are kept."""
    for name in list(vars(estimator)):
        if name.endswith("_") and not name.startswith("_") or name in private:
            delattr(estimator, name)


def target_tags_of(estimator):
    """The ``target_tags`` of ``estimator`` as what it wraps declares them: for a search (whose
    tags leave ``multi_output`` at False, so a wrapper of ``GridSearchCV(AttentionForecaster())``
    declared no multi-output it fits; tags review, session 34) and for a Pipeline (whose tags
    are its last step's) the estimator they fit; None for a duck-typed regressor, which declares
    none."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline) and estimator.steps:
        last = estimator.steps[-1][1]
        if last is None or isinstance(last, str):  # "passthrough": the Pipeline's own
            return None
        return target_tags_of(last)
    if _is_search(estimator) or _is_frozen(estimator):
        return target_tags_of(estimator.estimator)
    tags = declared_tags(estimator)
    return None if tags is None else tags.target_tags


def _is_search(estimator):
    """Whether ``estimator`` is one of scikit-learn's searches (GridSearchCV,
    RandomizedSearchCV, the halving searches: ``BaseSearchCV``). Read from ``sys.modules``: an
    instance implies its module is imported, and ``import skattn`` does not import
    ``sklearn.model_selection`` for this."""
    module = sys.modules.get("sklearn.model_selection._search")
    return module is not None and isinstance(estimator, module.BaseSearchCV)


def _is_frozen(estimator):
    """Whether ``estimator`` is a :class:`sklearn.frozen.FrozenEstimator` (as
    :func:`_is_search`, read from ``sys.modules``)."""
    module = sys.modules.get("sklearn.frozen._frozen") or sys.modules.get("sklearn.frozen")
    return module is not None and isinstance(estimator, module.FrozenEstimator)


def _read_through(estimator):
    """The estimator that makes ``estimator``'s predictions when ``estimator`` only passes its
    calls on: a FrozenEstimator's estimator; a fitted search's ``best_estimator_`` (the model
    its ``predict`` calls), an unfitted one's ``estimator`` (what it will refit: for checks of
    what the model can do before it is fitted); else ``estimator`` itself, a search fitted with
    ``refit=False`` too, which has no model to predict with.

    A search's ``predict`` is its ``best_estimator_``'s, but it passes on no
    ``predict_quantiles`` and has no ``quantiles_``: a fitted ``GridSearchCV`` of a quantile
    model inside ``ForecastEnsemble`` counted as "a point" and inside
    ``DeseasonalizedForecaster`` as a model without quantiles, while
    ``PredictForecaster(search)`` read them (user trial, session 22)."""
    while True:
        if _is_frozen(estimator):
            estimator = estimator.estimator
        elif _is_search(estimator) and hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif _is_search(estimator) and not hasattr(estimator, "cv_results_"):  # unfitted
            estimator = estimator.estimator
        else:
            return estimator


def final_step(estimator):
    """The estimator that makes a window model's predictions: a Pipeline's last step, a fitted
    search's best estimator, a FrozenEstimator's estimator (any nesting of them, see
    :func:`_read_through`), else ``estimator`` itself."""
    from sklearn.pipeline import Pipeline

    estimator = _read_through(estimator)
    while isinstance(estimator, Pipeline):
        estimator = _read_through(estimator[-1])
    return estimator


def fitted_quantiles(estimator):
    """The quantiles (ndarray) a fitted window model forecasts, or None when it forecasts a point:
    its ``quantiles_``, or its final step's (:func:`final_step`: a Pipeline's last step, a
    fitted search's best estimator)."""
    quantiles = getattr(final_step(estimator), "quantiles_", None)
    return None if quantiles is None else np.asarray(quantiles, dtype=np.float64)


def predicted_quantiles(estimator, X):
    """The quantile forecasts of a fitted window model for windows ``X``, as its
    ``predict_quantiles`` returns them (the quantiles along the last axis): its own, or, for a
    model that passes its predictions on without that method, its final step's: a Pipeline's last
    step's on ``X`` transformed by the others (a member ``make_pipeline(LastSteps(w),
    AttentionForecaster(...))`` of :func:`skattn.make_attention_ensemble`), a fitted search's
    best estimator's (:func:`_read_through`).

    Raises
    ------
    ValueError
        When no final step has ``predict_quantiles``, naming the remedy (a search fitted with
        ``refit=False`` has no model to forecast with).
    """
    return _predicted_quantiles(estimator, X, estimator)


def _predicted_quantiles(estimator, X, given):
    """:func:`predicted_quantiles` of ``estimator``, a final step of ``given``."""
    from sklearn.pipeline import Pipeline

    estimator = _read_through(estimator)
    if hasattr(estimator, "predict_quantiles"):
        return estimator.predict_quantiles(X)
    if isinstance(estimator, Pipeline):
        if len(estimator.steps) > 1:  # Pipeline[:-1] of one step is a Pipeline of none
            X = estimator[:-1].transform(X)
        return _predicted_quantiles(estimator[-1], X, given)
    if _is_search(estimator):
        raise ValueError(
            f"{type(estimator).__name__} was fitted with refit=False: it has no best_estimator_ "
            f"to forecast quantiles with; fit it with refit=True (the default)")
    named = ("" if estimator is given else
             f" (the final estimator of {type(given).__name__})")
    raise ValueError(
        f"{type(estimator).__name__}{named} has no predict_quantiles: quantile forecasts come "
        f"from an AttentionForecaster with loss='pinball', a baseline with quantiles=, or an "
        f"ensemble of such members, alone, as the last step of a Pipeline or as the best "
        f"estimator of a fitted search")


def quantile_forecasts(estimator, X, horizon, *, owner=None, subject=None, check=True,
                       returned=None):
    """(n, horizon, Q) quantile forecasts of a fitted window model for windows ``X``:
    :func:`predicted_quantiles` (its ``predict_quantiles``, or its final step's) with the
    horizon axis, checked finite (:func:`check_finite_forecasts`) unless ``check`` is False.

    ``owner`` is the wrapper whose ``predict_quantiles`` they are (default: ``estimator``),
    ``subject`` who forecast them (default: ``estimator``, :func:`model_name`; or a function
    that returns it, as :func:`check_finite_forecasts` takes it), both named in the error for
    values that are NaN or infinite; ``returned`` a function of the forecasts giving what the
    owner returns, for the error's ``forecasts`` (default: the forecasts). A wrapper inside
    (a :class:`~skattn.ForecastEnsemble` that refused its own) is named inside ``subject``;
    with ``check`` False its refusal is the caller's to read."""
    try:
        out = np.asarray(predicted_quantiles(estimator, X), dtype=np.float64)
    except NonFiniteForecastError as exc:
        if not check or exc.forecasts is None:
            raise
        out = np.asarray(exc.forecasts, dtype=np.float64)
        inner = (subject() if callable(subject) else subject) or model_name(estimator)
        subject = within(exc.subject, inner)
    out = out.reshape(out.shape[0], horizon, out.shape[-1])
    if check and not np.isfinite(out).all():
        check_finite_forecasts(out, estimator if owner is None else owner, "predict_quantiles",
                               (subject() if callable(subject) else subject)
                               or model_name(estimator), fitted_quantiles(estimator), inputs=X,
                               returned=None if returned is None else returned(out))
    return out


def values_read(estimator):
    """How many of a window's last values a fitted window model's forecasts depend on beyond its
    seasonal adjustment: its window (``n_features_in_``), the ``n_steps_`` of a
    :class:`~skattn.LastSteps` step in a Pipeline, the longest of an ensemble's members', the
    inner model's of a :class:`~skattn.DeseasonalizedForecaster` (whose adjustment reads the
    whole window), that of the model a :class:`~skattn.model_selection.PredictForecaster`
    wraps. A history shorter than this is padded where the networks read it."""
    from sklearn.pipeline import Pipeline

    from .ensemble import ForecastEnsemble, LastSteps, _whole_history_model
    from .model_selection import PredictForecaster, _window_model
    from .seasonal import DeseasonalizedForecaster

    if _read_through(estimator) is not estimator:
        # a fitted search (its best estimator) or a FrozenEstimator: what it wraps reads them,
        # and a search's n_features_in_ is the whole window (user trial, session 22)
        return values_read(_read_through(estimator))
    if isinstance(estimator, PredictForecaster):
        # what its Pipeline, search or frozen model reads: the whole window was counted, so
        # PredictForecaster(make_pipeline(LastSteps(12), ...)) on windows of 24 warned of
        # histories of 12 to 23 values, which it reads whole (review, session 20)
        return min(getattr(estimator, "n_features_in_", 1),
                   values_read(_window_model(estimator.estimator_)))
    if isinstance(estimator, ForecastEnsemble):
        # its window members': a local member (a baseline) forecasts from the whole history and
        # pads nothing; counting its window warned of padding where nothing was padded (review,
        # session 31)
        return max((values_read(member) for member in estimator.estimators_
                    if _whole_history_model(member) is None), default=1)
    if isinstance(estimator, DeseasonalizedForecaster):
        return min(estimator.n_features_in_, values_read(estimator.forecaster_))
    if isinstance(estimator, Pipeline):
        read = values_read(estimator[-1])
        for step in estimator[:-1]:  # a LastSteps before a model cuts what it sees
            if isinstance(step, LastSteps):
                read = min(read, step.n_steps_)
        return read
    return getattr(estimator, "n_features_in_", 1)


def forecast_quantiles_of(estimator, history, steps, quantiles_of_window=None):
    """``forecast_quantiles`` of a fitted window model with ``predict_quantiles``: the quantiles
    of the ``steps`` (at most the horizon, ``n_outputs_``) values after ``history``, read from its
    last window (left-padded with its first value when shorter, and warned about: intervals from
    windows mostly of padding are far too narrow). Shape (steps, n_quantiles).

    ``quantiles_of_window(windows, history, steps)``, when given, computes them in place of
    ``estimator.predict_quantiles(windows)``, once ``history`` (validated, (n, C)) and
    ``steps`` are checked: (1, horizon, n_quantiles) for ``windows`` (1, window[, C]) as the
    model takes them (a ForecastEnsemble whose local members read the whole history)."""
    horizon, window = estimator.n_outputs_, estimator.n_features_in_
    steps = horizon if steps is None else check_steps(steps)
    if steps > horizon:
        raise ValueError(
            f"steps={steps} exceeds the trained horizon {horizon}: beyond it forecasts are "
            f"fed back as if observed, and quantiles read from those windows would leave out "
            f"their uncertainty (intervals too narrow); train with horizon >= {steps}, or use "
            f"forecast() for point values"
        )
    history = as_history(history, estimator.n_channels_)
    if history.shape[0] < 2:
        # padded, one value is a constant window, which is forecast at its level with intervals
        # of zero width, a certainty nothing supports (coverage 0 in a trial); the baselines
        # refuse it too (user trial, session 19)
        raise ValueError(
            f"{type(estimator).__name__}.forecast_quantiles: the history has 1 value; "
            f"prediction intervals need at least 2 values (a window of one value repeated has "
            f"intervals of zero width)")
    # the values the networks read, not the window: the M3 recipe's context is 90, its members
    # read the last 24-54, and its 80% intervals from histories of 48-89 covered 0.85 (0.78 for
    # longer ones): warning about every such series was wrong (statistician's trial, session 19)
    read = values_read(estimator)
    if history.shape[0] < read and not getattr(estimator, "_warned_of_short_history", False):
        # a window mostly of padding is nearly flat, and the model is confidently wrong about
        # it: 80% intervals covered 5% of the values of series of 3-11 values in a window of 52
        # (78% for the long series; user trial, session 18). Once per model: scikit-learn's
        # check_array enters catch_warnings at every predict, which clears Python's
        # once-per-location memory, so a loop over 1,000 series printed it 373 times
        # (production trial, session 18)
        what = (f"the window of {window}" if read == window else
                f"the {read} last values its networks read")
        warnings.warn(
            f"{type(estimator).__name__}.forecast_quantiles: the history has "
            f"{history.shape[0]} values, fewer than {what}, so the window is left-padded with "
            f"its first value; intervals from such windows can be far too narrow (80% intervals "
            f"covered 5% of the values of new series in a trial). A model of a shorter window, "
            f"or a classical model, suits such series better. Said once per model: it applies "
            f"to every history of fewer than {read} values.",
            UserWarning,
            stacklevel=3,
        )
        estimator._warned_of_short_history = True  # after: an "error" filter raised it
    current = left_pad(history, window)[-window:]  # (window, C)
    refused = None
    try:
        # as forecast gives them: an estimator fitted on a DataFrame warned at every call
        # (review)
        windows = as_model_windows(estimator, current[None])
        quantiles = (quantile_forecasts(estimator, windows, horizon, check=False)
                     if quantiles_of_window is None else
                     np.asarray(quantiles_of_window(windows, history, steps),
                                dtype=np.float64).reshape(1, horizon, -1))
    except NonFiniteForecastError as exc:
        if exc.forecasts is None:  # the history's own adjustment (its message names the remedy)
            raise
        refused = exc
        quantiles = np.asarray(exc.forecasts, dtype=np.float64).reshape(1, horizon, -1)
    quantiles = quantiles[0, :steps]  # (steps, Q)
    # the steps asked for only: forecast_quantiles(history, 1) was refused for the 0.9
    # quantile of step 2 (review, session 23)
    located = _first_non_finite(quantiles, _wrapped_subject(estimator) if refused is None
                                else refused.subject)
    if located is not None:
        located.levels = fitted_quantiles(estimator) if refused is None else refused.levels
        # the step and the quantile, not "window 0, horizon step h" (session 23)
        raise _non_finite_step_error(
            estimator, "forecast_quantiles", located, step=1, steps=steps,
            context=_from_the_last_window(estimator, current, located.subject)) from refused
    return quantiles


def fit_routing(owner, name):
    """The MetadataRouter of a wrapper whose ``fit`` fits one estimator, its parameter ``name``:
    ``fit`` routes to that estimator's ``fit``, and the wrapper's own ``score`` takes what the
    wrapper requests (DeseasonalizedForecaster, PredictForecaster)."""
    from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

    # add_self_request: the wrapper's score is its own (R^2 of its predictions), and without
    # its requests in the router set_score_request(sample_weight=True) was accepted but the
    # searches and cross_validate scored it unweighted, or said the weights were "not routed
    # to any object" (review, session 21)
    return MetadataRouter(owner=owner).add_self_request(owner).add(
        **{name: getattr(owner, name)},
        method_mapping=MethodMapping().add(caller="fit", callee="fit"),
    )


def routed_fit_params(owner, name, fit_params):
    """The fit parameters for the wrapped estimator ``name`` of ``owner``: with scikit-learn's
    metadata routing enabled, what it requested (``process_routing``); without, all of them, as
    ``TransformedTargetRegressor`` passes them. A dict for ``fit(X, y, **...)``."""
    from sklearn.utils.metadata_routing import _routing_enabled, process_routing

    fit_params = checked_fit_params(fit_params)
    if _routing_enabled():
        return dict(getattr(process_routing(owner, "fit", **fit_params), name).fit)
    return dict(fit_params)


def checked_fit_params(fit_params):
    """``fit_params`` (a dict) with their ``sample_weight`` checked as the package checks weights
    (:func:`skattn.windows.check_weight_values`: no text or dates, no single bool, no masked
    entries; a masked array that masks nothing is its data), before the wrapped estimators
    get them: scikit-learn's checks convert ``["1", "2"]`` to numbers and drop a mask, training
    on the values beneath it (fuzzing, session 23). The other parameters as given."""
    weights = fit_params.get("sample_weight")
    if weights is None:
        return fit_params
    check_weight_values(weights)
    return {**fit_params, "sample_weight": masked_as_missing(weights)}
