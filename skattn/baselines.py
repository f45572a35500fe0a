"""Classical forecasting baselines with the interface of :class:`skattn.AttentionForecaster`.

Every baseline is a *local* model: it learns nothing from the training windows except the horizon
(the number of columns of ``y``). At predict time it fits one model to EACH row of ``X`` (that
row's history window, oldest value first) and forecasts the values after it; ``forecast(history,
steps)`` fits the whole history. Rows are independent, so they run in parallel over ``n_jobs``
worker processes and the result does not depend on ``n_jobs``.

- :class:`NaiveForecaster` and :class:`SeasonalNaiveForecaster` are NumPy.
- :class:`ETSForecaster`, :class:`ThetaForecaster` and :class:`ARIMAForecaster` are backed by
  `statsforecast <https://nixtlaverse.nixtla.io/statsforecast/>`_ (chosen by measurement on M3
  monthly: ``docs/baselines.md``), an optional extra: ``pip install "skattn[baselines]"``. The
  library is imported only when a model is fitted or used, so ``import skattn`` does not need it.

Short windows (see ``docs/baselines.md``): each model states the shortest window it fits; a window
below it gets a simpler model by a fixed rule, without a warning. A seasonal component is used only
when the window holds at least two full seasons. A window on which the library fails (raises, or
returns NaN or infinity) gets the fallback forecast -- seasonal naive when the window holds a full
season, else naive -- and each ``predict`` (or ``forecast``) call that needed it emits ONE
:class:`BaselineFallbackWarning` counting such windows. Forecasts are always finite.
"""
from __future__ import annotations

import time
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._validation import (N_JOBS_CONSTRAINT, MissingTargetsScoreMixin, as_history, check_steps,
                          validate_windows)
from .exceptions import BaselineFallbackWarning

__all__ = [
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "ETSForecaster",
    "ThetaForecaster",
    "ARIMAForecaster",
    "BaselineFallbackWarning",
]

_INSTALL_HINT = 'pip install "skattn[baselines]"'
_CHUNKS_PER_JOB = 4  # row chunks per worker: balances slow and fast windows across workers

# statuses of one window's forecast
_FITTED, _BY_RULE, _FAILED = 0, 1, 2


# ------------------------------------------------------------------------------------------
# NumPy forecasts (also the fallbacks of the library models)
# ------------------------------------------------------------------------------------------
def _seasonal_naive_rows(histories, steps, season_length):
    """The last full season of each row, repeated; the last value (naive) when ``season_length``
    is 1 or a row is shorter than a season. histories: (n, T) -> (n, steps), float64."""
    season_length = int(season_length)  # NumPy's unsigned integers wrap around
    histories = np.asarray(histories, dtype=np.float64)
    n_timesteps = histories.shape[1]
    if season_length <= 1 or n_timesteps < season_length:
        return np.repeat(histories[:, -1:], steps, axis=1)
    # step k (0-based) repeats the value at position T - m + (k mod m)
    return histories[:, n_timesteps - season_length + np.arange(steps) % season_length]


def _naive(y, steps):
    """The last value of one window, repeated. y: (T,) -> (steps,)"""
    return _seasonal_naive_rows(y[None], steps, 1)[0]


def _fallback(y, steps, season_length):
    """What a window gets when the library fails on it: its seasonal naive forecast."""
    return _seasonal_naive_rows(y[None], steps, season_length)[0]


