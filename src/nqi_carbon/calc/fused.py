"""When the compiled (numba) record loops are used instead of the numpy passes.

The ``fast`` extra (``pip install "nqi-carbon[fast]"``) installs numba. Its kernels
(:mod:`nqi_carbon.calc._numba_kernels`) fuse passes over the records that numpy makes
one by one — the exact per-source sums of the calculation, and the per-record Monte Carlo
draws scaled and added per source — and give the same bits as the numpy path: the exact
sums are integer sums on a power-of-two grid (any order gives the same result), and the
Monte Carlo draws come from the same generator in the same order and are added in the
order numpy adds them (tests/test_fused.py compares both paths).

Which path runs is decided per call by :func:`wanted`:

* ``NQI_CARBON_KERNELS=numpy``: always numpy (numba is never imported);
* ``NQI_CARBON_KERNELS=numba``: numba whatever the size (an error when it is not
  installed or cannot be used);
* unset or ``auto`` (the default): numpy for small work (fewer than :data:`MIN_RECORDS`
  records, fewer than :data:`MIN_VALUES` Monte Carlo values: the bundled examples never
  import numba), and for large work numba once it pays for itself. Importing numba and
  loading the compiled kernels costs about 0.5-1 s once per process, while the kernels
  save about 15-30 ms per million records summed and about 0.7 s per 1e8 Monte Carlo
  values: numba is loaded once the process has asked for :data:`PAYBACK` of one kind of
  work (4 million records: a fourth calculation of a million rows; 1e8 values: one
  per-record Monte Carlo run of 1e5 records × 1,000 iterations), and from then on every
  large piece of work runs compiled. A one-off calculation of a million rows (the
  command line on one file) stays on numpy.

Nothing here imports numba; :func:`kernels` does, on first use.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from types import ModuleType

import numpy as np

__all__ = ["ENV", "MIN_RECORDS", "MIN_VALUES", "PAYBACK", "active", "kernels", "mode", "wanted"]

ENV = "NQI_CARBON_KERNELS"
"""Environment variable that forces a path: ``numpy``, ``numba`` or ``auto`` (default)."""

MIN_RECORDS = 200_000
"""Records of one calculation from which its exact sums may run compiled (``auto``)."""

MIN_VALUES = 10_000_000
"""Monte Carlo values of one run (records × iterations, lines × iterations) from which
its loops may run compiled (``auto``)."""

PAYBACK = {"records": 4_000_000, "values": 100_000_000}
"""Work asked for in a process (large pieces only) after which ``auto`` loads numba."""

_asked = {"records": 0, "values": 0}  # large work asked for so far in this process

_MODES = ("auto", "numpy", "numba")


def mode() -> str:
    """The path asked for by :data:`ENV`: ``auto``, ``numpy`` or ``numba``."""
    value = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if value not in _MODES:
        raise ValueError(f"{ENV}={value!r}: allowed are {', '.join(_MODES)}")
    return value


@lru_cache(maxsize=1)
def _installed() -> bool:
    return importlib.util.find_spec("numba") is not None


@lru_cache(maxsize=1)
def _loaded() -> tuple[ModuleType | None, str]:
    """The kernels module, or None and why not (numba missing or failing, another numpy)."""
    if not _installed():
        return None, "numba is not installed: pip install 'nqi-carbon[fast]'"
    try:
        from . import _numba_kernels
    except Exception as exc:  # an incompatible numba/numpy pair, no cache folder, ...
        return None, f"numba could not load the kernels: {type(exc).__name__}: {exc}"
    if not _agrees_with_numpy(_numba_kernels):
        return None, "this numpy adds along rows in another order than the kernels"
    return _numba_kernels, ""


def _agrees_with_numpy(module: ModuleType) -> bool:
    """Whether the kernels' row sums give ``np.add.reduceat``'s bits (checked once)."""
    rng = np.random.default_rng(14)
    for k in (1, 3, 31):
        m = rng.random((700, k)) * np.exp2(rng.integers(-40, 40, (700, k)))
        starts = np.array([0, 1, 3, 9, 17, 90, 200, 201, 450], dtype=np.intp)
        if not np.array_equal(module.reduceat_rows(m, starts), np.add.reduceat(m, starts, axis=0)):
            return False
    return True


def wanted(size: int, kind: str) -> bool:
    """Whether work of *size* of *kind* (``records`` or ``values``) runs compiled.

    Under ``auto``, large work counts towards :data:`PAYBACK` until numba is loaded.
    """
    chosen = mode()
    if chosen != "auto":
        return chosen == "numba"
    if size < (MIN_RECORDS if kind == "records" else MIN_VALUES) or not _installed():
        return False
    if not _loaded.cache_info().currsize:  # not loaded yet: only once it pays for itself
        _asked[kind] += size
        if _asked[kind] < PAYBACK[kind]:
            return False
    return _loaded()[0] is not None


def active(size: int, kind: str) -> bool:
    """:func:`wanted` without counting towards :data:`PAYBACK` (compiled only if loaded)."""
    if mode() == "auto" and not _loaded.cache_info().currsize:
        return False
    return wanted(size, kind)


def kernels() -> ModuleType:
    """The compiled kernels (imports numba and loads or compiles them on first use).

    Raises
    ------
    RuntimeError
        They cannot be used (numba missing or failing, or this numpy sums rows in another
        order); only reached when :data:`ENV` is ``numba``, ``auto`` falls back to numpy.
    """
    module, why = _loaded()
    if module is None:
        raise RuntimeError(f"{ENV}=numba: {why}")
    return module
