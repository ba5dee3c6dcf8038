"""Planning: each source's factor, fuel parameters and GWPs resolved once.

A source becomes per-gas coefficients [t gas per base unit of activity] with GWPs,
consolidation share and the uncertain parameters they depend on (:func:`plan_sources`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast, overload

import numpy as np
import numpy.typing as npt

from ..data.factor_schema import FuelParameter, currency_of
from ..data.factors import Factor, FactorRegistry, Fuel, registry_for
from ..data.fields import (
    Uncertainty,
    relative_half_width,
)
from ..data.gases import _catalogue as _gas_catalogue
from ..data.gases import normalise_gas
from ..data.gwp import _normalise_set, gwp
from ..errors import (
    DimensionalityMismatchError,
    InvalidInputError,
    Issue,
    NqiCarbonError,
)
from ..inventory.models import (
    CONTRACT_PRECEDENCE,
    Contract,
    Facility,
    Inventory,
    MeasuredParameter,
    Source,
)
from ..units import conventional_basis, conversion_factor, is_energy, parse_unit, registry
from ._gc import paused_gc
from .chain import FuelProperties, UnitChain, fuel_properties, unit_chain
from .contracts import usable_contracts
from .findings import Finding, PlannedFindings
from .scope3 import financed_terms, spend_scale

__all__ = ["Parameter", "PlanSet", "SourcePlan", "consolidation_share", "plan_sources"]

C_TO_CO2 = 44.0 / 12.0  # mass ratio CO2/C (IPCC 2006 Vol. 2 Ch. 2 Eq. 2.1 note; MEE guidelines)


FloatArray = npt.NDArray[np.float64]

Templates = tuple[tuple[str, Any, str], ...]
"""Findings without their subject: (code, severity, message), given under each source's id."""


IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Parameter:
    """An uncertain input shared by every line that depends on it.

    ``key`` identifies it across sources (``factor:ipcc-2006/stationary/natural_gas:CO2``,
    ``fuel:cn-mee/fuel/anthracite:ncv``, ``source:kiln:carbon_fraction``...), so lines that
    use one factor are fully correlated through it.
    """

    key: str
    nominal: float
    u95: float  # relative half-width of the 95 % interval
    spec: Uncertainty | None
    label: str


@dataclass(frozen=True)
class GasTerm:
    """One gas of one source: coefficient and the parameters it is proportional to."""

    gas: str  # species id or "CO2e"
    coef: float  # t gas per base unit
    gwp: float  # t CO2e per t gas (1 for CO2e factors)
    biogenic: bool
    group: str  # CO2, CH4, N2O, HFCs, PFCs, SF6, NF3, non_kyoto, unspecified
    origin: str | None
    params: tuple[tuple[int, str], ...]  # (parameter index, "all" or "chain")


@dataclass(frozen=True)
class ContractPlan:
    """One contractual instrument of a scope-2 source, in its source's base unit."""

    label: str
    kind: str
    precedence: int
    amount: float  # base units of the source's activity
    terms: tuple[GasTerm, ...]
    ref: str


@dataclass(frozen=True)
class SourcePlan:
    """What one source contributes per unit of its base activity."""

    index: int
    source: Source
    facility: str
    category: int
    scope: str
    scope3_category: int | None
    method: str
    share: float
    base_unit: str
    factor_ref: str
    pack_version: str
    terms: tuple[GasTerm, ...]
    market_terms: tuple[GasTerm, ...] | None  # scope 2 market-based residual, when different
    market_ref: str | None
    contracts: tuple[ContractPlan, ...]
    chain_unit_scale: Mapping[str, float]  # input unit -> base-unit scale (computed once)
    chain_units: frozenset[str]  # input units that went through a chain (density, NCV...)
    unit_chains: Mapping[str, UnitChain] = dataclasses.field(default_factory=dict)


def consolidation_share(inv: Inventory, facility_id: str) -> float:
    """Share of a facility's emissions included under the inventory's approach.

    Equity share: the facility's ``equity_share``. Financial / operational control:
    1.0 when the facility is under that control, else 0.0 (GHG Protocol Corporate
    Standard ch. 3; ISO 14064-1 clause 5.1).
    """
    return _share_of(inv.facility(facility_id), inv.organization.consolidation)


def _share_of(fac: Facility, approach: str) -> float:
    """The share of *fac* under the consolidation *approach* (see :func:`consolidation_share`)."""
    if approach == "equity_share":
        return float(fac.equity_share)
    flag = getattr(fac, approach)
    return 1.0 if flag else 0.0


# ---------------------------------------------------------------------------------------
# 1. plan
# ---------------------------------------------------------------------------------------
_ISO_REGION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


