"""The JSON contracts: schemas generated from the models, every example and output valid.

Every document nqi-carbon writes is checked twice: against its published JSON Schema
(draft 2020-12, with the ``jsonschema`` package, formats checked) and against its typed
model, with no key the model does not list and nothing changed by reading it back. So a
writer that gains a key fails here until the contract (nqi_carbon/contracts/models.py),
its schema files and its reference page say what the key means.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

import nqi_carbon as nc
from nqi_carbon._io.structured import read_structured
from nqi_carbon.cli import main
from nqi_carbon.contracts.models import CONTRACT_SCHEMAS
from nqi_carbon.contracts.schemas import SCHEMA_NAMES, packaged_schema_dir, schema_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"
INVENTORIES = sorted(EXAMPLES.glob("*/inventory.yaml"))
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = nc.json_schema(name)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def json_form(data: Any) -> Any:
    """YAML data as its JSON form (dates as ISO text), as a JSON Schema validator reads it."""

    def default(obj: Any) -> Any:
        if isinstance(obj, dt.date):
            return obj.isoformat()
        raise TypeError(type(obj).__name__)

    return json.loads(json.dumps(data, default=default))


def unlisted_keys(value: Any, path: str = "") -> list[str]:
    """Keys of a validated document that its model does not list (kept as extras)."""
    out: list[str] = []
    if isinstance(value, BaseModel):
        out += [f"{path}.{k}" for k in value.model_extra or {}]
        for name in type(value).model_fields:
            out += unlisted_keys(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            out += unlisted_keys(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            out += unlisted_keys(v, f"{path}.{k}")
    return out


def assert_contract(name: str, data: dict[str, Any]) -> None:
    """*data* is a valid *name* document: by its schema, and by its model with no extra key."""
    errors = sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    model = CONTRACT_SCHEMAS[name][0]
    doc = model.model_validate(data)
    assert not unlisted_keys(doc), (
        f"the writer wrote keys the {name} contract does not list: {unlisted_keys(doc)}; add "
        "them to nqi_carbon/contracts/models.py, regenerate the schema files (python -m "
        "nqi_carbon.contracts.schemas src/nqi_carbon/contracts/schemas docs/reference) and "
        "document them in docs/reference/"
    )
    assert doc.to_dict() == data


# -- the schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_draft_2020_12_with_an_id(name):
    schema = nc.json_schema(name)
    assert schema["$schema"] == DRAFT
    assert schema["$id"].startswith("https://") and schema["$id"].endswith("@1.json")
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
@pytest.mark.parametrize("folder", ["package", "docs"])
def test_the_committed_schema_files_are_the_generated_ones(name, folder):
    where = packaged_schema_dir() if folder == "package" else ROOT / "docs" / "reference"
    committed = (where / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(name), (
        "regenerate: python -m nqi_carbon.contracts.schemas src/nqi_carbon/contracts/schemas "
        "docs/reference"
    )


@pytest.mark.parametrize(
    "name", ["result", "verification", "trajectory", "validation", "neutrality-evaluation"]
)
def test_each_contract_has_a_reference_page_with_every_key(name):
    from nqi_carbon.contracts.schemas import FIELDS_BEGIN, FIELDS_END, field_table

    page = (ROOT / "docs" / "reference" / f"{name}.md").read_text(encoding="utf-8")
    table = page[page.index(FIELDS_BEGIN) + len(FIELDS_BEGIN) : page.index(FIELDS_END)]
    assert table.strip() == field_table(name), "regenerate (see test_the_committed_schema_files)"
    rows = [r for r in field_table(name).splitlines()[2:] if not r.endswith("|  |")]
    assert len(rows) == len(field_table(name).splitlines()) - 2, "a key has no meaning"


def _keys(node: Any) -> set[str]:
    """Every property name anywhere in a JSON Schema."""
    if isinstance(node, dict):
        out = set(node.get("properties", {}))
        for v in node.values():
            out |= _keys(v)
        return out
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node)) if node else set()
    return set()


def test_the_inventory_format_page_names_every_key_of_the_schema():
    page = (ROOT / "docs" / "reference" / "inventory-format.md").read_text(encoding="utf-8")
    keys = _keys(nc.json_schema("inventory")) - {"schema"}
    assert sorted(k for k in keys if f"`{k}`" not in page) == []


def test_inventory_json_schema_is_the_inventory_schema():
    assert nc.inventory_json_schema() == nc.json_schema() == nc.json_schema("inventory")


def test_an_unknown_schema_name_is_a_typed_error():
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.json_schema("results")
    assert [i.code for i in exc.value.issues] == ["schema_name_known"]


# -- the inventory schema against the loader ---------------------------------------------------


@pytest.mark.parametrize("path", INVENTORIES, ids=lambda p: p.parent.name)
def test_every_bundled_example_is_valid_by_the_inventory_schema(path):
    data, _ = read_structured(path)
    errors = list(validator("inventory").iter_errors(json_form(data)))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_the_single_record_form_of_activity_is_valid():
    # issue 15: 'activity' was declared a list only, so every example failed
    schema = validator("inventory")
    data = json_form(read_structured(EXAMPLES / "office" / "inventory.yaml")[0])
    assert isinstance(data["sources"][1]["activity"], dict)
    schema.validate(data)
    data["sources"][1]["activity"] = [data["sources"][1]["activity"]]
    schema.validate(data)
    data["sources"][1]["activity"] = "2.4 kg"
    with pytest.raises(jsonschema.ValidationError):
        schema.validate(data)


def test_the_broken_fixture_is_refused_by_the_schema_where_the_loader_refuses_it():
    data = json_form(read_structured(DATA / "broken_inventory.yaml")[0])
    found = {
        tuple(e.absolute_path)
        for err in validator("inventory").iter_errors(data)
        for e in (err.context or [err])  # anyOf: the branch errors name the field
    }
    for path in [
        ("facilities", 1, "equity_share"),  # 1.5
        ("sources", 1, "category"),  # 7
        ("sources", 2, "activity", 0, "amount"),  # true
        ("sources", 2, "activity", 2, "amount"),  # "1,000"
        ("sources", 4, "colour"),  # unknown key
    ]:
        assert path in found or path[:-1] in found, (path, sorted(found, key=str))
    # what a schema cannot say (references, duplicate ids, overlapping periods, units)
    # only `nqi-carbon validate` finds: the loader refuses all 16 problems
    with pytest.raises(nc.InvalidInputError):
        nc.load_inventory(DATA / "broken_inventory.yaml")


def test_the_unresolved_fixture_is_valid_as_a_document():
    # its problems are references into the packs: a schema cannot see them, validate does
    data = json_form(read_structured(DATA / "unresolved_inventory.yaml")[0])
    validator("inventory").validate(data)
    with pytest.raises(nc.InvalidInputError, match="factor_resolves"):
        nc.calculate(DATA / "unresolved_inventory.yaml")


def test_a_saved_inventory_is_valid_by_the_schema(tmp_path):
    for path in INVENTORIES:
        inv = nc.load_inventory(path)
        saved = nc.save_inventory(inv, tmp_path / f"{path.parent.name}.json")
        validator("inventory").validate(json.loads(saved.read_text(encoding="utf-8")))


# -- every output against its contract -----------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> dict[str, nc.Result]:
    out = {}
    for path in INVENTORIES:
        name = path.parent.name
        out[name] = nc.calculate(path)
        out[f"{name}-analytical"] = nc.calculate(path, uncertainty="analytical")
        out[f"{name}-mc"] = nc.calculate(path, uncertainty="monte_carlo", iterations=500, seed=3)
    return out


def test_every_result_is_a_result_document(results):
    for res in results.values():
        assert_contract("result", json.loads(res.to_json()))


def test_every_report_json_is_a_result_document_with_its_report(results):
    for res in results.values():
        data = json.loads(nc.inventory_report(res).to_json())
        assert "report" in data
        assert_contract("result", data)


def test_verification_json_is_a_verification_document(results):
    inv = nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml")
    for claimed in (EXAMPLES / "cement" / "claimed.json", json.loads(results["cement"].to_json())):
        ver = nc.verify(inv, claimed, materiality=0.05, assurance="reasonable")
        assert_contract("verification", json.loads(ver.to_json()))


NEUTRALITY = EXAMPLES / "neutrality"


def _neutrality_evaluations() -> list[Any]:
    """Every bundled claim evaluated and verified, a refused claim and a stated footprint."""
    doc = yaml.safe_load((NEUTRALITY / "claim.yaml").read_text(encoding="utf-8"))
    stated = {
        **doc,
        "criteria": "pas-2060",
        "subject": {
            "kind": "footprint",
            "name": "Stated",
            "footprint": {"value_t": 10.0, "low_t": 9.0, "high_t": 11.0, "source": "LCA"},
        },
        "credits": doc["credits"][:1],
    }
    out = []
    claims = ("claim.yaml", "event-claim.yaml", "building-claim.yaml")
    for claim in (NEUTRALITY / name for name in claims):
        out.append(nc.evaluate_neutrality(claim))
        out.append(nc.verify_neutrality(claim, materiality=0.05, assurance="reasonable"))
    out.append(nc.evaluate_neutrality(stated))  # refused: no QES
    out.append(nc.verify_neutrality(stated, materiality="5%", assurance="limited", date="2025-05-01"))
    return out


def test_every_neutrality_evaluation_is_a_neutrality_evaluation_document(tmp_path):
    evaluations = _neutrality_evaluations()
    assert {e.status for e in evaluations} == {"claim", "refused"}
    assert {e.opinion.opinion for e in evaluations if e.opinion} >= {"unmodified", "disclaimer"}
    for ev in evaluations:
        data = json.loads(ev.to_json())
        assert_contract("neutrality-evaluation", data)
    path = tmp_path / "neutrality.json"
    path.write_text(evaluations[1].to_json(), encoding="utf-8")
    loaded = nc.load_result(path)
    assert type(loaded).__name__ == "NeutralityEvaluationDocument"
    assert loaded.verification_opinion is not None
    assert loaded.verification_opinion.opinion == "unmodified"


def test_a_verification_with_every_part_of_an_evidence_log_is_a_verification_document():
    # the plan, the log (every section), scope limitations, qualitative flags, base-year checks
    log = {
        "schema": "nqi-carbon/evidence-log@1",
        "intended_users": "lenders",
        "samples": [
            {"source": "kiln-coal", "record": "2024-11", "procedure": "tickets", "result": "differs",
             "difference_co2e_t": 310.5, "nature": "intentional", "note": "edited"},
            {"source": "kiln-coal", "record": 2, "result": "not_available"},
            {"source": "grid-electricity", "result": "agrees"},
        ],
        "limitations": [{"subject": "quarry diesel Q3", "co2e_t": 350, "reason": "lost"}],
        "material_by_nature": [{"subject": "kiln-coal", "reason": "other", "description": "a cap"}],
        "compliance_thresholds": [{"name": "free allocation", "co2e_t": 850000}],
    }
    inv = nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml")
    ver = nc.verify(inv, EXAMPLES / "cement" / "claimed.json", materiality=0.05,
                    assurance="reasonable", evidence=log)
    data = json.loads(ver.to_json())
    assert data["evidence_log"]["samples"][1]["record"] == 2 and data["scope_limitations"]
    assert_contract("verification", data)


def _cli_json(*args: str) -> tuple[int, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(list(args))
    return status, json.loads(out.getvalue())


TRAJECTORY = (
    str(EXAMPLES / "trajectory" / "series.csv"),
    "--target-year",
    "2030",
    "--method",
    "linear",
    "--target-reduction",
    "0.3",
)


@pytest.mark.parametrize("sectors", [False, True])
def test_trajectory_json_is_a_trajectory_document(sectors):
    extra = ("--sectors", str(EXAMPLES / "trajectory" / "sectors.csv")) if sectors else ()
    status, data = _cli_json("trajectory", *TRAJECTORY, *extra, "--format", "json")
    assert status == 0
    assert (data["decomposition"] is None) is not sectors
    assert_contract("trajectory", data)


@pytest.mark.parametrize("path", INVENTORIES, ids=lambda p: p.parent.name)
def test_the_clis_json_outputs_are_their_documents(path):
    status, data = _cli_json("calculate", str(path), "--format", "json")
    assert status == 0
    assert_contract("result", data)
    status, data = _cli_json("validate", str(path), "--format", "json")
    assert status == 0 and data["valid"] is True
    assert_contract("validation", data)


def test_the_clis_json_errors_are_validation_documents():
    status, data = _cli_json("validate", str(DATA / "broken_inventory.yaml"), "--format", "json")
    assert status == 1 and data["valid"] is False and len(data["issues"]) == 16
    assert_contract("validation", data)
    status, data = _cli_json(
        "calculate", str(DATA / "unresolved_inventory.yaml"), "--format", "json"
    )
    assert status == 1 and data["valid"] is False
    assert {i["code"] for i in data["issues"]} >= {"factor_resolves"}
    assert_contract("validation", data)


def test_cli_verify_json_is_a_verification_document():
    cement = EXAMPLES / "cement"
    _status, data = _cli_json(
        "verify",
        str(cement / "inventory.yaml"),
        "--claimed",
        str(cement / "claimed.json"),
        "--materiality",
        "0.05",
        "--assurance",
        "reasonable",
        "--format",
        "json",
    )
    assert data["schema"] == "nqi-carbon/verification@1"
    assert_contract("verification", data)


# -- load_result: a typed document that round-trips ---------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_load_result_is_typed_and_saves_back_byte_for_byte(results, tmp_path, suffix):
    for key in ("office", "cement-mc"):
        first = nc.save_result(results[key], tmp_path / f"{key}{suffix}")
        doc = nc.load_result(first)
        assert isinstance(doc, nc.ResultDocument)
        assert doc.totals.gross_co2e_t == results[key].total_co2e
        assert doc.lines[0].source == results[key].line_records[0].source
        again = nc.save_result(doc, tmp_path / f"{key}-again{suffix}")
        assert again.read_bytes() == first.read_bytes()


def test_load_result_reads_report_json_verification_and_trajectory(results, tmp_path):
    rep = nc.save_result(nc.inventory_report(results["multisite"]), tmp_path / "report.json")
    doc = nc.load_result(rep)
    assert isinstance(doc, nc.ResultDocument) and doc.report is not None
    assert doc.report.categories[0].category == 1
    assert nc.save_result(doc, tmp_path / "r2.json").read_bytes() == rep.read_bytes()
    inv = nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml")
    ver = nc.verify(inv, EXAMPLES / "cement" / "claimed.json", materiality=0.05, assurance="limited")
    vdoc = nc.load_result(nc.save_result(ver, tmp_path / "v.json"))
    assert isinstance(vdoc, nc.VerificationDocument) and vdoc.opinion == ver.opinion
    _status, data = _cli_json("trajectory", *TRAJECTORY, "--format", "json")
    (tmp_path / "t.json").write_text(json.dumps(data), encoding="utf-8")
    tdoc = nc.load_result(tmp_path / "t.json")
    assert isinstance(tdoc, nc.TrajectoryDocument) and tdoc.peak.status == data["peak"]["status"]


def test_a_loaded_result_still_reads_as_a_mapping(results, tmp_path):
    res = results["office"]
    doc = nc.load_result(nc.save_result(res, tmp_path / "r.json"))
    expected = json.loads(res.to_json())
    assert doc == expected  # existing users compared with json.loads(...)
    assert doc["totals"]["gross_co2e_t"] == res.total_co2e
    assert doc.get("missing", 1) == 1 and "lines" in doc and doc.keys() == list(expected)


def test_keys_a_later_version_adds_are_kept(results, tmp_path):
    data = json.loads(results["office"].to_json())
    data["totals"]["by_widget"] = {"a": 1.0}
    data["later"] = [1, 2]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    doc = nc.load_result(path)
    assert doc.to_dict() == data
    validator("result").validate(data)  # the schema of this version accepts them too


def test_a_result_that_breaks_its_contract_is_a_typed_error(results, tmp_path):
    data = json.loads(results["office"].to_json())
    del data["totals"]["by_category"]["3"]
    data["lines"][0]["co2e_t"] = "12"
    del data["provenance"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.load_result(path)
    found = {(i.code, i.field) for i in exc.value.issues}
    assert ("contract_keys", "totals.by_category") in found
    assert ("missing", "provenance") in found
    assert any(c in ("float_type", "int_type") and f == "lines[0].co2e_t" for c, f in found)
    assert list(validator("result").iter_errors(data)) != []
    path.write_text(json.dumps({"schema": "nqi-carbon/other@1"}), encoding="utf-8")
    with pytest.raises(nc.InvalidInputError, match="result_schema"):
        nc.load_result(path)


def test_cli_schema_prints_each_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == nc.json_schema("inventory")
    for name in SCHEMA_NAMES:
        assert main(["schema", name]) == 0
        assert json.loads(capsys.readouterr().out) == nc.json_schema(name)
