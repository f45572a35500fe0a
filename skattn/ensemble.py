"""Ensembles of window forecasters, built on scikit-learn's VotingRegressor.

Averaging models that differ in their window, loss or seed is the cheapest accuracy there is in
forecasting (N-BEATS's M3/M4 results come from a median of 180 models). :class:`ForecastEnsemble`
makes such an ensemble ONE estimator: it fits its members on the same windows, predicts their
median (or weighted mean), and forecasts a series like any model of the package.
:class:`LastSteps` lets a member read only the most recent steps of the windows, so members with
different history lengths share one ``X``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.ensemble import VotingRegressor
from sklearn.ensemble._voting import _BaseVoting
from sklearn.utils._param_validation import StrOptions
from sklearn.utils import Bunch
from sklearn.utils._set_output import _get_output_config, _wrap_data_with_container
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.validation import (_check_feature_names_in, _num_samples, check_array,
                                      check_is_fitted)

from ._persistence import StampsVersionWhenPickled
from ._stacklevel import stacklevel_of_caller
from ._validation import (N_JOBS_CONSTRAINT, ForgetsWarningsWhenPickled, IntegerInterval,
                          MissingTargetsScoreMixin, NonFiniteForecastError, _non_finite_value,
                          _reach, _read_through, _scale_remedy, _where, as_history,
                          as_model_windows, discard_fitted_attributes,
                          check_finite_forecasts, check_steps,
                          check_is_fitted_without_tags, check_targets_with_missing,
                          declared_tags,
                          checked_fit_params, fitted_quantiles, forecast_quantiles_of,
                          forecast_with_predict, naming, non_number_entries, noting_masked_inputs,
                          quantile_forecasts, raise_in_windows_words,
                          recursive_forecast, refuse_non_windows,
                          refuse_sparse_frames, require_libraries,
                          shown_entries, shown_quantiles, takes_three_d, target_tags_of,
                          training_reach, unmasked_windows, validate_windows, within,
                          window_channels)
from ._worker_warnings import (attributed_to, call_recording_warnings, collect, current_caller,
                               each_warning_once)
from ._zero_width import (members_of_an_ensemble, report_to_ensemble, windows_get,
                          zero_width_rows)
from .windows import check_future_covariates, masked_as_missing, masked_note
from .exceptions import ZeroWidthIntervalWarning

__all__ = ["ForecastEnsemble", "LastSteps"]


def _two_d_unless_default_output(transformer, result):
    """``result``, or a ValueError if it is 3-D (windows with covariates, or several values per
    window) and ``set_output`` asked for a DataFrame, which pandas would refuse obscurely."""
    container = _get_output_config("transform", transformer)["dense"]
    if result.ndim == 3 and container != "default":
        raise ValueError(
            f"{type(transformer).__name__}.transform gives a 3-D array here, shape "
            f"{result.shape}, which cannot be a {container} DataFrame; use "
            f"set_output(transform='default') for 3-D output"
        )
    return result


def _output_set_on(transformer):
    """The container ``set_output(transform=...)`` asked ``transformer`` for, or None when it
    follows the global ``sklearn.set_config(transform_output=...)``."""
    return getattr(transformer, "_sklearn_output_config", {}).get("transform")


class LastSteps(StampsVersionWhenPickled, TransformerMixin, BaseEstimator):
    """Keep the last ``n_steps`` time steps of each history window.

    Put before a model in a :class:`~sklearn.pipeline.Pipeline` to give it a shorter window than
    the ``X`` it is fitted on, e.g. inside a :class:`ForecastEnsemble` whose members use windows
    of different lengths.

    Parameters
    ----------
    n_steps : int or None, default=None
        Time steps kept, counted back from the end of each window (the most recent). None keeps
        them all.

    Attributes
    ----------
    n_features_in_ : int
        Time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names.
    n_channels_ : int
        Channels of the windows (1 for 2-D ``X``).
    n_steps_ : int
        Time steps kept, as fit resolved ``n_steps`` (None: all of ``n_features_in_``).
        ``transform`` keeps these, whatever ``n_steps`` is set to after fit.

    Notes
    -----
    Output containers: 2-D output follows ``set_output`` and the global
    ``sklearn.set_config(transform_output=...)`` as any scikit-learn transformer's. 3-D output
    (windows with covariates) cannot be a DataFrame: ``set_output(transform="pandas")`` on this
    transformer (or on a Pipeline holding it) then makes ``transform`` raise a ValueError, while
    the global setting, a preference for every transformer, leaves it an ndarray. Otherwise
    ``transform_output="pandas"`` set once for a notebook made every
    ``make_pipeline(LastSteps(w), AttentionForecaster())`` on covariates fail, in a
    :func:`~skattn.model_selection.backtest` too, though the model takes the 3-D array.

    Examples
    --------
    >>> import numpy as np
    >>> from skattn import LastSteps
    >>> LastSteps(n_steps=2).fit_transform(np.arange(8.0).reshape(2, 4))
    array([[2., 3.],
           [6., 7.]])
    """

    _parameter_constraints: dict = {"n_steps": [IntegerInterval(1, None, closed="left"), None]}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # (n, T, C): the steps of every channel are kept
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # a slice of the input
        return tags

    def __init__(self, n_steps=None):
        self.n_steps = n_steps

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check that the windows have at least ``n_steps`` steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first.
        y : None
            Ignored.

        Returns
        -------
        self : LastSteps
            The fitted transformer.
        """
        try:
            X, _, n_channels = validate_windows(self, X, reset=True)
            if self.n_steps is not None and self.n_steps > X.shape[1]:
                raise ValueError(
                    f"LastSteps(n_steps={self.n_steps}) needs windows of at least "
                    f"{self.n_steps} steps; X has {X.shape[1]} feature(s) (time steps)"
                )
        except BaseException:
            # unfitted after a refit that fails: with the new n_features_in_ next to the old
            # n_steps, transform sliced X[:, T - n_steps:] from a negative start, i.e. the
            # last 2T - n_steps steps, silently; and validate_windows records the new column
            # names before it finds a NaN in them, beside the old fit (tags review, session 34)
            discard_fitted_attributes(self)
            raise
        self.n_channels_ = n_channels
        self.n_steps_ = X.shape[1] if self.n_steps is None else int(self.n_steps)
        return self

    def transform(self, X):
        """The last ``n_steps`` steps of each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, of the time steps and channels seen at fit.

        Returns
        -------
        X_recent : ndarray or DataFrame
            The most recent ``n_steps_`` steps of each window, oldest first (all of them when
            ``n_steps`` was None at fit): of shape (n_samples, n_steps) in the container
            ``set_output`` (or the global ``transform_output``) asks for, or an ndarray of
            shape (n_samples, n_steps, n_channels) for 3-D ``X`` (see Notes).

        Raises
        ------
        ValueError
            When the output is 3-D and ``set_output`` asked this transformer for a DataFrame.
        """
        check_is_fitted_without_tags(self)
        windows = X
        X, _, _ = validate_windows(self, X, reset=False)
        # fit's n_steps_, not n_steps: set_params(n_steps=...) after fit changed the output
        # (beyond the windows' length, to the wrong steps), as parameters must not before a fit
        recent = np.ascontiguousarray(X[:, X.shape[1] - self.n_steps_:])
        if recent.ndim == 3 and _output_set_on(self) is None:
            # the global transform_output cannot apply to 3-D output (see Notes)
            return recent
        return _wrap_data_with_container("transform", _two_d_unless_default_output(self, recent),
                                         windows, self)

    def fit_transform(self, X, y=None):
        """Fit to the windows ``X``, then keep the last ``n_steps`` steps of each.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first.
        y : None
            Ignored.

        Returns
        -------
        X_recent : ndarray or DataFrame
            As :meth:`transform` returns it.
        """
        # defined here so that it returns what transform does: TransformerMixin's, wrapped by
        # set_output, made a DataFrame of the 3-D arrays transform returns
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the kept time steps.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input time steps; None means ``feature_names_in_`` if defined, else
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            The last ``n_steps_`` of the input names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return names[len(names) - self.n_steps_:]


# transform and fit_transform choose their container themselves (see LastSteps' Notes): they are
# taken out of the wrapper that scikit-learn's set_output puts around the methods a transformer
# defines, which would make a DataFrame of every output, 3-D ones included
LastSteps.transform = getattr(LastSteps.transform, "__wrapped__", LastSteps.transform)
LastSteps.fit_transform = getattr(LastSteps.fit_transform, "__wrapped__", LastSteps.fit_transform)


