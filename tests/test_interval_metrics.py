"""Metrics of prediction intervals and quantile forecasts: coverage, interval_score, msis and
quantile_loss, against values computed by hand, scikit-learn, closed forms and exact rationals."""
import warnings
from fractions import Fraction

import numpy as np
import pytest

from skattn.metrics import (
    coverage,
    interval_score,
    mase,
    msis,
    quantile_loss,
    seasonal_naive_scale,
)


# ------------------------------------------------------------------------------------------
# By hand
# ------------------------------------------------------------------------------------------
def test_coverage_by_hand():
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    lower = [0.0, 2.5, 3.0, 1.0, 5.5]
    upper = [2.0, 3.0, 3.0, 4.0, 6.0]  # 1 inside, 2 below, 3 on both bounds, 4 on the upper, 5 below
    assert coverage(y, lower, upper) == 3 / 5
    # 2-D: the share over all values
    assert coverage([[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [3.5, 0.0]],
                    [[1.0, 1.0], [4.0, 9.0]]) == 2 / 4
    assert coverage([1.0], [1.0], [1.0]) == 1.0
    assert coverage([0.0, 10.0], [1.0, 1.0], [2.0, 2.0]) == 0.0


def test_interval_score_by_hand():
    alpha = 0.2  # 80% intervals: a miss costs 2 / 0.2 = 10 per unit
    y = [5.0, 0.0, 9.0, 4.0]
    lower = [4.0, 1.0, 2.0, 4.0]
    upper = [6.0, 3.0, 7.0, 4.0]
    # widths 2, 2, 5, 0; value 2 misses below by 1, value 3 above by 2; value 4 on a point interval
    expected = ((2 + 0) + (2 + 10 * 1) + (5 + 10 * 2) + 0) / 4
    assert interval_score(y, lower, upper, alpha) == pytest.approx(expected, rel=1e-15)
    # 95% intervals, M4's: 2 / 0.05 = 40 per unit
    assert interval_score([0.0], [1.0], [3.0], 0.05) == pytest.approx(2 + 40, rel=1e-15)


@pytest.mark.parametrize("alpha", [0.5, 0.2, 0.05, 1e-6])
def test_a_value_inside_its_interval_contributes_only_the_width(alpha):
    y = np.array([1.0, 2.5, 3.0, 10.0])
    lower = np.array([0.0, 2.0, 3.0, 7.5])
    upper = np.array([2.0, 2.5, 4.0, 10.0])  # inside, on the upper bound, on the lower, on upper
    assert interval_score(y, lower, upper, alpha) == np.mean(upper - lower)
    # a miss adds 2 / alpha times its distance, whatever alpha
    y_missing = y.copy()
    y_missing[0] = -1.0  # 1 below the lower bound
    assert interval_score(y_missing, lower, upper, alpha) == pytest.approx(
        np.mean(upper - lower) + (2 / alpha) * 1.0 / 4, rel=1e-14)


def test_interval_score_is_twice_over_alpha_the_pinball_loss_of_its_bounds():
    # S_alpha(l, u; y) = (2 / alpha) (rho_{alpha/2}(y - l) + rho_{1-alpha/2}(y - u)): a proper
    # scoring rule for the two quantiles
    rng = np.random.default_rng(0)
    y = rng.normal(size=(20, 4))
    lower = rng.normal(-1.0, 1.0, size=(20, 4))
    upper = lower + rng.exponential(2.0, size=(20, 4))
    for alpha in (0.05, 0.2, 0.5):
        loss = quantile_loss(y, np.stack([lower, upper], axis=-1), [alpha / 2, 1 - alpha / 2])
        assert interval_score(y, lower, upper, alpha) == pytest.approx(
            (2 / alpha) * 2 * loss, rel=1e-13)


def test_msis_by_hand():
    y_train = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]  # naive scale 9 / 5, season 2: 6 / 4
    y, lower, upper = [7.0, 5.0], [6.0, 6.0], [8.0, 7.0]  # widths 2, 1; value 2 misses by 1
    scores = (2 + (1 + 40 * 1)) / 2  # alpha 0.05: 40 per unit
    assert msis(y, lower, upper, y_train) == pytest.approx(scores / 1.8, rel=1e-15)
    assert msis(y, lower, upper, y_train, season_length=2) == pytest.approx(scores / 1.5,
                                                                              rel=1e-15)
    assert msis(y, lower, upper, y_train, alpha=0.2) == pytest.approx(
        (2 + 1 + 10) / 2 / 1.8, rel=1e-15)


def test_msis_is_each_series_interval_score_over_its_scale_averaged():
    rng = np.random.default_rng(1)
    y = rng.normal(10.0, 2.0, size=(5, 6))
    lower = y - rng.uniform(-1.0, 3.0, size=(5, 6))  # some values below their intervals
    upper = np.maximum(lower, y + rng.uniform(-1.0, 3.0, size=(5, 6)))  # and some above
    histories = [rng.normal(10.0, 2.0, size=int(rng.integers(6, 20))) for _ in range(5)]
    for m in (1, 2, 4):
        for alpha in (0.05, 0.2):
            expected = np.mean([
                interval_score(y[i], lower[i], upper[i], alpha) / seasonal_naive_scale(h, m)
                for i, h in enumerate(histories)
            ])
            assert msis(y, lower, upper, histories, m, alpha) == pytest.approx(expected,
                                                                                rel=1e-14)
            # one forecast: its own
            assert msis(y[0], lower[0], upper[0], histories[0], m, alpha) == pytest.approx(
                interval_score(y[0], lower[0], upper[0], alpha)
                / seasonal_naive_scale(histories[0], m), rel=1e-14)
    # intervals of width 0, the point forecasts: every miss costs 2 / alpha per unit, so the MSIS
    # is 2 / alpha times the MASE
    point = (lower + upper) / 2
    assert msis(y, point, point, histories, 1, 0.2) == pytest.approx(
        10 * mase(y, point, histories, 1), rel=1e-13)


def test_quantile_loss_by_hand():
    y = [10.0, 12.0]
    f = [[8.0, 10.0, 11.0], [9.0, 11.0, 14.0]]
    # y - f: 2, 0, -1 and 3, 1, -2; under-forecasts cost q, over-forecasts 1 - q
    expected = (0.1 * 2 + 0 + 0.1 * 1 + 0.1 * 3 + 0.5 * 1 + 0.1 * 2) / 6
    assert quantile_loss(y, f, [0.1, 0.5, 0.9]) == pytest.approx(expected, rel=1e-15)
    # the median alone: half the MAE
    assert quantile_loss([1.0, 4.0], [[2.0], [1.0]], [0.5]) == pytest.approx(0.5 * 2, rel=1e-15)


