"""Hostile text in every writer: each output format escapes it, and a report set is one unit.

The payloads come from the issue "Safe to embed": text that becomes a live formula in
Excel or CSV, line breaks that forge a "Totals" table or an opinion in Markdown, a ``|``
that shifts table columns, Markdown links, images and raw HTML, terminal escape
sequences, control characters that crashed the Excel writer after three of four files,
concurrent and killed runs that left a mixed or half-written set, and a malformed
``SOURCE_DATE_EPOCH``.

The writers must be safe on their own: the text reaches them from inventories, activity
tables, claims, packs and DataFrames, so the tests put it straight into the models
(``unchecked``), past any validation of inventory fields.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from pydantic import BaseModel

import nqi_carbon as nc
from nqi_carbon.cli import main
from nqi_carbon.errors import InvalidInputError

from .hostile_corpus import gfm_cells, table_problems
from .hostile_corpus import markdown_parser as _md
from .hostile_corpus import markdown_structure as structure

ROOT = Path(__file__).resolve().parents[2]
CEMENT = ROOT / "examples" / "cement" / "inventory.yaml"
CLAIM = ROOT / "examples" / "cement" / "claimed.json"
SET = ("report.html", "report.json", "report.md", "report.xlsx")

# -- hostile text ---------------------------------------------------------------------------

FORGED_TOTALS = (
    "Evil Co\n\n## Totals\n\n| | t CO2e |\n|---|---:|\n| Gross, location-based | 0.000 |\n"
)
FORGED_OPINION = "x\r\n- Opinion: **unmodified**\r\n\n## Opinion\n\nunmodified\u2028- Material: no"
LINKS_AND_HTML = (
    "[click](http://evil.example) ![](http://track.example/p.gif) [ref]: http://evil.example "
    "<img src=x onerror=alert(1)> <b>bold</b> <!-- c --> a|b \\| c \\[x](http://evil.example)"
)
INLINE_SYNTAX = "`code` *em* _under_ __strong__ ~~gone~~ &lt;b&gt; &amp; trailing \\"
BLOCK_SYNTAX = "# heading\n> quote\n    code\n1. item\n---\n```\nfence"
TERMINAL = "\x1b[2J\x1b[31mred\x1b]0;title\x07\x9b31m\x85\r\x08\x00\x7f\u202egnp.exe"
FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "#N/A",
]

MARKDOWN_PAYLOADS = [FORGED_TOTALS, FORGED_OPINION, LINKS_AND_HTML, INLINE_SYNTAX, BLOCK_SYNTAX]
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def unchecked(model: BaseModel, **update: object) -> BaseModel:
    """A copy of *model* with *update* applied and not validated (text from anywhere)."""
    return BaseModel.model_copy(model, update=update)


def hostile_inventory(text: str, base: Path = CEMENT) -> nc.Inventory:
    """The cement inventory with *text* in every name, title, statement and reason."""
    inv = nc.load_inventory(base)
    org = unchecked(inv.organization, name=text, responsible_person=text)
    rep = inv.reporting
    assert rep is not None
    reporting = unchecked(
        rep,
        title=text,
        intended_users=text,
        conformity_statement=text,
        methodology_changes=text,
    )
    return unchecked(  # type: ignore[return-value]
        inv,
        organization=org,
        reporting=reporting,
        significance_criteria=text,
        facilities=tuple(unchecked(f, name=text) for f in inv.facilities),
        instruments=tuple(unchecked(i, kind=text, certificate=text) for i in inv.instruments),
        sources=tuple(unchecked(s, description=text) for s in inv.sources),
        exclusions=tuple(unchecked(e, reason=text) for e in inv.exclusions),
    )


@pytest.fixture(scope="module")
def reports():
    """Inventory reports of the cement example, by payload (``"x"``: the benign twin)."""
    cache: dict[str, nc.InventoryReport] = {}

    def get(text: str) -> nc.InventoryReport:
        if text not in cache:
            cache[text] = nc.inventory_report(nc.calculate(hostile_inventory(text)))
        return cache[text]

    return get


# -- Markdown: a real CommonMark parser (with GFM tables) reads what we write ----------------

# the parser, the count of constructs and the GFM row split are the fuzz corpus's


def assert_tables_keep_their_columns(text: str) -> None:
    """Every table row has as many cells as its delimiter row, split as GitHub splits."""
    assert table_problems(text) == []


def test_inventory_markdown_shows_the_text_it_neutralised(reports):
    html = _md().render(reports(LINKS_AND_HTML).to_markdown())
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)  # type: ignore[union-attr]
    # the payload is shown as text: its brackets, tags and pipes are visible characters
    for shown in (
        "[click](http://evil.example)",
        "![](http://track.example/p.gif)",
        "&lt;img src=x",
    ):
        assert shown in title
    assert "a|b \\| c \\[x]" in title
    h1 = re.search(r"<h1>(.*?)</h1>", _md().render(reports(FORGED_TOTALS).to_markdown()))
    assert h1 is not None and "Evil Co  ## Totals  | | t CO2e | |---|---:|" in h1.group(1)


@pytest.fixture(scope="module")
def verifications():
    cache: dict[str, nc.VerificationResult] = {}

    def get(text: str) -> nc.VerificationResult:
        if text not in cache:
            cache[text] = nc.verify(
                hostile_inventory(text),
                CLAIM,
                materiality=0.05,
                assurance="reasonable",
                verifier=text,
                body=text,
            )
        return cache[text]

    return get


@pytest.mark.parametrize("kind", ["inventory report", "verification report"])
@pytest.mark.parametrize(
    "payload", MARKDOWN_PAYLOADS, ids=["totals", "opinion", "links", "inline", "block"]
)
def test_markdown_keeps_its_structure(reports, verifications, kind, payload):
    """Hostile text gives the same headings, lists, tables, links and tags as plain text."""
    make = reports if kind == "inventory report" else verifications
    hostile, benign = make(payload).to_markdown(), make("x").to_markdown()
    assert structure(hostile) == structure(benign)
    assert_tables_keep_their_columns(hostile)
    for line_start in (r"^## ", r"^- Opinion", r"^\| Gross"):
        assert len(re.findall(line_start, hostile, re.M)) == len(
            re.findall(line_start, benign, re.M)
        )
    assert "unmodified" not in [ln.strip() for ln in hostile.splitlines()]
    html = _md().render(hostile)
    assert "<img" not in html and "<b>" not in html and 'href="http://evil' not in html


def _pipe_inventory(tmp_path: Path) -> tuple[Path, Path]:
    """The cement files with the source id ``kiln-coal`` renamed ``kiln|coal\\``."""
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        CEMENT.read_text(encoding="utf-8").replace("kiln-coal", "kiln|coal\\\\"), encoding="utf-8"
    )
    claim = json.loads(CLAIM.read_text(encoding="utf-8"))
    claim["by_source"]["kiln|coal\\"] = claim["by_source"].pop("kiln-coal") + 1000
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    return inv, path


def test_pipe_in_a_source_id_keeps_the_misstatement_columns(tmp_path):
    inv, claim = _pipe_inventory(tmp_path)
    v = nc.verify(nc.load_inventory(inv), claim, materiality=0.05, assurance="reasonable")
    text = v.to_markdown()
    assert any("kiln" in m.subject for m in v.misstatements)
    assert_tables_keep_their_columns(text)
    table = text.split("\n## Misstatements", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("|") and "kiln" in r]
    assert rows and all(len(gfm_cells(r)) == 8 for r in rows)
    # and the rendered table shows the id as it is
    assert "kiln|coal\\" in _md().render(text)


# -- Excel: text is text ----------------------------------------------------------------------


def _xlsx_string_cells(path: Path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield ws.title, cell


@pytest.mark.excel
@pytest.mark.parametrize("formula", FORMULAS)
def test_xlsx_text_that_would_start_a_formula_is_text(reports, tmp_path, formula):
    path = reports(formula).to_excel(tmp_path / "report.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in s or b"<f " in s for s in sheets)  # no formula anywhere
    assert not any(b't="e"' in s for s in sheets)  # no error value (#N/A as an error)
    seen = 0
    for _sheet, cell in _xlsx_string_cells(path):
        assert cell.data_type == "s"
        # (XML reads a CR as a line feed)
        if (
            cell.value.lstrip("\t\r\n").startswith(("=", "+", "-", "@"))
            and formula.strip("\t\r") in cell.value
        ):
            seen += 1
            assert cell.quotePrefix, (cell.coordinate, cell.value)
    assert formula in {"#N/A"} or seen > 5


@pytest.mark.excel
def test_xlsx_control_characters_are_escaped_visibly_not_a_crash(reports, tmp_path):
    path = reports("Evil\x1b[31m Co\x00\x0b\x9b\ud800").to_excel(tmp_path / "report.xlsx")
    values = [c.value for _s, c in _xlsx_string_cells(path)]
    assert "Evil\\u001b[31m Co\\u0000\\u000b\\u009b\\ud800 (91321200MA1EXAMPL0)" in values
    assert not any(CONTROLS.search(v) for v in values)


# -- CSV: the OWASP rule ----------------------------------------------------------------------


def test_calculate_csv_prefixes_cells_that_would_start_a_formula(tmp_path, capsys):
    text = CEMENT.read_text(encoding="utf-8")
    for old, new in (
        ("kiln-coal", "=1+1"),
        ("quarry-diesel", "+SUM(A1)"),
        ("grid-electricity", "-2+3"),
    ):
        text = text.replace(f"id: {old}", f"id: '{new}'")
    inv = tmp_path / "inventory.yaml"
    inv.write_text(text, encoding="utf-8")
    assert main(["calculate", str(inv), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    sources = {r["source"] for r in rows}
    assert {"'=1+1", "'+SUM(A1)", "'-2+3"} <= sources
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
        float(r["co2e_t"])  # numbers stay numbers, never prefixed


# -- terminal ---------------------------------------------------------------------------------


def _no_terminal_controls(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if CONTROLS.match(c) or c == "\r"})
    assert not bad, f"control characters reach the terminal: {bad}"


def test_calculate_table_escapes_terminal_sequences(tmp_path, capsys, monkeypatch):
    import nqi_carbon.inventory.load as nio

    hostile = hostile_inventory(TERMINAL)
    monkeypatch.setattr(nio, "load_inventory", lambda *_a, **_k: hostile)
    assert main(["calculate", str(CEMENT)]) == 0
    out = capsys.readouterr().out
    _no_terminal_controls(out)
    _no_terminal_controls(repr(nc.inventory_report(nc.calculate(hostile))))
    assert "\\u001b[2J\\u001b[31mred" in out.splitlines()[0]


def test_error_listing_escapes_terminal_sequences_and_keeps_one_line_per_issue(tmp_path, capsys):
    name = "evil\x1b[2J\x9b1m\r\n  - forged: fine [ok].yaml"
    assert main(["validate", str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    _no_terminal_controls(err)
    assert err.count("\n  - ") == 1  # one issue, one line: the file name cannot add one
    assert "\\u001b[2J\\u009b1m\\u000d\\u000a" in err


def test_issue_describe_is_one_line_without_controls():
    issue = nc.Issue("x", "bad\nname\x1b[31m", file="a\rb", field="f\x9b", value="'v'")
    text = issue.describe()
    assert "\n" not in text and not CONTROLS.search(text)
    assert text == "a\\u000db: f\\u009b: bad\\u000aname\\u001b[31m (got 'v') [x]"


def test_verify_markdown_on_stdout_has_no_terminal_controls(tmp_path, capsys):
    code = main(
        [
            "verify",
            str(CEMENT),
            "--claimed",
            str(CLAIM),
            "--materiality",
            "5%",
            "--assurance",
            "reasonable",
            "--verifier",
            TERMINAL,
        ]
    )
    assert code == 0
    _no_terminal_controls(capsys.readouterr().out)


# -- HTML and JSON: escaped, and always encodable ------------------------------------------------


def test_html_escapes_markup_and_shows_controls(reports, verifications):
    payload = '<script>alert(1)</script>" onmouseover="x' + TERMINAL
    for page in (reports(payload).to_html(), verifications(payload).to_html()):
        assert "<script>" not in page and '" onmouseover="x' not in page
        assert not CONTROLS.search(page)
        assert "\\u001b[2J" in page


def test_json_keeps_every_value_and_is_valid_utf8(reports):
    text = "C1\x9b surrogate\ud800 bidi\u202e sep\u2028 del\x7f esc\x1b"
    rep = reports(text)
    out = rep.to_json()
    out.encode("utf-8")  # lone surrogates escaped: the file can be written
    assert not CONTROLS.search(out)
    assert json.loads(out)["report"]["responsible_person"] == text


def test_trajectory_html_escapes_the_peak_evidence_and_every_cell():
    import dataclasses

    from nqi_carbon.trajectory.build import build_trajectory

    rep = build_trajectory(
        {2020: 10.0, 2021: 9.0, 2022: 8.0, 2023: 7.0},
        target_year=2030,
        method="linear",
        target_reduction=0.3,
    )
    rep.peak = dataclasses.replace(rep.peak, evidence="<script>x</script>\x1b[31m")
    rep.notes.append("<b>note</b>\x9b")
    for page in (rep._repr_html_(), rep.to_html()):
        assert "<script>" not in page and "<b>note" not in page
        assert not CONTROLS.search(page)


# -- a report set is written as one unit --------------------------------------------------------


def _hash_of(path: Path) -> str:
    """The input SHA-256 that one report file records."""
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))["provenance"]["input_sha256"]
    if path.suffix == ".xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(path)["Provenance"]
        return next(str(r[1].value) for r in ws.iter_rows() if r[0].value == "input_sha256")
    m = re.search(r"input SHA-256 ([0-9a-f]{64})", path.read_text(encoding="utf-8"))
    assert m is not None, path
    return m.group(1)


def _set_hashes(folder: Path) -> dict[str, str]:
    return {name: _hash_of(folder / name) for name in SET}


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.excel
def test_an_error_while_rendering_writes_nothing(reports, tmp_path, monkeypatch):
    from openpyxl.writer.excel import ExcelWriter  # what writes every workbook

    previous = {n: f"previous {n}" for n in SET}
    for n, text in previous.items():
        (tmp_path / n).write_text(text)

    def boom(self, *_a, **_k):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(ExcelWriter, "save", boom)
    with pytest.raises(RuntimeError, match="renderer failed"):
        reports("x").write(tmp_path)
    assert {n: (tmp_path / n).read_text() for n in SET} == previous
    assert _listing(tmp_path) == sorted(SET)


def test_unknown_format_writes_nothing(reports, tmp_path):
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        reports("x").write(tmp_path, formats=("html", "md", "pdf"))
    assert _listing(tmp_path) == []


@pytest.mark.excel
def test_report_command_with_a_control_character_writes_a_whole_set_or_nothing(tmp_path, capsys):
    inv = tmp_path / "inventory.yaml"
    text = CEMENT.read_text(encoding="utf-8").replace(  # YAML escapes: ESC and VT
        "  name: Jiangsu Example Cement Co., Ltd. (江苏示例水泥有限公司)",
        '  name: "Jiangsu\\e Example\\v Cement"',
    )
    inv.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["report", str(inv), "--out", str(out)])
    if code == 0:
        assert _listing(out) == sorted(SET)
        assert "Jiangsu\\u001b Example\\u000b Cement" in (out / "report.html").read_text(
            encoding="utf-8"
        )
        assert "Jiangsu\\u001b Example  Cement" in (out / "report.md").read_text(encoding="utf-8")
    else:  # refused as bad input: a typed error, and no file at all
        assert code == 1 and "Traceback" not in capsys.readouterr().err
        assert not out.exists() or _listing(out) == []


_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import nqi_carbon as nc

    inventory, out, mode, signal_dir = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    rep = nc.inventory_report(nc.calculate(nc.load_inventory(inventory)))
    real_replace, real_fsync = os.replace, os.fsync
    moves, fsyncs = [], []

    def replace(src, dst, *a, **k):
        real_replace(src, dst, *a, **k)
        if Path(dst).name.startswith("report."):
            moves.append(dst)
            if mode == "slow" and len(moves) == 1:
                (signal_dir / "started").touch()  # the first file is in place
                for _ in range(2400):  # wait for the test's go (hang guard: 120 s)
                    if (signal_dir / "go").exists():
                        break
                    time.sleep(0.05)
            if mode == "kill-moving" and len(moves) == 2:
                os.kill(os.getpid(), 9)

    def fsync(fd):
        real_fsync(fd)
        fsyncs.append(fd)
        if mode == "kill-writing" and len(fsyncs) == 2:
            os.kill(os.getpid(), 9)

    os.replace, os.fsync = replace, fsync
    try:
        import fcntl
    except ImportError:
        pass
    else:
        real_flock = fcntl.flock

        def flock(fd, op):
            if mode == "fast":
                (signal_dir / "waiting").touch()  # about to wait for the folder
            return real_flock(fd, op)

        fcntl.flock = flock
    rep.write(out)
    """
)