class _Planner:
    def __init__(self, inv: Inventory, reg: FactorRegistry) -> None:
        self.inv = inv
        self.reg = reg
        self.gwp_set = inv.gwp
        self.params: list[Parameter] = []
        self._param_index: dict[str, int] = {}
        self.findings: list[Finding] = []
        self.issues: list[Issue] = []
        self.factors_used: dict[str, Factor] = {}
        self.year = inv.period.start.year
        self._terms: dict[tuple[str, str | None], tuple[GasTerm, ...]] = {}
        self._resolved: dict[str, Factor] = {}
        self.unquantified: dict[str, set[str]] = {}
        self._gwp: dict[tuple[str, str | None], tuple[float, str]] = {}
        approach = inv.organization.consolidation
        self._shares = {f.id: _share_of(f, approach) for f in inv.facilities}
        # fuel properties and chains, shared by the sources that state nothing of their own
        # (no density): ten thousand sources have a few dozen distinct chains
        self._props: dict[tuple[str | None, ...], FuelProperties] = {}
        self._chains: dict[tuple[object, ...], UnitChain] = {}
        self._basis_texts: dict[tuple[object, ...], str] = {}  # per chain, its basis warning
        self._money: dict[str, bool] = {}
        self._regions = {f.id: f.region for f in inv.facilities}
        # carbon per fuel unit of a pair of parameters, worked out once (pint arithmetic)
        self._per_unit: dict[tuple[float, str, float, str], tuple[str, float]] = {}
        # sources of one kind share one plan: the factor sources with nothing of their own
        # (factor, origin, basis, units), carbon-content sources on a named fuel and gas
        # masses; a source planned on its own is a kind of one
        self._kind_ids: dict[tuple[object, ...], int] = {}
        self.kinds: list[SourcePlan] = []  # each kind's plan, made for its first source
        self._kind_findings: list[Templates] = []
        # a factor's validity and region findings per (factor, facility), as templates
        self._checked: dict[tuple[str, str | None], int] = {}
        self._mismatch: dict[tuple[str, str | None], bool] = {}
        self._check_findings: list[Templates] = []
        # the findings of each (kind, check) as templates: one group per pair
        self._group_ids: dict[tuple[int, int], int] = {}
        self.groups: list[Templates] = []
        self.own_findings: dict[int, list[Finding]] = {}  # per source planned on its own
        # a factor source's kind by its factor reference as written, and its group of
        # findings per (kind, facility region): the look-ups of a source like one seen before
        self._written: dict[tuple[object, ...], tuple[int, Factor]] = {}
        self._region_groups: dict[tuple[int, str | None], int] = {}

    def resolve(self, ref: str) -> Factor:
        found = self._resolved.get(ref)
        if found is None:
            found = self._resolved[ref] = self.reg.resolve(ref)
        return found

    def param(self, key: str, nominal: float, spec: Uncertainty | None, label: str) -> int | None:
        if spec is None:
            if nominal != 0:
                owner, _, part = key.rpartition(":")
                self.unquantified.setdefault(owner, set()).add(part)
            return None
        u = relative_half_width(spec, nominal) if nominal != 0 else 0.0
        if u == 0 or not math.isfinite(u):
            return None
        if key not in self._param_index:
            self._param_index[key] = len(self.params)
            self.params.append(Parameter(key, nominal, u, spec, label))
        return self._param_index[key]

    # -- GWP for one gas ----------------------------------------------------------------
    def gas_gwp(self, gas: str, origin: str | None, subject: str) -> tuple[float, str]:
        cat = _gas_catalogue()
        sp = cat.species[gas]
        if sp.kyoto and (gas, origin) in self._gwp:
            return self._gwp[(gas, origin)]
        if not sp.kyoto:
            return 0.0, "non_kyoto"
        from ..data.gases import _KYOTO_GROUP_OF

        found = (gwp(gas, self.gwp_set, origin), _KYOTO_GROUP_OF[sp.group])  # type: ignore[arg-type]
        self._gwp[(gas, origin)] = found
        return found

    # -- factor method ------------------------------------------------------------------
    def factor_terms(self, src: Source, factor: Factor, *, label: str) -> tuple[GasTerm, ...]:
        self._check_validity(src, factor)
        self._check_region(src, factor)
        return self._terms_of(src, factor)

    def _terms_of(self, src: Source, factor: Factor) -> tuple[GasTerm, ...]:
        """The gas terms of *factor* for *src* (cached per factor and origin), with findings."""
        e = factor.entry
        if e.co2e is not None:
            fset = _normalise_set(e.co2e.gwp_set)
            if fset != self.gwp_set:
                self.findings.append(
                    Finding(
                        "co2e_factor_gwp_set",
                        "warning",
                        src.id,
                        f"factor {factor.ref} is CO2e under {fset}, the inventory uses {self.gwp_set}; "
                        "applied as given",
                    )
                )
        key = (factor.ref, src.origin)
        if key not in self._terms:
            self._terms[key] = self._factor_terms(src, factor)
        return self._note_non_kyoto(src, self._terms[key])

    def _note_non_kyoto(self, src: Source, terms: tuple[GasTerm, ...]) -> tuple[GasTerm, ...]:
        for t in terms:
            if t.group == "non_kyoto":
                self.findings.append(
                    Finding(
                        "non_kyoto_counted_zero",
                        "info",
                        src.id,
                        f"{t.gas} is outside the Kyoto basket: its mass is reported, its CO2e counted as 0",
                    )
                )
        return terms

    def _factor_terms(self, src: Source, factor: Factor) -> tuple[GasTerm, ...]:
        e = factor.entry
        base = factor.activity_unit
        terms: list[GasTerm] = []
        if e.co2e is not None:
            coef = e.co2e.value * conversion_factor(e.co2e.unit, "t", per=base)
            p = self.param(
                f"factor:{factor.ref}:CO2e", e.co2e.value, e.co2e.uncertainty, f"{factor.ref} CO2e"
            )
            terms.append(
                GasTerm(
                    "CO2e",
                    coef,
                    1.0,
                    False,
                    "unspecified",
                    None,
                    ((p, "all"),) if p is not None else (),
                )
            )
            return tuple(terms)
        if e.biogenic and src.origin == "fossil":
            raise InvalidInputError(
                [
                    Issue(
                        "origin_matches_factor",
                        f"factor {factor.ref} is for a biomass fuel (its CO2 is biogenic); a "
                        "fossil origin contradicts it",
                        field=f"sources[{src.id}].origin",
                        value="'fossil'",
                        allowed="non_fossil or no origin (taken from the factor)",
                    )
                ]
            )
        for gas, gv in (e.gases or {}).items():
            coef = gv.value * conversion_factor(
                gv.unit, "t", per=base, context=f"factor {factor.ref} {gas}"
            )
            origin = src.origin or gv.origin or ("non_fossil" if e.biogenic else "fossil")
            g, group = self.gas_gwp(gas, origin if gas == "CH4" else None, src.id)
            biogenic = e.biogenic and gas == "CO2"
            p = self.param(
                f"factor:{factor.ref}:{gas}", gv.value, gv.uncertainty, f"{factor.ref} {gas}"
            )
            terms.append(
                GasTerm(
                    gas,
                    coef,
                    g,
                    biogenic,
                    group,
                    origin if gas == "CH4" else None,
                    ((p, "all"),) if p is not None else (),
                )
            )
        return tuple(terms)

    def _check_region(self, src: Source, factor: Factor) -> None:
        """A factor for a country or province used at a facility elsewhere is a finding.

        Region codes are ISO 3166 (``CN``, ``CN-JS``): a factor for ``CN`` fits every
        Chinese facility, one for ``CN-JS`` only facilities in Jiangsu. ``GLOBAL`` and
        facilities without a region are not checked.
        """
        where = self._regions.get(src.facility)
        region = _region_mismatch(factor, where)
        if region is None:
            return
        self.findings.append(
            Finding(
                "factor_region",
                "warning",
                src.id,
                f"factor {factor.ref} is for region {region}; facility {src.facility} is in {where}",
            )
        )

    def _names_facility(self, factor: Factor, facility: str) -> bool:
        """Whether *factor*'s region finding at *facility* is made (once per factor and region)."""
        where = self._regions.get(facility)
        key = (factor.ref, where)
        found = self._mismatch.get(key)
        if found is None:
            found = self._mismatch[key] = _region_mismatch(factor, where) is not None
        return found

    def _check_validity(self, src: Source, factor: Factor) -> None:
        v = factor.entry.valid
        if v is None:
            return
        if self.year < v.from_ or (v.to is not None and self.year > v.to):
            span = f"{v.from_}-{v.to if v.to is not None else ''}"
            self.findings.append(
                Finding(
                    "factor_validity",
                    "warning",
                    src.id,
                    f"factor {factor.ref} is stated for {span}; the inventory period starts in {self.year}",
                )
            )

    def unit_scales(
        self, src: Source, factor: Factor, units: Sequence[str]
    ) -> tuple[dict[str, float], dict[str, UnitChain], list[int]]:
        """Each input unit's chain to the factor's activity unit (see :meth:`chains`)."""
        return self.chains(src, units, factor.activity_unit, factor=factor, fuel=factor.fuel)

    def chains(
        self,
        src: Source,
        units: Sequence[str],
        base: str,
        *,
        factor: Factor | None,
        fuel: Fuel | None,
    ) -> tuple[dict[str, float], dict[str, UnitChain], list[int]]:
        """Each input unit's chain to *base* (:mod:`.chain`), computed once per (source, unit).

        Returns the scale per unit, the chain of each unit that needed one and the indices
        of the uncertain parameters the chains use (applied to the activity that went
        through a chain).
        """
        scales: dict[str, float] = {}
        chains: dict[str, UnitChain] = {}
        params: list[int] = []
        # spend_scale has nothing to do for a factor per no money and a source stating no spend
        money = factor is not None and (src.spend is not None or self._per_money(factor))
        for u in units:
            spent = spend_scale(src, factor, u, self.year) if money and factor is not None else None
            if spent is not None:  # money to the factor's currency and year, cited
                scales[u], chain_text, inputs = spent
                if chain_text:
                    self.findings.append(
                        Finding("spend_converted", "info", src.id, f"spend {chain_text}")
                    )
                for key, value, spec, label in inputs:  # a stated rate's or index's error
                    p = self.param(key, value, spec, label) if spec is not None else None
                    if p is None:
                        continue
                    if p not in params:
                        params.append(p)
                    chains[u] = UnitChain(u, scales[u])  # so it acts on this money
                continue
            chain = self.chain(src, u, base, factor=factor, fuel=fuel)
            scales[u] = chain.scale
            if chain.steps:
                chains[u] = chain
            for step in chain.steps:
                label = f"{step.ref} {step.kind}"
                p = self.param(step.key, step.value, step.uncertainty, label)
                if p is not None and p not in params:
                    params.append(p)
        return scales, chains, params

    def _per_money(self, factor: Factor) -> bool:
        """Whether *factor* is per an amount of money (a spend-based factor), once per unit."""
        unit = str(factor.activity_unit)
        found = self._money.get(unit)
        if found is None:
            found = self._money[unit] = currency_of(unit) is not None
        return found

    def chain(
        self, src: Source, unit: str, base: str, *, factor: Factor | None, fuel: Fuel | None
    ) -> UnitChain:
        """The chain of one (source, unit), with the finding of an assumed calorific basis."""
        factor_basis = factor.entry.basis if factor is not None else None
        energy = is_energy(unit)
        activity_basis = (
            (src.energy_basis or conventional_basis(unit) or self.inv.energy_basis) if energy else None
        )
        key = (
            src.id if src.density is not None else None,  # a source's own density is its own
            src.fuel_properties,
            factor.ref if factor is not None else None,
            fuel.ref if fuel else None,
        )
        props = self._props.get(key)
        if props is None:
            props = self._props[key] = fuel_properties(
                self.reg, src, factor_ref=factor.ref if factor else None, own_fuel=fuel
            )
        chain_key = (key, unit, base, factor_basis, activity_basis)
        try:
            chain = self._chains.get(chain_key)
            if chain is None:
                chain = self._chains[chain_key] = unit_chain(
                    unit,
                    base,
                    factor_basis=factor_basis,
                    activity_basis=activity_basis,
                    props=props,
                    context=f"source {src.id!r}, {_what(factor, fuel)}",
                )
        except DimensionalityMismatchError as exc:
            hint = self.reg.unit_mismatch_hint(factor, unit) if factor is not None else ""
            if not hint:
                raise
            context = getattr(exc, "context", "")
            raise DimensionalityMismatchError(unit, base, context=f"{context}; {hint}") from None
        unchecked = factor is not None and factor_basis is None and src.energy_basis
        if unchecked and energy and is_energy(base):
            assert factor is not None
            self.findings.append(
                Finding(
                    "energy_basis_unchecked",
                    "info",
                    src.id,
                    f"the source states energy_basis: {src.energy_basis}, but factor "
                    f"{factor.ref} states no calorific basis: the two could not be compared",
                )
            )
        if chain.assumed_basis is not None:
            text = self._basis_texts.get(chain_key)  # the same for every source of the chain
            if text is None:
                text = self._basis_texts[chain_key] = _assumed_basis_text(
                    unit, _what(factor, fuel), chain, props
                )
            self.findings.append(Finding("energy_basis_assumed", "warning", src.id, text))
        return chain

    def contract_plan(self, src: Source, j: int, c: Contract, base: str) -> ContractPlan:
        amount = c.amount * conversion_factor(
            c.unit, base, context=f"source {src.id!r} contract {j}"
        )
        label = c.id or f"{src.id}#contract{j}"
        if c.zero_emission:
            g, group = self.gas_gwp("CO2", None, src.id)
            terms: tuple[GasTerm, ...] = (GasTerm("CO2", 0.0, g, False, group, None, ()),)
            ref = f"contract:{c.kind}:zero_emission"
        else:
            assert c.factor is not None
            f = self.resolve(c.factor)
            self.factors_used[f.ref] = f
            terms = self.factor_terms(src, f, label=label)
            k = self.unit_scales(src, f, [base])[0][base]
            terms = tuple(dataclasses.replace(t, coef=t.coef * k) for t in terms)
            ref = f.ref
        return ContractPlan(label, c.kind, CONTRACT_PRECEDENCE[c.kind], amount, terms, ref)

    # -- carbon-content method ------------------------------------------------------------
    def _percent_looks_like_fraction(self, src: Source, name: str, value: float, unit: str) -> None:
        """Warn about a fraction stated in percent whose number reads like a fraction (0.98 %).

        A finding, not an error: 0.98 % is a possible value, only an unlikely carbon
        fraction or oxidation factor; values above 100 % are refused on validation.
        """
        q = parse_unit(unit)
        if q.dimensionless and float(q.to("dimensionless").magnitude) == 0.01 and value <= 1:
            self.findings.append(
                Finding(
                    "percent_looks_like_fraction",
                    "warning",
                    src.id,
                    f"{name} is {value:g} {unit} ({value / 100:g} as a fraction); if "
                    f"{value:g} is already a fraction, write unit '1'",
                )
            )

    def carbon_terms(self, src: Source) -> tuple[tuple[GasTerm, ...], str, str, str, bool]:
        """The CO2 term of a carbon-content source, and its base unit, reference and origin.

        CO2 = fuel × carbon per unit of fuel × oxidation × 44/12 (IPCC 2006 Vol. 2 Ch. 2
        Eq. 2.1 note; the Chinese MEE accounting guidelines). The carbon per unit of fuel
        is a measured carbon fraction of the fuel mass, or NCV × carbon content per unit
        heat; each parameter is the source's own or its named fuel's.

        Returns
        -------
        (terms, base unit, reference, pack version, biogenic)
        """
        cp = src.carbon
        assert cp is not None
        fuel = self.reg.resolve_fuel(cp.fuel) if cp.fuel else None
        params: list[tuple[int, str]] = []
        of_value = self._oxidation(src, fuel, params)
        if cp.carbon_fraction is not None:
            base, carbon_per_base = self._carbon_per_fuel_mass(src, fuel, params)
        else:
            base, carbon_per_base = self._carbon_per_fuel_unit(src, fuel, params)
        ref = fuel.ref if fuel else "measured"
        biogenic = self._carbon_origin(src, fuel)
        coef = carbon_per_base * of_value * C_TO_CO2
        g, group = self.gas_gwp("CO2", None, src.id)
        term = GasTerm("CO2", coef, g, biogenic, group, None, tuple(params))
        version = fuel.pack_version if fuel else ""
        return (term,), base, ref, version, biogenic

    def _oxidation(self, src: Source, fuel: Fuel | None, params: list[tuple[int, str]]) -> float:
        """The oxidation rate as a fraction (required); its parameter appended to *params*."""
        oxid = _carbon_parameter(src, fuel, "oxidation")
        if oxid is None:
            raise InvalidInputError(
                [
                    Issue(
                        "carbon_parameters_complete",
                        "the oxidation rate is needed (state it or name a fuel that gives it)",
                        field=f"sources[{src.id}].carbon.oxidation",
                    )
                ]
            )
        self._percent_looks_like_fraction(src, "oxidation", oxid[0], oxid[1])
        of_value = oxid[0] * float(parse_unit(oxid[1]).to("").magnitude)
        if (p := self.param(oxid[3], oxid[0], oxid[2], f"{src.id} oxidation")) is not None:
            params.append((p, "all"))
        return of_value

    def _carbon_per_fuel_mass(
        self, src: Source, fuel: Fuel | None, params: list[tuple[int, str]]
    ) -> tuple[str, float]:
        """Base unit ``t`` and t C per t fuel, from a measured carbon fraction."""
        cf = _carbon_parameter(src, fuel, "carbon_fraction")
        assert cf is not None
        q = cf[0] * parse_unit(cf[1])
        if not q.dimensionless:
            raise InvalidInputError(
                [
                    Issue(
                        "parameter_units_fit",
                        "carbon_fraction is a mass fraction (unit '1' or '%')",
                        field=f"sources[{src.id}].carbon.carbon_fraction",
                        value=repr(cf[1]),
                    )
                ]
            )
        self._percent_looks_like_fraction(src, "carbon_fraction", cf[0], cf[1])
        carbon_per_base = float(q.to("").magnitude)  # t C per t fuel
        if (p := self.param(cf[3], cf[0], cf[2], f"{src.id} carbon fraction")) is not None:
            params.append((p, "all"))
        return "t", carbon_per_base

    def _carbon_per_fuel_unit(
        self, src: Source, fuel: Fuel | None, params: list[tuple[int, str]]
    ) -> tuple[str, float]:
        """Base unit (``t``, ``Nm3`` or ``m3``) and t C per base unit, from NCV × carbon content."""
        ncv = _carbon_parameter(src, fuel, "ncv")
        cc = _carbon_parameter(src, fuel, "carbon_content")
        missing = [n for n, v in (("ncv", ncv), ("carbon_content", cc)) if v is None]
        if missing:
            raise InvalidInputError(
                [
                    Issue(
                        "carbon_parameters_complete",
                        f"missing {', '.join(missing)} (state it, name a fuel that gives it, or fill the gap "
                        "with nc.fill_gaps(inv, 'pack_default', default=...))",
                        field=f"sources[{src.id}].carbon",
                    )
                ]
            )
        assert ncv is not None
        assert cc is not None
        key = (ncv[0], ncv[1], cc[0], cc[1])
        if key not in self._per_unit:
            self._per_unit[key] = self._carbon_per_unit(src, ncv[0], ncv[1], cc[0], cc[1])
        base, carbon_per_base = self._per_unit[key]
        for par, lab in ((ncv, "NCV"), (cc, "carbon content")):
            if (p := self.param(par[3], par[0], par[2], f"{src.id} {lab}")) is not None:
                params.append((p, "all"))
        return base, carbon_per_base

    @staticmethod
    def _carbon_per_unit(
        src: Source, ncv: float, ncv_unit: str, cc: float, cc_unit: str
    ) -> tuple[str, float]:
        """Base unit and t C per base unit of NCV x carbon content."""
        ureg = registry()
        per_base = (ncv * parse_unit(ncv_unit)) * (cc * parse_unit(cc_unit))  # C per fuel
        dim = per_base.dimensionality
        mass = ureg.get_dimensionality("[mass]")
        if dim == mass / mass or per_base.dimensionless:
            base = "t"
        elif dim == mass / ureg.get_dimensionality("[normal_gas_volume]"):
            base = "Nm3"
        elif dim == mass / ureg.get_dimensionality("[length]") ** 3:
            base = "m3"
        else:
            raise InvalidInputError(
                [
                    Issue(
                        "parameter_units_fit",
                        f"ncv x carbon_content gives {dim}, not carbon per fuel amount",
                        field=f"sources[{src.id}].carbon",
                    )
                ]
            )
        return base, float((per_base * parse_unit(base)).to("t").magnitude)

    def _carbon_origin(self, src: Source, fuel: Fuel | None) -> bool:
        """Whether the CO2 is biogenic: the fuel's, which a stated origin must not contradict.

        Measured carbon without a named fuel: the stated origin decides.
        """
        if fuel is None:
            return src.origin == "non_fossil"
        biogenic = bool(fuel.entry.biogenic)
        if src.origin is not None and (src.origin == "non_fossil") != biogenic:
            raise InvalidInputError(
                [
                    Issue(
                        "origin_matches_fuel",
                        f"fuel {fuel.ref} is {'biomass' if biogenic else 'fossil'}; the "
                        f"stated origin {src.origin} contradicts it",
                        field=f"sources[{src.id}].origin",
                        value=repr(src.origin),
                        allowed=f"{'non_fossil' if biogenic else 'fossil'} or no origin",
                    )
                ]
            )
        return biogenic

    # -- measured / release -------------------------------------------------------------
    def mass_terms(self, src: Source) -> tuple[GasTerm, ...]:
        assert src.gas is not None
        cat = _gas_catalogue()
        gas = normalise_gas(src.gas)
        parts = cat.blends[gas].components if gas in cat.blends else ((gas, 1.0),)
        terms = []
        for sp, frac in parts:
            origin = src.origin if sp == "CH4" else None
            if sp == "CH4" and origin is None and self.gwp_set == "AR6":
                self.findings.append(
                    Finding(
                        "ch4_origin_unspecified",
                        "info",
                        src.id,
                        "CH4 origin not stated: AR6 Table 7.SM.7 value used (27.9); "
                        "state origin: fossil (29.8) or non_fossil (27.0)",
                    )
                )
            g, group = self.gas_gwp(sp, origin, src.id)
            # measured CO2 of non-fossil origin (biomass combustion) is biogenic CO2
            biogenic = sp == "CO2" and src.origin == "non_fossil"
            terms.append(GasTerm(sp, frac, g, biogenic, group, origin, ()))
        return self._note_non_kyoto(src, tuple(terms))

    # -- one source ---------------------------------------------------------------------
    def place(self, index: int, src: Source, units: Sequence[str]) -> tuple[int, int]:
        """The kind of source *index* and the group of its findings (-1: its own, kept apart).

        Sources of one kind share one plan (:attr:`kinds`), worked out for the first of
        them; the findings of a kind are kept as templates (code, severity, message) and
        given under each source's id only when asked (:class:`PlannedFindings`).
        """
        if (
            src.method == "factor"
            and src.factor is not None
            and not src.contracts
            and src.market_factor is None
            and src.spend is None
            and src.density is None
        ):
            # the reference as written: a source like one seen before costs two look-ups
            written = (src.factor, src.origin, src.energy_basis, src.fuel_properties, tuple(units))
            known = self._written.get(written)
            if known is not None:
                group = self._region_groups.get((known[0], self._regions.get(src.facility)))
                if group is None:
                    group = self._group_at(known[0], src, known[1])
                return known[0], group
            factor = self.resolve(src.factor)
            key: tuple[object, ...] = (factor.ref, *written[1:])
            of_kind = self._kind_ids.get(key)
            if of_kind is not None or not self._per_money(factor):
                check = self._check(src, factor)
                if of_kind is None:
                    of_kind = self._first_of_kind(index, src, key, factor=factor)
                self._written[written] = (of_kind, factor)
                return of_kind, self._group_at(of_kind, src, factor, check)
        shared = _shared_key(src, units)
        if shared is None:
            return self._own(index, src, units), -1
        kind = self._kind_ids.get(shared)
        if kind is None:
            kind = self._first_of_kind(index, src, shared, units=units)
        return kind, self._group(kind, -1)

    def _group_at(self, kind: int, src: Source, factor: Factor, check: int | None = None) -> int:
        """The group of a factor source's findings, kept per (kind, region) where it can be.

        It is the same for every facility of a region unless the region finding (which
        names the facility) is made.
        """
        group = self._group(kind, self._check(src, factor) if check is None else check)
        if not self._names_facility(factor, src.facility):
            self._region_groups[(kind, self._regions.get(src.facility))] = group
        return group

    def _check(self, src: Source, factor: Factor) -> int:
        """The validity and region findings of *factor* at the source's facility (an id)."""
        # per factor, and per facility only where the region finding names it
        checked = (factor.ref, src.facility if self._names_facility(factor, src.facility) else None)
        found = self._checked.get(checked)
        if found is None:  # once per (factor, facility)
            mark = len(self.findings)
            self._check_validity(src, factor)
            self._check_region(src, factor)
            found = self._checked[checked] = len(self._check_findings)
            self._check_findings.append(self._templates(src, mark))
        return found

    def _group(self, kind: int, check: int) -> int:
        """The findings of a (kind, check) pair: the check's, then the kind's."""
        group = self._group_ids.get((kind, check))
        if group is None:
            group = self._group_ids[(kind, check)] = len(self.groups)
            checked = self._check_findings[check] if check >= 0 else ()
            self.groups.append((*checked, *self._kind_findings[kind]))
        return group

    def _templates(self, src: Source, mark: int) -> Templates:
        """The findings made since *mark*, as templates (taken off :attr:`findings`)."""
        made = self.findings[mark:]
        del self.findings[mark:]
        if any(f.subject != src.id for f in made):  # never: each names its source
            raise AssertionError("a finding of a shared plan names another subject")
        return tuple((f.code, f.severity, f.message) for f in made)

    def _first_of_kind(
        self,
        index: int,
        src: Source,
        key: tuple[object, ...],
        *,
        factor: Factor | None = None,
        units: Sequence[str] = (),
    ) -> int:
        """Plan the first source of a kind in full; its plan and findings kept for the kind."""
        mark = len(self.findings)
        if factor is None:
            plan = self._plan_one(index, src, units)
        else:
            plan = self._plan_factor(index, src, factor, cast(tuple[str, ...], key[-1]))
        kind = self._kind_ids[key] = len(self.kinds)
        self.kinds.append(plan)
        self._kind_findings.append(self._templates(src, mark))
        return kind

    def _own(self, index: int, src: Source, units: Sequence[str]) -> int:
        """A source planned on its own: a kind of one, its findings kept as they are."""
        mark = len(self.findings)
        plan = self._plan_one(index, src, units)
        if len(self.findings) > mark:
            self.own_findings[index] = self.findings[mark:]
            del self.findings[mark:]
        self.kinds.append(plan)
        self._kind_findings.append(())
        return len(self.kinds) - 1

    def _plan_factor(
        self, index: int, src: Source, factor: Factor, units: tuple[str, ...]
    ) -> SourcePlan:
        """A factor source with nothing of its own (contracts, spend, density, market factor).

        Its plan is that of every source with the same factor, origin, energy basis, fuel
        properties and units (the same steps as :meth:`_plan_one`). The validity and
        region of the factor are checked per facility (:meth:`_check`).
        """
        self.factors_used[factor.ref] = factor
        terms = self._terms_of(src, factor)
        scales, chains, params = self.unit_scales(src, factor, units)
        return self._source_plan(
            index,
            src,
            method="factor",
            base_unit=factor.activity_unit,
            factor_ref=factor.ref,
            pack_version=factor.pack_version,
            terms=_with_chain_params(terms, params),
            market_terms=None,
            market_ref=None,
            contracts=(),
            chain_unit_scale=scales,
            chain_units=frozenset(chains),
            unit_chains=chains,
        )

    def _source_plan(self, index: int, src: Source, **fields: Any) -> SourcePlan:
        """The plan of source *index*: what it takes from the source, and *fields*."""
        return _source_plan(**_own_fields(index, src, self._shares), **fields)

    def _plan_one(self, index: int, src: Source, units: Sequence[str]) -> SourcePlan:
        chains: dict[str, UnitChain] = {}
        params: list[int] = []
        market: tuple[tuple[GasTerm, ...] | None, str | None] = (None, None)
        contracts: list[ContractPlan] = []
        if src.method == "factor":
            assert src.factor is not None
            factor = self.resolve(src.factor)
            self.factors_used[factor.ref] = factor
            terms = self.factor_terms(src, factor, label=src.id)
            scales, chains, params = self.unit_scales(src, factor, units)
            base, ref, version = factor.activity_unit, factor.ref, factor.pack_version
            market = self.market_terms(src, factor, terms)
            usable, refused = usable_contracts(self.inv, src)  # Scope 2 Quality Criteria
            self.findings += refused
            contracts = [self.contract_plan(src, j, c, base) for j, c in usable]
        elif src.method == "financed":
            terms, ref, finding = financed_terms(src)
            self.findings.append(finding)
            base, version = "t", ""
            scales = {
                u: conversion_factor(
                    u, "t", context=f"source {src.id!r}: the investee's emissions in t CO2e"
                )
                for u in units
            }
        elif src.method == "carbon_content":
            terms, base, ref, version, _bio = self.carbon_terms(src)
            scales, chains, params = self.carbon_scales(src, units, base)
        else:
            terms = self.mass_terms(src)
            base, ref, version = "t", "measured" if src.method == "measured" else "release", ""
            scales = {
                u: conversion_factor(u, "t", context=f"source {src.id!r}: a gas mass")
                for u in units
            }
        terms = _with_chain_params(terms, params)
        return self._source_plan(
            index,
            src,
            method=src.method,
            base_unit=base,
            factor_ref=ref,
            pack_version=version,
            terms=terms,
            market_terms=market[0],
            market_ref=market[1],
            contracts=tuple(sorted(contracts, key=lambda c: (c.precedence, c.label))),
            chain_unit_scale=scales,
            chain_units=frozenset(chains),
            unit_chains=chains,
        )

    def market_terms(
        self, src: Source, factor: Factor, terms: tuple[GasTerm, ...]
    ) -> tuple[tuple[GasTerm, ...] | None, str | None]:
        """The market-based terms of a scope-2 source and their factor (None, None: none)."""
        if src.market_factor is not None:
            mf = self.resolve(src.market_factor)
            self.factors_used[mf.ref] = mf
            market_terms = self.factor_terms(src, mf, label=src.id + " (market)")
            k = self.unit_scales(src, mf, [factor.activity_unit])[0][factor.activity_unit]
            return tuple(dataclasses.replace(t, coef=t.coef * k) for t in market_terms), mf.ref
        if src.contracts:
            self.findings.append(
                Finding(
                    "residual_factor_missing",
                    "warning",
                    src.id,
                    "no residual-mix factor (market_factor): MWh not covered by contracts take "
                    f"the location-based factor {factor.ref} (GHG Protocol Scope 2 Guidance 6.11)",
                )
            )
            return terms, factor.ref
        return None, None

    def carbon_scales(
        self, src: Source, units: Sequence[str], base: str
    ) -> tuple[dict[str, float], dict[str, UnitChain], list[int]]:
        """Each unit of a carbon-content source to its base (t, Nm3 or m3): a volume via a density."""
        assert src.carbon is not None
        fuel = self.reg.resolve_fuel(src.carbon.fuel) if src.carbon.fuel else None
        try:
            return self.chains(src, units, base, factor=None, fuel=fuel)
        except DimensionalityMismatchError as exc:
            given = str(getattr(exc, "given", ""))
            context = f"{_carbon_unit_hint(src, given, base)}; {getattr(exc, 'context', '')}"
            raise DimensionalityMismatchError(given, base, context=context) from None


