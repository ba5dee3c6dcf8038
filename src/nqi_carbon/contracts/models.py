"""Typed models of the JSON documents nqi-carbon writes (its output contracts).

One pydantic model per document: :class:`ResultDocument` (``nqi-carbon/result@1``; with
the ``report`` section it is ``report.json``), :class:`VerificationDocument`
(``nqi-carbon/verification@1``), :class:`TrajectoryDocument` (``nqi-carbon/trajectory@1``)
and :class:`ValidationDocument` (``nqi-carbon validate --format json`` and the JSON error
output of the command line). Their JSON Schemas (:mod:`~nqi_carbon.contracts.schemas`)
are generated from these models, and the test suite validates every writer's output
against them, so a writer, its model, its schema and its reference page cannot drift
apart.

Rules of the contracts (docs/reference/result.md):

- every key listed is always written (``null`` where there is no value); a later 0.x
  version may **add** keys but never renames or removes one, so the models and schemas
  accept keys they do not list (``additionalProperties``), and a reader keeps them;
- numbers are JSON numbers (whole numbers stay whole), never NaN or Infinity; masses
  are tonnes (``_t``), CO2e under the document's ``gwp_set``;
- text is any Unicode text (names come from the inventory as written).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from ..inventory.models import BaseYear, Exclusion, Verification

__all__ = [
    "CONTRACT_SCHEMAS",
    "Document",
    "NeutralityEvaluationDocument",
    "ResultDocument",
    "TrajectoryDocument",
    "ValidationDocument",
    "VerificationDocument",
]

Number = Annotated[
    Annotated[int, Strict()] | Annotated[float, Strict()], WithJsonSchema({"type": "number"})
]
"""A JSON number, kept as written (a whole number stays an int, so a file reads back unchanged)."""


Integer = Annotated[int, Strict()]


Date = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]
"""A calendar date as ISO 8601 text (``2024-01-01``)."""


def _requires(keys: Sequence[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in keys if k not in value]
        if missing:
            raise PydanticCustomError(
                "contract_keys",
                "missing key(s) {missing}",
                {"missing": ", ".join(missing)},
            )
        return value

    return check


def keyed(value: Any, keys: Sequence[str], description: str) -> Any:
    """A mapping of *value* that holds at least *keys* (the schema says ``required``)."""
    return Annotated[
        dict[str, value],
        AfterValidator(_requires(keys)),
        Field(description=description, json_schema_extra={"required": list(keys)}),
    ]


CATEGORY_KEYS = tuple(str(c) for c in range(1, 7))
SCOPE_KEYS = ("1", "2_location", "2_market", "3")
SCOPE3_KEYS = (*(str(c) for c in range(1, 16)), "unassigned")
GAS_GROUP_KEYS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")


class Part(BaseModel):
    """An object inside a document: listed keys typed, later keys kept."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Document(Part):
    """A whole document: typed attributes, and read like the mapping it was written as.

    ``doc["totals"]["gross_co2e_t"]``, ``doc.get(...)``, ``"lines" in doc`` and
    ``doc == mapping`` work on the JSON form (:meth:`to_dict`); ``doc.totals.gross_co2e_t``
    is the typed way.
    """

    def __init__(self, /, **data: Any) -> None:
        """Validate *data*; every problem is an :class:`~nqi_carbon.errors.InvalidInputError`.

        As for the inventory models: a document built in Python reports its problems with
        reason code, field, value and allowed (``model_validate`` keeps pydantic's error,
        which :func:`~nqi_carbon.load_result` turns into issues with the file's name).
        """
        from pydantic import ValidationError

        from ..data.fields import construction_error

        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise construction_error(type(self), exc, data) from None

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON data, keys in the order they are written."""
        return self.model_dump(mode="json", by_alias=True, exclude=self._left_out())

    def _left_out(self) -> set[str]:
        return set()

    def to_json(self, *, indent: int | None = 2) -> str:
        r"""The document as JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        import json

        from .._escape import json_text

        return json_text(
            json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        )

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def get(self, key: str, default: Any = None) -> Any:
        """``doc[key]`` if the document has *key*, else *default*."""
        return self.to_dict().get(key, default)

    def keys(self) -> list[str]:
        """The document's top-level keys, in order."""
        return list(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # mappings are not hashable


# -- result@1 -------------------------------------------------------------------------------


class Organization(Part):
    """The reporting organization."""

    name: str = Field(description="name, as in the inventory")
    id: str = Field(description="identifier (a registration number...), as in the inventory")
    consolidation: str = Field(
        description="equity_share, financial_control or operational_control"
    )


class ShortOrganization(Part):
    """The reporting organization (name and id)."""

    name: str = Field(description="name, as in the inventory")
    id: str = Field(description="identifier, as in the inventory")


class PeriodDates(Part):
    """The reporting period; ``end`` is exclusive (2024-01-01 to 2025-01-01 is 2024)."""

    start: Date = Field(description="first day")
    end: Date = Field(description="the day after the last (exclusive)")


class Totals(Part):
    """The totals and roll-ups [t CO2e under ``gwp_set``, except masses of gas in t]."""

    gross_co2e_t: Number = Field(
        description="gross emissions [t CO2e]: ISO categories 1-6, category 2 location-based, "
        "without biogenic CO2 and removals"
    )
    gross_co2e_t_market_based: Number = Field(
        description="gross emissions with category 2 market-based [t CO2e]"
    )
    by_category: keyed(Number, CATEGORY_KEYS, "per ISO 14064-1 category '1'..'6' [t CO2e]")  # type: ignore[valid-type]
    by_scope: keyed(  # type: ignore[valid-type]
        Number,
        SCOPE_KEYS,
        "per GHG Protocol scope: '1', '2_location', '2_market', '3' [t CO2e]",
    )
    by_scope3_category: keyed(  # type: ignore[valid-type]
        Number,
        SCOPE3_KEYS,
        "Scope 3 per GHG Protocol category '1'..'15', and 'unassigned' for Scope 3 sources "
        "stating none; sums to by_scope '3' [t CO2e]",
    )
    by_gas_co2e_t: keyed(  # type: ignore[valid-type]
        Number,
        GAS_GROUP_KEYS,
        "per Kyoto gas group (CO2, CH4, N2O, HFCs, PFCs, SF6, NF3), and 'unspecified' for "
        "factors given as CO2e only [t CO2e]",
    )
    by_gas_mass_t: dict[str, Number] = Field(
        description="mass per species (CO2, CH4, HFC-134a...), location-based, without "
        "biogenic CO2 [t of gas]"
    )
    by_facility: dict[str, Number] = Field(
        description="per facility id, after the consolidation share [t CO2e]"
    )
    biogenic_co2_t: Number = Field(description="biogenic CO2, reported apart [t CO2]")
    removals_co2e_t: Number = Field(
        description="removals, reported apart, negative or 0 [t CO2e]"
    )


class Interval(Part):
    """A 95 % interval; all null for a category without lines (no measured 0 ± 0 %)."""

    ci95_low_t: Number | None = Field(description="2.5 % point [t CO2e]")
    ci95_high_t: Number | None = Field(description="97.5 % point [t CO2e]")
    relative_95: Number | None = Field(
        description="half-width of the 95 % interval as a fraction of the value (IPCC U)"
    )


class Contribution(Part):
    """One uncertain input's share of the variance of the gross total."""

    input: str = Field(
        description="the input: activity:<source>, instrument:<id>, or a factor or fuel "
        "parameter key"
    )
    label: str = Field(description="the input in words")
    variance_share: Number = Field(description="share of the total's variance (0..1)")


class UncertaintySection(Part):
    """Uncertainty of the gross total (all null when none was computed)."""

    method: str | None = Field(description="analytical (IPCC Approach 1), monte_carlo, or null")
    ci95_low_t: Number | None = Field(description="2.5 % point of the gross total [t CO2e]")
    ci95_high_t: Number | None = Field(description="97.5 % point of the gross total [t CO2e]")
    relative_95: Number | None = Field(
        description="half-width of the 95 % interval as a fraction of the total"
    )
    seed: Integer | None = Field(description="Monte Carlo seed (always reported), else null")
    iterations: Integer | None = Field(description="Monte Carlo iterations, else null")
    mean_t: Number | None = Field(description="Monte Carlo mean of the total [t CO2e]")
    median_t: Number | None = Field(description="Monte Carlo median of the total [t CO2e]")
    by_category: dict[str, Interval] = Field(
        description="95 % interval per ISO category '1'..'6' (empty without uncertainty)"
    )
    contributions: list[Contribution] = Field(
        description="the inputs contributing most to the variance of the total, largest first"
    )
    unquantified_share: Number | None = Field(
        description="share of the gross total from sources with an input stated without "
        "uncertainty (treated as exact), 0..1"
    )


class ConversionStep(Part):
    """One conversion of an amount as entered on its way to the factor's activity unit."""

    kind: str = Field(
        description="density, ncv or gcv (a calorific value), or ncv_per_gcv (the net/gross ratio)"
    )
    value: Number = Field(description="the value used, in unit")
    unit: str = Field(description="its unit (kg/L, TJ/Gg, 1...)")
    operation: Literal["multiply", "divide"] = Field(
        description="whether the amount is multiplied or divided by value [unit]"
    )
    source: str = Field(
        description="what gives the value: a fuel (fuel-properties/fuel/diesel_mineral) or the "
        "source's own statement (source 'fleet')"
    )
    citation: str = Field(description="the document the value comes from")


class EnteredAmount(Part):
    """The line's activity in one unit, as entered, and how it reaches the factor's unit."""

    amount: Number = Field(
        description="the sum of the amounts entered in unit (negative, with covered_by, for "
        "a contract a residual market-based line leaves out)"
    )
    unit: str = Field(description="the unit as entered (L, kWh, 10^4 Nm3...)")
    to_activity_unit: Number | None = Field(
        description="activity_unit per unit entered, every conversion included (null when "
        "the amount could not be converted)"
    )
    conversions: list[ConversionStep] = Field(
        description="the density, calorific value and NCV/GCV steps taken, in order (pure unit "
        "conversions such as MWh to kWh are in to_activity_unit only)"
    )
    covered_by: str | None = Field(
        description="on a residual market-based line: the contract whose amount is left out; "
        "else null"
    )


class ResultLine(Part):
    """One line: one gas of one source (a market-based Scope 2 line is a line of its own).

    From ``activity`` on, the line's chain: ``activity`` (the sum of ``entered`` amounts x
    ``to_activity_unit``) x ``factor_value`` (in t per ``activity_unit``) x ``share`` is
    ``mass_t``, and ``mass_t`` x ``gwp`` is ``co2e_t``.
    """

    source: str = Field(description="source id")
    facility: str = Field(description="facility id")
    category: Integer = Field(description="ISO 14064-1 category 1-6")
    scope: str = Field(description="GHG Protocol scope: '1', '2' or '3'")
    scope3_category: Integer | None = Field(
        description="GHG Protocol Scope 3 category 1-15 as the source states it, else null"
    )
    gas: str = Field(description="species (CO2, CH4, HFC-134a...) or CO2e for CO2e-only factors")
    mass_t: Number = Field(description="mass of gas after the consolidation share [t]")
    co2e_t: Number = Field(description="CO2e of the line [t CO2e under gwp_set]")
    biogenic: bool = Field(description="biogenic CO2, reported apart from the totals")
    method: str = Field(description="factor, carbon_content, measured, release or financed")
    factor: str = Field(description="factor reference (pack/factor-id) or the method's input")
    pack_version: str = Field(description="version of the factor's pack")
    share: Number = Field(description="consolidation share of the facility (0..1)")
    basis: str = Field(
        description="both (counted in both totals), location or market (Scope 2 lines)"
    )
    activity: Number = Field(description="the line's activity in activity_unit")
    activity_unit: str = Field(description="the factor's activity unit (TJ, kWh, t...)")
    entered: list[EnteredAmount] = Field(
        description="the activity as entered, per unit, with its conversions"
    )
    factor_value: Number | None = Field(
        description="the emission factor of the line's gas as published, or the method's "
        "coefficient (carbon content, blend fraction), in factor_unit"
    )
    factor_unit: str | None = Field(description="its unit (kg/TJ, t/MWh, t/t...)")
    factor_citation: str = Field(description="where the factor comes from")
    gwp: Number = Field(description="the GWP applied to the gas (1 for CO2 and CO2e)")
    gwp_citation: str = Field(description="where the GWP comes from")


class PackRef(Part):
    """A data pack the calculation used."""

    id: str = Field(description="pack id (ipcc-2006, cn-mee, gwp-ipcc, gases...)")
    version: str = Field(description="pack version (x.y.z)")
    sha256: str = Field(description="SHA-256 of the pack's canonical content")


class Provenance(Part):
    """What the result was computed from."""

    library_version: str = Field(description="nqi-carbon version")
    input_sha256: str | None = Field(
        description="SHA-256 of the inventory file (or of the canonical mapping it was built "
        "from); null for an inventory built in Python"
    )
    factor_packs: list[PackRef] = Field(description="every pack used: factors, GWP, gases")
    gwp_source: str = Field(description="citation of the GWP values used")


class FindingRecord(Part):
    """Something a reader or verifier should know about the result (not an input error)."""

    code: str = Field(description="stable reason code (docs/reference/reason-codes.md)")
    severity: str = Field(description="info, warning or error")
    subject: str = Field(description="what it is about (a source id, an organization id...)")
    message: str = Field(description="what it says, in words")


class ChecklistRecord(Part):
    """One ISO 14064-1 clause 9.3.1 item."""

    item: str = Field(description="the item letter, a to t")
    title: str = Field(description="what the item asks for")
    title_zh: str = Field(description="title in Chinese")
    status: str = Field(description="present, missing or not_applicable")
    detail: str = Field(description="where the report has it, or what to add")
    detail_zh: str = Field(description="detail in Chinese (text from the inventory as given)")


class GWPRecord(Part):
    """A GWP value the calculation used, with the mass and CO2e it weighed."""

    gas: str = Field(description="species or refrigerant blend")
    origin: str | None = Field(description="fossil or non_fossil where the set distinguishes")
    gwp: Number = Field(description="GWP-100 [t CO2e per t of gas]")
    mass_t: Number = Field(description="mass of the gas, location-based [t]")
    co2e_t: Number = Field(description="its CO2e, location-based [t CO2e]")
    source: str = Field(description="citation of the value")


class InstrumentRecord(Part):
    """A measuring instrument and its calibration in the period."""

    instrument: str = Field(description="instrument id")
    kind: str = Field(description="what it is (belt scale, gas meter...)")
    expanded_uncertainty: Number = Field(description="relative expanded uncertainty U")
    coverage_factor: Number = Field(description="coverage factor k")
    accuracy_class: str | None = Field(description="accuracy class, as stated")
    certificate: str | None = Field(description="calibration certificate number")
    calibrated_on: Date | None = Field(description="date of the last calibration")
    calibration_due: Date | None = Field(description="date the calibration falls due")
    calibration_status: str = Field(description="the calibration's validity in the period")
    traceability: str | None = Field(description="traceability of the calibration")
    used_by: str = Field(description="ids of the sources reading it")
    coverage_factor_stated: bool = Field(description="false when k = 2 was assumed")


class LabRecord(Part):
    """A laboratory analysis of a fuel parameter."""

    source: str = Field(description="source id")
    parameter: str = Field(description="ncv, carbon_content, carbon_fraction or oxidation")
    value: Number = Field(description="the value, in unit")
    unit: str = Field(description="its unit (GJ/t, t C/GJ, 1, %...)")
    lab: str | None = Field(description="the laboratory")
    accreditation: str | None = Field(description="CMA, CNAS, CMA+CNAS or none")
    report_date: Date | None = Field(description="date of the lab report")
    evidence: str | None = Field(description="sample and report reference")


class EvidenceRecord(Part):
    """An activity record and the evidence behind it."""

    source: str = Field(description="source id")
    record: str = Field(description="the period the record covers")
    amount: Number = Field(description="amount as entered, in unit")
    unit: str = Field(description="unit as entered")
    instrument: str | None = Field(description="instrument id, if measured")
    evidence: str | None = Field(description="the evidence named for the record")
    note: str | None = Field(description="a note on the record")


class MarketScope2Record(Part):
    """One line of the market-based Scope 2 figure: a quantity, its factor, its t CO2e.

    ``amount`` x ``value`` (in t per ``activity_unit``, by unit arithmetic) x ``share`` x
    ``gwp`` is ``co2e_t``; the rows sum to ``totals.by_scope["2_market"]``.
    """

    source: str = Field(description="source id (ISO category 2)")
    part: str = Field(
        description="contractual instrument, residual mix, residual, location-based factor "
        "(no residual mix stated), or location-based factor (no market-based data)"
    )
    instrument: str | None = Field(description="the instrument's id (source#contractN without one)")
    kind: str | None = Field(description="certificate, ppa, green_tariff or supplier; else null")
    evidence: str | None = Field(description="the evidence the instrument states; else null")
    activity: Number | None = Field(description="the source's consumption, in activity_unit")
    amount: Number = Field(
        description="the quantity this row covers, in activity_unit: what the instrument "
        "covers (GHG Protocol Scope 2 Guidance Table 6.3 order, up to the consumption), or "
        "the residual (the consumption less the instruments' quantities)"
    )
    activity_unit: str = Field(description="the source's base unit (kWh, MWh...)")
    factor: str = Field(description="the factor applied (pack/factor id, or contract:...)")
    gas: str = Field(description="the gas of the factor's value (CO2e for a CO2e factor)")
    value: Number | None = Field(description="the factor's value as published, in unit")
    unit: str | None = Field(description="its unit as published (kg/kWh, lb/MWh...)")
    citation: str = Field(description="where the value comes from")
    gwp: Number = Field(description="GWP-100 applied (1 for CO2 and CO2e)")
    share: Number = Field(description="consolidation share")
    co2e_t: Number = Field(description="[t CO2e]")


class CategoryStatus(Part):
    """An ISO category: its total and whether it is reported, excluded or not addressed."""

    category: Integer = Field(description="ISO 14064-1 category 1-6")
    co2e_t: Number = Field(description="[t CO2e]")
    status: str = Field(
        description="reported, reported; part excluded, excluded, or not addressed"
    )
    excluded_est_co2e_t: Number | None = Field(
        description="estimate of what the exclusions leave out [t CO2e], else null"
    )


class ScreeningRecord(Part):
    """A GHG Protocol Scope 3 category as screened, with its sources and total."""

    scope3_category: Integer = Field(description="GHG Protocol Scope 3 category 1-15")
    name: str = Field(description="the category's name (GHG Protocol Scope 3 Standard)")
    status: str = Field(description="included, excluded, not_relevant, or not_screened")
    method: str | None = Field(
        description="for included: supplier_specific, hybrid, average_data, spend_based or "
        "distance_based; else null"
    )
    reason: str | None = Field(description="for excluded and not_relevant: why; else null")
    sources: Integer = Field(description="number of sources tagged with the category")
    co2e_t: Number = Field(description="their gross, location-based emissions [t CO2e]")


class FinancedRecord(Part):
    """A PCAF position (Scope 3 category 15): the attribution and its data quality."""

    source: str = Field(description="source id")
    investee: str = Field(description="the investee as named")
    asset_class: str = Field(
        description="listed_equity_and_corporate_bonds or business_loans_and_unlisted_equity"
    )
    outstanding: Number = Field(description="the amount outstanding, in currency")
    currency: str = Field(description="currency of outstanding and denominator_value")
    denominator: str = Field(description="EVIC (listed) or total equity + debt (private)")
    denominator_value: Number = Field(description="EVIC or total equity + debt, in currency")
    attribution: Number = Field(description="attribution factor: outstanding / denominator_value")
    investee_scopes: str = Field(description="the investee's scopes counted: 1+2 or 1+2+3")
    investee_co2e_t: Number = Field(description="the investee's emissions [t CO2e]")
    co2e_t: Number = Field(description="financed emissions, gross [t CO2e]")
    data_quality: Integer = Field(description="PCAF data-quality score, 1 (best) to 5")


class ReportSection(Part):
    """What the inventory report states beyond the result (``report.json`` only)."""

    generated: Date = Field(description="date of the report (SOURCE_DATE_EPOCH when set)")
    responsible_person: str | None = Field(description="organization.responsible_person")
    significance_criteria: str | None = Field(description="significance_criteria, as given")
    exclusions: list[Exclusion] = Field(description="the inventory's exclusions, as given")
    base_year: BaseYear | None = Field(description="the inventory's base year, as given")
    conformity_statement: str | None = Field(description="reporting.conformity_statement")
    verification: Verification | None = Field(description="reporting.verification, as given")
    checklist: list[ChecklistRecord]
    gwp_values: list[GWPRecord]
    instruments: list[InstrumentRecord]
    lab_analyses: list[LabRecord]
    evidence: list[EvidenceRecord]
    market_based_scope2: list[MarketScope2Record] = Field(
        description="the market-based Scope 2 figure line by line, re-performable (empty "
        "without market-based data)"
    )
    categories: list[CategoryStatus]
    scope3_screening: list[ScreeningRecord] = Field(
        description="the 15 GHG Protocol Scope 3 categories as screened (empty without Scope 3)"
    )
    financed_emissions: list[FinancedRecord] = Field(
        description="PCAF positions (Scope 3 category 15), empty without any"
    )


class ResultDocument(Document):
    """``nqi-carbon/result@1``: one calculation (``Result.to_json()``, ``save_result``).

    ``report.json`` is the same document with a ``report`` section.
    """

    schema_: Literal["nqi-carbon/result@1"] = Field(alias="schema", description="the contract")
    organization: Organization
    period: PeriodDates
    gwp_set: str = Field(description="GWP set of every CO2e figure: SAR, AR4, AR5 or AR6")
    totals: Totals
    uncertainty: UncertaintySection
    lines: list[ResultLine]
    provenance: Provenance
    findings: list[FindingRecord]
    report: ReportSection | SkipJsonSchema[None] = Field(
        default=None, description="report.json only: what the inventory report states"
    )

    def _left_out(self) -> set[str]:
        return set() if self.report is not None else {"report"}


# -- verification@1 ---------------------------------------------------------------------------


class FacilityRef(Part):
    """A facility in the verification scope."""

    id: str = Field(description="facility id")
    name: str | None = Field(description="facility name")


class ExcludedCategory(Part):
    """A category (or source) the inventory excludes, with its reason."""

    category: str = Field(description="ISO category '1'..'6'")
    subcategory: str | None = Field(description="as the exclusion states it")
    source: str | None = Field(description="as the exclusion states it")
    reason: str = Field(description="the justification (whitespace folded)")
    estimated_co2e_t: Number | None = Field(description="[t CO2e]")


class VerificationScope(Part):
    """The verification scope, read from the inventory."""

    organization: Organization
    facilities: list[FacilityRef]
    period: PeriodDates
    gwp_set: str = Field(description="GWP set of the recomputation")
    categories_included: list[str] = Field(description="ISO categories with sources")
    categories_excluded: list[ExcludedCategory]


class MisstatementRecord(Part):
    """One difference between what was claimed and what the evidence supports."""

    level: str = Field(
        description="total, category, source_gas, breakdown or sample (the evidence log's)"
    )
    subject: str = Field(description="the figure (a category, 'source: gas', 'by_scope: 1'...)")
    claimed_t: Number | None = Field(description="as claimed [t CO2e]; null: not claimed")
    recomputed_t: Number = Field(description="as recomputed [t CO2e]")
    difference_t: Number = Field(description="claimed_t - recomputed_t [t CO2e]")
    relative: Number | None = Field(
        description="difference_t / recomputed_t (null when recomputed_t is 0)"
    )
    direction: str = Field(description="overstatement or understatement")
    kind: str = Field(
        description="error, intentional, omission, rounding, not_supported, inconsistency or "
        "not_broken_out"
    )


class UnsupportedRecord(Part):
    """Emissions resting on readings of an instrument past its calibration due date."""

    source: str = Field(description="source id")
    instruments: list[str] = Field(description="the instruments past their due date")
    calibration_due: Date = Field(description="the earliest due date passed")
    readings: Integer = Field(description="readings after the due date; 0 when not separable")
    co2e_t: Number = Field(description="gross t CO2e resting on them")
    basis: str = Field(description="readings or whole_source")


class TierRecord(Part):
    """Activity-data uncertainty of a source against its required tier."""

    source: str = Field(description="source id")
    required_tier: Integer = Field(description="the tier the source must meet (1-4)")
    uncertainty: Number | None = Field(
        description="relative 95 % half-width of the activity; null when not stated (infinite)"
    )
    bound: Number = Field(description="the tier's largest uncertainty")
    result: str = Field(description="pass, pass_with_derogation or fail")
    achieved_tier: Integer | None = Field(description="the best tier met, else null")


class QualitativeRecord(Part):
    """A misstatement material by its nature, whatever its size (ISO 14064-3)."""

    subject: str = Field(description="the figure, source or record it concerns")
    reason: str = Field(description="intentional, compliance_outcome or other")
    description: str = Field(description="what was found, in words")


class CheckRecord(Part):
    """A completeness or base-year check: a finding with the t CO2e it concerns."""

    code: str = Field(description="stable reason code (docs/reference/reason-codes.md)")
    severity: str = Field(description="info, warning or error")
    subject: str = Field(description="'category 3', 'exclusion 1', 'base year'...")
    message: str = Field(description="what it says, in words")
    size_t: Number | None = Field(description="the t CO2e it concerns, else null")


class CategoryCoverageRecord(Part):
    """One ISO 14064-1 category: reported, excluded or not addressed."""

    category: Integer = Field(description="ISO category 1-6")
    state: str = Field(
        description="reported, 'reported; part excluded', excluded or 'not addressed'"
    )
    sources: Integer = Field(description="the category's sources in the inventory")
    excluded_est_t: Number | None = Field(
        description="sum of its exclusions' estimates [t CO2e]; null: none estimated"
    )


class ExclusionTestRecord(Part):
    """One exclusion's estimate tested against the significance criteria."""

    index: Integer = Field(description="0-based position in the inventory's exclusions")
    category: Integer = Field(description="ISO category 1-6")
    result: str = Field(
        description="below_threshold, reaches_threshold, not_estimated or not_testable"
    )


class CompletenessRecord(Part):
    """Completeness judged per ISO category against the stated significance criteria."""

    significance_criteria: str | None = Field(description="the criteria as written, else null")
    basis: str = Field(description="the tests applied, in words")
    gross_co2e_t: Number = Field(description="the gross total tested against [t CO2e]")
    threshold_t: Number | None = Field(
        description="one exclusion's significance threshold [t CO2e] (materiality when none "
        "is stated); null: none"
    )
    cap_t: Number | None = Field(
        description="cap on the exclusions together [t CO2e] (materiality when none is "
        "stated); null: none"
    )
    excluded_est_co2e_t: Number = Field(description="the exclusions' estimates, summed")
    not_shown_insignificant_t: Number = Field(
        description="estimates of exclusions that fail a test or cannot be tested [t CO2e]; "
        "weighed against materiality_t like an omission"
    )
    categories: list[CategoryCoverageRecord]
    exclusions: list[ExclusionTestRecord]
    checks: list[CheckRecord]


class ScopeLimitationRecord(Part):
    """Evidence that could not be obtained, sized."""

    subject: str = Field(description="what it concerns: a source, a record, a subject")
    kind: str = Field(description="limitation (the log's) or not_available (a sample)")
    co2e_t: Number = Field(description="t CO2e it concerns")
    reason: str = Field(description="why, in words")


class SourceRiskRecord(Part):
    """A source ranked by size and by variance contribution (the verification plan)."""

    source: str = Field(description="source id")
    category: Integer = Field(description="ISO category 1-6")
    co2e_t: Number = Field(description="gross t CO2e (location-based, fossil)")
    share: Number = Field(description="a fraction of the gross total")
    size_rank: Integer = Field(description="1 = largest")
    half95_t: Number = Field(description="95 % half-width of the source alone [t CO2e]")
    variance_share: Number = Field(description="a fraction of the gross total's variance")
    variance_rank: Integer = Field(description="1 = largest variance")
    flags: list[str] = Field(description="codes of the warning and error findings on it")
    reasons: list[str] = Field(description="why it is selected: size, variance, flags, sample")
    selected: bool = Field(description="selected for testing")


class ProposedSampleRecord(Part):
    """A record the plan proposes to sample."""

    source: str = Field(description="source id")
    record: str = Field(description="its period label or dates, or 'whole period'")
    position: Integer | None = Field(description="1-based among the source's inline records")
    co2e_t: Number = Field(description="its share of the source's gross t CO2e")
    why: str = Field(description="key item, calibration, substitution or monetary-unit sample")


class VerificationPlanRecord(Part):
    """The risk ranking of the sources and the records proposed for sampling."""

    materiality_t: Number = Field(description="[t CO2e]")
    proposed_t: Number = Field(description="t CO2e in the proposed records")
    not_proposed_t: Number = Field(description="t CO2e in the records not proposed")
    sources: list[SourceRiskRecord]
    samples: list[ProposedSampleRecord]


class SampleRecord(Part):
    """A record (or a whole source) the verifier tested, and what was found."""

    source: str = Field(description="source id")
    record: str | Integer | None = Field(
        description="a period label or 1-based position; null: the whole source"
    )
    procedure: str | None = Field(description="what was done")
    result: str = Field(description="agrees, differs or not_available")
    difference_co2e_t: Number | None = Field(
        description="differs: the inventory minus the evidence [t CO2e]"
    )
    nature: str | None = Field(description="error, intentional or compliance")
    note: str | None = Field(description="free text")


class LimitationRecord(Part):
    """Evidence not made available (a scope limitation), as the log states it."""

    subject: str = Field(description="what it concerns")
    co2e_t: Number = Field(description="t CO2e it concerns")
    reason: str = Field(description="why, in words")


class ComplianceThresholdRecord(Part):
    """A figure whose side of a threshold decides an outcome (allowances, a cap)."""

    name: str = Field(description="the threshold's name")
    co2e_t: Number = Field(description="[t CO2e]")


class EvidenceLogRecord(Part):
    """The verifier's evidence log (``nqi-carbon/evidence-log@1``), as given."""

    schema_: str | None = Field(alias="schema", description="nqi-carbon/evidence-log@1 or null")
    intended_users: str | None = Field(description="as given")
    samples: list[SampleRecord]
    limitations: list[LimitationRecord]
    material_by_nature: list[QualitativeRecord]
    compliance_thresholds: list[ComplianceThresholdRecord]


class VerificationProvenance(Provenance):
    """What the recomputation used, and the claim."""

    claim: str = Field(description="the claim file, or what the claim was given as")


class VerificationDocument(Document):
    """``nqi-carbon/verification@1``: a recomputation compared with a claim (``verify``)."""

    schema_: Literal["nqi-carbon/verification@1"] = Field(
        alias="schema", description="the contract"
    )
    organization: ShortOrganization
    period: PeriodDates
    gwp_set: str = Field(description="GWP set of every CO2e figure")
    criteria: str = Field(description="the criteria verified against, in words")
    criteria_programme: str | None = Field(
        description="the inventory's conformity statement, quoted, if any"
    )
    verifier: str | None = Field(description="the (lead) verifier, null when not stated")
    verification_body: str | None = Field(description="null when not stated")
    verification_date: Date | None = Field(description="date of the statement, else null")
    scope: VerificationScope
    assurance: str = Field(description="reasonable or limited")
    materiality: Number = Field(description="a fraction of claimed_co2e_t (0.05 = 5 %)")
    materiality_t: Number = Field(description="materiality x claimed_co2e_t [t CO2e]")
    materiality_preset: str | None = Field(description="eu-ets-a, eu-ets-b, eu-ets-c or null")
    materiality_label: str | None = Field(description="the preset in words")
    claimed_co2e_t: Number = Field(description="the claimed gross total [t CO2e]")
    recomputed_co2e_t: Number = Field(description="the recomputed gross total [t CO2e]")
    misstatements: list[MisstatementRecord]
    aggregate_level: str = Field(description="the level the aggregate is summed at")
    aggregate_misstatement_t: Number = Field(
        description="net aggregate of misstatements, claimed - recomputed [t CO2e]"
    )
    aggregate_misstatement_gross_t: Number = Field(
        description="gross aggregate (absolute values) [t CO2e]"
    )
    aggregate_misstatement_pct: Number = Field(
        description="a FRACTION of claimed_co2e_t (0.02 = 2 %), despite its name"
    )
    aggregate_misstatement_fraction: Number = Field(
        description="max(|net|, gross) / claimed_co2e_t"
    )
    definitions: dict[str, str] = Field(description="the definitions of the figures, in words")
    unsupported_evidence: list[UnsupportedRecord]
    unsupported_evidence_t: Number = Field(description="[t CO2e]")
    unsupported_evidence_material: bool = Field(
        description="unsupported_evidence_t reaches materiality_t"
    )
    material: bool = Field(description="the misstatements are material")
    material_categories: list[str] = Field(description="ISO categories misstated materially")
    material_figures: list[str] = Field(
        description="every figure whose own misstatement is material (by_category.1, "
        "by_source.kiln...)"
    )
    material_by_nature: list[QualitativeRecord]
    completeness: CompletenessRecord | None = Field(description="null for no inventory")
    scope_limitations: list[ScopeLimitationRecord]
    not_obtained_t: Number = Field(
        description="evidence not obtained: unsupported_evidence_t plus scope_limitations "
        "[t CO2e]"
    )
    verification_plan: VerificationPlanRecord | None = Field(description="the plan")
    evidence_log: EvidenceLogRecord | None = Field(description="the log, null when none given")
    base_year_checks: list[CheckRecord]
    intended_users: str | None = Field(description="named in the statement; null: not stated")
    pervasive_multiple: Number = Field(
        description="multiple of materiality at which a matter is pervasive"
    )
    opinion: str = Field(description="unmodified, modified, adverse or disclaimer")
    opinion_basis: list[str] = Field(description="the matters that decided the opinion")
    opinion_criteria: dict[str, str] = Field(
        description="each opinion type (unmodified, modified, adverse, disclaimer): its criteria"
    )
    statement: str = Field(description="the verification statement (English)")
    statement_zh: str = Field(description="the statement in Chinese")
    language: str = Field(description="en, zh or en+zh")
    tier_checks: list[TierRecord]
    findings: list[FindingRecord]
    provenance: VerificationProvenance


# -- trajectory@1 ------------------------------------------------------------------------------


class TrajectoryParameters(Part):
    """The options every figure depends on."""

    target_year: Integer = Field(description="the roadmap's last year")
    method: str = Field(description="linear, constant_rate or budget")
    base_year: Integer = Field(description="the roadmap's first year")
    target_t: Number | None = Field(description="target-year emissions [t CO2e]")
    budget_t: Number | None = Field(description="cumulative budget [t CO2e]")
    plateau_band: Number = Field(description="a fraction of the peak (0.02 = 2 %)")
    decline_years: Integer = Field(description="years of decline that make a peak")
    forecast: str = Field(description="the forecast method in words")
    fit_from: Integer = Field(description="first year the forecast is fitted on")


class YearValue(Part):
    """One year of the series."""

    year: Integer = Field(description="the year")
    co2e_t: Number = Field(description="gross emissions [t CO2e]")


class Peak(Part):
    """Whether the series has peaked, with the evidence."""

    status: str = Field(description="peaked, plateau or not_yet_peaked")
    peak_year: Integer = Field(description="the year of the maximum")
    peak_value: Number = Field(description="the maximum [t CO2e]")
    plateau_band: Number = Field(description="as in parameters")
    decline_years: Integer = Field(description="as in parameters")
    evidence: str = Field(description="why, in words")


class ForecastYear(Part):
    """The log-linear forecast of one year, with its 95 % prediction band."""

    year: Integer = Field(description="the year")
    forecast_t: Number = Field(description="[t CO2e]")
    low_t: Number = Field(description="[t CO2e]")
    high_t: Number = Field(description="[t CO2e]")
    observed: bool = Field(description="a year of the series (not beyond it)")


class TargetYear(Part):
    """The roadmap's level for one year."""

    year: Integer = Field(description="the year")
    target_t: Number = Field(description="[t CO2e]")


class ProgressYear(Part):
    """Actual against target in one year."""

    year: Integer = Field(description="the year")
    target_t: Number = Field(description="[t CO2e]")
    actual_t: Number | None = Field(description="[t CO2e]; null after the series")
    gap_t: Number | None = Field(description="actual_t - target_t [t CO2e]")
    required_annual_reduction: Number | None = Field(
        description="constant yearly rate from this year to the final target (0.03 = 3 %)"
    )
    neutrality_gap_t: Number | None = Field(description="gross minus removals [t CO2e]")


class Decomposition(Part):
    """LMDI-I decomposition of the change between two years (Ang 2005)."""

    additive: dict[str, Number] = Field(
        description="activity, structure, intensity, emission_factor effects [t CO2e]"
    )
    total_change_t: Number = Field(description="[t CO2e]")
    unit: str = Field(description="unit of the additive effects (t CO2e)")
    multiplicative: dict[str, Number] = Field(
        description="the same effects as factors of the ratio current/base"
    )
    total_ratio: Number = Field(description="current / base emissions")
    method: str = Field(description="the method in words")
    emissions_unit: str = Field(description="the unit of the sectors file's emissions")
    years: list[Integer] = Field(description="[base, current]")


class TrajectoryDocument(Document):
    """``nqi-carbon/trajectory@1``: peak, forecast, roadmap and progress (``trajectory``)."""

    schema_: Literal["nqi-carbon/trajectory@1"] = Field(
        alias="schema", description="the contract"
    )
    parameters: TrajectoryParameters
    actuals: list[YearValue]
    peak: Peak
    forecast: list[ForecastYear]
    annual_change: Number | None = Field(
        description="the forecast's yearly change (-0.02 = -2 % a year)"
    )
    targets: list[TargetYear]
    progress: list[ProgressYear]
    decomposition: Decomposition | None
    notes: list[str] = Field(description="what was done to the input on the way")


# -- validation and errors ---------------------------------------------------------------------


class IssueRecord(Part):
    """One problem found in an input (``Issue.to_dict()``)."""

    code: str = Field(description="stable reason code (docs/reference/reason-codes.md)")
    message: str = Field(description="what is wrong, in words")
    file: str | None = Field(description="the file, when there is one")
    row: Integer | None = Field(description="1-based row of a table, where that helps")
    field: str | None = Field(description="path to the field: sources[2].activity[0].amount")
    source: str | None = Field(description="id of the entry the field belongs to")
    value: Any = Field(
        description="the offending value as JSON (string, number, boolean or null; other "
        "values as text)"
    )
    allowed: str | None = Field(description="what would have been accepted")
    severity: str = Field(description="error or warning")


# -- carbon-neutrality evaluation --------------------------------------------------------------


class NeutralityBoundaryElement(Part):
    """An element of an event's boundary."""

    element: str = Field(
        description="venue_energy, travel, accommodation, catering, materials or waste"
    )
    co2e_t: Number | None = Field(description="its emissions, t CO2e (null when excluded)")
    detail: str = Field(description="its sources, or 'excluded: ' and the reason")


class NeutralityFinding(Part):
    """A finding of the inventory's calculation."""

    code: str = Field(description="stable reason code (docs/reference/reason-codes.md)")
    severity: str = Field(description="info, warning or error")
    message: str = Field(description="what it says, in words")


class NeutralitySubject(Part):
    """What the claim is about and where its footprint comes from."""

    kind: Literal["organisation", "building", "event", "footprint"] = Field(
        description="an organisation's, a building's or an event's inventory, or a stated "
        "footprint"
    )
    name: str = Field(description="the subject as the claim names it")
    basis: str = Field(description="where the footprint comes from, in words")
    boundary: list[NeutralityBoundaryElement] = Field(
        description="an event's boundary, element by element (empty for other subjects)"
    )
    findings: list[NeutralityFinding] = Field(
        description="the findings of the inventory's calculation (empty for a stated footprint)"
    )


class NeutralityPeriod(Part):
    """The claim's period."""

    start: Date = Field(description="first day")
    end: Date = Field(description="the day after the last (end exclusive)")


class NeutralityFigures(Part):
    """Every figure of the claim, t CO2e, each traceable to its input."""

    emissions_t: Number = Field(description="the footprint (central value), t CO2e")
    emissions_ci95_low_t: Number = Field(description="lower bound of its 95 % interval, t CO2e")
    emissions_ci95_high_t: Number = Field(description="upper bound of its 95 % interval, t CO2e")
    removals_in_boundary_t: Number = Field(description="removals within the boundary, t CO2e")
    residual_t: Number = Field(description="central value less removals, t CO2e")
    residual_to_offset_t: Number = Field(
        description="what the credits must cover (assumptions.coverage), t CO2e"
    )
    base_year: Integer = Field(description="the management plan's base year")
    base_year_emissions_t: Number | None = Field(
        description="the base year's emissions (the plan's, else the inventory's), t CO2e"
    )
    reduction_against_base_t: Number | None = Field(
        description="base-year emissions less the period's, t CO2e"
    )
    reductions_stated_t: Number = Field(description="the sum of the reductions listed, t CO2e")
    credits_retired_t: Integer = Field(description="tonnes retired (one per serial)")
    credits_by_registry_t: dict[str, Integer] = Field(description="tonnes retired by registry")
    removal_share: Number | None = Field(
        description="removal credits' share of the tonnes retired (null without credits)"
    )
    remainder_t: Number = Field(description="credits retired less the residual to offset, t CO2e")


class NeutralitySerial(Part):
    """A serial range: block and inclusive range, one serial per tonne."""

    block: str = Field(description="the serial's fixed part")
    start: Integer = Field(description="first serial")
    end: Integer = Field(description="last serial (inclusive)")


class NeutralityCredit(Part):
    """A retired credit block, as the claim gives it (null where not given)."""

    registry: str = Field(
        description="VCS, Gold Standard, CDM, CCER, Article 6, China ETS "
        "allowance, pilot ETS allowance, Puhui, new forestry project or other"
    )
    registry_name: str | None = Field(description="the programme, for registry other")
    project: str = Field(description="the project's id and name")
    serial: NeutralitySerial
    vintage: Integer = Field(description="the year of the reductions or removals")
    type: Literal["avoidance", "removal"] = Field(description="avoidance or removal")
    permanence_years: Integer | None = Field(description="a removal's expected permanence")
    retired_on: Date = Field(description="the retirement (cancellation) date")
    retirement_evidence: str = Field(description="the registry's record of the retirement")
    beneficiary: str = Field(description="on whose behalf the credits were retired")
    verified_by: str | None = Field(description="the independent third-party verifier")
    additionality: str | None = Field(description="how additionality was demonstrated")
    reversal_risk: str | None = Field(description="a removal's management of reversal risk")
    host_country: str | None = Field(description="the project's host country (ISO 3166-1)")
    approved_by: str | None = Field(description="the authority that approved a Puhui reduction")


class NeutralityReduction(Part):
    """A reduction measure, as the claim gives it."""

    id: str = Field(description="the measure's id")
    description: str = Field(description="the measure")
    amount_t: Number = Field(description="its effect as the claimant states it, t CO2e")
    evidence: str | None = Field(description="its evidence")


class NeutralityAssumptions(Part):
    """The rules' parameters in force (the claim's, else the criteria's defaults)."""

    criteria: str = Field(description="iso-14068-1, pas-2060 or cn-large-event")
    coverage: Literal["upper_95", "central"] = Field(description="the residual to cover")
    vintage_max_age_years: Integer = Field(description="oldest vintage, years before the period")
    retire_within_months: Integer = Field(description="the retirement window, months")
    retirement_anchor: Literal["period_end", "claim_date"] = Field(
        description="the window runs after the period's end, or before the claim date"
    )
    min_removal_share: Number | None = Field(description="a minimum removal share, if set")


class NeutralityChecklistItem(Part):
    """A requirement of the claim's criteria and whether it is met."""

    code: str = Field(description="the reason code of its check")
    clause: str = Field(description="the clause or article it rests on")
    requirement: str = Field(description="the requirement in English")
    requirement_zh: str = Field(description="the requirement in Chinese")
    met: bool = Field(description="true when no refusal has this code")
    status: Literal["secondary", "reprint", "to_confirm", "nqi"] = Field(
        description="how far the rule is confirmed: read in a secondary source, in a reprint of "
        "the text, still to confirm, or nqi-carbon's own rule"
    )
    url: str | None = Field(description="the page the rule was read in")


class NeutralityPathwayTarget(Part):
    """A target of the management plan beside the 1.5 °C pathway for its year."""

    year: Integer = Field(description="the target year")
    target_reduction: Number = Field(description="the target, a share of the base year")
    pathway_reduction: Number = Field(description="the pathway's reduction for the year")
    target_t: Number | None = Field(description="the target in tonnes (null without a base)")
    pathway_t: Number | None = Field(description="the pathway in tonnes (null without a base)")
    consistent: bool = Field(description="the target is at least as deep as the pathway")


class NeutralityPathway(Part):
    """The management plan's targets against the 1.5 °C pathway."""

    required: bool = Field(description="the criteria require the check")
    name: str = Field(description="the pathway's name")
    annual_reduction: Number = Field(description="share of the base year removed each year")
    basis: str = Field(description="what the rate rests on")
    url: str = Field(description="the page it was read in")
    status: str = Field(description="how far it is confirmed (as checklist.status)")
    base_year: Integer = Field(description="the plan's base year")
    base_year_emissions_t: Number | None = Field(description="its emissions, t CO2e")
    targets: list[NeutralityPathwayTarget]


class NeutralityVerification(Part):
    """The third-party verification the claim names."""

    body: str = Field(description="the verification body")
    statement: str = Field(description="its statement")
    date: Date = Field(description="its date")


class NeutralityMisstatement(Part):
    """A figure the claim states against the recomputed one."""

    figure: str = Field(description="residual_emissions_t or base_year_emissions_t")
    stated_t: Number = Field(description="as the claim states it, t CO2e")
    recomputed_t: Number = Field(description="as recomputed, t CO2e")
    difference_t: Number = Field(description="stated less recomputed, t CO2e")
    material: bool = Field(description="at least materiality")
    pervasive: bool = Field(description="at least pervasive_multiple x materiality")


class NeutralityOpinion(Part):
    """The verifier's opinion (``verify_neutrality``, ``neutrality --verify``)."""

    opinion: Literal["unmodified", "modified", "adverse", "disclaimer"] = Field(
        description="the opinion (nqi_carbon.neutrality.verify: first match of disclaimer, "
        "adverse, modified)"
    )
    assurance: Literal["reasonable", "limited"] = Field(description="the level of assurance")
    materiality: Number = Field(description="a fraction of the recomputed footprint")
    materiality_t: Number = Field(description="materiality in tonnes CO2e")
    pervasive_multiple: Number = Field(description="a misstatement this many times M is pervasive")
    misstatements: list[NeutralityMisstatement]
    basis: str = Field(description="what the opinion rests on, in words")
    verifier: str | None = Field(description="the verifier")
    body: str | None = Field(description="the verification body")
    date: Date | None = Field(description="the date of the opinion")


class NeutralityProvenance(Part):
    """Where the evaluation comes from."""

    input_sha256: str = Field(description="SHA-256 of the claim file's bytes")
    generated: Date = Field(description="the date written (SOURCE_DATE_EPOCH when set)")


class NeutralityEvaluationDocument(Document):
    """``nqi-carbon/neutrality-evaluation@1``: a carbon-neutrality claim evaluated (``neutrality.json``)."""

    schema_: Literal["nqi-carbon/neutrality-evaluation@1"] = Field(
        alias="schema", description="the contract"
    )
    status: Literal["claim", "refused"] = Field(description="the claim can be made, or not")
    statement: str = Field(description="the claim wording, or why no claim can be made")
    statement_zh: str = Field(description="the statement in Chinese")
    language: Literal["en", "zh", "en+zh"] = Field(description="the language of the pages")
    claimant: str = Field(description="who makes the claim")
    claim_date: Date = Field(description="the date of the claim")
    criteria: str = Field(description="the criteria's title (ISO 14068-1:2023...)")
    criteria_id: Literal["iso-14068-1", "pas-2060", "cn-large-event"] = Field(
        description="the criteria set the claim names"
    )
    subject: NeutralitySubject
    period: NeutralityPeriod
    figures: NeutralityFigures
    credits: list[NeutralityCredit] = Field(description="the credits retired, as given")
    reductions: list[NeutralityReduction] = Field(description="the reductions, as given")
    refusals: list[IssueRecord] = Field(description="every rule that fails (empty: claim made)")
    assumptions: NeutralityAssumptions
    checklist: list[NeutralityChecklistItem] = Field(
        description="each requirement of the criteria, met or not, with its clause"
    )
    pathway: NeutralityPathway
    verification: NeutralityVerification | None = Field(
        description="the third-party verification the claim names, if any"
    )
    verification_opinion: NeutralityOpinion | None = Field(
        description="the verifier's opinion when verified here, else null"
    )
    provenance: NeutralityProvenance


class ValidationDocument(Document):
    """``nqi-carbon validate --format json``, and the JSON error output of every command."""

    valid: bool = Field(description="no problem was found")
    issues: list[IssueRecord] = Field(description="every problem found (input refused)")
    warnings: list[FindingRecord] = Field(
        description="validate: what the calculation would report as warnings (input accepted)",
    )


CONTRACT_SCHEMAS: dict[str, tuple[type[Document], str]] = {
    "result": (ResultDocument, "nqi-carbon/result@1"),
    "verification": (VerificationDocument, "nqi-carbon/verification@1"),
    "trajectory": (TrajectoryDocument, "nqi-carbon/trajectory@1"),
    "validation": (ValidationDocument, "nqi-carbon/validation@1"),
    "neutrality-evaluation": (
        NeutralityEvaluationDocument,
        "nqi-carbon/neutrality-evaluation@1",
    ),
}
"""Output contract name -> (model, schema tag)."""
