"""Elementwise activations (GELU, ReLU) and the sigmoid gate, forward and backward side by side.

GELU is the exact form ``0.5 x (1 + erf(x / sqrt 2))`` (PyTorch's ``nn.GELU()`` default), computed by
a Numba kernel because NumPy has no erf. Kernels run over the flattened array with a serial and a
``prange`` driver (:mod:`skattn.nn._parallel`); every element is independent, so results do not
depend on the thread count.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._parallel import use_parallel

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit(cache=True)
def _gelu_forward_element(x, out, i):
    # element i of x, out: (N,) flat, same dtype
    xi = x[i]
    out[i] = 0.5 * xi * (1.0 + math.erf(xi * _INV_SQRT2))


@njit(cache=True)
def _gelu_backward_element(x, dout, dx, i):
    # d/dx [x Phi(x)] = Phi(x) + x phi(x)
    xi = x[i]
    cdf = 0.5 * (1.0 + math.erf(xi * _INV_SQRT2))
    pdf = _INV_SQRT_2PI * math.exp(-0.5 * xi * xi)
    dx[i] = dout[i] * (cdf + xi * pdf)


@njit(cache=True)
def _gelu_forward_serial(x, out):
    for i in range(x.shape[0]):
        _gelu_forward_element(x, out, i)


@njit(cache=True, parallel=True)
def _gelu_forward_parallel(x, out):
    for i in prange(x.shape[0]):
        _gelu_forward_element(x, out, i)


@njit(cache=True)
def _gelu_backward_serial(x, dout, dx):
    for i in range(x.shape[0]):
        _gelu_backward_element(x, dout, dx, i)


@njit(cache=True, parallel=True)
def _gelu_backward_parallel(x, dout, dx):
    for i in prange(x.shape[0]):
        _gelu_backward_element(x, dout, dx, i)


def gelu_forward(x):
    """GELU (exact, erf-based). Returns ``(out, cache)``; ``out`` has the shape and dtype of ``x``."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    kernel = _gelu_forward_parallel if use_parallel() else _gelu_forward_serial
    kernel(x.reshape(-1), out.reshape(-1))
    return out, x


def gelu_backward(dout, cache):
    """Gradient of :func:`gelu_forward` with respect to its input."""
    x = cache
    dout = np.ascontiguousarray(dout, dtype=x.dtype)
    dx = np.empty_like(x)
    kernel = _gelu_backward_parallel if use_parallel() else _gelu_backward_serial
    kernel(x.reshape(-1), dout.reshape(-1), dx.reshape(-1))
    return dx


def relu_forward(x):
    """ReLU. Returns ``(out, cache)``; the cache is the boolean mask of positive inputs."""
    positive = x > 0
    return x * positive, positive


def relu_backward(dout, cache):
    """Gradient of :func:`relu_forward` (0 at exactly 0)."""
    positive = cache
    return dout * positive


def sigmoid_gate_forward(x, gate_logits):
    """Gate ``x`` by ``sigmoid(gate_logits)``, elementwise (the "gated" attention output).

    Parameters
    ----------
    x, gate_logits : ndarray of the same shape

    Returns
    -------
    out : ndarray, ``x * sigmoid(gate_logits)``
    cache : tuple
    """
    # sigmoid written to stay finite for large |logits| in float32
    gate = np.empty_like(gate_logits)
    pos = gate_logits >= 0
    gate[pos] = 1.0 / (1.0 + np.exp(-gate_logits[pos]))
    e = np.exp(gate_logits[~pos])
    gate[~pos] = e / (1.0 + e)
    return x * gate, (x, gate)


def sigmoid_gate_backward(dout, cache):
    """Gradients of :func:`sigmoid_gate_forward`: ``(dx, dgate_logits)``."""
    x, gate = cache
    dx = dout * gate
    dlogits = dout * x * gate * (1.0 - gate)
    return dx, dlogits
