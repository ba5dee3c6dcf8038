"""Reading a YAML or JSON document safely, with the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ._tables import decode_utf8
from ._yaml import DEFAULT_MAX_BYTES, load_yaml_text
from .errors import InvalidInputError, Issue

__all__ = ["read_structured"]


def _reject_constant(name: str) -> float:
    raise ValueError(f"JSON contains {name}, which is not a number")


def read_structured(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Any, str]:
    """Read a YAML or JSON file safely; return ``(data, sha256 of the file bytes)``.

    JSON with ``NaN``/``Infinity`` is refused; YAML is read by the strict safe loader.
    """
    p = Path(path)
    name = str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            [Issue("file_unreadable", exc.strerror or str(exc), file=name)], source=name
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if p.suffix.lower() == ".json":
        if len(raw) > max_bytes:
            raise InvalidInputError(
                [
                    Issue(
                        "file_too_large",
                        f"file is {len(raw):,} bytes",
                        file=name,
                        allowed=f"<= {max_bytes:,}",
                    )
                ],
                source=name,
            )
        text = decode_utf8(raw, name)
        try:
            data = json.loads(
                text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys
            )
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
        except RecursionError:
            raise InvalidInputError(
                [Issue("json_syntax", "nesting too deep", file=name)], source=name
            ) from None
        return data, digest
    return load_yaml_text(raw, source=name, max_bytes=max_bytes), digest


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing duplicate keys (json keeps the last one silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKeyError(k)
        out[k] = v
    return out
