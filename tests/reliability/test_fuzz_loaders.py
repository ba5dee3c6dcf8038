"""Bounded fuzzing of the loaders ``test_fuzz.py`` does not reach: claims, user factor packs,
trajectory files, Excel and Parquet activity tables.

Each example is a mutated valid file; it must give a result or a typed ``NqiCarbonError``
(exit status 1 on the command line), never a traceback or a hang. Where the file is
accepted the result is checked against what the file says (an activity table's total is
its amounts times the factor). Only the public API and the command line are used.

``NQI_FUZZ_EXAMPLES`` sets the number of examples per test (default 50: each is cheap).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc

from .hostile_corpus import TESTPACK, mapping, run_cli, terminal_problems
from .test_hostile_claims import _source

EXAMPLES = int(os.environ.get("NQI_FUZZ_EXAMPLES", "50"))
LOADERS = settings(
    max_examples=EXAMPLES,
    deadline=20_000,  # per example; a hang is caught by the test's timeout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
pytestmark = pytest.mark.timeout(600)

# -- mutations of a document -------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.sampled_from(["", "x", "1", "1e3", "1,5", "AR6", "AR5", "CO2", "carbon dioxide", "1", "2"]),
    st.sampled_from(["2024-01-01", "2025-01-01", "2024-02-30", "NaN", "-1", "10**10**10", "t/MWh"]),
    st.text(max_size=8),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=6) | st.integers(0, 9), children, max_size=3)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


NUMBERS_LIKE = st.one_of(
    st.floats(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 0.0, -0.0, 1e-300, 1e308, -1.0, 5, 58.2, "1", "1e3", True, None]),
)


@st.composite
def mutated(draw: st.DrawFn, doc: dict[str, Any], under: tuple[str, ...] = ()) -> dict[str, Any]:
    """*doc* with one or two edits: mostly a number or text changed where one was (the file
    stays well-formed), else any value put in, a key removed or a key added; mostly under
    the top-level keys *under* when given."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(doc)[1:]
        if under and draw(st.integers(0, 3)):
            paths = [p for p in paths if p[0] in under]
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        old = parent[path[-1]]
        how = draw(st.sampled_from(["like", "like", "like", "replace", "delete", "add"]))
        if how == "like" and isinstance(old, int | float):
            parent[path[-1]] = draw(NUMBERS_LIKE)
        elif how == "like" and isinstance(old, str):
            parent[path[-1]] = draw(scalars)
        elif how in ("like", "replace"):
            parent[path[-1]] = draw(values)
        elif how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6) | st.integers(0, 9))] = draw(values)
        else:
            parent.append(draw(values))
    return doc


TOKENS = [
    *"[]{}:,-&*!|>'\"#%@? \n\t",
    "!!float ",
    "!!int ",
    "!!binary ",
    "&a ",
    "*a",
    "<<: ",
    "1e999",
    "9" * 5000,
]


@st.composite
def serialised(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[str, bytes]:
    """(suffix, bytes) of *doc* as JSON or YAML, sometimes with tokens spliced into the text."""
    suffix = draw(st.sampled_from([".json", ".yaml"]))
    if suffix == ".json":
        text = json.dumps(doc, default=str)
    else:
        text = yaml.safe_dump(doc, allow_unicode=True, default_flow_style=draw(st.booleans()))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):  # mostly the document as written
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
    return suffix, text.encode("utf-8", errors="surrogatepass")


def refused(exc: nc.NqiCarbonError) -> None:
    """A typed error: every issue has a reason code (counted in the statistics)."""
    codes = sorted({i.code for i in getattr(exc, "issues", ())})
    assert all(codes), exc
    event(f"{type(exc).__name__}: {codes[:3]}")


# -- claims -> verify --------------------------------------------------------------------------


TWO_SOURCES = mapping(
    sources=[_source("a", 1, "u/grid", 200), _source("b", 2, "u/grid", 200)],
    # every category addressed: completeness alone does not modify the opinion
    exclusions=[
        {"category": c, "reason": "nothing emitted", "estimated_co2e_t": 0.0} for c in (3, 4, 5, 6)
    ],
)
CLAIM = {
    "gwp_set": "AR6",
    "period": {"start": "2024-01-01", "end": "2025-01-01"},
    "organization": {"id": "h"},
    "totals": {
        "gross_co2e_t": 200.0,
        "by_category": {"1": 100.0, "2": 100.0},
        "by_scope": {"1": 100.0, "2_location": 100.0},
        "by_gas_mass_t": {"CO2": 200.0},
    },
    "by_source": {"a": 100.0, "b": {"CO2": 100.0}},
}


