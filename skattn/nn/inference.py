"""The whole network's forward pass for a few windows in ONE Numba call, for prediction.

:func:`skattn.nn.forward` runs each operation as its own NumPy/BLAS/Numba call: ~100 calls for
the M3 configuration, each costing microseconds of Python and dispatch whatever the size of its
arrays. For a batch of hundreds of windows that overhead is nothing next to the matrix products;
for ONE window (``forecast``, a ``predict`` on the last window) it is almost all of the time: the
products of 6 tokens by 64 features take less than a microsecond each, their BLAS calls ~6 us.
So prediction on a few windows runs here instead: the same mathematics — instance norm, patches,
embedding, positions, the pre-LN blocks (dot-product or gated attention), the final norm, the
flatten head and the linear skip, the trend basis, de-normalisation — as plain loops over one
window at a time, in float64, with every parameter read from one flat buffer.

Dropout is off (this is inference only) and there is no backward: training and gradients stay in
:mod:`skattn.nn.network`. The results equal :func:`skattn.nn.forward`'s up to float64 rounding
(tested against it for every option the kernel takes). Additive and cosine attention are not
implemented here; :func:`pack_for_inference` returns None for them and the caller keeps the
general path.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import check_params
from .embedding import patch_layout, sinusoidal_positions
from .network import NetworkConfig, trend_basis
from .norm import _layernorm_forward_kernel

#: attention kinds the fused kernel implements
INFERENCE_ATTENTION = ("dot", "gated")
_INV_SQRT2 = 1.0 / math.sqrt(2.0)  # GELU's erf argument scale

# Slots of the flat parameter buffer: the network-wide ones, then _LAYER_SLOTS per block.
(_PATCH_W, _PATCH_B, _POS, _LNF_G, _LNF_B, _HEAD_W, _HEAD_B, _SKIP_W, _REVIN_G, _REVIN_B,
 _TREND) = range(11)
_N_GLOBAL_SLOTS = 11
(_LN1_G, _LN1_B, _W_QKV, _B_QKV, _W_OUT, _B_OUT, _LN2_G, _LN2_B, _W1, _B1, _W2, _B2, _W_GATE,
 _B_GATE) = range(14)
_LAYER_SLOTS = 14
# Entries of the int64 ``dims`` array
(_T, _C, _P, _S, _N, _NPAD, _D, _F, _H, _L, _K, _Q, _HORIZON, _NORMALIZE, _AFFINE, _GATED,
 _CAUSAL, _HAS_TREND, _ANCHOR_LAST) = range(19)
_N_DIMS = 19


class InferencePack:
    """A fitted network's float64 parameters in one flat buffer, with the offsets and sizes the
    kernel reads them by. Built once per fitted model by :func:`pack_for_inference`."""

    __slots__ = ("flat", "offsets", "dims", "eps", "instance_eps", "horizon", "n_outputs_per_step")

    def __init__(self, flat, offsets, dims, eps, instance_eps, horizon, n_outputs_per_step):
        self.flat, self.offsets, self.dims, self.eps = flat, offsets, dims, eps
        self.instance_eps = instance_eps  # instance norm's epsilon (eps: layer norm's)
        self.horizon, self.n_outputs_per_step = horizon, n_outputs_per_step


def pack_for_inference(params, config):
    """Pack ``params`` (of :func:`skattn.nn.init_params` for ``config``) for :func:`forward_inference`.

    Returns None when the configuration uses something the kernel does not implement (additive
    or cosine attention).
    """
    if not isinstance(config, NetworkConfig):
        raise ValueError(f"config must be a NetworkConfig, got {type(config).__name__}")
    if config.attention not in INFERENCE_ATTENTION:
        return None
    check_params(params, config)
    n_tokens = config.n_tokens
    padded_len, _ = patch_layout(config.n_timesteps, config.patch_len, config.stride)
    d, n_channels = config.d_model, config.n_channels
    n_outputs_per_step = config.n_outputs_per_step
    n_head_steps = config.n_head_steps

    def as64(value):
        return np.ascontiguousarray(value, dtype=np.float64).reshape(-1)

    if config.positional == "learned":
        positions = params["pos"]
    elif config.positional == "sinusoidal":
        positions = sinusoidal_positions(n_tokens, d, np.float64)
    else:
        positions = np.zeros((n_tokens, d))
    affine = config.normalize and config.affine
    slots = [None] * (_N_GLOBAL_SLOTS + _LAYER_SLOTS * config.n_layers)
    slots[_PATCH_W], slots[_PATCH_B], slots[_POS] = params["patch.W"], params["patch.b"], positions
    slots[_LNF_G], slots[_LNF_B] = params["ln_f.gamma"], params["ln_f.beta"]
    slots[_HEAD_W], slots[_HEAD_B], slots[_SKIP_W] = params["head.W"], params["head.b"], params["skip.W"]
    slots[_REVIN_G] = params["revin.gamma"] if affine else np.ones(n_channels)
    slots[_REVIN_B] = params["revin.beta"] if affine else np.zeros(n_channels)
    slots[_TREND] = (trend_basis(config.horizon, config.trend_degree, np.float64)
                     if config.trend_degree is not None else np.zeros(0))
    gated = config.attention == "gated"
    for layer in range(config.n_layers):
        pre, base = f"block{layer}.", _N_GLOBAL_SLOTS + _LAYER_SLOTS * layer
        for slot, name in ((_LN1_G, "ln1.gamma"), (_LN1_B, "ln1.beta"), (_W_QKV, "attn.W_qkv"),
                           (_B_QKV, "attn.b_qkv"), (_W_OUT, "attn.W_out"), (_B_OUT, "attn.b_out"),
                           (_LN2_G, "ln2.gamma"), (_LN2_B, "ln2.beta"), (_W1, "ff.W1"),
                           (_B1, "ff.b1"), (_W2, "ff.W2"), (_B2, "ff.b2")):
            slots[base + slot] = params[pre + name]
        slots[base + _W_GATE] = params[pre + "attn.W_gate"] if gated else np.zeros(0)
        slots[base + _B_GATE] = params[pre + "attn.b_gate"] if gated else np.zeros(0)
    pieces = [as64(value) for value in slots]
    offsets = np.zeros(len(pieces) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([piece.size for piece in pieces])
    dims = np.zeros(_N_DIMS, dtype=np.int64)
    dims[_T], dims[_C], dims[_P], dims[_S] = (config.n_timesteps, n_channels, config.patch_len,
                                              config.stride)
    dims[_N], dims[_NPAD] = n_tokens, padded_len - config.n_timesteps
    dims[_D], dims[_F], dims[_H], dims[_L] = d, config.d_ff, config.n_heads, config.n_layers
    dims[_K], dims[_Q], dims[_HORIZON] = n_head_steps, n_outputs_per_step, config.horizon
    dims[_NORMALIZE], dims[_AFFINE], dims[_GATED] = config.normalize, affine, gated
    dims[_CAUSAL], dims[_HAS_TREND] = config.causal, config.trend_degree is not None
    dims[_ANCHOR_LAST] = config.anchor == "last"
    return InferencePack(np.concatenate(pieces), offsets, dims, float(config.norm_eps),
                         float(config.instance_norm_eps),
                         config.horizon, n_outputs_per_step)


def forward_inference(pack, x3):
    """Forecasts of the packed network for windows ``x3`` (B, T, C), float64: (B, horizon, Q).

    The same function as ``skattn.nn.forward(params, x3, config)`` in float64 (de-normalised
    output, quantiles on the last axis even when there is one), computed one window at a time in
    one Numba call.
    """
    if not isinstance(pack, InferencePack):
        raise ValueError(f"pack must be the InferencePack of pack_for_inference, got "
                         f"{type(pack).__name__} (pack_for_inference returns None for additive "
                         f"and cosine attention: use skattn.nn.forward for those)")
    x3 = np.ascontiguousarray(x3, dtype=np.float64)
    # the kernel indexes the windows by the packed network's steps and channels, unchecked
    window = (int(pack.dims[_T]), int(pack.dims[_C]))
    if x3.ndim != 3 or x3.shape[1:] != window:
        raise ValueError(f"x3 must have shape (B, T, C) = (B, {window[0]}, {window[1]}) for this "
                         f"network, got {x3.shape}")
    out = np.empty((x3.shape[0], pack.horizon, pack.n_outputs_per_step))
    _forward_kernel(x3, pack.flat, pack.offsets, pack.dims, pack.eps, pack.instance_eps, out)
    return out


# --------------------------------------------------------------------------------------------
# Kernel. One window at a time: the products are BLAS calls made from compiled code, the rest
# loops over the window's few tokens.
# --------------------------------------------------------------------------------------------
@njit(cache=CACHE, nogil=True, error_model="numpy")
def _view(flat, offsets, slot, n_rows, n_cols):
    # the parameter in ``slot`` as an (n_rows, n_cols) C-contiguous view of flat: indexing views
    # with loop counters lets LLVM drop the negative-index checks and vectorise
    start = offsets[slot]
    return flat[start:start + n_rows * n_cols].reshape((n_rows, n_cols))


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _dense(a, weight, bias, has_bias, out):
    # out (N, n_out) = a (N, n_in) @ weight (n_in, n_out) [+ bias (1, n_out) when has_bias].
    # np.dot here is a BLAS call from compiled code (~1 us, no Python): on 6 x 64 x 256 it ran at
    # ~43 GFLOP/s against ~17 for a vectorised loop
    np.dot(a, weight, out)
    if has_bias:
        for n in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[n, j] += bias[0, j]



@njit(cache=CACHE, nogil=True, error_model="numpy")
def _forward_kernel(x, flat, offsets, dims, eps, instance_eps, out):
    # x: (B, T, C) scaled windows; out: (B, horizon, Q)
    n_steps, n_channels, patch_len, stride = dims[_T], dims[_C], dims[_P], dims[_S]
    n_tokens, n_pad, d, d_ff, n_heads = dims[_N], dims[_NPAD], dims[_D], dims[_F], dims[_H]
    n_layers, n_head_steps, n_q, horizon = dims[_L], dims[_K], dims[_Q], dims[_HORIZON]
    normalize, affine, gated = dims[_NORMALIZE] != 0, dims[_AFFINE] != 0, dims[_GATED] != 0
    causal, has_trend = dims[_CAUSAL] != 0, dims[_HAS_TREND] != 0
    anchor_last = dims[_ANCHOR_LAST] != 0
    head_dim = d // n_heads
    scale = 1.0 / math.sqrt(head_dim)
    n_coef = n_head_steps * n_q
    # the network-wide parameters as views of flat
    patch_w = _view(flat, offsets, _PATCH_W, patch_len * n_channels, d)
    patch_b = _view(flat, offsets, _PATCH_B, 1, d)
    positions = _view(flat, offsets, _POS, n_tokens, d)
    lnf_g, lnf_b = _view(flat, offsets, _LNF_G, 1, d), _view(flat, offsets, _LNF_B, 1, d)
    head_w = _view(flat, offsets, _HEAD_W, n_tokens * d, n_coef)
    head_b = _view(flat, offsets, _HEAD_B, 1, n_coef)
    skip_w = _view(flat, offsets, _SKIP_W, n_steps, n_coef)
    revin_g = _view(flat, offsets, _REVIN_G, 1, n_channels)
    revin_b = _view(flat, offsets, _REVIN_B, 1, n_channels)
    basis = _view(flat, offsets, _TREND, horizon if has_trend else 0, n_head_steps)
    # work arrays, reused for every window
    z = np.empty((n_steps, n_channels))
    patches = np.empty((n_tokens, patch_len * n_channels))
    h = np.empty((n_tokens, d))  # the residual stream
    a = np.empty((n_tokens, d))  # its layer-normed copy
    row_mean, row_rstd = np.empty(n_tokens), np.empty(n_tokens)  # the layer norm's statistics
    qkv = np.empty((n_tokens, 3 * d))  # q, k, v of each token: (N, 3, H, Dh) flattened
    merged = np.empty((n_tokens, d))  # attention output, heads merged
    branch = np.empty((n_tokens, d))
    hidden = np.empty((n_tokens, d_ff))
    probs = np.empty(n_tokens)
    coef = np.empty((1, n_coef))
    flat_h = a.reshape((1, n_tokens * d))  # the final norm's output, flattened for the head
    target = np.empty((1, n_steps))
    skip = np.empty((1, n_coef))
    for b in range(x.shape[0]):
        # instance norm of each channel over time (shift: the mean or the last value): (T, C);
        # the target channel's statistics de-normalise the forecast
        shift0, std0 = 0.0, 1.0
        for c in range(n_channels):
            if normalize:
                mu, sq = 0.0, 0.0
                for t in range(n_steps):
                    mu += x[b, t, c]
                mu /= n_steps
                for t in range(n_steps):
                    diff = x[b, t, c] - mu
                    sq += diff * diff
                std = math.sqrt(sq / n_steps + instance_eps)
                shift = x[b, n_steps - 1, c] if anchor_last else mu
                for t in range(n_steps):
                    xhat = (x[b, t, c] - shift) / std
                    z[t, c] = xhat * revin_g[0, c] + revin_b[0, c] if affine else xhat
                if c == 0:
                    shift0, std0 = shift, std
            else:
                for t in range(n_steps):
                    z[t, c] = x[b, t, c]
        # patches, left-padded with the first step (embedding.patch_forward), step-major
        for n in range(n_tokens):
            for p in range(patch_len):
                t = max(n * stride + p - n_pad, 0)
                for c in range(n_channels):
                    patches[n, p * n_channels + c] = z[t, c]
        _dense(patches, patch_w, patch_b, True, h)
        for n in range(n_tokens):
            for j in range(d):
                h[n, j] += positions[n, j]

        for layer in range(n_layers):
            base = _N_GLOBAL_SLOTS + _LAYER_SLOTS * layer
            _layernorm_forward_kernel(h, _view(flat, offsets, base + _LN1_G, 1, d)[0],
                                      _view(flat, offsets, base + _LN1_B, 1, d)[0], eps, a,
                                      row_mean, row_rstd, 0)
            _dense(a, _view(flat, offsets, base + _W_QKV, d, 3 * d),
                   _view(flat, offsets, base + _B_QKV, 1, 3 * d), True, qkv)
            for head in range(n_heads):
                q_at, k_at, v_at = head * head_dim, d + head * head_dim, 2 * d + head * head_dim
                for i in range(n_tokens):
                    n_visible = i + 1 if causal else n_tokens
                    row_max = -np.inf
                    for j in range(n_visible):
                        score = 0.0
                        for e in range(head_dim):
                            score += qkv[i, q_at + e] * qkv[j, k_at + e]
                        probs[j] = score * scale
                        row_max = max(row_max, probs[j])
                    total = 0.0
                    for j in range(n_visible):
                        probs[j] = math.exp(probs[j] - row_max)
                        total += probs[j]
                    for e in range(head_dim):
                        merged[i, q_at + e] = 0.0
                    for j in range(n_visible):
                        p = probs[j] / total
                        for e in range(head_dim):
                            merged[i, q_at + e] += p * qkv[j, v_at + e]
            if gated:  # merged * sigmoid(LN1(h) W_gate + b_gate)
                _dense(a, _view(flat, offsets, base + _W_GATE, d, d),
                       _view(flat, offsets, base + _B_GATE, 1, d), True, branch)
                for n in range(n_tokens):
                    for j in range(d):
                        logit = branch[n, j]
                        if logit >= 0:
                            gate = 1.0 / (1.0 + math.exp(-logit))
                        else:
                            gate = math.exp(logit) / (1.0 + math.exp(logit))
                        merged[n, j] *= gate
            _dense(merged, _view(flat, offsets, base + _W_OUT, d, d),
                   _view(flat, offsets, base + _B_OUT, 1, d), True, branch)
            for n in range(n_tokens):
                for j in range(d):
                    h[n, j] += branch[n, j]
            _layernorm_forward_kernel(h, _view(flat, offsets, base + _LN2_G, 1, d)[0],
                                      _view(flat, offsets, base + _LN2_B, 1, d)[0], eps, a,
                                      row_mean, row_rstd, 0)
            _dense(a, _view(flat, offsets, base + _W1, d, d_ff),
                   _view(flat, offsets, base + _B1, 1, d_ff), True, hidden)
            for n in range(n_tokens):
                for j in range(d_ff):
                    v = hidden[n, j]
                    hidden[n, j] = v * 0.5 * (1.0 + math.erf(v * _INV_SQRT2))
            _dense(hidden, _view(flat, offsets, base + _W2, d_ff, d),
                   _view(flat, offsets, base + _B2, 1, d), True, branch)
            for n in range(n_tokens):
                for j in range(d):
                    h[n, j] += branch[n, j]

        _layernorm_forward_kernel(h, lnf_g[0], lnf_b[0], eps, a, row_mean, row_rstd, 0)
        # flatten head (N * D -> K * Q) + linear skip from the target channel (T -> K * Q)
        _dense(flat_h, head_w, head_b, True, coef)
        for t in range(n_steps):
            target[0, t] = z[t, 0]
        _dense(target, skip_w, head_b, False, skip)
        # (K, Q) coefficients -> (horizon, Q), then back on the window's scale
        for step in range(horizon):
            for q in range(n_q):
                if has_trend:
                    value = 0.0
                    for k in range(n_head_steps):
                        value += basis[step, k] * (coef[0, k * n_q + q] + skip[0, k * n_q + q])
                else:
                    value = coef[0, step * n_q + q] + skip[0, step * n_q + q]
                if normalize:
                    if affine:
                        value = (value - revin_b[0, 0]) / revin_g[0, 0]
                    value = value * std0 + shift0
                out[b, step, q] = value
