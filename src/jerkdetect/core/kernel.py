"""Compiled kernels: ahead-of-time where ``jerkdetect compile`` built them, Numba's JIT otherwise.

Every kernel of the library is a plain Python function decorated with :func:`kernel`. Numba
compiles it on first use (``cache=True``: later processes load it from Numba's cache), which
means every fresh process imports Numba (~0.3-0.5 s, ~90 MB) and loads each kernel from the
cache (~0.3 s for a night). ``jerkdetect compile`` (:mod:`jerkdetect.cli.kernel_build`)
compiles the same functions, for the argument types the cache has seen, into one extension
module with Numba's ahead-of-time compiler; a process that finds it fresh calls it directly and
never imports Numba. The machine code is Numba's in both cases (same source, same LLVM, no
fast-math), so results are identical bit for bit; a test compares them on whole nights.

The extension is used only while it matches this process: the manifest beside it records a
hash of every source file of the package, the Python, NumPy and Numba versions and the platform
it was built with, and, for a build tuned to the host CPU, a hash of the CPU's feature flags.
Arguments of a type no entry takes (an array may go to an entry for any strides or a read-only
one, as Numba's JIT would run it), a stale or missing build, a ``parallel=True`` kernel, or
``JERKDETECT_AOT=0`` in the environment all take Numba's JIT path, as before.

Examples
--------
>>> import numpy as np
>>> from jerkdetect.core.kernel import kernel
>>> @kernel(cache=False)  # cache=False: a function typed in a session has no file to cache for
... def total(x):
...     s = 0.0
...     for v in x:
...         s += v
...     return s
>>> total(np.arange(4.0))
6.0
>>> float(total.py_func(np.arange(4.0)))  # the plain-Python function, as written
6.0
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading

from .version import dist_version

FORMAT = 1
MANIFEST = "kernels.json"
ENV_SWITCH = "JERKDETECT_AOT"  # "0": always Numba's JIT
ENV_DIR = "JERKDETECT_AOT_DIR"  # where the build is written and looked for, instead of the defaults
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_lock = threading.RLock()
_registry: dict[str, "Kernel"] = {}
_aot_state: dict = {}  # "tables": {kernel key: {argument code: function}}, or "why": reason not used


def kernel(fn=None, **jit_options):
    """Decorate a kernel: ``@kernel`` or ``@kernel(parallel=True)``.

    ``jit_options`` go to ``numba.njit`` besides ``cache=True, nogil=True``. A kernel with
    ``parallel=True`` always runs through Numba's JIT (its parallel loops need Numba's
    threading layer); its module sets ``prange = range``, which becomes ``numba.prange`` when
    the kernel is compiled (and stays a plain loop in ``py_func``).
    """
    if fn is None:
        return lambda f: Kernel(f, jit_options)
    return Kernel(fn, jit_options)


class Kernel:
    """A kernel: called like the function, dispatched to the ahead-of-time build or to Numba.

    ``py_func`` is the plain Python function; ``jit`` the Numba dispatcher (imports Numba).
    """

    def __init__(self, fn, jit_options: dict) -> None:
        self.py_func = fn
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__module__ = fn.__module__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self.key = f"{fn.__module__}.{fn.__qualname__}"
        self.jit_options = {"cache": True, "nogil": True, **jit_options}
        self.aot_capable = not jit_options.get("parallel", False)
        # Omitted trailing arguments are passed as their defaults: one signature either way
        self._nparams = fn.__code__.co_argcount
        self._defaults = tuple(fn.__defaults__ or ())
        self._first_default = self._nparams - len(self._defaults)
        self._dispatcher = None
        self._table: dict | None = None
        self._call = self._first_call
        _registry[self.key] = self

    def __repr__(self) -> str:
        return f"<jerkdetect kernel {self.key}>"

    def __reduce__(self):  # pickled by name, as a function is (e.g. sent to a Dask worker)
        return (_registered, (self.__module__, self.__qualname__))

    def __call__(self, *args):
        if len(args) < self._nparams and len(args) >= self._first_default:
            args += self._defaults[len(args) - self._first_default:]
        return self._call(*args)

    @property
    def jit(self):
        """The Numba dispatcher of this kernel (created on first use; imports Numba)."""
        if self._dispatcher is None:
            with _lock:
                if self._dispatcher is None:
                    numba = _numba()
                    if self.jit_options.get("parallel") and self.py_func.__globals__.get("prange") is range:
                        self.py_func.__globals__["prange"] = numba.prange  # the loop Numba splits
                    self._dispatcher = numba.njit(**self.jit_options)(self.py_func)
        return self._dispatcher

    def _first_call(self, *args):
        with _lock:
            if self._call == self._first_call:
                self._table = aot_table(self.key) if self.aot_capable else None
                self._call = self._aot_call if self._table else self.jit
        return self._call(*args)

    def _aot_call(self, *args):
        key = tuple(map(argument_code, args))
        f = self._table.get(key)
        if f is None:
            f = self._compatible_entry(key)
            if f is None:
                _say_once(self.key)
                return self.jit(*args)
        return f(*args)

    def _compatible_entry(self, key: tuple):
        """An entry that takes these arguments as they are, as Numba's JIT would run them: an
        array may go where the entry reads any strides ('A' layout) or only reads it (read-only);
        dtypes, dimensions and scalars must match. Remembered for the next call."""
        if None in key:
            return None
        for entry, f in list(self._table.items()):
            if len(entry) == len(key) and all(map(_takes, entry, key)):
                with _lock:
                    self._table = {**self._table, key: f}  # a new dict: other threads read the old one
                return f
        return None

    @property
    def _numba_type_(self):
        """Numba's type of this kernel where another kernel calls it: its dispatcher's."""
        return self.jit._numba_type_

    @property
    def uses_aot(self) -> bool:
        """True when this process calls the ahead-of-time build for (some of) its arguments."""
        return bool(self.aot_capable and aot_table(self.key))


def _takes(entry, arg) -> bool:
    """Whether an entry's argument type takes an argument of code ``arg`` (see ``_compatible_entry``)."""
    if entry == arg:
        return True
    if not (isinstance(entry, tuple) and isinstance(arg, tuple)) or entry[:2] != arg[:2]:
        return False
    (layout, writeable, aligned), (a_layout, a_writeable, a_aligned) = entry[2], arg[2]
    return (layout in ("A", a_layout) and (writeable == a_writeable or not writeable)
            and aligned == a_aligned)


