"""Reading long activity tables (CSV, Excel, Parquet) strictly: nothing is re-typed silently."""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue, omitted_issues
from ..limits import Limits, current_limits, limit_issue
from .files import Written, check_confined, read_input
from .spec import (
    ReadSpec,
    add_constants,
    header_hint,
    period_label,
    read_spec,
    resolve_headers,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "PLAIN_NUMBER",
    "TEXT_COLUMNS",
    "column_codes",
    "decode_utf8",
    "read_activity",
    "read_table",
]

PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
"""A number as plain text: ``12``, ``-3.5``, ``1e3`` (not ``1,000``, ``0x10``, ``1_000``)."""


def decode_utf8(raw: bytes, name: str) -> str:
    """UTF-8 text of a file's bytes (BOM accepted), or an ``encoding`` error with the line."""
    return _decode(raw, name, "utf-8")


def read_activity(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    columns: Mapping[str, str] | None = None,
    ignore: Sequence[str] | None = None,
    constant: Mapping[str, str] | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    period_dates: str | None = None,
) -> pd.DataFrame:
    """Read a long activity table from CSV, Excel or Parquet, as it was exported.

    Columns: ``source``, ``amount``, ``unit`` and optionally ``instrument``,
    ``uncertainty``, ``period``, ``distribution``, ``lower``, ``upper``. Headers match these
    names whatever their case or surrounding spaces; the keyword options are a reading spec
    (:mod:`nqi_carbon._io.spec`, the same as an inventory's ``activity_files`` entry):

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` (``.xlsm``) or ``.parquet`` file.
    sheet : str or int, optional
        Excel: the sheet by name, or by number (0 is the first sheet of the workbook,
        hidden or not); default the first visible sheet.
    header_row : int, optional
        The row of the header (1, the default, is the first); rows above it (a title,
        a date) are skipped. CSV and Excel.
    columns : mapping, optional
        nqi-carbon column -> header in the file, e.g. ``{"amount": "Menge (kWh)"}``.
    ignore : sequence of str, optional
        Headers of columns that are not activity data (``comment``, ``Kostenstelle``);
        any other header that is not a column is refused with the headers found.
    constant : mapping, optional
        A text column's value for every row: ``{"unit": "kWh"}``, ``{"source": "office-gas"}``.
    decimal, thousands : str, optional
        How numbers written as text are read: ``decimal`` '.' (default) or ','; a
        ``thousands`` separator (',', '.', space, "'", no-break space), grouping by three.
        Text that is no number under them (``1.234,5`` under the default) is refused,
        never read as another number.
    delimiter : str, optional
        CSV: ',', ';', tab or '|'; default sniffed from the header and the first rows
        (refused when more than one would fit).
    encoding : str, optional
        CSV: ``utf-8`` (default, a BOM accepted), ``cp1252``, ``latin-1``, ``gb18030`` or
        ``utf-16``.
    period_dates : {"month", "year"}, optional
        A date in the ``period`` column (an Excel date cell or ``2024-01-01``) stands for
        its month or its year; without it a date there is refused.

    Notes
    -----
    Identifier columns (``source``, ``unit``, ``instrument``, ``period``,
    ``distribution``) are read as text exactly as written: no NA-value guessing (a cell
    ``NA`` or ``null`` is that text; only an empty cell is empty) and a number cell is
    its text (``123`` matches the source id ``"123"``). They become categoricals (fast
    in :func:`nqi_carbon.calculate`); ``amount`` and ``uncertainty`` are read as numbers
    where they are numbers and left as text otherwise, so that the table's validation
    names every bad row (``"1,000"`` is never silently read as 1000, an empty cell never
    as 0).

    Excel: what cannot be seen is not read silently: hidden rows or columns holding data
    (at or below the header) are an error naming them (``excel_hidden``), and so is a
    formula (``excel_formula``): nqi-carbon does not evaluate formulas, and the value a
    file stores with one may be out of date. An error cell (``#DIV/0!``) is read as its
    text, so the table's check names it. A date cell is a date.

    The file is read within the active :class:`~nqi_carbon.Limits` (bytes, rows,
    columns, cells; Excel sheets never by their declared size, only by the cells
    they store; rows above the header count) and, under a :class:`~nqi_carbon.Sandbox`,
    only inside its folders.

    Raises
    ------
    InvalidInputError
        Unreadable, badly encoded, truncated or corrupted files, files over a limit
        (``file_too_large``, ``table_too_large``), paths refused by a sandbox, a spec
        that does not fit the file (``reading_spec``, ``table_columns``, with the
        headers found), with the reason.
    """
    from .files import program_path

    target = program_path(path, field="path", where="read_activity()")
    spec = read_spec(
        sheet=sheet,
        header_row=header_row,
        columns=columns,
        ignore=ignore,
        constant=constant,
        decimal=decimal,
        thousands=thousands,
        delimiter=delimiter,
        encoding=encoding,
        period_dates=period_dates,
        source=str(target),
    )
    return read_table(target, spec=spec)


