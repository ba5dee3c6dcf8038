"""China's national carbon market (nqi_carbon.cn_ets): the power method by hand, sectors, records, reports.

Every expected figure is computed here by hand from the guideline formulas and the values
written in the example files and the packs, never read back from the code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import shutil
from pathlib import Path

import pytest

import nqi_carbon as nc
import nqi_carbon.cn_ets as cn
from nqi_carbon.cn_ets.rules import lab_report_due

EX = Path(__file__).resolve().parents[1] / "examples"
POWER = EX / "cn-power"
# The values of the hand computation and where they come from. The accounting year 2024 is
# governed by the MEE power-generation guideline as applied by 环办气候函〔2023〕43号
# (《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》, 7 Feb 2023; cited
# on https://www.mee.gov.cn/ — its own page was not found, see the cn-mee pack's reference
# mee-2023-43) with the monthly CMA/CNAS analyses of 环办气候函〔2022〕111号.
C = 44 / 12  # t CO2 per t C (molar masses, every guideline formula)
OF = 0.99  # the plant file's oxidation rate for coal (99 %): the plant states it, no default is shipped
# High default (高限值) carbon content per unit heat of coal in a month without a valid
# analysis: 0.03085 t C/GJ, set by the MEE General Office's notice of 7 June 2022 (关于高效统筹
# 疫情防控和经济社会发展调整2022年企业温室气体排放报告管理相关重点工作任务的通知), replacing 0.03356;
# pack fuel cn-mee/fuel/power_coal_unmeasured_2022 (reference mee-2022-06-notice).
HIGH = 0.03085
# National grid factor for purchased electricity: 0.5703 t CO2/MWh, 环办气候函〔2023〕43号 (the
# 2022 factor, applied to 2022-2024 absent a later notice); pack factor cn-mee/grid/national/2022.
GRID = 0.5703

# the monthly records of examples/cn-power (month: consumption t, C %, M_ar %, M_ad %)
AIR_DRIED = {
    1: (86520, 58.12, 10.4, 1.62),
    2: (74310, 57.45, 10.9, 1.58),
    3: (80945, 57.90, 10.6, 1.71),
    4: (69870, 58.46, 9.8, 1.49),
    5: (72140, 58.83, 9.5, 1.52),
    6: (78615, 58.01, 10.2, 1.66),
}
AS_RECEIVED = {8: (85730, 52.04), 9: (76480, 52.60), 10: (71360, 53.12), 11: (79925, 52.31), 12: (88140, 52.18)}
JULY = (84290, 21.45)  # consumption t, NCV GJ/t; no element-carbon analysis
SUPPLY_MWH = [177350, 148900, 165410, 150260, 155120, 166640, 179030, 179840, 159230, 146870, 164120, 179160]
HEAT = {1: (412600, 0.2135), 2: (365200, 0.2240), 3: (298700, 0.1712), 11: (276400, 0.1598), 12: (428900, 0.2187)}


@pytest.fixture(scope="module")
def power() -> cn.PowerPlantReport:
    return cn.power_plant_report(POWER / "plant.yaml")


def _month_co2(m: int) -> float:
    """One month of coal by hand, as the guideline prescribes."""
    if m in AIR_DRIED:
        fc, c_ad, m_ar, m_ad = AIR_DRIED[m]
        c_ar = c_ad / 100 * (100 - m_ar) / (100 - m_ad)  # GB/T 483: air-dried -> as received
    elif m in AS_RECEIVED:
        fc, c_ar = AS_RECEIVED[m][0], AS_RECEIVED[m][1] / 100
    else:
        fc, ncv = JULY
        c_ar = ncv * HIGH  # no valid analysis: C_ar = NCV x the high default carbon per heat
    return fc * c_ar * OF * C


def test_power_example_reproduces_the_hand_computed_annual_figure(power):
    # step 1, January (air-dried basis): C_ar = 58.12 % x (100 - 10.4) / (100 - 1.62) = 52.933 %
    jan_c_ar = 58.12 * 89.6 / 98.38
    assert jan_c_ar == pytest.approx(52.9331, abs=1e-4)
    # step 2, July (no analysis): C_ar = 21.45 GJ/t x 0.03085 t C/GJ = 0.6617325 t C/t;
    # E = 84 290 t x 0.6617325 x 0.99 x 44/12 = 55 777.432425 t C x 0.99 x 44/12 = 202 472.08 t CO2
    july_c_ar = 21.45 * HIGH
    july_carbon_t = JULY[0] * july_c_ar
    assert july_c_ar == pytest.approx(0.6617325, rel=1e-12)
    assert july_carbon_t == pytest.approx(55777.432425, rel=1e-12)
    assert _month_co2(7) == pytest.approx(55777.432425 * 0.99 * 44 / 12, rel=1e-12)
    assert _month_co2(7) == pytest.approx(202472.08, abs=0.01)
    # step 3, every month: E = FC x C_ar x OF x 44/12, summed over the year. Written out
    # (t coal; C_ar %; t CO2 to the cent), July at the high default:
    #   Jan 86 520 52.9330 166 245.51 | Feb 74 310 52.0097 140 293.73 | Mar 80 945 52.6631 154 740.29
    #   Apr 69 870 53.5285 135 763.30 | May 72 140 54.0629 141 573.56 | Jun 78 615 52.9723 151 168.41
    #   Jul 84 290 66.1732 202 472.08 | Aug 85 730 52.0400 161 948.43 | Sep 76 480 52.6000 146 029.38
    #   Oct 71 360 53.1200 137 600.35 | Nov 79 925 52.3100 151 765.83 | Dec 88 140 52.1800 166 948.97
    written_out = [166245.51, 140293.73, 154740.29, 135763.30, 141573.56, 151168.41,
                   202472.08, 161948.43, 146029.38, 137600.35, 151765.83, 166948.97]  # fmt: skip
    for m, e in enumerate(written_out, start=1):
        assert _month_co2(m) == pytest.approx(e, abs=0.005), m
    coal = sum(_month_co2(m) for m in range(1, 13))
    assert coal == pytest.approx(1856549.84, abs=0.005)  # the annual coal CO2, t
    # step 4, purchased electricity: (640.0 MWh of unit-1 in April + 1 862.5 MWh of the plant
    # in October) x 0.5703 t CO2/MWh
    electricity = (640.0 + 1862.5) * GRID
    assert electricity == pytest.approx(1427.17575, rel=1e-12)
    assert power.result.fuel_t == pytest.approx(coal, rel=1e-12)
    assert power.result.electricity_t == pytest.approx(electricity, rel=1e-12)
    assert power.total_t == pytest.approx(coal + electricity, rel=1e-12)
    # the annual figure: coal + electricity, to the cent of the unrounded sum
    assert round(power.total_t, 2) == 1857977.01
    july = [ln for ln in power.result.fuel_lines if ln["month"] == "2024-07"]
    assert [ln["status"] for ln in july] == ["high_default"]


def test_power_supply_indicators_by_hand(power):
    unit_co2 = sum(_month_co2(m) for m in range(1, 13)) + 640.0 * GRID  # the unit's own purchase
    heat_co2 = sum(_month_co2(m) * ratio for m, (_, ratio) in HEAT.items())  # E_m x 供热比_m
    u = power.result.units[0]
    assert u["emissions_t"] == pytest.approx(unit_co2, rel=1e-12)
    assert u["power_supply_mwh"] == sum(SUPPLY_MWH)
    assert u["heat_supply_gj"] == sum(h for h, _ in HEAT.values())
    assert u["heat_emissions_t"] == pytest.approx(heat_co2, rel=1e-12)
    assert u["power_intensity"] == pytest.approx((unit_co2 - heat_co2) / sum(SUPPLY_MWH), rel=1e-12)
    assert u["heat_intensity"] == pytest.approx(heat_co2 / sum(h for h, _ in HEAT.values()), rel=1e-12)


def test_power_findings_name_the_unmeasured_month_and_the_late_report(power):
    got = [(f.code, f.month) for f in power.findings]
    assert got == [("cn_ets_lab_report_late", "2024-03"), ("cn_ets_carbon_not_measured", "2024-07")]
    late = power.findings[0]
    assert "2024-05-15" in late.message[0] and "2024-05-10" in late.message[0]


def test_lab_reports_are_due_40_days_after_the_month():
    assert lab_report_due("2024-01") == dt.date(2024, 3, 11)  # 31 Jan + 40 days, leap year
    assert lab_report_due("2023-01") == dt.date(2023, 3, 12)
    assert lab_report_due("2024-03") == dt.date(2024, 5, 10)
    assert lab_report_due("2024-12") == dt.date(2025, 2, 9)


def test_the_inventory_of_a_power_year_calculates_to_the_same_total(power):
    inv = power.to_inventory()
    res = nc.calculate(inv)
    assert res.totals()["gross_co2e_t"] == pytest.approx(power.total_t, rel=1e-12)
    assert res.totals()["by_category"]["2"] == pytest.approx((640.0 + 1862.5) * GRID, rel=1e-12)
    subs = [f for f in res.findings if f.code == "substituted_value"]
    assert [f.subject for f in subs] == ["unit-1/coal/2024-07"]
    ver = nc.verify(
        inv,
        {"gwp_set": "AR5", "period": {"start": "2024-01-01", "end": "2025-01-01"}, "totals": {"gross_co2e_t": 1816953}},
        materiality="eu-ets-c",
        assurance="reasonable",
    )
    assert ver.material  # the claimed total leaves out 2.2 % (July at the mean carbon): above 2 %


def test_verification_report_lists_the_nonconformities(power):
    v = cn.verification_report(power, POWER / "claimed.yaml", verifier="张三", body="示范核查机构", date="2025-04-20")
    status = {c.key: c.status for c in v.checks}
    assert status == {
        "total_t": "differs",
        "fuel_combustion_t": "differs",
        "purchased_electricity_t": "rounding",  # 1427.18 against 1427.17575
        "units.unit-1.power_supply_mwh": "differs",  # 1 971 030 against 1 971 930
        "units.unit-1.heat_supply_gj": "agrees",
    }
    subjects = [s for s, _, _ in v.nonconformities]
    assert subjects == [
        "unit-1/coal 2024-03",
        "unit-1/coal 2024-07",
        "total_t",
        "fuel_combustion_t",
        "units.unit-1.power_supply_mwh",
    ]
    assert v.verified_t == power.total_t
    md = v.to_markdown()
    assert "不符合项" in md and "NC-05" in md and "核定排放量" in md


def test_a_claim_that_agrees_gives_a_conforming_conclusion(power):
    figures = {k: v for k, v in power.figures().items() if v is not None}
    v = cn.verification_report(power, {"schema": "nqi-carbon/cn-ets-claim@1", "figures": figures})
    assert all(c.status == "agrees" for c in v.checks)
    assert len(v.nonconformities) == 2  # the data-quality ones remain
    assert "须整改" in v.to_markdown()


def test_bad_claims_are_typed_errors(power):
    bad = {"schema": "nqi-carbon/cn-ets-claim@1", "figures": {"total": 1, "total_t": "12", "fuel_combustion_t": True}}
    with pytest.raises(nc.InvalidInputError) as e:
        cn.verification_report(power, bad)
    got = {(i.code, i.field) for i in e.value.issues}
    assert got == {
        ("cn_ets_claim", "figures.total"),
        ("cn_ets_claim", "figures.total_t"),
        ("cn_ets_claim", "figures.fuel_combustion_t"),
    }
    with pytest.raises(nc.InvalidInputError, match="not a claim"):
        cn.verification_report(power, {"figures": {}})
    with pytest.raises(nc.InvalidInputError, match="not a date") as e:
        cn.verification_report(power, POWER / "claimed.yaml", date="2025-02-30")
    assert [(i.code, i.field) for i in e.value.issues] == [("verification_date", "date")]
    at_noon = dt.datetime(2025, 4, 20, 12, 0)  # a datetime gives its date, as nc.verify does
    assert cn.verification_report(power, POWER / "claimed.yaml", date=at_noon).date == "2025-04-20"


# -- monthly records: the import format --------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    with open(POWER / "monthly-records.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(tmp: Path, rows: list[dict[str, str]], plant_changes: dict | None = None) -> Path:
    """The example copied to *tmp* with *rows* as its records (and the plant file changed)."""
    import yaml

    plant = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    plant.update(plant_changes or {})
    (tmp / "plant.yaml").write_text(yaml.safe_dump(plant, allow_unicode=True), encoding="utf-8")
    with open(tmp / "monthly-records.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return tmp / "plant.yaml"


def _edit(rows, at_month, at_parameter, **changes):
    for r in rows:
        if r["month"] == at_month and r["parameter"] == at_parameter:
            r.update(changes)
            return rows
    raise AssertionError((at_month, at_parameter))


def test_every_bad_cell_is_named_by_row_field_value_and_allowed(tmp_path):
    rows = _rows()
    _edit(rows, "2024-01", "fuel_consumption", value="86,520")  # row 2
    _edit(rows, "2024-01", "ncv", uom="MWh")  # row 3
    _edit(rows, "2024-01", "carbon", basis="")  # row 4
    _edit(rows, "2024-01", "moisture_ar", accreditation="ISO")  # row 5
    _edit(rows, "2024-01", "moisture_ad", report_date="2024-02-30")  # row 6
    _edit(rows, "2024-01", "hydrogen", value="-1")  # row 7
    _edit(rows, "2024-01", "sulphur", value="120", uom="%")  # row 8
    _edit(rows, "2024-01", "generation", month="2024-13")  # row 9
    _edit(rows, "2024-01", "power_supply", unit_id="unit-9")  # row 10
    _edit(rows, "2024-01", "heat_supply", fuel="coal")  # row 11
    _edit(rows, "2024-01", "heat_ratio", parameter="heat_rate")  # row 12
    _edit(rows, "2024-02", "generation", value="")  # an empty cell is not 0
    _edit(rows, "2024-02", "power_supply", value="1e400")  # overflows to inf
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    got = {(i.code, i.row, i.field) for i in e.value.issues}
    assert {
        ("cn_ets_value", 2, "value"),
        ("cn_ets_uom", 3, "uom"),
        ("cn_ets_basis", 4, "basis"),
        ("cn_ets_accreditation", 5, "accreditation"),
        ("cn_ets_date", 6, "report_date"),
        ("cn_ets_value", 7, "value"),
        ("cn_ets_value", 8, "value"),
        ("cn_ets_month", 9, "month"),
        ("cn_ets_unit_unknown", 10, "unit_id"),
        ("cn_ets_fuel_unknown", 11, "fuel"),
        ("cn_ets_parameter", 12, "parameter"),
    } <= got
    by_row = {i.row: i for i in e.value.issues}
    assert by_row[2].value == "'86,520'" and "plainly" in by_row[2].allowed
    assert by_row[10].allowed == "unit-1"
    assert all(i.file.endswith("monthly-records.csv") for i in e.value.issues)
    assert any(i.code == "cn_ets_value" and i.message == "empty cell" for i in e.value.issues)
    assert any(i.code == "cn_ets_value" and i.value == "'1e400'" for i in e.value.issues)


def test_missing_months_and_parameters_are_errors_not_zeros(tmp_path):
    rows = [r for r in _rows() if not (r["month"] == "2024-05" and r["parameter"] == "fuel_consumption")]
    rows = [r for r in rows if not (r["month"] == "2024-06" and r["parameter"] in ("ncv", "moisture_ad"))]
    rows = [r for r in rows if not (r["month"] == "2024-12" and r["parameter"] == "heat_ratio")]
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    msgs = {i.code: i.message for i in e.value.issues}
    assert set(msgs) == {"cn_ets_month_missing", "cn_ets_ncv_missing", "cn_ets_moisture_missing", "cn_ets_heat_ratio_missing"}
    assert "2024-05" in msgs["cn_ets_month_missing"]
    assert "2024-06" in msgs["cn_ets_ncv_missing"] and "2024-06" in msgs["cn_ets_moisture_missing"]
    assert "2024-12" in msgs["cn_ets_heat_ratio_missing"]


def test_a_record_twice_is_refused(tmp_path):
    rows = _rows()
    rows.append(dict(rows[0]))
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    [issue] = e.value.issues
    assert issue.code == "cn_ets_record_duplicate"
    assert "rows 2, 131" in issue.message  # 129 records: the copy is the 130th, sheet row 131


def test_columns_are_checked_first(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "uom"} | {"colour": "red"} for r in _rows()]
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    [issue] = e.value.issues
    assert issue.code == "cn_ets_columns"
    assert "missing column(s) uom" in issue.message and "unknown column(s) colour" in issue.message


def test_an_analysis_from_an_unaccredited_lab_does_not_count(tmp_path):
    rows = _rows()
    _edit(rows, "2024-02", "carbon", accreditation="none")
    rep = cn.power_plant_report(_write(tmp_path, rows))
    feb = next(ln for ln in rep.result.fuel_lines if ln["month"] == "2024-02")
    assert feb["status"] == "high_default"
    assert feb["emissions_t"] == pytest.approx(74310 * 21.42 * HIGH * OF * C, rel=1e-12)
    f = next(f for f in rep.findings if f.month == "2024-02")
    assert f.code == "cn_ets_carbon_not_measured" and "CMA/CNAS" in f.message[0]


def test_a_lab_report_without_hydrogen_or_evidence_is_a_finding(tmp_path):
    rows = [r for r in _rows() if not (r["month"] == "2024-09" and r["parameter"] == "hydrogen")]
    _edit(rows, "2024-04", "generation", evidence="")
    rep = cn.power_plant_report(_write(tmp_path, rows))
    codes = {(f.code, f.month) for f in rep.findings}
    assert ("cn_ets_lab_report_incomplete", "2024-09") in codes
    assert ("cn_ets_evidence_missing", "2024-04") in codes


def test_without_a_named_high_default_an_unmeasured_month_is_an_error(tmp_path):
    import yaml

    plant = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    del plant["fuels"]["coal"]["unmeasured_carbon_default"]
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, _rows(), {"fuels": plant["fuels"]}))
    [issue] = e.value.issues
    assert issue.code == "cn_ets_default_required" and "2024-07" in issue.message


@pytest.mark.parametrize("year", [2021, 2026])
def test_years_without_an_implemented_edition_are_refused(tmp_path, year):
    rows = [r | {"month": f"{year}-{r['month'][5:]}"} for r in _rows()]
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows, {"year": year}))
    [issue] = e.value.issues
    assert issue.code == "cn_ets_year_unsupported" and issue.field == "year"
    assert "2023-2025" in issue.allowed


def test_the_records_file_stays_in_the_plant_files_folder(tmp_path):
    (tmp_path / "plant").mkdir()
    shutil.copy(POWER / "monthly-records.csv", tmp_path / "outside.csv")
    plant = _write(tmp_path / "plant", _rows(), {"records": "../outside.csv"})
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(plant)
    assert [i.code for i in e.value.issues] == ["path_outside_base"]


def test_the_records_table_is_read_within_the_limits(tmp_path):
    plant = _write(tmp_path, _rows())
    with nc.Limits(max_table_rows=50), pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(plant)
    assert [i.code for i in e.value.issues] == ["table_too_large"]


@pytest.mark.excel
def test_excel_records_read_like_csv_and_formulas_are_refused(tmp_path):
    import openpyxl

    rows = _rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    for r in rows:
        ws.append([float(v) if k == "value" else v for k, v in r.items()])
    wb.save(tmp_path / "records.xlsx")
    plant = POWER / "plant.yaml"
    from_excel = cn.power_plant_report(plant, records=tmp_path / "records.xlsx")
    assert from_excel.total_t == pytest.approx(cn.power_plant_report(plant).total_t, rel=1e-12)
    ws["E2"] = "=86000+520"
    wb.save(tmp_path / "formula.xlsx")
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(plant, records=tmp_path / "formula.xlsx")
    assert [i.code for i in e.value.issues] == ["excel_formula"]


def test_plant_file_problems_are_all_reported(tmp_path):
    import yaml

    plant = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    del plant["fuels"]["coal"]["oxidation"]
    plant["units"][0]["fuels"] = ["coal", "gas"]
    plant["year"] = "2024"
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(plant)
    codes = {i.code for i in e.value.issues}
    assert {"fuel_kind_parameters_fit", "int_type"} <= codes
    with pytest.raises(nc.InvalidInputError, match="not a China ETS plant file"):
        cn.power_plant_report({"schema": "nqi-carbon/inventory@1"})
    with pytest.raises(nc.InvalidInputError, match="use sector_report"):
        cn.power_plant_report(EX / "cn-cement" / "plant.yaml")


# -- cement, steel, aluminium ------------------------------------------------------------------


def test_cement_example_by_hand():
    rep = cn.sector_report(EX / "cn-cement" / "plant.yaml")
    # kiln coal: measured NCV x the GB/T 32151.34-2024 bituminous-coal carbon content and oxidation
    coal = 152400 * 22.61 * 0.0261 * 0.93 * C
    diesel = 412.6 * 42.652 * 0.0202 * 0.98 * C  # cn-mee/fuel/diesel
    per_t_clinker = (0.6552 - 0.0061) * 44 / 56 + (0.0184 - 0) * 44 / 40
    process = (1052300 + 4120) * per_t_clinker + 1630000 * 0.0011 * C
    grid = 86420 * GRID
    exported = 3125 * GRID
    f = rep.figures()
    assert f["fuel_combustion_t"] == pytest.approx(coal + diesel, rel=1e-12)
    assert f["process_t"] == pytest.approx(process, rel=1e-12)
    assert f["exported_electricity_t"] == pytest.approx(exported, rel=1e-12)
    assert rep.total_t == pytest.approx(coal + diesel + process + grid - exported, rel=1e-12)
    assert f["intensity"] == pytest.approx(rep.total_t / 1052300, rel=1e-12)
    assert rep.findings == []


def test_steel_example_by_hand():
    rep = cn.sector_report(EX / "cn-steel" / "plant.yaml")
    carbon_in = 1650000 * 0.782 + 520000 * 0.765 + 210000 * 0.843 + 380000 * 0.119 + 120000 * 0.128 + 4200 * 0.99
    carbon_out = 3120000 * 0.002 + 62000 * 0.90 + 21000 * 0.92
    balance = (carbon_in - carbon_out) * C
    total = balance + 1250000 * GRID - 185000 * 0.11 - 12500  # heat sent out at 0.11 t CO2/GJ
    assert rep.figures()["process_t"] == pytest.approx(balance, rel=1e-12)
    assert rep.total_t == pytest.approx(total, rel=1e-12)
    md = rep.to_markdown()
    assert "CO2回收利用量（扣减）" in md and "-12,500.000" in md


def _aluminium(**over):
    """The aluminium example's plant file as a mapping, with *over* replacing its sections."""
    import yaml

    plant = yaml.safe_load((EX / "cn-aluminium" / "plant.yaml").read_text(encoding="utf-8"))
    plant.update(over)
    return plant


