"""Multi-head attention cores, forward and backward side by side.

The public functions take ``q, k, v`` of shape (B, H, T, Dh) — T tokens, H heads of width Dh — and
return ``out`` of shape (B, H, T, Dh) and a ``cache`` dict whose ``"probs"`` entry, (B, H, T, T),
holds the attention probabilities for inspection.

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
head) computes scores, mask, softmax and the weighted sum with no intermediate arrays. Sums run
in the data's dtype (float32 data: float32 sums over at most T or Dh terms, and float32 ``exp``),
which lets LLVM vectorise them; float64 data keeps float64 throughout. Two scalars do not: the
dot kernel's scale gradient accumulates in float64 (``dscale = 0.0``, one sum per (batch, head))
and the additive backward forms ``1.0 - tanh**2`` in float64 (a Python float literal promotes
it), each then rounded into float32 arrays; changing them would move float32 training by
rounding (review, session 30: left as they are). Each kernel
is the body for one (batch, head) pair and a loop over the pairs; kernels release the GIL, so the
estimator can run shards of a batch on several threads. Per-head parameter gradients are written
per (batch, head) and summed over the batch in NumPy.

**Layout.** The kernels read q, k and v from ONE packed, C-contiguous, token-major array
(B, T, 3, H, Dh) — exactly the network's fused QKV projection (B, T, 3D), reshaped — write their
output token-major (B, T, H, Dh) = (B, T, D), ready for the output projection, and write the
gradients into a packed (B, T, 3, H, Dh) buffer that is the fused projection's gradient. So the
network makes no transposes or copies around attention, and every array has static unit stride
over Dh, which lets LLVM vectorise the inner loops (strided views measured slower). The
``*_tokens_*`` functions are that interface; the public (B, H, T, Dh) functions pack their inputs
(one copy) and return views.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import bad_cache, check_dout, check_eps, check_flag

# reassoc lets LLVM vectorise the dot products over Dh (a reduction); nothing here relies on
# NaN/inf-free arithmetic (the softmax starts its max at -inf), so no other fast-math flag is set.
_FAST = {"reassoc", "contract"}


# --------------------------------------------------------------------------------------------
# Shared by every score function: the softmax of one row of scores and the mix of the values.
# Arrays are token-major and C-contiguous: qkv, dqkv: (B, T, 3, H, Dh) holding q, k, v in slots
# 0, 1, 2; out, dout: (B, T, H, Dh); probs: (B, H, T, T).
# --------------------------------------------------------------------------------------------
@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _softmax_mix_row_forward(qkv, out, probs, b, h, i, n_visible):
    # probs[b, h, i, :n_visible] holds row i's scores on entry and its probabilities on exit;
    # keys past n_visible (masked) get probability 0. out[b, i, h] = sum_j p_ij v_j
    n_tokens, head_dim = probs.shape[3], qkv.shape[4]
    zero = qkv.dtype.type(0.0)  # accumulators in the data's dtype: float32 loops vectorise
    row_max = qkv.dtype.type(-np.inf)
    for j in range(n_visible):
        row_max = max(row_max, probs[b, h, i, j])
    total = zero
    for j in range(n_visible):
        e = math.exp(probs[b, h, i, j] - row_max)  # shifted by the max: no overflow
        probs[b, h, i, j] = e
        total += e
    inv_total = qkv.dtype.type(1.0) / total
    for j in range(n_visible):
        probs[b, h, i, j] *= inv_total
    for j in range(n_visible, n_tokens):
        probs[b, h, i, j] = 0.0
    for d in range(head_dim):
        out[b, i, h, d] = 0.0
    for j in range(n_visible):
        p = probs[b, h, i, j]
        for d in range(head_dim):
            out[b, i, h, d] += p * qkv[b, j, 2, h, d]


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _softmax_mix_row_backward(dout, qkv, probs, dqkv, dscore, b, h, i, n_visible):
    # adds row i's part to dv = dqkv[b, :, 2, h] and writes dscore[:n_visible] = d loss / d score_ij:
    # dprob_j = dout_i . v_j ;  dv_j += p_ij dout_i ;  dscore_j = p_ij (dprob_j - sum_j' p_ij' dprob_j')
    head_dim = qkv.shape[4]
    zero = qkv.dtype.type(0.0)
    weighted = zero
    for j in range(n_visible):
        p = probs[b, h, i, j]
        dprob = zero
        for d in range(head_dim):
            dprob += dout[b, i, h, d] * qkv[b, j, 2, h, d]
        for d in range(head_dim):
            dqkv[b, j, 2, h, d] += p * dout[b, i, h, d]
        dscore[j] = dprob
        weighted += p * dprob
    for j in range(n_visible):
        dscore[j] = probs[b, h, i, j] * (dscore[j] - weighted)


# --------------------------------------------------------------------------------------------
# Scaled dot-product core, with a per-head scale (1/sqrt(Dh) for dot, tau_h for cosine).
# --------------------------------------------------------------------------------------------
@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _scaled_dot_forward_kernel(qkv, scale, causal, out, probs):
    # qkv: (B, T, 3, H, Dh); out: (B, T, H, Dh); scale: (H,); probs: (B, H, T, T)
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    for b in range(n_batch):
        for h in range(n_heads):
            s = scale[h]
            for i in range(n_tokens):
                # only keys j <= i are visible under the causal mask
                n_visible = i + 1 if causal else n_tokens
                for j in range(n_visible):
                    acc = qkv.dtype.type(0.0)
                    for d in range(head_dim):
                        acc += qkv[b, i, 0, h, d] * qkv[b, j, 1, h, d]
                    probs[b, h, i, j] = acc * s
                _softmax_mix_row_forward(qkv, out, probs, b, h, i, n_visible)


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _scaled_dot_backward_kernel(dout, qkv, probs, scale, causal, need_dscale, dqkv, dscale_bh):
    # dout: (B, T, H, Dh); qkv, dqkv: (B, T, 3, H, Dh); probs: (B, H, T, T); scale: (H,)
    # dscale_bh: (B, H), d loss / d scale_h from batch item b alone (summed over b by the caller);
    # filled only when need_dscale (the dot product of q_i and k_j is recomputed for it)
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    dscore = np.empty(n_tokens, dtype=qkv.dtype)  # row i of d loss / d scores
    for b in range(n_batch):
        for h in range(n_heads):
            s = scale[h]
            for t in range(n_tokens):
                for slot in range(3):
                    for d in range(head_dim):
                        dqkv[b, t, slot, h, d] = 0.0
            dscale = 0.0
            for i in range(n_tokens):
                n_visible = i + 1 if causal else n_tokens
                _softmax_mix_row_backward(dout, qkv, probs, dqkv, dscore, b, h, i, n_visible)
                # score_ij = s * q_i . k_j
                for j in range(n_visible):
                    g = dscore[j] * s
                    for d in range(head_dim):
                        dqkv[b, i, 0, h, d] += g * qkv[b, j, 1, h, d]
                        dqkv[b, j, 1, h, d] += g * qkv[b, i, 0, h, d]
                    if need_dscale:
                        raw = qkv.dtype.type(0.0)
                        for d in range(head_dim):
                            raw += qkv[b, i, 0, h, d] * qkv[b, j, 1, h, d]
                        dscale += dscore[j] * raw
            dscale_bh[b, h] = dscale


#: from this many tokens on, the dot-product core runs as batched BLAS products (NumPy matmul over
#: (batch, head) stacks; NumPy's vectorised exp) instead of the fused kernel. Measured with one
#: thread, forward + backward: 6 tokens kernel 0.43 / BLAS 0.63 ms, 9 tokens 0.88 / 0.94,
#: 12 tokens 0.81 / 0.60, 24 tokens 1.41 / 0.67, 41 tokens 4.1 / 1.5.
BLAS_MIN_TOKENS = 12


#: the batch-last kernel from this many windows on (its loops run over the batch), while a head's
#: score matrix and values are small (tokens x head width up to BATCH_MAX_TOKEN_WIDTH); beyond
#: that, BLAS products are efficient enough to win. Measured (float32, one thread, forward +
#: backward, ms of CPU time with two other jobs on the machine, so relative figures only):
#: 7 tokens x width 8, 256 windows: kernel 1.6 / BLAS 1.8 / batch 0.8; 17 x 8: 8.4 / 4.8 / 3.8;
#: 6 x 16, 128 windows: 0.68 / 0.89 / 0.54; 17 x 16: 4.7 / 2.7 / 3.4; 41 x 16, 16 windows:
#: 6.1 / 2.4 / 4.9; 17 x 8, 16 windows: 0.37 / 0.28 / 0.26; one window: 0.008 / 0.03 / 0.05.
BATCH_MIN_WINDOWS = 32
BATCH_MAX_TOKEN_WIDTH = 200


def _pick_method(n_batch, n_tokens, head_dim, method):
    if method not in (None, "kernel", "blas", "batch"):
        raise ValueError(f"method must be None, 'kernel', 'blas' or 'batch', got {method!r}")
    if method is not None:
        return method
    if n_batch >= BATCH_MIN_WINDOWS and n_tokens * head_dim <= BATCH_MAX_TOKEN_WIDTH:
        return "batch"
    return "blas" if n_tokens >= BLAS_MIN_TOKENS else "kernel"


def _heads_major(x):
    # (B, T, H, Dh) view -> C-contiguous (B, H, T, Dh): what batched matmul wants
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3))


def _scaled_dot_blas_forward(qkv, scale, causal):
    # the same maths as the fused kernel, as products over the (B, H) stack of matrices
    q, k, v = (_heads_major(qkv[:, :, slot]) for slot in range(3))  # each (B, H, T, Dh)
    probs = np.matmul(q, k.transpose(0, 1, 3, 2))  # (B, H, T, T) raw scores
    probs *= scale[None, :, None, None]
    if causal:
        later = np.triu_indices(q.shape[2], 1)  # keys j > i
        probs[:, :, later[0], later[1]] = -np.inf
    probs -= probs.max(axis=-1, keepdims=True)  # the diagonal is always visible: finite max
    np.exp(probs, out=probs)  # masked entries: exp(-inf) = 0
    probs /= probs.sum(axis=-1, keepdims=True)
    out = np.matmul(probs, v)  # (B, H, T, Dh)
    return np.ascontiguousarray(out.transpose(0, 2, 1, 3)), probs, (q, k, v)


def _scaled_dot_blas_backward(dout, cache, dqkv, need_dscale):
    q, k, v = cache["heads"]
    probs, scale = cache["probs"], cache["scale"]
    dout = _heads_major(dout)  # (B, H, T, Dh)
    dprobs = np.matmul(dout, v.transpose(0, 1, 3, 2))  # (B, H, T, T)
    dv = np.matmul(probs.transpose(0, 1, 3, 2), dout)  # (B, H, T, Dh)
    # softmax backward; masked entries have p = 0, so their gradient is 0
    dscores = probs * (dprobs - (probs * dprobs).sum(axis=-1, keepdims=True))
    dq_raw = np.matmul(dscores, k)  # d loss / d q before the scale
    dk_raw = np.matmul(dscores.transpose(0, 1, 3, 2), q)
    scale4 = scale[None, :, None, None]
    dqkv[:, :, 0] = (dq_raw * scale4).transpose(0, 2, 1, 3)
    dqkv[:, :, 1] = (dk_raw * scale4).transpose(0, 2, 1, 3)
    dqkv[:, :, 2] = dv.transpose(0, 2, 1, 3)
    if not need_dscale:
        return None
    # d loss / d scale_h = sum_ij dscore_ij (q_i . k_j) = sum_i q_i . (dscore k)_i
    return (q * dq_raw).sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------------------------
# The same core with the batch innermost: every loop runs over B contiguous values.
# --------------------------------------------------------------------------------------------
# Rows of a few tokens and heads of width 8-16 make the fused kernel's loops too short for LLVM
# to vectorise (it wants 16 lanes x 4), and the BLAS path's (B, H) stack of tiny products is all
# call overhead. Transposed so that the batch is the last axis, every elementwise step, dot
# product and softmax runs over B values at once. float32 then uses a polynomial exp (no libm
# call, so it vectorises): Cephes' expf on [-ln2/2, ln2/2] scaled by 2^k built from the exponent
# bits; measured max relative error 6e-8 over [-87, 0] (NumPy's float32 exp: 2e-7). Arguments are
# score - row max <= 0, clamped at -87 (exp(-87) ~ 1.6e-38, the normal float32 range).
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693359375  # ln 2 split in two so that k ln 2 is exact in float32
_LN2_LO = -2.12194440e-4
_EXP_C = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
          1.6666665459e-1, 5.0000001201e-1)


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _exp_nonpositive_inplace(row, pow2_bits, polynomial):
    # row (B,) <- exp(row), row <= 0; pow2_bits: int32 scratch (B,). polynomial=True is for
    # float32 rows only (2^k is built from float32 exponent bits); False: libm exp, any dtype
    if not polynomial:
        for b in range(row.shape[0]):
            row[b] = math.exp(row[b])
        return
    one = row.dtype.type(1.0)
    c0, c1, c2 = row.dtype.type(_EXP_C[0]), row.dtype.type(_EXP_C[1]), row.dtype.type(_EXP_C[2])
    c3, c4, c5 = row.dtype.type(_EXP_C[3]), row.dtype.type(_EXP_C[4]), row.dtype.type(_EXP_C[5])
    for b in range(row.shape[0]):
        x = max(row[b], row.dtype.type(-87.0))
        k = math.floor(x * row.dtype.type(_LOG2E) + row.dtype.type(0.5))
        r = x - k * row.dtype.type(_LN2_HI) - k * row.dtype.type(_LN2_LO)  # |r| <= ln2 / 2
        p = ((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5
        row[b] = p * r * r + r + one  # exp(r)
        pow2_bits[b] = (np.int32(k) + np.int32(127)) << np.int32(23)  # the bits of 2^k
    pow2 = pow2_bits.view(np.float32)
    for b in range(row.shape[0]):
        row[b] *= pow2[b]


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST, inline="always")
def _query_key_dots(qkv_t, h, i, j, out):
    # out (B,) <- q_i . k_j of head h for every window of the batch-last qkv_t (3, H, Dh, T, B)
    for b in range(out.shape[0]):
        out[b] = 0.0
    for d in range(qkv_t.shape[2]):
        q, k = qkv_t[0, h, d, i], qkv_t[1, h, d, j]
        for b in range(out.shape[0]):
            out[b] += q[b] * k[b]


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _scaled_dot_batch_forward_kernel(qkv_t, scale, causal, polynomial_exp, out_t, probs_t):
    # qkv_t: (3, H, Dh, T, B); out_t: (H, Dh, T, B); probs_t: (H, T, T, B); scale: (H,)
    _, n_heads, head_dim, n_tokens, n_batch = qkv_t.shape
    zero = qkv_t.dtype.type(0.0)
    row_max = np.empty(n_batch, dtype=qkv_t.dtype)
    inv_total = np.empty(n_batch, dtype=qkv_t.dtype)
    pow2_bits = np.empty(n_batch, dtype=np.int32)
    for h in range(n_heads):
        s = scale[h]
        for i in range(n_tokens):
            n_visible = i + 1 if causal else n_tokens  # only keys j <= i under the causal mask
            for j in range(n_visible):  # score_ij = s q_i . k_j
                score = probs_t[h, i, j]
                _query_key_dots(qkv_t, h, i, j, score)
                for b in range(n_batch):
                    score[b] *= s
            for b in range(n_batch):
                row_max[b] = probs_t[h, i, 0, b]
            for j in range(1, n_visible):
                for b in range(n_batch):
                    row_max[b] = max(row_max[b], probs_t[h, i, j, b])
            for b in range(n_batch):
                inv_total[b] = zero
            for j in range(n_visible):
                row = probs_t[h, i, j]
                for b in range(n_batch):
                    row[b] -= row_max[b]  # shifted by the max: no overflow
                _exp_nonpositive_inplace(row, pow2_bits, polynomial_exp)
                for b in range(n_batch):
                    inv_total[b] += row[b]
            for b in range(n_batch):
                inv_total[b] = qkv_t.dtype.type(1.0) / inv_total[b]
            for j in range(n_visible):
                for b in range(n_batch):
                    probs_t[h, i, j, b] *= inv_total[b]
            for j in range(n_visible, n_tokens):
                for b in range(n_batch):
                    probs_t[h, i, j, b] = zero
            for d in range(head_dim):  # out_i = sum_j p_ij v_j
                acc = out_t[h, d, i]
                for b in range(n_batch):
                    acc[b] = zero
                for j in range(n_visible):
                    p, v = probs_t[h, i, j], qkv_t[2, h, d, j]
                    for b in range(n_batch):
                        acc[b] += p[b] * v[b]


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _scaled_dot_batch_backward_kernel(dout_t, qkv_t, probs_t, scale, causal, need_dscale, dqkv_t,
                                      dscale_t):
    # dout_t: (H, Dh, T, B); qkv_t, dqkv_t: (3, H, Dh, T, B); probs_t: (H, T, T, B);
    # dscale_t: (H, B), d loss / d scale_h from batch item b alone (filled when need_dscale)
    _, n_heads, head_dim, n_tokens, n_batch = qkv_t.shape
    zero = qkv_t.dtype.type(0.0)
    dscore = np.empty((n_tokens, n_batch), dtype=qkv_t.dtype)  # row i of d loss / d scores
    weighted = np.empty(n_batch, dtype=qkv_t.dtype)
    raw = np.empty(n_batch, dtype=qkv_t.dtype)
    for h in range(n_heads):
        s = scale[h]
        for slot in range(3):
            for d in range(head_dim):
                for t in range(n_tokens):
                    for b in range(n_batch):
                        dqkv_t[slot, h, d, t, b] = zero
        for b in range(n_batch):
            dscale_t[h, b] = zero
        for i in range(n_tokens):
            n_visible = i + 1 if causal else n_tokens
            for j in range(n_visible):  # dprob_j = dout_i . v_j ;  dv_j += p_ij dout_i
                dprob, p = dscore[j], probs_t[h, i, j]
                for b in range(n_batch):
                    dprob[b] = zero
                for d in range(head_dim):
                    g, v, dv = dout_t[h, d, i], qkv_t[2, h, d, j], dqkv_t[2, h, d, j]
                    for b in range(n_batch):
                        dprob[b] += g[b] * v[b]
                        dv[b] += p[b] * g[b]
            # softmax: dscore_j = p_ij (dprob_j - sum_j' p_ij' dprob_j')
            for b in range(n_batch):
                weighted[b] = zero
            for j in range(n_visible):
                p = probs_t[h, i, j]
                for b in range(n_batch):
                    weighted[b] += p[b] * dscore[j, b]
            for j in range(n_visible):
                p = probs_t[h, i, j]
                for b in range(n_batch):
                    dscore[j, b] = p[b] * (dscore[j, b] - weighted[b])
            for j in range(n_visible):  # score_ij = s q_i . k_j
                g = dscore[j]
                if need_dscale:  # d / d s = dscore_ij (q_i . k_j), recomputed
                    _query_key_dots(qkv_t, h, i, j, raw)
                    for b in range(n_batch):
                        dscale_t[h, b] += g[b] * raw[b]
                for d in range(head_dim):
                    q, k = qkv_t[0, h, d, i], qkv_t[1, h, d, j]
                    dq, dk = dqkv_t[0, h, d, i], dqkv_t[1, h, d, j]
                    for b in range(n_batch):
                        dq[b] += s * g[b] * k[b]
                        dk[b] += s * g[b] * q[b]


# The copies into and out of the batch-last layout. NumPy's strided copies of these transposes
# cost as much as the attention kernels themselves on the M3 shapes (98 + 31 us forward, 37 + 142 us
# backward for 128 windows x 6 tokens x 4 heads of 16); these loops take about half: for 16
# windows at a time, each window's contiguous head row is read once and scattered over the
# batch-last rows, which stay in L1 across the 16 windows.
_COPY_TILE = 16


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _batch_last_copy(token_major, batch_last, into_batch_last):
    # token_major (B, T, G, Dh) <-> batch_last (G, Dh, T, B), both C-contiguous; copies into
    # batch_last when into_batch_last, else back into token_major (a loop-invariant branch)
    n_batch, n_tokens, n_groups, head_dim = token_major.shape
    for b0 in range(0, n_batch, _COPY_TILE):
        b1 = min(b0 + _COPY_TILE, n_batch)
        for t in range(n_tokens):
            for g in range(n_groups):
                for b in range(b0, b1):
                    for d in range(head_dim):
                        if into_batch_last:
                            batch_last[g, d, t, b] = token_major[b, t, g, d]
                        else:
                            token_major[b, t, g, d] = batch_last[g, d, t, b]


def _to_batch_last(src, dst):
    # src (B, T, G, Dh) -> dst (G, Dh, T, B)
    _batch_last_copy(src, dst, True)


def _from_batch_last(src, dst):
    # src (G, Dh, T, B) -> dst (B, T, G, Dh)
    _batch_last_copy(dst, src, False)


def scaled_dot_batch_last_forward(qkv_t, scale, causal):
    """The batch-last kernel on q, k, v already in its layout (the network's feature-major path
    computes them that way, with no copy).

    Parameters
    ----------
    qkv_t : C-contiguous ndarray of shape (3, H, Dh, T, B)
    scale : ndarray of shape (H,), qkv_t's dtype
    causal : bool

    Returns
    -------
    out_t : ndarray of shape (H, Dh, T, B), i.e. (D, T, B) with the heads merged
    probs_t : ndarray of shape (H, T, T, B)
    """
    _, n_heads, head_dim, n_tokens, n_batch = qkv_t.shape
    out_t = np.empty((n_heads, head_dim, n_tokens, n_batch), dtype=qkv_t.dtype)
    probs_t = np.empty((n_heads, n_tokens, n_tokens, n_batch), dtype=qkv_t.dtype)
    _scaled_dot_batch_forward_kernel(qkv_t, scale, bool(causal), qkv_t.dtype == np.float32, out_t,
                                     probs_t)
    return out_t, probs_t


def scaled_dot_batch_last_backward(dout_t, qkv_t, probs_t, scale, causal, need_dscale=False):
    """Gradients of :func:`scaled_dot_batch_last_forward`: ``(dqkv_t, dscale)``, dqkv_t of shape
    (3, H, Dh, T, B) and dscale (H,) or None unless ``need_dscale``."""
    dqkv_t = np.empty_like(qkv_t)
    dscale_t = np.empty((qkv_t.shape[1], qkv_t.shape[4]), dtype=qkv_t.dtype)  # (H, B)
    _scaled_dot_batch_backward_kernel(np.ascontiguousarray(dout_t, dtype=qkv_t.dtype), qkv_t,
                                      probs_t, scale, bool(causal), bool(need_dscale), dqkv_t,
                                      dscale_t)
    return dqkv_t, (dscale_t.sum(axis=1) if need_dscale else None)


def _scaled_dot_batch_forward(qkv, scale, causal):
    # (B, T, 3, H, Dh) -> batch-last (3, H, Dh, T, B), one copy; out back to (B, T, H, Dh)
    qkv = np.ascontiguousarray(qkv)
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    qkv_t = np.empty((3, n_heads, head_dim, n_tokens, n_batch), dtype=qkv.dtype)
    _to_batch_last(qkv.reshape(n_batch, n_tokens, 3 * n_heads, head_dim),
                   qkv_t.reshape(3 * n_heads, head_dim, n_tokens, n_batch))
    out_t, probs_t = scaled_dot_batch_last_forward(qkv_t, scale, causal)
    out = np.empty((n_batch, n_tokens, n_heads, head_dim), dtype=qkv.dtype)
    _from_batch_last(out_t, out)
    # probs: a (B, H, T, T) view for inspection; the backward reads probs_t
    return out, probs_t.transpose(3, 0, 1, 2), (qkv_t, probs_t)


def _scaled_dot_batch_backward(dout, cache, dqkv, need_dscale):
    qkv_t, probs_t = cache["batch_last"]
    _, n_heads, head_dim, n_tokens, n_batch = qkv_t.shape
    # dout (B, T, H, Dh) -> dout_t (H, Dh, T, B)
    dout_t = np.empty((n_heads, head_dim, n_tokens, n_batch), dtype=qkv_t.dtype)
    _to_batch_last(np.ascontiguousarray(dout, dtype=qkv_t.dtype), dout_t)
    dqkv_t, dscale = scaled_dot_batch_last_backward(dout_t, qkv_t, probs_t, cache["scale"],
                                                    cache["causal"], need_dscale)
    if dqkv.flags.c_contiguous and dqkv.dtype == dqkv_t.dtype:  # reshapes are views: write in place
        _from_batch_last(dqkv_t.reshape(3 * n_heads, head_dim, n_tokens, n_batch),
                         dqkv.reshape(n_batch, n_tokens, 3 * n_heads, head_dim))
    else:
        dqkv[...] = dqkv_t.transpose(4, 3, 0, 1, 2)
    return dscale


def scaled_dot_tokens_forward(qkv, scale, causal=False, method=None):
    """Scaled dot-product attention on a packed token-major array (see the module's *Layout*).

    Parameters
    ----------
    qkv : C-contiguous ndarray of shape (B, T, 3, H, Dh)
        q, k and v in slots 0, 1 and 2 (the fused projection's output, reshaped).
    scale : ndarray of shape (H,)
        Multiplies the scores of each head.
    causal : bool
    method : {None, "kernel", "blas", "batch"}
        The fused Numba kernel, batched BLAS products, or the fused kernel on a batch-last copy
        (loops over the batch, vectorised); None picks by the shape (:func:`_pick_method`).
        All three compute the same function (tested against each other).

    Returns
    -------
    out : ndarray of shape (B, T, H, Dh), C-contiguous (heads merged by a free reshape)
    cache : dict with ``"probs"`` of shape (B, H, T, T)
    """
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    scale = np.ascontiguousarray(scale, dtype=qkv.dtype)
    cache = {"qkv": qkv, "scale": scale, "causal": bool(causal)}
    method = _pick_method(n_batch, n_tokens, head_dim, method)
    if method == "blas":
        out, cache["probs"], cache["heads"] = _scaled_dot_blas_forward(qkv, scale, bool(causal))
        return out, cache
    if method == "batch":
        out, cache["probs"], cache["batch_last"] = _scaled_dot_batch_forward(qkv, scale,
                                                                             bool(causal))
        return out, cache
    out = np.empty((n_batch, n_tokens, n_heads, head_dim), dtype=qkv.dtype)
    probs = np.empty((n_batch, n_heads, n_tokens, n_tokens), dtype=qkv.dtype)
    _scaled_dot_forward_kernel(qkv, scale, bool(causal), out, probs)
    cache["probs"] = probs
    return out, cache


def scaled_dot_tokens_backward(dout, cache, dqkv, need_dscale=False):
    """Gradients of :func:`scaled_dot_tokens_forward`, written into ``dqkv`` (B, T, 3, H, Dh).

    Parameters
    ----------
    dout : ndarray of shape (B, T, H, Dh)
    cache : dict from :func:`scaled_dot_tokens_forward`
    dqkv : C-contiguous ndarray of shape (B, T, 3, H, Dh), overwritten
    need_dscale : bool
        Also return the gradient of the per-head scale.

    Returns
    -------
    dscale : ndarray of shape (H,), or None unless ``need_dscale``
    """
    if "heads" in cache:
        return _scaled_dot_blas_backward(dout, cache, dqkv, bool(need_dscale))
    if "batch_last" in cache:
        return _scaled_dot_batch_backward(dout, cache, dqkv, bool(need_dscale))
    qkv = cache["qkv"]
    dscale_bh = np.zeros((qkv.shape[0], qkv.shape[3]), dtype=qkv.dtype)  # (B, H)
    _scaled_dot_backward_kernel(np.ascontiguousarray(dout), qkv, cache["probs"], cache["scale"],
                                cache["causal"], bool(need_dscale), dqkv, dscale_bh)
    return dscale_bh.sum(axis=0) if need_dscale else None


def _check_qkv(q, k, v):
    if not all(isinstance(a, np.ndarray) for a in (q, k, v)):
        raise ValueError("q, k and v must be NumPy arrays")
    if not q.ndim == k.ndim == v.ndim == 4:  # the shapes may agree and still be wrong
        raise ValueError(
            "q, k and v must be 4-D, (B, H, T, Dh): batch, heads, time steps, head width; got "
            f"{q.ndim}-D, {k.ndim}-D and {v.ndim}-D arrays of shapes {q.shape}, {k.shape}, "
            f"{v.shape}"
        )
    if q.shape != k.shape or q.shape != v.shape:
        raise ValueError(
            "q, k and v must have the same shape (B, H, T, Dh); got "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if not (q.dtype == k.dtype == v.dtype) or q.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"q, k and v must share one dtype, float32 or float64; got {q.dtype}, {k.dtype}, {v.dtype}"
        )
    if 0 in q.shape:
        raise ValueError(f"q, k and v must have no empty axis (B, H, T, Dh >= 1); got {q.shape}")


def _check_attention_backward(dout, cache, forward, kind):
    # cache: the dict of `forward`, whose score function is `kind`; dout: shaped like its output
    if not (isinstance(cache, dict) and "qkv" in cache and "probs" in cache):
        raise bad_cache(forward)
    cache_kind = "cosine" if "tau" in cache else "additive" if "w" in cache else "dot"
    if cache_kind != kind:
        raise bad_cache(forward)
    qkv = cache["qkv"]  # (B, T, 3, H, Dh)
    check_dout(dout, (qkv.shape[0], qkv.shape[3], qkv.shape[1], qkv.shape[4]), qkv.dtype,
               forward)


def _tokens(x):
    # (B, H, T, Dh) <-> (B, T, H, Dh): a view, never a copy
    return x.transpose(0, 2, 1, 3)


def _pack(q, k, v):
    # (B, H, T, Dh) each -> one C-contiguous (B, T, 3, H, Dh): the public functions' only copy
    return np.ascontiguousarray(np.stack([_tokens(q), _tokens(k), _tokens(v)], axis=2))


def _unpack(qkv):
    # (B, T, 3, H, Dh) -> q, k, v as (B, H, T, Dh) views
    return tuple(_tokens(qkv[:, :, slot]) for slot in range(3))


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
    check_flag("causal", causal)
    n_heads, head_dim = q.shape[1], q.shape[3]
    scale = np.full(n_heads, 1.0 / math.sqrt(head_dim))
    out, cache = scaled_dot_tokens_forward(_pack(q, k, v), scale, causal)
    return _tokens(out), cache


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
    _check_attention_backward(dout, cache, "attention_forward", "dot")
    dqkv = np.empty_like(cache["qkv"])
    scaled_dot_tokens_backward(_tokens(np.asarray(dout, dtype=dqkv.dtype)), cache, dqkv)
    return _unpack(dqkv)


# --------------------------------------------------------------------------------------------
# Cosine attention: unit-normalised q and k, a learnable temperature per head.
# --------------------------------------------------------------------------------------------
def _unit_normalise_forward(x, eps):
    # x: (..., Dh); norm = sqrt(|x|^2 + eps) keeps the map smooth at x = 0
    norm = np.sqrt((x * x).sum(axis=-1, keepdims=True) + x.dtype.type(eps))  # (..., 1)
    return x / norm, norm


def _unit_normalise_backward(dx_unit, x_unit, norm):
    # x_unit = x / norm, d norm / dx = x / norm  =>  dx = (dx_unit - x_unit (x_unit . dx_unit)) / norm
    return (dx_unit - x_unit * (x_unit * dx_unit).sum(axis=-1, keepdims=True)) / norm


def cosine_tokens_forward(qkv, log_tau, causal=False, eps=1e-6):
    """Cosine attention on a packed array (B, T, 3, H, Dh); see :func:`cosine_attention_forward`."""
    unit = np.empty_like(qkv)  # q and k replaced by unit vectors, v as it is
    unit[:, :, 0], q_norm = _unit_normalise_forward(qkv[:, :, 0], eps)
    unit[:, :, 1], k_norm = _unit_normalise_forward(qkv[:, :, 1], eps)
    unit[:, :, 2] = qkv[:, :, 2]
    tau = np.exp(np.asarray(log_tau, dtype=qkv.dtype))  # (H,)
    out, cache = scaled_dot_tokens_forward(unit, tau, causal)
    cache.update(q_norm=q_norm, k_norm=k_norm, tau=tau)
    return out, cache


def cosine_tokens_backward(dout, cache, dqkv):
    """Gradients of :func:`cosine_tokens_forward` into ``dqkv``; returns ``dlog_tau`` (H,)."""
    dtau = scaled_dot_tokens_backward(dout, cache, dqkv, need_dscale=True)
    # the kernel wrote gradients with respect to the unit vectors; map them back through the norm
    unit = cache["qkv"]
    dqkv[:, :, 0] = _unit_normalise_backward(dqkv[:, :, 0], unit[:, :, 0], cache["q_norm"])
    dqkv[:, :, 1] = _unit_normalise_backward(dqkv[:, :, 1], unit[:, :, 1], cache["k_norm"])
    return dtau * cache["tau"]  # d exp(l) / dl = exp(l)


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
        Added to the squared norms of q and k before their root; > 0.

    Returns
    -------
    out : ndarray of shape (B, H, T, Dh)
    cache : dict with ``"probs"`` of shape (B, H, T, T)
    """
    _check_qkv(q, k, v)
    check_flag("causal", causal)
    log_tau_array = np.asarray(log_tau)
    if log_tau_array.shape != (q.shape[1],) or log_tau_array.dtype.kind not in "fiu":
        raise ValueError(f"log_tau must be a real array of shape (H,) = ({q.shape[1]},), got "
                         f"shape {log_tau_array.shape} and dtype {log_tau_array.dtype}")
    check_eps(eps)
    out, cache = cosine_tokens_forward(_pack(q, k, v), log_tau, causal, eps)
    return _tokens(out), cache


def cosine_attention_backward(dout, cache):
    """Gradients of :func:`cosine_attention_forward`: ``(dq, dk, dv, dlog_tau)``."""
    _check_attention_backward(dout, cache, "cosine_attention_forward", "cosine")
    dqkv = np.empty_like(cache["qkv"])
    dlog_tau = cosine_tokens_backward(_tokens(np.asarray(dout, dtype=dqkv.dtype)), cache, dqkv)
    return (*_unpack(dqkv), dlog_tau)


# --------------------------------------------------------------------------------------------
# Additive (Bahdanau) attention: s_ij = w_h . tanh(q_i + k_j).
# --------------------------------------------------------------------------------------------
@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _additive_forward_kernel(qkv, w, causal, out, probs):
    # qkv: (B, T, 3, H, Dh); out: (B, T, H, Dh); w: (H, Dh); probs: (B, H, T, T)
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    for b in range(n_batch):
        for h in range(n_heads):
            for i in range(n_tokens):
                n_visible = i + 1 if causal else n_tokens
                for j in range(n_visible):
                    acc = qkv.dtype.type(0.0)
                    for d in range(head_dim):
                        acc += w[h, d] * math.tanh(qkv[b, i, 0, h, d] + qkv[b, j, 1, h, d])
                    probs[b, h, i, j] = acc
                _softmax_mix_row_forward(qkv, out, probs, b, h, i, n_visible)


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_FAST)
def _additive_backward_kernel(dout, qkv, w, probs, causal, dqkv, dw_bh):
    # dout: (B, T, H, Dh); qkv, dqkv: (B, T, 3, H, Dh); w: (H, Dh); probs: (B, H, T, T)
    # dw_bh: (B, H, Dh), d loss / d w_h from batch item b alone (summed over b by the caller)
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    dscore = np.empty(n_tokens, dtype=qkv.dtype)
    for b in range(n_batch):
        for h in range(n_heads):
            for t in range(n_tokens):
                for slot in range(3):
                    for d in range(head_dim):
                        dqkv[b, t, slot, h, d] = 0.0
            for d in range(head_dim):
                dw_bh[b, h, d] = 0.0
            for i in range(n_tokens):
                n_visible = i + 1 if causal else n_tokens
                _softmax_mix_row_backward(dout, qkv, probs, dqkv, dscore, b, h, i, n_visible)
                # score_ij = w_h . tanh(q_i + k_j), the tanh recomputed rather than stored
                for j in range(n_visible):
                    for d in range(head_dim):
                        tanh_ij = math.tanh(qkv[b, i, 0, h, d] + qkv[b, j, 1, h, d])
                        dw_bh[b, h, d] += dscore[j] * tanh_ij
                        dpre = dscore[j] * w[h, d] * (1.0 - tanh_ij * tanh_ij)
                        dqkv[b, i, 0, h, d] += dpre
                        dqkv[b, j, 1, h, d] += dpre


def additive_tokens_forward(qkv, w, causal=False):
    """Additive attention on a packed array (B, T, 3, H, Dh); see :func:`additive_attention_forward`."""
    n_batch, n_tokens, _, n_heads, head_dim = qkv.shape
    w = np.ascontiguousarray(w, dtype=qkv.dtype)
    if w.shape != (n_heads, head_dim):
        raise ValueError(f"w must have shape (H, Dh) = {(n_heads, head_dim)}, got {w.shape}")
    out = np.empty((n_batch, n_tokens, n_heads, head_dim), dtype=qkv.dtype)
    probs = np.empty((n_batch, n_heads, n_tokens, n_tokens), dtype=qkv.dtype)
    _additive_forward_kernel(qkv, w, bool(causal), out, probs)
    return out, {"qkv": qkv, "w": w, "probs": probs, "causal": bool(causal)}


def additive_tokens_backward(dout, cache, dqkv):
    """Gradients of :func:`additive_tokens_forward` into ``dqkv``; returns ``dw`` (H, Dh)."""
    qkv = cache["qkv"]
    dw_bh = np.empty((qkv.shape[0], qkv.shape[3], qkv.shape[4]), dtype=qkv.dtype)  # (B, H, Dh)
    _additive_backward_kernel(np.ascontiguousarray(dout), qkv, cache["w"], cache["probs"],
                              cache["causal"], dqkv, dw_bh)
    return dw_bh.sum(axis=0)


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
    check_flag("causal", causal)
    out, cache = additive_tokens_forward(_pack(q, k, v), w, causal)
    return _tokens(out), cache


def additive_attention_backward(dout, cache):
    """Gradients of :func:`additive_attention_forward`: ``(dq, dk, dv, dw)``."""
    _check_attention_backward(dout, cache, "additive_attention_forward", "additive")
    dqkv = np.empty_like(cache["qkv"])
    dw = additive_tokens_backward(_tokens(np.asarray(dout, dtype=dqkv.dtype)), cache, dqkv)
    return (*_unpack(dqkv), dw)
