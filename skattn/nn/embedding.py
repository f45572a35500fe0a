"""Patch embedding and positional encodings, forward and backward side by side.

Patching (PatchTST, Nie et al. 2023): the window is cut into patches of ``patch_len`` steps taken
every ``stride`` steps; each patch (all channels of those steps) becomes one token.

**The padding rule.** A window whose length does not fit the patches exactly is padded on the
LEFT (the oldest end) by repeating its first value, to the smallest length
``T_pad >= max(T, patch_len)`` with ``(T_pad - patch_len) % stride == 0``. So the newest step
always ends the last patch, a window shorter than one patch still gives one token, and, when
``stride <= patch_len``, every observed step lies in some patch. (A stride longer than the patch
skips the ``stride - patch_len`` steps between patches: attention never sees them; they reach
the forecast only through the linear skip path, which reads the target channel alone, and through
every channel's instance-normalisation statistics.) The gradient of the padded steps flows back
to the first step.
"""
from __future__ import annotations

import math

import numpy as np

from ._checks import (
    FLOAT_DTYPES,
    bad_cache,
    check_dout,
    check_float_arrays,
    check_ndim,
    check_positive_ints,
)


def patch_layout(n_timesteps, patch_len, stride):
    """Padded length and number of patches for a window of ``n_timesteps`` steps.

    Returns
    -------
    padded_len : int
        ``T_pad``, the smallest length ``>= max(T, patch_len)`` with
        ``(T_pad - patch_len) % stride == 0``.
    n_patches : int
        ``(T_pad - patch_len) // stride + 1``.
    """
    check_positive_ints(n_timesteps=n_timesteps, patch_len=patch_len, stride=stride)
    return _patch_layout(n_timesteps, patch_len, stride)


def _patch_layout(n_timesteps, patch_len, stride):
    # patch_layout without the argument checks (the network's calls)
    n_patches = 1 + max(0, math.ceil((n_timesteps - patch_len) / stride))
    padded_len = patch_len + (n_patches - 1) * stride
    return padded_len, n_patches


def patch_forward(x, patch_len, stride):
    """Cut windows into (left-padded) patches.

    Parameters
    ----------
    x : ndarray of shape (B, T, C)
    patch_len, stride : int

    Returns
    -------
    patches : ndarray of shape (B, N, patch_len * C)
        Patch ``n`` holds padded steps ``n*stride .. n*stride + patch_len - 1``, flattened step-major
        (all channels of the first step, then of the next).
    cache : tuple
    """
    check_float_arrays(x=x)
    check_ndim("x", x, 3, "(B, T, C)")
    if x.shape[1] == 0:
        raise ValueError(f"x must have at least one time step, got shape {x.shape}")
    check_positive_ints(patch_len=patch_len, stride=stride)
    return _patch_forward(x, patch_len, stride)


def _patch_forward(x, patch_len, stride):
    # patch_forward without the argument checks (the network's calls)
    n_batch, n_steps, n_channels = x.shape
    padded_len, n_patches = _patch_layout(n_steps, patch_len, stride)
    n_pad = padded_len - n_steps
    if n_pad:
        first = np.broadcast_to(x[:, :1, :], (n_batch, n_pad, n_channels))
        x_padded = np.concatenate([first, x], axis=1)  # (B, T_pad, C)
    else:
        x_padded = x
    if stride == patch_len:  # non-overlapping: a free reshape
        patches = x_padded.reshape(n_batch, n_patches, patch_len * n_channels)
    else:
        starts = np.arange(n_patches) * stride  # (N,)
        index = starts[:, None] + np.arange(patch_len)[None, :]  # (N, patch_len)
        patches = x_padded[:, index, :].reshape(n_batch, n_patches, patch_len * n_channels)
    return np.ascontiguousarray(patches), (x.shape, patch_len, stride, n_pad, n_patches)


def patch_backward(dpatches, cache):
    """Gradient of :func:`patch_forward`: scatter each patch back onto its steps (overlaps add)."""
    if not (isinstance(cache, tuple) and len(cache) == 5 and isinstance(cache[0], tuple)
            and len(cache[0]) == 3):
        raise bad_cache("patch_forward")
    (n_batch, _, n_channels), patch_len, _, _, n_patches = cache
    check_dout(dpatches, (n_batch, n_patches, patch_len * n_channels), None, "patch_forward",
               name="dpatches")
    return _patch_backward(dpatches, cache)


def _patch_backward(dpatches, cache):
    # patch_backward without the argument checks (the network's calls)
    x_shape, patch_len, stride, n_pad, n_patches = cache
    n_batch, n_steps, n_channels = x_shape
    dpatches = dpatches.reshape(n_batch, n_patches, patch_len, n_channels)
    dx_padded = np.zeros((n_batch, n_steps + n_pad, n_channels), dtype=dpatches.dtype)
    starts = np.arange(n_patches) * stride  # (N,)
    # for a fixed offset the N target steps are distinct, so a fancy-indexed += is exact
    for offset in range(patch_len):
        dx_padded[:, starts + offset, :] += dpatches[:, :, offset, :]
    dx = dx_padded[:, n_pad:, :].copy()
    if n_pad:
        dx[:, 0, :] += dx_padded[:, :n_pad, :].sum(axis=1)  # the padding repeats step 0
    return dx


def sinusoidal_positions(n_tokens, d_model, dtype=np.float64):
    """Fixed sine/cosine positional encodings of Vaswani et al. (2017).

    Returns
    -------
    table : ndarray of shape (n_tokens, d_model)
        ``table[t, 2i] = sin(t / 10000^(2i/d))``, ``table[t, 2i+1] = cos(t / 10000^(2i/d))``.
    """
    check_positive_ints(n_tokens=n_tokens, d_model=d_model)
    try:
        named = np.dtype(dtype)
    except TypeError:
        named = dtype
    if named not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {named}")
    return _sinusoidal_positions(n_tokens, d_model, dtype)


def _sinusoidal_positions(n_tokens, d_model, dtype=np.float64):
    # sinusoidal_positions without the argument checks (the network's calls)
    position = np.arange(n_tokens, dtype=np.float64)[:, None]  # (N, 1)
    frequency = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)  # (ceil(d/2),)
    table = np.zeros((n_tokens, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency[: d_model // 2])
    return table.astype(dtype)


def add_positions_forward(tokens, positions):
    """Add a positional table to every sequence: ``(B, N, D) + (N, D)``."""
    check_float_arrays(tokens=tokens, positions=positions)
    check_ndim("tokens", tokens, 3, "(B, N, D)")
    if positions.shape != tokens.shape[1:]:
        raise ValueError(f"positions must have shape (N, D) = {tokens.shape[1:]} for tokens of "
                         f"shape {tokens.shape}, got {positions.shape}")
    return _add_positions_forward(tokens, positions)


def _add_positions_forward(tokens, positions):
    # add_positions_forward without the argument checks (the network's calls)
    return tokens + positions, None


def add_positions_backward(dout, cache):
    """Gradients of :func:`add_positions_forward`: ``(dtokens, dpositions)``."""
    if cache is not None:
        raise bad_cache("add_positions_forward")  # which is None
    check_dout(dout, getattr(dout, "shape", None), None, "add_positions_forward")
    check_ndim("dout", dout, 3, "(B, N, D)")
    return _add_positions_backward(dout, cache)


def _add_positions_backward(dout, cache):
    # add_positions_backward without the argument checks (the network's calls)
    return dout, dout.sum(axis=0)
