"""The kernel: records summed per source, then one line per source and gas.

:func:`source_statistics` converts each record to its source's base unit (one scale per
distinct (source, unit) pair) and sums per source exactly and order-independently
(A = Σx, Q = Σ(x·u)², B = Σx per instrument); :func:`build_lines` multiplies the sums by
the planned coefficients. No pint Quantity or pydantic model is created per record.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from . import fused
from .exact import group_sum_scaled, scale_from_max
from .findings import Finding

if TYPE_CHECKING:
    from .ingest import ActivityColumns
    from .plan import FloatArray, GasTerm, IntArray, SourcePlan

__all__ = [
    "Line",
    "LineTable",
    "LineTemplate",
    "PairMaxima",
    "build_lines",
    "line_template",
    "pair_codes",
    "source_statistics",
    "unit_scale_tables",
]

# ---------------------------------------------------------------------------------------
# 3. per-source sufficient statistics
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceStats:
    """Exact, order-independent sums per source, in each source's base unit.

    ``A`` all activity; ``A_chain`` the part converted through a fuel NCV; ``A_indep``
    and ``Q`` = Σ(x·u95)² for records with their own stated uncertainty (independent);
    ``B`` (sources × instruments) activity measured by each instrument (correlated
    within an instrument); ``A_none`` activity with no stated uncertainty.
    """

    A: FloatArray
    A_chain: FloatArray
    Q: FloatArray
    B: FloatArray
    A_none: FloatArray
    n_records: npt.NDArray[np.int64]
    # records whose own distribution is not normal (lognormal, triangular, uniform):
    # Monte Carlo samples them one by one; Q_normal leaves them out of the pooled part
    Q_normal: FloatArray | None = None
    nn_src: IntArray | None = None
    nn_x: FloatArray | None = None
    nn_dist: npt.NDArray[np.int8] | None = None
    nn_lower: FloatArray | None = None  # bounds as multiples of the record's amount
    nn_upper: FloatArray | None = None
    # the amounts as entered, summed per (source, unit): sources x units, in each unit
    entered: FloatArray | None = None
    entered_counts: npt.NDArray[np.intp] | None = None  # records per (source, unit)
    unit_names: tuple[str, ...] = ()


def unit_scale_tables(
    plans: Sequence[SourcePlan], unit_names: Sequence[str]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Scale to each source's base unit per (source, unit) pair, and whether it uses an NCV.

    Both arrays are indexed ``source * n_units + unit``; the scale is NaN where the pair
    cannot convert. Computed from the plans, no pint here.
    """
    from .plan import PlanSet

    n_units = len(unit_names)
    width = max(n_units, 1)
    scale_tab = np.full(len(plans) * width, np.nan)
    chain_tab = np.zeros(len(plans) * width, dtype=bool)
    if not n_units or not plans:
        return scale_tab, chain_tab
    column = {u: k for k, u in enumerate(unit_names)}
    # sources of one kind share their scales (the same mapping): one row per distinct one
    n = len(plans)
    if isinstance(plans, PlanSet):  # one row per kind, no plan made per source
        firsts: Sequence[SourcePlan] = plans.kinds
        which = plans.kind_of
        index = np.arange(n, dtype=np.intp)
    else:
        ids = np.fromiter((id(p.chain_unit_scale) for p in plans), dtype=np.uint64, count=n)
        _, first, which = np.unique(ids, return_index=True, return_inverse=True)
        which = which.reshape(-1)
        chain_ids = np.fromiter((id(p.chain_units) for p in plans), dtype=np.uint64, count=n)
        if not np.array_equal(chain_ids, chain_ids[first][which]):  # not shared together
            first, which = np.arange(n), np.arange(n)
        firsts = [plans[i] for i in first.tolist()]
        index = np.fromiter((p.index for p in plans), dtype=np.intp, count=len(plans))
    rows = np.full((len(firsts), n_units), np.nan)
    chained = np.zeros((len(firsts), n_units), dtype=bool)
    for g, p in enumerate(firsts):
        for uname, factor in p.chain_unit_scale.items():
            k = column.get(uname)
            if k is not None:
                rows[g, k] = factor
                chained[g, k] = uname in p.chain_units
    scale_tab.reshape(len(plans), n_units)[index] = rows[which]
    chain_tab.reshape(len(plans), n_units)[index] = chained[which]
    return scale_tab, chain_tab


