"""The CFP study report (ISO 14067:2018 clause 7): JSON, Markdown, HTML and Excel, en/zh.

:class:`FootprintReport` holds a :class:`~.calculate.FootprintResult` and writes the
report set: the headline figures, the GHG values kept apart as clause 7.2 asks (fossil,
biogenic emissions and removals, land-use change, aircraft), the footprint by stage, by
gas and by input, the allocation and its sensitivity, the uncertainty, the cut-off, the
factors cited, the findings, and the **checklist** of the report's content
(:data:`CHECKLIST`, one status per item as the inventory report's clause 9.3.1 list).

The set is rendered in memory and written as one unit
(:func:`nqi_carbon._io.atomic.write_set`); every value from the study passes the escaping
function of its format; ``SOURCE_DATE_EPOCH`` makes the files byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..pages.format import _generation_date
from ..pages.labels import _tr

if TYPE_CHECKING:
    from ..pages.labels import Language
    from .calculate import FootprintResult

__all__ = [
    "CHECKLIST",
    "RESULT_SCHEMA",
    "FootprintReport",
    "build_checklist",
    "footprint_report",
    "result_dict",
]

RESULT_SCHEMA = "nqi-carbon/footprint-result@1"
REPORT_SCHEMA = "nqi-carbon/footprint-report@1"
FORMATS = ("json", "md", "html", "xlsx")
DEFAULT_FORMATS = ("json", "md", "html")

Status = Literal["present", "missing", "not_applicable"]

CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("a", "Functional or declared unit", "功能单位或声明单位"),
    ("b", "System boundary and life-cycle stages included", "系统边界及所含生命周期阶段"),
    ("c", "Cut-off criteria and what was left out", "取舍准则及被排除的内容"),
    ("d", "Time period the CFP represents", "碳足迹所代表的时间段"),
    ("e", "Data sources and share of primary data", "数据来源及初级数据占比"),
    ("f", "Data quality", "数据质量"),
    ("g", "GHGs considered and characterization factors (GWP)", "所考虑的温室气体及特征化因子（GWP）"),
    ("h", "Emission factors used, with their sources", "所用排放因子及其来源"),
    ("i", "Allocation procedures and their justification", "分配程序及理由"),
    ("j", "GHG values apart: fossil, biogenic, land-use change, aircraft",
     "分别报告：化石、生物源、土地利用变化、航空"),
    ("k", "Biogenic carbon content of the product", "产品的生物源碳含量"),
    ("l", "Treatment of electricity", "电力的处理"),
    ("m", "Uncertainty and sensitivity analysis", "不确定性和敏感性分析"),
    ("n", "Value choices, assumptions and limitations", "价值选择、假设和局限"),
    ("o", "Product category rules or other requirements followed", "所遵循的产品种类规则或其他要求"),
    ("p", "Intended application, audience, commissioner and practitioner", "预期应用、受众、委托方和实施方"),
    ("q", "Comparative assertion disclosed to the public", "向公众披露的比较性声明"),
)  # fmt: skip
"""The content of a CFP study report, after ISO 14067:2018 clauses 7.2 and 7.3 as read in
secondary summaries; the letters are nqi-carbon's, not the standard's."""

_STATUS = {"present": ("present", "已包含"), "missing": ("missing", "缺失"),
           "not_applicable": ("not applicable", "不适用")}  # fmt: skip

_ZH = {
    "Carbon footprint of a product": "产品碳足迹",
    "Item": "项目",
    "Value": "内容",
    "Product": "产品",
    "Declared unit": "声明单位",
    "Functional unit": "功能单位",
    "System boundary": "系统边界",
    "Life-cycle stages": "生命周期阶段",
    "Reference period": "参考期",
    "GWP set": "GWP 值集",
    "CFP excluding biogenic (kg CO2e)": "碳足迹，不含生物源（kg CO2e）",
    "CFP including biogenic (kg CO2e)": "碳足迹，含生物源（kg CO2e）",
    "95 % interval (kg CO2e)": "95 %置信区间（kg CO2e）",
    "Primary data share": "初级数据占比",
    "Data quality rating (1 best - 3)": "数据质量评级（1 最好 - 3）",
    "Commissioner": "委托方",
    "Practitioner": "实施方",
    "Study date": "研究日期",
    "Generated": "生成日期",
    "not stated": "未说明",
    "GHG values (kg per declared unit)": "温室气体数值（每声明单位 kg）",
    "Fossil GHG emissions": "化石温室气体排放",
    "of which aircraft": "其中航空运输",
    "Land-use change (direct)": "直接土地利用变化",
    "Biogenic emissions": "生物源排放",
    "Biogenic removals": "生物源清除",
    "Biogenic carbon content (kg C)": "生物源碳含量（kg C）",
    "By life-cycle stage": "按生命周期阶段",
    "By gas": "按气体",
    "By input": "按输入",
    "Stage": "阶段",
    "Gas": "气体",
    "Input": "输入",
    "Kind": "类型",
    "Basis": "依据",
    "kg CO2e": "kg CO2e",
    "Share": "占比",
    "Primary": "初级数据",
    "DQR": "数据质量",
    "Allocation": "分配",
    "Rule": "规则",
    "Key": "分配依据",
    "Reason": "理由",
    "Why not physical": "不采用物理关系的理由",
    "Product's share": "本产品份额",
    "Sensitivity to the allocation key": "对分配依据的敏感性",
    "Uncertainty": "不确定性",
    "Method": "方法",
    "Seed": "随机种子",
    "Iterations": "迭代次数",
    "Largest contributions to the variance": "方差的主要贡献",
    "Variance share": "方差占比",
    "Cut-off": "取舍",
    "Criterion": "准则",
    "Exempted share": "排除占比",
    "Left out": "排除的内容",
    "Factors used": "所用因子",
    "Factor": "因子",
    "Citation": "来源",
    "Findings": "发现",
    "Code": "代码",
    "Severity": "级别",
    "Subject": "对象",
    "Finding": "发现",
    "Report content (ISO 14067 clause 7)": "报告内容（ISO 14067 第 7 章）",
    "Status": "状态",
    "Detail": "说明",
    "none": "无",
}
"""The Chinese of every fixed word of the pages (values from the study stay as written)."""

_STAGE_ZH = {
    "raw_material_acquisition": "原材料获取",
    "production": "生产",
    "distribution": "分销",
    "use": "使用",
    "end_of_life": "寿命终止",
}
_BOUNDARY_ZH = {"cradle_to_gate": "从摇篮到大门", "cradle_to_grave": "从摇篮到坟墓",
                "gate_to_gate": "从大门到大门"}  # fmt: skip


def result_dict(r: FootprintResult) -> dict[str, Any]:
    """The footprint's figures as JSON-ready data (kg CO2e per declared unit)."""
    return {
        "schema": RESULT_SCHEMA,
        "product": r.product,
        "declared_unit": r.declared_unit,
        "boundary": r.boundary,
        "stages": list(r.stages),
        "reference_period": {"start": r.reference_period[0], "end": r.reference_period[1]},
        "gwp_set": r.gwp_set,
        "pcf_excluding_biogenic": r.pcf_excluding_biogenic,
        "pcf_including_biogenic": r.pcf_including_biogenic,
        "fossil_ghg": r.fossil_ghg,
        "land_use_change": r.land_use_change,
        "aircraft": r.aircraft,
        "biogenic_emissions": r.biogenic_emissions,
        "biogenic_removals": r.biogenic_removals,
        "biogenic_carbon_content": r.biogenic_carbon_content,
        "primary_data_share": r.primary_data_share,
        "dqr": r.dqr,
        "by_stage": r.by_stage,
        "by_gas": r.by_gas,
        "by_input": r.by_input,
        "allocation": r.allocation,
        "cut_off": r.cut_off,
        "uncertainty": r.uncertainty,
        "factors": r.factors_used,
        "findings": [
            {"code": c, "severity": s, "subject": sub, "message": m} for c, s, sub, m in r.findings
        ],
        "provenance": {"input_sha256": r.input_sha256},
    }


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the report's content, its status and detail (English, Chinese)."""

    item: str
    title: str
    title_zh: str
    status: Status
    detail: str


