"""Specific embedded emissions per production process, from the installation's inventory.

The steps, each a plain function (``docs/reference/cbam.md`` cites every rule):

1. :func:`source_emissions` — the inventory calculated: each direct (category 1)
   source's fossil emissions [t CO2e], and the CO2 per MWh of each category-2 source;
2. :func:`check_attribution` — the file fits its inventory: attributed sources exist and
   are direct, no source is attributed more than whole, the electricity sources are
   category 2 with a factor per energy, the rules fit the period; every problem at once;
3. :func:`process_figures` — per process, in precursor order: attributed direct emissions
   ``DirEm + Em_H,imp - Em_H,exp + WG_imp - WG_exp - Em_el,exp``, attributed indirect
   emissions ``MWh x EF``, the precursors' embedded emissions ``sum M_i x SEE_i`` and
   ``SEE = (AttrEm + EE_InpMat) / AL`` for each of direct and indirect.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import CappedIssues, InvalidInputError, Issue, NqiCarbonError, first_of
from .rules import Category, cbam_rules

if TYPE_CHECKING:
    from ..calc.result import Result
    from .model import Installation, Process, PurchasedPrecursor

__all__ = [
    "DEFINITIVE_FROM",
    "TRANSITIONAL_FROM",
    "InventoryEmissions",
    "PrecursorLine",
    "ProcessFigures",
    "check_attribution",
    "process_figures",
    "source_emissions",
]

TRANSITIONAL_FROM = _dt.date(2023, 10, 1)
"""The transitional period runs from 1 October 2023 (Regulation (EU) 2023/956 Article 32)."""
DEFINITIVE_FROM = _dt.date(2026, 1, 1)
"""The definitive period starts on 1 January 2026 (Implementing Regulation (EU) 2023/1773 recital 1)."""


@dataclass(frozen=True)
class InventoryEmissions:
    """What the installation's inventory gives the CBAM calculation."""

    direct_t: dict[str, float]
    """Fossil t CO2e per category-1 source (biogenic CO2 apart, as the inventory keeps it)."""
    category: dict[str, int]
    """The ISO category of every source."""
    electricity_factor: dict[str, tuple[float | None, str]]
    """Per category-2 source: its factor's t CO2 per MWh (None when not per energy), citation."""
    total_direct_t: float
    total_indirect_t: float
    gwp_set: str
    lines: tuple[dict[str, Any], ...] = ()
    """The result lines of the category-1 sources (source, method, gas, activity, masses)."""
    excluded: frozenset[str] = frozenset()
    """Sources of facilities outside the inventory's boundary (consolidation share 0)."""


@dataclass(frozen=True)
class PrecursorLine:
    """One precursor consumed by a process and what it carries into the good."""

    ref: str
    kind: str  # "process" or "purchased"
    category: str
    amount: float
    see_direct: float
    see_indirect: float
    see_indirect_counted: float
    default_direct: float
    """t CO2e per unit of the precursor that come from default values (direct)."""
    default_indirect: float
    embedded_electricity: float
    """MWh per unit of the precursor (its own and its precursors' electricity)."""