class PairMaxima(NamedTuple):
    """What the compiled :func:`pair_codes` pass takes of the records besides their codes.

    Only of columns that do not change after the unit check (the amounts, the
    distributions); the uncertainties may (the calibration fallback), so their largest
    is taken by :func:`source_statistics` itself.
    """

    amax: FloatArray  # the largest amount per (source, unit) code (np.maximum.at on zeros)
    non_normal: bool  # whether any record's distribution code is 2 or more


def pair_codes(
    source: IntArray,
    unit: IntArray,
    amount: FloatArray,
    dist: npt.NDArray[np.int8],
    n_units: int,
    n_keys: int,
) -> tuple[IntArray, npt.NDArray[np.intp], PairMaxima | None]:
    """``source * n_units + unit`` per record, its bincount (at least *n_keys* long), maxima.

    One compiled pass for large tables once numba is loaded (:mod:`.fused`), which also
    gives :class:`PairMaxima` for :func:`source_statistics` (one pass over the records
    fewer); else numpy, and None for the maxima.
    """
    if n_keys and fused.active(source.size, "records"):
        key, counts, amax, non_normal, ok = fused.kernels().pair_codes(
            source, unit, amount, dist, n_units, n_keys
        )
        if ok:
            return key, counts, PairMaxima(amax, bool(non_normal))
    key = source * n_units
    key += unit
    return key, np.bincount(key, minlength=n_keys), None