@pytest.fixture(scope="module")
def two_sources():
    return nc.validate_inventory(TWO_SOURCES)


def test_the_claim_before_mutation_is_unmodified(two_sources):
    assert (
        nc.verify(two_sources, CLAIM, materiality=0.05, assurance="reasonable").opinion
        == "unmodified"
    )


def _result_claim() -> dict[str, Any]:
    res = nc.calculate(nc.validate_inventory(TWO_SOURCES))
    return json.loads(res.to_json())


@LOADERS
@given(st.data())
def test_a_mutated_claim_gives_an_opinion_or_a_typed_error(two_sources, data):
    base = data.draw(st.sampled_from(["totals", "result@1"]))
    doc = data.draw(mutated(CLAIM if base == "totals" else _result_claim()))
    suffix, raw = data.draw(serialised(doc))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"claim{suffix}"
        path.write_bytes(raw)
        try:
            ver = nc.verify(two_sources, path, materiality=0.05, assurance="reasonable")
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event(f"opinion: {ver.opinion}")
    assert ver.opinion in ("unmodified", "modified", "adverse")
    assert math.isfinite(ver.claimed_co2e_t) and ver.recomputed_co2e_t == 200.0
    json.loads(ver.to_json())
    ver.to_markdown()


# -- user factor packs -> calculate ----------------------------------------------------------------

PACK = yaml.safe_load(TESTPACK.read_text(encoding="utf-8"))
PACK_INVENTORY = mapping(
    factor_packs=["pack.yaml"],
    factors=[],
    sources=[
        _source("g", 2, "testpack/grid/a", 10),
        _source("n", 1, "testpack/stationary/natural_gas", 0, activity={"amount": 1, "unit": "TJ"}),
    ],
)


@LOADERS
@given(st.data())
def test_a_mutated_user_pack_gives_a_result_or_a_typed_error(data):
    doc = data.draw(mutated(PACK, under=("factors", "fuels")))
    _, raw = data.draw(serialised(doc))  # JSON is YAML too
    with tempfile.TemporaryDirectory() as tmp, nc.Sandbox(base_dir=tmp):
        (Path(tmp) / "pack.yaml").write_bytes(raw)
        try:
            res = nc.calculate(nc.load_inventory(PACK_INVENTORY), uncertainty="analytical")
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event("result")
    assert math.isfinite(res.total_co2e) and res.total_co2e >= 0


def test_the_pack_before_mutation_gives_its_total():
    with tempfile.TemporaryDirectory() as tmp, nc.Sandbox(base_dir=tmp):
        shutil.copy(TESTPACK, Path(tmp) / "pack.yaml")
        res = nc.calculate(nc.load_inventory(PACK_INVENTORY))
    assert res.lines["source"].tolist().count("g") == 1
    assert res.total_co2e == pytest.approx(10 * 0.5703 + 56.1 + 1e-3 * 29.8 + 1e-4 * 273, rel=1e-9)


# -- trajectory files -> nqi-carbon trajectory -------------------------------------------------------

YEARS = st.sampled_from(
    ["2018", "2019", "2020", "2021", "2022", "2023", "2020.5", "1e12", "-1", "x", "", "99999"]
)
NUMBERS = st.sampled_from(
    ["100", "90.5", "0", "-5", "1e308", "1e309", "nan", "inf", "", "x", '"1,5"', "9" * 400]
)
UNITS = st.sampled_from(
    ["t", "10^4 t", "kt", "MWh", "10**10**10", "1,5 t", "", "t)", "(" * 10 + "t"]
)


@st.composite
def series_csv(draw: st.DrawFn) -> str:
    """A series of yearly totals: well formed, then up to three cells (or the header) spoiled."""
    header = ["year", "gross_co2e_t"] + (["removals_co2e_t"] if draw(st.booleans()) else [])
    n = draw(st.integers(0, 8))
    start = draw(st.integers(1990, 2025))
    rows = [
        [
            str(start + i),
            *(draw(st.sampled_from(["100", "90.5", "0", "1e6", "3"])) for _ in header[1:]),
        ]
        for i in range(n)
    ]
    for _ in range(draw(st.integers(0, 3))):
        if rows and draw(st.integers(0, 5)):
            row = draw(st.sampled_from(rows))
            k = draw(st.integers(0, len(row) - 1))
            row[k] = draw(YEARS if k == 0 else NUMBERS)
        else:
            header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(["x", "", "YEAR"]))
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


