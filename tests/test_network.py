"""Tests of the whole network of skattn.nn.network: gradients, parameters, shapes, dtypes, scale
equivariance of instance normalisation, and a short training run."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gradcheck import check_gradients, relative_error
from skattn.nn.losses import squared_error_backward, squared_error_forward
from skattn.nn.network import (
    NetworkConfig,
    attention_probs,
    backward,
    forward,
    init_params,
    no_decay_names,
)
from skattn.nn.optim import AdamW

DROPOUT_SEED = 1234
F32_TOL = 1e-4  # float32 vs float64, norm-wise relative

# Small sizes throughout: each whole-network gradient check is a few thousand forward passes.
BASE = dict(n_timesteps=8, horizon=2, d_model=4, n_heads=2, n_layers=1, d_ff=8, patch_len=2,
            stride=2, dropout=0.2, dtype="float64")


def make_config(**overrides):
    return NetworkConfig(**{**BASE, **overrides})


def perturbed_params(config, rng):
    """Initial parameters plus 0.1 N(0, 1) noise, so that gains, shifts, positions and biases are
    not at their special initial values (ones and zeros hide wrong gradients)."""
    params = init_params(config, rng)
    for value in params.values():
        value += (0.1 * rng.standard_normal(value.shape)).astype(value.dtype)
    return params


def make_input(config, rng, batch, covariates, dtype=np.float64):
    """Windows of shape (B, T) when ``covariates`` is False, else (B, T, C)."""
    shape = (batch, config.n_timesteps) + ((config.n_channels,) if covariates else ())
    return (2.0 * rng.standard_normal(shape) + 1.0).astype(dtype)


def pred_shape(config, batch):
    if config.n_quantiles is None:
        return (batch, config.horizon)
    return (batch, config.horizon, config.n_quantiles)


# =============================================================================================
# Whole-network gradient check
# =============================================================================================
# (id, config overrides, batch size); covariates whenever n_channels > 1
GRAD_CASES = [
    ("dot", dict(attention="dot"), 2),
    ("dot-causal-sinusoidal-quantiles-covariates-2layers-nondividing",
     dict(attention="dot", causal=True, positional="sinusoidal", n_quantiles=2, n_channels=2,
          n_layers=2, n_timesteps=7, patch_len=3, stride=3), 2),
    ("additive-affine-covariates", dict(attention="additive", affine=True, n_channels=2), 2),
    ("additive-causal-nopos-unnormalized-quantiles",
     dict(attention="additive", causal=True, positional=None, normalize=False, n_quantiles=2), 3),
    ("cosine-sinusoidal-H1", dict(attention="cosine", positional="sinusoidal", n_heads=1), 2),
    ("cosine-causal-affine-B1", dict(attention="cosine", causal=True, affine=True), 1),
    ("gated-2layers-d8", dict(attention="gated", n_layers=2, d_model=8, d_ff=12), 2),
    ("gated-causal-sinusoidal-quantiles-covariates",
     dict(attention="gated", causal=True, positional="sinusoidal", n_quantiles=2, n_channels=2), 2),
    # a one-step window has no spread: its std is sqrt(instance_norm_eps), which scales every
    # parameter gradient; at the default 1e-10 (1e-5 of a unit spread) they sink below the
    # central differences' round-off floor (~1e-16 |loss| / h, gradcheck.py), so this case keeps
    # the 1e-5 it was written with; test_one_step_gradients_scale_with_the_epsilon ties the
    # default to it exactly
    ("T1-affine", dict(n_timesteps=1, affine=True, instance_norm_eps=1e-5), 2),
    ("T1-unnormalized-covariates", dict(n_timesteps=1, normalize=False, n_channels=2), 2),
    ("no-layers", dict(n_layers=0), 2),
    ("no-layers-affine-quantiles-covariates",
     dict(n_layers=0, affine=True, n_quantiles=2, n_channels=2), 2),
    ("T-shorter-than-patch-additive", dict(n_timesteps=3, patch_len=5, stride=5,
                                           attention="additive"), 2),
    ("overlapping-patches-cosine-causal", dict(n_timesteps=9, patch_len=4, stride=2,
                                               attention="cosine", causal=True), 2),
    ("stride-greater-than-patch-gated-affine",
     dict(n_timesteps=10, patch_len=2, stride=3, attention="gated", affine=True), 2),
    ("B1-H1-causal-nondividing", dict(n_timesteps=7, patch_len=3, stride=3, n_heads=1,
                                      causal=True, horizon=3), 1),
    ("unnormalized-affine-ignored", dict(normalize=False, affine=True, positional=None), 2),
    ("trend-quadratic-affine-H4", dict(trend_degree=2, affine=True, horizon=4), 2),
    ("trend-line-quantiles-covariates-causal",
     dict(trend_degree=1, n_quantiles=2, n_channels=2, causal=True, horizon=3), 2),
    ("trend-constant-unnormalized", dict(trend_degree=0, normalize=False), 2),
    ("anchor-last-affine-quantiles-covariates",
     dict(anchor="last", affine=True, n_quantiles=2, n_channels=2), 2),
    ("anchor-last-trend-causal", dict(anchor="last", trend_degree=1, causal=True, horizon=3), 2),
]


# univariate (B, T) input, and (B, T, C) input (C = 1 too, the same network seen through 3-D input)
GRAD_PARAMS = [
    pytest.param(overrides, batch, univariate, id=f"{name}-{'BT' if univariate else 'BTC'}")
    for name, overrides, batch in GRAD_CASES
    for univariate in ((False,) if overrides.get("n_channels", 1) > 1 else (True, False))
]


@pytest.mark.parametrize("overrides, batch, univariate", GRAD_PARAMS)
def test_network_gradients(overrides, batch, univariate):
    config = make_config(**overrides)
    # the seed leaves the epsilon out, so "T1-affine" is checked at the point it always was (at
    # other points a one-step window's gradients can sit nearer the round-off floor: one seed
    # gave patch.W a norm of 7e-7 against a loss of 1.6, and errors 1e-6 / 1e-5 / 1e-4 at
    # h = 1e-3 / 1e-4 / 1e-5, falling as h grows: round-off, not a wrong gradient)
    seeded = {key: value for key, value in overrides.items() if key != "instance_norm_eps"}
    rng = np.random.default_rng(len(GRAD_CASES) * batch + sum(map(ord, str(seeded))))
    params = perturbed_params(config, rng)
    x = make_input(config, rng, batch, covariates=not univariate)
    dpred = rng.standard_normal(pred_shape(config, batch))

    def run():
        # a fresh generator with a fixed seed: every evaluation sees the same dropout masks
        return forward(params, x, config, training=True, rng=np.random.default_rng(DROPOUT_SEED))

    def loss():
        return float(np.sum(run()[0] * dpred))

    pred, cache = run()
    assert pred.shape == pred_shape(config, batch)
    eval_pred, _ = forward(params, x, config, training=False)
    assert not np.allclose(pred, eval_pred), "dropout should act when training"
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)
    assert set(grads) == set(params)
    for name, value in params.items():
        assert grads[name].shape == value.shape, name
        assert grads[name].dtype == np.float64, name
    assert dx.shape == x.shape

    inputs = {**params, "input x": x}
    analytic = {**grads, "input x": dx}
    check_gradients(loss, inputs, analytic)


@pytest.mark.parametrize("univariate", [True, False])
def test_one_step_gradients_scale_with_the_epsilon(univariate):
    # For a one-step window the normalised input is 0 and the forecast is shift + std * out with
    # std = sqrt(instance_norm_eps): every parameter gradient is proportional to std. So the
    # gradients at the default epsilon are those checked against central differences above
    # ("T1-affine", 1e-5) times sqrt(default / 1e-5), to rounding (measured 1.1e-15).
    grads = {}
    for eps in (1e-5, NetworkConfig.instance_norm_eps):
        config = make_config(n_timesteps=1, affine=True, instance_norm_eps=eps)
        rng = np.random.default_rng(3)
        params = perturbed_params(config, rng)
        x = make_input(config, rng, 2, covariates=not univariate)
        dpred = rng.standard_normal(pred_shape(config, 2))
        _, cache = forward(params, x, config, training=True,
                           rng=np.random.default_rng(DROPOUT_SEED))
        grads[eps] = backward(dpred, cache, params, config)
    ratio = np.sqrt(NetworkConfig.instance_norm_eps / 1e-5)
    assert ratio < 0.01  # the default is far smaller: the test compares different scales
    for name, checked in grads[1e-5].items():
        np.testing.assert_allclose(grads[NetworkConfig.instance_norm_eps][name], ratio * checked,
                                   rtol=1e-12, atol=0, err_msg=name)


def test_backward_without_input_grad_returns_only_params():
    config = make_config()
    rng = np.random.default_rng(0)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 2, covariates=False)
    pred, cache = forward(params, x, config, training=False)
    grads = backward(np.ones_like(pred), cache, params, config)
    assert isinstance(grads, dict) and set(grads) == set(params)


def test_same_dropout_seed_same_prediction():
    config = make_config(n_layers=2, dropout=0.5)
    rng = np.random.default_rng(1)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, covariates=False)
    runs = [forward(params, x, config, training=True, rng=np.random.default_rng(seed))[0]
            for seed in (5, 5, 6)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    # no dropout at predict time: no generator needed, and deterministic
    first, _ = forward(params, x, config)
    second, _ = forward(params, x, config, training=False, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(first, second)


# =============================================================================================
# Parameters and configuration
# =============================================================================================
def expected_param_shapes(config):
    d, h, dh = config.d_model, config.n_heads, config.d_model // config.n_heads
    c, n = config.n_channels, config.n_tokens
    # the head predicts every step, or the trend's degree + 1 coefficients, per quantile
    steps = config.horizon if config.trend_degree is None else config.trend_degree + 1
    n_out = steps * (config.n_quantiles or 1)
    shapes = {}
    if config.normalize and config.affine:
        shapes["revin.gamma"] = (c,)
        shapes["revin.beta"] = (c,)
    shapes["patch.W"] = (config.patch_len * c, d)
    shapes["patch.b"] = (d,)
    if config.positional == "learned":
        shapes["pos"] = (n, d)
    for layer in range(config.n_layers):
        pre = f"block{layer}."
        shapes[pre + "ln1.gamma"] = shapes[pre + "ln1.beta"] = (d,)
        shapes[pre + "attn.W_qkv"] = (d, 3 * d)
        shapes[pre + "attn.b_qkv"] = (3 * d,)
        if config.attention == "additive":
            shapes[pre + "attn.w_score"] = (h, dh)
        if config.attention == "cosine":
            shapes[pre + "attn.log_tau"] = (h,)
        if config.attention == "gated":
            shapes[pre + "attn.W_gate"] = (d, d)
            shapes[pre + "attn.b_gate"] = (d,)
        shapes[pre + "attn.W_out"] = (d, d)
        shapes[pre + "attn.b_out"] = (d,)
        shapes[pre + "ln2.gamma"] = shapes[pre + "ln2.beta"] = (d,)
        shapes[pre + "ff.W1"] = (d, config.d_ff)
        shapes[pre + "ff.b1"] = (config.d_ff,)
        shapes[pre + "ff.W2"] = (config.d_ff, d)
        shapes[pre + "ff.b2"] = (d,)
    shapes["ln_f.gamma"] = shapes["ln_f.beta"] = (d,)
    shapes["head.W"] = (n * d, n_out)
    shapes["head.b"] = (n_out,)
    shapes["skip.W"] = (config.n_timesteps, n_out)
    return shapes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("overrides, batch", [case[1:] for case in GRAD_CASES],
                         ids=[case[0] for case in GRAD_CASES])
def test_init_params_keys_shapes_dtype(overrides, batch, dtype):
    config = make_config(**{**overrides, "dtype": dtype})
    params = init_params(config, np.random.default_rng(0))
    expected = expected_param_shapes(config)
    assert set(params) == set(expected)
    for name, value in params.items():
        assert value.shape == expected[name], name
        assert value.dtype == np.dtype(dtype), name
    # initial values: unit gains, zero shifts and biases, temperature 10, bounded weights
    for name, value in params.items():
        last = name.rsplit(".", 1)[-1]
        if last == "gamma":
            np.testing.assert_array_equal(value, 1.0)
        elif last == "beta" or last.startswith("b"):
            np.testing.assert_array_equal(value, 0.0)
        elif last == "log_tau":
            np.testing.assert_allclose(value, math.log(10.0), rtol=1e-6)
        elif last.startswith(("W", "w_")):
            fan_in = value.shape[0] if last != "w_score" else value.shape[1]
            assert np.all(np.abs(value) <= 1.0 / math.sqrt(fan_in) + 1e-7), name
            assert np.any(value != 0.0), name
    # the same generator seed gives the same parameters
    again = init_params(config, np.random.default_rng(0))
    assert all(np.array_equal(params[name], again[name]) for name in params)


def test_no_decay_names():
    config = make_config(attention="additive", affine=True, n_layers=1)
    params = init_params(config, np.random.default_rng(0))
    decayed = set(params) - no_decay_names(params)
    assert decayed == {name for name in params
                       if name.rsplit(".", 1)[-1] in ("W", "W_qkv", "W_out", "W1", "W2",
                                                      "w_score")}


@pytest.mark.parametrize(
    "overrides",
    [
        dict(d_model=6, n_heads=4),
        dict(attention="softmax"),
        dict(attention=None),
        dict(anchor="median"),
        dict(positional="rotary"),
        dict(dropout=1.0),
        dict(dropout=-0.1),
        dict(dtype="float16"),
        dict(dtype="int64"),
        dict(n_layers=-1),
        dict(n_heads=0),
        dict(d_model=0),
        dict(d_model=4.0),
        dict(d_ff=0),
        dict(patch_len=0),
        dict(stride=0),
        dict(n_timesteps=0),
        dict(horizon=0),
        dict(n_channels=0),
        dict(n_quantiles=0),
        dict(trend_degree=-1),
        dict(trend_degree=1.0),
        dict(trend_degree=BASE["horizon"]),  # a degree-H polynomial has H + 1 coefficients
    ],
    ids=str,
)
def test_config_rejects_bad_values(overrides):
    with pytest.raises(ValueError):
        make_config(**overrides)


def test_config_properties():
    config = make_config(n_timesteps=7, patch_len=3, stride=2, d_model=8, n_heads=2)
    assert config.n_tokens == 3  # padded to 7: patches at 0, 2, 4
    assert config.head_dim == 4
    assert config.n_outputs_per_step == 1
    assert make_config(n_quantiles=3).n_outputs_per_step == 3


# =============================================================================================
# Shapes of forward and attention maps
# =============================================================================================
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "overrides, covariates",
    [
        (dict(), False),
        (dict(n_quantiles=3, horizon=4), False),
        (dict(n_channels=3, n_quantiles=2, n_layers=2, causal=True), True),
        (dict(n_channels=2, attention="cosine", n_timesteps=11, patch_len=4, stride=3), True),
        (dict(n_timesteps=1, attention="additive", n_heads=1), False),
        (dict(attention="gated", n_layers=3, causal=True, normalize=False), False),
    ],
)
def test_forward_shapes_and_attention_maps(overrides, covariates, dtype):
    config = make_config(**{**overrides, "dtype": dtype})
    rng = np.random.default_rng(2)
    params = perturbed_params(config, rng)
    batch = 3
    x = make_input(config, rng, batch, covariates, dtype=np.dtype(dtype))
    pred, cache = forward(params, x, config, training=True, rng=rng)
    assert pred.shape == pred_shape(config, batch)
    assert pred.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(pred))

    probs = attention_probs(cache, config)
    n = config.n_tokens
    assert probs.shape == (batch, config.n_layers, config.n_heads, n, n)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=0,
                               atol=1e-5 if dtype == "float32" else 1e-12)
    if config.causal:
        assert np.all(probs[..., np.triu(np.ones((n, n), dtype=bool), k=1)] == 0.0)

    grads, dx = backward(np.ones_like(pred), cache, params, config, return_input_grad=True)
    assert dx.shape == x.shape and dx.dtype == np.dtype(dtype)
    assert all(grads[name].dtype == np.dtype(dtype) for name in grads)


def test_univariate_input_is_one_channel_input():
    config = make_config(n_layers=2, affine=True, n_quantiles=2)
    rng = np.random.default_rng(6)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, covariates=False)  # (B, T)
    dpred = rng.standard_normal(pred_shape(config, 3))
    pred2, cache2 = forward(params, x, config)
    pred3, cache3 = forward(params, x[:, :, None], config)
    np.testing.assert_array_equal(pred2, pred3)
    grads2, dx2 = backward(dpred, cache2, params, config, return_input_grad=True)
    grads3, dx3 = backward(dpred, cache3, params, config, return_input_grad=True)
    assert dx2.shape == x.shape and dx3.shape == x.shape + (1,)
    np.testing.assert_array_equal(dx2, dx3[:, :, 0])
    differing = {name: float(np.max(np.abs(grads2[name] - grads3[name]))) for name in params
                 if not np.array_equal(grads2[name], grads3[name])}
    assert not differing, f"gradients differ (max abs difference per parameter): {differing}"


def test_attention_probs_needs_a_layer():
    config = make_config(n_layers=0)
    params = init_params(config, np.random.default_rng(0))
    _, cache = forward(params, np.zeros((2, config.n_timesteps)), config)
    with pytest.raises(ValueError):
        attention_probs(cache, config)


# =============================================================================================
# float32 vs float64
# =============================================================================================
@pytest.mark.parametrize("attention", ["dot", "additive", "cosine", "gated"])
@pytest.mark.parametrize(
    "overrides, covariates",
    [
        (dict(n_timesteps=16, n_layers=2, patch_len=4, stride=2, affine=True), False),
        (dict(n_timesteps=7, n_channels=2, n_quantiles=2, causal=True, patch_len=3, stride=2,
              positional="sinusoidal"), True),
    ],
)
def test_float32_network_agrees_with_float64(attention, overrides, covariates):
    config64 = make_config(attention=attention, d_model=8, d_ff=12, **overrides)
    config32 = dataclasses.replace(config64, dtype="float32")
    rng = np.random.default_rng(3)
    params64 = perturbed_params(config64, rng)
    params32 = {name: value.astype(np.float32) for name, value in params64.items()}
    x = 3.0 * make_input(config64, rng, 4, covariates) + 5.0
    dpred = rng.standard_normal(pred_shape(config64, 4))

    results = {}
    for dtype, config, params in (("64", config64, params64), ("32", config32, params32)):
        pred, cache = forward(params, x.astype(config.dtype), config, training=True,
                              rng=np.random.default_rng(DROPOUT_SEED))  # same masks in both
        grads, dx = backward(dpred.astype(config.dtype), cache, params, config,
                             return_input_grad=True)
        results[dtype] = {"pred": pred, "input x": dx, **grads}
    for name, value64 in results["64"].items():
        value32 = results["32"][name]
        assert value32.dtype == np.float32, name
        err = relative_error(value32, value64)
        assert err <= F32_TOL, (name, err)


# =============================================================================================
# Scale equivariance of instance normalisation
# =============================================================================================
# forward(a x + b) = a forward(x) + b holds exactly only without the epsilon added to the window
# variance (std = sqrt(var + instance_norm_eps)); 1e-30 is below float64 resolution next to any
# variance here,
# so it is exact up to rounding while the code path stays the default one.
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("covariates", [False, True])
@pytest.mark.parametrize("attention", ["dot", "cosine"])
def test_instance_normalisation_makes_forecasts_scale_equivariant(affine, covariates, attention):
    config = make_config(n_timesteps=12, patch_len=4, stride=3, n_layers=2, d_model=8,
                         n_quantiles=2, n_channels=2 if covariates else 1, affine=affine,
                         attention=attention, normalize=True, dropout=0.0,
                         instance_norm_eps=1e-30)
    rng = np.random.default_rng(4)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, covariates)
    pred, _ = forward(params, x, config)
    for a, b in ((2.5, 0.0), (0.01, -3.0), (400.0, 1e4), (1.0, 7.0)):
        scaled, _ = forward(params, a * x + b, config)
        np.testing.assert_allclose(scaled, a * pred + b, rtol=1e-9,
                                   atol=1e-11 * (a * np.abs(pred).max() + abs(b)))


def test_without_normalisation_forecasts_are_not_scale_equivariant():
    # control for the test above: the property comes from the instance normalisation
    config = make_config(n_timesteps=12, patch_len=4, stride=3, normalize=False, dropout=0.0)
    rng = np.random.default_rng(4)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, covariates=False)
    pred, _ = forward(params, x, config)
    scaled, _ = forward(params, 2.5 * x + 7.0, config)
    assert not np.allclose(scaled, 2.5 * pred + 7.0, rtol=1e-3)


# =============================================================================================
# A short training run
# =============================================================================================
def sine_windows(rng, n_windows, n_timesteps, horizon, period=12.0):
    """Windows of sine waves of random phase, amplitude and level, and their next values."""
    steps = np.arange(n_timesteps + horizon)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n_windows, 1))
    amplitude = rng.uniform(0.5, 3.0, size=(n_windows, 1))
    level = rng.uniform(-5.0, 5.0, size=(n_windows, 1))
    series = level + amplitude * np.sin(2.0 * np.pi * steps / period + phase)
    return series[:, :n_timesteps], series[:, n_timesteps:]


def test_adamw_training_fits_sine_windows():
    rng = np.random.default_rng(5)
    X, Y = sine_windows(rng, n_windows=48, n_timesteps=24, horizon=4)
    config = NetworkConfig(n_timesteps=24, horizon=4, d_model=8, n_heads=2, n_layers=1, d_ff=16,
                           patch_len=4, stride=4, dropout=0.1, dtype="float64")
    params = init_params(config, rng)
    optimizer = AdamW(params, learning_rate=1e-2, no_decay=no_decay_names(params))

    def eval_loss():
        pred, _ = forward(params, X, config, training=False)
        return squared_error_forward(pred, Y)[0]

    initial = eval_loss()
    for _ in range(200):
        pred, cache = forward(params, X, config, training=True, rng=rng)
        _, loss_cache = squared_error_forward(pred, Y)
        grads = backward(squared_error_backward(loss_cache), cache, params, config)
        optimizer.update(params, grads)
    final = eval_loss()
    assert np.isfinite(final)
    assert final < 0.01 * initial, (initial, final)  # measured: 2.5 -> 5.7e-4


# =============================================================================================
# Values NetworkConfig does not check yet (kept last: with -x they stop nothing else)
# =============================================================================================
@pytest.mark.parametrize(
    "overrides",
    [
        dict(norm_eps=-1e-5),  # accepted today; every forecast is NaN (sqrt of a negative)
        dict(n_quantiles=2.5),  # accepted today; init_params raises TypeError later
    ],
    ids=str,
)
def test_config_rejects_unchecked_bad_values(overrides):
    with pytest.raises(ValueError):
        make_config(**overrides)


@pytest.mark.parametrize("degree", [0, 1, 2])
@pytest.mark.parametrize("n_quantiles", [None, 2])
def test_trend_head_forecasts_polynomials_of_its_degree(degree, n_quantiles):
    # every forecast (and quantile) lies on a polynomial of the degree over the horizon's steps,
    # and no polynomial of lower degree fits it: the basis spans exactly degrees 0..degree
    config = make_config(trend_degree=degree, n_quantiles=n_quantiles, horizon=6)
    rng = np.random.default_rng(degree)
    params = perturbed_params(config, rng)
    pred, _ = forward(params, make_input(config, rng, 4, False), config)
    curves = pred.reshape(4, 6, -1).transpose(0, 2, 1).reshape(-1, 6)  # (B * Q, horizon)
    steps = np.arange(1, 7)
    for curve in curves:
        fitted = np.polyval(np.polyfit(steps, curve, degree), steps)
        np.testing.assert_allclose(fitted, curve, atol=1e-10 * np.abs(curve).max())
        if degree > 0:
            lower = np.polyval(np.polyfit(steps, curve, degree - 1), steps)
            assert np.abs(lower - curve).max() > 1e-6 * np.abs(curve).max()
    assert params["head.W"].shape[1] == (degree + 1) * config.n_outputs_per_step
    assert params["skip.W"].shape[1] == (degree + 1) * config.n_outputs_per_step


def test_trend_basis_is_orthogonal_with_norm_sqrt_horizon():
    from skattn.nn.network import trend_basis

    basis = trend_basis(18, 3, np.float64)
    np.testing.assert_allclose(basis.T @ basis, 18 * np.eye(4), atol=1e-12)
    assert trend_basis(18, 3, np.float32).dtype == np.float32
    assert make_config(trend_degree=3, horizon=18).n_head_steps == 4
    assert make_config(horizon=18).n_head_steps == 18


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_for_predictions_gives_the_same_forecast(dtype):
    config = make_config(n_layers=2, dtype=dtype)
    rng = np.random.default_rng(5)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, False, dtype=np.dtype(dtype))
    pred, _ = forward(params, x, config)
    pred_only, _ = forward(params, x, config, for_backward=False)
    np.testing.assert_array_equal(pred_only, pred)


# =============================================================================================
# Whole-network gradients of a shard: first_row != 0 moves every dropout mask
# =============================================================================================
# A batch cut into shards (n_jobs) runs forward on rows a:b with first_row = a, so each mask is
# drawn at offset first_row * N * D (the embedding's, and both residual branches' of each block).
# (id, config overrides, batch, first_row); all odd first rows
FIRST_ROW_CASES = [
    # N = 3 tokens x D = 3: odd offsets (3 * 9), odd widths: the plain dropout steps, each mask
    # starting at the high half of a word
    ("odd-offsets-odd-width", dict(n_timesteps=6, d_model=3, n_heads=1, d_ff=5), 2, 3),
    # N = 4 x D = 4: even offsets (5 * 16), the fused bias + dropout + residual kernel from pair 40
    ("even-offsets-kernel-2layers-causal", dict(n_layers=2, causal=True), 3, 5),
    # 32 windows: the feature-major attention, its branch token-major; D = 4 even, offset 7 * 12:
    # the fused kernel reading the branch token-major
    ("feature-major-token-major-kernel", dict(n_timesteps=6, d_ff=4), 32, 7),
    # the same with D = 3: odd offsets (7 * 9) and width, the branch transposed for the plain steps
    ("feature-major-odd-offsets", dict(n_timesteps=6, d_model=3, n_heads=1, d_ff=4), 32, 7),
]


@pytest.mark.parametrize("overrides, batch, first_row",
                         [pytest.param(*case[1:], id=case[0]) for case in FIRST_ROW_CASES])
def test_network_gradients_at_an_odd_first_row(overrides, batch, first_row):
    # test_network_gradients runs at first_row = 0 only
    config = make_config(**overrides)  # dropout 0.2, instance_norm_eps the default 1e-30
    rng = np.random.default_rng(100 + first_row)
    params = perturbed_params(config, rng)
    x = make_input(config, rng, batch, covariates=False)
    dpred = rng.standard_normal(pred_shape(config, batch))

    def run(row=first_row):
        # a fresh generator with a fixed seed: every evaluation sees the same dropout masks
        return forward(params, x, config, training=True, rng=np.random.default_rng(DROPOUT_SEED),
                       first_row=row)

    def loss():
        return float(np.sum(run()[0] * dpred))

    pred, cache = run()
    assert cache["block0"]["feature_major"] == (batch >= 32)
    assert not np.allclose(pred, run(0)[0]), "first_row should move the dropout masks"
    assert not np.allclose(pred, forward(params, x, config, training=False)[0]), \
        "dropout should act when training"
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)
    check_gradients(loss, {**params, "input x": x}, {**grads, "input x": dx})
