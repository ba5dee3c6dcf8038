"""``nqi-carbon demo`` and ``nqi-carbon report``: an inventory file to report files."""

from __future__ import annotations

import datetime as _dt
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from ._progress import Progress

__all__ = ["example_path", "run_demo", "write_report"]


def example_path(name: str = "cement") -> Path:
    """Path of a bundled example inventory (``examples/<name>/inventory.yaml``)."""
    inside: Traversable = resources.files("nqi_carbon") / "examples" / name / "inventory.yaml"
    if inside.is_file():
        return Path(str(inside))
    checkout = Path(__file__).resolve().parents[2] / "examples" / name / "inventory.yaml"
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"bundled example {name!r} not found; the installation is incomplete")


def run_demo(*, out_dir: str | None, stream: TextIO, progress: Progress = None) -> int:
    """Validate and calculate the cement example (Approach 1) and write its report.

    Writes report.html, report.md, report.json and report.xlsx (the last needs the
    ``excel`` extra) and returns the process exit status.
    """
    return write_report(example_path("cement"), out_dir=out_dir, stream=stream, progress=progress)


def write_report(
    path: str | Path,
    *,
    out_dir: str | None,
    stream: TextIO,
    formats: tuple[str, ...] = ("html", "md", "json", "xlsx"),
    uncertainty: str = "analytical",
    progress: Progress = None,
) -> int:
    """Load, calculate and report one inventory file (``-``: standard input); print a summary and the files.

    *progress* (see :mod:`nqi_carbon._progress`) shows Monte Carlo and the report files
    being rendered on standard error; ``False`` silences it (``--quiet``).
    """
    from ._escape import term_line
    from ._io.atomic import write_set
    from .calc.pipeline import calculate
    from .inventory.load import STDIN, load_inventory, load_inventory_stdin
    from .report.inventory import inventory_report
    from .summary import _summary

    inv = load_inventory_stdin() if str(path) == STDIN else load_inventory(path)
    res = calculate(inv, uncertainty=uncertainty, progress=progress)  # type: ignore[arg-type]
    rep = inventory_report(res)
    wanted = list(formats)
    note = ""
    if "xlsx" in wanted:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            wanted.remove("xlsx")
            note = "  (report.xlsx skipped: install the excel extra, pip install 'nqi-carbon[excel]')\n"
    # every file rendered before the folder is made or anything is written
    files = rep._render(wanted, progress)
    out = Path(out_dir) if out_dir else _new_folder(Path.cwd())
    written = write_set(out, files)
    _summary(res, stream)
    missing = [i for i in rep.checklist() if i.status == "missing"]
    stream.write(
        f"\nISO 14064-1 clause 9.3.1 checklist: {20 - len(missing)} of 20 items present or not applicable"
    )
    stream.write(
        "".join(f"\n  missing {i.item}: {i.title} ({term_line(i.detail)})" for i in missing) + "\n"
    )
    stream.write("\nwritten:\n" + "".join(f"  {term_line(str(p))}\n" for p in written) + note)
    return 0


def _new_folder(parent: Path) -> Path:
    """A new folder ``nqi-carbon-report-<date>-<time>[-n]``: never one another run made.

    ``mkdir`` without ``exist_ok`` is atomic, so two runs started in the same second get
    two folders (before, the second overwrote the first's files).
    """
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        candidate = parent / (f"nqi-carbon-report-{stamp}" + ("" if n == 1 else f"-{n}"))
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(parent / f"nqi-carbon-report-{stamp}")
