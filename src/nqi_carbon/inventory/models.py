"""Typed models of an organisation's GHG inventory (ISO 14064-1 style).

All models refuse unknown keys, take numbers strictly (no ``True`` for 1.0, no ``"1,000"``,
no NaN or infinity) and check one rule per named validator. Cross-reference rules on
:class:`Inventory` (ids unique, references exist, periods do not overlap...) can collect
every problem at once: validate with ``context={"issues": []}`` (the loaders do) and the
validators append :class:`~nqi_carbon.errors.Issue` records instead of raising.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .._io.spec import MAX_HEADER_ROW, ReadSpec, read_spec, spec_issues
from ..data.factor_schema import FactorEntry, fraction_out_of_range
from ..data.fields import (
    FiniteFloat,
    FreeText,
    Identifier,
    NonNegativeFloat,
    QuantityFields,
    RelativeUncertainty,
    RuleError,
    SingleLineText,
    StrictModel,
    Uncertainty,
)
from ..data.gases import normalise_gas
from ..data.packs import issues_from_validation_error
from ..errors import InvalidInputError, Issue, NqiCarbonError, unique_issues
from ..limits import BoundedCache
from ..units import parse_unit
from .base_year import BaseYear, RecalculationEvent, StatedTonnes
from .periods import _period_bounds, _year_label
from .rules import (
    _ID_SECTIONS,
    _Facts,
    _plain_data,
    _raw_ids,
    rule_activity_periods_do_not_overlap,
    rule_activity_within_period,
    rule_consolidation_flags_present,
    rule_ids_unique,
    rule_instrument_referenced_exists,
    rule_source_facility_exists,
    run_rules_on_raw,
)
from .scope3 import Financed, ScreeningEntry, Spend, scope3_iso_mismatch

if TYPE_CHECKING:
    from .rules import Span

__all__ = [
    "INVENTORY_SCHEMA",
    "ActivityFile",
    "ActivityRecord",
    "BaseYear",
    "CarbonParameters",
    "Contract",
    "Exclusion",
    "Facility",
    "Gap",
    "Instrument",
    "Inventory",
    "MeasuredParameter",
    "Organisation",
    "Period",
    "RecalculationEvent",
    "Removal",
    "Reporting",
    "Retirement",
    "Scope2Quality",
    "Significance",
    "Source",
    "Substitution",
    "Verification",
]

INVENTORY_SCHEMA = "nqi-carbon/inventory@1"


Consolidation = Literal["equity_share", "financial_control", "operational_control"]


Method = Literal["factor", "carbon_content", "measured", "release", "financed"]


def _sink(info: ValidationInfo) -> list[Issue] | None:
    ctx = info.context
    if isinstance(ctx, dict):
        sink = ctx.get("issues")
        if isinstance(sink, list):
            return sink
    return None


def _report(info: ValidationInfo, code: str, issues: Iterable[Issue]) -> None:
    """Send rule findings to the collecting context, or raise the first as a rule error."""
    found = list(issues)
    if not found:
        return
    sink = _sink(info)
    if sink is not None:
        sink.extend(found)
        return
    raise RuleError(
        code, "; ".join(f"{i.field}: {i.message}" if i.field else i.message for i in found)
    )


def _unit_of(text: str, dimension: str | None, code: str, message: str = "") -> str:
    """Check that *text* parses as a unit (of *dimension*, if given); raise rule *code*."""
    try:
        q = parse_unit(text)
    except NqiCarbonError as exc:
        raise RuleError(code, str(exc)) from None
    if dimension is not None and not q.check(dimension):
        raise RuleError(code, message.format(text))
    return text


class Organisation(StrictModel):
    """The reporting organisation (ISO 14064-1 clause 9.3.1 a, b, d)."""

    name: SingleLineText = Field(min_length=1)
    id: Identifier
    consolidation: Consolidation
    responsible_person: SingleLineText | None = None
    sector: SingleLineText | None = None
    address: FreeText | None = None
    description: FreeText | None = None


class Period(StrictModel):
    """The reporting period; ``end`` is exclusive (2024-01-01 to 2025-01-01 is the year 2024)."""

    start: _dt.date
    end: _dt.date

    @model_validator(mode="after")
    def period_end_after_start(self) -> Period:
        """The period ends after it starts."""
        if self.end <= self.start:
            raise RuleError(
                "period_end_after_start",
                f"period end {self.end} is not after start {self.start} (end is exclusive)",
            )
        return self

    @property
    def days(self) -> int:
        """Length of the period in days."""
        return (self.end - self.start).days


class Facility(StrictModel):
    """A site or asset inside the organisational boundary."""

    id: Identifier
    name: SingleLineText | None = None
    region: SingleLineText | None = None
    equity_share: Annotated[FiniteFloat, Field(ge=0, le=1)] = 1.0
    financial_control: bool | None = None
    operational_control: bool | None = None
    address: FreeText | None = None
    notes: FreeText | None = None

    @field_validator("region")
    @classmethod
    def region_is_iso_code(cls, v: str | None) -> str | None:
        """An ISO 3166-1 alpha-2 code or an ISO 3166-2 subdivision, whatever its case."""
        return _region_code(v)


_REGION = re.compile(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?")


def _region_code(v: str | None) -> str | None:
    """An ISO 3166 code in capitals (``de`` -> ``DE``, ``cn-js`` -> ``CN-JS``)."""
    if v is None:
        return v
    if not _REGION.fullmatch(v):
        raise RuleError(
            "region_is_iso_code",
            f"region {v!r} is not an ISO 3166 code: write the two-letter country code (DE for "
            "Germany, CN for China, US, GB...) or a subdivision (CN-JS for Jiangsu, US-CA)",
        )
    return v.upper()


class Instrument(StrictModel):
    """A measuring instrument (meter, scale, analyser) with its calibration status.

    ``uncertainty`` is the relative *expanded* uncertainty at coverage factor
    ``coverage_factor`` (k, default 2) from the calibration certificate; nqi-carbon uses
    the 95 % half-width ``uncertainty * 1.96 / k``.
    """

    id: Identifier
    kind: SingleLineText
    uncertainty: RelativeUncertainty
    coverage_factor: Annotated[FiniteFloat, Field(gt=0)] = 2.0
    accuracy_class: SingleLineText | None = None
    calibrated_on: _dt.date | None = None
    calibration_due: _dt.date | None = None
    certificate: SingleLineText | None = None
    traceability: FreeText | None = None
    serial: SingleLineText | None = None
    fallback_uncertainty: RelativeUncertainty | None = None

    @model_validator(mode="after")
    def calibration_due_after_calibrated_on(self) -> Instrument:
        """A calibration falls due after the date it was done."""
        if (
            self.calibrated_on
            and self.calibration_due
            and self.calibration_due <= self.calibrated_on
        ):
            raise RuleError(
                "calibration_due_after_calibrated_on",
                f"calibration_due {self.calibration_due} is not after calibrated_on {self.calibrated_on}",
            )
        return self

    @property
    def u95(self) -> float:
        """Relative half-width of the 95 % interval."""
        return self.uncertainty * 1.959963984540054 / self.coverage_factor












class Substitution(StrictModel):
    """How a substituted value was made: the named policy, the gap and the basis."""

    policy: Literal["mean_of_neighbours", "conservative", "pack_default", "stated"]
    gap_days: Annotated[int, Field(strict=True, ge=1)]
    basis: FreeText


class ActivityRecord(QuantityFields):
    """One activity datum: an amount of fuel, electricity, material, distance, spend...

    The record covers ``period`` (``"2024-01"``, ``"2024-Q1"``, ``"2024"``) or the dates
    ``start``..``end`` (end exclusive); with neither it covers the whole inventory period.
    In Python, ``amount`` may be a pint Quantity (``ureg.Quantity(12, "t")``): its unit is
    ``unit``.
    """

    quantity_pairs = (("amount", "unit"),)

    amount: FiniteFloat
    unit: SingleLineText = Field(min_length=1)
    period: Annotated[
        SingleLineText | None, BeforeValidator(_year_label, json_schema_input_type=str | int | None)
    ] = None
    start: _dt.date | None = None
    end: _dt.date | None = None
    instrument: Identifier | None = None
    uncertainty: Uncertainty | None = None
    evidence: FreeText | None = None
    note: FreeText | None = None
    substitute: Substitution | None = None

    @field_validator("amount")
    @classmethod
    def amount_not_negative(cls, v: float) -> float:
        """Activity is a quantity consumed or produced: never negative."""
        if v < 0:
            raise RuleError(
                "amount_not_negative",
                "activity amounts are never negative (report removals under 'removals')",
            )
        return v

    @field_validator("unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The unit parses in the nqi-carbon registry."""
        return _unit_of(v, None, "unit_known")

    @model_validator(mode="after")
    def record_period_well_formed(self) -> ActivityRecord:
        """A record gives a period label or start/end dates (not both); end after start."""
        if self.period is not None:
            if self.start is not None or self.end is not None:
                raise RuleError(
                    "record_period_well_formed", "give 'period' or 'start'/'end', not both"
                )
            try:
                _period_bounds(self.period)
            except ValueError:
                raise RuleError(
                    "record_period_well_formed",
                    f"period {self.period!r} is not YYYY, YYYY-MM or YYYY-Qn",
                ) from None
        elif (self.start is None) != (self.end is None):
            raise RuleError("record_period_well_formed", "give both 'start' and 'end'")
        elif self.start is not None and self.end is not None and self.end <= self.start:
            raise RuleError(
                "record_period_well_formed", f"end {self.end} is not after start {self.start}"
            )
        return self

    def label(self) -> str:
        """The record's period as a reader names it: ``2024-03``, ``<start> to <end>``, ``whole period``."""
        if self.period is not None:
            return self.period
        if self.start is not None and self.end is not None:
            return f"{self.start} to {self.end}"
        return "whole period"

    def bounds(self, default: Period) -> tuple[_dt.date, _dt.date]:
        """Return the (start, end-exclusive) dates the record covers."""
        if self.period is not None:
            return _period_bounds(self.period)
        if self.start is not None and self.end is not None:
            return self.start, self.end
        return default.start, default.end


