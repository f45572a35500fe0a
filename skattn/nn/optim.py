"""Optimiser, gradient clipping and learning-rate schedules.

In the spirit of scikit-learn's ``neural_network/_stochastic_optimizers.py``:
the optimiser is a small object with one ``update(params, grads)`` step that
changes the parameter arrays in place. Parameters and gradients are dicts
``name -> ndarray`` with the same keys, as produced by the network's
``init_params`` and ``backward``.

Learning-rate schedules are plain functions of the step (0-based count of
optimiser updates); :func:`make_lr_schedule` binds their settings into a
picklable callable ``step -> lr``.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from numba import njit

from .._jit import CACHE
from ._checks import FLOAT_DTYPES, check_eps, check_mapping, is_real

SCHEDULE_NAMES = ("constant", "cosine")


class AdamW:
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    One :meth:`update` does, for every parameter ``p`` with gradient ``g``,
    at step ``t`` (counted from 1)::

        p -= lr * weight_decay * p          # skipped for names in no_decay
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        p -= lr * m_hat / (sqrt(v_hat) + epsilon)

    The decay is applied to the parameter itself, not added to the gradient,
    so it is not rescaled by the adaptive step (Loshchilov & Hutter, 2019).

    Parameters
    ----------
    params : dict of str to ndarray
        The parameters to optimise; the moments get the same names, shapes
        and dtypes.
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one.
    beta_1 : float, default=0.9
        Decay rate of the first-moment (mean) estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment (uncentred variance) estimate, in [0, 1).
    epsilon : float, default=1e-8
        Added to ``sqrt(v_hat)`` for numerical stability; > 0.
    weight_decay : float, default=0.01
        Decoupled weight decay coefficient, >= 0.
    no_decay : collection of str, default=()
        Names of parameters that get no weight decay (biases, norm gains).

    Attributes
    ----------
    t : int
        Number of updates done so far.
    first_moment : dict of str to ndarray
        ``m``, the running mean of the gradients.
    second_moment : dict of str to ndarray
        ``v``, the running mean of the squared gradients.
    """

    def __init__(
        self,
        params,
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.01,
        no_decay=(),
    ):
        check_mapping("params", params)
        _check_learning_rate(learning_rate)
        for beta_name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not (is_real(beta) and 0.0 <= beta < 1.0):
                raise ValueError(f"{beta_name} must be in [0, 1), got {beta!r}.")
        # epsilon > 0: at 0 a parameter whose gradients were all 0 so far got 0 / 0 = NaN
        # (review, session 30); scikit-learn's MLP asks epsilon > 0 too
        check_eps(epsilon, "epsilon")
        if not (is_real(weight_decay) and math.isfinite(weight_decay) and weight_decay >= 0.0):
            raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}.")
        unknown = sorted(set(no_decay) - set(params))
        if unknown:
            raise ValueError(f"no_decay names parameters that do not exist: {unknown}.")
        for name, param in params.items():
            # integer parameters were never updated, silently (p -= step rounds to nothing in
            # the fallback path); float16 reached a Numba NotImplementedError (researcher trial)
            _check_param(name, param)

        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.weight_decay = float(weight_decay)
        self.no_decay = frozenset(no_decay)
        self.t = 0
        self.first_moment = {name: np.zeros_like(p) for name, p in params.items()}
        self.second_moment = {name: np.zeros_like(p) for name, p in params.items()}

    def update(self, params, grads, learning_rate=None):
        """Do one AdamW step, changing the arrays of ``params`` in place.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameters, with the names given at construction.
        grads : dict of str to ndarray
            Gradients, one per parameter, of the same shapes; cast to each
            parameter's dtype.
        learning_rate : float, default=None
            Step size for this update (from a schedule); ``None`` uses
            ``self.learning_rate``.
        """
        check_mapping("params", params)
        check_mapping("grads", grads)
        if learning_rate is not None:
            _check_learning_rate(learning_rate)
        if set(grads) != set(self.first_moment):
            missing = sorted(set(self.first_moment) - set(grads))
            unexpected = sorted(set(grads) - set(self.first_moment))
            raise ValueError(
                "grads must have one entry per optimised parameter; "
                f"missing {missing}, unexpected {unexpected}."
            )
        missing_params = sorted(set(grads) - set(params))
        if missing_params:
            raise ValueError(f"params has no arrays for the gradients {missing_params}.")
        lr = self.learning_rate if learning_rate is None else float(learning_rate)
        self.t += 1
        # Python floats are "weak" scalars: float32 arrays stay float32.
        bias_correction_1 = 1.0 - self.beta_1**self.t
        bias_correction_2 = 1.0 - self.beta_2**self.t
        step_size = lr / bias_correction_1
        sqrt_bias_correction_2 = math.sqrt(bias_correction_2)

        for name, grad in grads.items():
            param = params[name]
            self._check_built_for(name, param)
            grad = np.asarray(grad, dtype=param.dtype)
            if grad.shape != param.shape:
                raise ValueError(
                    f"Gradient of {name!r} has shape {grad.shape}, parameter has {param.shape}."
                )
            decay = lr * self.weight_decay if name not in self.no_decay else 0.0
            if param.flags.c_contiguous and grad.flags.c_contiguous:
                # one fused pass instead of ~10 NumPy passes with temporaries (the optimiser runs
                # serially between batch shards, so its cost is not spread over threads); every
                # element "decayed" by keep = 1 - decay (1.0, an exact identity, for no_decay)
                _adamw_flat_kernel(param.reshape(-1), np.ascontiguousarray(grad).reshape(-1),
                                   self.first_moment[name].reshape(-1),
                                   self.second_moment[name].reshape(-1),
                                   np.ones(param.size, dtype=bool), 1.0 - decay, self.beta_1,
                                   self.beta_2, step_size, sqrt_bias_correction_2, self.epsilon)
                continue
            m = self.first_moment[name]
            v = self.second_moment[name]
            # 1 - beta in the parameters' dtype, as the kernel forms it (in float32, 1 - 0.9 is
            # 0.100000024, not float64's 0.1 rounded: the two paths differed by up to 9e-8)
            one = param.dtype.type(1.0)
            if decay:
                param *= 1.0 - decay  # decoupled decay
            m *= self.beta_1
            m += (one - param.dtype.type(self.beta_1)) * grad
            v *= self.beta_2
            v += (one - param.dtype.type(self.beta_2)) * (grad * grad)
            # sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - beta_2**t) + eps
            denom = np.sqrt(v)
            denom /= sqrt_bias_correction_2
            denom += self.epsilon
            param -= step_size * (m / denom)

    # -- flat storage: the training loop's one-pass step -------------------------------------
    def use_flat_storage(self, params, out=None):
        """Keep ``params`` and both moments in one flat buffer each; return the parameters' buffer.

        Every entry of ``params``, ``first_moment`` and ``second_moment`` is copied into its
        buffer (in ``params``' order) and rebound to a view of it, so the dicts keep working and
        :meth:`update_flat` updates everything in one compiled pass. The estimator's training
        loop calls this at the start of every fit: with ~30 parameter arrays, the per-array
        Python and dispatch overhead of :meth:`update` was most of its cost (it runs serially
        between the batch shards). ``out``, a 1-D array of the parameters' total size and dtype,
        becomes the parameters' buffer if given (the estimator passes memory shared with its
        shard processes).
        """
        check_mapping("params", params)
        self._check_names(params)
        for name, param in params.items():
            # the one-pass step writes the parameters' total size into the moments' buffers:
            # parameters of another shape wrote past them and crashed the process (third
            # review, session 18; the same check as update's)
            self._check_built_for(name, param)
        names = list(params)
        dtypes = {params[name].dtype for name in names}
        if len(dtypes) > 1:
            # one buffer has one dtype: a float64 parameter came back float32, silently (review,
            # session 30)
            raise ValueError(f"use_flat_storage needs parameters of one dtype, got "
                             f"{sorted(str(dtype) for dtype in dtypes)}; use update() instead")
        flat_params = _flat_views(params, names, out)
        self._flat = {
            "params": flat_params,
            "m": _flat_views(self.first_moment, names),
            "v": _flat_views(self.second_moment, names),
            "decayed": np.concatenate([np.full(params[name].size, name not in self.no_decay)
                                       for name in names]),
        }
        return flat_params

    def update_flat(self, flat_params, flat_grad, learning_rate=None):
        """:meth:`update` on the buffers of :meth:`use_flat_storage`: the same arithmetic.

        ``flat_grad`` holds every gradient in the same order, in the parameters' dtype.
        """
        flat = getattr(self, "_flat", None)
        if flat is None or flat["params"] is not flat_params:
            raise ValueError("update_flat needs the buffer returned by use_flat_storage")
        if not isinstance(flat_grad, np.ndarray):
            raise ValueError(f"flat_grad must be a NumPy array, got {type(flat_grad).__name__}")
        if flat_grad.shape != flat_params.shape or flat_grad.dtype != flat_params.dtype:
            raise ValueError(f"flat_grad must have shape {flat_params.shape} and dtype "
                             f"{flat_params.dtype}, got {flat_grad.shape} {flat_grad.dtype}")
        if learning_rate is not None:
            _check_learning_rate(learning_rate)
        lr = self.learning_rate if learning_rate is None else float(learning_rate)
        self.t += 1
        bias_correction_1 = 1.0 - self.beta_1**self.t
        bias_correction_2 = 1.0 - self.beta_2**self.t
        _adamw_flat_kernel(flat_params, np.ascontiguousarray(flat_grad), flat["m"], flat["v"],
                           flat["decayed"], 1.0 - lr * self.weight_decay, self.beta_1,
                           self.beta_2, lr / bias_correction_1, math.sqrt(bias_correction_2),
                           self.epsilon)

    def _check_built_for(self, name, param):
        """``param`` is an array this optimiser can update: float32/float64, writable, of the
        shape and dtype of the moments made for it at construction."""
        _check_param(name, param)
        moment = self.first_moment[name]
        if param.shape != moment.shape or param.dtype != moment.dtype:
            # the compiled step writes param.size elements of the moments: a larger array (params
            # re-initialised for another d_model, the optimiser kept) wrote past their end and
            # crashed the process (researcher trial, session 18)
            raise ValueError(
                f"params[{name!r}] has shape {param.shape} and dtype {param.dtype}, but the "
                f"optimiser was built for shape {moment.shape} and dtype {moment.dtype}: build "
                f"a new AdamW for new parameters."
            )

    def _check_names(self, params):
        if set(params) != set(self.first_moment):
            raise ValueError("params must have the names the optimiser was built with; "
                             f"got {sorted(params)}, expected {sorted(self.first_moment)}")

    def __getstate__(self):
        # the flat buffers are rebuilt by use_flat_storage; pickling them would store every
        # parameter and moment twice (the dicts' views are pickled as arrays of their own)
        state = self.__dict__.copy()
        state.pop("_flat", None)
        return state


