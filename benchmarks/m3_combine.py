"""Score the median and mean of saved M3 monthly forecasts: choosing an ensemble's members.

Each file is what ``python benchmarks/m3.py --holdout --single ... --save FILE.npy`` saved: one
model's forecasts of the last 18 values of every training part, fitted on what precedes them (the
test parts are never read). This prints each file's sMAPE and MASE on that hold-out, then those of
the median and the mean of all of them, so a set of members can be judged before it is put in
``MEMBERS`` of benchmarks/m3.py.

Usage::

    python benchmarks/m3_combine.py w36.npy w54.npy w54_seed1.npy
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from skattn.datasets import load_m3
from skattn.metrics import mase, smape
from skattn.model_selection import format_table

from m3 import SEASON, holdout_split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE.npy")
    args = parser.parse_args(argv)

    data = holdout_split(load_m3("monthly"))
    truth = np.stack(data.test)  # (n_series, 18)
    forecasts = {Path(name).stem: np.load(name) for name in args.files}
    for name, forecast in forecasts.items():
        if forecast.shape != truth.shape:
            raise SystemExit(f"{name}: shape {forecast.shape}, expected {truth.shape} (hold-out "
                             "forecasts of all 1,428 series)")
    rows = dict(forecasts)
    if len(forecasts) > 1:
        stacked = np.stack(list(forecasts.values()))  # (n_files, n_series, 18)
        rows[f"median of {len(forecasts)}"] = np.median(stacked, axis=0)
        rows[f"mean of {len(forecasts)}"] = np.mean(stacked, axis=0)
    table = {
        "forecasts": list(rows),
        "smape": [smape(truth, forecast) for forecast in rows.values()],
        "mase": [mase(truth, forecast, data.train, SEASON) for forecast in rows.values()],
    }
    print(f"M3 monthly HOLD-OUT (last 18 of the training parts), {truth.shape[0]} series")
    print(format_table(table))


if __name__ == "__main__":
    main()
