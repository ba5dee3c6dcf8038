"""Reading inventories from YAML/JSON with lazy (all-at-once) validation, and schemas.

This module sits at the edge: it may import every layer, and no layer imports it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from .._io.structured import read_structured
from ..errors import InvalidInputError, Issue
from ..limits import current_limits
from .models import INVENTORY_SCHEMA, Inventory, validate_mapping

__all__ = [
    "SCHEMA_DIALECT",
    "inventory_data",
    "inventory_json_schema",
    "load_inventory",
    "load_inventory_stdin",
    "partial_inventory",
    "save_inventory",
    "schema_document",
    "stdin_document",
    "validate_inventory",
    "write_data",
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
STDIN_NAME = "<stdin>"
"""How problems of a document read from standard input name it."""


def stdin_document(stream: BinaryIO | None = None) -> tuple[Any, str]:
    """The document on standard input and the SHA-256 of its bytes.

    YAML, or JSON when it starts with ``{``; read within ``Limits.max_document_bytes``
    (one byte more is read to tell, never the rest).

    Raises
    ------
    InvalidInputError
        ``file_too_large`` and every problem of the text, named ``<stdin>``.
    """
    from .._io.files import read_stream
    from .._io.structured import parse_structured

    limit = current_limits().max_document_bytes
    raw = read_stream(stream or sys.stdin.buffer, limit=limit, limit_name="max_document_bytes",
                      what="inventory", name=STDIN_NAME)  # fmt: skip
    return parse_structured(raw, STDIN_NAME, max_bytes=limit), hashlib.sha256(raw).hexdigest()


def load_inventory_stdin(stream: BinaryIO | None = None) -> Inventory:
    """An inventory read from standard input (``nqi-carbon validate -``).

    Read as :func:`stdin_document` says; its ``activity_files`` and user packs are read
    from the current folder, as for a mapping.

    Raises
    ------
    InvalidInputError
        ``file_too_large`` and every problem of the document, named ``<stdin>``.
    """
    data, digest = stdin_document(stream)
    inv = validate_inventory(data, source=STDIN_NAME)
    inv._input_sha256 = digest
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
    from .._io.files import program_path

    path = program_path(source, field="source", where="load_inventory()")
    if max_bytes is not None and (
        isinstance(max_bytes, bool)
        or not isinstance(max_bytes, int)
        or not 1 <= max_bytes <= sys.maxsize
    ):
        from ..errors import argument_error

        allowed = "a whole number from 1 to sys.maxsize, or None"
        raise argument_error("max_bytes", max_bytes, allowed, where="load_inventory()")
    data, digest = read_structured(path, max_bytes=max_bytes, what="inventory")
    inv = validate_inventory(data, source=str(source))
    inv._source_path, inv._input_sha256 = str(source), digest
    return inv


SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema draft every schema of nqi-carbon declares (``$schema``)."""


def schema_document(body: dict[str, Any], *, tag: str, title: str) -> dict[str, Any]:
    """*body* (a generated schema) headed by ``$schema``, ``$id`` (from *tag*) and ``title``."""
    rest = {k: v for k, v in body.items() if k != "title"}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://nqi-carbon.example/schemas/{tag.split('/', 1)[1]}.json",
        "title": f"{title} ({tag})",
        **rest,
    }