def _check_param(name, param):
    """A parameter array AdamW can update in place: float32 or float64, writable."""
    if not isinstance(param, np.ndarray) or param.dtype not in FLOAT_DTYPES:
        got = param.dtype if isinstance(param, np.ndarray) else type(param).__name__
        raise ValueError(f"params[{name!r}] must be a float32 or float64 NumPy array, got {got}.")
    if not param.flags.writeable:  # Numba's TypingError "Cannot modify readonly array"
        raise ValueError(f"params[{name!r}] is read-only; AdamW updates the parameters in place "
                         f"(copy it, e.g. np.array(value)).")


def _check_learning_rate(learning_rate):
    if not ((type(learning_rate) is float or is_real(learning_rate))
            and math.isfinite(learning_rate) and learning_rate >= 0.0):
        raise ValueError(f"learning_rate must be a finite number >= 0, got {learning_rate!r}.")


def _flat_views(arrays, names, out=None):
    # one flat buffer (``out`` if given) holding arrays[name] for every name, in order; the
    # dict's entries are rebound to views of it (values copied). Returns the buffer.
    dtype = arrays[names[0]].dtype
    size = sum(arrays[name].size for name in names)
    if out is None:
        flat = np.empty(size, dtype=dtype)
    elif out.shape != (size,) or out.dtype != dtype:
        raise ValueError(f"out must have shape {(size,)} and dtype {dtype}, "
                         f"got {out.shape} {out.dtype}")
    else:
        flat = out
    offset = 0
    for name in names:
        array = arrays[name]
        view = flat[offset:offset + array.size]
        view[...] = array.reshape(-1)
        arrays[name] = view.reshape(array.shape)
        offset += array.size
    return flat