def _import_statsforecast(who):
    """statsforecast's models module, or an ImportError that names the extra to install."""
    try:
        from statsforecast import models
    except ImportError as exc:
        raise ImportError(
            f"{who} needs the statsforecast library, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return models


# ------------------------------------------------------------------------------------------
# The shared estimator
# ------------------------------------------------------------------------------------------
class _LocalForecaster(MissingTargetsScoreMixin, RegressorMixin, BaseEstimator):
    """Validation, parallel prediction and ``forecast`` for models fitted to each window.

    ``fit`` accepts NaN targets (values not observed, as in the windows ``make_windows(...,
    min_target=...)`` adds at the end of a series) like the package's other models, and
    ``score`` leaves them out (:class:`~skattn._validation.MissingTargetsScoreMixin`).
    """

    _parameter_constraints: dict = {}
    _needs_library = False
    #: fits each history inside ``forecast``: ``backtest`` runs such models in parallel over series
    local_model = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    # -- hooks for subclasses ----------------------------------------------------------------
    def _check_params(self):
        """Checks that involve more than one parameter, at fit time."""

    def _forecast_window(self, y, steps):
        """(forecast of shape (steps,), status) for one float64 window ``y`` of shape (T,)."""
        raise NotImplementedError

    def _fallback_name(self):
        season = getattr(self, "season_length", 1)
        if season > 1:
            return (f"the seasonal naive forecast (season_length={season}), or the naive forecast "
                    "for windows shorter than a season")
        return "the naive forecast"

    # -- validation --------------------------------------------------------------------------
    def _validate_X(self, X, *, reset, y=None):
        # missing_y: these models read only the shape of y, so a target that was not observed
        # (NaN) costs them nothing; refusing it made them the one model of a backtest with
        # min_target that failed, while AttentionForecaster and ForecastEnsemble accept it
        return validate_windows(self, X, y, reset=reset, missing_y=True)

    # -- scikit-learn API --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the horizon (and the shape of the windows) from ``X`` and ``y``.

        A local model has nothing else to learn from other series' windows: each window is
        modelled on its own at predict time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first. With 3 dimensions channel 0 is the target; the
            other channels (covariates) are ignored by these univariate models.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, after each window. Only its shape
            is used. NaN marks a value that was not observed (:func:`skattn.make_windows` with
            ``min_target``); each row needs at least one observed value.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ImportError
            When the model needs statsforecast and it is not installed.
        ValueError
            When ``y`` is None, not 1-D or 2-D, has another number of rows than ``X``, holds
            infinity, or has a row with no observed value (every value NaN); when ``X`` is not
            finite or not 2-D or 3-D windows; or when the parameters contradict each other.
        """
        if self._needs_library:
            _import_statsforecast(type(self).__name__)
        self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y, n_channels = self._validate_X(X, reset=True, y=y)
        self.n_channels_ = n_channels
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self._y_is_1d = y.ndim == 1
        return self

    def predict(self, X):
        """Fit the model to each window and forecast the horizon after it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first (channel 0 of 3-D windows).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, horizon)
            The shape of ``y`` at fit.
        """
        check_is_fitted(self)
        X, _, _ = self._validate_X(X, reset=False)
        histories = X if X.ndim == 2 else X[:, :, 0]  # (n, T): the target channel
        started = time.perf_counter()
        forecasts, status = self._forecast_rows(histories, self.n_outputs_)
        self._warn_failures(status)
        if getattr(self, "verbose", 0):
            print(f"{type(self).__name__}: {histories.shape[0]} windows in "
                  f"{time.perf_counter() - started:.2f} s; {int(np.sum(status == _BY_RULE))} by "
                  f"the short-window rule, {int(np.sum(status == _FAILED))} fallbacks")
        return forecasts[:, 0] if self._y_is_1d else forecasts

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of one series, fitting the whole history.

        Equals ``predict`` on the same window when ``steps`` is the horizon learned at fit.
        ``steps`` may exceed that horizon: the model is fitted once, to the whole history, and
        forecasts all ``steps`` values in one call, with no window-by-window recursion, so
        the cost is one fit plus the forecast itself. That forecast is linear in ``steps``,
        except for :class:`ETSForecaster` (see its Notes).

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D with ``n_channels_``
            columns for a model fitted with covariates (only channel 0, the target, is used).
        steps : int >= 1
            Number of future values.
        future_covariates : None
            Accepted for the signature every model of the package shares; these models use
            no covariates, so only None is allowed.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order.
        """
        check_is_fitted(self)
        if future_covariates is not None:
            raise ValueError(f"{type(self).__name__} uses no covariates: future_covariates must "
                             "be None")
        steps = check_steps(steps)
        y = np.ascontiguousarray(as_history(history, self.n_channels_)[:, 0])
        forecasts, status = self._forecast_rows(y[None, :], steps)
        self._warn_failures(status)
        return forecasts[0]

    # -- the row loop ------------------------------------------------------------------------
    def _forecast_chunk(self, histories, steps):
        """Forecast each row of ``histories`` (n, T); returns (n, steps) and (n,) statuses."""
        out = np.empty((histories.shape[0], steps), dtype=np.float64)
        status = np.empty(histories.shape[0], dtype=np.int8)
        for i, row in enumerate(histories):
            y = np.array(row, dtype=np.float64)  # a private, writable, contiguous copy
            out[i], status[i] = self._forecast_window(y, steps)
        return out, status

    def _forecast_rows(self, histories, steps):
        n_rows = histories.shape[0]
        n_jobs = effective_n_jobs(getattr(self, "n_jobs", None))
        if n_jobs == 1 or n_rows == 1:
            return self._forecast_chunk(histories, steps)
        n_chunks = min(n_rows, _CHUNKS_PER_JOB * n_jobs)
        bounds = np.linspace(0, n_rows, n_chunks + 1).astype(int)
        results = Parallel(n_jobs=self.n_jobs, verbose=getattr(self, "verbose", 0))(
            delayed(self._forecast_chunk)(histories[start:stop], steps)
            for start, stop in zip(bounds[:-1], bounds[1:])
        )
        return (np.concatenate([r[0] for r in results]),
                np.concatenate([r[1] for r in results]))

    def _warn_failures(self, status):
        n_failed = int(np.sum(status == _FAILED))
        if n_failed:
            warnings.warn(
                f"{type(self).__name__}: statsforecast failed (raised an error or returned NaN "
                f"or infinity) on {n_failed} of {status.size} window(s); they got "
                f"{self._fallback_name()} instead.",
                BaselineFallbackWarning,
                stacklevel=3,
            )

    def _call_library(self, y, steps, make_model):
        """Run one statsforecast model on ``y``; on any failure, the fallback forecast."""
        try:
            # no catch_warnings here: entering one clears Python's once-per-location registry,
            # so the fallback warning came again at every forecast call under the default
            # filter (60 times for 30 series at 2 origins; user trial, session 17), and it hid
            # nothing: statsforecast raised no Python warning on 150 M3 monthly series with ETS,
            # Theta and ARIMA, nor on series of zeros, a constant, negatives or a lone spike
            with np.errstate(all="ignore"):
                values = make_model().forecast(y=y, h=steps)["mean"]
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            if values.shape == (steps,) and np.all(np.isfinite(values)):
                return values, _FITTED
        except Exception:  # noqa: BLE001 -- any library failure gets the documented fallback
            pass
        return _fallback(y, steps, getattr(self, "season_length", 1)), _FAILED

    def _seasonal_period(self, n):
        """The season length used for a window of ``n`` values: ``season_length`` when the
        window holds at least two full seasons, else 1 (no seasonal component)."""
        season_length = int(self.season_length)  # NumPy's unsigned integers wrap around
        return season_length if season_length > 1 and n >= 2 * season_length else 1


