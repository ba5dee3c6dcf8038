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
    assert code == 0
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
    assert ver.opinion == "unmodified"


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
    from nqi_carbon.verification import tier_checks

    (t,) = tier_checks(nc.calculate(inv))
    assert t.result == "fail" and t.uncertainty == float("inf") and t.achieved_tier is None
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": 0.2 * amount}}
    ver = nc.verify(inv, claim, materiality=0.05, assurance="reasonable")
    (f,) = [f for f in ver.findings if f.code == "tier_not_met"]
    assert "no uncertainty stated" in f.message and "tier 4" in f.message
    md = ver.to_markdown()
    assert "no uncertainty stated for some activity → **fail**" in md and "inf" not in md


def test_zero_activity_with_stated_uncertainty_or_instrument_passes():
    from nqi_carbon.verification import tier_checks

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
    header = [_html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", part)]
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