@pytest.mark.parametrize("q", [0.05, 0.1, 0.5, 0.9, 0.975])
@pytest.mark.parametrize("two_d", [False, True])
def test_quantile_loss_of_one_quantile_is_scikit_learns_mean_pinball_loss(q, two_d):
    from sklearn.metrics import mean_pinball_loss

    rng = np.random.default_rng(2)
    shape = (30, 4) if two_d else (30,)
    y = rng.normal(5.0, 2.0, size=shape)
    f = y + rng.normal(0.0, 1.5, size=shape)
    weights = rng.integers(0, 4, size=30).astype(float)
    assert quantile_loss(y, f[..., None], [q]) == pytest.approx(
        mean_pinball_loss(y, f, alpha=q), rel=1e-13)
    assert quantile_loss(y, f[..., None], [q], sample_weight=weights) == pytest.approx(
        mean_pinball_loss(y, f, alpha=q, sample_weight=weights), rel=1e-13)
    # several quantiles: the mean of each one's
    levels = [q, 0.5, 1 - q / 2]
    forecasts = np.stack([f, f + 1.0, f - 2.0], axis=-1)
    for w in (None, weights):
        assert quantile_loss(y, forecasts, levels, sample_weight=w) == pytest.approx(
            np.mean([mean_pinball_loss(y, forecasts[..., k], alpha=levels[k], sample_weight=w)
                     for k in range(3)]), rel=1e-13)


def test_twice_the_quantile_loss_over_many_quantiles_approximates_the_crps():
    # the claim of quantile_loss's docstring, against the closed-form CRPS of normal forecasts:
    # CRPS(N(mu, s), y) = s (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)), z = (y - mu) / s
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    y = rng.normal(1.0, 2.0, size=50)
    mu, s = rng.normal(size=50), rng.uniform(0.5, 3.0, size=50)
    z = (y - mu) / s
    crps = np.mean(s * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi)))
    errors = []
    for n_quantiles in (19, 199, 999):
        levels = (np.arange(1, n_quantiles + 1) - 0.5) / n_quantiles  # evenly spaced midpoints
        forecasts = mu[:, None] + s[:, None] * norm.ppf(levels)
        errors.append(abs(2 * quantile_loss(y, forecasts, levels) - crps) / crps)
    assert errors[-1] < 1e-5
    assert errors[0] > errors[1] > errors[2]  # it converges


# ------------------------------------------------------------------------------------------
# Shapes: (n,) and (n, 1) alike; y_quantiles with a last axis, one forecast per quantile
# ------------------------------------------------------------------------------------------
def test_n_and_n_by_1_are_paired_as_in_the_other_metrics():
    y = np.array([1.0, 2.0, 4.0])
    lower, upper = np.array([0.0, 2.5, 3.0]), np.array([2.0, 3.0, 5.0])
    for metric in (coverage, lambda *a: interval_score(*a, 0.2)):
        expected = metric(y, lower, upper)
        assert metric(y[:, None], lower, upper) == expected
        assert metric(y, lower[:, None], upper) == expected
        assert metric(y, lower, upper[:, None]) == expected
    # MSIS: y_true's shape says which it is, as for mase
    history = [1.0, 3.0, 2.0]
    assert msis(y, lower[:, None], upper, history) == msis(y, lower, upper, history)
    histories = [[1.0, 3.0], [0.0, 2.0, 3.0], [4.0, 4.5]]
    assert msis(y[:, None], lower, upper, histories) == msis(
        y[:, None], lower[:, None], upper[:, None], histories)
    # quantiles: (n,) with (n, 1, Q), (n, 1) with (n, Q)
    f = np.stack([lower, (lower + upper) / 2, upper], axis=-1)  # (3, 3)
    expected = quantile_loss(y, f, [0.1, 0.5, 0.9])
    assert quantile_loss(y[:, None], f, [0.1, 0.5, 0.9]) == expected
    assert quantile_loss(y, f[:, None, :], [0.1, 0.5, 0.9]) == expected


