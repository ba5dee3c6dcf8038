"""The hostile payloads of issue 12 ("Safe to embed") as a corpus, and the process that runs it.

One entry per payload. Each builds its files in a fresh folder, goes through one public
operation (``nc.load_inventory``, ``nc.calculate``, ``nc.inventory_report(...).write``,
``nc.verify``, ``nc.read_activity``, a user factor pack, ``nqi-carbon trajectory``...)
and names the outcome it must have: a typed ``NqiCarbonError`` with its reason codes, or a
result with its value. Only the public API (``import nqi_carbon as nc``) and the command
line (the ``nqi-carbon`` console script) are used, so the corpus survives any
reorganisation of the package's modules.

Run as a script, it runs the corpus in this one process (interpreter start-up is paid
once) and prints one JSON record per payload::

    python tests/reliability/hostile_corpus.py WORKDIR [PAYLOAD_ID ...]

The process runs under an address-space limit (``RLIMIT_AS``, :data:`ADDRESS_SPACE`), each
payload under an alarm (:data:`ALARM_S`, a hang guard: the payload is interrupted and
recorded as a timeout) and, should the alarm not get through (a loop in C code), a hard
watchdog that ends the process. Each record holds the outcome (``result``, ``error``,
``crash``, ``timeout``), the exception type and reason codes, the value, the time taken,
the payload's peak resident memory, and ``problems``: files that appeared outside the
output folder (or outside a payload's folder: the working folder and ``TMPDIR`` are
watched too), live formulas in a workbook or a CSV, control characters on a terminal,
Markdown or HTML whose structure differs from a benign twin's.
``tests/reliability/test_fuzz_corpus.py`` runs this script once and asserts each record.

The checks on outputs (:func:`xlsx_problems`, :func:`csv_problems`,
:func:`terminal_problems`, :func:`markdown_problems`, :func:`html_problems`) are also used by
the hypothesis fuzzing of the writers (``test_fuzz_writers.py``). They re-implement each
format's rule from docs/guarantees.md ("Outputs escape for their format") rather than call
nqi-carbon's own escaping, so they check it.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import os
import re
import shutil
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nqi_carbon as nc

ALARM_S = 30
"""CPU seconds a payload may use before it is interrupted as a hang (a guard, not a speed
test). CPU time, not wall time: on a loaded machine (CI runners, helpers sharing two cores)
a payload that needs 12 s of CPU can take 40 s of wall time, and must not fail for that."""
WALL_S = 4 * ALARM_S
"""Wall seconds after which a payload is interrupted all the same (one that blocks without
using CPU)."""
ADDRESS_SPACE = 3 * 1024**3
"""The corpus process's address-space limit (``RLIMIT_AS``) [bytes]."""
PEAK_RSS_MB = 1536
"""The most resident memory one payload may reach (the process's own ~150 MB included) [MB]."""

HERE = Path(__file__).resolve().parent
TESTPACK = HERE.parent / "data" / "packs" / "testpack.yaml"

# -- the checks on outputs ----------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a text cell as a formula (OWASP CSV injection)."""

CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
"""Characters that must never reach a terminal or a report raw: C0 controls (other than tab
and line feed; CR too), DEL, C1 controls, lone surrogates, non-characters, bidi controls and
the Unicode line separators (docs/guarantees.md, "Outputs escape for their format")."""


def terminal_problems(text: str, where: str = "terminal") -> list[str]:
    """Control characters (and CR) in text printed to a terminal."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if CONTROLS.match(c)})
    return [f"{where}: control characters reach the terminal: {', '.join(bad)}"] if bad else []


def xlsx_problems(path: Path) -> list[str]:
    """Formula cells, error values and unprefixed formula text in a workbook."""
    import zipfile

    import openpyxl

    problems = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name)
                if b"<f>" in xml or b"<f " in xml:
                    problems.append(f"{path.name}: {name} holds a formula element")
                if b't="e"' in xml:
                    problems.append(f"{path.name}: {name} holds an error value")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                where = f"{path.name}!{ws.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    problems.append(f"{where}: a formula cell {cell.value!r}")
                elif cell.data_type == "e":
                    problems.append(f"{where}: an error value {cell.value!r}")
                elif isinstance(cell.value, str):
                    if cell.value.startswith(FORMULA_START) and not cell.quotePrefix:
                        problems.append(f"{where}: formula text without the quote prefix")
                    if CONTROLS.search(cell.value.replace("\t", "").replace("\r", "")):
                        problems.append(f"{where}: a raw control character")
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_problems(text: str) -> list[str]:
    """CSV text cells that a spreadsheet would read as a formula (numbers may start with -)."""
    problems = []
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        for c, cell in enumerate(row):
            if cell.startswith(FORMULA_START) and not _is_number(cell):
                problems.append(f"csv row {r + 1}, column {c + 1}: live formula text {cell!r}")
    return problems + terminal_problems(text.replace("\r", "").replace("\t", ""), "csv")


# Markdown: a CommonMark parser (with GFM tables) reads what was written

MD_STRUCTURE = frozenset(
    {
        "heading_open",
        "paragraph_open",
        "bullet_list_open",
        "ordered_list_open",
        "list_item_open",
        "blockquote_open",
        "table_open",
        "tr_open",
        "th_open",
        "td_open",
        "hr",
        "code_block",
        "fence",
        "html_block",
        "html_inline",
        "link_open",
        "image",
        "strong_open",
        "em_open",
        "s_open",
        "code_inline",
        "softbreak",
        "hardbreak",
    }
)


def markdown_parser() -> Any:
    """CommonMark with raw HTML, GFM tables and strikethrough, as GitHub reads Markdown."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_structure(text: str) -> Counter[str]:
    """How many of each block and inline construct a Markdown text has.

    ``<https://...>`` autolinks are left out: they are the one link a value may hold, as
    its text is its own address (docs/guarantees.md).
    """
    counts: Counter[str] = Counter()
    for tok in markdown_parser().parse(text):
        tokens = [tok, *(tok.children or [])]
        autolink = False
        for t in tokens:
            if t.type == "link_open" and t.markup == "autolink":
                autolink = True
                continue
            if t.type == "link_close" and autolink:
                autolink = False
                continue
            if t.type in MD_STRUCTURE:
                counts[t.type] += 1
    return counts


