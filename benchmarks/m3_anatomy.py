"""Where one saved M3 monthly forecast wins and loses against Theta, on a hold-out.

Takes what ``python benchmarks/m3.py --holdout K --save F.npy`` (or ``--save-members``: their
median) saved, fits Theta (DOTM) on the same hold-out, and prints sMAPE by series length, by the
seasonality test's verdict (on each series' last 90 values, the Theta method's 90% test) and by
forecast step, plus the share of series won and the score of the plain mean of the two; then MASE
by quartile of how straight each series' last 36 values are (R^2 of a fitted line, a feature of
the history alone), with standard errors of the difference; the same difference by quartile of
either forecast's own per-series MASE, which is biased (regression to the mean: a forecast looks
good on the series where its own error happened to be small), shown so as not to be misread
again; and MASE by step, with the mean signed (scaled) error per step. The test parts are never
read.

Usage::

    python benchmarks/m3_anatomy.py --holdout 1 F.npy
"""
from __future__ import annotations

import argparse

import numpy as np

from skattn import baselines
from skattn.datasets import load_m3
from skattn.model_selection import format_table
from skattn.seasonal import seasonal_indices
from skattn.windows import left_pad

from m3 import HORIZON, SEASON, WINDOW, holdout_split, run_local


def smape_by_element(truth, forecast):
    return 200 * np.abs(truth - forecast) / (np.abs(truth) + np.abs(forecast))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", metavar="F.npy")
    parser.add_argument("--holdout", type=int, default=1, metavar="K")
    args = parser.parse_args(argv)

    data = load_m3("monthly")
    for _ in range(args.holdout):
        data = holdout_split(data)
    truth = np.stack(data.test)  # (n_series, 18)
    model = np.load(args.file)
    if model.ndim not in (2, 3) or model.shape[::model.ndim - 1] != truth.shape:
        # a NumPy broadcast error further down otherwise (a file of m3.py --max-series, or of
        # another hold-out; session 30)
        raise SystemExit(f"{args.file}: shape {model.shape}, expected {truth.shape} or "
                         f"({truth.shape[0]}, n_members, {truth.shape[1]}) (hold-out "
                         f"{args.holdout} forecasts of all its series)")
    if model.ndim == 3:  # members: their median
        model = np.median(model, axis=1)
    theta, _, _ = run_local(baselines.ThetaForecaster(season_length=SEASON, n_jobs=-1), data)
    errors = {"model": smape_by_element(truth, model), "Theta": smape_by_element(truth, theta),
              "mean of the two": smape_by_element(truth, (model + theta) / 2)}
    per_series = {name: error.mean(axis=1) for name, error in errors.items()}
    lengths = np.array([len(series) for series in data.train])
    last = np.stack([left_pad(np.asarray(series[-WINDOW:], dtype=float), WINDOW)
                     for series in data.train])  # the model's last windows
    seasonal = ~np.all(seasonal_indices(last, SEASON) == 1.0, axis=1)

    groups = {"all": np.ones(len(lengths), dtype=bool)}
    for low, high in ((0, 40), (40, 70), (70, 100), (100, 10_000)):
        groups[f"{low}-{high - 1} values" if high < 10_000 else f">= {low} values"] = \
            (lengths >= low) & (lengths < high)
    groups["seasonal (test)"], groups["not seasonal"] = seasonal, ~seasonal
    table = {"series": list(groups), "n": [int(mask.sum()) for mask in groups.values()]}
    for name, values in per_series.items():
        table[name] = [float(values[mask].mean()) for mask in groups.values()]
    print(f"M3 monthly HOLD-OUT {args.holdout}, {len(lengths)} series, sMAPE; {args.file}")
    print(format_table(table))
    steps = {"step": list(range(1, HORIZON + 1))}
    steps.update({name: list(error.mean(axis=0)) for name, error in errors.items()})
    print(format_table(steps, floatfmt=".2f"))
    print(f"model better than Theta on {np.mean(per_series['model'] < per_series['Theta']):.1%} "
          "of the series")

    # MASE: each series' absolute errors over its in-sample seasonal-naive MAE, so the series
    # where the forecasts are already precise weigh as much as the hard ones
    scale = np.array([np.mean(np.abs(series[SEASON:] - series[:-SEASON]))
                      for series in data.train])
    scaled = {"model": np.abs(truth - model) / scale[:, None],
              "Theta": np.abs(truth - theta) / scale[:, None]}
    per_series_mase = {name: values.mean(axis=1) for name, values in scaled.items()}
    # Grouped by a feature of the HISTORY only, the straightness of the last 36 values (R^2 of a
    # fitted line; all of it when shorter): grouping by either forecast's own error would favour
    # that forecast in its easy quartile and penalise it in its hard one (regression to the mean)
    recent_r2 = np.array([line_r2(series[-36:]) for series in data.train])
    groups = by_quartile(recent_r2, "R^2 of a line, last 36 values")
    mase_table = {"series": list(groups), "n": [int(mask.sum()) for mask in groups.values()]}
    for name, values in per_series_mase.items():
        mase_table[name] = [float(values[mask].mean()) for mask in groups.values()]
    difference = per_series_mase["model"] - per_series_mase["Theta"]
    mase_table["model - Theta"] = [float(difference[mask].mean()) for mask in groups.values()]
    mase_table["s.e."] = [float(difference[mask].std(ddof=1) / np.sqrt(mask.sum()))
                          for mask in groups.values()]
    mase_table["share of the mean"] = [float(difference[mask].sum() / len(lengths))
                                       for mask in groups.values()]
    print("MASE")
    print(format_table(mase_table))
    # the same difference grouped by each forecast's own error, to show the bias such groupings
    # carry (sessions 7-10 read the first row as a real gap on the predictable series)
    print("model - Theta (MASE) by quartile of one forecast's OWN per-series MASE (biased: each "
          "looks better on its own easy quartile)")
    mirror = {"grouped by": ["Theta's MASE", "the model's MASE"]}
    for index in range(4):
        mirror[f"quartile {index + 1}"] = [
            float(difference[list(by_quartile(per_series_mase[name], name).values())[index + 1]]
                  .mean()) for name in ("Theta", "model")]
    print(format_table(mirror))
    mase_steps = {"step": list(range(1, HORIZON + 1))}
    mase_steps.update({name: list(values.mean(axis=0)) for name, values in scaled.items()})
    # the mean SIGNED scaled error per step (forecast - truth): a bias, or scatter? A diagnostic
    # read on the hold-out itself, not a correction to apply
    signed = {"model": (model - truth) / scale[:, None], "Theta": (theta - truth) / scale[:, None]}
    for name, values in signed.items():
        mase_steps[f"{name} signed"] = list(values.mean(axis=0))
    print(format_table(mase_steps))
    bias = signed["model"].mean(axis=0)  # (18,)
    straightest = list(groups.values())[-1]
    print(f"model MASE without its own mean signed error per step (an oracle, diagnostic only): "
          f"all {np.abs(signed['model'] - bias).mean():.4f} (as is {scaled['model'].mean():.4f}); "
          f"straightest quartile {np.abs(signed['model'] - bias)[straightest].mean():.4f} "
          f"(as is {scaled['model'][straightest].mean():.4f}, "
          f"Theta {scaled['Theta'][straightest].mean():.4f})")


def by_quartile(values, label):
    """``{"all": mask, "<label> quartile k [low, high]": mask, ...}`` over the series (n,)."""
    edges = np.quantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])
    groups = {"all": np.ones(len(values), dtype=bool)}
    for index, (low, high) in enumerate(zip(edges[:-1], edges[1:])):
        upper = values <= high if index == 3 else values < high
        groups[f"{label} quartile {index + 1} [{low:.2f}, {high:.2f}]"] = (values >= low) & upper
    return groups


def line_r2(values):
    """R^2 of the least-squares line through ``values`` (0 for a constant series)."""
    values = np.asarray(values, dtype=float)
    steps = np.arange(values.size)
    residuals = values - np.polyval(np.polyfit(steps, values, 1), steps)
    return 0.0 if values.var() == 0 else 1.0 - residuals.var() / values.var()


if __name__ == "__main__":
    main()
