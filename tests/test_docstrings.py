"""Every docstring example of the library runs and shows what it says (numpydoc ``Examples``)."""
import doctest
import importlib
import pkgutil
import warnings

import pytest

import jerkdetect

MODULES = sorted(m.name for m in pkgutil.walk_packages(jerkdetect.__path__, "jerkdetect.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} docstring examples failed"
