"""The seven Kyoto gases as species, name normalisation and refrigerant blends.

Species and blend compositions are data (``emission_factors/gases.yaml``, cited); this
module loads them on first use and answers questions about them.

Names are normalised generously but never guessed: ``HFC-134a``, ``HFC134a``,
``R-134a``, ``R134a`` and the CAS number ``811-97-2`` all name HFC-134a; a group name such
as ``HFC`` or ``PFCs`` is ambiguous and refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..errors import UnknownSpeciesError, close_matches
from .fields import FiniteFloat, Identifier, PackHeader, RuleError, StrictModel
from .packs import data_root, read_pack

__all__ = [
    "KYOTO_GROUPS",
    "Blend",
    "Species",
    "blend",
    "gas_group",
    "is_blend",
    "normalise_gas",
    "species",
    "species_ids",
    "split_blend",
]

KYOTO_GROUPS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")
"""Reporting groups of the Kyoto basket, in ISO 14064-1 clause 9.3.1 f) order."""


Group = Literal[
    "CO2", "CH4", "N2O", "HFC", "PFC", "SF6", "NF3", "HCFC", "CFC", "HC", "HFO", "HFE", "other"
]


_KYOTO_GROUP_OF = {
    "CO2": "CO2",
    "CH4": "CH4",
    "N2O": "N2O",
    "HFC": "HFCs",
    "PFC": "PFCs",
    "SF6": "SF6",
    "NF3": "NF3",
}


_AMBIGUOUS = {
    "hfc": "HFCs",
    "hfcs": "HFCs",
    "pfc": "PFCs",
    "pfcs": "PFCs",
    "hcfc": "HCFCs",
    "hcfcs": "HCFCs",
    "cfc": "CFCs",
    "cfcs": "CFCs",
    "co2e": "CO2e",
    "co2eq": "CO2e",
    "ghg": "GHG",
    "ghgs": "GHG",
    "refrigerant": "refrigerant",
}


class _SpeciesEntry(StrictModel):
    id: Identifier
    name: str
    formula: str
    group: Group
    kyoto: bool
    cas: Annotated[str, Field(pattern=r"^\d{2,7}-\d{2}-\d$")] | None = None
    aliases: list[str] = Field(default_factory=list)
    reference: Identifier
    notes: str | None = None

    @model_validator(mode="after")
    def kyoto_flag_matches_group(self) -> _SpeciesEntry:
        """Exactly the Kyoto groups are flagged ``kyoto: true``."""
        if self.kyoto != (self.group in _KYOTO_GROUP_OF):
            raise RuleError(
                "kyoto_flag_matches_group",
                f"{self.id}: group {self.group!r} implies kyoto={self.group in _KYOTO_GROUP_OF}",
            )
        return self


class _BlendEntry(StrictModel):
    id: Identifier
    name: str | None = None
    components: dict[str, Annotated[FiniteFloat, Field(gt=0, le=1)]]
    reference: Identifier
    notes: str | None = None

    @model_validator(mode="after")
    def fractions_sum_to_one(self) -> _BlendEntry:
        """Mass fractions of a blend add up to 1."""
        total = sum(self.components.values())
        if abs(total - 1.0) > 1e-9:
            raise RuleError(
                "fractions_sum_to_one", f"{self.id}: mass fractions add up to {total}, not 1"
            )
        return self


class GasPack(PackHeader):
    """Schema of ``emission_factors/gases.yaml`` (``nqi-carbon/gas-pack@1``)."""

    species: list[_SpeciesEntry]
    blends: list[_BlendEntry]

    @model_validator(mode="after")
    def names_unique(self) -> GasPack:
        """No two species or blends share an id, alias or CAS number."""
        seen: dict[str, str] = {}
        entries: list[_SpeciesEntry | _BlendEntry] = [*self.species, *self.blends]
        for entry in entries:
            keys = [entry.id, *getattr(entry, "aliases", [])]
            cas = getattr(entry, "cas", None)
            if cas:
                keys.append(cas)
            for key in keys:
                k = _key(key)
                if k in seen and seen[k] != entry.id:
                    raise RuleError(
                        "names_unique", f"name {key!r} of {entry.id} also names {seen[k]}"
                    )
                seen[k] = entry.id
        return self

    @model_validator(mode="after")
    def blend_components_known(self) -> GasPack:
        """Every blend component is a listed species."""
        known = {s.id for s in self.species}
        for b in self.blends:
            for comp in b.components:
                if comp not in known:
                    raise RuleError(
                        "blend_components_known",
                        f"{b.id}: component {comp!r} is not a listed species",
                    )
        return self

    @model_validator(mode="after")
    def references_resolve(self) -> GasPack:
        """Every entry cites a reference defined in the pack."""
        ids = self.reference_ids()
        entries: list[_SpeciesEntry | _BlendEntry] = [*self.species, *self.blends]
        for entry in entries:
            if entry.reference not in ids:
                raise RuleError(
                    "references_resolve",
                    f"{entry.id}: reference {entry.reference!r} is not defined",
                )
        return self


@dataclass(frozen=True)
class Species:
    """A greenhouse-gas (or blend-component) species.

    Attributes
    ----------
    id : str
        Canonical id, e.g. ``"HFC-134a"``.
    group : str
        ``CO2``, ``CH4``, ``N2O``, ``HFC``, ``PFC``, ``SF6``, ``NF3`` (the Kyoto basket)
        or ``HCFC``, ``CFC``, ``HC``, ``HFO``, ``HFE`` (hydrofluoroethers), ``other``.
    kyoto : bool
        Whether the species is one of the seven Kyoto gases / gas groups.
    """

    id: str
    name: str
    formula: str
    group: str
    kyoto: bool
    cas: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Blend:
    """A refrigerant blend with its composition by mass (ASHRAE 34)."""

    id: str
    components: tuple[tuple[str, float], ...]
    reference: str


def _key(name: str) -> str:
    return re.sub(r"[\s\-_]", "", name).lower()


@dataclass(frozen=True)
class _Catalogue:
    pack: GasPack
    sha256: str
    species: Mapping[str, Species]
    blends: Mapping[str, Blend]
    index: Mapping[str, str]


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    pack, sha = read_pack(
        data_root() / "gases.yaml", GasPack, expected_schema="nqi-carbon/gas-pack@1", bundled=True
    )
    sp = {
        s.id: Species(s.id, s.name, s.formula, s.group, s.kyoto, s.cas, tuple(s.aliases))
        for s in pack.species
    }
    bl = {b.id: Blend(b.id, tuple(sorted(b.components.items())), b.reference) for b in pack.blends}
    index: dict[str, str] = {}
    for s in pack.species:
        for name in (s.id, *s.aliases, *([s.cas] if s.cas else [])):
            index[_key(name)] = s.id
    for b in pack.blends:
        index[_key(b.id)] = b.id
        index[_key(b.id.replace("R-", "R"))] = b.id
    # the chemical name too ("methane", "sulphur hexafluoride"); never over an id or alias
    for s in pack.species:
        plain = s.name.split(" (")[0]
        for name in (s.name, plain, plain.replace("sulphur", "sulfur")):
            index.setdefault(_key(name), s.id)
    return _Catalogue(pack, sha, sp, bl, index)


def gas_pack() -> tuple[GasPack, str]:
    """Return the bundled gas pack and its content hash."""
    cat = _catalogue()
    return cat.pack, cat.sha256


def normalise_gas(name: str) -> str:
    """Return the canonical id of a gas species or refrigerant blend.

    Parameters
    ----------
    name : str
        Any accepted spelling: ``"HFC-134a"``, ``"HFC134a"``, ``"R-134a"``,
        ``"811-97-2"`` (CAS), ``"r410a"``.

    Raises
    ------
    UnknownSpeciesError
        For unknown names (with close matches) and for ambiguous group names such as
        ``"HFC"`` or ``"PFCs"``.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownSpeciesError(repr(name), reason="a gas name must be a non-empty string")
    key = _key(name)
    if key in _AMBIGUOUS:
        raise UnknownSpeciesError(
            name,
            reason=(
                f"{_AMBIGUOUS[key]!r} names a group of gases, not one species; "
                "name the species (e.g. HFC-134a, CF4) or the refrigerant blend (e.g. R-410A)"
            ),
        )
    cat = _catalogue()
    found = cat.index.get(key)
    if found is None:
        raise UnknownSpeciesError(name, matches=_suggest(name))
    return found