def read_table(
    target: str | Path | Written,
    *,
    sheet: str | int | None = None,
    spec: ReadSpec | None = None,
) -> pd.DataFrame:
    """:func:`read_activity` of a path given by a program or written in an inventory."""
    path = target.path if isinstance(target, Written) else Path(target)
    name = str(path)
    suffix = path.suffix.lower()
    spec = spec or ReadSpec(sheet=sheet)
    check_confined(target, what="activity file")
    if suffix not in (".csv", ".xlsx", ".xlsm", ".parquet"):
        raise InvalidInputError(
            [
                Issue(
                    "file_type",
                    "unknown activity file type",
                    file=name,
                    value=repr(suffix),
                    allowed=".csv, .xlsx, .parquet",
                )
            ],
            source=name,
        )
    if suffix in (".xlsx", ".xlsm"):
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:  # pragma: no cover
            raise ImportError("reading Excel needs openpyxl: pip install 'nqi-carbon[excel]'") from exc
    elif suffix == ".parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError as exc:  # pragma: no cover
            raise ImportError("reading Parquet needs pyarrow: pip install 'nqi-carbon[parquet]'") from exc
    _spec_fits_kind(spec, suffix, name)
    with _system_arrow_pool():
        typed = _read_typed(target, name, suffix, spec)
    release_unused_memory()
    return typed


_POOL_LOCK = threading.Lock()
_pool_readers: list[Any] = []
"""The pool in place before the first of the reads now running (one entry per read)."""


@contextlib.contextmanager
def _system_arrow_pool() -> Iterator[None]:
    """Make the system allocator pyarrow's default memory pool while a table is read.

    The text columns, casts and codes that reading makes (pandas' and nqi-carbon's calls
    into pyarrow) then come from the heap numpy and the CSV reader use, where the memory
    one frees is reused by the next, instead of a second allocator's (mimalloc) next to
    it: ~18 MB less at the peak of reading a million CSV rows. The pool in place before
    the first of the reads running at once (threads reading partitions) is put back
    when the last ends; a buffer is always freed by the pool that made it.
    """
    import sys

    pa = sys.modules.get("pyarrow")  # (pandas imports it when it is installed)
    if pa is None:
        yield
        return
    with _POOL_LOCK:
        _pool_readers.append(pa.default_memory_pool() if not _pool_readers else _pool_readers[0])
        pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        with _POOL_LOCK:
            before = _pool_readers.pop()
            if not _pool_readers:
                pa.set_memory_pool(before)


def _read_typed(target: str | Path | Written, name: str, suffix: str, spec: ReadSpec) -> pd.DataFrame:
    """The table of *target* read within the limits, its headers resolved, its columns typed."""
    limits = current_limits()
    raw = read_input(target, limit=limits.max_table_bytes, limit_name="max_table_bytes", what="activity file")
    separators_needed = False
    try:
        if suffix == ".csv":
            df, head, sep = _csv_frame(raw, name, limits, spec)
            # Excel writes ';' where ',' is the decimal separator: there, 10.000 may be ten
            # thousand, so a number with a separator needs the spec's decimal and thousands
            separators_needed = sep == ";" and not spec.separators_stated
        elif suffix == ".parquet":
            df, head = _parquet_frame(raw, name, limits), []
        else:
            df, head = _excel_frame(raw, name, spec, limits)
    except InvalidInputError:
        raise
    except Exception as exc:  # corrupted or truncated files: zip, XML or CSV parser errors
        raise InvalidInputError(
            [
                Issue(
                    "file_corrupt",
                    f"cannot read the file ({type(exc).__name__}: {str(exc)[:300]})",
                    file=name,
                    allowed="a complete .csv, .xlsx or .parquet file",
                )
            ],
            source=name,
        ) from None
    del raw  # (25 MB for a million rows) before the columns are typed
    df.columns = [str(c).strip() for c in df.columns]
    hint = header_hint(head, spec, spec.header_row) if head else ""
    df = resolve_headers(df, spec, name, hint)
    return _typed_columns(df, spec, hint, whole_numbers_only=separators_needed)


