"""The communication as the sheets of the EU template for operators of installations.

One sheet per sheet of the Commission's "CBAM Communication template for installations"
(v2.1.1) that holds data — A_InstData, B_EmInst, C_Emissions&Energy, D_Processes,
E_PurchPrec, Summary_Processes, Summary_Communication — with the template's section
numbers and field labels, and the ids P1..Pn, PP1..PPn, G1..Gn it gives processes,
purchased precursors and goods. The cells are plain values (no formulas, no macros):
numbers typed with number formats, dates as dates, every text through
:func:`nqi_carbon._escape.excel_append`, so nothing from the file can become a formula.
It is not a fillable copy of the template (whose cell positions are not reproduced).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compute import ProcessFigures
    from .report import CbamCommunication

__all__ = ["communication_workbook"]

T = "#,##0.000"
"""Number format of tonnes, MWh and TJ."""
S = "0.000000"
"""Number format of specific values (per tonne of good) and factors."""
P = "0.00%"

Row = list[Any]
"""A row of cells: values, or ``(value, number_format)`` for a number."""


def _sheet(wb: Any, title: str, heading: str, rows: list[Row]) -> None:
    from openpyxl.styles import Font

    from .._escape import excel_append
    from ..pages.workbook import _excel_widths

    ws = wb.create_sheet(title)
    excel_append(ws, [heading])
    ws.cell(row=1, column=1).font = Font(bold=True)
    for row in rows:
        excel_append(ws, [c[0] if isinstance(c, tuple) else c for c in row])
        for k, c in enumerate(row, start=1):
            if isinstance(c, tuple) and c[0] is not None:
                ws.cell(row=ws.max_row, column=k).number_format = c[1]
    _excel_widths(ws)


def _ids(com: CbamCommunication) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The template's ids: P1.. per process, PP1.. per purchase, G1.. per (category, route)."""
    procs = {f.process.id: f"P{k}" for k, f in enumerate(com.processes, 1)}
    bought = {b.id: f"PP{k}" for k, b in enumerate(com.installation.purchased_precursors, 1)}
    goods: dict[str, str] = {}
    for f in com.processes:
        goods.setdefault(f.category.name, f"G{len(goods) + 1}")
    return procs, bought, goods


def _inst_data(com: CbamCommunication) -> list[Row]:
    i = com.installation.installation
    procs, bought, goods = _ids(com)
    routes: dict[str, list[str]] = {}
    for f in com.processes:
        r = routes.setdefault(f.category.name, [])
        if f.process.route not in r:
            r.append(f.process.route)
    rows: list[Row] = [
        [
            "1",
            "Reporting period",
            "Start:",
            com.period[0],
            "End:",
            com.period[1] - _dt.timedelta(days=1),
        ],
        [],
        ["2", "About the installation"],
        *(
            ["", label, value]
            for label, value in (
                ("Name of the installation (optional):", i.name),
                ("Name of the installation (English name):", i.name_en),
                ("Street, Number:", i.street),
                ("Economic activity:", i.economic_activity),
                ("Post code:", i.post_code),
                ("P.O. Box:", i.po_box),
                ("City:", i.city),
                ("Country:", i.country),
                ("UNLOCODE:", i.unlocode),
                ("Coordinates of the main emission source (latitude):", i.latitude),
                ("Coordinates of the main emission source (longitude):", i.longitude),
                ("Name of authorized representative:", i.representative),
                ("Email:", i.email),
                ("Telephone:", i.telephone),
            )
        ),
        [],
        [
            "4",
            "(a) List of aggregated goods categories, relevant precursors and corresponding production routes",
        ],
        [
            "ID",
            "Aggregated goods category",
            "Route 1",
            "Route 2",
            "Route 3",
            "Route 4",
            "Route 5",
            "Route 6",
        ],
        *([gid, name, *routes[name]] for name, gid in goods.items()),
        [],
        ["", "(b) Relevant production processes"],
        ["ID", "Aggregated goods category", "Name", "Process id (installation file)"],
        *(
            [procs[f.process.id], goods[f.category.name], f.process.name, f.process.id]
            for f in com.processes
        ),
        [],
        ["5", "Purchased precursors"],
        [
            "ID",
            "Aggregated goods category",
            "Country code",
            "Route 1",
            "Name",
            "Precursor id (installation file)",
        ],
        *(
            [bought[b.id], b.category, b.country, b.route, b.name, b.id]
            for b in com.installation.purchased_precursors
        ),
    ]
    return rows


