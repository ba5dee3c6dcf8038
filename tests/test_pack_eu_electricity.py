"""The eu-electricity pack: it loads, its values are the EEA's, and a German office gives the
hand total.

Figures typed below are rows of the EEA's CSV download of dataset co2-emission-intensity-6
("CO2 emission intensity of electricity generation", columns Date:year, Member State:text,
index:number in g CO2/kWh), year 2018, as printed there (102.0 is 102)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry, load_pack

ROOT = Path(__file__).resolve().parents[1]
PACK_FILE = ROOT / "emission_factors" / "eu-electricity.yaml"
REG = default_registry()

# EEA co2-emission-intensity-6, 2018 rows: member state -> (ISO code, g CO2/kWh)
PUBLISHED = {
    "Germany": ("DE", 406),
    "France": ("FR", 54),
    "Poland": ("PL", 789),
    "Sweden": ("SE", 13),
    "Greece": ("GR", 662),
    "Estonia": ("EE", 900),
    "Lithuania": ("LT", 65),
}


def test_pack_loads_through_the_registry():
    lp = load_pack(PACK_FILE, bundled=True)
    assert lp.id == "eu-electricity" and lp.version == "1.0.0"
    assert "eu-electricity" in bundled_factor_pack_ids()
    assert len(lp.factors) == 28  # 27 member states and the EU-27
    assert "re-use" in lp.pack.licence and "acknowledged" in lp.pack.licence
    assert "AIB" in lp.pack.verification  # residual mixes: said to be absent, not invented
    regions = set()
    for f in lp.factors.values():
        e = f.entry
        assert f.activity_unit == "kWh" and set(e.gases or {}) == {"CO2"}
        assert e.gases["CO2"].unit == "g/kWh"
        assert e.data_year == 2018 and e.valid.from_ == 2018 and e.valid.to is None
        regions.add(e.region)
    assert len(regions) == 28 and "EU" in regions and "GR" in regions


@pytest.mark.parametrize(("state", "row"), sorted(PUBLISHED.items()))
def test_values_are_the_eeas(state, row):
    code, value = row
    f = REG.resolve(f"eu-electricity/country/{code}/2018")
    assert f.entry.gases["CO2"].value == value
    assert f.entry.region == code and f"row '{state}'" in (f.entry.notes or "")


def test_eu27_value():
    assert REG.resolve("eu-electricity/eu27/2018").entry.gases["CO2"].value == 287


def test_german_office_by_hand(pack_inventory):
    inv = pack_inventory(
        ["eu-electricity"],
        [
            {
                "id": "grid",
                "facility": "a",
                "category": 2,
                "factor": "eu-electricity/country/DE/2018",
                "activity": {"amount": 250, "unit": "MWh"},
            }
        ],
        region="DE",
        year=2018,
    )
    res = nc.calculate(inv)
    # 250 000 kWh x 406 g CO2/kWh = 101 500 000 g = 101.5 t CO2
    assert res.totals()["gross_co2e_t"] == pytest.approx(101.5, rel=1e-12)
    assert not [f for f in res.findings if f.code in ("factor_validity", "factor_region")]


def test_search_finds_a_member_state_by_region_and_unit():
    refs = [f.ref for f in REG.search("electricity", region="DE", unit="MWh")]
    assert "eu-electricity/country/DE/2018" in refs


_HEADER = (
    "Date:year,Member State:text,index:number,"
    "Indicative level - high:number,Indicative level - low:number\n"
)


def _csv(build, overrides: dict[str, str]) -> str:
    lines = [_HEADER]
    for name, value in build.SECOND.items():
        lines.append(f"2018,{name},{overrides.get(name, str(value) + '.0')},,\n")
    lines.append("2019,Germany,338.0,,\n")
    return "".join(lines)


def test_build_script_is_deterministic_and_checks_the_second_transcription(
    tmp_path, build_script
):
    # a made-up file in the EEA layout (not the publisher's bytes): --any-file
    build = build_script("eu_electricity")
    src = tmp_path / "eea.csv"
    src.write_text(_csv(build, {}), encoding="utf-8")
    out1, out2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert build.main([str(src), "-o", str(out1), "--any-file"]) == 0
    assert build.main([str(src), "-o", str(out2), "--any-file"]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert len(load_pack(out1).factors) == 28
    assert build.main([str(src), "-o", str(out1)]) == 1  # not the verified file
    src.write_text(_csv(build, {"Germany": "407.0"}), encoding="utf-8")
    with pytest.raises(SystemExit, match="Germany: 407 here, 406 in the second transcription"):
        build.main([str(src), "-o", str(out1), "--any-file"])
    src.write_text(_csv(build, {"Malta": "-1"}), encoding="utf-8")
    with pytest.raises(SystemExit, match="not a non-negative number"):
        build.main([str(src), "-o", str(out1), "--any-file"])
