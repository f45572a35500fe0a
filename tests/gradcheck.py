"""Central-difference gradient checking in float64, shared by the tests.

Derivatives are taken with the fourth-order central difference
``(-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h`` with ``h = 1e-5``: its truncation error is
O(h^4) and its round-off about ``1e-16 |f| / h``, so it stays accurate when a gradient is small next
to the loss (a one-step window has std = sqrt(eps), which scales every parameter gradient by ~3e-3).
The plain two-point difference hit its round-off floor (~1e-6) there while the analytic gradients
were right, which the five-point stencil confirmed.

The step was 1e-4 until session 6, when new dropout masks put the whole-network case
"cosine-causal-affine-B1" at a strongly curved point (cosine attention normalises short vectors):
3.7e-5 there for the patch weights. Refining the step showed the analytic gradient right — the
error fell as h^4, 3.7e-5 / 3.0e-7 / 3.7e-9 / 1e-11 at h = 1e-4 / 3e-5 / 1e-5 / 1e-6 — the
truncation error of the stencil, not the gradient. With 1e-5 the truncation term is 10^4 times
smaller and the round-off ten times larger, still far below the tolerance, which is unchanged.

The relative error of one gradient tensor is ``||analytic - numeric||_2 / max(||analytic||_2,
||numeric||_2)``: a norm-wise measure, because elementwise ratios are dominated by round-off on
entries whose true gradient is zero (masked attention scores, for one). The tests require it to be
at most ``1e-6`` for every tensor.
"""
from __future__ import annotations

import numpy as np

TOLERANCE = 1e-6
STEP = 1e-5


def numerical_gradient(f, x, step=STEP):
    """d f / d x by the five-point central difference; ``f()`` reads ``x`` (perturbed in place)."""
    assert x.dtype == np.float64, "gradient checks run in float64"
    # a strided view's reshape(-1) is a copy: the perturbations would never reach f (gradient 0)
    assert x.flags.c_contiguous, "perturb a C-contiguous array (a view's reshape is a copy)"
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        values = []
        for offset in (2.0, 1.0, -1.0, -2.0):
            flat_x[i] = original + offset * step
            values.append(f())
        flat_x[i] = original
        f_p2, f_p1, f_m1, f_m2 = values
        # differences first: equal values cancel exactly, so a zero gradient comes out as zero
        flat_g[i] = (8.0 * (f_p1 - f_m1) - (f_p2 - f_m2)) / (12.0 * step)
    return grad


def relative_error(analytic, numeric):
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, (analytic.shape, numeric.shape)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def check_gradients(f, inputs, analytic, tolerance=TOLERANCE):
    """Compare analytic gradients with central differences for each named input.

    Parameters
    ----------
    f : callable () -> float
        The scalar loss, reading the arrays of ``inputs``.
    inputs : dict name -> float64 ndarray (perturbed in place, restored after)
    analytic : dict name -> ndarray, the gradient claimed for each input

    Returns
    -------
    errors : dict name -> relative error; raises AssertionError naming every tensor over tolerance.
    """
    errors = {}
    for name, x in inputs.items():
        numeric = numerical_gradient(f, x)
        errors[name] = relative_error(analytic[name], numeric)
    bad = {name: err for name, err in errors.items() if not err <= tolerance}
    assert not bad, f"gradient check failed (relative error > {tolerance}): {bad}"
    return errors
