"""What the speed work of issue 14 must keep: the same values, bounded work and memory.

No test here times anything against the clock except as a generous hang guard
(``pytest.mark.timeout``): work that was quadratic must not come back as a hang.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon._io import tables

# every kind of cell a number column of a CSV may hold, and what the strict reading makes
# of it (PLAIN_NUMBER after stripping spaces; text stays text; empty is a gap)
CELLS = {
    "12": 12.0,
    " 3.5": 3.5,
    "\t7 ": 7.0,
    "12\n": 12.0,
    "1e3": 1000.0,
    "+.5": 0.5,
    "5.": 5.0,
    "-0": -0.0,
    "00012": 12.0,
    "1e400": math.inf,  # a plain number too large for a float: the table check refuses it
    # half the smallest subnormal is 2.4703282292062327208...e-324: below it 0, above it 5e-324
    "2.4703282292062327e-324": 0.0,
    "2.4703282292062328e-324": 5e-324,
    "0.1": 0.1,
    "١٢": 12.0,  # digits of another script are digits (as float() reads them)
    "1,000": "1,000",
    "abc": "abc",
    "nan": "nan",
    "inf": "inf",
    "0x10": "0x10",
    "1_000": "1_000",
    "TRUE": "TRUE",
}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return type(a) is type(b) and a == b


def _cell_by_cell(column: pd.Series) -> pd.Series:
    """The reading of a number column one cell at a time (the rule the fast path keeps)."""
    out = column.astype(object).map(tables._as_number)
    return out.astype(float) if all(isinstance(v, float) for v in out) else out


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_number_columns_read_column_wise_give_what_cell_by_cell_reading_gives(storage):
    pytest.importorskip("pyarrow")
    texts = [*CELLS, None]
    column = pd.Series(texts * 3, dtype=pd.StringDtype(storage, na_value=np.nan))
    fast, slow = tables.number_column(column), _cell_by_cell(column)
    assert fast.dtype == object
    assert all(_same(a, b) for a, b in zip(fast, slow, strict=True))
    assert all(_same(fast[k], v) for k, v in enumerate(CELLS.values()))
    assert math.isnan(fast[len(CELLS)])


def test_a_number_column_of_plain_numbers_is_read_as_floats_exactly():
    rng = np.random.default_rng(5)
    values = rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000)
    texts = [repr(float(v)) for v in values] + [f"{v:.17g}" for v in values] + ["", " 1"]
    column = pd.Series(texts, dtype="str")
    fast = tables.number_column(column)
    assert fast.dtype == np.float64
    expected = [float(t) if t.strip() else math.nan for t in texts]
    assert all(_same(a, b) for a, b in zip(fast.tolist(), expected, strict=True))


@pytest.mark.parametrize(
    ("dtype", "values"),
    [("float64", [1.5, -0.0, np.nan]), ("int64", [3, 2**60 + 1, 0]), ("float32", [0.1, 2.5, 1.0])],
)
def test_numeric_columns_keep_the_values_cell_by_cell_reading_gives(dtype, values):
    column = pd.Series(values, dtype=dtype)
    fast, slow = tables.number_column(column), _cell_by_cell(column)
    assert fast.dtype == slow.dtype == np.float64
    assert all(_same(a, b) for a, b in zip(fast, slow, strict=True))


def test_read_activity_reads_a_csv_of_every_kind_of_cell_as_before(tmp_path):
    path = tmp_path / "a.csv"
    lines = ["source,amount,unit"] + [f'x,"{t}",t' for t in CELLS] + ["x,,t"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = nc.read_activity(path)["amount"].tolist()
    expected = [*CELLS.values(), math.nan]
    assert all(_same(a, b) for a, b in zip(got, expected, strict=True))


def test_a_bom_and_leading_blank_lines_are_read_as_before(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf\n\nsource,amount,unit\r\nx,1.5,t\r\n")
    frame = nc.read_activity(path)
    assert list(frame.columns) == ["source", "amount", "unit"]
    assert frame["amount"].tolist() == [1.5]


@pytest.mark.excel
@pytest.mark.timeout(120)
def test_appending_rows_to_a_sheet_costs_the_same_for_every_row():
    """``excel_append`` found its row by a pass over every cell of the sheet (quadratic)."""
    openpyxl = pytest.importorskip("openpyxl")
    from nqi_carbon._escape import excel_append

    ws = openpyxl.Workbook().active
    for k in range(30_000):
        excel_append(ws, [f"=row {k}", k, None, "#N/A"])
    assert ws.max_row == 30_000
    last = ws[30_000]
    assert [c.value for c in last] == ["=row 29999", 29999, None, "#N/A"]
    assert [c.data_type for c in last] == ["s", "n", "n", "s"]
    assert last[0].quotePrefix and not last[3].quotePrefix


def _anthracite_sources(n: int) -> dict:
    """An inventory of *n* sources on the IPCC anthracite factor (per TJ; the fuel has an NCV)."""
    return {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "O", "id": "o", "consolidation": "operational_control"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "factor_packs": ["ipcc-2006"],
        "facilities": [{"id": "f", "operational_control": True}],
        "sources": [
            {"id": f"s{k}", "facility": "f", "category": 1, "factor": "ipcc-2006/stationary/anthracite"}
            for k in range(n)
        ],
    }


def test_an_inventory_keeps_a_bounded_number_of_computed_entries():
    """Every new activity table added entries to a dict that never dropped any."""
    from nqi_carbon.limits import CACHE_ENTRIES

    inv = nc.validate_inventory(_anthracite_sources(1))
    energy = ["TJ", "GJ", "MJ", "kWh", "MWh", "GWh", "kJ", "PJ"]
    for k in range(1, 3 * CACHE_ENTRIES + 1):  # tables of other units: other plans
        units = [u for j, u in enumerate(energy) if k >> j & 1]
        table = pd.DataFrame({"source": "s0", "amount": 1.0, "unit": units})
        nc.calculate(inv, activity=table)
        assert len(inv._cache) <= CACHE_ENTRIES
    assert len(inv._cache) == CACHE_ENTRIES


def test_the_bounded_cache_drops_the_least_recently_used_entry():
    from nqi_carbon.limits import BoundedCache

    cache = BoundedCache(maxsize=2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1  # now the most recent
    cache["c"] = 3
    assert list(cache) == ["a", "c"]
    assert cache.get("b", "gone") == "gone"


def test_a_scalar_remembered_by_the_yaml_resolver_keeps_its_type_quoted_or_plain():
    from nqi_carbon._io.yaml import load_yaml_text

    text = "a: 'true'\nb: true\nc: '12'\nd: 12\ne: 12\nf: '1e3'\ng: 1e3\nh: NO\n"
    rows = "\n".join(f"- {{x: {v}, y: '{v}'}}" for v in ("true", "12", "1.5", "null", "~"))
    assert load_yaml_text(text) == {
        "a": "true", "b": True, "c": "12", "d": 12, "e": 12, "f": "1e3", "g": 1000.0, "h": "NO"
    }
    assert load_yaml_text(rows) == [
        {"x": True, "y": "true"},
        {"x": 12, "y": "12"},
        {"x": 1.5, "y": "1.5"},
        {"x": None, "y": "null"},
        {"x": None, "y": "~"},
    ]


def _fuel_sources(n: int, *, own_density_for: int | None = None) -> nc.Inventory:
    """*n* sources burning diesel on one IPCC factor per TJ, their activity in tonnes."""
    sources = []
    for i in range(n):
        s = {
            "id": f"s{i}",
            "facility": "f",
            "category": 1,
            "factor": "ipcc-2006/stationary/gas_diesel_oil",
            "activity": {"amount": 10.0, "unit": "t", "period": 2024},
        }
        if i == own_density_for:
            s["activity"] = {"amount": 1000.0, "unit": "L", "period": 2024}
            s["density"] = {"value": 0.84, "unit": "kg/L", "evidence": "supplier certificate"}
        sources.append(s)
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Chains", "id": "c", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "facilities": [{"id": "f", "name": "F", "operational_control": True}],
            "sources": sources,
        }
    )


def test_sources_that_share_a_unit_chain_build_it_once(monkeypatch):
    # Planning must not grow with pint work per source (issue 14: ~190 us per source when
    # each source built its own tonnes -> TJ chain through the diesel NCV): 300 sources
    # stating nothing of their own share one chain.
    from nqi_carbon.calc import plan

    built = []
    real = plan.unit_chain

    def counting(*args, **kwargs):
        built.append(args[:2])
        return real(*args, **kwargs)

    monkeypatch.setattr(plan, "unit_chain", counting)
    res = nc.calculate(_fuel_sources(300))
    assert built == [("t", "TJ")]
    # 10 t x NCV 43.0 TJ/Gg = 0.43 TJ per source; 74,100 kg CO2/TJ (IPCC 2006 Table 2.2)
    co2 = res.lines[res.lines["gas"] == "CO2"]["co2e_t"]
    assert co2.iloc[0] == pytest.approx(10 * 43.0 / 1000 * 74.1)


def test_a_source_with_its_own_density_keeps_its_own_chain():
    # the shared chain is only for sources that state nothing of their own: a source's
    # density (1000 L x 0.84 kg/L = 0.84 t) is used for it alone
    res = nc.calculate(_fuel_sources(3, own_density_for=1))
    per_source = res.lines[res.lines["gas"] == "CO2"].set_index("source")["co2e_t"]
    assert per_source["s1"] == pytest.approx(0.84 * 43.0 / 1000 * 74.1)
    assert per_source["s0"] == per_source["s2"] == pytest.approx(10 * 43.0 / 1000 * 74.1)


@pytest.mark.excel
def test_cells_written_as_text_give_the_bytes_openpyxl_writes(tmp_path):
    """The fast sheet writer (pages/workbook._save) against openpyxl's own, every cell kind."""
    import datetime as dt
    import io

    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    from nqi_carbon._escape import excel_append
    from nqi_carbon.pages.workbook import _save

    wb = openpyxl.Workbook()
    ws = wb.active
    excel_append(ws, ["plain", " lead", "trail ", "  ", "", "a & <b> > c", "中文 text", "=SUM(A1)"])
    excel_append(ws, [1, -0.0, 1e300, 0.1, 12345678901234567890, math.nan, math.inf, True, False])
    excel_append(ws, [dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 12, 30), None, "x"])
    ws.cell(row=4, column=2).number_format = "0.0%"  # an empty styled cell
    ws.cell(row=5, column=1, value="note").comment = Comment("a comment", "me")
    ws.cell(row=5, column=2, value="link").hyperlink = "https://example.org/a?b=1&c=2"
    ws.cell(row=6, column=1, value=3.5).font = Font(bold=True)
    ws.cell(row=6, column=2, value="wrapped").alignment = Alignment(wrap_text=True)
    ws.row_dimensions[7].height = 30
    ws.cell(row=7, column=1, value="tall row")
    ws.cell(row=8, column=3, value="=1+1")  # a formula (never written by nqi-carbon)
    other = wb.create_sheet("Second")
    other.append(["k", 2])

    def with_openpyxl(book):
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()

    import zipfile

    fast, slow = (zipfile.ZipFile(io.BytesIO(b)) for b in (_save(wb), with_openpyxl(wb)))
    assert fast.namelist() == slow.namelist()
    for name in fast.namelist():
        if name != "docProps/core.xml":  # the save time differs
            assert fast.read(name) == slow.read(name), name