@pytest.mark.parametrize(
    "call, match",
    [
        # bounds in the wrong order: how many, and where the first is
        (lambda: coverage([1.0, 2.0, 3.0], [0.0, 3.0, 4.0], [2.0, 2.5, 3.5]),
         r"y_lower > y_upper at 2 of 3 values, the first at index 1 \(3.0 > 2.5\)"),
        (lambda: interval_score(np.zeros((2, 3)), [[0, 0, 0], [0, 1, 0]], np.zeros((2, 3)), 0.2),
         r"y_lower > y_upper at 1 of 6 values, the first at index \(1, 1\)"),
        (lambda: msis([1.0, 2.0], [3.0, 1.0], [2.0, 3.0], [1.0, 2.0, 4.0]),
         "y_lower > y_upper at 1 of 2 values, the first at index 0"),
        # shapes
        (lambda: coverage([1.0, 2.0], [1.0], [2.0, 3.0]), "y_true and y_lower must have the same"),
        (lambda: interval_score([1.0, 2.0], [0.0, 1.0], [[2.0, 3.0]], 0.2),
         "y_true and y_upper must have the same shape"),
        (lambda: msis(np.ones((2, 2, 2)), np.ones((2, 2, 2)), np.ones((2, 2, 2)), [[1, 2]] * 2),
         "1-D or 2-D"),
        (lambda: coverage([], [], []), "empty"),
        # not finite
        (lambda: coverage([1.0, np.nan], [0.0, 0.0], [2.0, 2.0]), "must be finite"),
        (lambda: interval_score([1.0, 2.0], [0.0, np.nan], [2.0, 2.0], 0.2), "must be finite"),
        (lambda: msis([1.0, 2.0], [0.0, 0.0], [2.0, np.inf], [1.0, 2.0, 4.0]), "must be finite"),
        (lambda: quantile_loss([1.0, np.nan], [[1.0], [2.0]], [0.5]), "must be finite"),
        (lambda: quantile_loss([1.0, 2.0], [[1.0], [np.nan]], [0.5]), "must be finite"),
        # alpha
        (lambda: interval_score([1.0], [0.0], [2.0], 0.0), "alpha must be a number strictly"),
        (lambda: interval_score([1.0], [0.0], [2.0], 1.0), "alpha must be"),
        (lambda: interval_score([1.0], [0.0], [2.0], 80), "alpha must be"),
        (lambda: interval_score([1.0], [0.0], [2.0], -0.1), "alpha must be"),
        (lambda: interval_score([1.0], [0.0], [2.0], np.nan), "alpha must be"),
        (lambda: interval_score([1.0], [0.0], [2.0], True), "alpha must be"),
        (lambda: interval_score([1.0], [0.0], [2.0], "0.2"), "alpha must be"),
        (lambda: msis([1.0], [0.0], [2.0], [1.0, 2.0], alpha=1.5), "alpha must be"),
        # quantiles
        (lambda: quantile_loss([1.0], [[1.0, 2.0]], [0.0, 0.5]), "quantiles must be"),
        (lambda: quantile_loss([1.0], [[1.0]], [1.0]), "strictly between 0 and 1"),
        (lambda: quantile_loss([1.0], [[1.0]], [np.nan]), "quantiles must be"),
        (lambda: quantile_loss([1.0], [[1.0]], []), "non-empty 1-D"),
        (lambda: quantile_loss([1.0], [[1.0]], 0.5), r"one quantile q as \[q\]"),
        (lambda: quantile_loss([1.0], [[1.0, 2.0]], [[0.1, 0.9]]), "1-D"),
        (lambda: quantile_loss([1.0], [[1.0]], ["a"]), "quantiles must be"),
        # y_quantiles' last axis: one forecast per quantile; its other axes: y_true's shape
        (lambda: quantile_loss([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]], [0.1, 0.5, 0.9]),
         r"last axis of len\(quantiles\)=3, one forecast per quantile; got y_true of shape "
         r"\(2,\) and y_quantiles of shape \(2, 2\)"),
        (lambda: quantile_loss(np.ones((2, 3)), np.ones((2, 3)), [0.1, 0.5, 0.9]),
         r"y_quantiles must have y_true's shape plus a last axis"),
        (lambda: quantile_loss(np.ones(4), np.ones((2, 2, 3)), [0.1, 0.5, 0.9]),
         r"y_true's shape plus a last axis"),
        (lambda: quantile_loss([1.0], 1.0, [0.5]), "last axis"),
        (lambda: quantile_loss(1.0, 1.0, [0.5]), "y_true must be an array of values"),
        # histories, as for mase, naming MSIS
        (lambda: msis([1.0], [0.0], [2.0], [1.0, 2.0], 2), "MSIS needs a training series longer"),
        (lambda: msis([1.0], [0.0], [2.0], [1.0, 2.0, 1.0, 2.0], 2), "MSIS is undefined"),
        (lambda: msis([1.0], [0.0], [2.0], [1.0, 2.0, 3.0], 0), "season_length"),
        (lambda: msis([[1.0]], [[0.0]], [[2.0]], [[1.0, 2.0], [3.0, 1.0]]),
         "one history per series"),
        (lambda: msis(np.ones((2, 3)), np.zeros((2, 3)), np.ones((2, 3)), 5.0), "y_train"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_msis_names_the_series_whose_scale_is_undefined():
    histories = [np.arange(10.0), np.zeros(10), np.arange(10.0) * 2]
    with pytest.raises(ValueError, match=r"^series 1 \(row 1 of y_true\): MSIS is undefined"):
        msis(np.ones((3, 2)), np.zeros((3, 2)), np.ones((3, 2)), histories)
    # weight 0: left out as if absent, its history not read (mase's rule)
    assert msis(np.ones((3, 2)), np.zeros((3, 2)), np.ones((3, 2)), histories,
                sample_weight=[1, 0, 1]) == pytest.approx(
        msis(np.ones((2, 2)), np.zeros((2, 2)), np.ones((2, 2)), histories[::2]), rel=1e-15)


# ------------------------------------------------------------------------------------------
# sample_weight: one weight per row, as the module's other metrics
# ------------------------------------------------------------------------------------------
def weighted_intervals():
    rng = np.random.default_rng(4)
    y = rng.normal(10.0, 3.0, size=(6, 3))
    lower = y - rng.uniform(-1.0, 3.0, size=(6, 3))
    upper = np.maximum(lower, y + rng.uniform(-1.0, 3.0, size=(6, 3)))
    forecasts = np.stack([lower, (lower + upper) / 2, upper], axis=-1)
    histories = [rng.normal(10.0, 3.0, size=8) for _ in range(6)]
    weights = np.array([1, 0, 3, 2, 1, 4])
    return y, lower, upper, forecasts, histories, weights


def repeated(rows, weights):
    return np.repeat(np.asarray(rows), weights, axis=0)


def test_weighted_metrics_are_the_metrics_of_rows_repeated_by_their_weights():
    y, lower, upper, forecasts, histories, weights = weighted_intervals()
    levels = [0.1, 0.5, 0.9]
    calls = {
        "coverage": lambda *a, **k: coverage(*a[:3], **k),
        "interval_score": lambda *a, **k: interval_score(*a[:3], 0.2, **k),
        "quantile_loss": lambda *a, **k: quantile_loss(a[0], a[3], levels, **k),
    }
    for name, metric in calls.items():
        expected = metric(*(repeated(a, weights) for a in (y, lower, upper, forecasts)))
        assert metric(y, lower, upper, forecasts, sample_weight=weights) == pytest.approx(
            expected, rel=1e-13), name
        # 1-D: one weight per value
        expected = metric(*(repeated(a[:, 0], weights) for a in (y, lower, upper, forecasts)))
        assert metric(y[:, 0], lower[:, 0], upper[:, 0], forecasts[:, 0],
                      sample_weight=weights) == pytest.approx(expected, rel=1e-13), name
        # weight 0 leaves a row out
        kept = weights > 0
        assert metric(y, lower, upper, forecasts, sample_weight=kept) == pytest.approx(
            metric(y[kept], lower[kept], upper[kept], forecasts[kept]), rel=1e-13), name
    assert coverage(y, lower, upper, sample_weight=weights) != coverage(y, lower, upper)
    # MSIS of many series: a series repeated with its history
    repeated_histories = [h for h, w in zip(histories, weights) for _ in range(w)]
    expected = msis(repeated(y, weights), repeated(lower, weights), repeated(upper, weights),
                    repeated_histories, 2)
    assert msis(y, lower, upper, histories, 2, sample_weight=weights) == pytest.approx(
        expected, rel=1e-13)
    # MSIS of one forecast: its values repeated, the history (the scale) unchanged
    w = weights[:3]
    expected = msis(repeated(y[0], w), repeated(lower[0], w), repeated(upper[0], w),
                    histories[0], 2)
    assert msis(y[0], lower[0], upper[0], histories[0], 2, sample_weight=w) == pytest.approx(
        expected, rel=1e-13)


def test_weighted_by_hand():
    y, lower, upper, forecasts, histories, weights = weighted_intervals()
    w = weights / weights.sum()
    inside = ((lower <= y) & (y <= upper)).mean(axis=1)
    assert coverage(y, lower, upper, sample_weight=weights) == pytest.approx(w @ inside, rel=1e-14)
    scores = (upper - lower) + 10 * (np.maximum(lower - y, 0) + np.maximum(y - upper, 0))
    assert interval_score(y, lower, upper, 0.2, sample_weight=weights) == pytest.approx(
        w @ scores.mean(axis=1), rel=1e-14)
    scales = np.array([seasonal_naive_scale(h) for h in histories])
    assert msis(y, lower, upper, histories, alpha=0.2, sample_weight=weights) == pytest.approx(
        w @ (scores.mean(axis=1) / scales), rel=1e-14)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        ([[1.0, 1.0, 1.0]], "1D array or scalar"),
        ([1.0, 1.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
        ([1.0, np.nan, 1.0], "sample_weight contains NaN"),
        ([1.0, -1.0, 2.0], "Negative values in data passed to `sample_weight`"),
        ([0.0, 0.0, 0.0], "at least one non-zero"),
    ],
)
def test_weights_are_checked_as_scikit_learn_checks_them(sample_weight, match):
    y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    lower, upper = y - 1, y + 1
    histories = [[1.0, 2.0, 4.0]] * 3
    for call in (lambda w: coverage(y, lower, upper, sample_weight=w),
                 lambda w: interval_score(y, lower, upper, 0.2, sample_weight=w),
                 lambda w: msis(y, lower, upper, histories, sample_weight=w),
                 lambda w: quantile_loss(y, np.stack([lower, upper], -1), [0.1, 0.9],
                                         sample_weight=w)):
        with pytest.raises(ValueError, match=match):
            call(sample_weight)


# ------------------------------------------------------------------------------------------
# The plain formulas, bit for bit, on ordinary inputs
# ------------------------------------------------------------------------------------------
def test_ordinary_inputs_give_the_stated_formulas_bitwise():
    rng = np.random.default_rng(5)
    for _ in range(200):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 100)))
        magnitude = 10.0 ** rng.uniform(-100, 100, size=shape if rng.random() < 0.5 else ())
        y = rng.normal(size=shape) * magnitude
        spread = magnitude * 10.0 ** rng.uniform(-8, 1)
        lower = y + rng.normal(-1.0, 1.0, size=shape) * spread
        upper = lower + rng.exponential(2.0, size=shape) * spread
        if rng.random() < 0.2:  # a value on its bound, and a point interval
            lower[0, 0] = y[0, 0]
            upper[0, 0] = max(upper[0, 0], y[0, 0])
            lower[-1, -1] = upper[-1, -1] = y[-1, -1]
        alpha = float(rng.choice([0.05, 0.1, 0.2, 0.5, rng.uniform(0.001, 0.999)]))
        levels = np.sort(rng.uniform(0.001, 0.999, size=int(rng.integers(1, 5))))
        forecasts = y[..., None] + rng.normal(size=shape + (levels.size,)) * np.asarray(
            spread)[..., None]
        histories = [rng.normal(size=int(rng.integers(3, 50))) * 10.0 ** rng.uniform(-100, 100)
                     for _ in range(shape[0])]
        m = int(rng.integers(1, 3))
        scores = (upper - lower) + (2.0 / alpha) * (np.maximum(lower - y, 0.0)
                                                    + np.maximum(y - upper, 0.0))
        differences = y[..., None] - forecasts
        assert coverage(y, lower, upper) == float(np.mean((lower <= y) & (y <= upper)))
        assert interval_score(y, lower, upper, alpha) == float(np.mean(scores))
        scales = [np.mean(np.abs(h[m:] - h[:-m])) for h in histories]
        assert msis(y, lower, upper, histories, m, alpha) == float(
            np.mean([np.mean(scores[i]) / scales[i] for i in range(shape[0])]))
        assert msis(y[0], lower[0], upper[0], histories[0], m, alpha) == float(
            np.mean(scores[0]) / scales[0])
        assert quantile_loss(y, forecasts, levels) == float(
            np.mean(np.maximum(levels * differences, (levels - 1.0) * differences)))
        # sample_weight=None is the unweighted code
        assert quantile_loss(y, forecasts, levels, sample_weight=None) == quantile_loss(
            y, forecasts, levels)
        assert interval_score(y, lower, upper, alpha, sample_weight=None) == float(
            np.mean(scores))


