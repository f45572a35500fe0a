"""Backtesting: every model forecasts the same series from the same origins, and none sees the
future."""
from __future__ import annotations

import contextlib
import functools
import re
import reprlib
import time
import warnings
from numbers import Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._persistence import StampsVersionWhenPickled
from ._validation import (N_JOBS_CONSTRAINT, MissingTargetsScoreMixin, NonFiniteForecastError,
                          check_finite_forecasts, final_step, fit_routing, fitted_quantiles,
                          forecast_quantiles_of, forecast_with_predict, model_name, naming,
                          noting_masked_inputs, quantile_forecasts, refuse_dates_and_text,
                          require_libraries, routed_fit_params, declared_tags, takes_three_d,
                          target_tags_of, training_reach, within, _read_through)
from ._worker_warnings import (_module_warned_from, call_recording_warnings, collect,
                               current_caller, warn_explicit_from)
from .exceptions import MetricWarning
from .metrics import (_mae, _repeats_every_season, _rmse, _seasonal_naive_scale, _smape,
                      coverage, mase, msis)
from .seasonal import CLONEABLE_WINDOW_REGRESSOR
from .windows import (_as_covariates, _as_series, _is_single_series, _positions_as_text,
                      _time_index_of, _warn_of_irregular, as_float64, check_bool,
                      check_covariates_in_one_order, check_integer, check_weight_values,
                      make_windows, masked_as_missing)

__all__ = ["OriginSplit", "PredictForecaster", "backtest", "format_table"]

METRIC_COLUMNS = ("smape", "mase", "mae", "rmse")
TABLE_COLUMNS = ("model",) + METRIC_COLUMNS + ("fit_seconds", "predict_seconds")


def interval_columns(level):
    """The columns ``backtest(interval=...)`` adds for the central intervals of nominal coverage
    ``level``, after ``rmse``: ``("coverage_80", "msis_80")`` for 0.8."""
    percent = f"{100 * level:.10g}"
    return f"coverage_{percent}", f"msis_{percent}"


def is_local_model(model):
    """True for models that fit each history inside ``forecast`` (the classical baselines).

    Such models learn nothing across series, so their forecasts can run in parallel over series.
    Models say so with a class attribute ``local_model = True``.

    Parameters
    ----------
    model : object
        A forecaster, fitted or not.

    Returns
    -------
    bool
        ``bool(model.local_model)``; False when ``model`` has no ``local_model`` attribute.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from skattn import AttentionForecaster
    >>> from skattn.baselines import NaiveForecaster
    >>> from skattn.model_selection import is_local_model
    >>> is_local_model(NaiveForecaster())
    True
    >>> is_local_model(AttentionForecaster()), is_local_model(Ridge())
    (False, False)
    """
    return bool(getattr(model, "local_model", False))


def _named_models(models):
    if isinstance(models, dict):
        named = list(models.items())
    else:
        if not isinstance(models, (list, tuple)):
            models = [models]
        named, seen = [], {}
        for model in models:
            name = model.__name__ if isinstance(model, type) else type(model).__name__
            seen[name] = seen.get(name, 0) + 1
            named.append((name if seen[name] == 1 else f"{name}_{seen[name]}", model))
    if not named:
        raise ValueError("models is empty: pass an estimator, a list of estimators or a dict name -> estimator")
    checked = []
    for name, model in named:
        if not isinstance(name, str) or not name:
            raise ValueError(f"model names must be non-empty strings, got {name!r}")
        if name.startswith("__"):
            # the forecasts returned hold the truth, the origins and the quantiles under
            # "__truth__", "__origins__" and "__quantiles__": a model of that name was
            # overwritten, silently (review, session 30)
            raise ValueError(f"model name {name!r}: names beginning with '__' are backtest's "
                             f"own keys in the forecasts it returns")
        if isinstance(model, type):
            raise ValueError(f"model {name!r} is a class; pass an instance, e.g. "
                             f"{model.__name__}()")
        _check_refit(name, model)
        given = model
        if hasattr(model, "fit") and not hasattr(model, "forecast") and hasattr(model, "predict"):
            model = PredictForecaster(model)  # a Pipeline, a search, any window regressor
        if not (hasattr(model, "fit") and hasattr(model, "forecast")):
            raise ValueError(f"model {name!r} needs fit and forecast methods (the skattn model "
                             "contract), or fit and predict on history windows")
        checked.append((name, model, given))
    return checked


def _check_refit(name, model):
    """A ValueError naming ``refit=False`` when ``model`` (or the estimator of a
    :class:`PredictForecaster`) is a search that keeps no ``best_estimator_``.

    Such a search has no ``predict``, and backtest said only that the model "needs fit and
    forecast methods ... or fit and predict on history windows" (user trial, session 22).
    """
    from sklearn.model_selection._search import BaseSearchCV

    search = model.estimator if isinstance(model, PredictForecaster) else model
    if not isinstance(search, BaseSearchCV) or search.refit is not False:
        return
    scoring = search.scoring
    # scikit-learn takes any list, tuple, set or dict scoring for multi-metric, one entry
    # included: refit=True is its error there ("For multi-metric scoring, the parameter refit
    # must be set to a scorer key"), and a scorer's name is the remedy. The advice was refit=True
    # for scoring=["neg_mean_absolute_error"] (review, session 22)
    names = None
    if isinstance(scoring, (dict, list, tuple, set, frozenset)):
        # a set's order is arbitrary: sorted, for one message per search
        names = ([str(key) for key in sorted(scoring, key=str)]
                 if isinstance(scoring, (set, frozenset)) else [str(key) for key in scoring])
    if names and len(names) == 1:
        # the scorer itself: a dict's value (its key names it only)
        alone = (next(iter(scoring.values())) if isinstance(scoring, dict)
                 else next(iter(scoring)))
        alone = f"scoring={alone!r}" if isinstance(alone, str) else "the scorer alone as scoring="
        remedy = (f"refit={names[0]!r}, its scorer's name: a scoring given as a "
                  f"{type(scoring).__name__} is multi-metric to scikit-learn even with one "
                  "scorer, and refit names the one that picks the best (refit=True is refused "
                  f"there); or give {alone}, with refit=True")
    elif names:
        remedy = (f"refit={names[0]!r} or another of its scorers' names "
                  f"({', '.join(map(repr, names))}): with several scorers, refit names the one "
                  "that picks the best")
    else:
        remedy = ("refit=True (the default; with several scorers, the name of the one that "
                  "picks the best, e.g. refit='mase' for scoring={'mase': ..., 'smape': ...})")
    raise ValueError(
        f"model {name!r} is a {type(search).__name__} with refit=False: it keeps no "
        "best_estimator_ refitted on all the windows, so it has no predict to forecast with "
        "(backtest refits the search at each origin and forecasts with its best_estimator_); "
        f"pass {remedy}")


def _kept_by_clone(estimator, cloned=None):
    """The estimators in ``estimator`` (itself or any nested parameter) that
    :func:`~sklearn.base.clone` returns as they are instead of as unfitted copies.

    A :class:`~sklearn.frozen.FrozenEstimator` (its ``__sklearn_clone__`` returns itself, and
    its ``fit`` does nothing), or any other estimator that clones to itself: a clone of
    ``estimator`` holds them still fitted, so :func:`backtest` does not start them from scratch
    at its origins, and :class:`PredictForecaster` does not learn their horizon from ``y``.

    Parameters
    ----------
    estimator : object
        The estimator as given (a model of :func:`backtest`, a :class:`PredictForecaster`'s
        estimator).
    cloned : object or None, default=None
        ``clone(estimator)`` when it has been made already; None clones it here.

    Returns
    -------
    list
        The outermost such estimators, each once, in the order of ``estimator``'s parameters;
        empty when there is none or when ``estimator`` cannot be cloned (its fit then says so).
    """
    if cloned is None:
        try:
            cloned = clone(estimator)
        except Exception:  # noqa: BLE001 -- the fit that clones it again raises it, named
            return []
    kept = []

    def walk(original, copy):
        if original is copy:
            # the same object after clone: an estimator kept fitted (ints, strings, functions
            # and classes are the same objects too, and are no estimators)
            if (hasattr(original, "fit") and not isinstance(original, type)
                    and all(original is not other for other in kept)):
                kept.append(original)
        elif isinstance(original, (list, tuple)) and isinstance(copy, (list, tuple)):
            for original_item, copy_item in zip(original, copy):  # Pipeline steps, ...
                walk(original_item, copy_item)
        elif isinstance(original, dict) and isinstance(copy, dict):
            for key, value in original.items():
                if key in copy:
                    walk(value, copy[key])
        elif (hasattr(original, "get_params") and hasattr(copy, "get_params")
              and not isinstance(original, type)):
            try:
                walk(original.get_params(deep=False), copy.get_params(deep=False))
            except Exception:  # noqa: BLE001 -- a get_params that fails: its fit says so
                pass

    walk(estimator, cloned)
    return kept


def _kept_makes_forecasts(estimator, kept):
    """Whether the estimators ``kept`` (of :func:`_kept_by_clone`) make ``estimator``'s forecasts:
    ``estimator`` is one of them, or the estimator that makes its predictions is (through a
    Pipeline's last step, a search's or :class:`PredictForecaster`'s ``estimator``, a
    :class:`~skattn.DeseasonalizedForecaster`'s ``forecaster``, a ``TransformedTargetRegressor``'s
    ``regressor``, or every member of an ensemble).

    False when only a part is kept: a transformer step before the final one, one member of an
    ensemble among others that are refitted. backtest said "model ... is not refitted at the
    origins" of ``make_pipeline(FrozenEstimator(scaler), Ridge())``, whose Ridge is refitted at
    every origin (review, session 22).
    """
    from sklearn.ensemble._voting import _BaseVoting
    from sklearn.pipeline import Pipeline

    if any(estimator is other for other in kept):
        return True
    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps]
        return bool(steps) and _kept_makes_forecasts(steps[-1], kept)
    if isinstance(estimator, _BaseVoting):  # ForecastEnsemble, VotingRegressor
        members = [member for _, member in estimator.estimators
                   if not (member is None or isinstance(member, str))]  # "drop"
        return bool(members) and all(_kept_makes_forecasts(member, kept) for member in members)
    try:
        params = estimator.get_params(deep=False)
    except Exception:  # noqa: BLE001 -- a get_params that fails: no inner model to follow
        return False
    # the one estimator a wrapper forecasts with (a StackingRegressor's final_estimator is
    # fitted on its members' forecasts, so a kept one is only a part: not followed)
    inner = [params[key] for key in ("estimator", "regressor", "forecaster")
             if hasattr(params.get(key), "fit") and not isinstance(params.get(key), type)]
    return len(inner) == 1 and _kept_makes_forecasts(inner[0], kept)


def _kept_warning(name, given, kept, n_back):
    """The message of :func:`backtest`'s warning of model ``name`` (``given``), which holds the
    estimators ``kept`` fitted by clone (of :func:`_kept_by_clone`); the earliest origin is
    ``n_back`` values before each series' end.

    When they make its forecasts (:func:`_kept_makes_forecasts`), the model is not refitted at
    the origins; when they are a part only (a pre-fitted transformer step, one member of an
    ensemble), that part is not, and the rest is. Warned either way: a scaler fitted on the
    hold-out passes it on to every forecast (review, session 22).
    """
    what = _kept_description(kept, given)
    clone_note = ("which clone() returns as it is, fitted, instead of as an unfitted copy (a "
                  "FrozenEstimator's fit does nothing)")
    earliest = (f"fitted on no value at or after the earliest origin (the last {n_back} values "
                "of each series here)")
    if _kept_makes_forecasts(given, kept):
        return (f"model {name!r} is not refitted at the origins: {what}, {clone_note}. Its "
                f"scores are honest only if it was {earliest}; fitted on the hold-out, it is "
                "scored on values it was trained on. Pass the unfitted estimator to have it "
                "refitted at each origin")
    several = len(kept) > 1
    part = "those parts" if several else "that part"
    return (f"model {name!r} is refitted at the origins except for the "
            f"part{'s' if several else ''} kept fitted: {what}, {clone_note}. "
            f"{part.capitalize()} {'are' if several else 'is'} not refitted at the origins; "
            f"the rest of the model is. Its scores are honest only if {part} "
            f"{'were' if several else 'was'} {earliest}; fitted on the hold-out, {part} "
            f"{'bring' if several else 'brings'} values the model is scored on into its "
            f"forecasts. Pass {part} unfitted to have {'them' if several else 'it'} refitted "
            "at each origin too")


def _kept_description(kept, given):
    """How a message names the estimators ``kept`` (of :func:`_kept_by_clone`) in ``given``:
    "it is FrozenEstimator(Ridge)" or "its parameter estimator is FrozenEstimator(Ridge)"."""
    from sklearn.frozen import FrozenEstimator

    try:
        params = list(given.get_params(deep=True).items())
    except Exception:  # noqa: BLE001 -- named by type alone
        params = []
    parts = []
    for estimator in kept:
        what = (f"FrozenEstimator({type(estimator.estimator).__name__})"
                if isinstance(estimator, FrozenEstimator) else type(estimator).__name__)
        if estimator is given:
            parts.append(f"it is {what}")
            continue
        key = next((key for key, value in params if value is estimator), None)
        parts.append(f"its parameter {key} is {what}" if key else f"it holds {what}")
    return "; ".join(parts)


def _shape_of(data):
    # the data's own shape where it has one (np.shape reads a sparse matrix as a 0-d object
    # array), else that of the array it converts to (lists, array-likes without NumPy functions)
    return tuple(data.shape) if hasattr(data, "shape") else np.asarray(data).shape


def _window_model(estimator):
    """The estimator under ``estimator``'s wrappers that makes its predictions: what
    :func:`skattn._validation._read_through` reads through (a FrozenEstimator, a fitted search's
    ``best_estimator_``, an unfitted one's ``estimator``), and a Pipeline of one step's step; a
    Pipeline of several steps, or any other estimator, as it is. What
    :func:`skattn._validation.quantile_forecasts` reads the quantiles of (the last step's, on
    windows transformed by the others). A search fitted with ``refit=False`` never gets here:
    backtest (``_check_refit``) and PredictForecaster's parameter check refuse it."""
    from sklearn.pipeline import Pipeline

    while True:
        estimator = _read_through(estimator)
        if isinstance(estimator, Pipeline) and len(estimator.steps) == 1:
            # Pipeline[:-1] of one step is a Pipeline of none, which cannot transform
            estimator = estimator.steps[0][1]
        else:
            return estimator


def _forecasts_quantiles(predict_forecaster):
    """Whether the :class:`PredictForecaster`'s final estimator (that of its fitted clone once
    fitted) has ``predict_quantiles``: the check of its quantile methods (``available_if``)."""
    estimator = getattr(predict_forecaster, "estimator_", predict_forecaster.estimator)
    return hasattr(final_step(_window_model(estimator)), "predict_quantiles")


def _refuse_non_numeric_targets(y):
    """A ValueError for targets ``y`` of text or dates, given to
    :class:`PredictForecaster`'s ``fit``: a forecaster's targets are the values after each
    window, numbers its ``forecast`` feeds back into the windows. A classifier's labels were
    fitted, and every ``predict`` failed in NumPy's words, "could not convert string to float"
    (review, session 23)."""
    try:
        refuse_dates_and_text(y, "y")
    except ValueError as exc:
        raise ValueError(
            f"PredictForecaster.fit: {exc}. A forecaster's targets are the values that follow "
            f"each window, which forecast feeds back as history: labels (a classifier's) are no "
            f"forecast") from None


