"""Tests of skattn.nn.optim: AdamW, gradient clipping, learning-rate schedules."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skattn.nn.optim import (
    AdamW,
    clip_grad_norm,
    constant_lr,
    cosine_lr,
    make_lr_schedule,
)


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W": rng.normal(size=(3, 4)).astype(dtype),  # (in, out)
        "b": rng.normal(size=(4,)).astype(dtype),  # (out,)
        "gain": rng.normal(size=(1,)).astype(dtype),  # (1,)
    }


def make_grad_sequence(n_steps, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    shapes = {"W": (3, 4), "b": (4,), "gain": (1,)}
    return [
        {name: rng.normal(size=shape).astype(dtype) for name, shape in shapes.items()}
        for _ in range(n_steps)
    ]


# -----------------------------------------------------------------------------
# AdamW


def test_adamw_matches_independent_transcription():
    beta_1, beta_2, epsilon, weight_decay = 0.8, 0.95, 1e-6, 0.1
    learning_rates = [0.1, 0.05, 0.02]  # per step, as from a schedule
    no_decay = ("b", "gain")
    params = make_params()
    grad_sequence = make_grad_sequence(3)

    # Reference: the formula, step by step, on copies (t counted from 1).
    expected = {name: p.copy() for name, p in params.items()}
    m = {name: np.zeros_like(p) for name, p in params.items()}
    v = {name: np.zeros_like(p) for name, p in params.items()}
    for t, (grads, lr) in enumerate(zip(grad_sequence, learning_rates), start=1):
        for name in expected:
            g = grads[name]
            if name not in no_decay:
                expected[name] = expected[name] - lr * weight_decay * expected[name]
            m[name] = beta_1 * m[name] + (1 - beta_1) * g
            v[name] = beta_2 * v[name] + (1 - beta_2) * g**2
            m_hat = m[name] / (1 - beta_1**t)
            v_hat = v[name] / (1 - beta_2**t)
            expected[name] = expected[name] - lr * m_hat / (np.sqrt(v_hat) + epsilon)

    optimizer = AdamW(
        params,
        learning_rate=123.0,  # overridden by the per-step learning rates
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
        weight_decay=weight_decay,
        no_decay=no_decay,
    )
    for grads, lr in zip(grad_sequence, learning_rates):
        optimizer.update(params, grads, learning_rate=lr)

    assert optimizer.t == 3
    for name in params:
        np.testing.assert_allclose(params[name], expected[name], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(optimizer.first_moment[name], m[name], rtol=1e-12)
        np.testing.assert_allclose(optimizer.second_moment[name], v[name], rtol=1e-12)


def test_adamw_default_learning_rate_is_used():
    params_a, params_b = make_params(), make_params()
    grads = make_grad_sequence(1)[0]
    AdamW(params_a, learning_rate=0.03).update(params_a, grads)
    AdamW(params_b, learning_rate=1.0).update(params_b, grads, learning_rate=0.03)
    for name in params_a:
        np.testing.assert_array_equal(params_a[name], params_b[name])


def test_adamw_weight_decay_skips_no_decay_names():
    # Zero gradients: the Adam step is 0, so only the decoupled decay acts.
    params = make_params()
    before = {name: p.copy() for name, p in params.items()}
    zero_grads = {name: np.zeros_like(p) for name, p in params.items()}
    optimizer = AdamW(params, learning_rate=0.1, weight_decay=0.5, no_decay=["b"])
    for _ in range(3):
        optimizer.update(params, zero_grads)

    shrink = (1 - 0.1 * 0.5) ** 3
    np.testing.assert_allclose(params["W"], before["W"] * shrink, rtol=1e-12)
    np.testing.assert_allclose(params["gain"], before["gain"] * shrink, rtol=1e-12)
    np.testing.assert_array_equal(params["b"], before["b"])


def test_adamw_updates_in_place():
    params = make_params()
    arrays_before = {name: p for name, p in params.items()}
    values_before = {name: p.copy() for name, p in params.items()}
    AdamW(params, learning_rate=0.1).update(params, make_grad_sequence(1)[0])
    for name, p in params.items():
        assert p is arrays_before[name]
        assert not np.array_equal(p, values_before[name])


def test_adamw_keeps_float32():
    params32 = make_params(np.float32)
    params64 = {name: p.astype(np.float64) for name, p in params32.items()}
    optimizer32 = AdamW(params32, learning_rate=0.05, no_decay=("b",))
    optimizer64 = AdamW(params64, learning_rate=0.05, no_decay=("b",))
    for grads in make_grad_sequence(3, np.float32):
        # float64 gradients into float32 parameters must not promote anything.
        optimizer32.update(params32, {n: g.astype(np.float64) for n, g in grads.items()})
        optimizer64.update(params64, {n: g.astype(np.float64) for n, g in grads.items()})
    for name in params32:
        assert params32[name].dtype == np.float32
        assert optimizer32.first_moment[name].dtype == np.float32
        assert optimizer32.second_moment[name].dtype == np.float32
        np.testing.assert_allclose(params32[name], params64[name], rtol=1e-5, atol=1e-6)


def test_adamw_converges_on_a_quadratic():
    rng = np.random.default_rng(0)
    optimum = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    curvature = {"W": rng.uniform(0.1, 10.0, size=(3, 4)), "b": rng.uniform(0.1, 10.0, size=4)}
    params = {name: np.zeros_like(x) for name, x in optimum.items()}
    optimizer = AdamW(params, learning_rate=0.05, weight_decay=0.0)
    schedule = make_lr_schedule("cosine", 0.05, total_steps=2000, warmup_steps=20)
    for step in range(2000):
        # loss = sum(curvature * (p - optimum)**2)
        grads = {n: 2.0 * curvature[n] * (params[n] - optimum[n]) for n in params}
        optimizer.update(params, grads, learning_rate=schedule(step))
    for name in params:
        np.testing.assert_allclose(params[name], optimum[name], atol=1e-3)


def test_adamw_state_pickles_and_resumes():
    params = make_params()
    optimizer = AdamW(params, learning_rate=0.05)
    grad_sequence = make_grad_sequence(4)
    for grads in grad_sequence[:2]:
        optimizer.update(params, grads)

    params_copy = pickle.loads(pickle.dumps(params))
    optimizer_copy = pickle.loads(pickle.dumps(optimizer))
    assert optimizer_copy.t == 2
    for grads in grad_sequence[2:]:
        optimizer.update(params, grads)
        optimizer_copy.update(params_copy, grads)
    for name in params:
        np.testing.assert_array_equal(params[name], params_copy[name])


def test_adamw_rejects_bad_input():
    params = make_params()
    with pytest.raises(ValueError, match="no_decay"):
        AdamW(params, no_decay=["bias"])
    with pytest.raises(ValueError, match="beta_1"):
        AdamW(params, beta_1=1.0)
    optimizer = AdamW(params)
    grads = make_grad_sequence(1)[0]
    with pytest.raises(ValueError, match="missing \\['gain'\\]"):
        optimizer.update(params, {n: g for n, g in grads.items() if n != "gain"})
    with pytest.raises(ValueError, match="shape"):
        optimizer.update(params, {**grads, "b": np.zeros(5)})


# -----------------------------------------------------------------------------
# clip_grad_norm


def test_clip_grad_norm_scales_above_threshold():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([[12.0]])}  # global norm 13
    total_norm = clip_grad_norm(grads, max_norm=6.5)
    assert total_norm == pytest.approx(13.0)
    scale = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(grads["a"], [3.0 * scale, 4.0 * scale])
    np.testing.assert_allclose(grads["b"], [[12.0 * scale]])
    new_norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads.values()))
    assert new_norm == pytest.approx(6.5, rel=1e-6)


@pytest.mark.parametrize("max_norm", [13.5, 100.0, None, 0.0, -1.0])
def test_clip_grad_norm_no_op(max_norm):
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([[12.0]])}
    a_array = grads["a"]
    assert clip_grad_norm(grads, max_norm) == pytest.approx(13.0)
    assert grads["a"] is a_array
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])
    np.testing.assert_array_equal(grads["b"], [[12.0]])


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_clip_grad_norm_non_finite_is_reported_not_scaled(bad):
    grads = {"a": np.array([3.0, bad]), "b": np.array([100.0])}
    total_norm = clip_grad_norm(grads, max_norm=1.0)
    assert not math.isfinite(total_norm)
    np.testing.assert_array_equal(grads["b"], [100.0])


def test_clip_grad_norm_accumulates_float32_in_float64():
    # Squares of 1e20 overflow float32 (max ~3.4e38) but not float64.
    grads = {"a": np.array([1e20, 1e20], dtype=np.float32)}
    total_norm = clip_grad_norm(grads, max_norm=1.0)
    assert total_norm == pytest.approx(math.sqrt(2.0) * 1e20, rel=1e-6)
    assert grads["a"].dtype == np.float32
    np.testing.assert_allclose(grads["a"], [1 / math.sqrt(2.0)] * 2, rtol=1e-5)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_norm=st.floats(0.01, 10.0))
def test_clip_grad_norm_properties(seed, max_norm):
    rng = np.random.default_rng(seed)
    grads = {"x": rng.normal(size=(2, 3)) * 3.0, "y": rng.normal(size=5)}
    before = {name: g.copy() for name, g in grads.items()}
    norm_before = np.sqrt(sum(np.sum(g**2) for g in before.values()))

    total_norm = clip_grad_norm(grads, max_norm)

    assert total_norm == pytest.approx(norm_before, rel=1e-12)
    norm_after = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert norm_after <= max_norm * (1 + 1e-9) or norm_after == pytest.approx(norm_before)
    # One common factor for every array: the direction is kept.
    factor = min(1.0, max_norm / (norm_before + 1e-6))
    for name in grads:
        np.testing.assert_allclose(grads[name], before[name] * factor, rtol=1e-12)


# -----------------------------------------------------------------------------
# learning-rate schedules


def test_constant_lr():
    assert [constant_lr(s, 0.01) for s in (0, 1, 10**6)] == [0.01, 0.01, 0.01]
    ramp = [constant_lr(s, 1.0, warmup_steps=4) for s in range(6)]
    assert ramp == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_cosine_lr_endpoints_and_midpoint():
    base_lr, min_lr, total, warmup = 1.0, 0.1, 110, 10
    lr = lambda step: cosine_lr(step, base_lr, total, warmup, min_lr)  # noqa: E731
    assert lr(0) == pytest.approx(base_lr / warmup)  # warm-up starts at base_lr / warmup
    assert lr(warmup - 1) == pytest.approx(base_lr)  # ... and reaches base_lr
    assert lr(warmup) == pytest.approx(base_lr)  # cosine starts at base_lr
    assert lr(warmup + 50) == pytest.approx((base_lr + min_lr) / 2)  # halfway
    assert lr(total - 1) == pytest.approx(min_lr, abs=1e-3)  # nearly there
    assert lr(total) == min_lr
    assert lr(10 * total) == min_lr


def test_cosine_lr_without_warmup():
    assert cosine_lr(0, 0.3, 100) == pytest.approx(0.3)
    assert cosine_lr(50, 0.3, 100) == pytest.approx(0.15)
    assert cosine_lr(100, 0.3, 100) == 0.0


@settings(max_examples=50, deadline=None)
@given(
    base_lr=st.floats(1e-5, 1.0),
    min_fraction=st.floats(0.0, 1.0),
    total_steps=st.integers(1, 300),
    warmup_fraction=st.floats(0.0, 1.0),
)
def test_cosine_lr_shape(base_lr, min_fraction, total_steps, warmup_fraction):
    min_lr = base_lr * min_fraction
    warmup_steps = int(warmup_fraction * total_steps)
    lrs = np.array(
        [cosine_lr(s, base_lr, total_steps, warmup_steps, min_lr) for s in range(total_steps + 5)]
    )
    warmup, decay = lrs[:warmup_steps], lrs[warmup_steps:]
    # Warm-up: a strictly increasing linear ramp ending at base_lr.
    np.testing.assert_allclose(warmup, base_lr * np.arange(1, warmup_steps + 1) / warmup_steps)
    if warmup_steps:
        assert warmup[-1] == pytest.approx(base_lr)
    # After warm-up: non-increasing, within [min_lr, base_lr], min_lr from total_steps on.
    assert np.all(np.diff(decay) <= 1e-15)
    assert np.all(decay <= base_lr * (1 + 1e-12))
    assert np.all(decay >= min_lr * (1 - 1e-12))
    np.testing.assert_array_equal(lrs[total_steps:], min_lr)


def test_make_lr_schedule():
    constant = make_lr_schedule("constant", 0.5, total_steps=100)
    cosine = make_lr_schedule("cosine", 0.5, total_steps=100, warmup_steps=10)
    for step in (0, 5, 9, 10, 50, 99, 100, 200):
        assert constant(step) == 0.5
        assert cosine(step) == cosine_lr(step, 0.5, 100, 10)
    # Picklable, so an estimator can keep it.
    assert pickle.loads(pickle.dumps(cosine))(42) == cosine(42)


def test_schedule_errors():
    with pytest.raises(ValueError, match="'linear'"):
        make_lr_schedule("linear", 0.1, total_steps=10)
    with pytest.raises(ValueError, match="warmup_steps"):
        make_lr_schedule("cosine", 0.1, total_steps=10, warmup_steps=11)
    with pytest.raises(ValueError, match="total_steps"):
        cosine_lr(0, 0.1, total_steps=0)
    with pytest.raises(ValueError, match="min_lr"):
        cosine_lr(0, 0.1, total_steps=10, min_lr=0.2)
    with pytest.raises(ValueError, match="step"):
        constant_lr(-1, 0.1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_adamw_kernel_matches_the_numpy_formulation(dtype):
    # C-contiguous parameters take the fused Numba kernel; the same values through views that are
    # not contiguous take the NumPy code path. Both do the same float operations in the same
    # order: bitwise equal (until session 30 the NumPy path formed 1 - beta in float64, and in
    # float32 the two were up to 9e-8 apart)
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 8)).astype(dtype)
    fused = {"W": base.copy(), "b": base[0].copy()}
    strided_storage = {"W": np.asfortranarray(base.copy()), "b": np.repeat(base[0], 2)}
    numpy_path = {"W": strided_storage["W"], "b": strided_storage["b"][::2]}
    assert not numpy_path["W"].flags.c_contiguous and not numpy_path["b"].flags.c_contiguous
    opt_fused = AdamW(fused, learning_rate=0.01, weight_decay=0.1, no_decay={"b"})
    opt_numpy = AdamW(numpy_path, learning_rate=0.01, weight_decay=0.1, no_decay={"b"})
    for step in range(3):
        grads = {"W": rng.standard_normal((6, 8)).astype(dtype), "b": rng.standard_normal(8).astype(dtype)}
        opt_fused.update(fused, {k: v.copy() for k, v in grads.items()})
        opt_numpy.update(numpy_path, {"W": np.asfortranarray(grads["W"]), "b": np.repeat(grads["b"], 2)[::2]})
    for name in fused:
        assert fused[name].dtype == dtype
        np.testing.assert_array_equal(fused[name], numpy_path[name])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adamw_flat_storage_updates_bitwise_like_update(dtype):
    lrs = [0.03, 0.01, 0.02, 0.005]
    grads_seq = make_grad_sequence(len(lrs), dtype=dtype)
    params_dict, params_flat = make_params(dtype), make_params(dtype)
    by_dict = AdamW(params_dict, weight_decay=0.3, no_decay={"b"})
    by_flat = AdamW(params_flat, weight_decay=0.3, no_decay={"b"})
    flat = by_flat.use_flat_storage(params_flat)
    assert flat.dtype == dtype and flat.size == 12 + 4 + 1
    for name, value in make_params(dtype).items():  # values kept, entries are views of the buffer
        np.testing.assert_array_equal(params_flat[name], value)
        assert np.shares_memory(params_flat[name], flat)
    for lr, grads in zip(lrs, grads_seq):
        by_dict.update(params_dict, grads, learning_rate=lr)
        by_flat.update_flat(flat, np.concatenate([grads[n].reshape(-1) for n in params_flat]),
                            learning_rate=lr)
    assert by_flat.t == by_dict.t == len(lrs)
    for name in params_dict:
        np.testing.assert_array_equal(params_flat[name], params_dict[name])
        np.testing.assert_array_equal(by_flat.first_moment[name], by_dict.first_moment[name])
        np.testing.assert_array_equal(by_flat.second_moment[name], by_dict.second_moment[name])


def test_adamw_flat_storage_is_rebuilt_after_pickling_and_checks_its_buffer():
    params = make_params()
    optimizer = AdamW(params, no_decay={"b"})
    flat = optimizer.use_flat_storage(params)
    grads = make_grad_sequence(3)
    flat_grads = [np.concatenate([g[n].reshape(-1) for n in params]) for g in grads]
    optimizer.update_flat(flat, flat_grads[0])
    restored = pickle.loads(pickle.dumps(optimizer))
    assert not hasattr(restored, "_flat")  # the buffers are not pickled twice
    with pytest.raises(ValueError, match="use_flat_storage"):
        restored.update_flat(flat, flat_grads[1])
    restored_params = {n: v.copy() for n, v in params.items()}
    restored_flat = restored.use_flat_storage(restored_params)
    for step in (1, 2):
        optimizer.update_flat(flat, flat_grads[step])
        restored.update_flat(restored_flat, flat_grads[step])
    np.testing.assert_array_equal(restored_flat, flat)
    with pytest.raises(ValueError, match="shape"):
        optimizer.update_flat(flat, flat_grads[0][:-1])
    with pytest.raises(ValueError, match="dtype"):
        optimizer.update_flat(flat, flat_grads[0].astype(np.float32))
    with pytest.raises(ValueError, match="names"):
        optimizer.use_flat_storage({"W": params["W"]})


def test_adamw_flat_storage_can_live_in_a_given_buffer():
    params = make_params()
    values = {n: v.copy() for n, v in params.items()}
    optimizer = AdamW(params)
    size = sum(v.size for v in params.values())
    buffer = np.full(size, np.nan)
    flat = optimizer.use_flat_storage(params, out=buffer)
    assert flat is buffer and not np.isnan(buffer).any()
    for name, value in params.items():  # views of the given buffer, holding the old values
        assert np.shares_memory(value, buffer)
        np.testing.assert_array_equal(value, values[name])
    for bad in (np.empty(size - 1), np.empty(size, dtype=np.float32)):
        with pytest.raises(ValueError, match="out must have shape"):
            optimizer.use_flat_storage(params, out=bad)


def test_adamw_refuses_parameters_it_was_not_built_for():
    # the compiled step wrote param.size elements of moments made for other parameters: params
    # re-initialised larger, the optimiser kept, crashed the process (segfault, "double free");
    # integer parameters were never updated, silently; read-only and float16 ones were Numba
    # errors (researcher trial, session 18)
    optimiser = AdamW({"W": np.ones((3, 2))})
    for params, message in (
            ({"W": np.ones((400, 2))}, r"params\['W'\] has shape \(400, 2\) and dtype float64, "
                                       r"but the optimiser was built for shape \(3, 2\)"),
            ({"W": np.ones(6)}, r"built for shape \(3, 2\)"),
            ({"W": np.ones((3, 2), dtype=np.float32)}, "and dtype float64"),
            ({"W": np.ones((3, 2), dtype=int)}, "must be a float32 or float64 NumPy array, "
                                                "got int64")):
        with pytest.raises(ValueError, match=message):
            optimiser.update(params, {"W": np.ones(params["W"].shape)})
    for bad, message in ((np.array([1, 2, 3]), "got int64"),
                         (np.ones(3, dtype=np.float16), "got float16"),
                         ([1.0, 2.0], "got list")):
        with pytest.raises(ValueError, match=message):
            AdamW({"W": bad})
    read_only = np.ones(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\['W'\] is read-only"):
        AdamW({"W": read_only})


@pytest.mark.parametrize("grad, got", [(np.array([1, 2]), "int64"), ([1.0, 2.0], "list"),
                                       (np.ones(2, dtype=np.float16), "float16")])
def test_clip_grad_norm_refuses_what_it_cannot_scale(grad, got):
    # NumPy's casting error, a TypeError, a Numba NotImplementedError (researcher trial, 18)
    with pytest.raises(ValueError, match=rf"grads\['W'\] must be a float32 or float64 NumPy "
                                         rf"array \(in native byte order\), got {got}"):
        clip_grad_norm({"W": grad}, 1.0)


def test_flat_storage_refuses_parameters_the_optimiser_was_not_built_for():
    # use_flat_storage copied any parameters into the buffer and update_flat's one-pass step
    # wrote their size into the moments: "double free or corruption" (third review, session 18)
    optimiser = AdamW({"w": np.ones(4, np.float32)})
    for params, message in (({"w": np.ones(2_000, np.float32)}, r"built for shape \(4,\)"),
                            ({"w": np.ones(4)}, "and dtype float32"),
                            ({"w": np.ones(4, dtype=int)}, "got int64")):
        with pytest.raises(ValueError, match=message):
            optimiser.use_flat_storage(params)
