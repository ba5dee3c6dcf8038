"""``nqi-carbon serve``: the PACT v3 API, tested with a real HTTP client against a running process.

One server process (``python -m nqi_carbon.cli serve``) on a free port serves the
aluminium example and the bracket of ``tests/test_pact.py``; httpx asks for a token with
OAuth 2.0 client credentials (PACT v3.0.3 section 5.5) and lists and gets footprints
(5.6, 5.7). Every footprint served is checked against the official schema.
"""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def official() -> Any:
    """The official v3.0.3 ProductFootprint schema (tests/test_pact.py)."""
    return official_validator()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running ``nqi-carbon serve`` (ended after the module's tests)."""
    tmp = tmp_path_factory.mktemp("serve")
    doc = copy.deepcopy(BRACKET)
    doc["inputs"][0]["supplier_footprint"] = supplier_footprint(SUPPLIER)
    (tmp / "bracket.json").write_text(json.dumps(doc, default=str), encoding="utf-8")
    (tmp / "with.yaml").write_text(yaml.safe_dump(COMPANY), encoding="utf-8")
    (tmp / "clients.yaml").write_text(yaml.safe_dump(dict([CLIENT])), encoding="utf-8")
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
            "--base-dir", str(tmp), "--token-lifetime", "2"]  # fmt: skip
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
    events = httpx.post(f"{server}/3/events", headers=headers, json={}, timeout=10)
    assert events.status_code == 501 and _error_code(events) == "NotImplemented"


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
