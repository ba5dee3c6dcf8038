"""Roll-ups: every reported group of lines at once, as rows of one membership matrix.

A group (the total, a category, a scope, a gas, a facility...) is a boolean mask over the
output lines (:class:`GroupMasks`, what ``Result.group_masks`` holds). The masks are the
rows of one groups × lines matrix, built with a few array operations (no Python per line
or per facility) and kept with the line layout, so a second calculation of the same
inventory reuses them. :func:`group_approach1` then computes IPCC Approach 1 for every
group together from the (group, line) pairs of that matrix, with the same additions in
the same order as one group at a time (so the same bits).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from ..data.gases import KYOTO_GROUPS
from .exact import row_sums

if TYPE_CHECKING:
    from ..inventory.models import Inventory
    from .kernel import LineTable, LineTemplate, SourceStats
    from .uncertainty import Sensitivities

__all__ = ["GroupMasks", "group_approach1", "group_masks", "member_pairs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

SCOPE3_KEYS = (*(str(k) for k in range(1, 16)), "unassigned")

_BLOCK = 1 << 16
"""Elements of the groups × sources work arrays of :func:`group_approach1` (512 kB)."""


class GroupMasks(dict[str, BoolArray]):
    """Group name -> boolean mask over the lines (read-only rows of one matrix).

    ``members`` holds the (group, line) pairs of the masks, group by group and lines in
    order, and ``term_members`` the (group, parameter term) pairs of the line layout's
    parameter terms (``None`` when the masks were put together another way: then they
    are found from the masks).
    """

    members: tuple[IntArray, IntArray] | None = None
    term_members: tuple[IntArray, IntArray] | None = None
    distinct: _Distinct | None = None


class _Distinct(NamedTuple):
    """The distinct groups of a set of masks (``total_market`` is often ``total``...).

    ``of[g]`` is the distinct group of group g; ``members`` and ``term_members`` the
    (group, line) and (group, term) pairs of the distinct groups only.
    """

    of: IntArray
    members: tuple[IntArray, IntArray]
    term_members: tuple[IntArray, IntArray]


def _distinct(
    members: tuple[IntArray, IntArray], term_members: tuple[IntArray, IntArray], n_groups: int
) -> _Distinct:
    """Groups with the same lines computed once: the same sums give the same bits."""
    g_of, line = members
    tg, term = term_members
    bounds = np.searchsorted(g_of, np.arange(n_groups + 1)).tolist()
    tbounds = np.searchsorted(tg, np.arange(n_groups + 1)).tolist()
    of = np.empty(n_groups, dtype=np.intp)
    firsts: dict[tuple[int, int, int], list[int]] = {}
    kept: list[int] = []
    for g in range(n_groups):
        a, b = bounds[g], bounds[g + 1]
        key = (b - a, int(line[a]) if b > a else -1, int(line[b - 1]) if b > a else -1)
        for r in firsts.get(key, []):
            if np.array_equal(line[a:b], line[bounds[r] : bounds[r + 1]]):
                of[g] = of[r]
                break
        else:
            firsts.setdefault(key, []).append(g)
            of[g] = len(kept)
            kept.append(g)

    def only(pairs_g: IntArray, pairs_x: IntArray, at: list[int]) -> tuple[IntArray, IntArray]:
        sizes = [at[g + 1] - at[g] for g in kept]
        xs = [pairs_x[at[g] : at[g + 1]] for g in kept]
        return (
            np.repeat(np.arange(len(kept), dtype=np.intp), sizes),
            np.concatenate(xs).astype(np.intp) if xs else pairs_x[:0],
        )

    return _Distinct(of, only(g_of, line, bounds), only(tg, term, tbounds))


def group_masks(table: LineTable, inv: Inventory) -> GroupMasks:
    """The masks of every reported roll-up, kept with the line layout (a copy per call).

    The masks are the same for every calculation with the same line layout (they depend
    on the plans and the inventory's facilities), so they are made once per layout.
    """
    t = table.template
    key = ("group_masks", id(t))
    cached = inv._cache.get(key)
    if cached is None or cached[0] is not t:
        cached = (t, _build_masks(t, inv))
        inv._cache[key] = cached
    out = GroupMasks(cached[1])
    out.members, out.term_members = cached[1].members, cached[1].term_members
    out.distinct = cached[1].distinct
    return out


def _build_masks(t: LineTemplate, inv: Inventory) -> GroupMasks:
    """Build the masks (see :func:`group_masks`): one matrix, each mask a row of it."""
    cat, bio, n = t.category, t.biogenic, t.category.size
    loc = (t.basis != 2) & ~bio
    mkt = (t.basis != 1) & ~bio
    s3 = t.scope3
    names: list[str] = ["total", "total_market"]
    rows: list[BoolArray] = [loc, mkt]
    for c in range(1, 7):
        names.append(f"category:{c}")
        rows.append(loc & (cat == c))
    names += ["scope:1", "scope:2_location", "scope:2_market", "scope:3"]
    rows += [loc & (cat == 1), loc & (cat == 2), mkt & (cat == 2), loc & (cat >= 3)]
    in3 = loc & (cat >= 3)
    for k in SCOPE3_KEYS:
        names.append(f"scope3:{k}")
        rows.append(in3 & (s3 == (0 if k == "unassigned" else int(k))))
    for g in (*KYOTO_GROUPS, "unspecified"):
        m = loc & (t.group == g)
        if m.any():
            names.append(f"gas:{g}")
            rows.append(m)
    # facilities by integer code: one factorisation, then one scatter into their rows
    ids = [f.id for f in inv.facilities]
    if t.facility_code is not None:  # laid out from the plans of this inventory
        fac = t.facility_code
    else:
        index = {fid: j for j, fid in enumerate(ids)}
        fac_names, codes = np.unique(t.facility, return_inverse=True)
        lookup = np.array([index.get(x, -1) for x in fac_names.tolist()], dtype=np.intp)
        fac = lookup[codes.reshape(-1)] if fac_names.size else np.zeros(0, dtype=np.intp)
    matrix = np.zeros((len(rows) + len(ids), n), dtype=bool)
    for r, row in enumerate(rows):
        matrix[r] = row
    lines = np.flatnonzero(loc & (fac >= 0))
    matrix[len(rows) + fac[lines], lines] = True
    names += [f"facility:{fid}" for fid in ids]
    matrix.setflags(write=False)
    out = GroupMasks(zip(names, matrix, strict=True))
    # the (group, line) pairs: each fixed row's lines, then the facilities' lines, grouped
    # by facility (a stable sort keeps each facility's lines in order)
    by_fac = lines[np.argsort(fac[lines], kind="stable")]
    fixed_g, fixed_l = _pairs(matrix[: len(rows)])
    out.members = (
        np.concatenate([fixed_g, len(rows) + fac[by_fac]]),
        np.concatenate([fixed_l, by_fac]).astype(np.intp),
    )
    out.term_members = _term_pairs(out.members, t.l_idx, matrix)
    out.distinct = _distinct(out.members, out.term_members, len(out))
    return out


def _pairs(matrix: BoolArray) -> tuple[IntArray, IntArray]:
    g, line = np.nonzero(matrix)
    return g.astype(np.intp, copy=False), line.astype(np.intp, copy=False)


def _term_pairs(
    members: tuple[IntArray, IntArray], l_idx: IntArray, matrix: BoolArray
) -> tuple[IntArray, IntArray]:
    """The (group, parameter term) pairs, from the (group, line) pairs and each term's line.

    The terms of a line follow each other (the layout adds them line by line): each
    (group, line) pair becomes its line's run of terms. Otherwise from the matrix.
    """
    n = matrix.shape[1]
    if l_idx.size and not bool((l_idx[1:] >= l_idx[:-1]).all()):
        return _pairs(matrix[:, l_idx])
    g_of, line = members
    start = np.searchsorted(l_idx, np.arange(n + 1))
    count = (start[1:] - start[:-1])[line]
    total = int(count.sum())
    first = np.repeat(start[:-1][line], count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(g_of, count), (first + offset).astype(np.intp)


def member_pairs(masks: Mapping[str, BoolArray], n_lines: int) -> tuple[IntArray, IntArray]:
    """The (group, line) pairs of *masks*, group by group in their order, lines in order."""
    members = getattr(masks, "members", None)
    if members is not None:
        return members  # type: ignore[no-any-return]
    if not masks:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return _pairs(
        np.stack([np.asarray(m, dtype=bool) for m in masks.values()]).reshape(len(masks), n_lines)
    )


def group_approach1(
    sens: Sensitivities,
    stats: SourceStats,
    u_par: FloatArray,
    instrument_u95: FloatArray,
    masks: Mapping[str, BoolArray],
) -> tuple[list[float], FloatArray]:
    """Each group's value (exact sum of its lines' t CO2e) and squared 95 % half-width.

    The same arithmetic as :func:`~nqi_carbon.calc.uncertainty.group_variance_terms`
    one group at a time (per source Σρ, Q·(Σρ)² summed over every source, per parameter
    Σc, (u·Σc)² summed), for every group at once: every sum adds the same numbers in the
    same order, so the bits are the same. The sum over sources adds only the sources in
    the group (:func:`~nqi_carbon.calc.exact.row_sums`, numpy's order without its zeros).
    """
    distinct = getattr(masks, "distinct", None)
    if distinct is None:  # masks put together another way: every group computed
        g_of, line = member_pairs(masks, sens.src.size)
        in_group = np.zeros((len(masks), sens.src.size), dtype=bool)
        in_group[g_of, line] = True
        distinct = _Distinct(
            np.arange(len(masks), dtype=np.intp), (g_of, line), _pairs(in_group[:, sens.l_idx])
        )
    of, (g_of, line), term_members = distinct
    n_groups = int(of.max()) + 1 if of.size else 0
    bounds = np.searchsorted(g_of, np.arange(n_groups + 1)).tolist()
    values = sens.co2e[line].tolist()
    value = [math.fsum(values[a:b]) for a, b in itertools.pairwise(bounds)]
    act = _activity_variance(sens, stats, instrument_u95, g_of, line, n_groups)
    variance = act + _parameter_variance(sens, u_par, term_members, n_groups)
    return [value[k] for k in of.tolist()], variance[of]


def _activity_variance(
    sens: Sensitivities,
    stats: SourceStats,
    instrument_u95: FloatArray,
    g_of: IntArray,
    line: IntArray,
    n_groups: int,
) -> FloatArray:
    """Per group Σ_s Q_s (Σ_{l∈G, l of s} ρ_l)² (+ the instruments' part), numpy's sums."""
    n_src = stats.A.size
    key = g_of * n_src + sens.src[line]
    sparse = (
        not stats.B.size
        and bool(np.isfinite(stats.Q).all())
        and bool((key[1:] >= key[:-1]).all())  # lines in source order within each group
    )
    if sparse:
        first = np.r_[True, key[1:] != key[:-1]] if key.size else np.zeros(0, dtype=bool)
        cell = np.cumsum(first) - 1
        sj = np.bincount(cell, sens.rho[line], minlength=int(first.sum()))  # in line order
        k = key[first]
        src = k % n_src if n_src else k
        return row_sums(k // max(n_src, 1), src, stats.Q[src] * sj**2, n_groups, n_src)
    out = np.zeros(n_groups)
    bounds = np.searchsorted(g_of, np.arange(n_groups + 1))
    step = max(1, _BLOCK // max(n_src, 1))
    for lo in range(0, n_groups, step):
        hi = min(n_groups, lo + step)
        a, b = bounds[lo], bounds[hi]
        sj = np.bincount(key[a:b] - lo * n_src, sens.rho[line[a:b]], minlength=(hi - lo) * n_src)
        sj = sj.reshape(hi - lo, n_src)
        out[lo:hi] = (stats.Q * sj**2).sum(axis=1)
        if stats.B.size:
            out[lo:hi] += [
                ((instrument_u95 * (stats.B.T @ sj[j])) ** 2).sum() for j in range(hi - lo)
            ]
    return out


def _parameter_variance(
    sens: Sensitivities,
    u_par: FloatArray,
    term_members: tuple[IntArray, IntArray],
    n_groups: int,
) -> FloatArray:
    """Per group Σ_p (u_p Σ_{l∈G} c_l,p)², numpy's sums."""
    n_par = u_par.size
    tg, term = term_members
    tbounds = np.searchsorted(tg, np.arange(n_groups + 1))
    out = np.zeros(n_groups)
    step = max(1, _BLOCK // max(n_par, 1))
    for lo in range(0, n_groups, step):
        hi = min(n_groups, lo + step)
        a, b = tbounds[lo], tbounds[hi]
        sp = np.bincount(
            (tg[a:b] - lo) * n_par + sens.p_idx[term[a:b]],
            sens.coef[term[a:b]],
            minlength=(hi - lo) * n_par,
        ).reshape(hi - lo, n_par)
        out[lo:hi] = ((u_par * sp) ** 2).sum(axis=1)
    return out