@dataclass(frozen=True)
class ProcessFigures:
    """Every figure of one production process (t CO2e; per unit of its good where specific)."""

    process: Process
    category: Category
    direct_t: float  # DirEm: the attributed inventory sources
    heat_t: float
    waste_gas_t: float
    electricity_exported_t: float
    attributed_direct_t: float
    electricity_mwh: float
    electricity_factor: float | None
    electricity_factor_source: str
    attributed_indirect_t: float
    precursors: tuple[PrecursorLine, ...]
    see_direct: float
    see_indirect: float
    see_indirect_counted: float
    """SEE (indirect) as it counts under the rules in force (0 for Annex II goods from 2026)."""
    embedded_electricity: float
    default_direct: float
    default_indirect: float
    findings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def activity_level(self) -> float:
        """The activity level AL [t or MWh of the good]."""
        return self.process.activity_level

    @property
    def se_direct(self) -> float:
        """Specific direct emissions of the process alone (no precursors) [t CO2e/unit]."""
        return self.attributed_direct_t / self.activity_level

    @property
    def se_indirect(self) -> float:
        """Specific indirect emissions of the process alone [t CO2e/unit]."""
        return self.attributed_indirect_t / self.activity_level

    @property
    def see_total(self) -> float:
        """SEE (total) as counted: direct plus the indirect that counts under the rules."""
        return self.see_direct + self.see_indirect_counted

    @property
    def default_share(self) -> float:
        """Share of the embedded emissions (direct + indirect) from default values."""
        total = self.see_direct + self.see_indirect
        return (self.default_direct + self.default_indirect) / total if total > 0 else 0.0

    @property
    def electricity_ef(self) -> float | None:
        """SEE (indirect) / embedded electricity [t CO2/MWh] (Summary_Communication P)."""
        e = self.embedded_electricity
        return None if e == 0 else self.see_indirect / e


def fsum(values: Iterable[float]) -> float:
    """An exact sum (:func:`math.fsum`); NaN where it overflows, refused by :func:`finite_or_refuse`."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # "intermediate overflow", "-inf + inf"
        return math.nan


def source_emissions(result: Result) -> InventoryEmissions:
    """The inventory's direct emissions per source and the electricity factor of each grid source."""
    from ..units import conversion_factor

    lines = result.lines
    loc = lines[(lines["basis"] != "market") & ~lines["biogenic"]].copy()
    # the installation's emissions whole: the inventory's lines are consolidated by share
    # (equity share, or 0 for a facility outside the control boundary)
    excluded = frozenset(str(s) for s in loc.loc[loc["share"] <= 0, "source"])
    loc = loc[loc["share"] > 0]
    for col in ("co2e_t", "mass_t"):
        loc[col] = loc[col] / loc["share"]
    sums = loc.groupby("source")["co2e_t"].apply(lambda s: fsum(s.tolist()))
    category = {s.id: s.category for s in result.inventory.sources}
    direct = {str(k): float(v) for k, v in sums.items() if category.get(str(k)) == 1}
    factors: dict[str, tuple[float | None, str]] = {}
    for plan in result.plans:
        if plan.category != 2 or plan.source.id in factors:
            continue
        f = result.factors_used.get(plan.factor_ref)
        value: float | None = None
        cite = plan.factor_ref
        if f is not None and f.entry.gases is not None and "CO2" in f.entry.gases:
            g = f.entry.gases["CO2"]
            try:
                value = g.value * conversion_factor(g.unit, "t/MWh")
            except NqiCarbonError:  # a factor not per energy: not an electricity factor
                value = None
            cite = f"{plan.factor_ref}: {f.citation_text('CO2')}"
        factors[plan.source.id] = (value, cite)
    total_dir = fsum(v for k, v in sums.items() if category.get(str(k)) == 1)
    total_ind = fsum(v for k, v in sums.items() if category.get(str(k)) == 2)
    cols = ["source", "method", "gas", "activity", "activity_unit", "mass_t", "co2e_t"]
    rows = tuple(
        dict(zip(cols, r, strict=True))
        for r in loc[cols].itertuples(index=False, name=None)
        if category.get(str(r[0])) == 1
    )
    return InventoryEmissions(
        direct,
        category,
        factors,
        float(total_dir),
        float(total_ind),
        result.gwp_set,
        rows,
        excluded,
    )