# the report table as the page templates wrote it before issue 14 (a Jinja2 macro per cell)
_FRAME_MACRO = """\
{% macro pair(p, lang) -%}
{% if lang == "en+zh" and p[0] != p[1] %}{{ p[0] }} <span class="zh" lang="zh-Hans">{{ p[1] }}</span>
{%- else %}{{ p[1] if lang == "zh" else p[0] }}{% endif %}
{%- endmacro %}
{% macro frame(v, lang) -%}
{% if v is none %}<p><i>{{ tr(("none", "无"), lang) }}</i></p>
{%- else -%}
{% set columns = [v.numeric, v.linked] %}
<table{% if v.headers|length > 10 %} class='wide'{% endif %}><thead><tr>
{%- for h, numeric in zip(v.headers, v.numeric) %}<th{% if numeric %} class='num'{% endif %}>{{ pair(h, lang) }}</th>{% endfor -%}
</tr></thead><tbody>
{%- for row, klass in zip(v.rows, v.row_class) %}
<tr{% if klass %} class='{{ klass }}'{% endif %}>
{%- for c, numeric, linked in zip(row, *columns) %}
<td{% if numeric %} class='num'{% endif %}>
{%- if c is string %}{{ c|linked if linked else c }}{% else %}{{ pair(c, lang) }}{% endif -%}
</td>
{%- endfor %}
</tr>
{%- endfor %}
</tbody></table>
{%- endif %}
{%- endmacro %}
{{ frame(v, lang) }}"""


