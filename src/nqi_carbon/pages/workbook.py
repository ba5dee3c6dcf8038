"""What every Excel workbook of nqi-carbon shares: reproducible bytes and readable column widths.

:func:`_zip_dated` dates a saved ``.xlsx`` by the report's generation date only, so that
``SOURCE_DATE_EPOCH`` makes the file byte-identical; :func:`_excel_widths` sizes columns by
their longest text (CJK characters count twice). :func:`_save` writes the cells of a sheet
as openpyxl does, byte for byte, without building an XML element per cell.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from typing import Any

__all__ = [
    "_excel_widths",
    "_style_cells",
    "_text_width",
    "_zip_dated",
    "new_workbook",
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
    """Display width: CJK and full-width characters count twice (ASCII text: its length)."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_widths(ws: Any, cap: int = 60) -> None:
    """Column widths from the longest cell text (at most *cap*); long text wraps."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    columns: dict[int, list[Any]] = {}
    for (_, col), cell in ws._cells.items():  # any order: only maxima and one alignment
        columns.setdefault(col, []).append(cell)
        v = cell._value
        if v is None:
            continue
        text = f"{v:,.3f}" if isinstance(v, float) else str(v)
        widths[col] = max(widths.get(col, 6), _text_width(text) + 2)
    for idx in range(1, ws.max_column + 1):
        width = widths.get(idx, 6)
        ws.column_dimensions[get_column_letter(idx)].width = min(width, cap)
        if width > cap:
            long = [
                c
                for c in columns[idx]
                if isinstance(c._value, str) and _text_width(c._value) + 2 > cap
            ]
            _style_cells(long, "alignment", Alignment(wrap_text=True, vertical="top"))


_STYLE_KEYS = {
    "number_format": "numFmtId",
    "alignment": "alignmentId",
    "fill": "fillId",
    "font": "fontId",
}


def _style_cells(cells: list[Any], attr: str, value: Any) -> None:
    """Set the style *attr* (a key of ``_STYLE_KEYS``) of every cell of *cells* to *value*.

    The same as ``setattr(cell, attr, value)`` for each cell, but the value is looked up in
    the workbook's style table once (openpyxl hashes a style object field by field on
    every assignment): the first cell is set through openpyxl and its index is copied.
    """
    if not cells:
        return
    from openpyxl.styles.cell_style import StyleArray

    setattr(cells[0], attr, value)
    key = _STYLE_KEYS[attr]
    index = getattr(cells[0]._style, key)
    for cell in cells[1:]:
        if not cell._style:  # as openpyxl's setters: a style array made on first use
            cell._style = StyleArray()
        setattr(cell._style, key, index)


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
    return _zip_dated(_save(wb), _dt.datetime.combine(generated, _dt.time()))


def _save(wb: Any) -> bytes:
    """The ``.xlsx`` bytes of *wb*, as ``wb.save`` writes them, its cells written faster.

    openpyxl serialises each cell as an XML element (~20 µs a cell: 17 s for a report of
    10,000 sources); :func:`_sheet_writer` writes the same bytes as text. Every step of
    ``openpyxl.writer.excel.save_workbook`` is kept.
    """
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = _dt.datetime.now(tz=_dt.UTC).replace(tzinfo=None)  # as openpyxl
    writer = ExcelWriter(wb, archive)
    sheet_writer = _sheet_writer()

    def write_worksheet(ws: Any) -> None:  # ExcelWriter.write_worksheet, our sheet writer
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        sheet = sheet_writer(ws)
        sheet.write()
        ws._rels = sheet._rels
        archive.write(sheet.out, ws.path[1:])
        writer.manifest.append(ws)
        sheet.cleanup()

    writer.write_worksheet = write_worksheet
    writer.save()
    return buf.getvalue()


def _sheet_writer() -> Any:
    """The ``WorksheetWriter`` of openpyxl, writing each row of plain cells as one string.

    A cell of text, a number, a boolean or an empty styled cell is written as openpyxl's
    ``etree_write_cell`` writes it (the same attributes in the same order, the same
    escaping, ``xml:space="preserve"`` on text with outer whitespace, numbers as
    ``%.16g``); any other cell (a date, a formula, rich text, a comment, a link) and any
    row with its own dimensions go through openpyxl itself.
    """
    from openpyxl.cell._writer import write_cell
    from openpyxl.compat import safe_string
    from openpyxl.worksheet._writer import WorksheetWriter

    def escape(text: str) -> str:
        if "&" in text:
            text = text.replace("&", "&amp;")
        if "<" in text:
            text = text.replace("<", "&lt;")
        if ">" in text:
            text = text.replace(">", "&gt;")
        return text

    def cell_xml(cell: Any) -> str | None:
        kind, value = cell.data_type, cell._value
        if kind not in ("s", "n", "b") or not isinstance(value, str | int | float | None):
            return None
        if isinstance(value, str) != (kind == "s") and value is not None:  # pragma: no cover
            return None
        head = f'<c r="{cell.coordinate}"' + (f' s="{cell.style_id}"' if cell.has_style else "")
        head += ' t="inlineStr"' if kind == "s" else f' t="{kind}"'
        if value is None or value == "":
            return head + " />"
        if not isinstance(value, str):
            number = safe_string(value)
            return head + (f"><v>{number}</v></c>" if number else "><v /></c>")
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and value != stripped else ""
        return f"{head}><is><t{space}>{escape(value)}</t></is></c>"

    class SheetWriter(WorksheetWriter):  # type: ignore[misc]
        def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
            raw = getattr(xf, "_file", None)
            if raw is None or row_idx in self.ws.row_dimensions:
                super().write_row(xf, row, row_idx)
                return
            parts = [f'<row r="{row_idx}">']
            for cell in row:
                if cell._value is None and not cell.has_style and cell._comment is None:
                    continue
                text = None if cell._comment or cell.hyperlink else cell_xml(cell)
                if text is None:  # written by openpyxl, after what is gathered
                    raw("".join(parts))
                    parts = []
                    if cell._comment is not None:
                        from openpyxl.comments.comment_sheet import CommentRecord

                        self.ws._comments.append(CommentRecord.from_cell(cell))
                    write_cell(xf, self.ws, cell, cell.has_style)
                else:
                    parts.append(text)
            parts.append("</row>")
            raw("".join(parts))

    return SheetWriter
