"""``python -m skattn compare``: put AttentionForecaster next to the classical baselines.

With no arguments it uses the bundled airline passengers series, holds out its last 12 months,
trains every model on the rest, prints a leaderboard and writes a PNG of the forecasts.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

MODEL_NAMES = ("attention", "ensemble", "naive", "snaive", "ets", "theta", "arima")
#: the ensemble's members train for about as many updates as on M3 monthly (20 epochs of its
#: 46,000-66,000 windows in batches of 256), however few windows a dataset has
ENSEMBLE_UPDATES = 3600
DATASETS = ("airline", "m3-monthly", "m3-quarterly", "tourism-monthly")
MAX_SEED = 2**32 - 1  # the largest seed numpy (hence random_state) accepts


def _positive_int(text):
    """argparse ``type`` of the sizes and counts: an integer >= 1.

    Checked while parsing so that a bad value stops with ``error: argument --window: ...`` before
    any data is loaded, rather than being ignored (``--window 0`` was) or reaching the library.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _n_jobs(text):
    """argparse ``type`` of ``--n-jobs``: joblib's convention, any integer but 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-zero integer (-1 for all cores), got {text!r}"
        )
    return value


def _seed(text):
    """argparse ``type`` of ``--seed``: an integer numpy accepts as a seed."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be an integer from 0 to {MAX_SEED}, got {text!r}"
        )
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skattn",
        description="Compare AttentionForecaster with classical baselines on a hold-out.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare",
        help="train every model, print a leaderboard, plot the forecasts",
        description=(
            "Hold out the last HORIZON values of every series, train each model on the rest, and "
            "score the forecasts (sMAPE, MASE, MAE, RMSE, fit and predict seconds)."
        ),
    )
    compare.add_argument(
        "--dataset", default="airline",
        help=f"one of {', '.join(DATASETS)}, or the path of a CSV file with one series in a "
             "column (see --value-column); default: airline",
    )
    compare.add_argument("--horizon", type=_positive_int, default=None,
                         help="values held out and forecast (default: the dataset's own; 12 for "
                              "airline and CSV files)")
    compare.add_argument("--window", type=_positive_int, default=None,
                         help="history window of the attention model (default: 3 seasons, at "
                              "least 2 horizons, capped by the shortest training series); the "
                              "ensemble reads 5 horizons")
    compare.add_argument("--season-length", type=_positive_int, default=None,
                         help="season of the seasonal models and of MASE (default: the dataset's; "
                              "1 for CSV files)")
    compare.add_argument("--value-column", default="value",
                         help="CSV column with the series (default: value; a file with a single "
                              "column uses that one)")
    compare.add_argument("--models", default=",".join(MODEL_NAMES),
                         help=f"comma-separated subset of {','.join(MODEL_NAMES)} (default: all; "
                              "'ensemble' is the M3 benchmark's design, "
                              "skattn.recipes.make_attention_ensemble, scaled to the horizon)")
    compare.add_argument("--max-series", type=_positive_int, default=None,
                         help="use only the first N series of a multi-series dataset")
    compare.add_argument("--output", default="compare.png",
                         help="where to write the plot, in the format its suffix names (.png, "
                              ".pdf, .svg, ...; .png if it has none); default: compare.png; "
                              "'none' for no plot")
    compare.add_argument("--n-jobs", type=_n_jobs, default=-1,
                         help="processes for the classical models and threads for attention "
                              "(default: -1, all cores)")
    compare.add_argument("--seed", type=_seed, default=0,
                         help="random_state of the attention model (the ensemble's members get "
                              "SEED, SEED + 1 and SEED + 2)")
    compare.add_argument("--quiet", action="store_true", help="no progress lines")
    # compare() reports bad input found after parsing (an unreadable file, a series too short)
    # through this parser: the same "error: ..." and exit status 2 as argparse's own checks
    compare.set_defaults(parser=compare)
    return parser