def test_aluminium_example_by_hand():
    rep = cn.sector_report(EX / "cn-aluminium" / "plant.yaml")
    anodes = 500000 * 0.41 * (1 - 0.02 - 0.004) * C  # IPCC 2006 Vol. 3 Eq. 4.21 / 40 CFR 98.63
    pfc = 500000 * 0.034e-3 * 6630 + 500000 * 0.0034e-3 * 11100  # AR5: CF4 6630, C2F6 11100
    f = rep.figures()
    assert f["process_t"] == pytest.approx(anodes, rel=1e-12)
    assert f["pfc_co2e_t"] == pytest.approx(pfc, rel=1e-12)
    assert rep.total_t == pytest.approx(anodes + pfc + 6700000 * GRID, rel=1e-12)
    assert f["production_t"] == 500000


@pytest.mark.parametrize("sector", ["cement", "steel", "aluminium"])
def test_sector_examples_run_from_the_api_and_the_command_line(sector, tmp_path, capsys):
    """Each sector example gives the same total through the API (checked by hand above) and the CLI."""
    from nqi_carbon.cli import main

    plant = EX / f"cn-{sector}" / "plant.yaml"
    rep = cn.sector_report(plant)
    assert rep.result.plant.sector == sector and rep.findings == []
    assert main(["cn-ets", str(plant), "--out", str(tmp_path)]) == 0
    assert f"{rep.total_t:,.3f} t CO2 (0 finding(s))" in capsys.readouterr().out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"cn-ets-report.{x}" for x in ("html", "json", "md", "xlsx")]
    written = json.loads((tmp_path / "cn-ets-report.json").read_text(encoding="utf-8"))
    assert (written["sector"], written["figures"]["total_t"]) == (sector, rep.total_t)


