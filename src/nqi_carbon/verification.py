"""Verification in the style of ISO 14064-3: recompute, compare, weigh, give an opinion.

The inventory's evidence is recomputed, compared with what was claimed, each misstatement
is listed, their aggregate is weighed against materiality, and an opinion is formed.

>>> ver = nc.verify(inv, claimed="claimed.json", materiality=0.05, assurance="reasonable")
>>> ver.opinion, ver.material, ver.aggregate_misstatement_pct
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from . import __version__
from .calc import Finding
from .errors import InvalidInputError, Issue
from .models import Inventory
from .result import Result, calculate

__all__ = [
    "MATERIALITY_PRESETS",
    "TIER_BOUNDS",
    "Misstatement",
    "TierCheck",
    "VerificationResult",
    "tier_checks",
    "verify",
]

VERIFICATION_SCHEMA = "nqi-carbon/verification@1"

MATERIALITY_PRESETS: dict[str, float] = {
    "eu-ets-a": 0.05,
    "eu-ets-b": 0.05,
    "eu-ets-c": 0.02,
}
"""Programme presets: EU ETS installation categories A and B 5 %, C 2 % (Regulation (EU)
No 600/2012 Art. 23; categories by annual emissions per Regulation (EU) No 601/2012 Art. 19)."""

TIER_BOUNDS: dict[int, float] = {1: 0.075, 2: 0.05, 3: 0.025, 4: 0.015}
"""Maximum permissible uncertainty of activity data over the reporting period per tier for
fuels (EU MRR, Regulation (EU) No 601/2012 Annex II Table 1): ±7.5 / 5 / 2.5 / 1.5 %."""

Assurance = Literal["reasonable", "limited"]


@dataclass(frozen=True)
class Misstatement:
    """One difference between what was claimed and what the evidence supports."""

    level: Literal["total", "category", "source_gas"]
    subject: str
    claimed_t: float | None
    recomputed_t: float
    difference_t: float  # claimed - recomputed
    relative: float | None  # difference / recomputed
    direction: Literal["overstatement", "understatement"]
    kind: Literal["error", "omission", "rounding", "not_supported", "inconsistency"]


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
    from .uncertainty import Sensitivities  # noqa: F401 - same statistics as Approach 1

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


def _resolve_materiality(materiality: float | str) -> float:
    if isinstance(materiality, str):
        key = materiality.strip().lower()
        if key in MATERIALITY_PRESETS:
            return MATERIALITY_PRESETS[key]
        try:
            materiality = float(key.rstrip("%")) / (100 if key.endswith("%") else 1)
        except ValueError:
            raise InvalidInputError(
                [
                    Issue(
                        "materiality",
                        "unknown materiality",
                        value=repr(materiality),
                        allowed="a fraction such as 0.05, '5%', or "
                        + ", ".join(MATERIALITY_PRESETS),
                    )
                ]
            ) from None
    if isinstance(materiality, bool) or not (0 < float(materiality) < 1):
        raise InvalidInputError(
            [
                Issue(
                    "materiality",
                    "materiality must be a fraction between 0 and 1",
                    value=repr(materiality),
                    allowed="e.g. 0.05 (5 %) or a preset: " + ", ".join(MATERIALITY_PRESETS),
                )
            ]
        )
    return float(materiality)


@dataclass
class _Claim:
    gwp_set: str
    period: tuple[str, str] | None
    total: float | None
    by_category: dict[str, float]
    by_source_gas: dict[tuple[str, str], float]
    source: str
    # figures reported apart from the gross total: result@1 names -> claimed value
    separate: dict[str, float] = field(default_factory=dict)


def _number(v: Any, where: str, issues: list[Issue], file: str) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        issues.append(
            Issue("float_type", "not a finite number", file=file, field=where, value=repr(v))
        )
        return None
    return float(v)


def _read_claim(claimed: str | Path | Mapping[str, Any]) -> _Claim:
    from ._structured import read_structured

    if isinstance(claimed, Mapping):
        data: Any = dict(claimed)
        name = "<claimed>"
    else:
        data, _ = read_structured(claimed)
        name = str(claimed)
    issues: list[Issue] = []
    if not isinstance(data, dict):
        raise InvalidInputError(
            [Issue("claim_not_mapping", "a claim is a mapping", file=name)], source=name
        )
    gwp_set = data.get("gwp_set")
    if not isinstance(gwp_set, str):
        issues.append(
            Issue(
                "missing",
                "the claim must state its GWP set",
                file=name,
                field="gwp_set",
                allowed="SAR, AR4, AR5 or AR6",
            )
        )
    period = data.get("period")
    per = None
    if isinstance(period, dict) and "start" in period and "end" in period:
        per = (str(period["start"]), str(period["end"]))
    totals = data.get("totals", data)
    if not isinstance(totals, dict):
        raise InvalidInputError(
            [Issue("claim_not_mapping", "totals must be a mapping", file=name, field="totals")],
            source=name,
        )
    _check_claim_keys(data, totals, issues, name)
    total = None
    if "gross_co2e_t" in totals:
        total = _number(totals["gross_co2e_t"], "totals.gross_co2e_t", issues, name)
        if total is not None and total < 0:
            issues.append(
                Issue(
                    "claim_total_not_negative",
                    "a gross total cannot be negative (removals are stated apart)",
                    file=name,
                    field="totals.gross_co2e_t",
                    value=repr(total),
                    allowed=">= 0",
                )
            )
    separate: dict[str, float] = {}
    for fig in SEPARATE_FIGURES:
        if fig in totals:
            n = _number(totals[fig], f"totals.{fig}", issues, name)
            if n is not None:
                separate[fig] = n
    by_cat: dict[str, float] = {}
    for k, v in (totals.get("by_category") or {}).items():
        if str(k) not in _CATEGORIES:
            issues.append(
                Issue(
                    "claim_category_known",
                    "not an ISO 14064-1 category",
                    file=name,
                    field=f"by_category.{k}",
                    value=repr(k),
                    allowed="1, 2, 3, 4, 5, 6",
                )
            )
            continue
        n = _number(v, f"by_category.{k}", issues, name)
        if n is not None:
            by_cat[str(k)] = n
    by_sg: dict[tuple[str, str], float] = {}
    if data.get("schema") == "nqi-carbon/result@1":
        for i, ln in enumerate(data.get("lines") or []):
            if ln.get("basis") == "market" or ln.get("biogenic"):
                continue
            n = _number(ln.get("co2e_t"), f"lines[{i}].co2e_t", issues, name)
            if n is not None:
                key = (str(ln.get("source")), str(ln.get("gas")))
                by_sg[key] = by_sg.get(key, 0.0) + n
    by_source = data.get("by_source") or {}
    for sid, v in by_source.items():
        if isinstance(v, dict):
            for gas, x in v.items():
                canonical = _claim_gas(gas, f"by_source.{sid}.{gas}", issues, name)
                n = _number(x, f"by_source.{sid}.{gas}", issues, name)
                if n is not None and canonical is not None:
                    by_sg[(str(sid), canonical)] = n
        else:
            n = _number(v, f"by_source.{sid}", issues, name)
            if n is not None:
                by_sg[(str(sid), "*")] = n
    if total is None and not by_cat and not by_sg:
        issues.append(
            Issue(
                "claim_empty",
                "the claim states no total, category or source figures",
                file=name,
                allowed="totals.gross_co2e_t, by_category, by_source or result@1 lines",
            )
        )
    if issues:
        raise InvalidInputError(issues, source=name)
    return _Claim(str(gwp_set), per, total, by_cat, by_sg, name, separate)


_CATEGORIES = frozenset("123456")
_CLAIM_KEYS = frozenset(
    {"schema", "note", "organization", "period", "gwp_set", "totals", "by_source"}
    # the rest of a result@1 document
    | {"uncertainty", "lines", "provenance", "findings"}
)
_TOTALS_KEYS = frozenset(
    {"gross_co2e_t", "by_category", "gross_co2e_t_market_based", "biogenic_co2_t"}
    | {"removals_co2e_t", "by_scope", "by_gas_co2e_t", "by_gas_mass_t", "by_facility"}
)


def _check_claim_keys(
    data: dict[str, Any], totals: dict[str, Any], issues: list[Issue], name: str
) -> None:
    """Unknown keys are refused: a figure under a misspelt key would go unchecked."""
    top = _CLAIM_KEYS if totals is not data else _CLAIM_KEYS | _TOTALS_KEYS
    for k in data:
        if k not in top:
            issues.append(
                Issue(
                    "claim_key_known",
                    "unknown key: its figures would not be checked",
                    file=name,
                    field=str(k),
                    allowed=", ".join(sorted(top)),
                )
            )
    if totals is not data:
        for k in totals:
            if k not in _TOTALS_KEYS:
                issues.append(
                    Issue(
                        "claim_key_known",
                        "unknown key: its figures would not be checked",
                        file=name,
                        field=f"totals.{k}",
                        allowed=", ".join(sorted(_TOTALS_KEYS)),
                    )
                )


def _claim_gas(gas: Any, where: str, issues: list[Issue], name: str) -> str | None:
    from .errors import UnknownSpeciesError
    from .gases import normalise_gas

    if gas == "CO2e":
        return "CO2e"
    try:
        return normalise_gas(gas)
    except UnknownSpeciesError as exc:
        issues.append(
            Issue(
                "claim_gas_known",
                str(exc),
                file=name,
                field=where,
                value=repr(gas),
                allowed="a species (CO2, CH4, N2O, HFC-134a, ...) or CO2e",
            )
        )
        return None


SEPARATE_FIGURES: dict[str, str] = {
    "gross_co2e_t_market_based": "gross, market-based",
    "biogenic_co2_t": "biogenic CO2",
    "removals_co2e_t": "removals",
}
"""Figures reported apart from the gross total (result@1 names) that a claim may state;
each is compared and judged against materiality of its own size."""


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "E" in text:
        return 6
    frac = text.split(".")[1] if "." in text else ""
    return 0 if frac == "0" else len(frac)


def _misstatement(
    level: Any, subject: str, claimed: float | None, recomputed: float
) -> Misstatement | None:
    c = 0.0 if claimed is None else claimed
    diff = c - recomputed
    if diff == 0:
        return None
    if claimed is None or (claimed == 0 and recomputed != 0):
        kind: Any = "omission"
    elif recomputed == 0:
        kind = "not_supported"
    elif abs(diff) <= 0.5 * 10 ** (-_decimals(claimed)) + 1e-9 * abs(recomputed):
        kind = "rounding"
    else:
        kind = "error"
    return Misstatement(
        level,
        subject,
        claimed,
        recomputed,
        diff,
        diff / recomputed if recomputed else None,
        "overstatement" if diff > 0 else "understatement",
        kind,
    )


@dataclass
class VerificationResult:
    """The outcome of :func:`verify` in the ``nqi-carbon/verification@1`` contract."""

    inventory: Inventory
    recomputed: Result
    assurance: Assurance
    materiality: float
    claimed_co2e_t: float
    recomputed_co2e_t: float
    misstatements: list[Misstatement]
    aggregate_level: str
    aggregate_net_t: float
    aggregate_gross_t: float
    material: bool
    material_categories: list[str]
    opinion: Literal["unmodified", "modified", "adverse"]
    statement: str
    findings: list[Finding] = field(default_factory=list)
    tiers: list[TierCheck] = field(default_factory=list)
    claim_source: str = ""
    # figures reported apart from the gross total (SEPARATE_FIGURES keys) whose own
    # misstatement is material
    material_figures: list[str] = field(default_factory=list)

    @property
    def aggregate_misstatement_t(self) -> float:
        """Net aggregate of uncorrected misstatements [t CO2e] (claimed - recomputed)."""
        return self.aggregate_net_t

    @property
    def aggregate_misstatement_pct(self) -> float:
        """Larger of |net| and gross aggregate, as a fraction of the claimed total."""
        base = abs(self.claimed_co2e_t) or abs(self.recomputed_co2e_t) or 1.0
        return max(abs(self.aggregate_net_t), self.aggregate_gross_t) / base

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``nqi-carbon/verification@1``)."""
        inv = self.inventory
        return {
            "schema": VERIFICATION_SCHEMA,
            "organization": {"name": inv.organization.name, "id": inv.organization.id},
            "period": {"start": inv.period.start.isoformat(), "end": inv.period.end.isoformat()},
            "gwp_set": self.recomputed.gwp_set,
            "criteria": "ISO 14064-1:2018; quantification recomputed with nqi-carbon",
            "assurance": self.assurance,
            "materiality": self.materiality,
            "claimed_co2e_t": self.claimed_co2e_t,
            "recomputed_co2e_t": self.recomputed_co2e_t,
            "misstatements": [asdict(m) for m in self.misstatements],
            "aggregate_level": self.aggregate_level,
            "aggregate_misstatement_t": self.aggregate_net_t,
            "aggregate_misstatement_gross_t": self.aggregate_gross_t,
            "aggregate_misstatement_pct": self.aggregate_misstatement_pct,
            "material": self.material,
            "material_categories": self.material_categories,
            "material_figures": self.material_figures,
            "opinion": self.opinion,
            "statement": self.statement,
            "tier_checks": [asdict(t) for t in self.tiers],
            "findings": [f.to_dict() for f in self.findings],
            "provenance": {
                **self.recomputed.provenance(),
                "claim": self.claim_source,
                "library_version": __version__,
            },
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict` (never NaN or Infinity)."""
        return json.dumps(
            _no_nan(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False
        )

    def to_markdown(self) -> str:
        """The verification report as Markdown."""
        inv = self.inventory
        lines = [
            f"# Verification report — {inv.organization.name}",
            "",
            f"- Period: {inv.period.start} to {inv.period.end} (end exclusive); GWP {self.recomputed.gwp_set}",
            f"- Level of assurance: **{self.assurance}**; materiality: **{100 * self.materiality:g} %**",
            f"- Claimed: {self.claimed_co2e_t:,.3f} t CO2e; recomputed: {self.recomputed_co2e_t:,.3f} t CO2e",
            f"- Aggregate of uncorrected misstatements ({self.aggregate_level}): net {self.aggregate_net_t:,.3f} t, "
            f"gross {self.aggregate_gross_t:,.3f} t ({100 * self.aggregate_misstatement_pct:.3g} % of the claim)",
            f"- Material: **{'yes' if self.material else 'no'}**; opinion: **{self.opinion}**",
            "",
            "## Statement",
            "",
            self.statement,
            "",
            "## Misstatements",
            "",
            "| level | subject | claimed t | recomputed t | difference t | direction | kind |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        for m in self.misstatements:
            claimed = "—" if m.claimed_t is None else f"{m.claimed_t:,.3f}"
            lines.append(
                f"| {m.level} | {m.subject} | {claimed} | {m.recomputed_t:,.3f} | {m.difference_t:,.3f} | "
                f"{m.direction} | {m.kind} |"
            )
        if not self.misstatements:
            lines.append("| — | none | | | | | |")
        lines += ["", "## Tier checks (activity data)", ""]
        for t in self.tiers:
            achieved = (
                f"achieved ±{100 * t.uncertainty:.2f} %"
                if math.isfinite(t.uncertainty)
                else "no uncertainty stated for some activity"
            )
            lines.append(
                f"- {t.source}: required tier {t.required_tier} (±{100 * t.bound:g} %), "
                f"{achieved} → **{t.result}**"
            )
        if not self.tiers:
            lines.append("- no source states a required tier")
        lines += ["", "## Findings", ""]
        lines += [
            f"- [{f.severity}] `{f.code}` {f.subject}: {f.message}" for f in self.findings
        ] or ["- none"]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        from .report import _plural

        inv = self.inventory
        return (
            f"<VerificationResult {inv.organization.name}, {inv.period.start} to {inv.period.end}: "
            f"opinion {self.opinion}, material {'yes' if self.material else 'no'}, aggregate "
            f"{100 * self.aggregate_misstatement_pct:.3g} % of the claim (materiality "
            f"{100 * self.materiality:g} %, {self.assurance} assurance); "
            f"{_plural(len(self.misstatements), 'misstatement')}, "
            f"{_plural(len(self.tiers), 'tier check')}, {_plural(len(self.findings), 'finding')}>"
        )

    def _repr_html_(self) -> str:
        from .report import _plural

        rows = "".join(
            f"<tr><td>{m.level}</td><td>{html.escape(m.subject)}</td><td>{m.difference_t:+,.3f}</td>"
            f"<td>{m.kind}</td></tr>"
            for m in sorted(self.misstatements, key=lambda m: -abs(m.difference_t))[:10]
        )
        return (
            f"<div><b>Opinion: {self.opinion}</b> ({self.assurance} assurance, materiality "
            f"{100 * self.materiality:g} %); material: {'yes' if self.material else 'no'}; aggregate "
            f"{100 * self.aggregate_misstatement_pct:.3g} % of the claim; "
            f"{_plural(len(self.findings), 'finding')}"
            f"<table><tr><th>level</th><th>subject</th><th>difference t</th><th>kind</th></tr>{rows}</table></div>"
        )

    def to_html(self) -> str:
        """The verification report as a self-contained HTML page (inline CSS, real tables).

        No external reference: no script, link, image or web font.
        """
        from .report import _CSS

        esc = html.escape
        inv = self.inventory

        def t(x: float | None) -> str:
            return "—" if x is None else f"{x:,.3f}"

        def table(headers: list[tuple[str, bool]], rows: list[tuple[str, list[str]]]) -> str:
            head = "".join(
                f"<th class='num'>{esc(h)}</th>" if n else f"<th>{esc(h)}</th>" for h, n in headers
            )
            body = "".join(
                (f'<tr class="{cls}">' if cls else "<tr>")
                + "".join(
                    f"<td class='num'>{esc(c)}</td>" if n else f"<td>{esc(c)}</td>"
                    for c, (_h, n) in zip(cells, headers, strict=True)
                )
                + "</tr>"
                for cls, cells in rows
            )
            return f"<div class='scroll'><table><tr>{head}</tr>{body}</table></div>"

        facts = [
            (
                "Period",
                f"{inv.period.start} to {inv.period.end} (end exclusive); GWP {self.recomputed.gwp_set}",
            ),
            ("Level of assurance", self.assurance),
            ("Materiality", f"{100 * self.materiality:g} % of the claimed total"),
            ("Claimed", f"{self.claimed_co2e_t:,.3f} t CO2e"),
            ("Recomputed", f"{self.recomputed_co2e_t:,.3f} t CO2e"),
            (
                f"Aggregate of uncorrected misstatements ({self.aggregate_level.replace('_', ' ')})",
                f"net {self.aggregate_net_t:,.3f} t CO2e, gross {self.aggregate_gross_t:,.3f} t CO2e "
                f"({100 * self.aggregate_misstatement_pct:.3g} % of the claim)",
            ),
            ("Material", "yes" if self.material else "no"),
        ]
        if self.material_categories:
            facts.append(("Material categories", ", ".join(self.material_categories)))
        if self.material_figures:
            facts.append(("Material figures reported apart", ", ".join(self.material_figures)))
        facts_html = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
        mis = table(
            [
                ("Level", False),
                ("Subject", False),
                ("Claimed (t CO2e)", True),
                ("Recomputed (t CO2e)", True),
                ("Difference (t CO2e)", True),
                ("Relative (%)", True),
                ("Direction", False),
                ("Kind", False),
            ],
            [
                (
                    "",
                    [
                        m.level.replace("_", " "),
                        m.subject,
                        t(m.claimed_t),
                        t(m.recomputed_t),
                        f"{m.difference_t:+,.3f}",
                        "—" if m.relative is None else f"{100 * m.relative:+.3g} %",
                        m.direction,
                        m.kind.replace("_", " "),
                    ],
                )
                for m in self.misstatements
            ],
        )
        tiers = table(
            [
                ("Source", False),
                ("Required tier", True),
                ("Bound (±%)", True),
                ("Achieved uncertainty (±%)", True),
                ("Achieved tier", True),
                ("Result", False),
            ],
            [
                (
                    "fail" if c.result == "fail" else "",
                    [
                        c.source,
                        str(c.required_tier),
                        f"±{100 * c.bound:g} %",
                        f"±{100 * c.uncertainty:.2f} %"
                        if math.isfinite(c.uncertainty)
                        else "not stated for some activity",
                        "—" if c.achieved_tier is None else str(c.achieved_tier),
                        c.result.replace("_", " "),
                    ],
                )
                for c in self.tiers
            ],
        )
        finds = table(
            [("Severity", False), ("Code", False), ("Subject", False), ("Message", False)],
            [(f.severity, [f.severity, f.code, f.subject, f.message]) for f in self.findings],
        )
        title = f"Verification report — {inv.organization.name}"
        none = "<p><i>none</i></p>"
        opinion = (
            f'<p class="opinion {esc(self.opinion)}">Opinion: <b>{esc(self.opinion)}</b> — '
            f"material: <b>{'yes' if self.material else 'no'}</b></p>"
        )
        footer = (
            f"nqi-carbon {esc(__version__)} · input SHA-256 {esc(inv.input_sha256 or '—')} · "
            f"claim {esc(self.claim_source or '—')}"
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
{_CSS}
</style></head><body>
<h1>{esc(title)}</h1>
{opinion}
<table class="facts">{facts_html}</table>
<h2 id="statement">Statement</h2>
<p>{esc(self.statement)}</p>
<h2 id="misstatements">Misstatements</h2>
{mis if self.misstatements else none}
<h2 id="tier-checks">Tier checks (activity data)</h2>
{tiers if self.tiers else "<p><i>no source states a required tier</i></p>"}
<h2 id="findings">Findings</h2>
{finds if self.findings else none}
<footer>{footer}</footer>
</body></html>
"""


def _no_nan(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    return obj


def _verification_findings(inv: Inventory, res: Result, tiers: list[TierCheck]) -> list[Finding]:
    out = [f for f in res.findings if f.severity != "info"]
    for f in inv.factors:
        out.append(
            Finding(
                "inline_factor_evidence",
                "warning",
                f.id,
                f"inline factor cited as {f.reference.strip()!r}: check the evidence behind it",
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


def verify(
    inventory: Inventory,
    claimed: str | Path | Mapping[str, Any],
    *,
    materiality: float | str,
    assurance: Assurance,
    pervasive_multiple: float = 2.0,
) -> VerificationResult:
    """Recompute an inventory from its evidence and compare it with the claimed figures.

    Parameters
    ----------
    inventory : Inventory
        The evidence: activity data, instruments, factors.
    claimed : path or mapping
        What the organization reported: a ``result@1`` JSON, or a smaller JSON/YAML with
        ``gwp_set``, ``period`` and ``totals.gross_co2e_t`` / ``by_category`` /
        ``by_source`` (source -> t CO2e, or source -> {gas: t CO2e}).
    materiality : float or str
        Required: a fraction (0.05), a percentage ('5%') or a programme preset
        (``eu-ets-a``, ``eu-ets-b``: 5 %; ``eu-ets-c``: 2 %).
    assurance : {"reasonable", "limited"}
        Level of assurance; decides the wording of the opinion.
    pervasive_multiple : float
        The verifier's judgement of pervasiveness, made explicit: material misstatements
        whose aggregate reaches this multiple of materiality give an adverse opinion,
        smaller material ones a modified opinion (default 2).

    Notes
    -----
    Misstatements are aggregated at the finest level the claim states (source × gas,
    else category, else total), so nothing is counted twice; both the net and the gross
    (sum of absolute values) aggregate are reported, and the larger one is compared with
    ``materiality × claimed total``. Rounding differences count. Errors among the
    metrology and data-quality findings (e.g. a tier not met) modify an otherwise
    unmodified opinion.

    Raises
    ------
    InvalidInputError
        A claim in another GWP set or period, or a malformed claim.
    """
    if assurance not in ("reasonable", "limited"):
        raise InvalidInputError(
            [
                Issue(
                    "assurance",
                    "unknown level of assurance",
                    value=repr(assurance),
                    allowed="reasonable, limited",
                )
            ]
        )
    mat = _resolve_materiality(materiality)
    claim = _read_claim(claimed)
    from .gwp_values import _normalise_set

    issues = []
    try:
        claim_set = _normalise_set(claim.gwp_set)
    except KeyError as exc:
        raise InvalidInputError(
            [Issue("gwp_set_known", str(exc), file=claim.source, field="gwp_set")]
        ) from None
    if claim_set != inventory.gwp:
        issues.append(
            Issue(
                "claim_gwp_set_matches",
                f"the claim uses {claim_set}, the inventory {inventory.gwp}",
                file=claim.source,
                field="gwp_set",
                value=repr(claim.gwp_set),
                allowed=f"{inventory.gwp} (recompute the claim under one GWP set)",
            )
        )
    if claim.period is not None:
        want = (inventory.period.start.isoformat(), inventory.period.end.isoformat())
        if claim.period != want:
            issues.append(
                Issue(
                    "claim_period_matches",
                    "the claim covers another period",
                    file=claim.source,
                    field="period",
                    value=repr(claim.period),
                    allowed=f"{want[0]} to {want[1]}",
                )
            )
    if issues:
        raise InvalidInputError(issues, source=claim.source)

    res = calculate(inventory)
    totals = res.totals()
    recomputed = totals["gross_co2e_t"]
    found: list[Misstatement] = []
    claimed_total = claim.total
    if claimed_total is None and claim.by_category:
        claimed_total = math.fsum(claim.by_category.values())
    if claimed_total is None and claim.by_source_gas:
        claimed_total = math.fsum(claim.by_source_gas.values())
    assert claimed_total is not None
    if (m := _misstatement("total", "gross", claimed_total, recomputed)) is not None:
        found.append(m)
    cat_ms: dict[str, Misstatement] = {}
    if claim.by_category:
        for c in map(str, range(1, 7)):
            m = _misstatement("category", c, claim.by_category.get(c), totals["by_category"][c])
            if m is not None:
                found.append(m)
                cat_ms[c] = m
    sg_ms: list[Misstatement] = []
    if claim.by_source_gas:
        lines = res.lines
        lines = lines[(lines["basis"] != "market") & ~lines["biogenic"]]
        rec: dict[tuple[str, str], float] = {}
        for s, g, v in zip(lines["source"], lines["gas"], lines["co2e_t"], strict=True):
            rec[(s, g)] = rec.get((s, g), 0.0) + float(v)
            rec[(s, "*")] = rec.get((s, "*"), 0.0) + float(v)
        # each source is compared as the claim states it: as a whole (a number) or per
        # gas (a mapping); sources the claim leaves out are listed per gas when the claim
        # states every source per gas, otherwise as a whole
        whole = {s for s, g in claim.by_source_gas if g == "*"}
        per_gas = {s for s, g in claim.by_source_gas if g != "*"}
        unclaimed_whole = bool(whole) or not per_gas
        keys = set(claim.by_source_gas)
        for s, g in rec:
            if s in per_gas:
                wanted = g != "*"
            elif s in whole:
                wanted = g == "*"
            else:
                wanted = (g == "*") == unclaimed_whole
            if wanted:
                keys.add((s, g))
        for key in sorted(keys):
            m = _misstatement(
                "source_gas",
                f"{key[0]}/{key[1]}" if key[1] != "*" else key[0],
                claim.by_source_gas.get(key),
                rec.get(key, 0.0),
            )
            if m is not None:
                found.append(m)
                sg_ms.append(m)
    # aggregate at the finest level the claim states (so nothing is counted twice)
    if claim.by_source_gas:
        level, agg = "source_gas", list(sg_ms)
        parts = math.fsum(claim.by_source_gas.values())
    elif claim.by_category:
        level, agg = "category", list(cat_ms.values())
        parts = math.fsum(claim.by_category.values())
    else:
        level, agg = "total", [m for m in found if m.level == "total"]
        parts = claimed_total
    if claim.total is not None and level != "total":
        # a stated total that is not the sum of the stated parts is itself misstated:
        # without this a wrong headline figure hides behind correct details
        stated = claim.by_source_gas if level == "source_gas" else claim.by_category
        m = _misstatement(
            "total", f"gross: stated total vs sum of stated {level} figures", claim.total, parts
        )
        if m is not None:
            # parts and total each rounded to their printed decimals may differ by the sum
            # of their half-units: that is a rounding difference, anything more is not
            slack = 0.5 * 10 ** (-_decimals(claim.total)) + math.fsum(
                0.5 * 10 ** (-_decimals(v)) for v in stated.values()
            )
            rounding = abs(m.difference_t) <= slack + 1e-9 * abs(parts)
            m = replace(m, kind="rounding" if rounding else "inconsistency")
            found.append(m)
            agg.append(m)
    net = math.fsum(m.difference_t for m in agg)
    gross = math.fsum(abs(m.difference_t) for m in agg)
    base = abs(claimed_total) or abs(recomputed) or 1.0
    material = max(abs(net), gross) >= mat * base
    material_cats = sorted(c for c, m in cat_ms.items() if abs(m.difference_t) >= mat * base)
    # figures reported apart (market-based total, biogenic CO2, removals): each judged
    # against materiality of its own size
    material_figures: list[str] = []
    for fig, label in SEPARATE_FIGURES.items():
        if fig not in claim.separate:
            continue
        m = _misstatement("total", label, claim.separate[fig], float(totals[fig]))
        if m is None:
            continue
        found.append(m)
        own = abs(claim.separate[fig]) or abs(float(totals[fig]))
        if abs(m.difference_t) >= mat * own:
            material_figures.append(fig)
    pervasive_apart = any(
        abs(claim.separate[k] - float(totals[k]))
        >= pervasive_multiple * mat * (abs(claim.separate[k]) or abs(float(totals[k])))
        for k in material_figures
    )
    tiers = tier_checks(res)
    findings = _verification_findings(inventory, res, tiers)
    serious = any(f.severity == "error" for f in findings)
    if material or material_figures:
        pervasive = (material and max(abs(net), gross) >= pervasive_multiple * mat * base) or (
            pervasive_apart
        )
        opinion: Literal["unmodified", "modified", "adverse"] = (
            "adverse" if pervasive else "modified"
        )
    else:
        opinion = "modified" if serious else "unmodified"
    statement = _statement(inventory, opinion, assurance, mat, claimed_total)
    return VerificationResult(
        inventory,
        res,
        assurance,
        mat,
        claimed_total,
        recomputed,
        found,
        level,
        net,
        gross,
        material or bool(material_figures),
        material_cats,
        opinion,
        statement,
        findings,
        tiers,
        claim.source,
        material_figures,
    )


def _statement(inv: Inventory, opinion: str, assurance: str, mat: float, claimed: float) -> str:
    who = inv.organization.name
    period = f"{inv.period.start} to {inv.period.end} (end exclusive)"
    figure = f"{claimed:,.3f} t CO2e"
    if assurance == "reasonable":
        return {
            "unmodified": f"In our opinion, the GHG statement of {who} for {period} ({figure}) is prepared, in all "
            f"material respects, in accordance with ISO 14064-1:2018 (materiality {100 * mat:g} %).",
            "modified": f"In our opinion, except for the effects of the matters described under Misstatements and "
            f"Findings, the GHG statement of {who} for {period} ({figure}) is prepared, in all material respects, "
            f"in accordance with ISO 14064-1:2018 (materiality {100 * mat:g} %).",
            "adverse": f"In our opinion, because of the significance of the misstatements described, the GHG statement "
            f"of {who} for {period} ({figure}) is not prepared in accordance with ISO 14064-1:2018.",
        }[opinion]
    return {
        "unmodified": f"Based on the procedures performed and the evidence obtained, nothing has come to our attention "
        f"that causes us to believe that the GHG statement of {who} for {period} ({figure}) is not prepared, in all "
        f"material respects, in accordance with ISO 14064-1:2018 (materiality {100 * mat:g} %).",
        "modified": f"Based on the procedures performed, except for the matters described under Misstatements and "
        f"Findings, nothing has come to our attention that causes us to believe that the GHG statement of {who} for "
        f"{period} ({figure}) is not prepared, in all material respects, in accordance with ISO 14064-1:2018.",
        "adverse": f"Based on the procedures performed, the misstatements described lead us to believe that the GHG "
        f"statement of {who} for {period} ({figure}) is not prepared in accordance with ISO 14064-1:2018.",
    }[opinion]
