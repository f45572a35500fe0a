"""skattn's warning classes, in one place (as ``sklearn.exceptions`` holds scikit-learn's).

Filter them by class, e.g. ``warnings.simplefilter("error", OutlierScaleWarning)``. Bad input is
a ValueError, never a warning; scikit-learn's ``ConvergenceWarning`` is used as it is. A few
notices about a call's own arguments are plain ``UserWarning``s: ``future_covariates`` rows no
model reads, a ``forecast_quantiles`` history shorter than what the model's networks read, series
too short for any window of ``make_windows``, an AttentionForecaster ``stride`` beyond its
``patch_len`` (steps never read) or a ``patch_len`` longer than the windows (one patch), early
stopping on validation windows that are all constant (the fit trains without it).
"""

from sklearn import exceptions as _sklearn_exceptions

__all__ = ["BaselineFallbackWarning", "DataShiftWarning", "InconsistentVersionWarning",
           "MetricWarning", "NumbaCacheWarning", "OutlierScaleWarning",
           "SeasonalAdjustmentWarning", "TargetAlignmentWarning", "TargetUnitsWarning",
           "TimeGapWarning", "ZeroWidthIntervalWarning"]


class BaselineFallbackWarning(UserWarning):
    """The forecasting library failed on some windows; they got the fallback forecast."""


class DataShiftWarning(UserWarning):
    """A continued fit's data lie far outside the scaling of the first fit.

    :class:`~skattn.AttentionForecaster` keeps the global scaling of its first fit
    (``channel_mean_``, ``channel_scale_``) through ``warm_start`` and ``partial_fit``. With
    ``normalize=False`` its network reads every value in that scaling, so data of a new scale
    (a day's data at 100 times the old level) reaches it far from anything it was trained on, and
    the forecasts suffer. Refit from scratch on such data, or use instance normalisation
    (``normalize=True``, the default), which reads each window in its own units. The warning does
    not change the fit.
    """


# A subclass of scikit-learn's class, so that one filter (or one ``except``) covers a model of
# either library pickled by another version: a service that refuses such models with
# ``simplefilter("error", sklearn.exceptions.InconsistentVersionWarning)`` refuses skattn's too.
# Its constructor and message speak of scikit-learn's versions, so both are replaced; its
# attributes are kept, as None (scikit-learn's versions are not what differs), for a handler
# of scikit-learn's class that reads them.
class InconsistentVersionWarning(_sklearn_exceptions.InconsistentVersionWarning):
    """An estimator of the package was unpickled by another skattn version than pickled it.

    Every public estimator of the package (:class:`~skattn.AttentionForecaster`,
    :class:`~skattn.ForecastEnsemble`, :class:`~skattn.LastSteps`,
    :class:`~skattn.DeseasonalizedForecaster`,
    :class:`~skattn.model_selection.PredictForecaster` and the baselines of
    :mod:`skattn.baselines`) puts ``skattn.__version__`` into its pickle (``joblib.dump`` and
    ``copy.deepcopy`` too); loaded by another version, it may fail, forecast differently, or
    read as not fitted (its ``predict`` then says "This ... instance is not fitted yet. Call
    'fit'", though it was fitted). Refit it with the running version, or install the version
    that pickled it. Raised at load, once per class and load: a
    :class:`~skattn.ForecastEnsemble` of 18 members warns of the ensemble and of each class of
    the models inside it, not of each of them. A pickle made before the version was stamped
    (session 24) loads without it. A subclass of scikit-learn's warning of the same name, so
    ``warnings.simplefilter("error", sklearn.exceptions.InconsistentVersionWarning)`` refuses
    models of both libraries (filter this class to refuse or ignore skattn's alone).

    Parameters
    ----------
    estimator_name : str
        The class of the object unpickled.
    current_skattn_version : str
        The skattn version running.
    original_skattn_version : str
        The skattn version that pickled it.

    Attributes
    ----------
    estimator_name, current_skattn_version, original_skattn_version : str
        As given.
    current_sklearn_version, original_sklearn_version : None
        scikit-learn's attributes, for a handler of its class that reads them: None, as the
        skattn versions differ, not scikit-learn's.
    """

    def __init__(self, *, estimator_name, current_skattn_version, original_skattn_version):
        self.estimator_name = estimator_name
        self.current_skattn_version = current_skattn_version
        self.original_skattn_version = original_skattn_version
        self.current_sklearn_version = self.original_sklearn_version = None

    def __str__(self):
        return (
            f"Trying to unpickle {self.estimator_name} from skattn version "
            f"{self.original_skattn_version} when using version {self.current_skattn_version}: "
            f"it may fail, forecast differently, or read as not fitted (\"not fitted yet. Call "
            f"'fit'\", though it was fitted). Refit it with skattn "
            f"{self.current_skattn_version}, or install skattn {self.original_skattn_version} "
            f"to use it as it was pickled."
        )


