"""JSON Schemas (draft 2020-12) of the inventory and of every output contract.

Each schema is generated from the pydantic model that reads or types the document: the
inventory's from :class:`~nqi_carbon.inventory.models.Inventory` (what the loader
accepts), the outputs' from :mod:`~nqi_carbon.contracts.models`. The same schemas ship
in the package (``nqi_carbon/contracts/schemas/<name>.schema.json``) and in
``docs/reference/``; a test checks that the files equal what this module generates.
Regenerate them, and the field tables of the reference pages, with
``python -m nqi_carbon.contracts.schemas src/nqi_carbon/contracts/schemas docs/reference``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, Issue
from ..inventory.load import SCHEMA_DIALECT, inventory_json_schema, schema_document
from .models import CONTRACT_SCHEMAS

__all__ = ["SCHEMA_DIALECT", "SCHEMA_NAMES", "json_schema", "schema_file_name", "schema_text"]

SCHEMA_NAMES = ("inventory", *CONTRACT_SCHEMAS)
"""The schemas: ``inventory`` (the input), ``result``, ``verification``, ``trajectory``,
``validation``, ``neutrality-evaluation`` (the outputs)."""


def json_schema(name: str = "inventory") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of document *name*, with ``$schema`` and ``$id``.

    Parameters
    ----------
    name : str
        One of :data:`SCHEMA_NAMES`: ``inventory``, ``result``, ``verification``,
        ``trajectory``, ``validation``, ``neutrality-evaluation``.
        ``inventory`` is ``nqi-carbon/inventory@1`` as the loader accepts it; the others
        are the documents nqi-carbon writes (``report.json`` is a ``result``).

    Raises
    ------
    InvalidInputError
        ``schema_name_known`` for another name.
    """
    if isinstance(name, str) and name == "inventory":
        return inventory_json_schema()
    if not isinstance(name, str) or name not in CONTRACT_SCHEMAS:
        raise InvalidInputError(
            [
                Issue(
                    "schema_name_known",
                    "no schema of that name",
                    field="name",
                    value=repr(name)[:80],
                    allowed=", ".join(SCHEMA_NAMES),
                    raw=name,
                )
            ],
            source="json_schema()",
        )
    model, tag = CONTRACT_SCHEMAS[name]
    body = model.model_json_schema(by_alias=True, mode="validation")
    return schema_document(body, tag=tag, title=f"nqi-carbon {name}")


def schema_text(name: str) -> str:
    """The schema of *name* as the JSON text of the shipped files (indented, newline-ended)."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def schema_file_name(name: str) -> str:
    """The file name of schema *name*: ``inventory.schema.json``, ``result.schema.json``..."""
    return f"{name}.schema.json"


def packaged_schema_dir() -> Path:
    """The folder of the schema files shipped in the package."""
    return Path(__file__).resolve().parent / "schemas"


def write_schemas(folder: str | Path) -> list[Path]:
    """Write every schema into *folder* (for the package and ``docs/reference``)."""
    out = Path(folder)
    written = []
    for name in SCHEMA_NAMES:
        path = out / schema_file_name(name)
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


# -- the reference pages' field tables ---------------------------------------------------------

FIELDS_BEGIN = "<!-- fields: generated from nqi_carbon/contracts/models.py; do not edit -->"
FIELDS_END = "<!-- end of fields -->"


def field_table(name: str) -> str:
    """The Markdown table of every key of document *name*: path, JSON type, meaning and unit.

    Generated from the schema (so from the model's field descriptions): the reference page
    ``docs/reference/<name>.md`` holds it between :data:`FIELDS_BEGIN` and
    :data:`FIELDS_END`, and a test checks that it is current.
    """
    schema = json_schema(name)
    defs: dict[str, Any] = schema.get("$defs", {})
    rows: list[tuple[str, str, str]] = []
    _walk(schema, "", defs, rows, depth=0)
    lines = ["| key | type | meaning |", "|---|---|---|"]
    lines += [f"| `{p}` | {t} | {d} |" for p, t, d in rows]
    return "\n".join(lines)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    return node


def _kind(node: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str]:
    """(type in words, the object schema to walk into or None, the suffix of its path)."""
    node = _resolve(node, defs)
    if "anyOf" in node:
        kinds = [_kind(n, defs) for n in node["anyOf"]]
        named = [k for k in kinds if k[0] != "null"]
        words = " or ".join(dict.fromkeys(k[0] for k in named)) or "any"
        hit = next((k for k in named if k[1] is not None), None)
        text = words + (" or null" if len(named) < len(kinds) else "")
        return (text, hit[1], hit[2]) if hit else (text, None, "")
    t = node.get("type")
    if t == "array":
        word, inner, suffix = _kind(node.get("items", {}), defs)
        return f"list of {word}", inner, "[]" + suffix
    if t == "object" or "properties" in node:
        if node.get("properties"):
            return "object", node, ""
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            word, inner, suffix = _kind(extra, defs)
            return f"mapping of {word}", inner, ".*" + suffix
        return "object", None, ""
    if "const" in node:
        return f"`{json.dumps(node['const'])}`", None, ""
    if "enum" in node:
        return " or ".join(f"`{json.dumps(v)}`" for v in node["enum"]), None, ""
    if t is None:
        return "any", None, ""
    if t == "string" and node.get("format") == "date":
        return "date (text)", None, ""
    return str(t), None, ""


def _walk(
    node: dict[str, Any],
    path: str,
    defs: dict[str, Any],
    rows: list[tuple[str, str, str]],
    *,
    depth: int,
    inherited: str = "",
) -> None:
    node = _resolve(node, defs)
    required = set(node.get("required", ()))
    for key, prop in node.get("properties", {}).items():
        where = f"{path}.{key}" if path else key
        word, inner, suffix = _kind(prop, defs)
        meaning = prop.get("description") or _resolve(prop, defs).get("description") or ""
        if inner is not None and not meaning:
            meaning = inner.get("description", "")
        if not meaning and inherited:
            meaning = inherited
        if key not in required:
            meaning = ("optional: " + meaning) if meaning else "optional"
        meaning = " ".join(meaning.split()).replace("|", "\\|")
        rows.append((where, word, meaning))
        if inner is not None and depth < 6:
            # parts of the inventory reported as given: their keys mean what the format says
            given = "as in the inventory format" if "as given" in meaning else inherited
            _walk(inner, where + suffix, defs, rows, depth=depth + 1, inherited=given)


def update_reference_page(path: str | Path, name: str) -> bool:
    """Replace the field table in reference page *path*; True when it changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    start, end = text.index(FIELDS_BEGIN) + len(FIELDS_BEGIN), text.index(FIELDS_END)
    new = text[:start] + "\n\n" + field_table(name) + "\n\n" + text[end:]
    if new != text:
        p.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    # python -m nqi_carbon.contracts.schemas src/nqi_carbon/contracts/schemas docs/reference
    for target in sys.argv[1:] or [str(packaged_schema_dir())]:
        for written in write_schemas(target):
            print(written)
        for contract in CONTRACT_SCHEMAS:
            page = Path(target) / f"{contract}.md"
            if page.exists() and update_reference_page(page, contract):
                print(page)
