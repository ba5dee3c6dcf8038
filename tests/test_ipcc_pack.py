"""The ipcc-2006 pack: CO2 factors reproduce from carbon content x 44/12, and the
hand-checkable cases of issue #4 hold with the bundled numbers."""

from __future__ import annotations

import json

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import default_registry

REG = default_registry()
PACK = REG.pack("ipcc-2006")
STATIONARY = [
    f
    for f in PACK.factors.values()
    if f.entry.fuel and f.ref.split("/")[1].startswith("stationary")
]


def _sig3(x: float) -> float:
    return float(f"{x:.3g}")


@pytest.mark.parametrize("factor", STATIONARY, ids=lambda f: f.ref)
def test_co2_factor_equals_carbon_content_times_44_over_12(factor):
    fuel = PACK.fuels[factor.entry.fuel]
    cc = fuel.entry.carbon_content
    assert cc is not None, fuel.ref
    assert cc.unit == "kg/GJ"
    co2 = factor.entry.gases["CO2"]
    assert co2.unit == "kg/TJ"
    recomputed = cc.value * 44 / 12 * 1000  # kg C/GJ -> kg CO2/TJ
    assert _sig3(recomputed) == _sig3(co2.value), (factor.ref, recomputed, co2.value)


def test_pack_covers_the_domain_fuels():
    for fuel in (
        "natural_gas",
        "gas_diesel_oil",
        "motor_gasoline",
        "residual_fuel_oil",
        "lpg",
        "anthracite",
        "other_bituminous_coal",
        "sub_bituminous_coal",
        "lignite",
        "wood_wood_waste",
    ):
        f = REG.resolve(f"ipcc-2006/stationary/{fuel}")
        assert f.entry.basis == "NCV"
        assert f.fuel is not None and f.fuel.entry.ncv is not None
    assert REG.resolve("ipcc-2006/stationary/wood_wood_waste").entry.biogenic is True


@pytest.mark.parametrize(
    ("fuel", "ncv", "co2", "ch4", "n2o"),
    [
        ("natural_gas", 48.0, 56100, 1, 0.1),
        ("gas_diesel_oil", 43.0, 74100, 3, 0.6),
        ("motor_gasoline", 44.3, 69300, 3, 0.6),
        ("residual_fuel_oil", 40.4, 77400, 3, 0.6),
        ("lpg", 47.3, 63100, 1, 0.1),
        ("anthracite", 26.7, 98300, 1, 1.5),
        ("other_bituminous_coal", 25.8, 94600, 1, 1.5),
        ("sub_bituminous_coal", 18.9, 96100, 1, 1.5),
        ("lignite", 11.9, 101000, 1, 1.5),
        ("wood_wood_waste", 15.6, 112000, 30, 4),
    ],
)
def test_table_2_2_and_1_2_values(fuel, ncv, co2, ch4, n2o):
    f = REG.resolve(f"ipcc-2006/stationary/{fuel}")
    g = f.entry.gases
    assert (g["CO2"].value, g["CH4"].value, g["N2O"].value) == (co2, ch4, n2o)
    assert f.fuel.entry.ncv.value == ncv
    assert f.fuel.entry.ncv.unit == "TJ/Gg"


@pytest.fixture
def pack_inventory(one_facility):
    """A one-facility inventory on the ipcc-2006 pack only."""

    def build(sources, gwp="AR5"):
        return one_facility(
            sources,
            gwp=gwp,
            factor_packs=["ipcc-2006"],
            period={"start": "2024-01-01", "end": "2025-01-01"},
        )

    return build


def test_100_tj_natural_gas_ar5_is_5615_45(pack_inventory):
    inv = pack_inventory(
        [
            {
                "id": "b",
                "facility": "a",
                "category": 1,
                "factor": "ipcc-2006/stationary/natural_gas",
                "activity": {"amount": 100, "unit": "TJ"},
            }
        ]
    )
    assert nc.calculate(inv).total_co2e == pytest.approx(5615.45, rel=1e-12)