@njit(cache=CACHE, nogil=True, error_model="numpy")
def _adamw_flat_kernel(param, grad, m, v, decayed, keep, beta_1, beta_2, step_size,
                       sqrt_bias_correction_2, epsilon):
    # param, grad, m, v: (N,) flat, one dtype; decayed (N,) bool marks the elements whose
    # parameter takes weight decay (the others skip the multiply by keep). The same operations,
    # in the same order and in the parameters' dtype, as update()'s NumPy fallback (Python floats
    # act there as weak scalars).
    one = param.dtype.type(1.0)
    keep = param.dtype.type(keep)
    b1, b2 = param.dtype.type(beta_1), param.dtype.type(beta_2)
    c1, c2 = one - b1, one - b2
    step = param.dtype.type(step_size)
    sbc2 = param.dtype.type(sqrt_bias_correction_2)
    eps = param.dtype.type(epsilon)
    for i in range(param.shape[0]):
        p = param[i] * keep if decayed[i] else param[i]
        mi = m[i] * b1 + c1 * grad[i]
        vi = v[i] * b2 + c2 * (grad[i] * grad[i])
        m[i] = mi
        v[i] = vi
        param[i] = p - step * (mi / (math.sqrt(vi) / sbc2 + eps))


def clip_grad_norm(grads, max_norm):
    """Scale all gradients so that their global L2 norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the norm is taken over all arrays
    together, and when it exceeds ``max_norm`` every gradient is multiplied
    in place by ``max_norm / (total_norm + 1e-6)``.

    Parameters
    ----------
    grads : dict of str to ndarray
        Gradients, changed in place when clipped.
    max_norm : float or None
        Largest allowed norm. ``None`` or a value <= 0 means no clipping.

    Returns
    -------
    total_norm : float
        The global norm before clipping, accumulated in float64. When it is
        not finite (inf or nan), nothing is scaled and the caller decides.
    """
    if type(grads) is not dict:
        check_mapping("grads", grads)
    if max_norm is not None and not ((type(max_norm) is float or is_real(max_norm))
                                     and not math.isnan(max_norm)):
        raise ValueError(f"max_norm must be None or a number (<= 0: no clipping), "
                         f"got {max_norm!r}.")
    for name, grad in grads.items():
        # scaled in place when clipped: int gradients were NumPy's casting error, float16 a
        # Numba NotImplementedError, a list a TypeError (researcher trial, session 18)
        if not isinstance(grad, np.ndarray) or grad.dtype not in FLOAT_DTYPES:
            got = grad.dtype if isinstance(grad, np.ndarray) else type(grad).__name__
            raise ValueError(f"grads[{name!r}] must be a float32 or float64 NumPy array (in "
                             f"native byte order), got {got}.")
    sum_of_squares = 0.0
    for grad in grads.values():
        # Square in float64: float32 squares of large gradients overflow. One fused pass for
        # contiguous arrays (no float64 temporary); NumPy for anything else.
        if isinstance(grad, np.ndarray) and grad.flags.c_contiguous:
            sum_of_squares += _sum_of_squares_kernel(grad.reshape(-1))
        else:
            sum_of_squares += float(np.sum(np.square(grad, dtype=np.float64)))
    total_norm = math.sqrt(sum_of_squares)
    if max_norm is None or max_norm <= 0 or not math.isfinite(total_norm):
        return total_norm
    if total_norm > max_norm:
        clip_coefficient = float(max_norm) / (total_norm + 1e-6)
        for grad in grads.values():
            grad *= clip_coefficient
    return total_norm


