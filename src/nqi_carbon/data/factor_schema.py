"""Schema of one emission factor and one fuel, shared by factor packs and inline factors."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ..errors import NqiCarbonError
from ..units import parse_unit, registry
from .fields import (
    FiniteFloat,
    FreeText,
    Identifier,
    NonNegativeFloat,
    RuleError,
    SingleLineText,
    StrictModel,
    Uncertainty,
)
from .gases import is_blend, normalise_gas

__all__ = [
    "FUEL_PARAMETERS",
    "CO2eValue",
    "FactorEntry",
    "FuelEntry",
    "FuelParameter",
    "GasValue",
    "Validity",
    "currency_of",
    "fraction_out_of_range",
]


@lru_cache(maxsize=1024)
def currency_of(unit: str) -> str | None:
    """The currency a unit is an amount of (``"USD"`` for ``USD`` or ``kUSD``), else None.

    Each currency is its own dimension in the registry (``[currency_USD]``); a unit that
    mixes a currency with another dimension (``USD/t``) is not an amount of money.
    """
    try:
        dims = dict(parse_unit(unit).dimensionality)
    except NqiCarbonError:
        return None
    if len(dims) == 1:
        (name, power), = dims.items()
        if power == 1 and name.startswith("[currency_"):
            return name[len("[currency_") : -1]
    return None

def _check_unit(text: str) -> str:
    try:
        parse_unit(text)
    except NqiCarbonError as exc:
        raise ValueError(str(exc)) from None
    return text


def fraction_out_of_range(name: str, value: float, unit: str) -> str | None:
    """Why *value* [*unit*] is not a fraction within 0..1, or None when it is.

    A value that reads like a percentage given with unit ``1`` (58.2 for 58.2 %) gets a
    message suggesting ``0.582`` or the ``%`` unit. The unit must be dimensionless
    (checked apart, by ``parameter_units_fit``); an unparsable unit gives None here.
    """
    try:
        q = parse_unit(unit)
        if not q.dimensionless:
            return None
        frac = value * float(q.to("dimensionless").magnitude)
    except NqiCarbonError:
        return None
    if 0 <= frac <= 1:
        return None
    message = f"{name} {value:g} (unit {unit!r}) is {frac:g}, outside 0..1 (a fraction)"
    if q.to("dimensionless").magnitude == 1 and 1 < value <= 100:
        message += f"; if {value:g} is a percentage, write {value / 100:.4g} or unit '%'"
    return message


class GasValue(StrictModel):
    """Mass of one gas per unit of activity, e.g. ``{value: 56100, unit: kg/TJ}``."""

    value: NonNegativeFloat
    unit: SingleLineText = Field(min_length=1)
    uncertainty: Uncertainty | None = None
    reference: FreeText | None = None
    origin: Literal["fossil", "non_fossil"] | None = None

    _unit_known = field_validator("unit")(_check_unit)


class CO2eValue(StrictModel):
    """A factor given directly as CO2e, with the GWP set it was computed under."""

    value: NonNegativeFloat
    unit: SingleLineText = Field(min_length=1)
    gwp_set: SingleLineText
    uncertainty: Uncertainty | None = None
    reference: FreeText | None = None

    _unit_known = field_validator("unit")(_check_unit)


class FuelParameter(StrictModel):
    """One fuel property (NCV, carbon content per unit heat, oxidation fraction...)."""

    value: Annotated[FiniteFloat, Field(gt=0)]
    unit: SingleLineText = Field(min_length=1)
    uncertainty: Uncertainty | None = None
    reference: FreeText | None = None
    notes: FreeText | None = None

    _unit_known = field_validator("unit")(_check_unit)


FUEL_PARAMETERS = ("ncv", "carbon_content", "oxidation", "density", "gcv", "ncv_per_gcv")
"""The parameters a fuel entry may state, each a :class:`FuelParameter` with its citation."""


# what a calorific value or a density may be "per": a mass or a kind of volume
_PER_DIMENSIONS = ("[mass]", "[length]**3", "[normal_gas_volume]", "[us_standard_gas_volume]")


def _per_quantity(unit: str, numerator: str) -> bool:
    """Whether *unit* is *numerator* per mass, per volume, per Nm3 or per scf (a mass never per mass)."""
    ureg = registry()
    dim = parse_unit(unit).dimensionality
    top = ureg.get_dimensionality(numerator)
    per = _PER_DIMENSIONS[1:] if numerator == "[mass]" else _PER_DIMENSIONS
    return any(dim * ureg.get_dimensionality(d) == top for d in per)


class FuelEntry(StrictModel):
    """Properties of a fuel, used by the fuel chain and the carbon-content method.

    ``ncv`` and ``gcv`` are net and gross calorific values (energy per mass or per
    volume); ``density`` is mass per volume (a liquid in L or m3, a gas per Nm3);
    ``ncv_per_gcv`` is the ratio of the net to the gross calorific value, which turns an
    energy amount on one basis into the other. ``applies_to`` names the factors and fuels
    of other packs whose activity these properties may convert (see
    docs/reference/pack-format.md, "Fuel properties").
    """

    id: Identifier
    name: SingleLineText
    ncv: FuelParameter | None = None
    carbon_content: FuelParameter | None = None
    oxidation: FuelParameter | None = None
    density: FuelParameter | None = None
    gcv: FuelParameter | None = None
    ncv_per_gcv: FuelParameter | None = None
    applies_to: tuple[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*/\S+$")], ...] = ()
    reference: FreeText | None = None
    biogenic: bool = False
    notes: FreeText | None = None

    @model_validator(mode="after")
    def parameter_units_fit(self) -> FuelEntry:
        """Each parameter has the dimension of what it is (see the class docstring)."""
        ureg = registry()
        checks = (
            ("ncv", "[energy]", "energy per mass or per volume"),
            ("gcv", "[energy]", "energy per mass or per volume"),
            ("density", "[mass]", "mass per volume (kg/L, kg/m3, kg/Nm3)"),
        )
        for name, top, what in checks:
            p: FuelParameter | None = getattr(self, name)
            if p is not None and not _per_quantity(p.unit, top):
                raise RuleError("parameter_units_fit", f"{name} unit {p.unit!r} is not {what}")
        energy = ureg.get_dimensionality("[energy]")
        if self.carbon_content is not None:
            dim = parse_unit(self.carbon_content.unit).dimensionality
            if dim != ureg.get_dimensionality("[mass]") / energy:
                raise RuleError(
                    "parameter_units_fit",
                    f"carbon_content unit {self.carbon_content.unit!r} is not mass of carbon per energy",
                )
        for name in ("oxidation", "ncv_per_gcv"):
            p = getattr(self, name)
            if p is not None and not parse_unit(p.unit).dimensionless:
                raise RuleError("parameter_units_fit", f"{name} must be a fraction (unit '1' or '%')")
        return self

    @model_validator(mode="after")
    def oxidation_within_0_1(self) -> FuelEntry:
        """The oxidation factor is a fraction within 0..1 (converted from its unit)."""
        if self.oxidation is not None:
            why = fraction_out_of_range("oxidation", self.oxidation.value, self.oxidation.unit)
            if why:
                raise RuleError("oxidation_within_0_1", why)
        return self

    @model_validator(mode="after")
    def ncv_per_gcv_within_0_1(self) -> FuelEntry:
        """A net calorific value is never above the gross one: the ratio lies within 0..1."""
        if self.ncv_per_gcv is not None:
            why = fraction_out_of_range("ncv_per_gcv", self.ncv_per_gcv.value, self.ncv_per_gcv.unit)
            if why:
                raise RuleError("ncv_per_gcv_within_0_1", why)
        return self

    def parameters(self) -> dict[str, FuelParameter]:
        """The parameters this fuel states, by name (in :data:`FUEL_PARAMETERS` order)."""
        return {n: p for n in FUEL_PARAMETERS if (p := getattr(self, n)) is not None}


class Validity(StrictModel):
    """Years (data or vintage years) a factor applies to; ``to: null`` is open-ended."""

    from_: int = Field(alias="from", ge=1900, le=2200)
    to: Annotated[int, Field(ge=1900, le=2200)] | None = None

    @model_validator(mode="after")
    def to_not_before_from(self) -> Validity:
        """The validity ends no earlier than it starts."""
        if self.to is not None and self.to < self.from_:
            raise RuleError(
                "to_not_before_from", f"valid.to {self.to} is before valid.from {self.from_}"
            )
        return self


def _denominator(unit: str) -> str | None:
    if "/" not in unit:
        return None
    return unit.split("/", 1)[1].strip()


class FactorEntry(StrictModel):
    """An emission factor: per-gas masses (or CO2e) per unit of activity, with its citation."""

    id: Identifier
    name: SingleLineText | None = None
    activity_unit: SingleLineText | None = None
    basis: Literal["NCV", "GCV"] | None = None
    fuel: Identifier | None = None
    gases: dict[str, GasValue] | None = None
    co2e: CO2eValue | None = None
    reference: FreeText = Field(min_length=1)
    region: SingleLineText = "GLOBAL"
    valid: Validity | None = None
    data_year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    price_year: Annotated[int, Field(strict=True, ge=1900, le=2200)] | None = None
    """The year of the money a spend-based factor is per (the US EPA factors: 2022 USD)."""
    biogenic: bool = False
    notes: FreeText | None = None

    @model_validator(mode="after")
    def gases_or_co2e(self) -> FactorEntry:
        """A factor gives per-gas values or one CO2e value, not both and not neither."""
        if (self.gases is None) == (self.co2e is None):
            raise RuleError("gases_or_co2e", "give either 'gases' or 'co2e' (exactly one)")
        if self.gases is not None and not self.gases:
            raise RuleError("gases_or_co2e", "'gases' is empty")
        return self

    @model_validator(mode="after")
    def gas_names_known(self) -> FactorEntry:
        """Gas keys name known single species (canonicalised: HFC134a -> HFC-134a)."""
        if self.gases is None:
            return self
        out: dict[str, GasValue] = {}
        for name, value in self.gases.items():
            try:
                canonical = normalise_gas(name)
            except NqiCarbonError as exc:
                raise RuleError("gas_names_known", str(exc)) from None
            if is_blend(canonical):
                raise RuleError(
                    "gas_names_known",
                    f"{name!r} is a blend, not a single species: a factor gives each gas "
                    f"apart (the blend's components), or a source releases the blend "
                    f"(method: release, gas: {canonical})",
                )
            if canonical in out:
                raise RuleError("gas_names_known", f"gas {canonical!r} is given twice")
            out[canonical] = value
        if list(out) != list(self.gases):
            object.__setattr__(self, "gases", out)
        return self

    @model_validator(mode="after")
    def activity_unit_known(self) -> FactorEntry:
        """The activity unit is given, or follows from the gas units (``t/t`` -> ``t``)."""
        if self.activity_unit is None:
            units = [g.unit for g in (self.gases or {}).values()] or (
                [self.co2e.unit] if self.co2e else []
            )
            denoms = {_denominator(u) for u in units}
            if len(denoms) != 1 or None in denoms:
                raise RuleError(
                    "activity_unit_known",
                    "give 'activity_unit' (it cannot be read from the gas units)",
                )
            object.__setattr__(self, "activity_unit", denoms.pop())
        try:
            parse_unit(str(self.activity_unit))
        except NqiCarbonError as exc:
            raise RuleError("activity_unit_known", str(exc)) from None
        return self

    @model_validator(mode="after")
    def price_year_needs_currency(self) -> FactorEntry:
        """A price year is stated only for a factor per amount of money (USD, EUR...)."""
        if self.price_year is not None and currency_of(str(self.activity_unit)) is None:
            raise RuleError(
                "price_year_needs_currency",
                f"price_year is the year of the money a spend-based factor is per; activity "
                f"unit {self.activity_unit!r} is not an amount of money",
            )
        return self

    @model_validator(mode="after")
    def gas_units_are_mass_per_activity(self) -> FactorEntry:
        """Each gas unit is a mass per activity unit (kg/TJ for a TJ factor...)."""
        ureg = registry()
        act = parse_unit(str(self.activity_unit))
        values = list((self.gases or {}).items())
        if self.co2e is not None:
            values.append(("CO2e", self.co2e))  # type: ignore[arg-type]
        for gas, v in values:
            dim = parse_unit(v.unit).dimensionality * act.dimensionality
            if dim != ureg.get_dimensionality("[mass]"):
                raise RuleError(
                    "gas_units_are_mass_per_activity",
                    f"{gas}: unit {v.unit!r} is not a mass per {self.activity_unit!r}",
                )
        return self

    @model_validator(mode="after")
    def basis_only_for_energy(self) -> FactorEntry:
        """A calorific basis (NCV/GCV) is stated only for per-energy factors."""
        if self.basis is not None:
            dim = parse_unit(str(self.activity_unit)).dimensionality
            if dim != registry().get_dimensionality("[energy]"):
                raise RuleError(
                    "basis_only_for_energy",
                    f"basis {self.basis} given but activity unit {self.activity_unit!r} is not energy",
                )
        return self
