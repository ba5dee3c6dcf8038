"""The rules a carbon-neutrality claim must meet, each with its reason code and its basis.

A rule that fails **refuses** the claim (an :class:`~nqi_carbon.errors.Issue` with
``severity="error"``); nothing is softened into a qualified claim. What each rule rests
on is in :data:`RULES`: a clause read in a secondary source is marked so, and a figure no
source fixed here (the vintage window) is the library's assumption, stated on the report
and configurable in the claim file's ``assumptions``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import Issue
from .model import Claim, Credit

__all__ = ["DEFAULTS", "RULES", "CriteriaDefaults", "credit_issues", "serial_overlaps"]


@dataclass(frozen=True)
class CriteriaDefaults:
    """The defaults of a criteria set (each overridable in ``assumptions``)."""

    title: str
    vintage_max_age_years: int
    retire_within_months: int
    retirement_anchor: str
    """``period_end``: retired at most N months after the period ends; ``claim_date``: at
    most N months before the claim (declaration) date."""


DEFAULTS = {
    "iso-14068-1": CriteriaDefaults("ISO 14068-1:2023", 5, 12, "period_end"),
    "pas-2060": CriteriaDefaults("PAS 2060:2014", 5, 12, "claim_date"),
}
"""The criteria sets. The 12 months are read in secondary sources (ISO 14068-1 clause 11.2:
credits retired within 12 months after the end of the period; PAS 2060 clause 9.1.2(e):
retired within 12 months of the declaration); the 5-year vintage window is nqi-carbon's
assumption, not either standard's text."""

RULES: dict[str, tuple[str, str]] = {
    "neutrality_shortfall": (
        "retired credits cover the residual emissions of the period (at the upper bound of "
        "the 95 % interval unless assumptions.coverage is central)",
        "ISO 14068-1 clause 9 and 11 (offsetting the residual; secondary source); the "
        "upper bound is nqi-carbon's rule",
    ),
    "neutrality_serial_overlap": (
        "a serial is counted once: ranges of the same registry and block never overlap, "
        "within a claim or across the claims evaluated together",
        "ISO 14068-1 clause 11.1 (double counting avoided; secondary source)",
    ),
    "neutrality_retired_after_claim": (
        "every credit is retired on or before the claim date",
        "nqi-carbon's rule: a claim cannot rest on credits not yet retired",
    ),
    "neutrality_retirement_window": (
        "credits are retired within the criteria's window (ISO 14068-1: at most N months "
        "after the period ends; PAS 2060: at most N months before the declaration)",
        "ISO 14068-1 clause 11.2, PAS 2060 clause 9.1.2(e), N = 12 (secondary sources; "
        "assumptions.retire_within_months)",
    ),
    "neutrality_vintage": (
        "a credit's vintage lies between N years before the period starts and the year it "
        "was retired (no credit for a reduction not yet made)",
        "nqi-carbon's assumption, N = 5 (assumptions.vintage_max_age_years); ex-post "
        "issuance: ISO 14068-1 clause 11.1 (secondary source)",
    ),
    "neutrality_beneficiary": (
        "each credit is retired on behalf of the claimant",
        "ISO 14068-1 clause 11 (retirement documented for the claim; secondary source)",
    ),
    "neutrality_removal_share": (
        "the share of removal credits is stated; when assumptions.min_removal_share is "
        "set, it is met",
        "nqi-carbon's rule (the share is reported; a minimum is the claimant's choice)",
    ),
    "neutrality_residual_mismatch": (
        "the residual emissions the claim states (if any) equal the recomputed residual "
        "within 0.5 t",
        "nqi-carbon's rule: every figure of the claim traceable",
    ),
}
"""Reason code -> (the rule, what it rests on)."""


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


def _window(claim: Claim) -> tuple[int, int]:
    """``(vintage_max_age_years, retire_within_months)`` in force for *claim*."""
    d, a = DEFAULTS[claim.criteria], claim.assumptions
    age = d.vintage_max_age_years if a.vintage_max_age_years is None else a.vintage_max_age_years
    months = d.retire_within_months if a.retire_within_months is None else a.retire_within_months
    return age, months


def _failures(claim: Claim, c: Credit) -> Iterable[tuple[str, str, str, str]]:
    """``(code, message, value, allowed)`` for each rule credit *c* of *claim* fails."""
    age, months = _window(claim)
    retired = repr(str(c.retired_on))
    if c.retired_on > claim.claim_date:
        yield (
            "neutrality_retired_after_claim",
            f"retired on {c.retired_on}, after the claim date {claim.claim_date}",
            retired,
            f"on or before {claim.claim_date}",
        )
    if DEFAULTS[claim.criteria].retirement_anchor == "period_end":
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


def credit_issues(claim: Claim, name: str | None) -> list[Issue]:
    """The refusals of each credit: retirement date and window, vintage, beneficiary."""
    return [
        _issue(code, message, i, c, name, value=value, allowed=allowed)
        for i, c in enumerate(claim.credits)
        for code, message, value, allowed in _failures(claim, c)
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
