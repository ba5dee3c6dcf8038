"""Safe, strict and bounded YAML reading for inventories and data packs.

PyYAML's ``safe_load`` still has traps that silently change data (see
docs/guarantees.md): ``1e3`` becomes a *string*, ``NO`` becomes ``False``, ``0755``
becomes ``493``, a duplicated key silently keeps the last value, and aliases can expand
exponentially ("billion laughs"). This loader:

* accepts only standard tags (``!!python/...`` and other tags are refused), and a value
  given a tag must be written as that type (``!!float abc`` is refused, not a crash);
* resolves ``true``/``false`` (any case form YAML 1.2 allows) as booleans and nothing else;
* resolves decimal integers without leading zeros as ``int`` and decimal/exponent
  notation (``1e3``, ``2.5E-4``, ``.inf``, ``.nan``) as ``float``; everything else that
  is unquoted is a string (``NO``, ``0755``, ``0x1F``, ``1_000``, ``12:30``);
* refuses duplicate keys, integers of more than :data:`MAX_INT_DIGITS` digits, and --
  within the active :class:`~nqi_carbon.Limits` -- documents larger than
  ``max_document_bytes``, nesting deeper than ``max_depth`` and more than ``max_nodes``
  values, aliases expanded (each checked while the document is composed, before any
  deep recursion or large allocation).

It runs on libyaml (PyYAML's ``CSafeLoader``) when PyYAML was built with it, and on the
pure-Python loader otherwise: the scanner and parser differ, the resolvers, constructors
and checks above are the same Python code in both.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import InvalidInputError, Issue
from ..limits import Limits, current_limits, limit_issue

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_NODES",
    "MAX_INT_DIGITS",
    "dump_yaml_text",
    "load_yaml_file",
    "load_yaml_text",
]

DEFAULT_MAX_BYTES = Limits().max_document_bytes


DEFAULT_MAX_NODES = Limits().max_nodes


MAX_INT_DIGITS = 4300
"""Digits of the longest integer read (Python's own limit for int from text)."""


_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


_FLOAT = re.compile(
    r"(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
)


_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


_NULL = {"", "~", "null", "Null", "NULL"}


class _Refused(yaml.constructor.ConstructorError):
    """A value the strict constructors refuse, with its reason code."""

    def __init__(self, code: str, problem: str, node: Node) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.code = code


class _TooDeepError(Exception):
    pass


class _TooManyNodesError(Exception):
    pass


class _LibyamlTooDeepError(Exception):
    pass


class _Strict:
    """Hooks shared by the libyaml and the pure-Python strict loaders.

    ``descend_resolver`` / ``ascend_resolver`` are called by both composers around every
    node (libyaml's too: they are the path-resolver hooks), so depth and node count are
    checked as the document is composed -- before the composer's recursion goes deep or
    a flood of nodes is built.
    """

    _depth = 0
    _nodes = 0
    _depth_cap = Limits().max_depth + 1
    _node_cap = Limits().max_nodes

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._depth += 1
        self._nodes += 1
        if self._depth > self._depth_cap:  # scalars count one level below their container
            raise _TooDeepError
        if self._nodes > self._node_cap:
            raise _TooManyNodesError

    def ascend_resolver(self) -> None:
        self._depth -= 1

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag of a node, as PyYAML's resolver gives it; a plain scalar's remembered.

        Keys and short values repeat through a document (``id``, ``facility``, ``t``):
        the implicit resolvers' patterns are matched once per distinct short scalar of a
        document (there are no path resolvers, so the tag depends on nothing else).
        """
        resolve = yaml.resolver.BaseResolver.resolve  # what both loaders' resolvers run
        # (called on the class too, by the dumper's check of strings: then not remembered)
        if kind is not ScalarNode or len(value) > 64 or isinstance(self, type):
            return resolve(self, kind, value, implicit)  # type: ignore[arg-type,no-untyped-call]
        memo = self.__dict__.setdefault("_tags", {})
        key = (value, implicit)
        tag = memo.get(key)
        if tag is None:
            tag = memo[key] = resolve(self, kind, value, implicit)  # type: ignore[arg-type,no-untyped-call]
        return tag

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
                    if key in seen:
                        raise _Refused(
                            "yaml_duplicate_key", f"found duplicate key {key!r}", key_node
                        )
                    seen[key] = key_node
        out: dict[Any, Any] = super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        return out


def _scalar(loader: Any, node: Node) -> str:
    if not isinstance(node, ScalarNode):
        raise _Refused("yaml_value", f"a {node.tag} value must be a single value", node)
    value: str = loader.construct_scalar(node)
    return value


def _construct_int(loader: Any, node: Node) -> int:
    value = _scalar(loader, node)
    if not _INT.fullmatch(value):
        raise _Refused("yaml_value", f"{value!r} is not a decimal integer", node)
    if len(value.lstrip("+-")) > MAX_INT_DIGITS:
        raise _Refused(
            "number_too_long",
            f"an integer of {len(value.lstrip('+-')):,} digits",
            node,
        )
    return int(value)


def _construct_float(loader: Any, node: Node) -> float:
    value = _scalar(loader, node)
    if not _FLOAT.fullmatch(value):
        raise _Refused("yaml_value", f"{value!r} is not a decimal number", node)
    low = value.lower()
    if low.endswith(".inf"):
        return -math.inf if low.startswith("-") else math.inf
    if low == ".nan":
        return math.nan
    return float(value)


def _construct_bool(loader: Any, node: Node) -> bool:
    value = _scalar(loader, node)
    if value not in _BOOL:
        raise _Refused("yaml_value", f"{value!r} is not true or false", node)
    return _BOOL[value]


def _construct_null(loader: Any, node: Node) -> None:
    value = _scalar(loader, node)
    if value not in _NULL:
        raise _Refused("yaml_value", f"{value!r} is not null", node)


def _construct_timestamp(loader: Any, node: Node) -> Any:
    value = _scalar(loader, node)
    if not yaml.constructor.SafeConstructor.timestamp_regexp.match(value):
        raise _Refused("yaml_value", f"{value!r} is not a date", node)
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as exc:  # 2024-02-30, month 13
        raise _Refused("yaml_date", f"{value!r} is not a calendar date ({exc})", node) from None


def _construct_set(loader: Any, node: Any) -> Any:
    # a Python set has no order of its own: the same document would give lists in another
    # order in another process (hash randomisation)
    raise _Refused(
        "yaml_unsafe_tag",
        "!!set makes an unordered set (its order would change between processes)",
        node,
    )


def _configure(cls: Any) -> None:
    """Give a loader class the strict resolvers and constructors."""
    cls.add_constructor("tag:yaml.org,2002:set", _construct_set)
    cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    cls.add_constructor("tag:yaml.org,2002:float", _construct_float)
    cls.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
    cls.add_constructor("tag:yaml.org,2002:null", _construct_null)
    cls.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    cls.yaml_implicit_resolvers = {}
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
    )
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:float", re.compile(rf"^{_FLOAT.pattern}$"), list("-+0123456789.")
    )
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
    )
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:timestamp",
        re.compile(
            r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
            |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
            (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
            (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            re.X,
        ),
        list("0123456789"),
    )
    cls.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class PurePythonLoader(_Strict, yaml.SafeLoader):
    """The strict loader on PyYAML's pure-Python scanner and parser."""


_configure(PurePythonLoader)


_StrictLoader = PurePythonLoader  # the resolvers the dumper checks strings against


LibyamlLoader: Any = None


if yaml.__with_libyaml__:

    class _LibyamlLoader(_Strict, yaml.CSafeLoader):
        """The strict loader on libyaml's scanner, parser and composer."""

    _configure(_LibyamlLoader)
    LibyamlLoader = _LibyamlLoader


LOADER: Any = LibyamlLoader or PurePythonLoader
"""The loader class used: libyaml's when PyYAML has it (tests switch it to compare)."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_graph(root: Node, max_nodes: int, max_depth: int) -> None:
    """Refuse aliases that expand beyond *max_nodes* nodes or nest beyond *max_depth*.

    Walks the node graph once (each node once, with a stack, not recursion): the size
    and the nesting of a node are those of its expansion, aliases followed; an alias
    inside the node it names (a cycle) expands without end.
    """
    done: dict[int, tuple[int, int]] = {}  # id -> (expanded size, nesting of collections)
    active: set[int] = {id(root)}
    stack: list[tuple[Node, Any, list[int]]] = [(root, iter(_children(root)), [1, 0])]
    while stack:
        node, children, acc = stack[-1]
        for child in children:
            if isinstance(child, ScalarNode):
                acc[0] += 1
            elif id(child) in done:
                size, nest = done[id(child)]
                acc[0] += size
                acc[1] = max(acc[1], nest)
            elif id(child) in active:
                raise _AliasCycleError
            else:
                if len(stack) >= max_depth:
                    raise _TooDeepError
                active.add(id(child))
                stack.append((child, iter(_children(child)), [1, 0]))
                break
            if acc[0] > max_nodes:
                raise _ExpansionError(acc[0], max_nodes)
        else:
            stack.pop()
            active.discard(id(node))
            if acc[1] + 1 > max_depth:  # nested deeper through aliases to finished nodes
                raise _TooDeepError
            done[id(node)] = (acc[0], acc[1] + 1)
            if stack:
                parent = stack[-1][2]
                parent[0] += acc[0]
                parent[1] = max(parent[1], acc[1] + 1)
                if parent[0] > max_nodes:
                    raise _ExpansionError(parent[0], max_nodes)


class _AliasCycleError(Exception):
    pass


class _ExpansionError(Exception):
    def __init__(self, n: int, limit: int) -> None:
        super().__init__(n, limit)
        self.n, self.limit = n, limit


def load_yaml_text(
    text: str | bytes,
    *,
    source: str = "<string>",
    max_bytes: int | None = None,
    max_nodes: int | None = None,
    max_depth: int | None = None,
) -> Any:
    """Parse one YAML document strictly, safely and within bounds.

    Parameters
    ----------
    text : str or bytes
        The document. Bytes must be UTF-8 (a leading BOM is accepted).
    source : str
        Name used in error messages (usually the file path).
    max_bytes, max_nodes, max_depth : int, optional
        Refuse larger documents, more nodes (aliases expanded) and deeper nesting than
        this; by default the active :class:`~nqi_carbon.Limits` (``max_document_bytes``,
        ``max_nodes``, ``max_depth``).

    Raises
    ------
    InvalidInputError
        With one :class:`~nqi_carbon.errors.Issue` naming the line and the problem.
    """
    limits = current_limits()
    max_bytes = limits.max_document_bytes if max_bytes is None else max_bytes
    max_nodes = limits.max_nodes if max_nodes is None else max_nodes
    max_depth = limits.max_depth if max_depth is None else max_depth
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > max_bytes:
        raise _error(
            source,
            limit_issue(
                "file_too_large",
                f"document is {len(raw):,} bytes, more than the limit",
                limit_name="max_document_bytes",
                limit=max_bytes,
                unit="bytes",
                file=source,
            ),
        )
    decoded = _decode(raw, source)
    loader = _new_loader(raw, decoded, source, max_nodes=max_nodes, max_depth=max_depth)
    try:
        # no anchor, no alias: nothing expands, the graph needs no walk
        return _construct(loader, "&" in decoded, max_nodes=max_nodes, max_depth=max_depth)
    except _LOAD_ERRORS as exc:
        raise _error(source, _load_issue(exc, source, max_nodes, max_depth)) from None
    finally:
        loader.dispose()


def _error(source: str, issue: Issue) -> InvalidInputError:
    """The error of one problem of the document *source*."""
    return InvalidInputError([issue], source=source)


def _decode(raw: bytes, source: str) -> str:
    """The document's text (UTF-8, a leading BOM accepted), or an ``encoding`` error."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error(
            source,
            Issue(
                "encoding",
                f"not valid UTF-8 at byte {exc.start}",
                file=source,
                value=repr(raw[exc.start : exc.start + 8]),
                allowed="UTF-8 text (optionally with a BOM)",
            ),
        ) from None


