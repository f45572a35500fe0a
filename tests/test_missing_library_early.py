"""A model whose optional library is missing is named before anything trains (core-only trial,
session 26): ``backtest`` and ``ForecastEnsemble`` met statsforecast's absence at the baseline's
first fit, after every model listed before it had trained (on a real panel, minutes)."""
import re
import sys

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skattn import DeseasonalizedForecaster, ForecastEnsemble, LastSteps, make_windows
from skattn.baselines import ETSForecaster, NaiveForecaster, ThetaForecaster
from skattn.model_selection import PredictForecaster, backtest

HINT = re.escape('needs the statsforecast library, which is not installed: '
                 'pip install "skattn[baselines]"')


class RecordingRidge(Ridge):
    """A Ridge that records its fits, to see what trained before the error."""

    fits = []

    def fit(self, X, y, sample_weight=None):
        RecordingRidge.fits.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture
def without_statsforecast(monkeypatch):
    for name in [m for m in sys.modules if m == "statsforecast" or m.startswith("statsforecast.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # `import statsforecast` fails
    RecordingRidge.fits = []


def _series():
    return [10.0 + np.sin(np.arange(80) / 2.0) + 0.1 * k for k in range(3)]


@pytest.mark.parametrize("late", [
    ETSForecaster(),
    DeseasonalizedForecaster(ThetaForecaster(), season_length=4),
    make_pipeline(LastSteps(12), ThetaForecaster()),
    PredictForecaster(GridSearchCV(ETSForecaster(), {"season_length": [1, 4]}, cv=2)),
    ForecastEnsemble([("naive", NaiveForecaster()), ("ets", ETSForecaster())]),
], ids=["baseline", "seasonal-wrapper", "pipeline", "search", "ensemble"])
def test_backtest_names_the_model_before_any_training(without_statsforecast, late):
    models = {"ridge": PredictForecaster(RecordingRidge()), "late": late}
    with pytest.raises(ImportError, match=r"model 'late': .*" + HINT):
        backtest(models, _series(), horizon=4, window=16, n_origins=2)
    assert RecordingRidge.fits == []


def test_the_ensemble_names_the_member_before_any_member_trains(without_statsforecast):
    X, y = make_windows(_series(), window=16, horizon=4)
    ensemble = ForecastEnsemble([("ridge", RecordingRidge()),
                                 ("theta", make_pipeline(LastSteps(12), ThetaForecaster()))])
    with pytest.raises(ImportError, match=r"member 'theta' \(Pipeline\): .*" + HINT):
        ensemble.fit(X, y)
    assert RecordingRidge.fits == []
    # dropped members and the NumPy baselines need nothing
    ForecastEnsemble([("ridge", RecordingRidge()), ("naive", NaiveForecaster()),
                      ("theta", "drop")]).fit(X, y)
    backtest({"naive": NaiveForecaster()}, _series(), horizon=4, window=16)
