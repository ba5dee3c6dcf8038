"""Tables as exported: the reading spec (inventory, API, CLI) and the failures it answers (issue 16)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")
GRID = 0.5703  # testpack/grid/a, t CO2 per MWh

# a German utility's export: a title and a blank line above the header, ';' between
# fields, German headers, decimal comma and thousands dot, a column that is no activity data
GERMAN = (
    "Energieverbrauch 2024\n"
    "\n"
    "Standort;Menge (kWh);Einheit;Kommentar\n"
    "g;1.234,5;kWh;Januar\n"
    "g;10.000;kWh;Februar\n"
)
GERMAN_SPEC = {
    "header_row": 3,
    "columns": {"source": "Standort", "amount": "Menge (kWh)", "unit": "Einheit"},
    "ignore": ["Kommentar"],
    "decimal": ",",
    "thousands": ".",
}


def _issues(call, *args, **kw):
    with pytest.raises(InvalidInputError) as exc:
        call(*args, **kw)
    return exc.value.issues


def _inventory(tmp_path, entry):
    shutil.copy(PACK, tmp_path / "testpack.yaml")
    p = tmp_path / "inv.yaml"
    p.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: F, id: f, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        "factor_packs: [testpack.yaml]\n"
        "facilities: [{id: a}]\n"
        "sources: [{id: g, facility: a, category: 2, factor: testpack/grid/a}]\n"
        f"activity_files:\n  - {entry}\n"
    )
    return p


# --- the API ------------------------------------------------------------------------------
def test_a_german_export_is_read_by_its_spec(tmp_path):
    (tmp_path / "de.csv").write_text(GERMAN)
    df = nc.read_activity(tmp_path / "de.csv", **GERMAN_SPEC)
    assert list(df.columns) == ["source", "amount", "unit"]
    assert df["amount"].tolist() == [1234.5, 10000.0]


def test_a_title_above_the_header_is_named_with_the_row_to_state(tmp_path):
    (tmp_path / "de.csv").write_text(GERMAN)
    (i,) = _issues(nc.read_activity, tmp_path / "de.csv")
    assert i.code == "table_columns"
    assert "from line 3 on, ';' splits every row into 4 columns ('Standort'" in i.message
    assert i.allowed.startswith("state header_row: 3")


def test_a_decimal_comma_under_the_default_locale_is_refused_not_read_as_another_number(tmp_path):
    (tmp_path / "m.csv").write_text("source,amount,unit\ng,\"1.234,5\",MWh\n")
    p = _inventory(tmp_path, "m.csv")
    (i,) = _issues(nc.calculate, nc.load_inventory(p))
    assert (i.code, i.field, i.value, i.row) == ("float_type", "amount", "'1.234,5'", 2)
    assert "state decimal and thousands in the file's reading spec" in i.message


def test_under_semicolons_a_dotted_number_is_refused_without_stated_separators(tmp_path):
    # Excel writes ';' where ',' is the decimal separator: there 10.000 is ten thousand
    (tmp_path / "m.csv").write_text("source;amount;unit\ng;10.000;MWh\ng;7;MWh\n")
    (i,) = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, "m.csv")))
    assert (i.code, i.value, i.row) == ("float_type", "'10.000'", 2)
    spec = "{path: m.csv, decimal: ',', thousands: '.'}"
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, spec)))
    assert res.total_co2e == pytest.approx(10_007 * GRID, rel=1e-12)
    # stating the default says that the dot is the decimal point: 10.000 is ten
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, "{path: m.csv, decimal: '.'}")))
    assert res.total_co2e == pytest.approx(17 * GRID, rel=1e-12)
    assert nc.read_activity(tmp_path / "m.csv", decimal=".")["amount"].tolist() == [10.0, 7.0]


def test_a_thousands_separator_must_group_by_three(tmp_path):
    (tmp_path / "m.csv").write_text("source,amount,unit\ng,1.23.4,MWh\ng,\"1.234,5\",MWh\n")
    entry = "{path: m.csv, decimal: ',', thousands: '.'}"
    (i,) = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, entry)))
    assert (i.code, i.value, i.row) == ("float_type", "'1.23.4'", 2)


def test_headers_match_whatever_their_case(tmp_path):
    (tmp_path / "m.csv").write_text("Source, AMOUNT ,Unit\ng,1000,MWh\n")
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, "m.csv")))
    assert res.total_co2e == pytest.approx(1000 * GRID, rel=1e-12)


def test_an_extra_column_is_named_with_the_headers_found(tmp_path):
    (tmp_path / "m.csv").write_text("source,amount,unit,Kostenstelle\ng,1000,MWh,4711\n")
    (i,) = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, "m.csv")))
    assert i.code == "table_columns"
    assert i.message == (
        "unknown column(s) Kostenstelle; headers found: 'source', 'amount', 'unit', 'Kostenstelle'"
    )
    assert "ignore:" in i.allowed and "columns:" in i.allowed
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, "{path: m.csv, ignore: [Kostenstelle]}")))
    assert res.total_co2e == pytest.approx(1000 * GRID, rel=1e-12)


def test_missing_columns_name_the_headers_found(tmp_path):
    (tmp_path / "m.csv").write_text("Standort,Menge,Einheit\ng,1000,MWh\n")
    (i,) = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, "m.csv")))
    assert i.code == "table_columns"
    assert i.message == (
        "missing column(s) source, amount, unit; headers found: 'Standort', 'Menge', 'Einheit'"
    )


def test_a_mapped_header_the_file_lacks_is_named_with_the_headers_found(tmp_path):
    (tmp_path / "m.csv").write_text("Standort,Menge,Einheit\ng,1000,MWh\n")
    issues = _issues(nc.read_activity, tmp_path / "m.csv", columns={"amount": "Menge (kWh)"})
    assert [(i.code, i.field) for i in issues] == [("table_columns", "columns.amount")]
    assert "headers found: 'Standort', 'Menge', 'Einheit'" in issues[0].message


def test_a_constant_gives_the_unit_named_in_the_header(tmp_path):
    (tmp_path / "m.csv").write_text("Standort,Menge (MWh)\ng,1000\n")
    entry = "{path: m.csv, columns: {source: Standort, amount: Menge (MWh)}, constant: {unit: MWh}}"
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, entry)))
    assert res.total_co2e == pytest.approx(1000 * GRID, rel=1e-12)


def test_a_delimiter_that_cannot_be_told_must_be_stated(tmp_path):
    (tmp_path / "m.csv").write_text("source;amount,unit\ng;1,MWh\n")
    (i,) = _issues(nc.read_activity, tmp_path / "m.csv")
    assert i.code == "csv_delimiter"
    assert i.message == "cannot tell the delimiter: ',' gives 2 columns, ';' gives 2 columns"


def test_a_tab_separated_export_is_sniffed(tmp_path):
    (tmp_path / "m.csv").write_text("source\tamount\tunit\ng\t1000\tMWh\n")
    assert nc.read_activity(tmp_path / "m.csv")["amount"].tolist() == [1000.0]


def test_a_cp1252_export_is_read_when_stated(tmp_path):
    (tmp_path / "m.csv").write_bytes("source,amount,unit,Bemerkung\ng,1000,MWh,Gebäude\n".encode("cp1252"))
    (i,) = _issues(nc.read_activity, tmp_path / "m.csv")
    assert i.code == "encoding"
    df = nc.read_activity(tmp_path / "m.csv", encoding="cp1252", ignore=["Bemerkung"])
    assert df["amount"].tolist() == [1000.0]


def test_dates_in_the_period_column_need_period_dates(tmp_path):
    (tmp_path / "m.csv").write_text(
        "source,amount,unit,period\n" + "".join(f"g,100,MWh,2024-{m:02d}-01\n" for m in range(1, 13))
    )
    issues = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, "m.csv")))
    assert {i.code for i in issues} == {"record_period_well_formed"}
    assert "state period_dates: month" in issues[0].message
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, "{path: m.csv, period_dates: month}")))
    assert res.total_co2e == pytest.approx(1200 * GRID, rel=1e-12)


@pytest.mark.parametrize(
    ("entry", "field", "allowed"),
    [
        ("{path: m.csv, decimal: ';'}", "activity_files[0].decimal", "'.' or ','"),
        ("{path: m.csv, header_row: 0}", "activity_files[0].header_row", ">= 1"),
        ("{path: m.csv, columns: {menge: Menge}}", "activity_files[0]",
         "columns.menge: 'menge' is not a column of an activity table (allowed: source, amount, unit,"),
    ],
)  # fmt: skip
def test_a_bad_reading_spec_in_the_inventory_is_refused(tmp_path, entry, field, allowed):
    (tmp_path / "m.csv").write_text("source,amount,unit\ng,1,MWh\n")
    (i,) = _issues(nc.load_inventory, _inventory(tmp_path, entry))  # one issue: no union noise
    assert i.field == field
    assert allowed in (i.allowed or "") + i.message


def test_a_spec_option_that_does_not_apply_is_refused(tmp_path):
    (tmp_path / "m.parquet").write_bytes(b"")
    (i,) = _issues(nc.read_activity, tmp_path / "m.parquet", delimiter=";")
    assert (i.code, i.field, i.message) == ("reading_spec", "delimiter", "delimiter does not apply to a Parquet file")


def test_the_spec_keeps_the_reader_bounded(tmp_path):
    (tmp_path / "m.csv").write_text("title\n" + "source,amount,unit\n" + "g,1,MWh\n" * 50)
    with nc.Limits(max_table_rows=10):
        (i,) = _issues(nc.read_activity, tmp_path / "m.csv", header_row=2)
    assert i.code == "table_too_large"


# --- Excel ----------------------------------------------------------------------------------
def _chinese_workbook(path):
    """A Chinese ERP export: a title row, the data on the second sheet, date cells, a
    capitalised and an extra column."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "本表由能源管理系统导出"
    ws = wb.create_sheet("能耗数据")
    ws.append(["2024年 用电量 明细"])
    ws.append(["Source", "用量", "单位", "月份", "备注"])
    for m in range(1, 13):
        ws.append(["g", 100, "MWh", dt.datetime(2024, m, 1), "抄表"])
    wb.save(path)


