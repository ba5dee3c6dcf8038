"""Completeness: each ISO category included, excluded with a tested justification, or a finding."""

from __future__ import annotations

import pytest

import nqi_carbon as nc
from nqi_carbon.inventory.completeness import assess_completeness

FACTOR = {
    "id": "u/fuel",
    "activity_unit": "MWh",
    "gases": {"CO2": {"value": 0.2, "unit": "t/MWh"}},
    "reference": "supplier sheet 2024",
}


def eighty_percent_inventory(**extra):
    """Review case D1: 1000 t reported (category 1), category 3 excluded as "not material"
    with an estimate of 800 t (80 %), categories 2, 4, 5, 6 not addressed, no criteria."""
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Eighty Co", "id": "e80", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "facilities": [{"id": "f", "operational_control": True}],
            "factors": [FACTOR],
            "sources": [
                {
                    "id": "boiler",
                    "facility": "f",
                    "category": 1,
                    "factor": "u/fuel",
                    "activity": {"amount": 5000, "unit": "MWh", "uncertainty": 0.01},
                }
            ],
            "exclusions": [{"category": 3, "reason": "not material", "estimated_co2e_t": 800}],
            **extra,
        }
    )


def test_categories_not_addressed_are_errors_and_exclusions_untestable_without_criteria():
    c = assess_completeness(eighty_percent_inventory(), 1000.0)
    assert [(k.category, k.state) for k in c.categories] == [
        (1, "reported"),
        (2, "not addressed"),
        (3, "excluded"),
        (4, "not addressed"),
        (5, "not addressed"),
        (6, "not addressed"),
    ]
    assert [k.subject for k in c.errors] == ["category 2", "category 4", "category 5", "category 6"]
    assert {k.code for k in c.checks} == {
        "category_not_addressed",
        "significance_not_testable",
        "significance_criteria_missing",
    }
    assert c.exclusions[0].result == "not_testable"
    assert c.untested_t == 800  # not shown to be insignificant


def test_against_materiality_as_the_fallback_the_exclusion_is_significant():
    c = assess_completeness(eighty_percent_inventory(), 1000.0, fallback_t=50.0)
    codes = [k.code for k in c.errors]
    assert codes.count("exclusion_significant") == 1 and "exclusions_exceed_cap" in codes
    assert c.untested_t == 800
    assert "threshold materiality = 50.000 t CO2e (no threshold stated)" in c.basis


@pytest.mark.parametrize(
    ("significance", "estimate", "result", "codes"),
    [
        ({"threshold": 0.01}, 9.99, "below_threshold", []),
        ({"threshold": 0.01}, 10.0, "reaches_threshold", ["exclusion_significant"]),
        # the lower of the two thresholds applies
        ({"threshold": 0.01, "threshold_co2e_t": 5}, 6.0, "reaches_threshold", ["exclusion_significant"]),
        # each below 1 %, together above the 1.5 % cap
        ({"threshold": 0.01, "exclusions_cap": 0.015}, 9.0, "below_threshold", ["exclusions_exceed_cap"]),
    ],
)
def test_exclusions_are_tested_against_the_stated_threshold_and_cap(significance, estimate, result, codes):
    inv = eighty_percent_inventory(
        significance=significance,
        significance_criteria="indirect sources above the threshold are included",
        exclusions=[
            {"category": c, "reason": "screened", "estimated_co2e_t": estimate} for c in (2, 3, 4, 5, 6)
        ][:2],
    )
    c = assess_completeness(inv, 1000.0)
    assert [t.result for t in c.exclusions] == [result, result]
    found = sorted({k.code for k in c.errors} - {"category_not_addressed"})
    assert found == codes
    if codes == ["exclusions_exceed_cap"]:
        (cap,) = [k for k in c.checks if k.code == "exclusions_exceed_cap"]
        assert cap.size_t == pytest.approx(18.0 - 15.0)  # the excess over the stated cap


def test_an_exclusion_without_estimate_cannot_be_tested():
    inv = eighty_percent_inventory(
        significance={"threshold": 0.01},
        exclusions=[{"category": 3, "reason": "use stage emits nothing"}],
    )
    c = assess_completeness(inv, 1000.0)
    assert c.exclusions[0].result == "not_estimated"
    assert "exclusion_not_estimated" in {k.code for k in c.checks}