def gfm_cells(row: str) -> list[str]:
    """The cells of a GFM table row as cmark-gfm splits it: ``\\x`` pairs never split."""
    cells, cur, i = [], "", 0
    body = row.strip()[1:]
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur += body[i : i + 2]
            i += 2
            continue
        if ch == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return cells


def table_problems(text: str) -> list[str]:
    """Table rows with another number of cells than their delimiter row (split as GitHub does)."""
    problems, width = [], None
    for line in text.split("\n"):
        if not line.startswith("|"):
            width = None
            continue
        n = len(gfm_cells(line))
        if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            width = n
        elif width is not None and n != width:
            problems.append(f"a row with {n} cells in a {width}-column table: {line[:200]!r}")
    return problems


def markdown_problems(hostile: str, benign: str, where: str = "markdown") -> list[str]:
    """How a Markdown text with hostile values differs in structure from its benign twin."""
    problems = [f"{where}: {p}" for p in table_problems(hostile)]
    got, want = markdown_structure(hostile), markdown_structure(benign)
    if got != want:
        diff = {k: (got[k], want[k]) for k in sorted(set(got) | set(want)) if got[k] != want[k]}
        problems.append(
            f"{where}: structure differs from the benign twin (hostile, benign): {diff}"
        )
    return problems


def html_tags(text: str) -> list[tuple[str, ...]]:
    """The sequence of start and end tags of an HTML page, each with its attribute names."""
    from html.parser import HTMLParser

    tags: list[tuple[str, ...]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, *sorted(a for a, _ in attrs)))

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag + "/", *sorted(a for a, _ in attrs)))

        def handle_endtag(self, tag: str) -> None:
            tags.append(("/" + tag,))

        def handle_comment(self, data: str) -> None:
            tags.append(("!--",))

    parser = Tags(convert_charrefs=True)
    parser.feed(text)
    parser.close()
    return tags


def html_problems(hostile: str, benign: str, where: str = "html") -> list[str]:
    """How an HTML page with hostile values differs in its tags from its benign twin."""
    got, want = html_tags(hostile), html_tags(benign)
    problems = []
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
        at = min(len(got), len(want)) if at is None else at
        problems.append(
            f"{where}: tag sequence differs from the benign twin at tag {at}: "
            f"{got[at : at + 3]} vs {want[at : at + 3]} ({len(got)} vs {len(want)} tags)"
        )
    stripped = hostile.replace("\t", "").replace("\n", "")
    return problems + terminal_problems(stripped, where)


def listing(folder: Path) -> list[str]:
    """Names in *folder* (sorted), or [] when it does not exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@functools.cache
def cli_main() -> Callable[[list[str]], int]:
    """The ``nqi-carbon`` console script's entry point, found as an installer would."""
    from importlib.metadata import entry_points

    (ep,) = entry_points(group="console_scripts", name="nqi-carbon")
    main: Callable[[list[str]], int] = ep.load()
    return main


@dataclasses.dataclass
class Cli:
    """What one run of the command line gave."""

    exit: int
    stdout: str
    stderr: str

    @property
    def codes(self) -> list[str]:
        """The reason codes of the issues listed on stderr (``[code]`` ends each)."""
        return sorted(set(re.findall(r"\[([a-z][a-z0-9_]*)\]$", self.stderr, re.M)))


def run_cli(*args: str) -> Cli:
    """Run ``nqi-carbon ARGS`` in this process; a traceback propagates (it is a crash)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main()(list(args))
        except SystemExit as exc:  # argparse: wrong usage
            code = exc.code if isinstance(exc.code, int) else 2
    return Cli(code, out.getvalue(), err.getvalue())


# -- the corpus ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Work:
    """A payload's folders, and the problems its checks found."""

    inp: Path
    out: Path
    problems: list[str] = dataclasses.field(default_factory=list)

    def file(self, name: str, text: str | bytes) -> Path:
        path = self.inp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


@dataclasses.dataclass(frozen=True)
class Payload:
    """One payload of the issue: what it is, what it goes through and what it must give."""

    id: str
    what: str
    operation: str
    build: Callable[[Work], Callable[[], Any]]
    error: str | None = None
    codes: frozenset[str] = frozenset()
    value: Any = None
    needs: tuple[str, ...] = ()
    check: Callable[[BaseException | Any], list[str]] | None = None


CORPUS: dict[str, Payload] = {}


def payload(
    id: str,
    what: str,
    operation: str,
    *,
    error: str | None = None,
    codes: tuple[str, ...] = (),
    value: Any = None,
    needs: tuple[str, ...] = (),
    check: Callable[[Any], list[str]] | None = None,
) -> Callable[[Callable[[Work], Callable[[], Any]]], Callable[[Work], Callable[[], Any]]]:
    """Register a payload: the decorated function builds its files, returns the operation."""

    def register(build: Callable[[Work], Callable[[], Any]]) -> Callable[[Work], Callable[[], Any]]:
        assert id not in CORPUS, id
        CORPUS[id] = Payload(
            id, what, operation, build, error, frozenset(codes), value, needs, check
        )
        return build

    return register


HEAD = """\
schema: nqi-carbon/inventory@1
organization: {name: Hostile Co, id: h, consolidation: operational_control}
period: {start: 2024-01-01, end: 2025-01-01}
gwp: AR6
facilities: [{id: f, name: Plant F, operational_control: true}]
factors:
  - {id: u/grid, activity_unit: MWh, gases: {CO2: {value: 0.5, unit: t/MWh}}, reference: hand-made test factor}
"""
"""A small valid inventory without sources: one facility, one inline factor (0.5 t CO2/MWh)."""


