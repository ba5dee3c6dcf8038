"""Hostile files against the product-footprint surfaces (issue 24, adversarial review).

A footprint file names a supplier's PACT file (``supplier_footprint: {pact: ..., id:
...}``) and a plant inventory; a service reads both from a stranger's upload. Each payload
here broke a reader before: a crash past the typed errors, or work that grew with the
product of two sizes an attacker controls. Time is only guarded, never measured.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

from nqi_carbon.errors import InvalidInputError
from nqi_carbon.footprint import pact
from nqi_carbon.footprint.model import load_footprint

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "pact" / "examples" / "example-1.json"
"""One ProductFootprint of the PACT v3.0.3 specification (ethanol, per kilogram)."""


def _supplier(tmp_path, n=1):
    """A PACT file of *n* copies of the example, ids 1..n as UUIDs."""
    one = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data = [{**one, "id": str(uuid.UUID(int=k + 1))} for k in range(n)]
    (tmp_path / "supplier.json").write_text(json.dumps({"data": data}), encoding="utf-8")


def _study(tmp_path, refs):
    """A footprint file whose inputs name the supplier footprints *refs*."""
    doc = {
        "schema": "nqi-carbon/footprint@1",
        "product": {"id": "bottle", "name": "Bottle"},
        "declared_unit": {"amount": 1.0, "unit": "kg"},
        "boundary": "cradle_to_gate",
        "reference_period": {"start": "2024-01-01", "end": "2025-01-01"},
        "inputs": [
            {
                "id": f"ethanol-{k}",
                "kind": "material",
                "stage": "raw_material_acquisition",
                "amount": 0.5,
                "unit": "kg",
                "supplier_footprint": ref,
            }
            for k, ref in enumerate(refs)
        ],
        "cut_off": {"criterion": "none", "exempted_share": 0},
    }
    path = tmp_path / "bracket.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.mark.timeout(30)
def test_a_pact_path_with_a_nul_character_is_a_typed_error(tmp_path):
    _supplier(tmp_path)
    path = _study(tmp_path, [{"pact": "supplier.json\x00.txt"}])
    with pytest.raises(InvalidInputError, match="NUL") as ei:
        load_footprint(str(path))
    issue = ei.value.issues[0]
    assert (issue.code, issue.field, issue.file) == (
        "file_unreadable",
        "inputs[0].supplier_footprint.pact",
        str(path),
    )


def test_the_study_before_the_payloads_reads(tmp_path):
    _supplier(tmp_path)
    study, _, _ = load_footprint(str(_study(tmp_path, [{"pact": "supplier.json"}])))
    assert study.inputs[0].supplier_footprint is not None


@pytest.mark.timeout(60)
def test_a_pact_file_named_by_many_inputs_is_read_once(tmp_path, monkeypatch):
    # 300 references to one PACT file of 300 footprints, under three spellings of its
    # path: each reference used to read and check the whole file again (and scan its
    # footprints for the id), so the work grew with references x file size -- a 32 MiB
    # PACT file named 100,000 times by a 5 MB footprint file would take days
    _supplier(tmp_path, 300)
    spellings = ("supplier.json", "./supplier.json", ".//supplier.json")
    refs = [
        {"pact": spellings[k % 3], "id": f"urn:uuid:{uuid.UUID(int=300 - k)}"} for k in range(300)
    ]
    reads: list[object] = []
    real = pact.read_pact
    monkeypatch.setattr(pact, "read_pact", lambda p, **kw: reads.append(p) or real(p, **kw))
    study, _, _ = load_footprint(str(_study(tmp_path, refs)))
    assert len(reads) == 1
    got = [i.supplier_footprint.source.id for i in study.inputs]
    assert got == [str(uuid.UUID(int=300 - k)) for k in range(300)]


def test_each_reference_outside_the_folder_is_named_though_the_file_is_read_once(tmp_path):
    inner = tmp_path / "study"
    inner.mkdir()
    _supplier(tmp_path)
    _supplier(inner)
    refs = [{"pact": "supplier.json"}, {"pact": "../supplier.json"}, {"pact": "../supplier.json"}]
    with pytest.raises(InvalidInputError) as ei:
        load_footprint(str(_study(inner, refs)))
    assert [(i.code, i.field) for i in ei.value.issues] == [
        ("path_outside_base", "inputs[1].supplier_footprint.pact"),
        ("path_outside_base", "inputs[2].supplier_footprint.pact"),
    ]


# -- nqi-carbon serve: the events log ------------------------------------------------------


def _post_events(app, events):
    """The answers of *app* to each event of *events*, sent with a token of ``buyer``."""
    import asyncio

    import httpx

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pact.test") as c:
            form = {"grant_type": "client_credentials"}
            token = (await c.post("/auth/token", data=form, auth=("buyer", "s3cret"))).json()
            headers = {
                "Authorization": f"Bearer {token['access_token']}",
                "Content-Type": "application/cloudevents+json",
            }
            return [await c.post("/3/events", json=e, headers=headers) for e in events]

    return asyncio.run(run())


@pytest.mark.timeout(60)
def test_a_client_cannot_grow_the_events_log_past_its_limit(tmp_path):
    # every event with a new id was appended: a client holding a token could fill the
    # server's disk, 1 MiB a request; the log now stops at its limit
    pytest.importorskip("starlette")
    from nqi_carbon.footprint.pact_api import MAX_EVENTS_LOG_BYTES, create_app

    assert MAX_EVENTS_LOG_BYTES == 256 * 1024**2
    footprint = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    log = tmp_path / "events.jsonl"
    app = create_app(
        [footprint], clients={"buyer": "s3cret"}, events_log=log, events_log_max_bytes=2000
    )
    events = [
        {"type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3", "specversion": "1.0",
         "id": f"request-{k}", "source": "//buyer.example/3/events",
         "time": "2025-03-05T17:31:00Z", "data": {"productId": ["urn:pact:product:x"]}}
        for k in range(20)
    ]  # fmt: skip
    answers = _post_events(app, events)
    codes = [r.status_code for r in answers]
    kept = log.read_text(encoding="utf-8").splitlines()
    assert codes == [200] * len(kept) + [500] * (20 - len(kept)) and 0 < len(kept) < 20
    assert answers[-1].json() == {
        "code": "InternalError",
        "message": "the events log is full (2000 bytes): the event was not recorded",
    }
    assert log.stat().st_size <= 2000
    assert [json.loads(line)["event"]["id"] for line in kept] == [
        f"request-{k}" for k in range(len(kept))
    ]


def _get(app, url):
    """*app*'s answer to GET *url* with a token of ``buyer``."""
    import asyncio

    import httpx

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://pact.test") as c:
            form = {"grant_type": "client_credentials"}
            token = (await c.post("/auth/token", data=form, auth=("buyer", "s3cret"))).json()
            return await c.get(url, headers={"Authorization": f"Bearer {token['access_token']}"})

    return asyncio.run(run())