def _emissions(com: CbamCommunication) -> tuple[list[Row], list[Row]]:
    """B_EmInst (the inventory's direct source streams) and C_Emissions&Energy (totals)."""
    b: list[Row] = [
        ["1", "(a) Calculation based approaches: Source Streams (from the inventory, category 1)"],
        [
            "#",
            "Method",
            "Source stream name",
            "Type of GHG",
            "Activity data (AD)",
            "AD Unit",
            "Annual amount of GHG (t)",
            "CO2e fossil (t)",
        ],
    ]
    em = com.emissions
    n = 0
    for ln in em.lines:
        if ln["source"] not in em.direct_t:
            continue
        n += 1
        b.append(
            [
                n,
                ln["method"],
                ln["source"],
                ln["gas"],
                (ln["activity"], T),
                ln["activity_unit"],
                (ln["mass_t"], T),
                (ln["co2e_t"], T),
            ]
        )
    c: list[Row] = [
        ["", "Total emissions", "Unit", "Value"],
        ["", "Total direct emissions of the installation", "tCO2e", (em.total_direct_t, T)],
        [
            "",
            "Total indirect emissions of the installation (electricity, location-based)",
            "tCO2e",
            (em.total_indirect_t, T),
        ],
        ["", "GWP set of the inventory", "", em.gwp_set],
        ["", "Inventory file", "", com.installation.inventory],
    ]
    return b, c


def _process_block(com: CbamCommunication, k: int, f: ProcessFigures) -> list[Row]:
    p = f.process
    procs, bought, _ = _ids(com)
    unit = f.category.unit
    ref = {**procs, **bought}
    h, w, x = p.heat, p.waste_gases, p.electricity_exported
    return [
        [str(k), f"Production process {k}:", f"{p.name} ({f.category.name})"],
        ["(a)", "Total production levels:", "Production route", "Unit", "Amounts"],
        ["1", "", p.route, unit, (p.activity_level, T)],
        [
            "",
            "Total production within installation (= denominator for SEE calculation):",
            "",
            unit,
            (p.activity_level, T),
        ],
        ["(b)", "Produced for the market", "", unit, (p.produced_for_market, T)],
        ["(c)", "Consumed in other 'production processes' within the installation:"],
        *(["", procs[q], "", unit, (a, T)] for q, a in com.consumed_in(p.id)),
        ["(g)", "Directly attributable emissions (DirEm*)", "", "tCO2e", (f.direct_t, T)],
        [
            "",
            "Inventory sources attributed (share)",
            ", ".join(f"{s.source} ({s.share:g})" for s in p.sources),
        ],
        ["(h)", "Import and export of measurable heat", "", "Unit", "Imported", "Exported"],
        [
            "i.",
            "Amount of net measurable heat",
            "",
            "TJ",
            (h and h.imported_tj, T),
            (h and h.exported_tj, T),
        ],
        [
            "ii.",
            "Emissions factor",
            "",
            "tCO2/TJ",
            (h and h.imported_factor_t_per_tj, S),
            (h and h.exported_factor_t_per_tj, S),
        ],
        ["(i)", "Waste gases", "", "Unit", "Imported", "Exported"],
        ["i.", "Amount of waste gas", "", "TJ", (w and w.imported_tj, T), (w and w.exported_tj, T)],
        ["(j)", "Indirect emissions from electricity consumption", "", "Unit", "Value"],
        ["i.", "Electricity consumption", "", "MWh", (f.electricity_mwh, T)],
        ["ii.", "Emission factor of the electricity", "", "tCO2/MWh", (f.electricity_factor, S)],
        ["iii.", "Source of the emission factor", "", "-", f.electricity_factor_source],
        ["(k)", "Electricity exported from the production process", "", "Unit", "Value"],
        ["i.", "Amounts exported", "", "MWh", (x and x.exported_mwh, T)],
        [
            "ii.",
            "Emission factor of the electricity",
            "",
            "tCO2/MWh",
            (x and x.factor_t_per_mwh, S),
        ],
        *_process_results(f, ref, unit),
        [],
    ]


