"""What every Excel workbook of nqi-carbon shares: reproducible bytes and readable column widths.

:func:`_zip_dated` dates a saved ``.xlsx`` by the report's generation date only, so that
``SOURCE_DATE_EPOCH`` makes the file byte-identical; :func:`_excel_widths` sizes columns by
their longest text (CJK characters count twice). :func:`_save` writes the cells of a sheet
as openpyxl does, byte for byte, without building an XML element per cell.
"""

from __future__ import annotations

import datetime as _dt
import io
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from .._escape import EXCEL_DATE, FORMULA_START, excel_text, excel_texts

__all__ = [
    "_excel_widths",
    "_style_cells",
    "_text_width",
    "_zip_dated",
    "new_workbook",
    "sheets_workbook",
    "workbook_data",
]

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

FAST_DEFLATE_FROM = 1 << 20
"""Parts of a workbook from this many bytes on are deflated at :data:`FAST_DEFLATE_LEVEL`.

The sheets of a report of 10,000 sources are 59 MB of XML: zlib's default level (6, what
openpyxl uses) takes about 0.46 s of CPU on them, level 1 0.17 s, for a file of 6.1 MB
instead of 4.8 MB. Smaller parts (every sheet of the bundled examples: at most 73 kB)
keep the default level, and so their bytes. Any reader inflates either.
"""

FAST_DEFLATE_LEVEL = 1
"""zlib's level for the large parts of a workbook (see :data:`FAST_DEFLATE_FROM`)."""


def _zip_dated(data: bytes, when: _dt.datetime, *, deflate: bool = False) -> bytes:
    """The ``.xlsx`` archive *data* dated *when* throughout.

    openpyxl writes the save time as the workbook's ``modified`` property whatever it was
    set to, and zip dates each entry with the local time: both become *when*, so the
    bytes depend on the report's generation date only. With *deflate*, every entry is
    compressed here (the archive *data* was written without compression: compressing
    once, not twice), one of :data:`FAST_DEFLATE_FROM` bytes or more at zlib's level 1.
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
            entry.compress_type = zipfile.ZIP_DEFLATED if deflate else info.compress_type
            entry.external_attr = info.external_attr
            large = deflate and len(body) >= FAST_DEFLATE_FROM
            dst.writestr(entry, body, compresslevel=FAST_DEFLATE_LEVEL if large else None)
    return out.getvalue()


def _text_width(text: str) -> int:
    """Display width: CJK and full-width characters count twice (ASCII text: its length)."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_widths(ws: Any, cap: int = 60) -> None:
    """Column widths from the longest cell text (at most *cap*); long text wraps.

    Every cell of the sheet's rectangle is visited (openpyxl makes the empty ones, which
    the saved sheet shows as empty rows): the rows of a report table go through
    :func:`append_block` instead.
    """
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
            long = [
                c for c in column if isinstance(c.value, str) and _text_width(c.value) + 2 > cap
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


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), _dt.date})
_NUMBERS = frozenset({int, float, type(None)})
_FEW_VALUES = (frozenset({str, type(None)}), frozenset({bool, type(None)}))
"""Columns whose cells are written once per distinct value (text, or yes/no)."""
_ROWS_PER_CHUNK = 2048


