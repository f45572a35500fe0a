"""Training losses, each a forward/backward pair.

Every loss is the MEAN over all elements of a per-element loss, so its value
does not depend on the batch size and ``dloss = 1.0`` is the usual seed of the
backward pass. ``*_forward`` returns ``(loss, cache)``: the loss as a Python
float (the mean is accumulated in float64) and what the backward pass needs.
``*_backward`` returns ``dpred``, the gradient of ``dloss * loss`` with respect
to ``pred``, with ``pred``'s shape and dtype (float32 stays float32).

Shapes, with ``(...)`` any shape (the batch and, if any, the horizon)::

    squared_error, absolute_error, huber   pred (...),    target (...)
    pinball                                pred (..., Q), target (...), quantiles (Q,)

At a kink the backward pass returns the subgradient 0 (absolute error and
pinball at a zero residual), so a perfect prediction gets no push.

Every forward takes an optional ``weight`` of the target's shape (or one that
broadcasts to it): each element's weight in the mean, ``mean(weight *
per-element loss)`` over all elements. It is not divided by the weights' sum:
the caller normalises (``AttentionForecaster`` gives its training windows'
``sample_weight`` a mean of 1 over the windows, so that a weight of 2 counts as
the window repeated). ``weight=None`` is the plain mean, bitwise. The backward
multiplies each element's gradient by its weight.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import FLOAT_DTYPES, bad_cache, is_real

LOSS_NAMES = ("squared_error", "absolute_error", "huber", "pinball")


def _as_float_array(pred):
    """Return ``pred`` as a floating array, keeping float32/float64 as given (integers and bools
    become float64); float16 and complex are refused (float16 stayed float16, complex lost its
    imaginary part with only a ComplexWarning; researcher trial, session 18)."""
    pred = np.asarray(pred)
    if pred.dtype.kind in "biu":
        return pred.astype(np.float64)
    if pred.dtype not in FLOAT_DTYPES:
        raise ValueError(f"pred must hold float32 or float64 values (or integers), got "
                         f"{pred.dtype}.")
    return pred


def _check_same_shape(pred, target):
    """Return ``(pred, target)`` as float arrays of ``pred``'s dtype, same shape."""
    pred = _as_float_array(pred)
    target = np.asarray(target, dtype=pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got pred {pred.shape} "
            f"and target {target.shape}."
        )
    if pred.size == 0:
        raise ValueError("pred and target are empty; a mean loss needs at least one element.")
    return pred, target


def _check_backward_args(cache, dloss, forward, second=None):
    """``cache`` is ``forward``'s: ``(residual, weight)``, or ``(residual, second, weight)`` where
    ``second`` is the type of its middle entry (huber's float delta, pinball's quantile array)
    and ``weight`` None or an array; ``dloss`` is a finite number (the seed of the backward
    pass)."""
    length = 2 if second is None else 3
    if not (isinstance(cache, tuple) and len(cache) == length
            and isinstance(cache[0], np.ndarray)
            and (second is None or isinstance(cache[1], second))
            and (cache[-1] is None or isinstance(cache[-1], np.ndarray))):
        raise bad_cache(forward)
    if not ((type(dloss) is float or is_real(dloss)) and math.isfinite(dloss)):
        raise ValueError(f"dloss must be a finite number, got {dloss!r}.")


def _mean(per_element, weight=None):
    """Mean of all elements (each times its ``weight``, when given), accumulated in float64, as a
    Python float."""
    if weight is not None:
        per_element = per_element * weight
    return float(np.mean(per_element, dtype=np.float64))


def _check_weight(weight, shape, dtype):
    """None, or ``weight`` as a read-only array of ``dtype`` broadcast to ``shape`` (the
    target's), its values finite and >= 0."""
    if weight is None:
        return None
    weight = np.asarray(weight)
    if weight.dtype.kind not in "biuf":
        raise ValueError(f"weight must hold numbers, got {weight.dtype}.")
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise ValueError("weight must be finite and >= 0.")
    with np.errstate(over="ignore"):
        cast = weight.astype(dtype, copy=False)
    if not np.all(np.isfinite(cast)):
        raise ValueError(f"weight reaches beyond {np.dtype(dtype)}'s range (pred's dtype); "
                         f"give weights relative to their largest.")
    try:
        return np.broadcast_to(cast, shape)
    except ValueError:
        raise ValueError(f"weight of shape {weight.shape} does not broadcast to the target's "
                         f"shape {shape}.") from None


