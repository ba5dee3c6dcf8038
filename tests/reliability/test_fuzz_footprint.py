"""Bounded fuzzing of the footprint loader (``schema: nqi-carbon/footprint@1``) and writers.

Each example is a mutated valid study (inputs with a pack factor and a supplier footprint,
a plant inventory allocated by mass), written as JSON or YAML, sometimes with tokens
spliced in: it must give a footprint or a typed ``NqiCarbonError``, never a traceback or a
hang. A footprint is checked against what the file says (its stages add up to it, every
figure is finite, every report renders), and hostile text in every field a report shows
keeps each output in form. ``NQI_FUZZ_EXAMPLES`` sets the number of examples (default 50).
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import nqi_carbon as nc

from .hostile_corpus import html_problems, markdown_problems, xlsx_problems
from .test_fuzz_entry_points import documented
from .test_fuzz_loaders import LOADERS, mutated, refused, serialised
from .test_fuzz_writers import anything, free_text, single_line

pytestmark = pytest.mark.timeout(600)

PLANT = """\
schema: nqi-carbon/inventory@1
organization: {name: Works, id: W, consolidation: operational_control}
period: {start: 2024-01-01, end: 2025-01-01}
gwp: AR6
facilities: [{id: works, operational_control: true}]
factors:
  - {id: p/process, activity_unit: t, gases: {CO2: {value: 0.5, unit: t/t}}, reference: fixture factor}
sources:
  - {id: reactor, facility: works, category: 1, factor: p/process, activity: {amount: 2000, unit: t}}