def _process_results(f: ProcessFigures, ref: dict[str, str], unit: str) -> list[Row]:
    """The precursors a process consumes and its attributed emissions."""
    return [
        ["", "Precursors consumed", "ID", unit, "Amount", "SEE (direct)", "SEE (indirect)"],
        *(
            [
                "",
                ln.category,
                ref.get(ln.ref, ln.ref),
                unit,
                (ln.amount, T),
                (ln.see_direct, S),
                (ln.see_indirect, S),
            ]
            for ln in f.precursors
        ),
        ["", "Attributed emissions", "", "Unit", "Direct", "Indirect"],
        [
            "",
            "AttrEm (heat, waste gases and electricity exported included)",
            "",
            "tCO2e",
            (f.attributed_direct_t, T),
            (f.attributed_indirect_t, T),
        ],
    ]


def _purchased_block(com: CbamCommunication, k: int, b: Any) -> list[Row]:
    procs, _, _ = _ids(com)
    unit = _unit(b.category)
    uses = [
        (f.process.id, ln.amount)
        for f in com.processes
        for ln in f.precursors
        if ln.kind == "purchased" and ln.ref == b.id
    ]
    return [
        [str(k), f"Purchased precursor {k}:", f"{b.name} ({b.category}, {b.country})"],
        ["(a)", "Total purchased levels:", "Production route", "Unit", "Amounts"],
        ["1", "", b.route, unit, (sum(a for _, a in uses), T)],
        ["(b)", "Consumed in 'production processes' within the installation:"],
        *(["", procs[q], "", unit, (a, T)] for q, a in uses),
        [
            "(e)",
            "Emissions embedded in this purchased precursor",
            "Parameter:",
            "Unit",
            "Value",
            "Source",
        ],
        [
            "i.",
            "Specific embedded direct emissions (SEE (direct))",
            "",
            f"tCO2e/{unit}",
            (b.see_direct, S),
            b.data,
        ],
        [
            "ii.",
            "Specific electricity consumption (for SEE (indirect))",
            "",
            f"MWh/{unit}",
            (b.electricity_mwh_per_unit, S),
        ],
        [
            "iii.",
            "Electricity emission factor (for SEE (indirect))",
            "",
            "tCO2/MWh",
            (b.electricity_factor_t_per_mwh, S),
        ],
        [
            "iv.",
            "Specific embedded indirect emissions (SEE (indirect))",
            "",
            f"tCO2e/{unit}",
            (b.see_indirect_value, S),
            b.data,
        ],
        [
            "v.",
            "Justification for use of default values (if relevant):",
            b.default_justification or "",
        ],
        ["", "Source of the data", b.source],
        [],
    ]


def _unit(category: str) -> str:
    from .rules import cbam_rules

    return cbam_rules().category(category).unit


