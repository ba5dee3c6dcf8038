"""Verification as a verifier does it: the plan, the evidence log, scope limitations and the
disclaimer, qualitative materiality, intended users, the base-year policy.

Hand inventory (materiality 5 % of the claimed 165 t = 8.25 t CO2e):

- ``a`` (category 1): quarterly 200, 150, 100, 50 MWh x 0.2 t/MWh = 40, 30, 20, 10 t
  (each record ±1 %: variance (0.4² + 0.3² + 0.2² + 0.1²) = 0.30 t²)
- ``b`` (category 2): 120 MWh x 0.5 t/MWh = 60 t (±2 %: variance 1.2² = 1.44 t²)
- ``c`` (category 1): 25 MWh x 0.2 t/MWh = 5 t (no stated uncertainty)

Gross 165 t CO2e; categories 3-6 excluded with an estimate of 0.
"""

from __future__ import annotations

import json
import math

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

MATERIALITY_T = 0.05 * 165


def _factor(fid, value):
    return {
        "id": fid,
        "activity_unit": "MWh",
        "gases": {"CO2": {"value": value, "unit": "t/MWh"}},
        "reference": "hand-made test factor",
    }


def hand(**extra):
    quarters = [(1, 200), (2, 150), (3, 100), (4, 50)]
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Hand Co", "id": "hand", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "facilities": [{"id": "f", "operational_control": True}],
            "factors": [_factor("u/fuel", 0.2), _factor("u/grid", 0.5)],
            "sources": [
                {
                    "id": "a",
                    "facility": "f",
                    "category": 1,
                    "factor": "u/fuel",
                    "activity": [
                        {"period": f"2024-Q{q}", "amount": mwh, "unit": "MWh", "uncertainty": 0.01}
                        for q, mwh in quarters
                    ],
                },
                {
                    "id": "b",
                    "facility": "f",
                    "category": 2,
                    "factor": "u/grid",
                    "activity": {"amount": 120, "unit": "MWh", "uncertainty": 0.02},
                },
                {
                    "id": "c",
                    "facility": "f",
                    "category": 1,
                    "factor": "u/fuel",
                    "activity": {"amount": 25, "unit": "MWh"},
                },
            ],
            "significance_criteria": "every indirect category screened",
            "exclusions": [
                {"category": c, "reason": "nothing emitted", "estimated_co2e_t": 0.0}
                for c in (3, 4, 5, 6)
            ],
            **extra,
        }
    )


CLAIM = {"gwp_set": "AR6", "totals": {"gross_co2e_t": 165.0}}


def verify(inv=None, claim=CLAIM, **kw):
    kw.setdefault("assurance", "reasonable")
    return nc.verify(inv or hand(), claim, materiality=0.05, **kw)


# -- the verification plan -----------------------------------------------------------------


def test_the_plan_ranks_sources_by_size_and_by_variance():
    plan = verify().plan
    by = {r.source: r for r in plan.sources}
    assert [r.source for r in plan.sources] == ["a", "b", "c"]  # by size
    assert (by["a"].co2e_t, by["b"].co2e_t, by["c"].co2e_t) == pytest.approx((100, 60, 5))
    assert [by[s].variance_rank for s in "bac"] == [1, 2, 3]
    assert by["b"].half95_t == pytest.approx(1.2, rel=1e-12)
    assert by["a"].half95_t == pytest.approx(math.sqrt(0.30), rel=1e-12)
    assert by["b"].variance_share == pytest.approx(1.44 / 1.74, rel=1e-9)
    assert by["c"].variance_share == 0 and by["c"].half95_t == 0
    # size: a and b leave 5 t < 8.25 t; variance: b then a; c only by the sample below
    assert by["a"].reasons == ("size", "variance") and by["b"].reasons == ("size", "variance")
    assert by["c"].reasons == ("sample",)


def test_the_plan_proposes_key_items_and_a_monetary_unit_sample_of_the_rest():
    # materiality 5 %: every record but c's reaches 8.25 t (key items); c (5 t) holds the
    # first sampling point, half an interval (8.25 / -ln 0.05 = 2.754 t / 2) from its start
    plan = verify().plan
    assert [(s.source, s.record, s.why[:8]) for s in plan.samples] == [
        ("b", "whole period", "key item"),
        ("a", "2024-Q1", "key item"),
        ("a", "2024-Q2", "key item"),
        ("a", "2024-Q3", "key item"),
        ("a", "2024-Q4", "key item"),
        ("c", "whole period", "monetary"),
    ]
    # materiality 25 % = 41.25 t: b (60 t) is the one key item; the interval is
    # 41.25 / 2.9957 = 13.770 t and the points lie at 6.885, 20.654, 34.424 (Q1: 0-40),
    # 48.194, 61.963 (Q2: 40-70), 75.733, 89.502 (Q3: 70-90), 103.272 (c: 100-105): Q4
    # (90-100) holds no point
    plan = nc.verify(hand(), CLAIM, materiality=0.25, assurance="reasonable").plan
    assert [(s.source, s.record) for s in plan.samples] == [
        ("b", "whole period"),
        ("a", "2024-Q1"),
        ("a", "2024-Q2"),
        ("a", "2024-Q3"),
        ("c", "whole period"),
    ]
    assert plan.samples[1].why == "monetary-unit sample (interval 13.770 t CO2e)"
    assert plan.not_proposed_t == pytest.approx(10.0)


