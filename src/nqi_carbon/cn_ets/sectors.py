"""Cement (clinker), iron and steel, and aluminium: the sector methods of the national carbon market.

Each sector's process CO2 by the method its guideline family defines, with fuel
combustion, electricity and heat bought in added, electricity and heat sent out deducted
and CO2 recovered and supplied outside deducted — each shown as its own line, never netted
silently:

* **cement** — :func:`clinker_process`: carbonate CO2 from the CaO and MgO of clinker (and of
  kiln and bypass dust leaving the kiln system), less the oxides from non-carbonate
  sources, plus the non-fuel carbon of the raw meal;
* **iron and steel** — :func:`carbon_balance`: carbon in all materials entering the plant
  minus carbon in all products and by-products leaving it, as CO2 (combustion and process
  together; fuels inside the balance must not be listed again as fuels);
* **aluminium** — :func:`anode_process` (prebaked anode consumption) and
  :func:`pfc_emissions` (CF4 and C2F6 of anode effects, weighed by a stated GWP set).

No sector default is shipped: every carbon content, composition and PFC rate is the
plant's, stated with its basis. The MEE sector guidelines of the national market were not
available; :data:`SECTOR_METHODS` says where each formula is taken from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue
from .power import CnFinding
from .rules import (
    C_TO_CO2,
    CAO_TO_CO2,
    MGO_TO_CO2,
    co2_per,
    grid_factor_for,
    resolved,
)

if TYPE_CHECKING:
    from ..data.factors import Factor, FactorRegistry, Fuel
    from .plant import Anodes, CarbonBalance, Clinker, FuelUse, Pfc, Quantity, SectorPlant

__all__ = [
    "SECTOR_METHODS",
    "SectorResult",
    "anode_process",
    "calculate_sector",
    "carbon_balance",
    "clinker_process",
    "fuel_line",
    "pfc_emissions",
]

SECTOR_METHODS: dict[str, tuple[tuple[str, str], str]] = {
    "cement": (
        (
            "Clinker method: E = (Q_clinker + Q_kiln dust + Q_bypass dust) × [(CaO − CaO_non-carbonate) × 44/56 "
            "+ (MgO − MgO_non-carbonate) × 44/40] + Q_raw meal × C_non-fuel × 44/12",
            "熟料法：E = (熟料产量 + 窑头粉尘 + 旁路放风粉尘) × [(CaO − 非碳酸盐CaO) × 44/56 "
            "+ (MgO − 非碳酸盐MgO) × 44/40] + 生料量 × 生料中非燃料碳含量 × 44/12",
        ),
        "GB/T 32151.8-2015 (cement) and the NDRC 2013 cement guideline, as summarised by 中国标准化研究院 "
        "(tanjiaoyi.com/article-13965-9.html: process CO2 back-calculated from the clinker's CaO and MgO; "
        "electricity and heat sent out deducted). The dust and raw-meal terms follow the NDRC 2013 guideline "
        "from memory of its structure, not a text read here. The MEE guideline for cement clinker production "
        "of the national market was not available.",
    ),
    "steel": (
        (
            "Carbon balance: E = 44/12 × (Σ inputs m × C − Σ outputs m × C)",
            "碳平衡法：E = 44/12 × (Σ输入物料 × 含碳量 − Σ输出产品及副产品 × 含碳量)",
        ),
        "The mass-balance approach of the 2006 IPCC Guidelines, Vol. 3, Ch. 4.2 (iron and steel, Tier 2/3: "
        "carbon in feedstocks minus carbon in products and by-products; carbonkit.net description of the IPCC "
        "method) and EU MRR Art. 25. The MEE guideline for iron and steel of the national market was not "
        "available: how it splits the balance into combustion and process lines is not reproduced.",
    ),
    "aluminium": (
        (
            "Anodes: E = P_Al × NAC × (1 − S − Ash) × 44/12; PFCs: E_CF4 = P_Al × EF_CF4, E_C2F6 = P_Al × EF_C2F6",
            "阳极：E = 原铝产量 × 吨铝阳极净耗 × (1 − 硫分 − 灰分) × 44/12；PFCs：E = 原铝产量 × 排放因子",
        ),
        "Prebake anode consumption as in the 2006 IPCC Guidelines Vol. 3 Ch. 4.4 and US 40 CFR 98.63 "
        "(NAC, MP, S_a, Ash_a, 44/12); PFC rates per tonne of aluminium are the plant's (measured slope or "
        "overvoltage result). The MEE guideline for aluminium smelting of the national market was not "
        "available; whether its total includes the PFCs was not confirmed, so they are shown apart.",
    ),
}
"""Per sector: the formula (English, Chinese) and where it is taken from, with what was not confirmed."""


@dataclass
class SectorResult:
    """A cement, steel or aluminium plant's year: fuel, process, PFC and energy lines."""

    plant: SectorPlant
    fuel_lines: list[dict[str, Any]]
    process_lines: list[dict[str, Any]]
    energy_lines: list[dict[str, Any]]
    pfc_lines: list[dict[str, Any]]
    recovered_t: float
    production_t: float | None
    grid_factor: Factor | None
    heat_factor: Factor | None
    findings: list[CnFinding] = field(default_factory=list)
    pack_fuels: dict[str, Fuel] = field(default_factory=dict)
    """The pack fuels the fuel lines took values from, by pack reference."""

    @property
    def fuel_t(self) -> float:
        """CO2 from fuel combustion (t)."""
        return math.fsum(x["emissions_t"] for x in self.fuel_lines)

    @property
    def process_t(self) -> float:
        """Process CO2 (t): clinker, carbon balance or anodes."""
        return math.fsum(x["emissions_t"] for x in self.process_lines)

    @property
    def pfc_t(self) -> float:
        """PFCs as CO2e (t, under the plant's GWP set)."""
        return math.fsum(x["co2e_t"] for x in self.pfc_lines)

    def energy_t(self, item: str) -> float:
        """CO2 of one energy line (``purchased_electricity``...), positive, 0 when absent."""
        return math.fsum(x["emissions_t"] for x in self.energy_lines if x["item"] == item)

    @property
    def total_t(self) -> float:
        """Fuels + process + PFCs + energy bought − energy sent out − CO2 recovered (t CO2e)."""
        e = self.energy_t
        return (
            self.fuel_t
            + self.process_t
            + self.pfc_t
            + e("purchased_electricity")
            + e("purchased_heat")
            - e("exported_electricity")
            - e("exported_heat")
            - self.recovered_t
        )


