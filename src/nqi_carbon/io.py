"""Reading inventories from YAML/JSON with lazy (all-at-once) validation, and schemas.

This module sits at the edge: it may import every layer, and no layer imports it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._packs import issues_from_validation_error
from ._structured import read_structured
from ._yaml import DEFAULT_MAX_BYTES
from .errors import InvalidInputError, Issue
from .models import (
    Inventory,
    _raw_ids,
    run_rules_on_raw,
)

__all__ = [
    "check_references",
    "inventory_json_schema",
    "load_inventory",
    "read_structured",
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
    issues: list[Issue] = []
    ctx: dict[str, Any] = {"issues": [], "raw_ids": _raw_ids(data)}
    inventory: Inventory | None = None
    try:
        inventory = Inventory.model_validate(data, context=ctx)
        issues.extend(ctx["issues"])
    except ValidationError as exc:
        issues.extend(issues_from_validation_error(exc, file=source, data=data))
        issues.extend(run_rules_on_raw(data))
    if issues:
        issues = [i if i.file else dataclasses.replace(i, file=source) for i in issues]
        raise InvalidInputError(_unique(issues), source=source)
    assert inventory is not None
    return inventory


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for i in issues:
        key = (i.code, i.field, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def load_inventory(
    source: str | Path | dict[str, Any], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Inventory:
    """Load and validate an inventory from a YAML/JSON file or a mapping.

    Parameters
    ----------
    source : path or mapping
        An ``nqi-carbon/inventory@1`` document.
    max_bytes : int
        Refuse files larger than this.

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
    data, digest = read_structured(source, max_bytes=max_bytes)
    inv = validate_inventory(data, source=str(source))
    inv._source_path, inv._input_sha256 = str(source), digest
    return inv


def inventory_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``nqi-carbon/inventory@1`` (validation mode)."""
    schema = Inventory.model_json_schema(by_alias=True, mode="validation")
    schema["$id"] = "https://nqi-carbon.example/schemas/inventory@1.json"
    schema["title"] = "nqi-carbon inventory (nqi-carbon/inventory@1)"
    return schema


def check_references(inv: Inventory) -> None:
    """Resolve every factor, fuel and unit the inventory refers to, without calculating.

    Raises
    ------
    InvalidInputError
        Listing every unresolvable factor reference and every activity unit that does
        not fit its factor (``factor_resolves``, ``activity_unit_fits_factor``...).
    """
    from .calc import plan_sources

    units: dict[str, list[str]] = {}
    for src, rec in inv.iter_records():
        if rec.unit not in units.setdefault(src.id, []):
            units[src.id].append(rec.unit)
    plan_sources(inv, units)
