"""The dot-product core's three implementations (fused kernel, batched BLAS, batch-last kernel)
compute one function."""
import numpy as np
import pytest

from gradcheck import check_gradients
from skattn.nn.attention import (
    BATCH_MIN_WINDOWS,
    BLAS_MIN_TOKENS,
    cosine_tokens_backward,
    cosine_tokens_forward,
    scaled_dot_tokens_backward,
    scaled_dot_tokens_forward,
)


def packed(rng, n_batch, n_tokens, n_heads, head_dim, dtype=np.float64):
    return rng.standard_normal((n_batch, n_tokens, 3, n_heads, head_dim)).astype(dtype)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 5, 3, 4), (3, 13, 2, 8), (2, 30, 4, 4)])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_kernel_blas_and_batch_agree(shape, causal, dtype, tol):
    rng = np.random.default_rng(sum(shape))
    qkv = packed(rng, *shape, dtype=dtype)
    scale = rng.uniform(0.2, 2.0, size=shape[2])
    results = {}
    for method in ("kernel", "blas", "batch"):
        out, cache = scaled_dot_tokens_forward(qkv, scale, causal, method=method)
        dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
        dqkv = np.empty_like(qkv)
        dscale = scaled_dot_tokens_backward(dout, cache, dqkv, need_dscale=True)
        assert out.dtype == dqkv.dtype == cache["probs"].dtype == dtype
        results[method] = (out, cache["probs"], dqkv, dscale)
    for other in ("blas", "batch"):
        for a, b in zip(results["kernel"], results[other]):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    probs = results["blas"][1]
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=tol)
    if causal:
        assert np.all(np.triu(probs[0, 0], 1) == 0)


@pytest.mark.parametrize("causal", [False, True])
def test_blas_path_gradients(causal):
    rng = np.random.default_rng(3)
    qkv = packed(rng, 2, BLAS_MIN_TOKENS + 2, 2, 3)
    scale = np.array([0.7, 1.3])
    out, cache = scaled_dot_tokens_forward(qkv, scale, causal)  # picked by the token count
    assert "heads" in cache, "expected the BLAS path at this many tokens"
    dout = rng.standard_normal(out.shape)
    dqkv = np.empty_like(qkv)
    dscale = scaled_dot_tokens_backward(dout, cache, dqkv, need_dscale=True)

    def loss():
        return float((scaled_dot_tokens_forward(qkv, scale, causal)[0] * dout).sum())

    check_gradients(loss, {"qkv": qkv, "scale": scale}, {"qkv": dqkv, "scale": dscale})


@pytest.mark.parametrize("causal", [False, True])
def test_batch_path_gradients(causal):
    rng = np.random.default_rng(5)
    qkv = packed(rng, 5, 7, 2, 3)
    scale = np.array([0.7, 1.3])
    out, cache = scaled_dot_tokens_forward(qkv, scale, causal, method="batch")
    assert "batch_last" in cache
    dout = rng.standard_normal(out.shape)
    dqkv = np.empty_like(qkv)
    dscale = scaled_dot_tokens_backward(dout, cache, dqkv, need_dscale=True)

    def loss():
        return float((scaled_dot_tokens_forward(qkv, scale, causal, method="batch")[0]
                      * dout).sum())

    check_gradients(loss, {"qkv": qkv, "scale": scale}, {"qkv": dqkv, "scale": dscale})


