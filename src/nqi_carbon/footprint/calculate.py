"""The footprint per declared unit: the study calculated as an inventory of one declared unit.

:func:`calculate_footprint` reads the study, allocates the plant's emissions
(:mod:`.plant`), and builds the **unit inventory** (:func:`unit_inventory`): one source per
input whose activity is the input's amount per declared unit, its factor resolved through
the factor registry with the units checked and the fuel chain applied exactly as for an
organisation's inventory; a supplier footprint and the plant's allocated emissions enter
as inline factors per unit of their input. The inventory calculation then gives each
line per gas, its biogenic flag, and the uncertainty (IPCC Approach 1 or seeded Monte
Carlo, shared factors correlated) — one mechanism for both kinds of study.

The figures are then sorted (:func:`_figures`): per stage and per gas, fossil, biogenic
and land-use change apart, aircraft apart, in kg CO2e per declared unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    from ..calc.result import Result
    from .model import FootprintStudy, Input
    from .plant import PlantEmissions

__all__ = ["FootprintResult", "calculate_footprint", "unit_inventory"]

CO2_PER_C = 44.0 / 12.0
"""Molar mass ratio CO2/C (IPCC 2006 Vol. 2 Ch. 1 Eq. 1.2 uses 44/12)."""

UNIT_FACILITY = "declared-unit"
SUPPLIER_PREFIX = "footprint-supplier/"
PLANT_PREFIX = "footprint-plant/"
PLANT_SOURCE = "plant"
"""The source id of the plant's allocated emissions (an input id may not take it)."""


