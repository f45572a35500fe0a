"""make_attention_ensemble: the M3 design as one call, and backtest's window arguments."""
import numpy as np
import pytest
from sklearn.base import clone

from skattn import AttentionForecaster, DeseasonalizedForecaster, ForecastEnsemble, make_windows
from skattn.model_selection import backtest
from skattn.recipes import FAMILIES, MEMBER_PARAMS, make_attention_ensemble


def _attention(member):
    """The AttentionForecaster inside a member (behind its adjustment, after LastSteps)."""
    pipeline = member.forecaster if isinstance(member, DeseasonalizedForecaster) else member
    return pipeline[-1]


def test_members_are_two_families_times_windows_times_seeds():
    model = make_attention_ensemble((24, 36, 54), season_length=12, n_seeds=3, random_state=0)
    assert isinstance(model, ForecastEnsemble) and model.aggregate == "median"
    names = [name for name, _ in model.estimators]
    assert len(names) == 18 and len(set(names)) == 18
    # longest window first (the workers' order), the families in turn within a window
    assert names[:4] == ["free_w54_seed0", "free_w54_seed1", "free_w54_seed2", "trend_w54_seed0"]
    assert names[-1] == "trend_w24_seed2"
    families = [family for _ in range(3) for family in FAMILIES for _ in range(3)]
    for (name, member), (family, critical_value, overrides) in zip(model.estimators, families):
        assert name.startswith(family)
        assert isinstance(member, DeseasonalizedForecaster)
        assert member.critical_value == critical_value and member.season_length == 12
        window = int(name.split("_w")[1].split("_")[0])
        assert member.forecaster[0].n_steps == window
        params = _attention(member).get_params()
        for key, value in {**MEMBER_PARAMS, **overrides}.items():
            assert params[key] == value, key
        assert params["trend_degree"] == overrides.get("trend_degree")
        assert params["random_state"] == int(name[-1])  # seeds 0, 1, 2 with random_state=0


def test_members_are_listed_longest_window_first_whatever_the_order_given():
    # ForecastEnsemble's workers take the members in list order: the longest fits go first
    model = make_attention_ensemble((36, 12, 54), season_length=1, n_seeds=1)
    assert [m[0].n_steps for _, m in model.estimators] == [54, 54, 36, 36, 12, 12]
    assert [name for name, _ in model.estimators][:2] == ["free_w54_seed0", "trend_w54_seed0"]


def test_trend_degree_sets_the_trend_family_only_and_fits_a_horizon_below_three():
    model = make_attention_ensemble((4, 6), season_length=1, n_seeds=1, max_epochs=1,
                                    trend_degree=1, random_state=0)
    degrees = {name: m[-1].trend_degree for name, m in model.estimators}
    assert degrees == {"free_w6_seed0": None, "trend_w6_seed0": 1,
                       "free_w4_seed0": None, "trend_w4_seed0": 1}
    series = 10 + np.sin(np.arange(60) * np.pi / 6) + 0.05 * np.arange(60)
    X, y = make_windows(series, 8, 2, min_history=6, min_target=1)
    with pytest.warns(UserWarning):  # one epoch: still improving
        model.fit(X, y)
    assert model.forecast(series, 2).shape == (2,)
    # the default degree 2 needs 3 values per window: the members' fit says so
    with pytest.raises(ValueError, match="trend_degree=2 must be smaller than the horizon"):
        make_attention_ensemble((4,), season_length=1, n_seeds=1, max_epochs=1).fit(X, y)


def test_random_state_int_none_and_instance():
    seeds = [_attention(m).random_state
             for _, m in make_attention_ensemble((6,), n_seeds=2, random_state=7).estimators]
    assert seeds == [14, 15, 14, 15]  # 7 * n_seeds + k
    unseeded = make_attention_ensemble((6,), n_seeds=2).estimators
    assert all(_attention(m).random_state is None for _, m in unseeded)
    drawn = [_attention(m).random_state for _, m in make_attention_ensemble(
        (6,), n_seeds=2, random_state=np.random.RandomState(0)).estimators]
    again = [_attention(m).random_state for _, m in make_attention_ensemble(
        (6,), n_seeds=2, random_state=np.random.RandomState(0)).estimators]
    assert drawn == again and all(isinstance(seed, int) for seed in drawn)
    assert drawn[0] != drawn[1]


def test_season_length_one_means_no_adjustment():
    model = make_attention_ensemble((4, 8), season_length=1, n_seeds=1)
    assert not any(isinstance(m, DeseasonalizedForecaster) for _, m in model.estimators)
    assert all(isinstance(m[-1], AttentionForecaster) for _, m in model.estimators)