def _weighted(gradient, weight):
    """``gradient`` times ``weight`` (each element's), or ``gradient`` itself without one."""
    return gradient if weight is None else gradient * weight


# -----------------------------------------------------------------------------
# squared error: (pred - target)**2, no 1/2 factor


def squared_error_forward(pred, target, weight=None):
    """Mean squared error, ``mean((pred - target)**2)``.

    There is no factor 1/2: the per-element loss is ``(pred - target)**2`` and
    its derivative is ``2 * (pred - target)``.

    Parameters
    ----------
    pred : ndarray of shape (...)
        Predictions.
    target : array-like of shape (...)
        Targets, the same shape as ``pred``; cast to ``pred``'s dtype.
    weight : array-like of target's shape (or broadcastable to it), default=None
        Each element's weight in the mean (see the module); None weighs every element 1.

    Returns
    -------
    loss : float
        The mean over all elements.
    cache : tuple
        ``(residual, weight)`` with ``residual = pred - target``, for the backward pass.
    """
    pred, target = _check_same_shape(pred, target)
    weight = _check_weight(weight, target.shape, pred.dtype)
    residual = pred - target  # (...)
    return _mean(residual * residual, weight), (residual, weight)


def squared_error_backward(cache, dloss=1.0):
    """Gradient of ``dloss * squared_error`` with respect to ``pred``.

    Parameters
    ----------
    cache : tuple
        From :func:`squared_error_forward`.
    dloss : float, default=1.0
        Gradient flowing into the loss.

    Returns
    -------
    dpred : ndarray of shape (...)
        ``dloss * 2 * (pred - target) / n`` (times the weights), in ``pred``'s dtype.
    """
    _check_backward_args(cache, dloss, "squared_error_forward")
    residual, weight = cache  # (...), None or (...)
    scale = 2.0 * float(dloss) / residual.size
    return _weighted(scale * residual, weight).astype(residual.dtype, copy=False)


# -----------------------------------------------------------------------------
# absolute error: |pred - target|


def absolute_error_forward(pred, target, weight=None):
    """Mean absolute error, ``mean(|pred - target|)``.

    Parameters
    ----------
    pred : ndarray of shape (...)
        Predictions.
    target : array-like of shape (...)
        Targets, the same shape as ``pred``; cast to ``pred``'s dtype.
    weight : array-like of target's shape (or broadcastable to it), default=None
        Each element's weight in the mean (see the module); None weighs every element 1.

    Returns
    -------
    loss : float
        The mean over all elements.
    cache : tuple
        ``(residual, weight)`` with ``residual = pred - target``.
    """
    pred, target = _check_same_shape(pred, target)
    weight = _check_weight(weight, target.shape, pred.dtype)
    residual = pred - target  # (...)
    return _mean(np.abs(residual), weight), (residual, weight)


def absolute_error_backward(cache, dloss=1.0):
    """(Sub)gradient of ``dloss * absolute_error`` with respect to ``pred``.

    Parameters
    ----------
    cache : tuple
        From :func:`absolute_error_forward`.
    dloss : float, default=1.0
        Gradient flowing into the loss.

    Returns
    -------
    dpred : ndarray of shape (...)
        ``dloss * sign(pred - target) / n`` (times the weights); 0 where ``pred == target``.
    """
    _check_backward_args(cache, dloss, "absolute_error_forward")
    residual, weight = cache  # (...), None or (...)
    scale = float(dloss) / residual.size
    return _weighted(scale * np.sign(residual), weight).astype(residual.dtype, copy=False)


# -----------------------------------------------------------------------------
# huber: 0.5*r**2 if |r| <= delta else delta*(|r| - 0.5*delta)


def _check_delta(delta):
    if not is_real(delta):
        raise ValueError(f"delta must be a finite number > 0, got {delta!r}.")
    delta = float(delta)
    if not (np.isfinite(delta) and delta > 0.0):
        raise ValueError(f"delta must be a finite number > 0, got {delta!r}.")
    return delta


