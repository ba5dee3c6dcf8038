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

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError, NqiCarbonError, UnknownUnitError
from nqi_carbon.units import MAX_UNIT_LENGTH, parse_unit

from .test_bad_input import case

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
    """The bad-input suite's inventory (sources 'gas' and 'grid') with dotted-path edits."""
    return case(**edits)


def with_coal(**carbon):
    d = case()
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
    assert (issue.field, issue.source) == ("sources[0].activity[0].unit", "gas")
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


# -- physical bounds --------------------------------------------------------------------


def test_a_carbon_fraction_of_58_and_oxidation_of_150_percent_are_refused():
    # 100 t of fuel gave 32,010 t CO2 without a word
    data = with_coal(
        carbon_fraction={"value": 58.2, "unit": "1"}, oxidation={"value": 150, "unit": "percent"}
    )
    found = {i.code: i for i in issues_of(data)}
    assert set(found) == {"carbon_fraction_within_0_1", "oxidation_within_0_1"}
    cf = found["carbon_fraction_within_0_1"]
    assert (cf.field, cf.source) == ("sources[2].carbon.carbon_fraction", "coal")
    assert "write 0.582 or unit '%'" in cf.message
    ox = found["oxidation_within_0_1"]
    assert (ox.field, ox.source) == ("sources[2].carbon.oxidation", "coal")
    assert "oxidation 150 (unit 'percent') is 1.5, outside 0..1" in ox.message


@pytest.mark.parametrize(
    ("carbon", "code", "text"),
    [
        ({"oxidation": {"value": 1.5, "unit": "1"}}, "oxidation_within_0_1", "write 0.015"),
        ({"oxidation": {"value": 101, "unit": "%"}}, "oxidation_within_0_1", "is 1.01, outside"),
        (
            {"carbon_fraction": {"value": 120, "unit": "1"}},
            "carbon_fraction_within_0_1",
            "is 120, outside 0..1",
        ),
        ({"oxidation": {"value": 1, "unit": "kg"}}, "parameter_units_fit", "not 'kg'"),
        ({"carbon_fraction": {"value": 1, "unit": "t"}}, "parameter_units_fit", "not 't'"),
    ],
)
def test_fractions_outside_0_1_or_with_a_unit_are_refused(carbon, code, text):
    # an oxidation in kg crashed calculate with pint's DimensionalityError
    (issue,) = issues_of(with_coal(**carbon))
    assert issue.code == code and text in issue.message


def test_fractions_at_the_bounds_and_in_percent_are_accepted():
    res = nc.calculate(
        nc.validate_inventory(
            with_coal(
                carbon_fraction={"value": 58.2, "unit": "%"}, oxidation={"value": 1, "unit": "1"}
            )
        )
    )
    coal = res.lines[res.lines["source"] == "coal"]
    assert coal["mass_t"].sum() == pytest.approx(100 * 0.582 * 44 / 12)
    assert not [f for f in res.findings if f.code == "percent_looks_like_fraction"]


def test_a_fraction_in_percent_that_reads_like_a_fraction_is_a_finding():
    res = nc.calculate(nc.validate_inventory(with_coal(oxidation={"value": 0.98, "unit": "%"})))
    (finding,) = [f for f in res.findings if f.code == "percent_looks_like_fraction"]
    assert finding.severity == "warning" and finding.subject == "coal"
    assert "oxidation is 0.98 % (0.0098 as a fraction)" in finding.message
    assert "write unit '1'" in finding.message


def test_a_pack_fuel_oxidation_above_1_is_refused():
    from nqi_carbon.data.factor_schema import FuelEntry

    with pytest.raises(Exception, match="oxidation_within_0_1") as exc:
        FuelEntry.model_validate(
            {"id": "f", "name": "F", "oxidation": {"value": 98, "unit": "1", "reference": "r"}}
        )
    assert "write 0.98 or unit '%'" in str(exc.value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [(5, "write 0.05 \\(5 %\\)"), (10, "write 0.1 \\(10 %\\)"), (150, "lognormal, lower, upper")],
)
def test_an_uncertainty_written_as_a_percentage_is_refused(value, hint):
    (issue,) = issues_of(inventory(sources__0__activity__uncertainty=value))
    assert issue.code == "relative_uncertainty_at_most_one"
    assert (issue.field, issue.source) == ("sources[0].activity[0].uncertainty", "gas")
    assert "at most 1 (±100 %)" in issue.message
    import re

    assert re.search(hint, issue.message)


