"""Verification in the style of ISO 14064-3: recompute, compare, weigh, give an opinion.

The inventory's evidence is recomputed, compared with what was claimed, each misstatement
is listed, their aggregate is weighed against materiality, and an opinion is formed.

>>> ver = nc.verify(inv, claimed="claimed.json", materiality=0.05, assurance="reasonable")
>>> ver.opinion, ver.material, ver.aggregate_misstatement_pct
"""

from __future__ import annotations

import datetime as _dt
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
    "CRITERIA",
    "MATERIALITY_PRESETS",
    "TIER_BOUNDS",
    "Misstatement",
    "TierCheck",
    "UnsupportedEvidence",
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

MATERIALITY_PRESET_LABELS: dict[str, tuple[str, str]] = {
    "eu-ets-a": ("EU ETS category A, 5 %", "欧盟排放交易体系 A 类设施，5 %"),
    "eu-ets-b": ("EU ETS category B, 5 %", "欧盟排放交易体系 B 类设施，5 %"),
    "eu-ets-c": ("EU ETS category C, 2 %", "欧盟排放交易体系 C 类设施，2 %"),
}
"""Readable (English, Chinese) name of each materiality preset, stated in the report."""

CRITERIA: tuple[str, str] = (
    "ISO 14064-1:2018 (quantification and reporting); verification performed in the style "
    "of ISO 14064-3:2019",
    "ISO 14064-1:2018（量化与报告）；核查参照 ISO 14064-3:2019 的方式进行",
)
"""The criteria every verification states (English, Chinese); a programme or guideline the
inventory's ``reporting.conformity_statement`` names is stated beside them, quoted."""

TIER_BOUNDS: dict[int, float] = {1: 0.075, 2: 0.05, 3: 0.025, 4: 0.015}
"""Maximum permissible uncertainty of activity data over the reporting period per tier for
fuels (EU MRR, Regulation (EU) No 601/2012 Annex II Table 1): ±7.5 / 5 / 2.5 / 1.5 %."""

Assurance = Literal["reasonable", "limited"]


@dataclass(frozen=True)
class Misstatement:
    """One difference between what was claimed and what the evidence supports."""

    level: Literal["total", "category", "source_gas", "breakdown"]
    subject: str
    claimed_t: float | None
    recomputed_t: float
    difference_t: float  # claimed - recomputed
    relative: float | None  # difference / recomputed
    direction: Literal["overstatement", "understatement"]
    kind: Literal[
        "error", "omission", "rounding", "not_supported", "inconsistency", "not_broken_out"
    ]


@dataclass(frozen=True)
class _Figure:
    """A figure the claim states, with the row that compares it and its own materiality.

    ``name`` says where the claim states it (``by_category.1``, ``by_source.kiln-coal``,
    ``by_scope.2_location``, ``gross_co2e_t_market_based`` ...); ``threshold_t`` is the
    materiality at the figure's level, in the row's ``unit``.
    """

    name: str
    row: Misstatement
    threshold_t: float
    unit: str = "t CO2e"


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


def _resolve_materiality(materiality: float | str) -> tuple[float, str | None]:
    """The materiality as a fraction, and the preset's name when a preset was given."""
    if isinstance(materiality, str):
        key = materiality.strip().lower()
        if key in MATERIALITY_PRESETS:
            return MATERIALITY_PRESETS[key], key
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
    return float(materiality), None


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
    # other result@1 breakdowns the claim states (by_scope, by_facility, by_gas_*)
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)
    # a result@1 claim's lines, normalised: (source, gas, basis, biogenic, t CO2e)
    lines: list[_LineRow] | None = None
    # organization.id when the claim states one (a result@1 or report JSON does)
    organization_id: str | None = None


_LineRow = tuple[str, str, str, bool, float]
_BASES = ("both", "location", "market")


BREAKDOWNS = ("by_scope", "by_facility", "by_gas_co2e_t", "by_gas_mass_t")
"""result@1 breakdowns a claim may state beside categories and sources: each row is
compared and listed (level ``breakdown``) and judged as a figure of its own (see
:func:`verify`): against materiality of the claimed total, for masses of the gas's own
figure."""


def _number(v: Any, where: str, issues: list[Issue], file: str) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        issues.append(
            Issue("float_type", "not a finite number", file=file, field=where, value=repr(v))
        )
        return None
    return float(v)


def _stated_once(
    seen: dict[Any, str],
    key: Any,
    written: str,
    what: str,
    where: str,
    issues: list[Issue],
    file: str,
    code: str = "claim_figure_duplicate",
) -> bool:
    """Record that the figure *key* (after normalisation) is stated at *written*.

    Returns False, with an issue naming both places, when the claim stated it before:
    keys that differ as written but name one figure (YAML ``1`` and ``"1"``, ``CO2`` and
    ``carbon dioxide``, a source in ``lines`` and in ``by_source``) would otherwise keep
    one value and drop the other without a word.
    """
    if key not in seen:
        seen[key] = written
        return True
    issues.append(
        Issue(
            code,
            f"{what} is stated twice, as {seen[key]} and as {written}: they name one figure, "
            "and one of the two values would be dropped",
            file=file,
            field=where,
            value=f"{seen[key]}, {written}",
            allowed="each figure once (keys are compared after normalisation)",
        )
    )
    return False


