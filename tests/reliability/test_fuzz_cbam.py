"""Bounded fuzzing of the CBAM installation file (``schema: nqi-carbon/cbam-installation@1``).

Each example is the aluminium example's installation file mutated (a number or text
changed, a value put in, a key removed or added), written as JSON or YAML beside its
inventory in a sandbox: it must give a communication or a typed ``NqiCarbonError``, never
a traceback or a hang. A communication is checked against what the file says: every
specific figure is finite, the SEE of each process is its attributed emissions plus its
precursors' per unit of activity, and the JSON and the Markdown render (the workbook too,
when openpyxl is installed). ``NQI_FUZZ_EXAMPLES`` sets the number of examples (default 50).
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

import nqi_carbon as nc

from .hostile_corpus import markdown_problems, xlsx_problems
from .test_fuzz_loaders import LOADERS, mutated, refused, serialised
from .test_fuzz_writers import anything, free_text, single_line

pytestmark = pytest.mark.timeout(600)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cbam-aluminium"
BASE = yaml.safe_load((EXAMPLE / "installation.yaml").read_text())
for _p in BASE["processes"]:  # fewer mutations refused as more used than produced
    _p.pop("produced_for_market", None)


def test_the_installation_before_mutation_is_computed():
    com = nc.calculate_cbam(EXAMPLE / "installation.yaml")
    assert [f.process.id for f in com.processes] == ["P1", "P2"]


def _consistent(com: nc.CbamCommunication) -> None:
    for f in com.processes:
        al = f.process.activity_level
        own = f.attributed_direct_t + sum(ln.amount * ln.see_direct for ln in f.precursors)
        assert math.isclose(f.see_direct * al, own, rel_tol=1e-9, abs_tol=1e-9)
        for v in (f.see_direct, f.see_indirect, f.see_total, f.embedded_electricity):
            assert math.isfinite(v)


@LOADERS
@given(st.data())
def test_a_mutated_installation_gives_a_communication_or_a_typed_error(data):
    doc = data.draw(mutated(BASE, under=("processes", "purchased_precursors", "installation")))
    suffix, raw = data.draw(serialised(doc))
    with tempfile.TemporaryDirectory() as tmp, nc.Sandbox(base_dir=tmp):
        shutil.copy(EXAMPLE / "inventory.yaml", Path(tmp) / "inventory.yaml")
        path = Path(tmp) / f"installation{suffix}"
        path.write_bytes(raw)
        try:
            com = nc.calculate_cbam(path)
        except nc.NqiCarbonError as exc:
            return refused(exc)
        event("computed")
        _consistent(com)
        assert json.loads(com.to_json())["schema"] == "nqi-carbon/cbam-communication@1"
        com.to_markdown()
        try:
            import openpyxl  # noqa: F401
        except ImportError:  # pragma: no cover - the excel extra is in the test extra
            return None
        com._excel_bytes()
    return None


# -- hostile text in every writer ----------------------------------------------------------------

CBAM_FIELDS = ("name_en", "process", "product", "precursor", "source", "quality")
CBAM_BENIGN = {
    "name_en": "Benign smelter",
    "process": "Potlines",
    "product": "Rolling mill",
    "precursor": "Bought ingot",
    "source": "a plain supplier letter",
    "quality": "plain data",
}


@st.composite
def cbam_texts(draw: st.DrawFn) -> dict[str, str]:
    """A hostile text per field: mostly what validation accepts, sometimes anything."""
    valid = draw(st.integers(0, 4)) > 0
    free = {"source", "quality"}
    return {
        f: draw((free_text if f in free else single_line) if valid else anything)
        for f in CBAM_FIELDS
    }


def installation_with(t: dict[str, str]) -> dict:
    doc = copy.deepcopy(BASE)
    doc["inventory"] = str(EXAMPLE / "inventory.yaml")
    doc["installation"]["name_en"] = t["name_en"]
    doc["processes"][0]["name"] = t["process"]
    doc["processes"][1]["name"] = t["product"]
    doc["purchased_precursors"][0].update(name=t["precursor"], source=t["source"])
    doc["quality"] = t["quality"]
    return doc


def cbam_outputs(t: dict[str, str], folder: Path) -> dict:
    with nc.Sandbox(base_dir=EXAMPLE):
        com = nc.calculate_cbam(installation_with(t))
    written = com.write(folder, ["json", "md", "xlsx"])
    return {
        "listing": sorted(p.name for p in written),
        "md": (folder / "cbam.md").read_text(encoding="utf-8"),
        "json": json.loads((folder / "cbam.json").read_text(encoding="utf-8")),
        "xlsx": xlsx_problems(folder / "cbam.xlsx"),
    }


_TWIN: dict[str, dict] = {}


def _twin(folder: str) -> dict:
    """The benign twin's outputs, computed once (every example compares with the same)."""
    if not _TWIN:
        _TWIN["outputs"] = cbam_outputs(CBAM_BENIGN, Path(folder))
    return _TWIN["outputs"]


@pytest.mark.excel
@LOADERS
@given(cbam_texts())
def test_hostile_text_in_an_installation_keeps_every_output_in_form(t):
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        try:
            got = cbam_outputs(t, Path(tmp))
        except nc.NqiCarbonError as exc:
            return refused(exc)
        twin = _twin(tmp2)
    event("written")
    assert got["listing"] == twin["listing"]
    problems = list(got["xlsx"])
    problems += markdown_problems(got["md"], twin["md"], "cbam.md")
    assert problems == []
    assert got["json"]["installation"]["name_en"] == t["name_en"]
    assert got["json"]["products"][1]["product_name"] == t["product"]
    return None