@pytest.mark.parametrize(
    "edit",
    [
        {"instruments__0__uncertainty": 2},
        {"instruments": [{"id": "M", "kind": "m", "uncertainty": 0.01, "fallback_uncertainty": 5}]},
        {"sources__0__activity__uncertainty": 1.0000001},
    ],
)
def test_every_relative_uncertainty_has_the_maximum(edit):
    assert {i.code for i in issues_of(inventory(**edit))} == {"relative_uncertainty_at_most_one"}


def test_a_relative_uncertainty_of_100_percent_is_accepted():
    nc.validate_inventory(inventory(sources__0__activity__uncertainty=1.0))


def test_a_pack_value_with_a_percentage_uncertainty_is_refused():
    from nqi_carbon.data.factor_schema import GasValue

    with pytest.raises(Exception, match="relative_uncertainty_at_most_one"):
        GasValue.model_validate({"value": 1, "unit": "kg/TJ", "uncertainty": 5})


def test_a_table_uncertainty_written_as_a_percentage_is_refused_by_row():
    inv = nc.validate_inventory(inventory(sources__0__activity=[]))
    table = pd.DataFrame(
        {"source": ["gas"] * 3, "amount": [1.0, 2.0, 3.0], "unit": ["TJ"] * 3},
    ).assign(uncertainty=[0.05, 5.0, 1.0])
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, activity=table)
    (issue,) = exc.value.issues
    assert (issue.code, issue.row, issue.field) == (
        "relative_uncertainty_at_most_one",
        2,
        "uncertainty",
    )
    assert "is written 0.05" in issue.message


@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_lognormal_bounds_1e_300_to_1e300_are_a_typed_error(method):
    # OverflowError from math.exp in the uncertainty maths
    spec = {"distribution": "lognormal", "lower": 1e-300, "upper": 1e300}
    (issue,) = issues_of(inventory(sources__0__activity__uncertainty=spec))
    assert issue.code == "lognormal_spread_bounded"
    assert "span a factor of about 10^600.0, more than 1e+06" in issue.message


def test_lognormal_bounds_1e_300_to_1e300_in_a_table_are_refused_by_row():
    inv = nc.validate_inventory(inventory(sources__0__activity=[]))
    table = pd.DataFrame(
        {
            "source": ["gas", "gas"],
            "amount": [1.0, 1.0],
            "unit": ["TJ", "TJ"],
            "distribution": ["lognormal", "lognormal"],
            "lower": [0.5, 1e-300],
            "upper": [2.0, 1e300],
        }
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, activity=table)
    assert [(i.code, i.row) for i in exc.value.issues] == [("lognormal_spread_bounded", 2)]


def test_lognormal_uncertainty_of_huge_but_narrow_bounds_is_computed_in_log_space():
    from nqi_carbon.data.fields import Distribution, relative_half_width

    # σ of these bounds overflows a float, its ratio to the value does not
    huge = Distribution(distribution="lognormal", lower=1e303, upper=1e308)
    small = Distribution(distribution="lognormal", lower=1e-5, upper=1.0)
    assert relative_half_width(huge, 1e305) == pytest.approx(relative_half_width(small, 1e-3))
    assert relative_half_width(huge, 1e305) < 1e6


def test_legitimate_lognormal_ranges_still_work():
    spec = {"distribution": "lognormal", "lower": 30, "upper": 300}  # IPCC-style factor 10
    res = nc.calculate(
        nc.validate_inventory(inventory(sources__0__activity__uncertainty=spec)),
        uncertainty="monte_carlo",
        seed=1,
    )
    assert res.total_co2e > 0