_KIND_FIELDS = (
    "method",
    "base_unit",
    "factor_ref",
    "pack_version",
    "terms",
    "market_terms",
    "market_ref",
    "contracts",
    "chain_unit_scale",
    "chain_units",
    "unit_chains",
)
"""The fields of a plan that sources of one kind share (the others are the source's own)."""


def _own_fields(index: int, src: Source, shares: Mapping[str, float]) -> dict[str, Any]:
    """The fields of a plan that are the source's own (the others its kind's)."""
    return {
        "index": index,
        "source": src,
        "facility": src.facility,
        "category": src.category,
        "scope": src.scope,
        "scope3_category": src.scope3_category,
        "share": shares[src.facility],
    }


def _shared_key(src: Source, units: Sequence[str]) -> tuple[object, ...] | None:
    """What a carbon-content or gas-mass source's plan depends on, or None (its own).

    A carbon-content source that names a fuel and states no parameter of its own, and a
    measured or released gas, are planned from these alone (nothing else of the source
    enters the plan or its findings, save the source's id as their subject).
    """
    if src.density is not None or src.spend is not None:
        return None
    common = (src.method, src.origin, src.energy_basis, src.fuel_properties, tuple(units))
    if src.method == "carbon_content":
        c = src.carbon
        if c is None or c.fuel is None or any(getattr(c, n) is not None for n in _CARBON_PARAMETERS):
            return None
        return (*common, c.fuel)
    if src.method in ("measured", "release"):
        return (*common, src.gas)
    return None


