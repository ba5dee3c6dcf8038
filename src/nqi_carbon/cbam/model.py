"""The installation file (``schema: nqi-carbon/cbam-installation@1``).

A CBAM installation names its organisation **inventory** (an ``nqi-carbon/inventory@1``
file, calculated here with :func:`~nqi_carbon.calculate`; its period is the reporting
period), the **rules** in force (``transitional``, Implementing Regulation (EU) 2023/1773,
or ``definitive``, from 2026), the **installation** (the fields of the EU template's
sheet A_InstData), its **production processes** — each with its aggregated goods
category, production route, CN codes, the inventory sources attributed to it, its
activity level, electricity, heat and waste-gas flows and the precursors it consumes —
and the **purchased precursors** with their specific embedded emissions.

Every model refuses unknown keys, takes numbers strictly and checks one rule per named
validator (its name is the reason code); see ``docs/reference/cbam.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..data.fields import (
    FiniteFloat,
    FreeText,
    Identifier,
    NonNegativeFloat,
    RuleError,
    SingleLineText,
    StrictModel,
)

__all__ = [
    "SCHEMA",
    "Electricity",
    "Installation",
    "InstallationData",
    "PrecursorUse",
    "Process",
    "PurchasedPrecursor",
    "load_installation",
]

SCHEMA = "nqi-carbon/cbam-installation@1"

PositiveFloat = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False)]
CountryCode = Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}$")]
CNCode = Annotated[str, Field(strict=True, pattern=r"^[0-9]{8}$")]
"""A CN code of 8 digits without spaces, e.g. ``76011090``."""


def _category_rules(category: str, route: str, where: str) -> None:
    """The category exists; the route is one of its routes."""
    from .rules import cbam_rules

    rules = cbam_rules()
    if category not in rules.categories:
        raise RuleError(
            "cbam_category_known",
            f"{where}: {category!r} is not an aggregated goods category of CBAM; allowed: "
            + ", ".join(rules.categories),
        )
    routes = rules.categories[category].routes
    if route not in routes:
        raise RuleError(
            "cbam_route_known",
            f"{where}: {route!r} is not a production route of {category}; allowed: "
            + ", ".join(routes),
        )


class InstallationData(StrictModel):
    """The installation (template sheet A_InstData, section 2)."""

    name: SingleLineText | None = Field(default=None, min_length=1)
    name_en: SingleLineText = Field(min_length=1)
    street: SingleLineText | None = None
    economic_activity: SingleLineText | None = None
    post_code: SingleLineText | None = None
    po_box: SingleLineText | None = None
    city: SingleLineText = Field(min_length=1)
    country: CountryCode
    unlocode: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")] | None = None
    latitude: Annotated[float, Field(strict=True, ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(strict=True, ge=-180, le=180)] | None = None
    representative: SingleLineText | None = None
    email: SingleLineText | None = None
    telephone: SingleLineText | None = None

    @model_validator(mode="after")
    def unlocode_in_country(self) -> InstallationData:
        """A UN/LOCODE starts with the installation's country code."""
        if self.unlocode is not None and not self.unlocode.startswith(self.country):
            raise RuleError(
                "unlocode_in_country",
                f"UN/LOCODE {self.unlocode} does not start with the country {self.country}",
            )
        return self


class SourceShare(StrictModel):
    """An inventory source attributed to a process, whole or in part (``share``)."""

    source: Identifier
    share: Share = 1.0


class Electricity(StrictModel):
    """Electricity consumed by a process and its emission factor (template D_Processes (j)).

    The factor is the inventory's: ``inventory_source`` names a category-2 source whose
    factor gives CO2 per unit of energy; or it is stated: ``factor_t_per_mwh`` with its
    ``factor_source`` (a citation).
    """

    consumed_mwh: NonNegativeFloat
    inventory_source: Identifier | None = None
    factor_t_per_mwh: NonNegativeFloat | None = None
    factor_source: FreeText | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def electricity_factor_given(self) -> Electricity:
        """Either the inventory's source or a stated factor with its source, not both."""
        stated = self.factor_t_per_mwh is not None
        if (self.inventory_source is not None) == stated:
            raise RuleError(
                "electricity_factor_given",
                "give 'inventory_source' (the inventory's grid source) or 'factor_t_per_mwh' "
                "with 'factor_source', exactly one",
            )
        if stated != (self.factor_source is not None):
            raise RuleError(
                "electricity_factor_given", "a stated factor_t_per_mwh needs its factor_source"
            )
        return self


class HeatFlows(StrictModel):
    """Measurable heat imported and exported [TJ] with their emission factors [t CO2/TJ]."""

    imported_tj: NonNegativeFloat = 0.0
    imported_factor_t_per_tj: NonNegativeFloat = 0.0
    exported_tj: NonNegativeFloat = 0.0
    exported_factor_t_per_tj: NonNegativeFloat = 0.0


class WasteGases(StrictModel):
    """Waste gases imported and exported [TJ] (template D_Processes (i))."""

    imported_tj: NonNegativeFloat = 0.0
    exported_tj: NonNegativeFloat = 0.0


