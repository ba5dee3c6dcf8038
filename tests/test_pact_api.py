"""``nqi-carbon serve``: the PACT v3 API, tested with a real HTTP client against a running process.

One server process (``python -m nqi_carbon.cli serve``) on a free port serves the
aluminium example and the bracket of ``tests/test_pact.py``; httpx asks for a token with
OAuth 2.0 client credentials (PACT v3.0.3 section 5.5), lists and gets footprints (5.6,
5.7) and sends events (5.8), which the server writes to its ``--events`` log. Every
footprint served, every event sent and every error answered is checked against the
official schemas.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx  # the test extra installs it (and starlette, uvicorn for the server)
import pytest
import yaml

from nqi_carbon.footprint.calculate import calculate_footprint
from nqi_carbon.footprint.pact import supplier_footprint, to_pact, write_pact
from test_pact import BRACKET, COMPANY, SUPPLIER, _errors, official_validator

pytestmark = pytest.mark.timeout(120)


CLIENT = ("buyer-1", "s3cret-of-buyer-1")
UNICODE_CLIENT = ("客户-Müller", "geheim-ü-密码")
"""A client whose id and secret are not ASCII (UTF-8 on the wire, RFC 7617 and RFC 6749)."""


@pytest.fixture(scope="module")
def official() -> Any:
    """The official v3.0.3 ProductFootprint schema (tests/test_pact.py)."""
    return official_validator()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


EVENT_LOGS: dict[str, Path] = {}  # base URL -> the --events file of that server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running ``nqi-carbon serve`` (ended after the module's tests)."""
    tmp = tmp_path_factory.mktemp("serve")
    with _serving(tmp, "--events", str(tmp / "events.jsonl")) as base:
        EVENT_LOGS[base] = tmp / "events.jsonl"
        yield base