# -- text fields -------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x7f", "\x85", "\x9b"])
def test_a_control_character_in_a_name_is_refused_by_validate(char):
    # it passed validate, then report crashed (openpyxl refuses it) after 3 of 4 files
    (issue,) = issues_of(inventory(organization__name=f"Acme{char}Ltd"))
    assert issue.code == "text_without_control_characters"
    assert (issue.field, issue.source) == ("organization.name", "r")
    assert f"control character U+{ord(char):04X} at position 5" in issue.message


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"organization__name": "Acme\nOpinion: unmodified"}, "organization.name ('r')"),
        ({"facilities__0__name": "A\tB"}, "facilities[0].name ('a')"),
        ({"reporting": {"title": "T\r\n## Totals"}}, "reporting.title"),
        ({"sources__0__factor": "testpack/x\u2028y"}, "sources[0].factor ('gas')"),
    ],
)
def test_a_line_break_in_a_single_line_field_is_refused(edit, field):
    # the field as describe() shows it: its path, then the entry's id
    found = [
        (i.code, i.field if i.source is None else f"{i.field} ({i.source!r})")
        for i in issues_of(inventory(**edit))
    ]
    assert ("text_single_line", field) in found


def test_free_text_keeps_line_breaks_but_not_control_characters():
    ok = inventory(organization__description="line 1\nline 2\tx\r\n")
    ok["exclusions"] = [{"category": 6, "reason": "screened:\n- a\n- b"}]
    nc.validate_inventory(ok)
    bad = inventory(organization__description="red \x1b[31malert\x1b[0m")
    ((code, field, source),) = [(i.code, i.field, i.source) for i in issues_of(bad)]
    assert (code, field, source) == (
        "text_without_control_characters",
        "organization.description",
        "r",
    )


def test_an_identifier_with_a_control_character_is_refused():
    found = {(i.code, i.field, i.source) for i in issues_of(inventory(facilities__0__id="a\x07"))}
    assert ("text_without_control_characters", "facilities[0].id", "a\x07") in found


def test_pack_text_fields_refuse_control_characters():
    from nqi_carbon.data.factor_schema import FactorEntry

    entry = {
        "id": "f",
        "name": "F\x00",
        "reference": "r",
        "gases": {"CO2": {"value": 1, "unit": "kg/TJ"}},
        "activity_unit": "TJ",
        "notes": "two\nlines are fine",
    }
    with pytest.raises(Exception, match="text_without_control_characters"):
        FactorEntry.model_validate(entry)
    entry["name"] = "F"
    FactorEntry.model_validate(entry)


@pytest.mark.excel
def test_a_name_that_validates_is_written_by_every_report(tmp_path):
    # what validate accepts, report must write: no crash after some files are written
    data = inventory(organization__name="Acme «Ltd» — 上海 ✓", organization__description="a\nb")
    res = nc.calculate(nc.validate_inventory(data))
    written = nc.inventory_report(res).write(tmp_path / "out")
    assert sorted(p.suffix for p in written) == [".html", ".json", ".md", ".xlsx"]


def _text_fields():
    """(model, field, annotation text) of every field that holds text, in every model."""
    from pydantic import BaseModel

    from nqi_carbon.data import factor_schema as _factor_schema
    from nqi_carbon.data import fields as _schema
    from nqi_carbon.inventory import models

    roots = [
        models.Inventory,
        _factor_schema.FactorEntry,
        _factor_schema.FuelEntry,
        _schema.PackHeader,
    ]
    seen: set[type] = set()
    out = []
    while roots:
        model = roots.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            types = list(_walk_types(info.annotation))
            roots += [t for t in types if isinstance(t, type) and issubclass(t, BaseModel)]
            if str in types:
                out.append((model.__name__, name, repr(info.annotation) + repr(info.metadata)))
    return out


def _walk_types(tp):
    import typing

    yield tp
    for arg in typing.get_args(tp):
        yield from _walk_types(arg)


GUARDS = ("text_single_line", "text_without_control_characters", "_check_identifier", "pattern=")


def test_every_text_field_refuses_control_characters():
    fields = _text_fields()
    assert len(fields) > 60
    unguarded = [
        f"{model}.{name}"
        for model, name, text in fields
        if not any(guard in text for guard in GUARDS)
        # gas names (keys of a factor's gases) resolve by name: gas_names_known
        and (model, name) != ("FactorEntry", "gases")
    ]
    assert not unguarded, unguarded


def test_parse_unit_is_cached_per_distinct_string():
    from nqi_carbon.units import _parse_unit

    _parse_unit.cache_clear()
    for _ in range(3):
        parse_unit("GJ/(10^4 Nm3)")
    info = _parse_unit.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_every_error_above_is_ours():
    for text in ("10**10**10", "1,5 kWh", "x" * 10**6):
        with pytest.raises(NqiCarbonError):
            parse_unit(text)
