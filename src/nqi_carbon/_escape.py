r"""One escaping function per output format, applied where a value enters that format.

Text in nqi-carbon's outputs comes from files, tables, claims, packs and DataFrames that a
service may take from its users, so every writer treats it as hostile. Each format has
one rule, used by every writer of that format:

- **Control characters** (C0 and C1 controls, DEL, lone surrogates, U+FFFE/U+FFFF, the
  bidirectional embedding, override and isolate controls, and the separators U+2028 and
  U+2029) are shown as ``\uXXXX`` (:func:`visible`); each format keeps the whitespace it
  can hold (tab, line feed, carriage return).
- **Terminal** (:func:`term_text` for a stream, :func:`term_line` for a one-line value):
  no escape sequence, carriage return or backspace reaches the terminal.
- **Markdown** (:func:`md_text`, :func:`md_cell`): a value renders as its own text: line
  breaks become spaces, and every character that could start a link, image, HTML tag,
  emphasis, code span or (in a table cell) a new column is escaped. ``<https://...>``
  autolinks stay links (their text is their address).
- **HTML** (:func:`html_text`): ``html.escape`` (quotes included, for attributes) and
  visible controls.
- **Excel** (:func:`excel_append`): strings are string cells, never formulas or error
  values; a string that would start a formula (``= + - @``, tab, CR) also gets Excel's
  quote prefix, so it stays text when the cell is edited.
- **CSV** (:func:`csv_frame`): the OWASP rule: a text cell that would start a formula is
  prefixed with ``'``; numbers stay numbers.
- **JSON** (:func:`json_text`): characters that JSON allows raw but that are unsafe (or
  cannot be encoded, lone surrogates) are written as ``\uXXXX`` escapes: the values are
  unchanged when the JSON is read.

This module imports nothing from nqi-carbon (it sits beside ``errors``).
"""

from __future__ import annotations

import functools
import html
import math
import operator
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXCEL_DATE",
    "EXCEL_DATETIME",
    "FORMULA_START",
    "csv_frame",
    "csv_text",
    "excel_append",
    "excel_text",
    "excel_texts",
    "html_text",
    "json_document",
    "json_text",
    "md_cell",
    "md_row",
    "md_strong",
    "md_text",
    "table_text",
    "term_line",
    "term_text",
    "visible",
    "write_json",
]

_SPECIAL = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
"""Control characters, lone surrogates, non-characters, bidi controls and line separators."""