def _view_row_by_row(name, df, lang):
    """The view as it was built before issue 14: row by row, a cell at a time."""
    from nqi_carbon.pages.format import _cell, _is_missing, _is_number
    from nqi_carbon.pages.labels import _TRANSLATED_COLUMNS, _value_pair
    from nqi_carbon.pages.tables import _view

    columns = _view(name, df, lang).columns  # which columns are shown is not at stake
    index = [[str(c) for c in df.columns].index(c) for c in columns]
    numeric = []
    for i in index:
        values = [v for v in df.iloc[:, i] if not _is_missing(v)]
        numeric.append(bool(values) and all(_is_number(v) for v in values))
    rows, row_class = [], []
    for row in df.itertuples(index=False):
        cells, klass = [], ""
        for i, c in zip(index, columns, strict=True):
            text = _cell(row[i], c)
            if c in _TRANSLATED_COLUMNS and isinstance(row[i], str):
                cells.append(_value_pair(text))
                if c == "calibration_status" and text == "due within the period":
                    klass = "due"
            else:
                cells.append(text)
        rows.append(cells)
        row_class.append(klass)
    return rows, numeric, row_class


def _hostile_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["A & <b>", "Ünïcode 中文", "same", "same", None],
            "name_zh": ["甲", "乙", "same", "same", "丁"],
            "co2e_t": [1234.5678, -0.0, 0.0, 0.0466, math.nan],
            "share": [1.0, 0.6, 0.35, 1 / 3, 0.5],
            "relative_95": [0.05, 0.05, pd.NA, 0.5, 0.1],
            "value": [73300.0, -0.0, 0.0, 73300.0, 2],
            "citation": ["see https://example.org/a?b=1&c=<2>.", "x\x1by", "'\"", "", "javascript:x"],
            "calibration_status": ["due within the period", "current", 3, None, "due within the period"],
            "status": ["not_applicable", "reported", "reported", True, 1.5],
            "scope": [1, 2, 3, 1, 2],
            "when": pd.to_datetime(["2024-01-01", None, "2024-02-29", "2024-03-01", "2024-12-31"]),
            "flag": [True, False, True, False, True],
            "count": pd.array([1, None, 3, 4, 5], dtype="Int64"),
        }
    )


