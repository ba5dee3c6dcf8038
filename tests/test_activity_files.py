"""Activity tables referenced from the inventory file are read and checked like any table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


def _pack_beside(folder):
    """The test pack copied into the inventory's folder: paths written in an inventory
    may only lead inside its folder (docs/guarantees.md, confinement)."""
    shutil.copy(PACK, folder / "testpack.yaml")


def _write(tmp_path, csv_text):
    (tmp_path / "meters.csv").write_text(csv_text)
    _pack_beside(tmp_path)
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: F, id: f, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        "factor_packs: [testpack.yaml]\n"
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


# --- periods, file names, validate, text cells (audit of activity files) -------------
HEAD = (
    "schema: nqi-carbon/inventory@1\n"
    "organization: {name: F, id: f, consolidation: equity_share}\n"
    "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
    "factor_packs: [testpack.yaml]\n"
    "facilities: [{id: a}]\n"
)


def _inv(tmp_path, files, activity=None, extra_sources=""):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    _pack_beside(tmp_path)
    act = f", activity: {activity}" if activity else ""
    p = tmp_path / "inv.yaml"
    p.write_text(
        HEAD
        + f"sources:\n  - {{id: g, facility: a, category: 2, factor: testpack/grid/a{act}}}\n"
        + extra_sources
        + f"activity_files: [{', '.join(files)}]\n"
    )
    return p


def _issues(path):
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.load_inventory(path))
    return exc.value.issues


def test_file_period_outside_the_inventory_period_is_refused(tmp_path):
    p = _inv(tmp_path, {"m.csv": "source,amount,unit,period\ng,1000,MWh,2024\ng,5,MWh,2019\n"})
    (i,) = _issues(p)
    assert (i.code, i.file, i.row, i.field, i.value) == (
        "activity_within_period", str(tmp_path / "m.csv"), 3, "period", "'2019'"
    )


def test_duplicate_file_periods_overlap(tmp_path):
    p = _inv(tmp_path, {"m.csv": "source,amount,unit,period\ng,1000,MWh,2024\ng,1000,MWh,2024\n"})
    (i,) = _issues(p)
    assert i.code == "activity_periods_do_not_overlap" and i.row == 2
    assert "rows 2, 3" in i.message


def test_same_period_with_different_instruments_overlaps_like_inline_records(tmp_path):
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit,period,instrument\ng,500,MWh,2024,M1\ng,500,MWh,2024,M2\n"},
    )
    text = p.read_text().replace(
        "facilities: [{id: a}]\n",
        "facilities: [{id: a}]\ninstruments: [{id: M1, kind: meter, uncertainty: 0.01},"
        " {id: M2, kind: meter, uncertainty: 0.01}]\n",
    )
    p.write_text(text)
    assert [i.code for i in _issues(p)] == ["activity_periods_do_not_overlap"]


def test_malformed_file_period_is_refused(tmp_path):
    p = _inv(tmp_path, {"m.csv": "source,amount,unit,period\ng,1000,MWh,banana\ng,1,MWh,2024-13\n"})
    issues = _issues(p)
    assert {(i.code, i.row, i.value) for i in issues} == {
        ("record_period_well_formed", 2, "'banana'"),
        ("record_period_well_formed", 3, "'2024-13'"),
    }


def test_inline_record_and_file_row_for_the_same_year_are_not_double_counted(tmp_path):
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit,period\ng,1000,MWh,2024\n"},
        activity="{amount: 1000, unit: MWh, period: '2024'}",
    )
    (i,) = _issues(p)
    assert i.code == "activity_periods_do_not_overlap"
    assert i.file == str(tmp_path / "m.csv") and i.row == 2
    assert "sources[0].activity[0]" in i.message


def test_inline_half_year_and_file_quarters_cover_the_year(tmp_path):
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit,period\ng,250,MWh,2024-Q3\ng,250,MWh,2024-Q4\n"},
        activity="[{amount: 250, unit: MWh, period: 2024-Q1}, {amount: 250, unit: MWh, period: 2024-Q2}]",
    )
    inv = nc.load_inventory(p)
    assert nc.find_gaps(inv) == []
    assert nc.calculate(inv).total_co2e == pytest.approx(1000 * 0.5703, rel=1e-12)


def test_file_only_source_with_one_month_has_gaps(tmp_path):
    p = _inv(tmp_path, {"m.csv": "source,amount,unit,period\ng,80,MWh,2024-03\n"})
    issues = _issues(p)
    assert [(i.code, i.value) for i in issues] == [
        ("data_gap", "2024-01-01..2024-03-01"),
        ("data_gap", "2024-04-01..2025-01-01"),
    ]
    assert [(g.start.month, g.end.month) for g in nc.find_gaps(nc.load_inventory(p))] == [(1, 3), (4, 1)]


def test_rows_without_a_period_behave_as_before(tmp_path):
    p = _inv(tmp_path, {"m.csv": "source,amount,unit,period\ng,600,MWh,\ng,400,MWh,\n"})
    assert nc.calculate(nc.load_inventory(p)).total_co2e == pytest.approx(570.3, rel=1e-12)


def test_errors_name_the_file_and_its_spreadsheet_row(tmp_path):
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit\ng,1,MWh\ng,2,MWh\n", "n.csv": "source,amount,unit\ng,-1,MWh\n"},
    )
    (i,) = _issues(p)
    assert (i.file, i.row, i.value) == (str(tmp_path / "n.csv"), 2, "-1.0")
    assert "header is row 1" in i.message
    assert "np.float64" not in i.describe()


def test_every_bad_unit_and_row_problem_is_reported_at_once(tmp_path):
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit\ng,-1,MWh\ng,1,furlong\ng,1,t\ng,2,t\ng,3,t\n"},
    )
    issues = _issues(p)
    found = {(i.code, i.row, i.value) for i in issues}
    assert found == {
        ("amount_not_negative", 2, "-1.0"),
        ("activity_unit_fits_factor", 3, "'furlong'"),
        ("activity_unit_fits_factor", 4, "'t'"),
    }
    t = next(i for i in issues if i.value == "'t'")
    assert t.file == str(tmp_path / "m.csv") and "3 rows: 4, 5, 6" in t.message


def test_validate_reads_activity_files(tmp_path, capsys):
    from nqi_carbon.cli import main

    p = _inv(tmp_path, {"m.csv": "source,amount,unit\ng,-1,MWh\ng,1,t\n"})
    assert main(["validate", str(p)]) == 1
    err = capsys.readouterr().err
    assert "amount_not_negative" in err and "activity_unit_fits_factor" in err and "m.csv" in err
    good = _inv(tmp_path, {"m.csv": "source,amount,unit\ng,1,MWh\n"})
    assert main(["validate", str(good)]) == 0


def test_text_cells_are_read_as_written(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["source", "amount", "unit"], ["NA", 1, "MWh"], [123, 2, "MWh"], ["g", 3, "null"]):
        ws.append(row)
    wb.save(tmp_path / "m.xlsx")
    table = nc.read_activity(tmp_path / "m.xlsx")
    assert table["source"].tolist() == ["NA", "123", "g"]
    assert table["unit"].tolist() == ["MWh", "MWh", "null"]
    (tmp_path / "m.csv").write_text("source,amount,unit\nNA,1,MWh\n123,2,MWh\n")
    p = _inv(
        tmp_path,
        {"m.csv": "source,amount,unit\nNA,1,MWh\n123,2,MWh\n"},
        extra_sources="  - {id: NA, facility: a, category: 2, factor: testpack/grid/a}\n"
        "  - {id: '123', facility: a, category: 2, factor: testpack/grid/a}\n",
    )
    text = p.read_text().replace("activity_files: [m.csv]", "activity_files: [m.xlsx]")
    p.write_text(text.replace("'123'", "'123'"))
    (tmp_path / "m.xlsx").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["source", "amount", "unit"], ["NA", 1, "MWh"], [123, 2, "MWh"]):
        ws.append(row)
    wb.save(tmp_path / "m.xlsx")
    res = nc.calculate(nc.load_inventory(p))
    assert res.total_co2e == pytest.approx(3 * 0.5703, rel=1e-12)


def test_an_inventory_saved_elsewhere_still_finds_its_activity_files(tmp_path):
    (tmp_path / "a").mkdir()
    src = tmp_path / "a" / "inv.yaml"
    (tmp_path / "a" / "act.csv").write_text("source,amount,unit\ng,1000,MWh\n")
    src.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: F, id: f, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR6\n"
        "factor_packs: [cn-mee]\nfacilities: [{id: a}]\n"
        "sources: [{id: g, facility: a, category: 2, factor: cn-mee/grid/national/2022}]\n"
        "activity_files: [act.csv]\n"
    )
    inv = nc.load_inventory(src)
    copy = nc.save_inventory(inv, tmp_path / "b" / "inv.yaml")
    again = nc.load_inventory(copy)
    assert again.activity_files == ("../a/act.csv",)
    # the copy names the same file, which lies outside its own folder: read inside a
    # sandbox that holds both folders, refused without one
    with nc.Sandbox(base_dir=tmp_path):
        assert nc.calculate(again).total_co2e == nc.calculate(inv).total_co2e == 1000 * 0.5703
    with pytest.raises(InvalidInputError, match="path_outside_base") as exc:
        nc.calculate(again)
    assert exc.value.issues[0].field == "activity_files[0]"
    assert exc.value.issues[0].value == "'../a/act.csv'"
