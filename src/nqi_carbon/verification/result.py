""":class:`VerificationResult`, the ``nqi-carbon/verification@1`` contract."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import __version__
from ..calc.findings import Finding
from ..calc.result import Result
from ..inventory.models import Inventory
from ..pages.labels import _tr
from .materiality import CRITERIA, MATERIALITY_PRESET_LABELS
from .opinion import OPINION_CRITERIA
from .sections import HtmlTable as _HtmlTable
from .sections import Section, report_sections
from .statement import _DIRECTION_ZH, _KIND_ZH, _L, _LEVEL_ZH, _OPINION_ZH, _YES_NO

if TYPE_CHECKING:
    from ..inventory.checks import Check
    from ..inventory.completeness import Completeness
    from .compare import Misstatement, _Figure
    from .evidence import TierCheck, UnsupportedEvidence
    from .log import EvidenceLog, ScopeLimitation
    from .materiality import Assurance
    from .opinion import OpinionBasis, QualitativeFlag
    from .sampling import VerificationPlan
    from .statement import _Fact

__all__ = ["VerificationResult"]

VERIFICATION_SCHEMA = "nqi-carbon/verification@1"


@dataclass(frozen=True)
class _Markdown:
    """The pieces of the Markdown report in its language: labels, bullets, headings, values."""

    lang: Literal["en", "zh", "en+zh"]

    def tr(self, pair: tuple[str, str]) -> str:
        """An (English, Chinese) label in the report's language."""
        from ..pages.labels import _tr

        return _tr(pair, self.lang)

    def bullet(self, f: _Fact) -> str:
        """A fact as a bullet ``- label: value`` (value bold when the fact says so)."""
        from .._escape import md_text

        v_en, v_zh = md_text(f[2]), md_text(f[3])
        ven, vzh = (f"**{v_en}**", f"**{v_zh}**") if f[4] else (v_en, v_zh)
        en, zh = f"{md_text(f[0])}: {ven}", f"{md_text(f[1])}：{vzh}"
        lang = self.lang
        return "- " + (en if lang == "en" else zh if lang == "zh" else f"{en} / {zh}")

    def heading(self, key: str) -> list[str]:
        """A section heading (``##``) from the labels, with blank lines around it."""
        return ["", f"## {self.tr(_L[key])}", ""]

    def val(self, en: str, table: dict[str, str]) -> str:
        """A value of the misstatement table: Chinese from *table* for ``zh``, else English."""
        return table.get(en, en) if self.lang == "zh" else en

    def section(self, sec: Section) -> list[str]:
        """A section: heading, paragraphs in the report's language, tables (escaped cells)."""
        from .._escape import md_row, md_text

        lines = self.heading(sec.key)
        for p in sec.paragraphs:
            lines += [md_text(self.tr(p), block_start=True), ""]
        for t in sec.tables:
            lines.append(md_row(t.headers))
            lines.append("|" + "|".join("---:" if n else "---" for n in t.numeric) + "|")
            lines += [md_row(cells) for _, cells in t.rows]
            lines.append("")
        if not sec.paragraphs and not sec.tables:
            lines.append(f"- {self.tr(_L['none'])}")
        while lines[-1] == "":
            lines.pop()
        return lines


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
    opinion: Literal["unmodified", "modified", "adverse", "disclaimer"]
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
    intended_users: str | None = None
    pervasive_multiple: float = 2.0
    completeness: Completeness | None = None
    plan: VerificationPlan | None = None
    evidence_log: EvidenceLog | None = None
    # evidence not obtained beside the expired calibrations: the log's limitations and
    # its samples without evidence
    limitations: list[ScopeLimitation] = field(default_factory=list)
    qualitative: list[QualitativeFlag] = field(default_factory=list)
    base_year_checks: list[Check] = field(default_factory=list)
    # the figures in material_figures with their rows and thresholds (for the statements)
    _material_rows: list[_Figure] = field(default_factory=list, repr=False)
    # what the opinion weighed (None for a result built by hand)
    _basis: OpinionBasis | None = field(default=None, repr=False)

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
    def not_obtained_t(self) -> float:
        """Tonnes CO2e for which evidence could not be obtained: calibrations and limitations."""
        return math.fsum([self.unsupported_t, *(lim.co2e_t for lim in self.limitations)])

    @property
    def completeness_errors(self) -> list[str]:
        """Codes of the completeness non-conformities (a category not addressed, a test failed)."""
        return [c.code for c in self.completeness.errors] if self.completeness else []

    def _basis_omitted(self) -> bool:
        b = self._basis
        return b is not None and b._reaches(b.omitted_t)

    @property
    def opinion_reasons(self) -> list[tuple[str, str]]:
        """Why the opinion is what it is: one (English, Chinese) sentence per matter weighed."""
        return self._basis.reasons() if self._basis is not None else []

    @property
    def language(self) -> Literal["en", "zh", "en+zh"]:
        """``reporting.language`` of the inventory (``"en"`` when it has none)."""
        from ..pages.labels import report_language

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
            "definitions": dict(_DEFINITIONS),
            "unsupported_evidence": [asdict(u) for u in self.unsupported],
            "unsupported_evidence_t": self.unsupported_t,
            "unsupported_evidence_material": self.unsupported_material,
            "material": self.material,
            "material_categories": self.material_categories,
            "material_figures": self.material_figures,
            "material_by_nature": [asdict(q) for q in self.qualitative],
            "completeness": self._completeness_dict(),
            "scope_limitations": [asdict(lim) for lim in self.limitations],
            "not_obtained_t": self.not_obtained_t,
            "verification_plan": self._plan_dict(),
            "evidence_log": None
            if self.evidence_log is None
            else self.evidence_log.model_dump(mode="json", by_alias=True),
            "base_year_checks": [asdict(c) for c in self.base_year_checks],
            "intended_users": self.intended_users,
            "pervasive_multiple": self.pervasive_multiple,
            "opinion": self.opinion,
            "opinion_basis": [en for en, _ in self.opinion_reasons],
            "opinion_criteria": {k: en for k, (en, _) in OPINION_CRITERIA.items()},
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

    def _completeness_dict(self) -> dict[str, Any] | None:
        c = self.completeness
        if c is None:
            return None
        return {
            "significance_criteria": c.criteria_text,
            "basis": c.basis,
            "gross_co2e_t": c.gross_t,
            "threshold_t": c.threshold_t,
            "cap_t": c.cap_t,
            "excluded_est_co2e_t": c.excluded_t,
            "not_shown_insignificant_t": c.untested_t,
            "categories": [asdict(k) for k in c.categories],
            "exclusions": [
                {"index": t.index, "category": t.exclusion.category, "result": t.result}
                for t in c.exclusions
            ],
            "checks": [asdict(k) for k in c.checks],
        }

    def _plan_dict(self) -> dict[str, Any] | None:
        plan = self.plan
        if plan is None:
            return None
        return {
            "materiality_t": plan.materiality_t,
            "proposed_t": plan.proposed_t,
            "not_proposed_t": plan.not_proposed_t,
            "sources": [{**asdict(r), "selected": r.selected} for r in plan.sources],
            "samples": [asdict(s) for s in plan.samples],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        r"""JSON text of :meth:`to_dict` (never NaN or Infinity; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_text

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
        """The head of the report: period, who verified, materiality, figures, opinion."""
        from ..pages.labels import _VALUE_ZH, period_pair

        inv = self.inventory
        ns_en, ns_zh = _L["not_stated"]
        mat_en, mat_zh = self._materiality_text()
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
            self._aggregate_fact(),
            (
                "Unsupported evidence (calibration expired)",
                "未获有效校准支持的数据",
                *self._unsupported_text(),
                False,
            ),
            ("Material", "存在实质性错报", *_YES_NO[self.material], True),
        ]
        facts += self._material_facts()
        facts.append(("Opinion", "核查意见", self.opinion, _OPINION_ZH[self.opinion], True))
        return facts

    def _aggregate_fact(self) -> _Fact:
        """The aggregate of uncorrected misstatements: net, gross, and the larger's fraction."""
        frac = self.aggregate_misstatement_fraction
        level_en = self.aggregate_level
        level_zh = _LEVEL_ZH.get(level_en, level_en)
        return (
            f"Aggregate of uncorrected misstatements ({level_en})",
            f"未更正错报汇总（{level_zh}）",
            f"net {self.aggregate_net_t:,.3f} t CO2e, gross {self.aggregate_gross_t:,.3f} t "
            f"CO2e; the larger is {100 * frac:.3g} % of the claimed total (fraction "
            f"{frac:.3g}: aggregate_misstatement_pct in the JSON)",
            f"净额 {self.aggregate_net_t:,.3f} t CO2e，总额 {self.aggregate_gross_t:,.3f} t "
            f"CO2e；较大者为声明总量的 {100 * frac:.3g} %（比例 {frac:.3g}）",
            False,
        )

    def _unsupported_text(self) -> tuple[str, str]:
        """The unsupported amount against materiality, or "none" (English, Chinese)."""
        if not self.unsupported:
            return _L["none"]
        share = f"{100 * self.unsupported_t / self.materiality_t:.1f} %"
        reach_en = "reaches" if self.unsupported_material else "below"
        reach_zh = "达到实质性" if self.unsupported_material else "低于实质性"
        return (
            f"{self.unsupported_t:,.3f} t CO2e = {share} of materiality: {reach_en} materiality",
            f"{self.unsupported_t:,.3f} t CO2e，为实质性的 {share}：{reach_zh}",
        )

    def _material_facts(self) -> list[_Fact]:
        """The materially misstated categories and figures, when there are any."""
        facts: list[_Fact] = []
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
        return facts

    def _scope_facts(self) -> list[_Fact]:
        from ..pages.labels import _VALUE_ZH, CATEGORY_NAMES, period_pair

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
                        "达到实质性（就重大金额未获取充分、适当的证据：见“范围受限”）"
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
        from .._escape import md_text

        lang = self.language
        md = _Markdown(lang)
        lines = [f"# {md.tr(_L['title'])} — {md_text(self.inventory.organization.name)}", ""]
        lines += [md.bullet(f) for f in self._facts()]
        lines += md.heading("statement")
        if lang != "zh":
            lines.append(md_text(self.statement, block_start=True))
        if lang == "en+zh":
            lines.append("")
        if lang != "en":
            lines.append(md_text(self.statement_zh, block_start=True))
        sections = self.sections()
        lines += md.section(sections["opinion_basis"])
        lines += md.heading("scope")
        lines += [md.bullet(f) for f in self._scope_facts()]
        lines += md.heading("criteria")
        lines += [md.bullet(f) for f in self._criteria_facts()]
        lines += md.section(sections["completeness"])
        lines += md.heading("misstatements")
        lines += self._md_misstatements(md)
        lines += md.section(sections["limitations"])
        lines += md.heading("unsupported")
        lines += [
            f"- {md_text(md.tr(p), block_start=True)}" for p in self._unsupported_lines()
        ] or [f"- {md.tr(_L['none'])}"]
        for key in ("plan", "evidence_log", "base_year"):
            if sections[key].paragraphs or sections[key].tables:
                lines += md.section(sections[key])
        lines += md.heading("tiers")
        lines += self._md_tiers(md)
        lines += md.heading("findings")
        lines += [
            f"- [{f.severity}] `{f.code}` {md_text(f.subject)}: {md_text(f.message)}"
            for f in self.findings
        ] or [f"- {md.tr(_L['none'])}"]
        return "\n".join(lines) + "\n"

    def _md_misstatements(self, md: _Markdown) -> list[str]:
        """The Markdown table of misstatements, and the note on the relative column."""
        from .._escape import md_row

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
        lines = [md_row(md.tr(h) for h in headers), "|---|---|---:|---:|---:|---:|---|---|"]
        for m in self.misstatements:
            claimed = "—" if m.claimed_t is None else f"{m.claimed_t:,.3f}"
            rel = "—" if m.relative is None else f"{100 * m.relative:+.3g} %"
            lines.append(
                md_row(
                    [
                        md.val(m.level, _LEVEL_ZH),
                        m.subject,
                        claimed,
                        f"{m.recomputed_t:,.3f}",
                        f"{m.difference_t:,.3f}",
                        rel,
                        md.val(m.direction, _DIRECTION_ZH),
                        md.val(m.kind, _KIND_ZH),
                    ]
                )
            )
        if not self.misstatements:
            lines.append(f"| — | {md.tr(_L['none'])} | | | | | | |")
        lines += [
            "",
            md.tr(
                (
                    "Relative: the difference ÷ the row's own recomputed figure. The aggregate "
                    "above is ÷ the claimed total, the base of materiality.",
                    "相对差异 = 差异 ÷ 本行复算值；上方的错报汇总比例 = 汇总 ÷ 声明总量（实质性的基数）。",
                )
            ),
        ]
        return lines

    def _md_tiers(self, md: _Markdown) -> list[str]:
        """The tier checks as Markdown bullets."""
        from .._escape import md_text

        lines = []
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
            lines.append(
                "- " + md.tr(("no source states a required tier", "没有排放源规定所需层级"))
            )
        return lines

    def __repr__(self) -> str:
        from .._escape import term_line
        from ..pages.format import _plural

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
        """The notebook display: the opinion and the misstatements against materiality."""
        from ..pages.charts import svg_hbars
        from ..pages.display import findings_rows
        from ..pages.format import tonnes
        from ..pages.render import markup, render

        largest = sorted(self.misstatements, key=lambda m: -abs(m.difference_t))[:10]
        bars = [
            ("aggregate, net", self.aggregate_net_t),
            ("aggregate, gross", self.aggregate_gross_t),
            *((f"{m.level} {m.subject}", m.difference_t) for m in largest[:5]),
        ]
        threshold = f"materiality {self.materiality_t:,.1f} t"
        chart = svg_hbars(
            [(label, v, f"{v:+,.3f} t") for label, v in bars],
            title="Misstatements against materiality",
            axis_label="misstatement (t CO2e, magnitude)",
            threshold=(self.materiality_t, threshold),
        )
        findings, findings_count = findings_rows(self.findings)
        material = "; ".join(
            f"{what} {', '.join(names)}"
            for what, names in (
                ("categories", self.material_categories),
                ("figures", self.material_figures),
            )
            if names
        )
        facts = [
            ("Claimed total", tonnes(self.claimed_co2e_t)),
            ("Recomputed total", tonnes(self.recomputed_co2e_t)),
            ("Materiality", f"{100 * self.materiality:g} % = {tonnes(self.materiality_t)}"),
            ("Aggregate misstatement", f"{100 * self.aggregate_misstatement_pct:.3g} % of the claim"),
            ("Material", ("yes: " + material) if self.material and material else _YES_NO[self.material][0]),
        ]
        return render(
            "verification_display.html",
            organisation=self.inventory.organization.name,
            opinion=self.opinion,
            assurance=self.assurance,
            facts=facts,
            chart=markup(chart),
            findings=findings,
            findings_count=findings_count,
            misstatements=[
                (m.level, m.subject, f"{m.difference_t:+,.3f}", m.kind) for m in largest
            ],
        )

    def to_html(self) -> str:
        """The verification report as a self-contained HTML page (inline CSS, real tables).

        No external reference: no script, link, image or web font. Headings, labels and
        the statement follow ``reporting.language``; table column headers are Chinese for
        ``zh`` and English otherwise. The page is the template
        ``pages/templates/verification.html``.
        """
        from ..pages.render import render

        return render("verification.html", **self._html_context())

    def _html_context(self) -> dict[str, Any]:
        """What ``verification.html`` shows; text raw (the template escapes it)."""
        inv, lang = self.inventory, self.language
        return {
            "lang": lang,
            "html_lang": "zh" if lang == "zh" else "en",
            "title": f"{_tr(_L['title'], lang)} — {inv.organization.name}",
            "L": _L,
            "opinion": self.opinion,
            "opinion_zh_word": _OPINION_ZH[self.opinion],
            "material": _YES_NO[self.material],
            "facts": self._facts(),
            "statements": [
                text
                for text, shown in (
                    (self.statement, lang != "zh"),
                    (self.statement_zh, lang != "en"),
                )
                if shown
            ],
            "scope": self._scope_facts(),
            "criteria": self._criteria_facts(),
            "misstatements": self._misstatement_table(),
            "relative_note": _RELATIVE_NOTE,
            "unsupported": self._unsupported_lines(),
            "sections": self.sections(),
            "tiers": self._tier_table(),
            "findings": _HtmlTable(
                self._headers(
                    ("Severity", "严重程度"),
                    ("Code", "代码"),
                    ("Subject", "对象"),
                    ("Message", "说明"),
                ),
                [False] * 4,
                [(f.severity, [f.severity, f.code, f.subject, f.message]) for f in self.findings],
            ),
            "version": __version__,
            "input_sha256": inv.input_sha256 or "—",
            "claim": self.claim_source or "—",
        }

    def _headers(self, *labels: tuple[str, str]) -> list[str]:
        """Column headers of the HTML tables: Chinese for ``zh``, English otherwise."""
        return [zh if self.language == "zh" else en for en, zh in labels]

    def _pick(self, pair: tuple[str, str]) -> str:
        """A table cell from an (English, Chinese) pair: Chinese for ``zh``, English otherwise."""
        return pair[1] if self.language == "zh" else pair[0]

    def sections(self) -> dict[str, Section]:
        """The report's sections beyond the comparison (opinion basis, completeness, plan...)."""
        return report_sections(self)

    def _word(self, en: str, zh_table: dict[str, str]) -> str:
        """A fixed word of a table cell (level, direction, kind) in the page's language."""
        return zh_table.get(en, en) if self.language == "zh" else en.replace("_", " ")

    def _misstatement_table(self) -> _HtmlTable:
        """The misstatements as the HTML page shows them (every figure in t CO2e)."""

        def t(x: float | None) -> str:
            return "—" if x is None else f"{x:,.3f}"

        headers = self._headers(
            ("Level", "层级"),
            ("Subject", "对象"),
            ("Claimed (t CO2e)", "声明值 (t CO2e)"),
            ("Recomputed (t CO2e)", "复算值 (t CO2e)"),
            ("Difference (t CO2e)", "差异 (t CO2e)"),
            ("Relative to the row's recomputed (%)", "相对本行复算值 (%)"),
            ("Direction", "方向"),
            ("Kind", "类型"),
        )
        rows = [
            (
                "",
                [
                    self._word(m.level, _LEVEL_ZH),
                    m.subject,
                    t(m.claimed_t),
                    t(m.recomputed_t),
                    f"{m.difference_t:+,.3f}",
                    "—" if m.relative is None else f"{100 * m.relative:+.3g} %",
                    self._word(m.direction, _DIRECTION_ZH),
                    self._word(m.kind, _KIND_ZH),
                ],
            )
            for m in self.misstatements
        ]
        return _HtmlTable(headers, [False, False, True, True, True, True, False, False], rows)

    def _tier_table(self) -> _HtmlTable:
        """The tier checks as the HTML page shows them (failed checks highlighted)."""
        headers = self._headers(
            ("Source", "排放源"),
            ("Required tier", "所需层级"),
            ("Bound (±%)", "限值 (±%)"),
            ("Achieved uncertainty (±%)", "实际不确定度 (±%)"),
            ("Achieved tier", "达到的层级"),
            ("Result", "结果"),
        )
        rows = [
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
        ]
        return _HtmlTable(headers, [False, True, True, True, True, False], rows)


_DEFINITIONS: dict[str, str] = {
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
    "not_obtained_t": "t CO2e for which evidence could not be obtained: "
    "unsupported_evidence_t plus the scope_limitations; a disclaimer at "
    "pervasive_multiple x materiality_t",
    "completeness.not_shown_insignificant_t": "estimated t CO2e of exclusions that "
    "fail a significance test or cannot be tested; weighed against materiality_t "
    "like an omission",
}
"""What the relative and summed figures of the ``verification@1`` JSON are (its ``definitions``)."""


_RELATIVE_NOTE = (
    "Relative: the difference ÷ the row's own recomputed figure. The aggregate is ÷ "
    "the claimed total, the base of materiality.",
    "相对差异 = 差异 ÷ 本行复算值；错报汇总比例 = 汇总 ÷ 声明总量（实质性的基数）。",
)
"""The note under the misstatements table of the HTML page."""


def _no_nan(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    return obj
