"""Hyperparameter search for the M3 monthly attention model, with the package's own tools.

RandomizedSearchCV over windows cut from the TRAINING parts only (``make_windows(train, window,
18)``, window 54 in round 1, 60 in round 2 where LastSteps searches shorter windows), split by :class:`skattn.model_selection.OriginSplit`: each split trains on
the windows whose targets end before an origin and validates on the window of every series that
starts there, the competition's protocol moved back into the training parts (the last origin
leaves the last 18 values of each training part to forecast, the one before it the 18 before).
Scored by sMAPE (the competition's headline, used to rank) and MASE (season 12, scaled by each
window's own history). The test parts are never read.

Usage::

    python benchmarks/m3_search.py --round 1 --n-iter 24 --n-origins 2 --n-jobs 2
    python benchmarks/m3_search.py --round 2 --n-iter 24 --n-origins 2 --n-jobs 2
    python benchmarks/m3_search.py --round 3 --n-iter 16 --n-origins 2 --n-jobs 2

Prints the search results (best first) as a Markdown table, and the best parameters.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.model_selection import RandomizedSearchCV

from skattn import make_windows
from skattn.datasets import load_m3
from skattn.metrics import make_mase_scorer, neg_smape_scorer
from skattn.model_selection import OriginSplit, format_table

from sklearn.pipeline import Pipeline

from skattn import AttentionForecaster, DeseasonalizedForecaster, LastSteps

from m3 import HORIZON, SEASON

#: the base model of every search: what m3.py used before the searches, with a cosine schedule
BASE_PARAMS = dict(early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
                   max_epochs=100, batch_size=256, lr_schedule="cosine", n_jobs=1, random_state=0)

#: round 1: windows of 54 (the best hand-tried window), the model's settings
ROUND_1 = {
    "patch_len": [6, 12],
    "d_model": [32, 64],
    "n_layers": [1, 2, 3],
    "dropout": [0.0, 0.1, 0.2],
    "loss": ["absolute_error", "huber"],
    "learning_rate": [5e-4, 1e-3, 2e-3],
    "weight_decay": [0.01, 0.1],
    "normalize": [True, "affine"],
    "early_stopping": [True, False],
    "max_epochs": [20, 40],
}
#: round 2: what round 1 left open (absolute error won: fixed), plus the window (LastSteps of
#: windows of 60) and overlapping patches (stride)
ROUND_2 = {
    "laststeps__n_steps": [36, 48, 54, 60],
    "model__patch_len": [6, 12],
    "model__stride": [None, 3, 6],
    "model__d_model": [32, 64],
    "model__n_layers": [1, 2],
    "model__dropout": [0.0, 0.1, 0.2],
    "model__learning_rate": [5e-4, 1e-3],
    "model__weight_decay": [0.01, 0.1],
    "model__early_stopping": [True, False],
    "model__max_epochs": [20, 40],
}
#: round 3 (session 4): the model behind the seasonal adjustment (m3.py's WINDOW of 90 for the
#: indices, MIN_HISTORY 54), the searched settings around round 2's best, and the test's level
ROUND_3 = {
    "critical_value": [1.0, 1.282, 1.645],
    "forecaster__laststeps__n_steps": [24, 36, 54],
    "forecaster__model__patch_len": [6, 12],
    "forecaster__model__stride": [3, 6],
    "forecaster__model__d_model": [32, 64],
    "forecaster__model__n_layers": [1, 2, 3],
    "forecaster__model__dropout": [0.0, 0.1, 0.2],
    "forecaster__model__learning_rate": [5e-4, 1e-3],
    "forecaster__model__weight_decay": [0.01, 0.1],
    "forecaster__model__max_epochs": [20, 40],
}
ROUNDS = {
    1: (54, ROUND_1, lambda: AttentionForecaster(**BASE_PARAMS)),
    2: (60, ROUND_2, lambda: Pipeline([
        ("laststeps", LastSteps()),
        ("model", AttentionForecaster(**BASE_PARAMS, loss="absolute_error")),
    ])),
    3: (90, ROUND_3, lambda: DeseasonalizedForecaster(Pipeline([
        ("laststeps", LastSteps()),
        ("model", AttentionForecaster(**{**BASE_PARAMS, "early_stopping": False},
                                      loss="absolute_error")),
    ]), season_length=SEASON)),
}
#: make_windows(min_history=...) per round (round 3: m3.py's MIN_HISTORY)
MIN_HISTORY = {3: 54}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-iter", type=int, default=8)
    parser.add_argument("--n-origins", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel fits (processes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--round", type=int, choices=sorted(ROUNDS), default=2)
    args = parser.parse_args(argv)

    data = load_m3("monthly")
    search_window, distributions, make_base = ROUNDS[args.round]
    X, y, index = make_windows(data.train, search_window, HORIZON,
                               min_history=MIN_HISTORY.get(args.round), return_index=True)
    search = RandomizedSearchCV(
        make_base(), distributions, n_iter=args.n_iter,
        cv=OriginSplit(index, HORIZON, n_origins=args.n_origins),
        scoring={"smape": neg_smape_scorer, "mase": make_mase_scorer(SEASON)},
        n_jobs=args.n_jobs, random_state=args.seed, refit=False, verbose=1,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    seconds = time.perf_counter() - started
    results = search.cv_results_
    order = np.argsort(results["rank_test_smape"])
    table = {
        "rank": [int(results["rank_test_smape"][i]) for i in order],
        "sMAPE": [float(-results["mean_test_smape"][i]) for i in order],
        "std": [float(results["std_test_smape"][i]) for i in order],
        "MASE": [float(-results["mean_test_mase"][i]) for i in order],
        "fit s": [float(results["mean_fit_time"][i]) for i in order],
        "params": [str(results["params"][i]) for i in order],
    }
    print(f"round {args.round}: RandomizedSearchCV on {X.shape[0]} M3 monthly training windows "
          f"of {search_window}, "
          f"{args.n_iter} candidates x OriginSplit(n_origins={args.n_origins}), {seconds:.0f} s")
    print(format_table(table, floatfmt=".4f"))
    print("best (by sMAPE):", results["params"][order[0]])


if __name__ == "__main__":
    main()