def test_a_record_after_its_calibration_due_date_is_always_proposed():
    inv = hand(instruments=[{"id": "M", "kind": "meter", "uncertainty": 0.01, "calibration_due": "2024-06-30"}])
    data = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    c = next(s for s in data["sources"] if s["id"] == "c")
    c["activity"] = [{"amount": 25, "unit": "MWh", "instrument": "M"}]
    ver = verify(nc.validate_inventory(data))
    (late,) = [s for s in ver.plan.samples if s.source == "c"]
    assert late.why == "read after the instrument's calibration due date" and late.co2e_t == pytest.approx(5)
    assert "flags" in next(r for r in ver.plan.sources if r.source == "c").reasons


# -- the evidence log ------------------------------------------------------------------------


def test_sampled_differences_join_the_misstatements_and_the_aggregate():
    log = {
        "samples": [
            {"source": "a", "record": "2024-Q1", "procedure": "invoices", "result": "differs",
             "difference_co2e_t": 9.0},
            {"source": "b", "procedure": "grid bills", "result": "agrees"},
        ]
    }
    ver = verify(evidence=log)
    (row,) = [m for m in ver.misstatements if m.level == "sample"]
    assert (row.subject, row.claimed_t, row.recomputed_t, row.difference_t) == ("a record 2024-Q1", 40.0, 31.0, 9.0)
    assert row.kind == "error" and row.direction == "overstatement"
    assert ver.aggregate_net_t == pytest.approx(9.0) and ver.material is True
    assert ver.opinion == "modified"  # 9 t >= 8.25 t, < 16.5 t
    assert "the evidence log records 2 sample(s): 1 agree, 1 differ (net +9.000 t CO2e)" in ver.statement
    md = ver.to_markdown()
    assert "## Evidence log" in md and "| a | 2024-Q1 | invoices | differs | +9.000 |" in md
    # the plan shows what was found
    assert "| a | 2024-Q1 | 40.000 | key item (at least materiality) | differs |" in md


def test_an_intentional_misstatement_is_material_whatever_its_size():
    log = {"samples": [{"source": "b", "result": "differs", "difference_co2e_t": 0.5, "nature": "intentional"}]}
    ver = verify(evidence=log)
    assert ver.aggregate_net_t == pytest.approx(0.5)  # far below 8.25 t
    assert ver.opinion == "modified" and ver.material is True
    assert [q.reason for q in ver.qualitative] == ["intentional"]
    assert [m.kind for m in ver.misstatements if m.level == "sample"] == ["intentional"]
    assert "Material by its nature (intentional): b." in ver.statement


def test_a_misstatement_that_crosses_a_compliance_threshold_is_material_by_nature():
    # claimed 163 t (2 t short: 1.2 % of the claim, below materiality), allowances for 164 t
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": 163.0}}
    log = {"compliance_thresholds": [{"name": "allowances held", "co2e_t": 164}]}
    ver = verify(claim=claim, evidence=log)
    assert ver.opinion == "modified"
    (q,) = ver.qualitative
    assert q.reason == "compliance_outcome" and "allowances held" in q.description
    assert verify(claim=claim, evidence={"compliance_thresholds": [{"name": "x", "co2e_t": 200}]}).opinion == "unmodified"


# -- scope limitations: modified, then a disclaimer ---------------------------------------


@pytest.mark.parametrize(
    ("not_obtained", "opinion"),
    [(8.0, "unmodified"), (8.25, "modified"), (16.49, "modified"), (16.5, "disclaimer")],
)
def test_evidence_not_obtained_qualifies_then_disclaims(not_obtained, opinion):
    log = {"limitations": [{"subject": "fuel logs Q3", "co2e_t": not_obtained, "reason": "lost in a flood"}]}
    ver = verify(evidence=log)
    assert ver.opinion == opinion
    assert ver.not_obtained_t == pytest.approx(not_obtained)