def append_block(
    ws: Any,
    columns: list[list[Any]],
    number_formats: list[str | None],
    highlight: list[bool],
    fill: Any,
    cap: int = 60,
) -> bool:
    """Append rows of plain values below the cells of *ws*, held as values until it is saved.

    *columns* holds the rows' cells a column at a time (one list per column). The same
    sheet as appending the rows cell by cell with :func:`~nqi_carbon._escape.excel_append`,
    then giving column *j* the number format ``number_formats[j]``, the rows marked in
    *highlight* the *fill*, and sizing the columns with :func:`_excel_widths` (*cap*) —
    byte for byte, without an openpyxl cell per value (a report of 10,000 sources has
    880,000). Every style is registered with the workbook in the order those steps
    register it. Returns False, appending nothing, when there are no rows or a value is
    not a string, a number, a boolean, ``None`` or a ``datetime.date`` (the caller
    appends cell by cell).
    """
    kinds = [frozenset(map(type, c)) for c in columns]
    if not columns or not columns[0] or not all(k <= _PLAIN_TYPES for k in kinds):
        return False
    from openpyxl.cell import Cell

    proto = Cell(ws)  # registers styles as a cell would, in the same order
    date_fmt = 0
    if any(_dt.date in k for k in kinds):
        proto.number_format = EXCEL_DATE
        date_fmt = proto._style.numFmtId
    col_fmt = []
    for fmt in number_formats:
        if fmt is not None:
            proto.number_format = fmt
        col_fmt.append(proto._style.numFmtId if fmt is not None else None)
    fill_id = 0
    if any(highlight):
        proto.fill = fill
        fill_id = proto._style.fillId
    # each distinct string as its cell holds it (escaped once, however often it repeats)
    texts = [_column_texts(c) for c in columns]
    wrap = _block_widths(ws, columns, kinds, texts, cap, proto)
    ws._nqi_block = _Block(
        ws.max_row + 1, columns, kinds, texts, col_fmt, date_fmt, highlight, fill_id, wrap, cap
    )
    return True


def _column_texts(column: list[Any]) -> dict[str, str]:
    """Each distinct string of *column* as its cell holds it (:func:`_excel_text`), checked together."""
    distinct = [v for v in dict.fromkeys(column) if type(v) is str]
    return {
        v: t if len(t) <= _MAX_CELL_TEXT else t[:_MAX_CELL_TEXT]
        for v, t in zip(distinct, excel_texts(distinct), strict=True)
    }


_MAX_CELL_TEXT = 32767
"""Characters a cell holds at most."""


def _excel_text(v: str) -> str:
    """A string as its cell holds it: controls visible, at most 32,767 characters."""
    return excel_text(v)[:_MAX_CELL_TEXT]


def _value_width(v: Any) -> int:
    """The width :func:`_excel_widths` gives a cell holding *v* (a string: as the cell holds it)."""
    return _text_width(f"{v:,.3f}" if isinstance(v, float) else str(v)) + 2


def _column_width(column: list[Any], kind: frozenset[type], texts: dict[str, str]) -> int:
    """The largest :func:`_value_width` of a column's cells (0 when every cell is empty).

    Only the values that can be widest are measured: every distinct text, and of numbers
    the largest and the smallest (a number's text is the longer the further it is from
    zero, a minus sign counting one), ``-0.0`` and the infinities.
    """
    if kind <= _FEW_VALUES[0]:
        return max((_text_width(t) + 2 for t in texts.values()), default=0)
    values = [v for v in column if v is not None] if type(None) in kind else column
    if not values:
        return 0
    if kind <= _NUMBERS:  # floats as "1,234.500", whole numbers as "1234": each kind apart
        floats = [v for v in values if type(v) is float] if int in kind else values
        ints = [v for v in values if type(v) is int] if float in kind else values
        values = _float_extremes(floats) if float in kind else []
        values += [max(ints), min(ints)] if int in kind and ints else []
    elif not kind & {int, float}:  # text, booleans and dates: each distinct value once
        values = list(dict.fromkeys(values))
    return max(_value_width(texts[v] if type(v) is str else v) for v in values)


def _float_extremes(floats: list[float]) -> list[float]:
    """The floats whose ``,.3f`` text can be the longest.

    The largest and smallest finite ones, ``-0.0`` (when there is one) and the
    non-finite ones.
    """
    import numpy as np

    arr = np.array(floats, dtype=float)
    finite = arr[np.isfinite(arr)]
    out = [float(v) for v in np.unique(arr[~np.isfinite(arr)])]
    if finite.size:
        out += [float(finite.max()), float(finite.min())]
        out += [-0.0] if np.signbit(finite[finite == 0]).any() else []
    return out


