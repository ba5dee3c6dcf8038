"""The corpus of issue 12's hostile payloads: each gives its typed error or its correct result
within a time and memory bound, with no file outside the output folder and no live formula.

The corpus (``hostile_corpus.py``) runs once, in one child process under an address-space
limit and a per-payload alarm; each test here asserts one payload's record. Time is only
guarded (a payload interrupted by the alarm is a ``timeout``), never measured against a
speed.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from .hostile_corpus import CORPUS, PEAK_RSS_MB, Payload, records

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the corpus runner's alarm and address-space limit are POSIX"
)
NEEDS = {
    "excel": pytest.mark.excel,
    "linux": pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux devices"),
    "posix": pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs"),
}


def _params() -> list[Any]:
    return [pytest.param(p, id=p.id, marks=[NEEDS[n] for n in p.needs]) for p in CORPUS.values()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, request) -> dict[str, dict[str, Any]]:
    """Every selected payload's record, from one run of the corpus."""
    selected = [
        item.callspec.params["payload"].id
        for item in request.session.items
        if item.module is sys.modules[__name__]
        and "payload" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    workdir = tmp_path_factory.mktemp("corpus")
    return {r["id"]: r for r in records(workdir, selected or list(CORPUS))}


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("payload", _params())
def test_payload(corpus, payload: Payload):
    rec = corpus[payload.id]
    detail = f"{payload.what} via {payload.operation}: {rec}"
    assert rec["outcome"] not in ("crash", "timeout", "died"), detail
    if payload.error is not None:
        assert rec["outcome"] == "error", detail
        assert payload.error in rec["types"], detail
        assert rec["codes"] == sorted(payload.codes), detail
    else:
        assert rec["outcome"] == "result", detail
        assert rec["value"] == payload.value, detail
    assert rec["peak_rss_mb"] < PEAK_RSS_MB, detail
    assert rec["problems"] == [], detail


def test_every_payload_states_what_it_checks():
    for p in CORPUS.values():
        assert p.what and p.operation
        assert (p.error is None) == (not p.codes), p.id  # an error names its codes
        assert p.error is not None or p.value is not None, p.id


def _spin(work: Any) -> Any:
    def act() -> None:
        while True:
            pass

    return act


def _sleep(work: Any) -> Any:
    import time

    return lambda: time.sleep(60)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("build", "limits", "message"),
    [(_spin, (1, 20), "1 s of CPU"), (_sleep, (20, 1), "after 1 s")],
    ids=["spinning", "blocked"],
)
def test_the_alarm_interrupts_a_payload_that_spins_or_blocks(
    tmp_path, monkeypatch, build, limits, message
):
    # The guard counts CPU time (a loaded machine must not fail a 12 s payload) with a
    # wall-time backstop (a payload that blocks uses no CPU): each alone ends its payload.
    from . import hostile_corpus

    monkeypatch.setattr(hostile_corpus, "ALARM_S", limits[0])
    monkeypatch.setattr(hostile_corpus, "WALL_S", limits[1])
    p = Payload(id="hang", what="a hang", operation="none", build=build)
    record = hostile_corpus.run_payload(p, tmp_path)
    assert record["outcome"] == "timeout" and message in record["message"], record
