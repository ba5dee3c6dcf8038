"""Ingest: activity records gathered into integer-coded columns and checked.

Inline records and activity tables become one set of columns (:func:`activity_columns`),
checked with vectorised rules; every problem is named by file, row and field.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._io.spec import TABLE_COLUMNS
from .._io.tables import column_codes
from ..data.factors import registry_for
from ..data.fields import (
    MAX_LOGNORMAL_RATIO,
    MAX_RELATIVE_UNCERTAINTY,
    Distribution,
    lognormal_half_width,
    relative_half_width,
)
from ..errors import (
    InvalidInputError,
    Issue,
    NqiCarbonError,
)
from ..inventory.models import Inventory
from ..units import parse_unit
from .kernel import PairMaxima, pair_codes
from .plan import _Planner, plan_sources

if TYPE_CHECKING:
    import pandas as pd

    from .gaps import PeriodLabels
    from .plan import FloatArray, IntArray

__all__ = ["ActivityColumns", "activity_columns"]

# ---------------------------------------------------------------------------------------
# 2. activity columns
# ---------------------------------------------------------------------------------------
@dataclass
class ActivityColumns:
    """Activity records as integer-coded columns (one entry per record).

    ``u95`` is the record's own relative 95 % half-width (NaN when not stated);
    ``instrument`` is an index into ``instrument_ids`` (-1 for none); ``dist`` codes the
    record's distribution (0 none/normal-relative, 1 normal, 2 lognormal, 3 triangular,
    4 uniform) for Monte Carlo.
    """

    source: IntArray
    amount: FloatArray
    unit: IntArray
    unit_names: list[str]
    instrument: IntArray
    instrument_ids: list[str]
    u95: FloatArray
    dist: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    lower: FloatArray = field(default_factory=lambda: np.zeros(0))
    upper: FloatArray = field(default_factory=lambda: np.zeros(0))
    # ``source * n_units + unit`` per record and its bincount, when already computed
    pair_key: IntArray | None = None
    pair_counts: npt.NDArray[np.intp] | None = None
    # maxima of the amounts and distributions taken in the same (compiled) pass
    pair_maxima: PairMaxima | None = None
    # table rows read after their instrument's calibration was due: (source id,
    # instrument id, rows, whether the instrument's fallback uncertainty was used)
    calibration_expired: list[tuple[str, str, int, bool]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.amount.size)


_DIST_CODE = {"normal": 1, "lognormal": 2, "triangular": 3, "uniform": 4}


def _u95_of_rows(
    dist: npt.NDArray[np.int8], lower: FloatArray, upper: FloatArray, amount: FloatArray
) -> FloatArray:
    """Vectorised :func:`relative_half_width` for table rows (mode at the row's amount).

    Rows without a distribution (code 0) or with bad bounds give NaN-free garbage that the
    caller masks out.
    """
    from ..data.fields import Z95

    a, b = lower, upper
    c = np.clip(amount, a, b)
    ln_a = np.log(np.where(a > 0, a, 1.0))
    ln_b = np.log(np.where(b > 0, b, 1.0))
    mu = 0.5 * (ln_a + ln_b)
    sig = (ln_b - ln_a) / (2.0 * Z95)
    with np.errstate(over="ignore", invalid="ignore"):
        lognormal_sd = np.exp(mu + sig * sig / 2.0) * np.sqrt(np.expm1(sig * sig))
        sd = np.select(
            [dist == 1, dist == 2, dist == 4, dist == 3],
            [
                (b - a) / 2.0 / Z95,
                lognormal_sd,
                (b - a) / np.sqrt(12.0),
                np.sqrt(np.maximum(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18.0),
            ],
            default=0.0,
        )
        out: FloatArray = np.where(amount > 0, Z95 * sd / amount, 0.0)
    huge = (dist == 2) & np.isinf(lognormal_sd) & (amount > 0) & (a > 0) & (b >= a)
    for k in np.flatnonzero(huge).tolist():  # bounds near the float range: in log space
        out[k] = lognormal_half_width(float(a[k]), float(b[k]), float(amount[k]))
    return out


def activity_columns(inv: Inventory, table: pd.DataFrame | None = None) -> ActivityColumns:
    """Collect inline activity records and an optional long table into columns.

    The table has columns ``source``, ``amount``, ``unit`` and optionally ``instrument``,
    ``uncertainty`` (relative 95 % half-width), ``period`` (``YYYY``, ``YYYY-MM`` or
    ``YYYY-Qn``, as for inline records; empty for none), ``distribution``, ``lower`` and
    ``upper``. Text columns may be plain strings or, much faster at scale, pandas
    categoricals: then each distinct value is looked up once. Every problem is reported
    at once: bad cells, unknown sources/units/instruments, units that do not fit the
    source's factor, period labels that are malformed, outside the inventory period or
    overlapping (with each other or with the source's inline records). Data gaps are
    :func:`nqi_carbon.calc.gaps.gap_issues`'s (``calculate`` checks both). Rows of a DataFrame
    are 1-based data rows; rows of an activity file are named by file and spreadsheet row
    (the header is row 1).
    """
    cols, issues = _activity_columns(inv, table)
    if issues:
        raise InvalidInputError(issues, source=_table_name(table))
    return cols


def _table_name(table: pd.DataFrame | None) -> str:
    segs = _row_segments(table) if table is not None else []
    names = list(dict.fromkeys(s[0] for s in segs))
    return ", ".join(names) if names else "activity table"


def _activity_columns(
    inv: Inventory, table: pd.DataFrame | None
) -> tuple[ActivityColumns, list[Issue]]:
    """:func:`activity_columns` without raising: the columns and every problem found.

    The inline records (:func:`_inline_columns`) come first, then the table's rows
    (checked by :func:`_table_columns`, joined by :func:`_join_table`); then the table's
    periods, the fit of every unit to its source's factor, and the table rows read after
    their instrument's calibration was due.
    """
    src_index: dict[str, int] | None = inv._cache.get("source_index")  # read, never changed
    if src_index is None:
        src_index = inv._cache["source_index"] = {s.id: i for i, s in enumerate(inv.sources)}
    ins_ids = [ins.id for ins in inv.instruments]
    ins_index = {k: i for i, k in enumerate(ins_ids)}
    cols = _inline_columns(inv, ins_ids, ins_index)
    if table is None or len(table) == 0:
        return cols, []
    rows = _RowNames(table)
    tab, issues = _table_columns(table, src_index, ins_index, rows)
    n_inline = len(cols)
    out = _join_table(cols, tab)
    if "period" in table.columns:
        issues += _period_issues(inv, table, tab["source"], rows)
    issues += _unit_fit_issues(inv, out, n_inline, tab["row_ok"], rows)
    if not issues:
        _table_calibration(inv, table, out, n_inline)
    return out, issues


def _inline_columns(
    inv: Inventory, ins_ids: list[str], ins_index: Mapping[str, int]
) -> ActivityColumns:
    """The inventory's inline records as columns, units coded in order of appearance.

    A record read after its instrument's calibration was due takes the instrument's
    fallback uncertainty (when stated and the record states none) as an error of its
    own, no longer the instrument's.
    """
    unit_names: list[str] = []
    unit_index: dict[str, int] = {}
    if not _has_records(inv):  # a table-only inventory: nothing to gather
        return ActivityColumns(
            np.zeros(0, dtype=np.intp),
            np.zeros(0),
            np.zeros(0, dtype=np.intp),
            unit_names,
            np.zeros(0, dtype=np.intp),
            ins_ids,
            np.zeros(0),
            np.zeros(0, np.int8),
            np.zeros(0),
            np.zeros(0),
        )

    def unit_code(name: str) -> int:
        if name not in unit_index:
            unit_index[name] = len(unit_names)
            unit_names.append(name)
        return unit_index[name]

    s_codes: list[int] = []
    amounts: list[float] = []
    units: list[int] = []
    ins: list[int] = []
    u95: list[float] = []
    dist: list[int] = []
    lo: list[float] = []
    hi: list[float] = []
    for i, src in enumerate(inv.sources):
        for rec in src.records:
            s_codes.append(i)
            amounts.append(rec.amount)
            units.append(unit_code(rec.unit))
            spec = rec.uncertainty
            instrument = inv.instrument(rec.instrument) if rec.instrument is not None else None
            expired = inv.expired_instrument(rec)
            if spec is None and expired is not None and expired.fallback_uncertainty is not None:
                # read outside the calibration's validity: the stated fallback uncertainty,
                # as an error of its own (no longer the instrument's calibrated one)
                spec = expired.fallback_uncertainty
                instrument = None
            ins.append(ins_index[instrument.id] if instrument is not None else -1)
            if isinstance(spec, Distribution):
                u95.append(relative_half_width(spec, rec.amount) if rec.amount else 0.0)
                dist.append(_DIST_CODE[spec.distribution])
                lo.append(spec.lower)
                hi.append(spec.upper)
            else:
                u95.append(math.nan if spec is None else float(spec))
                dist.append(0)
                lo.append(math.nan)
                hi.append(math.nan)
    return ActivityColumns(
        np.asarray(s_codes, dtype=np.intp),
        np.asarray(amounts, dtype=float),
        np.asarray(units, dtype=np.intp),
        unit_names,
        np.asarray(ins, dtype=np.intp),
        ins_ids,
        np.asarray(u95, dtype=float),
        np.asarray(dist, np.int8),
        np.asarray(lo, dtype=float),
        np.asarray(hi, dtype=float),
    )


def _has_records(inv: Inventory) -> bool:
    """Whether any source of *inv* has inline activity records (looked at once)."""
    found: bool | None = inv._cache.get("has_records")
    if found is None:
        found = inv._cache["has_records"] = any(src.records for src in inv.sources)
    return found


def _join_table(cols: ActivityColumns, tab: dict[str, Any]) -> ActivityColumns:
    """The inline columns *cols* followed by the table's checked columns *tab*.

    The table's unit codes are recoded into the inline records' list of units (extended
    by the table's new units); a table without inline records is used without copies.
    Missing units (code -1) stay -1 only while the table is refused.
    """
    unit_names = cols.unit_names
    unit_index = {u: k for k, u in enumerate(unit_names)}
    for u in tab["unit_names"]:
        if u not in unit_index:
            unit_index[u] = len(unit_names)
            unit_names.append(u)
    remap = np.array([unit_index[u] for u in tab["unit_names"]], dtype=np.intp)
    n_tab = tab["amount"].size
    if not len(cols):  # table only: no copies
        same = bool(np.array_equal(remap, np.arange(remap.size)))
        out = ActivityColumns(
            tab["source"],
            tab["amount"],
            tab["unit"] if same or remap.size == 0 else remap[tab["unit"]],
            unit_names,
            tab["instrument"],
            cols.instrument_ids,
            tab["u95"],
        )
        if tab["dist"] is not None:
            out.dist, out.lower, out.upper = tab["dist"], tab["lower"], tab["upper"]
        return out
    return ActivityColumns(
        np.concatenate([cols.source, tab["source"]]),
        np.concatenate([cols.amount, tab["amount"]]),
        np.concatenate([cols.unit, remap[tab["unit"]] if remap.size else tab["unit"]]),
        unit_names,
        np.concatenate([cols.instrument, tab["instrument"]]),
        cols.instrument_ids,
        np.concatenate([cols.u95, tab["u95"]]),
        np.concatenate(
            [cols.dist, np.zeros(n_tab, np.int8) if tab["dist"] is None else tab["dist"]]
        ),
        np.concatenate(
            [cols.lower, np.full(n_tab, np.nan) if tab["lower"] is None else tab["lower"]]
        ),
        np.concatenate(
            [cols.upper, np.full(n_tab, np.nan) if tab["upper"] is None else tab["upper"]]
        ),
    )


def _table_calibration(inv: Inventory, table: pd.DataFrame, out: ActivityColumns, n0: int) -> None:
    """Table rows read after their instrument's calibration was due, as for inline records.

    A row covers its period (or, without one, the whole inventory period); if its last
    day is after the due date it is flagged, and it takes the instrument's fallback
    uncertainty as an error of its own when one is stated. Vectorised per instrument.
    """
    due = {
        i.id: i
        for i in inv.instruments
        if i.calibration_due is not None and i.calibration_due < inv.period.end - _dt.timedelta(days=1)
    }
    if not due or "instrument" not in table.columns:
        return
    ins = out.instrument[n0:]
    if "period" in table.columns:
        from .gaps import _period_labels

        p_codes, _, spans, _ = _period_labels(table)
        ends = np.array(
            [(s[1] if s is not None else inv.period.end).toordinal() for s in spans]
            + [inv.period.end.toordinal()],
            dtype=np.int64,
        )
        last_day = ends[p_codes] - 1
    else:
        last_day = np.full(ins.size, inv.period.end.toordinal() - 1, dtype=np.int64)
    src_ids = [s.id for s in inv.sources]
    for k, ins_id in enumerate(out.instrument_ids):
        instrument = due.get(ins_id)
        if instrument is None or instrument.calibration_due is None:
            continue
        hit = np.flatnonzero((ins == k) & (last_day > instrument.calibration_due.toordinal()))
        if not hit.size:
            continue
        fallback = instrument.fallback_uncertainty
        # as for inline records: a row's own stated uncertainty wins; the fallback replaces
        # only the instrument's calibrated uncertainty
        fall = hit[np.isnan(out.u95[hit + n0])] if fallback is not None else hit[:0]
        if fall.size:
            rows_all = fall + n0
            # copies: these arrays may be views of the caller's DataFrame
            out.u95 = out.u95.copy()
            out.instrument = out.instrument.copy()
            out.u95[rows_all] = fallback  # an error of its own, no longer the instrument's
            out.instrument[rows_all] = -1
            ins = out.instrument[n0:]
        per_source = np.bincount(out.source[hit + n0], minlength=len(src_ids))
        for s_i in np.flatnonzero(per_source).tolist():
            fell_back = bool(fall.size and (out.source[fall + n0] == s_i).any())
            out.calibration_expired.append((src_ids[s_i], ins_id, int(per_source[s_i]), fell_back))


# ---- where a table row comes from ------------------------------------------------------
class _RowNames:
    """Where table row k comes from: (file or "activity table", row number as shown).

    A table joined from activity files carries ``attrs["nqi_carbon_rows"]``: a list of
    (name, first table row, number of rows, row number of its first data row); a
    DataFrame without it is one "activity table" numbered from 1 (data rows).
    """

    def __init__(self, table: pd.DataFrame) -> None:
        segs = _row_segments(table)
        self.names = [s[0] for s in segs]
        self.starts = np.array([s[1] for s in segs], dtype=np.int64)
        self.first = np.array([s[3] for s in segs], dtype=np.int64)
        sheets = getattr(table, "attrs", {}).get("nqi_carbon_sheets")
        self.sheets: dict[str, str] = sheets if isinstance(sheets, dict) else {}

    def split(
        self, idx: npt.NDArray[np.int64]
    ) -> list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """(name, table indices, row numbers as the user sees them) per file, in order."""
        if idx.size == 0:
            return []
        if len(self.names) == 1:
            return [(self.names[0], idx, idx - self.starts[0] + self.first[0])]
        seg = np.searchsorted(self.starts, idx, side="right") - 1
        out = []
        for s in np.unique(seg).tolist():
            sel = idx[seg == s]
            out.append((self.names[s], sel, sel - self.starts[s] + self.first[s]))
        return out

    def note(self, name: str) -> str:
        """How the rows of *name* are numbered, for files (DataFrames: 1-based data rows)."""
        k = self.names.index(name)
        if self.first[k] <= 1:
            return ""
        sheet = self.sheets.get(name)
        where = f"sheet {sheet!r}; " if sheet is not None else ""
        return f" ({where}spreadsheet rows: the header is row {self.first[k] - 1})"

    def describe(self, idx: npt.NDArray[np.int64], limit: int = 5) -> str:
        """``m.csv rows 2, 3 and 10 more; n.csv row 4`` for a set of table row indices."""
        parts = []
        for name, _, nums in self.split(idx):
            text = ", ".join(str(n) for n in nums[:limit].tolist())
            more = nums.size - limit
            parts.append(
                f"{name} row{'s' if nums.size > 1 else ''} {text}"
                + (f" and {more} more" if more > 0 else "")
            )
        return "; ".join(parts)


def _row_segments(table: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    segs = getattr(table, "attrs", {}).get("nqi_carbon_rows")
    if isinstance(segs, list) and segs and sum(int(s[2]) for s in segs) == len(table):
        return [(str(s[0]), int(s[1]), int(s[2]), int(s[3])) for s in segs]
    return [("activity table", 0, len(table), 1)]


def _plain(v: Any) -> str:
    """``repr`` of a cell as plain Python (``-1.0``, not ``np.float64(-1.0)``)."""
    if isinstance(v, np.generic):
        v = v.item()
    return repr(v)


def _grouped(idx: npt.NDArray[np.int64], keys: npt.NDArray[Any]) -> list[npt.NDArray[np.int64]]:
    """Split row indices into groups of equal key, each in row order, by first row."""
    if idx.size == 0:
        return []
    k = keys[idx]
    order = np.argsort(k, kind="stable")
    ks = k[order]
    cuts = np.flatnonzero(ks[1:] != ks[:-1]) + 1
    groups = np.split(idx[order], cuts)
    return sorted(groups, key=lambda g: int(g[0]))


def _value_issues(
    rows: _RowNames,
    groups: Sequence[npt.NDArray[np.int64]],
    code: str,
    col: str,
    msg: str,
    allowed: str,
    value_of: Any,
    limit: int = 50,
) -> list[Issue]:
    """One issue per offending value and file, naming its first rows and the count."""
    issues: list[Issue] = []
    for g in groups[:limit]:
        value = value_of(int(g[0]))
        for name, _, nums in rows.split(g):
            n = nums.size
            where = ""
            if n > 1:
                shown = ", ".join(str(x) for x in nums[:5].tolist())
                where = f" (in {n} rows: {shown}" + (" ...)" if n > 5 else ")")
            issues.append(
                Issue(
                    code,
                    msg + where + rows.note(name),
                    file=name,
                    row=int(nums[0]),
                    field=col,
                    value=value,
                    allowed=allowed,
                )
            )
    if len(groups) > limit:
        rest = np.sort(np.concatenate(list(groups[limit:])))
        issues.append(
            Issue(
                code,
                f"... and {len(groups) - limit} more values with the same problem "
                f"({rows.describe(rest)})",
                field=col,
            )
        )
    return issues


_LOCALE_NUMBER = re.compile(r"[-+]?\d{1,3}(?:[.,' \u00a0\u202f]\d{3})*(?:[.,]\d+)?")


def _locale_hint(texts: npt.NDArray[Any]) -> str:
    """How to read numbers written with separators (``1.234,5``, ``7 000``), when some are."""
    for v in texts[:1000]:
        if isinstance(v, str) and _LOCALE_NUMBER.fullmatch(v.strip()) and not v.strip().isdigit():
            return (
                " (it looks like a number with a decimal comma or a thousands separator: state "
                "decimal and thousands in the file's reading spec, e.g. decimal: ',', "
                "thousands: '.'; such text is never read as another number)"
            )
    return ""


# the columns an activity table may have
_TABLE_COLUMNS = frozenset(TABLE_COLUMNS)


def _table_columns(
    table: pd.DataFrame,
    src_index: Mapping[str, int],
    ins_index: Mapping[str, int],
    rows: _RowNames | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Vectorised validation of a long activity table: the columns and every problem.

    The columns are checked one after the other (:class:`_TableCheck`), each problem
    named by file, row and field. ``row_ok`` is None when every row is fine, else a mask
    of the rows whose source and unit are both usable (for the later unit/factor check).
    """
    check = _TableCheck(table, rows if rows is not None else _RowNames(table))
    check.header()
    amount = check.amount_column()
    source, source_fine = check.source_column(src_index)
    u_codes, u_values, unit_ok, units_fine = check.unit_column()
    row_ok = None
    if not source_fine or not units_fine:
        row_ok = (source >= 0) & unit_ok[u_codes]
    instrument = check.instrument_column(ins_index)
    u95 = check.uncertainty_column()
    check.stray_bounds()
    dist = lower = upper = None
    if "distribution" in table.columns:
        dist = check.distribution_column()
        bounds = check.bounds_columns(dist, amount, u95)
        if bounds is not None:
            dist, lower, upper, u95 = bounds
    return {
        "source": source,
        "amount": amount,
        "unit": u_codes,
        "unit_names": [str(u) for u in u_values],
        "instrument": instrument,
        "u95": u95,
        "dist": dist,
        "lower": lower,
        "upper": upper,
        "row_ok": row_ok,
    }, check.issues


class _TableCheck:
    """The checks of one long activity table, column by column, and the problems found.

    Each ``*_column`` method reads one column into an array (codes for text columns,
    floats for numbers) with vectorised rules; :meth:`bad` and :meth:`bad_values` record
    the problems, named by file, row and field.
    """

    def __init__(self, table: pd.DataFrame, rows: _RowNames) -> None:
        self.table = table
        self.rows = rows
        self.name = _table_name(table)
        self.issues: list[Issue] = []

    def bad(
        self, mask: npt.NDArray[np.bool_], code: str, col: str, msg: str, allowed: str, values: Any
    ) -> None:
        """A per-row problem: the first rows of each file one by one, then the count."""
        if not mask.any():
            return
        import pandas as pd

        rows = self.rows
        idx = np.flatnonzero(mask)
        vals = values.to_numpy() if isinstance(values, pd.Series) else values
        for fname, sel, nums in rows.split(idx):
            for k, n in zip(sel[:20].tolist(), nums[:20].tolist(), strict=True):
                self.issues.append(
                    Issue(
                        code,
                        msg + rows.note(fname),
                        file=fname,
                        row=int(n),
                        field=col,
                        value=_plain(vals[k]),
                        allowed=allowed,
                    )
                )
            if nums.size > 20:
                more = nums[20:]
                shown = ", ".join(str(x) for x in more[:5].tolist())
                self.issues.append(
                    Issue(
                        code,
                        f"... and {more.size} more rows with the same problem (rows {shown}"
                        + (" ...)" if more.size > 5 else ")")
                        + rows.note(fname),
                        file=fname,
                        row=int(more[0]),
                        field=col,
                        allowed=allowed,
                    )
                )

    def bad_values(
        self,
        mask: npt.NDArray[np.bool_],
        codes: IntArray,
        values: Sequence[object],
        code: str,
        col: str,
        msg: str,
        allowed: str,
    ) -> None:
        """A per-value problem: one issue per distinct value and file, rows counted."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        self.issues.extend(
            _value_issues(
                self.rows,
                _grouped(idx, codes),
                code,
                col,
                msg,
                allowed,
                lambda k: None if codes[k] < 0 else _plain(values[int(codes[k])]),
            )
        )

    def header(self) -> None:
        """Required columns present (else raise at once), no unknown column; headers found named."""
        table, name = self.table, self.name
        from .._io.spec import headers_found, missing_columns

        shown = headers_found(table)
        missing = missing_columns(table, name)
        if missing is not None:
            raise InvalidInputError([missing], source=name)
        extra = sorted(str(c) for c in set(table.columns) - _TABLE_COLUMNS)
        if extra:
            self.issues.append(
                Issue(
                    "table_columns",
                    f"unknown column(s) {', '.join(extra)}; headers found: {shown}",
                    file=name,
                    allowed=", ".join(sorted(_TABLE_COLUMNS))
                    + "; or map the header to one of them (columns:) or leave it out (ignore:) "
                    "in the file's reading spec",
                )
            )

    def amount_column(self) -> FloatArray:
        """Amounts as floats: numbers (not text or booleans), finite, >= 0, never empty."""
        import pandas as pd

        amount_col = self.table["amount"]
        raw_amount = amount_col.to_numpy()
        missing_mask: npt.NDArray[np.bool_] | None
        if (
            amount_col.dtype == bool
            or not pd.api.types.is_numeric_dtype(amount_col.dtype)
            or pd.api.types.is_complex_dtype(amount_col.dtype)  # 1000+5j is no amount
        ):
            is_num = np.array(
                [
                    isinstance(v, int | float | np.integer | np.floating)
                    and not isinstance(v, bool | np.bool_)
                    for v in raw_amount
                ],
                dtype=bool,
            )
            present = amount_col.notna().to_numpy()
            self.bad(
                ~is_num & present,
                "float_type",
                "amount",
                "not a number" + _locale_hint(raw_amount[~is_num & present]),
                "a number (not text or true/false)",
                raw_amount,
            )
            # per row: this path is only taken for columns that are not plain numbers
            amount = np.array(
                [float(v) if ok else math.nan for v, ok in zip(raw_amount, is_num, strict=True)],
                dtype=float,
            )
            missing_mask = ~present
        else:
            amount = amount_col.to_numpy(dtype=float)
            missing_mask = None
        # one cheap pass when everything is fine; the detailed masks only when it is not
        with np.errstate(invalid="ignore"):  # (NaN is neither: the detailed masks name it)
            fine = not amount.size or bool(np.min(amount) >= 0 and np.max(amount) < np.inf)
        if not fine:
            self._amount_range(amount, raw_amount, missing_mask)
        return amount

    def _amount_range(
        self,
        amount: FloatArray,
        raw_amount: npt.NDArray[Any],
        missing_mask: npt.NDArray[np.bool_] | None,
    ) -> None:
        """The rows whose amount is empty, infinite or negative."""
        if missing_mask is None:
            missing_mask = np.isnan(amount)
        self.bad(
            missing_mask,
            "missing",
            "amount",
            "empty amount (a gap is never read as 0)",
            "a finite number; fill gaps explicitly",
            raw_amount,
        )
        with np.errstate(invalid="ignore"):
            self.bad(
                np.isinf(amount),
                "finite_number",
                "amount",
                "infinite amount",
                "a finite number",
                raw_amount,
            )
            self.bad(
                amount < 0, "amount_not_negative", "amount", "negative activity", ">= 0", raw_amount
            )

    def source_column(self, src_index: Mapping[str, int]) -> tuple[IntArray, bool]:
        """Source index per row (-1 unknown or empty), and whether every row has one."""
        s_codes, s_values = column_codes(self.table["source"])
        lookup = np.array(
            [src_index.get(v, -1) if isinstance(v, str) else -1 for v in s_values] + [-1],
            dtype=np.intp,
        )
        if np.array_equal(lookup[:-1], np.arange(len(s_values))) and (
            s_codes.size == 0 or s_codes.min() >= 0
        ):
            return s_codes, True  # categories are the inventory's sources, in order: no gather
        source = lookup[s_codes]  # code -1 (missing) picks the trailing -1
        source_fine = bool((source >= 0).all())
        if not source_fine:
            self.bad_values(
                source < 0,
                s_codes,
                s_values,
                "source_exists",
                "source",
                "unknown or empty source",
                ", ".join(sorted(src_index)[:20]),
            )
        return source, source_fine

    def unit_column(self) -> tuple[IntArray, list[object], npt.NDArray[np.bool_], bool]:
        """Unit code per row, the distinct units, which parse, and whether all rows do.

        The mask of units that parse is indexed by code, with a last entry (False) for
        code -1 (an empty cell).
        """
        u_codes, u_values = column_codes(self.table["unit"])
        unit_ok = np.ones(len(u_values) + 1, dtype=bool)
        unit_ok[-1] = False
        for k, u in enumerate(u_values):
            try:
                if not isinstance(u, str):
                    raise NqiCarbonError(f"unit {u!r} is not text")
                parse_unit(u)
            except NqiCarbonError as exc:
                unit_ok[k] = False
                self.bad_values(
                    u_codes == k,
                    u_codes,
                    u_values,
                    "unit_known",
                    "unit",
                    str(exc),
                    "a unit such as t, MWh, Nm3, TJ",
                )
        missing_unit = u_codes < 0
        any_missing_unit = bool(missing_unit.any())
        if any_missing_unit:
            self.bad_values(
                missing_unit,
                u_codes,
                u_values,
                "missing",
                "unit",
                "empty unit",
                "a unit such as t, MWh, Nm3, TJ",
            )
        return u_codes, u_values, unit_ok, bool(unit_ok[:-1].all()) and not any_missing_unit

    def instrument_column(self, ins_index: Mapping[str, int]) -> IntArray:
        """Instrument index per row (-1 none), unknown instruments reported."""
        table = self.table
        if "instrument" not in table.columns:
            return np.full(len(table), -1, dtype=np.intp)
        i_codes, i_values = column_codes(table["instrument"])
        i_lookup = np.array(
            [ins_index.get(v, -2) if isinstance(v, str) else -2 for v in i_values] + [-1],
            dtype=np.intp,
        )
        instrument: IntArray = i_lookup[i_codes]
        self.bad_values(
            instrument == -2,
            i_codes,
            i_values,
            "instrument_referenced_exists",
            "instrument",
            "unknown instrument",
            ", ".join(sorted(ins_index)) or "define it under 'instruments'",
        )
        return instrument

    def uncertainty_column(self) -> FloatArray:
        """Relative 95 % half-width per row (NaN when not stated), in [0, 1]."""
        import pandas as pd

        table = self.table
        if "uncertainty" not in table.columns:
            return np.full(len(table), np.nan)
        uc = table["uncertainty"]
        if uc.dtype == bool or not pd.api.types.is_numeric_dtype(uc.dtype):
            self.bad(
                uc.notna().to_numpy(),
                "float_type",
                "uncertainty",
                "not a number",
                "a relative 95 % half-width such as 0.02",
                uc.to_numpy(),
            )
            return np.full(len(table), np.nan)
        u95: FloatArray = uc.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            # one pass when all are fine
            u_fine = not u95.size or bool(
                np.min(u95) >= 0 and np.max(u95) <= MAX_RELATIVE_UNCERTAINTY
            )
        with np.errstate(invalid="ignore"):
            self.bad(
                np.zeros(0, dtype=bool) if u_fine else (np.isinf(u95) | (u95 < 0)),
                "uncertainty_range",
                "uncertainty",
                "not a finite value >= 0",
                ">= 0",
                u95,
            )
            self.bad(
                np.zeros(0, dtype=bool)
                if u_fine
                else (np.isfinite(u95) & (u95 > MAX_RELATIVE_UNCERTAINTY)),
                "relative_uncertainty_at_most_one",
                "uncertainty",
                "a relative uncertainty (95 % half-width as a fraction) is at most "
                f"{MAX_RELATIVE_UNCERTAINTY:g} (±100 %): 5 meaning 5 % is written 0.05; a "
                "wider or skewed range is given with distribution lognormal, lower, upper",
                f"0 <= uncertainty <= {MAX_RELATIVE_UNCERTAINTY:g}",
                u95,
            )
        return u95

    def stray_bounds(self) -> None:
        """Bounds columns without a distribution column would be ignored: refused."""
        table = self.table
        stray = [c for c in ("lower", "upper") if c in table.columns]
        if stray and "distribution" not in table.columns:
            self.issues.append(
                Issue(
                    "table_columns",
                    f"column(s) {', '.join(stray)} without a distribution column: the bounds "
                    "would be ignored",
                    file=self.name,
                    allowed="a distribution column (normal, lognormal, triangular, uniform) with "
                    "lower and upper, or a relative uncertainty column",
                )
            )

    def distribution_column(self) -> npt.NDArray[np.int8]:
        """Distribution code per row (0 none, as :data:`_DIST_CODE`; -1 unknown)."""
        d_codes, d_values = column_codes(self.table["distribution"])
        lookup_d = np.array(
            [_DIST_CODE.get(v, -1) if isinstance(v, str) else -1 for v in d_values] + [0],
            dtype=np.int8,
        )
        dist: npt.NDArray[np.int8] = lookup_d[d_codes]
        self.bad_values(
            dist < 0,
            d_codes,
            d_values,
            "distribution_known",
            "distribution",
            "unknown distribution",
            "normal, lognormal, triangular, uniform (or empty)",
        )
        return dist

    def bounds_columns(
        self, dist: npt.NDArray[np.int8], amount: FloatArray, u95: FloatArray
    ) -> tuple[npt.NDArray[np.int8], FloatArray, FloatArray, FloatArray] | None:
        """Bounds of the rows with a distribution, and their relative 95 % half-width.

        Returns ``(dist, lower, upper, u95)`` with normal rows recoded 0 (pooled like a
        relative uncertainty), or None when a bounds column is missing (reported).
        """
        import pandas as pd

        table = self.table
        missing_b = [c for c in ("lower", "upper") if c not in table.columns]
        if missing_b:
            self.issues.append(
                Issue(
                    "table_columns",
                    f"a distribution needs the column(s) {', '.join(missing_b)}",
                    file=self.name,
                    allowed="lower and upper bounds, in the row's unit",
                )
            )
            return None
        lower = pd.to_numeric(table["lower"], errors="coerce").to_numpy(dtype=float)
        upper = pd.to_numeric(table["upper"], errors="coerce").to_numpy(dtype=float)
        has = dist > 0
        with np.errstate(invalid="ignore"):
            wrong = has & ~(
                (lower <= amount) & (amount <= upper) & np.isfinite(lower) & np.isfinite(upper)
            )
            wrong |= has & (dist == 2) & ~(lower > 0)
        self.bad(
            wrong,
            "bounds_around_amount",
            "lower",
            "bounds missing, not around the amount, or <= 0 for lognormal",
            "finite lower <= amount <= upper",
            table["lower"],
        )
        self.bad(
            has & ~np.isnan(u95),
            "uncertainty_one_form",
            "uncertainty",
            "a row states both a relative uncertainty and a distribution",
            "one of them: uncertainty (relative) or distribution with lower/upper",
            table["uncertainty"] if "uncertainty" in table.columns else u95,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.log(upper) - np.log(lower)
            self.bad(
                has & (dist == 2) & (lower > 0) & (spread > math.log(MAX_LOGNORMAL_RATIO)),
                "lognormal_spread_bounded",
                "upper",
                f"the lognormal bounds span more than a factor {MAX_LOGNORMAL_RATIO:g} between "
                "the 2.5 % and 97.5 % points; check the bounds and their unit",
                f"upper / lower <= {MAX_LOGNORMAL_RATIO:g}",
                table["upper"],
            )
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # 1.96 σ of the row's distribution, as for inline records (_u95_of_rows)
            u95 = np.where(has, _u95_of_rows(dist, lower, upper, amount), u95)
        # normal: pooled like a relative uncertainty
        return np.where(dist == 1, 0, dist).astype(np.int8), lower, upper, u95


# ---- table periods ---------------------------------------------------------------------
def _period_issues(
    inv: Inventory,
    table: pd.DataFrame,
    source: IntArray,
    rows: _RowNames,
) -> list[Issue]:
    """Period labels: well formed, inside the inventory period, no overlap.

    The rule is the inline records' (``activity_periods_do_not_overlap``): one source is
    one activity series, so two rows (or a row and an inline record) covering the same
    days overlap, whatever their instruments; rows without a period are not part of it.
    """
    from .gaps import _period_labels

    labels = _period_labels(table)
    p_codes, spans = labels.codes, labels.spans
    if not (p_codes >= 0).any():
        return []
    bad_label = np.array([s is None for s in spans] + [False], dtype=bool)
    issues = _period_label_issues(inv, labels, bad_label, rows)
    # overlap: rows of one source with the same label, then distinct spans of a source
    # against each other and against the source's inline records
    n_p = len(spans)
    good = ~bad_label[p_codes] & (p_codes >= 0) & (source >= 0)
    key = np.full(source.size, -1, dtype=np.int64)
    key[good] = source[good].astype(np.int64) * n_p + p_codes[good]
    uniq, first, cnt = np.unique(key[good], return_index=True, return_counts=True)
    issues += _duplicate_period_issues(inv, key, uniq[cnt > 1], labels, rows)
    by_source = _spans_by_source(uniq, np.flatnonzero(good)[first], labels, rows)
    issues += _overlap_issues(inv, by_source)
    return issues


def _period_label_issues(
    inv: Inventory, labels: PeriodLabels, bad_label: npt.NDArray[np.bool_], rows: _RowNames
) -> list[Issue]:
    """Rows whose period label is malformed or lies outside the inventory period."""
    p_codes, p_values, spans, texts = labels
    issues: list[Issue] = []
    p0, p1 = inv.period.start, inv.period.end
    outside = np.array(
        [s is not None and (s[0] < p0 or s[1] > p1) for s in spans] + [False], dtype=bool
    )
    mask = bad_label[p_codes]
    if mask.any():
        issues += _value_issues(
            rows,
            _grouped(np.flatnonzero(mask), p_codes),
            "record_period_well_formed",
            "period",
            "period is not YYYY, YYYY-MM or YYYY-Qn" + _date_hint(p_values),
            "a period label such as 2024, 2024-03 or 2024-Q1 (or empty for none)",
            lambda k: _plain(p_values[p_codes[k]]),
        )
    mask = outside[p_codes]
    if mask.any():
        issues += _value_issues(
            rows,
            _grouped(np.flatnonzero(mask), p_codes),
            "activity_within_period",
            "period",
            f"the row's period lies outside the inventory period {p0}..{p1} (end exclusive)",
            f"a period inside {p0}..{p1}",
            lambda k: repr(texts[p_codes[k]]),
        )
    return issues


def _date_hint(values: Sequence[object]) -> str:
    """When a period label is a date: how to read dates as months (the reading spec)."""
    if any(isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}", v) for v in values[:1000]):
        return (
            " (a date does not say which period it stands for: state period_dates: month (or "
            "year) in the file's reading spec to read 2024-01-01 as 2024-01)"
        )
    return ""


def _duplicate_period_issues(
    inv: Inventory,
    key: npt.NDArray[np.int64],
    dup_keys: npt.NDArray[np.int64],
    labels: PeriodLabels,
    rows: _RowNames,
) -> list[Issue]:
    """Rows of one source with the same period label (*key* = source × labels + label)."""
    if not dup_keys.size:
        return []
    n_p, texts = len(labels.spans), labels.texts
    issues: list[Issue] = []
    dup_idx = np.flatnonzero(np.isin(key, dup_keys))
    groups = _grouped(dup_idx, key)
    for g in groups[:50]:
        k = int(key[g[0]])
        sid = inv.sources[k // n_p].id
        issues.append(
            Issue(
                "activity_periods_do_not_overlap",
                f"source {sid!r}: {g.size} rows for period {texts[k % n_p]} "
                f"({rows.describe(g)}); the same days would be counted twice "
                "(one row per source and period, whatever the instrument)",
                file=rows.split(g[:1])[0][0],
                row=int(rows.split(g[:1])[0][2][0]),
                field="period",
                value=repr(texts[k % n_p]),
                allowed="one row per source and period; no row covering days of another",
            )
        )
    if len(groups) > 50:
        issues.append(
            Issue(
                "activity_periods_do_not_overlap",
                f"... and {len(groups) - 50} more duplicated (source, period) pairs",
                field="period",
            )
        )
    return issues


# (start, end, description, file, row) of a period a source's activity covers
_Covered = tuple[_dt.date, _dt.date, str, str | None, int | None]


def _spans_by_source(
    uniq: npt.NDArray[np.int64],
    first_row: npt.NDArray[np.intp],
    labels: PeriodLabels,
    rows: _RowNames,
) -> dict[int, list[_Covered]]:
    """Per source index, the distinct periods of its table rows, each named by its first row.

    *uniq* are the distinct keys source × labels + label of well-formed rows and
    *first_row* the table row where each first appears.
    """
    n_p, spans, texts = len(labels.spans), labels.spans, labels.texts
    by_source: dict[int, list[_Covered]] = {}
    for k, r in zip(uniq.tolist(), first_row.tolist(), strict=True):
        s, lab = divmod(k, n_p)
        span = spans[lab]
        assert span is not None
        ((seg_name, _, nums),) = rows.split(np.array([r], dtype=np.int64))
        by_source.setdefault(s, []).append(
            (
                span[0],
                span[1],
                f"{seg_name} row {int(nums[0])} ({texts[lab]})",
                seg_name,
                int(nums[0]),
            )
        )
    return by_source


def _overlap_issues(inv: Inventory, by_source: dict[int, list[_Covered]]) -> list[Issue]:
    """Periods of one source (table rows and inline records) that overlap each other."""
    issues: list[Issue] = []
    for s, items in by_source.items():
        src = inv.sources[s]
        for j, rec in enumerate(src.records):
            b0, b1 = rec.bounds(inv.period)
            label = rec.period or (f"{rec.start}..{rec.end}" if rec.start else "no period")
            text = f"inline record sources[{s}].activity[{j}] ({label})"
            items.append((b0, b1, text, None, None))
        items.sort(key=lambda t: (t[0], t[1]))
        end, who, who_at = items[0][1], items[0][2], items[0][3:]
        for b0, b1, what, fname, row in items[1:]:
            if fname is None and who_at[0] is not None:
                fname, row = who_at
            if b0 < end:
                issues.append(
                    Issue(
                        "activity_periods_do_not_overlap",
                        f"source {src.id!r}: {who} and {what} overlap; the same days would "
                        "be counted twice (one source is one activity series, whatever the "
                        "instrument)",
                        file=fname or inv.source_path,
                        row=row,
                        field="period" if fname else f"sources[{s}].activity",
                        allowed="periods of one source that do not overlap",
                    )
                )
            if b1 > end:
                end, who, who_at = b1, what, (fname, row)
    return issues


# ---- units of the table against the sources' factors ----------------------------------
class UnitsBySource(dict[str, list[str]]):
    """The units seen per source id, and ``pairs_key``: what it was made from, cheap to hash.

    Shared by every caller (cached on the inventory), and sources with the same units
    share one list: read it, never change it.
    """

    pairs_key: tuple[Any, ...]


def units_of_pairs(
    inv: Inventory, pairs: npt.NDArray[np.intp], unit_names: Sequence[str]
) -> UnitsBySource:
    """The units seen per source id, from ``source * n_units + unit`` pair codes.

    Cached on the inventory per (units, pairs): the unit check and :func:`calculate` ask
    for the same mapping, and building it is a Python loop over every pair. The mapping
    returned is the cached one (no copy per call); its ``pairs_key`` keys the plan.
    """
    key = ("units_of_pairs", tuple(unit_names), pairs.tobytes())
    found: UnitsBySource | None = inv._cache.get(key)
    if found is None:
        n_u = max(len(unit_names), 1)
        found = UnitsBySource()
        # pairs are sorted by source: each source's units are one run of them
        src = pairs // n_u
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]]) if src.size else src[:0]
        ids = np.asarray([s.id for s in inv.sources] or [""], dtype=object)[src[starts]].tolist()
        if n_u <= 62:  # each run as a set of unit bits: one list per distinct set, shared
            bits = np.left_shift(np.int64(1), (pairs % n_u).astype(np.int64))
            sets, which = np.unique(
                np.bitwise_or.reduceat(bits, starts) if starts.size else bits, return_inverse=True
            )
            names = list(unit_names) or [""]
            lists = [[names[k] for k in range(n_u) if b >> k & 1] for b in sets.tolist()]
            found.update(zip(ids, [lists[k] for k in which.reshape(-1).tolist()], strict=True))
        else:
            names = np.asarray(list(unit_names), dtype=object)[pairs % n_u].tolist()
            ends = np.r_[starts[1:], src.size][: starts.size].astype(np.intp)
            for sid, a, b in zip(ids, starts.tolist(), ends.tolist(), strict=True):
                found[sid] = names[a:b]
        found.pairs_key = key
        inv._cache[key] = found
    return found


def _unit_fit_issues(
    inv: Inventory,
    cols: ActivityColumns,
    n_inline: int,
    row_ok: npt.NDArray[np.bool_] | None,
    rows: _RowNames,
) -> list[Issue]:
    """Every (source, unit) pair of the table that does not fit the source, with its rows.

    The plan is made here exactly as :func:`nqi_carbon.calculate` makes it next (so it is
    cached, and costs nothing more when everything fits); only when it fails is each pair
    tried alone (:func:`_per_unit_issues`), so that every bad unit is named with its file
    and rows.
    """
    pairs = _unit_pairs(inv, cols, n_inline, row_ok)
    # the same (source, unit) pairs fitted before: nothing to plan again
    reg = registry_for(inv)
    fit_key = ("units_fit", id(reg), tuple(cols.unit_names), pairs.tobytes())
    if inv._cache.get(fit_key) is reg:  # the entry holds its registry: the id is its own
        return []
    units_by_source = units_of_pairs(inv, pairs, cols.unit_names)
    try:
        plan_sources(inv, units_by_source)
        inv._cache[fit_key] = reg
        return []
    except InvalidInputError as exc:
        failed = exc.issues
    per_pair, retried = _per_unit_issues(inv, cols, n_inline, row_ok, rows, units_by_source)
    unit_codes = {"activity_unit_fits_factor", "unit_known"}
    issues: list[Issue] = []
    for iss in failed:
        if iss.code in unit_codes and any(
            iss.field == f"sources[{i}]" and iss.source == inv.sources[i].id for i in retried
        ):
            continue  # replaced by the per-unit issues
        issues.append(iss)
    return issues + per_pair


def _unit_pairs(
    inv: Inventory,
    cols: ActivityColumns,
    n_inline: int,
    row_ok: npt.NDArray[np.bool_] | None,
) -> IntArray:
    """The distinct (source, unit) pairs of the usable records, coded source × units + unit.

    When every record is usable (*row_ok* is None), the per-record codes and their counts
    are kept on *cols* for :func:`nqi_carbon.calculate` to reuse.
    """
    n_u = max(len(cols.unit_names), 1)
    n_keys = len(inv.sources) * n_u
    if row_ok is None:  # one pass (compiled for large tables: kernel.pair_codes)
        key, counts, maxima = pair_codes(
            cols.source, cols.unit, cols.amount, cols.dist, n_u, n_keys
        )
    else:
        ok = np.concatenate([np.ones(n_inline, dtype=bool), row_ok])
        key = cols.source[ok] * n_u + cols.unit[ok]
        counts = np.bincount(key, minlength=n_keys)
    pairs: IntArray = np.zeros(0, dtype=np.intp)
    if key.size:
        pairs = np.flatnonzero(counts)
        if row_ok is None:  # every record: calculate() reuses them
            cols.pair_key, cols.pair_counts, cols.pair_maxima = key, counts, maxima
    return pairs


def _per_unit_issues(
    inv: Inventory,
    cols: ActivityColumns,
    n_inline: int,
    row_ok: npt.NDArray[np.bool_] | None,
    rows: _RowNames,
    units_by_source: Mapping[str, Sequence[str]],
) -> tuple[list[Issue], set[int]]:
    """Each (source, unit) pair planned alone: the issues of those that do not fit.

    Returns the issues (an inline record's unit named by source, table rows by file and
    row) and the indices of the sources that had one.
    """
    planner = _Planner(inv, registry_for(inv))
    per_pair: list[Issue] = []
    table_src = cols.source[n_inline:]
    table_unit = cols.unit[n_inline:]
    retried: set[int] = set()
    for i, src in enumerate(inv.sources):
        for u in units_by_source.get(src.id, ()):
            try:
                planner.place(i, src, [u])
            except InvalidInputError:
                continue
            except NqiCarbonError as exc:
                code = {
                    "DimensionalityMismatchError": "activity_unit_fits_factor",
                    "UnknownUnitError": "unit_known",
                }.get(type(exc).__name__)
                if code is None:
                    continue
                retried.add(i)
                uc = cols.unit_names.index(u)
                idx = np.flatnonzero((table_src == i) & (table_unit == uc))
                if row_ok is not None and idx.size:
                    idx = idx[row_ok[idx]]
                if any(r.unit == u for r in src.records):
                    per_pair.append(
                        Issue(
                            code,
                            str(exc),
                            file=inv.source_path,
                            field=f"sources[{i}]",
                            source=src.id,
                        )
                    )
                if idx.size:
                    per_pair += _value_issues(
                        rows,
                        [idx],
                        code,
                        "unit",
                        str(exc),
                        f"a unit that converts to the activity unit of source {src.id!r}",
                        lambda k, u=u: repr(u),
                    )
    return per_pair, retried