def test_sector_problems_are_all_reported():
    bad = _aluminium(
        anodes={
            "aluminium": {"value": 500000, "unit": "MWh"},
            "net_consumption": {"value": 0.41, "unit": "t/t"},
            "sulphur": {"value": 120, "unit": "%"},
            "ash": {"value": 0.4, "unit": "%"},
        },
        pfc={"gwp": "AR9", "cf4": {"value": 0.034, "unit": "kg/t"}, "c2f6": {"value": 0.0034, "unit": "kg/t"}},
    )
    with pytest.raises(nc.InvalidInputError) as e:
        cn.sector_report(bad)
    got = {(i.code, i.field) for i in e.value.issues}
    assert ("cn_ets_uom", "anodes.aluminium.unit") in got
    assert ("cn_ets_value", "anodes.sulphur.value") in got
    assert ("cn_ets_gwp", "pfc.gwp") in got
    pct = {"value": 1, "unit": "%"}
    clinker = {"output": {"value": 1, "unit": "t"}, "cao": pct, "mgo": pct, "cao_non_carbonate": pct, "mgo_non_carbonate": pct}
    with pytest.raises(nc.InvalidInputError) as e:
        cn.sector_report(_aluminium(clinker=clinker))
    assert any(i.code == "sector_sections_fit" for i in e.value.issues)


