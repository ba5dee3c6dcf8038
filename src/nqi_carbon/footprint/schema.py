"""The JSON Schema (draft 2020-12) of the footprint file and of the claimed footprint.

Generated from the models the loaders validate with, in validation mode, like the
inventory's (:func:`nqi_carbon.inventory.load.inventory_json_schema`). Rules across entries
(ids unique, stages within the boundary, the allocation hierarchy) and the unit grammar are
beyond JSON Schema: :func:`nqi_carbon.load_footprint` checks them. The files ship in the
package (``nqi_carbon/footprint/schemas/``) and in ``docs/reference/``; a test checks that
they equal what this module generates. Regenerate them with
``python -m nqi_carbon.footprint.schema src/nqi_carbon/footprint/schemas docs/reference``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_NAMES", "footprint_json_schema", "schema_text"]

SCHEMA_NAMES = ("footprint", "footprint-claim")


def footprint_json_schema(name: str = "footprint") -> dict[str, Any]:
    """The JSON Schema of ``nqi-carbon/footprint@1`` (or of ``footprint-claim@1``)."""
    from ..inventory.load import schema_document
    from .model import SCHEMA, FootprintStudy
    from .verify import CLAIM_SCHEMA, ClaimedFootprint

    if name == "footprint-claim":
        body = ClaimedFootprint.model_json_schema(by_alias=True, mode="validation")
        return schema_document(body, tag=CLAIM_SCHEMA, title="nqi-carbon claimed footprint")
    if name != "footprint":
        from ..errors import argument_error

        raise argument_error(
            "name", name, " or ".join(SCHEMA_NAMES), where="footprint_json_schema()"
        )
    body = FootprintStudy.model_json_schema(by_alias=True, mode="validation")
    _allow_pact_references(body)
    return schema_document(body, tag=SCHEMA, title="nqi-carbon product footprint")


def _allow_pact_references(body: dict[str, Any]) -> None:
    """A file's ``supplier_footprint`` may instead name a PACT file (``{pact, id}``).

    The loader reads such a reference (:func:`nqi_carbon.footprint.pact.resolve_pact_inputs`)
    before the model judges the document, so the model never sees it; the file's schema
    must still accept it.
    """
    defs = body.setdefault("$defs", {})
    defs["PactReference"] = {
        "type": "object",
        "title": "PactReference",
        "description": "A supplier footprint read from a PACT v3 file beside the footprint "
        "file: the file and, when it holds several ProductFootprints, the id of one.",
        "properties": {
            "pact": {"type": "string", "description": "the PACT file, relative to this file"},
            "id": {"type": "string", "description": "the ProductFootprint id (urn:uuid:...)"},
        },
        "required": ["pact"],
        "additionalProperties": False,
    }
    prop = defs["Input"]["properties"]["supplier_footprint"]
    prop["anyOf"].insert(1, {"$ref": "#/$defs/PactReference"})


def schema_text(name: str) -> str:
    """The schema *name* as the JSON text of the shipped files (indented, newline-ended)."""
    return json.dumps(footprint_json_schema(name), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write each schema into every folder given."""
    for folder in argv:
        for name in SCHEMA_NAMES:
            (Path(folder) / f"{name}.schema.json").write_text(schema_text(name), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
