"""Every page the README and docs/ point to exists, and every page of docs/ is named in the README."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _targets(page):
    text = page.read_text()
    # [text](relative/path.md#anchor) links, and plain mentions such as docs/benchmarks.md
    linked = [(page.parent / target).resolve()
              for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text)]
    named = [(ROOT / name).resolve() for name in re.findall(r"(?<![\w/])(docs/\w+\.md)", text)]
    return linked + named


def test_every_page_pointed_to_exists():
    broken = [f"{page.relative_to(ROOT)} -> {target}" for page in PAGES
              for target in _targets(page) if not target.is_file()]
    assert not broken, broken


def test_every_docs_page_is_named_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    unnamed = [page.name for page in PAGES[1:] if f"docs/{page.name}" not in readme]
    assert not unnamed, unnamed
