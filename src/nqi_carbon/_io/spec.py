"""How to read an activity table as it was exported: the reading spec and its rules.

A table from an accounting system or a utility's portal rarely has nqi-carbon's own column
names on row 1: it has a title above the header, headers in another language or case
(``Menge (kWh)``, ``Source``), columns that are not activity data, ``;`` as delimiter and
``1.234,5`` as a number. A :class:`ReadSpec` says how to read such a table -- the same
options in an inventory's ``activity_files`` entry, in :func:`nqi_carbon.read_activity` and
on the command line (``nqi-carbon activity``) -- and nothing is read silently wrong:

* headers are matched to nqi-carbon's columns without regard to case or surrounding
  spaces; ``columns`` maps any other header (``amount: "Menge (kWh)"``); a header that is
  neither is refused with every header found, unless ``ignore`` names it;
* ``constant`` gives a column one value for every row (``unit: kWh`` when the unit is in the
  header, ``source: office-gas`` for a one-source file);
* numbers written as text follow ``decimal`` and ``thousands``: with ``decimal: ","`` and
  ``thousands: "."``, ``1.234,5`` is 1234.5; under the default (``.`` and none) it is not a
  number and is refused, never read as 1.2345; a thousands separator must group by three;
* ``period_dates`` reads a date in the ``period`` column (an Excel date cell, or text
  ``2024-01-01`` or ``01.01.2024``) as its month or year; without it a date there is refused, since it does
  not say which period it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DECIMALS",
    "DELIMITERS",
    "ENCODINGS",
    "MAX_HEADER_ROW",
    "PERIOD_DATES",
    "TABLE_COLUMNS",
    "THOUSANDS",
    "ReadSpec",
    "headers_found",
    "missing_columns",
    "read_spec",
    "spec_issues",
]

TABLE_COLUMNS = (
    "source",
    "amount",
    "unit",
    "instrument",
    "uncertainty",
    "period",
    "distribution",
    "lower",
    "upper",
)
"""The columns of a long activity table (``source``, ``amount``, ``unit`` required)."""

CONSTANT_COLUMNS = ("source", "unit", "instrument", "period", "distribution")
"""The columns ``constant`` may fill (text columns: one value for every row)."""

DECIMALS = (".", ",")
THOUSANDS = (",", ".", " ", "'", "\u00a0", "\u202f")
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "cp1252", "latin-1", "gb18030", "utf-16")
PERIOD_DATES = ("month", "year")
MAX_HEADER_ROW = 1000
"""Rows above the header are skipped (titles); the header lies within the first 1,000 rows."""

_SHOWN = {"\t": "tab", " ": "space", "\u00a0": "no-break space", "\u202f": "narrow no-break space"}


def _shown(text: str) -> str:
    return _SHOWN.get(text, repr(text))


@dataclass(frozen=True)
class ReadSpec:
    """How to read one activity table (see the module docstring); defaults read nqi-carbon's own."""

    sheet: str | int | None = None
    header_row: int = 1
    columns: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    constant: Mapping[str, str] = field(default_factory=dict)
    decimal: str = "."
    thousands: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    period_dates: str | None = None
    stated: frozenset[str] = frozenset()
    """The options the user gave (``decimal: "."`` stated is not the default left alone)."""

    @property
    def separators_stated(self) -> bool:
        """Whether ``decimal`` or ``thousands`` was given, even as the default value."""
        return bool({"decimal", "thousands"} & self.stated)

    @property
    def plain(self) -> bool:
        """Whether text numbers are read the default way (``.`` decimal, no grouping)."""
        return self.decimal == "." and self.thousands is None

    def number_pattern(self) -> re.Pattern[str]:
        """Text that is a number under this spec's separators (compiled once per spec)."""
        return _number_pattern(self.decimal, self.thousands)


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    d = re.escape(decimal)
    whole = r"\d+" if thousands is None else rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
    return re.compile(rf"[-+]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][-+]?\d+)?")


