"""scikit-learn's own estimator checks over AttentionForecaster with its DEFAULT parameters."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from skattn import AttentionForecaster


@parametrize_with_checks([AttentionForecaster()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_no_tags_weaken_the_checks():
    tags = AttentionForecaster().__sklearn_tags__()
    assert tags.regressor_tags.poor_score is False
    assert tags.non_deterministic is False
    assert tags.input_tags.allow_nan is False
    assert tags._skip_test is False