@dataclass(frozen=True)
class FootprintResult:
    """A product carbon footprint per declared unit (ISO 14067), kg CO2e per declared unit.

    Attributes
    ----------
    product : dict
        ``id``, ``name`` (and ``classification``) of the product.
    declared_unit : dict
        ``amount``, ``unit``, ``kind`` (declared or functional), ``description``.
    pcf_excluding_biogenic : float
        Fossil and land-use-change emissions [kg CO2e / declared unit]. Not PACT's
        ``pcfExcludingBiogenicUptake``, which also counts biogenic emissions
        (:func:`nqi_carbon.to_pact` adds them).
    pcf_including_biogenic : float
        The same plus biogenic emissions and removals (removals negative) [kg CO2e /
        declared unit].
    fossil_ghg, land_use_change, aircraft : float
        Fossil emissions (aircraft included), direct land-use change, and the aircraft
        part of the fossil emissions, reported apart [kg CO2e / declared unit].
    biogenic_emissions, biogenic_removals : float
        Biogenic CO2 emitted (>= 0) and removed (<= 0) [kg CO2 / declared unit].
    primary_data_share : float
        Share of ``pcf_excluding_biogenic`` from primary data [percent].
    dqr : float or None
        Emission-weighted data-quality rating of the inputs rated (1 best - 3).
    reference_period : tuple of str
        Start and end (exclusive), ISO dates.
    boundary : str
        ``cradle_to_gate``, ``cradle_to_grave`` or ``gate_to_gate``; ``stages`` those included.
    allocation : dict or None
        ``rule``, ``key``, ``reason``, ``why_not_physical``, ``share`` (the product's share
        of the plant's emissions), ``shares`` (under every key stated) and ``sensitivity``
        (``pcf_excluding_biogenic`` under every key stated) [kg CO2e / declared unit].
    by_stage, by_gas : dict
        ``pcf_excluding_biogenic`` by life-cycle stage, and by gas (``CO2e``: supplier and
        CO2e-only factors) [kg CO2e / declared unit].
    by_input : list of dict
        Each input's contribution (and the plant's): id, kind, stage, fossil, land-use
        change, biogenic, aircraft, primary, dqr, factor or supplier source.
    uncertainty : dict
        ``method`` (``analytical`` or ``monte_carlo``), ``ci95_low``, ``ci95_high``,
        ``relative_95``, ``seed``, ``iterations``, ``contributions`` (of
        ``pcf_excluding_biogenic``); empty when not asked.
    findings : list of tuple
        ``(code, severity, subject, message)`` from the calculation.
    """

    product: dict[str, Any]
    declared_unit: dict[str, Any]
    pcf_excluding_biogenic: float
    pcf_including_biogenic: float
    fossil_ghg: float
    biogenic_emissions: float
    biogenic_removals: float
    land_use_change: float
    aircraft: float
    primary_data_share: float
    dqr: float | None
    reference_period: tuple[str, str]
    boundary: str
    stages: tuple[str, ...]
    allocation: dict[str, Any] | None
    by_stage: dict[str, float]
    by_gas: dict[str, float]
    by_input: list[dict[str, Any]]
    uncertainty: dict[str, Any]
    gwp_set: str
    biogenic_carbon_content: float | None
    cut_off: dict[str, Any] | None
    findings: list[tuple[str, str, str, str]] = field(default_factory=list)
    study: Any = field(default=None, repr=False, compare=False)
    file: str | None = None
    input_sha256: str | None = None
    plant: Any = field(default=None, repr=False, compare=False)
    factors_used: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The footprint as JSON-ready data (``schema: nqi-carbon/footprint-result@1``)."""
        from .report import result_dict

        return result_dict(self)

    def _repr_html_(self) -> str:
        """The headline figures as a small HTML table (Jupyter); every value escaped."""
        from .._escape import html_text

        du = self.declared_unit
        rows = [
            ("product", self.product["name"]),
            ("declared unit", f"{du['amount']:g} {du['unit']}"),
            ("boundary", self.boundary),
            ("pcf_excluding_biogenic", f"{self.pcf_excluding_biogenic:,.4f} kg CO2e"),
            ("pcf_including_biogenic", f"{self.pcf_including_biogenic:,.4f} kg CO2e"),
            *((f"stage: {k}", f"{v:,.4f}") for k, v in self.by_stage.items()),
        ]
        if self.uncertainty:
            u = self.uncertainty
            rows.append(("95 % interval", f"{u['ci95_low']:,.4f} – {u['ci95_high']:,.4f}"))
        body = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"

    def __repr__(self) -> str:
        du = self.declared_unit
        return (
            f"<FootprintResult {self.product['name']!r}: {self.pcf_excluding_biogenic:,.4g} "
            f"kg CO2e per {du['amount']:g} {du['unit']} ({self.boundary})>"
        )


# -- the unit inventory ---------------------------------------------------------------------


def _supplier_factor(x: Input, gwp: str) -> dict[str, Any]:
    sf = x.supplier_footprint
    assert sf is not None
    src = sf.source
    named = ", ".join(p for p in (src.company, src.product, src.id) if p)
    return {
        "id": SUPPLIER_PREFIX + x.id,
        "name": f"supplier footprint of input {x.id}",
        "activity_unit": sf.declared_unit,
        "co2e": {"value": sf.value, "unit": f"kg/({sf.declared_unit})", "gwp_set": gwp},
        "reference": f"supplier footprint ({src.kind}{': ' + named if named else ''})",
    }


def _plant_factors(
    study: FootprintStudy, pe: PlantEmissions, share: float, output: float
) -> list[dict[str, Any]]:
    """Inline factors per unit of the plant's product: the plant's gases times share / output."""
    assert study.plant is not None
    a = study.plant.amount
    du = a.unit if a is not None else study.declared_unit.unit
    u = min(pe.relative_95, 1.0)
    out = []
    for suffix, masses, biogenic in (
        ("fossil", pe.fossil_t, False),
        ("biogenic", pe.biogenic_t, True),
    ):
        per = {g: m * share / output for g, m in masses.items() if m != 0}
        if not per:
            continue
        entry: dict[str, Any] = {
            "id": f"{PLANT_PREFIX}{suffix}",
            "name": f"facility {pe.facility} allocated to {study.product.id}",
            "activity_unit": du,
            "reference": f"inventory {pe.inventory}, facility {pe.facility}, allocated "
            f"(share {share:.6g}, output {output:.6g} {du})",
            "biogenic": biogenic,
        }
        co2e = per.pop("CO2e", None)
        if per:
            entry["gases"] = {
                g: {"value": v, "unit": f"t/({du})", **({"uncertainty": u} if u else {})}
                for g, v in per.items()
            }
            out.append(entry)
        if co2e is not None:
            out.append(
                {
                    **{k: v for k, v in entry.items() if k != "gases"},
                    "id": f"{PLANT_PREFIX}{suffix}-co2e",
                    "co2e": {
                        "value": co2e,
                        "unit": f"t/({du})",
                        "gwp_set": pe.gwp_set,
                        **({"uncertainty": u} if u else {}),
                    },
                }
            )
    return out


def unit_inventory(
    study: FootprintStudy,
    *,
    plant: tuple[PlantEmissions, float, float] | None = None,
    avoided: bool = False,
) -> dict[str, Any]:
    """The inventory of one declared unit: a source per input (and one for the plant).

    *avoided* builds the inventory of the ``avoided_product`` inputs alone (system
    expansion subtracts it); otherwise they are left out.
    """
    factors: list[dict[str, Any]] = [
        f.model_dump(mode="json", by_alias=True, exclude_none=True) for f in study.factors
    ]
    sources: list[dict[str, Any]] = []
    for x in study.inputs:
        if (x.kind == "avoided_product") != avoided:
            continue
        ref = x.factor
        if x.supplier_footprint is not None:
            factors.append(_supplier_factor(x, study.gwp))
            ref = SUPPLIER_PREFIX + x.id
        record: dict[str, Any] = {"amount": x.amount, "unit": x.unit}
        if x.uncertainty is not None:
            record["uncertainty"] = (
                x.uncertainty
                if isinstance(x.uncertainty, float)
                else x.uncertainty.model_dump(mode="json", exclude_none=True)
            )
        sources.append(
            {
                "id": x.id,
                "facility": UNIT_FACILITY,
                "category": 4,
                "factor": ref,
                "activity": record,
            }
        )
    if plant is not None and not avoided:
        pe, share, output = plant
        a = study.plant.amount if study.plant is not None else None
        amount = (a.amount, a.unit) if a is not None else None
        amount = amount or (study.declared_unit.amount, study.declared_unit.unit)
        for f in _plant_factors(study, pe, share, output):
            factors.append(f)
            sources.append(
                {
                    "id": f"{PLANT_SOURCE}:{f['id'].removeprefix(PLANT_PREFIX)}",
                    "facility": UNIT_FACILITY,
                    "category": 4,
                    "factor": f["id"],
                    # the amount is the definition of the declared unit: exact
                    "activity": {"amount": amount[0], "unit": amount[1], "uncertainty": 0.0},
                }
            )
    return {
        "schema": "nqi-carbon/inventory@1",
        "organization": {
            "name": study.product.name,
            "id": study.product.id,
            "consolidation": "operational_control",
        },
        "period": study.reference_period.model_dump(mode="json"),
        "gwp": study.gwp,
        "factor_packs": list(study.factor_packs),
        "facilities": [{"id": UNIT_FACILITY, "operational_control": True}],
        "factors": factors,
        "sources": sources,
    }


# a source is named by its index, or by its id (planning and results issues)
_SOURCE_FIELD = re.compile(r"^sources\[([^\]]+)\](?:\.activity(?:\[\d+\])?)?")
_FACTOR_FIELD = re.compile(r"^factors\[(\d+)\]")


def _remap(issue: Issue, study: FootprintStudy, data: dict[str, Any], name: str | None) -> Issue:
    """An issue of the unit inventory, named by the footprint file's own fields."""
    f = issue.field or ""
    m = _SOURCE_FIELD.match(f)
    if m is not None:
        key = m.group(1)
        by_index = key.isascii() and key.isdigit() and int(key) < len(data["sources"])
        sid = data["sources"][int(key)]["id"] if by_index else key
        ids = [x.id for x in study.inputs]
        where = f"inputs[{ids.index(sid)}]" if sid in ids else "plant"
        f = where + f[m.end() :]
    else:
        m = _FACTOR_FIELD.match(f)
        if m is not None and int(m.group(1)) >= len(study.factors):
            fid = data["factors"][int(m.group(1))]["id"]
            ids = [x.id for x in study.inputs]
            sid = fid.removeprefix(SUPPLIER_PREFIX)
            where = f"inputs[{ids.index(sid)}].supplier_footprint" if sid in ids else "plant"
            f = where
    return replace(issue, field=f or None, file=name)


