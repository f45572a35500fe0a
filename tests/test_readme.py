"""The README's example runs as written."""
import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    pytest.importorskip("statsforecast")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(blocks[0], "README.md", "exec"), namespace)
    table = namespace["table"]
    assert set(table["model"]) == {"attention", "ets"}
    assert all(value > 0 for value in table["smape"])


def test_readme_test_command_is_the_one_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.startswith("python -m pytest")]
    assert len(commands) == 1, commands
    assert f"/bin/{commands[0]}" in README.read_text()  # .venv/bin/python -m pytest ...


def test_readme_ensemble_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(blocks[1], "README.md", "exec"), namespace)
    forecast = namespace["model"].forecast(namespace["series"][:-12], steps=12)
    assert forecast.shape == (12,) and forecast.min() > 0  # airline passengers are positive


def test_readme_names_the_python_pyproject_requires():
    # the README said 3.10+ while only 3.11 was tested, and 3.10's datetime.fromisoformat read
    # no "...Z" time of a CSV (install trial, session 32)
    pyproject = (README.parent / "pyproject.toml").read_text()
    required = re.search(r'^requires-python = ">=(3\.\d+)"$', pyproject, flags=re.M).group(1)
    assert f"Python {required}+" in README.read_text()
