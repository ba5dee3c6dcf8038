"""A table (DataFrame) as Markdown, or as the view a page template shows, in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._escape import md_row, md_text
from .format import _LINKED_COLUMNS, _cell, _is_missing, _is_number
from .labels import _TABLE_COLUMN_LABELS, _TRANSLATED_COLUMNS, COLUMN_LABELS, _tr, _value_pair

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

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
    index = [cols.index(c) for c in shown]
    numeric = []
    for i in index:
        values = [v for v in df.iloc[:, i] if not _is_missing(v)]
        numeric.append(bool(values) and all(_is_number(v) for v in values))
    rows: list[list[str | Pair]] = []
    row_class = []
    for row in df.itertuples(index=False):
        cells: list[str | Pair] = []
        klass = ""
        for i, c in zip(index, shown, strict=True):
            text = _cell(row[i], c)
            if c in _TRANSLATED_COLUMNS and isinstance(row[i], str):
                cells.append(_value_pair(text))
                if c == "calibration_status" and text == "due within the period":
                    klass = "due"
            else:
                cells.append(text)
        rows.append(cells)
        row_class.append(klass)
    return _View(shown, headers, rows, numeric, row_class)


def _df_markdown(name: str, df: pd.DataFrame, lang: Language = "en") -> str:
    if df.empty:
        return "_none / 无_" if lang == "en+zh" else ("_无_" if lang == "zh" else "_none_")
    v = _view(name, df, lang)
    lines = [
        md_row(_tr(h, lang) for h in v.headers),
        "|" + "|".join("---:" if n else "---" for n in v.numeric) + "|",
    ]
    lines += [md_row(c if isinstance(c, str) else _tr(c, lang) for c in r) for r in v.rows]
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
