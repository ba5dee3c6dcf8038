"""Trajectories: hand-checkable peak, roadmap, recalculation, forecast, LMDI and intensity cases."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from nqi_carbon.errors import InvalidInputError
from nqi_carbon.trajectory.forecast import detect_peak, forecast_driver, forecast_loglinear
from nqi_carbon.trajectory.lmdi import intensity, lmdi
from nqi_carbon.trajectory.recalculation import Change, assess_recalculation
from nqi_carbon.trajectory.roadmap import progress, roadmap

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
    from nqi_carbon.trajectory.series import annual_series
    from nqi_carbon.workflows import run_trajectory

    ex = Path(__file__).resolve().parents[1] / "examples" / "cement" / "inventory.yaml"
    inv = nc.load_inventory(ex)
    files = []
    for year, scale in ((2022, 1.05), (2023, 1.02), (2024, 1.0)):
        from nqi_carbon.inventory.load import inventory_data

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
    from nqi_carbon.trajectory.series import regional_totals

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


# -- input checks (audit: fractional years, tracebacks, LMDI unit) ---------------------------
EXAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "trajectory"
TRAJ_ARGS = ["--target-year", "2030", "--method", "linear", "--target-reduction", "0.3"]


def _csv(tmp_path, text, name="series.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return str(p)


def test_fractional_year_is_refused_naming_file_row_field_value(tmp_path):
    from nqi_carbon.workflows import run_trajectory

    f = _csv(tmp_path, "year,gross_co2e_t\n2020.5,100\n2021,95\n2022,90\n")
    with pytest.raises(InvalidInputError) as exc:
        run_trajectory([f], target_year=2030, method="linear", target_reduction=0.3)
    (issue,) = exc.value.issues
    assert (issue.code, issue.file, issue.row, issue.field, issue.value) == (
        "series_year",
        f,
        1,
        "year",
        "'2020.5'",
    )
    with pytest.raises(InvalidInputError, match="series_year"):
        detect_peak({2020.5: 100, 2021: 95, 2022: 90}, plateau_band=0.02, decline_years=1)
    # a whole year written as a float is a year
    assert detect_peak({2020.0: 100, 2021: 95}, plateau_band=0.0, decline_years=1).peak_year == 2020


@pytest.mark.parametrize(
    ("text", "encoding", "extra", "code"),
    [
        (None, "utf-8", [], "file_unreadable"),
        ('year,gross_co2e_t\n2020,"1,000"\n2021,95\n2022,90\n', "utf-8", [], "float_type"),
        ("year,gross_co2e_t\n2020,true\n2021,95\n2022,90\n", "utf-8", [], "float_type"),
        ("year,gross_co2e_t\n", "utf-8", [], "series_empty"),
        ("", "utf-8", [], "table_columns"),
        ("year,gross_co2e_t\n2020,100\n2021,95\n2022,90\n", "utf-16", [], "encoding"),
        ("year,gross_co2e_t\n2020,100\n2021,\n2022,90\n", "utf-8", [], "missing"),
        ("year,gross_co2e_t\n2020,100\n2021,nan\n2022,90\n", "utf-8", [], "float_type"),
        ("year,gross_co2e_t\n2020,100\n2021,-95\n2022,90\n", "utf-8", [], "emissions_not_negative"),
        ("year,gross_co2e_t\n2020,100\n2020,95\n2021,90\n", "utf-8", [], "series_years_unique"),
        ("year,gross_co2e_t\n2020,100\n2022,90\n", "utf-8", [], "series_contiguous"),
        ("year,gross\n2020,100\n", "utf-8", [], "table_columns"),
        ("year,gross_co2e_t\n2020,100,1\n", "utf-8", [], "file_corrupt"),
        (
            "year,gross_co2e_t\n2020,100\n2021,95\n2022,90\n",
            "utf-8",
            ["--target-year", "2010"],
            "roadmap_years",
        ),
        (
            "year,gross_co2e_t\n2020,100\n2021,95\n2022,90\n",
            "utf-8",
            ["--base-year", "2019"],
            "base_year",
        ),
        (
            "year,gross_co2e_t\n2020,100\n2021,95\n2022,90\n",
            "utf-8",
            ["--fit-from", "2022"],
            "forecast_input",
        ),
    ],
)
def test_trajectory_cli_bad_input_is_one_typed_block(tmp_path, capsys, text, encoding, extra, code):
    from nqi_carbon.cli import main

    f = str(tmp_path / "absent.csv") if text is None else _csv(tmp_path, text, encoding=encoding)
    args = ["trajectory", f, *TRAJ_ARGS]
    # later options win: --target-year 2010 replaces 2030
    assert main([*args, *extra]) == 1
    captured = capsys.readouterr()
    # the output is JSON (the default format): the problems are the validation document
    doc = json.loads(captured.out)
    assert doc["valid"] is False and code in {i["code"] for i in doc["issues"]}
    assert f"[{code}]" in captured.err and "Traceback" not in captured.err
    assert "problem" in captured.err.splitlines()[0]


def test_every_problem_of_a_series_file_is_reported_at_once(tmp_path):
    from nqi_carbon.workflows import run_trajectory

    f = _csv(
        tmp_path,
        "year,gross_co2e_t,removals_co2e_t\n2020,100,-1\n2020,95,x\n2021,,\n2022,nan,\n"
        "2023,-5,\n2025,1,\n",
    )
    with pytest.raises(InvalidInputError) as exc:
        run_trajectory([f], target_year=2030, method="linear", target_reduction=0.3)
    found = {(i.code, i.row, i.field) for i in exc.value.issues}
    assert found == {
        ("float_type", 2, "removals_co2e_t"),
        ("missing", 3, "gross_co2e_t"),
        ("float_type", 4, "gross_co2e_t"),
        ("emissions_not_negative", 5, "gross_co2e_t"),
        ("series_years_unique", None, "year"),
        ("series_contiguous", None, "year"),
    }
    assert all(i.file == f for i in exc.value.issues)


def test_python_api_series_checks():
    with pytest.raises(InvalidInputError) as exc:
        detect_peak(
            pd.Series([100, 95, 90, 85], index=[2020, 2021, 2021, 2022]),
            plateau_band=0.02,
            decline_years=1,
        )
    assert [i.code for i in exc.value.issues] == ["series_years_unique"]
    with pytest.raises(InvalidInputError) as exc:
        forecast_loglinear({2020: True, 2021: "1,000", 2022: math.nan, 2023: -1.0}, until=2030)
    assert [i.code for i in exc.value.issues] == [
        "float_type",
        "float_type",
        "finite_number",
        "emissions_not_negative",
    ]
    from nqi_carbon.trajectory.build import build_trajectory

    good = {2020: 100.0, 2021: 95.0, 2022: 90.0}
    with pytest.raises(InvalidInputError) as exc:
        build_trajectory(
            good,
            {2020: "x"},
            target_year=2015,
            method="linear",
            target_reduction=0.3,
            fit_from=2022,
        )
    assert {i.code for i in exc.value.issues} == {"float_type", "roadmap_years", "forecast_input"}


def test_unsorted_rows_are_sorted_and_the_report_says_so(tmp_path, capsys):
    from nqi_carbon.cli import main
    from nqi_carbon.workflows import run_trajectory

    f = _csv(tmp_path, "year,gross_co2e_t,note\n2022,90,c\n2020,100,a\n2021,95,b\n")
    rep = run_trajectory([f], target_year=2030, method="linear", target_reduction=0.3)
    assert list(rep.actuals) == [2020, 2021, 2022]
    assert any("sorted by year" in n for n in rep.notes)
    assert any("ignored: note" in n for n in rep.notes)
    assert rep.to_dict()["notes"] == rep.notes
    assert main(["trajectory", f, *TRAJ_ARGS]) == 0
    assert "note: " in capsys.readouterr().err


def test_lmdi_reports_tonnes_whatever_the_declared_unit(tmp_path):
    from nqi_carbon.workflows import run_trajectory

    series = pd.read_csv(EXAMPLE / "series.csv").set_index("year")["gross_co2e_t"]
    rep = run_trajectory(
        [str(EXAMPLE / "series.csv")],
        target_year=2030,
        method="linear",
        target_reduction=0.3,
        base_year=2015,
        sectors=str(EXAMPLE / "sectors.csv"),
    )
    d = rep.decomposition
    assert d is not None and d["unit"] == "t CO2e" and d["emissions_unit"] == "10^4 t"
    # the sectors (in 10^4 t) add up to the series (in t): the change is in t
    assert d["total_change_t"] == pytest.approx(series[2024] - series[2015], abs=1e-6)
    assert sum(d["additive"].values()) == pytest.approx(d["total_change_t"], rel=1e-12)

    base = pd.DataFrame(
        {"sector": ["a", "b"], "output": [1.0, 2.0], "energy": [3.0, 4.0], "emissions": [5.0, 6.0]}
    )
    cur = base.assign(emissions=[4.0, 6.5])
    in_t = lmdi(base, cur)
    assert in_t["total_change_t"] == pytest.approx(-0.5) and in_t["emissions_unit"] == "t"
    in_kt = lmdi(base, cur, emissions_unit="kt")
    assert in_kt["total_change_t"] == pytest.approx(-500)
    header = lmdi(*(df.rename(columns={"emissions": "emissions [10^4 t]"}) for df in (base, cur)))
    assert header["total_change_t"] == pytest.approx(-5000)
    assert header["additive"]["activity"] == pytest.approx(1e4 * in_t["additive"]["activity"])
    with pytest.raises(InvalidInputError, match="lmdi_emissions_unit"):
        lmdi(base, cur, emissions_unit="MWh")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (  # the unit is not declared: never taken silently as t
            "year,sector,output,energy,emissions\n2015,a,1,2,3\n2024,a,1,2,3\n",
            {"lmdi_emissions_unit"},
        ),
        (
            "year,sector,output,energy,emissions [widgets]\n2015,a,1,2,3\n2024,a,1,2,3\n",
            {"lmdi_emissions_unit"},
        ),
        (
            "year,sector,output,energy,emissions [t]\n2015,a,1,2,-3\n2015,a,1,2,3\n"
            "2024,a,1,x,3\n2024.5,a,1,2,3\n",
            {"lmdi_values", "lmdi_sectors", "float_type", "series_year"},
        ),
        ("year,sector,output,energy,emissions [t]\n2015,a,1,2,3\n", {"lmdi_years"}),
        (
            "year,sector,output,energy,emissions [t]\n2015,a,1,2,3\n2024,b,1,2,3\n",
            {"lmdi_sectors"},
        ),
    ],
)
def test_bad_sectors_file_is_refused_with_every_problem(tmp_path, capsys, text, codes):
    from nqi_carbon.cli import main

    sectors = _csv(tmp_path, text, name="sectors.csv")
    args = ["trajectory", str(EXAMPLE / "series.csv"), *TRAJ_ARGS, "--sectors", sectors]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and sectors in err
    assert {c for c in codes if f"[{c}]" in err} == codes


def test_student_t_quantiles_are_exact():
    from nqi_carbon.trajectory.forecast import _t_quantile

    # 97.5 % points from any t table: a 3-year fit (1 degree of freedom) needs 12.706
    for df, t in [(1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (10, 2.2281), (30, 2.0423)]:
        assert _t_quantile(0.975, df) == pytest.approx(t, abs=5e-5)
    assert _t_quantile(0.5, 4) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"target_year": 2016, "fit_from": 2017, "target_reduction": 0.3}, "forecast_input"),
        ({"target_year": 2030, "target_reduction": float("nan")}, "roadmap_target"),
        ({"target_year": 2030, "target_reduction": 0.3, "target_t": 5.0}, "roadmap_target"),
        ({"target_year": 2030, "budget_t": 5.0}, "roadmap_target"),  # linear with a budget
    ],
)
def test_trajectory_settings_are_checked_before_any_work(kwargs, code):
    from nqi_carbon.trajectory.build import build_trajectory

    series = {2015: 100.0, 2016: 98.0, 2017: 97.0, 2018: 95.0, 2019: 94.0}
    with pytest.raises(InvalidInputError) as exc:
        build_trajectory(series, method="linear", **kwargs)
    assert code in {i.code for i in exc.value.issues}


def test_a_zero_year_is_named_and_a_wild_series_is_refused():
    from nqi_carbon.trajectory.build import build_trajectory

    with pytest.raises(InvalidInputError) as exc:
        build_trajectory(
            {2015: 100.0, 2016: 110.0, 2017: 0.0},
            target_year=2030,
            method="linear",
            target_reduction=0.3,
        )
    assert any(i.value == "2017" for i in exc.value.issues)
    with pytest.raises(InvalidInputError, match="too noisy"):
        build_trajectory(
            {2022: 50000.0, 2023: 0.5, 2024: 50000.0},
            target_year=2060,
            method="linear",
            target_reduction=0.3,
        )


def test_the_html_page_states_its_parameters():
    from nqi_carbon.trajectory.build import build_trajectory

    rep = build_trajectory(
        {2015: 100.0, 2016: 98.0, 2017: 97.0, 2018: 95.0},
        target_year=2030,
        method="constant_rate",
        target_reduction=0.3,
    )
    page = rep.to_html()
    for text in (
        "Roadmap method",
        "constant_rate",
        "Base year",
        "Target year",
        "2030",
        "Forecast trend",
        "% a year",
    ):
        assert text in page, text


def test_a_peak_in_the_first_year_of_data_says_so():
    p = detect_peak({2015: 120, 2016: 110, 2017: 100, 2018: 90}, plateau_band=0.02, decline_years=3)
    assert p.status == "peaked" and p.peak_year == 2015
    assert "first year of data" in p.evidence


def test_a_target_year_beyond_2200_is_refused_before_any_year_is_built():
    # the roadmap and the forecast hold one row per year: a target year of 1e9 looped
    import nqi_carbon.trajectory as tj

    series = {2015: 100.0, 2016: 99.0, 2017: 98.5, 2018: 97.0, 2019: 96.8, 2020: 95.0}
    with pytest.raises(InvalidInputError) as exc:
        tj.build_trajectory(series, target_year=1_000_000_000, method="linear", target_reduction=0.3)
    assert any(i.code == "roadmap_years" and "2200" in i.allowed for i in exc.value.issues)


def test_lmdi_with_no_output_in_a_year_is_a_typed_error_not_a_division_by_zero(tmp_path):
    # the activity effect is log(Q1/Q0): a year whose sectors produced nothing has no Q
    import nqi_carbon.trajectory as tj

    series = {2018: 100.0, 2019: 99.0, 2020: 98.0, 2021: 97.0}
    sectors = tmp_path / "sectors.csv"
    sectors.write_text("year,sector,output,energy,emissions [t]\n2018,a,10,2,5\n2021,a,0,2,5\n")
    with pytest.raises(InvalidInputError) as exc:
        tj.build_trajectory(
            series, target_year=2030, method="linear", target_reduction=0.3, sectors=str(sectors)
        )
    (issue,) = exc.value.issues
    assert issue.code == "lmdi_values" and issue.field == "output"
    assert "current year is 0" in issue.message
