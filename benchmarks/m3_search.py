"""Hyperparameter search for the M3 monthly attention model, with the package's own tools.

RandomizedSearchCV over windows cut from the TRAINING parts only (``make_windows(train, WINDOW,
18)``), with time-ordered splits: make_windows orders the rows by their distance from the end of
their series, so TimeSeriesSplit validates on later windows than it trains on, across all series.
Scored by MASE (season 12) scaled by each window's own history. The test parts are never read.

Usage::

    python benchmarks/m3_search.py --n-iter 8 --n-jobs 2

Prints the search results (best first) as a Markdown table, and the best parameters.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.model_selection import RandomizedSearchCV, TimeSeriesSplit

from skattn import make_windows
from skattn.datasets import load_m3
from skattn.metrics import make_mase_scorer
from skattn.model_selection import format_table

from m3 import HORIZON, SEASON, make_forecaster

SEARCH_WINDOW = 54

PARAM_DISTRIBUTIONS = {
    "patch_len": [3, 6, 12],
    "d_model": [32, 64],
    "n_layers": [1, 2, 3],
    "dropout": [0.0, 0.1, 0.2],
    "loss": ["absolute_error", "huber"],
    "learning_rate": [5e-4, 1e-3, 2e-3],
    "weight_decay": [0.0, 0.01, 0.1],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-iter", type=int, default=8)
    parser.add_argument("--n-splits", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel fits (processes)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_m3("monthly")
    X, y = make_windows(data.train, SEARCH_WINDOW, HORIZON)
    base = make_forecaster(lr_schedule="cosine", max_epochs=40, n_jobs=1)
    search = RandomizedSearchCV(
        base, PARAM_DISTRIBUTIONS, n_iter=args.n_iter,
        cv=TimeSeriesSplit(n_splits=args.n_splits), scoring=make_mase_scorer(SEASON),
        n_jobs=args.n_jobs, random_state=args.seed, refit=False, verbose=1,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    seconds = time.perf_counter() - started
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"])
    table = {
        "rank": [int(results["rank_test_score"][i]) for i in order],
        "mean MASE (validation windows)": [float(-results["mean_test_score"][i]) for i in order],
        "std": [float(results["std_test_score"][i]) for i in order],
        "params": [str(results["params"][i]) for i in order],
    }
    print(f"RandomizedSearchCV on {X.shape[0]} M3 monthly training windows of {SEARCH_WINDOW}, "
          f"{args.n_iter} candidates x TimeSeriesSplit({args.n_splits}), {seconds:.0f} s")
    print(format_table(table, floatfmt=".4f"))
    print("best:", search.best_params_)


if __name__ == "__main__":
    main()
