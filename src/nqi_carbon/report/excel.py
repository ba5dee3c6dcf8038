"""The Excel workbook of a report: one sheet per kind, cells, widths, reproducible bytes.

:func:`workbook_bytes` writes the "Totals" sheet, one sheet per report table and the
"Provenance" sheet, and dates the file by the report's generation date only.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from .._escape import excel_append
from ..pages.format import _PERCENT_COLUMNS, _PRECISE_COLUMNS, _is_missing
from ..pages.labels import _tr, column_label
from ..pages.workbook import _excel_widths, _style_cells, append_block
from .texts import _PACK_HASH_NOTE

if TYPE_CHECKING:
    import pandas as pd

    from ..pages.labels import Language
    from .inventory import InventoryReport

__all__ = ["workbook_bytes"]


def _excel_value(v: Any) -> Any:
    """A cell value: a number stays a number, a date a date (a date cell), the rest text."""
    if _is_missing(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, bool | int | float | str | _dt.date) or v is None:
        return v
    return str(v)


_PLAIN = frozenset({bool, int, float, str, _dt.date, type(None)})


def _excel_column(series: pd.Series) -> list[Any]:
    """The cells of a table column: :func:`_excel_value` of each value, a column at a time.

    Missing values are found in one vectorised pass; a column of numbers, text, booleans
    or dates (what ``tolist`` gives) is taken as it is, anything else value by value.
    """
    values = series.tolist()
    missing = series.isna().to_numpy()
    if missing.any():
        for i in missing.nonzero()[0].tolist():
            values[i] = None
    if frozenset(map(type, values)) <= _PLAIN:
        return values
    return [_excel_value(v) for v in values]


def workbook_bytes(report: InventoryReport) -> bytes:
    """The workbook of *report* (see :meth:`InventoryReport.to_excel`) as ``.xlsx`` bytes."""
    from ..pages.workbook import new_workbook, workbook_data

    wb = new_workbook(report.generated)
    _totals_sheet(wb, report)
    for name, df in report._tables().items():
        _table_sheet(wb, name, df, report.language)
    _provenance_sheet(wb, report)
    return workbook_data(wb, report.generated)


def _totals_sheet(wb: Any, report: InventoryReport) -> None:
    """The "Totals" sheet: the headline numbers as numbers, with a unit column."""
    from openpyxl.styles import Font

    tot = wb.create_sheet("Totals")
    excel_append(tot, ["key", "item", "value", "unit"])
    for cell in tot[1]:
        cell.font = Font(bold=True)
    for key, label, value, unit in report.totals_rows():
        excel_append(tot, [key, label, _excel_value(value), unit])
        if key == "mc_seed":
            tot.cell(row=tot.max_row, column=3).number_format = "@"
        elif unit.startswith("t "):
            tot.cell(row=tot.max_row, column=3).number_format = "#,##0.000###"
        elif unit == "fraction":
            tot.cell(row=tot.max_row, column=3).number_format = "0.0%"
    tot.freeze_panes = "A2"
    _excel_widths(tot)


def _table_sheet(wb: Any, name: str, df: pd.DataFrame, lang: Language) -> None:
    """A sheet of one report table: readable headers, machine names, data from row 3."""
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(name[:31])
    cols = [str(c) for c in df.columns]
    excel_append(ws, [column_label(name, c, lang) for c in cols])
    excel_append(ws, cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[2]:
        cell.font = Font(italic=True, color="808080", size=9)
    columns = [_excel_column(df.iloc[:, k]) for k in range(len(cols))]
    formats = [_number_format(c) for c in cols]
    if "calibration_status" in cols:
        due = [v == "due within the period" for v in columns[cols.index("calibration_status")]]
    else:
        due = [False] * len(df)
    ws.freeze_panes = "A3"
    if append_block(ws, columns, formats, due, _due_fill()):
        return
    for row in zip(*columns, strict=True):
        excel_append(ws, row)
    data = list(ws.iter_rows(min_row=3))
    for col, cname in enumerate(cols):
        fmt = _number_format(cname)
        if fmt is not None:
            _style_cells([row[col] for row in data], "number_format", fmt)
    if "calibration_status" in cols:
        col = cols.index("calibration_status")
        due_cells = [c for row in data if row[col].value == "due within the period" for c in row]
        _style_cells(due_cells, "fill", _due_fill())
    _excel_widths(ws)


def _due_fill() -> Any:
    """The fill of a row whose instrument's calibration falls due within the period."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor="FFF4E0")


def _number_format(column: str) -> str | None:
    """The Excel number format of a table column (``None``: General, every digit)."""
    if column in _PERCENT_COLUMNS:
        return "0.0%"
    if column == "expanded_uncertainty":
        return "0.0##%"
    if column == "weighted_score":
        return "0.0"
    if column.endswith("_t") and column not in _PRECISE_COLUMNS:
        return "#,##0.000###"
    return None


def _provenance_sheet(wb: Any, report: InventoryReport) -> None:
    """The "Provenance" sheet: versions, hashes, the period (dates), GWP source, packs, uncertainty."""
    from openpyxl.styles import Font

    res = report.result
    prov = wb.create_sheet("Provenance")
    p = report._provenance()
    seed = res.seed
    prov_rows: list[list[Any]] = [
        ["item", "value"],
        ["library_version", p["library_version"]],
        ["input_sha256", p["input_sha256"]],
        # the reporting period as date cells; the end is exclusive (as in the inventory)
        ["period_start", res.inventory.period.start],
        ["period_end_exclusive", res.inventory.period.end],
        ["gwp_set", res.gwp_set],
        ["gwp_source", p["gwp_source"]],
        *(
            [f"pack {pack['id']}", f"version {pack['version']}, sha256 {pack['sha256']}"]
            for pack in p["factor_packs"]
        ),
        ["uncertainty_method", res.uncertainty_method],
        # as text: a 63-bit seed loses digits as an Excel number (15 significant digits)
        ["seed", None if seed is None else str(seed)],
        ["iterations", res.iterations],
        ["generated", report.generated],
        ["hashes", _tr(_PACK_HASH_NOTE, report.language, sep=" ")],
    ]
    for prov_row in prov_rows:
        excel_append(prov, prov_row)
        if prov_row[0] == "seed":
            prov.cell(row=prov.max_row, column=2).number_format = "@"
    prov.freeze_panes = "A2"
    for cell in prov[1]:
        cell.font = Font(bold=True)
    _excel_widths(prov)
