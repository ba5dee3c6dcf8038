"""Emission-factor packs and the registry that resolves ``pack/factor-id`` references.

Bundled packs (``emission_factors/*.yaml`` with ``schema: nqi-carbon/factor-pack@1``)
load lazily, one pack on the first lookup into it, and are cached. A
:class:`FactorRegistry` also takes user packs (from a path, under their own pack id,
which may never equal a bundled id) and the inline factors of an inventory (which may
not start with a pack id either), so a bundled factor is never silently shadowed.

References look like ``ipcc-2006/stationary/natural_gas``, optionally with a version
(``ipcc-2006@1.0.0/stationary/natural_gas``); fuels are ``<pack>/fuel/<fuel-id>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from ._factor_schema import FactorEntry, FuelEntry, FuelParameter
from ._packs import bundled_pack_ids, data_root, read_pack
from ._schema import Citation, PackHeader, RuleError
from .errors import Issue, PackError, UnknownFactorError, close_matches
from .gases import normalise_gas
from .gwp_values import _normalise_set

if TYPE_CHECKING:
    from .models import Inventory

__all__ = [
    "NON_FACTOR_PACKS",
    "Factor",
    "FactorPack",
    "FactorRegistry",
    "Fuel",
    "LoadedPack",
    "default_registry",
    "load_pack",
    "registry_for",
]

NON_FACTOR_PACKS = frozenset({"gases", "gwp-ipcc"})
FACTOR_PACK_SCHEMA = "nqi-carbon/factor-pack@1"
_REF = re.compile(r"^(?P<pack>[a-z0-9][a-z0-9-]*)(?:@(?P<version>\d+\.\d+\.\d+))?/(?P<rest>.+)$")


class FactorPack(PackHeader):
    """Schema of a factor pack (``nqi-carbon/factor-pack@1``); see docs/reference/pack-format.md."""

    fuels: list[FuelEntry] = Field(default_factory=list)
    factors: list[FactorEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def ids_unique(self) -> FactorPack:
        """Factor ids and fuel ids are each unique within the pack."""
        for kind, items in (("factor", self.factors), ("fuel", self.fuels)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise RuleError("ids_unique", f"{kind} id {item.id!r} is defined twice")
                seen.add(item.id)
        return self

    @model_validator(mode="after")
    def references_resolve(self) -> FactorPack:
        """Every factor, gas value and fuel parameter cites a reference defined in the pack."""
        ids = self.reference_ids()

        def check(owner: str, ref: str | None) -> None:
            if ref is not None and ref not in ids:
                raise RuleError(
                    "references_resolve",
                    f"{owner}: reference {ref!r} is not defined (known: {', '.join(sorted(ids))})",
                )

        for f in self.factors:
            check(f"factor {f.id!r}", f.reference)
            for gas, v in (f.gases or {}).items():
                check(f"factor {f.id!r} gas {gas}", v.reference)
            if f.co2e is not None:
                check(f"factor {f.id!r} co2e", f.co2e.reference)
        for fuel in self.fuels:
            if fuel.reference is None and any(
                p is not None and p.reference is None
                for p in (fuel.ncv, fuel.carbon_content, fuel.oxidation)
            ):
                raise RuleError(
                    "references_resolve", f"fuel {fuel.id!r}: a parameter has no reference"
                )
            check(f"fuel {fuel.id!r}", fuel.reference)
            for name in ("ncv", "carbon_content", "oxidation"):
                p = getattr(fuel, name)
                if p is not None:
                    check(f"fuel {fuel.id!r} {name}", p.reference)
        return self

    @model_validator(mode="after")
    def factor_fuels_exist(self) -> FactorPack:
        """A factor that names a fuel names one defined in the same pack."""
        fuels = {f.id for f in self.fuels}
        for f in self.factors:
            if f.fuel is not None and f.fuel not in fuels:
                raise RuleError(
                    "factor_fuels_exist", f"factor {f.id!r} names unknown fuel {f.fuel!r}"
                )
        return self

    @model_validator(mode="after")
    def co2e_gwp_sets_known(self) -> FactorPack:
        """A CO2e factor names a GWP set nqi-carbon ships."""
        for f in self.factors:
            if f.co2e is not None:
                try:
                    _normalise_set(f.co2e.gwp_set)
                except KeyError as exc:
                    raise RuleError("co2e_gwp_sets_known", f"factor {f.id!r}: {exc}") from None
        return self


@dataclass(frozen=True)
class Fuel:
    """A fuel of a pack, with the citations of its parameters resolved."""

    ref: str
    pack_id: str
    pack_version: str
    entry: FuelEntry
    citations: Mapping[str, Citation]

    def parameter(self, name: str) -> FuelParameter | None:
        """Return ``ncv``, ``carbon_content`` or ``oxidation`` (None if not given)."""
        value: FuelParameter | None = getattr(self.entry, name)
        return value


@dataclass(frozen=True)
class Factor:
    """A resolved emission factor: its entry, where it comes from and its citations.

    Attributes
    ----------
    ref : str
        Fully qualified reference, e.g. ``ipcc-2006/stationary/natural_gas``.
    pack_id, pack_version, pack_sha256 : str
        The pack it came from (``inventory`` for inline factors).
    entry : FactorEntry
        The validated factor (gases or co2e, activity unit, basis, validity...).
    fuel : Fuel or None
        The fuel it names, for the mass/volume -> energy chain.
    citations : mapping
        Citation per gas (and ``"factor"`` for the factor's own reference). Inline
        factors cite free text, kept as the document of a synthetic citation.
    """

    ref: str
    pack_id: str
    pack_version: str
    pack_sha256: str
    entry: FactorEntry
    fuel: Fuel | None
    citations: Mapping[str, Citation] = field(default_factory=dict)

    @property
    def activity_unit(self) -> str:
        """The unit of activity the factor applies to."""
        return str(self.entry.activity_unit)

    @property
    def gases(self) -> list[str]:
        """The gases this factor gives (``['CO2e']`` for a CO2e-only factor)."""
        return list(self.entry.gases) if self.entry.gases is not None else ["CO2e"]

    def citation_text(self, gas: str | None = None) -> str:
        """One line citing the value (document, table/page, URL)."""
        c = self.citations.get(gas or "factor") or self.citations.get("factor")
        if c is None:
            return self.entry.reference
        where = ", ".join(x for x in (c.table, f"p. {c.page}" if c.page else None, c.section) if x)
        return f"{c.document}, {where} <{c.url}>"


@dataclass(frozen=True)
class LoadedPack:
    """A validated factor pack with its content hash and origin."""

    pack: FactorPack
    sha256: str
    origin: str
    bundled: bool
    factors: Mapping[str, Factor]
    fuels: Mapping[str, Fuel]

    @property
    def id(self) -> str:
        """The pack id."""
        return self.pack.id

    @property
    def version(self) -> str:
        """The pack version."""
        return self.pack.version


def _build(pack: FactorPack, sha: str, origin: str, bundled: bool) -> LoadedPack:
    refs = {r.id: r for r in pack.references}
    fuels: dict[str, Fuel] = {}
    for fe in pack.fuels:
        cites = {}
        for name in ("ncv", "carbon_content", "oxidation"):
            p = getattr(fe, name)
            ref = (p.reference if p is not None else None) or fe.reference
            if p is not None and ref is not None:
                cites[name] = refs[ref]
        fuels[fe.id] = Fuel(f"{pack.id}/fuel/{fe.id}", pack.id, pack.version, fe, cites)
    factors: dict[str, Factor] = {}
    for fa in pack.factors:
        cites = {"factor": refs[fa.reference]}
        for gas, v in (fa.gases or {}).items():
            cites[gas] = refs[v.reference or fa.reference]
        if fa.co2e is not None:
            cites["CO2e"] = refs[fa.co2e.reference or fa.reference]
        fuel = fuels.get(fa.fuel) if fa.fuel else None
        factors[fa.id] = Factor(f"{pack.id}/{fa.id}", pack.id, pack.version, sha, fa, fuel, cites)
    return LoadedPack(pack, sha, origin, bundled, factors, fuels)


def load_pack(source: str | Path | Traversable, *, bundled: bool = False) -> LoadedPack:
    """Load and validate one factor pack from a file.

    Raises
    ------
    PackError
        Naming the pack file, the entry and the field of every problem found.
    """
    path = Path(source) if isinstance(source, str) else source
    pack, sha = read_pack(path, FactorPack, expected_schema=FACTOR_PACK_SCHEMA)
    stem = getattr(source, "name", str(source)).rsplit("/", 1)[-1]
    if stem.endswith((".yaml", ".yml")) and stem.rsplit(".", 1)[0] != pack.id and bundled:
        raise PackError(
            [
                Issue(
                    "pack_file_name",
                    f"pack id {pack.id!r} does not match its file name",
                    file=str(source),
                )
            ],
            source=str(source),
        )
    return _build(pack, sha, str(source), bundled)


@lru_cache(maxsize=64)
def _user_pack(path: str, mtime_ns: int, size: int) -> LoadedPack:
    # keyed by the file's identity, so an edited file is read again
    return load_pack(Path(path))


def load_user_pack(path: str | Path) -> LoadedPack:
    """Load a user pack, reusing the parsed pack while the file is unchanged."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise PackError(
            [Issue("file_unreadable", exc.strerror or str(exc), file=str(path))], source=str(path)
        ) from None
    return _user_pack(str(p), st.st_mtime_ns, st.st_size)


