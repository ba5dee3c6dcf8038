"""Hostile files against every reader: each gives a typed error (or a correct result)
within a time and memory bound, and no file outside the folders allowed is read.

Each payload here broke a reader before (issue 12, "Safe to embed"): a hang, a crash past
the typed errors, gigabytes allocated, another tenant's rows added or echoed. Time is
only guarded (pytest-timeout, or a subprocess with a timeout and an address-space limit
where memory is the point), never measured.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc
import nqi_carbon._io.yaml as yaml_mod
from nqi_carbon._io.structured import json_depth_within, read_structured
from nqi_carbon._io.yaml import load_yaml_text
from nqi_carbon.errors import InvalidInputError, NqiCarbonError, PackError

from .test_fuzz import FUZZ

DATA = Path(__file__).resolve().parents[1] / "data"
PACK = DATA / "packs" / "testpack.yaml"
LINUX = sys.platform.startswith("linux")

LIBYAML = getattr(yaml_mod, "LibyamlLoader", None)
LOADERS = [
    pytest.param(getattr(yaml_mod, "PurePythonLoader", None), id="pure-python"),
    pytest.param(
        LIBYAML,
        id="libyaml",
        marks=pytest.mark.skipif(LIBYAML is None, reason="PyYAML without libyaml"),
    ),
]


@pytest.fixture(params=LOADERS)
def loader(request, monkeypatch):
    """Run the test on each YAML loader (libyaml's and the pure-Python fallback)."""
    monkeypatch.setattr(yaml_mod, "LOADER", request.param, raising=False)
    return request.param


def codes(exc_info) -> list[str]:
    return [i.code for i in exc_info.value.issues]


TABLES = """
import numpy, pandas, openpyxl
from nqi_carbon._io.tables import read_activity
"""


def bounded(code: str, *, seconds: float = 60, memory_mb: int = 600, preload: str = "") -> dict:
    """Run *code* in a fresh interpreter, its address space capped at what the imports
    (*preload*) took plus *memory_mb*; it prints one JSON line. A hang or a MemoryError
    fails the test."""
    prelude = textwrap.dedent(
        f"""
        import json, os, resource, sys
        import yaml
        import nqi_carbon as nc
        from nqi_carbon.errors import InvalidInputError
        {textwrap.indent(textwrap.dedent(preload), "        ").strip()}
        size = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:")][0]
        cap = size * 1024 + {memory_mb} * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        """
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=seconds,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def read_activity_bounded(path: Path, *, memory_mb: int) -> dict:
    """``read_activity(path)`` in a :func:`bounded` child: the codes and message it raised."""
    return bounded(
        f"""
        try:
            read_activity({str(path)!r})
            print(json.dumps({{"codes": []}}))
        except InvalidInputError as exc:
            print(json.dumps({{"codes": [i.code for i in exc.issues], "message": str(exc)}}))
        """,
        seconds=60,
        memory_mb=memory_mb,
        preload=TABLES,
    )


# ---- YAML and JSON documents -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="address-space limit via /proc and RLIMIT_AS")
def test_a_2_mb_yaml_flow_list_is_read_quickly_on_libyaml(tmp_path):
    """2 MB of ``[1,1,...]`` took 42 s and 800 MB on the pure-Python loader."""
    if LIBYAML is None:
        pytest.skip("PyYAML without libyaml: the fallback is bounded by max_nodes instead")
    p = tmp_path / "flow.yaml"
    p.write_text("[" + ",".join(["1"] * 1_000_000) + "]")
    out = bounded(
        f"""
        from nqi_carbon._io.yaml import load_yaml_text
        data = load_yaml_text(open({str(p)!r}, "rb").read())
        print(json.dumps({{"n": len(data)}}))
        """,
        seconds=25,
        memory_mb=900,
    )
    assert out == {"n": 1_000_000}


@pytest.mark.timeout(30)
def test_a_flood_of_yaml_nodes_stops_at_max_nodes_while_composing(loader):
    text = "[" + ",".join(["1"] * 1_000_000) + "]"
    with nc.Limits(max_nodes=10_000), pytest.raises(InvalidInputError) as exc:
        load_yaml_text(text, source="flood.yaml")
    assert codes(exc) == ["yaml_too_many_nodes"]
    assert "10,000" in exc.value.issues[0].message
    assert "Limits(max_nodes=...)" in exc.value.issues[0].allowed


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 2000 + "]" * 2000, id="flow-2000"),
        pytest.param("[" * 200_000, id="flow-unclosed-200k"),
        pytest.param("- " * 2000 + "x\n", id="block-dashes"),
        pytest.param("{a: " * 2000 + "1" + "}" * 2000, id="flow-mappings"),
    ],
)
def test_deep_yaml_nesting_is_a_typed_error(loader, text):
    with pytest.raises(InvalidInputError) as exc:
        load_yaml_text(text, source="deep.yaml")
    assert codes(exc) == ["input_too_deep"]
    assert "max_depth" in exc.value.issues[0].allowed


