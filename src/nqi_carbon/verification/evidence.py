"""Evidence behind the figures.

Tier checks of activity data, readings after a calibration due date, and the metrology
and data-quality findings a verification reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ..calc.findings import Finding
from ..calc.pipeline import calculate
from ..calc.result import Result
from ..errors import InvalidInputError
from ..inventory.models import Inventory

__all__ = ["TIER_BOUNDS", "TierCheck", "UnsupportedEvidence", "tier_checks"]

TIER_BOUNDS: dict[int, float] = {1: 0.075, 2: 0.05, 3: 0.025, 4: 0.015}
"""Maximum permissible uncertainty of activity data over the reporting period per tier for
fuels (EU MRR, Regulation (EU) No 601/2012 Annex II Table 1): ±7.5 / 5 / 2.5 / 1.5 %."""


@dataclass(frozen=True)
class UnsupportedEvidence:
    """Emissions of a source that rest on readings of an instrument past its calibration due date.

    ``basis`` is ``"readings"`` when the readings after the due date can be separated (the
    whole reading counts: a reading is never split at the due date), ``"whole_source"``
    when they cannot (activity-table rows, or a recomputation of the readings alone that
    fails): then the source's whole gross figure counts. Conservative either way.
    """

    source: str
    instruments: tuple[str, ...]
    calibration_due: str  # the earliest due date passed (ISO date)
    readings: int  # readings (activity records) after the due date; 0 when not separable
    co2e_t: float  # gross (location-based, fossil) t CO2e resting on them
    basis: Literal["readings", "whole_source"]


@dataclass(frozen=True)
class TierCheck:
    """Activity-data uncertainty of a source against its required tier (EU MRR Annex II)."""

    source: str
    required_tier: int
    uncertainty: float  # relative 95 % half-width of the period's activity
    bound: float
    result: Literal["pass", "pass_with_derogation", "fail"]
    achieved_tier: int | None


def tier_checks(result: Result) -> list[TierCheck]:
    """Check each source that states ``required_tier``; never a silent pass.

    The activity uncertainty combines records with their own uncertainty in quadrature
    and records of one instrument linearly (a calibration error is systematic). Activity
    without any stated uncertainty (neither its own nor an instrument's) cannot pass,
    whatever its amount: its uncertainty is reported as infinite. A source whose activity
    totals 0 has no relative uncertainty to compare; it passes only when it has records
    and every one shows a stated uncertainty, so rows of activity tables (whose
    uncertainty columns the result does not keep) cannot show it.
    """
    from ..calc.uncertainty import Sensitivities  # noqa: F401 - same statistics as Approach 1

    stats = result._stats
    ins_u95 = result._ins_u95
    out = []
    for p in result.plans:
        tier = p.source.required_tier
        if tier is None:
            continue
        a = float(stats.A[p.index])
        var = float(stats.Q[p.index])
        if stats.B.size:
            var += float(((stats.B[p.index] * ins_u95) ** 2).sum())
        u = math.sqrt(var) / a if a > 0 else 0.0
        records = p.source.records
        unstated = stats.A_none[p.index] > 0 or any(
            r.uncertainty is None and r.instrument is None for r in records
        )
        n = int(stats.n_records[p.index])
        if a <= 0 and (n == 0 or n != len(records)):
            # no records at all, or table rows of 0: no stated uncertainty can be shown
            unstated = True
        if unstated:
            u = math.inf  # some activity has no stated uncertainty: cannot pass
        achieved = next((t for t in (4, 3, 2, 1) if u <= TIER_BOUNDS[t]), None)
        bound = TIER_BOUNDS[tier]
        if u <= bound:
            verdict: Literal["pass", "pass_with_derogation", "fail"] = "pass"
        elif p.source.tier_derogation and achieved is not None and achieved >= tier - 2:
            verdict = "pass_with_derogation"
        else:
            verdict = "fail"
        out.append(TierCheck(p.source.id, tier, u, bound, verdict, achieved))
    return out


def _gross_by_source_gas(res: Result) -> dict[tuple[str, str], float]:
    """Gross t CO2e per (source, gas), and per source under (source, ``"*"``).

    Location-based, biogenic CO2 apart: the figures a claim's sources are compared with.
    """
    lines = res.lines
    lines = lines[(lines["basis"] != "market") & ~lines["biogenic"]]
    out: dict[tuple[str, str], float] = {}
    for s, g, v in zip(lines["source"], lines["gas"], lines["co2e_t"], strict=True):
        out[(str(s), str(g))] = out.get((str(s), str(g)), 0.0) + float(v)
        out[(str(s), "*")] = out.get((str(s), "*"), 0.0) + float(v)
    return out


def _unsupported_evidence(inv: Inventory, res: Result) -> list[UnsupportedEvidence]:
    """Size every expired-calibration finding of the result in gross t CO2e, conservatively.

    The readings after the due date are separable when the source's activity is all
    inline records: the inventory is recomputed with every other reading set to 0 (so
    units, fuel parameters and methods are applied exactly as in the result), and a reading
    that covers the due date counts whole (a reading is never split by day). A source with
    activity-table rows (the result keeps no row detail), or whose recomputation fails,
    counts with its whole gross figure.
    """
    flagged = {f.subject for f in res.findings if f.code == "instrument_calibration_expired"}
    if not flagged:
        return []
    whole = _gross_by_source_gas(res)
    stats = res._stats
    found: dict[str, tuple[tuple[str, ...], str, int, str]] = {}
    subsets: dict[str, Any] = {}  # source id -> the source with only its late readings
    for p in res.plans:
        src = p.source
        if src.id not in flagged:
            continue
        late = [
            None if (ins := inv.expired_instrument(r)) is None else ins.id for r in src.records
        ]
        ids = tuple(sorted({i for i in late if i is not None}))
        has_table = int(stats.n_records[p.index]) != len(src.records)
        if has_table or not ids:
            table_ids = {ins for sid, ins, _n, _f in res._calibration_expired if sid == src.id}
            ins_ids = tuple(sorted(set(ids) | table_ids))
            basis = "whole_source"
            n = 0
        else:
            ins_ids, basis, n = ids, "readings", sum(i is not None for i in late)
            if n < len(late):
                kept = tuple(
                    r if i is not None else r.model_copy(update={"amount": 0.0})
                    for r, i in zip(src.records, late, strict=True)
                )
                subsets[src.id] = src.model_copy(update={"activity": kept})
        dues = [inv.instrument(i).calibration_due for i in ins_ids]
        due = min(d for d in dues if d is not None).isoformat() if any(dues) else "?"
        found[src.id] = (ins_ids, due, n, basis)
    part: dict[str, float] = {}
    if subsets:
        try:
            sub = inv.model_copy(update={"sources": list(subsets.values()), "activity_files": ()})
            part = {sid: v for (sid, g), v in _gross_by_source_gas(calculate(sub)).items() if g == "*"}
        except InvalidInputError:  # cannot separate: the whole figures count
            for sid in subsets:
                ins_ids, due, _n, _b = found[sid]
                found[sid] = (ins_ids, due, 0, "whole_source")
            subsets = {}
    out = []
    for sid, (ins_ids, due, n, basis) in sorted(found.items()):
        amount = part.get(sid, 0.0) if sid in subsets else whole.get((sid, "*"), 0.0)
        out.append(UnsupportedEvidence(sid, ins_ids, due, n, amount, basis))  # type: ignore[arg-type]
    return out


def _verification_findings(
    inv: Inventory,
    res: Result,
    tiers: list[TierCheck],
    unsupported: list[UnsupportedEvidence] = (),  # type: ignore[assignment]
    materiality_t: float = math.inf,
) -> list[Finding]:
    sized = {u.source: u for u in unsupported}
    out = []
    calibration: dict[str, list[str]] = {}
    for f in res.findings:
        if f.severity == "info":
            continue
        if f.code == "instrument_calibration_expired" and f.subject in sized:
            calibration.setdefault(f.subject, []).append(f.message)
            continue
        out.append(f)
    for sid, messages in calibration.items():
        u = sized[sid]
        how = (
            f"{u.co2e_t:,.3f} t CO2e rest on the {u.readings} reading(s) after the due date "
            "(whole readings)"
            if u.basis == "readings"
            else f"not separable: the source's whole figure, {u.co2e_t:,.3f} t CO2e, is unsupported"
        )
        share = (
            f"{100 * u.co2e_t / materiality_t:.1f} % of materiality ({materiality_t:,.3f} t CO2e)"
            if materiality_t > 0 and math.isfinite(materiality_t)
            else "materiality not set"
        )
        out.append(
            Finding(
                "instrument_calibration_expired",
                "warning",
                sid,
                f"{'; '.join(dict.fromkeys(messages))} — {how}; {share}",
            )
        )
    for fac in inv.factors:
        out.append(
            Finding(
                "inline_factor_evidence",
                "warning",
                fac.id,
                f"inline factor cited as {fac.reference.strip()!r}: check the evidence behind it",
            )
        )
    for t in tiers:
        if t.result == "fail":
            out.append(
                Finding(
                    "tier_not_met",
                    "error",
                    t.source,
                    f"no uncertainty stated for some activity (neither its own nor an "
                    f"instrument's): it cannot meet tier {t.required_tier} "
                    f"(±{100 * t.bound:g} %)"
                    if math.isinf(t.uncertainty)
                    else f"activity uncertainty ±{100 * t.uncertainty:.2f} % exceeds tier "
                    f"{t.required_tier} (±{100 * t.bound:g} %)",
                )
            )
    return out


class _Evidence(NamedTuple):
    """The evidence checks of a verification: tiers, unsupported amounts, findings."""

    tiers: list[TierCheck]
    unsupported: list[UnsupportedEvidence]
    findings: list[Finding]

    def serious(self) -> bool:
        """True when an error is among the findings (e.g. a tier not met)."""
        return any(f.severity == "error" for f in self.findings)

    def unsupported_material(self, materiality_t: float) -> bool:
        """True when the unsupported amounts together reach *materiality_t* [t CO2e].

        Insufficient appropriate evidence for a material amount (ISO 14064-3).
        """
        unsupported_t = math.fsum(u.co2e_t for u in self.unsupported)
        return unsupported_t > 0 and unsupported_t >= materiality_t


def _gather_evidence(inv: Inventory, res: Result, materiality_t: float) -> _Evidence:
    """Tier checks, expired-calibration amounts and the findings a verification reports."""
    tiers = tier_checks(res)
    unsupported = _unsupported_evidence(inv, res)
    findings = _verification_findings(inv, res, tiers, unsupported, materiality_t)
    return _Evidence(tiers, unsupported, findings)
