"""Gradient-check audit: float64 central differences (tests/gradcheck.py, unchanged tolerance 1e-6)
of the gradients the other files do not check end to end.

1. Whole network, ``sum(pred * dpred)``, w.r.t. every parameter and the input, for option
   combinations and edge shapes test_network.py does not reach: horizon 1 (with one quantile, a
   degree-0 trend), head width 1, odd width with sinusoidal positions, a single patch with every
   attention kind, stride > patch with left padding and covariates, dropout 0, eval mode
   (training=False: no masks), two cosine layers with trend and quantiles, a non-contiguous input.
2. The large-batch paths (>= 32 windows) with the options test_attention_paths.py leaves out: the
   feature-major dot-product blocks with covariates, quantiles, trend, affine RevIN, anchor
   "last", one token, one head, head width 1, dropout 0 / eval mode; gated attention through the
   batch-last copies (never checked in a network); additive and cosine at 32 windows; the BLAS
   path with one window.
3. The training objective itself: the estimator's shard job
   (``AttentionForecaster._shard_gradients_job``: forward, the loss in each window's normalised
   units, ``dpred / std``, NaN targets left out with the ``fraction`` weighting, the shard's
   weight, backward) w.r.t. every parameter, for every loss (squared, absolute, Huber, pinball
   with quantiles), normalize False / True / "affine", anchor "mean" / "last", a trend head, one
   and two shards (the second at an odd first row, 32 rows: feature-major), and the network
   followed by ``skattn.nn.losses`` directly with ``dloss != 1`` and Huber ``delta != 1``.

Kinks (|r| at 0, Huber's |r| = delta, pinball's u = 0) are avoided by construction: the targets
are placed at a chosen residual from the prediction at the checked point, at least KINK_MARGIN
(in the loss's units) from every kink, and the test asserts that margin; the stencil moves a
prediction by ~2e-5 |d pred / d theta|, orders of magnitude less. The network itself has no kink
(GELU, softmax, tanh, sigmoid, layer and instance norm are smooth; inputs are drawn with spread).
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_gradients
from skattn import AttentionForecaster
from skattn.nn import NetworkConfig, backward, forward, init_params
from skattn.nn.attention import BATCH_MIN_WINDOWS
from skattn.nn.losses import loss_backward, loss_forward

DROPOUT_SEED = 1234
KINK_MARGIN = 0.05
BASE = dict(n_timesteps=8, horizon=2, d_model=4, n_heads=2, n_layers=1, d_ff=8, patch_len=2,
            stride=2, dropout=0.2, dtype="float64")


def perturbed_params(config, rng):
    """init_params plus 0.1 N(0, 1): gains, shifts, biases and temperatures off 1 and 0."""
    params = init_params(config, rng)
    for value in params.values():
        value += 0.1 * rng.standard_normal(value.shape)
    return params


def make_input(config, rng, batch, univariate):
    shape = (batch, config.n_timesteps) + (() if univariate else (config.n_channels,))
    return 2.0 * rng.standard_normal(shape) + 1.0


def pred_shape(config, batch):
    return (batch, config.horizon) + (() if config.n_quantiles is None else (config.n_quantiles,))


def check_network(overrides, batch, *, seed=0, training=True, univariate=None, x=None,
                  x_rows=None):
    """Central differences of sum(forward(x) * dpred) w.r.t. every parameter and x (only the
    windows ``x_rows`` of x when given: for 32-window batches, where x's other rows would
    dominate the run time; windows interact only through the layouts under test, which the
    rows picked, first, middle and last, exercise)."""
    config = NetworkConfig(**{**BASE, **overrides})
    rng = np.random.default_rng(seed)
    params = perturbed_params(config, rng)
    if univariate is None:
        univariate = config.n_channels == 1
    if x is None:
        x = make_input(config, rng, batch, univariate)
    dpred = rng.standard_normal(pred_shape(config, batch))
    rows = np.arange(batch) if x_rows is None else np.asarray(x_rows)
    x_checked = x[rows].copy()  # perturbed by the differences, copied into x by run()

    def run():
        x[rows] = x_checked
        # a fresh generator with a fixed seed: every evaluation sees the same dropout masks
        return forward(params, x, config, training=training,
                       rng=np.random.default_rng(DROPOUT_SEED))

    def loss():
        return float(np.sum(run()[0] * dpred))

    pred, cache = run()
    assert pred.shape == pred_shape(config, batch)
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)
    assert set(grads) == set(params)
    for name, value in params.items():
        assert grads[name].shape == value.shape and grads[name].dtype == np.float64, name
    assert dx.shape == x.shape and dx.dtype == np.float64
    check_gradients(loss, {**params, "input x": x_checked}, {**grads, "input x": dx[rows]})
    return config, cache


# =============================================================================================
# 1. Whole network: options and edge shapes not in test_network.py's GRAD_CASES
# =============================================================================================
NETWORK_CASES = [
    ("horizon1", dict(horizon=1), 2),
    ("horizon1-B1-one-quantile-trend0-affine", dict(horizon=1, n_quantiles=1, trend_degree=0,
                                                     affine=True), 1),
    ("horizon1-quantiles3-anchor-last-covariates", dict(horizon=1, n_quantiles=3,
                                                        anchor="last", n_channels=2), 2),
    ("head-width1-dot-causal", dict(n_heads=4, causal=True), 2),
    ("head-width1-additive", dict(attention="additive", n_heads=4), 2),
    ("head-width1-gated", dict(attention="gated", n_heads=4, causal=True), 2),
    ("odd-width-sinusoidal", dict(d_model=3, n_heads=1, d_ff=5, positional="sinusoidal"), 2),
    ("single-patch-dot", dict(n_timesteps=3, patch_len=4, stride=4), 2),
    ("single-patch-cosine-sinusoidal", dict(n_timesteps=3, patch_len=4, stride=4,
                                            attention="cosine", positional="sinusoidal"), 2),
    ("single-patch-gated-causal-affine-B1", dict(n_timesteps=4, patch_len=4, stride=1,
                                                 attention="gated", causal=True,
                                                 affine=True), 1),
    ("single-patch-additive-nopos", dict(n_timesteps=2, patch_len=3, stride=2,
                                         attention="additive", positional=None), 2),
    ("stride>patch-padded-covariates", dict(n_timesteps=6, patch_len=2, stride=5,
                                            n_channels=2), 2),
    ("overlap-nondividing-3-covariates-additive-anchor-last",
     dict(n_timesteps=9, patch_len=4, stride=3, n_channels=3, attention="additive",
          anchor="last"), 2),
    ("dropout0", dict(dropout=0.0, attention="gated"), 2),
    ("2layers-cosine-causal-trend-quantiles", dict(n_layers=2, attention="cosine", causal=True,
                                                    trend_degree=1, horizon=3,
                                                    n_quantiles=2), 2),
    ("unnormalized-trend-quantiles-covariates-sinusoidal",
     dict(normalize=False, trend_degree=1, horizon=3, n_quantiles=2, n_channels=2,
          positional="sinusoidal"), 2),
    ("anchor-last-T1-affine", dict(n_timesteps=1, anchor="last", affine=True,
                                   instance_norm_eps=1e-5), 2),
]


@pytest.mark.parametrize("overrides, batch",
                         [pytest.param(o, b, id=name) for name, o, b in NETWORK_CASES])
def test_network_gradients_audit(overrides, batch):
    _, cache = check_network(overrides, batch)
    if overrides.get("dropout", BASE["dropout"]) > 0:
        assert cache["drop_embed"] is not None, "dropout should act"


@pytest.mark.parametrize("attention", ["dot", "additive", "cosine", "gated"])
def test_network_gradients_in_eval_mode(attention):
    # training=False: every dropout cache is None and the backward passes the gradient through
    _, cache = check_network(dict(attention=attention, n_layers=2, causal=True), 2,
                             training=False, seed=3)
    assert cache["drop_embed"] is None
    assert cache["block0"]["drop_attn"] is None and cache["block1"]["drop_ff"] is None


def test_network_gradients_of_a_non_contiguous_input():
    # x a strided view (every other window of a larger array). gradcheck.numerical_gradient
    # perturbs x.reshape(-1), which is a COPY for a non-contiguous x (the first run of this test
    # measured a relative error of exactly 1.0 for that reason: the harness, not the library), so
    # the contiguous parent is perturbed and its gradient is dx at the viewed rows, 0 elsewhere
    config = NetworkConfig(**{**BASE, "n_channels": 2, "affine": True})
    rng = np.random.default_rng(8)
    params = perturbed_params(config, rng)
    parent = make_input(config, rng, 4, univariate=False)
    x = parent[::2]
    assert not x.flags.c_contiguous and np.shares_memory(x, parent)
    dpred = rng.standard_normal(pred_shape(config, 2))

    def run():
        return forward(params, x, config, training=True, rng=np.random.default_rng(DROPOUT_SEED))

    pred, cache = run()
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)
    dparent = np.zeros_like(parent)
    dparent[::2] = dx
    check_gradients(lambda: float(np.sum(run()[0] * dpred)), {**params, "parent": parent},
                    {**grads, "parent": dparent})


# =============================================================================================
# 2. The large-batch attention paths, with the options the path tests leave out
# =============================================================================================
B_LARGE = BATCH_MIN_WINDOWS  # 32 windows: the batch-last kernel (feature-major for dot)
LARGE_CASES = [
    # feature-major (dot): every head-side option on it at once
    ("feature-major-covariates-quantiles-trend-affine-anchor-last",
     dict(n_timesteps=6, n_channels=2, n_quantiles=2, trend_degree=1, horizon=3, affine=True,
          anchor="last", causal=True), "feature_major", True),
    ("feature-major-single-token", dict(n_timesteps=3, patch_len=4, stride=4), "feature_major",
     True),
    ("feature-major-one-head-dropout0-sinusoidal", dict(n_timesteps=6, n_heads=1, dropout=0.0,
                                                        positional="sinusoidal"),
     "feature_major", True),
    ("feature-major-head-width1-causal-2layers", dict(n_timesteps=6, n_heads=4, causal=True,
                                                      n_layers=2), "feature_major", True),
    ("feature-major-eval-mode", dict(n_timesteps=6, n_layers=2), "feature_major", False),
    # gated: the dot core on batch-last COPIES (not feature-major), never checked in a network
    ("gated-batch-last", dict(n_timesteps=6, attention="gated"), "batch_last", True),
    ("gated-batch-last-causal-covariates-quantiles",
     dict(n_timesteps=7, patch_len=3, stride=2, attention="gated", causal=True, n_channels=2,
          n_quantiles=2), "batch_last", True),
    ("cosine-batch-last-causal-affine", dict(n_timesteps=6, attention="cosine", causal=True,
                                             affine=True), "batch_last", True),
    ("additive-32-windows", dict(n_timesteps=6, attention="additive", causal=True), "kernel",
     True),
]


def attention_path(cache):
    if cache["block0"]["feature_major"]:
        return "feature_major"
    core = cache["block0"]["attn"]["core"]
    return next((key for key in ("heads", "batch_last") if key in core), "kernel")


@pytest.mark.parametrize("overrides, path, training",
                         [pytest.param(o, p, t, id=name) for name, o, p, t in LARGE_CASES])
def test_large_batch_path_gradients(overrides, path, training):
    config = NetworkConfig(**{**BASE, **overrides})
    assert config.n_tokens * config.head_dim <= 200
    _, cache = check_network(overrides, B_LARGE, seed=5, training=training,
                             x_rows=[0, 1, 16, B_LARGE - 1])
    assert attention_path(cache) == path


@pytest.mark.parametrize("batch, overrides, path", [
    # batches that are not a whole number of the kernels' tiles (until session 31 only exactly 32
    # windows was checked in a network)
    (33, dict(n_timesteps=6, n_channels=2, trend_degree=2, horizon=3, affine=True,
              anchor="last", n_layers=2, n_quantiles=2), "feature_major"),
    (40, dict(n_timesteps=6, attention="gated", trend_degree=1, horizon=2, normalize=False),
     "batch_last"),
    (48, dict(n_timesteps=6, attention="cosine", n_layers=2, normalize=False), "batch_last"),
])
def test_large_batch_path_gradients_of_partial_tiles(batch, overrides, path):
    _, cache = check_network(overrides, batch, seed=9, x_rows=[0, 1, batch // 2, batch - 1])
    assert attention_path(cache) == path


def test_blas_path_gradients_with_one_window():
    # >= 12 tokens: the batched-BLAS core; one window, quantiles, causal
    _, cache = check_network(dict(n_timesteps=24, causal=True, n_quantiles=2, n_heads=1,
                                  horizon=1), 1,
                             seed=6)
    assert attention_path(cache) == "heads"


# =============================================================================================
# 3. The training objective: the estimator's shard job, and the nn losses after the network
# =============================================================================================
QUANTILES = np.array([0.1, 0.5, 0.9])


def residuals_off_kinks(rng, shape, loss):
    """Signed residuals |r| >= KINK_MARGIN from 0 (and, for Huber, from delta = 1)."""
    sign = rng.choice([-1.0, 1.0], size=shape)
    if loss == "huber":
        magnitude = np.where(rng.random(shape) < 0.5, rng.uniform(0.1, 0.9, shape),
                             rng.uniform(1.1, 2.0, shape))
    else:
        magnitude = rng.uniform(0.1, 2.0, shape)
    return sign * magnitude


def kink_distance(residual, loss):
    """Smallest distance of the residuals (pred - target, in the loss's units) from a kink."""
    distance = np.abs(residual)
    if loss == "huber":
        distance = np.minimum(distance, np.abs(np.abs(residual) - 1.0))
    return float(np.nanmin(distance))


def build_forecaster(loss, normalize, anchor, n_timesteps, n_channels, horizon, **network):
    model = AttentionForecaster(loss=loss, normalize=normalize, anchor=anchor, dtype="float64",
                                quantiles=QUANTILES if loss == "pinball" else None,
                                **{**dict(d_model=4, n_heads=2, n_layers=1, d_ff=4, patch_len=2,
                                          dropout=0.2), **network})
    quantiles = QUANTILES.copy() if loss == "pinball" else None
    # what fit sets before training (skattn/forecaster.py, fit's reset branch)
    model.quantiles_ = quantiles
    model.config_ = model._make_config(n_timesteps, n_channels, horizon, quantiles)
    return model


def shard_predictions(model, params, X, batch, shards, seed):
    """The shard job's forward, replicated (same generator, same first_row): normalised
    predictions and window statistics per shard, to place the targets off the kinks."""
    out = []
    for rows in shards:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
        pred, cache = forward(params, X[batch[rows]], model.config_, training=True, rng=rng,
                              first_row=rows.start)
        out.append((pred, cache))
    return out


JOB_CASES = [
    # (id, loss, normalize, anchor, network options, n_channels, n_windows, horizon,
    #  shard bounds, NaN targets[, sample weights])
    ("squared-normalized", "squared_error", True, "mean", {}, 1, 3, 2, [3], False),
    ("absolute-normalized-nan-2shards", "absolute_error", True, "mean", {}, 1, 5, 2, [2, 5],
     True),
    ("huber-affine-anchor-last-covariates-nan", "huber", "affine", "last",
     dict(attention="gated"), 2, 4, 2, [4], True),
    ("pinball-normalized-2shards-nan", "pinball", True, "mean", dict(attention="cosine"), 1, 5,
     2, [3, 5], True),
    ("pinball-unnormalized-trend-covariates", "pinball", False, "mean",
     dict(trend_degree=1, attention="additive"), 2, 3, 3, [3], False),
    ("absolute-affine-B1-horizon1", "absolute_error", "affine", "mean", dict(n_heads=1), 1, 1, 1,
     [1], False),
    ("squared-unnormalized-nan-nondividing", "squared_error", False, "mean",
     dict(patch_len=3, stride=2), 1, 3, 2, [3], True),
    # 33 rows in two shards: the second (rows 1..32, first_row 1) takes the feature-major path
    ("huber-feature-major-shard-at-odd-row-nan", "huber", True, "last", {}, 1, 33, 2, [1, 33],
     True),
    # sample weights through the job (one of them 0): the network followed by a weighted loss,
    # and the weighted-with-NaN branch, were checked only on the losses alone until session 31
    ("squared-normalized-weighted", "squared_error", True, "mean", {}, 1, 3, 2, [3], False,
     True),
    ("absolute-normalized-nan-2shards-weighted", "absolute_error", True, "mean", {}, 1, 5, 2,
     [2, 5], True, True),
    ("pinball-affine-covariates-nan-weighted", "pinball", "affine", "mean",
     dict(attention="gated", trend_degree=2), 2, 4, 3, [4], True, True),
    ("huber-feature-major-2shards-nan-weighted", "huber", True, "last", {}, 1, 33, 2, [1, 33],
     True, True),
]


@pytest.mark.parametrize(
    "loss, normalize, anchor, network, n_channels, n_windows, horizon, bounds, with_nan, "
    "weighted", [pytest.param(*case[1:], *(() if len(case) > 10 else (False,)), id=case[0])
                 for case in JOB_CASES])
def test_training_loss_gradients_through_the_shard_job(loss, normalize, anchor, network,
                                                       n_channels, n_windows, horizon, bounds,
                                                       with_nan, weighted):
    n_timesteps = 7
    model = build_forecaster(loss, normalize, anchor, n_timesteps, n_channels, horizon, **network)
    config = model.config_
    rng = np.random.default_rng(sum(map(ord, loss)) + n_windows)
    params = perturbed_params(config, rng)
    X = make_input(config, rng, n_windows, univariate=n_channels == 1)  # as _train passes it
    batch = rng.permutation(n_windows)  # a shuffled step, as the training loop's
    shards = [slice(start, stop) for start, stop in zip([0] + bounds[:-1], bounds)]
    seed = 77

    # targets at chosen residuals from the predictions at the checked point: off every kink
    Y = np.empty((n_windows, horizon))
    for rows, (pred, cache) in zip(shards, shard_predictions(model, params, X, batch, shards,
                                                             seed)):
        if config.normalize:
            shift, std = cache["norm"]["shift"][:, :, 0], cache["norm"]["std"][:, :, 0]
        else:
            shift, std = np.zeros((pred.shape[0], 1)), np.ones((pred.shape[0], 1))
        norm_pred = (pred - (shift[:, :, None] if pred.ndim == 3 else shift)) / (
            std[:, :, None] if pred.ndim == 3 else std)
        if loss == "pinball":  # one target for all quantiles: beyond the highest or lowest
            side = rng.choice([-1.0, 1.0], size=norm_pred.shape[:2])
            edge = np.where(side > 0, norm_pred.max(axis=2), norm_pred.min(axis=2))
            norm_target = edge + side * rng.uniform(0.1, 1.0, size=side.shape)
        else:
            norm_target = norm_pred - residuals_off_kinks(rng, norm_pred.shape, loss)
        Y[batch[rows]] = norm_target * std + shift
        residual = norm_pred - (norm_target[:, :, None] if pred.ndim == 3 else norm_target)
        assert kink_distance(residual, loss) >= KINK_MARGIN
    if with_nan:  # the tails of some rows, as past a series' end (make_windows(min_target=...))
        for row in range(0, n_windows, 2):
            Y[row, 1 if horizon > 1 else 0:] = np.nan
        assert np.isfinite(Y).any()

    weights = None
    if weighted:  # as fit passes them: a mean of 1 over the windows (one of weight 0 here)
        weights = rng.uniform(0.2, 3.0, n_windows)
        weights[n_windows // 2] = 0.0
        weights /= weights.mean()
    job = model._shard_gradients_job(params, X, Y, weights)
    n_params = sum(value.size for value in params.values())

    def run():
        total, flat = 0.0, np.zeros(n_params)
        for index, rows in enumerate(shards):
            flat_grad = np.empty(n_params)
            total += job(index, rows, batch, seed, flat_grad)
            flat += flat_grad
        return total, flat

    loss_value, flat = run()
    # the replica above is the job's forward: the same loss from its predictions
    expected = 0.0
    for rows, (pred, cache) in zip(shards, shard_predictions(model, params, X, batch, shards,
                                                             seed)):
        value, _ = model._loss_and_grad(pred, Y[batch[rows]], cache, config,
                                        None if weights is None else weights[batch[rows]])
        expected += value * (rows.stop - rows.start) / n_windows
    assert loss_value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    if len(shards) > 1 and n_windows > BATCH_MIN_WINDOWS:
        last = shard_predictions(model, params, X, batch, shards[-1:], seed)[0][1]
        assert last["block0"]["feature_major"]

    grads, offset = {}, 0
    for name, value in params.items():  # the flat buffer's order
        grads[name] = flat[offset:offset + value.size].reshape(value.shape)
        offset += value.size
    check_gradients(lambda: float(run()[0]), params, grads)


@pytest.mark.parametrize("name, kwargs, overrides, dloss", [
    ("huber", dict(delta=0.3), dict(n_channels=2), 2.5),
    ("pinball", dict(quantiles=np.array([0.05, 0.3, 0.7])),
     dict(n_quantiles=3, trend_degree=1, horizon=3, anchor="last"), 0.7),
    ("absolute_error", {}, dict(horizon=1, attention="cosine"), 1.3),
    ("squared_error", {}, dict(attention="additive", causal=True), 0.4),
])
def test_network_then_nn_loss_gradients(name, kwargs, overrides, dloss):
    # loss_forward / loss_backward (dloss != 1, Huber's delta != 1) composed with the network
    config = NetworkConfig(**{**BASE, **overrides})
    rng = np.random.default_rng(len(name))
    params = perturbed_params(config, rng)
    x = make_input(config, rng, 3, univariate=config.n_channels == 1)

    def run():
        return forward(params, x, config, training=True, rng=np.random.default_rng(DROPOUT_SEED))

    pred, cache = run()
    if name == "pinball":
        side = rng.choice([-1.0, 1.0], size=pred.shape[:2])
        target = np.where(side > 0, pred.max(axis=2), pred.min(axis=2)) + side * rng.uniform(
            0.1, 1.0, size=side.shape)
        residual = pred - target[:, :, None]
    else:
        if name == "huber":  # |r| off 0 and off delta = 0.3
            magnitude = np.where(rng.random(pred.shape) < 0.5, rng.uniform(0.08, 0.22, pred.shape),
                                 rng.uniform(0.4, 2.0, pred.shape))
        else:
            magnitude = rng.uniform(0.1, 2.0, pred.shape)
        residual = rng.choice([-1.0, 1.0], size=pred.shape) * magnitude
        target = pred - residual
    distance = np.abs(residual)
    if name == "huber":
        distance = np.minimum(distance, np.abs(distance - 0.3))
    assert distance.min() >= KINK_MARGIN

    def loss():
        return dloss * loss_forward(name, run()[0], target, **kwargs)[0]

    _, loss_cache = loss_forward(name, pred, target, **kwargs)
    dpred = loss_backward(name, loss_cache, dloss)
    assert dpred.dtype == np.float64
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)
    check_gradients(loss, {**params, "input x": x}, {**grads, "input x": dx})