class MetricWarning(UserWarning):
    """A metric can mislead on these values.

    sMAPE, ``200 |y - f| / (|y| + |f|)``, is 200 whenever the forecast has the other sign than the
    observed value, or one of them is 0 and the other not, however close the forecast: on series
    that reach zero or cross it (net load with solar, intermittent demand) it can rank a model
    with larger errors first. :func:`~skattn.model_selection.backtest` raises it, when its table
    is sorted by sMAPE, for such test values; rank by MASE or MAE there (``sort_by="mase"``,
    ``--sort-by mase`` in ``python -m skattn compare``).

    MASE is undefined for a forecast whose history repeats exactly every season (a constant
    series: its seasonal-naive error, MASE's scale, is 0); ``backtest`` and ``compare`` leave
    such forecasts out of the ``mase`` column, and say so with this warning.
    """


class NumbaCacheWarning(UserWarning):
    """Numba can cache none of skattn's compiled kernels here, so they compile in every process.

    Raised once, at ``import skattn``, when none of the directories Numba caches in is writable:
    ``NUMBA_CACHE_DIR`` (unset, or read-only), the package's own ``__pycache__`` directories (a
    read-only install, as in a container with a read-only root filesystem) and Numba's
    user-wide cache (``~/.cache/numba``, read-only or absent home directory). Until session 21
    ``import skattn`` failed there with Numba's ``RuntimeError: cannot cache function ...: no
    locator available``. The kernels then compile without a cache, the first time each is
    called in a process: ~5 s before the first forecast of every process (each worker process
    too), ~10 s before its first fit and forecast; the forecasts are the same.

    Set ``NUMBA_CACHE_DIR`` to a writable directory (e.g. under ``/tmp``) before Python starts.
    On a read-only image, build that cache when the image is built (one warm-up forecast, and a
    tiny fit if the containers train, with ``NUMBA_CACHE_DIR`` set and skattn installed where it
    will run) and copy it into the writable ``NUMBA_CACHE_DIR`` when the container starts: Numba
    reads a cache only from a directory it can write to.
    """


class OutlierScaleWarning(UserWarning):
    """A few extreme training values dominate :class:`~skattn.AttentionForecaster`'s global scaling.

    The std of every channel sets its scale: when a few extreme values (an entry error such as
    1e12 among values of ~100, or a few series far larger than the rest) make it more than a
    million times the ordinary values' spread, float32 training no longer resolves the ordinary
    windows and their forecasts are distorted. Cleaning the data, scaling such series apart or
    ``dtype="float64"`` removes the cause; the warning does not change the fit.

    Also raised when a few training windows have targets more than a thousand times their own
    spread from their mean (a nearly flat stretch, such as an outage recorded as meter noise,
    followed by ordinary values): the loss measures each window's errors in its own spread, so
    these windows dominate training.
    """


class SeasonalAdjustmentWarning(UserWarning):
    """:class:`~skattn.DeseasonalizedForecaster` can adjust none of its windows.

    A window needs ``2 * season_length + 1`` values for its seasonal indices (a centred moving
    average over a season on each side). Windows of 336 hourly steps with ``season_length=168``
    are one step short: the wrapper then passes every window through unchanged, and its model is
    the wrapped one at twice the cost. Longer windows, or a shorter season, adjust them. The
    warning does not change the fit.

    Also when its seasonality test found no training window seasonal and the windows are too
    short for it to find even a noise-free sine (about 4 cycles at the default critical value
    1.645, 2.5 at 1.0): 130 weekly values with ``season_length=52`` are never adjusted, whatever
    the data. ``adjusted_fraction_`` says how many were.
    """