@pytest.mark.excel
def test_a_chinese_excel_export_with_a_title_row_is_read_by_its_spec(tmp_path):
    _chinese_workbook(tmp_path / "cn.xlsx")
    entry = (
        "{path: cn.xlsx, sheet: 能耗数据, header_row: 2, columns: {amount: 用量, unit: 单位, "
        "period: 月份}, ignore: [备注], period_dates: month}"
    )
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path, entry)))
    assert res.total_co2e == pytest.approx(1200 * GRID, rel=1e-12)


@pytest.mark.excel
def test_an_excel_title_row_is_named_with_the_row_of_the_header(tmp_path):
    _chinese_workbook(tmp_path / "cn.xlsx")
    entry = "{path: cn.xlsx, sheet: 1, columns: {amount: 用量, unit: 单位}}"
    issues = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, entry)))
    assert [(i.code, i.field) for i in issues] == [
        ("table_columns", "columns.amount"),
        ("table_columns", "columns.unit"),
    ]
    i = issues[0]
    assert "headers found: '2024年 用电量 明细'" in i.message
    assert "row 2 looks like the header ('Source', '用量', '单位'" in i.message
    assert "state header_row: 2" in i.message


@pytest.mark.excel
def test_excel_date_cells_in_the_period_column_are_dates(tmp_path):
    _chinese_workbook(tmp_path / "cn.xlsx")
    df = nc.read_activity(
        tmp_path / "cn.xlsx", sheet="能耗数据", header_row=2, period_dates="year",
        columns={"amount": "用量", "unit": "单位", "period": "月份"}, ignore=["备注"],
    )  # fmt: skip
    assert set(df["period"]) == {"2024"}