# ------------------------------------------------------------------------------------------
# Extreme magnitudes: correct whenever the true value fits in float64, else a ValueError
# ------------------------------------------------------------------------------------------
BIG = 1.7e308
TINY = 1e-320  # subnormal: float64's normal range ends near 2.2e-308


@pytest.mark.parametrize(
    "call, expected",
    [
        # the width u - l overflows (3.4e308), the mean doesn't
        (lambda: interval_score([0.0, 0.0], [-BIG, 0.0], [BIG, 0.0], 0.5), BIG),
        # the miss l - y overflows; (2 / 0.5) * 3.4e308 / 8 fits
        (lambda: interval_score([-BIG] + [0.0] * 7, [BIG] + [0.0] * 7, [BIG] + [0.0] * 7, 0.5),
         1.7e308),
        # 40 times a miss overflows, the mean doesn't
        (lambda: interval_score([1e307] + [0.0] * 99, [0.0] * 100, [0.0] * 100, 0.05), 4e306),
        # the sum overflows, the mean doesn't
        (lambda: interval_score([0.0, 0.0], [0.0, 0.0], [1e308, 1e308], 0.05), 1e308),
        # 2 / alpha overflows (alpha subnormal) on intervals that every value falls in
        (lambda: interval_score([1.0], [0.0], [2.0], 5e-324), 2.0),
        (lambda: interval_score([-1e-310], [0.0], [0.0], 1e-310), 2.0 * 1e-310 / 1e-310),
        # subnormal values: differences are exact; the scores are subnormal
        (lambda: interval_score([TINY, 0.0], [0.0, 0.0], [2 * TINY, TINY], 0.5),
         float(Fraction(3 * TINY) / 2)),
        # the interval score of subnormal values over a subnormal scale: 2 / 0.3 times a
        # subnormal miss kept 10 digits or fewer; their ratio is an ordinary number
        (lambda: msis([3 * TINY, TINY], [TINY, 0.0], [2 * TINY, 0.0], [0.0, TINY, 0.0], 1, 0.3),
         float((Fraction(TINY) + Fraction(2) / Fraction(0.3) * Fraction(TINY)
                + Fraction(2) / Fraction(0.3) * Fraction(TINY)) / 2 / Fraction(TINY))),
        # the history's scale overflows; the MSIS doesn't
        (lambda: msis([1.0, 2.0], [0.0, 1.0], [2.0, 3.0], [BIG, -BIG]), 1.0 / BIG),  # 2 / (2 BIG)
        # each series' MSIS fits; their sum doesn't
        (lambda: msis(np.zeros((2, 2)), np.zeros((2, 2)), np.full((2, 2), 1e308),
                      [[0.0, 0.6]] * 2), 1e308 / 0.6),
        # the same, weighted
        (lambda: msis(np.zeros((2, 2)), np.zeros((2, 2)), np.full((2, 2), 1e308),
                      [[0.0, 0.6]] * 2, sample_weight=[1, 3]), 1e308 / 0.6),
        # pinball: y - f overflows, q (y - f) doesn't
        (lambda: quantile_loss([BIG], [[-BIG]], [0.25]), 0.5 * BIG),  # 0.25 * 2 BIG
        (lambda: quantile_loss([-BIG, 0.0], [[BIG], [0.0]], [0.75]), 0.25 * BIG),  # 0.25 * 2 BIG / 2
        # the sum overflows
        (lambda: quantile_loss([1e308] * 4, np.zeros((4, 2)), [0.5, 0.9]), 0.7e308),
        # a quantile near 0 times a normal difference is subnormal: each rounded alone (to
        # 1 or 0 of the smallest subnormal) their mean was 0.5 ulp, rounded to 0 (even)
        (lambda: quantile_loss([0.6 * 2.0**-1014] * 2 + [0.45 * 2.0**-1014] * 2,
                               np.zeros((4, 1)), [2.0**-60]), 5e-324),
        # weighted: a difference overflows; weights whose sum overflows
        (lambda: quantile_loss([BIG, 0.0], [[-BIG], [0.0]], [0.5], sample_weight=[1, 3]),
         0.25 * 1.7e308),
        (lambda: interval_score([TINY, 0.0], [0.0, 0.0], [0.0, 0.0], 0.5,
                                sample_weight=[1e308, 1e308]), float(Fraction(4 * TINY) / 2)),
        (lambda: coverage([1.0, 3.0], [0.0, 0.0], [2.0, 2.0], sample_weight=[1e308, 1e308]), 0.5),
        (lambda: coverage([BIG, -BIG], [-BIG, -BIG], [BIG, -BIG]), 1.0),
    ],
)
def test_metrics_at_extreme_magnitudes(call, expected):
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow warnings either
        assert call() == pytest.approx(expected, rel=1e-14, abs=0.0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: interval_score([BIG], [-BIG], [-BIG], 0.05), "the interval score"),  # 40 * 3.4e308
        (lambda: interval_score([1.0], [0.0], [0.0], 1e-310), "the interval score"),  # 2e310
        (lambda: msis([1.0, 2.0], [0.0, 1.0], [2.0, 3.0], np.arange(10) * 1e-320), "the MSIS"),
        (lambda: quantile_loss([BIG], [[-BIG]], [0.9]), "the quantile loss"),  # 3.06e308
    ],
)
def test_results_outside_float64s_range_are_value_errors(call, name):
    with pytest.raises(ValueError, match=f"{name} is about .* exceeds float64's range"):
        call()