def _new_loader(raw: bytes, decoded: str, source: str, *, max_nodes: int, max_depth: int) -> Any:
    """A strict loader (:data:`LOADER`) over the document, within *max_nodes* and *max_depth*."""
    loader_class = LOADER
    try:
        # libyaml reads the UTF-8 bytes as they are; the Python reader wants text
        loader = loader_class(raw if loader_class is LibyamlLoader else decoded)
    except yaml.YAMLError as exc:  # reader errors: control characters such as NUL
        raise _error(
            source,
            Issue(
                "yaml_syntax", str(exc).splitlines()[0], file=source, allowed="printable YAML text"
            ),
        ) from None
    loader._depth_cap = max_depth + 1
    loader._node_cap = max_nodes
    return loader


def _construct(loader: Any, has_anchors: bool, *, max_nodes: int, max_depth: int) -> Any:
    """Compose the document (depth and nodes checked as it goes), check its aliases, build it.

    The alias graph is walked (:func:`_check_graph`) only when the document has anchors,
    and always before a value is constructed.
    """
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        # libyaml's scanner stops by itself beyond 1,000 open brackets, before the
        # composer's depth check sees them: the same limit, reported as such
        if "maximum nesting depth" in str(exc):
            raise _LibyamlTooDeepError from None
        raise
    if node is not None and has_anchors:
        _check_graph(node, max_nodes, max_depth)
    return None if node is None else loader.construct_document(node)