# --- the CLI --------------------------------------------------------------------------------
def test_the_cli_reads_a_table_with_the_same_options(tmp_path, capsys):
    from nqi_carbon.cli import main

    (tmp_path / "de.csv").write_text(GERMAN)
    args = ["activity", str(tmp_path / "de.csv"), "--header-row", "3", "--column", "source=Standort",
            "--column", "amount=Menge (kWh)", "--column", "unit=Einheit", "--ignore", "Kommentar",
            "--decimal", ",", "--thousands", "."]  # fmt: skip
    assert main(args) == 0
    assert capsys.readouterr().out == "source,amount,unit\ng,1234.5,kWh\ng,10000.0,kWh\n"
    assert main([*args, "--yaml"]) == 0
    out = capsys.readouterr().out
    assert "header_row: 3" in out and "amount: Menge (kWh)" in out and "decimal: ','" in out
    assert main(["activity", str(tmp_path / "de.csv")]) == 1
    assert "state header_row: 3" in capsys.readouterr().err


def test_the_tutorials_activity_command_reads_the_example_export(monkeypatch, capsys):
    """docs/tutorial/billed-units.md shows a command; it runs as written on the example."""
    import re
    import shlex

    from nqi_carbon.cli import main

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "tutorial" / "billed-units.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```bash\n(.*?)```", text, re.S) if "nqi-carbon activity" in b]
    args = shlex.split(block.replace("\\\n", " "))
    assert args[0] == "nqi-carbon"
    monkeypatch.chdir(root)
    assert main(args[1:]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["period,amount,source,unit", "2024-01,14820.4,office-gas,kWh", "2024-02,12955.0,office-gas,kWh"]
    assert len(lines) == 13