_NJOBS_VERBOSE_DOC = """\
    n_jobs : int or None, default=None
        Worker processes over the rows of ``X`` at predict time (joblib). None means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors. The result does not
        depend on it.
    verbose : int, default=0
        0 is silent; 1 prints one line per ``predict`` (windows, seconds, short-window and
        fallback counts) and shows joblib's progress messages when ``n_jobs > 1``."""


_SHARED_ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names.
    n_channels_ : int
        Channels of the windows seen during fit (only channel 0, the target, is used).
    n_outputs_ : int
        The horizon: the number of future values predicted per window."""


# ------------------------------------------------------------------------------------------
# NumPy baselines
# ------------------------------------------------------------------------------------------
class NaiveForecaster(_LocalForecaster):
    """Forecast every future value as the last value of the window (the random walk).

    Plain NumPy; needs no forecasting library. Works for any window length >= 1.

    Attributes
    ----------
{attributes}

    See Also
    --------
    SeasonalNaiveForecaster : Repeat the last season instead of the last value.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.baselines import NaiveForecaster
    >>> X = np.array([[1.0, 2.0, 3.0], [5.0, 4.0, 7.0]])
    >>> NaiveForecaster().fit(X, np.zeros((2, 2))).predict(X)
    array([[3., 3.],
           [7., 7.]])
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    def _forecast_rows(self, histories, steps):
        # histories: (n, T) -> (n, steps)
        out = _seasonal_naive_rows(histories, steps, 1)
        return out, np.full(histories.shape[0], _FITTED, dtype=np.int8)