@pytest.mark.parametrize("kwargs, message", [
    (dict(windows=()), "windows is empty"),
    (dict(trend_degree=-1), "trend_degree must be an integer >= 0"),
    (dict(trend_degree=1.5), "trend_degree must be an integer >= 0"),
    (dict(windows=24), "windows must be a sequence"),
    (dict(windows="24"), "windows must be a sequence"),
    (dict(windows=(24, 0)), "every window must be an integer >= 2"),
    (dict(windows=(24, 2.5)), "every window must be an integer >= 2"),
    (dict(season_length=0), "season_length must be an integer >= 1"),
    (dict(n_seeds=True), "n_seeds must be an integer >= 1"),
    (dict(max_epochs=0), "max_epochs must be an integer >= 1"),
    (dict(batch_size=-1), "batch_size must be an integer >= 1"),
    # the next ones were accepted here and failed only at fit
    (dict(windows=(12, 12)), r"windows must be different history lengths, got 12 more than once"),
    (dict(windows=(24, 36, 24, 36)), "got 24 more than once"),
    (dict(random_state=-1), r"random_state must be an integer from 0 to 1431655764 \(the "
     r"members get the seeds random_state \* 3, ..., random_state \* 3 \+ 2"),
    (dict(random_state=2**31, n_seeds=2),
     "random_state must be an integer from 0 to 2147483647 "),
    (dict(random_state=np.int64(2**32 - 2), n_seeds=3), "random_state must be an integer from 0"),
    (dict(n_jobs=0), "n_jobs must be None or a nonzero integer"),
    (dict(n_jobs=1.5), "n_jobs must be None or a nonzero integer"),
    (dict(n_jobs=True), "n_jobs must be None or a nonzero integer"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_attention_ensemble(**kwargs)


def test_largest_random_state_gives_every_member_a_valid_seed():
    # random_state * n_seeds + n_seeds - 1 is the largest seed: with the largest random_state
    # it is still one the members take (at most 2**32 - 1), and one more is refused
    largest = (2**32 - 3) // 3
    model = make_attention_ensemble((6,), season_length=1, n_seeds=3, random_state=largest,
                                    n_jobs=-1)
    seeds = [_attention(member).random_state for _, member in model.estimators]
    assert seeds == [3 * largest, 3 * largest + 1, 3 * largest + 2] * 2
    assert 3 * largest + 2 <= 2**32 - 1 < 3 * (largest + 1) + 2
    with pytest.raises(ValueError, match=f"from 0 to {largest} "):
        make_attention_ensemble((6,), n_seeds=3, random_state=largest + 1)
    for _, member in model.estimators:
        _attention(member)._validate_params()  # the check fit makes; it refused -1 and 2**32
    model._validate_params()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fits_on_padded_and_past_the_end_windows_and_forecasts():
    t = np.arange(70.0)
    series = [50 + 10 * np.sin(2 * np.pi * t / 12) + 0.3 * t,
              80 + 5 * np.cos(2 * np.pi * t[:45] / 12)]
    X, y = make_windows(series, 30, 6, min_history=12, min_target=1)
    assert np.isnan(y).any()  # the past-the-end rows are there
    model = make_attention_ensemble((8, 12), season_length=12, n_seeds=1, max_epochs=2,
                                    batch_size=16, random_state=0)
    fitted = clone(model).fit(X, y)
    forecast = fitted.forecast(series[1], 6)
    assert forecast.shape == (6,) and np.all(np.isfinite(forecast))
    # the same seeds give the same forecasts
    again = clone(model).fit(X, y).forecast(series[1], 6)
    np.testing.assert_array_equal(forecast, again)


class _RowRecorder:
    """A window model that remembers what it was trained on and forecasts the last value."""

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.X_, self.y_ = X, y
        _RowRecorder.seen.append((X.shape, int(np.isnan(y).sum())))
        return self

    def forecast(self, history, steps):
        return np.full(steps, history[-1], dtype=float)


def test_backtest_passes_min_history_and_min_target_to_make_windows():
    series = np.arange(60.0) + 1
    _RowRecorder.seen = []
    backtest(_RowRecorder(), series, horizon=6, window=24)
    backtest(_RowRecorder(), series, horizon=6, window=24, min_history=12, min_target=1)
    (plain_shape, plain_nan), (more_shape, more_nan) = _RowRecorder.seen
    X, y = make_windows(series[:-6], 24, 6)
    X2, y2 = make_windows(series[:-6], 24, 6, min_history=12, min_target=1)
    assert plain_shape == X.shape and plain_nan == 0
    assert more_shape == X2.shape and more_nan == int(np.isnan(y2).sum()) > 0
    assert more_shape[0] > plain_shape[0]
    with pytest.raises(ValueError, match="min_history"):
        backtest(_RowRecorder(), series, horizon=6, window=24, min_history=30)


def test_exported_at_the_top_level_lazily():
    # it was reachable only as skattn.recipes.make_attention_ensemble
    import subprocess
    import sys

    import skattn
    import skattn.recipes

    assert "make_attention_ensemble" in skattn.__all__
    assert "make_attention_ensemble" in dir(skattn)
    from skattn import make_attention_ensemble as top_level
    assert top_level is skattn.recipes.make_attention_ensemble is make_attention_ensemble
    # `import skattn` does not import the recipes (nor sklearn.pipeline) until they are asked for
    code = ("import sys, skattn; assert 'skattn.recipes' not in sys.modules; "
            "skattn.make_attention_ensemble; assert 'skattn.recipes' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("quantiles, message", [
    ((1.5,), "quantiles must be strictly between 0 and 1"),
    ((0.9, 0.5, 0.1), "quantiles must be in increasing order"),
    ((0.1, 0.1), "quantiles must be distinct"),
    ((0.1, 0.9), "are equally near 0.5"),
])
def test_bad_quantiles_are_refused_at_the_call(quantiles, message):
    # they were accepted and refused by every member's fit (docs audit, session 18)
    with pytest.raises(ValueError, match=message):
        make_attention_ensemble((12,), n_seeds=1, quantiles=quantiles)


def test_quantiles_of_the_wrong_type_are_refused_at_the_call():
    # a scalar passed the call's check and failed in every member's fit (third review, 18)
    with pytest.raises(ValueError, match="'quantiles' parameter of AttentionForecaster must be "
                                         "an array-like or None"):
        make_attention_ensemble((12,), n_seeds=1, quantiles=0.5)


def test_neighbouring_random_states_share_no_seed():
    # with seeds r + k, random_state 0 and 1 shared two of their three seeds, so a loop over r
    # to measure the spread between seeds refitted the same members (user trial, session 19)
    def seeds(r):
        return {_attention(member).random_state for _, member in make_attention_ensemble(
            (6, 8), season_length=1, n_seeds=3, random_state=r).estimators}

    blocks = [seeds(r) for r in range(4)]
    assert blocks[0] == {0, 1, 2}  # the M3 model's seeds are unchanged
    assert all(len(block) == 3 for block in blocks)
    assert len(set().union(*blocks)) == 12


def test_member_params_replace_the_m3_settings_and_are_checked_at_the_call():
    # hourly windows of a week need patches of their own: the M3 members' 6 every 3 made 55
    # tokens of 168 hours, and nothing could change them (user trial, session 20)
    model = make_attention_ensemble((24, 48), season_length=24, n_seeds=1, random_state=0,
                                    member_params={"patch_len": 24, "stride": 24, "d_model": 16})
    for _, member in model.estimators:
        attention = member.forecaster[-1]
        assert (attention.patch_len, attention.stride, attention.d_model) == (24, 24, 16)
        assert attention.n_layers == MEMBER_PARAMS["n_layers"]  # the rest as on M3
    # without it, the M3 members exactly
    default = make_attention_ensemble((24, 36), n_seeds=1, random_state=0)
    assert default.estimators[0][1].forecaster[-1].get_params()["patch_len"] == 6
    for bad, message in (({"patch_size": 24}, "not AttentionForecaster parameters: patch_size"),
                         ({"max_epochs": 3}, "cannot set max_epochs"),
                         ({"random_state": 1, "loss": "pinball"}, "cannot set random_state, loss"),
                         ([("patch_len", 24)], "must be a dict"),
                         ({"d_model": 30, "n_heads": 4}, "divisible"),
                         ({"patch_len": 0}, "patch_len")):
        with pytest.raises(ValueError, match=message):
            make_attention_ensemble((24,), member_params=bad)


def test_windows_of_one_value_are_refused_at_the_call():
    # a member normalises its window by its own level: one value is constant, nothing to learn
    with pytest.raises(ValueError, match="every window"):
        make_attention_ensemble((1, 12))


def test_windows_shorter_than_the_patch_get_members_with_patches_of_the_window():
    # AttentionForecaster warns of patch_len > window (session 21); the recipe's own patch of 6
    # would have raised that warning for every member of a window under 6 (compare's members
    # for horizons up to 4), with no setting of the user's to blame: the recipe cuts it instead
    import warnings

    import numpy as np

    from skattn import make_attention_ensemble, make_windows

    series = np.sin(np.arange(120) * 0.5) * 5 + np.arange(120) * 0.1 + 50
    X, y = make_windows(series, window=8, horizon=2)
    model = make_attention_ensemble((4, 8), season_length=1, n_seeds=1, max_epochs=1,
                                    trend_degree=1, random_state=0)
    params = {name: member.get_params() for name, member in model.estimators}
    assert params["free_w4_seed0"]["attentionforecaster__patch_len"] == 4
    assert params["free_w4_seed0"]["attentionforecaster__stride"] == 3
    assert params["free_w8_seed0"]["attentionforecaster__patch_len"] == 6
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*patch_len.*longer than the windows")
        model.fit(X, y)
    # a patch the user asked for is theirs: kept, and the members say what it does
    mine = make_attention_ensemble((4,), season_length=1, n_seeds=1, max_epochs=1,
                                   trend_degree=1, member_params={"patch_len": 5}, random_state=0)
    assert all(m.get_params()["attentionforecaster__patch_len"] == 5 for _, m in mine.estimators)
    with pytest.warns(UserWarning, match="patch_len=5 is longer than the windows"):
        mine.fit(X, y)