@cache
def _bundled(pack_id: str) -> LoadedPack:
    return load_pack(data_root() / f"{pack_id}.yaml", bundled=True)


def bundled_factor_pack_ids() -> list[str]:
    """Return the ids of the bundled factor packs."""
    return [p for p in bundled_pack_ids() if p not in NON_FACTOR_PACKS]


class FactorRegistry:
    """Resolves factor and fuel references over bundled, user and inline packs.

    Parameters
    ----------
    user_packs : iterable of path
        Extra pack files; each is addressed by its own pack id, which must not equal a
        bundled pack id.
    inline : iterable of FactorEntry
        Factors defined in an inventory; addressed by their id as written (which must
        not start with a pack id followed by '/').
    allowed : iterable of str, optional
        Restrict bundled packs to these ids (an inventory's ``factor_packs``).
    """

    def __init__(
        self,
        user_packs: Iterable[str | Path] = (),
        inline: Iterable[FactorEntry] = (),
        *,
        allowed: Iterable[str] | None = None,
    ) -> None:
        self._bundled_ids = bundled_factor_pack_ids()
        self._allowed = None if allowed is None else set(allowed)
        self._user: dict[str, LoadedPack] = {}
        issues: list[Issue] = []
        for path in user_packs:
            lp = load_user_pack(path)
            if lp.id in self._bundled_ids:
                issues.append(
                    Issue(
                        "user_pack_shadows_bundled",
                        f"user pack id {lp.id!r} is the id of a bundled pack; give it its own id",
                        file=str(path),
                        field="id",
                        value=repr(lp.id),
                    )
                )
            elif lp.id in self._user:
                issues.append(
                    Issue("ids_unique", f"two user packs have id {lp.id!r}", file=str(path))
                )
            self._user[lp.id] = lp
        self._inline: dict[str, Factor] = {}
        pack_ids = set(self._bundled_ids) | set(self._user)
        for entry in inline:
            head = entry.id.split("/", 1)[0].split("@", 1)[0]
            if "/" in entry.id and head in pack_ids:
                issues.append(
                    Issue(
                        "inline_factor_shadows_pack",
                        f"inline factor id {entry.id!r} starts with pack id {head!r}; rename it",
                        field="factors",
                        value=repr(entry.id),
                    )
                )
                continue
            cite = Citation(
                id="inline",
                document=entry.reference,
                section="inventory inline factor",
                url="urn:nqi-carbon:inline",
                accessed=__import__("datetime").date(1970, 1, 1),
            )
            self._inline[entry.id] = Factor(
                entry.id, "inventory", "inline", "", entry, None, {"factor": cite}
            )
        if issues:
            raise PackError(issues)

    # -- packs -----------------------------------------------------------------------
    def pack_ids(self) -> list[str]:
        """Ids of every pack this registry can resolve into (bundled first)."""
        bundled = [p for p in self._bundled_ids if self._allowed is None or p in self._allowed]
        return bundled + sorted(self._user)

    def pack(self, pack_id: str) -> LoadedPack:
        """Return a loaded pack by id (bundled packs load on first use)."""
        if pack_id in self._user:
            return self._user[pack_id]
        if pack_id in self._bundled_ids:
            if self._allowed is not None and pack_id not in self._allowed:
                raise UnknownFactorError(
                    pack_id,
                    reason=f"pack {pack_id!r} is not listed in the inventory's factor_packs "
                    f"({', '.join(sorted(self._allowed)) or 'empty'})",
                )
            return _bundled(pack_id)
        raise UnknownFactorError(
            pack_id, reason="no such pack", matches=close_matches(pack_id, self.pack_ids())
        )

    # -- lookups ---------------------------------------------------------------------
    def _split(self, ref: str) -> tuple[LoadedPack, str]:
        m = _REF.match(ref)
        if not m:
            raise UnknownFactorError(ref, reason="a reference is '<pack>/<factor-id>'")
        pack_id, version, rest = m.group("pack"), m.group("version"), m.group("rest")
        if pack_id not in self._user and pack_id not in self._bundled_ids:
            raise UnknownFactorError(
                ref, reason=f"no pack {pack_id!r}", matches=close_matches(pack_id, self.pack_ids())
            )
        lp = self.pack(pack_id)
        if version is not None and version != lp.version:
            raise UnknownFactorError(
                ref, reason=f"pack {pack_id!r} is at version {lp.version}, not {version}"
            )
        return lp, rest

    def resolve(self, ref: str) -> Factor:
        """Return the factor for ``pack/factor-id`` (or an inline factor's id).

        Raises
        ------
        UnknownFactorError
            With close matches when the id does not resolve.
        """
        if not isinstance(ref, str) or not ref:
            raise UnknownFactorError(repr(ref), reason="a factor reference is a non-empty string")
        if ref in self._inline:
            return self._inline[ref]
        m = _REF.match(ref)
        if m is None or (
            m.group("pack") not in self._bundled_ids and m.group("pack") not in self._user
        ):
            candidates = list(self._inline) + [
                f"{p}/{f}"
                for p in self.pack_ids()
                if p in self._user
                for f in self._user[p].factors
            ]
            if m is not None:
                pid = m.group("pack")
                raise UnknownFactorError(
                    ref,
                    reason=f"no pack {pid!r} and no inline factor of that id "
                    f"(packs: {', '.join(self.pack_ids())})",
                    matches=close_matches(ref, candidates)
                    + [f"{p}/{m.group('rest')}" for p in close_matches(pid, self.pack_ids())],
                )
            raise UnknownFactorError(ref, matches=close_matches(ref, candidates))
        lp, rest = self._split(ref)
        if rest in lp.factors:
            return lp.factors[rest]
        raise UnknownFactorError(
            ref,
            reason=f"pack {lp.id!r} has no factor {rest!r}",
            matches=[f"{lp.id}/{x}" for x in close_matches(rest, lp.factors)],
        )

    def resolve_fuel(self, ref: str) -> Fuel:
        """Return the fuel for ``pack/fuel/<fuel-id>``."""
        lp, rest = self._split(ref)
        if rest.startswith("fuel/") and rest[5:] in lp.fuels:
            return lp.fuels[rest[5:]]
        raise UnknownFactorError(
            ref,
            reason=f"pack {lp.id!r} has no fuel {rest!r}",
            matches=[
                f"{lp.id}/fuel/{x}" for x in close_matches(rest.removeprefix("fuel/"), lp.fuels)
            ],
        )

    def factors(self) -> list[Factor]:
        """Every factor of every pack (loads all packs), bundled first, in pack order."""
        out: list[Factor] = []
        for pid in self.pack_ids():
            out.extend(self.pack(pid).factors.values())
        out.extend(self._inline.values())
        return out

    def search(
        self,
        text: str | None = None,
        *,
        gas: str | None = None,
        region: str | None = None,
        year: int | None = None,
    ) -> list[Factor]:
        """Find factors by words in id/name/notes, by gas, region and validity year.

        All criteria must match. Results are sorted by reference, so the same query
        always gives the same list.
        """
        words = [w.lower() for w in (text or "").split()]
        want_gas = normalise_gas(gas) if gas else None
        hits = []
        for f in self.factors():
            e = f.entry
            hay = " ".join(
                x for x in (f.ref, e.name or "", e.notes or "", e.fuel or "") if x
            ).lower()
            if any(w not in hay for w in words):
                continue
            if want_gas is not None and want_gas not in (e.gases or {}):
                continue
            if (
                region is not None
                and e.region.upper() != region.upper()
                and not e.region.upper().startswith(region.upper() + "-")
            ):
                continue
            if (
                year is not None
                and e.valid is not None
                and (year < e.valid.from_ or (e.valid.to is not None and year > e.valid.to))
            ):
                continue
            hits.append(f)
        return sorted(hits, key=lambda f: f.ref)


