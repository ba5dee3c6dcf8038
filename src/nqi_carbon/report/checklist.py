"""The ISO 14064-1:2018 clause 9.3.1 checklist: the items a GHG report contains.

:func:`build_checklist` states each item's status and detail; the items are checked in
groups, one function each: organization and boundaries (a-e), emissions and removals
(f-h), coverage (i-j), base year (k-l), quantification (m-o), uncertainty (p-q),
statements (r-s), GWP values (t).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..pages.format import _exact, _fmt, _plural
from ..pages.labels import TABLE_TITLES, _value_pair
from .texts import _UNCERTAINTY_METHOD

if TYPE_CHECKING:
    from ..pages.labels import Pair
    from .inventory import InventoryReport

__all__ = ["CHECKLIST", "ChecklistItem", "build_checklist"]

Status = Literal["present", "missing", "not_applicable"]


CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("a", "Reporting organization", "报告组织"),
    ("b", "Person responsible for the report", "报告负责人"),
    ("c", "Reporting period", "报告期"),
    ("d", "Organizational boundaries", "组织边界"),
    ("e", "Reporting boundaries, including significance criteria", "报告边界（含重要性准则）"),
    ("f", "Direct GHG emissions per gas, in t CO2e", "按气体分列的直接温室气体排放（t CO2e）"),
    ("g", "Biogenic CO2 emissions and removals", "生物源 CO2 排放和清除"),
    ("h", "Direct GHG removals", "直接温室气体清除"),
    ("i", "Excluded GHG sources or sinks and why", "排除的排放源或汇及理由"),
    ("j", "Indirect GHG emissions per category", "按类别分列的间接温室气体排放"),
    ("k", "Base year and base-year inventory", "基准年及基准年清单"),
    ("l", "Changes in the base year and recalculations", "基准年变更和重新计算"),
    ("m", "Quantification approaches and why they were chosen", "量化方法及选择理由"),
    ("n", "Changes to quantification approaches", "量化方法的变更"),
    ("o", "Emission and removal factors used, with references", "所用排放和清除因子及其来源"),
    ("p", "Impact of uncertainties per category", "各类别不确定性的影响"),
    ("q", "Uncertainty assessment", "不确定性评估"),
    ("r", "Statement of conformity with ISO 14064-1", "符合 ISO 14064-1 的声明"),
    ("s", "Verification: whether, by whom, level of assurance", "核查情况、核查机构和保证等级"),
    ("t", "GWP values used and their source", "所用 GWP 值及其来源"),
)
"""ISO 14064-1:2018 clause 9.3.1 items a-t (list reconstructed from secondary sources)."""


@dataclass(frozen=True)
class ChecklistItem:
    """One clause 9.3.1 item and whether the report has it, lacks it, or it does not apply."""

    item: str
    title: str
    title_zh: str
    status: Status
    detail: str
    detail_zh: str
    """``detail`` in Chinese; user-supplied text (names, ids, statements) stays as given."""


_Entry = tuple[Status, "str | Pair"]
"""An item's status and detail: a plain str is user-supplied text, the same in every
language; a pair is (English, Chinese)."""


def build_checklist(report: InventoryReport) -> list[ChecklistItem]:
    """Each clause 9.3.1 item of *report* with its status and detail, in the clause's order."""
    by: dict[str, _Entry] = {}
    for group in _GROUPS:
        by.update(group(report))
    out = []
    for k, title, title_zh in CHECKLIST:
        status, detail = by[k]
        en, zh = (detail, detail) if isinstance(detail, str) else detail
        out.append(ChecklistItem(k, title, title_zh, status, en, zh))
    return out


def _stated(text: str | None, instruction: Pair) -> _Entry:
    """An item stated as text: present with it, else missing with what to state."""
    return ("present", text) if text else ("missing", instruction)


def _zh_table(name: str) -> str:
    """``（见表“…”）``: where the Chinese detail points the reader to a table."""
    return f"（见表“{TABLE_TITLES[name][1]}”）"


