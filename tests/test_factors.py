"""Factor packs and the registry: validated on load, cited, resolved deterministically."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nqi_carbon.errors import PackError, UnknownFactorError
from nqi_carbon.factors import FactorRegistry, load_pack

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
    from nqi_carbon.factors import bundled_factor_pack_ids

    bundled = bundled_factor_pack_ids()
    if bundled:
        p.write_text(TESTPACK.read_text().replace("id: testpack", f"id: {bundled[0]}", 1))
        with pytest.raises(PackError, match="user_pack_shadows_bundled"):
            FactorRegistry([p])


def test_inline_factor_may_not_start_with_a_pack_id():
    from nqi_carbon._factor_schema import FactorEntry

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
    from nqi_carbon._factor_schema import FactorEntry

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
        from nqi_carbon.factors import FactorRegistry
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