def test_yaml_nesting_up_to_max_depth_is_read(loader):
    assert load_yaml_text("[" * 64 + "1" + "]" * 64) is not None
    with pytest.raises(InvalidInputError, match="input_too_deep"):
        load_yaml_text("[" * 65 + "1" + "]" * 65)
    with nc.Limits(max_depth=3):
        assert load_yaml_text("a: {b: [1]}") == {"a": {"b": [1]}}
        with pytest.raises(InvalidInputError, match="input_too_deep"):
            load_yaml_text("a: {b: [[1]]}")


def test_nesting_built_from_aliases_counts_too(loader):
    # each anchor nests the previous one 10 deeper: 10 anchors, 100 levels once expanded
    lines = ["a0: &a0 [[[[[[[[[[1]]]]]]]]]]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]")
    with pytest.raises(InvalidInputError) as exc:
        load_yaml_text("\n".join(lines))
    assert codes(exc) == ["input_too_deep"]


def test_an_alias_inside_its_own_anchor_is_refused(loader):
    with pytest.raises(InvalidInputError, match="expands without end") as exc:
        load_yaml_text("a: &a [1, *a]\n")
    assert codes(exc) == ["yaml_alias_expansion"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a: !!float abc\n", "yaml_value"),
        ("a: !!int abc\n", "yaml_value"),
        ("a: !!int 0x1F\n", "yaml_value"),
        ("a: !!bool yes\n", "yaml_value"),
        ("a: !!timestamp abc\n", "yaml_value"),
        ("a: !!null abc\n", "yaml_value"),
        ("a: !!float [1]\n", "yaml_value"),
        ("a: " + "1" * 5000 + "\n", "number_too_long"),
        ("a: !!int " + "9" * 4301 + "\n", "number_too_long"),
    ],
)
def test_values_that_do_not_fit_their_tag_are_typed_errors(loader, text, code):
    with pytest.raises(InvalidInputError) as exc:
        load_yaml_text(text, source="t.yaml")
    assert codes(exc) == [code]
    assert exc.value.issues[0].row == 1


def test_tagged_values_written_as_their_type_are_read(loader):
    assert load_yaml_text("a: !!float 1\nb: !!int -3\nc: !!bool false\nd: !!float .inf\n") == {
        "a": 1.0,
        "b": -3,
        "c": False,
        "d": float("inf"),
    }
    assert load_yaml_text("a: " + "9" * 4300) == {"a": int("9" * 4300)}


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("[" * 2000 + "]" * 2000, "input_too_deep", id="deep-2000"),
        pytest.param("[" * 65 + "]" * 65, "input_too_deep", id="deep-65"),
        pytest.param('{"a": ' + "1" * 5000 + "}", "number_too_long", id="long-int"),
        pytest.param('{"a": "[[[[", "b": [1]', "json_syntax", id="unclosed-with-brackets-in-text"),
    ],
)
def test_json_depth_and_long_integers_are_typed_errors(tmp_path, text, code):
    p = tmp_path / "claim.json"
    p.write_text(text)
    with pytest.raises(InvalidInputError) as exc:
        read_structured(p)
    assert codes(exc) == [code]


def test_json_nesting_up_to_max_depth_is_read_and_strings_do_not_count(tmp_path):
    p = tmp_path / "ok.json"
    p.write_text("[" * 64 + '"]]]]\\"[[[[\\\\"' + "]" * 64)
    data, _ = read_structured(p)
    assert data is not None


# ---- activity files: size, devices, FIFOs, folders -----------------------------------


def test_an_activity_file_over_the_byte_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("source,amount,unit\n" + "g,1,MWh\n" * 500)
    with nc.Limits(max_table_bytes=1000), pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    assert codes(exc) == ["file_too_large"]
    assert "max_table_bytes" in exc.value.issues[0].allowed


@pytest.mark.skipif(not LINUX, reason="address-space limit via /proc and RLIMIT_AS")
def test_an_activity_file_over_the_default_byte_limit_is_not_read(tmp_path):
    p = tmp_path / "big.csv"
    with p.open("wb") as f:  # sparse: 300 MiB on paper, nothing on disk
        f.write(b"source,amount,unit\n")
        f.truncate(300 * 1024 * 1024)
    out = read_activity_bounded(p, memory_mb=200)
    assert out["codes"] == ["file_too_large"]
    assert "314,572,800 bytes" in out["message"] and "268,435,456 bytes" in out["message"]


@pytest.mark.skipif(not LINUX, reason="/dev/zero and FIFOs as on Linux")
@pytest.mark.timeout(30)
def test_a_csv_symlink_to_dev_zero_is_not_read(tmp_path):
    link = tmp_path / "zero.csv"
    os.symlink("/dev/zero", link)
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(link)
    assert codes(exc) == ["path_not_regular_file"]
    assert "a device" in exc.value.issues[0].message


