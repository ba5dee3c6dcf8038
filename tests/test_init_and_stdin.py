"""A start (issue 16): ``nqi-carbon init`` writes files that validate as written; ``-`` is stdin."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.cli import main

EX = Path(__file__).resolve().parents[1] / "examples"


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_init_writes_a_commented_inventory_and_a_csv_template_that_validate(tmp_path, capsys):
    assert main(["init", str(tmp_path / "start"), "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "inventory.yaml" in out and "activity.csv" in out and "next: nqi-carbon validate" in out
    text = (tmp_path / "start" / "inventory.yaml").read_text()
    assert text.count("#") > 30  # every line the user changes says how
    assert "period: {start: 2024-01-01, end: 2025-01-01}   # the end is exclusive" in text
    assert main(["validate", str(tmp_path / "start" / "inventory.yaml")]) == 0
    inv = nc.load_inventory(tmp_path / "start" / "inventory.yaml")
    kinds = {(s.method, s.category) for s in inv.sources}
    assert kinds == {("factor", 1), ("factor", 2), ("release", 1)}
    res = nc.calculate(inv)
    units = {e["unit"] for ln in res.to_dict()["lines"] for e in ln["entered"]}
    assert units == {"kWh", "L", "kg"}  # as billed: gross kWh, litres, kg of refrigerant


@pytest.mark.excel
def test_the_excel_template_holds_the_same_rows_and_validates(tmp_path):
    assert main(["init", str(tmp_path), "--year", "2024"]) == 0
    csv = nc.read_activity(tmp_path / "activity.csv")
    xlsx = nc.read_activity(tmp_path / "activity.xlsx")
    assert csv[["source", "amount", "unit", "period"]].astype(str).values.tolist() == (
        xlsx[["source", "amount", "unit", "period"]].astype(str).values.tolist()
    )
    p = tmp_path / "inventory.yaml"
    p.write_text(p.read_text().replace("  - activity.csv ", "  - activity.xlsx"))
    assert "activity.xlsx" in nc.load_inventory(p).activity_files
    total_xlsx = nc.calculate(nc.load_inventory(p)).total_co2e
    p.write_text(p.read_text().replace("  - activity.xlsx", "  - activity.csv "))
    assert total_xlsx == nc.calculate(nc.load_inventory(p)).total_co2e


def test_init_never_overwrites(tmp_path, capsys):
    (tmp_path / "inventory.yaml").write_text("mine")
    assert main(["init", str(tmp_path)]) == 1
    assert "exist(s); choose another folder or pass --force" in capsys.readouterr().out
    assert (tmp_path / "inventory.yaml").read_text() == "mine"
    assert not (tmp_path / "activity.csv").exists()
    assert main(["init", str(tmp_path), "--force", "--year", "2023"]) == 0
    assert "2023-01-01" in (tmp_path / "inventory.yaml").read_text()


def test_dash_reads_the_inventory_from_stdin(monkeypatch, capsys):
    _stdin(monkeypatch, (EX / "office" / "inventory.yaml").read_bytes())
    assert main(["validate", "-"]) == 0
    assert capsys.readouterr().out.startswith("-: valid (1 facilities, 3 sources")


def test_json_on_stdin_is_read_as_json(monkeypatch, capsys):
    _stdin(monkeypatch, b'{"schema": "nqi-carbon/inventory@1", "schema": "x"}')
    assert main(["validate", "-"]) == 1
    err = capsys.readouterr().err
    assert "<stdin>" in err and "json_duplicate_key" in err


def test_stdin_is_read_within_the_document_limit(monkeypatch, capsys):
    _stdin(monkeypatch, b"# " + b"x" * 2000)
    assert main(["validate", "-", "--limit", "max_document_bytes=1000"]) == 1
    err = capsys.readouterr().err
    assert "<stdin>: the inventory is more bytes, more than the limit" in err
    assert "[file_too_large]" in err


def test_calculate_and_the_api_read_stdin(monkeypatch, capsys):
    _stdin(monkeypatch, (EX / "office" / "inventory.yaml").read_bytes())
    assert main(["calculate", "-", "--format", "json"]) == 0
    assert '"schema": "nqi-carbon/result@1"' in capsys.readouterr().out
    from nqi_carbon.inventory.load import load_inventory_stdin

    inv = load_inventory_stdin(io.BytesIO((EX / "office" / "inventory.yaml").read_bytes()))
    assert inv.source_path is None and len(inv.sources) == 3
