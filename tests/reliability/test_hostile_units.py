"""Hostile units, impossible physical values and control characters (issue 12).

Each payload here once hung, crashed past the typed errors, or was silently accepted:
units evaluated as arithmetic (``10**10**10``), unit parsing quadratic in the length,
``"1,5 kWh"`` read as 15 kWh, a carbon fraction of 58.2 and an oxidation of 150 % giving
32,010 t CO2 from 100 t of fuel, an uncertainty of 5 meaning 5 %, lognormal bounds
1e-300..1e300 raising OverflowError, and a control character in a name that passed
``validate`` and then crashed ``report``. Hangs are guarded by a subprocess timeout, so a
regression fails instead of blocking the run.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError, NqiCarbonError, UnknownUnitError
from nqi_carbon.units import MAX_UNIT_LENGTH, parse_unit

PACK = str(Path(__file__).resolve().parents[1] / "data" / "packs" / "testpack.yaml")

BASE = {
    "schema": "nqi-carbon/inventory@1",
    "organization": {"name": "H", "id": "h", "consolidation": "equity_share"},
    "period": {"start": "2024-01-01", "end": "2025-01-01"},
    "gwp": "AR5",
    "factor_packs": [PACK],
    "facilities": [{"id": "a"}],
    "instruments": [{"id": "M", "kind": "meter", "uncertainty": 0.01}],
    "sources": [
        {
            "id": "gas",
            "facility": "a",
            "category": 1,
            "factor": "testpack/stationary/natural_gas",
            "activity": {"amount": 100, "unit": "TJ"},
        }
    ],
}

COAL = {
    "id": "coal",
    "facility": "a",
    "category": 1,
    "method": "carbon_content",
    "carbon": {
        "carbon_fraction": {"value": 0.582, "unit": "1"},
        "oxidation": {"value": 0.98, "unit": "1"},
    },
    "activity": {"amount": 100, "unit": "t"},
}


def inventory(**edits):
    """BASE with dotted-path edits: ``sources__0__activity__unit="kg"``."""
    d = copy.deepcopy(BASE)
    for path, value in edits.items():
        node = d
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value
    return d


def with_coal(**carbon):
    d = copy.deepcopy(BASE)
    coal = copy.deepcopy(COAL)
    coal["carbon"].update(carbon)
    d["sources"].append(coal)
    return d


def issues_of(data):
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(data, source="inv.yaml")
    return exc.value.issues


def run_isolated(code: str, timeout: float = 60) -> dict:
    """Run *code* in a fresh interpreter; it prints one JSON line. A hang fails the test."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s (the payload hangs)")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


PARSE_IN_CHILD = """
    import json, sys
    from nqi_carbon.units import parse_unit
    text = {text}
    try:
        q = parse_unit(text)
        print(json.dumps({{"ok": str(q)}}))
    except Exception as exc:
        print(json.dumps({{"error": type(exc).__name__, "message": str(exc)[:500]}}))
"""


# -- units: hangs ----------------------------------------------------------------------


def test_a_power_tower_unit_is_refused_not_evaluated():
    # pint evaluated 10**10**10 as arithmetic: it never returned
    got = run_isolated(PARSE_IN_CHILD.format(text=repr("10**10**10")))
    assert got["error"] == "UnknownUnitError"
    assert "a power cannot be raised to a power" in got["message"]


def test_a_633_byte_inventory_with_a_power_tower_unit_gets_unit_known(tmp_path):
    path = tmp_path / "inv.yaml"
    data = inventory(sources__0__activity__unit="10**10**10")
    path.write_text(json.dumps(data))  # JSON is YAML
    assert len(path.read_bytes()) < 1000
    got = run_isolated(
        f"""
        import json
        import nqi_carbon as nc
        try:
            nc.load_inventory({str(path)!r})
            print(json.dumps({{"ok": True}}))
        except nc.InvalidInputError as exc:
            print(json.dumps([[i.code, i.field, i.message] for i in exc.issues]))
        """
    )
    assert [c for c, *_ in got] == ["unit_known"]
    assert got[0][1].startswith("sources[0].activity[0].unit")