_CARBON_PARAMETERS = ("ncv", "carbon_content", "carbon_fraction", "oxidation")


def _region_mismatch(factor: Factor, where: str | None) -> str | None:
    """*factor*'s region when a facility in region *where* is outside it, else None.

    Region codes are ISO 3166 (``CN``, ``CN-JS``); ``GLOBAL``, a region that is not such
    a code and facilities without a region are not checked.
    """
    region = (factor.entry.region or "").strip().upper()
    if not region or not where or not _ISO_REGION.match(region):
        return None
    if where == region or where.startswith(region + "-"):
        return None
    return region


def _with_chain_params(terms: tuple[GasTerm, ...], params: Sequence[int]) -> tuple[GasTerm, ...]:
    """*terms* acting also on the parameters of the unit chains (on the chained activity)."""
    if not params:
        return terms
    more = tuple((p, "chain") for p in params)
    return tuple(
        GasTerm(t.gas, t.coef, t.gwp, t.biogenic, t.group, t.origin, (*t.params, *more))
        for t in terms
    )


def _source_plan(**fields: Any) -> SourcePlan:
    """A :class:`SourcePlan` of *fields* (every field given), made without a setattr per field.

    The frozen dataclass's ``__init__`` sets each of its 18 fields through
    ``object.__setattr__``; ten thousand sources make that a measurable part of planning.
    """
    plan: SourcePlan = object.__new__(SourcePlan)
    object.__setattr__(plan, "__dict__", fields)  # the keyword dict is the plan's own
    return plan