def inventory(activity: str = "{amount: 100, unit: MWh}", *, extra: str = "") -> str:
    """The small inventory with one source ``g`` (category 2, factor ``u/grid``)."""
    return (
        HEAD
        + f"sources:\n  - {{id: g, facility: f, category: 2, factor: u/grid, activity: {activity}}}\n"
        + extra
    )


def with_files(
    *files: str, sources: str = "[{id: g, facility: f, category: 2, factor: u/grid}]"
) -> str:
    """The small inventory reading its activity from *files*."""
    return HEAD + f"sources: {sources}\nactivity_files: {json.dumps(list(files))}\n"


def mapping(**sections: Any) -> dict[str, Any]:
    """The small inventory as a mapping, *sections* replaced."""
    data: dict[str, Any] = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Hostile Co", "id": "h", "consolidation": "operational_control"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "facilities": [{"id": "f", "name": "Plant F", "operational_control": True}],
        "factors": [
            {
                "id": "u/grid",
                "activity_unit": "MWh",
                "gases": {"CO2": {"value": 0.5, "unit": "t/MWh"}},
                "reference": "hand-made test factor",
            }
        ],
        "sources": [
            {
                "id": "g",
                "facility": "f",
                "category": 2,
                "factor": "u/grid",
                "activity": {"amount": 100, "unit": "MWh"},
            }
        ],
    }
    data.update(sections)
    return data


def load(path: Path) -> Callable[[], Any]:
    return lambda: nc.load_inventory(path)


def total(path: Path) -> Callable[[], float]:
    return lambda: nc.calculate(nc.load_inventory(path)).total_co2e


# units ----------------------------------------------------------------------------------------


@payload(
    "unit-power-tower",
    "unit `10**10**10` in a 633-byte inventory (never returned)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("unit_known",),
)
def _unit_power_tower(w: Work) -> Callable[[], Any]:
    path = w.file("inventory.yaml", inventory('{amount: 100, unit: "10**10**10"}'))
    assert path.stat().st_size <= 633, path.stat().st_size
    return load(path)


@payload(
    "unit-40-kb",
    "a 40 KB unit string (22 s: parsing was quadratic)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("unit_known",),
)
def _unit_40_kb(w: Work) -> Callable[[], Any]:
    unit = ("kg*" * 14_000)[:40_000]
    return load(w.file("inventory.yaml", inventory(f"{{amount: 100, unit: '{unit}'}}")))


@payload(
    "unit-5-mb",
    "a 5 MB unit string (never finished)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("unit_known",),
    check=lambda exc: [] if len(str(exc)) < 5_000 else ["the message echoes the 5 MB unit"],
)
def _unit_5_mb(w: Work) -> Callable[[], Any]:
    unit = ("t/" * 2_500_000)[:5_000_000]
    return load(w.file("inventory.yaml", inventory(f"{{amount: 100, unit: '{unit}'}}")))


@payload(
    "unit-decimal-comma",
    '`"1,5 kWh"` in an activity CSV (was read as 15 kWh)',
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("unit_known",),
)
def _unit_decimal_comma(w: Work) -> Callable[[], Any]:
    w.file("activity.csv", 'source,amount,unit\ng,1,"1,5 kWh"\n')
    return total(w.file("inventory.yaml", with_files("activity.csv")))


@payload(
    "unit-addition",
    '`"MWh + kWh"` as a unit',
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("unit_known",),
)
def _unit_addition(w: Work) -> Callable[[], Any]:
    return load(w.file("inventory.yaml", inventory('{amount: 100, unit: "MWh + kWh"}')))


@payload(
    "unit-tiny-number",
    '`"1e-300*MWh"` in an activity table',
    "nc.read_activity + nc.calculate(activity=...)",
    error="InvalidInputError",
    codes=("unit_known",),
)
def _unit_tiny_number(w: Work) -> Callable[[], Any]:
    table = w.file("activity.csv", "source,amount,unit\ng,1,1e-300*MWh\n")
    inv = w.file(
        "inventory.yaml", HEAD + "sources: [{id: g, facility: f, category: 2, factor: u/grid}]\n"
    )
    return lambda: nc.calculate(nc.load_inventory(inv), activity=nc.read_activity(table))


@payload(
    "unit-overflowing-power",
    '`"2**1024 kWh"` (OverflowError)',
    "nqi-carbon calculate",
    value={"exit": 1, "codes": ["unit_known"]},
)
def _unit_overflowing_power(w: Work) -> Callable[[], Any]:
    path = w.file("inventory.yaml", inventory('{amount: 100, unit: "2**1024 kWh"}'))

    def act() -> dict[str, Any]:
        run = run_cli("calculate", str(path))
        w.problems += terminal_problems(run.stdout + run.stderr)
        return {"exit": run.exit, "codes": run.codes}

    return act


# readers: size, depth, numbers, tags ------------------------------------------------------------


@payload(
    "xlsx-cell-at-XFD1048576",
    "a 4.9 KB .xlsx with one cell at XFD1048576 (allocated ~6 GB)",
    "nc.read_activity",
    error="InvalidInputError",
    codes=("table_too_large",),
    needs=("excel",),
)
def _xlsx_cell_bomb(w: Work) -> Callable[[], Any]:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["source", "amount", "unit"])
    ws.append(["g", 1, "MWh"])
    ws["XFD1048576"] = "x"
    path = w.inp / "bomb.xlsx"
    wb.save(path)
    assert path.stat().st_size < 5_000, path.stat().st_size
    return lambda: nc.read_activity(path)


def _flow_list(n: int) -> str:
    return "[" + ",".join(["1"] * n) + "]"


@payload(
    "yaml-flow-list-2-mb",
    "a 2 MB YAML flow list (42 s and 800 MB)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("inventory_not_mapping",),
)
def _yaml_flow_list(w: Work) -> Callable[[], Any]:
    path = w.file("inventory.yaml", _flow_list(1_000_000))
    assert path.stat().st_size >= 2_000_000
    return load(path)


