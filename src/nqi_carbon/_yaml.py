"""Safe, strict YAML reading for inventories and data packs.

PyYAML's ``safe_load`` still has traps that silently change data (see
docs/guarantees.md): ``1e3`` becomes a *string*, ``NO`` becomes ``False``, ``0755``
becomes ``493``, a duplicated key silently keeps the last value, and aliases can expand
exponentially ("billion laughs"). This loader:

* accepts only standard tags (``!!python/...`` and other tags are refused);
* resolves ``true``/``false`` (any case form YAML 1.2 allows) as booleans and nothing else;
* resolves decimal integers without leading zeros as ``int`` and decimal/exponent
  notation (``1e3``, ``2.5E-4``, ``.inf``, ``.nan``) as ``float``; everything else that
  is unquoted is a string (``NO``, ``0755``, ``0x1F``, ``1_000``, ``12:30``);
* refuses duplicate keys, documents larger than ``max_bytes`` and alias use that would
  expand to more than ``max_nodes`` nodes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import InvalidInputError, Issue

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_NODES",
    "dump_yaml_text",
    "load_yaml_file",
    "load_yaml_text",
]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_NODES = 2_000_000


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML-1.2-like scalar resolution and duplicate-key refusal."""

    max_nodes: int = DEFAULT_MAX_NODES

    def compose_document(self) -> Node | None:
        node: Node | None = super().compose_document()
        if node is not None:
            _check_expansion(node, self.max_nodes)
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    key = self.construct_object(key_node, deep=deep)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"found duplicate key {key!r}",
                            key_node.start_mark,
                        )
                    seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _StrictLoader, node: ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:  # 2024-02-30, month 13
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a calendar date ({exc})", node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_StrictLoader.yaml_implicit_resolvers = {}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_StrictLoader.add_implicit_resolver(
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
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _check_expansion(root: Node, limit: int) -> None:
    """Refuse documents whose aliases expand to more than *limit* nodes."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # guards recursive structures
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        sizes[key] = total
        return total

    n = size(root)
    if n > limit:
        raise _ExpansionError(n, limit)


class _ExpansionError(Exception):
    def __init__(self, n: int, limit: int) -> None:
        super().__init__(n, limit)
        self.n, self.limit = n, limit


def load_yaml_text(
    text: str | bytes,
    *,
    source: str = "<string>",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Any:
    """Parse one YAML document strictly and safely.

    Parameters
    ----------
    text : str or bytes
        The document. Bytes must be UTF-8 (a leading BOM is accepted).
    source : str
        Name used in error messages (usually the file path).
    max_bytes, max_nodes : int
        Refuse larger documents / alias expansions beyond this many nodes.

    Raises
    ------
    InvalidInputError
        With one :class:`~nqi_carbon.errors.Issue` naming the line and the problem.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > max_bytes:
        raise InvalidInputError(
            [
                Issue(
                    "file_too_large",
                    f"document is {len(raw):,} bytes, more than the limit",
                    file=source,
                    allowed=f"at most {max_bytes:,} bytes (pass max_bytes= to raise it)",
                )
            ],
            source=source,
        )
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "encoding",
                    f"not valid UTF-8 at byte {exc.start}",
                    file=source,
                    value=repr(raw[exc.start : exc.start + 8]),
                    allowed="UTF-8 text (optionally with a BOM)",
                )
            ],
            source=source,
        ) from None
    try:
        loader = _StrictLoader(decoded)
    except yaml.YAMLError as exc:  # reader errors: control characters such as NUL
        raise InvalidInputError(
            [
                Issue(
                    "yaml_syntax",
                    str(exc).splitlines()[0],
                    file=source,
                    allowed="printable YAML text",
                )
            ],
            source=source,
        ) from None
    loader.max_nodes = max_nodes
    try:
        data = loader.get_single_data()
    except _ExpansionError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "yaml_alias_expansion",
                    f"aliases expand the document to more than {exc.limit:,} nodes",
                    file=source,
                    allowed="documents without alias bombs (pass max_nodes= to raise the limit)",
                )
            ],
            source=source,
        ) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or "cannot construct value"
        if "duplicate key" in problem:
            code, allowed = "yaml_duplicate_key", "each key once per mapping"
        elif "calendar date" in problem:
            code, allowed = "yaml_date", "a real calendar date, YYYY-MM-DD"
        else:
            code = "yaml_unsafe_tag"
            allowed = "plain YAML data: mappings, lists, strings, numbers, true/false, null, dates"
        raise InvalidInputError(
            [Issue(code, problem, file=source, row=line, allowed=allowed)], source=source
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InvalidInputError(
            [Issue("yaml_syntax", str(exc.problem or exc), file=source, row=line)], source=source
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidInputError(
            [Issue("yaml_syntax", str(exc), file=source)], source=source
        ) from None
    finally:
        loader.dispose()
    return data


def load_yaml_file(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Any:
    """Read and parse a YAML file with :func:`load_yaml_text`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InvalidInputError(
            [Issue("file_unreadable", exc.strerror or str(exc), file=str(p))], source=str(p)
        ) from None
    if size > max_bytes:
        raise InvalidInputError(
            [
                Issue(
                    "file_too_large",
                    f"file is {size:,} bytes, more than the limit",
                    file=str(p),
                    allowed=f"at most {max_bytes:,} bytes (pass max_bytes= to raise it)",
                )
            ],
            source=str(p),
        )
    return load_yaml_text(p.read_bytes(), source=str(p), max_bytes=max_bytes, max_nodes=max_nodes)


class _StrictDumper(yaml.SafeDumper):
    """SafeDumper that quotes every string the strict loader would read as something else."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    resolved = _StrictLoader.resolve(_StrictLoader, yaml.ScalarNode, value, (True, False))  # type: ignore[arg-type,no-untyped-call]
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
