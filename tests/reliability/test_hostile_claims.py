"""Hostile and careless claims: figures that verification must judge, and never drop.

The inventory is small enough to check by hand (materiality 5 % throughout):

- ``a`` (category 1, facility f): 500 MWh x 0.2 t CO2/MWh = 100 t CO2
- ``b`` (category 2, facility f): 120 MWh x 0.5 t CO2/MWh = 60 t CO2 location-based;
  market-based with the residual mix 0.3 t CO2/MWh: 36 t CO2
- ``w`` (category 1, facility f): 50 MWh x 0.4 t CO2/MWh = 20 t biogenic CO2, reported apart

Gross (location-based) 160 t CO2e, so materiality is 0.05 x 160 = 8 t CO2e; market-based
100 + 36 = 136 t CO2e; biogenic CO2 20 t. Categories 3-6 are excluded with an estimate of
0 t (every category addressed: completeness does not modify the opinion).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError


def _source(sid, category, factor, mwh, **extra):
    activity = {"amount": mwh, "unit": "MWh"}
    return {
        "id": sid,
        "facility": "f",
        "category": category,
        "factor": factor,
        "activity": activity,
    } | extra


def _inventory(*, extra_sources=(), extra_factors=()):
    factors = [
        ("u/fuel", 0.2, "t/MWh", "CO2", False),
        ("u/grid", 0.5, "t/MWh", "CO2", False),
        ("u/residual", 0.3, "t/MWh", "CO2", False),
        ("u/wood", 0.4, "t/MWh", "CO2", True),
        *extra_factors,
    ]
    data = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Hand Co", "id": "hand", "consolidation": "operational_control"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "facilities": [{"id": "f", "operational_control": True}],
        "factors": [
            {
                "id": fid,
                "activity_unit": "MWh",
                "gases": {gas: {"value": value, "unit": unit}},
                "reference": "hand-made test factor",
                "biogenic": biogenic,
            }
            for fid, value, unit, gas, biogenic in factors
        ],
        "sources": [
            _source("a", 1, "u/fuel", 500),
            _source("b", 2, "u/grid", 120, market_factor="u/residual"),
            _source("w", 1, "u/wood", 50),
            *extra_sources,
        ],
        "significance_criteria": "every category screened; none of 3-6 emits",
        "exclusions": [
            {"category": c, "reason": "nothing emitted", "estimated_co2e_t": 0.0} for c in (3, 4, 5, 6)
        ],
    }
    return nc.validate_inventory(data)


@pytest.fixture(scope="module")
def inv():
    return _inventory()


def _verify(inv, claim, **kw):
    return nc.verify(inv, claim, materiality=0.05, assurance="reasonable", **kw)


def _claim(by_category, by_source=None, total=160.0):
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": total, "by_category": by_category}}
    claim["by_source"] = {"a": 100.0, "b": 60.0} if by_source is None else by_source
    return claim


def test_the_hand_inventory_is_what_the_docstring_says(inv):
    t = nc.calculate(inv).totals()
    assert t["gross_co2e_t"] == pytest.approx(160.0, rel=1e-12)
    assert t["gross_co2e_t_market_based"] == pytest.approx(136.0, rel=1e-12)
    assert t["biogenic_co2_t"] == pytest.approx(20.0, rel=1e-12)
    assert _verify(inv, _claim({"1": 100.0, "2": 60.0})).opinion == "unmodified"


# -- 1. the opinion uses every figure the claim states ---------------------------------


def test_half_the_total_moved_between_categories_is_adverse_though_the_sources_are_right(inv):
    # 80 t of category 1's 100 t claimed in category 2: the total and every source are
    # right, so the source-level aggregate is 0; each category is misstated by 80 t,
    # 10 x materiality (8 t) and beyond pervasive_multiple (2) x 8 t = 16 t
    ver = _verify(inv, _claim({"1": 20.0, "2": 140.0}))
    assert ver.aggregate_level == "source_gas"
    assert (ver.aggregate_net_t, ver.aggregate_gross_t) == (0, 0)
    assert ver.material_categories == ["1", "2"]
    assert ver.material_figures == ["by_category.1", "by_category.2"]
    assert ver.material is True and ver.opinion == "adverse"
    assert (
        "by_category.1 (claimed 20.000 t CO2e, recomputed 100.000 t CO2e); "
        "by_category.2 (claimed 140.000 t CO2e, recomputed 60.000 t CO2e)." in ver.statement
    )
    assert "by_category.1（声明值 20.000 t CO2e，复算值 100.000 t CO2e）" in ver.statement_zh
    assert ver.to_dict()["material_figures"] == ["by_category.1", "by_category.2"]


@pytest.mark.parametrize(
    ("moved", "opinion", "figures"),
    [
        (12.0, "modified", ["by_category.1", "by_category.2"]),  # 12 t: >= 8 t, < 16 t
        (8.0, "modified", ["by_category.1", "by_category.2"]),  # exactly materiality
        (5.0, "unmodified", []),  # below materiality
    ],
)
def test_a_move_between_categories_is_weighed_against_materiality(inv, moved, opinion, figures):
    ver = _verify(inv, _claim({"1": 100.0 - moved, "2": 60.0 + moved}))
    assert ver.material_figures == figures
    assert ver.opinion == opinion


def test_categories_not_stated_beside_a_stated_total_are_covered_not_omitted(inv):
    # category 2 (60 t) is not stated; the stated total 160 covers it (160 - 100 = 60)
    ver = _verify(inv, _claim({"1": 100.0}))
    rows = {(m.level, m.subject): m for m in ver.misstatements}
    assert rows[("category", "2")].kind == "not_broken_out"
    assert ver.material_categories == [] and ver.material_figures == []
    assert ver.opinion == "unmodified"
    # the total covers 10 t too little: 150 - 100 = 50 claimed for category 2 vs 60
    ver = _verify(inv, _claim({"1": 100.0}, total=150.0))
    rows = {(m.level, m.subject): m for m in ver.misstatements}
    rest = rows[
        (
            "category",
            "2: stated total minus the stated category figures vs the categories not stated",
        )
    ]
    assert (rest.claimed_t, rest.recomputed_t, rest.difference_t) == (50, 60, -10)
    assert ver.material_figures == ["gross_co2e_t"]  # -10 t on the stated total
    # with no total, the categories are the headline: category 2 is omitted from it
    claim = _claim({"1": 100.0})
    del claim["totals"]["gross_co2e_t"]
    ver = _verify(inv, claim)
    assert ver.claimed_co2e_t == 100 and ver.aggregate_net_t == -60
    assert ver.material_categories == ["2"] and ver.opinion == "adverse"


def test_a_breakdown_row_pervasively_misstated_makes_the_opinion_adverse(inv):
    # scope 1 is a + w's fossil 0 = 100 t; claimed 120: 20 t >= 2 x 8 t
    claim = _claim({"1": 100.0, "2": 60.0})
    claim["totals"]["by_scope"] = {"1": 120.0}
    ver = _verify(inv, claim)
    assert ver.material_figures == ["by_scope.1"] and ver.opinion == "adverse"
    claim["totals"]["by_scope"] = {"1": 110.0}  # 10 t: material, not pervasive
    assert _verify(inv, claim).opinion == "modified"


def test_a_rounded_figure_is_judged_like_any_other(inv):
    # a small N2O source: 10 MWh x 0.06 t N2O/MWh = 0.6 t N2O; the claim says 1 t (whole
    # tonnes), 0.4 t or 67 % off a figure judged against 5 % of its own size (0.05 t)
    n2o = ("u/n2o", 0.06, "t/MWh", "N2O", False)
    inv2 = _inventory(extra_sources=[_source("n", 1, "u/n2o", 10)], extra_factors=[n2o])
    res = nc.calculate(inv2)
    assert res.totals()["by_gas_mass_t"]["N2O"] == pytest.approx(0.6, rel=1e-12)
    claim = json.loads(json.dumps(res.to_dict()))
    claim["totals"]["by_gas_mass_t"]["N2O"] = 1
    ver = _verify(inv2, claim)
    (row,) = [m for m in ver.misstatements if m.level == "breakdown"]
    assert row.kind == "rounding" and row.difference_t == pytest.approx(0.4, rel=1e-12)
    assert ver.material_figures == ["by_gas_mass_t.N2O"] and ver.opinion == "adverse"
    assert "by_gas_mass_t.N2O (claimed 1.000 t, recomputed 0.600 t)" in ver.statement


# -- 2. a figure stated twice is refused, never half-dropped ---------------------------


def _refused(inv, claim) -> list:
    with pytest.raises(InvalidInputError) as err:
        _verify(inv, claim)
    return err.value.issues


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "field", "keys"),
    [
        (  # the YAML int key 1 and the string "1" are two keys but one category
            'gwp_set: AR6\ntotals:\n  gross_co2e_t: 160\n  by_category: {1: 100, "1": 20, 2: 60}\n',
            "totals.by_category",
            ("key 1", "key '1'"),
        ),
        (
            'gwp_set: AR6\nby_source: {7: 100, "7": 60}\n',
            "by_source",
            ("by_source key 7", "by_source key '7'"),
        ),
        (
            'gwp_set: AR6\ntotals:\n  gross_co2e_t: 160\n  by_scope: {1: 100, "1": 90}\n',
            "totals.by_scope",
            ("key 1", "key '1'"),
        ),
    ],
)
def test_yaml_keys_that_name_one_figure_are_refused(inv, tmp_path, text, field, keys):
    path = _write(tmp_path, "claimed.yaml", text)
    (issue,) = _refused(inv, path)
    assert issue.code == "claim_figure_duplicate" and issue.field == field
    assert all(k in issue.message for k in keys)
    assert issue.file == str(path)


@pytest.mark.parametrize(
    ("claim", "code", "field", "keys"),
    [
        (  # a gas mass by formula and by name
            {
                "gwp_set": "AR6",
                "totals": {
                    "gross_co2e_t": 160,
                    "by_gas_mass_t": {"CO2": 160, "carbon dioxide": 150},
                },
            },
            "claim_figure_duplicate",
            "totals.by_gas_mass_t",
            ("key 'CO2'", "key 'carbon dioxide'"),
        ),
        (  # one gas of one source by formula and by name (stable code kept)
            {"gwp_set": "AR6", "by_source": {"a": {"CO2": 100, "carbon dioxide": 90}, "b": 60}},
            "claim_gas_duplicate",
            "by_source.a",
            ("key 'CO2'", "key 'carbon dioxide'"),
        ),
    ],
)
def test_json_figures_named_twice_after_normalisation_are_refused(
    inv, tmp_path, claim, code, field, keys
):
    path = _write(tmp_path, "claimed.json", json.dumps(claim))
    (issue,) = _refused(inv, path)
    assert (issue.code, issue.field) == (code, field)
    assert all(k in issue.message for k in keys)


def _result_claim(inv):
    return json.loads(json.dumps(nc.calculate(inv).to_dict()))


def test_a_source_in_lines_and_in_by_source_is_refused(inv):
    # a's total given twice in two forms: its result@1 line and a by_source figure; both
    # were compared and the aggregate counted a's tonnes twice
    claim = _result_claim(inv)
    claim["by_source"] = {"a": 100.0}
    (issue,) = _refused(inv, claim)
    assert issue.code == "claim_figure_duplicate" and issue.field == "by_source"
    assert "lines[" in issue.message and "by_source key 'a'" in issue.message


# -- 3. nothing a claim states is read and then ignored --------------------------------


def test_a_result_claims_market_based_lines_are_compared(inv):
    claim = _result_claim(inv)
    (line,) = [ln for ln in claim["lines"] if ln["source"] == "b" and ln["basis"] == "market"]
    line["co2e_t"] += 10.0  # 46 t claimed market-based for b, 36 recomputed
    ver = _verify(inv, claim)
    (row,) = ver.misstatements
    assert row.subject == "b/CO2 (market-based)"
    assert (row.claimed_t, row.recomputed_t) == pytest.approx((46.0, 36.0), rel=1e-12)
    # judged against 5 % of the market-based total (0.05 x 136 = 6.8 t): material, and
    # below 2 x 6.8 t; it stays out of the (location-based) gross aggregate
    assert ver.material_figures == ["by_source_market_based.b.CO2"]
    assert ver.opinion == "modified" and ver.aggregate_gross_t == 0


def test_a_result_claims_biogenic_lines_are_compared(inv):
    claim = _result_claim(inv)
    (line,) = [ln for ln in claim["lines"] if ln["biogenic"]]
    line["co2e_t"] = 21.5  # 1.5 t over 20: >= 0.05 x 20 = 1 t, < 2 t
    ver = _verify(inv, claim)
    (row,) = ver.misstatements
    assert row.subject == "w/CO2 (biogenic)" and row.difference_t == pytest.approx(1.5, rel=1e-9)
    assert ver.material_figures == ["by_source_biogenic.w.CO2"] and ver.opinion == "modified"
    assert "(claimed 21.500 t CO2, recomputed 20.000 t CO2)" in ver.statement


@pytest.mark.parametrize(
    ("field", "value"),
    [("biogenic", "no"), ("basis", "market-based"), ("source", None)],
)
def test_a_line_that_belongs_to_no_figure_is_refused(inv, field, value):
    # "no" is truthy: the line was skipped as biogenic and its tonnes compared nowhere
    claim = _result_claim(inv)
    claim["lines"][0][field] = value
    (issue,) = _refused(inv, claim)
    assert issue.code == "claim_lines_form" and issue.field == f"lines[0].{field}"


def test_a_claim_of_another_organization_is_refused(inv):
    claim = _result_claim(inv)
    claim["organization"]["id"] = "someone-else"
    (issue,) = _refused(inv, claim)
    assert issue.code == "claim_organization_matches" and issue.value == "'someone-else'"


@pytest.mark.parametrize(
    ("claim", "fields"),
    [
        (  # two sources near the float maximum: their sum overflowed
            {
                "gwp_set": "AR6",
                "totals": {"gross_co2e_t": 160.0},
                "by_source": {"a": 1.7e308, "b": 1.7e308},
            },
            ["by_source.a", "by_source.b"],
        ),
        (  # the categories' sum overflowed choosing the aggregate level
            _claim({"1": 1.7e308, "2": 1.7e308}, total=1.7e308),
            ["totals.gross_co2e_t", "by_category.1", "by_category.2"],
        ),
        (  # a figure far beyond any result, though adding it does not overflow
            {"gwp_set": "AR6", "by_source": {"a": {"CO2": -1e200}, "b": 60.0}},
            ["by_source.a.CO2"],
        ),
    ],
    ids=["sources", "categories", "gas"],
)
def test_a_claimed_figure_near_the_float_maximum_is_a_typed_error_not_an_overflow(
    inv, claim, fields
):
    """Found by fuzzing: verify raised OverflowError ("intermediate overflow in fsum")."""
    issues = _refused(inv, claim)
    assert {i.code for i in issues} == {"claim_figure_magnitude"}
    assert [i.field for i in issues] == fields
    assert "below 1e+150 t" in issues[0].allowed


def test_a_claimed_figure_just_below_the_bound_is_compared(inv):
    ver = _verify(inv, {"gwp_set": "AR6", "by_source": {"a": 9.9e149, "b": 60.0}})
    assert ver.opinion == "adverse" and ver.material_figures[0] == "by_source.a"


def test_a_gas_mass_named_by_alias_is_compared_with_that_gas(inv):
    claim = _claim({"1": 100.0, "2": 60.0})
    claim["totals"]["by_gas_mass_t"] = {"carbon dioxide": 160.0}
    ver = _verify(inv, claim)
    assert ver.misstatements == [] and ver.opinion == "unmodified"
    claim = copy.deepcopy(claim)
    claim["totals"]["by_gas_mass_t"] = {"carbon dioxide": 170.0}
    (row,) = _verify(inv, claim).misstatements
    assert row.subject == "by_gas_mass_t: CO2" and row.difference_t == 10


def test_the_statement_names_ten_figures_and_counts_the_rest(inv):
    # 12 sources the inventory does not have, 50 t each: no total stated, so the headline
    # is their sum, 600 t, and materiality 0.05 x 600 = 30 t; a (100 t) and b (60 t) are
    # omitted from it. 14 figures are materially misstated, in source order a, b, s01...
    claim = {"gwp_set": "AR6", "by_source": {f"s{i:02d}": 50.0 for i in range(1, 13)}}
    ver = _verify(inv, claim)
    assert ver.material_figures == ["by_source.a", "by_source.b"] + [
        f"by_source.s{i:02d}" for i in range(1, 13)
    ]
    assert "by_source.a (claimed not stated, recomputed 100.000 t CO2e)" in ver.statement
    assert "by_source.s08 (claimed 50.000 t CO2e" in ver.statement
    assert "by_source.s09" not in ver.statement
    assert "; and 4 more (material_figures)." in ver.statement
    assert "另有 4 项（见 material_figures）" in ver.statement_zh
