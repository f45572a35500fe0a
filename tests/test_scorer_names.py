"""The package's scorers are shown by the names a user reaches them by (user trial, session 26):
scikit-learn's repr named the private function each wraps (``make_scorer(_mae_of_observed,
...)``), also in the routing error that asks for ``set_score_request`` on it."""
import copy
import pickle

import numpy as np
import pytest
import sklearn
from sklearn import __version__ as sklearn_version
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_validate
from sklearn.utils.fixes import parse_version

import skattn.metrics as metrics
from skattn import make_windows


@pytest.mark.parametrize("name", ["neg_mae_scorer", "neg_rmse_scorer", "neg_smape_scorer"])
def test_module_level_scorers_show_their_names_also_copied_and_pickled(name):
    scorer = getattr(metrics, name)
    assert repr(scorer) == name
    assert repr(copy.deepcopy(scorer)) == name
    assert repr(pickle.loads(pickle.dumps(scorer))) == name


def test_the_scorers_dictionary_and_a_new_smape_scorer_show_how_to_make_them():
    assert repr(metrics.make_smape_scorer()) == "make_smape_scorer()"
    assert repr(metrics.SCORERS) == ("{'neg_mae': neg_mae_scorer, 'neg_rmse': neg_rmse_scorer, "
                                     "'neg_smape': neg_smape_scorer, "
                                     "'neg_mase': make_mase_scorer(season_length=1)}")


@pytest.mark.skipif(
    parse_version(sklearn_version).release < (1, 9),
    reason="scikit-learn's own scorers refuse unrequested routed weights from 1.9 on; before, "
           "they take them, as skattn's do (minimum-versions trial, session 29)")
def test_the_routing_error_names_the_scorer_to_call_set_score_request_on():
    X, y = make_windows(np.sin(np.arange(100.0)) + 3.0, window=10)
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError,
                           match=r"for neg_mae_scorer\.score.*neg_mae_scorer\.set_score_request"):
            cross_validate(Ridge().set_fit_request(sample_weight=True), X, y,
                           scoring=metrics.neg_mae_scorer,
                           params={"sample_weight": np.ones(len(X))})


def test_a_scorer_pickled_before_the_names_still_shows_itself():
    # an older pickle's scorer has no _name: repr raised AttributeError (review, session 26),
    # e.g. inside the repr of a search that holds it
    old = copy.deepcopy(metrics.neg_mae_scorer)
    del old.__dict__["_name"]
    assert repr(pickle.loads(pickle.dumps(old))).startswith("make_scorer(_mae_of_observed")