def _block_widths(
    ws: Any,
    columns: list[list[Any]],
    kinds: list[frozenset[type]],
    texts: list[dict[str, str]],
    cap: int,
    proto: Any,
) -> dict[int, int]:
    """:func:`_excel_widths` over the cells of *ws* and the block *columns*; wrapped columns.

    Returns {column: alignment id} for the columns whose long text wraps.
    """
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for (_, col), cell in ws._cells.items():
        if cell._value is not None:
            widths[col] = max(widths.get(col, 6), _value_width(cell._value))
    for j, (column, kind, text) in enumerate(zip(columns, kinds, texts, strict=True), start=1):
        widths[j] = max(widths.get(j, 6), _column_width(column, kind, text))
    wrap: dict[int, int] = {}
    alignment = Alignment(wrap_text=True, vertical="top")
    for idx in range(1, max(ws.max_column, len(columns)) + 1):
        w = widths.get(idx, 6)
        ws.column_dimensions[get_column_letter(idx)].width = min(w, cap)
        if w <= cap:
            continue
        head = [c for (_, col), c in ws._cells.items() if col == idx]
        long = [c for c in head if isinstance(c._value, str) and _text_width(c._value) + 2 > cap]
        _style_cells(long, "alignment", alignment)
        if idx <= len(columns) and any(_text_width(t) + 2 > cap for t in texts[idx - 1].values()):
            proto.alignment = alignment
            wrap[idx] = proto._style.alignmentId
    return wrap


_Key = tuple[int, int, int, int, int, int, int, int, int]


