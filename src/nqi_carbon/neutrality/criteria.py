"""The criteria sets a claim names, read from the package's data file ``criteria.yaml``.

Every rule a claim is checked against — its reason code, clause or article, requirement
(English and Chinese), the page it was read in and how far it is confirmed — and the
parameters of each set (vintage and retirement windows, the accepted registries, whether
the 1.5 °C pathway applies, the pathway's rate) live in the data file, not in code; the
checks themselves are in :mod:`.rules` and :mod:`.evaluate`, one per reason code. The
file is read once, on first use (``import nqi_carbon`` reads nothing).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import Field

from ..data.fields import FreeText, SingleLineText, StrictModel

__all__ = [
    "CRITERIA_FILE",
    "CriteriaSet",
    "CriteriaTable",
    "Pathway",
    "Rule",
    "criteria_set",
    "table",
]

CRITERIA_FILE = "criteria.yaml"

Status = Literal["secondary", "reprint", "to_confirm", "nqi"]
"""How far a rule is confirmed (see the head of ``criteria.yaml``)."""


class Rule(StrictModel):
    """One requirement of a criteria set and the reason code of its check."""

    code: SingleLineText
    clause: SingleLineText
    requirement: FreeText
    requirement_zh: FreeText
    url: SingleLineText | None
    status: Status


class Pathway(StrictModel):
    """The 1.5 °C pathway: a linear absolute contraction of the base year's emissions."""

    name: SingleLineText
    annual_reduction: Annotated[float, Field(strict=True, gt=0, lt=1)]
    basis: FreeText
    url: SingleLineText
    status: Status


class CriteriaSet(StrictModel):
    """A criteria set: its title, parameters and rules."""

    title: SingleLineText
    title_zh: SingleLineText
    vintage_max_age_years: Annotated[int, Field(strict=True, ge=0)]
    retire_within_months: Annotated[int, Field(strict=True, ge=0)]
    retirement_anchor: Literal["period_end", "claim_date"]
    """``period_end``: retired at most N months after the period ends; ``claim_date``: at
    most N months before the claim (declaration) date."""
    pathway_required: bool
    accepted_registries: tuple[SingleLineText, ...] | None
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def codes(self) -> frozenset[str]:
        """The reason codes of the set's rules."""
        return frozenset(r.code for r in self.rules)


class CriteriaTable(StrictModel):
    """The whole data file."""

    schema_: Literal["nqi-carbon/neutrality-criteria@1"] = Field(alias="schema")
    pathway: Pathway
    criteria: dict[Literal["iso-14068-1", "pas-2060", "cn-large-event"], CriteriaSet]


@cache
def table() -> CriteriaTable:
    """The criteria file, read and validated once (the installation's own data)."""
    from importlib import resources

    from .._io.yaml import load_yaml_text
    from ..data.packs import validate_document
    from ..limits import Limits

    raw = (resources.files(__package__) / CRITERIA_FILE).read_bytes()
    trusted = Limits()
    data = load_yaml_text(
        raw,
        source=CRITERIA_FILE,
        max_bytes=trusted.max_document_bytes,
        max_nodes=trusted.max_nodes,
        max_depth=trusted.max_depth,
    )
    return validate_document(CriteriaTable, data, file=CRITERIA_FILE)


def criteria_set(name: str) -> CriteriaSet:
    """The criteria set *name* (``iso-14068-1``, ``pas-2060``, ``cn-large-event``)."""
    return table().criteria[name]  # type: ignore[index]
