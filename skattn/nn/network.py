"""The forecasting network as three pure functions: ``init_params``, ``forward``, ``backward``.

Architecture (one window in, one forecast out)::

    x (B, T, C) ── instance norm ──► z (B, T, C) ─┬─ patches (B, N, P*C) ─ linear ─ + positions ─ dropout
                   (mean, std per window)         │        │
                                                  │   n_layers x pre-LN encoder block:
                                                  │     h = h + dropout(attention(LN1(h)))
                                                  │     h = h + dropout(W2 gelu(W1 LN2(h)))
                                                  │        │
                                                  │   final LN ─ flatten (B, N*D) ─ linear ─┐
                                                  └─ target channel z[:, :, 0] (B, T) ─ linear ─ + ─ (B, horizon, Q)
                                                                                            │
                                  (with trend_degree: the two linears give K polynomial coefficients,
                                   expanded over the horizon by a fixed basis, (B, K, Q) -> (B, horizon, Q))
                                                                                            │
                                                          de-normalise with the window's mean, std ─► forecast

Parameters live in a flat dict ``name -> ndarray``; ``backward`` returns a dict with exactly the
same keys. All arrays share the dtype of the config (float32 or float64). Nothing here knows about
scikit-learn; the estimator builds a :class:`NetworkConfig` and drives these functions.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ._checks import (
    bad_cache,
    check_dout,
    check_flag,
    check_mapping,
    check_params,
    check_params_quick,
    is_int,
    is_real,
)
# The ops' unchecked variants, under the public names: the public functions check their
# arguments (skattn.nn._checks), which the network's own calls, with arrays it made itself, do
# not need -- a few microseconds each, hundreds of calls per training step. Same code otherwise.
from .activations import (
    _gelu_backward as gelu_backward,
    _gelu_forward as gelu_forward,
    _sigmoid_gate_backward as sigmoid_gate_backward,
    _sigmoid_gate_forward as sigmoid_gate_forward,
)
from . import attention as _attention
from .attention import (
    additive_tokens_backward,
    additive_tokens_forward,
    cosine_tokens_backward,
    cosine_tokens_forward,
    scaled_dot_batch_last_backward,
    scaled_dot_batch_last_forward,
    scaled_dot_tokens_backward,
    scaled_dot_tokens_forward,
)
from .dropout import (
    _dropout_backward as dropout_backward,
    _dropout_forward as dropout_forward,
    bias_dropout_residual_backward,
    bias_dropout_residual_forward,
    check_offset,
)
from .embedding import (
    _add_positions_backward as add_positions_backward,
    _add_positions_forward as add_positions_forward,
    _patch_backward as patch_backward,
    _patch_forward as patch_forward,
    _patch_layout as patch_layout,
    _sinusoidal_positions as sinusoidal_positions,
)
from .linear import (
    _linear_backward as linear_backward,
    _linear_forward as linear_forward,
    bias_backward,
)
from .norm import (
    ANCHORS,
    _instance_denorm_backward as instance_denorm_backward,
    _instance_denorm_forward as instance_denorm_forward,
    _instance_norm_backward as instance_norm_backward,
    _instance_norm_forward as instance_norm_forward,
    _layernorm_backward as layernorm_backward,
    _layernorm_forward as layernorm_forward,
)

ATTENTION_KINDS = ("dot", "additive", "cosine", "gated")
POSITIONAL_KINDS = ("learned", "sinusoidal", None)


@dataclass(frozen=True)
class NetworkConfig:
    """Shape and options of the network.

    Parameters
    ----------
    n_timesteps : int
        Window length T.
    horizon : int
        Number of future steps forecast.
    n_channels : int, default 1
        C; channel 0 is the target, the rest covariates.
    n_quantiles : int or None, default None
        None for a point forecast, output (B, horizon); else Q, output (B, horizon, Q).
    d_model, n_heads, n_layers, d_ff : int
        Token width, heads per layer (``d_model % n_heads == 0``), encoder blocks, feed-forward width.
    patch_len, stride : int
        Patching of the window; see :mod:`skattn.nn.embedding` for the padding rule.
    attention : {"dot", "additive", "cosine", "gated"}
    positional : {"learned", "sinusoidal", None}
    causal : bool
        Mask attention to earlier tokens.
    dropout : float
        Dropout after the embedding and on both residual branches.
    normalize : bool
        Per-window instance normalisation (and de-normalisation of the output).
    anchor : {"mean", "last"}
        What instance normalisation shifts each window by: its mean, or its last value.
    affine : bool
        Learnable per-channel affine map after instance normalisation (RevIN).
    norm_eps : float
        Epsilon of layer norm (added to each token's variance over the features).
    instance_norm_eps : float
        Epsilon of instance norm, added to each window's variance over time. In training the
        windows reach the network in units of the training data's pooled spread (the
        estimator's global scaling), so this is relative to that spread: a window whose own
        spread is ``s`` of it is normalised by ``sqrt(s**2 + eps)`` instead of ``s``. At 1e-5 (layer norm's value, used
        for both until session 14) a series at 1% of the pooled spread was damped by 5% and the
        forecasts depended on a series' scale. At 1e-10 (sessions 14-15) a panel of series at
        1e-2 to 1e6 gave its smallest series (~1e-8 of the pooled spread) forecasts ~1e-5 of the
        pooled spread wide of its own scale, sMAPE 160. At 1e-30 the floor, a spread of 1e-15,
        is float64's rounding of a window at the pooled level: predictions (always float64)
        then normalise every window by its own spread (that series: sMAPE 5.3, as when it is
        scaled alone), and a constant window still gets a positive std. Training in float32
        cannot resolve windows below ~1e-7 of the pooled spread whatever the epsilon; the model
        learns the shapes from the others. Since session 17 the estimator's predictions feed
        each window in its own units (its largest deviation from its midrange is 1), so there
        the epsilon does not depend on the pooled spread at all.
    trend_degree : int or None
        Restrict each forecast to a polynomial of this degree in the horizon step (the head then
        predicts ``trend_degree + 1`` coefficients per quantile); None leaves every step free.
    dtype : {"float32", "float64"}
    """

    n_timesteps: int
    horizon: int
    n_channels: int = 1
    n_quantiles: int | None = None
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 64
    patch_len: int = 4
    stride: int = 4
    attention: str = "dot"
    positional: str | None = "learned"
    causal: bool = False
    dropout: float = 0.1
    normalize: bool = True
    anchor: str = "mean"
    affine: bool = False
    norm_eps: float = 1e-5
    instance_norm_eps: float = 1e-30
    trend_degree: int | None = None
    dtype: str = "float32"

    def __post_init__(self):
        for name in ("n_timesteps", "horizon", "n_channels", "d_model", "n_heads", "d_ff",
                     "patch_len", "stride"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not is_int(self.n_layers) or self.n_layers < 0:
            raise ValueError(f"n_layers must be an integer >= 0, got {self.n_layers!r}")
        if self.n_quantiles is not None and (not is_int(self.n_quantiles) or self.n_quantiles < 1):
            raise ValueError(f"n_quantiles must be None or an integer >= 1, got {self.n_quantiles!r}")
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})"
            )
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}, got {self.attention!r}")
        if self.anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {ANCHORS}, got {self.anchor!r}")
        if self.positional not in POSITIONAL_KINDS:
            raise ValueError(
                f"positional must be one of {POSITIONAL_KINDS}, got {self.positional!r}"
            )
        for name in ("causal", "normalize", "affine"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if not (is_real(self.dropout) and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        for name in ("norm_eps", "instance_norm_eps"):
            value = getattr(self, name)
            if not (isinstance(value, (float, int, np.floating)) and not isinstance(value, bool)
                    and value > 0 and np.isfinite(value)):
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        if self.trend_degree is not None and (
                not is_int(self.trend_degree) or not 0 <= self.trend_degree < self.horizon):
            raise ValueError(
                f"trend_degree must be None or an integer in [0, horizon - 1] = [0, "
                f"{self.horizon - 1}], got {self.trend_degree!r}"
            )
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")

    @property
    def n_tokens(self):
        """Number of patches N of a window."""
        return patch_layout(self.n_timesteps, self.patch_len, self.stride)[1]

    @property
    def head_dim(self):
        return self.d_model // self.n_heads

    @property
    def n_outputs_per_step(self):
        """Q: 1 for a point forecast."""
        return 1 if self.n_quantiles is None else self.n_quantiles

    @property
    def n_head_steps(self):
        """Rows the head predicts per quantile: the horizon, or the trend's coefficients."""
        return self.horizon if self.trend_degree is None else self.trend_degree + 1


# ============================================================================================
# Parameters
# ============================================================================================
def init_params(config, rng):
    """Initial parameters of the network.

    Weights are drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default for linear
    layers); biases start at zero; layer-norm gains at one. The output projections of the residual
    branches are scaled by 1/sqrt(2 n_layers) (GPT-2) so the residual stream does not grow with
    depth at initialisation.

    Parameters
    ----------
    config : NetworkConfig
    rng : numpy.random.Generator

    Returns
    -------
    params : dict of str -> ndarray
    """
    if not isinstance(config, NetworkConfig):
        raise ValueError(f"config must be a NetworkConfig, got {type(config).__name__}")
    if not isinstance(rng, (np.random.Generator, np.random.RandomState)):
        raise ValueError(f"rng must be a numpy.random.Generator (or RandomState), got "
                         f"{type(rng).__name__}")
    dtype = np.dtype(config.dtype)
    d, n_heads, head_dim = config.d_model, config.n_heads, config.head_dim
    n_out = config.n_head_steps * config.n_outputs_per_step
    residual_scale = 1.0 / math.sqrt(2.0 * max(config.n_layers, 1))

    def uniform(fan_in, shape, scale=1.0):
        bound = scale / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(dtype)

    params = {}
    if config.normalize and config.affine:
        params["revin.gamma"] = np.ones(config.n_channels, dtype=dtype)
        params["revin.beta"] = np.zeros(config.n_channels, dtype=dtype)
    patch_dim = config.patch_len * config.n_channels
    params["patch.W"] = uniform(patch_dim, (patch_dim, d))
    params["patch.b"] = np.zeros(d, dtype=dtype)
    if config.positional == "learned":
        params["pos"] = (0.02 * rng.standard_normal((config.n_tokens, d))).astype(dtype)
    for layer in range(config.n_layers):
        pre = f"block{layer}."
        params[pre + "ln1.gamma"] = np.ones(d, dtype=dtype)
        params[pre + "ln1.beta"] = np.zeros(d, dtype=dtype)
        params[pre + "attn.W_qkv"] = uniform(d, (d, 3 * d))
        params[pre + "attn.b_qkv"] = np.zeros(3 * d, dtype=dtype)
        if config.attention == "additive":
            params[pre + "attn.w_score"] = uniform(head_dim, (n_heads, head_dim))
        elif config.attention == "cosine":
            # temperature 10 at start: cosine scores in [-1, 1] need sharpening to be selective
            params[pre + "attn.log_tau"] = np.full(n_heads, math.log(10.0), dtype=dtype)
        elif config.attention == "gated":
            params[pre + "attn.W_gate"] = uniform(d, (d, d))
            params[pre + "attn.b_gate"] = np.zeros(d, dtype=dtype)
        params[pre + "attn.W_out"] = uniform(d, (d, d), residual_scale)
        params[pre + "attn.b_out"] = np.zeros(d, dtype=dtype)
        params[pre + "ln2.gamma"] = np.ones(d, dtype=dtype)
        params[pre + "ln2.beta"] = np.zeros(d, dtype=dtype)
        params[pre + "ff.W1"] = uniform(d, (d, config.d_ff))
        params[pre + "ff.b1"] = np.zeros(config.d_ff, dtype=dtype)
        params[pre + "ff.W2"] = uniform(config.d_ff, (config.d_ff, d), residual_scale)
        params[pre + "ff.b2"] = np.zeros(d, dtype=dtype)
    params["ln_f.gamma"] = np.ones(d, dtype=dtype)
    params["ln_f.beta"] = np.zeros(d, dtype=dtype)
    flat_dim = config.n_tokens * d
    params["head.W"] = uniform(flat_dim, (flat_dim, n_out))
    params["head.b"] = np.zeros(n_out, dtype=dtype)
    params["skip.W"] = uniform(config.n_timesteps, (config.n_timesteps, n_out))
    return params


def no_decay_names(params):
    """Names of parameters that take no weight decay: everything but the weight matrices and score
    vectors (biases, norm gains and shifts, positions, attention temperatures)."""
    check_mapping("params", params)
    return {name for name in params if not name.rsplit(".", 1)[-1].startswith(("W", "w_"))}


# ============================================================================================
# Multi-head attention sub-layer
# ============================================================================================
def _mha_forward(params, pre, x, config):
    # x: (B, N, D) -> out (B, N, D). The attention cores read q, k, v packed in the fused
    # projection's output and write the heads already merged: no transposes, no copies.
    n_batch, n_tokens, d = x.shape
    n_heads, head_dim = config.n_heads, config.head_dim
    cache = {}
    qkv, cache["qkv"] = linear_forward(x, params[pre + "W_qkv"], params[pre + "b_qkv"])  # (B, N, 3D)
    # q, k, v packed token-major, a free reshape
    qkv = qkv.reshape(n_batch, n_tokens, 3, n_heads, head_dim)
    if config.attention == "additive":
        heads, cache["core"] = additive_tokens_forward(qkv, params[pre + "w_score"], config.causal)
    elif config.attention == "cosine":
        heads, cache["core"] = cosine_tokens_forward(qkv, params[pre + "log_tau"], config.causal)
    else:  # "dot" and "gated" share the scaled dot-product core
        scale = np.full(n_heads, 1.0 / math.sqrt(head_dim))
        heads, cache["core"] = scaled_dot_tokens_forward(qkv, scale, config.causal)
    merged = heads.reshape(n_batch, n_tokens, d)  # (B, N, H, Dh) -> (B, N, D), free
    if config.attention == "gated":
        gate_logits, cache["gate_linear"] = linear_forward(x, params[pre + "W_gate"], params[pre + "b_gate"])
        merged, cache["gate"] = sigmoid_gate_forward(merged, gate_logits)
    # the output projection's bias is added by the block, fused with dropout and the residual
    out, cache["out"] = linear_forward(merged, params[pre + "W_out"], None)
    return out, cache


def _mha_backward(dout, cache, pre, config, grads):
    # dout: (B, N, D) -> dx (B, N, D); parameter gradients written into grads (the output
    # projection's bias is the block's: added in its fused residual)
    dmerged, grads[pre + "W_out"], _ = linear_backward(dout, cache["out"])
    dx = None
    if config.attention == "gated":
        dmerged, dgate_logits = sigmoid_gate_backward(dmerged, cache["gate"])
        dx, grads[pre + "W_gate"], grads[pre + "b_gate"] = linear_backward(dgate_logits, cache["gate_linear"])
    n_batch, n_tokens, d = dmerged.shape
    n_heads, head_dim = config.n_heads, config.head_dim
    dheads = dmerged.reshape(n_batch, n_tokens, n_heads, head_dim)  # token-major (B, N, H, Dh)
    # the cores write dq, dk, dv straight into the gradient of the fused projection
    dqkv = np.empty((n_batch, n_tokens, 3, n_heads, head_dim), dtype=dmerged.dtype)
    if config.attention == "additive":
        grads[pre + "w_score"] = additive_tokens_backward(dheads, cache["core"], dqkv)
    elif config.attention == "cosine":
        grads[pre + "log_tau"] = cosine_tokens_backward(dheads, cache["core"], dqkv)
    else:
        scaled_dot_tokens_backward(dheads, cache["core"], dqkv)
    dx_qkv, grads[pre + "W_qkv"], grads[pre + "b_qkv"] = linear_backward(
        dqkv.reshape(n_batch, n_tokens, 3 * d), cache["qkv"]
    )
    return dx_qkv if dx is None else dx_qkv + dx


# --------------------------------------------------------------------------------------------
# The same sub-layer, feature-major: where the dot-product core runs on the batch-last kernel
# (many windows, few tokens), the kernel wants q, k, v as (3, H, Dh, N, B), batch innermost.
# Computing the projection transposed, qkv_t = W_qkv^T a^T with the layer norm writing a
# token-major (N, B, D), gives exactly that layout from the product itself; the kernel's output
# (H, Dh, N, B) = (D, N B) is the transposed input of the output projection, which BLAS reads
# as it is. So the four copies into and out of the batch-last layout (7% of an M3 step) are
# gone; the products with transposed operands cost a few percent more than the plain ones.
# --------------------------------------------------------------------------------------------
def _feature_major(config, n_batch):
    """True when a block's attention takes the feature-major path (dot product, batch kernel)."""
    return config.attention == "dot" and _attention._pick_method(
        n_batch, config.n_tokens, config.head_dim, None) == "batch"


def _mha_forward_feature_major(params, pre, a_tm, config):
    # a_tm: (N, B, D), the token-major layer norm -> branch (N, B, D), token-major, without the
    # output projection's bias (added by the block's fused residual)
    n_tokens, n_batch, d = a_tm.shape
    n_heads, head_dim = config.n_heads, config.head_dim
    a2 = a_tm.reshape(-1, d)  # (N B, D)
    w_qkv, w_out = params[pre + "W_qkv"], params[pre + "W_out"]
    qkv_t = w_qkv.T @ a2.T  # (3D, N B) = (3, H, Dh, N, B)
    qkv_t += params[pre + "b_qkv"][:, None]
    qkv_t = qkv_t.reshape(3, n_heads, head_dim, n_tokens, n_batch)
    scale = np.full(n_heads, 1.0 / math.sqrt(head_dim), dtype=a_tm.dtype)
    out_t, probs_t = scaled_dot_batch_last_forward(qkv_t, scale, config.causal)  # (H, Dh, N, B)
    merged_t = out_t.reshape(d, -1)  # (D, N B): the merged heads, transposed
    branch = merged_t.T @ w_out  # (N B, D)
    cache = {"a2": a2, "qkv_t": qkv_t, "probs_t": probs_t, "merged_t": merged_t,
             "scale": scale, "w_qkv": w_qkv, "w_out": w_out,
             "core": {"probs": probs_t.transpose(3, 0, 1, 2)}}  # (B, H, N, N) view
    return branch.reshape(n_tokens, n_batch, d), cache


def _mha_backward_feature_major(dbranch_tm, cache, pre, config, grads):
    # dbranch_tm: (N, B, D) token-major -> d a_tm (N, B, D); parameter gradients into grads
    n_tokens, n_batch, d = dbranch_tm.shape
    n_heads, head_dim = config.n_heads, config.head_dim
    dbranch = dbranch_tm.reshape(-1, d)  # (N B, D)
    grads[pre + "W_out"] = cache["merged_t"] @ dbranch  # (D, D)
    dmerged_t = cache["w_out"] @ dbranch.T  # (D, N B) = (H, Dh, N, B)
    dqkv_t, _ = scaled_dot_batch_last_backward(
        dmerged_t.reshape(n_heads, head_dim, n_tokens, n_batch), cache["qkv_t"],
        cache["probs_t"], cache["scale"], config.causal)
    dqkv2 = dqkv_t.reshape(3 * d, -1)  # (3D, N B)
    # dW_qkv = a^T dqkv computed as its transpose (dqkv_t a: both operands as stored, the faster
    # product here), then one small (D, 3D) copy
    grads[pre + "W_qkv"] = np.ascontiguousarray((dqkv2 @ cache["a2"]).T)
    grads[pre + "b_qkv"] = dqkv2 @ np.ones(dqkv2.shape[1], dtype=dqkv2.dtype)
    da = dqkv2.T @ cache["w_qkv"].T  # (N B, D)
    return da.reshape(n_tokens, n_batch, d)


# ============================================================================================
# Pre-LN encoder block
# ============================================================================================
def _block_forward(params, pre, x, config, training, rng, for_backward=True, first_row=0):
    # x: (B, N, D) -> (B, N, D); first_row: forward's (the dropout masks' position)
    mask_offset = first_row * x.shape[1] * x.shape[2]  # of x's first element, in (B, N, D) order
    cache = {"feature_major": _feature_major(config, x.shape[0])}
    feature_major = cache["feature_major"]
    # (N, B, D) on the feature-major path, else (B, N, D)
    a, cache["ln1"] = layernorm_forward(x, params[pre + "ln1.gamma"], params[pre + "ln1.beta"],
                                        config.norm_eps, token_major=feature_major)
    # the biases of the output projection and of both feed-forward layers are added by the next
    # elementwise pass (fused: GELU; dropout + residual), not by the products
    if feature_major:
        a, cache["attn"] = _mha_forward_feature_major(params, pre + "attn.", a, config)
    else:
        a, cache["attn"] = _mha_forward(params, pre + "attn.", a, config)
    x, cache["drop_attn"] = bias_dropout_residual_forward(x, a, params[pre + "attn.b_out"],
                                                          config.dropout, rng, training,
                                                          branch_token_major=feature_major,
                                                          offset=mask_offset)
    f, cache["ln2"] = layernorm_forward(x, params[pre + "ln2.gamma"], params[pre + "ln2.beta"], config.norm_eps)
    f, cache["ff1"] = linear_forward(f, params[pre + "ff.W1"], None)  # (B, N, d_ff)
    f, cache["gelu"] = gelu_forward(f, for_backward, bias=params[pre + "ff.b1"])
    f, cache["ff2"] = linear_forward(f, params[pre + "ff.W2"], None)  # (B, N, D)
    out, cache["drop_ff"] = bias_dropout_residual_forward(x, f, params[pre + "ff.b2"],
                                                          config.dropout, rng, training,
                                                          offset=mask_offset)
    return out, cache


def _block_backward(dout, cache, pre, config, grads):
    # the residual passes dout straight through; the branches add their part
    _, df, grads[pre + "ff.b2"] = bias_dropout_residual_backward(dout, cache["drop_ff"])
    df, grads[pre + "ff.W2"], _ = linear_backward(df, cache["ff2"])
    df = gelu_backward(df, cache["gelu"])
    grads[pre + "ff.b1"] = bias_backward(df)
    df, grads[pre + "ff.W1"], _ = linear_backward(df, cache["ff1"])
    df, grads[pre + "ln2.gamma"], grads[pre + "ln2.beta"] = layernorm_backward(df, cache["ln2"])
    dx = dout + df
    feature_major = cache["feature_major"]
    # da: (N, B, D) on the feature-major path, else (B, N, D); the layer norm takes either
    _, da, grads[pre + "attn.b_out"] = bias_dropout_residual_backward(
        dx, cache["drop_attn"], branch_token_major=feature_major)
    if feature_major:
        da = _mha_backward_feature_major(da, cache["attn"], pre + "attn.", config, grads)
    else:
        da = _mha_backward(da, cache["attn"], pre + "attn.", config, grads)
    da, grads[pre + "ln1.gamma"], grads[pre + "ln1.beta"] = layernorm_backward(da, cache["ln1"])
    return dx + da


# ============================================================================================
# Trend head: the forecast as a polynomial in the horizon step (N-BEATS's trend basis)
# ============================================================================================
@functools.lru_cache(maxsize=32)
def _trend_basis(horizon, degree, dtype_name):
    # columns: orthonormal polynomials of degree 0..degree over the steps 1..horizon (QR of the
    # Vandermonde matrix of step / horizon, in float64), scaled to norm sqrt(horizon) so a
    # coefficient moves the forecast by about as much as one free step of the plain head would;
    # cached per dtype, as every forward and backward of a step asks for it
    steps = np.arange(1, horizon + 1, dtype=np.float64) / horizon
    vandermonde = steps[:, None] ** np.arange(degree + 1)  # (horizon, K)
    basis, _ = np.linalg.qr(vandermonde)
    basis = (basis * math.sqrt(horizon)).astype(dtype_name)
    basis.flags.writeable = False  # shared by every call through the cache
    return basis


def trend_basis(horizon, degree, dtype):
    """The fixed basis (horizon, degree + 1) of the trend head, in ``dtype`` (read-only)."""
    return _trend_basis(int(horizon), int(degree), np.dtype(dtype).name)


def trend_forward(coefficients, basis):
    """Expand trend coefficients (B, K, Q) over the horizon: (B, horizon, Q) = basis @ coef."""
    return np.einsum("hk,bkq->bhq", basis, coefficients, optimize=False)


def trend_backward(dout, basis):
    """Gradient of :func:`trend_forward` with respect to the coefficients: (B, K, Q)."""
    return np.einsum("hk,bhq->bkq", basis, dout, optimize=False)


# ============================================================================================
# Whole network
# ============================================================================================
def forward(params, x, config, *, training=False, rng=None, for_backward=True, first_row=0):
    """Forecast from windows.

    Parameters
    ----------
    params : dict from :func:`init_params`
    x : ndarray of shape (B, T) or (B, T, C), the config's dtype
    config : NetworkConfig
    training : bool, default False
        Dropout acts only when True.
    rng : numpy.random.Generator or None
        Source of the dropout masks (needed when training with dropout > 0).
    for_backward : bool, default True
        False skips what only :func:`backward` needs (GELU's derivative), for predictions; the
        cache then cannot be passed to :func:`backward`.
    first_row : int >= 0, default 0
        The position of ``x``'s first window in a larger batch: with a generator seeded alike,
        the forward of rows ``a:b`` at ``first_row=a`` drops exactly what the whole batch's
        forward drops in those rows (each dropout mask is a function of the element's position,
        :mod:`skattn.nn.dropout`), so a batch cut into shards trains as the whole batch does.

    Returns
    -------
    pred : ndarray of shape (B, horizon), or (B, horizon, Q) with quantiles
    cache : dict
        Everything :func:`backward` needs; :func:`attention_probs` reads the attention maps from it.
    """
    dtype = _check_forward_args(params, x, config, training, rng)
    check_offset(first_row, "first_row")
    try:
        return _forward(params, x, config, training, rng, for_backward, first_row)
    except Exception as error:
        # the O(1) checks passed: if one of the parameter arrays has a wrong shape or dtype, say
        # which (the full check, only now: it costs ~1% of a small fit on every call)
        try:
            check_params(params, config, dtype)
        except ValueError as bad_params:
            raise bad_params from error
        raise


def _forward(params, x, config, training, rng, for_backward, first_row=0):
    # forward without the argument checks
    univariate = x.ndim == 2
    x3 = x[:, :, None] if univariate else x  # (B, T, C)
    n_batch = x3.shape[0]
    d = config.d_model
    cache = {"univariate": univariate}

    # instance normalisation: z (B, T, C), statistics (B, 1, C)
    if config.normalize:
        z, cache["norm"] = instance_norm_forward(
            x3, config.instance_norm_eps, params.get("revin.gamma"), params.get("revin.beta"), config.anchor
        )
    else:
        z = x3

    # patch embedding + positions: h (B, N, D)
    patches, cache["patch"] = patch_forward(z, config.patch_len, config.stride)
    h, cache["embed"] = linear_forward(patches, params["patch.W"], params["patch.b"])
    if config.positional == "learned":
        h, _ = add_positions_forward(h, params["pos"])
    elif config.positional == "sinusoidal":
        h, _ = add_positions_forward(h, sinusoidal_positions(config.n_tokens, d, h.dtype))
    h, cache["drop_embed"] = dropout_forward(h, config.dropout, rng, training,
                                             first_row * h.shape[1] * h.shape[2])

    for layer in range(config.n_layers):
        h, cache[f"block{layer}"] = _block_forward(params, f"block{layer}.", h, config, training, rng,
                                                   for_backward, first_row)
    h, cache["ln_f"] = layernorm_forward(h, params["ln_f.gamma"], params["ln_f.beta"], config.norm_eps)

    # flatten head + linear skip from the normalised target window: y (B, horizon * Q), or the
    # trend's coefficients (B, K * Q) expanded over the horizon
    y, cache["head"] = linear_forward(h.reshape(n_batch, -1), params["head.W"], params["head.b"])
    skip, cache["skip"] = linear_forward(np.ascontiguousarray(z[:, :, 0]), params["skip.W"], None)
    y = (y + skip).reshape(n_batch, config.n_head_steps, config.n_outputs_per_step)  # (B, K, Q)
    if config.trend_degree is not None:
        y = trend_forward(y, trend_basis(config.horizon, config.trend_degree, y.dtype))

    if config.normalize:
        stats = cache["norm"]
        gamma = params["revin.gamma"][0] if config.affine else None
        beta = params["revin.beta"][0] if config.affine else None
        y, cache["denorm"] = instance_denorm_forward(
            y, stats["shift"][:, :, 0], stats["std"][:, :, 0], gamma, beta
        )
    pred = y[:, :, 0] if config.n_quantiles is None else y
    return pred, cache


_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


def _check_forward_args(params, x, config, training, rng):
    # O(1) comparisons (no pass over the data); returns the config's dtype
    if not isinstance(config, NetworkConfig):
        raise ValueError(f"config must be a NetworkConfig, got {type(config).__name__}")
    if not isinstance(x, np.ndarray):
        raise ValueError(f"x must be a NumPy array, got {type(x).__name__}")
    dtype = _DTYPES[config.dtype]
    if x.dtype != dtype:
        raise ValueError(f"x must have the config's dtype {dtype}, got {x.dtype}")
    steps, channels = config.n_timesteps, config.n_channels
    if not (x.ndim == 3 and x.shape[1:] == (steps, channels)
            or x.ndim == 2 and channels == 1 and x.shape[1] == steps):
        layout = "(B, T) or (B, T, C)" if channels == 1 else "(B, T, C)"
        raise ValueError(f"x must have shape {layout} with T = {steps} and C = {channels} "
                         f"(the config's n_timesteps and n_channels), got {x.shape}")
    if x.shape[0] == 0:  # NumPy's reshape error came out of the middle of the network
        raise ValueError(f"x must hold at least one window, got shape {x.shape}")
    check_params_quick(params, config, dtype)
    check_flag("training", training)
    if training and config.dropout > 0 and not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator when training with dropout > 0, "
                         f"got {type(rng).__name__}")
    return dtype