def _child(
    inventory: Path, out: Path, mode: str, signals: Path | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600"}
    args = [str(inventory), str(out), mode, str(signals or out.parent)]
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(what, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    """Poll until what() or the process ends (a hang guard, not a timing assertion)."""
    import time

    for _ in range(int(seconds / 0.05)):
        if what() or proc.poll() is not None:
            return
        time.sleep(0.05)


def _office() -> Path:
    return ROOT / "examples" / "office" / "inventory.yaml"


@pytest.mark.excel
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_runs_into_one_folder_end_with_one_whole_set(tmp_path):
    """The slow run stops after its first file is in place until the fast run has written
    everything or is waiting for the folder: without a lock the fast run's set lands
    between the slow run's files."""
    out, signals = tmp_path / "out", tmp_path
    slow = _child(CEMENT, out, "slow", signals)
    _wait_for((signals / "started").exists, slow)
    assert (signals / "started").exists(), slow.communicate()
    fast = _child(_office(), out, "fast", signals)
    _wait_for((signals / "waiting").exists, fast)
    (signals / "go").touch()
    for p in (fast, slow):
        _, stderr = p.communicate(timeout=180)
        assert p.returncode == 0, stderr
    hashes = _set_hashes(out)
    assert len(set(hashes.values())) == 1, hashes  # all four files from the same run
    assert _listing(out) == sorted(SET)


@pytest.mark.excel
@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("when", ["kill-writing", "kill-moving"])
def test_a_killed_run_leaves_no_half_files_after_the_next_run(tmp_path, when):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")  # not part of the set: never touched
    (out / ".hidden").write_text("mine too")
    killed = _child(_office(), out, when)
    killed.communicate(timeout=180)
    assert killed.returncode == -signal.SIGKILL
    nxt = _child(CEMENT, out, "next")
    _, stderr = nxt.communicate(timeout=180)
    assert nxt.returncode == 0, stderr
    assert _listing(out) == sorted([*SET, "notes.txt", ".hidden"])
    assert len(set(_set_hashes(out).values())) == 1
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.excel
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_run_killed_while_moving_is_completed_by_the_next_writer(tmp_path):
    from nqi_carbon._io.atomic import write_set

    out = tmp_path / "out"
    first = _child(CEMENT, out, "first")
    first.communicate(timeout=180)
    killed = _child(_office(), out, "kill-moving")
    killed.communicate(timeout=180)
    assert killed.returncode == -signal.SIGKILL
    assert len(set(_set_hashes(out).values())) == 2  # two files moved, two not: mixed
    write_set(out, {})  # the next writer, even one writing nothing, finishes the set first
    assert len(set(_set_hashes(out).values())) == 1
    assert _listing(out) == sorted(SET)


def test_a_set_written_while_rendering_is_moved_in_only_once_every_file_is_made(tmp_path):
    """write_streamed_set stages each file as it comes; a failure after some are staged
    (while making the next, or writing one) leaves the folder as it was."""
    from nqi_carbon._io.atomic import write_streamed_set

    (tmp_path / "a.txt").write_text("previous a")

    def made(fail_at: str | None):
        for name in ("a.txt", "b.txt", "c.txt"):
            if name == fail_at:
                raise RuntimeError(f"rendering {name} failed")
            yield name, name.encode() * 1000

    with pytest.raises(RuntimeError, match=r"rendering c\.txt failed"):
        write_streamed_set(tmp_path, ["a.txt", "b.txt", "c.txt"], made("c.txt"))
    assert _listing(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "previous a"
    with pytest.raises(ValueError, match=r"were not made"):
        write_streamed_set(tmp_path, ["a.txt", "b.txt", "c.txt", "d.txt"], made(None))
    with pytest.raises(ValueError, match=r"not a file of this set, or given twice: 'c.txt'"):
        write_streamed_set(tmp_path, ["a.txt", "b.txt"], made(None))
    assert _listing(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "previous a"
    with pytest.raises(RuntimeError, match=r"rendering b\.txt failed"):  # a new folder: not left
        write_streamed_set(tmp_path / "new" / "set", ["a.txt", "b.txt"], made("b.txt"))
    assert not (tmp_path / "new" / "set").exists()
    (tmp_path / "new").rmdir()  # made by mkdir(parents=True); only the set's own folder goes
    paths = write_streamed_set(tmp_path, ["a.txt", "b.txt", "c.txt"], made(None))
    assert [p.name for p in paths] == ["a.txt", "b.txt", "c.txt"]
    assert _listing(tmp_path) == ["a.txt", "b.txt", "c.txt"]
    assert (tmp_path / "c.txt").read_bytes() == b"c.txt" * 1000


def test_a_file_that_fails_to_write_while_the_next_renders_writes_nothing(tmp_path, monkeypatch):
    from nqi_carbon._io import atomic

    real = atomic._stage_file

    def disk_full(path, mode, data):
        if path.name == "b.txt":
            raise OSError(28, "No space left on device")
        real(path, mode, data)

    monkeypatch.setattr(atomic, "_stage_file", disk_full)
    files = ((n, b"x") for n in ("a.txt", "b.txt", "c.txt"))
    with pytest.raises(OSError, match="No space left on device"):
        atomic.write_streamed_set(tmp_path, ["a.txt", "b.txt", "c.txt"], files)
    assert _listing(tmp_path) == []


def test_a_folder_in_the_way_of_a_report_file_is_refused_before_writing(reports, tmp_path):
    (tmp_path / "report.md").mkdir()
    with pytest.raises(IsADirectoryError):
        reports("x").write(tmp_path, formats=("html", "md", "json"))
    assert _listing(tmp_path) == ["report.md"]


def test_atomic_write_removes_what_a_killed_write_of_the_same_file_left(tmp_path):
    from nqi_carbon._io.atomic import atomic_write_text

    (tmp_path / ".data.json.k9x_2abc.tmp").write_text("half")  # left by a killed write
    (tmp_path / ".data.json.notes.tmp").write_text("not ours")  # not an mkstemp name
    (tmp_path / ".other.json.k9x_2abc.tmp").write_text("another file's")
    atomic_write_text(tmp_path / "data.json", "{}")
    assert _listing(tmp_path) == [".data.json.notes.tmp", ".other.json.k9x_2abc.tmp", "data.json"]


@pytest.mark.timeout(120)
def test_folder_lock_serialises_writers(tmp_path):
    pytest.importorskip("fcntl")
    import select

    from nqi_carbon._io.atomic import folder_lock

    code = textwrap.dedent(
        """
        import sys
        from nqi_carbon._io.atomic import folder_lock
        print("trying", flush=True)
        with folder_lock(sys.argv[1]):
            print("got it", flush=True)
        """
    )
    with folder_lock(tmp_path):
        waiting = subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert waiting.stdout is not None
        assert waiting.stdout.readline().strip() == "trying"
        ready, _, _ = select.select([waiting.stdout], [], [], 1.0)
        assert not ready  # blocked while we hold the lock
    assert waiting.communicate(timeout=60)[0].strip() == "got it"


# -- SOURCE_DATE_EPOCH ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["abc", "-5", "1e99", "12.5", "99999999999999999999", "²", "0x10", "1 2"]
)
def test_malformed_source_date_epoch_is_a_typed_error(reports, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    res = reports("x").result
    with pytest.raises(InvalidInputError, match="SOURCE_DATE_EPOCH") as exc:
        nc.inventory_report(res)
    (issue,) = exc.value.issues
    assert issue.code == "source_date_epoch"
    assert issue.field == "SOURCE_DATE_EPOCH"
    assert issue.value == repr(value)
    assert "253402300799" in (issue.allowed or "")


@pytest.mark.parametrize(
    ("value", "date"),
    [("0", "1970-01-01"), (" 1735689600\n", "2025-01-01"), ("253402300799", "9999-12-31")],
)
def test_well_formed_source_date_epoch(reports, monkeypatch, value, date):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert nc.inventory_report(reports("x").result).generated.isoformat() == date


def test_report_command_with_a_bad_source_date_epoch_fails_cleanly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1e99")
    assert main(["report", str(CEMENT), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "SOURCE_DATE_EPOCH" in err and "[source_date_epoch]" in err
    assert not (tmp_path / "out").exists() or _listing(tmp_path / "out") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" " * 200 + "has achieved", "**has achieved**"),  # found by the neutrality fuzz
        ("Plain event\u00a0", "**Plain event**"),
        ("ends in a backslash\\ ", "**ends in a backslash\\\\**"),
        ("*bold* _em_", "**\\*bold\\* \\_em\\_**"),
        ("   ", ""),
    ],
)
def test_a_bold_paragraph_never_leaves_a_stray_emphasis_marker(value, expected):
    # CommonMark opens and closes emphasis only beside non-space characters: "**   text**"
    # would print its asterisks and bold nothing, or bold what follows
    from nqi_carbon._escape import md_strong

    assert md_strong(value) == expected