def _suggest(name: str, n: int = 3) -> list[str]:
    """Spellings like *name*, for up to *n* gases, best first.

    Ids, aliases and blend ids are compared without case, spaces, hyphens and
    underscores. For each gas, the spelling *name* resembles comes first (``R-134a``),
    then the gas's canonical id when that differs (``HFC-134a``). The fewest edits rank
    first (a name cut short, ``HFC-43-10``, counts as one), then the longest start in
    common with *name*, then a spelling as long as *name* (one mistyped character), then
    the spelling in alphabetical order: ``R-134x`` gives ``R-134a`` before ``R-134``, ``R-22a`` gives
    ``R-22`` before ``R-422A``.
    """
    cat = _catalogue()
    gas_of: dict[str, str] = {}  # spelling -> canonical id, ids before their aliases
    for s in cat.species.values():
        for spelling in (s.id, *s.aliases):
            gas_of.setdefault(spelling, s.id)
    for b in cat.blends:
        gas_of.setdefault(b, b)
    typed = _key(name)

    def rank(spelling: str) -> tuple[int, int, int, str]:
        k = _key(spelling)
        edits = 1 if k.startswith(typed) else _edits(typed, k)  # a cut-short name: one edit
        prefix = 0
        while prefix < min(len(typed), len(k)) and typed[prefix] == k[prefix]:
            prefix += 1
        return edits, -prefix, abs(len(k) - len(typed)), spelling

    hits = sorted(close_matches(name, gas_of, n=4 * n, key=_key), key=rank)
    out: list[str] = []
    gases: list[str] = []
    for h in hits:
        gas = gas_of[h]
        if gas in gases:
            continue
        gases.append(gas)
        out.extend([h] if h == gas else [h, gas])
        if len(gases) == n:
            break
    return out


