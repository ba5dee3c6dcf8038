"""Reading a YAML or JSON document safely, with the SHA-256 of its bytes.

Both kinds are read through :func:`nqi_carbon._io.files.read_input` (confined under a
sandbox, regular files only, at most ``Limits.max_document_bytes``) and refuse nesting
deeper than ``Limits.max_depth`` (``input_too_deep``) and integers of more than
:data:`~nqi_carbon._io.yaml.MAX_INT_DIGITS` digits (``number_too_long``), as typed errors.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, Issue
from ..limits import current_limits, limit_issue
from .files import read_input
from .tables import decode_utf8
from .yaml import MAX_INT_DIGITS, load_yaml_text

__all__ = ["json_depth_within", "parse_structured", "read_structured"]

def _reject_constant(name: str) -> float:
    raise ValueError(f"JSON contains {name}, which is not a number")


class _NumberTooLongError(Exception):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _bounded_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise _NumberTooLongError(digits)
    return int(text)


_STRUCTURE = bytes(c for c in range(256) if chr(c) not in '[]{}"')


_INNERMOST = re.compile(rb"\[\]|\{\}")


def json_depth_within(raw: bytes, max_depth: int) -> bool:
    """Whether the arrays and objects of JSON text *raw* nest at most *max_depth* deep.

    Counted without parsing (so without recursion): escaped backslashes and quotes are
    dropped, everything but brackets and quotes is deleted, strings are removed, and then
    innermost ``[]``/``{}`` pairs are removed level by level. False also for brackets
    that do not pair up (text that is not JSON).
    """
    s = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _STRUCTURE)
    # strings removed: each quote opens or closes one, so the pieces between quotes are
    # outside strings and inside them in turn (a split in C, not a match per string); a
    # quote left open is text that is not JSON
    pieces = s.split(b'"')
    if len(pieces) % 2 == 0:
        return False
    s = b"".join(pieces[::2])
    for _ in range(max_depth):
        if not s:
            return True
        s = _INNERMOST.sub(b"", s)
    return not s


def read_structured(
    path: str | Path, *, max_bytes: int | None = None, what: str = "document"
) -> tuple[Any, str]:
    """Read a YAML or JSON file safely; return ``(data, sha256 of the file bytes)``.

    JSON with ``NaN``/``Infinity`` or a key twice is refused; YAML is read by the strict
    safe loader. *max_bytes* overrides ``Limits.max_document_bytes``; *what* names the
    file in messages (``inventory``, ``claim``...).
    """
    p = Path(path)
    name = str(p)
    limit = current_limits().max_document_bytes if max_bytes is None else max_bytes
    raw = read_input(p, limit=limit, limit_name="max_document_bytes", what=what)
    digest = hashlib.sha256(raw).hexdigest()
    if p.suffix.lower() == ".json":
        return _read_json(raw, name), digest
    return load_yaml_text(raw, source=name, max_bytes=limit), digest


def parse_structured(raw: bytes, name: str, *, max_bytes: int | None = None) -> Any:
    """A document given as bytes (standard input): JSON when it starts with ``{``, else YAML.

    The same rules as :func:`read_structured` (JSON strict, YAML by the safe loader).
    """
    limit = current_limits().max_document_bytes if max_bytes is None else max_bytes
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _read_json(raw, name)
    return load_yaml_text(raw, source=name, max_bytes=limit)


def _read_json(raw: bytes, name: str) -> Any:
    max_depth = current_limits().max_depth
    text = decode_utf8(raw, name)
    too_deep = InvalidInputError(
        [
            limit_issue(
                "input_too_deep",
                f"arrays and objects nest more than {max_depth:,} deep",
                limit_name="max_depth",
                limit=max_depth,
                unit="levels",
                file=name,
            )
        ],
        source=name,
    )
    shallow = json_depth_within(raw, max_depth)
    try:
        data = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:
        raise too_deep from None
    except _NumberTooLongError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "number_too_long",
                    f"an integer of {exc.digits:,} digits",
                    file=name,
                    allowed=f"integers of at most {MAX_INT_DIGITS:,} digits "
                    "(a float such as 1e5000 is written with an exponent)",
                )
            ],
            source=name,
        ) from None
    except _DuplicateKeyError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "json_duplicate_key",
                    f"found duplicate key {exc.key!r}",
                    file=name,
                    allowed="each key once per object",
                )
            ],
            source=name,
        ) from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        row = getattr(exc, "lineno", None)
        raise InvalidInputError(
            [Issue("json_syntax", str(exc), file=name, row=row)], source=name
        ) from None
    if not shallow:  # parsed, but nested deeper than the limit
        raise too_deep
    return data


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing duplicate keys (json keeps the last one silently)."""
    out = dict(pairs)
    if len(out) < len(pairs):  # (in C: a loop here only for the error)
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKeyError(k)
            seen.add(k)
    return out