class MeasuredParameter(QuantityFields):
    """A fuel parameter stated in the inventory (measured or taken from a document)."""

    quantity_pairs = (("value", "unit"),)

    value: Annotated[FiniteFloat, Field(gt=0)]
    unit: SingleLineText = Field(min_length=1)
    uncertainty: Uncertainty | None = None
    evidence: FreeText | None = None
    lab: SingleLineText | None = None
    accreditation: Literal["CMA", "CNAS", "CMA+CNAS", "none"] | None = None
    report_date: _dt.date | None = None
    substitute: Substitution | None = None

    @field_validator("unit")
    @classmethod
    def unit_known(cls, v: str) -> str:
        """The unit parses in the nqi-carbon registry."""
        return _unit_of(v, None, "unit_known")


class CarbonParameters(StrictModel):
    """Inputs of the carbon-content method (MEE enterprise guidelines).

    ``E = FC × NCV × CC × OF × 44/12`` with ``ncv`` and ``carbon_content`` (carbon per
    unit heat), or ``E = FC × C_ar × OF × 44/12`` with ``carbon_fraction`` (measured
    as-received carbon per unit mass). Parameters not stated here come from ``fuel``
    (a pack fuel such as ``cn-mee/fuel/anthracite``).
    """

    fuel: SingleLineText | None = None
    ncv: MeasuredParameter | None = None
    carbon_content: MeasuredParameter | None = None
    carbon_fraction: MeasuredParameter | None = None
    oxidation: MeasuredParameter | None = None

    @model_validator(mode="after")
    def carbon_basis_single(self) -> CarbonParameters:
        """Carbon is per unit heat or per unit mass, not both."""
        if self.carbon_content is not None and self.carbon_fraction is not None:
            raise RuleError(
                "carbon_basis_single",
                "give 'carbon_content' (per heat) or 'carbon_fraction' (per mass), not both",
            )
        return self

    @field_validator("carbon_fraction", "oxidation")
    @classmethod
    def parameter_units_fit(
        cls, v: MeasuredParameter | None, info: ValidationInfo
    ) -> MeasuredParameter | None:
        """The carbon fraction and the oxidation factor are fractions: unit '1' or '%'."""
        if v is not None and not parse_unit(v.unit).dimensionless:
            raise RuleError(
                "parameter_units_fit",
                f"{info.field_name} is a fraction: its unit is '1' or '%', not {v.unit!r}",
            )
        return v

    @field_validator("carbon_fraction")
    @classmethod
    def carbon_fraction_within_0_1(cls, v: MeasuredParameter | None) -> MeasuredParameter | None:
        """A measured carbon mass fraction lies within 0..1 (58.2 % is 0.582)."""
        return _fraction_within_0_1("carbon_fraction_within_0_1", "carbon_fraction", v)

    @field_validator("oxidation")
    @classmethod
    def oxidation_within_0_1(cls, v: MeasuredParameter | None) -> MeasuredParameter | None:
        """An oxidation factor lies within 0..1: no fuel burns more carbon than it holds."""
        return _fraction_within_0_1("oxidation_within_0_1", "oxidation", v)


