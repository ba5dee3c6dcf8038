"""What one read may cost (:class:`Limits`) and which folders it may read (:class:`Sandbox`).

Every reader of nqi-carbon (YAML/JSON documents, activity tables, factor packs, claims,
trajectory series) asks :func:`current_limits` for its bounds and :func:`current_sandbox`
for the folders it may read. Both come from a :class:`contextvars.ContextVar`, so a
``with Sandbox(...):`` or ``with Limits(...):`` block applies to the thread or asyncio task
that entered it (and to the tasks it starts), never to other requests of a service.
Without either, the defaults of :class:`Limits` apply; they are safe for a service that
reads files from its users. See docs/guarantees.md, "Untrusted input".
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any, NamedTuple

from .errors import InvalidInputError, Issue

__all__ = [
    "CACHE_ENTRIES",
    "BoundedCache",
    "Limits",
    "Sandbox",
    "current_limits",
    "current_sandbox",
    "limit_issue",
]

CACHE_ENTRIES = 32
"""Entries an inventory keeps of what it computed (plans, unit tables, line layouts...)."""


class BoundedCache(OrderedDict[Any, Any]):
    """A mapping that keeps at most *maxsize* entries, dropping the least recently used.

    Reading an entry (``get``, ``[]``) makes it the most recently used; setting one beyond
    *maxsize* drops the oldest. What it holds is only ever a copy of what can be computed
    again, so an entry dropped costs time, never a different result.
    """

    def __init__(self, maxsize: int = CACHE_ENTRIES) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        """The entry *key* (now the most recently used), or *default*."""
        if key in self:
            return self[key]
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)

class _Block:
    """Leaving a ``with`` block restores the limits and sandbox in force before it."""

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _pop()


@dataclass(frozen=True, kw_only=True)
class Limits(_Block):
    """Bounds on the work and memory one input may cost; every limit hit is a typed error.

    All arguments are keyword-only; each error names the limit and the value it would need.
    Use it as a context manager (``with nqi_carbon.Limits(max_table_rows=10_000_000):``)
    or give it to a :class:`Sandbox`.

    Parameters
    ----------
    max_document_bytes : int
        Bytes of one YAML or JSON document (inventory, claim, factor pack) [bytes].
        Default 32 MiB.
    max_table_bytes : int
        Bytes of one table file (activity CSV, Excel or Parquet; trajectory CSV) as
        stored, and of each part of an ``.xlsx`` and the declared data of a Parquet file
        once decompressed [bytes]. Default 256 MiB.
    max_table_rows : int
        Data rows of one table. Default 2,000,000.
    max_table_columns : int
        Columns of one table (a CSV header, the widest Excel row, Parquet columns).
        Default 1,000.
    max_table_cells : int
        Cells of one table: rows x columns, and for Excel also every cell the sheet
        stores, empty or not. Default 20,000,000.
    max_depth : int
        How deeply mappings and lists may nest in a YAML or JSON document (``{a: [1]}``
        nests 2 deep), aliases followed. Default 64.
    max_nodes : int
        Values (nodes) of a YAML document, aliases expanded. Default 2,000,000.
    max_issues : int
        Problems listed in one :class:`~nqi_carbon.errors.InvalidInputError`; the rest
        are counted by reason code in a last ``issues_truncated`` issue. Default 100.
    """

    max_document_bytes: int = 32 * 1024 * 1024
    max_table_bytes: int = 256 * 1024 * 1024
    max_table_rows: int = 2_000_000
    max_table_columns: int = 1_000
    max_table_cells: int = 20_000_000
    max_depth: int = 64
    max_nodes: int = 2_000_000
    max_issues: int = 100

    def __post_init__(self) -> None:
        bad = [
            Issue(
                "limit_value",
                "a limit is a whole number >= 1",
                field=f.name,
                value=repr(getattr(self, f.name)),
                allowed="an int >= 1",
            )
            for f in fields(self)
            if isinstance(getattr(self, f.name), bool)
            or not isinstance(getattr(self, f.name), int)
            or getattr(self, f.name) < 1
        ]
        if bad:
            raise InvalidInputError(bad, source="Limits")

    def __enter__(self) -> Limits:
        _push(_State(current_sandbox(), self))
        return self


class Sandbox(_Block):
    """Confine every file nqi-carbon reads to folders, under :class:`Limits`.

    What an MRV service wraps around the work it does for one tenant::

        with nqi_carbon.Sandbox(base_dir=tenant_dir, limits=nqi_carbon.Limits(...)):
            inv = nqi_carbon.load_inventory(tenant_dir / "inventory.yaml")
            result = nqi_carbon.calculate(inv)

    Inside the block every path read (the inventory file, its ``activity_files`` and
    user ``factor_packs``, claims, trajectory files, :func:`~nqi_carbon.read_activity`)
    must lie inside *base_dir* or one of the *allow* folders once symbolic links are
    resolved, and be a regular file (no device, FIFO, socket or folder); anything else
    is an :class:`~nqi_carbon.errors.InvalidInputError` (``path_outside_base``,
    ``path_not_regular_file``) that names the path as written and never shows the
    file's content. Relative paths written in an inventory are read from the
    inventory's folder (from *base_dir* for an inventory given as a mapping). The
    bundled data packs are not affected.

    The sandbox holds for the thread or asyncio task that entered it (a
    :class:`contextvars.ContextVar`), and for the asyncio tasks started inside it; work
    handed to another thread needs its own ``with``.

    Parameters
    ----------
    base_dir : path
        The tenant's folder; it must exist.
    allow : iterable of path, optional
        Further folders that may be read (e.g. shared factor packs).
    limits : Limits, optional
        The limits inside the block (default: those in force where the block is entered,
        the defaults of :class:`Limits` unless a ``with Limits(...)`` encloses it).

    Raises
    ------
    InvalidInputError
        ``sandbox_folder`` when *base_dir* or an *allow* entry is not an existing folder.
    """

    __slots__ = ("_allow", "_base_dir", "_limits")

    def __init__(
        self,
        base_dir: str | os.PathLike[str],
        *,
        allow: Iterable[str | os.PathLike[str]] = (),
        limits: Limits | None = None,
    ) -> None:
        if isinstance(allow, str | os.PathLike):
            allow = (allow,)  # one folder given alone, not its characters
        issues: list[Issue] = []
        self._base_dir = _folder(base_dir, "base_dir", issues)
        allow = _entries(allow, issues)
        self._allow = tuple(_folder(a, f"allow[{i}]", issues) for i, a in enumerate(allow))
        if limits is not None and not isinstance(limits, Limits):
            issues.append(
                Issue(
                    "limit_value",
                    "limits must be a nqi_carbon.Limits",
                    field="limits",
                    value=type(limits).__name__,
                    allowed="nqi_carbon.Limits(...)",
                )
            )
        if issues:
            raise InvalidInputError(issues, source="Sandbox")
        self._limits = limits

    @property
    def base_dir(self) -> str:
        """The base folder, symbolic links resolved."""
        return self._base_dir

    @property
    def allow(self) -> tuple[str, ...]:
        """The further folders that may be read, symbolic links resolved."""
        return self._allow

    @property
    def limits(self) -> Limits | None:
        """The limits set for the sandbox (None: those in force where it is entered)."""
        return self._limits

    @property
    def roots(self) -> tuple[str, ...]:
        """Every folder that may be read: the base folder, then the allowed ones."""
        return (self._base_dir, *self._allow)

    def __repr__(self) -> str:
        return (
            f"Sandbox(base_dir={self._base_dir!r}, allow={self._allow!r}, limits={self._limits!r})"
        )

    def __enter__(self) -> Sandbox:
        _push(_State(self, self._limits if self._limits is not None else current_limits()))
        return self


def _entries(allow: Any, issues: list[Issue]) -> tuple[Any, ...]:
    """The entries of *allow*; anything that is no collection of them is an issue."""
    if not isinstance(allow, bytes | Mapping):
        try:  # a scalar pint Quantity says it is iterable, and is not
            return tuple(allow)
        except TypeError:
            pass
    issues.append(_not_a_folder(allow, "allow"))
    return ()


def _not_a_folder(value: Any, name: str) -> Issue:
    return Issue(
        "sandbox_folder",
        "not an existing folder",
        field=name,
        value=repr(value)[:200],
        allowed="an existing folder (a path: text or os.PathLike)",
    )


def _folder(path: str | os.PathLike[str], name: str, issues: list[Issue]) -> str:
    text = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if not isinstance(text, str) or "\x00" in text:  # no folder has such a name
        issues.append(_not_a_folder(path, name))
        return ""
    real = os.path.realpath(text)
    if not os.path.isdir(real):
        issues.append(_not_a_folder(text, name))
    return real


class _State(NamedTuple):
    sandbox: Sandbox | None
    limits: Limits


_DEFAULT = _State(None, Limits())


_STATE: ContextVar[_State] = ContextVar("nqi_carbon_limits", default=_DEFAULT)


# the tokens of the blocks entered, innermost last: context-local like the state itself
_TOKENS: ContextVar[tuple[Token[_State], ...]] = ContextVar("nqi_carbon_limit_tokens", default=())


def _push(state: _State) -> None:
    token = _STATE.set(state)
    _TOKENS.set((*_TOKENS.get(), token))


def _pop() -> None:
    tokens = _TOKENS.get()
    _TOKENS.set(tokens[:-1])
    _STATE.reset(tokens[-1])


def current_limits() -> Limits:
    """The limits in force here: the innermost ``with Limits``/``Sandbox``, else defaults."""
    return _STATE.get().limits


def current_sandbox() -> Sandbox | None:
    """The innermost active :class:`Sandbox`, or None."""
    return _STATE.get().sandbox


def limit_issue(
    code: str,
    message: str,
    *,
    limit_name: str,
    limit: int,
    unit: str,
    file: str | None = None,
    row: int | None = None,
    field: str | None = None,
    value: str | None = None,
) -> Issue:
    """An issue for a limit that was hit: what, the limit, and how to raise it."""
    return Issue(
        code,
        message,
        file=file,
        row=row,
        field=field,
        value=value,
        allowed=f"at most {limit:,} {unit}; to allow more, raise nqi_carbon.Limits({limit_name}=...)"
        " (in Python: `with nqi_carbon.Limits(...):` or a Sandbox's limits=; on the command line:"
        f" --limit {limit_name}=N)",
    )