_said: set[str] = set()


def _say_once(key: str) -> None:
    if key not in _said:
        _said.add(key)
        from .log import logger
        logger.info("jerkdetect: %s: argument types not in the ahead-of-time build, Numba's JIT "
                    "(`jerkdetect compile` again adds them)", key)


def _registered(module: str, qualname: str) -> Kernel:
    importlib.import_module(module)
    return _registry[f"{module}.{qualname}"]


def registered() -> dict[str, Kernel]:
    """Every kernel defined so far (imported modules only), by ``module.qualname``."""
    return dict(_registry)


# --------------------------------------------------------------------------- argument types

# NumPy's flag bits: C- and F-contiguous, aligned, writeable
_C, _F, _ALIGNED, _WRITEABLE = 0x1, 0x2, 0x100, 0x400
_FLAG_BITS = _C | _F | _ALIGNED | _WRITEABLE
_FLAGS = {bits: ("C" if bits & _C else ("F" if bits & _F else "A"), bool(bits & _WRITEABLE), bool(bits & _ALIGNED))
          for bits in range(_FLAG_BITS + 1) if not bits & ~_FLAG_BITS}
_scalar_codes: dict = {}


def argument_code(a):
    """What selects an ahead-of-time entry: the argument's type as Numba's ``typeof`` sees it.

    Arrays: (dtype, ndim, (layout, writeable, aligned)); scalars: their Numba type's name;
    anything else (tuples, None, byte-swapped arrays...) ``None``, which no entry has. Two dict
    lookups per argument: this runs at every call of a kernel (a night makes ~2,500).
    """
    if type(a) is _ndarray():
        return (a.dtype, a.ndim, _FLAGS[a.flags.num & _FLAG_BITS]) if a.dtype.isnative else None
    if not _scalar_codes:
        _fill_scalar_codes()
    return _scalar_codes.get(type(a))


def _fill_scalar_codes() -> None:
    import numpy as np
    for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
              np.float32, np.float64, np.complex64, np.complex128):
        _scalar_codes[t] = np.dtype(t).name
    _scalar_codes.update({int: "int64", float: "float64", bool: "bool", complex: "complex128"})


def entry_code(code):
    """A manifest's argument code (JSON: names and lists) as :func:`argument_code` returns it."""
    if isinstance(code, list):
        import numpy as np
        dtype, ndim, layout, writeable, aligned = code
        return (np.dtype(dtype), ndim, (layout, writeable, aligned))
    return code


def numba_type_code(ty):
    """The manifest's code of the values Numba types as ``ty`` (:func:`entry_code` turns it into
    :func:`argument_code`'s); ``None`` for types not exported."""
    from numba.core import types
    scalar = (types.Integer, types.Float, types.Complex, types.Boolean)
    if isinstance(ty, types.Array):
        if not isinstance(ty.dtype, scalar):
            return None
        return [ty.dtype.name, ty.ndim, ty.layout, bool(ty.mutable), bool(ty.aligned)]
    if isinstance(ty, scalar):
        return ty.name
    return None


_ndarray_type: list = []


def _ndarray():
    if not _ndarray_type:
        import numpy as np
        _ndarray_type.append(np.ndarray)
    return _ndarray_type[0]


# --------------------------------------------------------------------------- the build on disk