class SeasonalNaiveForecaster(_LocalForecaster):
    """Forecast each future value as the value one season earlier (the last season, repeated).

    Plain NumPy; needs no forecasting library.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data with a yearly cycle). The default 1 assumes no
        seasonality, like everywhere in skattn (the windows carry no timestamps to infer it from):
        with it this model equals :class:`NaiveForecaster`. Set it for seasonal data.

    Attributes
    ----------
{attributes}

    Notes
    -----
    A window shorter than ``season_length`` holds no full season: it gets the naive forecast (its
    last value, repeated).

    Examples
    --------
    >>> import numpy as np
    >>> from skattn.baselines import SeasonalNaiveForecaster
    >>> X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> SeasonalNaiveForecaster(season_length=3).fit(X, np.zeros((1, 4))).predict(X)
    array([[3., 4., 5., 3.]])
    """

    _parameter_constraints: dict = {
        "season_length": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, season_length=1):
        self.season_length = season_length

    def _forecast_rows(self, histories, steps):
        # histories: (n, T) -> (n, steps)
        out = _seasonal_naive_rows(histories, steps, self.season_length)
        return out, np.full(histories.shape[0], _FITTED, dtype=np.int8)


# ------------------------------------------------------------------------------------------
# statsforecast baselines
# ------------------------------------------------------------------------------------------
_ETS_MODELS = {e + t + s for e in "AMZ" for t in "NAMZ" for s in "NAMZ"}


class ETSForecaster(_LocalForecaster):
    """Exponential smoothing (ETS) with automatic model selection, fitted to each window.

    statsforecast's ``AutoETS`` (a port of R's ``forecast::ets``, Hyndman & Khandakar, 2008):
    among the error / trend / season combinations allowed by ``model`` it fits each by maximum
    likelihood and keeps the one with the lowest AICc. Needs ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn: the windows carry no timestamps to infer it from) searches non-seasonal models
        only; set it for seasonal data.
    model : str, default="ZZZ"
        Three letters: error (A, M or Z), trend (N, A, M or Z), season (N, A, M or Z); A
        additive, M multiplicative, N none, Z selected automatically. "ZZZ" searches all.
    damped : bool or None, default=None
        Damped trend: None tries both, True or False forces it.
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** The season (the third letter) is used only when ``season_length > 1`` and
    the window holds at least ``2 * season_length`` values; otherwise it becomes N. statsforecast
    fits ETS only to windows longer than ``n_params + 4`` values, where ``n_params`` counts 2 for
    the level, 2 for an A or M trend, 2 for an A or M season and 1 for ``damped=True`` (Z letters
    count 0): 7 values for the default model. Shorter windows get the naive forecast. A window on
    which statsforecast fails (for example a multiplicative ``model`` on data with zeros or
    negative values) gets the fallback forecast, with a :class:`BaselineFallbackWarning`.

    **Cost.** Each window (or ``forecast`` history) is fitted once and forecast in one library
    call for all its values, however many: ``forecast(history, steps)`` with ``steps`` beyond
    the horizon does not refit or recurse. Most of the time goes into the fit, which does not
    depend on ``steps`` (measured: 80 to 100 ms for a 120-value series with
    ``season_length=12``, 6 ms without a season, whether ``steps`` is 18 or 1,440).
    statsforecast's point forecast (its C++ ``ets::Forecast``) finds each step's seasonal index
    with a loop of about ``i / m`` iterations at step ``i``, even without a season (``m`` is
    ``season_length``, or 1 for a window fitted without a season), so ``steps`` values cost
    on the order of ``steps**2 / (2 * m)`` cheap iterations. That is negligible below about
    10,000 steps and dominates above: for ``steps`` = 18,000 / 36,000 / 72,000 it measured
    about 0.07 / 0.2 / 0.7 to 1 s on top of the fit with ``m = 1``, and 0.004 / 0.02 / 0.08 s
    with ``m = 12``. skattn cannot avoid it without recomputing the library's forecast itself.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ETSForecaster
    >>> t = np.arange(120)
    >>> series = 10 + np.sin(2 * np.pi * t / 12) + 0.05 * t
    >>> X, y = make_windows(series, window=48, horizon=6, step=12)
    >>> model = ETSForecaster(season_length=12).fit(X, y)   # doctest: +SKIP
    >>> model.forecast(series, steps=12).shape               # doctest: +SKIP
    (12,)
    """

    _needs_library = True
    _parameter_constraints: dict = {
        "season_length": [Interval(Integral, 1, None, closed="left")],
        "model": [StrOptions(_ETS_MODELS)],
        "damped": ["boolean", None],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, season_length=1, *, model="ZZZ", damped=None, n_jobs=None, verbose=0):
        self.season_length = season_length
        self.model = model
        self.damped = damped
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _check_params(self):
        error, trend, season = self.model
        if self.damped and trend == "N":
            raise ValueError(f"damped=True needs a trend, but model={self.model!r} has none (N)")
        # the combinations statsforecast (like forecast::ets) refuses as numerically unstable
        if (error == "A" and "M" in (trend, season)) or (error == "M" and trend == "M" and season == "A"):
            raise ValueError(
                f"model={self.model!r} is a forbidden ETS combination (additive error with a "
                "multiplicative trend or season, or M-M-A); use Z letters to let AutoETS choose"
            )

    def _forecast_window(self, y, steps):
        m = self._seasonal_period(y.shape[0])
        spec = self.model if m > 1 else self.model[:2] + "N"
        n_params = 2 + 2 * (spec[1] in "AM") + 2 * (spec[2] in "AM") + int(self.damped is True)
        if y.shape[0] <= n_params + 4:
            return _naive(y, steps), _BY_RULE
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(
            y, steps, lambda: models.AutoETS(season_length=m, model=spec, damped=self.damped)
        )


