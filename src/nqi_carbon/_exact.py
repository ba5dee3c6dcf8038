"""Order-independent sums.

Float addition is not associative, so ``np.bincount`` or ``sum`` can give results that
differ in the last bits when the rows come in another order. nqi-carbon's reported
totals must not depend on row order, so:

* per-group sums over records (:func:`group_sum`) quantise each value to a fixed grid of
  ``2**-b`` times the largest magnitude in its group, with ``b = 52 - ceil(log2(n + 1))``
  (``b >= 32`` for groups of up to 2**20 records). On that grid every partial sum is an
  integer multiple of the quantum below 2**53, so float64 addition is *exact* and the
  result is the same in any order. The quantisation changes a record by at most half a
  quantum: relative to the group's largest record, at most 2**-(b+1) (1.2e-10 for a
  million records in one group);
* sums over a handful of groups use :func:`math.fsum`, which is correctly rounded and
  therefore order-independent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["fsum", "group_sum"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def fsum(values: Iterable[float]) -> float:
    """Correctly rounded (hence order-independent) sum."""
    return math.fsum(values)


def group_sum(codes: IntArray, values: FloatArray, n_groups: int) -> FloatArray:
    """Sum *values* per group code, exactly and independently of row order.

    Parameters
    ----------
    codes : int array
        Group code per record, in ``[0, n_groups)``.
    values : float array
        Finite values (any sign).
    n_groups : int
        Number of groups.
    """
    if values.size == 0:
        return np.zeros(n_groups)
    counts = np.bincount(codes, minlength=n_groups)
    # Largest |value| per group: exponent only (order-independent, via ufunc.at max).
    _, exps = np.frexp(values)
    emax = np.full(n_groups, -1100, dtype=np.int64)
    np.maximum.at(emax, codes, exps.astype(np.int64))
    bits = 52 - np.ceil(np.log2(counts + 1.0)).astype(np.int64)
    # quantum per group = 2**(emax - bits); values/quantum are integers of |.| <= 2**bits
    shift = (bits - emax)[codes]
    scaled = np.rint(np.ldexp(values, shift.astype(np.int32)))
    sums = np.bincount(codes, weights=scaled, minlength=n_groups)
    out: FloatArray = np.ldexp(sums, (-(bits - emax)).astype(np.int32))
    return out
