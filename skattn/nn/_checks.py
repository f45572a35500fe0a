"""Argument checks of the public functions of :mod:`skattn.nn`.

Every check is an O(1) comparison of types, shapes and dtypes: nothing here reads the data (NaN in
an array propagates through the elementwise maths, as it should in these primitives). The public
functions check and then call their unchecked twins (``_linear_forward`` for ``linear_forward``,
...); :mod:`skattn.nn.network` calls the twins directly, so the training loop, which makes
hundreds of such calls per step, pays nothing for the checks.

Messages name the argument and give the shapes and dtypes involved, in the style of
:func:`skattn.nn.attention.attention_forward`'s.
"""
from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Mapping

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def join_names(names):
    """``"x"``, ``"x and W"``, ``"x, W and b"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_float_arrays(**arrays):
    """Each value is a NumPy array, all of one dtype, float32 or float64; return that dtype."""
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{name} must be a NumPy array, got {type(value).__name__}")
    dtypes = [value.dtype for value in arrays.values()]
    if dtypes[0] not in FLOAT_DTYPES or any(dtype != dtypes[0] for dtype in dtypes[1:]):
        if len(dtypes) == 1:
            raise ValueError(f"{join_names(arrays)} must have dtype float32 or float64, "
                             f"got {dtypes[0]}")
        raise ValueError(f"{join_names(arrays)} must share one dtype, float32 or float64; got "
                         f"{', '.join(str(dtype) for dtype in dtypes)}")
    return dtypes[0]


def check_ndim(name, array, ndim, layout):
    """``array.ndim == ndim``; ``layout`` names the axes, e.g. ``"(B, T, C)"``."""
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}, got shape {array.shape}")


def check_dout(dout, shape, dtype, forward, name="dout"):
    """``dout`` is an array shaped like ``forward``'s output (``shape``) with its dtype
    (``dtype``; None when the cache does not record it: then float32 or float64)."""
    if not isinstance(dout, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, got {type(dout).__name__}")
    if dout.shape != shape:
        raise ValueError(f"{name} must have the shape of {forward}'s output, {shape}, "
                         f"got {dout.shape}")
    if dtype is None:
        if dout.dtype not in FLOAT_DTYPES:
            raise ValueError(f"{name} must have dtype float32 or float64, got {dout.dtype}")
    elif dout.dtype != dtype:
        raise ValueError(f"{name} must have the dtype of {forward}'s output, {dtype}, "
                         f"got {dout.dtype}")


def bad_cache(forward):
    return ValueError(f"cache must be the cache returned by {forward}")


def is_real(value):
    """A real number (Python or NumPy, or a 0-d array of one), not a bool and not a string."""
    if type(value) is float or type(value) is int:  # the common case, before the ABC's check
        return True
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "fiu"
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_int(value):
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_flag(name, value):
    """A bool (Python or NumPy): a string such as "False" is truthy, and switched causal masking
    or dropout on, silently (researcher trial, session 18)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")


def check_eps(eps, name="eps"):
    """A finite number > 0 (added to a variance, a squared norm or Adam's root of one): at 0 a
    constant row (layer norm), a constant window (instance norm), a zero query (cosine
    attention) or a parameter whose gradients were all 0 (AdamW) gave NaN, 0 / 0 (review,
    session 30); scikit-learn's MLP takes an ``epsilon`` > 0 too."""
    if not (is_real(eps) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {eps!r}")


def check_positive_ints(**values):
    """Each value is an integer >= 1 (not a bool or a float)."""
    if not all(is_int(value) and value >= 1 for value in values.values()):
        raise ValueError(f"{join_names(values)} must be positive integers; got "
                         f"{', '.join(repr(value) for value in values.values())}")


def check_mapping(name, value):
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a dict of str -> ndarray, got {type(value).__name__}")


_shape_of = operator.attrgetter("shape")
_dtype_of = operator.attrgetter("dtype")


#: the parameters whose shapes every change of the network's shape moves: patch.W (patch_len,
#: n_channels, d_model), head.W (tokens, horizon, quantiles, trend), skip.W (n_timesteps)
_SENTINELS = ("patch.W", "head.W", "skip.W")


@functools.lru_cache(maxsize=64)
def _expected_param_layout(config):
    # names and shapes of init_params' arrays, and the sentinels' (name, shape), per config (a
    # frozen, hashable dataclass): the network's forward checks its parameters on every call.
    # The arrays are drawn once per config (a few thousand numbers) and only their shapes kept.
    from .network import init_params  # network imports this module

    shapes = {name: value.shape for name, value in
              init_params(config, np.random.default_rng(0)).items()}
    sentinels = tuple((name, shapes[name]) for name in _SENTINELS)
    return tuple(shapes), tuple(shapes.values()), sentinels


def check_params_quick(params, config, dtype):
    """:func:`check_params` in O(1): the number of arrays, and the shapes and dtype of the three
    that any change of the network's shape moves (params of another config, a dtype cast). On a
    mismatch, the full check says what is wrong. For the forward, called at every training
    step, where checking all ~30 arrays cost ~1% of a small fit."""
    if type(params) is not dict:
        check_mapping("params", params)
    names, _, sentinels = _expected_param_layout(config)
    if len(params) == len(names):
        for name, shape in sentinels:
            value = params.get(name)
            if (value is None or getattr(value, "shape", None) != shape
                    or getattr(value, "dtype", None) != dtype):
                break
        else:
            # and every array's dtype, in one C-level pass (~2 us): one float64 array among
            # float32 ones (re-initialised with np.zeros) made the forward float64 and the
            # backward blame dpred, naming no parameter (researcher trial, session 18)
            try:
                if set(map(_dtype_of, params.values())) == {dtype}:
                    return
            except AttributeError:  # a value that is not an array: the full check says so
                pass
    check_params(params, config, dtype)


def check_params(params, config, dtype=None):
    """``params`` has exactly the arrays ``init_params(config, ...)`` makes, of those shapes, and
    of ``dtype`` when given (the config's, for the network; else float32 or float64)."""
    check_mapping("params", params)
    names, shapes, _ = _expected_param_layout(config)
    # the common case in three C-level passes (~4 us for ~30 arrays): the names in init_params'
    # order, the shapes, one dtype (anything else takes the loop below, which says what is wrong)
    try:
        if tuple(params) == names and tuple(map(_shape_of, params.values())) == shapes:
            dtypes = set(map(_dtype_of, params.values()))
            if dtypes == {dtype} if dtype is not None else dtypes <= set(FLOAT_DTYPES):
                return
    except AttributeError:  # a value without a shape or dtype: not an array
        pass
    expected = dict(zip(names, shapes))
    if params.keys() != expected.keys():
        missing = sorted(set(expected) - set(params))
        unexpected = sorted(set(params) - set(expected))
        raise ValueError("params must hold the arrays of init_params(config) for this config; "
                         f"missing {missing}, unexpected {unexpected}")
    for name, shape in expected.items():
        value = params[name]
        if not isinstance(value, np.ndarray) or value.shape != shape:
            got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
            raise ValueError(f"params[{name!r}] must have shape {shape} for this config, "
                             f"got {got}")
        if value.dtype != dtype if dtype is not None else value.dtype not in FLOAT_DTYPES:
            raise ValueError(f"params[{name!r}] must have dtype "
                             f"{dtype if dtype is not None else 'float32 or float64'}, "
                             f"got {value.dtype}")