def totals_of(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping a claim's totals are read from (``totals``, else the top level)."""
    totals = data.get("totals", data)
    return totals if isinstance(totals, dict) else {}


def _read_claim(claimed: str | Path | Mapping[str, Any]) -> _Claim:
    from ._structured import read_structured

    if isinstance(claimed, Mapping):
        data: Any = dict(claimed)
        name = "<claimed>"
    else:
        data, _ = read_structured(claimed, what="claim")
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
    elif period is not None:
        issues.append(
            Issue(
                "claim_period_form",
                "a claimed period is a mapping with start and end",
                file=name,
                field="period",
                value=repr(period),
                allowed="{start: YYYY-MM-DD, end: YYYY-MM-DD} (end exclusive), or no period",
            )
        )
    for where in ("by_source", "totals.by_category"):
        node = data.get("by_source") if where == "by_source" else totals_of(data).get("by_category")
        if node is not None and not isinstance(node, dict):
            issues.append(
                Issue(
                    "claim_not_mapping",
                    f"{where} must be a mapping",
                    file=name,
                    field=where,
                    value=type(node).__name__,
                    allowed="a mapping of id to t CO2e",
                )
            )
    lines = data.get("lines")
    if lines is not None and (
        data.get("schema") != "nqi-carbon/result@1"
        or not isinstance(lines, list)
        or not all(isinstance(ln, dict) for ln in lines)
    ):
        issues.append(
            Issue(
                "claim_lines_form",
                "lines are read only from a nqi-carbon/result@1 document, as a list of mappings",
                file=name,
                field="lines",
                allowed="schema: nqi-carbon/result@1 with lines: [{source, gas, co2e_t, ...}]",
            )
        )
        lines = None
    if issues:
        raise InvalidInputError(issues, source=name)
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
    seen_cat: dict[str, str] = {}
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
        if not _stated_once(
            seen_cat, str(k), f"key {k!r}", f"category {k}", "totals.by_category", issues, name
        ):
            continue
        n = _number(v, f"by_category.{k}", issues, name)
        if n is not None:
            by_cat[str(k)] = n
    by_sg: dict[tuple[str, str], float] = {}
    claim_lines: list[_LineRow] | None = None
    line_sources: dict[str, str] = {}  # source -> the first line that states it
    if data.get("schema") == "nqi-carbon/result@1":
        claim_lines = []
        for i, ln in enumerate(lines or []):
            row = _claim_line(ln, i, issues, name)
            if row is None:
                continue
            claim_lines.append(row)
            line_sources.setdefault(row[0], f"lines[{i}]")
            sid, gas, basis, biogenic, n = row
            if basis != "market" and not biogenic:
                by_sg[(sid, gas)] = by_sg.get((sid, gas), 0.0) + n
    by_source = data.get("by_source") or {}
    seen_src: dict[str, str] = dict(line_sources)
    for sid, v in by_source.items():
        if not _stated_once(
            seen_src,
            str(sid),
            f"by_source key {sid!r}",
            f"source {str(sid)!r}",
            "by_source",
            issues,
            name,
        ):
            continue
        if isinstance(v, dict):
            seen_gas: dict[str, str] = {}
            for gas, x in v.items():
                canonical = _claim_gas(gas, f"by_source.{sid}.{gas}", issues, name)
                n = _number(x, f"by_source.{sid}.{gas}", issues, name)
                if canonical is None or not _stated_once(
                    seen_gas,
                    canonical,
                    f"key {gas!r}",
                    f"{canonical} of source {str(sid)!r}",
                    f"by_source.{sid}",
                    issues,
                    name,
                    code="claim_gas_duplicate",
                ):
                    continue
                if n is not None:
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
    breakdowns: dict[str, dict[str, float]] = {}
    for b in BREAKDOWNS:
        node = totals.get(b)
        if node is None:
            continue
        if not isinstance(node, dict):
            issues.append(
                Issue("claim_not_mapping", f"{b} must be a mapping", file=name, field=f"totals.{b}")
            )
            continue
        seen_row: dict[str, str] = {}
        for k, v in node.items():
            # gas masses are per species: CO2 and carbon dioxide are one row
            key = _claim_gas(k, f"totals.{b}.{k}", issues, name) if b == "by_gas_mass_t" else str(k)
            if key is None or not _stated_once(
                seen_row, key, f"key {k!r}", f"{b} row {key!r}", f"totals.{b}", issues, name
            ):
                continue
            n = _number(v, f"totals.{b}.{k}", issues, name)
            if n is not None:
                breakdowns.setdefault(b, {})[key] = n
    if issues:
        raise InvalidInputError(issues, source=name)
    org = data.get("organization")
    org_id = org.get("id") if isinstance(org, dict) else None
    return _Claim(
        str(gwp_set),
        per,
        total,
        by_cat,
        by_sg,
        name,
        separate,
        breakdowns,
        claim_lines,
        None if org_id is None else str(org_id),
    )


def _claim_line(ln: dict[str, Any], i: int, issues: list[Issue], name: str) -> _LineRow | None:
    """One line of a result@1 claim, normalised; None (with issues) when it cannot be read.

    A line's ``basis`` and ``biogenic`` decide which figure it belongs to (location-based
    gross, market-based, biogenic CO2): a value outside their forms would put the line's
    tonnes in no figure at all, so it is refused rather than read as one of them.
    """
    where = f"lines[{i}]"
    sid, basis, biogenic = ln.get("source"), ln.get("basis", "both"), ln.get("biogenic", False)
    checks = (
        ("source", sid, isinstance(sid, str) and bool(sid), "no source named", "a source id"),
        ("basis", basis, basis in _BASES, "unknown basis", ", ".join(_BASES)),
        ("biogenic", biogenic, isinstance(biogenic, bool), "not true or false", "true, false"),
    )
    ok = True
    for key, value, good, message, allowed in checks:
        if not good:
            ok = False
            issues.append(
                Issue(
                    "claim_lines_form",
                    message,
                    file=name,
                    field=f"{where}.{key}",
                    value=repr(value),
                    allowed=allowed,
                )
            )
    gas = _claim_gas(ln.get("gas"), f"{where}.gas", issues, name)
    n = _number(ln.get("co2e_t"), f"{where}.co2e_t", issues, name)
    if not ok or gas is None or n is None:
        return None
    return (str(sid), gas, str(basis), bool(biogenic), n)


_CATEGORIES = frozenset("123456")
_CLAIM_KEYS = frozenset(
    {"schema", "note", "organization", "period", "gwp_set", "totals", "by_source"}
    # the rest of a result@1 document
    | {"uncertainty", "lines", "provenance", "findings"}
    # an inventory report's JSON is result@1 plus its "report" object (not read)
    | {"report"}
)
SEPARATE_FIGURES: dict[str, str] = {
    "gross_co2e_t_market_based": "gross, market-based",
    "biogenic_co2_t": "biogenic CO2",
    "removals_co2e_t": "removals",
}
"""Figures reported apart from the gross total (result@1 names) that a claim may state;
each is compared and judged against materiality of its own size."""


# every figure a claim's totals may state: a new figure cannot escape the unknown-key check
_TOTALS_KEYS = frozenset({"gross_co2e_t", "by_category", *SEPARATE_FIGURES, *BREAKDOWNS})


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


_L: dict[str, tuple[str, str]] = {
    "title": ("Verification report", "核查报告"),
    "statement": ("Statement", "核查声明"),
    "scope": ("Scope", "核查范围"),
    "criteria": ("Criteria", "核查准则"),
    "misstatements": ("Misstatements", "错报"),
    "unsupported": ("Evidence not supported by a valid calibration", "未获有效校准支持的数据"),
    "tiers": ("Tier checks (activity data)", "活动数据层级检查"),
    "findings": ("Findings", "发现的问题"),
    "not_stated": ("not stated", "未说明"),
    "none": ("none", "无"),
}
_OPINION_ZH = {"unmodified": "无保留意见", "modified": "保留意见", "adverse": "否定意见"}
_LEVEL_ZH = {
    "total": "总量",
    "category": "类别",
    "source_gas": "排放源×气体",
    "breakdown": "分项",
}
_KIND_ZH = {
    "error": "差错",
    "omission": "遗漏",
    "rounding": "舍入",
    "not_supported": "无证据支持",
    "inconsistency": "内部不一致",
    "not_broken_out": "未单列",
}
_DIRECTION_ZH = {"overstatement": "高报", "understatement": "低报"}
_YES_NO = {True: ("yes", "是"), False: ("no", "否")}

# a fact of the report: (label en, label zh, value en, value zh, bold in Markdown)
_Fact = tuple[str, str, str, str, bool]


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
    # every figure the claim states whose own misstatement is material at its level
    # (gross_co2e_t, by_category.1, by_source.kiln-coal, by_scope.1, biogenic_co2_t ...)
    material_figures: list[str] = field(default_factory=list)
    materiality_preset: str | None = None
    verifier: str | None = None
    verification_body: str | None = None
    verification_date: str | None = None  # ISO date
    unsupported: list[UnsupportedEvidence] = field(default_factory=list)
    statement_zh: str = ""
    # the figures in material_figures with their rows and thresholds (for the statements)
    _material_rows: list[_Figure] = field(default_factory=list, repr=False)

    @property
    def aggregate_misstatement_t(self) -> float:
        """Net aggregate of uncorrected misstatements [t CO2e] (claimed - recomputed)."""
        return self.aggregate_net_t

    @property
    def _base_t(self) -> float:
        return abs(self.claimed_co2e_t) or abs(self.recomputed_co2e_t) or 1.0

    @property
    def aggregate_misstatement_fraction(self) -> float:
        """Larger of |net| and gross aggregate, as a fraction of the claimed total (0.02 = 2 %)."""
        return max(abs(self.aggregate_net_t), self.aggregate_gross_t) / self._base_t

    @property
    def aggregate_misstatement_pct(self) -> float:
        """The same FRACTION as :attr:`aggregate_misstatement_fraction` (0.02 = 2 %).

        Named ``pct`` in the ``verification@1`` contract, kept for compatibility; it is not
        multiplied by 100.
        """
        return self.aggregate_misstatement_fraction

    @property
    def materiality_t(self) -> float:
        """Materiality in t CO2e: ``materiality`` × the claimed total (the aggregate's base)."""
        return self.materiality * self._base_t

    @property
    def unsupported_t(self) -> float:
        """Gross t CO2e resting on readings after a calibration due date (all sources)."""
        return math.fsum(u.co2e_t for u in self.unsupported)

    @property
    def unsupported_material(self) -> bool:
        """True when the unsupported amounts together reach materiality (in t CO2e)."""
        return self.unsupported_t > 0 and self.unsupported_t >= self.materiality_t

    @property
    def language(self) -> Literal["en", "zh", "en+zh"]:
        """``reporting.language`` of the inventory (``"en"`` when it has none)."""
        from .report import report_language

        return report_language(self.inventory)

    @property
    def criteria(self) -> str:
        """The criteria: ISO 14064-1 and -3, plus the inventory's conformity statement quoted."""
        programme = self.criteria_programme
        extra = (
            f'; as named in the inventory\'s conformity statement: "{programme}"'
            if programme
            else ""
        )
        return CRITERIA[0] + extra

    @property
    def criteria_programme(self) -> str | None:
        """``reporting.conformity_statement`` of the inventory (whitespace folded), if any."""
        rep = self.inventory.reporting
        text = rep.conformity_statement if rep is not None else None
        return (" ".join(text.split()) or None) if text else None

    def scope(self) -> dict[str, Any]:
        """The verification scope, read from the inventory.

        Organization, facilities, period, GWP set, the categories included (those with
        sources) and excluded (the inventory's exclusions, with their reasons).
        """
        inv = self.inventory
        return {
            "organization": {
                "name": inv.organization.name,
                "id": inv.organization.id,
                "consolidation": inv.organization.consolidation,
            },
            "facilities": [{"id": f.id, "name": f.name} for f in inv.facilities],
            "period": {"start": inv.period.start.isoformat(), "end": inv.period.end.isoformat()},
            "gwp_set": self.recomputed.gwp_set,
            "categories_included": sorted({str(s.category) for s in inv.sources}),
            "categories_excluded": [
                {
                    "category": str(e.category),
                    "subcategory": e.subcategory,
                    "source": e.source,
                    "reason": " ".join(e.reason.split()),
                    "estimated_co2e_t": e.estimated_co2e_t,
                }
                for e in sorted(inv.exclusions, key=lambda e: e.category)
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``nqi-carbon/verification@1``)."""
        inv = self.inventory
        return {
            "schema": VERIFICATION_SCHEMA,
            "organization": {"name": inv.organization.name, "id": inv.organization.id},
            "period": {"start": inv.period.start.isoformat(), "end": inv.period.end.isoformat()},
            "gwp_set": self.recomputed.gwp_set,
            "criteria": self.criteria,
            "criteria_programme": self.criteria_programme,
            "verifier": self.verifier,
            "verification_body": self.verification_body,
            "verification_date": self.verification_date,
            "scope": self.scope(),
            "assurance": self.assurance,
            "materiality": self.materiality,
            "materiality_t": self.materiality_t,
            "materiality_preset": self.materiality_preset,
            "materiality_label": MATERIALITY_PRESET_LABELS[self.materiality_preset][0]
            if self.materiality_preset
            else None,
            "claimed_co2e_t": self.claimed_co2e_t,
            "recomputed_co2e_t": self.recomputed_co2e_t,
            "misstatements": [asdict(m) for m in self.misstatements],
            "aggregate_level": self.aggregate_level,
            "aggregate_misstatement_t": self.aggregate_net_t,
            "aggregate_misstatement_gross_t": self.aggregate_gross_t,
            "aggregate_misstatement_pct": self.aggregate_misstatement_pct,
            "aggregate_misstatement_fraction": self.aggregate_misstatement_fraction,
            "definitions": {
                "materiality": "a fraction of claimed_co2e_t (0.02 = 2 %); materiality_t = "
                "materiality x claimed_co2e_t",
                "aggregate_misstatement_pct": "a FRACTION of claimed_co2e_t (0.02 = 2 %), not "
                "a percentage, despite its name; equal to aggregate_misstatement_fraction: "
                "max(|aggregate_misstatement_t|, aggregate_misstatement_gross_t) / claimed_co2e_t",
                "misstatements.difference_t": "claimed_t - recomputed_t",
                "misstatements.relative": "a fraction of the row's own recomputed_t: "
                "difference_t / recomputed_t (null when recomputed_t is 0)",
                "unsupported_evidence": "gross t CO2e resting on readings after an "
                "instrument's calibration due date; compared with materiality_t",
            },
            "unsupported_evidence": [asdict(u) for u in self.unsupported],
            "unsupported_evidence_t": self.unsupported_t,
            "unsupported_evidence_material": self.unsupported_material,
            "material": self.material,
            "material_categories": self.material_categories,
            "material_figures": self.material_figures,
            "opinion": self.opinion,
            "statement": self.statement,
            "statement_zh": self.statement_zh,
            "language": self.language,
            "tier_checks": [asdict(t) for t in self.tiers],
            "findings": [f.to_dict() for f in self.findings],
            "provenance": {
                **self.recomputed.provenance(),
                "claim": self.claim_source,
                "library_version": __version__,
            },
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        r"""JSON text of :meth:`to_dict` (never NaN or Infinity; unsafe characters as ``\uXXXX``)."""
        from ._escape import json_text

        return json_text(
            json.dumps(_no_nan(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False)
        )

    # -- readable reports: facts shared by Markdown and HTML, in the report's language --

    def _materiality_text(self) -> tuple[str, str]:
        pct = f"{100 * self.materiality:g} %"
        preset_en = preset_zh = ""
        if self.materiality_preset:
            en, zh = MATERIALITY_PRESET_LABELS[self.materiality_preset]
            preset_en, preset_zh = f"; preset {self.materiality_preset}: {en}", f"；预设 {zh}"
        t = f"{self.materiality_t:,.3f} t CO2e"
        return (
            f"{pct} of the claimed total (fraction {self.materiality:g}{preset_en}) = {t}",
            f"声明总量的 {pct}（比例 {self.materiality:g}{preset_zh}）= {t}",
        )

    def _facts(self) -> list[_Fact]:
        from .report import _VALUE_ZH, period_pair

        inv = self.inventory
        ns_en, ns_zh = _L["not_stated"]
        frac = self.aggregate_misstatement_fraction
        mat_en, mat_zh = self._materiality_text()
        level_en = self.aggregate_level
        level_zh = _LEVEL_ZH.get(level_en, level_en)
        if self.unsupported:
            share = f"{100 * self.unsupported_t / self.materiality_t:.1f} %"
            reach_en = "reaches" if self.unsupported_material else "below"
            reach_zh = "达到实质性" if self.unsupported_material else "低于实质性"
            unsup = (
                f"{self.unsupported_t:,.3f} t CO2e = {share} of materiality: {reach_en} materiality",
                f"{self.unsupported_t:,.3f} t CO2e，为实质性的 {share}：{reach_zh}",
            )
        else:
            unsup = _L["none"]
        facts: list[_Fact] = [
            (
                "Period",
                "报告期",
                f"{period_pair(inv)[0]}; GWP {self.recomputed.gwp_set}",
                f"{period_pair(inv)[1]}；GWP {self.recomputed.gwp_set}",
                False,
            ),
            ("Verifier", "核查人员", self.verifier or ns_en, self.verifier or ns_zh, False),
            (
                "Verification body",
                "核查机构",
                self.verification_body or ns_en,
                self.verification_body or ns_zh,
                False,
            ),
            (
                "Date of verification",
                "核查日期",
                self.verification_date or ns_en,
                self.verification_date or ns_zh,
                False,
            ),
            ("Level of assurance", "保证等级", self.assurance, _VALUE_ZH[self.assurance], True),
            ("Materiality", "实质性", mat_en, mat_zh, False),
            (
                "Claimed",
                "声明值",
                f"{self.claimed_co2e_t:,.3f} t CO2e",
                f"{self.claimed_co2e_t:,.3f} t CO2e",
                False,
            ),
            (
                "Recomputed",
                "复算值",
                f"{self.recomputed_co2e_t:,.3f} t CO2e",
                f"{self.recomputed_co2e_t:,.3f} t CO2e",
                False,
            ),
            (
                f"Aggregate of uncorrected misstatements ({level_en})",
                f"未更正错报汇总（{level_zh}）",
                f"net {self.aggregate_net_t:,.3f} t CO2e, gross {self.aggregate_gross_t:,.3f} t "
                f"CO2e; the larger is {100 * frac:.3g} % of the claimed total (fraction "
                f"{frac:.3g}: aggregate_misstatement_pct in the JSON)",
                f"净额 {self.aggregate_net_t:,.3f} t CO2e，总额 {self.aggregate_gross_t:,.3f} t "
                f"CO2e；较大者为声明总量的 {100 * frac:.3g} %（比例 {frac:.3g}）",
                False,
            ),
            ("Unsupported evidence (calibration expired)", "未获有效校准支持的数据", *unsup, False),
            ("Material", "存在实质性错报", *_YES_NO[self.material], True),
        ]
        if self.material_categories:
            cats = ", ".join(self.material_categories)
            facts.append(("Material categories", "存在实质性错报的类别", cats, cats, False))
        if self.material_figures:
            figs = ", ".join(self.material_figures)
            facts.append(
                (
                    "Materially misstated figures",
                    "存在实质性错报的数值",
                    figs,
                    figs,
                    False,
                )
            )
        facts.append(("Opinion", "核查意见", self.opinion, _OPINION_ZH[self.opinion], True))
        return facts

    def _scope_facts(self) -> list[_Fact]:
        from .report import _VALUE_ZH, CATEGORY_NAMES, period_pair

        sc = self.scope()
        org = sc["organization"]
        cons = str(org["consolidation"])
        fac = ", ".join(
            f"{f['id']} ({f['name']})" if f["name"] else f["id"] for f in sc["facilities"]
        )
        inc_en = "; ".join(f"{c} ({CATEGORY_NAMES[int(c)][0]})" for c in sc["categories_included"])
        inc_zh = "；".join(f"{c}（{CATEGORY_NAMES[int(c)][1]}）" for c in sc["categories_included"])
        exc_en, exc_zh = [], []
        for e in sc["categories_excluded"]:
            part = "".join(
                f", {k} {e[k]}" for k in ("subcategory", "source") if e.get(k) is not None
            )
            est = e["estimated_co2e_t"]
            est_en = f" (estimated {est:,.0f} t CO2e)" if est is not None else ""
            est_zh = f"（估算 {est:,.0f} t CO2e）" if est is not None else ""
            exc_en.append(f"{e['category']}{part}: {e['reason']}{est_en}")
            exc_zh.append(f"{e['category']}{part}：{e['reason']}{est_zh}")
        none_en, none_zh = _L["none"]
        # the file name only: the report reads the same wherever it is produced
        claim = Path(self.claim_source).name if self.claim_source else "—"
        return [
            (
                "Organisation",
                "组织",
                f"{org['name']} (id {org['id']}; consolidation: {cons.replace('_', ' ')})",
                f"{org['name']}（标识 {org['id']}；合并方法：{_VALUE_ZH.get(cons, cons)}）",
                False,
            ),
            ("Facilities", "设施", fac, fac, False),
            (
                "Period",
                "报告期",
                *period_pair(self.inventory),
                False,
            ),
            ("GWP set", "GWP 值集", sc["gwp_set"], sc["gwp_set"], False),
            ("Categories included", "包含的类别", inc_en or none_en, inc_zh or none_zh, False),
            (
                "Categories excluded (the inventory's exclusions)",
                "排除的类别（清单所述排除项）",
                " | ".join(exc_en) or none_en,
                " | ".join(exc_zh) or none_zh,
                False,
            ),
            ("Claim (file name)", "声明文件（文件名）", claim, claim, False),
        ]

    def _criteria_facts(self) -> list[_Fact]:
        programme = self.criteria_programme
        return [
            ("Criteria", "核查准则", CRITERIA[0], CRITERIA[1], False),
            (
                "Named in the inventory's conformity statement",
                "清单符合性声明所述",
                f'"{programme}"' if programme else _L["not_stated"][0],
                f"“{programme}”" if programme else _L["not_stated"][1],
                False,
            ),
        ]

    def _unsupported_lines(self) -> list[tuple[str, str]]:
        out = []
        for u in self.unsupported:
            how_en = (
                f"{u.readings} reading(s) after the due date (whole readings)"
                if u.basis == "readings"
                else "not separable: the source's whole figure"
            )
            how_zh = (
                f"到期后的 {u.readings} 个读数（整条读数计入）"
                if u.basis == "readings"
                else "无法分离：计入该排放源的全部排放量"
            )
            ins = ", ".join(u.instruments)
            out.append(
                (
                    f"{u.source}: instrument {ins} due for calibration on {u.calibration_due}; "
                    f"{how_en}: {u.co2e_t:,.3f} t CO2e",
                    f"{u.source}：计量器具 {ins} 校准有效期至 {u.calibration_due}；{how_zh}："
                    f"{u.co2e_t:,.3f} t CO2e",
                )
            )
        if self.unsupported:
            reach = self.unsupported_material
            out.append(
                (
                    f"Total {self.unsupported_t:,.3f} t CO2e against materiality "
                    f"{self.materiality_t:,.3f} t CO2e: "
                    + (
                        "reaches materiality (insufficient appropriate evidence for a material "
                        "amount: the opinion is modified)"
                        if reach
                        else "below materiality"
                    ),
                    f"合计 {self.unsupported_t:,.3f} t CO2e，实质性 {self.materiality_t:,.3f} t CO2e："
                    + (
                        "达到实质性（就重大金额未获取充分、适当的证据：发表保留意见）"
                        if reach
                        else "低于实质性"
                    ),
                )
            )
        return out

    def to_markdown(self) -> str:
        """The verification report as Markdown; headings and labels follow ``reporting.language``.

        Every value enters through :func:`~nqi_carbon._escape.md_text` (text) or
        :func:`~nqi_carbon._escape.md_row` (table rows): it renders as its own text.
        """
        from ._escape import md_row, md_text
        from .report import _tr

        inv = self.inventory
        lang = self.language

        def tr(pair: tuple[str, str]) -> str:
            return _tr(pair, lang)

        def bullet(f: _Fact) -> str:
            v_en, v_zh = md_text(f[2]), md_text(f[3])
            ven, vzh = (f"**{v_en}**", f"**{v_zh}**") if f[4] else (v_en, v_zh)
            en, zh = f"{md_text(f[0])}: {ven}", f"{md_text(f[1])}：{vzh}"
            return "- " + (en if lang == "en" else zh if lang == "zh" else f"{en} / {zh}")

        def heading(key: str) -> list[str]:
            return ["", f"## {tr(_L[key])}", ""]

        def val(en: str, table: dict[str, str]) -> str:
            return table.get(en, en) if lang == "zh" else en

        lines = [f"# {tr(_L['title'])} — {md_text(inv.organization.name)}", ""]
        lines += [bullet(f) for f in self._facts()]
        lines += heading("statement")
        if lang != "zh":
            lines.append(md_text(self.statement, block_start=True))
        if lang == "en+zh":
            lines.append("")
        if lang != "en":
            lines.append(md_text(self.statement_zh, block_start=True))
        lines += heading("scope")
        lines += [bullet(f) for f in self._scope_facts()]
        lines += heading("criteria")
        lines += [bullet(f) for f in self._criteria_facts()]
        lines += heading("misstatements")
        headers = [
            ("level", "层级"),
            ("subject", "对象"),
            ("claimed t", "声明值 t"),
            ("recomputed t", "复算值 t"),
            ("difference t (claimed − recomputed)", "差异 t（声明值 − 复算值）"),
            ("relative (÷ the row's recomputed)", "相对差异（÷ 本行复算值）"),
            ("direction", "方向"),
            ("kind", "类型"),
        ]
        lines.append(md_row(tr(h) for h in headers))
        lines.append("|---|---|---:|---:|---:|---:|---|---|")
        for m in self.misstatements:
            claimed = "—" if m.claimed_t is None else f"{m.claimed_t:,.3f}"
            rel = "—" if m.relative is None else f"{100 * m.relative:+.3g} %"
            lines.append(
                md_row(
                    [
                        val(m.level, _LEVEL_ZH),
                        m.subject,
                        claimed,
                        f"{m.recomputed_t:,.3f}",
                        f"{m.difference_t:,.3f}",
                        rel,
                        val(m.direction, _DIRECTION_ZH),
                        val(m.kind, _KIND_ZH),
                    ]
                )
            )
        if not self.misstatements:
            lines.append(f"| — | {tr(_L['none'])} | | | | | | |")
        lines += [
            "",
            tr(
                (
                    "Relative: the difference ÷ the row's own recomputed figure. The aggregate "
                    "above is ÷ the claimed total, the base of materiality.",
                    "相对差异 = 差异 ÷ 本行复算值；上方的错报汇总比例 = 汇总 ÷ 声明总量（实质性的基数）。",
                )
            ),
        ]
        lines += heading("unsupported")
        lines += [f"- {md_text(tr(p), block_start=True)}" for p in self._unsupported_lines()] or [
            f"- {tr(_L['none'])}"
        ]
        lines += heading("tiers")
        for t in self.tiers:
            achieved = (
                f"achieved ±{100 * t.uncertainty:.2f} %"
                if math.isfinite(t.uncertainty)
                else "no uncertainty stated for some activity"
            )
            lines.append(
                f"- {md_text(t.source, block_start=True)}: required tier {t.required_tier} "
                f"(±{100 * t.bound:g} %), {achieved} → **{md_text(t.result)}**"
            )
        if not self.tiers:
            lines.append("- " + tr(("no source states a required tier", "没有排放源规定所需层级")))
        lines += heading("findings")
        lines += [
            f"- [{f.severity}] `{f.code}` {md_text(f.subject)}: {md_text(f.message)}"
            for f in self.findings
        ] or [f"- {tr(_L['none'])}"]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        from ._escape import term_line
        from .report import _plural

        inv = self.inventory
        return (
            f"<VerificationResult {term_line(inv.organization.name)}, {inv.period.start} to {inv.period.end}: "
            f"opinion {self.opinion}, material {'yes' if self.material else 'no'}, aggregate "
            f"{100 * self.aggregate_misstatement_pct:.3g} % of the claim (materiality "
            f"{100 * self.materiality:g} %, {self.assurance} assurance); "
            f"{_plural(len(self.misstatements), 'misstatement')}, "
            f"{_plural(len(self.tiers), 'tier check')}, {_plural(len(self.findings), 'finding')}>"
        )

    def _repr_html_(self) -> str:
        from ._escape import html_text as esc
        from .report import _plural

        rows = "".join(
            f"<tr><td>{esc(m.level)}</td><td>{esc(m.subject)}</td><td>{m.difference_t:+,.3f}</td>"
            f"<td>{esc(m.kind)}</td></tr>"
            for m in sorted(self.misstatements, key=lambda m: -abs(m.difference_t))[:10]
        )
        return (
            f"<div><b>Opinion: {esc(self.opinion)}</b> ({esc(self.assurance)} assurance, materiality "
            f"{100 * self.materiality:g} % = {self.materiality_t:,.3f} t CO2e); material: "
            f"{'yes' if self.material else 'no'}; aggregate "
            f"{100 * self.aggregate_misstatement_pct:.3g} % of the claim; "
            f"{_plural(len(self.findings), 'finding')}"
            f"<table><tr><th>level</th><th>subject</th><th>difference t</th><th>kind</th></tr>{rows}</table></div>"
        )

    def to_html(self) -> str:
        """The verification report as a self-contained HTML page (inline CSS, real tables).

        No external reference: no script, link, image or web font. Headings, labels and
        the statement follow ``reporting.language``; table column headers are Chinese for
        ``zh`` and English otherwise.
        """
        from ._escape import html_text as esc
        from .report import _CSS, _tr, _tr_html

        inv = self.inventory
        lang = self.language
        zh_only = lang == "zh"

        def col(en: str, zh: str) -> str:
            return zh if zh_only else en

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

        def facts_table(facts: list[_Fact]) -> str:
            def value(en: str, zh: str) -> str:
                if lang == "en+zh" and en != zh:
                    return f'{esc(en)} <span class="zh">{esc(zh)}</span>'
                return esc(zh if zh_only else en)

            rows = "".join(
                f"<tr><th>{_tr_html((f[0], f[1]), lang)}</th><td>{value(f[2], f[3])}</td></tr>"
                for f in facts
            )
            return f'<table class="facts">{rows}</table>'

        def h2(key: str, anchor: str) -> str:
            return f'<h2 id="{anchor}">{_tr_html(_L[key], lang)}</h2>'

        def val(en: str, zh_table: dict[str, str]) -> str:
            return zh_table.get(en, en) if zh_only else en.replace("_", " ")

        mis = table(
            [
                (col("Level", "层级"), False),
                (col("Subject", "对象"), False),
                (col("Claimed (t CO2e)", "声明值 (t CO2e)"), True),
                (col("Recomputed (t CO2e)", "复算值 (t CO2e)"), True),
                (col("Difference (t CO2e)", "差异 (t CO2e)"), True),
                (col("Relative to the row's recomputed (%)", "相对本行复算值 (%)"), True),
                (col("Direction", "方向"), False),
                (col("Kind", "类型"), False),
            ],
            [
                (
                    "",
                    [
                        val(m.level, _LEVEL_ZH),
                        m.subject,
                        t(m.claimed_t),
                        t(m.recomputed_t),
                        f"{m.difference_t:+,.3f}",
                        "—" if m.relative is None else f"{100 * m.relative:+.3g} %",
                        val(m.direction, _DIRECTION_ZH),
                        val(m.kind, _KIND_ZH),
                    ],
                )
                for m in self.misstatements
            ],
        )
        tiers = table(
            [
                (col("Source", "排放源"), False),
                (col("Required tier", "所需层级"), True),
                (col("Bound (±%)", "限值 (±%)"), True),
                (col("Achieved uncertainty (±%)", "实际不确定度 (±%)"), True),
                (col("Achieved tier", "达到的层级"), True),
                (col("Result", "结果"), False),
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
            [
                (col("Severity", "严重程度"), False),
                (col("Code", "代码"), False),
                (col("Subject", "对象"), False),
                (col("Message", "说明"), False),
            ],
            [(f.severity, [f.severity, f.code, f.subject, f.message]) for f in self.findings],
        )
        title = f"{_tr(_L['title'], lang)} — {inv.organization.name}"
        none = f"<p><i>{esc(_tr(_L['none'], lang))}</i></p>"
        yes_no = _YES_NO[self.material]
        opinion = (
            f'<p class="opinion {esc(self.opinion)}">Opinion: <b>{esc(self.opinion)}</b> — '
            f"material: <b>{yes_no[0]}</b></p>"
        )
        zh_opinion = (
            f"核查意见：<b>{_OPINION_ZH[self.opinion]}</b> — 存在实质性错报：<b>{yes_no[1]}</b>"
        )
        if zh_only:
            opinion = f'<p class="opinion {esc(self.opinion)}">{zh_opinion}</p>'
        elif lang == "en+zh":
            opinion = opinion[: -len("</p>")] + f' <span class="zh">{zh_opinion}</span></p>'
        statement = "".join(
            f"<p>{esc(s)}</p>"
            for s, show in ((self.statement, lang != "zh"), (self.statement_zh, lang != "en"))
            if show
        )
        rel_note = _tr(
            (
                "Relative: the difference ÷ the row's own recomputed figure. The aggregate is ÷ "
                "the claimed total, the base of materiality.",
                "相对差异 = 差异 ÷ 本行复算值；错报汇总比例 = 汇总 ÷ 声明总量（实质性的基数）。",
            ),
            lang,
        )
        unsup = self._unsupported_lines()
        unsup_html = (
            "<ul>" + "".join(f"<li>{esc(_tr(p, lang))}</li>" for p in unsup) + "</ul>"
            if unsup
            else none
        )
        no_tier = _tr(("no source states a required tier", "没有排放源规定所需层级"), lang)
        footer = (
            f"nqi-carbon {esc(__version__)} · input SHA-256 {esc(inv.input_sha256 or '—')} · "
            f"claim {esc(self.claim_source or '—')}"
        )
        html_lang = "zh" if zh_only else "en"
        return f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
{_CSS}
</style></head><body>
<h1>{esc(title)}</h1>
{opinion}
{facts_table(self._facts())}
{h2("statement", "statement")}
{statement}
{h2("scope", "scope")}
{facts_table(self._scope_facts())}
{h2("criteria", "criteria")}
{facts_table(self._criteria_facts())}
{h2("misstatements", "misstatements")}
{mis if self.misstatements else none}
<p>{esc(rel_note)}</p>
{h2("unsupported", "unsupported-evidence")}
{unsup_html}
{h2("tiers", "tier-checks")}
{tiers if self.tiers else f"<p><i>{esc(no_tier)}</i></p>"}
{h2("findings", "findings")}
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


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _verification_date(date: str | _dt.date | None) -> str | None:
    if date is None:
        return None
    if isinstance(date, _dt.datetime):
        return date.date().isoformat()
    if isinstance(date, _dt.date):
        return date.isoformat()
    try:
        return _dt.date.fromisoformat(str(date).strip()).isoformat()
    except ValueError:
        raise InvalidInputError(
            [
                Issue(
                    "verification_date",
                    "not a date",
                    field="date",
                    value=repr(date),
                    allowed="an ISO date such as 2025-04-30",
                )
            ]
        ) from None


def verify(
    inventory: Inventory,
    claimed: str | Path | Mapping[str, Any],
    *,
    materiality: float | str,
    assurance: Assurance,
    pervasive_multiple: float = 2.0,
    verifier: str | None = None,
    body: str | None = None,
    date: str | _dt.date | None = None,
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
        whose aggregate, or one figure's misstatement, reaches this multiple of its
        materiality give an adverse opinion, smaller material ones a modified opinion
        (default 2).
    verifier, body : str, optional
        The verifier (lead verifier's name) and the verification body; the report says
        "not stated" when they are not given.
    date : str or datetime.date, optional
        Date of the verification statement (ISO date).

    Notes
    -----
    Misstatements are aggregated at the finest level the claim states (source × gas,
    else category, else total), so nothing is counted twice; both the net and the gross
    (sum of absolute values) aggregate are reported, and the larger one is compared with
    ``materiality × claimed total``. Rounding differences count.

    Materiality is also judged at the level of each reported figure (ISO 14064-3:2019:
    an individual misstatement, or the aggregate, is material when it could influence
    the intended users' decisions; a category total in the statement is such a figure).
    Every figure the claim states is a reported figure: the gross total, each category,
    each source (or source × gas), each breakdown row (scope, facility, gas), the
    market-based total, biogenic CO2, removals, and a result@1 claim's market-based and
    biogenic lines; so is a part the claim leaves out of a headline that is the sum of
    its stated parts (an omission). Parts not broken out under a stated total that
    covers them are not reported figures (they are inside the total). A figure is
    materially misstated when ``|claimed - recomputed|`` reaches its materiality:
    ``materiality × claimed total`` for figures that are parts of the gross total (one
    threshold in t CO2e for the statement, the aggregate's), ``materiality ×`` the
    figure's own size for figures reported apart (market-based total and its lines,
    biogenic CO2 and its lines, removals, gas masses). Rounding differences are judged
    like any other difference. The materially misstated figures are listed in
    ``material_figures`` (``material_categories`` for the categories among them) and
    named in the statement.

    Opinion: **modified** when the aggregate or any reported figure is materially
    misstated; **adverse** (pervasive) when the aggregate reaches ``pervasive_multiple ×
    materiality × claimed total`` or one figure's misstatement reaches
    ``pervasive_multiple`` times its own materiality; otherwise **unmodified**, unless
    an error among the metrology and data-quality findings (e.g. a tier not met) or
    evidence resting on readings after a calibration due date whose t CO2e reach
    materiality (insufficient appropriate evidence for a material amount) makes it
    modified. A figure is judged on its own so that misstatements that cancel in the
    aggregate (tonnes moved between categories with the total and sources right) are not
    lost.

    Raises
    ------
    InvalidInputError
        A claim in another GWP set or period or of another organization, or a malformed
        claim: among others a figure stated twice under keys that name one figure once
        normalised (``claim_figure_duplicate``, ``claim_gas_duplicate``).
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
    mat, preset = _resolve_materiality(materiality)
    if (
        isinstance(pervasive_multiple, bool)
        or not isinstance(pervasive_multiple, int | float)
        or not math.isfinite(pervasive_multiple)
        or pervasive_multiple < 1
    ):
        raise InvalidInputError(
            [
                Issue(
                    "pervasive_multiple_valid",
                    "the multiple of materiality that makes an opinion adverse",
                    field="pervasive_multiple",
                    value=repr(pervasive_multiple),
                    allowed="a finite number >= 1 (default 2)",
                )
            ]
        )
    ver_date = _verification_date(date)
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
    org = claim.organization_id
    if org is not None and org != inventory.organization.id:
        issues.append(
            Issue(
                "claim_organization_matches",
                "the claim is another organization's",
                file=claim.source,
                field="organization.id",
                value=repr(org),
                allowed=repr(inventory.organization.id),
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
    base = abs(claimed_total) or abs(recomputed) or 1.0
    mat_t = mat * base
    # every figure the claim states, to be judged on its own (see Notes): the name of the
    # figure, its row, its materiality in t and the row's unit
    judged: list[_Figure] = []
    if (m := _misstatement("total", "gross", claimed_total, recomputed)) is not None:
        found.append(m)
        if claim.total is not None:  # a total the claim states, not the sum of its parts
            judged.append(_Figure("gross_co2e_t", m, mat_t))
    cat_ms: dict[str, Misstatement] = {}
    if claim.by_category:
        for c in map(str, range(1, 7)):
            m = _misstatement("category", c, claim.by_category.get(c), totals["by_category"][c])
            if m is not None:
                found.append(m)
                cat_ms[c] = m
    sg_ms: list[Misstatement] = []
    sg_names: dict[int, str] = {}  # id of a source row -> the figure it compares
    if claim.by_source_gas:
        rec = _gross_by_source_gas(res)
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
                sg_names[id(m)] = ".".join(("by_source", *(k for k in key if k != "*")))
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
    # the headline the aggregate must explain: the stated total, else (sources stated
    # beside categories) the sum of the stated categories, which is then the claimed total
    not_broken_out: set[int] = set()  # ids of rows the headline covers (see below)
    headline = claim.total
    headline_digits: list[float] = [] if claim.total is None else [claim.total]
    headline_name = "stated total"
    if headline is None and level == "source_gas" and claim.by_category:
        headline, headline_digits = claimed_total, list(claim.by_category.values())
        headline_name = "sum of stated category figures"
    if headline is not None and level != "total":
        # a stated total that is not the sum of the stated parts is itself misstated:
        # without this a wrong headline figure hides behind correct details
        stated = claim.by_source_gas if level == "source_gas" else claim.by_category
        digits = [*headline_digits, *stated.values()]
        slack = _rounding_slack(digits)
        unstated = [r for r in agg if r.kind == "omission" and r.claimed_t is None]
        if unstated and abs(headline - parts) > slack + 1e-9 * abs(headline):
            # The headline covers more than the stated parts: the rest is the claim's figure
            # for what it did not break out. Those rows are then no omissions of their own
            # (the headline includes them) and leave the aggregate; the rest is compared
            # with what they recompute to, once. Counting both would count the same tonnes
            # twice (an omission and an equal and opposite inconsistency).
            rest_recomputed = math.fsum(r.recomputed_t for r in unstated)
            kept = {id(r) for r in unstated}
            not_broken_out |= kept
            agg = [r for r in agg if id(r) not in kept]
            _mark_not_broken_out(found, kept)
            m = _misstatement(
                "total",
                f"gross: {headline_name} minus the stated {level} figures vs the sources "
                "not stated",
                headline - parts,
                rest_recomputed,
            )
            if m is not None:
                found.append(m)
                agg.append(m)
            m = None
        else:
            m = _misstatement(
                "total", f"gross: {headline_name} vs sum of stated {level} figures", headline, parts
            )
        if m is not None:
            # parts and total each rounded to their printed decimals may differ by the sum
            # of their half-units: that is a rounding difference, anything more is not
            m = replace(m, kind=_inconsistency_kind(m, [*headline_digits, *stated.values()]))
            found.append(m)
            agg.append(m)
    if claim.by_category and claim.by_source_gas:
        # Each stated category figure against the sum of the stated sources of that
        # category (a source's category is the inventory's). These rows are listed but
        # deliberately NOT added to the aggregate. With sources stated, the aggregate is
        #   sum over sources (claimed - recomputed) + (headline - sum of claimed sources)
        # and its net is exactly headline - recomputed. Since
        #   headline - sum(sources) = (headline - sum(categories))
        #                             + sum over c (category_c - sum(sources in c)),
        # the category inconsistencies are already inside the headline row: adding them
        # would count the same tonnes twice. Category errors that cancel in the total
        # (+10 in one category, -10 in another) are not lost: each category's own row
        # (claimed - recomputed) contains its inconsistency and is judged against
        # materiality in material_categories. Sources the inventory does not have map
        # to no category and are left out of these sums (they are `not_supported` rows).
        cat_of = {s.id: str(s.category) for s in inventory.sources}
        by_cat_sources: dict[str, list[float]] = {}
        for (sid, _gas), v in claim.by_source_gas.items():
            if sid in cat_of:
                by_cat_sources.setdefault(cat_of[sid], []).append(v)
        stated_sources = {sid for sid, _gas in claim.by_source_gas}
        for c in sorted(claim.by_category):
            members = by_cat_sources.get(c, [])
            # sources of the category the claim does not break out: the category figure
            # covers them (as the headline covers the total), so the category minus its
            # stated sources is compared with what those sources recompute to
            not_stated = [
                src.id
                for src in inventory.sources
                if str(src.category) == c and src.id not in stated_sources
            ]
            rest_recomputed = math.fsum(rec.get((sid, "*"), 0.0) for sid in not_stated)
            if not_stated:
                subject = f"{c}: stated category minus its stated sources vs the sources not stated"
                claimed_c = claim.by_category[c] - math.fsum(members)
                recomputed_c = rest_recomputed
            else:
                subject = f"{c}: stated category vs sum of its stated source_gas figures"
                claimed_c, recomputed_c = claim.by_category[c], math.fsum(members)
            m = _misstatement("category", subject, claimed_c, recomputed_c)
            if m is not None:
                if not not_stated:  # the category against its own parts
                    m = replace(m, kind=_inconsistency_kind(m, [claim.by_category[c], *members]))
                found.append(m)
    if level == "source_gas" and claim.by_category and claim.total is not None:
        # Categories the claim does not state beside a stated total that covers more than
        # the stated ones: the total includes them, as it includes sources not broken out
        # (the same rule one level up); without this they would be judged as omissions.
        unstated_c = [c for c, r in cat_ms.items() if r.claimed_t is None]
        stated_c = math.fsum(claim.by_category.values())
        slack = _rounding_slack([claim.total, *claim.by_category.values()])
        if unstated_c and abs(claim.total - stated_c) > slack + 1e-9 * abs(claim.total):
            kept = {id(cat_ms[c]) for c in unstated_c}
            not_broken_out |= kept
            _mark_not_broken_out(found, kept)
            m = _misstatement(
                "category",
                f"{', '.join(unstated_c)}: stated total minus the stated category figures vs "
                "the categories not stated",
                claim.total - stated_c,
                math.fsum(cat_ms[c].recomputed_t for c in unstated_c),
            )
            if m is not None:
                found.append(m)  # listed; the headline row already holds these tonnes
    net = math.fsum(m.difference_t for m in agg)
    gross = math.fsum(abs(m.difference_t) for m in agg)
    for c, m in sorted(cat_ms.items()):
        if id(m) not in not_broken_out:
            judged.append(_Figure(f"by_category.{c}", m, mat_t))
    for m in sg_ms:
        if id(m) not in not_broken_out:
            judged.append(_Figure(sg_names[id(m)], m, mat_t))
    # figures reported apart (market-based total, biogenic CO2, removals): each judged
    # against materiality of its own size
    for fig, label in SEPARATE_FIGURES.items():
        if fig not in claim.separate:
            continue
        m = _misstatement("total", label, claim.separate[fig], float(totals[fig]))
        if m is None:
            continue
        found.append(m)
        own = abs(claim.separate[fig]) or abs(float(totals[fig]))
        judged.append(_Figure(fig, m, mat * own, _unit_of(fig)))
    for b, rows in sorted(claim.breakdowns.items()):
        recomputed_rows: dict[str, float] = totals.get(b) or {}
        for k in sorted(rows):  # a row the claim does not state is not claimed
            have = float(recomputed_rows.get(k, 0.0))
            m = _misstatement("breakdown", f"{b}: {k}", rows[k], have)
            if m is None:
                continue
            found.append(m)
            if b == "by_gas_mass_t":  # a mass, judged against its own size
                judged.append(_Figure(f"{b}.{k}", m, mat * (abs(rows[k]) or abs(have)), "t"))
            else:
                judged.append(_Figure(f"{b}.{k}", m, mat_t))
    if claim.lines is not None:
        for fig, fig_name, m in _line_view_rows(claim.lines, res):
            found.append(m)
            own = abs(claim.separate.get(fig, 0.0)) or abs(float(totals[fig]))
            judged.append(_Figure(fig_name, m, mat * own, _unit_of(fig)))
    largest = max(abs(net), gross)
    material_rows = [f for f in judged if abs(f.row.difference_t) >= f.threshold_t]
    material_figures = [f.name for f in material_rows]
    material_cats = [f.name.split(".", 1)[1] for f in material_rows if f.row.level == "category"]
    material = largest >= mat_t or bool(material_rows)
    # pervasive: the aggregate, or one figure's own misstatement, reaches
    # pervasive_multiple times its materiality
    pervasive = largest >= pervasive_multiple * mat_t or any(
        abs(f.row.difference_t) >= pervasive_multiple * f.threshold_t for f in material_rows
    )
    tiers = tier_checks(res)
    unsupported = _unsupported_evidence(inventory, res)
    unsupported_t = math.fsum(u.co2e_t for u in unsupported)
    # insufficient appropriate evidence for a material amount (ISO 14064-3): modified
    unsupported_material = unsupported_t > 0 and unsupported_t >= mat_t
    findings = _verification_findings(inventory, res, tiers, unsupported, mat_t)
    serious = any(f.severity == "error" for f in findings)
    if material:
        opinion: Literal["unmodified", "modified", "adverse"] = (
            "adverse" if pervasive else "modified"
        )
    else:
        opinion = "modified" if serious or unsupported_material else "unmodified"
    ver = VerificationResult(
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
        material,
        material_cats,
        opinion,
        "",  # the statements are written from the finished result, below
        findings,
        tiers,
        claim.source,
        material_figures,
        preset,
        _text(verifier),
        _text(body),
        ver_date,
        unsupported,
        "",
        material_rows,
    )
    ver.statement, ver.statement_zh = _statement(ver), _statement_zh(ver)
    return ver


def _mark_not_broken_out(found: list[Misstatement], ids: set[int]) -> None:
    """Relabel the rows *ids* of *found* as ``not_broken_out`` (covered by a stated total)."""
    for i, r in enumerate(found):
        if id(r) in ids:
            found[i] = replace(r, kind="not_broken_out")


def _line_views(rows: list[_LineRow]) -> tuple[dict[str, dict[tuple[str, str], float]], set[str]]:
    """The t CO2e per (source, gas) of the lines outside the location-based gross total.

    ``gross_co2e_t_market_based``: the market-based view of each source (lines of basis
    ``both`` and ``market``, fossil); ``biogenic_co2_t``: biogenic lines (basis ``both`` and
    ``location``), as :meth:`Result.totals` sums them. Also the sources with a line of
    basis ``location`` or ``market``, the only ones whose market-based view differs from
    the location-based figure already compared.
    """
    views: dict[str, dict[tuple[str, str], float]] = {
        "gross_co2e_t_market_based": {},
        "biogenic_co2_t": {},
    }
    split: set[str] = set()
    for sid, gas, basis, biogenic, t in rows:
        if basis != "both":
            split.add(sid)
        if biogenic:
            fig = "biogenic_co2_t" if basis != "market" else None
        else:
            fig = "gross_co2e_t_market_based" if basis != "location" else None
        if fig is not None:
            view = views[fig]
            view[(sid, gas)] = view.get((sid, gas), 0.0) + t
    return views, split


def _line_view_rows(claimed: list[_LineRow], res: Result) -> list[tuple[str, str, Misstatement]]:
    """A result@1 claim's market-based and biogenic lines against the recomputed ones.

    The location-based lines are compared as sources; without this the lines of the other
    views would be read and never compared (only their totals were). Market-based rows are
    listed for the sources whose market-based view differs from the location-based one on
    either side; biogenic rows for every biogenic line. Neither joins the gross aggregate.
    Each row comes with the figure reported apart it belongs to and its own name
    (``by_source_market_based.<source>.<gas>``, ``by_source_biogenic.<source>.<gas>``).
    """
    lines = res.lines
    recomputed: list[_LineRow] = [
        (str(s), str(g), str(b), bool(bio), float(v))
        for s, g, b, bio, v in zip(
            lines["source"],
            lines["gas"],
            lines["basis"],
            lines["biogenic"],
            lines["co2e_t"],
            strict=True,
        )
    ]
    (c_views, c_split), (r_views, r_split) = _line_views(claimed), _line_views(recomputed)
    split = c_split | r_split
    out = []
    for fig, label, view in (
        ("gross_co2e_t_market_based", "market-based", "by_source_market_based"),
        ("biogenic_co2_t", "biogenic", "by_source_biogenic"),
    ):
        c, r = c_views[fig], r_views[fig]
        keys = c.keys() | r.keys()
        if fig == "gross_co2e_t_market_based":
            keys = {k for k in keys if k[0] in split}
        for sid, gas in sorted(keys):
            m = _misstatement(
                "source_gas", f"{sid}/{gas} ({label})", c.get((sid, gas)), r.get((sid, gas), 0.0)
            )
            if m is not None:
                out.append((fig, f"{view}.{sid}.{gas}", m))
    return out


def _unit_of(fig: str) -> str:
    """The unit of a figure reported apart: biogenic CO2 is a mass of CO2, the rest CO2e."""
    return "t CO2" if fig == "biogenic_co2_t" else "t CO2e"


def _rounding_slack(figures: list[float]) -> float:
    """Half a unit of each figure's last printed digit, summed: what rounding can explain."""
    return math.fsum(0.5 * 10 ** (-_decimals(v)) for v in figures)


def _inconsistency_kind(
    m: Misstatement, figures: list[float]
) -> Literal["rounding", "inconsistency"]:
    """``rounding`` within the half-units of the figures' printed digits, else ``inconsistency``."""
    slack = _rounding_slack(figures)
    return (
        "rounding" if abs(m.difference_t) <= slack + 1e-9 * abs(m.recomputed_t) else "inconsistency"
    )


STATEMENT_FIGURES = 10
"""The materially misstated figures the statement names; the rest are counted, and all are
in ``material_figures`` and the misstatement table."""


def _material_sentence(v: VerificationResult) -> tuple[str, str]:
    """The figures materially misstated at their own level, named (English, Chinese)."""
    rows = v._material_rows
    en, zh = [], []
    for f in rows[:STATEMENT_FIGURES]:
        m = f.row
        c_en = "not stated" if m.claimed_t is None else f"{m.claimed_t:,.3f} {f.unit}"
        c_zh = "未声明" if m.claimed_t is None else f"{m.claimed_t:,.3f} {f.unit}"
        en.append(f"{f.name} (claimed {c_en}, recomputed {m.recomputed_t:,.3f} {f.unit})")
        zh.append(f"{f.name}（声明值 {c_zh}，复算值 {m.recomputed_t:,.3f} {f.unit}）")
    more = len(rows) - STATEMENT_FIGURES
    tail_en = f"; and {more} more (material_figures)" if more > 0 else ""
    tail_zh = f"；另有 {more} 项（见 material_figures）" if more > 0 else ""
    return (
        "Figures materially misstated at their own level (each against the materiality of "
        f"that level): {'; '.join(en)}{tail_en}.",
        f"按各自层级的实质性判断存在实质性错报的数值：{'；'.join(zh)}{tail_zh}。",
    )


def _statement(v: VerificationResult) -> str:
    """The opinion in English; the materiality stated as a fraction and in t CO2e."""
    from .report import period_pair

    # the unsupported amount is stated only when it reaches materiality
    unsupported_t = v.unsupported_t if v.unsupported_material else 0.0
    who = v.inventory.organization.name
    period = period_pair(v.inventory)[0]
    figure = f"{v.claimed_co2e_t:,.3f} t CO2e"
    matx = f"materiality {100 * v.materiality:g} % of the claimed total, {v.materiality_t:,.3f} t CO2e"
    evidence = unsupported_t > 0
    matters = (
        "Misstatements, Findings and Evidence not supported by a valid calibration"
        if evidence
        else ("Misstatements and Findings")
    )
    effects = "the possible effects of the matters" if evidence else "the effects of the matters"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"In our opinion, the GHG statement of {who} for {period} ({figure}) is prepared, in all "
            f"material respects, in accordance with ISO 14064-1:2018 ({matx}).",
            "modified": f"In our opinion, except for {effects} described under {matters}, the GHG statement of "
            f"{who} for {period} ({figure}) is prepared, in all material respects, in accordance with "
            f"ISO 14064-1:2018 ({matx}).",
            "adverse": f"In our opinion, because of the significance of the misstatements described, the GHG statement "
            f"of {who} for {period} ({figure}) is not prepared in accordance with ISO 14064-1:2018 ({matx}).",
        }[v.opinion]
    else:
        text = {
            "unmodified": f"Based on the procedures performed and the evidence obtained, nothing has come to our "
            f"attention that causes us to believe that the GHG statement of {who} for {period} ({figure}) is not "
            f"prepared, in all material respects, in accordance with ISO 14064-1:2018 ({matx}).",
            "modified": f"Based on the procedures performed, except for the matters described under {matters}, "
            f"nothing has come to our attention that causes us to believe that the GHG statement of {who} for "
            f"{period} ({figure}) is not prepared, in all material respects, in accordance with ISO 14064-1:2018 "
            f"({matx}).",
            "adverse": f"Based on the procedures performed, the misstatements described lead us to believe that "
            f"the GHG statement of {who} for {period} ({figure}) is not prepared in accordance with "
            f"ISO 14064-1:2018 ({matx}).",
        }[v.opinion]
    if v._material_rows:
        text += " " + _material_sentence(v)[0]
    if evidence:
        text += (
            f" We were unable to obtain sufficient appropriate evidence for {unsupported_t:,.3f} t CO2e "
            f"of the statement (readings of instruments used after their calibration due date: "
            f"{', '.join([u.source for u in v.unsupported])}); this amount reaches materiality "
            f"({v.materiality_t:,.3f} t CO2e)."
        )
    return text


def _statement_zh(v: VerificationResult) -> str:
    """The opinion in Chinese (核查声明), worded as :func:`_statement`."""
    from .report import period_pair

    # the unsupported amount is stated only when it reaches materiality
    unsupported_t = v.unsupported_t if v.unsupported_material else 0.0
    who = v.inventory.organization.name
    period = period_pair(v.inventory)[1]
    figure = f"{v.claimed_co2e_t:,.3f} t CO2e"
    matx = f"实质性为声明总量的 {100 * v.materiality:g} %，即 {v.materiality_t:,.3f} t CO2e"
    evidence = unsupported_t > 0
    matters = (
        "“错报”、“发现的问题”和“未获有效校准支持的数据”" if evidence else "“错报”和“发现的问题”"
    )
    subject = f"{who}在 {period} 期间的温室气体声明（{figure}）"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"我们认为，{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"我们认为，除{matters}部分所述事项{'可能产生' if evidence else ''}的影响外，"
            f"{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"我们认为，由于所述错报的重要性，{subject}未按照 ISO 14064-1:2018 编制（{matx}）。",
        }[v.opinion]
    else:
        text = {
            "unmodified": f"根据所执行的程序和获取的证据，我们没有注意到任何事项使我们相信{subject}"
            f"未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"根据所执行的程序，除{matters}部分所述事项外，我们没有注意到任何事项使我们相信"
            f"{subject}未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"根据所执行的程序，所述错报使我们相信{subject}未按照 ISO 14064-1:2018 编制（{matx}）。",
        }[v.opinion]
    if v._material_rows:
        text += _material_sentence(v)[1]
    if evidence:
        text += (
            f"我们未能就该声明中的 {unsupported_t:,.3f} t CO2e（计量器具超过校准有效期后的读数："
            f"{'、'.join([u.source for u in v.unsupported])}）获取充分、适当的证据，该数量达到实质性水平"
            f"（{v.materiality_t:,.3f} t CO2e）。"
        )
    return text
