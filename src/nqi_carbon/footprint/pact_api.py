"""The PACT v3 HTTP API for the footprints nqi-carbon computed (``nqi-carbon serve``).

An ASGI application (Starlette; install the ``serve`` extra) implementing the actions of
the PACT Technical Specifications v3.0.3, section 5:

- **Action Authenticate** ``POST /auth/token``: OAuth 2.0 client credentials (RFC 6749
  section 4.4), the client's id and secret in HTTP Basic authentication (or in the form
  body), ``grant_type=client_credentials``; answers ``{"access_token", "token_type":
  "Bearer", "expires_in"}``, or ``invalid_client`` / ``invalid_request`` /
  ``unsupported_grant_type`` as RFC 6749 section 5.2 says. ``GET
  /.well-known/openid-configuration`` names the token endpoint.
- **Action ListFootprints** ``GET /3/footprints``: every footprint, filtered by
  ``productId``, ``companyId``, ``geography``, ``classification``, ``status``,
  ``validOn``, ``validAfter``, ``validBefore`` (values of one criterion OR-ed, criteria
  AND-ed), paginated by ``limit`` with an absolute ``Link: <...>; rel="next"`` on the
  request's host.
- **Action GetFootprint** ``GET /3/footprints/{id}``: one footprint, 404 ``NotFound``.
- **Action Events** ``POST /3/events``: the four events of the specification
  (:mod:`~nqi_carbon.footprint.pact_events`), each checked against its schema, answered
  ``200`` with an empty body once accepted, ``400 BadRequest`` when refused. An accepted
  event is written as one JSON line (``{"received", "client", "event"}``) to the
  *events_log* file; the host sends nothing itself (no outbound HTTP: the ``source`` of an
  event is whatever its sender wrote), so the operator answers a
  ``RequestCreatedEvent`` from that log. Without *events_log* a ``RequestCreatedEvent``
  is refused at once (400), as the specification asks of a host that cannot handle it.
  An event sent again (the same ``source`` and ``id``) is accepted and not written twice.

Every other answer with an error carries the specification's ``Error`` object
(``{"code", "message"}``). Tokens are random (``secrets``), expire after
*token_lifetime* seconds, and at most :data:`MAX_TOKENS` are kept (the oldest dropped);
client secrets are compared in constant time. Token request bodies are read up to
:data:`MAX_BODY_BYTES`, events up to :data:`~nqi_carbon.footprint.pact_events.MAX_EVENT_BYTES`;
the events log grows to at most *events_log_max_bytes* (:data:`MAX_EVENTS_LOG_BYTES` by
default), beyond which an event is answered 500 ``InternalError`` and not recorded, so a
client holding a token cannot fill the host's disk.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hmac
import json
import re
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from .pact import PRODUCT_FOOTPRINT, _moment_of

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["MAX_BODY_BYTES", "MAX_EVENTS_LOG_BYTES", "MAX_EVENTS_SEEN", "MAX_TOKENS", "create_app"]

MAX_BODY_BYTES = 8192
"""Bytes of a token request's body read at most (more is refused, 400)."""

MAX_TOKENS = 10_000
"""Access tokens kept at most; beyond, the oldest is dropped (its holder asks again)."""

MAX_EVENTS_SEEN = 10_000
"""Events (``source``, ``id``) remembered at most to take a repeat once; the oldest forgotten."""

MAX_EVENTS_LOG_BYTES = 256 * 1024**2
"""Bytes the events log grows to at most by default (an event that would pass it is answered
500 and not recorded): 256 MiB, some 250 events of the largest size taken."""

_FILTERS: dict[str, Callable[[Mapping[str, Any]], list[Any]]] = {  # parameter -> what it matches
    "productId": lambda pf: pf.get("productIds", []),
    "companyId": lambda pf: pf.get("companyIds", []),
    "classification": lambda pf: pf.get("productClassifications", []),
    "geography": lambda pf: [
        pf["pcf"].get(k)
        for k in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
    ],
    "status": lambda pf: [pf.get("status")],
}


_VALIDITY = ("validOn", "validAfter", "validBefore")


def _error(status: int, code: str, message: str, **headers: str) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """Any error the host did not foresee: the specification's ``Error``, never a traceback.

    The message names no file, path or exception (the server's own log has them).
    """
    return _error(500, "InternalError", "the host could not answer this request")


