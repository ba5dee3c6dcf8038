"""Factor packs and the registry: validated on load, cited, resolved deterministically."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nqi_carbon.data.factors import FactorRegistry, load_pack
from nqi_carbon.errors import InvalidInputError, PackError, UnknownFactorError

PACKS = Path(__file__).resolve().parent / "data" / "packs"
TESTPACK = PACKS / "testpack.yaml"


@pytest.mark.parametrize(
    ("name", "code", "where"),
    [
        ("unresolved_reference", "references_resolve", "'nope' is not defined"),
        ("missing_reference", "missing", "factors[0].reference"),
        ("reference_without_url", "missing", "references[0].url"),
        ("unknown_gas", "gas_names_known", "HFC-999"),
        ("wrong_unit_dimension", "gas_units_are_mass_per_activity", "not a mass per 'TJ'"),
        ("duplicate_id", "ids_unique", "'stationary/natural_gas' is defined twice"),
        ("negative_value", "greater_than_equal", "factors[0].gases.CO2.value"),
        ("nan_value", "finite_number", "factors[0].gases.CO2.value"),
        ("unknown_key", "extra_forbidden", "factors[0].colour"),
        ("unknown_fuel", "factor_fuels_exist", "unobtainium"),
        ("bad_version", "string_pattern_mismatch", "version"),
        ("python_tag", "yaml_unsafe_tag", "python/object"),
        ("alias_bomb", "yaml_alias_expansion", "aliases expand"),
    ],
)
def test_broken_pack_is_refused_with_pack_entry_and_field(name, code, where):
    path = PACKS / f"broken_{name}.yaml"
    with pytest.raises(PackError) as exc:
        load_pack(path)
    text = str(exc.value)
    assert f"broken_{name}.yaml" in text
    assert code in [i.code for i in exc.value.issues], text
    assert where in text


def test_user_pack_resolves_with_citation():
    reg = FactorRegistry([TESTPACK])
    f = reg.resolve("testpack/stationary/natural_gas")
    assert f.entry.gases is not None
    assert f.entry.gases["CO2"].value == 56100
    assert "Table 2.2" in f.citation_text("CO2")
    assert f.pack_version == "0.0.1"
    assert reg.resolve("testpack@0.0.1/stationary/natural_gas") is f
    assert reg.resolve_fuel("testpack/fuel/natural_gas").entry.ncv is not None


def test_version_mismatch_and_close_matches():
    reg = FactorRegistry([TESTPACK])
    with pytest.raises(UnknownFactorError, match=r"at version 0\.0\.1, not 9\.9\.9"):
        reg.resolve("testpack@9.9.9/stationary/natural_gas")
    with pytest.raises(UnknownFactorError, match="did you mean 'testpack/stationary/natural_gas'"):
        reg.resolve("testpack/stationary/natural-gas")
    with pytest.raises(UnknownFactorError, match="no pack 'testpak'"):
        reg.resolve("testpak/stationary/natural_gas")


def test_user_pack_may_not_shadow_a_bundled_pack(tmp_path):
    text = TESTPACK.read_text().replace("id: testpack", "id: gwp-ipcc-x", 1)
    p = tmp_path / "x.yaml"
    p.write_text(text)
    FactorRegistry([p])  # its own id: fine
    from nqi_carbon.data.factors import bundled_factor_pack_ids

    bundled = bundled_factor_pack_ids()
    if bundled:
        p.write_text(TESTPACK.read_text().replace("id: testpack", f"id: {bundled[0]}", 1))
        with pytest.raises(PackError, match="user_pack_shadows_bundled"):
            FactorRegistry([p])


def test_inline_factor_may_not_start_with_a_pack_id():
    from nqi_carbon.data.factor_schema import FactorEntry

    inline = FactorEntry.model_validate(
        {
            "id": "testpack/stationary/natural_gas",
            "gases": {"CO2": {"value": 1, "unit": "t/t"}},
            "reference": "mine",
        }
    )
    with pytest.raises(PackError, match="inline_factor_shadows_pack"):
        FactorRegistry([TESTPACK], [inline])


def test_inline_factor_activity_unit_read_from_gas_units():
    from nqi_carbon.data.factor_schema import FactorEntry

    f = FactorEntry.model_validate(
        {
            "id": "supplier/clinker",
            "gases": {"CO2": {"value": 0.52, "unit": "t/t", "uncertainty": 0.05}},
            "reference": "Supplier EPD 2024, table 3",
        }
    )
    assert f.activity_unit == "t"
    reg = FactorRegistry([], [f])
    assert reg.resolve("supplier/clinker").pack_id == "inventory"


def test_search_by_text_gas_region_year():
    reg = FactorRegistry([TESTPACK])
    ids = [f.ref for f in reg.search("grid", year=2022) if f.pack_id == "testpack"]
    assert ids == ["testpack/grid/a", "testpack/grid/zero"]
    assert [f.ref for f in reg.search("grid", year=2030) if f.pack_id == "testpack"] == [
        "testpack/grid/zero"
    ]
    assert all("CH4" in (f.entry.gases or {}) for f in reg.search(gas="CH4"))


def test_pack_hash_ignores_formatting_but_not_values(tmp_path):
    a = load_pack(TESTPACK)
    p = tmp_path / "same.yaml"
    p.write_text("# a comment\n" + TESTPACK.read_text())
    assert load_pack(p).sha256 == a.sha256
    p.write_text(TESTPACK.read_text().replace("56100", "56101"))
    assert load_pack(p).sha256 != a.sha256


def test_lookups_identical_across_processes():
    code = textwrap.dedent(
        f"""
        from nqi_carbon.data.factors import FactorRegistry
        reg = FactorRegistry([{str(TESTPACK)!r}])
        print([f.ref for f in reg.search()], reg.pack("testpack").sha256)
        """
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


# --- adversarial review 2026-11-27: pins, inline references, suggestions, fuels, search ---


def _inventory_file(tmp_path, factor_packs, body, *, region="CN", start="2024-01-01"):
    end = f"{int(start[:4]) + 1}-01-01"
    text = (
        "schema: nqi-carbon/inventory@1\n"
        'organization: {name: T, id: "1", consolidation: operational_control}\n'
        f"period: {{start: {start}, end: {end}}}\n"
        "gwp: AR6\n"
        f"factor_packs: {factor_packs}\n"
        "facilities:\n"
        f"  - {{id: f, name: F, region: {region}, operational_control: true}}\n"
        + textwrap.dedent(body)
    )
    p = tmp_path / "inv.yaml"
    p.write_text(text, encoding="utf-8")
    return p


_NG_SOURCE = """\
sources:
  - {id: s, facility: f, category: 1, factor: ipcc-2006/stationary/natural_gas,
     activity: {amount: 1, unit: TJ, period: 2024}}