@pytest.mark.timeout(60)
def test_a_footprint_valid_past_year_9999_does_not_break_the_listing(tmp_path):
    # a supplier's PACT file served with --pact, its reference period ending in 9999 and
    # no validity period stated: the default validity (3 years on) passed datetime's
    # range, and every listing with a validity filter answered a bare 500
    pytest.importorskip("starlette")
    from nqi_carbon.footprint.pact_api import create_app

    far = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    far = {k: v for k, v in far.items() if not k.startswith("validityPeriod")}
    far["pcf"] = {**far["pcf"], "referencePeriodStart": "9998-01-01T00:00:00Z",
                  "referencePeriodEnd": "9999-06-01T00:00:00Z"}  # fmt: skip
    app = create_app([far], clients={"buyer": "s3cret"})
    r = _get(app, "/3/footprints?validOn=9999-12-31T00:00:00Z")
    assert r.status_code == 200, r.text
    assert [pf["id"] for pf in r.json()["data"]] == [far["id"]]
    r = _get(app, "/3/footprints?validOn=2025-01-01T00:00:00Z")
    assert (r.status_code, r.json()) == (200, {"data": []})


def test_an_error_the_host_did_not_foresee_is_answered_without_its_details(monkeypatch):
    # an uncaught exception was Starlette's plain-text 500, not the specification's Error
    # object; whatever its message (a path, a value), the answer names nothing of it
    pytest.importorskip("starlette")
    from nqi_carbon.footprint import pact_api

    def broken(pf, query):
        raise OSError("/srv/tenants/acme/secret.json: boom")

    monkeypatch.setattr(pact_api, "_matches", broken)
    footprint = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r = _get(pact_api.create_app([footprint], clients={"buyer": "s3cret"}), "/3/footprints")
    assert (r.status_code, r.json()) == (
        500,
        {"code": "InternalError", "message": "the host could not answer this request"},
    )


# -- the footprint evidence log -------------------------------------------------------------