@dataclass
class _Block:
    """Rows of plain values appended by :func:`append_block`, written when the sheet is saved."""

    first_row: int
    columns: list[list[Any]]  # the values, a column at a time (strings as given)
    kinds: list[frozenset[type]]  # each column's value types
    texts: list[dict[str, str]]  # each column's strings as their cells hold them
    col_fmt: list[int | None]  # each column's number format id (None: a date's, or General)
    date_fmt: int
    highlight: list[bool]
    fill_id: int
    wrap: dict[int, int]  # column -> alignment id of its long text
    cap: int

    def _key(self, j: int, v: Any, fill: int) -> _Key:
        """The style array (as a key) of the cell of column *j* holding *v*."""
        fmt = self.col_fmt[j]
        num = fmt if fmt is not None else (self.date_fmt if type(v) is _dt.date else 0)
        align = quote = 0
        if type(v) is str:
            text = self.texts[j][v]
            align = self.wrap.get(j + 1, 0)
            if align and _text_width(text) + 2 <= self.cap:
                align = 0
            quote = int(text.startswith(FORMULA_START))
        return (0, fill, 0, num, 0, align, 0, quote, 0)

    def _per_value(self, j: int) -> bool:
        """Whether each cell of column *j* is written from its value alone.

        So it is without highlighted rows, in a column of numbers, text or booleans only
        (empty cells aside).
        """
        kind = self.kinds[j]
        return not self.fill_id and (
            kind <= _NUMBERS or kind <= _FEW_VALUES[0] or kind <= _FEW_VALUES[1]
        )

    def _first_keys(self) -> list[tuple[int, int, _Key]]:
        """(row, column, style key) where each column's styles first occur."""
        events: list[tuple[int, int, _Key]] = []
        for j, column in enumerate(self.columns):
            seen: set[_Key] = set()
            if self._per_value(j) and self.kinds[j] <= _NUMBERS:  # one style for the column
                events.append((0, j, self._key(j, None, 0)))
                continue
            if self._plain_text(j):  # two styles: with and without the quote prefix
                events += self._text_keys(j)
                continue
            if not self._per_value(j):  # highlighted rows, dates or mixed types: cell by cell
                cells: Any = enumerate(column)
                fills = [self.fill_id if h else 0 for h in self.highlight]
            else:  # the first row of each distinct value
                cells = ((None, v) for v in dict.fromkeys(column))
                fills = None
            for i, v in cells:
                key = self._key(j, v, fills[i] if fills is not None else 0)
                if key not in seen:
                    seen.add(key)
                    events.append((column.index(v) if i is None else i, j, key))
        return events

    def _plain_text(self, j: int) -> bool:
        """Whether column *j* is text (or empty) without wrapped cells or highlighted rows.

        Its cells' styles then differ only by the quote prefix of a text that would start
        a formula (an empty cell has a plain text's style).
        """
        return self._per_value(j) and self.kinds[j] <= _FEW_VALUES[0] and (j + 1) not in self.wrap

    def _text_keys(self, j: int) -> list[tuple[int, int, _Key]]:
        """:meth:`_first_keys` of a :meth:`_plain_text` column: where each of its two styles first occurs."""
        column, texts = self.columns[j], self.texts[j]
        plain = self._key(j, None, 0)
        first_quoted = next((v for v, t in texts.items() if t.startswith(FORMULA_START)), None)
        first_plain = next((v for v, t in texts.items() if not t.startswith(FORMULA_START)), None)
        firsts = [first_plain] if first_plain is not None else []
        plain_rows = [column.index(v) for v in [*firsts, None] if v is not None or type(None) in self.kinds[j]]
        events = [(min(plain_rows), j, plain)] if plain_rows else []
        if first_quoted is not None:
            events.append((column.index(first_quoted), j, (*plain[:7], 1, 0)))
        return events

    def xml(self, ws: Any) -> Any:
        """The rows' XML, a chunk at a time, their cells' styles registered in the order openpyxl writes them."""
        from openpyxl.styles.cell_style import StyleArray

        ids: dict[_Key, int] = {}
        for _, _, key in sorted(self._first_keys(), key=lambda e: e[:2]):
            if any(key) and key not in ids:
                ids[key] = ws.parent._cell_styles.add(StyleArray(list(key)))
        n = len(self.columns[0])
        memos = [self._tails(ws, ids, j) for j in range(len(self.columns))]
        for start in range(0, n, _ROWS_PER_CHUNK):
            stop = min(start + _ROWS_PER_CHUNK, n)
            numbers = list(range(self.first_row + start, self.first_row + stop))
            rows = [str(r) for r in numbers]
            parts: list[str] = []
            args: list[list[Any]] = []
            for j in range(len(self.columns)):
                same = self._template(ws, ids, j, numbers, start, stop, memos[j])
                if same is None:  # cell by cell
                    parts.append("%s")
                    args.append(self._cells(ws, ids, j, rows, start, stop, memos[j]))
                else:  # one %-template for the column's cells of the chunk
                    parts.append(same[0])
                    args += same[1]
            template = '<row r="%d">' + "".join(parts) + "</row>"
            cells = itertools.chain.from_iterable(zip(numbers, *args, strict=True))
            yield (template * len(rows)) % tuple(cells)

    def _template(
        self,
        ws: Any,
        ids: dict[_Key, int],
        j: int,
        numbers: list[int],
        start: int,
        stop: int,
        memo: dict[Any, str] | None,
    ) -> tuple[str, list[list[Any]]] | None:
        """A %-template of every cell of column *j* in rows *start* to *stop* (numbered *numbers*).

        With the lists of its arguments: the row number and a value, a finite number (as
        ``%.16g``, as openpyxl) or the cell's text from its coordinate's closing quote on
        (a text or yes/no column); nothing for empty cells that are not written. None
        when a cell is written otherwise (empty among values, not finite, highlighted
        rows, dates or mixed types): :meth:`_cells` writes them.
        """
        from openpyxl.utils import get_column_letter

        if not self._per_value(j):
            return None
        head = f'<c r="{get_column_letter(j + 1)}%d'
        column = self.columns[j][start:stop]
        if column.count(None) == len(column):  # empty: one cell for all (or none at all)
            tail = self._tail(ws, ids, j, None, 0)
            return (f"{head}{tail.replace('%', '%%')}", [numbers]) if tail else ("", [])
        if self.kinds[j] <= _NUMBERS:
            if None in column or not all(map(math.isfinite, column)):
                return None
            mid = self._tail(ws, ids, j, 0, 0).split("<v>")[0].replace("%", "%%")
            return f"{head}{mid}<v>%.16g</v></c>", [numbers, column]
        assert memo is not None
        tails = list(map(memo.__getitem__, column))
        return (None if "" in tails else (f"{head}%s", [numbers, tails]))

    def _tail(self, ws: Any, ids: dict[_Key, int], j: int, v: Any, fill: int) -> str:
        """The XML of a cell from its coordinate's closing quote on ('' when it is not written)."""
        key = self._key(j, v, fill)
        if v is None and not any(key):
            return ""
        kind = "s" if type(v) is str else ("b" if type(v) is bool else "n")
        value = self.texts[j][v] if kind == "s" else v
        if type(v) is _dt.date:
            from openpyxl.utils.datetime import to_excel

            value = to_excel(v, ws.parent.epoch)
        return _plain_cell_xml("", ids.get(key), kind, value)[len('<c r="') :]

    def _tails(self, ws: Any, ids: dict[_Key, int], j: int) -> dict[Any, str] | None:
        """Each distinct value's :meth:`_tail` in a column written per value (None: otherwise).

        Text in a column without wrapped cells: styled by whether it starts a formula alone.
        """
        if not self._per_value(j) or self.kinds[j] <= _NUMBERS:
            return None
        column = self.columns[j]
        if not self._plain_text(j):
            return {v: self._tail(ws, ids, j, v, 0) for v in dict.fromkeys(column)}
        plain = self._key(j, None, 0)  # a text's key but for its quote prefix
        texts = self.texts[j]
        written = _text_tails(list(texts.values()), ids.get(plain), ids.get((*plain[:7], 1, 0)))
        tails: dict[Any, str] = dict(zip(texts, written, strict=True))
        if type(None) in self.kinds[j]:
            tails[None] = self._tail(ws, ids, j, None, 0)
        return tails

    def _cells(
        self,
        ws: Any,
        ids: dict[_Key, int],
        j: int,
        rows: list[str],
        start: int,
        stop: int,
        memo: dict[Any, str] | None,
    ) -> list[str]:
        """The XML of the cells of column *j* in rows *start* to *stop* (each with its row number)."""
        from openpyxl.utils import get_column_letter

        head = f'<c r="{get_column_letter(j + 1)}'
        column = self.columns[j][start:stop]
        if not self._per_value(j):
            fills = [self.fill_id if h else 0 for h in self.highlight[start:stop]]
            tails = [self._tail(ws, ids, j, v, f) for v, f in zip(column, fills, strict=True)]
        elif self.kinds[j] <= _NUMBERS:  # a number's text is its own: %.16g as openpyxl
            mid = self._tail(ws, ids, j, 0, 0).split("<v>")[0] + "<v>"
            finite = math.isfinite
            empty = self._tail(ws, ids, j, None, 0)
            return [
                f"{head}{r}{mid}{v:.16g}</v></c>"
                if v is not None and finite(v)
                else ((t := empty if v is None else self._tail(ws, ids, j, v, 0)) and head + r + t)
                for r, v in zip(rows, column, strict=True)
            ]
        else:
            assert memo is not None
            tails = list(map(memo.__getitem__, column))
        return [f"{head}{r}{t}" if t else "" for r, t in zip(rows, tails, strict=True)]


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
    """The ``.xlsx`` bytes of *wb*, dated *generated* throughout.

    The bytes of ``_zip_dated(_save(wb), generated, deflate=True)``, written in one pass:
    each part of the archive is compressed (by a second thread) while the next is made.
    """
    archive = _DatedArchive(_dt.datetime.combine(generated, _dt.time()))
    _write_workbook(wb, archive)
    return archive.data()