@pytest.mark.skipif(not LINUX, reason="FIFOs as on Linux")
@pytest.mark.timeout(30)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(fifo)
    assert codes(exc) == ["path_not_regular_file"]
    assert "FIFO" in exc.value.issues[0].message
    os.mkfifo(tmp_path / "inv.yaml")
    with pytest.raises(InvalidInputError, match="path_not_regular_file"):
        nc.load_inventory(tmp_path / "inv.yaml")


def test_a_folder_named_like_a_table_is_refused(tmp_path):
    (tmp_path / "m.csv").mkdir()
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(tmp_path / "m.csv")
    assert codes(exc) == ["path_not_regular_file"]


def test_csv_rows_columns_and_cells_are_bounded(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("source,amount,unit\n" + "g,1,MWh\n" * 50)
    with nc.Limits(max_table_rows=49), pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    assert codes(exc) == ["table_too_large"] and "max_table_rows" in exc.value.issues[0].allowed
    with nc.Limits(max_table_rows=50):
        assert len(nc.read_activity(p)) == 50
    with nc.Limits(max_table_cells=100), pytest.raises(InvalidInputError, match="max_table_cells"):
        nc.read_activity(p)
    wide = tmp_path / "w.csv"
    wide.write_text(",".join(f"c{i}" for i in range(2000)) + "\n")
    with pytest.raises(InvalidInputError, match="2,000 columns") as exc:
        nc.read_activity(wide)
    assert codes(exc) == ["table_too_large"]


@pytest.mark.timeout(30)
def test_a_csv_header_of_a_million_columns_is_refused_quickly(tmp_path):
    """pandas takes minutes and gigabytes over such a header; it is measured first."""
    p = tmp_path / "w.csv"
    p.write_text(",".join("c" for _ in range(1_000_000)) + "\n1\n")
    with pytest.raises(InvalidInputError, match="1,000,000 columns"):
        nc.read_activity(p)


# ---- Excel ----------------------------------------------------------------------------

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(path: Path, sheets: list[tuple[str, str, str]]) -> Path:
    """An .xlsx written as zip and XML by hand: (name, state, sheetData inner XML)."""
    over = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for k in range(1, len(sheets) + 1)
    )
    wb = "".join(
        f'<sheet name="{name}" sheetId="{k}" state="{state}" r:id="rId{k}"/>'
        for k, (name, state, _) in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{k}" Type="{_R}/worksheet" Target="worksheets/sheet{k}.xml"/>'
        for k in range(1, len(sheets) + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT.format(sheets=over))
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml", f'<workbook {_NS} xmlns:r="{_R}"><sheets>{wb}</sheets></workbook>'
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        for k, (_, _, body) in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{k}.xml", f"<worksheet {_NS}>{body}</worksheet>")
    return path


def t(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def n(ref: str, value: float) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


HEADER = '<row r="1">' + t("A1", "source") + t("B1", "amount") + t("C1", "unit") + "</row>"


def data_row(r: int, source: str, amount: float, attrs: str = "") -> str:
    return (
        f'<row r="{r}"{attrs}>'
        + t(f"A{r}", source)
        + n(f"B{r}", amount)
        + t(f"C{r}", "MWh")
        + "</row>"
    )


@pytest.mark.excel
@pytest.mark.skipif(not LINUX, reason="address-space limit via /proc and RLIMIT_AS")
def test_the_xlsx_cell_bomb_is_refused_without_allocating(tmp_path):
    """4.9 KB: a sheet declaring A1:XFD1048576 with one cell at XFD1048576 (~6 GB before)."""
    body = (
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + HEADER
        + data_row(2, "g", 1)
        + '<row r="1048576">'
        + t("XFD1048576", "x")
        + "</row></sheetData>"
    )
    p = raw_xlsx(tmp_path / "bomb.xlsx", [("Data", "visible", body)])
    assert p.stat().st_size < 5000
    out = read_activity_bounded(p, memory_mb=500)
    assert out["codes"] == ["table_too_large"]
    assert "XFD1048576" in out["message"] and "max_table_columns" in out["message"]


@pytest.mark.excel
@pytest.mark.timeout(60)
def test_the_declared_sheet_size_is_never_trusted(tmp_path):
    body = (
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + HEADER
        + data_row(2, "g", 5)
        + "</sheetData>"
    )
    p = raw_xlsx(tmp_path / "m.xlsx", [("Data", "visible", body)])
    table = nc.read_activity(p)
    assert table["source"].tolist() == ["g"] and table["amount"].tolist() == [5.0]


@pytest.mark.excel
@pytest.mark.timeout(60)
def test_a_far_row_in_one_column_counts_its_rows(tmp_path):
    body = "<sheetData>" + HEADER + '<row r="1048576">' + n("A1048576", 1) + "</row></sheetData>"
    p = raw_xlsx(tmp_path / "m.xlsx", [("Data", "visible", body)])
    with nc.Limits(max_table_rows=1000), pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    assert codes(exc) == ["table_too_large"] and exc.value.issues[0].row == 1048576


@pytest.mark.excel
def test_the_first_visible_sheet_is_read_not_a_hidden_first_sheet(tmp_path):
    hidden = "<sheetData>" + HEADER + data_row(2, "g", 999) + "</sheetData>"
    shown = "<sheetData>" + HEADER + data_row(2, "g", 5) + "</sheetData>"
    p = raw_xlsx(
        tmp_path / "m.xlsx",
        [("Old", "hidden", hidden), ("Gone", "veryHidden", hidden), ("Data", "visible", shown)],
    )
    table = nc.read_activity(p)
    assert table["amount"].tolist() == [5.0]
    assert table.attrs["nqi_carbon_sheet"] == "Data"
    # a sheet asked for by name or number is read even when hidden
    assert nc.read_activity(p, sheet="Old")["amount"].tolist() == [999.0]
    assert nc.read_activity(p, sheet=0)["amount"].tolist() == [999.0]
    with pytest.raises(InvalidInputError, match="no sheet named 'Nope'") as exc:
        nc.read_activity(p, sheet="Nope")
    assert codes(exc) == ["excel_sheet"] and "'Data'" in exc.value.issues[0].allowed


@pytest.mark.excel
def test_hidden_rows_and_columns_holding_data_are_an_error_naming_them(tmp_path):
    body = (
        '<cols><col min="4" max="4" hidden="1"/></cols><sheetData>'
        + HEADER
        + data_row(2, "g", 1)
        + data_row(3, "g", 1000, ' hidden="1"')
        + data_row(4, "g", 2)
        + '<row r="5">'
        + t("A5", "g")
        + n("B5", 3)
        + t("C5", "MWh")
        + n("D5", 7)
        + "</row></sheetData>"
    )
    p = raw_xlsx(tmp_path / "m.xlsx", [("Data", "visible", body)])
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    rows, cols = exc.value.issues
    assert (rows.code, rows.row) == ("excel_hidden", 3)
    assert "sheet 'Data'" in rows.message and "rows 3" in rows.message
    assert cols.code == "excel_hidden" and "columns D" in cols.message


@pytest.mark.excel
def test_a_formula_with_a_stale_cached_value_is_an_error_naming_the_cell(tmp_path):
    body = (
        "<sheetData>"
        + HEADER
        + '<row r="2">'
        + t("A2", "g")
        + '<c r="B2"><f>10*100</f><v>999</v></c>'  # the cached 999 is stale: 10*100 is 1000
        + t("C2", "MWh")
        + "</row></sheetData>"
    )
    p = raw_xlsx(tmp_path / "m.xlsx", [("Data", "visible", body)])
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    (issue,) = exc.value.issues
    assert (issue.code, issue.row) == ("excel_formula", 2)
    assert "cell B2" in issue.message and "sheet 'Data'" in issue.message
    assert "Paste Special > Values" in issue.allowed and "10*100" in issue.value


@pytest.mark.excel
def test_many_formulas_are_listed_up_to_max_issues_and_counted(tmp_path):
    rows = "".join(
        f'<row r="{r}">'
        + t(f"A{r}", "g")
        + f'<c r="B{r}"><f>1+{r}</f></c>'
        + t(f"C{r}", "MWh")
        + "</row>"
        for r in range(2, 302)
    )
    p = raw_xlsx(
        tmp_path / "m.xlsx", [("Data", "visible", "<sheetData>" + HEADER + rows + "</sheetData>")]
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    issues = exc.value.issues
    assert len(issues) == 101 and issues[-1].code == "issues_truncated"
    assert exc.value.omitted == {"excel_formula": 200}
    assert "300 problems found" in str(exc.value)


@pytest.mark.excel
def test_an_xlsx_part_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    body = "<sheetData>" + HEADER + data_row(2, "g", 1) + "</sheetData>" + " " * 200_000
    p = raw_xlsx(tmp_path / "m.xlsx", [("Data", "visible", body)])
    assert p.stat().st_size < 20_000
    with nc.Limits(max_table_bytes=100_000), pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    assert codes(exc) == ["table_too_large"] and "decompressed" in exc.value.issues[0].message


# ---- Parquet --------------------------------------------------------------------------


@pytest.mark.parquet
def test_parquet_rows_are_bounded_from_the_metadata_before_loading(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pandas as pd
    import pyarrow.parquet as pq

    n = nc.Limits().max_table_rows + 1  # a few kB: one repeated value compresses to nothing
    p = tmp_path / "m.parquet"
    table = pa.table(
        {
            "source": pa.repeat("g", n).dictionary_encode(),
            "amount": pa.repeat(1.0, n),
            "unit": pa.repeat("MWh", n).dictionary_encode(),
        }
    )
    pq.write_table(table, p)
    loaded = []
    monkeypatch.setattr(pd, "read_parquet", lambda *a, **k: loaded.append(1))
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    assert codes(exc) == ["table_too_large"] and f"{n:,} rows" in exc.value.issues[0].message
    assert loaded == []  # refused from the footer alone
    monkeypatch.undo()
    small = tmp_path / "s.parquet"
    pq.write_table(table.slice(0, 5000), small)
    assert len(nc.read_activity(small)) == 5000
    with nc.Limits(max_table_bytes=1000), pytest.raises(InvalidInputError) as exc:
        nc.read_activity(small)
    assert codes(exc) == ["file_too_large"]


@pytest.mark.parquet
@pytest.mark.parametrize(
    ("column", "array"),
    [
        ("unit", lambda pa: pa.array([["MWh"], ["kWh", "MWh"]])),
        ("source", lambda pa: pa.array([{"id": "g"}, {"id": "h"}])),
        ("period", lambda pa: pa.array([[("m", 1)], []], type=pa.map_(pa.string(), pa.int64()))),
        ("amount", lambda pa: pa.array([[1.0], [2.0, 3.0]], type=pa.large_list(pa.float64()))),
    ],
    ids=["list", "struct", "map", "large_list"],
)
def test_parquet_nested_column_is_a_typed_error_not_a_type_error(tmp_path, column, array):
    """Found by fuzzing: a list, struct or map column crashed with 'unhashable type'."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    cols = {"source": pa.array(["g", "g"]), "amount": pa.array([1.0, 2.0]), "unit": pa.array(["MWh"] * 2)}
    cols[column] = array(pa)
    p = tmp_path / "m.parquet"
    pq.write_table(pa.table(cols), p)
    with pytest.raises(InvalidInputError) as exc:
        nc.read_activity(p)
    (issue,) = exc.value.issues
    assert (issue.code, issue.field) == ("parquet_column_type", column)
    assert "several values" in issue.message and "one value per cell" in issue.allowed


@pytest.mark.parquet
@pytest.mark.parametrize("typ", ["timestamp", "duration"])
def test_empty_parquet_amount_column_of_dates_is_read_not_a_type_error(tmp_path, typ):
    """Found by fuzzing: an empty table whose amount column holds dates or durations crashed
    ('Cannot cast DatetimeArray to dtype float64'); it has no rows, so nothing to calculate."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    amount = pa.array([], type=pa.timestamp("us") if typ == "timestamp" else pa.duration("us"))
    p = tmp_path / "m.parquet"
    pq.write_table(pa.table({"source": pa.array([], pa.string()), "amount": amount, "unit": pa.array([], pa.string())}), p)
    table = nc.read_activity(p)
    assert len(table) == 0 and table["amount"].dtype == float
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [str(PACK)],
            "facilities": [{"id": "a"}],
            "sources": [{"id": "g", "facility": "a", "category": 2, "factor": "testpack/grid/a"}],
        }
    )
    assert nc.calculate(inv, activity=table).total_co2e == 0


# ---- floods of errors -----------------------------------------------------------------


def _bad_series(path: Path, n_bad_years: int, n_bad_values: int) -> Path:
    with path.open("w") as f:
        f.write("year,gross_co2e_t\n")
        f.write("x,1\n" * n_bad_years)
        f.write("2020,nope\n" * n_bad_values)
    return path


def _trajectory_error(path: Path) -> InvalidInputError:
    from nqi_carbon.workflows import run_trajectory

    with pytest.raises(InvalidInputError) as exc:
        run_trajectory([str(path)], target_year=2030, method="linear", target_reduction=0.5)
    return exc.value


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_million_bad_rows_give_max_issues_and_counts_by_code(tmp_path):
    err = _trajectory_error(_bad_series(tmp_path / "series.csv", 600_000, 400_000))
    assert len(err.issues) == 101
    assert [i.row for i in err.issues[:3]] == [1, 2, 3]
    last = err.issues[-1]
    assert last.code == "issues_truncated"
    assert err.omitted == {"float_type": 400_000, "series_year": 599_900, "series_years_unique": 1}
    assert "1,000,001 problems found" in str(err)
    assert "raise nqi_carbon.Limits(max_issues=...)" in last.allowed
    assert len(str(err)) < 60_000


def test_a_flood_of_errors_is_listed_in_the_same_order_every_time(tmp_path):
    path = _bad_series(tmp_path / "series.csv", 3_000, 2_000)
    first, again = _trajectory_error(path), _trajectory_error(path)
    assert len(first.issues) == 101 and first.omitted == again.omitted
    assert [i.to_dict() for i in again.issues] == [i.to_dict() for i in first.issues]


def test_an_inventory_with_thousands_of_bad_records_lists_max_issues(tmp_path):
    lines = [
        "schema: nqi-carbon/inventory@1",
        "organization: {name: F, id: f, consolidation: equity_share}",
        "period: {start: 2024-01-01, end: 2025-01-01}",
        "gwp: AR6",
        "factor_packs: [cn-mee]",
        "facilities: [{id: a}]",
        "sources:",
    ]
    lines += [
        f"- {{id: s{i}, facility: a, category: 2, factor: cn-mee/grid/national/2022, "
        "activity: {amount: x, unit: MWh}}"
        for i in range(3000)
    ]
    p = tmp_path / "inv.yaml"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInputError) as exc:
        nc.load_inventory(p)
    assert len(exc.value.issues) == 101
    assert exc.value.issues[0].field.startswith("sources[0]")
    assert exc.value.omitted == {"float_type": 2900}
    with nc.Limits(max_issues=25), pytest.raises(InvalidInputError) as exc:
        nc.load_inventory(p)
    assert len(exc.value.issues) == 26 and exc.value.omitted == {"float_type": 2975}


def test_the_summary_survives_pickling_and_re_raising():
    import pickle

    from nqi_carbon.errors import Issue

    with nc.Limits(max_issues=2):
        err = InvalidInputError(
            [Issue("a", "x"), Issue("b", "y"), Issue("b", "z"), Issue("c", "w")]
        )
        assert err.omitted == {"b": 1, "c": 1}
        outer = InvalidInputError([Issue("d", "v"), *err.issues])
        # d and a are listed; b is counted with the inner error's own counts
        assert outer.omitted == {"b": 2, "c": 1}
    back = pickle.loads(pickle.dumps(err))
    assert back.omitted == err.omitted and back.issues[-1].code == "issues_truncated"
    assert set(err.issues[-1].to_dict()) == set(Issue("a", "x").to_dict())


# ---- confinement ----------------------------------------------------------------------


def _tenant(
    root: Path, name: str, activity_files: list[str], packs: str = "[testpack.yaml]"
) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PACK, folder / "testpack.yaml")
    (folder / "own.csv").write_text("source,amount,unit\ng,1,MWh\n")
    inv = folder / "inv.yaml"
    inv.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: T, id: t, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        f"factor_packs: {packs}\n"
        "facilities: [{id: a}]\n"
        "sources: [{id: g, facility: a, category: 2, factor: testpack/grid/a}]\n"
        f"activity_files: {json.dumps(activity_files)}\n"
    )
    return inv


