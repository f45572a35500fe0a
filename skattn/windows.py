"""Turning series into supervised windows, and the rule for histories that are too short."""
from __future__ import annotations

import datetime
import inspect
import os
import re
import sys
import warnings
import weakref
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from numbers import Integral

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import validation as sklearn_validation

from ._stacklevel import stacklevel_of_caller
from .exceptions import TimeGapWarning

__all__ = ["count_windows", "last_windows", "left_pad", "make_windows"]


def refuse_sparse(values, what):
    """scikit-learn's TypeError for a SciPy sparse matrix or array where dense values are needed
    (targets, a history, a metric's values): NumPy made a 0-d object array of it, and the message
    was "setting an array element with a sequence." (review, session 31)."""
    if issparse(values):
        raise TypeError(f"Sparse data was passed for {what}, but dense data is required. Use "
                        f"'.toarray()' to convert to a dense numpy array.")


def as_float64(values, what):
    """``values`` as a float64 array, or a ValueError naming ``what``.

    Complex values are refused too (NumPy would drop the imaginary part with only a
    ComplexWarning), and so are dates and durations (datetime64 and timedelta64 would become
    nanosecond counts, ~1.6e18 for a date of 2021: a covariate column of dates trained
    unnoticed, user trial, session 20) and text (``"286.08"`` was read as a number in some
    places and refused in others: give numbers). A DataFrame is checked column by column (only
    its object columns value by value), and its missing values (pandas.NA) become NaN.

    Parameters
    ----------
    values : array-like
        The values, of any shape.
    what : str
        The name of ``values`` in the error message, e.g. ``"history"``.

    Returns
    -------
    ndarray of float64
        ``values`` converted, of the same shape.

    Raises
    ------
    ValueError
        When ``values`` cannot be converted to float64, or is complex; when it is a set (which
        has no order), or nested lists whose rows differ in length (:func:`ragged_message`).
    TypeError
        When ``values`` is a SciPy sparse matrix or array (scikit-learn's message).

    Notes
    -----
    A NumPy masked array's masked entries become NaN (:func:`masked_as_missing`): missing
    values, which each caller's check of NaN then names and locates.
    """
    if isinstance(values, (set, frozenset)):
        # NumPy made "an array of shape ()" of it, or "float() argument must be ... not 'set'"
        raise ValueError(f"{what} must be an array of numbers in order, got a "
                         f"{type(values).__name__}, which has no order: pass a list (or an "
                         f"array) of the values, oldest first")
    refuse_sparse(values, what)
    values = masked_as_missing(values)
    try:
        if is_polars_frame(values):
            check_polars_columns(values)
        if is_data_frame(values):
            # by column: a frame of bool and float columns is an object array as a whole, and
            # every value of it was looked at in Python (review, session 20)
            for index, dtype in enumerate(values.dtypes):
                if getattr(dtype, "kind", "O") == "c":
                    raise ValueError("complex values are not supported, only real numbers")
                check_column(values, index, dtype)
            values = values.to_numpy(dtype=object) if any(
                getattr(dtype, "kind", "O") == "O" for dtype in values.dtypes) else \
                values.to_numpy(dtype=np.float64, na_value=np.nan)
        array = np.asarray(values)
        if np.iscomplexobj(array):  # (scikit-learn's own message for windows: left to it there)
            raise ValueError("complex values are not supported, only real numbers")
        if check_numbers(array.reshape(-1), array.dtype):
            return missing_as_nan(array)  # NaN, which the caller's check locates
        return np.asarray(array, dtype=np.float64)
    except OverflowError as exc:  # a Python int such as 10**400 (review, session 31)
        raise ValueError(f"{what} must hold numbers within float64's range (up to about "
                         f"1.8e308): {exc}") from None
    except (TypeError, ValueError) as exc:
        # nested lists of different lengths: NumPy's "setting an array element with a sequence.
        # The requested array has an inhomogeneous shape ..." named neither the problem nor the
        # row (fuzzing, session 23); looked for only once the conversion has failed
        ragged = ragged_message(values, what) if isinstance(values, (list, tuple)) else None
        raise ValueError(ragged or f"{what} must be numeric: {exc}") from None


def masked_as_missing(values):
    """``values`` without a NumPy mask: the masked entries of a masked array as NaN (None in
    an object array), the others as they are; ``values`` itself when it is no masked array.

    ``np.asarray`` drops the mask and keeps what lies beneath it, the fill value of a missing
    reading (-9999, as netCDF files and ``np.ma.masked_values`` hand it over): the windows and
    the metrics computed from it were silently wrong (fuzzing, session 23). As NaN, a masked
    entry is a missing value, and the caller's rule for those applies, with its message (refused
    where complete values are needed, left out where a missing target may be). A masked array
    that masks nothing is its data, unchanged (an integer array stays one).

    Parameters
    ----------
    values : object
        Anything; only a ``numpy.ma.MaskedArray`` is changed.

    Returns
    -------
    object
        ``values``, or its data as an ndarray: float64 with NaN at the masked entries for
        numbers and booleans, object with None there for objects, as it is for other dtypes
        (text, dates, complex), which the callers refuse whatever the mask.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.windows import masked_as_missing
    >>> masked_as_missing(np.ma.masked_values([1.0, -9999.0, 3.0], -9999.0))
    array([ 1., nan,  3.])
    """
    if not isinstance(values, np.ma.MaskedArray):
        return values
    if not np.ma.is_masked(values):
        return np.ma.getdata(values)
    kind = values.dtype.kind
    if kind in "biuf":
        return np.ma.filled(values.astype(np.float64), np.nan)
    if kind == "O":
        return np.where(np.ma.getmaskarray(values), None, np.ma.getdata(values))
    return np.ma.getdata(values)


def n_masked(values):
    """How many entries of ``values`` a NumPy mask hides: 0 for anything but a masked array."""
    return int(np.ma.count_masked(values)) if isinstance(values, np.ma.MaskedArray) else 0


def masked_note(values):
    """What a message about NaN adds for a masked array whose masked entries became NaN
    (:func:`masked_as_missing`), or ""."""
    count = n_masked(values)
    if not count:
        return ""
    return (f" (a masked array: its {count} masked entr{'y is' if count == 1 else 'ies are'} "
            f"read as NaN, missing values)")


class _Ragged(Exception):
    """Raised by :func:`_nested_shape` where two entries of nested lists differ in shape."""

    def __init__(self, where, index, first, other):
        super().__init__(where)
        self.where, self.index, self.first, self.other = where, index, first, other


def _nested_shape(value, where):
    """The shape of ``value``, nested lists and tuples read entry by entry (the entries of one
    list must all have one shape), or :class:`_Ragged` at the first list whose entries do not;
    anything else has NumPy's ``np.shape`` (an array its shape, a number ``()``)."""
    if not isinstance(value, (list, tuple)):
        return np.shape(value)
    first = None
    for index, entry in enumerate(value):
        shape = _nested_shape(entry, f"{where}[{index}]")
        if first is None:
            first = shape
        elif shape != first:
            raise _Ragged(where, index, first, shape)
    return (len(value),) + (first if first is not None else ())


def ragged_message(values, what):
    """The ValueError message for nested lists ``values`` whose entries differ in length or
    shape (rows of different lengths), naming the first two that differ; None when they do not.

    Parameters
    ----------
    values : list or tuple
        The values, e.g. windows as a list of rows.
    what : str
        The name of ``values`` in the message, e.g. ``"X"``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from skattn.windows import ragged_message
    >>> ragged_message([[1.0, 2.0, 3.0], [4.0, 5.0]], "X")
    'X has rows of different lengths: X[0] has 3 values, X[1] has 2; ...'
    >>> ragged_message([[1.0, 2.0], [3.0, 4.0]], "X") is None
    True
    """
    try:
        _nested_shape(values, what)
    except _Ragged as ragged:
        first, other = ragged.first, ragged.other
        a, b = f"{ragged.where}[0]", f"{ragged.where}[{ragged.index}]"
        if len(first) == 1 and len(other) == 1:
            return (f"{what} has rows of different lengths: {a} has {_values(first[0])}, {b} "
                    f"has {other[0]}; an array needs rows of one length")
        if first and len(first) == len(other) and first[1:] == other[1:]:
            # windows of (n_timesteps, n_channels) of different lengths
            return (f"{what} has rows of different lengths: {a} has length {first[0]}, {b} "
                    f"has length {other[0]}; an array needs rows of one length")
        if not first or not other:
            number, sequence = (a, b) if not first else (b, a)
            shape = other if not first else first
            length = _values(shape[0]) if len(shape) == 1 else f"shape {shape}"
            return (f"{what} mixes numbers and sequences: {number} is a number, {sequence} a "
                    f"sequence of {length}; an array needs entries of one shape")
        return (f"{what} has entries of different shapes: {a} has shape {first}, {b} has shape "
                f"{other}; an array needs entries of one shape")
    except (TypeError, ValueError, RecursionError):
        return None
    return None


def _values(count):
    return f"{count} value{'' if count == 1 else 's'}"