class ElectricityExported(StrictModel):
    """Electricity exported from the process [MWh] and its emission factor [t CO2/MWh]."""

    exported_mwh: NonNegativeFloat
    factor_t_per_mwh: NonNegativeFloat


class PrecursorUse(StrictModel):
    """A precursor consumed: from another ``process`` of the installation or ``purchased``.

    ``amount`` is in the precursor's functional unit (t; MWh for electricity) and includes
    what is spilt, cut off or lost in the process (Regulation 2025/2547 Annex III B).
    """

    process: Identifier | None = None
    purchased: Identifier | None = None
    amount: NonNegativeFloat

    @model_validator(mode="after")
    def precursor_names_one_origin(self) -> PrecursorUse:
        """A precursor comes from a process of the installation or is purchased: one of them."""
        if (self.process is None) == (self.purchased is None):
            raise RuleError(
                "precursor_names_one_origin", "give 'process' or 'purchased', exactly one"
            )
        return self

    @property
    def ref(self) -> str:
        """The id of the process or purchased precursor it names."""
        return self.process if self.process is not None else str(self.purchased)


class Process(StrictModel):
    """A production process (template sheets A_InstData 4(b) and D_Processes)."""

    id: Identifier
    name: SingleLineText = Field(min_length=1)
    category: SingleLineText
    route: SingleLineText = "All production routes"
    cn_codes: tuple[CNCode, ...] = Field(min_length=1)
    sources: tuple[SourceShare, ...] = ()
    activity_level: PositiveFloat
    produced_for_market: NonNegativeFloat | None = None
    electricity: Electricity | None = None
    heat: HeatFlows | None = None
    waste_gases: WasteGases | None = None
    electricity_exported: ElectricityExported | None = None
    precursors: tuple[PrecursorUse, ...] = ()
    qualifying_parameters: dict[SingleLineText, FiniteFloat | SingleLineText] = Field(
        default_factory=dict
    )
    """The good's qualifying parameters, by the template's names (``t scrap per t aluminium``,
    ``% pre-consumer scrap`` ...); a ``%`` parameter is a share from 0 to 1."""

    @model_validator(mode="after")
    def process_category_and_route(self) -> Process:
        """The category is a CBAM aggregated goods category and the route one of its routes."""
        _category_rules(self.category, self.route, f"process {self.id}")
        return self

    @model_validator(mode="after")
    def cn_codes_in_category(self) -> Process:
        """Each CN code is a CBAM good of the process's category."""
        from .rules import cbam_rules

        codes = cbam_rules().cn_codes
        bad = [c for c in self.cn_codes if codes.get(c, ("",))[0] != self.category]
        if bad:
            where = [
                f"{c} ({codes[c][0]})" if c in codes else f"{c} (not a CBAM good)" for c in bad
            ]
            raise RuleError(
                "cn_codes_in_category",
                f"CN codes not of {self.category}: {', '.join(where)}",
            )
        return self

    @model_validator(mode="after")
    def qualifying_parameters_known(self) -> Process:
        """Each parameter is one of the category's; a ``%`` one is a share from 0 to 1."""
        from .rules import cbam_rules

        cat = cbam_rules().categories.get(self.category)
        allowed = () if cat is None else cat.parameters
        unknown = [k for k in self.qualifying_parameters if k not in allowed]
        if unknown:
            raise RuleError(
                "qualifying_parameters_known",
                f"not a qualifying parameter of {self.category}: {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(allowed) or 'none'}",
            )
        bad = [
            k
            for k, v in self.qualifying_parameters.items()
            if k.startswith("%") and not (isinstance(v, float | int) and 0 <= v <= 1)
        ]
        if bad:
            raise RuleError(
                "qualifying_parameters_known",
                f"{', '.join(map(repr, bad))}: a share from 0 to 1 (0.012 for 1.2 %)",
            )
        return self

    @model_validator(mode="after")
    def process_sources_unique(self) -> Process:
        """An inventory source is attributed to a process once."""
        ids = [s.source for s in self.sources]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise RuleError("process_sources_unique", f"sources listed twice: {', '.join(dup)}")
        return self