@lru_cache(maxsize=1)
def default_registry() -> FactorRegistry:
    """The registry of bundled packs only (cached)."""
    return FactorRegistry()


def _pack_request(inv: Inventory) -> tuple[list[str], list[Path]]:
    bundled = set(bundled_factor_pack_ids())
    allowed: list[str] = []
    paths: list[Path] = []
    base = Path(inv.source_path).parent if inv.source_path else Path.cwd()
    for entry in inv.factor_packs:
        pid = entry.split("@", 1)[0]
        if pid in bundled:
            allowed.append(pid)
        else:
            p = Path(entry)
            paths.append(p if p.is_absolute() else base / p)
    return allowed, paths


def _pack_state(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), -1, -1))
    return tuple(out)


def registry_for(inv: Inventory) -> FactorRegistry:
    """The factor registry an inventory asks for (bundled ids, user pack paths, inline).

    Cached on the (immutable) inventory while its user pack files are unchanged.
    """
    allowed, paths = _pack_request(inv)
    key = ("registry", _pack_state(paths))
    reg = inv._cache.get(key)
    if reg is None:
        reg = FactorRegistry(paths, inv.factors, allowed=allowed or None)
        inv._cache.clear()
        inv._cache[key] = reg
    assert isinstance(reg, FactorRegistry)
    return reg