def _fraction_within_0_1(
    code: str, name: str, v: MeasuredParameter | None
) -> MeasuredParameter | None:
    """Raise rule *code* unless parameter *name* is a fraction within 0..1 after its unit."""
    if v is not None and (why := fraction_out_of_range(name, v.value, v.unit)):
        raise RuleError(code, why)
    return v


ContractKind = Literal["certificate", "ppa", "green_tariff", "supplier"]


CONTRACT_PRECEDENCE: dict[str, int] = {"certificate": 0, "ppa": 1, "green_tariff": 2, "supplier": 3}
"""GHG Protocol Scope 2 Guidance (2015) Table 6.3 order in which instruments cover MWh:
energy attribute certificates, direct contracts (PPAs), green tariffs / supplier-specific
rates; uncovered MWh then take the residual mix (``market_factor``)."""


class Retirement(StrictModel):
    """Evidence that a certificate was retired (cancelled) for the reporting organization."""

    registry: SingleLineText | None = None
    serial: SingleLineText | None = None
    date: _dt.date | None = None
    beneficiary: SingleLineText | None = None


class Contract(QuantityFields):
    """A contractual instrument for market-based Scope 2 (certificate, PPA, supplier rate).

    Give ``factor`` (the instrument's emission rate, e.g. a supplier-specific factor) or
    ``zero_emission: true`` (certificates / PPAs from renewable generation). A factor of
    0 is a value: it is never replaced by the grid factor.

    An instrument stated as failing the Scope 2 Quality Criteria
    (``quality_criteria_met: false``), or whose ``vintage`` or ``market`` breaks the
    inventory's rules, is not used: the energy it would cover takes the residual mix.
    ``vintage`` is the generation period (``2024``, ``2024-Q1``, ``2024-03``), ``market``
    the market the instrument was issued for (e.g. ``CN``, ``EU-AIB``), ``retirement``
    the evidence of its cancellation.
    """

    quantity_pairs = (("amount", "unit"),)

    id: Identifier | None = None
    kind: ContractKind
    amount: NonNegativeFloat
    unit: SingleLineText = Field(default="MWh", min_length=1)
    factor: SingleLineText | None = None
    zero_emission: bool = False
    evidence: FreeText | None = None
    quality_criteria_met: bool | None = None
    vintage: Annotated[
        SingleLineText | None, BeforeValidator(_year_label, json_schema_input_type=str | int | None)
    ] = None
    market: SingleLineText | None = None
    retirement: Retirement | None = None

    @field_validator("vintage")
    @classmethod
    def vintage_is_a_period(cls, v: str | None) -> str | None:
        """The vintage is a period label: a year, a quarter or a month."""
        if v is not None:
            try:
                _period_bounds(v)
            except ValueError:
                raise RuleError(
                    "vintage_is_a_period", f"vintage {v!r} is not YYYY, YYYY-MM or YYYY-Qn"
                ) from None
        return v

    @model_validator(mode="after")
    def contract_rate_given(self) -> Contract:
        """A contract states its emission rate: a factor, or zero_emission (not both)."""
        if (self.factor is None) == (not self.zero_emission):
            raise RuleError(
                "contract_rate_given", "give 'factor' or 'zero_emission: true' (exactly one)"
            )
        return self

    @field_validator("unit")
    @classmethod
    def unit_is_energy(cls, v: str) -> str:
        """Contracts cover energy (MWh, kWh, GJ...)."""
        return _unit_of(v, "[energy]", "unit_is_energy", "contract unit {!r} is not energy")


def _one_or_many(value: Any) -> Any:
    # `activity: {amount: 1, unit: t}` (or one ActivityRecord) is one record; `[...]` several
    return [value] if isinstance(value, dict | ActivityRecord) else value


_METHOD_NEEDS = {
    "factor": "factor",
    "release": "gas",
    "measured": "gas",
    "carbon_content": "carbon",
    "financed": "financed",
}
"""The field each method needs (a dict made once: the check runs for every source)."""


