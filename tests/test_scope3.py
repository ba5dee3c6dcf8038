"""Scope 3 broken down by GHG Protocol category (1-15) in the result, the tables and verify."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.cli import main

MULTISITE = Path(__file__).resolve().parents[1] / "examples" / "multisite" / "inventory.yaml"

# the multisite example's supplier factors (examples/multisite/inventory.yaml)
STEEL = 6420 * 2.21  # t steel x t CO2e/t: category 1, purchased goods
FLIGHTS = 612_000 * 0.13 / 1000  # pkm x kg CO2e/pkm: category 6, business travel
FREIGHT = 2.85e6 * 0.062 / 1000  # tkm x kg CO2e/tkm: category 9, downstream transport


@pytest.fixture(scope="module")
def result():
    return nc.calculate(MULTISITE, uncertainty="analytical")


def test_totals_break_scope3_down_by_category(result):
    by = result.to_dict()["totals"]["by_scope3_category"]
    assert list(by) == [*(str(k) for k in range(1, 16)), "unassigned"]
    assert by["1"] == pytest.approx(STEEL, rel=1e-12)
    assert by["6"] == pytest.approx(FLIGHTS, rel=1e-12)
    assert by["9"] == pytest.approx(FREIGHT, rel=1e-12)
    assert all(v == 0 for k, v in by.items() if k not in ("1", "6", "9"))
    assert math.fsum(by.values()) == pytest.approx(result.totals()["by_scope"]["3"], rel=1e-15)


def test_a_scope3_source_without_category_is_unassigned():
    inv = nc.load_inventory(MULTISITE)
    data = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    for src in data["sources"]:
        if src["id"] == "flights":
            del src["scope3_category"]
    by = nc.calculate(nc.validate_inventory(data)).totals()["by_scope3_category"]
    assert by["6"] == 0 and by["unassigned"] == pytest.approx(FLIGHTS, rel=1e-12)


def test_report_tables_name_the_scopes_and_the_scope3_categories(result):
    tables = nc.inventory_report(result).tables()
    scope = tables["By scope"].set_index("scope")
    assert scope.loc["2_location", "name"] == "Scope 2: imported energy, location-based"
    assert scope.loc["2_market", "name_zh"] == "范围二：输入能源（基于市场）"
    s3 = tables["By Scope 3 category"].set_index("scope3_category")
    assert s3.loc[1, "name"] == "Purchased goods and services"
    assert s3.loc[6, "name"] == "Business travel"
    assert s3.loc[9, "co2e_t"] == pytest.approx(FREIGHT, rel=1e-12)
    # the supplier factor's ±35 % and the activity's ±5 %, in quadrature
    assert s3.loc[6, "relative_95"] == pytest.approx(math.hypot(0.35, 0.05), rel=1e-9)
    assert math.isnan(s3.loc[2, "relative_95"])  # no lines: no measured 0 ± 0 %


def test_the_cli_table_names_the_scopes(capsys):
    assert main(["calculate", str(MULTISITE)]) == 0
    out = capsys.readouterr().out
    assert "Scope 2       imported energy, location-based" in out
    assert "2_location" not in out
    assert "  category 9  Downstream transportation and distribution" in out


def test_verify_compares_the_scope3_categories_a_claim_states(result):
    claim = json.loads(result.to_json())
    claim["totals"]["by_scope3_category"]["6"] += 50.0  # business travel overstated
    ver = nc.verify(nc.load_inventory(MULTISITE), claim, materiality=0.05, assurance="limited")
    rows = [m for m in ver.misstatements if m.subject == "by_scope3_category: 6"]
    assert len(rows) == 1 and rows[0].difference_t == pytest.approx(50.0)
    assert rows[0].level == "breakdown"
