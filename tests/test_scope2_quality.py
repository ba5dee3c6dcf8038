"""Scope 2 market-based: instruments that fail the quality criteria are not used.

GHG Protocol Scope 2 Guidance (2015) ch. 7: only contractual instruments that meet the
Scope 2 Quality Criteria may be used in the market-based method; the volume they would
cover takes the residual mix (or, with none given, the location factor and a finding).
"""

from __future__ import annotations

import pytest

import nqi_carbon as nc

JS_2022 = "cn-mee/grid-stats/province/CN-JS/2022"  # 0.5978 t CO2/MWh
RESIDUAL_2022 = "cn-mee/grid-stats/national-residual/2022"  # 0.5856 t CO2/MWh


def _inventory(contracts, *, market_factor=RESIDUAL_2022, region="CN-JS", **source):
    grid = {
        "id": "grid",
        "facility": "plant",
        "category": 2,
        "factor": JS_2022,
        "contracts": contracts,
        "activity": {"amount": 1000, "unit": "MWh"},
        **source,
    }
    if market_factor is not None:
        grid["market_factor"] = market_factor
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "factor_packs": ["cn-mee"],
            "facilities": [{"id": "plant", "region": region, "operational_control": True}],
            "sources": [grid],
        }
    )


GEC = {"id": "gec-1", "kind": "certificate", "amount": 300, "zero_emission": True}


def test_a_certificate_that_meets_the_criteria_lowers_the_market_based_total():
    # review case C5b: 300 MWh at 0 + 700 MWh x 0.5856 = 409.92 t
    res = nc.calculate(_inventory([{**GEC, "quality_criteria_met": True}]))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(409.92, rel=1e-12)
    assert res.totals()["by_scope"]["2_location"] == pytest.approx(597.8, rel=1e-12)


def test_a_certificate_that_fails_the_criteria_is_not_used_and_says_so():
    # review case C5e: the certificate does not count: 1000 MWh x 0.5856 = 585.6 t
    res = nc.calculate(_inventory([{**GEC, "quality_criteria_met": False}]))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(585.6, rel=1e-12)
    found = [f for f in res.findings if f.code == "contract_quality_criteria_not_met"]
    assert len(found) == 1 and found[0].subject == "grid" and found[0].severity == "warning"
    assert "gec-1" in found[0].message and "300" in found[0].message
    market = res.lines[res.lines["basis"] == "market"]
    assert list(market["activity"]) == [1_000_000.0]  # kWh, the factor's unit: no certificate line


def test_without_a_residual_mix_the_rejected_volume_takes_the_location_factor():
    res = nc.calculate(_inventory([{**GEC, "quality_criteria_met": False}], market_factor=None))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(597.8, rel=1e-12)
    codes = {f.code for f in res.findings}
    assert {"contract_quality_criteria_not_met", "residual_factor_missing"} <= codes


def _market_t(inv):
    return nc.calculate(inv).totals()["by_scope"]["2_market"]


RETIRED = {"registry": "GEC platform", "serial": "GEC-0001..0300", "date": "2025-01-15"}


def test_vintage_must_lie_in_the_reporting_period_or_the_stated_window():
    gec = {**GEC, "quality_criteria_met": True, "retirement": RETIRED}
    # 2023-06 generation for a 2024 inventory: outside the period itself
    res = nc.calculate(_inventory([{**gec, "vintage": "2023-06"}]))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(585.6, rel=1e-12)
    (f,) = [f for f in res.findings if f.code == "contract_vintage_outside_rules"]
    assert "2023-06" in f.message and "2024-01-01 to 2025-01-01" in f.message
    # a window of 6 months before and 3 after (stated, with where it comes from)
    inv = _inventory([{**gec, "vintage": "2023-07"}]).model_copy(
        update={
            "scope2_quality": {
                "vintage_months_before": 6,
                "vintage_months_after": 3,
                "rule": "programme technical criteria",
            }
        }
    )
    assert _market_t(inv) == pytest.approx(409.92, rel=1e-12)
    late = inv.model_copy(update={"sources": [
        {**inv.sources[0].model_dump(exclude_none=True),
         "contracts": [{**gec, "vintage": "2025-04"}]}
    ]})
    res = nc.calculate(late)
    (f,) = [f for f in res.findings if f.code == "contract_vintage_outside_rules"]
    assert "2023-07-01 to 2025-04-01" in f.message and "programme technical criteria" in f.message


@pytest.mark.parametrize(
    ("market", "region", "used"),
    [("CN", "CN-JS", True), ("cn-js", "CN-JS", True), ("CN-GD", "CN-JS", False), ("EU-AIB", "CN-JS", False)],
)
def test_an_instrument_from_another_market_is_not_used(market, region, used):
    gec = {**GEC, "market": market, "retirement": RETIRED}
    res = nc.calculate(_inventory([gec], region=region))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(409.92 if used else 585.6)
    assert any(f.code == "contract_market_differs" for f in res.findings) is (not used)


def test_the_source_may_state_its_electricity_market():
    gec = {**GEC, "market": "EU-AIB", "retirement": RETIRED}
    inv = _inventory([gec], region="DE", electricity_market="EU-AIB")
    assert _market_t(inv) == pytest.approx(409.92)


def test_a_certificate_without_retirement_evidence_is_used_and_reported():
    res = nc.calculate(_inventory([GEC]))
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(409.92)
    (f,) = [f for f in res.findings if f.code == "contract_retirement_not_evidenced"]
    assert f.severity == "warning" and "gec-1" in f.message
    res = nc.calculate(_inventory([{**GEC, "retirement": RETIRED}]))
    assert not [f for f in res.findings if f.code == "contract_retirement_not_evidenced"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"vintage": "2024-13"}, "vintage_is_a_period"),
        ({"retirement": {"date": "2025-02-30"}}, None),
        ({"retirement": {"when": "2025"}}, "extra_forbidden"),
    ],
)
def test_contract_evidence_fields_are_checked(change, code):
    with pytest.raises(nc.InvalidInputError) as err:
        _inventory([{**GEC, **change}])
    if code:
        assert code in {i.code for i in err.value.issues}


def test_electricity_market_without_contracts_is_refused():
    with pytest.raises(nc.InvalidInputError, match="electricity_market"):
        _inventory([], electricity_market="CN")