def source_statistics(
    cols: ActivityColumns,
    plans: Sequence[SourcePlan],
    instrument_u95: FloatArray,
    *,
    key: IntArray | None = None,
    key_counts: npt.NDArray[np.intp] | None = None,
    unit_tables: tuple[FloatArray, npt.NDArray[np.bool_]] | None = None,
) -> SourceStats:
    """Convert records to base units (one scale per (source, unit)) and sum per source.

    ``key`` may pass ``source * n_units + unit`` and ``key_counts`` its ``bincount`` when
    the caller computed them already; ``unit_tables`` the result of
    :func:`unit_scale_tables` for these plans and units (callers cache it).

    Every sum is exact and order-independent: each source's amounts are put on one
    power-of-two grid (:func:`~nqi_carbon.calc.exact.scale_from_max`) before they are
    added, for Σx (``A``, ``A_chain``, ``B``, ``A_none``) and Σ(x·u)² (``Q``) alike.
    """
    n_src = len(plans)
    n_units = len(cols.unit_names)
    if unit_tables is None:
        unit_tables = unit_scale_tables(plans, cols.unit_names)
    scale_tab, chain_tab = unit_tables
    src = cols.source
    if key is None:
        key = src * n_units
        key += cols.unit
    n_keys = n_src * n_units
    if key_counts is None or not n_units:
        key_counts = np.bincount(key, minlength=n_keys) if n_keys else np.zeros(0, dtype=np.intp)
    key_counts = key_counts[:n_keys]
    # exact, order-independent sums: one power-of-two grid per source for x (and subsets),
    # one per (source, unit) for the amounts as entered
    counts = key_counts.reshape(n_src, n_units).sum(axis=1) if n_units else np.zeros(n_src, np.intp)
    compiled = fused.wanted(key.size, "records") and n_keys > 0
    taken = cols.pair_maxima if key is cols.pair_key else None  # by the compiled pair_codes
    if taken is not None and taken.amax.size == n_keys:
        amax, non_normal = taken
        u_max = float(np.max(cols.u95)) if cols.u95.size else math.nan  # may have changed
    elif compiled:
        amax, u_max, non_normal = fused.kernels().key_maxima(
            key, cols.amount, cols.u95, cols.dist, n_keys
        )
    else:
        amax = np.zeros(n_keys)
        np.maximum.at(amax, key, cols.amount)  # amounts >= 0
        u_max = float(np.max(cols.u95)) if cols.u95.size else math.nan
        non_normal = bool(cols.dist.size and (cols.dist >= 2).any())
    # each source's largest x: rounding is monotonic, so the largest of scale x amount is
    # the scale times the largest amount of each (source, unit), the largest over units
    with np.errstate(invalid="ignore"):
        kmax = np.where(key_counts > 0, scale_tab[:n_keys] * amax, 0.0)
    gmax = kmax.reshape(n_src, n_units).max(axis=1) if n_units else np.zeros(n_src)
    scale = scale_from_max(gmax, counts)
    all_own = not math.isnan(u_max)  # every record with its own stated uncertainty
    kscale = scale_from_max(amax, key_counts)
    x: FloatArray | None = None
    if compiled and all_own:  # one fused pass (records without an uncertainty: numpy)
        q_scale = scale_from_max(gmax * gmax * u_max * u_max, counts)
        per_key, q_sums, entered_sums = fused.kernels().grid_sums(
            key, src, cols.amount, cols.u95, scale_tab, scale, q_scale, kscale, n_keys, n_src
        )
        per_key = per_key.reshape(n_src, n_units)
        Q = q_sums / q_scale
        B, A_none = np.zeros((n_src, len(cols.instrument_ids))), np.zeros(n_src)
        entered = (entered_sums / kscale).reshape(n_src, n_units)
    else:
        x = scale_tab[key]
        x *= cols.amount
        xq = scale[src]
        xq *= x
        np.rint(xq, out=xq)
        # per (source, unit) sums of integers on the source's grid: exact, and so are
        # their sums over units (all activity, and the part converted through an NCV)
        per_key = np.bincount(key, xq, minlength=n_keys).reshape(n_src, n_units)
        own = None if all_own else ~np.isnan(cols.u95)
        Q = _stated_variance_sums(cols, own, x, gmax, counts, u_max)
        B, A_none = _instrument_sums(cols, own, xq, scale)
        entered = _entered_sums(cols, key, kscale, n_src)
    A = per_key.sum(axis=1) / scale
    if chain_tab.any():
        A_chain = np.where(chain_tab[:n_keys].reshape(n_src, n_units), per_key, 0.0).sum(axis=1) / scale
    else:
        A_chain = np.zeros(n_src)
    extra: dict[str, Any] = {}
    if non_normal:
        if x is None:
            x = scale_tab[key]
            x *= cols.amount
        extra = _non_normal_records(cols, plans, x, Q)
    entered_counts = np.asarray(key_counts, dtype=np.intp).reshape(n_src, n_units)
    counts = counts.astype(np.int64)
    return SourceStats(
        A,
        A_chain,
        Q,
        B,
        A_none,
        counts,
        **extra,
        entered=entered,
        entered_counts=entered_counts,
        unit_names=tuple(cols.unit_names),
    )


def _entered_sums(cols: ActivityColumns, key: IntArray, kscale: FloatArray, n_src: int) -> FloatArray:
    """The amounts as entered, summed exactly per (source, unit) (sources x units).

    The amounts are put on one power-of-two grid per (source, unit) pair (*kscale*, from
    the largest amount of each and its records), as the base-unit sums are per source
    (exact and independent of row order).
    """
    n_units = len(cols.unit_names)
    n_keys = n_src * n_units
    if not n_keys:
        return np.zeros((n_src, n_units))
    aq = kscale[key]
    aq *= cols.amount
    np.rint(aq, out=aq)
    out: FloatArray = group_sum_scaled(key, aq, kscale, n_keys).reshape(n_src, n_units)
    return out


