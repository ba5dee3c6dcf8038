"""Which contractual instruments a market-based Scope 2 figure may use.

GHG Protocol Scope 2 Guidance (2015) ch. 7: only instruments that meet the Scope 2
Quality Criteria count in the market-based method. An instrument is not used when it is
stated as failing them (``quality_criteria_met: false``), when its vintage lies outside
the inventory's window (criterion 4: issued and redeemed as close as possible to the
period of consumption) or when it comes from another market than the consumption
(criterion 6: same market). The energy it would have covered takes the residual mix (or
the location factor, with the finding ``residual_factor_missing``, when no residual mix
is given). Each refusal is a warning finding naming the instrument and its amount; a
certificate or PPA without retirement evidence is used but reported.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from ..inventory.periods import _period_bounds
from .findings import Finding

if TYPE_CHECKING:
    from ..inventory.models import Contract, Inventory, Source

__all__ = ["usable_contracts"]


def _add_months(day: _dt.date, months: int) -> _dt.date:
    """The first of the month *months* after (or before) *day*'s month; *day* is a first."""
    index = day.year * 12 + day.month - 1 + months
    return _dt.date(index // 12, index % 12 + 1, 1)


def _label(src: Source, j: int, c: Contract) -> str:
    return c.id or f"{src.id}#contract{j}"


def vintage_window(inv: Inventory) -> tuple[_dt.date, _dt.date, str]:
    """The generation dates a certificate's vintage must lie in (end exclusive), and why.

    The reporting period widened by ``scope2_quality.vintage_months_before`` and
    ``vintage_months_after`` (months from the first of the period's first month).
    """
    q = inv.scope2_quality
    before, after = (q.vintage_months_before, q.vintage_months_after) if q else (0, 0)
    start = _add_months(inv.period.start.replace(day=1), -before)
    end_month = (
        inv.period.end if inv.period.end.day == 1 else _add_months(inv.period.end.replace(day=1), 1)
    )
    end = _add_months(end_month, after)
    rule = (q.rule if q and q.rule else None) or (
        "the reporting period"
        if not (before or after)
        else f"{before} months before to {after} months after the reporting period"
    )
    return start, end, rule


def consumption_market(inv: Inventory, src: Source) -> str | None:
    """The market a source's consumption is in: ``electricity_market``, else its facility's region."""
    if src.electricity_market is not None:
        return src.electricity_market
    return inv.facility(src.facility).region


def same_market(instrument: str, consumption: str) -> bool:
    """An instrument's market covers the consumption's: equal, or a region inside it.

    ``CN`` covers ``CN-JS``; ``CN-GD`` does not cover ``CN-JS``; names compare without
    regard to case.
    """
    a, b = instrument.strip().upper(), consumption.strip().upper()
    return a == b or b.startswith(a + "-")


def _refusal(inv: Inventory, src: Source, c: Contract) -> str | None:
    """Why the instrument may not be used (code: message), or None when it may."""
    if c.quality_criteria_met is False:
        return (
            "contract_quality_criteria_not_met:stated as not meeting the Scope 2 Quality Criteria"
        )
    if c.vintage is not None:
        v0, v1 = _period_bounds(c.vintage)
        w0, w1, rule = vintage_window(inv)
        if v0 < w0 or v1 > w1:
            return (
                f"contract_vintage_outside_rules:vintage {c.vintage} lies outside {w0} to {w1} "
                f"(end exclusive; {rule})"
            )
    if c.market is not None:
        where = consumption_market(inv, src)
        if where is not None and not same_market(c.market, where):
            return (
                f"contract_market_differs:issued for market {c.market!r}, the consumption is in "
                f"{where!r} (Scope 2 Quality Criterion 6: the same market)"
            )
    return None


def usable_contracts(
    inv: Inventory, src: Source
) -> tuple[list[tuple[int, Contract]], list[Finding]]:
    """The source's contracts that may be used, with their index, and the findings.

    Refused instruments (criteria stated as not met, vintage outside the window, another
    market) are left out with a warning each; certificates and PPAs without a retirement
    date, and instruments whose market cannot be compared, are used with a finding.
    """
    used: list[tuple[int, Contract]] = []
    findings: list[Finding] = []
    for j, c in enumerate(src.contracts):
        label = _label(src, j, c)
        what = f"contract {label} ({c.kind}, {c.amount:g} {c.unit})"
        refusal = _refusal(inv, src, c)
        if refusal is not None:
            code, why = refusal.split(":", 1)
            findings.append(
                Finding(
                    code,
                    "warning",
                    src.id,
                    f"{what} is not used in the market-based figure: {why}; the energy it "
                    "would cover takes the residual mix",
                )
            )
            continue
        used.append((j, c))
        if c.kind in ("certificate", "ppa") and (c.retirement is None or c.retirement.date is None):
            findings.append(
                Finding(
                    "contract_retirement_not_evidenced",
                    "warning",
                    src.id,
                    f"{what} states no retirement (cancellation) date: evidence that it was "
                    "retired for the organization is needed (Scope 2 Quality Criterion 3)",
                )
            )
        if c.market is not None and consumption_market(inv, src) is None:
            findings.append(
                Finding(
                    "contract_market_not_checked",
                    "info",
                    src.id,
                    f"{what} is issued for {c.market!r}; the source states no electricity_market "
                    "and its facility no region: the market was not compared",
                )
            )
    return used, findings
