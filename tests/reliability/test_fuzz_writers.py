"""Hostile text, fuzzed, in every writer: a typed error from validation, or outputs that keep
their structure and hold no live formula or control character.

Hypothesis puts text built from the pieces that broke the writers of issue 12 (formula
starters, ``|``, Markdown and HTML syntax, ``javascript:`` links, line breaks, terminal
escapes, bidi overrides, NUL and C1 controls, lone surrogates where the input path allows
them, very long strings) into the text fields of a valid inventory (organisation, facility,
source ids and descriptions, report title, exclusion reason) and into a claim's source id.
The inventory is validated; when it is accepted, the whole report set is written and the
claim verified, and each output is compared with the same outputs of a *benign twin* (the
same inventory with plain text): the same Markdown structure, the same HTML tags, no
formula in the workbook, CSV cells that would start a formula prefixed, nothing a terminal
would act on, the values back from the JSON, only the set's files in the folder; and the
inventory and result saved as YAML and JSON read back equal.

``NQI_FUZZ_EXAMPLES`` raises the number of examples (default 25).
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc

from .hostile_corpus import (
    REPORT_SET,
    csv_problems,
    html_problems,
    listing,
    mapping,
    markdown_problems,
    run_cli,
    terminal_problems,
    xlsx_problems,
)

EXAMPLES = int(os.environ.get("NQI_FUZZ_EXAMPLES", "25"))
WRITERS = settings(
    max_examples=EXAMPLES,
    deadline=30_000,  # per example; a hang is caught by the test's timeout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- hostile text ----------------------------------------------------------------------------------

PRINTABLE = [
    *"=+-@|\\[]()!<>`*_~#&'\":;/. ",
    "=1+1",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","x")',
    "+SUM(A1)",
    "-2+3",
    "@SUM(A1)",
    "#N/A",
    "\\|",
    "[x](http://evil.example)",
    "![i](http://track.example/p.gif)",
    "[j](javascript:alert(1))",
    "<javascript:alert(1)>",
    "javascript:alert(1)",
    "[ref]: http://evil.example",
    "<b>",
    "</td></tr></table>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<!-- c -->",
    '" onmouseover="x',
    "&amp;",
    "&#x3c;",
    "**b**",
    "```",
    "## Totals",
    "| Gross | 0 |",
    "|---|---:|",
    "Opinion: **unmodified**",
    "1. ",
    "---",
    "===",
    "> ",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\ufffe",
    "é",
    "上海",
    "x",
    "0",
    "1e3",
]
"""Pieces that validation accepts in a single-line field."""
LINE_BREAKS = ["\n", "\r\n", "\r", "\t"]
"""Accepted in free text (descriptions, reasons), refused in names and ids."""
CONTROLS = [
    "\x00",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\x7f",
    "\x80",
    "\x85",
    "\x9b31m",
]
CONTROLS += ["\u2028", "\u2029"]
"""Refused by validation (but for U+2028/2029 in ids): they reach the writers through claims."""
SURROGATES = ["\ud800", "\udfff", "\udc00x"]
"""Only the claim path holds them (pydantic refuses them in an inventory)."""


def _text(
    pieces: list[str], chars: st.SearchStrategy[str], *, min_pieces: int = 1
) -> st.SearchStrategy[str]:
    piece = st.sampled_from(pieces) | st.text(chars, min_size=1, max_size=2)
    short = st.lists(piece, min_size=min_pieces, max_size=10).map("".join)
    long = st.builds(lambda s, n: s * n, st.sampled_from(pieces), st.integers(200, 2000))
    return st.one_of(short, short, short, long)


# characters validation accepts in a single-line field, and anything at all
LINE_CHARS = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))
ANY_CHARS = st.characters(exclude_categories=("Cs",))
single_line = _text(PRINTABLE, LINE_CHARS)
free_text = _text(PRINTABLE + LINE_BREAKS, LINE_CHARS)
reason_text = _text(PRINTABLE + LINE_BREAKS, LINE_CHARS, min_pieces=3)  # at least 3 characters
anything = _text(PRINTABLE + LINE_BREAKS + CONTROLS, ANY_CHARS)
claim_text = _text(PRINTABLE + LINE_BREAKS + CONTROLS + SURROGATES, ANY_CHARS)

FIELDS = ("organization", "facility", "source", "description", "title", "reason")
BENIGN = {
    "organization": "Benign Co",
    "facility": "Plant B",
    "source": "src",
    "description": "a plain description",
    "title": "A plain title",
    "reason": "no such activity",
    "claim": "claimed-only",
}


@st.composite
def texts(draw: st.DrawFn) -> dict[str, str]:
    """A hostile text per field: mostly what validation accepts, sometimes anything."""
    valid = draw(st.integers(0, 4)) > 0
    out = {}
    valid_pick = {"description": free_text, "reason": reason_text}
    for field in FIELDS:
        out[field] = draw(valid_pick.get(field, single_line) if valid else anything)
    out["claim"] = draw(claim_text)
    return out


def inventory_with(t: dict[str, str]) -> dict[str, Any]:
    """The corpus's small inventory with two sources, *t* in every text field."""
    data = mapping(
        organization={"name": t["organization"], "id": "h", "consolidation": "operational_control"},
        facilities=[{"id": "f", "name": t["facility"], "operational_control": True}],
        exclusions=[{"category": 5, "reason": t["reason"]}],
        reporting={"title": t["title"]},
    )
    data["sources"] = [
        {
            "id": f"{t['source']}-{k}",  # the same order as the twin's: one prefix, then 1, 2
            "facility": "f",
            "category": k,
            "factor": "u/grid",
            "description": t["description"],
            "activity": {"amount": 100.0 * k, "unit": "MWh"},
        }
        for k in (1, 2)
    ]
    return data


