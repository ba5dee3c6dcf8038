"""The CFP study report, the verification of a claimed footprint, the command, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import nqi_carbon as nc
from nqi_carbon.cli import main
from nqi_carbon.errors import InvalidArgumentError, InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
CEMENT = ROOT / "examples" / "footprint-cement" / "cement.yaml"
CLAIMED = ROOT / "examples" / "footprint-cement" / "claimed.yaml"
# the cement footprint by hand (tests/test_footprint.py): 0.8 x clinker + 0.41 + 5.25 + 21.6714
PCF = 0.8 * 864_802.28995 / 1_052_300 * 1000 + 0.41 + 5.25 + 21.6714


@pytest.fixture(scope="module")
def cement() -> nc.FootprintResult:
    return nc.calculate_footprint(CEMENT)


def test_report_checklist_states_each_item(cement):
    rep = nc.footprint_report(cement)
    items = {c.item: c for c in rep.checklist()}
    assert list(items) == list("abcdefghijklmnopq")
    assert items["a"].status == "present"
    assert items["a"].detail == "1 t (declared)"
    assert items["i"].detail.startswith("none: the kiln line makes clinker only")
    assert items["k"].status == "missing"  # the study states no biogenic carbon content
    assert items["q"].status == "not_applicable"


def test_report_json_carries_the_figures_and_the_study(cement):
    data = json.loads(nc.footprint_report(cement).to_json())
    assert data["schema"] == "nqi-carbon/footprint-report@1"
    fp = data["footprint"]
    assert fp["pcf_excluding_biogenic"] == pytest.approx(PCF)
    assert fp["declared_unit"] == {
        "amount": 1.0,
        "unit": "t",
        "kind": "declared",
        "description": "one tonne of cement at the mill outlet, in bulk",
    }
    assert data["study"]["practitioner"] == "EHS department (Wang Li)"
    assert [c["status"] for c in data["checklist"]].count("missing") == 1


def test_report_languages(cement):
    en = nc.footprint_report(cement, language="en").to_markdown()
    zh = nc.footprint_report(cement, language="zh").to_markdown()
    assert "## By life-cycle stage" in en and "按生命周期阶段" not in en
    assert "## 按生命周期阶段" in zh and "By life-cycle stage" not in zh
    both = nc.footprint_report(cement).to_html()  # the study says en+zh
    assert 'lang="zh-Hans"' in both and "By gas / 按气体" in both


@pytest.mark.excel
def test_report_set_is_written_whole_and_reproducibly(cement, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    rep = nc.footprint_report(cement)
    one = rep.write(tmp_path / "a", ["json", "md", "html", "xlsx"])
    two = nc.footprint_report(cement).write(tmp_path / "b", ["json", "md", "html", "xlsx"])
    assert [p.name for p in one] == [f"footprint.{f}" for f in ("json", "md", "html", "xlsx")]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    import openpyxl

    wb = openpyxl.load_workbook(one[3])
    assert wb.sheetnames == [
        "Summary", "Stages", "Gases", "Inputs", "Allocation", "Factors", "Findings", "Checklist",
    ]  # fmt: skip
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
    assert summary["pcf_excluding_biogenic"] == pytest.approx(PCF)


def test_report_refuses_what_is_not_a_result():
    with pytest.raises(InvalidArgumentError, match="FootprintResult"):
        nc.footprint_report({"pcf": 1})
    with pytest.raises(InvalidArgumentError):
        nc.footprint_report(nc.calculate_footprint(CEMENT), language="fr")


def test_verification_of_the_example_claim_is_unmodified(cement):
    # claimed 685 kg vs recomputed 684.7882: +0.2118 kg; materiality 5 % of 684.7882 =
    # 34.2394 kg; the production stage was claimed 1.1382 kg low: all immaterial
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, verifier="A. Verifier")
    assert v.opinion == "unmodified"
    assert v.aggregate == pytest.approx(685 - PCF)
    assert v.materiality_kg == pytest.approx(0.05 * PCF)
    by = {c.figure: c for c in v.checks}
    assert by["by_stage.production"].difference == pytest.approx(677.99 - (PCF - 5.66))
    assert "fairly stated, in all material respects" in v.statement
    assert "无保留意见" in v.statement_zh


@pytest.mark.parametrize(
    ("claimed", "opinion"),
    [
        (PCF * 1.06, "modified"),  # 6 % over: material, below twice materiality
        (PCF * 0.85, "adverse"),  # 15 % under: three times materiality
        (PCF * 1.04, "unmodified"),
    ],
)
def test_opinion_by_materiality(cement, claimed, opinion):
    claim = {
        "schema": "nqi-carbon/footprint-claim@1",
        "product": "cement-po-42-5",
        "declared_unit": {"amount": 1, "unit": "t"},
        "pcf_excluding_biogenic": claimed,
    }
    v = nc.verify_footprint(cement, claim, materiality="5%")
    assert v.opinion == opinion
    assert v.material == (opinion != "unmodified")


def test_claim_in_another_declared_unit_is_converted(cement):
    # per kg: PCF/1000 kg CO2e per kg of cement is the same footprint
    claim = {
        "schema": "nqi-carbon/footprint-claim@1",
        "product": "cement-po-42-5",
        "declared_unit": {"amount": 1, "unit": "kg"},
        "pcf_excluding_biogenic": PCF / 1000,
    }
    v = nc.verify_footprint(cement, claim, materiality=0.05)
    assert v.aggregate == pytest.approx(0.0, abs=1e-9)


def test_claim_problems_are_named(cement):
    claim = {
        "schema": "nqi-carbon/footprint-claim@1",
        "product": "clinker",
        "declared_unit": {"amount": 1, "unit": "kWh"},
        "pcf_excluding_biogenic": 1.0,
    }
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, claim, materiality=0.05)
    assert [i.code for i in exc.value.issues] == ["footprint_claim_product", "footprint_claim_unit"]
    with pytest.raises(InvalidInputError, match="materiality must be a fraction") as exc:
        nc.verify_footprint(cement, claim, materiality=5)
    with pytest.raises(InvalidArgumentError, match="date"):
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, date="30 April")


def test_cli_writes_the_report_and_the_verification_as_one_set(tmp_path, capsys):
    status = main(
        [
            "footprint",
            str(CEMENT),
            "--out",
            str(tmp_path),
            "--claimed",
            str(CLAIMED),
            "--materiality",
            "5%",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert f"{PCF:,.4f} kg CO2e per 1 t" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"footprint.{f}" for f in ("json", "md", "html")]
        + [f"footprint-verification.{f}" for f in ("json", "md", "html")]
    )


def test_cli_with_a_bad_claim_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "claim.yaml"
    bad.write_text("schema: nqi-carbon/footprint-claim@1\nproduct: x\n", encoding="utf-8")
    out = tmp_path / "out"
    status = main(["footprint", str(CEMENT), "--out", str(out), "--claimed", str(bad)])
    assert status == 1
    assert "declared_unit" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_cli_monte_carlo_reports_its_seed(tmp_path):
    status = main(
        ["footprint", str(CEMENT), "--out", str(tmp_path), "--uncertainty", "monte-carlo",
         "--iterations", "500", "--seed", "11", "--formats", "json"]
    )  # fmt: skip
    assert status == 0
    data = json.loads((tmp_path / "footprint.json").read_text(encoding="utf-8"))
    assert data["footprint"]["uncertainty"]["seed"] == 11
    assert data["footprint"]["uncertainty"]["iterations"] == 500


def _validator(name: str) -> jsonschema.Draft202012Validator:
    from nqi_carbon.footprint.schema import footprint_json_schema

    schema = footprint_json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _json_form(path: Path) -> object:
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_schema_files_are_current():
    from nqi_carbon.footprint.schema import SCHEMA_NAMES, schema_text

    for name in SCHEMA_NAMES:
        text = schema_text(name)
        for folder in (
            ROOT / "src" / "nqi_carbon" / "footprint" / "schemas",
            ROOT / "docs" / "reference",
        ):
            assert (folder / f"{name}.schema.json").read_text(encoding="utf-8") == text, name


def test_examples_validate_against_the_schema_and_bad_files_do_not():
    v = _validator("footprint")
    examples = sorted((ROOT / "examples").glob("footprint-*/[!p]*.yaml"))
    examples = [p for p in examples if p.name not in ("claimed.yaml", "smelter.yaml")]
    assert [p.name for p in examples] == ["aluminium.yaml", "cement.yaml", "clinker.yaml"]
    for path in examples:
        assert list(v.iter_errors(_json_form(path))) == [], path
    doc = _json_form(CEMENT)
    assert isinstance(doc, dict)
    doc["inputs"][0]["colour"] = "red"  # unknown key
    doc["boundary"] = "cradle_to_moon"
    assert len(list(v.iter_errors(doc))) == 2
    claim = _validator("footprint-claim")
    assert list(claim.iter_errors(_json_form(CLAIMED))) == []


@pytest.mark.parametrize("value", [10**400, float("inf"), 0.5, True, "2"])
def test_pervasive_multiple_beyond_a_float_is_an_argument_error(cement, value):
    # 10**400 made math.isfinite raise OverflowError (found by the fuzz test)
    with pytest.raises(InvalidArgumentError, match="pervasive_multiple"):
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, pervasive_multiple=value)
