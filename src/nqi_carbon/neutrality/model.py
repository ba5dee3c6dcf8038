"""The claim file (``schema: nqi-carbon/neutrality@1``): subject, period, plan, reductions, credits.

A carbon-neutrality claim names its **subject** — an organisation whose ISO 14064-1
inventory file is calculated here, or a footprint stated with its 95 % interval — the
**period**, the claimant's **commitment** and **management plan** (base year, targets),
the **reductions** achieved, optionally the **residual emissions** as the claimant states
them (recomputed and compared), and the **credits** retired to offset the residual:
registry, project, serial range, vintage, type (avoidance or removal, and how long a
removal is expected to last), retirement date, evidence and beneficiary.

Every model refuses unknown keys, takes numbers strictly and checks one rule per named
validator (its name is the reason code); see ``docs/reference/neutrality.md``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..data.fields import (
    FreeText,
    Identifier,
    NonNegativeFloat,
    RuleError,
    SingleLineText,
    StrictModel,
)
from ..inventory.models import Period

__all__ = [
    "SCHEMA",
    "Assumptions",
    "BoundaryElement",
    "Claim",
    "ClaimVerification",
    "Credit",
    "ManagementPlan",
    "Reduction",
    "Serial",
    "StatedFootprint",
    "Subject",
    "Target",
    "load_claim",
]

SCHEMA = "nqi-carbon/neutrality@1"

Registry = Literal[
    "VCS",
    "Gold Standard",
    "CDM",
    "CCER",
    "Article 6",
    "China ETS allowance",
    "pilot ETS allowance",
    "Puhui",
    "new forestry project",
    "other",
]
"""The programmes a credit may come from (``other`` names its programme): crediting
programmes, allowances of China's national or a pilot ETS (碳排放配额), carbon-inclusion
reductions (碳普惠, ``Puhui``) and the sink of a new forestry project (新建林业项目碳汇)."""

Criteria = Literal["iso-14068-1", "pas-2060", "cn-large-event"]

BoundaryElementName = Literal[
    "venue_energy", "travel", "accommodation", "catering", "materials", "waste"
]
"""The elements of an event's boundary."""

Year = Annotated[int, Field(strict=True, ge=1990, le=2100)]

SerialNumber = Annotated[int, Field(strict=True, ge=0, le=10**15)]
"""A serial number within a block: a whole number, at most 10^15 (one per tonne)."""


class StatedFootprint(StrictModel):
    """A footprint stated by the claimant, t CO2e, with its 95 % interval."""

    value_t: NonNegativeFloat
    low_t: NonNegativeFloat
    high_t: NonNegativeFloat
    source: FreeText = Field(min_length=1)

    @model_validator(mode="after")
    def footprint_interval_ordered(self) -> StatedFootprint:
        """``low_t <= value_t <= high_t``."""
        if not self.low_t <= self.value_t <= self.high_t:
            raise RuleError(
                "footprint_interval_ordered",
                "the interval must hold the value: low_t <= value_t <= high_t",
            )
        return self


class BoundaryElement(StrictModel):
    """One element of an event's boundary: the inventory's sources in it, or why it is out."""

    sources: tuple[Identifier, ...] = ()
    excluded: FreeText | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def boundary_element_fits(self) -> BoundaryElement:
        """Either ``sources`` (at least one) or ``excluded`` (a reason), not both."""
        if bool(self.sources) == (self.excluded is not None):
            raise RuleError(
                "boundary_element_fits",
                "an element of the boundary lists its 'sources' or gives the reason it is "
                "'excluded' (one of the two)",
            )
        return self


_SUBJECT_FIELDS = {
    "organisation": ("inventory", "scope2"),
    "building": ("inventory", "scope2"),
    "event": ("inventory", "boundary"),
    "footprint": ("footprint", "removals_t"),
}


