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
