"""Activity tables referenced from the inventory file are read and checked like any table."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


def _write(tmp_path, csv_text):
    (tmp_path / "meters.csv").write_text(csv_text)
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: F, id: f, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        f"factor_packs: ['{PACK}']\n"
        "facilities: [{id: a}]\n"
        "sources: [{id: grid, facility: a, category: 2, factor: testpack/grid/a}]\n"
        "activity_files: [meters.csv]\n"
    )
    return inv


def test_activity_file_is_read_relative_to_the_inventory(tmp_path):
    inv = nc.load_inventory(_write(tmp_path, "source,amount,unit,uncertainty\ngrid,600,MWh,0.01\ngrid,400000,kWh,0.01\n"))
    res = nc.calculate(inv, uncertainty="analytical")
    assert res.total_co2e == pytest.approx(1000 * 0.5703, rel=1e-12)


def test_bad_rows_in_an_activity_file_are_all_reported(tmp_path):
    inv = nc.load_inventory(_write(tmp_path, "source,amount,unit\ngrid,-1,MWh\nnope,1,MWh\ngrid,1,kg R-410A\n"))
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv)
    assert {i.code for i in exc.value.issues} >= {"amount_not_negative", "source_exists", "unit_known"}