def _organization_items(report: InventoryReport) -> dict[str, _Entry]:
    """(a) organization, (b) person responsible, (c) period, (d) and (e) boundaries."""
    inv = report.inventory
    org = inv.organization
    return {
        "a": ("present", f"{org.name} ({org.id})"),
        "b": _stated(
            org.responsible_person,
            (
                "state organization.responsible_person",
                "请填写组织负责人（organization.responsible_person）",
            ),
        ),
        "c": (
            "present",
            (
                f"{inv.period.start} to {inv.period.end} (end exclusive)",
                f"报告期 {inv.period.start} 至 {inv.period.end}（不含结束日）",
            ),
        ),
        "d": (
            "present",
            (
                f"{org.consolidation.replace('_', ' ')}; "
                + _plural(len(inv.facilities), "facility", "facilities"),
                f"组织边界：{_value_pair(org.consolidation)[1]}；{len(inv.facilities):,} 个设施",
            ),
        ),
        "e": _significance_item(report),
    }


def _significance_item(report: InventoryReport) -> _Entry:
    """(e) the significance criteria: their text (printed) and the tests they state."""
    inv = report.inventory
    text = " ".join(inv.significance_criteria.split()) if inv.significance_criteria else None
    if text is None:
        return (
            "missing",
            (
                "state significance_criteria (and significance: threshold, exclusions_cap)",
                "请说明报告边界的重要性准则（significance_criteria，以及 significance：threshold、exclusions_cap）",
            ),
        )
    c = report.completeness()
    tested = inv.significance is not None
    return (
        "present",
        (
            f'significance criteria: "{text}"'
            + (f"; tested as: {c.basis}" if tested else "; no testable threshold stated"),
            f"重要性准则：“{text}”" + (f"；检验：{c.basis_zh}" if tested else "；未说明可检验的阈值"),
        ),
    )


def _emissions_items(report: InventoryReport) -> dict[str, _Entry]:
    """(f) direct emissions per gas, (g) biogenic CO2, (h) removals."""
    inv, res = report.inventory, report.result
    has_bio = bool(res.table.template.biogenic.any())
    return {
        "f": (
            "present",
            (
                f"direct emissions per gas in t CO2e (table '{TABLE_TITLES['Direct emissions by gas'][0]}')",
                "按温室气体分列的直接排放，单位 t CO2e" + _zh_table("Direct emissions by gas"),
            ),
        ),
        "g": (
            "present" if has_bio else "not_applicable",
            (
                f"{_fmt(res.biogenic_co2_t)} t biogenic CO2, reported apart",
                f"生物源二氧化碳 {_fmt(res.biogenic_co2_t)} t，单独报告",
            )
            if has_bio
            else ("no biomass sources", "无生物质排放源"),
        ),
        "h": (
            "present" if inv.removals else "not_applicable",
            (
                f"{_plural(len(inv.removals), 'removal')}, reported apart",
                f"{len(inv.removals):,} 项清除量，单独报告",
            )
            if inv.removals
            else ("no removals", "无清除量"),
        ),
    }


