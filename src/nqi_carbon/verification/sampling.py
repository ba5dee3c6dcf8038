"""The verification plan: risk ranking of the sources and the records proposed for sampling.

ISO 14064-3:2019 6.1 asks the verifier to assess the risk of material misstatement and to
plan evidence gathering and sampling from it. The result knows two measures of risk for
each source: its size (gross t CO2e, location-based, biogenic CO2 apart) and its
uncertainty (IPCC Approach 1 for the source alone: activity, instruments and factors,
shared factors included). :func:`verification_plan` ranks the sources by both and
selects them by three rules:

- **size**: the largest sources until the sources left over add up to less than
  materiality (what is not tested cannot alone be material);
- **variance**: the most uncertain sources until those left over hold less than the
  materiality fraction of the variance;
- **flags**: every source with a warning or error finding (a calibration past due, a
  substituted value, an instrument refused...).

The records proposed are: every **key item** (an inline record, or a source's
activity-table rows as one item, of at least materiality: it could alone be materially
misstated); every record read after its instrument's calibration was due or
substituted; a **monetary-unit sample** of the rest — a systematic selection, in the
plan's order of sources and records, of the records holding the points half an interval,
then every interval, along the cumulated t CO2e, the interval being materiality ÷
−ln(1 − 0.95) ≈ materiality ÷ 3.0 (95 % confidence that no untested misstatement
reaches materiality when none is expected; Poisson). A source selected for its variance
calls for testing the inputs behind its uncertainty (factors, fuel parameters,
instruments) beside its records. A record's t CO2e is its share of its source's activity
(in the source's base unit) times the source's gross figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..calc.sampling import SAMPLING_CONFIDENCE, monetary_unit_selection, sampling_interval

if TYPE_CHECKING:
    from ..calc.plan import SourcePlan
    from ..calc.result import Result

__all__ = [
    "SAMPLING_CONFIDENCE",
    "ProposedSample",
    "SourceRisk",
    "VerificationPlan",
    "sampling_interval",
    "verification_plan",
]



@dataclass(frozen=True)
class SourceRisk:
    """One source's size and uncertainty, their ranks, its flags and whether it is tested."""

    source: str
    category: int
    co2e_t: float
    share: float  # of the gross total
    size_rank: int
    half95_t: float  # the source alone, 95 % half-width [t CO2e] (0: no stated uncertainty)
    variance_share: float  # the source alone, of the gross total's variance
    variance_rank: int
    flags: tuple[str, ...]  # codes of the warning and error findings on the source
    reasons: tuple[str, ...]  # why it is selected: size, variance, flags (empty: not selected)

    @property
    def selected(self) -> bool:
        """True when a rule selects the source for testing."""
        return bool(self.reasons)


@dataclass(frozen=True)
class ProposedSample:
    """A record (or a source's activity-table rows) proposed for testing, and why."""

    source: str
    record: str  # the record's period label, its dates, or "activity-table rows"
    position: int | None  # 1-based position among the source's inline records
    co2e_t: float
    why: str


@dataclass(frozen=True)
class VerificationPlan:
    """The risk ranking and the proposed sample (see the module)."""

    materiality_t: float
    gross_t: float
    sources: list[SourceRisk]
    samples: list[ProposedSample]

    @property
    def proposed_t(self) -> float:
        """Tonnes CO2e of the records proposed for testing."""
        return math.fsum(s.co2e_t for s in self.samples)

    @property
    def not_proposed_t(self) -> float:
        """Gross t CO2e outside the proposed records (below materiality unless flags add none)."""
        return max(self.gross_t - self.proposed_t, 0.0)


