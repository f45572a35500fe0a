"""scikit-learn's own estimator checks over AttentionForecaster with its DEFAULT parameters."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import AttentionForecaster

# The one check the defaults cannot pass, and why. Weighting a window equals repeating it in the
# loss, the global scaling and early stopping (tests/test_sample_weight.py), but the defaults
# train in float32 with dropout: the repeated fit draws a dropout mask for each copy of a window
# and rounds its sums in another order, so the two models agree in expectation, not to the
# check's rtol of 1e-7 (predictions 0.07 apart here). In float64 without dropout the same check
# passes (tests/test_sample_weight.py runs it), as scikit-learn runs it on MLPRegressor with
# settings of its own.
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data":
        "float32 training with dropout: a repeated window draws its own dropout masks; "
        "equivalent in expectation, exact to rounding in float64 without dropout",
}


@parametrize_with_checks([AttentionForecaster()],
                         expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_no_tags_weaken_the_checks():
    tags = AttentionForecaster().__sklearn_tags__()
    assert tags.regressor_tags.poor_score is False
    assert tags.non_deterministic is False
    assert tags.input_tags.allow_nan is False
    assert tags._skip_test is False