def spec_issues(
    *,
    sheet: Any = None,
    header_row: Any = 1,
    columns: Any = None,
    ignore: Any = (),
    constant: Any = None,
    decimal: Any = ".",
    thousands: Any = None,
    delimiter: Any = None,
    encoding: Any = "utf-8",
    period_dates: Any = None,
    field_prefix: str = "",
) -> list[Issue]:
    """Every problem with a reading spec's options (empty when they are fine)."""
    issues: list[Issue] = []

    def bad(name: str, message: str, value: Any, allowed: str) -> None:
        issues.append(
            Issue("reading_spec", message, field=field_prefix + name, value=repr(value), allowed=allowed)
        )

    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, int | str)):
        bad("sheet", "a sheet is given by its name or its number (0 is the first)", sheet, "a name or a number")
    if isinstance(header_row, bool) or not isinstance(header_row, int) or not 1 <= header_row <= MAX_HEADER_ROW:
        bad("header_row", "the header row is a row number", header_row, f"1 to {MAX_HEADER_ROW} (1 is the first row)")
    columns = {} if columns is None else columns
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
        bad("columns", "columns maps nqi-carbon's columns to the headers of the file", columns,
            "a mapping such as {amount: 'Menge (kWh)', source: Standort}")  # fmt: skip
    else:
        for k in columns:
            if k not in TABLE_COLUMNS:
                bad(f"columns.{k}", f"{k!r} is not a column of an activity table", k, ", ".join(TABLE_COLUMNS))
        heads = [v.strip().casefold() for v in columns.values()]
        for v in {h for h in heads if heads.count(h) > 1}:
            bad("columns", f"two columns are mapped to the same header {v!r}", v, "one header per column")
    if isinstance(ignore, str) or not isinstance(ignore, Sequence) or not all(isinstance(v, str) for v in ignore):
        bad("ignore", "ignore lists headers of the file", ignore, "a list of header names")
    constant = {} if constant is None else constant
    if not isinstance(constant, Mapping) or not all(isinstance(v, str) and v for v in constant.values()):
        bad("constant", "constant gives columns one text value for every row", constant,
            "a mapping such as {unit: kWh, source: office-gas}")  # fmt: skip
    else:
        for k in constant:
            if k not in CONSTANT_COLUMNS:
                bad(f"constant.{k}", f"{k!r} cannot be a constant", k, ", ".join(CONSTANT_COLUMNS))
            elif isinstance(columns, Mapping) and k in columns:
                bad(f"constant.{k}", f"{k!r} is both mapped to a header and a constant", k, "one of them")
    if decimal not in DECIMALS:
        bad("decimal", "the decimal separator is '.' or ','", decimal, "'.' or ','")
    if thousands is not None and thousands not in THOUSANDS:
        bad("thousands", "not a thousands separator", thousands, ", ".join(_shown(t) for t in THOUSANDS))
    elif thousands is not None and thousands == decimal:
        bad("thousands", "the thousands separator is the decimal separator", thousands, "another character")
    if delimiter is not None and delimiter not in DELIMITERS:
        allowed = ", ".join(_shown(d) for d in DELIMITERS) + " (or none: sniffed)"
        bad("delimiter", "not a CSV delimiter", delimiter, allowed)
    if not isinstance(encoding, str) or encoding.lower() not in ENCODINGS:
        bad("encoding", "not an encoding nqi-carbon reads", encoding, ", ".join(ENCODINGS))
    if period_dates is not None and period_dates not in PERIOD_DATES:
        bad("period_dates", "a date in the period column stands for its month or its year", period_dates,
            "month or year")  # fmt: skip
    return issues


def read_spec(source: str = "read_activity()", **options: Any) -> ReadSpec:
    """A checked :class:`ReadSpec` from keyword options (None: not given).

    ``stated`` names the options the user wrote (an inventory entry's, whose defaults are
    filled in); by default, every option given.

    Raises
    ------
    InvalidInputError
        ``reading_spec``, every problem with the options at once.
    """
    given = options.pop("stated", None)  # the options an inventory entry wrote
    options = {k: v for k, v in options.items() if v is not None}
    stated = frozenset(options if given is None else given)
    issues = spec_issues(**options)
    if issues:
        raise InvalidInputError(issues, source=source)
    if "encoding" in options:
        options["encoding"] = options["encoding"].lower()
    options["columns"] = {k: v.strip() for k, v in dict(options.get("columns") or {}).items()}
    options["constant"] = dict(options.get("constant") or {})
    options["ignore"] = tuple(options.get("ignore") or ())
    return ReadSpec(**options, stated=stated)


# -- headers -----------------------------------------------------------------------------
def _norm(header: str) -> str:
    return " ".join(str(header).split()).casefold()


def resolve_headers(df: pd.DataFrame, spec: ReadSpec, name: str, hint: str = "") -> pd.DataFrame:
    """The table with nqi-carbon's column names, as the spec and the rules say.

    The headers found are kept in ``df.attrs["nqi_carbon_headers"]`` (for messages). Empty
    columns without a header (an Excel export's blank column) are dropped. *hint* (where
    the header seems to be, :func:`header_hint`) is added to a mapped header not found.

    Raises
    ------
    InvalidInputError
        ``table_columns``: a mapped or ignored header the file does not have, two headers
        for one column, or a constant for a column the file has; each naming the headers
        found.
    """
    found = [str(c) for c in df.columns]
    by_norm: dict[str, list[str]] = {}
    for h in found:
        by_norm.setdefault(_norm(h), []).append(h)
    issues: list[Issue] = []
    rename: dict[str, str] = {}
    shown = ", ".join(repr(h) for h in found if not _blank(h)) or "none"

    def problem(message: str, fld: str, value: str, allowed: str) -> None:
        issues.append(
            Issue("table_columns", message, file=name, field=fld, value=repr(value), allowed=allowed)
        )

    for col, header in spec.columns.items():
        hits = [h for h in found if h == header] or by_norm.get(_norm(header), [])
        if not hits:
            problem(f"columns.{col} names header {header!r}, which the file does not have "
                    f"(headers found: {shown})" + (f"; {hint}" if hint else ""), f"columns.{col}",
                    header, "one of the headers found")  # fmt: skip
        else:
            rename[hits[0]] = col
    dropped = set()
    for header in spec.ignore:
        hits = [h for h in found if h == header] or by_norm.get(_norm(header), [])
        if not hits:
            problem(f"ignore names header {header!r}, which the file does not have (headers "
                    f"found: {shown})", "ignore", header, "headers of the file")  # fmt: skip
        dropped.update(hits)
    taken = set(rename.values())
    for h in found:
        if h in rename or h in dropped:
            continue
        canonical = _norm(h)
        if canonical in TABLE_COLUMNS and canonical not in taken:
            rename[h] = canonical
            taken.add(canonical)
        elif canonical in TABLE_COLUMNS:
            problem(f"two columns would be {canonical!r}: {h!r} and another (headers found: "
                    f"{shown})", canonical, h, "one column each")  # fmt: skip
    for col in spec.constant:
        if col in taken:
            problem(f"constant.{col} is given, but the file has a {col!r} column too",
                    f"constant.{col}", col, "the column or the constant")  # fmt: skip
    if issues:
        raise InvalidInputError(issues, source=name)
    empty_blank = [h for h in found if _blank(h) and h not in rename and df[h].isna().all()]
    df = df.drop(columns=[*dropped, *empty_blank]).rename(columns=rename)
    df.attrs["nqi_carbon_headers"] = found
    return df


