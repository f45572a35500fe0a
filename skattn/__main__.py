"""``python -m skattn compare``: put AttentionForecaster next to the classical baselines.

With no arguments it uses the bundled airline passengers series, holds out its last 12 months,
trains every model on the rest, prints a leaderboard and writes a PNG of the forecasts.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np

MODEL_NAMES = ("attention", "naive", "snaive", "ets", "theta", "arima")
DATASETS = ("airline", "m3-monthly", "m3-quarterly", "tourism-monthly")


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
    compare.add_argument("--horizon", type=int, default=None,
                         help="values held out and forecast (default: the dataset's own; 12 for "
                              "airline and CSV files)")
    compare.add_argument("--window", type=int, default=None,
                         help="history window of the attention model (default: 3 seasons, at "
                              "least 2 horizons, capped by the shortest training series)")
    compare.add_argument("--season-length", type=int, default=None,
                         help="season of the seasonal models and of MASE (default: the dataset's; "
                              "1 for CSV files)")
    compare.add_argument("--value-column", default="value",
                         help="CSV column with the series (default: value; a file with a single "
                              "column uses that one)")
    compare.add_argument("--models", default=",".join(MODEL_NAMES),
                         help=f"comma-separated subset of {','.join(MODEL_NAMES)} (default: all)")
    compare.add_argument("--max-series", type=int, default=None,
                         help="use only the first N series of a multi-series dataset")
    compare.add_argument("--output", default="compare.png",
                         help="where to write the plot (default: compare.png); 'none' for no plot")
    compare.add_argument("--n-jobs", type=int, default=-1,
                         help="processes for the classical models and threads for attention "
                              "(default: -1, all cores)")
    compare.add_argument("--seed", type=int, default=0, help="random_state of the attention model")
    compare.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def _read_csv(path, value_column):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise SystemExit(f"error: {path} is empty")
    header, body = rows[0], rows[1:]
    if value_column in header:
        column = header.index(value_column)
    elif len(header) == 1:
        column = 0
    else:
        raise SystemExit(
            f"error: {path} has no column {value_column!r} (columns: {', '.join(header)}); "
            "choose one with --value-column"
        )
    try:
        values = np.array([float(row[column]) for row in body if row])
    except (ValueError, IndexError) as exc:
        raise SystemExit(f"error: column {header[column]!r} of {path} is not numeric: {exc}") from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise SystemExit(f"error: column {header[column]!r} of {path} must hold finite numbers")
    return values


def load_dataset(name, value_column="value"):
    """Series (train and test joined), the default horizon and season length, and a title."""
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
            raise SystemExit(f"error: {name} mixes horizons or seasons; not supported")
        series = [np.concatenate([a, b]) for a, b in zip(data.train, data.test)]
        return series, int(horizons[0]), int(seasons[0]), f"{collection.upper()} {subset}"
    path = Path(name)
    if not path.exists():
        raise SystemExit(
            f"error: unknown dataset {name!r}: use one of {', '.join(DATASETS)} or a CSV path"
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


def plot_forecasts(path, series, forecasts, names, horizon, season_length, title, n_panels=4):
    """Write a PNG of the last seasons of each series, the truth and every model's forecast."""
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
    from .model_selection import backtest, format_table

    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown or not names:
        raise SystemExit(f"error: unknown model(s) {unknown}; choose from {','.join(MODEL_NAMES)}")
    series, horizon, season_length, title = load_dataset(args.dataset, args.value_column)
    if args.max_series is not None:
        if args.max_series < 1:
            raise SystemExit("error: --max-series must be >= 1")
        series = series[: args.max_series]
    horizon = args.horizon if args.horizon is not None else horizon
    season_length = args.season_length if args.season_length is not None else season_length
    if horizon < 1 or season_length < 1:
        raise SystemExit("error: --horizon and --season-length must be >= 1")
    shortest = min(s.size for s in series) - horizon
    if shortest <= season_length:
        raise SystemExit(
            f"error: a series has only {shortest} values before the hold-out of {horizon}; "
            f"at least season_length + 1 = {season_length + 1} are needed"
        )
    window = args.window or max(3 * season_length, 2 * horizon)
    window = max(1, min(window, shortest - 1)) if args.window is None else window

    models = build_models(names, season_length, args.n_jobs, args.seed)
    if not models:
        raise SystemExit("error: no model could be built")
    if not args.quiet:
        print(f"{title}: {len(series)} series, hold-out {horizon}, season {season_length}, "
              f"window {window}; models: {', '.join(models)}", flush=True)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning etc.: the leaderboard is the report
        table, forecasts = backtest(
            models, series, horizon=horizon, window=window, season_length=season_length,
            n_jobs=args.n_jobs, verbose=0 if args.quiet else 1, return_forecasts=True,
        )
    print()
    print(format_table(table))
    print(f"\n{len(series)} series, horizon {horizon}; sMAPE in percent, MASE scaled by the "
          f"in-sample seasonal-naive error (season {season_length}); "
          f"{time.perf_counter() - started:.1f} s in all")
    if args.output.lower() != "none":
        written = plot_forecasts(args.output, series, forecasts, list(models), horizon,
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
