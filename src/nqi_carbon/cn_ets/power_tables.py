"""The tables of a power plant's annual emission report, one builder per table.

Laid out on the reporting items of the MEE power-generation guideline and its monthly
evidence (月度信息化存证): summary, units with their supply indicators, monthly coal data
(with the high default value marked), other fuels, purchased electricity, the records and
their evidence, the findings, and the parameters with their sources. The Ministry's report
template itself could not be read, so the column order is this package's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import PARAMETERS
from .tables import Column, Table

if TYPE_CHECKING:
    from ..data.factors import Factor, Fuel
    from .power import CnFinding, PowerResult

__all__ = ["finding_table", "power_tables"]

_STATUS = {
    "measured": ("measured (CMA/CNAS)", "实测（CMA/CNAS）"),
    "high_default": ("high default value", "高限值（缺省值）"),
    "no_fuel": ("no fuel burnt", "未耗用"),
    "pack": ("pack defaults", "缺省值"),
    "recorded": ("recorded", "实测"),
}
_BASIS = {
    "ar": ("as received", "收到基"),
    "ad": ("air-dried", "空气干燥基"),
    "d": ("dry", "干燥基"),
}


def summary_table(r: PowerResult) -> Table:
    """Emissions of the plant: fuel combustion, purchased electricity, total (t CO2)."""
    rows = [
        [("CO2 from fuel combustion", "化石燃料燃烧排放量"), r.fuel_t],
        [("CO2 of purchased electricity", "购入使用电力排放量"), r.electricity_t],
        [("Total emissions", "排放总量"), r.total_t],
    ]
    return Table(
        "Summary",
        ("Emissions of the key emitting unit", "重点排放单位排放量汇总"),
        (Column("item", ("Item", "项目"), "pair"), Column("emissions_t", ("t CO2", "tCO2"), "t")),
        rows,
    )


def units_table(r: PowerResult) -> Table:
    """Per generating unit: emissions, generation, supply, heat and the supply intensities."""
    cols = (
        Column("unit_id", ("Unit", "机组")),
        Column("emissions_t", ("Emissions (t CO2)", "排放量（tCO2）"), "t"),
        Column("generation_mwh", ("Generated (MWh)", "发电量（MWh）"), "exact"),
        Column("power_supply_mwh", ("Supplied (MWh)", "供电量（MWh）"), "exact"),
        Column("heat_supply_gj", ("Heat supplied (GJ)", "供热量（GJ）"), "exact"),
        Column("power_emissions_t", ("Allocated to power (t CO2)", "供电排放量（tCO2）"), "t"),
        Column("heat_emissions_t", ("Allocated to heat (t CO2)", "供热排放量（tCO2）"), "t"),
        Column(
            "power_intensity",
            ("Power supply intensity (t CO2/MWh)", "供电碳排放强度（tCO2/MWh）"),
            "d4",
        ),
        Column(
            "heat_intensity",
            ("Heat supply intensity (t CO2/GJ)", "供热碳排放强度（tCO2/GJ）"),
            "d4",
        ),
    )
    return Table(
        "Units",
        ("Generating units: emissions and supply indicators", "机组排放量及供电、供热指标"),
        cols,
        [[u[c.key] for c in cols] for u in r.units],
        (
            "Each month's emissions of a unit (its fuels and the electricity it bought) are allocated "
            "to heat by the month's recorded heat supply ratio; intensities are the year's allocated "
            "emissions over the year's supply.",
            "机组各月排放量（燃料燃烧及机组购入电力）按当月供热比分摊至供热，其余计入供电；"
            "强度为全年分摊排放量除以全年供电量或供热量。",
        ),
    )


def coal_table(r: PowerResult) -> Table:
    """Monthly coal data of every unit: consumption, NCV, carbon, status, oxidation, emissions."""
    cols = (
        Column("unit_id", ("Unit", "机组")),
        Column("fuel", ("Fuel", "燃料")),
        Column("month", ("Month", "月份")),
        Column("fc", ("Consumed (t)", "消耗量（t）"), "exact"),
        Column("ncv", ("NCV (GJ/t)", "低位发热量（GJ/t）"), "exact"),
        Column("carbon", ("Carbon as analysed", "元素碳含量（检测值）"), "pct"),
        Column("basis", ("Basis", "基准"), "pair"),
        Column("c_ar", ("Carbon as received (t C/t)", "收到基元素碳含量（tC/t）"), "d4"),
        Column("status", ("Carbon from", "碳含量来源"), "pair"),
        Column("oxidation", ("Oxidation", "碳氧化率"), "pct"),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
        Column("report", ("Lab report", "检测报告")),
    )
    rows = []
    for ln in r.fuel_lines:
        if "basis" not in ln:
            continue
        row = {**ln, "basis": _BASIS.get(ln["basis"] or ""), "status": _STATUS[ln["status"]]}
        rows.append([row.get(c.key) for c in cols])
    return Table(
        "Coal by month",
        ("Coal by month", "燃煤月度数据"),
        cols,
        rows,
        (
            "E = FC × C_ar × OF × 44/12. In a month without a valid element-carbon analysis, C_ar = NCV × the high "
            "default carbon content per unit heat.",
            "E = 燃煤消耗量 × 收到基元素碳含量 × 碳氧化率 × 44/12；"
            "当月无有效元素碳检测的，收到基元素碳含量 = 低位发热量 × 单位热值含碳量高限值。",
        ),
    )


def other_fuels_table(r: PowerResult) -> Table:
    """Monthly data of fuels other than coal."""
    cols = (
        Column("unit_id", ("Unit", "机组")),
        Column("fuel", ("Fuel", "燃料")),
        Column("month", ("Month", "月份")),
        Column("fc", ("Consumed", "消耗量"), "exact"),
        Column("ncv", ("NCV (GJ per unit)", "低位发热量（GJ/单位）"), "exact"),
        Column("cc", ("Carbon per heat (t C/GJ)", "单位热值含碳量（tC/GJ）"), "exact"),
        Column("oxidation", ("Oxidation", "碳氧化率"), "pct"),
        Column("status", ("Parameters from", "参数来源"), "pair"),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
    )
    rows = [
        [{**ln, "status": _STATUS[ln["status"]]}.get(c.key) for c in cols]
        for ln in r.fuel_lines
        if "basis" not in ln
    ]
    return Table("Other fuels by month", ("Other fuels by month", "其他燃料月度数据"), cols, rows)


def electricity_table(r: PowerResult) -> Table:
    """Purchased electricity by month, at the national grid factor of the year."""
    cols = (
        Column("month", ("Month", "月份")),
        Column("unit_id", ("Unit (empty: plant)", "机组（空：全厂）")),
        Column("mwh", ("Purchased (MWh)", "购入电量（MWh）"), "exact"),
        Column("factor", ("Grid factor (t CO2/MWh)", "电网排放因子（tCO2/MWh）"), "exact"),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
        Column("evidence", ("Evidence", "存证")),
    )
    return Table(
        "Purchased electricity",
        ("Purchased electricity", "购入使用电力"),
        cols,
        [[ln.get(c.key) for c in cols] for ln in r.elec_lines],
    )


def records_table(r: PowerResult) -> Table:
    """The monthly records as read (the 存证 items), with their laboratory and evidence."""
    cols = (
        Column("month", ("Month", "月份")),
        Column("unit_id", ("Unit", "机组")),
        Column("fuel", ("Fuel", "燃料")),
        Column("parameter", ("Parameter", "参数"), "pair"),
        Column("written", ("Value", "数值"), "exact"),
        Column("uom", ("Unit", "单位")),
        Column("lab", ("Laboratory", "检测机构")),
        Column("accreditation", ("Qualification", "资质")),
        Column("report", ("Report", "报告编号")),
        Column("report_date", ("Report date", "报告日期")),
        Column("sampling", ("Sampling", "采样制样")),
        Column("evidence", ("Evidence", "存证")),
    )
    rows = []
    for rec in r.records.frame.sort_values(["month", "unit_id", "fuel", "parameter"]).to_dict(
        "records"
    ):
        p = PARAMETERS[rec["parameter"]]
        rec = {
            **rec,
            "parameter": (p.en, p.zh),
            "report_date": rec["report_date"],  # a date: ISO text on pages, a date cell in Excel
        }
        rows.append(
            [rec["written"] if c.key == "written" else (rec.get(c.key) or None) for c in cols]
        )
    return Table(
        "Monthly records",
        ("Monthly records and evidence (月度存证)", "月度信息化存证"),
        cols,
        rows,
        ("Values as recorded, in the unit recorded.", "数值及单位按原始记录列示。"),
    )


def finding_table(findings: list[CnFinding], key: str = "Findings") -> Table:
    """Findings: code, kind, subject, month, description, the rule measured against."""
    cols = (
        Column("no", ("No.", "编号")),
        Column("severity", ("Kind", "类别"), "pair"),
        Column("subject", ("Subject", "对象")),
        Column("month", ("Month", "月份")),
        Column("message", ("Finding", "描述"), "pair"),
        Column("clause", ("Rule", "依据")),
        Column("code", ("Code", "代码")),
    )
    kinds = {"nonconformity": ("non-conformity", "不符合项"), "note": ("note", "提示")}
    rows = [
        [f"NC-{i:02d}", kinds[f.severity], f.subject, f.month, f.message, f.clause, f.code]
        for i, f in enumerate(findings, start=1)
    ]
    return Table(key, ("Data quality and non-conformities", "数据质量与不符合项"), cols, rows)


PARAMETER_COLUMNS = (
    Column("item", ("Parameter", "参数"), "pair"),
    Column("value", ("Value", "数值"), "exact"),
    Column("unit", ("Unit", "单位")),
    Column("source", ("Source", "来源")),
    Column("caveat", ("Caveats the pack records", "数据包所载说明")),
)
"""Columns of the parameters table of every China ETS report."""


def _caveat(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def factor_row(label: tuple[str, str], f: Factor) -> list[Any]:
    """A pack factor's CO2 value, its citation and what the pack says of its standing."""
    g = (f.entry.gases or {})["CO2"]
    cite = f.citations.get("CO2") or f.citations.get("factor")
    where = f"{f.ref} (pack {f.pack_id} {f.pack_version}): {f.citation_text('CO2')}"
    return [label, g.value, g.unit, where, _caveat(f.entry.notes, cite.note if cite else None)]


