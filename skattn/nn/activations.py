"""Elementwise activations (GELU, ReLU) and the sigmoid gate, forward and backward side by side.

GELU is the exact form ``0.5 x (1 + erf(x / sqrt 2))`` (PyTorch's ``nn.GELU()`` default), computed by
a Numba kernel because NumPy has no erf. Its kernels are serial loops over the flattened array that
LLVM vectorises (elementwise work this cheap gains nothing from a thread pool's hand-off); the
estimator spreads whole batches over threads instead.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import bad_cache, check_dout, check_float_arrays

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# erf(z) ~ z P(z^2) / Q(z^2) on [-4, 4] (+-1 beyond, where erf is 1 to float32 precision): the
# rational form of Eigen/XLA's float erf. Measured max |error| 6.5e-8 over [-10, 10] (against
# scipy.special.erf, 2e6 points) -- below float32 resolution. Unlike libm's erf it has no call and
# no branch, so LLVM vectorises the loops; the float32 path uses it, float64 keeps the exact erf.
_ERF_P = (-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04,
          -5.69250639462346e-05, -2.10102402082508e-06, 2.77068142495902e-08,
          -2.72614225801306e-10)
_ERF_Q = (-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03,
          -2.13374055278905e-04, -1.45660718464996e-05)


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _gelu_forward_exact(x, bias, has_bias, out, slope, want_slope):
    # x, out: (M, D), float64; bias: (D,), added to x first when has_bias (a fused bias add).
    # out = v Phi(v) with libm's erf, v = x (+ bias); when want_slope, also its derivative
    # d/dv [v Phi(v)] = Phi(v) + v phi(v) into slope (M, D), kept for the backward
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            xi = x[i, j] + bias[j] if has_bias else x[i, j]
            cdf = 0.5 * (1.0 + math.erf(xi * _INV_SQRT2))
            out[i, j] = xi * cdf
            if want_slope:
                slope[i, j] = cdf + xi * _INV_SQRT_2PI * math.exp(-0.5 * xi * xi)


# The float32 kernel's constants as float32: with Python floats every product would be promoted
# to float64, halving the vector width and doing two float64 divisions per element (the forward
# took 2.2x as long). float32 arithmetic costs about one ulp more than rounding a float64 result.
_F32 = np.float32
_P0_32, _P1_32, _P2_32, _P3_32, _P4_32, _P5_32, _P6_32 = (_F32(c) for c in _ERF_P)
_Q0_32, _Q1_32, _Q2_32, _Q3_32, _Q4_32 = (_F32(c) for c in _ERF_Q)
# k c_k: the coefficients of p'(u) and q'(u) (u^(k-1)), for k >= 2
_DP2_32, _DP3_32, _DP4_32, _DP5_32, _DP6_32 = (_F32(k * _ERF_P[k]) for k in range(2, 7))
_DQ2_32, _DQ3_32, _DQ4_32 = (_F32(k * _ERF_Q[k]) for k in range(2, 5))
_INV_SQRT2_32 = _F32(_INV_SQRT2)
_HALF_INV_SQRT2_32 = _F32(0.5 * _INV_SQRT2)
_ERF_CLAMP_32 = _F32(4.0)


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _gelu_forward_rational(x, bias, has_bias, out, slope, want_slope):
    # x, out: (M, D), float32; bias: (D,), added to x first when has_bias (a fused bias add).
    # GELU of v = x (+ bias) with erf(z) ~ z p(z^2) / q(z^2), z = v / sqrt 2, clamped to [-4, 4];
    # when want_slope, also the exact derivative of that form into slope (M, D):
    # 0.5 (1 + erf(z)) + 0.5 v erf'(z) / sqrt 2, with
    # d/dz [z p(z^2) / q(z^2)] = (p + 2 z^2 p' - 2 z^2 p q' / q) / q, and 0 where clamped.
    # Every operand is float32 (see the constants above); no branch in the inner loop but
    # selects and loop-invariant flags, so LLVM vectorises it.
    half, one, two, zero = _F32(0.5), _F32(1.0), _F32(2.0), _F32(0.0)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] + bias[j] if has_bias else x[i, j]
            z = v * _INV_SQRT2_32
            zc = min(max(z, -_ERF_CLAMP_32), _ERF_CLAMP_32)
            u = zc * zc
            p = ((((((_P6_32 * u + _P5_32) * u + _P4_32) * u + _P3_32) * u + _P2_32) * u + _P1_32)
                 * u + _P0_32)
            q = ((((_Q4_32 * u + _Q3_32) * u + _Q2_32) * u + _Q1_32) * u + _Q0_32)
            inv_q = one / q
            erf_value = zc * p * inv_q
            out[i, j] = half * v * (one + erf_value)
            if want_slope:
                dp = (((((_DP6_32 * u + _DP5_32) * u + _DP4_32) * u + _DP3_32) * u + _DP2_32) * u
                      + _P1_32)
                dq = (((_DQ4_32 * u + _DQ3_32) * u + _DQ2_32) * u + _Q1_32)
                erf_slope = ((p + two * u * dp) - two * u * p * dq * inv_q) * inv_q
                erf_slope = erf_slope if z == zc else zero
                slope[i, j] = half * (one + erf_value) + _HALF_INV_SQRT2_32 * v * erf_slope


def gelu_forward(x, for_backward=True, bias=None):
    """GELU, ``0.5 x (1 + erf(x / sqrt 2))`` (PyTorch's exact form), of ``x + bias``.

    float64 uses libm's erf; float32 a rational erf accurate to 6.5e-8 that vectorises (its
    backward is the exact derivative of that form). Returns ``(out, cache)``; ``out`` has the
    shape and dtype of ``x``. The cache is the derivative at ``x``, computed here from the same
    polynomials as the value: the backward is then one multiply instead of a second pass
    through erf (on the M3 step the GELU backward took twice the forward's time). With
    ``for_backward=False`` (predictions) the derivative is skipped and the cache is None.

    ``bias`` (shape ``(x.shape[-1],)``), when given, is added to ``x`` inside the kernel: the
    feed-forward layer's first bias, saving a pass over its widest activation. The result is
    bitwise that of ``gelu_forward(x + bias)``; the bias's gradient is that of the input
    (:func:`skattn.nn.linear.bias_backward` of :func:`gelu_backward`'s output).
    """
    check_float_arrays(x=x)
    if bias is not None and x.ndim == 0:
        raise ValueError("a bias needs x with a feature axis (..., D), got a 0-d x")
    return _gelu_forward(x, for_backward, bias)


def _gelu_forward(x, for_backward=True, bias=None):
    # gelu_forward without the argument checks (the network's calls)
    x = np.ascontiguousarray(x)
    has_bias = bias is not None
    if has_bias:
        x2 = x.reshape(-1, x.shape[-1])  # (M, D): the bias runs along the rows
        bias = np.ascontiguousarray(bias, dtype=x.dtype)
        if bias.shape != (x2.shape[1],):
            raise ValueError(f"bias must have shape ({x2.shape[1]},), got {bias.shape}")
    else:
        x2 = x.reshape(1, -1)  # one long row: the inner loop runs over every element
        bias = np.empty(0, dtype=x.dtype)  # never read
    out = np.empty_like(x)
    slope = np.empty_like(x) if for_backward else np.empty(0, dtype=x.dtype)  # d out / d x
    kernel = _gelu_forward_rational if x.dtype == np.float32 else _gelu_forward_exact
    kernel(x2, bias, has_bias, out.reshape(x2.shape),
           slope.reshape(x2.shape) if for_backward else slope.reshape(0, 0), bool(for_backward))
    return out, (slope if for_backward else None)


def gelu_backward(dout, cache):
    """Gradient of :func:`gelu_forward` with respect to its input."""
    if cache is not None and not isinstance(cache, np.ndarray):
        raise bad_cache("gelu_forward")
    if cache is not None:
        check_dout(dout, cache.shape, cache.dtype, "gelu_forward")
    return _gelu_backward(dout, cache)


def _gelu_backward(dout, cache):
    # gelu_backward without the argument checks (the network's calls)
    slope = cache
    if slope is None:
        raise ValueError("gelu_backward needs the cache of gelu_forward(..., for_backward=True)")
    return np.multiply(dout, slope, dtype=slope.dtype)


def relu_forward(x):
    """ReLU. Returns ``(out, cache)``; the cache is the boolean mask of positive inputs."""
    check_float_arrays(x=x)
    positive = x > 0
    return x * positive, positive


def relu_backward(dout, cache):
    """Gradient of :func:`relu_forward` (0 at exactly 0)."""
    if not (isinstance(cache, np.ndarray) and cache.dtype == np.bool_):
        raise bad_cache("relu_forward")
    check_dout(dout, cache.shape, None, "relu_forward")
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
    check_float_arrays(x=x, gate_logits=gate_logits)
    if x.shape != gate_logits.shape:
        raise ValueError(f"x and gate_logits must have the same shape, got x {x.shape} and "
                         f"gate_logits {gate_logits.shape}")
    return _sigmoid_gate_forward(x, gate_logits)


def _sigmoid_gate_forward(x, gate_logits):
    # sigmoid_gate_forward without the argument checks (the network's calls)
    # sigmoid written to stay finite for large |logits| in float32
    gate = np.empty_like(gate_logits)
    pos = gate_logits >= 0
    gate[pos] = 1.0 / (1.0 + np.exp(-gate_logits[pos]))
    e = np.exp(gate_logits[~pos])
    gate[~pos] = e / (1.0 + e)
    return x * gate, (x, gate)


def sigmoid_gate_backward(dout, cache):
    """Gradients of :func:`sigmoid_gate_forward`: ``(dx, dgate_logits)``."""
    if not (isinstance(cache, tuple) and len(cache) == 2 and isinstance(cache[0], np.ndarray)):
        raise bad_cache("sigmoid_gate_forward")
    check_dout(dout, cache[0].shape, cache[0].dtype, "sigmoid_gate_forward")
    return _sigmoid_gate_backward(dout, cache)


def _sigmoid_gate_backward(dout, cache):
    # sigmoid_gate_backward without the argument checks (the network's calls)
    x, gate = cache
    dx = dout * gate
    dlogits = dout * x * gate * (1.0 - gate)
    return dx, dlogits