@njit(cache=CACHE, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _sum_of_squares_kernel(values):
    # values: (N,) flat; float64 accumulation (reassoc lets LLVM keep several partial sums)
    total = 0.0
    for i in range(values.shape[0]):
        x = np.float64(values[i])
        total += x * x
    return total


# -----------------------------------------------------------------------------
# learning-rate schedules: step (0-based) -> lr


def _check_schedule_args(step, base_lr, warmup_steps):
    # the common case (int, float, int) without a call; is_real for the rest
    if not ((type(step) is int or is_real(step)) and step >= 0):
        raise ValueError(f"step must be >= 0, got {step!r}.")
    _check_base_lr(base_lr, warmup_steps)


def _check_base_lr(base_lr, warmup_steps):
    if not ((type(base_lr) is float or is_real(base_lr))
            and math.isfinite(base_lr) and base_lr >= 0.0):
        raise ValueError(f"base_lr must be a finite number >= 0, got {base_lr!r}.")
    if not ((type(warmup_steps) is int or is_real(warmup_steps)) and warmup_steps >= 0):
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps!r}.")


def _check_total_steps(total_steps, warmup_steps):
    # a number first: None or "5" reached a TypeError of "<" (review, session 30)
    if not ((type(total_steps) is int or is_real(total_steps)) and total_steps >= 1):
        raise ValueError(f"total_steps must be >= 1, got {total_steps!r}.")
    if not 0 <= warmup_steps <= total_steps:
        raise ValueError(
            f"warmup_steps must be in [0, total_steps={total_steps}], got {warmup_steps!r}."
        )