class PredictForecaster(StampsVersionWhenPickled, MissingTargetsScoreMixin, RegressorMixin,
                        BaseEstimator):
    """Any window regressor (a Pipeline, a GridSearchCV, ...) given ``forecast``.

    ``forecast(history, steps)`` predicts from the last window of ``history`` (left-padded when
    shorter, as :func:`make_windows` does) and feeds forecasts back beyond the horizon: the rule
    of the package's own models. :func:`backtest` wraps every model that has ``predict`` but no
    ``forecast`` in one, so a tuned or pipelined model can be backtested as it is. ``score`` is
    the package's regressors' R^2, which leaves out NaN targets (values that were not observed).

    A baseline of :mod:`skattn.baselines` (a local model) searched or frozen, or a
    :class:`~skattn.ForecastEnsemble` of baselines, forecasts from the whole history instead,
    by its own ``forecast`` (``forecast_quantiles``), as it does alone and as an ensemble's
    member: a search over a baseline is scored in :func:`backtest` as the baseline it picks.
    A Pipeline is a window regressor whatever its last step (``make_pipeline(LastSteps(24),
    ThetaForecaster())`` is meant to read 24 values).

    Prediction intervals: when the final estimator (a Pipeline's last step, a search's
    ``best_estimator_``'s, a :class:`~sklearn.frozen.FrozenEstimator`'s estimator's) has
    ``predict_quantiles`` (:class:`~skattn.AttentionForecaster` with ``loss="pinball"``, the
    baselines with ``quantiles=``, a :class:`~skattn.ForecastEnsemble` of members with common
    quantiles), the wrapper has it too, and ``forecast_quantiles`` and ``quantiles_``: the
    windows go through the Pipeline's other steps first, as in ``predict``. So
    :func:`backtest` scores the intervals (``interval=``) of a tuned or pipelined model too.

    Parameters
    ----------
    estimator : regressor
        Fitted on history windows ``X`` (n_samples, n_timesteps[, n_channels]) and the values
        ``y`` that follow them; cloned at fit, so it needs ``get_params`` besides ``fit`` and
        ``predict`` (any scikit-learn estimator has it).

    Attributes
    ----------
    estimator_ : regressor
        The fitted clone.
    n_features_in_ : int
        Time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names; ``forecast``
        then gives ``estimator_`` its windows under those names.
    n_channels_ : int
        Channels of the windows (1 for 2-D ``X``).
    n_outputs_ : int
        Values predicted after each window (the horizon).
    quantiles_ : ndarray of shape (n_quantiles,) or None
        The quantiles the final estimator forecasts (its ``quantiles_``, the columns of
        ``predict_quantiles`` and ``forecast_quantiles``); None when it forecasts points.

    Methods
    -------
    fit(X, y, **fit_params)
        Fit a clone of ``estimator`` on the windows.
    predict(X)
        The fitted estimator's predictions for windows.
    forecast(history, steps, future_covariates=None)
        The next ``steps`` values after ``history``.
    predict_quantiles(X)
        The quantile forecasts for windows (only with a final estimator that has
        ``predict_quantiles``).
    forecast_quantiles(history, steps=None)
        The quantile forecasts of the next ``steps`` values after ``history``, within the
        horizon (only with a final estimator that has ``predict_quantiles``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skattn import make_windows
    >>> from skattn.datasets import load_airline
    >>> from skattn.model_selection import PredictForecaster
    >>> series = load_airline().series
    >>> X, y = make_windows(series, window=24, horizon=12)
    >>> model = PredictForecaster(Ridge()).fit(X, y)
    >>> model.n_features_in_, model.n_outputs_
    (24, 12)

    Beyond the horizon, the forecasts are fed back as history:

    >>> model.forecast(series, steps=24).shape
    (24,)

    Within it, ``forecast`` is ``predict`` on the last window of the history:

    >>> bool(np.allclose(model.forecast(series[:-12], 12), model.predict(X[-1:])[0]))
    True

    A regressor fitted already (a search's ``best_estimator_``) forecasts without being trained
    again when frozen: scikit-learn's :class:`~sklearn.frozen.FrozenEstimator` makes ``fit`` a
    no-op, so the wrapper's ``fit`` only reads the shapes of the windows.

    >>> from sklearn.frozen import FrozenEstimator
    >>> fitted = Ridge().fit(X, y)
    >>> frozen = PredictForecaster(FrozenEstimator(fitted)).fit(X, y)
    >>> bool(np.array_equal(frozen.forecast(series, 12), fitted.predict(series[None, -24:])[0]))
    True

    A Pipeline whose last step forecasts quantiles forecasts them too, from windows transformed
    by its other steps:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skattn import LastSteps
    >>> from skattn.baselines import NaiveForecaster
    >>> pipe = make_pipeline(LastSteps(12), NaiveForecaster(quantiles=(0.1, 0.5, 0.9)))
    >>> wrapped = PredictForecaster(pipe).fit(X, y)
    >>> wrapped.quantiles_
    array([0.1, 0.5, 0.9])
    >>> wrapped.forecast_quantiles(series).shape  # (horizon, n_quantiles)
    (12, 3)
    """

    # validated at fit as the package's other wrappers are (an int was "Cannot clone object"),
    # get_params included (an object with fit and predict only was "Cannot clone object" too)
    _parameter_constraints: dict = {"estimator": [CLONEABLE_WINDOW_REGRESSOR]}

    def __init__(self, estimator):
        self.estimator = estimator

    def __setstate__(self, state):
        # a pickle from before session 20 has no quantiles_: hasattr(predict_quantiles) said
        # True and the call raised AttributeError (review, session 20); its model's are read
        state = dict(state)
        super().__setstate__(state)
        if "estimator_" in state and "quantiles_" not in state:
            self.quantiles_ = fitted_quantiles(_window_model(self.estimator_))
            self._y_is_1d = False  # not recorded then: the horizon axis is kept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        estimator_tags = declared_tags(self.estimator)
        if estimator_tags is None:
            # a duck-typed regressor (fit, predict and get_params, no scikit-learn base class),
            # which backtest wraps too, declares nothing: the defaults stand
            return tags
        # fit hands X and y to the estimator unchecked, so what they may hold is its to say, as
        # for scikit-learn's meta-estimators
        tags.input_tags.sparse = estimator_tags.input_tags.sparse
        tags.input_tags.allow_nan = estimator_tags.input_tags.allow_nan
        tags.input_tags.three_d_array = takes_three_d(self.estimator)
        # one or several values per window as the estimator predicts them (through a search,
        # whose tags do not say: tags review, session 34)
        # (None for a Pipeline ending in "passthrough" or a duck-typed step: its own tags)
        estimator_targets = target_tags_of(self.estimator) or estimator_tags.target_tags
        tags.target_tags.multi_output = estimator_targets.multi_output
        tags.target_tags.single_output = estimator_targets.single_output
        # one that cannot reach R^2 > 0.5 on make_regression (a baseline) predicts through the
        # wrapper as alone: its poor_score passed on, as scikit-learn's Pipeline passes the last
        # step's (review, session 33)
        if estimator_tags.regressor_tags is not None:
            tags.regressor_tags.poor_score = estimator_tags.regressor_tags.poor_score
        return tags

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator's fit validates its own
    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator`` on windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first; with 3 dimensions channel 0 is the target.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, after each window.
        **fit_params : dict
            Parameters of ``estimator.fit``, such as ``sample_weight`` (one weight per window).

            - With scikit-learn's metadata routing off (the default): all passed to
              ``estimator.fit`` as they are.
            - With it on (``sklearn.set_config(enable_metadata_routing=True)``): routed to
              ``estimator.fit`` as far as it requests them (``estimator.set_fit_request``); one it
              has not requested is an error, as in scikit-learn's meta-estimators.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            (scikit-learn's InvalidParameterError) When ``estimator`` has no ``fit``,
            ``predict`` or ``get_params``. When ``y`` holds text or dates (a classifier's
            labels: a forecaster's targets are numbers, fed back as history). Also when ``estimator`` is, or holds, an estimator
            that :func:`~sklearn.base.clone` keeps fitted (a
            :class:`~sklearn.frozen.FrozenEstimator`, whose ``fit`` learns nothing) and the
            fitted clone predicts another number of values per window than ``y`` has (naming
            both horizons), or cannot predict ``X`` (of the type it raised).
        Exception
            Whatever ``estimator.fit`` raises on this data, or the routing on these parameters;
            nothing is then changed.
        """
        estimator_fit_params = routed_fit_params(self, "estimator", fit_params)
        # a masked entry as NaN, for the estimator's own rule for missing values: its checks
        # dropped the mask and trained on the fill values beneath it (fuzzing, session 23)
        given_X, given_y = X, y
        X, y = masked_as_missing(X), masked_as_missing(y)
        _refuse_non_numeric_targets(y)
        shape, target_shape = _shape_of(X), _shape_of(y)
        cloned = clone(self.estimator)
        kept = _kept_by_clone(self.estimator, cloned)
        try:
            fitted = cloned.fit(X, y, **estimator_fit_params)
        except ValueError as exc:
            # "Input y contains NaN." where the user gave a masked y, and no NaN
            noted = noting_masked_inputs(exc, X=given_X, y=given_y)
            if noted is exc:
                raise
            raise noted from exc
        # after the estimator's fit, which says what is wrong with a y of no rows (y=None)
        n_outputs = 1 if len(target_shape) == 1 else target_shape[1]
        if kept:
            # a FrozenEstimator's fit reads nothing, so y's horizon need not be the model's: one
            # of 12 steps fitted with y of 6 columns said n_outputs_=6, and forecast failed with
            # NumPy's "cannot reshape array of size 12 into shape (6,)" (user trial, session 22)
            self._check_kept_horizon(fitted, X, n_outputs, kept)
        # only the column names (the estimator checks the data): forecast_with_predict names its
        # windows after them, so an estimator fitted on a DataFrame is not warned at every round
        validate_data(self, X, skip_check_array=True, reset=True)
        self.estimator_ = fitted
        # for the messages about forecasts that are not finite: windows far beyond these are
        # in other units (see skattn._validation.check_finite_forecasts)
        self._training_reach = training_reach(X)
        self.n_features_in_ = shape[1]
        self.n_channels_ = 1 if len(shape) == 2 else shape[2]
        self.n_outputs_ = n_outputs
        # those of the final estimator, None for a point model; a tuned Pipeline lost its
        # intervals (user trial, session 20)
        self.quantiles_ = fitted_quantiles(_window_model(fitted))
        self._y_is_1d = len(target_shape) == 1  # predict_quantiles' shape follows y's
        return self

    def _check_kept_horizon(self, fitted, X, n_outputs, kept):
        """A ValueError naming both horizons when ``fitted``, which holds estimators ``kept``
        fitted as they were (of :func:`_kept_by_clone`), predicts another number of values per
        window than ``y`` has (``n_outputs``): read from its prediction for the first window."""
        if _shape_of(X)[0] == 0:
            return  # no window to ask (the estimator's fit had nothing to refuse either)
        try:
            first = X[:1]
        except Exception:  # noqa: BLE001 -- an array-like without slicing
            first = np.asarray(X)[:1]
        what = _kept_description(kept, self.estimator)
        try:
            predicted = _shape_of(fitted.predict(first))
        except Exception as exc:
            # the windows of another length or channels than the kept model's: said at fit,
            # not at the first forecast
            # ("is, or holds": a frozen part alone, a pre-fitted scaler, can refuse them too)
            raise naming(exc, f"PredictForecaster.fit: the estimator is, or holds, a model kept "
                              f"fitted by clone ({what}) and cannot predict these windows") from exc
        if len(predicted) not in (1, 2):
            return  # no values-per-window axis to compare
        width = 1 if len(predicted) == 1 else predicted[1]
        if width != n_outputs:
            raise ValueError(
                f"PredictForecaster.fit: the estimator is, or holds, a model kept fitted by clone "
                f"({what}: its fit does not learn from y), and it predicts {width} value(s) per window (horizon "
                f"{width}), but y has {n_outputs} (horizon {n_outputs}), which forecast would "
                f"take for its horizon. Fit it with the targets of the horizon it was trained "
                f"on (y of {width} column(s): make_windows(..., horizon={width})), or freeze a "
                f"model fitted on targets of {n_outputs} value(s)")

    def predict(self, X):
        """The fitted estimator's predictions for windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, shaped as at fit.

        Returns
        -------
        y_pred : array-like of shape (n_samples,) or (n_samples, horizon)
            What ``estimator_.predict(X)`` returns.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the fitted estimator predicts values that are not numbers, or NaN or values
            beyond float64's range (naming it, or the member of an ensemble inside it, and the
            window; the values refused are the error's ``forecasts``).
        """
        check_is_fitted(self)
        given, X = X, masked_as_missing(X)  # a masked entry as NaN
        subject = self._wrapped_name
        try:
            predictions = self.estimator_.predict(X)
        except NonFiniteForecastError as exc:  # a wrapper inside (an ensemble) refused its own
            if exc.forecasts is None:
                raise
            predictions, subject = exc.forecasts, within(exc.subject, self._wrapped_name())
        except ValueError as exc:
            # "Input X contains NaN." where the user gave a masked X, and no NaN
            noted = noting_masked_inputs(exc, X=given)
            if noted is exc:
                raise
            raise noted from exc
        try:
            values = np.asarray(predictions, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            # the check below said "could not convert string to float" of a classifier's
            # labels (review, session 23)
            raise ValueError(
                f"PredictForecaster.predict: {self._wrapped_name()} predicted values that are "
                f"not numbers ({exc}); a forecaster's predictions are the values after each "
                f"window: wrap a regressor") from None
        # the wrapped model's NaN or inf (Ridge gave -inf for windows of 1.7e308) is an error
        # naming it and the window, as in the package's other wrappers (fuzzing, session 23)
        check_finite_forecasts(values, self, "predict", subject, inputs=X, returned=predictions)
        return predictions

    def _wrapped_name(self):
        """The wrapped model, as the errors for its forecasts name it: "the wrapped Ridge"."""
        return f"the wrapped {model_name(self.estimator_)}"

    def get_metadata_routing(self):
        """Get the metadata routing of this object: ``fit`` routes to ``estimator``'s ``fit``.

        ``score`` takes what this object requests itself (``set_score_request(sample_weight=True)``
        for a weighted R^2); with metadata routing enabled, weights passed to a search or to
        ``cross_validate`` while that request is unset are scikit-learn's
        ``UnsetMetadataPassedError`` naming it, as for any regressor whose score takes weights
        (``Ridge``): set it to False to score unweighted.

        See scikit-learn's :ref:`User Guide <metadata_routing>` on how the routing works.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` encapsulating the
            routing information.
        """
        return fit_routing(self, "estimator")

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of ``history`` (see the class docstring).

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D, with the covariates in
            channels 1.., for an estimator fitted on 3-D windows.
        steps : int >= 1
            Number of future values.
        future_covariates : array-like of shape (n_future, n_channels - 1) or None, default=None
            The covariates of the forecast steps, first row at the first forecast value. Needed
            only for an estimator fitted with covariates when ``steps`` exceeds the horizon (the
            forecasts are then fed back as history), with at least
            ``(ceil(steps / horizon) - 1) * horizon`` rows; rows beyond those are never read.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            On a bad ``history``, ``steps`` or ``future_covariates`` (see
            :func:`skattn._validation.recursive_forecast`).

        Warns
        -----
        UserWarning
            When ``future_covariates`` has rows the recursion never reads (any within the
            horizon): covariates are past-only inputs.
        """
        check_is_fitted(self)
        local = self._whole_history_model()
        if local is not None:
            covariates = {} if future_covariates is None else {
                "future_covariates": future_covariates}  # for a baseline to refuse by name
            return local.forecast(history, steps, **covariates)
        return forecast_with_predict(self, history, steps, future_covariates)

    def _whole_history_model(self):
        """The model whose own ``forecast`` the fitted estimator gives from the whole history,
        as a :class:`~skattn.ForecastEnsemble` member gives it (see
        :func:`skattn.ensemble._whole_history_model`): a baseline searched, frozen, or as an
        ensemble's members; None for a window regressor. A search over a baseline forecast from
        the last window only, where the baseline alone or in an ensemble fits the whole history,
        so backtest scored it on a 36-value window (sMAPE 2.75 against 5.41 for the same search
        in an ensemble, on the airline series; docs trial, session 33)."""
        from .ensemble import _whole_history_model

        return _whole_history_model(self.estimator_)

    def _no_quantiles_message(self, method):
        final = final_step(_window_model(self.estimator_))
        return (f"{method} needs a final estimator that forecasts quantiles (an "
                f"AttentionForecaster with loss='pinball', a baseline with quantiles=, an "
                f"ensemble of such members with common quantiles); "
                f"{type(final).__name__} forecasts points (its quantiles_ is None)")

    @available_if(_forecasts_quantiles)
    def predict_quantiles(self, X):
        """The final estimator's quantile forecasts for windows ``X``.

        Only when the final estimator has ``predict_quantiles``. The windows go through a
        Pipeline's other steps first, as in ``predict``: the user of a tuned Pipeline called
        ``best_estimator_[:-1].transform`` and then the last step's ``predict_quantiles`` by hand
        (user trial, session 20).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, shaped as at fit.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or (n_samples, horizon, n_quantiles)
            The forecasts at each quantile of ``quantiles_``, along the last axis; without the
            horizon axis when ``y`` was 1-D at fit.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the final estimator forecasts points (``quantiles_`` is None: an
            AttentionForecaster fitted without ``loss="pinball"``, a baseline without
            ``quantiles=``).
        """
        check_is_fitted(self)
        if self.quantiles_ is None:
            raise ValueError(self._no_quantiles_message("predict_quantiles"))
        quantiles = quantile_forecasts(
            _window_model(self.estimator_), masked_as_missing(X), self.n_outputs_, owner=self,
            subject=self._wrapped_name,
            returned=lambda values: values[:, 0, :] if self._y_is_1d else values)
        return quantiles[:, 0, :] if self._y_is_1d else quantiles  # (n, H, Q)

    @available_if(_forecasts_quantiles)
    def forecast_quantiles(self, history, steps=None):
        """Forecast every quantile of ``quantiles_`` for the next ``steps`` values of one series:
        prediction intervals from the end of ``history``, within the trained horizon.

        Only when the final estimator has ``predict_quantiles``. As
        :meth:`skattn.AttentionForecaster.forecast_quantiles`: the quantiles of the last window
        of ``history`` (left-padded with its first value when shorter than the window, and
        warned about), from :meth:`predict_quantiles`. Only within the horizon: beyond it,
        :meth:`forecast` feeds its values back as if observed, and quantiles read from such
        windows would leave out their uncertainty. A searched or frozen baseline (see the class
        docstring) gives its own ``forecast_quantiles`` of the whole history, beyond the
        horizon too.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, at least 2 values (one value has no spread to
            estimate); 2-D, with the covariates in channels 1.., for an estimator fitted on 3-D
            windows.
        steps : int or None, default=None
            Number of future values, at most the horizon (``n_outputs_``); None means the
            horizon.

        Returns
        -------
        quantiles : ndarray of shape (steps, n_quantiles)
            ``quantiles[t, k]`` is the forecast of quantile ``quantiles_[k]`` for the ``t``-th
            value after ``history``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the final estimator forecasts points, ``steps`` exceeds the horizon or is not
            an integer >= 1, or ``history`` is invalid or has a single value.

        Warns
        -----
        UserWarning
            When ``history`` is shorter than the window: it is left-padded, and intervals from
            such windows can be far too narrow. Once per fitted model.
        """
        check_is_fitted(self)
        if self.quantiles_ is None:
            raise ValueError(self._no_quantiles_message("forecast_quantiles"))
        local = self._whole_history_model()
        if local is not None:
            return local.forecast_quantiles(history, steps)
        return forecast_quantiles_of(self, history, steps)


def _fit_failure_cause(exc, y, min_target, with_covariates):
    """What backtest knows of a model's failed fit that the model's error does not say, or "":
    scikit-learn's "Input y contains NaN." of a series without any (the NaN are min_target's)
    and "Found array with dim 3" (covariates make the windows 3-D) named no cause
    (missing-values and covariates trials, session 32)."""
    if not isinstance(exc, ValueError):
        return ""
    if min_target is not None and "NaN" in str(exc) and np.isnan(y).any():
        return (f"the NaN are the targets past each series' end that min_target={min_target} "
                f"adds, marking values not observed; this model takes no missing targets: give "
                f"min_target=None, or models that take them, such as AttentionForecaster")
    if with_covariates and "dim 3" in str(exc):
        return ("with covariates the windows are 3-D, (n_windows, window, 1 + n_covariates): "
                "a model of 2-D rows needs them flattened first, e.g. make_pipeline("
                "FunctionTransformer(lambda X: X.reshape(len(X), -1)), Ridge())")
    return ""


def _naming_the_model(exc, name):
    """``exc`` of model ``name``, its message starting with the name (raise it ``from exc``)."""
    return naming(exc, f"model {name!r}")


class _WarningTally:
    """The warnings one model raises in :func:`backtest`, each distinct one (category and text)
    with the origins it came at and how many times, to be shown once when the model is done.

    ``record`` has the signature of ``warnings.showwarning``, which is called with every warning
    the filters let through (an "error" filter raises before it); ``origin`` is set by backtest
    before each origin's work.
    """

    def __init__(self, name, n_origins):
        self.name, self.n_origins, self.origin = name, n_origins, 0
        # (category, text) -> [first message, filename, lineno, origins, count, module], first
        # seen first
        self.seen = {}
        # what shows warnings when the tally is closed: catch_warnings is not thread-safe, and
        # another thread's catch_warnings that began while it was in place restores it as
        # "the original" on leaving (review, session 20); it then shows them, not swallows them
        self.original = warnings.showwarning
        self.closed = False

    def record(self, message, category, filename, lineno, file=None, line=None):
        if self.closed:
            return self.original(message, category, filename, lineno, file, line)
        key = (category, str(message))
        if key not in self.seen:
            # its module now, from the frame that warned (a notebook's cell: __main__, whose
            # file is no module's), for filters by module when shown again
            self.seen[key] = [message, filename, lineno, set(), 0,
                              _module_warned_from(filename, lineno)]
        entry = self.seen[key]
        entry[3].add(self.origin)
        entry[4] += 1

    def note(self, origins, count):
        """What is appended to a warning raised ``count`` times at the ``origins``: "" for one
        time, else " (model 'name': at all 14 origins)", "... 28 times, at 3 of 14 origins)"."""
        if count == 1:
            return ""
        where = ("" if self.n_origins == 1 else
                 f"at all {self.n_origins} origins" if len(origins) == self.n_origins else
                 f"at {len(origins)} of {self.n_origins} origins")
        # more times than origins: several series' forecasts, or several fits at an origin
        times = "" if count == len(origins) else f"{count} times"
        return f" (model {self.name!r}: {', '.join(part for part in (times, where) if part)})"

    def show(self):
        """Raise every recorded warning again, once, under the caller's filters (from the
        location of its first occurrence, with its module, so that filters by module match as
        they did)."""
        # "default", "module" and "once" (with a registry) show a text once per registry: a new
        # one shows each here, whatever was shown before
        registry = {}
        for (category, text), (message, filename, lineno, origins, count,
                               module) in self.seen.items():
            note = self.note(origins, count)
            if note:
                # the original text first: filters and pytest.warns(match=) by message still
                # match it (re.match at its start)
                try:
                    message = category(text + note)
                except Exception:  # noqa: BLE001 -- a category built otherwise: as it came
                    pass
            warn_explicit_from(message, category, filename, lineno, module, registry)


# the filter actions that show a warning once per location, module or text: Python's registry
# drops the repeats before showwarning (the tally's record) sees them
_SHOWN_ONCE_ACTIONS = ("default", "module", "once")


def _every_occurrence_recorded():
    """Within a ``catch_warnings``: the caller's filters with each show-once action made
    "always" (the default action too), so that the tally counts every occurrence; it shows each
    once afterwards under the caller's own filters. "error" and "ignore" are kept as they are.

    Under the default filter a warning raised at each of 6 forecasts of 2 origins was counted
    "at all 2 origins" and not "6 times" (the registry let one an origin through; noticed in
    session 33). The filters are rebuilt with the public ``filterwarnings``. A module or message
    given as text, not a pattern, is matched whole (Python starts with one: DeprecationWarning
    shown in ``__main__``; the rebuild stopped at it, so the counts were right only after
    ``resetwarnings``: review of session 34's diff), a tuple of categories one by one; any
    other entry it could not have made (put into ``warnings.filters`` by hand) leaves them all
    as they were.
    """
    filters = list(warnings.filters)
    rebuilt = []
    for action, message, category, module, lineno in filters:
        if isinstance(module, str):
            module = re.compile(re.escape(module) + r"\Z")  # as Python matches it: whole
        if isinstance(message, str):
            # matched whole and by case, as Python matches text (filterwarnings adds re.I)
            message = re.compile("(?-i:" + re.escape(message) + r")\Z")
        # simplefilter takes a tuple of categories (scikit-learn's ignore_warnings gives one),
        # which filterwarnings refuses: one entry each, in their place (review of the mends)
        categories = category if isinstance(category, tuple) else (category,)
        if not (isinstance(action, str) and (message is None or hasattr(message, "pattern"))
                and all(isinstance(kind, type) and issubclass(kind, Warning)
                        for kind in categories)
                and (module is None or hasattr(module, "pattern"))
                and isinstance(lineno, int) and lineno >= 0):
            return
        rebuilt.extend(("always" if action in _SHOWN_ONCE_ACTIONS else action,
                        "" if message is None else message.pattern, kind,
                        "" if module is None else module.pattern, lineno)
                       for kind in categories)
    warnings.resetwarnings()
    warnings.simplefilter("always")  # where no filter matches: Python's default action
    for action, message, category, module, lineno in reversed(rebuilt):
        # each inserted at the front: the first of the caller's filters ends up first again
        warnings.filterwarnings(action, message, category, module, lineno)


@contextlib.contextmanager
def _each_warning_once(name, n_origins):
    """Within: model ``name``'s warnings are recorded (a :class:`_WarningTally`, yielded), not
    shown; on leaving, even by an exception, each distinct one is shown once, with a note of how
    often it came when more than once.

    backtest's per-origin ``catch_warnings`` (and scikit-learn's at each ``check_array``) clear
    Python's once-per-location registry, so the identical warning of every origin's fit was
    printed again: two 14-origin runs printed 28 identical ConvergenceWarnings (user trial,
    session 20). The filters are the caller's throughout: an "error" filter still raises the
    first occurrence, from where it is raised, and "ignore" drops it before it is recorded.
    """
    tally = _WarningTally(name, n_origins)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = tally.record  # restored by catch_warnings on leaving
            _every_occurrence_recorded()
            yield tally
    finally:
        tally.closed = True
        tally.show()


def _forecast_one_in_a_worker(model, history, horizon, with_quantiles=False):
    """:func:`_forecast_one` in a joblib worker, the model's library loaded before the clock
    starts: in a fresh worker the first forecast imported statsforecast (3-5 s), charged to
    whichever model ran first there (two identical Theta models 3.07 s and 0.005 s apart;
    review, session 31). In the caller's process the import happened at fit."""
    require_libraries(model)
    return _forecast_one(model, history, horizon, with_quantiles)


def _forecast_one(model, history, horizon, with_quantiles=False):
    # (forecast, quantiles, seconds inside model.forecast and forecast_quantiles): timed here,
    # in the process that runs it, so that a joblib pool's start-up (worker processes that import
    # skattn, ~1.5 s) and the shipping of models and histories to them are not charged to
    # whichever local model happens to run first. quantiles: (horizon, Q) or None
    started = time.perf_counter()
    quantiles = None
    if with_quantiles and hasattr(model, "_forecast_with_quantiles"):
        # a baseline: both from one fit of its library model, not two (the same values)
        forecast, quantiles = model._forecast_with_quantiles(history, horizon)
    else:
        forecast = model.forecast(history, horizon)
        if with_quantiles:
            quantiles = model.forecast_quantiles(history, horizon)
    if quantiles is not None:
        quantiles = np.asarray(quantiles, dtype=np.float64)
    seconds = time.perf_counter() - started
    try:
        return np.asarray(forecast, dtype=np.float64), quantiles, seconds
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{type(model).__name__}.forecast returned values that are not numbers: "
                         f"{exc}") from None


