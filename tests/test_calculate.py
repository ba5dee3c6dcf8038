"""Calculation core: hand-checkable results for every method, consolidation, scope 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

DATA = Path(__file__).resolve().parent / "data"

PACK = str(DATA / "packs" / "testpack.yaml")


def inventory(sources, *, gwp="AR5", consolidation="operational_control", facilities=None, **extra):
    data = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "T", "id": "t", "consolidation": consolidation},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": gwp,
        "factor_packs": [PACK],
        "facilities": facilities or [{"id": "f", "operational_control": True}],
        "sources": sources,
        **extra,
    }
    return nc.validate_inventory(data)


def src(id_, factor, amount, unit, category=1, facility="f", **kw):
    return {
        "id": id_,
        "facility": facility,
        "category": category,
        "factor": factor,
        "activity": {"amount": amount, "unit": unit},
        **kw,
    }


def test_natural_gas_100_tj_ar5_is_5615_45():
    # 100 TJ x (56100 kg CO2 + 1 kg CH4 x 28 + 0.1 kg N2O x 265) per TJ = 5615.45 t CO2e
    res = nc.calculate(inventory([src("b", "testpack/stationary/natural_gas", 100, "TJ")]))
    assert res.total_co2e == pytest.approx(5615.45, rel=1e-12)
    by_gas = res.totals()["by_gas_mass_t"]
    assert by_gas == pytest.approx({"CO2": 5610.0, "CH4": 0.1, "N2O": 0.01}, rel=1e-12)
    assert res.totals()["by_gas_co2e_t"]["CH4"] == pytest.approx(2.8, rel=1e-12)


def test_fuel_chain_mass_to_energy_via_ncv():
    # 1000 t coal x 25.8 TJ/Gg = 25.8 TJ; x (94600 + 1x28 + 1.5x265) kg/TJ = 2451.5049 t CO2e
    res = nc.calculate(
        inventory([src("k", "testpack/stationary/other_bituminous_coal", 1000, "t")])
    )
    expected = 25.8 * (94600 + 28 + 1.5 * 265) / 1000
    assert res.total_co2e == pytest.approx(expected, rel=1e-12)
    assert res.totals()["by_gas_mass_t"]["CO2"] == pytest.approx(25.8 * 94.6, rel=1e-12)


def test_wood_biogenic_co2_apart_but_ch4_n2o_in():
    res = nc.calculate(inventory([src("w", "testpack/stationary/wood", 10, "TJ")]))
    t = res.totals()
    assert t["biogenic_co2_t"] == pytest.approx(1120.0, rel=1e-12)
    assert t["gross_co2e_t"] == pytest.approx(10 * (30 * 28 + 4 * 265) / 1000, rel=1e-12)
    assert "CO2" not in t["by_gas_mass_t"]


def test_equity_share_scales_each_line():
    facs = [{"id": "a", "equity_share": 0.6}, {"id": "b", "equity_share": 0.0}]
    inv = inventory(
        [
            src("x", "testpack/stationary/natural_gas", 100, "TJ", facility="a"),
            src("y", "testpack/stationary/natural_gas", 100, "TJ", facility="b"),
        ],
        consolidation="equity_share",
        facilities=facs,
    )
    res = nc.calculate(inv)
    assert res.total_co2e == pytest.approx(0.6 * 5615.45, rel=1e-12)
    shares = set(res.lines["share"])
    assert shares == {0.6, 0.0}
    assert res.totals()["by_facility"] == pytest.approx({"a": 0.6 * 5615.45, "b": 0.0})


def test_operational_control_includes_all_or_nothing():
    facs = [
        {"id": "a", "operational_control": True, "equity_share": 0.3},
        {"id": "b", "operational_control": False, "equity_share": 0.9},
    ]
    inv = inventory(
        [
            src("x", "testpack/stationary/natural_gas", 100, "TJ", facility="a"),
            src("y", "testpack/stationary/natural_gas", 100, "TJ", facility="b"),
        ],
        facilities=facs,
    )
    assert nc.calculate(inv).total_co2e == pytest.approx(5615.45, rel=1e-12)


def test_market_based_zero_factor_is_a_value_not_a_gap():
    inv = inventory(
        [
            src(
                "grid",
                "testpack/grid/a",
                1000,
                "MWh",
                category=2,
                market_factor="testpack/grid/zero",
            )
        ]
    )
    t = nc.calculate(inv).totals()
    assert t["by_scope"]["2_location"] == pytest.approx(570.3, rel=1e-12)
    assert t["by_scope"]["2_market"] == 0.0
    assert t["gross_co2e_t"] == pytest.approx(570.3, rel=1e-12)
    assert t["gross_co2e_t_market_based"] == 0.0


def test_release_of_blend_splits_kyoto_only():
    inv = inventory(
        [
            {
                "id": "c",
                "facility": "f",
                "category": 1,
                "method": "release",
                "gas": "R-401A",
                "activity": {"amount": 100, "unit": "kg"},
            }
        ],
        gwp="AR4",
    )
    res = nc.calculate(inv)
    # R-401A: HCFC-22 53 %, HFC-152a 13 %, HCFC-124 34 %; Kyoto-only AR4 = 0.13 x 124 = 16.12
    assert res.total_co2e == pytest.approx(0.1 * 16.12, rel=1e-12)
    assert any(f.code == "non_kyoto_counted_zero" for f in res.findings)
    assert res.totals()["by_gas_mass_t"]["HCFC-22"] == pytest.approx(0.053, rel=1e-12)


def test_measured_gas_mass_and_ar6_ch4_origin():
    base = {
        "id": "m",
        "facility": "f",
        "category": 1,
        "method": "measured",
        "gas": "CH4",
        "activity": {"amount": 10, "unit": "t"},
    }
    fossil = nc.calculate(inventory([{**base, "origin": "fossil"}], gwp="AR6"))
    bio = nc.calculate(inventory([{**base, "origin": "non_fossil"}], gwp="AR6"))
    unspecified = nc.calculate(inventory([base], gwp="AR6"))
    assert fossil.total_co2e == pytest.approx(298.0)
    assert bio.total_co2e == pytest.approx(270.0)
    assert unspecified.total_co2e == pytest.approx(279.0)


def test_carbon_content_method_with_measured_carbon_fraction():
    # FC x C_ar x OF x 44/12 = 1000 t x 0.60 x 0.98 x 44/12 = 2156 t CO2
    s = {
        "id": "coal",
        "facility": "f",
        "category": 1,
        "method": "carbon_content",
        "carbon": {
            "carbon_fraction": {"value": 60, "unit": "percent"},
            "oxidation": {"value": 0.98, "unit": "1"},
        },
        "activity": {"amount": 1000, "unit": "t"},
    }
    res = nc.calculate(inventory([s]))
    assert res.total_co2e == pytest.approx(1000 * 0.6 * 0.98 * 44 / 12, rel=1e-12)


def test_carbon_content_method_ncv_times_carbon_per_heat():
    # 500 t x 20.908 GJ/t x 0.02618 tC/GJ x 0.93 x 44/12
    s = {
        "id": "coal",
        "facility": "f",
        "category": 1,
        "method": "carbon_content",
        "carbon": {
            "ncv": {"value": 20.908, "unit": "GJ/t"},
            "carbon_content": {"value": 0.02618, "unit": "tC/GJ"},
            "oxidation": {"value": 93, "unit": "percent"},
        },
        "activity": {"amount": 500, "unit": "t"},
    }
    res = nc.calculate(inventory([s]))
    assert res.total_co2e == pytest.approx(500 * 20.908 * 0.02618 * 0.93 * 44 / 12, rel=1e-12)


def test_co2e_only_factor_and_gwp_set_mismatch_is_a_finding():
    inv = inventory(
        [src("truck", "testpack/freight/co2e", 1e6, "tkm", category=3, scope3_category=4)],
        gwp="AR6",
    )
    res = nc.calculate(inv)
    assert res.total_co2e == pytest.approx(100.0)
    assert res.totals()["by_gas_co2e_t"]["unspecified"] == pytest.approx(100.0)
    assert [f.code for f in res.findings if f.code == "co2e_factor_gwp_set"] == [
        "co2e_factor_gwp_set"
    ]


def test_unit_of_wrong_dimension_is_refused_with_source_named():
    inv = inventory([src("b", "testpack/grid/a", 100, "t", category=2)])
    with pytest.raises(InvalidInputError, match=r"activity_unit_fits_factor") as exc:
        nc.calculate(inv)
    assert "'b'" in str(exc.value)


def test_unknown_factor_lists_close_matches():
    inv = inventory([src("b", "testpack/stationary/natural_gaz", 100, "TJ")])
    with pytest.raises(InvalidInputError, match="did you mean 'testpack/stationary/natural_gas'"):
        nc.calculate(inv)


def test_monthly_records_sum_to_the_year():
    months = [{"period": f"2024-{m:02d}", "amount": 100.0 + m, "unit": "MWh"} for m in range(1, 13)]
    inv = inventory(
        [
            {
                "id": "g",
                "facility": "f",
                "category": 2,
                "factor": "testpack/grid/a",
                "activity": months,
            }
        ]
    )
    year = inventory(
        [src("g", "testpack/grid/a", sum(r["amount"] for r in months), "MWh", category=2)]
    )
    assert nc.calculate(inv).total_co2e == nc.calculate(year).total_co2e


def test_result_json_contract_names():
    res = nc.calculate(
        inventory([src("b", "testpack/stationary/natural_gas", 100, "TJ")]),
        uncertainty="analytical",
    )
    d = json.loads(res.to_json())
    assert list(d) == [
        "schema",
        "organization",
        "period",
        "gwp_set",
        "totals",
        "uncertainty",
        "lines",
        "provenance",
        "findings",
    ]
    assert d["schema"] == "nqi-carbon/result@1"
    assert set(d["totals"]) >= {
        "gross_co2e_t",
        "gross_co2e_t_market_based",
        "by_category",
        "by_scope",
        "by_gas_co2e_t",
        "by_gas_mass_t",
        "by_facility",
        "biogenic_co2_t",
        "removals_co2e_t",
    }
    assert list(d["totals"]["by_category"]) == ["1", "2", "3", "4", "5", "6"]
    assert list(d["totals"]["by_scope"]) == ["1", "2_location", "2_market", "3"]
    assert set(d["totals"]["by_gas_co2e_t"]) >= {"CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"}
    assert set(d["uncertainty"]) >= {
        "method",
        "ci95_low_t",
        "ci95_high_t",
        "relative_95",
        "seed",
        "iterations",
    }
    assert set(d["lines"][0]) >= {
        "source",
        "facility",
        "category",
        "scope",
        "gas",
        "mass_t",
        "co2e_t",
        "biogenic",
        "method",
        "factor",
        "share",
    }
    assert set(d["provenance"]) >= {"library_version", "input_sha256", "factor_packs", "gwp_source"}
    assert {p["id"] for p in d["provenance"]["factor_packs"]} == {"testpack", "gwp-ipcc", "gases"}  # gases: species and blends
    assert all(len(p["sha256"]) == 64 for p in d["provenance"]["factor_packs"])


def test_removals_reported_negative_and_apart():
    inv = inventory(
        [src("b", "testpack/stationary/natural_gas", 100, "TJ")],
        removals=[{"id": "ccs", "facility": "f", "amount": 50, "unit": "t"}],
    )
    t = nc.calculate(inv).totals()
    assert t["removals_co2e_t"] == -50.0
    assert t["gross_co2e_t"] == pytest.approx(5615.45)


def _grid(contracts, market_factor=None, amount=1000):
    extra = {"contracts": contracts}
    if market_factor:
        extra["market_factor"] = market_factor
    return inventory([src("grid", "testpack/grid/a", amount, "MWh", category=2, **extra)])


def test_contracts_cover_mwh_in_hierarchy_and_rest_takes_residual():
    # 1000 MWh: 300 MWh certificates (zero), 200 MWh supplier factor 0.5703 t/MWh via a pack
    # factor, 500 MWh at the residual factor (here the zero factor, to keep it hand-checkable)
    inv = _grid(
        [
            {"kind": "supplier", "amount": 200, "factor": "testpack/grid/a"},
            {"kind": "certificate", "amount": 300, "zero_emission": True},
        ],
        market_factor="testpack/grid/zero",
    )
    res = nc.calculate(inv)
    t = res.totals()
    assert t["by_scope"]["2_location"] == pytest.approx(570.3, rel=1e-12)
    assert t["by_scope"]["2_market"] == pytest.approx(200 * 0.5703, rel=1e-12)
    market = res.lines[res.lines["basis"] == "market"]
    assert list(market["activity"]) == [
        300.0,
        200.0,
        500.0,
    ]  # certificates first, then supplier, then residual


def test_contracts_exceeding_consumption_are_capped_and_reported():
    inv = _grid(
        [{"kind": "certificate", "amount": 1500, "zero_emission": True}],
        market_factor="testpack/grid/a",
    )
    res = nc.calculate(inv)
    assert res.totals()["by_scope"]["2_market"] == 0.0
    assert any(f.code == "contracts_exceed_consumption" for f in res.findings)


def test_contracts_without_residual_factor_use_grid_average_with_a_finding():
    inv = _grid([{"kind": "ppa", "amount": 400, "zero_emission": True}])
    res = nc.calculate(inv)
    assert res.totals()["by_scope"]["2_market"] == pytest.approx(600 * 0.5703, rel=1e-12)
    assert any(f.code == "residual_factor_missing" for f in res.findings)


def test_contract_needs_exactly_one_rate():
    with pytest.raises(InvalidInputError, match="contract_rate_given"):
        _grid([{"kind": "certificate", "amount": 1}])


def test_market_uncertainty_excludes_contract_amounts_from_activity_error():
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "f", "operational_control": True}],
            "sources": [
                {
                    "id": "grid",
                    "facility": "f",
                    "category": 2,
                    "factor": "testpack/grid/a",
                    "market_factor": "testpack/grid/a",
                    "contracts": [{"kind": "certificate", "amount": 400, "zero_emission": True}],
                    "activity": {"amount": 1000, "unit": "MWh", "uncertainty": 0.05},
                }
            ],
        }
    )
    res = nc.calculate(inv, uncertainty="analytical")
    u = res.group_uncertainty["scope:2_market"]
    # residual 600 MWh x 0.5703: activity error of the full 1000 MWh (0.05 x 1000 x 0.5703) and
    # the factor's 2 % on the 600 MWh it multiplies, in quadrature
    expected = ((0.05 * 1000 * 0.5703) ** 2 + (0.02 * 600 * 0.5703) ** 2) ** 0.5
    assert u.half95 == pytest.approx(expected, rel=1e-12)
    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=20_000, seed=5).group_uncertainty[
        "scope:2_market"
    ]
    assert mc.std == pytest.approx(expected / 1.959963984540054, rel=0.03)


def test_provenance_cites_every_gwp_table_used():
    # AR6: natural gas CH4 is fossil (29.8, Table 7.15); CO2 and N2O come from Table 7.SM.7
    gas = {
        "id": "g",
        "facility": "f",
        "category": 1,
        "factor": "testpack/stationary/natural_gas",
        "activity": {"amount": 10, "unit": "TJ"},
    }
    source = nc.calculate(inventory([gas], gwp="AR6")).provenance()["gwp_source"]
    assert source.startswith("IPCC AR6") and "Table 7.SM.7" in source
    assert "CH4 (fossil): " in source and "Table 7.15" in source
    ar5 = nc.calculate(inventory([gas], gwp="AR5")).provenance()["gwp_source"]
    assert "Table 7.15" not in ar5 and ar5.count("<http") == 1  # one table: the set's own


@pytest.mark.parametrize(
    ("factor", "unit", "basis", "ok"),
    [
        ("ipcc-2006/stationary/natural_gas", "mmBtu", None, False),  # US HHV amount, NCV factor
        ("ipcc-2006/stationary/natural_gas", "mmBtu", "NCV", True),  # stated net: fine
        ("ipcc-2006/stationary/natural_gas", "TJ", None, True),  # joules: the factor's basis
        ("ipcc-2006/stationary/natural_gas", "TJ", "GCV", False),
        ("ipcc-2006/stationary/natural_gas", "10^4 tce", None, True),  # tce is net, as IPCC
        ("epa-ghg-hub/stationary/natural_gas", "tce", None, False),  # net amount, HHV factor
        ("epa-ghg-hub/stationary/natural_gas", "mmBtu", None, True),
    ],
)
def test_energy_amounts_and_factors_never_mix_calorific_bases(factor, unit, basis, ok):
    source = {
        "id": "s",
        "facility": "f",
        "category": 1,
        "factor": factor,
        "activity": {"amount": 1000, "unit": unit},
        **({"energy_basis": basis} if basis else {}),
    }
    inv = inventory([source], factor_packs=["ipcc-2006", "epa-ghg-hub"])
    if ok:
        assert nc.calculate(inv).total_co2e > 0
    else:
        with pytest.raises(InvalidInputError) as exc:
            nc.calculate(inv)
        assert [i.code for i in exc.value.issues] == ["activity_basis_fits_factor"]


def test_epa_natural_gas_per_mmbtu_is_the_published_value():
    # EPA GHG Emission Factors Hub 2025, Table 1: 53.06 kg CO2, 1.0 g CH4, 0.10 g N2O per mmBtu
    src = {
        "id": "s",
        "facility": "f",
        "category": 1,
        "factor": "epa-ghg-hub/stationary/natural_gas",
        "activity": {"amount": 1000, "unit": "mmBtu"},
    }
    res = nc.calculate(inventory([src], factor_packs=["epa-ghg-hub"]))
    assert res.total_co2e == pytest.approx(53.06 + 0.001 * 28 + 0.0001 * 265, rel=1e-12)


def test_by_source_lists_every_source_with_its_biogenic_co2():
    sources = [
        src("gas", "testpack/stationary/natural_gas", 10, "TJ"),
        src("wood", "testpack/stationary/wood", 10, "TJ"),
        src("idle", "testpack/stationary/natural_gas", 0, "TJ"),
    ]
    table = nc.calculate(inventory(sources)).by("source").set_index("source")
    assert list(table.index) == ["gas", "idle", "wood"]
    assert table.loc["idle", "co2e_t"] == 0
    # wood: 112 000 kg CO2/TJ x 10 TJ = 1120 t biogenic, apart; CH4 30 x 28 + N2O 4 x 265 kg/TJ
    assert table.loc["wood", "biogenic_co2_t"] == pytest.approx(1120.0, rel=1e-12)
    assert table.loc["wood", "co2e_t"] == pytest.approx(10 * (30 * 28 + 4 * 265) / 1000, rel=1e-12)


def test_a_result_prints_as_one_short_line():
    res = nc.calculate(inventory([src("gas", "testpack/stationary/natural_gas", 100, "TJ")]))
    text = repr(res)
    assert "\n" not in text and len(text) < 300
    assert "5,615.450 t CO2e gross" in text  # 100 TJ of natural gas under AR5


@pytest.mark.parametrize(
    ("facility_region", "factor", "flagged"),
    [
        ("CN-ZJ", "cn-mee/grid-stats/province/CN-JS/2022", True),  # Jiangsu factor in Zhejiang
        ("CN-JS", "cn-mee/grid-stats/province/CN-JS/2022", False),
        ("CN-ZJ", "cn-mee/grid/national/2022", False),  # a national factor fits every province
        ("US", "cn-mee/grid/national/2022", True),
        (None, "cn-mee/grid-stats/province/CN-JS/2022", False),  # no region stated: unchecked
    ],
)
def test_a_regional_factor_used_elsewhere_is_a_finding(facility_region, factor, flagged):
    facility = {"id": "f", "operational_control": True}
    if facility_region:
        facility["region"] = facility_region
    inv = inventory(
        [src("grid", factor, 100, "MWh", category=2)],
        facilities=[facility],
        factor_packs=["cn-mee"],
    )
    codes = {f.code for f in nc.calculate(inv).findings}
    assert ("factor_region" in codes) is flagged


def test_factor_region_is_compared_whatever_its_case():
    inline = {
        "id": "sup/x",
        "name": "grid, Shanghai",
        "activity_unit": "MWh",
        "gases": {"CO2": {"value": 0.5, "unit": "t/MWh"}},
        "reference": "supplier sheet 2024, table 1",
        "region": "cn-sh",
    }
    inv = inventory(
        [src("grid", "sup/x", 10, "MWh", category=2)],
        facilities=[{"id": "f", "operational_control": True, "region": "CN-JS"}],
        factors=[inline],
    )
    assert "factor_region" in {f.code for f in nc.calculate(inv).findings}


def test_a_stated_energy_basis_that_cannot_be_checked_is_said(one_facility):
    inline = {
        "id": "sup/heat",
        "name": "district heat, supplier",
        "activity_unit": "GJ",
        "gases": {"CO2": {"value": 0.07, "unit": "t/GJ"}},
        "reference": "supplier sheet 2024, table 2",
    }
    source = {
        "id": "heat",
        "facility": "a",
        "category": 2,
        "factor": "sup/heat",
        "energy_basis": "GCV",
        "activity": {"amount": 100, "unit": "GJ"},
    }
    res = nc.calculate(one_facility([source], factors=[inline]))
    assert "energy_basis_unchecked" in {f.code for f in res.findings}


def test_the_stages_of_calculate_can_be_called_one_by_one():
    """calculate is prepare -> source_sums -> result_lines -> result_findings -> uncertainty."""
    from nqi_carbon.calc import pipeline

    inv = nc.load_inventory(DATA.parent.parent / "examples" / "cement" / "inventory.yaml")
    whole = nc.calculate(inv)
    prepared = pipeline.prepare(inv)
    assert [p.source.id for p in prepared.plans] == [s.id for s in inv.sources]
    stats, ins_u95 = pipeline.source_sums(inv, prepared)
    assert stats.A.tolist() == whole._stats.A.tolist()
    assert ins_u95.tolist() == whole._ins_u95.tolist()
    findings = list(prepared.findings)
    lines = pipeline.result_lines(inv, prepared.plans, stats, findings)
    assert lines.co2e.tolist() == whole.table.co2e.tolist()
    assert pipeline.result_findings(inv, prepared, stats, findings) == whole.findings

    analytical = nc.calculate(inv, uncertainty="analytical")
    groups = pipeline.approach1_uncertainty(whole, top=10)
    assert groups == analytical.group_uncertainty
    assert whole.contributions == analytical.contributions
    assert whole.findings == analytical.findings

    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=500, seed=11)
    pipeline.monte_carlo_uncertainty(whole, prepared.cols, iterations=500, seed=11)
    assert whole.uncertainty_method == "monte_carlo"
    assert (whole.seed, whole.iterations) == (11, 500)
    assert whole.group_uncertainty == mc.group_uncertainty
