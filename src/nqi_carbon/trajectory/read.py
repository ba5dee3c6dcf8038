"""Reading an annual series or an LMDI sectors file (CSV), strictly."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._io.tables import PLAIN_NUMBER, decode_utf8
from ..errors import InvalidInputError, Issue, omitted_issues

if TYPE_CHECKING:
    import pandas as pd



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
    from ..limits import current_limits

    cap = current_limits().max_issues
    issues: list[Issue] = []
    omitted: dict[str, int] = {}

    def add(issue: Issue) -> None:
        if not report_years and issue.field == year_field:
            return
        if len(issues) < cap:
            issues.append(issue)
        else:
            omitted[issue.code] = omitted.get(issue.code, 0) + 1

    items: list[tuple[int, float]] = []
    rows_of: dict[int, list[int | None]] = {}
    for key, val, row in pairs:
        year = _whole_year(key)
        if year is None:
            add(
                Issue(
                    "series_year",
                    "a year is a whole number",
                    file=file,
                    row=row,
                    field=year_field,
                    value=repr(key),
                    allowed="a whole year such as 2020",
                )
            )
        else:
            rows_of.setdefault(year, []).append(row)
        num, problem = _plain_number(val)
        of = "" if year is None else f" for {year}"
        if problem is None and nonnegative and num < 0:
            problem = "negative"
        if problem is not None and not (problem == "missing" and optional):
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
            add(
                Issue(
                    code,
                    message,
                    file=file,
                    row=row,
                    field=value_field,
                    value=repr(val),
                    allowed=allowed,
                )
            )
        elif problem is None and year is not None:
            items.append((year, num))
    for year, rows in sorted(rows_of.items()):
        if len(rows) > 1:
            nums = [str(r) for r in rows[:20] if r is not None]
            at = ", ".join(nums) + (" ..." if len(rows) > 20 else "")
            add(
                Issue(
                    "series_years_unique",
                    f"year {year} is given {len(rows)} times" + (f" (rows {at})" if at else ""),
                    file=file,
                    field=year_field,
                    value=str(year),
                    allowed="one value per year",
                )
            )
    years = sorted(rows_of)
    if not years and not issues and not optional:
        add(Issue("series_empty", "the series is empty", file=file))
    if contiguous and years:
        # the missing years from the gaps between the years given: never a range over the
        # span, which a year such as 1e12 in the file would make endless
        n_missing = years[-1] - years[0] + 1 - len(years)
        gaps: list[int] = []
        for a, b in itertools.pairwise(years):
            gaps.extend(range(a + 1, min(b, a + 1 + 20 - len(gaps))))
            if len(gaps) >= 20:
                break
        if n_missing:
            add(
                Issue(
                    "series_contiguous",
                    "years must be consecutive (no gaps); missing "
                    + ", ".join(str(y) for y in gaps)
                    + (f" and {n_missing - len(gaps):,} more" if n_missing > len(gaps) else ""),
                    file=file,
                    field=year_field,
                    value=repr(years) if len(years) <= 50 else f"{len(years):,} years "
                    f"from {years[0]} to {years[-1]}",
                )
            )
    if omitted:
        issues.append(omitted_issues(omitted, listed=len(issues)))
    return sorted(items), issues


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
    import csv
    import io

    import pandas as pd

    from .._io.files import read_input
    from ..limits import current_limits, limit_issue

    name = str(path)
    limits = current_limits()

    def fail(code: str, message: str, **where: Any) -> InvalidInputError:
        return InvalidInputError([Issue(code, message, file=name, **where)], source=name)

    def too_large(message: str, limit_name: str, unit: str) -> InvalidInputError:
        limit = getattr(limits, limit_name)
        issue = limit_issue(
            "table_too_large", message, limit_name=limit_name, limit=limit, unit=unit, file=name
        )
        return InvalidInputError([issue], source=name)

    raw = read_input(
        path, limit=limits.max_table_bytes, limit_name="max_table_bytes", what="CSV file"
    )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise fail(
            "encoding",
            "the file is UTF-16 encoded",
            value=repr(raw[:2]),
            allowed="UTF-8 text (a BOM is accepted): save it as 'CSV UTF-8'",
        )
    text = decode_utf8(raw, name)
    lines: list[list[str]] = []
    cells = 0
    try:
        for r in csv.reader(io.StringIO(text, newline="")):
            if not any(c.strip() for c in r):
                continue
            if len(r) > limits.max_table_columns:
                raise too_large(
                    f"row {len(lines)} has {len(r):,} fields, more than the limit",
                    "max_table_columns",
                    "columns",
                )
            cells += len(r)
            if len(lines) > limits.max_table_rows:  # the header and then the data rows
                raise too_large(
                    f"the table has more than {limits.max_table_rows:,} data rows",
                    "max_table_rows",
                    "rows",
                )
            if cells > limits.max_table_cells:
                raise too_large(
                    f"the table has more than {limits.max_table_cells:,} cells",
                    "max_table_cells",
                    "cells",
                )
            lines.append(r)
    except csv.Error as exc:
        raise fail("file_corrupt", f"cannot read the CSV ({exc})", allowed=allowed) from None
    if not lines:
        raise fail("table_columns", "the file is empty (no header row)", allowed=allowed)
    header = [c.strip() for c in lines[0]]
    if any(len(r) != len(header) for r in lines[1:]):
        raise InvalidInputError(  # one issue at a time: a flood of bad rows stays bounded
            (
                Issue(
                    "file_corrupt",
                    f"{len(r)} field(s) where the header has {len(header)}",
                    file=name,
                    row=k,
                    value=repr(",".join(r))[:200],
                    allowed=f"comma-separated columns {allowed}; quote a value that contains "
                    "a comma",
                )
                for k, r in enumerate(lines[1:], start=1)
                if len(r) != len(header)
            ),
            source=name,
        )
    df = pd.DataFrame(lines[1:], columns=header, dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    return df


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


