"""Planning: each source's factor, fuel parameters and GWPs resolved once.

A source becomes per-gas coefficients [t gas per base unit of activity] with GWPs,
consolidation share and the uncertain parameters they depend on (:func:`plan_sources`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..data.factor_schema import FuelParameter
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
from ..inventory.models import CONTRACT_PRECEDENCE, Contract, Inventory, MeasuredParameter, Source
from ..units import conventional_basis, conversion_factor, is_energy, parse_unit, registry
from .findings import Finding

__all__ = ["Parameter", "SourcePlan", "consolidation_share", "plan_sources"]

C_TO_CO2 = 44.0 / 12.0  # mass ratio CO2/C (IPCC 2006 Vol. 2 Ch. 2 Eq. 2.1 note; MEE guidelines)


FloatArray = npt.NDArray[np.float64]


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
    chain_units: frozenset[str]  # input units that went through a fuel NCV


def consolidation_share(inv: Inventory, facility_id: str) -> float:
    """Share of a facility's emissions included under the inventory's approach.

    Equity share: the facility's ``equity_share``. Financial / operational control:
    1.0 when the facility is under that control, else 0.0 (GHG Protocol Corporate
    Standard ch. 3; ISO 14064-1 clause 5.1).
    """
    fac = inv.facility(facility_id)
    approach = inv.organization.consolidation
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
        self._shares = {f.id: consolidation_share(inv, f.id) for f in inv.facilities}
        self._regions = {f.id: f.region for f in inv.facilities}
        # what the sources share, worked out once: a unit's scale to a factor's base (and
        # whether it goes through the fuel's NCV), terms with the NCV parameter added, the
        # carbon per fuel unit of a pair of parameters (pint arithmetic is ~100 us a time)
        self._scales: dict[tuple[str, str], tuple[float, bool]] = {}
        self._chained: dict[tuple[int, int], tuple[GasTerm, ...]] = {}
        self._per_unit: dict[tuple[float, str, float, str], tuple[str, float]] = {}

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
        region = (factor.entry.region or "").strip().upper()
        where = self._regions.get(src.facility)
        if not region or not where or not _ISO_REGION.match(region):
            return
        if where == region or where.startswith(region + "-"):
            return
        self.findings.append(
            Finding(
                "factor_region",
                "warning",
                src.id,
                f"factor {factor.ref} is for region {region}; facility {src.facility} is in {where}",
            )
        )

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
    ) -> tuple[dict[str, float], set[str], int | None]:
        """Scale each input unit to the factor's activity unit, via the fuel NCV if needed."""
        base = factor.activity_unit
        scales: dict[str, float] = {}
        chain: set[str] = set()
        ncv_param: int | None = None
        for u in units:
            known = self._scales.get((u, factor.ref))
            if known is not None and not known[1]:
                scales[u] = known[0]
                self._check_energy_basis(src, factor, u)
                continue
            if known is None:
                try:
                    scales[u] = conversion_factor(u, base)
                except DimensionalityMismatchError:
                    pass
                else:
                    self._scales[(u, factor.ref)] = (scales[u], False)
                    self._check_energy_basis(src, factor, u)
                    continue
            fuel = factor.fuel
            ncv = fuel.parameter("ncv") if fuel is not None else None
            if fuel is None or ncv is None:
                raise DimensionalityMismatchError(
                    u,
                    base,
                    context=f"source {src.id!r}, factor {factor.ref}"
                    + (
                        f"; fuel {fuel.ref} has no NCV"
                        if fuel is not None
                        else "; " + hint
                        if (hint := self.reg.unit_mismatch_hint(factor, u))
                        else ""
                    ),
                )
            if factor.entry.basis == "GCV":
                raise DimensionalityMismatchError(
                    u,
                    base,
                    context=f"source {src.id!r}: factor {factor.ref} is on a GCV basis but the fuel "
                    "gives an NCV; convert the activity to energy on a GCV basis yourself",
                )
            if known is None:
                known = self._scales[(u, factor.ref)] = (self._via_ncv(src, u, base, fuel), True)
            scales[u] = known[0]
            chain.add(u)
            ncv_param = self.param(
                f"fuel:{fuel.ref}:ncv", ncv.value, ncv.uncertainty, f"{fuel.ref} NCV"
            )
        return scales, chain, ncv_param

    @staticmethod
    def _via_ncv(src: Source, u: str, base: str, fuel: Fuel) -> float:
        """The scale of unit *u* of the fuel to the energy unit *base*, through its NCV."""
        ncv = fuel.parameter("ncv")
        assert ncv is not None
        energy_per_unit = ncv.value * parse_unit(ncv.unit)
        try:
            # to the parsed base (never a unit string handed to pint's own parser)
            unit_q = parse_unit(base)
            q = (parse_unit(u) * energy_per_unit).to(unit_q.units) / unit_q.magnitude
        except Exception:
            raise DimensionalityMismatchError(
                u,
                base,
                context=f"source {src.id!r}: via NCV {ncv.value} {ncv.unit} of {fuel.ref}",
            ) from None
        return float(q.magnitude)

    def _check_energy_basis(self, src: Source, factor: Factor, unit: str) -> None:
        """An energy amount and a factor per energy must be on the same calorific basis.

        The activity's basis is the source's ``energy_basis`` if stated, else what its unit
        implies by convention (tce/toe: NCV; Btu/therm: GCV); joules and watt-hours imply
        none and are taken on the factor's basis. NCV and GCV differ by 5-10 %.
        """
        want = factor.entry.basis
        if not is_energy(unit):
            return
        if want is None:
            if src.energy_basis is not None:
                self.findings.append(
                    Finding(
                        "energy_basis_unchecked",
                        "info",
                        src.id,
                        f"the source states energy_basis: {src.energy_basis}, but factor "
                        f"{factor.ref} states no calorific basis: the two could not be compared",
                    )
                )
            return
        have = src.energy_basis or conventional_basis(unit)
        if have is None or have == want:
            return
        why = (
            f"the source states energy_basis: {have}"
            if src.energy_basis
            else f"{unit!r} is conventionally a {'net' if have == 'NCV' else 'gross'} ({have}) "
            "energy amount"
        )
        raise InvalidInputError(
            [
                Issue(
                    "activity_basis_fits_factor",
                    f"{why}, but factor {factor.ref} is per {want} energy; convert the activity "
                    f"to {want} (or choose a factor on a {have} basis). If the amount is in fact "
                    f"on a {want} basis, state energy_basis: {want} on the source",
                    field=f"sources[{src.id}].activity",
                    value=repr(unit),
                    allowed=f"energy on a {want} basis",
                )
            ]
        )

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

    def _with_chain(self, terms: tuple[GasTerm, ...], ncv_param: int) -> tuple[GasTerm, ...]:
        """*terms* with the fuel's NCV parameter added to each (made once per terms)."""
        key = (id(terms), ncv_param)  # terms are kept in self._terms: their ids stay theirs
        found = self._chained.get(key)
        if found is None:
            found = self._chained[key] = tuple(
                dataclasses.replace(t, params=(*t.params, (ncv_param, "chain"))) for t in terms
            )
        return found

    # -- one source ---------------------------------------------------------------------
    def plan(self, index: int, src: Source, units: Sequence[str]) -> SourcePlan:
        share = self._shares[src.facility]
        scales: dict[str, float]
        chain: set[str] = set()
        market_terms = None
        market_ref = None
        contracts: list[ContractPlan] = []
        if src.method == "factor":
            assert src.factor is not None
            factor = self.resolve(src.factor)
            self.factors_used[factor.ref] = factor
            terms = self.factor_terms(src, factor, label=src.id)
            scales, chain, ncv_param = self.unit_scales(src, factor, units)
            if ncv_param is not None:
                terms = self._with_chain(terms, ncv_param)
            base, ref, version = factor.activity_unit, factor.ref, factor.pack_version
            if src.market_factor is not None:
                mf = self.resolve(src.market_factor)
                self.factors_used[mf.ref] = mf
                market_terms = self.factor_terms(src, mf, label=src.id + " (market)")
                mscales, _, _ = self.unit_scales(src, mf, [base])
                k = mscales[base]
                market_terms = tuple(dataclasses.replace(t, coef=t.coef * k) for t in market_terms)
                market_ref = mf.ref
            elif src.contracts:
                market_terms, market_ref = terms, factor.ref
                self.findings.append(
                    Finding(
                        "residual_factor_missing",
                        "warning",
                        src.id,
                        "no residual-mix factor (market_factor): MWh not covered by contracts take "
                        f"the location-based factor {factor.ref} (GHG Protocol Scope 2 Guidance 6.11)",
                    )
                )
            for j, c in enumerate(src.contracts):
                contracts.append(self.contract_plan(src, j, c, base))
        elif src.method == "carbon_content":
            terms, base, ref, version, _bio = self.carbon_terms(src)
            scales = {
                u: conversion_factor(u, base, context=_carbon_unit_hint(src, u, base))
                for u in units
            }
        else:
            terms = self.mass_terms(src)
            base, ref, version = "t", "measured" if src.method == "measured" else "release", ""
            scales = {
                u: conversion_factor(u, "t", context=f"source {src.id!r}: a gas mass")
                for u in units
            }
        return SourcePlan(
            index=index,
            source=src,
            facility=src.facility,
            category=src.category,
            scope=src.scope,
            scope3_category=src.scope3_category,
            method=src.method,
            share=share,
            base_unit=base,
            factor_ref=ref,
            pack_version=version,
            terms=terms,
            market_terms=market_terms,
            market_ref=market_ref,
            contracts=tuple(sorted(contracts, key=lambda c: (c.precedence, c.label))),
            chain_unit_scale=scales,
            chain_units=frozenset(chain),
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


def plan_sources(
    inv: Inventory,
    units_by_source: Mapping[str, Sequence[str]],
    reg: FactorRegistry | None = None,
) -> tuple[list[SourcePlan], list[Parameter], list[Finding], dict[str, Factor]]:
    """Resolve each source once: coefficients per gas, unit scales, uncertain parameters.

    Parameters
    ----------
    inv : Inventory
        The validated inventory.
    units_by_source : mapping
        The distinct activity units seen per source id (scales are computed for these).
    reg : FactorRegistry, optional
        Defaults to :func:`registry_for` the inventory.

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
            return plans_c, list(params_c), list(findings_c), dict(used_c)
    planner = _Planner(inv, reg)
    plans: list[SourcePlan] = []
    issues: list[Issue] = []
    for i, src in enumerate(inv.sources):
        try:
            plans.append(planner.plan(i, src, units_by_source.get(src.id, ())))
        except InvalidInputError as exc:
            issues.extend(exc.issues)
        except NqiCarbonError as exc:
            code = {
                "UnknownFactorError": "factor_resolves",
                "DimensionalityMismatchError": "activity_unit_fits_factor",
                "UnknownUnitError": "unit_known",
            }.get(type(exc).__name__, "source_plan")
            issues.append(
                Issue(code, str(exc), file=inv.source_path, field=f"sources[{i}]", source=src.id)
            )
    if issues:
        raise InvalidInputError(issues, source=inv.source_path)
    for owner, parts in sorted(planner.unquantified.items()):
        kind, _, ref = owner.partition(":")
        planner.findings.append(
            Finding(
                "uncertainty_not_stated",
                "info",
                ref,
                f"{kind} {ref} states no uncertainty for {', '.join(sorted(parts))}: treated as exact "
                "in Approach 1 and Monte Carlo (the intervals understate the uncertainty)",
            )
        )
    if cache_key is not None:
        inv._cache[cache_key] = (
            plans,
            tuple(planner.params),
            tuple(planner.findings),
            dict(planner.factors_used),
            reg,
        )
    return plans, planner.params, planner.findings, planner.factors_used