@pytest.fixture(scope="module")
def server_without_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running ``nqi-carbon serve`` started without ``--events``."""
    with _serving(tmp_path_factory.mktemp("serve-no-log")) as base:
        yield base


@contextmanager
def _serving(tmp: Path, *options: str) -> Iterator[str]:
    """Start ``nqi-carbon serve`` with *options* in *tmp*; its base URL while it runs."""
    doc = copy.deepcopy(BRACKET)
    doc["inputs"][0]["supplier_footprint"] = supplier_footprint(SUPPLIER)
    (tmp / "bracket.json").write_text(json.dumps(doc, default=str), encoding="utf-8")
    (tmp / "with.yaml").write_text(yaml.safe_dump(COMPANY), encoding="utf-8")
    (tmp / "clients.yaml").write_text(yaml.safe_dump(dict([CLIENT, UNICODE_CLIENT])), encoding="utf-8")
    aluminium = Path(__file__).parent.parent / "examples" / "footprint-aluminium" / "aluminium.yaml"
    al = {**COMPANY, "product_ids": ["urn:pact:product:example:al99.70"]}
    pf = to_pact(
        calculate_footprint(aluminium, uncertainty=None), product_description="P1020A", **al
    )
    write_pact(pf, tmp / "aluminium.pact.json")  # served as it is, beside the bracket computed
    port = _free_port()
    argv = [sys.executable, "-m", "nqi_carbon.cli", "serve", str(tmp / "bracket.json"),
            "--pact", str(tmp / "aluminium.pact.json"), "--with", str(tmp / "with.yaml"),
            "--clients", str(tmp / "clients.yaml"), "--port", str(port),
            "--base-dir", str(tmp), "--token-lifetime", "2", *options]  # fmt: skip
    errors = tmp / "stderr.txt"
    with errors.open("wb") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server ended ({proc.returncode}): {errors.read_text()[-2000:]}")
            try:
                httpx.get(f"{base}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("the server did not answer within 60 s")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


ERROR = official_validator("Error")


def _error_code(response: Any) -> str:
    """The code of an error answer, its body checked against the official Error schema."""
    body = response.json()
    assert list(ERROR.iter_errors(body)) == [], body
    return str(body["code"])


def _token(base: str, auth: tuple[str, str] = CLIENT, **form: str) -> Any:
    data = {"grant_type": "client_credentials", **form}
    return httpx.post(f"{base}/auth/token", auth=auth, data=data, timeout=10)


def _bearer(base: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(base).json()['access_token']}"}


def test_a_client_gets_a_token_with_its_credentials_and_nobody_else(server):
    r = _token(server)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 2 and body["access_token"]
    assert r.headers["cache-control"] == "no-store"
    wrong = _token(server, auth=(CLIENT[0], "guess"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = _token(server, auth=("nobody", CLIENT[1]))
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    grant = _token(server, grant_type="password")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    big = httpx.post(f"{server}/auth/token", auth=CLIENT, content=b"a" * 100_000, timeout=10)
    assert big.status_code == 400 and big.json()["error"] == "invalid_request"
    discovery = httpx.get(f"{server}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["token_endpoint"] == f"{server}/auth/token"


def test_a_client_whose_id_and_secret_are_not_ascii_gets_a_token(server):
    # the form body was decoded as latin-1: "ü" sent as UTF-8 became "Ã¼", so a client
    # with such credentials in the body could never authenticate
    client, secret = UNICODE_CLIENT
    assert _token(server, auth=UNICODE_CLIENT).status_code == 200  # HTTP Basic, UTF-8
    form = {"grant_type": "client_credentials", "client_id": client, "client_secret": secret}
    encoded = httpx.post(f"{server}/auth/token", data=form, timeout=10)  # percent-encoded
    assert encoded.status_code == 200, encoded.text
    raw = "&".join(f"{k}={v}" for k, v in form.items()).encode("utf-8")  # not percent-encoded
    plain = httpx.post(f"{server}/auth/token", content=raw, timeout=10,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert plain.status_code == 200, plain.text
    wrong = httpx.post(f"{server}/auth/token", data={**form, "client_secret": "geheim-u-密码"},
                       timeout=10)  # fmt: skip
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def _oauth_refusal(r: Any, status: int, error: str) -> None:
    """*r* is a clean OAuth 2.0 error (RFC 6749 5.2): status, JSON body, no-store."""
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "error_description"} and r.json()["error"] == error
    assert r.headers["cache-control"] == "no-store"


def test_credentials_that_are_not_utf8_are_refused_cleanly(server):
    # bytes that are not UTF-8 were read as latin-1 (the body) or made the handler fail
    # with a 500 (a non-ASCII Basic header); each is now a clean OAuth error
    client = UNICODE_CLIENT[0].encode()
    form = "application/x-www-form-urlencoded"
    for body in (
        b"grant_type=client_credentials&client_id=" + client + b"&client_secret=\xff\xfe",
        b"grant_type=client_credentials&client_id=" + client + b"&client_secret=%FF%FE",
        b"grant_type=client_credentials&client_id=%C3&client_secret=x",
    ):
        r = httpx.post(f"{server}/auth/token", content=body, timeout=10,
                       headers={"Content-Type": form})  # fmt: skip
        _oauth_refusal(r, 400, "invalid_request")
        assert "not UTF-8" in r.json()["error_description"]
    latin1 = base64.b64encode("客户-Müller".encode("utf-16-le") + b":x").decode()
    for header in (b"Basic \xc3\xbc", f"Basic {latin1}".encode()):
        r = httpx.post(f"{server}/auth/token", data={"grant_type": "client_credentials"},
                       headers={"Authorization": header}, timeout=10)  # fmt: skip
        _oauth_refusal(r, 401, "invalid_client")


def test_a_token_request_naming_a_parameter_twice_is_refused(server):
    # RFC 6749 3.2 and 5.2: parameters MUST NOT be included more than once; the last one
    # was taken, whatever the first said
    twice = b"grant_type=password&grant_type=client_credentials"
    r = httpx.post(f"{server}/auth/token", auth=CLIENT, content=twice, timeout=10,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    _oauth_refusal(r, 400, "invalid_request")
    assert r.json()["error_description"] == "a parameter is given more than once (grant_type)"


def test_a_query_that_is_not_utf8_is_a_bad_request(server):
    # the query's %XX were decoded with replacement characters: a filter on bytes that
    # are not text matched nothing and answered 200, as if the query were valid
    headers = _bearer(server)
    r = httpx.get(f"{server}/3/footprints?geography=%FF", headers=headers, timeout=10)
    assert r.status_code == 400 and _error_code(r) == "BadRequest"
    assert "not UTF-8" in r.json()["message"]
    ok = httpx.get(f"{server}/3/footprints?geography=%E4%B8%AD&limit=", headers=headers, timeout=10)
    assert ok.status_code == 400 and "limit is a whole number" in ok.json()["message"]


def test_footprints_are_listed_and_got_with_a_token_only(server, official):
    assert httpx.get(f"{server}/3/footprints", timeout=10).status_code == 401
    bad = httpx.get(f"{server}/3/footprints", headers={"Authorization": "Bearer x"}, timeout=10)
    assert bad.status_code == 401 and _error_code(bad) == "AccessDenied"
    headers = _bearer(server)
    listed = httpx.get(f"{server}/3/footprints", headers=headers, timeout=10)
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert sorted(pf["productNameCompany"] for pf in data) == [
        "Primary aluminium, liquid (原铝液)",
        "Steel bracket",
    ]
    for pf in data:
        assert _errors(official, pf) == []
        one = httpx.get(f"{server}/3/footprints/{pf['id']}", headers=headers, timeout=10)
        assert one.status_code == 200 and one.json() == {"data": pf}
    bracket = next(pf for pf in data if pf["productNameCompany"] == "Steel bracket")
    assert bracket["pcf"]["pcfExcludingBiogenicUptake"] == "0.925"  # tests/test_pact.py
    missing = httpx.get(
        f"{server}/3/footprints/00000000-0000-0000-0000-000000000000", headers=headers, timeout=10
    )
    assert missing.status_code == 404 and _error_code(missing) == "NotFound"


def test_filters_and_pagination_follow_the_specification(server):
    headers = _bearer(server)

    def ids(**params: Any) -> tuple[list[str], Any]:
        r = httpx.get(f"{server}/3/footprints", headers=headers, params=params, timeout=10)
        assert r.status_code == 200, r.text
        return [pf["productNameCompany"] for pf in r.json()["data"]], r

    assert ids(productId="URN:PACT:PRODUCT:EXAMPLE:BRACKET")[0] == ["Steel bracket"]  # any case
    assert ids(productId=["urn:pact:product:example:bracket", "urn:x"])[0] == ["Steel bracket"]
    assert ids(status="Deprecated")[0] == []
    # valid 3 years from the reference end 2025-01-01 (no validity period stated)
    assert len(ids(validOn="2027-06-01T00:00:00Z")[0]) == 2
    assert ids(validOn="2028-06-01T00:00:00Z")[0] == []
    first, r = ids(limit="1")
    assert len(first) == 1
    link = r.headers["link"]
    assert link.startswith(f"<{server}/3/footprints?") and link.endswith('>; rel="next"')
    r2 = httpx.get(link[1 : link.index(">")], headers=headers, timeout=10)
    assert len(r2.json()["data"]) == 1 and "link" not in r2.headers
    assert {first[0], r2.json()["data"][0]["productNameCompany"]} == {"Steel bracket",
        "Primary aluminium, liquid (原铝液)"}  # fmt: skip
    bad = httpx.get(f"{server}/3/footprints", headers=headers, params={"limit": "-1"}, timeout=10)
    assert bad.status_code == 400 and _error_code(bad) == "BadRequest"
    naive = httpx.get(
        f"{server}/3/footprints",
        headers=headers,
        params={"validOn": "2027-01-01T00:00:00"},
        timeout=10,
    )
    assert naive.status_code == 400


def test_a_token_expires(server):
    headers = _bearer(server)
    assert httpx.get(f"{server}/3/footprints", headers=headers, timeout=10).status_code == 200
    time.sleep(2.2)  # the server runs with --token-lifetime 2
    r = httpx.get(f"{server}/3/footprints", headers=headers, timeout=10)
    assert r.status_code == 401 and _error_code(r) == "TokenExpired"


CE_JSON = "application/cloudevents+json; charset=UTF-8"
PACT_EVENT = "org.wbcsd.pact.ProductFootprint.{}.3"


def _event(kind: str, data: dict[str, Any], id: str = "1934405d-4f9b-4b3b-9c05bc35-68f8") -> Any:
    """A CloudEvent of PACT v3.0.3 (the specification's examples), checked by its schema."""
    event = {"type": PACT_EVENT.format(kind), "specversion": "1.0", "id": id,
             "source": "//buyer.example.com/3/events", "time": "2025-03-05T17:31:00Z",
             "data": data}  # fmt: skip
    assert list(official_validator(kind).iter_errors(event)) == [], kind
    return event


def _send(base: str, body: Any, headers: dict[str, str], content_type: str = CE_JSON) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{base}/3/events",
        headers={**headers, "Content-Type": content_type},
        content=content,
        timeout=10,
    )