_LOAD_ERRORS = (
    _TooDeepError,
    _LibyamlTooDeepError,
    _TooManyNodesError,
    _ExpansionError,
    _AliasCycleError,
    yaml.YAMLError,
    # a constructor of PyYAML's that the strict ones do not replace
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    OverflowError,
    RecursionError,
)
"""What composing and constructing a document may raise on bad input (:func:`_load_issue`)."""


def _load_issue(exc: BaseException, source: str, max_nodes: int, max_depth: int) -> Issue:
    """The issue that stands for one of :data:`_LOAD_ERRORS`: a limit, a value or the syntax."""
    bound = _bound_exceeded(exc, max_nodes, max_depth)
    if bound is not None:
        code, message, limit_name, limit, unit = bound
        return limit_issue(
            code, message, limit_name=limit_name, limit=limit, unit=unit, file=source
        )
    if isinstance(exc, _AliasCycleError):
        return Issue(
            "yaml_alias_expansion",
            "an alias refers to a node that contains it: it expands without end",
            file=source,
            allowed="aliases that refer to finished nodes",
        )
    if isinstance(exc, yaml.constructor.ConstructorError):
        return _constructor_issue(exc, source)
    if isinstance(exc, yaml.MarkedYAMLError):
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return Issue("yaml_syntax", str(exc.problem or exc), file=source, row=line)
    if isinstance(exc, yaml.YAMLError):
        return Issue("yaml_syntax", str(exc).splitlines()[0], file=source)
    return Issue(
        "yaml_value",
        f"a value cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
        file=source,
    )


