"""Inverted dropout: at training time zero each element with probability ``p`` and scale the
survivors by ``1 / (1 - p)``, so nothing changes at predict time (identity).

The keep-mask is ``rng.random(x.shape, dtype=np.float32) >= p``. For NumPy's default bit generator
(PCG64) the same mask comes from a faster route: the raw 64-bit outputs, each split into the two
32-bit words that ``random(dtype=float32)`` would have used (low word first), and one compiled
pass that compares, scales and multiplies. The masks, and so every fit, are bitwise those of the
plain route (tested); the plain route serves every other generator.
"""
from __future__ import annotations

import numpy as np
from numba import njit


def dropout_forward(x, p, rng, training):
    """Apply inverted dropout.

    Parameters
    ----------
    x : ndarray
    p : float in [0, 1)
        Probability of zeroing an element.
    rng : numpy.random.Generator or None
        Source of the mask; the same seed gives the same mask. Needed only when it acts.
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
    scale = x.dtype.type(1.0 / (1.0 - p))
    if _raw_words_match_random_float32(rng, x.size) and x.dtype in (np.float32, np.float64):
        x = np.ascontiguousarray(x)
        out = np.empty_like(x)
        scaled_mask = np.empty_like(x)
        words = rng.bit_generator.random_raw(x.size // 2)  # (size / 2,) uint64
        _dropout_kernel(x.reshape(-1), words, np.float32(p), scale, out.reshape(-1),
                        scaled_mask.reshape(-1))
        return out, scaled_mask
    keep = rng.random(x.shape, dtype=np.float32) >= p
    scaled_mask = keep.astype(x.dtype) * scale
    return x * scaled_mask, scaled_mask


def dropout_backward(dout, cache):
    """Gradient of :func:`dropout_forward`."""
    scaled_mask = cache
    if scaled_mask is None:
        return dout
    return dout * scaled_mask


def _raw_words_match_random_float32(rng, size):
    # PCG64's random(dtype=float32) takes one 32-bit word per element: the low half of a fresh
    # 64-bit output, then its buffered high half. Raw outputs reproduce that exactly when no half
    # is buffered from an earlier call and the count is even (so none is left buffered after).
    if type(getattr(rng, "bit_generator", None)) is not np.random.PCG64 or size % 2:
        return False
    return rng.bit_generator.state["has_uint32"] == 0


@njit(cache=True, nogil=True, error_model="numpy")
def _dropout_kernel(x, words, p, scale, out, scaled_mask):
    # x, out, scaled_mask: (N,) flat; words: (N / 2,) uint64 raw PCG64 outputs; p float32.
    # Element 2i uses the low 32 bits of words[i], element 2i + 1 the high 32 bits; the uniform is
    # NumPy's float32 one, (word >> 8) * 2**-24, kept when >= p (p as float32, as NumPy compares a
    # float32 array with a Python float). out = x * mask: the plain route's single rounding.
    unit = np.float32(1.0 / 16777216.0)
    zero = scale - scale
    for i in range(words.shape[0]):
        word = words[i]
        low = np.uint32(word & np.uint64(0xFFFFFFFF))
        high = np.uint32(word >> np.uint64(32))
        mask_low = scale if np.float32(low >> np.uint32(8)) * unit >= p else zero
        mask_high = scale if np.float32(high >> np.uint32(8)) * unit >= p else zero
        scaled_mask[2 * i] = mask_low
        scaled_mask[2 * i + 1] = mask_high
        out[2 * i] = x[2 * i] * mask_low
        out[2 * i + 1] = x[2 * i + 1] * mask_high