class PlanSet(Sequence[SourcePlan]):
    """The plans of an inventory's sources, in source order, one plan per kind.

    Sources of one kind (:meth:`_Planner.place`) share their kind's plan: ``kinds[k]``
    is the plan made for the first source of kind *k* and ``kind_of[i]`` the kind of
    source *i*. Each source's :class:`SourcePlan` (its index, source, facility, share
    and the kind's fields) is made when first asked for, and kept. A read-only
    sequence: ``len``, indexing, slicing (a list), iteration, ``==`` with a list.
    """

    __slots__ = ("_columns", "_made", "_shares", "kind_of", "kinds", "sources")
    __hash__ = None  # type: ignore[assignment]  # like a list

    def __init__(
        self,
        sources: Sequence[Source],
        kinds: Sequence[SourcePlan],
        kind_of: IntArray,
        shares: Mapping[str, float],
    ) -> None:
        self.sources, self.kinds, self.kind_of, self._shares = sources, kinds, kind_of, shares
        self._made: list[SourcePlan | None] = [None] * len(kind_of)
        for plan in kinds:  # each kind's own first source
            self._made[plan.index] = plan
        self._columns: tuple[IntArray, IntArray, IntArray, FloatArray] | None = None

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, i: int) -> SourcePlan: ...
    @overload
    def __getitem__(self, i: slice) -> list[SourcePlan]: ...
    def __getitem__(self, i: int | slice) -> SourcePlan | list[SourcePlan]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        plan = self._made[i]  # IndexError, negative indices: as a list's
        if plan is None:
            k = i if i >= 0 else i + len(self)
            plan = self._made[k] = self._make(k)
        return plan

    def _make(self, i: int) -> SourcePlan:
        kind = self.kinds[int(self.kind_of[i])].__dict__
        return _source_plan(
            **_own_fields(i, self.sources[i], self._shares),
            **{name: kind[name] for name in _KIND_FIELDS},
        )

    def __iter__(self) -> Iterator[SourcePlan]:
        made = self._made
        if None in made:
            for i, plan in enumerate(made):
                if plan is None:
                    made[i] = self._make(i)
        return iter(cast(list[SourcePlan], made))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list | tuple | PlanSet):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))

    def __add__(self, other: Iterable[SourcePlan]) -> list[SourcePlan]:
        return [*self, *other]

    def __radd__(self, other: Iterable[SourcePlan]) -> list[SourcePlan]:
        return [*other, *self]

    def columns(self) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """Per source: its facility (index in :attr:`facilities`), category, Scope 3 category and share.

        A source without a Scope 3 category has 0.
        """
        if self._columns is None:
            srcs, n = self.sources, len(self.sources)
            where = {f: k for k, f in enumerate(self._shares)}
            fac = np.fromiter(map(where.__getitem__, [s.facility for s in srcs]), np.intp, n)
            share = np.fromiter(self._shares.values(), float, len(self._shares))
            self._columns = (
                fac,
                np.fromiter([s.category for s in srcs], np.intp, n),
                np.fromiter([s.scope3_category or 0 for s in srcs], np.intp, n),
                share[fac] if n else np.zeros(0),
            )
        return self._columns

    @property
    def facilities(self) -> list[str]:
        """The facility ids that :meth:`columns` indexes (the inventory's, in order)."""
        return list(self._shares)

    def kind_column(self, name: str) -> list[Any]:
        """A field of each kind's plan (``[kinds[k].name for k]``), for reading per source."""
        return [getattr(p, name) for p in self.kinds]



