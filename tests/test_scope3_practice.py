"""Scope 3 in practice (issue 18): spend-based factors in another currency and year, PCAF financed
emissions (category 15), the Scope 3 / ISO 14064-1 category mapping and the screening of
the 15 GHG Protocol categories.

Every expected number is computed by hand in the test from the pack row it uses (read
from the pack itself) and the inputs the test states.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import default_registry
from nqi_carbon.errors import InvalidInputError

STEEL = "us-epa-supply-chain/naics/331110"  # Iron and Steel Mills, kg CO2e per 2022 USD


def _steel_factor() -> float:
    """The pack row's CO2e value, kg per 2022 USD (0.787 in the publisher's CSV)."""
    co2e = default_registry().resolve(STEEL).entry.co2e
    assert co2e is not None and co2e.unit == "kg/USD"
    return co2e.value


def _inventory(
    sources: list[dict[str, Any]],
    *,
    year: int = 2024,
    packs: tuple[str, ...] = ("us-epa-supply-chain",),
    **extra: Any,
) -> nc.Inventory:
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": f"{year}-01-01", "end": f"{year + 1}-01-01"},
            "gwp": "AR5",
            "factor_packs": list(packs),
            "facilities": [{"id": "a", "operational_control": True, "region": "US"}],
            "sources": sources,
            **extra,
        }
    )


def _gas(**more: Any) -> nc.Inventory:
    """A one-source inventory on an IPCC energy factor (no money anywhere)."""
    src = {
        "id": "gas",
        "facility": "a",
        "category": 1,
        "factor": "ipcc-2006/stationary/natural_gas",
        "activity": {"amount": 1, "unit": "TJ"},
        **more,
    }
    return _inventory([src], packs=("ipcc-2006",))


def _steel(amount: float, unit: str, **more: Any) -> dict[str, Any]:
    return {
        "id": "steel",
        "facility": "a",
        "category": 4,
        "scope3_category": 1,
        "factor": STEEL,
        "activity": {"amount": amount, "unit": unit},
        **more,
    }


# Stated in the test as a user would state them (illustrative, each with its citation).
RATE = {"value": 1.0824, "unit": "USD/EUR", "reference": "ECB euro reference rate, 2024 average"}
INDEX = {
    "spend_year": 125.224,
    "factor_year": 117.996,
    "series": "US GDP implicit price deflator (2017=100)",
    "reference": "US BEA NIPA Table 1.1.9",
}


# -- spend-based category 1 ----------------------------------------------------------------
def test_spend_in_the_factors_own_dollars_is_amount_times_factor():
    ef = _steel_factor()
    res = nc.calculate(_inventory([_steel(2_000_000, "USD")], year=2022))
    # 2,000,000 USD (2022) x 0.787 kg CO2e/USD = 1,574,000 kg = 1,574 t CO2e
    assert ef == 0.787
    assert res.total_co2e == pytest.approx(2_000_000 * ef / 1000, rel=1e-12)
    assert res.total_co2e == pytest.approx(1574.0, rel=1e-12)
    assert not [f for f in res.findings if f.code == "spend_converted"]


def test_spend_in_euro_of_2024_goes_through_the_stated_rate_and_index():
    ef = _steel_factor()
    src = _steel(1_000_000, "EUR", spend={"exchange_rate": RATE, "price_index": INDEX})
    res = nc.calculate(_inventory([src], year=2024))
    # 1,000,000 EUR x 1.0824 USD/EUR = 1,082,400 USD of 2024
    # x 117.996 / 125.224 = 127,718,870.4 / 125.224 = 1,019,923.26 USD of 2022
    # x 0.787 kg/USD = 802,679.6 kg = 802.680 t CO2e
    usd_2022 = 1_000_000 * 1.0824 * 117.996 / 125.224
    assert usd_2022 == pytest.approx(1_019_923.26, abs=0.01)
    assert res.total_co2e == pytest.approx(usd_2022 * ef / 1000, rel=1e-12)
    assert res.total_co2e == pytest.approx(802.680, abs=1e-3)
    (chain,) = [f for f in res.findings if f.code == "spend_converted"]
    assert chain.severity == "info" and chain.subject == "steel"
    assert "1 EUR of 2024 × 1.0824 USD/EUR (ECB euro reference rate" in chain.message
    assert "× 117.996/125.224 (US GDP implicit price deflator" in chain.message
    assert "USD of 2022 (factor us-epa-supply-chain/naics/331110)" in chain.message
    # the chain reaches every output: JSON findings (and so the reports' findings)
    assert "spend_converted" in res.to_json()


def test_spend_year_is_stated_on_the_source_when_it_is_not_the_inventory_year():
    src = _steel(1000, "USD", spend={"year": 2022})
    res = nc.calculate(_inventory([src], year=2024))
    assert res.total_co2e == pytest.approx(1000 * _steel_factor() / 1000, rel=1e-12)


def test_spend_of_another_year_without_an_index_is_refused():
    with pytest.raises(InvalidInputError, match=r"per 2022 USD; give spend.price_index") as e:
        nc.calculate(_inventory([_steel(1000, "USD")], year=2024))
    (issue,) = e.value.issues
    assert issue.code == "spend_year_fits_factor"
    assert issue.value == "2024" and issue.field == "sources[steel].spend"


def test_spend_in_another_currency_without_a_rate_is_refused():
    src = _steel(1000, "EUR", spend={"year": 2022})
    with pytest.raises(InvalidInputError, match=r"spend in EUR, but factor us-epa-supply-chain/naics/331110 is per USD of 2022") as e:
        nc.calculate(_inventory([src], year=2022))
    assert [i.code for i in e.value.issues] == ["spend_currency_fits_factor"]
    assert e.value.issues[0].allowed == "USD, or EUR with spend.exchange_rate"


def test_a_missing_rate_and_a_missing_index_are_reported_together():
    with pytest.raises(InvalidInputError) as e:
        nc.calculate(_inventory([_steel(1000, "EUR")], year=2024))
    assert [i.code for i in e.value.issues] == [
        "spend_currency_fits_factor",
        "spend_year_fits_factor",
    ]


def test_a_rate_written_the_wrong_way_round_is_refused():
    rate = {**RATE, "unit": "EUR/USD"}
    src = _steel(1000, "EUR", spend={"year": 2022, "exchange_rate": rate})
    with pytest.raises(InvalidInputError, match=r"write it as USD/EUR") as e:
        nc.calculate(_inventory([src], year=2022))
    assert [i.code for i in e.value.issues] == ["exchange_rate_unit_fits"]


def test_spend_on_a_factor_not_per_money_is_refused():
    inv = _gas(spend={"year": 2024})
    with pytest.raises(InvalidInputError, match="not per an amount of money") as e:
        nc.calculate(inv)
    assert [i.code for i in e.value.issues] == ["spend_conversion_applies"]


def test_spend_on_a_source_without_a_factor_is_refused():
    src = _position()
    src["spend"] = {"year": 2024}
    with pytest.raises(InvalidInputError, match="method 'financed' applies none") as e:
        _inventory([src])
    assert "spend_conversion_applies" in [i.code for i in e.value.issues]


def test_spend_and_pcaf_sources_run_through_monte_carlo_and_the_cli(tmp_path):
    import json
    import subprocess
    import sys

    import yaml

    src = _steel(1_000_000, "EUR", spend={"exchange_rate": RATE, "price_index": INDEX})
    inv = _inventory([src, _position()])
    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=2000, seed=1)
    assert mc.total_co2e == pytest.approx(802.680 + 2500.0, abs=1e-3)
    doc = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "nqi_carbon.cli", "calculate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["gross_co2e_t"] == pytest.approx(3302.680, abs=1e-3)


def test_a_price_year_needs_a_factor_per_money():
    with pytest.raises(InvalidInputError, match="is not an amount of money") as e:
        _inventory(
            [],
            factors=[
                {
                    "id": "x",
                    "activity_unit": "t",
                    "co2e": {"value": 1, "unit": "t/t", "gwp_set": "AR5"},
                    "reference": "made up",
                    "price_year": 2020,
                }
            ],
        )
    assert "price_year_needs_currency" in [i.code for i in e.value.issues]


# -- PCAF category 15 -----------------------------------------------------------------------
def _position(**fin: Any) -> dict[str, Any]:
    financed = {
        "asset_class": "listed_equity_and_corporate_bonds",
        "investee": "Listed Co.",
        "listed": True,
        "outstanding": 10_000_000,
        "currency": "EUR",
        "evic": 200_000_000,
        "data_quality": 2,
        **fin,
    }
    return {
        "id": "bond",
        "facility": "a",
        "category": 5,
        "scope3_category": 15,
        "method": "financed",
        "financed": financed,
        "activity": {"amount": 50_000, "unit": "t", "note": "investee scope 1+2, 2024"},
    }


def test_pcaf_listed_company_is_outstanding_over_evic_times_emissions():
    res = nc.calculate(_inventory([_position()]))
    # 10 M / 200 M EVIC = 0.05; x 50,000 t CO2e = 2,500 t CO2e
    assert res.total_co2e == pytest.approx(2500.0, rel=1e-12)
    assert res.totals()["by_category"]["5"] == pytest.approx(2500.0, rel=1e-12)
    (line,) = res.to_dict()["lines"]
    assert line["scope3_category"] == 15 and line["method"] == "financed"
    (f,) = [f for f in res.findings if f.code == "pcaf_attribution"]
    assert "section 5.1" in f.message and "attribution factor 0.05" in f.message
    assert "PCAF data-quality score 2" in f.message
    per_source, _ = nc.data_quality(res)
    row = per_source.set_index("source").loc["bond"]
    assert row["method_score"] == 2 and row["method"].startswith("PCAF data-quality score 2")


def test_pcaf_private_company_is_outstanding_over_equity_plus_debt():
    src = _position(
        asset_class="business_loans_and_unlisted_equity",
        listed=False,
        evic=None,
        total_equity=30_000_000,
        total_debt=10_000_000,
        outstanding=4_000_000,
        data_quality=4,
    )
    del src["financed"]["evic"]
    res = nc.calculate(_inventory([src]))
    # 4 M / (30 M + 10 M) = 0.1; x 50,000 t = 5,000 t CO2e
    assert res.total_co2e == pytest.approx(5000.0, rel=1e-12)
    (f,) = [f for f in res.findings if f.code == "pcaf_attribution"]
    assert "section 5.2" in f.message and "total equity + debt" in f.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"evic": None}, "pcaf_denominator_given"),
        ({"listed": False}, "pcaf_denominator_given"),
        ({"outstanding": 300_000_000}, "pcaf_outstanding_within_value"),
        ({"data_quality": 6}, "less_than_equal"),
        ({"currency": "DEM"}, "pcaf_currency_known"),
    ],
)
def test_pcaf_positions_that_cannot_be_attributed_are_refused(change, code):
    src = _position(**change)
    src["financed"] = {k: v for k, v in src["financed"].items() if v is not None}
    with pytest.raises(InvalidInputError) as e:
        _inventory([src])
    assert code in [i.code for i in e.value.issues]


def test_financed_method_belongs_to_category_15():
    src = _position()
    src["scope3_category"] = 1
    src["category"] = 4
    with pytest.raises(InvalidInputError, match="ISO category 5 with scope3_category 15") as e:
        _inventory([src])
    assert "financed_inputs_fit" in [i.code for i in e.value.issues]


# -- Scope 3 category and ISO category -------------------------------------------------------
def test_scope3_category_must_fall_under_its_iso_category():
    src = _steel(1000, "USD", spend={"year": 2022})
    src["category"] = 3  # transport, but category 1 (purchased goods) is ISO category 4
    with pytest.raises(InvalidInputError, match=r"falls under ISO 14064-1 category 4, not 3") as e:
        _inventory([src])
    (issue,) = [i for i in e.value.issues if i.code == "scope3_category_fits_iso"]
    assert issue.field is not None and "sources[0]" in issue.field


@pytest.mark.parametrize(("s3", "iso"), [(4, 3), (6, 3), (5, 4), (11, 5), (15, 5), (14, 6)])
def test_consistent_pairs_are_accepted(s3, iso):
    src = {
        "id": "s",
        "facility": "a",
        "category": iso,
        "scope3_category": s3,
        "factor": STEEL,
        "activity": {"amount": 1, "unit": "USD"},
    }
    _inventory([src])


# -- screening -------------------------------------------------------------------------------
def _screening(n: int = 15) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"category": 1, "status": "included", "method": "spend_based"},
        {"category": 15, "status": "not_relevant", "reason": "no investments"},
    ]
    rows += [
        {"category": c, "status": "excluded", "reason": "below 1 % of the total (estimate)"}
        for c in range(2, 15)
    ]
    return rows[:n]


def test_an_inventory_with_scope3_sources_and_no_screening_gets_a_warning():
    res = nc.calculate(_inventory([_steel(1, "USD", spend={"year": 2022})]))
    (f,) = [f for f in res.findings if f.code == "scope3_category_not_screened"]
    assert f.severity == "warning" and f.message.startswith("no scope3_screening: none of the 15")


def test_a_full_screening_has_no_finding_and_a_partial_one_names_the_missing():
    full = nc.calculate(
        _inventory([_steel(1, "USD", spend={"year": 2022})], scope3_screening=_screening())
    )
    assert not [f for f in full.findings if f.code.startswith("scope3_")]
    part = nc.calculate(
        _inventory([_steel(1, "USD", spend={"year": 2022})], scope3_screening=_screening(13))
    )
    (f,) = [f for f in part.findings if f.code == "scope3_category_not_screened"]
    assert "2 of the 15" in f.message and "13 Downstream leased assets; 14 Franchises" in f.message


def test_a_source_in_a_category_screened_out_contradicts_the_screening():
    rows = copy.deepcopy(_screening())
    rows[0] = {"category": 1, "status": "excluded", "reason": "immaterial"}
    res = nc.calculate(_inventory([_steel(1, "USD", spend={"year": 2022})], scope3_screening=rows))
    (f,) = [f for f in res.findings if f.code == "scope3_screening_contradicted"]
    assert f.subject == "steel" and "marks excluded" in f.message


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"category": 1, "status": "included"}, "screening_entry_complete"),
        ({"category": 2, "status": "excluded"}, "screening_entry_complete"),
        ({"category": 16, "status": "not_relevant", "reason": "n/a"}, "less_than_equal"),
        ({"category": 1, "status": "included", "method": "guess"}, "literal_error"),
    ],
)
def test_screening_rows_are_checked(row, code):
    with pytest.raises(InvalidInputError) as e:
        _inventory([], scope3_screening=[row])
    assert code in [i.code for i in e.value.issues]


def test_a_category_screened_twice_is_refused():
    rows = [*_screening(2), {"category": 1, "status": "excluded", "reason": "twice"}]
    with pytest.raises(InvalidInputError, match="screened twice") as e:
        _inventory([], scope3_screening=rows)
    assert [i.code for i in e.value.issues] == ["screening_categories_unique"]


def _screened_report() -> Any:
    inv = _inventory([_steel(2_000_000, "USD", spend={"year": 2022})], scope3_screening=_screening())
    return nc.inventory_report(nc.calculate(inv))


def test_the_report_shows_the_screening_in_json_markdown_and_html():
    rep = _screened_report()
    rows = rep.to_dict()["report"]["scope3_screening"]
    assert rows[0] == {
        "scope3_category": 1,
        "name": "Purchased goods and services",
        "status": "included",
        "method": "spend_based",
        "reason": None,
        "sources": 1,
        "co2e_t": pytest.approx(1574.0, rel=1e-12),  # 2,000,000 USD x 0.787 kg/USD
    }
    assert rows[14]["status"] == "not_relevant" and rows[14]["reason"] == "no investments"
    md = rep.to_markdown()
    assert "| 1 | Purchased goods and services | included | spend_based | — | 1 | 1,574.000 |" in md
    assert "| 15 | Investments | not relevant | — | no investments | 0 | 0.000 |" in md
    assert "Scope 3 screening (15 categories)" in rep.to_html()


def test_a_report_without_scope3_content_has_no_screening_table():
    inv = _gas()
    rep = nc.inventory_report(nc.calculate(inv))
    assert "Scope 3 screening" not in rep.tables()
    assert rep.to_dict()["report"]["scope3_screening"] == []


@pytest.mark.excel
def test_the_excel_workbook_has_the_screening_sheet(tmp_path):
    import pandas as pd

    path = _screened_report().to_excel(tmp_path / "r.xlsx")
    sheet = pd.read_excel(path, sheet_name="Scope 3 screening", header=1)
    assert list(sheet["scope3_category"]) == list(range(1, 16))
    assert sheet.loc[0, "method"] == "spend_based"
    assert sheet.loc[0, "co2e_t"] == pytest.approx(1574.0, rel=1e-12)


def test_the_report_shows_each_pcaf_position_with_its_score():
    rep = nc.inventory_report(nc.calculate(_inventory([_position()])))
    (row,) = rep.to_dict()["report"]["financed_emissions"]
    assert row["attribution"] == 0.05 and row["denominator"] == "EVIC"
    assert row["investee_co2e_t"] == 50_000 and row["co2e_t"] == pytest.approx(2500.0, rel=1e-12)
    assert row["data_quality"] == 2
    md = rep.to_markdown()
    assert "## Financed emissions (PCAF, Scope 3 category 15)" in md
    assert "| bond | Listed Co. | listed_equity_and_corporate_bonds | 10,000,000 | EUR | EVIC |" in md
    assert "| 200,000,000 | 0.05 | 1+2 | 50,000.000 | 2,500.000 | 2 |" in md
    assert "Financed emissions (PCAF, Scope 3 category 15)" in rep.to_html()
    assert "Financed emissions" not in _screened_report().tables()
