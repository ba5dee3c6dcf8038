"""A table (DataFrame) as Markdown, or as the view a page template shows, in the page's language."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._escape import html_text, md_row, md_text
from .format import _LINKED_COLUMNS, _cell, _float_text, _is_number, _linked
from .labels import _TABLE_COLUMN_LABELS, _TRANSLATED_COLUMNS, COLUMN_LABELS, _tr, _value_pair

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from .labels import Language, Pair


@dataclass(frozen=True)
class _View:
    """A report table as shown: columns, readable headers, cells, numeric columns.

    A cell is its text, or an (English, Chinese) pair for a fixed value word shown in the
    report's language. ``row_class`` marks rows to highlight in HTML (``"due"``).
    """

    columns: list[str]
    headers: list[Pair]
    rows: list[list[str | Pair]]
    numeric: list[bool]
    row_class: list[str]

    @property
    def linked(self) -> list[bool]:
        """Columns whose URLs are links in HTML."""
        return [c in _LINKED_COLUMNS for c in self.columns]


def _view(name: str, df: pd.DataFrame, lang: Language) -> _View:
    cols = [str(c) for c in df.columns]
    drop: set[str] = set()
    relabel: dict[str, Pair] = {}
    for en_col, zh_col in (("name", "name_zh"), ("title", "title_zh"), ("detail", "detail_zh")):
        if en_col in cols and zh_col in cols:
            if lang == "en":
                drop.add(zh_col)
            elif lang == "zh":
                drop.add(en_col)
                en_pair = _TABLE_COLUMN_LABELS.get((name, en_col)) or COLUMN_LABELS[en_col]
                relabel[zh_col] = en_pair
    shown = [c for c in cols if c not in drop]
    headers = [
        relabel.get(c) or _TABLE_COLUMN_LABELS.get((name, c)) or COLUMN_LABELS.get(c) or (c, c)
        for c in shown
    ]
    numeric: list[bool] = []
    columns: list[list[str | Pair]] = []
    row_class = [""] * len(df)
    for c in shown:
        values = df.iloc[:, cols.index(c)]
        cells, is_numeric = _column_cells(values, c)
        numeric.append(is_numeric)
        if c in _TRANSLATED_COLUMNS:  # a fixed word (a string value) in the page language
            raw = values.tolist()
            if c == "calibration_status":
                due = "due within the period"
                row_class = [
                    "due" if isinstance(v, str) and t == due else k
                    for v, t, k in zip(raw, cells, row_class, strict=True)
                ]
            cells = [
                _value_pair(t) if isinstance(v, str) and isinstance(t, str) else t
                for v, t in zip(raw, cells, strict=True)
            ]
        columns.append(cells)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in row_class]
    return _View(shown, headers, rows, numeric, row_class)


_MISSING = "—"


def _column_cells(series: pd.Series, column: str) -> tuple[list[str | Pair], bool]:
    """The cells of one column as text (:func:`~.format._cell`) and whether it is numeric.

    Column by column: the missing values are found in one vectorised pass, and a value
    that repeats (a unit, a facility, a citation) is written once.
    """
    values = series.tolist()  # Python scalars, as iterating the rows gives them
    missing = series.isna().tolist()
    if series.dtype == "float64":  # one rule for the whole column, every value distinct
        write = _float_text(column)
        return [_MISSING if m else write(v) for v, m in zip(values, missing, strict=True)], not all(missing)
    present = [v for v, m in zip(values, missing, strict=True) if not m]
    is_numeric = bool(present) and all(_is_number(v) for v in present)
    memo: dict[tuple[type, Any], str] = {}
    cells: list[str | Pair] = []
    for v, m in zip(values, missing, strict=True):
        if m:
            cells.append(_MISSING)
            continue
        if isinstance(v, float) and v == 0.0:  # 0.0 and -0.0 are one key but two texts
            cells.append(_cell(v, column))
            continue
        try:
            text = memo.get((type(v), v))
            if text is None:
                text = memo[(type(v), v)] = _cell(v, column)
        except TypeError:  # an unhashable value (a list in an object column)
            text = _cell(v, column)
        cells.append(text)
    return cells, is_numeric


def _df_markdown(name: str, df: pd.DataFrame, lang: Language = "en", view: _View | None = None) -> str:
    """The table as Markdown (*view*: its :func:`_view`, when already made)."""
    if df.empty:
        return "_none / 无_" if lang == "en+zh" else ("_无_" if lang == "zh" else "_none_")
    v = view or _view(name, df, lang)
    lines = [
        md_row(_tr(h, lang) for h in v.headers),
        "|" + "|".join("---:" if n else "---" for n in v.numeric) + "|",
    ]
    escaped: dict[str, str] = {}  # a value that repeats is escaped once
    lines += [md_row((c if isinstance(c, str) else _tr(c, lang) for c in r), escaped) for r in v.rows]
    return "\n".join(lines)


def _html_view(name: str, df: pd.DataFrame, lang: Language = "en") -> _View | None:
    """The view of a table for the ``frame`` macro of the page templates (None if empty)."""
    return None if df.empty else _view(name, df, lang)


def text_tables_markdown(tables: Iterable[Any], none: str) -> list[str]:
    """Markdown lines of tables whose cells are already text in the page language.

    Each table has ``title``, ``headers``, ``numeric`` and ``rows`` (the tables of the
    ``text_tables`` template macro): a ``##`` heading, then the rows (numeric columns
    right-aligned), or *none* in italics when it has no rows. Every value is escaped.
    """
    lines: list[str] = []
    for t in tables:
        lines += ["", f"## {md_text(t.title)}", ""]
        if not t.rows:
            lines.append(f"*{md_text(none)}*")
            continue
        lines += [
            md_row(t.headers),
            "|" + "|".join("---:" if n else "---" for n in t.numeric) + "|",
        ]
        lines += [md_row(row) for row in t.rows]
    return lines


def _html_table(v: _View | None, lang: Language) -> str:
    """The HTML of a table view (the ``frame`` macro of the page templates), escaped.

    Numeric columns right-aligned, fixed words in the page language (both, the Chinese in
    grey, for ``en+zh``), URLs of linked columns as links, ``due`` rows marked. Written
    here rather than in the template: a table of 23,000 rows is half a million cells, and
    a value that repeats (a unit, a citation) is escaped once.
    """
    if v is None:
        return f"<p><i>{html_text(_tr(('none', '无'), lang))}</i></p>"
    text = functools.cache(html_text)  # a value that repeats is escaped once
    linked = functools.cache(_linked)

    def pair(p: Pair) -> str:
        en, zh = (x if isinstance(x, str) else str(x) for x in p)
        if lang == "en+zh" and en != zh:
            return f'{text(en)} <span class="zh" lang="zh-Hans">{text(zh)}</span>'
        return text(zh if lang == "zh" else en)

    num = " class='num'"
    parts = ["<table class='wide'>" if len(v.headers) > 10 else "<table>", "<thead><tr>"]
    parts += [f"<th{num if n else ''}>{pair(h)}</th>" for h, n in zip(v.headers, v.numeric, strict=True)]
    parts.append("</tr></thead><tbody>")
    columns = []  # each column's cells as "<td>...</td>", a repeated value's written once
    for i, (n, link) in enumerate(zip(v.numeric, v.linked, strict=True)):
        td = f"<td{num if n else ''}>"
        written: dict[str | Pair, str] = {}
        column = []
        for row in v.rows:
            c = row[i]
            cell = written.get(c)
            if cell is None:
                inner = (linked(c) if link else text(c)) if isinstance(c, str) else pair(c)
                cell = written[c] = f"{td}{inner}</td>"
            column.append(cell)
        columns.append(column)
    for cells, klass in zip(zip(*columns, strict=True), v.row_class, strict=True):
        parts.append(f"<tr class='{text(klass)}'>" if klass else "<tr>")
        parts += cells
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