class RowPlans(Sequence[SourcePlan]):
    """The plan of each output row: ``plans[src[row]]`` (made when asked for)."""

    __slots__ = ("plans", "src")

    def __init__(self, plans: Sequence[SourcePlan], src: IntArray) -> None:
        self.plans, self.src = plans, src

    def __len__(self) -> int:
        return int(self.src.size)

    @overload
    def __getitem__(self, i: int) -> SourcePlan: ...
    @overload
    def __getitem__(self, i: slice) -> list[SourcePlan]: ...
    def __getitem__(self, i: int | slice) -> SourcePlan | list[SourcePlan]:
        if isinstance(i, slice):
            return [self.plans[k] for k in self.src[i].tolist()]
        return self.plans[int(self.src[i])]

    def __iter__(self) -> Iterator[SourcePlan]:
        plans = list(self.plans)
        return (plans[k] for k in self.src.tolist())


def _what(factor: Factor | None, fuel: Fuel | None) -> str:
    """What a source's unit chain leads to, for a message: its factor, its fuel or its base unit."""
    if factor is not None:
        return f"factor {factor.ref}"
    return f"fuel {fuel.ref}" if fuel else "its base unit"


_BASIS_WORDS = {"NCV": "net", "GCV": "gross"}


def _assumed_basis_text(unit: str, what: str, chain: UnitChain, props: FuelProperties) -> str:
    """The warning for an energy amount whose calorific basis was assumed, with its size.

    Taken as NCV but in fact GCV, the result is 1/r - 1 too high (r = NCV/GCV); taken as
    GCV but in fact NCV, it is 1 - r too low. Without the fuel's ratio the size is IPCC's
    general rule (2006 Vol. 2 Ch. 1, 1.4.1.2: NCV about 5 % below GCV for coal and oil,
    10 % for natural gas).
    """
    basis = chain.assumed_basis
    assert basis is not None
    other = "GCV" if basis == "NCV" else "NCV"
    if props.ratio:
        r = props.ratio[0]
        size = (1 / r.value - 1) if basis == "NCV" else (1 - r.value)
        how = "too high" if basis == "NCV" else "too low"
        effect = f"the result is {100 * size:.1f} % {how} (NCV/GCV {r.value:g}, {r.ref})"
    else:
        how = "high" if basis == "NCV" else "low"
        effect = (
            f"the result is about 5 % (coal, oil) to 10 % (natural gas) too {how} (IPCC 2006 "
            "Vol. 2 Ch. 1, 1.4.1.2)"
        )
    return (
        f"amounts in {unit!r} are taken as {_BASIS_WORDS[basis]} ({basis}) energy, the basis "
        f"of {what}, because no energy_basis is stated; if they are {_BASIS_WORDS[other]} "
        f"({other}), as gas utilities bill, {effect}. State energy_basis: NCV or GCV on the "
        "source or the inventory"
    )