_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
"""ASCII that is never shown as an escape: what :func:`visible` need not look at."""

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Characters that end a line for ``str.splitlines`` (and for some viewers)."""
_TO_SPACE = str.maketrans(dict.fromkeys(_LINE_BREAKS, " "))


def _hex(ch: str) -> str:
    return f"\\u{ord(ch):04x}"


def visible(text: str, keep: str = "") -> str:
    r"""*text* with every control character (except those in *keep*) written as ``\uXXXX``.

    The characters shown so: C0 controls, DEL, C1 controls, lone surrogates, U+FFFE and
    U+FFFF, the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
    U+2066-U+2069) and the separators U+2028 and U+2029.
    """
    if text.isascii():  # the common case, told without a regex: no control left but kept ones
        controls = text.encode("ascii").translate(None, _PRINTABLE_ASCII)
        if not controls.translate(None, keep.encode("latin-1", "replace")):
            return text
    special = _special_except(keep) if keep else _SPECIAL
    if not special.search(text):
        return text
    return special.sub(lambda m: _hex(m.group(0)), text)


@functools.lru_cache(maxsize=16)
def _special_except(keep: str) -> re.Pattern[str]:
    """:data:`_SPECIAL` without the characters of *keep*: a kept line feed is never a match.

    (A text of a million lines, such as a JSON document for a terminal, is then one
    search, not a million replacements of a line feed by itself.)
    """
    ranges = ((0x00, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), (0xFFFE, 0xFFFF), (0x202A, 0x202E),
              (0x2066, 0x2069), (0x2028, 0x2029))  # fmt: skip
    kept = {ord(ch) for ch in keep}
    chars = "".join(
        re.escape(chr(c)) if c < 0xD800 or c > 0xDFFF else chr(c)
        for lo, hi in ranges
        for c in range(lo, hi + 1)
        if c not in kept
    )
    return re.compile(f"[{chars}]")


# -- terminal ---------------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")


def table_text(value: Any) -> Any:
    r"""A DataFrame cell: a string's lone surrogates written as ``\uXXXX``; others as given.

    pandas stores strings in Arrow when pyarrow is installed, and Arrow refuses text that
    is not valid Unicode (a lone surrogate, which a JSON ``"\ud800"`` escape can make);
    the writers would show it as ``\ud800`` anyway.
    """
    if isinstance(value, str) and _SURROGATE.search(value):
        return _SURROGATE.sub(lambda m: _hex(m.group(0)), value)
    return value


def _has_surrogate(values: Iterable[Any]) -> bool:
    """Whether a string among *values* holds a lone surrogate (one search over all of them)."""
    return _SURROGATE.search("".join([v for v in values if isinstance(v, str)])) is not None


def table_texts(values: list[Any]) -> list[Any]:
    """:func:`table_text` of each of *values* (the list itself when no string needs it)."""
    return [table_text(v) for v in values] if _has_surrogate(values) else values


def table_frame(rows: list[Any], columns: list[str] | None = None) -> pd.DataFrame:
    """A DataFrame of *rows* (mappings or sequences), every cell :func:`table_text` of its value.

    Built from the rows as they are when no text holds a lone surrogate: Arrow refuses
    such text (``UnicodeEncodeError``), and a column pandas keeps as objects is searched
    in one pass; otherwise each cell goes through :func:`table_text` first.
    """
    import pandas as pd

    try:
        df = pd.DataFrame(rows, columns=columns)
    except UnicodeEncodeError:
        df = None
    if df is not None and not any(
        _has_surrogate(df[c].tolist()) for c, dtype in df.dtypes.items() if str(dtype) == "object"
    ):
        return df
    cells = [
        {k: table_text(v) for k, v in r.items()} if isinstance(r, dict) else [table_text(v) for v in r]
        for r in rows
    ]
    return pd.DataFrame(cells, columns=columns)


def term_text(text: str) -> str:
    """Text for a terminal stream: line feeds and tabs kept, every other control visible."""
    return visible(text, keep="\n\t")


def term_line(text: str) -> str:
    """A value printed on one line of a terminal: every control visible, line breaks too."""
    return visible(text)


# -- Markdown ---------------------------------------------------------------------------------

_MD_AUTOLINK = re.compile(r"<(https?://[^\s<>&\"'|\\]+)>", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)|[`*\[\]~<>]|&(?=#?[0-9A-Za-z]+;)|_")
"""What could start Markdown syntax in a value: a backslash before ASCII punctuation (or at
the end, before the report's own text), backticks, ``*``, brackets, ``~``, ``<``, ``>``,
an ``&`` that starts an entity, and underscores (kept inside a word)."""
_MD_BLOCK_START = re.compile(r"[#>+\-=*_|~`]|\d+[.)]")
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;"}


def _md_escape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        ch = m.group(0)
        if ch in _MD_ENTITIES:
            return _MD_ENTITIES[ch]
        if ch == "_":
            # an underscore inside a word never starts or ends emphasis: kept as it is
            at = m.start()
            inner = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
            return ch if inner else "\\_"
        return "\\" + ch

    return _MD_SPECIAL.sub(sub, text)


def md_text(text: str, *, block_start: bool = False) -> str:
    r"""A value in Markdown text (a heading, a list item, a paragraph): it renders as itself.

    Line breaks become spaces; other controls are shown as ``\uXXXX``; backticks, ``*``,
    ``_`` (except inside a word), ``~``, ``[``, ``]`` and a backslash before punctuation
    (or at the end) are backslash-escaped, ``<`` and ``>`` become ``&lt;`` and ``&gt;``, and an ``&`` that
    would start an entity is escaped: no link, image, HTML, emphasis or code span can
    start in a value. ``<http(s)://...>`` autolinks stay links. With *block_start* (the
    value opens a line or a list item) leading spaces are dropped and a leading ``#``,
    ``>``, ``-``, ``+``, ``=``, ``|`` or ``1.`` is escaped, so it cannot open a heading,
    quote, list or table.
    """
    text = visible(text.translate(_TO_SPACE), keep="\t")
    out, at = [], 0
    for m in _MD_AUTOLINK.finditer(text):
        out.append(_md_escape(text[at : m.start()]))
        out.append(m.group(0))
        at = m.end()
    out.append(_md_escape(text[at:]))
    escaped = "".join(out)
    if block_start:
        escaped = escaped.lstrip(" \t")
        start = _MD_BLOCK_START.match(escaped)
        if start is not None:
            end = start.end()
            escaped = escaped[: end - 1] + "\\" + escaped[end - 1 :]
    return escaped


def md_strong(text: str) -> str:
    r"""A value as a bold Markdown paragraph (``**value**``), escaped like :func:`md_text`.

    Emphasis cannot open or close beside whitespace (CommonMark's flanking rule), so the
    value is stripped first: a value of spaces (or one that starts with them) must not leave
    a stray ``**`` that bolds what follows. An empty value gives an empty string.
    """
    inner = md_text(text.strip())
    return f"**{inner}**" if inner else ""


def md_cell(text: str) -> str:
    r"""A value in a Markdown (GFM) table cell: one line, Markdown escaped, ``|`` escaped.

    Runs of whitespace (line breaks included) become one space; see :func:`md_text`.
    A backslash before punctuation is escaped too, so the ``\|`` of a value can never
    become ``\\|`` (an escaped backslash and a live column separator).
    """
    if _MD_PLAIN.fullmatch(text):  # a number, a unit, a word: nothing to escape
        return text
    return md_text(" ".join(text.split())).replace("|", "\\|")


_MD_PLAIN = re.compile(r"(?:(?:[^\W_]|[.,%±+\-/:()])+ )*(?:[^\W_]|[.,%±+\-/:()])+")
"""Text that :func:`md_cell` leaves as it is: letters, digits and ``.,%±+-/:()`` in words
separated by single spaces (no control, line break, Markdown character or ``|``)."""


_MD_OTHER = re.compile(r"[^\w.,%±+\-/:() \n]")
"""A character no value that :data:`_MD_PLAIN` matches has (line feeds: between values)."""


def md_cells(values: list[str]) -> list[str]:
    """:func:`md_cell` of each of *values*, checked together.

    When every value is plain text that :func:`md_cell` leaves as it is (numbers, units,
    words separated by single spaces), a few searches over all of them find it;
    otherwise each value is escaped.
    """
    text = "\n".join(values)
    plain = (
        bool(values)
        and text.count("\n") == len(values) - 1  # no value holds a line feed
        and not _MD_OTHER.search(text)
        and not any(s in text for s in ("_", "  ", " \n", "\n ", "\n\n"))
        and not text.startswith((" ", "\n"))
        and not text.endswith((" ", "\n"))
        and text != ""
    )
    return list(values) if plain else [md_cell(v) for v in values]


def md_row(cells: Iterable[str], escaped: dict[str, str] | None = None) -> str:
    """One Markdown table row of values, each through :func:`md_cell`.

    *escaped*, when given, remembers each value's cell across the rows of a table, so a
    value that repeats is escaped once.
    """
    if escaped is None:
        return "| " + " | ".join(md_cell(c) for c in cells) + " |"
    out = []
    for c in cells:
        cell = escaped.get(c)
        if cell is None:
            cell = escaped[c] = md_cell(c)
        out.append(cell)
    return "| " + " | ".join(out) + " |"


# -- HTML -------------------------------------------------------------------------------------


def html_text(text: str) -> str:
    """A value in HTML text or a quoted attribute: markup escaped, controls visible.

    A carriage return (alone or before a line feed) becomes a line feed, as an HTML
    parser reads it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return visible(html.escape(text, quote=True), keep="\t\n")


_HTML_CHANGED = re.compile(
    "[&<>\"'\r\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
"""What :func:`html_text` changes: markup characters, carriage returns and the controls
:func:`visible` shows (tab and line feed kept)."""


def html_texts(values: list[str]) -> list[str]:
    """:func:`html_text` of each of *values*, checked together.

    Values without a character that :func:`html_text` changes (numbers, units, words)
    are returned as they are, found by one search over all of them.
    """
    if not _HTML_CHANGED.search("\n".join(values)):
        return list(values)
    return [html_text(v) for v in values]


# -- spreadsheets -----------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


EXCEL_DATE = "yyyy-mm-dd"
"""The number format of a date cell: ISO 8601, the same in every locale."""

EXCEL_DATETIME = "yyyy-mm-dd hh:mm:ss"
"""The number format of a date-and-time cell."""


def excel_text(text: str) -> str:
    """A string Excel can hold: the characters XML 1.0 refuses (and other controls) visible."""
    return visible(text, keep="\t\n\r")


def excel_texts(values: list[str]) -> list[str]:
    """:func:`excel_text` of each of *values*, checked together.

    Values without a character to show (most) are returned as they are, found by one
    search over all of them (joined by a tab, which is kept).
    """
    if not _special_except("\t\n\r").search("\t".join(values)):
        return list(values)
    return [excel_text(v) for v in values]


def excel_append(ws: Any, values: Iterable[Any]) -> None:
    """Append one row to an openpyxl worksheet, strings as text whatever they start with.

    openpyxl stores a string starting with ``=`` as a formula and ``#N/A`` as an error
    value; here every string is a string cell (``data_type = "s"``), and one that would
    start a formula also gets the quote prefix (Excel keeps it text when edited). A
    :class:`datetime.date` (or ``datetime``) is a date cell shown as :data:`EXCEL_DATE`
    (:data:`EXCEL_DATETIME`), never its text.
    """
    import datetime as _dt

    from openpyxl.cell import Cell

    row: list[Any] = []
    for v in values:
        if isinstance(v, _dt.date):
            cell = Cell(ws, value=v)
            cell.number_format = EXCEL_DATETIME if isinstance(v, _dt.datetime) else EXCEL_DATE
            v = cell
        elif isinstance(v, str):
            # the cell made here, not by append: finding the row appended again would
            # cost a pass over every cell of the sheet per row
            cell = Cell(ws, value=excel_text(v))
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True
            v = cell
        row.append(v)
    ws.append(row)


def csv_text(text: str) -> str:
    """A CSV text cell: controls visible (tab, LF, CR kept), ``'`` before a formula start."""
    text = visible(text, keep="\t\n\r")
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """*df* with every text cell through :func:`csv_text` (numbers and missing values kept)."""
    from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (is_numeric_dtype(s) or is_bool_dtype(s) or is_datetime64_any_dtype(s)):
            out[col] = s.map(lambda v: csv_text(v) if isinstance(v, str) else v)
    return out


# -- JSON -------------------------------------------------------------------------------------

_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def json_text(dumped: str) -> str:
    r"""JSON text (from ``json.dumps(..., ensure_ascii=False)``) with unsafe characters escaped.

    ``json`` escapes C0 controls itself; DEL, C1 controls, lone surrogates (which UTF-8
    cannot encode), non-characters, bidi controls and U+2028/U+2029 are written as
    ``\uXXXX``. They can only occur inside strings, so the JSON reads back to the same
    values.
    """
    if dumped.isascii() and "\x7f" not in dumped:  # O(1) and a byte search: most documents
        return dumped
    return _JSON_UNSAFE.sub(lambda m: _hex(m.group(0)), dumped)


def json_document(obj: Any, indent: int | None = 2) -> str:
    r"""``json_text(json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False))``.

    The same text, made by :func:`write_json` (about twice as fast as ``json.dumps``
    with an indent, and without its millions of small pieces held at once). A document
    too deep for it (or holding itself) is handed to ``json.dumps``, which writes it or
    raises what it raises (``Circular reference detected``).
    """
    import json

    if indent is None:
        return json_text(json.dumps(obj, ensure_ascii=False, allow_nan=False))
    parts: list[str] = []
    try:
        write_json(obj, parts.append, indent)
    except RecursionError:
        return json_text(json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False))
    return "".join(parts)


def write_json(obj: Any, write: Callable[[str], object], indent: int = 2) -> None:
    r"""Write :func:`json_document` of *obj* to *write*, about a megabyte at a time.

    The text is exactly ``json_text(json.dumps(obj, indent=indent, ensure_ascii=False,
    allow_nan=False))``, but written as it is made: a result of 10,000 sources (44 MB
    of JSON) never exists whole in memory. The standard library's C encoder cannot
    indent, so containers holding only scalars and empty containers (most of a result)
    are encoded by it with the separators of their depth, and the rest walked here.

    Raises
    ------
    ValueError
        A NaN or infinite float (as ``allow_nan=False``); some text may have been
        written before it.
    TypeError
        A value JSON cannot hold.
    """
    _JsonWriter(write, indent).value(obj, 0)


class _JsonWriter:
    """The walk of :func:`write_json`: pieces gathered in a list, flushed when it is long.

    Every piece is gathered already through :func:`json_text` (the strings of a batch
    of records by :class:`_Indented`, every other string, key or run of scalars here):
    the text is searched for unsafe characters once, not again when it is written.
    """

    FLUSH = 8192
    """Pieces gathered before they are joined and written (each about 100 characters)."""

    def __init__(self, write: Callable[[str], object], indent: int) -> None:
        self.write, self.indent = write, indent
        self.out: list[str] = []
        self.flat_encoders: dict[int, Callable[[Any, int], Any]] = {}

    def value(self, obj: Any, level: int) -> None:
        if isinstance(obj, dict | list | tuple):
            self.container(obj, level)
        else:
            self.out.append(json_text(_json_scalar(obj)))
        self.flush()

    def flush(self) -> None:
        # every piece is through json_text already (it escapes single characters, so the
        # pieces joined are as safe as the whole): no second scan of a megabyte of text
        self.write("".join(self.out))
        self.out.clear()

    def flat(self, obj: dict[Any, Any] | list[Any], level: int) -> str:
        """The items of *obj* (scalars or empty containers) at *level*, without brackets."""
        enc = self.flat_encoders.get(level)
        if enc is None:
            sep = ",\n" + " " * (self.indent * level)
            try:
                from _json import encode_basestring, make_encoder
            except ImportError:  # pragma: no cover - a Python without the C encoder
                return json_text("".join(_py_flat(obj, sep))[1:-1])
            enc = make_encoder(None, _json_type_error, encode_basestring, None, ": ", sep,
                               False, False, False)  # fmt: skip
            self.flat_encoders[level] = enc
        return json_text("".join(enc(obj, 0))[1:-1])

    def records(self, obj: list[dict[Any, Any]], level: int) -> None:
        """A list of objects at *level*, ``FLUSH // 16`` objects at a time.

        Each batch is written by :class:`_Indented` (a column at a time); a batch it
        leaves (a key that is not text, a subclass, NaN) is walked here.
        """
        sep = ",\n" + " " * (self.indent * (level + 1))
        indented = _Indented(self.indent)
        self.out.append("[" + sep[1:])
        size = max(1, self.FLUSH // 16)  # about a megabyte of objects of 100 lines
        for start in range(0, len(obj), size):
            batch = obj[start : start + size]
            if start:
                self.out.append(sep)
            try:
                self.out.append(sep.join(indented._records(batch, level + 1)))
            except (_NotPlainError, ValueError, TypeError, RecursionError):
                # walked here instead: the same text, or the error json.dumps would raise
                for k, v in enumerate(batch):
                    self.out.append(sep if k else "")
                    self.container(v, level + 1)
            self.flush()
        self.out.append("\n" + " " * (self.indent * level) + "]")

    def container(self, obj: dict[Any, Any] | list[Any] | tuple[Any, ...], level: int) -> None:
        from json.encoder import encode_basestring

        is_dict = isinstance(obj, dict)
        if not obj:
            self.out.append("{}" if is_dict else "[]")
            return
        if type(obj) is list and len(obj) >= 16 and set(map(type, obj)) == {dict}:
            self.records(obj, level)
            return
        inner, out = level + 1, self.out
        sep = "\n" + " " * (self.indent * inner)
        lead = ("{" if is_dict else "[") + sep
        items = obj.items() if is_dict else enumerate(obj)  # type: ignore[union-attr]
        run: Any = {} if is_dict else []
        for k, v in items:
            t = type(v)
            if t in _JSON_SCALARS or ((t is list or t is dict) and not v):
                if is_dict:
                    run[k] = v
                else:
                    run.append(v)
                continue
            if run:
                out.append(lead + self.flat(run, inner))
                run, lead = ({} if is_dict else []), "," + sep
            out.append(lead + (json_text(encode_basestring(_json_key(k))) + ": " if is_dict else ""))
            if isinstance(v, dict | list | tuple):
                self.container(v, inner)
            else:
                out.append(json_text(_json_scalar(v)))
            lead = "," + sep
            if len(out) >= self.FLUSH:
                self.flush()
        if run:
            out.append(lead + self.flat(run, inner))
        out.append("\n" + " " * (self.indent * level) + ("}" if is_dict else "]"))


_JSON_SCALARS = frozenset((str, float, int, bool, type(None)))


def _json_type_error(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _json_scalar(v: Any) -> str:
    """A scalar as ``json.dumps`` writes it (float and int subclasses as their base type)."""
    from json.encoder import encode_basestring

    if isinstance(v, str):
        return str(encode_basestring(v))
    if v is None or v is True or v is False:
        return {None: "null", True: "true", False: "false"}[v]
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(v))
        return float.__repr__(v)
    return str(_json_type_error(v))


def _json_key(k: Any) -> str:
    """A mapping key as ``json`` writes it: text, or a number, boolean or null as text."""
    if isinstance(k, str):
        return k
    if k is None or k is True or k is False or isinstance(k, int | float):
        return _json_scalar(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _py_flat(obj: dict[Any, Any] | list[Any], sep: str) -> Iterable[str]:  # pragma: no cover
    import json

    return json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(sep, ": ")).iterencode(obj)


def _direct_spec(values: list[Any]) -> str | None:
    """``%r`` for a list of finite floats, ``%d`` for one of ints (exactly those types).

    Their texts are then what ``json`` writes (``float.__repr__``, ``int.__repr__``);
    None for anything else (a NaN, a subclass, a mix): written by the C encoder.
    """
    kinds = set(map(type, values))
    if kinds == {float}:
        return "%r" if all(map(math.isfinite, values)) else None
    return "%d" if kinds == {int} else None


class _NotPlainError(Exception):
    """A value :class:`_Indented` leaves to ``json.dumps``."""


class _Indented:
    r"""Indented JSON text (as ``json.dumps(..., indent=)`` writes it), its strings through :func:`json_text`.

    A value's text at level *n* puts its items on lines indented *n* + 1 times and its
    closing bracket *n* times. Scalars are written by the C encoder, many at once (a
    list's items, a column of records), their texts split at the separator ``",\n"``,
    which no JSON token contains (a line break in a string is written ``\n``). A list
    of objects is written a column (key) at a time; the lists of a column are written
    as one list of their items, then regrouped.
    """

    def __init__(self, indent: int) -> None:
        import json

        self._unit = " " * indent
        self._encode = json.JSONEncoder(
            ensure_ascii=False, allow_nan=False, separators=(",\n", ": ")
        ).encode
        self._keys: dict[str, str] = {}

    def _pad(self, level: int) -> str:
        return "\n" + self._unit * level

    def _scalars(self, values: list[Any]) -> list[str]:
        """The texts of *values* (strings, numbers, booleans, None), a repeated string once."""
        if not values:
            return []
        kinds = set(map(type, values))
        if str in kinds and kinds <= {str, type(None)}:  # (1, 1.0 and True are one key)
            distinct = list(dict.fromkeys(values))
            if len(distinct) < len(values):
                texts = dict(zip(distinct, self._scalars_once(distinct), strict=True))
                return [texts[v] for v in values]
        return self._scalars_once(values)

    def _scalars_once(self, values: list[Any]) -> list[str]:
        return json_text(self._encode(values))[1:-1].split(",\n")

    def text(self, value: Any, level: int) -> str:
        """The text of *value* at *level*."""
        kind = type(value)
        if kind in _JSON_SCALARS:
            return self._scalars_once([value])[0]
        if kind is list or kind is tuple:
            return self._list(self._items(list(value), level + 1), level)
        if kind is dict:
            return self._records([value], level)[0]
        raise _NotPlainError

    def _list(self, items: list[str], level: int) -> str:
        """A list whose items' texts (at *level* + 1) are *items* (a list of its own: changed)."""
        if not items:
            return "[]"
        inner = self._pad(level + 1)
        # the brackets joined to the first and last items: the items' text is copied once
        items[0] = "[" + inner + items[0]
        items[-1] = items[-1] + self._pad(level) + "]"
        return ("," + inner).join(items)

    def _items(self, values: list[Any], level: int) -> list[str]:
        """The texts of *values*, each at *level* (the items of one list, or of many)."""
        kinds = set(map(type, values))
        if kinds <= _JSON_SCALARS:
            return self._scalars(values)
        if kinds == {dict}:
            return self._records(values, level)
        return [self.text(v, level) for v in values]

    def _records(self, records: list[dict[str, Any]], level: int) -> list[str]:
        """The texts of objects at *level*, those with the same keys written a column at a time."""
        each: list[tuple[Any, ...]] = list(map(tuple, records))
        if each and each.count(each[0]) == len(each):  # one set of keys (a result's lines): no grouping
            return self._same_keys(records, each[0], level)
        shapes: dict[tuple[Any, ...], list[int]] = {}
        for i, k in enumerate(each):
            shapes.setdefault(k, []).append(i)
        out: list[str] = [""] * len(records)
        for keys, where in shapes.items():
            group = [records[i] for i in where] if len(where) < len(records) else records
            for i, t in zip(where, self._same_keys(group, keys, level), strict=True):
                out[i] = t
        return out

    def _same_keys(
        self, records: list[dict[str, Any]], keys: tuple[Any, ...], level: int
    ) -> list[str]:
        if not keys:
            return ["{}"] * len(records)
        if set(map(type, keys)) != {str}:
            raise _NotPlainError
        inner = self._pad(level + 1)
        # one %-template per set of keys: an object's text is made in one step; the columns
        # taken in C (a tuple of every record's values, then turned into columns); a column
        # of finite floats (or of ints) goes in as it is, written by %r (%d) as json does
        if len(keys) == 1:
            taken: list[list[Any]] = [list(map(operator.itemgetter(keys[0]), records))]
        else:
            rows = map(operator.itemgetter(*keys), records)
            taken = [list(column) for column in zip(*rows, strict=True)]
        parts, columns = [], []
        for k, values in zip(keys, taken, strict=True):
            spec = _direct_spec(values)
            parts.append(inner + self._key(k).replace("%", "%%") + ": " + (spec or "%s"))
            columns.append(values if spec else self._column(values, level + 1))
        template = "{" + ",".join(parts) + self._pad(level) + "}"
        return [template % row for row in zip(*columns, strict=True)]

    def _key(self, key: str) -> str:
        text = self._keys.get(key)
        if text is None:
            text = self._keys[key] = self._scalars_once([key])[0]
        return text

    def _column(self, values: list[Any], level: int) -> list[str]:
        """The texts of the values of one key of many objects, each at *level*."""
        kinds = set(map(type, values))
        if kinds <= {list}:  # every list's items at once, then each list of them
            items = self._items([x for v in values for x in v], level + 1)
            out, at = [], 0
            for v in values:
                out.append(self._list(items[at : at + len(v)], level))
                at += len(v)
            return out
        return self._items(values, level)