def _bound_columns(model, name, levels):
    """For each nominal coverage of ``levels``, the columns of the fitted ``model``'s
    ``forecast_quantiles`` that bound its central interval (the quantiles (1 - level) / 2 and
    (1 + level) / 2): a list of (lower, upper) pairs, or a ValueError saying how to give it
    those quantiles."""
    wanted = np.array([[(1 - level) / 2, (1 + level) / 2] for level in levels])  # (L, 2)
    quantiles = getattr(model, "quantiles_", None)
    if quantiles is None and hasattr(model, "_no_common_quantiles"):
        # an ensemble whose members forecast other quantiles, or points: it says which
        raise ValueError(f"model {name!r}: "
                         + model._no_common_quantiles(f"backtest(interval={_shown(levels)})"))
    if quantiles is not None:
        quantiles = np.asarray(quantiles, dtype=np.float64)
        # the nearest quantile, if within 1e-6 (float32 levels are 0.8 to 1e-8 only); the first
        # within it read 0.0999995 for 0.1 beside it (review, session 19)
        nearest = np.abs(quantiles[None, None, :] - wanted[:, :, None]).argmin(axis=2)  # (L, 2)
        if np.all(np.abs(quantiles[nearest] - wanted) <= 1e-6):
            return [(int(low), int(high)) for low, high in nearest]
    has = "no quantiles" if quantiles is None else f"the quantiles {quantiles.tolist()}"
    needed = sorted({float(np.round(q, 6)) for q in wanted.ravel()})
    example = ", ".join(map(str, sorted(set(needed) | {0.5})))
    raise ValueError(
        f"model {name!r} forecasts {has}; backtest(interval={_shown(levels)}) needs each model's "
        f"quantiles {', '.join(map(str, needed))}: e.g. quantiles=({example}) "
        f"(AttentionForecaster with loss='pinball', the baselines, make_attention_ensemble)")


def _msis_sort_note(sort_by, levels):
    """What backtest's error for a ``sort_by`` it has no column for adds when that is an msis
    column: which interval level it needs, and those given. With interval=0.8, "msis_95" said
    "(an msis column needs interval=)" (user trial, session 22)."""
    if not isinstance(sort_by, str) or not sort_by.startswith("msis"):
        return ""
    if not levels:
        return " (an msis column needs interval=)"
    given = ", ".join(column for level in levels for column in interval_columns(level)
                      if column.startswith("msis"))
    try:
        level = float(sort_by[len("msis_"):]) / 100
    except ValueError:
        level = None
    if level is None or not 0 < level < 1 or interval_columns(level)[1] != sort_by:
        return f" (interval={_shown(levels)} gives the msis columns {given})"
    return (f" ({sort_by} needs {level:g} among the interval levels, and interval="
            f"{_shown(levels)} gives {given}: add it, e.g. interval=["
            f"{', '.join(f'{x:g}' for x in levels + (level,))}])")


def _shown(levels):
    # the interval argument as given: one level, or several
    return f"{levels[0]:g}" if len(levels) == 1 else f"({', '.join(f'{x:g}' for x in levels)})"


