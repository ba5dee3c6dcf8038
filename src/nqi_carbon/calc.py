"""The calculation core: from an inventory to per-line, per-gas emissions.

Consolidation is applied per line; biogenic CO2 and removals are kept apart; Scope 2 is
given location- and market-based side by side.

The pipeline is a chain of plain functions a notebook user can call one by one:

1. :func:`plan_sources` resolves every source's factor (or fuel parameters) once and
   turns it into per-gas coefficients [t gas per base unit of activity] with GWPs,
   consolidation share and the uncertain parameters it depends on;
2. :func:`activity_columns` gathers the activity records (inline and/or a table) into
   integer-coded columns, validated with vectorised checks;
3. :func:`source_statistics` converts each record to its source's base unit (one scale
   per distinct (source, unit) pair) and sums per source exactly and order-independently
   (A = Σx, Q = Σ(x·u)², B = Σx per instrument);
4. :func:`build_lines` multiplies the sums by the coefficients: one line per source × gas.

:func:`calculate` chains them and adds uncertainty (see :mod:`nqi_carbon.uncertainty`).
No pint Quantity or pydantic model is created per record.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ._exact import group_sum_scaled, scale_from_max
from ._factor_schema import FuelParameter
from ._schema import (
    MAX_LOGNORMAL_RATIO,
    MAX_RELATIVE_UNCERTAINTY,
    Distribution,
    Uncertainty,
    lognormal_half_width,
    relative_half_width,
)
from ._tables import column_codes
from .errors import (
    DimensionalityMismatchError,
    InvalidInputError,
    Issue,
    NqiCarbonError,
)
from .factors import Factor, FactorRegistry, registry_for
from .gases import _catalogue as _gas_catalogue
from .gases import normalise_gas
from .gwp_values import _normalise_set, gwp
from .models import CONTRACT_PRECEDENCE, Contract, Inventory, MeasuredParameter, Source
from .units import conventional_basis, conversion_factor, is_energy, parse_unit, registry

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ActivityColumns",
    "Finding",
    "Line",
    "LineTable",
    "LineTemplate",
    "Parameter",
    "SourcePlan",
    "activity_columns",
    "build_lines",
    "consolidation_share",
    "line_template",
    "plan_sources",
    "registry_for",
    "source_statistics",
    "unit_scale_tables",
]

C_TO_CO2 = 44.0 / 12.0  # mass ratio CO2/C (IPCC 2006 Vol. 2 Ch. 2 Eq. 2.1 note; MEE guidelines)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Finding:
    """Something a reader or verifier should know about the result (not an input error)."""

    code: str
    severity: Literal["info", "warning", "error"]
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return the finding in the ``result@1`` shape."""
        return dataclasses.asdict(self)


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
        from .gases import _KYOTO_GROUP_OF

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
        facility = next((f for f in self.inv.facilities if f.id == src.facility), None)
        where = facility.region if facility is not None else None
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
            try:
                scales[u] = conversion_factor(u, base)
            except DimensionalityMismatchError:
                pass
            else:
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
            scales[u] = float(q.magnitude)
            chain.add(u)
            ncv_param = self.param(
                f"fuel:{fuel.ref}:ncv", ncv.value, ncv.uncertainty, f"{fuel.ref} NCV"
            )
        return scales, chain, ncv_param

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
        cp = src.carbon
        assert cp is not None
        fuel = self.reg.resolve_fuel(cp.fuel) if cp.fuel else None
        ureg = registry()

        def get(name: str) -> tuple[float, str, Uncertainty | None, str] | None:
            stated: MeasuredParameter | None = getattr(cp, name, None)
            if stated is not None:
                return stated.value, stated.unit, stated.uncertainty, f"source:{src.id}:{name}"
            if fuel is not None and name in ("ncv", "carbon_content", "oxidation"):
                fp: FuelParameter | None = fuel.parameter(name)
                if fp is not None:
                    return fp.value, fp.unit, fp.uncertainty, f"fuel:{fuel.ref}:{name}"
            return None

        oxid = get("oxidation")
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
        params: list[tuple[int, str]] = []
        self._percent_looks_like_fraction(src, "oxidation", oxid[0], oxid[1])
        of_value = oxid[0] * float(parse_unit(oxid[1]).to("").magnitude)
        if (p := self.param(oxid[3], oxid[0], oxid[2], f"{src.id} oxidation")) is not None:
            params.append((p, "all"))
        if cp.carbon_fraction is not None:
            cf = get("carbon_fraction")
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
            base = "t"
            carbon_per_base = float(q.to("").magnitude)  # t C per t fuel
            if (p := self.param(cf[3], cf[0], cf[2], f"{src.id} carbon fraction")) is not None:
                params.append((p, "all"))
            ref = fuel.ref if fuel else "measured"
        else:
            ncv, cc = get("ncv"), get("carbon_content")
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
            ncv_q = ncv[0] * parse_unit(ncv[1])
            cc_q = cc[0] * parse_unit(cc[1])
            per_base = ncv_q * cc_q  # carbon mass per base unit of fuel
            dim = per_base.dimensionality
            if (
                dim == ureg.get_dimensionality("[mass]") / ureg.get_dimensionality("[mass]")
                or per_base.dimensionless
            ):
                base = "t"
            elif dim == ureg.get_dimensionality("[mass]") / ureg.get_dimensionality(
                "[normal_gas_volume]"
            ):
                base = "Nm3"
            elif (
                dim == ureg.get_dimensionality("[mass]") / ureg.get_dimensionality("[length]") ** 3
            ):
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
            carbon_per_base = float((per_base * parse_unit(base)).to("t").magnitude)
            for par, lab in ((ncv, "NCV"), (cc, "carbon content")):
                if (p := self.param(par[3], par[0], par[2], f"{src.id} {lab}")) is not None:
                    params.append((p, "all"))
            ref = fuel.ref if fuel else "measured"
        if fuel is not None:
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
        else:
            # measured carbon without a named fuel: the stated origin decides
            biogenic = src.origin == "non_fossil"
        coef = carbon_per_base * of_value * C_TO_CO2
        g, group = self.gas_gwp("CO2", None, src.id)
        term = GasTerm("CO2", coef, g, biogenic, group, None, tuple(params))
        version = fuel.pack_version if fuel else ""
        return (term,), base, ref, version, biogenic

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
                terms = tuple(
                    dataclasses.replace(t, params=(*t.params, (ncv_param, "chain"))) for t in terms
                )
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
        cache_key = (
            "plan",
            id(reg),
            tuple((k, tuple(v)) for k, v in sorted(units_by_source.items())),
        )
        cached = inv._cache.get(cache_key)
        if cached is not None:
            plans_c, params_c, findings_c, used_c = cached
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
                Issue(code, str(exc), file=inv.source_path, field=f"sources[{i}] ({src.id!r})")
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
        )
    return plans, planner.params, planner.findings, planner.factors_used