@payload(
    "yaml-flow-list-2-mb-in-a-section",
    "the 2 MB flow list as an inventory section: a million values refused by validation",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("string_type", "issues_truncated"),
    check=lambda exc: (
        []
        if getattr(exc, "omitted", None) == {"string_type": 1_000_000 - 100}
        else [f"omitted counts {getattr(exc, 'omitted', None)}"]
    ),
)
def _yaml_flow_list_section(w: Work) -> Callable[[], Any]:
    return load(
        w.file("inventory.yaml", inventory(extra=f"factor_packs: {_flow_list(1_000_000)}\n"))
    )


@payload(
    "activity-file-over-the-byte-limit",
    "an activity file over the byte limit (Limits(max_table_bytes=1000))",
    "nc.calculate (activity_files) under nc.Limits",
    error="InvalidInputError",
    codes=("file_too_large",),
)
def _activity_over_limit(w: Work) -> Callable[[], Any]:
    w.file("activity.csv", "source,amount,unit\n" + "g,1,MWh\n" * 500)
    inv = w.file("inventory.yaml", with_files("activity.csv"))

    def act() -> float:
        with nc.Limits(max_table_bytes=1000):
            return nc.calculate(nc.load_inventory(inv)).total_co2e

    return act


def _flood_counted(exc: Any) -> list[str]:
    issues = getattr(exc, "issues", [])
    problems = []
    if len(issues) > nc.Limits().max_issues + 1:
        problems.append(f"{len(issues)} issues listed, more than max_issues + 1")
    text = str(exc)
    if "999980" not in text.replace(",", ""):
        problems.append("the message does not count the 999,980 rows not listed")
    if len(text) > 100_000:
        problems.append(f"a message of {len(text):,} characters")
    return problems


@payload(
    "a-million-bad-rows",
    "a CSV with a million bad rows (error floods had no cap)",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("float_type",),
    check=_flood_counted,
)
def _million_bad_rows(w: Work) -> Callable[[], Any]:
    with (w.inp / "activity.csv").open("w", encoding="utf-8") as f:
        f.write("source,amount,unit\n")
        f.write("g,x,MWh\n" * 1_000_000)
    return total(w.file("inventory.yaml", with_files("activity.csv")))


@payload(
    "yaml-2000-nested-brackets",
    "2,000 nested `[` in YAML (RecursionError)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("input_too_deep",),
)
def _yaml_nested(w: Work) -> Callable[[], Any]:
    return load(w.file("inventory.yaml", HEAD + "sources: " + "[" * 2000 + "]" * 2000 + "\n"))


@payload(
    "json-2000-nested-brackets",
    "2,000 nested `[` in a JSON claim (RecursionError)",
    "nc.verify",
    error="InvalidInputError",
    codes=("input_too_deep",),
)
def _json_nested(w: Work) -> Callable[[], Any]:
    inv = w.file("inventory.yaml", inventory())
    claim = w.file("claim.json", '{"gwp_set": "AR6", "by_source": ' + "[" * 2000 + "]" * 2000 + "}")
    return lambda: nc.verify(
        nc.load_inventory(inv), claim, materiality=0.05, assurance="reasonable"
    )


@payload(
    "yaml-float-tag-abc",
    "`!!float abc` (ValueError past the typed errors)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("yaml_value",),
)
def _float_abc(w: Work) -> Callable[[], Any]:
    return load(w.file("inventory.yaml", inventory("{amount: !!float abc, unit: MWh}")))


@payload(
    "integer-of-5000-digits",
    "a 5,000-digit integer (ValueError: over Python's 4,300 digits)",
    "nc.load_inventory (JSON)",
    error="InvalidInputError",
    codes=("number_too_long",),
)
def _long_integer(w: Work) -> Callable[[], Any]:
    data = json.dumps(mapping()).replace('"amount": 100', '"amount": ' + "7" * 5000)
    assert "7" * 5000 in data
    return load(w.file("inventory.json", data))


@payload(
    "result-with-a-duplicate-key",
    "a saved result stating its total twice (JSON would keep the last silently)",
    "nc.load_result",
    error="InvalidInputError",
    codes=("json_duplicate_key",),
)
def _result_duplicate_key(w: Work) -> Callable[[], Any]:
    res = nc.calculate(nc.validate_inventory(mapping()))
    text = res.to_json().replace(
        '"gross_co2e_t": 50.0', '"gross_co2e_t": 50.0, "gross_co2e_t": 0.0', 1
    )
    assert text.count('"gross_co2e_t": ') == 2
    path = w.file("result.json", text)
    return lambda: nc.load_result(path)


# confinement ----------------------------------------------------------------------------------------

SECRET = "API_KEY=hunter2"


def _other_tenant(w: Work) -> Path:
    """A second tenant's folder beside this one, holding a secret row and a pack."""
    other = w.inp.parent / "other-tenant"
    other.mkdir(exist_ok=True)
    (other / "secret.csv").write_text(f"source,amount,unit\n{SECRET},1000000,MWh\ng,1000000,MWh\n")
    shutil.copy(TESTPACK, other / "theirs.yaml")
    (other / "inventory.yaml").write_text(with_files("secret.csv"))
    return other


def _no_secret(exc: Any) -> list[str]:
    text = str(exc) + " ".join(repr(i.to_dict()) for i in getattr(exc, "issues", ()))
    return (
        [f"the message shows the other tenant's data: {text[:300]!r}"]
        if "hunter2" in text or "1000000" in text
        else []
    )


@payload(
    "activity-file-dotdot",
    "`activity_files` with `../` into another tenant's folder",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("path_outside_base",),
    check=_no_secret,
)
def _dotdot(w: Work) -> Callable[[], Any]:
    _other_tenant(w)
    return total(w.file("inventory.yaml", with_files("../other-tenant/secret.csv")))


