"""Bounded fuzzing of the loaders: any input gives a result or one of our typed errors,
never a traceback from deep inside a dependency, never a hang."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon._io.yaml import load_yaml_text
from nqi_carbon.errors import NqiCarbonError

PACK = str(Path(__file__).resolve().parents[1] / "data" / "packs" / "testpack.yaml")
FUZZ = settings(
    max_examples=int(os.environ.get("NQI_FUZZ_EXAMPLES", "150")),
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow],
)

yaml_tokens = st.sampled_from(
    [
        *list("ab:-[]{}&*!|>'\"#%@,?\n 0123456789.eE+_~\t"),
        "!!python/object ",
        "&a ",
        "*a",
        "<<: ",
        "\ufeff",
        "\x00",
    ]
)
yaml_chars = st.lists(yaml_tokens, max_size=80).map("".join)


@FUZZ
@given(yaml_chars)
def test_yaml_loader_never_leaks_a_dependency_error(text):
    with contextlib.suppress(NqiCarbonError):
        load_yaml_text(text, max_nodes=10_000)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)

BASE = {
    "schema": "nqi-carbon/inventory@1",
    "organization": {"name": "F", "id": "f", "consolidation": "equity_share"},
    "period": {"start": dt.date(2024, 1, 1), "end": dt.date(2025, 1, 1)},
    "gwp": "AR5",
    "factor_packs": [PACK],
    "facilities": [{"id": "a"}],
    "sources": [
        {
            "id": "s",
            "facility": "a",
            "category": 1,
            "factor": "testpack/stationary/natural_gas",
            "activity": {"amount": 1.0, "unit": "TJ"},
        }
    ],
}
PATHS = [
    ("organization", "id"),
    ("period", "start"),
    ("gwp",),
    ("facilities", 0, "equity_share"),
    ("sources", 0, "category"),
    ("sources", 0, "factor"),
    ("sources", 0, "activity"),
    ("sources", 0, "activity", "amount"),
    ("sources", 0, "activity", "unit"),
    ("sources", 0, "gas"),
    ("sources", 0, "method"),
    ("sources",),
    ("facilities",),
    ("instruments",),
    ("removals",),
]


@FUZZ
@given(st.sampled_from(PATHS), json_like)
def test_inventory_validation_and_calculation_never_crash(path, value):
    data = copy.deepcopy(BASE)
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    try:
        inv = nc.validate_inventory(data)
        nc.calculate(inv, uncertainty="analytical")
    except NqiCarbonError:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_json_reader_never_crashes(tmp_path_factory, blob):
    p = tmp_path_factory.mktemp("fz") / "x.json"
    p.write_bytes(blob)
    with contextlib.suppress(NqiCarbonError):
        nc.load_inventory(p)


csv_cells = st.sampled_from(
    ["s", "x", "1", "-1", "1e3", "1,000", "", "nan", "inf", "TJ", "kg", "R-410A", "true", '"', "é"]
)


@FUZZ
@given(
    st.lists(st.tuples(csv_cells, csv_cells, csv_cells), max_size=6),
    st.sampled_from(["utf-8", "latin-1", "utf-8-sig"]),
)
def test_csv_reader_and_table_checks_never_crash(tmp_path_factory, rows, encoding):
    p = tmp_path_factory.mktemp("fz") / "a.csv"
    text = "source,amount,unit\n" + "\n".join(",".join(r) for r in rows) + "\n"
    p.write_bytes(text.encode(encoding, errors="replace"))
    inv = nc.validate_inventory(BASE)
    try:
        df = nc.read_activity(p)
        nc.calculate(inv, activity=df)
    except NqiCarbonError:
        pass