def aot_dirs() -> list[str]:
    """Where ``jerkdetect compile`` writes and a process looks, in order: ``JERKDETECT_AOT_DIR``,
    else ``NUMBA_CACHE_DIR/jerkdetect_aot`` (beside Numba's own cache), else the package's
    ``__pycache__/aot``, else the user's cache directory."""
    if os.environ.get(ENV_DIR):
        return [os.environ[ENV_DIR]]
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if cache:
        return [os.path.join(cache, "jerkdetect_aot")]
    user = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(_PACKAGE_DIR, "__pycache__", "aot"), os.path.join(user, "jerkdetect", "aot")]


def tree_digest() -> str:
    """SHA-256 over every ``.py`` file of the package (path and content), sorted by path."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(_PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                h.update(os.path.relpath(path, _PACKAGE_DIR).encode())
                with open(path, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def build_stamp() -> dict:
    """What a build must match besides the sources: Python, NumPy and Numba versions, platform."""
    return {"python": list(sys.version_info[:2]), "platform": sys.platform,
            "ext": importlib.machinery.EXTENSION_SUFFIXES[0], "numpy": dist_version("numpy"),
            "numba": dist_version("numba")}


def cpu_fingerprint() -> str | None:
    """A hash of this CPU's instruction-set features (Linux: the ``flags`` line of /proc/cpuinfo),
    or None where there is none to read. A build tuned for the host CPU runs only where it matches."""
    machine = os.uname().machine if hasattr(os, "uname") else ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return hashlib.sha256((machine + line.strip()).encode()).hexdigest()[:16]
    except OSError:
        pass
    return None


def aot_table(key: str) -> dict | None:
    """The ahead-of-time entries of kernel ``key`` ({argument codes: function}), or None."""
    return _loaded().get("tables", {}).get(key)


def aot_in_use() -> bool:
    """Whether this process calls an ahead-of-time build (looked for on the first question)."""
    return "tables" in _loaded()


def aot_status() -> str:
    """One line: whether this process uses an ahead-of-time build, and if not, why."""
    state = _loaded()
    return state.get("why") or f"ahead-of-time kernels from {state['path']}"


def _loaded() -> dict:
    """The build this process uses (looked for once): ``_aot_state``."""
    with _lock:
        if "tables" not in _aot_state and "why" not in _aot_state:
            _load()
        return _aot_state


def force_jit(on: bool) -> None:
    """Have this process use Numba's JIT for every kernel (``on``), or look for a build again."""
    reset()
    if on:
        _aot_state["why"] = "JIT forced (jerkdetect compile): Numba's JIT"


def reset() -> None:
    """Forget the loaded build (tests, and ``jerkdetect compile`` before it checks its own)."""
    with _lock:
        _aot_state.clear()
        for k in _registry.values():
            k._table = None
            k._call = k._first_call


def _load() -> None:
    """Use the first build that matches this process; else say why none does (logged once)."""
    if os.environ.get(ENV_SWITCH, "1") == "0":
        _aot_state["why"] = f"{ENV_SWITCH}=0: Numba's JIT"
        return
    reasons = []
    for d in aot_dirs():
        manifest = os.path.join(d, MANIFEST)
        if not os.path.exists(manifest):
            continue
        try:
            with open(manifest, encoding="utf-8") as f:
                m = json.load(f)
            why = _stale(m)
            if why is None:
                _aot_state["tables"] = _tables(m, os.path.join(d, m["file"]))
                _aot_state["path"] = os.path.join(d, m["file"])
                return
        except (OSError, ValueError, KeyError, TypeError, ImportError) as e:
            why = f"unreadable ({type(e).__name__}: {e})"
        reasons.append(f"the build in {d} is {why}" if why.startswith("built") or why.startswith("tuned")
                       else f"the build in {d} is not used ({why})")
    if not reasons:
        _aot_state["why"] = "no ahead-of-time build (run `jerkdetect compile`): Numba's JIT"
        return
    _aot_state["why"] = "; ".join(reasons) + ": Numba's JIT"
    from .log import logger
    logger.info("jerkdetect: %s", _aot_state["why"])


def _stale(m: dict) -> str | None:
    if m.get("format") != FORMAT:
        return "another format"
    stamp = build_stamp()
    for k, v in stamp.items():
        if m.get(k) != v:
            return f"built for {k} {m.get(k)}, this is {v}"
    if m.get("target_cpu") != "generic" and m.get("cpu") != cpu_fingerprint():
        return "tuned for another CPU"
    if m.get("sources") != tree_digest():
        return "built from other sources (run `jerkdetect compile` again)"
    return None


def _tables(m: dict, path: str) -> dict:
    spec = importlib.util.spec_from_file_location(m["module"], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out: dict = {}
    for key, entries in m["kernels"].items():
        out[key] = {tuple(entry_code(c) for c in codes): getattr(mod, sym) for codes, sym in entries}
    return out


def _numba():
    from .numba_start import defer_blas_check
    defer_blas_check()
    import numba
    return numba
