"""What every Excel workbook of nqi-carbon shares: reproducible bytes and readable column widths.

:func:`_zip_dated` dates a saved ``.xlsx`` by the report's generation date only, so that
``SOURCE_DATE_EPOCH`` makes the file byte-identical; :func:`_excel_widths` sizes columns by
their longest text (CJK characters count twice).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from typing import Any

__all__ = [
    "_excel_widths",
    "_text_width",
    "_zip_dated",
    "new_workbook",
    "sheets_workbook",
    "workbook_data",
]

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _zip_dated(data: bytes, when: _dt.datetime) -> bytes:
    """The ``.xlsx`` archive *data* dated *when* throughout.

    openpyxl writes the save time as the workbook's ``modified`` property whatever it was
    set to, and zip dates each entry with the local time: both become *when*, so the
    bytes depend on the report's generation date only.
    """
    import zipfile

    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(lambda m: m.group(1) + iso + m.group(2), body)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def _text_width(text: str) -> int:
    """Display width: CJK and full-width characters count twice."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_widths(ws: Any, cap: int = 60) -> None:
    """Column widths from the longest cell text (at most *cap*); long text wraps."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for idx, column in enumerate(ws.iter_cols(), start=1):
        width = 6
        for cell in column:
            v = cell.value
            if v is None:
                continue
            text = f"{v:,.3f}" if isinstance(v, float) else str(v)
            width = max(width, _text_width(text) + 2)
        ws.column_dimensions[get_column_letter(idx)].width = min(width, cap)
        if width > cap:
            for cell in column:
                if isinstance(cell.value, str) and _text_width(cell.value) + 2 > cap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


def new_workbook(generated: _dt.date, first_sheet: str | None = None) -> Any:
    """An openpyxl workbook created on *generated*: its first sheet named *first_sheet*, or none.

    The generation date stands for "now" everywhere in the file (:func:`workbook_data`),
    so the bytes depend on ``SOURCE_DATE_EPOCH`` only.

    Raises
    ------
    ImportError
        openpyxl is not installed (the ``excel`` extra).
    """
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - exercised when the extra is missing
        raise ImportError("Excel output needs openpyxl: pip install 'nqi-carbon[excel]'") from exc
    wb = openpyxl.Workbook()
    wb.properties.created = _dt.datetime.combine(generated, _dt.time())
    first = wb.active
    assert first is not None
    if first_sheet is None:
        wb.remove(first)
    else:
        first.title = first_sheet
    return wb


def workbook_data(wb: Any, generated: _dt.date) -> bytes:
    """The ``.xlsx`` bytes of *wb*, dated *generated* throughout (:func:`_zip_dated`)."""
    buf = io.BytesIO()
    wb.save(buf)
    return _zip_dated(buf.getvalue(), _dt.datetime.combine(generated, _dt.time()))


def sheets_workbook(sheets: dict[str, list[list[Any]]], generated: _dt.date) -> bytes:
    """The ``.xlsx`` bytes of *sheets* ({title: rows}), dated *generated*.

    Every cell goes through :func:`~nqi_carbon._escape.excel_append`; the first row is
    bold and frozen, the columns sized to their text.
    """
    from .._escape import excel_append

    wb = new_workbook(generated)  # the friendly ImportError without openpyxl
    from openpyxl.styles import Font

    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            excel_append(ws, row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        _excel_widths(ws)
    return workbook_data(wb, generated)
