"""Tests of skattn.nn.losses: gradient checks, hand-computed values, dtypes, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skattn.nn.losses import (
    absolute_error_backward,
    absolute_error_forward,
    huber_backward,
    huber_forward,
    loss_backward,
    loss_forward,
    pinball_backward,
    pinball_forward,
    squared_error_backward,
    squared_error_forward,
)

GRADCHECK_EPS = 1e-6
GRADCHECK_TOL = 1e-6
KINK_MARGIN = 1e-2  # residuals are kept at least this far from every kink


def numeric_gradient(loss_of_pred, pred, eps=GRADCHECK_EPS):
    """Central differences of a scalar function of ``pred`` (float64)."""
    pred = pred.copy()
    grad = np.zeros_like(pred)
    for i in range(pred.size):
        original = pred.flat[i]
        pred.flat[i] = original + eps
        loss_plus = loss_of_pred(pred)
        pred.flat[i] = original - eps
        loss_minus = loss_of_pred(pred)
        pred.flat[i] = original
        grad.flat[i] = (loss_plus - loss_minus) / (2.0 * eps)
    return grad


def relative_error(analytic, numeric):
    """||a - n|| / max(||a||, ||n||, 1e-30)."""
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-30)
    return np.linalg.norm(analytic - numeric) / scale


def residuals_away_from_zero(rng, shape, low=KINK_MARGIN, high=2.0):
    """Random residuals with |r| in [low, high] and random signs."""
    magnitude = rng.uniform(low, high, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * magnitude


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)
dlosses = st.floats(0.1, 3.0)
gradcheck_settings = settings(max_examples=25, deadline=None)


# -----------------------------------------------------------------------------
# gradient checks (float64, central differences)


@pytest.mark.parametrize(
    "forward, backward",
    [
        (squared_error_forward, squared_error_backward),
        (absolute_error_forward, absolute_error_backward),
    ],
)
@gradcheck_settings
@given(shape=shapes, seed=seeds, dloss=dlosses)
def test_elementwise_loss_gradient(forward, backward, shape, seed, dloss):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=shape)
    target = pred - residuals_away_from_zero(rng, shape)

    loss, cache = forward(pred, target)
    analytic = backward(cache, dloss)
    numeric = numeric_gradient(lambda p: dloss * forward(p, target)[0], pred)

    assert analytic.shape == pred.shape
    assert relative_error(analytic, numeric) <= GRADCHECK_TOL


@gradcheck_settings
@given(shape=shapes, seed=seeds, dloss=dlosses, delta=st.floats(0.3, 2.0))
def test_huber_gradient(shape, seed, dloss, delta):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=shape)
    # Each residual in the quadratic part or the linear part, away from 0 and +-delta.
    quadratic = rng.uniform(KINK_MARGIN, delta - KINK_MARGIN, size=shape)
    linear = rng.uniform(delta + KINK_MARGIN, delta + 2.0, size=shape)
    magnitude = np.where(rng.random(shape) < 0.5, quadratic, linear)
    target = pred - rng.choice([-1.0, 1.0], size=shape) * magnitude

    loss, cache = huber_forward(pred, target, delta=delta)
    analytic = huber_backward(cache, dloss)
    numeric = numeric_gradient(lambda p: dloss * huber_forward(p, target, delta=delta)[0], pred)

    assert analytic.shape == pred.shape
    assert relative_error(analytic, numeric) <= GRADCHECK_TOL


@gradcheck_settings
@given(
    batch_shape=st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple),
    n_quantiles=st.integers(1, 4),
    seed=seeds,
    dloss=dlosses,
)
def test_pinball_gradient(batch_shape, n_quantiles, seed, dloss):
    rng = np.random.default_rng(seed)
    quantiles = np.sort(rng.uniform(0.05, 0.95, size=n_quantiles))
    target = rng.normal(size=batch_shape)  # (...)
    residuals = residuals_away_from_zero(rng, batch_shape + (n_quantiles,))
    pred = target[..., None] - residuals  # (..., Q)

    loss, cache = pinball_forward(pred, target, quantiles)
    analytic = pinball_backward(cache, dloss)
    numeric = numeric_gradient(
        lambda p: dloss * pinball_forward(p, target, quantiles)[0], pred
    )

    assert analytic.shape == pred.shape
    assert relative_error(analytic, numeric) <= GRADCHECK_TOL


def test_gradient_check_detects_a_wrong_gradient():
    # The checker itself must be able to fail: a gradient missing its factor 2.
    rng = np.random.default_rng(0)
    pred = rng.normal(size=(3, 2))
    target = pred - residuals_away_from_zero(rng, (3, 2))
    _, cache = squared_error_forward(pred, target)
    wrong = squared_error_backward(cache) / 2.0
    numeric = numeric_gradient(lambda p: squared_error_forward(p, target)[0], pred)
    assert relative_error(wrong, numeric) > GRADCHECK_TOL


# -----------------------------------------------------------------------------
# hand-computed values


def test_squared_error_values():
    pred = np.array([1.0, 2.0, 3.0])
    target = np.array([0.0, 2.0, 5.0])  # residuals 1, 0, -2
    loss, cache = squared_error_forward(pred, target)
    assert loss == pytest.approx(5.0 / 3.0)  # (1 + 0 + 4) / 3, no 1/2 factor
    np.testing.assert_allclose(squared_error_backward(cache), [2 / 3, 0.0, -4 / 3])
    np.testing.assert_allclose(squared_error_backward(cache, 0.5), [1 / 3, 0.0, -2 / 3])


def test_absolute_error_values():
    pred = np.array([1.0, 2.0, 3.0])
    target = np.array([0.0, 2.0, 5.0])  # residuals 1, 0, -2
    loss, cache = absolute_error_forward(pred, target)
    assert loss == pytest.approx(1.0)  # (1 + 0 + 2) / 3
    # Subgradient 0 at a zero residual.
    np.testing.assert_allclose(absolute_error_backward(cache), [1 / 3, 0.0, -1 / 3])


def test_huber_values():
    pred = np.array([0.5, -2.0, 1.0, 0.0])
    target = np.zeros(4)  # residuals 0.5, -2, 1 (= delta), 0
    loss, cache = huber_forward(pred, target, delta=1.0)
    # 0.5*0.25, 1*(2 - 0.5), 0.5*1 (both pieces agree at |r| = delta), 0
    assert loss == pytest.approx((0.125 + 1.5 + 0.5 + 0.0) / 4)
    np.testing.assert_allclose(huber_backward(cache), [0.5 / 4, -1.0 / 4, 1.0 / 4, 0.0])

    loss, cache = huber_forward(np.array([-3.0, 1.5]), np.zeros(2), delta=2.0)
    assert loss == pytest.approx((2.0 * (3.0 - 1.0) + 0.5 * 2.25) / 2)
    np.testing.assert_allclose(huber_backward(cache), [-2.0 / 2, 1.5 / 2])


def test_pinball_values():
    quantiles = np.array([0.1, 0.5, 0.9])
    target = np.array([1.0, 2.0])  # (B,)
    pred = np.array([[0.0, 1.0, 2.0], [3.0, 1.0, 2.0]])  # (B, Q)
    # target - pred: [[1, 0, -1], [-1, 1, 0]]
    # losses:        [[0.1*1, 0, 0.1*1], [0.9*1, 0.5*1, 0]]
    loss, cache = pinball_forward(pred, target, quantiles)
    assert loss == pytest.approx((0.1 + 0.0 + 0.1 + 0.9 + 0.5 + 0.0) / 6)
    # d/dpred: -q where target above, 1 - q where below, 0 where equal.
    expected = np.array([[-0.1, 0.0, 0.1], [0.9, -0.5, 0.0]]) / 6
    np.testing.assert_allclose(pinball_backward(cache), expected)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds)
def test_pinball_median_is_half_absolute_error(shape, seed):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=shape)
    target = rng.normal(size=shape)
    pin_loss, pin_cache = pinball_forward(pred[..., None], target, [0.5])
    abs_loss, abs_cache = absolute_error_forward(pred, target)
    assert pin_loss == pytest.approx(0.5 * abs_loss, rel=1e-12)
    np.testing.assert_allclose(
        pinball_backward(pin_cache)[..., 0], 0.5 * absolute_error_backward(abs_cache), rtol=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds)
def test_huber_with_large_delta_is_half_squared_error(shape, seed):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=shape)
    target = rng.normal(size=shape)
    huber_loss, huber_cache = huber_forward(pred, target, delta=100.0)
    se_loss, se_cache = squared_error_forward(pred, target)
    assert huber_loss == pytest.approx(0.5 * se_loss, rel=1e-12)
    np.testing.assert_allclose(
        huber_backward(huber_cache), 0.5 * squared_error_backward(se_cache), rtol=1e-12
    )


# -----------------------------------------------------------------------------
# dtypes


ALL_LOSSES = [
    ("squared_error", {}),
    ("absolute_error", {}),
    ("huber", {"delta": 0.7}),
    ("pinball", {"quantiles": [0.1, 0.5, 0.9]}),
]


def make_example(name, rng):
    """pred, target in float64, residuals away from every kink."""
    target = rng.normal(size=(5, 4))
    if name == "pinball":
        pred = target[..., None] - residuals_away_from_zero(rng, (5, 4, 3), low=0.05)
    else:
        residuals = residuals_away_from_zero(rng, (5, 4), low=0.05)
        residuals[np.abs(np.abs(residuals) - 0.7) < 0.05] += 0.1  # away from huber's delta
        pred = target + residuals
    return pred, target


@pytest.mark.parametrize("name, kwargs", ALL_LOSSES)
def test_float32_matches_float64(name, kwargs):
    pred64, target64 = make_example(name, np.random.default_rng(1))
    loss64, cache64 = loss_forward(name, pred64, target64, **kwargs)
    dpred64 = loss_backward(name, cache64, 1.3)

    pred32, target32 = pred64.astype(np.float32), target64.astype(np.float32)
    loss32, cache32 = loss_forward(name, pred32, target32, **kwargs)
    dpred32 = loss_backward(name, cache32, 1.3)

    assert isinstance(loss32, float)
    assert dpred64.dtype == np.float64
    assert dpred32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(dpred32, dpred64, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name, kwargs", ALL_LOSSES)
def test_float32_pred_with_float64_target_keeps_float32(name, kwargs):
    pred, target = make_example(name, np.random.default_rng(2))
    _, cache = loss_forward(name, pred.astype(np.float32), target, **kwargs)
    assert loss_backward(name, cache).dtype == np.float32


# -----------------------------------------------------------------------------
# dispatcher and errors


@pytest.mark.parametrize(
    "name, forward, backward, kwargs",
    [
        ("squared_error", squared_error_forward, squared_error_backward, {}),
        ("absolute_error", absolute_error_forward, absolute_error_backward, {}),
        ("huber", huber_forward, huber_backward, {"delta": 0.7}),
        ("pinball", pinball_forward, pinball_backward, {"quantiles": [0.1, 0.5, 0.9]}),
    ],
)
def test_dispatcher_matches_direct_call(name, forward, backward, kwargs):
    pred, target = make_example(name, np.random.default_rng(3))
    loss, cache = loss_forward(name, pred, target, **kwargs)
    direct_loss, direct_cache = forward(pred, target, *kwargs.values())
    assert loss == direct_loss
    np.testing.assert_array_equal(loss_backward(name, cache, 0.3), backward(direct_cache, 0.3))


def test_dispatcher_default_delta_is_one():
    pred = np.array([0.5, 3.0])
    assert loss_forward("huber", pred, np.zeros(2))[0] == pytest.approx((0.125 + 2.5) / 2)


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="'hinge'"):
        loss_forward("hinge", np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="'hinge'"):
        loss_backward("hinge", (np.zeros(3),))


@pytest.mark.parametrize(
    "forward", [squared_error_forward, absolute_error_forward, huber_forward]
)
@pytest.mark.parametrize(
    "pred_shape, target_shape", [((3,), (4,)), ((3, 1), (3,)), ((2, 3), (3, 2))]
)
def test_mismatched_shapes_raise(forward, pred_shape, target_shape):
    # No silent broadcasting: (3, 1) against (3,) would give a (3, 3) loss.
    with pytest.raises(ValueError, match="same shape"):
        forward(np.zeros(pred_shape), np.zeros(target_shape))


def test_pinball_bad_inputs_raise():
    pred = np.zeros((4, 3))
    with pytest.raises(ValueError, match="shape"):
        pinball_forward(pred, np.zeros(3), [0.1, 0.5, 0.9])  # target should be (4,)
    with pytest.raises(ValueError, match="shape"):
        pinball_forward(pred, np.zeros((4, 3)), [0.1, 0.5, 0.9])  # target must drop Q
    with pytest.raises(ValueError, match="quantiles"):
        pinball_forward(pred, np.zeros(4), [0.1, 0.9])  # 2 quantiles, 3 outputs
    with pytest.raises(ValueError, match="between 0 and 1"):
        pinball_forward(pred, np.zeros(4), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="quantiles"):
        loss_forward("pinball", pred, np.zeros(4))  # quantiles missing


def test_bad_delta_and_empty_input_raise():
    with pytest.raises(ValueError, match="delta"):
        huber_forward(np.zeros(3), np.zeros(3), delta=0.0)
    with pytest.raises(ValueError, match="empty"):
        squared_error_forward(np.zeros((0, 2)), np.zeros((0, 2)))


@pytest.mark.parametrize("dtype", [np.float16, np.complex128])
def test_losses_refuse_predictions_they_cannot_keep(dtype):
    # float16 stayed float16 through the loss; complex lost its imaginary part with only a
    # ComplexWarning (researcher trial, session 18)
    from skattn.nn import loss_forward

    for name in ("squared_error", "absolute_error", "huber"):
        with pytest.raises(ValueError, match="pred must hold float32 or float64 values"):
            loss_forward(name, np.ones(3, dtype=dtype), np.zeros(3))
    with pytest.raises(ValueError, match="pred must hold float32 or float64 values"):
        loss_forward("pinball", np.ones((3, 2), dtype=dtype), np.zeros(3),
                     quantiles=np.array([0.1, 0.9]))


# -----------------------------------------------------------------------------
# weights (AttentionForecaster's sample_weight)


@pytest.mark.parametrize("name, kwargs", ALL_LOSSES)
@pytest.mark.parametrize("dloss", [1.0, 0.7])
def test_weighted_backward_matches_central_differences(name, kwargs, dloss):
    rng = np.random.default_rng(5)
    pred, target = make_example(name, rng)
    weight = rng.uniform(0.0, 3.0, size=target.shape)
    weight[0, 0] = 0.0  # a left-out element gets no gradient
    _, cache = loss_forward(name, pred, target, weight=weight, **kwargs)
    analytic = loss_backward(name, cache, dloss)
    numeric = numeric_gradient(
        lambda p: dloss * loss_forward(name, p, target, weight=weight, **kwargs)[0], pred)
    assert relative_error(analytic, numeric) < GRADCHECK_TOL
    assert not analytic[0, 0].any()


@pytest.mark.parametrize("name, kwargs", ALL_LOSSES)
def test_integer_weights_count_as_repeated_elements(name, kwargs):
    # mean(weight * loss) over n elements is the mean over the elements repeated weight times,
    # times sum(weight) / n: the normalisation is the caller's
    rng = np.random.default_rng(6)
    pred, target = make_example(name, rng)
    pred, target = pred[:, 0], target[:, 0]  # (5,) or (5, Q)
    weight = np.array([0, 1, 2, 3, 1])
    weighted, cache = loss_forward(name, pred, target, weight=weight, **kwargs)
    repeated, repeated_cache = loss_forward(
        name, np.repeat(pred, weight, axis=0), np.repeat(target, weight), **kwargs)
    assert weighted * weight.size / weight.sum() == pytest.approx(repeated, rel=1e-13)
    # the gradient of a row is the sum of its copies' gradients, rescaled alike
    copies = loss_backward(name, repeated_cache)
    summed = np.add.reduceat(copies, np.cumsum(weight)[weight > 0] - weight[weight > 0])
    np.testing.assert_allclose(
        loss_backward(name, cache)[weight > 0] * weight.size / weight.sum(), summed, rtol=1e-13)


@pytest.mark.parametrize("name, kwargs", ALL_LOSSES)
def test_weight_of_ones_is_the_plain_mean_bitwise(name, kwargs):
    pred, target = make_example(name, np.random.default_rng(7))
    pred32 = pred.astype(np.float32)
    plain, plain_cache = loss_forward(name, pred32, target, **kwargs)
    ones, ones_cache = loss_forward(name, pred32, target, weight=np.ones(target.shape), **kwargs)
    assert ones == plain
    np.testing.assert_array_equal(loss_backward(name, ones_cache), loss_backward(name, plain_cache))
    assert loss_backward(name, ones_cache).dtype == np.float32


def test_weight_broadcasts_per_row_and_bad_weights_raise():
    pred, target = make_example("absolute_error", np.random.default_rng(8))  # (5, 4)
    row = np.arange(5.0)[:, None]  # (5, 1): one weight per window, as the forecaster gives it
    by_row, _ = absolute_error_forward(pred, target, weight=row)
    assert by_row == pytest.approx(float(np.mean(np.abs(pred - target) * row)), rel=1e-14)
    with pytest.raises(ValueError, match="does not broadcast"):
        absolute_error_forward(pred, target, weight=np.ones(5))
    with pytest.raises(ValueError, match="finite and >= 0"):
        absolute_error_forward(pred, target, weight=-row)
    with pytest.raises(ValueError, match="finite and >= 0"):
        squared_error_forward(pred, target, weight=np.full((5, 4), np.nan))
    with pytest.raises(ValueError, match="numbers"):
        huber_forward(pred, target, weight=np.array(["1"] * 4))


def test_a_finite_weight_beyond_float32_is_named_as_such():
    with pytest.raises(ValueError, match="beyond float32's range"):
        absolute_error_forward(np.zeros(4, dtype=np.float32), np.ones(4),
                               weight=np.full(4, 1e39))