class Source(StrictModel):
    """An emission source with its ISO 14064-1 category and how it is quantified."""

    id: Identifier
    facility: Identifier
    category: Annotated[int, Field(strict=True, ge=1, le=6)]
    subcategory: SingleLineText | None = None
    scope3_category: Annotated[int, Field(strict=True, ge=1, le=15)] | None = None
    method: Method = "factor"
    factor: SingleLineText | None = None
    market_factor: SingleLineText | None = None
    contracts: tuple[Contract, ...] = ()
    electricity_market: SingleLineText | None = None
    gas: SingleLineText | None = None
    origin: Literal["fossil", "non_fossil"] | None = None
    energy_basis: Literal["NCV", "GCV"] | None = None
    fuel_properties: SingleLineText | None = None
    density: MeasuredParameter | None = None
    carbon: CarbonParameters | None = None
    activity: Annotated[
        tuple[ActivityRecord, ...],
        # one record or a list (the schema says so: issue 15)
        BeforeValidator(_one_or_many, json_schema_input_type=ActivityRecord | list[ActivityRecord]),
    ] = ()
    description: FreeText | None = None
    required_tier: Annotated[int, Field(strict=True, ge=1, le=4)] | None = None
    tier_derogation: FreeText | None = None
    spend: Spend | None = None
    financed: Financed | None = None

    @model_validator(mode="after")
    def scope3_category_fits_iso(self) -> Source:
        """A Scope 3 category falls under the source's ISO 14064-1 category (3-6)."""
        why = scope3_iso_mismatch(self.category, self.scope3_category)
        if why is not None:
            raise RuleError("scope3_category_fits_iso", why)
        return self

    @model_validator(mode="after")
    def financed_inputs_fit(self) -> Source:
        """Method 'financed' has a 'financed' block, is Scope 3 category 15, ISO category 5."""
        if (self.method == "financed") != (self.financed is not None):
            raise RuleError(
                "financed_inputs_fit",
                "method 'financed' and a 'financed' block (PCAF position) go together",
            )
        if self.financed is not None and (self.category != 5 or self.scope3_category != 15):
            raise RuleError(
                "financed_inputs_fit",
                "a financed-emissions source is ISO category 5 with scope3_category 15 "
                "(investments)",
            )
        return self

    @model_validator(mode="after")
    def spend_conversion_applies(self) -> Source:
        """'spend' converts money for a factor: it needs method 'factor'."""
        if self.spend is not None and self.method != "factor":
            raise RuleError(
                "spend_conversion_applies",
                f"'spend' converts spend for a spend-based factor; method {self.method!r} "
                "applies none",
            )
        return self

    @model_validator(mode="after")
    def scope3_category_only_for_indirect(self) -> Source:
        """A scope-3 category is given only for ISO categories 3 to 6."""
        if self.scope3_category is not None and self.category < 3:
            raise RuleError(
                "scope3_category_only_for_indirect",
                f"scope3_category given for ISO category {self.category} (only 3-6 are scope 3)",
            )
        return self

    @model_validator(mode="after")
    def method_inputs_present(self) -> Source:
        """Each method has what it needs: a factor, a gas, or carbon parameters."""
        need = _METHOD_NEEDS[self.method]
        if getattr(self, need) is None:
            raise RuleError("method_inputs_present", f"method {self.method!r} needs '{need}'")
        if self.method == "factor" and self.gas is not None:
            raise RuleError(
                "method_inputs_present",
                "'gas' is for methods 'release'/'measured'; a factor names its gases",
            )
        if (self.market_factor is not None or self.contracts) and self.category != 2:
            raise RuleError(
                "method_inputs_present",
                "'market_factor' and 'contracts' are for category 2 (imported energy) only",
            )
        if self.electricity_market is not None and not self.contracts:
            raise RuleError(
                "method_inputs_present",
                "'electricity_market' is checked against the market of contracts: state "
                "'contracts' (or leave it out)",
            )
        if (self.market_factor is not None or self.contracts) and self.method != "factor":
            raise RuleError(
                "method_inputs_present",
                "'market_factor' and 'contracts' need method 'factor' (energy bought, in MWh "
                "or another energy unit): they cannot apply to a measured or released gas mass",
            )
        return self

    @field_validator("density")
    @classmethod
    def density_is_mass_per_volume(cls, v: MeasuredParameter | None) -> MeasuredParameter | None:
        """A stated density is a mass per volume (kg/L, t/m3, kg/Nm3)."""
        if v is None:
            return v
        dim = parse_unit(v.unit).dimensionality
        from ..units import registry

        ureg = registry()
        mass = ureg.get_dimensionality("[mass]")
        per = ("[length]**3", "[normal_gas_volume]", "[us_standard_gas_volume]")
        if not any(dim * ureg.get_dimensionality(d) == mass for d in per):
            raise RuleError(
                "density_is_mass_per_volume",
                f"density unit {v.unit!r} is not a mass per volume (kg/L, t/m3, kg/Nm3)",
            )
        return v

    @field_validator("gas")
    @classmethod
    def gas_known(cls, v: str | None) -> str | None:
        """The gas is a known species or refrigerant blend (canonical name kept)."""
        if v is None:
            return v
        try:
            return normalise_gas(v)
        except NqiCarbonError as exc:
            raise RuleError("gas_known", str(exc)) from None

    @property
    def scope(self) -> str:
        """GHG Protocol scope: ``"1"``, ``"2"`` or ``"3"`` from the ISO category."""
        return {1: "1", 2: "2"}.get(self.category, "3")

    @property
    def records(self) -> tuple[ActivityRecord, ...]:
        """The activity records (empty when activity comes from a table)."""
        return self.activity