def _checked_levels(interval):
    """``backtest``'s ``interval`` as a tuple of floats: one nominal coverage or several, each
    strictly between 0 and 1, distinct; () for None."""
    if interval is None:
        return ()
    message = (f"interval must be a number strictly between 0 and 1 (0.8 for 80% intervals), a "
               f"list of such numbers, or None, got {interval!r}")
    try:
        dimensions = np.ndim(interval)
    except ValueError:  # a ragged nesting, [[0.8], 0.9]
        raise ValueError(message) from None
    if dimensions > 1:
        # [[0.8]] was flattened and taken as 0.8 (fuzzing, session 20): a flat list, as quantiles=
        raise ValueError(message + " (a flat list: [0.8, 0.95], not nested)")
    values = [interval] if dimensions == 0 else list(np.ravel(interval, order="K"))
    if not values:
        # [] said "must give distinct levels ... got []" (fuzzing, session 20)
        raise ValueError("interval is empty: give one level (0.8), several ([0.8, 0.95]), or "
                         "None for no intervals")
    levels = []
    for value in values:
        if isinstance(value, np.ndarray):  # a 0-d array
            value = value[()]
        if not isinstance(value, Real) or isinstance(value, bool) or not 0 < value < 1:
            raise ValueError(message)
        # np.float32(0.8) is 0.8 to 1e-8: as the shortest decimal of its own precision, 0.8
        levels.append(float(str(value)) if isinstance(value, np.floating) else float(value))
    columns = [interval_columns(level) for level in levels]
    if len(set(columns)) < len(columns):
        # 0.8 and 0.80000000001 both make coverage_80: the second overwrote the first's figures
        raise ValueError(f"interval must give distinct levels (to 10 digits, as the columns "
                         f"name them), got {interval!r}")
    return tuple(levels)


def _scale_of(history, season_length, series_number, origin):
    # MASE's scale of one history; NaN when it is 0 (the history repeats exactly every season,
    # e.g. a discontinued product's zeros), which backtest leaves out of the MASE; any other
    # problem is an error naming the series and origin
    if _repeats_every_season(history, season_length):
        return np.nan
    try:
        # in backtest's words: it has no y_train to divide (fuzzing, session 20)
        return _seasonal_naive_scale(history, season_length, data="the series")
    except ValueError as exc:
        raise ValueError(f"series {series_number}, origin {origin}: {exc}") from None


def _unaligned_ends_message(ends, holdout_starts, training_ends, name, holdout, affected,
                            unaffected, where="", remedy=""):
    """The warning that series ending at different times leak into one another's hold-outs
    through the models trained across them; None when they do not.

    Each series' hold-out is its own last steps (as in the M competitions), so when the series
    end at different times the training part of one that ends later holds values dated inside
    the hold-out of one that ends earlier: information from its future, which a forecast made at
    one date would not have. One rule and one wording for :func:`backtest` (pandas time indexes)
    and ``python -m skattn compare`` (a CSV file's times), which warned where backtest, given
    the same panel as pandas series, said nothing (user trial, session 27).

    Parameters
    ----------
    ends, holdout_starts, training_ends : list of (object, str or callable)
        Per series: its last time, the first time of its hold-out and the last time of its
        training part, each as a value comparable with the others' (datetimes, pandas
        Timestamps, Periods of one frequency) and as text for the message, or a function
        returning it: only the few named are formatted (all of them, three per series, took
        3.3 s of a backtest of 10,000 pandas series; scale trial, session 27).
    name : callable
        A series' name in the message from its position: ``"series[3]"``, ``"B"``.
    holdout : str
        Where the hold-outs are, after "and": ``"each one's hold-out is its own last 18 steps"``.
    affected, unaffected : str
        The models trained across the series, which the leak flatters (``"the global models
        (attention, the ensemble)"``, followed by "train on"), and the clause on the others.
    where : str, default ""
        Where the times are, after "different times": ``" in 'month'"``.
    remedy : str, default ""
        How to cut the series to a common last time, after those words.

    Returns
    -------
    str or None
        None when the series end at one time, when no training part reaches past the start of
        another's hold-out (series of different frequencies), and when the times cannot be
        compared (naive and aware times, Periods of two frequencies, Timestamps and Periods).
    """
    positions = range(len(ends))
    try:
        earliest = min(positions, key=lambda index: ends[index][0])
        latest = max(positions, key=lambda index: ends[index][0])
        first = min(positions, key=lambda index: holdout_starts[index][0])
        last = max(positions, key=lambda index: training_ends[index][0])
        if not ends[earliest][0] < ends[latest][0] or \
                training_ends[last][0] < holdout_starts[first][0]:
            return None
        reaching = sum(end >= holdout_starts[first][0] for end, _ in training_ends)
    except (TypeError, ValueError):  # pandas' IncompatibleFrequency is a ValueError
        return None
    n_ends = len({value for value, _ in ends})

    def text(entry):
        return entry[1]() if callable(entry[1]) else entry[1]

    return (
        f"the series end at {n_ends} different times{where} (from {text(ends[earliest])} to "
        f"{text(ends[latest])}), and {holdout}: the training parts of {reaching} of the "
        f"{len(ends)} series reach past the start of {name(first)}'s hold-out "
        f"({text(holdout_starts[first])}; {name(last)}'s training part ends at "
        f"{text(training_ends[last])}), so {affected} train on values dated inside other series' "
        f"hold-outs, which a forecast made at one date would not have; {unaffected}. For a "
        f"comparison at one date, cut every series to a common last time{remedy}"
    )


def _entry_as_text(index, position):
    return _positions_as_text(index, (position,))[0]


def _warn_of_unaligned_ends(series_list, lengths, horizon):
    """One UserWarning, by :func:`_unaligned_ends_message`, when every series of
    :func:`backtest` has a pandas time index (DatetimeIndex or PeriodIndex) and they show the
    series ending at different times. ``series_list``: the series as given (their indexes; the
    arrays made of them have none); ``lengths``: their lengths, each above ``horizon``."""
    found = [_time_index_of(values) for values in series_list]
    if len(found) < 2 or any(time_index is None for time_index in found):
        return
    # the ends compared before any entry is formatted: formatting three of every series cost
    # 0.2 ms per series, 0.53 s of a 1.03 s backtest of 3,000 aligned monthly series (review)
    try:
        ends = [index[size - 1] for (index, _), size in zip(found, lengths)]
        if not min(ends) < max(ends):
            return
    except (TypeError, ValueError):  # times that cannot be compared (see the message's rule)
        return
    # an entry as text only when the message names it (an index can be millions long, and the
    # series many)
    ends, holdout_starts, training_ends = (
        [(index[size - back], functools.partial(_entry_as_text, index, size - back))
         for (index, _), size in zip(found, lengths)]
        for back in (1, horizon, horizon + 1))
    message = _unaligned_ends_message(
        ends, holdout_starts, training_ends, name=lambda index: f"series[{index}]",
        holdout=(f"backtest counts each one's origins back from its own last value (its "
                 f"hold-out, the last origin's test period, is its own last {horizon} values)"),
        affected=("the global models (those fitted on the windows of every series, such as "
                  "AttentionForecaster and its ensembles)"),
        unaffected="the local models (the baselines) fit each series alone and are not affected",
        where=" in their indexes",
        remedy=(" (end = min(s.index[-1] for s in series), then [s.loc[:end] for s in series]; "
                "see Notes, 'Series are aligned at their ends')"))
    if message is not None:
        # from backtest's caller, as its other warnings; stacklevel 3 past this helper
        warnings.warn(message, UserWarning, stacklevel=3)


def _flat_histories_message(flat, n_series, n_origins, season_length, names=None):
    """What the MetricWarning (or, when no forecast has a MASE, the ValueError) says of the
    histories whose seasonal-naive scale is 0. ``flat``: (n_origins, n_series) bool."""
    series = np.flatnonzero(flat.any(axis=0))
    shown = [str(i) if names is None else repr(names[i]) for i in series[:10]]
    where = "" if n_origins == 1 else f" at {int(flat.any(axis=1).sum())} of {n_origins} origins"
    return (f"MASE is undefined for {series.size} of the {n_series} series{where} (series "
            f"{', '.join(shown)}{', ...' if series.size > 10 else ''}): a history that repeats "
            f"exactly every {season_length} step(s) (or to within rounding), a constant one for "
            f"instance, has a seasonal-naive error of 0, MASE's scale")


#: a MASE scale from fewer seasonal differences other than 0 is warned of (as the MASE scorer
#: warns of windows with fewer than 4 differences)
FEW_SEASONAL_DIFFERENCES = 4


def _scale_on_few_differences(history, season_length):
    """Whether the MASE scale of ``history`` (1-D) rests on fewer than
    FEW_SEASONAL_DIFFERENCES seasonal differences other than 0."""
    changes = np.count_nonzero(history[season_length:] != history[:-season_length])
    return changes < FEW_SEASONAL_DIFFERENCES


def few_differences_message(n_few, n_series, shown, where="", with_msis=False, short=False):
    """The MetricWarning's text for :func:`_warn_of_scales_on_few_differences` (and compare's,
    which names the series by id): ``shown``, the series named; ``short``: every such history
    has fewer than season_length + FEW_SEASONAL_DIFFERENCES values (it was blamed on a launch
    or zeros where Tourism yearly's histories of 3 values had 2 differences, neither 0;
    review, session 33)."""
    columns = "the mase and msis columns' means" if with_msis else "the mase column's mean"
    why = ("its history is that short: a scale from so few differences is noisy" if short else
           "a product launched just before the origin, a series of mostly zeros: the scale is "
           "tiny")
    return (f"the MASE scale of {n_few} of the {n_series} series{where} (series {shown}) rests "
            f"on fewer than {FEW_SEASONAL_DIFFERENCES} seasonal differences other than 0 in its "
            f"history ({why}), so such a forecast's MASE can be many times any other's and "
            f"decide {columns}; compare the models by MAE too, or backtest those series apart")


def _warn_of_scales_on_few_differences(arrays, origins, flat, season_length, with_msis):
    """MetricWarning naming the series whose MASE scale at some origin rests on fewer than
    FEW_SEASONAL_DIFFERENCES seasonal differences other than 0: a product launched two weeks
    before the origin among 50 weekly ones had a scale of 0.109 (52 of its 55 differences 0)
    and MASEs of 20-31, and moved the attention model from first to third of the mase column
    while MAE ranked it first (intermittent-demand trial, session 33). ``flat``
    (n_origins, n_series): the histories without a scale, left out already."""
    few = np.zeros(flat.shape, dtype=bool)
    for j, i in np.argwhere(~flat):
        few[j, i] = _scale_on_few_differences(arrays[i][:origins[j, i]], season_length)
    if not few.any():
        return
    short = bool(np.all(origins[few] - season_length < FEW_SEASONAL_DIFFERENCES))
    series = np.flatnonzero(few.any(axis=0))
    shown = ", ".join(str(i) for i in series[:10]) + (", ..." if series.size > 10 else "")
    n_origins = flat.shape[0]
    where = "" if n_origins == 1 else f" at {int(few.any(axis=1).sum())} of {n_origins} origins"
    warnings.warn(few_differences_message(series.size, flat.shape[1], shown, where, with_msis,
                                          short), MetricWarning, stacklevel=3)


def _sample_weight_refusal(estimator, routed=False):
    """None when ``estimator.fit(X, y, sample_weight=w)`` passes the weights on to every model
    inside that trains on the windows; else what refuses them, for :func:`backtest`'s error,
    which comes before any training.

    The package's wrappers pass weights as :class:`PredictForecaster` does
    (:func:`skattn._validation.routed_fit_params`): without scikit-learn's metadata routing,
    all their fit parameters to the estimator they wrap (a :class:`~skattn.ForecastEnsemble`,
    as :class:`~sklearn.ensemble.VotingRegressor`, to every member); with it on, what the
    estimators inside request (``set_fit_request``). Either way every estimator they hold must
    take the weights: with routing on, one member that does not request them failed at its own
    fit, after the members before it had trained (review, session 25). ``routed``: the weights
    reach ``estimator`` through such a wrapper with routing on, so it must request them. A fit
    that names ``sample_weight`` takes it; a Pipeline without routing takes fit parameters by
    step name only, so it refuses them (scikit-learn's ValueError); a fit of ``**kwargs``
    alone, of another class, is given them (its own error, if any, names the model)."""
    import inspect

    from sklearn.ensemble._voting import _BaseVoting
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.utils.metadata_routing import (MetadataRouter, _routing_enabled,
                                                get_routing_for_object)

    from .seasonal import DeseasonalizedForecaster

    routing_on = _routing_enabled()
    held = (estimator.estimator if isinstance(estimator, (PredictForecaster, BaseSearchCV))
            else estimator.forecaster if isinstance(estimator, DeseasonalizedForecaster)
            else None)
    if held is not None:
        return _sample_weight_refusal(held, routed=routing_on)
    if isinstance(estimator, _BaseVoting):  # every member gets them
        for member_name, member in estimator.estimators:
            if member is None or isinstance(member, str):  # "drop"
                continue
            refusal = _sample_weight_refusal(member, routed=routing_on)
            if refusal is not None:
                return f"its member {member_name!r}: {refusal}"
        return None
    what = type(estimator).__name__
    if routing_on:
        try:
            routing = get_routing_for_object(estimator)
        except Exception:  # noqa: BLE001 -- no routing to read: judged by its fit below
            routing = None
        requested = routing is not None and "sample_weight" in routing.consumes(
            "fit", ["sample_weight"])
        if isinstance(routing, MetadataRouter):
            return None if requested else (
                f"{what} routes sample_weight to no estimator inside it (with metadata routing "
                f"on, the step that takes them must request them: "
                f"set_fit_request(sample_weight=True) on it)")
        if routed and routing is not None:
            return None if requested else (
                f"{what} does not request sample_weight (with metadata routing on, "
                f"set_fit_request(sample_weight=True) on it)")
    try:
        parameters = inspect.signature(estimator.fit).parameters
    except (AttributeError, TypeError, ValueError):
        return None  # no signature to read: its fit says what it takes
    if "sample_weight" in parameters:
        return None
    if isinstance(estimator, Pipeline):
        return (f"{what}.fit takes fit parameters by step name only without metadata routing "
                f"(a sample_weight is refused): turn routing on "
                f"(sklearn.set_config(enable_metadata_routing=True)) and have the last step "
                f"request them (set_fit_request(sample_weight=True))")
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters.values()):
        return None
    return f"{what}.fit takes no sample_weight"


def _weight_functions(sample_weight, named):
    """:func:`backtest`'s ``sample_weight`` as a dict of model name -> callable for the models it
    weights (empty for None), checked before any training: a dict's keys are model names, the
    values callables, and every model weighted can take weights (:func:`_sample_weight_refusal`);
    a single callable weights every model, so a model that cannot take them is an error naming
    it, never skipped in silence."""
    if sample_weight is None:
        return {}
    names = [name for name, _, _ in named]
    given_as_dict = isinstance(sample_weight, dict)
    if given_as_dict:
        unknown = [key for key in sample_weight if key not in names]
        if unknown:
            raise ValueError(
                f"sample_weight names {', '.join(map(repr, unknown))}, not among the models' "
                f"names ({', '.join(map(repr, names))}): its keys are the names of the models "
                f"to weight")
        functions = {name: function for name, function in sample_weight.items()
                     if function is not None}  # None: that model unweighted
    elif callable(sample_weight):
        functions = {name: sample_weight for name in names}
    else:
        raise ValueError(
            f"sample_weight must be None, a callable that takes the training windows' index "
            f"(an int array of shape (n_windows, 2): series number, age) and returns one weight "
            f"per window, or a dict of model name -> such callable; got "
            f"{type(sample_weight).__name__}")
    for name, function in functions.items():
        if not callable(function):
            raise ValueError(f"sample_weight[{name!r}] must be a callable of the windows' index "
                             f"(or None), got {type(function).__name__}")
    for name, template, given in named:
        if name not in functions:
            continue
        refusal = _sample_weight_refusal(template)
        if refusal is None:
            continue
        remedy = ""
        if not given_as_dict:
            takers = [other for other, model, _ in named
                      if _sample_weight_refusal(model) is None]
            example = ", ".join(f"{other!r}: weights" for other in takers)
            remedy = ("; a single callable weights every model: pass a dict naming only the "
                      f"models that take weights, e.g. sample_weight={{{example}}} (the others "
                      "are then fitted unweighted)" if takers else
                      "; a single callable weights every model, and none of these takes "
                      "weights")
        raise ValueError(f"model {name!r} ({type(given).__name__}) cannot be fitted with "
                         f"backtest's sample_weight: {refusal}{remedy}")
    return functions


