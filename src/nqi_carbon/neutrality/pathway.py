"""The 1.5 °C pathway of a management plan: each target against a linear absolute contraction.

The pathway is computed here, not by :mod:`nqi_carbon.trajectory`: ``trajectory`` is a
capability like this one (capabilities do not import each other), and the arithmetic is
one line — the base year's emissions reduced by a fixed share of them each year,
``E(Y) = E0 (1 - r (Y - Y0))``, floored at zero. The rate ``r`` and its citation are data
(``criteria.yaml``, ``pathway``), as is whether a criteria set requires the check.
"""

from __future__ import annotations

from dataclasses import dataclass

from .criteria import table
from .model import ManagementPlan

__all__ = ["PathwayPoint", "pathway_points", "pathway_reduction"]


def pathway_reduction(base_year: int, year: int, rate: float) -> float:
    """The pathway's reduction on the base year by *year*: ``min(1, rate (year - base_year))``."""
    return min(1.0, max(0.0, rate * (year - base_year)))


@dataclass(frozen=True)
class PathwayPoint:
    """A target of the plan beside the pathway for its year."""

    year: int
    target_reduction: float
    pathway_reduction: float
    target_t: float | None
    pathway_t: float | None

    @property
    def consistent(self) -> bool:
        """The target is at least as deep as the pathway (within 1e-9 for rounding)."""
        return self.target_reduction >= self.pathway_reduction - 1e-9


def pathway_points(plan: ManagementPlan, base_t: float | None) -> list[PathwayPoint]:
    """Each target of *plan* with the pathway's reduction and, if *base_t* is known, tonnes."""
    rate = table().pathway.annual_reduction
    out = []
    for t in sorted(plan.targets, key=lambda t: t.year):
        p = pathway_reduction(plan.base_year, t.year, rate)
        out.append(
            PathwayPoint(
                t.year,
                t.reduction,
                p,
                None if base_t is None else base_t * (1 - t.reduction),
                None if base_t is None else base_t * (1 - p),
            )
        )
    return out