def _stated_variance_sums(
    cols: ActivityColumns,
    own: npt.NDArray[np.bool_] | None,
    x: FloatArray,
    gmax: FloatArray,
    counts: npt.NDArray[np.intp],
    u_max: float,
) -> FloatArray:
    """Q = Σ(x·u95)² per source over the records with their own stated uncertainty.

    *own* marks those records (None: every record, whose largest uncertainty is
    *u_max*), *x* is every record's amount in its base unit and *gmax* the largest per
    source; summed exactly on a power-of-two grid per source.
    """
    n_src = gmax.size
    if own is not None and not (own.size and own.any()):
        return np.zeros(n_src)
    if not cols.u95.size:
        return np.zeros(n_src)
    src = cols.source
    u = cols.u95 if own is None else np.where(own, cols.u95, 0.0)
    if own is not None:
        u_max = float(np.max(u))
    q_scale = scale_from_max(gmax * gmax * u_max * u_max, counts)  # bound of (x*u)^2
    # qq = rint((x u)^2 * q_scale), with q_scale a power of two per source
    qq = x * u
    qq *= qq
    qq *= q_scale[src]
    np.rint(qq, out=qq)
    return group_sum_scaled(src, qq, q_scale, n_src)


def _instrument_sums(
    cols: ActivityColumns,
    own: npt.NDArray[np.bool_] | None,
    xq: FloatArray,
    scale: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """B (sources × instruments) and A_none per source, from the grid values *xq*.

    Records without their own uncertainty (*own* False; None: there are none) are
    measured by an instrument (its error is shared by all its readings: B) or by none
    (their error is not known: A_none).
    """
    n_src = scale.size
    src = cols.source
    n_ins = len(cols.instrument_ids)
    if own is None:
        return np.zeros((n_src, n_ins)), np.zeros(n_src)
    has_ins = (cols.instrument >= 0) & ~own
    if n_ins and has_ins.any():
        code = src * n_ins + np.where(has_ins, cols.instrument, 0)
        b_scale = np.repeat(scale, n_ins)
        B = group_sum_scaled(code, np.where(has_ins, xq, 0.0), b_scale, n_src * n_ins).reshape(
            n_src, n_ins
        )
    else:
        B = np.zeros((n_src, n_ins))
    none = ~own & ~has_ins
    A_none = (
        group_sum_scaled(src, np.where(none, xq, 0.0), scale, n_src)
        if none.any()
        else np.zeros(n_src)
    )
    return B, A_none


def _non_normal_records(
    cols: ActivityColumns, plans: Sequence[SourcePlan], x: FloatArray, Q: FloatArray
) -> dict[str, Any]:
    """The records whose own distribution is not normal, for Monte Carlo to draw one by one.

    Returns the :class:`SourceStats` fields ``nn_*`` (records in a canonical order, bounds
    as multiples of the amount) and ``Q_normal``, Q without those records.
    """
    n_src = len(plans)
    src = cols.source
    nn = np.flatnonzero(cols.dist >= 2)
    # Monte Carlo draws these records one by one: order them by source id, then by
    # their values, so that neither the order of sources in the inventory nor the
    # order of rows changes which draw a record gets (identical rows are interchangeable)
    ids = [p.source.id for p in plans]
    id_rank = np.empty(n_src, dtype=np.intp)
    id_rank[sorted(range(n_src), key=ids.__getitem__)] = np.arange(n_src)
    # source rank and distribution code (0-4) as one key: the same order, one key fewer
    by_source = id_rank[src[nn]] * 8 + cols.dist[nn]
    nn = nn[np.lexsort((cols.upper[nn], cols.lower[nn], x[nn], by_source))]
    amount = cols.amount[nn]
    with np.errstate(divide="ignore", invalid="ignore"):
        extra: dict[str, Any] = {
            "nn_src": src[nn],
            "nn_x": x[nn],
            "nn_dist": cols.dist[nn],
            "nn_lower": np.where(amount > 0, cols.lower[nn] / amount, 1.0),
            "nn_upper": np.where(amount > 0, cols.upper[nn] / amount, 1.0),
        }
    qn = (x[nn] * cols.u95[nn]) ** 2
    extra["Q_normal"] = np.maximum(Q - np.bincount(src[nn], qn, minlength=n_src), 0.0)
    return extra


# ---------------------------------------------------------------------------------------
# 4. lines
# ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class Line:
    """One output line (one gas of one source), as a record; see :class:`LineTable`."""

    source: str
    facility: str
    category: int
    scope: str
    scope3_category: int | None
    gas: str
    group: str
    mass_t: float
    co2e_t: float
    biogenic: bool
    method: str
    factor: str
    pack_version: str
    share: float
    basis: str
    activity: float
    base_unit: str
    gwp: float


_BASIS_NAMES = ("both", "location", "market")


@dataclass
class LineTemplate:
    """Everything about the output lines that does not depend on the activity sums.

    Built once per set of source plans (and cached with them): one row per source × gas
    (location/market variants and contract rows for scope 2), with the parameter
    triplets that say which uncertain inputs each row is proportional to.
    """

    src: IntArray
    coef: FloatArray
    gwp: FloatArray
    share: FloatArray
    biogenic: npt.NDArray[np.bool_]
    category: npt.NDArray[np.int64]
    basis: npt.NDArray[np.int8]  # index into _BASIS_NAMES
    group: npt.NDArray[np.str_]
    gas: list[str]
    facility: npt.NDArray[np.str_]
    ref: list[str]
    # parameter triplets: row l is proportional to parameter p (chain: via the fuel NCV)
    p_idx: IntArray
    l_idx: IntArray
    chain: npt.NDArray[np.bool_]
    # scope-2 contracts: per source, [(label, kind, amount, rows)], and the residual rows
    contracts: list[tuple[int, list[tuple[str, str, float, list[int]]], list[int]]]
    plans: Sequence[SourcePlan]
    row_plan: Sequence[SourcePlan]  # the plan of each row
    scope3: npt.NDArray[np.intp]  # the row's GHG Protocol Scope 3 category (0: none)
    # the row's facility as its index in the inventory's facilities, when known
    facility_code: IntArray | None = None

    @property
    def rho_unit(self) -> FloatArray:
        """T CO2e per base unit of the row's activity (consolidated)."""
        out: FloatArray = self.coef * self.gwp * self.share
        return out


def line_template(plans: Sequence[SourcePlan]) -> LineTemplate:
    """Lay out the output rows of a set of plans (see :class:`LineTemplate`).

    Plans without market-based terms or contracts (one row per gas term) are laid out
    with arrays, once per distinct set of terms (sources of one kind share theirs); any
    other set of plans row by row (:func:`_rows_one_by_one`). Both give the same rows.
    """
    fast = _rows_by_term_sets(plans)
    return fast if fast is not None else _rows_one_by_one(plans)


def _rows_by_term_sets(plans: Sequence[SourcePlan]) -> LineTemplate | None:
    """The layout of plans that all have one row per gas term, or None (see above)."""
    from .plan import PlanSet, RowPlans

    n = len(plans)
    facility: Any
    category: Any
    scope3: Any
    share: Any
    if isinstance(plans, PlanSet):  # its kinds and per-source columns: no plan made
        if any(p.market_terms is not None or p.contracts for p in plans.kinds):
            return None
        firsts: Sequence[SourcePlan] = plans.kinds
        kind = plans.kind_of
        fac_code, category, scope3, share = plans.columns()
        facility = None  # from the codes, below
        index: Any = np.arange(n, dtype=np.intp)
        ref: Any = np.array([p.factor_ref for p in firsts] or [""], dtype=object)[kind]
    else:
        if any(p.market_terms is not None or p.contracts for p in plans):
            return None
        fac_code = None
        # plans of one kind share their terms (the same tuple): group the plans by it
        ids = np.fromiter((id(p.terms) for p in plans), dtype=np.uint64, count=n)
        _, first, kind = np.unique(ids, return_index=True, return_inverse=True)
        kind = kind.reshape(-1).astype(np.intp, copy=False)
        firsts = [plans[i] for i in first.tolist()]
        # what each row takes from its plan, one pass over the plans
        index, share, category, facility, ref, scope3 = (
            zip(
                *[
                    (p.index, p.share, p.category, p.facility, p.factor_ref, p.scope3_category or 0)
                    for p in plans
                ],
                strict=True,
            )
            if plans
            else ((),) * 6
        )
    term_sets = [p.terms for p in firsts]
    terms = [t for ts in term_sets for t in ts]
    n_terms = np.array([len(ts) for ts in term_sets], dtype=np.intp)
    first_term = np.cumsum(n_terms) - n_terms
    row_plan_i, term_i = _expand(first_term[kind], n_terms[kind])
    n_params = np.array([len(t.params) for t in terms], dtype=np.intp)
    pairs = [pk for t in terms for pk in t.params]
    l_idx, param_i = _expand((np.cumsum(n_params) - n_params)[term_i], n_params[term_i])
    coef, gwp_, bio, group, gas = (
        zip(*[(t.coef, t.gwp, t.biogenic, t.group, t.gas) for t in terms], strict=True)
        if terms
        else ((),) * 5
    )

    def per_plan(values: Any, dtype: Any) -> Any:
        return np.array(values, dtype=dtype)[row_plan_i]

    def per_term(values: Any, dtype: Any) -> Any:
        return np.array(values, dtype=dtype)[term_i]

    row_fac = None
    if fac_code is not None:  # each facility's id once, as wide as the longest used
        assert isinstance(plans, PlanSet)
        row_fac = fac_code[row_plan_i]
        names = plans.facilities
        used = np.bincount(row_fac, minlength=len(names)) > 0
        labels = np.array([names[k] for k in np.flatnonzero(used).tolist()] or [""], dtype=str)
        facility_rows = labels[(np.cumsum(used) - 1)[row_fac]]
    else:
        facility_rows = np.asarray(per_plan(facility, object), dtype=str)
    return LineTemplate(
        per_plan(index, np.intp),
        per_term(coef, float),
        per_term(gwp_, float),
        per_plan(share, float),
        per_term(bio, bool),
        per_plan(category, np.int64),
        np.zeros(row_plan_i.size, dtype=np.int8),
        per_term(group, str),  # every term has a row: as wide as the widest row's
        per_term(gas, object).tolist(),
        facility_rows,
        per_plan(ref, object).tolist(),
        np.array([pk[0] for pk in pairs], dtype=np.intp)[param_i],
        l_idx,
        np.array([pk[1] == "chain" for pk in pairs], dtype=bool)[param_i],
        [],
        plans,
        RowPlans(plans, row_plan_i),
        per_plan(scope3, np.intp),
        row_fac,
    )


def _expand(first: IntArray, count: IntArray) -> tuple[IntArray, IntArray]:
    """For runs of *count* consecutive items from *first*: each item's run, and the item."""
    total = int(count.sum())
    run = np.repeat(np.arange(count.size, dtype=np.intp), count)
    start = np.cumsum(count) - count
    item = np.repeat(first, count) + (np.arange(total, dtype=np.intp) - np.repeat(start, count))
    return run, item.astype(np.intp, copy=False)


def _rows_one_by_one(plans: Sequence[SourcePlan]) -> LineTemplate:
    """Lay out the rows plan by plan, term by term (scope-2 market terms and contracts)."""
    src: list[int] = []
    coef: list[float] = []
    gwp_: list[float] = []
    share: list[float] = []
    bio: list[bool] = []
    cat: list[int] = []
    basis: list[int] = []
    group: list[str] = []
    gas: list[str] = []
    fac: list[str] = []
    ref: list[str] = []
    p_idx: list[int] = []
    l_idx: list[int] = []
    chain: list[bool] = []
    row_plan: list[SourcePlan] = []
    scope3: list[int] = []
    contracts: list[tuple[int, list[tuple[str, str, float, list[int]]], list[int]]] = []

    def add(p: SourcePlan, t: GasTerm, b: int, r: str) -> int:
        row = len(src)
        src.append(p.index)
        coef.append(t.coef)
        gwp_.append(t.gwp)
        share.append(p.share)
        bio.append(t.biogenic)
        cat.append(p.category)
        basis.append(b)
        group.append(t.group)
        gas.append(t.gas)
        fac.append(p.facility)
        ref.append(r)
        row_plan.append(p)
        scope3.append(p.scope3_category or 0)
        for pidx, kind in t.params:
            p_idx.append(pidx)
            l_idx.append(row)
            chain.append(kind == "chain")
        return row

    for p in plans:
        if p.market_terms is None and not p.contracts:
            for t in p.terms:
                add(p, t, 0, p.factor_ref)
            continue
        for t in p.terms:
            add(p, t, 1, p.factor_ref)
        cons = []
        for c in p.contracts:
            rows = [add(p, t, 2, c.ref) for t in c.terms]
            cons.append((c.label, c.kind, c.amount, rows))
        residual_terms = p.market_terms if p.market_terms is not None else p.terms
        residual_ref = p.market_ref if p.market_ref is not None else p.factor_ref
        residual = [add(p, t, 2, residual_ref) for t in residual_terms]
        contracts.append((p.index, cons, residual))
    return LineTemplate(
        np.asarray(src, dtype=np.intp),
        np.asarray(coef, dtype=float),
        np.asarray(gwp_, dtype=float),
        np.asarray(share, dtype=float),
        np.asarray(bio, dtype=bool),
        np.asarray(cat, dtype=np.int64),
        np.asarray(basis, dtype=np.int8),
        np.asarray(group, dtype=str),
        gas,
        np.asarray(fac, dtype=str),
        ref,
        np.asarray(p_idx, dtype=np.intp),
        np.asarray(l_idx, dtype=np.intp),
        np.asarray(chain, dtype=bool),
        contracts,
        plans,
        row_plan,
        np.asarray(scope3, dtype=np.intp),
    )


@dataclass
class LineTable:
    """The output lines as columns: one row per source × gas (consolidated by ``share``).

    ``activity`` is in the source's base unit; contract rows have ``fixed`` (the MWh the
    instrument covers, not measured) and residual rows an ``offset`` (the covered MWh
    taken off the source's activity).
    """

    template: LineTemplate
    activity: FloatArray
    mass: FloatArray
    co2e: FloatArray
    fixed: FloatArray
    offset: FloatArray

    def __len__(self) -> int:
        return int(self.mass.size)

    @property
    def basis_names(self) -> npt.NDArray[np.str_]:
        """``both``, ``location`` or ``market`` per row."""
        return np.asarray(_BASIS_NAMES, dtype=str)[self.template.basis]

    def record(self, i: int) -> Line:
        """Row *i* as a :class:`Line` record."""
        t = self.template
        p = t.row_plan[i]
        return Line(
            source=p.source.id,
            facility=p.facility,
            category=p.category,
            scope=p.scope,
            scope3_category=p.scope3_category,
            gas=t.gas[i],
            group=str(t.group[i]),
            mass_t=float(self.mass[i]),
            co2e_t=float(self.co2e[i]),
            biogenic=bool(t.biogenic[i]),
            method=p.method,
            factor=t.ref[i],
            pack_version=p.pack_version,
            share=p.share,
            basis=_BASIS_NAMES[int(t.basis[i])],
            activity=float(self.activity[i]),
            base_unit=p.base_unit,
            gwp=float(t.gwp[i]),
        )


def build_lines(
    template: LineTemplate, stats: SourceStats, findings: list[Finding] | None = None
) -> LineTable:
    """Multiply per-source sums by per-gas coefficients, vectorised over rows.

    Scope-2 contract rows get the MWh each instrument covers, allocated in the GHG
    Protocol order up to the consumption; residual rows get the rest.
    """
    activity = stats.A[template.src]
    fixed = np.full(activity.size, np.nan)
    offset = np.zeros(activity.size)
    for s, cons, residual in template.contracts:
        a = float(stats.A[s])
        remaining = a
        plan = (
            template.plans[s]
            if template.plans[s].index == s
            else next(p for p in template.plans if p.index == s)
        )
        for label, kind, amount, rows in cons:
            covered = min(amount, remaining)
            if covered < amount and findings is not None:
                findings.append(
                    Finding(
                        "contracts_exceed_consumption",
                        "warning",
                        plan.source.id,
                        f"contract {label} ({kind}) covers {amount:g} {plan.base_unit} but only "
                        f"{remaining:g} {plan.base_unit} of consumption was left; "
                        f"{amount - covered:g} not counted",
                    )
                )
            remaining -= covered
            activity[rows] = covered
            fixed[rows] = covered
        activity[residual] = remaining
        offset[residual] = a - remaining
    mass = activity * template.coef * template.share
    co2e = mass * template.gwp
    return LineTable(template, activity, mass, co2e, fixed, offset)
