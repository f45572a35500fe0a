"""Score the median and mean of saved M3 monthly forecasts: choosing an ensemble's members.

Each file is what ``python benchmarks/m3.py --holdout K ...`` saved on a hold-out (the test parts
are never read): ``--save`` (n_series, 18), one model's forecasts, or ``--save-members``
(n_series, n_members, 18), every member of an ensemble. This prints each file's sMAPE and MASE
on that hold-out (the median of its members for a members file), then those of the median and
the mean of all the forecasts pooled, so a set of members can be judged before it is put in
``MEMBERS`` of benchmarks/m3.py.

A members file may be followed by ``:I,J,...``, the member columns to take (0-based, in the
order of the ``members`` list that m3.py printed when it saved the file: for ``--previous`` and
``--windows`` runs windows outermost, seeds innermost, e.g. ``base.npy:0,1,4,5,8,9`` for seeds 0-1
of the committed twelve; for the reported model the longest window first, then family, then seed).

Usage::

    python benchmarks/m3_combine.py w36.npy w54.npy w54_seed1.npy
    python benchmarks/m3_combine.py --holdout 2 base_members.npy z1_members.npy
    python benchmarks/m3_combine.py base_members.npy:0,1,4,5,8,9 trend_members.npy
    python benchmarks/m3_combine.py --paired new.npy old.npy other.npy

``--route R2`` (two files) adds "routed": the second file's median for the series whose last 36
values are straight (m3_detrend.recent_line_r2 of the last WINDOW values >= R2; with
``--route-min-length N`` only series of at least N values), the first file's elsewhere (session 12).

``--shifted J`` (session 13) adds the first file's members pooled with their own forecasts from
the J origins before the end (``m3.py --save-members FILE.npy --shifted-origins J``): each
target step takes every direct forecast of it, from the last origin and the earlier ones.

``--paired`` also prints, for every file after the first, the mean over the series of its
per-series sMAPE and MASE minus the first file's, with the standard error of that mean: how large
a difference is against the spread over series (it says nothing of the spread over seeds, which
only other seeds measure).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from skattn.datasets import load_m3
from skattn.metrics import mase, smape
from skattn.model_selection import format_table
from skattn.windows import left_pad

from m3 import SEASON, WINDOW, holdout_split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE.npy")
    parser.add_argument("--holdout", type=int, default=1, metavar="K",
                        help="the hold-out the files were saved on (m3.py --holdout K)")
    parser.add_argument("--paired", action="store_true",
                        help="per-series differences from the first file, with standard errors")
    parser.add_argument("--route", type=float, metavar="R2",
                        help="route the straight series to the second file (session 12)")
    parser.add_argument("--route-min-length", type=int, default=0, metavar="N",
                        help="with --route: only series of at least N values")
    parser.add_argument("--shifted", type=int, default=0, metavar="J",
                        help="also pool the first file's members with their forecasts from the J "
                             "origins before the end (FILE_shiftJ.npy, m3.py --shifted-origins; "
                             "session 13)")
    args = parser.parse_args(argv)
    if args.route is not None and len(args.files) != 2:
        parser.error("--route takes exactly two files: the general model, then the specialist")

    data = load_m3("monthly")
    for _ in range(args.holdout):
        data = holdout_split(data)
    truth = np.stack(data.test)  # (n_series, 18)
    pools = {}  # name -> (n_series, n_forecasts, 18)
    for spec in args.files:
        name, _, columns = spec.partition(":")
        forecast = np.load(name)
        if forecast.ndim == 2:
            forecast = forecast[:, None, :]
        if forecast.ndim != 3 or forecast.shape[::2] != truth.shape:
            raise SystemExit(f"{name}: shape {forecast.shape}, expected {truth.shape} or "
                             f"({truth.shape[0]}, n_members, {truth.shape[1]}) (hold-out "
                             f"{args.holdout} forecasts of all its series)")
        label = Path(name).stem
        if columns:
            forecast = forecast[:, [int(column) for column in columns.split(",")]]
            label = f"{label}[{columns}]"
        pools[label] = forecast
    if args.shifted:
        pools |= shifted_pool(args.files[0], args.shifted, truth.shape)
    if args.route is not None:
        general, specialist = (np.median(pool, axis=1, keepdims=True) for pool in pools.values())
        straight = straight_series(data.train, args.route, args.route_min_length)
        print(f"--route {args.route}: {straight.sum()} of {straight.size} series routed to the "
              f"second file")
        pools["routed"] = np.where(straight[:, None, None], specialist, general)
    rows = {(name if pool.shape[1] == 1 else f"{name} (median of {pool.shape[1]})"):
            np.nanmedian(pool, axis=1) for name, pool in pools.items()}
    if len(pools) > 1 and args.route is None:
        pooled = np.concatenate(list(pools.values()), axis=1)
        rows[f"median of all {pooled.shape[1]}"] = np.nanmedian(pooled, axis=1)
        rows[f"mean of all {pooled.shape[1]}"] = np.nanmean(pooled, axis=1)
    table = {
        "forecasts": list(rows),
        "smape": [smape(truth, forecast) for forecast in rows.values()],
        "mase": [mase(truth, forecast, data.train, SEASON) for forecast in rows.values()],
    }
    print(f"M3 monthly HOLD-OUT {args.holdout} (18 values, {args.holdout} horizon(s) before the "
          f"end of the training parts), {truth.shape[0]} series")
    print(format_table(table))
    if args.paired and len(pools) > 1:
        print(paired_table(pools, truth, data.train))


def shifted_pool(spec, n_shifts, shape):
    """The members of ``spec`` (a members file, optionally ``:columns``) pooled with their direct
    forecasts from the ``n_shifts`` origins before the end: target step ``s`` takes, from the
    origin ``j`` steps back, that forecast's step ``s + j`` when it is within the horizon; the
    rest is NaN (left out of the medians). (n_series, n_members * (n_shifts + 1), 18)"""
    name, _, columns = spec.partition(":")
    take = [int(column) for column in columns.split(",")] if columns else slice(None)
    horizon = shape[1]
    pool = [np.load(name)[:, take]]
    for shift in range(1, n_shifts + 1):
        earlier = np.load(name.replace(".npy", f"_shift{shift}.npy"))[:, take]  # (n, M, 18)
        aligned = np.full_like(earlier, np.nan)
        aligned[:, :, :horizon - shift] = earlier[:, :, shift:]
        pool.append(aligned)
    return {f"{Path(name).stem} + {n_shifts} shifted origins": np.concatenate(pool, axis=1)}


def straight_series(train, min_r2, min_length=0):
    """Which series' last 36 values are straight: the routing of session 12, (n_series,) bool,
    computed as the model would see them (the last WINDOW values, left-padded with the first)."""
    from m3_detrend import recent_line_r2

    windows = np.stack([left_pad(np.asarray(series[-WINDOW:], dtype=float), WINDOW)
                        for series in train])
    lengths = np.array([len(series) for series in train])
    return (recent_line_r2(windows) >= min_r2) & (lengths >= min_length)


def per_series_scores(truth, forecast, train):
    """Each series' sMAPE and MASE (n_series,), the competition's terms."""
    smapes = np.array([smape(t, f) for t, f in zip(truth, forecast)])
    mases = np.array([mase(t, f, series, SEASON) for t, f, series in zip(truth, forecast, train)])
    return smapes, mases


def paired_table(pools, truth, train):
    names = list(pools)
    scores = {name: per_series_scores(truth, np.nanmedian(pools[name], axis=1), train)
              for name in names}
    table = {"minus the first file": [], "sMAPE": [], "sMAPE s.e.": [], "MASE": [], "MASE s.e.": []}
    for name in names[1:]:
        table["minus the first file"].append(f"{names[0]} - {name}")
        for metric, index in (("sMAPE", 0), ("MASE", 1)):
            difference = scores[names[0]][index] - scores[name][index]
            table[metric].append(float(difference.mean()))
            table[f"{metric} s.e."].append(float(difference.std(ddof=1) / np.sqrt(difference.size)))
    return format_table(table, floatfmt=".4f")


if __name__ == "__main__":
    main()