def _logged(base: str) -> list[dict[str, Any]]:
    log = EVENT_LOGS[base]
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


def test_events_need_a_token(server):
    event = _event("PublishedEvent", {"pfIds": []})
    r = _send(server, event, {})
    assert r.status_code == 401 and _error_code(r) == "AccessDenied"
    r = _send(server, event, {"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and _error_code(r) == "AccessDenied"
    assert all(e["event"] != event for e in _logged(server))


def test_a_request_for_footprints_is_accepted_and_recorded_once(server):
    headers = _bearer(server)
    criteria = {"productId": ["urn:pact:product:example:bracket"], "geography": ["CN"],
                "validAfter": "2025-01-01T00:00:00Z", "comment": "for our 2025 report"}  # fmt: skip
    event = _event("RequestCreatedEvent", criteria, id="request-1")
    before = len(_logged(server))
    r = _send(server, event, headers)
    assert r.status_code == 200, r.text
    assert r.content == b""  # the specification: SHOULD return an empty body
    again = _send(server, event, headers, content_type="application/cloudevents+json")
    assert again.status_code == 200  # a retry (same source and id) is taken, not logged twice
    logged = _logged(server)[before:]
    assert [(e["client"], e["event"]) for e in logged] == [(CLIENT[0], event)]
    assert logged[0]["received"].endswith("Z")


def test_every_event_type_of_the_specification_is_accepted(server):
    headers = _bearer(server)
    listed = httpx.get(f"{server}/3/footprints", headers=headers, timeout=10).json()["data"]
    error = {"code": "NotFound", "message": "The requested footprint could not be found."}
    events = [
        _event("PublishedEvent", {"pfIds": [listed[0]["id"]]}, id="published-1"),
        _event("RequestFulfilledEvent", {"requestEventId": "r-9", "pfs": listed[:1]}, id="f-1"),
        _event("RequestRejectedEvent", {"requestEventId": "r-8", "error": error}, id="r-1"),
    ]
    before = len(_logged(server))
    for event in events:
        r = _send(server, event, headers)
        assert r.status_code == 200 and r.content == b"", r.text
    assert [e["event"] for e in _logged(server)[before:]] == events


def _refused(base: str, body: Any, headers: dict[str, str], match: str, **kw: str) -> None:
    r = _send(base, body, headers, **kw)
    assert r.status_code == 400, r.text
    assert _error_code(r) == "BadRequest"
    assert match in r.json()["message"], r.json()["message"]


def test_malformed_events_are_refused_with_bad_request(server):
    headers = _bearer(server)
    ok = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:example:bracket"]})
    before = len(_logged(server))
    _refused(server, ok, headers, "application/cloudevents+json", content_type="application/json")
    _refused(server, ok, headers, "not 'applic", content_type="application/cloudevents+json; charset=latin-1")
    _refused(server, b'{"type": ', headers, "not UTF-8 JSON")
    _refused(server, b"\xff\xfe{}", headers, "not UTF-8 JSON")
    _refused(server, b'{"a": NaN}', headers, "not UTF-8 JSON")
    _refused(server, b"[" * 200_000, headers, "not UTF-8 JSON")  # deeper than the parser goes
    _refused(server, [ok], headers, "batches are not taken")
    _refused(server, b"{" + b" " * 1_048_577 + b"}", headers, "at most 1048576 bytes")
    _refused(server, {k: v for k, v in ok.items() if k != "time"}, headers, "time: Field required")
    _refused(server, {**ok, "time": "2025-03-05T17:31:00"}, headers, "time: not a date and time with its offset")
    _refused(server, {**ok, "specversion": "0.3"}, headers, "specversion: Input should be '1.0'")
    _refused(server, {**ok, "type": "org.wbcsd.pact.ProductFootprint.DeletedEvent.3"}, headers,
             "type: Input should be")  # fmt: skip
    _refused(server, {**ok, "data": {"productId": ["bracket"]}}, headers, "data.productId.0: not a URN")
    _refused(server, {**ok, "data": {"status": "Gone"}}, headers, "data.status: Input should be")
    _refused(server, {**ok, "data": {"comment": "anything"}}, headers, "names its criteria")
    fulfilled = {**ok, "type": PACT_EVENT.format("RequestFulfilledEvent")}
    _refused(server, {**fulfilled, "data": {"requestEventId": "r", "pfs": []}}, headers,
             "data.pfs: not an empty list")  # fmt: skip
    _refused(server, {**fulfilled, "data": {"requestEventId": "r", "pfs": [{"id": "x"}]}},
             headers, "data.pfs.0.id: not a UUID")  # fmt: skip
    rejected = {**ok, "type": PACT_EVENT.format("RequestRejectedEvent")}
    _refused(server, {**rejected, "data": {"requestEventId": "r", "error": {"code": "Nope",
             "message": "m"}}}, headers, "data.error.code: Input should be")  # fmt: skip
    published = {**ok, "type": PACT_EVENT.format("PublishedEvent")}
    _refused(server, {**published, "data": {"pfIds": ["x"]}}, headers, "data.pfIds.0: not a UUID")
    assert len(_logged(server)) == before  # nothing refused is recorded


def test_without_an_events_log_requests_for_footprints_are_refused(server_without_log):
    headers = _bearer(server_without_log)
    request = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:example:bracket"]})
    _refused(server_without_log, request, headers, "takes no requests for footprints")
    published = _event("PublishedEvent", {"pfIds": []})
    r = _send(server_without_log, published, headers)
    assert r.status_code == 200 and r.content == b""


def test_an_event_the_host_cannot_record_is_an_internal_error_and_taken_on_retry(server):
    headers = _bearer(server)
    log = EVENT_LOGS[server]
    event = _event("RequestCreatedEvent", {"companyId": ["urn:x:buyer"]}, id="unrecorded-1")
    kept = log.with_name("events.kept")
    log.touch()
    log.rename(kept)
    log.mkdir()  # the log cannot be opened for appending
    try:
        r = _send(server, event, headers)
    finally:
        log.rmdir()
        kept.rename(log)
    assert r.status_code == 500 and _error_code(r) == "InternalError"
    assert "not recorded" in r.json()["message"]
    assert _send(server, event, headers).status_code == 200  # not taken as a repeat
    assert _logged(server)[-1]["event"] == event


@pytest.mark.parametrize(
    "host",
    [
        'evil>; rel="prev", <http://attacker.example/',  # closes the Link's URI, adds a link
        "host with space",
        'a"b',
        "a<b",
        "h:port",  # a port that is not digits
        "[::1",  # an IPv6 literal not closed
    ],
)
def test_a_host_header_that_is_not_a_host_is_a_bad_request(server, host):
    # The Link of a page and the OpenID issuer are made from the request's Host header; a
    # value outside RFC 3986's host [":" port] grammar could write into them, so it is refused.
    headers = {**_bearer(server), "Host": host}
    for path in ("/3/footprints?limit=1", "/.well-known/openid-configuration"):
        r = httpx.get(f"{server}{path}", headers=headers, timeout=10)
        assert r.status_code == 400 and _error_code(r) == "BadRequest", (path, r.text)
        assert "link" not in r.headers and "attacker" not in r.text


@pytest.mark.parametrize("host", ["localhost:8080", "pact.example.com", "127.0.0.1:9", "[::1]:80"])
def test_a_host_header_that_is_a_host_names_the_links(server, host):
    r = httpx.get(f"{server}/3/footprints?limit=1", headers={**_bearer(server), "Host": host},
                  timeout=10)  # fmt: skip
    assert r.status_code == 200 and r.headers["link"].startswith(f"<http://{host}/3/footprints?")
    issuer = httpx.get(f"{server}/.well-known/openid-configuration", headers={"Host": host},
                       timeout=10).json()["issuer"]  # fmt: skip
    assert issuer == f"http://{host}"
