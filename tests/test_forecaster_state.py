"""AttentionForecaster: the fitted state stays consistent when a fit fails, and predictions
refuse what the network was not built for (audit 14)."""
import copy
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skattn import AttentionForecaster, make_windows
from skattn.exceptions import DataShiftWarning
from skattn.forecaster import _PRIVATE_FITTED_ATTRIBUTES
from test_forecaster import seasonal_series

# small and quick, for tests that exercise plumbing rather than accuracy
FAST = dict(d_model=8, n_heads=2, n_layers=1, max_epochs=3, batch_size=32, random_state=0)
# no clipping and an absurd step size: training diverges within a few steps (no weight decay:
# learning_rate * weight_decay >= 1 is refused before training)
DIVERGING = dict(learning_rate=1e12, clip_grad_norm=None, weight_decay=0.0, max_epochs=50)


@pytest.fixture(scope="module")
def series():
    return seasonal_series()


@pytest.fixture(scope="module")
def windows(series):
    return make_windows(series, window=24, horizon=6)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    # the short trainings of these tests stop at max_epochs on purpose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def fitted_state(model):
    """The names of the attributes a fit set that ``model`` still holds."""
    return sorted(name for name in vars(model)
                  if (name.endswith("_") and not name.startswith("_"))
                  or name in _PRIVATE_FITTED_ATTRIBUTES)


def assert_unfitted(model, series, X):
    assert fitted_state(model) == []
    with pytest.raises(NotFittedError):
        model.predict(X[-1:])
    with pytest.raises(NotFittedError):
        model.forecast(series, 3)


# ------------------------------------------------------------------------------------------
# A fit that fails leaves no half-changed model behind
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("failing_fit", [
    # the audit's cases: each raised after validate_data had recorded the new X's width, or
    # after the new global scaling had replaced the old, with the old network still in place
    "narrower windows, too few rows for early stopping",
    "another scale, too few rows for early stopping",
    "narrower windows, n_heads not dividing d_model",
])
def test_a_failed_fit_leaves_the_estimator_unfitted(windows, series, failing_fit):
    # Before the fix the first case predicted garbage: predict passed the new width (12) to
    # compiled kernels that looped over the old one (24), reading out of bounds.
    X, y = windows
    model = AttentionForecaster(**FAST).fit(X, y)
    if failing_fit == "narrower windows, too few rows for early stopping":
        model.set_params(early_stopping=True)
        X_bad, y_bad, match = X[:5, :12], y[:5], "at least one training and one validation"
    elif failing_fit == "another scale, too few rows for early stopping":
        model.set_params(early_stopping=True)
        X_bad, y_bad, match = X[:5] * 1000, y[:5] * 1000, "at least one training and one"
    else:
        model.set_params(n_heads=3)
        X_bad, y_bad, match = X[:, :12], y, r"d_model \(8\) must be divisible by n_heads \(3\)"
    with pytest.raises(ValueError, match=match):
        model.fit(X_bad, y_bad)
    assert_unfitted(model, series, X_bad)
    assert_unfitted(model, series, X)
    # nothing of the failed fit lingers: the next fit is the one a new estimator makes
    model.set_params(early_stopping=False, n_heads=2)
    refit = model.fit(X, y).predict(X)
    np.testing.assert_array_equal(refit, AttentionForecaster(**FAST).fit(X, y).predict(X))


def test_a_failed_first_fit_leaves_nothing_behind(windows, series):
    # validate_data records n_features_in_ before the later checks: it stayed, on an estimator
    # that had never been fitted
    X, y = windows
    model = AttentionForecaster(**{**FAST, "n_heads": 3})
    with pytest.raises(ValueError, match="must be divisible by n_heads"):
        model.fit(X, y)
    assert_unfitted(model, series, X)
    # failing after the scaling, the config and the weights were set
    model = AttentionForecaster(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match="n_samples=3"):
        model.fit(X[:3], y[:3])
    assert_unfitted(model, series, X)