@payload(
    "activity-file-absolute",
    "`activity_files` with an absolute path into another tenant's folder",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("path_outside_base",),
    check=_no_secret,
)
def _absolute(w: Work) -> Callable[[], Any]:
    other = _other_tenant(w)
    return total(w.file("inventory.yaml", with_files(str(other / "secret.csv"))))


@payload(
    "activity-file-symlink-out",
    "`activity_files` naming a symlink that leads out of the folder",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("path_outside_base",),
    check=_no_secret,
    needs=("posix",),
)
def _symlink_out(w: Work) -> Callable[[], Any]:
    other = _other_tenant(w)
    os.symlink(other / "secret.csv", w.inp / "mine.csv")
    return total(w.file("inventory.yaml", with_files("mine.csv")))


@payload(
    "activity-file-dev-zero",
    "a `.csv` symlink to /dev/zero in `activity_files` (read until memory ran out)",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("path_outside_base",),
    needs=("linux",),
)
def _dev_zero(w: Work) -> Callable[[], Any]:
    os.symlink("/dev/zero", w.inp / "zero.csv")
    return total(w.file("inventory.yaml", with_files("zero.csv")))


@payload(
    "activity-file-dev-zero-allowed-folder",
    "the /dev/zero link with /dev allowed by a Sandbox: a device is still not read",
    "nc.calculate (activity_files) under nc.Sandbox(allow=['/dev'])",
    error="InvalidInputError",
    codes=("path_not_regular_file",),
    needs=("linux",),
)
def _dev_zero_allowed(w: Work) -> Callable[[], Any]:
    os.symlink("/dev/zero", w.inp / "zero.csv")
    inv = w.file("inventory.yaml", with_files("zero.csv"))

    def act() -> float:
        with nc.Sandbox(base_dir=w.inp, allow=["/dev"]):
            return nc.calculate(nc.load_inventory(inv)).total_co2e

    return act


@payload(
    "activity-file-fifo",
    "a FIFO in `activity_files` (an open waits for a writer)",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("path_not_regular_file",),
    needs=("posix",),
)
def _fifo(w: Work) -> Callable[[], Any]:
    os.mkfifo(w.inp / "pipe.csv")
    return total(w.file("inventory.yaml", with_files("pipe.csv")))


@payload(
    "user-pack-outside-the-folder",
    "a user factor pack in another tenant's folder",
    "nc.calculate (factor_packs)",
    error="InvalidInputError",  # a PackError when the inventory also reads activity files
    codes=("path_outside_base",),
)
def _pack_outside(w: Work) -> Callable[[], Any]:
    _other_tenant(w)
    text = HEAD.replace("factors:", "factor_packs: [../other-tenant/theirs.yaml]\nfactors:") + (
        "sources: [{id: g, facility: f, category: 2, factor: testpack/grid/a, activity: {amount: 1, unit: MWh}}]\n"
    )
    return total(w.file("inventory.yaml", text))


@payload(
    "tenant-sandbox",
    "one tenant's Sandbox reading another tenant's inventory",
    "nc.load_inventory under nc.Sandbox(base_dir=tenant)",
    error="InvalidInputError",
    codes=("path_outside_base",),
    check=_no_secret,
)
def _tenant_sandbox(w: Work) -> Callable[[], Any]:
    other = _other_tenant(w)
    w.file("inventory.yaml", inventory())

    def act() -> Any:
        with nc.Sandbox(base_dir=w.inp):
            return nc.calculate(nc.load_inventory(other / "inventory.yaml")).total_co2e

    return act


# writers: formulas, Markdown, terminal ---------------------------------------------------------------

FORMULA = "=cmd|' /C calc'!A0"


def _formula_inventory(w: Work) -> Path:
    names = [FORMULA, "+1+2", "-2+3", "@SUM(A1)"]
    sources = [FORMULA, "+SUM(A1)", "-2+3"]
    data = mapping(
        organization={
            "name": FORMULA,
            "id": "h",
            "consolidation": "operational_control",
            "responsible_person": "@me",
        },
        facilities=[{"id": "f", "name": names[1], "operational_control": True}],
        sources=[
            {
                "id": sid,
                "facility": "f",
                "category": 2,
                "factor": "u/grid",
                "description": names[k % len(names)],
                "activity": {"amount": 100, "unit": "MWh"},
            }
            for k, sid in enumerate(sources)
        ],
        exclusions=[{"category": 5, "reason": "@SUM(1+1)*cmd|' /C calc'!A0"}],
        reporting={"title": "-2+3"},
    )
    return w.file("inventory.json", json.dumps(data))


REPORT_SET = ["report.html", "report.json", "report.md", "report.xlsx"]


@payload(
    "formula-texts-in-report-xlsx",
    "`=cmd|' /C calc'!A0`, `+`, `-`, `@` texts in names and source ids",
    "nc.inventory_report(...).write",
    value={"files": REPORT_SET, "total": 150.0},
    needs=("excel",),
)
def _formula_report(w: Work) -> Callable[[], Any]:
    path = _formula_inventory(w)

    def act() -> dict[str, Any]:
        res = nc.calculate(nc.load_inventory(path))
        nc.inventory_report(res).write(w.out)
        w.problems += xlsx_problems(w.out / "report.xlsx")
        return {"files": listing(w.out), "total": res.total_co2e}

    return act


@payload(
    "formula-texts-in-calculate-csv",
    "the same texts in `nqi-carbon calculate --format csv`",
    "nqi-carbon calculate --format csv",
    value={"exit": 0, "sources": ["'+SUM(A1)", "'-2+3", "'" + FORMULA]},
)
def _formula_csv(w: Work) -> Callable[[], Any]:
    path = _formula_inventory(w)

    def act() -> dict[str, Any]:
        run = run_cli("calculate", str(path), "--format", "csv")
        w.problems += csv_problems(run.stdout) + terminal_problems(run.stderr)
        rows = list(csv.DictReader(io.StringIO(run.stdout)))
        return {"exit": run.exit, "sources": sorted({r["source"] for r in rows})}

    return act


