"""Dense layer: ``out = x @ W + b``.

``W`` is stored as (D_in, D_out), so the forward is one BLAS matrix product on the flattened
leading axes. (PyTorch stores (D_out, D_in); the benchmark twin transposes.)
"""
from __future__ import annotations

import numpy as np


def linear_forward(x, W, b):
    """Apply a dense layer to the last axis of ``x``.

    Parameters
    ----------
    x : ndarray of shape (..., D_in)
    W : ndarray of shape (D_in, D_out)
    b : ndarray of shape (D_out,) or None

    Returns
    -------
    out : ndarray of shape (..., D_out)
    cache : tuple
        What :func:`linear_backward` needs.
    """
    d_in, d_out = W.shape
    x2 = x.reshape(-1, d_in)  # (M, D_in), M = prod(leading axes)
    out = x2 @ W  # (M, D_out) through BLAS
    if b is not None:
        out += b
    return out.reshape(*x.shape[:-1], d_out), (x, W, b is not None)


def linear_backward(dout, cache):
    """Gradients of :func:`linear_forward`.

    Returns
    -------
    dx : ndarray of shape (..., D_in)
    dW : ndarray of shape (D_in, D_out)
    db : ndarray of shape (D_out,) or None when the layer has no bias
    """
    x, W, has_bias = cache
    d_in, d_out = W.shape
    dout2 = dout.reshape(-1, d_out)  # (M, D_out)
    x2 = x.reshape(-1, d_in)  # (M, D_in)
    dx = (dout2 @ W.T).reshape(x.shape)
    dW = x2.T @ dout2  # (D_in, D_out)
    db = bias_backward(dout2) if has_bias else None
    return dx, dW, db


def bias_backward(dout):
    """Gradient of a bias added along the last axis of ``dout``'s forward: the sum over rows.

    As a matrix-vector product: BLAS's gemv sums the rows 2-5x faster than NumPy's reduction
    along axis 0 (768 rows x 64-256 columns, float32). Also used where the bias is added by a
    fused kernel instead of :func:`linear_forward` (GELU, dropout + residual).
    """
    dout2 = dout.reshape(-1, dout.shape[-1])  # (M, D_out)
    return np.ones(dout2.shape[0], dtype=dout2.dtype) @ dout2
