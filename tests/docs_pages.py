"""Running the python blocks of a page of docs/ as written, in order (its tests check them)."""
import re
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def run_page(name, n_blocks):
    """The namespace after every python block of ``docs/name`` ran, in order; the page must hold
    ``n_blocks`` of them (a block added or lost is then noticed). Warnings are ignored: the pages
    train for a few epochs (ConvergenceWarning)."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)
    assert len(blocks) == n_blocks
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, block in enumerate(blocks):
            exec(compile(block, f"docs/{name}, block {number + 1}", "exec"), namespace)
    return namespace