def _carbon_parameter(
    src: Source, fuel: Fuel | None, name: str
) -> tuple[float, str, Uncertainty | None, str] | None:
    """A carbon parameter as (value, unit, uncertainty, parameter key), or None if not given.

    The source's own value wins; otherwise the named fuel's NCV, carbon content or
    oxidation (a carbon fraction is always the source's own measurement).
    """
    assert src.carbon is not None
    stated: MeasuredParameter | None = getattr(src.carbon, name, None)
    if stated is not None:
        return stated.value, stated.unit, stated.uncertainty, f"source:{src.id}:{name}"
    if fuel is not None and name in ("ncv", "carbon_content", "oxidation"):
        fp: FuelParameter | None = fuel.parameter(name)
        if fp is not None:
            return fp.value, fp.unit, fp.uncertainty, f"fuel:{fuel.ref}:{name}"
    return None


def _carbon_unit_hint(src: Source, unit: str, base: str) -> str:
    """Why an activity unit does not fit the carbon-content method, and what to do."""
    what = {"t": "a fuel mass (t, kg...)", "Nm3": "a gas volume at normal conditions (Nm3)"}
    hint = (
        f"source {src.id!r}: the carbon-content method needs the fuel consumed as "
        f"{what.get(base, base)}, which its NCV and carbon content turn into carbon"
    )
    try:
        dim = parse_unit(unit).dimensionality
    except NqiCarbonError:
        return hint
    ureg = registry()
    if dim == ureg.get_dimensionality("[length]") ** 3 and base == "t":
        return hint + "; convert a liquid volume to mass with the fuel's measured density"
    if dim == ureg.get_dimensionality("[energy]"):
        return hint + "; for an energy amount use method 'factor' with a per-energy factor"
    return hint


