"""The fuel chain: an amount as billed turned into the factor's activity unit, step by step.

A source's activity may come in litres, US or imperial gallons, m3, Nm3, scf, t, kWh on a
gross or a net basis, therms...; its factor is per TJ on a net basis (IPCC), per mmBtu on a
gross basis (US EPA), per tonne or per litre (UK DESNZ). :func:`unit_chain` finds, once per
(source, unit), the conversions between the two and says which value it used for each, with
its citation:

* a **density** turns a volume into a mass (or back);
* a **calorific value** turns a mass or a volume into energy (or back), net (NCV) or
  gross (GCV);
* the **ratio NCV/GCV** turns energy on one calorific basis into the other.

Where each value comes from (:func:`fuel_properties`), first found first:

1. the source's own statement (``density`` measured or from the supplier);
2. the fuel the source names (``fuel_properties: <pack>/fuel/<id>``), else the fuel its
   factor names (its NCV, and any density, GCV or NCV/GCV it states);
3. the fuels whose ``applies_to`` names the factor, else the factor's fuel (the bundled
   ``fuel-properties`` pack). Where several such fuels give the same property (IPCC's
   Gas/Diesel Oil is road diesel and heating gas oil, with different densities) the
   source must choose: nothing is picked silently.

An energy amount without a stated basis (``kWh``, ``GJ``: a unit that implies none, and
no ``energy_basis`` on the source or the inventory) is taken on the factor's basis, and
the plan says so (``assumed_basis``), so that a finding names the assumption and its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import DimensionalityMismatchError, InvalidInputError, Issue
from ..units import parse_unit, registry

if TYPE_CHECKING:
    from ..data.factor_schema import FuelParameter
    from ..data.factors import FactorRegistry, Fuel
    from ..data.fields import Uncertainty
    from ..inventory.models import Source

__all__ = ["UNCITED", "ChainStep", "FuelProperties", "UnitChain", "fuel_properties", "unit_chain"]

UNCITED = "stated in the inventory"
"""The citation of a value stated in the inventory without evidence or lab: no reference."""

_KINDS = {
    "[mass]": "mass",
    "[length] ** 3": "volume",
    "[normal_gas_volume]": "Nm3",
    "[us_standard_gas_volume]": "scf",
}

_STEP_NAMES = {
    "density": "density",
    "ncv": "net calorific value",
    "gcv": "gross calorific value",
    "ncv_per_gcv": "NCV/GCV",
}

_PLURALS = {"density": "densities", "ncv_per_gcv": "NCV/GCV ratios"}

_DENSITY_UNITS = {"volume": "kg/L", "Nm3": "kg/Nm3", "scf": "kg/scf"}


@dataclass(frozen=True)
class ChainStep:
    """One conversion of an amount: its value, unit, what it is and where it comes from.

    ``kind`` is ``density``, ``ncv``, ``gcv`` (a calorific value) or ``ncv_per_gcv``;
    ``operation`` says whether the amount is multiplied or divided by ``value [unit]``.
    ``ref`` names the value (``ipcc-2006/fuel/gas_diesel_oil``, ``source 'fleet'``) and
    ``citation`` its document; ``key`` is its uncertain-parameter key.
    """

    kind: str
    value: float
    unit: str
    operation: str
    ref: str
    citation: str
    key: str
    uncertainty: Uncertainty | None = None
    pack_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON (the ``conversions`` of a result@1 line's ``entered`` amount)."""
        return {
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
            "operation": self.operation,
            "source": self.ref,
            "citation": self.citation,
        }

    def label(self) -> str:
        """``× 0.8307 kg/L (density, fuel-properties/fuel/diesel_mineral)``."""
        sign = "×" if self.operation == "multiply" else "÷"
        value = repr(float(self.value)).removesuffix(".0")  # every digit, to re-perform
        return f"{sign} {value} {self.unit} ({_STEP_NAMES[self.kind]}, {self.ref})"


@dataclass(frozen=True)
class UnitChain:
    """How one activity unit of a source reaches its factor's activity unit.

    ``scale`` is the factor's activity units per activity unit (all steps and unit
    conversions in one number); ``assumed_basis`` the calorific basis taken for an energy
    amount that states none (None when stated, implied by the unit, or not energy).
    """

    unit: str
    scale: float
    steps: tuple[ChainStep, ...] = ()
    assumed_basis: str | None = None