def exact_interval_score(y, lower, upper, alpha):
    factor = 2 / Fraction(alpha)
    scores = [Fraction(u) - Fraction(lo) + factor * (max(Fraction(lo) - Fraction(v), 0)
                                                     + max(Fraction(v) - Fraction(u), 0))
              for v, lo, u in zip(y, lower, upper)]
    return sum(scores) / len(scores)


def exact_quantile_loss(y, forecasts, levels):
    losses = [max(Fraction(q) * (Fraction(v) - Fraction(f)),
                  (Fraction(q) - 1) * (Fraction(v) - Fraction(f)))
              for v, row in zip(y, forecasts) for f, q in zip(row, levels)]
    return sum(losses) / len(losses)


def test_random_extreme_inputs_against_exact_rationals():
    # values near 1e308 of both signs, subnormal ones, and quantile levels or alphas near 0
    rng = np.random.default_rng(6)

    def values(size):
        kind = rng.integers(0, 4, size=size)
        return np.where(kind == 0, rng.uniform(-1.0, 1.0, size=size) * 1.79e308,
                        np.where(kind == 1, rng.integers(-50, 50, size=size) * 1e-321 * 1.3,
                                 np.where(kind == 2, rng.normal(size=size) * 1e-300,
                                          rng.normal(size=size))))

    checked = 0
    for _ in range(150):
        n = int(rng.integers(1, 6))
        a, b, y = values(n), values(n), values(n)
        lower, upper = np.minimum(a, b), np.maximum(a, b)
        alpha = float(rng.choice([0.05, 0.5, 1e-300, 1e-310, 0.999]))
        levels = np.array([rng.choice([0.5, 1e-20, 2.0**-60, 0.999, 1e-310])
                           for _ in range(int(rng.integers(1, 3)))])
        forecasts = values(n * levels.size).reshape(n, levels.size)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow or underflow warnings either
            for metric, exact in (
                (lambda: interval_score(y, lower, upper, alpha),
                 lambda: exact_interval_score(y, lower, upper, alpha)),
                (lambda: quantile_loss(y, forecasts, levels),
                 lambda: exact_quantile_loss(y, forecasts, levels)),
            ):
                true_value = exact()
                if true_value > Fraction(np.finfo(np.float64).max):
                    with pytest.raises(ValueError, match="exceeds float64's range"):
                        metric()
                    continue
                expected = float(true_value)
                # right to rounding: relative for normal results, to the subnormals' spacing
                # below them (a subnormal result has no more digits)
                assert metric() == pytest.approx(expected, rel=1e-13, abs=2e-323)
                checked += 1
    assert checked > 200


def test_power_of_two_rescaling_is_exact():
    # the extreme-magnitude paths agree with the plain formulas on the same data, scaled
    rng = np.random.default_rng(7)
    y = rng.uniform(-1.0, 1.0, size=(3, 40))
    lower = y + rng.uniform(-1.0, 0.5, size=(3, 40))
    upper = np.maximum(lower, y + rng.uniform(-0.5, 1.0, size=(3, 40)))
    forecasts = y[..., None] + rng.uniform(-1.0, 1.0, size=(3, 40, 3))
    levels = [0.1, 0.5, 0.9]
    histories = [rng.uniform(-1.0, 1.0, size=30) for _ in range(3)]
    # the differences overflow
    scaled = [np.ldexp(a, 1023) for a in (y, lower, upper)]
    assert interval_score(*scaled, 0.5) == np.ldexp(interval_score(y, lower, upper, 0.5), 1023)
    assert quantile_loss(np.ldexp(y, 1023), np.ldexp(forecasts, 1023), levels) == np.ldexp(
        quantile_loss(y, forecasts, levels), 1023)
    assert msis(*scaled, [np.ldexp(h, 1023) for h in histories], 1, 0.5) == msis(
        y, lower, upper, histories, 1, 0.5)
    # the intervals and histories subnormal: integers times 2**-1074, exact; 2 / 0.3 times them
    # rounds. MSIS is their ratio, as for the integers themselves
    whole = [np.round(a * 100) for a in (y, lower, upper)]
    whole[1] = np.minimum(whole[1], whole[2])
    whole_histories = [np.round(h * 100) for h in histories]
    assert msis(*(np.ldexp(a, -1074) for a in whole),
                [np.ldexp(h, -1074) for h in whole_histories], 2, 0.3) == pytest.approx(
        msis(*whole, whole_histories, 2, 0.3), rel=1e-15)


# ------------------------------------------------------------------------------------------
# A forecaster's outputs go straight in
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sine_quantile_model():
    from sklearn.exceptions import ConvergenceWarning

    from skattn import AttentionForecaster, make_windows

    series = 10 + np.sin(np.arange(150) / 3)
    X, y = make_windows(series[:-6], window=24, horizon=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs, on purpose
        model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), max_epochs=2,
                                    random_state=0).fit(X, y)
    return model, series, X, y