def _origin_weights(function, index, label):
    """The weights ``function`` returns for the training windows of ``index`` (series number,
    age), checked: one finite number >= 0 per window, not all 0; a ValueError starting with
    ``label`` (which says backtest's sample_weight and the origin) otherwise, and the
    callable's own error named by it."""
    n_windows = index.shape[0]
    try:
        weights = function(index)
    except Exception as exc:
        raise naming(exc, f"{label} raised") from exc
    if np.ma.is_masked(weights):
        raise ValueError(f"{label} returned a masked array that masks some weights: every "
                         f"window needs a weight (0 leaves it out)")
    check_weight_values(weights, name=label)  # text, dates, a single bool
    try:
        array = np.asarray(masked_as_missing(weights))
        if array.dtype.kind == "O":
            array = array.astype(np.float64)  # an object array of numbers, or an error
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label} must return numbers, one weight per window: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{label} must return real numbers, one weight per window, got an "
                         f"array of dtype {array.dtype}")
    if array.shape != (n_windows,):
        raise ValueError(f"{label} returned weights of shape {array.shape}: it must return one "
                         f"weight per training window, shape ({n_windows},), the rows of index")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(f"{label} returned {int(bad.sum())} weight(s) that are NaN or infinite "
                         f"(the first, {array[first]}, for window {first}: series "
                         f"{index[first, 0]}, age {index[first, 1]}): every weight must be a "
                         f"finite number >= 0")
    if (array < 0).any():
        first = int(np.argmax(array < 0))
        raise ValueError(f"{label} returned {int((array < 0).sum())} negative weight(s) (the "
                         f"first, {array[first]:g}, for window {first}: series "
                         f"{index[first, 0]}, age {index[first, 1]}): every weight must be >= 0 "
                         f"(0 leaves a window out)")
    if not array.any():
        raise ValueError(f"{label} weighs all {n_windows} training windows 0: nothing is left "
                         f"to train on")
    return array