def _calculate_unit(
    study: FootprintStudy,
    data: dict[str, Any],
    name: str | None,
    method: Literal["analytical", "monte_carlo"] | None,
    iterations: int,
    seed: int | None,
) -> Result:
    from ..calc.pipeline import calculate

    try:
        return calculate(
            data,
            uncertainty=method,
            iterations=iterations,
            seed=seed,
            progress=False,
        )
    except InvalidInputError as exc:
        raise InvalidInputError(
            [_remap(i, study, data, name) for i in exc.issues], source=name
        ) from None


# -- the figures ---------------------------------------------------------------------------


@dataclass
class _Part:
    """One input's (or the plant's) contribution, kg per declared unit."""

    id: str
    kind: str
    stage: str
    fossil: float = 0.0
    luc: float = 0.0
    biogenic: float = 0.0
    removals: float = 0.0
    aircraft: float = 0.0
    primary: float = 0.0  # percent
    dqr: float | None = None
    basis: str = ""
    gases: dict[str, float] = field(default_factory=dict)

    @property
    def excluding(self) -> float:
        return self.fossil + self.luc


def _supplier_parts(x: Input, p: _Part, line_kg: float) -> None:
    """Split a supplier footprint's line into fossil, land use, biogenic and aircraft."""
    from ..units import conversion_factor

    sf = x.supplier_footprint
    assert sf is not None
    n = x.amount * conversion_factor(x.unit, sf.declared_unit, context=f"input {x.id}")
    p.luc = n * (sf.land_use_change or 0.0)
    p.fossil = line_kg - p.luc
    p.aircraft = n * (sf.aircraft or 0.0)
    bio_e, bio_r = sf.biogenic_emissions, sf.biogenic_removals
    if bio_e is None and bio_r is None and sf.value_including_biogenic is not None:
        net = sf.value_including_biogenic - sf.value
        bio_e, bio_r = max(net, 0.0), min(net, 0.0)
    p.biogenic = n * (bio_e or 0.0)
    p.removals = n * (bio_r or 0.0)
    p.primary = 0.0 if sf.primary_data_share is None else sf.primary_data_share
    if p.dqr is None:  # the input's own rating first, else the supplier's
        p.dqr = sf.dqr
    src = sf.source
    p.basis = "supplier footprint " + " ".join(
        s for s in (src.kind, src.company, src.product, src.id) if s
    )
    p.gases = {"CO2e": line_kg}