# ---------------------------------------------------------------------------------------
# 2. activity columns
# ---------------------------------------------------------------------------------------
@dataclass
class ActivityColumns:
    """Activity records as integer-coded columns (one entry per record).

    ``u95`` is the record's own relative 95 % half-width (NaN when not stated);
    ``instrument`` is an index into ``instrument_ids`` (-1 for none); ``dist`` codes the
    record's distribution (0 none/normal-relative, 1 normal, 2 lognormal, 3 triangular,
    4 uniform) for Monte Carlo.
    """

    source: IntArray
    amount: FloatArray
    unit: IntArray
    unit_names: list[str]
    instrument: IntArray
    instrument_ids: list[str]
    u95: FloatArray
    dist: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    lower: FloatArray = field(default_factory=lambda: np.zeros(0))
    upper: FloatArray = field(default_factory=lambda: np.zeros(0))
    # ``source * n_units + unit`` per record and its bincount, when already computed
    pair_key: IntArray | None = None
    pair_counts: npt.NDArray[np.intp] | None = None
    # table rows read after their instrument's calibration was due: (source id,
    # instrument id, rows, whether the instrument's fallback uncertainty was used)
    calibration_expired: list[tuple[str, str, int, bool]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.amount.size)


_DIST_CODE = {"normal": 1, "lognormal": 2, "triangular": 3, "uniform": 4}


