"""The tables of the China ETS reports: one model, written as Markdown, HTML and Excel.

A :class:`Table` has a key (its sheet and anchor), a title and column labels in English and
Chinese, typed columns and rows of values. Cells are written by one function per format:
Markdown cells through :func:`~nqi_carbon._escape.md_row`, HTML through the page template
(every value escaped by the environment), Excel through
:func:`~nqi_carbon._escape.excel_append` with numbers kept as numbers.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._escape import md_row, md_text
from ..pages.format import _exact, _fmt_t
from ..pages.labels import _tr

if TYPE_CHECKING:
    from ..pages.labels import Language, Pair

__all__ = ["Column", "Table", "cell_text", "markdown", "view"]


@dataclass(frozen=True)
class Column:
    """A column: machine key, (English, Chinese) label and kind.

    Kinds: ``text``; ``t`` (tonnes, 3 decimals); ``exact`` (a stated value, every digit);
    ``d4`` / ``d2`` (4 / 2 decimals); ``pct`` (a fraction shown in per cent, 2 decimals);
    ``pair`` (an (English, Chinese) word shown in the report's language).
    """

    key: str
    label: Pair
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """A report table."""

    key: str
    title: Pair
    columns: tuple[Column, ...]
    rows: list[list[Any]] = field(default_factory=list)
    note: Pair | None = None

    @property
    def numeric(self) -> list[bool]:
        """Which columns hold numbers (right-aligned)."""
        return [c.kind in ("t", "exact", "d4", "d2", "pct") for c in self.columns]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def cell_text(v: Any, kind: str, lang: Language) -> str:
    """The text of one cell in *lang* ("—" for an empty one)."""
    if _missing(v):
        return "—"
    if isinstance(v, tuple):
        return _tr(v, lang)
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if kind == "t":
        return _fmt_t(float(v))
    if kind == "d4":
        return f"{v:,.4f}"
    if kind == "d2":
        return f"{v:,.2f}"
    if kind == "pct":
        return f"{100 * v:.2f} %"
    if kind == "exact":
        return _exact(float(v)) if isinstance(v, float) else f"{v:,}"
    return str(v)


def markdown(t: Table, lang: Language) -> str:
    """The table as a Markdown section: title, table (or "none"), note."""
    head = f"### {md_text(_tr(t.title, lang))}\n\n"
    note = f"\n\n_{md_text(_tr(t.note, lang))}_" if t.note else ""
    if not t.rows:
        return (
            head
            + ("_无 / none_" if lang == "en+zh" else ("_无_" if lang == "zh" else "_none_"))
            + note
        )
    lines = [
        md_row(_tr(c.label, lang) for c in t.columns),
        "|" + "|".join("---:" if n else "---" for n in t.numeric) + "|",
    ]
    lines += [
        md_row(cell_text(v, c.kind, lang) for v, c in zip(r, t.columns, strict=True))
        for r in t.rows
    ]
    return head + "\n".join(lines) + note


@dataclass(frozen=True)
class _HtmlTable:
    key: str
    title: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    note: str | None


def view(t: Table, lang: Language) -> _HtmlTable:
    """What the page template shows of a table: texts in *lang* (escaped by the template)."""
    return _HtmlTable(
        t.key,
        _tr(t.title, lang),
        [_tr(c.label, lang) for c in t.columns],
        t.numeric,
        [[cell_text(v, c.kind, lang) for v, c in zip(r, t.columns, strict=True)] for r in t.rows],
        None if t.note is None else _tr(t.note, lang),
    )


def excel_sheet(wb: Any, t: Table, lang: Language) -> None:
    """A sheet of one table: labels, machine keys, then the rows with numbers as numbers."""
    from openpyxl.styles import Alignment, Font

    from .._escape import excel_append
    from ..pages.workbook import _excel_widths

    ws = wb.create_sheet(t.key[:31])
    excel_append(ws, [_tr(c.label, lang) for c in t.columns])
    excel_append(ws, [c.key for c in t.columns])
    for c in ws[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for c in ws[2]:
        c.font = Font(italic=True, color="808080", size=9)
    for r in t.rows:
        excel_append(ws, [_excel_value(v, c.kind, lang) for v, c in zip(r, t.columns, strict=True)])
    formats = {"t": "#,##0.000###", "d4": "0.0000", "d2": "#,##0.00", "pct": "0.00%"}
    for col, c in enumerate(t.columns, start=1):
        if c.kind in formats:
            for row in range(3, ws.max_row + 1):
                ws.cell(row=row, column=col).number_format = formats[c.kind]
    ws.freeze_panes = "A3"
    _excel_widths(ws)


def _excel_value(v: Any, kind: str, lang: Language) -> Any:
    if _missing(v):
        return None
    if isinstance(v, tuple):
        return _tr(v, lang)
    if isinstance(v, bool | int | float | str | _dt.date):
        return v  # a date is a date cell (yyyy-mm-dd), see excel_append
    return str(v)
