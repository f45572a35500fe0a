"""docs/pandas.md's blocks run as written, in order, and do what the page says."""
import numpy as np
import pytest

from docs_pages import run_page


def test_the_pandas_page_runs_and_its_tables_line_up(capsys):
    pd = pytest.importorskip("pandas")
    namespace = run_page("pandas.md", 7)
    printed = capsys.readouterr().out
    # the day missing from every store's export is found and filled, not a shifted season
    assert printed.count("1 missing day(s), first 2024-03-05") == 3
    ids, series, dates = namespace["ids"], namespace["series"], namespace["dates"]
    assert ids == ["S0", "S1", "S2"]
    assert [len(values) for values in series] == [210, 210, 150]  # the late store is shorter
    assert all(np.all(np.isfinite(values)) for values in series)
    # the forecasts' rows carry the dates of the values they forecast: truth matches the table
    results, table = namespace["results"], namespace["table"]
    observed = results.merge(table, on=["store_id", "date"], how="left")
    present = observed["sales"].notna()
    assert present.all()  # the filled day lies before the origins
    np.testing.assert_array_equal(observed.loc[present, "truth"], observed.loc[present, "sales"])
    assert set(results["model"]) == {"attention", "seasonal naive"}
    per_store = namespace["per_store"]
    assert per_store.shape == (3, 2) and np.all(np.isfinite(per_store.to_numpy()))
    future = namespace["future"]
    assert len(future) == 3 * 7
    assert (future.groupby("store_id")["date"].min() == pd.Timestamp("2024-07-29")).all()
    assert np.all(future["low_80"] <= future["forecast"])
    assert np.all(future["forecast"] <= future["high_80"])
    # the recency weights: the newest window of each store is one horizon from its end
    age, recent = namespace["age"], namespace["recent"]
    assert age.min() == 7 and age.max() == max(len(values) for values in series) - 28
    assert recent.n_iter_ > 0
