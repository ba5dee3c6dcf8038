"""Reading inventories from YAML/JSON with lazy (all-at-once) validation, and schemas.

This module sits at the edge: it may import every layer, and no layer imports it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .._io.structured import read_structured
from ..errors import InvalidInputError, Issue
from ..limits import current_limits
from .models import INVENTORY_SCHEMA, Inventory, validate_mapping

if TYPE_CHECKING:
    pass

__all__ = [
    "inventory_data",
    "inventory_json_schema",
    "load_inventory",
    "load_inventory_stdin",
    "load_result",
    "save_inventory",
    "save_result",
    "validate_inventory",
]

def validate_inventory(data: Any, *, source: str | None = None) -> Inventory:
    """Validate inventory data (a mapping), reporting every problem at once.

    Field problems (types, ranges, units, unknown keys) and cross-reference rules (ids
    unique, facilities/instruments exist, periods do not overlap...) are all collected
    into one :class:`~nqi_carbon.errors.InvalidInputError`.
    """
    if not isinstance(data, dict):
        raise InvalidInputError(
            [
                Issue(
                    "inventory_not_mapping",
                    "an inventory is a mapping of sections",
                    file=source,
                    value=type(data).__name__,
                    allowed="a YAML/JSON mapping with schema, organization, ...",
                )
            ],
            source=source,
        )
    return validate_mapping(data, source=source)


STDIN = "-"
"""The file name that means standard input on the command line."""


def load_inventory_stdin(stream: BinaryIO | None = None) -> Inventory:
    """An inventory read from standard input (``nqi-carbon validate -``).

    YAML, or JSON when it starts with ``{``; read within ``Limits.max_document_bytes``
    (one byte more is read to tell, never the rest). Its ``activity_files`` and user packs
    are read from the current folder, as for a mapping.

    Raises
    ------
    InvalidInputError
        ``file_too_large`` and every problem of the document, named ``<stdin>``.
    """
    import sys

    from .._io.files import read_stream
    from .._io.structured import parse_structured

    name = "<stdin>"
    limit = current_limits().max_document_bytes
    raw = read_stream(stream or sys.stdin.buffer, limit=limit, limit_name="max_document_bytes",
                      what="inventory", name=name)  # fmt: skip
    inv = validate_inventory(parse_structured(raw, name, max_bytes=limit), source=name)
    inv._input_sha256 = hashlib.sha256(raw).hexdigest()
    return inv


def load_inventory(
    source: str | Path | dict[str, Any], *, max_bytes: int | None = None
) -> Inventory:
    """Load and validate an inventory from a YAML/JSON file or a mapping.

    The file is read within the active :class:`~nqi_carbon.Limits` and, under a
    :class:`~nqi_carbon.Sandbox`, only from inside its folders. The paths the inventory
    names (``activity_files``, user ``factor_packs``) are read later, from the
    inventory's folder, and may not lead outside it (or outside the sandbox's folders).

    Parameters
    ----------
    source : path or mapping
        An ``nqi-carbon/inventory@1`` document.
    max_bytes : int, optional
        Refuse files larger than this (default: ``Limits.max_document_bytes``, 32 MiB).

    Returns
    -------
    Inventory
        The validated inventory; ``inv.source_path`` and ``inv.input_sha256`` record
        where it came from.

    Raises
    ------
    InvalidInputError
        Listing every problem in the file (path, field, value, what is allowed, code).
    """
    if isinstance(source, dict):
        inv = validate_inventory(source)
        digest = hashlib.sha256(
            json.dumps(source, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        inv._input_sha256 = digest
        return inv
    data, digest = read_structured(source, max_bytes=max_bytes, what="inventory")
    inv = validate_inventory(data, source=str(source))
    inv._source_path, inv._input_sha256 = str(source), digest
    return inv


def inventory_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``nqi-carbon/inventory@1`` (validation mode)."""
    schema = Inventory.model_json_schema(by_alias=True, mode="validation")
    schema["$id"] = "https://nqi-carbon.example/schemas/inventory@1.json"
    schema["title"] = "nqi-carbon inventory (nqi-carbon/inventory@1)"
    return schema