def test_predict_quantiles_go_straight_into_quantile_loss_and_coverage(sine_quantile_model):
    model, series, X, y = sine_quantile_model
    y_quantiles = model.predict_quantiles(X)
    assert y_quantiles.shape == y.shape + (3,)
    loss = quantile_loss(y, y_quantiles, model.quantiles_)
    d = y[..., None] - y_quantiles
    q = np.asarray(model.quantiles_)
    assert loss == pytest.approx(float(np.mean(np.maximum(q * d, (q - 1) * d))), rel=1e-15)
    share = coverage(y, y_quantiles[..., 0], y_quantiles[..., 2])
    assert 0.0 <= share <= 1.0
    assert share == np.mean((y_quantiles[..., 0] <= y) & (y <= y_quantiles[..., 2]))
    # 80% intervals: alpha 0.2; each window is its own history
    assert interval_score(y, y_quantiles[..., 0], y_quantiles[..., 2], 0.2) > 0
    assert msis(y, y_quantiles[..., 0], y_quantiles[..., 2], list(X), 1, 0.2) > 0
    # the median column is the point forecast
    from skattn.metrics import mae

    assert quantile_loss(y, y_quantiles[..., 1:2], [0.5]) == pytest.approx(
        mae(y, model.predict(X)) / 2, rel=1e-12)


def test_forecast_quantiles_go_straight_in(sine_quantile_model):
    model, series, X, y = sine_quantile_model
    intervals = model.forecast_quantiles(series[:-6])  # (6, 3)
    actual = series[-6:]
    assert np.isfinite(quantile_loss(actual, intervals, model.quantiles_))
    assert coverage(actual, intervals[:, 0], intervals[:, -1]) in {k / 6 for k in range(7)}
    assert msis(actual, intervals[:, 0], intervals[:, -1], series[:-6], 3, 0.2) > 0


def test_a_model_of_one_step_targets_goes_in_too():
    from sklearn.exceptions import ConvergenceWarning

    from skattn import AttentionForecaster, make_windows

    series = 10 + np.sin(np.arange(100) / 3)
    X, y = make_windows(series, window=12, horizon=1)
    assert y.ndim == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), max_epochs=2,
                                    random_state=0).fit(X, y)
    y_quantiles = model.predict_quantiles(X)  # (n, 3)
    loss = quantile_loss(y, y_quantiles, model.quantiles_)
    assert loss == quantile_loss(y[:, None], y_quantiles, model.quantiles_)  # a column target
    assert coverage(y, y_quantiles[:, 0], y_quantiles[:, 2]) == coverage(
        y[:, None], y_quantiles[:, 0], y_quantiles[:, 2])


# ------------------------------------------------------------------------------------------
# Means that underflow, and alpha of any real type (fuzzing, session 20)
# ------------------------------------------------------------------------------------------
def test_interval_scores_whose_mean_underflows_keep_their_value_over_a_tiny_scale():
    # the mean interval score fell below float64's range and was taken for an exact 0, where
    # the MSIS divides it by a scale as small: 0.0 instead of about 0.045 and 4e-19
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = msis([0.0] * 11, [0.0] * 11, [5e-324] + [0.0] * 10, [0.0, 1e-323, 0.0])
    assert value == pytest.approx(float(Fraction(5e-324) / 11 / Fraction(1e-323)), rel=1e-14,
                                  abs=0.0)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = msis([1e-300, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 1e-310, 0.0],
                     sample_weight=[1.0, 1e30])
    exact = (exact_interval_score([1e-300], [0.0], [0.0], 0.05) * 1
             / (1 + Fraction(1e30)) / Fraction(1e-310))
    assert value == pytest.approx(float(exact), rel=1e-14, abs=0.0)


def test_random_weighted_msis_against_exact_rationals():
    rng = np.random.default_rng(21)
    checked = 0
    for _ in range(200):
        n = int(rng.integers(1, 5))
        y = np.where(rng.random(n) < 0.3, 0.0,
                     10.0 ** rng.uniform(-320, 300, size=n) * rng.choice([-1, 1], size=n))
        lower, upper = np.minimum(y, 0.0) * rng.choice([0.0, 1.0], size=n), np.zeros(n)
        lower = np.minimum(lower, upper)
        weights = np.where(rng.random(n) < 0.2, 0.0, 10.0 ** rng.uniform(-320, 300, size=n))
        if not weights.any():
            weights[0] = 1.0
        alpha = float(rng.choice([0.05, 0.5, 1e-300]))
        scores = [exact_interval_score([v], [lo], [u], alpha) for v, lo, u in zip(y, lower, upper)]
        mean = (sum(Fraction(w) * score for w, score in zip(weights, scores))
                / sum(Fraction(w) for w in weights))
        for scale in (1e-310, 1.0):
            exact = mean / Fraction(scale)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no overflow or underflow warnings either
                call = lambda: msis(y, lower, upper, [0.0, scale, 0.0], alpha=alpha,  # noqa: E731
                                    sample_weight=weights)
                if exact > Fraction(np.finfo(np.float64).max):
                    with pytest.raises(ValueError, match="exceeds float64's range"):
                        call()
                    continue
                assert call() == pytest.approx(float(exact), rel=1e-13, abs=2e-323), (
                    y, lower, weights, alpha, scale)
                checked += 1
    assert checked > 200


@pytest.mark.parametrize("alpha", [Fraction(1, 5), np.float32(0.2), np.float64(0.2),
                                   np.array(0.2), np.array(Fraction(1, 5), dtype=object)])
def test_alpha_may_be_any_real_number(alpha):
    # Fraction(1, 5) was a TypeError from np.isfinite, a 0-d array refused; backtest takes both
    expected = interval_score([1.0, 3.0], [0.0, 0.0], [2.0, 2.0], float(alpha))
    assert interval_score([1.0, 3.0], [0.0, 0.0], [2.0, 2.0], alpha) == expected
    assert msis([1.0, 3.0], [0.0, 0.0], [2.0, 2.0], [0.0, 1.0, 3.0], alpha=alpha) == msis(
        [1.0, 3.0], [0.0, 0.0], [2.0, 2.0], [0.0, 1.0, 3.0], alpha=float(alpha))


@pytest.mark.parametrize("alpha", [True, np.bool_(True), "0.2", [0.2], np.array([0.2]), None,
                                   Fraction(0), Fraction(6, 5), Fraction(10**400),
                                   Fraction(1, 10**400), np.float64(np.nan), complex(0.2)])
def test_alpha_that_is_not_a_number_in_0_1_is_a_value_error(alpha):
    for call in (lambda: interval_score([1.0], [0.0], [2.0], alpha),
                 lambda: msis([1.0], [0.0], [2.0], [0.0, 1.0], alpha=alpha)):
        with pytest.raises(ValueError, match="alpha must be a number strictly between 0 and 1"):
            call()


