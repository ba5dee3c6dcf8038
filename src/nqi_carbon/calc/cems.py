"""Continuous emission monitoring (CEMS): hourly validity, substitution, outages.

Rules from the EU MRR (Regulation (EU) 2018/2066):

* an hour is valid when at least 80 % of its expected readings are valid (Art. 44(1));
* a missing or invalid hour is substituted with the mean of the valid hourly values of
  the reference period plus twice their standard deviation (Art. 45(2), Annex VIII
  section 3, "C*subst = C̄ + 2σC");
* equipment out of operation for more than five consecutive days is reported (Art. 45(1)).

Every substituted hour is flagged; nothing is filled silently.

Input is checked before anything is computed, and every problem is reported at once as
an :class:`~nqi_carbon.errors.InvalidInputError` (rows are 1-based DataFrame rows):

* two readings at the same instant are refused (``cems_duplicate_timestamp``), even with
  equal values, and an hour with more rows than ``readings_per_hour`` is refused
  (``cems_too_many_readings``): an extra reading never counts towards the 80 %;
* naive timestamps are taken as given, without a time zone (so a local wall-clock export
  repeats an hour at the autumn clock change: caught as too many readings); timestamps
  with a zone or UTC offset are converted to UTC before flooring to hours, and then
  ``start``/``end`` must carry a zone too (converted likewise);
* the ``valid`` flag must be a real boolean: bool, 0/1 integers or the text true/false;
* a NaN or empty reading is an invalid reading, never 0 and never a valid hour.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CemsResult", "Outage", "cems_hourly"]


@dataclass(frozen=True)
class Outage:
    """A run of consecutive invalid hours."""

    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    hours: int

    @property
    def days(self) -> float:
        """Length in days."""
        return self.hours / 24.0


@dataclass(frozen=True)
class CemsResult:
    """Hourly values with validity and substitution flags, and what was substituted."""

    hourly: pd.DataFrame  # hour, value, n_valid, valid, substituted
    substitute: float | None
    substituted_hours: int
    outages: list[Outage]
    notifiable_outages: list[Outage]
    min_valid_fraction: float

    @property
    def total(self) -> float:
        """Sum of the hourly values, substituted hours included (flagged in ``hourly``)."""
        return float(np.sum(self.hourly["value"].to_numpy()))


def cems_hourly(
    readings: pd.DataFrame,
    *,
    readings_per_hour: int,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    timestamp: str = "timestamp",
    value: str = "value",
    valid: str | None = "valid",
    min_valid_fraction: float = 0.8,
    outage_days: float = 5.0,
) -> CemsResult:
    """Turn raw CEMS readings into hourly values with substitution and outage flags.

    Parameters
    ----------
    readings : DataFrame
        One row per reading: ``timestamp``, ``value`` and (optionally) a boolean ``valid``
        flag from the analyser (NaN values are invalid in any case). Rows outside
        ``[start, end)`` are ignored. Timestamps: datetimes or ISO 8601 text, all naive
        or all with a zone/offset (then compared and floored in UTC).
    readings_per_hour : int
        Readings the analyser should deliver per hour (e.g. 60 for one a minute).
    start, end : timestamp
        The reference period (end exclusive, whole hours); every hour in it gets a
        value. With a zone/offset exactly when the readings' timestamps have one.
    timestamp, value, valid : str
        Column names (``valid`` may be None when the analyser gives no flag).
    min_valid_fraction : float
        Share of valid readings that makes an hour valid (MRR Art. 44: 0.8); in (0, 1].
        An hour needs at least one valid reading whatever the fraction.
    outage_days : float
        Runs of invalid hours longer than this are notifiable (MRR Art. 45: 5 days).

    Notes
    -----
    The stages: the parameters and columns are checked, the readings parsed and checked
    (:func:`_parse_readings`), averaged per hour with invalid hours substituted
    (:func:`_hourly_values`), and runs of invalid hours listed (:func:`_outages`).
    """
    issues: list[Issue] = []
    issues += _check_parameters(readings_per_hour, min_valid_fraction, outage_days)
    missing = _missing_columns(readings, timestamp, value, valid)
    if missing:
        raise InvalidInputError(issues + missing)
    parsed, more = _parse_readings(
        readings, start, end, readings_per_hour, timestamp=timestamp, value=value, valid=valid
    )
    issues += more
    if issues:
        raise InvalidInputError(issues)
    assert parsed is not None
    hourly, hours, hour_valid, substitute = _hourly_values(
        parsed, readings_per_hour, min_valid_fraction
    )
    outages = _outages(hours, hour_valid)
    notifiable = [o for o in outages if o.hours > outage_days * 24]
    return CemsResult(
        hourly, substitute, int((~hour_valid).sum()), outages, notifiable, min_valid_fraction
    )


def _missing_columns(
    readings: pd.DataFrame, timestamp: str, value: str, valid: str | None
) -> list[Issue]:
    """The named columns that the readings lack.

    The default flag column may be absent (every reading counts as valid); a column named
    explicitly must exist, or a misspelt name would silently accept every reading.
    """
    named = [valid] if valid is not None and valid != "valid" else []
    missing = [c for c in (timestamp, value, *named) if c not in readings.columns]
    if not missing:
        return []
    return [
        Issue(
            "table_columns",
            f"missing column(s) {', '.join(missing)}",
            field="readings",
            allowed=f"{timestamp}, {value}[, {valid}]",
        )
    ]


@dataclass(frozen=True)
class _Readings:
    """Parsed readings: timestamps, values, which are valid and which lie in the period."""

    ts: pd.Series
    vals: pd.Series
    ok: np.ndarray  # a finite value, flagged valid by the analyser (if it flags)
    inside: np.ndarray  # a known timestamp inside [t0, t1)
    t0: pd.Timestamp
    t1: pd.Timestamp


def _parse_readings(
    readings: pd.DataFrame,
    start: object,
    end: object,
    readings_per_hour: object,
    *,
    timestamp: str,
    value: str,
    valid: str | None,
) -> tuple[_Readings | None, list[Issue]]:
    """Parse and check the readings and the period: the readings, or None, and every problem.

    Timestamps, the period, values and validity flags are parsed; two readings at the
    same instant and hours with more readings than the analyser delivers are refused.
    """
    issues: list[Issue] = []
    ts, aware, ts_issues = _parse_timestamps(readings[timestamp], timestamp)
    issues += ts_issues
    period, period_issues = _parse_period(start, end, aware)
    issues += period_issues
    vals, val_issues = _parse_values(readings[value], value)
    issues += val_issues
    ok = vals.notna().to_numpy().copy()
    if valid is not None and valid in readings.columns:
        flags, flag_issues = _parse_valid(readings[valid], valid)
        issues += flag_issues
        ok &= flags

    known = ts.notna().to_numpy()
    inside = known.copy()
    comparable = period is not None and (ts.dt.tz is None) == (period[0].tzinfo is None)
    if period is not None and comparable:
        t0, t1 = period
        inside &= ((ts >= t0) & (ts < t1)).to_numpy()
    issues += _duplicate_timestamps(ts, inside, timestamp)
    if comparable:
        assert period is not None
        issues += _overfull_hours(ts, inside, readings_per_hour, timestamp, period[0])
    if issues or period is None:
        return None, issues
    return _Readings(ts, vals, ok, inside, *period), issues


def _hourly_values(
    parsed: _Readings, readings_per_hour: int, min_valid_fraction: float
) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray, float | None]:
    """Every hour of the period: its mean, valid readings, validity and substitution.

    An hour is valid with at least ``min_valid_fraction`` of its expected readings valid
    (MRR Art. 44(1)); an invalid hour takes the mean of the valid hours plus twice their
    standard deviation (MRR Art. 45(2), Annex VIII section 3). Returns the hourly table,
    the hours, which are valid, and the substitute (None when every hour is valid).

    Raises
    ------
    InvalidInputError
        ``cems_no_valid_hours`` when an hour needs a substitute but fewer than two hours
        are valid.
    """
    import pandas as pd

    inside = parsed.inside
    hours = pd.date_range(parsed.t0, parsed.t1, freq="h", inclusive="left")
    frame = pd.DataFrame(
        {
            "hour": _hour_of(parsed.ts[inside], parsed.t0).to_numpy(),
            "value": parsed.vals[inside].to_numpy(dtype=float),
            "ok": parsed.ok[inside],
        }
    )
    good = frame[frame["ok"]]
    per_hour = good.groupby("hour")["value"].agg(["mean", "count"]).reindex(hours)
    n_valid = per_hour["count"].fillna(0).astype(int).to_numpy()
    # At least one valid reading, whatever the fraction; rounding guards 0.7 * 10 = 7.000...1.
    required = max(1, math.ceil(round(min_valid_fraction * readings_per_hour, 9)))
    hour_valid = n_valid >= required
    values = per_hour["mean"].to_numpy(dtype=float)
    valid_values = values[hour_valid]
    if not np.isfinite(valid_values).all():  # pragma: no cover - the checks above prevent it
        raise AssertionError("a valid CEMS hour has no finite value")
    substitute = None
    if (~hour_valid).any():
        if valid_values.size < 2:
            raise InvalidInputError(
                [
                    Issue(
                        "cems_no_valid_hours",
                        "fewer than two valid hours: no substitute can be formed",
                        field="readings",
                    )
                ]
            )
        substitute = float(valid_values.mean() + 2 * valid_values.std(ddof=1))
        values = np.where(hour_valid, values, substitute)
    hourly = pd.DataFrame(
        {
            "hour": hours,
            "value": values,
            "n_valid": n_valid,
            "valid": hour_valid,
            "substituted": ~hour_valid,
        }
    )
    return hourly, hours, hour_valid, substitute


def _outages(hours: pd.DatetimeIndex, hour_valid: np.ndarray) -> list[Outage]:
    """Runs of consecutive invalid hours (MRR Art. 45(1))."""
    import pandas as pd

    outages: list[Outage] = []
    run_start = None
    for i, v in enumerate([*hour_valid.tolist(), True]):
        if not v and run_start is None:
            run_start = i
        elif v and run_start is not None:
            outages.append(
                Outage(hours[run_start], hours[i - 1] + pd.Timedelta(hours=1), i - run_start)
            )
            run_start = None
    return outages


_MAX_ISSUES = 20  # per check; the rest is summarised in one more issue


_ZONE_SUFFIX = re.compile(r"(?:[Zz]|\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*[+-]\d{2}(?::?\d{2})?)\s*$")


_FLAG_TEXT = {"true": True, "false": False}


def _rows_text(positions: Sequence[int]) -> str:
    """``rows 3, 4, 9 (and 12 more)`` for 0-based *positions* (shown 1-based)."""
    shown = ", ".join(str(p + 1) for p in positions[:5])
    more = f" (and {len(positions) - 5} more)" if len(positions) > 5 else ""
    return ("row " if len(positions) == 1 else "rows ") + shown + more


def _capped(issues: list[Issue], what: str) -> list[Issue]:
    if len(issues) <= _MAX_ISSUES:
        return issues
    rest = len(issues) - _MAX_ISSUES
    first = issues[0]
    return [
        *issues[:_MAX_ISSUES],
        Issue(first.code, f"... and {rest} more {what}", field=first.field, allowed=first.allowed),
    ]


def _bad_rows(
    code: str, message: str, field: str, col: pd.Series, bad: np.ndarray, allowed: str
) -> list[Issue]:
    """One issue per distinct offending value (its first rows named), capped."""
    positions = np.flatnonzero(bad)
    if positions.size == 0:
        return []
    groups: dict[str, list[int]] = {}
    raw = col.to_numpy(dtype=object)
    for p in positions.tolist():
        groups.setdefault(repr(raw[p]), []).append(p)
    issues = [
        Issue(
            code,
            f"{message} ({_rows_text(rows)}; rows of the DataFrame, 1-based)",
            row=rows[0] + 1,
            field=field,
            value=val,
            allowed=allowed,
        )
        for val, rows in groups.items()
    ]
    return _capped(issues, "distinct values")


def _check_parameters(
    readings_per_hour: object, min_valid_fraction: object, outage_days: object
) -> list[Issue]:
    issues: list[Issue] = []
    rph = readings_per_hour
    if isinstance(rph, bool) or not isinstance(rph, (int, np.integer)) or rph < 1:
        issues.append(
            Issue(
                "readings_per_hour",
                "must be a whole number of at least 1",
                field="readings_per_hour",
                value=repr(rph),
                allowed="an integer >= 1, e.g. 60 for one reading a minute",
            )
        )
    f = min_valid_fraction
    if (
        isinstance(f, bool)
        or not isinstance(f, (int, float, np.integer, np.floating))
        or not 0 < float(f) <= 1
    ):
        issues.append(
            Issue(
                "cems_min_valid_fraction",
                "the share of valid readings that makes an hour valid is a fraction",
                field="min_valid_fraction",
                value=repr(f),
                allowed="a number in (0, 1], e.g. 0.8 (not a percentage such as 80)",
            )
        )
    d = outage_days
    if (
        isinstance(d, bool)
        or not isinstance(d, (int, float, np.integer, np.floating))
        or not 0 <= float(d) < math.inf
    ):
        issues.append(
            Issue(
                "cems_outage_days",
                "the notifiable outage length is a finite number of days",
                field="outage_days",
                value=repr(d),
                allowed="a number >= 0, e.g. 5",
            )
        )
    return issues


def _element_zone(x: object) -> bool | None:
    """True/False for a time with/without zone or offset; None if not a time at all."""
    if isinstance(x, str):
        return bool(_ZONE_SUFFIX.search(x)) if x.strip() else None
    if isinstance(x, _dt.datetime):  # includes pd.Timestamp (but not NaT)
        return x.tzinfo is not None
    if isinstance(x, (_dt.date, np.datetime64)):
        return False if not (isinstance(x, np.datetime64) and np.isnat(x)) else None
    return None


def _parse_timestamps(col: pd.Series, field: str) -> tuple[pd.Series, bool | None, list[Issue]]:
    """Parse readings' timestamps: naive as given, zone/offset-bearing converted to UTC.

    Returns the timestamps (naive, or tz-aware in UTC; NaT where unusable), whether they
    are tz-aware (None when there are none) and the issues found.
    """
    import pandas as pd

    allowed = "ISO 8601 date-times (e.g. 2024-01-01T00:05 or 2024-01-01T00:05+01:00)"
    n = len(col)
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        ts = col.dt.tz_convert("UTC").reset_index(drop=True)
        aware: bool | None = True
        bad = ts.isna().to_numpy()
    elif pd.api.types.is_datetime64_dtype(dtype):
        ts = col.reset_index(drop=True)
        aware = False
        bad = ts.isna().to_numpy()
    else:
        zones = col.map(_element_zone).to_numpy(dtype=object)
        bad = np.array([z is None for z in zones], dtype=bool)
        usable = col.to_numpy(dtype=object).copy()
        usable[bad] = None
        ts = pd.to_datetime(
            pd.Series(usable, dtype=object), utc=True, errors="coerce", format="ISO8601"
        )
        bad |= ts.isna().to_numpy()
        has_zone = np.array([z is True for z in zones], dtype=bool) & ~bad
        no_zone = np.array([z is False for z in zones], dtype=bool) & ~bad
        issues: list[Issue] = []
        if has_zone.any() and no_zone.any():
            minority = no_zone if no_zone.sum() <= has_zone.sum() else has_zone
            positions = np.flatnonzero(minority).tolist()
            issues.append(
                Issue(
                    "cems_timezone",
                    "timestamps mix times with and without a time zone or UTC offset "
                    f"({_rows_text(positions)} differ from the rest; rows of the "
                    "DataFrame, 1-based)",
                    row=positions[0] + 1,
                    field=field,
                    value=repr(col.iloc[positions[0]]),
                    allowed="every timestamp with an offset (or zone), or none",
                )
            )
        if has_zone.any() and no_zone.any():
            aware = None  # reported above; the period is then not compared
        else:
            aware = True if has_zone.any() else (False if no_zone.any() else None)
        if not has_zone.any():
            ts = ts.dt.tz_localize(None)
        issues += _bad_rows("cems_timestamp", "not a date and time", field, col, bad, allowed)
        return ts, aware, issues
    issues = _bad_rows("cems_timestamp", "not a date and time", field, col, bad, allowed)
    return ts, aware if n else None, issues


def _to_timestamp(x: object, name: str) -> tuple[pd.Timestamp | None, list[Issue]]:
    import pandas as pd

    bad = [
        Issue(
            "cems_period",
            f"{name} is not a date and time",
            field=name,
            value=repr(x),
            allowed="an ISO 8601 date-time on a whole hour, e.g. 2024-01-01 or "
            "2024-01-01T00:00+01:00",
        )
    ]
    if not isinstance(x, (str, _dt.date, np.datetime64)):
        return None, bad
    try:
        t = pd.Timestamp(x)
    except (ValueError, TypeError, OverflowError):
        return None, bad
    if pd.isna(t):
        return None, bad
    return t, []


def _parse_period(
    start: object, end: object, aware: bool | None
) -> tuple[tuple[pd.Timestamp, pd.Timestamp] | None, list[Issue]]:
    """Parse start/end; zone-bearing ones go to UTC; their awareness must match the data."""
    import pandas as pd

    t0, issues = _to_timestamp(start, "start")
    t1, more = _to_timestamp(end, "end")
    issues += more
    if t0 is None or t1 is None:
        return None, issues
    zoned = {"start": t0.tzinfo is not None, "end": t1.tzinfo is not None}
    if zoned["start"] != zoned["end"]:
        naive = "start" if not zoned["start"] else "end"
        issues.append(
            Issue(
                "cems_timezone",
                "start and end must both have a time zone or UTC offset, or neither",
                field=naive,
                value=repr(start if naive == "start" else end),
                allowed="e.g. start='2024-01-01T00:00+01:00', end='2024-02-01T00:00+01:00'",
            )
        )
        return None, issues
    if aware is not None and aware != zoned["start"]:
        if aware:
            msg = (
                "the readings' timestamps have a time zone or UTC offset but start/end do "
                "not: state the zone of the period (it is compared in UTC)"
            )
            allowed = "e.g. pd.Timestamp('2024-01-01', tz='Europe/Berlin') or '2024-01-01T00:00Z'"
        else:
            msg = (
                "start/end have a time zone or UTC offset but the readings' timestamps do "
                "not: localise the readings or give start/end without a zone"
            )
            allowed = "start/end without a zone, like the readings"
        issues.append(
            Issue("cems_timezone", msg, field="start", value=repr(start), allowed=allowed)
        )
        return None, issues
    # a whole hour on the period's own clock (local time when it has a zone)
    for name, t, raw in (("start", t0, start), ("end", t1, end)):
        if (t.minute, t.second, t.microsecond, t.nanosecond) != (0, 0, 0, 0):
            issues.append(
                Issue(
                    "cems_period",
                    f"{name} must fall on a whole hour",
                    field=name,
                    value=repr(raw),
                    allowed="a whole hour such as 2024-01-01T00:00",
                )
            )
    if zoned["start"]:
        t0, t1 = t0.tz_convert("UTC"), t1.tz_convert("UTC")
    if not issues and (t1 - t0) % pd.Timedelta(hours=1) != pd.Timedelta(0):
        issues.append(
            Issue(
                "cems_period",
                "the period must last a whole number of hours (start and end in zones whose "
                "offsets differ by a fraction of an hour)",
                field="end",
                value=repr(end),
                allowed="start and end in the same zone",
            )
        )
    if t1 <= t0:
        issues.append(
            Issue(
                "cems_period",
                "end must be after start (end is exclusive)",
                field="end",
                value=repr(end),
                allowed=f"a time after {start!r}",
            )
        )
    return (None if issues else (t0, t1)), issues


def _parse_values(col: pd.Series, field: str) -> tuple[pd.Series, list[Issue]]:
    """Numbers as floats; missing (NaN, None, blank) stays NaN (an invalid reading)."""
    import pandas as pd

    raw = col.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(raw.dtype):
        bad = np.ones(len(raw), dtype=bool)
        vals = pd.Series(np.full(len(raw), np.nan))
    else:
        vals = pd.to_numeric(raw, errors="coerce").astype(float)
        # only the rows that did not read as numbers can be blanks or bad text: look at
        # those alone (a year of minute readings has half a million rows)
        missing = np.flatnonzero(vals.isna().to_numpy())
        not_blank = np.array(
            [
                not (
                    x is None
                    or (isinstance(x, str) and x.strip().lower() in ("", "nan"))
                    or (isinstance(x, float) and math.isnan(x))
                    or x is pd.NA
                    or x is pd.NaT
                )
                for x in raw.iloc[missing].tolist()
            ],
            dtype=bool,
        )
        bad = np.isinf(vals.to_numpy())
        bad[missing[not_blank]] = True
    issues = _bad_rows(
        "cems_value",
        "a reading is a finite number (leave it empty or NaN when the analyser gave none)",
        field,
        raw,
        bad,
        "a finite number, or empty/NaN for a missing reading",
    )
    return vals, issues


def _flag(x: object) -> bool | None:
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return {0: False, 1: True}.get(int(x))
    if isinstance(x, str):
        return _FLAG_TEXT.get(x.lower())
    return None


def _parse_valid(col: pd.Series, field: str) -> tuple[np.ndarray, list[Issue]]:
    """The analyser's flag: booleans, 0/1 integers or the text true/false only."""
    import pandas as pd

    raw = col.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(raw.dtype) and not raw.isna().any():
        return raw.to_numpy(dtype=bool), []
    if pd.api.types.is_integer_dtype(raw.dtype) and not raw.isna().any():
        v = raw.to_numpy()  # 0/1 integers, vectorised; other integers stay None (bad)
        flags = np.full(v.shape, None, dtype=object)
        zero_one = np.isin(v, (0, 1))
        flags[zero_one] = (v[zero_one] == 1).tolist()
    else:
        flags = raw.map(_flag).to_numpy(dtype=object)
    bad = np.array([not isinstance(f, bool) for f in flags], dtype=bool)
    issues = _bad_rows(
        "cems_valid_flag",
        "the validity flag is not a boolean",
        field,
        raw,
        bad,
        "True/False, 1/0, or the text true/false (any case); not empty, NaN or other text",
    )
    return np.array([f is True for f in flags], dtype=bool), issues


