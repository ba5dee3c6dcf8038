"""Compiled record loops (numba): the numpy passes of the kernel and the sampler, fused.

Imported only through :func:`nqi_carbon.calc.fused.kernels` (numba is the optional
``fast`` extra). Every function here does, element by element and in the same order,
the arithmetic its numpy counterpart does array by array, so the results are the same
bits: no ``fastmath`` (no reassociation, no fused multiply-add), ``np.rint`` for numpy's
``rint``, NaN handled as ``np.maximum`` handles it. Compiled once and cached on disk
(``cache=True``: beside this file, or in numba's per-user cache folder when the package
folder is read-only; ``NUMBA_CACHE_DIR`` moves it).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "draw_uniform_sums",
    "grid_sums",
    "group_sums",
    "key_maxima",
    "line_atoms",
    "pair_codes",
    "reduceat_rows",
]

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def pair_codes(source: Any, unit: Any, amount: Any, dist: Any, n_units: int, n_keys: int) -> Any:
    """``source * n_units + unit`` per record, its ``np.bincount`` and maxima, in one pass.

    Also the largest amount per code (``np.maximum.at`` on zeros) and whether any record's
    distribution code is 2 or more: what :func:`key_maxima` takes of the amounts and the
    distributions, which do not change after the unit check (the uncertainties may: the
    calibration fallback; their largest is not taken here). ``ok`` is False (and the rest
    incomplete) when a code falls outside ``[0, n_keys)``: the caller then uses numpy,
    which says what it says of such codes.
    """
    key = np.empty(source.size, dtype=np.intp)
    counts = np.zeros(n_keys, dtype=np.intp)
    amax = np.zeros(n_keys)
    with_dist = dist.size == source.size
    non_normal = False
    for i in range(source.size):
        k = source[i] * n_units + unit[i]
        if k < 0 or k >= n_keys:
            return key, counts, amax, non_normal, False
        key[i] = k
        counts[k] += 1
        m = amax[k]
        a = amount[i]
        if not (m >= a or m != m):  # np.maximum(m, a): m when m >= a or m is NaN
            amax[k] = a
        if with_dist:
            non_normal |= dist[i] >= 2
    if not with_dist:
        for i in range(dist.size):
            if dist[i] >= 2:
                non_normal = True
                break
    return key, counts, amax, non_normal, True


@_jit
def key_maxima(key: Any, amount: Any, u95: Any, dist: Any, n_keys: int) -> Any:
    """Largest amount per key (``np.maximum.at`` on zeros), ``np.max(u95)``, any dist ≥ 2.

    One pass over the records instead of three.
    """
    amax = np.zeros(n_keys)
    for i in range(key.size):
        k = key[i]
        m = amax[k]
        a = amount[i]
        if not (m >= a or m != m):  # np.maximum(m, a): m when m >= a or m is NaN
            amax[k] = a
    u_max = np.nan
    if u95.size:
        u_max = u95[0]
        for i in range(1, u95.size):
            u = u95[i]
            if not (u_max >= u or u_max != u_max):
                u_max = u
    non_normal = False
    for i in range(dist.size):
        if dist[i] >= 2:
            non_normal = True
            break
    return amax, u_max, non_normal


@_jit
def grid_sums(
    key: Any,
    src: Any,
    amount: Any,
    u95: Any,
    scale_tab: Any,
    scale: Any,
    q_scale: Any,
    kscale: Any,
    n_keys: int,
    n_src: int,
) -> Any:
    """Per record: x, its grid values for A, Q and the amount as entered, summed.

    The integer-valued sums per (source, unit) of rint(x·scale), per source of
    rint((x·u)²·q_scale), per (source, unit) of rint(amount·kscale), each added in record
    order as ``np.bincount`` adds them (exact anyway: integers below 2**53).
    """
    per_key = np.zeros(n_keys)
    entered = np.zeros(n_keys)
    q = np.zeros(n_src)
    for i in range(key.size):
        k = key[i]
        s = src[i]
        a = amount[i]
        x = scale_tab[k] * a
        per_key[k] += np.rint(scale[s] * x)
        qq = x * u95[i]
        qq = qq * qq
        q[s] += np.rint(qq * q_scale[s])
        entered[k] += np.rint(kscale[k] * a)
    return per_key, q, entered


# ---- numpy's additions along rows -----------------------------------------------------
# ``np.add.reduceat(m, starts, axis=0)`` gives each run of rows as its first row plus the
# pairwise sum of the others, column by column: numpy's ``pairwise_sum`` (fewer than 8
# rows: one by one from 0; up to 128: 8 running sums, combined as a tree, then the rest
# one by one; more: halved at a multiple of 8). ``_run_sum`` repeats those additions;
# ``agrees_with_numpy`` checks it against the numpy in use (calc/fused.py asks once).
@_jit
def _pairwise(buf: Any, idx: Any, lo: int, n: int, out: Any) -> None:
    """The pairwise sum (numpy's) of rows ``buf[idx[lo:lo + n]]`` into *out* (column by column)."""
    k = out.size
    if n < 8:
        for j in range(k):
            out[j] = 0.0
        for i in range(lo, lo + n):
            r = idx[i]
            for j in range(k):
                out[j] += buf[r, j]
        return
    if n <= 128:
        acc = np.empty((8, k))
        for t in range(8):
            r = idx[lo + t]
            for j in range(k):
                acc[t, j] = buf[r, j]
        i = 8
        stop = n - n % 8
        while i < stop:
            for t in range(8):
                r = idx[lo + i + t]
                for j in range(k):
                    acc[t, j] += buf[r, j]
            i += 8
        for j in range(k):
            out[j] = ((acc[0, j] + acc[1, j]) + (acc[2, j] + acc[3, j])) + (
                (acc[4, j] + acc[5, j]) + (acc[6, j] + acc[7, j])
            )
        while i < n:
            r = idx[lo + i]
            for j in range(k):
                out[j] += buf[r, j]
            i += 1
        return
    n2 = n // 2
    n2 -= n2 % 8
    tmp = np.empty(k)
    _pairwise(buf, idx, lo, n2, out)
    _pairwise(buf, idx, lo + n2, n - n2, tmp)
    for j in range(k):
        out[j] += tmp[j]


@_jit
def _run_sum(buf: Any, idx: Any, lo: int, n: int, out: Any, tmp: Any) -> None:
    """One run of ``np.add.reduceat`` along rows: the first row plus the rest's pairwise sum."""
    first = idx[lo]
    for j in range(out.size):
        out[j] = buf[first, j]
    if n > 1:
        _pairwise(buf, idx, lo + 1, n - 1, tmp)
        for j in range(out.size):
            out[j] += tmp[j]


@_jit
def reduceat_rows(m: Any, starts: Any) -> Any:
    """``np.add.reduceat(m, starts, axis=0)`` for increasing *starts* (checked against numpy)."""
    k = m.shape[1]
    out = np.empty((starts.size, k))
    idx = np.arange(m.shape[0])
    tmp = np.empty(k)
    for g in range(starts.size):
        end = starts[g + 1] if g + 1 < starts.size else m.shape[0]
        _run_sum(m, idx, starts[g], end - starts[g], out[g], tmp)
    return out


@_jit
def _longest_run(starts: Any, n: int) -> int:
    longest = 0
    for g in range(starts.size):
        end = starts[g + 1] if g + 1 < starts.size else n
        longest = max(longest, end - starts[g])
    return longest


@_jit
def draw_uniform_sums(
    rng: Any, w: Any, starts: Any, sources: Any, fixed: Any, has_fixed: Any, out: Any
) -> None:
    """Draw k uniforms per record, scale by *w* and add each run of a source's records.

    For blocks of records that are all uniform, what ``rng.random(out=m)``,
    ``m *= w[:, None]``, ``np.add.reduceat(m, first, axis=0)``, ``sums += fixed[:, None]``
    and ``out[sources] += sums`` do block by block, one run of records at a time: the
    same draws (the generator's stream, record after record, k each) and the same
    additions, the draws written only to a run-sized buffer.
    """
    k = out.shape[1]
    n = w.size
    longest = _longest_run(starts, n)
    buf = np.empty((max(longest, 1), k))
    idx = np.arange(max(longest, 1))
    acc = np.empty(k)
    tmp = np.empty(k)
    f_at = 0  # fixed holds a value only for the runs of blocks that had one
    for g in range(starts.size):
        r0 = starts[g]
        r1 = starts[g + 1] if g + 1 < starts.size else n
        for r in range(r0, r1):
            ww = w[r]
            for j in range(k):
                buf[r - r0, j] = rng.random() * ww
        _run_sum(buf, idx, 0, r1 - r0, acc, tmp)
        if has_fixed[g]:
            f = fixed[f_at]
            f_at += 1
            for j in range(k):
                acc[j] += f
        s = sources[g]
        for j in range(k):
            out[s, j] += acc[j]


@_jit
def line_atoms(
    act: Any,
    base: Any,
    has_base: bool,
    line_src: Any,
    offset: Any,
    has_offset: bool,
    rho: Any,
    chain_row: Any,
    chain_vals: Any,
    scale_row: Any,
    scale_vals: Any,
    atom_starts: Any,
    atoms: Any,
) -> None:
    """Each line's value in every iteration, summed per atom as ``np.add.reduceat`` does.

    A line's value is ``act[src]`` (with *has_base*: ``np.maximum(base[src] + act[src], 0)``,
    the activity the numpy path makes first) less its offset, times ρ, plus its NCV-chain term
    (row ``chain_row[l]`` of *chain_vals*, none when -1), times its parameters' multiplier
    (row ``scale_row[l]`` of *scale_vals*): the element-wise steps and the sums over lines
    of ``_Sampler.group_totals``, one atom's lines at a time in a buffer.
    """
    k = act.shape[1]
    n_lines = line_src.size
    n_atoms = atom_starts.size
    longest = _longest_run(atom_starts, n_lines)
    buf = np.empty((max(longest, 1), k))
    idx = np.arange(max(longest, 1))
    tmp = np.empty(k)
    for a in range(n_atoms):
        l0 = atom_starts[a]
        l1 = atom_starts[a + 1] if a + 1 < n_atoms else n_lines
        for line in range(l0, l1):
            s = line_src[line]
            r = rho[line]
            c = chain_row[line]
            m = scale_row[line]
            off = offset[line]
            row = line - l0
            b = base[s] if has_base else 0.0
            for j in range(k):
                v = act[s, j]
                if has_base:
                    v = b + v
                    if not (v >= 0.0 or v != v):  # np.maximum(v, 0.0)
                        v = 0.0
                if has_offset:
                    v = v - off
                v = v * r
                if c >= 0:
                    v = v + chain_vals[c, j]
                if m >= 0:
                    v = v * scale_vals[m, j]
                buf[row, j] = v
        _run_sum(buf, idx, 0, l1 - l0, atoms[a], tmp)


@_jit
def group_sums(atoms: Any, group_atoms: Any, group_starts: Any, filled: Any, out: Any) -> None:
    """``out[filled] = np.add.reduceat(atoms[group_atoms], group_starts, axis=0)``, no copy."""
    n = group_atoms.size
    tmp = np.empty(atoms.shape[1])
    for g in range(filled.size):
        end = group_starts[g + 1] if g + 1 < filled.size else n
        _run_sum(atoms, group_atoms, group_starts[g], end - group_starts[g], out[filled[g]], tmp)
