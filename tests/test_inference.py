"""The one-call inference forward (skattn.nn.inference) against the op-by-op network forward."""
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skattn import AttentionForecaster, nn
from skattn.nn.inference import forward_inference, pack_for_inference


def _perturbed_params(config, rng):
    # off the initial values (zero biases, unit gains), so every parameter matters
    params = nn.init_params(config, rng)
    return {name: value + 0.3 * rng.standard_normal(value.shape) for name, value in params.items()}


def _reference(params, x3, config):
    pred, _ = nn.forward(params, x3 if config.n_channels > 1 else x3[:, :, 0], config,
                         for_backward=False)
    return pred if pred.ndim == 3 else pred[:, :, None]


def _assert_close(got, ref):
    scale = np.abs(ref).max()
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-12 * scale


CASES = {
    "m3": dict(n_timesteps=36, patch_len=6, stride=6, n_layers=2),
    "covariates, padding, gated, sinusoidal, RevIN, trend, causal": dict(
        n_timesteps=30, n_channels=2, patch_len=8, stride=5, attention="gated",
        positional="sinusoidal", affine=True, trend_degree=2, causal=True, n_layers=1),
    "no layers, no positions, no normalisation, quantiles, window shorter than a patch": dict(
        n_timesteps=5, patch_len=8, stride=3, positional=None, normalize=False, n_quantiles=3,
        n_layers=0),
    "overlapping patches, three channels, quantiles with a trend": dict(
        n_timesteps=54, n_channels=3, patch_len=6, stride=3, affine=True, trend_degree=1,
        n_quantiles=2, n_layers=3),
    "anchored on the last value, covariates, RevIN": dict(
        n_timesteps=24, n_channels=2, patch_len=6, stride=3, anchor="last", affine=True),
    "anchored on the last value, trend": dict(n_timesteps=36, patch_len=6, anchor="last",
                                              trend_degree=1),
}


@pytest.mark.parametrize("case", CASES)
def test_forward_inference_matches_the_network_forward(case):
    rng = np.random.default_rng(3)
    config = nn.NetworkConfig(horizon=7, d_model=16, n_heads=4, d_ff=24, dtype="float64",
                              **CASES[case])
    params = _perturbed_params(config, rng)
    x3 = rng.standard_normal((5, config.n_timesteps, config.n_channels)).cumsum(axis=1) * 3 + 10
    _assert_close(forward_inference(pack_for_inference(params, config), x3),
                  _reference(params, x3, config))


@settings(max_examples=25, deadline=None)
@given(n_timesteps=st.integers(1, 40), patch_len=st.integers(1, 9), stride=st.integers(1, 9),
       n_heads=st.sampled_from([1, 2, 4]), n_layers=st.integers(0, 2),
       n_channels=st.integers(1, 3), attention=st.sampled_from(["dot", "gated"]),
       causal=st.booleans(), anchor=st.sampled_from(["mean", "last"]),
       seed=st.integers(0, 2**16))
def test_forward_inference_matches_on_random_shapes(n_timesteps, patch_len, stride, n_heads,
                                                   n_layers, n_channels, attention, causal,
                                                   anchor, seed):
    rng = np.random.default_rng(seed)
    config = nn.NetworkConfig(n_timesteps=n_timesteps, horizon=3, n_channels=n_channels,
                              d_model=8, n_heads=n_heads, n_layers=n_layers, d_ff=12,
                              patch_len=patch_len, stride=stride, attention=attention,
                              causal=causal, anchor=anchor, dtype="float64")
    params = _perturbed_params(config, rng)
    x3 = rng.standard_normal((3, n_timesteps, n_channels))
    _assert_close(forward_inference(pack_for_inference(params, config), x3),
                  _reference(params, x3, config))


@pytest.mark.parametrize("attention", ["additive", "cosine"])
def test_attention_kinds_without_a_kernel_are_not_packed(attention):
    config = nn.NetworkConfig(n_timesteps=12, horizon=2, d_model=8, n_heads=2, patch_len=4,
                              attention=attention, dtype="float64")
    assert pack_for_inference(nn.init_params(config, np.random.default_rng(0)), config) is None


def _fitted(**params):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 24)).cumsum(axis=1)
    Y = rng.standard_normal((64, 4))
    model = AttentionForecaster(d_model=16, n_heads=2, patch_len=4, max_epochs=2, batch_size=32,
                                random_state=0, **params)
    with pytest.warns(Warning):  # ConvergenceWarning: two epochs are not enough
        model.fit(X, Y)
    return model, X


@pytest.mark.parametrize("attention, anchor", [("dot", "mean"), ("gated", "mean"),
                                               ("additive", "mean"), ("dot", "last")])
def test_predict_agrees_with_the_op_by_op_forward(attention, anchor):
    model, X = _fitted(attention=attention, anchor=anchor)
    assert (model._inference_pack is None) == (attention == "additive")
    got = model.predict(X)
    # the network on the windows through the global scaling of fit (as predictions were made
    # until session 17; they now feed each window in its own units, equivalent up to rounding)
    scaled = _reference(model._params64, model._scale_X(X[:, :, None], np.float64),
                        model._config64)[:, :, 0]
    general = scaled * model.channel_scale_[0] + model.channel_mean_[0]
    np.testing.assert_allclose(got, general, rtol=1e-12, atol=1e-12 * np.abs(general).max())


def test_each_window_is_predicted_on_its_own():
    # the kernel runs window by window: a row's forecast does not depend on the batch around it
    model, X = _fitted()
    batch = model.predict(X)
    one_by_one = np.stack([model.predict(X[i:i + 1])[0] for i in range(X.shape[0])])
    np.testing.assert_array_equal(batch, one_by_one)
    np.testing.assert_array_equal(model.predict(X[::-1]), batch[::-1])


def test_a_model_pickled_without_the_pack_predicts_the_same():
    model, X = _fitted()
    expected = model.predict(X)
    old = pickle.loads(pickle.dumps(model))
    del old._inference_pack  # as a model pickled before the pack existed
    np.testing.assert_allclose(old.predict(X), expected, rtol=1e-12,
                               atol=1e-12 * np.abs(expected).max())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), expected)
