"""ISO 14064-1 inventory report: clause 9.3.1 content with a checklist.

Outputs: Markdown, self-contained HTML (inline CSS and SVG charts), JSON and Excel.

>>> rep = nc.inventory_report(nc.calculate(inv, uncertainty="analytical"))
>>> [i.status for i in rep.checklist()]          # present / missing / not_applicable
>>> rep.write("out/", formats=("html", "md", "json", "xlsx"))
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import __version__
from ._atomic import atomic_write, atomic_write_text
from .gases import KYOTO_GROUPS
from .gwp_values import gwp_citation
from .result import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CATEGORY_NAMES", "CHECKLIST", "ChecklistItem", "InventoryReport", "inventory_report"]

Status = Literal["present", "missing", "not_applicable"]

CATEGORY_NAMES: dict[int, tuple[str, str]] = {
    1: ("Direct GHG emissions and removals", "直接温室气体排放和清除"),
    2: ("Indirect GHG emissions from imported energy", "输入能源产生的间接温室气体排放"),
    3: ("Indirect GHG emissions from transportation", "运输产生的间接温室气体排放"),
    4: (
        "Indirect GHG emissions from products used by the organization",
        "组织使用的产品产生的间接温室气体排放",
    ),
    5: (
        "Indirect GHG emissions associated with the use of products from the organization",
        "与组织产品使用相关的间接温室气体排放",
    ),
    6: ("Indirect GHG emissions from other sources", "其他来源的间接温室气体排放"),
}
"""ISO 14064-1:2018 clause 5.2.4 category names (English and Chinese)."""

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

_GAS_COLOURS = {
    "CO2": "#4e79a7",
    "CH4": "#f28e2b",
    "N2O": "#e15759",
    "HFCs": "#76b7b2",
    "PFCs": "#59a14f",
    "SF6": "#edc948",
    "NF3": "#b07aa1",
    "unspecified": "#9c9c9c",
}


@dataclass(frozen=True)
class ChecklistItem:
    """One clause 9.3.1 item and whether the report has it, lacks it, or it does not apply."""

    item: str
    title: str
    title_zh: str
    status: Status
    detail: str


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:,.{digits}f}"


class InventoryReport:
    """An ISO 14064-1 inventory report built from a :class:`~nqi_carbon.result.Result`."""

    def __init__(self, result: Result) -> None:
        self.result = result
        self.inventory = result.inventory
        self.generated = _dt.date.today()

    # -- content ---------------------------------------------------------------------
    def checklist(self) -> list[ChecklistItem]:
        """Each clause 9.3.1 item with its status, so a reader sees what the report lacks."""
        inv, res = self.inventory, self.result
        rep = inv.reporting
        cats_with_sources = {s.category for s in inv.sources}
        cats_excluded = {e.category for e in inv.exclusions}
        uncovered = sorted(set(range(2, 7)) - cats_with_sources - cats_excluded)
        has_bio = bool(res.table.template.biogenic.any())
        by = {}

        def put(item: str, status: Status, detail: str) -> None:
            by[item] = (status, detail)

        put("a", "present", f"{inv.organization.name} ({inv.organization.id})")
        put(
            "b",
            "present" if inv.organization.responsible_person else "missing",
            inv.organization.responsible_person or "state organization.responsible_person",
        )
        put("c", "present", f"{inv.period.start} to {inv.period.end} (end exclusive)")
        put(
            "d",
            "present",
            f"{inv.organization.consolidation.replace('_', ' ')}; {len(inv.facilities)} facilities",
        )
        put(
            "e",
            "present" if inv.significance_criteria else "missing",
            "significance criteria stated"
            if inv.significance_criteria
            else "state significance_criteria",
        )
        put("f", "present", "direct emissions per gas in t CO2e (table 'Direct emissions by gas')")
        put(
            "g",
            "present" if has_bio else "not_applicable",
            f"{_fmt(res.biogenic_co2_t)} t biogenic CO2, reported apart"
            if has_bio
            else "no biomass sources",
        )
        put(
            "h",
            "present" if inv.removals else "not_applicable",
            f"{len(inv.removals)} removal(s), reported apart" if inv.removals else "no removals",
        )
        if uncovered:
            put(
                "i",
                "missing",
                f"categories {', '.join(map(str, uncovered))} have neither sources nor a justified exclusion",
            )
        else:
            put(
                "i",
                "present" if inv.exclusions else "not_applicable",
                f"{len(inv.exclusions)} exclusion(s) with justification"
                if inv.exclusions
                else "nothing excluded",
            )
        put(
            "j",
            "present" if not uncovered else "missing",
            "indirect emissions per category"
            if not uncovered
            else f"categories {', '.join(map(str, uncovered))} not addressed",
        )
        put(
            "k",
            "present" if inv.base_year else "missing",
            f"base year {inv.base_year.year}" if inv.base_year else "state base_year",
        )
        if inv.base_year is None:
            put("l", "missing", "needs a base year")
        else:
            put("l", "present", "; ".join(inv.base_year.recalculations) or "no recalculations")
        put(
            "m",
            "present",
            "method per source, with the factor or parameters used (table 'Sources')",
        )
        put(
            "n",
            "present" if rep and rep.methodology_changes else "missing",
            (
                rep.methodology_changes
                if rep and rep.methodology_changes
                else "state reporting.methodology_changes (or 'none')"
            ),
        )
        put("o", "present", "every factor and fuel parameter used, each cited (table 'Factors')")
        has_u = bool(res.group_uncertainty)
        put(
            "p",
            "present" if has_u else "missing",
            f"{res.uncertainty_method} per category"
            if has_u
            else "calculate with uncertainty='analytical' or 'monte_carlo'",
        )
        put(
            "q",
            "present" if has_u else "missing",
            f"{res.uncertainty_method}; main contributors listed"
            if has_u
            else "no uncertainty assessment",
        )
        put(
            "r",
            "present" if rep and rep.conformity_statement else "missing",
            (
                rep.conformity_statement
                if rep and rep.conformity_statement
                else "state reporting.conformity_statement"
            ),
        )
        ver = rep.verification if rep else None
        put(
            "s",
            "present" if ver else "missing",
            (f"{ver.status.replace('_', ' ')}" + (f" by {ver.body}" if ver.body else ""))
            if ver
            else "state reporting.verification",
        )
        by_origin = [r for r in self.gwp_used() if r["origin"]]
        put(
            "t",
            "present",
            f"{res.gwp_set}: {res.provenance()['gwp_source']}"
            + (
                "; origin-specific: "
                + ", ".join(f"{r['gas']} {r['origin']} {_exact(r['gwp'])}" for r in by_origin)
                if by_origin
                else ""
            )
            + "; every value used, per gas and origin and cited, in table 'GWP'",
        )
        return [ChecklistItem(k, en, zh, by[k][0], by[k][1]) for k, en, zh in CHECKLIST]

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
        inv = self.inventory
        with_sources = {s.category for s in inv.sources}
        out: dict[int, tuple[str, float | None]] = {}
        for c in range(1, 7):
            excl = [e for e in inv.exclusions if e.category == c]
            estimates = [e.estimated_co2e_t for e in excl if e.estimated_co2e_t is not None]
            est = math.fsum(estimates) if estimates else None
            if c in with_sources:
                status = "reported; part excluded" if excl else "reported"
            else:
                status = "excluded" if excl else "not addressed"
            out[c] = (status, est)
        return out

    def gwp_used(self) -> list[dict[str, Any]]:
        """The GWP values the calculation used: one row per (gas, origin), each cited.

        Read from the result's lines (which carry the GWP applied), so an origin-specific
        value (AR6 CH4 fossil 29.8 / non-fossil 27.0, Table 7.15) is listed as such. Mass
        and t CO2e are the gross location-based amounts (biogenic CO2 apart) at that GWP:
        ``gwp * mass_t == co2e_t`` on every row. Lines from CO2e factors carry no gas.
        """
        from .gases import _catalogue as _gas_catalogue
        from .gwp_values import _normalise_set, _tables

        res = self.result
        sid = _normalise_set(res.gwp_set)
        gset = _tables().sets[sid]
        lines = res.lines
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

    def totals_rows(self) -> list[tuple[str, str, float | str | None, str]]:
        """The headline numbers as (key, label, value, unit): the Excel "Totals" sheet."""
        res = self.result
        t = res.totals()
        rows: list[tuple[str, str, float | str | None, str]] = [
            (
                "gross_co2e_t",
                "Gross, location-based / 总排放（基于位置）",
                t["gross_co2e_t"],
                "t CO2e",
            ),
            (
                "gross_co2e_t_market_based",
                "Gross, market-based / 总排放（基于市场）",
                t["gross_co2e_t_market_based"],
                "t CO2e",
            ),
            (
                "biogenic_co2_t",
                "Biogenic CO2 (reported apart) / 生物源 CO2（单独报告）",
                t["biogenic_co2_t"],
                "t CO2",
            ),
            (
                "removals_co2e_t",
                "Removals (reported apart) / 清除（单独报告）",
                t["removals_co2e_t"],
                "t CO2e",
            ),
        ]
        u = res.group_uncertainty.get("total")
        if u is not None:
            rows += [
                (
                    "gross_ci95_low_t",
                    "95 % interval of the gross total, low / 总排放 95 % 区间下限",
                    u.low,
                    "t CO2e",
                ),
                (
                    "gross_ci95_high_t",
                    "95 % interval of the gross total, high / 总排放 95 % 区间上限",
                    u.high,
                    "t CO2e",
                ),
                (
                    "gross_relative_95",
                    "95 % interval of the gross total, relative half-width / 相对不确定度",
                    u.relative_95,
                    "fraction",
                ),
                (
                    "uncertainty_method",
                    "Uncertainty method / 不确定性方法",
                    res.uncertainty_method,
                    "",
                ),
            ]
        estimates = [
            e.estimated_co2e_t for e in self.inventory.exclusions if e.estimated_co2e_t is not None
        ]
        if estimates:
            rows.append(
                (
                    "excluded_est_co2e_t",
                    "Excluded sources, estimated (not in the gross totals) / 排除源估算（不计入总排放）",
                    math.fsum(estimates),
                    "t CO2e",
                )
            )
        return rows

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables as DataFrames (the same ones as in HTML and Excel)."""
        import pandas as pd

        res, inv = self.result, self.inventory
        t = res.totals()
        unc = res.group_uncertainty
        cat_rows = []
        for c, (status, est) in self.category_status().items():
            # a category without sources has no measured zero and no uncertainty to show
            u = unc.get(f"category:{c}") if status.startswith("reported") else None
            cat_rows.append(
                {
                    "category": c,
                    "name": CATEGORY_NAMES[c][0],
                    "name_zh": CATEGORY_NAMES[c][1],
                    "co2e_t": t["by_category"][str(c)],
                    "status": status,
                    "excluded_est_co2e_t": est,
                    "ci95_low_t": None if u is None else u.low,
                    "ci95_high_t": None if u is None else u.high,
                    "relative_95": None if u is None else u.relative_95,
                }
            )
        gas_rows = [{"gas": g, "mass_t": m, "co2e_t": v} for g, m, v in self.direct_by_gas()]
        scope_rows = [{"scope": k, "co2e_t": v} for k, v in t["by_scope"].items()]
        fac_rows = [
            {
                "facility": f.id,
                "name": f.name,
                "region": f.region,
                "share": res.plans and _share(res, f.id),
                "co2e_t": t["by_facility"][f.id],
            }
            for f in inv.facilities
        ]
        src_rows = []
        for p in res.plans:
            m = (
                (res.table.template.src == p.index)
                & (res.table.template.basis != 2)
                & ~res.table.template.biogenic
            )
            src_rows.append(
                {
                    "source": p.source.id,
                    "facility": p.facility,
                    "category": p.category,
                    "scope": p.scope,
                    "method": p.method,
                    "factor": p.factor_ref,
                    "description": p.source.description,
                    "co2e_t": res._sum(m),
                }
            )
        factor_rows = []
        for ref in sorted(res.factors_used):
            f = res.factors_used[ref]
            for gas in f.gases:
                gv = (f.entry.gases or {}).get(gas)
                value = gv.value if gv else (f.entry.co2e.value if f.entry.co2e else None)
                unit = gv.unit if gv else (f.entry.co2e.unit if f.entry.co2e else None)
                factor_rows.append(
                    {
                        "factor": ref,
                        "gas": gas,
                        "value": value,
                        "unit": unit,
                        "pack_version": f.pack_version,
                        "citation": f.citation_text(gas),
                    }
                )
        for p in res.plans:
            if p.method != "carbon_content":
                continue
            carbon = p.source.carbon
            fuel = None
            if carbon is not None and carbon.fuel:
                from .calc import registry_for

                fuel = registry_for(inv).resolve_fuel(carbon.fuel)
            for name in ("ncv", "carbon_content", "carbon_fraction", "oxidation"):
                stated = getattr(carbon, name, None) if carbon is not None else None
                if stated is not None:
                    factor_rows.append(
                        {
                            "factor": f"{p.source.id} (stated)",
                            "gas": name,
                            "value": stated.value,
                            "unit": stated.unit,
                            "pack_version": "",
                            "citation": stated.evidence or stated.lab or "stated in the inventory",
                        }
                    )
                elif (
                    fuel is not None
                    and name != "carbon_fraction"
                    and fuel.parameter(name) is not None
                ):
                    fp = fuel.parameter(name)
                    assert fp is not None
                    cit = fuel.citations.get(name)
                    where = (
                        ", ".join(x for x in (cit.table, cit.page, cit.section) if x) if cit else ""
                    )
                    factor_rows.append(
                        {
                            "factor": fuel.ref,
                            "gas": name,
                            "value": fp.value,
                            "unit": fp.unit,
                            "pack_version": fuel.pack_version,
                            "citation": f"{cit.document}, {where} <{cit.url}>" if cit else "",
                        }
                    )
        gwp_rows = self.gwp_used()
        from .quality import data_quality

        dq_src, dq_cat = data_quality(res)
        check = [asdict(i) for i in self.checklist()]
        findings = [f.to_dict() for f in res.findings]
        excl = [e.model_dump() for e in inv.exclusions]
        return {
            "By category": pd.DataFrame(cat_rows),
            "Direct emissions by gas": pd.DataFrame(gas_rows),
            "By scope": pd.DataFrame(scope_rows),
            "By facility": pd.DataFrame(fac_rows),
            "Sources": pd.DataFrame(src_rows),
            "Lines": res.lines,
            "Factors": pd.DataFrame(factor_rows),
            "GWP": pd.DataFrame(gwp_rows),
            "Exclusions": pd.DataFrame(
                excl, columns=["category", "subcategory", "source", "reason", "estimated_co2e_t"]
            ),
            "Data quality by category": dq_cat,
            "Data quality by source": dq_src,
            "Checklist": pd.DataFrame(check),
            "Findings": pd.DataFrame(findings, columns=["code", "severity", "subject", "message"]),
        }

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
            "categories": [
                {
                    "category": c,
                    "co2e_t": d["totals"]["by_category"][str(c)],
                    "status": status,
                    "excluded_est_co2e_t": est,
                }
                for c, (status, est) in self.category_status().items()
            ],
        }
        return d

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text of :meth:`to_dict` (never NaN)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_markdown(self) -> str:
        """The report as Markdown (bilingual headings)."""
        res, inv = self.result, self.inventory
        t = res.totals()
        title = (
            inv.reporting.title
            if inv.reporting and inv.reporting.title
            else f"GHG inventory report {inv.period.start.year}"
        )
        out = [f"# {title} / 温室气体清单报告", ""]
        out += [
            f"- Organization / 组织: **{inv.organization.name}** ({inv.organization.id})",
            f"- Period / 报告期: {inv.period.start} to {inv.period.end} (end exclusive)",
            f"- Consolidation / 合并方法: {inv.organization.consolidation.replace('_', ' ')}",
            f"- GWP set / 全球变暖潜势: {res.gwp_set}",
            f"- Responsible person / 负责人: {inv.organization.responsible_person or '—'}",
            "",
            "## Totals / 排放总量",
            "",
            "| | t CO2e |",
            "|---|---:|",
            f"| Gross, location-based / 总排放（基于位置） | {_fmt(t['gross_co2e_t'])} |",
            f"| Gross, market-based / 总排放（基于市场） | {_fmt(t['gross_co2e_t_market_based'])} |",
            f"| Biogenic CO2 (reported apart) / 生物源 CO2（单独报告） | {_fmt(t['biogenic_co2_t'])} |",
            f"| Removals (reported apart) / 清除（单独报告） | {_fmt(t['removals_co2e_t'])} |",
            "",
        ]
        u = res.group_uncertainty.get("total")
        if u is not None:
            out += [
                f"95 % interval of the gross total ({res.uncertainty_method}): {_fmt(u.low, 1)} to "
                f"{_fmt(u.high, 1)} t CO2e (±{100 * u.relative_95:.1f} %)",
                "",
            ]
        for name, df in self.tables().items():
            if name in ("Lines",):
                continue
            out += [f"## {name}", "", _df_markdown(df), ""]
        out += ["---", f"nqi-carbon {__version__}; input SHA-256 {inv.input_sha256 or '—'}", ""]
        return "\n".join(out)

    def svg_by_category(self) -> str:
        """Stacked bars of t CO2e per ISO category and gas (inline SVG)."""
        t = self.result.table.template
        res = self.result
        loc = (t.basis != 2) & ~t.biogenic
        data = {
            c: {g: res._sum(loc & (t.category == c) & (t.group == g)) for g in _GAS_COLOURS}
            for c in range(1, 7)
        }
        totals = {c: sum(v for v in data[c].values() if v > 0) for c in data}
        vmax = max(totals.values()) or 1.0
        w, h, left, bottom, top = 640, 300, 70, 40, 20
        bw = (w - left - 20) / 6
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="Emissions by ISO 14064-1 category and gas">'
        ]
        for k in range(5):
            y = top + (h - top - bottom) * k / 4
            val = vmax * (1 - k / 4)
            parts.append(
                f'<line x1="{left}" x2="{w - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            )
            parts.append(
                f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{val:,.0f}</text>'
            )
        for i, c in enumerate(range(1, 7)):
            x = left + i * bw + bw * 0.15
            y0 = float(h - bottom)
            for g, colour in _GAS_COLOURS.items():
                v = data[c][g]
                if v <= 0:
                    continue
                bh = (h - top - bottom) * v / vmax
                y0 -= bh
                parts.append(
                    f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bw * 0.7:.1f}" height="{bh:.1f}" fill="{colour}">'
                    f"<title>Category {c}, {g}: {v:,.3f} t CO2e</title></rect>"
                )
            parts.append(
                f'<text x="{x + bw * 0.35:.1f}" y="{h - bottom + 14}" font-size="11" text-anchor="middle">Cat. {c}</text>'
            )
        lx = left
        for g, colour in _GAS_COLOURS.items():
            if any(data[c][g] > 0 for c in data):
                parts.append(
                    f'<rect x="{lx}" y="{h - 14}" width="10" height="10" fill="{colour}"/>'
                )
                parts.append(
                    f'<text x="{lx + 14}" y="{h - 5}" font-size="10">{html.escape(g)}</text>'
                )
                lx += 70
        parts.append(
            f'<text x="12" y="{top + (h - top - bottom) / 2:.0f}" font-size="11" transform="rotate(-90 12 '
            f'{top + (h - top - bottom) / 2:.0f})" text-anchor="middle">t CO2e</text>'
        )
        parts.append("</svg>")
        return "".join(parts)

    def svg_base_year_bridge(self) -> str:
        """Waterfall from the base-year total to this period's gross total (inline SVG).

        Empty when the inventory states no base-year total.
        """
        by = self.inventory.base_year
        if by is None or by.total_co2e_t is None:
            return ""
        now = self.result.total_co2e
        base = by.total_co2e_t
        change = now - base
        w, h, left, bottom, top = 480, 260, 80, 40, 20
        vmax = max(base, now) * 1.1 or 1.0

        def y(v: float) -> float:
            return top + (h - top - bottom) * (1 - v / vmax)

        bars = [
            (f"Base year {by.year}", 0.0, base, "#4e79a7"),
            ("Change", min(base, now), max(base, now), "#59a14f" if change < 0 else "#e15759"),
            (f"{self.inventory.period.start.year}", 0.0, now, "#4e79a7"),
        ]
        bw = (w - left - 20) / 3
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="Base-year bridge">'
        ]
        for i, (label, lo, hi, colour) in enumerate(bars):
            x = left + i * bw + bw * 0.2
            parts.append(
                f'<rect x="{x:.1f}" y="{y(hi):.1f}" width="{bw * 0.6:.1f}" height="{y(lo) - y(hi):.1f}" '
                f'fill="{colour}"><title>{html.escape(label)}</title></rect>'
            )
            value = change if label == "Change" else hi
            sign = "+" if label == "Change" and change > 0 else ""
            parts.append(
                f'<text x="{x + bw * 0.3:.1f}" y="{y(hi) - 4:.1f}" font-size="10" text-anchor="middle">'
                f"{sign}{value:,.0f}</text>"
            )
            parts.append(
                f'<text x="{x + bw * 0.3:.1f}" y="{h - bottom + 14}" font-size="11" text-anchor="middle">'
                f"{html.escape(label)}</text>"
            )
        parts.append(
            f'<line x1="{left}" x2="{w - 20}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#999"/>'
        )
        parts.append("</svg>")
        return "".join(parts)

    def to_html(self) -> str:
        """A self-contained HTML page: inline CSS, inline SVG chart, no external reference."""
        res, inv = self.result, self.inventory
        t = res.totals()
        esc = html.escape
        title = (
            inv.reporting.title
            if inv.reporting and inv.reporting.title
            else f"GHG inventory report {inv.period.start.year}"
        )
        check_rows = "".join(
            f"<tr class='{i.status}'><td>{i.item}</td><td>{esc(i.title)}<br><span class='zh'>{esc(i.title_zh)}</span></td>"
            f"<td>{i.status.replace('_', ' ')}</td><td>{esc(i.detail)}</td></tr>"
            for i in self.checklist()
        )
        sections = []
        for name, df in self.tables().items():
            if name in ("Checklist",):
                continue
            sections.append(f"<h2>{esc(name)}</h2><div class='scroll'>{_df_html(df)}</div>")
        u = res.group_uncertainty.get("total")
        unc = (
            ""
            if u is None
            else (
                f"<p>95 % interval of the gross total ({esc(str(res.uncertainty_method))}): {_fmt(u.low, 1)} to "
                f"{_fmt(u.high, 1)} t CO2e (±{100 * u.relative_95:.1f} %).</p>"
            )
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}}
h1{{font-size:1.6em}} h2{{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}}
table{{border-collapse:collapse;margin:.5em 0;font-size:.88em}} td,th{{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}}
th{{background:#f3f3f3}} td.num{{text-align:right;font-variant-numeric:tabular-nums}}
.zh{{color:#666;font-size:.9em}} .kpi{{display:flex;gap:1em;flex-wrap:wrap}} .kpi div{{border:1px solid #ddd;padding:.6em 1em;border-radius:6px}}
.kpi b{{display:block;font-size:1.3em}} tr.missing td{{background:#fde8e8}} tr.present td:nth-child(3){{color:#1a7f37}}
tr.not_applicable td{{color:#777}} footer{{margin-top:2em;color:#777;font-size:.8em}}
.scroll{{overflow-x:auto}} table.checklist{{width:100%}} table.checklist td:nth-child(2){{min-width:16em}}
</style></head><body>
<h1>{esc(title)} <span class="zh">温室气体清单报告</span></h1>
<p><b>{esc(inv.organization.name)}</b> ({esc(inv.organization.id)}) — {inv.period.start} to {inv.period.end} (end exclusive);
consolidation: {esc(inv.organization.consolidation.replace("_", " "))}; GWP: {esc(res.gwp_set)}.</p>
<div class="kpi">
<div>Gross, location-based<span class="zh"> 总排放（基于位置）</span><b>{_fmt(t["gross_co2e_t"], 1)} t CO2e</b></div>
<div>Gross, market-based<span class="zh"> 总排放（基于市场）</span><b>{_fmt(t["gross_co2e_t_market_based"], 1)} t CO2e</b></div>
<div>Biogenic CO2 (apart)<span class="zh"> 生物源 CO2</span><b>{_fmt(t["biogenic_co2_t"], 1)} t</b></div>
<div>Removals (apart)<span class="zh"> 清除</span><b>{_fmt(t["removals_co2e_t"], 1)} t CO2e</b></div>
</div>
{unc}
<h2>Emissions by category and gas <span class="zh">按类别和气体分列的排放</span></h2>
{self.svg_by_category()}
{('<h2>Base year bridge <span class="zh">基准年对比</span></h2>' + self.svg_base_year_bridge()) if self.svg_base_year_bridge() else ""}
<h2>ISO 14064-1 clause 9.3.1 checklist <span class="zh">报告内容核对表</span></h2>
<table class="checklist"><tr><th>item</th><th>content</th><th>status</th><th>detail</th></tr>{check_rows}</table>
{"".join(sections)}
<footer>nqi-carbon {esc(__version__)} · input SHA-256 {esc(inv.input_sha256 or "—")} · generated {self.generated}</footer>
</body></html>
"""

    def to_excel(self, path: str | Path) -> Path:
        """Write an Excel workbook: totals, one sheet per table, provenance (atomic).

        The "Totals" sheet has the headline numbers as numbers with a unit column;
        missing values are empty cells, never the text "<NA>" or "nan".
        """
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover - exercised when the extra is missing
            raise ImportError(
                "Excel output needs openpyxl: pip install 'nqi-carbon[excel]'"
            ) from exc
        from openpyxl.styles import Font

        wb = openpyxl.Workbook()
        ws0 = wb.active
        assert ws0 is not None
        wb.remove(ws0)
        tot = wb.create_sheet("Totals")
        tot.append(["key", "item", "value", "unit"])
        for cell in tot[1]:
            cell.font = Font(bold=True)
        for key, label, value, unit in self.totals_rows():
            tot.append([key, label, _excel_value(value), unit])
            if unit.startswith("t "):
                tot.cell(row=tot.max_row, column=3).number_format = "#,##0.000###"
            elif unit == "fraction":
                tot.cell(row=tot.max_row, column=3).number_format = "0.0%"
        for name, df in self.tables().items():
            ws = wb.create_sheet(name[:31])
            ws.append([str(c) for c in df.columns])
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in df.itertuples(index=False):
                ws.append([_excel_value(v) for v in row])
            for col, cname in enumerate(df.columns, start=1):
                # factor values, GWPs, masses and inputs keep Excel's General format (every
                # significant digit shown); only t CO2e amounts get a fixed number format
                if str(cname).endswith("_t") and str(cname) not in _PRECISE_COLUMNS:
                    for r in range(2, ws.max_row + 1):
                        ws.cell(row=r, column=col).number_format = "#,##0.000###"
        prov = wb.create_sheet("Provenance")
        p = self.result.provenance()
        prov.append(["item", "value"])
        prov.append(["library_version", p["library_version"]])
        prov.append(["input_sha256", p["input_sha256"]])
        prov.append(["gwp_set", self.result.gwp_set])
        prov.append(["gwp_source", p["gwp_source"]])
        for pack in p["factor_packs"]:
            prov.append(
                [f"pack {pack['id']}", f"version {pack['version']}, sha256 {pack['sha256']}"]
            )
        prov.append(["uncertainty_method", self.result.uncertainty_method])
        prov.append(["seed", self.result.seed])
        prov.append(["generated", self.generated.isoformat()])

        def write(fh: Any) -> None:
            wb.save(fh)

        return atomic_write(path, write)

    def write(
        self, out_dir: str | Path, formats: Iterable[str] = ("html", "md", "json", "xlsx")
    ) -> list[Path]:
        """Write the report files (atomically) and return their paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            if fmt == "html":
                written.append(atomic_write_text(out / "report.html", self.to_html()))
            elif fmt == "md":
                written.append(atomic_write_text(out / "report.md", self.to_markdown()))
            elif fmt == "json":
                written.append(atomic_write_text(out / "report.json", self.to_json() + "\n"))
            elif fmt == "xlsx":
                written.append(self.to_excel(out / "report.xlsx"))
            else:
                raise ValueError(f"unknown report format {fmt!r}; allowed: html, md, json, xlsx")
        return written

    def _repr_html_(self) -> str:
        missing = [i for i in self.checklist() if i.status == "missing"]
        lst = "".join(
            f"<li>{i.item}: {html.escape(i.title)} — {html.escape(i.detail)}</li>" for i in missing
        )
        return self.result._repr_html_() + (
            f"<div><b>{len(missing)} checklist item(s) missing</b><ul>{lst}</ul></div>"
            if missing
            else ""
        )


def _share(res: Result, facility_id: str) -> float:
    for p in res.plans:
        if p.facility == facility_id:
            return p.share
    from .calc import consolidation_share

    return consolidation_share(res.inventory, facility_id)


def _excel_value(v: Any) -> Any:
    if _is_missing(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    return str(v)


_EXACT_COLUMNS = frozenset({"value", "gwp"})
"""Values as the pack or the inventory gives them (factors, NCVs, carbon contents, GWPs)."""
_PRECISE_COLUMNS = frozenset({"mass_t", "share", "activity"})
"""Inputs and gas masses: printed to 10 significant digits, never to 3 decimals."""


def _is_missing(v: Any) -> bool:
    """None, NaN, ``pd.NA`` or ``pd.NaT``: an empty cell, never the text "<NA>" or "nan"."""
    if v is None:
        return True
    import pandas as pd

    return bool(pd.api.types.is_scalar(v) and not isinstance(v, str) and pd.isna(v))


def _exact(v: float) -> str:
    """The shortest text that reads back as exactly *v* (``repr``), with thousands commas."""
    text = f"{v:,}"
    return text[:-2] if text.endswith(".0") else text


def _cell(v: Any, column: str = "") -> str:
    if _is_missing(v):
        return "—"
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float | int) and column in _EXACT_COLUMNS:
        return _exact(float(v)) if isinstance(v, float) else f"{v:,}"
    if isinstance(v, float) and column in _PRECISE_COLUMNS:
        return f"{v:,.10g}"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) >= 0.001 or v == 0 else f"{v:.3g}"
    return str(v)


def _df_markdown(df: pd.DataFrame) -> str:
    if df.empty:
        return "_none_"
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append(
            "| "
            + " | ".join(
                # a line break inside a cell would end the table row
                " ".join(_cell(v, c).split()).replace("|", "\\|")
                for v, c in zip(row, cols, strict=True)
            )
            + " |"
        )
    return "\n".join(lines)


def _df_html(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p><i>none</i></p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join(
            f"<td class='num'>{html.escape(_cell(v, str(c)))}</td>"
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{html.escape(_cell(v, str(c)))}</td>"
            for v, c in zip(row, df.columns, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def inventory_report(result: Result) -> InventoryReport:
    """Build the ISO 14064-1 inventory report of a calculation result."""
    return InventoryReport(result)