@pytest.fixture
def tenants(tmp_path):
    """Tenant b's folder holds a secret in a CSV; tenant a is the attacker."""
    b = tmp_path / "tenants" / "b"
    b.mkdir(parents=True)
    (b / "secret.csv").write_text("source,amount,unit\nAPI_KEY=hunter2,1000000,MWh\n")
    (b / "rows.csv").write_text("source,amount,unit\ng,1000000,MWh\n")
    return tmp_path / "tenants"


def _links(a: Path, tenants: Path) -> None:
    os.symlink(tenants / "b" / "secret.csv", a / "link.csv")
    os.symlink(tenants / "b", a / "dir")


@pytest.mark.parametrize(
    "entry", ["../b/secret.csv", "ABS", "link.csv", "dir/rows.csv", "./../b/rows.csv"]
)
@pytest.mark.parametrize("sandboxed", [False, True], ids=["default", "sandbox"])
def test_one_tenant_cannot_read_another_tenants_folder(tenants, entry, sandboxed):
    a = tenants / "a"
    a.mkdir()
    _links(a, tenants)
    written = str(tenants / "b" / "rows.csv") if entry == "ABS" else entry
    inv_path = _tenant(tenants, "a", ["own.csv", written])
    with nc.Sandbox(base_dir=a) if sandboxed else contextlib.nullcontext():
        inv = nc.load_inventory(inv_path)
        with pytest.raises(InvalidInputError) as exc:
            nc.calculate(inv)
    (issue,) = exc.value.issues
    assert issue.code == "path_outside_base"
    assert (issue.field, issue.value, issue.file) == (
        "activity_files[1]",
        repr(written),
        str(inv_path),
    )
    assert "hunter2" not in str(exc.value) and "1000000" not in str(exc.value)


