"""One error family on every public path: models, calculate, by, gwp, to_co2e, error JSON."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.cli import main

ROOT = Path(__file__).resolve().parents[1]
OFFICE = ROOT / "examples" / "office" / "inventory.yaml"


def _office_with_unit(tmp_path: Path, unit: str) -> Path:
    text = OFFICE.read_text(encoding="utf-8").replace(
        "{period: 2024-Q1, amount: 118.4, unit: MWh", "{period: 2024-Q1, amount: 118.4, unit: " + unit
    )
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- error JSON: field is a path, the entry's id apart, the value as JSON ----------------


def test_validate_json_gives_field_source_and_a_json_value(tmp_path, capsys):
    path = _office_with_unit(tmp_path, "kwh")
    assert main(["validate", str(path), "--format", "json"]) == 1
    (issue,) = json.loads(capsys.readouterr().out)["issues"]
    assert issue["code"] == "unit_known"
    assert issue["field"] == "sources[0].activity[0].unit"
    assert issue["source"] == "electricity"
    assert issue["value"] == "kwh"  # the value as read, not its repr "'kwh'"


def test_describe_keeps_its_text(tmp_path):
    path = _office_with_unit(tmp_path, "kwh")
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.load_inventory(path)
    (issue,) = exc.value.issues
    assert issue.describe().startswith(
        f"{path}: sources[0].activity[0].unit ('electricity'): unknown unit 'kwh'"
    )
    assert "(got 'kwh')" in issue.describe()
    assert issue.value == "'kwh'"  # the attribute stays the shown text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (12, 12),
        (1.5, 1.5),
        (float("nan"), "nan"),
        ("x" * 200, "x" * 77 + "..."),
        (None, None),
    ],
)
def test_issue_json_value_from_the_value_as_read(raw, expected):
    issue = nc.Issue("c", "m", value=repr(raw)[:80], raw=raw)
    assert issue.to_dict()["value"] == expected
    json.dumps(issue.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'kwh'", "kwh"),
        ('"it\'s"', "it's"),
        ("42", 42),
        ("-0.5", -0.5),
        ("True", True),
        ("None", None),
        ("1,234.5", "1,234.5"),  # a formatted number stays text, never the tuple (1, 234.5)
        ("2024-01-01..2024-02-01", "2024-01-01..2024-02-01"),
        ("nan", "nan"),
    ],
)
def test_issue_json_value_read_back_from_its_text(text, expected):
    assert nc.Issue("c", "m", value=text).to_dict()["value"] == expected


def test_issue_with_source_pickles_and_compares():
    issue = nc.Issue("c", "m", field="sources[0]", source="kiln", value="'x'", raw="x")
    clone = pickle.loads(pickle.dumps(issue))
    assert clone == issue and clone.source == "kiln" and clone.raw == "x"
    assert list(issue.to_dict()) == [
        "code",
        "message",
        "file",
        "row",
        "field",
        "source",
        "value",
        "allowed",
        "severity",
    ]


# -- the model classes: the same error as a file -----------------------------------------


def test_building_a_source_with_bad_fields_is_an_invalid_input_error():
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.Source(
            id="kiln",
            facility="plant",
            category=7,
            factor="ipcc-2006/stationary/natural_gas",
            activity={"amount": -1, "unit": "kwh"},
        )
    found = {(i.code, i.field): i for i in exc.value.issues}
    assert set(found) == {
        ("less_than_equal", "category"),
        ("amount_not_negative", "activity[0].amount"),
        ("unit_known", "activity[0].unit"),
    }
    assert found[("less_than_equal", "category")].to_dict()["value"] == 7
    assert found[("less_than_equal", "category")].allowed == "<= 6"
    assert str(exc.value).startswith("Source(...): 3 problems found")


def test_a_model_error_is_still_a_value_error():
    with pytest.raises(ValueError, match="period_end_after_start"):
        nc.Period(start="2024-01-01", end="2023-01-01")


def _org():
    return nc.Organisation(name="Acme", id="acme", consolidation="operational_control")


def test_building_an_inventory_gathers_every_rule_and_needs_no_schema():
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.Inventory(
            organization=_org(),
            period=nc.Period(start="2024-01-01", end="2025-01-01"),
            gwp="AR6",
            facilities=[nc.Facility(id="plant", operational_control=True)],
            sources=[
                nc.Source(
                    id="boiler",
                    facility="elsewhere",
                    category=1,
                    factor="ipcc-2006/stationary/natural_gas",
                    activity=nc.ActivityRecord(amount=1, unit="TJ", instrument="M-9"),
                )
            ],
        )
    assert [(i.code, i.field) for i in exc.value.issues] == [
        ("source_facility_exists", "sources[0].facility"),
        ("instrument_referenced_exists", "sources[0].activity[0].instrument"),
    ]
    inv = nc.Inventory(
        organization=_org(),
        period={"start": "2024-01-01", "end": "2025-01-01"},
        gwp="ar6",
        facilities=[nc.Facility(id="plant", operational_control=True)],
    )
    assert inv.schema_ == "nqi-carbon/inventory@1" and inv.gwp == "AR6"


# -- calculate, by, gwp, to_co2e ----------------------------------------------------------


def test_calculate_loads_a_path_and_refuses_other_types_typed():
    by_path = nc.calculate(str(OFFICE))
    assert by_path.total_co2e == nc.calculate(nc.load_inventory(OFFICE)).total_co2e
    assert nc.calculate(OFFICE).inventory.source_path == str(OFFICE)
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.calculate(42)
    assert isinstance(exc.value, TypeError)  # nqi_carbon.errors.InvalidArgumentError
    (issue,) = exc.value.issues
    assert (issue.code, issue.field, issue.value) == ("argument_type", "inventory", "int")
    with pytest.raises(nc.InvalidInputError, match="file_unreadable"):
        nc.calculate(str(OFFICE) + ".missing")


def test_by_scope3_category_and_an_unknown_level():
    res = nc.calculate(OFFICE, uncertainty="analytical")
    table = res.by("scope3_category").set_index("scope3_category")
    assert list(table.index) == [*(str(k) for k in range(1, 16)), "unassigned"]
    # business travel: 38,600 pkm x 0.158 kg CO2e/pkm (the inline factor)
    assert table.loc["6", "co2e_t"] == pytest.approx(38_600 * 0.158 / 1000, rel=1e-12)
    assert table["co2e_t"].drop("6").eq(0).all()
    # the factor's ±30 % and the activity's ±10 %, in quadrature
    assert table.loc["6", "relative_95"] == pytest.approx((0.3**2 + 0.1**2) ** 0.5, rel=1e-9)
    with pytest.raises(nc.InvalidInputError) as exc:
        res.by("scope3")
    (issue,) = exc.value.issues
    assert issue.code == "by_level_known"
    assert issue.allowed == "category, scope, scope3_category, gas, facility, source"


def test_to_co2e_takes_a_pint_quantity_of_mass():
    # AR6 CH4 (no origin) is 27.9 (AR6 WG1 Table 7.SM.7): 1,000 kg is 27.9 t CO2e
    co2e = nc.to_co2e(nc.ureg.Quantity(1000, "kg"), "CH4", "AR6")
    assert co2e.tonnes == pytest.approx(27.9) and co2e.gwp_set == "AR6"
    assert (co2e + nc.to_co2e(1.0, "CH4", "AR6")).tonnes == pytest.approx(55.8)
    import pint

    other = pint.UnitRegistry().Quantity(2, "tonne")  # another registry
    assert nc.to_co2e(other, "N2O", "AR5").tonnes == pytest.approx(2 * 265)


def test_to_co2e_and_gwp_refuse_what_is_no_mass_typed():
    with pytest.raises(nc.DimensionalityMismatchError, match="'kWh' cannot be converted to 't'"):
        nc.to_co2e(nc.ureg.Quantity(1, "kWh"), "CH4", "AR6")
    for bad in ("5", True, None):
        with pytest.raises(nc.InvalidInputError) as exc:
            nc.to_co2e(bad, "CH4", "AR6")
        assert isinstance(exc.value, TypeError)
        assert [(i.code, i.field) for i in exc.value.issues] == [("argument_type", "mass_t")]
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.gwp("CH4", "AR6", origin="biogenic")
    assert [i.code for i in exc.value.issues] == ["origin_known"]
    with pytest.raises(nc.UnknownSpeciesError):
        nc.gwp(nc.ureg.Quantity(1, "kg"), "AR6")


# -- what the entry-point fuzz found (tests/reliability/test_fuzz_entry_points.py) -------

Q = nc.ureg.Quantity
ARRAY = Q([1.0, 2.0], "t")  # compares element-wise: `x in (...)` on it is ambiguous


@pytest.fixture(scope="module")
def office():
    inv = nc.load_inventory(OFFICE)
    return inv, nc.calculate(inv)


LEAKS = {
    "parse_unit of a list": (lambda o: nc.parse_unit([]), nc.UnknownUnitError, None),
    "conversion_factor of a list": (
        lambda o: nc.conversion_factor("kg", ["t"]),
        nc.UnknownUnitError,
        None,
    ),
    "blend_gwp of a species": (lambda o: nc.blend_gwp("CH4", "AR5"), nc.UnknownSpeciesError, None),
    "split_blend of no mass": (
        lambda o: nc.split_blend("R-410A", None),
        nc.InvalidArgumentError,
        ("argument_type", "mass"),
    ),
    "to_co2e of a mass beyond double": (
        lambda o: nc.to_co2e(10**400, "CH4", "AR5"),
        nc.InvalidInputError,
        ("finite_number", "mass_t"),
    ),
    "gwp of an array origin": (
        lambda o: nc.gwp("CH4", "AR5", ARRAY),
        nc.InvalidInputError,
        ("origin_known", "origin"),
    ),
    "json_schema of an array": (
        lambda o: nc.json_schema(ARRAY),
        nc.InvalidInputError,
        ("schema_name_known", "name"),
    ),
    "load_inventory of None": (
        lambda o: nc.load_inventory(None),
        nc.InvalidArgumentError,
        ("argument_type", "source"),
    ),
    "load_inventory of a NUL path": (
        lambda o: nc.load_inventory("a\x00.yaml"),
        nc.InvalidInputError,
        ("file_unreadable", "source"),
    ),
    "load_inventory with a float limit": (
        lambda o: nc.load_inventory(OFFICE, max_bytes=1.5),
        nc.InvalidArgumentError,
        ("argument_type", "max_bytes"),
    ),
    "load_result of None": (
        lambda o: nc.load_result(None),
        nc.InvalidArgumentError,
        ("argument_type", "path"),
    ),
    "read_activity of None": (
        lambda o: nc.read_activity(None),
        nc.InvalidArgumentError,
        ("argument_type", "path"),
    ),
    "save_result to None": (
        lambda o: nc.save_result(o[1], None),
        nc.InvalidArgumentError,
        ("argument_type", "path"),
    ),
    "save_result of a DataFrame": (
        lambda o: nc.save_result(__import__("pandas").DataFrame({"a": [Q(1, "t")]}), "x.json"),
        nc.InvalidArgumentError,
        ("argument_type", "result"),
    ),
    "save_inventory of None": (
        lambda o: nc.save_inventory(None, "x.yaml"),
        nc.InvalidArgumentError,
        ("argument_type", "inv"),
    ),
    "inventory_report of None": (
        lambda o: nc.inventory_report(None),
        nc.InvalidArgumentError,
        ("argument_type", "result"),
    ),
    "data_quality of None": (
        lambda o: nc.data_quality(None),
        nc.InvalidArgumentError,
        ("argument_type", "result"),
    ),
    "find_gaps of None": (
        lambda o: nc.find_gaps(None),
        nc.InvalidArgumentError,
        ("argument_type", "inventory"),
    ),
    "fill_gaps with an array policy": (
        lambda o: nc.fill_gaps(o[0], ARRAY),
        nc.InvalidInputError,
        ("gap_policy", "policy"),
    ),
    "calculate with a bool registry": (
        lambda o: nc.calculate(o[0], registry=True),
        nc.InvalidArgumentError,
        ("argument_type", "registry"),
    ),
    "calculate with a float top": (
        lambda o: nc.calculate(o[0], contributions_top=1.5),
        nc.InvalidArgumentError,
        ("argument_type", "contributions_top"),
    ),
    "calculate with a negative top": (
        lambda o: nc.calculate(o[0], contributions_top=-1),
        nc.InvalidInputError,
        ("contributions_top_valid", "contributions_top"),
    ),
    "calculate with an array method": (
        lambda o: nc.calculate(o[0], uncertainty=ARRAY),
        nc.InvalidInputError,
        ("uncertainty_method", "uncertainty"),
    ),
    "calculate with 1e39 iterations": (
        lambda o: nc.calculate(o[0], uncertainty="monte_carlo", iterations=10**39),
        nc.InvalidInputError,
        ("iterations_valid", "iterations"),
    ),
    "calculate with progress that is no function": (
        lambda o: nc.calculate(o[0], progress=3),
        nc.InvalidArgumentError,
        ("argument_type", "progress"),
    ),
    "total_ufloat with an array flag": (
        lambda o: o[1].total_ufloat(market_based=ARRAY),
        nc.InvalidArgumentError,
        ("argument_type", "market_based"),
    ),
    "verify of None": (
        lambda o: nc.verify(None, {}, materiality=0.05, assurance="limited"),
        nc.InvalidArgumentError,
        ("argument_type", "inventory"),
    ),
    "verify of a claim path None": (
        lambda o: nc.verify(o[0], None, materiality=0.05, assurance="limited"),
        nc.InvalidArgumentError,
        ("argument_type", "claimed"),
    ),
    "verify with an array assurance": (
        lambda o: nc.verify(o[0], {}, materiality=0.05, assurance=ARRAY),
        nc.InvalidInputError,
        ("assurance", "assurance"),
    ),
    "verify with a list materiality": (
        lambda o: nc.verify(o[0], {}, materiality=[0.05], assurance="limited"),
        nc.InvalidInputError,
        ("materiality", "materiality"),
    ),
    "verify with a multiple beyond double": (
        lambda o: nc.verify(
            o[0], {}, materiality=0.05, assurance="limited", pervasive_multiple=10**400
        ),
        nc.InvalidInputError,
        ("pervasive_multiple_valid", "pervasive_multiple"),
    ),
    "a factor registry of None packs": (
        lambda o: nc.FactorRegistry(None),
        nc.InvalidArgumentError,
        ("argument_type", "user_packs"),
    ),
    "a factor registry with a NUL in a pack path": (
        lambda o: nc.FactorRegistry(["a\x00.yaml"]),
        nc.InvalidInputError,
        ("file_unreadable", "user_packs[0]"),
    ),
    "a factor registry of text inline factors": (
        lambda o: nc.FactorRegistry(inline=["x"]),
        nc.InvalidArgumentError,
        ("argument_type", "inline"),
    ),
    "a factor registry with allowed ids that are no text": (
        lambda o: nc.FactorRegistry(allowed=[1]),
        nc.InvalidArgumentError,
        ("argument_type", "allowed"),
    ),
    "a factor registry with pins that are no mapping": (
        lambda o: nc.FactorRegistry(pins="ipcc-2006"),
        nc.InvalidArgumentError,
        ("argument_type", "pins"),
    ),
    "a sandbox of None": (
        lambda o: nc.Sandbox(None),
        nc.InvalidInputError,
        ("sandbox_folder", "base_dir"),
    ),
    "a sandbox allowing a number": (
        lambda o: nc.Sandbox(".", allow=Q(1, "kg")),
        nc.InvalidInputError,
        ("sandbox_folder", "allow"),
    ),
    "an inventory report of None": (
        lambda o: nc.InventoryReport(None),
        nc.InvalidArgumentError,
        ("argument_type", "result"),
    ),
    "a result document built with a wrong schema": (
        lambda o: nc.ResultDocument(schema="x"),
        nc.InvalidInputError,
        ("literal_error", "schema"),
    ),
}


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_a_bad_argument_is_a_documented_error(case, office, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call, error, code_field = LEAKS[case]
    with pytest.raises(error) as info:
        call(office)
    if code_field is not None:
        assert (info.value.issues[0].code, info.value.issues[0].field) == code_field
