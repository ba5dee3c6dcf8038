"""Verifying a carbon-neutrality claim: the figures it states against materiality, an opinion.

:func:`claim_opinion` takes a claim already evaluated (the footprint recomputed from the
inventory, every credit and rule re-checked) and weighs what the claim states — the
residual emissions and the base year's emissions of its management plan — against the
recomputed figures, at a materiality the verifier sets (a share of the recomputed
footprint). In a verification this weighing takes the place of the evaluation's fixed
0.5 t tolerance (``neutrality_residual_mismatch``). The opinion, first match:

- **disclaimer**: the footprint is stated in the claim, not computed here from an
  inventory, so it could not be recomputed (a limitation of scope);
- **adverse**: a rule of the criteria fails (the claim cannot be made), or a misstatement
  reaches ``pervasive_multiple`` × materiality;
- **modified** (qualified): a misstatement reaches materiality;
- **unmodified** otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..data.fields import real_or_nan
from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    from .evaluate import Evaluated

__all__ = ["ClaimOpinion", "Misstatement", "claim_opinion", "materiality_fraction"]

Opinion = Literal["unmodified", "modified", "adverse", "disclaimer"]
Assurance = Literal["reasonable", "limited"]

PERVASIVE_MULTIPLE = 2.0
"""A misstatement this many times materiality is pervasive (as ``nc.verify``'s default)."""


@dataclass(frozen=True)
class Misstatement:
    """A figure the claim states against the recomputed figure, t CO2e."""

    figure: str
    stated_t: float
    recomputed_t: float
    material: bool
    pervasive: bool

    @property
    def difference_t(self) -> float:
        """Stated minus recomputed (positive: overstated)."""
        return self.stated_t - self.recomputed_t


@dataclass(frozen=True)
class ClaimOpinion:
    """The verifier's opinion on a claim and what it rests on."""

    opinion: Opinion
    assurance: Assurance
    materiality: float
    materiality_t: float
    misstatements: tuple[Misstatement, ...]
    basis: str
    verifier: str | None
    body: str | None
    date: _dt.date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (the ``verification_opinion`` of ``neutrality.json``)."""
        return {
            "opinion": self.opinion,
            "assurance": self.assurance,
            "materiality": self.materiality,
            "materiality_t": self.materiality_t,
            "pervasive_multiple": PERVASIVE_MULTIPLE,
            "misstatements": [
                {
                    "figure": m.figure,
                    "stated_t": m.stated_t,
                    "recomputed_t": m.recomputed_t,
                    "difference_t": m.difference_t,
                    "material": m.material,
                    "pervasive": m.pervasive,
                }
                for m in self.misstatements
            ],
            "basis": self.basis,
            "verifier": self.verifier,
            "body": self.body,
            "date": None if self.date is None else self.date.isoformat(),
        }


def materiality_fraction(materiality: Any) -> float:
    """A fraction in (0, 1) from ``0.05`` or ``"5%"``.

    Raises
    ------
    InvalidInputError
        ``materiality``: anything else.
    """
    value = real_or_nan(materiality)
    if isinstance(materiality, str):
        key = materiality.strip()
        with contextlib.suppress(ValueError):
            value = float(key.rstrip("%")) / (100 if key.endswith("%") else 1)
    if not 0 < value < 1:
        raise InvalidInputError(
            [
                Issue(
                    "materiality",
                    "materiality must be a fraction between 0 and 1",
                    field="materiality",
                    value=repr(materiality)[:80],
                    allowed="a fraction such as 0.05, or '5%'",
                )
            ],
            source="verify_neutrality()",
        )
    return value


def _stated_figures(ev: Evaluated) -> list[tuple[str, float, float]]:
    """``(figure, stated, recomputed)`` for each figure the claim states and nqi-carbon recomputes."""
    claim, fp = ev.claim, ev.footprint
    out = []
    if claim.residual_emissions_t is not None:
        central = max(fp.value_t - fp.removals_t, 0.0)
        out.append(("residual_emissions_t", claim.residual_emissions_t, central))
    stated_base = claim.management_plan.base_year_emissions_t
    if stated_base is not None and fp.base_year_emissions_t is not None:
        out.append(("base_year_emissions_t", stated_base, fp.base_year_emissions_t))
    return out


def claim_opinion(
    ev: Evaluated,
    *,
    materiality: float,
    assurance: Assurance,
    verifier: str | None = None,
    body: str | None = None,
    date: _dt.date | None = None,
) -> ClaimOpinion:
    """The opinion on the evaluated claim *ev*; its residual refusal is weighed instead.

    Removes ``neutrality_residual_mismatch`` from ``ev.refusals`` (the misstatement is
    weighed against materiality here) and returns the opinion.
    """
    m_t = materiality * ev.footprint.value_t
    found = tuple(
        Misstatement(
            fig,
            stated,
            recomputed,
            abs(stated - recomputed) >= m_t,
            abs(stated - recomputed) >= PERVASIVE_MULTIPLE * m_t,
        )
        for fig, stated, recomputed in _stated_figures(ev)
    )
    ev.refusals = [i for i in ev.refusals if i.code != "neutrality_residual_mismatch"]
    opinion, basis = _decide(ev, found, m_t)
    return ClaimOpinion(opinion, assurance, materiality, m_t, found, basis, verifier, body, date)


def _decide(ev: Evaluated, found: tuple[Misstatement, ...], m_t: float) -> tuple[Opinion, str]:
    if ev.claim.subject.kind == "footprint":
        return (
            "disclaimer",
            "The footprint is stated in the claim, not computed from an inventory: it could "
            "not be recomputed, and no opinion is expressed.",
        )
    if ev.refusals:
        codes = ", ".join(sorted({i.code for i in ev.refusals}))
        return (
            "adverse",
            f"The claim cannot be made: {len(ev.refusals)} rule(s) of the criteria fail ({codes}).",
        )
    pervasive = [m.figure for m in found if m.pervasive]
    material = [m.figure for m in found if m.material]
    if pervasive:
        return (
            "adverse",
            f"Misstated by at least {PERVASIVE_MULTIPLE:g} x materiality "
            f"({m_t:,.3f} t): {', '.join(pervasive)}.",
        )
    if material:
        return (
            "modified",
            f"Except for the misstatement of {', '.join(material)} (at least the "
            f"materiality of {m_t:,.3f} t), the claim is fairly stated.",
        )
    return (
        "unmodified",
        f"The footprint was recomputed, every credit and rule re-checked, and no stated "
        f"figure is misstated by the materiality of {m_t:,.3f} t or more.",
    )