@pytest.mark.parametrize("size", [40_000, 5_000_000])
def test_long_unit_strings_are_refused_at_once(size):
    # parsing was quadratic in the length: 40 KB took 22 s, 5 MB never finished
    text = ("kg*" * (size // 3 + 1))[:size]
    got = run_isolated(PARSE_IN_CHILD.format(text=f"{text[:3]!r} * {size // 3 + 1}"))
    assert got["error"] == "UnknownUnitError"
    assert f"a unit is at most {MAX_UNIT_LENGTH} characters" in got["message"]
    assert len(got["message"]) < 200  # the text is not echoed back


def test_an_expression_at_the_length_cap_still_parses():
    text = "m/" * ((MAX_UNIT_LENGTH - 1) // 2) + "m"
    assert len(text) <= MAX_UNIT_LENGTH
    assert parse_unit(text).dimensionality == parse_unit("1/m").dimensionality ** (
        (MAX_UNIT_LENGTH - 1) // 2 - 1
    )
    with pytest.raises(UnknownUnitError, match="at most 100 characters"):
        parse_unit("m" * (MAX_UNIT_LENGTH + 1))


# -- units: numbers and arithmetic ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,5 kWh", "character ',' at position 2 is not allowed .a unit has no decimal comma"),
        ("MWh + kWh", "'\\+' is not a unit operator: no addition or subtraction"),
        ("MWh - kWh", "'-' is not a unit operator"),
        ("1e-300*MWh", "the number '1e-300' is not allowed in a unit"),
        ("2**1024 kWh", "the number '2' is not allowed in a unit"),  # was OverflowError
        ("1000 kg", "the number '1000' is not allowed"),
        ("0.5 t", "the number '0.5' is not allowed"),
        ("10kg", "the number '10' is not allowed"),
        ("kg 2", "the number '2' is not allowed"),
        ("m**2**3", "a power cannot be raised to a power"),
        ("m^5", "exponent 5 is outside -4..4"),
        ("m^2.5", "an exponent is a small whole number"),
        ("10^13 t", "a power-of-ten prefix is 10\\^1..10\\^12, not 10\\^13"),
        ("10^-4 t", "a power-of-ten prefix is 10\\^1..10\\^12, not 10\\^-4"),
        ("(((((t)))))", "parentheses nest more than 4 deep"),
        ("(10^12 t)^3", "outside 10\\^±24"),
        ("GJ/(10^4 Nm3", "a parenthesis is not closed"),
        ("kg(t)", "write '\\*' or a space between two units"),
        ("t\x00", "character U\\+0000 at position 2 is not allowed"),
        ("t\nkm", "character U\\+000A at position 2 is not allowed"),
        ("__import__", "'__import__' is not a unit name nqi-carbon knows"),
        ("inf kg", "'inf' is not a unit name"),
    ],
)
def test_numbers_and_arithmetic_are_not_units(text, why):
    with pytest.raises(UnknownUnitError, match=why) as exc:
        parse_unit(text)
    assert isinstance(exc.value, ValueError)
    if "not a unit name" not in why:  # grammar errors say what a unit may be
        assert "allowed: unit names" in str(exc.value)
        assert "a power-of-ten prefix 10^n with 1 <= n <= 12" in str(exc.value)


@pytest.mark.parametrize("unit", ["1,5 kWh", "MWh + kWh", "1e-300*MWh", "2**1024 kWh"])
def test_hostile_units_in_an_inventory_are_unit_known_issues(unit):
    (issue,) = issues_of(inventory(sources__0__activity__unit=unit))
    assert issue.code == "unit_known"
    assert issue.field == "sources[0].activity[0].unit ('gas')"
    assert "allowed: unit names" in issue.message


def test_hostile_units_in_an_activity_table_are_reported_by_row():
    inv = nc.validate_inventory(inventory(sources__0__activity=[]))
    table = pd.DataFrame(
        {
            "source": ["gas"] * 4,
            "amount": [1.0, 2.0, 3.0, 4.0],
            "unit": ["TJ", "10**10**10", "1,5 TJ", "x" * 50_000],
        }
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, activity=table)
    assert sorted((i.code, i.row) for i in exc.value.issues) == [
        ("unit_known", 2),
        ("unit_known", 3),
        ("unit_known", 4),
    ]


UNIT_CHARS = st.sampled_from([*"tkgMWhJN3m ^*/()14-+,.e²⁻·%µ", "**", "10", "Nm³", "\x00", "\u2028"])


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(UNIT_CHARS, max_size=40).map("".join))
def test_any_text_gives_a_unit_or_unknown_unit_error(text):
    try:
        q = parse_unit(text)
    except UnknownUnitError:
        return
    assert 1e-24 <= float(q.magnitude) <= 1e24


def test_parse_unit_is_cached_per_distinct_string():
    parse_unit.cache_clear()
    for _ in range(3):
        parse_unit("GJ/(10^4 Nm3)")
    info = parse_unit.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_every_error_above_is_ours():
    for text in ("10**10**10", "1,5 kWh", "x" * 10**6):
        with pytest.raises(NqiCarbonError):
            parse_unit(text)