def inclusive_end_findings(inv: Inventory) -> list[Finding]:
    """Ends on the last day of a month or a year: probably meant inclusive, but ends are not.

    ``period: {start: 2024-01-01, end: 2024-12-31}`` covers 364 days: 31 December is left
    out. The inventory period and every record's ``end`` are looked at; a finding, not an
    error (a period may truly end the day before a month's last day).
    """
    import calendar

    def last_day(d: _dt.date) -> bool:
        return d.day == calendar.monthrange(d.year, d.month)[1]

    ends = [("period.end", "the inventory", inv.period.start, inv.period.end)]
    for i, src in enumerate(inv.sources):
        if not src.activity:  # the usual source of a table-fed inventory
            continue
        for j, rec in enumerate(src.activity):
            if rec.end is not None and rec.start is not None:
                ends.append((f"sources[{i}].activity[{j}].end", f"source {src.id!r}", rec.start, rec.end))
    out = []
    for where, subject, start, end in ends:
        if last_day(end):
            unit = "year" if end.month == 12 else "month"
            out.append(
                Finding(
                    "period_end_inclusive",
                    "warning",
                    subject if subject != "the inventory" else "period",
                    f"{where} {end} is the last day of a {unit}, but an end is exclusive: "
                    f"{start}..{end} covers {(end - start).days} days and leaves {end} out; "
                    f"if that day belongs to it, write end: {end + _dt.timedelta(days=1)}",
                )
            )
    return out


def plan_sources(
    inv: Inventory,
    units_by_source: Mapping[str, Sequence[str]],
    reg: FactorRegistry | None = None,
) -> tuple[PlanSet, list[Parameter], PlannedFindings, dict[str, Factor]]:
    """Resolve each source once: coefficients per gas, unit scales, uncertain parameters.

    Parameters
    ----------
    inv : Inventory
        The validated inventory.
    units_by_source : mapping
        The distinct activity units seen per source id (scales are computed for these).
    reg : FactorRegistry, optional
        Defaults to :func:`registry_for` the inventory.

    Returns
    -------
    (plans, parameters, findings, factors used)
        The plans (a :class:`PlanSet`, in source order) and the findings (a read-only
        :class:`~nqi_carbon.calc.findings.PlannedFindings`) are shared by every caller
        of the same inventory and units: read them, never change them.

    Raises
    ------
    InvalidInputError
        Collecting every unresolvable factor and unit/dimension mismatch at once.
    """
    cache_key = None
    if reg is None:
        reg = registry_for(inv)
        # units from the table's pairs carry the key of those pairs (hashed at once);
        # other mappings are keyed by their content
        pairs_key = getattr(units_by_source, "pairs_key", None)
        cache_key = (
            "plan",
            id(reg),
            pairs_key
            if pairs_key is not None
            else tuple((k, tuple(v)) for k, v in sorted(units_by_source.items())),
        )
        cached = inv._cache.get(cache_key)
        # the entry holds its registry, so no other registry can have its id while it lives
        if cached is not None and cached[4] is reg:
            plans_c, params_c, findings_c, used_c, _ = cached
            return plans_c, list(params_c), findings_c, dict(used_c)
    planner = _Planner(inv, reg)
    with paused_gc():
        plans, found, issues = _plan_each(planner, inv, units_by_source)
    if issues:
        raise InvalidInputError(issues, source=inv.source_path)
    tail = inclusive_end_findings(inv)
    for owner, parts in sorted(planner.unquantified.items()):
        kind, _, ref = owner.partition(":")
        tail.append(
            Finding(
                "uncertainty_not_stated",
                "info",
                ref,
                f"{kind} {ref} states no uncertainty for {', '.join(sorted(parts))}: treated as exact "
                "in Approach 1 and Monte Carlo (the intervals understate the uncertainty)",
            )
        )
    findings = PlannedFindings(found[0], found[1], planner.groups, planner.own_findings, tail)
    if cache_key is not None:
        inv._cache[cache_key] = (
            plans,
            tuple(planner.params),
            findings,
            dict(planner.factors_used),
            reg,
        )
    return plans, planner.params, findings, planner.factors_used


def _plan_each(
    planner: _Planner, inv: Inventory, units_by_source: Mapping[str, Sequence[str]]
) -> tuple[PlanSet, tuple[list[str], IntArray], list[Issue]]:
    """Every source's kind, and every problem of every source (named by file and source).

    Returns the plans, the source ids and each source's group of findings, and the issues.
    """
    kind_of: list[int] = []
    group_of: list[int] = []
    ids: list[str] = []
    issues: list[Issue] = []
    units_of = units_by_source.get
    for i, src in enumerate(inv.sources):
        sid = src.id
        ids.append(sid)
        try:
            kind, group = planner.place(i, src, units_of(sid, ()))
        except InvalidInputError as exc:  # each named by the file it comes from
            issues.extend(
                i if i.file else dataclasses.replace(i, file=inv.source_path) for i in exc.issues
            )
            kind, group = -1, -1
        except NqiCarbonError as exc:
            code = {
                "UnknownFactorError": "factor_resolves",
                "DimensionalityMismatchError": "activity_unit_fits_factor",
                "UnknownUnitError": "unit_known",
            }.get(type(exc).__name__, "source_plan")
            issues.append(
                Issue(code, str(exc), file=inv.source_path, field=f"sources[{i}]", source=src.id)
            )
            kind, group = -1, -1
        kind_of.append(kind)
        group_of.append(group)
    plans = PlanSet(
        inv.sources, planner.kinds, np.array(kind_of, dtype=np.intp), planner._shares
    )
    return plans, (ids, np.array(group_of, dtype=np.intp)), issues