def huber_forward(pred, target, delta=1.0, weight=None):
    """Mean Huber loss, as ``torch.nn.HuberLoss(delta=delta)``.

    Per element, with ``r = pred - target``: ``0.5 * r**2`` if ``|r| <= delta``,
    else ``delta * (|r| - 0.5 * delta)``. Quadratic near zero, linear in the
    tails; the two pieces meet with equal value and slope at ``|r| = delta``.

    Parameters
    ----------
    pred : ndarray of shape (...)
        Predictions.
    target : array-like of shape (...)
        Targets, the same shape as ``pred``; cast to ``pred``'s dtype.
    delta : float, default=1.0
        Where the loss turns from quadratic to linear; must be > 0.
    weight : array-like of target's shape (or broadcastable to it), default=None
        Each element's weight in the mean (see the module); None weighs every element 1.

    Returns
    -------
    loss : float
        The mean over all elements.
    cache : tuple
        ``(residual, delta, weight)``.
    """
    delta = _check_delta(delta)
    pred, target = _check_same_shape(pred, target)
    weight = _check_weight(weight, target.shape, pred.dtype)
    residual = pred - target  # (...)
    abs_residual = np.abs(residual)
    per_element = np.where(
        abs_residual <= delta,
        0.5 * residual * residual,
        delta * (abs_residual - 0.5 * delta),
    )
    return _mean(per_element, weight), (residual, delta, weight)


def huber_backward(cache, dloss=1.0):
    """Gradient of ``dloss * huber`` with respect to ``pred``.

    Parameters
    ----------
    cache : tuple
        From :func:`huber_forward`.
    dloss : float, default=1.0
        Gradient flowing into the loss.

    Returns
    -------
    dpred : ndarray of shape (...)
        ``dloss * clip(r, -delta, delta) / n``: ``r`` in the quadratic part,
        ``delta * sign(r)`` in the linear part (times the weights).
    """
    _check_backward_args(cache, dloss, "huber_forward", float)
    residual, delta, weight = cache  # (...), float, None or (...)
    scale = float(dloss) / residual.size
    return _weighted(scale * np.clip(residual, -delta, delta), weight).astype(residual.dtype,
                                                                             copy=False)


# -----------------------------------------------------------------------------
# pinball (quantile) loss: max(q*(t - p), (q - 1)*(t - p))


def _check_quantiles(quantiles, n_outputs, dtype):
    """Return ``quantiles`` as a (Q,) array of ``dtype`` matching ``pred``'s last axis."""
    if quantiles is None:
        raise ValueError("The pinball loss needs quantiles, got None.")
    quantiles = np.asarray(quantiles, dtype=np.float64)
    if quantiles.ndim != 1 or quantiles.size == 0:
        raise ValueError(
            f"quantiles must be a non-empty 1-D array, got shape {quantiles.shape}."
        )
    if not np.all((quantiles > 0.0) & (quantiles < 1.0)):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {quantiles}.")
    if quantiles.size != n_outputs:
        raise ValueError(
            f"pred's last axis must hold one output per quantile: {quantiles.size} "
            f"quantiles but pred has {n_outputs} outputs on its last axis."
        )
    return quantiles.astype(dtype)


def pinball_forward(pred, target, quantiles, weight=None):
    """Mean pinball (quantile) loss over all samples and quantiles.

    Per element, with ``u = target - pred[..., k]`` and ``q = quantiles[k]``:
    ``max(q * u, (q - 1) * u)``, i.e. ``q * u`` when the target is above the
    prediction and ``(1 - q) * (-u)`` when below. The mean runs over all
    ``pred.size`` elements (samples times quantiles).

    Parameters
    ----------
    pred : ndarray of shape (..., Q)
        One prediction per quantile on the last axis.
    target : array-like of shape (...)
        Targets, shared by the Q quantiles; cast to ``pred``'s dtype.
    quantiles : array-like of shape (Q,)
        Quantile levels, each strictly between 0 and 1.
    weight : array-like of target's shape (...) (or broadcastable to it), default=None
        Each target's weight in the mean, shared by its Q quantiles (see the module); None
        weighs every element 1.

    Returns
    -------
    loss : float
        The mean over all elements.
    cache : tuple
        ``(target_minus_pred, quantiles, weight)``, shapes (..., Q), (Q,) and None or
        (..., 1).
    """
    pred = _as_float_array(pred)
    target = np.asarray(target, dtype=pred.dtype)
    if pred.ndim == 0 or pred.shape[:-1] != target.shape:
        raise ValueError(
            "pinball loss expects pred of shape (..., Q) and target of shape (...), "
            f"got pred {pred.shape} and target {target.shape}."
        )
    if pred.size == 0:
        raise ValueError("pred and target are empty; a mean loss needs at least one element.")
    quantiles = _check_quantiles(quantiles, pred.shape[-1], pred.dtype)  # (Q,)
    weight = _check_weight(weight, target.shape, pred.dtype)
    if weight is not None:
        weight = weight[..., None]  # (..., 1): a target's weight for each of its quantiles
    target_minus_pred = target[..., None] - pred  # (..., Q)
    per_element = np.maximum(
        quantiles * target_minus_pred, (quantiles - 1.0) * target_minus_pred
    )  # (..., Q)
    return _mean(per_element, weight), (target_minus_pred, quantiles, weight)


