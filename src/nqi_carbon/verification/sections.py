"""The sections of the verification report beyond the numbers' comparison.

The opinion and its basis (the criteria of every opinion type), completeness and
significance, scope limitations, the verification plan (risk ranking and proposed
sample), the evidence log and the base year. Each section is built once as paragraphs
(English, Chinese) and tables, and rendered by the Markdown writer and the HTML template
alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .opinion import OPINION_CRITERIA
from .sampling import sampling_interval
from .statement import _OPINION_ZH

if TYPE_CHECKING:
    from ..pages.labels import Pair
    from .result import VerificationResult
    from .sampling import VerificationPlan

__all__ = ["HtmlTable", "Section", "report_sections"]


@dataclass(frozen=True)
class HtmlTable:
    """A table of the report: headers, which columns are numbers, (row class, cells)."""

    headers: list[str]
    numeric: list[bool]
    rows: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class Section:
    """A report section: its key (label and anchor), paragraphs and tables."""

    key: str
    paragraphs: list[Pair] = field(default_factory=list)
    tables: list[HtmlTable] = field(default_factory=list)


def _t(x: float | None) -> str:
    return "—" if x is None else f"{x:,.3f}"


def report_sections(v: VerificationResult) -> dict[str, Section]:
    """Every added section of *v*'s report, by key (see :data:`~.statement._L`)."""
    return {
        "opinion_basis": _opinion_section(v),
        "completeness": _completeness_section(v),
        "limitations": _limitations_section(v),
        "plan": _plan_section(v),
        "evidence_log": _log_section(v),
        "base_year": _base_year_section(v),
    }


def _opinion_section(v: VerificationResult) -> Section:
    """The opinion, the matters that decided it, and the criteria of each opinion type."""
    rows = [
        ("applies" if kind == v.opinion else "", [v._word(kind, _OPINION_ZH), v._pick(text)])
        for kind, text in OPINION_CRITERIA.items()
    ]
    note: Pair = (
        f"Opinion: {v.opinion}. Matters weighed (materiality {v.materiality_t:,.3f} t CO2e; "
        f"pervasive at {v.pervasive_multiple:g} × materiality):",
        f"核查意见：{_OPINION_ZH[v.opinion]}。所权衡的事项（实质性 {v.materiality_t:,.3f} t CO2e；"
        f"达到 {v.pervasive_multiple:g} 倍实质性即具广泛性）：",
    )
    users: Pair = (
        (f"Intended users: {v.intended_users}.", f"预期使用者：{v.intended_users}。")
        if v.intended_users
        else ("Intended users: not stated.", "预期使用者：未说明。")
    )
    table = HtmlTable(
        v._headers(("Opinion", "意见类型"), ("Criteria", "判定准则")), [False, False], rows
    )
    return Section("opinion_basis", [note, *v.opinion_reasons, users], [table])


def _completeness_section(v: VerificationResult) -> Section:
    """The significance criteria as stated and tested, each category, each exclusion."""
    c = v.completeness
    if c is None:
        return Section("completeness")
    text = " ".join(c.criteria_text.split()) if c.criteria_text else None
    paragraphs: list[Pair] = [
        (
            f'Significance criteria (as stated): "{text}"'
            if text
            else "Significance criteria: not stated.",
            f"重要性准则（清单所述）：“{text}”" if text else "重要性准则：未说明。",
        ),
        (
            f"Tests applied to the exclusions: {c.basis}. Gross total {c.gross_t:,.3f} t CO2e; "
            f"exclusions estimated at {c.excluded_t:,.3f} t CO2e, of which {c.untested_t:,.3f} t CO2e "
            "not shown to be insignificant.",
            f"对排除项的检验：{c.basis_zh}。总排放量 {c.gross_t:,.3f} t CO2e；排除项估算 "
            f"{c.excluded_t:,.3f} t CO2e，其中 {c.untested_t:,.3f} t CO2e 未证明不重要。",
        ),
    ]
    from ..pages.labels import _VALUE_ZH, CATEGORY_NAMES

    cats = HtmlTable(
        v._headers(
            ("Category", "类别"),
            ("State", "状态"),
            ("Sources", "排放源数"),
            ("Excluded, estimated (t CO2e)", "排除估算 (t CO2e)"),
        ),
        [False, False, True, True],
        [
            (
                "fail" if k.state == "not addressed" else "",
                [
                    f"{k.category} {v._pick(CATEGORY_NAMES[k.category])}",
                    v._word(k.state, _VALUE_ZH),
                    str(k.sources),
                    _t(k.excluded_est_t),
                ],
            )
            for k in c.categories
        ],
    )
    excl = HtmlTable(
        v._headers(
            ("#", "#"),
            ("Category", "类别"),
            ("Part", "部分"),
            ("Reason", "理由"),
            ("Estimate (t CO2e)", "估算 (t CO2e)"),
            ("Test", "检验结果"),
        ),
        [True, False, False, False, True, False],
        [
            (
                "fail" if t.result == "reaches_threshold" else "",
                [
                    str(t.index + 1),
                    str(t.exclusion.category),
                    t.exclusion.subcategory or t.exclusion.source or "—",
                    " ".join(t.exclusion.reason.split()),
                    _t(t.exclusion.estimated_co2e_t),
                    v._word(t.result.replace("_", " "), _VALUE_ZH),
                ],
            )
            for t in c.exclusions
        ],
    )
    return Section("completeness", paragraphs, [cats, excl] if c.exclusions else [cats])


