"""The epa-ghg-hub pack: it loads, the published numbers are exact, and the
hand-checkable calculations hold (HHV basis, AR5, biogenic CO2 reported apart)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry, load_pack

PACK_FILE = Path(__file__).resolve().parents[1] / "emission_factors" / "epa-ghg-hub.yaml"
REG = default_registry()


def test_pack_loads_and_is_bundled():
    lp = load_pack(PACK_FILE, bundled=True)
    assert lp.id == "epa-ghg-hub"
    assert lp.version == "1.0.2"
    assert lp.pack.verification.strip()
    assert "epa-ghg-hub" in bundled_factor_pack_ids()
    for f in lp.factors.values():
        assert f.entry.region == "US"
        for gas in f.gases:
            c = f.citations.get(gas) or f.citations["factor"]
            assert c.url.startswith("http"), (f.ref, gas)


def test_energy_factors_are_on_an_hhv_basis_in_mmbtu():
    for f in REG.pack("epa-ghg-hub").factors.values():
        if f.ref.split("/", 1)[1].startswith("stationary/") and "-per-" not in f.ref:
            assert f.entry.basis == "GCV", f.ref
            assert f.activity_unit == "mmBtu", f.ref


# EPA GHG Emission Factors Hub, Table 1 Stationary Combustion (kg CO2, g CH4, g N2O per mmBtu,
# HHV) = 40 CFR 98 Subpart C Table C-1 (CO2) and Table C-2 (CH4, N2O; printed there in kg/mmBtu).
@pytest.mark.parametrize(
    ("fuel", "co2", "ch4", "n2o"),
    [
        ("natural_gas", 53.06, 1.0, 0.10),
        ("distillate_fuel_oil_no_2", 73.96, 3.0, 0.60),
        ("residual_fuel_oil_no_6", 75.10, 3.0, 0.60),
        ("kerosene", 75.20, 3.0, 0.60),
        ("lpg", 61.71, 3.0, 0.60),
        ("propane", 62.87, 3.0, 0.60),
        ("propane_gas", 61.46, 3.0, 0.60),
        ("motor_gasoline", 70.22, 3.0, 0.60),
        ("anthracite", 103.69, 11, 1.6),
        ("bituminous", 93.28, 11, 1.6),
        ("sub_bituminous", 97.17, 11, 1.6),
        ("lignite", 97.72, 11, 1.6),
        ("wood_and_wood_residuals", 93.80, 7.2, 3.6),
        ("landfill_gas", 52.07, 3.2, 0.63),
    ],
)
def test_table_1_per_mmbtu(fuel, co2, ch4, n2o):
    g = REG.resolve(f"epa-ghg-hub/stationary/{fuel}").entry.gases
    assert (g["CO2"].value, g["CH4"].value, g["N2O"].value) == (co2, ch4, n2o)
    assert (g["CO2"].unit, g["CH4"].unit, g["N2O"].unit) == ("kg/mmBtu", "g/mmBtu", "g/mmBtu")


# EPA GHG Emission Factors Hub 2024, Table 1, coal per short ton (kg CO2, g CH4, g N2O).
@pytest.mark.parametrize(
    ("fuel", "co2", "ch4", "n2o", "hhv"),
    [
        ("anthracite", 2602, 276, 40, 25.09),
        ("bituminous", 2325, 274, 40, 24.93),
        ("sub_bituminous", 1676, 190, 28, 17.25),
        ("lignite", 1389, 156, 23, 14.21),
    ],
)
def test_table_1_coal_per_short_ton(fuel, co2, ch4, n2o, hhv):
    per_ton = REG.resolve(f"epa-ghg-hub/stationary/{fuel}-per-short_ton").entry.gases
    assert (per_ton["CO2"].value, per_ton["CH4"].value, per_ton["N2O"].value) == (co2, ch4, n2o)
    # The Hub computes these as Table C-1 HHV (mmBtu/short ton) x the per-mmBtu factors.
    per_mmbtu = REG.resolve(f"epa-ghg-hub/stationary/{fuel}").entry.gases
    for gas in ("CO2", "CH4", "N2O"):
        assert round(hhv * per_mmbtu[gas].value) == per_ton[gas].value, gas


# EPA GHG Emission Factors Hub 2025, Table 2 Mobile Combustion CO2 (kg CO2 per US gallon).
@pytest.mark.parametrize(("fuel", "co2"), [("diesel_fuel", 10.21), ("motor_gasoline", 8.78)])
def test_table_2_mobile_co2(fuel, co2):
    f = REG.resolve(f"epa-ghg-hub/mobile/{fuel}")
    assert f.entry.gases["CO2"].value == co2
    assert f.entry.gases["CO2"].unit == "kg/gal_US"
    assert set(f.entry.gases) == {"CO2"}


@pytest.fixture
def pack_inventory(one_facility):
    """A one-facility inventory on the epa-ghg-hub pack only."""

    def build(sources, gwp="AR5"):
        return one_facility(
            sources,
            gwp=gwp,
            factor_packs=["epa-ghg-hub"],
            period={"start": "2025-01-01", "end": "2026-01-01"},
        )

    return build


def test_1000_mmbtu_natural_gas_ar5(pack_inventory):
    inv = pack_inventory(
        [
            {
                "id": "ng",
                "facility": "a",
                "category": 1,
                "factor": "epa-ghg-hub/stationary/natural_gas",
                "activity": {"amount": 1000, "unit": "mmBtu"},
            }
        ]
    )
    t = nc.calculate(inv).totals()
    assert t["by_gas_mass_t"]["CO2"] == pytest.approx(53.06, rel=1e-12)
    # 1000 mmBtu x (53.06 kg CO2 + 1.0 g CH4 x 28 + 0.10 g N2O x 265) = 53.1145 t CO2e (AR5)
    assert t["gross_co2e_t"] == pytest.approx(
        53.06 + 1.0 * 28 / 1000 + 0.10 * 265 / 1000, rel=1e-12
    )


def test_wood_biogenic_co2_apart(pack_inventory):
    inv = pack_inventory(
        [
            {
                "id": "w",
                "facility": "a",
                "category": 1,
                "factor": "epa-ghg-hub/stationary/wood_and_wood_residuals",
                "activity": {"amount": 1000, "unit": "MMBtu"},
            }
        ]
    )
    t = nc.calculate(inv).totals()
    assert t["biogenic_co2_t"] == pytest.approx(93.80, rel=1e-12)
    assert t["by_gas_co2e_t"]["CO2"] == 0
    assert t["gross_co2e_t"] == pytest.approx((7.2 * 28 + 3.6 * 265) / 1000, rel=1e-12)