def test_a_carbon_balance_with_more_carbon_out_than_in_is_refused():
    plant = {
        "schema": "nqi-carbon/cn-ets@1",
        "sector": "steel",
        "entity": {"name": "x", "id": "1"},
        "year": 2024,
        "carbon_balance": {
            "inputs": [{"id": "coke", "amount": {"value": 100, "unit": "t"}, "carbon": {"value": 0.85, "unit": "1"}}],
            "outputs": [{"id": "steel", "amount": {"value": 1000, "unit": "t"}, "carbon": {"value": 20, "unit": "%"}}],
        },
    }
    with pytest.raises(nc.InvalidInputError) as e:
        cn.sector_report(plant)
    [issue] = e.value.issues
    assert issue.code == "cn_ets_balance_negative" and issue.field == "carbon_balance"


# -- outputs -----------------------------------------------------------------------------------


def test_report_set_is_written_whole_and_byte_identical(tmp_path, monkeypatch, power):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = cn.power_plant_report(POWER / "plant.yaml").write(tmp_path / "a")
    b = cn.power_plant_report(POWER / "plant.yaml").write(tmp_path / "b")
    assert [p.name for p in a] == ["cn-ets-report.html", "cn-ets-report.md", "cn-ets-report.json", "cn-ets-report.xlsx"]
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
    data = json.loads((tmp_path / "a" / "cn-ets-report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "nqi-carbon/cn-ets-report@1"
    assert data["figures"]["total_t"] == pytest.approx(power.total_t, rel=1e-15)
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        power.write(tmp_path / "c", formats=["html", "pdf"])
    assert not (tmp_path / "c" / "cn-ets-report.html").exists()


def test_reports_escape_what_the_input_says(tmp_path):
    rows = _rows()
    _edit(rows, "2024-01", "generation", evidence="<script>alert(1)</script> | =cmd")
    plant = _write(tmp_path, rows, {"entity": {"name": "<b>厂</b> | x", "id": "=1+1"}})
    rep = cn.power_plant_report(plant)
    html = rep.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>厂" not in html
    md = rep.to_markdown()
    assert "\\<script\\>" in md or "&lt;script" in md
    assert "\\| =cmd" in md  # the | of a value cannot end the cell


@pytest.mark.excel
def test_excel_cells_cannot_be_formulas(tmp_path):
    import openpyxl

    rows = _rows()
    _edit(rows, "2024-01", "generation", evidence="=HYPERLINK(\"http://x\")")
    rep = cn.power_plant_report(_write(tmp_path, rows, {"entity": {"name": "=1+1", "id": "x"}}))
    path = rep.to_excel(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    starting = [c for c in cells if c.value.startswith("=")]
    assert len(starting) == 2 and all(c.data_type == "s" and c.quotePrefix for c in starting)
    sheet = wb["Summary"]
    assert sheet.cell(row=5, column=2).value == pytest.approx(rep.total_t, rel=1e-12)  # a number


def test_languages(power):
    zh = cn.power_plant_report(POWER / "plant.yaml", language="zh").to_markdown()
    en = cn.power_plant_report(POWER / "plant.yaml", language="en").to_markdown()
    assert "燃煤月度数据" in zh and "Coal by month" not in zh
    assert "Coal by month" in en and "燃煤月度数据" not in en
    both = power.to_markdown()
    assert "Coal by month / 燃煤月度数据" in both


def test_importing_the_package_does_not_load_cn_ets():
    import subprocess
    import sys

    code = "import sys, nqi_carbon; print('nqi_carbon.cn_ets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_records_file_round_trip_through_read_monthly_records():
    table = cn.read_monthly_records(POWER / "monthly-records.csv")
    assert list(table.columns)[:6] == ["month", "unit_id", "fuel", "parameter", "value", "uom"]
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    assert len(table) == len(_rows())


def test_annual_report_picks_the_sector_from_the_plant_file(power):
    rep = cn.annual_report(POWER / "plant.yaml")
    assert isinstance(rep, cn.PowerPlantReport) and rep.total_t == power.total_t
    assert isinstance(cn.annual_report(EX / "cn-steel" / "plant.yaml"), cn.SectorReport)
    with pytest.raises(nc.InvalidInputError, match="records= does not apply to a cement plant"):
        cn.annual_report(EX / "cn-cement" / "plant.yaml", records=POWER / "monthly-records.csv")


def test_command_line_writes_the_report_and_the_verification(tmp_path, capsys):
    from nqi_carbon.cli import main

    status = main(
        ["cn-ets", str(POWER / "plant.yaml"), "--out", str(tmp_path), "--formats", "md,json",
         "--claimed", str(POWER / "claimed.yaml"), "--verifier", "张三"]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "5 non-conformity(ies)" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cn-ets-report.json", "cn-ets-report.md", "cn-ets-verification.json", "cn-ets-verification.md"]
    status = main(["cn-ets", str(EX / "cn-steel" / "plant.yaml"), "--out", str(tmp_path / "s"), "--formats", "pdf"])
    assert status == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: nqi-carbon/cn-ets@1\nsector: cement\n", encoding="utf-8")
    assert main(["cn-ets", str(bad), "--out", str(tmp_path / "b")]) == 1
    assert "missing" in capsys.readouterr().err


def test_pack_references_that_do_not_resolve_are_named_with_suggestions(tmp_path):
    import yaml

    plant = yaml.safe_load((EX / "cn-cement" / "plant.yaml").read_text(encoding="utf-8"))
    plant["fuels"][0]["pack_fuel"] = "cn-mee/fuel/bituminus_coal"
    plant["energy"]["grid_factor"] = "cn-mee/grid/national/2030"
    plant["energy"]["purchased_heat"] = {"value": 10, "unit": "GJ"}
    plant["energy"]["heat_factor"] = "cn-mee/heat/bought"
    with pytest.raises(nc.InvalidInputError) as e:
        cn.sector_report(plant)
    by_field = {i.field: i for i in e.value.issues}
    assert set(by_field) == {"fuels[0].pack_fuel", "energy.grid_factor", "energy.heat_factor"}
    assert all(i.code == "cn_ets_factor" for i in e.value.issues)
    assert "bituminous_coal" in by_field["fuels[0].pack_fuel"].message  # did you mean
    power = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    power["fuels"]["coal"]["unmeasured_carbon_default"] = "cn-mee/fuel/lignite"  # a fuel, with CC per heat
    rep = cn.power_plant_report(_write(tmp_path, _rows(), {"fuels": power["fuels"]}))
    july = next(ln for ln in rep.result.fuel_lines if ln["month"] == "2024-07")
    assert july["c_ar"] == pytest.approx(21.45 * 0.028, rel=1e-12)  # cn-mee/fuel/lignite, 28.0 t C/TJ


def test_a_gas_unit_takes_recorded_or_pack_parameters(tmp_path):
    import yaml

    plant = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    plant["units"].append({"id": "unit-2", "fuels": ["gas"]})
    plant["fuels"]["gas"] = {"kind": "other", "pack_fuel": "cn-mee/fuel/natural_gas"}
    rows = _rows()
    for m in range(1, 13):
        month = f"2024-{m:02d}"
        base = dict.fromkeys(rows[0], "") | {"month": month, "unit_id": "unit-2", "evidence": "台账"}
        rows.append(base | {"fuel": "gas", "parameter": "fuel_consumption", "value": "250", "uom": "10^4 Nm3"})
        rows.append(base | {"parameter": "generation", "value": "9000", "uom": "MWh"})
        rows.append(base | {"parameter": "power_supply", "value": "8700", "uom": "MWh"})
    # June: a measured NCV in MJ/Nm3 (36.2 MJ/Nm3 = 362 GJ per 10^4 Nm3)
    rows.append(dict.fromkeys(rows[0], "") | {"month": "2024-06", "unit_id": "unit-2", "fuel": "gas", "parameter": "ncv", "value": "36.2", "uom": "MJ/Nm3", "evidence": "气质分析"})
    rep = cn.power_plant_report(_write(tmp_path, rows, {"units": plant["units"], "fuels": plant["fuels"]}))
    gas = [ln for ln in rep.result.fuel_lines if ln["fuel"] == "gas"]
    pack = 250 * 389.31 * 0.0153 * 0.99 * C  # cn-mee/fuel/natural_gas: GJ/10^4 Nm3, t C/GJ, 99 %
    june = 250 * 362 * 0.0153 * 0.99 * C
    assert [ln["status"] for ln in gas] == ["pack"] * 5 + ["recorded"] + ["pack"] * 6
    assert math.fsum(ln["emissions_t"] for ln in gas) == pytest.approx(11 * pack + june, rel=1e-12)
    assert rep.figures()["units.unit-2.power_intensity"] == pytest.approx((11 * pack + june) / (12 * 8700), rel=1e-12)
    assert "Other fuels by month" in rep.to_markdown()


@pytest.mark.timeout(60)
def test_a_plant_of_many_units_runs_in_time_linear_in_its_records(tmp_path):
    """A hang guard: 3,000 units (111,000 records) took time quadratic in the units (>100 s)."""
    n = 3000
    units = [{"id": f"u{k}", "fuels": ["coal"]} for k in range(n)]
    lines = ["month,unit_id,fuel,parameter,value,uom,evidence"]
    for k in range(n):
        lines.append(f"2024-01,u{k},coal,ncv,20,GJ/t,e")
        for m in range(1, 13):
            fc = 100 if m == 1 else 0  # 0 is a value: no coal, no NCV needed
            lines += [
                f"2024-{m:02d},u{k},coal,fuel_consumption,{fc},t,e",
                f"2024-{m:02d},u{k},,generation,50,MWh,e",
                f"2024-{m:02d},u{k},,power_supply,45,MWh,e",
            ]
    (tmp_path / "monthly-records.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import yaml

    plant = yaml.safe_load((POWER / "plant.yaml").read_text(encoding="utf-8"))
    plant.update(units=units, records="monthly-records.csv")
    (tmp_path / "plant.yaml").write_text(yaml.safe_dump(plant, allow_unicode=True), encoding="utf-8")
    rep = cn.power_plant_report(tmp_path / "plant.yaml")
    january = 100 * 20 * HIGH * OF * C  # no analysis: the high default
    assert rep.total_t == pytest.approx(n * january, rel=1e-9)
    assert len(rep.result.units) == n


def _parameters(rep) -> dict[str, list]:
    """The parameters table of a report: English label -> [value, unit, source, caveat]."""
    [table] = [t for t in rep.tables() if t.key == "Parameters"]
    assert [c.key for c in table.columns] == ["item", "value", "unit", "source", "caveat"]
    return {row[0][0]: row[1:] for row in table.rows}


def test_the_reports_carry_the_caveats_the_pack_records(power):
    # issue 19: the report showed none of the caveats the pack records about its values
    p = _parameters(power)
    grid = p["National grid factor"]
    assert grid[:2] == [GRID, "t/MWh"] and "环办气候函〔2023〕43号" in grid[2]
    assert "Which factor for which year" in grid[3]  # the rule that decides the year's factor
    assert "page of this notice was not found" in grid[3]  # the citation's own note
    high = p["High default carbon content (coal)"]
    assert high[0] == HIGH and "Secondary only" in high[3] and "0.03356" in high[3]
    assert "Not read here" in p["Guideline edition"][3]
    cement = _parameters(cn.sector_report(EX / "cn-cement" / "plant.yaml"))
    coal = cement["carbon_content (cn-mee/fuel/bituminous_coal)"]
    assert coal[0] == pytest.approx(0.0261, rel=1e-12) and "GB/T 32151.34" in coal[2]
    assert cement["ncv (cn-mee/fuel/diesel)"][3] != ""  # the fuel's notes, on its first row
    assert "Which factor for which year" in cement["National grid factor"][3]
    steel = _parameters(cn.sector_report(EX / "cn-steel" / "plant.yaml"))
    heat = steel["Heat factor"]
    assert heat[:2] == [0.11, "t/GJ"] and "cn-mee/heat/purchased" in heat[2]
    assert "### 参数及来源" in cn.sector_report(EX / "cn-steel" / "plant.yaml").to_markdown()  # language: zh


NO_CO2 = "uk-desnz-2025/business-travel-air/flights/domestic_to_from_uk/average_passenger/with_rf/pkm"
PER_TON = "epa-ghg-hub/stationary/anthracite-per-short_ton"  # kg CO2 per short ton of coal


def test_a_grid_or_heat_factor_without_co2_per_energy_is_a_typed_error(tmp_path):
    # a factor with only CO2e (no CO2), or CO2 per ton of fuel, raised KeyError / a unit error
    import yaml

    steel = yaml.safe_load((EX / "cn-steel" / "plant.yaml").read_text(encoding="utf-8"))
    steel["energy"].update(grid_factor=NO_CO2, heat_factor=PER_TON)
    with pytest.raises(nc.InvalidInputError) as e:
        cn.sector_report(steel)
    got = {i.field: (i.code, i.message, i.value) for i in e.value.issues}
    assert set(got) == {"energy.grid_factor", "energy.heat_factor"}
    assert got["energy.grid_factor"][0] == "cn_ets_factor" and "states no CO2 value" in got["energy.grid_factor"][1]
    assert "CO2 in kg/short_ton is not per GJ" in got["energy.heat_factor"][1]
    assert got["energy.heat_factor"][2] == repr(PER_TON)
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, _rows(), {"grid_factor": PER_TON}))
    [issue] = e.value.issues
    assert (issue.code, issue.field) == ("cn_ets_factor", "grid_factor")
    assert "is not per MWh" in issue.message


def test_a_result_that_overflows_is_refused_not_reported_as_inf(tmp_path):
    # each amount is finite, their product is not: the report said inf t CO2 (test failed before)
    import yaml

    cement = yaml.safe_load((EX / "cn-cement" / "plant.yaml").read_text(encoding="utf-8"))
    cement["fuels"][0]["consumption"]["value"] = 1e308
    with pytest.raises(nc.InvalidInputError, match="overflows double precision") as e:
        cn.sector_report(cement)
    got = {(i.code, i.field) for i in e.value.issues}
    assert {("result_magnitude", "fuel_combustion_t"), ("result_magnitude", "total_t")} <= got
    rows = _rows()
    _edit(rows, "2024-02", "fuel_consumption", value="1e300")
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    assert ("result_magnitude", "total_t") in {(i.code, i.field) for i in e.value.issues}


def test_a_burnt_fuel_without_heat_or_carbon_and_an_all_water_sample_are_refused(tmp_path):
    # 100 % air-dried moisture divided by zero; 100 % as-received moisture made January's
    # carbon 0; July's NCV 0 made its high default 0 t CO2 (each passed before)
    rows_of = {(r["month"], r["parameter"]): n for n, r in enumerate(_rows(), start=2)}
    rows = _rows()
    _edit(rows, "2024-01", "moisture_ad", value="100")
    _edit(rows, "2024-02", "moisture_ar", value="100")
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    water = "a sample that is all water has no carbon to convert"
    got = sorted((i.code, i.row, i.message, i.allowed) for i in e.value.issues)
    assert got == [
        ("cn_ets_value", rows_of["2024-01", "moisture_ad"], water, "below 100 %"),
        ("cn_ets_value", rows_of["2024-02", "moisture_ar"], water, "below 100 %"),
    ]
    # the cells are right, the months are not: checked with the other rows (after the cells)
    rows = _rows()
    _edit(rows, "2024-07", "ncv", value="0")
    _edit(rows, "2024-08", "carbon", value="0")
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    got = sorted((i.code, i.row, i.message) for i in e.value.issues)
    assert got == [
        ("cn_ets_value", rows_of["2024-07", "ncv"], "ncv is 0 in a month the fuel was burnt"),
        ("cn_ets_value", rows_of["2024-08", "carbon"], "carbon is 0 in a month the fuel was burnt"),
    ]
    rows = _rows()
    _edit(rows, "2024-05", "fuel_consumption", value="0")  # no coal burnt in May: its 0 NCV is no error
    _edit(rows, "2024-05", "ncv", value="0")
    rep = cn.power_plant_report(_write(tmp_path, rows))
    assert rep.total_t == pytest.approx(power_total_by_hand() - _month_co2(5), rel=1e-12)


def power_total_by_hand() -> float:
    return sum(_month_co2(m) for m in range(1, 13)) + (640.0 + 1862.5) * GRID


def test_an_ncv_per_another_unit_than_the_consumption_is_named(tmp_path):
    # the message said "is in None" since the check was made one pass over all fuels
    rows = _rows()
    _edit(rows, "2024-04", "ncv", value="2.1", uom="MJ/Nm3")
    with pytest.raises(nc.InvalidInputError) as e:
        cn.power_plant_report(_write(tmp_path, rows))
    [issue] = e.value.issues
    assert (issue.code, issue.field, issue.value) == ("cn_ets_uom", "uom", "'MJ/Nm3'")
    assert issue.message == "the month's fuel consumption is in t: its NCV is per that unit"


def test_a_report_dated_before_its_month_and_supply_above_generation_are_findings(tmp_path):
    # both passed without a word before
    rows = _rows()
    _edit(rows, "2024-05", "carbon", report_date="2024-04-30")
    _edit(rows, "2024-09", "power_supply", value="1592300")  # a digit too many: 171 500 MWh generated
    rep = cn.power_plant_report(_write(tmp_path, rows))
    got = [(f.code, f.subject, f.month) for f in rep.findings]
    assert ("cn_ets_lab_report_date", "unit-1/coal", "2024-05") in got
    assert ("cn_ets_supply_above_generation", "unit-1", "2024-09") in got
    supply = next(f for f in rep.findings if f.code == "cn_ets_supply_above_generation")
    assert supply.message[0] == (
        "electricity supplied 1,592,300 MWh is more than the 171,500 MWh generated"
    )
    assert supply.severity == "nonconformity"
    assert rep.total_t == pytest.approx(power_total_by_hand(), rel=1e-12)  # findings, not errors


def test_more_co2_recovered_than_produced_is_refused():
    # the steel works' total went to -992 million t (passed before)
    import yaml

    steel = yaml.safe_load((EX / "cn-steel" / "plant.yaml").read_text(encoding="utf-8"))
    steel["recovered_co2"] = {"value": 1e9, "unit": "t", "evidence": "x"}
    with pytest.raises(nc.InvalidInputError, match="t of CO2 recovered is more than") as e:
        cn.sector_report(steel)
    [issue] = e.value.issues
    assert (issue.code, issue.field, issue.value) == ("cn_ets_recovered_exceeds", "recovered_co2.value", "1000000000.0")