class Removal(QuantityFields):
    """A GHG removal (e.g. CO2 captured and stored, sequestration), reported apart."""

    quantity_pairs = (("amount", "unit"),)

    id: Identifier
    facility: Identifier
    amount: NonNegativeFloat
    unit: SingleLineText = "t"
    gas: Literal["CO2"] = "CO2"
    category: Literal[1] = 1
    description: FreeText | None = None
    uncertainty: Uncertainty | None = None
    evidence: FreeText | None = None

    @field_validator("unit")
    @classmethod
    def unit_is_mass(cls, v: str) -> str:
        """Removals are masses of gas (t, kg, kt...)."""
        return _unit_of(v, "[mass]", "unit_is_mass", "removal unit {!r} is not a mass")


class Exclusion(StrictModel):
    """A source or category left out of the reporting boundary, with its justification."""

    category: Annotated[int, Field(strict=True, ge=1, le=6)]
    subcategory: SingleLineText | None = None
    source: SingleLineText | None = None
    reason: FreeText = Field(min_length=3)
    estimated_co2e_t: StatedTonnes | None = None
    estimate_basis: FreeText | None = None


class Significance(StrictModel):
    """Significance criteria that can be tested (ISO 14064-1:2018 clause 5.2.3).

    An exclusion is tested against them with its ``estimated_co2e_t``: it is significant
    when it reaches ``threshold`` × the gross total or ``threshold_co2e_t`` (whichever is
    lower, when both are given); the exclusions together may not exceed
    ``exclusions_cap`` × the gross total. The criteria in words stay in
    ``significance_criteria``.
    """

    threshold: Annotated[FiniteFloat, Field(gt=0, lt=1)] | None = None
    threshold_co2e_t: StatedTonnes | None = None
    exclusions_cap: Annotated[FiniteFloat, Field(gt=0, lt=1)] | None = None

    @model_validator(mode="after")
    def significance_test_given(self) -> Significance:
        """At least one of the three tests is stated."""
        if self.threshold is None and self.threshold_co2e_t is None and self.exclusions_cap is None:
            raise RuleError(
                "significance_test_given",
                "state threshold (a fraction of the gross total), threshold_co2e_t or "
                "exclusions_cap",
            )
        return self


class Scope2Quality(StrictModel):
    """The rules a contractual instrument's evidence is checked against (Scope 2 market-based).

    Vintage: the generation period a certificate states must lie within the reporting
    period widened by ``vintage_months_before`` and ``vintage_months_after`` (0 and 0: the
    reporting period itself). ``rule`` names where the window comes from (e.g. a
    programme's technical criteria); it is printed with the findings.
    """

    vintage_months_before: Annotated[int, Field(strict=True, ge=0, le=36)] = 0
    vintage_months_after: Annotated[int, Field(strict=True, ge=0, le=36)] = 0
    rule: SingleLineText | None = None


class Verification(StrictModel):
    """Whether and how the inventory was verified (ISO 14064-1 clause 9.3.1 s)."""

    status: Literal["not_verified", "limited", "reasonable"]
    body: SingleLineText | None = None
    date: _dt.date | None = None
    statement: FreeText | None = None


class Reporting(StrictModel):
    """What the published report states beyond the numbers (ISO 14064-1 clause 9.3.1)."""

    title: SingleLineText | None = None
    intended_users: FreeText | None = None
    methodology_changes: FreeText | None = None
    conformity_statement: FreeText | None = None
    verification: Verification | None = None
    language: Literal["en", "zh", "en+zh"] = "en"




class ActivityFile(StrictModel):
    """An activity table the inventory names, with how to read it as it was exported.

    ``activity_files: [energy.csv]`` reads a table with nqi-carbon's own columns; an entry
    written as a mapping adds a reading spec (:mod:`nqi_carbon._io.spec`): the sheet, the
    header row, headers mapped to columns, headers ignored, constant columns, the number
    and CSV formats, dates in the period column.
    """

    path: SingleLineText = Field(min_length=1)
    sheet: Annotated[int, Field(strict=True, ge=0)] | SingleLineText | None = None
    header_row: Annotated[int, Field(strict=True, ge=1, le=MAX_HEADER_ROW)] = 1
    columns: dict[str, SingleLineText] = Field(default_factory=dict)
    ignore: tuple[SingleLineText, ...] = ()
    constant: dict[str, SingleLineText] = Field(default_factory=dict)
    decimal: Literal[".", ","] = "."
    thousands: Literal[",", ".", " ", "'", "\u00a0", "\u202f"] | None = None
    delimiter: Literal[",", ";", "\t", "|"] | None = None
    encoding: Literal["utf-8", "cp1252", "latin-1", "gb18030", "utf-16"] = "utf-8"
    period_dates: Literal["month", "year"] | None = None

    @model_validator(mode="after")
    def reading_spec_consistent(self) -> ActivityFile:
        """Mapped and constant columns are columns of a table; separators differ."""
        issues = spec_issues(**self._options())
        if issues:
            raise RuleError(
                "reading_spec",
                "; ".join(f"{i.field}: {i.message} (allowed: {i.allowed})" for i in issues),
            )
        return self

    def _options(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields if name != "path"}

    def spec(self) -> ReadSpec:
        """The reading spec of this file (remembering which options the entry states)."""
        return read_spec(**self._options(), stated=self.model_fields_set - {"path"})