@payload(
    "at-sign-source-id",
    "`@` at the start of a source id",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("identifier_well_formed",),
)
def _at_sign_id(w: Work) -> Callable[[], Any]:
    data = mapping()
    data["sources"][0]["id"] = "@SUM(A1)"
    return load(w.file("inventory.json", json.dumps(data)))


MARKDOWN_NAME = (
    "[click](http://evil.example) ![](http://track.example/p.gif) <img src=x onerror=alert(1)> "
    "**bold** `code` [ref]: http://evil.example"
)


def _claim_and_inventory(w: Work, folder: str, name: str, source: str) -> tuple[Path, Path]:
    data = mapping(
        organization={"name": name, "id": "h", "consolidation": "operational_control"},
        facilities=[{"id": "f", "name": name, "operational_control": True}],
        reporting={"title": name},
    )
    data["sources"][0].update(id=source, description=name)
    inv = w.file(f"{folder}/inventory.json", json.dumps(data))
    claim = w.file(
        f"{folder}/claim.json", json.dumps({"gwp_set": "AR6", "by_source": {source: 60.0}})
    )
    return inv, claim


@payload(
    "pipe-in-source-id-and-markdown-in-names",
    "a `|` in a source id and Markdown links/images in names",
    "nc.verify(...).to_markdown, nc.inventory_report(...).to_markdown",
    value={"opinion": "adverse", "misstated": ["gross", "kiln|coal\\"]},
)
def _markdown_structure(w: Work) -> Callable[[], Any]:
    hostile = _claim_and_inventory(w, "hostile", MARKDOWN_NAME, "kiln|coal\\")
    benign = _claim_and_inventory(w, "benign", "Benign Co", "kiln-coal")

    def markdown(inv: Path, claim: Path) -> tuple[str, str, Any]:
        ver = nc.verify(nc.load_inventory(inv), claim, materiality=0.05, assurance="reasonable")
        rep = nc.inventory_report(nc.calculate(nc.load_inventory(inv)))
        return ver.to_markdown(), rep.to_markdown(), ver

    def act() -> dict[str, Any]:
        ver_md, rep_md, ver = markdown(*hostile)
        ver_twin, rep_twin, _ = markdown(*benign)
        w.problems += markdown_problems(ver_md, ver_twin, "verification report")
        w.problems += markdown_problems(rep_md, rep_twin, "inventory report")
        return {"opinion": ver.opinion, "misstated": sorted({m.subject for m in ver.misstatements})}

    return act


TERMINAL = "\x1b[2J\x1b[31mred\x1b]0;title\x07\x9b31m\x85\r\x08\x7f\u202egnp.exe"


@payload(
    "terminal-escapes-in-a-claim-source-id",
    "terminal escape sequences in a claim's source id",
    "nqi-carbon verify",
    # the claimed source is not in the inventory: 5 of 55 t misstated, material at 5 %,
    # so the statement is printed and the exit status says "modified" (3, issue 15)
    value={"exit": 3},
)
def _terminal_claim(w: Work) -> Callable[[], Any]:
    inv = w.file("inventory.yaml", inventory())
    claim = w.file(
        "claim.json", json.dumps({"gwp_set": "AR6", "by_source": {"g": 50.0, TERMINAL: 5.0}})
    )

    def act() -> dict[str, Any]:
        run = run_cli(
            "verify",
            str(inv),
            "--claimed",
            str(claim),
            "--materiality",
            "5%",
            "--assurance",
            "reasonable",
        )
        w.problems += terminal_problems(run.stdout, "stdout") + terminal_problems(
            run.stderr, "stderr"
        )
        if "\\u001b" not in run.stdout or "gnp.exe" not in run.stdout:
            w.problems.append("the source id is not shown (escaped) in the verification report")
        return {"exit": run.exit}

    return act


@payload(
    "line-break-in-a-name",
    "a line break in the organisation's name (forged a Totals table)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("text_single_line",),
)
def _line_break_name(w: Work) -> Callable[[], Any]:
    name = "Evil Co\n\n## Totals\n\n| | t CO2e |\n|---|---:|\n| Gross | 0 |"
    data = mapping(organization={"name": name, "id": "h", "consolidation": "operational_control"})
    return load(w.file("inventory.json", json.dumps(data)))


@payload(
    "control-character-in-a-name",
    "a control character in a facility name (passed validate, then report crashed after 3 of 4 files)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("text_without_control_characters",),
)
def _control_name(w: Work) -> Callable[[], Any]:
    data = mapping(
        facilities=[{"id": "f", "name": "Plant\x1b[31m F\x0b", "operational_control": True}]
    )
    return load(w.file("inventory.json", json.dumps(data)))


# claims --------------------------------------------------------------------------------------------

TWO_CATEGORIES = HEAD + (
    "sources:\n"
    "  - {id: a, facility: f, category: 1, factor: u/grid, activity: {amount: 200, unit: MWh}}\n"
    "  - {id: b, facility: f, category: 2, factor: u/grid, activity: {amount: 200, unit: MWh}}\n"
)
"""Two sources of 100 t CO2 each, in categories 1 and 2: 200 t in all."""


@payload(
    "claim-moves-half-the-total-between-categories",
    "a claim moving 50 % of the total between categories, every source right (was unmodified)",
    "nc.verify",
    value={"opinion": "adverse", "material_figures": ["by_category.1", "by_category.2"]},
)
def _moved_half(w: Work) -> Callable[[], Any]:
    inv = w.file("inventory.yaml", TWO_CATEGORIES)
    claim = w.file(
        "claim.json",
        json.dumps(
            {
                "gwp_set": "AR6",
                "totals": {"gross_co2e_t": 200.0, "by_category": {"1": 0.0, "2": 200.0}},
                "by_source": {"a": 100.0, "b": 100.0},
            }
        ),
    )

    def act() -> dict[str, Any]:
        ver = nc.verify(nc.load_inventory(inv), claim, materiality=0.05, assurance="reasonable")
        return {"opinion": ver.opinion, "material_figures": ver.material_figures}

    return act