def check_attribution(
    inst: Installation, em: InventoryEmissions, period: Any, file: str | None
) -> None:
    """Refuse a file that does not fit its inventory: every problem at once.

    Raises
    ------
    InvalidInputError
        Reason codes ``cbam_source_unknown``, ``cbam_source_excluded``,
        ``cbam_source_not_direct``, ``cbam_source_overattributed``,
        ``cbam_electricity_source``, ``cbam_rules_period``,
        ``cbam_precursor_exceeds_production``.
    """
    issues: list[Issue] = CappedIssues()  # per source of a process: a flood stays bounded
    known = "a source id of the inventory: " + first_of(sorted(em.category))  # built once
    electric = "a category-2 source whose factor gives CO2 per MWh (or kWh, GJ...): " + (
        first_of(sorted(s for s, v in em.electricity_factor.items() if v[0] is not None))
        or "none"
    )
    shares: dict[str, float] = {}
    for k, p in enumerate(inst.processes):
        for j, s in enumerate(p.sources):
            where = f"processes[{k}].sources[{j}].source"
            cat = em.category.get(s.source)
            if cat is None:
                issues.append(
                    Issue(
                        "cbam_source_unknown",
                        f"process {p.id}: no source {s.source!r} in the inventory",
                        file=file,
                        field=where,
                        value=s.source,
                        allowed=known,
                    )
                )
            elif s.source in em.excluded:
                issues.append(
                    Issue(
                        "cbam_source_excluded",
                        f"process {p.id}: source {s.source} is outside the inventory's "
                        "consolidation boundary (share 0), so its emissions are not calculated",
                        file=file,
                        field=where,
                        value=s.source,
                        allowed="a source of a facility the inventory consolidates",
                    )
                )
            elif cat != 1:
                issues.append(
                    Issue(
                        "cbam_source_not_direct",
                        f"process {p.id}: source {s.source} is category {cat}; direct "
                        "emissions (DirEm) come from category-1 sources, electricity is "
                        "given under 'electricity'",
                        file=file,
                        field=where,
                        value=s.source,
                        allowed="a category-1 source",
                    )
                )
            shares[s.source] = shares.get(s.source, 0.0) + s.share
        issues += _electricity_issues(p, k, em, file, electric)
    for src, total in sorted(shares.items()):
        if total > 1 + 1e-9:
            issues.append(
                Issue(
                    "cbam_source_overattributed",
                    f"source {src} is attributed {total:g} times over (shares add up past 1)",
                    file=file,
                    field="processes[].sources[].share",
                    value=f"{total:g}",
                    allowed="shares of one source adding up to at most 1",
                )
            )
    issues += _rules_period_issues(inst, period, file)
    issues += _balance_issues(inst, file)
    if issues:
        raise InvalidInputError(issues, source=file)


def _electricity_issues(
    p: Process, k: int, em: InventoryEmissions, file: str | None, allowed: str
) -> list[Issue]:
    e = p.electricity
    if e is None or e.inventory_source is None:
        return []
    got = em.electricity_factor.get(e.inventory_source)
    if got is not None and got[0] is not None:
        return []
    why = (
        "is not a category-2 source of the inventory"
        if got is None
        else "has a factor without CO2 per unit of energy"
    )
    return [
        Issue(
            "cbam_electricity_source",
            f"process {p.id}: electricity source {e.inventory_source!r} {why}",
            file=file,
            field=f"processes[{k}].electricity.inventory_source",
            value=e.inventory_source,
            allowed=allowed,
        )
    ]


def _balance_issues(inst: Installation, file: str | None) -> list[Issue]:
    """A process's output is not used up more than once: market + consumption <= AL.

    The template's control line (D_Processes (e)): total production less what is produced
    for the market and what the other processes consume must not be negative.
    """
    used: dict[str, float] = {}
    for p in inst.processes:
        for u in p.precursors:
            if u.process is not None:
                used[u.process] = used.get(u.process, 0.0) + u.amount
    out: list[Issue] = []
    for k, p in enumerate(inst.processes):
        market = 0.0 if p.produced_for_market is None else p.produced_for_market
        total = market + used.get(p.id, 0.0)
        if total > p.activity_level * (1 + 1e-9):
            out.append(
                Issue(
                    "cbam_precursor_exceeds_production",
                    f"process {p.id}: {market:,.3f} produced for the market and "
                    f"{used.get(p.id, 0.0):,.3f} consumed by other processes exceed its "
                    f"activity level {p.activity_level:,.3f}",
                    file=file,
                    field=f"processes[{k}].activity_level",
                    value=repr(p.activity_level),
                    allowed=f"at least {total:,.3f} (market plus consumption in the installation)",
                )
            )
    return out


