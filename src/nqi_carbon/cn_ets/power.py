"""Power generation under the MEE guideline: monthly fuel CO2, purchased electricity, supply indicators.

The steps, each a plain function:

1. :func:`coal_month` — one month of coal in one unit: the as-received element carbon
   ``C_ar`` from a valid analysis (converted from the air-dried or dry basis), or, in a
   month without one, ``C_ar = NCV_ar × CC_high`` with the high default carbon content per
   unit heat; ``E = FC × C_ar × OF × 44/12``.
2. :func:`other_fuel_month` — a month of another fuel: ``E = FC × NCV × CC × OF × 44/12``,
   each parameter from the records or from the pack fuel the plant file names.
3. :func:`electricity_months` — purchased electricity × the national grid factor of the year.
4. :func:`unit_indicators` — per generating unit: its emissions split between heat and
   electricity by the month's heat supply ratio, the electricity and heat supplied, and
   the supply emission intensities.
5. :func:`lab_findings` — the data-quality checks of the month's analyses and evidence.

:func:`calculate_power` chains them into a :class:`PowerResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue
from .rules import ACCREDITED, C_TO_CO2, Edition, carbon_per_gj, co2_per, lab_report_due, resolved

if TYPE_CHECKING:
    from ..data.factors import Factor, FactorRegistry, Fuel
    from .plant import PowerPlant
    from .records import MonthlyRecords

__all__ = [
    "CnFinding",
    "PowerResult",
    "as_received_carbon",
    "calculate_power",
    "coal_month",
    "electricity_months",
    "lab_findings",
    "other_fuel_month",
    "supply_findings",
    "unit_indicators",
]


@dataclass(frozen=True)
class CnFinding:
    """A data-quality finding, in English and Chinese; ``nonconformity`` ones are 不符合项.

    ``clause`` names the rule (document and section) the finding is measured against.
    """

    code: str
    severity: str
    subject: str
    month: str
    message: tuple[str, str]
    clause: str


def as_received_carbon(
    carbon: float, basis: str, moisture_ar: float | None, moisture_ad: float | None
) -> float:
    """Element carbon on the as-received basis (mass fractions), from the basis it was analysed on.

    GB/T 483 basis conversion: ``C_ar = C_ad × (1 − M_ar) / (1 − M_ad)`` from the air-dried
    basis and ``C_ar = C_d × (1 − M_ar)`` from the dry basis (M_ar total moisture as
    received, M_ad moisture of the air-dried sample).
    """
    if basis == "ar":
        return carbon
    assert moisture_ar is not None
    if basis == "d":
        return carbon * (1.0 - moisture_ar)
    assert moisture_ad is not None
    return carbon * (1.0 - moisture_ar) / (1.0 - moisture_ad)


def coal_month(
    rec: dict[tuple[str, str, str, str], dict[str, Any]],
    month: str,
    unit: str,
    fuel: str,
    *,
    oxidation: float,
    high_default: float | None,
) -> dict[str, Any]:
    """One month of coal in one unit (see the module's step 1).

    Returns the month's line: consumption ``fc_t``, ``ncv`` (GJ/t), ``carbon`` and ``basis``
    as analysed, ``c_ar`` (t C/t), ``status`` (``measured``, ``high_default`` or
    ``no_fuel``), ``oxidation`` and ``emissions_t``. *high_default* (t C/GJ) is used only
    in a month without a valid analysis; None there is an error for the caller.
    """
    fc = rec[(month, unit, fuel, "fuel_consumption")]["value"]
    ncv_rec = rec.get((month, unit, fuel, "ncv"))
    ncv = None if ncv_rec is None else ncv_rec["value"]
    c_rec = rec.get((month, unit, fuel, "carbon"))
    line: dict[str, Any] = {
        "month": month,
        "unit_id": unit,
        "fuel": fuel,
        "fc": fc,
        "ncv": ncv,
        "oxidation": oxidation,
    }
    line["carbon"] = None if c_rec is None else c_rec["value"]
    line["basis"] = None if c_rec is None else c_rec["basis"]
    line["lab"] = None if c_rec is None else (c_rec["lab"] or None)
    line["report"] = None if c_rec is None else (c_rec["report"] or None)
    if fc == 0:
        return {**line, "c_ar": None, "status": "no_fuel", "emissions_t": 0.0}
    if c_rec is not None and c_rec["accreditation"] in ACCREDITED:
        m_ar = rec.get((month, unit, fuel, "moisture_ar"))
        m_ad = rec.get((month, unit, fuel, "moisture_ad"))
        c_ar = as_received_carbon(
            c_rec["value"],
            c_rec["basis"],
            None if m_ar is None else m_ar["value"],
            None if m_ad is None else m_ad["value"],
        )
        status = "measured"
    else:
        if high_default is None or ncv is None:
            return {**line, "c_ar": None, "status": "high_default", "emissions_t": math.nan}
        c_ar = ncv * high_default
        status = "high_default"
    return {**line, "c_ar": c_ar, "status": status, "emissions_t": fc * c_ar * oxidation * C_TO_CO2}


def other_fuel_month(
    rec: dict[tuple[str, str, str, str], dict[str, Any]],
    month: str,
    unit: str,
    fuel: str,
    defaults: dict[str, float | None],
) -> dict[str, Any]:
    """A month of a fuel other than coal: ``E = FC × NCV × CC × OF × 44/12`` (module step 2).

    Recorded ``ncv`` and ``carbon_content`` take precedence over *defaults* (the pack
    fuel's, converted to the fuel's consumption unit); ``oxidation`` comes from *defaults*.
    A missing parameter gives NaN (the caller reports it).
    """
    fc = rec[(month, unit, fuel, "fuel_consumption")]["value"]
    got = {p: rec.get((month, unit, fuel, p)) for p in ("ncv", "carbon_content")}
    ncv = got["ncv"]["value"] if got["ncv"] is not None else defaults.get("ncv")
    cc = (
        got["carbon_content"]["value"]
        if got["carbon_content"] is not None
        else defaults.get("carbon_content")
    )
    of = defaults.get("oxidation")
    source = "recorded" if got["ncv"] is not None or got["carbon_content"] is not None else "pack"
    line = {
        "month": month,
        "unit_id": unit,
        "fuel": fuel,
        "fc": fc,
        "ncv": ncv,
        "cc": cc,
        "oxidation": of,
        "status": source,
    }
    if fc == 0:
        return {**line, "status": "no_fuel", "emissions_t": 0.0}
    if ncv is None or cc is None or of is None:
        return {**line, "emissions_t": math.nan}
    return {**line, "emissions_t": fc * ncv * cc * of * C_TO_CO2}


def electricity_months(records: MonthlyRecords, factor_t_per_mwh: float) -> list[dict[str, Any]]:
    """Purchased electricity by month and unit (``''``: the plant) × the grid factor (t CO2/MWh)."""
    df = records.frame[records.frame["parameter"] == "purchased_electricity"]
    return [
        {
            "month": r["month"],
            "unit_id": r["unit_id"],
            "mwh": r["value"],
            "factor": factor_t_per_mwh,
            "emissions_t": r["value"] * factor_t_per_mwh,
            "evidence": r["evidence"] or None,
        }
        for r in df.sort_values(["month", "unit_id"]).to_dict("records")
    ]


def unit_indicators(
    plant: PowerPlant,
    records: MonthlyRecords,
    fuel_lines: list[dict[str, Any]],
    elec_lines: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Per unit: emissions, generation, supply, heat, and the supply emission intensities (step 4).

    A unit's month of emissions (its fuels plus electricity it bought itself) is split by
    the month's heat supply ratio α: ``E_heat = E × α``, ``E_power = E × (1 − α)``; the
    year's intensities are ``ΣE_power / Σ供电量`` (t CO2/MWh) and ``ΣE_heat / Σ供热量``
    (t CO2/GJ). α is the plant's recorded 供热比; months without heat supplied have α = 0.
    """
    rec = records.lookup()
    by_month: dict[tuple[str, str], list[float]] = {}  # one pass over the lines, not one per unit
    for x in (*fuel_lines, *elec_lines):
        by_month.setdefault((x["unit_id"], x["month"]), []).append(x["emissions_t"])
    out = []
    for unit in plant.units:
        power, heat, total = [], [], []
        for m in (f"{plant.year}-{k:02d}" for k in range(1, 13)):
            e = math.fsum(by_month.get((unit.id, m), ()))
            heat_gj = rec.get((m, unit.id, "", "heat_supply"), {"value": 0.0})["value"]
            alpha = rec[(m, unit.id, "", "heat_ratio")]["value"] if heat_gj > 0 else 0.0
            total.append(e)
            heat.append(e * alpha)
            power.append(e - e * alpha)
        sums = {
            p: math.fsum(
                rec.get((f"{plant.year}-{k:02d}", unit.id, "", p), {"value": 0.0})["value"]
                for k in range(1, 13)
            )
            for p in ("generation", "power_supply", "heat_supply")
        }
        e_power, e_heat = math.fsum(power), math.fsum(heat)
        out.append(
            {
                "unit_id": unit.id,
                "name": unit.name or unit.id,
                "emissions_t": math.fsum(total),
                "generation_mwh": sums["generation"],
                "power_supply_mwh": sums["power_supply"],
                "heat_supply_gj": sums["heat_supply"],
                "power_emissions_t": e_power,
                "heat_emissions_t": e_heat,
                "power_intensity": e_power / sums["power_supply"]
                if sums["power_supply"] > 0
                else None,
                "heat_intensity": e_heat / sums["heat_supply"] if sums["heat_supply"] > 0 else None,
            }
        )
    return out


_CLAUSE_LAB = (
    "MEE interpretation of 环办气候函〔2022〕111号, 二（三）: CMA/CNAS report within 40 days, "
    "with C, NCV, H, S, moisture of the sample"
)
_CLAUSE_SUPPLY = (
    "供电量 is the electricity generated less the plant's own use (厂用电): it cannot exceed "
    "发电量 (the definition; the guideline's formula was not read here)"
)
_CLAUSE_EVIDENCE = (
    "MEE interpretation of 环办气候函〔2022〕111号, 二（四）: "
    "monthly evidence (月度信息化存证) within 40 days"
)


def lab_findings(records: MonthlyRecords, fuel_lines: list[dict[str, Any]]) -> list[CnFinding]:
    """Analyses that do not count, late or incomplete lab reports, and records without evidence (step 5)."""
    rec = records.lookup()
    out = []
    for ln in fuel_lines:
        if "basis" not in ln or ln["status"] == "no_fuel":
            continue
        m, u, f = ln["month"], ln["unit_id"], ln["fuel"]
        subject = f"{u}/{f}"
        c = rec.get((m, u, f, "carbon"))
        if ln["status"] == "high_default":
            why = (
                ("no element-carbon analysis", "无元素碳含量检测")
                if c is None
                else (
                    f"the analysis is from a laboratory without CMA/CNAS ({c['accreditation'] or 'not stated'})",
                    f"检测机构不具备 CMA/CNAS 资质（{c['accreditation'] or '未说明'}）",
                )
            )
            out.append(
                CnFinding(
                    "cn_ets_carbon_not_measured",
                    "nonconformity",
                    subject,
                    m,
                    (
                        f"{why[0]}: the high default carbon content per unit heat is applied",
                        f"{why[1]}：采用单位热值含碳量高限值",
                    ),
                    _CLAUSE_LAB,
                )
            )
            continue
        if ln["status"] != "measured" or c is None:
            continue
        out += _report_date_findings(c, m, subject)
        lacking = _report_lacks(rec, c, m, u, f)
        if lacking:
            out.append(
                CnFinding(
                    "cn_ets_lab_report_incomplete",
                    "nonconformity",
                    subject,
                    m,
                    (
                        "lab report lacks: " + ", ".join(x[0] for x in lacking),
                        "检测报告缺少：" + "、".join(x[1] for x in lacking),
                    ),
                    _CLAUSE_LAB,
                )
            )
    return out + _evidence_findings(records)


def _report_date_findings(c: dict[str, Any], m: str, subject: str) -> list[CnFinding]:
    """A lab report dated after the 40 days, or before the month it analyses began."""
    when, number = c["report_date"], c["report"] or ""
    if when is None:
        return []  # a report without a date is an incomplete report
    due = lab_report_due(m)
    if when > due:
        text = (
            f"lab report {number} dated {when}, after {due} (40 days after the month)",
            f"检测报告{number}出具日期 {when}，晚于 {due}（月结束后40日）",
        )
        return [CnFinding("cn_ets_lab_report_late", "nonconformity", subject, m, text, _CLAUSE_LAB)]
    if when.isoformat()[:7] < m:
        text = (
            f"lab report {number} dated {when}, before the month it analyses",
            f"检测报告{number}出具日期 {when}，早于所检测的月份",
        )
        return [CnFinding("cn_ets_lab_report_date", "nonconformity", subject, m, text, _CLAUSE_LAB)]
    return []


def supply_findings(records: MonthlyRecords) -> list[CnFinding]:
    """Months in which a unit's electricity supplied exceeds its electricity generated."""
    rec = records.lookup()
    out = []
    for (m, u, _, p), row in sorted(rec.items()):
        gen = rec.get((m, u, "", "generation"))
        if p != "power_supply" or gen is None or not row["value"] > gen["value"]:
            continue
        text = (
            f"electricity supplied {row['written']:,.10g} {row['uom']} is more than the "
            f"{gen['written']:,.10g} {gen['uom']} generated",
            f"供电量 {row['written']:,.10g} {row['uom']} 大于发电量 {gen['written']:,.10g} {gen['uom']}",
        )
        out.append(
            CnFinding("cn_ets_supply_above_generation", "nonconformity", u, m, text, _CLAUSE_SUPPLY)
        )
    return out


def _report_lacks(
    rec: dict[tuple[str, str, str, str], dict[str, Any]], c: dict[str, Any], m: str, u: str, f: str
) -> list[tuple[str, str]]:
    """What the carbon analysis's report does not show: number, date, sampling, H, S, moisture."""
    lacking = []
    if not c["report"]:
        lacking.append(("report number", "报告编号"))
    if c["report_date"] is None:
        lacking.append(("report date", "报告日期"))
    if not c["sampling"]:
        lacking.append(("sampling and preparation method", "采样制样方法"))
    for params, label in (
        (("hydrogen",), ("hydrogen", "氢含量")),
        (("sulphur",), ("total sulphur", "全硫")),
        (("moisture_ar", "moisture_ad"), ("moisture", "水分")),
    ):
        same = [rec.get((m, u, f, p)) for p in params]
        if not any(s is not None and c["report"] and s["report"] == c["report"] for s in same):
            lacking.append(label)
    return lacking


def _evidence_findings(records: MonthlyRecords) -> list[CnFinding]:
    df = records.frame[records.frame["evidence"] == ""]
    out = []
    for key, g in df.groupby(["unit_id", "fuel", "parameter"], sort=True):
        u, f, p = (str(x) for x in key)
        months = ", ".join(sorted(str(m) for m in g["month"]))
        subject = "/".join(x for x in (u or "plant", f) if x)
        out.append(
            CnFinding(
                "cn_ets_evidence_missing",
                "nonconformity",
                subject,
                months,
                (f"{p}: no evidence (存证) reference for {months}", f"{p}：{months} 无存证记录"),
                _CLAUSE_EVIDENCE,
            )
        )
    return out


@dataclass
class PowerResult:
    """The year's figures of a power plant and how each was obtained."""

    plant: PowerPlant
    edition: Edition
    records: MonthlyRecords
    fuel_lines: list[dict[str, Any]]
    elec_lines: list[dict[str, Any]]
    units: list[dict[str, Any]]
    grid_factor: Factor
    high_defaults: dict[str, Fuel]
    pack_fuels: dict[str, Fuel]
    findings: list[CnFinding] = field(default_factory=list)

    @property
    def fuel_t(self) -> float:
        """CO2 from fuel combustion (t)."""
        return math.fsum(x["emissions_t"] for x in self.fuel_lines)

    @property
    def electricity_t(self) -> float:
        """CO2 of purchased electricity (t)."""
        return math.fsum(x["emissions_t"] for x in self.elec_lines)

    @property
    def total_t(self) -> float:
        """The plant's emissions: fuel combustion plus purchased electricity (t CO2)."""
        return self.fuel_t + self.electricity_t


def _fuel_defaults(
    registry: FactorRegistry, plant: PowerPlant, issues: list[Issue], name: str | None
) -> tuple[dict[str, Fuel], dict[str, Fuel], dict[str, float | None]]:
    """The pack fuels the plant file names: high defaults (coal), defaults of other fuels."""
    from .plant import fraction

    highs: dict[str, Fuel] = {}
    packs: dict[str, Fuel] = {}
    oxidation: dict[str, float | None] = {}
    for key, pf in plant.fuels.items():
        ref = pf.unmeasured_carbon_default if pf.kind == "coal" else pf.pack_fuel
        oxidation[key] = (
            None
            if pf.oxidation is None
            else fraction(pf.oxidation, f"fuels.{key}.oxidation", issues, file=name)
        )
        if ref is None:
            continue
        field_name = "unmeasured_carbon_default" if pf.kind == "coal" else "pack_fuel"
        example = (
            "cn-mee/fuel/power_coal_unmeasured_2022" if pf.kind == "coal" else "cn-mee/fuel/diesel"
        )
        where = f"fuels.{key}.{field_name}"
        fuel: Fuel | None = resolved(
            registry,
            ref,
            fuel=True,
            field=where,
            allowed=f"a pack fuel, e.g. {example}",
            issues=issues,
            file=name,
        )
        if fuel is None:
            continue
        if pf.kind == "coal" and fuel.parameter("carbon_content") is None:
            issues.append(
                Issue(
                    "cn_ets_factor",
                    "the fuel gives no carbon content per unit heat",
                    file=name,
                    field=f"fuels.{key}.{field_name}",
                    value=repr(ref),
                    allowed="a pack fuel with carbon_content (t C/GJ)",
                )
            )
            continue
        (highs if pf.kind == "coal" else packs)[key] = fuel
    return highs, packs, oxidation


def _other_defaults(
    fuel: Fuel | None, oxidation: float | None, volume: bool
) -> dict[str, float | None]:
    """A pack fuel's NCV, carbon content and oxidation in the units of a month's line."""
    from ..units import conversion_factor

    out: dict[str, float | None] = {"ncv": None, "carbon_content": None, "oxidation": oxidation}
    if fuel is None:
        return out
    ncv, cc, of = (fuel.parameter(p) for p in ("ncv", "carbon_content", "oxidation"))
    if ncv is not None:
        out["ncv"] = ncv.value * conversion_factor(ncv.unit, "GJ/(10^4 Nm3)" if volume else "GJ/t")
    if cc is not None:
        out["carbon_content"] = cc.value * conversion_factor(cc.unit, "t/GJ")
    if oxidation is None and of is not None:
        out["oxidation"] = of.value * conversion_factor(of.unit, "1")
    return out


def calculate_power(
    plant: PowerPlant,
    records: MonthlyRecords,
    edition: Edition,
    registry: FactorRegistry,
    *,
    file: str | None = None,
) -> PowerResult:
    """Chain the steps of the module over every unit, fuel and month into a :class:`PowerResult`.

    Raises
    ------
    InvalidInputError
        A pack fuel or factor that does not resolve, a coal month without a valid analysis
        and no ``unmeasured_carbon_default``, another fuel lacking a parameter.
    """
    from .rules import grid_factor_for

    issues: list[Issue] = []
    highs, packs, oxidation = _fuel_defaults(registry, plant, issues, file)
    lines = _fuel_lines(plant, records.lookup(), highs, packs, oxidation)
    issues += _missing_parameters(plant, lines, file)
    factor = None
    buys = bool((records.frame["parameter"] == "purchased_electricity").any())
    if buys or plant.grid_factor is not None:
        try:
            factor = grid_factor_for(registry, plant.year, plant.grid_factor, file=file)
        except InvalidInputError as exc:
            issues += list(exc.issues)
    ef = 0.0
    if factor is not None:
        ef = co2_per(factor, "MWh", field="grid_factor", issues=issues, file=file) or 0.0
    if issues:
        raise InvalidInputError(issues, source=file)
    elec = electricity_months(records, ef)
    units = unit_indicators(plant, records, lines, elec)
    findings = lab_findings(records, lines) + supply_findings(records)
    return PowerResult(plant, edition, records, lines, elec, units, factor, highs, packs, findings)  # type: ignore[arg-type]


def _fuel_lines(
    plant: PowerPlant,
    rec: dict[tuple[str, str, str, str], dict[str, Any]],
    highs: dict[str, Fuel],
    packs: dict[str, Fuel],
    oxidation: dict[str, float | None],
) -> list[dict[str, Any]]:
    """Every unit, fuel and month: :func:`coal_month` or :func:`other_fuel_month`."""
    lines = []
    for unit in plant.units:
        for key in unit.fuels:
            coal = plant.fuels[key].kind == "coal"
            high = carbon_per_gj(highs[key]) if key in highs else None
            of = oxidation[key]
            for m in (f"{plant.year}-{k:02d}" for k in range(1, 13)):
                if coal:
                    ox = math.nan if of is None else of
                    line = coal_month(rec, m, unit.id, key, oxidation=ox, high_default=high)
                else:
                    volume = rec[(m, unit.id, key, "fuel_consumption")]["canonical"] != "t"
                    defaults = _other_defaults(packs.get(key), of, volume)
                    line = other_fuel_month(rec, m, unit.id, key, defaults)
                lines.append(line)
    return lines


def _missing_parameters(
    plant: PowerPlant, lines: list[dict[str, Any]], file: str | None
) -> list[Issue]:
    """Months whose emissions cannot be computed: the parameter, the months, what to give."""
    gaps: dict[tuple[str, str], list[str]] = {}
    for ln in lines:
        if not math.isnan(ln["emissions_t"]):
            continue
        gaps.setdefault((ln["unit_id"], ln["fuel"]), []).append(ln["month"])
    out = []
    for (unit, fuel), months in sorted(gaps.items()):
        listed = ", ".join(months)
        if plant.fuels[fuel].kind == "coal":
            code, field = "cn_ets_default_required", "unmeasured_carbon_default"
            message = f"coal of unit {unit!r} has no valid element-carbon analysis in {listed}"
            message += " and the plant file names no high default"
            allowed = (
                "the pack fuel whose carbon content per unit heat the guideline prescribes for "
                "unmeasured months, e.g. cn-mee/fuel/power_coal_unmeasured_2022"
            )
        else:
            code, field = "cn_ets_parameter_missing", "pack_fuel"
            message = (
                f"fuel {fuel!r} of unit {unit!r} lacks NCV, carbon content or oxidation in {listed}"
            )
            allowed = (
                "ncv and carbon_content records, or pack_fuel (and oxidation) in the plant file"
            )
        out.append(Issue(code, message, file=file, field=f"fuels.{fuel}.{field}", allowed=allowed))
    return out