@pytest.mark.parametrize("lang", ["en", "zh", "en+zh"])
def test_report_tables_are_written_as_the_template_macro_wrote_them(lang):
    """Column-wise cells and the HTML table written in Python: the same as row by row in Jinja2."""
    from nqi_carbon.pages.render import environment
    from nqi_carbon.pages.tables import _html_table, _view

    df = _hostile_table()
    wide = pd.concat([df, df.add_suffix("_2")], axis=1)  # more than ten columns: class 'wide'
    for table in (df, wide, df.iloc[:, :3]):
        view = _view("Lines", table, lang)
        assert (view.rows, view.numeric, view.row_class) == _view_row_by_row("Lines", table, lang)
        reference = environment().from_string(_FRAME_MACRO).render(v=view, lang=lang)
        assert _html_table(view, lang) == reference
    assert _html_table(None, lang) == environment().from_string(_FRAME_MACRO).render(v=None, lang=lang)


def test_float_columns_are_written_as_each_float_would_be():
    """float_texts (one comprehension per column) == _float_text(column) of each value."""
    import random
    import struct

    from nqi_carbon.pages.format import _float_text, float_texts

    rng = random.Random(14)
    values = [0.0, -0.0, 0.1, -0.1, 0.09999999999999999, 0.0999995, 0.0999994, 1e-300, -5e-324,
              math.nan, math.inf, -math.inf, 999.9995, 1e21, -1234567.891, 0.0466, 0.000604]  # fmt: skip
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(3000)]
    values += [rng.uniform(-2, 2) * 10 ** rng.randint(-8, 8) for _ in range(3000)]
    arr = np.array(values, dtype=float)
    columns = ["co2e_t", "mass_t", "share", "activity", "value", "gwp", "relative_95", "variance_share",
               "weighted_score", "expanded_uncertainty", "other"]  # fmt: skip
    for column in columns:
        write = _float_text(column)
        assert float_texts(arr, column) == [write(v) for v in values], column


def test_html_of_many_values_is_html_text_of_each():
    import random

    from nqi_carbon._escape import html_text, html_texts

    alphabet = "aZ9,.±% —&<>\"'\r\n\t\x00\x1b\x7f\x85\u2028\u202e\ud800\ufffe中"
    rng = random.Random(14)
    for _ in range(3000):
        values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(3)]
        assert html_texts(values) == [html_text(v) for v in values], values
    plain = ["1,234.567", "±4.2 %", "t CO2e", "—"]
    assert html_texts(plain) == plain


def test_a_large_table_put_into_the_page_after_rendering_is_the_page_rendered_whole(monkeypatch):
    from nqi_carbon.pages import render
    from nqi_carbon.pages.tables import _view

    df = pd.concat([_hostile_table()] * 40, ignore_index=True)
    views = [_view("Lines", df, "en"), _view("Sources", df.iloc[:, :4], "en")]
    sections = [
        {"anchor": f"t-{k}", "title": ("T\x00<", "表"), "note": None, "view": v}
        for k, v in enumerate(views)
    ]
    page = render.environment().from_string(
        '{% from "macros.html" import frame %}{% for s in sections %}{{ s.title[0] }}{{ frame(s.view, "en") }}{% endfor %}'
    )
    monkeypatch.setattr(render, "_LARGE", 1)
    real = render.environment().get_template
    monkeypatch.setattr(
        render.environment(),
        "get_template",
        lambda name, *a, **k: page if name == "x" else real(name, *a, **k),
    )
    apart = render.render("x", sections=sections)
    monkeypatch.setattr(render, "_LARGE", 10**12)
    assert apart == render.render("x", sections=sections)
    assert "\x00" not in apart and "T\\u0000&lt;" in apart


