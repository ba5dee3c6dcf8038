"""``nqi-carbon init``: a commented starter inventory and activity-table templates.

The folder it writes validates as written (``nqi-carbon validate FOLDER/inventory.yaml``):
an organisation, one facility, one source of each common kind (gas billed in kWh,
electricity, diesel in litres, a refrigerant top-up) and the activity tables the first two
read, as CSV and as an Excel workbook (the same rows). Every line the user has to change
carries a comment saying how.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

__all__ = ["ACTIVITY_COLUMNS", "starter_files", "write_starter"]

ACTIVITY_COLUMNS = ("source", "amount", "unit", "period", "instrument", "uncertainty")
"""The columns of the activity templates (``source``, ``amount``, ``unit`` required)."""

_ROWS = {
    "heating-gas": ("kWh", [21450.0, 9870.0, 2140.0, 16380.0]),
    "electricity": ("kWh", [38200.0, 35600.0, 41900.0, 39400.0]),
}
"""Quarterly amounts of the template's example rows (replace them with yours)."""

_INVENTORY = """\
# A starter inventory (nqi-carbon/inventory@1), written by `nqi-carbon init`.
# It validates as written: replace every value with yours and run
#   nqi-carbon validate inventory.yaml     (every problem at once, with what is allowed)
#   nqi-carbon report inventory.yaml       (the ISO 14064-1 report: HTML, Markdown, JSON, Excel)
# The format: docs/reference/inventory-format.md; a walk-through with billed units
# (litres, gross kWh, spreadsheet exports): docs/tutorial/billed-units.md.
schema: nqi-carbon/inventory@1
organization:
  name: Your Company Ltd.               # the reporting organisation
  id: YOUR-COMPANY-ID                   # a registration number or any stable id
  consolidation: operational_control    # or financial_control, or equity_share (then give each
                                        # facility its equity_share: 0.6 for 60 %)
  responsible_person: Name, role        # who is responsible for the report
period: {{start: {year}-01-01, end: {next}-01-01}}   # the end is exclusive: the whole of {year}
gwp: AR6                                # GWP set: SAR, AR4, AR5 or AR6 (IPCC, 100 years)
# The factor packs the sources use: bundled ones by id (nqi-carbon factors list), or your
# own pack file. fuel-properties holds the cited densities and NCV/GCV ratios that turn
# litres and gross kWh into what IPCC factors are per.
factor_packs: [ipcc-2006, fuel-properties, cn-mee]
facilities:
  - id: main-site                       # short ids: letters, digits, - and _
    name: Head office and plant
    region: CN                          # ISO 3166 code: DE, CN, GB, US... or CN-JS, US-CA
    operational_control: true
sources:
  # 1. Gas for heating, billed in kWh. Utilities bill the gross calorific value (GCV,
  #    Brennwert); IPCC factors are per net energy: energy_basis: GCV converts it by the
  #    cited NCV/GCV ratio of natural gas. The amounts are in activity.csv.
  - id: heating-gas
    facility: main-site
    category: 1                         # ISO 14064-1: 1 direct, 2 imported energy, 3-6 indirect
    factor: ipcc-2006/stationary-commercial/natural_gas
    energy_basis: GCV
  # 2. Purchased electricity (amounts in activity.csv). Use your grid's factor: find it
  #    with `nqi-carbon factors search electricity --region GB` (or US, CN...), or give
  #    your supplier's factor inline under `factors:` with its reference.
  - id: electricity
    facility: main-site
    category: 2
    factor: cn-mee/grid/national/2022
  # 3. Diesel for company cars, in litres (fuel-card statements): a cited density and the
  #    IPCC net calorific value take litres to the factor's TJ.
  - id: company-cars
    facility: main-site
    category: 1
    factor: ipcc-2006/mobile-road/gas_diesel_oil
    activity:
      - {{period: {year}, amount: 4200, unit: L, evidence: fuel-card statements {year}}}
  # 4. Refrigerant topped up in air conditioning (the top-up is the leak), in kg.
  - id: air-conditioning
    facility: main-site
    category: 1
    method: release
    gas: R-410A
    activity: {{amount: 3.5, unit: kg, evidence: service log {year}}}
# Tables of activity (CSV, Excel or Parquet) beside this file. An export with other
# headers, a title row or decimal commas is read as it is with a reading spec:
#   - {{path: export.csv, header_row: 3, columns: {{amount: "Menge (kWh)"}}, decimal: ","}}
activity_files:
  - activity.csv                        # or activity.xlsx: the same rows
# Categories left out, each with the reason (ISO 14064-1 asks for it).
exclusions:
  - {{category: 3, reason: "Transport screened at below 1 % of gross emissions."}}
  - {{category: 4, reason: "Purchased goods screened at below 1 % of gross emissions."}}
  - {{category: 5, reason: "The products sold cause no use-stage emissions."}}
  - {{category: 6, reason: "No other indirect sources identified."}}
reporting:
  methodology_changes: none             # changes since the last inventory, or none
  conformity_statement: Prepared in accordance with ISO 14064-1:2018.
  verification: {{status: not_verified}}   # or limited / reasonable, with body and date
"""