def inventory_data(inv: Inventory) -> dict[str, Any]:
    """The inventory as a JSON-ready mapping (what :func:`save_inventory` writes)."""
    data: dict[str, Any] = inv.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude_defaults=True
    )
    data["schema"] = INVENTORY_SCHEMA
    return {"schema": data.pop("schema"), **data}


def _relocate(data: dict[str, Any], inv: Inventory, target: Path) -> dict[str, Any]:
    """Relative activity files and user pack paths, rewritten for the new file's folder.

    They are read relative to the inventory file, so a copy saved elsewhere would point
    at files that are not there; bundled pack ids and absolute paths stay as they are.
    The old folder is the one they were read from (:func:`nqi_carbon._io.files.entry_base`);
    the copy reads the same files, which must then lie inside its own folder or a
    sandbox's folders to be read.
    """
    import os

    from .._io.files import entry_base
    from ..data.factors import bundled_factor_pack_ids

    old_base = entry_base(inv.source_path)
    new_base = target.resolve().parent

    def moved(entry: str) -> str:
        if Path(entry).is_absolute():
            return entry
        return Path(os.path.relpath((old_base / entry).resolve(), new_base)).as_posix()

    if data.get("activity_files"):
        data["activity_files"] = [
            moved(f) if isinstance(f, str) else {**f, "path": moved(f["path"])}
            for f in data["activity_files"]
        ]
    if data.get("factor_packs"):
        bundled = set(bundled_factor_pack_ids())
        packs = []
        for entry in data["factor_packs"]:
            pid, sep, version = entry.partition("@")
            if pid in bundled:
                packs.append(entry)
            elif sep and not (old_base / entry).is_file():  # a path with a version pin
                packs.append(f"{moved(pid)}@{version}")
            else:
                packs.append(moved(entry))
        data["factor_packs"] = packs
    return data


def _write_data(data: Any, p: Path, what: str) -> Path:
    """*data* as JSON or YAML by the file's suffix, written atomically."""
    from .._escape import json_text
    from .._io.atomic import atomic_write_text
    from .._io.yaml import dump_yaml_text

    suffix = p.suffix.lower()
    if suffix == ".json":
        text = json_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"
    elif suffix in (".yaml", ".yml"):
        text = dump_yaml_text(data)
    else:
        raise InvalidInputError(
            [
                Issue(
                    "file_type",
                    f"unknown {what} file type",
                    file=str(p),
                    value=repr(p.suffix),
                    allowed=".yaml, .yml, .json",
                )
            ]
        )
    return atomic_write_text(p, text)


def save_inventory(inv: Inventory, path: str | Path) -> Path:
    """Write an inventory as YAML (``.yaml``/``.yml``) or JSON (``.json``), atomically.

    Relative activity files and user pack paths are rewritten for the new file's folder,
    so they still name the same files. Loading the file again gives an equal inventory
    (saved in the same folder, also the same paths): strings that a YAML reader would
    take for numbers, booleans or dates (``NO``, ``0755``, ``1e3``, ``2024-01-01``) are
    quoted, and strings with the line breaks NEL, LS or PS (U+0085, U+2028, U+2029) are
    written double-quoted with escapes; JSON never contains NaN. Another suffix is an
    :class:`~nqi_carbon.errors.InvalidInputError` (``file_type``).
    """
    p = Path(path)
    return _write_data(_relocate(inventory_data(inv), inv, p), p, "inventory")


def save_result(result: Any, path: str | Path) -> Path:
    """Write a result (``result@1``) or verification as JSON or YAML, atomically."""
    # through JSON first: plain JSON types, and NaN refused before anything is written
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False))
    return _write_data(data, Path(path), "result")


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a saved ``result@1`` (JSON or YAML) back as a mapping."""
    data, _ = read_structured(path, what="result")
    if not isinstance(data, dict) or data.get("schema") not in (
        "nqi-carbon/result@1",
        "nqi-carbon/verification@1",
    ):
        raise InvalidInputError(
            [
                Issue(
                    "result_schema",
                    "not an nqi-carbon result",
                    file=str(path),
                    field="schema",
                    allowed="nqi-carbon/result@1 or nqi-carbon/verification@1",
                )
            ],
            source=str(path),
        )
    return data
