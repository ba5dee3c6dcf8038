"""Data gaps are never filled silently; named policies flag every substitute; metrology findings."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


def _inv(records, instruments=(), carbon=None):
    src = {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "factor": "testpack/grid/a",
        "activity": records,
    }
    sources = [src]
    if carbon is not None:
        sources.append(
            {
                "id": "coal",
                "facility": "a",
                "category": 1,
                "method": "carbon_content",
                "carbon": carbon,
                "activity": {"amount": 100, "unit": "t"},
            }
        )
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "G", "id": "g", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "instruments": list(instruments),
            "sources": sources,
        }
    )


MONTHS = [{"period": f"2024-{m:02d}", "amount": 100.0 + m, "unit": "MWh"} for m in range(1, 13)]


def test_missing_month_is_refused_with_what_to_do():
    inv = _inv([r for r in MONTHS if r["period"] != "2024-08"])
    assert [(g.source, str(g.start), str(g.end)) for g in nc.find_gaps(inv)] == [
        ("grid", "2024-08-01", "2024-09-01")
    ]
    with pytest.raises(InvalidInputError, match=r"data_gap") as exc:
        nc.calculate(inv)
    assert "fill_gaps" in str(exc.value)
    assert "0 is a value" in str(exc.value)


def test_zero_month_is_not_a_gap():
    recs = [dict(r, amount=0.0) if r["period"] == "2024-08" else r for r in MONTHS]
    assert nc.find_gaps(_inv(recs)) == []


def test_mean_of_neighbours_fills_by_daily_rate_and_flags_it():
    inv = _inv([r for r in MONTHS if r["period"] != "2024-08"])
    filled_inv, filled = nc.fill_gaps(inv, "mean_of_neighbours")
    (f,) = filled
    expected = (107 / 31 + 109 / 30) / 2 * 31  # July 107 MWh / 31 d, September 109 MWh / 30 d
    assert f.amount == pytest.approx(expected, rel=1e-12)
    assert f.gap.days == 31
    res = nc.calculate(filled_inv)
    assert res.total_co2e == pytest.approx(
        (sum(100.0 + m for m in range(1, 13)) - 108 + expected) * 0.5703, rel=1e-12
    )
    sub = [x for x in res.findings if x.code == "substituted_value"]
    assert len(sub) == 1 and "mean_of_neighbours" in sub[0].message and "31 days" in sub[0].message


def test_conservative_and_stated_policies():
    inv = _inv([r for r in MONTHS if r["period"] not in ("2024-12",)])
    _, (c,) = nc.fill_gaps(inv, "conservative")
    assert c.amount == pytest.approx(
        max(
            (100 + m) / d
            for m, d in zip(range(1, 12), [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30], strict=True)
        )
        * 31,
        rel=1e-12,
    )
    _, (s,) = nc.fill_gaps(inv, "stated", values={"grid": 150.0}, basis="State Grid bill 2024-12")
    assert s.amount == 150.0 and s.basis == "State Grid bill 2024-12"
    with pytest.raises(InvalidInputError, match="gap_policy"):
        nc.fill_gaps(inv, "guess")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="gap_value_missing"):
        nc.fill_gaps(inv, "stated")


def test_reading_after_calibration_due_uses_fallback_uncertainty():
    ins = [
        {
            "id": "M",
            "kind": "meter",
            "uncertainty": 0.01,
            "calibrated_on": "2023-06-01",
            "calibration_due": "2024-07-01",
            "fallback_uncertainty": 0.05,
        }
    ]
    recs = [
        {
            "start": "2024-01-01",
            "end": "2024-07-01",
            "amount": 600,
            "unit": "MWh",
            "instrument": "M",
        },
        {
            "start": "2024-07-01",
            "end": "2025-01-01",
            "amount": 400,
            "unit": "MWh",
            "instrument": "M",
        },
    ]
    res = nc.calculate(_inv(recs, ins), uncertainty="analytical")
    codes = {f.code for f in res.findings}
    assert {"instrument_calibration_expired", "fallback_uncertainty_used"} <= codes
    u = res.group_uncertainty["total"].half95
    f = 0.5703
    # first half: instrument (1 % at k=2 -> 0.98 %), second half: fallback 5 % independent; factor 2 %
    expected = (
        (600 * f * 0.01 * 1.959963984540054 / 2) ** 2
        + (400 * f * 0.05) ** 2
        + (1000 * f * 0.02) ** 2
    ) ** 0.5
    assert u == pytest.approx(expected, rel=1e-12)


def test_lab_accreditation_and_late_report_findings():
    carbon = {
        "carbon_fraction": {
            "value": 60,
            "unit": "percent",
            "lab": "Plant lab",
            "accreditation": "none",
            "report_date": "2025-03-01",
        },
        "oxidation": {"value": 0.98, "unit": "1"},
    }
    res = nc.calculate(_inv(MONTHS, carbon=carbon))
    codes = [f.code for f in res.findings if f.subject == "coal"]
    assert "lab_not_accredited" in codes and "lab_report_late" in codes
    ok = dict(
        carbon,
        carbon_fraction=dict(
            carbon["carbon_fraction"], accreditation="CNAS", report_date="2025-01-20"
        ),
    )
    codes_ok = [
        f.code for f in nc.calculate(_inv(MONTHS, carbon=ok)).findings if f.subject == "coal"
    ]
    assert "lab_not_accredited" not in codes_ok and "lab_report_late" not in codes_ok


def test_missing_carbon_analysis_needs_a_named_policy_then_uses_the_pack_default():
    d = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "C", "id": "c", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "factor_packs": ["cn-mee"],
        "facilities": [{"id": "a"}],
        "sources": [
            {
                "id": "boiler",
                "facility": "a",
                "category": 1,
                "method": "carbon_content",
                "carbon": {
                    "ncv": {"value": 21.0, "unit": "GJ/t"},
                    "oxidation": {"value": 0.99, "unit": "1"},
                },
                "activity": {"amount": 1000, "unit": "t"},
            }
        ],
    }
    inv = nc.validate_inventory(d)
    with pytest.raises(InvalidInputError, match="carbon_parameters_complete") as exc:
        nc.calculate(inv)
    assert "fill_gaps" in str(exc.value)
    filled_inv, (f,) = nc.fill_gaps(
        inv, "pack_default", default="cn-mee/fuel/power_coal_unmeasured_2022"
    )
    assert f.amount == 0.03085 and f.unit == "t/GJ"
    res = nc.calculate(filled_inv)
    assert res.total_co2e == pytest.approx(1000 * 21.0 * 0.03085 * 0.99 * 44 / 12, rel=1e-12)
    assert any(x.code == "substituted_value" and "pack_default" in x.message for x in res.findings)
    per_source, _ = nc.data_quality(res)
    assert per_source.loc[0, "method_score"] == 4
    with pytest.raises(InvalidInputError, match="gap_default_missing"):
        nc.fill_gaps(inv, "pack_default")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (True, "float_type"),
        ("12", "float_type"),
        ("abc", "float_type"),
        (None, "float_type"),
        (float("nan"), "finite_number"),
        (float("inf"), "finite_number"),
        (-5, "amount_not_negative"),
    ],
)
def test_stated_gap_values_are_strict_numbers(value, code):
    inv = _inv([r for r in MONTHS if r["period"] != "2024-12"])
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "stated", values={"grid": value})
    assert [(i.code, i.field) for i in exc.value.issues] == [(code, "values['grid']")]


def test_fill_gaps_reports_every_parameter_problem_at_once():
    inv = _inv([r for r in MONTHS if r["period"] != "2024-12"])
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "guess", values={"grid": "12", "gird": 1.0})  # type: ignore[arg-type]
    assert sorted(i.code for i in exc.value.issues) == [
        "float_type",
        "gap_policy",
        "gap_value_source",
    ]
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "stated", values={"grid": True}, basis=3)  # type: ignore[arg-type]
    assert sorted(i.code for i in exc.value.issues) == ["float_type", "string_type"]
    # parameters a policy does not use are refused, never silently ignored
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "conservative", values={"grid": 1.0}, basis="bill", default="x")
    assert [(i.code, i.field) for i in exc.value.issues] == [
        ("gap_parameter_unused", "values"),
        ("gap_parameter_unused", "basis"),
        ("gap_parameter_unused", "default"),
    ]
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "stated", values=[150.0])  # type: ignore[arg-type]
    assert {i.code for i in exc.value.issues} == {"gap_values", "gap_value_missing"}
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "pack_default", default="testpack/fuel/nothing", basis="x")
    assert [i.code for i in exc.value.issues] == ["gap_parameter_unused"]
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "pack_default", default="testpack/fuel/nothing")
    assert [i.code for i in exc.value.issues] == ["gap_default_missing"]


def test_stated_value_for_a_source_without_a_gap_is_refused():
    inv = _inv([r for r in MONTHS if r["period"] != "2024-12"], carbon=CARBON_FUEL)
    with pytest.raises(InvalidInputError) as exc:
        nc.fill_gaps(inv, "stated", values={"grid": 150.0, "coal": 3.0})
    assert [(i.code, i.field) for i in exc.value.issues] == [("gap_value_unused", "values['coal']")]
    _, (s,) = nc.fill_gaps(inv, "stated", values={"grid": 0})
    assert s.amount == 0.0 and isinstance(s.amount, float)


CARBON_FUEL = {"fuel": "testpack/fuel/coal", "oxidation": {"value": 0.98, "unit": "1"}}


def _calibrated(due, periods):
    ins = [
        {
            "id": "M",
            "kind": "meter",
            "uncertainty": 0.01,
            "calibrated_on": "2023-06-30",
            "calibration_due": due,
            "fallback_uncertainty": 0.05,
        }
    ]
    recs = [dict(p, amount=100.0, unit="MWh", instrument="M") for p in periods]
    return nc.calculate(_inv(recs, ins), uncertainty="analytical")


def test_the_calibration_due_date_itself_is_still_valid():
    # due 2024-06-30: the record 2024-06-01..2024-06-30 (end exclusive 07-01) is valid,
    # the one starting 2024-07-01 covers days after the due date
    first_half = {"start": "2024-01-01", "end": "2024-07-01"}
    second_half = {"start": "2024-07-01", "end": "2025-01-01"}
    res = _calibrated("2024-06-30", [first_half, second_half])
    expired = [f for f in res.findings if f.code == "instrument_calibration_expired"]
    assert len(expired) == 1 and "2024-07-01..2025-01-01" in expired[0].message
    f = 0.5703
    k95 = 1.959963984540054 / 2
    # first half: the instrument's 1 % (k=2); second half: the 5 % fallback; factor 2 %
    expected = ((100 * f * 0.01 * k95) ** 2 + (100 * f * 0.05) ** 2 + (200 * f * 0.02) ** 2) ** 0.5
    assert res.group_uncertainty["total"].half95 == pytest.approx(expected, rel=1e-12)
    per_source, _ = nc.data_quality(res)
    assert per_source.loc[0, "activity_score"] == 3
    # due 2024-12-31, the last record (December) ends on it: no finding, calibrated score
    months = [{"period": f"2024-{m:02d}"} for m in range(1, 13)]
    res = _calibrated("2024-12-31", months)
    metrology = {"instrument_calibration_expired", "fallback_uncertainty_used"}
    assert not [f for f in res.findings if f.code in metrology]
    assert nc.data_quality(res)[0].loc[0, "activity_score"] == 1
    res = _calibrated("2024-12-30", months)  # December covers the 31st: expired
    (e,) = [f for f in res.findings if f.code == "instrument_calibration_expired"]
    assert "2024-12-01..2025-01-01" in e.message
    assert any(f.code == "fallback_uncertainty_used" for f in res.findings)


def test_late_lab_report_is_flagged_without_lab_or_accreditation():
    carbon = {
        "carbon_fraction": {"value": 60, "unit": "percent", "report_date": "2025-03-01"},
        "oxidation": {"value": 0.98, "unit": "1"},
    }
    res = nc.calculate(_inv(MONTHS, carbon=carbon))
    codes = {f.code for f in res.findings if f.subject == "coal"}
    assert {"lab_not_accredited", "lab_not_stated", "lab_report_late"} <= codes
    on_time = {
        "carbon_fraction": {
            "value": 60,
            "unit": "percent",
            "lab": "Plant lab",
            "accreditation": "CNAS",
            "report_date": "2025-02-09",  # 40 days after 2025-01-01: on time
        },
        "oxidation": {"value": 0.98, "unit": "1"},
    }
    res = nc.calculate(_inv(MONTHS, carbon=on_time))
    assert not {f.code for f in res.findings if f.code.startswith("lab_")}


def test_carbon_from_a_pack_fuel_scores_by_the_pack_region():
    def score(fuel):
        d = {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "C", "id": "c", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": ["ipcc-2006", "cn-mee"],
            "facilities": [{"id": "a"}],
            "sources": [
                {
                    "id": "b",
                    "facility": "a",
                    "category": 1,
                    "method": "carbon_content",
                    "carbon": {"fuel": fuel, "oxidation": {"value": 1.0, "unit": "1"}},
                    "activity": {"amount": 100, "unit": "t", "uncertainty": 0.01},
                }
            ],
        }
        per_source, _ = nc.data_quality(nc.calculate(nc.validate_inventory(d)))
        return int(per_source.loc[0, "method_score"]), str(per_source.loc[0, "method"])

    assert score("ipcc-2006/fuel/gas_diesel_oil") == (
        4,
        "carbon from global default fuel parameters (ipcc-2006)",
    )
    assert score("cn-mee/fuel/anthracite") == (
        3,
        "carbon from national/regional default fuel parameters (cn-mee, CN)",
    )


def test_a_refrigerant_top_up_is_not_scored_as_a_measurement(one_facility):
    leak = {
        "id": "leak",
        "facility": "a",
        "category": 1,
        "method": "release",
        "gas": "R-410A",
        "activity": {"amount": 10, "unit": "kg"},
    }
    stack = dict(leak, id="stack", method="measured", gas="CO2")
    per_source, _ = nc.data_quality(nc.calculate(one_facility([leak, stack])))
    scores = per_source.set_index("source")["method_score"]
    assert (scores["leak"], scores["stack"]) == (2, 1)