def check_bool(name, value):
    """``value`` as a Python bool, or a ValueError naming ``name`` when it is not a bool (NumPy's
    bools are ones): the package's one check of a flag argument.

    ``return_index="False"`` and ``return_forecasts=1`` were taken as true, and the caller got
    more values back than it unpacked (fuzzing, session 23); ``load_airline(as_frame="yes")``
    was refused already.

    Parameters
    ----------
    name : str
        The name of ``value`` in the error message.
    value : object
        The value to check.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        When ``value`` is neither a bool nor a ``numpy.bool_``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def checked_sample_weight(sample_weight, X, **kwargs):
    """scikit-learn's ``_check_sample_weight(sample_weight, X, **kwargs)``, and its refusal of
    weights that are all 0 (a weighted mean of nothing), which scikit-learn makes from 1.9 only:
    before, such weights gave a metric 0.0 and an AttentionForecaster's fit an IndexError
    (minimum-versions trial, session 29). Its own message, on every version."""
    weights = sklearn_validation._check_sample_weight(sample_weight, X, **kwargs)
    if not np.any(weights != 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def check_weight_values(sample_weight, name="sample_weight"):
    """A ValueError when ``sample_weight`` holds text, dates or durations, is a single bool, or
    is a masked array that masks some weights; None, numbers, and arrays of numbers or of bools
    pass, unchanged.

    scikit-learn's check of weights converts them to float: ``["1", "1"]`` was taken as weights
    where text is refused as data everywhere else, and ``sample_weight=True``, a flag where
    weights go, weighted every row alike (fuzzing, session 23); a masked array's mask was
    dropped and the weights beneath it used. An array of bools is a mask of the rows to count,
    weights 1 and 0, as the metrics' tests use it (``sample_weight=weights > 0``), and as
    scikit-learn reads it: it passes.

    Parameters
    ----------
    sample_weight : object
        The weights, as given.
    name : str, default="sample_weight"
        The name of the weights in the error message.

    Raises
    ------
    ValueError
        For text, dates or durations; for a bool (or NumPy bool) given as the weights; for a
        masked array that masks some weights.
    """
    if sample_weight is None:
        return
    if isinstance(sample_weight, (bool, np.bool_)) or (
            isinstance(sample_weight, np.ndarray) and sample_weight.ndim == 0
            and sample_weight.dtype.kind == "b"):
        raise ValueError(f"{name} must be a number or one number per row, got the boolean "
                         f"{sample_weight!r}: it is no flag (None weights every row alike; a "
                         f"mask of the rows to count is an array of bools, or of 1 and 0)")
    count = n_masked(sample_weight)
    if count:
        # a weight beneath the mask was used as it was (np.asarray drops the mask)
        raise ValueError(f"{name} is a masked array with {count} masked entr"
                         f"{'y' if count == 1 else 'ies'}: every row needs a weight, 0 to leave "
                         f"it out (np.ma.filled({name}, 0))")
    if isinstance(sample_weight, np.ndarray):
        array = np.ma.getdata(sample_weight)
    else:
        try:
            array = np.asarray(sample_weight)
        except (TypeError, ValueError):  # ragged: the conversion that follows says so
            return
    try:
        check_numbers(array.reshape(-1), array.dtype)
    except ValueError as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None


def is_data_frame(values):
    """Whether ``values`` is a DataFrame (2-D with columns), not a Series or an array."""
    return hasattr(values, "columns") and getattr(values, "ndim", None) == 2


class MissingValuesError(ValueError):
    """None or pandas.NA where numbers are wanted (:func:`check_numbers`): told apart from the
    other refusals by its class, not by its words (a column named "missing value"; review,
    session 20)."""


def _is_missing(value):
    return value is None or type(value).__name__ == "NAType"


def missing_as_nan(array):
    """An object ``array`` as float64, None and pandas.NA (which float() refuses) as NaN."""
    return np.array([np.nan if _is_missing(value) else value for value in array.reshape(-1)],
                    dtype=np.float64).reshape(array.shape)


def is_polars_frame(values):
    """Whether ``values`` is a polars DataFrame (without importing polars): it has no ``ndim``,
    so :func:`is_data_frame` does not take it, and NumPy converts its date and time columns to
    numbers beside numeric ones."""
    return type(values).__module__.split(".")[0] == "polars" and hasattr(values, "schema") \
        and hasattr(values, "get_column")


def check_polars_columns(frame, missing_ok=True):
    """:func:`check_column` for a polars DataFrame, by its schema: a date, time or duration
    column is refused by name, and text (String, Categorical, Enum) or objects are looked at as
    :func:`check_numbers` looks at an object column. A frame of a Datetime column beside
    numbers became epoch microseconds (~1.7e15) in every window, where pandas' was refused
    (polars trial, session 34). Returns whether there are missing values (None)."""
    boolean = sys.modules["polars"].Boolean  # imported: the frame is polars'
    missing = False
    for name, dtype in frame.schema.items():
        where = f"column {str(name)!r}"
        if dtype.is_temporal():
            raise ValueError(f"{where} holds {dtype} values (dates or durations): give numbers, "
                             f"e.g. a calendar feature, not the time column itself")
        if not (dtype.is_numeric() or dtype == boolean):
            values = frame.get_column(name).to_list()
            missing |= check_numbers(values, np.dtype(object), where, missing_ok)
    return missing


def check_column(frame, index, dtype, missing_ok=True):
    """:func:`check_numbers` of column ``index`` of DataFrame ``frame``, taken out only when its
    dtype needs a look at its values (taking out every column of a float frame of 10,000
    columns cost 0.19 s a call; review, session 20)."""
    kind = getattr(dtype, "kind", "O")
    where = f"column {str(frame.columns[index])!r}"
    if kind in "mM":
        check_numbers((), dtype, where)  # raises
    if kind in "USO":
        return check_numbers(frame.iloc[:, index], dtype, where, missing_ok)  # by position
    return False


def check_numbers(values, dtype, where="", missing_ok=True):
    """A ValueError when the 1-D ``values`` of ``dtype`` hold dates or durations, text, complex
    objects or (with ``missing_ok`` False, a :class:`MissingValuesError`) None / pandas.NA;
    ``where`` ("column 'x'") starts the message. Only object values are looked at one by one,
    their types collected in one pass. Returns whether there are missing values."""
    prefix = f"{where} holds " if where else "got "
    kind = getattr(dtype, "kind", "O")
    if kind in "mM":
        raise ValueError(f"{prefix}{dtype} values (dates or durations): give numbers, e.g. a "
                         f"calendar feature, not the time column itself")
    if kind not in "USO":
        return False
    types = set(map(type, values))
    text = [t for t in types if issubclass(t, (str, bytes))]
    if text:
        first = next(value for value in values if isinstance(value, (str, bytes)))
        raise ValueError(f"{prefix}text values (e.g. {str(first)!r}): convert them to numbers "
                         f"first (pandas.to_numeric)")
    if any(issubclass(t, (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64))
           for t in types):
        raise ValueError(f"{prefix}dates or durations: give numbers, e.g. a calendar feature, "
                         f"not the time column itself")
    if any(issubclass(t, complex) or issubclass(t, np.complexfloating) for t in types):
        raise ValueError("complex values are not supported, only real numbers")
    missing = any(t is type(None) or t.__name__ == "NAType" for t in types)
    if missing and not missing_ok:
        count = sum(1 for value in values if _is_missing(value))
        raise MissingValuesError(f"{where + ' ' if where else ''}contains {count} missing "
                                 f"value(s) (None or pandas.NA)")
    return missing


def _physical_memory_bytes():
    """The machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_integer(name, value, minimum=1):
    """``value`` as an int, or a ValueError naming ``name`` if it is not an integer (bools are
    not) of at least ``minimum``: the package's one check of a count argument.

    Parameters
    ----------
    name : str
        The name of ``value`` in the error message, e.g. ``"window"``.
    value : object
        The value to check.
    minimum : int, default 1
        The smallest value accepted.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        When ``value`` is not an integer (a bool is not one), or is below ``minimum``.
    """
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fits_in_memory(n_bytes, what, advice):
    """A ValueError when ``n_bytes`` would take more than half of this machine's memory.

    Called BEFORE allocating (or computing) something whose size comes from the user: a window
    of 10**9 steps used to fill the machine's memory until the process was killed, and
    ``forecast(steps=2**62)`` ran for minutes before failing.

    Parameters
    ----------
    n_bytes : int
        The memory the work would take.
    what : str
        What would take it, for the message, e.g. ``"the windows"``.
    advice : str
        What the user can change, for the message.

    Raises
    ------
    ValueError
        When ``n_bytes`` exceeds half of the physical memory. Nothing is checked where the OS
        does not report its memory.
    """
    memory_bytes = _physical_memory_bytes()
    # half: a model trained on (or a caller of) the result makes copies of it, and the machine
    # has other work; anything beyond that cannot be used here anyway
    if memory_bytes is not None and n_bytes > memory_bytes / 2:
        raise ValueError(
            f"{what} would take about {n_bytes / 2**30:.1f} GiB, more than half of this "
            f"machine's memory ({memory_bytes / 2**30:.1f} GiB): {advice}"
        )


def non_finite_message(array, what, note=""):
    """The ValueError message for an array with NaN or infinite values: how many, where, and what
    to do. A missing hour of a long series was "series contains NaN or infinity", with nothing to
    find it by or to fill it with; and a series that starts later in a wide frame (leading NaN)
    is not a gap to fill: interpolating it invents history (user trials, session 18). ``note``
    follows what was found: :func:`masked_note` of the values as given."""
    bad = ~np.isfinite(array)
    rows = bad.any(axis=1) if bad.ndim == 2 else bad  # (n,) a time step with a missing value
    n_nan = int(np.count_nonzero(np.isnan(array)))
    kinds = ", ".join(f"{count} {name}" for count, name in
                      ((n_nan, "NaN"), (int(bad.sum()) - n_nan, "infinite")) if count)
    n_steps, n_bad = rows.size, int(np.count_nonzero(rows))
    positions = np.flatnonzero(rows)
    leading = int(np.argmin(rows)) if not rows.all() else n_steps  # bad steps before the first good
    trailing = int(np.argmin(rows[::-1])) if not rows.all() else n_steps
    found = (f"{what} contains NaN or infinity ({kinds}; {n_bad} of its {n_steps} time steps, "
             f"the first at position {positions[0]}){note}")
    if n_bad == n_steps:
        return f"{found}: it has no observed value"
    # Series.interpolate() fills between observed values; limit_direction='both' would also
    # back-fill a leading gap, which invents history (second review, session 18)
    fill = ("Fill the gaps first (e.g. pandas' Series.interpolate(), which fills between "
            "observed values, or the value a season earlier)")
    if what.startswith(("covariates", "future_covariates")):
        # a covariate's steps stay aligned with the target's: filled, never dropped or cut
        return f"{found}: {fill}"
    if what == "history":
        # a missing value in the last row: a forecast starts after the last row, so cutting
        # it, as a training series may be cut, would start the forecast too early (second
        # review, session 18)
        if rows[-1]:
            return (f"{found}: its last row has a missing value, and a forecast starts after the "
                    f"last row of the history; {fill[0].lower()}{fill[1:]}, or forecast "
                    f"steps + k values from the history before its k incomplete last rows and "
                    f"drop the first k")
        if leading == n_bad:  # before the series began: dropped, not filled (that invents)
            return (f"{found}: its first {leading} steps, before its first observed value: drop "
                    f"them (history[{leading}:])")
        return f"{found}: {fill}, or pass only the history after the last gap"
    if leading == n_bad:
        return (f"{found}: its first {leading} steps, before its first observed value: a series "
                f"that starts later (a column of a wide frame) begins at its first value, so "
                f"drop them (values[{leading}:], or Series.dropna()) rather than fill them")
    if trailing == n_bad:
        return (f"{found}: its last {trailing} steps, after its last observed value: cut them "
                f"(values[:-{trailing}]) rather than fill them")
    return (f"{found}: the windows need observed values. {fill}, or keep only the part after "
            f"the last gap")


def _infer_freq(pd, index):
    """The frequency pandas names for ``index``: its ``freq``, else ``index.inferred_freq``
    (cached on the index by pandas, so a second check of the same index costs nothing), or None
    where pandas infers none (or cannot: fewer than 3 entries)."""
    if index.freq is not None:  # a date_range, or asfreq: regular by construction
        return index.freqstr
    if len(index) < 3:
        return None
    try:
        with warnings.catch_warnings():
            # pandas 3 warns that a later version returns an offset (Pandas4Warning, a
            # DeprecationWarning or FutureWarning): read either way (pandas 3 trial, session 34)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            freq = index.inferred_freq
    except (TypeError, ValueError):
        return None
    return getattr(freq, "freqstr", freq)


#: steps of a time index compared at a time by :func:`_first_step` (a bounded temporary)
_STEP_CHUNK = 2**16

#: the longest DatetimeIndex checked for calendar steps (:func:`_calendar_step`): 5,000 years of
#: months; a longer one (seconds, minutes, ...) steps by a fixed length or goes to pandas
_CALENDAR_MAX = 2**16

#: ``asi8`` of NaT
_NAT = np.iinfo(np.int64).min

#: a time unit's count in one second, for the day and the hour in the units of an index
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}

#: NumPy's datetime64 of each unit of a DatetimeIndex, and of months
_TIME_DTYPES = {unit: np.dtype(f"M8[{unit}]") for unit in _PER_SECOND}
_MONTHS = np.dtype("M8[M]")


def _first_step(stamps, condition):
    """The first position ``k`` of the int64 ``stamps`` whose step ``stamps[k] - stamps[k - 1]``
    meets ``condition`` (a function of an array of steps, giving booleans), or None; a chunk of
    differences at a time, not a copy of the index."""
    for start in range(0, len(stamps) - 1, _STEP_CHUNK):
        found = np.flatnonzero(condition(np.diff(stamps[start:start + _STEP_CHUNK + 1])))
        if found.size:
            return start + int(found[0]) + 1
    return None


def _first_other_step(stamps, step):
    """The first position ``k`` of the int64 ``stamps`` with ``stamps[k] - stamps[k - 1]`` other
    than ``step``, or None."""
    return _first_step(stamps, lambda steps: steps != step)


def _calendar_step(wall, unit):
    """``k`` when the increasing wall-clock times ``wall`` (int64 in ``unit``, two or more) are
    one every ``k`` calendar months, each on the same day of its month (or on its last day,
    where the month is shorter: month ends) at the same time of day; else None.

    Monthly, quarterly and yearly data of any anchor: on the 15th, on 4 July, at 08:00. pandas
    infers no frequency for many of them (a year of 365 or 366 days, months of 28 to 31), and
    the warning that followed suggested ``asfreq('365D')``, which turned 16 of 20 yearly values
    into NaN (review, session 21). A few NumPy passes over the index."""
    times = _TIME_DTYPES[unit]  # (dtypes made once: ~0.1 us each a call; this runs per series)
    months = wall.view(times).astype(_MONTHS)
    ordinals = months.view(np.int64)
    month_steps = ordinals[1:] - ordinals[:-1]
    k = int(month_steps[0])
    if k < 1 or (month_steps != k).any():
        return None
    starts = months.astype(times).view(np.int64)
    into = wall - starts  # since the month began
    if (into == into[0]).all():
        return k
    day = 86_400 * _PER_SECOND[unit]
    if (into % day != into[0] % day).any():  # times of day differ
        return None
    days = into // day  # day of the month, from 0
    month_days = ((months + np.timedelta64(1, "M")).astype(times).view(np.int64) - starts) // day
    return k if (days == np.minimum(days.max(), month_days - 1)).all() else None


