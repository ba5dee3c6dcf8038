"""The checks of the credits a claim rests on, one per reason code.

A rule that fails **refuses** the claim (an :class:`~nqi_carbon.errors.Issue` with
``severity="error"``); nothing is softened into a qualified claim. Which rules a claim is
checked against, the clause each rests on and how far it is confirmed are data
(``criteria.yaml``, read by :mod:`.criteria`): a check runs only when the claim's
criteria set lists its code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import Issue
from .criteria import criteria_set
from .model import Claim, Credit

__all__ = ["credit_issues", "serial_overlaps", "window"]


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _months_after(d: _dt.date, months: int) -> _dt.date:
    """*d* plus *months* calendar months (the day clamped to the month's length).

    A date beyond the calendar (after 9999, before year 1) is its last or first day.
    """
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    if year > _dt.MAXYEAR:
        return _dt.date.max
    if year < _dt.MINYEAR:
        return _dt.date.min
    return _dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _issue(
    code: str,
    message: str,
    i: int,
    credit: Credit,
    name: str | None,
    *,
    value: str | None = None,
    allowed: str | None = None,
) -> Issue:
    return Issue(
        code,
        message,
        file=name,
        field=f"credits[{i}]",
        value=value,
        allowed=allowed,
        source=credit.project,
    )


def window(claim: Claim) -> tuple[int, int]:
    """``(vintage_max_age_years, retire_within_months)`` in force for *claim*."""
    d, a = criteria_set(claim.criteria), claim.assumptions
    age = d.vintage_max_age_years if a.vintage_max_age_years is None else a.vintage_max_age_years
    months = d.retire_within_months if a.retire_within_months is None else a.retire_within_months
    return age, months


def _failures(claim: Claim, c: Credit) -> Iterable[tuple[str, str, str, str]]:
    """``(code, message, value, allowed)`` for each date rule credit *c* of *claim* fails."""
    age, months = window(claim)
    retired = repr(str(c.retired_on))
    if c.retired_on > claim.claim_date:
        yield (
            "neutrality_retired_after_claim",
            f"retired on {c.retired_on}, after the claim date {claim.claim_date}",
            retired,
            f"on or before {claim.claim_date}",
        )
    if criteria_set(claim.criteria).retirement_anchor == "period_end":
        latest = _months_after(claim.period.end - _dt.timedelta(days=1), months)
        if c.retired_on > latest:
            yield (
                "neutrality_retirement_window",
                f"retired on {c.retired_on}, more than {months} months after the period",
                retired,
                f"on or before {latest}",
            )
    elif c.retired_on < (earliest := _months_after(claim.claim_date, -months)):
        yield (
            "neutrality_retirement_window",
            f"retired on {c.retired_on}, more than {months} months before the claim",
            retired,
            f"on or after {earliest}",
        )
    first = claim.period.start.year - age
    if not first <= c.vintage <= c.retired_on.year:
        yield (
            "neutrality_vintage",
            f"vintage {c.vintage} is outside the window for this period and retirement",
            repr(c.vintage),
            f"{first} to {c.retired_on.year} ({age} years before the period, "
            "up to the year of retirement)",
        )
    if _norm(c.beneficiary) != _norm(claim.claimant):
        yield (
            "neutrality_beneficiary",
            f"retired for {c.beneficiary!r}, not for the claimant {claim.claimant!r}",
            repr(c.beneficiary),
            repr(claim.claimant),
        )


def _evidence_failures(claim: Claim, c: Credit) -> Iterable[tuple[str, str, str, str]]:
    """``(code, message, value, allowed)`` for each quality rule credit *c* fails."""
    if c.additionality is None:
        yield (
            "neutrality_credit_additionality",
            "the credit does not state how its project's additionality was demonstrated",
            "",
            "additionality: the methodology or tool that demonstrated it",
        )
    if c.verified_by is None:
        yield (
            "neutrality_credit_verification",
            "the credit does not name the independent third party that verified it",
            "",
            "verified_by: the verification body",
        )
    if c.type == "removal" and c.reversal_risk is None:
        yield (
            "neutrality_removal_permanence",
            f"the removal credit states a permanence of {c.permanence_years} years but not "
            "how the risk of reversal is managed",
            "",
            "reversal_risk: buffer pool, insurance or monitoring and replacement",
        )
    yield from _type_failures(claim, c)


def _type_failures(claim: Claim, c: Credit) -> Iterable[tuple[str, str, str, str]]:
    """The offset types a criteria set accepts (``accepted_registries``), with their conditions."""
    accepted = criteria_set(claim.criteria).accepted_registries
    if accepted is None:
        return
    if c.registry not in accepted:
        yield (
            "neutrality_offset_type",
            f"{c.registry!r} is not an offset type the criteria accept",
            repr(c.registry),
            ", ".join(accepted),
        )
    elif c.registry == "CDM" and c.host_country != "CN":
        yield (
            "neutrality_offset_type",
            "CERs are accepted from CDM projects in China only",
            repr(c.host_country),
            "host_country: CN",
        )
    elif c.registry == "Puhui" and c.approved_by is None:
        yield (
            "neutrality_offset_type",
            "carbon-inclusion (Puhui) reductions are accepted when approved by a provincial "
            "or national authority, and the claim names none",
            "",
            "approved_by: the approving authority",
        )


def credit_issues(claim: Claim, name: str | None) -> list[Issue]:
    """The refusals of each credit under the claim's criteria: dates, beneficiary, quality, type."""
    codes = criteria_set(claim.criteria).codes
    return [
        _issue(code, message, i, c, name, value=value or None, allowed=allowed)
        for i, c in enumerate(claim.credits)
        for failures in (_failures(claim, c), _evidence_failures(claim, c))
        for code, message, value, allowed in failures
        if code in codes
    ]


@dataclass(frozen=True)
class _Range:
    key: tuple[str, str]
    start: int
    end: int
    claim: int
    index: int


def _ranges(claims: Sequence[Claim]) -> Iterable[_Range]:
    for k, claim in enumerate(claims):
        for i, c in enumerate(claim.credits):
            registry = c.registry if c.registry != "other" else f"other:{c.registry_name}"
            key = (_norm(registry), _norm(c.serial.block))
            yield _Range(key, c.serial.start, c.serial.end, k, i)


def serial_overlaps(claims: Sequence[Claim], names: Sequence[str | None]) -> list[list[Issue]]:
    """For each claim, the refusals for its serial ranges that overlap another range.

    Ranges of one registry and block (compared without case or repeated spaces) are
    sorted and swept once: each range is compared with the furthest-reaching range before
    it, so the cost is ``n log n`` in the number of credits. Both credits of an overlap
    are named, in whichever claims they belong to.
    """
    out: list[list[Issue]] = [[] for _ in claims]
    reach: _Range | None = None
    for r in sorted(_ranges(claims), key=lambda r: (r.key, r.start, r.end)):
        if reach is not None and reach.key == r.key and r.start <= reach.end:
            for this, other in ((r, reach), (reach, r)):
                c = claims[this.claim].credits[this.index]
                where = "this claim" if other.claim == this.claim else f"claim {names[other.claim]}"
                out[this.claim].append(
                    _issue(
                        "neutrality_serial_overlap",
                        f"serials {c.serial.start}-{c.serial.end} of block {c.serial.block!r} "
                        f"overlap credits[{other.index}] of {where} "
                        f"({other.start}-{other.end})",
                        this.index,
                        c,
                        names[this.claim],
                        allowed="each serial retired and counted once",
                    )
                )
        if reach is None or reach.key != r.key or r.end > reach.end:
            reach = r
    return out