def _limitations_section(v: VerificationResult) -> Section:
    """Every amount for which evidence could not be obtained, and their total against materiality."""
    rows = [
        (
            "",
            [
                u.source,
                "calibration expired",
                _t(u.co2e_t),
                f"instrument {', '.join(u.instruments)} due {u.calibration_due}",
            ],
        )
        for u in v.unsupported
    ]
    rows += [
        ("", [lim.subject, lim.kind.replace("_", " "), _t(lim.co2e_t), lim.reason])
        for lim in v.limitations
    ]
    total, m, k = v.not_obtained_t, v.materiality_t, v.pervasive_multiple
    if total >= k * m and total > 0:
        reach: Pair = (
            f"reaches {k:g} × materiality: no opinion can be expressed",
            f"达到 {k:g} 倍实质性：无法表示意见",
        )
    elif total >= m and total > 0:
        reach = ("reaches materiality", "达到实质性")
    else:
        reach = ("below materiality", "低于实质性")
    para: Pair = (
        f"Evidence not obtained: {total:,.3f} t CO2e against materiality {m:,.3f} t CO2e: {reach[0]}.",
        f"未获取的证据：{total:,.3f} t CO2e，实质性 {m:,.3f} t CO2e：{reach[1]}。",
    )
    table = HtmlTable(
        v._headers(("Subject", "对象"), ("Kind", "类型"), ("t CO2e", "t CO2e"), ("Reason", "原因")),
        [False, False, True, False],
        rows,
    )
    return Section("limitations", [para], [table] if rows else [])


def _plan_note(plan: VerificationPlan) -> Pair:
    """The plan's rules, stated under its heading, with the amounts proposed and not."""
    interval = sampling_interval(plan.materiality_t)
    return (
        "Sources ranked by size (gross t CO2e) and by uncertainty (IPCC Approach 1, each source "
        "alone). Selected: the largest sources until those left add up to less than materiality; "
        "the most uncertain until those left hold less than the materiality fraction of the "
        "variance (test the inputs behind their uncertainty too); every source with a warning or "
        "error finding. Proposed records: every key item (a record of at least materiality, "
        f"{plan.materiality_t:,.3f} t CO2e), every record read after a calibration due date or "
        "substituted, and a monetary-unit sample of the rest (interval materiality ÷ 3.0 = "
        f"{interval:,.3f} t CO2e: 95 % confidence that no untested misstatement reaches "
        f"materiality). Proposed: {plan.proposed_t:,.3f} t CO2e; not proposed: "
        f"{plan.not_proposed_t:,.3f} t CO2e.",
        "排放源按规模（t CO2e）和不确定性（IPCC 方法 1，单独计算各排放源）排序。选定：按规模从大到小，"
        "直至其余排放源合计低于实质性；按不确定性从大到小，直至其余排放源所占方差低于实质性比例（亦须测试"
        "其不确定性来源的输入量）；以及所有有警告或错误发现的排放源。建议抽取的记录：所有关键项目（不低于"
        f"实质性 {plan.materiality_t:,.3f} t CO2e 的记录）、所有校准有效期后的读数或替代值，以及对其余记录"
        f"的货币单位抽样（抽样间隔 = 实质性 ÷ 3.0 = {interval:,.3f} t CO2e：以 95 % 的置信度保证未测试的"
        f"错报不达到实质性）。建议抽取：{plan.proposed_t:,.3f} t CO2e；未抽取：{plan.not_proposed_t:,.3f} t CO2e。",
    )


