"""A table (DataFrame) as Markdown, or as the view a page template shows, in the page's language."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._escape import html_text, html_texts, md_cells, md_row, md_text
from .format import _LINKED_COLUMNS, _cell, _is_number, _linked, float_texts
from .labels import _TABLE_COLUMN_LABELS, _TRANSLATED_COLUMNS, COLUMN_LABELS, _tr, _value_pair

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from .labels import Language, Pair


@dataclass(frozen=True)
class _View:
    """A report table as shown: columns, readable headers, cells, numeric columns.

    A cell is its text, or an (English, Chinese) pair for a fixed value word shown in the
    report's language. The cells are held a column at a time (``cells[j]``: column *j*);
    ``rows`` gives them row by row. ``row_class`` marks rows to highlight in HTML (``"due"``).
    """

    columns: list[str]
    headers: list[Pair]
    cells: list[list[str | Pair]]
    numeric: list[bool]
    row_class: list[str]

    @property
    def rows(self) -> list[list[str | Pair]]:
        """The cells row by row."""
        return (
            [list(r) for r in zip(*self.cells, strict=True)]
            if self.cells
            else [[] for _ in self.row_class]
        )

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
    return _View(shown, headers, columns, numeric, row_class)


_MISSING = "—"


def _column_cells(series: pd.Series, column: str) -> tuple[list[str | Pair], bool]:
    """The cells of one column as text (:func:`~.format._cell`) and whether it is numeric.

    Column by column: the missing values are found in one vectorised pass, a column of
    floats or of text is written without a call per cell (:func:`~.format.float_texts`),
    and any other value that repeats (a unit, a facility, a citation) is written once.
    """
    import pandas as pd

    values = series.tolist()  # Python scalars, as iterating the rows gives them
    missing = series.isna().to_numpy()
    if series.dtype == "float64":  # one rule for the whole column
        texts = float_texts(series.to_numpy(), column)
        return _with_missing(texts, missing), not missing.all()
    if isinstance(series.dtype, pd.StringDtype):  # text: each cell is its own value
        return _with_missing(values, missing), False
    present = (
        [v for v, m in zip(values, missing, strict=True) if not m] if missing.any() else values
    )
    kinds = set(map(type, present))
    if kinds == {str}:  # text in an object column
        return _with_missing(values, missing), False
    is_numeric = bool(present) and (kinds <= {int, float} or all(_is_number(v) for v in present))
    if len(kinds) == 1 and kinds <= {int, bool}:  # whole numbers or yes/no: each distinct one once
        written = {v: _cell(v, column) for v in dict.fromkeys(present)}
        return _with_missing([written.get(v, v) for v in values], missing), is_numeric
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


def _with_missing(cells: list[Any], missing: Any) -> list[str | Pair]:
    """*cells* with each missing one (a true in the array *missing*) the dash."""
    if missing.any():
        for i in missing.nonzero()[0].tolist():
            cells[i] = _MISSING
    return cells


def _df_markdown(
    name: str, df: pd.DataFrame, lang: Language = "en", view: _View | None = None
) -> str:
    """The table as Markdown (*view*: its :func:`_view`, when already made)."""
    if df.empty:
        return "_none / 无_" if lang == "en+zh" else ("_无_" if lang == "zh" else "_none_")
    v = view or _view(name, df, lang)
    lines = [
        md_row(_tr(h, lang) for h in v.headers),
        "|" + "|".join("---:" if n else "---" for n in v.numeric) + "|",
    ]
    columns = []  # each column's cells through md_cell, a value that repeats escaped once
    for cells in v.cells:
        distinct = list(dict.fromkeys(cells))
        texts = [c if isinstance(c, str) else _tr(c, lang) for c in distinct]
        escaped = dict(zip(distinct, md_cells(texts), strict=True))
        columns.append([escaped[c] for c in cells])
    lines += ["| " + " | ".join(r) + " |" for r in _row_tuples(columns, len(v.row_class))]
    return "\n".join(lines)


def _row_tuples(columns: list[list[str]], n: int) -> Iterable[tuple[str, ...]]:
    """The rows of *columns* (a table of *n* rows) as tuples."""
    return zip(*columns, strict=True) if columns else [()] * n


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
    parts += [
        f"<th{num if n else ''}>{pair(h)}</th>" for h, n in zip(v.headers, v.numeric, strict=True)
    ]
    parts.append("</tr></thead><tbody>")
    columns = []  # each column's cells as "<td>...</td>", a repeated value's written once
    for cells, n, link in zip(v.cells, v.numeric, v.linked, strict=True):
        td = f"<td{num if n else ''}>"
        distinct = list(dict.fromkeys(cells))
        plain = [c for c in distinct if isinstance(c, str)]
        inner = dict(
            zip(plain, [linked(c) for c in plain] if link else html_texts(plain), strict=True)
        )
        written = {c: f"{td}{inner[c] if isinstance(c, str) else pair(c)}</td>" for c in distinct}
        columns.append([written[c] for c in cells])
    rows = map("".join, _row_tuples(columns, len(v.row_class)))
    if not any(v.row_class):
        parts += ["<tr>", "</tr><tr>".join(rows), "</tr>"] if v.row_class else []
    else:
        for row, klass in zip(rows, v.row_class, strict=True):
            parts += [f"<tr class='{text(klass)}'>" if klass else "<tr>", row, "</tr>"]
    parts.append("</tbody></table>")
    return "".join(parts)
