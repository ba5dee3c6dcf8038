"""The us-epa-supply-chain pack: it loads, its values are the publisher's, they agree with
the publisher's per-gas file under AR5, and a spend-based source gives the hand total.

Figures typed below are rows of the publisher's files (US EPA Supply Chain GHG Emission
Factors v1.3, DOI 10.23719/1531143): SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv
and ..._NAICS_byGHG_USD2022.csv, as read for the pack (see its verification)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry, load_pack
from nqi_carbon.errors import NqiCarbonError

ROOT = Path(__file__).resolve().parents[1]
PACK_FILE = ROOT / "emission_factors" / "us-epa-supply-chain.yaml"
REG = default_registry()

# CO2e file rows: NAICS -> (without margins, margins, with margins), kg CO2e / 2022 USD.
CO2E_ROWS = {
    "111110": (0.488, 0.044, 0.532),  # Soybean Farming
    "221310": (0.578, 0, 0.578),  # Water Supply and Irrigation Systems
    "327310": (3.846, 0.078, 3.924),  # Cement Manufacturing
    "331110": (0.769, 0.018, 0.787),  # Iron and Steel Mills and Ferroalloy Manufacturing
    "334413": (0.188, 0.028, 0.215),  # Semiconductor and Related Device Manufacturing
    "484121": (0.595, 0, 0.595),  # General Freight Trucking, Long-Distance, Truckload
    "541511": (0.084, 0, 0.084),  # Custom Computer Programming Services
    "561720": (0.214, 0, 0.214),  # Janitorial Services
    "813990": (0.128, 0, 0.128),  # Other Similar Organizations (last row of the file)
}

# by-gas file, column "with Margins", kg gas / 2022 USD (the unspecified HFC/PFC row is
# already kg CO2e); AR5 GWP-100 of each gas (AR5 WG1 Table 8.A.1).
AR5 = {
    "CO2": 1, "CH4": 28, "N2O": 265, "HFC-23": 12400, "HFC-32": 677, "HFC-125": 3170,
    "HFC-134a": 1300, "HFC-143a": 4800, "HFC-236fa": 8060, "CF4": 6630, "C2F6": 11100,
    "C3F8": 8900, "C4F10": 9200, "c-C4F8": 9540, "C6F14": 7910, "SF6": 23500, "NF3": 16100,
}  # fmt: skip
BY_GAS_WITH_MARGINS = {
    "111110": {
        "CO2": 1.72e-01, "CH4": 4.82e-04, "N2O": 1.30e-03, "HFC-23": 4.57e-09,
        "HFC-32": 7.20e-08, "HFC-125": 1.08e-07, "HFC-134a": 1.76e-07, "HFC-143a": 2.99e-08,
        "HFC-236fa": 3.45e-10, "CF4": 1.11e-08, "C2F6": 2.05e-09, "C3F8": 2.48e-10,
        "C4F10": 1.04e-09, "c-C4F8": 2.98e-09, "C6F14": 8.04e-10, "SF6": 4.48e-09,
        "NF3": 1.43e-09, "unspecified_co2e": 8.44e-04,
    },
    "327310": {
        "CO2": 3.86e00, "CH4": 1.98e-03, "N2O": 3.55e-05, "HFC-23": 9.84e-09,
        "HFC-32": 1.16e-07, "HFC-125": 1.72e-07, "HFC-134a": 2.81e-07, "HFC-143a": 4.72e-08,
        "HFC-236fa": 5.59e-10, "CF4": 1.34e-08, "C2F6": 2.67e-09, "C3F8": 2.99e-10,
        "C4F10": 5.94e-10, "c-C4F8": 1.85e-09, "C6F14": 4.59e-10, "SF6": 2.69e-08,
        "NF3": 1.34e-09, "unspecified_co2e": 1.35e-03,
    },
    "112111": {
        "CO2": 2.38e-01, "CH4": 5.82e-02, "N2O": 3.85e-03, "HFC-23": 7.46e-09,
        "HFC-32": 1.21e-07, "HFC-125": 1.80e-07, "HFC-134a": 2.95e-07, "HFC-143a": 4.99e-08,
        "HFC-236fa": 5.81e-10, "CF4": 1.65e-08, "C2F6": 2.87e-09, "C3F8": 3.23e-10,
        "C4F10": 1.37e-09, "c-C4F8": 3.91e-09, "C6F14": 1.06e-09, "SF6": 7.62e-09,
        "NF3": 1.87e-09, "unspecified_co2e": 1.41e-03,
    },
}  # fmt: skip


def test_pack_loads_through_the_registry():
    lp = load_pack(PACK_FILE, bundled=True)
    assert lp.id == "us-epa-supply-chain"
    assert "us-epa-supply-chain" in bundled_factor_pack_ids()
    assert len(lp.factors) == 1016
    for f in lp.factors.values():
        e = f.entry
        assert e.gases is None and e.co2e is not None, f.ref
        assert (e.co2e.unit, e.co2e.gwp_set, f.activity_unit) == ("kg/USD", "AR5", "USD")
        assert (e.region, e.data_year) == ("US", 2022)
        assert f.citations["factor"].url.startswith("https://pasteur.epa.gov/")


@pytest.mark.parametrize(("naics", "row"), sorted(CO2E_ROWS.items()))
def test_values_are_the_with_margins_column(naics, row):
    without, margins, with_margins = row
    f = REG.resolve(f"us-epa-supply-chain/naics/{naics}")
    assert f.entry.co2e.value == with_margins
    assert f"Without margins (producer price) {without}; margins {margins};" in (
        f.entry.notes or ""
    )
    # the publisher's own arithmetic: with = without + margins, to its 3 decimals
    assert with_margins == pytest.approx(without + margins, abs=0.0011)


@pytest.mark.parametrize("naics", sorted(BY_GAS_WITH_MARGINS))
def test_co2e_recomputed_from_the_by_gas_file_under_ar5(naics):
    gases = dict(BY_GAS_WITH_MARGINS[naics])
    total = gases.pop("unspecified_co2e") + sum(m * AR5[g] for g, m in gases.items())
    published = REG.resolve(f"us-epa-supply-chain/naics/{naics}").entry.co2e.value
    # the by-gas file prints 3 significant figures; the CO2e file 3 decimals
    assert total == pytest.approx(published, abs=0.005)
    if naics == "112111":
        # beef cattle (methane-heavy) tells the GWP sets apart: AR4 (CH4 25, N2O 298) and
        # AR6 (CH4 27.9 non-fossil, N2O 273) miss the published 2.893 by far more than rounding
        ar4 = total + gases["CH4"] * (25 - 28) + gases["N2O"] * (298 - 265)
        ar6 = total + gases["CH4"] * (27.9 - 28) + gases["N2O"] * (273 - 265)
        assert published == 2.893
        assert abs(ar4 - published) > 0.02 and abs(ar6 - published) > 0.02


@pytest.fixture
def spend_inventory(pack_inventory):
    def build(sources, gwp="AR5"):
        # an inventory of 2022: spend in the factors' own money (2022 USD) needs no conversion
        return pack_inventory(["us-epa-supply-chain"], sources, gwp=gwp, region="US", year=2022)

    return build


def test_spend_based_purchases_hand_total(spend_inventory):
    inv = spend_inventory(
        [
            {
                "id": "cement",
                "facility": "a",
                "category": 4,
                "factor": "us-epa-supply-chain/naics/327310",
                "activity": {"amount": 250_000, "unit": "USD"},
            },
            {
                "id": "software",
                "facility": "a",
                "category": 4,
                "factor": "us-epa-supply-chain/naics/541511",
                "activity": {"amount": 1_000_000, "unit": "USD"},
            },
        ]
    )
    res = nc.calculate(inv)
    # 250 000 USD x 3.924 + 1 000 000 USD x 0.084 kg CO2e/USD = 981 000 + 84 000 kg = 1 065 t CO2e
    assert res.totals()["gross_co2e_t"] == pytest.approx(1065.0, rel=1e-12)
    assert not [f for f in res.findings if f.code == "co2e_factor_gwp_set"]


def test_ar6_inventory_is_warned_that_the_factor_is_ar5(spend_inventory):
    inv = spend_inventory(
        [
            {
                "id": "steel",
                "facility": "a",
                "category": 4,
                "factor": "us-epa-supply-chain/naics/331110",
                "activity": {"amount": 1000, "unit": "USD"},
            }
        ],
        gwp="AR6",
    )
    res = nc.calculate(inv)
    assert res.totals()["gross_co2e_t"] == pytest.approx(0.787, rel=1e-12)
    assert [f.code for f in res.findings if f.code == "co2e_factor_gwp_set"] == [
        "co2e_factor_gwp_set"
    ]


def test_spend_in_another_currency_is_refused(spend_inventory):
    inv = spend_inventory(
        [
            {
                "id": "cement",
                "facility": "a",
                "category": 4,
                "factor": "us-epa-supply-chain/naics/327310",
                "activity": {"amount": 1000, "unit": "EUR"},
            }
        ]
    )
    with pytest.raises(NqiCarbonError, match="EUR"):
        nc.calculate(inv)


# -- the build script, on a small file made up here (not the publisher's data) -------------

_HEADER = (
    "2017 NAICS Code,2017 NAICS Title,GHG,Unit,Supply Chain Emission Factors without Margins,"
    "Margins of Supply Chain Emission Factors,Supply Chain Emission Factors with Margins,"
    "Reference USEEIO Code\n"
)
_UNIT = '"kg CO2e/2022 USD, purchaser price"'


def _write(tmp_path: Path, rows: list[str], by_gas: list[str]) -> tuple[Path, Path]:
    co2e = tmp_path / "co2e.csv"
    co2e.write_text(_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    gas = tmp_path / "bygas.csv"
    gas.write_text(_HEADER + "".join(r + "\n" for r in by_gas), encoding="utf-8")
    return co2e, gas


def test_build_script_writes_a_loadable_pack_reproducibly(tmp_path, build_script):
    build = build_script("us_epa_supply_chain")
    co2e, gas = _write(
        tmp_path,
        [
            f'999992,"Made-up Widgets, Other",All GHGs,{_UNIT},1.5,0.25,1.75,9999B0',
            f"999991,Made-up Widgets,All GHGs,{_UNIT},0.1,0.02,0.12,9999A0",
        ],
        [
            '999991,Made-up Widgets,Carbon dioxide,"kg/2022 USD, purchaser price",0.1,0.02,0.12,9999A0',
            '999992,Made-up,Carbon dioxide,"kg/2022 USD, purchaser price",1.0,0.25,1.25,9999B0',
            '999992,Made-up,Methane,"kg/2022 USD, purchaser price",0.0178571,0,0.0178571,9999B0',
        ],
    )
    out1, out2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert build.main([str(co2e), "--by-gas", str(gas), "-o", str(out1)]) == 0
    assert build.main([str(co2e), "--by-gas", str(gas), "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    lp = load_pack(out1)
    assert [f.entry.id for f in lp.factors.values()] == ["naics/999991", "naics/999992"]
    f = lp.factors["naics/999992"]
    assert (f.entry.co2e.value, f.entry.co2e.gwp_set) == (1.75, "AR5")
    assert (
        f.entry.name
        == "Made-up Widgets, Other (NAICS 999992), kg CO2e per 2022 USD purchaser price"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"999991,W,All GHGs,{_UNIT},0.1,0.02,0.2,9999A0", "with margins"),
        ('999991,W,All GHGs,"kg CO2e/2021 USD, purchaser price",0.1,0.02,0.12,9999A0', "unit"),
        (f"99999,W,All GHGs,{_UNIT},0.1,0.02,0.12,9999A0", "six-digit"),
        (f"999991,W,All GHGs,{_UNIT},nan,0.02,0.12,9999A0", "finite"),
    ],
)
def test_build_script_refuses_a_file_unlike_the_publishers(tmp_path, row, message, build_script):
    build = build_script("us_epa_supply_chain")
    co2e, gas = _write(tmp_path, [row], [])
    with pytest.raises(SystemExit, match=message):
        build.main([str(co2e), "--by-gas", str(gas), "-o", str(tmp_path / "out.yaml")])


def test_build_script_refuses_co2e_that_the_by_gas_file_contradicts(tmp_path, build_script):
    build = build_script("us_epa_supply_chain")
    co2e, gas = _write(
        tmp_path,
        [f"999991,W,All GHGs,{_UNIT},0.1,0.02,0.12,9999A0"],
        ['999991,W,Methane,"kg/2022 USD, purchaser price",0.1,0.02,0.12,9999A0'],
    )
    with pytest.raises(SystemExit, match="by-gas x AR5"):
        build.main([str(co2e), "--by-gas", str(gas), "-o", str(tmp_path / "out.yaml")])