def _summary_processes(com: CbamCommunication) -> list[Row]:
    procs, _, _ = _ids(com)
    rows: list[Row] = [
        ["2", "(a)", "GHG emissions balance of the installation and all production processes"],
        [
            "",
            "Production process",
            "Aggregated goods category",
            "Unit",
            "DirEm*",
            "Heat emissions",
            "Waste gas emissions",
            "Total direct emissions",
            "Indirect, if relevant",
            "Activity level",
            "unit",
        ],
    ]
    for f in com.processes:
        rows.append(
            [
                procs[f.process.id],
                f.process.name,
                f.category.name,
                "tCO2e",
                (f.direct_t, T),
                (f.heat_t, T),
                (f.waste_gas_t, T),
                (f.attributed_direct_t, T),
                (f.attributed_indirect_t, T),
                (f.activity_level, T),
                f.category.unit,
            ]
        )
    em = com.emissions
    rows += [
        [],
        ["", "(b)", "Comparison:", "Unit", "Total direct emissions", "Total indirect emissions"],
        [
            "i.",
            "Total emissions of the installation (from the inventory)",
            "",
            "tCO2e",
            (em.total_direct_t, T),
            (em.total_indirect_t, T),
        ],
        [
            "ii.",
            "Rest (= emissions not attributed to CBAM processes)",
            "",
            "tCO2e",
            (com.unattributed_direct_t, T),
        ],
    ]
    return [*rows, [], *_see_table(com)]


def _see_table(com: CbamCommunication) -> list[Row]:
    """Summary_Processes 2.2: SE and SEE per process and per purchased precursor."""
    procs, bought, _ = _ids(com)
    return [
        ["2.2", "(a)", "Specific direct and indirect (embedded) emissions"],
        [
            "",
            "Production process",
            "Aggregated goods category",
            "SE (direct)",
            "SEE (direct)",
            "SE (indirect)",
            "SEE (indirect)",
            "Electricity consumed",
            "Embedded electricity",
        ],
        ["", "", "", "tCO2e/t", "tCO2e/t", "tCO2e/t", "tCO2e/t", "MWh/t", "MWh/t"],
        *(
            [
                procs[f.process.id],
                f.process.name,
                f.category.name,
                (f.se_direct, S),
                (f.see_direct, S),
                (f.se_indirect, S),
                (f.see_indirect, S),
                (f.electricity_mwh / f.activity_level, S),
                (f.embedded_electricity, S),
            ]
            for f in com.processes
        ),
        [],
        [
            "",
            "(b)",
            "Purchased precursors",
            "Type of precursor",
            "SEE (direct)",
            "SEE (indirect)",
            "Electricity consumed",
        ],
        *(
            [
                bought[b.id],
                b.name,
                "",
                b.category,
                (b.see_direct, S),
                (b.see_indirect_value, S),
                (b.electricity_mwh_per_unit, S),
            ]
            for b in com.installation.purchased_precursors
        ),
    ]


PRODUCT_HEADERS = (
    "Production process from which the products arise",
    "Type of aggregated good or precursor",
    "CN Codes",
    "CN Name",
    "Product name (used for communication with reporting declarant, e.g. on invoices)",
    "SEE (direct)",
    "SEE (indirect)",
    "SEE (total)",
    "Unit",
    "Share of emissions by default value",
    "Source for electricity EF",
    "Embedded electricity (MWh/t)",
    "Electricity EF (tCO2/MWh)",
)
"""The first columns of the template's Summary_Communication table 2 (D25:P25), in order."""

PARAMETER_HEADERS = (
    "The main reducing agent of the precursor, if known",
    "Steel mill identification number",
    "% Mn",
    "% Cr",
    "% Ni",
    "% other alloys",
    "% carbon",
    "t scrap per t steel",
    "% other materials",
    "% pre-consumer scrap",
    "t scrap per t aluminium",
    "% non-aluminium elements",
    "Clinker factor",
    "Calcined or not",
    "Concentration, if hydrous solution",
    "% nitric acid",
    "% urea",
    "% N contained",
    "% N as ammonium (NH4+)",
    "% N as nitrate (NO3–)",
    "% N as Urea",
    "% N in other (organic) forms",
)
"""The qualifying parameters' columns of that table (Q25:AL25), in order."""


def _parameter_cells(values: dict[str, float | str]) -> list[Any]:
    """The qualifying parameters of a product under :data:`PARAMETER_HEADERS` (% as percent)."""
    out: list[Any] = []
    for h in PARAMETER_HEADERS:
        v = values.get(h)
        out.append((v, P if h.startswith("%") else S) if isinstance(v, float | int) else v)
    return out