# ------------------------------------------------------------------------------------------
# Quantiles that are not numbers; the quantile-loss scorer (user trial, session 22)
# ------------------------------------------------------------------------------------------
def test_quantile_loss_refuses_quantiles_given_as_text_or_bools():
    # NumPy read ["0.1", "0.5", "0.9"] as numbers: accepted, where "0.5" alone was refused
    with pytest.raises(ValueError, match=r"3 entries that are not a number \('0.1', '0.5', "
                                         r"'0.9'\)"):
        quantile_loss([1.0, 2.0], np.ones((2, 3)), ["0.1", "0.5", "0.9"])
    with pytest.raises(ValueError, match=r"1 entry that is not a number \(True\)"):
        quantile_loss([1.0, 2.0], np.ones((2, 2)), [0.5, True])
    with pytest.raises(ValueError, match=r"give one quantile as \[0\.5\]"):
        quantile_loss([1.0, 2.0], np.ones((2, 1)), np.float64(0.5))


def _pinball_by_hand(y, y_quantiles, quantiles):
    d = np.asarray(y, dtype=float)[..., None] - y_quantiles
    q = np.asarray(quantiles)
    return np.maximum(q * d, (q - 1) * d)  # the loss of each value and quantile


def test_quantile_loss_scorer_is_minus_the_quantile_loss(sine_quantile_model):
    from skattn.metrics import (QuantileLossScorer, make_quantile_loss_scorer,
                                neg_quantile_loss_scorer)

    model, series, X, y = sine_quantile_model
    y_quantiles = model.predict_quantiles(X)
    expected = -quantile_loss(y, y_quantiles, model.quantiles_)
    scorer = make_quantile_loss_scorer()
    assert isinstance(scorer, QuantileLossScorer) and scorer is not make_quantile_loss_scorer()
    assert scorer(model, X, y) == expected
    assert neg_quantile_loss_scorer(model, X, y) == expected
    assert expected == pytest.approx(-np.mean(_pinball_by_hand(y, y_quantiles, model.quantiles_)),
                                     rel=1e-13)
    # weighted as quantile_loss weights rows
    weights = np.random.default_rng(0).integers(0, 4, size=len(y)).astype(float)
    assert scorer(model, X, y, sample_weight=weights) == -quantile_loss(
        y, y_quantiles, model.quantiles_, sample_weight=weights)
    assert repr(scorer) == "make_quantile_loss_scorer()"


def test_quantile_loss_scorer_leaves_out_values_not_observed(sine_quantile_model):
    from skattn.metrics import make_quantile_loss_scorer

    model, series, X, y = sine_quantile_model
    scorer = make_quantile_loss_scorer()
    y_quantiles = model.predict_quantiles(X)
    with_missing = y.copy()
    with_missing[-5:, 1:] = np.nan  # the last windows' values past the series' end
    losses = _pinball_by_hand(y, y_quantiles, model.quantiles_)  # (n, horizon, Q)
    observed = ~np.isnan(with_missing)
    # each step on its observed rows, the steps averaged
    by_hand = np.mean([losses[observed[:, step], step].mean() for step in range(y.shape[1])])
    assert scorer(model, X, with_missing) == pytest.approx(-by_hand, rel=1e-13)
    # weighted: a row of weight 0 with no observed value counts as absent
    with_missing[0] = np.nan
    weights = np.r_[0.0, np.ones(len(y) - 1)]
    weights[3] = 3.0
    observed = ~np.isnan(with_missing) & (weights > 0)[:, None]
    by_hand = np.mean([np.average(losses[observed[:, step], step].mean(axis=-1),
                                  weights=weights[observed[:, step]])
                       for step in range(y.shape[1])])
    assert scorer(model, X, with_missing, sample_weight=weights) == pytest.approx(-by_hand,
                                                                                  rel=1e-13)
    with pytest.raises(ValueError, match="NaN in every value of 1 row"):
        scorer(model, X, with_missing)


def test_quantile_loss_scorer_reads_pipelines_and_refuses_point_models(sine_quantile_model):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from skattn import AttentionForecaster, LastSteps
    from skattn.metrics import neg_quantile_loss_scorer

    model, series, X, y = sine_quantile_model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        piped = make_pipeline(LastSteps(12), AttentionForecaster(
            loss="pinball", quantiles=(0.25, 0.5, 0.75), d_model=8, patch_len=6, max_epochs=1,
            random_state=0)).fit(X, y)
    assert neg_quantile_loss_scorer(piped, X, y) == -quantile_loss(
        y, piped[-1].predict_quantiles(X[:, -12:]), [0.25, 0.5, 0.75])
    with pytest.raises(ValueError, match=r"Ridge forecasts points \(its quantiles_ is None\): "
                                         r"score it with neg_mae_scorer"):
        neg_quantile_loss_scorer(Ridge().fit(X, y), X, y)
    with pytest.raises(ValueError, match=r"Ridge \(the final estimator of Pipeline\) forecasts "
                                         r"points"):
        neg_quantile_loss_scorer(make_pipeline(LastSteps(12), Ridge()).fit(X, y), X, y)


def test_a_one_step_models_quantile_loss_scores_too():
    from sklearn.exceptions import ConvergenceWarning

    from skattn import AttentionForecaster, make_windows
    from skattn.metrics import neg_quantile_loss_scorer

    X, y = make_windows(10 + np.sin(np.arange(80) / 3), window=12, horizon=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), d_model=8,
                                    max_epochs=1, random_state=0).fit(X, y)
    expected = -quantile_loss(y, model.predict_quantiles(X), model.quantiles_)
    assert neg_quantile_loss_scorer(model, X, y) == expected
    assert neg_quantile_loss_scorer(model, X, y[:, None]) == expected
    # one value per window: a NaN leaves its row with none, an error as for the other scorers
    missing = y.copy()
    missing[-2:] = np.nan
    with pytest.raises(ValueError, match="NaN in every value of 2 row"):
        neg_quantile_loss_scorer(model, X, missing)


def test_quantile_loss_scorer_tunes_a_quantile_model_in_a_grid_search_with_origin_split():
    # make_scorer(quantile_loss, response_method="predict_quantiles") is refused by
    # scikit-learn: tuning intervals needed a callable of one's own (user trial, session 22)
    import pickle

    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from skattn import AttentionForecaster, make_windows
    from skattn.metrics import make_quantile_loss_scorer
    from skattn.model_selection import OriginSplit

    t = np.arange(100.0)
    panel = [10 + np.sin(t / 3), 20 + 2 * np.cos(t / 4)]
    X, y, index = make_windows(panel, window=24, horizon=6, return_index=True)
    cv = OriginSplit(index, horizon=6, n_origins=2)
    model = AttentionForecaster(loss="pinball", quantiles=(0.1, 0.5, 0.9), d_model=8,
                                patch_len=6, max_epochs=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, {"learning_rate": [1e-3, 1e-2]},
                              scoring=make_quantile_loss_scorer(), cv=cv,
                              error_score="raise").fit(X, y)
        train, test = next(iter(cv.split(X, y)))
        fitted = clone(model).set_params(learning_rate=1e-2).fit(X[train], y[train])
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert search.cv_results_["split0_test_score"][1] == -quantile_loss(
        y[test], fitted.predict_quantiles(X[test]), fitted.quantiles_)
    assert pickle.loads(pickle.dumps(search)).scorer_(search, X, y) == search.score(X, y)