@dataclass(frozen=True)
class _Value:
    """A property value with where it comes from."""

    value: float
    unit: str
    ref: str
    citation: str
    key: str
    uncertainty: Uncertainty | None
    basis: str | None = None  # NCV or GCV for calorific values
    pack_version: str = ""

    def step(self, kind: str, operation: str) -> ChainStep:
        return ChainStep(
            kind,
            self.value,
            self.unit,
            operation,
            self.ref,
            self.citation,
            self.key,
            self.uncertainty,
            self.pack_version,
        )

    def per(self) -> str:
        """What the value is per: mass, volume, Nm3 or scf."""
        ureg = registry()
        dim = parse_unit(self.unit).dimensionality
        for name, kind in _KINDS.items():
            top = dim * ureg.get_dimensionality(name)
            if top in (ureg.get_dimensionality("[mass]"), ureg.get_dimensionality("[energy]")):
                return kind
        return "other"


@dataclass
class FuelProperties:
    """The values a source's chain may use, by property, in the order they are preferred."""

    density: list[_Value] = field(default_factory=list)
    calorific: list[_Value] = field(default_factory=list)  # NCVs and GCVs
    ratio: list[_Value] = field(default_factory=list)
    providers: tuple[str, ...] = ()  # fuels found through applies_to (for messages)
    chosen: bool = False  # the source named its fuel properties
    hint: str = ""  # how to get the bundled properties, when the packs leave them out
    ambiguous: dict[str, list[_Value]] = field(default_factory=dict)


def _fuel_values(fuel: Fuel, names: Sequence[str]) -> dict[str, _Value]:
    out: dict[str, _Value] = {}
    for name in names:
        p: FuelParameter | None = fuel.parameter(name)
        if p is not None:
            out[name] = _Value(
                p.value,
                p.unit,
                fuel.ref,
                fuel.citation_text(name),
                f"fuel:{fuel.ref}:{name}",
                p.uncertainty,
                {"ncv": "NCV", "gcv": "GCV"}.get(name),
                fuel.pack_version,
            )
    return out


def fuel_properties(
    reg: FactorRegistry, src: Source, *, factor_ref: str | None, own_fuel: Fuel | None
) -> FuelProperties:
    """The densities, calorific values and NCV/GCV ratios *src* may use (see the module doc).

    *factor_ref* is the source's factor (None for the carbon-content method) and
    *own_fuel* the fuel it names (the factor's, or the carbon-content method's).
    """
    props = FuelProperties(hint=reg.properties_missing_hint())
    if src.density is not None:
        d = src.density
        props.density.append(
            _Value(
                d.value,
                d.unit,
                f"source {src.id!r}",
                d.evidence or d.lab or UNCITED,
                f"source:{src.id}:density",
                d.uncertainty,
            )
        )
    names = ("density", "ncv", "gcv", "ncv_per_gcv")
    if src.fuel_properties is not None:
        providers = [reg.resolve_fuel(src.fuel_properties)]
        props.chosen = True
    else:
        providers = reg.properties_for(factor_ref) if factor_ref else []
        if not providers and own_fuel is not None:
            providers = reg.properties_for(own_fuel.ref)
    props.providers = tuple(f.ref for f in providers)
    own = _fuel_values(own_fuel, names) if own_fuel is not None else {}
    found = [_fuel_values(f, names) for f in providers if own_fuel is None or f.ref != own_fuel.ref]
    chosen = found if props.chosen else []
    for name, bucket in (("density", props.density), ("ncv_per_gcv", props.ratio)):
        # a chosen fuel first, then the factor's own fuel, then those that apply
        first = [v[name] for v in chosen if name in v] + ([own[name]] if name in own else [])
        if first:
            bucket.append(first[0])
            continue
        others = [v[name] for v in found if name in v]
        if len(others) == 1:
            bucket.append(others[0])
        elif len(others) > 1 and not bucket:  # a source's own density needs no choosing
            props.ambiguous[name] = others
    for v in (*chosen, own, *([] if props.chosen else found)):
        props.calorific.extend(v[n] for n in ("ncv", "gcv") if n in v)
    return props


@lru_cache(maxsize=1024)
def _kind(unit: str) -> str:
    """The kind of quantity *unit* measures (energy, mass, volume...), once per unit."""
    ureg = registry()
    dim = parse_unit(unit).dimensionality
    if dim == ureg.get_dimensionality("[energy]"):
        return "energy"
    for name, kind in _KINDS.items():
        if dim == ureg.get_dimensionality(name):
            return kind
    return "other"