def _parts(study: FootprintStudy, res: Result, sign: float) -> list[_Part]:
    lines = res.lines
    inputs = {x.id: x for x in study.inputs}
    out: dict[str, _Part] = {}
    for src, gas, co2e, bio, ref in zip(
        lines["source"],
        lines["gas"],
        lines["co2e_t"],
        lines["biogenic"],
        lines["factor"],
        strict=True,
    ):
        kg = sign * float(co2e) * 1000.0
        x = inputs.get(src)
        if x is None:  # the plant's lines
            stage = study.plant.stage if study.plant is not None else "production"
            p = out.setdefault(PLANT_SOURCE, _Part(PLANT_SOURCE, "plant", stage, primary=100.0))
            p.basis = f"inventory {study.plant.inventory if study.plant else ''}".strip()
        else:
            p = out.setdefault(
                src, _Part(src, x.kind, x.stage, primary=100.0 if x.primary else 0.0)
            )
            p.dqr = None if x.data_quality is None else x.data_quality.dqr
            p.basis = str(ref)
        if bool(bio):
            p.biogenic += kg
            continue
        if x is not None and x.supplier_footprint is not None:
            _supplier_parts(x, p, kg)
            continue
        if x is not None and x.kind == "land_use_change":
            p.luc += kg
        else:
            p.fossil += kg
        if x is not None and x.aircraft:
            p.aircraft += kg
        p.gases[str(gas)] = p.gases.get(str(gas), 0.0) + kg
    return list(out.values())


def _weighted(parts: Sequence[_Part], attr: str) -> tuple[float | None, float]:
    """Emission-weighted mean of *attr* over the parts that state it, and their weight share."""
    weights = [(abs(p.excluding), getattr(p, attr)) for p in parts]
    total = math.fsum(w for w, _ in weights)
    rated = [(w, v) for w, v in weights if v is not None]
    rated_w = math.fsum(w for w, _ in rated)
    if not rated or rated_w == 0:
        return None, 0.0
    return math.fsum(w * v for w, v in rated) / rated_w, rated_w / total if total else 0.0


