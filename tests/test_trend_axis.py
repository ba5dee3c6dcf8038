"""The trajectory chart's y axis: round ticks with thousands separators and a unit (issue 21)."""

from __future__ import annotations

import re

from nqi_carbon.pages.charts import svg_trend

_TICK = re.compile(r'<text x="74" y="[0-9.]+" font-size="10" text-anchor="end">([^<]+)</text>')


def _axis_labels(svg: str) -> list[str]:
    return _TICK.findall(svg)


def test_trend_ticks_are_round_with_separators_and_unit() -> None:
    # actuals peaking at 1,083,004 t: the old axis split 1.05 x the peak in quarters
    # (0, 284,289, 568,577, 852,866, 1,137,155) with no unit
    svg = svg_trend({2019: 1_000_000.0, 2020: 1_083_004.0, 2021: 950_000.0})
    assert _axis_labels(svg) == [
        "0",
        "200,000",
        "400,000",
        "600,000",
        "800,000",
        "1,000,000",
        "1,200,000",
        "t CO2e",
    ]


def test_trend_ticks_for_a_small_range() -> None:
    # a peak of 37 t: 37 / 6 = 6.2 t a step, the next of 1, 2, 5 x 10^k is 10: ticks 0 to 40
    svg = svg_trend({2020: 30.0, 2021: 37.0})
    assert _axis_labels(svg) == ["0", "10", "20", "30", "40", "t CO2e"]