_HOST = re.compile(rb"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
"""A Host header the answers may name: a host name or address (RFC 3986's unreserved
characters, or an IPv6 literal in brackets) and an optional port. The Link of a page and the
OpenID issuer are made from it, so anything else (``>``, quotes, spaces) is refused."""


class _HostCheck:
    """ASGI: a request whose Host header is not one host (:data:`_HOST`) is a bad request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            hosts = [v for k, v in scope["headers"] if k == b"host"]
            if len(hosts) > 1 or (hosts and not _HOST.fullmatch(hosts[0])):
                refusal = _error(400, "BadRequest", "the Host header is not one host name or "
                                 "address with an optional port")  # fmt: skip
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _oauth_error(status: int, error: str, description: str) -> Response:
    from starlette.responses import JSONResponse

    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pact"'
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


class _Tokens:
    """Access tokens and when they expire (monotonic seconds), the oldest dropped first."""

    def __init__(self, lifetime: int) -> None:
        self.lifetime = lifetime
        self.expiry: dict[str, float] = {}
        self.client: dict[str, str] = {}

    def issue(self, client: str) -> str:
        token = secrets.token_urlsafe(32)
        self.expiry[token] = time.monotonic() + self.lifetime
        self.client[token] = client
        while len(self.expiry) > MAX_TOKENS:
            del self.client[(oldest := next(iter(self.expiry)))], self.expiry[oldest]
        return token

    def check(self, header: str | None) -> Response | None:
        """None when *header* holds a live bearer token, else the 401 to answer."""
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.expiry:
            return _error(401, "AccessDenied", "a valid access token is required "
                          "(POST /auth/token, then Authorization: Bearer <token>)",
                          **{"WWW-Authenticate": 'Bearer realm="pact"'})  # fmt: skip
        if self.expiry[token] < time.monotonic():
            del self.expiry[token], self.client[token]
            return _error(401, "TokenExpired", "the access token has expired; ask for a new one",
                          **{"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip
        return None


async def _body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None when it is longer than *limit* bytes."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


def _form_pairs(raw: bytes, *, keep_blank: bool = False) -> list[tuple[str, str]] | None:
    """The name-value pairs of ``application/x-www-form-urlencoded`` *raw*, or None.

    The bytes, and the bytes each ``%XX`` stands for, are UTF-8 (the WHATWG URL
    standard's form parser, RFC 6749 appendix B); None when they are not, so that a
    client's id or secret is never read as other text than the one sent (decoded as
    latin-1, "ü" sent as UTF-8 became "Ã¼"; a replacement character would make
    different secrets the same).
    """
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=keep_blank, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


def _credentials(request: Request, form: Mapping[str, str]) -> tuple[str, str] | None:
    """(client id, secret) from HTTP Basic authentication, else from the form body.

    The Basic credentials are UTF-8 (RFC 7617 ``charset="UTF-8"``); a header whose
    credentials are not base64 of UTF-8 text (a non-ASCII character in the header
    included) gives None, answered 401 like wrong credentials.
    """
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:  # not base64 (a non-ASCII header included), not UTF-8
            return None
        return (client, secret) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def _matches(pf: Mapping[str, Any], query: Sequence[tuple[str, str]]) -> bool:
    """Whether *pf* meets every criterion of *query* (a criterion's values OR-ed, any case)."""
    wanted: dict[str, set[str]] = {}
    for key, value in query:
        if key in _FILTERS:
            wanted.setdefault(key, set()).add(value.lower())
    for key, values in wanted.items():
        if not {str(v).lower() for v in _FILTERS[key](pf) if v is not None} & values:
            return False
    return _valid_in(pf, query)


def _years_later(moment: _dt.datetime, years: int) -> _dt.datetime:
    """*moment* *years* later; the last moment a datetime holds when that is past year 9999."""
    if moment.year + years > _dt.MAXYEAR:  # a reference period ending in 9998 or 9999
        return _dt.datetime.max.replace(tzinfo=moment.tzinfo)
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, month=3, day=1)


def _valid_in(pf: Mapping[str, Any], query: Sequence[tuple[str, str]]) -> bool:
    """The validity filters: the period is the stated one, else 3 years from the reference end."""
    end_ref = _moment_of(pf["pcf"]["referencePeriodEnd"])
    start = _moment_of(pf.get("validityPeriodStart") or pf["pcf"]["referencePeriodEnd"])
    stated = pf.get("validityPeriodEnd")
    end = _moment_of(stated) if stated else _years_later(end_ref, 3)
    for key, value in query:
        if key not in _VALIDITY:
            continue
        moment = _moment_of(value)
        if key == "validOn" and not start <= moment <= end:
            return False
        if key == "validAfter" and not start > moment:
            return False
        if key == "validBefore" and not end < moment:
            return False
    return True


def _query(request: Request) -> list[tuple[str, str]] | Response:
    """The query's pairs, or the 400 to answer (not UTF-8, a limit or a date that does not parse)."""
    pairs = _form_pairs(request.scope.get("query_string", b""), keep_blank=True)
    if pairs is None:
        return _error(400, "BadRequest", "the query is not UTF-8 (percent-encoded or not)")
    for key, value in pairs:
        if key in {"limit", "offset"} and not (
            value.isascii() and value.isdigit() and len(value) < 10
        ):
            return _error(400, "BadRequest", f"{key} is a whole number >= 0, not {value[:40]!r}")
        if key in _VALIDITY:
            try:
                aware = _moment_of(value).tzinfo is not None
            except ValueError:
                aware = False
            if not aware:
                return _error(
                    400, "BadRequest", f"{key} is an RFC 3339 date and time with its offset"
                )
    return pairs


def _by_id(footprints: Sequence[Mapping[str, Any]], clients: Mapping[str, str]) -> dict[str, Any]:
    """The footprints by lower-case id, each checked; ids twice or no client refused."""
    from ..errors import InvalidInputError, Issue

    by_id: dict[str, dict[str, Any]] = {}
    issues = []
    for k, pf in enumerate(footprints):
        PRODUCT_FOOTPRINT.model_validate(pf)
        if str(pf["id"]).lower() in by_id:
            issues.append(Issue("pact_duplicate_id", "two footprints served have this id",
                                field=f"footprints[{k}].id", value=repr(pf["id"]),
                                allowed="each id once"))  # fmt: skip
        by_id[str(pf["id"]).lower()] = dict(pf)
    if not clients:
        issues.append(Issue("pact_option", "the API needs at least one client", field="clients",
                            allowed="client id -> client secret"))  # fmt: skip
    if issues:
        raise InvalidInputError(issues, source="nqi-carbon serve")
    return by_id


class _Api:
    """The actions of the API over the footprints served and the tokens issued."""

    def __init__(
        self,
        by_id: dict[str, Any],
        clients: Mapping[str, str],
        lifetime: int,
        events_log: Path | None,
        events_log_max_bytes: int,
    ) -> None:
        self.by_id = by_id
        self.clients = dict(clients)
        self.tokens = _Tokens(lifetime)
        self.events_log = events_log
        self.events_log_max_bytes = events_log_max_bytes
        self.seen: OrderedDict[bytes, None] = OrderedDict()  # digests: a fixed size each

    async def token(self, request: Request) -> Response:
        """Action Authenticate: client credentials in, a bearer token out (RFC 6749 4.4)."""
        from starlette.responses import JSONResponse

        raw = await _body(request)
        if raw is None:
            return _oauth_error(
                400, "invalid_request", f"the body is larger than {MAX_BODY_BYTES} bytes"
            )
        pairs = _form_pairs(raw)
        if pairs is None:
            return _oauth_error(400, "invalid_request", "the body is not UTF-8 form data "
                                "(application/x-www-form-urlencoded)")  # fmt: skip
        form = dict(pairs)
        if len(form) < len(pairs):  # RFC 6749 3.2: a parameter MUST NOT be sent twice
            twice = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
            return _oauth_error(400, "invalid_request", f"a parameter is given more than once "
                                f"({', '.join(twice)[:80]})")  # fmt: skip
        client, given = _credentials(request, form) or ("", "")
        expected = self.clients.get(client) if client else None
        same = hmac.compare_digest((expected or "").encode(), given.encode())
        if expected is None or not same:
            return _oauth_error(401, "invalid_client", "Authentication failed")
        if "grant_type" not in form:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if form["grant_type"] != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        lifetime = self.tokens.lifetime
        body = {
            "access_token": self.tokens.issue(client),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def openid(self, request: Request) -> Response:
        """The OpenID provider configuration: where the token endpoint is."""
        from starlette.responses import JSONResponse

        base = str(request.base_url).rstrip("/")
        return JSONResponse({"issuer": base, "token_endpoint": f"{base}/auth/token"})

    async def list_footprints(self, request: Request) -> Response:
        """Action ListFootprints: filtered, ``limit`` at a time, ``Link`` to the next page."""
        from starlette.responses import JSONResponse

        refused = self.tokens.check(request.headers.get("authorization"))
        query = _query(request) if refused is None else refused
        if not isinstance(query, list):
            return query
        found = [pf for pf in self.by_id.values() if _matches(pf, query)]
        params = dict(query)
        offset = int(params.get("offset", "0"))
        limit = int(params["limit"]) if "limit" in params else len(found)
        headers = {}
        if offset + limit < len(found) and limit > 0:
            rest = [(k, v) for k, v in query if k != "offset"] + [("offset", str(offset + limit))]
            link = request.url.replace(query=urlencode(rest))  # absolute, the request's host
            headers["Link"] = f'<{link}>; rel="next"'
        return JSONResponse({"data": found[offset : offset + limit]}, headers=headers)

    async def get_footprint(self, request: Request) -> Response:
        """Action GetFootprint: one footprint by its id, or 404 NotFound."""
        from starlette.responses import JSONResponse

        refused = self.tokens.check(request.headers.get("authorization"))
        if refused is not None:
            return refused
        pf = self.by_id.get(request.path_params["id"].lower())
        if pf is None:
            return _error(404, "NotFound", "The requested footprint could not be found.")
        return JSONResponse({"data": pf})

    async def events(self, request: Request) -> Response:
        """Action Events: an event checked, written to the events log, 200 with no body."""
        from starlette.responses import Response

        from .pact_events import MAX_EVENT_BYTES, REQUEST_CREATED, EventError, read_event

        header = request.headers.get("authorization")
        refused = self.tokens.check(header)
        if refused is not None:
            return refused
        client = self.tokens.client[(header or "").partition(" ")[2]]  # before the token may go
        raw = await _body(request, MAX_EVENT_BYTES)
        if raw is None:
            return _error(400, "BadRequest", f"an event is at most {MAX_EVENT_BYTES} bytes")
        try:
            event = read_event(raw, request.headers.get("content-type", ""))
        except EventError as exc:
            return _error(400, "BadRequest", str(exc))
        if event["type"] == REQUEST_CREATED and self.events_log is None:
            return _error(400, "BadRequest", "this host takes no requests for footprints: "
                          "ask for its published ones (GET /3/footprints)")  # fmt: skip
        key = _event_key(event)
        if key not in self.seen:
            try:
                self._record(client, event)
            except _LogFullError:
                return _error(500, "InternalError", f"the events log is full "
                              f"({self.events_log_max_bytes} bytes): the event was not recorded")  # fmt: skip
            except OSError as exc:
                return _error(500, "InternalError", f"the event was not recorded ({exc.strerror})")
            self.seen[key] = None
            while len(self.seen) > MAX_EVENTS_SEEN:
                self.seen.popitem(last=False)
        return Response(status_code=200)

    def _record(self, client: str, event: Mapping[str, Any]) -> None:
        """Append the event, who sent it and when, as one JSON line to the events log."""
        if self.events_log is None:
            return
        received = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {"received": received, "client": client, "event": event}
        line = json.dumps(record, separators=(",", ":"))  # ASCII: a lone surrogate is written \ud800
        with self.events_log.open("a", encoding="utf-8") as out:
            if out.tell() + len(line) + 1 > self.events_log_max_bytes:  # ASCII: a byte a character
                raise _LogFullError
            out.write(line + "\n")


def _event_key(event: Mapping[str, Any]) -> bytes:
    """What identifies an event (its ``source`` and ``id``) in 32 bytes, whatever their size."""
    import hashlib

    both = json.dumps([event["source"], event["id"]]).encode()  # unambiguous, any text
    return hashlib.sha256(both).digest()


class _LogFullError(Exception):
    """The events log would pass its limit with this event."""


def create_app(
    footprints: Sequence[Mapping[str, Any]],
    *,
    clients: Mapping[str, str],
    token_lifetime: int = 3600,
    events_log: str | Path | None = None,
    events_log_max_bytes: int = MAX_EVENTS_LOG_BYTES,
) -> Starlette:
    """The PACT v3 API serving *footprints* to the *clients* given.

    Parameters
    ----------
    footprints : sequence of mapping
        ProductFootprints (from :func:`~nqi_carbon.footprint.pact.to_pact`); each is
        checked against the v3 data model, ids unique.
    clients : mapping
        Client id -> client secret: who may ask for a token.
    token_lifetime : int
        Seconds an access token is valid [s].
    events_log : str or Path, optional
        The file each accepted event is appended to, one JSON line
        ``{"received", "client", "event"}``; without it a ``RequestCreatedEvent`` is
        refused (400) and other events are accepted and kept nowhere.
    events_log_max_bytes : int
        Bytes the events log may hold at most [B]; an event that would pass it is answered
        500 ``InternalError`` and not recorded (taken when sent again once there is room).

    Raises
    ------
    InvalidInputError
        An id given twice (``pact_duplicate_id``), no client (``pact_option``).
    pydantic.ValidationError
        A footprint the v3 data model refuses (a program's mistake: :func:`to_pact` and
        :func:`read_product_footprints` give only valid ones).
    """
    from starlette.applications import Starlette
    from starlette.routing import Route

    log = None if events_log is None else Path(events_log)
    api = _Api(_by_id(footprints, clients), clients, token_lifetime, log, events_log_max_bytes)
    from starlette.middleware import Middleware

    return Starlette(
        middleware=[Middleware(_HostCheck)],
        exception_handlers={Exception: _internal_error},
        routes=[
            Route("/auth/token", api.token, methods=["POST"]),
            Route("/.well-known/openid-configuration", api.openid, methods=["GET"]),
            Route("/3/footprints", api.list_footprints, methods=["GET"]),
            Route("/3/footprints/{id}", api.get_footprint, methods=["GET"]),
            Route("/3/events", api.events, methods=["POST"]),
        ]
    )