def test_significance_needs_a_test():
    with pytest.raises(nc.InvalidInputError, match="significance_test_given"):
        eighty_percent_inventory(significance={})


# -- the verification opinion: no unmodified opinion while completeness findings stand ------


def _verify(inv, total=1000.0, **kw):
    claim = {"gwp_set": "AR6", "totals": {"gross_co2e_t": total}}
    return nc.verify(inv, claim, materiality=0.05, assurance="reasonable", **kw)


def test_an_inventory_excluding_80_percent_as_not_material_gets_an_adverse_opinion():
    # review case D1: the claim is right (1000 t), materiality 5 % = 50 t; the 800 t
    # exclusion cannot be left out as insignificant: 16 x materiality, pervasive (>= 2 x)
    ver = _verify(eighty_percent_inventory())
    assert ver.misstatements == []  # the numbers agree: completeness decides
    assert ver.opinion == "adverse"
    codes = [f.code for f in ver.findings]
    assert codes.count("category_not_addressed") == 4
    assert "exclusion_significant" in codes
    assert ver.completeness.untested_t == 800
    assert "Completeness: ISO categories 2, 4, 5, 6 are not addressed" in ver.statement
    assert "exclusions of 800.000 t CO2e are not shown to be insignificant" in ver.statement
    assert ver.statement.startswith(
        "In our opinion, because of the significance of the matters described under "
        "Completeness and significance and Findings"
    )
    d = ver.to_dict()
    assert d["completeness"]["not_shown_insignificant_t"] == 800
    assert [c["state"] for c in d["completeness"]["categories"]].count("not addressed") == 4


def test_categories_addressed_and_a_small_exclusion_within_criteria_give_unmodified():
    inv = eighty_percent_inventory(
        significance={"threshold": 0.01},
        significance_criteria="indirect sources above 1 % of gross emissions are included",
        exclusions=[
            {"category": 2, "reason": "no purchased energy", "estimated_co2e_t": 0},
            {"category": 3, "reason": "courier parcels", "estimated_co2e_t": 9.0},
            *({"category": c, "reason": "none", "estimated_co2e_t": 0} for c in (4, 5, 6)),
        ],
    )
    assert _verify(inv).opinion == "unmodified"
    # categories not addressed alone (size unknown) still modify the opinion
    inv = eighty_percent_inventory(
        significance={"threshold": 0.01},
        exclusions=[{"category": 3, "reason": "courier parcels", "estimated_co2e_t": 9.0}],
    )
    ver = _verify(inv)
    assert ver.opinion == "modified"
    assert {f.code for f in ver.findings if f.severity == "error"} == {"category_not_addressed"}


def test_the_significance_criteria_are_printed_in_every_verification_report():
    text = "indirect sources above 1 % of gross emissions are included"
    ver = _verify(eighty_percent_inventory(significance_criteria=text))
    assert f'Significance criteria (as stated): "{text}"' in ver.to_markdown()
    assert f"Significance criteria (as stated): &#34;{text}&#34;" in ver.to_html() or (
        f"Significance criteria (as stated): &quot;{text}&quot;" in ver.to_html()
    )
    assert ver.to_dict()["completeness"]["significance_criteria"] == text


@pytest.mark.parametrize(
    "change",
    [
        {"exclusions": [{"category": 3, "reason": "huge", "estimated_co2e_t": 1.7e308}]},
        {"significance": {"threshold_co2e_t": 1e151}},
        {"base_year": {"year": 2020, "by_category": {1: 1e300}}},
        {"base_year": {"year": 2020, "recalculations": [{"type": "error", "effect_co2e_t": -1e200, "date": "2023-01-01"}]}},
    ],
)
def test_stated_tonnes_beyond_any_result_are_refused_never_overflowed(change):
    # two exclusions of 1.7e308 t made the report's sum of estimates overflow (a traceback)
    with pytest.raises(nc.InvalidInputError) as err:
        eighty_percent_inventory(**change)
    assert {i.code for i in err.value.issues} & {"less_than", "greater_than"}