def test_1000_t_other_bituminous_coal_through_the_ncv(pack_inventory):
    inv = pack_inventory(
        [
            {
                "id": "k",
                "facility": "a",
                "category": 1,
                "factor": "ipcc-2006/stationary/other_bituminous_coal",
                "activity": {"amount": 1000, "unit": "t"},
            }
        ]
    )
    # 1000 t = 1 Gg x 25.8 TJ/Gg = 25.8 TJ; x (94 600 + 1 x 28 + 1.5 x 265) kg/TJ
    assert nc.calculate(inv).total_co2e == pytest.approx(
        25.8 * (94600 + 28 + 1.5 * 265) / 1000, rel=1e-12
    )


def test_wood_biogenic_co2_apart(pack_inventory):
    inv = pack_inventory(
        [
            {
                "id": "w",
                "facility": "a",
                "category": 1,
                "factor": "ipcc-2006/stationary/wood_wood_waste",
                "activity": {"amount": 10, "unit": "TJ"},
            }
        ],
        gwp="AR6",
    )
    t = nc.calculate(inv).totals()
    assert t["biogenic_co2_t"] == pytest.approx(1120.0, rel=1e-12)
    assert t["gross_co2e_t"] == pytest.approx(
        10 * (30 * 27.0 + 4 * 273) / 1000, rel=1e-12
    )  # non-fossil CH4


# -- issue 18: oxidation factor 1, Orimulsion, Table 2.4 rows known before only by class -------


def test_every_fuel_states_the_ipcc_oxidation_factor_of_one():
    assert len(PACK.fuels) == 53
    for fuel in PACK.fuels.values():
        of = fuel.entry.oxidation
        assert of is not None and (of.value, of.unit) == (1, "1"), fuel.ref
        assert "Table 1.4" in (fuel.citation_text("oxidation") or "")


def _carbon_source(fuel: str, amount: float, unit: str = "t") -> dict:
    return {
        "id": fuel,
        "facility": "a",
        "category": 1,
        "method": "carbon_content",
        "carbon": {"fuel": f"ipcc-2006/fuel/{fuel}"},
        "activity": {"amount": amount, "unit": unit},
    }


def test_carbon_content_method_runs_on_ipcc_defaults(pack_inventory):
    # by hand: 100 t natural gas x 48.0 GJ/t (Table 1.2) = 4 800 GJ x 15.3 kg C/GJ (Table 1.3)
    # = 73 440 kg C x 1 (oxidation) x 44/12 = 269 280 kg CO2 = 269.28 t
    inv = pack_inventory([_carbon_source("natural_gas", 100)])
    assert nc.calculate(inv).total_co2e == pytest.approx(269.28, rel=1e-12)
    # Orimulsion: 1 000 t x 27.5 GJ/t x 21.0 kg C/GJ x 44/12 = 2 117.5 t CO2
    inv = pack_inventory([_carbon_source("orimulsion", 1000)])
    assert nc.calculate(inv).total_co2e == pytest.approx(2117.5, rel=1e-12)


@pytest.mark.parametrize(
    ("ref", "co2", "ch4", "n2o"),
    [
        ("stationary/orimulsion", 77000, 3, 0.6),
        ("stationary-commercial/orimulsion", 77000, 10, 0.6),
        ("stationary-residential/orimulsion", 77000, 10, 0.6),
        ("stationary-commercial/brown_coal_briquettes", 97500, 10, 1.5),
        ("stationary-commercial/patent_fuel", 97500, 10, 1.5),
        ("stationary-commercial/gas_coke", 107000, 5, 0.1),
        ("stationary-commercial/gas_works_gas", 44400, 5, 0.1),
        ("stationary-commercial/oxygen_steel_furnace_gas", 182000, 5, 0.1),
        ("stationary-commercial/sludge_gas", 54600, 5, 0.1),
    ],
)
def test_rows_added_in_1_1_0(ref, co2, ch4, n2o):
    # Table 1.4 CO2 and Table 2.2/2.4/2.5 CH4, N2O as printed (see the pack's verification)
    g = REG.resolve(f"ipcc-2006/{ref}").entry.gases
    assert (g["CO2"].value, g["CH4"].value, g["N2O"].value) == (co2, ch4, n2o)
    assert REG.resolve_fuel("ipcc-2006/fuel/orimulsion").entry.ncv.value == 27.5