def _warmup_lr(step, base_lr, warmup_steps):
    """Linear ramp ``base_lr * (step + 1) / warmup_steps`` for ``step < warmup_steps``."""
    return base_lr * (step + 1) / warmup_steps


def constant_lr(step, base_lr, warmup_steps=0):
    """Constant learning rate, after an optional linear warm-up.

    Parameters
    ----------
    step : int
        Number of updates done before this one, from 0.
    base_lr : float
        The learning rate.
    warmup_steps : int, default=0
        For ``step < warmup_steps`` the rate is ``base_lr * (step + 1) / warmup_steps``,
        reaching ``base_lr`` at ``step = warmup_steps - 1``.

    Returns
    -------
    lr : float
    """
    _check_schedule_args(step, base_lr, warmup_steps)
    if step < warmup_steps:
        return _warmup_lr(step, base_lr, warmup_steps)
    return float(base_lr)


def cosine_lr(step, base_lr, total_steps, warmup_steps=0, min_lr=0.0):
    """Linear warm-up, then cosine decay from ``base_lr`` to ``min_lr``.

    * ``step < warmup_steps``: ``base_lr * (step + 1) / warmup_steps``, a ramp
      from ``base_lr / warmup_steps`` at step 0 to ``base_lr`` at step
      ``warmup_steps - 1``.
    * ``warmup_steps <= step < total_steps``: with
      ``progress = (step - warmup_steps) / (total_steps - warmup_steps)``,
      ``min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))``,
      which is ``base_lr`` at ``step = warmup_steps`` and falls monotonically
      towards ``min_lr``.
    * ``step >= total_steps``: ``min_lr``.

    Parameters
    ----------
    step : int
        Number of updates done before this one, from 0.
    base_lr : float
        Peak learning rate.
    total_steps : int
        Step at which the rate reaches ``min_lr``; >= 1.
    warmup_steps : int, default=0
        Length of the warm-up, in [0, total_steps].
    min_lr : float, default=0.0
        Final learning rate, in [0, base_lr].

    Returns
    -------
    lr : float
    """
    _check_schedule_args(step, base_lr, warmup_steps)
    _check_total_steps(total_steps, warmup_steps)
    if not ((type(min_lr) is float or is_real(min_lr)) and 0.0 <= min_lr <= base_lr):
        raise ValueError(f"min_lr must be in [0, base_lr={base_lr}], got {min_lr!r}.")
    if step < warmup_steps:
        return _warmup_lr(step, base_lr, warmup_steps)
    if step >= total_steps:
        return float(min_lr)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)  # in [0, 1)
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def make_lr_schedule(name, base_lr, total_steps, warmup_steps=0, *, min_lr=0.0):
    """Return the schedule called ``name`` as a picklable callable ``step -> lr``.

    Parameters
    ----------
    name : {"constant", "cosine"}
        :func:`constant_lr` or :func:`cosine_lr`.
    base_lr : float
        Peak learning rate.
    total_steps : int
        Total number of updates planned (used by ``"cosine"``; checked >= 1
        for both).
    warmup_steps : int, default=0
        Length of the linear warm-up, in [0, total_steps], for both schedules.
    min_lr : float, default=0.0
        Final learning rate of ``"cosine"``.

    Returns
    -------
    schedule : callable
        ``schedule(step)`` gives the learning rate of update ``step`` (from 0).
    """
    _check_base_lr(base_lr, warmup_steps)
    _check_total_steps(total_steps, warmup_steps)
    if name == "constant":
        return partial(constant_lr, base_lr=base_lr, warmup_steps=warmup_steps)
    if name == "cosine":
        if not ((type(min_lr) is float or is_real(min_lr)) and 0.0 <= min_lr <= base_lr):
            raise ValueError(f"min_lr must be in [0, base_lr={base_lr}], got {min_lr!r}.")
        return partial(
            cosine_lr,
            base_lr=base_lr,
            total_steps=total_steps,
            warmup_steps=warmup_steps,
            min_lr=min_lr,
        )
    raise ValueError(f"Unknown learning-rate schedule {name!r}; expected one of {SCHEDULE_NAMES}.")