class _DatedArchive:
    """The archive openpyxl's ``ExcelWriter`` writes to: every entry dated *when*, deflated.

    Each entry as :func:`_zip_dated` rewrites it (the ``modified`` property of
    ``docProps/core.xml`` set to *when*, the entry's date *when*, its attributes as
    ``zipfile`` gives them), handed to one writer thread in the order openpyxl writes
    them: compressing (zlib releases the GIL) overlaps with making the next sheet. A part
    of :data:`FAST_DEFLATE_FROM` bytes or more is deflated at zlib's level 1.
    """

    def __init__(self, when: _dt.datetime) -> None:
        import zipfile
        from concurrent.futures import ThreadPoolExecutor

        self._stamp = (
            max(when.year, 1980),
            when.month,
            when.day,
            when.hour,
            when.minute,
            when.second,
        )
        self._iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
        self._buf = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buf, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nqi-xlsx")
        self._pending: list[Any] = []
        self._names: list[str] = []

    def namelist(self) -> list[str]:
        """The names of the entries written so far, in order (``ZipFile.namelist``)."""
        return list(self._names)

    def writestr(self, name: Any, data: str | bytes) -> None:
        """``ZipFile.writestr``: *name* an entry name or a ``ZipInfo``."""
        import zipfile

        info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
        if not isinstance(name, zipfile.ZipInfo):  # as ZipFile.writestr sets them
            info.external_attr = (
                (0o40775 << 16 | 0x10) if info.filename.endswith("/") else 0o600 << 16
            )
        self._add(info, data.encode("utf-8") if isinstance(data, str) else data)

    def write(self, filename: str, arcname: str) -> None:
        """``ZipFile.write`` of a file (openpyxl's sheet, written to a temporary file)."""
        import zipfile

        with open(filename, "rb") as fh:
            self._add(zipfile.ZipInfo.from_file(filename, arcname), fh.read())

    def _add(self, info: Any, body: bytes) -> None:
        import zipfile

        if info.filename == "docProps/core.xml":
            body = _MODIFIED.sub(lambda m: m.group(1) + self._iso + m.group(2), body)
        entry = zipfile.ZipInfo(info.filename, date_time=self._stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = info.external_attr
        self._names.append(entry.filename)
        level = FAST_DEFLATE_LEVEL if len(body) >= FAST_DEFLATE_FROM else None
        self._pending.append(
            self._pool.submit(self._zip.writestr, entry, body, compresslevel=level)
        )

    def close(self) -> None:
        """Wait for every entry (raising what writing one raised), then close the archive."""
        try:
            for done in self._pending:
                done.result()
        finally:
            self._pool.shutdown(wait=True)
        self._zip.close()

    def drop(self) -> None:
        """Give up a half-written archive: the thread stops, nothing is closed or flushed."""
        for pending in self._pending:
            pending.cancel()
        self._pool.shutdown(wait=True)
        self._zip.fp = None

    def data(self) -> bytes:
        """The bytes of the closed archive."""
        return self._buf.getvalue()


def _save(wb: Any) -> bytes:
    """The ``.xlsx`` bytes of *wb*, as ``wb.save`` writes them (entries stored, not compressed)."""
    import zipfile

    buf = io.BytesIO()
    _write_workbook(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True))
    return buf.getvalue()


