"""Trajectories: hand-checkable peak, roadmap, recalculation, forecast, LMDI and intensity cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from nqi_carbon.errors import InvalidInputError
from nqi_carbon.trajectory import (
    Change,
    assess_recalculation,
    detect_peak,
    forecast_driver,
    forecast_loglinear,
    intensity,
    lmdi,
    progress,
    roadmap,
)

PEAKED = {2015: 90, 2016: 95, 2017: 100, 2018: 99.5, 2019: 97, 2020: 95, 2021: 92}
PLATEAU = {2015: 90, 2016: 95, 2017: 100, 2018: 99.5, 2019: 99.0, 2020: 99.6}
RISING = {2015: 90, 2016: 95, 2017: 100, 2018: 104}


def test_peaked_series():
    p = detect_peak(PEAKED, plateau_band=0.02, decline_years=3)
    assert (p.status, p.peak_year, p.peak_value) == ("peaked", 2017, 100)
    assert "2021" in p.evidence


def test_plateau_series():
    p = detect_peak(PLATEAU, plateau_band=0.02, decline_years=3)
    assert p.status == "plateau" and p.peak_year == 2017


def test_never_peaked_series():
    assert detect_peak(RISING, plateau_band=0.02, decline_years=3).status == "not_yet_peaked"


def test_decline_must_leave_the_band():
    wobble = {
        2015: 100,
        2016: 99.9,
        2017: 99.8,
        2018: 99.7,
    }  # falling, but within 2 % of the maximum
    assert detect_peak(wobble, plateau_band=0.02, decline_years=3).status == "plateau"
    assert detect_peak(wobble, plateau_band=0.0, decline_years=3).status == "peaked"


def test_peak_needs_consecutive_years():
    with pytest.raises(InvalidInputError, match="series_contiguous"):
        detect_peak({2015: 1, 2017: 2}, plateau_band=0.02, decline_years=1)


def test_linear_roadmap_by_hand():
    r = roadmap(2020, 1000, 2030, method="linear", target_t=500)
    assert list(r["target_t"]) == [1000 - 50 * k for k in range(11)]


def test_constant_rate_roadmap_by_hand():
    r = roadmap(2020, 1000, 2022, method="constant_rate", target_t=810)
    assert list(r["target_t"]) == pytest.approx([1000, 900, 810], rel=1e-12)


def test_budget_roadmap_adds_up_to_the_budget():
    r = roadmap(
        2020, 100, 2024, method="budget", budget_t=400
    )  # 5 years: (100 + end) * 5 / 2 = 400 -> end 60
    assert r["target_t"].iloc[-1] == pytest.approx(60)
    assert r["target_t"].sum() == pytest.approx(400, rel=1e-12)
    with pytest.raises(InvalidInputError, match="roadmap_budget"):
        roadmap(2020, 100, 2024, method="budget", budget_t=200)


def test_progress_gap_and_required_reduction():
    r = roadmap(2020, 1000, 2030, method="linear", target_t=500)
    p = progress(r, {2020: 1000, 2021: 980, 2022: 960}, removals={2022: -10})
    assert p.loc[2021, "gap_t"] == pytest.approx(980 - 950)
    assert p.loc[2022, "required_annual_reduction"] == pytest.approx(1 - (500 / 960) ** (1 / 8))
    assert p.loc[2022, "neutrality_gap_t"] == 950
    assert math.isnan(p.loc[2025, "actual_t"]) or p.loc[2025, "actual_t"] is None


def test_recalculation_cumulative_threshold():
    changes = [
        Change(2022, "structural", 30, "acquired a plant"),
        Change(2023, "factor", 25, "grid factor update"),
        Change(2023, "organic", 400, "production growth"),
    ]
    d = assess_recalculation(1000, changes, threshold=0.05)
    assert d.required and d.cumulative_effect_t == 55 and d.restated_base_t == 1055
    assert len(d.reasons) == 2 and "production growth" in d.ignored[0]
    assert not assess_recalculation(1000, changes[:1], threshold=0.05).required  # 3 % alone


def test_loglinear_forecast_recovers_an_exact_trend():
    series = {y: 1000 * 0.97 ** (y - 2010) for y in range(2010, 2022)}
    f = forecast_loglinear(series, until=2030)
    assert f.attrs["annual_change"] == pytest.approx(-0.03, rel=1e-9)
    assert f.loc[2030, "forecast_t"] == pytest.approx(1000 * 0.97**20, rel=1e-9)
    assert f.loc[2030, "low_t"] == pytest.approx(
        f.loc[2030, "high_t"], rel=1e-6
    )  # no scatter, no band


def test_driver_forecast_by_hand():
    f = forecast_driver(
        2024, 1000, until=2026, activity_growth=0.05, intensity_change=-0.04, growth_sd=0.01
    )
    assert f.loc[2026, "forecast_t"] == pytest.approx(1000 * (1.05 * 0.96) ** 2, rel=1e-12)
    assert f.loc[2024, "low_t"] == f.loc[2024, "high_t"] == 1000


def test_lmdi_effects_sum_exactly_to_the_change():
    base = pd.DataFrame(
        {
            "sector": ["cement", "steel", "power"],
            "output": [100.0, 50.0, 80.0],
            "energy": [300.0, 400.0, 500.0],
            "emissions": [30.0, 36.0, 45.0],
        }
    )
    cur = pd.DataFrame(
        {
            "sector": ["cement", "steel", "power"],
            "output": [120.0, 45.0, 90.0],
            "energy": [330.0, 350.0, 520.0],
            "emissions": [32.0, 30.0, 40.0],
        }
    )
    d = lmdi(base, cur)
    assert sum(d["additive"].values()) == pytest.approx(d["total_change_t"], abs=1e-9)
    assert math.prod(d["multiplicative"].values()) == pytest.approx(d["total_ratio"], rel=1e-9)
    # pure activity growth: only the activity effect moves
    d2 = lmdi(
        base,
        base.assign(
            output=base["output"] * 1.1,
            energy=base["energy"] * 1.1,
            emissions=base["emissions"] * 1.1,
        ),
    )
    assert d2["additive"]["activity"] == pytest.approx(111 * 0.1, rel=1e-12)
    assert abs(d2["additive"]["structure"]) < 1e-12


def test_intensity_with_units():
    df = intensity(866_080, {"clinker": (1_052_300, "t"), "revenue": (182_000, "10^4 CNY")})
    assert df.loc[0, "value"] == pytest.approx(866_080 / 1_052_300)
    assert df.loc[1, "unit"] == "t CO2e/(10^4 CNY)"
    with pytest.raises(Exception, match="unknown unit"):
        intensity(1, {"x": (1, "widgets")})


def test_trajectory_cli_on_the_example(capsys, tmp_path):
    import json
    from pathlib import Path

    from nqi_carbon.cli import main

    ex = Path(__file__).resolve().parents[1] / "examples" / "trajectory"
    args = [
        "trajectory",
        str(ex / "series.csv"),
        "--target-year",
        "2030",
        "--method",
        "linear",
        "--target-reduction",
        "0.3",
        "--base-year",
        "2015",
        "--fit-from",
        "2019",
        "--sectors",
        str(ex / "sectors.csv"),
    ]
    assert main(args) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["peak"]["status"] == "peaked" and d["peak"]["peak_year"] == 2019
    assert d["targets"][-1]["target_t"] == pytest.approx(0.7 * 907800)
    assert sum(d["decomposition"]["additive"].values()) == pytest.approx(
        d["decomposition"]["total_change_t"], abs=1e-9
    )
    assert main([*args, "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert (
        page.startswith("<!DOCTYPE html>")
        and "<svg" in page
        and "http" not in page.split("<svg", 1)[0]
    )


def test_trajectory_from_inventory_files(tmp_path):
    from pathlib import Path

    import nqi_carbon as nc
    from nqi_carbon.trajectory import annual_series
    from nqi_carbon.workflows import run_trajectory

    ex = Path(__file__).resolve().parents[1] / "examples" / "cement" / "inventory.yaml"
    inv = nc.load_inventory(ex)
    files = []
    for year, scale in ((2022, 1.05), (2023, 1.02), (2024, 1.0)):
        from nqi_carbon.io import inventory_data

        data = inventory_data(inv)
        data["period"] = {"start": f"{year}-01-01", "end": f"{year + 1}-01-01"}
        for s in data["sources"]:
            recs = s["activity"]
            for r in recs:
                r["amount"] = r["amount"] * scale
                if "period" in r:
                    r["period"] = f"{year}" + r["period"][4:]
        data.pop("base_year", None)
        p = tmp_path / f"inv{year}.json"
        import json

        p.write_text(json.dumps(data))
        files.append(str(p))
    rep = run_trajectory(files, target_year=2030, method="constant_rate", target_reduction=0.2)
    assert sorted(rep.actuals) == [2022, 2023, 2024]
    series = annual_series(nc.calculate(nc.load_inventory(f)) for f in files)
    assert list(series.index) == [2022, 2023, 2024]
    assert series.loc[2022, "gross_co2e_t"] > series.loc[2024, "gross_co2e_t"]


def test_regional_totals_keep_consolidation():
    from pathlib import Path

    import nqi_carbon as nc
    from nqi_carbon.trajectory import regional_totals

    res = nc.calculate(
        nc.load_inventory(
            Path(__file__).resolve().parents[1] / "examples" / "multisite" / "inventory.yaml"
        )
    )
    table = regional_totals([res])
    by_fac = res.totals()["by_facility"]
    assert table.loc[2024, "CN-JS"] == pytest.approx(
        by_fac["suzhou"] + by_fac["wuxi"], rel=1e-12
    )  # wuxi at 60 %
    assert table.loc[2024, "CN-AH"] == pytest.approx(by_fac["hefei"], rel=1e-12)
    assert table.loc[2024].sum() == pytest.approx(res.total_co2e, rel=1e-12)
