"""Where one saved M3 monthly forecast wins and loses against Theta, on a hold-out.

Takes what ``python benchmarks/m3.py --holdout K --save F.npy`` (or ``--save-members``: their
median) saved, fits Theta (DOTM) on the same hold-out, and prints sMAPE by series length, by the
seasonality test's verdict (on each series' last 90 values, the Theta method's 90% test) and by
forecast step, plus the share of series won and the score of the plain mean of the two; then MASE
by quartile of Theta's own per-series MASE and by step, with the mean signed (scaled) error per
step, and, within Theta's easiest quartile, by how straight each series' last 36 values are (R^2
of a fitted line). The test parts are never read.

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
    # where Theta is already precise weigh as much as the hard ones; grouped by Theta's own MASE
    scale = np.array([np.mean(np.abs(series[SEASON:] - series[:-SEASON]))
                      for series in data.train])
    scaled = {"model": np.abs(truth - model) / scale[:, None],
              "Theta": np.abs(truth - theta) / scale[:, None]}
    theta_mase = scaled["Theta"].mean(axis=1)
    edges = np.quantile(theta_mase, [0.0, 0.25, 0.5, 0.75, 1.0])
    quartiles = {"all": np.ones(len(lengths), dtype=bool)}
    for index, (low, high) in enumerate(zip(edges[:-1], edges[1:])):
        upper = theta_mase <= high if index == 3 else theta_mase < high
        quartiles[f"Theta MASE quartile {index + 1} [{low:.2f}, {high:.2f}]"] = (
            (theta_mase >= low) & upper)
    mase_table = {"series": list(quartiles), "n": [int(mask.sum()) for mask in quartiles.values()]}
    for name, values in scaled.items():
        mase_table[name] = [float(values[mask].mean(axis=1).mean()) for mask in quartiles.values()]
    mase_table["model - Theta, share of the mean"] = [
        float((scaled["model"] - scaled["Theta"])[mask].mean(axis=1).sum() / len(lengths))
        for mask in quartiles.values()]
    print("MASE")
    print(format_table(mase_table))
    mase_steps = {"step": list(range(1, HORIZON + 1))}
    mase_steps.update({name: list(values.mean(axis=0)) for name, values in scaled.items()})
    # the mean SIGNED scaled error per step (forecast - truth): a bias, or scatter? A diagnostic
    # read on the hold-out itself, not a correction to apply
    signed = {"model": (model - truth) / scale[:, None], "Theta": (theta - truth) / scale[:, None]}
    for name, values in signed.items():
        mase_steps[f"{name} signed"] = list(values.mean(axis=0))
    print(format_table(mase_steps))
    bias = signed["model"].mean(axis=0)  # (18,)
    first = list(quartiles.values())[1]
    print(f"model MASE without its own mean signed error per step (an oracle, diagnostic only): "
          f"all {np.abs(signed['model'] - bias).mean():.4f} (as is {scaled['model'].mean():.4f}); "
          f"Theta's quartile 1 {np.abs(signed['model'] - bias)[first].mean():.4f} "
          f"(as is {scaled['model'][first].mean():.4f}, Theta {scaled['Theta'][first].mean():.4f})")

    # Within Theta's quartile 1: does the gap grow with how straight the recent history is?
    # R^2 of a line fitted to each series' last 36 values (all of it when shorter), in terciles
    recent_r2 = np.array([line_r2(series[-36:]) for series in data.train])
    r2_first = recent_r2[first]
    cuts = np.quantile(r2_first, [1 / 3, 2 / 3])
    tercile = np.searchsorted(cuts, r2_first, side="right")  # 0, 1, 2
    mase_first = {name: values[first].mean(axis=1) for name, values in scaled.items()}
    signed_first = {name: values[first].mean(axis=1) for name, values in signed.items()}
    r2_table = {"R^2 of a line, last 36 values": [
        f"[{low:.2f}, {high:.2f}]" for low, high in zip(
            [r2_first.min(), *cuts], [*cuts, r2_first.max()])],
        "n": [int(np.sum(tercile == k)) for k in range(3)]}
    for name in scaled:
        r2_table[f"{name} MASE"] = [float(mase_first[name][tercile == k].mean()) for k in range(3)]
        r2_table[f"{name} signed"] = [float(signed_first[name][tercile == k].mean())
                                      for k in range(3)]
    print("Theta's MASE quartile 1, by the straightness of the last 36 values")
    print(format_table(r2_table))
    gap = np.sort(mase_first["model"] - mase_first["Theta"])[::-1]
    print(f"quartile 1: model - Theta summed over its {gap.size} series {gap.sum():.1f}; the worst "
          f"10% of them carry {gap[: gap.size // 10].sum():.1f}")


def line_r2(values):
    """R^2 of the least-squares line through ``values`` (0 for a constant series)."""
    values = np.asarray(values, dtype=float)
    steps = np.arange(values.size)
    residuals = values - np.polyval(np.polyfit(steps, values, 1), steps)
    return 0.0 if values.var() == 0 else 1.0 - residuals.var() / values.var()


if __name__ == "__main__":
    main()