def backtest(
    models,
    series,
    horizon,
    window,
    season_length=1,
    n_origins=1,
    *,
    origin_step=None,
    step=1,
    min_history=None,
    min_target=None,
    n_jobs=None,
    verbose=0,
    return_forecasts=False,
    sort_by="smape",
    covariates=None,
    interval=None,
    sample_weight=None,
):
    """Rolling-origin evaluation of forecasting models on one series or many.

    At each origin every model is cloned and fitted on windows cut (by :func:`skattn.make_windows`
    with ``window``, ``horizon`` and ``step``) from the values strictly BEFORE the origin of every
    series, then asked for ``forecast(history_before_origin, horizon)`` for each series; the
    forecast is scored against the ``horizon`` values from the origin on. Global models
    (AttentionForecaster) are thus trained once per origin across all series; local models (the
    baselines, which fit each history inside ``forecast``) forecast the series in parallel, and
    their ``fit``, which reads the windows' shape only, gets the windows of each history's last
    ``window + horizon`` values (the same model, without building every window).

    Parameters
    ----------
    models : estimator, list of estimators, or dict of name -> estimator
        Each needs ``fit(X, y)`` and ``forecast(history, steps)``, or ``fit`` and ``predict`` on
        history windows (a Pipeline, a GridSearchCV), which then forecasts by
        :class:`PredictForecaster`'s rule. Unfitted; they are cloned (a search with
        ``refit=False`` has no ``predict``: a ValueError says so). An estimator that ``clone``
        returns as it is, fitted (a :class:`~sklearn.frozen.FrozenEstimator`, alone or inside
        a Pipeline, search or :class:`PredictForecaster`), is not refitted, nor is such a part
        of a model (a frozen transformer step, one member of an ensemble): see Warns. A dict's
        names are non-empty strings not beginning with ``"__"`` (the forecasts returned keep
        ``"__truth__"``, ``"__origins__"`` and ``"__quantiles__"`` for themselves).
    series : array-like of shape (n_timesteps,), or list of such arrays
        One series, or several series of any lengths (finite values).
    horizon : int
        Values forecast from each origin.
    window : int
        Length of the training windows.
    season_length : int, default 1
        Season of the MASE scaling (the in-sample seasonal-naive error of each history).
    n_origins : int, default 1
        Number of forecast origins per series. The last origin leaves exactly ``horizon`` values
        after it (the usual hold-out); earlier ones step back by ``origin_step``.
    origin_step : int or None, default None
        Distance between origins; None means ``horizon`` (non-overlapping test periods).
    step : int, default 1
        Distance between training windows (see :func:`skattn.make_windows`).
    min_history : int or None, default None
        Passed to :func:`skattn.make_windows`: also train on windows with only this much history
        (left-padded to ``window``), e.g. the longest member window of an ensemble whose members
        read the last steps of ``window``, as :func:`skattn.recipes.make_attention_ensemble`'s
        M3 model is trained.
    min_target : int or None, default None
        Passed to :func:`skattn.make_windows`: also train on the windows whose target runs past
        the values before the origin (NaN there), as long as this many of its values exist.
    n_jobs : int or None, default None
        Processes for the local models' per-series forecasts (joblib): None (1, unless in
        joblib's ``parallel_config``), -1 for every core, or a number of processes; 0 is a
        ValueError. The NumPy baselines (:class:`~skattn.baselines.NaiveForecaster`,
        :class:`~skattn.baselines.SeasonalNaiveForecaster`) always forecast in the calling
        process: a pool would cost far more than their work. See Notes for how the forecasts
        are timed.
    verbose : int >= 0 or bool, default 0
        1 (or more, or True) prints a line per model and origin with that origin's ``fit`` and
        ``predict`` seconds and the model's totals so far (which end as the table's
        ``fit_seconds`` and ``predict_seconds``); 2 or more also joblib's progress lines (on
        stderr) while local models of a library forecast many series. A negative value is a
        ValueError, as in scikit-learn.
    return_forecasts : bool, default False
        Also return the forecasts.
    sort_by : {"smape", "mase", "mae", "rmse"}, an msis column, or None, default "smape"
        The column the table's rows are sorted by, smallest first; None keeps the order of
        ``models``; with ``interval``, an msis column (``"msis_80"``) too, not a coverage
        column (the best coverage is the one nearest its level, not the smallest). Where test values are 0, forecast as 0 or with the other sign, sMAPE can rank
        models wrongly (a :class:`~skattn.exceptions.MetricWarning` says so): sort by MASE or
        MAE there.
    covariates : array-like or list of array-like, default None
        Series observed alongside the target, as :func:`skattn.make_windows` takes them: of shape
        (n_timesteps,) or (n_timesteps, n_covariates), one per series (a list for many series).
        The training windows then carry them as channels 1.., and every model forecasts from a
        2-D history (the target and the covariates up to the origin; the baselines read the
        target only). Covariates are past-only inputs: no model sees their values at the
        forecast steps (a covariate known in advance can be given shifted forward by the
        horizon, see :meth:`skattn.AttentionForecaster.forecast`). The windows are then 3-D,
        (n_windows, window, 1 + n_covariates): a regressor of 2-D ``X`` (Ridge) needs a step
        that flattens them first, e.g. ``make_pipeline(FunctionTransformer(lambda X:
        X.reshape(len(X), -1)), Ridge())``.
    interval : float in (0, 1), list of such floats, or None, default None
        Also score prediction intervals: the central intervals of this nominal coverage (0.8:
        from the quantiles 0.1 to 0.9), or of each of several (a flat list, ``[0.8, 0.95]``,
        from one fit of every model; an empty or nested one is a ValueError), read from every
        model's ``forecast_quantiles``, which each model must have, fitted with those quantiles
        among its ``quantiles_`` (AttentionForecaster with ``loss="pinball"``, the baselines,
        ``make_attention_ensemble`` with ``quantiles=``, or a Pipeline or search whose final
        estimator is one of them: see :class:`PredictForecaster`).
        Adds, per level, the columns ``coverage_80`` (the share of test values inside their
        intervals, to compare with 0.8) and ``msis_80`` (the M4 competition's mean scaled
        interval score, :func:`skattn.metrics.msis`, scaled like MASE; lower is better), and
        ``forecasts["__quantiles__"]``. The time of ``forecast_quantiles`` counts in
        ``predict_seconds``.
    sample_weight : callable, dict of model name -> callable, or None, default None
        Weights of the training windows at each origin, passed to the models' ``fit`` as
        ``sample_weight`` (one weight per window, scikit-learn's rule: a weight of k trains as
        the window given k times, 0 leaves it out), e.g. to weigh recent windows more. A
        callable is called before each weighted model's fit at every origin with one argument,
        ``index``: an int ndarray of shape (n_windows, 2), one row per training window in the
        order of the windows that fit gets, ``index[:, 0]`` the series' number (its position in
        ``series``) and ``index[:, 1]`` the window's age: the steps from its first target value
        to the origin (of that series: see Notes), so ``horizon`` for each series' newest
        complete window, ``horizon + step`` for the one before, and less than ``horizon`` (at
        least 1) for the windows past the origin that ``min_target`` adds. It returns one finite
        weight >= 0 per window (array-like of shape (n_windows,), not all 0): recency weighting
        is ``lambda index: 0.5 ** (index[:, 1] / 24)`` (half the weight 24 steps older), a
        weight per series ``lambda index: w[index[:, 0]]``. One callable weights every model;
        a dict weights only the models it names (the others are fitted unweighted; a value
        None leaves that model unweighted too). None: every window weighs alike. Models take
        weights as their ``fit`` does: :class:`~skattn.AttentionForecaster` and the
        ensembles and wrappers of it, a regressor whose ``fit`` takes ``sample_weight``
        (Ridge); a Pipeline or search passes them on as :class:`PredictForecaster` routes
        them (a Pipeline only with scikit-learn's metadata routing on, to the steps that
        request them). The baselines take none.

    Returns
    -------
    table : pandas.DataFrame, or dict of column -> list without pandas
        One row per model: ``model``, ``smape`` (percent) and ``mae`` (means over every series,
        origin and step), ``mase`` (the mean of each series' MASE at each origin), ``rmse``
        (pooled: the root of the mean squared error over every series, origin and step, not a
        mean of per-series RMSEs, so the two can rank models differently; MAE and RMSE in the
        series' units, so on a panel of series of different scales the largest dominate them,
        where sMAPE and MASE weigh every series alike); with ``interval`` a
        ``coverage_<level>`` and an ``msis_<level>`` column per level (``coverage_80``,
        ``msis_80``); then ``fit_seconds`` (wall time of ``fit``, summed over origins) and
        ``predict_seconds`` (time spent inside ``forecast``, and ``forecast_quantiles`` with
        ``interval``, summed over series and origins); see Notes
        for both. Sorted by ``sort_by``.
    forecasts : dict of name -> ndarray of shape (n_origins, n_series, horizon)
        Only with ``return_forecasts``; also ``forecasts["__truth__"]`` and
        ``forecasts["__origins__"]`` (origin positions, shape (n_origins, n_series)), and with
        ``interval`` ``forecasts["__quantiles__"]``: a dict of name -> (quantiles, ndarray of
        shape (n_origins, n_series, horizon, n_quantiles)), each model's ``quantiles_`` and
        its quantile forecasts (for :func:`skattn.metrics.quantile_loss`, or the bounds of
        any interval they hold).

    Raises
    ------
    ValueError
        On invalid parameters or series (a ``sort_by`` msis column of a level not among
        ``interval``'s names the levels), a search with ``refit=False`` (it keeps no
        ``best_estimator_`` to forecast with), a series too short for the origins (see Notes), every
        history repeating exactly every season (no forecast has a MASE), or a forecast of the
        wrong shape or holding NaN or infinity; with ``interval``, a model without
        ``forecast_quantiles`` (before any training) or whose fitted ``quantiles_`` lack the
        bounds (1 ± level) / 2, or quantile forecasts of the wrong shape, not finite or decreasing
        from one quantile level to the next. With
        ``sample_weight`` (before any training): a dict key that is no model's name, or a model
        weighted whose ``fit`` cannot take weights (a baseline, a Pipeline without metadata
        routing: pass a dict naming only the models that take them); at an origin, weights that
        are not one finite number >= 0 per window, or all 0 (naming the origin).
    Exception
        What a model's ``fit``, ``forecast`` or ``forecast_quantiles`` raises, of the same type
        (a ValueError if that
        type cannot be made from a message) with ``"model '<name>': "`` before its message,
        chained from it.

    Warns
    -----
    MetricWarning
        With ``sort_by="smape"``, when some test value is 0, forecast as 0, or of the other sign
        than a model's forecast of it: sMAPE counts 200 there however close the forecast, and
        can rank models wrongly. Also when a history before an origin repeats exactly every
        ``season_length`` steps (a constant series): its MASE is undefined and left out of the
        ``mase`` column (see Notes). Also when a history's MASE scale rests on fewer than 4
        seasonal differences other than 0 (a product launched just before the origin): its
        MASE can be many times any other's and decide the column, naming those series.
    UserWarning
        When every series has a pandas time index (a ``DatetimeIndex``, or a ``PeriodIndex``
        of one frequency) and they show the series ending at different times, so that some
        series' training parts reach past the start of another's hold-out (see Notes, "Series
        are aligned at their ends"): once per call, naming the earliest and the latest end,
        before any training. Not for arrays, lists or other indexes, which carry no dates.
    UserWarning
        When a model is or holds an estimator that :func:`~sklearn.base.clone` returns as it is,
        fitted, instead of as an unfitted copy (a :class:`~sklearn.frozen.FrozenEstimator`,
        alone or inside a Pipeline, a search or a :class:`PredictForecaster`): when it makes
        the model's forecasts (the model itself, the final step through Pipelines and
        searches, every member of an ensemble), the model is not refitted at the origins, but
        forecasts as it was fitted before the call, so its scores are honest only if it was
        fitted on no value at or after the earliest origin (a model pre-trained on other
        series, or on the values before the earliest origin, is fair to score; one fitted on
        the hold-out is scored on values it has seen). When it is a part only (a pre-fitted
        scaler before a refitted Ridge, one member of an ensemble), the warning says that part
        is not refitted and the rest is, with the same condition on that part (a scaler fitted
        on the hold-out passes it on to every forecast). Once per such model and call, naming
        the model and what is frozen, from the line that called backtest, before any training.
    Warning
        The models' own warnings, each distinct one (category and message) once per model and
        call, when the model is done (after its last origin, or its error), from where it was
        first raised; one raised more than once has a note of how often appended to its
        message, e.g. ``" (model 'attn': at all 14 origins)"`` for a ConvergenceWarning of every
        origin's fit, or ``" (model 'ets': 28 times, at all 14 origins)"`` for one of many
        series' forecasts (the times the filters let it through: under the default filter a
        warning repeated from one line within one origin counts once). The warning filters
        decide as the warnings are raised (an
        ``"error"`` filter raises the first one, named as any error of the model) and again
        when they are shown; a filter by message matches the message before the note.

    Notes
    -----
    A series must have at least ``horizon`` values plus ``season_length + 1`` of history before
    its earliest origin (so MASE is defined); otherwise a ValueError names it. A history that
    repeats exactly every ``season_length`` steps (a constant one: a discontinued product's
    zeros) has a seasonal-naive error of 0, so its forecast has no MASE: the ``mase`` column is
    the mean over the other forecasts, with a :class:`~skattn.exceptions.MetricWarning` naming
    such series, while ``smape``, ``mae`` and ``rmse`` count every series (a ValueError when no
    forecast has a MASE); with ``interval`` the ``msis`` columns leave them out too (no scale)
    and the ``coverage`` columns count them.

    **Series are aligned at their ends.** Arrays carry no dates, so each series' origins are
    counted back from its own last value (pandas series' too, whatever their indexes), and a
    global model fitted at an origin trains on every series' values before that series' own
    origin. If the series end at different dates, it can thus train on another series' values
    from dates later than a series' test period (a shock common to the panel, seen before it is
    forecast), which flatters its scores; local models see only their own history and are not
    affected. For a leak-free backtest of a global model on a panel, the series must share their
    last date, or be cut to a common end first (each at the earliest of their last dates).
    Pandas series whose time indexes end at different times are warned about (see Warns).

    **Searches.** A search (:class:`~sklearn.model_selection.GridSearchCV`, ...) is refitted at
    each origin on that origin's training windows, so its ``cv`` must not depend on the data it
    was built for: an :class:`OriginSplit` holds the ``index`` of one set of windows and refuses
    the others (so at least the earlier origins fail). Tune inside the backtest with a splitter
    that holds no index (:class:`~sklearn.model_selection.TimeSeriesSplit` with
    ``gap=horizon * n_series - 1``: a series' consecutive windows share ``horizon - 1`` targets,
    and :func:`~skattn.make_windows` puts the windows of many series that end equally far from
    their series' ends next to each other, up to ``n_series`` rows per step back; with a smaller
    gap validation targets are also training targets — ``horizon - 1`` alone left 24-42% of the
    validation windows of a 60-series panel sharing targets with training windows), or tune once
    on the data before the earliest origin and backtest ``search.best_estimator_``.

    **Timing.** ``predict_seconds`` counts the time spent inside each ``forecast`` call, timed
    in the process that runs it. For local models forecasting in parallel (``n_jobs``) it is
    thus summed over the workers, so it can exceed the wall time, and it leaves out the start-up
    of joblib's worker processes and their import of a model's library (which the wall time
    charged to the first local model run).
    ``fit_seconds`` is the wall time of the ``fit`` calls, and includes whatever a model does
    once per process in its first ``fit``: notably, the statsforecast-backed baselines
    (:class:`~skattn.baselines.ETSForecaster`, :class:`~skattn.baselines.ThetaForecaster`,
    :class:`~skattn.baselines.ARIMAForecaster`) import statsforecast in ``fit``, so the first
    of them to run (also inside an ensemble or another wrapper) is charged the import, about 0.3
    to 1.3 s where their ``fit`` otherwise takes under a millisecond, and the later ones are
    not. To compare their ``fit_seconds`` fairly, import the library before calling
    :func:`backtest`: ``import statsforecast.models`` (the module they use; ``import
    statsforecast`` alone does not load it).

    Examples
    --------
    The last two years of the airline series, forecast a year at a time by the seasonal naive
    forecast and by a Ridge regression on 24-month windows (wrapped in a
    :class:`PredictForecaster`):

    >>> from sklearn.linear_model import Ridge
    >>> from skattn.baselines import SeasonalNaiveForecaster
    >>> from skattn.datasets import load_airline
    >>> from skattn.model_selection import backtest
    >>> models = {"seasonal naive": SeasonalNaiveForecaster(season_length=12), "ridge": Ridge()}
    >>> table, forecasts = backtest(models, load_airline().series, horizon=12, window=24,
    ...                             season_length=12, n_origins=2, return_forecasts=True)
    >>> for name, smape_value, mase_value in zip(table["model"], table["smape"], table["mase"]):
    ...     print(f"{name}: sMAPE {smape_value:.2f}, MASE {mase_value:.3f}")
    ridge: sMAPE 3.11, MASE 0.445
    seasonal naive: sMAPE 11.17, MASE 1.614
    >>> forecasts["ridge"].shape  # (n_origins, n_series, horizon)
    (2, 1, 12)
    >>> forecasts["__origins__"].ravel()
    array([120, 132])

    The ridge again, its training windows weighted by age (``index[:, 1]``, the steps from a
    window's first target value to the origin): a window two years older weighs half as much.
    Here that does worse than weighing every window alike:

    >>> recent = backtest({"ridge": Ridge()}, load_airline().series, horizon=12, window=24,
    ...                   season_length=12, n_origins=2,
    ...                   sample_weight=lambda index: 0.5 ** (index[:, 1] / 24))
    >>> print(f"sMAPE {recent['smape'][0]:.2f}, MASE {recent['mase'][0]:.3f}")
    sMAPE 5.62, MASE 0.794
    """
    horizon, window, season_length, n_origins, step = (
        check_integer(name, value) for name, value in (
            ("horizon", horizon), ("window", window), ("season_length", season_length),
            ("n_origins", n_origins), ("step", step)))
    origin_step = check_integer("origin_step", horizon if origin_step is None else origin_step)
    # "yes" and 1 returned a tuple where a table was unpacked (fuzzing, session 23)
    return_forecasts = check_bool("return_forecasts", return_forecasts)
    # scikit-learn's rules and messages, as the estimators check theirs: n_jobs=0 was taken and
    # failed inside joblib only once a local model forecast, and verbose=-1 printed progress
    # (fuzzing, session 20)
    validate_parameter_constraints({"n_jobs": N_JOBS_CONSTRAINT, "verbose": ["verbose"]},
                                   {"n_jobs": n_jobs, "verbose": verbose}, caller_name="backtest")
    levels = _checked_levels(interval)
    added_columns = tuple(column for level in levels for column in interval_columns(level))
    sortable = METRIC_COLUMNS + tuple(column for column in added_columns
                                      if column.startswith("msis"))
    if sort_by is not None and (not isinstance(sort_by, str) or sort_by not in sortable):
        raise ValueError(f"sort_by must be one of {', '.join(map(repr, sortable))} or "
                         f"None, got {sort_by!r}" + _msis_sort_note(sort_by, levels))
    named = _named_models(models)
    # before any training: a model that cannot take the weights is named, not skipped
    weight_functions = _weight_functions(sample_weight, named)
    if levels:
        # before any training: the quantiles themselves are known only once a model is fitted
        for name, template, _ in named:
            if not hasattr(template, "forecast_quantiles"):
                # a regressor of windows is wrapped in a PredictForecaster: named as given
                given = template.estimator if isinstance(template, PredictForecaster) else template
                final = final_step(_window_model(given))
                # a Pipeline's or a search's own name does not say which step lacks them
                which = ("" if final is given else
                         f" (its final estimator, {type(final).__name__}, has no "
                         f"predict_quantiles)")
                raise ValueError(
                    f"model {name!r} ({type(given).__name__}) has no forecast_quantiles{which}: "
                    f"backtest(interval={_shown(levels)}) scores the intervals of models that "
                    "forecast "
                    "quantiles (AttentionForecaster with loss='pinball', the baselines with "
                    "quantiles=, their ensembles, or a Pipeline or search ending in one)")
    single = _is_single_series(series)
    series_list = [series] if single else list(series)
    if not series_list:
        raise ValueError("series is empty")
    # a panel's irregular time indexes in one TimeGapWarning, not one per series (10,000
    # series with a missing day printed 20,000 lines; scale trial, session 27)
    irregular = None if single else []
    arrays = [_as_series(s, "series" if single else f"series[{i}]", irregular=irregular,
                         number=i)
              for i, s in enumerate(series_list)]
    n_series = len(arrays)
    covariate_arrays = None
    if covariates is not None:
        # the energy user with a temperature-driven model had to write their own rolling loop
        # to compare it with the baselines (user trial, session 18)
        covariate_list = [covariates] if single else list(covariates)
        if len(covariate_list) != n_series:
            raise ValueError(f"covariates must give one array per series: {len(covariate_list)} "
                             f"arrays for {n_series} series")
        # None entries as make_windows reads them: every one None is no covariates, some None
        # an error saying so (backtest said "must have shape ... got ()"; covariates trial,
        # session 32)
        nones = [i for i, c in enumerate(covariate_list) if c is None]
        if nones and len(nones) < n_series:
            raise ValueError(
                f"covariates[{nones[0]}] is None: no covariates for that series, while "
                f"covariates[{next(i for i in range(n_series) if i not in nones)}] has some; "
                f"pass an array for every series, or covariates=None for none")
        if nones:
            covariates = None
    if covariates is not None:
        # before the frames become arrays, as make_windows checks them
        check_covariates_in_one_order(covariate_list)
        covariate_arrays = [
            _as_covariates(c, arrays[i].size, "covariates" if single else f"covariates[{i}]",
                           irregular=irregular, number=i, series=series_list[i],
                           what_series="series" if single else f"series[{i}]")
            for i, c in enumerate(covariate_list)]
    if irregular is not None:
        _warn_of_irregular(irregular, n_series)

    # origins[j, i]: position in series i of the first forecast value at origin j (earliest first)
    lengths = np.array([a.size for a in arrays])
    # in Python's integers, before any array of origins: origin_step=2**62 overflowed int64
    # (a negative "needs at least") and n_origins=10**12 allocated 7.28 TiB before the check
    # (fuzzing, session 28)
    needed = horizon + origin_step * (n_origins - 1) + season_length + 1
    if lengths.min() < needed:
        worst = int(np.argmin(lengths))
        too_short = np.flatnonzero(lengths < needed)
        # how many, and how to leave them out: one short series refused a panel of 60, and
        # the user had to find the others one error at a time (user trial, session 18)
        if single:
            others = f"; it needs at least {needed}: use fewer origins or a shorter horizon"
        else:
            # with covariates, the same series' covariates go too: filter by position
            have, them = ("has", "it") if too_short.size == 1 else ("have", "them")
            others = (f"; {too_short.size} of the {n_series} series {have} fewer than {needed} "
                      f"values (series {', '.join(map(str, too_short[:10]))}"
                      f"{', ...' if too_short.size > 10 else ''}): leave {them} out, e.g. keep = "
                      f"[i for i, s in enumerate(series) if len(s) >= {needed}] and pass "
                      f"[series[i] for i in keep] (and their covariates), or use fewer origins")
        raise ValueError(
            f"{'series' if single else f'series[{worst}]'} has {lengths[worst]} values: too "
            f"short for {n_origins} origin(s) of horizon {horizon} (step {origin_step}) with at "
            f"least season_length + 1 = {season_length + 1} values of history before the "
            f"earliest origin{others}"
        )
    back = horizon + origin_step * np.arange(n_origins)[::-1]  # (n_origins,)
    origins = lengths[None, :] - back[:, None]  # (n_origins, n_series)
    # the docs (Notes) said series ending at different dates flatter a global model, and
    # compare warned of it on a CSV file, but a panel of pandas series with the dates in their
    # indexes (one to 2019-12, one to 2016-12) was backtested without a word (user trial,
    # session 27). Read from the series as given: the arrays made of them have no index
    if not single:
        _warn_of_unaligned_ends(series_list, lengths, horizon)

    truth = np.stack([
        np.stack([arrays[i][origins[j, i]:origins[j, i] + horizon] for i in range(n_series)])
        for j in range(n_origins)
    ])  # (n_origins, n_series, horizon)
    scales = np.array([
        [_scale_of(arrays[i][:origins[j, i]], season_length, i, origins[j, i])
         for i in range(n_series)]
        for j in range(n_origins)
    ])  # (n_origins, n_series), NaN where the history is flat
    flat = np.isnan(scales)
    if flat.all():
        raise ValueError(_flat_histories_message(flat, n_series, n_origins, season_length)
                         + ": no forecast can be scored by MASE")
    if flat.any():
        # one discontinued product (all zeros) stopped the backtest of a whole panel, and the
        # user had to drop it by hand; its sMAPE, MAE and RMSE are still defined
        warnings.warn(
            _flat_histories_message(flat, n_series, n_origins, season_length)
            + (f"; the mase column is the mean over the other {int((~flat).sum())} forecasts, "
               "while smape, mae and rmse count every series" if not levels else
               f"; the mase and msis columns are the mean over the other {int((~flat).sum())} "
               "forecasts, while smape, mae, rmse and coverage count every series"),
            MetricWarning, stacklevel=2)

    _warn_of_scales_on_few_differences(arrays, origins, flat, season_length, bool(levels))

    # a model that clone() returns fitted (a FrozenEstimator) is not refitted at the origins:
    # one fitted on every window, hold-out included, scored sMAPE 0.000 without a word (user
    # trial, session 22). Warned, not refused: one pre-trained on other data is fair to score.
    # A kept part (a frozen scaler before a Ridge) is named as a part: the rest is refitted
    # (review, session 22)
    for name, _, given in named:
        kept = _kept_by_clone(given)
        if kept:
            warnings.warn(_kept_warning(name, given, kept, int(back[0])), UserWarning,
                          stacklevel=2)

    # a model whose optional library is missing failed at its first fit, after every model
    # listed before it had trained at every origin (core-only trial, session 26)
    for name, template, _ in named:
        try:
            require_libraries(template)
        except ImportError as exc:
            raise _naming_the_model(exc, name) from exc

    rows, all_forecasts, all_quantiles = [], {}, {}
    caller = current_caller()  # work run in other processes sends its warnings back here
    for name, template, _ in named:
        forecasts = np.empty((n_origins, n_series, horizon))
        quantile_forecasts = None  # (n_origins, n_series, horizon, Q) with interval
        fit_seconds = predict_seconds = 0.0
        # each distinct warning once for the model, with how often it came: its fit at every
        # origin printed an identical ConvergenceWarning 14 times a run (user trial, session 20)
        with _each_warning_once(name, n_origins) as tally:
            for j in range(n_origins):
                tally.origin = j
                histories = [arrays[i][:origins[j, i]] for i in range(n_series)]
                covariate_histories = None
                if covariate_arrays is not None:
                    covariate_histories = [covariate_arrays[i][:origins[j, i]]
                                           for i in range(n_series)]
                # a local model (a baseline) forecasts from each whole history, and its fit
                # reads the windows' shape only: the last window + horizon values of each
                # history give it the same model, where every window of 10,000 series was 38% of
                # a naive backtest, and 50,000 daily series of 500 were refused for 11.8 GiB of
                # windows they never read (scale trial, session 27)
                # (the windows past the end that min_target adds lie in those values too)
                kept = (window + horizon if is_local_model(template)
                        and name not in weight_functions else None)
                window_histories = histories if kept is None else [
                    history[-kept:] for history in histories]
                window_covariates = covariate_histories if (
                    kept is None or covariate_histories is None) else [
                    values[-kept:] for values in covariate_histories]
                with warnings.catch_warnings():
                    # windows of short histories are padded by the documented rule; that's
                    # expected here
                    warnings.simplefilter("ignore", UserWarning)
                    X, y, *index = make_windows(
                        window_histories if not single else window_histories[0], window,
                        horizon, step,
                        min_history=min_history, min_target=min_target,
                        covariates=(window_covariates if not single
                                    or window_covariates is None
                                    else window_covariates[0]),
                        return_index=name in weight_functions)
                fit_params = {}
                if name in weight_functions:
                    # (series number, age): the steps from the window's first target value to
                    # the origin, which is the length of that series' history here
                    index = index[0]
                    index[:, 1] = origins[j, index[:, 0]] - index[:, 1]
                    fit_params["sample_weight"] = _origin_weights(
                        weight_functions[name], index,
                        f"backtest's sample_weight"
                        f"{'' if callable(sample_weight) else f'[{name!r}]'} at origin {j + 1} "
                        f"of {n_origins} ({int(back[j])} values before each series' end)")
                if covariate_histories is not None:
                    # every model fitted on windows with covariates forecasts from the target and
                    # the covariates together, (n, 1 + n_covariates)
                    histories = [np.column_stack([history, covariate_history])
                                 for history, covariate_history
                                 in zip(histories, covariate_histories)]
                model = clone(template)
                started = time.perf_counter()
                try:
                    model.fit(X, y, **fit_params)
                except Exception as exc:
                    cause = _fit_failure_cause(exc, y, min_target, covariate_arrays is not None)
                    if cause:
                        raise ValueError(f"model {name!r}: {exc} ({cause})") from exc
                    raise _naming_the_model(exc, name) from exc
                origin_fit_seconds = time.perf_counter() - started
                fit_seconds += origin_fit_seconds
                bound_columns = _bound_columns(model, name, levels) if levels else None
                if levels and quantile_forecasts is None:
                    quantile_levels = np.asarray(model.quantiles_, dtype=np.float64)
                    quantile_forecasts = np.empty((n_origins, n_series, horizon,
                                                   quantile_levels.size))
                try:
                    if is_local_model(model) and n_series > 1 and _worth_a_pool(model):
                        # joblib reports progress as batches of series finish (to stderr) if verbose
                        # a worker's warnings (e.g. a baseline's BaselineFallbackWarning) were
                        # printed in the worker and lost to the caller; they are raised here now,
                        # and a failed forecast's error after every series' warnings
                        # (from verbose=2: compare's progress, verbose=1, printed joblib's line
                        # on stderr, the stream of its warnings and errors; fuzzing, session 32)
                        timed = collect(Parallel(n_jobs=n_jobs,
                                                 verbose=5 if verbose >= 2 else 0)(
                            delayed(call_recording_warnings)(caller, _forecast_one_in_a_worker,
                                                             model, history, horizon,
                                                             bool(levels))
                            for history in histories
                        ))
                    else:
                        timed = []
                        for i, history in enumerate(histories):
                            try:
                                timed.append(_forecast_one(model, history, horizon,
                                                           bool(levels)))
                            except NonFiniteForecastError as exc:
                                # where, as for a forecast returned with NaN (below)
                                raise ValueError(f"series {i} at origin {origins[j, i]}: "
                                                 f"{exc}") from exc
                except Exception as exc:  # a forecast that fails names its model too
                    raise _naming_the_model(exc, name) from exc
                outputs = [forecast for forecast, _, _ in timed]
                # the time spent inside forecast, not the wall time around Parallel: that held the
                # pool's start-up, paid by the first local model of a process (150x a naive
                # forecast)
                origin_predict_seconds = sum(seconds for _, _, seconds in timed)
                predict_seconds += origin_predict_seconds
                for i, out in enumerate(outputs):
                    if out.shape != (horizon,):
                        raise ValueError(
                            f"model {name!r} returned an invalid forecast for series {i} at origin "
                            f"{origins[j, i]}: expected {horizon} values, got shape {out.shape}"
                        )
                    if not np.all(np.isfinite(out)):
                        raise ValueError(
                            f"model {name!r} returned an invalid forecast for series {i} at origin "
                            f"{origins[j, i]}: it holds NaN or infinity ({out.tolist()})"
                        )
                    forecasts[j, i] = out
                    if levels:
                        quantiles = timed[i][1]  # (horizon, Q)
                        expected = quantile_forecasts.shape[2:]
                        if quantiles.shape != expected or not np.all(np.isfinite(quantiles)):
                            raise ValueError(
                                f"model {name!r} returned invalid quantiles for series {i} at "
                                f"origin {origins[j, i]}: expected finite values of shape "
                                f"{expected}, got {quantiles.tolist()}")
                        crossed = np.diff(quantiles, axis=-1) < 0  # (horizon, Q - 1)
                        if crossed.any():
                            # found only after every origin, by coverage, as "y_lower must not
                            # exceed y_upper ... were the bounds given in the wrong order?",
                            # naming no model (review, session 31)
                            step, k = (int(v) for v in np.argwhere(crossed)[0])
                            raise ValueError(
                                f"model {name!r} returned invalid quantiles for series {i} at "
                                f"origin {origins[j, i]}: they must not decrease from one "
                                f"quantile level to the next ({quantile_levels.tolist()}), but "
                                f"at step {step + 1} the {quantile_levels[k]:g} quantile is "
                                f"{quantiles[step, k]:.6g} and the {quantile_levels[k + 1]:g} "
                                f"{quantiles[step, k + 1]:.6g}")
                        quantile_forecasts[j, i] = quantiles
                if verbose:
                    # this origin's own times, then the running totals that end up in the table
                    # (printed alone, the totals read as per-origin times)
                    print(f"[backtest] {name}: origin {j + 1}/{n_origins}, {n_series} series, "
                          f"fit {origin_fit_seconds:.2f} s, predict {origin_predict_seconds:.2f} s "
                          f"(total so far: fit {fit_seconds:.2f} s, "
                          f"predict {predict_seconds:.2f} s)", flush=True)
        row = {
            "model": name,
            # without smape's own MetricWarning: the table's, below, says it once for all models
            "smape": _smape(truth, forecasts),
            "mase": _mase_column(truth, forecasts, flat, scales, arrays, origins,
                                 season_length),
            "mae": _mae(truth, forecasts, remedy=_SERIES_REMEDY),
            "rmse": _rmse(truth, forecasts, remedy=_SERIES_REMEDY),
        }
        if levels:
            # MSIS over the forecasts that have a MASE (flat histories have no scale either)
            scored = np.argwhere(~flat)  # (k, 2): origin, series
            histories = [arrays[i][:origins[j, i]] for j, i in scored]
            for level, (low, high) in zip(levels, bound_columns):
                lower, upper = quantile_forecasts[..., low], quantile_forecasts[..., high]
                coverage_column, msis_column = interval_columns(level)
                row[coverage_column] = coverage(truth, lower, upper)
                row[msis_column] = msis(truth[~flat], lower[~flat], upper[~flat], histories,
                                        season_length, alpha=1 - level)
            all_quantiles[name] = (quantile_levels, quantile_forecasts)
        rows.append({**row, "fit_seconds": fit_seconds, "predict_seconds": predict_seconds})
        all_forecasts[name] = forecasts

    if sort_by == "smape":
        _warn_if_smape_misleads(truth, all_forecasts)
    if sort_by is not None:
        rows.sort(key=lambda row: row[sort_by])
    table = _make_table(rows, added_columns)
    if not return_forecasts:
        return table
    all_forecasts["__truth__"] = truth
    all_forecasts["__origins__"] = origins
    if levels:
        all_forecasts["__quantiles__"] = all_quantiles
    return table, all_forecasts


