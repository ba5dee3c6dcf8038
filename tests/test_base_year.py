"""The base year: a structured record, and the recalculation policy per change and gross.

GHG Protocol Corporate Standard ch. 5 / Scope 3 Standard §9.3: the base year is
recalculated for structural changes, methodology or factor changes and significant
errors that are significant singly or cumulatively; changes that offset each other
(an acquisition and a divestment) do not cancel in the test.
"""

from __future__ import annotations

import pytest

from nqi_carbon.trajectory.recalculation import Change, assess_recalculation


def test_an_acquisition_and_a_divestment_that_net_to_zero_still_trigger_recalculation():
    # review case: base year 1000 t, +60 t acquisition, -60 t divestment, threshold 5 %
    changes = [
        Change(2023, "structural", 60, "acquired plant B"),
        Change(2023, "structural", -60, "sold plant C"),
    ]
    d = assess_recalculation(1000, changes, threshold=0.05)
    assert d.required is True
    assert d.cumulative_effect_t == 0  # the net, as before
    assert d.gross_effect_t == 120 and d.gross_effect_fraction == pytest.approx(0.12)
    assert d.largest_effect_fraction == pytest.approx(0.06)
    assert d.restated_base_t == 1000  # +60 - 60: the restated base is the net change
    assert len(d.significant) == 2  # each 6 % >= 5 % on its own


def test_small_changes_that_add_up_gross_trigger_recalculation():
    # 3 % + (-3 %): neither alone reaches 5 %, their gross sum 6 % does
    changes = [Change(2023, "structural", 30, "a"), Change(2024, "methodology", -30, "b")]
    d = assess_recalculation(1000, changes, threshold=0.05)
    assert d.required is True and d.significant == []
    assert d.gross_effect_fraction == pytest.approx(0.06)


def test_changes_below_the_threshold_singly_and_gross_do_not_trigger():
    changes = [Change(2023, "structural", 20, "a"), Change(2024, "factor", -20, "b")]
    d = assess_recalculation(1000, changes, threshold=0.05)
    assert d.required is False and d.restated_base_t == 1000


# -- the base year as a structured record in the inventory ----------------------------------


import nqi_carbon as nc  # noqa: E402
from nqi_carbon.inventory.base_year import assess_base_year  # noqa: E402


def _inventory(base_year, gwp="AR6"):
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": gwp,
            "facilities": [{"id": "f", "operational_control": True}],
            "base_year": base_year,
        }
    )


ACQ_DIV = [
    {"type": "structural", "effect_co2e_t": 60, "date": "2023-04-01", "description": "acquired B"},
    {"type": "structural", "effect_co2e_t": -60, "date": "2023-09-30", "description": "sold C"},
]


def _codes(checks):
    return [c.code for c in checks]


def test_offsetting_structural_changes_in_the_inventory_require_recalculation():
    inv = _inventory(
        {
            "year": 2020,
            "total_co2e_t": 1000,
            "gwp_set": "AR6",
            "recalculation_threshold": 0.05,
            "recalculations": ACQ_DIV,
        }
    )
    (check,) = assess_base_year(inv.base_year, inv.gwp)
    assert check.code == "base_year_recalculation_required" and check.severity == "error"
    assert check.size_t == 120  # the gross sum, not the net 0
    assert "acquired B" in check.message and "sold C" in check.message
    assert "2 change(s) reach the threshold on their own" in check.message


def test_changes_already_recalculated_or_organic_do_not_count():
    events = [{**e, "recalculated": True} for e in ACQ_DIV] + [
        {"type": "organic", "effect_co2e_t": 300, "date": "2024-01-01"}
    ]
    inv = _inventory(
        {"year": 2020, "total_co2e_t": 1000, "gwp_set": "AR6", "recalculation_threshold": 0.05,
         "recalculations": events}
    )
    assert assess_base_year(inv.base_year, inv.gwp) == []


def test_without_a_threshold_the_policy_cannot_be_applied():
    inv = _inventory({"year": 2020, "total_co2e_t": 1000, "gwp_set": "AR6", "recalculations": ACQ_DIV})
    assert _codes(assess_base_year(inv.base_year, inv.gwp)) == ["base_year_policy_not_testable"]


def test_a_gwp_set_change_is_flagged_with_its_size_and_weighed_by_the_policy():
    # 1 t N2O is 265 t CO2e under AR5 and 273 under AR6: the base year rises by 8 t (0.8 %)
    base = {"year": 2020, "total_co2e_t": 1000, "gwp_set": "AR5",
            "by_gas": {"CO2": 735, "N2O": 265}, "recalculation_threshold": 0.05}
    checks = assess_base_year(_inventory(base).base_year, "AR6")
    assert _codes(checks) == ["base_year_gwp_set_differs"]
    assert checks[0].size_t == pytest.approx(8.0, rel=1e-12)
    assert "+8.000 t CO2e" in checks[0].message
    # at a 0.5 % threshold the GWP change alone requires a recalculation
    checks = assess_base_year(_inventory({**base, "recalculation_threshold": 0.005}).base_year, "AR6")
    assert _codes(checks) == ["base_year_gwp_set_differs", "base_year_recalculation_required"]


def test_gwp_set_not_stated_and_unsizable_groups_are_said():
    assert _codes(assess_base_year(_inventory({"year": 2020, "total_co2e_t": 5}).base_year, "AR6")) == [
        "base_year_gwp_set_not_stated"
    ]
    inv = _inventory({"year": 2020, "total_co2e_t": 100, "gwp_set": "AR4", "by_gas": {"CO2": 90, "HFCs": 10}})
    (check,) = assess_base_year(inv.base_year, "AR6")
    assert check.size_t is None and "cannot be computed" in check.message


def test_breakdowns_must_add_up_to_the_total_within_rounding():
    ok = {"year": 2020, "total_co2e_t": 1000, "gwp_set": "AR6",
          "by_category": {1: 600.4, "2": 399.9}}  # 1000.3: within 0.5 t per part
    assert assess_base_year(_inventory(ok).base_year, "AR6") == []
    bad = {**ok, "by_category": {1: 600, 2: 300}}
    (check,) = assess_base_year(_inventory(bad).base_year, "AR6")
    assert check.code == "base_year_breakdown_inconsistent" and check.size_t == -100


@pytest.mark.parametrize(
    ("by", "code"),
    [
        ({"by_category": {1: 10, "1": 10}}, "base_year_key_once"),
        ({"by_gas": {"CO2": 1, "carbon dioxide": 1}}, "base_year_key_once"),
        ({"by_category": {7: 10}}, "less_than_equal"),
        ({"by_gas": {"HFC": 1}}, "base_year_gas_known"),
        ({"gwp_set": "AR9"}, "base_year_gwp_set_known"),
        ({"recalculations": [{"type": "merger", "effect_co2e_t": 1, "date": "2023-01-01"}]}, "literal_error"),
        ({"recalculations": [{"type": "structural", "date": "2023-01-01"}]}, "missing"),
        ({"recalculation_threshold": 5}, "less_than"),
    ],
)
def test_a_malformed_base_year_is_refused_with_its_code(by, code):
    with pytest.raises(nc.InvalidInputError) as err:
        _inventory({"year": 2020, "total_co2e_t": 10, **by})
    assert code in {i.code for i in err.value.issues}


def test_the_old_text_form_keeps_working_beside_events():
    inv = _inventory({"year": 2020, "total_co2e_t": 1000, "recalculations": ["2023: restated", ACQ_DIV[0]]})
    assert inv.base_year.notes == ("2023: restated",)
    assert [e.effect_co2e_t for e in inv.base_year.events] == [60]
