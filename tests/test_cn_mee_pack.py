"""The cn-mee pack's Chinese defaults: fuel rows equal the published GB/T 32151 table,
CO2 from the carbon-content method re-derives from the published components, the
purchased-heat default, one carbon-market grid factor per accounting year, and MEE
notices cited by number and on the Ministry's site."""

from __future__ import annotations

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import default_registry

REG = default_registry()

# GB/T 32151.34-2024 Appendix C, Table C.1 (printed p. 18), as printed: NCV in GJ/t,
# carbon content per unit heat in 10^-3 t C/GJ, oxidation in per cent. The same rows
# are printed in GB/T 32151.22-2024 Table C.1.
TABLE_C1 = {
    "bituminous_coal": ("烟煤", 19.570, 26.1, 93),
    "lng": ("液化天然气", 51.498, 15.3, 98),
    "kerosene": ("一般煤油", 43.070, 19.6, 98),
}


def test_pack_version_says_values_changed():
    lp = REG.pack("cn-mee")
    assert lp.version == "2.0.0"
    assert "Version 2.0.0" in lp.pack.verification


@pytest.mark.parametrize("fuel", sorted(TABLE_C1))
def test_fuel_rows_equal_gbt_32151_table_c1(fuel):
    zh, ncv, cc_1e3, of_pct = TABLE_C1[fuel]
    f = REG.resolve_fuel(f"cn-mee/fuel/{fuel}")
    assert zh in (f.entry.name or "")
    ncv_p, cc_p, of_p = (f.parameter(n) for n in ("ncv", "carbon_content", "oxidation"))
    assert ncv_p is not None and cc_p is not None and of_p is not None
    assert (ncv_p.value, ncv_p.unit) == (ncv, "GJ/t")
    assert cc_p.unit == "t/GJ" and cc_p.value == pytest.approx(cc_1e3 / 1000, rel=1e-12)
    assert of_p.unit == "1" and of_p.value == pytest.approx(of_pct / 100, rel=1e-12)
    for name in ("ncv", "carbon_content", "oxidation"):
        cite = f.citation_text(name)
        assert "GB/T 32151.34" in cite and "表C.1" in cite and "openstd.samr.gov.cn" in cite


@pytest.mark.parametrize(
    ("fuel", "old_values"),
    [("lng", ("41.868", "17.2")), ("kerosene", ("44.750",))],
)
def test_corrected_fuels_name_the_superseded_guideline_values(fuel, old_values):
    notes = REG.resolve_fuel(f"cn-mee/fuel/{fuel}").entry.notes or ""
    assert "NDRC 2013" in notes
    for v in old_values:
        assert v in notes


def test_lng_ncv_agrees_with_gbt_2589_standard_coal_coefficient():
    # GB/T 2589: 1 kgce = 7000 kcal(IT) = 29.3076 MJ; LNG is listed at 1.7572 kgce/kg.
    ncv = REG.resolve_fuel("cn-mee/fuel/lng").entry.ncv
    assert ncv is not None
    assert round(ncv.value / (7000 * 4.1868e-3), 4) == 1.7572


def _carbon_source(fuel: str, amount: float, unit: str = "t") -> dict:
    return {
        "id": fuel,
        "facility": "f",
        "category": 1,
        "method": "carbon_content",
        "carbon": {"fuel": f"cn-mee/fuel/{fuel}"},
        "activity": {"amount": amount, "unit": unit, "period": 2024},
    }


def _inventory(sources: list[dict]) -> nc.Inventory:
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": ["cn-mee"],
            "facilities": [{"id": "f", "region": "CN", "operational_control": True}],
            "sources": sources,
        }
    )


@pytest.mark.parametrize("fuel", sorted(TABLE_C1))
def test_carbon_content_method_reproduces_the_published_components(fuel):
    # E = FC x NCV x CC x OF x 44/12, with the table's printed numbers (CC in 10^-3 tC/GJ)
    _, ncv, cc_1e3, of_pct = TABLE_C1[fuel]
    res = nc.calculate(_inventory([_carbon_source(fuel, 1000)]))
    expected = 1000 * ncv * cc_1e3 / 1000 * of_pct / 100 * 44 / 12
    assert res.total_co2e == pytest.approx(expected, rel=1e-12)