def test_a_user_pack_in_another_tenants_folder_is_refused(tenants):
    shutil.copy(PACK, tenants / "b" / "theirs.yaml")
    inv_path = _tenant(tenants, "a", ["own.csv"], packs="[../b/theirs.yaml]")
    with pytest.raises(PackError) as exc:
        nc.calculate(nc.load_inventory(inv_path))
    (issue,) = exc.value.issues
    assert (issue.code, issue.field, issue.value) == (
        "path_outside_base",
        "factor_packs[0]",
        "'../b/theirs.yaml'",
    )


def test_a_pack_cached_for_one_tenant_is_not_handed_to_another(tenants):
    shared = tenants / "b" / "theirs.yaml"
    shutil.copy(PACK, shared)
    b_inv = _tenant(tenants, "b", ["own.csv"], packs="[theirs.yaml]")
    with nc.Sandbox(base_dir=tenants / "b"):
        assert nc.calculate(nc.load_inventory(b_inv)).total_co2e > 0  # b's pack now cached
    a_inv = _tenant(tenants, "a", ["own.csv"], packs=json.dumps([str(shared)]))
    with nc.Sandbox(base_dir=tenants / "a"), pytest.raises(PackError, match="path_outside_base"):
        nc.calculate(nc.load_inventory(a_inv))