def _read_csv(path, value_column):
    """The values of one column of a UTF-8 CSV file; ValueError, naming the line, if unusable."""
    try:
        # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1]
        raise ValueError(
            f"{path} is not UTF-8 text (byte {exc.start} is {byte!r}); save it as UTF-8"
        ) from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a CSV file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty")
    (_, header), body = rows[0], rows[1:]
    if value_column in header:
        column = header.index(value_column)
    elif len(header) == 1:
        column = 0
    else:
        raise ValueError(
            f"{path} has no column {value_column!r} (columns: {', '.join(header)}); "
            "choose one with --value-column"
        )
    name = header[column]
    # a file saved with ';' or tabs reads as one column whose cells hold the whole line
    hint = "; separate the columns with commas" if ";" in name or "\t" in name else ""
    values = []
    for line, row in body:
        if not row:
            continue  # a blank line, often the last one
        if column >= len(row):
            raise ValueError(f"{path}: line {line} has no column {name!r} (too few cells)")
        try:
            values.append(float(row[column]))
        except ValueError:
            raise ValueError(
                f"column {name!r} of {path} is not numeric: line {line} has {row[column]!r}{hint}"
            ) from None
    if not values:
        raise ValueError(f"{path} has no values below its header")
    values = np.array(values)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"column {name!r} of {path} must hold finite numbers (no NaN or inf)")
    return values


def load_dataset(name, value_column="value"):
    """Series (train and test joined), the default horizon and season length, and a title.

    Raises ValueError for an unknown name or an unusable CSV file.
    """
    from . import datasets

    if name == "airline":
        data = datasets.load_airline()
        return [data.series], 12, int(data.season_length), "Airline passengers (1949-1960)"
    if name in ("m3-monthly", "m3-quarterly", "tourism-monthly"):
        collection, subset = name.split("-")
        loader = datasets.load_m3 if collection == "m3" else datasets.load_tourism
        data = loader(subset)
        horizons = np.unique(data.horizon)
        seasons = np.unique(data.season_length)
        if horizons.size != 1 or seasons.size != 1:
            raise ValueError(f"{name} mixes horizons or seasons; not supported")
        series = [np.concatenate([a, b]) for a, b in zip(data.train, data.test)]
        return series, int(horizons[0]), int(seasons[0]), f"{collection.upper()} {subset}"
    path = Path(name)
    if not path.exists():
        raise ValueError(
            f"unknown dataset {name!r}: use one of {', '.join(DATASETS)} or a CSV path"
        )
    return [_read_csv(path, value_column)], 12, 1, path.name


def build_models(names, season_length, n_jobs, seed):
    """The requested models; classical ones are skipped with a message when their extra is missing."""
    from .forecaster import AttentionForecaster

    models = {}
    for name in names:
        if name == "attention":
            models["AttentionForecaster"] = AttentionForecaster(
                early_stopping=True, max_epochs=300, n_iter_no_change=20, random_state=seed,
                n_jobs=n_jobs,
            )
            continue
        try:
            from . import baselines
        except ImportError as exc:  # pragma: no cover - the module itself has no hard dependency
            print(f"skipping {name}: {exc}")
            continue
        factories = {
            "naive": lambda: baselines.NaiveForecaster(),
            "snaive": lambda: baselines.SeasonalNaiveForecaster(season_length=season_length),
            "ets": lambda: baselines.ETSForecaster(season_length=season_length, n_jobs=n_jobs),
            "theta": lambda: baselines.ThetaForecaster(season_length=season_length, n_jobs=n_jobs),
            "arima": lambda: baselines.ARIMAForecaster(season_length=season_length, n_jobs=n_jobs),
        }
        try:
            model = factories[name]()
        except ImportError as exc:
            print(f"skipping {name}: {exc}")
            continue
        models[type(model).__name__] = model
    return models


