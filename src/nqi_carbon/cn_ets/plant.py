"""The plant file (``schema: nqi-carbon/cn-ets@1``): who reports, for which year, what it burns and makes.

One schema for the four sectors of the national carbon market; ``sector`` decides which
sections a file has. A power plant (``sector: power``) names its generating units (机组),
the fuels each burns and its monthly records file; cement, steel and aluminium plants
give their annual quantities in the file itself.

Every quantity is ``{value, unit, evidence, basis}``: the unit is converted (``%`` and
``1`` for fractions, ``t`` or ``10^4 Nm3`` for fuels, ``MWh``, ``GJ``...), the evidence is
the 存证 reference a verifier traces it to, and the basis says where a value that is not
measured comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from ..errors import Issue

__all__ = [
    "Anodes",
    "CarbonBalance",
    "CarbonFlow",
    "Clinker",
    "Energy",
    "Entity",
    "FuelUse",
    "GeneratingUnit",
    "Pfc",
    "PowerFuel",
    "PowerPlant",
    "Quantity",
    "SectorPlant",
    "convert",
    "load_plant",
]

SCHEMA = "nqi-carbon/cn-ets@1"
Language = Literal["zh", "en", "en+zh"]


def _repeated(ids: Iterable[str]) -> list[str]:
    """The ids that appear more than once, sorted (counted once each: linear in their number)."""
    from collections import Counter

    return sorted(i for i, n in Counter(ids).items() if n > 1)


class Quantity(StrictModel):
    """A stated quantity: a number >= 0 with its unit, its evidence and where it comes from."""

    value: NonNegativeFloat
    unit: SingleLineText = Field(min_length=1)
    evidence: FreeText | None = None
    basis: FreeText | None = None


class Entity(StrictModel):
    """The key emitting unit (重点排放单位)."""

    name: SingleLineText = Field(min_length=1)
    name_en: SingleLineText | None = None
    id: Identifier
    region: Annotated[str, Field(pattern=r"^CN(-[A-Z0-9]{1,3})?$")] | None = None
    address: FreeText | None = None


class GeneratingUnit(StrictModel):
    """A generating unit (机组) and the fuels it burns (keys of the plant's ``fuels``)."""

    id: Identifier
    name: SingleLineText | None = None
    capacity_mw: NonNegativeFloat | None = None
    fuels: tuple[Identifier, ...] = Field(min_length=1)


class PowerFuel(StrictModel):
    """A fuel burnt in the generating units.

    ``kind: coal`` takes the monthly element-carbon analyses and, for a month without a
    valid one, the high default carbon content per unit heat of the pack fuel named by
    ``unmeasured_carbon_default``. Other fuels (natural gas, fuel oil for start-up) take
    ``NCV × carbon content per unit heat``, from the records or, when a month does not
    state them, from the pack fuel ``pack_fuel``.
    """

    kind: Literal["coal", "other"]
    name: SingleLineText | None = None
    oxidation: Quantity | None = None
    unmeasured_carbon_default: SingleLineText | None = None
    pack_fuel: SingleLineText | None = None

    @model_validator(mode="after")
    def fuel_kind_parameters_fit(self) -> PowerFuel:
        """Coal states its oxidation rate and no pack fuel; other fuels no unmeasured default."""
        if self.kind == "coal" and self.oxidation is None:
            raise RuleError(
                "fuel_kind_parameters_fit",
                "coal needs 'oxidation' (the rate the plant applies, with its basis): "
                "nqi-carbon ships no default, the guideline text could not be confirmed",
            )
        if self.kind == "coal" and self.pack_fuel is not None:
            raise RuleError(
                "fuel_kind_parameters_fit",
                "coal takes measured carbon (or the unmeasured default), not a pack fuel's defaults",
            )
        if self.kind == "other" and self.unmeasured_carbon_default is not None:
            raise RuleError(
                "fuel_kind_parameters_fit",
                "'unmeasured_carbon_default' is the rule for coal; give 'pack_fuel' for other fuels",
            )
        return self


class PowerPlant(StrictModel):
    """A power plant's file: entity, accounting year, units, fuels, records, grid factor."""

    schema_: Literal["nqi-carbon/cn-ets@1"] = Field(alias="schema")
    sector: Literal["power"]
    entity: Entity
    year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    language: Language = "zh"
    units: tuple[GeneratingUnit, ...] = Field(min_length=1)
    fuels: dict[Identifier, PowerFuel] = Field(min_length=1)
    records: SingleLineText = Field(min_length=1)
    grid_factor: SingleLineText | None = None

    @model_validator(mode="after")
    def unit_fuels_declared(self) -> PowerPlant:
        """Unit ids are unique and each unit burns only fuels the file declares."""
        dup = _repeated(u.id for u in self.units)
        if dup:
            raise RuleError("unit_fuels_declared", f"unit ids appear twice: {', '.join(dup)}")
        for u in self.units:
            unknown = [f for f in u.fuels if f not in self.fuels]
            if unknown:
                raise RuleError(
                    "unit_fuels_declared",
                    f"unit {u.id!r} burns {', '.join(map(repr, unknown))}, not among fuels: "
                    + ", ".join(map(repr, self.fuels)),
                )
        return self


class FuelUse(StrictModel):
    """An annual fuel use: ``E = FC × NCV × CC × OF × 44/12`` or ``FC × C_ar × OF × 44/12``."""

    id: Identifier
    name: SingleLineText | None = None
    consumption: Quantity
    pack_fuel: SingleLineText | None = None
    ncv: Quantity | None = None
    carbon_content: Quantity | None = None
    carbon_fraction: Quantity | None = None
    oxidation: Quantity | None = None

    @model_validator(mode="after")
    def carbon_basis_single(self) -> FuelUse:
        """Carbon per unit heat or per unit mass, not both."""
        if self.carbon_content is not None and self.carbon_fraction is not None:
            raise RuleError(
                "carbon_basis_single",
                "give 'carbon_content' (per heat) or 'carbon_fraction' (per mass), not both",
            )
        return self


class Energy(StrictModel):
    """Electricity and heat bought in and sent out (输入/输出的电力和热力)."""

    purchased_electricity: Quantity | None = None
    exported_electricity: Quantity | None = None
    purchased_heat: Quantity | None = None
    exported_heat: Quantity | None = None
    grid_factor: SingleLineText | None = None
    heat_factor: SingleLineText = "cn-mee/heat/purchased"


class Clinker(StrictModel):
    """Clinker-based process CO2 of cement: CaO and MgO of clinker (and dusts) from carbonates.

    The oxides from non-carbonate sources (slag, fly ash in the raw meal) are stated, 0 when
    there are none: nothing is assumed.
    """

    output: Quantity
    cao: Quantity
    mgo: Quantity
    cao_non_carbonate: Quantity
    mgo_non_carbonate: Quantity
    kiln_dust: Quantity | None = None
    bypass_dust: Quantity | None = None
    raw_meal: Quantity | None = None
    raw_meal_carbon: Quantity | None = None

    @model_validator(mode="after")
    def raw_meal_with_carbon(self) -> Clinker:
        """Raw meal and its non-fuel carbon content are given together."""
        if (self.raw_meal is None) != (self.raw_meal_carbon is None):
            raise RuleError(
                "raw_meal_with_carbon",
                "give 'raw_meal' and 'raw_meal_carbon' together (or neither)",
            )
        return self


class CarbonFlow(StrictModel):
    """A material entering or leaving the balance, with its carbon mass fraction."""

    id: Identifier
    name: SingleLineText | None = None
    amount: Quantity
    carbon: Quantity


class CarbonBalance(StrictModel):
    """The carbon balance of the plant: carbon in minus carbon out, as CO2."""

    inputs: tuple[CarbonFlow, ...] = Field(min_length=1)
    outputs: tuple[CarbonFlow, ...] = ()


class Anodes(StrictModel):
    """Prebaked anode consumption in aluminium electrolysis."""

    aluminium: Quantity
    net_consumption: Quantity
    sulphur: Quantity
    ash: Quantity


class Pfc(StrictModel):
    """CF4 and C2F6 from anode effects, per tonne of aluminium, and the GWP set to weigh them."""

    gwp: SingleLineText = Field(min_length=1)
    cf4: Quantity
    c2f6: Quantity


class SectorPlant(StrictModel):
    """A cement, iron-and-steel or aluminium plant's file (annual quantities)."""

    schema_: Literal["nqi-carbon/cn-ets@1"] = Field(alias="schema")
    sector: Literal["cement", "steel", "aluminium"]
    entity: Entity
    year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    language: Language = "zh"
    production: Quantity | None = None
    fuels: tuple[FuelUse, ...] = ()
    clinker: Clinker | None = None
    carbon_balance: CarbonBalance | None = None
    anodes: Anodes | None = None
    pfc: Pfc | None = None
    energy: Energy = Energy()
    recovered_co2: Quantity | None = None

    @model_validator(mode="after")
    def sector_sections_fit(self) -> SectorPlant:
        """Each sector has its process section and no other sector's."""
        own = {"cement": "clinker", "steel": "carbon_balance", "aluminium": "anodes"}
        need = own[self.sector]
        if getattr(self, need) is None:
            raise RuleError("sector_sections_fit", f"a {self.sector} plant needs '{need}'")
        other = [s for s in (*own.values(), "pfc") if s != need and getattr(self, s) is not None]
        if self.sector == "aluminium":
            other = [s for s in other if s != "pfc"]
        if other:
            raise RuleError(
                "sector_sections_fit",
                f"a {self.sector} plant has no {', '.join(other)} section",
            )
        ids = [f.id for f in self.fuels]
        if self.carbon_balance is not None:
            ids += [f.id for f in (*self.carbon_balance.inputs, *self.carbon_balance.outputs)]
        dup = _repeated(ids)
        if dup:
            raise RuleError("sector_sections_fit", f"ids appear twice: {', '.join(dup)}")
        return self


Plant = PowerPlant | SectorPlant


def convert(
    q: Quantity, target: str, field: str, issues: list[Issue], *, file: str | None
) -> float:
    """*q* in *target* units; a unit that cannot be converted is an issue (NaN returned)."""
    from ..errors import NqiCarbonError
    from ..units import conversion_factor

    try:
        return q.value * conversion_factor(q.unit, target)
    except NqiCarbonError as exc:
        issues.append(
            Issue(
                "cn_ets_uom",
                f"unit {q.unit!r} is not a unit of this quantity ({exc})",
                file=file,
                field=f"{field}.unit",
                value=repr(q.unit),
                allowed=f"a unit convertible to {target}",
            )
        )
        return float("nan")


def fraction(q: Quantity, field: str, issues: list[Issue], *, file: str | None) -> float:
    """*q* as a fraction (``58.2 %`` or ``0.582``), which must lie within 0..1."""
    x = convert(q, "1", field, issues, file=file)
    if x == x and x > 1:
        issues.append(
            Issue(
                "cn_ets_value",
                "a mass fraction or rate lies within 0..1 (100 %)",
                file=file,
                field=f"{field}.value",
                value=repr(q.value),
                allowed=f"at most 100 % ({q.value:g} {q.unit} is {x:g})",
            )
        )
    return x


def load_plant(source: str | Path | dict[str, Any]) -> tuple[Plant, str | None, str]:
    """Read and validate a plant file (or mapping): ``(plant, path, SHA-256 of the input)``.

    Raises
    ------
    InvalidInputError
        Every problem of the file at once (field, value, what is allowed, reason code).
    """
    import hashlib
    import json

    from .._io.structured import read_structured

    if isinstance(source, dict):
        data: Any = source
        name = None
        digest = hashlib.sha256(
            json.dumps(source, sort_keys=True, default=str).encode()
        ).hexdigest()
    else:
        name = str(source)
        data, digest = read_structured(source, what="plant file")
    return _validate(data, name), name, digest


def _validate(data: Any, name: str | None) -> Plant:
    from ..data.packs import require_schema, validate_document

    require_schema(
        data, SCHEMA, code="cn_ets_schema", what="a China ETS plant file", file=name
    )
    model: type[PowerPlant] | type[SectorPlant] = (
        PowerPlant if data.get("sector") == "power" else SectorPlant
    )
    return validate_document(model, data, file=name)