class PurchasedPrecursor(StrictModel):
    """A precursor bought from another installation (template sheet E_PurchPrec).

    ``see_indirect`` is stated, or computed from the specific electricity consumption
    [MWh per unit] and the electricity emission factor [t CO2/MWh] (E_PurchPrec (e) ii-iv).
    ``data: default`` marks default values, which need a ``default_justification``.
    """

    id: Identifier
    name: SingleLineText = Field(min_length=1)
    category: SingleLineText
    route: SingleLineText = "All production routes"
    country: CountryCode
    installation: SingleLineText | None = None
    see_direct: NonNegativeFloat
    see_indirect: NonNegativeFloat | None = None
    electricity_mwh_per_unit: NonNegativeFloat | None = None
    electricity_factor_t_per_mwh: NonNegativeFloat | None = None
    data: Literal["actual", "default"]
    source: FreeText = Field(min_length=1)
    default_justification: FreeText | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def purchased_category_and_route(self) -> PurchasedPrecursor:
        """The category is a CBAM aggregated goods category and the route one of its routes."""
        _category_rules(self.category, self.route, f"purchased precursor {self.id}")
        return self

    @model_validator(mode="after")
    def see_indirect_given(self) -> PurchasedPrecursor:
        """SEE (indirect) is stated, or its electricity and factor are: exactly one way."""
        pair = (self.electricity_mwh_per_unit, self.electricity_factor_t_per_mwh)
        if self.see_indirect is None and None in pair:
            raise RuleError(
                "see_indirect_given",
                "give see_indirect, or electricity_mwh_per_unit and electricity_factor_t_per_mwh",
            )
        if self.see_indirect is not None and pair != (None, None):
            raise RuleError(
                "see_indirect_given",
                "see_indirect is stated: leave out electricity_mwh_per_unit and "
                "electricity_factor_t_per_mwh (or give those two instead)",
            )
        return self

    @model_validator(mode="after")
    def default_values_justified(self) -> PurchasedPrecursor:
        """Default values are used with a justification (E_PurchPrec (e) v)."""
        if self.data == "default" and self.default_justification is None:
            raise RuleError(
                "default_values_justified",
                "a precursor on default values states its 'default_justification'",
            )
        return self

    @property
    def see_indirect_value(self) -> float:
        """SEE (indirect) [t CO2e per unit]: stated, or electricity x factor."""
        if self.see_indirect is not None:
            return self.see_indirect
        assert self.electricity_mwh_per_unit is not None  # see_indirect_given
        assert self.electricity_factor_t_per_mwh is not None
        return self.electricity_mwh_per_unit * self.electricity_factor_t_per_mwh


class Installation(StrictModel):
    """A CBAM installation file (``schema: nqi-carbon/cbam-installation@1``)."""

    schema_: Literal["nqi-carbon/cbam-installation@1"] = Field(alias="schema")
    rules: Literal["transitional", "definitive"]
    inventory: SingleLineText = Field(min_length=1)
    installation: InstallationData
    processes: tuple[Process, ...] = Field(min_length=1)
    purchased_precursors: tuple[PurchasedPrecursor, ...] = ()
    quality: FreeText | None = None
    """General information on data quality (Summary_Communication 3)."""
    quality_assurance: FreeText | None = None
    additional_information: FreeText | None = None

    @model_validator(mode="after")
    def cbam_ids_unique(self) -> Installation:
        """Process and purchased-precursor ids are unique, together."""
        ids = [p.id for p in self.processes] + [p.id for p in self.purchased_precursors]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise RuleError("cbam_ids_unique", f"ids used twice: {', '.join(dup)}")
        return self

    @model_validator(mode="after")
    def precursors_exist(self) -> Installation:
        """Every precursor names a process or purchased precursor of this file."""
        procs = {p.id for p in self.processes}
        bought = {p.id for p in self.purchased_precursors}
        missing = [
            f"{p.id} -> {u.ref}"
            for p in self.processes
            for u in p.precursors
            if (u.process is not None and u.process not in procs)
            or (u.purchased is not None and u.purchased not in bought)
        ]
        if missing:
            raise RuleError(
                "precursors_exist", f"precursors name no process or purchase: {', '.join(missing)}"
            )
        return self

    @model_validator(mode="after")
    def precursors_acyclic(self) -> Installation:
        """No process consumes its own output, directly or through other processes."""
        graph = {p.id: [u.process for u in p.precursors if u.process] for p in self.processes}
        state: dict[str, int] = {}

        def cyclic(node: str) -> bool:
            state[node] = 1
            for nxt in graph.get(node, ()):
                if state.get(nxt) == 1 or (nxt not in state and cyclic(nxt)):
                    return True
            state[node] = 2
            return False

        loops = [n for n in graph if n not in state and cyclic(n)]
        if loops:
            raise RuleError(
                "precursors_acyclic", f"processes consume their own output: from {loops[0]}"
            )
        return self

    def process_order(self) -> list[Process]:
        """The processes, each after the processes whose output it consumes."""
        by_id = {p.id: p for p in self.processes}
        done: dict[str, Process] = {}

        def visit(p: Process) -> None:
            for u in p.precursors:
                if u.process is not None and u.process not in done:
                    visit(by_id[u.process])
            done.setdefault(p.id, p)

        for p in self.processes:
            visit(p)
        return list(done.values())


def load_installation(
    source: str | Path | dict[str, Any] | Installation,
) -> tuple[Installation, str | None, str]:
    """Read and validate an installation file (or mapping): ``(model, path, SHA-256)``.

    Raises
    ------
    InvalidInputError
        Every problem of the file at once (field, value, what is allowed, reason code).
    """
    from ..data.packs import load_schema_document

    return load_schema_document(
        source,
        Installation,
        schema=SCHEMA,
        code="cbam_schema",
        what="CBAM installation file",
        field="installation",
        where="calculate_cbam()",
    )