def ensemble_design(series, horizon, season_length, seed, n_jobs):
    """``python -m skattn compare``'s AttentionEnsemble and the windows it trains on.

    :func:`skattn.recipes.make_attention_ensemble` scaled by the horizon as on M3 monthly
    (horizon 18: members of 24, 36 and 54 steps reading windows of 90): members of about 4/3,
    2 and 3 horizons, a context of 5 horizons (at most the longest training history less one).
    Batches of 256 and 20 epochs when there are at least 2,048 training windows, else batches of
    32; either way at least ENSEMBLE_UPDATES updates (at most 1,000 epochs).

    Returns
    -------
    model : ForecastEnsemble
    window_args : dict
        ``window``, ``min_history`` and ``min_target`` for :func:`skattn.model_selection.backtest`.
    description : str
        The design in a few words, for the progress line.
    """
    from .recipes import make_attention_ensemble
    from .windows import make_windows

    longest = max(values.size for values in series) - horizon  # training values
    context = max(1, min(5 * horizon, longest - 1))
    windows = sorted({max(1, round(factor * horizon)) for factor in (4 / 3, 2, 3)})
    windows = [window for window in windows if window <= context] or [context]
    window_args = dict(window=context, min_history=max(windows), min_target=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short series are padded, as backtest's windows are
        n_windows = make_windows([values[:-horizon] for values in series], context, horizon,
                                 min_history=window_args["min_history"], min_target=1)[0].shape[0]
    batch_size = 256 if n_windows >= 8 * 256 else 32
    updates_per_epoch = -(-n_windows // batch_size)
    max_epochs = min(1000, max(20, -(-ENSEMBLE_UPDATES // updates_per_epoch)))
    model = make_attention_ensemble(windows, season_length=season_length, max_epochs=max_epochs,
                                    batch_size=batch_size, n_jobs=n_jobs, random_state=seed)
    description = (f"AttentionEnsemble ({len(model.estimators)} members of windows "
                   f"{', '.join(map(str, windows))} reading {context}, {max_epochs} epochs of "
                   f"{n_windows} windows in batches of {batch_size})")
    return model, window_args, description


def _merge_tables(first, second):
    """Two backtest tables (DataFrames, or dicts of lists without pandas) as one, by sMAPE."""
    if hasattr(first, "sort_values"):
        import pandas as pd

        return pd.concat([first, second], ignore_index=True).sort_values(
            "smape", kind="stable", ignore_index=True)
    merged = {column: list(first[column]) + list(second[column]) for column in first}
    order = sorted(range(len(merged["smape"])), key=merged["smape"].__getitem__)
    return {column: [values[i] for i in order] for column, values in merged.items()}


def plot_path(output):
    """The file ``--output`` names, or None for 'none'; ValueError if the plot cannot go there.

    Checked before the backtest, which can take minutes: a missing directory or an unknown
    format used to be found only when the plot was saved, after all the work. A name without
    a suffix gets ``.png`` here, as matplotlib would add it, so that the file reported is the one
    written.
    """
    if output.lower() == "none":
        return None
    if os.path.isdir(output):
        raise ValueError(f"--output: {output} is a directory; name a file such as "
                         f"{os.path.join(output, 'compare.png')}")
    suffix = os.path.splitext(output)[1]
    if not suffix.strip("."):
        output, suffix = output.rstrip(".") + ".png", ".png"
    directory = os.path.dirname(output) or "."
    if not os.path.isdir(directory):
        raise ValueError(f"--output: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise ValueError(f"--output: directory {directory} is not writable")
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        return output  # no plot at all: plot_forecasts says so after the leaderboard
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix[1:].lower() not in formats:  # matplotlib too lower-cases the suffix
        raise ValueError(f"--output: cannot write a {suffix[1:]!r} plot; use a suffix among "
                         f"{', '.join('.' + f for f in sorted(formats))}")
    return output


def plot_forecasts(path, series, forecasts, names, horizon, season_length, title, n_panels=4):
    """Plot the last seasons of each series, the truth and every model's forecast to ``path``.

    The format is that of the suffix of ``path`` (see :func:`plot_path`). Returns ``path``, or
    None when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('no plot: matplotlib is not installed (pip install "skattn[plot]")')
        return None
    n_panels = min(n_panels, len(series))
    figure, axes = plt.subplots(n_panels, 1, figsize=(10, 3.2 * n_panels), squeeze=False)
    for panel in range(n_panels):
        axis = axes[panel, 0]
        values = series[panel]
        origin = values.size - horizon
        shown = max(0, origin - max(3 * season_length, 2 * horizon))
        steps = np.arange(values.size)
        axis.plot(steps[shown:origin], values[shown:origin], color="black", label="history")
        axis.plot(steps[origin:], values[origin:], color="black", linestyle="--", label="truth")
        for name in names:
            axis.plot(steps[origin:], forecasts[name][-1, panel], label=name)
        axis.axvline(origin - 0.5, color="grey", linewidth=0.8)
        axis.set_title(title if len(series) == 1 else f"{title}: series {panel}")
        if panel == 0:
            axis.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def compare(args):
    """Run ``compare`` and return the leaderboard.

    Bad input (arguments, data, output path) stops with ``error: ...`` and exit status 2, checked
    before the work where possible; the library's ValueErrors for bad data are reported the same
    way. Any other exception is a bug and keeps its traceback.
    """
    from .model_selection import backtest, format_table

    error = args.parser.error
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    if not names:
        error(f"--models is empty; choose from {','.join(MODEL_NAMES)}")
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown:
        error(f"unknown model(s) {', '.join(unknown)}; choose from {','.join(MODEL_NAMES)}")
    try:
        output = plot_path(args.output)
        series, horizon, season_length, title = load_dataset(args.dataset, args.value_column)
    except ValueError as exc:  # the user's file or path, not a bug: no traceback
        error(str(exc))
    if args.max_series is not None:
        series = series[: args.max_series]
    horizon = args.horizon if args.horizon is not None else horizon
    season_length = args.season_length if args.season_length is not None else season_length
    shortest = min(s.size for s in series)
    n_train = shortest - horizon
    if n_train <= season_length:
        error(f"the shortest series has {shortest} values: too few for a hold-out of {horizon} "
              f"and at least season_length + 1 = {season_length + 1} values to train on")
    if args.window is None:  # capped so that the shortest series still gives a training window
        window = max(1, min(max(3 * season_length, 2 * horizon), n_train - 1))
    else:
        window = args.window

    models = build_models([name for name in names if name != "ensemble"], season_length,
                          args.n_jobs, args.seed)
    # each backtest run: (models, the arguments its training windows are cut with); the ensemble
    # has its own (a longer context, the padded and past-the-end rows its members need)
    runs = [(models, dict(window=window))] if models else []
    described = list(models)
    if "ensemble" in names:
        ensemble, ensemble_windows, description = ensemble_design(
            series, horizon, season_length, args.seed, args.n_jobs)
        runs.append(({"AttentionEnsemble": ensemble}, ensemble_windows))
        described.append(description)
    if not runs:
        error("no model could be built")
    if not args.quiet:
        print(f"{title}: {len(series)} series, hold-out {horizon}, season {season_length}, "
              f"window {window}; models: {', '.join(described)}", flush=True)
    started = time.perf_counter()
    table, forecasts = None, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning etc.: the leaderboard is the report
        try:
            for run_models, window_args in runs:
                run_table, run_forecasts = backtest(
                    run_models, series, horizon=horizon, season_length=season_length,
                    n_jobs=args.n_jobs, verbose=0 if args.quiet else 1, return_forecasts=True,
                    **window_args,
                )
                table = run_table if table is None else _merge_tables(table, run_table)
                forecasts.update(run_forecasts)
        except ValueError as exc:  # data the models or metrics reject (e.g. a constant series)
            error(str(exc))
    names_plotted = [name for run_models, _ in runs for name in run_models]
    print()
    print(format_table(table))
    print(f"\n{len(series)} series, horizon {horizon}; sMAPE in percent, MASE scaled by the "
          f"in-sample seasonal-naive error (season {season_length}); "
          f"{time.perf_counter() - started:.1f} s in all")
    if output is not None:
        written = plot_forecasts(output, series, forecasts, names_plotted, horizon,
                                 season_length, title)
        if written:
            print(f"plot written to {written}")
    return table


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "compare":
        compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
