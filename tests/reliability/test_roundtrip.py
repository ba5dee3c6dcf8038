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
    alphabet=st.sampled_from(list("NOYesnoTrueFalse0755123.e+-:~ #'\"&*!%@`|>{}[],x化碳\t")),
    min_size=1,
    max_size=12,
).filter(lambda s: s == s.strip() and "\n" not in s and s[0] not in "/@")


@given(tricky, tricky.filter(lambda s: "\t" not in s))
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