def claim_with(t: dict[str, str]) -> dict[str, Any]:
    """A claim stating both sources (the first 10 t too high) and one the inventory lacks."""
    return {
        "gwp_set": "AR6",
        "by_source": {f"{t['source']}-1": 60.0, f"{t['source']}-2": 100.0, t["claim"]: 5.0},
    }


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def outputs(t: dict[str, str], folder: Path) -> dict[str, Any]:
    """Every output of the inventory and claim made from *t*; raises a typed error as nc does."""
    inv = nc.validate_inventory(inventory_with(t))
    res = nc.calculate(inv)
    rep = nc.inventory_report(res)
    out = folder / "out"
    rep.write(out)
    ver = nc.verify(inv, claim_with(t), materiality=0.05, assurance="reasonable")
    path = folder / "inventory.json"
    path.write_text(json.dumps(inventory_with(t)), encoding="utf-8")
    saved = {}
    for suffix in (".yaml", ".json"):
        back = nc.load_inventory(nc.save_inventory(inv, folder / f"saved{suffix}"))
        saved[f"inventory{suffix}"] = back == inv
        result = nc.load_result(nc.save_result(res, folder / f"result{suffix}"))
        saved[f"result{suffix}"] = result == json.loads(res.to_json())
    csv_run = run_cli("calculate", str(path), "--format", "csv")
    table_run = run_cli("calculate", str(path))
    return {
        "listing": listing(out),
        "xlsx": xlsx_problems(out / "report.xlsx"),
        "report.md": (out / "report.md").read_text(encoding="utf-8"),
        "report.html": (out / "report.html").read_text(encoding="utf-8"),
        "report.json": json.loads((out / "report.json").read_text(encoding="utf-8")),
        "verification.md": ver.to_markdown(),
        "verification.html": ver.to_html(),
        "verification.json": json.loads(ver.to_json()),
        "saved": saved,
        "csv": csv_run,
        "table": table_run,
    }


@cache
def benign_outputs() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return outputs(BENIGN, Path(tmp))


def writer_problems(t: dict[str, str], got: dict[str, Any]) -> list[str]:
    """What the outputs of *t* do that the benign twin's do not."""
    twin = benign_outputs()
    problems = list(got["xlsx"])
    if got["listing"] != REPORT_SET:
        problems.append(f"the output folder holds {got['listing']}")
    for name in ("report.md", "verification.md"):
        problems += markdown_problems(got[name], twin[name], name)
    for name in ("report.html", "verification.html"):
        problems += html_problems(got[name], twin[name], name)
    for name, fields in (("report.json", FIELDS), ("verification.json", ("organization", "claim"))):
        held, twin_held = _strings(got[name]), _strings(twin[name])
        for field in fields:
            in_twin = any(BENIGN[field] in s for s in twin_held)
            if in_twin and not any(t[field] in s for s in held):
                problems.append(f"{name}: the {field} text does not read back")
    problems += [f"{name} saved does not read back equal" for name, ok in got["saved"].items() if not ok]
    for name in ("csv", "table"):
        run = got[name]
        if run.exit != 0:
            problems.append(f"nqi-carbon calculate ({name}) exited {run.exit}: {run.stderr[-500:]}")
        problems += terminal_problems(run.stdout + run.stderr, f"calculate --format {name}")
    problems += csv_problems(got["csv"].stdout)
    return problems


@pytest.mark.excel
@pytest.mark.timeout(600)
@WRITERS
@given(texts())
def test_hostile_text_gives_a_typed_error_or_outputs_that_keep_their_form(t):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            got, refused = outputs(t, Path(tmp)), None
        except nc.NqiCarbonError as exc:  # refused by validation (or the claim by verify)
            got, refused = {}, exc
    if refused is not None:
        codes = sorted({i.code for i in refused.issues})
        assert codes and all(codes), refused
        event(f"refused: {codes}")
        return
    event("written")
    assert writer_problems(t, got) == []


@pytest.mark.excel
def test_the_benign_twin_has_every_output():
    twin = benign_outputs()
    assert twin["listing"] == REPORT_SET
    assert twin["csv"].exit == 0 and twin["table"].exit == 0
    assert "claimed-only" in twin["verification.md"]
    assert writer_problems(BENIGN, twin) == []
