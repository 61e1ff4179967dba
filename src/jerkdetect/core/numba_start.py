"""Numba's start-up without SciPy's linear algebra.

At its first kernel load (typing registries set up), Numba imports ``numba.np.arraymath``, which
checks that a BLAS is there by importing ``scipy.linalg`` (its whole package: ~0.1 s and ~15 MB
of resident memory in a fresh command). No jerkdetect kernel uses BLAS, and SciPy, which provides
it, is a dependency of jerkdetect. :func:`defer_blas_check` lets that one import of
``numba.np.arraymath`` skip the check; Numba still runs it (and imports ``scipy.linalg``) when a
kernel in the process uses ``np.dot`` or ``np.linalg``, since each of those checks again when it
is compiled. Where Numba's internals differ from what is expected here, nothing is changed.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

TARGET = "numba.np.arraymath"


def _blas_deferred() -> None:
    """Stands in for ``numba.np.linalg.ensure_blas`` while ``numba.np.arraymath`` is imported."""


class _Loader(importlib.abc.Loader):
    """``numba.np.arraymath``'s own loader, run with the BLAS check deferred."""

    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        try:
            import numba.np.linalg as linalg
            real = linalg.ensure_blas
        except (ImportError, AttributeError):  # another Numba: import as it is
            self.inner.exec_module(module)
            return
        linalg.ensure_blas = _blas_deferred
        try:
            self.inner.exec_module(module)
        finally:
            linalg.ensure_blas = real
            if getattr(module, "ensure_blas", None) is _blas_deferred:
                module.ensure_blas = real

    def __getattr__(self, name):  # get_source, resources...: the real loader's
        return getattr(self.inner, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``numba.np.arraymath`` once, as the path finder does, and wraps its loader."""

    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        uninstall()
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


_finder = _Finder()


def defer_blas_check() -> None:
    """Have Numba's next set-up skip its BLAS check (see the module docstring); a no-op when
    Numba has set up already. Costs nothing until Numba loads its first kernel."""
    if TARGET not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