class Inventory(StrictModel):
    """An organisation's GHG inventory for one period (``nqi-carbon/inventory@1``)."""

    schema_: Literal["nqi-carbon/inventory@1"] = Field(alias="schema")
    organization: Organisation
    period: Period
    gwp: SingleLineText
    energy_basis: Literal["NCV", "GCV"] | None = None
    factor_packs: tuple[SingleLineText, ...] = ()
    facilities: tuple[Facility, ...] = Field(min_length=1)
    instruments: tuple[Instrument, ...] = ()
    factors: tuple[FactorEntry, ...] = ()
    sources: tuple[Source, ...] = ()
    removals: tuple[Removal, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    base_year: BaseYear | None = None
    significance_criteria: FreeText | None = None
    significance: Significance | None = None
    scope2_quality: Scope2Quality | None = None
    reporting: Reporting | None = None
    activity_files: tuple[SingleLineText | ActivityFile, ...] = ()
    scope3_screening: tuple[ScreeningEntry, ...] = ()

    _source_path: str | None = PrivateAttr(default=None)
    _input_sha256: str | None = PrivateAttr(default=None)
    # what calculations of this inventory computed (plans per factor-pack state, unit
    # tables, line layouts): at most limits.CACHE_ENTRIES entries, least recently used dropped
    _cache: BoundedCache = PrivateAttr(default_factory=BoundedCache)

    def __init__(self, /, **data: Any) -> None:
        """Build an inventory in Python, checked like a file: every problem at once.

        Sections may be given as models (``facilities=[nc.Facility(...)]``) or plain
        data; ``schema`` may be left out. Field problems and every cross-reference rule
        (ids unique, facilities and instruments exist, periods...) are gathered into one
        :class:`~nqi_carbon.errors.InvalidInputError`.
        """
        if "schema" not in data and "schema_" not in data:
            data["schema"] = INVENTORY_SCHEMA
        plain = {k: _plain_data(v) for k, v in data.items()}

        def run(ctx: dict[str, Any]) -> None:
            self.__pydantic_validator__.validate_python(plain, self_instance=self, context=ctx)

        _validate_collecting(plain, run, source=None, label="Inventory(...)")

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]  # see StrictModel

    def __eq__(self, other: object) -> bool:
        # content equality: where the inventory was read from is provenance, not content
        if not isinstance(other, Inventory):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__.values()))

    @property
    def source_path(self) -> str | None:
        """The file this inventory was loaded from, if any."""
        return self._source_path

    def activity_file_entries(self) -> list[ActivityFile]:
        """The ``activity_files``, each with its reading spec (the default for a plain path)."""
        return [
            f if isinstance(f, ActivityFile) else ActivityFile(path=f) for f in self.activity_files
        ]

    @property
    def input_sha256(self) -> str | None:
        """SHA-256 of the input file bytes (or of the canonical mapping it was built from)."""
        return self._input_sha256

    # -- rules -----------------------------------------------------------------------
    # Each cross-reference rule is a plain function over extracted values (see the
    # ``rule_*`` functions below), so the loaders can also run it on the parts of an
    # invalid file that can still be read, and report every problem in one pass.
    @field_validator("gwp")
    @classmethod
    def gwp_set_known(cls, v: str) -> str:
        """The GWP set is one nqi-carbon ships (SAR, AR4, AR5, AR6)."""
        from ..data.gwp import _normalise_set

        try:
            return _normalise_set(v)
        except NqiCarbonError as exc:
            raise RuleError("gwp_set_known", str(exc)) from None

    def _facts(self) -> _Facts:
        # six rules read the same facts: extracted once (an instance is validated once)
        found: _Facts | None = self._cache.get("facts")
        if found is None:
            found = self._cache["facts"] = self._extract_facts()
        return found

    def _extract_facts(self) -> _Facts:
        return _Facts(
            ids={
                sec: [(i, item.id) for i, item in enumerate(getattr(self, sec))]
                for sec in _ID_SECTIONS
            },
            facility_refs=[
                (f"{sec}[{i}].facility", kind, item.id, item.facility)
                for sec, kind in (("sources", "source"), ("removals", "removal"))
                for i, item in enumerate(getattr(self, sec))
            ],
            records=[
                (
                    f"sources[{i}].activity[{j}]",
                    src.id,
                    j,
                    rec.instrument,
                    rec.bounds(self.period),
                    rec.period,
                )
                for i, src in enumerate(self.sources)
                for j, rec in enumerate(src.records)
            ],
            period=(self.period.start, self.period.end),
            approach=self.organization.consolidation,
            facility_flags=[
                (i, f.id, f.financial_control, f.operational_control)
                for i, f in enumerate(self.facilities)
            ],
        )

    def _known(self, info: ValidationInfo, section: str) -> set[str]:
        ids = {item.id for item in getattr(self, section)}
        ctx = info.context if isinstance(info.context, dict) else {}
        ids |= set(ctx.get("raw_ids", {}).get(section, ()))
        return ids

    @model_validator(mode="after")
    def ids_unique(self, info: ValidationInfo) -> Inventory:
        """Facility, instrument, factor, source and removal ids are each unique."""
        _report(info, "ids_unique", rule_ids_unique(self._facts()))
        return self

    @model_validator(mode="after")
    def source_facility_exists(self, info: ValidationInfo) -> Inventory:
        """Every source and removal names a facility of the inventory."""
        known = self._known(info, "facilities")
        _report(info, "source_facility_exists", rule_source_facility_exists(self._facts(), known))
        return self

    @model_validator(mode="after")
    def instrument_referenced_exists(self, info: ValidationInfo) -> Inventory:
        """Every instrument an activity record cites is defined under 'instruments'."""
        known = self._known(info, "instruments")
        _report(
            info,
            "instrument_referenced_exists",
            rule_instrument_referenced_exists(self._facts(), known),
        )
        return self

    @model_validator(mode="after")
    def consolidation_flags_present(self, info: ValidationInfo) -> Inventory:
        """Under a control approach every facility says whether it is under that control."""
        _report(
            info, "consolidation_flags_present", rule_consolidation_flags_present(self._facts())
        )
        return self

    @model_validator(mode="after")
    def activity_within_period(self, info: ValidationInfo) -> Inventory:
        """Every activity record lies inside the inventory period."""
        _report(info, "activity_within_period", rule_activity_within_period(self._facts()))
        return self

    @model_validator(mode="after")
    def activity_periods_do_not_overlap(self, info: ValidationInfo) -> Inventory:
        """Records of one source never cover the same days twice (no double counting)."""
        _report(
            info,
            "activity_periods_do_not_overlap",
            rule_activity_periods_do_not_overlap(self._facts()),
        )
        return self

    @model_validator(mode="after")
    def inline_factor_gwp_sets_known(self, info: ValidationInfo) -> Inventory:
        """Inline CO2e factors name a known GWP set."""
        from ..data.gwp import _normalise_set

        issues = []
        for i, f in enumerate(self.factors):
            if f.co2e is not None:
                try:
                    _normalise_set(f.co2e.gwp_set)
                except NqiCarbonError as exc:
                    issues.append(
                        Issue(
                            "inline_factor_gwp_sets_known",
                            str(exc),
                            field=f"factors[{i}].co2e.gwp_set",
                        )
                    )
        _report(info, "inline_factor_gwp_sets_known", issues)
        return self

    @model_validator(mode="after")
    def screening_categories_unique(self, info: ValidationInfo) -> Inventory:
        """Each Scope 3 category is screened at most once."""
        seen: set[int] = set()
        issues = []
        for i, e in enumerate(self.scope3_screening):
            if e.category in seen:
                issues.append(
                    Issue(
                        "screening_categories_unique",
                        f"Scope 3 category {e.category} is screened twice",
                        field=f"scope3_screening[{i}].category",
                        value=str(e.category),
                        allowed="each category 1-15 once",
                    )
                )
            seen.add(e.category)
        _report(info, "screening_categories_unique", issues)
        return self

    # -- convenience -------------------------------------------------------------------
    def facility(self, facility_id: str) -> Facility:
        """Return the facility with this id."""
        for f in self.facilities:
            if f.id == facility_id:
                return f
        raise KeyError(facility_id)

    def expired_instrument(self, rec: ActivityRecord) -> Instrument | None:
        """The instrument of *rec* if the record covers days after its calibration due date.

        The due date itself is still within the calibration's validity: a record ending on
        it is calibrated, one reaching the next day is not.
        """
        if rec.instrument is None:
            return None
        ins = self.instrument(rec.instrument)
        last_day = rec.bounds(self.period)[1] - _dt.timedelta(days=1)
        if ins.calibration_due is not None and last_day > ins.calibration_due:
            return ins
        return None

    def instrument(self, instrument_id: str) -> Instrument:
        """Return the instrument with this id."""
        for ins in self.instruments:
            if ins.id == instrument_id:
                return ins
        raise KeyError(instrument_id)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Inventory:
        """A changed copy, validated again by every rule, with a result cache of its own.

        pydantic's ``model_copy`` neither validates nor separates private state, so
        results cached for this inventory would be served for the copy (another GWP set,
        other records). Fields in *update* may be given as models or as plain data.
        """
        fields = type(self).model_fields
        data = self.model_dump(mode="python", by_alias=True, exclude_none=True)
        for name, value in (update or {}).items():
            info = fields.get(name)
            key = (info.alias or name) if info is not None else name
            data[key] = _plain_data(value)
        new = validate_mapping(data, source=self.source_path)
        # changed content is no longer the file: its hash is that of the canonical mapping
        # (as for an inventory built from a mapping); unchanged content keeps the file's
        new._source_path = self._source_path
        if new.model_dump(mode="json") == self.model_dump(mode="json"):
            new._input_sha256 = self._input_sha256
        else:
            import hashlib
            import json

            canonical = json.dumps(data, sort_keys=True, default=str).encode("utf-8")
            new._input_sha256 = hashlib.sha256(canonical).hexdigest()
        return new

    def iter_records(self) -> Iterator[tuple[Source, ActivityRecord]]:
        """Yield ``(source, record)`` for every activity record."""
        for src in self.sources:
            for rec in src.records:
                yield src, rec

    def __repr__(self) -> str:
        # short: an inventory holds every record; print(inv) in a script must not dump them
        from .._escape import term_line

        p = self.period
        whole_year = p.start.month == p.start.day == p.end.month == p.end.day == 1
        period = (
            str(p.start.year)
            if whole_year and p.end.year == p.start.year + 1
            else f"{p.start}..{p.end}"
        )
        return (
            f"Inventory(organisation={term_line(self.organization.name)!r}, "
            f"facilities={len(self.facilities)}, sources={len(self.sources)}, period={period})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """The notebook display: boundary, sources by ISO category, open findings."""
        from ..pages.display import inventory_html

        return inventory_html(self)


@dataclass(frozen=True)
class Gap:
    """Days of the inventory period a sub-annual activity series does not cover."""

    source: str
    start: _dt.date
    end: _dt.date  # exclusive

    @property
    def days(self) -> int:
        """Length of the gap in days."""
        return (self.end - self.start).days

    def label(self) -> str:
        """The gap as text (month labels where it spans whole months)."""
        return f"{self.start}..{self.end}"


def find_gaps(inv: Inventory, extra: dict[str, list[Span]] | None = None) -> list[Gap]:
    """Uncovered days in every source whose activity comes as sub-annual records.

    A source with one record and no period covers the whole period and has no gap; a
    source with period-labelled or dated records must cover every day of the inventory
    period (0 is a value: a month without consumption is a record of 0, not a gap).
    *extra* adds, per source id, the periods covered by activity-table rows (rows with a
    period label); a source with such rows is checked like one with labelled records.
    """
    if not extra:  # inline records only: a property of the (immutable) inventory
        cached = inv._cache.get("gaps")
        if cached is None:
            cached = inv._cache["gaps"] = tuple(_find_gaps(inv, {}))
        return list(cached)
    return _find_gaps(inv, extra)


def _find_gaps(inv: Inventory, extra: dict[str, list[Span]]) -> list[Gap]:
    gaps = []
    for src in inv.sources:
        recs = src.records
        more = list(extra.get(src.id, ()))
        if not more and (not recs or all(r.period is None and r.start is None for r in recs)):
            continue
        spans = sorted([*(r.bounds(inv.period) for r in recs), *more])
        cursor = inv.period.start
        for s, e in spans:
            if s > cursor:
                gaps.append(Gap(src.id, cursor, s))
            cursor = max(cursor, e)
        if cursor < inv.period.end:
            gaps.append(Gap(src.id, cursor, inv.period.end))
    return gaps


def validate_mapping(data: dict[str, Any], *, source: str | None = None) -> Inventory:
    """Validate an inventory mapping, reporting every problem at once.

    The core of :func:`nqi_carbon.validate_inventory` and :meth:`Inventory.model_copy`.
    """
    found: list[Inventory] = []

    def run(ctx: dict[str, Any]) -> None:
        found.append(Inventory.model_validate(data, context=ctx))

    _validate_collecting(data, run, source=source, label=source)
    return found[0]


def _validate_collecting(
    data: dict[str, Any],
    run: Callable[[dict[str, Any]], None],
    *,
    source: str | None,
    label: str | None,
) -> None:
    """Run a validation of inventory *data* with rules collecting; raise every problem."""
    issues: list[Issue] = []
    ctx: dict[str, Any] = {"issues": [], "raw_ids": _raw_ids(data)}
    try:
        run(ctx)
        issues.extend(ctx["issues"])
    except ValidationError as exc:
        issues.extend(issues_from_validation_error(exc, file=source, data=data))
        issues.extend(run_rules_on_raw(data))
    if issues:
        issues = [i if i.file else dataclasses.replace(i, file=source) for i in issues]
        issues = [_what_to_write(i) for i in issues]
        raise InvalidInputError(unique_issues(issues), source=label)


_WORDS: dict[str, str] = {
    "gwp": "a GWP set: SAR (IPCC Second Assessment Report, 1995), AR4 (2007), AR5 (2013) or "
    "AR6 (2021), 100-year values (gwp: AR6)",
    "consolidation": "equity_share (the organisation's share of each facility's equity), "
    "financial_control or operational_control (all of each facility it controls)",
    "category": "an ISO 14064-1 category, 1 to 6 (1 direct, 2 imported energy, 3 transport, "
    "4 products used, 5 use of products sold, 6 other)",
    "method": "factor (activity x emission factor), carbon_content (fuel x NCV x carbon content "
    "x oxidation x 44/12), measured (the gas mass as measured) or release (a gas released, "
    "e.g. a refrigerant top-up)",
    "distribution": "normal, lognormal, triangular or uniform",
    "energy_basis": "NCV (net calorific value, as IPCC factors) or GCV (gross, as utilities bill)",
    "origin": "fossil or non_fossil",
    "policy": "mean_of_neighbours, conservative, pack_default or stated",
    "accreditation": "CMA, CNAS, CMA+CNAS or none",
    "kind": "certificate, ppa (power purchase agreement), green_tariff or supplier",
    "status": "not_verified, limited or reasonable (the level of assurance)",
    "language": "en (English), zh (Chinese) or en+zh (both)",
    "period_dates": "month or year (what a date in the period column stands for)",
}
"""Allowed values in words, by field name, for a missing field or a value not among them."""

_WORDED_CODES = frozenset(
    {"missing", "literal_error", "enum", "less_than_equal", "greater_than_equal", "int_parsing",
     "int_type", "int_from_float", "gwp_set_known"}
)  # fmt: skip

_MISSING: dict[str, str] = {
    "schema": f"write schema: {INVENTORY_SCHEMA}",
    "period": "period: {start: 2024-01-01, end: 2025-01-01} (the end is exclusive)",
    "start": "a date written YYYY-MM-DD",
    "end": "a date written YYYY-MM-DD (exclusive: 2025-01-01 ends the year 2024)",
    "organization": "organization: {name, id, consolidation}",
    "facilities": "a list of facilities, each {id, ...}",
    "unit": "a unit such as t, kg, L, m3, Nm3, kWh, MWh, GJ, TJ",
    "amount": "a number",
}


def _what_to_write(issue: Issue) -> Issue:
    """A missing field or a value not allowed: the values it may take, in words.

    ``gwp`` missing lists the GWP sets; ``consolidation: equity_shares`` lists the three
    approaches with what they mean and asks "did you mean 'equity_share'?".
    """
    if issue.code not in _WORDED_CODES or not issue.field:
        return issue
    name = issue.field.split(" (")[0].rsplit(".", 1)[-1]
    allowed = _WORDS.get(name) or (_MISSING.get(name) if issue.code == "missing" else None)
    if allowed is None:
        return issue
    message = issue.message
    if issue.code == "literal_error" and issue.value:
        import difflib
        import re as _re

        given = issue.value.strip("'\"")
        choices = _re.findall(r"[A-Za-z0-9_+]+", allowed.split(" (")[0] + " " + allowed)
        close = difflib.get_close_matches(given, choices, n=1, cutoff=0.75) or [
            c for c in choices if c.casefold() == given.casefold()
        ]
        if close and close[0] != given:
            message += f"; did you mean {close[0]!r}?"
    return dataclasses.replace(issue, allowed=allowed, message=message)