def _coverage_items(report: InventoryReport) -> dict[str, _Entry]:
    """(i) exclusions, each tested against the criteria, and (j) every category addressed."""
    inv = report.inventory
    c = report.completeness()
    uncovered = [k.category for k in c.categories if k.state == "not addressed"]
    failed = [k for k in c.errors if k.code != "category_not_addressed"]
    cats = ", ".join(map(str, uncovered))
    i: _Entry
    if uncovered:
        i = (
            "missing",
            (
                f"categories {cats} have neither sources nor a justified exclusion",
                f"类别 {cats} 既无排放源，也无说明理由的排除",
            ),
        )
    elif failed:
        what = "; ".join(f"{k.subject}: {k.code}" for k in failed)
        i = (
            "missing",
            (
                f"exclusions that fail the significance criteria: {what} (table '{TABLE_TITLES['Completeness'][0]}')",
                f"未通过重要性准则检验的排除项：{what}" + _zh_table("Completeness"),
            ),
        )
    else:
        untested = sum(1 for t in c.exclusions if t.result in ("not_estimated", "not_testable"))
        tail_en = f"; {untested} not tested (no estimate or no threshold)" if untested else ""
        tail_zh = f"；其中 {untested} 项未检验（无估算值或无阈值）" if untested else ""
        i = (
            "present" if inv.exclusions else "not_applicable",
            (
                f"{_plural(len(inv.exclusions), 'exclusion')} with justification{tail_en}",
                f"{len(inv.exclusions):,} 项排除，均已说明理由{tail_zh}",
            )
            if inv.exclusions
            else ("nothing excluded", "无排除项"),
        )
    indirect = [k for k in uncovered if k >= 2]
    j: _Entry = (
        "present" if not indirect else "missing",
        ("indirect emissions per category", "按类别分列的间接排放")
        if not indirect
        else (
            f"categories {', '.join(map(str, indirect))} not addressed",
            f"间接排放类别 {', '.join(map(str, indirect))} 未涉及",
        ),
    )
    return {"i": i, "j": j}


def _base_year_items(report: InventoryReport) -> dict[str, _Entry]:
    """(k) the base year and its inventory, (l) its recalculations against the policy."""
    by = report.inventory.base_year
    if by is None:
        return {
            "k": ("missing", ("state base_year", "请填写基准年（base_year）")),
            "l": ("missing", ("needs a base year", "需先确定基准年，方可说明重新计算")),
        }
    lacking = [
        name
        for name, given in (
            ("total_co2e_t", by.total_co2e_t is not None),
            ("gwp_set", by.gwp_set is not None),
            ("by_category", bool(by.by_category)),
        )
        if not given
    ]
    k: _Entry = (
        (
            "present",
            (
                f"base year {by.year}, its inventory by category, GWP set {by.gwp_set}",
                f"基准年 {by.year}，按类别的基准年清单，GWP 值集 {by.gwp_set}",
            ),
        )
        if not lacking
        else (
            "missing",
            (
                f"base year {by.year}; state base_year.{', '.join(lacking)}",
                f"基准年 {by.year}；请填写 base_year.{'、'.join(lacking)}",
            ),
        )
    )
    checks = report.base_year_checks()
    required = [c for c in checks if c.code == "base_year_recalculation_required"]
    events = [e.summary() for e in by.events]
    done = "; ".join([*by.notes, *events])
    l_entry: _Entry = (
        (
            "missing",
            (required[0].message, "未重新计算的变更达到重新计算阈值：" + required[0].message),
        )
        if required
        else ("present", done or ("no recalculations", "基准年排放未重新计算"))
    )
    return {"k": k, "l": l_entry}


def _quantification_items(report: InventoryReport) -> dict[str, _Entry]:
    """(m) methods, (n) changes to them, (o) factors with their references."""
    rep = report.inventory.reporting
    return {
        "m": (
            "present",
            (
                f"method per source, with the factor or parameters used (table '{TABLE_TITLES['Sources'][0]}')",
                "各排放源的量化方法及所用排放因子或参数" + _zh_table("Sources"),
            ),
        ),
        "n": _stated(
            rep.methodology_changes if rep else None,
            (
                "state reporting.methodology_changes (or 'none')",
                "请说明量化方法的变更（reporting.methodology_changes，无变更可填 'none'）",
            ),
        ),
        "o": _factors_item(report),
    }