class ThetaForecaster(_LocalForecaster):
    """The Theta method, fitted to each window.

    statsforecast's Theta family (Fiorucci et al., 2016): the window is deseasonalised when a
    seasonality test finds a season, a theta line is fitted and extrapolated, and the season is
    put back. Needs ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn) never deseasonalises; set it for seasonal data.
    model : {"DOTM", "DSTM", "OTM", "STM", "auto"}, default="DOTM"
        Which Theta model: the dynamic optimised Theta (the most accurate on M3 monthly, see
        ``docs/baselines.md``), the dynamic standard, the optimised, or the standard Theta method
        (Assimakopoulos & Nikolopoulos, 2000, theta = 2); "auto" picks among the four by in-sample
        mean squared error.
    decomposition : {"multiplicative", "additive"}, default="multiplicative"
        Seasonal decomposition. statsforecast switches to additive for windows with zeros or
        negative values.
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** A season is looked for only when ``season_length >= 4`` (statsforecast's
    test, at 90% confidence on the autocorrelation at lag ``season_length``) and the window holds
    at least ``2 * season_length`` values. statsforecast fits Theta only to windows of more than
    3 values; windows of 1 to 3 values get the naive forecast. A window on which statsforecast
    fails gets the fallback forecast, with a :class:`BaselineFallbackWarning`.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ThetaForecaster
    >>> series = 10.0 + 2.0 * np.arange(30)  # a straight line up to 68
    >>> X, y = make_windows(series, window=12, horizon=3, step=3)
    >>> model = ThetaForecaster().fit(X, y)
    >>> np.round(model.forecast(series, steps=3))
    array([70., 72., 74.])
    """

    _needs_library = True
    _parameter_constraints: dict = {
        "season_length": [Interval(Integral, 1, None, closed="left")],
        "model": [StrOptions({"DOTM", "DSTM", "OTM", "STM", "auto"})],
        "decomposition": [StrOptions({"multiplicative", "additive"})],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, season_length=1, *, model="DOTM", decomposition="multiplicative",
                 n_jobs=None, verbose=0):
        self.season_length = season_length
        self.model = model
        self.decomposition = decomposition
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _forecast_window(self, y, steps):
        if y.shape[0] <= 3:
            return _naive(y, steps), _BY_RULE
        m = self._seasonal_period(y.shape[0])
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(
            y, steps, lambda: models.AutoTheta(
                season_length=m, decomposition_type=self.decomposition,
                model=None if self.model == "auto" else self.model,
            )
        )


def _check_order(value, name):
    """A tuple of three non-negative ints, or a ValueError."""
    try:
        order = tuple(value)
    except TypeError:
        order = None
    if (order is None or len(order) != 3
            or not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 0 for v in order)):
        raise ValueError(f"{name} must be three non-negative integers (p, d, q), got {value!r}")
    return tuple(int(v) for v in order)