#: what to do about a MAE or RMSE of backtest's beyond float64's range (it has no y_true)
_SERIES_REMEDY = "divide the series by a constant first"


def _worth_a_pool(model):
    """Whether a local model's forecasts over many series go to joblib (a process pool with
    ``n_jobs`` > 1, or joblib's ``parallel_config``).

    Not for the NumPy baselines (a model whose ``_needs_library`` is False: the naive and
    seasonal naive forecasts), which take microseconds a series: the pool's start-up, worker
    processes that import skattn, cost 8.7 s of wall time where forecasting 4 series at 4
    origins in the calling process took 0.03 s (user trial, session 20). Their values are the
    same either way. The statsforecast models, and local models that do not say, keep it.
    """
    return getattr(model, "_needs_library", True) is not False


def _mase_column(truth, forecasts, flat, scales, arrays, origins, season_length):
    """The table's mase: the mean over the forecasts with a scale (``~flat``) of their MAE over
    it. The plain formula, unless an error, a MAE or the mean leaves float64's range (a forecast
    of -1.7e308 for 1.7e308 made it inf, with an overflow warning; fuzzing, session 20): then
    :func:`skattn.metrics.mase` of the same forecasts and histories, which scales by powers of
    two."""
    with np.errstate(over="ignore", invalid="ignore"):
        errors = np.abs(forecasts - truth)  # (n_origins, n_series, horizon)
        value = float(np.mean(errors.mean(axis=2)[~flat] / scales[~flat]))
    if np.isfinite(value):
        return value
    scored = np.argwhere(~flat)  # (k, 2): origin, series
    histories = [arrays[i][:origins[j, i]] for j, i in scored]
    return mase(truth[~flat], forecasts[~flat], histories, season_length)


def _warn_if_smape_misleads(truth, forecasts):
    """MetricWarning when some test value is 0, forecast as 0, or of the other sign than a
    model's forecast of it (0 forecast as 0 aside): its sMAPE term is then 200 however close
    the forecast. ``truth`` (n_origins, n_series,
    horizon), ``forecasts`` name -> an array of that shape."""
    # net load with solar: seasonal naive ranked first by sMAPE (20.03 against 21.01) with 1.7
    # times attention's MAE, decided by one series crossing zero (user trial, session 18). Series
    # below zero throughout are fine (the first version warned there; review, session 18)
    # a forecast of exactly 0 counts 200 too (an intermittent-demand model forecasting 0 ranked
    # below one forecasting 1.0 for values of 0.015; second review); 0 forecast as 0 counts 0
    misled = np.zeros(truth.shape, dtype=bool)
    by_model = {}  # name -> how many of its forecasts count 200
    for name, forecast in forecasts.items():
        of_model = (np.sign(truth) * np.sign(forecast) <= 0) & ((truth != 0) | (forecast != 0))
        by_model[name] = int(np.count_nonzero(of_model))
        misled |= of_model
    count = int(np.count_nonzero(misled))
    if count:
        # which models, how often: "19 of the 2072" did not say that 16 were ARIMA's and 3
        # ETS's, so whether the ranking was affected (user trial, session 24)
        named = sorted((name for name in by_model if by_model[name]),
                       key=lambda name: -by_model[name])
        spared = len(by_model) - len(named)
        models = "; ".join(f"{name}: {by_model[name]}" for name in named)
        if spared:
            models += f"; the other {spared} model{'s' if spared > 1 else ''}: none"
        warnings.warn(
            f"{count} of the {truth.size} test values are 0, forecast as 0, or of the other "
            f"sign than a model's forecast of them ({models}): sMAPE (200 |y - f| / (|y| + "
            f"|f|)) counts 200 there "
            f"however close the forecast, so the table sorted by sMAPE can rank models wrongly; "
            f"sort it by MASE or MAE (sort_by='mase'; in python -m skattn compare, --sort-by "
            f"mase)",
            MetricWarning,
            stacklevel=3,
        )


def _make_table(rows, added_columns=()):
    columns = TABLE_COLUMNS[:5] + tuple(added_columns) + TABLE_COLUMNS[5:]  # after rmse
    try:
        import pandas as pd
    except ImportError:
        return {column: [row[column] for row in rows] for column in columns}
    return pd.DataFrame(rows, columns=list(columns))