def release_unused_memory() -> None:
    """Hand back to the system the memory that reading a table freed.

    Reading a million rows makes some 100 MB of text columns, casts and codes that are
    freed once the columns are typed, but the allocators keep the pages (the typed table
    is 19 MB): pyarrow's pools return theirs (only pools that were used), and glibc's
    ``malloc_trim(0)`` the free pages of its heaps, which pandas, numpy and pyarrow's CSV
    reader share (pyarrow's own release did not reach them: ~75 MB stayed resident through
    the calculation of a million CSV rows). A few milliseconds; nothing where there is no
    glibc.
    """
    import sys

    pa = sys.modules.get("pyarrow")  # only pools that were used: never an import for this
    if pa is not None:
        pa.system_memory_pool().release_unused()
        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def map_large_allocations(threshold: int = 1 << 20) -> bool:
    """Have glibc map every block of *threshold* bytes or more on its own, for this process.

    glibc raises its threshold for mapping a block to the size of the last mapped block
    freed (up to 32 MB), so after the first freed array of a million rows later arrays
    come from the heap, whose freed pages stay resident: a million-row calculation held
    some 25 MB more at its peak. A fixed threshold ends that raising; a freed array goes
    back to the system at once. For a process nqi-carbon owns (the command line), never
    set by the library. Returns whether it was set (False without glibc).
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # musl and others
        return False
    m_mmap_threshold = -3  # <malloc.h>
    return bool(mallopt(m_mmap_threshold, threshold))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc), or None (another C library, another system)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process's own libc
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    return trim


def _spec_fits_kind(spec: ReadSpec, suffix: str, name: str) -> None:
    """Options that mean nothing for this kind of file are refused, not ignored."""
    kind = {".csv": "CSV"}.get(suffix, "Parquet" if suffix == ".parquet" else "Excel")
    unfit = {
        "delimiter": spec.delimiter is not None and kind != "CSV",
        "encoding": spec.encoding != "utf-8" and kind != "CSV",
        "header_row": spec.header_row != 1 and kind == "Parquet",
    }
    issues = [
        Issue(
            "reading_spec",
            f"{option} does not apply to a {kind} file",
            file=name,
            field=option,
            allowed={"delimiter": "CSV files only", "encoding": "CSV files only"}.get(
                option, "CSV and Excel files only"
            ),
        )
        for option, bad in unfit.items()
        if bad
    ]
    if issues:
        raise InvalidInputError(issues, source=name)


_WHOLE_NUMBER = re.compile(r"[-+]?\d+")


def _typed_columns(
    df: pd.DataFrame, spec: ReadSpec, hint: str, *, whole_numbers_only: bool = False
) -> pd.DataFrame:
    """Numbers as numbers (by the spec's separators), dates as periods, text as categoricals.

    With *whole_numbers_only* (a ';'-separated file whose spec states no separators) text
    numbers with a '.' or ',' stay text, so the table's check refuses them and says to
    state ``decimal`` and ``thousands``: ``10.000`` is never read as ten.
    """
    pattern = _WHOLE_NUMBER if whole_numbers_only else None if spec.plain else spec.number_pattern()
    for col in ("amount", "uncertainty", "lower", "upper"):
        if col in df.columns and pattern is None and col in ("amount", "uncertainty"):
            df[col] = number_column(df[col])  # the plain form, a column at a time
        elif col in df.columns and (col in ("amount", "uncertainty") or pattern is not None):
            df[col] = df[col].astype(object).map(lambda v: _as_number(v, spec, pattern))
            if all(isinstance(v, float) for v in df[col]):
                df[col] = df[col].astype(float)
    if spec.period_dates is not None and "period" in df.columns:
        when = spec.period_dates
        df["period"] = df["period"].astype(object).map(lambda v: period_label(v, when))
    df = add_constants(df, spec)
    for col in TEXT_COLUMNS:
        if col in df.columns:
            df[col] = _text_category(df[col])
    df.attrs["nqi_carbon_first_row"] = spec.header_row + 1
    if hint and not {"source", "amount", "unit"} <= set(df.columns):
        df.attrs["nqi_carbon_header_hint"] = hint
    return df


def _too_large(name: str, what: str, limit_name: str, limit: int, unit: str, **where: Any) -> InvalidInputError:
    issue = limit_issue(
        "table_too_large", what, limit_name=limit_name, limit=limit, unit=unit, file=name, **where
    )
    return InvalidInputError([issue], source=name)


def _extra_fields(text: str, name: str, width: int, sep: str, header_row: int) -> InvalidInputError:
    """The rows with more fields than the header, each named (the parser names only one)."""
    import csv
    import io

    from ..errors import CappedIssues

    issues = CappedIssues()
    rows = csv.reader(io.StringIO(text.lstrip(), newline=""), delimiter=sep)
    for row, fields in enumerate(rows, start=header_row):
        if len(fields) > width:
            issues.append(
                Issue(
                    "csv_extra_fields",
                    f"the row has {len(fields)} fields, more than the header's {width} columns",
                    file=name,
                    row=row,
                    value=repr(fields[width])[:80],
                    allowed=f"{width} fields per row, as in the header (pandas would shift the columns)",
                )
            )
    return InvalidInputError(issues, source=name)


def _decode(raw: bytes, name: str, encoding: str) -> str:
    """The text of a file in *encoding* (``utf-8``: with or without BOM).

    Bytes that are not valid in it are an ``encoding`` error naming the byte and line.
    """
    try:
        return raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding == "utf-8" else encoding
        raise InvalidInputError(
            [
                Issue(
                    "encoding",
                    f"not valid {shown} at byte {exc.start}",
                    file=name,
                    row=raw[: exc.start].count(b"\n") + 1,
                    value=repr(raw[exc.start : exc.start + 8]),
                    allowed="UTF-8 text (a BOM is accepted)"
                    if encoding == "utf-8"
                    else f"{encoding} text, as the reading spec says",
                )
            ],
            source=name,
        ) from None


_SNIFF_ROWS = 20
"""Records read (from the header on) to tell the CSV delimiter."""


def _head(text: str, lines: int) -> str:
    """*text* up to the end of its line *lines* (the whole text when shorter).

    What the sniffing reads, so that a large file is never copied or split whole.
    """
    end = -1
    for _ in range(lines):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _records(text: str, delimiter: str, n: int) -> list[list[str]]:
    import csv
    import io

    out = []
    try:
        for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if fields:
                out.append(fields)
            if len(out) >= n:
                break
    except csv.Error:
        return []
    return out


def _sniff(text: str, name: str, first_line: int = 1) -> str:
    """The delimiter of CSV *text* (from its header on): the one candidate that fits.

    A candidate fits when it splits the header into two fields or more and every one of
    the first :data:`_SNIFF_ROWS` records into as many; one candidate must fit, else the
    reading spec must say (``delimiter``).
    """
    from .spec import DELIMITERS

    text = _head(text, _SNIFF_ROWS + 30)
    fits = []
    for d in DELIMITERS:
        recs = _records(text, d, _SNIFF_ROWS)
        if recs and len(recs[0]) > 1 and all(len(r) == len(recs[0]) for r in recs):
            fits.append((d, len(recs[0])))
    if len(fits) == 1:
        return fits[0][0]
    if not fits:
        _refuse_title_rows(text, name, first_line)
        return ","  # one column, or rows that differ: read as commas, and the checks say why
    shown = ", ".join(f"{d!r} gives {k} columns" for d, k in fits)
    raise InvalidInputError(
        [
            Issue(
                "csv_delimiter",
                f"cannot tell the delimiter: {shown}",
                file=name,
                row=1,
                allowed="state delimiter: ',', ';', tab or '|' in the file's reading spec",
            )
        ],
        source=name,
    )


def _refuse_title_rows(text: str, name: str, first_line: int = 1) -> None:
    """Lines above the header (a title) make the delimiter unclear: say where the table starts.

    When the records from the k-th line on (k <= 10, not blank) split evenly with one
    delimiter, the header is most likely there: line *first_line* + k of the file.
    """
    from .spec import DELIMITERS

    lines = _head(text, _SNIFF_ROWS + 10).splitlines()
    for k in range(1, min(10, len(lines) - 1)):
        if not lines[k].strip():
            continue
        rest = "\n".join(lines[k:])
        for d in DELIMITERS:
            recs = _records(rest, d, _SNIFF_ROWS)
            if recs and len(recs[0]) > 1 and all(len(r) == len(recs[0]) for r in recs):
                raise InvalidInputError(
                    [
                        Issue(
                            "table_columns",
                            f"the line(s) above line {first_line + k} do not split like the "
                            f"rest: from line {first_line + k} on, {d!r} splits every row into {len(recs[0])} columns "
                            f"({', '.join(repr(c) for c in recs[0][:6])})",
                            file=name,
                            row=1,
                            allowed=f"state header_row: {first_line + k} (a title above the header is "
                            "skipped) and, to be sure, the delimiter in the file's reading spec",
                        )
                    ],
                    source=name,
                )


def _skip_to_header(text: str, header_row: int, name: str) -> str:
    """*text* from line *header_row* on: the lines above it (a title, a date) are skipped."""
    import io

    if header_row == 1:
        return text
    f = io.StringIO(text, newline="")  # lines end at LF, CRLF or CR, kept as written
    consumed = 0
    for _ in range(header_row - 1):
        line = f.readline()
        if not line:
            raise InvalidInputError(
                [
                    Issue(
                        "reading_spec",
                        f"the file has fewer lines than the header row {header_row}",
                        file=name,
                        field="header_row",
                        value=repr(header_row),
                        allowed="the line of the header (1 is the first)",
                    )
                ],
                source=name,
            )
        consumed += len(line)
    return text[consumed:]


def _lines(text: str) -> Iterator[str]:
    """The lines of *text* one at a time (each with its line feed), as ``io.StringIO`` gives them.

    For :mod:`csv` reading the first records of a large file: a StringIO would first copy
    the whole text at four bytes a character.
    """
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _csv_frame(
    raw: bytes, name: str, limits: Limits, spec: ReadSpec
) -> tuple[pd.DataFrame, list[list[Any]], str]:
    """The CSV as text columns within the row, column and cell limits, its first rows, its delimiter.

    Rows above ``spec.header_row`` are skipped; the delimiter is the spec's or sniffed.
    The header is measured first with :mod:`csv` (pandas takes minutes over a header of a
    million columns), and pandas stops after the last row allowed, plus one to tell.
    """
    import csv
    import io

    import pandas as pd

    text = _skip_to_header(_decode(raw, name, spec.encoding), spec.header_row, name)
    body = text.lstrip()
    first_line = spec.header_row + text[: len(text) - len(body)].count("\n")
    sep = spec.delimiter or _sniff(body, name, first_line)
    try:
        header = next(csv.reader(_lines(body), delimiter=sep), [])
    except csv.Error as exc:
        raise InvalidInputError(
            [Issue("file_corrupt", f"cannot read the header row ({exc})", file=name, row=spec.header_row)],
            source=name,
        ) from None
    if len(header) > limits.max_table_columns:
        raise _too_large(
            name,
            f"the header has {len(header):,} columns, more than the limit",
            "max_table_columns",
            limits.max_table_columns,
            "columns",
        )
    max_rows = min(limits.max_table_rows, limits.max_table_cells // max(len(header), 1))
    # with a header, pandas takes rows with one field more than the header as "the first
    # column is the index" and shifts every column silently; without one it refuses any row
    # longer than the first, so the header is read as row 0 and named after
    # pandas reads the text as UTF-8 bytes: a StringIO of it would hold a copy of four
    # bytes a character (100 MB for a 25 MB file) while the table is built
    as_read = spec.encoding == "utf-8" and spec.header_row == 1 and not raw.startswith(b"\xef\xbb\xbf")
    data = raw if as_read else text.encode("utf-8")  # UTF-8 from the first byte: the file's bytes
    del text, body  # the bytes stand for it from here (an error decodes them again)
    names = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, nrows=0).columns.tolist()
    df = _arrow_csv(data, sep, len(header), max_rows)
    if df is None:
        try:
            df = _pandas_csv(data, sep, max_rows)
        except pd.errors.ParserError:
            raise _extra_fields(data.decode("utf-8"), name, len(header), sep, spec.header_row) from None
    df.columns = pd.Index(names)
    if len(df.columns) > limits.max_table_columns:
        raise _too_large(
            name,
            f"the table has {len(df.columns):,} columns, more than the limit",
            "max_table_columns",
            limits.max_table_columns,
            "columns",
        )
    if len(df) > max_rows:
        if max_rows == limits.max_table_rows:
            raise _too_large(
                name,
                f"the table has more than {max_rows:,} data rows",
                "max_table_rows",
                limits.max_table_rows,
                "rows",
            )
        raise _too_large(
            name,
            f"the table has more than {max_rows:,} rows of {len(header)} columns",
            "max_table_cells",
            limits.max_table_cells,
            "cells",
        )
    head = [list(r) for r in df.iloc[:_SNIFF_ROWS].itertuples(index=False, name=None)]
    return df, [list(header), *head], sep


def _pandas_csv(data: bytes, sep: str, max_rows: int) -> pd.DataFrame:
    """The data rows of UTF-8 CSV *data* (from its header on) as pandas reads them, as text.

    At most *max_rows* + 1 rows are read (one more than allowed, to tell). Columns are
    numbered; a row longer than the first is a ``ParserError``.
    """
    import io

    import pandas as pd

    df = pd.read_csv(
        io.BytesIO(data),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        nrows=max_rows + 2,
        header=None,
    )
    return df.iloc[1:].reset_index(drop=True)


def _arrow_csv(data: bytes, sep: str, width: int, max_rows: int) -> pd.DataFrame | None:
    """What :func:`_pandas_csv` reads, read by pyarrow, or None where pandas must read it.

    pyarrow holds each column as Arrow text (pandas' reader first makes a Python string
    of every cell: some 60 bytes each) and is faster. It is used only where both read
    the same table: no quotes in the file (the two differ on quotes that are not closed
    or not at the start of a cell), no carriage return but in CRLF, a header of two columns or more at the very start,
    every row exactly as wide as it (pyarrow refuses any other row: then pandas reads the
    file, and its reading is what the checks describe), and no more rows than allowed
    (the file is within ``max_table_bytes`` already; pandas says that the rows are too
    many). An empty cell is missing; any other text is kept as written (``NA`` is
    text). Without pyarrow, None.
    """
    import io

    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is an extra
        return None
    if width < 2 or data[:1].isspace() or b'"' in data:
        return None
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone CR: pandas' tokenizer ends lines on it in its own way
    fields = [f"f{k}" for k in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False, autogenerate_column_names=True),
            memory_pool=pa.system_memory_pool(),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas holds its text columns in (no copy to convert)
                column_types=dict.fromkeys(fields, pa.large_string()),
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, ValueError):  # rows of other widths, unclosed quotes
        return None
    if table.column_names != fields or table.num_rows > max_rows + 2:
        return None  # (too many rows: pandas reads as many as allowed and one more, to tell)
    frame: pd.DataFrame = table.slice(1).to_pandas()
    return frame


def _parquet_frame(raw: bytes, name: str, limits: Limits) -> pd.DataFrame:
    """The Parquet table, once its metadata says it is within the limits."""
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(io.BytesIO(raw)).metadata
    rows, cols = meta.num_rows, meta.num_columns
    declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if cols > limits.max_table_columns:
        raise _too_large(
            name,
            f"the table has {cols:,} columns, more than the limit",
            "max_table_columns",
            limits.max_table_columns,
            "columns",
        )
    if rows > limits.max_table_rows:
        raise _too_large(
            name,
            f"the table has {rows:,} rows, more than the limit",
            "max_table_rows",
            limits.max_table_rows,
            "rows",
        )
    if rows * cols > limits.max_table_cells:
        raise _too_large(
            name,
            f"the table has {rows * cols:,} cells, more than the limit",
            "max_table_cells",
            limits.max_table_cells,
            "cells",
        )
    if declared > limits.max_table_bytes:
        raise _too_large(
            name,
            f"the table's data is {declared:,} bytes once decompressed, more than the limit",
            "max_table_bytes",
            limits.max_table_bytes,
            "bytes",
        )
    nested = [f for f in meta.schema.to_arrow_schema() if _holds_several_values(f.type)]
    if nested:
        raise InvalidInputError(
            [
                Issue(
                    "parquet_column_type",
                    f"column {f.name!r} is a Parquet {f.type} column: its cells hold several values",
                    file=name,
                    field=f.name,
                    value=str(f.type),
                    allowed="one value per cell: columns of text, numbers, booleans or dates",
                )
                for f in nested
            ],
            source=name,
        )
    return pd.read_parquet(io.BytesIO(raw))


def _holds_several_values(arrow_type: Any) -> bool:
    """An Arrow type whose cells are lists, structs, maps or unions (or a dictionary of them)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return bool(pa.types.is_nested(arrow_type))


def _excel_frame(
    raw: bytes, name: str, spec: ReadSpec, limits: Limits
) -> tuple[pd.DataFrame, list[list[Any]]]:
    """One sheet of a workbook, read cell by cell as stored (never by its declared size).

    Returns the table (the header on ``spec.header_row``) and its first rows from the
    header on (for a message when the header is elsewhere).
    """
    import io
    import warnings
    import zipfile

    import openpyxl

    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        # zipfile stops each part at its stated size (and checks its CRC): this bounds
        # what any part can unpack to, shared strings included
        for info in zf.infolist():
            if info.file_size > limits.max_table_bytes:
                raise _too_large(
                    name,
                    f"the part {info.filename!r} is {info.file_size:,} bytes once "
                    "decompressed, more than the limit",
                    "max_table_bytes",
                    limits.max_table_bytes,
                    "bytes",
                )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        try:
            ws = _pick_sheet(wb, spec.sheet, name)
            return _sheet_frame(wb, ws, name, limits, spec.header_row)
        finally:
            wb.close()


def _pick_sheet(wb: Any, sheet: str | int | None, name: str) -> Any:
    sheets = list(wb.worksheets)
    visible = [ws.title for ws in sheets if ws.sheet_state == "visible"]

    def fail(message: str, value: str) -> InvalidInputError:
        allowed = (
            "a sheet of the workbook: " + ", ".join(repr(t) for t in visible)
            if visible
            else "a workbook with a visible sheet"
        )
        return InvalidInputError(
            [Issue("excel_sheet", message, file=name, field="sheet", value=value, allowed=allowed)],
            source=name,
        )

    if sheet is None:
        for ws in sheets:
            if ws.sheet_state == "visible":
                return ws
        raise fail("the workbook has no visible sheet", repr(None))
    if isinstance(sheet, bool) or not isinstance(sheet, int | str):
        raise fail("a sheet is given by name or number", repr(sheet))
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise fail(f"the workbook has {len(sheets)} sheet(s)", repr(sheet))
        return sheets[sheet]
    for ws in sheets:
        if ws.title == sheet:
            return ws
    raise fail(f"no sheet named {sheet!r}", repr(sheet))


def _column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _hidden(attrs: dict[str, Any] | None) -> bool:
    return bool(attrs) and str(attrs.get("hidden", "")).lower() in ("1", "true")  # type: ignore[union-attr]


def _sheet_frame(
    wb: Any, ws: Any, name: str, limits: Limits, header_row: int = 1
) -> tuple[pd.DataFrame, list[list[Any]]]:
    """Stream the sheet's stored cells, checking every limit and rule as they come.

    Rows and cells are counted from what the sheet stores, so a sheet declaring
    ``A1:XFD1048576`` with three cells costs three cells. Row *header_row* is the header
    (rows above it, a title, are skipped but their cells count), data rows follow it row
    for row (blank rows in between are empty rows, so row numbers stay those of the
    sheet) up to the last row with a value.
    """
    where = f"sheet {ws.title!r}"
    src = ws._get_source()
    try:
        cells = _stream_cells(_sheet_parser(wb, ws, src), name, where, limits, header_row)
    finally:
        src.close()
    _refuse_unseen(name, where, cells)
    df = _cells_frame(cells)
    df.attrs["nqi_carbon_sheet"] = ws.title
    head = [cells.header, *[r or [] for r in cells.rows[:_SNIFF_ROWS]]]
    return df, head


def _sheet_parser(wb: Any, ws: Any, src: Any) -> Any:
    """The streaming parser of openpyxl's ReadOnlyWorksheet over the sheet's XML *src*.

    Used directly, without ReadOnlyWorksheet's padding of every row to the declared width
    and of gaps with empty rows.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    return WorkSheetParser(
        src,
        ws._shared_strings,
        data_only=False,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )


@dataclass
class _SheetCells:
    """What a sheet stores, as :func:`_stream_cells` gathered it."""

    header: list[Any]
    """The header row, by column (NaN where empty)."""
    rows: list[list[Any] | None]
    """``rows[k]`` is sheet row k + header row + 1, up to its last value; None: a blank row."""
    width: int
    """The last column holding a value, over all rows."""
    hidden_rows: list[int]
    """Hidden rows holding data."""
    hidden_cols: set[int]
    """Hidden columns (1 = A) holding data."""
    formulas: list[tuple[int, int, Any]]
    """The first ``Limits.max_issues`` formula cells: (row, column, formula)."""
    n_formulas: int
    """Every formula cell."""


def _stream_cells(
    parser: Any, name: str, where: str, limits: Limits, header_row: int = 1
) -> _SheetCells:
    """The stored cells of the sheet, row by row, each row checked before it is kept.

    The cells stored (values or not) are counted against ``max_table_cells`` as they come,
    rows above *header_row* included; a row holding data must be in order, and from the
    header on within ``max_table_columns``, ``max_table_rows`` and (rows so far x widest
    row) ``max_table_cells``.
    """
    import math

    h = header_row
    header: list[Any] = []
    rows: list[list[Any] | None] = []  # rows[k] is sheet row k + h + 1; None: blank
    width = stored = previous = 0
    hidden_rows: list[int] = []
    hidden_cols: set[int] = set()
    formulas: list[tuple[int, int, Any]] = []
    n_formulas = 0
    col_ranges: list[tuple[int, int]] | None = None
    for r, cells in parser.parse():
        stored += len(cells)
        if stored > limits.max_table_cells:
            raise _too_large(
                name,
                f"{where} stores more than {limits.max_table_cells:,} cells",
                "max_table_cells",
                limits.max_table_cells,
                "cells",
            )
        dims = parser.row_dimensions.pop(str(r), None)
        present = [c for c in cells if c["value"] is not None and c["value"] != ""]
        if not present:
            continue
        if r <= previous:
            raise InvalidInputError(
                [Issue("file_corrupt", f"{where}: row {r} is stored out of order", file=name, row=r)],
                source=name,
            )
        previous = r
        if r < h:
            continue  # a title above the header: skipped (its cells were counted)
        last = max(c["column"] for c in present)
        width = max(width, last)
        if (
            last > limits.max_table_columns
            or r - h > limits.max_table_rows
            or (r - h) * width > limits.max_table_cells
        ):
            raise _row_beyond_limits(name, where, r, last, width, limits, h)
        if col_ranges is None:  # <cols> precedes the rows: known by the first row
            col_ranges = [
                (int(a["min"]), int(a["max"]))
                for a in parser.column_dimensions.values()
                if _hidden(a)
            ]
        if _hidden(dims):
            hidden_rows.append(r)
        values: list[Any] = [math.nan] * last
        for c in present:
            col = c["column"]
            if c["data_type"] == "f":
                n_formulas += 1
                if len(formulas) < limits.max_issues:  # the rest are only counted
                    formulas.append((r, col, c["value"]))
            if col_ranges and any(lo <= col <= hi for lo, hi in col_ranges):
                hidden_cols.add(col)
            values[col - 1] = c["value"]
        if r == h:
            header = values
        else:
            rows.extend([None] * (r - h - 1 - len(rows)))
            rows.append(values)
    return _SheetCells(header, rows, width, hidden_rows, hidden_cols, formulas, n_formulas)


def _row_beyond_limits(
    name: str, where: str, r: int, last: int, width: int, limits: Limits, h: int = 1
) -> InvalidInputError:
    """The limit that sheet row *r* (last value in column *last*) goes beyond, the first found.

    Columns (*last*), then data rows (*r* - *h* below the header on row *h*), then cells
    (rows *h* + 1 to *r* at the widest *width* so far).
    """
    if last > limits.max_table_columns:
        return _too_large(
            name,
            f"{where}: cell {_column_letter(last)}{r} is in column {last:,}, more "
            "than the limit",
            "max_table_columns",
            limits.max_table_columns,
            "columns",
            row=r,
        )
    if r - h > limits.max_table_rows:
        return _too_large(
            name,
            f"{where}: row {r:,} holds data, more than {limits.max_table_rows:,} "
            "data rows below the header",
            "max_table_rows",
            limits.max_table_rows,
            "rows",
            row=r,
        )
    return _too_large(
        name,
        f"{where}: rows {h + 1} to {r:,} of {width:,} columns hold more than "
        f"{limits.max_table_cells:,} cells",
        "max_table_cells",
        limits.max_table_cells,
        "cells",
        row=r,
    )


def _cells_frame(cells: _SheetCells) -> pd.DataFrame:
    """The data rows as a frame of *width* object columns, blank rows and cells as NaN."""
    import math

    import pandas as pd

    if not cells.width:
        return pd.DataFrame()
    blank = [math.nan] * cells.width
    return pd.DataFrame(
        [blank if row is None else row + blank[len(row) :] for row in cells.rows],
        columns=_column_names(cells.header, cells.width),
        dtype=object,
    )


def _column_names(header: list[Any], width: int) -> list[str]:
    """Header names as pandas gives them: ``Unnamed: k`` for blanks, ``x.1`` for repeats."""
    import math

    names: list[str] = []
    seen: dict[str, int] = {}
    for k in range(width):
        v = header[k] if k < len(header) else math.nan
        text = f"Unnamed: {k}" if isinstance(v, float) and math.isnan(v) else _as_text(v)
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        names.append(text)
    return names


def _refuse_unseen(name: str, where: str, cells: _SheetCells) -> None:
    """Hidden rows or columns holding data, and formulas: an error naming each.

    The first ``Limits.max_issues`` formula cells are named, the others counted.
    """
    hidden_rows, hidden_cols = cells.hidden_rows, sorted(cells.hidden_cols)
    formulas, n_formulas = cells.formulas, cells.n_formulas

    def shown(nums: list[str]) -> str:
        return ", ".join(nums[:20]) + (f" and {len(nums) - 20:,} more" if len(nums) > 20 else "")

    issues = [
        Issue(
            "excel_hidden",
            f"{where}: {len(labels):,} hidden {kind}(s) hold data: {kind}s " + shown(labels),
            file=name,
            row=first_row,
            allowed=f"visible {kind}s only: unhide the {kind}s (and keep them) or delete "
            "them; what a reader of the sheet cannot see is not read silently",
        )
        for kind, labels, first_row in (
            ("row", [str(r) for r in hidden_rows], hidden_rows[0] if hidden_rows else None),
            ("column", [_column_letter(c) for c in hidden_cols], None),
        )
        if labels
    ]

    def formula_issues() -> Any:
        for r, col, text in formulas:
            yield Issue(
                "excel_formula",
                f"{where}: cell {_column_letter(col)}{r} holds a formula; nqi-carbon does "
                "not evaluate formulas, and the value saved with one may be out of date",
                file=name,
                row=r,
                value=repr(str(text))[:80],
                allowed="values only: copy the cells and paste them as values "
                "(Paste Special > Values)",
            )

    if issues or formulas:
        rest = n_formulas - len(formulas)
        more = [omitted_issues({"excel_formula": rest}, listed=0)] if rest else []
        raise InvalidInputError([*issues, *formula_issues(), *more], source=name)


# identifier columns: read as text exactly as written (an Excel number cell 123 is "123")
TEXT_COLUMNS = ("source", "unit", "instrument", "period", "distribution")


def column_codes(column: pd.Series) -> tuple[npt.NDArray[np.intp], list[object]]:
    """Integer codes (-1 for empty) and distinct values of a column.

    Categoricals need no per-row work: their codes and categories are used as they are.
    """
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.intp), column.cat.categories.tolist()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    # tolist: one conversion (iterating an Arrow-backed index makes a scalar per value)
    return codes.astype(np.intp, copy=False), uniques.tolist()


def _text_category(column: pd.Series) -> pd.Series:
    """A categorical of text: each distinct non-text value is written as text once."""
    import numpy as np
    import pandas as pd

    cat = column.astype("category")
    values = cat.cat.categories.tolist()
    if all(isinstance(v, str) for v in values):
        return cat
    texts = [_as_text(v) for v in values]
    uniques = list(dict.fromkeys(texts))
    where = {t: k for k, t in enumerate(uniques)}
    lookup = np.array([where[t] for t in texts] + [-1], dtype=np.int64)
    codes = lookup[np.asarray(cat.cat.codes, dtype=np.int64)]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object)),
        index=column.index,
        name=column.name,
    )


def _as_text(v: Any) -> str:
    """A cell as the text it shows: 123 -> "123", 1.5 -> "1.5", 2024.0 -> "2024"."""
    import datetime as _dt

    if isinstance(v, str):
        return v
    if hasattr(v, "item") and not isinstance(v, _dt.datetime):
        v = v.item()  # numpy scalars
    if isinstance(v, bool):
        return str(v).upper()  # as a spreadsheet shows it
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, _dt.datetime) and v.time() == _dt.time():
        return v.date().isoformat()
    return str(v)


_ASCII_NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
"""The ASCII form of :data:`PLAIN_NUMBER`, with nothing around it: what Arrow casts at once."""


def number_column(column: pd.Series) -> pd.Series:
    """The cells of *column* as :func:`_as_number` reads them, a whole column at a time.

    A float64 or integer column is numbers already (each cell converted as ``float``
    would); a text column held by Arrow (what ``pandas.read_csv`` gives when pyarrow is
    installed) has its plain ASCII numbers cast by Arrow at once (correctly rounded, as
    ``float()`` is) and only its other cells (empty, text, padded with spaces, digits of
    other scripts) read one by one. Any other column is read cell by cell. The result is
    a float column when every cell is a number or empty, else an object column of floats
    and the cells left as they were (text, booleans) for the table's check to name.
    """
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and (dtype == np.float64 or dtype.kind in "iu"):
        return column.astype(np.float64)
    values = _arrow_numbers(column)
    if values is None:
        out = column.astype(object).map(_as_number)
        return out.astype(float) if all(isinstance(v, float) for v in out) else out
    floats, rest = values
    if not rest.size:
        return pd.Series(floats, index=column.index, name=column.name)
    cells = column.to_numpy(dtype=object)
    mixed = floats.astype(object)
    mixed[rest] = [_as_number(cells[k]) for k in rest.tolist()]
    if all(isinstance(v, float) for v in mixed[rest]):
        return pd.Series(mixed.astype(np.float64), index=column.index, name=column.name)
    return pd.Series(mixed, index=column.index, name=column.name, dtype=object)


def _arrow_numbers(column: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]] | None:
    """Plain ASCII numbers of an Arrow-held text column (NaN elsewhere), and the other cells.

    The other cells are those neither empty nor plain numbers; None when the column is
    not text held by Arrow.
    """
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if not (
        isinstance(dtype, pd.StringDtype)
        and dtype.storage == "pyarrow"
        and dtype.na_value is np.nan  # missing cells are NaN, as _as_number reads them
    ):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.array.__arrow_array__()
    plain = pc.fill_null(pc.match_substring_regex(arr, f"^(?:{_ASCII_NUMBER})$"), False)
    known = np.asarray(pc.or_(plain, pc.is_null(arr)).to_numpy(zero_copy_only=False))
    rest = np.flatnonzero(~known)
    # every cell a plain number or empty (the usual file): cast the column as it is,
    # without first making a copy of it with the other cells blanked
    source = arr if not rest.size else pc.if_else(plain, arr, pa.scalar(None, arr.type))
    parsed = pc.cast(source, pa.float64())
    floats = np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=np.float64)
    return floats, rest


def _as_number(v: Any, spec: ReadSpec | None = None, pattern: re.Pattern[str] | None = None) -> Any:
    """Strict cell parsing: numbers only; empty is NaN (a gap), text that is no number stays text.

    Text is a number in plain decimal form (``12``, ``-3.5``, ``1e3``), or, with a *spec*
    of other separators, in the form its ``decimal`` and ``thousands`` say (*pattern*);
    ``1.234,5`` under the plain form stays text, so the table's check refuses it.
    """
    import math

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip()
    if s == "":
        return math.nan
    if pattern is None:
        return float(s) if PLAIN_NUMBER.fullmatch(s) else s
    assert spec is not None
    if not pattern.fullmatch(s):
        return s
    if pattern is _WHOLE_NUMBER:
        return float(s)
    if spec.thousands is not None:
        s = s.replace(spec.thousands, "")
    return float(s.replace(spec.decimal, "."))
