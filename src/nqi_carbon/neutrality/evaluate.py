"""Evaluating a claim: the footprint and its interval, the residual, the credits, the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CappedIssues, InvalidInputError, Issue
from .checks import claim_issues
from .criteria import criteria_set
from .model import Claim, Subject, load_claim
from .rules import credit_issues, serial_overlaps

if TYPE_CHECKING:
    from ..calc.result import Result

__all__ = ["Footprint", "evaluate_claims"]

RESIDUAL_TOLERANCE_T = 0.5
"""How far a stated residual may lie from the recomputed one (rounding to whole tonnes)."""


@dataclass(frozen=True)
class Footprint:
    """The subject's emissions for the period, t CO2e: central value, 95 % interval, removals."""

    value_t: float
    low_t: float
    high_t: float
    removals_t: float
    basis: str
    base_year_emissions_t: float | None = None
    findings: tuple[tuple[str, str, str], ...] = ()
    """The findings of the inventory's calculation: (code, severity, message)."""
    elements: tuple[tuple[str, float | None, str], ...] = ()
    """An event's boundary: (element, t CO2e or None when excluded, its sources or the
    reason it is excluded)."""


@dataclass
class Evaluated:
    """What :func:`evaluate_claims` found for one claim (the report is built from it)."""

    claim: Claim
    file: str | None
    sha256: str
    footprint: Footprint
    refusals: list[Issue] = field(default_factory=list)


def _period_issue(claim: Claim, name: str | None, start: Any, end: Any) -> InvalidInputError:
    return InvalidInputError(
        [
            Issue(
                "neutrality_period_mismatch",
                "the inventory's period is not the claim's period",
                file=name,
                field="period",
                value=f"{claim.period.start}..{claim.period.end}",
                allowed=f"the inventory's period {start}..{end}",
            )
        ],
        source=name,
    )


def _inventory_footprint(subject: Subject, name: str | None, claim: Claim) -> Footprint:
    """The inventory's gross total with its Approach 1 interval, and its removals."""
    from .._io.files import check_confined, written_path
    from ..calc.pipeline import calculate

    assert subject.inventory is not None  # Subject.subject_fields_fit
    target = written_path(subject.inventory, source_path=name, field="subject.inventory")
    check_confined(target, what="inventory")
    result = calculate(target, uncertainty="analytical")
    inv = result.inventory
    if inv.period.start != claim.period.start or inv.period.end != claim.period.end:
        raise _period_issue(claim, name, inv.period.start, inv.period.end)
    scope2 = subject.scope2 or "location_based"
    group = "total" if scope2 == "location_based" else "total_market"
    u = result.group_uncertainty[group]
    value = result.total_co2e if group == "total" else result.total_co2e_market_based
    base = inv.base_year.total_co2e_t if inv.base_year is not None else None
    basis = (
        f"inventory {subject.inventory} ({result.gwp_set}; Scope 2 "
        f"{scope2.replace('_', '-')}), 95 % interval by IPCC Approach 1"
    )
    findings = tuple((f.code, f.severity, f.message) for f in result.findings)
    removals = 0.0 - result.removals_co2e_t  # negative in the result; 0.0, never -0.0
    elements = _boundary(subject, result, name) if subject.kind == "event" else ()
    return Footprint(value, u.low, u.high, removals, basis, base, findings, elements)


def _boundary(
    subject: Subject, result: Result, name: str | None
) -> tuple[tuple[str, float | None, str], ...]:
    """Each element of an event's boundary with its tonnes; every source in exactly one element.

    Raises
    ------
    InvalidInputError
        ``neutrality_boundary_source``: a source the inventory does not have, one named in
        two elements, or one of the inventory's sources in no element (the elements must
        add up to the footprint).
    """
    assert subject.boundary is not None  # Subject.subject_fields_fit
    by_source = {
        str(s): float(t) for s, t in result.by("source")[["source", "co2e_t"]].itertuples(False)
    }
    known = {s.id for s in result.inventory.sources}
    seen: dict[str, str] = {}
    issues: list[Issue] = CappedIssues()  # one a source: a flood stays bounded

    def bad(where: str, sid: str, msg: str) -> None:
        issues.append(
            Issue("neutrality_boundary_source", msg, file=name, field=where, value=repr(sid))
        )

    for element, part in subject.boundary.items():
        for sid in part.sources:
            where = f"subject.boundary.{element}"
            if sid not in known:
                bad(where, sid, "the inventory has no source of this id")
            elif sid in seen:
                bad(where, sid, f"the source is already in element {seen[sid]}")
            seen.setdefault(sid, element)
    for sid in sorted(known - set(seen)):
        bad("subject.boundary", sid, "the inventory's source is in no element of the boundary")
    if issues:
        raise InvalidInputError(issues, source=name)
    return tuple(
        (
            element,
            sum(by_source.get(s, 0.0) for s in part.sources) if part.sources else None,
            ", ".join(part.sources) if part.sources else f"excluded: {part.excluded}",
        )
        for element, part in subject.boundary.items()
    )