def _factors_item(report: InventoryReport) -> _Entry:
    """(o): present only when every factor and parameter used is listed with a reference.

    Every gas value of a factor, every carbon-content parameter and every density,
    calorific value and NCV/GCV ratio of a fuel chain is looked for in the factors table
    (:func:`~nqi_carbon.report.tables.parameters_missing`).
    """
    from .tables import parameters_missing

    missing = parameters_missing(report.result)
    if missing:
        shown = "; ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        return (
            "missing",
            (
                f"not cited: {shown}; state the evidence (document, lab report) of each",
                f"未注明出处：{shown}；请为每项注明证据（文件、检测报告）",
            ),
        )
    return (
        "present",
        (
            "every factor, fuel parameter and conversion (density, calorific value, NCV/GCV) "
            f"used, each cited (table '{TABLE_TITLES['Factors'][0]}')",
            "所用全部排放因子、燃料参数和换算参数（密度、热值、低位/高位热值比），均注明出处"
            + _zh_table("Factors"),
        ),
    )


def _uncertainty_items(report: InventoryReport) -> dict[str, _Entry]:
    """(p) uncertainty per category and (q) the uncertainty assessment."""
    res = report.result
    has_u = bool(res.group_uncertainty)
    um = res.uncertainty_method or ""
    um_zh = _UNCERTAINTY_METHOD[um][1] if um in _UNCERTAINTY_METHOD else um
    return {
        "p": (
            "present" if has_u else "missing",
            (f"{um} per category", f"按类别评估不确定性：{um_zh}")
            if has_u
            else (
                "calculate with uncertainty='analytical' or 'monte_carlo'",
                "请以 uncertainty='analytical' 或 'monte_carlo' 计算不确定性",
            ),
        ),
        "q": (
            "present" if has_u else "missing",
            (
                f"{um}; main contributors listed (table "
                f"'{TABLE_TITLES['Uncertainty contributors'][0]}')",
                f"{um_zh}；已列出不确定性的主要来源" + _zh_table("Uncertainty contributors"),
            )
            if has_u
            else ("no uncertainty assessment", "未进行不确定性评估"),
        ),
    }


def _statement_items(report: InventoryReport) -> dict[str, _Entry]:
    """(r) the statement of conformity and (s) verification: whether, by whom, what level."""
    rep = report.inventory.reporting
    ver = rep.verification if rep else None
    return {
        "r": _stated(
            rep.conformity_statement if rep else None,
            (
                "state reporting.conformity_statement",
                "请填写符合性声明（reporting.conformity_statement）",
            ),
        ),
        "s": (
            "present" if ver else "missing",
            (
                f"{ver.status.replace('_', ' ')}" + (f" by {ver.body}" if ver.body else ""),
                (f"核查机构：{ver.body}；" if ver.body else "")
                + f"核查：{_value_pair(ver.status)[1]}",
            )
            if ver
            else ("state reporting.verification", "请说明核查情况（reporting.verification）"),
        ),
    }


def _gwp_items(report: InventoryReport) -> dict[str, _Entry]:
    """(t) the GWP values used and their source, origin-specific values named."""
    res = report.result
    by_origin = [r for r in report.gwp_used() if r["origin"]]
    origin = ", ".join(f"{r['gas']} {r['origin']} {_exact(r['gwp'])}" for r in by_origin)
    return {
        "t": (
            "present",
            (
                f"{res.gwp_set}: {report._provenance()['gwp_source']}"
                + (f"; origin-specific: {origin}" if by_origin else "")
                + f"; every value used, per gas and origin and cited, in table '{TABLE_TITLES['GWP'][0]}'",
                f"全球变暖潜势 {res.gwp_set}：{report._provenance()['gwp_source']}"
                + (f"；按来源区分的值：{origin}" if by_origin else "")
                + "；所用全部数值按气体和来源列出并注明出处"
                + _zh_table("GWP"),
            ),
        ),
    }


_GROUPS: tuple[Callable[[InventoryReport], dict[str, _Entry]], ...] = (
    _organization_items,
    _emissions_items,
    _coverage_items,
    _base_year_items,
    _quantification_items,
    _uncertainty_items,
    _statement_items,
    _gwp_items,
)
"""The item groups of clause 9.3.1, together covering items a-t once each."""
