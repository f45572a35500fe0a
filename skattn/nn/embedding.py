"""Patch embedding and positional encodings, forward and backward side by side.

Patching (PatchTST, Nie et al. 2023): the window is cut into patches of ``patch_len`` steps taken
every ``stride`` steps; each patch (all channels of those steps) becomes one token.

**The padding rule.** A window whose length does not fit the patches exactly is padded on the
LEFT (the oldest end) by repeating its first value, to the smallest length
``T_pad >= max(T, patch_len)`` with ``(T_pad - patch_len) % stride == 0``. So the newest step
always ends the last patch, a window shorter than one patch still gives one token, and, when
``stride <= patch_len``, every observed step lies in some patch. (A stride longer than the patch
skips the ``stride - patch_len`` steps between patches: they reach the network only through its
linear skip path.) The gradient of the padded steps flows back to the first step.
"""
from __future__ import annotations

import math

import numpy as np


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
    if n_timesteps < 1 or patch_len < 1 or stride < 1:
        raise ValueError(
            "n_timesteps, patch_len and stride must be positive; got "
            f"{n_timesteps}, {patch_len}, {stride}"
        )
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
    n_batch, n_steps, n_channels = x.shape
    padded_len, n_patches = patch_layout(n_steps, patch_len, stride)
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
    position = np.arange(n_tokens, dtype=np.float64)[:, None]  # (N, 1)
    frequency = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)  # (ceil(d/2),)
    table = np.zeros((n_tokens, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency[: d_model // 2])
    return table.astype(dtype)


def add_positions_forward(tokens, positions):
    """Add a positional table to every sequence: ``(B, N, D) + (N, D)``."""
    return tokens + positions, None


def add_positions_backward(dout, cache):
    """Gradients of :func:`add_positions_forward`: ``(dtokens, dpositions)``."""
    return dout, dout.sum(axis=0)