def test_a_disclaimer_says_no_opinion_is_expressed_in_both_wordings_and_languages():
    log = {"limitations": [{"subject": "meter logs", "co2e_t": 100, "reason": "not made available"}]}
    ver = verify(evidence=log)
    assert ver.opinion == "disclaimer"
    assert ver.statement.startswith("We do not express an opinion on the GHG statement of Hand Co")
    assert "unable to obtain sufficient appropriate evidence to provide a basis for an opinion" in ver.statement
    assert "this amount reaches 2 × materiality" in ver.statement
    assert ver.statement_zh.startswith("我们不对Hand Co")
    limited = verify(evidence=log, assurance="limited")
    assert limited.statement.startswith("We do not express a conclusion on")
    d = ver.to_dict()
    assert d["opinion"] == "disclaimer" and d["not_obtained_t"] == 100
    assert d["scope_limitations"] == [
        {"subject": "meter logs", "kind": "limitation", "co2e_t": 100.0, "reason": "not made available"}
    ]
    assert "disclaimer" in d["opinion_criteria"]
    page = ver.to_html()
    assert 'class="opinion disclaimer"' in page and 'id="limitations"' in page


def test_samples_without_evidence_are_sized_scope_limitations():
    log = {"samples": [{"source": "a", "record": 1, "result": "not_available", "note": "no invoice"},
                       {"source": "b", "result": "not_available"}]}
    ver = verify(evidence=log)
    assert [(x.subject, x.co2e_t) for x in ver.limitations] == [("a record 1", 40.0), ("b", 60.0)]
    assert ver.opinion == "disclaimer"  # 100 t >= 2 x 8.25 t


def test_every_format_prints_the_plan_the_evidence_log_and_the_significance_criteria():
    # issue 17 "done when": the verification report prints the sampling plan, the evidence
    # log and the significance criteria, in HTML, Markdown and JSON alike
    log = {"samples": [{"source": "a", "record": "2024-Q1", "procedure": "invoices", "result": "differs",
                        "difference_co2e_t": 9.0}]}
    ver = verify(evidence=log)
    criteria = "every indirect category screened"
    md = ver.to_markdown()
    plan_md = md.split("## Verification plan: risk and sampling", 1)[1].split("\n## ", 1)[0]
    assert "| 3 | c | 1 | 5.000 |" in plan_md  # the ranking by size
    assert "| c | whole period | 5.000 | monetary-unit sample (interval 2.754 t CO2e) | not recorded |" in plan_md
    log_md = md.split("## Evidence log", 1)[1].split("\n## ", 1)[0]
    assert "| a | 2024-Q1 | invoices | differs | +9.000 |" in log_md
    assert f'Significance criteria (as stated): "{criteria}"' in md
    page = ver.to_html()
    plan_html = page.split('<h2 id="plan">', 1)[1].split("<h2 ", 1)[0]
    assert "<td>a</td><td>2024-Q1</td><td class='num'>40.000</td><td>key item (at least materiality)</td><td>differs</td>" in plan_html
    log_html = page.split('<h2 id="evidence-log">', 1)[1].split("<h2 ", 1)[0]
    assert "<td>a</td><td>2024-Q1</td><td>invoices</td><td>differs</td><td class='num'>+9.000</td>" in log_html
    assert f"Significance criteria (as stated): &quot;{criteria}&quot;" in page
    d = json.loads(ver.to_json())
    assert [(s["source"], s["record"]) for s in d["verification_plan"]["samples"]][-1] == ("c", "whole period")
    assert [r["source"] for r in d["verification_plan"]["sources"]] == ["a", "b", "c"]
    # every key of the log written, null where the log gives none (as everywhere in the JSON)
    assert d["evidence_log"]["samples"] == [{**log["samples"][0], "nature": None, "note": None}]
    assert (d["evidence_log"]["schema"], d["evidence_log"]["limitations"]) == (None, [])
    assert d["completeness"]["significance_criteria"] == criteria


# -- intended users ----------------------------------------------------------------------------


def test_intended_users_are_named_in_the_statement():
    assert verify().intended_users is None
    assert "The intended users are not stated." in verify().statement
    ver = verify(intended_users="the provincial ecology department")
    assert "This statement is intended for: the provincial ecology department." in ver.statement
    assert "本声明的预期使用者：the provincial ecology department。" in ver.statement_zh
    assert verify(evidence={"intended_users": "lenders"}).intended_users == "lenders"
    inv = hand(reporting={"intended_users": "management"})
    assert verify(inv).intended_users == "management"
    assert verify(inv, intended_users="regulator").intended_users == "regulator"


