"""The footprint file (``schema: nqi-carbon/footprint@1``): a product's carbon footprint study.

A product carbon footprint (ISO 14067:2018) is stated **per declared or functional unit**
of a **product** within a **system boundary** (cradle-to-gate, cradle-to-grave,
gate-to-gate) over a **reference period**. Its emissions come from:

* **inputs** per declared unit — materials, energy, transport, waste, packaging, process
  emissions, land-use change — each an amount and unit with EITHER a ``factor`` from the
  factor packs (``cn-mee/grid/national/2022``, resolved and unit-checked as in an
  inventory) OR a ``supplier_footprint`` (the supplier's own PCF, e.g. imported from a
  PACT ``ProductFootprint``);
* a **plant**: the emissions of a facility (or of some of its sources, the process) in
  an ISO 14064-1 inventory, calculated from the same evidence, allocated to the products
  the plant makes by a stated **allocation** rule (ISO 14067 clause 6.4.6 / ISO 14044
  clause 4.3.4.2: subdivision or system expansion first, then a physical relationship,
  then economic value — an economic allocation must say why a physical one is not used).

The study also states its cut-off and exempted share, the biogenic carbon content and
uptake, and per input the data quality and whether the data are primary.

Every model refuses unknown keys, takes numbers strictly and checks one rule per named
validator (its name is the reason code); see ``docs/reference/footprint.md``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ..data.factor_schema import FactorEntry
from ..data.fields import (
    FiniteFloat,
    FreeText,
    Identifier,
    NonNegativeFloat,
    RuleError,
    SingleLineText,
    StrictModel,
    Uncertainty,
)
from ..inventory.models import Period

__all__ = [
    "BOUNDARY_STAGES",
    "SCHEMA",
    "STAGES",
    "Allocation",
    "Amount",
    "Biogenic",
    "CutOff",
    "DataQuality",
    "DeclaredUnit",
    "EconomicValue",
    "FootprintStudy",
    "Input",
    "Plant",
    "PlantProduct",
    "Product",
    "Study",
    "SupplierFootprint",
    "SupplierSource",
    "load_footprint",
]

SCHEMA = "nqi-carbon/footprint@1"

Boundary = Literal["cradle_to_gate", "cradle_to_grave", "gate_to_gate"]
Stage = Literal["raw_material_acquisition", "production", "distribution", "use", "end_of_life"]
STAGES: tuple[Stage, ...] = (
    "raw_material_acquisition",
    "production",
    "distribution",
    "use",
    "end_of_life",
)
"""The life-cycle stages of a CFP study (ISO 14067:2018), in order."""

BOUNDARY_STAGES: dict[str, tuple[Stage, ...]] = {
    "cradle_to_gate": ("raw_material_acquisition", "production"),
    "gate_to_gate": ("production",),
    "cradle_to_grave": STAGES,
}
"""The stages each system boundary takes in (cradle-to-gate ends at the factory gate)."""

InputKind = Literal[
    "material",
    "energy",
    "transport",
    "waste",
    "packaging",
    "process",
    "land_use_change",
    "avoided_product",
]
"""What an input is. ``process``: direct emissions of a process per declared unit;
``land_use_change``: direct land-use change emissions (kept apart, reported as ISO 14067 clause 7 asks);
``avoided_product``: the product a co-product displaces under system expansion (its
emissions are subtracted; only with ``allocation.rule: system_expansion``)."""

TransportMode = Literal["road", "rail", "sea", "inland_waterway", "air", "pipeline", "other"]

Percent = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
DQR = Annotated[float, Field(strict=True, ge=1, le=5, allow_inf_nan=False)]
"""A data-quality rating from 1 (best) to 5, the range of the PACT Technical Specifications
v3.0.3 (``DataQualityRating``: each rating between 1 and 5; its example 2 rates 4.1)."""


def _unit(text: str) -> str:
    from ..errors import NqiCarbonError
    from ..units import parse_unit

    try:
        parse_unit(text)
    except NqiCarbonError as exc:
        raise RuleError("unit_known", str(exc)) from None
    return text


class Amount(StrictModel):
    """An amount with its unit (any unit of the unit grammar: ``t``, ``kWh``, ``t*km``)."""

    amount: NonNegativeFloat
    unit: SingleLineText = Field(min_length=1)

    @field_validator("unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The unit parses (``docs/reference/units.md``)."""
        return _unit(v)


