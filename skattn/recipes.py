"""The model that did best on the M3 monthly competition, as one call.

:func:`make_attention_ensemble` builds the design of ``benchmarks/m3.py`` (docs/benchmarks.md)
for any window length and season: the median of small :class:`~skattn.AttentionForecaster`
members that read different history lengths, in two families that err differently, each member
behind its own classical seasonal adjustment. What each of its parts is worth was measured on
the M3 hold-outs and is written down in docs/benchmarks.md; this module only assembles it.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import UNUSED, _routing_enabled

from .windows import check_integer

__all__ = ["MemberPipeline", "make_attention_ensemble"]


class MemberPipeline(Pipeline):
    """A member of :func:`make_attention_ensemble`: :class:`~skattn.LastSteps`, then an
    :class:`~skattn.AttentionForecaster`. A :class:`~sklearn.pipeline.Pipeline` whose ``fit``
    also takes ``sample_weight`` without metadata routing, for its last step (LastSteps takes
    none): a plain Pipeline takes fit parameters by step name only
    (``attentionforecaster__sample_weight``), which the ensemble does not pass on, so the recipe
    could not be weighted without routing (user trial, session 25). With routing enabled
    (``sklearn.set_config(enable_metadata_routing=True)``), ``sample_weight`` is routed as a
    Pipeline routes it: to the steps that request it (``set_fit_request`` on the forecaster,
    ``member.steps[-1][1]``)."""

    # fit names sample_weight, so scikit-learn would give this router a set_fit_request of its
    # own, which its routing ignores (a request set there did nothing; review, session 25)
    __metadata_request__fit = {"sample_weight": UNUSED}

    def fit(self, X, y=None, sample_weight=None, **params):
        """Fit the steps as :meth:`sklearn.pipeline.Pipeline.fit` does; ``sample_weight`` (one
        per window) goes to the last step (see the class)."""
        if sample_weight is not None:
            key = ("sample_weight" if _routing_enabled()
                   else f"{self.steps[-1][0]}__sample_weight")
            if key in params:  # one of them was silently dropped (review, session 25)
                raise ValueError(f"{type(self).__name__}.fit got both sample_weight and {key}: "
                                 f"give the weights once")
            params[key] = sample_weight
        return super().fit(X, y, **params)


#: the members' settings: the best candidate of the M3 searches (benchmarks/m3_search.py, round
#: 2: overlapping patches of 6 steps every 3, two small layers, 20 epochs with a cosine schedule)
#: and the absolute error, which beat squared error and huber there
MEMBER_PARAMS = dict(
    patch_len=6, stride=3, d_model=32, n_layers=2, dropout=0.1, learning_rate=5e-4,
    weight_decay=0.1, early_stopping=False, loss="absolute_error", lr_schedule="cosine",
    validation_fraction=0.1, n_iter_no_change=10,
)
#: the two families: (name, the seasonality test's critical value, AttentionForecaster overrides).
#: Free heads behind a laxer test, parabola heads (trend_degree=2) behind the Theta method's
FAMILIES = (("free", 1.0, {}), ("trend", 1.645, {"trend_degree": 2}))
#: the largest seed a member accepts: AttentionForecaster's random_state seeds NumPy's RandomState
#: (also the limit of ``python -m skattn compare --seed``)
MAX_SEED = 2**32 - 1


#: AttentionForecaster parameters make_attention_ensemble sets from arguments of its own
_OWN_ARGUMENTS = ("random_state", "n_jobs", "max_epochs", "batch_size", "trend_degree", "loss",
                  "quantiles")


def _checked_member_params(member_params):
    """``member_params`` as a dict of AttentionForecaster parameter names, or a ValueError
    naming what is wrong (the values are checked by a member's own validation)."""
    from .forecaster import AttentionForecaster

    if member_params is None:
        return {}
    if not isinstance(member_params, dict):
        raise ValueError(f"member_params must be a dict of AttentionForecaster parameters or "
                         f"None, got {member_params!r}")
    valid = AttentionForecaster().get_params()
    unknown = sorted(str(name) for name in member_params if name not in valid)
    if unknown:
        raise ValueError(f"member_params has names that are not AttentionForecaster "
                         f"parameters: {', '.join(unknown)}")
    own = [name for name in _OWN_ARGUMENTS if name in member_params]
    if own:
        raise ValueError(f"member_params cannot set {', '.join(own)}: give "
                         f"{'it' if len(own) == 1 else 'them'} as make_attention_ensemble's "
                         f"own argument{'' if len(own) == 1 else 's'}")
    return dict(member_params)


#: the most seeds per window and family make_attention_ensemble builds members for
MAX_SEEDS = 10_000


def largest_random_state(n_seeds):
    """The largest int ``random_state`` of :func:`make_attention_ensemble` with ``n_seeds``: its
    members' last seed, ``random_state * n_seeds + n_seeds - 1``, is at most ``MAX_SEED``."""
    return (MAX_SEED - (n_seeds - 1)) // n_seeds


def make_attention_ensemble(windows=(24, 36, 54), *, season_length=12, n_seeds=3, max_epochs=20,
                            batch_size=256, trend_degree=2, quantiles=None, member_params=None,
                            n_jobs=None, random_state=None):
    """An unfitted ensemble of AttentionForecasters: the design reported on M3 monthly.

    The median of ``2 * len(windows) * n_seeds`` members: for each of two families, each window
    and each seed, an :class:`~skattn.AttentionForecaster` (``MEMBER_PARAMS``) reading the last
    ``window`` steps of ``X`` (:class:`~skattn.LastSteps`), behind its own
    :class:`~skattn.DeseasonalizedForecaster`. One family has free forecasts behind a seasonality
    test at 1.0 standard errors, the other forecasts a parabola over the horizon
    (``trend_degree=2``) behind the Theta method's test at 1.645. On M3 monthly, with the default
    windows and ``random_state=0``, this is ``benchmarks/m3.py``'s model: sMAPE 13.523, MASE
    0.845 against Theta's 13.725 / 0.850 (docs/benchmarks.md).

    Train it on windows cut as the M3 model's are: longer than the longest member's, every window
    with at least that member's history (left-padded), and the newest inputs too (targets that
    run past the end of a series, NaN there)::

        X, y = make_windows(series, context, horizon, min_history=max(windows), min_target=1)

    ``context`` (at least ``max(windows)``) is what the seasonal indices are estimated from: M3's
    model uses 90 months (5 horizons) with members of 24, 36 and 54. ``forecast`` then reads the
    last ``context`` values of a history. The adjustment needs a context of at least ``2 *
    season_length + 1`` values (and a few seasons to find a season reliably): a shorter one is
    left unadjusted, with a :class:`~skattn.exceptions.SeasonalAdjustmentWarning`
    (:class:`~skattn.DeseasonalizedForecaster`). With long
    seasons (52 weeks) that is more than 5 horizons: choose ``context`` from the season, not the
    horizon, or ``season_length=1``.

    Parameters
    ----------
    windows : sequence of int, default=(24, 36, 54)
        History lengths of the members; each at least 2 (a member reads its window relative to
        its own level, so a window of one value leaves it nothing to learn), all different
        (they name the members). M3 monthly (horizon 18) used 24, 36 and 54; about 4/3, 2 and 3 horizons
        elsewhere. A window shorter than the members' ``patch_len`` (6) gets members with
        ``patch_len`` (and ``stride``, when larger) cut to the window, unless ``member_params``
        sets them.
    season_length : int, default=12
        Steps per season of the seasonal adjustment; 1 puts no adjustment in front of the
        members (non-seasonal data).
    n_seeds : int, default=3
        Members per family and window, each with its own random_state; at most ``MAX_SEEDS``
        (10,000).
    max_epochs : int, default=20
        Epochs of every member. M3's 20 epochs of batches of 256 are about 3,600 updates on its
        46,000 windows; on much less data use more epochs or smaller batches (``python -m
        skattn compare`` keeps about that many updates).
    batch_size : int, default=256
        Windows per update of every member.
    trend_degree : int, default=2
        Degree of the trend family's polynomials over the horizon. It must be smaller than the
        horizon of the windows the ensemble is fitted on (their members' fit refuses it
        otherwise): for horizons of 1 or 2 give ``horizon - 1``, which leaves those members'
        forecasts unrestricted (the family then differs from the free one by its seasonality
        test only), as ``python -m skattn compare`` does.
    quantiles : sequence of float in (0, 1) or None, default=None
        None: members trained with the absolute error, the M3 model. Quantiles (e.g. ``(0.1,
        0.5, 0.9)``): every member trained with ``loss="pinball"`` for them, and the ensemble's
        ``predict_quantiles`` / ``forecast_quantiles`` give their median across members
        (prediction intervals); ``predict`` then gives the median of the members' forecasts of
        the quantile nearest 0.5. Not measured on M3.
    member_params : dict or None, default=None
        :class:`~skattn.AttentionForecaster` parameters that replace ``MEMBER_PARAMS`` in every
        member, e.g. ``{"patch_len": 24, "stride": 24}`` for hourly windows of a week (the M3
        patches of 6 every 3 steps make 55 tokens of 168 hours; user trial, session 20) or
        ``{"d_model": 16, "n_layers": 1}`` for a smaller model. Not ``random_state``,
        ``n_jobs``, ``max_epochs``, ``batch_size``, ``trend_degree``, ``loss`` or
        ``quantiles``, which are arguments of their own. None: the M3 members.
    n_jobs : int or None, default=None
        Members fitted in parallel processes (:class:`~skattn.ForecastEnsemble`); None means 1
        unless in a :func:`joblib.parallel_config` context, -1 all processors; not 0. Each
        member uses one thread.
    random_state : int, RandomState instance or None, default=None
        Seeds of the members: an int ``r`` gives the members of every family and window the
        seeds ``r * n_seeds, ..., r * n_seeds + n_seeds - 1`` (0 reproduces the M3 model), so
        that ensembles of different ``r`` share no seed (a loop over ``r`` estimates the spread
        between seeds), and ``r`` runs from 0 to ``(2**32 - n_seeds) // n_seeds`` (a seed is at
        most ``2**32 - 1``); a RandomState draws them; None leaves every member unseeded.
        A RandomState is drawn from here, when the recipe is called, not at fit: the members
        hold int seeds, so fitting the returned ensemble twice gives the same model (bitwise,
        its members trained one thread each), and only another call of the recipe, with the
        RandomState further on, gives other seeds.

    Returns
    -------
    ForecastEnsemble
        Unfitted, with ``aggregate="median"``; the members are named
        ``"{family}_w{window}_seed{k}"`` and listed longest window first (the order the
        ensemble's workers take them in; it does not change the forecasts). Their
        :class:`~skattn.LastSteps` give arrays (``set_output(transform="default")``), whatever
        the global ``sklearn.set_config(transform_output=...)``.

    Raises
    ------
    ValueError
        When an argument is invalid, named in the message: ``windows`` not a non-empty
        sequence of distinct integers >= 2; ``member_params`` not a dict of valid
        AttentionForecaster parameters (or one of those with an argument of its own); ``season_length``, ``n_seeds``, ``max_epochs`` or
        ``batch_size`` not an integer >= 1; ``trend_degree`` not an integer >= 0; ``quantiles``
        not distinct values in (0, 1), or two of them equally near 0.5; ``n_jobs`` not None or a
        nonzero integer; an int ``random_state`` below 0 or above
        ``(2**32 - n_seeds) // n_seeds``. Checked
        here, at the call, not first when the ensemble is fitted.

    Examples
    --------
    >>> from skattn import make_windows
    >>> from skattn.datasets import load_airline
    >>> from skattn.recipes import make_attention_ensemble
    >>> series = load_airline().series[:-12]
    >>> model = make_attention_ensemble((16, 24, 36), n_seeds=1, max_epochs=2, batch_size=32,
    ...                                 random_state=0)
    >>> X, y = make_windows(series, 60, 12, min_history=36, min_target=1)
    >>> model.fit(X, y).forecast(series, 12).shape
    (12,)
    """
    from .ensemble import ForecastEnsemble, LastSteps
    from .forecaster import AttentionForecaster
    from .seasonal import DeseasonalizedForecaster

    if isinstance(windows, (str, bytes)) or not hasattr(windows, "__iter__"):
        raise ValueError(f"windows must be a sequence of integers >= 2, got {windows!r}")
    # at least 2: a member normalises its window by its own level, so a window of one value is
    # constant and AttentionForecaster warns at fit that it has nothing to learn (session 20)
    windows = [check_integer("every window", window, 2) for window in windows]
    if not windows:
        raise ValueError("windows is empty: give at least one history length")
    # the members are named by their window, and ForecastEnsemble refuses repeated names
    repeated = sorted({window for window in windows if windows.count(window) > 1})
    if repeated:
        raise ValueError(
            f"windows must be different history lengths, got {repeated[0]} more than once in "
            f"{tuple(windows)}: each window gives its members their names"
        )
    season_length = check_integer("season_length", season_length, 1)
    n_seeds = check_integer("n_seeds", n_seeds, 1)
    if n_seeds > MAX_SEEDS:
        # n_seeds=10**12 with random_state=None was a MemoryError building the seed list
        # (fuzzing, session 28)
        raise ValueError(f"n_seeds must be at most {MAX_SEEDS} (the ensemble has "
                         f"2 * len(windows) * n_seeds members, each an estimator), got {n_seeds}")
    max_epochs = check_integer("max_epochs", max_epochs, 1)
    batch_size = check_integer("batch_size", batch_size, 1)
    trend_degree = check_integer("trend_degree", trend_degree, 0)
    # the rule of the ensemble's N_JOBS_CONSTRAINT (joblib's: 0 has no meaning), checked now
    # rather than at fit; a bool is refused, as check_integer refuses it for the other counts
    if n_jobs is not None and (not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool)
                               or n_jobs == 0):
        raise ValueError(
            "n_jobs must be None or a nonzero integer (-1 for all processors), got "
            f"{n_jobs!r}"
        )
    if isinstance(random_state, (bool, np.bool_)):
        # not an int here: True went to check_random_state, which read it as 1, and the members
        # got seeds of RandomState(1), not those of random_state=1 (review, session 30)
        raise ValueError(f"random_state must be None, an integer or a RandomState, got "
                         f"{random_state!r}")
    if random_state is None:
        seeds = [None] * n_seeds
    elif isinstance(random_state, Integral):
        # a block of n_seeds seeds per random_state: with r + k, neighbouring random_states
        # shared n_seeds - 1 of their seeds, so a loop over r (to see the spread between seeds)
        # refitted the same members (user trial, session 19); r = 0 keeps seeds 0, ..., n_seeds - 1
        largest = largest_random_state(n_seeds)
        if not 0 <= random_state <= largest:
            raise ValueError(
                f"random_state must be an integer from 0 to {largest} (the members get the "
                f"seeds random_state * {n_seeds}, ..., random_state * {n_seeds} + {n_seeds - 1}, "
                f"each at most 2**32 - 1), got {random_state!r}"
            )
        seeds = [int(random_state) * n_seeds + k for k in range(n_seeds)]
    else:
        seeds = [int(seed) for seed in
                 check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n_seeds)]

    # the trend family at the degree asked for
    families = [(family, critical_value,
                 {**overrides, "trend_degree": trend_degree} if "trend_degree" in overrides
                 else overrides)
                for family, critical_value, overrides in FAMILIES]
    members = []
    # longest window first: ForecastEnsemble hands its members to the workers in list order and
    # a member's fit time grows with its window, so the longest start first and the shortest
    # fill the gaps at the end (listed family by family, shortest first, M3's two workers could
    # finish members of window 54 one after the other at the end). The median does not depend
    # on the order: the forecasts are the same bit for bit.
    loss = {} if quantiles is None else {"loss": "pinball", "quantiles": quantiles}
    user_params = _checked_member_params(member_params)
    params = {**MEMBER_PARAMS, **user_params, **loss}
    if quantiles is not None or member_params:
        # checked at the call as the other arguments are, not first by every member's fit
        # (docs audit, session 18), by the members' own rule and message
        member = AttentionForecaster(**params)
        member._validate_params()  # the type (a scalar was refused only by the members' fit)
        member._check_params()
    for window in sorted(windows, reverse=True):
        window_params = dict(params)
        if window < params["patch_len"] and "patch_len" not in user_params:
            # a window shorter than the default patch is read as one patch: cut the patches to
            # the window instead of warning about a setting only the recipe chose (session 21:
            # AttentionForecaster warns of patch_len > window, which compare's members of
            # windows under 6, for horizons up to 4, would have raised with no remedy for the
            # user). M3's windows (24, 36, 54) are unchanged.
            window_params["patch_len"] = window
            if "stride" not in user_params:
                window_params["stride"] = min(params["stride"], window)
        for family, critical_value, overrides in families:
            for k, seed in enumerate(seeds):
                # the LastSteps' output pinned to arrays, as scikit-learn pins the transformers
                # it builds inside its estimators: a global set_config(transform_output="pandas")
                # turned them to DataFrames, and on windows with covariates (3-D) every
                # member's fit failed (review, session 21); the members take arrays either way
                member = MemberPipeline([
                    ("laststeps", LastSteps(window).set_output(transform="default")),
                    ("attentionforecaster", AttentionForecaster(
                        **window_params, **overrides, max_epochs=max_epochs,
                        batch_size=batch_size, n_jobs=1, random_state=seed))])
                if season_length > 1:
                    member = DeseasonalizedForecaster(member, season_length=season_length,
                                                      critical_value=critical_value)
                members.append((f"{family}_w{window}_seed{k}", member))
    return ForecastEnsemble(members, aggregate="median", n_jobs=n_jobs)
