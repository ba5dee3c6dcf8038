"""The checks of the claim as a whole: management plan, 1.5 °C pathway, PAS 2060, events.

One function per reason code; each runs only when the claim's criteria set lists its code
(``criteria.yaml``), and each failure refuses the claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, get_args

from ..errors import Issue
from .criteria import criteria_set
from .model import BoundaryElementName, Claim
from .pathway import pathway_points

if TYPE_CHECKING:
    from .evaluate import Footprint

__all__ = ["base_year_emissions", "claim_issues"]

Check = Callable[[Claim, "Footprint", "str | None"], Iterable[Issue]]


def base_year_emissions(claim: Claim, fp: Footprint) -> float | None:
    """The plan's base-year emissions: stated in the plan, else the inventory's base year."""
    stated = claim.management_plan.base_year_emissions_t
    return fp.base_year_emissions_t if stated is None else stated


def _management_plan(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    if base_year_emissions(claim, fp) is None:
        yield Issue(
            "neutrality_management_plan",
            f"the management plan does not give the emissions of its base year "
            f"{claim.management_plan.base_year} (and the inventory has no base year)",
            file=name,
            field="management_plan.base_year_emissions_t",
            allowed="the base year's emissions, t CO2e",
        )


def _pathway(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    if not criteria_set(claim.criteria).pathway_required:
        return
    plan = claim.management_plan
    for p in pathway_points(plan, base_year_emissions(claim, fp)):
        if not p.consistent:
            i = next(k for k, t in enumerate(plan.targets) if t.year == p.year)
            yield Issue(
                "neutrality_pathway_1_5c",
                f"the target for {p.year} ({100 * p.target_reduction:g} % below "
                f"{plan.base_year}) is shallower than the 1.5 °C pathway "
                f"({100 * p.pathway_reduction:.1f} %)",
                file=name,
                field=f"management_plan.targets[{i}]",
                value=repr(p.target_reduction),
                allowed=f"a reduction of at least {p.pathway_reduction:.3f}",
            )


def _reduction_evident(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    if claim.first_application_period:
        return
    base = base_year_emissions(claim, fp)
    if base is None or fp.value_t >= base:
        shown = "unknown" if base is None else f"{base:,.3f} t"
        yield Issue(
            "neutrality_reduction_evident",
            f"after the first application period a reduction against the base year must be "
            f"evident: emissions {fp.value_t:,.3f} t, base year {shown}",
            file=name,
            field="management_plan",
            allowed="emissions below the base year's, or first_application_period: true",
        )


def _qes(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    if claim.qualifying_explanatory_statement is None:
        yield Issue(
            "neutrality_qes",
            "the declaration names no qualifying explanatory statement (QES)",
            file=name,
            field="qualifying_explanatory_statement",
            allowed="the published QES (title, version, where it is published)",
        )


def _reductions_first(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    if not claim.reductions:
        yield Issue(
            "neutrality_reductions_first",
            "the claim lists no measure that reduced the emissions before offsetting",
            file=name,
            field="reductions",
            allowed="at least one reduction measure",
        )


def _event_boundary(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    s = claim.subject
    if s.kind != "event" or s.boundary is None:
        yield Issue(
            "neutrality_event_boundary",
            f"the subject is of kind {s.kind}: the criteria need an event whose footprint "
            "is computed over its boundary",
            file=name,
            field="subject.kind",
            value=repr(s.kind),
            allowed="event",
        )
        return
    missing = [e for e in get_args(BoundaryElementName) if e not in s.boundary]
    if missing:
        yield Issue(
            "neutrality_event_boundary",
            f"the boundary does not account for {', '.join(missing)}",
            file=name,
            field="subject.boundary",
            allowed="each element listed with its sources or excluded with a reason",
        )


def _claim_verified(claim: Claim, fp: Footprint, name: str | None) -> Iterable[Issue]:
    v = claim.verification
    if v is None:
        yield Issue(
            "neutrality_claim_verified",
            "the carbon-neutrality report names no third-party verification",
            file=name,
            field="verification",
            allowed="verification: body, statement, date",
        )
    elif v.date > claim.claim_date:
        yield Issue(
            "neutrality_claim_verified",
            f"verified on {v.date}, after the claim date {claim.claim_date}",
            file=name,
            field="verification.date",
            value=repr(str(v.date)),
            allowed=f"on or before {claim.claim_date}",
        )


CHECKS: dict[str, Check] = {
    "neutrality_management_plan": _management_plan,
    "neutrality_pathway_1_5c": _pathway,
    "neutrality_reduction_evident": _reduction_evident,
    "neutrality_qes": _qes,
    "neutrality_reductions_first": _reductions_first,
    "neutrality_event_boundary": _event_boundary,
    "neutrality_claim_verified": _claim_verified,
}
"""Reason code -> its check of the claim as a whole."""


def claim_issues(claim: Claim, fp: Footprint, name: str | None) -> list[Issue]:
    """The refusals of the claim as a whole under its criteria set."""
    codes = criteria_set(claim.criteria).codes
    return [i for code, check in CHECKS.items() if code in codes for i in check(claim, fp, name)]