def _rules_period_issues(inst: Installation, period: Any, file: str | None) -> list[Issue]:
    ok = (
        period.start >= TRANSITIONAL_FROM and period.end <= DEFINITIVE_FROM
        if inst.rules == "transitional"
        else period.start >= DEFINITIVE_FROM
    )
    if ok:
        return []
    allowed = (
        "a period from 2023-10-01 to 2026-01-01 (exclusive) for the transitional rules"
        if inst.rules == "transitional"
        else "a period from 2026-01-01 on for the definitive rules"
    )
    return [
        Issue(
            "cbam_rules_period",
            f"the inventory's period {period.start}..{period.end} does not fall under the "
            f"{inst.rules} rules",
            file=file,
            field="rules",
            value=inst.rules,
            allowed=allowed,
        )
    ]


def _direct_terms(p: Process) -> tuple[float, float, float]:
    """Heat, waste gases and exported electricity [t CO2], as the template's D_Processes."""
    c = cbam_rules().constants
    h, w, x = p.heat, p.waste_gases, p.electricity_exported
    heat = (
        0.0
        if h is None
        else (
            h.imported_tj * h.imported_factor_t_per_tj - h.exported_tj * h.exported_factor_t_per_tj
        )
    )
    ef_ng = c["natural_gas_ef_t_per_tj"]
    gas = (
        0.0
        if w is None
        else (w.imported_tj * ef_ng - w.exported_tj * ef_ng * c["waste_gas_export_correction"])
    )
    exported = 0.0 if x is None else -x.exported_mwh * x.factor_t_per_mwh
    return heat, gas, exported


def _counted(indirect: float, annex_ii: bool, rules: str) -> float:
    """The indirect emissions that count: all (transitional), none for Annex II (definitive)."""
    return 0.0 if rules == "definitive" and annex_ii else indirect


def _purchased_line(u: Any, b: PurchasedPrecursor, rules: str) -> PrecursorLine:
    cat = cbam_rules().category(b.category)
    ind = b.see_indirect_value
    default = b.data == "default"
    elec = b.electricity_mwh_per_unit if b.electricity_mwh_per_unit is not None else 0.0
    return PrecursorLine(
        u.ref,
        "purchased",
        b.category,
        u.amount,
        b.see_direct,
        ind,
        _counted(ind, cat.annex_ii, rules),
        b.see_direct if default else 0.0,
        ind if default else 0.0,
        elec,
    )


def _own_line(u: Any, f: ProcessFigures) -> PrecursorLine:
    return PrecursorLine(
        u.ref,
        "process",
        f.category.name,
        u.amount,
        f.see_direct,
        f.see_indirect,
        f.see_indirect_counted,
        f.default_direct,
        f.default_indirect,
        f.embedded_electricity,
    )


def _electricity(p: Process, em: InventoryEmissions) -> tuple[float, float | None, str]:
    e = p.electricity
    if e is None:
        return 0.0, None, ""
    if e.inventory_source is not None:
        value, cite = em.electricity_factor[e.inventory_source]
        return e.consumed_mwh, value, f"inventory source {e.inventory_source} ({cite})"
    return e.consumed_mwh, e.factor_t_per_mwh, str(e.factor_source)


def process_figures(inst: Installation, em: InventoryEmissions) -> list[ProcessFigures]:
    """Every process's figures, computed in precursor order, returned in the file's order."""
    done: dict[str, ProcessFigures] = {}
    bought = {b.id: b for b in inst.purchased_precursors}
    for p in inst.process_order():
        lines = tuple(
            _own_line(u, done[u.ref])
            if u.process is not None
            else _purchased_line(u, bought[u.ref], inst.rules)
            for u in p.precursors
        )
        done[p.id] = _figures(p, lines, em, inst.rules)
    return [done[p.id] for p in inst.processes]


