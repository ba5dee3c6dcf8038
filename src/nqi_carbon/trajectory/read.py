"""Reading an annual series or an LMDI sectors file (CSV), strictly."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._io.tables import PLAIN_NUMBER, _too_large, decode_utf8
from ..errors import CappedIssues, InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

    from ..limits import Limits



_WHOLE_ISSUE = ("code", "message", "file", "row", "field", "value", "allowed")


_NUMBER_ALLOWED = (
    "a plain decimal number such as 907800 or 9.078e5 (no thousands separators, no true/false)"
)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool) or type(v).__name__ in ("bool_", "bool")


def _whole_year(v: Any) -> int | None:
    """The year *v* stands for, or None unless it is a whole number (2020, 2020.0, "2020")."""
    import numbers

    if _is_bool(v):
        return None
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
    elif isinstance(v, str) and PLAIN_NUMBER.fullmatch(v.strip()):
        f = float(v.strip())
    else:
        return None
    return int(f) if math.isfinite(f) and f.is_integer() else None


def _plain_number(v: Any) -> tuple[float, str | None]:
    """Strict value parsing: ``(value, None)`` or ``(nan, problem)``.

    *problem* is ``missing`` (None or an empty cell), ``type`` (text, true/false) or
    ``finite`` (NaN, infinity).
    """
    import numbers

    if v is None:
        return math.nan, "missing"
    if _is_bool(v):
        return math.nan, "type"
    if isinstance(v, numbers.Real):
        f = float(v)
    elif isinstance(v, str):
        s = v.strip()
        if not s:
            return math.nan, "missing"
        if not PLAIN_NUMBER.fullmatch(s):
            return math.nan, "type"
        f = float(s)
    else:
        return math.nan, "type"
    return (f, None) if math.isfinite(f) else (math.nan, "finite")


def _parse_series(
    pairs: Iterable[tuple[Any, Any, int | None]],
    *,
    file: str | None = None,
    year_field: str | None = None,
    value_field: str | None = None,
    contiguous: bool = True,
    nonnegative: bool = True,
    optional: bool = False,
    report_years: bool = True,
) -> tuple[list[tuple[int, float]], list[Issue]]:
    """Check ``(year, value, row)`` triples; return the sorted series and *every* problem.

    Years must be whole numbers, once each (and consecutive when *contiguous*); values
    plain finite numbers (>= 0 when *nonnegative*). With *optional*, a missing value
    leaves its year out instead of being an error; without *report_years*, problems of
    the years are left to another call over the same years. At most
    ``Limits.max_issues`` problems are kept, the rest counted by code
    (:class:`~nqi_carbon.errors.OmittedIssues`), so a file of a million bad rows costs
    memory for the problems listed only.
    """
    check = _SeriesCheck(
        file=file, year_field=year_field, value_field=value_field, report_years=report_years
    )
    items, rows_of = check.values(pairs, nonnegative=nonnegative, optional=optional)
    check.years_once(rows_of)
    years = sorted(rows_of)
    if not years and not check.issues and not optional:
        check.add(Issue("series_empty", "the series is empty", file=file))
    if contiguous and years:
        check.consecutive(years)
    return sorted(items), list(check.issues)


class _SeriesCheck:
    """The checks of one annual series, each problem collected in :attr:`issues`.

    *issues* keep at most ``Limits.max_issues`` (the rest are counted by code); without
    *report_years*, the problems of the years (field *year_field*) are not collected.
    """

    def __init__(
        self,
        *,
        file: str | None,
        year_field: str | None,
        value_field: str | None,
        report_years: bool,
    ) -> None:
        self.file = file
        self.year_field = year_field
        self.value_field = value_field
        self.report_years = report_years
        self.issues: list[Issue] = CappedIssues()

    def add(self, issue: Issue) -> None:
        """Collect *issue* (unless it is a year's problem another call reports)."""
        if self.report_years or issue.field != self.year_field:
            self.issues.append(issue)

    def values(
        self, pairs: Iterable[tuple[Any, Any, int | None]], *, nonnegative: bool, optional: bool
    ) -> tuple[list[tuple[int, float]], dict[int, list[int | None]]]:
        """The ``(year, value)`` pairs that are sound, and the rows each whole year is on."""
        items: list[tuple[int, float]] = []
        rows_of: dict[int, list[int | None]] = {}
        for key, val, row in pairs:
            year = _whole_year(key)
            if year is None:
                self.add(
                    Issue(
                        "series_year",
                        "a year is a whole number",
                        file=self.file,
                        row=row,
                        field=self.year_field,
                        value=repr(key),
                        allowed="a whole year such as 2020",
                    )
                )
            else:
                rows_of.setdefault(year, []).append(row)
            num, problem = _plain_number(val)
            if problem is None and nonnegative and num < 0:
                problem = "negative"
            if problem is not None and not (problem == "missing" and optional):
                of = "" if year is None else f" for {year}"
                code, message, allowed = {
                    "missing": ("missing", f"no value{of}", "a number (empty is not 0)"),
                    "type": ("float_type", f"the value{of} is not a number", _NUMBER_ALLOWED),
                    "finite": ("finite_number", f"the value{of} is not finite", "a finite number"),
                    "negative": (
                        "emissions_not_negative",
                        f"emissions{of} are negative",
                        "gross emissions >= 0 (removals are given separately)",
                    ),
                }[problem]
                self.add(
                    Issue(
                        code,
                        message,
                        file=self.file,
                        row=row,
                        field=self.value_field,
                        value=repr(val),
                        allowed=allowed,
                    )
                )
            elif problem is None and year is not None:
                items.append((year, num))
        return items, rows_of

    def years_once(self, rows_of: Mapping[int, list[int | None]]) -> None:
        """Each year once: a repeated year is a problem naming its rows (the first 20)."""
        for year, rows in sorted(rows_of.items()):
            if len(rows) > 1:
                nums = [str(r) for r in rows[:20] if r is not None]
                at = ", ".join(nums) + (" ..." if len(rows) > 20 else "")
                self.add(
                    Issue(
                        "series_years_unique",
                        f"year {year} is given {len(rows)} times"
                        + (f" (rows {at})" if at else ""),
                        file=self.file,
                        field=self.year_field,
                        value=str(year),
                        allowed="one value per year",
                    )
                )

    def consecutive(self, years: list[int]) -> None:
        """No gap between the (sorted) *years*: a gap is a problem naming the first 20 missing.

        The missing years come from the gaps between the years given: never a range over
        the span, which a year such as 1e12 in the file would make endless.
        """
        n_missing = years[-1] - years[0] + 1 - len(years)
        if not n_missing:
            return
        gaps: list[int] = []
        for a, b in itertools.pairwise(years):
            gaps.extend(range(a + 1, min(b, a + 1 + 20 - len(gaps))))
            if len(gaps) >= 20:
                break
        self.add(
            Issue(
                "series_contiguous",
                "years must be consecutive (no gaps); missing "
                + ", ".join(str(y) for y in gaps)
                + (f" and {n_missing - len(gaps):,} more" if n_missing > len(gaps) else ""),
                file=self.file,
                field=self.year_field,
                value=repr(years)
                if len(years) <= 50
                else f"{len(years):,} years from {years[0]} to {years[-1]}",
            )
        )


def _as_series(
    values: Mapping[Any, Any] | pd.Series, *, nonnegative: bool = True
) -> list[tuple[int, float]]:
    """A checked annual series, sorted by year (a mapping's order carries no meaning)."""
    pairs = values.items() if hasattr(values, "items") else dict(values).items()
    items, issues = _parse_series(((k, v, None) for k, v in pairs), nonnegative=nonnegative)
    if issues:
        raise InvalidInputError(issues)
    return items


def _read_csv_text(path: str, *, allowed: str) -> pd.DataFrame:
    """Read a small CSV strictly: UTF-8 (a BOM is accepted), every cell kept as text.

    Unreadable, non-UTF-8 (UTF-16 is named as such), empty or malformed files raise
    :class:`InvalidInputError` naming the file. The file is read like an activity table:
    confined under a :class:`~nqi_carbon.Sandbox`, a regular file, and within the
    ``max_table_bytes``, ``max_table_rows``, ``max_table_columns`` and
    ``max_table_cells`` of the active :class:`~nqi_carbon.Limits`.
    """
    import pandas as pd

    from .._io.files import read_input
    from ..limits import current_limits

    name = str(path)
    limits = current_limits()
    raw = read_input(
        path, limit=limits.max_table_bytes, limit_name="max_table_bytes", what="CSV file"
    )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _file_error(
            name,
            "encoding",
            "the file is UTF-16 encoded",
            value=repr(raw[:2]),
            allowed="UTF-8 text (a BOM is accepted): save it as 'CSV UTF-8'",
        )
    lines = _csv_lines(decode_utf8(raw, name), name, limits, allowed=allowed)
    if not lines:
        raise _file_error(
            name, "table_columns", "the file is empty (no header row)", allowed=allowed
        )
    header = [c.strip() for c in lines[0]]
    if any(len(r) != len(header) for r in lines[1:]):
        raise _ragged_rows_error(lines, name, allowed=allowed)
    df = pd.DataFrame(lines[1:], columns=header, dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _file_error(name: str, code: str, message: str, **where: Any) -> InvalidInputError:
    """The error of one problem of the file *name*."""
    return InvalidInputError([Issue(code, message, file=name, **where)], source=name)


def _csv_lines(text: str, name: str, limits: Limits, *, allowed: str) -> list[list[str]]:
    """The rows of a CSV that are not blank, each checked against the limits before it is kept.

    A row of more than ``max_table_columns`` fields, a row beyond ``max_table_rows`` data
    rows (after the header) and a cell beyond ``max_table_cells`` stop the reading.
    """
    import csv
    import io

    lines: list[list[str]] = []
    cells = 0
    try:
        for r in csv.reader(io.StringIO(text, newline="")):
            if not any(c.strip() for c in r):
                continue
            if len(r) > limits.max_table_columns:
                raise _too_large(
                    name,
                    f"row {len(lines)} has {len(r):,} fields, more than the limit",
                    "max_table_columns",
                    limits.max_table_columns,
                    "columns",
                )
            cells += len(r)
            if len(lines) > limits.max_table_rows:  # the header and then the data rows
                raise _too_large(
                    name,
                    f"the table has more than {limits.max_table_rows:,} data rows",
                    "max_table_rows",
                    limits.max_table_rows,
                    "rows",
                )
            if cells > limits.max_table_cells:
                raise _too_large(
                    name,
                    f"the table has more than {limits.max_table_cells:,} cells",
                    "max_table_cells",
                    limits.max_table_cells,
                    "cells",
                )
            lines.append(r)
    except csv.Error as exc:
        raise _file_error(
            name, "file_corrupt", f"cannot read the CSV ({exc})", allowed=allowed
        ) from None
    return lines


def _ragged_rows_error(lines: list[list[str]], name: str, *, allowed: str) -> InvalidInputError:
    """The rows whose number of fields is not the header's (*lines[0]*), each named.

    The issues are made one at a time as the error takes them: a flood of bad rows
    stays bounded.
    """
    width = len(lines[0])
    return InvalidInputError(
        (
            Issue(
                "file_corrupt",
                f"{len(r)} field(s) where the header has {width}",
                file=name,
                row=k,
                value=repr(",".join(r))[:200],
                allowed=f"comma-separated columns {allowed}; quote a value that contains "
                "a comma",
            )
            for k, r in enumerate(lines[1:], start=1)
            if len(r) != width
        ),
        source=name,
    )


def _read_series_csv(path: str) -> tuple[dict[int, float], dict[int, float] | None, list[str]]:
    """Read an annual series from a CSV with columns ``year, gross_co2e_t[, removals_co2e_t]``.

    Returns the gross emissions and the removals by year [t CO2e] and notes on what was
    done to the table (rows sorted by year, columns ignored). Every problem of the file
    (whole-number years once each and consecutive; plain numbers, gross >= 0; an empty
    removals cell means none stated) is raised at once as :class:`InvalidInputError`,
    naming file, row (1 = the first data row), column and value.
    """
    from ..errors import close_matches

    name = str(path)
    known = ("year", "gross_co2e_t", "removals_co2e_t")
    allowed = "year, gross_co2e_t[, removals_co2e_t]"
    df = _read_csv_text(path, allowed=allowed)
    cols = list(df.columns)
    missing = [c for c in known[:2] if c not in cols]
    dup_cols = sorted({c for c in cols if cols.count(c) > 1} & set(known))
    if missing or dup_cols:
        extra = [c for c in cols if c not in known]
        hint = "".join(
            f"; {m!r} may be {', '.join(map(repr, close_matches(m, extra)))}"
            for m in missing
            if close_matches(m, extra)
        )
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    (f"missing column(s) {', '.join(missing)}" if missing else "")
                    + (f"repeated column(s) {', '.join(dup_cols)}" if dup_cols else "")
                    + hint,
                    file=name,
                    value=repr(cols),
                    allowed=allowed,
                )
            ],
            source=name,
        )
    rows = range(1, len(df) + 1)
    actual, issues = _parse_series(
        zip(df["year"], df["gross_co2e_t"], rows, strict=True),
        file=name,
        year_field="year",
        value_field="gross_co2e_t",
    )
    removals = None
    if "removals_co2e_t" in cols:
        rem, more = _parse_series(
            zip(df["year"], df["removals_co2e_t"], rows, strict=True),
            file=name,
            year_field="year",
            value_field="removals_co2e_t",
            contiguous=False,
            nonnegative=False,
            optional=True,
            report_years=False,  # year problems are already reported with gross_co2e_t
        )
        issues += more
        removals = dict(rem)
    if issues:
        raise InvalidInputError(issues, source=name)
    notes = []
    years = [y for y in map(_whole_year, df["year"]) if y is not None]
    if years != sorted(years):
        notes.append(f"{name}: the rows are not in year order; the series was sorted by year")
    ignored = [c for c in cols if c not in known]
    if ignored:
        notes.append(f"{name}: column(s) ignored: {', '.join(ignored)} (used: {allowed})")
    return dict(actual), removals, notes


