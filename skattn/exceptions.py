"""The warnings skattn raises, in one place (as ``sklearn.exceptions`` holds scikit-learn's).

Filter them by class, e.g. ``warnings.simplefilter("error", OutlierScaleWarning)``. Bad input is
a ValueError, never a warning; scikit-learn's ``ConvergenceWarning`` is used as it is.
"""

__all__ = ["BaselineFallbackWarning", "OutlierScaleWarning"]


class BaselineFallbackWarning(UserWarning):
    """The forecasting library failed on some windows; they got the fallback forecast."""


class OutlierScaleWarning(UserWarning):
    """A few extreme training values dominate :class:`~skattn.AttentionForecaster`'s global scaling.

    The std of every channel sets its scale, and instance normalisation's epsilon is relative to
    it: when one outlier (an entry error, a sentinel such as 999999) makes that std far larger
    than the ordinary windows' spread, they are barely normalised and their forecasts are
    distorted. Cleaning the data removes the cause; the warning does not change the fit.
    """
