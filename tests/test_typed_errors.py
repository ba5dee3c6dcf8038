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