def _item_status(r: FootprintResult, k: str) -> tuple[Status, str]:
    """The status and detail of item *k* (the detail in English; values as written)."""
    s = r.study
    st = s.study if s is not None else None
    if k == "a":
        du = r.declared_unit
        return "present", f"{du['amount']:g} {du['unit']} ({du.get('kind', 'declared')})"
    if k == "b":
        return "present", f"{r.boundary}: {', '.join(r.stages)}"
    if k == "c":
        if r.cut_off is None:
            return "missing", "no cut-off criterion stated"
        return "present", f"{r.cut_off['criterion'].strip()} ({r.cut_off['exempted_share']:g} %)"
    if k == "d":
        return "present", f"{r.reference_period[0]} to {r.reference_period[1]} (end exclusive)"
    if k == "e":
        return "present", f"{r.primary_data_share:.1f} % primary data; {len(r.by_input)} inputs"
    if k == "f":
        if r.dqr is None:
            return "missing", "no input is rated"
        return "present", f"DQR {r.dqr:.2f} (emission-weighted over the inputs rated)"
    if k == "g":
        return "present", f"{', '.join(r.by_gas) or 'none'}; GWP {r.gwp_set} (100-year)"
    if k == "h":
        return "present", f"{len(r.factors_used)} factors, each cited (table Factors used)"
    if k == "i":
        a = r.allocation
        if a is None:
            return "not_applicable", "no plant emissions shared between products"
        return "present", f"{a['rule']}{' by ' + a['key'] if a['key'] else ''}: {a['reason']}"
    if k == "j":
        return "present", "table GHG values"
    if k == "k":
        if r.biogenic_carbon_content is None:
            return "missing", "not stated"
        return "present", f"{r.biogenic_carbon_content:g} kg C per declared unit"
    if k == "l":
        energy = [i["basis"] for i in r.by_input if i["kind"] in ("energy", "plant")]
        if not energy:
            return "not_applicable", "no energy inputs"
        return "present", "; ".join(energy)
    if k == "m":
        if not r.uncertainty:
            return "missing", "uncertainty not calculated"
        keys = ", ".join((r.allocation or {}).get("sensitivity", {})) or "none"
        return "present", f"{r.uncertainty['method']}; allocation sensitivity: {keys}"
    if k == "n":
        text = [t for t in (st and st.assumptions, st and st.limitations) if t]
        return ("present", " ".join(t.strip() for t in text)) if text else ("missing", "not stated")
    if k == "o":
        return ("present", st.pcr) if st is not None and st.pcr else ("missing", "not stated")
    if k == "p":
        parts = [st.intended_application, st.commissioner, st.practitioner] if st else []
        given = [p.strip() for p in parts if p]
        return ("present", "; ".join(given)) if given else ("missing", "not stated")
    if st is not None and st.comparative_assertion:
        return "missing", "a comparative assertion needs a critical review (not made here)"
    return "not_applicable", "no comparative assertion"


