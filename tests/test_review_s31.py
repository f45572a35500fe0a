"""Defects found by the session-31 reviews, each test failing on the code before its fix."""
import numpy as np
import pytest

from skattn.__main__ import main


def _monthly_csv(path, empty_line=None):
    """96 seasonal monthly values with ISO dates; the time cell of file line ``empty_line``
    (the header is line 1) left empty."""
    rows = ["date,value"]
    for t in range(96):
        day = f"{1949 + t // 12}-{t % 12 + 1:02d}-01"
        value = float(100 + 10 * np.sin(2 * np.pi * t / 12) + 0.5 * t)
        rows.append(f"{'' if t + 2 == empty_line else day},{value!r}")
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_an_empty_time_cell_is_called_missing_not_an_unknown_format(tmp_path):
    # one empty cell in a column of ISO dates: the warning said "line 42 has '', neither a number
    # nor an ISO 8601 date or time" and the season warning "the file has no column of times"
    path = _monthly_csv(tmp_path / "gap.csv", empty_line=42)
    with pytest.warns(UserWarning) as record:
        main(["compare", "--dataset", path, "--models", "naive", "--output", "none",
              "--n-jobs", "1", "--quiet"])
    messages = [str(w.message) for w in record]
    unread = [m for m in messages if "was not read as times" in m and "named like" in m]
    assert len(unread) == 1
    assert "(line 42 has no time, an empty cell: give every row its time)" in unread[0]
    season = [m for m in messages if "seasonal at period 12" in m]
    assert len(season) == 1
    assert "its column 'date' was not read as times (see the warning about it)" in season[0]
    assert "no column of times" not in season[0]


def test_an_empty_time_cell_of_time_column_is_called_missing(tmp_path, capsys):
    path = _monthly_csv(tmp_path / "gap.csv", empty_line=42)
    with pytest.raises(SystemExit):
        main(["compare", "--dataset", path, "--models", "naive", "--output", "none",
              "--time-column", "date"])
    err = capsys.readouterr().err
    assert "line 42 has none, an empty cell; give every row its time" in err


@pytest.mark.parametrize("name", ["neg_mae_scorer", "neg_rmse_scorer", "neg_smape_scorer"])
def test_scorers_refuse_targets_of_none_by_name(name):
    # scikit-learn's TypeError "Input should have at least 1 dimension ... array(None)"
    import skattn.metrics
    from skattn import make_windows
    from skattn.baselines import NaiveForecaster

    X, y = make_windows(np.arange(50.0), 10, 1)
    model = NaiveForecaster().fit(X, y)
    with pytest.raises(ValueError, match=r"y_true is None: .*scorer\(estimator, X, y\)"):
        getattr(skattn.metrics, name)(model, X, None)


def test_ensemble_leaves_3d_output_an_ndarray_under_the_global_pandas_output():
    # as LastSteps does: the global transform_output raised for several values per window (and
    # fit_transform gave pandas' "Must pass 2-d input"); set_output on the ensemble still raises
    pytest.importorskip("pandas")
    import sklearn

    from skattn import ForecastEnsemble, make_windows
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster

    def ensemble():
        return ForecastEnsemble([("a", NaiveForecaster()),
                                 ("b", SeasonalNaiveForecaster(season_length=4))])

    X, y = make_windows(np.arange(60.0), 10, 3)
    X1, y1 = make_windows(np.arange(60.0), 10, 1)
    expected = ensemble().fit(X, y).transform(X)
    assert expected.shape == (48, 2, 3)
    with sklearn.config_context(transform_output="pandas"):
        np.testing.assert_array_equal(ensemble().fit(X, y).transform(X), expected)
        np.testing.assert_array_equal(ensemble().fit_transform(X, y), expected)
        frame = ensemble().fit_transform(X1, y1)
        assert list(frame.columns) == ["forecastensemble_a", "forecastensemble_b"]
    with pytest.raises(ValueError, match="3-D array here, shape \\(48, 2, 3\\)"):
        ensemble().set_output(transform="pandas").fit(X, y).transform(X)