"""
BASE: dict[str, Any] = {
    "schema": "nqi-carbon/footprint@1",
    "product": {"id": "A", "name": "Product A"},
    "declared_unit": {"amount": 1.0, "unit": "t"},
    "boundary": "cradle_to_gate",
    "reference_period": {"start": "2024-01-01", "end": "2025-01-01"},
    "factor_packs": ["cn-mee"],
    "inputs": [
        {"id": "power", "kind": "energy", "stage": "production", "amount": 10.0, "unit": "kWh",
         "factor": "cn-mee/grid/national/2022", "uncertainty": 0.05},
        {"id": "bought", "kind": "material", "stage": "raw_material_acquisition", "amount": 50.0,
         "unit": "kg", "supplier_footprint": {
             "value": 20.0, "declared_unit": "t", "land_use_change": 2.0, "biogenic_removals": -1.0,
             "primary_data_share": 40.0, "dqr": 1.5,
             "source": {"kind": "pact", "company": "Supplier Co.", "product": "stuff"}}},
    ],
    "plant": {"inventory": "plant.yaml", "facility": "works", "product": "A",
              "products": [{"id": "A", "output": {"amount": 600.0, "unit": "t"}},
                           {"id": "B", "output": {"amount": 400.0, "unit": "t"}}]},
    "allocation": {"rule": "physical", "key": "mass", "reason": "one reaction, by mass"},
    "cut_off": {"criterion": "below 1 %", "exempted_share": 0.5, "exempted": ["packaging"]},
    "study": {"practitioner": "EHS", "commissioner": "Works", "language": "en+zh"},
}  # fmt: skip
"""1000 t x 0.6 / 600 t = 1000 kg, 10 kWh x 0.5703 = 5.703 kg, 0.05 t x 20 = 1 kg."""


def _calculate(doc: dict[str, Any], folder: Path, suffix: str, raw: bytes) -> nc.FootprintResult:
    (folder / "plant.yaml").write_text(PLANT, encoding="utf-8")
    path = folder / f"footprint{suffix}"
    path.write_bytes(raw)
    return nc.calculate_footprint(path)


def test_the_study_before_mutation_gives_the_hand_figure(tmp_path):
    r = _calculate(BASE, tmp_path, ".json", json.dumps(BASE).encode())
    assert r.pcf_excluding_biogenic == pytest.approx(1000.0 + 5.703 + 1.0)


@LOADERS
@given(st.data())
def test_a_mutated_study_gives_a_footprint_or_a_typed_error(data):
    doc = data.draw(mutated(BASE))
    suffix, raw = data.draw(serialised(doc))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            r = _calculate(doc, Path(tmp), suffix, raw)
        except nc.NqiCarbonError as exc:
            return refused(exc)
    event("footprint")
    figures = [r.pcf_excluding_biogenic, r.pcf_including_biogenic, r.fossil_ghg, r.aircraft]
    assert all(math.isfinite(v) for v in figures)
    assert math.fsum(r.by_stage.values()) == pytest.approx(r.pcf_excluding_biogenic, abs=1e-9)
    assert r.fossil_ghg + r.land_use_change == pytest.approx(r.pcf_excluding_biogenic, abs=1e-9)
    rep = nc.footprint_report(r)
    assert json.loads(rep.to_json())["footprint"]["pcf_excluding_biogenic"] == pytest.approx(
        r.pcf_excluding_biogenic
    )
    rep.to_markdown()
    rep.to_html()


FIELDS = ("product", "reason", "company", "practitioner", "criterion", "exempted")
BENIGN = {
    "product": "Plain product",
    "reason": "a plain reason",
    "company": "Plain Co",
    "practitioner": "Plain person",
    "criterion": "a plain criterion",
    "exempted": "a plain flow",
}


@st.composite
def footprint_texts(draw: st.DrawFn) -> dict[str, str]:
    """A hostile text per field: mostly what validation accepts, sometimes anything."""
    valid = draw(st.integers(0, 4)) > 0
    free = {"reason", "criterion", "exempted"}
    return {
        f: draw((free_text if f in free else single_line) if valid else anything) for f in FIELDS
    }


def study_with(t: dict[str, str]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["product"]["name"] = t["product"]
    doc["allocation"]["reason"] = t["reason"]
    doc["inputs"][1]["supplier_footprint"]["source"]["company"] = t["company"]
    doc["study"]["practitioner"] = t["practitioner"]
    doc["cut_off"]["criterion"] = t["criterion"]
    doc["cut_off"]["exempted"] = [t["exempted"]]
    return doc


def outputs(t: dict[str, str], folder: Path) -> dict[str, Any]:
    doc = study_with(t)
    r = _calculate(doc, folder, ".json", json.dumps(doc).encode("utf-8", errors="surrogatepass"))
    written = nc.footprint_report(r).write(folder / "out", ["json", "md", "html", "xlsx"])
    out = folder / "out"
    return {
        "listing": sorted(p.name for p in written),
        "md": (out / "footprint.md").read_text(encoding="utf-8"),
        "html": (out / "footprint.html").read_text(encoding="utf-8"),
        "json": json.loads((out / "footprint.json").read_text(encoding="utf-8")),
        "xlsx": xlsx_problems(out / "footprint.xlsx"),
    }


@pytest.mark.excel
@LOADERS
@given(footprint_texts())
def test_hostile_text_in_a_study_keeps_every_output_in_form(t):
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        try:
            got = outputs(t, Path(tmp))
        except nc.NqiCarbonError as exc:
            return refused(exc)
        twin = outputs(BENIGN, Path(tmp2))
    assert got["listing"] == twin["listing"]
    problems = list(got["xlsx"])
    problems += markdown_problems(got["md"], twin["md"], "footprint.md")
    problems += html_problems(got["html"], twin["html"], "footprint.html")
    assert problems == []
    assert got["json"]["footprint"]["product"]["name"] == t["product"]
    assert got["json"]["footprint"]["allocation"]["reason"] == t["reason"]


# -- the arguments of calculate_footprint, footprint_report and verify_footprint ---------------

ALUMINIUM = (
    Path(__file__).resolve().parents[2] / "examples" / "footprint-aluminium" / "aluminium.yaml"
)
CLAIM = {
    "schema": "nqi-carbon/footprint-claim@1",
    "product": "primary-aluminium",
    "declared_unit": {"amount": 1, "unit": "t"},
    "pcf_excluding_biogenic": 9400.0,
}
_DONE: dict[str, Any] = {}
hostile = st.sampled_from(
    [None, True, 0, -1, 10**400, float("nan"), float("inf"), "", "\x00", "x" * 3000, [], {},
     object(), b"t", "2025-02-30", "5%", "monte_carlo", "zh", 1j]
)  # fmt: skip


def _aluminium() -> nc.FootprintResult:
    if not _DONE:
        _DONE["r"] = nc.calculate_footprint(ALUMINIUM)
    result: nc.FootprintResult = _DONE["r"]
    return result


@LOADERS
@given(
    st.sampled_from(["uncertainty", "iterations", "seed", "result", "language", "claimed",
                     "materiality", "assurance", "pervasive_multiple", "verifier", "body", "date"]),
    hostile,
)  # fmt: skip
def test_footprint_functions_raise_only_documented_errors(name, value):
    if name in ("uncertainty", "iterations", "seed"):
        kwargs = {"uncertainty": "monte_carlo", "iterations": 50, "seed": 1, name: value}
        return documented(lambda: nc.calculate_footprint(ALUMINIUM, **kwargs))
    if name == "result":
        return documented(lambda: nc.footprint_report(value))
    r = _aluminium()
    if name == "language":
        documented(lambda: nc.footprint_report(r, language=value))
    args = {"claimed": CLAIM, "materiality": 0.05, name: value}
    claimed = args.pop("claimed")
    return documented(lambda: nc.verify_footprint(r, claimed, **args).to_json())