def fuel_rows(fuel: Fuel, names: dict[str, tuple[str, str]]) -> list[list[Any]]:
    """A pack fuel's parameters *names* (name -> label), cited; the fuel's notes on its first row."""
    rows: list[list[Any]] = []
    for name, label in names.items():
        p = fuel.parameter(name)
        if p is None:
            continue
        cite = fuel.citations.get(name)
        notes = None if rows else fuel.entry.notes
        where = f"{fuel.ref} (pack {fuel.pack_id} {fuel.pack_version}): {fuel.citation_text(name)}"
        rows.append([label, p.value, p.unit, where, _caveat(notes, cite.note if cite else None)])
    return rows


def pack_fuel_rows(fuels: dict[str, Fuel]) -> list[list[Any]]:
    """NCV, carbon content and oxidation of each pack fuel a report used, by its key."""
    rows = []
    for key, fuel in sorted(fuels.items()):
        names = {
            n: (f"{n} ({key})", f"{n}（{key}）") for n in ("ncv", "carbon_content", "oxidation")
        }
        rows += fuel_rows(fuel, names)
    return rows


def parameters_table(r: PowerResult) -> Table:
    """The values the calculation took from packs and from the plant file, with their sources.

    Each pack value carries what the pack records about it (its notes and its citation's
    note: how it was confirmed, what could not be read), so the caveats reach the report.
    """
    rows = []
    if r.grid_factor is not None:
        rows.append(factor_row(("National grid factor", "全国电网排放因子"), r.grid_factor))
    for key, fuel in sorted(r.high_defaults.items()):
        label = (f"High default carbon content ({key})", f"单位热值含碳量高限值（{key}）")
        rows += fuel_rows(fuel, {"carbon_content": label})
    for key, pf in sorted(r.plant.fuels.items()):
        if pf.oxidation is not None:
            rows.append(
                [
                    (f"Oxidation rate ({key})", f"碳氧化率（{key}）"),
                    pf.oxidation.value,
                    pf.oxidation.unit,
                    "plant file: " + (pf.oxidation.basis or "basis not stated"),
                    "",
                ]
            )
    rows += pack_fuel_rows(r.pack_fuels)
    ed = r.edition
    rows.append(
        [
            ("Guideline edition", "适用指南版本"),
            None,
            "",
            f"{ed.title[1]} — {ed.document}.",
            ed.status,
        ]
    )
    return Table(
        "Parameters", ("Parameters and their sources", "参数及来源"), PARAMETER_COLUMNS, rows
    )


def power_tables(r: PowerResult) -> list[Table]:
    """Every table of the power report, in order."""
    tables = [summary_table(r), units_table(r), coal_table(r)]
    if any("basis" not in ln for ln in r.fuel_lines):
        tables.append(other_fuels_table(r))
    tables += [
        electricity_table(r),
        records_table(r),
        finding_table(r.findings),
        parameters_table(r),
    ]
    return tables
