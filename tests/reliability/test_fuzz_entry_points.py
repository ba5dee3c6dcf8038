"""Bad-input fuzz of every public entry point: only nqi-carbon's documented errors escape.

Each public function of ``nqi_carbon.__all__``, the constructors of its models and
documents, ``calculate``'s arguments, the methods of a ``Result`` and the loaders and
savers are called with hostile arguments (wrong types, NaN, huge integers, arrays, pint
Quantities of the wrong kind, NUL bytes, objects) in place of valid ones. Whatever
happens, the error is an ``NqiCarbonError`` (``InvalidInputError``,
``InvalidArgumentError``, ``UnknownSpeciesError``...), and an ``InvalidInputError``
names a stable reason code for every problem (docs/guarantees.md, "Bad input").
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import inspect
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError, NqiCarbonError

ROOT = Path(__file__).resolve().parents[2]
PACK = str(ROOT / "tests" / "data" / "packs" / "testpack.yaml")
OFFICE = ROOT / "examples" / "office" / "inventory.yaml"
FUZZ = settings(
    max_examples=int(os.environ.get("NQI_FUZZ_EXAMPLES", "120")),
    deadline=None,  # a hang is caught by the suite's timeout, not by hypothesis
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
Q = nc.ureg.Quantity
CODE = re.compile(r"^[a-z][a-z0-9_]*$")

SPECIAL = [
    None,
    True,
    0,
    -1,
    10**400,
    -(10**400),
    10**8,
    float("nan"),
    float("inf"),
    1j,
    "",
    "\x00",
    "x" * 5000,
    "../../etc/passwd",
    b"CH4",
    [],
    {},
    set(),
    object(),
    dt.date(2024, 1, 1),
    Q(1, "kg"),
    Q(1, "kWh"),
    Q(float("nan"), "t"),
    Q([1.0, 2.0], "t"),
    np.float64("nan"),
    np.array([1.0, 2.0]),
    np.array(["a"]),
    pd.DataFrame({"a": [1]}),
    pd.DataFrame({"source": ["s"], "amount": [Q(1, "kWh")], "unit": ["TJ"]}),
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats()
    | st.text(max_size=12)
    | st.dates()
)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
hostile = st.sampled_from(SPECIAL) | json_like

BASE = {
    "schema": "nqi-carbon/inventory@1",
    "organization": {"name": "F", "id": "f", "consolidation": "equity_share"},
    "period": {"start": "2024-01-01", "end": "2025-01-01"},
    "gwp": "AR5",
    "factor_packs": [PACK],
    "facilities": [{"id": "a"}],
    "sources": [
        {
            "id": "s",
            "facility": "a",
            "category": 1,
            "factor": "testpack/stationary/natural_gas",
            "activity": {"amount": 1.0, "unit": "TJ", "uncertainty": 0.05},
        }
    ],
}


_MADE: dict[str, Any] = {}


def made() -> dict[str, Any]:
    """A valid inventory, its result and files, made once (not hypothesis arguments, whose
    repr would fill a failure report)."""
    if not _MADE:
        folder = Path(tempfile.mkdtemp(prefix="nqi-fuzz-"))
        inv = nc.validate_inventory(copy.deepcopy(BASE))
        res = nc.calculate(inv, uncertainty="analytical")
        csv = folder / "activity.csv"
        csv.write_text("source,amount,unit\ns,1,TJ\n", encoding="utf-8")
        _MADE.update(inv=inv, res=res, dir=folder, csv=csv)
        _MADE["result"] = nc.save_result(res, folder / "result.json")
    return _MADE


@pytest.fixture(scope="module", autouse=True)
def _clean_up():
    yield
    if _MADE:
        shutil.rmtree(_MADE["dir"], ignore_errors=True)


def documented(call) -> None:
    """Run *call*: it returns, or raises a documented error whose issues have codes."""
    error: NqiCarbonError | None = None
    try:
        call()
    except NqiCarbonError as exc:
        error = exc
    if isinstance(error, InvalidInputError):
        assert error.issues, "an InvalidInputError lists its problems"
        assert all(CODE.match(i.code) for i in error.issues), [i.code for i in error.issues]


# -- functions ------------------------------------------------------------------------

FUNCTIONS = {
    "blend": ["R-410A"],
    "blend_gwp": ["R-410A", "AR5"],
    "conversion_factor": ["kg", "t"],
    "gas_group": ["CH4"],
    "gwp": ["CH4", "AR5", None],
    "gwp_citation": ["CH4", "AR5", None],
    "gwp_table": ["AR5"],
    "is_blend": ["R-410A"],
    "json_schema": ["result"],
    "normalise_gas": ["CH4"],
    "parse_unit": ["kg"],
    "species": ["CH4"],
    "split_blend": ["R-410A", 1.0],
    "to_co2e": [1.0, "CH4", "AR5", None],
    "validate_inventory": [BASE],
    "load_inventory": [str(OFFICE)],
    "evaluate_neutrality": [str(ROOT / "examples" / "neutrality" / "claim.yaml")],
    "calculate_cbam": [str(ROOT / "examples" / "cbam-aluminium" / "installation.yaml")],
    "load_footprint": [str(ROOT / "examples" / "footprint-aluminium" / "aluminium.yaml")],
    "calculate_footprint": [str(ROOT / "examples" / "footprint-aluminium" / "aluminium.yaml")],
    "read_pact": [str(ROOT / "tests" / "data" / "pact" / "examples" / "example-1.json")],
    "to_pact": [{"company_name": "C", "declared_unit": "t"}],
}


def test_every_public_function_is_fuzzed_or_named_below():
    functions = {
        n for n in nc.__all__ if inspect.isfunction(getattr(nc, n)) and not n[0].isupper()
    }
    elsewhere = {  # fuzzed by the tests below, with fixtures
        "calculate",
        "load_result",
        "read_activity",
        "save_result",
        "save_inventory",
        "find_gaps",
        "fill_gaps",
        "inventory_report",
        "data_quality",
        "cems_hourly",
        "verify",
        "verify_neutrality",
        "verify_footprint",  # tests/reliability/test_fuzz_footprint.py
        "footprint_report",  # tests/reliability/test_fuzz_footprint.py
        "write_pact",  # tests/reliability/test_fuzz_pact.py (it writes a file)
        "gwp_set_names",  # takes no argument
        "inventory_json_schema",  # takes no argument
    }
    assert functions - set(FUNCTIONS) - elsewhere == set()


@FUZZ
@given(st.sampled_from(sorted(FUNCTIONS)), st.data())
def test_public_functions_raise_only_documented_errors(name, data):
    args = copy.deepcopy(FUNCTIONS[name])
    k = data.draw(st.integers(0, len(args) - 1))
    args[k] = data.draw(hostile)
    documented(lambda: getattr(nc, name)(*args))


NEUTRALITY_VERIFY = {
    "claim": str(ROOT / "examples" / "neutrality" / "claim.yaml"),
    "materiality": 0.05,
    "assurance": "reasonable",
    "alongside": (),
    "verifier": None,
    "body": None,
    "date": None,
    "language": None,
}


@FUZZ
@given(st.sampled_from(sorted(NEUTRALITY_VERIFY)), hostile)
def test_verify_neutrality_raises_only_documented_errors(name, value):
    kwargs = {**NEUTRALITY_VERIFY, name: value}
    claim = kwargs.pop("claim")
    documented(lambda: nc.verify_neutrality(claim, **kwargs))


# -- model constructors ---------------------------------------------------------------

MODELS = sorted(
    n
    for n in nc.__all__
    if inspect.isclass(getattr(nc, n)) and issubclass(getattr(nc, n), pydantic.BaseModel)
)


@FUZZ
@given(st.sampled_from(MODELS), st.data())
def test_model_constructors_raise_only_documented_errors(name, data):
    model = getattr(nc, name)
    fields = [*model.model_fields, "not_a_field"]
    keys = data.draw(st.lists(st.sampled_from(fields), max_size=4, unique=True))
    kwargs = {k: data.draw(hostile) for k in keys}
    documented(lambda: model(**kwargs))


# the classes a program builds itself (the others are made by nqi-carbon: Result, Issue...)
BUILT = {
    "FactorRegistry": ["user_packs", "inline", "allowed", "pins"],
    "Sandbox": ["base_dir", "allow", "limits"],
    "InventoryReport": ["result"],
    "Limits": ["max_document_bytes", "max_table_rows", "max_depth", "max_issues"],
}


@FUZZ
@given(st.sampled_from(sorted(BUILT)), st.data())
def test_class_constructors_raise_only_documented_errors(name, data):
    cls = getattr(nc, name)
    keys = data.draw(st.lists(st.sampled_from(BUILT[name]), min_size=1, unique=True))
    kwargs = {k: data.draw(hostile) for k in keys}
    if name == "Sandbox" and "base_dir" not in kwargs:
        kwargs["base_dir"] = str(made()["dir"])
    documented(lambda: cls(**kwargs))


# -- calculate, verify and a result's methods -----------------------------------------

CALCULATE = ["inventory", "activity", "uncertainty", "iterations", "seed", "registry"]
CALCULATE += ["contributions_top", "progress"]


@FUZZ
@given(st.sampled_from(CALCULATE), hostile)
def test_calculate_raises_only_documented_errors(name, value):
    inv = made()["inv"]
    kwargs = {"uncertainty": "monte_carlo", "iterations": 100, "seed": 1}
    if name == "inventory":
        documented(lambda: nc.calculate(value))
    else:
        kwargs[name] = value
        documented(lambda: nc.calculate(inv, **kwargs))


@FUZZ
@given(
    st.sampled_from(["by", "ufloats", "quantities", "total_ufloat", "total_quantity"]), hostile
)
def test_result_methods_raise_only_documented_errors(method, value):
    res = made()["res"]
    if method.startswith("total_"):
        documented(lambda: getattr(res, method)(market_based=value))
    else:
        documented(lambda: getattr(res, method)(value))


@FUZZ
@given(
    st.sampled_from(["inventory", "claimed", "materiality", "assurance", "pervasive_multiple"]),
    hostile,
)
def test_verify_raises_only_documented_errors(name, value):
    kwargs = {
        "inventory": made()["inv"],
        "claimed": made()["result"],
        "materiality": 0.05,
        "assurance": "reasonable",
        "pervasive_multiple": 5.0,
    }
    kwargs[name] = value
    documented(lambda: nc.verify(**kwargs))


# -- loaders, savers and the functions that take a result or an inventory ------------


@FUZZ
@given(
    st.sampled_from(
        [
            "load_inventory",
            "load_result",
            "read_activity",
            "find_gaps",
            "inventory_report",
            "data_quality",
        ]
    ),
    hostile,
)
def test_loaders_and_readers_raise_only_documented_errors(name, value):
    documented(lambda: getattr(nc, name)(value))


@FUZZ
@given(st.sampled_from(["inventory", "policy", "values", "basis", "default"]), hostile)
def test_fill_gaps_raises_only_documented_errors(name, value):
    kwargs: dict[str, Any] = {"inventory": made()["inv"], "policy": "conservative"}
    kwargs[name] = value
    documented(lambda: nc.fill_gaps(**kwargs))


@FUZZ
@given(st.sampled_from(["path", "object", "max_bytes", "sheet", "activity"]), hostile)
def test_the_other_arguments_of_loaders_and_savers(which, value):
    inv, res, files = made()["inv"], made()["res"], made()
    with contextlib.chdir(files["dir"]):  # a relative path given as text is written here
        if which == "path":
            documented(lambda: nc.save_result(res, value))
            documented(lambda: nc.save_inventory(inv, value))
        elif which == "object":
            documented(lambda: nc.save_result(value, "out.json"))
            documented(lambda: nc.save_inventory(value, "out.yaml"))
        elif which == "max_bytes":
            documented(lambda: nc.load_inventory(OFFICE, max_bytes=value))
        elif which == "sheet":
            documented(lambda: nc.read_activity(files["csv"], sheet=value))
        else:
            documented(lambda: nc.find_gaps(inv, value))