class Subject(StrictModel):
    """What the claim is about: an organisation's or an event's inventory, or a stated footprint.

    ``kind: organisation`` (or ``building``, a building's operational boundary) names its
    ISO 14064-1 ``inventory`` file (calculated here with Approach 1 uncertainty;
    ``scope2`` picks the location- or market-based total, location by default);
    ``kind: event`` names the inventory of the event (its activity data
    through the packs' factors) and its ``boundary``: which of the inventory's sources are
    venue energy, travel, accommodation, catering, materials and waste, or why an element
    is excluded; ``kind: footprint`` states the ``footprint`` with its 95 % interval and
    the ``removals_t`` within its boundary.
    """

    kind: Literal["organisation", "building", "event", "footprint"]
    name: SingleLineText = Field(min_length=1)
    inventory: SingleLineText | None = Field(default=None, min_length=1)
    scope2: Literal["location_based", "market_based"] | None = None
    boundary: dict[BoundaryElementName, BoundaryElement] | None = None
    footprint: StatedFootprint | None = None
    removals_t: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def subject_fields_fit(self) -> Subject:
        """Each kind gives its own fields (only): inventory; inventory and boundary; footprint."""
        own = _SUBJECT_FIELDS[self.kind]
        need = own[:2] if self.kind == "event" else own[:1]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise RuleError(
                "subject_fields_fit", f"a subject of kind {self.kind} needs {missing[0]!r}"
            )
        other = [
            k
            for k in ("inventory", "scope2", "boundary", "footprint", "removals_t")
            if k not in own and getattr(self, k) is not None
        ]
        if other:
            raise RuleError(
                "subject_fields_fit",
                f"a subject of kind {self.kind} takes no {', '.join(map(repr, other))}",
            )
        return self


class Target(StrictModel):
    """A reduction target of the management plan: a share of the base year by a year."""

    year: Year
    reduction: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
    description: FreeText | None = None


class ManagementPlan(StrictModel):
    """The carbon-neutrality management plan: base year, its emissions, the targets."""

    base_year: Year
    base_year_emissions_t: NonNegativeFloat | None = None
    targets: tuple[Target, ...] = Field(min_length=1)
    description: FreeText | None = None

    @model_validator(mode="after")
    def targets_after_base_year(self) -> ManagementPlan:
        """Each target year comes after the base year."""
        early = sorted({t.year for t in self.targets if t.year <= self.base_year})
        if early:
            raise RuleError(
                "targets_after_base_year",
                f"target years {', '.join(map(str, early))} are not after the base year "
                f"{self.base_year}",
            )
        return self


class Reduction(StrictModel):
    """A reduction measure achieved, with its effect as the claimant states it."""

    id: Identifier
    description: FreeText = Field(min_length=1)
    amount_t: NonNegativeFloat
    evidence: FreeText | None = None


class Serial(StrictModel):
    """A serial range of a block: ``start`` to ``end`` inclusive, one serial per tonne."""

    block: SingleLineText = Field(min_length=1)
    start: SerialNumber
    end: SerialNumber

    @model_validator(mode="after")
    def serial_range_ordered(self) -> Serial:
        """``start <= end``."""
        if self.start > self.end:
            raise RuleError(
                "serial_range_ordered", "a serial range runs from start to end >= start"
            )
        return self

    @property
    def count(self) -> int:
        """The number of serials (tonnes) in the range."""
        return self.end - self.start + 1


