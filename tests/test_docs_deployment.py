"""docs/deployment.md's blocks run as written, in order, and show what the page says."""
import re
import subprocess
import warnings

import joblib
import numpy as np
from docs_pages import DOCS, run_page

from skattn import AttentionForecaster, make_windows


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


# --- the page's claims that its blocks do not print (review, session 21) ------------------------

PAGE = (DOCS / "deployment.md").read_text()


def _prose(text):
    return " ".join(text.split())


def _file_backed(array):
    """Whether ``array`` reads its values from a memory-mapped file (a np.memmap of its own, or
    a view of one): ``astype`` of a map returns a np.memmap class of private memory."""
    while isinstance(array, np.ndarray):
        if isinstance(array, np.memmap) and getattr(array, "_mmap", None) is not None:
            return True
        array = array.base
    return False


def test_the_page_says_memory_mapping_shares_the_stored_arrays_not_the_prediction_weights(
        tmp_path):
    # the page said worker processes share a mapped model's pages; each builds private float64
    # prediction copies at load (review, session 21)
    t = np.arange(80)
    series = 10 + np.sin(2 * np.pi * t / 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(patch_len=4, d_model=8, max_epochs=1, random_state=0).fit(
            *make_windows(series, 12, 3))
    joblib.dump(model, tmp_path / "model.joblib")
    mapped = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    moments = [*mapped._optimizer.first_moment.values(), *mapped._optimizer.second_moment.values()]
    assert all(_file_backed(value) for value in [*mapped.params_.values(), *moments])
    assert not any(_file_backed(value) for value in mapped._params64.values())
    assert not _file_backed(mapped._inference_pack.flat)
    shared = sum(value.nbytes for value in [*mapped.params_.values(), *moments])
    private = (sum(value.nbytes for value in mapped._params64.values())
               + mapped._inference_pack.flat.nbytes)
    assert private > shared  # per float32 weight: 12 bytes mapped (weight, moments), 16 private
    prose = _prose(PAGE)
    assert "share its pages in the OS cache" not in prose
    assert "The prediction weights are not shared" in prose
    assert "mapped 838 kB (weights 279 kB, moments 559 kB) and held 1.12 MB privately" in prose


def test_the_container_start_command_copies_the_cache_into_an_existing_directory(tmp_path):
    # "cp -r /opt/numba-cache /tmp/numba-cache" copied into /tmp/numba-cache/numba-cache when
    # the target existed (a mounted volume, a restart), where Numba never looks
    block = re.search(r"```sh\n(.*?)```", PAGE, flags=re.S).group(1)
    start = block[block.index("# container start"):].split("\n", 1)[1].replace("\\\n", " ")
    command = start.replace("/opt/numba-cache", str(tmp_path / "opt" / "numba-cache")).replace(
        "/tmp/numba-cache", str(tmp_path / "tmp" / "numba-cache"))
    built = tmp_path / "opt" / "numba-cache" / "skattn_nn"
    built.mkdir(parents=True)
    (built / "kernel.nbi").write_text("index")
    (tmp_path / "tmp" / "numba-cache").mkdir(parents=True)  # the volume exists
    for _ in range(2):  # and a restart copies again
        result = subprocess.run(["bash", "-c", command + '\necho "$NUMBA_CACHE_DIR"'],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    copied = sorted(str(path.relative_to(tmp_path / "tmp")) for path in
                    (tmp_path / "tmp").rglob("*"))
    assert copied == ["numba-cache", "numba-cache/skattn_nn", "numba-cache/skattn_nn/kernel.nbi"]
    assert result.stdout.strip() == str(tmp_path / "tmp" / "numba-cache")


def test_the_page_says_for_which_models_last_windows_is_bitwise():
    prose = _prose(PAGE)
    assert "is bitwise `forecast(series[i], steps)`" not in prose
    assert ("bitwise the same for an `AttentionForecaster` with dot-product attention (the "
            "default) or gated attention") in prose
    assert "With additive or cosine attention, and for scikit-learn regressors" in prose
    assert "agree to rounding" in prose and "returns a 1-D array" in prose
