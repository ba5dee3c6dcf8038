"""Bounded fuzzing of the claim loader (``schema: nqi-carbon/neutrality@1``).

Each example is a mutated valid claim, written as JSON or YAML (sometimes with tokens
spliced into the text): it must give an evaluation or a typed ``NqiCarbonError`` (exit
status 1 on the command line), never a traceback or a hang. An evaluation that makes the
claim is checked against what the file says: the credits cover the residual, and every
report renders. ``NQI_FUZZ_EXAMPLES`` sets the number of examples (default 50).
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

import nqi_carbon as nc

from .hostile_corpus import html_problems, markdown_problems, xlsx_problems
from .test_fuzz_loaders import LOADERS, mutated, refused, serialised
from .test_fuzz_writers import anything, free_text, single_line

pytestmark = pytest.mark.timeout(600)

CREDIT = {
    "registry": "VCS",
    "project": "VCS-1",
    "serial": {"block": "VCS-VCU-1-2024", "start": 1, "end": 600},
    "vintage": 2024,
    "type": "avoidance",
    "retired_on": "2025-02-01",
    "retirement_evidence": "registry retirement record R-1",
    "beneficiary": "Example Events Co., Ltd.",
    "verified_by": "Verifier V-1",
    "additionality": "methodology M-1",
}
BASE = {
    "schema": "nqi-carbon/neutrality@1",
    "claimant": "Example Events Co., Ltd.",
    "claim_date": "2025-03-31",
    "subject": {
        "kind": "footprint",
        "name": "Annual conference 2024",
        "footprint": {"value_t": 1000.0, "low_t": 900.0, "high_t": 1100.0, "source": "LCA"},
        "removals_t": 20.0,
    },
    "period": {"start": "2024-01-01", "end": "2025-01-01"},
    "commitment": "Carbon neutral from 2024.",
    "management_plan": {
        "base_year": 2022,
        "base_year_emissions_t": 1200.0,
        "targets": [{"year": 2030, "reduction": 0.5}],
    },
    "reductions": [{"id": "r1", "description": "LED", "amount_t": 12.5}],
    "residual_emissions_t": 980.0,
    "credits": [
        CREDIT,
        {
            **CREDIT,
            "type": "removal",
            "permanence_years": 100,
            "reversal_risk": "buffer pool",
            "serial": {"block": "R-2024", "start": 1, "end": 480},
        },
    ],
}
"""A claim that is made: 1,080 t retired for a residual of 1,080 t at the upper bound."""


def test_the_claim_before_mutation_is_made():
    assert nc.evaluate_neutrality(BASE).status == "claim"


@LOADERS
@given(st.data())
def test_a_mutated_claim_gives_an_evaluation_or_a_typed_error(data):
    doc = data.draw(mutated(BASE))
    suffix, raw = data.draw(serialised(doc))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"claim{suffix}"
        path.write_bytes(raw)
        try:
            ev = nc.evaluate_neutrality(path)
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event(f"status: {ev.status}")
    assert ev.status in ("claim", "refused")
    assert all(i.code.startswith("neutrality_") for i in ev.refusals)
    if ev.status == "claim":
        assert ev.retired_t >= ev.required_t
    figures = ev.figures()
    assert all(math.isfinite(v) for v in figures.values() if isinstance(v, float))
    assert json.loads(ev.to_json())["status"] == ev.status
    ev.to_markdown()
    ev.to_html()


EVENT_DIR = Path(__file__).resolve().parents[2] / "examples" / "neutrality"
EVENT = yaml.safe_load((EVENT_DIR / "event-claim.yaml").read_text(encoding="utf-8"))
"""The example event claim (cn-large-event, its boundary over event-inventory.yaml)."""


@LOADERS
@given(st.data())
def test_a_mutated_event_claim_gives_an_evaluation_or_a_typed_error(data):
    # mostly under the subject (kind, boundary, the inventory's name), the credits and the
    # verification: the parts the event criteria read
    doc = data.draw(mutated(EVENT, under=("subject", "credits", "verification", "reductions")))
    suffix, raw = data.draw(serialised(doc))
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(EVENT_DIR / "event-inventory.yaml", Path(tmp) / "event-inventory.yaml")
        path = Path(tmp) / f"claim{suffix}"
        path.write_bytes(raw)
        try:
            ev = nc.verify_neutrality(path, materiality=0.05, assurance="reasonable")
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event(f"status: {ev.status}, opinion: {ev.opinion and ev.opinion.opinion}")
    assert all(i.code.startswith("neutrality_") for i in ev.refusals)
    assert ev.opinion is not None
    assert ev.status == "claim" or ev.opinion.opinion == "adverse"  # a refused claim is adverse
    if ev.status == "claim":
        assert ev.retired_t >= ev.required_t
        assert sum(b["co2e_t"] or 0 for b in ev.boundary()) == pytest.approx(
            ev.figures()["emissions_t"]
        )
    assert json.loads(ev.to_json())["status"] == ev.status
    ev.to_markdown()
    ev.to_html()


# -- hostile text in every writer ----------------------------------------------------------------

NEUTRALITY_FIELDS = (
    "claimant",
    "name",
    "project",
    "block",
    "evidence",
    "commitment",
    "verifier",
    "additionality",
)
NEUTRALITY_BENIGN = {
    "verifier": "Verifier V-1",
    "additionality": "a plain methodology",
    "claimant": "Benign Co",
    "name": "Plain event",
    "project": "P-1",
    "block": "B-1",
    "evidence": "a plain record",
    "commitment": "a plain commitment",
}


@st.composite
def neutrality_texts(draw: st.DrawFn) -> dict[str, str]:
    """A hostile text per field: mostly what validation accepts, sometimes anything."""
    valid = draw(st.integers(0, 4)) > 0
    free = {"evidence", "commitment", "additionality"}
    return {
        f: draw((free_text if f in free else single_line) if valid else anything)
        for f in NEUTRALITY_FIELDS
    }


def claim_with(t: dict[str, str]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["claimant"] = t["claimant"]
    doc["subject"]["name"] = t["name"]
    doc["commitment"] = t["commitment"]
    for i, c in enumerate(doc["credits"]):
        c.update(project=t["project"], beneficiary=t["claimant"], retirement_evidence=t["evidence"])
        c.update(verified_by=t["verifier"], additionality=t["additionality"])
        c["serial"]["block"] = f"{t['block']}-{i}"
    return doc


def neutrality_outputs(t: dict[str, str], folder: Path) -> dict[str, Any]:
    ev = nc.evaluate_neutrality(claim_with(t))
    written = ev.write(folder, ["json", "md", "html", "xlsx"])
    return {
        "status": ev.status,
        "listing": sorted(p.name for p in written),
        "md": (folder / "neutrality.md").read_text(encoding="utf-8"),
        "html": (folder / "neutrality.html").read_text(encoding="utf-8"),
        "json": json.loads((folder / "neutrality.json").read_text(encoding="utf-8")),
        "xlsx": xlsx_problems(folder / "neutrality.xlsx"),
    }


@pytest.mark.excel
@LOADERS
@given(neutrality_texts())
def test_hostile_text_in_a_claim_keeps_every_output_in_form(t):
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        try:
            got = neutrality_outputs(t, Path(tmp))
        except nc.NqiCarbonError as exc:
            return refused(exc)
        twin = neutrality_outputs(NEUTRALITY_BENIGN, Path(tmp2))
    event(f"status: {got['status']}")
    assert got["status"] == twin["status"] == "claim"
    assert got["listing"] == twin["listing"]
    problems = list(got["xlsx"])
    problems += markdown_problems(got["md"], twin["md"], "neutrality.md")
    problems += html_problems(got["html"], twin["html"], "neutrality.html")
    assert problems == []
    assert got["json"]["claimant"] == t["claimant"]
    assert got["json"]["credits"][0]["project"] == t["project"]
