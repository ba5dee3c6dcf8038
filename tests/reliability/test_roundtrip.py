"""No data lost: load -> save -> load is lossless for inventories and results, JSON and YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc

EX = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["cement", "multisite", "office"])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_inventory_round_trip(tmp_path, name, suffix):
    inv = nc.load_inventory(EX / name / "inventory.yaml")
    path = nc.save_inventory(inv, tmp_path / f"inv{suffix}")
    again = nc.load_inventory(path)
    assert again == inv
    path2 = nc.save_inventory(again, tmp_path / f"inv2{suffix}")
    assert path2.read_text() == path.read_text()


tricky = st.text(
    alphabet=st.sampled_from(list("NOYesnoTrueFalse0755123.e+-:~ #'\"&*!%@`|>{}[],x化碳")),
    min_size=1,
    max_size=12,
).filter(lambda s: s == s.strip() and "\n" not in s and s[0] not in "/@")


@given(tricky, tricky)
def test_strings_that_look_like_other_things_survive_yaml(tmp_path_factory, name, org_id):
    tmp = tmp_path_factory.mktemp("rt")
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": name, "id": org_id, "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "facilities": [{"id": org_id, "name": name}],
        }
    )
    again = nc.load_inventory(nc.save_inventory(inv, tmp / "i.yaml"))
    assert again == inv
    assert again.organization.id == org_id


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_result_round_trip(tmp_path, suffix):
    res = nc.calculate(
        nc.load_inventory(EX / "cement" / "inventory.yaml"),
        uncertainty="monte_carlo",
        iterations=500,
        seed=9,
    )
    path = nc.save_result(res, tmp_path / f"r{suffix}")
    assert nc.load_result(path) == json.loads(res.to_json())
    assert "NaN" not in path.read_text()


LOSSY_IN_PLAIN_YAML = [
    "line1\x85line2",  # NEL: a line break to YAML, folded to a space unless escaped
    "line1\u2028line2",  # LS
    "line1\u2029line2",  # PS
    "\x85",
    "a\x85b\u2028c\u2029d " * 12,  # long enough to be folded across lines
    "tab\tinside",
    "\tleading tab",
    "trailing tab\t",
    "  leading spaces",
    "trailing spaces  ",
    "two\nlines",
    "NO",
    "0755",
    "1e3",
    "2024-01-01",
]


@pytest.mark.parametrize("text", LOSSY_IN_PLAIN_YAML)
def test_yaml_round_trip_keeps_line_breaks_spaces_and_look_alikes(tmp_path, text):
    import yaml

    from nqi_carbon._io.yaml import dump_yaml_text, load_yaml_text

    dumped = dump_yaml_text({"k": text, text: [text]})
    assert load_yaml_text(dumped) == {"k": text, text: [text]}
    assert yaml.safe_load(dumped) == {"k": text, text: [text]}  # other readers too
    # in an inventory: free text keeps line breaks and tabs, a name (one line) does not;
    # NEL (U+0085) is a C1 control character, refused in every text field
    free_ok = "\x85" not in text
    line_ok = free_ok and not any(c in text for c in "\t\n\r\u2028\u2029")
    data = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {
            "name": "Org",
            "id": "org",
            "consolidation": "equity_share",
            "description": text,
        },
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "facilities": [{"id": "a", "name": text}],
    }
    if not (free_ok and line_ok):
        with pytest.raises(nc.InvalidInputError) as exc:
            nc.validate_inventory(data)
        refused = {(i.field, i.source, i.code) for i in exc.value.issues}
        if not free_ok:
            assert (
                "organization.description",
                "org",
                "text_without_control_characters",
            ) in refused
        assert any((f, s) == ("facilities[0].name", "a") for f, s, _ in refused), refused
        data["organization"]["description"] = text if free_ok else "plain"
        data["facilities"][0]["name"] = text if line_ok else "plain"
    inv = nc.validate_inventory(data)
    path = nc.save_inventory(inv, tmp_path / "i.yaml")
    again = nc.load_inventory(path)
    assert again.organization.description == data["organization"]["description"]
    assert again.facilities[0].name == data["facilities"][0]["name"]
    assert again == inv


def test_result_yaml_keeps_line_separators_in_text(tmp_path):
    # NEL is refused in inventory text (a C1 control); U+2028/U+2029 are allowed in free
    # text but not in a name, so the YAML writer's handling of NEL is tested above
    inv = nc.load_inventory(EX / "office" / "inventory.yaml")
    data = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["organization"]["name"] = "line1\x85line2\u2028line3"
    with pytest.raises(nc.InvalidInputError, match="text_without_control_characters"):
        nc.validate_inventory(data)
    data["organization"]["name"] = "line1 line2"
    data["organization"]["description"] = "line1\u2028line2\u2029line3\nline4"
    res = nc.calculate(nc.validate_inventory(data))
    path = nc.save_result(res, tmp_path / "r.yaml")
    assert nc.load_result(path) == json.loads(res.to_json())


@pytest.mark.parametrize("suffix", [".txt", ".yml.bak", ""])
def test_saving_to_an_unknown_file_type_is_a_typed_error(tmp_path, suffix):
    from nqi_carbon.errors import InvalidInputError

    inv = nc.load_inventory(EX / "office" / "inventory.yaml")
    with pytest.raises(InvalidInputError) as exc:
        nc.save_inventory(inv, tmp_path / f"i{suffix}")
    assert [i.code for i in exc.value.issues] == ["file_type"]
    with pytest.raises(InvalidInputError) as exc:
        nc.save_result(nc.calculate(inv), tmp_path / f"r{suffix}")
    assert [i.code for i in exc.value.issues] == ["file_type"]
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    from nqi_carbon._io.atomic import atomic_write_text

    old = os.umask(0o022)
    try:
        import nqi_carbon._io.atomic as atomic

        atomic._UMASK.clear()
        p = atomic_write_text(tmp_path / "report.md", "x")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644  # not mkstemp's private 0600
        p.chmod(0o640)
        atomic_write_text(p, "y")  # an existing file keeps its mode
        assert stat.S_IMODE(p.stat().st_mode) == 0o640
    finally:
        os.umask(old)
        atomic._UMASK.clear()