def _bound_exceeded(
    exc: BaseException, max_nodes: int, max_depth: int
) -> tuple[str, str, str, int, str] | None:
    """Reason code, message, limit name, limit and unit of the bound *exc* says was exceeded."""
    if isinstance(exc, _TooDeepError | _LibyamlTooDeepError):
        message = f"mappings and lists nest more than {max_depth:,} deep"
        return "input_too_deep", message, "max_depth", max_depth, "levels"
    if isinstance(exc, _TooManyNodesError):
        message = f"the document has more than {max_nodes:,} values"
        return "yaml_too_many_nodes", message, "max_nodes", max_nodes, "values (nodes)"
    if isinstance(exc, _ExpansionError):
        message = f"aliases expand the document to more than {exc.limit:,} nodes"
        return "yaml_alias_expansion", message, "max_nodes", exc.limit, "nodes, aliases expanded"
    return None


def _constructor_issue(exc: yaml.constructor.ConstructorError, source: str) -> Issue:
    """A value refused by a strict constructor (its reason code), or an unsafe tag."""
    line = exc.problem_mark.line + 1 if exc.problem_mark else None
    problem = exc.problem or "cannot construct value"
    code = getattr(exc, "code", "yaml_unsafe_tag")
    allowed = {
        "yaml_duplicate_key": "each key once per mapping",
        "yaml_date": "a real calendar date, YYYY-MM-DD",
        "yaml_value": "a value written as its tag says (!!int 12, !!float 1.5, "
        "!!bool true, !!timestamp 2024-01-31)",
        "number_too_long": f"integers of at most {MAX_INT_DIGITS:,} digits "
        "(a float such as 1e5000 is written with an exponent)",
    }.get(code, "plain YAML data: mappings, lists, strings, numbers, true/false, null, dates")
    return Issue(code, problem, file=source, row=line, allowed=allowed)


def load_yaml_file(
    path: str | Path,
    *,
    max_bytes: int | None = None,
    max_nodes: int | None = None,
    max_depth: int | None = None,
) -> Any:
    """Read and parse a YAML file with :func:`load_yaml_text` (confined and bounded)."""
    from .files import read_input

    limit = current_limits().max_document_bytes if max_bytes is None else max_bytes
    raw = read_input(path, limit=limit, limit_name="max_document_bytes", what="YAML file")
    return load_yaml_text(
        raw, source=str(path), max_bytes=limit, max_nodes=max_nodes, max_depth=max_depth
    )


class _StrictDumper(yaml.SafeDumper):
    """SafeDumper that quotes every string the strict loader would read as something else."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    resolved = _StrictLoader.resolve(_StrictLoader, yaml.ScalarNode, value, (True, False))  # type: ignore[arg-type]
    plain_ok = resolved == "tag:yaml.org,2002:str"
    # also quote what YAML 1.1 readers (PyYAML's safe_load, other tools) would re-type
    legacy = yaml.SafeLoader.resolve(yaml.SafeLoader, yaml.ScalarNode, value, (True, False))  # type: ignore[arg-type,no-untyped-call]
    # NEL, LS and PS are line breaks to YAML: in a plain or single-quoted scalar they are
    # folded into spaces on reading, so strings holding them are written double-quoted,
    # where the emitter escapes them (\N, \L, \P)
    if plain_ok and legacy == "tag:yaml.org,2002:str" and not _LINE_BREAKS.search(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


_StrictDumper.add_representer(str, _represent_str)


def dump_yaml_text(data: Any) -> str:
    """YAML text that the strict loader reads back to exactly *data* (JSON-like data)."""
    return yaml.dump(data, Dumper=_StrictDumper, sort_keys=False, allow_unicode=True, width=100)