def test_float32_batch_path_exp_is_accurate():
    # the batch path's float32 softmax uses a polynomial exp: against libm's expf in the same
    # kernel (the same float32 scores, summed in the same order) it must agree to float32
    # precision, also for scores far apart (exponents down to the clamp at -87 and below).
    # Until session 25 the reference was the fused kernel's path, whose scores are summed in
    # another order under fastmath: on a machine with AVX-512 (16 lanes) the two paths' scores
    # of ~50 differed by a few float32 ulps, the probabilities by up to 8e-6 relative, and the
    # test failed on the old code too (it compared the scores' rounding, not the exp)
    from skattn.nn.attention import _scaled_dot_batch_forward_kernel

    rng = np.random.default_rng(6)
    qkv = packed(rng, 64, 9, 2, 4, dtype=np.float32)
    qkv[:, :, :2] *= 6.0  # large scores: probabilities from ~1 down to underflow
    scale = np.array([1.0, 2.0], dtype=np.float32)
    out, cache = scaled_dot_tokens_forward(qkv, scale, method="batch")
    qkv_t, probs_t = cache["batch_last"]
    libm_out, libm_probs = np.empty_like(out.transpose(2, 3, 1, 0)), np.empty_like(probs_t)
    _scaled_dot_batch_forward_kernel(qkv_t, scale, False, False, libm_out, libm_probs)
    assert libm_probs.min() < 1e-30  # the test reaches the exp's far tail
    np.testing.assert_allclose(probs_t, libm_probs, rtol=1e-6, atol=1e-12)
    assert np.all(np.isfinite(out))


def test_cosine_attention_through_the_blas_path_gradients():
    rng = np.random.default_rng(4)
    qkv = packed(rng, 2, BLAS_MIN_TOKENS, 2, 3)
    log_tau = np.array([0.5, 1.5])
    out, cache = cosine_tokens_forward(qkv, log_tau)
    assert "heads" in cache
    dout = rng.standard_normal(out.shape)
    dqkv = np.empty_like(qkv)
    dlog_tau = cosine_tokens_backward(dout, cache, dqkv)

    def loss():
        return float((cosine_tokens_forward(qkv, log_tau)[0] * dout).sum())

    check_gradients(loss, {"qkv": qkv, "log_tau": log_tau}, {"qkv": dqkv, "log_tau": dlog_tau})


def test_method_is_validated():
    with pytest.raises(ValueError, match="method"):
        scaled_dot_tokens_forward(np.zeros((1, 2, 3, 1, 2)), np.ones(1), method="fast")


@pytest.mark.parametrize("path, n_windows, n_timesteps, attention, causal", [
    ("heads", 2, 26, "dot", False), ("heads", 2, 26, "cosine", True),
    ("heads", 2, 26, "gated", True),  # BLAS: 13 tokens
    # batch-last: 6 tokens, 32 windows; dot-product attention there takes the network's
    # feature-major path (no copies), cosine the copies into the batch-last layout
    ("feature_major", BATCH_MIN_WINDOWS, 12, "dot", True),
    ("feature_major", BATCH_MIN_WINDOWS, 12, "dot", False),
    ("batch_last", BATCH_MIN_WINDOWS, 12, "cosine", False),
])
def test_whole_network_gradients_through_each_path(path, n_windows, n_timesteps, attention,
                                                   causal):
    from skattn.nn import NetworkConfig, backward, forward, init_params

    config = NetworkConfig(n_timesteps=n_timesteps, horizon=3, patch_len=2, stride=2, d_model=8,
                           n_heads=2, d_ff=12, n_layers=2, attention=attention, causal=causal,
                           dtype="float64", dropout=0.2)
    rng = np.random.default_rng(1)
    params = init_params(config, rng)
    for value in params.values():
        value += 0.1 * rng.standard_normal(value.shape)
    x = rng.standard_normal((n_windows, n_timesteps))
    pred, cache = forward(params, x, config, training=True, rng=np.random.default_rng(5))
    if path == "feature_major":
        assert cache["block0"]["feature_major"] and cache["block1"]["feature_major"]
    else:
        assert path in cache["block0"]["attn"]["core"] and not cache["block0"]["feature_major"]
    dpred = rng.standard_normal(pred.shape)
    grads, dx = backward(dpred, cache, params, config, return_input_grad=True)

    def loss():
        out = forward(params, x, config, training=True, rng=np.random.default_rng(5))[0]
        return float((out * dpred).sum())

    check_gradients(loss, {**params, "x": x}, {**grads, "x": dx})


