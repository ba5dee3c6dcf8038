"""Base-year recalculation.

Structural and methodological changes weighed against a significance threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InvalidInputError, Issue
from ..inventory.base_year import RECALCULATION_TRIGGERS, ChangeKind, policy_test

__all__ = ["Change", "RecalculationDecision", "assess_recalculation"]

# -- base-year recalculation ------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A logged change and its effect on the base-year total [t CO2e] (+ raises it)."""

    year: int
    kind: ChangeKind
    effect_t: float
    description: str


@dataclass(frozen=True)
class RecalculationDecision:
    """Whether the logged changes require restating the base year, and the restated total.

    ``cumulative_effect_t`` is the net effect of the counted changes (what the restated
    base adds) and ``cumulative_effect_pct`` its size as a **fraction** of the base-year
    total; the decision rests on ``largest_effect_fraction`` (one change alone) and
    ``gross_effect_fraction`` (Σ|effect|), never on the net. ``significant`` names the
    changes that reach the threshold on their own.
    """

    required: bool
    base_year_total_t: float
    cumulative_effect_t: float
    cumulative_effect_pct: float
    threshold: float
    restated_base_t: float
    reasons: list[str]
    ignored: list[str] = field(default_factory=list)
    gross_effect_t: float = 0.0
    gross_effect_fraction: float = 0.0
    largest_effect_fraction: float = 0.0
    significant: list[str] = field(default_factory=list)


def assess_recalculation(
    base_year_total_t: float,
    changes: Sequence[Change],
    *,
    threshold: float,
    triggers: Iterable[ChangeKind] = RECALCULATION_TRIGGERS,
) -> RecalculationDecision:
    """Decide on base-year recalculation from a change log (GHG Protocol Corporate Standard ch. 5).

    Changes of a triggering kind are weighed **singly and cumulatively** against
    ``threshold`` (a fraction of the base-year total, set and disclosed by the
    organization — 0.05 or 0.10 are common): a recalculation is required when one change
    alone, or the gross sum of their absolute effects, reaches it. Their net is not the
    test: a +6 % acquisition and a −6 % divestment are each significant at 5 % although
    they net to zero (:func:`nqi_carbon.inventory.base_year.policy_test`). The restated
    base adds the net effect. Organic growth never triggers one.
    """
    if not 0 < threshold < 1:
        raise InvalidInputError(
            [Issue("threshold", "threshold is a fraction between 0 and 1", value=repr(threshold))]
        )
    kinds = set(triggers)
    counted = [c for c in changes if c.kind in kinds and c.kind != "organic"]
    ignored = [f"{c.year} {c.kind}: {c.description}" for c in changes if c not in counted]
    test = policy_test(base_year_total_t, [c.effect_t for c in counted], threshold)
    reasons = [f"{c.year} {c.kind} ({c.effect_t:+,.1f} t): {c.description}" for c in counted]
    return RecalculationDecision(
        test.required,
        base_year_total_t,
        test.net_t,
        test.net_fraction,
        threshold,
        base_year_total_t + test.net_t if test.required else base_year_total_t,
        reasons,
        ignored,
        test.gross_t,
        test.gross_fraction,
        test.largest_fraction,
        [reasons[i] for i in test.significant],
    )