def _plan_section(v: VerificationResult) -> Section:
    """The risk ranking of the sources and the records proposed for sampling."""
    plan = v.plan
    if plan is None:
        return Section("plan")
    para = _plan_note(plan)
    ranking = HtmlTable(
        v._headers(
            ("Rank (size)", "规模排序"),
            ("Source", "排放源"),
            ("Category", "类别"),
            ("t CO2e", "t CO2e"),
            ("Share of gross", "占总量"),
            ("±t CO2e (95 %, alone)", "±t CO2e（95 %，单独）"),
            ("Share of variance", "方差占比"),
            ("Rank (variance)", "方差排序"),
            ("Flags", "标记"),
            ("Selected for", "选定理由"),
        ),
        [True, False, True, True, True, True, True, True, False, False],
        [
            (
                "",
                [
                    str(r.size_rank),
                    r.source,
                    str(r.category),
                    _t(r.co2e_t),
                    f"{100 * r.share:.3g} %",
                    _t(r.half95_t),
                    f"{100 * r.variance_share:.3g} %",
                    str(r.variance_rank),
                    ", ".join(r.flags) or "—",
                    ", ".join(r.reasons) or "not selected",
                ],
            )
            for r in plan.sources
        ],
    )
    logged = _logged(v)
    samples = HtmlTable(
        v._headers(
            ("Source", "排放源"),
            ("Record", "记录"),
            ("t CO2e", "t CO2e"),
            ("Why", "理由"),
            ("In the evidence log", "证据记录"),
        ),
        [False, False, True, False, False],
        [
            (
                "",
                [
                    s.source,
                    s.record,
                    _t(s.co2e_t),
                    s.why,
                    logged.get((s.source, s.record), "not recorded"),
                ],
            )
            for s in plan.samples
        ],
    )
    return Section("plan", [para], [ranking, samples])


def _logged(v: VerificationResult) -> dict[tuple[str, str], str]:
    """What the log found per (source, record label); the whole source under its table rows."""
    out: dict[tuple[str, str], str] = {}
    log = v.evidence_log
    if log is None:
        return out
    by_id = {s.id: s for s in v.inventory.sources}
    for s in log.samples:
        if s.record is None:
            keys = [(s.source, "activity-table rows"), (s.source, "whole period")]
        elif isinstance(s.record, int):
            keys = [(s.source, by_id[s.source].records[s.record - 1].label())]
        else:
            keys = [(s.source, s.record)]
        for key in keys:
            out[key] = s.result.replace("_", " ")
    return out


def _log_section(v: VerificationResult) -> Section:
    """The evidence log: samples and what was found, limitations, flags of qualitative materiality."""
    log = v.evidence_log
    if log is None:
        return Section(
            "evidence_log",
            [("No evidence log was provided.", "未提供证据记录。")],
        )
    samples = HtmlTable(
        v._headers(
            ("Source", "排放源"),
            ("Record", "记录"),
            ("Procedure", "程序"),
            ("Result", "结果"),
            ("Difference (t CO2e)", "差异 (t CO2e)"),
            ("Nature", "性质"),
            ("Note", "备注"),
        ),
        [False, False, False, False, True, False, False],
        [
            (
                "fail" if s.result != "agrees" else "",
                [
                    s.source,
                    "whole source" if s.record is None else str(s.record),
                    " ".join((s.procedure or "—").split()),
                    s.result.replace("_", " "),
                    "—" if s.difference_co2e_t is None else f"{s.difference_co2e_t:+,.3f}",
                    s.nature or "—",
                    " ".join((s.note or "—").split()),
                ],
            )
            for s in log.samples
        ],
    )
    paragraphs: list[Pair] = [
        (
            f"{len(log.samples)} sample(s), {len(log.limitations)} scope limitation(s), "
            f"{len(v.qualitative)} misstatement(s) material by their nature.",
            f"{len(log.samples)} 个样本，{len(log.limitations)} 项范围限制，"
            f"{len(v.qualitative)} 项因性质而具实质性的错报。",
        )
    ]
    paragraphs += [
        (
            f"Material by its nature ({q.reason.replace('_', ' ')}): {q.subject}: {q.description}",
            f"因性质而具实质性：{q.subject}：{q.description}",
        )
        for q in v.qualitative
    ]
    return Section("evidence_log", paragraphs, [samples] if log.samples else [])


def _base_year_section(v: VerificationResult) -> Section:
    """The base year against the recalculation policy (nothing without a base year)."""
    by = v.inventory.base_year
    if by is None:
        return Section("base_year")
    head: Pair = (
        f"Base year {by.year}: "
        + (f"{by.total_co2e_t:,.3f} t CO2e" if by.total_co2e_t is not None else "total not stated")
        + f"; GWP set {by.gwp_set or 'not stated'}; recalculation threshold "
        + (
            f"{100 * by.recalculation_threshold:g} %"
            if by.recalculation_threshold
            else "not stated"
        )
        + f"; {len(by.events)} recalculation event(s).",
        f"基准年 {by.year}："
        + (f"{by.total_co2e_t:,.3f} t CO2e" if by.total_co2e_t is not None else "未说明总量")
        + f"；GWP 值集 {by.gwp_set or '未说明'}；重新计算阈值 "
        + (f"{100 * by.recalculation_threshold:g} %" if by.recalculation_threshold else "未说明")
        + f"；{len(by.events)} 项重新计算事件。",
    )
    checks: list[Pair] = [
        (f"[{c.severity}] {c.code}: {c.message}", f"[{c.severity}] {c.code}：{c.message}")
        for c in v.base_year_checks
    ]
    return Section("base_year", [head, *checks])
