"""The scripts in benchmarks/ still start on the current code (they are not run by the suite).

A helper ran every script on session 30's code: ``baseline_units.py --help`` loaded all of M3 and
then raised a KeyError, and every member of ``m3_soft.py`` failed at its first fit (an
AttributeError since the parent class began to read two attributes in ``fit``). Here each
script's ``--help`` runs, in one interpreter (each script alone costs ~3 s of imports), and the
soft member fits a few windows. No data is loaded and nothing is measured.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# torch_twin.py has no command line and imports PyTorch, which the test extra does not install
SCRIPTS = sorted(path.name for path in BENCHMARKS.glob("*.py") if path.name != "torch_twin.py")

RUN_EACH_HELP = r"""
import contextlib, io, runpy, sys
folder, names, failed = sys.argv[1], sys.argv[2:], []
for name in names:
    path = f"{folder}/{name}"
    sys.argv[:] = [path, "--help"]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            failed.append(f"{name}: exit {exc.code}")
    except BaseException as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("FAILED" if failed else "ok", *failed, sep="\n")
"""


def test_every_script_answers_help():
    pytest.importorskip("statsforecast")
    assert len(SCRIPTS) >= 10, SCRIPTS
    done = subprocess.run([sys.executable, "-c", RUN_EACH_HELP, str(BENCHMARKS), *SCRIPTS],
                          capture_output=True, text=True, timeout=300, cwd=BENCHMARKS)
    assert done.stdout.strip() == "ok", done.stdout + done.stderr


def test_the_soft_adjustment_of_m3_soft_fits_and_forecasts(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from m3_soft import SoftDeseasonalizedForecaster

    from skattn import AttentionForecaster, make_windows

    t = np.arange(120)
    series = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t
    X, y = make_windows(series, 36, 3)
    model = SoftDeseasonalizedForecaster(
        AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=1, random_state=0),
        season_length=12).fit(X, y)
    forecast = model.forecast(series, 3)
    assert forecast.shape == (3,) and np.all(np.isfinite(forecast))