def _naming_the_member(exc, member, name):
    """``exc`` of member ``name`` as an exception whose message names it (a member's own
    error, e.g. Ridge's "Input y contains NaN.", said nothing of which member; user trial,
    session 17), its cause ``exc``. For a fit that takes no sample_weight, the error
    VotingRegressor gives, naming the member's class: scikit-learn's member fitting rewrites
    that error to name the class it called fit on, the recorder below; this wording is not
    rewritten again."""
    if isinstance(exc, TypeError) and "unexpected keyword argument 'sample_weight'" in str(exc):
        named = TypeError(f"Underlying estimator {type(member).__name__} does not support "
                          "sample weights.")
    else:
        named = naming(exc, f"member {name!r} ({type(member).__name__})")
    named.__cause__ = exc
    return named


def _listed(names):
    """``names`` as a message lists them: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _is_dropped(member):
    return isinstance(member, str) and member == "drop"


def _members_note(n_members):
    """``note`` of :func:`~skattn._worker_warnings.each_warning_once` for an ensemble of
    ``n_members`` members: which members raised a warning that more than one raised ("" for
    one, whose text is left as it was): " (ForecastEnsemble: all 18 members)" (or "both
    members"), "... 2 of 18 members, 'a' and 'b')", "... 5 of 18 members, 'a', 'b', 'c' and 2
    more)". Appended, so that filters and ``pytest.warns(match=...)`` on the text still match
    it."""
    def note(names):
        if len(names) < 2:
            return ""
        if len(names) == n_members:
            return (" (ForecastEnsemble: both members)" if n_members == 2 else
                    f" (ForecastEnsemble: all {n_members} members)")
        shown = [repr(name) for name in names[:3]] + (
            [f"{len(names) - 3} more"] if len(names) > 3 else [])
        return f" (ForecastEnsemble: {len(names)} of {n_members} members, {_listed(shown)})"
    return note


def _is_member_estimator(member):
    # an instance (not a class) with the methods VotingRegressor calls
    return (not isinstance(member, type) and hasattr(member, "fit")
            and hasattr(member, "predict") and hasattr(member, "get_params"))


def _is_named_member(item):
    """Whether ``item`` of ``estimators`` is a (name, estimator) pair, as VotingRegressor reads
    them."""
    return isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)


def _member_estimators(estimators):
    """The estimators of the well-formed (name, estimator) pairs of ``estimators``: the tags
    read them before fit has checked the list (which it refuses with a ValueError)."""
    return [item[1] for item in estimators
            if _is_named_member(item) and _is_member_estimator(item[1])]


def _combine(member_values, aggregate, weights):
    """np.median or np.average over the members' axis 0, as they come."""
    if aggregate == "median":
        return np.median(member_values, axis=0)
    return np.average(member_values, axis=0, weights=weights)


def _whole_history_model(member):
    """The model whose own ``forecast`` a fitted ensemble member gives from the whole history,
    or None for a window member (which is given the last window): a local model
    (``local_model = True``: the baselines of :mod:`skattn.baselines`), also frozen or as a
    fitted search's best estimator, and a :class:`ForecastEnsemble` with such members. A
    Pipeline is a window member whatever its last step (``make_pipeline(LastSteps(24),
    ThetaForecaster())`` is meant to read 24 values)."""
    # imported here: skattn.model_selection is not needed by an ensemble's import
    from .model_selection import is_local_model

    model = _read_through(member)  # a FrozenEstimator's model, a fitted search's best
    if is_local_model(model):
        return model
    if isinstance(model, ForecastEnsemble) and model._local_members():
        return model
    return None


def _edge_padded(values, length):
    """``values`` (steps, ...) extended along axis 0 to ``length`` rows by repeating the last:
    a local member's forecast of the steps asked for, filling the horizon of the last round,
    whose values beyond them are neither returned nor fed back (finite, so that they do not
    trip the ensemble's check of its combination)."""
    missing = length - values.shape[0]
    if missing <= 0:
        return values
    return np.concatenate([values, np.repeat(values[-1:], missing, axis=0)])


def _refuse_non_numeric_weights(weights):
    """A ValueError naming the entries of ``weights`` that are not numbers (text, booleans,
    None), which NumPy's conversion to float reads as numbers: ``weights=["1", "2"]`` and
    ``[True, False]`` were accepted (fuzzing, session 23). NumPy's numbers are numbers."""
    bad = non_number_entries(weights)
    if not bad:
        return
    if all(isinstance(entry, (bool, np.bool_)) for entry in bad):
        remedy = ("to leave a member out, give it weight 0, or set it to 'drop' "
                  "(set_params(name='drop'))")
    elif all(isinstance(entry, (str, bytes)) for entry in bad):
        remedy = "convert text to numbers first ([float(w) for w in weights])"
    else:
        remedy = "give one number per member"
    raise ValueError(
        f"weights must be numbers, one per member, got {shown_quantiles(weights)}, with "
        f"{len(bad)} entr{'y' if len(bad) == 1 else 'ies'} that {'is' if len(bad) == 1 else 'are'}"
        f" not a number ({shown_entries(bad)}): {remedy}")


def _weights_of_fitted_members(weights, estimators):
    """The ``weights`` of the members of ``estimators`` that are not dropped (those of
    ``estimators_``, in their order) as a float64 ndarray; None for None (equal weights)."""
    if weights is None:
        return None
    return np.asarray([weight for weight, (_, member) in zip(weights, estimators)
                       if not _is_dropped(member)], dtype=np.float64)


def _scaled_weights(weights):
    """``weights`` (finite, >= 0, not all 0) times the power of two that brings the largest into
    [0.5, 1): their sum cannot overflow (weights=[1e308, 1e308] summed to inf, and every mean
    was NaN; fuzzing, session 20). A power of two scales each product and sum of the weighted
    mean exactly, so ordinary weights give the same mean to the last bit."""
    weights = np.asarray(weights, dtype=np.float64)
    _, exponent = np.frexp(weights.max())
    return np.ldexp(weights, -exponent)


class _MemberRecordingWarnings(BaseEstimator):
    """A member of a ForecastEnsemble while it is fitted: fits a clone of ``estimator``, keeping
    what the fit raised in a worker process (its warnings, ``warnings_``; its exception,
    ``error_``) for the ensemble to raise again in the caller, after all members have run."""

    def __init__(self, estimator, caller, name):
        self.estimator = estimator
        self.caller = caller
        self.name = name

    def fit(self, X, y, **fit_params):
        member = clone(self.estimator)
        try:
            # in the caller's process, the ensemble's each_warning_once notes the member's name
            with attributed_to(self.name):
                self.estimator_, self.warnings_, self.error_ = call_recording_warnings(
                    self.caller, member.fit, X, y, **fit_params)
        except Exception as exc:  # in the caller's process
            raise _naming_the_member(exc, member, self.name) from exc
        return self