def test_a_report_table_from_rows_is_the_table_of_its_cells_made_storable():
    """table_frame (rows as they are unless a surrogate is found) == the rows through table_text."""
    from nqi_carbon._escape import table_frame, table_text

    def cell_by_cell(rows, columns=None):
        cells = [
            {k: table_text(v) for k, v in r.items()} if isinstance(r, dict) else [table_text(v) for v in r]
            for r in rows
        ]
        return pd.DataFrame(cells, columns=columns)

    cases = [
        ([{"a": "x\ud800", "b": 1}, {"a": "y", "b": 2}], None),  # Arrow text refuses it
        ([{"a": "x\udfff", "b": 1}, {"a": 3, "b": None}], ["a", "b"]),  # an object column
        ([["x", 1.5], ["\ud800\udc00", math.nan]], ["a", "b"]),  # two lone surrogates
        ([{"a": "plain", "b": [1]}, {"a": "é中", "b": None}], None),
        ([], ["a", "b"]),
    ]
    for rows, columns in cases:
        got, want = table_frame(rows, columns), cell_by_cell(rows, columns)
        pd.testing.assert_frame_equal(got, want)
        assert [str(t) for t in got.dtypes] == [str(t) for t in want.dtypes]


@pytest.mark.parametrize("example", ["cement", "office", "us-factory"])
def test_sources_gross_totals_are_each_sources_sum(example):
    """The sources table's t CO2e (lines sorted by source once) == res._sum of each source's mask."""
    from pathlib import Path

    from nqi_carbon.calc.quality import gross_by_source

    root = Path(__file__).resolve().parents[1] / "examples" / example
    res = nc.calculate(nc.load_inventory(root / "inventory.yaml"), uncertainty="analytical")
    t = res.table.template
    gross = gross_by_source(res)
    for p in res.plans:
        assert gross[p.index] == res._sum((t.src == p.index) & (t.basis != 2) & ~t.biogenic), p.source.id


def test_a_markdown_cell_left_as_it_is_is_what_the_escaping_makes_of_it():
    """md_cell's shortcut for plain text (numbers, units, words) gives what md_text gives."""
    import random

    from nqi_carbon._escape import md_cell, md_text

    alphabet = "aZ9١中_. ,%±+-/:()|*[]~<>&#\\`\n\t\r\u2028\u202e\x00\x85é"
    rng = random.Random(14)
    texts = ["1,234.567", "±4.2 %", "t CO2e", "kg/TJ", "a_b", "x  y", " x", "x ", "&amp;", "a|b"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    for text in texts:
        assert md_cell(text) == md_text(" ".join(text.split())).replace("|", "\\|"), repr(text)


def test_markdown_cells_checked_together_are_md_cell_of_each():
    import random

    from nqi_carbon._escape import md_cell, md_cells

    rng = random.Random(14)
    for alphabet in ("aZ9١中_. ,%±+-/:()|*[]~<>&#\\`\n\t\r\u2028\u202e\x00\x85é", "a9中.,%±+-/:() \n_"):
        for _ in range(20000):
            values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 4))]
            assert md_cells(values) == [md_cell(v) for v in values], values
    plain = ["1,234.567", "±4.2 %", "t CO2e", "kg/TJ", "中文"]
    assert md_cells(plain) == plain


