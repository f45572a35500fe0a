"""Inverted dropout: at training time zero each element with probability ``p`` and scale the
survivors by ``1 / (1 - p)``, so nothing changes at predict time (identity)."""
from __future__ import annotations

import numpy as np


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
    keep = rng.random(x.shape, dtype=np.float32) >= p
    scaled_mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * scaled_mask, scaled_mask


def dropout_backward(dout, cache):
    """Gradient of :func:`dropout_forward`."""
    scaled_mask = cache
    if scaled_mask is None:
        return dout
    return dout * scaled_mask