def _check_backward_args(dpred, cache, config):
    if not isinstance(config, NetworkConfig):
        raise ValueError(f"config must be a NetworkConfig, got {type(config).__name__}")
    if not (isinstance(cache, dict) and "patch" in cache and "univariate" in cache):
        raise bad_cache("forward")
    x_shape, patch_len, stride = cache["patch"][:3]
    if ((x_shape[1], x_shape[2], patch_len, stride)
            != (config.n_timesteps, config.n_channels, config.patch_len, config.stride)
            or f"block{config.n_layers}" in cache
            or config.n_layers and f"block{config.n_layers - 1}" not in cache):
        raise ValueError("cache must be the cache of forward with this config")
    shape = (x_shape[0], config.horizon) + (() if config.n_quantiles is None
                                            else (config.n_quantiles,))
    check_dout(dpred, shape, _DTYPES[config.dtype], "forward", name="dpred")


def backward(dpred, cache, params, config, *, return_input_grad=False):
    """Gradients of :func:`forward`.

    Parameters
    ----------
    dpred : ndarray shaped like the prediction
        Gradient of the loss with respect to the prediction.
    cache : dict from :func:`forward`
    params : dict of the parameters used in the forward pass (for their keys)
    config : NetworkConfig
    return_input_grad : bool, default False
        Also return the gradient with respect to ``x``.

    Returns
    -------
    grads : dict of str -> ndarray, the same keys and shapes as ``params``
    dx : ndarray shaped like ``x``, only when ``return_input_grad``
    """
    _check_backward_args(dpred, cache, config)
    grads = {}
    dy = dpred[:, :, None] if config.n_quantiles is None else dpred  # (B, horizon, Q)
    n_batch = dy.shape[0]

    dshift = dstd = None
    if config.normalize:
        dy, dshift2, dstd2, dgamma_t, dbeta_t = instance_denorm_backward(dy, cache["denorm"])
        n_channels = cache["norm"]["shift"].shape[2]
        # only the target channel's statistics feed the output
        dshift = np.zeros((n_batch, 1, n_channels), dtype=dy.dtype)
        dstd = np.zeros((n_batch, 1, n_channels), dtype=dy.dtype)
        dshift[:, :, 0] = dshift2
        dstd[:, :, 0] = dstd2
    if config.trend_degree is not None:
        dy = trend_backward(dy, trend_basis(config.horizon, config.trend_degree, dy.dtype))
    dy = dy.reshape(n_batch, -1)  # (B, horizon * Q), or (B, K * Q) with a trend

    # head and skip
    dz_target, grads["skip.W"], _ = linear_backward(dy, cache["skip"])  # (B, T)
    dflat, grads["head.W"], grads["head.b"] = linear_backward(dy, cache["head"])
    dh = dflat.reshape(n_batch, config.n_tokens, config.d_model)  # (B, N, D)
    dh, grads["ln_f.gamma"], grads["ln_f.beta"] = layernorm_backward(dh, cache["ln_f"])

    for layer in reversed(range(config.n_layers)):
        dh = _block_backward(dh, cache[f"block{layer}"], f"block{layer}.", config, grads)

    dh = dropout_backward(dh, cache["drop_embed"])
    if config.positional == "learned":
        dh, grads["pos"] = add_positions_backward(dh, None)
    dpatches, grads["patch.W"], grads["patch.b"] = linear_backward(dh, cache["embed"])
    if not (return_input_grad or config.affine):
        return grads  # nothing upstream of the patches has parameters: skip the input's gradient
    dz = patch_backward(dpatches, cache["patch"])  # (B, T, C)
    dz[:, :, 0] += dz_target

    if config.normalize:
        dx3, dgamma, dbeta = instance_norm_backward(dz, cache["norm"], dshift, dstd)
        if config.affine:
            dgamma[0] += dgamma_t
            dbeta[0] += dbeta_t
            grads["revin.gamma"], grads["revin.beta"] = dgamma, dbeta
    else:
        dx3 = dz
    if not return_input_grad:
        return grads
    dx = dx3[:, :, 0] if cache["univariate"] else dx3
    return grads, dx


def attention_probs(cache, config):
    """Attention maps of a forward pass.

    Returns
    -------
    probs : ndarray of shape (B, n_layers, n_heads, N, N)
    """
    if not (isinstance(cache, dict) and all(f"block{layer}" in cache
                                            for layer in range(config.n_layers))):
        raise ValueError(f"cache must be the cache of forward with this config (n_layers = "
                         f"{config.n_layers})")
    maps = [cache[f"block{layer}"]["attn"]["core"]["probs"] for layer in range(config.n_layers)]
    if not maps:
        raise ValueError("the network has no attention layer (n_layers=0)")
    return np.stack(maps, axis=1)