def test_planning_runs_no_garbage_collection_pass_per_few_hundred_sources():
    # planning 10,000 sources makes about a million small objects; the cyclic collector
    # is paused while the plans are built (a full pass over the heap was a third of it)
    import gc

    from nqi_carbon.calc.plan import plan_sources

    inv = _fuel_sources(1500)
    passes = []

    def count(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        plan_sources(inv, {f"s{i}": ["t"] for i in range(1500)})
    finally:
        gc.callbacks.remove(count)
    assert gc.isenabled()
    assert len(passes) <= 20, passes  # 106 passes when the collector ran throughout


def test_report_files_are_rendered_with_the_collector_paused():
    import gc

    from nqi_carbon.pages.render import render_files

    seen = []

    class Document:
        def to_html(self):
            seen.append(gc.isenabled())
            return "<p>x</p>"

        def to_json(self):
            raise ZeroDivisionError

        _excel_bytes = to_json

    with pytest.raises(ZeroDivisionError):
        render_files(Document(), {"html": "a.html", "json": "a.json"}, ["html", "json"])
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_paused_and_restored_as_it_was():
    import gc

    from nqi_carbon.calc._gc import paused_gc

    seen = []

    def inside():
        with paused_gc():
            seen.append(gc.isenabled())
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        inside()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


@pytest.mark.excel
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_report_table_sheet_held_as_text_is_the_sheet_made_cell_by_cell(monkeypatch, lang):
    """append_block (values held as text until saved) against openpyxl cells, byte for byte."""
    import datetime as dt

    from nqi_carbon.pages.workbook import new_workbook, workbook_data
    from nqi_carbon.report import excel

    long = "word " * 20  # wider than the 60-character cap: wraps
    table = pd.DataFrame(
        {
            "source": ["=cmd|' /C calc'!A0", " lead", "trail ", "a & <b>", "", "中文 text", long, None],
            "co2e_t": [1234.5678, -0.0, math.inf, 0.1, 12345678901234567890, None, 3.0, 2.0],
            "relative_95": [0.05, None, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5],
            "calibration_status": ["due within the period", "current", None, "due within the period",
                                   "x", "y", "z", "w"],
            "calibration_due": [dt.date(2024, 1, 31), None, dt.date(1900, 2, 1), dt.date(2024, 3, 1),
                                None, None, None, None],
            "value": [1, 2, 3, True, False, 6, 7, 8],
            "note": ["x" * 40000, "@SUM(1)", "+1", "-1", "\t tab", "\x1b[31m", "#N/A", "ok"],
        }
    )  # fmt: skip
    day = dt.date(2025, 1, 1)

    def book():
        wb = new_workbook(day)
        excel._table_sheet(wb, "Instruments", table, lang)
        excel._table_sheet(wb, "Lines", table.iloc[:, :3], lang)  # styles shared across sheets
        return workbook_data(wb, day)

    fast = book()
    monkeypatch.setattr(excel, "append_block", lambda *a, **k: False)
    assert fast == book()


@pytest.mark.excel
def test_a_sheet_written_a_column_at_a_time_sizes_and_styles_as_cell_by_cell(monkeypatch):
    """Column widths from the extremes of a number column; styles registered in row order."""
    import datetime as dt

    from nqi_carbon.pages.workbook import new_workbook, workbook_data
    from nqi_carbon.report import excel

    tables = [
        pd.DataFrame({"q": [-0.0, 0.0, 5.0], "x": ["=a", "b", "+c"]}),  # "-0.000" the widest
        pd.DataFrame({"q": [9999.9996, 12.0, math.inf], "r": [-123456789.5, 2.5, -math.inf]}),
        pd.DataFrame({"q": [7, -1234567890, 3], "r": [True, None, False], "s": [1, None, 2.5]}),
        pd.DataFrame({"q": pd.Series([123456789, 0.5, None], dtype=object), "r": [1.5, 2.5, 3.5]}),
        pd.DataFrame({"note": [None, "x" * 70, "short", "-1", None], "v": [None] * 5}),
        # chunks of 2048 rows: one %-template per column of a chunk when every cell is a
        # finite number or a text; the chunk with a NaN, or an empty text, cell by cell
        pd.DataFrame(
            {
                "q": [i / 7 if i != 2500 else math.nan for i in range(3000)],
                "t": [f"%d %s %% {i % 5}" if i != 2600 else None for i in range(3000)],
                "u": [1e300 * (i % 3) for i in range(3000)],
                "co2e_t": [None] * 3000,  # empty but styled (a number format): written
                "w": [None] * 3000,  # empty, no style: not written
            }
        ),
    ]
    day = dt.date(2025, 1, 1)

    def book():
        wb = new_workbook(day)
        for k, table in enumerate(tables):
            excel._table_sheet(wb, f"Lines {k}", table, "en")
        return workbook_data(wb, day)

    fast = book()
    monkeypatch.setattr(excel, "append_block", lambda *a, **k: False)
    assert fast == book()


@pytest.mark.excel
def test_a_workbook_compressed_while_it_is_written_is_the_dated_archive_of_its_save():
    """workbook_data (each entry deflated by a second thread) == _zip_dated(_save(wb))."""
    import datetime as dt

    from nqi_carbon._escape import excel_append
    from nqi_carbon.pages.workbook import _save, _zip_dated, new_workbook, workbook_data

    day = dt.date(2025, 1, 1)

    def book():
        wb = new_workbook(day)
        for k in range(3):
            ws = wb.create_sheet(f"S{k}")
            for i in range(2000):
                excel_append(ws, [f"row {i}", i / 7, dt.date(2024, 1, 1 + i % 28)])
        return wb

    want = _zip_dated(_save(book()), dt.datetime.combine(day, dt.time()), deflate=True)
    assert workbook_data(book(), day) == want


@pytest.mark.excel
def test_a_large_sheet_is_deflated_at_level_1_and_small_parts_at_the_default(tmp_path):
    """Parts from FAST_DEFLATE_FROM bytes on: zlib level 1 (a third of the time of level 6
    on a report's 59 MB of sheets); smaller parts keep zlib's default and their bytes."""
    import datetime as dt
    import io
    import zipfile
    import zlib

    import openpyxl

    from nqi_carbon.pages.workbook import FAST_DEFLATE_FROM, sheets_workbook

    rows = [["id", "value"]] + [[f"source {i:05d}", i / 7] for i in range(40_000)]
    data = sheets_workbook({"Big": rows, "Small": rows[:10]}, dt.date(2025, 1, 1))

    def deflated(body: bytes, level: int) -> bytes:
        z = zlib.compressobj(level, zlib.DEFLATED, -15)
        return z.compress(body) + z.flush()

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sizes = {i.filename: (i.file_size, i.compress_size) for i in z.infolist()}
        big, small = z.read("xl/worksheets/sheet1.xml"), z.read("xl/worksheets/sheet2.xml")
    assert len(big) >= FAST_DEFLATE_FROM > len(small)
    assert sizes["xl/worksheets/sheet1.xml"][1] == len(deflated(big, 1)) != len(deflated(big, 6))
    assert sizes["xl/worksheets/sheet2.xml"][1] == len(deflated(small, 6))
    (tmp_path / "big.xlsx").write_bytes(data)
    wb = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True)
    read = list(wb["Big"].iter_rows(values_only=True))
    wb.close()
    assert read[0] == ("id", "value") and read[-1] == ("source 39999", 39999 / 7)
    assert len(read) == len(rows)


