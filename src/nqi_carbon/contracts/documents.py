"""Saved results: :func:`save_result` writes a document, :func:`load_result` reads it typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._io.structured import read_structured
from ..errors import InvalidInputError, Issue
from ..inventory.load import write_data
from .models import CONTRACT_SCHEMAS, Document

__all__ = ["document_from_data", "load_result", "save_result"]

_BY_TAG: dict[str, type[Document]] = {
    tag: model for name, (model, tag) in CONTRACT_SCHEMAS.items() if name != "validation"
}


def save_result(result: Any, path: str | Path) -> Path:
    """Write a result, report, verification or trajectory as JSON or YAML, atomically.

    *result* is anything with ``to_dict()`` in an output contract: a
    :class:`~nqi_carbon.Result` (``result@1``), an :class:`~nqi_carbon.InventoryReport`
    (``report.json``), a :class:`~nqi_carbon.VerificationResult`, a trajectory report, or
    a document :func:`load_result` gave (it is written back unchanged). The suffix decides
    the format (``.json``, ``.yaml``, ``.yml``; another is ``file_type``); NaN is refused
    before anything is written.
    """
    from .._io.files import program_path
    from ..errors import InvalidInputError, Issue, argument_error

    where = "save_result()"
    allowed = "an nc.Result, InventoryReport, VerificationResult, trajectory report or document"
    contract = result.to_dict() if callable(getattr(result, "to_dict", None)) else None
    if not isinstance(contract, dict):
        raise argument_error("result", result, allowed, where=where)
    target = program_path(path, field="path", where=where)
    # through JSON first: plain JSON types, and NaN refused before anything is written
    try:
        text = json.dumps(contract, ensure_ascii=False, allow_nan=False)
    except TypeError:  # an object with to_dict() that is no output contract
        raise argument_error("result", result, allowed, where=where) from None
    except ValueError:
        issue = Issue("finite_number", "NaN or infinity in the result", field="result")
        raise InvalidInputError([issue], source=where) from None
    return write_data(json.loads(text), target, "result")


def load_result(path: str | Path) -> Document:
    """Read a saved result (``result@1``, also ``report.json``), verification or trajectory.

    Returns
    -------
    ResultDocument, VerificationDocument or TrajectoryDocument
        The document typed by its contract (``doc.totals.gross_co2e_t``). It also reads
        as the mapping it was saved as (``doc["totals"]["gross_co2e_t"]``, ``doc ==
        mapping``); ``doc.to_dict()`` gives that mapping, and :func:`save_result` writes
        it back to the same file. Keys a later version adds are kept.

    Raises
    ------
    InvalidInputError
        ``result_schema`` when the file is no nqi-carbon result; for a document that
        breaks its contract, every problem (``missing``, ``float_type``,
        ``contract_keys``...) with its field.
    """
    from .._io.files import program_path

    data, _ = read_structured(program_path(path, field="path", where="load_result()"), what="result")
    return document_from_data(data, source=str(path))


def document_from_data(data: Any, *, source: str | None = None) -> Document:
    """*data* (a parsed result, verification or trajectory) as its typed document.

    Raises
    ------
    InvalidInputError
        As :func:`load_result`.
    """
    tag = data.get("schema") if isinstance(data, dict) else None
    model = _BY_TAG.get(tag) if isinstance(tag, str) else None
    if model is None:
        raise InvalidInputError(
            [
                Issue(
                    "result_schema",
                    "not an nqi-carbon result",
                    file=source,
                    field="schema",
                    value=None if tag is None else repr(tag)[:80],
                    allowed=", ".join(sorted(_BY_TAG)),
                    raw=tag if tag is not None else ...,
                )
            ],
            source=source,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        from ..data.packs import issues_from_validation_error

        raise InvalidInputError(
            issues_from_validation_error(exc, file=source, data=data), source=source
        ) from None