def assert_same_model(model, reference, X):
    """``model`` holds the fitted state of ``reference``: the same attributes, weights,
    optimiser state, curves and counters, and predicts the same."""
    assert fitted_state(model) == fitted_state(reference)
    for name, value in model.params_.items():
        np.testing.assert_array_equal(value, reference.params_[name])
    for moment in ("first_moment", "second_moment"):
        for name, value in getattr(model._optimizer, moment).items():
            np.testing.assert_array_equal(value, getattr(reference._optimizer, moment)[name])
    assert model._optimizer.t == reference._optimizer.t
    for name in ("loss_curve_", "validation_scores_", "n_iter_", "t_", "best_loss_",
                 "best_validation_score_", "config_", "_y_is_1d"):
        assert getattr(model, name) == getattr(reference, name), name
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))


def _interrupt_at_step(model, monkeypatch, step):
    """Make ``model``'s training raise KeyboardInterrupt at its ``step``-th optimiser step
    (counted from 1) of the next call, after ``step - 1`` steps changed the weights in place."""
    steps = []

    def batch_gradients(*args):
        steps.append(1)
        if len(steps) == step:
            raise KeyboardInterrupt
        return AttentionForecaster._batch_gradients(*args)

    monkeypatch.setattr(model, "_batch_gradients", batch_gradients, raising=False)


@pytest.mark.parametrize("continuing", ["warm_start", "partial_fit"])
@pytest.mark.parametrize("failure", ["divergence", "interruption"])
def test_a_continued_fit_failing_while_training_leaves_the_model_as_it_was(
        windows, continuing, failure, monkeypatch):
    # it left the estimator unfitted (its weights half-updated: the model it continued was
    # lost with it; before audit 14, predict silently used the old weights); a copy taken before
    # the training is put back (fuzzing, session 20)
    X, y = windows
    model = AttentionForecaster(**FAST, normalize=False, warm_start=True).fit(X, y)
    reference = copy.deepcopy(model)
    if failure == "divergence":
        model.set_params(**DIVERGING)
        data = X * 1e15, y * 1e15  # at this scale it is the learning rate that diverges
        where = (r"at epoch \d+ of this fit \(the model's epoch \d+\)"
                 if continuing == "warm_start" else
                 r"in this partial_fit call \(the model's epoch 4\)")
        error, match = ValueError, rf"training diverged {where} .*try a smaller learning_rate"
    else:
        _interrupt_at_step(model, monkeypatch, step=3)
        data, error, match = (X, y), KeyboardInterrupt, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataShiftWarning)
        with pytest.raises(error, match=match):
            if continuing == "warm_start":
                model.fit(*data)
            else:
                model.partial_fit(*data)
    monkeypatch.undo()
    assert_same_model(model, reference, X)
    # and it continues as the model before the call would
    model.set_params(**reference.get_params())
    if continuing == "warm_start":
        model.fit(X, y), reference.fit(X, y)
    else:
        model.partial_fit(X, y), reference.partial_fit(X, y)
    assert_same_model(model, reference, X)


@pytest.mark.parametrize("continuing", ["warm_start", "partial_fit"])
def test_a_continued_fit_on_data_too_large_for_float32_names_the_scale(windows, continuing):
    # the first fit's scaling is kept, and float32 training overflows from data ~1e19 times
    # its spread (their squares), far before the check of float32's range itself (~1e38): the
    # error said "try a smaller learning_rate", partial_fit's "at epoch 2" for its only epoch,
    # and the model was gone (fuzzing, session 20)
    X, y = windows
    model = AttentionForecaster(**FAST, warm_start=True).fit(X, y)
    reference = copy.deepcopy(model)
    where = ("at epoch 1 of this fit (the model's epoch 4)" if continuing == "warm_start"
             else "in this partial_fit call (the model's epoch 4)")
    with pytest.raises(ValueError, match=re.escape(f"training failed {where}: its loss or "
                                                   f"gradient overflowed, because X or y reaches ")
                       + r"[0-9.e+]+ times the spread of the data of the first fit.*Refit from "
                         r"scratch \(warm_start=False\)"):
        if continuing == "warm_start":
            model.fit(X * 1e20, y * 1e20)
        else:
            model.partial_fit(X * 1e20, y * 1e20)
    assert_same_model(model, reference, X)
    # from scratch, as the message says, they train
    refit = model.set_params(warm_start=False).fit(X * 1e20, y * 1e20)
    assert np.all(np.isfinite(refit.predict(X * 1e20)))


