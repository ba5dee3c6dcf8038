"""Bounded fuzzing of the claim loader (``schema: nqi-carbon/neutrality@1``).

Each example is a mutated valid claim, written as JSON or YAML (sometimes with tokens
spliced into the text): it must give an evaluation or a typed ``NqiCarbonError`` (exit
status 1 on the command line), never a traceback or a hang. An evaluation that makes the
claim is checked against what the file says: the credits cover the residual, and every
report renders. ``NQI_FUZZ_EXAMPLES`` sets the number of examples (default 50).
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import nqi_carbon as nc

from .test_fuzz_loaders import LOADERS, mutated, refused, serialised

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
    "management_plan": {"base_year": 2022, "targets": [{"year": 2030, "reduction": 0.5}]},
    "reductions": [{"id": "r1", "description": "LED", "amount_t": 12.5}],
    "residual_emissions_t": 980.0,
    "credits": [
        CREDIT,
        {
            **CREDIT,
            "type": "removal",
            "permanence_years": 100,
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
