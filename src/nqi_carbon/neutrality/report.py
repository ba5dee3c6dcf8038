"""The evaluation of a claim: verdict, claim statement, figures, credits, rules — JSON, Markdown, HTML.

The report is rendered in memory and written as one set
(:func:`nqi_carbon._io.atomic.write_set`); every value from the claim passes the escaping
function of its format; ``SOURCE_DATE_EPOCH`` makes the files byte-identical.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..pages.format import _generation_date
from ..pages.labels import _tr
from .checks import base_year_emissions
from .criteria import criteria_set, table
from .evaluate import criteria_title, removal_share, required_t
from .pathway import pathway_points
from .rules import window

if TYPE_CHECKING:
    from ..errors import Issue
    from ..pages.labels import Language
    from .evaluate import Evaluated
    from .verify import ClaimOpinion

__all__ = ["NeutralityEvaluation"]

SCHEMA = "nqi-carbon/neutrality-evaluation@1"
FORMATS = ("json", "md", "html", "xlsx")
DEFAULT_FORMATS = ("json", "md", "html")
_ZH = {
    "Carbon-neutrality claim": "碳中和声明",
    "Item": "项目",
    "Value": "内容",
    "Claimant": "声明方",
    "Subject": "声明对象",
    "Period": "期间",
    "Criteria": "依据",
    "Claim date": "声明日期",
    "Commitment": "承诺",
    "Emissions (t CO2e)": "排放量（tCO2e）",
    "Footprint basis": "碳足迹来源",
    "Removals within the boundary (t CO2e)": "边界内清除量（tCO2e）",
    "Residual to offset (t CO2e)": "需抵消的剩余排放（tCO2e）",
    "Reduction against the base year (t CO2e)": "相对基准年的减排量（tCO2e）",
    "Credits retired (t CO2e)": "已注销碳信用（tCO2e）",
    "Removal share of credits": "碳信用中清除类的占比",
    "Remainder (credits minus residual, t CO2e)": "余量（碳信用减剩余排放，tCO2e）",
    "Generated": "生成日期",
    "not stated": "未说明",
    "no credits": "无碳信用",
    "Rules failed (each refuses the claim)": "未满足的规则（任一项即不能声明）",
    "Findings of the inventory's calculation": "清单计算的发现",
    "Credits retired": "已注销的碳信用",
    "Reductions achieved": "已实现的减排",
    "Management plan targets": "碳中和管理计划目标",
    "Assumptions in force": "适用的假设",
    "Rules checked": "已检查的规则",
    "Code": "代码",
    "Field": "字段",
    "Problem": "问题",
    "Allowed": "允许",
    "Severity": "级别",
    "Finding": "发现",
    "Registry": "登记系统",
    "Project": "项目",
    "Block": "批次",
    "Serials": "序列号",
    "Vintage": "年份",
    "Type": "类型",
    "Retired": "注销日期",
    "Beneficiary": "受益方",
    "Evidence": "证据",
    "Id": "编号",
    "Measure": "措施",
    "Year": "年份",
    "Reduction on the base year": "相对基准年减排",
    "Description": "说明",
    "Parameter": "参数",
    "Rule": "规则",
    "Basis": "依据",
    "none": "无",
    "Clause checklist": "条款核对表",
    "Clause": "条款",
    "Requirement": "要求",
    "Result": "结果",
    "Confirmed": "确认情况",
    "met": "满足",
    "not met": "不满足",
    "Management plan against the 1.5 °C pathway": "管理计划目标与1.5 °C路径对比",
    "Target reduction": "目标减排",
    "Pathway reduction": "路径减排",
    "Target (t CO2e)": "目标排放（tCO2e）",
    "Pathway (t CO2e)": "路径排放（tCO2e）",
    "Consistent": "是否一致",
    "yes": "是",
    "no": "否",
    "Boundary of the event": "活动核算边界",
    "Element": "要素",
    "Sources or reason excluded": "排放源或排除理由",
    "excluded": "已排除",
    "Verification of the claim": "声明的核查",
    "Verification opinion": "核查意见",
    "Opinion": "意见",
    "Assurance": "保证程度",
    "Materiality": "实质性",
    "Verifier": "核查员",
    "Verification body": "核查机构",
    "Date": "日期",
    "unmodified": "无保留意见",
    "modified": "保留意见",
    "adverse": "否定意见",
    "disclaimer": "无法表示意见",
    "reasonable": "合理保证",
    "limited": "有限保证",
    "Stated figures against the recomputed ones": "声明数值与重新计算值对比",
    "Figure": "数值",
    "Stated (t CO2e)": "声明值（tCO2e）",
    "Recomputed (t CO2e)": "重新计算值（tCO2e）",
    "Difference": "差异",
    "Material": "是否实质性",
}

_STATUS = {
    "secondary": ("read in a secondary source", "见于二手资料"),
    "reprint": ("read in a reprint of the text", "见于原文转载"),
    "to_confirm": ("to confirm", "待确认"),
    "nqi": ("nqi-carbon's rule", "本库规则"),
}
"""How far a rule is confirmed, in English and Chinese (``criteria.yaml``)."""
"""The Chinese of every fixed word of the pages (values from the claim stay as written)."""

_COVERAGE = {
    "upper_95": "upper bound of the 95 % interval, less removals",
    "central": "central value, less removals",
}


@dataclass(frozen=True)
class _Table:
    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: Sequence[tuple[str, ...]]
    note: str | None = None


def _t(v: float) -> str:
    return f"{v:,.3f}"


def _last_day(end: _dt.date) -> _dt.date:
    return end - _dt.timedelta(days=1)


class NeutralityEvaluation:
    """A carbon-neutrality claim evaluated: ``status`` is ``claim`` or ``refused``.

    Attributes
    ----------
    refusals : list of Issue
        Every rule the claim fails (reason code, field, value, what is allowed); empty
        when the claim can be made.
    statement : str
        The claim wording, or why no claim can be made.
    """

    def __init__(
        self,
        evaluated: Evaluated,
        *,
        language: Language | None = None,
        opinion: ClaimOpinion | None = None,
    ) -> None:
        self._ev = evaluated
        self.opinion = opinion
        """The verifier's opinion (:func:`~nqi_carbon.verify_neutrality`), else None."""
        self.language: Language = language or evaluated.claim.language
        self.claim = evaluated.claim
        self.file = evaluated.file
        self.input_sha256 = evaluated.sha256
        self.footprint = evaluated.footprint
        self.refusals: list[Issue] = list(evaluated.refusals)
        self.generated = _generation_date()

    @property
    def status(self) -> str:
        """``claim`` when every rule holds, else ``refused``."""
        return "refused" if self.refusals else "claim"

    @property
    def required_t(self) -> float:
        """The residual the credits must cover, t CO2e (per ``assumptions.coverage``)."""
        return required_t(self.claim, self.footprint)

    @property
    def retired_t(self) -> int:
        """The tonnes of credits retired (one per serial)."""
        return sum(c.serial.count for c in self.claim.credits)

    @property
    def statement(self) -> str:
        """The claim wording for the subject and period, or the reasons no claim can be made."""
        c = self.claim
        span = f"{c.period.start} to {_last_day(c.period.end)}"
        if self.status == "claim":
            f = self.figures()
            basis = (
                "upper bound of the interval"
                if c.assumptions.coverage == "upper_95"
                else "central value"
            )
            registries = ", ".join(f"{k} {v:,} t" for k, v in f["credits_by_registry_t"].items())
            return (
                f"{c.subject.name} has achieved carbon neutrality for the period {span} in "
                f"accordance with {criteria_title(c)}: emissions of {_t(f['emissions_t'])} t "
                f"CO2e (95 % interval {_t(f['emissions_ci95_low_t'])} to "
                f"{_t(f['emissions_ci95_high_t'])} t), less {_t(f['removals_in_boundary_t'])} t "
                f"removed within the boundary; the residual of {_t(self.required_t)} t CO2e "
                f"({basis}) is offset by {self.retired_t:,} t CO2e of retired credits "
                f"({registries}). Claimed by {c.claimant} on {c.claim_date}."
            )
        codes = ", ".join(sorted({i.code for i in self.refusals}))
        return (
            f"No carbon-neutrality claim can be made for {c.subject.name} for the period "
            f"{span} under {criteria_title(c)}: {len(self.refusals)} rule(s) fail ({codes})."
        )

    @property
    def statement_zh(self) -> str:
        """The statement in Chinese (figures and names as in :attr:`statement`)."""
        c = self.claim
        span = f"{c.period.start}至{_last_day(c.period.end)}"
        title = criteria_set(c.criteria).title_zh
        if self.status == "claim":
            f = self.figures()
            basis = "区间上限" if c.assumptions.coverage == "upper_95" else "中值"
            registries = "，".join(f"{k} {v:,} t" for k, v in f["credits_by_registry_t"].items())
            return (
                f"{c.subject.name}在{span}期间按照{title}实现碳中和：排放量"
                f"{_t(f['emissions_t'])} tCO2e（95 %区间{_t(f['emissions_ci95_low_t'])}至"
                f"{_t(f['emissions_ci95_high_t'])} t），边界内清除{_t(f['removals_in_boundary_t'])} t；"
                f"剩余排放{_t(self.required_t)} tCO2e（{basis}）由已注销的{self.retired_t:,} tCO2e"
                f"碳信用抵消（{registries}）。声明方：{c.claimant}，声明日期：{c.claim_date}。"
            )
        codes = ", ".join(sorted({i.code for i in self.refusals}))
        return (
            f"{c.subject.name}在{span}期间不能按照{title}声明碳中和："
            f"{len(self.refusals)}项规则未满足（{codes}）。"
        )

    def _l(self, en: str) -> str:
        """A fixed word of the pages in the evaluation's language."""
        return _tr((en, _ZH.get(en, en)), self.language)

    def _statements(self) -> list[str]:
        """The statement in the page language (both, English first, for en+zh)."""
        return {"en": [self.statement], "zh": [self.statement_zh]}.get(
            self.language, [self.statement, self.statement_zh]
        )

    def __repr__(self) -> str:
        return f"<NeutralityEvaluation {self.claim.subject.name!r}: {self.status}, {len(self.refusals)} refusal(s)>"

    # -- figures ----------------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """Every figure of the claim, t CO2e, each traceable to its input."""
        fp, plan = self.footprint, self.claim.management_plan
        base = base_year_emissions(self.claim, fp)
        by_registry: dict[str, int] = {}
        for c in self.claim.credits:
            key = c.registry if c.registry_name is None else f"other: {c.registry_name}"
            by_registry[key] = by_registry.get(key, 0) + c.serial.count
        return {
            "emissions_t": fp.value_t,
            "emissions_ci95_low_t": fp.low_t,
            "emissions_ci95_high_t": fp.high_t,
            "removals_in_boundary_t": fp.removals_t,
            "residual_t": max(fp.value_t - fp.removals_t, 0.0),
            "residual_to_offset_t": self.required_t,
            "base_year": plan.base_year,
            "base_year_emissions_t": base,
            "reduction_against_base_t": None if base is None else base - fp.value_t,
            "reductions_stated_t": sum(r.amount_t for r in self.claim.reductions),
            "credits_retired_t": self.retired_t,
            "credits_by_registry_t": dict(sorted(by_registry.items())),
            "removal_share": removal_share(self.claim),
            "remainder_t": self.retired_t - self.required_t,
        }

    def assumptions(self) -> dict[str, Any]:
        """The rules' parameters in force: the claim's assumptions, else the criteria's defaults."""
        a = self.claim.assumptions
        age, months = window(self.claim)
        return {
            "criteria": self.claim.criteria,
            "coverage": a.coverage,
            "vintage_max_age_years": age,
            "retire_within_months": months,
            "retirement_anchor": criteria_set(self.claim.criteria).retirement_anchor,
            "min_removal_share": a.min_removal_share,
        }

    def checklist(self) -> list[dict[str, Any]]:
        """Each requirement of the claim's criteria: clause, met or not, and how confirmed."""
        failed = {i.code for i in self.refusals}
        return [
            {
                "code": r.code,
                "clause": r.clause,
                "requirement": r.requirement,
                "requirement_zh": r.requirement_zh,
                "met": r.code not in failed,
                "status": r.status,
                "url": r.url,
            }
            for r in criteria_set(self.claim.criteria).rules
        ]

    def pathway(self) -> dict[str, Any]:
        """The management plan's targets against the 1.5 °C pathway (data: ``criteria.yaml``)."""
        p = table().pathway
        base = base_year_emissions(self.claim, self.footprint)
        return {
            "required": criteria_set(self.claim.criteria).pathway_required,
            "name": p.name,
            "annual_reduction": p.annual_reduction,
            "basis": p.basis,
            "url": p.url,
            "status": p.status,
            "base_year": self.claim.management_plan.base_year,
            "base_year_emissions_t": base,
            "targets": [
                {
                    "year": q.year,
                    "target_reduction": q.target_reduction,
                    "pathway_reduction": q.pathway_reduction,
                    "target_t": q.target_t,
                    "pathway_t": q.pathway_t,
                    "consistent": q.consistent,
                }
                for q in pathway_points(self.claim.management_plan, base)
            ],
        }

    def boundary(self) -> list[dict[str, Any]]:
        """An event's boundary: each element's tonnes and sources (empty for other subjects)."""
        return [{"element": e, "co2e_t": t, "detail": d} for e, t, d in self.footprint.elements]

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-ready data (``schema: nqi-carbon/neutrality-evaluation@1``)."""
        c = self.claim
        return {
            "schema": SCHEMA,
            "status": self.status,
            "statement": self.statement,
            "statement_zh": self.statement_zh,
            "language": self.language,
            "claimant": c.claimant,
            "claim_date": c.claim_date.isoformat(),
            "criteria": criteria_title(c),
            "criteria_id": c.criteria,
            "subject": {
                "kind": c.subject.kind,
                "name": c.subject.name,
                "basis": self.footprint.basis,
                "boundary": self.boundary(),
                "findings": [
                    {"code": code, "severity": sev, "message": msg}
                    for code, sev, msg in self.footprint.findings
                ],
            },
            "period": {"start": c.period.start.isoformat(), "end": c.period.end.isoformat()},
            "figures": self.figures(),
            "credits": [cr.model_dump(mode="json") for cr in c.credits],
            "reductions": [r.model_dump(mode="json") for r in c.reductions],
            "refusals": [i.to_dict() for i in self.refusals],
            "assumptions": self.assumptions(),
            "checklist": self.checklist(),
            "pathway": self.pathway(),
            "verification": None
            if c.verification is None
            else c.verification.model_dump(mode="json"),
            "verification_opinion": None if self.opinion is None else self.opinion.to_dict(),
            "provenance": {
                "input_sha256": self.input_sha256,
                "generated": self.generated.isoformat(),
            },
        }

    def to_json(self) -> str:
        r"""JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_text

        return json_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))

    # -- pages ------------------------------------------------------------------------
    def _facts(self) -> list[tuple[str, str]]:
        """The facts, labels and fixed values in the page language."""
        y = self.claim.management_plan.base_year
        base = _tr((f"Base year {y} (t CO2e)", f"基准年 {y}（tCO2e）"), self.language)
        return [
            (base if k.startswith("Base year") else self._l(k), self._l(v) if v in _ZH else v)
            for k, v in self._facts_en()
        ]

    def _facts_en(self) -> list[tuple[str, str]]:
        c, f = self.claim, self.figures()
        base = f["base_year_emissions_t"]
        share = f["removal_share"]
        return [
            ("Claimant", c.claimant),
            ("Subject", f"{c.subject.name} ({c.subject.kind})"),
            ("Period", f"{c.period.start} to {_last_day(c.period.end)}"),
            ("Criteria", criteria_title(c)),
            ("Claim date", str(c.claim_date)),
            ("Commitment", c.commitment),
            (
                "Emissions (t CO2e)",
                f"{_t(f['emissions_t'])} (95 % interval "
                f"{_t(f['emissions_ci95_low_t'])} to {_t(f['emissions_ci95_high_t'])})",
            ),
            ("Footprint basis", self.footprint.basis),
            ("Removals within the boundary (t CO2e)", _t(f["removals_in_boundary_t"])),
            (
                "Residual to offset (t CO2e)",
                f"{_t(f['residual_to_offset_t'])} ({_COVERAGE[c.assumptions.coverage]})",
            ),
            (
                f"Base year {c.management_plan.base_year} (t CO2e)",
                "not stated" if base is None else _t(base),
            ),
            (
                "Reduction against the base year (t CO2e)",
                "not stated" if base is None else _t(f["reduction_against_base_t"]),
            ),
            ("Credits retired (t CO2e)", f"{f['credits_retired_t']:,}"),
            ("Removal share of credits", "no credits" if share is None else f"{100 * share:.1f} %"),
            ("Remainder (credits minus residual, t CO2e)", _t(f["remainder_t"])),
            ("Generated", self.generated.isoformat()),
        ]

    def tables(self) -> list[_Table]:
        """Refusals, the inventory's findings, credits, reductions, targets, assumptions, rules.

        Titles and headers in the page language; cells as written in the claim.
        """
        return [
            _Table(self._l(t.title), tuple(map(self._l, t.headers)), t.numeric, t.rows, t.note)
            for t in self._tables_en()
        ]

    def _tables_en(self) -> list[_Table]:
        c = self.claim
        clauses = {r.code: r.clause for r in criteria_set(c.criteria).rules}
        return [
            *self._opinion_tables(),
            _Table(
                "Rules failed (each refuses the claim)",
                ("Code", "Clause", "Field", "Problem", "Allowed"),
                (False,) * 5,
                [
                    (i.code, clauses.get(i.code, ""), i.field or "", i.message, i.allowed or "")
                    for i in self.refusals
                ],
            ),
            *(
                [
                    _Table(
                        "Findings of the inventory's calculation",
                        ("Code", "Severity", "Finding"),
                        (False,) * 3,
                        list(self.footprint.findings),
                    )
                ]
                if c.subject.kind != "footprint"
                else []
            ),
            self._checklist_table(),
            *([self._boundary_table()] if self.footprint.elements else []),
            self._credit_table(),
            _Table(
                "Reductions achieved",
                ("Id", "Measure", "t CO2e", "Evidence"),
                (False, False, True, False),
                [(r.id, r.description, _t(r.amount_t), r.evidence or "") for r in c.reductions],
            ),
            _Table(
                "Management plan targets",
                ("Year", "Reduction on the base year", "Description"),
                (False, True, False),
                [
                    (str(t.year), f"{100 * t.reduction:g} %", t.description or "")
                    for t in c.management_plan.targets
                ],
            ),
            *([self._pathway_table()] if self.pathway()["required"] else []),
            _Table(
                "Assumptions in force",
                ("Parameter", "Value"),
                (False, False),
                [(k, "—" if v is None else str(v)) for k, v in self.assumptions().items()],
            ),
        ]

    def _opinion_tables(self) -> list[_Table]:
        """The verifier's opinion and the misstatements weighed (none without an opinion)."""
        o = self.opinion
        if o is None:
            return []
        rows = [
            ("Opinion", self._l(o.opinion)),
            ("Assurance", self._l(o.assurance)),
            ("Materiality", f"{100 * o.materiality:g} % ({_t(o.materiality_t)} t CO2e)"),
            ("Basis", o.basis),
            ("Verifier", o.verifier or self._l("not stated")),
            ("Verification body", o.body or self._l("not stated")),
            ("Date", self._l("not stated") if o.date is None else o.date.isoformat()),
        ]
        mis = [
            (
                m.figure,
                _t(m.stated_t),
                _t(m.recomputed_t),
                _t(m.difference_t),
                self._l("yes" if m.material else "no"),
            )
            for m in o.misstatements
        ]
        return [
            _Table(
                "Verification opinion",
                ("Item", "Value"),
                (False, False),
                [(self._l(k), v) for k, v in rows],
            ),
            _Table(
                "Stated figures against the recomputed ones",
                ("Figure", "Stated (t CO2e)", "Recomputed (t CO2e)", "Difference", "Material"),
                (False, True, True, True, False),
                mis,
            ),
        ]

    def _both(self, en: str, zh: str) -> str:
        """A text given in both languages, in the page language."""
        return _tr((en, zh), self.language)

    def _checklist_table(self) -> _Table:
        """Each requirement of the criteria: clause, met or not, how far it is confirmed."""
        rows = [
            (
                r["clause"],
                self._both(r["requirement"], r["requirement_zh"]),
                r["code"],
                self._l("met" if r["met"] else "not met"),
                self._both(*_STATUS[r["status"]]) + (f" ({r['url']})" if r["url"] else ""),
            )
            for r in self.checklist()
        ]
        headers = ("Clause", "Requirement", "Code", "Result", "Confirmed")
        note = criteria_set(self.claim.criteria).title
        return _Table("Clause checklist", headers, (False,) * 5, rows, note)

    def _pathway_table(self) -> _Table:
        """The plan's targets beside the 1.5 °C pathway for their years."""
        p = self.pathway()

        def tonnes(v: float | None) -> str:
            return "—" if v is None else _t(v)

        rows = [
            (
                str(q["year"]),
                f"{100 * q['target_reduction']:g} %",
                f"{100 * q['pathway_reduction']:.1f} %",
                tonnes(q["target_t"]),
                tonnes(q["pathway_t"]),
                self._l("yes" if q["consistent"] else "no"),
            )
            for q in p["targets"]
        ]
        headers: tuple[str, ...] = ("Year", "Target reduction", "Pathway reduction")
        headers += ("Target (t CO2e)", "Pathway (t CO2e)", "Consistent")
        numeric = (False, True, True, True, True, False)
        return _Table("Management plan against the 1.5 °C pathway", headers, numeric, rows)

    def _boundary_table(self) -> _Table:
        """An event's boundary: each element's tonnes and its sources (or why it is out)."""
        rows = [(e, "—" if t is None else _t(t), d) for e, t, d in self.footprint.elements]
        headers = ("Element", "t CO2e", "Sources or reason excluded")
        return _Table("Boundary of the event", headers, (False, True, False), rows)

    def _credit_table(self) -> _Table:
        """The credits retired, one row per serial range."""
        headers: tuple[str, ...] = ("Registry", "Project", "Block", "Serials", "t CO2e")
        headers += ("Vintage", "Type", "Retired", "Beneficiary", "Evidence")
        rows = [
            (
                cr.registry if cr.registry_name is None else f"other: {cr.registry_name}",
                cr.project,
                cr.serial.block,
                f"{cr.serial.start}-{cr.serial.end}",
                f"{cr.serial.count:,}",
                str(cr.vintage),
                cr.type
                + ("" if cr.permanence_years is None else f" ({cr.permanence_years} years)"),
                str(cr.retired_on),
                cr.beneficiary,
                cr.retirement_evidence,
            )
            for cr in self.claim.credits
        ]
        return _Table("Credits retired", headers, tuple(h == "t CO2e" for h in headers), rows)

    def to_markdown(self) -> str:
        """The evaluation as Markdown (every value escaped for Markdown)."""
        from .._escape import md_row, md_strong, md_text
        from ..pages.tables import text_tables_markdown

        title = f"{self._l('Carbon-neutrality claim')}: {self.claim.subject.name}"
        lines = [f"# {md_text(title, block_start=True)}", ""]
        for text in self._statements():
            lines += [md_strong(text), ""]
        lines += [md_row([self._l("Item"), self._l("Value")]), "|---|---|"]
        lines += [md_row([k, v]) for k, v in self._facts()]
        lines += text_tables_markdown(self.tables(), self._l("none"))
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """One self-contained HTML page (template ``pages/templates/neutrality.html``)."""
        from .. import __version__
        from ..pages.render import render

        return render(
            "neutrality.html",
            html_lang="en" if self.language == "en" else "zh-Hans",
            lang=self.language,
            title=f"{self._l('Carbon-neutrality claim')}: {self.claim.subject.name}",
            status=self.status,
            statements=self._statements(),
            facts=self._facts(),
            tables=self.tables(),
            version=__version__,
            input_sha256=self.input_sha256,
        )

    def _render(self, formats: Iterable[str]) -> dict[str, bytes]:
        from ..pages.render import render_files

        return render_files(self, {f: f"neutrality.{f}" for f in FORMATS}, formats)

    def _sheets(self) -> dict[str, list[list[Any]]]:
        """The workbook's sheets as rows: numbers as numbers, dates and text as text."""
        f = self.figures()
        figures: list[list[Any]] = [["figure", "value"]]
        for k, v in f.items():
            if isinstance(v, dict):
                figures += [[f"{k}.{reg}", t] for reg, t in v.items()]
            else:
                figures.append([k, v])
        credits: list[list[Any]] = [
            [
                "registry",
                "project",
                "block",
                "start",
                "end",
                "t_co2e",
                "vintage",
                "type",
                "permanence_years",
                "retired_on",
                "beneficiary",
                "retirement_evidence",
            ]
        ]
        for c in self.claim.credits:
            credits.append(
                [
                    c.registry if c.registry_name is None else f"other: {c.registry_name}",
                    c.project,
                    c.serial.block,
                    c.serial.start,
                    c.serial.end,
                    c.serial.count,
                    c.vintage,
                    c.type,
                    c.permanence_years,
                    c.retired_on.isoformat(),
                    c.beneficiary,
                    c.retirement_evidence,
                ]
            )
        return {
            "Claim": [
                ["item", "value"],
                *(["Statement", text] for text in self._statements()),
                *map(list, self._facts()),
            ],
            "Figures": figures,
            "Credits": credits,
            "Refusals": [
                ["code", "field", "message", "value", "allowed"],
                *([i.code, i.field, i.message, i.value, i.allowed] for i in self.refusals),
            ],
            "Checklist": [
                ["clause", "requirement", "code", "met", "status", "url"],
                *(
                    [
                        r["clause"],
                        self._both(r["requirement"], r["requirement_zh"]),
                        *(r[k] for k in ("code", "met", "status", "url")),
                    ]
                    for r in self.checklist()
                ),
            ],
            "Pathway": [
                [
                    *("year", "target_reduction", "pathway_reduction", "target_t"),
                    *("pathway_t", "consistent"),
                ],
                *([*q.values()] for q in self.pathway()["targets"]),
            ],
            "Boundary": [
                ["element", "co2e_t", "detail"],
                *([*b.values()] for b in self.boundary()),
            ],
            **({} if self.opinion is None else {"Opinion": self._opinion_rows()}),
        }

    def _opinion_rows(self) -> list[list[Any]]:
        """The opinion sheet: the opinion's items, then each misstatement weighed."""
        assert self.opinion is not None
        d = self.opinion.to_dict()
        rows: list[list[Any]] = [["item", "value"]]
        rows += [[k, v] for k, v in d.items() if k != "misstatements"]
        rows.append(["figure", "stated_t", "recomputed_t", "difference_t", "material"])
        rows += [[m[k] for k in rows[-1]] for m in d["misstatements"]]
        return rows

    def _excel_bytes(self) -> bytes:
        """The workbook: one sheet each for the claim, figures, credits, refusals, rules."""
        from ..pages.workbook import sheets_workbook

        return sheets_workbook(self._sheets(), self.generated)

    def write(self, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
        """Write ``neutrality.{json,md,html}`` (and ``.xlsx`` when asked) into *out_dir* as one set."""
        from .._io.atomic import write_set

        return write_set(out_dir, self._render(formats))