def test_a_refused_continued_fit_leaves_the_model_as_it_was(windows, series):
    X, y = windows
    model = AttentionForecaster(**FAST, warm_start=True).fit(X, y[:, 0])  # horizon 1, 1-D y
    before = model.predict(X)
    dropout, scores = model.config_.dropout, model.validation_scores_

    def unchanged():
        np.testing.assert_array_equal(model.predict(X), before)  # 1-D as at fit
        assert model.config_.dropout == dropout and model.validation_scores_ is scores

    refused = [
        (lambda: model.partial_fit(X[:, :-1], y[:, 0]), "features"),
        (lambda: model.partial_fit(X, y[:, :3]), "horizon"),
        # a 2-D y of horizon 1 is accepted, but these data overflow the first fit's scaling:
        # the refused call had already switched predict to 2-D output
        (lambda: model.partial_fit(X * 1e40, y[:, :1] * 1e40), "times the spread"),
        # the validation split is checked after the settings were carried over: the refused
        # call had set the new dropout and an empty validation_scores_
        (lambda: model.set_params(early_stopping=True, dropout=0.3).fit(X[:5], y[:5, 0]),
         "at least one training and one validation"),
        (lambda: model.set_params(early_stopping=False, d_model=16).fit(X, y[:, 0]),
         "Cannot continue training"),
    ]
    for call, match in refused:
        with pytest.raises(ValueError, match=match):
            call()
        unchanged()
    model.set_params(d_model=FAST["d_model"], dropout=0.1)
    model.partial_fit(X, y[:, 0])  # still continues from the trained weights
    assert model.n_iter_ == FAST["max_epochs"] + 1


def test_an_invalid_parameter_changes_nothing(windows):
    # scikit-learn's parameter validation runs before the fit starts
    X, y = windows
    model = AttentionForecaster(**FAST).fit(X, y)
    before = model.predict(X)
    model.set_params(dropout=2.0)
    with pytest.raises(ValueError, match="dropout"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)


# ------------------------------------------------------------------------------------------
# Prediction refuses windows the network was not built for (defence in depth)
# ------------------------------------------------------------------------------------------
def test_predictions_refuse_windows_the_network_was_not_built_for(windows, series):
    # Were the fitted state ever inconsistent again (n_features_in_ or n_channels_ not the
    # network's), the compiled kernels must not see the windows: they read out of bounds.
    X, y = windows
    model = AttentionForecaster(**FAST, loss="pinball").fit(X, y)
    model.n_features_in_ = 12  # as the failed fit of the audit left it
    width = re.escape("shape (12, 1) (time steps, channels), but the network was built for 24 "
                      "time step(s) and 1 channel(s)")
    for call in (lambda: model.predict(X[:2, :12]), lambda: model.predict_quantiles(X[:2, :12]),
                 lambda: model.attention_weights(X[:2, :12]), lambda: model.forecast(series, 3)):
        with pytest.raises(ValueError, match=width):
            call()
    model.n_features_in_, model.n_channels_ = 24, 2
    with pytest.raises(ValueError, match=re.escape("shape (24, 2) (time steps, channels), but "
                                                   "the network was built for 24 time step(s) "
                                                   "and 1 channel(s)")):
        model.predict(np.stack([X[:2], X[:2]], axis=2))


# ------------------------------------------------------------------------------------------
# forecast: future_covariates
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("future_covariates", ["garbage", np.zeros((6, 1)), np.zeros((6, 0))])
def test_forecast_refuses_future_covariates_without_covariates(windows, series,
                                                               future_covariates):
    # they were silently ignored; the baselines refuse them
    X, y = windows
    model = AttentionForecaster(**FAST).fit(X, y)
    for steps in (3, 12):  # within the horizon and past it
        with pytest.raises(ValueError, match="fitted without covariates.*future_covariates "
                                             "must be None"):
            model.forecast(series, steps, future_covariates=future_covariates)
    np.testing.assert_array_equal(model.forecast(series, 3, future_covariates=None),
                                  model.forecast(series, 3))


