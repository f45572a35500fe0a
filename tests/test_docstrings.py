"""The Examples in skattn's docstrings run, and print what they say they print.

The README's test command is plain ``pytest`` over ``tests/``, which does not collect doctests, so
until session 15 nothing checked them. Each module's examples are one test here.
"""
import doctest
import importlib
import pkgutil
import warnings

import pytest

import skattn


def _module_names():
    names = ["skattn"]
    for info in pkgutil.walk_packages(skattn.__path__, prefix="skattn."):
        names.append(info.name)
    return sorted(names)


def _modules_with_examples():
    finder = doctest.DocTestFinder()
    with_examples = []
    for name in _module_names():
        module = importlib.import_module(name)
        # only the module's own objects: a re-exported function is tested where it is defined
        if any(test.examples for test in finder.find(module, name)
               if getattr(test, "filename", None) == getattr(module, "__file__", None)):
            with_examples.append(name)
    return with_examples


MODULES_WITH_EXAMPLES = _modules_with_examples()


def test_some_modules_have_examples():
    # guards the collection itself: a finder that found nothing would pass every test below
    assert {"skattn.forecaster", "skattn.recipes", "skattn.windows"} <= set(MODULES_WITH_EXAMPLES)


@pytest.mark.parametrize("module_name", MODULES_WITH_EXAMPLES)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        # the examples train for a few epochs only, on purpose: ConvergenceWarning is expected
        warnings.simplefilter("ignore")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                 verbose=False, report=True)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {module_name} failed"
