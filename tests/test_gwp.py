"""GWP sets: equal to the oracle package, blends Kyoto-only, CO2e carries its set."""

from __future__ import annotations

import globalwarmingpotentials as oracle
import pytest

import nqi_carbon as nc
from nqi_carbon.data.gases import species_ids
from nqi_carbon.data.gwp import gwp_pack
from nqi_carbon.errors import GWPSetMismatchError, MissingGWPError, UnknownGWPSetError

ORACLE_SETS = {"SAR": "SARGWP100", "AR4": "AR4GWP100", "AR5": "AR5GWP100", "AR6": "AR6GWP100"}


def _oracle_name(species_id: str) -> str:
    return species_id.replace("-", "").replace("(", "").replace(")", "")


def test_every_value_the_oracle_has_is_equal():
    compared = 0
    for ours, theirs in ORACLE_SETS.items():
        table = oracle.data[theirs]
        for sp in species_ids():
            name = _oracle_name(sp)
            if name not in table or table[name] is None or table[name] != table[name]:
                continue
            assert nc.gwp(sp, ours) == pytest.approx(float(table[name]), rel=1e-12), (ours, sp)
            compared += 1
    assert compared >= 130  # the oracle covers >= 130 (species, set) pairs we ship


def test_every_requested_species_is_covered():
    required = [
        "CO2",
        "CH4",
        "N2O",
        "SF6",
        "NF3",
        "HFC-23",
        "HFC-32",
        "HFC-41",
        "HFC-43-10mee",
        "HFC-125",
        "HFC-134",
        "HFC-134a",
        "HFC-143",
        "HFC-143a",
        "HFC-152a",
        "HFC-227ea",
        "HFC-236fa",
        "HFC-245ca",
        "HFC-245fa",
        "HFC-365mfc",
        "CF4",
        "C2F6",
        "C3F8",
        "c-C4F8",
        "C4F10",
        "C5F12",
        "C6F14",
    ]
    for sp in required:
        for s in ("AR4", "AR5", "AR6"):
            assert nc.gwp(sp, s) > 0, (sp, s)


@pytest.mark.parametrize(
    ("species", "gwp_set", "value"),
    [
        ("CH4", "AR5", 28),
        ("N2O", "AR5", 265),
        ("CH4", "AR6", 27.9),
        ("N2O", "AR6", 273),
        ("SF6", "AR6", 25200),
        ("NF3", "AR6", 17400),
        ("HFC-134a", "AR4", 1430),
        ("CF4", "AR6", 7380),
        ("CH4", "SAR", 21),
    ],
)
def test_spot_values(species, gwp_set, value):
    assert nc.gwp(species, gwp_set) == value


def test_ar6_methane_by_origin():
    assert nc.gwp("CH4", "AR6", origin="fossil") == 29.8
    assert nc.gwp("CH4", "AR6", origin="non_fossil") == 27.0
    assert nc.gwp("CH4", "AR6") == 27.9
    assert nc.gwp("CH4", "AR5", origin="fossil") == 28  # one value in AR5
    assert "7.15" in (nc.gwp_citation("CH4", "AR6", "fossil").table or "")
    assert "7.SM.7" in (nc.gwp_citation("CH4", "AR6").table or "")


@pytest.mark.parametrize(
    ("blend", "gwp_set", "value"),
    [
        ("R-404A", "AR4", 3921.6),
        ("R-410A", "AR4", 2087.5),
        ("R-401A", "AR4", 16.12),
        ("R-410A", "AR6", 2255.5),
        ("R-407C", "AR4", 1773.85),
        ("R-409A", "AR4", 0.0),
    ],
)
def test_blend_gwp_kyoto_only(blend, gwp_set, value):
    assert nc.gwp(blend, gwp_set) == pytest.approx(value, rel=1e-12, abs=1e-12)


def test_blend_all_constituents_when_asked():
    # R-401A with its HCFCs counted: 0.53 x 1810 + 0.13 x 124 + 0.34 x 609 = 1182.48 (AR4; openscm-units prints 1182.5)
    assert nc.blend_gwp("R-401A", "AR4", kyoto_only=False) == pytest.approx(1182.48, rel=1e-12)
    with pytest.raises(MissingGWPError):
        nc.blend_gwp("R-422A", "AR4", kyoto_only=False)  # isobutane has no AR4 GWP


def test_unknown_and_missing():
    with pytest.raises(UnknownGWPSetError, match="available: AR4, AR5, AR6, SAR"):
        nc.gwp("CH4", "AR7")
    with pytest.raises(MissingGWPError, match="'SAR' gives no value for 'NF3'"):
        nc.gwp("NF3", "SAR")


def test_co2e_carries_its_set_and_refuses_to_mix():
    a = nc.to_co2e(1.0, "CH4", "AR5")
    b = nc.to_co2e(1.0, "CH4", "AR6")
    assert a.tonnes == 28 and a.gwp_set == "AR5"
    assert (a + a).tonnes == 56
    assert sum([a, a, a]).tonnes == 84
    with pytest.raises(GWPSetMismatchError, match="'AR5' with CO2e under 'AR6'"):
        _ = a + b
    with pytest.raises(TypeError, match="convert it to CO2e"):
        _ = a + 5.0


def test_gwp_pack_references_resolve_and_hash_is_stable():
    pack, sha = gwp_pack()
    ids = pack.reference_ids()
    for s in pack.sets:
        assert s.reference in ids
    assert len(sha) == 64
    assert gwp_pack()[1] == sha


# Issue 18: species added in gwp-ipcc 1.1.0. AR5 figures are the publisher's own, as printed
# in UK DESNZ GHG conversion factors 2025 ('Refrigerant & other', kg CO2e per kg) and
# 40 CFR 98 Table A-1 (2024); AR6 figures are Table 7.SM.7's GWP-100 column.
@pytest.mark.parametrize(
    ("name", "gwp_set", "value"),
    [
        ("c-C3F6", "AR5", 9200),
        ("SF5CF3", "AR4", 17700),
        ("SF5CF3", "AR5", 17400),
        ("SF5CF3", "AR6", 18500),
        ("SO2F2", "AR5", 4090),
        ("sulfuryl fluoride", "AR6", 4630),
        ("HCFC-123", "AR5", 79),
        ("R-123", "AR6", 90.4),
        ("HCFC-141b", "AR5", 782),
        ("R141b", "AR6", 860),
        ("HFE-125", "AR5", 12400),
        ("HFE-7000", "AR5", 530),
        ("HG-10", "AR5", 5350),
        ("HFE-43-10pccc124", "AR5", 2820),
        ("HFE-569sf2", "AR5", 57),
        ("HFE-374pc2", "AR6", 12.5),
        ("desflurane", "AR6", 2590),
    ],
)
def test_issue18_species(name, gwp_set, value):
    assert nc.gwp(name, gwp_set) == value


@pytest.mark.parametrize(
    ("name", "gwp_set"),
    [("c-C3F6", "AR4"), ("c-C3F6", "AR6"), ("SO2F2", "AR4"), ("HFE-365mcf3", "AR5")],
)
def test_issue18_values_without_a_single_source_number_are_absent(name, gwp_set):
    # AR4 gives '>17,340' for c-C3F6, 7.SM.7 has no row for it; SO2F2 is not in the 2016
    # table; the sources disagree on AR5 HFE-365mcf3 (1, 0.99, 0.5).
    with pytest.raises(MissingGWPError, match="gives no value"):
        nc.gwp(name, gwp_set)
