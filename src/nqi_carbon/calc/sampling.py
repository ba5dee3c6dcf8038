"""Monetary-unit sampling: the interval and the systematic selection along cumulated sizes.

Shared by the inventory's verification plan (records, t CO2e) and a product footprint's
(inputs, kg CO2e per declared unit): an item is selected when a selection point falls in
its stretch of the cumulated sizes; the points lie one interval apart from a start in
the first interval. With no misstatement expected, an interval of materiality ÷
−ln(1 − confidence) gives that confidence that no untested misstatement reaches
materiality (Poisson; the reliability factor 3.0 of audit-sampling tables at 95 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["SAMPLING_CONFIDENCE", "monetary_unit_selection", "sampling_interval"]

SAMPLING_CONFIDENCE = 0.95
"""Confidence of the monetary-unit sample that no untested misstatement reaches materiality."""


def sampling_interval(materiality: float) -> float:
    """The monetary-unit sampling interval: materiality ÷ −ln(1 − confidence).

    Poisson, no misstatement expected, :data:`SAMPLING_CONFIDENCE` 95 %: materiality ÷
    2.996 (the reliability factor 3.0 of audit-sampling tables). In the unit of
    *materiality* (t CO2e, or kg CO2e per declared unit).
    """
    return materiality / -math.log(1.0 - SAMPLING_CONFIDENCE)


def monetary_unit_selection(sizes: Sequence[float], interval: float, start: float) -> list[int]:
    """The positions of *sizes* that hold a selection point, in order.

    The points are ``start``, ``start + interval``, ...; item *k* holds the points in
    ``(sum(sizes[:k]), sum(sizes[:k + 1])]`` and is selected once however many it holds
    (an item of at least the interval always is). Sizes are non-negative.
    """
    hits: list[int] = []
    point, cumulative = start, 0.0
    for k, size in enumerate(sizes):
        cumulative += size
        if point < cumulative:
            hits.append(k)
            point += interval * (math.floor((cumulative - point) / interval) + 1)
    return hits