class TargetAlignmentWarning(UserWarning):
    """The targets ``y`` of a baseline are not the values right after their windows ``X``.

    The baselines of :mod:`skattn.baselines` fit each window at predict time and read of ``y``
    only its width: they forecast the ``y.shape[1]`` steps right after each window. Raised at fit
    when windows one step apart (``make_windows``' rows) show that ``y[:, 0]`` is not the value
    after each window, as when ``MultiOutputRegressor`` fits each column of a multi-step ``y``
    alone (or a ``RegressorChain`` in another order than time's): every column then gets the
    forecast of the first step (Theta on the airline windows: MAE 80 instead of 17). A
    ``RegressorChain`` in time order is right: each column's windows end with the columns before
    it. Give the baseline the multi-step ``y`` itself. An
    :class:`~skattn.AttentionForecaster` learns whichever step ``y`` holds and is not warned. The
    warning does not change the fit.
    """


class TargetUnitsWarning(UserWarning):
    """The targets ``y`` are not in the units of the windows ``X`` they follow.

    :class:`~skattn.AttentionForecaster` forecasts the continuation of each window in the window's
    own units (instance normalisation, and the global scaling of ``y`` is that of ``X``'s target
    channel), so ``y`` has to be the series' next values as they are in ``X``; so do the
    baselines of :mod:`skattn.baselines`, which fit each window and read nothing of ``y`` but
    its width (checked since session 26). A transformer of
    ``X`` alone in front of it (a ``StandardScaler`` in a Pipeline scales every time step
    column) or of ``y`` alone (``TransformedTargetRegressor``) breaks that: transform the series
    before :func:`~skattn.make_windows` instead. The warning does not change the fit.
    """


class TimeGapWarning(UserWarning):
    """A pandas series' time index has gaps or repeated times, which the model does not see.

    The package reads a series' values in the order given, one per time step, and ignores its
    index; a ``DatetimeIndex`` with missing days (an export without the rows of a day) or a
    ``PeriodIndex`` that skips periods makes the steps after each gap one step off, so every
    season after it is shifted. Raised for a pandas ``Series`` or ``DataFrame`` (rows as time
    steps) whose ``DatetimeIndex`` steps neither by one length, nor by calendar months, nor by a
    frequency pandas infers, or whose ``PeriodIndex`` steps by more than one period (the message
    names the first gap), and for an index that repeats times in time order (the message says
    what to do when they are a clock change and when a row recorded twice). Raised where
    :func:`skattn.windows.check_time_index` looks at such input: by
    :func:`~skattn.make_windows` and :func:`~skattn.last_windows` (the series and their
    covariates), :func:`~skattn.model_selection.backtest` (likewise), and every model's
    ``forecast`` (the history and ``future_covariates``) and ``forecast_quantiles`` (the
    history): :class:`~skattn.AttentionForecaster`, :class:`~skattn.ForecastEnsemble`,
    :class:`~skattn.DeseasonalizedForecaster`,
    :class:`~skattn.model_selection.PredictForecaster` and the baselines of
    :mod:`skattn.baselines`. Not by ``fit``, ``predict`` or ``score``: a DataFrame of windows
    has one window per row, not a time axis. Reindex with the missing steps filled
    (docs/pandas.md shows how). Where the steps are consecutive by design (trading days with
    their holidays, local hours across a change of daylight saving time), filter the warning.
    An index out of time order, or with a missing time (NaT), is a ValueError instead.
    """


class ZeroWidthIntervalWarning(UserWarning):
    """Forecast intervals of zero width (every quantile equal), a certainty nothing supports.

    :class:`~skattn.AttentionForecaster` with instance normalisation (the default) scales each
    forecast by its window's spread, so a constant window (a run of zeros of intermittent
    demand) gets every quantile at its level; constant windows are left out of its training, so
    it has learned nothing of what follows them (a user trial, session 22: the truth lay above
    the 0.975 quantile after 11.7% of such windows, while the pooled 95% coverage read 0.950).
    Raised by ``predict_quantiles`` / ``forecast_quantiles`` with the count of such windows, and
    once by a :class:`~skattn.ForecastEnsemble` of its combined intervals (where an attention
    member gave zero width). A model with ``normalize=False``, or a baseline's
    ``forecast_quantiles`` of the whole history (a baseline reading only the window gives zero
    width too), gives such series intervals of some width. A class since session 22: ``python -m
    skattn compare`` shows it (it had been a plain UserWarning, which compare filters out).
    """

