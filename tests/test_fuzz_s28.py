"""Bad or extreme input to the Python API that a fuzzing run (session 28) found answered with NaN,
a MemoryError, an int64 overflow or an internal argument's name."""
import warnings

import numpy as np
import pytest

from skattn import AttentionForecaster, make_attention_ensemble, make_windows
from skattn.baselines import NaiveForecaster, ThetaForecaster
from skattn.model_selection import backtest

SERIES = np.sin(np.arange(60) / 3) * 3 + 10 + np.arange(60) * 0.1


@pytest.fixture(scope="module")
def naive():
    X, Y = make_windows(SERIES, 12, 3)
    return NaiveForecaster().fit(X, Y), X, Y


@pytest.mark.parametrize("scale", [1e160, 1e200, 1e-160])
def test_score_of_values_far_from_one_is_the_score_of_the_same_values_near_one(naive, scale):
    model, X, Y = naive
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow inside r2_score
        scaled = model.score(X * scale, Y * scale)
    assert scaled == pytest.approx(model.score(X, Y), rel=1e-12)
    missing = Y * scale
    missing[-1, -1] = np.nan  # the path of missing targets
    assert np.isfinite(model.score(X * scale, missing))


@pytest.mark.parametrize("factor", [1e308, 5e-324])
def test_score_does_not_depend_on_the_weights_scale(naive, factor):
    model, X, Y = naive
    weights = np.r_[np.zeros(len(X) - 2), 1.0, 1.0]
    assert model.score(X, Y, sample_weight=weights * factor) == pytest.approx(
        model.score(X, Y, sample_weight=weights), rel=1e-12)


def test_a_theta_season_longer_than_the_history_costs_nothing(monkeypatch):
    # season_length=10**9 on 60 values allocated 7.45 GiB (np.arange(1, season_length)) for a
    # check that cannot apply below two seasons
    from skattn import baselines

    def refuse(season_length, z):
        raise AssertionError(f"the sine's length was computed for season {season_length}")

    monkeypatch.setattr(baselines, "_shortest_window_finding_a_sine", refuse)
    model = ThetaForecaster(season_length=10**9).fit(np.zeros((1, 12)), np.zeros((1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isfinite(model.forecast(SERIES, 3)).all()


@pytest.mark.parametrize("n_origins, origin_step", [(3, 2**62), (4, 2**62), (2, 2**63),
                                                    (10**12, 3)])
def test_backtest_counts_beyond_int64_or_memory_are_a_value_error(n_origins, origin_step):
    with pytest.raises(ValueError, match=r"too short for .* it needs at least [0-9]{5,}"):
        backtest({"naive": NaiveForecaster()}, SERIES, horizon=3, window=6,
                 n_origins=n_origins, origin_step=origin_step)


def test_an_ensemble_of_too_many_seeds_is_a_value_error():
    with pytest.raises(ValueError, match="n_seeds must be at most 10000"):
        make_attention_ensemble((6,), n_seeds=10**12)


@pytest.mark.parametrize("params", [{"learning_rate": True}, {"clip_grad_norm": True}])
def test_a_bool_where_scikit_learn_takes_a_number_trains_as_that_number(params):
    # scikit-learn's Interval(Real) takes True as 1.0 (as Ridge(alpha=True) does); the
    # optimiser then refused it naming its own arguments (max_norm, base_lr)
    X, Y = make_windows(SERIES, 12, 3)
    small = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(**small, **params).fit(X, Y)
        as_number = AttentionForecaster(**small, **{k: 1.0 for k in params}).fit(X, Y)
    np.testing.assert_array_equal(model.predict(X), as_number.predict(X))


def test_a_blown_up_forecast_still_scores_minus_infinity(naive):
    # rescaled by the predictions' scale too, the targets' spread underflowed and R^2 read 0.0
    # (review, session 28)
    model, X, Y = naive
    blown = X.copy()
    blown[0, -1] = 1e170  # the naive model forecasts the window's last value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert model.score(blown, Y) == -np.inf