@st.composite
def sectors_csv(draw: st.DrawFn) -> str:
    unit = draw(UNITS)
    lines = [f"year,sector,output,energy,emissions [{unit}]"]
    for year in draw(
        st.lists(st.sampled_from(["2018", "2023", "2020", "x"]), min_size=1, max_size=3)
    ):
        for sector in draw(
            st.lists(st.sampled_from(["a", "b", "", "a,b"]), min_size=1, max_size=2)
        ):
            cells = [draw(NUMBERS) for _ in range(3)]
            lines.append(f"{year},{sector},{','.join(cells)}")
    return "\n".join(lines) + "\n"


METHODS = st.sampled_from(
    [
        ["--method", "linear", "--target-reduction", "0.5"],
        ["--method", "constant_rate", "--target", "10"],
        ["--method", "budget", "--budget", "1000"],
        ["--method", "linear", "--target-reduction", "1.5"],
    ]
)


@LOADERS
@given(series_csv(), st.none() | sectors_csv(), METHODS, st.sampled_from(["json", "html"]))
def test_trajectory_files_give_a_result_or_a_typed_error(series, sectors, method, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(Path(tmp) / "series.csv"), "--target-year", "2030", *method, "--format", fmt]
        (Path(tmp) / "series.csv").write_text(series, encoding="utf-8")
        if sectors is not None:
            (Path(tmp) / "sectors.csv").write_text(sectors, encoding="utf-8")
            args += ["--sectors", str(Path(tmp) / "sectors.csv")]
        run = run_cli("trajectory", *args)  # a traceback propagates and fails the test
    assert run.exit in (0, 1), run.stderr
    event(f"exit {run.exit}: {run.codes}")
    assert terminal_problems(run.stdout + run.stderr) == []
    if run.exit == 1:
        assert run.codes, run.stderr  # every problem listed with its reason code
    elif fmt == "json":
        json.loads(run.stdout)


# -- activity tables: Excel and Parquet -> read_activity -> calculate --------------------------------

TABLE_INVENTORY = mapping(sources=[{"id": "g", "facility": "f", "category": 2, "factor": "u/grid"}])
MWH = {"MWh": 1.0, "kWh": 1e-3, "GWh": 1e3}


def _expected_total(rows: list[list[Any]]) -> float | None:
    """0.5 t/MWh times the rows' energy when every row is plainly right; else None."""
    total = 0.0
    for source, amount, unit in rows:
        ok_amount = isinstance(amount, int | float) and not isinstance(amount, bool)
        if (
            source != "g"
            or not ok_amount
            or not math.isfinite(amount)
            or amount < 0
            or unit not in MWH
        ):
            return None
        total += amount * MWH[unit]
    return 0.5 * total


def check_table(save: Callable[[Path], object], name: str, rows: list[list[Any]] | None) -> None:
    """Save the table as *name*, then ``read_activity`` + ``calculate``: a typed error, or
    the total the *rows* give (when they are known)."""
    inv = nc.validate_inventory(TABLE_INVENTORY)
    with tempfile.TemporaryDirectory() as tmp:
        save(Path(tmp) / name)
        try:
            res = nc.calculate(inv, activity=nc.read_activity(Path(tmp) / name))
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event("result" if rows is None else "result, total checked")
    assert math.isfinite(res.total_co2e) and res.total_co2e >= 0
    expected = None if rows is None else _expected_total(rows)
    if expected is not None:
        assert res.total_co2e == pytest.approx(expected, rel=1e-9, abs=1e-12)