class ARIMAForecaster(_LocalForecaster):
    """ARIMA fitted to each window: automatic order selection, or a fixed order.

    statsforecast's ``AutoARIMA`` (a port of R's ``forecast::auto.arima``, Hyndman & Khandakar,
    2008: differencing chosen by unit-root tests, then a stepwise search of orders by AICc), or
    its ``ARIMA`` with the given ``order`` and ``seasonal_order``. Needs
    ``pip install "skattn[baselines]"``.

    Parameters
    ----------
    order : tuple of 3 int (p, d, q) or None, default=None
        None selects the orders automatically on each window. A tuple fixes the non-seasonal
        order (with a mean when d = 0, no drift).
    seasonal_order : tuple of 3 int (P, D, Q) or None, default=None
        The seasonal order of a fixed model (season ``season_length``); None means (0, 0, 0).
        Only with ``order``.
    season_length : int >= 1, default=1
        Steps per season (12 for monthly data). The default 1 (no seasonality, as everywhere in
        skattn) fits non-seasonal models; set it for seasonal data.
{njobs_verbose}

    Attributes
    ----------
{attributes}

    Notes
    -----
    **Short windows.** Automatic selection runs on every window, however short (statsforecast
    limits the orders it searches to a third of the window's length; a window of one value gets
    that value). Seasonal models are searched only when ``season_length > 1`` and the window holds
    at least ``2 * season_length`` values. Short windows get no cheaper stand-in because none
    measured as accurate: on M3 monthly windows of 10, 15, 20 and 30 values the automatic search
    had a lower sMAPE than the naive forecast and than a fixed ARIMA(0,1,1) at every length, and
    a lower MASE at every length but 15 (``docs/baselines.md``). It is the slowest baseline
    (measured: about 0.07 s of CPU on a window of 10 to 30 values, 0.56 s on an M3 monthly series
    with ``season_length=12``): use ``n_jobs``.

    Fixed order: the model is fitted when the window has more values, after differencing
    (``n - d - D * season_length``), than the model has coefficients (``p + q + P + Q + 1``);
    shorter windows get the naive forecast. A window on which statsforecast fails gets the
    fallback forecast, with a :class:`BaselineFallbackWarning`.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.baselines import ARIMAForecaster
    >>> series = 10.0 + 2.0 * np.arange(30)  # a straight line up to 68
    >>> X, y = make_windows(series, window=12, horizon=3, step=3)
    >>> np.round(ARIMAForecaster().fit(X, y).forecast(series, steps=3))
    array([70., 72., 74.])

    A fixed order, here ARIMA(0, 1, 0) (the random walk):

    >>> np.round(ARIMAForecaster(order=(0, 1, 0)).fit(X, y).forecast(series, steps=3))
    array([68., 68., 68.])
    """

    _needs_library = True
    _parameter_constraints: dict = {
        "order": [tuple, list, None],
        "seasonal_order": [tuple, list, None],
        "season_length": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(self, order=None, seasonal_order=None, *, season_length=1, n_jobs=None,
                 verbose=0):
        self.order = order
        self.seasonal_order = seasonal_order
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _check_params(self):
        if self.order is None:
            if self.seasonal_order is not None:
                raise ValueError(
                    "seasonal_order fixes a model, so it needs order too; with order=None both "
                    "are selected automatically"
                )
            return
        _check_order(self.order, "order")
        if self.seasonal_order is not None:
            seasonal = _check_order(self.seasonal_order, "seasonal_order")
            if any(seasonal) and self.season_length <= 1:
                raise ValueError(
                    f"seasonal_order={self.seasonal_order!r} needs season_length > 1, got "
                    f"season_length={self.season_length}"
                )

    def _forecast_window(self, y, steps):
        n = y.shape[0]
        models = None
        if self.order is None:
            m = self._seasonal_period(n)
            models = _import_statsforecast(type(self).__name__)
            return self._call_library(y, steps, lambda: models.AutoARIMA(season_length=m))
        p, d, q = _check_order(self.order, "order")
        P, D, Q = (0, 0, 0) if self.seasonal_order is None else _check_order(self.seasonal_order,
                                                                               "seasonal_order")
        m = self.season_length if any((P, D, Q)) else 1
        if n - d - D * m <= p + q + P + Q + 1:
            return _naive(y, steps), _BY_RULE
        models = _import_statsforecast(type(self).__name__)
        return self._call_library(y, steps, lambda: models.ARIMA(
            order=(p, d, q), seasonal_order=(P, D, Q), season_length=m,
        ))


for _cls in (NaiveForecaster, SeasonalNaiveForecaster, ETSForecaster, ThetaForecaster,
             ARIMAForecaster):
    _cls.__doc__ = (_cls.__doc__.replace("{attributes}", _SHARED_ATTRIBUTES_DOC)
                    .replace("{njobs_verbose}", _NJOBS_VERBOSE_DOC))
del _cls