"""


def test_pack_pin_in_factor_packs_is_refused_when_the_version_differs(tmp_path):
    import nqi_carbon as nc
    from nqi_carbon.errors import InvalidInputError

    inv = nc.load_inventory(_inventory_file(tmp_path, "[ipcc-2006@9.9.9]", _NG_SOURCE))
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv)
    (issue,) = exc.value.issues
    assert issue.code == "factor_pack_version"
    assert issue.field == "factor_packs[0]"
    assert issue.value == repr("ipcc-2006@9.9.9")
    assert "1.2.0" in issue.message and "ipcc-2006@1.2.0" in (issue.allowed or "")
    assert issue.file and issue.file.endswith("inv.yaml")


def test_pack_pin_in_factor_packs_is_accepted_when_it_matches(tmp_path):
    import nqi_carbon as nc

    inv = nc.load_inventory(_inventory_file(tmp_path, "[ipcc-2006@1.2.0]", _NG_SOURCE))
    res = nc.calculate(inv)
    packs = {p["id"]: p["version"] for p in res.to_dict()["provenance"]["factor_packs"]}
    assert packs["ipcc-2006"] == "1.2.0"


def test_malformed_pack_pin_is_refused(tmp_path):
    import nqi_carbon as nc
    from nqi_carbon.errors import InvalidInputError

    inv = nc.load_inventory(_inventory_file(tmp_path, "[ipcc-2006@1.0]", _NG_SOURCE))
    with pytest.raises(InvalidInputError, match=r"MAJOR\.MINOR\.PATCH") as exc:
        nc.calculate(inv)
    assert exc.value.issues[0].code == "factor_pack_version"


def test_user_pack_path_pin(tmp_path):
    import shutil

    import nqi_carbon as nc
    from nqi_carbon.errors import InvalidInputError

    shutil.copy(TESTPACK, tmp_path / "testpack.yaml")
    body = """\
    sources:
      - {id: s, facility: f, category: 1, factor: testpack/stationary/natural_gas,
         activity: {amount: 1, unit: TJ, period: 2024}}
    """
    bad = nc.load_inventory(_inventory_file(tmp_path, "[testpack.yaml@0.0.2]", body))
    with pytest.raises(InvalidInputError, match=r"version available is 0\.0\.1") as exc:
        nc.calculate(bad)
    # the fix names the pack as the inventory lists it: by its path
    assert exc.value.issues[0].allowed == "testpack.yaml@0.0.1, or testpack.yaml without a pin"
    good = nc.load_inventory(_inventory_file(tmp_path, "[testpack.yaml@0.0.1]", body))
    assert nc.calculate(good).total_co2e > 0


def test_registry_allowed_entries_may_pin_a_version():
    with pytest.raises(PackError, match="factor_pack_version"):
        FactorRegistry(allowed=["ipcc-2006@9.9.9"])
    reg = FactorRegistry(allowed=["ipcc-2006@1.2.0"])
    assert reg.pack_ids() == ["ipcc-2006"]
    with pytest.raises(PackError, match=r"version available is 0\.0\.1"):
        FactorRegistry([TESTPACK], pins={"testpack": "0.0.2"})


@pytest.mark.parametrize("reference", ["x", "ab", "   ", " a "])
def test_inline_factor_short_reference_is_a_typed_issue(tmp_path, reference):
    import nqi_carbon as nc
    from nqi_carbon.calc.pipeline import check_references
    from nqi_carbon.errors import InvalidInputError

    body = f"""\
    factors:
      - id: sup/x
        activity_unit: t
        gases: {{CO2: {{value: 1, unit: t/t}}}}
        reference: "{reference}"
    sources:
      - {{id: s, facility: f, category: 1, factor: sup/x, activity: {{amount: 1, unit: t, period: 2024}}}}
    """
    inv = nc.load_inventory(_inventory_file(tmp_path, "[ipcc-2006]", body))
    for run in (check_references, nc.calculate):
        with pytest.raises(InvalidInputError) as exc:
            run(inv)
        (issue,) = exc.value.issues
        assert issue.code == "inline_factor_reference"
        assert (issue.field, issue.source) == ("factors[0].reference", "sup/x")
        assert issue.file and issue.file.endswith("inv.yaml")


def test_factor_gas_key_may_not_be_a_blend():
    from pydantic import ValidationError

    from nqi_carbon.data.factor_schema import FactorEntry

    with pytest.raises(ValidationError, match="is a blend"):
        FactorEntry.model_validate(
            {"id": "x", "gases": {"R-410A": {"value": 1, "unit": "t/t"}}, "reference": "abc"}
        )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("natural_gas", {"ipcc-2006/stationary/natural_gas", "epa-ghg-hub/stationary/natural_gas"}),
        (
            "stationary/natural_gas",
            {"ipcc-2006/stationary/natural_gas", "epa-ghg-hub/stationary/natural_gas"},
        ),
        ("stationary/bituminus", {"epa-ghg-hub/stationary/bituminous"}),
    ],
)
def test_reference_without_its_pack_suggests_matches_in_every_pack(ref, expected):
    reg = FactorRegistry()
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve(ref)
    assert expected <= set(exc.value.matches), exc.value.matches
    assert all("/fuel/" not in m for m in exc.value.matches)


def test_a_fuel_resolves_as_a_fuel_and_is_named_as_one_when_used_as_a_factor():
    reg = FactorRegistry()
    fuel = reg.resolve_fuel("ipcc-2006/fuel/natural_gas")
    ncv = fuel.parameter("ncv")
    assert ncv is not None and ncv.value == 48.0 and ncv.uncertainty is not None
    assert "Table 1.2" in fuel.citation_text("ncv")
    with pytest.raises(UnknownFactorError, match="is a fuel"):
        reg.resolve("ipcc-2006/fuel/natural_gas")
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_fuel("fuel/natural_gas")
    assert "ipcc-2006/fuel/natural_gas" in exc.value.matches


def test_search_matches_id_and_name_before_notes():
    reg = FactorRegistry()
    hits = [f.ref for f in reg.search("national grid", region="CN", year=2022)]
    assert "cn-mee/grid/national/2022" in hits
    assert len(hits) <= 10, hits
    # words found only in notes are still found when nothing has them in id/name/fuel
    only_notes = reg.search("szcbn.com")
    assert only_notes and all("szcbn.com" in (f.entry.notes or "") for f in only_notes)


def test_search_year_matches_validity_or_data_year():
    reg = FactorRegistry()
    hits = {f.ref for f in reg.search(region="CN", year=2022)}
    assert "cn-mee/grid-stats/national/2022" in hits  # data_year 2022, no 'valid'
    assert "cn-mee/grid/national/2022" in hits  # valid 2022-2024
    assert "cn-mee/grid/national/2021" not in hits  # valid 2021 only (cn-mee 2.0.0)
    assert "cn-mee/grid-stats/national/2021" not in hits  # data_year 2021
    assert "cn-mee/grid/national/2019-2020" not in hits
    assert {f.ref for f in reg.search(gas="CO2e")} == {
        f.ref for f in reg.factors() if f.entry.co2e is not None
    }


def test_epa_per_mmbtu_factors_are_valid_from_the_first_hub_edition_read():
    reg = FactorRegistry()
    lp = reg.pack("epa-ghg-hub")
    assert lp.version == "1.0.2"
    from_2024 = {
        "natural_gas",
        "anthracite",
        "bituminous",
        "sub_bituminous",
        "lignite",
        "wood_and_wood_residuals",
        "landfill_gas",
        "propane_gas",
    }
    for fid, f in lp.factors.items():
        assert f.entry.valid is not None
        name = fid.removeprefix("stationary/")
        if name in from_2024 or fid.endswith("-per-short_ton"):
            assert f.entry.valid.from_ == 2024, fid
        else:
            assert f.entry.valid.from_ == 2025, fid  # no Hub edition before 2025 was read
    assert lp.factors["stationary/natural_gas"].entry.gases["CO2"].value == 53.06


def test_a_2024_us_inventory_on_epa_natural_gas_has_no_validity_warning(tmp_path):
    import nqi_carbon as nc

    body = """\
    sources:
      - {id: s, facility: f, category: 1, factor: epa-ghg-hub/stationary/bituminous,
         activity: {amount: 1000, unit: mmBtu, period: 2024}}
    """
    inv = nc.load_inventory(_inventory_file(tmp_path, "[epa-ghg-hub]", body, region="US"))
    res = nc.calculate(inv)
    assert not [f for f in res.findings if f.code == "factor_validity"]


def test_unit_mismatch_hint_names_the_calorific_basis_and_a_per_mass_factor():
    reg = FactorRegistry()
    hint = reg.unit_mismatch_hint(reg.resolve("epa-ghg-hub/stationary/bituminous"), "t")
    assert "heat input" in hint and "GCV" in hint and "HHV" in hint
    assert "names no fuel" in hint
    assert "epa-ghg-hub/stationary/bituminous-per-short_ton" in hint
    # a factor with a fuel reaches energy through the fuel's NCV: nothing to add
    assert reg.unit_mismatch_hint(reg.resolve("ipcc-2006/stationary/natural_gas"), "t") == ""
    # not a per-energy factor
    assert reg.unit_mismatch_hint(reg.resolve("cn-mee/grid/national/2022"), "t") == ""


def test_tonnes_into_an_epa_per_mmbtu_factor_says_why(tmp_path):
    import nqi_carbon as nc
    from nqi_carbon.errors import InvalidInputError

    body = """\
    sources:
      - {id: s, facility: f, category: 1, factor: epa-ghg-hub/stationary/bituminous,
         activity: {amount: 100, unit: t, period: 2024}}
    """
    inv = nc.load_inventory(_inventory_file(tmp_path, "[epa-ghg-hub]", body, region="US"))
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv)
    (issue,) = exc.value.issues
    assert issue.code == "activity_unit_fits_factor"
    assert "HHV" in issue.message and "names no fuel" in issue.message


def test_a_pack_not_listed_in_factor_packs_names_the_whole_id_and_the_fix():
    reg = FactorRegistry(allowed=["cn-mee"])
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve("ipcc-2006/stationary/anthracite")
    msg = str(exc.value)
    assert msg.startswith("unknown factor 'ipcc-2006/stationary/anthracite': "), msg
    assert "not listed in the inventory's factor_packs (cn-mee)" in msg
    assert "add ipcc-2006 to factor_packs" in msg
    assert exc.value.ref == "ipcc-2006/stationary/anthracite"
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_fuel("ipcc-2006/fuel/anthracite")
    msg = str(exc.value)
    assert msg.startswith("unknown fuel 'ipcc-2006/fuel/anthracite': "), msg
    assert "add ipcc-2006 to factor_packs" in msg
    # looking the pack up directly says the same
    with pytest.raises(UnknownFactorError, match="add ipcc-2006 to factor_packs"):
        reg.pack("ipcc-2006")


def test_a_misspelt_fuel_is_an_unknown_fuel_with_close_fuels():
    import pickle

    reg = FactorRegistry()
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_fuel("cn-mee/fuel/anthracit")
    err = exc.value
    assert isinstance(err, KeyError)
    assert str(err).startswith("unknown fuel 'cn-mee/fuel/anthracit': pack 'cn-mee' has no fuel")
    assert err.matches == ["cn-mee/fuel/anthracite"]
    assert "did you mean 'cn-mee/fuel/anthracite'?" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is UnknownFactorError and str(again) == str(err)
    # without a pack: fuels of every pack
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_fuel("fuel/anthracit")
    assert str(exc.value).startswith("unknown fuel 'fuel/anthracit'")
    assert {"cn-mee/fuel/anthracite", "ipcc-2006/fuel/anthracite"} <= set(exc.value.matches)
    # a fuel written without 'fuel/' in a pack that has none close: fuels elsewhere
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_fuel("epa-ghg-hub/fuel/anthracite")
    assert str(exc.value).startswith("unknown fuel ")
    assert "ipcc-2006/fuel/anthracite" in exc.value.matches


def test_a_fuels_region_is_its_packs():
    reg = FactorRegistry()
    assert reg.pack("cn-mee").region == "CN"
    assert reg.pack("ipcc-2006").region == "GLOBAL"
    assert reg.pack("epa-ghg-hub").region == "US"
    assert reg.fuel_region(reg.resolve_fuel("cn-mee/fuel/anthracite")) == "CN"
    assert reg.fuel_region(reg.resolve_fuel("ipcc-2006/fuel/anthracite")) == "GLOBAL"


def test_search_all_finds_fuels_and_factors_and_filters_fuels_by_pack_region():
    reg = FactorRegistry()
    every = {x.ref for x in reg.search_all("anthracite")}
    assert {"cn-mee/fuel/anthracite", "ipcc-2006/fuel/anthracite"} <= every
    assert "ipcc-2006/stationary/anthracite" in every
    # search() itself stays factors only
    assert all("/fuel/" not in f.ref for f in reg.search("anthracite"))
    assert {f.ref for f in reg.search_fuels("anthracite", region="CN")} == {
        "cn-mee/fuel/anthracite"
    }
    assert {x.ref for x in reg.search_all("anthracite", region="GLOBAL")} >= {
        "ipcc-2006/fuel/anthracite"
    }
    assert "cn-mee/fuel/anthracite" not in {
        x.ref for x in reg.search_all("anthracite", region="GLOBAL")
    }
    # a fuel gives CO2 (through its carbon content) and no other gas; it states no years
    assert reg.search_fuels("anthracite", gas="CO2")
    assert reg.search_fuels("anthracite", gas="CH4") == []
    assert reg.search_fuels("anthracite", gas="CO2e") == []
    assert {f.ref for f in reg.search_fuels("anthracite", year=2022)} == {
        "cn-mee/fuel/anthracite",
        "ipcc-2006/fuel/anthracite",
        "fuel-properties/fuel/us_anthracite",  # its heat content per short ton (issue 16)
    }
    fuels = reg.search_fuels(region="CN")
    assert fuels and all(f.pack_id == "cn-mee" for f in fuels)
    assert [f.ref for f in fuels] == sorted(f.ref for f in fuels)


def test_search_ranks_a_whole_name_part_before_a_substring():
    reg = FactorRegistry()
    # 烟煤 (bituminous coal) is only a substring of 无烟煤 (anthracite): bituminous first
    assert [f.ref for f in reg.search_fuels("烟煤")] == [
        "cn-mee/fuel/bituminous_coal",
        "cn-mee/fuel/anthracite",
    ]
    assert reg.search_all("烟煤")[0].ref == "cn-mee/fuel/bituminous_coal"
    # 'coal' as a word of the id or name ranks before 'coal' inside 'charcoal'
    hits = [x.ref for x in reg.search_all("coal")]
    first_charcoal = min(i for i, r in enumerate(hits) if "charcoal" in r)
    assert all("charcoal" in r for r in hits[first_charcoal:]), hits[first_charcoal:]
    # within a rank the order stays by reference
    exact = hits[:first_charcoal]
    assert exact == sorted(exact)
    # a query of two words: items with both as whole parts first
    two = [f.ref for f in reg.search_fuels("bituminous coal")]
    assert two[0] == "cn-mee/fuel/bituminous_coal", two
    assert set(two[:5]) == {
        "cn-mee/fuel/bituminous_coal",
        "fuel-properties/fuel/us_bituminous",  # "Bituminous coal (US)": its heat content
        "fuel-properties/fuel/us_sub_bituminous",
        "ipcc-2006/fuel/other_bituminous_coal",
        "ipcc-2006/fuel/sub_bituminous_coal",
    }


def test_resolve_any_returns_a_factor_or_a_fuel_and_suggests_both():
    from nqi_carbon.data.factors import Factor, Fuel

    reg = FactorRegistry()
    assert isinstance(reg.resolve_any("ipcc-2006/stationary/anthracite"), Factor)
    assert isinstance(reg.resolve_any("cn-mee/fuel/anthracite"), Fuel)
    with pytest.raises(UnknownFactorError) as exc:
        reg.resolve_any("anthracite")
    assert str(exc.value).startswith("unknown factor or fuel 'anthracite'")
    assert {
        "cn-mee/fuel/anthracite",
        "ipcc-2006/fuel/anthracite",
        "ipcc-2006/stationary/anthracite",
    } <= set(exc.value.matches)
    with pytest.raises(UnknownFactorError, match=r"^unknown fuel 'cn-mee/fuel/anthracit'"):
        reg.resolve_any("cn-mee/fuel/anthracit")


def test_listing_only_user_packs_does_not_open_the_bundled_ones():
    import nqi_carbon as nc

    def inv(packs):
        return nc.validate_inventory(
            {
                "schema": "nqi-carbon/inventory@1",
                "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
                "period": {"start": "2024-01-01", "end": "2025-01-01"},
                "gwp": "AR5",
                "factor_packs": packs,
                "facilities": [{"id": "a"}],
                "sources": [
                    {
                        "id": "g",
                        "facility": "a",
                        "category": 1,
                        "factor": "ipcc-2006/stationary/natural_gas",
                        "activity": {"amount": 1, "unit": "TJ"},
                    }
                ],
            }
        )

    with pytest.raises(InvalidInputError, match="not listed"):
        nc.calculate(inv([str(TESTPACK)]))
    assert nc.calculate(inv([str(TESTPACK), "ipcc-2006"])).total_co2e > 0


def test_search_by_category_the_leading_parts_of_the_id():
    reg = FactorRegistry()
    uk = "uk-desnz-2025/hotel-stay/"
    assert [f.ref for f in reg.search(category="hotel-stay", region="GB")] == [
        uk + "uk/room-night",
        uk + "uk_london/room-night",
    ]
    # case-insensitive, and with its pack
    assert len(reg.search(category="Hotel-Stay")) == 39
    assert len(reg.search(category="uk-desnz-2025/hotel-stay")) == 39
    # diesel litres among the DESNZ fuels only (not EPA's mobile diesel per gallon)
    refs = [f.ref for f in reg.search("diesel", unit="L", category="fuels")]
    assert refs and all(r.startswith("uk-desnz-2025/fuels/diesel") for r in refs), refs
    # several parts; a category spans packs (IPCC and EPA Hub stationary combustion)
    flights = reg.search(category="business-travel-air/flights")
    assert flights and all("/business-travel-air/flights/" in f.ref for f in flights)
    assert {f.pack_id for f in reg.search(category="stationary")} == {"ipcc-2006", "epa-ghg-hub"}
    # 'fuel' is the fuels: 烟煤 among them, not the spend factors
    assert [x.ref for x in reg.search_all("烟煤", category="fuel")] == [
        "cn-mee/fuel/bituminous_coal",
        "cn-mee/fuel/anthracite",
    ]
    assert reg.search_fuels(category="hotel-stay") == []
    assert "hotel-stay" in reg.categories() and "fuel" in reg.categories()


@pytest.mark.parametrize(
    "category", ["hotel", "", "hotel-stay/", "fuel//diesel", "ipcc-2006/hotel-stay"]
)
def test_search_refuses_a_category_no_entry_has(category):
    reg = FactorRegistry()
    with pytest.raises(InvalidInputError, match="no factor or fuel is in category") as ei:
        reg.search(category=category)
    (issue,) = ei.value.issues
    assert issue.code == "unknown_factor_category" and issue.field == "category"
    assert issue.value == repr(category) and "hotel-stay" in (issue.allowed or "")