class ForecastEnsemble(StampsVersionWhenPickled, ForgetsWarningsWhenPickled,
                       MissingTargetsScoreMixin, VotingRegressor):
    """One forecaster made of several: the median (or weighted mean) of their forecasts.

    A :class:`~sklearn.ensemble.VotingRegressor` for window forecasters: members are fitted (in
    parallel with ``n_jobs``) on the same history windows ``X`` and targets ``y`` of one or
    ``horizon`` values, and :meth:`forecast` continues a series like any model of the package.
    Members that should see fewer steps than ``X`` has are pipelines starting with
    :class:`LastSteps`. In :meth:`forecast` and :meth:`forecast_quantiles` window members read
    the last window of the history, and local members (the classical models of
    :mod:`skattn.baselines`, also frozen, as a fitted search's best estimator or in an inner
    ensemble) the whole history, as they do alone.

    Parameters
    ----------
    estimators : list of (str, estimator) tuples
        The members: scikit-learn regressors, each with ``fit(X, y)`` and ``predict(X)``
        returning the shape of ``y``. A member may be set to ``"drop"``.
    aggregate : {"median", "mean"}, default="median"
        How the members' predictions are combined. The median (as in N-BEATS) is robust to one
        member going astray on a series, a forecast beyond float64's range included while
        fewer than half the members' are; "mean" honours ``weights``. A combined forecast
        that is NaN or infinite is an error naming the members that made it so: a member's
        NaN makes the median NaN (as NumPy's median), and a member's NaN or inf makes the
        mean so whatever its weight.
    weights : array-like of shape (n_estimators,) or None, default=None
        Weights of the members for ``aggregate="mean"``, finite numbers >= 0 (not text or
        bools), one per member (dropped ones included); those of the members that are not
        dropped must have a positive sum. None means equal weights.
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib). None means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors, -2 all but one; 0 is
        refused. Each member keeps its own ``n_jobs`` for its own parallelism (an
        AttentionForecaster's batch shards; within a joblib context, see the Notes). The
        workers take the members in list order: list the slowest first, so that no worker is
        left fitting a long one alone at the end (the order does not change the median, and the
        mean only by rounding). The warnings of
        members fitted in worker processes are raised again in the caller, under its filters.
        With members fitted in the caller's process (the default) or in worker processes, each
        distinct warning of the members shows once per call (every copy under an "always"
        filter, or under a member's own ``simplefilter("always", ...)``, whose decision is not
        filtered again), its text followed by the members it came from when several raised it,
        e.g. "(ForecastEnsemble: all 18 members)"; an ensemble within an ensemble counts as one
        member. Not in joblib's threading backend (``parallel_config(backend="threading")``):
        members fitted in other threads show their warnings as they raise them, one copy per
        member under the default filters.
    verbose : bool, default=False
        Print the time each member took to fit.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members (not the dropped ones).
    named_estimators_ : :class:`~sklearn.utils.Bunch`
        The fitted members by name.
    n_features_in_ : int
        Time steps of the windows seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame with string column names (from the first
        member).
    n_channels_ : int
        Channels of the windows: 1, or 1 + the number of covariates of 3-D ``X``.
    n_outputs_ : int
        The horizon: future values predicted per window.
    quantiles_ : ndarray of shape (n_quantiles,) or None
        The quantiles every member forecasts (members fitted with ``loss="pinball"``, or
        baselines with ``quantiles=``, all with the same quantiles), combined by
        :meth:`predict_quantiles`; None otherwise.
    aggregate_ : {"median", "mean"}
        ``aggregate`` at fit: how :meth:`predict`, :meth:`predict_quantiles`, :meth:`forecast`
        and :meth:`forecast_quantiles` combine the members.
    weights_ : ndarray of shape (n_fitted_members,) or None
        The weights of the mean at fit, as fit checked them: those of the members of
        ``estimators_`` (the dropped ones left out), in their order; None for equal weights or
        the median.

    See Also
    --------
    skattn.AttentionForecaster : The model these ensembles are made for.
    sklearn.ensemble.VotingRegressor : The scikit-learn ensemble this one extends to
        multi-output targets, the median and forecasting.

    Notes
    -----
    The members are combined as at fit, with ``aggregate_`` and ``weights_``, not the current
    parameters: ``set_params(aggregate=..., weights=...)`` (and setting a member to ``"drop"``)
    changes nothing until the next fit, which checks the new values (as for any scikit-learn
    estimator).

    Give each member its own int ``random_state``. Members given one shared
    ``np.random.RandomState`` object come out identical: fit clones each member, and
    :func:`~sklearn.base.clone` deep-copies the RandomState, so every member starts from the
    same state (scikit-learn's :class:`~sklearn.ensemble.VotingRegressor` does the same).

    Inside an active joblib context (``with parallel_backend("loky", n_jobs=2):``),
    ``n_jobs=None`` fits the members in the context's worker processes, where a member whose
    own ``n_jobs`` is None runs on 1, and ``n_jobs=1`` fits them in the caller's process, where
    such a member takes the context's ``n_jobs``: its training steps are split into other
    shards, and the fitted members differ at float32 rounding level (6.7e-9 relative after 3
    epochs in a trial). Give the members an ``n_jobs`` of their own (e.g. 1) for members that
    depend neither on the ensemble's ``n_jobs`` nor on the context;
    :func:`~skattn.recipes.make_attention_ensemble` does (its members have ``n_jobs=1``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skattn import AttentionForecaster, ForecastEnsemble, LastSteps, make_windows
    >>> t = np.arange(300)
    >>> series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    >>> X, y = make_windows(series, window=36, horizon=6)
    >>> model = ForecastEnsemble([
    ...     ("w36", AttentionForecaster(max_epochs=3, random_state=0)),
    ...     ("w24", make_pipeline(LastSteps(24), AttentionForecaster(max_epochs=3, random_state=1))),
    ... ]).fit(X, y)
    >>> model.forecast(series, steps=12).shape
    (12,)
    """

    _parameter_constraints: dict = {
        **VotingRegressor._parameter_constraints,
        "aggregate": [StrOptions({"median", "mean"})],
        # VotingRegressor takes any int, and n_jobs=0 failed inside joblib once the members
        # were being fitted; the package's constraint refuses it at fit like its other models
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, estimators, *, aggregate="median", weights=None, n_jobs=None,
                 verbose=False):
        super().__init__(estimators, weights=weights, n_jobs=n_jobs, verbose=verbose)
        self.aggregate = aggregate

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # fit checks X itself (dense, finite) whatever the members would accept: VotingRegressor
        # derives these two from the members
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        # (n, T, C) windows if every member takes them (Ridge members do not)
        members = _member_estimators(self.estimators)
        tags.input_tags.three_d_array = all(takes_three_d(member) for member in members)
        # several values per window only if every member forecasts several (a duck-typed
        # member declares no tags: fit refuses it, and get_tags of the ensemble does not raise)
        members_tags = [declared_tags(member) for member in members]
        # (through searches, whose tags do not say, and one value per window only if every
        # member forecasts one: a trend member refuses a 1-D y; tags review, session 34)
        members_targets = [target_tags_of(member) for member in members]
        tags.target_tags.multi_output = all(
            targets is not None and targets.multi_output for targets in members_targets)
        tags.target_tags.single_output = all(
            targets is None or targets.single_output for targets in members_targets)
        # scikit-learn's tag for a model that cannot reach R^2 > 0.5 on make_regression (whose y
        # is no row's continuation): the ensemble's median or mean is held back by any such
        # member, a baseline reading each row alone (check_regressors_train failed for an
        # ensemble of baselines, though each passes alone; review, session 33)
        tags.regressor_tags.poor_score = any(
            member_tags is not None and member_tags.regressor_tags is not None
            and member_tags.regressor_tags.poor_score for member_tags in members_tags)
        return tags

    @_fit_context(prefer_skip_nested_validation=False)  # the members are validated by their fit
    def fit(self, X, y, **fit_params):
        """Fit every member on the history windows ``X`` and the values ``y`` that follow them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first; with 3 dimensions channel 0 is the target and
            the others covariates.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The next value, or the next ``horizon`` values, of the target after each window.
            NaN (a value that was not observed) is passed on to the members;
            :class:`AttentionForecaster` leaves it out of its loss.
        **fit_params : dict
            Passed on to the members' ``fit`` as :class:`~sklearn.ensemble.VotingRegressor` does:
            without metadata routing, only ``sample_weight``, to every member (any other name,
            ``sample_wieght`` or ``ridge__sample_weight``, is a ValueError, as in
            VotingRegressor); with it enabled (``enable_metadata_routing=True`` in
            :func:`sklearn.set_config`), what each member requests (``set_fit_request``).
            :class:`AttentionForecaster` takes ``sample_weight`` (since session 25).

        Returns
        -------
        self : ForecastEnsemble
            The fitted ensemble.

        Raises
        ------
        ValueError
            When a fit parameter other than ``sample_weight`` is passed without metadata routing
            (scikit-learn's message); when ``y`` is None or has a row with no observed value;
            when ``estimators`` is not
            a list of (name, estimator) pairs, or a member is neither an estimator nor
            ``"drop"``; when ``weights`` are given with ``aggregate="median"``,
            are not finite numbers >= 0, or the weights of the members that are not dropped do
            not have a positive sum; when ``X`` is not finite windows of 2 or 3 dimensions; or
            when a parameter is invalid
            (:class:`~sklearn.utils._param_validation.InvalidParameterError`, e.g. ``n_jobs=0``).
        """
        # VotingRegressor.fit's own check, which calling _BaseVoting.fit (below) skips: without
        # routing only sample_weight is passed on, so a misspelt sample_wieght=w, or a member's
        # r__sample_weight=w, trained an unweighted ensemble without a word (review, session 21)
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        refuse_non_windows(X)
        for index, item in enumerate(self.estimators):
            # a bare estimator, [NaiveForecaster()], was a TypeError "cannot unpack non-iterable
            # NaiveForecaster object" (fuzzing, session 20); VotingRegressor's own check, which
            # this one words as it does, is a ValueError
            if not _is_named_member(item):
                raise ValueError(
                    "Invalid 'estimators' attribute, 'estimators' should be a non-empty list "
                    "of (string, estimator) tuples, e.g. [('naive', NaiveForecaster())]; "
                    f"estimators[{index}] is {item!r}"
                )
        for name, member in self.estimators:
            # VotingRegressor's own check asks the member for its tags first, so None (or a
            # class instead of an instance) was an AttributeError about __sklearn_tags__
            if not (_is_member_estimator(member) or _is_dropped(member)):
                raise ValueError(
                    f"member {name!r} must be an estimator instance with fit and predict, or "
                    f"'drop' to leave it out; got {member!r}"
                )
            # ... and a regressor by its tags: a duck-typed model (fit, predict and get_params,
            # no scikit-learn base class), which DeseasonalizedForecaster and backtest take,
            # was an AttributeError about __sklearn_tags__, twice nested (review, session 33)
            if not _is_dropped(member) and declared_tags(member) is None:
                raise ValueError(
                    f"member {name!r} ({type(member).__name__}) declares no scikit-learn tags: "
                    f"an ensemble's members must be scikit-learn regressors (subclass "
                    f"sklearn.base.RegressorMixin and BaseEstimator, as VotingRegressor "
                    f"requires); DeseasonalizedForecaster and backtest take such a model as it is"
                )
        for name, member in self.estimators:
            # a member whose optional library is missing (a baseline without statsforecast)
            # failed at its fit, after the members before it had trained (core-only trial,
            # session 26)
            if not _is_dropped(member):
                try:
                    require_libraries(member)
                except ImportError as exc:
                    raise _naming_the_member(exc, member, name) from exc
        if self.aggregate == "median" and self.weights is not None:
            raise ValueError(
                "weights are only used with aggregate='mean'; the median of the members is "
                f"unweighted (got weights={self.weights!r})"
            )
        if self.weights is not None:
            # checked here, not at predict: NaN or inf weights gave NaN forecasts, negative
            # ones summing to zero a ZeroDivisionError
            _refuse_non_numeric_weights(self.weights)
            try:
                # a masked weight as NaN, refused below (its fill value was a weight)
                weights = np.asarray(masked_as_missing(self.weights), dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"weights must be numbers, got {self.weights!r}") from None
            # a positive sum as "any positive": [1e308, 1e308] summed to inf, with NumPy's
            # RuntimeWarning (fuzzing, session 20)
            if weights.ndim != 1 or not np.all(np.isfinite(weights)) or np.any(weights < 0) \
                    or not np.any(weights > 0):
                raise ValueError(
                    "weights must be a 1-D list of finite numbers >= 0 with a positive sum, got "
                    f"{self.weights!r}{masked_note(self.weights)}"
                )
            # predict averages over the members that are not dropped only: when their weights
            # sum to zero, the fit passed and every predict raised a ZeroDivisionError. (Another
            # number of weights than of members is VotingRegressor's error, below.)
            if weights.size == len(self.estimators):
                kept = [weight for weight, (_, member) in zip(weights, self.estimators)
                        if not _is_dropped(member)]
                if kept and not any(weight > 0 for weight in kept):
                    raise ValueError(
                        "the weights of the members that are not dropped sum to zero, so their "
                        "weighted mean is not defined: give one of them a positive weight, got "
                        f"weights={self.weights!r} for "
                        f"{[name for name, _ in self.estimators]!r}"
                    )
        # a masked entry as a missing value, for the members too: their checks dropped the mask
        # and trained on the fill values beneath it (fuzzing, session 23); refused in X,
        # passed on as a missing target in y. sample_weight by the package's rule for weights
        # (no text, no single bool, no masked entry), which the members' checks do not apply
        given_y = y
        X, y = unmasked_windows(X, type(self).__name__), masked_as_missing(y)
        fit_params = checked_fit_params(fit_params)
        # the same checks as the members', before a pool of processes is started for them; NaN
        # targets (missing values) go on to the members, which accept or reject them
        # (sparse frames and ragged lists said in the package's words, not pandas' or NumPy's)
        refuse_sparse_frames(self, X, y)
        X_checked = self._checked_windows(X, y)
        y_checked = check_targets_with_missing(y, X_checked.shape[0], self)
        self.n_channels_ = window_channels(X_checked)
        # the ensemble's own: a member needs only fit and predict, and n_features_in_ read from
        # one without it was an AttributeError in forecast (review, session 30)
        self._n_time_steps = X_checked.shape[1]
        self.n_outputs_ = 1 if y_checked.ndim == 1 else y_checked.shape[1]
        # predictions take y's shape: members disagree for a one-column y (Ridge (n,),
        # AttentionForecaster (n, 1)), and stacking them failed at every predict
        self._prediction_shape_tail = () if y_checked.ndim == 1 else (self.n_outputs_,)
        # VotingRegressor.fit would flatten y to 1-D; its parent fits the members on y as it is.
        # It fits them as _validate_estimators (below) gives them: each inside a
        # _MemberRecordingWarnings, so that the warnings of members fitted in worker processes
        # (the data's OutlierScaleWarning or TargetUnitsWarning, ConvergenceWarning) reach the
        # caller instead of a worker's stderr
        # a refit that fails leaves the ensemble unfitted; feature_names_in_ from an earlier fit
        # on a DataFrame would outlive a refit on an array (VotingRegressor's fit keeps it), and
        # forecast then built DataFrames whose names the members had not seen
        for fitted_attribute in ("estimators_", "named_estimators_", "feature_names_in_",
                                 "aggregate_", "weights_", "_warned_of_short_history"):
            self.__dict__.pop(fitted_attribute, None)  # leaves the ensemble unfitted
        # for the messages about forecasts that are not finite: windows far beyond these are
        # in other units (see skattn._validation.check_finite_forecasts)
        self._training_reach = training_reach(X_checked)
        self._caller = current_caller()
        try:
            # each distinct warning of the members once, naming those it came from: fitted in
            # the caller's process each member's check_array reset Python's once-per-location
            # memory, and the recipe's 18 members showed 18 copies of its SeasonalAdjustmentWarning
            # and ConvergenceWarning where n_jobs=2 showed one. Those of members fitted in worker
            # processes join them; all are raised again on leaving, an exception too (a member
            # that failed), under the caller's filters (whose "error" raised them in the member),
            # except those a member's own filters let through, shown as they decided
            with each_warning_once(_members_note(sum(
                    not _is_dropped(member) for _, member in self.estimators))) as shown:
                try:
                    _BaseVoting.fit(self, X, y, **fit_params)
                finally:
                    del self._caller
                recorders = self.estimators_
                del self.estimators_, self.named_estimators_
                for recorder in recorders:
                    shown.add(recorder.warnings_, recorder.name)
                fitted = collect(
                    [(recorder.estimator_, [], recorder.error_) for recorder in recorders],
                    naming=lambda index, exc: _naming_the_member(exc, recorders[index].estimator,
                                                                 recorders[index].name))
            # not fitted until every member's warnings are raised (an "error" filter stops
            # there) and no member failed
            self.estimators_ = fitted
        except ValueError as exc:
            # a member's "Input y contains NaN." where the user gave a masked y, and no NaN
            noted = noting_masked_inputs(exc, y=given_y)
            if noted is exc:
                raise
            raise noted from exc
        # the members' common quantiles, if every member forecasts the same ones
        member_quantiles = [fitted_quantiles(member) for member in self.estimators_]
        self.quantiles_ = member_quantiles[0] if all(
            quantiles is not None and np.array_equal(quantiles, member_quantiles[0])
            for quantiles in member_quantiles) else None
        # the combination as checked above: predict read aggregate and weights, so a
        # set_params(weights=[nan, 1]) after fit gave NaN forecasts, [0, 0] a ZeroDivisionError
        # and aggregate="avg" the mean, none of which fit accepts (review, session 21)
        self.aggregate_ = self.aggregate
        self.weights_ = (_weights_of_fitted_members(self.weights, self.estimators)
                         if self.aggregate_ == "mean" else None)
        fitted = iter(self.estimators_)
        self.named_estimators_ = Bunch()
        for name, member in self.estimators:
            current = member if _is_dropped(member) else next(fitted)
            self.named_estimators_[name] = current
            if hasattr(current, "feature_names_in_"):
                self.feature_names_in_ = current.feature_names_in_
        return self

    def __setstate__(self, state):
        # a pickle from before session 21 has no aggregate_ and weights_: its predict combined
        # the members with the parameters it holds, which stand for the fitted ones
        state = dict(state)
        super().__setstate__(state)
        if "estimators_" in state and "aggregate_" not in state:
            self.aggregate_ = self.aggregate
            self.weights_ = (_weights_of_fitted_members(self.weights, self.estimators)
                             if self.aggregate_ == "mean" else None)
        if "estimators_" in state and state.get("quantiles_") is None:
            # a pickle from before the members' fitted searches were read through (session 22)
            # kept quantiles_ None for a quantile search among them, and predict_quantiles said
            # the members "forecast s: [0.1, 0.5, 0.9], n: [0.1, 0.5, 0.9]" (review, session
            # 22): read again, as fit reads them; None still for members that differ
            member_quantiles = [fitted_quantiles(member) for member in self.estimators_]
            self.quantiles_ = member_quantiles[0] if all(
                quantiles is not None and np.array_equal(quantiles, member_quantiles[0])
                for quantiles in member_quantiles) else None

    @property
    def local_model(self):
        """Whether this fitted ensemble forecasts every series by fitting it, as the baselines do:
        True when every member is a local one (see :meth:`forecast`).
        :func:`skattn.model_selection.backtest` then forecasts its series in parallel
        (``n_jobs``), as it does a baseline's: an ensemble of baselines forecast one series
        after another (scale trial, session 27). False before fit."""
        members = getattr(self, "estimators_", None)
        return bool(members) and all(_whole_history_model(member) is not None
                                     for member in members)

    @property
    def _needs_library(self):
        # backtest's pool is for models that take more than microseconds a series (see
        # model_selection._worth_a_pool): not for an ensemble of naive forecasts
        return any(getattr(_whole_history_model(member), "_needs_library", True)
                   for member in getattr(self, "estimators_", ()))

    def __sklearn_is_fitted__(self):
        # fitted once the members are: fit sets n_channels_ and n_outputs_ before them, so a
        # fit whose member failed (or whose members' warnings an "error" filter raised) looked
        # fitted to check_is_fitted, and predict failed obscurely
        return hasattr(self, "estimators_")

    @property
    def n_features_in_(self):
        """Number of features (time steps) seen during :term:`fit`."""
        # VotingRegressor's, without its check_is_fitted, which asks for the ensemble's tags and
        # so for every member's: forecast reads this at every call
        if self.__sklearn_is_fitted__():
            # a fit before session 30 stored no _n_time_steps: its first member's, as then
            return getattr(self, "_n_time_steps", None) or self.estimators_[0].n_features_in_
        return super().n_features_in_  # VotingRegressor's AttributeError

    def _checked_windows(self, X, y=None):
        """``X`` checked as windows for the members, as an array; ragged rows, NaN and infinity
        said in the package's words (where they are, what to do) instead of NumPy's or
        scikit-learn's (which named the ensemble, or at predict a member, and suggested
        HistGradientBoosting; review, session 30)."""
        try:
            return check_array(X, allow_nd=True, dtype=[np.float64, np.float32],
                               estimator=self, input_name="X")
        except ValueError as exc:
            raise_in_windows_words(exc, X, y, type(self).__name__)

    def get_metadata_routing(self):
        """Get the metadata routing of this object: ``fit`` routes to every member's ``fit``.

        ``score`` takes what the ensemble requests itself (``set_score_request(sample_weight=True)``
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
        # VotingRegressor's routes to the members only: set_score_request(sample_weight=True)
        # was accepted, and cross_validate and the searches scored the ensemble unweighted
        # (review, session 21); its own requests make its score a consumer like any regressor's
        return super().get_metadata_routing().add_self_request(self)

    def _validate_estimators(self):
        # VotingRegressor.fit's source of the members it clones and fits (after its checks)
        names, members = super()._validate_estimators()
        caller = getattr(self, "_caller", None)
        if caller is None:  # not called from fit
            return names, members
        return names, tuple(
            member if _is_dropped(member) else _MemberRecordingWarnings(member, caller, name)
            for name, member in zip(names, members)
        )

    def _member_predictions(self, X, method="predict", given=None):
        """The members' forecasts, (n_estimators, n_samples) or (n_estimators, n_samples,
        horizon): y's shape at fit, NaN and inf included; and the
        :class:`~skattn._validation.NonFiniteForecastError` of each member (a wrapper) that
        refused its own, by index, whose values they are. ``method`` is the ensemble's, for
        the messages. ``given``: member index -> its values, already forecast (a local model's
        from the whole history, see :meth:`forecast`); those members are not asked."""
        check_is_fitted_without_tags(self)
        refuse_non_windows(X)
        # the members are given X as it is: a masked one would be read without its mask
        X = unmasked_windows(X, type(self).__name__)
        # checked as at fit, but the members still get X as given (a DataFrame keeps its names)
        self._checked_windows(X)
        shape = (_num_samples(X),) + self._prediction_shape_tail
        predictions, refusals = [], {}
        with self._each_member_warning_once():
            for index, (name, member) in enumerate(zip(self._member_names(), self.estimators_)):
                if given is not None and index in given:
                    predictions.append(np.asarray(given[index], dtype=np.float64).reshape(shape))
                    continue
                try:
                    with attributed_to(name):
                        prediction = np.asarray(member.predict(X), dtype=np.float64)
                except NonFiniteForecastError as exc:  # a wrapper's (a DeseasonalizedForecaster)
                    if exc.forecasts is None:  # no values: an adjustment of the windows overflowed
                        raise self._member_error(exc, index, method) from exc
                    # its values, combined as any member's: the median is robust to them
                    prediction = np.asarray(exc.forecasts, dtype=np.float64)
                    refusals[index] = exc
                # the rows checked too: (horizon, n) passed when n == horizon, rows scrambled;
                # one row too few was NumPy's stacking error, naming no member (review,
                # session 18)
                if prediction.ndim == 0 or prediction.shape[0] != shape[0] \
                        or prediction.size != math.prod(shape):
                    raise ValueError(
                        f"{self._member_label(index)} predicted shape {prediction.shape} "
                        f"for {type(self).__name__} fitted on y of {self.n_outputs_} output(s) "
                        f"per window"
                    )
                predictions.append(prediction.reshape(shape))
        return np.stack(predictions), refusals

    def _member_subject(self, index, refusals):
        """Member ``index`` as messages name who forecast its values: "member 'lr'
        (LinearRegression)", or, for a wrapper that refused its own, its model in it ("the
        wrapped Ridge in member 'ds' (DeseasonalizedForecaster)")."""
        label = self._member_label(index)
        refusal = refusals.get(index)
        return label if refusal is None else within(refusal.subject, label)

    def _finite_members(self, member_values, refusals, method, X):
        """The members' forecasts (n_members, n_samples, ...), every one of which ``method``
        (``transform``) returns, or a :class:`~skattn._validation.NonFiniteForecastError`
        naming the first member with one that is NaN or infinite, and where. One
        ``np.isfinite`` over them all when they are finite."""
        if np.isfinite(member_values).all():
            return member_values
        finite = np.isfinite(member_values.reshape(len(member_values), -1)).all(axis=1)
        index = int(np.argmin(finite))  # the first member with a value that is not finite
        check_finite_forecasts(member_values[index], self, method,
                               self._member_subject(index, refusals), inputs=X,
                               returned=np.moveaxis(member_values, 0, 1))

    def _finite_combination(self, combined, member_values, refusals, method, X, levels=None,
                            returned=None):
        """The members' ``combined`` forecasts (:meth:`_combined` of ``member_values``), or a
        :class:`~skattn._validation.NonFiniteForecastError` naming where the first that is NaN
        or infinite lies, and the members whose values there made it so. ``returned``: a
        function of ``combined`` giving what ``method`` returns (default: ``combined``), the
        error's ``forecasts``.

        The combination is checked, not each member: the median of Ridge, LinearRegression and
        a member forecasting beyond float64's range is the others' (it was refused for that
        member's inf; review, session 23). It is not finite where half the members or more
        are infinite (of one sign), or one is NaN (NumPy's median, and any mean, of a NaN is
        NaN: a member's NaN is refused, named, as in the mean; weight 0 does not help, 0 x inf
        being NaN). Finite members combine into finite values (:meth:`_combined`). One
        ``np.isfinite`` when they are finite."""
        if np.isfinite(combined).all():
            return combined
        bad = ~np.isfinite(combined)
        position = tuple(int(index) for index in np.argwhere(bad)[0])
        value = float(combined[position])
        text, why = _non_finite_value(value)
        culprits = [index for index in range(len(member_values))
                    if not np.isfinite(member_values[(index,) + position])]
        # (finite members combine into finite values: some member is not finite there)
        subjects = [self._member_subject(index, refusals) for index in culprits] or ["members"]
        said = {}  # what each culprit forecast there, in their order: "inf", "NaN"
        for index, subject in zip(culprits, subjects):
            said.setdefault(_non_finite_value(float(member_values[(index,) + position]))[0],
                            []).append(subject)
        forecast = " and ".join(f"{_listed(names)} forecast {member_text}"
                                for member_text, names in said.items())
        if self.aggregate_ == "median":
            kind = "median"
            rule = ("the median is finite while fewer than half the members' values are "
                    "infinite (of one sign) and none is NaN")
        else:
            kind = "mean" if self.weights_ is None else "weighted mean"
            rule = (f"a {kind} is finite only where every member's value is, whatever its "
                    f"weight (0 x inf is NaN)")
        rows = bad.reshape(bad.shape[0], -1).any(axis=1)
        subject = _listed(subjects)
        remedy = _scale_remedy(self, _reach(X), "The windows", "the windows", subject)
        raise NonFiniteForecastError(
            f"{type(self).__name__}.{method}: {forecast} for "
            f"{_where(position, combined.shape, levels)}, and the {kind} of the members is "
            f"{text} there: {why} ({int(bad.sum())} value(s) in {int(rows.sum())} of the "
            f"{rows.size} windows are NaN or infinite; {rule}). {remedy}",
            subject=subject, value=value, position=position, levels=levels,
            forecasts=combined if returned is None else returned(combined))

    def _member_names(self):
        """The names of ``estimators_``, in their order."""
        return [name for name, member in self.named_estimators_.items()
                if not _is_dropped(member)]

    def _member_label(self, index):
        """Member ``index`` of ``estimators_`` as messages name it: "member 'lr'
        (LinearRegression)"."""
        name = self._member_names()[index]
        return f"member {name!r} ({type(self.estimators_[index]).__name__})"

    def _each_member_warning_once(self):
        """:func:`~skattn._worker_warnings.each_warning_once` around calls of the members, to be
        given their names (``attributed_to``): each member's check_array resets Python's
        once-per-location memory, so a warning of every member's predict (scikit-learn's "X
        does not have valid feature names") came once per member."""
        return each_warning_once(_members_note(len(self.estimators_)))

    def _member_error(self, exc, index, method):
        """The :class:`~skattn._validation.NonFiniteForecastError` ``exc`` of member ``index``
        (a wrapper that refused its own forecasts), naming the member, with its location: a
        recursive forecast names its step."""
        label = self._member_label(index)
        return NonFiniteForecastError(
            f"{type(self).__name__}.{method}: {label}: {exc}",
            subject=f"{exc.subject} in {label}" if exc.subject else label, value=exc.value,
            position=exc.position, levels=exc.levels)

    def _combined(self, member_values):
        """The members' values (n_members, ...) combined: their median, or weighted mean.

        Finite values combine into finite ones: the median of two values near the largest
        float64 averaged them as (a + b) / 2, and so did the mean, whose sum overflowed to inf
        (fuzzing, session 20). Those combinations alone are computed again, on the values
        scaled down by a power of two; the others are np.median's or np.average's to the last
        bit (the M3 benchmark's median of 18 members).

        With the fitted ``aggregate_`` and ``weights_``: the parameters may have been set to
        anything since fit."""
        weights = self.weights_
        if weights is not None:
            weights = _scaled_weights(weights)
        with np.errstate(over="ignore", invalid="ignore"):
            combined = _combine(member_values, self.aggregate_, weights)
        # a member's own inf or NaN is left as it is
        overflowed = ~np.isfinite(combined) & np.isfinite(member_values).all(axis=0)
        if overflowed.any():
            values = member_values[:, overflowed]  # (n_members, n_overflowed)
            # 2 ** shift >= 2 * n_members: a sum of n_members scaled values (weights <= 1) stays
            # below half the largest float64
            shift = int(np.ceil(np.log2(len(member_values)))) + 1
            with np.errstate(under="ignore"):
                scaled = np.ldexp(values, -shift)
                small = _combine(scaled, self.aggregate_, weights)
            # a median or mean lies between the members' values; clipped there, a rounding
            # cannot take it past the largest float64 as it is scaled back
            small = np.clip(small, scaled.min(axis=0), scaled.max(axis=0))
            combined[overflowed] = np.ldexp(small, shift)
        return combined

    def predict(self, X):
        """The members' median (or weighted mean) forecast after each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, shaped as at fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, horizon)
            The shape of ``y`` at fit.

        Raises
        ------
        ValueError
            When a combined forecast is NaN or beyond float64's range, naming the window and
            the members whose values made it so (a regressor fed windows far from the scale of
            its training data): the median is not finite where half the members or more
            forecast an infinity of one sign, or one forecasts NaN, and a mean where any
            member's value is not finite, whatever its weight (a member's inf is left out of
            a finite median); when ``X`` is a masked array that masks some values (missing
            values, which windows cannot hold).
        """
        members, refusals = self._member_predictions(X)
        return self._finite_combination(self._combined(members), members, refusals, "predict",
                                        X)

    def _no_common_quantiles(self, method):
        """The message of ``method`` for members that do not all forecast the same quantiles."""
        return (f"{method} needs members that all forecast the same quantiles "
                "(AttentionForecasters with loss='pinball', baselines with quantiles=, equal "
                "quantiles); the members "
                "forecast " + ", ".join(
                    f"{name}: {'a point' if quantiles is None else quantiles.tolist()}"
                    for name, quantiles in ((name, fitted_quantiles(member)) for name, member
                                            in self.named_estimators_.items()
                                            if not _is_dropped(member))))

    def predict_quantiles(self, X):
        """The members' quantile forecasts, combined quantile by quantile.

        For members that all forecast the same quantiles (an :class:`AttentionForecaster`
        fitted with ``loss="pinball"``, alone, as the last step of a Pipeline, behind a
        :class:`DeseasonalizedForecaster` or as the best estimator of a fitted search, or a
        baseline of :mod:`skattn.baselines` with
        ``quantiles=``): the median (or weighted mean) of the members'
        forecasts of each quantile, as :meth:`predict` combines their points. Quantile averaging
        keeps the order: every member's quantiles are sorted, so their medians are too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, shaped as at fit.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or (n_samples, horizon, n_quantiles)
            The forecasts at each quantile of ``quantiles_``, along the last axis; without the
            horizon axis when ``y`` was 1-D at fit.

        Raises
        ------
        ValueError
            When the members do not all forecast the same quantiles (``quantiles_`` is None);
            when a combined quantile is NaN or beyond float64's range, as in :meth:`predict`.

        Warns
        -----
        ~skattn.exceptions.ZeroWidthIntervalWarning
            When windows get combined intervals of zero width that an
            :class:`~skattn.AttentionForecaster` member gave zero width too (a constant window
            with instance normalisation). Once per call, with their count; the members do not
            warn themselves. A baseline's zero-width intervals of a constant history are
            legitimate and not warned about.
        """
        check_is_fitted_without_tags(self)
        if self.quantiles_ is None:
            raise ValueError(self._no_common_quantiles("predict_quantiles"))
        return self._combined_quantiles(X)

    def _combined_quantiles(self, X, method="predict_quantiles", given=None):
        """:meth:`predict_quantiles` of windows ``X``; ``method`` is the ensemble's, for the
        messages. ``given``: member index -> its quantiles (n_samples, horizon, n_quantiles),
        already forecast (a local model's from the whole history, see
        :meth:`forecast_quantiles`); those members are not asked."""
        X = unmasked_windows(X, type(self).__name__)  # as the members' predict_quantiles
        n_samples = _num_samples(X)
        # zero-width intervals are warned of once, of the combined intervals: each member's
        # own warning came once per member (the recipe's 12, scikit-learn's catch_warnings in
        # each predict resets Python's once-per-line memory) and counted windows whose
        # combined intervals other members had widened (session 22 and its review)
        # the members' other warnings once each (see _member_predictions)
        with members_of_an_ensemble() as reports, self._each_member_warning_once():
            members, refusals = [], {}
            for index, (name, member) in enumerate(zip(self._member_names(), self.estimators_)):
                if given is not None and index in given:
                    members.append(np.asarray(given[index], dtype=np.float64).reshape(
                        n_samples, self.n_outputs_, -1))
                    continue
                try:
                    with attributed_to(name):
                        members.append(quantile_forecasts(member, X, self.n_outputs_,
                                                          check=False))
                except NonFiniteForecastError as exc:  # a wrapper's own refusal
                    if exc.forecasts is None:  # no values: an adjustment that overflowed
                        raise self._member_error(exc, index, method) from exc
                    # its values, combined as any member's (see predict)
                    members.append(np.asarray(exc.forecasts, dtype=np.float64).reshape(
                        n_samples, self.n_outputs_, -1))
                    refusals[index] = exc
        members = np.stack(members)  # (M, n, H, Q)
        combined = self._finite_combination(
            self._combined(members).reshape(n_samples, self.n_outputs_, -1), members, refusals,
            method, X, self.quantiles_,
            returned=lambda values: (values[:, 0, :] if self._prediction_shape_tail == ()
                                     else values))
        # zero-width rows of the combined intervals that an attention member also gave zero
        # width: a baseline's on a constant history are legitimate (docs/baselines.md)
        rows = np.zeros(n_samples, dtype=bool)
        if reports and combined.shape[-1] > 1:
            rows = zero_width_rows(combined) & np.logical_or.reduce(reports)
        if rows.any() and not report_to_ensemble(rows):
            warnings.warn(
                f"ForecastEnsemble: {windows_get(np.count_nonzero(rows), n_samples)} intervals "
                f"of zero width "
                f"(every combined quantile equal), a certainty nothing supports: its "
                f"AttentionForecaster members scale each forecast by its window's spread, 0 for "
                f"a constant window (a run of zeros), and constant windows are left out of "
                f"their training. Add members with normalize=False, or take such series' "
                f"intervals from a baseline's forecast_quantiles of the whole history (a "
                f"baseline member's forecast_quantiles reads it; its predict_quantiles reads the "
                f"window alone, and gives zero width too).",
                ZeroWidthIntervalWarning, stacklevel=stacklevel_of_caller(__name__, whole_package=True))
        return combined[:, 0, :] if self._prediction_shape_tail == () else combined

    def forecast_quantiles(self, history, steps=None):
        """Forecast every quantile of ``quantiles_`` for the next ``steps`` values of one series:
        prediction intervals from the end of ``history``, within the trained horizon (beyond it
        too when every member is local).

        As :meth:`skattn.AttentionForecaster.forecast_quantiles`, with the quantiles combined
        as :meth:`predict_quantiles` combines them: the last window of ``history`` (left-padded
        with its first value when shorter than the window; warned about when shorter than what
        the members' networks read, see Warns) is read by every window member, and a local
        member (a baseline, ``local_model = True``; see :meth:`forecast`) gives its own
        ``forecast_quantiles`` of the whole history, as it does alone (until session 27 it read
        the last window, as in :meth:`predict_quantiles`). When every member is local there is
        no window: ``steps`` may exceed the horizon, as the members allow, and nothing is
        padded. The column of 0.5 is :meth:`forecast`'s values; without 0.5 among
        ``quantiles_``, the column nearest it is only when every member's point forecast is
        that column, as an AttentionForecaster's is: a baseline's point forecast is its mean,
        so in an ensemble of both (quantiles 0.1, 0.4, 0.9) :meth:`forecast` lay between the
        0.4 column and the baseline's mean (session 31's check). Include 0.5 in ``quantiles``
        for the point forecast to be a column.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, at least 2 values (one value has no spread to
            estimate).
        steps : int or None, default=None
            Number of future values, at most the horizon (``n_outputs_``) unless every member
            is local (then as many as the members allow); None means the horizon.

        Returns
        -------
        quantiles : ndarray of shape (steps, n_quantiles)
            ``quantiles[t, k]`` is the forecast of quantile ``quantiles_[k]`` for the ``t``-th
            value after ``history``.

        Raises
        ------
        ValueError
            When the members do not all forecast the same quantiles, ``steps`` exceeds the
            horizon while a member is not local, or is not an integer >= 1, or ``history`` is
            invalid or has a single value.

        Warns
        -----
        UserWarning
            When ``history`` is shorter than the longest window a member's network reads (a
            member ``make_pipeline(LastSteps(w), ...)`` reads ``w``): it is left-padded there,
            and intervals from such windows can be far too narrow. Once per fitted model.
        """
        check_is_fitted_without_tags(self)
        if self.quantiles_ is None:
            raise ValueError(self._no_common_quantiles("forecast_quantiles"))
        local = self._local_members()
        if not local:
            return forecast_quantiles_of(self, history, steps)
        if len(local) == len(self.estimators_):
            # no window to read, none padded (its warning named a window no member reads) and
            # no horizon of the ensemble's own: the members' rules hold, as alone
            steps = self.n_outputs_ if steps is None else check_steps(steps)
            values = self._local_forecasts(local, "forecast_quantiles",
                                           as_history(history, self.n_channels_), steps)
            return self._combined_local(values, "forecast_quantiles")

        def quantiles_of_window(windows, history, steps):  # (1, horizon, Q)
            # the local members' from the whole history (checked by now), every step they are
            # asked for; the horizon's steps beyond those are never returned (see forecast)
            given = {index: _edge_padded(values, self.n_outputs_)[None]
                     for index, values in self._local_forecasts(
                         local, "forecast_quantiles", history, steps).items()}
            return self._combined_quantiles(windows, "forecast_quantiles", given).reshape(
                1, self.n_outputs_, -1)

        return forecast_quantiles_of(self, history, steps, quantiles_of_window)

    def transform(self, X):
        """Every member's predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first, shaped as at fit.

        Returns
        -------
        predictions : ndarray or DataFrame
            Each member's predictions, in the order of ``estimators_``: of shape (n_samples,
            n_estimators) in the container ``set_output`` (or the global ``transform_output``)
            asks for, or an ndarray of shape (n_samples, n_estimators, horizon) when ``y`` was
            2-D at fit.

        Raises
        ------
        ValueError
            When the output is 3-D and ``set_output`` asked this ensemble for a DataFrame (the
            global ``transform_output`` leaves 3-D output an ndarray, as
            :class:`LastSteps`' does).
        """
        members, refusals = self._member_predictions(X, "transform")
        # every member's values are returned: each is checked
        self._finite_members(members, refusals, "transform", X)
        predictions = np.moveaxis(members, 0, 1)
        if predictions.ndim == 3 and _output_set_on(self) is None:
            # the global transform_output cannot apply to 3-D output: it raised here, where
            # LastSteps returned the ndarray (noticed in session 30, aligned in session 31)
            return predictions
        return _wrap_data_with_container("transform",
                                         _two_d_unless_default_output(self, predictions), X, self)

    def fit_transform(self, X, y, **fit_params):
        """Fit the members on the windows ``X`` and targets ``y``, then return their predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_channels)
            History windows, oldest value first.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The values that follow each window.
        **fit_params : dict
            Passed to :meth:`fit`.

        Returns
        -------
        predictions : ndarray or DataFrame
            As :meth:`transform` returns them.
        """
        # defined here so that it returns what transform does: VotingRegressor's, wrapped by
        # set_output, made a DataFrame of the 3-D arrays transform returns
        return self.fit(X, y, **fit_params).transform(X)

    def forecast(self, history, steps, future_covariates=None):
        """Forecast ``steps`` values after the end of one series.

        The members' forecasts combined as :meth:`predict` combines them, each member's as it
        forecasts alone: a window member predicts from the last window of ``history``
        (left-padded with its first value when shorter, as :func:`skattn.make_windows` does),
        and beyond the horizon reads the combined forecasts fed back recursively; a local member
        fits the whole history and forecasts all ``steps`` values in one call of its own
        ``forecast``: a baseline of :mod:`skattn.baselines` (``local_model = True``), also
        frozen or as a fitted search's best estimator, and an inner ForecastEnsemble with such
        members (given ``future_covariates`` for its window members). A Pipeline is a window
        member whatever its last step. Until session 27 local members were given the last
        window too (``ForecastEnsemble([ETS, Theta])`` fitted 36 of the airline's 132 values),
        so the ensemble's forecast was not the combination of the members' own. When every
        member is local nothing is fed back, and no ``future_covariates`` are needed.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series up to now, oldest first, any length >= 1; 2-D with ``n_channels_``
            columns, the covariates in channels 1.., for an ensemble fitted with covariates.
        steps : int >= 1
            Number of future values.
        future_covariates : array-like of shape (n_future, n_channels - 1) or None, default=None
            Covariates of the future steps, first row at the first forecast value; needed with
            covariates when ``steps`` exceeds the horizon, then with at least
            ``(ceil(steps / horizon) - 1) * horizon`` rows; rows beyond those are never
            read.

        Returns
        -------
        forecast : ndarray of shape (steps,)
            The forecast values, in time order.

        Raises
        ------
        ValueError
            When a forecast is NaN or beyond float64's range (the members' combination, see
            :meth:`predict`), naming its step and the members that forecast it (beyond the
            horizon, forecasts fed back can grow out of range): such values are neither
            returned nor fed back; the horizon's values beyond ``steps`` are not looked at.
            On a bad ``history``, ``steps`` or ``future_covariates``.

        Warns
        -----
        UserWarning
            When ``future_covariates`` has rows the recursion never reads (any within the
            horizon): covariates are past-only inputs.
        """
        check_is_fitted_without_tags(self)
        local = self._local_members()
        if not local:
            # a member's warning once, not once per step fed back: predict records its members'
            # (_member_predictions) and the recursion its rounds' (_validation.recursive_forecast)
            return forecast_with_predict(self, history, steps, future_covariates)
        # Local members (the baselines) forecast from the whole history, as they do alone: fed
        # the last window, as predict feeds them, ETS and Theta fitted 36 of the airline's 132
        # values and the ensemble's forecast lay up to 38 passengers from the mean of theirs
        # (user trial, session 27). They forecast every step in one call; the window members
        # follow the package's recursion, reading the combined forecasts fed back.
        steps = check_steps(steps)
        if future_covariates is not None:
            # here, while the history has its times: as_history's array has none, and
            # future_covariates dated after the next step were accepted with a baseline member,
            # refused without one (covariates review, session 33)
            check_future_covariates(history, future_covariates)
        whole_history = as_history(history, self.n_channels_)  # (n, C), as the recursion reads it
        if len(local) == len(self.estimators_):
            # nothing to feed back: no future_covariates are needed beyond the horizon. Given,
            # they go to the members that are ensembles, whose window members read them; with
            # none, every member refuses them as alone (a baseline uses none)
            return self._combined_local(
                self._local_forecasts(
                    local, "forecast", whole_history, steps, future_covariates,
                    covariates_to_all=not any(isinstance(model, ForecastEnsemble)
                                              for model in local.values())), "forecast")
        horizon = self.n_outputs_
        n_rounds = math.ceil(steps / horizon)
        local_values = {}  # member index -> (n_rounds * horizon,), from the first round on
        rounds = iter(range(n_rounds))

        def predict_window(current):  # (window, C) -> (horizon,)
            round_number = next(rounds)
            if round_number == 0:
                # called once the recursion has checked steps, history and future_covariates
                local_values.update(
                    (index, _edge_padded(values, n_rounds * horizon)) for index, values
                    in self._local_forecasts(local, "forecast", whole_history, steps,
                                             future_covariates).items())
            given = {index: values[round_number * horizon:(round_number + 1) * horizon]
                     for index, values in local_values.items()}
            windows = as_model_windows(self, current[None])
            members, refusals = self._member_predictions(windows, "forecast", given)
            return self._finite_combination(self._combined(members), members, refusals,
                                            "forecast", windows)

        return recursive_forecast(predict_window, whole_history, steps,
                                  window=self.n_features_in_, horizon=horizon,
                                  n_channels=self.n_channels_,
                                  future_covariates=future_covariates,
                                  stacklevel=3,  # the caller of this forecast
                                  owner=self)

    def _local_members(self):
        """Member index in ``estimators_`` -> the model whose own forecasts that member gives
        from the whole history (:func:`_whole_history_model`), for the members that do."""
        found = {}
        for index, member in enumerate(self.estimators_):
            model = _whole_history_model(member)
            if model is not None:
                found[index] = model
        return found

    def _local_forecasts(self, local, method, history, steps, future_covariates=None,
                         covariates_to_all=False):
        """Member index -> ``model.<method>(history, steps)`` for the models of ``local``
        (:meth:`_local_members`; ``forecast``: (steps,), ``forecast_quantiles``: (steps,
        n_quantiles)), each warning once and any error naming its member.

        ``future_covariates`` go to the members that are ensembles (whose window members read
        them), or, with ``covariates_to_all``, to every member, which refuses them as alone (a
        baseline uses none); not to a baseline beside window members, which read them.

        Raises
        ------
        NonFiniteForecastError
            When a member forecasts NaN for a step asked for, naming it: any median or mean of
            a NaN is NaN, and the recursion's message would say it came from the last window.
            A member's inf is left to the combination (a median is robust to it).
        """
        values = {}
        names = self._member_names()
        with self._each_member_warning_once():
            for index, model in local.items():
                label = self._member_label(index)
                covariates = ({} if future_covariates is None or method != "forecast" or not (
                    covariates_to_all or isinstance(model, ForecastEnsemble))
                    else {"future_covariates": future_covariates})
                try:
                    with attributed_to(names[index]):
                        forecast = np.asarray(getattr(model, method)(history, steps,
                                                                     **covariates),
                                              dtype=np.float64)
                except NonFiniteForecastError as exc:
                    raise self._member_error(exc, index, method) from exc
                except Exception as exc:
                    raise naming(exc, f"{type(self).__name__}.{method}: {label}") from exc
                if np.isnan(forecast).any():
                    step, *column = (int(k) for k in np.argwhere(np.isnan(forecast))[0])
                    quantile = ("" if not column else
                                f", quantile {self.quantiles_[column[0]]:g}")
                    # forecasts None, position None: raised as it is, by the recursion too
                    raise NonFiniteForecastError(
                        f"{type(self).__name__}.{method}: {label} forecast NaN for step "
                        f"{step + 1} (of {steps}){quantile} from the whole history, which it "
                        f"fits as it does alone: not a number, it is no forecast, and any "
                        f"median or mean of the members is NaN there. Check that member's fit "
                        f"on this history, or leave it out", subject=label, value=float("nan"))
                values[index] = forecast
        return values

    def _combined_local(self, values, method):
        """The members' values (member index -> (steps,) or (steps, n_quantiles)), every member
        a local one, combined as :meth:`predict` combines them; a NonFiniteForecastError where
        the combination is not finite (infinite values of half the members or more in a
        median, of any in a mean), naming the step and those members."""
        members = np.stack([values[index] for index in range(len(self.estimators_))])
        combined = self._combined(members)
        if np.isfinite(combined).all():
            return combined
        step, *column = (int(k) for k in np.argwhere(~np.isfinite(combined))[0])
        where = (step,) + tuple(column)
        culprits = [self._member_label(index) for index in range(len(members))
                    if not np.isfinite(members[(index,) + where])]
        text, why = _non_finite_value(float(combined[where]))
        kind = "median" if self.aggregate_ == "median" else (
            "mean" if self.weights_ is None else "weighted mean")
        quantile = "" if not column else f", quantile {self.quantiles_[column[0]]:g}"
        raise NonFiniteForecastError(
            f"{type(self).__name__}.{method}: {_listed(culprits)} forecast an infinity for "
            f"step {step + 1} (of {combined.shape[0]}){quantile}, from the whole history, and "
            f"the {kind} of the members is {text} there: {why}. Check those members' fits on "
            f"this history, or leave them out", subject=_listed(culprits),
            value=float(combined[where]))


# transform and fit_transform choose their container themselves, as LastSteps' do (see there):
# taken out of the wrapper scikit-learn's set_output puts around them
ForecastEnsemble.transform = getattr(ForecastEnsemble.transform, "__wrapped__",
                                     ForecastEnsemble.transform)
ForecastEnsemble.fit_transform = getattr(ForecastEnsemble.fit_transform, "__wrapped__",
                                         ForecastEnsemble.fit_transform)