def test_pint_definitions_are_cached_only_in_a_folder_no_one_else_can_write(tmp_path, monkeypatch):
    # pint keeps its parsed definitions as pickle files: read only from a private folder
    import os
    import stat

    from nqi_carbon.units import _private_cache_folder

    monkeypatch.delenv("NQI_CARBON_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = _private_cache_folder("pint-x")
    assert folder == str(tmp_path / "nqi-carbon" / "pint-x")
    assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
    os.chmod(folder, 0o770)  # a group may write: never read from
    assert _private_cache_folder("pint-x") is None
    os.chmod(tmp_path / "nqi-carbon", 0o777)
    os.chmod(folder, 0o700)
    assert _private_cache_folder("pint-x") is None
    os.chmod(tmp_path / "nqi-carbon", 0o755)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    os.symlink(elsewhere, tmp_path / "nqi-carbon" / "pint-link")  # a link, not a folder
    assert _private_cache_folder("pint-link") is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert _private_cache_folder("pint-x") is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("NQI_CARBON_CACHE", "0")
    assert _private_cache_folder("pint-x") is None


def test_json_joined_a_batch_at_a_time_is_the_text_json_dumps_makes():
    import json

    from nqi_carbon._escape import json_document, json_text

    doc = {
        "lines": [{"source": f"s{i}\u2028\x85", "co2e_t": i / 7, "entered": [{"a": [1, None]}, {}]}
                  for i in range(20000)],  # more than one batch of pieces
        "empty": [], "nested": {"k": {"é": True}}, 1: -0.0,
    }  # fmt: skip
    for indent in (2, None, 0):
        want = json_text(json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False))
        assert json_document(doc, indent) == want
    with pytest.raises(ValueError, match="Out of range float"):
        json_document({"x": [math.nan]})


def _json_hostile_document():
    import enum

    class Level(enum.IntEnum):
        LOW = 1

    records = [
        {"source": f"s{i % 7}\u2028\x85", "co2e_t": i / 7, "entered": [{"a": [1, None]}, {}], "k%s": "%d"}
        for i in range(300)
    ]
    records += [{"other": (1, "x", [[], {}]), "n": None}, {}, {"source": "a\"b\\c\n,\n"}]
    return {
        "lines": records,
        "mixed": [1, True, 1.0, "1", None, -0.0, 10**30, 1e16, 2.5e-07, [True, False], {"x": {}}],
        "same": ["t", "t", True, 1, 1.0, "t"],
        "lists": [[[], [1, [2, [3]]]], [], [{"a": 1}, {"b": [{"c": "é中"}]}], [{"a": 1}, 2]],
        "empty": [], "obj": {}, "tuple": (), "nested": {"k": {"é": True, "\u202e": "\ud800"}},
        "level": Level.LOW,  # an int subclass: written by json.dumps itself
    }


