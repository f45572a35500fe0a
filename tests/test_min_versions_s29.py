"""What the package itself must do at its lower bounds (minimum-versions trial, session 29)."""
import inspect

import numpy as np
import pytest
import sklearn.utils.validation as sklearn_validation

from skattn import AttentionForecaster, make_windows
from skattn.metrics import coverage, mae


def _check_sample_weight_before_1_9(sample_weight, X, **kwargs):
    # scikit-learn before 1.9 took weights that are all 0 (as its allow_all_zero_weights=True
    # does from 1.9 on; before, the argument does not exist)
    if "allow_all_zero_weights" in inspect.signature(_ORIGINAL).parameters:
        kwargs["allow_all_zero_weights"] = True
    return _ORIGINAL(sample_weight, X, **kwargs)


_ORIGINAL = sklearn_validation._check_sample_weight


def test_weights_that_are_all_zero_are_refused_whatever_scikit_learn_checks(monkeypatch):
    # with scikit-learn 1.6-1.8 the interval metrics returned 0.0 and a fit failed with an
    # IndexError: the refusal is the package's own now, in scikit-learn's words
    import skattn._validation
    import skattn.forecaster
    import skattn.metrics

    for module in (sklearn_validation, skattn._validation, skattn.forecaster, skattn.metrics):
        # where scikit-learn's check is looked up (the modules imported it by name before)
        monkeypatch.setattr(module, "_check_sample_weight", _check_sample_weight_before_1_9,
                            raising=module is sklearn_validation)
    zeros = [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        mae([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], sample_weight=zeros)
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        coverage([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 4.0, 4.0], sample_weight=zeros)
    X, y = make_windows(np.arange(40.0), window=8, horizon=2)
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        AttentionForecaster(d_model=8, max_epochs=1).fit(X, y, sample_weight=np.zeros(len(X)))