def format_table(table, floatfmt=".3f"):
    """A backtest table as a Markdown table (works with or without pandas).

    Parameters
    ----------
    table : pandas.DataFrame or dict of column -> list
        A table as :func:`backtest` returns it: one entry per column, the columns of equal length.
    floatfmt : str, default=".3f"
        Format specification (for :func:`format`) of the float cells; the other cells are written
        with ``str``. A fixed-point format (ending in ``f``) writes cells of magnitude 1e10 and
        more, and cells other than 0 that it would round to 0, in exponent notation with as
        many decimals.

    Returns
    -------
    str
        The Markdown table: a header row of the column names, a separator row and one row per
        table row, joined by newlines (no trailing newline).

    Examples
    --------
    >>> from skattn.model_selection import format_table
    >>> table = {"model": ["seasonal naive", "naive"], "smape": [11.1666, 19.3556],
    ...          "mase": [1.6137, 2.8463]}
    >>> print(format_table(table))
    | model | smape | mase |
    |---|---|---|
    | seasonal naive | 11.167 | 1.614 |
    | naive | 19.356 | 2.846 |
    >>> print(format_table(table, floatfmt=".1f").splitlines()[-1])
    | naive | 19.4 | 2.8 |
    >>> print(format_table({"model": ["diverged"], "mase": [2.5e300]}).splitlines()[-1])
    | diverged | 2.500e+300 |
    """
    if hasattr(table, "to_dict"):
        columns = {column: list(table[column]) for column in table.columns}
    else:
        try:
            columns = {name: list(values) for name, values in dict(table).items()}
        except (TypeError, ValueError):
            raise ValueError("table must be a DataFrame or a dict of column name -> list of "
                             f"values, got {type(table).__name__}") from None
    if not columns:  # a header of no column was "|  |" over "||"
        raise ValueError("table has no column")
    names = list(columns)
    n_rows = len(columns[names[0]])
    if any(len(values) != n_rows for values in columns.values()):
        lengths = {name: len(values) for name, values in columns.items()}
        raise ValueError(f"the columns of table must have equal lengths, got {lengths}")
    # str(): a DataFrame's columns may be numbers
    lines = ["| " + " | ".join(map(str, names)) + " |",
             "|" + "|".join("---" for _ in names) + "|"]
    for r in range(n_rows):
        cells = []
        for name in names:
            value = columns[name][r]
            cells.append(_format_float(value, floatfmt)
                         if isinstance(value, (float, np.floating)) else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: fixed-point cells from this magnitude on are written in exponent notation
_EXPONENT_FROM = 1e10


def _format_float(value, floatfmt):
    # a fixed-point format writes every digit of a large value (a diverged model's MASE of 1e300
    # was a 300-digit cell); from 1e10 on, the same number of decimals in exponent notation
    text = format(value, floatfmt)
    # judged on the cell as written: 9999999999.9996 rounds to an 11-digit 10000000000.000
    # (read without the grouping characters a format such as ",.2f" writes; review, session 30)
    if floatfmt.endswith("f") and np.isfinite(value):
        written = abs(float(text.replace(",", "").replace("_", "")))
        # and a value other than 0 that rounds to 0: the MAE of data at 5e-6 read 0.000 for
        # every model, which --sort-by mae then ranked unseen (fuzzing, session 32)
        if written >= _EXPONENT_FROM or (written == 0 and value != 0):
            text = format(value, floatfmt[:-1] + "e")
    return text


#: OriginSplit's bound on its index's positions: make_windows gives positions in a series held in
#: memory, far below it, and floats above it are not exact integers
_LARGEST_POSITION = 2**53


class OriginSplit:
    """Cross-validation over windows of many series, split at forecast origins like :func:`backtest`.

    For windows made by ``make_windows(series, window, horizon, return_index=True)``, each split
    holds out, in every series, the window whose target starts at that series' origin, and trains
    on the windows whose whole target lies before that origin. The last origin leaves exactly
    ``horizon`` values after it (the usual hold-out); earlier ones step back by ``origin_step``.
    Splits come oldest origin first. So a search (:class:`~sklearn.model_selection.GridSearchCV`,
    :class:`~sklearn.model_selection.RandomizedSearchCV`) scores each candidate the way the
    model will be used: forecasting the next ``horizon`` values of every series from its end,
    without ever training on a value it is scored on. With windows that run past a series' end
    (``make_windows(..., min_target=...)``, NaN targets), pass ``y`` to :meth:`split` (the searches
    do): the origins are then placed by the complete windows, and only complete windows are
    validated on.

    **Give the horizon the windows were made with; pass y to check it.** The splitter trains on
    the windows whose target ends ``horizon`` values after it starts, at the latest at the
    origin. Only ``y`` tells how long the targets are: :meth:`split` checks ``horizon``
    against ``y``'s columns (the searches, ``cross_validate`` and ``cross_val_score`` pass
    ``y``), but ``split(X)`` alone cannot. Neither ``index`` (where each target starts) nor
    ``X`` (the values before it) holds a target's length, and the newest target of a series
    is in no window of ``X``. A ``horizon`` shorter than the windows' then trains on windows
    whose targets reach into the validation values: ``OriginSplit(index, 1).split(X)`` on
    windows of horizon 3 trains on targets 26-28 and validates on 27-29, without an error (user
    trial, session 20). A longer one only leaves training windows out.

    Parameters
    ----------
    index : array-like of shape (n_samples, 2)
        The ``index`` returned by :func:`skattn.make_windows` with ``return_index=True``:
        (series number, position of the first target value) of each row; integers (floats
        only of whole numbers), not negative, the positions below 2**53.
    horizon : int
        The ``horizon`` the windows were made with. A ``y`` given to :meth:`split` must have
        that many values per window (1-D for horizon 1, as ``make_windows`` returns it); without
        ``y`` it cannot be checked, and a shorter horizon leaks (see above).
    n_origins : int, default=1
        Number of splits.
    origin_step : int or None, default=None
        Distance between origins; None means ``horizon`` (non-overlapping validation targets).
        With windows made with ``make_windows(..., step=s)``, a multiple of ``s``: the windows'
        targets start only every ``s`` values, so other origins have no window to validate on.

    Notes
    -----
    **On one series, give a scorer: R^2 is not defined.** Each split validates one window per
    series, so on ONE series every split has a single validation window, on which R^2, a
    search's default (``score``), is not defined: every candidate scores NaN (with a warning)
    and ``best_params_`` is an arbitrary one of them. Pass ``scoring=``, e.g.
    :func:`~skattn.metrics.make_mase_scorer` or ``skattn.metrics.neg_mae_scorer``, which are
    defined on one window.

    **Series are aligned at their ends.** Windows carry no dates, so each series' origins are
    counted back from its own last window, as :func:`backtest` counts them. If the series end
    at different dates, a split can train on another series' values from dates later than a
    series' validation values. For a leak-free search over a panel, the series must share their
    last date, or be cut to a common end first.

    **Short series drop out of the earlier splits.** A series is validated at an origin only if
    ``make_windows`` cut a window whose target starts there: with full histories, it needs
    ``window + horizon + k * origin_step`` values for the origin ``k`` steps before the last. A
    shorter series is left out of that split's validation, without a warning (it still trains
    where it has windows), so earlier splits score fewer series than later ones, whereas
    :func:`backtest`, which pads the histories it forecasts from, scores every series at every
    origin. To keep them, cut the windows with ``make_windows(..., min_history=m)``: a series
    then has a (left-padded) window at every origin with at least ``m`` values before it. Do not
    score such windows with :func:`~skattn.metrics.make_mase_scorer`, which scales each forecast
    by the seasonal-naive error of its window: the padding (copies of the series' first value)
    enters that scale and, for a short history, can make its MASE many times too large and
    dominate the split's score. Score them with a scorer that reads no history
    (``neg_smape_scorer``, ``neg_mae_scorer``), or leave out ``min_history`` and the series
    shorter than ``window + horizon`` (plain ``make_windows`` pads those too) when searching by
    MASE (see :func:`~skattn.metrics.make_mase_scorer`).

    **One set of windows.** The ``index`` fixes the windows that an OriginSplit splits; it
    refuses a different number of windows (and cannot tell other windows of the same number
    from its own). A search refitted on other windows (as :func:`backtest` refits it at each
    origin) needs a splitter that holds no index, such as
    :class:`~sklearn.model_selection.TimeSeriesSplit` with ``gap=horizon * n_series - 1`` (so
    that no validation target is a training target: up to ``n_series`` windows of different
    series share each step back from the series' ends; ``horizon - 1`` for one series).

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import make_windows
    >>> from skattn.model_selection import OriginSplit
    >>> X, y, index = make_windows([np.arange(20.0), np.arange(15.0)], window=4, horizon=3,
    ...                            return_index=True)
    >>> [(len(train), len(val)) for train, val in OriginSplit(index, 3, n_origins=2).split(X)]
    [(11, 2), (17, 2)]

    Its repr shows the parameters, with the index (a row per window) summarised:

    >>> OriginSplit(index, 3, n_origins=2)
    OriginSplit(index=<23 windows of 2 series>, horizon=3, n_origins=2, origin_step=None)
    """

    def __init__(self, index, horizon, n_origins=1, origin_step=None):
        self.index = index
        self.horizon = horizon
        self.n_origins = n_origins
        self.origin_step = origin_step

    def __repr__(self):
        # the parameters, as scikit-learn's splitters print theirs (a search's repr shows its
        # cv by this), in the order of the signature; the index has a row per window, so it is
        # summarised by what identifies it (the windows and series it describes)
        return (f"{type(self).__name__}(index={self._index_summary()}, "
                f"horizon={self.horizon!r}, n_origins={self.n_origins!r}, "
                f"origin_step={self.origin_step!r})")

    def _index_summary(self):
        """``index`` as ``<n windows of k series>``; any other value (the index is checked
        only when splitting) by its type and shape, so the repr never fails."""
        try:
            index = np.asarray(self.index)
        except Exception:  # noqa: BLE001 -- a repr must not raise, whatever index is
            return f"<{type(self.index).__name__}>"
        if index.ndim == 0:  # None, a number, a string: short enough to show (reprlib caps it)
            return reprlib.repr(self.index)
        if index.ndim == 2 and index.shape[1] == 2 and index.dtype.kind in "iuf":
            n_series = np.unique(index[:, 0]).size
            return (f"<{index.shape[0]} window{'s' if index.shape[0] != 1 else ''} of "
                    f"{n_series} series>")
        return f"<{type(self.index).__name__} of shape {index.shape}>"

    def _checked(self):
        index = np.asarray(self.index)
        if index.ndim != 2 or index.shape[1] != 2 or index.shape[0] == 0:
            raise ValueError(
                "index must be the (n_samples, 2) array of make_windows(..., return_index=True), "
                f"got shape {index.shape}"
            )
        for name, value in (("horizon", self.horizon), ("n_origins", self.n_origins)):
            check_integer(name, value)
        origin_step = check_integer(
            "origin_step", self.horizon if self.origin_step is None else self.origin_step)
        if index.dtype.kind == "O":  # Python numbers in an object array: their own dtype
            index = np.asarray(index.tolist())
        # integers, as make_windows gives them; a float index is accepted only if it holds
        # whole numbers (a NaN cast to int became an arbitrary series number). Text was compared
        # with 0 by NumPy (UFuncTypeError), and bools were read as the series 0 and 1 at the
        # positions 0 and 1: "leaves no training window" (fuzzing, session 20)
        if index.dtype.kind not in "iuf":
            raise ValueError(
                "index must be the integer (n_samples, 2) array of make_windows(..., "
                f"return_index=True), (series number, position) of each window; got dtype "
                f"{index.dtype}")
        if index.dtype.kind == "f":
            if not np.all(np.isfinite(index)) or np.any(index != np.round(index)):
                raise ValueError("index must hold whole numbers (series, position); it holds "
                                 "NaN, infinity or fractions")
        if np.any(index < 0):
            raise ValueError("index must hold numbers >= 0 (series, position)")
        # a position make_windows cannot give (a series of 2**53 values would not fit in
        # memory), or a series number beyond NumPy's integers: 1e300 was cast to an arbitrary
        # integer, with a RuntimeWarning (fuzzing, session 20). Series may be numbered as
        # sparsely as the integers allow
        positions, numbers = index[:, 1], index[:, 0]
        if np.any(positions >= _LARGEST_POSITION):
            raise ValueError(
                f"index must hold make_windows' positions (its second column), below 2**53; "
                f"it holds {float(positions.max()):.3g}")
        too_large = {"u": lambda: np.any(numbers > np.iinfo(np.intp).max),  # wrapped around
                     "f": lambda: np.any(numbers >= 2.0**63)}.get(index.dtype.kind)
        if too_large is not None and too_large():
            raise ValueError(
                f"index must hold series numbers (its first column) below 2**63; it holds "
                f"{float(numbers.max()):.3g}")
        index = index.astype(np.intp)
        # the earliest origin lies before every window's target: no split can be made, and
        # back * origin_step did not fit NumPy's integers (origin_step=2**63 was an
        # OverflowError; fuzzing, session 20). Checked in Python's integers
        reach = (self.n_origins - 1) * origin_step
        latest = int(index[:, 1].max())
        if reach > latest:
            raise ValueError(
                f"the earliest of n_origins={self.n_origins} origins, origin_step={origin_step} "
                f"times {self.n_origins - 1} = {reach} values before each series' last window, "
                f"lies before every window's target (the latest starts at position {latest}): "
                "it leaves no validation window; use fewer origins or a smaller origin_step")
        return index, origin_step

    @staticmethod
    def _other_windows_message(name, n_rows, n_windows):
        # the usual cause is a search with this splitter refitted on other windows (backtest
        # refits it at each origin), where a bare count mismatch said nothing of what to do
        return (
            f"OriginSplit was built for {n_windows} windows (its index, from make_windows(..., "
            f"return_index=True)) but split was given {n_rows} ({name} has {n_rows} rows): an "
            "OriginSplit describes one set of windows and splits no other. "
            "Inside backtest, which refits a search on each origin's training windows, tune "
            "with a splitter that holds no index (e.g. TimeSeriesSplit(gap=horizon * "
            "n_series - 1), which keeps validation targets out of training), or "
            "tune once on the data before the earliest origin and backtest "
            "search.best_estimator_"
        )

    def _misaligned_message(self, index_series, start, last_start, back, origin_step):
        """The error for an origin that no window starts at because make_windows' ``step`` does
        not divide ``origin_step``, or None when that is not the cause."""
        # make_windows lays each series' windows out every `step` values back from its newest
        # one, so the offsets of the windows from their series' newest complete window are
        # multiples of step, and step itself where a series has two windows: their gcd is step
        has_complete = last_start[index_series] != np.iinfo(np.intp).min
        offsets = np.abs(start[has_complete] - last_start[index_series[has_complete]])
        spacing = int(np.gcd.reduce(offsets)) if offsets.size else 0
        if spacing <= 1 or (back * origin_step) % spacing == 0:
            return None  # one window per series (no step to read), or the origin is on the grid
        given = " (the horizon, as origin_step is None)" if self.origin_step is None else ""
        return (
            f"origin_step={origin_step}{given} is not a multiple of the windows' step={spacing} "
            f"(make_windows(..., step={spacing}) starts their targets {spacing} values apart), "
            f"so no window starts its target at the origin {back * origin_step} values before "
            "the last one and it has no validation window; make the windows with a step that "
            f"divides origin_step (step=1 always does), or pass an origin_step that is a "
            f"multiple of {spacing}"
        )

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of splits, ``n_origins``.

        Parameters
        ----------
        X, y, groups : ignored
            Present for scikit-learn's splitter API; the number of splits does not depend on them.

        Returns
        -------
        int
            ``n_origins``.

        Raises
        ------
        ValueError
            When the splitter's parameters are invalid (checked as :meth:`split` checks them).
        """
        self._checked()
        return self.n_origins

    def split(self, X=None, y=None, groups=None):
        """Yield ``(train, validation)`` row indices, oldest origin first.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), optional
            The windows; only their number is checked against ``index``.
        y : array-like of shape (n_samples,) or (n_samples, horizon), optional
            The targets, ``horizon`` values per window: 1-D only when ``horizon`` is 1 (as
            ``make_windows`` returns them), else 2-D with ``horizon`` columns. Rows with a NaN
            (the windows past a series' end that ``make_windows(..., min_target=...)`` cuts; a
            masked entry of a masked array is one) neither place an origin nor are validated on; their targets overlap every origin's
            validation values, so they are never trained on either. Without ``y`` every row
            counts as complete, and ``horizon`` is not checked: a horizon shorter than the
            windows' trains on targets that overlap the validation values (see the class
            docstring). Pass ``y`` wherever you have it.
        groups : ignored
            Present for scikit-learn's splitter API.

        Yields
        ------
        train, validation : ndarray of int
            Row positions of the training and of the validation windows of one origin.

        Raises
        ------
        ValueError
            When the parameters are invalid (``index`` not an (n, 2) array of whole numbers
            >= 0, positions below 2**53; the earliest origin before every window's target),
            ``X`` or ``y`` has another number of rows than ``index``, a 2-D ``y`` has other than
            ``horizon`` columns, ``y`` is 1-D while ``horizon`` is not 1, or an origin leaves no
            training or no validation window (naming ``step`` and ``origin_step`` when the
            windows' step skips the origin).
        """
        index, origin_step = self._checked()
        if X is not None and not (hasattr(X, "__len__") or hasattr(X, "shape")):
            raise ValueError(f"X must be the windows (array-like), got {type(X).__name__}")
        # scikit-learn's count of rows: a sparse X has no len() (a TypeError until session 30;
        # TimeSeriesSplit takes it)
        n_rows = None if X is None else _num_samples(X)
        if n_rows is not None and n_rows != index.shape[0]:
            raise ValueError(self._other_windows_message("X", n_rows, index.shape[0]))
        complete = np.ones(index.shape[0], dtype=bool)  # (n,) rows whose target is all there
        if y is not None:
            # a masked entry as NaN, a target not observed: its fill value beneath the mask
            # made the row complete, and moved the origins (review, session 23)
            # text refused by name, as everywhere (NumPy converted "1.5" and raised its own
            # error on "a"; review, session 30)
            y = as_float64(y, "y")
            # a y of any other shape has no per-window width to check against the horizon
            if y.ndim not in (1, 2):
                raise ValueError(
                    f"y must be 1-D (horizon 1) or 2-D (n_windows, horizon), got an array of "
                    f"shape {y.shape}"
                )
            if y.shape[0] != index.shape[0]:
                raise ValueError(self._other_windows_message("y", y.shape[0], index.shape[0]))
            # training rows are those whose target ends `horizon` steps after its start: longer
            # targets than that reach into the validation values (leakage), shorter ones lose
            # training rows. A 1-D y is one value per window (make_windows gives it for horizon
            # 1 only), so it is held to the same rule as a 2-D y of one column
            if y.ndim == 1 and self.horizon != 1:
                raise ValueError(
                    f"y is 1-D (1 value per window, the targets of horizon 1) but OriginSplit "
                    f"has horizon={self.horizon}: pass the horizon the windows were made with"
                )
            if y.ndim == 2 and y.shape[1] != self.horizon:
                raise ValueError(
                    f"y has {y.shape[1]} values per window but OriginSplit has horizon="
                    f"{self.horizon}: pass the horizon the windows were made with"
                )
            complete = ~np.isnan(y.reshape(y.shape[0], -1)).any(axis=1)
        # series numbered 0.. by order of their numbers: a table indexed by the numbers as given
        # took memory in proportion to the largest (a series numbered 10**12 asked for 7 TiB)
        series = np.unique(index[:, 0], return_inverse=True)[1].reshape(-1)  # (n,)
        start = index[:, 1]  # (n,)
        # the most recent complete window of a series (make_windows always cuts it) starts its
        # last full target
        last_start = np.full(series.max() + 1, np.iinfo(np.intp).min)
        np.maximum.at(last_start, series[complete], start[complete])
        # a series with no complete window places no origin and is neither trained nor validated
        # on: its marker, the smallest integer, less back * origin_step wrapped around to the
        # largest, and every row of the series was trained on, NaN targets and all, at every
        # origin but the last (fuzzing, session 20)
        placed = last_start[series] != np.iinfo(np.intp).min  # (n,)
        for back in range(self.n_origins - 1, -1, -1):
            # (n,) this split's origin per row; -1 (before every target) where none is placed
            origin = np.where(placed, last_start[series] - back * origin_step, -1)
            validation = np.flatnonzero((start == origin) & complete)
            train = np.flatnonzero(start + self.horizon <= origin)
            if validation.size == 0:
                # a step that skips the origin, not the series' lengths, is then to blame
                misaligned = self._misaligned_message(series, start, last_start, back,
                                                      origin_step)
                if misaligned is not None:
                    raise ValueError(misaligned)
            if validation.size == 0 or train.size == 0:
                # named by its distance from the last origin (it said "origin 3 horizon(s) of 4
                # back" for origin_step 4 and horizon 3), and at the last origin, which fewer
                # origins cannot move, the horizon is what to shorten (review, session 30)
                where = ("the last origin" if back == 0 else
                         f"the origin {back * origin_step} values before the last")
                remedy = ("a shorter horizon or window, or longer series" if back == 0 else
                          "fewer origins, a smaller origin_step or a shorter window")
                raise ValueError(
                    f"{where} (horizon {self.horizon}) leaves no "
                    f"{'validation' if validation.size == 0 else 'training'} window; use "
                    f"{remedy}"
                )
            yield train, validation