def test_forecast_with_covariates_reads_future_covariates_only_past_the_horizon(series):
    # unchanged: within the horizon they are not read, past it they are required and checked
    driver = np.random.default_rng(0).normal(size=series.size)
    X, y = make_windows(series, window=24, horizon=6, covariates=driver)
    model = AttentionForecaster(**FAST).fit(X, y)
    history = np.column_stack([series, driver])
    within = model.forecast(history, 6)
    with pytest.warns(UserWarning, match="future_covariates do not change a forecast"):
        given = model.forecast(history, 6, future_covariates=np.zeros((6, 1)))
    np.testing.assert_array_equal(given, within)
    with pytest.raises(ValueError, match="pass future_covariates"):
        model.forecast(history, 7)
    with pytest.raises(ValueError, match="future_covariates must have shape"):
        model.forecast(history, 7, future_covariates=np.zeros((6, 2)))
    past = model.forecast(history, 7, future_covariates=np.zeros((6, 1)))
    np.testing.assert_array_equal(past[:6], within)


def test_a_pickle_holds_the_weights_once_and_predicts_the_same(series):
    # the float64 copies and the packed weights for prediction were pickled too: the weights
    # three times (92 KB of weights, a 648 KB pickle; production trial, session 18). They are
    # made again at load, bitwise the same, and pickling leaves the model itself untouched.
    import pickle

    X, y = make_windows(series, window=24, horizon=6)
    model = AttentionForecaster(**{**FAST, "d_model": 32}).fit(X, y)
    weights = sum(value.nbytes for value in model.params_.values())  # float32
    blob = pickle.dumps(model)
    assert len(blob) < 3.3 * weights  # the weights and the optimiser's two moments
    assert hasattr(model, "_params64") and hasattr(model, "_inference_pack")
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.forecast(series, 12), model.forecast(series, 12))
    unfitted = pickle.loads(pickle.dumps(AttentionForecaster()))
    assert not hasattr(unfitted, "_params64")


def test_a_continued_fit_on_data_of_a_new_scale_is_warned_about_without_instance_norm():
    # normalize=False: the network reads the values in the first fit's scaling, and a day's data
    # at 100x the scale forecast 1.9x worse than a fresh fit, with no specific word (production
    # trial, session 18). With instance normalisation each window is read in its own units.
    from skattn.datasets import load_airline
    from skattn.exceptions import DataShiftWarning

    series = load_airline().series.astype(float)
    first, shifted, same = (make_windows(values, 36, 12) for values in
                            (series[:100], series[:-12] * 100, series[:-12]))
    for normalize in (False, True):
        model = AttentionForecaster(**{**FAST, "max_epochs": 2}, warm_start=True,
                                    normalize=normalize, patch_len=6).fit(*first)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(*same)  # the same series going on: no word
            model.fit(*shifted)
            model.partial_fit(*shifted)
        shifts = [w for w in caught if w.category is DataShiftWarning]
        assert len(shifts) == (0 if normalize else 2)
        if shifts:
            assert "channel 0 of the data of this continued fit has mean" in str(shifts[0].message)
            assert shifts[0].filename == __file__


def test_data_shift_is_not_said_of_channels_constant_now():
    # a constant covariate (refit on the same data), a holiday flag without a holiday in the
    # new windows: their spread is 0, and the first version warned (third review, session 18)
    from skattn.exceptions import DataShiftWarning

    rng = np.random.default_rng(0)
    target = 50 + np.cumsum(rng.normal(size=200))
    holiday = (np.arange(200) % 50 == 0).astype(float)
    for covariate in (np.full(200, 3.0), holiday):
        X, y = make_windows(target, 12, 2, covariates=covariate)
        model = AttentionForecaster(**FAST, warm_start=True, normalize=False).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataShiftWarning)
            model.fit(X, y)
            model.partial_fit(X[-10:], y[-10:])


def test_a_model_pickled_before_the_packed_weights_pickles_again(series):
    # __getstate__ deleted keys a model from before the inference pack did not have: KeyError
    # in pickle.dumps, copy.deepcopy and the shard workers' hand-off (third review, session 18)
    import copy
    import pickle

    X, y = make_windows(series, window=24, horizon=6)
    model = AttentionForecaster(**FAST).fit(X, y)
    del model._inference_pack
    again = pickle.loads(pickle.dumps(copy.deepcopy(model)))
    # loaded, it predicts through the packed weights again: the same to rounding
    np.testing.assert_allclose(again.predict(X), model.predict(X), rtol=1e-12)
