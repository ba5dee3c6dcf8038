"""Order-independent sums.

Float addition is not associative, so ``np.bincount`` or ``sum`` can give results that
differ in the last bits when the rows come in another order. nqi-carbon's reported
totals must not depend on row order, so:

* per-group sums over records (:func:`group_sum`) quantise each value to a fixed grid of
  ``2**(e - b)``, where ``2**e`` bounds the largest magnitude in the group and
  ``b = 53 - ceil(log2(n))`` for ``n`` records (``b = 53`` for one record: its value is
  kept exactly; ``b >= 33`` for groups of up to 2**20 records). Every partial sum is then
  an integer number of quanta of at most ``n * 2**b <= 2**53``, so float64 addition is
  *exact* and the result is the same in any order. The quantisation changes a record by
  at most half a quantum: relative to the group's largest record, at most 2**-b
  (1.2e-10 for a million records in one group; nothing for the largest record of a
  group of one);
* sums over a handful of groups use :func:`math.fsum`, which is correctly rounded and
  therefore order-independent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["fsum", "group_scale", "group_sum", "group_sum_scaled", "scale_from_max"]

FloatArray = npt.NDArray[np.float64]


IntArray = npt.NDArray[np.intp]


def fsum(values: Iterable[float]) -> float:
    """Correctly rounded (hence order-independent) sum."""
    return math.fsum(values)


def group_scale(
    codes: IntArray, bound: FloatArray, n_groups: int, *, counts: npt.NDArray[np.intp] | None = None
) -> FloatArray:
    """Per-group power-of-two scale ``2**(b - e)`` for exact, order-independent sums.

    ``bound`` is, per record, an upper bound of the magnitudes to be summed in its group
    (usually ``|value|`` itself); ``2**e`` bounds the group's largest bound (``frexp``) and
    ``b = 53 - ceil(log2(n))`` for a group of ``n`` records. Values times the scale,
    rounded to integers, then sum exactly in float64 (every partial sum is an integer of
    at most 2**53), in any order.
    """
    if counts is None:
        counts = np.bincount(codes, minlength=n_groups)
    gmax = np.zeros(n_groups)
    np.maximum.at(gmax, codes, bound)
    return scale_from_max(gmax, counts)


def scale_from_max(gmax: FloatArray, counts: npt.NDArray[np.intp]) -> FloatArray:
    """The power-of-two scale of :func:`group_scale` from per-group maxima and counts."""
    _, emax = np.frexp(gmax)
    bits = 53 - np.ceil(np.log2(np.maximum(counts, 1).astype(float))).astype(np.int64)
    # groups whose largest value is below 2**-950 (e.g. 1e-300 t) keep a scale of 2**1000:
    # their values are then resolved to 2**-1000, far below any physical meaning
    exponent = np.minimum(bits - emax, 1000)
    scale: FloatArray = np.ldexp(1.0, exponent.astype(np.int32))
    return scale


def group_sum_scaled(
    codes: IntArray, scaled: FloatArray, scale: FloatArray, n_groups: int
) -> FloatArray:
    """Sum integer-valued ``scaled`` per group exactly and undo the group scale."""
    sums: FloatArray = np.bincount(codes, weights=scaled, minlength=n_groups) / scale
    return sums


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
    scale = group_scale(codes, np.abs(values), n_groups)
    scaled = np.rint(values * scale[codes])
    return group_sum_scaled(codes, scaled, scale, n_groups)