def pinball_backward(cache, dloss=1.0):
    """(Sub)gradient of ``dloss * pinball`` with respect to ``pred``.

    Parameters
    ----------
    cache : tuple
        From :func:`pinball_forward`.
    dloss : float, default=1.0
        Gradient flowing into the loss.

    Returns
    -------
    dpred : ndarray of shape (..., Q)
        ``dloss / n`` times ``-q`` where the target is above the prediction,
        ``1 - q`` where it is below, and 0 where they are equal (0 lies in the
        subdifferential ``[-q, 1 - q]``); times the weights.
    """
    _check_backward_args(cache, dloss, "pinball_forward", np.ndarray)
    target_minus_pred, quantiles, weight = cache  # (..., Q), (Q,), None or (..., 1)
    scale = float(dloss) / target_minus_pred.size
    # d/dpred of q*u is -q (u > 0); of (q - 1)*u is 1 - q (u < 0).
    dper_element = np.where(
        target_minus_pred > 0.0,
        -quantiles,
        np.where(target_minus_pred < 0.0, 1.0 - quantiles, 0.0),
    )  # (..., Q)
    return _weighted(scale * dper_element, weight).astype(target_minus_pred.dtype, copy=False)


# -----------------------------------------------------------------------------
# dispatch by name


def loss_forward(name, pred, target, *, delta=1.0, quantiles=None, weight=None):
    """Forward pass of the loss called ``name``.

    Parameters
    ----------
    name : {"squared_error", "absolute_error", "huber", "pinball"}
        Which loss.
    pred : ndarray
        Predictions; shape (...) or, for ``"pinball"``, (..., Q).
    target : array-like of shape (...)
        Targets.
    delta : float, default=1.0
        Used by ``"huber"`` only.
    quantiles : array-like of shape (Q,), default=None
        Used by ``"pinball"`` only, where it is required.
    weight : array-like of target's shape (or broadcastable to it), default=None
        Each element's (for ``"pinball"``: each target's) weight in the mean; see the module.

    Returns
    -------
    loss : float
        The mean loss.
    cache : tuple
        For :func:`loss_backward` with the same ``name``.
    """
    if name == "squared_error":
        return squared_error_forward(pred, target, weight)
    if name == "absolute_error":
        return absolute_error_forward(pred, target, weight)
    if name == "huber":
        return huber_forward(pred, target, delta=delta, weight=weight)
    if name == "pinball":
        return pinball_forward(pred, target, quantiles, weight)
    raise ValueError(f"Unknown loss {name!r}; expected one of {LOSS_NAMES}.")


def loss_backward(name, cache, dloss=1.0):
    """Backward pass of the loss called ``name``.

    Parameters
    ----------
    name : {"squared_error", "absolute_error", "huber", "pinball"}
        Which loss; the same as in the :func:`loss_forward` call that made ``cache``.
    cache : tuple
        From :func:`loss_forward`.
    dloss : float, default=1.0
        Gradient flowing into the loss.

    Returns
    -------
    dpred : ndarray
        Gradient with respect to ``pred``, its shape and dtype.
    """
    if name == "squared_error":
        return squared_error_backward(cache, dloss)
    if name == "absolute_error":
        return absolute_error_backward(cache, dloss)
    if name == "huber":
        return huber_backward(cache, dloss)
    if name == "pinball":
        return pinball_backward(cache, dloss)
    raise ValueError(f"Unknown loss {name!r}; expected one of {LOSS_NAMES}.")