def _figures(
    p: Process, lines: tuple[PrecursorLine, ...], em: InventoryEmissions, rules: str
) -> ProcessFigures:
    cat = cbam_rules().category(p.category)
    # a source of biogenic CO2 only has no fossil line: it adds nothing to DirEm
    direct = fsum(em.direct_t.get(s.source, 0.0) * s.share for s in p.sources)
    heat, gas, exported = _direct_terms(p)
    attr_dir = fsum((direct, heat, gas, exported))
    mwh, ef, ef_source = _electricity(p, em)
    attr_ind = 0.0 if ef is None else mwh * ef
    al = p.activity_level

    def per(values: list[float]) -> float:
        return fsum(values) / al

    emb_dir = [ln.amount * ln.see_direct for ln in lines]
    emb_ind = [ln.amount * ln.see_indirect for ln in lines]
    # the precursors' indirect emissions count by their own Annex II status, the
    # process's own by its good's (Regulation 2025/2547 Annex I point 3.1)
    counted = [ln.amount * ln.see_indirect_counted for ln in lines]
    findings = [
        (
            "cbam_precursor_not_listed",
            f"process {p.id} ({p.category}) consumes {ln.category} ({ln.ref}), not listed "
            f"among its relevant precursors ({', '.join(cat.precursors) or 'none'})",
        )
        for ln in lines
        if ln.category not in cat.precursors
    ]
    if p.electricity is None and _counted(1.0, cat.annex_ii, rules) > 0:
        findings.append(
            (
                "cbam_no_electricity",
                f"process {p.id} ({p.category}) states no electricity: its own indirect "
                "emissions are taken as zero, though they count for this good",
            )
        )
    return ProcessFigures(
        process=p,
        category=cat,
        direct_t=direct,
        heat_t=heat,
        waste_gas_t=gas,
        electricity_exported_t=exported,
        attributed_direct_t=attr_dir,
        electricity_mwh=mwh,
        electricity_factor=ef,
        electricity_factor_source=ef_source,
        attributed_indirect_t=attr_ind,
        precursors=lines,
        see_direct=per([attr_dir, *emb_dir]),
        see_indirect=per([attr_ind, *emb_ind]),
        see_indirect_counted=per([_counted(attr_ind, cat.annex_ii, rules), *counted]),
        embedded_electricity=per([mwh, *(ln.amount * ln.embedded_electricity for ln in lines)]),
        default_direct=per([ln.amount * ln.default_direct for ln in lines]),
        default_indirect=per([ln.amount * ln.default_indirect for ln in lines]),
        findings=tuple(findings),
    )


def _figures_of(f: ProcessFigures) -> list[float]:
    """Every number of *f* that goes into the outputs."""
    values = [
        f.direct_t, f.heat_t, f.waste_gas_t, f.electricity_exported_t, f.attributed_direct_t,
        f.attributed_indirect_t, f.see_direct, f.see_indirect, f.see_indirect_counted,
        f.see_total, f.embedded_electricity, f.default_share, f.se_direct, f.se_indirect,
        f.electricity_mwh / f.activity_level,
    ]  # fmt: skip
    ef = f.electricity_ef
    return values if ef is None else [*values, ef]


def finite_or_refuse(figures: list[ProcessFigures], file: str | None) -> None:
    """Refuse figures that overflow double precision (``result_magnitude``)."""
    bad = [f.process.id for f in figures if not all(math.isfinite(v) for v in _figures_of(f))]
    if bad:
        raise InvalidInputError(
            [
                Issue(
                    "result_magnitude",
                    f"the figures of process(es) {', '.join(bad)} overflow double precision",
                    file=file,
                    field="processes",
                    allowed="finite figures",
                )
            ],
            source=file,
        )