class _Planner:
    """The search for one unit's chain: the steps so far and why a step could not be made."""

    def __init__(self, props: FuelProperties, context: str) -> None:
        self.props = props
        self.context = context
        self.steps: list[ChainStep] = []
        self.missing: list[str] = []
        self.density_unit = ""  # the unit of the density found missing, for the message

    def density(self, per: str, operation: str) -> bool:
        if "density" in self.props.ambiguous:
            raise self.ambiguous("density")
        hits = [v for v in self.props.density if v.per() == per]
        if not hits:
            self.missing.append(f"a density (mass per {per})")
            self.density_unit = self.density_unit or _DENSITY_UNITS.get(per, "kg/L")
            return False
        self.steps.append(hits[0].step("density", operation))
        return True

    def calorific(self, per: str, operation: str, prefer: str | None) -> str | None:
        """Add a calorific value per *per*; return its basis (None: none found)."""
        hits = [v for v in self.props.calorific if v.per() == per]
        if not hits:
            self.missing.append(f"a calorific value (energy per {per})")
            return None
        hits.sort(key=lambda v: v.basis != prefer)  # stable: the preferred basis first
        v = hits[0]
        self.steps.append(v.step("ncv" if v.basis == "NCV" else "gcv", operation))
        return v.basis

    def ratio(self, have: str, want: str) -> None:
        """Add the NCV/GCV step from energy on basis *have* to basis *want*."""
        if "ncv_per_gcv" in self.props.ambiguous:
            raise self.ambiguous("ncv_per_gcv")
        if not self.props.ratio:
            raise _BasisError(have, want)
        self.steps.append(
            self.props.ratio[0].step("ncv_per_gcv", "multiply" if want == "NCV" else "divide")
        )

    def ambiguous(self, name: str) -> InvalidInputError:
        options = self.props.ambiguous[name]
        listed = "; ".join(
            f"{v.ref} ({v.value:g} {v.unit})" for v in sorted(options, key=lambda v: v.ref)
        )
        return InvalidInputError(
            [
                Issue(
                    "fuel_properties_ambiguous",
                    f"{self.context}: the factor's fuel covers several products with different "
                    f"{_PLURALS[name]}: {listed}; state which the source burns",
                    value=None,
                    allowed="fuel_properties: " + " or ".join(v.ref for v in options),
                )
            ]
        )


class _BasisError(Exception):
    """Energy on one calorific basis is needed on the other, and no NCV/GCV ratio is known."""

    def __init__(self, have: str, want: str) -> None:
        super().__init__(have, want)
        self.have, self.want = have, want


def _bridge(
    p: _Planner, ku: str, kb: str, factor_basis: str | None, activity_basis: str | None
) -> str | None:
    """Steps from unit kind *ku* to kind *kb* (they differ); the calorific basis crossed.

    Returns the basis of the calorific value used (the energy entering the factor's unit,
    or the one an energy amount left), None when no energy was crossed; raises
    :class:`_NoPathError` when no step can be made.
    """
    volumes = ("volume", "Nm3", "scf")

    def has_cv(per: str) -> bool:
        return any(v.per() == per for v in p.props.calorific)

    if ku in volumes and kb == "mass":
        if p.density(ku, "multiply"):
            return None
    elif ku == "mass" and kb in volumes:
        if p.density(kb, "divide"):
            return None
    elif ku in ("mass", *volumes) and kb == "energy":
        if has_cv(ku) or ku == "mass":
            basis = p.calorific(ku, "multiply", factor_basis)
            if basis is not None:
                return basis
        elif p.density(ku, "multiply"):
            basis = p.calorific("mass", "multiply", factor_basis)
            if basis is not None:
                return basis
    elif ku == "energy" and kb in ("mass", *volumes):
        if has_cv(kb) or kb == "mass":
            basis = p.calorific(kb, "divide", activity_basis)
            if basis is not None:
                return basis
        else:
            basis = p.calorific("mass", "divide", activity_basis)
            if basis is not None and p.density(kb, "divide"):
                return basis
    raise _NoPathError()


class _NoPathError(Exception):
    """No chain of known values leads from the activity unit to the factor's."""


