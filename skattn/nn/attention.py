"""Multi-head attention cores, forward and backward side by side.

Every core takes ``q, k, v`` of shape (B, H, T, Dh) — T tokens, H heads of width Dh — and returns
``out`` of shape (B, H, T, Dh) and a ``cache`` dict whose ``"probs"`` entry, (B, H, T, T), holds the
attention probabilities for inspection.

Score functions (the ones compared in the attention-for-forecasting literature):

- dot (Vaswani et al. 2017): ``s_ij = q_i . k_j / sqrt(Dh)`` — :func:`attention_forward`.
- cosine (Swin v2; Henry et al. 2020): ``s_ij = exp(log_tau_h) cos(q_i, k_j)``, a learnable
  temperature per head — :func:`cosine_attention_forward`.
- additive (Bahdanau et al. 2015): ``s_ij = w_h . tanh(q_i + k_j)``; the two input projections of
  the original are the Q and K projections already applied to the tokens — :func:`additive_attention_forward`.
- gated (Qiu et al. 2025): dot attention whose output is multiplied by a learned sigmoid gate; the
  gate is a plain elementwise op (:func:`skattn.nn.activations.sigmoid_gate_forward`) applied by
  the network after the heads are merged.

Tokens are few in forecasting (tens), so the score loops run in Numba, fused: one pass per (batch,
head) computes scores, mask, softmax and the weighted sum with no intermediate arrays. Each kernel
is the body for one (batch, head) pair and a loop over the pairs; kernels release the GIL, so the
estimator can run shards of a batch on several threads. Per-head parameter gradients are written
per (batch, head) and summed over the batch in NumPy.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


# --------------------------------------------------------------------------------------------
# Shared by every score function: the softmax of one row of scores and the mix of the values.
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _softmax_mix_row_forward(v, out, probs, b, h, i, n_visible):
    # probs[b, h, i, :n_visible] holds row i's scores on entry and its probabilities on exit;
    # keys past n_visible (masked) get probability 0. out[b, h, i] = sum_j p_ij v_j
    n_tokens, head_dim = probs.shape[3], v.shape[3]
    row_max = -np.inf
    for j in range(n_visible):
        row_max = max(row_max, probs[b, h, i, j])
    total = 0.0
    for j in range(n_visible):
        e = math.exp(probs[b, h, i, j] - row_max)  # shifted by the max: no overflow
        probs[b, h, i, j] = e
        total += e
    inv_total = 1.0 / total
    for j in range(n_visible):
        probs[b, h, i, j] *= inv_total
    for j in range(n_visible, n_tokens):
        probs[b, h, i, j] = 0.0
    for d in range(head_dim):
        acc = 0.0
        for j in range(n_visible):
            acc += probs[b, h, i, j] * v[b, h, j, d]
        out[b, h, i, d] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def _softmax_mix_row_backward(dout, v, probs, dv, dscore, b, h, i, n_visible):
    # adds row i's part to dv[b, h] and writes dscore[:n_visible] = d loss / d score_ij:
    # dprob_j = dout_i . v_j ;  dv_j += p_ij dout_i ;  dscore_j = p_ij (dprob_j - sum_j' p_ij' dprob_j')
    head_dim = v.shape[3]
    weighted = 0.0
    for j in range(n_visible):
        p = probs[b, h, i, j]
        dprob = 0.0
        for d in range(head_dim):
            dprob += dout[b, h, i, d] * v[b, h, j, d]
            dv[b, h, j, d] += p * dout[b, h, i, d]
        dscore[j] = dprob
        weighted += p * dprob
    for j in range(n_visible):
        dscore[j] = probs[b, h, i, j] * (dscore[j] - weighted)


# --------------------------------------------------------------------------------------------
# Scaled dot-product core, with a per-head scale (1/sqrt(Dh) for dot, tau_h for cosine).
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_dot_forward_slice(q, k, v, scale, causal, out, probs, bh):
    # one (batch, head) pair bh = b * H + h of:
    # q, k, v, out: (B, H, T, Dh); scale: (H,); probs: (B, H, T, T)
    _, n_heads, n_tokens, head_dim = q.shape
    b = bh // n_heads
    h = bh % n_heads
    s = scale[h]
    for i in range(n_tokens):
        # only keys j <= i are visible under the causal mask
        n_visible = i + 1 if causal else n_tokens
        for j in range(n_visible):
            acc = 0.0
            for d in range(head_dim):
                acc += q[b, h, i, d] * k[b, h, j, d]
            probs[b, h, i, j] = acc * s
        _softmax_mix_row_forward(v, out, probs, b, h, i, n_visible)


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_dot_backward_slice(dout, q, k, v, probs, scale, causal, dq, dk, dv, dscale_bh, bh):
    # one (batch, head) pair of:
    # dout, q, k, v, dq, dk, dv: (B, H, T, Dh); probs: (B, H, T, T); scale: (H,)
    # dscale_bh: (B, H), d loss / d scale_h from batch item b alone (summed over b by the caller)
    _, n_heads, n_tokens, head_dim = q.shape
    b = bh // n_heads
    h = bh % n_heads
    s = scale[h]
    dscore = np.empty(n_tokens, dtype=np.float64)  # row i of d loss / d scores
    dk[b, h] = 0.0
    dv[b, h] = 0.0
    dq[b, h] = 0.0
    dscale = 0.0
    for i in range(n_tokens):
        n_visible = i + 1 if causal else n_tokens
        _softmax_mix_row_backward(dout, v, probs, dv, dscore, b, h, i, n_visible)
        # score_ij = s * q_i . k_j
        for j in range(n_visible):
            raw = 0.0  # q_i . k_j before scaling
            for d in range(head_dim):
                raw += q[b, h, i, d] * k[b, h, j, d]
                dq[b, h, i, d] += dscore[j] * s * k[b, h, j, d]
                dk[b, h, j, d] += dscore[j] * s * q[b, h, i, d]
            dscale += dscore[j] * raw
    dscale_bh[b, h] = dscale


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_dot_forward_kernel(q, k, v, scale, causal, out, probs):
    for bh in range(q.shape[0] * q.shape[1]):
        _scaled_dot_forward_slice(q, k, v, scale, causal, out, probs, bh)


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_dot_backward_kernel(dout, q, k, v, probs, scale, causal, dq, dk, dv, dscale_bh):
    for bh in range(q.shape[0] * q.shape[1]):
        _scaled_dot_backward_slice(dout, q, k, v, probs, scale, causal, dq, dk, dv, dscale_bh, bh)


def _check_qkv(q, k, v):
    if q.ndim != 4 or q.shape != k.shape or q.shape != v.shape:
        raise ValueError(
            "q, k and v must have the same shape (B, H, T, Dh); got "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if not (q.dtype == k.dtype == v.dtype) or q.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"q, k and v must share one dtype, float32 or float64; got {q.dtype}, {k.dtype}, {v.dtype}"
        )


def _scaled_dot_forward(q, k, v, scale, causal):
    q, k, v = (np.ascontiguousarray(a) for a in (q, k, v))
    n_batch, n_heads, n_tokens, _ = q.shape
    out = np.empty_like(q)
    probs = np.empty((n_batch, n_heads, n_tokens, n_tokens), dtype=q.dtype)
    scale = np.ascontiguousarray(scale, dtype=q.dtype)
    _scaled_dot_forward_kernel(q, k, v, scale, bool(causal), out, probs)
    cache = {"q": q, "k": k, "v": v, "probs": probs, "scale": scale, "causal": bool(causal)}
    return out, cache


def _scaled_dot_backward(dout, cache):
    q, k, v, probs = cache["q"], cache["k"], cache["v"], cache["probs"]
    dout = np.ascontiguousarray(dout, dtype=q.dtype)
    dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    dscale_bh = np.empty(q.shape[:2], dtype=q.dtype)  # (B, H)
    _scaled_dot_backward_kernel(dout, q, k, v, probs, cache["scale"], cache["causal"], dq, dk, dv, dscale_bh)
    return dq, dk, dv, dscale_bh.sum(axis=0)


def attention_forward(q, k, v, causal=False):
    """Scaled dot-product attention, ``softmax(q k^T / sqrt(Dh)) v``, over all heads at once.

    Parameters
    ----------
    q, k, v : ndarray of shape (B, H, T, Dh), float32 or float64
    causal : bool, default False
        When True, token i attends only to tokens j <= i.

    Returns
    -------
    out : ndarray of shape (B, H, T, Dh)
    cache : dict
        ``cache["probs"]``, of shape (B, H, T, T), holds the attention probabilities (rows sum to
        one; masked entries are zero). The rest is what :func:`attention_backward` needs.
    """
    _check_qkv(q, k, v)
    n_heads, head_dim = q.shape[1], q.shape[3]
    scale = np.full(n_heads, 1.0 / math.sqrt(head_dim))
    return _scaled_dot_forward(q, k, v, scale, causal)


def attention_backward(dout, cache):
    """Gradients of :func:`attention_forward`.

    Parameters
    ----------
    dout : ndarray of shape (B, H, T, Dh)
    cache : dict from :func:`attention_forward`

    Returns
    -------
    dq, dk, dv : ndarray of shape (B, H, T, Dh)
    """
    dq, dk, dv, _ = _scaled_dot_backward(dout, cache)
    return dq, dk, dv


# --------------------------------------------------------------------------------------------
# Cosine attention: unit-normalised q and k, a learnable temperature per head.
# --------------------------------------------------------------------------------------------
def _unit_normalise_forward(x, eps):
    # x: (B, H, T, Dh); norm = sqrt(|x|^2 + eps) keeps the map smooth at x = 0
    norm = np.sqrt((x * x).sum(axis=-1, keepdims=True) + x.dtype.type(eps))  # (B, H, T, 1)
    return x / norm, norm


def _unit_normalise_backward(dx_unit, x_unit, norm):
    # x_unit = x / norm, d norm / dx = x / norm  =>  dx = (dx_unit - x_unit (x_unit . dx_unit)) / norm
    return (dx_unit - x_unit * (x_unit * dx_unit).sum(axis=-1, keepdims=True)) / norm


def cosine_attention_forward(q, k, v, log_tau, causal=False, eps=1e-6):
    """Cosine-similarity attention with a learnable temperature per head.

    ``s_ij = exp(log_tau_h) * q_i . k_j / (|q_i| |k_j|)``, with ``|x| = sqrt(x . x + eps)``.

    Parameters
    ----------
    q, k, v : ndarray of shape (B, H, T, Dh)
    log_tau : ndarray of shape (H,)
        Log of the temperature of each head (a log keeps the temperature positive).
    causal : bool, default False
    eps : float, default 1e-6

    Returns
    -------
    out : ndarray of shape (B, H, T, Dh)
    cache : dict with ``"probs"`` of shape (B, H, T, T)
    """
    _check_qkv(q, k, v)
    q_unit, q_norm = _unit_normalise_forward(q, eps)
    k_unit, k_norm = _unit_normalise_forward(k, eps)
    tau = np.exp(np.asarray(log_tau, dtype=q.dtype))  # (H,)
    out, cache = _scaled_dot_forward(q_unit, k_unit, v, tau, causal)
    cache.update(q_norm=q_norm, k_norm=k_norm, tau=tau)
    return out, cache


def cosine_attention_backward(dout, cache):
    """Gradients of :func:`cosine_attention_forward`: ``(dq, dk, dv, dlog_tau)``."""
    dq_unit, dk_unit, dv, dtau = _scaled_dot_backward(dout, cache)
    dq = _unit_normalise_backward(dq_unit, cache["q"], cache["q_norm"])
    dk = _unit_normalise_backward(dk_unit, cache["k"], cache["k_norm"])
    dlog_tau = dtau * cache["tau"]  # d exp(l) / dl = exp(l)
    return dq, dk, dv, dlog_tau


# --------------------------------------------------------------------------------------------
# Additive (Bahdanau) attention: s_ij = w_h . tanh(q_i + k_j).
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _additive_forward_slice(q, k, v, w, causal, out, probs, bh):
    # one (batch, head) pair of: q, k, v, out: (B, H, T, Dh); w: (H, Dh); probs: (B, H, T, T)
    _, n_heads, n_tokens, head_dim = q.shape
    b = bh // n_heads
    h = bh % n_heads
    for i in range(n_tokens):
        n_visible = i + 1 if causal else n_tokens
        for j in range(n_visible):
            acc = 0.0
            for d in range(head_dim):
                acc += w[h, d] * math.tanh(q[b, h, i, d] + k[b, h, j, d])
            probs[b, h, i, j] = acc
        _softmax_mix_row_forward(v, out, probs, b, h, i, n_visible)


@njit(cache=True, nogil=True, error_model="numpy")
def _additive_backward_slice(dout, q, k, v, w, probs, causal, dq, dk, dv, dw_bh, bh):
    # one (batch, head) pair; dw_bh: (B, H, Dh), d loss / d w_h from batch item b alone
    # (summed over b by the caller)
    _, n_heads, n_tokens, head_dim = q.shape
    b = bh // n_heads
    h = bh % n_heads
    dscore = np.empty(n_tokens, dtype=np.float64)
    dk[b, h] = 0.0
    dv[b, h] = 0.0
    dq[b, h] = 0.0
    dw_bh[b, h] = 0.0
    for i in range(n_tokens):
        n_visible = i + 1 if causal else n_tokens
        _softmax_mix_row_backward(dout, v, probs, dv, dscore, b, h, i, n_visible)
        # score_ij = w_h . tanh(q_i + k_j), the tanh recomputed rather than stored
        for j in range(n_visible):
            for d in range(head_dim):
                t = math.tanh(q[b, h, i, d] + k[b, h, j, d])
                dw_bh[b, h, d] += dscore[j] * t
                dpre = dscore[j] * w[h, d] * (1.0 - t * t)
                dq[b, h, i, d] += dpre
                dk[b, h, j, d] += dpre


@njit(cache=True, nogil=True, error_model="numpy")
def _additive_forward_kernel(q, k, v, w, causal, out, probs):
    for bh in range(q.shape[0] * q.shape[1]):
        _additive_forward_slice(q, k, v, w, causal, out, probs, bh)


@njit(cache=True, nogil=True, error_model="numpy")
def _additive_backward_kernel(dout, q, k, v, w, probs, causal, dq, dk, dv, dw_bh):
    for bh in range(q.shape[0] * q.shape[1]):
        _additive_backward_slice(dout, q, k, v, w, probs, causal, dq, dk, dv, dw_bh, bh)


def additive_attention_forward(q, k, v, w, causal=False):
    """Additive (Bahdanau) attention: ``s_ij = w_h . tanh(q_i + k_j)``.

    Parameters
    ----------
    q, k, v : ndarray of shape (B, H, T, Dh)
    w : ndarray of shape (H, Dh)
        Score vector of each head.
    causal : bool, default False

    Returns
    -------
    out : ndarray of shape (B, H, T, Dh)
    cache : dict with ``"probs"`` of shape (B, H, T, T)
    """
    _check_qkv(q, k, v)
    q, k, v = (np.ascontiguousarray(a) for a in (q, k, v))
    w = np.ascontiguousarray(w, dtype=q.dtype)
    if w.shape != (q.shape[1], q.shape[3]):
        raise ValueError(f"w must have shape (H, Dh) = {(q.shape[1], q.shape[3])}, got {w.shape}")
    n_batch, n_heads, n_tokens, _ = q.shape
    out = np.empty_like(q)
    probs = np.empty((n_batch, n_heads, n_tokens, n_tokens), dtype=q.dtype)
    _additive_forward_kernel(q, k, v, w, bool(causal), out, probs)
    return out, {"q": q, "k": k, "v": v, "w": w, "probs": probs, "causal": bool(causal)}


def additive_attention_backward(dout, cache):
    """Gradients of :func:`additive_attention_forward`: ``(dq, dk, dv, dw)``."""
    q, k, v, w, probs = cache["q"], cache["k"], cache["v"], cache["w"], cache["probs"]
    dout = np.ascontiguousarray(dout, dtype=q.dtype)
    dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    dw_bh = np.empty(q.shape[:2] + (q.shape[3],), dtype=q.dtype)  # (B, H, Dh)
    _additive_backward_kernel(dout, q, k, v, w, probs, cache["causal"], dq, dk, dv, dw_bh)
    return dq, dk, dv, dw_bh.sum(axis=0)