class Credit(StrictModel):
    """A retired carbon credit block."""

    registry: Registry
    registry_name: SingleLineText | None = None
    project: SingleLineText = Field(min_length=1)
    serial: Serial
    vintage: Year
    type: Literal["avoidance", "removal"]
    permanence_years: Annotated[int, Field(strict=True, ge=0, le=100_000)] | None = None
    retired_on: _dt.date
    retirement_evidence: FreeText = Field(min_length=1)
    beneficiary: SingleLineText = Field(min_length=1)
    verified_by: SingleLineText | None = Field(default=None, min_length=1)
    """The independent third party that verified the project's reductions or removals."""
    additionality: FreeText | None = Field(default=None, min_length=1)
    """How the project's additionality was demonstrated (methodology, tool)."""
    reversal_risk: FreeText | None = Field(default=None, min_length=1)
    """For a removal: how the risk of reversal is managed (buffer pool, insurance...)."""
    host_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """The project's host country (ISO 3166-1 alpha-2)."""
    approved_by: SingleLineText | None = Field(default=None, min_length=1)
    """For carbon-inclusion (Puhui) reductions: the authority that approved them."""

    @model_validator(mode="after")
    def credit_fields_fit(self) -> Credit:
        """A removal states its permanence, an avoidance does not; ``other`` names its registry."""
        if self.type == "removal" and self.permanence_years is None:
            raise RuleError(
                "credit_fields_fit",
                "a removal credit states 'permanence_years' (how long it lasts)",
            )
        if self.type == "avoidance" and (
            self.permanence_years is not None or self.reversal_risk is not None
        ):
            raise RuleError(
                "credit_fields_fit",
                "'permanence_years' and 'reversal_risk' apply to removal credits only",
            )
        if (self.registry == "other") != (self.registry_name is not None):
            raise RuleError(
                "credit_fields_fit", "give 'registry_name' when (and only when) registry is 'other'"
            )
        return self


class Assumptions(StrictModel):
    """The rules of the evaluation that the standards' texts do not fix here (all stated).

    ``None`` takes the default of the chosen criteria (:data:`DEFAULTS`).
    """

    coverage: Literal["upper_95", "central"] = "upper_95"
    vintage_max_age_years: Annotated[int, Field(strict=True, ge=0, le=100)] | None = None
    retire_within_months: Annotated[int, Field(strict=True, ge=0, le=120)] | None = None
    min_removal_share: Annotated[float, Field(strict=True, ge=0, le=1)] | None = None


class ClaimVerification(StrictModel):
    """The third party that verified the claimant's carbon-neutrality report, and its statement."""

    body: SingleLineText = Field(min_length=1)
    statement: FreeText = Field(min_length=1)
    date: _dt.date


class Claim(StrictModel):
    """A carbon-neutrality claim (``schema: nqi-carbon/neutrality@1``)."""

    schema_: Literal["nqi-carbon/neutrality@1"] = Field(alias="schema")
    claimant: SingleLineText = Field(min_length=1)
    claim_date: _dt.date
    criteria: Criteria = "iso-14068-1"
    language: Literal["en", "zh", "en+zh"] = "en"
    subject: Subject
    period: Period
    commitment: FreeText = Field(min_length=1)
    management_plan: ManagementPlan
    reductions: tuple[Reduction, ...] = ()
    residual_emissions_t: NonNegativeFloat | None = None
    credits: tuple[Credit, ...] = ()
    first_application_period: Annotated[bool, Field(strict=True)] = False
    """PAS 2060: the first period of application (offsetting alone is allowed only then)."""
    qualifying_explanatory_statement: FreeText | None = Field(default=None, min_length=1)
    """PAS 2060: the qualifying explanatory statement (QES) supporting the declaration."""
    verification: ClaimVerification | None = None
    assumptions: Assumptions = Assumptions()

    @model_validator(mode="after")
    def reduction_ids_unique(self) -> Claim:
        """Reduction ids are unique."""
        from collections import Counter

        dup = sorted(i for i, n in Counter(r.id for r in self.reductions).items() if n > 1)
        if dup:
            raise RuleError("reduction_ids_unique", f"reduction ids appear twice: {', '.join(dup)}")
        return self


def load_claim(source: str | Path | dict[str, Any] | Claim) -> tuple[Claim, str | None, str]:
    """Read and validate a claim file (or mapping): ``(claim, path, SHA-256 of the input)``.

    Raises
    ------
    InvalidInputError
        Every problem of the file at once (field, value, what is allowed, reason code).
    """
    from ..data.packs import load_schema_document

    return load_schema_document(
        source,
        Claim,
        schema=SCHEMA,
        code="neutrality_schema",
        what="carbon-neutrality claim file",
        field="claim",
        where="evaluate_neutrality()",
    )
