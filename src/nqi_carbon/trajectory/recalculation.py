"""Base-year recalculation.

Structural and methodological changes weighed against a significance threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    pass

__all__ = ["Change", "RecalculationDecision", "assess_recalculation"]

# -- base-year recalculation ------------------------------------------------------------------
ChangeKind = Literal["structural", "methodology", "factor", "error", "organic"]


@dataclass(frozen=True)
class Change:
    """A logged change and its effect on the base-year total [t CO2e] (+ raises it)."""

    year: int
    kind: ChangeKind
    effect_t: float
    description: str


@dataclass(frozen=True)
class RecalculationDecision:
    """Whether the logged changes require restating the base year, and the restated total."""

    required: bool
    base_year_total_t: float
    cumulative_effect_t: float
    cumulative_effect_pct: float
    threshold: float
    restated_base_t: float
    reasons: list[str]
    ignored: list[str] = field(default_factory=list)


def assess_recalculation(
    base_year_total_t: float,
    changes: Sequence[Change],
    *,
    threshold: float,
    triggers: Iterable[ChangeKind] = ("structural", "methodology", "factor", "error"),
) -> RecalculationDecision:
    """Decide on base-year recalculation from a change log (GHG Protocol Corporate Standard ch. 5).

    Changes of a triggering kind count *cumulatively*: a recalculation is required when
    the absolute sum of their effects reaches ``threshold`` (a fraction of the base-year
    total, set and disclosed by the organization — 0.05 or 0.10 are common). Organic
    growth never triggers one.
    """
    if not 0 < threshold < 1:
        raise InvalidInputError(
            [Issue("threshold", "threshold is a fraction between 0 and 1", value=repr(threshold))]
        )
    kinds = set(triggers)
    counted = [c for c in changes if c.kind in kinds and c.kind != "organic"]
    ignored = [f"{c.year} {c.kind}: {c.description}" for c in changes if c not in counted]
    effect = math.fsum(c.effect_t for c in counted)
    pct = abs(effect) / abs(base_year_total_t) if base_year_total_t else math.inf
    required = pct >= threshold
    reasons = [f"{c.year} {c.kind} ({c.effect_t:+,.1f} t): {c.description}" for c in counted]
    return RecalculationDecision(
        required,
        base_year_total_t,
        effect,
        pct,
        threshold,
        base_year_total_t + effect if required else base_year_total_t,
        reasons,
        ignored,
    )
