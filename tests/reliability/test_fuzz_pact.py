"""Bounded fuzzing of the PACT v3 reader (``nqi_carbon.footprint.pact.read_pact``).

Each example is a mutated official example (a value changed where one was, any value put
in, a key removed or added; sometimes tokens spliced into the JSON text): it must give
supplier footprints or a typed ``NqiCarbonError``, never a traceback or a hang. A file
that is read is checked against what it says: every figure is finite, ``value`` is
``pcfExcludingBiogenicUptake`` less its biogenic parts over ``declaredUnitAmount``, and
every footprint read is a valid input of the footprint model or refused by it with a
typed error.
``NQI_FUZZ_EXAMPLES`` sets the number of examples (default 50).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

import nqi_carbon as nc
from nqi_carbon.footprint.model import SupplierFootprint
from nqi_carbon.footprint.pact import read_pact, to_pact, write_pact

from .test_fuzz_entry_points import hostile
from .test_fuzz_loaders import LOADERS, TOKENS, mutated, refused

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).parent.parent / "data" / "pact" / "examples"
BIOGENIC_PARTS = (
    "landManagementBiogenicCO2Emissions",
    "biogenicNonCO2Emissions",
    "landManagementBiogenicCO2Removals",
)
EXAMPLE = json.loads((EXAMPLES / "example-2.json").read_text(encoding="utf-8"))


@st.composite
def pact_files(draw: st.DrawFn) -> tuple[bytes, dict[str, Any] | None]:
    """(bytes, the document when the text is its plain JSON) of a mutated footprint."""
    figures_only = draw(st.booleans())  # half the time the pcf object alone is mutated
    doc = (
        {**EXAMPLE, "pcf": draw(mutated(EXAMPLE["pcf"]))}
        if figures_only
        else draw(mutated(EXAMPLE))
    )
    if draw(st.booleans()):
        doc = {"data": [doc, EXAMPLE] if draw(st.booleans()) else doc}
    text = json.dumps(doc, default=str)
    spliced = draw(st.sampled_from([0, 0, 0, 1, 2]))
    for _ in range(spliced):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
    return text.encode("utf-8", errors="surrogatepass"), None if spliced else doc


def _check(found: list[dict[str, Any]], doc: dict[str, Any] | None) -> None:
    for sf in found:
        assert all(math.isfinite(v) for v in sf.values() if isinstance(v, float)), sf
        try:
            SupplierFootprint.model_validate(sf)
        except ValidationError as exc:  # the model's own rules (value >= 0, parts <= value)
            event(f"model refuses: {exc.errors()[0]['type']}")
    if doc is None:
        return
    inner = doc.get("data", doc)
    for sf, pf in zip(found, inner if isinstance(inner, list) else [inner], strict=True):
        pcf = pf["pcf"]
        apart = [pcf.get(k) for k in BIOGENIC_PARTS]
        excluding = Decimal(pcf["pcfExcludingBiogenicUptake"])
        expected = excluding - sum(Decimal(v) for v in apart if v is not None)
        assert sf["value"] == float(expected / Decimal(pcf["declaredUnitAmount"]))
        assert sf["source"]["id"] == pf["id"]


@LOADERS
@given(pact_files())
def test_a_mutated_pact_file_gives_supplier_footprints_or_a_typed_error(case):
    raw, doc = case
    with tempfile.TemporaryDirectory() as tmp, nc.Sandbox(base_dir=tmp):
        path = Path(tmp) / "supplier.json"
        path.write_bytes(raw)
        try:
            found = read_pact(path)
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event("read")
    _check(found, doc)


def test_the_example_before_mutation_reads():
    with tempfile.TemporaryDirectory() as tmp, nc.Sandbox(base_dir=tmp):
        path = Path(tmp) / "supplier.json"
        path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
        (sf,) = read_pact(path)
    _check([sf], EXAMPLE)


FIGURES = {
    "company_name": "Example Co.",
    "company_ids": ["urn:pact:company:example"],
    "product_ids": ["urn:pact:product:example:p"],
    "product_name": "P",
    "product_description": "a product",
    "declared_unit": "t",
    "reference_period_start": dt.date(2024, 1, 1),
    "reference_period_end": dt.date(2025, 1, 1),
    "pcf_excluding_biogenic_uptake": 612.5,
    "pcf_including_biogenic_uptake": 600.0,
    "fossil_ghg": 610.0,
    "biogenic_removals": -12.5,
    "fossil_carbon_content": 0.0,
    "ipcc_characterization_factors": ["AR6"],
    "exempted_emissions_percent": 0.5,
    "dqi": {"technological": 1.0, "geographical": 2.0, "temporal": 1.5},
}


@LOADERS
@given(st.data())
def test_to_pact_and_write_pact_give_a_valid_file_or_a_typed_error(data):
    figures = dict(FIGURES)
    for key in data.draw(
        st.lists(st.sampled_from([*FIGURES, "geography_country", "x"]), max_size=3)
    ):
        figures[key] = data.draw(hostile)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.json"
        try:
            write_pact(to_pact(figures), path)
        except nc.NqiCarbonError as exc:
            assert not path.exists()  # nothing half-written
            return refused(exc)
        event("written")
        (sf,) = read_pact(path)  # what was written reads back
    assert math.isfinite(sf["value"])