_TEMPORARY_FILE = (0o100000 | 0o600) << 16
"""The zip attributes of a file openpyxl wrote its sheet to (a regular file, mode 0600)."""


def _write_workbook(wb: Any, archive: Any) -> None:
    """Write *wb* into *archive* (a ``ZipFile`` or :class:`_DatedArchive`) and close it.

    As ``wb.save``, its cells written faster: openpyxl serialises each cell as an XML
    element (~20 µs a cell: 17 s for a report of 10,000 sources); :func:`_sheet_writer`
    writes the same bytes as text. Every step of ``openpyxl.writer.excel.save_workbook``
    is kept.
    """
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    wb.properties.modified = _dt.datetime.now(tz=_dt.UTC).replace(tzinfo=None)  # as openpyxl
    writer = ExcelWriter(wb, archive)
    sheet_writer = _sheet_writer()

    def write_worksheet(ws: Any) -> None:  # ExcelWriter.write_worksheet, our sheet writer
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        sheet = sheet_writer(ws, io.BytesIO())  # in memory, not a temporary file
        sheet.write()
        ws._rels = sheet._rels
        entry = zipfile.ZipInfo(ws.path[1:])
        entry.external_attr = _TEMPORARY_FILE  # as archive.write of openpyxl's temporary file
        archive.writestr(entry, sheet.read())
        writer.manifest.append(ws)

    writer.write_worksheet = write_worksheet
    try:
        writer.save()
    except BaseException:
        if isinstance(archive, _DatedArchive):
            archive.drop()
        else:
            archive.fp = None  # the half-written archive is dropped: nothing to close or flush
        raise