def inventory_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``nqi-carbon/inventory@1``.

    Generated from the model the loader validates with, in validation mode: what a file
    may contain (``activity`` one record or a list, ids as text or whole numbers). Rules
    across entries (ids unique, references that exist, periods that do not overlap) and
    the unit grammar are beyond JSON Schema: ``nqi-carbon validate`` checks them.
    """
    body = Inventory.model_json_schema(by_alias=True, mode="validation")
    return schema_document(body, tag=INVENTORY_SCHEMA, title="nqi-carbon inventory")


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


def write_data(data: Any, p: Path, what: str) -> Path:
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
    from .._io.files import program_path
    from ..errors import expect_type

    where = "save_inventory()"
    expect_type(inv, Inventory, field="inv", where=where, allowed="an nc.Inventory")
    p = program_path(path, field="path", where=where)
    return write_data(_relocate(inventory_data(inv), inv, p), p, "inventory")


_SECTION_MODELS = ("facilities", "instruments", "factors", "sources", "removals", "exclusions")


_INDEX = re.compile(r"^(facilities|instruments|factors|sources|removals|exclusions)\[(\d+)\]")


def partial_inventory(
    data: Any, *, source: str | None = None
) -> tuple[Inventory | None, Callable[[Issue], Issue]]:
    """The valid part of an invalid inventory, so that later stages can still check it.

    ``nqi-carbon validate`` reports the problems of every stage in one run: when the
    file itself has problems (an unknown facility, a bad amount), the entries that are
    valid on their own are kept — every facility, instrument, inline factor, source and
    removal that validates alone, the first of each id — with stand-ins for facilities
    that are referred to but invalid or missing, and without references to instruments
    that are not defined. Planning and the activity checks then run on that part, so an
    unknown facility in one source does not hide an unknown factor or a unit that does
    not fit in another.

    Returns
    -------
    (inventory or None, where)
        The partial inventory (None when the organization's period, GWP set, factor packs
        or activity files are themselves invalid: nothing later can be checked without
        them), and a function that rewrites an issue of the partial inventory to name the
        entry of the original data (``sources[1]`` of the part is ``sources[3]`` of the
        file).
    """
    from pydantic import TypeAdapter, ValidationError

    unchanged: Callable[[Issue], Issue] = lambda issue: issue  # noqa: E731
    if not isinstance(data, dict):
        return None, unchanged
    part: dict[str, Any] = {"schema": INVENTORY_SCHEMA}
    for key in ("period", "gwp", "factor_packs", "activity_files", "organization"):
        if key not in data:
            continue
        try:
            TypeAdapter(_annotation(key)).validate_python(data[key])
        except ValidationError:
            if key != "organization":
                return None, unchanged
            continue
        part[key] = data[key]
    part.setdefault(
        "organization", {"name": "?", "id": "?", "consolidation": "operational_control"}
    )
    if "period" not in part or "gwp" not in part:
        return None, unchanged
    kept: dict[str, list[int]] = {}
    for section in _SECTION_MODELS:
        items = data.get(section)
        kept[section] = []
        if not isinstance(items, list):
            continue
        adapter: TypeAdapter[Any] = TypeAdapter(_annotation(section))
        seen: set[str] = set()
        entries = []
        for i, item in enumerate(items):
            try:
                adapter.validate_python([item])
            except ValidationError:
                continue
            key = str(item["id"]) if isinstance(item, dict) and "id" in item else f"#{i}"
            if key in seen:
                continue
            seen.add(key)
            kept[section].append(i)
            entries.append(item)
        part[section] = entries
    _stand_ins(part)
    try:
        inv = Inventory.model_validate(part, context={"issues": [], "raw_ids": {}})
    except ValidationError:
        return None, unchanged
    inv._source_path = source

    def where(issue: Issue) -> Issue:
        field = issue.field or ""
        m = _INDEX.match(field)
        if m is None or int(m.group(2)) >= len(kept[m.group(1)]):
            return issue
        original = kept[m.group(1)][int(m.group(2))]
        new = f"{m.group(1)}[{original}]" + field[m.end() :]
        return dataclasses.replace(issue, field=new, file=issue.file or source)

    return inv, where


def _annotation(field: str) -> Any:
    """The type of field *field* of :class:`Inventory` (what validates that section)."""
    annotation = Inventory.model_fields[field].annotation
    assert annotation is not None
    return annotation


def _stand_ins(part: dict[str, Any]) -> None:
    """Facilities for ids referred to but not kept; no references to undefined instruments."""
    facilities = part.setdefault("facilities", [])
    known = {str(f["id"]) for f in facilities}
    for section in ("sources", "removals"):
        for item in part.get(section, []):
            fid = str(item.get("facility"))
            if fid not in known:
                known.add(fid)
                facilities.append(
                    {
                        "id": fid,
                        "operational_control": True,
                        "financial_control": True,
                    }
                )
    instruments = {str(i["id"]) for i in part.get("instruments", [])}
    for src in part.get("sources", []):
        records = src.get("activity")
        listed = records if isinstance(records, list) else [records] if records else []
        cleaned = [
            {k: v for k, v in r.items() if k != "instrument" or str(v) in instruments}
            for r in listed
        ]
        if records:
            src["activity"] = cleaned if isinstance(records, list) else cleaned[0]