@pytest.mark.parametrize("indent", [2, 0, 4])
def test_json_written_a_column_at_a_time_is_the_text_json_dumps_makes(indent):
    """The indented writer (C encoder for the values, lines laid out around them) == json.dumps."""
    import json

    from nqi_carbon._escape import _Indented, json_document, json_text

    doc = _json_hostile_document()
    want = json_text(json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False))
    assert json_document(doc, indent) == want
    del doc["level"]
    want = json_text(json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False))
    assert _Indented(indent).text(doc, 0) == want  # the fast path itself, nothing left to json.dumps
    import enum

    class Level(enum.IntEnum):
        LOW = 1

    # a batch of objects the column writer leaves (a subclass, a number as a key) is walked
    odd = {"lines": [*doc["lines"][:40], {"x": Level.LOW, 1: "a"}, *doc["lines"][40:]]}
    want = json_text(json.dumps(odd, indent=indent, ensure_ascii=False, allow_nan=False))
    assert json_document(odd, indent) == want
    for value in (doc["lines"], doc["mixed"], "x", 1.5, None, [], {}):
        want = json_text(json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False))
        assert _Indented(indent).text(value, 0) == want


def test_json_that_json_dumps_refuses_is_refused_the_same_way():
    from nqi_carbon._escape import json_document

    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        json_document({"lines": [{"x": 1.0}, {"x": math.inf}]})
    loop: list[object] = []
    loop.append({"again": loop})
    with pytest.raises(ValueError, match="Circular reference detected"):
        json_document({"lines": loop})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        json_document({"lines": [{"x": {1}}]})
    assert json_document({1: [None], "a": 2}) == '{\n  "1": [\n    null\n  ],\n  "a": 2\n}'


def test_csv_lines_for_the_header_are_the_lines_stringio_gives():
    import io

    from nqi_carbon._io.tables import _lines

    for text in ["a,b\nc,d\n", "a,b", "", '"x\ny",b\nc', "a,b\r\nc,d\r\n", "\n\na", "a\rb\nc"]:
        assert list(_lines(text)) == list(io.StringIO(text)), repr(text)


@pytest.mark.excel
def test_column_widths_keep_the_empty_rows_of_a_ragged_sheet():
    # sizing the columns visits every cell of the sheet's rectangle, as openpyxl's
    # iter_cols does: an empty row between rows is saved as an empty row (cbam.xlsx)
    import zipfile

    from nqi_carbon._escape import excel_append
    from nqi_carbon.pages.workbook import _excel_widths, _save, new_workbook

    wb = new_workbook(__import__("datetime").date(2025, 1, 1), first_sheet="S")
    ws = wb.active
    excel_append(ws, ["a", "b"])
    ws.cell(row=3, column=1, value="c")
    _excel_widths(ws)
    sheet = zipfile.ZipFile(__import__("io").BytesIO(_save(wb))).read("xl/worksheets/sheet1.xml")
    assert b'<row r="2"></row>' in sheet


@pytest.mark.timeout(120)
def test_a_pint_cache_left_by_a_deleted_environment_does_not_break_the_next_one(tmp_path):
    # pint's cached definitions name the files they came from: a cache written by another
    # installation of the same pint (a virtual environment since deleted) must not make
    # every later process fail with "No such file or directory"
    import os
    import shutil
    import subprocess
    import sys

    import pint

    other = tmp_path / "other-venv"
    shutil.copytree(os.path.dirname(pint.__file__), other / "pint")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("NQI_CARBON_CACHE", None)
    code = (
        "import sys, nqi_carbon.units as u\n"
        "if sys.argv[1] == 'shared': u._pint_cache_name = lambda version, where: 'pint-shared'\n"
        "import pint; assert pint.__file__.startswith(sys.argv[2]), pint.__file__\n"
        "print(u.conversion_factor('MWh', 'GJ'))\n"
    )
    for naming in ("own", "shared"):  # own folder per installation; a shared one falls back
        first = subprocess.run(
            [sys.executable, "-c", code, naming, str(other)],
            env={**env, "PYTHONPATH": os.pathsep.join([str(other), env.get("PYTHONPATH", "")])},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "3.6"
        cache = tmp_path / "cache" / "nqi-carbon"
        assert any(p.suffix == ".pickle" for p in cache.rglob("*"))  # it did write a cache
        moved = tmp_path / f"gone-{naming}"
        os.rename(other, moved)  # the environment is deleted
        second = subprocess.run(
            [sys.executable, "-c", code, naming, os.path.dirname(os.path.dirname(pint.__file__))],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "3.6"
        os.rename(moved, other)