def build_checklist(r: FootprintResult) -> list[ChecklistItem]:
    """Each item of :data:`CHECKLIST` with its status and detail, in order."""
    return [ChecklistItem(k, en, zh, *_item_status(r, k)) for k, en, zh in CHECKLIST]


@dataclass(frozen=True)
class _Table:
    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: Sequence[tuple[str, ...]]
    note: str | None = None


def _kg(v: float | None) -> str:
    return "—" if v is None else f"{v:,.4f}"


class FootprintReport:
    """The CFP study report of a footprint: ``write(out_dir)``, ``to_json()``, ``to_html()``...

    Parameters
    ----------
    result : FootprintResult
        From :func:`nqi_carbon.calculate_footprint`.
    language : {"en", "zh", "en+zh"}, optional
        The pages' language (default: the study's ``study.language``, else English).
    """

    def __init__(self, result: FootprintResult, *, language: Language | None = None) -> None:
        self.result = result
        default: Language = result.study.study.language if result.study is not None else "en"
        self.language: Language = language or default
        self.generated = _generation_date()

    def __repr__(self) -> str:
        return f"<FootprintReport {self.result.product['name']!r} ({self.language})>"

    def _l(self, en: str) -> str:
        return _tr((en, _ZH.get(en, en)), self.language)

    def checklist(self) -> list[ChecklistItem]:
        """The report's content items and their status."""
        return build_checklist(self.result)

    # -- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``schema: nqi-carbon/footprint-report@1``)."""
        r = self.result
        st = r.study.study if r.study is not None else None
        return {
            "schema": REPORT_SCHEMA,
            "language": self.language,
            "study": {} if st is None else st.model_dump(mode="json", exclude_none=True),
            "footprint": result_dict(r),
            "checklist": [
                {"item": c.item, "title": c.title, "status": c.status, "detail": c.detail}
                for c in self.checklist()
            ],
            "generated": self.generated.isoformat(),
        }

    def to_json(self) -> str:
        r"""JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_text

        return json_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))

    # -- pages ------------------------------------------------------------------------
    def _stage(self, s: str) -> str:
        return _tr((s.replace("_", " "), _STAGE_ZH.get(s, s)), self.language)

    def facts(self) -> list[tuple[str, str]]:
        """The headline facts, labels in the page language."""
        r = self.result
        st = r.study.study if r.study is not None else None
        du = r.declared_unit
        u = r.uncertainty
        label = "Functional unit" if du.get("kind") == "functional" else "Declared unit"
        rows = [
            ("Product", f"{r.product['name']} ({r.product['id']})"),
            (label, f"{du['amount']:g} {du['unit']}" + (f" — {du['description']}" if du.get("description") else "")),
            ("System boundary", _tr((r.boundary.replace("_", "-"), _BOUNDARY_ZH[r.boundary]), self.language)),
            ("Life-cycle stages", ", ".join(self._stage(s) for s in r.stages)),
            ("Reference period", f"{r.reference_period[0]} – {r.reference_period[1]}"),
            ("GWP set", r.gwp_set),
            ("CFP excluding biogenic (kg CO2e)", _kg(r.pcf_excluding_biogenic)),
            ("CFP including biogenic (kg CO2e)", _kg(r.pcf_including_biogenic)),
            ("95 % interval (kg CO2e)", self._interval() if u else self._l("not stated")),
            ("Primary data share", f"{r.primary_data_share:.1f} %"),
            ("Data quality rating (1 best - 3)", "—" if r.dqr is None else f"{r.dqr:.2f}"),
            ("Commissioner", (st and st.commissioner) or self._l("not stated")),
            ("Practitioner", (st and st.practitioner) or self._l("not stated")),
            ("Study date", str(st.date) if st and st.date else self._l("not stated")),
            ("Generated", self.generated.isoformat()),
        ]  # fmt: skip
        return [(self._l(k), v) for k, v in rows]

    def _interval(self) -> str:
        u = self.result.uncertainty
        return f"{_kg(u['ci95_low'])} – {_kg(u['ci95_high'])} ({u['method']})"

    def tables(self) -> list[_Table]:
        """The report's tables, titles and headers in the page language."""
        return [
            _Table(self._l(t.title), tuple(map(self._l, t.headers)), t.numeric, t.rows, t.note)
            for t in self._tables_en()
        ]

    def _tables_en(self) -> list[_Table]:
        r = self.result
        total = r.pcf_excluding_biogenic

        def share(v: float) -> str:
            return f"{100 * v / total:.1f} %" if total else "—"

        values = [
            ("Fossil GHG emissions", r.fossil_ghg),
            ("of which aircraft", r.aircraft),
            ("Land-use change (direct)", r.land_use_change),
            ("Biogenic emissions", r.biogenic_emissions),
            ("Biogenic removals", r.biogenic_removals),
            ("Biogenic carbon content (kg C)", r.biogenic_carbon_content),
        ]
        u = r.uncertainty
        a = r.allocation
        return [
            _Table("GHG values (kg per declared unit)", ("Item", "kg CO2e"), (False, True),
                   [(self._l(k), _kg(v)) for k, v in values]),
            _Table("By life-cycle stage", ("Stage", "kg CO2e", "Share"), (False, True, True),
                   [(self._stage(k), _kg(v), share(v)) for k, v in r.by_stage.items()]),
            _Table("By gas", ("Gas", "kg CO2e", "Share"), (False, True, True),
                   [(k, _kg(v), share(v)) for k, v in r.by_gas.items()]),
            _Table("By input", ("Input", "Kind", "Stage", "Basis", "kg CO2e", "Primary", "DQR"),
                   (False, False, False, False, True, True, True),
                   [(i["id"], i["kind"], self._stage(i["stage"]), i["basis"],
                     _kg(i["pcf_excluding_biogenic"]), f"{i['primary_data_share']:.0f} %",
                     "—" if i["dqr"] is None else f"{i['dqr']:.2f}") for i in r.by_input]),
            _Table("Allocation", ("Item", "Value"), (False, False),
                   [] if a is None else [
                       (self._l("Rule"), a["rule"]), (self._l("Key"), a["key"] or "—"),
                       (self._l("Reason"), a["reason"]),
                       (self._l("Why not physical"), a["why_not_physical"] or "—"),
                       (self._l("Product's share"), f"{100 * a['share']:.4g} %")]),
            _Table("Sensitivity to the allocation key", ("Key", "Product's share", "kg CO2e"),
                   (False, True, True),
                   [] if a is None else [(k, f"{100 * a['shares'][k]:.4g} %", _kg(v))
                                         for k, v in a["sensitivity"].items()]),
            _Table("Uncertainty", ("Item", "Value"), (False, False),
                   [] if not u else [(self._l("Method"), u["method"]),
                                     (self._l("95 % interval (kg CO2e)"), self._interval()),
                                     (self._l("Seed"), "—" if u["seed"] is None else str(u["seed"])),
                                     (self._l("Iterations"), "—" if u["iterations"] is None
                                      else str(u["iterations"]))]),
            _Table("Largest contributions to the variance", ("Input", "Variance share"), (False, True),
                   [(c["label"], f"{100 * c['variance_share']:.2f} %") for c in (u or {}).get("contributions", [])]),
            _Table("Cut-off", ("Criterion", "Exempted share", "Left out"), (False, True, False),
                   [] if r.cut_off is None else [(r.cut_off["criterion"].strip(), f"{r.cut_off['exempted_share']:g} %",
                                                  "; ".join(x.strip() for x in r.cut_off["exempted"]))]),
            _Table("Factors used", ("Factor", "Citation"), (False, False), list(r.factors_used.items())),
            _Table("Findings", ("Code", "Severity", "Subject", "Finding"), (False,) * 4,
                   list(r.findings)),
            _Table("Report content (ISO 14067 clause 7)", ("Item", "Status", "Detail"), (False, False, False),
                   [(f"{c.item}. {_tr((c.title, c.title_zh), self.language)}",
                     _tr(_STATUS[c.status], self.language), c.detail) for c in self.checklist()]),
        ]  # fmt: skip

    def title(self) -> str:
        """The page title: the product's name after the report's name."""
        return f"{self._l('Carbon footprint of a product')}: {self.result.product['name']}"

    def to_markdown(self) -> str:
        """The report as Markdown (every value escaped for Markdown)."""
        from .._escape import md_row, md_text
        from ..pages.tables import text_tables_markdown

        lines = [f"# {md_text(self.title(), block_start=True)}", ""]
        lines += [md_row([self._l("Item"), self._l("Value")]), "|---|---|"]
        lines += [md_row([k, v]) for k, v in self.facts()]
        lines += text_tables_markdown(self.tables(), self._l("none"))
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """One self-contained HTML page (template ``pages/templates/footprint.html``)."""
        from .. import __version__
        from ..pages.render import render

        return render(
            "footprint.html",
            html_lang="en" if self.language == "en" else "zh-Hans",
            lang=self.language,
            title=self.title(),
            statements=[],
            opinion="",
            facts=self.facts(),
            tables=self.tables(),
            version=__version__,
            input_sha256=self.result.input_sha256 or "",
        )

    def _sheets(self) -> dict[str, list[list[Any]]]:
        """The workbook's sheets as rows: numbers as numbers, text as text."""
        r = self.result
        summary: list[list[Any]] = [["item", "value"]]
        for k, v in result_dict(r).items():
            if isinstance(v, int | float | str) or v is None:
                summary.append([k, v])
        inputs = [list(r.by_input[0]) if r.by_input else ["id"]]
        inputs += [list(i.values()) for i in r.by_input]
        a = r.allocation or {}
        return {
            "Summary": summary,
            "Stages": [["stage", "kg_co2e"], *([k, v] for k, v in r.by_stage.items())],
            "Gases": [["gas", "kg_co2e"], *([k, v] for k, v in r.by_gas.items())],
            "Inputs": inputs,
            "Allocation": [
                ["key", "share", "pcf_excluding_biogenic"],
                *([k, a["shares"][k], v] for k, v in a.get("sensitivity", {}).items()),
            ],
            "Factors": [["factor", "citation"], *map(list, r.factors_used.items())],
            "Findings": [["code", "severity", "subject", "message"], *map(list, r.findings)],
            "Checklist": [
                ["item", "title", "status", "detail"],
                *([c.item, c.title, c.status, c.detail] for c in self.checklist()),
            ],
        }

    def _excel_bytes(self) -> bytes:
        """The workbook: one sheet per table, the first row bold and frozen."""
        from ..pages.workbook import sheets_workbook

        return sheets_workbook(self._sheets(), self.generated)

    def _render(self, formats: Iterable[str]) -> dict[str, bytes]:
        from ..pages.render import render_files

        return render_files(self, {f: f"footprint.{f}" for f in FORMATS}, formats)

    def write(self, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
        """Write ``footprint.{json,md,html}`` (and ``.xlsx`` when asked) into *out_dir* as one set."""
        from .._io.atomic import write_set

        return write_set(out_dir, self._render(formats))


def footprint_report(
    result: FootprintResult, *, language: Language | None = None
) -> FootprintReport:
    """The CFP study report of *result* (see :class:`FootprintReport`).

    Raises
    ------
    InvalidArgumentError
        *result* is not a :class:`~.calculate.FootprintResult`; an unknown *language*.
    """
    from ..errors import argument_error
    from .calculate import FootprintResult

    if not isinstance(result, FootprintResult):
        raise argument_error(
            "result",
            result,
            "a FootprintResult (nc.calculate_footprint)",
            where="footprint_report()",
        )
    if language not in (None, "en", "zh", "en+zh"):
        raise argument_error("language", language, "en, zh or en+zh", where="footprint_report()")
    return FootprintReport(result, language=language)
