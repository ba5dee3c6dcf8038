"""The events of PACT v3.0.3 Action Events (``POST /3/events``), read and checked.

A host takes CloudEvents in structured content mode (media type
``application/cloudevents+json``, UTF-8): ``specversion`` ``"1.0"``, ``id``, ``source``,
``type``, ``time`` and ``data``, one of the four types the specification defines
(:data:`EVENT_TYPES`), each ``data`` checked against its schema
(``components/schemas/RequestCreatedEvent`` and the others): the criteria of a request,
the ``requestEventId`` and footprints of a fulfilled request (each a valid
``ProductFootprint``), the ``requestEventId`` and ``Error`` of a rejected one, the
``pfIds`` of a published one. :func:`read_event` turns a request body into the event, or
raises :class:`EventError` with what is wrong (answered ``400 BadRequest``).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .pact import _DATETIME, _NONEMPTY, _URN, _UUID, PRODUCT_FOOTPRINT, _list_of, _model

__all__ = ["EVENT_TYPES", "MAX_EVENT_BYTES", "EventError", "read_event"]

MAX_EVENT_BYTES = 1_048_576
"""Bytes of an event's body read at most (more is refused, 400): room for the footprints
of a ``RequestFulfilledEvent``."""

MEDIA_TYPE = "application/cloudevents+json"

_PREFIX = "org.wbcsd.pact.ProductFootprint."
REQUEST_CREATED = _PREFIX + "RequestCreatedEvent.3"
REQUEST_FULFILLED = _PREFIX + "RequestFulfilledEvent.3"
REQUEST_REJECTED = _PREFIX + "RequestRejectedEvent.3"
PUBLISHED = _PREFIX + "PublishedEvent.3"

_CRITERIA = _model(
    "RequestCreatedEventData",
    {
        "productId": (list[_URN], False),
        "companyId": (list[_URN], False),
        "geography": (list[str], False),
        "classification": (list[_URN], False),
        "validOn": (_DATETIME, False),
        "validAfter": (_DATETIME, False),
        "validBefore": (_DATETIME, False),
        "status": (Literal["Active", "Deprecated"], False),
        "comment": (str, False),
    },
)
_ERROR = _model(
    "Error",
    {
        "code": (
            Literal[
                "BadRequest",
                "AccessDenied",
                "TokenExpired",
                "NotFound",
                "InternalError",
                "NotImplemented",
            ],
            True,
        ),
        "message": (str, True),
    },
)
_DATA: dict[str, type[BaseModel]] = {
    REQUEST_CREATED: _CRITERIA,
    REQUEST_FULFILLED: _model(
        "RequestFulfilledEventData",
        {"requestEventId": (str, True), "pfs": (_list_of(PRODUCT_FOOTPRINT), True)},
    ),
    REQUEST_REJECTED: _model(
        "RequestRejectedEventData", {"requestEventId": (str, True), "error": (_ERROR, True)}
    ),
    PUBLISHED: _model("PublishedEventData", {"pfIds": (list[_UUID], False)}),
}

EVENT_TYPES = tuple(_DATA)
"""The event types a host takes (PACT v3.0.3, ``/3/events``)."""

_BASE = _model(
    "BaseEvent",
    {
        "type": (Literal[EVENT_TYPES], True),
        "specversion": (Literal["1.0"], True),
        "id": (_NONEMPTY, True),
        "source": (_NONEMPTY, True),
        "time": (_DATETIME, True),
        "data": (dict[str, Any], True),
    },
)


class EventError(ValueError):
    """An event a host does not take: the message says why (answered 400 BadRequest)."""


def _problems(exc: ValidationError, prefix: str = "") -> str:
    found = [f"{prefix}{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]]
    more = exc.error_count() - len(found)
    return "; ".join(found) + (f" (and {more} more)" if more > 0 else "")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _media_type_ok(content_type: str) -> bool:
    """Whether *content_type* is ``application/cloudevents+json``, UTF-8 if a charset is named."""
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")]
    return media == MEDIA_TYPE and all(c in {"utf-8", "utf8"} for c in charsets)


def read_event(raw: bytes, content_type: str) -> dict[str, Any]:
    """The CloudEvent in *raw*, checked against the PACT v3.0.3 schema of its type.

    Parameters
    ----------
    raw : bytes
        The request body (at most :data:`MAX_EVENT_BYTES`, the caller bounds it).
    content_type : str
        The request's ``Content-Type``.

    Returns
    -------
    dict
        The event as sent (properties of later revisions kept).

    Raises
    ------
    EventError
        Another media type, a body that is not a UTF-8 JSON object (``NaN`` and nesting
        deeper than the parser takes included), or an event its schema refuses.
    """
    if not _media_type_ok(content_type):
        raise EventError(f"an event is sent as {MEDIA_TYPE}; charset=UTF-8 (structured "
                         f"content mode), not {content_type[:80]!r}")  # fmt: skip
    try:
        event = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EventError(f"the body is not UTF-8 JSON ({type(exc).__name__})") from None
    if not isinstance(event, dict):
        raise EventError("an event is a JSON object (one CloudEvent; batches are not taken)")
    try:
        _BASE.model_validate(event)
    except ValidationError as exc:
        raise EventError(_problems(exc)) from None
    try:
        _DATA[event["type"]].model_validate(event["data"])
    except ValidationError as exc:
        raise EventError(_problems(exc, "data.")) from None
    if event["type"] == REQUEST_CREATED and not set(event["data"]) - {"comment"}:
        raise EventError("a RequestCreatedEvent names its criteria in data (productId, "
                         "companyId, geography, classification, validOn, ...)")  # fmt: skip
    return event