@pytest.mark.timeout(20)
def test_an_evidence_log_is_checked_against_the_inputs_in_linear_time():
    # each sample's input was looked up in a list of the study's inputs: 60,000 samples
    # against 60,000 inputs took about 40 s (quadratic), now well under a second
    from types import SimpleNamespace

    from nqi_carbon.footprint.evidence import read_footprint_evidence

    n = 60_000
    result = SimpleNamespace(by_input=[{"id": f"in-{k}"} for k in range(n)])
    samples = [{"input": f"in-{n - 1 - k}", "result": "agrees"} for k in range(n)]
    samples[7] = {"input": "in-none", "result": "agrees"}
    with pytest.raises(InvalidInputError, match="no input of the study has this id") as ei:
        read_footprint_evidence({"samples": samples}, result)
    assert [(i.code, i.field, i.value) for i in ei.value.issues] == [
        ("footprint_evidence_input_known", "samples[7].input", "'in-none'")
    ]


@pytest.mark.timeout(60)
def test_the_events_remembered_cost_a_fixed_size_whatever_their_ids(tmp_path):
    # the host remembers the last 10,000 events (source, id) to take a retry once; it kept
    # them as sent, so 10,000 events with 1 MiB ids held some 10 GB -- without any log
    pytest.importorskip("starlette")
    from nqi_carbon.footprint.pact_api import create_app

    footprint = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    app = create_app([footprint], clients={"buyer": "s3cret"})
    events = [
        {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0",
         "id": f"{k}" + "x" * 200_000, "source": "//" + "s" * 200_000,
         "time": "2025-03-05T17:31:00Z", "data": {"pfIds": []}}
        for k in (1, 2, 1)
    ]  # fmt: skip
    assert [r.status_code for r in _post_events(app, events)] == [200, 200, 200]
    api = next(r.endpoint.__self__ for r in app.routes if r.path == "/3/events")
    assert len(api.seen) == 2  # the repeat is known
    assert all(len(repr(key)) < 200 for key in api.seen)


# -- bounded lists of issues -----------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_broken_pact_file_named_many_times_counts_its_problems_once(tmp_path):
    # 150 empty footprints: more problems than an error lists. Each of the three
    # references raised the file's issues again; repeats of the listed ones were dropped,
    # but each copy's count of the problems not listed was added up: three times too many
    (tmp_path / "supplier.json").write_text(json.dumps({"data": [{}] * 150}), encoding="utf-8")
    with pytest.raises(InvalidInputError) as alone:
        pact.read_pact(tmp_path / "supplier.json")
    assert alone.value.omitted  # the file alone has problems not listed
    refs = [{"pact": "supplier.json"}] * 3
    with pytest.raises(InvalidInputError) as ei:
        load_footprint(str(_study(tmp_path, refs)))
    assert ei.value.omitted == alone.value.omitted
    assert ei.value.issues == alone.value.issues  # the same problems listed once


@pytest.mark.timeout(60)
def test_a_flood_of_bad_pact_references_keeps_memory_for_the_listed_issues(tmp_path):
    # every one of 20,000 malformed references was kept as an Issue until the error was
    # raised (a 32 MiB file holds about a million): memory grew with the file; now the
    # first Limits.max_issues are kept and the others only counted
    import tracemalloc

    doc = yaml.safe_load(_study(tmp_path, []).read_text(encoding="utf-8"))
    doc["inputs"] = [{"id": f"x{k}", "supplier_footprint": {"pact": k}} for k in range(20_000)]
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInputError) as ei:
            pact.resolve_pact_inputs(doc, source_path="bracket.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    issues = ei.value.issues
    assert len(issues) == 101 and issues[-1].code == "issues_truncated"
    assert ei.value.omitted == {"pact_reference": 19_900}
    assert [i.field for i in issues[:2]] == [
        "inputs[0].supplier_footprint",
        "inputs[1].supplier_footprint",
    ]
    assert peak < 4 * 1024**2, peak  # the 20,000 issues took 10 MiB


@pytest.mark.timeout(60)
def test_references_missing_a_large_pact_file_name_a_bounded_list_of_its_ids(tmp_path):
    # 400 footprints and 120 references to ids it does not have: each issue listed every
    # id of the file (15 kB), so the error's text grew with references x footprints
    _supplier(tmp_path, 400)
    refs = [{"pact": "supplier.json", "id": str(uuid.UUID(int=10_000 + k))} for k in range(120)]
    with pytest.raises(InvalidInputError) as ei:
        load_footprint(str(_study(tmp_path, refs)))
    issues = ei.value.issues
    assert len(issues) == 101 and ei.value.omitted == {"pact_id_unknown": 20}
    assert (issues[0].code, issues[0].field) == ("pact_id_unknown", "inputs[0].supplier_footprint.id")
    first = ", ".join(str(uuid.UUID(int=k + 1)) for k in range(20))
    assert issues[0].allowed == f"{first} (and 380 more)"
    assert len(str(ei.value)) < 200_000
