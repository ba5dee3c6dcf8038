"""The us-egrid pack: it loads, its rates are EPA's eGRID2023 rev2 figures, the per-gas
rates reproduce EPA's own CO2e under AR5, and 1,000 MWh give the hand-computed tonnes.

EPA figures typed below: eGRID2023 revision 2 (data year 2023) total output emission
rates, lb/MWh, as in EPA's Power Profiler data file (USEPA/power-profiler,
app/data/subregion.json as of commit 9463d66, June 2025: co2EmissionRate = SRCO2RTA, co2eEmissionRate =
SRC2ERTA) and, for CH4 and N2O, cells X/Y of sheet SRL23 of egrid2023_data_rev2.xlsx."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry, load_pack

ROOT = Path(__file__).resolve().parents[1]
PACK_FILE = ROOT / "emission_factors" / "us-egrid.yaml"
REG = default_registry()
LB = 0.45359237  # kg per lb (exact)

# acronym: (CO2, CH4, N2O, EPA's CO2e), lb/MWh
EPA = {
    "AKGD": (899.633, 0.086, 0.012, 905.109),
    "AKMS": (520.483, 0.026, 0.004, 522.4),
    "AZNM": (703.703, 0.039, 0.005, 706.189),
    "CAMX": (428.464, 0.025, 0.003, 429.983),
    "ERCT": (733.862, 0.043, 0.006, 736.629),
    "FRCC": (782.262, 0.041, 0.005, 784.785),
    "HIMS": (1123.371, 0.146, 0.022, 1133.294),
    "HIOA": (1489.548, 0.134, 0.021, 1498.947),
    "MROE": (1397.313, 0.116, 0.017, 1404.963),
    "MROW": (920.13, 0.097, 0.014, 926.552),
    "NEWE": (539.275, 0.063, 0.008, 543.178),
    "NWPP": (631.735, 0.054, 0.008, 635.267),
    "NYCW": (864.469, 0.022, 0.002, 865.744),
    "NYLI": (1180.672, 0.14, 0.018, 1189.333),
    "NYUP": (242.089, 0.011, 0.001, 242.776),
    "PRMS": (1543.073, 0.077, 0.012, 1548.53),
    "RFCE": (596.904, 0.036, 0.005, 599.17),
    "RFCM": (970.617, 0.082, 0.012, 975.978),
    "RFCW": (911.424, 0.071, 0.01, 916.054),
    "RMPA": (1036.601, 0.09, 0.013, 1042.539),
    "SPNO": (861.999, 0.087, 0.012, 867.74),
    "SPSO": (872.042, 0.054, 0.008, 875.567),
    "SRMV": (739.72, 0.032, 0.004, 741.741),
    "SRMW": (1239.839, 0.132, 0.019, 1248.582),
    "SRSO": (842.329, 0.056, 0.008, 846.007),
    "SRTV": (898.079, 0.079, 0.011, 903.306),
    "SRVC": (593.419, 0.045, 0.006, 596.326),
    "US": (767.209, 0.057, 0.008, 770.884),
}


def _ref(acronym: str) -> str:
    return "us-egrid/us/2023" if acronym == "US" else f"us-egrid/subregion/{acronym}/2023"


def test_pack_loads_through_the_registry():
    lp = load_pack(PACK_FILE, bundled=True)
    assert lp.id == "us-egrid"
    assert "us-egrid" in bundled_factor_pack_ids()
    assert len(lp.factors) == len(EPA) == 28
    for f in lp.factors.values():
        assert f.activity_unit == "MWh"
        assert {g.unit for g in f.entry.gases.values()} == {"lb/MWh"}
        assert (f.entry.data_year, f.entry.valid.from_, f.entry.valid.to) == (2023, 2023, None)


@pytest.mark.parametrize("acronym", sorted(EPA))
def test_rates_are_epas_and_reproduce_epas_co2e_under_ar5(acronym):
    co2, ch4, n2o, co2e = EPA[acronym]
    f = REG.resolve(_ref(acronym))
    g = f.entry.gases
    assert (g["CO2"].value, g["CH4"].value, g["N2O"].value) == (co2, ch4, n2o)
    assert f.entry.region == acronym
    # EPA's CO2e is computed from unrounded rates: the three printed rates reproduce it
    # within their rounding, 0.0005 x (1 + 28 + 265) lb/MWh
    assert co2 + 28 * ch4 + 265 * n2o == pytest.approx(co2e, abs=0.147)


@pytest.fixture
def us_inventory(pack_inventory):
    def build(sources, gwp):
        return pack_inventory(["us-egrid"], sources, gwp=gwp, region="US")

    return build


def _grid(ref: str, mwh: float) -> dict:
    return {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "factor": ref,
        "activity": {"amount": mwh, "unit": "MWh"},
    }


def test_1000_mwh_in_camx_by_hand(us_inventory):
    res = nc.calculate(us_inventory([_grid("us-egrid/subregion/CAMX/2023", 1000)], "AR5"))
    t = res.totals()
    # 1000 MWh x 428.464 lb CO2/MWh x 0.45359237 kg/lb = 194 350.66 kg = 194.35066... t CO2
    assert t["by_gas_mass_t"]["CO2"] == pytest.approx(1000 * 428.464 * LB / 1000, rel=1e-12)
    # AR5: 1000 MWh x (428.464 + 0.025 x 28 + 0.003 x 265) lb/MWh = 429 959 lb = 195.02612181283 t CO2e
    assert t["gross_co2e_t"] == pytest.approx(195.02612181283, rel=1e-12)


def test_1000_mwh_in_camx_under_ar6(us_inventory):
    res = nc.calculate(us_inventory([_grid("us-egrid/subregion/CAMX/2023", 1000)], "AR6"))
    # AR6: CH4 fossil 29.8 (power-plant combustion), N2O 273:
    # 1000 x (428.464 + 0.025 x 29.8 + 0.003 x 273) lb x 0.45359237 kg/lb / 1000
    assert res.totals()["gross_co2e_t"] == pytest.approx(
        (428.464 + 0.025 * 29.8 + 0.003 * 273) * LB, rel=1e-12
    )


def test_us_average_in_kwh(us_inventory):
    res = nc.calculate(
        us_inventory(
            [{**_grid("us-egrid/us/2023", 0), "activity": {"amount": 2_500_000, "unit": "kWh"}}],
            "AR5",
        )
    )
    # 2 500 MWh x (767.209 + 0.057 x 28 + 0.008 x 265) lb/MWh x 0.45359237 kg/lb
    assert res.totals()["gross_co2e_t"] == pytest.approx(2.5 * 770.925 * LB, rel=1e-12)


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="build script uses only the stdlib; run on 3.11+"
)
def test_build_script_refuses_rates_that_miss_epas_co2e(tmp_path, build_script):
    build = build_script("us_egrid")

    def feature(name, kind, co2, co2e):
        return {
            "properties": {
                "name": name,
                "fullName": name,
                "type": kind,
                "dataYear": 2023,
                "emissionFactor": {
                    "co2EmissionRate": {"value": co2, "units": "lb/MWh"},
                    "co2eEmissionRate": {"value": co2e, "units": "lb/MWh"},
                },
            }
        }

    good = {
        "features": [
            feature("US" if k == "US" else k, "national" if k == "US" else "subregion", v[0], v[3])
            for k, v in EPA.items()
        ]
    }
    src = tmp_path / "subregion.json"
    src.write_text(json.dumps(good), encoding="utf-8")
    out1, out2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert build.main([str(src), "-o", str(out1)]) == 0
    assert build.main([str(src), "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert len(load_pack(out1).factors) == 28

    bad = json.loads(json.dumps(good))
    bad["features"][3]["properties"]["emissionFactor"]["co2eEmissionRate"]["value"] = 430.5  # CAMX
    src.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(SystemExit, match="CAMX: CO2 \\+ AR5 CH4/N2O misses EPA's CO2e"):
        build.main([str(src), "-o", str(out1)])