class DeclaredUnit(StrictModel):
    """The declared (or functional) unit the footprint is stated for: ``1 t`` of cement.

    ``kind: functional`` when the unit is a function delivered (cradle-to-grave studies,
    ISO 14067), with its ``description``.
    """

    amount: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
    unit: SingleLineText = Field(min_length=1)
    kind: Literal["declared", "functional"] = "declared"
    description: FreeText | None = None

    @field_validator("unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The unit parses."""
        return _unit(v)


class Product(StrictModel):
    """The product studied: an id, a name, optionally a classification code (CPC, HS)."""

    id: Identifier
    name: SingleLineText = Field(min_length=1)
    description: FreeText | None = None
    classification: SingleLineText | None = None


class SupplierSource(StrictModel):
    """Where a supplier footprint comes from (``kind: pact`` for a PACT ProductFootprint)."""

    kind: SingleLineText = Field(min_length=1)
    id: SingleLineText | None = None
    company: SingleLineText | None = None
    product: SingleLineText | None = None
    spec_version: SingleLineText | None = None


class SupplierFootprint(StrictModel):
    """A supplier's product footprint used as an input's emissions.

    Every figure is kg CO2e per ``declared_unit`` of the supplier's product. ``value`` is
    the footprint excluding biogenic emissions and removals (fossil and land-use change;
    PACT's ``pcfExcludingBiogenicUptake`` also counts biogenic emissions, which
    :func:`nqi_carbon.read_pact` moves to ``biogenic_emissions``); ``biogenic_removals`` are zero or negative (a
    removal is written with a minus sign); ``primary_data_share`` is in percent.
    """

    value: NonNegativeFloat
    value_including_biogenic: FiniteFloat | None = None
    declared_unit: SingleLineText = Field(min_length=1)
    fossil_ghg: NonNegativeFloat | None = None
    biogenic_emissions: NonNegativeFloat | None = None
    biogenic_removals: Annotated[float, Field(strict=True, le=0, allow_inf_nan=False)] | None = None
    land_use_change: NonNegativeFloat | None = None
    aircraft: NonNegativeFloat | None = None
    primary_data_share: Percent | None = None
    dqr: DQR | None = None
    reference_period_start: _dt.date | None = None
    reference_period_end: _dt.date | None = None
    source: SupplierSource

    @field_validator("declared_unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The supplier's declared unit parses."""
        return _unit(v)

    @model_validator(mode="after")
    def supplier_parts_fit(self) -> SupplierFootprint:
        """Aircraft and land-use change are parts of ``value``; the period ends after it starts."""
        for name in ("aircraft", "land_use_change", "fossil_ghg"):
            part = getattr(self, name)
            if part is not None and part > self.value * (1 + 1e-9) + 1e-12:
                raise RuleError(
                    "supplier_parts_fit",
                    f"{name} ({part}) is a part of value ({self.value}) and cannot exceed it",
                )
        s, e = self.reference_period_start, self.reference_period_end
        if s is not None and e is not None and e <= s:
            raise RuleError(
                "supplier_parts_fit",
                f"reference_period_end {e} is not after reference_period_start {s} "
                "(the end is exclusive)",
            )
        return self


class DataQuality(StrictModel):
    """Data-quality ratings of an input, 1 (best) to 3 (PACT Methodology v3 DQIs)."""

    technological: DQR | None = None
    temporal: DQR | None = None
    geographical: DQR | None = None
    completeness: DQR | None = None
    reliability: DQR | None = None

    @property
    def dqr(self) -> float | None:
        """The mean of the ratings given (None when none is)."""
        given = [v for v in self.model_dump().values() if v is not None]
        return sum(given) / len(given) if given else None


class Input(StrictModel):
    """One input per declared unit: an amount and its factor, or a supplier footprint."""

    id: Identifier
    name: SingleLineText | None = None
    kind: InputKind
    stage: Stage
    amount: NonNegativeFloat
    unit: SingleLineText = Field(min_length=1)
    factor: SingleLineText | None = Field(default=None, min_length=1)
    supplier_footprint: SupplierFootprint | None = None
    uncertainty: Uncertainty | None = None
    transport_mode: TransportMode | None = None
    primary: bool = False
    data_quality: DataQuality | None = None
    evidence: FreeText | None = None
    description: FreeText | None = None

    @field_validator("unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The unit parses."""
        return _unit(v)

    @model_validator(mode="after")
    def input_source_one(self) -> Input:
        """Exactly one of ``factor`` and ``supplier_footprint``."""
        if (self.factor is None) == (self.supplier_footprint is None):
            raise RuleError(
                "input_source_one",
                "an input gives exactly one of 'factor' (a pack or inline factor) and "
                "'supplier_footprint'",
            )
        return self

    @model_validator(mode="after")
    def transport_mode_fits(self) -> Input:
        """``transport_mode`` is given for transport inputs only."""
        if self.transport_mode is not None and self.kind != "transport":
            raise RuleError(
                "transport_mode_fits", "'transport_mode' applies to inputs of kind transport"
            )
        return self

    @property
    def aircraft(self) -> bool:
        """Whether this input is transport by aircraft (its emissions are reported apart)."""
        return self.transport_mode == "air"


class EconomicValue(StrictModel):
    """The economic value of a product's output over the period: an amount and a currency."""

    amount: NonNegativeFloat
    currency: SingleLineText = Field(min_length=1)


class PlantProduct(StrictModel):
    """A product of the plant: its output over the reference period, and its allocation keys.

    ``mass`` defaults to ``output`` when the output is a mass; ``energy`` is the energy
    content of the output (e.g. its heating value); ``economic_value`` its sales value.
    """

    id: Identifier
    name: SingleLineText | None = None
    output: Amount
    mass: Amount | None = None
    energy: Amount | None = None
    economic_value: EconomicValue | None = None

    @model_validator(mode="after")
    def output_positive(self) -> PlantProduct:
        """A product's output is more than zero (the footprint divides by it)."""
        if self.output.amount <= 0:
            raise RuleError("output_positive", "a product's output over the period is above zero")
        return self


class Plant(StrictModel):
    """Emissions from an ISO 14064-1 inventory, allocated to the plant's products.

    ``inventory`` is the inventory file (read from this file's folder, confined as
    activity files are); ``facility`` the facility whose emissions are shared; ``sources``
    (optional) the sources that make up the process — all the facility's sources when
    empty. ``products`` lists what the facility (or process) makes over the inventory's
    period, this footprint's ``product`` among them. ``amount`` is how much of that
    product goes into one declared unit (0.75 t of clinker per t of cement); by default
    the declared unit is the plant's product itself.
    """

    inventory: SingleLineText = Field(min_length=1)
    facility: Identifier
    sources: tuple[Identifier, ...] = ()
    stage: Stage = "production"
    product: Identifier
    amount: Amount | None = None
    products: tuple[PlantProduct, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def plant_products_fit(self) -> Plant:
        """Product ids are unique and ``product`` is one of them."""
        counts = Counter(p.id for p in self.products)
        dup = sorted(i for i, n in counts.items() if n > 1)
        if dup:
            raise RuleError("plant_products_fit", f"product ids appear twice: {', '.join(dup)}")
        if self.product not in counts:
            raise RuleError(
                "plant_products_fit",
                f"product {self.product!r} is not among the plant's products "
                f"({', '.join(sorted(counts))})",
            )
        return self


AllocationRule = Literal["none", "subdivision", "system_expansion", "physical", "economic"]


class Allocation(StrictModel):
    """How shared emissions are divided between co-products, and why (ISO 14067 6.4.6).

    The ISO 14044 hierarchy: avoid allocation by ``subdivision`` (the sources of
    ``plant.sources`` belong to this product alone) or ``system_expansion`` (this product
    bears everything and each co-product's displaced product is an ``avoided_product``
    input); else allocate by a ``physical`` relationship (``key`` mass or energy); only
    then by ``economic`` value, with ``why_not_physical``. ``none``: one product, nothing
    to allocate.
    """

    rule: AllocationRule
    key: Literal["mass", "energy", "economic"] | None = None
    reason: FreeText = Field(min_length=3)
    why_not_physical: FreeText | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def allocation_key_fits(self) -> Allocation:
        """Physical allocation by mass or energy, economic by economic value, others none."""
        want = {"physical": ("mass", "energy"), "economic": ("economic",)}.get(self.rule, (None,))
        if self.key not in want:
            allowed = " or ".join(repr(k) for k in want if k) or "no key"
            raise RuleError(
                "allocation_key_fits",
                f"allocation rule {self.rule!r} takes {allowed}, not key {self.key!r}",
            )
        return self

    @model_validator(mode="after")
    def allocation_economic_justified(self) -> Allocation:
        """An economic allocation states why a physical relationship is not used."""
        if self.rule == "economic" and self.why_not_physical is None:
            raise RuleError(
                "allocation_economic_justified",
                "an economic allocation states 'why_not_physical': why no physical "
                "relationship (mass, energy) can be used (ISO 14067 6.4.6, ISO 14044 4.3.4.2)",
            )
        return self


class CutOff(StrictModel):
    """The cut-off criterion and what it left out, as a share of the footprint in percent."""

    criterion: FreeText = Field(min_length=3)
    exempted_share: Percent = 0.0
    exempted: tuple[FreeText, ...] = ()


class Biogenic(StrictModel):
    """Biogenic carbon of the product, per declared unit.

    ``carbon_content``: the biogenic carbon in the product (a mass of carbon, reported);
    ``uptake``: the CO2 taken up by biomass in the inputs (a mass of CO2, reported as a
    removal, negative, in the footprint including biogenic emissions and removals).
    """

    carbon_content: Amount | None = None
    uptake: Amount | None = None

    @model_validator(mode="after")
    def biogenic_units_are_mass(self) -> Biogenic:
        """Carbon content and uptake are masses."""
        from ..units import parse_unit

        for name in ("carbon_content", "uptake"):
            a: Amount | None = getattr(self, name)
            if a is not None and not parse_unit(a.unit).check("[mass]"):
                raise RuleError(
                    "biogenic_units_are_mass", f"biogenic {name} is a mass (kg, t), not {a.unit!r}"
                )
        return self


class Study(StrictModel):
    """Who made the study and for what (ISO 14067 clause 7.2 a-c)."""

    title: SingleLineText | None = None
    commissioner: SingleLineText | None = None
    practitioner: SingleLineText | None = None
    date: _dt.date | None = None
    intended_application: FreeText | None = None
    intended_audience: FreeText | None = None
    comparative_assertion: bool = False
    pcr: SingleLineText | None = None
    """Product category rules (or other sector guidance) followed, if any."""
    assumptions: FreeText | None = None
    limitations: FreeText | None = None
    language: Literal["en", "zh", "en+zh"] = "en"


class FootprintStudy(StrictModel):
    """A product carbon-footprint study (``schema: nqi-carbon/footprint@1``)."""

    schema_: Literal["nqi-carbon/footprint@1"] = Field(alias="schema")
    product: Product
    declared_unit: DeclaredUnit
    boundary: Boundary
    stages: tuple[Stage, ...] | None = None
    reference_period: Period
    gwp: SingleLineText = "AR6"
    factor_packs: tuple[SingleLineText, ...] = ()
    factors: tuple[FactorEntry, ...] = ()
    inputs: tuple[Input, ...] = ()
    plant: Plant | None = None
    allocation: Allocation | None = None
    cut_off: CutOff | None = None
    biogenic: Biogenic | None = None
    study: Study = Study()

    @property
    def stages_in(self) -> tuple[Stage, ...]:
        """The stages included: ``stages`` as written, else the boundary's."""
        return self.stages if self.stages is not None else BOUNDARY_STAGES[self.boundary]

    @model_validator(mode="after")
    def input_ids_unique(self) -> FootprintStudy:
        """Input ids are unique."""
        dup = sorted(i for i, n in Counter(x.id for x in self.inputs).items() if n > 1)
        if dup:
            raise RuleError("input_ids_unique", f"input ids appear twice: {', '.join(dup)}")
        return self

    @model_validator(mode="after")
    def stages_in_boundary(self) -> FootprintStudy:
        """Stated stages and every input's stage lie within the system boundary."""
        allowed = BOUNDARY_STAGES[self.boundary]
        used = [*(self.stages or ()), *(x.stage for x in self.inputs)]
        if self.plant is not None:
            used.append(self.plant.stage)
        outside = sorted(set(used) - set(allowed), key=STAGES.index)
        if outside:
            raise RuleError(
                "stages_in_boundary",
                f"stages {', '.join(outside)} lie outside the {self.boundary} boundary "
                f"({', '.join(allowed)})",
            )
        return self

    @model_validator(mode="after")
    def allocation_fits_plant(self) -> FootprintStudy:
        """A plant states its allocation; several products need a rule other than ``none``."""
        p, a = self.plant, self.allocation
        if p is None:
            return self
        if a is None:
            raise RuleError(
                "allocation_fits_plant",
                "a plant's emissions are allocated: state 'allocation' (rule and reason)",
            )
        if len(p.products) > 1 and a.rule == "none":
            raise RuleError(
                "allocation_fits_plant",
                f"the plant makes {len(p.products)} products: rule 'none' cannot divide its "
                "emissions (subdivision, system_expansion, physical or economic)",
            )
        if a.rule == "subdivision" and not p.sources:
            raise RuleError(
                "allocation_fits_plant",
                "subdivision names the sources of this product's process in 'plant.sources'",
            )
        return self

    @model_validator(mode="after")
    def avoided_needs_system_expansion(self) -> FootprintStudy:
        """``avoided_product`` inputs only under system expansion."""
        avoided = [x.id for x in self.inputs if x.kind == "avoided_product"]
        rule = None if self.allocation is None else self.allocation.rule
        if avoided and rule != "system_expansion":
            raise RuleError(
                "avoided_needs_system_expansion",
                f"inputs {', '.join(avoided)} are avoided products: only with "
                "allocation rule system_expansion",
            )
        return self

    @model_validator(mode="after")
    def footprint_has_emissions(self) -> FootprintStudy:
        """The study has at least one input or a plant."""
        if not self.inputs and self.plant is None:
            raise RuleError(
                "footprint_has_emissions", "a footprint names its 'inputs', a 'plant', or both"
            )
        return self


def load_footprint(
    source: str | Path | dict[str, Any] | FootprintStudy,
) -> tuple[FootprintStudy, str | None, str]:
    """Read and validate a footprint file (or mapping): ``(study, path, SHA-256 of the input)``.

    The file is read with the bounded, confined loader of every input (strict safe YAML,
    JSON without NaN or repeated keys, ``Limits.max_document_bytes``).

    Raises
    ------
    InvalidInputError
        Every problem of the file at once (field, value, what is allowed, reason code).
    """
    from .._io.files import program_path
    from .._io.structured import read_structured

    if isinstance(source, FootprintStudy | dict):
        study = source if isinstance(source, FootprintStudy) else _validate(source, None)
        text = json.dumps(study.model_dump(mode="json", by_alias=True), sort_keys=True)
        return study, None, hashlib.sha256(text.encode()).hexdigest()
    path = program_path(source, field="footprint", where="calculate_footprint()")
    data, digest = read_structured(path, what="footprint file")
    # an input's supplier_footprint may name a PACT file: read it (confined to this
    # file's folder) before the model judges the document
    from .pact import resolve_pact_inputs

    data = resolve_pact_inputs(data, source_path=str(path))
    return _validate(data, str(path)), str(path), digest


def _validate(data: Any, name: str | None) -> FootprintStudy:
    from ..data.packs import require_schema, validate_document

    require_schema(
        data, SCHEMA, code="footprint_schema", what="a product footprint file", file=name
    )
    return validate_document(FootprintStudy, data, file=name)
