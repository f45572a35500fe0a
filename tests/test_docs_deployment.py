"""docs/deployment.md's blocks run as written, in order, and show what the page says."""
import re

from docs_pages import run_page


def test_the_deployment_page_runs_and_its_claims_hold(capsys):
    namespace = run_page("deployment.md", 6)
    printed = capsys.readouterr().out
    # saved, loaded and memory-mapped models forecast bitwise the same
    assert printed.count("memory-mapped forecasts bitwise the same: True") == 2
    # last_windows + predict is the forecast loop, bitwise, for a model and an ensemble
    assert len(re.findall(r"series, forecast loop .* bitwise the same: True", printed)) == 2
    assert len(namespace["series"]) == 500
    # a daily update continues the model: one more epoch, more optimiser steps, same scaling
    model, updated = namespace["model"], namespace["updated"]
    assert updated.n_iter_ == model.n_iter_ + 1 and updated.t_ > model.t_
    assert "scaling kept: True" in printed
    assert "on 4 threads: 0 mismatches" in printed
    assert "random_state=0 forecasts bitwise the same: True" in printed
