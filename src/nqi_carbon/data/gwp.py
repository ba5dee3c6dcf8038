"""Global warming potentials (GWP100) by IPCC assessment, and CO2e values that carry their set.

Values are data (``emission_factors/gwp-ipcc.yaml``, each set cited); they load on first
use. CO2e only exists under a named GWP set: :class:`CO2e` keeps the set's name and
refuses to be combined with CO2e from another set.

AR6 gives methane three different 100-year values, all shipped and named for what they
are: 27.9 (AR6 WG1 Table 7.SM.7, no origin), 29.8 for fossil and 27.0 for non-fossil CH4
(AR6 WG1 Table 7.15, which includes the CO2 from fossil-methane oxidation). Pass
``origin="fossil"`` or ``origin="non_fossil"`` to choose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..errors import (
    GWPSetMismatchError,
    InvalidInputError,
    Issue,
    MissingGWPError,
    UnknownGWPSetError,
)
from .fields import Citation, FiniteFloat, Identifier, PackHeader, RuleError, StrictModel
from .gases import _catalogue as _gas_catalogue
from .gases import blend, normalise_gas
from .packs import data_root, read_pack

__all__ = [
    "CO2e",
    "Origin",
    "blend_gwp",
    "gwp",
    "gwp_citation",
    "gwp_set_names",
    "gwp_table",
    "to_co2e",
]

Origin = Literal["fossil", "non_fossil"]


PositiveFloat = Annotated[FiniteFloat, Field(gt=0)]


class _OriginValue(StrictModel):
    value: PositiveFloat
    reference: Identifier


class _GWPSet(StrictModel):
    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Za-z0-9_-]*$")]
    name: str
    horizon: Literal[20, 100, 500]
    reference: Identifier
    values: dict[str, PositiveFloat]
    value_references: dict[str, Identifier] = Field(default_factory=dict)
    origin_values: dict[str, dict[Origin, _OriginValue]] = Field(default_factory=dict)
    notes: str | None = None

    @model_validator(mode="after")
    def co2_is_one(self) -> _GWPSet:
        """CO2 is the reference gas: its GWP is exactly 1."""
        if self.values.get("CO2") != 1:
            raise RuleError("co2_is_one", f"set {self.id}: CO2 must be given as exactly 1")
        return self


class GWPPack(PackHeader):
    """Schema of ``emission_factors/gwp-ipcc.yaml`` (``nqi-carbon/gwp-pack@1``)."""

    sets: list[_GWPSet] = Field(min_length=1)

    @model_validator(mode="after")
    def set_ids_unique(self) -> GWPPack:
        """Each GWP set id appears once."""
        ids = [s.id for s in self.sets]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RuleError("set_ids_unique", f"GWP set(s) defined twice: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def references_resolve(self) -> GWPPack:
        """Every set, value override and origin value cites a defined reference."""
        ids = self.reference_ids()
        for s in self.sets:
            refs = [s.reference, *s.value_references.values()]
            refs += [ov.reference for per in s.origin_values.values() for ov in per.values()]
            for r in refs:
                if r not in ids:
                    raise RuleError(
                        "references_resolve", f"set {s.id}: reference {r!r} is not defined"
                    )
        return self


@dataclass(frozen=True)
class _Tables:
    pack: GWPPack
    sha256: str
    sets: dict[str, _GWPSet]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    pack, sha = read_pack(
        data_root() / "gwp-ipcc.yaml", GWPPack, expected_schema="nqi-carbon/gwp-pack@1", bundled=True
    )
    known = _gas_catalogue().species
    for s in pack.sets:
        for sp in [*s.values, *s.origin_values, *s.value_references]:
            if sp not in known:
                from ..errors import Issue, PackError

                raise PackError(
                    [
                        Issue(
                            "unknown_gas",
                            "species is not in gases.yaml (use its canonical id)",
                            file="gwp-ipcc.yaml",
                            field=f"sets[{s.id}].values.{sp}",
                            value=repr(sp),
                        )
                    ],
                    source="gwp-ipcc.yaml",
                )
    return _Tables(pack, sha, {s.id: s for s in pack.sets})


def gwp_pack() -> tuple[GWPPack, str]:
    """Return the bundled GWP pack and its content hash."""
    t = _tables()
    return t.pack, t.sha256


def gwp_set_names() -> list[str]:
    """Return the names of the bundled GWP sets, e.g. ``['AR4', 'AR5', 'AR6', 'SAR']``."""
    return sorted(_tables().sets)


def _normalise_set(name: str) -> str:
    if not isinstance(name, str):
        raise UnknownGWPSetError(repr(name), available=gwp_set_names())
    sets = _tables().sets
    key = name.strip().upper().replace("GWP100", "").replace("-", "").replace("_", "").strip()
    for sid in sets:
        if sid.upper().replace("-", "") == key:
            return sid
    raise UnknownGWPSetError(name, available=sorted(sets))


def gwp_table(gwp_set: str) -> dict[str, float]:
    """Return ``{species: GWP100}`` for one set (origin-specific values not included)."""
    return dict(_tables().sets[_normalise_set(gwp_set)].values)


def gwp(
    species: str,
    gwp_set: str,
    origin: Origin | None = None,
    *,
    kyoto_only: bool = True,
) -> float:
    """Return the 100-year GWP of a species or refrigerant blend under one GWP set.

    Parameters
    ----------
    species : str
        Species or blend name in any accepted spelling (``"CH4"``, ``"HFC134a"``,
        ``"R-410A"``).
    gwp_set : str
        ``"SAR"``, ``"AR4"``, ``"AR5"`` or ``"AR6"`` (``"AR6GWP100"`` is accepted).
    origin : {"fossil", "non_fossil"}, optional
        For species whose set gives origin-specific values (AR6 CH4). Ignored where the
        set gives one value only.
    kyoto_only : bool, default True
        For blends: count only Kyoto-basket components (GHG Protocol / US EPA rule);
        the others count as zero. With False every component needs a GWP in the set.

    Returns
    -------
    float
        t CO2e per t of gas.

    Raises
    ------
    UnknownSpeciesError, UnknownGWPSetError, MissingGWPError
    """
    canonical = normalise_gas(species)
    sid = _normalise_set(gwp_set)
    if canonical in _gas_catalogue().blends:
        return blend_gwp(canonical, sid, kyoto_only=kyoto_only)
    table = _tables().sets[sid]
    if origin is not None:
        if not isinstance(origin, str) or origin not in ("fossil", "non_fossil"):
            raise InvalidInputError(
                [
                    Issue(
                        "origin_known",
                        "unknown origin",
                        field="origin",
                        value=repr(origin)[:80],
                        allowed="'fossil', 'non_fossil' or None",
                        raw=origin,
                    )
                ],
                source="gwp()",
            )
        per = table.origin_values.get(canonical)
        if per and origin in per:
            return per[origin].value
    try:
        return table.values[canonical]
    except KeyError:
        raise MissingGWPError(canonical, sid) from None


def blend_gwp(name: str, gwp_set: str, *, kyoto_only: bool = True) -> float:
    """GWP of a refrigerant blend: mass-fraction-weighted sum of its components' GWPs.

    With ``kyoto_only=True`` (default, the GHG Protocol / US EPA convention) components
    outside the Kyoto basket (HCFCs, CFCs, hydrocarbons, HFOs) count as zero — never an
    error. Under AR4: R-404A 3921.6, R-410A 2087.5, R-401A 16.12.
    """
    cat = _gas_catalogue()
    components = blend(name).components  # a single species is UnknownSpeciesError
    sid = _normalise_set(gwp_set)
    table = _tables().sets[sid]
    total = 0.0
    for comp, frac in components:
        if kyoto_only and not cat.species[comp].kyoto:
            continue
        if comp not in table.values:
            raise MissingGWPError(comp, sid)
        total += frac * table.values[comp]
    return total


def gwp_citation(species: str, gwp_set: str, origin: Origin | None = None) -> Citation:
    """Return the citation behind ``gwp(species, gwp_set, origin)`` for a single species."""
    canonical = normalise_gas(species)
    t = _tables()
    s = t.sets[_normalise_set(gwp_set)]
    ref = s.value_references.get(canonical, s.reference)
    if origin is not None and canonical in s.origin_values and origin in s.origin_values[canonical]:
        ref = s.origin_values[canonical][origin].reference
    return t.pack.citation(ref)


@dataclass(frozen=True)
class CO2e:
    """A CO2-equivalent amount [t CO2e] that remembers the GWP set it was computed under.

    Adding or comparing two CO2e values from different sets raises
    :class:`~nqi_carbon.errors.GWPSetMismatchError`. ``sum()`` works (it starts from 0).
    """

    tonnes: float
    gwp_set: str

    def _other(self, other: object) -> float:
        if isinstance(other, CO2e):
            if other.gwp_set != self.gwp_set:
                raise GWPSetMismatchError(self.gwp_set, other.gwp_set)
            return other.tonnes
        if isinstance(other, int | float) and not isinstance(other, bool) and other == 0:
            return 0.0
        raise TypeError(
            f"cannot combine CO2e with {type(other).__name__}; convert it to CO2e under "
            f"{self.gwp_set!r} first"
        )

    def __add__(self, other: object) -> CO2e:
        return CO2e(self.tonnes + self._other(other), self.gwp_set)

    __radd__ = __add__

    def __sub__(self, other: object) -> CO2e:
        return CO2e(self.tonnes - self._other(other), self.gwp_set)

    def __neg__(self) -> CO2e:
        return CO2e(-self.tonnes, self.gwp_set)

    def __mul__(self, k: float) -> CO2e:
        if isinstance(k, bool) or not isinstance(k, int | float):
            return NotImplemented
        return CO2e(self.tonnes * k, self.gwp_set)

    __rmul__ = __mul__

    def __lt__(self, other: CO2e) -> bool:
        return self.tonnes < self._other(other)

    def __le__(self, other: CO2e) -> bool:
        return self.tonnes <= self._other(other)

    def isclose(self, other: CO2e, *, rel_tol: float = 1e-9, abs_tol: float = 0.0) -> bool:
        """Whether two CO2e values (same set) agree within tolerance."""
        return math.isclose(self.tonnes, self._other(other), rel_tol=rel_tol, abs_tol=abs_tol)

    def __str__(self) -> str:
        return f"{self.tonnes:,.6g} t CO2e ({self.gwp_set})"


def to_co2e(mass_t: Any, species: str, gwp_set: str, origin: Origin | None = None) -> CO2e:
    """Convert a gas mass to :class:`CO2e` under *gwp_set*.

    Parameters
    ----------
    mass_t : float, numpy array or pint Quantity
        The mass of gas [t]; a pint Quantity (of any registry) in any mass unit is
        converted to tonnes (``ureg.Quantity(1000, "kg")`` is 1 t).
    species, gwp_set, origin
        As for :func:`gwp`.

    Raises
    ------
    InvalidArgumentError
        *mass_t* is text, a boolean or another type that is no mass (``argument_type``).
    DimensionalityMismatchError, UnknownUnitError
        A Quantity whose unit is not a mass, or not a unit nqi-carbon knows.
    """
    mass = _tonnes(mass_t)
    sid = _normalise_set(gwp_set)
    return CO2e(mass * gwp(species, sid, origin), sid)


def _tonnes(mass: Any) -> Any:
    """*mass* [t] as a number or array; a Quantity converted to tonnes; other types refused."""
    from .quantities import number_argument

    return number_argument(
        mass,
        field="mass_t",
        where="to_co2e()",
        unit="t",
        allowed="a mass in tonnes (a number or numpy array), or a pint Quantity of mass",
    )