def test_rows_still_missing_are_absent():
    # Table 2.5 has no municipal-waste biomass row (the pack does not borrow Table 2.4's)
    refs = {f.ref for f in PACK.factors.values()}
    assert "ipcc-2006/stationary-residential/municipal_wastes_biomass" not in refs


# Issue 18, pack 1.2.0: the last Table 2.3 (manufacturing industries and construction) rows.
# Figures typed from the second transcription, not from the pack: aravindjk03/invty-ghg-portal,
# scripts/ingest_ipcc_energy.py (commit ae56e771), FUELS list, "(key, display name, NCV TJ/Gg,
# CO2 kg/TJ, CH4 kg/TJ, N2O kg/TJ, ...)", whose CH4/N2O are "Ch2 Table 2.3 (CH4 and N2O,
# manufacturing industries and construction)"; sludge gas also in teekaysharma/ghgcalculator,
# scripts/manual-migration-008.mjs, "Manufacturing Industries and Construction": {ch4: 1, n2o: 0.1}.
# Orimulsion is in neither: its CH4/N2O are the liquid-fuel class values of Table 2.3 in
# teekaysharma/ghgcalculator scripts/manual-migration-006.mjs ({ch4: 3, n2o: 0.6}) and its CO2
# is Table 1.4's (the pack's Table 2.2 row). The first source for all seven is iClimate/ghgpy.
@pytest.mark.parametrize(
    ("fuel", "co2", "ch4", "n2o", "biogenic"),
    [
        ("orimulsion", 77_000, 3, 0.6, False),
        ("brown_coal_briquettes", 97_500, 10, 1.5, False),
        ("patent_fuel", 97_500, 10, 1.5, False),
        ("gas_coke", 107_000, 1, 0.1, False),
        ("gas_works_gas", 44_400, 1, 0.1, False),
        ("oxygen_steel_furnace_gas", 182_000, 1, 0.1, False),
        ("sludge_gas", 54_600, 1, 0.1, True),
    ],
)
def test_table_2_3_rows_added_in_1_2_0(fuel, co2, ch4, n2o, biogenic):
    f = REG.resolve(f"ipcc-2006/stationary-manufacturing/{fuel}")
    g = f.entry.gases
    assert (g["CO2"].value, g["CH4"].value, g["N2O"].value) == (co2, ch4, n2o)
    assert all(v.unit == "kg/TJ" for v in g.values())
    assert f.entry.reference == "v2c2-t2.3" and f.entry.basis == "NCV"
    assert f.entry.fuel == fuel and f.entry.biogenic is biogenic
    # CO2 does not depend on the sector: the Table 2.2 row of the same fuel (Table 1.4)
    assert REG.resolve(f"ipcc-2006/stationary/{fuel}").entry.gases["CO2"].value == co2


def test_table_2_3_is_complete_for_every_fuel_of_table_2_2():
    sector_fuels = {
        prefix: {f.entry.fuel for f in PACK.factors.values() if f.ref.split("/")[1] == prefix}
        for prefix in ("stationary", "stationary-manufacturing")
    }
    assert sector_fuels["stationary"] - sector_fuels["stationary-manufacturing"] == set()


def test_every_factor_of_a_biogenic_fuel_is_biogenic():
    # 1.1.0 shipped stationary-commercial/sludge_gas without biogenic: true (its CO2 counted fossil)
    wrong = [
        f.ref
        for f in PACK.factors.values()
        if f.entry.fuel and PACK.fuels[f.entry.fuel].entry.biogenic != f.entry.biogenic
    ]
    assert wrong == []


def test_factors_search_finds_a_new_table_2_3_row(capsys):
    from nqi_carbon.cli import main

    assert (
        main(["factors", "search", "oxygen steel furnace gas manufacturing", "--format", "json"])
        == 0
    )
    ids = [d["id"] for d in json.loads(capsys.readouterr().out)]
    assert "ipcc-2006/stationary-manufacturing/oxygen_steel_furnace_gas" in ids