def _summary_communication(com: CbamCommunication) -> list[Row]:
    i, inst, em = com.installation.installation, com.installation, com.emissions
    procs, _, _ = _ids(com)
    end = com.period[1] - _dt.timedelta(days=1)
    rows: list[Row] = [
        ["1", "Installation details", "Parameter", "Value"],
        *(
            ["", "", label, value]
            for label, value in (
                ("Name of the installation (English name):", i.name_en),
                ("Street, Number:", i.street),
                ("Economic activity:", i.economic_activity),
                ("Country:", i.country),
                ("UNLOCODE:", i.unlocode),
                ("Coordinates of the main emission source (latitude):", i.latitude),
                ("Coordinates of the main emission source (longitude):", i.longitude),
                ("Reporting period start:", com.period[0]),
                ("Reporting period end:", end),
            )
        ),
        [],
        ["2", "Summary of products"],
        ["#", *PRODUCT_HEADERS, *PARAMETER_HEADERS],
    ]
    for n, r in enumerate(com.products(), 1):
        rows.append(
            [
                n,
                procs[r["process"]],
                r["category"],
                r["cn_code"],
                r["cn_name"],
                r["product_name"],
                (r["see_direct"], S),
                (r["see_indirect"], S),
                (r["see_total"], S),
                r["unit"],
                (r["default_share"], P),
                r["electricity_ef_source"],
                (r["embedded_electricity"], S),
                (r["electricity_ef"], S),
                *_parameter_cells(r["parameters"]),
            ]
        )
    rows += [
        [],
        ["3", "Summary of emissions", "", "tCO2e"],
        ["", "Total direct emissions during reporting period:", "", (em.total_direct_t, T)],
        ["", "Total indirect emissions during reporting period:", "", (em.total_indirect_t, T)],
        [
            "",
            "Total emissions during reporting period:",
            "",
            (em.total_direct_t + em.total_indirect_t, T),
        ],
        ["", "General information on data quality:", "", inst.quality or ""],
        [
            "",
            "Justification for use of default values (if relevant):",
            "",
            "; ".join(
                f"{b.id}: {b.default_justification}"
                for b in inst.purchased_precursors
                if b.default_justification
            ),
        ],
        ["", "Information on quality assurance:", "", inst.quality_assurance or ""],
        [],
        [
            "4",
            "Further information",
            "Any additional information:",
            inst.additional_information or "",
        ],
        ["", "Rules applied", "", f"{inst.rules} ({com.period[0]} to {end})"],
    ]
    return rows


def communication_workbook(com: CbamCommunication) -> bytes:
    """The ``.xlsx`` bytes: the template's data sheets, dated by the generation date."""
    from ..pages.workbook import new_workbook, workbook_data

    wb = new_workbook(com.generated)
    b, c = _emissions(com)
    d = [row for k, f in enumerate(com.processes, 1) for row in _process_block(com, k, f)]
    e = [
        row
        for k, p in enumerate(com.installation.purchased_precursors, 1)
        for row in _purchased_block(com, k, p)
    ]
    sheets = (
        (
            "A_InstData",
            'Sheet "A_InstData" - General information, production processes and purchased precursors',
            _inst_data(com),
        ),
        (
            "B_EmInst",
            'Sheet "B_EmInst" - Installation\'s emission at source stream and emission source level',
            b,
        ),
        ("C_Emissions&Energy", 'Sheet "C_Emissions&Energy" - Energy & Emissions', c),
        (
            "D_Processes",
            'Sheet "D_Processes" - Production level and attributed emissions for SEE calculation',
            d,
        ),
        ("E_PurchPrec", 'Sheet "E_PurchPrec" - Purchased precursors for SEE calculation', e),
        ("Summary_Processes", "Summary of production processes", _summary_processes(com)),
        (
            "Summary_Communication",
            "Communication with reporting declarants",
            _summary_communication(com),
        ),
    )
    for title, heading, rows in sheets:
        _sheet(wb, title, heading, rows)
    return workbook_data(wb, com.generated)
