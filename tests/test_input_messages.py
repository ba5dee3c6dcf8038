"""Dates, enums, regions and missing keys fail helpfully (issue 16: each failure, its message)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


def _inventory(tmp_path, *, period="{start: 2024-01-01, end: 2025-01-01}", gwp="gwp: AR6\n",
               consolidation="equity_share", region="DE", activity="{amount: 1, unit: MWh}",
               method=""):  # fmt: skip
    shutil.copy(PACK, tmp_path / "testpack.yaml")
    p = tmp_path / "inv.yaml"
    p.write_text(
        "schema: nqi-carbon/inventory@1\n"
        f"organization: {{name: F, id: f, consolidation: {consolidation}}}\n"
        f"period: {period}\n{gwp}"
        "factor_packs: [testpack.yaml]\n"
        f"facilities: [{{id: a, region: {region}}}]\n"
        f"sources: [{{id: g, facility: a, category: 2, factor: testpack/grid/a{method}, activity: {activity}}}]\n"
    )
    return p


def _issues(call, *args):
    with pytest.raises(InvalidInputError) as exc:
        call(*args)
    return exc.value.issues


# --- an inclusive end date -----------------------------------------------------------------
def test_a_period_ending_on_the_last_day_of_a_year_is_flagged_as_probably_inclusive(tmp_path):
    inv = nc.load_inventory(_inventory(tmp_path, period="{start: 2024-01-01, end: 2024-12-31}"))
    (f,) = [f for f in nc.calculate(inv).findings if f.code == "period_end_inclusive"]
    assert (f.severity, f.subject) == ("warning", "period")
    assert f.message == (
        "period.end 2024-12-31 is the last day of a year, but an end is exclusive: "
        "2024-01-01..2024-12-31 covers 365 days and leaves 2024-12-31 out; if that day "
        "belongs to it, write end: 2025-01-01"
    )


def test_a_record_ending_on_the_last_day_of_a_month_is_flagged(tmp_path):
    act = "[{amount: 1, unit: MWh, start: 2024-01-01, end: 2024-07-01}, {amount: 1, unit: MWh, start: 2024-07-01, end: 2024-12-31}]"
    inv = nc.load_inventory(_inventory(tmp_path, period="{start: 2024-01-01, end: 2024-12-31}", activity=act))
    found = [f for f in nc.calculate(inv).findings if f.code == "period_end_inclusive"]
    assert [f.subject for f in found] == ["period", "source 'g'"]
    assert found[1].message.startswith("sources[0].activity[1].end 2024-12-31 is the last day of a year")


def test_a_one_day_gap_after_an_inclusive_month_end_says_so(tmp_path):
    act = "[{amount: 1, unit: MWh, start: 2024-01-01, end: 2024-06-30}, {amount: 1, unit: MWh, start: 2024-07-01, end: 2025-01-01}]"
    (i,) = _issues(nc.calculate, nc.load_inventory(_inventory(tmp_path, activity=act)))
    assert (i.code, i.value) == ("data_gap", "2024-06-30..2024-07-01")
    assert i.message == (
        "source 'g' has no activity for 1 day; a gap is never filled implicitly (2024-06-30 is "
        "the last day of a month: a record ending 2024-06-30 leaves it out, since an end is "
        "exclusive; write end: 2024-07-01 [period_end_inclusive])"
    )


def test_an_exclusive_end_is_not_flagged(tmp_path):
    res = nc.calculate(nc.load_inventory(_inventory(tmp_path)))
    assert not [f for f in res.findings if f.code == "period_end_inclusive"]


# --- enums, regions, missing keys -------------------------------------------------------------
def test_a_bad_region_shows_no_regex(tmp_path):
    (i,) = _issues(nc.load_inventory, _inventory(tmp_path, region="Germany"))
    assert (i.code, i.field) == ("region_is_iso_code", "facilities[0].region")
    assert i.message == (
        "region 'Germany' is not an ISO 3166 code: write the two-letter country code (DE for "
        "Germany, CN for China, US, GB...) or a subdivision (CN-JS for Jiangsu, US-CA)"
    )
    assert "[A-Z]" not in i.describe()


def test_a_region_in_small_letters_is_the_code_in_capitals(tmp_path):
    inv = nc.load_inventory(_inventory(tmp_path, region="cn-js"))
    assert inv.facilities[0].region == "CN-JS"


def test_a_missing_gwp_lists_the_sets(tmp_path):
    (i,) = _issues(nc.load_inventory, _inventory(tmp_path, gwp=""))
    assert (i.code, i.field) == ("missing", "gwp")
    assert i.allowed == (
        "a GWP set: SAR (IPCC Second Assessment Report, 1995), AR4 (2007), AR5 (2013) or "
        "AR6 (2021), 100-year values (gwp: AR6)"
    )


def test_an_enum_error_lists_the_values_in_words_and_the_close_one(tmp_path):
    (i,) = _issues(nc.load_inventory, _inventory(tmp_path, consolidation="equity_shares"))
    assert (i.code, i.field) == ("literal_error", "organization.consolidation")
    assert i.message.endswith("; did you mean 'equity_share'?")
    assert i.allowed == (
        "equity_share (the organisation's share of each facility's equity), financial_control "
        "or operational_control (all of each facility it controls)"
    )


def test_a_method_error_says_what_each_method_is(tmp_path):
    (i,) = _issues(nc.load_inventory, _inventory(tmp_path, method=", method: magic"))
    assert i.code == "literal_error"
    assert i.allowed.startswith("factor (activity x emission factor), carbon_content (fuel x NCV")


def test_a_category_out_of_range_names_the_categories(tmp_path):
    p = _inventory(tmp_path)
    p.write_text(p.read_text().replace("category: 2", "category: 7"))
    (i,) = _issues(nc.load_inventory, p)
    assert i.allowed == (
        "an ISO 14064-1 category, 1 to 6 (1 direct, 2 imported energy, 3 transport, "
        "4 products used, 5 use of products sold, 6 other)"
    )
