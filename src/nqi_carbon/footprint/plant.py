"""A plant's emissions from its ISO 14064-1 inventory, allocated to one of its products.

:func:`plant_emissions` calculates the inventory the footprint names (the same evidence
the organisation reports), keeps the lines of the facility (and of the named sources, the
process), and sums them per gas at 100 % of the facility (the inventory's consolidation
share is undone: a product bears all of its process's emissions, whoever owns the plant).
:func:`allocation_shares` gives the product's share under every key the file states
(mass, energy, economic value); :func:`allocate` divides the shared emissions by the
product's output into a per-declared-unit coefficient per gas.

Allocation factor of product p by key K (ISO 14044:2006 clause 4.3.4.2, ISO 14067:2018
clause 6.4.6): ``share_p = K_p / sum_j K_j``; its footprint from the plant per unit of
output is ``share_p * E / Q_p``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import CappedIssues, DimensionalityMismatchError, InvalidInputError, Issue, first_of

if TYPE_CHECKING:
    from .model import FootprintStudy, Plant, PlantProduct

__all__ = ["PlantEmissions", "allocate", "allocation_shares", "plant_emissions"]

KEY_UNITS = {"mass": "t", "energy": "GJ"}
"""The unit each physical key is summed in (any unit of the same dimension is converted)."""


@dataclass(frozen=True)
class PlantEmissions:
    """The shared emissions of the plant (facility or process) over the inventory's period.

    ``fossil_t`` and ``biogenic_t`` map each gas to its mass, t (``CO2e`` for CO2e-only
    factors); ``co2e_t`` is the total excluding biogenic CO2 under the inventory's GWP
    set, ``half95_t`` its IPCC Approach 1 95 % half-width.
    """

    inventory: str
    facility: str
    sources: tuple[str, ...]
    fossil_t: dict[str, float]
    biogenic_t: dict[str, float]
    co2e_t: float
    half95_t: float
    period: tuple[str, str]
    gwp_set: str
    input_sha256: str | None
    findings: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def relative_95(self) -> float:
        """The half-width as a share of the total (0 when the total is 0)."""
        return self.half95_t / self.co2e_t if self.co2e_t else 0.0


def plant_emissions(study: FootprintStudy, name: str | None) -> PlantEmissions:
    """Calculate the plant's inventory and sum the facility's (or process's) lines per gas.

    Raises
    ------
    InvalidInputError
        The inventory cannot be read or calculated; the facility or a source is not in it
        (``footprint_plant_facility``, ``footprint_plant_source``); the facility is not
        consolidated at all (``footprint_plant_share``).
    """
    from .._io.files import check_confined, written_path
    from ..calc.pipeline import calculate
    from ..calc.uncertainty import approach1

    plant = study.plant
    assert plant is not None
    target = written_path(plant.inventory, source_path=name, field="plant.inventory")
    check_confined(target, what="inventory")
    result = calculate(target, uncertainty="analytical")
    inv = result.inventory
    _check_plant_refs(plant, inv.facilities, inv.sources, name)
    t = result.table.template
    ids = np.array([p.source.id for p in t.row_plan], dtype=object)
    mask = result.group_masks[f"facility:{plant.facility}"].copy()  # location-based, not biogenic
    if plant.sources:
        mask &= np.isin(ids, list(plant.sources))
    bio = t.biogenic & (t.basis != 2) & (t.facility == plant.facility)
    if plant.sources:
        bio &= np.isin(ids, list(plant.sources))
    share = np.asarray(t.share, dtype=float)
    if ((share == 0) & (mask | bio)).any():
        raise InvalidInputError(
            [
                Issue(
                    "footprint_plant_share",
                    f"facility {plant.facility!r} is consolidated at 0 % in the inventory: its "
                    "emissions are not calculated",
                    file=name,
                    field="plant.facility",
                    allowed="a facility the inventory consolidates (share above 0)",
                )
            ],
            source=name,
        )
    groups, _ = approach1(
        result.table, result._stats, result.params, result._ins_u95, {"plant": mask}
    )
    u = groups["plant"]
    full = np.where(share > 0, 1.0 / np.where(share > 0, share, 1.0), 0.0)
    co2e = float(np.sum(result.table.co2e[mask] * full[mask]))
    return PlantEmissions(
        inventory=plant.inventory,
        facility=plant.facility,
        sources=plant.sources,
        fossil_t=_per_gas(t.gas, result.table.mass * full, mask),
        biogenic_t=_per_gas(t.gas, result.table.mass * full, bio),
        co2e_t=co2e,
        half95_t=u.half95 * (co2e / u.value if u.value else 1.0),  # at 100 % of the facility
        period=(inv.period.start.isoformat(), inv.period.end.isoformat()),
        gwp_set=result.gwp_set,
        input_sha256=inv._input_sha256,
        findings=tuple((f.code, f.severity, f.message) for f in result.findings),
    )


def _per_gas(gas: Any, mass: Any, mask: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for g, m in zip(np.asarray(gas)[mask].tolist(), mass[mask].tolist(), strict=True):
        out[str(g)] = out.get(str(g), 0.0) + float(m)
    return dict(sorted(out.items()))


def _check_plant_refs(plant: Plant, facilities: tuple, sources: tuple, name: str | None) -> None:  # type: ignore[type-arg]
    issues: list[Issue] = CappedIssues()  # one a source named: a flood stays bounded
    if plant.facility not in {f.id for f in facilities}:
        issues.append(
            Issue(
                "footprint_plant_facility",
                f"the inventory has no facility {plant.facility!r}",
                file=name,
                field="plant.facility",
                value=repr(plant.facility),
                allowed=first_of(sorted(f.id for f in facilities)),
            )
        )
    own = {s.id for s in sources if s.facility == plant.facility}
    allowed = first_of(sorted(own)) or "the facility has no sources"  # built once, shared
    for i, sid in enumerate(plant.sources):
        if sid not in own:
            issues.append(
                Issue(
                    "footprint_plant_source",
                    f"source {sid!r} is not a source of facility {plant.facility!r} in the inventory",
                    file=name,
                    field=f"plant.sources[{i}]",
                    value=repr(sid),
                    allowed=allowed,
                )
            )
    if issues:
        raise InvalidInputError(issues, source=name)


def _key_value(p: PlantProduct, key: str) -> float | None:
    """The product's total of allocation *key* in its summing unit (None when not stated)."""
    from ..units import conversion_factor, parse_unit

    if key == "economic":
        return None if p.economic_value is None else p.economic_value.amount
    amount = p.mass if key == "mass" else p.energy
    if amount is None and key == "mass" and parse_unit(p.output.unit).check("[mass]"):
        amount = p.output
    if amount is None:
        return None
    return amount.amount * conversion_factor(amount.unit, KEY_UNITS[key], context=f"{key} key")


def allocation_shares(plant: Plant, name: str | None = None) -> dict[str, float]:
    """The product's share of the plant's emissions under each key every product states.

    A key that some product does not state is left out; economic values in more than one
    currency are left out too.

    Raises
    ------
    InvalidInputError
        ``allocation_key_unit``: a mass or energy key in a unit of another dimension.
    """
    out: dict[str, float] = {}
    issues: list[Issue] = []
    for key in ("mass", "energy", "economic"):
        values: list[float] = []
        for i, p in enumerate(plant.products):
            try:
                v = _key_value(p, key)
            except DimensionalityMismatchError as exc:
                issues.append(
                    Issue(
                        "allocation_key_unit",
                        str(exc),
                        file=name,
                        field=f"plant.products[{i}].{key}",
                        allowed=f"a unit of {KEY_UNITS.get(key, '')}'s dimension",
                    )
                )
                v = None
            if v is None:
                break
            values.append(v)
        else:
            currencies = {p.economic_value.currency for p in plant.products if p.economic_value}
            if key == "economic" and len(currencies) > 1:
                continue
            total = sum(values)
            mine = values[[p.id for p in plant.products].index(plant.product)]
            if total > 0:
                out[key] = mine / total
    if issues:
        raise InvalidInputError(issues, source=name)
    return out


def allocate(study: FootprintStudy, name: str | None) -> tuple[float, dict[str, float], float]:
    """``(share, shares by key, output)``: the share the rule gives, and the product's output.

    *output* is the product's output over the period in the unit of ``plant.amount``
    (by default the declared unit's unit): how many of the plant's units one declared
    unit takes is that amount.

    Raises
    ------
    InvalidInputError
        ``allocation_key_missing`` (a product does not state the rule's key),
        ``footprint_output_unit`` (the output cannot be converted to the unit of
        ``plant.amount`` or of the declared unit).
    """
    from ..units import conversion_factor

    plant, rule = study.plant, study.allocation
    assert plant is not None
    assert rule is not None
    shares = allocation_shares(plant, name)
    product = next(p for p in plant.products if p.id == plant.product)
    unit = plant.amount.unit if plant.amount is not None else study.declared_unit.unit
    issues = []
    try:
        output = product.output.amount * conversion_factor(
            product.output.unit, unit, context="the product's output"
        )
    except DimensionalityMismatchError as exc:
        issues.append(
            Issue(
                "footprint_output_unit",
                str(exc),
                file=name,
                field=f"plant.products[{plant.products.index(product)}].output.unit",
                value=repr(product.output.unit),
                allowed=f"a unit convertible to {unit!r} (plant.amount or the declared unit)",
            )
        )
        output = 0.0
    if rule.rule in ("none", "subdivision", "system_expansion"):
        share = 1.0
    elif rule.key in shares:
        share = shares[rule.key]
    else:
        share = 0.0
        issues.append(
            Issue(
                "allocation_key_missing",
                f"allocation by {rule.key} needs the {rule.key} key of every product of the "
                "plant (economic values in one currency)",
                file=name,
                field="allocation.key",
                value=repr(rule.key),
                allowed=", ".join(shares) or "no key is stated for every product",
            )
        )
    if issues:
        raise InvalidInputError(issues, source=name)
    return share, shares, output