def source_variances(res: Result) -> tuple[np.ndarray, float]:
    """Each source's own variance of its gross figure (t CO2e²) and the gross total's.

    IPCC Approach 1 as in :func:`nqi_carbon.calc.uncertainty.approach1`, with every
    source as a group of its own: activity (records and instruments) and parameters
    (factors, fuel parameters) of that source's gross lines.
    """
    from ..calc.uncertainty import Sensitivities, approach1

    stats, ins_u95, lines = res._stats, res._ins_u95, res.table
    mask = res.group_masks["total"]
    sens = Sensitivities.of(lines, stats)
    n_src = stats.A.size
    sj = np.bincount(sens.src[mask], sens.rho[mask], minlength=n_src)
    var = stats.Q * sj**2
    if stats.B.size:
        var = var + sj**2 * ((stats.B**2) @ (ins_u95**2))
    u_par = np.array([p.u95 for p in res.params], dtype=float)
    on = mask[sens.l_idx]
    if on.any() and u_par.size:
        key = sens.p_idx[on].astype(np.int64) * n_src + sens.src[sens.l_idx[on]]
        uk, at = np.unique(key, return_inverse=True)
        sums = np.bincount(at, sens.coef[on])
        var = var + np.bincount(uk % n_src, (u_par[uk // n_src] * sums) ** 2, minlength=n_src)
    total = approach1(lines, stats, res.params, ins_u95, {"total": mask}, sens=sens)[0]["total"]
    return np.asarray(var, dtype=float), total.half95**2


def _gross_by_source(res: Result) -> dict[str, float]:
    t = res.table.template
    mask = res.group_masks["total"]
    sums = np.bincount(t.src[mask], res.table.co2e[mask], minlength=len(res.plans))
    return {p.source.id: float(sums[p.index]) for p in res.plans}


def verification_plan(res: Result, materiality_t: float, materiality: float) -> VerificationPlan:
    """Rank the sources of *res* by size and variance, select them and propose records.

    *materiality_t* is materiality in t CO2e, *materiality* the same as a fraction (of
    the claimed total): the share of the variance the untested sources may hold.
    """
    gross = _gross_by_source(res)
    total = res.total_co2e
    var, total_var = source_variances(res)
    flags: dict[str, list[str]] = {}
    for f in res.findings:
        if f.severity != "info" and f.subject in gross:
            flags.setdefault(f.subject, []).append(f.code)
    ids = [p.source.id for p in res.plans]
    by_size = sorted(ids, key=lambda s: (-gross[s], s))
    var_of = {p.source.id: float(var[p.index]) for p in res.plans}
    by_var = sorted(ids, key=lambda s: (-var_of[s], s))
    reasons: dict[str, list[str]] = {s: [] for s in ids}
    left = math.fsum(gross.values())
    for s in by_size:
        if left < materiality_t or gross[s] <= 0:
            break
        reasons[s].append("size")
        left -= gross[s]
    var_sum = math.fsum(var_of.values())
    left = var_sum
    for s in by_var:
        if var_sum <= 0 or left / var_sum < materiality or var_of[s] <= 0:
            break
        reasons[s].append("variance")
        left -= var_of[s]
    for s in ids:
        if s in flags:
            reasons[s].append("flags")
    samples = _propose(res, gross, materiality_t, reasons)
    risks = [
        SourceRisk(
            s,
            next(p.category for p in res.plans if p.source.id == s),
            gross[s],
            gross[s] / total if total else 0.0,
            by_size.index(s) + 1,
            math.sqrt(max(var_of[s], 0.0)),
            var_of[s] / total_var if total_var > 0 else 0.0,
            by_var.index(s) + 1,
            tuple(dict.fromkeys(flags.get(s, ()))),
            tuple(reasons[s]),
        )
        for s in by_size
    ]
    return VerificationPlan(materiality_t, total, risks, samples)


def _items(res: Result, gross: dict[str, float]) -> list[tuple[ProposedSample, bool]]:
    """Every testable item with its t CO2e, and whether it carries a risk of its own."""
    stats = res._stats
    out: list[tuple[ProposedSample, bool]] = []
    for p in res.plans:
        records = _record_items(res, p, gross[p.source.id], float(stats.A[p.index]))
        out += records
        rest = gross[p.source.id] - math.fsum(i.co2e_t for i, _ in records)
        if int(stats.n_records[p.index]) != len(p.source.records) and rest > 0:
            out.append(
                (ProposedSample(p.source.id, "activity-table rows", None, rest, "key item"), False)
            )
    return out


def _record_items(
    res: Result, p: SourcePlan, gross_t: float, activity: float
) -> list[tuple[ProposedSample, bool]]:
    """The inline records of one source, each with its share of the source's gross figure."""
    inv = res.inventory
    out = []
    for k, rec in enumerate(p.source.records):
        base = rec.amount * p.chain_unit_scale.get(rec.unit, 0.0)
        t = gross_t * base / activity if activity > 0 else 0.0
        why = []
        if inv.expired_instrument(rec) is not None:
            why.append("read after the instrument's calibration due date")
        if rec.substitute is not None:
            why.append("substituted value")
        item = ProposedSample(p.source.id, rec.label(), k + 1, t, "; ".join(why) or "key item")
        out.append((item, bool(why)))
    return out


def record_sizes(res: Result) -> dict[tuple[str, int | None], float]:
    """Gross t CO2e of each inline record, by (source, 1-based position); (source, None): the source."""
    gross = _gross_by_source(res)
    out: dict[tuple[str, int | None], float] = {(s, None): t for s, t in gross.items()}
    for item, _ in _items(res, gross):
        if item.position is not None:
            out[(item.source, item.position)] = item.co2e_t
    return out


def _propose(
    res: Result, gross: dict[str, float], materiality_t: float, reasons: dict[str, list[str]]
) -> list[ProposedSample]:
    """Key items and flagged records, and a monetary-unit sample of the rest."""
    items = _items(res, gross)
    chosen: list[ProposedSample] = []
    rest: list[ProposedSample] = []
    for item, flagged in items:
        if flagged:
            chosen.append(item)
        elif item.co2e_t >= materiality_t and item.co2e_t > 0:
            chosen.append(replace(item, why="key item (at least materiality)"))
        elif item.co2e_t > 0:
            rest.append(item)
    interval = sampling_interval(materiality_t) if materiality_t > 0 else math.inf
    # systematic selection in plan order, from half an interval
    for k in monetary_unit_selection([item.co2e_t for item in rest], interval, interval / 2):
        chosen.append(
            replace(rest[k], why=f"monetary-unit sample (interval {interval:,.3f} t CO2e)")
        )
    for c in chosen:
        if not reasons[c.source]:
            reasons[c.source].append("sample")
    return sorted(chosen, key=lambda c: (-c.co2e_t, c.source, c.position or 0))