def test_under_a_sandbox_every_path_read_must_be_inside(tenants, tmp_path):
    a = tenants / "a"
    inv_b = _tenant(tenants, "b", ["own.csv"])
    inv_a = _tenant(tenants, "a", ["own.csv"])
    (tenants / "b" / "claim.json").write_text('{"gwp_set": "AR5", "total_co2e_t": 1}')
    with nc.Sandbox(base_dir=a):
        assert nc.calculate(nc.load_inventory(inv_a)).total_co2e == pytest.approx(0.5703)
        for read in (
            lambda: nc.load_inventory(inv_b),
            lambda: nc.read_activity(tenants / "b" / "secret.csv"),
            lambda: nc.verify(
                nc.load_inventory(inv_a),
                claimed=tenants / "b" / "claim.json",
                materiality=0.05,
                assurance="limited",
            ),
            lambda: nc.load_result(tenants / "b" / "claim.json"),
            lambda: nc.FactorRegistry([PACK]),
        ):
            with pytest.raises(InvalidInputError) as exc:
                read()
            assert codes(exc) == ["path_outside_base"]
            assert "hunter2" not in str(exc.value)


def test_a_trajectory_file_outside_the_sandbox_is_refused(tenants):
    from nqi_carbon.workflows import run_trajectory

    (tenants / "b" / "series.csv").write_text("year,gross_co2e_t\n2020,1\n2021,1\n2022,1\n")
    (tenants / "a").mkdir()
    with nc.Sandbox(base_dir=tenants / "a"), pytest.raises(InvalidInputError) as exc:
        run_trajectory(
            [str(tenants / "b" / "series.csv")],
            target_year=2030,
            method="linear",
            target_reduction=0.5,
        )
    assert codes(exc) == ["path_outside_base"]