def _rows(year: int) -> list[list[object]]:
    """The template's rows: one per quarter of each source read from the activity table."""
    return [
        [source, amount, unit, f"{year}-Q{q}", "", ""]
        for source, (unit, amounts) in _ROWS.items()
        for q, amount in enumerate(amounts, start=1)
    ]


def _csv(year: int) -> bytes:
    lines = [",".join(ACTIVITY_COLUMNS)]
    lines += [",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) for row in _rows(year)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(year: int) -> bytes:
    """The same rows as the CSV, on the first sheet; a second sheet says what the columns are."""
    import datetime as dt
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "activity"
    ws.append(list(ACTIVITY_COLUMNS))
    for row in _rows(year):
        ws.append([None if v == "" else v for v in row])
    notes = wb.create_sheet("notes")
    for line in (
        "source: a source id of the inventory; amount: a number; unit: kWh, MWh, L, m3, t, kg...",
        "period: 2024, 2024-03 or 2024-Q1; instrument: a meter of the inventory (optional);",
        "uncertainty: relative half-width of the 95 % interval, e.g. 0.02 (optional).",
        "Only the first sheet is read. Type values, not formulas (formulas are refused).",
    ):
        notes.append([line])
    fixed = dt.datetime(year + 1, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def starter_files(year: int, *, excel: bool = True) -> dict[str, bytes]:
    """The starter folder's files by name: ``inventory.yaml``, ``activity.csv``, ``activity.xlsx``."""
    files = {
        "inventory.yaml": _INVENTORY.format(year=year, next=year + 1).encode("utf-8"),
        "activity.csv": _csv(year),
    }
    if excel:
        files["activity.xlsx"] = _xlsx(year)
    return files


def write_starter(folder: str | Path, *, year: int, stream: TextIO, force: bool = False) -> int:
    """Write the starter files into *folder* (made if needed); never over existing files.

    Returns the exit status: 1 when a file exists and *force* is not given (nothing is
    written), else 0.
    """
    from ._escape import term_line
    from ._io.atomic import write_set

    try:
        import openpyxl  # noqa: F401

        excel = True
    except ImportError:
        excel = False
    files = starter_files(year, excel=excel)
    out = Path(folder)
    existing = [name for name in files if (out / name).exists()]
    if existing and not force:
        stream.write(
            f"not written: {', '.join(term_line(str(out / n)) for n in existing)} exist(s); "
            "choose another folder or pass --force\n"
        )
        return 1
    written = write_set(out, files)
    stream.write("written:\n" + "".join(f"  {term_line(str(p))}\n" for p in written))
    if not excel:
        stream.write("  (activity.xlsx skipped: install the excel extra, pip install 'nqi-carbon[excel]')\n")
    stream.write(f"next: nqi-carbon validate {term_line(str(out / 'inventory.yaml'))}\n")
    return 0
