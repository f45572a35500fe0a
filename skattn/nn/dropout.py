"""Inverted dropout: at training time zero each element with probability ``p`` and scale the
survivors by ``1 / (1 - p)``, so nothing changes at predict time (identity).

The keep-mask is counter-based: one 64-bit key is drawn from the caller's generator per call, and
element ``i`` is kept when its 32-bit word of ``splitmix64(key + (i // 2 + 1) * golden)`` (low half
for even ``i``, high half for odd) is at least ``ceil(p * 2**32)``. SplitMix64 (Steele, Lea and
Flood 2014; Java's ``SplittableRandom``) passes BigCrush; keyed by an independent 64-bit draw per
call it is as good a mask source as the generator itself, and the hash vectorises: one compiled
pass draws, compares, scales and multiplies. (NumPy's PCG64 took 110 us for the words of one M3
training step's 256 x 6 x 64 mask, a sequential generator LLVM cannot vectorise; see
docs/architecture.md.)
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def dropout_forward(x, p, rng, training):
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

    Returns
    -------
    out : ndarray like ``x``
    cache : ndarray of the scaled keep-mask, or None for the identity
    """
    if not training or p == 0.0:
        return x, None
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
    key = rng.integers(0, 2**64, dtype=np.uint64)
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    scaled_mask = np.empty_like(x)
    _dropout_kernel(x.reshape(-1), key, np.uint64(drop_threshold(p)),
                    x.dtype.type(1.0 / (1.0 - p)), out.reshape(-1), scaled_mask.reshape(-1))
    return out, scaled_mask


def dropout_backward(dout, cache):
    """Gradient of :func:`dropout_forward`."""
    scaled_mask = cache
    if scaled_mask is None:
        return dout
    return dout * scaled_mask


def drop_threshold(p):
    """The 32-bit words below which an element is dropped: ``ceil(p * 2**32)`` (exact)."""
    return min(math.ceil(p * 2.0**32), 2**32)  # p * 2**32 is exact in float64


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _splitmix64(key, counter):
    # SplitMix64's output for state key + counter * golden (uint64 arithmetic wraps)
    z = key + counter * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True, error_model="numpy")
def _dropout_kernel(x, key, threshold, scale, out, scaled_mask):
    # x, out, scaled_mask: (N,) flat; key, threshold: uint64. Pair k = elements 2k, 2k + 1 takes
    # the low and high 32-bit halves of splitmix64(key + (k + 1) golden); a word >= threshold
    # keeps its element. out = x * mask (a single rounding, as x * scaled_mask).
    zero = scale - scale
    low_bits = np.uint64(0xFFFFFFFF)
    n_pairs = x.shape[0] // 2
    for k in range(n_pairs):
        word = _splitmix64(key, np.uint64(k + 1))
        mask_low = scale if (word & low_bits) >= threshold else zero
        mask_high = scale if (word >> np.uint64(32)) >= threshold else zero
        scaled_mask[2 * k] = mask_low
        scaled_mask[2 * k + 1] = mask_high
        out[2 * k] = x[2 * k] * mask_low
        out[2 * k + 1] = x[2 * k + 1] * mask_high
    if x.shape[0] % 2:  # the odd last element: the low half of the next word
        last = x.shape[0] - 1
        word = _splitmix64(key, np.uint64(n_pairs + 1))
        mask_last = scale if (word & low_bits) >= threshold else zero
        scaled_mask[last] = mask_last
        out[last] = x[last] * mask_last