def test_the_command_line_takes_the_log_and_the_intended_users(tmp_path, capsys):
    from nqi_carbon.cli import main

    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps(hand().model_dump(mode="json", by_alias=True, exclude_none=True)))
    (tmp_path / "claim.json").write_text(json.dumps(CLAIM))
    (tmp_path / "log.yaml").write_text(
        "limitations:\n  - {subject: meter logs, co2e_t: 100, reason: not made available}\n"
    )
    args = ["verify", str(inv), "--claimed", str(tmp_path / "claim.json"), "--materiality", "5%"]
    args += ["--assurance", "reasonable", "--format", "json", "--evidence", str(tmp_path / "log.yaml")]
    assert main([*args, "--intended-users", "the provincial ecology department"]) == 5  # disclaimer
    out = json.loads(capsys.readouterr().out)
    assert out["opinion"] == "disclaimer" and out["not_obtained_t"] == 100
    assert out["intended_users"] == "the provincial ecology department"
    assert "This statement is intended for: the provincial ecology department." in out["statement"]
    # the log is read like every other file: inside --base-dir or refused
    outside = tmp_path.parent / f"{tmp_path.name}-log.yaml"
    outside.write_text("samples: []\n")
    args[-1] = str(outside)
    assert main([*args, "--base-dir", str(tmp_path)]) == 1
    assert "path_outside_base" in capsys.readouterr().err


# -- the log in the claim or in a file, strictly -------------------------------------------


def test_the_log_may_sit_in_the_claim_file_or_in_its_own_file(tmp_path):
    log = {"samples": [{"source": "b", "result": "agrees"}]}
    (tmp_path / "claim.json").write_text(json.dumps({**CLAIM, "evidence_log": log}))
    (tmp_path / "log.yaml").write_text("samples:\n  - {source: b, result: agrees}\n")
    a = nc.verify(hand(), tmp_path / "claim.json", materiality=0.05, assurance="reasonable")
    b = verify(evidence=tmp_path / "log.yaml")
    assert a.evidence_log == b.evidence_log and len(a.evidence_log.samples) == 1
    with pytest.raises(InvalidInputError) as err:
        nc.verify(hand(), tmp_path / "claim.json", materiality=0.05, assurance="reasonable",
                  evidence=tmp_path / "log.yaml")
    assert [i.code for i in err.value.issues] == ["evidence_log_once"]


@pytest.mark.parametrize(
    ("log", "code", "field"),
    [
        ({"samples": [{"source": "zz", "result": "agrees"}]}, "evidence_log_source_known", "samples[0].source"),
        ({"samples": [{"source": "a", "record": "2024-13", "result": "agrees"}]}, "evidence_log_record_known", "samples[0].record"),
        ({"samples": [{"source": "a", "record": 5, "result": "agrees"}]}, "evidence_log_record_known", "samples[0].record"),
        ({"samples": [{"source": "a", "result": "differs"}]}, "sample_difference_given", "samples[0]"),
        ({"samples": [{"source": "a", "result": "agrees", "difference_co2e_t": 0}]}, "sample_difference_given", "samples[0]"),
        ({"samples": [{"source": "a", "result": "maybe"}]}, "literal_error", "samples[0].result"),
        ({"sample": []}, "extra_forbidden", "sample"),
        ({"limitations": [{"subject": "x", "co2e_t": -1, "reason": "r"}]}, "greater_than_equal", "limitations[0].co2e_t"),
        ({"limitations": [{"subject": "x", "co2e_t": 1e300, "reason": "r"}]}, "less_than", "limitations[0].co2e_t"),
        ({"material_by_nature": [{"subject": "x", "reason": "fraud", "description": "abc"}]}, "literal_error", "material_by_nature[0].reason"),
    ],
)
def test_a_malformed_log_is_refused_with_its_code_and_field(log, code, field):
    with pytest.raises(InvalidInputError) as err:
        verify(evidence=log)
    assert (code, field) in {(i.code, i.field) for i in err.value.issues}


def test_every_problem_of_a_log_in_the_claim_is_named_under_evidence_log():
    claim = {**CLAIM, "evidence_log": {"samples": [{"source": "zz", "result": "agrees"}, {"source": "a", "result": "nope"}]}}
    with pytest.raises(InvalidInputError) as err:
        verify(claim=claim)
    fields = {i.field for i in err.value.issues}
    assert "evidence_log.samples[1].result" in fields


# -- the base-year policy feeds the opinion ----------------------------------------------


def test_a_base_year_recalculation_the_policy_requires_modifies_the_opinion():
    base = {
        "year": 2020, "total_co2e_t": 1000, "gwp_set": "AR6", "by_category": {1: 700, 2: 300},
        "recalculation_threshold": 0.05,
        "recalculations": [
            {"type": "structural", "effect_co2e_t": 60, "date": "2023-04-01", "description": "acquired B"},
            {"type": "structural", "effect_co2e_t": -60, "date": "2023-09-30", "description": "sold C"},
        ],
    }
    ver = verify(hand(base_year=base))
    assert ver.opinion == "modified"
    (f,) = [f for f in ver.findings if f.code == "base_year_recalculation_required"]
    assert f.severity == "error" and f.subject == "base year"
    assert [c.code for c in ver.base_year_checks] == ["base_year_recalculation_required"]
    assert "base_year_recalculation_required" in ver.to_markdown()
