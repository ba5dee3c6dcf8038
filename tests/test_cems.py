"""CEMS: 80 % hourly validity, mean + 2 sigma substitution, outages over five days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqi_carbon.cems import cems_hourly
from nqi_carbon.errors import InvalidInputError


def _readings(hours=240, per_hour=60, seed=0):
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=hours * per_hour, freq="min")
    return pd.DataFrame({"timestamp": ts, "value": rng.normal(100, 5, ts.size), "valid": True})


def test_hour_with_less_than_80_percent_valid_is_substituted():
    r = _readings()
    hour3 = (r["timestamp"] >= "2024-01-01 03:00") & (r["timestamp"] < "2024-01-01 04:00")
    r.loc[hour3 & (r["timestamp"].dt.minute < 13), "valid"] = False  # 47/60 = 78 % valid
    hour5 = (r["timestamp"] >= "2024-01-01 05:00") & (r["timestamp"] < "2024-01-01 06:00")
    r.loc[hour5 & (r["timestamp"].dt.minute < 12), "valid"] = False  # 48/60 = 80 %: still valid
    res = cems_hourly(r, readings_per_hour=60, start="2024-01-01", end="2024-01-11")
    h = res.hourly.set_index("hour")
    assert bool(h.loc["2024-01-01 03:00", "substituted"]) is True
    assert bool(h.loc["2024-01-01 05:00", "substituted"]) is False
    valid = h.loc[h["valid"], "value"]
    assert res.substitute == pytest.approx(valid.mean() + 2 * valid.std(ddof=1), rel=1e-12)
    assert h.loc["2024-01-01 03:00", "value"] == res.substitute
    assert res.substituted_hours == 1


def test_outage_over_five_days_is_notifiable():
    r = _readings(hours=24 * 20)
    off = (r["timestamp"] >= "2024-01-05") & (r["timestamp"] < "2024-01-11 01:00")  # 6 days + 1 h
    r = r[~off]
    res = cems_hourly(r, readings_per_hour=60, start="2024-01-01", end="2024-01-21")
    assert len(res.notifiable_outages) == 1
    assert res.notifiable_outages[0].hours == 6 * 24 + 1
    short = cems_hourly(
        r[r["timestamp"] < "2024-01-05"], readings_per_hour=60, start="2024-01-01", end="2024-01-06"
    )
    assert (
        short.notifiable_outages == []
    )  # 1 day missing at the end: flagged as an outage, not notifiable
    assert short.outages[0].hours == 24


def test_nan_readings_are_invalid_never_zero():
    r = _readings(hours=10)
    r.loc[r.index[:600], "value"] = (
        np.nan
    )  # first 10 hours... all of them? no: first 10 hours = 600 readings
    with pytest.raises(InvalidInputError, match="cems_no_valid_hours"):
        cems_hourly(r, readings_per_hour=60, start="2024-01-01", end="2024-01-01 10:00")