def _xml_text(text: str) -> str:
    """Character data escaped as openpyxl's serialiser escapes it (``&``, ``<``, ``>``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_tails(texts: list[str], style: int | None, quoted: int | None) -> list[str]:
    """Each text's cell as :func:`_plain_cell_xml` writes it, from its coordinate's closing quote on.

    *style* is the plain texts' style, *quoted* that of a text that would start a formula.
    The texts are searched for ``&``, ``<`` and ``>`` together (most hold none).
    """
    heads = [
        '"' + (f' s="{s}"' if s is not None else "") + ' t="inlineStr"' for s in (style, quoted)
    ]
    joined = "\x00".join(texts)
    escaped = [_xml_text(t) for t in texts] if any(c in joined for c in "&<>") else texts
    out = []
    for t, x in zip(texts, escaped, strict=True):
        head = heads[t.startswith(FORMULA_START)]
        if t == "":
            out.append(head + " />")
            continue
        stripped = t.strip()
        space = ' xml:space="preserve"' if stripped and t != stripped else ""
        out.append(f"{head}><is><t{space}>{x}</t></is></c>")
    return out


def _plain_cell_xml(coordinate: str, style: int | None, kind: str, value: Any) -> str:
    """A cell of text (*kind* ``s``), a number (``n``) or a boolean (``b``) as openpyxl writes it.

    The attributes in openpyxl's order (``r``, ``s`` when styled, ``t``), text inline with
    ``xml:space="preserve"`` when it has outer whitespace, numbers as ``%.16g``.
    """
    head = f'<c r="{coordinate}"' + (f' s="{style}"' if style is not None else "")
    head += ' t="inlineStr"' if kind == "s" else f' t="{kind}"'
    if value is None or value == "":
        return head + " />"
    if not isinstance(value, str):
        number = _number_text(value)
        return head + (f"><v>{number}</v></c>" if number else "><v /></c>")
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and value != stripped else ""
    return f"{head}><is><t{space}>{_xml_text(value)}</t></is></c>"


def _number_text(value: Any) -> str:
    """A number as openpyxl's ``safe_string`` writes it: ``%.16g``, empty for NaN and infinities."""
    if isinstance(value, int | float):
        return "" if math.isnan(value) or math.isinf(value) else "%.16g" % value  # noqa: UP031
    from openpyxl.compat import safe_string  # pragma: no cover - no other number is written

    return str(safe_string(value))  # pragma: no cover


def _sheet_writer() -> Any:
    """The ``WorksheetWriter`` of openpyxl, writing each row of plain cells as one string.

    A cell of text, a number, a boolean or an empty styled cell is written as openpyxl's
    ``etree_write_cell`` writes it (:func:`_plain_cell_xml`); any other cell (a date, a
    formula, rich text, a comment, a link) and any row with its own dimensions go
    through openpyxl itself. The rows of :func:`append_block` follow the sheet's cells.
    """
    from openpyxl.cell._writer import write_cell
    from openpyxl.worksheet._writer import WorksheetWriter

    def cell_xml(cell: Any) -> str | None:
        kind, value = cell.data_type, cell._value
        if kind not in ("s", "n", "b") or not isinstance(value, str | int | float | None):
            return None
        if isinstance(value, str) != (kind == "s") and value is not None:  # pragma: no cover
            return None
        return _plain_cell_xml(
            cell.coordinate, cell.style_id if cell.has_style else None, kind, value
        )

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

        def write_rows(self) -> None:
            block: _Block | None = getattr(self.ws, "_nqi_block", None)
            if block is None:
                super().write_rows()
                return
            xf = self.xf.send(True)
            with xf.element("sheetData"):
                for row_idx, row in self.rows():
                    self.write_row(xf, row, row_idx)
                raw = xf._file
                for text in block.xml(self.ws):
                    raw(text)
            self.xf.send(None)

        def write_dimensions(self) -> None:
            block: _Block | None = getattr(self.ws, "_nqi_block", None)
            if block is None:
                super().write_dimensions()
                return
            from openpyxl.utils import get_column_letter
            from openpyxl.worksheet.dimensions import SheetDimension

            rows = {r for r, _ in self.ws._cells} | {
                block.first_row + len(block.columns[0]) - 1,
                block.first_row,
            }
            cols = {c for _, c in self.ws._cells} | {1, len(block.columns)}
            ref = f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
            self.xf.send(SheetDimension(ref).to_tree())

    return SheetWriter


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
