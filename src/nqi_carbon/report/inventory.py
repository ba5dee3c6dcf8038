"""ISO 14064-1 inventory report: clause 9.3.1 content with a checklist.

Outputs: Markdown, self-contained HTML (inline CSS and SVG charts), JSON and Excel.

>>> rep = nc.inventory_report(nc.calculate(inv, uncertainty="analytical"))
>>> [i.status for i in rep.checklist()]          # present / missing / not_applicable
>>> rep.write("out/", formats=("html", "md", "json", "xlsx"))
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .. import __version__
from .._escape import json_document, md_row, md_text, term_line
from .._io.atomic import atomic_write_bytes, write_streamed_set
from .._progress import Progress
from ..calc.result import Result
from ..calc.scope3 import financed_rows, screening_rows
from ..data.gases import KYOTO_GROUPS
from ..data.gwp import gwp_citation

if TYPE_CHECKING:
    import pandas as pd


from typing import TYPE_CHECKING

from ..pages.charts import svg_base_year_bridge, svg_by_category
from ..pages.format import (
    _fmt,
    _fmt_t,
    _generation_date,
    _plural,
    _slug,
    tonnes,
)
from ..pages.labels import (
    COLUMN_LABELS,
    TABLE_TITLES,
    _tr,
    _value_pair,
    period_pair,
    report_language,
)
from ..pages.tables import _df_markdown, _html_view, _View
from .checklist import ChecklistItem, build_checklist
from .excel import workbook_bytes
from .tables import build_tables
from .texts import _PACK_HASH_NOTE, _UNCERTAINTY_METHOD

if TYPE_CHECKING:
    from ..inventory.checks import Check
    from ..inventory.completeness import Completeness
    from ..pages.labels import Language, Pair
    from ..pages.plots import ReportPlots

__all__ = ["InventoryReport", "inventory_report"]

_DQ_NOTE: Pair = (
    "Data-quality scores run from 1 (best) to 5 (weakest). Method: 1 gas measured or carbon "
    "from an accredited lab; 2 source-specific factor; 3 national or regional default; "
    "4 IPCC or other global default. Activity: 1 calibrated instruments; 2 stated uncertainty; "
    "3 readings after the calibration due date; 4 no stated uncertainty; 5 substituted values. "
    "A source scores the worse (higher) of the two; a category the average of its sources "
    "weighted by t CO2e. The scale is nqi-carbon's own: no standard fixes one.",
    "数据质量得分从 1（最好）到 5（最弱）。方法：1 直接测量气体或经认可实验室测定含碳量；"
    "2 排放源特定因子；3 国家或地区缺省值；4 IPCC 或其他全球缺省值。活动数据：1 经校准的计量器具；"
    "2 已说明不确定性；3 校准有效期后的读数；4 未说明不确定性；5 含替代值。"
    "排放源得分取两者中较差（较高）者；类别得分为其排放源按 t CO2e 加权的平均值。"
    "该评分体系为 nqi-carbon 自定，无标准规定。",
)


# the headline totals (result@1 names) and their units, in the order every output shows
_HEADLINE_TOTALS = (
    ("gross_co2e_t", "t CO2e"),
    ("gross_co2e_t_market_based", "t CO2e"),
    ("biogenic_co2_t", "t CO2"),
    ("removals_co2e_t", "t CO2e"),
)


_TOTAL_LABELS: dict[str, Pair] = {
    "gross_co2e_t": ("Gross, location-based", "总排放量（基于位置）"),
    "gross_co2e_t_market_based": ("Gross, market-based", "总排放量（基于市场）"),
    "biogenic_co2_t": ("Biogenic CO2 (reported apart)", "生物源 CO2（单独报告）"),
    "removals_co2e_t": ("Removals (reported apart)", "温室气体清除量（单独报告）"),
    "gross_ci95_low_t": (
        "95 % interval of the gross total, low",
        "总排放量 95 % 置信区间下限",
    ),
    "gross_ci95_high_t": (
        "95 % interval of the gross total, high",
        "总排放量 95 % 置信区间上限",
    ),
    "gross_relative_95": (
        "95 % interval of the gross total, relative half-width",
        "总排放量相对不确定性（95 % 置信区间半宽）",
    ),
    "uncertainty_method": ("Uncertainty method", "不确定性评估方法"),
    "mc_iterations": ("Monte Carlo iterations", "蒙特卡罗模拟次数"),
    "mc_seed": ("Monte Carlo seed", "蒙特卡罗随机数种子"),
    "mc_mean_t": ("Monte Carlo mean of the gross total", "总排放量蒙特卡罗均值"),
    "mc_median_t": ("Monte Carlo median of the gross total", "总排放量蒙特卡罗中位数"),
    "excluded_est_co2e_t": (
        "Excluded sources, estimated (not in the gross totals)",
        "排除源估算值（不计入总排放量）",
    ),
    "base_year": ("Base year", "基准年"),
    "base_year_co2e_t": ("Base-year total (gross, as stated)", "基准年排放总量（按清单所述）"),
    "change_from_base_year_t": (
        "Change of the gross total from the base year",
        "总排放量相对基准年的变化",
    ),
}


_EVIDENCE_NOTE_EN = (
    "Activity records that state evidence or a note, one row each ({n} of {m} records){contracts}; "
    "records from activity tables and records without either are not listed. "
    "The activity total of each source, in its base unit, is in the sources table."
)


_EVIDENCE_NOTE_ZH = (
    "列出注明证据或备注的活动数据记录，每条一行（共 {m} 条记录中的 {n} 条）{contracts}；"
    "来自活动数据表的记录及两者均未注明的记录不列出。各排放源以其基准单位计的活动数据合计见排放源表。"
)


# said only when the inventory states contractual instruments (their rows are no records)
_EVIDENCE_CONTRACTS_EN = (
    "; and the Scope 2 contractual instruments that state evidence, one row each, "
    "marked “contract” ({k} of {c} instruments)"
)


_EVIDENCE_CONTRACTS_ZH = "；另列出注明证据的范围二合同文书，每份一行，标为“contract”（共 {c} 份中的 {k} 份）"


def _evidence_note(counts: dict[str, tuple[int, int]]) -> Pair:
    """The note under the evidence table: records of records, instruments of instruments.

    *counts* maps ``"record"`` and ``"contract"`` to (rows listed, stated in the inventory).
    """
    n, m = counts["record"]
    k, c = counts["contract"]
    en = _EVIDENCE_CONTRACTS_EN.format(k=k, c=c) if c else ""
    zh = _EVIDENCE_CONTRACTS_ZH.format(k=k, c=c) if c else ""
    return (
        _EVIDENCE_NOTE_EN.format(n=n, m=m, contracts=en),
        _EVIDENCE_NOTE_ZH.format(n=n, m=m, contracts=zh),
    )


_MARKET_NOTE: Pair = (
    "The market-based Scope 2 figure of each source, re-performable row by row: quantity "
    "× the factor as published (value, unit) × consolidation share × GWP = t CO2e. "
    "Contractual instruments cover the consumption in the order of the GHG Protocol Scope 2 "
    "Guidance (Table 6.3) up to the consumption; the rest (consumption less the quantities "
    "covered) takes the residual mix, or the location-based factor when the source states "
    "none. A source without market-based data counts with its location-based factor. "
    "Instruments that fail the Scope 2 Quality Criteria are not used (see the findings). "
    "The rows add up to the market-based Scope 2 total in the table by scope.",
    "各排放源基于市场的范围二排放量，可逐行复算：数量 × 所公布的因子（数值、单位）× 合并比例 × GWP "
    "= t CO2e。合同文书按温室气体核算体系范围二指南（表 6.3）的顺序覆盖用电量，以用电量为限；"
    "其余部分（用电量减去已覆盖的数量）采用剩余组合因子，排放源未提供时采用基于位置的因子。"
    "无基于市场数据的排放源按其基于位置的因子计入。不符合范围二质量准则的合同文书不予采用（见发现的问题）。"
    "各行合计即按范围分列表中基于市场的范围二排放量。",
)


_BASE_YEAR_TITLE: Pair = ("Base year", "基准年")


_PROVENANCE_TITLE: Pair = ("Provenance", "数据溯源信息")


_PACK_HEADERS: tuple[Pair, ...] = (("Pack", "数据包"), ("Version", "版本"), ("SHA-256", "SHA-256"))


def _contrib_note(method: str | None, n: int) -> Pair:
    mc = " (computed analytically also for a Monte Carlo result)" if method == "monte_carlo" else ""
    mc_zh = "（蒙特卡罗结果亦按解析法计算）" if method == "monte_carlo" else ""
    return (
        f"Share of each uncertain input in the variance of the gross total, by analytical "
        f"error propagation{mc}; the {n} largest are listed.",
        f"各不确定输入量对总排放方差的贡献占比，按解析误差传递法计算{mc_zh}；列出最大的 {n} 项。",
    )


class InventoryReport:
    """An ISO 14064-1 inventory report built from a :class:`~nqi_carbon.calc.result.Result`."""

    def __init__(self, result: Result) -> None:
        from ..calc.result import Result
        from ..errors import expect_type

        where, allowed = "InventoryReport()", "an nc.Result (nc.calculate(...))"
        expect_type(result, Result, field="result", where=where, allowed=allowed)
        self.result = result
        self.inventory = result.inventory
        self.generated = _generation_date()
        # tables, checklist and GWP rows are built once: the result does not change, and
        # one write() needs them for HTML, Markdown, JSON and Excel
        self._memo: dict[str, Any] = {}

    @property
    def language(self) -> Language:
        """``reporting.language`` of the inventory: ``"en"`` (the default), ``"zh"`` or ``"en+zh"``."""
        return report_language(self.inventory)

    def __repr__(self) -> str:
        inv, res = self.inventory, self.result
        items = self.checklist()
        missing = sum(1 for i in items if i.status == "missing")
        open_ = sum(1 for f in res.findings if f.severity != "info")
        return (
            f"<InventoryReport {term_line(inv.organization.name)} ({term_line(inv.organization.id)}), "
            f"{inv.period.start} to {inv.period.end}: gross {_fmt(res.total_co2e)} t CO2e "
            f"({res.gwp_set}); {missing} of {len(items)} checklist items missing; "
            f"{_plural(open_, 'open finding')}>"
        )

    # -- content ---------------------------------------------------------------------
    def checklist(self) -> list[ChecklistItem]:
        """Each clause 9.3.1 item with its status, so a reader sees what the report lacks."""
        if "checklist" not in self._memo:
            self._memo["checklist"] = build_checklist(self)
        return list(self._memo["checklist"])

    def direct_by_gas(self) -> list[tuple[str, float, float]]:
        """Direct (category 1) emissions per gas group as (group, t of gas or NaN, t CO2e).

        The mass is given for single-species groups (CO2, CH4, N2O, SF6, NF3) only.
        """
        res = self.result
        t = res.table.template
        out = []
        base = (t.category == 1) & (t.basis != 2) & ~t.biogenic
        for g in (*KYOTO_GROUPS, "unspecified"):
            m = base & (t.group == g)
            if g == "unspecified" and not m.any():
                continue
            out.append(
                (
                    g,
                    res._sum(m, "mass") if g in ("CO2", "CH4", "N2O", "SF6", "NF3") else math.nan,
                    res._sum(m),
                )
            )
        return out

    def category_status(self) -> dict[int, tuple[str, float | None]]:
        """Per ISO category: its status and the estimated t CO2e of what was excluded.

        Status is ``"reported"`` (sources), ``"reported; part excluded"`` (sources and an
        exclusion), ``"excluded"`` (an exclusion and no sources: its 0 is not a measured
        zero) or ``"not addressed"`` (neither). The estimate is the sum of the exclusions'
        ``estimated_co2e_t`` (``None`` when none gives one).
        """
        return {c.category: (c.state, c.excluded_est_t) for c in self.completeness().categories}

    def completeness(self) -> Completeness:
        """Each category and exclusion against the significance criteria (ISO 14064-1 5.2.3).

        See :func:`nqi_carbon.inventory.completeness.assess_completeness`: the fractions of
        ``significance`` apply to the gross (location-based) total.
        """
        if "completeness" not in self._memo:
            from ..inventory.completeness import assess_completeness

            self._memo["completeness"] = assess_completeness(self.inventory, self.result.total_co2e)
        found: Completeness = self._memo["completeness"]
        return found

    def base_year_checks(self) -> list[Check]:
        """The base year against the recalculation policy and the GWP set (empty without one)."""
        by = self.inventory.base_year
        if by is None:
            return []
        from ..inventory.base_year import assess_base_year

        return assess_base_year(by, self.inventory.gwp)

    def gwp_used(self) -> list[dict[str, Any]]:
        """The GWP values the calculation used (see :meth:`_build_gwp_used`)."""
        if "gwp_used" not in self._memo:
            self._memo["gwp_used"] = self._build_gwp_used()
        return [dict(r) for r in self._memo["gwp_used"]]

    def _build_gwp_used(self) -> list[dict[str, Any]]:
        """The GWP values the calculation used: one row per (gas, origin), each cited.

        Read from the result's lines (which carry the GWP applied), so an origin-specific
        value (AR6 CH4 fossil 29.8 / non-fossil 27.0, Table 7.15) is listed as such. Mass
        and t CO2e are the gross location-based amounts (biogenic CO2 apart) at that GWP:
        ``gwp * mass_t == co2e_t`` on every row. Lines from CO2e factors carry no gas.
        """
        from ..data.gases import _catalogue as _gas_catalogue
        from ..data.gwp import _normalise_set, _tables

        res = self.result
        sid = _normalise_set(res.gwp_set)
        gset = _tables().sets[sid]
        lines = self._lines()
        gross = (lines["basis"] != "market") & ~lines["biogenic"].astype(bool)
        species = _gas_catalogue().species
        rows = []
        keys = sorted({(str(g), float(v)) for g, v in zip(lines["gas"], lines["gwp"], strict=True)})
        for gas, value in keys:
            if gas == "CO2e":
                continue
            m = (lines["gas"] == gas) & (lines["gwp"] == value)
            origin = next(
                (
                    o
                    for o, ov in gset.origin_values.get(gas, {}).items()
                    if ov.value == value and gset.values.get(gas) != value
                ),
                None,
            )
            sp = species.get(gas)
            if origin is not None or gset.values.get(gas) == value:
                cite = gwp_citation(gas, sid, origin)
                where = cite.table or cite.section or cite.page or ""
                source = f"{cite.document}, {where}"
            elif value == 0 and sp is not None and not sp.kyoto:
                source = "outside the Kyoto basket: counted as 0 t CO2e (mass reported)"
            else:  # pragma: no cover - every GWP the calculation applies comes from the set
                source = "as applied in the calculation"
            rows.append(
                {
                    "gas": gas,
                    "origin": None if origin is None else origin.replace("_", "-"),
                    "gwp": value,
                    "mass_t": float(lines.loc[m & gross, "mass_t"].sum()),
                    "co2e_t": float(lines.loc[m & gross, "co2e_t"].sum()),
                    "source": source,
                }
            )
        return rows

    def activity_totals(self) -> dict[str, float]:
        """Activity per source id, summed over every record, in the source's base unit.

        The amount the calculation multiplies by the factor (inline records and table
        rows alike); the base unit is the ``activity_unit`` of the lines.
        """
        res = self.result
        stats = res._stats
        out: dict[str, float] = {}
        for p in res.plans:
            if stats is not None:
                out[p.source.id] = float(stats.A[p.index])
            else:  # pragma: no cover - every calculated result keeps its statistics
                rows = res.lines[res.lines["source"] == p.source.id]
                out[p.source.id] = float(rows["activity"].iloc[0]) if len(rows) else 0.0
        return out

    def instruments_used(self) -> list[dict[str, Any]]:
        """Each instrument of the inventory with its calibration and the sources it measures.

        ``coverage_factor`` is the k stated with the expanded uncertainty U, or the text
        ``"k = 2 assumed"`` when the instrument states none (the calculation then takes
        k = 2: the 95 % half-width is ``U * 1.96 / 2``). ``calibration_status`` marks an
        instrument whose calibration falls due inside the reporting period.
        """
        inv, res = self.inventory, self.result
        used: dict[str, set[str]] = {i.id: set() for i in inv.instruments}
        for src, rec in inv.iter_records():
            if rec.instrument is not None and rec.instrument in used:
                used[rec.instrument].add(src.id)
        stats = res._stats
        if stats is not None and getattr(stats, "B", None) is not None:
            # activity-table rows measured by an instrument (inline records are counted too)
            for p in res.plans:
                for k, ins in enumerate(inv.instruments):
                    if k < stats.B.shape[1] and stats.B[p.index, k] != 0:
                        used[ins.id].add(p.source.id)
        start, end = inv.period.start, inv.period.end
        rows = []
        for ins in inv.instruments:
            due = ins.calibration_due
            if due is None:
                status = "no due date stated"
            elif due < start:
                status = "due before the period"
            elif due < end:
                status = "due within the period"
            else:
                status = "valid through the period"
            stated_k = "coverage_factor" in ins.model_fields_set
            order = [s.id for s in inv.sources if s.id in used[ins.id]]
            rows.append(
                {
                    "instrument": ins.id,
                    "kind": ins.kind,
                    "expanded_uncertainty": ins.uncertainty,
                    "coverage_factor": ins.coverage_factor if stated_k else "k = 2 assumed",
                    "accuracy_class": ins.accuracy_class,
                    "certificate": ins.certificate,
                    "calibrated_on": ins.calibrated_on,
                    "calibration_due": due,
                    "calibration_status": status,
                    "traceability": ins.traceability,
                    "used_by": ", ".join(order),
                }
            )
        return rows

    def lab_analyses(self) -> list[dict[str, Any]]:
        """Carbon-content parameters stated with a laboratory analysis, one row each.

        A parameter counts when it states a lab, an accreditation or a report date (as for
        the ``lab_*`` findings); its ``evidence`` text describes the sample.
        """
        rows = []
        for src in self.inventory.sources:
            if src.carbon is None:
                continue
            for name in ("ncv", "carbon_content", "carbon_fraction", "oxidation"):
                par = getattr(src.carbon, name)
                if par is None or (
                    par.lab is None and par.accreditation is None and par.report_date is None
                ):
                    continue
                rows.append(
                    {
                        "source": src.id,
                        "parameter": name,
                        "value": par.value,
                        "unit": par.unit,
                        "lab": par.lab,
                        "accreditation": par.accreditation,
                        "report_date": par.report_date,
                        "evidence": par.evidence,
                    }
                )
        return rows

    def market_based_scope2(self) -> list[dict[str, Any]]:
        """The market-based Scope 2 figure line by line (empty without market-based data).

        Per source: its consumption, the quantity each contractual instrument covers (type,
        id, factor as published and its reference), the residual quantity on the residual
        mix, and each row's t CO2e; see :func:`nqi_carbon.calc.trace.market_based_rows`.
        The rows' ``co2e_t`` sum to ``totals.by_scope["2_market"]``.
        """
        if "market" not in self._memo:
            from ..calc.trace import market_based_rows

            self._memo["market"] = market_based_rows(self.result)
        return [dict(r) for r in self._memo["market"]]

    def evidence_records(self) -> list[dict[str, Any]]:
        """Activity records (and contracts) that state evidence or a note, one row each."""
        return [row for _kind, row in self._evidence_rows()]

    def evidence_counts(self) -> dict[str, tuple[int, int]]:
        """What the evidence table lists, like with like: rows listed of those stated.

        ``{"record": (records listed, inline activity records), "contract": (instruments
        listed, contractual instruments stated)}``; activity-table rows are counted in
        neither (they are not listed).
        """
        rows = self._evidence_rows()
        inv = self.inventory
        return {
            "record": (
                sum(1 for kind, _ in rows if kind == "record"),
                sum(len(src.records) for src in inv.sources),
            ),
            "contract": (
                sum(1 for kind, _ in rows if kind == "contract"),
                sum(len(src.contracts) for src in inv.sources),
            ),
        }

    def _evidence_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """The rows of :meth:`evidence_records`, each with its kind: ``record`` or ``contract``."""
        inv = self.inventory
        rows: list[tuple[str, dict[str, Any]]] = []
        for src in inv.sources:
            for rec in src.records:
                note = rec.note
                if rec.substitute is not None:
                    sub = rec.substitute
                    text = f"substituted ({sub.policy}, {sub.gap_days} days): {sub.basis}"
                    note = f"{note}; {text}" if note else text
                if rec.evidence is None and note is None:
                    continue
                record = {
                    "source": src.id,
                    "record": rec.label(),
                    "amount": rec.amount,
                    "unit": rec.unit,
                    "instrument": rec.instrument,
                    "evidence": rec.evidence,
                    "note": note,
                }
                rows.append(("record", record))
            for c in src.contracts:
                if c.evidence is None:
                    continue
                contract = {
                    "source": src.id,
                    "record": f"contract {c.id or c.kind}",
                    "amount": c.amount,
                    "unit": c.unit,
                    "instrument": None,
                    "evidence": c.evidence,
                    "note": None,
                }
                rows.append(("contract", contract))
        return rows

    def provenance_rows(self) -> list[tuple[Pair, str]]:
        """Provenance as ((English, Chinese) label, value): the Markdown and HTML section."""
        res = self.result
        p = self._provenance()
        rows: list[tuple[Pair, str]] = [
            (("nqi-carbon version", "nqi-carbon 版本"), str(p["library_version"])),
            (("Input SHA-256", "输入文件 SHA-256"), str(p["input_sha256"] or "—")),
            (("GWP set", "全球变暖潜势（GWP）取值"), res.gwp_set),
            (("GWP source", "GWP 数据来源"), str(p["gwp_source"])),
            (
                ("Uncertainty method", "不确定性评估方法"),
                str(res.uncertainty_method or "—"),
            ),
        ]
        if res.seed is not None:
            rows.append((("Monte Carlo seed", "蒙特卡罗随机数种子"), str(res.seed)))
        if res.iterations is not None:
            rows.append((("Monte Carlo iterations", "蒙特卡罗模拟次数"), f"{res.iterations:,}"))
        rows.append((("Generated", "生成日期"), self.generated.isoformat()))
        return rows

    def base_year_rows(self) -> list[tuple[Pair, str]]:
        """The base year as ((English, Chinese) label, value text); empty without one."""
        by = self.inventory.base_year
        if by is None:
            return []
        rows: list[tuple[Pair, str]] = [(_TOTAL_LABELS["base_year"], str(by.year))]
        if by.total_co2e_t is not None:
            now = self.result.total_co2e
            change = now - by.total_co2e_t
            rel = f" ({100 * change / by.total_co2e_t:+.1f} %)" if by.total_co2e_t else ""
            rows += [
                (_TOTAL_LABELS["base_year_co2e_t"], tonnes(by.total_co2e_t)),
                (
                    _TOTAL_LABELS["change_from_base_year_t"],
                    f"{'+' if change > 0 else ''}{_fmt_t(change)} t CO2e{rel}",
                ),
            ]
        else:
            rows.append((_TOTAL_LABELS["base_year_co2e_t"], "—"))
        if by.inventory:
            rows.append((("Base-year inventory", "基准年清单"), by.inventory))
        return rows + self._base_year_detail_rows()

    def _base_year_detail_rows(self) -> list[tuple[Pair, str]]:
        """The structured base year: GWP set, breakdowns, threshold, recalculations, checks."""
        by = self.inventory.base_year
        assert by is not None
        lang = self.language
        none = _tr(("none", "无"), lang)
        rows: list[tuple[Pair, str]] = [
            (
                ("GWP set of the base year", "基准年 GWP 值集"),
                by.gwp_set or _tr(("not stated", "未说明"), lang),
            )
        ]
        if by.by_category:
            rows.append(
                (
                    ("Base year by category (t CO2e)", "基准年按类别（t CO2e）"),
                    "; ".join(f"{c}: {_fmt_t(v)}" for c, v in sorted(by.by_category.items())),
                )
            )
        if by.by_gas:
            rows.append(
                (
                    ("Base year by gas (t CO2e)", "基准年按气体（t CO2e）"),
                    "; ".join(f"{g}: {_fmt_t(v)}" for g, v in by.by_gas.items()),
                )
            )
        if by.recalculation_threshold is not None:
            rows.append(
                (
                    ("Recalculation threshold", "重新计算阈值"),
                    f"{100 * by.recalculation_threshold:g} %",
                )
            )
        events = [e.summary() for e in by.events]
        rows.append((("Recalculations", "重新计算"), "; ".join([*by.notes, *events]) or none))
        checks = [f"[{c.severity}] {c.code}: {c.message}" for c in self.base_year_checks()]
        rows.append(
            (
                ("Recalculation policy and GWP set", "重新计算政策与 GWP 值集"),
                "; ".join(checks) or none,
            )
        )
        return rows

    def totals_rows(self) -> list[tuple[str, str, float | str | None, str]]:
        """The headline numbers as (key, label, value, unit): the Excel "Totals" sheet.

        Labels follow ``reporting.language``.
        """
        res, lang = self.result, self.language
        t = self._totals()
        keys: list[tuple[str, float | str | None, str]] = [
            (key, t[key], unit) for key, unit in _HEADLINE_TOTALS
        ]
        u = res.group_uncertainty.get("total")
        if u is not None:
            keys += [
                ("gross_ci95_low_t", u.low, "t CO2e"),
                ("gross_ci95_high_t", u.high, "t CO2e"),
                ("gross_relative_95", u.relative_95, "fraction"),
                ("uncertainty_method", res.uncertainty_method, ""),
            ]
            if res.uncertainty_method == "monte_carlo":
                # the seed as text: a 63-bit seed loses digits as an Excel number
                keys += [
                    ("mc_iterations", res.iterations, "iterations"),
                    ("mc_seed", None if res.seed is None else str(res.seed), ""),
                    ("mc_mean_t", u.mean, "t CO2e"),
                    ("mc_median_t", u.median, "t CO2e"),
                ]
        estimates = [
            e.estimated_co2e_t for e in self.inventory.exclusions if e.estimated_co2e_t is not None
        ]
        if estimates:
            keys.append(("excluded_est_co2e_t", math.fsum(estimates), "t CO2e"))
        by = self.inventory.base_year
        if by is not None:
            keys.append(("base_year", by.year, "year"))
            if by.total_co2e_t is not None:
                keys += [
                    ("base_year_co2e_t", by.total_co2e_t, "t CO2e"),
                    ("change_from_base_year_t", res.total_co2e - by.total_co2e_t, "t CO2e"),
                ]
        return [(k, _tr(_TOTAL_LABELS[k], lang), v, unit) for k, v, unit in keys]

    def _totals(self) -> dict[str, Any]:
        """``result.totals()``, made once per report (read it, do not change it)."""
        if "totals" not in self._memo:
            self._memo["totals"] = self.result.totals()
        found: dict[str, Any] = self._memo["totals"]
        return found

    def _lines(self) -> pd.DataFrame:
        """``result.lines``, made once per report (read it, do not change it)."""
        if "lines" not in self._memo:
            self._memo["lines"] = self.result.lines
        found: pd.DataFrame = self._memo["lines"]
        return found

    def _provenance(self) -> dict[str, Any]:
        """``result.provenance()``, made once per report (read it, do not change it)."""
        if "provenance" not in self._memo:
            self._memo["provenance"] = self.result.provenance()
        found: dict[str, Any] = self._memo["provenance"]
        return found

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables as DataFrames (the same ones as in HTML and Excel)."""
        return {name: df.copy() for name, df in self._tables().items()}

    def _tables(self) -> dict[str, pd.DataFrame]:
        """The tables, built once per report (read them, do not change them)."""
        if "tables" not in self._memo:
            self._memo["tables"] = build_tables(self)
        tables: dict[str, pd.DataFrame] = self._memo["tables"]
        return tables

    def _table_view(self, name: str) -> _View | None:
        """A table's cells as shown (None when empty), made once for HTML and Markdown."""
        views: dict[str, _View | None] = self._memo.setdefault("views", {})
        if name not in views:
            views[name] = _html_view(name, self._tables()[name], self.language)
        return views[name]

    # -- outputs ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``result@1`` plus a ``report`` object (checklist, exclusions, statements)."""
        d = self.result.to_dict()
        inv = self.inventory
        rep = inv.reporting
        d["report"] = {
            "generated": self.generated.isoformat(),
            "responsible_person": inv.organization.responsible_person,
            "significance_criteria": inv.significance_criteria,
            "exclusions": [e.model_dump(mode="json") for e in inv.exclusions],
            "base_year": None if inv.base_year is None else inv.base_year.model_dump(mode="json"),
            "conformity_statement": rep.conformity_statement if rep else None,
            "verification": rep.verification.model_dump(mode="json")
            if rep and rep.verification
            else None,
            "checklist": [asdict(i) for i in self.checklist()],
            "gwp_values": self.gwp_used(),
            # JSON: k as a number, with whether the instrument states it
            "instruments": [
                _json_row(
                    {
                        **r,
                        "coverage_factor": i.coverage_factor,
                        "coverage_factor_stated": "coverage_factor" in i.model_fields_set,
                    }
                )
                for r, i in zip(self.instruments_used(), inv.instruments, strict=True)
            ],
            "lab_analyses": [_json_row(r) for r in self.lab_analyses()],
            "evidence": [_json_row(r) for r in self.evidence_records()],
            "market_based_scope2": self.market_based_scope2(),
            "categories": [
                {
                    "category": c,
                    "co2e_t": d["totals"]["by_category"][str(c)],
                    "status": status,
                    "excluded_est_co2e_t": est,
                }
                for c, (status, est) in self.category_status().items()
            ],
            "scope3_screening": screening_rows(self.result),
            "financed_emissions": financed_rows(self.result),
        }
        return d

    def to_json(self, *, indent: int | None = 2) -> str:
        r"""JSON text of :meth:`to_dict` (never NaN; unsafe characters as ``\uXXXX``)."""
        return json_document(self.to_dict(), indent)

    def _title(self) -> str:
        inv = self.inventory
        if inv.reporting and inv.reporting.title:
            return inv.reporting.title
        year = inv.period.start.year
        return _tr((f"GHG inventory report {year}", f"{year} 年温室气体清单报告"), self.language)

    def _facts(self) -> list[tuple[Pair, str | Pair]]:
        """The report's opening facts as ((English, Chinese) label, value).

        A value is text from the inventory, or an (English, Chinese) pair of fixed words.
        """
        inv, res, lang = self.inventory, self.result, self.language
        rep = inv.reporting
        cons_text = _value_pair(inv.organization.consolidation)
        period = _tr(
            period_pair(inv),
            "zh" if lang == "zh" else "en",
        )
        facts: list[tuple[Pair, str | Pair]] = [
            (("Organization", "报告组织"), f"{inv.organization.name} ({inv.organization.id})"),
            (("Reporting period", "报告期"), period),
            (("Consolidation approach", "合并方法"), cons_text),
            (("GWP set", "全球变暖潜势（GWP）取值"), res.gwp_set),
            (
                ("Person responsible", "报告负责人"),
                inv.organization.responsible_person or "—",
            ),
            (("Intended users", "预期使用者"), (rep.intended_users if rep else None) or "—"),
        ]
        if rep and rep.verification:
            ver = rep.verification
            en, zh = _value_pair(ver.status)
            body = f", {ver.body}" if ver.body else ""
            facts.append((("Verification", "核查"), (en + body, zh + body)))
        return facts

    def _uncertainty_sentence(self) -> str:
        """The headline 95 % interval in the report's language ('' without uncertainty)."""
        pair = self._uncertainty_pair()
        return "" if pair is None else _tr(pair, self.language, sep=" ")

    def _uncertainty_pair(self) -> Pair | None:
        res = self.result
        u = res.group_uncertainty.get("total")
        if u is None:
            return None
        how = _UNCERTAINTY_METHOD.get(str(res.uncertainty_method))
        m_en, m_zh = how or (str(res.uncertainty_method), str(res.uncertainty_method))
        share = res.unquantified_share or 0.0
        caveat_en = caveat_zh = ""
        if share > 0:  # say it next to the interval, not only in the findings at the end
            caveat_en = (
                f" {100 * share:.3g} % of the total comes from sources with inputs stated "
                "without uncertainty, treated as exact: the interval understates the uncertainty."
            )
            caveat_zh = (
                f"总排放量中 {100 * share:.3g} % 来自含未给出不确定性输入的排放源，"
                "这些输入按精确值处理，故该区间低估了不确定性。"
            )
        mc_en = mc_zh = ""
        if res.uncertainty_method == "monte_carlo":
            stats_en = stats_zh = ""
            if u.mean is not None and u.median is not None:
                stats_en = f"; mean {_fmt(u.mean, 1)}, median {_fmt(u.median, 1)} t CO2e"
                stats_zh = f"；均值 {_fmt(u.mean, 1)} t CO2e，中位数 {_fmt(u.median, 1)} t CO2e"
            iters = f"{res.iterations:,}" if res.iterations is not None else "—"
            seed = str(res.seed) if res.seed is not None else "—"
            mc_en = f" Monte Carlo: {iters} iterations, seed {seed}{stats_en}."
            mc_zh = f"蒙特卡罗模拟：{iters} 次，随机数种子 {seed}{stats_zh}。"
        return (
            f"95 % interval of the gross total ({m_en}): {_fmt(u.low, 1)} to "
            f"{_fmt(u.high, 1)} t CO2e (±{100 * u.relative_95:.1f} %).{mc_en}{caveat_en}",
            f"总排放量 95 % 置信区间（{m_zh}）：{_fmt(u.low, 1)} 至 {_fmt(u.high, 1)} t CO2e"
            f"（±{100 * u.relative_95:.1f} %）。{mc_zh}{caveat_zh}",
        )

    def _notes(self) -> dict[str, Pair]:
        """Explanations printed under a table (by table key)."""
        notes = {"Data quality by category": _DQ_NOTE}
        notes["Evidence"] = _evidence_note(self.evidence_counts())
        notes["Completeness"] = self._completeness_note()
        if "Market-based Scope 2" in self._tables():
            notes["Market-based Scope 2"] = _MARKET_NOTE
        n = len(self.result.contributions)
        if n and self.result.group_uncertainty:
            notes["Uncertainty contributors"] = _contrib_note(self.result.uncertainty_method, n)
        return notes

    def _completeness_note(self) -> Pair:
        """The significance criteria as stated (quoted) and as tested, under the completeness table."""
        c = self.completeness()
        text = " ".join(c.criteria_text.split()) if c.criteria_text else None
        quoted_en = f'Significance criteria (as stated): "{text}"' if text else "Significance criteria: not stated."
        quoted_zh = f"重要性准则（清单所述）：“{text}”" if text else "重要性准则：未说明。"
        excluded = tonnes(c.excluded_t)
        return (
            f"{quoted_en} Tests of the exclusions' estimates: {c.basis}. Exclusions estimated at "
            f"{excluded} in all (not in the gross totals). A category without sources or a "
            "justified exclusion is not addressed; an exclusion that reaches the threshold, or "
            "exclusions above the cap, are findings.",
            f"{quoted_zh}排除项估算值的检验：{c.basis_zh}。排除项估算合计 {excluded}（不计入总排放量）。"
            "既无排放源也无说明理由的排除的类别为“未涉及”；达到阈值的排除项或超过上限的排除项合计为发现的问题。",
        )

    def to_markdown(self) -> str:
        """The report as Markdown; headings and headers follow ``reporting.language``."""
        inv, lang = self.inventory, self.language
        t = self._totals()
        sub = (
            " / 温室气体清单报告"
            if lang == "en+zh" and inv.reporting and inv.reporting.title
            else ""
        )
        # every value enters the Markdown through md_text (text) or md_cell (table cells)
        out = [f"# {md_text(self._title())}{sub}", ""]
        out += [
            f"- {md_text(_tr(label, lang))}: "
            f"{md_text(value if isinstance(value, str) else _tr(value, lang))}"
            for label, value in self._facts()
        ]
        out += [
            "",
            f"## {_tr(('Totals', '排放总量'), lang)}",
            "",
            f"| | {_tr(('t CO2e', 't CO2e'), lang)} |",
            "|---|---:|",
        ]
        for key, _unit in _HEADLINE_TOTALS:
            out.append(md_row([_tr(_TOTAL_LABELS[key], lang), _fmt_t(t[key])]))
        out.append("")
        unc = self._uncertainty_sentence()
        if unc:
            out += [md_text(unc, block_start=True), ""]

        item_value = md_row([_tr(("Item", "项目"), lang), _tr(("Value", "数值"), lang)])
        by_rows = self.base_year_rows()
        if by_rows:
            out += [f"## {_tr(_BASE_YEAR_TITLE, lang)}", "", item_value, "|---|---|"]
            out += [md_row([_tr(label, lang), value]) for label, value in by_rows]
            out.append("")
        notes = self._notes()
        for name, df in self._tables().items():
            if name in ("Lines",):
                continue
            out += [f"## {_tr(TABLE_TITLES[name], lang)}", ""]
            if name in notes:  # a note may quote the inventory (significance criteria)
                paragraphs = _tr(notes[name], lang, sep="\n\n").split("\n\n")
                out += ["\n\n".join(md_text(p, block_start=True) for p in paragraphs), ""]
            out += [_df_markdown(name, df, lang, self._table_view(name)), ""]
        out += [f"## {_tr(_PROVENANCE_TITLE, lang)}", "", item_value, "|---|---|"]
        out += [md_row([_tr(label, lang), value]) for label, value in self.provenance_rows()]
        out += ["", md_row(_tr(h, lang) for h in _PACK_HEADERS), "|---|---|---|"]
        out += [
            md_row([pk["id"], pk["version"], pk["sha256"]])
            for pk in self._provenance()["factor_packs"]
        ]
        out += ["", _tr(_PACK_HASH_NOTE, lang, sep="\n\n"), ""]
        out += [
            "---",
            f"nqi-carbon {__version__}; input SHA-256 {md_text(inv.input_sha256 or '—')}",
            "",
        ]
        return "\n".join(out)

    def svg_by_category(self) -> str:
        """Stacked bars of t CO2e per ISO category and gas (inline SVG)."""
        from ..pages.display import by_category_and_gas

        data = by_category_and_gas(self.result)
        return svg_by_category(data, _tr(("Cat.", "类别"), self.language))

    def _bridge(self) -> tuple[float, float, tuple[str, str, str]] | None:
        """Base-year total, this period's gross total and the bridge's three labels."""
        by = self.inventory.base_year
        if by is None or by.total_co2e_t is None:
            return None
        lang = self.language
        labels = (
            _tr((f"Base year {by.year}", f"基准年 {by.year}"), lang),
            _tr(("Change", "变化"), lang),
            f"{self.inventory.period.start.year}",
        )
        return by.total_co2e_t, self.result.total_co2e, labels

    def svg_base_year_bridge(self) -> str:
        """Waterfall from the base-year total to this period's gross total (inline SVG).

        Empty when the inventory states no base-year total.
        """
        bridge = self._bridge()
        if bridge is None:
            return ""
        base, now, labels = bridge
        return svg_base_year_bridge(base, now, labels=labels)

    @property
    def plot(self) -> ReportPlots:
        """Matplotlib figures of this report (the ``plot`` extra).

        Those of ``result.plot`` (``by_category()``, ``contributors()``) and
        ``base_year_bridge()``; each returns the matplotlib ``Axes`` drawn.
        """
        from ..pages.plots import ReportPlots

        return ReportPlots(self.result, self._bridge())

    def to_html(self) -> str:
        """A self-contained HTML page: inline CSS, inline SVG chart, no external reference.

        Headings and table headers follow ``reporting.language`` (``en``, ``zh`` or both).
        The page is the template ``pages/templates/report.html``.
        """
        from ..pages.render import render

        return render("report.html", **self._html_context())

    def _html_context(self) -> dict[str, Any]:
        """What ``report.html`` shows: text raw (the template escapes it), charts as markup."""
        from ..pages.render import markup

        inv, lang = self.inventory, self.language
        t = self._totals()
        notes = self._notes()
        sections = [
            {
                "anchor": _slug(name),
                "title": TABLE_TITLES[name],
                "note": notes.get(name),
                "view": self._table_view(name),
            }
            for name in self._tables()
            if name != "Checklist"
        ]
        checklist = [
            (i.status, i.item, (i.title, i.title_zh), _value_pair(i.status), (i.detail, i.detail_zh))
            for i in self.checklist()
        ]
        bridge = self.svg_base_year_bridge()
        return {
            "lang": lang,
            "html_lang": "zh-Hans" if lang == "zh" else "en",
            "title": self._title(),
            "zh_subtitle": lang == "en+zh" and inv.reporting and inv.reporting.title,
            "facts": self._facts(),
            "kpis": [(_TOTAL_LABELS[k], tonnes(t[k], unit)) for k, unit in _HEADLINE_TOTALS],
            "uncertainty": self._uncertainty_pair(),
            "chart_by_category": markup(self.svg_by_category()),
            "base_year": self.base_year_rows(),
            "base_year_title": _BASE_YEAR_TITLE,
            "bridge": markup(bridge) if bridge else None,
            "checklist_title": TABLE_TITLES["Checklist"],
            "checklist_headers": [COLUMN_LABELS[c] for c in ("item", "title", "status", "detail")],
            "checklist": checklist,
            "sections": sections,
            "provenance_title": _PROVENANCE_TITLE,
            "provenance": self.provenance_rows(),
            "pack_headers": _PACK_HEADERS,
            "packs": self._provenance()["factor_packs"],
            "pack_note": _PACK_HASH_NOTE,
            "version": __version__,
            "input_sha256": inv.input_sha256 or "—",
            "generated": self.generated,
        }

    def to_excel(self, path: str | Path) -> Path:
        """Write an Excel workbook: totals, one sheet per table, provenance (atomic).

        The "Totals" sheet has the headline numbers as numbers with a unit column;
        missing values are empty cells, never the text "<NA>" or "nan".

        Each table sheet has two header rows, both frozen: row 1 the readable headers
        with units (in ``reporting.language``), row 2 the machine column names of the JSON
        contract (grey italics); the data starts on row 3. Read a sheet with pandas as
        ``pd.read_excel(path, sheet_name="By category", header=1)``. Numbers are numbers:
        t CO2e amounts in ``#,##0.000``, relative uncertainties and variance shares as
        percentages; factor values, GWPs, masses and inputs keep Excel's General format
        (every significant digit). Dates (calibration, lab reports, the period and the
        generation date on the "Provenance" sheet) are Excel dates shown ``yyyy-mm-dd``.
        Column widths follow the content (at most 60 characters).
        Text is always a text cell, never a formula (see :func:`~nqi_carbon._escape.excel_append`).
        """
        return atomic_write_bytes(path, self._excel_bytes())

    def _excel_bytes(self) -> bytes:
        """The workbook of :meth:`to_excel` as the bytes of an ``.xlsx`` file."""
        return workbook_bytes(self)

    _FILES: ClassVar[dict[str, str]] = {
        "html": "report.html",
        "md": "report.md",
        "json": "report.json",
        "xlsx": "report.xlsx",
    }

    def _render(self, formats: Iterable[str], progress: Progress = False) -> dict[str, bytes]:
        """The report files of *formats*, rendered in memory: {file name: bytes}.

        Every format is rendered before anything is written; an unknown format is a
        ``ValueError`` before any rendering. *progress* as for :meth:`write`.
        """
        from .._progress import progress_callback
        from ..pages.render import render_files

        return render_files(self, self._FILES, formats, progress_callback(progress, "report files", unit="file"))

    def write(
        self,
        out_dir: str | Path,
        formats: Iterable[str] = ("html", "md", "json", "xlsx"),
        *,
        progress: Progress = None,
    ) -> list[Path]:
        """Write the report files as one set and return their paths.

        While holding a lock on *out_dir*, the files are rendered one by one, each written
        to a staging folder inside *out_dir* (by a second thread, while the next is
        rendered), and moved into place together once all are written, so an error
        writes nothing, concurrent writers into one folder never mix their files and a
        run killed midway is cleaned up (or completed) by the next one. Files in *out_dir*
        that are not report files are never touched. See
        :func:`nqi_carbon._io.atomic.write_streamed_set`.

        *progress* shows a bar per rendered file: ``None`` (default) on standard error when
        it is a terminal or in a notebook, ``True`` always, ``False`` never, or a function
        ``progress(done, total)`` called instead.
        """
        from .._progress import progress_callback
        from ..pages.render import file_renderer

        names, files = file_renderer(
            self, self._FILES, formats, progress_callback(progress, "report files", unit="file")
        )
        return write_streamed_set(out_dir, names, files)

    def _repr_html_(self) -> str:
        """The notebook display: the headline, the base-year bridge, the checklist's state."""
        from ..pages.display import headline, interval_note
        from ..pages.render import markup, render

        inv, items = self.inventory, self.checklist()
        counts = {s: sum(1 for i in items if i.status == s) for s in _CHECKLIST_MARKS}
        return render(
            "report_display.html",
            organisation=inv.organization.name,
            period=f"{inv.period.start} to {inv.period.end} (end exclusive)",
            gwp=self.result.gwp_set,
            headline=headline(self.result),
            interval_note=interval_note(self.result),
            state=", ".join(
                f"{n} {_CHECKLIST_MARKS[s][1]}" for s, n in counts.items()
            ),
            checklist=[
                (i.item, i.title, *_CHECKLIST_MARKS[i.status], i.detail) for i in items
            ],
            missing=counts["missing"],
            bridge=markup(bridge) if (bridge := self.svg_base_year_bridge()) else None,
        )


_CHECKLIST_MARKS: dict[str, tuple[str, str]] = {
    "present": ("✓", "met"),
    "missing": ("✗", "not met"),
    "not_applicable": ("–", "n.a."),
}
"""How the notebook display marks a checklist status: (mark, word)."""

def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    """A report table row for JSON: dates as ISO 8601 text."""
    return {k: v.isoformat() if isinstance(v, _dt.date) else v for k, v in row.items()}


def inventory_report(result: Result) -> InventoryReport:
    """Build the ISO 14064-1 inventory report of a calculation result."""
    return InventoryReport(result)