def test_the_default_path_follows_the_shape():
    rng = np.random.default_rng(7)
    for n_batch, n_tokens, head_dim, expected in [
        (1, 6, 16, None), (BATCH_MIN_WINDOWS - 1, 6, 4, None),
        (BATCH_MIN_WINDOWS, 6, 16, "batch_last"), (256, 17, 8, "batch_last"),
        (256, 17, 16, "heads"), (16, 41, 16, "heads"),
    ]:
        qkv = packed(rng, n_batch, n_tokens, 1, head_dim, dtype=np.float32)
        cache = scaled_dot_tokens_forward(qkv, np.ones(1))[1]
        paths = [key for key in ("heads", "batch_last") if key in cache]
        assert paths == ([] if expected is None else [expected]), (n_batch, n_tokens, head_dim)


@pytest.mark.parametrize("n_batch", [17, 32, 40])  # tiles of 16 windows: partial last tiles too
def test_batch_path_copies_are_exact_and_write_into_non_contiguous_gradients(n_batch):
    from skattn.nn.attention import _from_batch_last, _to_batch_last

    rng = np.random.default_rng(n_batch)
    src = rng.standard_normal((n_batch, 5, 6, 3)).astype(np.float32)  # (B, T, G, Dh)
    batch_last = np.empty((6, 3, 5, n_batch), dtype=np.float32)  # (G, Dh, T, B)
    _to_batch_last(src, batch_last)
    np.testing.assert_array_equal(batch_last, src.transpose(2, 3, 1, 0))
    back = np.empty_like(src)
    _from_batch_last(batch_last, back)
    np.testing.assert_array_equal(back, src)

    qkv = packed(rng, n_batch, 5, 2, 3)
    out, cache = scaled_dot_tokens_forward(qkv, np.array([0.5, 1.5]), method="batch")
    dout = rng.standard_normal(out.shape)
    contiguous = np.empty_like(qkv)
    scaled_dot_tokens_backward(dout, cache, contiguous)
    strided = np.empty((5, n_batch, 3, 2, 3)).transpose(1, 0, 2, 3, 4)  # a (B, T, 3, H, Dh) view
    assert not strided.flags.c_contiguous
    scaled_dot_tokens_backward(dout, cache, strided)
    np.testing.assert_array_equal(strided, contiguous)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_feature_major_blocks_compute_what_the_copies_did(monkeypatch, causal, dropout):
    # the same network, forward and backward, with the feature-major path switched off: the
    # same predictions (same dropout masks) and gradients, to float64 rounding
    from skattn.nn import NetworkConfig, backward, forward, init_params, network

    config = NetworkConfig(n_timesteps=36, horizon=4, patch_len=6, stride=6, d_model=16,
                           n_heads=4, d_ff=24, n_layers=2, causal=causal, dtype="float64",
                           dropout=dropout)
    rng = np.random.default_rng(11)
    params = init_params(config, rng)
    for value in params.values():
        value += 0.1 * rng.standard_normal(value.shape)
    x = rng.standard_normal((BATCH_MIN_WINDOWS + 8, 36))
    dpred = rng.standard_normal((x.shape[0], 4))

    def run():
        pred, cache = forward(params, x, config, training=True, rng=np.random.default_rng(5))
        return (pred, *backward(dpred, cache, params, config, return_input_grad=True)), cache

    (pred, grads, dx), cache = run()
    assert cache["block0"]["feature_major"]
    monkeypatch.setattr(network, "_feature_major", lambda config, n_batch: False)
    (pred_ref, grads_ref, dx_ref), cache_ref = run()
    assert "batch_last" in cache_ref["block0"]["attn"]["core"]
    np.testing.assert_allclose(pred, pred_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-12)
    for name in params:
        np.testing.assert_allclose(grads[name], grads_ref[name], rtol=1e-10, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_array_equal(network.attention_probs(cache, config).shape,
                                  network.attention_probs(cache_ref, config).shape)
    np.testing.assert_allclose(network.attention_probs(cache, config),
                               network.attention_probs(cache_ref, config), rtol=1e-12, atol=1e-14)
