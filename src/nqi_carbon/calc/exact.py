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
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["fsum", "group_scale", "group_sum", "group_sum_scaled", "row_sums", "scale_from_max"]

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


# ---- numpy's own sum of many sparse rows, without the dense rows ---------------------------
# ``np.sum`` of a float64 row adds its n elements by pairwise summation: the row is halved
# (at a multiple of 8) until a piece has at most 128 elements; a piece of 8 or more is
# added in 8 running sums (element i to sum i % 8) that are then combined as
# ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), and the last n % 8 elements added
# one by one; a piece of fewer than 8 one by one. Zeros change none of these additions,
# so the sum of a row that is mostly zeros is the same tree over its non-zero elements
# alone: :func:`row_sums` computes it that way, and checks once per length that it gives
# exactly what numpy gives (else it builds the dense rows and lets numpy add them).
_PIECE = 128
_ROW_BLOCK = 1 << 20  # elements of the per-piece work arrays of one block of rows


@lru_cache(maxsize=16)
def _pieces(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], Any]:
    """Start and length of the pieces of a row of *n*, and the tree that adds them."""
    starts: list[int] = []
    lengths: list[int] = []

    def walk(start: int, m: int) -> Any:
        if m <= _PIECE:
            starts.append(start)
            lengths.append(m)
            return len(starts) - 1
        half = m // 2
        half -= half % 8
        return (walk(start, half), walk(start + half, m - half))

    tree = walk(0, n)
    return np.asarray(starts, dtype=np.intp), np.asarray(lengths, dtype=np.intp), tree


def _add_tree(node: Any, piece_sums: FloatArray) -> FloatArray:
    if isinstance(node, int):
        out: FloatArray = piece_sums[:, node]
        return out
    return _add_tree(node[0], piece_sums) + _add_tree(node[1], piece_sums)


def _sparse_row_sums(
    row: IntArray, pos: IntArray, vals: FloatArray, n_rows: int, n: int
) -> FloatArray:
    """Pairwise sums of rows of *n* holding *vals* at (*row*, *pos*) (sorted, distinct)."""
    starts, lengths, tree = _pieces(n)
    n_pieces = starts.size
    octets = np.where(lengths >= 8, lengths - lengths % 8, 0)
    piece = np.searchsorted(starts, pos, side="right") - 1
    off = pos - starts[piece]
    in_octets = off < octets[piece]
    cell = row * n_pieces + piece
    # the 8 running sums of every piece, each added in element order (bincount adds in order)
    running = np.bincount(
        cell[in_octets] * 8 + off[in_octets] % 8, vals[in_octets], minlength=n_rows * n_pieces * 8
    ).astype(np.float64, copy=False)  # (bincount of nothing gives integers)
    running = running.reshape(n_rows * n_pieces, 8)
    sums = ((running[:, 0] + running[:, 1]) + (running[:, 2] + running[:, 3])) + (
        (running[:, 4] + running[:, 5]) + (running[:, 6] + running[:, 7])
    )
    # then the elements after the last full octet, one by one (at most 7 per piece)
    rest = ~in_octets
    rest_cell, rest_k, rest_vals = cell[rest], (off - octets[piece])[rest], vals[rest]
    for k in range(8):
        pick = rest_k == k
        if pick.any():
            step = np.zeros(sums.size)
            step[rest_cell[pick]] = rest_vals[pick]
            sums += step
    return _add_tree(tree, sums.reshape(n_rows, n_pieces))


@lru_cache(maxsize=16)
def _same_as_numpy(n: int) -> bool:
    """Whether :func:`_sparse_row_sums` gives numpy's bits for rows of *n* (checked once)."""
    rng = np.random.default_rng(n)
    dense = rng.random((3, n)) * np.exp2(rng.integers(-40, 40, (3, n)))
    dense[rng.random((3, n)) < 0.6] = 0.0
    row, pos = np.nonzero(dense)
    got = _sparse_row_sums(row.astype(np.intp), pos.astype(np.intp), dense[row, pos], 3, n)
    return bool(np.array_equal(got, dense.sum(axis=1)))


def row_sums(row: IntArray, pos: IntArray, vals: FloatArray, n_rows: int, n: int) -> FloatArray:
    """``dense.sum(axis=1)``, bit for bit, of the rows that hold *vals* at (*row*, *pos*).

    *dense* is ``n_rows`` × *n*, zero where no value is given; the pairs (*row*, *pos*)
    are sorted and distinct, and the values finite and non-negative (so adding a zero
    changes nothing). The cost grows with the values given, not with ``n_rows`` × *n*.
    """
    if not _same_as_numpy(n):  # another numpy that adds otherwise: the dense rows
        dense = np.zeros((n_rows, n))
        dense[row, pos] = vals
        out: FloatArray = dense.sum(axis=1)
        return out
    step = max(1, _ROW_BLOCK // (8 * (_pieces(n)[0].size or 1)))
    if n_rows <= step:
        return _sparse_row_sums(row, pos, vals, n_rows, n)
    bounds = np.searchsorted(row, np.arange(0, n_rows + step, step)).tolist()
    parts = [
        _sparse_row_sums(row[a:b] - lo, pos[a:b], vals[a:b], min(step, n_rows - lo), n)
        for lo, a, b in zip(range(0, n_rows, step), bounds[:-1], bounds[1:], strict=False)
    ]
    return np.concatenate(parts) if parts else np.zeros(0)