def test_lng_per_tonne_is_8_6_percent_above_the_2013_guideline_row():
    # the arithmetic: new 51.498 x 0.0153 against NDRC 2013 41.868 x 0.0172 (both 98 %)
    res = nc.calculate(_inventory([_carbon_source("lng", 1)]))
    old = 41.868 * 0.0172 * 0.98 * 44 / 12
    assert round(res.total_co2e, 4) == 2.8313
    assert round(1 - old / res.total_co2e, 3) == 0.086


def test_purchased_heat_default_is_0_11_t_per_gj():
    f = REG.resolve("cn-mee/heat/purchased")
    assert f.activity_unit == "GJ" and f.entry.region == "CN"
    assert f.entry.gases is not None
    assert (f.entry.gases["CO2"].value, f.entry.gases["CO2"].unit) == (0.11, "t/GJ")
    cite = f.citation_text("CO2")
    assert "GB/T 32151.34" in cite and "表C.3" in cite
    inv = _inventory(
        [
            {
                "id": "steam",
                "facility": "f",
                "category": 2,
                "factor": "cn-mee/heat/purchased",
                "activity": {"amount": 2500, "unit": "GJ", "period": 2024},
            }
        ]
    )
    assert nc.calculate(inv).total_co2e == pytest.approx(2500 * 0.11, rel=1e-12)


# The rule the pack records: accounting year Y uses the factor the latest MEE notice names
# for Y (0.6101 for 2019-2020; 0.5810 for 2021 by 环办气候函〔2022〕111号; 0.5703 for 2022 by
# 环办气候函〔2023〕43号, which supersedes 111号 for 2022, and for 2023-2024 absent an update).
@pytest.mark.parametrize(
    ("year", "value"),
    [
        (2019, 0.6101),
        (2020, 0.6101),
        (2021, 0.5810),
        (2022, 0.5703),
        (2023, 0.5703),
        (2024, 0.5703),
    ],
)
def test_one_carbon_market_grid_factor_per_accounting_year(year, value):
    hits = [
        f for f in REG.search(region="CN", year=year) if f.ref.startswith("cn-mee/grid/national/")
    ]
    assert len(hits) == 1, [f.ref for f in hits]
    assert hits[0].entry.gases is not None
    assert hits[0].entry.gases["CO2"].value == value
    assert "Which factor for which year" in (hits[0].entry.notes or "")


@pytest.mark.parametrize(
    ("ref", "number"),
    [
        ("cn-mee/grid/national/2022", "环办气候函〔2023〕43号"),
        ("cn-mee/grid/national/2021", "环办气候函〔2022〕111号"),
        ("cn-mee/grid/national/2019-2020", "环办气候函〔2022〕111号"),
    ],
)
def test_mee_notices_are_cited_by_number_on_the_ministrys_site(ref, number):
    c = REG.resolve(ref).citations["factor"]
    assert number in c.document
    assert c.url.startswith("https://www.mee.gov.cn/")
    # the document page itself was not found: the note says so and names the transcription
    assert c.note is not None and "not found" in c.note and "tanpaifang" not in c.url


def test_the_june_2022_notice_is_cited_on_the_ministrys_site():
    f = REG.resolve_fuel("cn-mee/fuel/power_coal_unmeasured_2022")
    c = f.citations["carbon_content"]
    assert "调整2022年企业温室气体排放报告管理相关重点工作任务的通知" in c.document
    assert c.url.startswith("https://www.mee.gov.cn/")
    assert c.note is not None and "chemlinked" in c.note


def test_changelog_states_the_lng_and_kerosene_corrections_under_the_packs_version():
    # issue 19: the corrections are in the CHANGELOG with the pack version bump
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = text.split("\n## ")[1]
    head = f"- `cn-mee` {REG.pack('cn-mee').version} (values changed"
    assert head in unreleased
    entry = unreleased.split(head, 1)[1].split("\n- ", 1)[0]  # the pack's bullet and its sub-bullets
    assert "LNG (`cn-mee/fuel/lng`)" in entry and "NCV 41.868 -> 51.498 GJ/t" in entry
    assert "0.0172 -> 0.0153 t C/GJ" in entry
    assert "Kerosene (`cn-mee/fuel/kerosene`) NCV 44.750 -> 43.070 GJ/t" in entry