def test_an_allowed_folder_may_be_read(tenants):
    shared = tenants.parent / "shared"
    shared.mkdir()
    shutil.copy(PACK, shared / "common.yaml")
    inv = _tenant(tenants, "a", ["own.csv"], packs=json.dumps([str(shared / "common.yaml")]))
    with pytest.raises(PackError, match="path_outside_base"):
        nc.calculate(nc.load_inventory(inv))
    with nc.Sandbox(base_dir=tenants / "a", allow=[shared]):
        assert nc.calculate(nc.load_inventory(inv)).total_co2e == pytest.approx(0.5703)


def test_a_mapping_inventory_reads_from_the_sandbox_base(tenants):
    a = tenants / "a"
    a.mkdir()
    shutil.copy(PACK, a / "testpack.yaml")
    (a / "own.csv").write_text("source,amount,unit\ng,2,MWh\n")
    data = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "factor_packs": ["testpack.yaml"],
        "facilities": [{"id": "a"}],
        "sources": [{"id": "g", "facility": "a", "category": 2, "factor": "testpack/grid/a"}],
        "activity_files": ["own.csv"],
    }
    with nc.Sandbox(base_dir=a):
        assert nc.calculate(nc.load_inventory(data)).total_co2e == pytest.approx(2 * 0.5703)
        data["activity_files"] = ["../b/rows.csv"]
        with pytest.raises(InvalidInputError, match="path_outside_base"):
            nc.calculate(nc.load_inventory(data))


@pytest.mark.skipif(not LINUX, reason="the opened descriptor's path is read from /proc")
def test_a_folder_swapped_for_a_link_between_check_and_open_cannot_escape(tenants, monkeypatch):
    """The check sees a real folder; by the open it is a link to another tenant's folder."""
    import nqi_carbon._io.files as files

    a = tenants / "a"
    a.mkdir()
    os.symlink(tenants / "b", a / "dir")  # what the open will go through
    real = os.path.realpath
    # what the check saw: a/dir was still a folder of a's own
    monkeypatch.setattr(
        files.os.path,
        "realpath",
        lambda p: str(a / "dir" / "rows.csv") if str(p).endswith("rows.csv") else real(p),
    )
    inv = _tenant(tenants, "a", ["dir/rows.csv"])
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.load_inventory(inv))
    assert codes(exc) == ["path_outside_base"]