def _semimonthly(wall, unit):
    """Whether the increasing wall-clock times ``wall`` (three or more) are two a month, every
    month, each of the two on its own day of the month and time (pandas' ``SMS`` and ``SME``:
    the 1st and 15th, the 15th and the month's end)."""
    month_steps = np.diff(wall.view(_TIME_DTYPES[unit]).astype(_MONTHS).view(np.int64))
    if not (((month_steps == 0) | (month_steps == 1)).all()
            and (month_steps[:-1] + month_steps[1:] == 1).all()):
        return False
    # every other entry: the first of each month, and the second
    return all(part.size < 2 or _calendar_step(part, unit) == 1
               for part in (wall[0::2], wall[1::2]))


def _wall_clock(index, stamps):
    """The int64 times of a DatetimeIndex as its clocks show them: its ``asi8``, ``stamps``, for
    one without a time zone, the local times of one with (``asi8`` is UTC there, whose days
    across a change of daylight saving time are 23 or 25 hours long)."""
    return stamps if index.tz is None else index.tz_localize(None).asi8


def _is_regular_datetime(pd, index, one_length=None, stamps=None):
    """Whether the increasing DatetimeIndex ``index`` steps regularly: by one length, in UTC or
    on its clock (a day across a change of daylight saving time); by calendar months
    (:func:`_calendar_step`) or half months (:func:`_semimonthly`); or by a frequency pandas
    infers (business days, weeks of a month, ...), the costliest check, made last.
    ``one_length``: whether its UTC steps are all of one length, where the caller knows;
    ``stamps``: its ``asi8``, where the caller has it."""
    stamps = index.asi8 if stamps is None else stamps
    if len(stamps) < 3:
        return True
    if one_length is None:
        one_length = _first_other_step(stamps, stamps[1] - stamps[0]) is None
    if one_length:
        return True
    wall, unit = _wall_clock(index, stamps), getattr(index, "unit", "ns")
    if wall is not stamps and _first_other_step(wall, wall[1] - wall[0]) is None:
        return True
    if len(wall) <= _CALENDAR_MAX and (_calendar_step(wall, unit) is not None
                                       or _semimonthly(wall, unit)):
        return True
    if len(wall) <= _CALENDAR_MAX and not _pandas_may_infer(wall, unit):
        return False
    return _infer_freq(pd, index) is not None