def _edits(a: str, b: str) -> int:
    """Edit distance: insertions, deletions, substitutions and swaps of neighbours."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                d = min(d, prev2[j - 2] + 1)
            cur.append(d)
        prev2, prev = prev, cur
    return prev[-1]


def species_ids(*, kyoto_only: bool = False) -> list[str]:
    """Return the canonical ids of all known species (optionally Kyoto gases only)."""
    return sorted(s.id for s in _catalogue().species.values() if s.kyoto or not kyoto_only)


def species(name: str) -> Species:
    """Return the :class:`Species` for a name (see :func:`normalise_gas`)."""
    canonical = normalise_gas(name)
    cat = _catalogue()
    if canonical in cat.blends:
        raise UnknownSpeciesError(name, reason=f"{canonical} is a blend, not a single species")
    return cat.species[canonical]


def is_blend(name: str) -> bool:
    """Whether *name* names a refrigerant blend."""
    return normalise_gas(name) in _catalogue().blends


def blend(name: str) -> Blend:
    """Return the :class:`Blend` for a blend name."""
    canonical = normalise_gas(name)
    cat = _catalogue()
    if canonical not in cat.blends:
        raise UnknownSpeciesError(name, reason=f"{canonical} is a single species, not a blend")
    return cat.blends[canonical]


def split_blend(name: str, mass: float) -> dict[str, float]:
    """Split a released *mass* of a gas into species masses (same unit as *mass*).

    A single species returns ``{species: mass}``. A blend is split by its mass fractions;
    every component is returned, Kyoto or not (counting is a GWP question). *mass* is a
    number, a numeric numpy array or a pint Quantity; anything else is
    :class:`~nqi_carbon.InvalidArgumentError` (``argument_type``).
    """
    from .quantities import number_argument

    mass = number_argument(
        mass,
        field="mass",
        where="split_blend()",
        unit=None,
        allowed="a mass (a number, numpy array or pint Quantity)",
    )
    canonical = normalise_gas(name)
    cat = _catalogue()
    if canonical in cat.blends:
        return {sp: mass * frac for sp, frac in cat.blends[canonical].components}
    return {canonical: mass}


def gas_group(name: str) -> str | None:
    """Return the Kyoto reporting group of a species, or None outside the Kyoto basket.

    The groups are ``CO2``, ``CH4``, ``N2O``, ``HFCs``, ``PFCs``, ``SF6`` and ``NF3``.
    """
    return _KYOTO_GROUP_OF.get(species(name).group)