@payload(
    "yaml-claim-states-a-category-twice",
    'a YAML claim with `1:` and `"1":` (the first was dropped)',
    "nc.verify",
    error="InvalidInputError",
    codes=("claim_figure_duplicate",),
)
def _claim_twice(w: Work) -> Callable[[], Any]:
    inv = w.file("inventory.yaml", TWO_CATEGORIES)
    claim = w.file(
        "claim.yaml",
        'gwp_set: AR6\ntotals:\n  gross_co2e_t: 200\n  by_category: {1: 100, "1": 0, 2: 100}\n',
    )
    return lambda: nc.verify(
        nc.load_inventory(inv), claim, materiality=0.05, assurance="reasonable"
    )


# physical bounds --------------------------------------------------------------------------------------


@payload(
    "carbon-fraction-58-and-oxidation-150-percent",
    "carbon_fraction 58.2 with unit 1 and oxidation 1.5 (32,010 t CO2 from 100 t of fuel)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("carbon_fraction_within_0_1", "oxidation_within_0_1"),
)
def _carbon_fraction(w: Work) -> Callable[[], Any]:
    text = HEAD + (
        "sources:\n"
        "  - id: coal\n    facility: f\n    category: 1\n    method: carbon_content\n"
        "    carbon: {carbon_fraction: {value: 58.2, unit: '1'}, oxidation: {value: 1.5, unit: '1'}}\n"
        "    activity: {amount: 100, unit: t}\n"
    )
    return load(w.file("inventory.yaml", text))


@payload(
    "uncertainty-5",
    "an uncertainty of 5 (meaning 5 %)",
    "nc.load_inventory",
    error="InvalidInputError",
    codes=("relative_uncertainty_at_most_one",),
)
def _uncertainty_5(w: Work) -> Callable[[], Any]:
    return load(w.file("inventory.yaml", inventory("{amount: 100, unit: MWh, uncertainty: 5}")))


@payload(
    "lognormal-1e-300-to-1e300",
    "lognormal bounds 1e-300..1e300 (OverflowError)",
    "nc.calculate (analytical uncertainty)",
    error="InvalidInputError",
    codes=("lognormal_spread_bounded",),
)
def _lognormal(w: Work) -> Callable[[], Any]:
    path = w.file(
        "inventory.yaml",
        inventory(
            "{amount: 100, unit: MWh, uncertainty: {distribution: lognormal, lower: 1e-300, upper: 1e300}}"
        ),
    )
    return lambda: nc.calculate(nc.load_inventory(path), uncertainty="analytical").total_co2e


# Excel input ------------------------------------------------------------------------------------------


HEADER = ["source", "amount", "unit"]


def _xlsx_activity(
    w: Work, *sheets: tuple[str, list[list[Any]]], edit: Callable[[Any], object] = lambda wb: None
) -> Callable[[], float]:
    """The inventory's total with its activity in ``a.xlsx``: *sheets* (name, rows), changed by
    *edit* before the workbook is saved."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in [HEADER, *rows]:
            ws.append(row)
    edit(wb)
    wb.save(w.inp / "a.xlsx")
    return total(w.file("inventory.yaml", with_files("a.xlsx")))


def _hide_the_first_sheet(wb: Any) -> None:
    wb.worksheets[0].sheet_state = "hidden"
    wb.active = 1


@payload(
    "xlsx-hidden-first-sheet",
    "a hidden first sheet in .xlsx (was read instead of the visible one)",
    "nc.calculate (activity_files)",
    value=2.5,
    needs=("excel",),
)
def _hidden_sheet(w: Work) -> Callable[[], Any]:
    old, data = ("Old", [["g", 999, "MWh"]]), ("Data", [["g", 5, "MWh"]])
    return _xlsx_activity(w, old, data, edit=_hide_the_first_sheet)


@payload(
    "xlsx-hidden-rows",
    "hidden rows holding data in .xlsx (were counted)",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("excel_hidden",),
    needs=("excel",),
)
def _hidden_rows(w: Work) -> Callable[[], Any]:
    def hide_row_3(wb: Any) -> None:
        wb["Data"].row_dimensions[3].hidden = True

    return _xlsx_activity(w, ("Data", [["g", 5, "MWh"], ["g", 1000, "MWh"]]), edit=hide_row_3)


@payload(
    "xlsx-formula-cell",
    "a formula cell in .xlsx (its stale cached value was read)",
    "nc.calculate (activity_files)",
    error="InvalidInputError",
    codes=("excel_formula",),
    needs=("excel",),
)
def _formula_cell(w: Work) -> Callable[[], Any]:
    return _xlsx_activity(w, ("Data", [["g", "=10*100", "MWh"]]))


# reports -------------------------------------------------------------------------------------------------


@payload(
    "bad-source-date-epoch",
    "a bad SOURCE_DATE_EPOCH (crashed; nothing may be written)",
    "nc.inventory_report(...).write",
    error="InvalidInputError",
    codes=("source_date_epoch",),
)
def _bad_epoch(w: Work) -> Callable[[], Any]:
    path = w.file("inventory.yaml", inventory())

    def act() -> Any:
        res = nc.calculate(nc.load_inventory(path))
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = "1e99"
        try:
            return nc.inventory_report(res).write(w.out)
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before
            if listing(w.out):
                w.problems.append(f"files written despite the error: {listing(w.out)}")

    return act


# trajectories ------------------------------------------------------------------------------------------

TRAJECTORY = ("--target-year", "2030", "--method", "linear", "--target-reduction", "0.5")


@payload(
    "trajectory-year-1e12",
    "a year 1e12 in a trajectory series (built a range over the gap)",
    "nqi-carbon trajectory",
    value={"exit": 1, "codes": ["series_contiguous"]},
)
def _year_1e12(w: Work) -> Callable[[], Any]:
    series = w.file("series.csv", "year,gross_co2e_t\n2020,10\n1e12,9\n2022,8\n")

    def act() -> dict[str, Any]:
        run = run_cli("trajectory", str(series), *TRAJECTORY)
        w.problems += terminal_problems(run.stdout + run.stderr)
        return {"exit": run.exit, "codes": run.codes}

    return act


@payload(
    "trajectory-sectors-unit-power-tower",
    "a sectors file whose emissions unit is `10**10**10`",
    "nqi-carbon trajectory --sectors",
    value={"exit": 1, "codes": ["lmdi_emissions_unit"]},
)
def _sectors_unit(w: Work) -> Callable[[], Any]:
    series = w.file("series.csv", "year,gross_co2e_t\n2020,10\n2021,9\n2022,8\n")
    sectors = w.file(
        "sectors.csv",
        "year,sector,output,energy,emissions [10**10**10]\n2020,a,1,1,1\n2022,a,1,1,1\n",
    )

    def act() -> dict[str, Any]:
        run = run_cli("trajectory", str(series), "--sectors", str(sectors), *TRAJECTORY)
        w.problems += terminal_problems(run.stdout + run.stderr)
        return {"exit": run.exit, "codes": run.codes}

    return act


# -- running the corpus ---------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm: a payload ran longer than :data:`ALARM_S` (BaseException, so no
    ``except Exception`` inside nqi-carbon can swallow it)."""


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux)


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def _files(root: Path) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            found.add(os.path.join(folder, name))
    return found


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)[:300]
    return value


