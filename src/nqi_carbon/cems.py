"""Continuous emission monitoring (CEMS): hourly validity, substitution, outages.

Rules from the EU MRR (Regulation (EU) 2018/2066):

* an hour is valid when at least 80 % of its expected readings are valid (Art. 44(1));
* a missing or invalid hour is substituted with the mean of the valid hourly values of
  the reference period plus twice their standard deviation (Art. 45(2), Annex VIII
  section 3, "C*subst = C̄ + 2σC");
* equipment out of operation for more than five consecutive days is reported (Art. 45(1)).

Every substituted hour is flagged; nothing is filled silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import InvalidInputError, Issue

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
        flag from the analyser (NaN values are invalid in any case).
    readings_per_hour : int
        Readings the analyser should deliver per hour (e.g. 60 for one a minute).
    start, end : timestamp
        The reference period (end exclusive); every hour in it gets a value.
    timestamp, value, valid : str
        Column names (``valid`` may be None when the analyser gives no flag).
    min_valid_fraction : float
        Share of valid readings that makes an hour valid (MRR Art. 44: 0.8).
    outage_days : float
        Runs of invalid hours longer than this are notifiable (MRR Art. 45: 5 days).
    """
    import pandas as pd

    missing = [c for c in (timestamp, value) if c not in readings.columns]
    if missing:
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    f"missing column(s) {', '.join(missing)}",
                    field="readings",
                    allowed=f"{timestamp}, {value}[, {valid}]",
                )
            ]
        )
    if readings_per_hour < 1:
        raise InvalidInputError(
            [Issue("readings_per_hour", "must be at least 1", value=repr(readings_per_hour))]
        )
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    hours = pd.date_range(t0, t1, freq="h", inclusive="left")
    ts = pd.to_datetime(readings[timestamp])
    vals = pd.to_numeric(readings[value], errors="coerce")
    ok = vals.notna()
    if valid is not None and valid in readings.columns:
        ok &= readings[valid].astype(bool)
    inside = (ts >= t0) & (ts < t1)
    frame = pd.DataFrame(
        {"hour": ts[inside].dt.floor("h"), "value": vals[inside], "ok": ok[inside]}
    )
    good = frame[frame["ok"]]
    per_hour = good.groupby("hour")["value"].agg(["mean", "count"]).reindex(hours)
    n_valid = per_hour["count"].fillna(0).astype(int).to_numpy()
    hour_valid = n_valid >= min_valid_fraction * readings_per_hour
    values = per_hour["mean"].to_numpy(dtype=float)
    valid_values = values[hour_valid]
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
    notifiable = [o for o in outages if o.hours > outage_days * 24]
    return CemsResult(
        hourly, substitute, int((~hour_valid).sum()), outages, notifiable, min_valid_fraction
    )