def headers_found(df: pd.DataFrame) -> str:
    """The headers the file had (before mapping), quoted, for a message."""
    found = df.attrs.get("nqi_carbon_headers") or [str(c) for c in df.columns]
    return ", ".join(repr(str(h)) for h in found if not _blank(str(h))) or "none"


def missing_columns(df: pd.DataFrame, name: str) -> Issue | None:
    """``table_columns`` when ``source``, ``amount`` or ``unit`` is missing, else None.

    The issue names the headers found, where the header seems to be, and how to map, fill
    or find the columns.
    """
    missing = [c for c in ("source", "amount", "unit") if c not in df.columns]
    if not missing:
        return None
    hint = df.attrs.get("nqi_carbon_header_hint")
    return Issue(
        "table_columns",
        f"missing column(s) {', '.join(missing)}; headers found: {headers_found(df)}"
        + (f"; {hint}" if hint else ""),
        file=name,
        allowed="columns source, amount, unit [, instrument, uncertainty, period] "
        "(any letter case); map other headers in the file's reading spec "
        "(columns: {amount: 'Menge (kWh)'}), give one value for every row "
        "(constant: {unit: kWh}), or state header_row when a title is above",
    )


def _blank(header: str) -> bool:
    """A header cell left empty (pandas names it ``Unnamed: k``)."""
    return header.startswith("Unnamed: ") and header[9:].isdigit()


def add_constants(df: pd.DataFrame, spec: ReadSpec) -> pd.DataFrame:
    """The constant columns of *spec*, one value for every row (a categorical: no per-row text)."""
    import numpy as np
    import pandas as pd

    for col, value in spec.constant.items():
        df[col] = pd.Categorical.from_codes(
            np.zeros(len(df), dtype=np.int8), categories=pd.Index([value], dtype=object)
        )
    return df


# -- dates in the period column ----------------------------------------------------------
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00)?")
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
"""``31.01.2024``: day, month, year (German and most of Europe; no one writes month first
with dots), so it is not ambiguous as ``01/02/2024`` is -- which is never read."""


def period_label(value: Any, period_dates: str) -> Any:
    """A date (cell, ``YYYY-MM-DD`` or ``DD.MM.YYYY`` text) as its month ``YYYY-MM`` or year ``YYYY``.

    Text that is no valid date is returned as it is, so the period check names it.
    """
    import datetime as _dt

    if isinstance(value, _dt.datetime | _dt.date):
        y, m = value.year, value.month
    elif isinstance(value, str) and (hit := _ISO_DAY.fullmatch(value.strip())):
        y, m, d = int(hit.group(1)), int(hit.group(2)), int(hit.group(3))
    elif isinstance(value, str) and (hit := _DOTTED_DAY.fullmatch(value.strip())):
        y, m, d = int(hit.group(3)), int(hit.group(2)), int(hit.group(1))
    else:
        return value
    if isinstance(value, str):
        try:
            _dt.date(y, m, d)
        except ValueError:
            return value
    return f"{y:04d}" if period_dates == "year" else f"{y:04d}-{m:02d}"


# -- the header a title row hid ----------------------------------------------------------
def header_hint(rows: Sequence[Sequence[Any]], spec: ReadSpec, first: int) -> str:
    """Where the header seems to be when row *first* is not it: ``"row 3 (...)"`` or ''.

    *rows* are the table's first rows from row *first* on; a row holding at least two of the
    columns (or of the spec's mapped headers), case aside, looks like the header.
    """
    wanted = {*TABLE_COLUMNS, *(_norm(h) for h in spec.columns.values())}
    for k, row in enumerate(rows):
        cells = [str(c) for c in row if isinstance(c, str) and c.strip()]
        if sum(_norm(c) in wanted for c in cells) >= 2 and k > 0:
            shown = ", ".join(repr(c) for c in cells[:6])
            return f"row {first + k} looks like the header ({shown}): state header_row: {first + k}"
    return ""
