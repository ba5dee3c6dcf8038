"""Carbon-neutrality claims (issue 23): the example claim, each refusal, input errors, reports.

Figures are computed by hand from the claim: a stated footprint of 1,000 t CO2e with a
95 % interval of 900 to 1,100 t and 20 t removed within the boundary leaves a residual of
980 t, and 1,080 t at the upper bound, which is what the credits must cover by default.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import nqi_carbon as nc
from nqi_carbon.cli import main
from nqi_carbon.neutrality import evaluate_neutrality_claims

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "neutrality" / "claim.yaml"
CLAIMANT = "Example Events Co., Ltd."


def credit(start: int, end: int, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "registry": "VCS",
        "project": "VCS-1",
        "serial": {"block": "VCS-VCU-1-2024", "start": start, "end": end},
        "vintage": 2024,
        "type": "avoidance",
        "retired_on": "2025-02-01",
        "retirement_evidence": "registry retirement record R-1",
        "beneficiary": CLAIMANT,
        "verified_by": "Verifier V-1",
        "additionality": "methodology M-1, additionality tool",
    }
    out.update(kw)
    return out


def claim(*credits: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema": "nqi-carbon/neutrality@1",
        "claimant": CLAIMANT,
        "claim_date": "2025-03-31",
        "subject": {
            "kind": "footprint",
            "name": "Annual conference 2024",
            "footprint": {"value_t": 1000.0, "low_t": 900.0, "high_t": 1100.0, "source": "LCA"},
            "removals_t": 20.0,
        },
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "commitment": "Carbon neutral from 2024.",
        # 2030 is 8 years after 2022: the 1.5 °C pathway asks 8 x 4.2 % = 33.6 %
        "management_plan": {
            "base_year": 2022,
            "base_year_emissions_t": 1200.0,
            "targets": [{"year": 2030, "reduction": 0.5}],
        },
        "credits": list(credits) if credits else [credit(1, 1080)],
    }
    out.update(kw)
    return out


def codes(ev: nc.NeutralityEvaluation) -> list[str]:
    return sorted(i.code for i in ev.refusals)


# -- the example ------------------------------------------------------------------------------


def test_example_organisation_claim_is_made():
    ev = nc.evaluate_neutrality(EXAMPLE)
    assert ev.status == "claim" and ev.refusals == []
    f = ev.figures()
    # the office inventory, location-based: 464.2 MWh at Shanghai's 0.5849 t/MWh, 2.4 kg
    # of R-32 (GWP 771), 38,600 passenger-km at 0.158 kg
    mwh = 118.4 + 104.9 + 131.7 + 109.2
    assert f["emissions_t"] == pytest.approx(mwh * 0.5849 + 2.4e-3 * 771 + 38600 * 0.158e-3)
    interval = nc.calculate(EXAMPLE.parent / "inventory.yaml", uncertainty="analytical")
    high = interval.group_uncertainty["total"].high
    assert f["residual_to_offset_t"] == pytest.approx(high)  # no removals in the office
    assert f["credits_retired_t"] == 200 + 40 + 50
    assert f["credits_by_registry_t"] == {"CCER": 200, "Gold Standard": 40, "VCS": 50}
    assert f["removal_share"] == pytest.approx(50 / 290)
    assert f["remainder_t"] == pytest.approx(290 - high)
    assert f["reduction_against_base_t"] == pytest.approx(318.5 - f["emissions_t"])
    assert ev.statement.startswith(
        "Example Design Studio (Shanghai) Ltd., office floors 18-19, Jing'an has achieved "
        "carbon neutrality for the period 2024-01-01 to 2024-12-31 in accordance with "
        "ISO 14068-1:2023"
    )


def test_example_on_the_command_line(tmp_path, capsys):
    assert main(["neutrality", str(EXAMPLE), "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "neutrality.json").read_text())
    assert doc["schema"] == "nqi-carbon/neutrality-evaluation@1"
    assert doc["status"] == "claim" and doc["refusals"] == []
    assert {p.name for p in tmp_path.iterdir()} == {
        "neutrality.json",
        "neutrality.md",
        "neutrality.html",
    }
    assert "claim (0 refusal(s))" in capsys.readouterr().out


# -- coverage ---------------------------------------------------------------------------------


def test_credits_equal_to_the_upper_bound_residual_make_the_claim():
    ev = nc.evaluate_neutrality(claim(credit(1, 1080)))
    assert ev.status == "claim"
    assert ev.required_t == 1080.0 and ev.figures()["remainder_t"] == 0.0


def test_a_shortfall_of_one_tonne_refuses_the_claim():
    ev = nc.evaluate_neutrality(claim(credit(1, 1079)))
    assert ev.status == "refused" and codes(ev) == ["neutrality_shortfall"]
    assert "short by 1.000 t" in ev.refusals[0].message
    assert ev.refusals[0].allowed == "at least 1,080.000 t"
    assert ev.statement.startswith("No carbon-neutrality claim can be made for Annual conference")
    # the refusal names the clause of the criteria it rests on (ISO 14068-1 clause 11)
    assert "| neutrality_shortfall | 11 | credits | 1,079 t of retired credits" in ev.to_markdown()


def test_central_coverage_is_a_stated_assumption():
    ev = nc.evaluate_neutrality(claim(credit(1, 980), assumptions={"coverage": "central"}))
    assert ev.status == "claim" and ev.required_t == 980.0
    assert ev.assumptions()["coverage"] == "central"


def test_a_stated_residual_that_is_not_the_recomputed_one_refuses():
    ev = nc.evaluate_neutrality(claim(residual_emissions_t=900.0))
    assert codes(ev) == ["neutrality_residual_mismatch"]
    assert nc.evaluate_neutrality(claim(residual_emissions_t=980.4)).status == "claim"


def test_a_minimum_removal_share_is_checked_when_set():
    credits = (
        credit(1, 1000),
        credit(
            1,
            80,
            type="removal",
            permanence_years=100,
            reversal_risk="buffer pool",
            serial={"block": "R", "start": 1, "end": 80},
        ),
    )
    assert nc.evaluate_neutrality(claim(*credits)).figures()["removal_share"] == 80 / 1080
    ev = nc.evaluate_neutrality(claim(*credits, assumptions={"min_removal_share": 0.1}))
    assert codes(ev) == ["neutrality_removal_share"]


# -- serials counted once ---------------------------------------------------------------------


def test_overlapping_serials_within_a_claim_refuse_it():
    ev = nc.evaluate_neutrality(claim(credit(1, 600), credit(500, 1100)))
    assert codes(ev) == ["neutrality_serial_overlap"] * 2
    assert [i.field for i in ev.refusals] == ["credits[1]", "credits[0]"]
    assert "overlap credits[0] of this claim (1-600)" in ev.refusals[0].message


def test_same_serials_in_another_block_or_registry_do_not_overlap():
    other_block = credit(1, 540, serial={"block": "VCS-VCU-2-2024", "start": 1, "end": 540})
    other_registry = credit(
        1, 540, registry="Gold Standard", serial={"block": "VCS-VCU-1-2024", "start": 1, "end": 540}
    )
    assert nc.evaluate_neutrality(claim(credit(1, 540), other_block)).status == "claim"
    assert nc.evaluate_neutrality(claim(credit(1, 540), other_registry)).status == "claim"


def test_a_block_written_in_other_case_or_spacing_is_the_same_block():
    twin = credit(1, 540, serial={"block": " vcs-vcu-1-2024 ", "start": 540, "end": 1079})
    assert (
        codes(nc.evaluate_neutrality(claim(credit(1, 540), twin)))
        == ["neutrality_serial_overlap"] * 2
    )


def test_a_serial_counted_in_two_claims_of_one_run_refuses_both():
    first = claim(credit(1, 1080))
    second = claim(credit(1080, 2159), subject={**first["subject"], "name": "Expo 2024"})
    a, b = evaluate_neutrality_claims([first, second])
    assert codes(a) == codes(b) == ["neutrality_serial_overlap"]
    assert "claim #2" in a.refusals[0].message and "claim #1" in b.refusals[0].message
    assert nc.evaluate_neutrality(first, alongside=[second]).status == "refused"
    assert nc.evaluate_neutrality(first).status == "claim"


# -- retirement, vintage, beneficiary -----------------------------------------------------------


def test_retirement_after_the_claim_date_refuses():
    ev = nc.evaluate_neutrality(claim(credit(1, 1080, retired_on="2025-04-01")))
    assert codes(ev) == ["neutrality_retired_after_claim"]
    assert ev.refusals[0].allowed == "on or before 2025-03-31"


def test_iso_retirement_window_is_twelve_months_after_the_period():
    late = claim(credit(1, 1080, retired_on="2026-01-01"), claim_date="2026-02-01")
    assert codes(nc.evaluate_neutrality(late)) == ["neutrality_retirement_window"]
    ok = claim(credit(1, 1080, retired_on="2025-12-31"), claim_date="2026-02-01")
    assert nc.evaluate_neutrality(ok).status == "claim"


QES = {"criteria": "pas-2060", "qualifying_explanatory_statement": "QES 2024 v1"}


def test_pas_2060_retirement_window_is_twelve_months_before_the_declaration():
    early = claim(credit(1, 1080, retired_on="2024-03-30"), **QES)
    assert codes(nc.evaluate_neutrality(early)) == ["neutrality_retirement_window"]
    ok = claim(credit(1, 1080, retired_on="2024-03-31"), **QES)
    assert nc.evaluate_neutrality(ok).status == "claim"
    assert "PAS 2060:2014" in nc.evaluate_neutrality(ok).statement


def test_vintage_window():
    # period 2024, default window 5 years: 2019 up to the year of retirement (2025)
    assert nc.evaluate_neutrality(claim(credit(1, 1080, vintage=2019))).status == "claim"
    old = nc.evaluate_neutrality(claim(credit(1, 1080, vintage=2018)))
    assert codes(old) == ["neutrality_vintage"] and old.refusals[0].allowed.startswith(
        "2019 to 2025"
    )
    future = nc.evaluate_neutrality(claim(credit(1, 1080, vintage=2026)))
    assert codes(future) == ["neutrality_vintage"]
    wider = claim(credit(1, 1080, vintage=2018), assumptions={"vintage_max_age_years": 6})
    assert nc.evaluate_neutrality(wider).status == "claim"


def test_credits_retired_for_another_beneficiary_refuse():
    ev = nc.evaluate_neutrality(claim(credit(1, 1080, beneficiary="Another Co.")))
    assert codes(ev) == ["neutrality_beneficiary"]
    assert ev.refusals[0].value == "'Another Co.'" and ev.refusals[0].source == "VCS-1"
    spaced = claim(credit(1, 1080, beneficiary="example events  co., ltd."))
    assert nc.evaluate_neutrality(spaced).status == "claim"


def test_every_failing_rule_is_reported_at_once():
    ev = nc.evaluate_neutrality(
        claim(credit(1, 100, beneficiary="X", retired_on="2025-04-01", vintage=2010))
    )
    assert codes(ev) == [
        "neutrality_beneficiary",
        "neutrality_retired_after_claim",
        "neutrality_shortfall",
        "neutrality_vintage",
    ]


# -- input errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "code", "field"),
    [
        (lambda d: d.update(schema="nqi-carbon/inventory@1"), "neutrality_schema", "schema"),
        (lambda d: d["credits"][0].update(type="removal"), "credit_fields_fit", "credits[0]"),
        (lambda d: d["credits"][0].update(registry="other"), "credit_fields_fit", "credits[0]"),
        (lambda d: d["credits"][0].update(registry="JCM"), "literal_error", "credits[0].registry"),
        (
            lambda d: d["credits"][0].update(serial={"block": "B", "start": 9, "end": 1}),
            "serial_range_ordered",
            "credits[0].serial",
        ),
        (
            lambda d: d["subject"]["footprint"].update(low_t=1001.0),
            "footprint_interval_ordered",
            "subject.footprint",
        ),
        (lambda d: d["credits"][0].update(vintage=True), "int_type", "credits[0].vintage"),
        (lambda d: d.pop("commitment"), "missing", "commitment"),
        (
            lambda d: d["management_plan"]["targets"].append({"year": 2022, "reduction": 0.1}),
            "targets_after_base_year",
            "management_plan",
        ),
        (lambda d: d["subject"].update(kind="organisation"), "subject_fields_fit", "subject"),
        (lambda d: d["subject"].update(inventory="i.yaml"), "subject_fields_fit", "subject"),
    ],
)
def test_bad_claims_are_typed_errors(edit, code, field):
    doc = claim()
    edit(doc)
    with pytest.raises(nc.InvalidInputError) as info:
        nc.evaluate_neutrality(doc)
    assert (code, field) in [(i.code, i.field) for i in info.value.issues]


def _example_copy(tmp_path: Path, **changes: Any) -> Path:
    for name in ("claim.yaml", "inventory.yaml"):
        shutil.copy(EXAMPLE.parent / name, tmp_path / name)
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc.update(changes)
    (tmp_path / "claim.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path / "claim.yaml"


def test_an_inventory_of_another_period_is_refused(tmp_path):
    path = _example_copy(tmp_path, period={"start": "2023-01-01", "end": "2024-01-01"})
    with pytest.raises(nc.InvalidInputError, match="the inventory's period") as info:
        nc.evaluate_neutrality(path)
    assert info.value.issues[0].code == "neutrality_period_mismatch"


def test_an_inventory_outside_the_claims_folder_is_not_read(tmp_path):
    inner = tmp_path / "claims"
    inner.mkdir()
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["subject"]["inventory"] = str(EXAMPLE.parent / "inventory.yaml")
    (inner / "claim.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(nc.InvalidInputError) as info:
        nc.evaluate_neutrality(inner / "claim.yaml")
    assert info.value.issues[0].code == "path_outside_base"


def test_the_command_line_exits_3_on_a_refused_claim_and_1_on_bad_input(tmp_path, capsys):
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps(claim(credit(1, 1079))))
    assert main(["neutrality", str(refused), "--out", str(tmp_path / "out")]) == 3
    assert "neutrality_shortfall" in capsys.readouterr().out
    doc = json.loads((tmp_path / "out" / "neutrality.json").read_text())
    assert doc["status"] == "refused" and doc["refusals"][0]["code"] == "neutrality_shortfall"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**claim(), "schema": "x"}))
    assert main(["neutrality", str(bad), "--out", str(tmp_path / "o2")]) == 1
    assert not (tmp_path / "o2").exists()


def test_several_files_on_the_command_line_are_checked_together(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(claim(credit(1, 1080))))
    b.write_text(json.dumps(claim(credit(1080, 2159))))
    assert main(["neutrality", str(a), str(b), "--out", str(tmp_path / "out")]) == 3
    for sub in ("1-a", "2-b"):
        doc = json.loads((tmp_path / "out" / sub / "neutrality.json").read_text())
        assert [r["code"] for r in doc["refusals"]] == ["neutrality_serial_overlap"]


# -- reports ----------------------------------------------------------------------------------


def test_text_from_the_claim_is_escaped_in_every_format():
    hostile = "<script>alert(1)</script> [x](http://e.vil) | *b*"
    doc = claim(credit(1, 1080, beneficiary=hostile, retirement_evidence=hostile))
    doc["claimant"] = hostile
    ev = nc.evaluate_neutrality(doc)
    assert ev.status == "claim"
    html = ev.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = ev.to_markdown()
    assert "<script>" not in md and "\\[x\\]" in md and "\\|" in md
    assert json.loads(ev.to_json())["claimant"] == hostile


def test_reports_are_byte_identical_under_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    ev = nc.evaluate_neutrality(claim(credit(1, 1079)))
    one = {p.name: p.read_bytes() for p in ev.write(tmp_path / "1")}
    two = {
        p.name: p.read_bytes()
        for p in nc.evaluate_neutrality(claim(credit(1, 1079))).write(tmp_path / "2")
    }
    assert one == two
    assert b"Rules failed (each refuses the claim)" in one["neutrality.md"]
    assert json.loads(one["neutrality.json"])["provenance"]["generated"] == "2025-01-01"


def test_unknown_format_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        nc.evaluate_neutrality(claim()).write(tmp_path, ["pdf"])


def test_a_claim_model_is_accepted_as_it_is():
    from nqi_carbon.neutrality import Claim

    model = Claim.model_validate(copy.deepcopy(claim()))
    assert nc.evaluate_neutrality(model).status == "claim"


def test_dates_at_the_ends_of_the_calendar_are_evaluated_not_a_traceback():
    # a window of 12 months after 9999-12-30, or before 0001-01-31, leaves the calendar
    far = claim(period={"start": "9999-01-01", "end": "9999-12-31"}, claim_date="9999-12-31")
    assert codes(nc.evaluate_neutrality(far)) == ["neutrality_vintage"]
    early = claim(criteria="pas-2060", claim_date="0001-01-31")
    assert "neutrality_retired_after_claim" in codes(nc.evaluate_neutrality(early))


@pytest.mark.parametrize("bad", [0, None, b"claim.yaml", {1: "a", "b": 2}])
def test_a_claim_that_is_not_a_path_or_mapping_is_a_typed_error(bad):
    # an int or bytes is no path (argument_type); a mapping with mixed keys is validated
    # before it is hashed (json.dumps(sort_keys=True) raised TypeError on it)
    with pytest.raises(nc.InvalidInputError) as info:
        nc.evaluate_neutrality(bad)
    assert info.value.issues[0].code in ("argument_type", "neutrality_schema")


def test_alongside_must_be_a_list_of_claims():
    with pytest.raises(nc.InvalidArgumentError, match="alongside"):
        nc.evaluate_neutrality(claim(), alongside=5)  # type: ignore[arg-type]


def test_example_event_claim_is_made_from_its_activity_data():
    ev = nc.evaluate_neutrality(EXAMPLE.parent / "event-claim.yaml")
    assert ev.status == "claim" and ev.refusals == []
    f = ev.figures()
    # each element by hand from the activity data and the packs' factors (kg per unit):
    # venue 38.6 MWh x 584.9 (MEE/NBS Shanghai 2022) + 52 GJ of gas (IPCC 2006 per TJ:
    # 56,100 CO2, 1 CH4 x 28, 0.1 N2O x 265, AR5); travel 612,000 pkm x 0.12786 + 438,000 x 0.03546 +
    # 21,600 x 0.02776; 1,450 room-nights x 53.5 (DESNZ, China); 6.8 t x 3,701.40359 food;
    # 1.9 t of mixed paper x 1,288.50358; 3.2 t of commercial waste to landfill x 520.5327
    venue = 38.6 * 0.5849 + 52 * (56100 + 1 * 28 + 0.1 * 265) / 1e6
    travel = (612000 * 0.12786 + 438000 * 0.03546 + 21600 * 0.02776) / 1000
    boundary = {b["element"]: b["co2e_t"] for b in ev.boundary()}
    assert boundary["venue_energy"] == pytest.approx(venue)
    assert boundary["travel"] == pytest.approx(travel)
    assert boundary["accommodation"] == pytest.approx(1450 * 53.5 / 1000)
    assert boundary["catering"] == pytest.approx(6.8 * 3.70140359)
    assert boundary["materials"] == pytest.approx(1.9 * 1.28850358)
    assert boundary["waste"] == pytest.approx(3.2 * 0.5205327)
    assert sum(boundary.values()) == pytest.approx(f["emissions_t"])
    assert f["credits_by_registry_t"] == {"CCER": 210, "Puhui": 40}
    assert f["remainder_t"] == pytest.approx(250 - f["emissions_ci95_high_t"])
    assert f["reduction_against_base_t"] == pytest.approx(265.0 - f["emissions_t"])
    assert "for the period 2025-09-09 to 2025-09-10" in ev.statement
    assert "大型活动碳中和实施指南（试行）" in ev.statement_zh
    assert {r["code"] for r in ev.checklist()} >= {
        "neutrality_offset_type",
        "neutrality_event_boundary",
        "neutrality_claim_verified",
    }
    assert all(r["met"] for r in ev.checklist())


def test_example_building_claim_is_made():
    ev = nc.evaluate_neutrality(EXAMPLE.parent / "building-claim.yaml")
    assert ev.status == "claim" and ev.claim.subject.kind == "building"
    f = ev.figures()
    # 1,850.2 MWh x 0.5849 (MEE/NBS Shanghai 2022); 3,400 GJ of gas at 56,100 kg CO2,
    # 1 kg CH4 x 29.8 (AR6 Table 7.15, fossil) and 0.1 kg N2O x 273 per TJ; 18 kg of R-410A
    # (50 % HFC-32 at 771 and 50 % HFC-125 at 3,740, AR6)
    gas = 3.4 * (56100 + 29.8 + 0.1 * 273) / 1000
    expected = 1850.2 * 0.5849 + gas + 0.018 * (771 + 3740) / 2
    assert f["emissions_t"] == pytest.approx(expected)
    assert f["credits_by_registry_t"] == {"CCER": 1000, "VCS": 330}
    assert f["removal_share"] == pytest.approx(330 / 1330)
    assert [round(p["pathway_reduction"], 3) for p in ev.pathway()["targets"]] == [0.336, 0.546]


def test_the_two_examples_share_a_block_but_not_a_serial():
    # both retire Gold Standard block GS1-1-CN-GS12345-12-2023: 5001-5040 and 6001-6080
    office, event = evaluate_neutrality_claims([EXAMPLE, EXAMPLE.parent / "event-claim.yaml"])
    assert office.status == event.status == "claim"


def test_removals_of_the_inventory_reduce_the_residual(tmp_path):
    path = _example_copy(tmp_path)
    inv = yaml.safe_load((tmp_path / "inventory.yaml").read_text())
    inv["removals"] = [{"id": "roof-garden", "facility": "hq", "amount": 5.0, "unit": "t"}]
    (tmp_path / "inventory.yaml").write_text(yaml.safe_dump(inv, allow_unicode=True))
    ev = nc.evaluate_neutrality(path)
    f = ev.figures()
    assert f["removals_in_boundary_t"] == 5.0  # Result.removals_co2e_t is negative: -5.0
    assert f["residual_to_offset_t"] == pytest.approx(f["emissions_ci95_high_t"] - 5.0)
    assert f["residual_t"] == pytest.approx(f["emissions_t"] - 5.0)


def test_the_claim_statement_traces_every_figure():
    ev = nc.evaluate_neutrality(claim(credit(1, 1000), credit(1, 80, registry="CCER")))
    assert ev.statement == (
        "Annual conference 2024 has achieved carbon neutrality for the period 2024-01-01 to "
        "2024-12-31 in accordance with ISO 14068-1:2023: emissions of 1,000.000 t CO2e "
        "(95 % interval 900.000 to 1,100.000 t), less 20.000 t removed within the boundary; "
        "the residual of 1,080.000 t CO2e (upper bound of the interval) is offset by 1,080 t "
        "CO2e of retired credits (CCER 80 t, VCS 1,000 t). Claimed by Example Events Co., "
        "Ltd. on 2025-03-31."
    )


@pytest.mark.excel
def test_the_workbook_holds_numbers_as_numbers_and_formulas_as_text(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    doc = claim(credit(1, 1000), credit(1, 79, registry="CCER", project="=HYPERLINK(1)"))
    ev = nc.evaluate_neutrality(doc)
    (path,) = ev.write(tmp_path / "a", ["xlsx"])
    assert path.name == "neutrality.xlsx"
    assert path.read_bytes() == ev.write(tmp_path / "b", ["xlsx"])[0].read_bytes()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Claim",
        "Figures",
        "Credits",
        "Refusals",
        "Checklist",
        "Pathway",
        "Boundary",
    ]
    figures = {r[0]: r[1] for r in wb["Figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["residual_to_offset_t"] == 1080.0 and figures["credits_retired_t"] == 1079
    assert figures["credits_by_registry_t.CCER"] == 79
    credits = list(wb["Credits"].iter_rows(min_row=2, values_only=True))
    assert credits[1][:6] == ("CCER", "=HYPERLINK(1)", "VCS-VCU-1-2024", 1, 79, 79)
    assert wb["Credits"]["B3"].data_type == "s"  # text, never a formula
    assert [r[0] for r in wb["Refusals"].iter_rows(min_row=2, values_only=True)] == [
        "neutrality_shortfall"
    ]


def test_base_dir_confines_the_claim_and_its_inventory(tmp_path, capsys):
    claims = tmp_path / "claims"
    claims.mkdir()
    path = _example_copy(claims)
    out = str(tmp_path / "out")
    assert main(["neutrality", str(path), "--out", out, "--base-dir", str(path.parent)]) == 0
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert main(["neutrality", str(path), "--out", out, "--base-dir", str(other)]) == 1
    assert "path_outside_base" in capsys.readouterr().err


def test_pages_in_chinese_and_in_both_languages(tmp_path):
    doc = claim(credit(1, 1000), credit(1, 80, registry="CCER"))
    zh = nc.evaluate_neutrality(doc, language="zh")
    assert zh.statement_zh == (
        "Annual conference 2024在2024-01-01至2024-12-31期间按照ISO 14068-1:2023实现碳中和："
        "排放量1,000.000 tCO2e（95 %区间900.000至1,100.000 t），边界内清除20.000 t；"
        "剩余排放1,080.000 tCO2e（区间上限）由已注销的1,080 tCO2e碳信用抵消"
        "（CCER 80 t，VCS 1,000 t）。声明方：Example Events Co., Ltd.，声明日期：2025-03-31。"
    )
    md = zh.to_markdown()
    assert md.startswith("# 碳中和声明: Annual conference 2024")
    assert "## 已注销的碳信用" in md and "## 未满足的规则（任一项即不能声明）\n\n*无*" in md
    assert "| 基准年 2022（tCO2e） | 1,200.000 |" in md and zh.statement not in md
    html = zh.to_html()
    assert '<html lang="zh-Hans">' in html and "<i>无</i>" in html
    both = nc.evaluate_neutrality({**doc, "language": "en+zh"})
    md = both.to_markdown()
    assert both.statement in md and both.statement_zh in md
    assert "## Credits retired / 已注销的碳信用" in md
    assert json.loads(both.to_json())["statement_zh"] == both.statement_zh
    refused = nc.evaluate_neutrality(claim(credit(1, 1079)), language="zh")
    assert refused.statement_zh.endswith(
        "不能按照ISO 14068-1:2023声明碳中和：1项规则未满足（neutrality_shortfall）。"
    )
    assert main(["neutrality", str(EXAMPLE), "--out", str(tmp_path), "--language", "zh"]) == 0
    assert "已注销的碳信用" in (tmp_path / "neutrality.html").read_text(encoding="utf-8")
    with pytest.raises(nc.InvalidArgumentError, match="language"):
        nc.evaluate_neutrality(doc, language="fr")  # type: ignore[arg-type]


# -- the criteria sets: each rule of the data file, checked and reported ------------------------


def test_every_rule_of_the_criteria_file_has_a_check_and_a_documented_code():
    from nqi_carbon.neutrality.checks import CHECKS
    from nqi_carbon.neutrality.criteria import table

    credit_codes = {
        "neutrality_retired_after_claim",
        "neutrality_retirement_window",
        "neutrality_vintage",
        "neutrality_beneficiary",
        "neutrality_credit_additionality",
        "neutrality_credit_verification",
        "neutrality_removal_permanence",
        "neutrality_offset_type",
    }
    figure_codes = {
        "neutrality_shortfall",
        "neutrality_serial_overlap",
        "neutrality_removal_share",
        "neutrality_residual_mismatch",
    }
    doc = (ROOT / "docs" / "reference" / "reason-codes.md").read_text(encoding="utf-8")
    for name, cset in table().criteria.items():
        for rule in cset.rules:
            assert rule.code in credit_codes | figure_codes | set(CHECKS), (name, rule.code)
            assert f"`{rule.code}`" in doc, rule.code
            assert rule.status == "nqi" or rule.url, (
                name,
                rule.code,
            )  # every cited rule has a page


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda c: c.pop("additionality"), "neutrality_credit_additionality"),
        (lambda c: c.pop("verified_by"), "neutrality_credit_verification"),
        (
            lambda c: c.update(type="removal", permanence_years=40),
            "neutrality_removal_permanence",
        ),
    ],
)
def test_iso_credit_quality_rules_refuse(edit, code):
    c = credit(1, 1080)
    edit(c)
    ev = nc.evaluate_neutrality(claim(c))
    assert codes(ev) == [code] and ev.refusals[0].field == "credits[0]"
    item = next(r for r in ev.checklist() if r["code"] == code)
    assert item["met"] is False and item["clause"].startswith("11.")
    assert all(r["met"] for r in ev.checklist() if r["code"] != code)


def test_iso_targets_are_checked_against_the_1_5c_pathway():
    # base 2022, target 2030: the pathway asks 8 x 4.2 % = 33.6 %
    plan = {"base_year": 2022, "base_year_emissions_t": 1200.0, "targets": [{"year": 2030}]}
    plan["targets"][0]["reduction"] = 0.335
    ev = nc.evaluate_neutrality(claim(management_plan=plan))
    assert codes(ev) == ["neutrality_pathway_1_5c"]
    assert ev.refusals[0].field == "management_plan.targets[0]"
    assert ev.refusals[0].allowed == "a reduction of at least 0.336"
    (point,) = ev.pathway()["targets"]
    assert point["pathway_reduction"] == pytest.approx(0.336)
    assert point["pathway_t"] == pytest.approx(1200 * (1 - 0.336))
    plan["targets"][0]["reduction"] = 0.336
    assert nc.evaluate_neutrality(claim(management_plan=plan)).status == "claim"
    # PAS 2060 does not ask for the pathway
    shallow = {**plan, "targets": [{"year": 2030, "reduction": 0.1}]}
    assert nc.evaluate_neutrality(claim(management_plan=shallow, **QES)).status == "claim"


def test_iso_management_plan_needs_the_base_years_emissions():
    plan = {"base_year": 2022, "targets": [{"year": 2030, "reduction": 0.5}]}
    ev = nc.evaluate_neutrality(claim(management_plan=plan))
    assert codes(ev) == ["neutrality_management_plan"]
    assert ev.refusals[0].field == "management_plan.base_year_emissions_t"


def test_pas_2060_needs_a_qes_and_a_reduction_after_the_first_period():
    assert codes(nc.evaluate_neutrality(claim(criteria="pas-2060"))) == ["neutrality_qes"]
    plan = {
        "base_year": 2022,
        "base_year_emissions_t": 1000.0,
        "targets": [{"year": 2030, "reduction": 0.5}],
    }
    flat = nc.evaluate_neutrality(claim(management_plan=plan, **QES))
    assert codes(flat) == ["neutrality_reduction_evident"]  # 1,000 t, as in the base year
    first = claim(management_plan=plan, first_application_period=True, **QES)
    assert nc.evaluate_neutrality(first).status == "claim"


EVENT_CLAIM = ROOT / "examples" / "neutrality" / "event-claim.yaml"


def _event(tmp_path: Path, edit: Any) -> Path:
    shutil.copy(EVENT_CLAIM.parent / "event-inventory.yaml", tmp_path / "event-inventory.yaml")
    doc = yaml.safe_load(EVENT_CLAIM.read_text(encoding="utf-8"))
    edit(doc)
    (tmp_path / "claim.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    return tmp_path / "claim.yaml"


def _waste_unaccounted(d: dict[str, Any]) -> None:
    """The boundary no longer names waste (its source moves to catering, so the sum holds)."""
    d["subject"]["boundary"].pop("waste")
    d["subject"]["boundary"]["catering"]["sources"].append("waste")


@pytest.mark.parametrize(
    ("edit", "code", "field"),
    [
        (lambda d: d["credits"][0].update(registry="VCS"), "neutrality_offset_type", "credits[0]"),
        (lambda d: d["credits"][0].update(registry="CDM"), "neutrality_offset_type", "credits[0]"),
        (lambda d: d["credits"][1].pop("approved_by"), "neutrality_offset_type", "credits[1]"),
        (lambda d: d.pop("reductions"), "neutrality_reductions_first", "reductions"),
        (lambda d: d.pop("verification"), "neutrality_claim_verified", "verification"),
        (
            lambda d: d["verification"].update(date="2025-11-21"),
            "neutrality_claim_verified",
            "verification.date",
        ),
        (_waste_unaccounted, "neutrality_event_boundary", "subject.boundary"),
    ],
)
def test_the_chinese_large_event_rules_refuse(tmp_path, edit, code, field):
    ev = nc.evaluate_neutrality(_event(tmp_path, edit))
    assert codes(ev) == [code] and ev.refusals[0].field == field
    assert next(r for r in ev.checklist() if r["code"] == code)["met"] is False


def test_a_cdm_credit_from_china_is_an_accepted_event_offset(tmp_path):
    path = _event(tmp_path, lambda d: d["credits"][0].update(registry="CDM", host_country="CN"))
    assert nc.evaluate_neutrality(path).status == "claim"


def test_the_event_criteria_need_an_event_subject():
    ev = nc.evaluate_neutrality(claim(criteria="cn-large-event"))
    assert "neutrality_event_boundary" in codes(ev)
    assert "neutrality_offset_type" in codes(ev)  # the fixture's credit is a VCS one


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["subject"]["boundary"]["waste"].update(sources=["skip"]),
            "the inventory has no source of this id",
        ),
        (
            lambda d: d["subject"]["boundary"]["waste"].update(sources=["waste", "catering"]),
            "already in element catering",
        ),
        (
            lambda d: d["subject"]["boundary"].update(waste={"excluded": "none"}),
            "the inventory's source is in no element of the boundary",
        ),
    ],
)
def test_an_event_boundary_must_partition_the_inventorys_sources(tmp_path, edit, message):
    with pytest.raises(nc.InvalidInputError, match=message) as info:
        nc.evaluate_neutrality(_event(tmp_path, edit))
    assert info.value.issues[0].code == "neutrality_boundary_source"


def test_a_boundary_element_gives_sources_or_a_reason(tmp_path):
    bad = lambda d: d["subject"]["boundary"].update(waste={"sources": ["waste"], "excluded": "x"})  # noqa: E731
    with pytest.raises(nc.InvalidInputError) as info:
        nc.evaluate_neutrality(_event(tmp_path, bad))
    assert ("boundary_element_fits", "subject.boundary.waste") in [
        (i.code, i.field) for i in info.value.issues
    ]


def test_the_checklist_is_in_every_format(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    c = credit(1, 1080)
    c.pop("verified_by")
    ev = nc.evaluate_neutrality(claim(c), language="en+zh")
    md = ev.to_markdown()
    assert "## Clause checklist / 条款核对表" in md
    assert "| 11.3(f) | Each credit's reductions or removals were verified" in md
    assert "| neutrality_credit_verification | not met / 不满足 |" in md
    html = ev.to_html()
    assert "Clause checklist / 条款核对表" in html and "not met / 不满足" in html
    doc = json.loads(ev.to_json())
    item = next(r for r in doc["checklist"] if r["code"] == "neutrality_credit_verification")
    assert item == {
        "code": "neutrality_credit_verification",
        "clause": "11.3(f)",
        "requirement": "Each credit's reductions or removals were verified by an independent "
        "third party (the verifier is named).",
        "requirement_zh": "每笔碳信用的减排量或清除量经独立第三方核证（写明核证机构）。",
        "met": False,
        "status": "secondary",
        "url": "https://360impactportfolio.com/defra-good-quality.php",
    }


# -- verification of a claim -----------------------------------------------------------------------


def test_verifying_the_example_claim_gives_an_unmodified_opinion(tmp_path, capsys):
    ev = nc.verify_neutrality(EXAMPLE, materiality="5%", assurance="reasonable", date="2025-04-30")
    assert ev.status == "claim" and ev.opinion is not None
    o = ev.opinion
    assert o.opinion == "unmodified" and o.date is not None and o.date.isoformat() == "2025-04-30"
    assert o.materiality_t == pytest.approx(0.05 * ev.figures()["emissions_t"])
    (m,) = o.misstatements  # the stated residual 279.46 t against the recomputed one
    assert m.figure == "residual_emissions_t" and m.stated_t == 279.46
    assert m.recomputed_t == pytest.approx(ev.figures()["residual_t"]) and not m.material
    doc = json.loads(ev.to_json())
    assert doc["verification_opinion"]["opinion"] == "unmodified"
    assert "## Verification opinion" in ev.to_markdown()
    out = str(tmp_path / "out")
    args = ["neutrality", str(EXAMPLE), "--out", out, "--verify", "--materiality", "5%"]
    assert main([*args, "--assurance", "reasonable"]) == 0
    assert "opinion: unmodified" in capsys.readouterr().out


def _org_copy(tmp_path: Path, **changes: Any) -> Path:
    return _example_copy(tmp_path, **changes)


def test_a_misstated_residual_is_weighed_against_materiality(tmp_path):
    # recomputed residual 279.460 t; materiality 5 % of it = 13.973 t, pervasive at 27.946 t
    opinion = {"materiality": 0.05, "assurance": "reasonable"}
    small = nc.verify_neutrality(_org_copy(tmp_path, residual_emissions_t=275.0), **opinion)
    assert small.status == "claim" and small.opinion.opinion == "unmodified"  # 4.46 t < M
    assert nc.evaluate_neutrality(tmp_path / "claim.yaml").status == "refused"  # > 0.5 t
    material = nc.verify_neutrality(_org_copy(tmp_path, residual_emissions_t=260.0), **opinion)
    assert material.opinion.opinion == "modified"  # 19.46 t >= M
    assert material.opinion.misstatements[0].difference_t == pytest.approx(260.0 - 279.45978)
    pervasive = nc.verify_neutrality(_org_copy(tmp_path, residual_emissions_t=250.0), **opinion)
    assert pervasive.opinion.opinion == "adverse"  # 29.46 t >= 2 M


def test_a_refused_claim_gets_an_adverse_opinion_and_a_stated_footprint_a_disclaimer(
    tmp_path, capsys
):
    short = _org_copy(tmp_path, credits=yaml.safe_load(EXAMPLE.read_text())["credits"][:1])
    ev = nc.verify_neutrality(short, materiality=0.05, assurance="limited")
    assert ev.opinion.opinion == "adverse" and "neutrality_shortfall" in ev.opinion.basis
    base = ["neutrality", str(short), "--out", str(tmp_path / "o"), "--verify"]
    assert main([*base, "--materiality", "0.05", "--assurance", "limited"]) == 4
    stated = nc.verify_neutrality(claim(), materiality=0.05, assurance="reasonable")
    assert stated.opinion.opinion == "disclaimer"
    assert main([*base, "--assurance", "limited"]) == 2  # --verify needs --materiality
    assert "--verify needs --materiality and --assurance" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"materiality": 1.5, "assurance": "limited"}, "materiality"),
        ({"materiality": "five", "assurance": "limited"}, "materiality"),
        ({"materiality": 0.05, "assurance": "high"}, "argument_type"),
        ({"materiality": 0.05, "assurance": "limited", "date": "30/04/2025"}, "argument_type"),
    ],
)
def test_bad_verification_arguments_are_typed_errors(kw, code):
    with pytest.raises(nc.InvalidInputError) as info:
        nc.verify_neutrality(claim(), **kw)
    assert info.value.issues[0].code == code


@pytest.mark.excel
def test_the_workbook_of_a_verified_claim_has_the_opinion_sheet(tmp_path):
    import openpyxl

    ev = nc.verify_neutrality(EXAMPLE, materiality=0.05, assurance="reasonable")
    (path,) = ev.write(tmp_path, ["xlsx"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == "Opinion"
    rows = {r[0]: r[1] for r in wb["Opinion"].iter_rows(min_row=2, values_only=True)}
    assert rows["opinion"] == "unmodified" and rows["materiality"] == 0.05
    checklist = list(wb["Checklist"].iter_rows(min_row=2, values_only=True))
    assert checklist[0][:4] == ("11", checklist[0][1], "neutrality_shortfall", True)


def test_the_verifier_and_body_are_escaped_in_every_format(tmp_path):
    hostile = "<script>x</script> | [a](http://e.vil) =SUM(1)"
    ev = nc.verify_neutrality(
        EXAMPLE, materiality=0.05, assurance="limited", verifier=hostile, body=hostile
    )
    assert "<script>" not in ev.to_html() and "&lt;script&gt;" in ev.to_html()
    md = ev.to_markdown()
    assert "<script>" not in md and "\\[a\\]" in md and "\\|" in md
    assert json.loads(ev.to_json())["verification_opinion"]["verifier"] == hostile


def test_an_excluded_boundary_element_is_reported_with_its_reason(tmp_path):
    def exclude_waste(d: dict[str, Any]) -> None:
        d["subject"]["boundary"]["waste"] = {"excluded": "collected by the venue (its claim)"}
        d["subject"]["boundary"]["materials"]["sources"].append("waste")

    ev = nc.evaluate_neutrality(_event(tmp_path, exclude_waste))
    assert ev.status == "claim"  # every element is accounted for, waste with its reason
    waste = next(b for b in ev.boundary() if b["element"] == "waste")
    assert waste == {
        "element": "waste",
        "co2e_t": None,
        "detail": "excluded: collected by the venue (its claim)",
    }
    assert "| waste | — | excluded: collected by the venue (its claim) |" in ev.to_markdown()
