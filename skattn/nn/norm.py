"""Normalisations: layer norm over the feature axis (Numba) and per-window instance normalisation
with its inverse (NumPy), forward and backward side by side.

Instance normalisation (RevIN, Kim et al. 2022) takes each window's mean and standard deviation
over time, per channel, so one network can serve series of any scale; the network's output is put
back on the window's scale by :func:`instance_denorm_forward`. The backward of the normalisation
takes the gradients that reach the statistics through the de-normalisation too, so the input
gradient of the whole network is exact.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import (
    bad_cache,
    check_dout,
    check_eps,
    check_float_arrays,
    check_ndim,
    is_real,
)


# --------------------------------------------------------------------------------------------
# Layer norm over the last axis: one loop over rows, float64 accumulators for the sums.
# reassoc lets LLVM vectorise the row sums (reductions); without it every sum runs one element at
# a time. No other fast-math flag: none may assume finite values, and "contract" (fused
# multiply-adds) makes g - mean(g) of a one-feature row a rounding residue instead of exactly 0.
# --------------------------------------------------------------------------------------------
_REASSOC = {"reassoc"}


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _layernorm_forward_kernel(x, gamma, beta, eps, out, mean, rstd, n_tokens):
    # x, out: (M, D); gamma, beta: (D,); mean, rstd: (M,), x's dtype. Per row: the statistics
    # in float64, the elementwise map in x's dtype, so float32 rows run at twice the vector width
    # (M3 shard call: 37 -> 21 us; float64 is unchanged). One function, no per-row call.
    # n_tokens > 0: x's rows are (window b, token n) = b N + n and row i of the output goes to
    # n B + b, token-major (the network's feature-major attention reads it so); 0: in place
    dim = x.shape[1]
    n_batch = x.shape[0] // n_tokens if n_tokens > 0 else 0
    for i in range(x.shape[0]):
        o = (i % n_tokens) * n_batch + i // n_tokens if n_tokens > 0 else i
        total = 0.0
        for j in range(dim):
            total += x[i, j]
        mu = total / dim
        sq = 0.0
        for j in range(dim):
            diff = x[i, j] - mu
            sq += diff * diff
        r = 1.0 / math.sqrt(sq / dim + eps)
        mean[i] = mu
        rstd[i] = r
        mu_x, r_x = x.dtype.type(mu), x.dtype.type(r)
        for j in range(dim):
            out[o, j] = (x[i, j] - mu_x) * r_x * gamma[j] + beta[j]


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath=_REASSOC)
def _layernorm_backward_kernel(dout, x, gamma, mean, rstd, dx, dgamma, dbeta, n_tokens):
    # per row i: dx_j = rstd * (g_j - mean(g) - xhat_j * mean(g * xhat)),  g = dout * gamma;
    # dgamma_j = sum_i dout_ij xhat_ij, dbeta_j = sum_i dout_ij (float64 accumulators (D,)).
    # Rows in order, one thread: the parameter-gradient sums are deterministic. Sums in float64,
    # elementwise work in x's dtype (as in the forward).
    # The row sums' loop stores nothing. With a scratch xhat (D,) written in that loop, two calls
    # on the same input differed by 1 ulp about once in 150 (session 10, after other work in
    # the process; 0 in 700 since). Our reading: a loop that stores into one array while
    # reading others gets a runtime aliasing check from LLVM, whose scalar fallback (taken when
    # the arrays lie close in memory) sums in another order than the reassociated vector body.
    # xhat is recomputed in the second loop instead (two flops), whose stores sum nothing
    # across j.
    # n_tokens > 0: dout is token-major like the forward's output (row n B + b for x's b N + n)
    dim = x.shape[1]
    n_batch = x.shape[0] // n_tokens if n_tokens > 0 else 0
    for i in range(x.shape[0]):
        o = (i % n_tokens) * n_batch + i // n_tokens if n_tokens > 0 else i
        mu = mean[i]
        r = rstd[i]
        g_mean = 0.0
        gx_mean = 0.0
        for j in range(dim):
            g = dout[o, j] * gamma[j]
            g_mean += g
            gx_mean += g * ((x[i, j] - mu) * r)
        g_mean_x = x.dtype.type(g_mean / dim)
        gx_mean_x = x.dtype.type(gx_mean / dim)
        for j in range(dim):
            xhat = (x[i, j] - mu) * r
            dx[i, j] = r * (dout[o, j] * gamma[j] - g_mean_x - xhat * gx_mean_x)
            dgamma[j] += dout[o, j] * xhat
            dbeta[j] += dout[o, j]


def layernorm_forward(x, gamma, beta, eps=1e-5, token_major=False):
    """Layer normalisation over the last axis.

    Parameters
    ----------
    x : ndarray of shape (..., D)
    gamma, beta : ndarray of shape (D,)
    eps : float
        Added to the variance (biased, as in PyTorch's ``nn.LayerNorm``); > 0.
    token_major : bool, default False
        ``x`` is (B, N, D) and the output is written token-major, (N, B, D): the layout the
        network's feature-major attention reads (a row permutation, free inside the kernel).

    Returns
    -------
    out : ndarray of shape (..., D), or (N, B, D) when ``token_major``
    cache : tuple
        :func:`layernorm_backward` then takes ``dout`` in the output's layout.
    """
    check_float_arrays(x=x, gamma=gamma, beta=beta)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have a non-empty last axis (..., D), got shape {x.shape}")
    dim = x.shape[-1]
    if gamma.shape != (dim,) or beta.shape != (dim,):
        raise ValueError(f"gamma and beta must have shape (D,) = ({dim},) for x of shape "
                         f"{x.shape}; got gamma {gamma.shape} and beta {beta.shape}")
    check_eps(eps)
    if token_major and (x.ndim != 3 or x.shape[1] == 0):
        raise ValueError(f"token_major needs x of shape (B, N, D) with N >= 1, got {x.shape}")
    return _layernorm_forward(x, gamma, beta, eps, token_major)


def _layernorm_forward(x, gamma, beta, eps=1e-5, token_major=False):
    # layernorm_forward without the argument checks (the network's calls)
    dim = x.shape[-1]
    x2 = np.ascontiguousarray(x).reshape(-1, dim)  # (M, D)
    out = np.empty_like(x2)
    mean = np.empty(x2.shape[0], dtype=x2.dtype)  # (M,)
    rstd = np.empty(x2.shape[0], dtype=x2.dtype)  # (M,)
    n_tokens = x.shape[1] if token_major else 0
    _layernorm_forward_kernel(x2, gamma, beta, eps, out, mean, rstd, n_tokens)
    out_shape = (x.shape[1], x.shape[0], dim) if token_major else x.shape
    return out.reshape(out_shape), (x2, gamma, mean, rstd, x.shape, n_tokens)


def layernorm_backward(dout, cache):
    """Gradients of :func:`layernorm_forward`: ``(dx, dgamma, dbeta)``; ``dout`` is shaped like
    the forward's output (token-major when it was), ``dx`` like its input."""
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise bad_cache("layernorm_forward")
    x2, shape, n_tokens = cache[0], cache[4], cache[5]
    out_shape = (shape[1], shape[0], shape[2]) if n_tokens else shape
    check_dout(dout, out_shape, x2.dtype, "layernorm_forward")
    return _layernorm_backward(dout, cache)


def _layernorm_backward(dout, cache):
    # layernorm_backward without the argument checks (the network's calls)
    x2, gamma, mean, rstd, shape, n_tokens = cache
    dout2 = np.ascontiguousarray(dout, dtype=x2.dtype).reshape(x2.shape)  # (M, D)
    dx = np.empty_like(x2)
    dgamma = np.zeros(x2.shape[1])  # float64 accumulators, cast back below
    dbeta = np.zeros(x2.shape[1])
    _layernorm_backward_kernel(dout2, x2, gamma, mean, rstd, dx, dgamma, dbeta, n_tokens)
    return dx.reshape(shape), dgamma.astype(x2.dtype), dbeta.astype(x2.dtype)


# --------------------------------------------------------------------------------------------
# Instance normalisation of a window, and its inverse on the forecast.
# --------------------------------------------------------------------------------------------
ANCHORS = ("mean", "last")


def instance_norm_forward(x, eps=1e-5, gamma=None, beta=None, anchor="mean"):
    """Normalise each window by its own level and standard deviation over time, per channel.

    ``z = (x - shift) / std`` with ``std = sqrt(var + eps)`` (the biased variance, so a constant
    window maps to zeros instead of dividing by zero) and ``shift`` the window's mean, or with
    ``anchor="last"`` its last value: the forecast is then made relative to where the window ends.

    Parameters
    ----------
    x : ndarray of shape (B, T, C)
    eps : float
        Added to the variance; > 0.
    gamma, beta : ndarray of shape (C,) or None
        Optional learnable affine map applied after normalising (both or neither).
    anchor : {"mean", "last"}, default "mean"

    Returns
    -------
    out : ndarray of shape (B, T, C)
    cache : dict
        Holds ``shift`` and ``std`` of shape (B, 1, C), needed to de-normalise the forecast.
    """
    if (gamma is None) != (beta is None):
        raise ValueError("gamma and beta must be given together (both or neither); got "
                         f"gamma {'None' if gamma is None else 'an array'} and "
                         f"beta {'None' if beta is None else 'an array'}")
    if gamma is None:
        check_float_arrays(x=x)
    else:
        check_float_arrays(x=x, gamma=gamma, beta=beta)
    check_ndim("x", x, 3, "(B, T, C)")
    if x.shape[1] == 0:
        raise ValueError(f"x must have at least one time step, got shape {x.shape}")
    if gamma is not None and (gamma.shape != (x.shape[2],) or beta.shape != (x.shape[2],)):
        raise ValueError(f"gamma and beta must have shape (C,) = ({x.shape[2]},) for x of shape "
                         f"{x.shape}; got gamma {gamma.shape} and beta {beta.shape}")
    check_eps(eps)
    return _instance_norm_forward(x, eps, gamma, beta, anchor)


def _instance_norm_forward(x, eps=1e-5, gamma=None, beta=None, anchor="mean"):
    # instance_norm_forward without the argument checks (the network's calls)
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {ANCHORS}, got {anchor!r}")
    mean = x.mean(axis=1, keepdims=True)  # (B, 1, C)
    centred = x - mean
    var = (centred * centred).mean(axis=1, keepdims=True)  # (B, 1, C)
    std = np.sqrt(var + x.dtype.type(eps))  # (B, 1, C)
    standardised = centred / std  # (B, T, C), around the mean: what the std's derivative needs
    if anchor == "last":
        shift = x[:, -1:, :]  # (B, 1, C)
        xhat = (x - shift) / std
    else:
        shift, xhat = mean, standardised
    out = xhat * gamma + beta if gamma is not None else xhat
    return out, {"xhat": xhat, "standardised": standardised, "shift": shift, "std": std,
                 "gamma": gamma, "anchor": anchor}


def instance_norm_backward(dout, cache, dshift=None, dstd=None):
    """Gradients of :func:`instance_norm_forward`.

    Parameters
    ----------
    dout : ndarray of shape (B, T, C)
    cache : dict
    dshift, dstd : ndarray of shape (B, 1, C) or None
        Gradients that reach the statistics through other uses (the de-normalisation).

    Returns
    -------
    dx : ndarray of shape (B, T, C)
    dgamma, dbeta : ndarray of shape (C,), or None without the affine map
    """
    if not (isinstance(cache, dict) and "standardised" in cache):
        raise bad_cache("instance_norm_forward")
    xhat, std = cache["xhat"], cache["std"]
    check_dout(dout, xhat.shape, xhat.dtype, "instance_norm_forward")
    for name, value in (("dshift", dshift), ("dstd", dstd)):
        if value is not None:
            if not isinstance(value, np.ndarray) or value.shape != std.shape:
                got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                raise ValueError(f"{name} must have the shape of the window statistics, "
                                 f"(B, 1, C) = {std.shape}, got {got}")
            if value.dtype != xhat.dtype:
                raise ValueError(f"{name} must have the dtype of instance_norm_forward's output, "
                                 f"{xhat.dtype}, got {value.dtype}")
    return _instance_norm_backward(dout, cache, dshift, dstd)


def _instance_norm_backward(dout, cache, dshift=None, dstd=None):
    # instance_norm_backward without the argument checks (the network's calls)
    xhat, std, gamma = cache["xhat"], cache["std"], cache["gamma"]
    n_steps = xhat.shape[1]
    if gamma is not None:
        dgamma = (dout * xhat).sum(axis=(0, 1))
        dbeta = dout.sum(axis=(0, 1))
        dxhat = dout * gamma
    else:
        dgamma = dbeta = None
        dxhat = dout
    # z_t = (x_t - shift) / std:  dx_k = (dz_k - sum_t dz_t dshift/dx_k) / std
    #                                    - sum_t (dz_t z_t) dstd/dx_k / std,
    # d std / dx_k = (x_k - mean) / (T std) = standardised_k / T
    standardised = cache["standardised"]
    if cache["anchor"] == "mean":
        # d shift / dx_k = 1 / T: the same algebra as layer norm, over the time axis
        dx = (
            dxhat
            - dxhat.mean(axis=1, keepdims=True)
            - xhat * (dxhat * xhat).mean(axis=1, keepdims=True)
        ) / std
        if dshift is not None:
            dx = dx + dshift / n_steps
    else:
        # d shift / dx_k = 1 for the last step only. The last step's terms are summed before
        # the division by std: divided first, they were each ~1/std (1e15 at eps 1e-30 for a
        # constant or one-step window) and cancelled to a few bits of dshift (5e-4 relative
        # off at T = 1; gradient-check gap found in session 18)
        inner = dxhat - standardised * (dxhat * xhat).mean(axis=1, keepdims=True)  # (B, T, C)
        inner[:, -1:, :] -= dxhat.sum(axis=1, keepdims=True)
        dx = inner / std
        if dshift is not None:
            dx[:, -1:, :] += dshift
    if dstd is not None:
        dx = dx + dstd * standardised / n_steps
    return dx, dgamma, dbeta


def instance_denorm_forward(y, shift, std, gamma=None, beta=None):
    """Put a forecast made in normalised units back on the window's scale.

    ``out = (y - beta) / gamma * std + shift`` (the affine map undone first, when there is one).

    Parameters
    ----------
    y : ndarray of shape (B, horizon, Q)
        Forecast of the target channel in normalised units (Q quantiles, 1 for a point forecast).
    shift, std : ndarray of shape (B, 1)
        Statistics of the target channel of each window (the shift: its mean or last value).
    gamma, beta : float arrays of shape () or None
        The target channel's affine parameters.

    Returns
    -------
    out : ndarray of shape (B, horizon, Q)
    cache : tuple
    """
    dtype = check_float_arrays(y=y, shift=shift, std=std)
    check_ndim("y", y, 3, "(B, horizon, Q)")
    for name, value in (("shift", shift), ("std", std)):
        if value.shape != (y.shape[0], 1):
            raise ValueError(f"{name} must have shape (B, 1) = ({y.shape[0]}, 1) for y of shape "
                             f"{y.shape}, got {value.shape}")
    if (gamma is None) != (beta is None):
        raise ValueError("gamma and beta must be given together (both or neither); got "
                         f"gamma {gamma!r} and beta {beta!r}")
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value is None:
            continue
        if isinstance(value, (np.ndarray, np.generic)):
            if value.ndim != 0 or value.dtype != dtype:
                raise ValueError(f"{name} must be a scalar (shape ()) of y's dtype {dtype}, got "
                                 f"shape {value.shape} and dtype {value.dtype}")
        elif not is_real(value):
            raise ValueError(f"{name} must be a number or a 0-d array, got {value!r}")
    return _instance_denorm_forward(y, shift, std, gamma, beta)


def _instance_denorm_forward(y, shift, std, gamma=None, beta=None):
    # instance_denorm_forward without the argument checks (the network's calls)
    shift3 = shift[:, :, None]  # (B, 1, 1)
    std3 = std[:, :, None]  # (B, 1, 1)
    y_unaffine = (y - beta) / gamma if gamma is not None else y
    out = y_unaffine * std3 + shift3
    return out, (y_unaffine, std3, gamma)


def instance_denorm_backward(dout, cache):
    """Gradients of :func:`instance_denorm_forward`.

    Returns
    -------
    dy : ndarray of shape (B, horizon, Q)
    dshift, dstd : ndarray of shape (B, 1)
    dgamma, dbeta : float arrays of shape () or None
    """
    if not (isinstance(cache, tuple) and len(cache) == 3 and isinstance(cache[1], np.ndarray)
            and cache[1].ndim == 3):
        raise bad_cache("instance_denorm_forward")
    y_unaffine = cache[0]
    check_dout(dout, y_unaffine.shape, y_unaffine.dtype, "instance_denorm_forward")
    return _instance_denorm_backward(dout, cache)


def _instance_denorm_backward(dout, cache):
    # instance_denorm_backward without the argument checks (the network's calls)
    y_unaffine, std3, gamma = cache
    dshift = dout.sum(axis=(1, 2))[:, None]  # (B, 1)
    dstd = (dout * y_unaffine).sum(axis=(1, 2))[:, None]  # (B, 1)
    dy_unaffine = dout * std3
    if gamma is None:
        return dy_unaffine, dshift, dstd, None, None
    dy = dy_unaffine / gamma
    # y_unaffine = (y - beta) / gamma
    dbeta = -dy.sum()
    dgamma = -(dy_unaffine * y_unaffine).sum() / gamma
    return dy, dshift, dstd, dgamma, dbeta