def _sums(parts: Sequence[_Part], key: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in parts:
        items = p.gases.items() if key == "gas" else [(p.stage, p.excluding)]
        for k, v in items:
            out[k] = out.get(k, 0.0) + v
    return out


def calculate_footprint(
    footprint: str | Path | dict[str, Any] | FootprintStudy,
    *,
    uncertainty: Literal["analytical", "monte_carlo"] | None = "analytical",
    iterations: int = 10_000,
    seed: int | None = None,
) -> FootprintResult:
    """Calculate a product carbon footprint per declared unit (ISO 14067:2018).

    Parameters
    ----------
    footprint : path, mapping or FootprintStudy
        The footprint file (``schema: nqi-carbon/footprint@1``, YAML or JSON), read with
        the bounded, confined loader; a plant inventory it names is read from its folder.
    uncertainty : {"analytical", "monte_carlo", None}
        IPCC Approach 1 (default) or Approach 2 (seeded Monte Carlo), as for inventories.
    iterations : int
        Monte Carlo iterations.
    seed : int, optional
        Monte Carlo seed; when omitted one is drawn and reported (``uncertainty['seed']``).

    Returns
    -------
    FootprintResult
        kg CO2e per declared unit: ``pcf_excluding_biogenic``, ``pcf_including_biogenic``,
        the parts, ``by_stage``, ``by_gas``, ``allocation`` with its sensitivity,
        ``uncertainty``.

    Raises
    ------
    InvalidInputError
        The file, its inputs (factors, units), the plant inventory or the allocation:
        every problem named by the footprint file's fields.
    """
    from .model import load_footprint
    from .plant import allocate, plant_emissions

    study, name, sha = load_footprint(footprint)
    plant = None
    share, output = 1.0, 0.0
    shares: dict[str, float] = {}
    if study.plant is not None:
        pe = plant_emissions(study, name)
        share, shares, output = allocate(study, name)
        plant = (pe, share, output)
    data = unit_inventory(study, plant=plant)
    res = _calculate_unit(study, data, name, uncertainty, iterations, seed)
    parts = _parts(study, res, 1.0)
    avoided_res = None
    if any(x.kind == "avoided_product" for x in study.inputs):
        adata = unit_inventory(study, avoided=True)
        avoided_res = _calculate_unit(
            study, adata, name, None if uncertainty is None else "analytical", iterations, seed
        )
        parts += _parts(study, avoided_res, -1.0)
    fossil = math.fsum(p.fossil for p in parts)
    luc = math.fsum(p.luc for p in parts)
    excl = fossil + luc
    bio = study.biogenic
    uptake = 0.0
    if bio is not None and bio.uptake is not None:
        from ..units import conversion_factor

        uptake = -bio.uptake.amount * conversion_factor(bio.uptake.unit, "kg")
    removals = math.fsum(p.removals for p in parts) + uptake
    bio_e = math.fsum(p.biogenic for p in parts)
    primary, _ = _weighted(parts, "primary")
    dqr, dqr_cover = _weighted(parts, "dqr")
    plant_kg = next((p.excluding for p in parts if p.id == PLANT_SOURCE), 0.0)
    check_finite(
        name, excl=excl, bio=bio_e, removals=removals, aircraft=sum(p.aircraft for p in parts)
    )
    return FootprintResult(
        product=study.product.model_dump(mode="json", exclude_none=True),
        declared_unit=study.declared_unit.model_dump(mode="json", exclude_none=True),
        pcf_excluding_biogenic=excl,
        pcf_including_biogenic=excl + bio_e + removals,
        fossil_ghg=fossil,
        biogenic_emissions=bio_e,
        biogenic_removals=0.0 + removals,
        land_use_change=luc,
        aircraft=math.fsum(p.aircraft for p in parts),
        primary_data_share=0.0 if primary is None else primary,
        dqr=dqr,
        reference_period=(
            study.reference_period.start.isoformat(),
            study.reference_period.end.isoformat(),
        ),
        boundary=study.boundary,
        stages=study.stages_in,
        allocation=_allocation(study, share, shares, excl, plant_kg),
        by_stage=_sums(parts, "stage"),
        by_gas=dict(sorted(_sums(parts, "gas").items())),
        by_input=[_input_row(p) for p in parts],
        uncertainty=_uncertainty(res, avoided_res),
        gwp_set=study.gwp,
        biogenic_carbon_content=_carbon_content(study),
        cut_off=None if study.cut_off is None else study.cut_off.model_dump(mode="json"),
        findings=_findings(res, dqr_cover) + _period_findings(study, plant),
        study=study,
        file=name,
        input_sha256=sha,
        plant=None if plant is None else plant[0],
        factors_used={ref: f.citation_text() for ref, f in sorted(res.factors_used.items())},
    )


def check_finite(name: str | None, **figures: float) -> None:
    """Refuse figures beyond double precision (``result_magnitude``): JSON never holds inf."""
    bad = sorted(k for k, v in figures.items() if not math.isfinite(v))
    if bad:
        raise InvalidInputError(
            [
                Issue(
                    "result_magnitude",
                    f"the footprint's {', '.join(bad)} overflow double precision",
                    file=name,
                    allowed="amounts and factors whose products are finite",
                )
            ],
            source=name,
        )


def _carbon_content(study: FootprintStudy) -> float | None:
    from ..units import conversion_factor

    b = study.biogenic
    if b is None or b.carbon_content is None:
        return None
    return b.carbon_content.amount * conversion_factor(b.carbon_content.unit, "kg")


def _input_row(p: _Part) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind,
        "stage": p.stage,
        "pcf_excluding_biogenic": p.excluding,
        "fossil_ghg": p.fossil,
        "land_use_change": p.luc,
        "biogenic_emissions": p.biogenic,
        "biogenic_removals": 0.0 + p.removals,
        "aircraft": p.aircraft,
        "primary_data_share": p.primary,
        "dqr": p.dqr,
        "basis": p.basis,
    }