def _duplicate_timestamps(ts: pd.Series, inside: np.ndarray, field: str) -> list[Issue]:
    """Readings at the same instant: an error, even with the same value."""
    sub = ts[inside]
    dup = sub.duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    positions = np.flatnonzero(inside)[dup]
    groups: dict[object, list[int]] = {}
    for p, t in zip(positions.tolist(), sub[dup].tolist(), strict=True):
        groups.setdefault(t, []).append(p)
    issues = [
        Issue(
            "cems_duplicate_timestamp",
            f"{len(rows)} readings at the same time ({_rows_text(rows)}; rows of the "
            "DataFrame, 1-based): each reading counts once, so duplicates are refused",
            row=rows[0] + 1,
            field=field,
            value=str(t),
            allowed="one reading per timestamp",
        )
        for t, rows in groups.items()
    ]
    return _capped(issues, "duplicated timestamps")


def _hour_of(ts: pd.Series, anchor: pd.Timestamp) -> pd.Series:
    """The start of each reading's hour, counted in whole hours from the period start.

    Hours are anchored at the period start, not at UTC's whole hours, so that a period
    starting at local midnight in a zone with a half-hour offset (India +05:30, Nepal
    +05:45) has hours that run from :30 (:45) UTC, as its local clock does.
    """
    import pandas as pd

    hour = pd.Timedelta(hours=1)
    return anchor + ((ts - anchor) // hour) * hour


def _overfull_hours(
    ts: pd.Series, inside: np.ndarray, readings_per_hour: object, field: str, anchor: pd.Timestamp
) -> list[Issue]:
    """Hours with more readings than the analyser delivers: never silently accepted."""
    if isinstance(readings_per_hour, bool) or not isinstance(readings_per_hour, (int, np.integer)):
        return []
    rph = int(readings_per_hour)
    hour = _hour_of(ts[inside], anchor)
    counts = hour.value_counts()
    over = counts[counts > rph].sort_index()
    issues: list[Issue] = []
    positions = np.flatnonzero(inside)
    for h, n in over.iloc[: _MAX_ISSUES + 1].items():  # _capped keeps _MAX_ISSUES + a summary
        rows = positions[(hour == h).to_numpy()].tolist()
        issues.append(
            Issue(
                "cems_too_many_readings",
                f"hour {h} has {n} readings, more than readings_per_hour={rph} "
                f"({_rows_text(rows)}; rows of the DataFrame, 1-based): duplicated "
                "readings, a wrong readings_per_hour, or naive local times across a "
                "clock change (give timestamps with their zone)",
                row=rows[0] + 1,
                field=field,
                value=str(n),
                allowed=f"at most {rph} readings per hour",
            )
        )
    issues = _capped(issues, "hours with too many readings")
    if len(over) > _MAX_ISSUES:
        last = issues[-1]
        issues[-1] = Issue(
            last.code,
            f"... and {len(over) - _MAX_ISSUES} more hours with too many readings",
            field=last.field,
            allowed=last.allowed,
        )
    return issues