def _footprint(claim: Claim, name: str | None) -> Footprint:
    s = claim.subject
    if s.kind != "footprint":
        return _inventory_footprint(s, name, claim)
    f = s.footprint
    assert f is not None  # Subject.subject_fields_fit
    removals = 0.0 if s.removals_t is None else s.removals_t
    return Footprint(f.value_t, f.low_t, f.high_t, removals, f"stated: {f.source}")


def required_t(claim: Claim, fp: Footprint) -> float:
    """The tonnes the retired credits must cover: the residual at the coverage basis."""
    gross = fp.high_t if claim.assumptions.coverage == "upper_95" else fp.value_t
    return max(gross - fp.removals_t, 0.0)


def _figure_issues(ev: Evaluated) -> list[Issue]:
    """Coverage, removal share and the stated residual."""
    claim, fp, name = ev.claim, ev.footprint, ev.file
    out: list[Issue] = []
    need = required_t(claim, fp)
    have = sum(c.serial.count for c in claim.credits)
    basis = "upper bound" if claim.assumptions.coverage == "upper_95" else "central value"
    if have < need:
        out.append(
            Issue(
                "neutrality_shortfall",
                f"{have:,} t of retired credits do not cover the residual of {need:,.3f} t "
                f"({basis}); short by {need - have:,.3f} t",
                file=name,
                field="credits",
                value=f"{have}",
                allowed=f"at least {need:,.3f} t",
            )
        )
    share = removal_share(claim)
    floor = claim.assumptions.min_removal_share
    if floor is not None and (share is None or share < floor):
        out.append(
            Issue(
                "neutrality_removal_share",
                f"removal credits are {0 if share is None else 100 * share:.1f} % of those retired",
                file=name,
                field="credits",
                allowed=f"at least {100 * floor:g} % (assumptions)",
            )
        )
    stated = claim.residual_emissions_t
    central = max(fp.value_t - fp.removals_t, 0.0)
    if stated is not None and abs(stated - central) > RESIDUAL_TOLERANCE_T:
        out.append(
            Issue(
                "neutrality_residual_mismatch",
                f"the claim states a residual of {stated:,.3f} t; recomputed {central:,.3f} t",
                file=name,
                field="residual_emissions_t",
                value=repr(stated),
                allowed=f"{central:,.3f} t within {RESIDUAL_TOLERANCE_T} t",
            )
        )
    return out


def removal_share(claim: Claim) -> float | None:
    """The share of removal credits among the tonnes retired (None when none are)."""
    total = sum(c.serial.count for c in claim.credits)
    removed = sum(c.serial.count for c in claim.credits if c.type == "removal")
    return removed / total if total else None


def evaluate_claims(sources: list[str | Path | dict[str, Any] | Claim]) -> list[Evaluated]:
    """Read every claim, compute each footprint, apply every rule; serials checked across all.

    Raises
    ------
    InvalidInputError
        A claim file that cannot be read or validated, an inventory that cannot be
        calculated, an inventory whose period is not the claim's.
    """
    loaded = [load_claim(s) for s in sources]
    names = [n if n is not None else f"#{k + 1}" for k, (_, n, _) in enumerate(loaded)]
    out = [Evaluated(c, n, sha, _footprint(c, n)) for c, n, sha in loaded]
    overlaps = serial_overlaps([e.claim for e in out], names)
    for ev, over in zip(out, overlaps, strict=True):
        fp = ev.footprint
        for key, v in (("value_t", fp.value_t), ("high_t", fp.high_t)):
            if not math.isfinite(v):
                raise InvalidInputError(
                    [
                        Issue(
                            "result_magnitude",
                            f"the footprint {key} overflows double precision",
                            file=ev.file,
                            field=key,
                            allowed="a finite figure",
                        )
                    ],
                    source=ev.file,
                )
        codes = criteria_set(ev.claim.criteria).codes
        ev.refusals = [
            *(i for i in (*_figure_issues(ev), *over) if i.code in codes),
            *credit_issues(ev.claim, ev.file),
            *claim_issues(ev.claim, fp, ev.file),
        ]
    return out


def criteria_title(claim: Claim) -> str:
    """The criteria's title (``ISO 14068-1:2023``, ``PAS 2060:2014``...)."""
    return criteria_set(claim.criteria).title
