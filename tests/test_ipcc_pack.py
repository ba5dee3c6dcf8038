"""The ipcc-2006 pack: CO2 factors reproduce from carbon content x 44/12, and the
hand-checkable cases of issue #4 hold with the bundled numbers."""

from __future__ import annotations

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
    # Table 2.3 rows known only by fuel class; Table 2.5 has no municipal-waste biomass row
    for ref in (
        "stationary-manufacturing/orimulsion",
        "stationary-manufacturing/gas_coke",
        "stationary-residential/municipal_wastes_biomass",
    ):
        assert f"ipcc-2006/{ref}" not in {f.ref for f in PACK.factors.values()}
