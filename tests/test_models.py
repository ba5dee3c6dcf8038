"""Inventory models: strict numbers, one named rule per check, all problems at once."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError


def codes(exc: InvalidInputError) -> list[str]:
    return [i.code for i in exc.issues]


def test_minimal_inventory_is_valid(minimal_inventory):
    inv = nc.validate_inventory(minimal_inventory)
    assert inv.organization.id == "0755"
    assert inv.period.days == 366
    assert [s.scope for s in inv.sources] == ["1", "2"]
    assert inv.gwp == "AR5"


def test_gwp_set_name_is_normalised(minimal_inventory):
    minimal_inventory["gwp"] = "ar6gwp100"
    assert nc.validate_inventory(minimal_inventory).gwp == "AR6"


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (lambda d: d["period"].update(end="2024-01-01"), "period_end_after_start", "period"),
        (
            lambda d: d["facilities"][0].update(equity_share=1.2),
            "less_than_equal",
            "facilities[0].equity_share",
        ),
        (
            lambda d: d["facilities"][0].update(equity_share=-0.1),
            "greater_than_equal",
            "facilities[0].equity_share",
        ),
        (lambda d: d["sources"][0].update(category=0), "greater_than_equal", "sources[0].category"),
        (lambda d: d["sources"][0].update(category=7), "less_than_equal", "sources[0].category"),
        (lambda d: d["sources"][0].update(category=1.0), "int_type", "sources[0].category"),
        (
            lambda d: d["sources"][0]["activity"].update(amount=True),
            "float_type",
            "sources[0].activity[0].amount",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(amount="1,000"),
            "float_type",
            "sources[0].activity[0].amount",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(amount=float("nan")),
            "finite_number",
            "sources[0].activity[0].amount",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(amount=float("inf")),
            "finite_number",
            "sources[0].activity[0].amount",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(amount=-1),
            "amount_not_negative",
            "sources[0].activity[0].amount",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(unit="parsecs_x"),
            "unit_known",
            "sources[0].activity[0].unit",
        ),
        (
            lambda d: d["sources"][0].update(facility="nowhere"),
            "source_facility_exists",
            "sources[0].facility",
        ),
        (
            lambda d: d["sources"][0]["activity"].update(instrument="M-404"),
            "instrument_referenced_exists",
            "sources[0].activity[0].instrument",
        ),
        (lambda d: d["sources"].append(copy.deepcopy(d["sources"][0])), "ids_unique", "sources"),
        (
            lambda d: d["instruments"][0].update(calibration_due="2023-01-01"),
            "calibration_due_after_calibrated_on",
            "instruments[0]",
        ),
        (
            lambda d: d["facilities"][0].pop("operational_control"),
            "consolidation_flags_present",
            "facilities[0].operational_control",
        ),
        (
            lambda d: d["sources"][1]["activity"][1].update(period="2024-01"),
            "activity_periods_do_not_overlap",
            "sources[1].activity",
        ),
        (
            lambda d: d["sources"][1]["activity"][1].update(period="2025-02"),
            "activity_within_period",
            "sources[1].activity[1]",
        ),
        (
            lambda d: d["sources"][0].update(scope3_category=4),
            "scope3_category_only_for_indirect",
            "sources[0]",
        ),
        (lambda d: d["sources"][0].pop("factor"), "method_inputs_present", "sources[0]"),
        (
            lambda d: d["sources"][0].update(method="release", gas="HFC"),
            "gas_known",
            "sources[0].gas",
        ),
        (lambda d: d.update(gwp="AR7"), "gwp_set_known", "gwp"),
        (lambda d: d.update(colour="blue"), "extra_forbidden", "colour"),
        (
            lambda d: d["organization"].update(consolidation="vibes"),
            "literal_error",
            "organization.consolidation",
        ),
        (
            lambda d: d.update(exclusions=[{"category": 5, "reason": ""}]),
            "string_too_short",
            "exclusions[0].reason",
        ),
    ],
)
def test_each_rule_reports_its_code_and_field(minimal_inventory, mutate, code, field):
    mutate(minimal_inventory)
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(minimal_inventory, source="inv.yaml")
    found = [(i.code, i.field) for i in exc.value.issues]
    assert any(c == code and (f or "").startswith(field) for c, f in found), found
    assert all(i.file == "inv.yaml" for i in exc.value.issues)


def test_zero_activity_is_a_value_not_a_gap(minimal_inventory):
    minimal_inventory["sources"][0]["activity"]["amount"] = 0
    inv = nc.validate_inventory(minimal_inventory)
    assert inv.sources[0].records[0].amount == 0.0


def test_integer_identifiers_are_kept_exactly(minimal_inventory):
    minimal_inventory["facilities"][0]["id"] = 12345
    for s in minimal_inventory["sources"]:
        s["facility"] = 12345
    inv = nc.validate_inventory(minimal_inventory)
    assert inv.facilities[0].id == "12345"
    minimal_inventory["facilities"][0]["id"] = True
    with pytest.raises(InvalidInputError, match="string_type"):
        nc.validate_inventory(minimal_inventory)


def test_equity_share_bounds_are_inclusive(minimal_inventory):
    for share in (0, 1, 0.6):
        minimal_inventory["facilities"][0]["equity_share"] = share
        assert nc.validate_inventory(minimal_inventory).facilities[0].equity_share == share


def test_direct_model_use_raises_invalid_input_error_with_rule_code():
    # a model built in Python reports like a file (issue 15); pydantic's own
    # model_validate keeps its ValidationError, and both are ValueErrors
    with pytest.raises(InvalidInputError) as exc:
        nc.Period(start=dt.date(2024, 2, 1), end=dt.date(2024, 1, 1))
    assert [i.code for i in exc.value.issues] == ["period_end_after_start"]
    with pytest.raises(ValidationError) as exc2:
        nc.Period.model_validate({"start": dt.date(2024, 2, 1), "end": dt.date(2024, 1, 1)})
    assert exc2.value.errors()[0]["type"] == "period_end_after_start"


def test_instrument_u95_from_expanded_uncertainty():
    ins = nc.Instrument(id="m", kind="meter", uncertainty=0.02, coverage_factor=2)
    assert ins.u95 == pytest.approx(0.02 * 1.959963984540054 / 2)


def test_record_period_labels():
    rec = nc.ActivityRecord(amount=1, unit="t", period="2024-Q4")
    inv_period = nc.Period(start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1))
    assert rec.bounds(inv_period) == (dt.date(2024, 10, 1), dt.date(2025, 1, 1))
    assert nc.ActivityRecord(amount=1, unit="t", period="2024-12").bounds(inv_period) == (
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
    )
    with pytest.raises(InvalidInputError, match="record_period_well_formed"):
        nc.ActivityRecord(amount=1, unit="t", period="2024-13")


def test_broken_inventory_reports_every_problem_at_once(data_dir):
    with pytest.raises(InvalidInputError) as exc:
        nc.load_inventory(data_dir / "broken_inventory.yaml")
    found = codes(exc.value)
    expected = {
        "less_than_equal",  # equity share 1.5, category 7
        "ids_unique",
        "consolidation_flags_present",
        "calibration_due_after_calibrated_on",
        "source_facility_exists",
        "finite_number",
        "amount_not_negative",
        "float_type",
        "activity_periods_do_not_overlap",
        "instrument_referenced_exists",
        "unit_known",
        "gas_known",
        "extra_forbidden",
        "activity_within_period",
    }
    assert expected <= set(found), expected - set(found)
    assert found.count("float_type") == 2  # the boolean and the "1,000"
    for issue in exc.value.issues:
        assert issue.file and issue.file.endswith("broken_inventory.yaml")
        assert issue.field, issue


def test_json_schema_is_exported_and_current():
    import json
    from pathlib import Path

    schema = nc.inventory_json_schema()
    assert schema["title"].startswith("nqi-carbon inventory")
    assert "organization" in schema["properties"]
    doc = Path(__file__).resolve().parents[1] / "docs" / "reference" / "inventory.schema.json"
    if doc.exists():
        assert json.loads(doc.read_text()) == schema, (
            "regenerate with: nqi-carbon schema > docs/reference/inventory.schema.json"
        )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09_.:+-/@ \t\n\r\x00\x1b\x7f\x85\xa0\u2028é环"), max_size=6))
def test_identifier_fast_path_accepts_exactly_what_the_rules_accept(value):
    # the one-match path for plain ASCII ids must not accept anything the rules refuse
    import re as _re

    from pydantic_core import PydanticCustomError

    from nqi_carbon.data.fields import _check_identifier

    def rules(v: str) -> bool:
        controls = _re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", v)
        return not controls and bool(v) and bool(_re.match(r"^[^\s/@][^\n\r\t]*$", v)) and v == v.strip()

    try:
        _check_identifier(value)
        accepted = True
    except PydanticCustomError:  # what RuleError makes
        accepted = False
    assert accepted == rules(value)


def test_json_depth_with_a_string_left_open_is_not_json():
    from nqi_carbon._io.structured import json_depth_within

    assert json_depth_within(b'{"a": "b', 5) is False
    assert json_depth_within(b'{"a": "[[[", "b": {}}', 2) is True
    assert json_depth_within(b'{"a": [[{}]]}', 3) is False