def run_payload(p: Payload, workdir: Path) -> dict[str, Any]:
    """Build and run one payload; its record."""
    import signal

    folder = workdir / "payloads" / p.id
    w = Work(folder / "in", folder / "out")
    w.inp.mkdir(parents=True)
    record: dict[str, Any] = {"id": p.id, "operation": p.operation}
    try:
        act = p.build(w)
    except Exception as exc:  # the payload's files could not be made: say so, run the rest
        record.update(outcome="crash", type=f"while building: {type(exc).__name__}", problems=[])
        record.update(message=str(exc)[:2000], traceback=traceback.format_exc()[-4000:])
        return record
    watched = [workdir]
    before = set().union(*(_files(d) for d in watched))

    def cpu_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {ALARM_S} s of CPU")

    def wall_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {WALL_S} s")

    previous = signal.signal(signal.SIGALRM, wall_alarm)
    previous_prof = signal.signal(signal.SIGPROF, cpu_alarm)
    _reset_peak()
    start = time.perf_counter()
    outcome: Any = None
    try:
        signal.alarm(WALL_S)
        signal.setitimer(signal.ITIMER_PROF, ALARM_S)
        try:
            value = act()
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.alarm(0)
        outcome = value
        record.update(outcome="result", value=_jsonable(value))
    except Hang as exc:
        record.update(outcome="timeout", type="Hang", message=str(exc))
    except nc.NqiCarbonError as exc:
        outcome = exc
        record.update(
            outcome="error",
            type=type(exc).__name__,
            types=[k.__name__ for k in type(exc).__mro__ if issubclass(k, nc.NqiCarbonError)],
            codes=sorted({i.code for i in getattr(exc, "issues", ())}),
            message=str(exc)[:2000],
        )
    except BaseException as exc:  # a crash past the typed errors: recorded, never raised
        record.update(
            outcome="crash",
            type=type(exc).__name__,
            message=str(exc)[:2000],
            traceback=traceback.format_exc()[-4000:],
        )
    finally:
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGPROF, previous_prof)
    record["elapsed_s"] = round(time.perf_counter() - start, 3)
    record["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    after = set().union(*(_files(d) for d in watched))
    outside = sorted(f for f in after - before if not f.startswith(str(w.out) + os.sep))
    w.problems += [f"a file appeared outside the output folder: {f}" for f in outside]
    if p.check is not None and record["outcome"] in ("result", "error"):
        try:
            w.problems += p.check(outcome)
        except Exception as exc:  # an outcome the check did not foresee
            w.problems.append(f"the payload's check failed: {type(exc).__name__}: {exc}")
    record["problems"] = w.problems
    return record


def main(argv: list[str]) -> int:
    """Run the payloads named in *argv* (all by default) under the limits; print records."""
    import faulthandler

    workdir = Path(argv[0]).resolve()
    ids = argv[1:] or list(CORPUS)
    for sub in ("payloads", "cwd", "tmp"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    os.chdir(workdir / "cwd")  # "a new folder here" would land here, and be seen
    os.environ["TMPDIR"] = str(workdir / "tmp")
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    # what the payloads import anyway, before the address-space limit
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    with contextlib.suppress(ImportError):
        import openpyxl  # noqa: F401
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass
    for pid in ids:
        # a hard watchdog: ends the process if the alarm cannot interrupt the payload
        faulthandler.dump_traceback_later(WALL_S + 30, exit=True)
        print(json.dumps({"id": pid, "event": "start"}), flush=True)
        record = run_payload(CORPUS[pid], workdir)
        faulthandler.cancel_dump_traceback_later()
        print(json.dumps(record, ensure_ascii=True), flush=True)
    return 0


def records(workdir: Path, ids: list[str], *, timeout: float = 900) -> Iterator[dict[str, Any]]:
    """Run the corpus in a child process and yield one record per payload of *ids*.

    A child that dies (a crash the payload could not catch, the watchdog) is recorded for
    the payload it was running; the payloads after it run in a new child.
    """
    import subprocess

    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONFAULTHANDLER": "1",
    }
    todo = list(ids)
    while todo:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), str(workdir), *todo],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        running = None
        for line in proc.stdout.splitlines():
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if rec.get("event") == "start":
                running = rec["id"]
            else:
                running = None
                todo.remove(rec["id"])
                yield rec
        if todo:
            culprit = running or todo[0]
            todo.remove(culprit)
            yield {
                "id": culprit,
                "outcome": "died",
                "type": f"exit status {proc.returncode}",
                "message": proc.stderr[-4000:],
                "problems": [],
            }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