def _u95_of_rows(
    dist: npt.NDArray[np.int8], lower: FloatArray, upper: FloatArray, amount: FloatArray
) -> FloatArray:
    """Vectorised :func:`relative_half_width` for table rows (mode at the row's amount).

    Rows without a distribution (code 0) or with bad bounds give NaN-free garbage that the
    caller masks out.
    """
    from ._schema import Z95

    a, b = lower, upper
    c = np.clip(amount, a, b)
    ln_a = np.log(np.where(a > 0, a, 1.0))
    ln_b = np.log(np.where(b > 0, b, 1.0))
    mu = 0.5 * (ln_a + ln_b)
    sig = (ln_b - ln_a) / (2.0 * Z95)
    with np.errstate(over="ignore", invalid="ignore"):
        lognormal_sd = np.exp(mu + sig * sig / 2.0) * np.sqrt(np.expm1(sig * sig))
        sd = np.select(
            [dist == 1, dist == 2, dist == 4, dist == 3],
            [
                (b - a) / 2.0 / Z95,
                lognormal_sd,
                (b - a) / np.sqrt(12.0),
                np.sqrt(np.maximum(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18.0),
            ],
            default=0.0,
        )
        out: FloatArray = np.where(amount > 0, Z95 * sd / amount, 0.0)
    huge = (dist == 2) & np.isinf(lognormal_sd) & (amount > 0) & (a > 0) & (b >= a)
    for k in np.flatnonzero(huge).tolist():  # bounds near the float range: in log space
        out[k] = lognormal_half_width(float(a[k]), float(b[k]), float(amount[k]))
    return out


def activity_columns(inv: Inventory, table: pd.DataFrame | None = None) -> ActivityColumns:
    """Collect inline activity records and an optional long table into columns.

    The table has columns ``source``, ``amount``, ``unit`` and optionally ``instrument``,
    ``uncertainty`` (relative 95 % half-width), ``period`` (``YYYY``, ``YYYY-MM`` or
    ``YYYY-Qn``, as for inline records; empty for none), ``distribution``, ``lower`` and
    ``upper``. Text columns may be plain strings or, much faster at scale, pandas
    categoricals: then each distinct value is looked up once. Every problem is reported
    at once: bad cells, unknown sources/units/instruments, units that do not fit the
    source's factor, period labels that are malformed, outside the inventory period or
    overlapping (with each other or with the source's inline records). Data gaps are
    :func:`nqi_carbon.gaps.gap_issues`'s (``calculate`` checks both). Rows of a DataFrame
    are 1-based data rows; rows of an activity file are named by file and spreadsheet row
    (the header is row 1).
    """
    cols, issues = _activity_columns(inv, table)
    if issues:
        raise InvalidInputError(issues, source=_table_name(table))
    return cols


def _table_name(table: pd.DataFrame | None) -> str:
    segs = _row_segments(table) if table is not None else []
    names = list(dict.fromkeys(s[0] for s in segs))
    return ", ".join(names) if names else "activity table"


def _activity_columns(
    inv: Inventory, table: pd.DataFrame | None
) -> tuple[ActivityColumns, list[Issue]]:
    """:func:`activity_columns` without raising: the columns and every problem found."""
    src_index = {s.id: i for i, s in enumerate(inv.sources)}
    ins_ids = [ins.id for ins in inv.instruments]
    ins_index = {k: i for i, k in enumerate(ins_ids)}
    unit_names: list[str] = []
    unit_index: dict[str, int] = {}

    def unit_code(name: str) -> int:
        if name not in unit_index:
            unit_index[name] = len(unit_names)
            unit_names.append(name)
        return unit_index[name]

    s_codes: list[int] = []
    amounts: list[float] = []
    units: list[int] = []
    ins: list[int] = []
    u95: list[float] = []
    dist: list[int] = []
    lo: list[float] = []
    hi: list[float] = []
    for i, src in enumerate(inv.sources):
        for rec in src.records:
            s_codes.append(i)
            amounts.append(rec.amount)
            units.append(unit_code(rec.unit))
            spec = rec.uncertainty
            instrument = inv.instrument(rec.instrument) if rec.instrument is not None else None
            expired = inv.expired_instrument(rec)
            if spec is None and expired is not None and expired.fallback_uncertainty is not None:
                # read outside the calibration's validity: the stated fallback uncertainty,
                # as an error of its own (no longer the instrument's calibrated one)
                spec = expired.fallback_uncertainty
                instrument = None
            ins.append(ins_index[instrument.id] if instrument is not None else -1)
            if isinstance(spec, Distribution):
                u95.append(relative_half_width(spec, rec.amount) if rec.amount else 0.0)
                dist.append(_DIST_CODE[spec.distribution])
                lo.append(spec.lower)
                hi.append(spec.upper)
            else:
                u95.append(math.nan if spec is None else float(spec))
                dist.append(0)
                lo.append(math.nan)
                hi.append(math.nan)
    cols = ActivityColumns(
        np.asarray(s_codes, dtype=np.intp),
        np.asarray(amounts, dtype=float),
        np.asarray(units, dtype=np.intp),
        unit_names,
        np.asarray(ins, dtype=np.intp),
        ins_ids,
        np.asarray(u95, dtype=float),
        np.asarray(dist, np.int8),
        np.asarray(lo, dtype=float),
        np.asarray(hi, dtype=float),
    )
    if table is None or len(table) == 0:
        return cols, []
    rows = _RowNames(table)
    tab, issues = _table_columns(table, src_index, ins_index, rows)
    remap = np.array([unit_code(u) for u in tab["unit_names"]], dtype=np.intp)
    # missing units (code -1) stay -1 only while the table is refused
    n_tab = tab["amount"].size
    if not s_codes:  # table only: no copies
        same = bool(np.array_equal(remap, np.arange(remap.size)))
        out = ActivityColumns(
            tab["source"],
            tab["amount"],
            tab["unit"] if same or remap.size == 0 else remap[tab["unit"]],
            unit_names,
            tab["instrument"],
            ins_ids,
            tab["u95"],
        )
        if tab["dist"] is not None:
            out.dist, out.lower, out.upper = tab["dist"], tab["lower"], tab["upper"]
    else:
        out = ActivityColumns(
            np.concatenate([cols.source, tab["source"]]),
            np.concatenate([cols.amount, tab["amount"]]),
            np.concatenate([cols.unit, remap[tab["unit"]] if remap.size else tab["unit"]]),
            unit_names,
            np.concatenate([cols.instrument, tab["instrument"]]),
            ins_ids,
            np.concatenate([cols.u95, tab["u95"]]),
            np.concatenate(
                [cols.dist, np.zeros(n_tab, np.int8) if tab["dist"] is None else tab["dist"]]
            ),
            np.concatenate(
                [cols.lower, np.full(n_tab, np.nan) if tab["lower"] is None else tab["lower"]]
            ),
            np.concatenate(
                [cols.upper, np.full(n_tab, np.nan) if tab["upper"] is None else tab["upper"]]
            ),
        )
    if "period" in table.columns:
        issues += _period_issues(inv, table, tab["source"], rows)
    issues += _unit_fit_issues(inv, out, len(s_codes), tab["row_ok"], rows)
    if not issues:
        _table_calibration(inv, table, out, len(s_codes))
    return out, issues


def _table_calibration(inv: Inventory, table: pd.DataFrame, out: ActivityColumns, n0: int) -> None:
    """Table rows read after their instrument's calibration was due, as for inline records.

    A row covers its period (or, without one, the whole inventory period); if its last
    day is after the due date it is flagged, and it takes the instrument's fallback
    uncertainty as an error of its own when one is stated. Vectorised per instrument.
    """
    due = {
        i.id: i
        for i in inv.instruments
        if i.calibration_due is not None and i.calibration_due < inv.period.end - _dt.timedelta(days=1)
    }
    if not due or "instrument" not in table.columns:
        return
    ins = out.instrument[n0:]
    if "period" in table.columns:
        from .gaps import _period_labels

        p_codes, _, spans, _ = _period_labels(table)
        ends = np.array(
            [(s[1] if s is not None else inv.period.end).toordinal() for s in spans]
            + [inv.period.end.toordinal()],
            dtype=np.int64,
        )
        last_day = ends[p_codes] - 1
    else:
        last_day = np.full(ins.size, inv.period.end.toordinal() - 1, dtype=np.int64)
    src_ids = [s.id for s in inv.sources]
    for k, ins_id in enumerate(out.instrument_ids):
        instrument = due.get(ins_id)
        if instrument is None or instrument.calibration_due is None:
            continue
        hit = np.flatnonzero((ins == k) & (last_day > instrument.calibration_due.toordinal()))
        if not hit.size:
            continue
        fallback = instrument.fallback_uncertainty
        # as for inline records: a row's own stated uncertainty wins; the fallback replaces
        # only the instrument's calibrated uncertainty
        fall = hit[np.isnan(out.u95[hit + n0])] if fallback is not None else hit[:0]
        if fall.size:
            rows_all = fall + n0
            # copies: these arrays may be views of the caller's DataFrame
            out.u95 = out.u95.copy()
            out.instrument = out.instrument.copy()
            out.u95[rows_all] = fallback  # an error of its own, no longer the instrument's
            out.instrument[rows_all] = -1
            ins = out.instrument[n0:]
        per_source = np.bincount(out.source[hit + n0], minlength=len(src_ids))
        for s_i in np.flatnonzero(per_source).tolist():
            fell_back = bool(fall.size and (out.source[fall + n0] == s_i).any())
            out.calibration_expired.append((src_ids[s_i], ins_id, int(per_source[s_i]), fell_back))


# ---- where a table row comes from ------------------------------------------------------
class _RowNames:
    """Where table row k comes from: (file or "activity table", row number as shown).

    A table joined from activity files carries ``attrs["nqi_carbon_rows"]``: a list of
    (name, first table row, number of rows, row number of its first data row); a
    DataFrame without it is one "activity table" numbered from 1 (data rows).
    """

    def __init__(self, table: pd.DataFrame) -> None:
        segs = _row_segments(table)
        self.names = [s[0] for s in segs]
        self.starts = np.array([s[1] for s in segs], dtype=np.int64)
        self.first = np.array([s[3] for s in segs], dtype=np.int64)
        sheets = getattr(table, "attrs", {}).get("nqi_carbon_sheets")
        self.sheets: dict[str, str] = sheets if isinstance(sheets, dict) else {}

    def split(
        self, idx: npt.NDArray[np.int64]
    ) -> list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """(name, table indices, row numbers as the user sees them) per file, in order."""
        if idx.size == 0:
            return []
        if len(self.names) == 1:
            return [(self.names[0], idx, idx - self.starts[0] + self.first[0])]
        seg = np.searchsorted(self.starts, idx, side="right") - 1
        out = []
        for s in np.unique(seg).tolist():
            sel = idx[seg == s]
            out.append((self.names[s], sel, sel - self.starts[s] + self.first[s]))
        return out

    def note(self, name: str) -> str:
        """How the rows of *name* are numbered, for files (DataFrames: 1-based data rows)."""
        k = self.names.index(name)
        if self.first[k] <= 1:
            return ""
        sheet = self.sheets.get(name)
        where = f"sheet {sheet!r}; " if sheet is not None else ""
        return f" ({where}spreadsheet rows: the header is row 1)"

    def describe(self, idx: npt.NDArray[np.int64], limit: int = 5) -> str:
        """``m.csv rows 2, 3 and 10 more; n.csv row 4`` for a set of table row indices."""
        parts = []
        for name, _, nums in self.split(idx):
            text = ", ".join(str(n) for n in nums[:limit].tolist())
            more = nums.size - limit
            parts.append(
                f"{name} row{'s' if nums.size > 1 else ''} {text}"
                + (f" and {more} more" if more > 0 else "")
            )
        return "; ".join(parts)


def _row_segments(table: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    segs = getattr(table, "attrs", {}).get("nqi_carbon_rows")
    if isinstance(segs, list) and segs and sum(int(s[2]) for s in segs) == len(table):
        return [(str(s[0]), int(s[1]), int(s[2]), int(s[3])) for s in segs]
    return [("activity table", 0, len(table), 1)]


def _plain(v: Any) -> str:
    """``repr`` of a cell as plain Python (``-1.0``, not ``np.float64(-1.0)``)."""
    if isinstance(v, np.generic):
        v = v.item()
    return repr(v)


def _grouped(idx: npt.NDArray[np.int64], keys: npt.NDArray[Any]) -> list[npt.NDArray[np.int64]]:
    """Split row indices into groups of equal key, each in row order, by first row."""
    if idx.size == 0:
        return []
    k = keys[idx]
    order = np.argsort(k, kind="stable")
    ks = k[order]
    cuts = np.flatnonzero(ks[1:] != ks[:-1]) + 1
    groups = np.split(idx[order], cuts)
    return sorted(groups, key=lambda g: int(g[0]))


def _value_issues(
    rows: _RowNames,
    groups: Sequence[npt.NDArray[np.int64]],
    code: str,
    col: str,
    msg: str,
    allowed: str,
    value_of: Any,
    limit: int = 50,
) -> list[Issue]:
    """One issue per offending value and file, naming its first rows and the count."""
    issues: list[Issue] = []
    for g in groups[:limit]:
        value = value_of(int(g[0]))
        for name, _, nums in rows.split(g):
            n = nums.size
            where = ""
            if n > 1:
                shown = ", ".join(str(x) for x in nums[:5].tolist())
                where = f" (in {n} rows: {shown}" + (" ...)" if n > 5 else ")")
            issues.append(
                Issue(
                    code,
                    msg + where + rows.note(name),
                    file=name,
                    row=int(nums[0]),
                    field=col,
                    value=value,
                    allowed=allowed,
                )
            )
    if len(groups) > limit:
        rest = np.sort(np.concatenate(list(groups[limit:])))
        issues.append(
            Issue(
                code,
                f"... and {len(groups) - limit} more values with the same problem "
                f"({rows.describe(rest)})",
                field=col,
            )
        )
    return issues


def _table_columns(
    table: pd.DataFrame,
    src_index: Mapping[str, int],
    ins_index: Mapping[str, int],
    rows: _RowNames | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Vectorised validation of a long activity table: the columns and every problem.

    ``row_ok`` is None when every row is fine, else a mask of the rows whose source and
    unit are both usable (for the later unit/factor check).
    """
    import pandas as pd

    if rows is None:
        rows = _RowNames(table)
    issues: list[Issue] = []
    name = _table_name(table)
    missing = [c for c in ("source", "amount", "unit") if c not in table.columns]
    if missing:
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    f"missing column(s) {', '.join(missing)}",
                    file=name,
                    allowed="columns source, amount, unit [, instrument, uncertainty, period]",
                )
            ],
            source=name,
        )
    allowed_cols = {
        "source",
        "amount",
        "unit",
        "instrument",
        "uncertainty",
        "period",
        "distribution",
        "lower",
        "upper",
    }
    extra = sorted(str(c) for c in set(table.columns) - allowed_cols)
    if extra:
        issues.append(
            Issue(
                "table_columns",
                f"unknown column(s) {', '.join(extra)}",
                file=name,
                allowed=", ".join(sorted(allowed_cols)),
            )
        )

    def bad(
        mask: npt.NDArray[np.bool_], code: str, col: str, msg: str, allowed: str, values: Any
    ) -> None:
        """A per-row problem: the first rows of each file one by one, then the count."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        vals = values.to_numpy() if isinstance(values, pd.Series) else values
        for fname, sel, nums in rows.split(idx):
            for k, n in zip(sel[:20].tolist(), nums[:20].tolist(), strict=True):
                issues.append(
                    Issue(
                        code,
                        msg + rows.note(fname),
                        file=fname,
                        row=int(n),
                        field=col,
                        value=_plain(vals[k]),
                        allowed=allowed,
                    )
                )
            if nums.size > 20:
                more = nums[20:]
                shown = ", ".join(str(x) for x in more[:5].tolist())
                issues.append(
                    Issue(
                        code,
                        f"... and {more.size} more rows with the same problem (rows {shown}"
                        + (" ...)" if more.size > 5 else ")")
                        + rows.note(fname),
                        file=fname,
                        row=int(more[0]),
                        field=col,
                        allowed=allowed,
                    )
                )

    def bad_values(
        mask: npt.NDArray[np.bool_],
        codes: IntArray,
        values: Sequence[object],
        code: str,
        col: str,
        msg: str,
        allowed: str,
    ) -> None:
        """A per-value problem: one issue per distinct value and file, rows counted."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        issues.extend(
            _value_issues(
                rows,
                _grouped(idx, codes),
                code,
                col,
                msg,
                allowed,
                lambda k: None if codes[k] < 0 else _plain(values[int(codes[k])]),
            )
        )

    amount_col = table["amount"]
    raw_amount = amount_col.to_numpy()
    if (
        amount_col.dtype == bool
        or not pd.api.types.is_numeric_dtype(amount_col.dtype)
        or pd.api.types.is_complex_dtype(amount_col.dtype)  # 1000+5j is no amount
    ):
        is_num = np.array(
            [
                isinstance(v, int | float | np.integer | np.floating)
                and not isinstance(v, bool | np.bool_)
                for v in raw_amount
            ],
            dtype=bool,
        )
        present = amount_col.notna().to_numpy()
        bad(
            ~is_num & present,
            "float_type",
            "amount",
            "not a number",
            "a number (not text or true/false)",
            raw_amount,
        )
        # per row: this path is only taken for columns that are not plain numbers
        amount = np.array(
            [float(v) if ok else math.nan for v, ok in zip(raw_amount, is_num, strict=True)],
            dtype=float,
        )
        missing_mask = ~present
    else:
        amount = amount_col.to_numpy(dtype=float)
        missing_mask = None
    # one cheap pass when everything is fine; the detailed masks only when it is not
    with np.errstate(invalid="ignore"):
        fine = bool(((amount >= 0) & (amount < np.inf)).all())
    if not fine:
        if missing_mask is None:
            missing_mask = np.isnan(amount)
        bad(
            missing_mask,
            "missing",
            "amount",
            "empty amount (a gap is never read as 0)",
            "a finite number; fill gaps explicitly",
            raw_amount,
        )
        with np.errstate(invalid="ignore"):
            bad(
                np.isinf(amount),
                "finite_number",
                "amount",
                "infinite amount",
                "a finite number",
                raw_amount,
            )
            bad(
                amount < 0, "amount_not_negative", "amount", "negative activity", ">= 0", raw_amount
            )

    s_codes, s_values = column_codes(table["source"])
    lookup = np.array(
        [src_index.get(v, -1) if isinstance(v, str) else -1 for v in s_values] + [-1], dtype=np.intp
    )
    if np.array_equal(lookup[:-1], np.arange(len(s_values))) and (
        s_codes.size == 0 or s_codes.min() >= 0
    ):
        source = s_codes  # categories are the inventory's sources, in order: no gather
        source_fine = True
    else:
        source = lookup[s_codes]  # code -1 (missing) picks the trailing -1
        source_fine = bool((source >= 0).all())
    if not source_fine:
        bad_values(
            source < 0,
            s_codes,
            s_values,
            "source_exists",
            "source",
            "unknown or empty source",
            ", ".join(sorted(src_index)[:20]),
        )

    u_codes, u_values = column_codes(table["unit"])
    unit_ok = np.ones(len(u_values) + 1, dtype=bool)
    unit_ok[-1] = False
    for k, u in enumerate(u_values):
        try:
            if not isinstance(u, str):
                raise NqiCarbonError(f"unit {u!r} is not text")
            parse_unit(u)
        except NqiCarbonError as exc:
            unit_ok[k] = False
            bad_values(
                u_codes == k,
                u_codes,
                u_values,
                "unit_known",
                "unit",
                str(exc),
                "a unit such as t, MWh, Nm3, TJ",
            )
    missing_unit = u_codes < 0
    any_missing_unit = bool(missing_unit.any())
    if any_missing_unit:
        bad_values(
            missing_unit,
            u_codes,
            u_values,
            "missing",
            "unit",
            "empty unit",
            "a unit such as t, MWh, Nm3, TJ",
        )
    row_ok = None
    if not source_fine or not unit_ok[:-1].all() or any_missing_unit:
        row_ok = (source >= 0) & unit_ok[u_codes]

    if "instrument" in table.columns:
        i_codes, i_values = column_codes(table["instrument"])
        i_lookup = np.array(
            [ins_index.get(v, -2) if isinstance(v, str) else -2 for v in i_values] + [-1],
            dtype=np.intp,
        )
        instrument = i_lookup[i_codes]
        bad_values(
            instrument == -2,
            i_codes,
            i_values,
            "instrument_referenced_exists",
            "instrument",
            "unknown instrument",
            ", ".join(sorted(ins_index)) or "define it under 'instruments'",
        )
    else:
        instrument = np.full(len(table), -1, dtype=np.intp)

    if "uncertainty" in table.columns:
        uc = table["uncertainty"]
        if uc.dtype == bool or not pd.api.types.is_numeric_dtype(uc.dtype):
            bad(
                uc.notna().to_numpy(),
                "float_type",
                "uncertainty",
                "not a number",
                "a relative 95 % half-width such as 0.02",
                uc.to_numpy(),
            )
            u95 = np.full(len(table), np.nan)
        else:
            u95 = uc.to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                # one pass when all are fine
                u_fine = bool(((u95 >= 0) & (u95 <= MAX_RELATIVE_UNCERTAINTY)).all())
            with np.errstate(invalid="ignore"):
                bad(
                    np.zeros(0, dtype=bool) if u_fine else (np.isinf(u95) | (u95 < 0)),
                    "uncertainty_range",
                    "uncertainty",
                    "not a finite value >= 0",
                    ">= 0",
                    u95,
                )
                bad(
                    np.zeros(0, dtype=bool)
                    if u_fine
                    else (np.isfinite(u95) & (u95 > MAX_RELATIVE_UNCERTAINTY)),
                    "relative_uncertainty_at_most_one",
                    "uncertainty",
                    "a relative uncertainty (95 % half-width as a fraction) is at most "
                    f"{MAX_RELATIVE_UNCERTAINTY:g} (±100 %): 5 meaning 5 % is written 0.05; a "
                    "wider or skewed range is given with distribution lognormal, lower, upper",
                    f"0 <= uncertainty <= {MAX_RELATIVE_UNCERTAINTY:g}",
                    u95,
                )
    else:
        u95 = np.full(len(table), np.nan)
    dist = lower = upper = None
    stray = [c for c in ("lower", "upper") if c in table.columns]
    if stray and "distribution" not in table.columns:
        issues.append(
            Issue(
                "table_columns",
                f"column(s) {', '.join(stray)} without a distribution column: the bounds "
                "would be ignored",
                file=name,
                allowed="a distribution column (normal, lognormal, triangular, uniform) with "
                "lower and upper, or a relative uncertainty column",
            )
        )
    if "distribution" in table.columns:
        d_codes, d_values = column_codes(table["distribution"])
        known = {"normal": 1, "lognormal": 2, "triangular": 3, "uniform": 4}
        lookup_d = np.array(
            [known.get(v, -1) if isinstance(v, str) else -1 for v in d_values] + [0], dtype=np.int8
        )
        dist = lookup_d[d_codes]
        bad_values(
            dist < 0,
            d_codes,
            d_values,
            "distribution_known",
            "distribution",
            "unknown distribution",
            "normal, lognormal, triangular, uniform (or empty)",
        )
        missing_b = [c for c in ("lower", "upper") if c not in table.columns]
        if missing_b:
            issues.append(
                Issue(
                    "table_columns",
                    f"a distribution needs the column(s) {', '.join(missing_b)}",
                    file=name,
                    allowed="lower and upper bounds, in the row's unit",
                )
            )
        else:
            lower = pd.to_numeric(table["lower"], errors="coerce").to_numpy(dtype=float)
            upper = pd.to_numeric(table["upper"], errors="coerce").to_numpy(dtype=float)
            has = dist > 0
            with np.errstate(invalid="ignore"):
                wrong = has & ~(
                    (lower <= amount) & (amount <= upper) & np.isfinite(lower) & np.isfinite(upper)
                )
                wrong |= has & (dist == 2) & ~(lower > 0)
            bad(
                wrong,
                "bounds_around_amount",
                "lower",
                "bounds missing, not around the amount, or <= 0 for lognormal",
                "finite lower <= amount <= upper",
                table["lower"],
            )
            bad(
                has & ~np.isnan(u95),
                "uncertainty_one_form",
                "uncertainty",
                "a row states both a relative uncertainty and a distribution",
                "one of them: uncertainty (relative) or distribution with lower/upper",
                table["uncertainty"] if "uncertainty" in table.columns else u95,
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                spread = np.log(upper) - np.log(lower)
                bad(
                    has & (dist == 2) & (lower > 0) & (spread > math.log(MAX_LOGNORMAL_RATIO)),
                    "lognormal_spread_bounded",
                    "upper",
                    f"the lognormal bounds span more than a factor {MAX_LOGNORMAL_RATIO:g} between "
                    "the 2.5 % and 97.5 % points; check the bounds and their unit",
                    f"upper / lower <= {MAX_LOGNORMAL_RATIO:g}",
                    table["upper"],
                )
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                # 1.96 σ of the row's distribution, as for inline records (_u95_of_rows)
                u95 = np.where(has, _u95_of_rows(dist, lower, upper, amount), u95)
            dist = np.where(dist == 1, 0, dist).astype(
                np.int8
            )  # normal: pooled like a relative uncertainty
    return {
        "source": source,
        "amount": amount,
        "unit": u_codes,
        "unit_names": [str(u) for u in u_values],
        "instrument": instrument,
        "u95": u95,
        "dist": dist,
        "lower": lower,
        "upper": upper,
        "row_ok": row_ok,
    }, issues


# ---- table periods ---------------------------------------------------------------------
def _period_issues(
    inv: Inventory,
    table: pd.DataFrame,
    source: IntArray,
    rows: _RowNames,
) -> list[Issue]:
    """Period labels: well formed, inside the inventory period, no overlap.

    The rule is the inline records' (``activity_periods_do_not_overlap``): one source is
    one activity series, so two rows (or a row and an inline record) covering the same
    days overlap, whatever their instruments; rows without a period are not part of it.
    """
    from .gaps import _period_labels

    p_codes, p_values, spans, texts = _period_labels(table)
    if not (p_codes >= 0).any():
        return []
    issues: list[Issue] = []
    p0, p1 = inv.period.start, inv.period.end
    bad_label = np.array([s is None for s in spans] + [False], dtype=bool)
    outside = np.array(
        [s is not None and (s[0] < p0 or s[1] > p1) for s in spans] + [False], dtype=bool
    )
    mask = bad_label[p_codes]
    if mask.any():
        issues += _value_issues(
            rows,
            _grouped(np.flatnonzero(mask), p_codes),
            "record_period_well_formed",
            "period",
            "period is not YYYY, YYYY-MM or YYYY-Qn",
            "a period label such as 2024, 2024-03 or 2024-Q1 (or empty for none)",
            lambda k: _plain(p_values[p_codes[k]]),
        )
    mask = outside[p_codes]
    if mask.any():
        issues += _value_issues(
            rows,
            _grouped(np.flatnonzero(mask), p_codes),
            "activity_within_period",
            "period",
            f"the row's period lies outside the inventory period {p0}..{p1} (end exclusive)",
            f"a period inside {p0}..{p1}",
            lambda k: repr(texts[p_codes[k]]),
        )
    # overlap: rows of one source with the same label, then distinct spans of a source
    # against each other and against the source's inline records
    n_p = len(spans)
    good = ~bad_label[p_codes] & (p_codes >= 0) & (source >= 0)
    key = np.full(source.size, -1, dtype=np.int64)
    key[good] = source[good].astype(np.int64) * n_p + p_codes[good]
    uniq, first, cnt = np.unique(key[good], return_index=True, return_counts=True)
    good_idx = np.flatnonzero(good)
    first_row = good_idx[first]
    dup_keys = uniq[cnt > 1]
    if dup_keys.size:
        dup_idx = np.flatnonzero(np.isin(key, dup_keys))
        groups = _grouped(dup_idx, key)
        for g in groups[:50]:
            k = int(key[g[0]])
            sid = inv.sources[k // n_p].id
            issues.append(
                Issue(
                    "activity_periods_do_not_overlap",
                    f"source {sid!r}: {g.size} rows for period {texts[k % n_p]} "
                    f"({rows.describe(g)}); the same days would be counted twice "
                    "(one row per source and period, whatever the instrument)",
                    file=rows.split(g[:1])[0][0],
                    row=int(rows.split(g[:1])[0][2][0]),
                    field="period",
                    value=repr(texts[k % n_p]),
                    allowed="one row per source and period; no row covering days of another",
                )
            )
        if len(groups) > 50:
            issues.append(
                Issue(
                    "activity_periods_do_not_overlap",
                    f"... and {len(groups) - 50} more duplicated (source, period) pairs",
                    field="period",
                )
            )
    # (start, end, description, file, row) per distinct (source, label) and inline record
    by_source: dict[int, list[tuple[_dt.date, _dt.date, str, str | None, int | None]]] = {}
    for k, r in zip(uniq.tolist(), first_row.tolist(), strict=True):
        s, lab = divmod(k, n_p)
        span = spans[lab]
        assert span is not None
        ((seg_name, _, nums),) = rows.split(np.array([r], dtype=np.int64))
        by_source.setdefault(s, []).append(
            (
                span[0],
                span[1],
                f"{seg_name} row {int(nums[0])} ({texts[lab]})",
                seg_name,
                int(nums[0]),
            )
        )
    for s, items in by_source.items():
        src = inv.sources[s]
        for j, rec in enumerate(src.records):
            b0, b1 = rec.bounds(inv.period)
            label = rec.period or (f"{rec.start}..{rec.end}" if rec.start else "no period")
            text = f"inline record sources[{s}].activity[{j}] ({label})"
            items.append((b0, b1, text, None, None))
        items.sort(key=lambda t: (t[0], t[1]))
        end, who, who_at = items[0][1], items[0][2], items[0][3:]
        for b0, b1, what, fname, row in items[1:]:
            if fname is None and who_at[0] is not None:
                fname, row = who_at
            if b0 < end:
                issues.append(
                    Issue(
                        "activity_periods_do_not_overlap",
                        f"source {src.id!r}: {who} and {what} overlap; the same days would "
                        "be counted twice (one source is one activity series, whatever the "
                        "instrument)",
                        file=fname or inv.source_path,
                        row=row,
                        field="period" if fname else f"sources[{s}].activity",
                        allowed="periods of one source that do not overlap",
                    )
                )
            if b1 > end:
                end, who, who_at = b1, what, (fname, row)
    return issues


# ---- units of the table against the sources' factors ----------------------------------
def units_of_pairs(
    inv: Inventory, pairs: npt.NDArray[np.intp], unit_names: Sequence[str]
) -> dict[str, list[str]]:
    """The units seen per source id, from ``source * n_units + unit`` pair codes.

    Cached on the inventory per (units, pairs): the unit check and :func:`calculate` ask
    for the same mapping, and building it is a Python loop over every pair.
    """
    key = ("units_of_pairs", tuple(unit_names), pairs.tobytes())
    found = inv._cache.get(key)
    if found is None:
        n_u = max(len(unit_names), 1)
        found = {}
        for k in pairs.tolist():
            found.setdefault(inv.sources[k // n_u].id, []).append(unit_names[k % n_u])
        inv._cache[key] = found
    return {k: list(v) for k, v in found.items()}


def _unit_fit_issues(
    inv: Inventory,
    cols: ActivityColumns,
    n_inline: int,
    row_ok: npt.NDArray[np.bool_] | None,
    rows: _RowNames,
) -> list[Issue]:
    """Every (source, unit) pair of the table that does not fit the source, with its rows.

    The plan is made here exactly as :func:`nqi_carbon.calculate` makes it next (so it is
    cached, and costs nothing more when everything fits); only when it fails is each pair
    tried alone, so that every bad unit is named with its file and rows.
    """
    n_u = max(len(cols.unit_names), 1)
    if row_ok is None:
        key = cols.source * n_u
        key += cols.unit
    else:
        ok = np.concatenate([np.ones(n_inline, dtype=bool), row_ok])
        key = cols.source[ok] * n_u + cols.unit[ok]
    units_by_source: dict[str, list[str]] = {}
    pairs = np.zeros(0, dtype=np.intp)
    if key.size:
        counts = np.bincount(key, minlength=len(inv.sources) * n_u)
        pairs = np.flatnonzero(counts)
        if row_ok is None:  # every record: calculate() reuses them
            cols.pair_key, cols.pair_counts = key, counts
    # the same (source, unit) pairs fitted before: nothing to plan again
    fit_key = ("units_fit", id(registry_for(inv)), tuple(cols.unit_names), pairs.tobytes())
    if fit_key in inv._cache:
        return []
    units_by_source = units_of_pairs(inv, pairs, cols.unit_names)
    try:
        plan_sources(inv, units_by_source)
        inv._cache[fit_key] = True
        return []
    except InvalidInputError as exc:
        failed = exc.issues
    unit_codes = {"activity_unit_fits_factor", "unit_known"}
    planner = _Planner(inv, registry_for(inv))
    issues: list[Issue] = []
    per_pair: list[Issue] = []
    table_src = cols.source[n_inline:]
    table_unit = cols.unit[n_inline:]
    retried: set[int] = set()
    for i, src in enumerate(inv.sources):
        for u in units_by_source.get(src.id, ()):
            try:
                planner.plan(i, src, [u])
            except InvalidInputError:
                continue
            except NqiCarbonError as exc:
                code = {
                    "DimensionalityMismatchError": "activity_unit_fits_factor",
                    "UnknownUnitError": "unit_known",
                }.get(type(exc).__name__)
                if code is None:
                    continue
                retried.add(i)
                uc = cols.unit_names.index(u)
                idx = np.flatnonzero((table_src == i) & (table_unit == uc))
                if row_ok is not None and idx.size:
                    idx = idx[row_ok[idx]]
                if any(r.unit == u for r in src.records):
                    per_pair.append(
                        Issue(code, str(exc), file=inv.source_path, field=f"sources[{i}] ({src.id!r})")
                    )
                if idx.size:
                    per_pair += _value_issues(
                        rows,
                        [idx],
                        code,
                        "unit",
                        str(exc),
                        f"a unit that converts to the activity unit of source {src.id!r}",
                        lambda k, u=u: repr(u),
                    )
    for iss in failed:
        if iss.code in unit_codes and any(
            iss.field == f"sources[{i}] ({inv.sources[i].id!r})" for i in retried
        ):
            continue  # replaced by the per-unit issues
        issues.append(iss)
    return issues + per_pair


# ---------------------------------------------------------------------------------------
# 3. per-source sufficient statistics
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceStats:
    """Exact, order-independent sums per source, in each source's base unit.

    ``A`` all activity; ``A_chain`` the part converted through a fuel NCV; ``A_indep``
    and ``Q`` = Σ(x·u95)² for records with their own stated uncertainty (independent);
    ``B`` (sources × instruments) activity measured by each instrument (correlated
    within an instrument); ``A_none`` activity with no stated uncertainty.
    """

    A: FloatArray
    A_chain: FloatArray
    Q: FloatArray
    B: FloatArray
    A_none: FloatArray
    n_records: npt.NDArray[np.int64]
    # records whose own distribution is not normal (lognormal, triangular, uniform):
    # Monte Carlo samples them one by one; Q_normal leaves them out of the pooled part
    Q_normal: FloatArray | None = None
    nn_src: IntArray | None = None
    nn_x: FloatArray | None = None
    nn_dist: npt.NDArray[np.int8] | None = None
    nn_lower: FloatArray | None = None  # bounds as multiples of the record's amount
    nn_upper: FloatArray | None = None


def unit_scale_tables(
    plans: Sequence[SourcePlan], unit_names: Sequence[str]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Scale to each source's base unit per (source, unit) pair, and whether it uses an NCV.

    Both arrays are indexed ``source * n_units + unit``; the scale is NaN where the pair
    cannot convert. Computed from the plans, no pint here.
    """
    n_units = len(unit_names)
    width = max(n_units, 1)
    scale_tab = np.full(len(plans) * width, np.nan)
    chain_tab = np.zeros(len(plans) * width, dtype=bool)
    column = {u: k for k, u in enumerate(unit_names)}
    for p in plans:
        base = p.index * n_units
        for uname, factor in p.chain_unit_scale.items():
            k = column.get(uname)
            if k is not None:
                scale_tab[base + k] = factor
                chain_tab[base + k] = uname in p.chain_units
    return scale_tab, chain_tab


def source_statistics(
    cols: ActivityColumns,
    plans: Sequence[SourcePlan],
    instrument_u95: FloatArray,
    *,
    key: IntArray | None = None,
    key_counts: npt.NDArray[np.intp] | None = None,
    unit_tables: tuple[FloatArray, npt.NDArray[np.bool_]] | None = None,
) -> SourceStats:
    """Convert records to base units (one scale per (source, unit)) and sum per source.

    ``key`` may pass ``source * n_units + unit`` and ``key_counts`` its ``bincount`` when
    the caller computed them already; ``unit_tables`` the result of
    :func:`unit_scale_tables` for these plans and units (callers cache it).
    """
    n_src = len(plans)
    n_units = len(cols.unit_names)
    if unit_tables is None:
        unit_tables = unit_scale_tables(plans, cols.unit_names)
    scale_tab, chain_tab = unit_tables
    src = cols.source
    if key is None:
        key = src * n_units
        key += cols.unit
    x = scale_tab[key]
    x *= cols.amount
    # exact, order-independent sums: one power-of-two grid per source for x (and subsets)
    if key_counts is not None and n_units:
        counts = key_counts[: n_src * n_units].reshape(n_src, n_units).sum(axis=1)
    else:
        counts = np.bincount(src, minlength=n_src)
    gmax = np.zeros(n_src)
    np.maximum.at(gmax, src, x)  # x >= 0
    scale = scale_from_max(gmax, counts)
    xq = scale[src]
    xq *= x
    np.rint(xq, out=xq)
    A = group_sum_scaled(src, xq, scale, n_src)
    if chain_tab.any():
        is_chain = chain_tab[key]
        A_chain = group_sum_scaled(src, np.where(is_chain, xq, 0.0), scale, n_src)
    else:
        A_chain = np.zeros(n_src)
    own = ~np.isnan(cols.u95)
    all_own = bool(own.all())
    n_ins = len(cols.instrument_ids)
    has_ins = np.zeros(0, dtype=bool) if all_own else (cols.instrument >= 0) & ~own
    if own.size and (all_own or own.any()):
        u = cols.u95 if all_own else np.where(own, cols.u95, 0.0)
        u_max = float(np.max(u))
        q_scale = scale_from_max(gmax * gmax * u_max * u_max, counts)  # bound of (x*u)^2
        # qq = rint((x u)^2 * q_scale), with q_scale a power of two per source
        qq = x * u
        qq *= qq
        qq *= q_scale[src]
        np.rint(qq, out=qq)
        Q = group_sum_scaled(src, qq, q_scale, n_src)
    else:
        Q = np.zeros(n_src)
    if not all_own and n_ins and has_ins.any():
        code = src * n_ins + np.where(has_ins, cols.instrument, 0)
        b_scale = np.repeat(scale, n_ins)
        B = group_sum_scaled(code, np.where(has_ins, xq, 0.0), b_scale, n_src * n_ins).reshape(
            n_src, n_ins
        )
    else:
        B = np.zeros((n_src, n_ins))
    if all_own:
        A_none = np.zeros(n_src)
    else:
        none = ~own & ~has_ins
        A_none = (
            group_sum_scaled(src, np.where(none, xq, 0.0), scale, n_src)
            if none.any()
            else np.zeros(n_src)
        )
    counts = counts.astype(np.int64)
    extra: dict[str, Any] = {}
    if cols.dist.size and (cols.dist >= 2).any():
        nn = np.flatnonzero(cols.dist >= 2)
        # Monte Carlo draws these records one by one: order them by source id, then by
        # their values, so that neither the order of sources in the inventory nor the
        # order of rows changes which draw a record gets (identical rows are interchangeable)
        id_rank = np.empty(n_src, dtype=np.intp)
        id_rank[sorted(range(n_src), key=lambda i: plans[i].source.id)] = np.arange(n_src)
        nn = nn[
            np.lexsort(
                (cols.upper[nn], cols.lower[nn], x[nn], cols.dist[nn], id_rank[src[nn]])
            )
        ]
        amount = cols.amount[nn]
        with np.errstate(divide="ignore", invalid="ignore"):
            extra = {
                "nn_src": src[nn],
                "nn_x": x[nn],
                "nn_dist": cols.dist[nn],
                "nn_lower": np.where(amount > 0, cols.lower[nn] / amount, 1.0),
                "nn_upper": np.where(amount > 0, cols.upper[nn] / amount, 1.0),
            }
        qn = (x[nn] * cols.u95[nn]) ** 2
        extra["Q_normal"] = np.maximum(Q - np.bincount(src[nn], qn, minlength=n_src), 0.0)
    return SourceStats(A, A_chain, Q, B, A_none, counts, **extra)


# ---------------------------------------------------------------------------------------
# 4. lines
# ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class Line:
    """One output line (one gas of one source), as a record; see :class:`LineTable`."""

    source: str
    facility: str
    category: int
    scope: str
    scope3_category: int | None
    gas: str
    group: str
    mass_t: float
    co2e_t: float
    biogenic: bool
    method: str
    factor: str
    pack_version: str
    share: float
    basis: str
    activity: float
    base_unit: str
    gwp: float


_BASIS_NAMES = ("both", "location", "market")


@dataclass
class LineTemplate:
    """Everything about the output lines that does not depend on the activity sums.

    Built once per set of source plans (and cached with them): one row per source × gas
    (location/market variants and contract rows for scope 2), with the parameter
    triplets that say which uncertain inputs each row is proportional to.
    """

    src: IntArray
    coef: FloatArray
    gwp: FloatArray
    share: FloatArray
    biogenic: npt.NDArray[np.bool_]
    category: npt.NDArray[np.int64]
    basis: npt.NDArray[np.int8]  # index into _BASIS_NAMES
    group: npt.NDArray[np.str_]
    gas: list[str]
    facility: npt.NDArray[np.str_]
    ref: list[str]
    # parameter triplets: row l is proportional to parameter p (chain: via the fuel NCV)
    p_idx: IntArray
    l_idx: IntArray
    chain: npt.NDArray[np.bool_]
    # scope-2 contracts: per source, [(label, kind, amount, rows)], and the residual rows
    contracts: list[tuple[int, list[tuple[str, str, float, list[int]]], list[int]]]
    plans: Sequence[SourcePlan]
    row_plan: list[SourcePlan]

    @property
    def rho_unit(self) -> FloatArray:
        """T CO2e per base unit of the row's activity (consolidated)."""
        out: FloatArray = self.coef * self.gwp * self.share
        return out


def line_template(plans: Sequence[SourcePlan]) -> LineTemplate:
    """Lay out the output rows of a set of plans (see :class:`LineTemplate`)."""
    src: list[int] = []
    coef: list[float] = []
    gwp_: list[float] = []
    share: list[float] = []
    bio: list[bool] = []
    cat: list[int] = []
    basis: list[int] = []
    group: list[str] = []
    gas: list[str] = []
    fac: list[str] = []
    ref: list[str] = []
    p_idx: list[int] = []
    l_idx: list[int] = []
    chain: list[bool] = []
    row_plan: list[SourcePlan] = []
    contracts: list[tuple[int, list[tuple[str, str, float, list[int]]], list[int]]] = []

    def add(p: SourcePlan, t: GasTerm, b: int, r: str) -> int:
        row = len(src)
        src.append(p.index)
        coef.append(t.coef)
        gwp_.append(t.gwp)
        share.append(p.share)
        bio.append(t.biogenic)
        cat.append(p.category)
        basis.append(b)
        group.append(t.group)
        gas.append(t.gas)
        fac.append(p.facility)
        ref.append(r)
        row_plan.append(p)
        for pidx, kind in t.params:
            p_idx.append(pidx)
            l_idx.append(row)
            chain.append(kind == "chain")
        return row

    for p in plans:
        if p.market_terms is None and not p.contracts:
            for t in p.terms:
                add(p, t, 0, p.factor_ref)
            continue
        for t in p.terms:
            add(p, t, 1, p.factor_ref)
        cons = []
        for c in p.contracts:
            rows = [add(p, t, 2, c.ref) for t in c.terms]
            cons.append((c.label, c.kind, c.amount, rows))
        residual_terms = p.market_terms if p.market_terms is not None else p.terms
        residual_ref = p.market_ref if p.market_ref is not None else p.factor_ref
        residual = [add(p, t, 2, residual_ref) for t in residual_terms]
        contracts.append((p.index, cons, residual))
    return LineTemplate(
        np.asarray(src, dtype=np.intp),
        np.asarray(coef, dtype=float),
        np.asarray(gwp_, dtype=float),
        np.asarray(share, dtype=float),
        np.asarray(bio, dtype=bool),
        np.asarray(cat, dtype=np.int64),
        np.asarray(basis, dtype=np.int8),
        np.asarray(group, dtype=str),
        gas,
        np.asarray(fac, dtype=str),
        ref,
        np.asarray(p_idx, dtype=np.intp),
        np.asarray(l_idx, dtype=np.intp),
        np.asarray(chain, dtype=bool),
        contracts,
        plans,
        row_plan,
    )


@dataclass
class LineTable:
    """The output lines as columns: one row per source × gas (consolidated by ``share``).

    ``activity`` is in the source's base unit; contract rows have ``fixed`` (the MWh the
    instrument covers, not measured) and residual rows an ``offset`` (the covered MWh
    taken off the source's activity).
    """

    template: LineTemplate
    activity: FloatArray
    mass: FloatArray
    co2e: FloatArray
    fixed: FloatArray
    offset: FloatArray

    def __len__(self) -> int:
        return int(self.mass.size)

    @property
    def basis_names(self) -> npt.NDArray[np.str_]:
        """``both``, ``location`` or ``market`` per row."""
        return np.asarray(_BASIS_NAMES, dtype=str)[self.template.basis]

    def record(self, i: int) -> Line:
        """Row *i* as a :class:`Line` record."""
        t = self.template
        p = t.row_plan[i]
        return Line(
            source=p.source.id,
            facility=p.facility,
            category=p.category,
            scope=p.scope,
            scope3_category=p.scope3_category,
            gas=t.gas[i],
            group=str(t.group[i]),
            mass_t=float(self.mass[i]),
            co2e_t=float(self.co2e[i]),
            biogenic=bool(t.biogenic[i]),
            method=p.method,
            factor=t.ref[i],
            pack_version=p.pack_version,
            share=p.share,
            basis=_BASIS_NAMES[int(t.basis[i])],
            activity=float(self.activity[i]),
            base_unit=p.base_unit,
            gwp=float(t.gwp[i]),
        )


def build_lines(
    template: LineTemplate, stats: SourceStats, findings: list[Finding] | None = None
) -> LineTable:
    """Multiply per-source sums by per-gas coefficients, vectorised over rows.

    Scope-2 contract rows get the MWh each instrument covers, allocated in the GHG
    Protocol order up to the consumption; residual rows get the rest.
    """
    activity = stats.A[template.src]
    fixed = np.full(activity.size, np.nan)
    offset = np.zeros(activity.size)
    for s, cons, residual in template.contracts:
        a = float(stats.A[s])
        remaining = a
        plan = (
            template.plans[s]
            if template.plans[s].index == s
            else next(p for p in template.plans if p.index == s)
        )
        for label, kind, amount, rows in cons:
            covered = min(amount, remaining)
            if covered < amount and findings is not None:
                findings.append(
                    Finding(
                        "contracts_exceed_consumption",
                        "warning",
                        plan.source.id,
                        f"contract {label} ({kind}) covers {amount:g} {plan.base_unit} but only "
                        f"{remaining:g} {plan.base_unit} of consumption was left; "
                        f"{amount - covered:g} not counted",
                    )
                )
            remaining -= covered
            activity[rows] = covered
            fixed[rows] = covered
        activity[residual] = remaining
        offset[residual] = a - remaining
    mass = activity * template.coef * template.share
    co2e = mass * template.gwp
    return LineTable(template, activity, mass, co2e, fixed, offset)
