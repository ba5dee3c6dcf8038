"""Emission-factor packs and the registry that resolves ``pack/factor-id`` references.

Bundled packs (``emission_factors/*.yaml`` with ``schema: nqi-carbon/factor-pack@1``)
load lazily, one pack on the first lookup into it, and are cached. A
:class:`FactorRegistry` also takes user packs (from a path, under their own pack id,
which may never equal a bundled id) and the inline factors of an inventory (which may
not start with a pack id either), so a bundled factor is never silently shadowed.

References look like ``ipcc-2006/stationary/natural_gas``, optionally with a version
(``ipcc-2006@1.2.0/stationary/natural_gas``); fuels are ``<pack>/fuel/<fuel-id>``. An
inventory may pin a whole pack in ``factor_packs`` (``ipcc-2006@1.2.0``); a pack of another
version is then refused (``factor_pack_version``).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from .._io.files import Written, check_confined, written_path
from ..errors import (
    InvalidInputError,
    Issue,
    NqiCarbonError,
    PackError,
    UnknownFactorError,
    close_matches,
)
from ..limits import current_sandbox
from ..units import parse_unit
from ..units import registry as unit_registry
from .display import SearchResults, factor_repr, fuel_repr
from .factor_schema import FactorEntry, FuelEntry, FuelParameter
from .fields import Citation, PackHeader, RuleError
from .gases import normalise_gas
from .gwp import _normalise_set
from .packs import bundled_pack_ids, data_root, read_pack

if TYPE_CHECKING:
    from ..inventory.models import Inventory

__all__ = [
    "NON_FACTOR_PACKS",
    "PROPERTIES_PACK",
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


PROPERTIES_PACK = "fuel-properties"
"""The bundled pack of fuel properties (densities, NCV/GCV, heat contents) for billed units."""


FACTOR_PACK_SCHEMA = "nqi-carbon/factor-pack@1"


_MIN_INLINE_REFERENCE = 3  # the length Citation.document requires


_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


_REF = re.compile(r"^(?P<pack>[a-z0-9][a-z0-9-]*)(?:@(?P<version>\d+\.\d+\.\d+))?/(?P<rest>.+)$")


# what separates the parts of a searched label (id, name): search ranks an item whose
# parts equal the words before one that only contains them (烟煤 before 无烟煤)
_LABEL_PARTS = re.compile(r"[\s/_\-.,;:()（）、，；：]+")


class FactorPack(PackHeader):
    """Schema of a factor pack (``nqi-carbon/factor-pack@1``); see docs/reference/pack-format.md."""

    basis: Literal["NCV", "GCV"] | None = None
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
                p.reference is None for p in fuel.parameters().values()
            ):
                raise RuleError(
                    "references_resolve", f"fuel {fuel.id!r}: a parameter has no reference"
                )
            check(f"fuel {fuel.id!r}", fuel.reference)
            for name, p in fuel.parameters().items():
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


def citation_line(c: Citation) -> str:
    """One line citing a value: document, table / page / section, <URL>."""
    where = ", ".join(x for x in (c.table, f"p. {c.page}" if c.page else None, c.section) if x)
    return f"{c.document}, {where} <{c.url}>"


@dataclass(frozen=True)
class Fuel:
    """A fuel of a pack, with the citations of its parameters resolved."""

    ref: str
    pack_id: str
    pack_version: str
    entry: FuelEntry
    citations: Mapping[str, Citation]

    def parameter(self, name: str) -> FuelParameter | None:
        """Return a parameter of :data:`~nqi_carbon.data.factor_schema.FUEL_PARAMETERS` (None if not given)."""
        value: FuelParameter | None = getattr(self.entry, name)
        return value

    def citation_text(self, name: str) -> str:
        """One line citing parameter *name* (document, table/page, URL); '' if uncited."""
        c = self.citations.get(name)
        return "" if c is None else citation_line(c)

    def __repr__(self) -> str:
        return fuel_repr(self)


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
        return self.entry.reference if c is None else citation_line(c)

    def __repr__(self) -> str:
        return factor_repr(self)


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

    @cached_property
    def region(self) -> str:
        """The region of the pack's fuels: the one country of its factors, else ``GLOBAL``.

        Fuel entries state no region of their own, so the pack's factors decide: when every
        factor is for one country (``CN``, ``CN-BJ``...) the pack's fuels are that country's
        national defaults (``cn-mee``: ``CN``); otherwise (``GLOBAL`` factors, several
        countries, no factors) they are taken as global defaults (``ipcc-2006``).
        """
        roots = {f.entry.region.strip().upper().split("-")[0] for f in self.factors.values()}
        return roots.pop() if len(roots) == 1 else "GLOBAL"


def _build(pack: FactorPack, sha: str, origin: str, bundled: bool) -> LoadedPack:
    refs = {r.id: r for r in pack.references}
    fuels: dict[str, Fuel] = {}
    for fe in pack.fuels:
        cites = {}
        for name, p in fe.parameters().items():
            ref = p.reference or fe.reference
            if ref is not None:
                cites[name] = refs[ref]
        fuels[fe.id] = Fuel(f"{pack.id}/fuel/{fe.id}", pack.id, pack.version, fe, cites)
    factors: dict[str, Factor] = {}
    for fa in pack.factors:
        if pack.basis is not None and fa.basis is None and _per_energy(fa):
            fa = fa.model_copy(update={"basis": pack.basis})  # the pack's basis, stated once
        cites = {"factor": refs[fa.reference]}
        for gas, v in (fa.gases or {}).items():
            cites[gas] = refs[v.reference or fa.reference]
        if fa.co2e is not None:
            cites["CO2e"] = refs[fa.co2e.reference or fa.reference]
        fuel = fuels.get(fa.fuel) if fa.fuel else None
        factors[fa.id] = Factor(f"{pack.id}/{fa.id}", pack.id, pack.version, sha, fa, fuel, cites)
    return LoadedPack(pack, sha, origin, bundled, factors, fuels)


def _per_energy(entry: FactorEntry) -> bool:
    """Whether a factor is per unit of energy (a pack's ``basis`` applies to it)."""
    return parse_unit(str(entry.activity_unit)).dimensionality == unit_registry().get_dimensionality(
        "[energy]"
    )


def load_pack(source: str | Path | Traversable | Written, *, bundled: bool = False) -> LoadedPack:
    """Load and validate one factor pack from a file.

    A pack that is not *bundled* is a user's: read confined and bounded
    (:func:`nqi_carbon.data.packs.read_pack`).

    Raises
    ------
    PackError
        Naming the pack file, the entry and the field of every problem found.
    """
    path = Path(source) if isinstance(source, str) else source
    pack, sha = read_pack(path, FactorPack, expected_schema=FACTOR_PACK_SCHEMA, bundled=bundled)
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
def _user_pack(path: str, mtime_ns: int, size: int, roots: tuple[str, ...]) -> LoadedPack:
    # keyed by the file's identity, so an edited file is read again; *roots* are checked
    # again on the descriptor opened (a cached pack was checked before the lookup)
    target = Written(path, Path(path), None, "factor_packs", roots) if roots else Path(path)
    return load_pack(target)


def load_user_pack(path: str | os.PathLike[str]) -> LoadedPack:
    """Load a user pack, reusing the parsed pack while the file is unchanged.

    The path is checked against the folders allowed (a path written in an inventory, or
    any path under a :class:`~nqi_carbon.Sandbox`) on every call, before the cache is
    consulted: a pack read for one tenant is never handed to another whose folders do
    not hold it.
    """
    target: Path | Written = path if isinstance(path, Written) else Path(path)
    try:
        check_confined(target, what="factor pack")
    except InvalidInputError as exc:
        raise PackError(exc.issues, source=exc.source) from None
    box = current_sandbox()
    roots = target.roots if isinstance(target, Written) else (box.roots if box else ())
    p = Path(os.path.realpath(target.path if isinstance(target, Written) else target))
    try:
        st = p.stat()
    except OSError as exc:
        raise PackError(
            [Issue("file_unreadable", exc.strerror or str(exc), file=str(path))], source=str(path)
        ) from None
    return _user_pack(str(p), st.st_mtime_ns, st.st_size, roots)


@cache
def _bundled(pack_id: str) -> LoadedPack:
    return load_pack(data_root() / f"{pack_id}.yaml", bundled=True)


def bundled_factor_pack_ids() -> list[str]:
    """Return the ids of the bundled factor packs."""
    return [p for p in bundled_pack_ids() if p not in NON_FACTOR_PACKS]


def _allowed_and_pins(
    allowed: Iterable[str] | None, pins: Mapping[str, str] | None
) -> tuple[set[str] | None, dict[str, str]]:
    """The bundled pack ids allowed (None: all) and the version pins, by pack id.

    An allowed entry may pin a version (``ipcc-2006@1.2.0``); its pin joins *pins*.
    """
    wanted: dict[str, str] = dict(pins or {})
    if allowed is None:
        return None, wanted
    ids: set[str] = set()
    for a in allowed:
        pid, sep, ver = a.partition("@")
        ids.add(pid)
        if sep:
            wanted[pid] = ver
    return ids, wanted


def _registry_arguments(
    user_packs: Any, inline: Any, allowed: Any, pins: Any
) -> tuple[list[Any], list[FactorEntry], list[str] | None, dict[str, str] | None]:
    """The arguments of :class:`FactorRegistry`, checked before anything is read.

    One path given alone is one pack (not its characters); each path is checked as a
    path (:func:`~nqi_carbon._io.files.program_path`), paths written in a file stay as
    they are.

    Raises
    ------
    InvalidArgumentError
        ``argument_type`` for an argument of another type, naming it.
    """
    from .._io.files import program_path
    from ..errors import argument_error

    where = "FactorRegistry()"
    if isinstance(user_packs, str | os.PathLike | Written):
        user_packs = (user_packs,)

    def items(value: Any, name: str, allowed_text: str) -> list[Any]:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise argument_error(name, value, allowed_text, where=where)
        try:  # a scalar pint Quantity says it is iterable and is not
            return list(value)
        except TypeError:
            raise argument_error(name, value, allowed_text, where=where) from None

    packs = [
        p if isinstance(p, Written) else program_path(p, field=f"user_packs[{i}]", where=where)
        for i, p in enumerate(items(user_packs, "user_packs", "paths of pack files"))
    ]
    entries = items(inline, "inline", "FactorEntry models (an inventory's factors)")
    if not all(isinstance(e, FactorEntry) for e in entries):
        raise argument_error("inline", inline, "FactorEntry models", where=where)
    if allowed is not None:
        allowed = items(allowed, "allowed", "bundled pack ids (text)")
        if not all(isinstance(a, str) for a in allowed):
            raise argument_error("allowed", allowed, "bundled pack ids (text)", where=where)
    if pins is not None and not (
        isinstance(pins, Mapping) and all(isinstance(x, str) for kv in pins.items() for x in kv)
    ):
        raise argument_error("pins", pins, "a mapping of pack id to version (text)", where=where)
    return packs, entries, allowed, None if pins is None else dict(pins)


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
        Restrict bundled packs to these ids (an inventory's ``factor_packs``); an entry
        may pin a version, ``ipcc-2006@1.2.0``.
    pins : mapping of str to str, optional
        Versions the packs must have, by pack id (bundled or user), e.g.
        ``{"ipcc-2006": "1.0.0"}``.

    Raises
    ------
    PackError
        When a user pack or an inline factor is refused, or a pinned pack has another
        version (``factor_pack_version``, naming the version available).
    """

    def __init__(
        self,
        user_packs: Iterable[str | os.PathLike[str]] = (),
        inline: Iterable[FactorEntry] = (),
        *,
        allowed: Iterable[str] | None = None,
        pins: Mapping[str, str] | None = None,
    ) -> None:
        user_packs, inline, allowed, pins = _registry_arguments(user_packs, inline, allowed, pins)
        self._bundled_ids = bundled_factor_pack_ids()
        self._allowed, wanted = _allowed_and_pins(allowed, pins)
        self._user: dict[str, LoadedPack] = {}
        self._inline: dict[str, Factor] = {}
        self._applies: dict[str, list[Fuel]] | None = None
        issues = self._add_user_packs(user_packs)
        issues += self._add_inline(inline)
        for pid, ver in sorted(wanted.items()):
            issue = self._pin_issue(pid, ver, field="factor_packs")
            if issue is not None:
                issues.append(issue)
        if issues:
            raise PackError(issues)

    def _add_user_packs(self, user_packs: Iterable[str | os.PathLike[str]]) -> list[Issue]:
        """Load the user packs; the problems of ids that are a bundled pack's or repeated."""
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
        return issues

    def _add_inline(self, inline: Iterable[FactorEntry]) -> list[Issue]:
        """Add the inventory's inline factors; the problems of those refused (each left out).

        An inline id may not start with a pack id and '/', and its ``reference`` must name
        the evidence for its values.
        """
        issues: list[Issue] = []
        pack_ids = set(self._bundled_ids) | set(self._user)
        for i, entry in enumerate(inline):
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
            if len(entry.reference.strip()) < _MIN_INLINE_REFERENCE:
                issues.append(
                    Issue(
                        "inline_factor_reference",
                        f"inline factor {entry.id!r}: 'reference' must name the evidence for "
                        "its values (document, supplier statement, test report...)",
                        field=f"factors[{i}].reference",
                        source=entry.id,
                        value=repr(entry.reference),
                        raw=entry.reference,
                        allowed=f"text of at least {_MIN_INLINE_REFERENCE} characters "
                        "(not counting surrounding spaces)",
                    )
                )
                continue
            # the length check above is Citation.document's own rule, so this holds
            cite = Citation(
                id="inline",
                document=entry.reference,
                section="inventory inline factor",
                url="urn:nqi-carbon:inline",
                accessed=_dt.date(1970, 1, 1),
            )
            self._inline[entry.id] = Factor(
                entry.id, "inventory", "inline", "", entry, None, {"factor": cite}
            )
        return issues

    def _pin_issue(self, pack_id: str, version: str, *, field: str) -> Issue | None:
        """The problem with pinning *pack_id* to *version*, or None when it holds."""
        entry = repr(f"{pack_id}@{version}")
        if pack_id in self._user:
            have = self._user[pack_id].version
        elif pack_id in self._bundled_ids and (self._allowed is None or pack_id in self._allowed):
            have = _bundled(pack_id).version
        else:
            return Issue(
                "factor_pack_version",
                f"a version is pinned for {pack_id!r}, which is no pack loaded here",
                field=field,
                value=entry,
                allowed=", ".join(self.pack_ids()),
            )
        if not _VERSION.match(version):
            return Issue(
                "factor_pack_version",
                f"a pack version pin is written <pack>@MAJOR.MINOR.PATCH; pack {pack_id!r} "
                f"is at version {have}",
                field=field,
                value=entry,
                allowed=f"{pack_id}@{have}, or {pack_id} without a pin",
            )
        if version != have:
            return Issue(
                "factor_pack_version",
                f"pack {pack_id!r} is pinned to version {version}, but the version available "
                f"is {have}; results would not use the values the pin asks for",
                field=field,
                value=entry,
                allowed=f"{pack_id}@{have}, or {pack_id} without a pin",
            )
        return None

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
                raise UnknownFactorError(pack_id, reason=self._not_listed(pack_id))
            return _bundled(pack_id)
        raise UnknownFactorError(
            pack_id, reason="no such pack", matches=close_matches(pack_id, self.pack_ids())
        )

    def _not_listed(self, pack_id: str) -> str:
        """Why bundled pack *pack_id* cannot be used here, and the fix."""
        listed = ", ".join(sorted(self._allowed or ())) or "empty"
        return (
            f"pack {pack_id!r} is not listed in the inventory's factor_packs ({listed}); "
            f"add {pack_id} to factor_packs to use it"
        )

    # -- lookups ---------------------------------------------------------------------
    def _split(self, ref: str, kind: str = "factor") -> tuple[LoadedPack, str]:
        m = _REF.match(ref)
        if not m:
            raise _unknown(kind, ref, reason="a reference is '<pack>/<factor-id>'")
        pack_id, version, rest = m.group("pack"), m.group("version"), m.group("rest")
        if pack_id not in self._user and pack_id not in self._bundled_ids:
            raise _unknown(
                kind,
                ref,
                reason=f"no pack {pack_id!r}",
                matches=close_matches(pack_id, self.pack_ids()),
            )
        if pack_id not in self._user and self._allowed is not None and pack_id not in self._allowed:
            raise _unknown(kind, ref, reason=self._not_listed(pack_id))
        lp = self.pack(pack_id)
        if version is not None and version != lp.version:
            raise _unknown(
                kind, ref, reason=f"pack {pack_id!r} is at version {lp.version}, not {version}"
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
            matches = close_matches(ref, candidates) + self._suggest_without_pack(ref)
            if m is not None:
                pid = m.group("pack")
                raise UnknownFactorError(
                    ref,
                    reason=f"no pack {pid!r} and no inline factor of that id "
                    f"(packs: {', '.join(self.pack_ids())})",
                    matches=_unique(
                        matches
                        + [f"{p}/{m.group('rest')}" for p in close_matches(pid, self.pack_ids())]
                    ),
                )
            raise UnknownFactorError(
                ref,
                reason="no inline factor of that id; a pack factor is '<pack>/<factor-id>' "
                f"(packs: {', '.join(self.pack_ids())})",
                matches=_unique(matches),
            )
        lp, rest = self._split(ref)
        if rest in lp.factors:
            return lp.factors[rest]
        if rest.startswith("fuel/") and rest[5:] in lp.fuels:
            raise UnknownFactorError(
                ref,
                reason=f"{ref!r} is a fuel (its NCV and carbon content), not an emission factor; "
                "choose a factor that names this fuel",
                matches=[f.ref for f in lp.factors.values() if f.entry.fuel == rest[5:]][:5],
            )
        raise UnknownFactorError(
            ref,
            reason=f"pack {lp.id!r} has no factor {rest!r}",
            matches=[f"{lp.id}/{x}" for x in close_matches(rest, lp.factors)],
        )

    def _suggest_without_pack(self, text: str, *, fuels: bool = False, limit: int = 8) -> list[str]:
        """Ids in every pack that are *text* or end with '/' + *text* (fuels if *fuels*).

        For a reference written without its pack (``natural_gas``,
        ``stationary/natural_gas``); falls back to close matches of the ids.
        """
        exact: list[str] = []
        tails: dict[str, list[str]] = {}
        for pid in self.pack_ids():
            try:
                lp = self.pack(pid)
            except NqiCarbonError:  # pragma: no cover - pack_ids() lists loadable packs
                continue
            ids = [*lp.factors, *(f"fuel/{x}" for x in (lp.fuels if fuels else ()))]
            for fid in ids:
                if fid == text or fid.endswith("/" + text):
                    exact.append(f"{pid}/{fid}")
                tails.setdefault(fid, []).append(f"{pid}/{fid}")
                tails.setdefault(fid.rsplit("/", 1)[-1], []).append(f"{pid}/{fid}")
        if exact:
            return exact[:limit]
        out: list[str] = []
        for hit in close_matches(text, tails, n=3):
            out.extend(tails[hit])
        return _unique(out)[:limit]

    def suggest_fuels(self, text: str) -> list[str]:
        """Fuel ids in every pack that *text* names or resembles (``anthracite``, ``fuel/coal``...).

        *text* may carry a pack or a section (only its last part is compared).
        """
        tail = text.rsplit("/", 1)[-1]
        return [x for x in self._suggest_without_pack("fuel/" + tail, fuels=True) if "/fuel/" in x]

    def resolve_fuel(self, ref: str) -> Fuel:
        """Return the fuel for ``pack/fuel/<fuel-id>``.

        Raises
        ------
        UnknownFactorError
            Saying ``unknown fuel``, with close matches (across every pack when the pack
            is missing or has none), or naming the fix when the pack is not among the
            inventory's ``factor_packs``.
        """
        m = _REF.match(ref) if isinstance(ref, str) else None
        if m is None or (
            m.group("pack") not in self._bundled_ids and m.group("pack") not in self._user
        ):
            text = str(ref) if m is None else m.group("rest")
            raise _unknown(
                "fuel",
                str(ref),
                reason=f"a fuel is '<pack>/fuel/<fuel-id>' (packs: {', '.join(self.pack_ids())})",
                matches=self.suggest_fuels(text),
            )
        lp, rest = self._split(ref, "fuel")
        if rest.startswith("fuel/") and rest[5:] in lp.fuels:
            return lp.fuels[rest[5:]]
        raise _unknown(
            "fuel",
            ref,
            reason=f"pack {lp.id!r} has no fuel {rest.removeprefix('fuel/')!r}",
            matches=[
                f"{lp.id}/fuel/{x}" for x in close_matches(rest.removeprefix("fuel/"), lp.fuels)
            ]
            or self.suggest_fuels(rest),
        )

    def properties_for(self, ref: str) -> list[Fuel]:
        """The fuels whose ``applies_to`` names *ref* (a factor or fuel reference), by ref.

        Only the bundled :data:`PROPERTIES_PACK` (when the inventory's ``factor_packs``
        allow it) and user packs are searched: the other bundled packs state no
        ``applies_to`` (a test holds them to that), so the answer never depends on which
        packs happened to be loaded.
        """
        if self._applies is None:
            index: dict[str, list[Fuel]] = {}
            packs = [p for p in self.pack_ids() if p == PROPERTIES_PACK or p in self._user]
            for pid in packs:
                for fuel in self.pack(pid).fuels.values():
                    for target in fuel.entry.applies_to:
                        index.setdefault(target, []).append(fuel)
            self._applies = {k: sorted(v, key=lambda f: f.ref) for k, v in index.items()}
        return list(self._applies.get(ref, ()))

    def properties_missing_hint(self) -> str:
        """How to reach the bundled fuel properties when the inventory's packs leave them out."""
        if PROPERTIES_PACK in self.pack_ids() or PROPERTIES_PACK not in self._bundled_ids:
            return ""
        return (
            f"the bundled pack {PROPERTIES_PACK!r} has densities and NCV/GCV ratios of the "
            f"common fuels: add {PROPERTIES_PACK} to the inventory's factor_packs"
        )

    def unit_mismatch_hint(self, factor: Factor, unit: str) -> str:
        """Why an activity in *unit* cannot reach a per-energy *factor* that names no fuel.

        Returns '' when there is nothing to add (the factor is not per energy, names a
        fuel, states no calorific basis, or *unit* does not parse). Otherwise one clause: the factor is per heat
        input on its calorific basis and names no fuel, so the activity must be given as
        energy on that basis, or a factor per the activity's kind of unit chosen (same
        pack factors whose id extends this one's and that take *unit* are named).
        """
        if factor.fuel is not None or factor.entry.fuel is not None:
            return ""
        try:
            given = parse_unit(unit)
            base = parse_unit(factor.activity_unit)
        except NqiCarbonError:
            return ""
        ureg = unit_registry()
        if base.dimensionality != ureg.get_dimensionality("[energy]"):
            return ""
        basis = factor.entry.basis
        if basis is None:
            return ""
        on, as_energy, value = {
            "GCV": ("a gross calorific value (GCV, HHV) basis", "an HHV", "higher"),
            "NCV": ("a net calorific value (NCV, LHV) basis", "an NCV (LHV)", "net"),
        }[basis]
        kind = "mass" if given.dimensionality == ureg.get_dimensionality("[mass]") else "volume"
        if kind == "volume" and given.dimensionality == base.dimensionality:
            return ""
        alternatives: list[str] = []
        if factor.pack_id in self.pack_ids():  # user packs included
            for other in self.pack(factor.pack_id).factors.values():
                if other.ref.startswith(factor.ref + "-"):
                    try:
                        fits = (
                            parse_unit(other.activity_unit).dimensionality == given.dimensionality
                        )
                    except NqiCarbonError:  # pragma: no cover - pack units are checked on load
                        fits = False
                    if fits:
                        alternatives.append(other.ref)
        return f"factor {factor.ref} is per {factor.activity_unit} of heat input on {on} and " + (
            f"names no fuel, so an amount in {unit!r} cannot be turned into energy: give the "
            f"activity as {as_energy} energy amount in {factor.activity_unit} (amount x the "
            f"fuel's {value} heating value), or choose a factor per {kind}"
            + (f" such as {', '.join(alternatives)}" if alternatives else "")
        )

    def factors(self) -> list[Factor]:
        """Every factor of every pack (loads all packs), bundled first, in pack order."""
        out: list[Factor] = []
        for pid in self.pack_ids():
            out.extend(self.pack(pid).factors.values())
        out.extend(self._inline.values())
        return out

    def fuels(self) -> list[Fuel]:
        """Every fuel of every pack (loads all packs), bundled first, in pack order."""
        out: list[Fuel] = []
        for pid in self.pack_ids():
            out.extend(self.pack(pid).fuels.values())
        return out

    def fuel_region(self, fuel: Fuel) -> str:
        """The region of a pack fuel: its pack's (see :attr:`LoadedPack.region`)."""
        return self.pack(fuel.pack_id).region

    def search(
        self,
        text: str | None = None,
        *,
        gas: str | None = None,
        region: str | None = None,
        year: int | None = None,
        unit: str | None = None,
        category: str | None = None,
    ) -> SearchResults[Factor]:
        """Find factors by words, gas, region and year; every criterion given must match.

        Parameters
        ----------
        text : str, optional
            Words, each matched case-insensitively as a substring. They are looked for in
            each factor's reference, name and fuel id; only when no factor has every word
            there are the notes searched too (so ``national grid`` finds the grid
            factors, not every factor whose notes mention a national grid).
        gas : str, optional
            A species the factor gives (``CH4``, ``HFC134a``...); ``CO2e`` selects the
            factors given directly as CO2e.
        region : str, optional
            The factor's region, or a subdivision of it (``CN`` also finds ``CN-JS``).
        year : int, optional
            A year the factor's ``valid`` span covers, or its ``data_year``. A factor that
            states neither is kept (it is not tied to any year).
        unit : str, optional
            An activity unit (``L``, ``gallon``, ``room_night``, ``MWh``): the factors whose
            ``activity_unit`` it converts to (same dimension), so ``diesel`` with
            ``unit="L"`` finds the per-litre factors and not the per-tonne ones.
        category : str, optional
            The leading parts of the factor's id, split at ``/`` (case-insensitive):
            ``hotel-stay``, ``stationary``, ``business-travel-air/flights``, ``naics``, or
            with its pack, ``uk-desnz-2025/hotel-stay``. ``fuel`` selects the fuels. A
            category no bundled or loaded entry has is an
            :class:`~nqi_carbon.errors.InvalidInputError` (``unknown_factor_category``)
            listing the first parts there are; :meth:`categories` lists them.

        Returns
        -------
        SearchResults of Factor
            A list, with a short ``repr`` and a table in a notebook
            (:class:`~nqi_carbon.data.display.SearchResults`): those where more words are
            a whole part of the id or name (``烟煤`` is a part of ``Bituminous coal 烟煤``,
            only inside ``无烟煤``) first, then by reference, so the same query always
            gives the same list.

        See Also
        --------
        search_fuels, search_all
        """
        labelled, in_notes = self._find(
            text, gas, region, year, unit, category, factors=True, fuels=False
        )
        return SearchResults(f for f in labelled or in_notes if isinstance(f, Factor))

    def search_fuels(
        self,
        text: str | None = None,
        *,
        gas: str | None = None,
        region: str | None = None,
        year: int | None = None,
        unit: str | None = None,
        category: str | None = None,
    ) -> SearchResults[Fuel]:
        """Find fuels (NCV, carbon content) by words, gas, region and year, as :meth:`search`.

        Words are looked for in the fuel's reference and name (then its notes). A fuel's
        region is its pack's (:attr:`LoadedPack.region`: ``CN`` for ``cn-mee``, ``GLOBAL``
        for ``ipcc-2006``). The gas of a fuel is ``CO2`` when it states a carbon content
        (the carbon-content method gives CO2 only); ``CO2e`` and other gases match no fuel.
        Fuels state no validity, so *year* keeps them all. With *unit*, a fuel is kept when
        its net calorific value turns an amount in that unit into energy (``t`` for a fuel
        whose NCV is per mass, ``Nm3`` for one per normal volume). *category* ``fuel``
        keeps them all (``fuel/diesel`` one). Ordered as :meth:`search`.
        """
        labelled, in_notes = self._find(
            text, gas, region, year, unit, category, factors=False, fuels=True
        )
        return SearchResults(f for f in labelled or in_notes if isinstance(f, Fuel))

    def search_all(
        self,
        text: str | None = None,
        *,
        gas: str | None = None,
        region: str | None = None,
        year: int | None = None,
        unit: str | None = None,
        category: str | None = None,
    ) -> SearchResults[Factor | Fuel]:
        """Factors and fuels matching the criteria (see :meth:`search`, :meth:`search_fuels`).

        The notes are searched only when neither a factor nor a fuel has every word in its
        reference or name. Ordered as :meth:`search`.
        """
        labelled, in_notes = self._find(
            text, gas, region, year, unit, category, factors=True, fuels=True
        )
        return SearchResults(labelled or in_notes)

    def _find(
        self,
        text: str | None,
        gas: str | None,
        region: str | None,
        year: int | None,
        unit: str | None = None,
        category: str | None = None,
        *,
        factors: bool,
        fuels: bool,
    ) -> tuple[list[Factor | Fuel], list[Factor | Fuel]]:
        """(matched in reference/name, matched only with the notes) for the criteria, ranked.

        Each list is ordered by how many words are not a whole part of the label, then by
        reference.
        """
        words = [w.lower() for w in (text or "").split()]
        want_gas: str | None = None
        if gas is not None and gas.strip().lower() == "co2e":
            want_gas = "CO2e"
        elif gas:
            want_gas = normalise_gas(gas)

        takes = _unit_filter(unit)
        in_category = self._category_filter(category)

        def in_region(r: str) -> bool:
            return (
                region is None
                or r.upper() == region.upper()
                or r.upper().startswith(region.upper() + "-")
            )

        labelled: list[Factor | Fuel] = []
        in_notes: list[Factor | Fuel] = []
        inexact: dict[str, int] = {}  # ref -> words that are not a whole part of the label

        def sort(item: Factor | Fuel, label: str, notes: str | None) -> None:
            label = label.lower()
            if all(w in label for w in words):
                labelled.append(item)
            elif all(w in f"{label} {notes or ''}".lower() for w in words):
                in_notes.append(item)
            else:
                return
            # rank by the parts after the pack id: every ref of uk-desnz-2025 holds 'uk'
            parts = set(_LABEL_PARTS.split(label.removeprefix(item.pack_id.lower() + "/")))
            inexact[item.ref] = sum(w not in parts for w in words)

        for f in self.factors() if factors else ():
            e = f.entry
            if want_gas == "CO2e" and e.co2e is None:
                continue
            if want_gas not in (None, "CO2e") and want_gas not in (e.gases or {}):
                continue
            if not in_region(e.region):
                continue
            if year is not None and not _covers_year(e, year):
                continue
            if not takes(f.activity_unit) or not in_category(f):
                continue
            sort(f, " ".join(x for x in (f.ref, e.name or "", e.fuel or "") if x), e.notes)
        for fuel in self.fuels() if fuels else ():
            if want_gas is not None and (
                want_gas != "CO2" or fuel.parameter("carbon_content") is None
            ):
                continue
            if not in_region(self.fuel_region(fuel)) or not in_category(fuel):
                continue
            ncv = fuel.parameter("ncv")
            if unit is not None and (ncv is None or not takes(unit, per=ncv.unit)):
                continue
            sort(fuel, f"{fuel.ref} {fuel.entry.name or ''}", fuel.entry.notes)

        def rank(item: Factor | Fuel) -> tuple[int, str]:
            return inexact[item.ref], item.ref

        return sorted(labelled, key=rank), sorted(in_notes, key=rank)

    def categories(self) -> list[str]:
        """The first parts of the factor ids (and ``fuel``), sorted: what ``category`` takes.

        ``category`` also takes longer prefixes (``business-travel-air/flights``) and the
        pack-qualified form (``uk-desnz-2025/hotel-stay``).
        """
        firsts = {_id_parts(f)[0] for f in self.factors()}
        return sorted(firsts | ({"fuel"} if self.fuels() else set()))

    def _category_filter(self, category: str | None) -> Callable[[Factor | Fuel], bool]:
        """Return ``in_category(item)`` for *category*; refuse one no entry has."""
        if category is None:
            return lambda _item: True
        want = category.strip().lower().split("/")

        def in_category(item: Factor | Fuel) -> bool:
            parts = _id_parts(item)
            n = len(want)
            return parts[:n] == want or [item.pack_id.lower(), *parts][:n] == want

        entries: list[Factor | Fuel] = [*self.factors(), *self.fuels()]
        if "" in want or not any(in_category(i) for i in entries):
            raise InvalidInputError(
                [
                    Issue(
                        "unknown_factor_category",
                        f"no factor or fuel is in category {category!r} (the leading parts "
                        "of an id, split at '/')",
                        field="category",
                        value=repr(category),
                        allowed=", ".join(self.categories()),
                    )
                ]
            )
        return in_category

    def resolve_any(self, ref: str) -> Factor | Fuel:
        """Return the factor or the fuel *ref* names (``pack/id`` or ``pack/fuel/id``).

        Raises
        ------
        UnknownFactorError
            Saying ``unknown factor or fuel`` with close matches of both kinds when *ref*
            names neither; a reference written as a fuel (``<pack>/fuel/...``) gets the
            fuel's error.
        """
        try:
            return self.resolve(ref)
        except UnknownFactorError as exc:
            if not isinstance(ref, str) or not ref:
                raise
            m = _REF.match(ref)
            rest = m.group("rest") if m else ref
            if rest.startswith("fuel/") or ref.startswith("fuel/"):
                return self.resolve_fuel(ref)
            pid = m.group("pack") if m else None
            if self._allowed is not None and pid in self._bundled_ids and pid not in self._allowed:
                raise  # the fix is to list the pack, not another id
            if m is not None and (m.group("version") or pid not in self.pack_ids()):
                raise  # a wrong version or an unknown pack: its own reason says what to fix
            fuels = self.suggest_fuels(ref)
            if not fuels:
                raise
            raise _unknown(
                "factor or fuel",
                ref,
                reason="a factor is '<pack>/<factor-id>', a fuel '<pack>/fuel/<fuel-id>' "
                f"(packs: {', '.join(self.pack_ids())})",
                matches=_unique([*exc.details.get("matches", ()), *fuels]),
            ) from None


def _unit_filter(unit: str | None) -> Callable[..., bool]:
    """Return ``takes(activity_unit)``: whether an amount in *unit* can be given to it.

    ``takes(u, per=ncv_unit)`` asks instead whether *unit* times a fuel's NCV is energy.
    No *unit*: everything is taken. A *unit* that does not parse raises its
    :class:`~nqi_carbon.errors.UnknownUnitError` here, before any pack is searched.
    """
    if unit is None:
        return lambda _u, per=None: True
    given = parse_unit(unit).dimensionality
    energy = unit_registry().get_dimensionality("[energy]")

    def takes(activity_unit: str, per: str | None = None) -> bool:
        if per is not None:
            return bool((parse_unit(per) * parse_unit(activity_unit)).dimensionality == energy)
        return bool(parse_unit(activity_unit).dimensionality == given)

    return takes


def _id_parts(item: Factor | Fuel) -> list[str]:
    """The parts of an entry's id within its pack, lower-case (``fuel/<id>`` for a fuel)."""
    return item.ref.removeprefix(item.pack_id + "/").lower().split("/")


def _covers_year(e: FactorEntry, year: int) -> bool:
    """True when the factor's validity covers *year* or its data year is *year*."""
    if e.valid is None and e.data_year is None:
        return True
    if e.data_year == year:
        return True
    v = e.valid
    return v is not None and v.from_ <= year and (v.to is None or year <= v.to)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unknown(
    kind: str, ref: str, *, reason: str = "", matches: Sequence[str] = ()
) -> UnknownFactorError:
    """An :class:`UnknownFactorError` that says what was looked for (``fuel``...).

    The type stays ``UnknownFactorError`` (so callers and reason codes are unchanged);
    only the first words of the message name the *kind* (``unknown fuel 'x'``).
    """
    err = UnknownFactorError(ref, reason=reason, matches=matches)
    if kind != "factor":
        err.message = f"unknown {kind}" + err.message.removeprefix("unknown factor")
        err.args = (err.message,)
    return err


@lru_cache(maxsize=1)
def default_registry() -> FactorRegistry:
    """The registry of bundled packs only (cached)."""
    return FactorRegistry()


_PATH_PIN = re.compile(r"^(?P<path>.+)@(?P<version>\d+(?:\.\d+)*)$")


def _pack_request(
    inv: Inventory,
) -> tuple[list[str], list[Written], list[tuple[int, str | Written, str]]]:
    """Bundled ids, user pack paths and version pins ``(index, pack id or path, version)``.

    A bundled id may carry a pin (``ipcc-2006@1.2.0``); so may a user pack path
    (``packs/mine.yaml@2.1.0``) unless a file of that whole name exists. User pack paths
    are read from the inventory's folder and confined like activity files
    (:func:`nqi_carbon._io.files.written_path`).
    """
    bundled = set(bundled_factor_pack_ids())
    allowed: list[str] = []
    paths: list[Written] = []
    pins: list[tuple[int, str | Written, str]] = []

    def where(text: str, i: int) -> Written:
        return written_path(text, source_path=inv.source_path, field=f"factor_packs[{i}]")

    for i, entry in enumerate(inv.factor_packs):
        pid, sep, version = entry.partition("@")
        if pid in bundled:
            allowed.append(pid)
            if sep:
                pins.append((i, pid, version))
            continue
        m = _PATH_PIN.match(entry)
        if m is not None and not where(entry, i).path.is_file():
            paths.append(where(m.group("path"), i))
            pins.append((i, paths[-1], m.group("version")))
        else:
            paths.append(where(entry, i))
    return allowed, paths, pins


def _pack_state(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, modification time, size) per file, -1 when missing: a file-state cache key."""
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

    Raises
    ------
    PackError
        A user pack or inline factor is refused, or a pack pinned in ``factor_packs``
        (``ipcc-2006@1.2.0``) is at another version (``factor_pack_version``).
    """
    allowed, paths, pins = _pack_request(inv)
    key = ("registry", _pack_state([w.path for w in paths]))
    reg = inv._cache.get(key)
    if reg is None:
        try:
            reg = FactorRegistry(paths, inv.factors, allowed=allowed if inv.factor_packs else None)
        except PackError as exc:
            raise PackError(
                [i if i.file else replace(i, file=inv.source_path) for i in exc.issues],
                source=getattr(exc, "source", None) or inv.source_path,
            ) from None
        issues = []
        for i, target, version in pins:
            user = isinstance(target, Written)
            pid = load_user_pack(target).id if isinstance(target, Written) else target
            issue = reg._pin_issue(pid, version, field=f"factor_packs[{i}]")
            if issue is not None:
                issue = replace(issue, file=inv.source_path, value=repr(inv.factor_packs[i]))
                if user and pid in reg._user:  # a user pack is listed by its path, not its id
                    path = inv.factor_packs[i].rsplit("@", 1)[0]
                    have = reg._user[pid].version
                    issue = replace(issue, allowed=f"{path}@{have}, or {path} without a pin")
                issues.append(issue)
        if issues:
            raise PackError(issues, source=inv.source_path)
        if any(isinstance(k, tuple) and k and k[0] == "registry" for k in inv._cache):
            # the user packs changed on disk: drop everything planned with the old ones
            inv._cache.clear()
        inv._cache[key] = reg
    assert isinstance(reg, FactorRegistry)
    return reg
