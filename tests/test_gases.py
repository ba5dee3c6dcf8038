"""Gas species and blends: names normalised, groups refused, compositions sound."""

from __future__ import annotations

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import UnknownSpeciesError
from nqi_carbon.gases import gas_pack, species_ids


@pytest.mark.parametrize(
    "name", ["HFC-134a", "HFC134a", "R-134a", "R134a", "hfc-134a", "811-97-2", " HFC 134a "]
)
def test_hfc134a_spellings(name):
    assert nc.normalise_gas(name) == "HFC-134a"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("r410a", "R-410A"),
        ("R410A", "R-410A"),
        ("SF6", "SF6"),
        ("2551-62-4", "SF6"),
        ("R-14", "CF4"),
        ("PFC-14", "CF4"),
        ("cC4F8", "c-C4F8"),
        ("HFC4310mee", "HFC-43-10mee"),
    ],
)
def test_other_spellings(name, canonical):
    assert nc.normalise_gas(name) == canonical


@pytest.mark.parametrize("name", ["HFC", "HFCs", "PFCs", "PFC", "CO2e", "GHG"])
def test_group_names_are_ambiguous(name):
    with pytest.raises(UnknownSpeciesError, match="names a group of gases"):
        nc.normalise_gas(name)


def test_unknown_gas_suggests():
    with pytest.raises(UnknownSpeciesError, match="did you mean"):
        nc.normalise_gas("HFC-134x")


def test_kyoto_basket_and_groups():
    kyoto = species_ids(kyoto_only=True)
    assert {"CO2", "CH4", "N2O", "SF6", "NF3", "HFC-23", "CF4"} <= set(kyoto)
    assert "HCFC-22" not in kyoto
    assert nc.gas_group("HFC-134a") == "HFCs"
    assert nc.gas_group("C2F6") == "PFCs"
    assert nc.gas_group("HCFC-22") is None


REQUIRED_BLENDS = [
    "R-404A",
    "R-407A",
    "R-407C",
    "R-407F",
    "R-410A",
    "R-417A",
    "R-422D",
    "R-427A",
    "R-438A",
    "R-448A",
    "R-449A",
    "R-452A",
    "R-454B",
    "R-507A",
    "R-508B",
    "R-513A",
    "R-401A",
    "R-402A",
    "R-402B",
    "R-408A",
    "R-409A",
]


@pytest.mark.parametrize("name", REQUIRED_BLENDS)
def test_required_blends_split_by_mass(name):
    parts = nc.split_blend(name, 100.0)
    assert sum(parts.values()) == pytest.approx(100.0, rel=1e-12)
    assert nc.is_blend(name)


def test_r410a_composition_and_r500_uses_152a():
    assert nc.split_blend("R-410A", 1.0) == {"HFC-125": 0.5, "HFC-32": 0.5}
    assert "HFC-152a" in nc.split_blend("R-500", 1.0)


def test_pack_has_unique_names_and_cited_entries():
    pack, sha = gas_pack()
    assert len(sha) == 64
    ids = pack.reference_ids()
    assert all(s.reference in ids for s in pack.species)
    assert all(b.reference in ids for b in pack.blends)
    cas = [s.cas for s in pack.species if s.cas]
    assert len(cas) == len(set(cas))
    for s in pack.species:  # CAS check digit
        if s.cas:
            digits = s.cas.replace("-", "")
            body, check = digits[:-1], int(digits[-1])
            assert sum((i + 1) * int(d) for i, d in enumerate(reversed(body))) % 10 == check, s.id
