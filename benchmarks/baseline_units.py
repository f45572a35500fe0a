"""Do the classical baselines depend on the units of the data? M3 monthly, multiplied by factors.

Each model forecasts h = 18 from every training part multiplied by a factor; the forecasts are
divided by the factor and scored on the test parts (sMAPE, MASE with season 12). A model that is
equivariant to the units scores the same at every factor, with forecasts that move by rounding
only. Session 20's figures are in docs/baselines.md ("The units of the data").

Usage::

    python benchmarks/baseline_units.py theta,ets      # about 1 minute and 8 minutes
    python benchmarks/baseline_units.py theta --n-jobs 1

Needs the ``data`` and ``baselines`` extras.
"""
import argparse
import time
import warnings

import numpy as np

from skattn.baselines import ETSForecaster, ThetaForecaster
from skattn.datasets import load_m3
from skattn.metrics import mase, smape

FACTORS = (1.0, 1e-3, 1e3, 1e-6)
MODELS = {"theta": ThetaForecaster, "ets": ETSForecaster}


def main(names, n_jobs=2):
    warnings.simplefilter("ignore")  # statsforecast's own warnings on a few short series
    data = load_m3("monthly")
    train, test = list(data.train), np.stack(data.test)
    for name in names:
        model = MODELS[name](season_length=12, n_jobs=n_jobs)
        model.fit(train[0][None, -36:], np.zeros((1, 18)))  # records the horizon only
        reference = None
        for factor in FACTORS:
            started = time.perf_counter()
            forecasts = np.stack([model.forecast(values * factor, 18) for values in train]) / factor
            if reference is None:
                reference = forecasts
            change = np.abs(forecasts - reference) / np.maximum(np.abs(reference), 1e-12)
            moved = np.mean(np.any(change > 1e-6, axis=1))
            print(f"{name} x {factor:g}: sMAPE {smape(test, forecasts):.3f}, MASE "
                  f"{mase(test, forecasts, train, 12):.4f}; forecasts of {moved:.1%} of the series "
                  f"moved by more than 1e-6, at most {change.max():.3g} (relative); "
                  f"{time.perf_counter() - started:.0f} s", flush=True)


def _model_names(text):
    names = text.split(",")
    unknown = sorted(set(names) - set(MODELS))
    if unknown:  # before loading M3: a KeyError came after it (session 30)
        raise argparse.ArgumentTypeError(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    return names


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="?", type=_model_names, default=["theta", "ets"],
                        help="comma-separated, of: " + ", ".join(MODELS) + " (default: both)")
    parser.add_argument("--n-jobs", type=int, default=2, help="the models' n_jobs (default 2)")
    args = parser.parse_args()
    main(args.models, args.n_jobs)
