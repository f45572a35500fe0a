"""Inverted dropout: at training time zero each element with probability ``p`` and scale the
survivors by ``1 / (1 - p)``, so nothing changes at predict time (identity).

The keep-mask is counter-based: one 64-bit key is drawn from the caller's generator per call, and
element ``i`` is kept when its 32-bit word of ``splitmix64(key + (i // 2 + 1) * golden)`` (low half
for even ``i``, high half for odd) is at least ``ceil(p * 2**32)``. SplitMix64 (Steele, Lea and
Flood 2014; Java's ``SplittableRandom``) passes BigCrush; keyed by an independent 64-bit draw per
call it is as good a mask source as the generator itself, and the hash vectorises: one compiled
pass draws, compares, scales and multiplies. Being a function of the element's position, the mask
of a slice of rows is the slice of the whole array's mask when the slice's first element's
position is passed as ``offset`` with the same key: a batch cut into shards (``n_jobs``) drops
exactly what the whole batch would. (NumPy's PCG64 took 110 us for the words of one M3
training step's 256 x 6 x 64 mask, a sequential generator LLVM cannot vectorise; see
docs/architecture.md.)
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import bad_cache, check_dout, check_flag, check_float_arrays, is_int, is_real
from .linear import bias_backward

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def dropout_forward(x, p, rng, training, offset=0):
    """Apply inverted dropout.

    Parameters
    ----------
    x : ndarray
    p : float in [0, 1)
        Probability of zeroing an element.
    rng : numpy.random.Generator or None
        Source of the mask's key (one 64-bit draw per call); the same seed gives the same mask.
        Needed only when it acts.
    training : bool
        When False (or ``p == 0``) the layer is the identity.
    offset : int >= 0, default 0
        The position of ``x``'s first element in a larger array (C order) whose mask ``x``'s is
        part of: with the same key, ``x[a:b]`` at ``offset = a * x[0].size`` gets the mask of
        rows ``a:b`` of the whole.

    Returns
    -------
    out : ndarray like ``x``
    cache : ndarray of the scaled keep-mask, or None for the identity
    """
    check_float_arrays(x=x)
    if not (is_real(p) and 0.0 <= p < 1.0):
        raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
    check_flag("training", training)
    if training and p > 0.0 and not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator when dropout acts (training and "
                         f"p > 0), got {type(rng).__name__}")
    check_offset(offset)
    return _dropout_forward(x, p, rng, training, offset)


def check_offset(offset, name="offset"):
    """A mask offset must be an integer >= 0 (a position in a larger array)."""
    if not (is_int(offset) and 0 <= offset < 2**62):
        raise ValueError(f"{name} must be an integer >= 0, got {offset!r}")


def _dropout_forward(x, p, rng, training, offset=0):
    # dropout_forward without the argument checks (the network's calls)
    if not training or p == 0.0:
        return x, None
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
    key = rng.integers(0, 2**64, dtype=np.uint64)
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    scaled_mask = np.empty_like(x)
    _dropout_kernel(x.reshape(-1), key, np.uint64(drop_threshold(p)),
                    x.dtype.type(1.0 / (1.0 - p)), out.reshape(-1), scaled_mask.reshape(-1),
                    int(offset))
    return out, scaled_mask


def dropout_backward(dout, cache):
    """Gradient of :func:`dropout_forward`."""
    if cache is None:  # the identity: any float array passes through
        check_dout(dout, getattr(dout, "shape", None), None, "dropout_forward")
    elif isinstance(cache, np.ndarray):
        check_dout(dout, cache.shape, cache.dtype, "dropout_forward")
    else:
        raise bad_cache("dropout_forward")
    return _dropout_backward(dout, cache)


def _dropout_backward(dout, cache):
    # dropout_backward without the argument checks (the network's calls)
    scaled_mask = cache
    if scaled_mask is None:
        return dout
    return dout * scaled_mask


def drop_threshold(p):
    """The 32-bit words below which an element is dropped: ``ceil(p * 2**32)`` (exact)."""
    return min(math.ceil(p * 2.0**32), 2**32)  # p * 2**32 is exact in float64


@njit(cache=CACHE, nogil=True, error_model="numpy", inline="always")
def _splitmix64(key, counter):
    # SplitMix64's output for state key + counter * golden (uint64 arithmetic wraps)
    z = key + counter * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


@njit(cache=CACHE, nogil=True, error_model="numpy", inline="always")
def _pair_masks(key, counter, threshold, scale):
    # the scaled keep-masks of one pair of elements: the low and high 32-bit halves of
    # splitmix64(key + counter golden), each kept (scale) when >= threshold, else dropped (0)
    word = _splitmix64(key, counter)
    zero = scale - scale
    mask_low = scale if (word & np.uint64(0xFFFFFFFF)) >= threshold else zero
    mask_high = scale if (word >> np.uint64(32)) >= threshold else zero
    return mask_low, mask_high


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _dropout_kernel(x, key, threshold, scale, out, scaled_mask, offset):
    # x, out, scaled_mask: (N,) flat; key, threshold: uint64; x[i] is element offset + i of the
    # array the mask is drawn for. Its pair k = elements 2k, 2k + 1 takes the low and high 32-bit
    # halves of splitmix64(key + (k + 1) golden); a word >= threshold keeps its element.
    # out = x * mask (a single rounding, as x * scaled_mask).
    n = x.shape[0]
    start = 0
    if offset % 2 and n > 0:  # x starts at the high half of a pair
        _, mask_high = _pair_masks(key, np.uint64(offset // 2 + 1), threshold, scale)
        scaled_mask[0] = mask_high
        out[0] = x[0] * mask_high
        start = 1
    first_pair = (offset + start) // 2  # the pair of x[start], whose low half it is
    n_pairs = (n - start) // 2
    for k in range(n_pairs):
        mask_low, mask_high = _pair_masks(key, np.uint64(first_pair + k + 1), threshold, scale)
        i = start + 2 * k
        scaled_mask[i] = mask_low
        scaled_mask[i + 1] = mask_high
        out[i] = x[i] * mask_low
        out[i + 1] = x[i + 1] * mask_high
    if (n - start) % 2:  # the odd last element: the low half of the next word
        last = n - 1
        mask_last, _ = _pair_masks(key, np.uint64(first_pair + n_pairs + 1), threshold, scale)
        scaled_mask[last] = mask_last
        out[last] = x[last] * mask_last


def bias_dropout_residual_forward(residual, branch, bias, p, rng, training,
                                  branch_token_major=False, offset=0):
    """``residual + dropout(branch + bias)``: a residual branch's bias, dropout and sum, one pass.

    The pre-LN block ends both branches this way (the attention output projection and the
    second feed-forward layer, each computed without its bias). Bitwise the three separate steps
    (``branch + bias``, :func:`dropout_forward` with the same generator, ``residual + ...``): the
    same mask, the same roundings in the same order. Returns ``(out, cache)``; the cache is
    :func:`dropout_forward`'s (the scaled keep-mask, or None); the gradients are
    :func:`bias_dropout_residual_backward`'s.

    With ``branch_token_major``, ``residual`` is (B, N, D) and ``branch`` the same values laid
    out (N, B, D) (the feature-major attention's output projection); the kernel reads it so, and
    the mask and result are those of the (B, N, D) branch. ``offset`` is
    :func:`dropout_forward`'s: the position of the branch's first element, in that layout, in the
    array whose mask it is part of (a shard of a batch); the network passes it unchecked.
    """
    n_tokens = 0  # > 0: the kernel reads the branch's rows token-major
    if branch_token_major:
        if (training and p > 0.0 and branch.shape[-1] % 2 == 0 and residual.dtype == branch.dtype
                and residual.shape == (branch.shape[1], branch.shape[0], branch.shape[2])):
            n_tokens = branch.shape[0]
        else:  # the steps below on the branch seen as (B, N, D)
            branch = branch.transpose(1, 0, 2)
    if not training or p == 0.0:
        return residual + (branch + bias), None
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
    width = branch.shape[-1]
    if offset % 2 or (not n_tokens and (width % 2 or residual.shape != branch.shape
                                        or residual.dtype != branch.dtype)):
        # an odd row width or offset splits mask words across rows: the plain steps
        if n_tokens:
            branch = branch.transpose(1, 0, 2)
        dropped, scaled_mask = _dropout_forward(branch + bias, p, rng, training, offset)
        return residual + dropped, scaled_mask
    key = rng.integers(0, 2**64, dtype=np.uint64)  # the one draw dropout_forward makes
    branch2 = np.ascontiguousarray(branch).reshape(-1, width)  # (M, D)
    out = np.empty_like(branch2)
    scaled_mask = np.empty_like(branch2)
    _bias_dropout_residual_kernel(np.ascontiguousarray(residual).reshape(-1, width), branch2,
                                  np.ascontiguousarray(bias, dtype=branch.dtype), key,
                                  np.uint64(drop_threshold(p)),
                                  branch.dtype.type(1.0 / (1.0 - p)), out, scaled_mask, n_tokens,
                                  int(offset) // 2)
    return out.reshape(residual.shape), scaled_mask.reshape(residual.shape)


def bias_dropout_residual_backward(dout, cache, branch_token_major=False):
    """Gradients of :func:`bias_dropout_residual_forward`: ``(dresidual, dbranch, dbias)``;
    ``dbranch`` is (N, B, D) when the forward's branch was token-major."""
    if branch_token_major:
        n_batch, n_tokens, width = dout.shape
        dbranch = np.empty((n_tokens, n_batch, width), dtype=dout.dtype)
        dout2 = np.ascontiguousarray(dout).reshape(-1, width)
        scaled_mask = cache if cache is not None else dout2[:0]
        _masked_rows_to_token_major(dout2, scaled_mask.reshape(-1, width), cache is not None,
                                    n_tokens, dbranch.reshape(-1, width))
    else:
        dbranch = _dropout_backward(dout, cache)
    return dout, dbranch, bias_backward(dbranch)


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _masked_rows_to_token_major(dout, scaled_mask, has_mask, n_tokens, dbranch):
    # dout, scaled_mask: (B N, D), rows b N + n; dbranch: (N B, D), rows n B + b:
    # dbranch = dout * scaled_mask (or dout), rows permuted token-major
    n_batch = dout.shape[0] // n_tokens
    for i in range(dout.shape[0]):
        o = (i % n_tokens) * n_batch + i // n_tokens
        if has_mask:
            for j in range(dout.shape[1]):
                dbranch[o, j] = dout[i, j] * scaled_mask[i, j]
        else:
            for j in range(dout.shape[1]):
                dbranch[o, j] = dout[i, j]


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _bias_dropout_residual_kernel(residual, branch, bias, key, threshold, scale, out,
                                  scaled_mask, n_tokens, first_pair):
    # residual, out, scaled_mask: (M, D), D even, rows b N + n; branch: the same, or token-major
    # rows n B + b when n_tokens > 0; bias (D,). The mask is _dropout_kernel's over the flat
    # index 2 first_pair + i D + j of the (M, D) layout (an even offset: pairs never straddle
    # rows when D is even): out = residual + (branch + bias) * mask
    pairs_per_row = branch.shape[1] // 2
    n_batch = branch.shape[0] // n_tokens if n_tokens > 0 else 0
    for i in range(branch.shape[0]):
        r = (i % n_tokens) * n_batch + i // n_tokens if n_tokens > 0 else i  # branch's row
        for jj in range(pairs_per_row):
            mask_low, mask_high = _pair_masks(
                key, np.uint64(first_pair + i * pairs_per_row + jj + 1), threshold, scale)
            j = 2 * jj
            scaled_mask[i, j] = mask_low
            scaled_mask[i, j + 1] = mask_high
            out[i, j] = residual[i, j] + (branch[r, j] + bias[j]) * mask_low
            out[i, j + 1] = residual[i, j + 1] + (branch[r, j + 1] + bias[j + 1]) * mask_high