def test_quantile_loss_scorer_gets_sample_weight_by_metadata_routing():
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.model_selection import KFold, cross_validate

    from skattn import make_windows
    from skattn.baselines import SeasonalNaiveForecaster
    from skattn.metrics import make_quantile_loss_scorer, neg_quantile_loss_scorer

    X, y = make_windows(10 + np.sin(np.arange(80) / 3), window=12, horizon=3)
    weights = np.random.default_rng(1).integers(0, 4, size=len(y)).astype(float)
    model = SeasonalNaiveForecaster(6, quantiles=(0.2, 0.8))
    cv = KFold(n_splits=2)
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError, match="set_score_request"):
            cross_validate(model, X, y, cv=cv, scoring=neg_quantile_loss_scorer,
                           params={"sample_weight": weights})
        scorer = make_quantile_loss_scorer().set_score_request(sample_weight=True)
        result = cross_validate(model, X, y, cv=cv, scoring=scorer,
                                params={"sample_weight": weights}, error_score="raise")
    for split, (train, test) in enumerate(cv.split(X)):
        fitted = SeasonalNaiveForecaster(6, quantiles=(0.2, 0.8)).fit(X[train], y[train])
        assert result["test_score"][split] == -quantile_loss(
            y[test], fitted.predict_quantiles(X[test]), [0.2, 0.8], sample_weight=weights[test])


def test_the_quantile_scorers_are_exported():
    import skattn.metrics

    assert {"make_quantile_loss_scorer", "neg_quantile_loss_scorer",
            "QuantileLossScorer"} <= set(skattn.metrics.__all__)
    assert all(hasattr(skattn.metrics, name) for name in skattn.metrics.__all__)


# ------------------------------------------------------------------------------------------
# Review, session 22
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("quantiles", [True, np.True_, None])
def test_quantile_loss_refuses_one_value_that_is_not_a_number(quantiles):
    # True was told "give one quantile as [1.0]" (review, session 22)
    with pytest.raises(ValueError, match=r"got (True|None), which is not a number") as raised:
        quantile_loss([1.0, 2.0], np.ones((2, 1)), quantiles)
    assert "give one quantile as [" not in str(raised.value)


@pytest.mark.parametrize("quantiles", [1.5, float("nan"), 0, np.float64(-0.5)])
def test_quantile_loss_suggests_one_quantile_only_for_a_number_that_may_be_one(quantiles):
    # 1.5 was told "give one quantile as [1.5]", nan "[nan]" (review, session 22)
    with pytest.raises(ValueError, match=r"got one number, .*, which is not strictly inside "
                                         r"\(0, 1\)") as raised:
        quantile_loss([1.0, 2.0], np.ones((2, 1)), quantiles)
    assert "give one quantile as" not in str(raised.value)


def test_quantile_loss_shows_a_series_of_text_on_one_line():
    import pandas as pd

    with pytest.raises(ValueError, match=r"got Series \['0\.1', '0\.9'\], with 2 entries") as raised:
        quantile_loss([1.0, 2.0], np.ones((2, 2)), pd.Series(["0.1", "0.9"]))
    assert "\n" not in str(raised.value)


def test_quantile_loss_scorer_names_the_members_quantiles_of_an_ensemble_that_differ():
    # "ForecastEnsemble forecasts points (its quantiles_ is None): score it with
    # neg_mae_scorer" was said of members forecasting other quantiles (review, session 22)
    from sklearn.pipeline import make_pipeline

    from skattn import ForecastEnsemble, make_windows
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from skattn.metrics import neg_quantile_loss_scorer

    X, y = make_windows(50 + 10 * np.sin(np.arange(120) * np.pi / 6), window=24, horizon=3)
    ensemble = ForecastEnsemble([("a", SeasonalNaiveForecaster(12, quantiles=(0.1, 0.5, 0.9))),
                                 ("b", NaiveForecaster(quantiles=(0.05, 0.5, 0.95)))]).fit(X, y)
    from skattn import DeseasonalizedForecaster
    from skattn.model_selection import PredictForecaster

    wrapped = [DeseasonalizedForecaster(ensemble, season_length=4).fit(X, y),
               PredictForecaster(make_pipeline(ensemble)).fit(X, y)]  # inside wrappers too
    for model in (ensemble, make_pipeline(ensemble), *wrapped):
        with pytest.raises(ValueError, match=r"^the quantile loss scorer needs members that all "
                                             r"forecast the same quantiles .*; the members "
                                             r"forecast a: \[0\.1, 0\.5, 0\.9\], b: "
                                             r"\[0\.05, 0\.5, 0\.95\]$"):
            neg_quantile_loss_scorer(model, X, y)
    mixed = ForecastEnsemble([("a", SeasonalNaiveForecaster(12, quantiles=(0.1, 0.5, 0.9))),
                              ("b", NaiveForecaster())]).fit(X, y)
    with pytest.raises(ValueError, match=r"the members forecast a: \[0\.1, 0\.5, 0\.9\], "
                                         r"b: a point$"):
        neg_quantile_loss_scorer(mixed, X, y)
    # members of points: a point model, as before
    points = ForecastEnsemble([("a", SeasonalNaiveForecaster(12)),
                               ("b", NaiveForecaster())]).fit(X, y)
    with pytest.raises(ValueError, match=r"ForecastEnsemble forecasts points \(its quantiles_ is "
                                         r"None\): score it with neg_mae_scorer"):
        neg_quantile_loss_scorer(points, X, y)


def test_metric_warning_is_exported_with_the_metrics_the_docs_import():
    # __all__ (new in session 22) left MetricWarning out of `from skattn.metrics import *`,
    # although the docstrings tell users to filter it (review, session 22)
    import re
    from pathlib import Path

    import skattn.metrics
    from skattn.exceptions import MetricWarning

    namespace = {}
    exec("from skattn.metrics import *", namespace)
    assert namespace["MetricWarning"] is MetricWarning
    # every name the README, the docs and the package's docstrings import from skattn.metrics
    root = Path(skattn.metrics.__file__).resolve().parents[1]
    texts = [path.read_text(encoding="utf-8") for path in
             [root / "README.md", *(root / "docs").glob("*.md"), *(root / "skattn").glob("*.py")]
             if path.exists()]
    imported = {name.strip() for text in texts
                for grouped, names in re.findall(r"from skattn\.metrics import (?:\(([^)]*)\)|"
                                                 r"([\w, ]+))", text)
                for name in (grouped or names).split(",") if name.strip()}
    imported = {name.split("#")[0].strip() for name in imported} - {""}  # comments in (...)
    imported -= {name for name in imported if name.startswith("_")}
    assert {"smape", "mase", "neg_smape_scorer"} <= imported  # the search found them
    assert imported <= set(skattn.metrics.__all__)
