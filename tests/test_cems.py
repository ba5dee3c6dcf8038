"""CEMS: 80 % hourly validity, mean + 2 sigma substitution, outages over five days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqi_carbon.calc.cems import cems_hourly
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


# --- audit 3: duplicates, time zones, validity flags, parameters ---------------------

T0 = pd.Timestamp("2024-01-01")
SUBST_10_12 = 11 + 2 * np.sqrt(2)  # mean of 10 and 12 plus 2 sigma (sigma = sqrt 2)


def _hours_10_12(hour2_rows):
    """Hours 0 and 1 fully valid at 10 and 12 (10 readings each), then *hour2_rows*."""
    rows = [(T0 + pd.Timedelta(minutes=6 * k), 10.0) for k in range(10)]
    rows += [(T0 + pd.Timedelta(hours=1, minutes=6 * k), 12.0) for k in range(10)]
    return pd.DataFrame(rows + hour2_rows, columns=["timestamp", "value"])


def _codes(exc):
    return [i.code for i in exc.value.issues]


def test_hand_checked_substitute():
    res = cems_hourly(
        _hours_10_12([]), readings_per_hour=10, start="2024-01-01", end="2024-01-01 03:00"
    )
    assert res.hourly["value"].tolist() == pytest.approx([10, 12, 13.828427124746])
    assert res.substitute == pytest.approx(SUBST_10_12)
    assert res.total == pytest.approx(22 + SUBST_10_12)


def test_duplicate_timestamps_are_an_error_naming_the_rows():
    # hour 2: 5 distinct readings, each twice: 10 rows but only 5 readings (50 % < 80 %)
    twice = [(T0 + pd.Timedelta(hours=2, minutes=6 * k), 50.0) for k in range(5)] * 2
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(
            _hours_10_12(twice),
            readings_per_hour=10,
            start="2024-01-01",
            end="2024-01-01 03:00",
        )
    issues = exc.value.issues
    assert _codes(exc) == ["cems_duplicate_timestamp"] * 5  # all reported at once
    assert (issues[0].row, issues[0].field) == (21, "timestamp")
    assert "rows 21, 26" in issues[0].message


def test_hour_with_more_readings_than_expected_is_an_error():
    # 12 distinct readings in hour 2 with readings_per_hour=10
    extra = [(T0 + pd.Timedelta(hours=2, minutes=5 * k), 50.0) for k in range(12)]
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(
            _hours_10_12(extra), readings_per_hour=10, start="2024-01-01", end="2024-01-01 03:00"
        )
    (issue,) = exc.value.issues
    assert issue.code == "cems_too_many_readings"
    assert (issue.row, issue.value) == (21, "12")
    assert issue.allowed == "at most 10 readings per hour"


def test_naive_local_times_across_dst_give_an_error_not_a_lost_hour():
    tz = "Europe/Berlin"
    local = pd.date_range("2024-10-27", "2024-10-27 05:00", freq="6min", tz=tz, inclusive="left")
    # not on the same minutes in the repeated hour, so only the count check can see it
    naive = local.tz_localize(None) + pd.to_timedelta([0] * 30 + [1] * 30, unit="s")
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(
            pd.DataFrame({"timestamp": naive, "value": 1.0}),
            readings_per_hour=10,
            start="2024-10-27",
            end="2024-10-27 05:00",
        )
    assert _codes(exc) == ["cems_too_many_readings"]
    assert "2024-10-27 02:00" in exc.value.issues[0].message


def test_tz_aware_readings_across_dst_are_converted_to_utc():
    tz = "Europe/Berlin"
    ts = pd.date_range("2024-10-27", "2024-10-27 05:00", freq="6min", tz=tz, inclusive="left")
    df = pd.DataFrame({"timestamp": ts, "value": 1.0})
    start, end = pd.Timestamp("2024-10-27", tz=tz), pd.Timestamp("2024-10-27 05:00", tz=tz)
    res = cems_hourly(df, readings_per_hour=10, start=start, end=end)
    assert len(res.hourly) == 6  # the 25-hour day: 00:00+02:00 to 05:00+01:00 is six hours
    assert res.hourly["n_valid"].tolist() == [10] * 6
    assert res.total == 6.0
    assert str(res.hourly["hour"].iloc[0]) == "2024-10-26 22:00:00+00:00"
    # the same readings as ISO 8601 text with mixed offsets (+02:00, then +01:00)
    text = pd.DataFrame({"timestamp": [t.isoformat() for t in ts], "value": 1.0})
    res2 = cems_hourly(
        text,
        readings_per_hour=10,
        start="2024-10-27T00:00+02:00",
        end="2024-10-27T05:00+01:00",
    )
    assert res2.total == 6.0
    # naive start/end with tz-aware readings: a typed error asking for the zone
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(df, readings_per_hour=10, start="2024-10-27", end="2024-10-27 05:00")
    assert _codes(exc) == ["cems_timezone"]
    assert exc.value.issues[0].field == "start"
    # too many readings are caught on UTC hours as well
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(df, readings_per_hour=5, start=start, end=end)
    assert _codes(exc) == ["cems_too_many_readings"] * 6


def test_timestamps_mixing_naive_and_offset_are_an_error():
    df = pd.DataFrame(
        {"timestamp": ["2024-01-01T00:00Z", "2024-01-01T00:06", "garbage"], "value": 1.0}
    )
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(df, readings_per_hour=10, start="2024-01-01T00:00Z", end="2024-01-01T01:00Z")
    assert [(i.code, i.row) for i in exc.value.issues] == [
        ("cems_timezone", 2),
        ("cems_timestamp", 3),
    ]


@pytest.mark.parametrize(
    ("flags", "n_valid"),
    [
        ([True] * 10, 10),
        (["False"] * 3 + ["True"] * 7, 7),  # text is read, not cast: "False" is False
        (["FALSE"] * 3 + ["true"] * 7, 7),
        ([0] * 3 + [1] * 7, 7),
    ],
)
def test_valid_flag_accepts_real_booleans(flags, n_valid):
    hour2 = pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-01-01 02:00", periods=10, freq="6min"),
            "value": 50.0,
            "valid": flags,
        }
    )
    df = pd.concat([_hours_10_12([]).assign(valid=True), hour2], ignore_index=True)
    res = cems_hourly(df, readings_per_hour=10, start="2024-01-01", end="2024-01-01 03:00")
    assert res.hourly["n_valid"].tolist() == [10, 10, n_valid]
    expected = 50.0 if n_valid >= 8 else SUBST_10_12
    assert res.hourly["value"].iloc[2] == pytest.approx(expected)


def test_valid_flag_rejects_nan_and_other_values():
    ts = pd.date_range("2024-01-01", periods=30, freq="6min")
    flags = [np.nan, "yes", 2] + [True] * 27
    df = pd.DataFrame({"timestamp": ts, "value": 10.0, "valid": flags})
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(df, readings_per_hour=10, start="2024-01-01", end="2024-01-01 03:00")
    assert [(i.code, i.row, i.field, i.value) for i in exc.value.issues] == [
        ("cems_valid_flag", 1, "valid", "nan"),
        ("cems_valid_flag", 2, "valid", "'yes'"),
        ("cems_valid_flag", 3, "valid", "2"),
    ]


@pytest.mark.parametrize("fraction", [0, 80, -0.5, 1.5, float("nan")])
def test_min_valid_fraction_must_be_a_fraction(fraction):
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(
            _hours_10_12([]),
            readings_per_hour=10,
            start="2024-01-01",
            end="2024-01-01 03:00",
            min_valid_fraction=fraction,
        )
    assert _codes(exc) == ["cems_min_valid_fraction"]
    assert exc.value.issues[0].allowed.startswith("a number in (0, 1]")


def test_nan_readings_never_make_an_hour_valid():
    # hour 2: ten NaN readings; even with a tiny fraction the hour is substituted
    nan_rows = [(T0 + pd.Timedelta(hours=2, minutes=6 * k), np.nan) for k in range(10)]
    res = cems_hourly(
        _hours_10_12(nan_rows),
        readings_per_hour=10,
        start="2024-01-01",
        end="2024-01-01 03:00",
        min_valid_fraction=0.01,
    )
    assert res.hourly["valid"].tolist() == [True, True, False]
    assert res.total == pytest.approx(22 + SUBST_10_12)
    assert np.isfinite(res.total)


def test_fraction_rounding_does_not_demand_an_extra_reading():
    # 0.55 * 100 is 55.00000000000001 in floating point: 55 valid readings are 55 %
    ts = pd.date_range("2024-01-01", periods=300, freq="36s")
    df = pd.DataFrame({"timestamp": ts, "value": np.repeat([10.0, 12.0, 50.0], 100)})
    df = df.iloc[:255]  # hour 2 keeps 55 of its 100 readings
    res = cems_hourly(
        df,
        readings_per_hour=100,
        start="2024-01-01",
        end="2024-01-01 03:00",
        min_valid_fraction=0.55,
    )
    assert res.hourly["n_valid"].tolist() == [100, 100, 55]
    assert res.hourly["valid"].tolist() == [True, True, True]
    assert res.total == pytest.approx(72.0)


def test_bad_period_and_values_are_reported_together():
    df = pd.DataFrame(
        {"timestamp": pd.date_range("2024-01-01", periods=3, freq="20min"), "value": ["x", 1, 2]}
    )
    with pytest.raises(InvalidInputError) as exc:
        cems_hourly(df, readings_per_hour=0, start="2024-01-01 00:30", end="2024-01-01")
    assert sorted(_codes(exc)) == [
        "cems_period",  # start not on a whole hour
        "cems_period",  # end not after start
        "cems_value",
        "readings_per_hour",
    ]


def test_an_explicitly_named_flag_column_must_exist():
    df = pd.DataFrame(
        {"timestamp": pd.date_range("2024-01-01", periods=10, freq="6min"), "value": 1.0}
    )
    with pytest.raises(InvalidInputError, match="analyser_ok"):
        cems_hourly(
            df, readings_per_hour=10, start="2024-01-01", end="2024-01-01 01:00", valid="analyser_ok"
        )


def test_hours_follow_the_local_clock_in_half_hour_time_zones():
    # India (+05:30): local midnight is 18:30 UTC; readings 00:00-00:45 and 01:00-01:45
    # local make two full hours, 1.0 and 2.0
    ts = pd.date_range("2024-01-01T00:00+05:30", periods=8, freq="15min")
    df = pd.DataFrame({"timestamp": ts, "value": [1.0] * 4 + [2.0] * 4})
    r = cems_hourly(
        df, readings_per_hour=4, start="2024-01-01T00:00+05:30", end="2024-01-01T02:00+05:30"
    )
    assert r.hourly["value"].tolist() == [1.0, 2.0]
    assert r.hourly["valid"].all() and r.total == 3.0