def test_a_sandbox_holds_only_in_the_thread_that_entered_it(tenants):
    inv_b = _tenant(tenants, "b", ["own.csv"])
    (tenants / "a").mkdir()
    seen = {}

    def other_thread():
        seen["total"] = nc.calculate(nc.load_inventory(inv_b)).total_co2e

    with nc.Sandbox(base_dir=tenants / "a"):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with pytest.raises(InvalidInputError, match="path_outside_base"):
            nc.load_inventory(inv_b)
    assert seen["total"] == pytest.approx(0.5703)
    assert nc.calculate(nc.load_inventory(inv_b)).total_co2e == pytest.approx(0.5703)


def test_limits_and_sandboxes_nest_and_unwind(tmp_path):
    from nqi_carbon.limits import current_limits, current_sandbox

    with nc.Limits(max_issues=7):
        with nc.Sandbox(base_dir=tmp_path) as box:
            assert current_sandbox() is box and current_limits().max_issues == 7
            with nc.Limits(max_issues=3):
                assert current_sandbox() is box and current_limits().max_issues == 3
            with nc.Sandbox(base_dir=tmp_path, limits=nc.Limits(max_depth=5)):
                assert (current_limits().max_depth, current_limits().max_issues) == (5, 100)
            assert current_limits().max_issues == 7
        assert current_sandbox() is None
    assert current_limits() == nc.Limits()


def test_sandbox_and_limits_are_checked_when_made(tmp_path):
    with pytest.raises(InvalidInputError) as exc:
        nc.Sandbox(base_dir=tmp_path / "nope", allow=[tmp_path / "also-nope"])
    assert codes(exc) == ["sandbox_folder", "sandbox_folder"]
    with pytest.raises(InvalidInputError) as exc:
        nc.Limits(max_table_rows=0, max_depth=True)
    assert [i.field for i in exc.value.issues] == ["max_table_rows", "max_depth"]
    with pytest.raises(TypeError):
        nc.Limits(10)  # keyword-only


def test_save_inventory_relocation_reads_the_same_files_under_a_sandbox(tenants):
    inv = nc.load_inventory(_tenant(tenants, "a", ["own.csv"]))
    copy = nc.save_inventory(inv, tenants / "a" / "sub" / "copy.yaml")
    again = nc.load_inventory(copy)
    assert again.activity_files == ("../own.csv",) and again.factor_packs == ("../testpack.yaml",)
    with nc.Sandbox(base_dir=tenants / "a"):
        assert nc.calculate(again).total_co2e == nc.calculate(inv).total_co2e


# ---- command line ---------------------------------------------------------------------


def test_cli_base_dir_allow_and_limit(tenants, capsys):
    from nqi_carbon.cli import main

    inv = _tenant(tenants, "a", ["own.csv"])
    assert main(["validate", str(inv), "--base-dir", str(tenants / "b")]) == 1
    assert "path_outside_base" in capsys.readouterr().err
    assert main(["validate", str(inv), "--base-dir", str(tenants / "a")]) == 0
    capsys.readouterr()
    shared = tenants.parent / "shared"
    shared.mkdir()
    (shared / "x.csv").write_text("source,amount,unit\ng,1,MWh\n")
    inv2 = _tenant(tenants, "c", ["own.csv", str(shared / "x.csv")])
    assert main(["validate", str(inv2)]) == 1
    assert "path_outside_base" in capsys.readouterr().err
    assert (
        main(["validate", str(inv2), "--base-dir", str(tenants / "c"), "--allow", str(shared)]) == 0
    )
    capsys.readouterr()
    assert main(["calculate", str(inv), "--limit", "max_table_bytes=10"]) == 1
    assert "file_too_large" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["calculate", str(inv), "--limit", "max_nothing=3"])
    assert stop.value.code == 2


# ---- fuzzing the bounded readers ------------------------------------------------------

yaml_tokens = st.sampled_from(
    [
        *"[]{}:-,&*! \n",
        "&a ",
        "*a",
        "!!float ",
        "!!int ",
        "!!bool ",
        "!!timestamp ",
        "x",
        "1",
        "1e3",
        "9" * 50,
        "'",
        '"',
        "- ",
        "? ",
        "<<: ",
    ]
)


@FUZZ
@given(st.lists(yaml_tokens, max_size=120).map("".join))
def test_both_yaml_loaders_give_a_result_or_a_typed_error(text):
    for loader_class in (yaml_mod.PurePythonLoader, LIBYAML):
        if loader_class is None:
            continue
        saved = yaml_mod.LOADER
        yaml_mod.LOADER = loader_class
        try:
            with nc.Limits(max_depth=8, max_nodes=500), contextlib.suppress(NqiCarbonError):
                load_yaml_text(text)
        finally:
            yaml_mod.LOADER = saved


json_values = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ab,:', max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@FUZZ
@given(json_values, st.integers(min_value=1, max_value=8))
def test_the_json_bracket_count_matches_the_parsed_depth(value, limit):
    raw = json.dumps(value).encode()
    assert json_depth_within(raw, limit) == (_depth(value) <= limit)