class _Inputs:
    """Converts the plant file's quantities, collecting every problem."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def q(self, q: Quantity, unit: str, field: str) -> float:
        from .plant import convert

        return convert(q, unit, field, self.issues, file=self.file)

    def frac(self, q: Quantity, field: str) -> float:
        from .plant import fraction

        return fraction(q, field, self.issues, file=self.file)


def fuel_line(fu: FuelUse, i: int, registry: FactorRegistry, inp: _Inputs) -> dict[str, Any]:
    """One fuel's CO2: ``FC × C_ar × OF × 44/12`` or ``FC × NCV × CC × OF × 44/12``.

    Stated parameters take precedence over the pack fuel's; each line says where each came from.
    """
    from ..units import conversion_factor

    where = f"fuels[{i}]"
    pack = None
    if fu.pack_fuel is not None:
        allowed = "a pack fuel, e.g. cn-mee/fuel/diesel"
        pack = resolved(
            registry,
            fu.pack_fuel,
            fuel=True,
            field=f"{where}.pack_fuel",
            allowed=allowed,
            issues=inp.issues,
            file=inp.file,
        )
    volume = _is_volume(fu.consumption.unit)
    fc = inp.q(fu.consumption, "10^4 Nm3" if volume else "t", f"{where}.consumption")

    def param(name: str, unit: str, *, frac: bool = False) -> tuple[float | None, str]:
        stated = getattr(fu, name, None)
        if stated is not None:
            return (
                inp.frac(stated, f"{where}.{name}")
                if frac
                else inp.q(stated, unit, f"{where}.{name}")
            ), "stated"
        p = None if pack is None else pack.parameter(name)
        if p is None:
            return None, "—"
        return p.value * conversion_factor(p.unit, unit), f"{fu.pack_fuel}"

    of, of_src = param("oxidation", "1", frac=True)
    line: dict[str, Any] = {
        "id": fu.id,
        "name": fu.name or fu.id,
        "fc": fc,
        "fc_unit": "10^4 Nm3" if volume else "t",
        "oxidation": of,
        "oxidation_source": of_src,
        "evidence": fu.consumption.evidence,
    }
    if fu.carbon_fraction is not None:
        c_ar = inp.frac(fu.carbon_fraction, f"{where}.carbon_fraction")
        line.update(ncv=None, ncv_source="—", cc=None, cc_source="—", c_ar=c_ar)
        e = None if of is None else fc * c_ar * of * C_TO_CO2
    else:
        ncv, ncv_src = param("ncv", "GJ/(10^4 Nm3)" if volume else "GJ/t")
        cc, cc_src = param("carbon_content", "t/GJ")
        line.update(ncv=ncv, ncv_source=ncv_src, cc=cc, cc_source=cc_src, c_ar=None)
        e = None if None in (ncv, cc, of) else fc * ncv * cc * of * C_TO_CO2  # type: ignore[operator]
    if e is None and (fu.pack_fuel is None or pack is not None):  # else: the pack fuel is the issue
        inp.issues.append(
            Issue(
                "cn_ets_parameter_missing",
                f"fuel {fu.id!r} lacks a parameter (NCV, carbon content or oxidation) and its pack fuel gives none",
                file=inp.file,
                field=where,
                allowed="state ncv, carbon_content (or carbon_fraction) and oxidation, or a pack_fuel that has them",
            )
        )
    return {**line, "emissions_t": math.nan if e is None else e}


def _is_volume(unit: str) -> bool:
    from ..errors import NqiCarbonError
    from ..units import parse_unit, registry

    try:
        return bool(parse_unit(unit).dimensionality == registry().get_dimensionality("[length]**3"))
    except NqiCarbonError:
        return False


def clinker_process(c: Clinker, inp: _Inputs) -> list[dict[str, Any]]:
    """Cement process CO2 from clinker (see :data:`SECTOR_METHODS` for the formula and its source)."""
    w = "clinker"
    mass = inp.q(c.output, "t", f"{w}.output")
    dusts = {
        k: inp.q(getattr(c, k), "t", f"{w}.{k}")
        for k in ("kiln_dust", "bypass_dust")
        if getattr(c, k) is not None
    }
    cao, mgo = inp.frac(c.cao, f"{w}.cao"), inp.frac(c.mgo, f"{w}.mgo")
    cao_nc = inp.frac(c.cao_non_carbonate, f"{w}.cao_non_carbonate")
    mgo_nc = inp.frac(c.mgo_non_carbonate, f"{w}.mgo_non_carbonate")
    for name, total, part in (("cao", cao, cao_nc), ("mgo", mgo, mgo_nc)):
        if part > total:
            inp.issues.append(
                Issue(
                    "cn_ets_value",
                    f"the non-carbonate {name.upper()} exceeds the clinker's {name.upper()}",
                    file=inp.file,
                    field=f"{w}.{name}_non_carbonate",
                    value=repr(part),
                    allowed=f"at most {total:g}",
                )
            )
    per_t = (cao - cao_nc) * CAO_TO_CO2 + (mgo - mgo_nc) * MGO_TO_CO2
    out = [
        {
            "item": "clinker",
            "label": ("Clinker (CaO, MgO from carbonates)", "熟料（碳酸盐分解的CaO、MgO）"),
            "quantity_t": mass,
            "factor": per_t,
            "emissions_t": mass * per_t,
        }
    ]
    labels = {
        "kiln_dust": ("Kiln dust leaving the system", "窑头粉尘"),
        "bypass_dust": ("Bypass dust", "旁路放风粉尘"),
    }
    out += [
        {"item": k, "label": labels[k], "quantity_t": v, "factor": per_t, "emissions_t": v * per_t}
        for k, v in dusts.items()
    ]
    if c.raw_meal is not None and c.raw_meal_carbon is not None:
        rm, fr0 = (
            inp.q(c.raw_meal, "t", f"{w}.raw_meal"),
            inp.frac(c.raw_meal_carbon, f"{w}.raw_meal_carbon"),
        )
        out.append(
            {
                "item": "raw_meal",
                "label": ("Non-fuel carbon of the raw meal", "生料中非燃料碳"),
                "quantity_t": rm,
                "factor": fr0 * C_TO_CO2,
                "emissions_t": rm * fr0 * C_TO_CO2,
            }
        )
    return out


def carbon_balance(b: CarbonBalance, inp: _Inputs) -> list[dict[str, Any]]:
    """Iron and steel: one line per material, inputs positive, outputs negative (t CO2)."""
    out: list[dict[str, Any]] = []
    for side, flows, sign in (("inputs", b.inputs, 1.0), ("outputs", b.outputs, -1.0)):
        for i, f in enumerate(flows):
            m = inp.q(f.amount, "t", f"carbon_balance.{side}[{i}].amount")
            c = inp.frac(f.carbon, f"carbon_balance.{side}[{i}].carbon")
            label = (
                f"{f.name or f.id} ({'in' if sign > 0 else 'out'})",
                f"{f.name or f.id}（{'输入' if sign > 0 else '输出'}）",
            )
            out.append(
                {
                    "item": f.id,
                    "label": label,
                    "quantity_t": m,
                    "factor": c * C_TO_CO2,
                    "emissions_t": sign * m * c * C_TO_CO2,
                }
            )
    net = math.fsum(x["emissions_t"] for x in out)
    if net < 0 and not inp.issues:
        leaving = -math.fsum(x["emissions_t"] for x in out if x["emissions_t"] < 0)
        inp.issues.append(
            Issue(
                "cn_ets_balance_negative",
                f"the carbon leaving ({leaving:,.3f} t CO2) exceeds the carbon entering",
                file=inp.file,
                field="carbon_balance",
                value=f"{net:,.3f}",
                allowed="outputs' carbon at most the inputs' "
                "(a missing input, or a carbon content in % written as a fraction)",
            )
        )
    return out


def anode_process(a: Anodes, inp: _Inputs) -> tuple[list[dict[str, Any]], float]:
    """Aluminium: CO2 of prebaked anode consumption; also returns the aluminium produced (t)."""
    p = inp.q(a.aluminium, "t", "anodes.aluminium")
    nac = inp.q(a.net_consumption, "t/t", "anodes.net_consumption")
    s, ash = inp.frac(a.sulphur, "anodes.sulphur"), inp.frac(a.ash, "anodes.ash")
    per_t = nac * (1.0 - s - ash) * C_TO_CO2
    return [
        {
            "item": "anodes",
            "label": ("Prebaked anode consumption", "预焙阳极消耗"),
            "quantity_t": p,
            "factor": per_t,
            "emissions_t": p * per_t,
        }
    ], p


def pfc_emissions(pfc: Pfc, aluminium_t: float, inp: _Inputs) -> list[dict[str, Any]]:
    """CF4 and C2F6 (t) from the stated rates per tonne of aluminium, and their CO2e."""
    from ..data.gwp import gwp
    from ..errors import NqiCarbonError

    out = []
    for species, q in (("CF4", pfc.cf4), ("C2F6", pfc.c2f6)):
        rate = inp.q(q, "t/t", f"pfc.{species.lower()}")
        try:
            g = gwp(species, pfc.gwp)
        except NqiCarbonError as exc:
            inp.issues.append(
                Issue(
                    "cn_ets_gwp",
                    str(exc),
                    file=inp.file,
                    field="pfc.gwp",
                    value=repr(pfc.gwp),
                    allowed="a GWP set: SAR, AR4, AR5, AR6",
                )
            )
            g = math.nan
        mass = aluminium_t * rate
        out.append({"gas": species, "mass_t": mass, "gwp": g, "co2e_t": mass * g})
    return out


def _energy_lines(
    plant: SectorPlant, registry: FactorRegistry, inp: _Inputs
) -> tuple[list[dict[str, Any]], Factor | None, Factor | None]:
    """Electricity and heat bought in (added) and sent out (deducted), each at its factor."""
    en = plant.energy
    elec = [
        (k, getattr(en, k))
        for k in ("purchased_electricity", "exported_electricity")
        if getattr(en, k) is not None
    ]
    heat = [
        (k, getattr(en, k))
        for k in ("purchased_heat", "exported_heat")
        if getattr(en, k) is not None
    ]
    grid = heat_f = None
    out: list[dict[str, Any]] = []
    if elec:
        try:
            grid = grid_factor_for(
                registry, plant.year, en.grid_factor, file=inp.file, field="energy.grid_factor"
            )
        except InvalidInputError as exc:
            inp.issues += list(exc.issues)
    if heat:
        allowed = "a factor in t CO2/GJ, e.g. cn-mee/heat/purchased"
        heat_f = resolved(
            registry,
            en.heat_factor,
            fuel=False,
            field="energy.heat_factor",
            allowed=allowed,
            issues=inp.issues,
            file=inp.file,
        )
    for items, factor, unit, kind in ((elec, grid, "MWh", "grid"), (heat, heat_f, "GJ", "heat")):
        if factor is None:
            continue
        ef = co2_per(factor, unit, field=f"energy.{kind}_factor", issues=inp.issues, file=inp.file)
        if ef is None:
            continue
        for key, q in items:
            amount = inp.q(q, unit, f"energy.{key}")
            out.append(
                {
                    "item": key,
                    "amount": amount,
                    "unit": unit,
                    "factor": ef,
                    "factor_ref": factor.ref,
                    "emissions_t": amount * ef,
                    "evidence": q.evidence,
                }
            )
    return out, grid, heat_f


def calculate_sector(
    plant: SectorPlant, registry: FactorRegistry, *, file: str | None = None
) -> SectorResult:
    """A cement, steel or aluminium plant's year, every input problem reported at once."""
    inp = _Inputs(file)
    fuels = [fuel_line(fu, i, registry, inp) for i, fu in enumerate(plant.fuels)]
    pfc: list[dict[str, Any]] = []
    aluminium = None
    if plant.clinker is not None:
        process = clinker_process(plant.clinker, inp)
    elif plant.carbon_balance is not None:
        process = carbon_balance(plant.carbon_balance, inp)
    else:
        assert plant.anodes is not None
        process, aluminium = anode_process(plant.anodes, inp)
        if plant.pfc is not None:
            pfc = pfc_emissions(plant.pfc, aluminium, inp)
    energy, grid, heat = _energy_lines(plant, registry, inp)
    recovered = (
        0.0 if plant.recovered_co2 is None else inp.q(plant.recovered_co2, "t", "recovered_co2")
    )
    production = (
        aluminium if plant.production is None else inp.q(plant.production, "t", "production")
    )
    if inp.issues:
        raise InvalidInputError(inp.issues, source=file)
    result = SectorResult(plant, fuels, process, energy, pfc, recovered, production, grid, heat)
    if not recovered <= result.fuel_t + result.process_t:
        raise InvalidInputError(
            [
                Issue(
                    "cn_ets_recovered_exceeds",
                    f"{recovered:,.3f} t of CO2 recovered is more than the plant's "
                    f"{result.fuel_t + result.process_t:,.3f} t of CO2 from fuels and processes",
                    file=file,
                    field="recovered_co2.value",
                    value=repr(plant.recovered_co2.value if plant.recovered_co2 else None),
                    allowed="at most the CO2 the plant produces (fuel combustion + process)",
                )
            ],
            source=file,
        )
    result.findings = _evidence_findings(plant)
    # every pack fuel resolved above (else the issues were raised): kept for their citations
    result.pack_fuels = {
        fu.pack_fuel: registry.resolve_fuel(fu.pack_fuel) for fu in plant.fuels if fu.pack_fuel
    }
    return result


def _evidence_findings(plant: SectorPlant) -> list[CnFinding]:
    """Stated quantities without an evidence reference (存证), one finding listing them."""
    missing = sorted(
        path
        for path, q in _quantities(plant.model_dump(exclude_none=True), "")
        if not q.get("evidence")
    )
    if not missing:
        return []
    listed = ", ".join(missing)
    return [
        CnFinding(
            "cn_ets_evidence_missing",
            "nonconformity",
            plant.entity.id,
            str(plant.year),
            (f"no evidence reference for: {listed}", f"以下数据无存证记录：{listed}"),
            "data-quality control plan: every reported quantity traced to its record (Decree 775 Art. 11)",
        )
    ]


def _quantities(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every ``{value, unit, ...}`` mapping in a dumped plant file, with its path."""
    if isinstance(node, dict):
        if "value" in node and "unit" in node:
            return [(path, node)]
        return [x for k, v in node.items() for x in _quantities(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list | tuple):
        return [x for i, v in enumerate(node) for x in _quantities(v, f"{path}[{i}]")]
    return []
