"""The tables of a cement, iron-and-steel or aluminium plant's annual emission report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .power_tables import PARAMETER_COLUMNS, factor_row, finding_table, pack_fuel_rows
from .sectors import SECTOR_METHODS
from .tables import Column, Table

if TYPE_CHECKING:
    from .sectors import SectorResult

__all__ = ["sector_tables"]

_ENERGY = {
    "purchased_electricity": ("Purchased electricity", "购入使用电力"),
    "exported_electricity": ("Electricity sent out (deducted)", "输出电力（扣减）"),
    "purchased_heat": ("Purchased heat", "购入使用热力"),
    "exported_heat": ("Heat sent out (deducted)", "输出热力（扣减）"),
}


def summary_table(r: SectorResult) -> Table:
    """Every part of the total as its own line; deductions shown negative."""
    e = r.energy_t
    process = (
        ("CO2 by carbon balance (combustion and process)", "碳平衡法排放量（燃烧及过程）")
        if r.plant.sector == "steel"
        else ("Process CO2", "工业生产过程排放量")
    )
    rows = [[("CO2 from fuel combustion", "化石燃料燃烧排放量"), r.fuel_t], [process, r.process_t]]
    if r.pfc_lines:
        rows.append([("PFCs (CO2e)", "全氟化碳排放量（CO2当量）"), r.pfc_t])
    for key, label in _ENERGY.items():
        if any(x["item"] == key for x in r.energy_lines):
            rows.append([label, -e(key) if key.startswith("exported") else e(key)])
    if r.plant.recovered_co2 is not None:
        rows.append(
            [
                ("CO2 recovered and supplied outside (deducted)", "CO2回收利用量（扣减）"),
                -r.recovered_t,
            ]
        )
    rows.append([("Total emissions", "排放总量"), r.total_t])
    if r.production_t:
        rows.append(
            [
                ("Intensity (t CO2e per t of product)", "单位产品排放量（tCO2e/t）"),
                r.total_t / r.production_t,
            ]
        )
    return Table(
        "Summary",
        ("Emissions of the key emitting unit", "重点排放单位排放量汇总"),
        (Column("item", ("Item", "项目"), "pair"), Column("emissions_t", ("t CO2e", "tCO2e"), "t")),
        rows,
    )


def fuels_table(r: SectorResult) -> Table:
    """Fuel combustion: each parameter and where it comes from."""
    cols = (
        Column("name", ("Fuel", "燃料")),
        Column("fc", ("Consumed", "消耗量"), "exact"),
        Column("fc_unit", ("Unit", "单位")),
        Column("ncv", ("NCV (GJ per unit)", "低位发热量"), "exact"),
        Column("ncv_source", ("NCV from", "来源")),
        Column("cc", ("Carbon per heat (t C/GJ)", "单位热值含碳量"), "exact"),
        Column("cc_source", ("From", "来源")),
        Column("c_ar", ("Carbon per mass", "元素碳含量"), "pct"),
        Column("oxidation", ("Oxidation", "碳氧化率"), "pct"),
        Column("oxidation_source", ("From", "来源")),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
    )
    return Table(
        "Fuels",
        ("Fuel combustion", "化石燃料燃烧"),
        cols,
        [[ln.get(c.key) for c in cols] for ln in r.fuel_lines],
    )


def process_table(r: SectorResult) -> Table:
    """Process lines: quantity, CO2 per tonne, CO2; with the method and its source."""
    cols = (
        Column("label", ("Item", "项目"), "pair"),
        Column("quantity_t", ("Quantity (t)", "数量（t）"), "exact"),
        Column("factor", ("t CO2 per t", "tCO2/t"), "d4"),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
    )
    formula, source = SECTOR_METHODS[r.plant.sector]
    note = (f"{formula[0]} Source: {source}", f"{formula[1]}。来源：{source}")
    return Table(
        "Process",
        ("Process emissions", "工业生产过程排放"),
        cols,
        [[ln.get(c.key) for c in cols] for ln in r.process_lines],
        note,
    )


def pfc_table(r: SectorResult) -> Table:
    """PFCs: mass, GWP and CO2e per gas."""
    cols = (
        Column("gas", ("Gas", "气体")),
        Column("mass_t", ("t", "排放量（t）"), "exact"),
        Column("gwp", ("GWP", "GWP"), "exact"),
        Column("co2e_t", ("t CO2e", "tCO2e"), "t"),
    )
    gwp_set = r.plant.pfc.gwp if r.plant.pfc is not None else ""
    return Table(
        "PFCs",
        ("Perfluorocarbons from anode effects", "阳极效应全氟化碳排放"),
        cols,
        [[ln.get(c.key) for c in cols] for ln in r.pfc_lines],
        (f"GWP set: {gwp_set}", f"GWP 取值：{gwp_set}"),
    )


def energy_table(r: SectorResult) -> Table:
    """Electricity and heat bought and sent out, each at its factor."""
    cols = (
        Column("item", ("Item", "项目"), "pair"),
        Column("amount", ("Amount", "数量"), "exact"),
        Column("unit", ("Unit", "单位")),
        Column("factor", ("t CO2 per unit", "排放因子"), "exact"),
        Column("factor_ref", ("Factor", "因子来源")),
        Column("emissions_t", ("t CO2", "排放量（tCO2）"), "t"),
        Column("evidence", ("Evidence", "存证")),
    )
    rows = [[{**ln, "item": _ENERGY[ln["item"]]}.get(c.key) for c in cols] for ln in r.energy_lines]
    return Table("Energy", ("Electricity and heat", "电力和热力"), cols, rows)


def parameters_table(r: SectorResult) -> Table:
    """The pack values the report used (factors, fuel defaults), cited, with the pack's caveats."""
    rows = []
    if r.grid_factor is not None:
        rows.append(factor_row(("National grid factor", "全国电网排放因子"), r.grid_factor))
    if r.heat_factor is not None:
        rows.append(factor_row(("Heat factor", "热力排放因子"), r.heat_factor))
    rows += pack_fuel_rows(r.pack_fuels)
    return Table(
        "Parameters", ("Parameters and their sources", "参数及来源"), PARAMETER_COLUMNS, rows
    )


def sector_tables(r: SectorResult) -> list[Table]:
    """Every table of a sector report, in order."""
    tables = [summary_table(r), fuels_table(r), process_table(r)]
    if r.pfc_lines:
        tables.append(pfc_table(r))
    tables += [energy_table(r), finding_table(r.findings)]
    if r.grid_factor is not None or r.heat_factor is not None or r.pack_fuels:
        tables.append(parameters_table(r))
    return tables
