"""Gas species and blends: names normalised, groups refused, compositions sound."""

from __future__ import annotations

import pytest

import nqi_carbon as nc
from nqi_carbon.data.gases import gas_pack, species_ids
from nqi_carbon.errors import UnknownSpeciesError


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


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("R-134x", ["R-134a", "HFC-134a"]),
        ("R-32a", ["R-32", "HFC-32"]),
        ("R-22a", ["R-22", "HCFC-22"]),
        ("r134x", ["R-134a", "HFC-134a"]),
        ("HFC-134x", ["HFC-134a"]),
        ("R410", ["R-410A"]),
        ("HFC-43-10", ["HFC-43-10mee"]),
    ],
)
def test_unknown_gas_suggests_the_alias_it_resembles_and_its_canonical_id_first(typed, first):
    with pytest.raises(UnknownSpeciesError) as exc:
        nc.normalise_gas(typed)
    matches = exc.value.matches
    assert matches[: len(first)] == first, matches
    assert f"did you mean {' or '.join(repr(m) for m in first)}" in str(exc.value)
    # every suggestion is itself an accepted spelling, and no gas is suggested twice
    canonical = [nc.normalise_gas(m) for m in matches]
    assert len(set(canonical)) <= 3
    for m in matches:
        assert nc.normalise_gas(m) in canonical


def test_unknown_gas_far_from_every_name_gets_no_suggestion():
    with pytest.raises(UnknownSpeciesError) as exc:
        nc.normalise_gas("xyzzy")
    assert exc.value.matches == []
    assert "did you mean" not in str(exc.value)


def test_close_matches_with_a_key_compares_the_keyed_forms():
    from nqi_carbon.errors import close_matches

    def key(s: str) -> str:
        return s.replace("-", "").lower()

    # without a key, hyphens count against 'R134x'; with one, R-134a is as close as R134a
    assert close_matches("R134x", ["R-134a", "R134a"], key=key) == ["R-134a"]
    assert close_matches("R134x", ["R134a", "R-134a"], key=key) == ["R134a"]
    assert close_matches("zzz", ["R-134a"], key=key) == []
    assert close_matches("natgas", ["natural_gas", "nat_gas"])[0] == "nat_gas"  # no key: as before


@pytest.mark.parametrize(
    ("name", "species"),
    [
        ("methane", "CH4"),
        ("Carbon Dioxide", "CO2"),
        ("nitrous oxide", "N2O"),
        ("sulfur hexafluoride", "SF6"),
        ("sulphur hexafluoride", "SF6"),
        ("1,1,1,2-tetrafluoroethane", "HFC-134a"),
    ],
)
def test_chemical_names_resolve_to_the_species(name, species):
    assert nc.normalise_gas(name) == species


def test_issue18_species_kyoto_membership():
    kyoto = set(species_ids(kyoto_only=True))
    assert "c-C3F6" in kyoto and nc.gas_group("c-C3F6") == "PFCs"
    for sp in ("SF5CF3", "SO2F2", "HCFC-123", "HCFC-141b", "HFE-125", "HFE-347mcc3"):
        assert sp not in kyoto, sp
        assert nc.gas_group(sp) is None, sp
    assert nc.normalise_gas("1717-00-6") == "HCFC-141b"
    assert nc.normalise_gas("931-91-9") == "c-C3F6"
