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