def unit_chain(
    unit: str,
    base: str,
    *,
    factor_basis: str | None,
    activity_basis: str | None,
    props: FuelProperties,
    context: str,
) -> UnitChain:
    """The chain from *unit* to *base* (see the module docstring).

    Parameters
    ----------
    unit, base : str
        The activity unit and the factor's activity unit.
    factor_basis : {"NCV", "GCV"} or None
        The factor's calorific basis (energy factors only).
    activity_basis : {"NCV", "GCV"} or None
        The basis of an energy amount: stated on the source or the inventory, or implied
        by the unit (tce: NCV; MMBtu: GCV); None when unknown.
    props : FuelProperties
        The values the chain may use (:func:`fuel_properties`).
    context : str
        Names the source and factor in messages.

    Raises
    ------
    DimensionalityMismatchError
        No chain of known values leads from *unit* to *base*; the message names what
        is missing and how to state it.
    InvalidInputError
        ``fuel_properties_ambiguous``: several fuels give a value that is needed.
    """
    ku, kb = _kind(unit), _kind(base)
    p = _Planner(props, context)
    assumed = None
    try:
        if ku == kb or (ku == "other" and kb == "other"):
            entering = activity_basis if kb == "energy" else None
        else:
            entering = _bridge(p, ku, kb, factor_basis, activity_basis)
        if ku == "energy" and kb != "energy" and activity_basis is None and entering is not None:
            assumed = entering
        elif kb == "energy" and factor_basis is not None:
            if ku == "energy" and entering is None:
                assumed = factor_basis
            elif entering is not None and entering != factor_basis:
                p.ratio(entering, factor_basis)
        if ku == "energy" and kb != "energy" and activity_basis not in (None, entering):
            assert activity_basis is not None
            assert entering is not None
            p.ratio(activity_basis, entering)
            p.steps.insert(0, p.steps.pop())  # the basis first, then the division
    except _NoPathError:
        raise DimensionalityMismatchError(unit, base, context=_missing_text(p, context)) from None
    except _BasisError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "activity_basis_fits_factor",
                    f"{context}: the energy is on a {exc.have} basis but is needed on a {exc.want} "
                    "basis, and no NCV/GCV ratio of the fuel is known; state the amount on a "
                    f"{exc.want} basis (energy_basis: {exc.want}), name fuel properties that give "
                    "the ratio (fuel_properties: <pack>/fuel/<id>), or choose a factor on a "
                    f"{exc.have} basis" + (f"; {props.hint}" if props.hint else ""),
                    value=repr(unit),
                    allowed=f"energy on a {exc.want} basis",
                )
            ]
        ) from None
    return UnitChain(unit, _scale(unit, base, p.steps, context), tuple(p.steps), assumed)


def _missing_text(p: _Planner, context: str) -> str:
    needed = " and ".join(dict.fromkeys(p.missing)) or "a conversion"
    where = (
        f"the fuel properties found ({', '.join(p.props.providers)}) give none"
        if p.props.providers
        else "neither the source nor its fuel states one"
    )
    stated = (
        f"state it on the source (density: {{value, unit: {p.density_unit}, evidence}}) or "
        if p.density_unit
        else ""
    )
    how = (
        f"{stated}name fuel properties that give it (fuel_properties: <pack>/fuel/<id>; "
        "nqi-carbon factors search <fuel>)"
    )
    extra = f"; {p.props.hint}" if p.props.hint else ""
    return f"{context}: needs {needed}; {where}; {how}{extra}"


def _scale(unit: str, base: str, steps: Sequence[ChainStep], context: str) -> float:
    """Base units per activity unit through *steps* (pint, once per distinct chain).

    Ten thousand sources share a few dozen distinct chains (a unit, a base and the same
    densities and calorific values), so the pint arithmetic is done once per chain, not
    once per source: it was nine tenths of planning.
    """
    try:
        return _scale_of(unit, base, tuple((s.value, s.unit, s.operation) for s in steps))
    except _NoScaleError:
        raise DimensionalityMismatchError(unit, base, context=context) from None


class _NoScaleError(Exception):
    """The chain's steps do not lead from the unit to the base."""


@lru_cache(maxsize=4096)
def _scale_of(unit: str, base: str, steps: tuple[tuple[float, str, str], ...]) -> float:
    q = parse_unit(unit)
    for value, step_unit, operation in steps:
        v = value * parse_unit(step_unit)
        q = q * v if operation == "multiply" else q / v
    unit_q = parse_unit(base)
    try:
        out = q.to(unit_q.units) / unit_q.magnitude
    except Exception:  # a pint dimensionality error: the chain does not reach the base
        raise _NoScaleError() from None
    return float(out.magnitude)