def _pandas_may_infer(wall, unit):
    """False where pandas' ``infer_freq`` surely infers no frequency for the increasing,
    unique wall-clock times ``wall`` (int64 in ``unit``, three or more) whose steps are not all
    of one length; True where it may. pandas (``_FrequencyInferer.get_freq``) infers, for such
    times: from a shortest step of whole days, months (one month step throughout: monthly,
    quarterly, yearly), business days (steps of 1 and 3 days, exactly) or a weekday of the month
    (one weekday throughout); else business hours (steps of 1, 17 or 65 hours). A few NumPy passes
    where pandas took 0.3 ms, per series, for every series with a gap (a daily series missing a
    day: scale trial, session 27)."""
    steps = wall[1:] - wall[:-1]
    day = 86_400 * _PER_SECOND[unit]
    if steps.min() % day:
        hour = day // 24
        return bool(np.isin(steps, (hour, 17 * hour, 65 * hour)).all())
    if (((wall // day + 3) % 7) == (wall[0] // day + 3) % 7).all():  # 1 January 1970: Thursday
        return True  # one weekday throughout: a weekday of the month ('WOM-2TUE')
    if ((steps == day) | (steps == 3 * day)).all():
        return True  # business days
    month_steps = np.diff(wall.view(_TIME_DTYPES[unit]).astype(_MONTHS).view(np.int64))
    return bool((month_steps == month_steps[0]).all())


def _steps_named(pd, index):
    """``(name, asfreq argument)``, as text, of the regular steps of the short increasing
    DatetimeIndex ``index`` for the gap warning, or None where they are too few or unnamed.
    Calendar months get ``pd.DateOffset(months=k)`` where pandas names a fixed number of days:
    ``'365D'`` for four years with no 29 February put most of the stamps of a yearly series off
    its calendar (review, session 21)."""
    if len(index) < 2:
        return None
    stamps = index.asi8
    wall, unit = _wall_clock(index, stamps), getattr(index, "unit", "ns")
    freq = _infer_freq(pd, index)
    k = _calendar_step(wall, unit)
    if k is not None:
        if freq is not None and not isinstance(pd.tseries.frequencies.to_offset(freq),
                                               pd.offsets.Tick):
            return repr(freq), repr(freq)  # 'MS', 'QE-DEC', 'YS-JAN', ...
        return f"{k} month{'s' if k > 1 else ''}", f"pd.DateOffset(months={k})"
    if freq is None:
        for times in (stamps, wall):
            if _first_other_step(times, times[1] - times[0]) is None:
                freq = pd.tseries.frequencies.to_offset(
                    pd.Timedelta(int(times[1] - times[0]), unit=unit)).freqstr
                break
    return None if freq is None else (repr(freq), repr(freq))


def _first_datetime_gap(pd, index):
    """``(position, named)``: the first irregular step of an increasing DatetimeIndex that is not
    regular (:func:`_is_regular_datetime`) is from ``position - 1`` to ``position``; ``named``
    is :func:`_steps_named` of the steps before it, or of the next steps after it where too few
    come before (None if neither has a name)."""
    # the longest regular prefix, by bisection (a prefix of a regular index is regular): a few
    # checks, and only on the path that warns
    low, high = 2, len(index)
    while high - low > 1:
        middle = (low + high) // 2
        if _is_regular_datetime(pd, index[:middle]):
            low = middle
        else:
            high = middle
    if low == 2 and len(index) >= 4 and _is_regular_datetime(pd, index[1:4]):
        # regular from the second entry on: the first step is the odd one
        return 1, _business_days_named(index, _steps_named(pd, index[1:4]))
    # the steps before the gap, or (too few of them) the next ones after it
    return low, _business_days_named(index, (_steps_named(pd, index[:low]) if low >= 3 else None)
                                     or _steps_named(pd, index[low:low + 3]))


def _business_days_named(index, named):
    """``named``, or business days (``'B'``) where the few steps around a gap look daily but no
    entry of the whole index, a week or more of them, falls on a Saturday or Sunday: a holiday in
    a business-day series' first week was told to asfreq('D'), which adds every weekend as NaN
    to fill (review, session 31)."""
    if named != ("'D'", "'D'") or len(index) < 6:
        return named
    if np.any(np.asarray(index.day_of_week) >= 5):
        return named
    return "'B'", "'B'"


def _positions_as_text(index, positions):
    """The entries of ``index`` at ``positions`` as text: only these are formatted (the whole
    index of 5 million rows, formatted for a message, took 5 s and 630 MB; review, session 21)."""
    return list(index[list(positions)].astype(str))


def _time_order_message(index, what, kind):
    """The ValueError message of :func:`check_time_index` for an index with a missing time or
    out of time order: the first offending position and what to do."""
    if index.hasnans:
        position = int(np.argmax(index.isna()))
        return (f"{what} has a {kind} with a missing time (NaT) at position {position}: drop "
                f"that row or give it its time")
    stamps = index.asi8  # a view: steps are compared a chunk at a time
    position = _first_step(stamps, lambda steps: steps < 0)
    repeated = _first_step(stamps, lambda steps: steps == 0) is not None
    # the model reads the rows as they come, oldest first: rows newest first (an SQL export's
    # ORDER BY date DESC) were forecast from the oldest values, silently (user trial, session 21)
    if index.is_monotonic_decreasing:
        first, last = _positions_as_text(index, (0, len(index) - 1))
        found = f"runs newest first (position 0 is {first}, position {len(index) - 1} is {last})"
    else:
        later, earlier = _positions_as_text(index, (position, position - 1))
        found = (f"is not in time order (position {position}, {later}, comes before position "
                 f"{position - 1}, {earlier})")
    remedy = "sort the rows by time first (values.sort_index())"
    if repeated:
        remedy += f", and for its repeated times {_DEDUPE}"
    return (f"{what} has a {kind} that {found}: the values are read as consecutive time steps, "
            f"oldest first, in the order given, so {remedy}")


_DEDUPE = ("keep one row per time (values[~values.index.duplicated(keep='last')]) or aggregate "
           "them (values.groupby(level=0).sum())")


def _repeated_times_message(index, what, kind):
    """The TimeGapWarning message of :func:`check_time_index` for an increasing index that repeats
    times. In local time without a time zone, hourly data repeat the hour the clocks go back,
    with every row right (a ValueError in session 21 until its review): said as one of the two
    cases where the index steps by less than a day."""
    stamps = index.asi8
    position = _first_step(stamps, lambda steps: steps == 0)
    count = int(index.duplicated().sum())
    (earlier,) = _positions_as_text(index, (position - 1,))
    found = (f"{what} has a {kind} with repeated times (position {position} repeats {earlier} of "
             f"position {position - 1}; {count} repeated row{'s' if count > 1 else ''} in all)")
    read = "The values are read as consecutive time steps, in the order given"
    filtered = "filter this warning by its class, skattn.exceptions.TimeGapWarning"
    clock = False
    if kind == "DatetimeIndex" and index.tz is None:
        day = 86_400 * _PER_SECOND[getattr(index, "unit", "ns")]
        near = [stamps[k] - stamps[k - 1] for k in (position - 1, position + 1)
                if 1 <= k < len(stamps)]
        clock = any(0 < step < day for step in near)
    repeats = np.unique(np.unique(stamps, return_counts=True)[1])
    if not clock and 2 * count >= len(stamps) and repeats.size == 1:
        # every time k times: a long table sorted by time, k series interleaved, whose
        # remedies below (filter the warning, or sum the repeats) were both wrong (review,
        # session 31)
        return (f"{found}: every time appears {int(repeats[0])} times, as when {int(repeats[0])} "
                f"series of a long table are interleaved, sorted by time. {read}, so the "
                f"windows run across the series. Pass each series on its own, its rows in time "
                f"order (docs/pandas.md, 'Table to series'); if the rows are one series whose "
                f"repeats are the same time step, {_DEDUPE}.")
    if not clock:
        return (f"{found}. {read}: if each row is its own time step, the rows are right and you "
                f"can {filtered}; if the repeats are the same time step twice, {_DEDUPE}.")
    return (f"{found}. {read}. If they are the hour repeated when the clocks went back (local "
            f"time without a time zone, at the end of daylight saving time), the rows are right: "
            f"localize the index, values.tz_localize(tz, ambiguous='infer') with tz your time "
            f"zone (e.g. 'Europe/Berlin'), or {filtered}. Otherwise (a row recorded twice), "
            f"{_DEDUPE}.")


def _time_index_of(values):
    """The time index of a pandas series or history, as :func:`check_time_index` reads it.

    Parameters
    ----------
    values : object
        A series or a history (time steps along its rows).

    Returns
    -------
    (index, kind) or None
        ``kind`` is ``"DatetimeIndex"`` or ``"PeriodIndex"``; an object index of Timestamps is
        returned as a DatetimeIndex in UTC. None for anything else (NumPy arrays, lists, other
        index types, naive and aware times mixed), without importing pandas.
    """
    pd = sys.modules.get("pandas")
    # nothing is imported, or copied: a NumPy user pays one dictionary lookup
    if pd is None or not isinstance(values, (pd.Series, pd.DataFrame)):
        return None
    index = values.index
    if isinstance(index, pd.DatetimeIndex):
        return index, "DatetimeIndex"
    if isinstance(index, pd.PeriodIndex):
        return index, "PeriodIndex"
    if _is_arrow_time(pd, index.dtype) or (
            index.dtype == object and len(index) > 1
            and pd.api.types.infer_dtype(index, skipna=False) == "date"):
        # dates and times of pyarrow (read_csv(engine="pyarrow", dtype_backend="pyarrow"),
        # read_parquet) and datetime.date objects (.dt.date): a newest-first export was read
        # backwards unchecked (review, session 31). As a DatetimeIndex, as pandas converts them
        try:
            return pd.DatetimeIndex(index), "DatetimeIndex"
        except (TypeError, ValueError):
            return None
    if index.dtype == object and len(index) > 1 and \
            pd.api.types.infer_dtype(index, skipna=False) == "datetime":
        # Timestamps (or datetimes) held as objects: what read_csv(parse_dates=...) gives for
        # times with changing UTC offsets (+01:00 / +02:00, an export across a clock change),
        # whose newest-first rows were read backwards unchecked (user trial, session 21).
        # Read in UTC, as the instants they are (one O(n) conversion; such indexes are rare);
        # naive ones as naive: in UTC they were called time-zone aware against a naive index
        # (review, session 33)
        aware = any(getattr(time_, "tzinfo", None) is not None for time_ in index)
        try:
            return pd.DatetimeIndex(pd.to_datetime(index, utc=aware)), "DatetimeIndex"
        except (TypeError, ValueError):  # naive and aware mixed: nothing to compare them by
            return None
    if len(index) > 1 and (index.dtype == object or pd.api.types.is_string_dtype(index.dtype)) \
            and isinstance(index[0], str) and _ISO_TIME_WITH_OFFSET.match(index[0].strip()):
        # the same times as text: pandas 3's read_csv(parse_dates=...) leaves times of changing
        # UTC offsets as text, and a newest-first export was read backwards again (pandas 3
        # trial, session 34). Taken for one when its first entry is such a time, read in UTC
        # (each entry in its own ISO 8601 form); not a time index if any cannot be read
        try:
            return (pd.DatetimeIndex(pd.to_datetime(index, utc=True, format="ISO8601")),
                    "DatetimeIndex")
        except (TypeError, ValueError):
            return None
    return None


#: an ISO 8601 date and time with a UTC offset or Z, as an export across a clock change
#: writes them (2024-03-31T03:00:00+02:00)
_ISO_TIME_WITH_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)\Z")


def _is_arrow_time(pd, dtype):
    """Whether ``dtype`` is a pandas ArrowDtype of pyarrow dates or timestamps."""
    arrow = getattr(pd, "ArrowDtype", None)
    if arrow is None or not isinstance(dtype, arrow):
        return False
    kind = dtype.pyarrow_dtype
    types = sys.modules["pyarrow"].types  # imported by pandas for the dtype
    return bool(types.is_timestamp(kind) or types.is_date(kind))


def _refuse_long_table_index(pd, values, what):
    """A ValueError for a pandas series or history whose MultiIndex holds several series: a
    level of times after a level (or levels) with more than one value, the (store_id, date)
    index of a long table. Its values run from one series into the next, and windows crossed
    from one store into another, silently (review, session 31); an index of (date, hour), the
    times first, is one series and passes."""
    index = values.index
    if not isinstance(index, pd.MultiIndex):
        return
    for position in range(1, index.nlevels):
        level = index.levels[position]
        timelike = (isinstance(level, (pd.DatetimeIndex, pd.PeriodIndex))
                    or _is_arrow_time(pd, level.dtype))
        if not timelike:
            continue
        outer = index.droplevel(list(range(position, index.nlevels)))
        n_outer = outer.nunique()
        if n_outer < 2:
            continue
        names = [str(name) for name in index.names]
        outer_names = ", ".join(names[:position])
        # a scalar level for one outer level: a list of one is deprecated in groupby
        levels = 0 if position == 1 else list(range(position))
        raise ValueError(
            f"{what} has a MultiIndex ({', '.join(names)}) whose times ({names[position]}) "
            f"repeat under {n_outer} values of {outer_names}: several series in one long "
            f"table, which would be read as one series running from each into the next. Pass "
            f"each series' values on their own, in time order: for a Series named sales (of a "
            f"DataFrame, its column: table['sales']), [rows.droplevel({levels}).sort_index() "
            f"for _, rows in sales.groupby(level={levels})] (docs/pandas.md, 'Table to "
            f"series')")


def check_time_index(values, what):
    """Check the time index of a pandas series or history: increasing, and regular.

    The package reads values in the order given, one per time step, and ignores the index; a
    pandas ``Series`` or ``DataFrame`` (rows as time steps) with a ``DatetimeIndex`` or a
    ``PeriodIndex`` says whether that reading is right. Newest-first rows (common in SQL
    exports) were forecast from their oldest values, and missing days shifted every weekly
    season after them, both silently (user trial, session 21). An object index of Timestamps
    (what ``read_csv(parse_dates=...)`` gives for times whose UTC offset changes) is checked as
    the instants it holds, in UTC. Other inputs (NumPy arrays, lists, other index types) are not
    looked at: this costs nothing for them.

    Parameters
    ----------
    values : object
        A series or a history (time steps along its rows), not windows ``X``: a DataFrame of
        windows has one window per row.
    what : str
        The name of ``values`` in the messages, e.g. ``"history"``.

    Raises
    ------
    ValueError
        When the index is not in time order (descending, shuffled) or has a missing time
        (NaT): the message names the first offending position and the remedy
        (``sort_index()``, dropping the row).

    Warns
    -----
    skattn.exceptions.TimeGapWarning
        When the index repeats times, in order (the rows may be right, as the hour repeated
        when the clocks go back in local time without a time zone, or a row recorded twice: the
        message says what to do in either case); or when it increases irregularly: a
        ``DatetimeIndex`` of 3 or more entries that steps neither by one length (in UTC or on
        its clock), nor by calendar months (one every ``k`` months on the same day, or two a
        month), nor by a frequency pandas infers (``index.inferred_freq``: business days, ...),
        or a ``PeriodIndex`` with a step other than one period. The message names the first
        gap, and for a gap of one hour in sub-daily local times also the hour skipped when the
        clocks go forward.

    Examples
    --------
    >>> import pandas as pd
    >>> from skattn.windows import check_time_index
    >>> days = pd.date_range("2024-01-01", periods=5, freq="D")
    >>> check_time_index(pd.Series(range(5), index=days), "history")  # in order and regular
    >>> check_time_index(pd.Series(range(5), index=days[::-1]), "history")
    Traceback (most recent call last):
    ...
    ValueError: history has a DatetimeIndex that runs newest first (position 0 is 2024-01-05, ...
    """
    found = _time_index_of(values)
    if found is None:
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(values, (pd.Series, pd.DataFrame)):
            _refuse_long_table_index(pd, values, what)
        return
    index, kind = found
    if _index_is_irregular(index, what, kind):
        warnings.warn(_irregular_message(index, what, kind), TimeGapWarning,
                      stacklevel=stacklevel_of_caller(__name__, whole_package=True))


#: the time indexes :func:`check_time_index` found in order and regular, by id, held weakly (an
#: entry leaves with its index, before its id can be reused)
_REGULAR_INDEXES = weakref.WeakValueDictionary()

#: the time indexes found in order but irregular (a gap, repeated times), as
#: :data:`_REGULAR_INDEXES`: a panel of columns of one frame shares one index, checked once
#: (10,000 series on one index with a gap took 9 s of checks and messages; scale trial,
#: session 27)
_IRREGULAR_INDEXES = weakref.WeakValueDictionary()


def _index_is_irregular(index, what, kind):
    """Whether the time ``index`` (of :func:`_time_index_of`) is in order but irregular (a gap,
    repeated times: what the TimeGapWarning is about); False when it is regular; the ValueError
    of an index out of time order or with a NaT. Nothing is formatted: the message is
    :func:`_irregular_message`'s, made only where it is shown."""
    # an index found regular (or irregular) is not checked again (pandas indexes are
    # immutable): a loop of forecasts over the columns of one frame shares one index object
    if len(index) < 2 or _REGULAR_INDEXES.get(id(index)) is index:
        return False
    if _IRREGULAR_INDEXES.get(id(index)) is index:
        return True
    pd = sys.modules["pandas"]
    if _check_index(pd, index, what, kind):
        _REGULAR_INDEXES[id(index)] = index
        return False
    _IRREGULAR_INDEXES[id(index)] = index
    return True


def _check_index(pd, index, what, kind):
    """:func:`check_time_index` of a DatetimeIndex or PeriodIndex of two or more entries: True
    when it is in order and regular; False when it is in order but irregular (repeated times, a
    gap); else the ValueError."""
    stamps = index.asi8  # nanoseconds (or the index's unit), or a PeriodIndex's ordinals
    # an index of up to _STEP_CHUNK + 1 entries is checked in NumPy, its steps at once, and one
    # that increases by one step (hourly, daily, periods without a gap) is done with in a few
    # microseconds; the longer ones a chunk of steps at a time, as pandas checks their order
    steps = stamps[1:] - stamps[:-1] if len(stamps) <= _STEP_CHUNK + 1 else None
    # increasing: every step positive, and no NaT (the smallest int64: an index with one does
    # not start at its smallest entry unless it starts with NaT)
    shortest = None if steps is None else steps.min()
    increasing = steps is not None and shortest > 0 and stamps.min() == stamps[0] != _NAT
    if increasing and steps.max() == shortest and (kind == "DatetimeIndex"
                                                   or shortest == index.freq.n):
        return True
    if not increasing:
        # pandas caches these on the index (one pass for the last two), and hasnans
        if index.hasnans or not index.is_monotonic_increasing:
            raise ValueError(_time_order_message(index, what, kind))
        if not index.is_unique:
            return False  # repeated times
    if kind == "PeriodIndex":
        # ordinals: consecutive periods of freq nM are n apart
        step = index.freq.n
        ordinals = index.asi8
        if step == 1 and ordinals[-1] - ordinals[0] == len(index) - 1:
            return True  # strictly increasing and as many as their span: no gap, without a pass
        return _first_other_step(ordinals, step) is None
    # in the order of their cost: a freq set (a date_range, asfreq); steps of one length
    # (hourly, daily, weekly), in a pass over the index (above, for a short one); calendar
    # months (monthly, quarterly, yearly on any day) in a few NumPy passes; and only then
    # pandas' inference, ~25 times slower, for business days and the like (it took 0.1 ms
    # of every forecast of a monthly history; review, session 21)
    return index.freq is not None or _is_regular_datetime(
        pd, index, one_length=None if steps is None else False, stamps=stamps)


def _first_gap(pd, index, kind):
    """``(position, around, remedy)`` of the first gap of an increasing, unique, irregular
    ``index``: the gap is from ``position - 1`` to ``position``; ``around`` names the steps
    around it (text, or ""), ``remedy`` is the reindexing that fills it."""
    if kind == "PeriodIndex":
        freq = index.freqstr
        position = _first_other_step(index.asi8, index.freq.n)
        return (position, f" (steps of {freq!r} around it)",
                f"values.reindex(pd.period_range(values.index[0], values.index[-1], "
                f"freq={freq!r})), then fill the NaN")
    position, named = _first_datetime_gap(pd, index)
    around = "" if named is None else f" (steps of {named[0]} around it)"
    remedy = (f"values.asfreq({named[1]}), then fill the NaN" if named is not None else
              "values.asfreq(step), then fill the NaN")
    return position, around, remedy


def _irregular_message(index, what, kind):
    """The TimeGapWarning message of :func:`check_time_index` for an index that
    :func:`_index_is_irregular` found irregular: its repeated times, or its first gap."""
    if not index.is_unique:
        return _repeated_times_message(index, what, kind)
    pd = sys.modules["pandas"]
    position, around, remedy = _first_gap(pd, index, kind)
    clock_change = ""
    if kind == "DatetimeIndex":
        stamps = index.asi8
        # naive local times skip the hour the clocks go forward: hourly rows that are right
        per_hour = 3_600 * _PER_SECOND[getattr(index, "unit", "ns")]
        before = [stamps[k] - stamps[k - 1] for k in (position - 1, position + 1)
                  if 1 <= k < len(stamps)]
        missing = index[position - 1] + (index[position] - index[position - 1]) / 2
        # only where clocks change: March/April and September/October (both hemispheres), in
        # the small hours (a one-hour gap on 5 January got the hint; user trial, session 21)
        if index.tz is None and before and 0 < before[0] < 24 * per_hour \
                and stamps[position] - stamps[position - 1] - before[0] == per_hour \
                and missing.month in (3, 4, 9, 10) and missing.hour < 4:
            clock_change = (
                " A gap of one hour in local times without a time zone can also be the hour "
                "skipped when the clocks went forward (the start of daylight saving time), with "
                "every row right: then localize the index instead, values.tz_localize(tz, "
                "nonexistent='shift_forward') with tz your time zone (e.g. 'Europe/Berlin'), or "
                "filter this warning. If tz_localize then finds an ambiguous time (the hour the "
                "clocks went back, exported once), that hour is missing: reindex and fill as "
                "above instead.")
    times = _positions_as_text(index, (position - 1, position))
    return (
        f"{what} has an irregular {kind}: its first gap is between position {position - 1} "
        f"({times[0]}) and position {position} ({times[1]}){around}. The model reads the values "
        f"as consecutive time steps, so a missing step shifts every season after it: reindex "
        f"with the missing steps filled ({remedy}, e.g. by interpolate(); docs/pandas.md, "
        f"'Table to series'). Steps missing by design (trading days) can stay: filter this "
        f"warning by its class, skattn.exceptions.TimeGapWarning.{clock_change}")


#: the series a panel's TimeGapWarning names (:func:`_panel_gap_message`); the others are counted
_GAPS_NAMED = 3


def _irregular_found(index, what, kind):
    """A short account of an irregular index for :func:`_panel_gap_message`: where its first
    gap (or repeated time) is, with the times there."""
    if not index.is_unique:
        position = _first_step(index.asi8, lambda steps: steps == 0)
        (time,) = _positions_as_text(index, (position,))
        return f"{what} repeats {time} at position {position}"
    position, around, _ = _first_gap(sys.modules["pandas"], index, kind)
    times = _positions_as_text(index, (position - 1, position))
    return (f"{what} has its first gap between position {position - 1} ({times[0]}) and "
            f"position {position} ({times[1]}){around}")


def _panel_gap_message(irregular, n_series):
    """The one TimeGapWarning message of a call that checked ``n_series`` series (and their
    covariates) and found ``irregular``, a list of ``(number, index, what, kind)`` in order:
    their count, and the first few named, as :func:`_irregular_message` would name them. One
    warning a series was 10,000 warnings (20,000 lines, 6 MB of stderr) from one make_windows
    call of 10,000 series each missing a day (scale trial, session 27)."""
    numbers = sorted({number for number, *_ in irregular})
    named = [_irregular_found(index, what, kind) for _, index, what, kind in
             irregular[:_GAPS_NAMED]]
    more = len(irregular) - len(named)
    listed = "; ".join(named) + (f"; and {more} more" if more else "")
    return (
        f"{len(numbers)} of the {n_series} series {'has' if len(numbers) == 1 else 'have'} "
        f"an irregular time index (a gap, or "
        f"repeated times): {listed}. The model reads the values as consecutive time steps, so "
        f"a missing step shifts every season after it: reindex each with the missing steps "
        f"filled (values.asfreq(step), then fill the NaN, e.g. by interpolate(); "
        f"docs/pandas.md, 'Table to series'); skattn.windows.check_time_index(values, "
        f"'series') warns with one series' own message and remedy. Steps missing by design "
        f"(trading days) can stay: filter this warning by its class, "
        f"skattn.exceptions.TimeGapWarning.")


def _check_or_collect(values, what, irregular, number):
    """:func:`check_time_index` of ``values``, or, with a list ``irregular``, its irregular index
    appended to it as ``(number, index, what, kind)`` (``number``: of its series in the panel)
    rather than warned of; the ValueError is raised either way. A panel warns once, for all its
    series (:func:`_warn_of_irregular`)."""
    if irregular is None:
        check_time_index(values, what)
        return
    found = _time_index_of(values)
    if found is not None and _index_is_irregular(found[0], what, found[1]):
        irregular.append((number, found[0], what, found[1]))


def _warn_of_irregular(irregular, n_series):
    """The TimeGapWarning of a panel of ``n_series`` series whose checks found ``irregular``, a
    list of ``(number, index, what, kind)``: nothing for none, one series' own message
    (:func:`check_time_index`'s) for one irregular index, else one warning that counts the
    series and names the first few (:func:`_panel_gap_message`)."""
    if not irregular:
        return
    if len(irregular) == 1:
        _, index, what, kind = irregular[0]
        message = _irregular_message(index, what, kind)
    else:
        message = _panel_gap_message(irregular, n_series)
    warnings.warn(message, TimeGapWarning,
                  stacklevel=stacklevel_of_caller(__name__, whole_package=True))


def _as_series(values, what, allow_empty=False, irregular=None, number=None):
    """A finite float64 1-D array, or a ValueError that says which series is wrong and how.
    ``irregular``: a list that collects an irregular time index, with ``number``, rather than
    warn of it (:func:`_check_or_collect`; then :func:`_warn_of_irregular`)."""
    _check_or_collect(values, what, irregular, number)
    try:
        array = as_float64(values, what)
    except ValueError as exc:
        if str(exc).startswith(f"{what} mixes numbers and sequences"):
            # a series and a value in one list ([1.0, s]): one series or several?
            raise ValueError(f"{exc}. One series is a list (or an array) of numbers; several "
                             f"series are a list of 1-D arrays, one per series") from None
        raise
    if array.ndim != 1:
        hint = ""
        if array.ndim == 2 and array.shape[1] == 1:
            hint = ": a single column, pass it 1-D (values.ravel())"
        elif array.ndim == 2:
            # a history as forecast takes it, covariates in its columns 1.. (review, session 21)
            hint = (": a series with covariates in its columns 1.. (a history as forecast takes "
                    "it)? Pass the target alone, 1-D, and the other columns with the "
                    "covariates= argument, one array per series, e.g. "
                    "[h[:, 0] for h in histories] and covariates=[h[:, 1:] for h in histories]")
        raise ValueError(f"{what} must be 1-D, got an array of shape {array.shape}{hint}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{what} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(non_finite_message(array, what, masked_note(values)))
    return array


def _time_labels(index):
    """An index's first and last entries, for messages."""
    return f"{index[0]} to {index[-1]}"


def _as_one_kind(found, other_found, what, what_other):
    """Two time indexes found by :func:`_time_index_of`, ``(index, kind)`` each, as two indexes
    of one kind that compare: a DatetimeIndex against a PeriodIndex as periods of the
    PeriodIndex's frequency (an aware one by its wall times), two PeriodIndexes of different
    frequencies a ValueError. Indexes of the two kinds were not compared at all: covariates
    ``to_period`` two months early, and future covariates six years early, were paired by
    position (metamorphic review, session 34)."""
    index, other = found[0], other_found[0]
    if found[1] != other_found[1]:
        periods, dates = (index, other) if found[1] == "PeriodIndex" else (other, index)
        if dates.tz is not None:
            dates = dates.tz_localize(None)  # its wall times: a period has no time zone
        try:
            with warnings.catch_warnings():
                # pandas deprecates business-day periods, which the user chose: said by pandas
                # where they were made
                warnings.simplefilter("ignore", FutureWarning)
                as_periods = dates.to_period(periods.freq)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"the times of {what} ({found[1]}) and of {what_other} ({other_found[1]}) are "
                f"of two kinds that cannot be matched ({exc}): give both one kind "
                f"(.to_period(...) or .to_timestamp()), or pass {what_other}.to_numpy() to pair "
                f"them by position on purpose") from None
        # a date outside the period it becomes: pandas puts a Saturday in Monday's business-day
        # period, and future covariates dated Saturday to Monday all became Monday's (review of
        # the session's diff)
        outside = _outside_their_periods(dates, as_periods)
        if outside.size:
            k = int(outside[0])
            named = what if found[1] == "DatetimeIndex" else what_other
            raise ValueError(
                f"the times of {named} are dates and those of "
                f"{what_other if named == what else what} periods of {periods.freqstr}, and "
                f"{dates[k]} (position {k}) lies in no such period (pandas would read it as "
                f"{as_periods[k]}): give dates within the periods, or both one kind "
                f"(.to_period(...) or .to_timestamp())")
        index, other = ((periods, as_periods) if found[1] == "PeriodIndex"
                        else (as_periods, periods))
    elif found[1] == "PeriodIndex" and index.freq != other.freq:
        raise ValueError(
            f"the times of {what} are periods of {index.freqstr} and those of {what_other} of "
            f"{other.freqstr}: give both one frequency (e.g. .asfreq(...)), or pass "
            f"{what_other}.to_numpy() to pair them by position on purpose")
    return index, other


def _outside_their_periods(dates, periods):
    """The positions of the ``dates`` (a naive DatetimeIndex) that lie outside the ``periods``
    they were converted to (a Saturday in Monday's business-day period). Nothing for dates
    beyond the nanosecond Timestamps' range (after 2262), whose periods' bounds pandas cannot
    give: not checked there (they were refused as of two kinds that cannot be matched; review
    of the mends)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # business-day periods' deprecation
            starts, ends = periods.start_time, periods.end_time
    except (OverflowError, ValueError):  # pandas' OutOfBoundsDatetime is a ValueError
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(~((dates >= starts) & (dates <= ends)))


def check_covariate_times(series, covariates, what_series, what):
    """A ValueError when ``series`` and its ``covariates`` both have a time index (see
    :func:`_time_index_of`) and the times differ: the package pairs them by position, and a
    holiday calendar starting 20 days before the store opened, cut to the series' length, put
    every flag 20 days off without a word (review, session 31). Naive times against aware ones
    are a ValueError of their own; a DatetimeIndex against a PeriodIndex is compared as
    periods (:func:`_as_one_kind`)."""
    found_series, found_covariates = _time_index_of(series), _time_index_of(covariates)
    if found_series is None or found_covariates is None:
        return
    if found_series[1] == found_covariates[1] == "DatetimeIndex":
        _refuse_naive_against_aware(found_series[0], found_covariates[0], what_series, what)
    # compared in one kind; shown as given
    compared = _as_one_kind(found_series, found_covariates, what_series, what)
    times, covariate_times = found_series[0], found_covariates[0]
    remedy = ("give the covariates of the series' times, e.g. covariates.reindex(series.index) "
              "(then fill the rows it adds), or pass covariates.to_numpy() to pair them by "
              "position on purpose")
    if len(times) != len(covariate_times):
        raise ValueError(
            f"{what} has {len(covariate_times)} times ({_time_labels(covariate_times)}) and "
            f"{what_series} {len(times)} ({_time_labels(times)}): {remedy}")
    try:
        differ = np.asarray(compared[0] != compared[1])
    except TypeError:  # naive and aware times: nothing to compare them by
        return
    if differ.any():
        k = int(np.argmax(differ))
        raise ValueError(
            f"the times of {what} are not those of {what_series}: position {k} is "
            f"{covariate_times[k]} in {what} and {times[k]} in {what_series} ({what} "
            f"{_time_labels(covariate_times)}, {what_series} {_time_labels(times)}); the "
            f"package pairs them by position: {remedy}")


def check_future_covariates(history, future):
    """Where ``future`` (future covariates) and ``history`` say how they pair, that they pair
    so: its columns (:func:`check_future_columns`) and its times (:func:`check_future_times`).
    Checked while ``history`` still has its index and column names."""
    check_future_columns(history, future)
    check_future_times(history, future)


def _column_names(frame):
    """The column names of a pandas DataFrame whose names are all text, as a tuple; None for
    anything else (an array, a frame of numbered columns)."""
    columns = getattr(frame, "columns", None)
    if columns is None or not all(isinstance(name, str) for name in columns):
        return None
    return tuple(columns)


def _reordered(names, other_names):
    """Whether two tuples of column names are the same names in another order."""
    return names != other_names and sorted(names) == sorted(other_names)


def check_future_columns(history, future, what="future_covariates"):
    """A ValueError when ``history`` and ``future`` are DataFrames with named columns and
    ``future``'s are the history's covariates (its columns 1..) in another order: the rows are
    paired with the channels by position, and a future frame of [promo, price] against a history
    of [sales, price, promo] swapped them beyond the horizon without a word (covariates review,
    session 33). Other names (or counts) are left to the checks by position."""
    history_names, future_names = _column_names(history), _column_names(future)
    if history_names is None or future_names is None or \
            not _reordered(future_names, history_names[1:]):
        return
    raise ValueError(
        f"{what} has the columns {list(future_names)}, but the history's covariates (its "
        f"columns after the target {history_names[0]!r}) are {list(history_names[1:])}: the "
        f"columns are channels by position; give {what}[{list(history_names[1:])}], or pass "
        f"{what}.to_numpy() to pair them by position on purpose")


def _refuse_naive_against_aware(times, other_times, what, what_other):
    """A ValueError when one of two DatetimeIndexes is time-zone aware and the other naive:
    nothing says which wall times match. Future covariates three days early were accepted
    against an aware history (their comparison raised and was skipped), and make_windows
    called covariates at the same wall times "not those of series" (covariates review,
    session 33)."""
    zones = getattr(times, "tz", None), getattr(other_times, "tz", None)
    if (zones[0] is None) == (zones[1] is None):
        return
    aware, naive = (what, what_other) if zones[1] is None else (what_other, what)
    raise ValueError(
        f"the times of {aware} are time-zone aware ({zones[0] or zones[1]}) and those of {naive} "
        f"naive, so they cannot be matched: give both one kind (index.tz_localize(...) or "
        f"index.tz_convert(None)), or pass {what_other}.to_numpy() to pair them by position on "
        f"purpose")


def check_future_times(history, future, what="future_covariates"):
    """A ValueError when ``history`` and ``future`` both have a time index (see
    :func:`_time_index_of`) and ``future`` does not start after the history's last time: its
    first row is the first forecast step's (future covariates dated three months before the
    history's end were taken as the next steps; review, session 31)."""
    found_history, found_future = _time_index_of(history), _time_index_of(future)
    if found_history is None or found_future is None or len(found_future[0]) == 0:
        return
    if found_history[1] == found_future[1] == "DatetimeIndex":
        _refuse_naive_against_aware(found_history[0], found_future[0], "the history", what)
    # compared in one kind; shown as given
    history_times, future_times = _as_one_kind(found_history, found_future, "the history", what)
    last, first = found_history[0][-1], found_future[0][0]
    try:
        after = bool(future_times[0] > history_times[-1])
    except TypeError:  # times of no common order (checked above for naive and aware)
        return
    if not after:
        raise ValueError(
            f"{what} starts at {first}, not after the history's last time {last}: its first "
            f"row is the first forecast step's. Give the rows of the steps after the history "
            f"(e.g. covariates.loc[covariates.index > history.index[-1]]), or pass "
            f"{what}.to_numpy() to pair them by position on purpose")
    # nor later than the next step, when the history's index declares its step: rows from a
    # day late were paired with the steps before them, a promotion forecast a day early (a false
    # spike of 13.0 against 10.1; covariates trial, session 32)
    expected = _next_time(history_times)
    if expected is not None and future_times[0] != expected:
        raise ValueError(
            f"{what} starts at {first}, not at the step after the history's last time {last} "
            f"({expected}): its first row is the first forecast step's, so every row would be "
            f"paired with an earlier step than its own. Give the rows from {expected} on (e.g. "
            f"covariates.loc[{str(expected)!r}:]), or pass {what}.to_numpy() to pair them by "
            f"position on purpose")


def _next_time(index):
    """The time after the last of a DatetimeIndex or PeriodIndex ``index`` by its declared step
    (a PeriodIndex's, or a DatetimeIndex's ``freq``), or None when it declares none.

    Not a step pandas infers: a few weeks of trading days look like business days, and the
    day after Labor Day was refused as not the next one (review, session 32). From
    ``date_range``, which steps by the calendar: a daily index across a clock change is at
    midnight on both sides (``last + freq`` was an hour off, and refused the right next day)."""
    import pandas as pd
    if isinstance(index, pd.PeriodIndex):
        with warnings.catch_warnings():
            # pandas deprecates business-day periods, which the user chose (and was told of
            # where they were made): not said again from inside the package
            warnings.simplefilter("ignore", FutureWarning)
            return index[-1] + 1
    if index.freq is None:
        return None
    try:
        steps = pd.date_range(start=index[-1], periods=2, freq=index.freq)
    except (TypeError, ValueError):
        return None
    # a freq the last time is not on (month starts in UTC shown in US/Eastern: tz_convert
    # keeps freq 'MS'): date_range rolls forward to the next anchor, a step too far, and the
    # right next row was refused (review, session 32)
    return steps[1] if steps[0] == index[-1] else None


def _as_covariates(values, n_steps, what, irregular=None, number=None, series=None,
                   what_series="series"):
    """Covariates of one series as a finite float64 (n_steps, n_covariates) array.
    ``irregular``, ``number``: as :func:`_as_series`'. ``series``: the series as given, whose
    time index the covariates' must equal when both have one (:func:`check_covariate_times`)."""
    if series is not None:
        check_covariate_times(series, values, what_series, what)
    _check_or_collect(values, what, irregular, number)
    array = as_float64(values, what)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n_steps:
        raise ValueError(
            f"{what} must have shape (n_timesteps,) or (n_timesteps, n_covariates) with "
            f"n_timesteps={n_steps} like its series, got {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(non_finite_message(array, what, masked_note(values)))
    return array


def left_pad(values, length):
    """Left-pad ``values`` (T, ...) to ``length`` steps by repeating its first step.

    This is the package's one rule for a history shorter than a window: :func:`make_windows`
    applies it to short series and ``forecast`` to short histories.

    Parameters
    ----------
    values : ndarray of shape (n_timesteps, ...)
        The series (steps along axis 0, e.g. (n_timesteps, n_channels)), oldest step first; at
        least one step when it is to be padded.
    length : int
        The number of steps wanted.

    Returns
    -------
    ndarray of shape (max(n_timesteps, length), ...)
        ``values`` itself when it already has ``length`` steps or more; else a new array of
        ``length - n_timesteps`` copies of its first step followed by ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.windows import left_pad
    >>> left_pad(np.array([3.0, 4.0, 5.0]), 5)
    array([3., 3., 3., 4., 5.])

    Steps run along axis 0, so a series with covariates repeats its whole first row:

    >>> left_pad(np.array([[1.0, 10.0], [2.0, 20.0]]), 3)
    array([[ 1., 10.],
           [ 1., 10.],
           [ 2., 20.]])

    A series that is long enough is returned as it is:

    >>> left_pad(np.arange(6.0), 4).shape
    (6,)
    """
    n_missing = length - values.shape[0]
    if n_missing <= 0:
        return values
    first = np.repeat(values[:1], n_missing, axis=0)
    return np.concatenate([first, values], axis=0)


def _count_up_to(value, name, limit_name, limit):
    """``value`` (None meaning ``limit``) as an integer in [1, limit], or a ValueError."""
    if value is None:
        return limit
    if not isinstance(value, Integral) or isinstance(value, bool) or not 1 <= value <= limit:
        raise ValueError(f"{name} must be an integer in [1, {limit_name}={limit}] or None, "
                         f"got {value!r}")
    return int(value)


#: how docs/pandas.md ("Table to series") makes series of a long table, quoted verbatim (its
#: lines joined; tests/test_trial_s27_long_table.py checks each quoted line is on the page) by
#: the error for a 2-D ``series``, which may be such a table
_LONG_TABLE_RECIPE = (
    'for store, rows in table.groupby("store_id", sort=True): '
    'rows = rows.sort_values("date").set_index("date") and, after the page\'s checks of '
    'repeated and missing dates, series.append(rows["sales"].to_numpy(dtype=np.float64))'
)


def _is_single_series(series):
    if isinstance(series, (list, tuple)):
        return len(series) == 0 or np.ndim(series[0]) == 0
    # the panel containers a pandas user has at hand, each said how to pass as a list: a dict
    # (ndim 0) was "an array of shape ()", a groupby and a Series of arrays "not numeric:
    # setting an array element with a sequence" (user trial, session 20)
    if isinstance(series, Mapping):
        raise ValueError("series must be one 1-D array or a list of 1-D arrays; got a "
                         f"{type(series).__name__}: pass list(d.values()) (list(d) keeps "
                         "the ids in the same order)")
    if isinstance(series, (set, frozenset)):
        # NumPy made "an array of shape ()" of it (fuzzing, session 23)
        raise ValueError(f"series must be one 1-D array or a list of 1-D arrays; got a "
                         f"{type(series).__name__}, which has no order: pass a list (or an "
                         f"array) of the values, oldest first")
    if isinstance(series, (ValuesView, KeysView, ItemsView)) or inspect.isgenerator(series):
        # no len() or indexing: NumPy made "an array of shape ()" of d.values() (user trial)
        raise ValueError("series must be one 1-D array or a list of 1-D arrays; got a "
                         f"{type(series).__name__}: pass a list of it, e.g. list(d.values())")
    if hasattr(series, "ngroups") and hasattr(series, "groups"):  # a pandas GroupBy
        raise ValueError("series must be one 1-D array or a list of 1-D arrays; got a pandas "
                         f"{type(series).__name__}: pass [group for _, group in grouped] (each "
                         "group in time order; [name for name, _ in grouped] keeps the ids)")
    if getattr(series, "dtype", None) == object and np.ndim(series) == 1 and len(series) \
            and np.ndim(next(iter(series))) > 0:
        raise ValueError("series must be one 1-D array or a list of 1-D arrays; got a 1-D "
                         f"{type(series).__name__} of arrays: pass list(values)")
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(series, (pd.Series, pd.DataFrame)):
        # a long table's (store_id, date) index: its one column's hint, frame['value'], gave a
        # Series read as one series running from one store into the next (review, session 31)
        _refuse_long_table_index(pd, series, "series")
    if np.ndim(series) != 1:
        shape = np.shape(series)
        # a single column (a one-column DataFrame, a column vector) is the common slip: one
        # series per row would make n one-value series of it, so say how to pass it instead
        # (a DataFrame holds its series as columns, an array of windows-like rows as rows: both
        # layouts are named, as list(array) of a column layout makes many short series silently)
        hint = ("a single value: a series is an array of values" if len(shape) == 0 else
                "a single column: pass it 1-D, e.g. frame['value'] or array.ravel()"
                if len(shape) == 2 and shape[1] == 1 else
                "one series per column, as in a DataFrame: pass [frame[name].dropna() for name "
                "in frame] (dropna: the NaN before a late start) or list(array.T); one series "
                "per row: pass list(array)")
        # a long table (unique_id, ds, y) got only the wide table's advice, which of it makes
        # one "series" of the ids, one of the dates and one of all the values run together
        # (user trial, session 27): its reading is given too, in docs/pandas.md's own words
        long = (f". If it is a long table, one row per series and time step (columns such as "
                f"unique_id, ds, y), pass each series' values in time order, as docs/pandas.md "
                f"(\"Table to series\") does: {_LONG_TABLE_RECIPE}"
                if len(shape) == 2 and shape[1] > 1 else "")
        raise ValueError(
            "series must be one 1-D array or a list of 1-D arrays; got an array of shape "
            f"{shape} ({hint}){long}"
        )
    return True


def _panel(series, covariates):
    """``(single, series_list, covariate_list)`` of :func:`make_windows`' ``series`` and
    ``covariates`` (a list of None without covariates), or the ValueError that says what to pass
    instead: the one reading of a panel for make_windows and :func:`last_windows`."""
    single = _is_single_series(series)
    series_list = [series] if single else list(series)
    if len(series_list) == 0:
        raise ValueError("series is empty: pass one series or a non-empty list of series")
    if covariates is None:
        covariate_list = [None] * len(series_list)
    else:
        covariate_list = [covariates] if single else list(covariates)
        if len(covariate_list) != len(series_list):
            raise ValueError(
                f"covariates must give one array per series: {len(covariate_list)} arrays "
                f"for {len(series_list)} series"
            )
    return single, series_list, covariate_list


def _first_named_in_one_order(number, covariates, first_named):
    """``first_named``, ``(number, column names)`` of the first covariate frame with names (or
    None), updated with ``covariates``, the frame of series ``number``; a ValueError when its
    names are the first frame's in another order.

    Paired by position: a frame of [promo, price] after one of [price, promo] put promo in the
    second series' price channel, without a word (covariates review, session 33; in backtest
    until session 34's polars trial). Only the same names in another order: names of their own
    per series (price_A, price_B) are paired by position, as arrays are."""
    names = _column_names(covariates)
    if names is None:
        return first_named
    if first_named is None:
        return number, names
    if _reordered(names, first_named[1]):
        raise ValueError(
            f"covariates[{number}] has the columns {list(names)} and "
            f"covariates[{first_named[0]}] {list(first_named[1])}: the covariates are "
            f"channels by position, so every series' must be the same ones in the same "
            f"order; select them in one order (df[{list(first_named[1])}]), or pass "
            f".to_numpy() to pair them by position on purpose")
    return first_named


def check_covariates_in_one_order(covariate_list):
    """A ValueError when a frame of ``covariate_list`` (one per series) has the names of the
    first named one in another order (:func:`_first_named_in_one_order`)."""
    first_named = None
    for number, covariates in enumerate(covariate_list):
        first_named = _first_named_in_one_order(number, covariates, first_named)


def _checked_channels(single, series_list, covariate_list, allow_empty):
    """Each series of :func:`_panel`'s lists checked, as ``(number, channels)``: its finite
    float64 channels (n_timesteps, 1 + n_covariates), the target in column 0; a ValueError names
    the first series (or covariates) that is wrong, and how. ``allow_empty``: an empty series
    gives a (0, C) array rather than an error."""
    n_covariates = first_with_count = None
    first_named = None  # (number, column names) of the first covariate frame with names
    # a panel's irregular time indexes, warned of once when every series is checked (one
    # warning a series was 10,000 of them from one call; scale trial, session 27); a single
    # series warns as check_time_index does
    irregular = None if single else []
    for number, (values, cov) in enumerate(zip(series_list, covariate_list)):
        what = "series" if single else f"series[{number}]"
        target = _as_series(values, what, allow_empty=allow_empty, irregular=irregular,
                            number=number)
        channels = target[:, None]  # (L, 1)
        first_named = _first_named_in_one_order(number, cov, first_named)
        if cov is not None:
            cov = _as_covariates(cov, target.shape[0],
                                 "covariates" if single else f"covariates[{number}]",
                                 irregular=irregular, number=number, series=values,
                                 what_series=what)
        # a None entry is a series without covariates: counted as 0, so that a mix of None and
        # arrays gets this message rather than NumPy's from concatenating the windows later
        n_this = 0 if cov is None else cov.shape[1]
        if n_covariates is None:
            n_covariates, first_with_count = n_this, number
        elif n_this != n_covariates:
            none_at = number if cov is None else first_with_count
            hint = ("" if covariate_list[none_at] is not None else
                    f" (covariates[{none_at}] is None: no covariates for that series; pass an "
                    "array for every series, or covariates=None for none)")
            raise ValueError(
                f"every series needs the same number of covariates: {what} has {n_this}, "
                f"series[{first_with_count}] has {n_covariates}{hint}"
            )
        if cov is not None:
            channels = np.concatenate([channels, cov], axis=1)  # (L, C)
        yield number, channels
    _warn_of_irregular(irregular, len(series_list))


def _check_window_args(window, horizon, step, min_history, min_target):
    """The five arguments as Python ints (None meaning ``window`` and ``horizon`` for the last
    two), checked in the order :func:`make_windows` and :func:`count_windows` share, so that both
    refuse bad ones with the same ValueError. As Python ints: NumPy's unsigned integers (np.uint64)
    turned the layout's arithmetic negative or into float indices (fuzzing, session 17). A step
    beyond 2**62 lays out the same windows as 2**62 (the newest of each series only), without
    overflowing NumPy's integers."""
    window, horizon, step = (check_integer(name, value) for name, value in
                             (("window", window), ("horizon", horizon), ("step", step)))
    min_history = _count_up_to(min_history, "min_history", "window", window)
    min_target = _count_up_to(min_target, "min_target", "horizon", horizon)
    return window, horizon, min(step, 2**62), min_history, min_target


def _padding(length, window, horizon, min_history):
    """How many values :func:`make_windows` left-pads a series of ``length`` values with.

    Short series to one full window, and, with ``min_history`` below ``window``, every series, so
    that windows with only ``min_history`` real values before their target exist too.
    """
    return max(0, window + horizon - length, window - min_history)


def _no_window_error(horizon):
    """The ValueError of :func:`make_windows` and :func:`count_windows` when every series has
    ``horizon`` values or fewer."""
    return ValueError(
        f"no series is long enough for a window: each needs more than horizon={horizon} values"
    )


def count_windows(lengths, window, horizon=1, step=1, *, min_history=None, min_target=None):
    """How many samples :func:`make_windows` cuts from series of these lengths, without cutting
    them.

    The one statement of make_windows' count: make_windows uses it too (to check the memory its
    windows take before allocating them), and a test pins it against ``len(make_windows(...)[0])``.

    Parameters
    ----------
    lengths : int or iterable of int
        The number of values of one series, or of each of several series.
    window, horizon, step : int
        As in :func:`make_windows`, with the same defaults.
    min_history, min_target : int or None
        As in :func:`make_windows`, with the same defaults.

    Returns
    -------
    int
        The number of rows of make_windows' ``X`` for series of these lengths: per series of more
        than ``horizon`` values, the complete-target windows laid out by ``step`` from its end (at
        least one, left-padded), plus, with ``min_target``, the windows past its end that have
        ``min_history`` real values of history; none for a series of ``horizon`` values or fewer.

    Raises
    ------
    ValueError
        For the arguments make_windows refuses, with its messages: a bad ``window``, ``horizon``,
        ``step``, ``min_history`` or ``min_target``; no lengths; or no series of more than
        ``horizon`` values. Also for a length that is not an integer >= 1 (>= 0 in a list: as
        make_windows, which refuses one empty series but skips an empty series in a list as too
        short). Unlike make_windows, nothing is warned about the series that are too short.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.windows import count_windows, make_windows
    >>> count_windows([30, 12], window=8, horizon=3)
    22
    >>> len(make_windows([np.arange(30.0), np.arange(12.0)], window=8, horizon=3)[0])
    22
    """
    window, horizon, step, min_history, min_target = _check_window_args(
        window, horizon, step, min_history, min_target)
    single = isinstance(lengths, Integral)
    try:
        length_list = [lengths] if single else list(lengths)
    except TypeError:  # 30.0, None: "'float' object is not iterable" (review, session 30)
        raise ValueError(f"lengths must be an integer or an iterable of integers, got "
                         f"{lengths!r}") from None
    if len(length_list) == 0:
        raise ValueError("lengths is empty: pass one length or a non-empty list of lengths")
    # Python ints, so that the count cannot overflow whatever integer types the caller passed
    window, horizon, step = int(window), int(horizon), int(step)
    min_history, min_target = int(min_history), int(min_target)
    # an empty series in a list is skipped by make_windows as too short, a single one refused
    n_windows = sum(
        _windows_of_series(check_integer("lengths" if single else f"lengths[{number}]", length,
                                         minimum=1 if single else 0),
                           window, horizon, step, min_history, min_target)
        for number, length in enumerate(length_list))
    if n_windows == 0:
        raise _no_window_error(horizon)
    return n_windows


def _windows_of_series(length, window, horizon, step, min_history, min_target):
    """The count of :func:`count_windows` for one series, its arguments already checked (and
    ``min_history``, ``min_target`` resolved to integers); 0 for a series make_windows skips."""
    if length <= horizon:  # no history before a full target: make_windows skips the series
        return 0
    n_padded = length + _padding(length, window, horizon, min_history)
    # complete targets: one window every `step` back from the series' end, in the padded series
    # (so at least one)
    n_complete = (n_padded - horizon - window) // step + 1
    # targets past the end: the k-th window `step * k` after the newest complete one,
    # k = 1..(horizon - min_target) // step, kept when its history holds min_history real
    # values, i.e. length - horizon + step * k >= min_history
    last_past = (horizon - min_target) // step
    first_kept = max(1, -(-(min_history + horizon - length) // step))  # ceiling division
    return n_complete + max(0, last_past - first_kept + 1)


#: bytes of window positions gathered at a time by make_windows (a bounded temporary)
_GATHER_CHUNK_BYTES = 2**22


def make_windows(series, window, horizon=1, step=1, covariates=None, *, min_history=None,
                 min_target=None, return_index=False):
    """Cut one series, or many, into history windows ``X`` and the values that follow them ``y``.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,), or list of such arrays
        One series, or several series (of any lengths) for one global model.
    window : int
        Length of each history window (``X``'s ``n_timesteps``).
    horizon : int, default 1
        Number of values after each window to predict.
    step : int, default 1
        Distance between the ends of consecutive windows of a series. Windows are laid out from
        the END of each series backwards, so the most recent window is always included.
    covariates : array-like or list of array-like, default None
        Series observed alongside the target, of shape (n_timesteps,) or (n_timesteps,
        n_covariates): one such array for one series, a list of them (one per series) for
        several. They become channels 1.. of ``X``; ``y`` is always the target (channel 0).
        Every series needs the same number of covariates: an entry None in the list means no
        covariates for that series, so it is allowed only when all entries are None (the same
        as ``covariates=None``).
    min_history : int or None, default None
        Also cut the windows that have only ``min_history`` to ``window - 1`` values of history
        before their target, left-padded to ``window`` by repeating the series' first value (the
        padding rule below). None means ``window``: full histories only. Useful when models of
        shorter windows read the last steps of these windows (:class:`skattn.LastSteps` in a
        :class:`skattn.ForecastEnsemble`): with ``min_history`` equal to the shortest window they
        train on all the rows they would have had alone.
    min_target : int or None, default None
        Also cut the windows whose target runs past the end of the series, as long as at least
        ``min_target`` of its ``horizon`` values exist; the missing ones are NaN in ``y``. None
        means ``horizon``: complete targets only. These windows continue the layout forwards by
        ``step`` from the newest complete window and, like the others, need ``min_history`` real
        values of history. :class:`skattn.AttentionForecaster` leaves NaN targets out of its loss
        (alone, in a :class:`skattn.ForecastEnsemble` or behind a
        :class:`skattn.DeseasonalizedForecaster`), so it also trains on the inputs that end within
        ``horizon`` steps of each series' end, which complete targets never reach.
    return_index : bool, default False
        Also return, for each sample, the series it came from and the position in that series of
        its first target value.

    Returns
    -------
    X : ndarray of shape (n_samples, window), or (n_samples, window, 1 + n_covariates)
        The history windows, oldest value first; 3-D only with ``covariates``, the target in
        channel 0.
    y : ndarray of shape (n_samples,) when ``horizon == 1``, else (n_samples, horizon)
        The values that follow each window (NaN past a series' end, only with ``min_target``).
    index : ndarray of shape (n_samples, 2), only with ``return_index``
        ``index[i] = (series number, position of y[i]'s first value in that series)``.

    Notes
    -----
    **Short series.** A series with at least ``horizon + 1`` but fewer than ``window + horizon``
    values is left-padded by repeating its first value (and its covariates' first row) to
    ``window + horizon`` values, so it gives exactly one sample: its last ``horizon`` values as the
    target (more with ``min_history`` below ``window``: see ``min_history``). A series with
    ``horizon`` values or fewer (in a list of series, also none) has no history before a full
    target, so it is skipped, with a ``UserWarning`` that counts such series (and names the
    first ten). With ``min_target``, a series
    also gives the windows past its end that have ``min_history`` real values of history.

    **Sample order.** Samples are ordered by how far their target lies from the end of its series,
    furthest first (ties in series order). For one series this is plain time order. For many
    series it puts the most recent windows of every series last, so the time-ordered validation
    split of :class:`skattn.AttentionForecaster` (the last ``validation_fraction`` of the rows)
    holds each series' latest windows rather than whole series.

    Examples
    --------
    One series: each row of ``X`` is a window, the same row of ``y`` the ``horizon`` values after
    it.

    >>> import numpy as np
    >>> from skattn import make_windows
    >>> series = np.arange(10.0)
    >>> X, y = make_windows(series, window=4, horizon=2)
    >>> X.shape, y.shape
    ((5, 4), (5, 2))
    >>> X[-1], y[-1]
    (array([4., 5., 6., 7.]), array([8., 9.]))

    With ``horizon=1`` (the default) ``y`` is 1-D:

    >>> make_windows(series, window=4)[1].shape
    (6,)

    Several series, of any lengths, for one global model; ``index`` says where each sample comes
    from. The second series, of 4 values, is shorter than ``window + horizon``: it is left-padded
    and gives one sample.

    >>> X, y, index = make_windows([series, np.arange(100.0, 104.0)], window=4, horizon=2,
    ...                            return_index=True)
    >>> X.shape, y.shape, index.shape
    ((6, 4), (6, 2), (6, 2))
    >>> index[-2:]  # (series number, position of the first target value)
    array([[0, 8],
           [1, 2]])
    >>> X[-1], y[-1]
    (array([100., 100., 100., 101.]), array([102., 103.]))

    With ``min_target``, also the windows whose target runs past the end of the series:

    >>> X, y = make_windows(series, window=4, horizon=3, min_target=1)
    >>> y[-3:]
    array([[ 7.,  8.,  9.],
           [ 8.,  9., nan],
           [ 9., nan, nan]])
    """
    window, horizon, step, min_history, min_target = _check_window_args(
        window, horizon, step, min_history, min_target)
    return_index = check_bool("return_index", return_index)
    single, series_list, covariate_list = _panel(series, covariates)

    # first pass: check every series and lay out its windows (first target positions), keeping
    # the padded series; the windows are cut in the second pass straight into their rows of X.
    # (Cut per series, concatenated, then put in order, they took three times X's memory at the
    # peak: 1.9 GB for 0.56 GB of hourly windows with a covariate; user trial, session 18.)
    laid_out = []  # (series number, padded channels (L', C), first target positions (n,), n_pad)
    skipped = []  # the numbers of the series too short for a window
    n_total = 0
    padded_bytes = 0
    # in a panel an empty series is skipped as a short one is (a new product once its hold-out
    # is cut off; it stopped the panel, when one of 1-8 values was skipped and named: user
    # trial, session 19)
    for number, channels in _checked_channels(single, series_list, covariate_list,
                                              allow_empty=not single):
        length = channels.shape[0]
        if length <= horizon:
            skipped.append(number)
            continue
        n_pad = _padding(length, window, horizon, min_history)
        # what the windows will take, checked BEFORE allocating (a window of 10**9 steps used to
        # fill the machine's memory until the process was killed)
        n_windows = _windows_of_series(length, window, horizon, step, min_history, min_target)
        n_total += n_windows
        n_channels = channels.shape[1]
        padded_bytes += 8 * (length + n_pad) * n_channels
        # the padded series twice (kept, and one after another), X, y, the index and a few
        # integers per window, and one chunk's gathered positions
        needed_bytes = (2 * padded_bytes + 8 * n_total * (window * n_channels + horizon + 9)
                        + 2 * min(_GATHER_CHUNK_BYTES, 8 * n_total * window * (n_channels + 1)))
        check_fits_in_memory(needed_bytes, "the windows",
                             f"window={window}, horizon={horizon} and step={step} are too "
                             "large for these series")
        channels = left_pad(channels, length + n_pad)
        # first target positions, in the padded series, counted back from its end by `step`
        n_samples = (channels.shape[0] - horizon - window) // step + 1
        starts = channels.shape[0] - horizon - step * np.arange(n_samples)[::-1]  # ascending
        if min_target < horizon:
            # windows past the end, forwards by `step`, each with >= min_target target values
            # and >= min_history real values of history (start - n_pad is the real position)
            later = starts[-1] + step * np.arange(1, (horizon - min_target) // step + 1)
            starts = np.concatenate([starts, later[later - n_pad >= min_history]])
        laid_out.append((number, channels, starts, n_pad))

    if skipped:
        # which ones: a panel's user had to find them by hand (user trial, session 18)
        named = ("" if single else " (series " + ", ".join(map(str, skipped[:10]))
                 + (", ..." if len(skipped) > 10 else "") + ")")
        warnings.warn(
            f"{len(skipped)} series with {horizon} values or fewer{named} (no history before a "
            f"full horizon of {horizon}) gave no window and were skipped",
            UserWarning,
            stacklevel=2,
        )
    if not laid_out:
        raise _no_window_error(horizon)
    # every padded series one after another, (sum L', C), and its targets with the NaN past its
    # end, (sum L' + tail,); each window's first target position in both, and its order:
    # furthest from the end first, a stable sort keeping series order within ties
    tail = horizon - min_target
    flat = np.concatenate([channels for _, channels, _, _ in laid_out])
    flat_targets = np.concatenate([np.append(channels[:, 0], np.full(tail, np.nan))
                                   for _, channels, _, _ in laid_out])
    lengths = np.array([channels.shape[0] for _, channels, _, _ in laid_out])
    counts = np.array([starts.size for _, _, starts, _ in laid_out])
    starts = np.concatenate([starts for _, _, starts, _ in laid_out])  # (n,) in each series
    order = np.argsort(starts - np.repeat(lengths, counts), kind="stable")  # -distance
    n_windows, n_channels = order.size, flat.shape[1]
    index = np.empty((n_windows, 2), dtype=np.intp)
    index[:, 0] = np.repeat([number for number, _, _, _ in laid_out], counts)[order]
    index[:, 1] = (starts - np.repeat([n_pad for _, _, _, n_pad in laid_out], counts))[order]
    # each window's first target position in flat and in flat_targets, in X's row order; a few
    # integer arrays per window at most are alive at once (small windows of many series
    # otherwise held seven: peak 4x X; second review, session 18)
    target_starts = (starts + np.repeat(np.cumsum(lengths + tail) - (lengths + tail),
                                        counts))[order]
    starts += np.repeat(np.cumsum(lengths) - lengths, counts)
    starts = starts[order]
    del order
    X = np.empty((n_windows, window, n_channels))
    y = np.empty((n_windows, horizon))
    # gathered in chunks of rows of X (one gather per chunk, not per series: 20,000 series of 5
    # values took 35% longer cut series by series; review, session 18), each chunk's positions
    # a bounded temporary
    chunk = max(1, _GATHER_CHUNK_BYTES // (8 * window * (n_channels + 1)))
    for first in range(0, n_windows, chunk):
        rows = slice(first, first + chunk)
        X[rows] = flat[starts[rows, None] - window + np.arange(window)]  # (chunk, window, C)
        y[rows] = flat_targets[target_starts[rows, None] + np.arange(horizon)]  # (chunk, horizon)
    if X.shape[2] == 1:
        X = X[:, :, 0]
    if horizon == 1:
        y = y[:, 0]
    return (X, y, index) if return_index else (X, y)


def last_windows(series, window, covariates=None):
    """The last window of each series, as ``forecast`` reads it: many series in one ``predict``.

    A model's ``forecast(history, steps)`` forecasts one series. For many, this stacks each
    one's last ``window`` steps into the rows of windows ``X``, left-padded by repeating its
    first step when it is shorter (the rule of ``forecast`` and :func:`make_windows`), and one
    ``model.predict(X)`` forecasts them all: for ``steps`` up to the model's horizon, row
    ``i``'s first ``steps`` values (value ``i`` when the horizon is 1: ``predict`` then returns
    a 1-D array) are ``model.forecast(series[i], steps)``. That holds for the window models,
    whose ``forecast`` reads the last window with ``predict``'s model:
    :class:`~skattn.AttentionForecaster`, :class:`~skattn.ForecastEnsemble`
    (:func:`~skattn.make_attention_ensemble`), :class:`~skattn.DeseasonalizedForecaster` and
    :class:`~skattn.model_selection.PredictForecaster` (a Pipeline or a search). It holds
    bitwise for an AttentionForecaster with dot-product attention (the default; also gated), and
    for ensembles, pipelines and wrappers of such models: each window is forecast on its own.
    With additive or cosine attention, and for scikit-learn regressors in a PredictForecaster (a
    matrix product of many rows against one of a single row), the rounding depends on the batch:
    the two agree to rounding (a few units in the last place: up to 5e-15 on values of ~10 in
    the checks of session 21), not bitwise. The baselines forecast from the whole history, not
    its last window: loop over their ``forecast``; and beyond the horizon ``forecast`` feeds its
    forecasts back, so call it per series there.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,), or list of such arrays
        One series, or several (of any lengths, at least one value each), oldest value first:
        what :func:`make_windows` takes, with its messages for what it refuses (a dict, a
        pandas GroupBy, a 2-D array each say how to pass them as a list).
    window : int
        The model's window, ``model.n_features_in_``.
    covariates : array-like or list of array-like, default None
        The covariates of each series up to its last step, as :func:`make_windows` takes them:
        of shape (n_timesteps,) or (n_timesteps, n_covariates) for one series, a list of such
        arrays (one per series) for several. They become channels 1.. of ``X``, as the columns
        1.. of the 2-D history ``forecast`` takes.

    Returns
    -------
    X : ndarray of shape (n_series, window), or (n_series, window, 1 + n_covariates)
        Row ``i``: the last ``window`` steps of series ``i``, oldest first (one row for one
        series); 3-D only with covariates, the target in channel 0.

    Raises
    ------
    ValueError
        For a bad ``window``, for what :func:`make_windows` refuses (series or covariates that
        are not numeric, not 1-D, not finite, a list of covariates of another length, a pandas
        time index out of order), and for an empty series: it has no last value to forecast
        from.

    Warns
    -----
    skattn.exceptions.TimeGapWarning
        For a pandas series (or covariates) with gaps or repeated times in its DatetimeIndex
        or PeriodIndex (:func:`check_time_index`).

    See Also
    --------
    make_windows : The windows of training.

    Notes
    -----
    One ``predict`` of many rows runs the network once per chunk of rows instead of once per
    series: in the user trial of session 21, 2,000 series forecast by an ensemble of 18 members
    took 1.08 s this way and 26 s in a loop of ``forecast`` calls, with bitwise the same values
    (docs/deployment.md has timings of this package on a small model).

    Examples
    --------
    Each series' last ``window`` values; a shorter one is left-padded with its first value:

    >>> import numpy as np
    >>> from skattn import last_windows
    >>> last_windows([np.arange(6.0), np.array([7.0, 8.0])], window=4)
    array([[2., 3., 4., 5.],
           [7., 7., 7., 8.]])

    One ``predict`` then forecasts every series as ``forecast`` does one:

    >>> from skattn import AttentionForecaster, make_windows
    >>> series = [10 + np.sin(np.arange(n) / 2) for n in (60, 45, 5)]
    >>> model = AttentionForecaster(patch_len=4, d_model=8, max_epochs=2, random_state=0)
    >>> model = model.fit(*make_windows(series, window=12, horizon=3))
    >>> forecasts = model.predict(last_windows(series, model.n_features_in_))  # (3, 3)
    >>> all(np.array_equal(row, model.forecast(s, 3)) for row, s in zip(forecasts, series))
    True
    """
    window = check_integer("window", window)
    single, series_list, covariate_list = _panel(series, covariates)
    X = None
    for number, channels in _checked_channels(single, series_list, covariate_list,
                                              allow_empty=True):
        if channels.shape[0] == 0:
            what = "series" if single else f"series[{number}]"
            raise ValueError(f"{what} is empty: a forecast starts from a series' last value, so "
                             f"each series needs at least one (leave empty ones out, and give "
                             f"them a forecast of their own, e.g. 0)")
        if X is None:
            # the windows, checked BEFORE allocating them (window=10**9 would fill the memory)
            n_channels = channels.shape[1]
            check_fits_in_memory(8 * len(series_list) * window * n_channels, "the windows",
                                 f"window={window} is too large for {len(series_list)} series")
            X = np.empty((len(series_list), window) + ((n_channels,) if n_channels > 1 else ()))
        # as recursive_forecast reads a history, left_pad(history, window)[-window:], but with
        # the padding written in place rather than a padded copy of the whole series made
        last = (channels if X.ndim == 3 else channels[:, 0])[-window:]
        X[number, window - last.shape[0]:] = last
        X[number, :window - last.shape[0]] = last[0]
    return X
