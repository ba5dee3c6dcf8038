"""Verification: misstatements, materiality, opinion, tier checks, typed errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

EX = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def cement():
    inv = nc.load_inventory(EX / "cement" / "inventory.yaml")
    return inv, nc.calculate(inv).to_dict()


def _claim(result_dict, *, category_shift=0.0, total_shift=None):
    d = copy.deepcopy(result_dict)
    total = d["totals"]["gross_co2e_t"]
    d["totals"]["by_category"]["1"] += category_shift * total
    d["totals"]["gross_co2e_t"] = total + (
        category_shift * total if total_shift is None else total_shift
    )
    d.pop("lines")  # compare at category level
    d.pop("schema")
    return d


def test_exact_claim_is_unmodified(cement):
    inv, claim = cement
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert ver.misstatements == []
    assert ver.material is False
    assert ver.opinion == "unmodified"
    assert ver.statement.startswith("In our opinion")


def test_three_percent_on_one_category_is_material_at_2_not_at_5(cement):
    inv, result = cement
    claim = _claim(result, category_shift=0.03)
    at5 = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    at2 = nc.verify(inv, claim, materiality=0.02, assurance="reasonable")
    assert at5.material is False and at5.opinion == "unmodified"
    assert at2.material is True and at2.opinion == "modified"
    assert at2.aggregate_misstatement_pct == pytest.approx(
        0.03 / 1.03, rel=1e-9
    )  # of the claimed total
    assert at2.material_categories == ["1"]
    cat = [m for m in at2.misstatements if m.level == "category"]
    assert len(cat) == 1 and cat[0].direction == "overstatement" and cat[0].kind == "error"


def test_presets_and_required_materiality(cement):
    inv, result = cement
    claim = _claim(result, category_shift=0.03)
    assert nc.verify(inv, claim, materiality="eu-ets-c", assurance="limited").material is True
    assert nc.verify(inv, claim, materiality="5%", assurance="limited").material is False
    with pytest.raises(InvalidInputError, match="materiality"):
        nc.verify(inv, claim, materiality="lots", assurance="limited")
    with pytest.raises(TypeError):
        nc.verify(inv, claim, assurance="limited")  # no silent default


def test_rounding_differences_count(cement):
    inv, result = cement
    d = copy.deepcopy(result)
    d["totals"]["gross_co2e_t"] = round(d["totals"]["gross_co2e_t"])
    for k in d["totals"]["by_category"]:
        d["totals"]["by_category"][k] = round(d["totals"]["by_category"][k])
    d.pop("lines")
    ver = nc.verify(inv, d, materiality=0.05, assurance="reasonable")
    kinds = {m.kind for m in ver.misstatements}
    assert kinds == {"rounding"}
    assert ver.aggregate_gross_t > 0
    assert ver.material is False


def test_large_misstatement_is_adverse_and_limited_wording(cement):
    inv, result = cement
    claim = _claim(result, category_shift=-0.12)
    ver = nc.verify(inv, claim, materiality=0.05, assurance="limited")
    assert ver.opinion == "adverse"
    assert "lead us to believe" in ver.statement
    unmod = nc.verify(inv, _claim(result), materiality=0.05, assurance="limited")
    assert unmod.statement.startswith("Based on the procedures performed")
    assert "nothing has come to our attention" in unmod.statement


def test_source_gas_level_from_result_claim(cement):
    inv, result = cement
    d = copy.deepcopy(result)
    for ln in d["lines"]:
        if ln["source"] == "grid-electricity":
            ln["co2e_t"] *= 1.01
    ver = nc.verify(inv, d, materiality=0.05, assurance="reasonable")
    sg = [m for m in ver.misstatements if m.level == "source_gas"]
    assert [m.subject for m in sg] == ["grid-electricity/CO2"]
    assert ver.aggregate_level == "source_gas"


def test_omitted_source_is_an_omission(cement):
    inv, result = cement
    claim = {
        "gwp_set": "AR6",
        "by_source": {s: v for s, v in _per_source(result).items() if s != "chiller-leak"},
    }
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    om = [m for m in ver.misstatements if m.kind == "omission"]
    assert [m.subject for m in om] == ["chiller-leak"]
    assert om[0].direction == "understatement"


def _per_source(result):
    out = {}
    for ln in result["lines"]:
        if ln["basis"] != "market" and not ln["biogenic"]:
            out[ln["source"]] = out.get(ln["source"], 0.0) + ln["co2e_t"]
    return out


def test_claim_with_other_gwp_set_or_period_is_refused(cement):
    inv, result = cement
    d = _claim(result)
    d["gwp_set"] = "AR5"
    with pytest.raises(InvalidInputError, match="claim_gwp_set_matches"):
        nc.verify(inv, d, materiality=0.05, assurance="reasonable")
    d = _claim(result)
    d["period"] = {"start": "2023-01-01", "end": "2024-01-01"}
    with pytest.raises(InvalidInputError, match="claim_period_matches"):
        nc.verify(inv, d, materiality=0.05, assurance="reasonable")


def test_findings_feed_in_and_tier_check(cement, tmp_path):
    inv, result = cement
    data = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    for s in data["sources"]:
        if s["id"] == "kiln-coal":
            s["required_tier"] = 4  # belt scale 0.5 % (k=2): passes tier 4 (1.5 %)
        if s["id"] == "quarry-diesel":
            s["required_tier"] = 4  # flow meter 2 % (k=2) ~ 1.96 %: fails tier 4
    inv2 = nc.validate_inventory(data)
    ver = nc.verify(inv2, _claim(result), materiality=0.05, assurance="reasonable")
    by_src = {t.source: t.result for t in ver.tiers}
    assert by_src == {"kiln-coal": "pass", "quarry-diesel": "fail"}
    codes = {f.code for f in ver.findings}
    assert {"tier_not_met", "instrument_calibration_expired", "inline_factor_evidence"} <= codes
    assert ver.opinion == "modified"  # not material, but a tier is not met


def test_verification_json_contract_and_cli(cement, tmp_path, capsys):
    inv, result = cement
    claim_path = tmp_path / "claimed.json"
    claim_path.write_text(json.dumps(_claim(result, category_shift=0.03)))
    ver = nc.verify(inv, claim_path, materiality=0.02, assurance="reasonable")
    d = json.loads(ver.to_json())
    for key in (
        "assurance",
        "materiality",
        "claimed_co2e_t",
        "recomputed_co2e_t",
        "misstatements",
        "aggregate_misstatement_t",
        "aggregate_misstatement_pct",
        "material",
        "opinion",
        "findings",
    ):
        assert key in d
    assert d["schema"] == "nqi-carbon/verification@1"
    from nqi_carbon.cli import main

    code = main(
        [
            "verify",
            str(EX / "cement" / "inventory.yaml"),
            "--claimed",
            str(claim_path),
            "--materiality",
            "0.02",
            "--assurance",
            "reasonable",
            "--format",
            "json",
        ]
    )
    assert code == 3  # a material misstatement: the exit status says so (issue 15)
    assert json.loads(capsys.readouterr().out)["material"] is True
    assert (
        main(
            [
                "verify",
                str(EX / "cement" / "inventory.yaml"),
                "--claimed",
                str(claim_path),
                "--materiality",
                "0.05",
                "--assurance",
                "limited",
            ]
        )
        == 0
    )
    assert "Level of assurance: **limited**" in capsys.readouterr().out


def test_cement_example_verification_report_is_current():
    claim = EX / "cement" / "claimed.json"
    inv = nc.load_inventory(EX / "cement" / "inventory.yaml")
    ver = nc.verify(inv, claim, materiality="eu-ets-c", assurance="reasonable")
    assert (EX / "cement" / "verification.md").read_text() == ver.to_markdown(), (
        "regenerate: nqi-carbon verify examples/cement/inventory.yaml --claimed examples/cement/claimed.json "
        "--materiality eu-ets-c --assurance reasonable > examples/cement/verification.md"
    )
    kinds = {m.subject: m.kind for m in ver.misstatements if m.level == "source_gas"}
    assert kinds["chiller-leak"] == "omission"
    # misstatements far below materiality, but December's coal (belt scale past its
    # calibration due date) is more than materiality: insufficient evidence -> modified
    assert ver.material is False and ver.unsupported_material is True
    assert ver.opinion == "modified"


def test_verification_displays_in_jupyter(cement):
    inv, result = cement
    ver = nc.verify(
        inv, _claim(result, category_shift=0.03), materiality=0.02, assurance="reasonable"
    )
    page = ver._repr_html_()
    assert "Opinion: modified" in page and "<table>" in page


def test_a_wrong_headline_total_is_material_even_when_the_parts_are_right(cement):
    # correct categories, total 15 % too high: the claim's own sum does not add up, and
    # the headline figure readers quote is misstated
    inv, result = cement
    claim = _claim(result)
    true_total = claim["totals"]["gross_co2e_t"]
    claim["totals"]["gross_co2e_t"] = true_total * 1.15
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    kinds = {(m.level, m.kind) for m in ver.misstatements}
    assert ("total", "inconsistency") in kinds
    assert ver.aggregate_net_t == pytest.approx(0.15 * true_total, rel=1e-9)
    assert ver.aggregate_misstatement_pct == pytest.approx(0.15 / 1.15, rel=1e-9)
    assert ver.material is True and ver.opinion == "adverse"  # 13 % of the claim >= 2 x 5 %
    claim["totals"]["gross_co2e_t"] = true_total * 1.08  # 7.4 % of the claim
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert ver.material is True and ver.opinion == "modified"


def test_figures_reported_apart_are_checked_against_their_own_size(cement):
    inv, result = cement
    claim = _claim(result)
    market = claim["totals"]["gross_co2e_t_market_based"]
    gross = claim["totals"]["gross_co2e_t"]
    # 3 % on the market-based total: material at 2 % of that figure, not at 5 %
    claim["totals"]["gross_co2e_t_market_based"] = market * 1.03
    at5 = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    at2 = nc.verify(inv, claim, materiality=0.02, assurance="reasonable")
    assert [m.subject for m in at5.misstatements] == ["gross, market-based"]
    assert at5.material is False and at5.opinion == "unmodified"
    assert at2.material_figures == ["gross_co2e_t_market_based"]
    assert at2.material is True and at2.opinion == "modified"
    assert at2.aggregate_net_t == 0  # the location-based gross total is right
    assert gross == at2.claimed_co2e_t


def test_by_source_may_mix_whole_sources_and_per_gas_entries(cement):
    # the documented short form: some sources as one number, some per gas
    inv, _ = cement
    res = nc.calculate(inv)
    lines = res.lines[(res.lines["basis"] != "market") & ~res.lines["biogenic"]]
    per_source = lines.groupby("source")["co2e_t"].sum().to_dict()
    grid = lines[lines["source"] == "grid-electricity"].groupby("gas")["co2e_t"].sum().to_dict()
    by_source: dict[str, object] = {k: v for k, v in per_source.items() if k != "grid-electricity"}
    by_source["grid-electricity"] = grid
    claim = {"gwp_set": inv.gwp, "totals": {"gross_co2e_t": res.total_co2e}, "by_source": by_source}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert [m for m in ver.misstatements if m.kind != "rounding"] == []
    assert ver.opinion == "unmodified"
    # a per-gas source is compared per gas only, never also as a whole-source omission
    subjects = {m.subject for m in ver.misstatements}
    assert "grid-electricity" not in subjects


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda c: c.update(by_category={"1": 5.0}), "claim_key_known"),  # beside totals
        (lambda c: c["totals"].update(gros_co2e_t=1.0), "claim_key_known"),
        (lambda c: c["totals"]["by_category"].update({"7": 1.0}), "claim_category_known"),
        (lambda c: c.update(by_source={"kiln-coal": {"HFC": 1.0}}), "claim_gas_known"),
        (lambda c: c["totals"].update(gross_co2e_t=-5), "claim_total_not_negative"),
    ],
)
def test_claims_with_unknown_keys_categories_or_gases_are_refused(cement, mutate, code):
    inv, result = cement
    claim = _claim(result)
    mutate(claim)
    with pytest.raises(InvalidInputError) as err:
        nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert code in {i.code for i in err.value.issues}


def _tier_inventory(activity, instruments=()):
    """One source requiring tier 4 with the given activity."""
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "facilities": [{"id": "f"}],
            "instruments": list(instruments),
            "factors": [
                {
                    "id": "u/gas",
                    "activity_unit": "MWh",
                    "gases": {"CO2": {"value": 0.2, "unit": "t/MWh"}},
                    "reference": "supplier sheet 2024, table 1",
                }
            ],
            "sources": [
                {
                    "id": "s",
                    "facility": "f",
                    "category": 1,
                    "factor": "u/gas",
                    "required_tier": 4,
                    "activity": activity,
                }
            ],
        }
    )


@pytest.mark.parametrize("amount", [0, 0.0, 100.0])
def test_activity_without_stated_uncertainty_fails_its_tier_whatever_the_amount(amount):
    inv = _tier_inventory({"amount": amount, "unit": "MWh"})
    from nqi_carbon.verification.evidence import tier_checks

    (t,) = tier_checks(nc.calculate(inv))
    assert t.result == "fail" and t.uncertainty == float("inf") and t.achieved_tier is None
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": 0.2 * amount}}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    (f,) = [f for f in ver.findings if f.code == "tier_not_met"]
    assert "no uncertainty stated" in f.message and "tier 4" in f.message
    md = ver.to_markdown()
    assert "no uncertainty stated for some activity → **fail**" in md and "inf" not in md


def test_zero_activity_with_stated_uncertainty_or_instrument_passes():
    from nqi_carbon.verification.evidence import tier_checks

    ins = [{"id": "M", "kind": "meter", "uncertainty": 0.01}]
    for activity in (
        {"amount": 0, "unit": "MWh", "uncertainty": 0.01},
        {"amount": 0, "unit": "MWh", "instrument": "M"},
    ):
        (t,) = tier_checks(nc.calculate(_tier_inventory(activity, ins)))
        assert t.result == "pass" and t.uncertainty == 0.0
    # one month of 0 without uncertainty beside stated ones still fails
    months = [
        {"period": f"2024-{m:02d}", "amount": 10.0, "unit": "MWh", "uncertainty": 0.01}
        for m in range(1, 12)
    ] + [{"period": "2024-12", "amount": 0, "unit": "MWh"}]
    (t,) = tier_checks(nc.calculate(_tier_inventory(months)))
    assert t.result == "fail"
    # no activity at all shows no uncertainty either
    (t,) = tier_checks(nc.calculate(_tier_inventory([])))
    assert t.result == "fail" and t.uncertainty == float("inf")


# -- readable output: a real HTML page with tables, a one-line repr --


def _html_rows(page: str, section: str) -> list[dict[str, str]]:
    """Rows of the table under ``<h2 id=section>`` as {header: cell text}."""
    import html as _html
    import re

    part = page.split(f'<h2 id="{section}">', 1)[1].split("</table>", 1)[0]
    header = [_html.unescape(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", part)]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)[1:]:
        cells = [_html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def test_verification_html_is_a_self_contained_page_with_tables(cement):
    import re

    inv, result = cement
    data = inv.model_dump(mode="json", by_alias=True, exclude_none=True)
    for s in data["sources"]:
        if s["id"] in ("kiln-coal", "quarry-diesel"):
            s["required_tier"] = 4
    inv2 = nc.validate_inventory(data)
    ver = nc.verify(
        inv2, _claim(result, category_shift=0.03), materiality=0.02, assurance="reasonable"
    )
    page = ver.to_html()
    assert page.startswith("<!DOCTYPE html>") and "<pre" not in page
    assert "<style>" in page and "<table" in page
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page)
    assert "<script" not in page and "<link" not in page and "url(" not in page
    assert "| level |" not in page  # no Markdown left in the page
    mis = _html_rows(page, "misstatements")
    assert len(mis) == len(ver.misstatements)
    cat = next(r for r in mis if r["Level"] == "category")
    m = next(m for m in ver.misstatements if m.level == "category")
    assert cat["Subject"] == "1" and cat["Direction"] == "overstatement"
    assert float(cat["Difference (t CO2e)"].replace(",", "")) == pytest.approx(
        m.difference_t, abs=5e-4
    )
    tiers = {r["Source"]: r for r in _html_rows(page, "tier-checks")}
    assert tiers["kiln-coal"]["Result"] == "pass" and tiers["quarry-diesel"]["Result"] == "fail"
    assert tiers["quarry-diesel"]["Bound (±%)"] == "±1.5 %"
    finds = _html_rows(page, "findings")
    assert {r["Code"] for r in finds} == {f.code for f in ver.findings}
    assert "Opinion: <b>modified</b>" in page


def test_verification_repr_is_a_one_line_summary(cement):
    inv, result = cement
    ver = nc.verify(
        inv, _claim(result, category_shift=0.03), materiality=0.02, assurance="reasonable"
    )
    text = repr(ver)
    assert "\n" not in text and len(text) < 400
    assert str(ver) == text
    assert "opinion modified" in text and "material yes" in text
    assert f"{100 * ver.aggregate_misstatement_pct:.3g} % of the claim" in text
    assert f"{len(ver.misstatements)} misstatement" in text
    one = nc.verify(inv, _claim(result), materiality=0.05, assurance="reasonable")
    assert "0 misstatements" in repr(one) and "findings" in repr(one)
    assert " 1 findings" not in repr(one) and " 1 misstatements" not in repr(one)


# -- verifier, scope, criteria, materiality in t, bases, consistency, evidence, Chinese --


def _hand_inventory(*, language=None, conformity=None, due=None, exclusions=True):
    """Two sources with hand numbers: a (cat. 1) 500 MWh x 0.2 = 100 t; b (cat. 2)
    12 months x 10 MWh x 0.5 = 60 t (meter M, calibration due ``due``)."""
    data = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Hand Co", "id": "hand", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "facilities": [{"id": "f", "name": "Plant F"}],
        "instruments": [
            {"id": "M", "kind": "meter", "uncertainty": 0.01}
            | ({"calibration_due": due} if due else {})
        ],
        "factors": [
            {
                "id": "u/fuel",
                "activity_unit": "MWh",
                "gases": {"CO2": {"value": 0.2, "unit": "t/MWh"}},
                "reference": "supplier sheet 2024, table 1",
            },
            {
                "id": "u/grid",
                "activity_unit": "MWh",
                "gases": {"CO2": {"value": 0.5, "unit": "t/MWh"}},
                "reference": "grid operator notice 2024",
            },
        ],
        "sources": [
            {
                "id": "a",
                "facility": "f",
                "category": 1,
                "factor": "u/fuel",
                "activity": {"amount": 500, "unit": "MWh", "uncertainty": 0.01},
            },
            {
                "id": "b",
                "facility": "f",
                "category": 2,
                "factor": "u/grid",
                "activity": [
                    {"period": f"2024-{m:02d}", "amount": 10, "unit": "MWh", "instrument": "M"}
                    for m in range(1, 13)
                ],
            },
        ],
    }
    # every category addressed (completeness alone does not modify the opinion)
    data["significance_criteria"] = "indirect sources above 1 % of gross emissions"
    data["exclusions"] = [
        {"category": c, "reason": "nothing emitted", "estimated_co2e_t": 0.0} for c in (4, 5, 6)
    ]
    if exclusions:
        data["exclusions"].insert(
            0, {"category": 3, "reason": "below the 1 % threshold", "estimated_co2e_t": 1.5}
        )
    reporting = {}
    if language:
        reporting["language"] = language
    if conformity:
        reporting["conformity_statement"] = conformity
    if reporting:
        data["reporting"] = reporting
    return nc.validate_inventory(data)


def _hand_claim(total=160.0, **extra):
    return {"gwp_set": "AR6", "totals": {"gross_co2e_t": total, **extra}}


def test_verifier_body_date_and_scope_are_stated(tmp_path, capsys):
    inv = _hand_inventory()
    ver = nc.verify(
        inv,
        _hand_claim(),
        materiality=0.05,
        assurance="reasonable",
        verifier="Zhang Wei",
        body="Example Verification Co.",
        date="2025-04-30",
    )
    d = json.loads(ver.to_json())
    assert (d["verifier"], d["verification_body"], d["verification_date"]) == (
        "Zhang Wei",
        "Example Verification Co.",
        "2025-04-30",
    )
    scope = d["scope"]
    assert scope["organization"]["name"] == "Hand Co"
    assert scope["facilities"] == [{"id": "f", "name": "Plant F"}]
    assert scope["period"] == {"start": "2024-01-01", "end": "2025-01-01"}
    assert scope["gwp_set"] == "AR6"
    assert scope["categories_included"] == ["1", "2"]
    exc = scope["categories_excluded"][0]
    assert exc["category"] == "3" and exc["estimated_co2e_t"] == 1.5
    assert [e["category"] for e in scope["categories_excluded"]] == ["3", "4", "5", "6"]
    md = ver.to_markdown()
    assert "- Verifier: Zhang Wei" in md and "- Verification body: Example Verification Co." in md
    assert "- Date of verification: 2025-04-30" in md and "## Scope" in md
    assert "3: below the 1 % threshold (estimated 2 t CO2e)" in md
    page = ver.to_html()
    assert "Zhang Wei" in page and 'id="scope"' in page
    # not given: "not stated" in the report, null in the JSON
    bare = nc.verify(inv, _hand_claim(), materiality=0.05, assurance="reasonable")
    assert bare.to_dict()["verifier"] is None and bare.to_dict()["verification_body"] is None
    assert "- Verifier: not stated" in bare.to_markdown()
    assert "- Verification body: not stated" in bare.to_markdown()
    with pytest.raises(InvalidInputError, match="verification_date"):
        nc.verify(inv, _hand_claim(), materiality=0.05, assurance="reasonable", date="30/04/2025")
    # the command line
    from nqi_carbon.cli import main

    claim = tmp_path / "c.json"
    claim.write_text(json.dumps(_hand_claim(866038)))
    args = ["verify", str(EX / "cement" / "inventory.yaml"), "--claimed", str(claim)]
    args += ["--materiality", "eu-ets-c", "--assurance", "limited", "--format", "json"]
    status = main([*args, "--verifier", "Li Na", "--body", "VB Ltd", "--date", "2025-05-02"])
    out = json.loads(capsys.readouterr().out)
    assert status == (0 if out["opinion"] == "unmodified" and not out["material"] else 3)
    assert (out["verifier"], out["verification_body"], out["verification_date"]) == (
        "Li Na",
        "VB Ltd",
        "2025-05-02",
    )


def test_criteria_name_iso_14064_1_and_3_and_the_conformity_statement():
    from nqi_carbon.verification.materiality import CRITERIA

    text = "Prepared in accordance with ISO 14064-1:2018 and the  Chinese cement-sector guideline."
    ver = nc.verify(
        _hand_inventory(conformity=text), _hand_claim(), materiality=0.05, assurance="reasonable"
    )
    folded = " ".join(text.split())
    assert CRITERIA[0] == (
        "ISO 14064-1:2018 (quantification and reporting); verification performed in the style "
        "of ISO 14064-3:2019"
    )
    d = ver.to_dict()
    assert d["criteria"].startswith(CRITERIA[0]) and folded in d["criteria"]
    assert d["criteria_programme"] == folded
    md, page = ver.to_markdown(), ver.to_html()
    assert "## Criteria" in md and CRITERIA[0] in md and f'"{folded}"' in md
    assert (
        'id="criteria"' in page and "ISO 14064-3:2019" in page and "Chinese cement-sector" in page
    )
    plain = nc.verify(_hand_inventory(), _hand_claim(), materiality=0.05, assurance="reasonable")
    assert plain.to_dict()["criteria"] == CRITERIA[0]
    assert plain.to_dict()["criteria_programme"] is None


def test_materiality_is_stated_as_a_fraction_in_tonnes_and_by_preset_name():
    inv = _hand_inventory()
    # claim 170 t against 160 t recomputed: +10 t = 5.88 % of the claim
    ver = nc.verify(inv, _hand_claim(170.0), materiality=0.05, assurance="limited")
    assert ver.materiality_t == pytest.approx(8.5)  # 0.05 x 170
    assert ver.opinion == "modified"  # 10 t >= 8.5 t, < 2 x 8.5 t
    assert "materiality 5 % of the claimed total, 8.500 t CO2e" in ver.statement
    assert "实质性为声明总量的 5 %，即 8.500 t CO2e" in ver.statement_zh
    md = ver.to_markdown()
    assert "- Materiality: 5 % of the claimed total (fraction 0.05) = 8.500 t CO2e" in md
    d = ver.to_dict()
    assert d["materiality"] == 0.05 and d["materiality_t"] == pytest.approx(8.5)
    assert d["materiality_preset"] is None and d["materiality_label"] is None
    # every wording carries the figure
    for claim_t, assurance in ((160.0, "reasonable"), (160.0, "limited"), (200.0, "reasonable")):
        v = nc.verify(inv, _hand_claim(claim_t), materiality=0.05, assurance=assurance)
        assert f"{0.05 * claim_t:,.3f} t CO2e" in v.statement, (claim_t, assurance, v.opinion)
    # a preset is named
    cement = nc.load_inventory(EX / "cement" / "inventory.yaml")
    c = nc.verify(
        cement, EX / "cement" / "claimed.json", materiality="eu-ets-c", assurance="limited"
    )
    assert c.materiality_t == pytest.approx(0.02 * 866038)  # 17,320.76 t
    assert c.to_dict()["materiality_preset"] == "eu-ets-c"
    assert c.to_dict()["materiality_label"] == "EU ETS category C, 2 %"
    assert "EU ETS category C, 2 %" in c.to_markdown() and "17,320.760 t CO2e" in c.to_markdown()


def test_aggregate_pct_is_a_fraction_and_the_bases_are_documented():
    inv = _hand_inventory()
    # source a claimed 110 (recomputed 100), b right: +10 t
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": 170.0}, "by_source": {"a": 110, "b": 60}}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    (row,) = [m for m in ver.misstatements if m.level == "source_gas"]
    assert row.relative == pytest.approx(10 / 100)  # / the row's recomputed figure
    assert ver.aggregate_misstatement_fraction == pytest.approx(10 / 170)  # / the claimed total
    assert ver.aggregate_misstatement_pct == ver.aggregate_misstatement_fraction
    d = json.loads(ver.to_json())
    assert d["aggregate_misstatement_pct"] == d["aggregate_misstatement_fraction"]
    assert d["aggregate_misstatement_pct"] == pytest.approx(0.0588235, rel=1e-5)
    assert "FRACTION" in d["definitions"]["aggregate_misstatement_pct"]
    assert "recomputed_t" in d["definitions"]["misstatements.relative"]
    md = ver.to_markdown()
    assert "relative (÷ the row's recomputed)" in md and "| +10 % |" in md
    assert "5.88 % of the claimed total (fraction 0.0588" in md
    import html as _html

    assert "Relative to the row's recomputed (%)" in _html.unescape(ver.to_html())


def test_a_category_that_is_not_the_sum_of_its_stated_sources_is_an_inconsistency():
    inv = _hand_inventory()
    # recomputed: a (cat. 1) 100, b (cat. 2) 60. Claim: category 1 says 110 but its only
    # source says 100; the total 170 = sum of the categories, not of the sources (160)
    claim = {
        "gwp_set": "AR6",
        "totals": {"gross_co2e_t": 170.0, "by_category": {"1": 110, "2": 60}},
        "by_source": {"a": 100, "b": 60},
    }
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    rows = {(m.level, m.subject): m for m in ver.misstatements}
    cat = rows[("category", "1: stated category vs sum of its stated source_gas figures")]
    assert (cat.claimed_t, cat.recomputed_t, cat.difference_t) == (110, 100, 10)
    assert cat.kind == "inconsistency" and cat.direction == "overstatement"
    assert ("category", "2: stated category vs sum of its stated source_gas figures") not in rows
    head = rows[("total", "gross: stated total vs sum of stated source_gas figures")]
    assert head.difference_t == 10 and head.kind == "inconsistency"
    assert rows[("category", "1")].difference_t == 10  # 110 vs 100 recomputed
    # the aggregate counts the 10 t once: sources 0 + headline +10, not +20
    assert ver.aggregate_net_t == pytest.approx(10) and ver.aggregate_gross_t == pytest.approx(10)
    assert ver.aggregate_net_t == pytest.approx(ver.claimed_co2e_t - ver.recomputed_co2e_t)
    # errors that cancel in the total are listed per category, still never aggregated
    claim["totals"] = {"gross_co2e_t": 160.0, "by_category": {"1": 110, "2": 50}}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    incons = {m.subject: m.difference_t for m in ver.misstatements if "vs sum of its" in m.subject}
    assert incons == {
        "1: stated category vs sum of its stated source_gas figures": 10,
        "2: stated category vs sum of its stated source_gas figures": -10,
    }
    assert ver.aggregate_net_t == 0 and ver.aggregate_gross_t == 0
    assert ver.material_categories == ["1", "2"]  # 10 t >= 0.05 x 160 = 8 t each
    # each category is a reported figure: misstated by 8..16 t, the opinion is modified
    # although the aggregate is 0
    assert ver.opinion == "modified"
    # whole units: 1 t off across 2 printed figures of 0 decimals (slack 1.0) is rounding
    claim["totals"] = {"gross_co2e_t": 160.0, "by_category": {"1": 101, "2": 60}}
    claim["by_source"] = {"a": 100, "b": 60}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    (r,) = [m for m in ver.misstatements if "vs sum of its" in m.subject]
    assert r.kind == "rounding" and r.difference_t == 1
    # no total stated: the sum of the stated categories is the headline
    claim = {
        "gwp_set": "AR6",
        "totals": {"by_category": {"1": 110, "2": 60}},
        "by_source": {"a": 100, "b": 60},
    }
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert ver.claimed_co2e_t == 170
    assert ver.aggregate_net_t == pytest.approx(10) == ver.claimed_co2e_t - ver.recomputed_co2e_t


def test_expired_calibration_is_sized_and_weighed_against_materiality():
    # meter M due 2024-10-15: the readings of October (covers the 16th..31st, counted whole),
    # November and December are after it: 3 x 10 MWh x 0.5 t/MWh = 15 t of b's 60 t
    inv = _hand_inventory(due="2024-10-15")
    at5 = nc.verify(inv, _hand_claim(160.0), materiality=0.05, assurance="reasonable")
    (u,) = at5.unsupported
    assert (u.source, u.instruments, u.calibration_due, u.readings, u.basis) == (
        "b",
        ("M",),
        "2024-10-15",
        3,
        "readings",
    )
    assert u.co2e_t == pytest.approx(15.0)
    assert at5.materiality_t == pytest.approx(8.0)  # 0.05 x 160
    assert at5.unsupported_material is True and at5.material is False
    assert at5.opinion == "modified"  # insufficient evidence for 15 t >= 8 t
    assert "unable to obtain sufficient appropriate evidence for 15.000 t CO2e" in at5.statement
    assert "reaches materiality (8.000 t CO2e)" in at5.statement
    (f,) = [f for f in at5.findings if f.code == "instrument_calibration_expired"]
    assert "15.000 t CO2e" in f.message and "187.5 % of materiality (8.000 t CO2e)" in f.message
    d = json.loads(at5.to_json())
    assert d["unsupported_evidence_t"] == pytest.approx(15.0)
    assert d["unsupported_evidence_material"] is True
    assert d["unsupported_evidence"][0]["basis"] == "readings"
    # at 10 % (16 t) the 15 t are stated but below materiality: unmodified
    at10 = nc.verify(inv, _hand_claim(160.0), materiality=0.10, assurance="limited")
    assert at10.unsupported_t == pytest.approx(15.0) and at10.unsupported_material is False
    assert at10.opinion == "unmodified" and "sufficient appropriate evidence" not in at10.statement
    (f,) = [f for f in at10.findings if f.code == "instrument_calibration_expired"]
    assert "93.8 % of materiality (16.000 t CO2e)" in f.message
    assert "below materiality" in at10.to_markdown()
    # every reading late: the whole source; a valid calibration: nothing unsupported
    late = nc.verify(
        _hand_inventory(due="2023-12-31"), _hand_claim(), materiality=0.5, assurance="limited"
    )
    assert late.unsupported[0].co2e_t == pytest.approx(60.0) and late.unsupported[0].readings == 12
    ok = nc.verify(
        _hand_inventory(due="2025-01-01"), _hand_claim(), materiality=0.05, assurance="limited"
    )
    assert ok.unsupported == [] and ok.opinion == "unmodified"


def test_expired_calibration_in_an_activity_table_counts_the_whole_source(tmp_path):
    data = _hand_inventory(due="2024-10-15").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    b = next(s for s in data["sources"] if s["id"] == "b")
    del b["activity"]
    rows = "\n".join(f"b,2024-{m:02d},10,MWh,M" for m in range(1, 13))
    (tmp_path / "b.csv").write_text("source,period,amount,unit,instrument\n" + rows + "\n")
    data["activity_files"] = ["b.csv"]
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data))
    inv = nc.load_inventory(path)
    ver = nc.verify(inv, _hand_claim(160.0), materiality=0.05, assurance="reasonable")
    (u,) = ver.unsupported
    assert u.basis == "whole_source" and u.co2e_t == pytest.approx(60.0) and u.readings == 0
    # 60 t without valid evidence is 7.5 x materiality (8 t): pervasive, no opinion
    assert ver.opinion == "disclaimer"
    assert ver.statement.startswith("We do not express an opinion on the GHG statement of Hand Co")
    # judged not pervasive (at 10 x materiality), the same amount qualifies the opinion
    ver = nc.verify(
        inv, _hand_claim(160.0), materiality=0.05, assurance="reasonable", pervasive_multiple=10
    )
    assert ver.opinion == "modified"


@pytest.mark.parametrize("language", ["zh", "en+zh"])
def test_chinese_statement_and_headings(language):
    inv = _hand_inventory(language=language)
    ok = nc.verify(inv, _hand_claim(160.0), materiality=0.05, assurance="reasonable")
    md = ok.to_markdown()
    for term in (
        "核查报告",
        "## ",
        "核查声明",
        "核查范围",
        "核查准则",
        "错报",
        "合理保证",
        "实质性",
        "核查意见",
        "无保留意见",
    ):
        assert term in md, term
    assert "我们认为" in md and ok.statement_zh in md
    assert (ok.statement in md) is (language == "en+zh")
    assert ("## Statement / 核查声明" in md) is (language == "en+zh")
    assert ("## 核查声明" in md) is (language == "zh")
    modified = nc.verify(inv, _hand_claim(170.0), materiality=0.05, assurance="limited")
    assert "保留意见" in modified.to_markdown() and "有限保证" in modified.to_markdown()
    assert "根据所执行的程序" in modified.statement_zh
    adverse = nc.verify(inv, _hand_claim(200.0), materiality=0.05, assurance="reasonable")
    assert (
        "否定意见" in adverse.to_markdown()
        and "未按照 ISO 14064-1:2018 编制" in adverse.statement_zh
    )
    page = adverse.to_html()
    assert "核查声明" in page and "否定意见" in page and adverse.statement_zh in page
    # the JSON is the same in every language: both statements, always
    en = nc.verify(_hand_inventory(), _hand_claim(200.0), materiality=0.05, assurance="reasonable")
    assert en.to_dict()["statement_zh"] == adverse.statement_zh
    assert "核查" not in en.to_markdown() and "否定意见" not in en.to_html()


@pytest.mark.parametrize(
    "claim_parts",
    [
        {"by_source": {"kiln-coal": None}},  # one source stated, the rest only in the total
        {"totals_by_category": {"1": None}},  # one category stated, the rest in the total
    ],
)
def test_a_correct_total_with_parts_not_broken_out_is_not_misstated(cement, claim_parts):
    inv, result = cement
    totals = result["totals"]
    claim: dict = {"gwp_set": inv.gwp, "totals": {"gross_co2e_t": totals["gross_co2e_t"]}}
    if "by_source" in claim_parts:
        res = nc.calculate(inv)
        claim["by_source"] = {"kiln-coal": res.by("source").set_index("source").loc["kiln-coal", "co2e_t"]}
    else:
        claim["totals"]["by_category"] = {"1": totals["by_category"]["1"]}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    # the sources (categories) not stated are covered by the correct total: listed as not
    # broken out, never also as omissions that the total would then contradict
    assert ver.aggregate_net_t == pytest.approx(0, abs=1e-6)
    assert ver.aggregate_gross_t == pytest.approx(0, abs=1e-6)
    assert ver.material is False and ver.material_categories == []
    assert {m.kind for m in ver.misstatements} <= {"not_broken_out"}


def test_claimed_breakdowns_are_compared(cement):
    inv, result = cement
    claim = _claim(result)
    scope1 = claim["totals"]["by_scope"]["1"]
    claim["totals"]["by_scope"]["1"] = scope1 * 1.10  # 10 % on scope 1 alone
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    rows = [m for m in ver.misstatements if m.level == "breakdown"]
    assert [(m.subject, round(m.difference_t, 6)) for m in rows] == [
        ("by_scope: 1", round(scope1 * 0.10, 6))
    ]
    assert "by_scope.1" in ver.material_figures and ver.opinion != "unmodified"


@pytest.mark.parametrize(
    ("claim", "code"),
    [
        ({"gwp_set": "AR6", "totals": {"gross_co2e_t": 1}, "period": "2024"}, "claim_period_form"),
        (
            {"gwp_set": "AR6", "totals": {"gross_co2e_t": 1}, "lines": [{"source": "x"}]},
            "claim_lines_form",
        ),
        (
            {"gwp_set": "AR6", "by_source": {"kiln-coal": {"CO2": 1, "carbon dioxide": 2}}},
            "claim_gas_duplicate",
        ),
        ({"gwp_set": "AR6", "by_source": [["kiln-coal", 1]]}, "claim_not_mapping"),
    ],
)
def test_claims_of_the_wrong_shape_are_refused(cement, claim, code):
    inv, _ = cement
    with pytest.raises(InvalidInputError) as exc:
        nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert code in {i.code for i in exc.value.issues}


@pytest.mark.parametrize("multiple", [float("nan"), 0.5, -1, True])
def test_pervasive_multiple_is_checked(cement, multiple):
    inv, result = cement
    with pytest.raises(InvalidInputError, match="pervasive_multiple_valid"):
        nc.verify(inv, _claim(result), materiality=0.05, assurance="reasonable", pervasive_multiple=multiple)


def test_an_inventory_reports_json_is_accepted_as_a_claim(cement):
    inv, _ = cement
    report_json = json.loads(nc.inventory_report(nc.calculate(inv)).to_json())
    ver = nc.verify(inv, report_json, materiality=0.05, assurance="reasonable")
    assert ver.aggregate_gross_t == 0


def test_markdown_outputs_carry_no_raw_html(cement):
    inv, result = cement
    hostile = inv.model_copy(
        update={"organization": {**inv.organization.model_dump(), "name": "<script>x</script>"}}
    )
    ver = nc.verify(hostile, _claim(result), materiality=0.05, assurance="reasonable")
    md = ver.to_markdown()
    assert "<script" not in md and "&lt;script&gt;" in md
    report_md = nc.inventory_report(nc.calculate(hostile)).to_markdown()
    assert "<script" not in report_md
    assert "<https://" in report_md  # citation autolinks are kept


def test_a_category_broken_out_only_in_part_is_not_called_inconsistent(cement):
    # the documented short form: category 1 stated in full, only one of its sources stated
    inv, _ = cement
    res = nc.calculate(inv)
    totals = res.totals()
    kiln = res.by("source").set_index("source").loc["kiln-coal", "co2e_t"]
    claim = {
        "gwp_set": inv.gwp,
        "totals": {"gross_co2e_t": totals["gross_co2e_t"], "by_category": totals["by_category"]},
        "by_source": {"kiln-coal": kiln},
    }
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    assert [m for m in ver.misstatements if m.kind not in ("rounding", "not_broken_out")] == []