def _allocation(
    study: FootprintStudy, share: float, shares: dict[str, float], excl: float, plant_kg: float
) -> dict[str, Any] | None:
    """The rule, the shares and the footprint under every key stated (the sensitivity).

    The plant's part scales with the share; everything else stays:
    ``pcf_k = pcf - plant + plant * share_k / share``.
    """
    a = study.allocation
    if a is None:
        return None
    sensitivity = {
        k: excl - plant_kg + (plant_kg * s / share if share else 0.0) for k, s in shares.items()
    }
    return {
        "rule": a.rule,
        "key": a.key,
        "reason": a.reason,
        "why_not_physical": a.why_not_physical,
        "share": share,
        "shares": shares,
        "plant_part": plant_kg,
        "sensitivity": sensitivity,
    }


def _uncertainty(res: Result, avoided: Result | None) -> dict[str, Any]:
    """The 95 % interval of ``pcf_excluding_biogenic``, kg CO2e per declared unit.

    An avoided-product inventory (system expansion) is subtracted; its Approach 1
    half-width is combined in quadrature (taken as independent).
    """
    if res.uncertainty_method is None:
        return {}
    u = res.group_uncertainty["total"]
    value, half = u.value, u.half95
    low, high = u.low, u.high
    if avoided is not None and avoided.group_uncertainty:
        a = avoided.group_uncertainty["total"]
        value -= a.value
        half = math.hypot(half, a.half95)
        low, high = value - half, value + half
    return {
        "method": res.uncertainty_method,
        "ci95_low": 1000.0 * low,
        "ci95_high": 1000.0 * high,
        "relative_95": half / abs(value) if value else 0.0,
        "seed": res.seed,
        "iterations": res.iterations,
        "contributions": [
            {"input": c["input"], "label": c["label"], "variance_share": c["variance_share"]}
            for c in res.contributions
        ],
    }


_DROP = {"scope3_category_not_screened"}


def _period_findings(
    study: FootprintStudy, plant: tuple[PlantEmissions, float, float] | None
) -> list[tuple[str, str, str, str]]:
    """A warning when the plant's inventory covers another period than the footprint."""
    if plant is None:
        return []
    start, end = plant[0].period
    ref = study.reference_period
    if (start, end) == (ref.start.isoformat(), ref.end.isoformat()):
        return []
    return [
        (
            "footprint_period_differs",
            "warning",
            "plant.inventory",
            f"the plant's inventory covers {start} to {end}, the footprint's reference "
            f"period {ref.start} to {ref.end} (ends exclusive)",
        )
    ]


def _findings(res: Result, dqr_cover: float) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = [
        (f.code, f.severity, f.subject, f.message) for f in res.findings if f.code not in _DROP
    ]
    if 0 < dqr_cover < 1:
        out.append(
            (
                "footprint_dqr_partial",
                "info",
                "dqr",
                f"the data-quality rating covers {100 * dqr_cover:.1f} % of the footprint "
                "(inputs without ratings are left out of the weighted mean)",
            )
        )
    return out