CELLS = st.one_of(
    st.sampled_from(
        ["g", "h", "", " g", "MWh", "kWh", "GWh", "10**10**10", "=1+1", "#DIV/0!", "1,5", "x"]
    ),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
GOOD_ROW = st.tuples(
    st.just("g"),
    st.floats(min_value=0, max_value=1e6) | st.integers(0, 10**6),
    st.sampled_from(list(MWH)),
).map(list)
ROW = st.one_of(GOOD_ROW, GOOD_ROW, st.lists(CELLS, min_size=3, max_size=3))
HEADERS = st.sampled_from(
    [
        ["source", "amount", "unit"],
        ["source", "amount", "unit"],
        ["Source", "amount", "unit"],
        ["source", "amount"],
    ]
)


@st.composite
def workbooks(draw: st.DrawFn) -> tuple[Any, list[list[Any]] | None]:
    """A workbook of activity sheets (hidden or not), hidden rows and columns, merged cells;
    with the rows of the sheet that should be read when nothing in it is hidden or merged."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    n = draw(st.integers(1, 3))
    first_visible, plain = None, True
    read_rows: list[list[Any]] | None = None
    for k in range(n):
        ws = wb.create_sheet(f"S{k}")
        header = draw(HEADERS)
        rows = draw(st.lists(ROW, max_size=6))
        ws.append(header)
        for row in rows:
            ws.append(row)
        state = draw(st.sampled_from(["visible", "visible", "hidden", "veryHidden"]))
        if k == n - 1 and first_visible is None:
            state = "visible"  # a workbook keeps one visible sheet
        ws.sheet_state = state
        touched = False
        if rows and draw(st.integers(0, 7)) == 0:
            ws.row_dimensions[draw(st.integers(2, len(rows) + 1))].hidden = True
            touched = True
        if draw(st.integers(0, 7)) == 0:
            ws.column_dimensions[draw(st.sampled_from(["B", "D"]))].hidden = True
            touched = True
        if rows and draw(st.integers(0, 4)) == 0:
            ws.merge_cells(f"A2:B{len(rows) + 1}")
            touched = True
        if state == "visible" and first_visible is None:
            first_visible = k
            plain = not touched and header == ["source", "amount", "unit"]
            read_rows = rows if plain else None
    wb.active = first_visible or 0
    return wb, read_rows


@pytest.mark.excel
@LOADERS
@given(workbooks())
def test_an_excel_table_gives_its_total_or_a_typed_error(book):
    wb, rows = book
    check_table(wb.save, "activity.xlsx", rows)


@st.composite
def parquet_columns(draw: st.DrawFn) -> tuple[Any, list[list[Any]] | None]:
    import pyarrow as pa

    n = draw(st.integers(0, 5))
    kind = {
        "string": (st.sampled_from(["g", "h", "", "MWh", "kWh", "x"]) | st.none(), pa.string()),
        "large_string": (st.sampled_from(["g", "MWh", "GWh"]), pa.large_string()),
        "float64": (st.floats() | st.none(), pa.float64()),
        "float32": (st.floats(width=32), pa.float32()),
        "int64": (st.integers(-(2**63), 2**63 - 1) | st.none(), pa.int64()),
        "uint8": (st.integers(0, 255), pa.uint8()),
        "bool": (st.booleans(), pa.bool_()),
        "binary": (st.binary(max_size=4), pa.binary()),
        "date": (st.dates(), pa.date32()),
        "timestamp": (st.datetimes(), pa.timestamp("us")),
        "decimal": (
            st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
            pa.decimal128(10, 2),
        ),
        "null": (st.none(), pa.null()),
        "list": (st.lists(st.integers(0, 3), max_size=2), pa.list_(pa.int64())),
    }
    names = draw(
        st.sampled_from(
            [
                ["source", "amount", "unit"],
                ["source", "amount", "unit", "uncertainty"],
                ["source", "unit"],
            ]
        )
    )
    good = draw(st.booleans())
    cols, plain = {}, good and len(names) == 3
    for name in names:
        if good and name == "source":
            values, typ = draw(st.lists(st.just("g"), min_size=n, max_size=n)), pa.string()
        elif good and name == "amount":
            values, typ = draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)), pa.float64()
        elif good and name == "unit":
            values, typ = (
                draw(st.lists(st.sampled_from(list(MWH)), min_size=n, max_size=n)),
                pa.string(),
            )
        else:
            strategy, typ = kind[draw(st.sampled_from(sorted(kind)))]
            values = draw(st.lists(strategy, min_size=n, max_size=n))
        if draw(st.integers(0, 5)) == 0 and pa.types.is_string(typ):
            cols[name] = pa.array(values, type=typ).dictionary_encode()
        else:
            cols[name] = pa.array(values, type=typ)
    table = pa.table(cols)
    rows = (
        [list(r) for r in zip(*(cols[c].to_pylist() for c in names), strict=True)]
        if plain
        else None
    )
    return table, rows


@pytest.mark.parquet
@LOADERS
@given(parquet_columns())
def test_a_parquet_table_gives_its_total_or_a_typed_error(columns):
    import pyarrow.parquet as pq

    table, rows = columns
    check_table(lambda path: pq.write_table(table, path), "activity.parquet", rows)
