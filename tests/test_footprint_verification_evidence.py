"""A footprint's verification has the inventory verification's evidence, sampling and log.

The cement example (examples/footprint-cement) by hand: gypsum 0.05 t x 8.2 kg/t = 0.41,
slag 0.15 t x 35 kg/t = 5.25, grinding power 38 kWh x 0.5703 kg/kWh (MEE 2022 national
grid factor) = 21.6714, and the plant's clinker 0.8 x 864 802.28995 t / 1 052 300 t; the
footprint PCF kg CO2e per tonne of cement. Materiality 5 % of PCF = M; the monetary-unit
interval M / -ln(0.05) (95 % confidence, Poisson).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import nqi_carbon as nc
from nqi_carbon.cli import main
from nqi_carbon.errors import InvalidArgumentError, InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
CEMENT = ROOT / "examples" / "footprint-cement" / "cement.yaml"
CLAIMED = ROOT / "examples" / "footprint-cement" / "claimed.yaml"
PLANT = 0.8 * 864_802.28995 / 1_052_300 * 1000
GRINDING = 38 * 0.5703
PCF = PLANT + 0.41 + 5.25 + GRINDING
M = 0.05 * PCF
INTERVAL = M / -math.log(0.05)


@pytest.fixture(scope="module")
def cement() -> nc.FootprintResult:
    return nc.calculate_footprint(CEMENT)


def test_evidence_per_input_names_what_each_input_rests_on(cement):
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05)
    ev = {r.input: r for r in v.evidence}
    assert list(ev) == ["gypsum", "slag", "grinding-power", "plant"]
    assert ev["gypsum"].kg == pytest.approx(0.41)
    assert ev["slag"].kg == pytest.approx(5.25)
    assert ev["grinding-power"].kg == pytest.approx(GRINDING)
    assert ev["plant"].kg == pytest.approx(PLANT)
    assert ev["plant"].share == pytest.approx(PLANT / PCF)
    # a supplier footprint is evidenced by its declaration; the plant by its inventory
    assert "Example Gypsum Mine" in ev["gypsum"].evidence
    assert "plant.yaml" in ev["plant"].evidence
    # the grinding power states no evidence: a warning on the input, in the findings
    assert ev["grinding-power"].evidence is None
    found = [f for f in v.findings if f[0] == "footprint_input_evidence_missing"]
    assert [(f[1], f[2]) for f in found] == [("warning", "grinding-power")]


def test_sampling_plan_key_items_flags_and_monetary_unit_sample(cement):
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05)
    plan = v.plan
    assert plan.materiality_kg == pytest.approx(M)
    assert plan.interval_kg == pytest.approx(INTERVAL)
    assert plan.seed is None and plan.start_kg == pytest.approx(INTERVAL / 2)
    # the plant reaches materiality (a key item); the grinding power has a warning; the
    # rest (0.41, then 5.25: 5.66 in all) stays below the first point, INTERVAL / 2 = 5.71
    why = {s.input: s.why for s in plan.samples}
    assert why == {
        "plant": "key item (at least materiality)",
        "grinding-power": "flagged: a warning on the input",
    }
    assert plan.not_proposed_kg == pytest.approx(0.41 + 5.25)


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 12345])
def test_a_seeded_sampling_plan_starts_at_its_seeded_point_and_is_reported(cement, seed):
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, sampling_seed=seed)
    start = np.random.default_rng(seed).uniform(0.0, INTERVAL)
    assert v.plan.seed == seed and v.plan.start_kg == pytest.approx(start, rel=1e-12)
    # gypsum holds (0, 0.41], slag (0.41, 5.66]: the first point picks one or none
    expected = {"gypsum"} if start < 0.41 else ({"slag"} if start < 5.66 else set())
    sampled = {s.input for s in v.plan.samples if s.why.startswith("monetary-unit")}
    assert sampled == expected
    again = nc.verify_footprint(cement, CLAIMED, materiality=0.05, sampling_seed=seed)
    assert again.to_dict()["sampling_plan"] == v.to_dict()["sampling_plan"]
    assert v.to_dict()["sampling_plan"]["seed"] == seed


def test_sampling_seed_must_be_a_whole_number(cement):
    for bad in (-1, 1.5, True, "7"):
        with pytest.raises(InvalidArgumentError, match="sampling seed") as exc:
            nc.verify_footprint(cement, CLAIMED, materiality=0.05, sampling_seed=bad)
        assert exc.value.issues[0].code == "seed_valid"
        assert exc.value.issues[0].field == "sampling_seed"


def _log(**extra):
    return {"schema": "nqi-carbon/footprint-evidence-log@1", **extra}


def test_sampled_differences_join_the_aggregate(cement):
    log = _log(
        samples=[
            {"input": "grinding-power", "procedure": "meter EM-07 vs ledger", "result": "differs",
             "difference": 0.5703, "nature": "error"},  # one kWh too many per tonne
            {"input": "slag", "result": "agrees"},
        ]
    )  # fmt: skip
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=log)
    # claimed 685 against the recomputed PCF, plus the study's own overstatement found
    assert v.aggregate == pytest.approx(685 - PCF + 0.5703)
    assert [(c.figure, c.difference) for c in v.sampled] == [("sample.grinding-power", 0.5703)]
    assert v.opinion == "unmodified"
    d = v.to_dict()
    assert d["aggregate_misstatement"] == pytest.approx(685 - PCF + 0.5703)
    assert d["evidence_log"]["samples"][0]["input"] == "grinding-power"
    assert d["sampled_misstatements"][0]["difference"] == pytest.approx(0.5703)


@pytest.mark.parametrize(
    ("log", "opinion"),
    [
        # a sampled difference of 1.1 M: material, below twice materiality
        (_log(samples=[{"input": "plant", "result": "differs", "difference": 1.1 * M}]), "modified"),
        # small, but intentional: material by its nature
        (_log(samples=[{"input": "slag", "result": "differs", "difference": 0.01, "nature": "intentional"}]),
         "modified"),
        # evidence not obtained for 1.5 M (the log's limitation): modified
        (_log(limitations=[{"subject": "clinker ledger", "kg_co2e": 1.5 * M, "reason": "not provided"}]),
         "modified"),
        # the plant's evidence not available: 657 kg, far above 2 M: no opinion
        (_log(samples=[{"input": "plant", "result": "not_available", "note": "inventory not shown"}]),
         "disclaimer"),
        # slag (5.25) and gypsum (0.41) not available: 5.66 kg, below M
        (_log(samples=[{"input": "slag", "result": "not_available"},
                       {"input": "gypsum", "result": "not_available"}]), "unmodified"),
    ],
)  # fmt: skip
def test_the_evidence_log_weighs_in_the_opinion(cement, log, opinion):
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=log)
    assert v.opinion == opinion
    if opinion == "disclaimer":
        assert v.not_obtained_kg == pytest.approx(PLANT)
        assert "do not express an opinion" in v.statement
        assert "无法表示意见" in v.statement_zh


def test_evidence_log_problems_are_named_at_once(cement, tmp_path):
    bad = _log(
        samples=[
            {"input": "limestone", "result": "agrees"},
            {"input": "slag", "result": "differs"},
        ],
        limitations=[
            {"subject": "x", "kg_co2e": -1, "reason": "lost"},
            {"subject": "y", "kg_co2e": 1e308, "reason": "a sum of these would overflow"},
        ],
    )
    path = tmp_path / "log.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=path)
    issues = {(i.code, i.field) for i in exc.value.issues}
    assert ("sample_difference_given", "samples[1]") in issues
    assert ("greater_than_equal", "limitations[0].kg_co2e") in issues
    assert ("less_than", "limitations[1].kg_co2e") in issues
    assert all(i.file == str(path) for i in exc.value.issues)
    # the fields are right: an unknown input is named against the study's inputs
    bad = _log(samples=[{"input": "limestone", "result": "agrees"}])
    with pytest.raises(InvalidInputError, match="no input of the study") as exc:
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=bad)
    (issue,) = exc.value.issues
    assert issue.code == "footprint_evidence_input_known"
    assert issue.field == "samples[0].input" and "grinding-power" in issue.allowed
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=_log(extra_key=1))
    assert exc.value.issues[0].field == "extra_key"
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=listed)
    assert exc.value.issues[0].code == "evidence_log_form"
    with pytest.raises(InvalidArgumentError) as exc:  # neither a mapping nor a path
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=[1])
    assert exc.value.issues[0].code == "argument_type"


def test_the_verification_pages_show_evidence_plan_and_log(cement, tmp_path):
    log = _log(
        samples=[{"input": "grinding-power", "result": "differs", "difference": 0.5703}],
        limitations=[{"subject": "slag supplier declaration", "kg_co2e": 5.25, "reason": "not provided"}],
    )
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=log, sampling_seed=7)
    md = v.to_markdown()
    for title in ("Evidence per input", "Sampling plan", "Evidence log: samples",
                  "Evidence not obtained"):  # fmt: skip
        assert f"## {title}" in md
    assert re.search(r"^\| Sampling seed[^|]* \| 7 \|$", md, re.M)
    html = v.to_html()
    assert "Sampling plan" in html and "slag supplier declaration" in html
    d = json.loads(v.to_json())
    assert d["sampling_plan"]["interval_kg"] == pytest.approx(INTERVAL)
    assert d["evidence_not_obtained_kg"] == pytest.approx(5.25)
    assert {r["input"] for r in d["evidence"]} == {"gypsum", "slag", "grinding-power", "plant"}


@pytest.mark.excel
def test_the_verification_workbook_has_the_evidence_sheets(cement, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, sampling_seed=7)
    (path,) = v.write(tmp_path, formats=("xlsx",))
    wb = openpyxl.load_workbook(path)
    assert {"Evidence", "Sampling plan", "Evidence log"} <= set(wb.sheetnames)
    rows = list(wb["Evidence"].iter_rows(values_only=True))
    assert rows[0][:2] == ("input", "kind")
    assert {r[0] for r in rows[1:]} == {"gypsum", "slag", "grinding-power", "plant"}
    plan = {r[0]: r[1] for r in wb["Sampling plan"].iter_rows(values_only=True) if r and r[0]}
    assert plan["seed"] == "7"  # text: a 63-bit seed would lose digits as a number
    assert plan["interval_kg"] == pytest.approx(INTERVAL)


def test_cli_takes_the_evidence_log_and_the_sampling_seed(tmp_path, capsys):
    log = tmp_path / "log.yaml"
    log.write_text(
        yaml.safe_dump(_log(samples=[{"input": "plant", "result": "not_available"}])), encoding="utf-8"
    )
    status = main(
        ["footprint", str(CEMENT), "--out", str(tmp_path / "out"), "--claimed", str(CLAIMED),
         "--evidence", str(log), "--sampling-seed", "7"]
    )  # fmt: skip
    assert status == 5  # a disclaimer of opinion, as verify's
    d = json.loads((tmp_path / "out" / "footprint-verification.json").read_text(encoding="utf-8"))
    assert d["opinion"] == "disclaimer" and d["sampling_plan"]["seed"] == 7
    assert "verification: disclaimer" in capsys.readouterr().out


# -- the evidence log in the claim file; misstatements material by their nature ------------


def _claim_with(tmp_path, log):
    """The cement claim with *log* under ``evidence_log``, written beside the others."""
    claim = yaml.safe_load(CLAIMED.read_text(encoding="utf-8"))
    path = tmp_path / "claimed-with-log.yaml"
    path.write_text(yaml.safe_dump({**claim, "evidence_log": log}, allow_unicode=True), encoding="utf-8")
    return path


def test_the_evidence_log_may_be_given_in_the_claim_file(cement, tmp_path):
    # as the inventory verification's claim takes it; the footprint claim refused the key
    log = _log(samples=[{"input": "grinding-power", "result": "differs", "difference": 0.5703}])
    path = _claim_with(tmp_path, log)
    v = nc.verify_footprint(cement, path, materiality=0.05)
    assert [(c.figure, c.difference) for c in v.sampled] == [("sample.grinding-power", 0.5703)]
    assert v.aggregate == pytest.approx(685 - PCF + 0.5703)
    d = v.to_dict()
    assert d["evidence_log_file"] == str(path) and d["evidence_log"]["samples"][0]["result"] == "differs"
    with pytest.raises(InvalidInputError, match="both in the claim and as a file") as exc:
        nc.verify_footprint(cement, path, materiality=0.05, evidence=log)
    (issue,) = exc.value.issues
    assert (issue.code, issue.file, issue.field) == ("evidence_log_once", str(path), "evidence_log")


def test_the_claim_files_evidence_log_problems_name_the_claim_and_the_field(cement, tmp_path):
    bad = _log(
        samples=[{"input": "slag", "result": "differs"}],
        limitations=[{"subject": "x", "kg_co2e": -1, "reason": "lost"}],
        material_by_nature=[{"subject": "slag", "reason": "typo", "description": "x"}],
        compliance_thresholds=[{"name": "label", "kg_co2e": math.inf}],
    )
    path = _claim_with(tmp_path, bad)
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, path, materiality=0.05)
    got = {(i.code, i.field) for i in exc.value.issues}
    assert got == {
        ("sample_difference_given", "evidence_log.samples[0]"),
        ("greater_than_equal", "evidence_log.limitations[0].kg_co2e"),
        ("literal_error", "evidence_log.material_by_nature[0].reason"),
        ("string_too_short", "evidence_log.material_by_nature[0].description"),
        ("finite_number", "evidence_log.compliance_thresholds[0].kg_co2e"),
    }
    assert all(i.file == str(path) for i in exc.value.issues)
    reason = next(i for i in exc.value.issues if i.code == "literal_error")
    assert "omitted_input" in reason.allowed and "allocation" in reason.allowed
    path = _claim_with(tmp_path, _log(samples=[{"input": "limestone", "result": "agrees"}]))
    with pytest.raises(InvalidInputError, match="no input of the study") as exc:
        nc.verify_footprint(cement, path, materiality=0.05)
    (issue,) = exc.value.issues
    assert (issue.code, issue.field, issue.file) == (
        "footprint_evidence_input_known", "evidence_log.samples[0].input", str(path)
    )
    path = _claim_with(tmp_path, [1])
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, path, materiality=0.05)
    assert [(i.field, i.file) for i in exc.value.issues] == [("evidence_log", str(path))]


def test_an_evidence_log_naming_many_unknown_inputs_lists_the_first_and_counts_the_rest(cement):
    log = _log(samples=[{"input": f"x{k}", "result": "agrees"} for k in range(1000)])
    with pytest.raises(InvalidInputError) as exc:
        nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=log)
    assert len(exc.value.issues) == 101 and exc.value.issues[100].code == "issues_truncated"
    assert exc.value.omitted == {"footprint_evidence_input_known": 900}


@pytest.mark.parametrize(
    ("reason", "words", "zh"),
    [
        ("omitted_input", "omitted input", "遗漏输入"),
        ("functional_unit", "wrong functional or declared unit", "功能单位或声明单位错误"),
        ("out_of_period", "data outside the reference period", "参考期以外的数据"),
        ("allocation", "misapplied allocation", "分配方法误用"),
    ],
)
def test_a_misstatement_material_by_its_nature_modifies_the_opinion(cement, reason, words, zh):
    # the cement claim is immaterially misstated (685 against 684.79, 5 % materiality):
    # unmodified; one flag of its nature, whatever its size, makes it modified
    assert nc.verify_footprint(cement, CLAIMED, materiality=0.05).opinion == "unmodified"
    flag = {"subject": "clinker transport", "reason": reason,
            "description": "the clinker's rail transport\nfrom the kiln is left out"}  # fmt: skip
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=_log(material_by_nature=[flag]))
    assert v.opinion == "modified" and v.material
    assert [(q.subject, q.reason, q.description) for q in v.qualitative] == [
        ("clinker transport", reason, "the clinker's rail transport from the kiln is left out")
    ]
    assert v.statement.endswith(f"Material by its nature ({reason.replace('_', ' ')}): clinker transport.")
    assert v.statement_zh.endswith(f"因性质而具实质性（{zh}）：clinker transport。")
    d = json.loads(v.to_json())
    assert d["material"] is True and d["material_by_nature"] == [
        {"subject": "clinker transport", "reason": reason,
         "description": "the clinker's rail transport from the kiln is left out"}
    ]  # fmt: skip
    md = v.to_markdown()
    assert "## Misstatements material by their nature / 因性质而具实质性的错报" in md  # en+zh study
    row = f"| clinker transport | {words} / {zh} | the clinker's rail transport from the kiln is left out |"
    assert row in md
    assert "Misstatements material by their nature" in v.to_html() and words in v.to_html()


def test_a_compliance_threshold_between_the_claimed_and_the_recomputed_footprint(cement):
    # claimed 685, recomputed PCF = 684.79: a label's limit between them changes the
    # outcome the claim gives (material by its nature); one below both does not
    between = (685 + PCF) / 2
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05,
                            evidence=_log(compliance_thresholds=[{"name": "label", "kg_co2e": between}]))  # fmt: skip
    assert v.opinion == "modified"
    (q,) = v.qualitative
    assert (q.subject, q.reason) == ("pcf_excluding_biogenic", "compliance_outcome")
    assert q.description == (
        f"the claimed 685.0000 and the recomputed {PCF:,.4f} kg CO2e lie on different sides "
        f"of label ({between:,.4f} kg CO2e)"
    )
    below = _log(compliance_thresholds=[{"name": "label", "kg_co2e": 650}])
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=below)
    assert v.qualitative == [] and v.opinion == "unmodified"
    # the claim in kilograms: the threshold is compared per the study's declared unit (t)
    claim = {**yaml.safe_load(CLAIMED.read_text(encoding="utf-8")),
             "declared_unit": {"amount": 1, "unit": "kg"}, "pcf_excluding_biogenic": 0.685,
             "fossil_ghg": 0.6836, "by_stage": {}}  # fmt: skip
    v = nc.verify_footprint(cement, claim, materiality=0.05,
                            evidence=_log(compliance_thresholds=[{"name": "label", "kg_co2e": between}]))  # fmt: skip
    assert [q.reason for q in v.qualitative] == ["compliance_outcome"]


@pytest.mark.excel
def test_the_workbook_lists_the_misstatements_material_by_their_nature(cement, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    flag = {"subject": "slag", "reason": "out_of_period", "description": "2023 declaration"}
    v = nc.verify_footprint(cement, CLAIMED, materiality=0.05, evidence=_log(material_by_nature=[flag]))
    (path,) = v.write(tmp_path, formats=("xlsx",))
    rows = list(openpyxl.load_workbook(path)["Material by nature"].iter_rows(values_only=True))
    assert rows == [("subject", "reason", "description"), ("slag", "out_of_period", "2023 declaration")]


def test_cli_takes_the_evidence_log_of_the_claim_file(tmp_path, capsys):
    log = _log(material_by_nature=[{"subject": "slag", "reason": "out_of_period",
                                    "description": "the supplier's 2022 declaration"}])  # fmt: skip
    claim = _claim_with(tmp_path, log)
    status = main(["footprint", str(CEMENT), "--out", str(tmp_path / "out"), "--claimed", str(claim)])
    assert status == 3  # modified, as verify's
    d = json.loads((tmp_path / "out" / "footprint-verification.json").read_text(encoding="utf-8"))
    assert d["material_by_nature"][0]["reason"] == "out_of_period"
    assert d["evidence_log_file"] == str(claim)
    elsewhere = tmp_path / "log.yaml"
    elsewhere.write_text(yaml.safe_dump(log), encoding="utf-8")
    status = main(["footprint", str(CEMENT), "--out", str(tmp_path / "again"), "--claimed", str(claim),
                   "--evidence", str(elsewhere)])  # fmt: skip
    assert status == 1 and "[evidence_log_once]" in capsys.readouterr().err  # bad input
    assert not (tmp_path / "again").exists()  # nothing written half-way
