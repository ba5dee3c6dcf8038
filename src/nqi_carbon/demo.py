"""``nqi-carbon demo``: the bundled cement-plant example, end to end."""

from __future__ import annotations

import datetime as _dt
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from ._atomic import atomic_write_text

__all__ = ["example_path", "run_demo"]


def example_path(name: str = "cement") -> Path:
    """Path of a bundled example inventory (``examples/<name>/inventory.yaml``)."""
    inside: Traversable = resources.files("nqi_carbon") / "examples" / name / "inventory.yaml"
    if inside.is_file():
        return Path(str(inside))
    checkout = Path(__file__).resolve().parents[2] / "examples" / name / "inventory.yaml"
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"bundled example {name!r} not found; the installation is incomplete")


def run_demo(*, out_dir: str | None, stream: TextIO) -> int:
    """Validate, calculate (with Approach 1 uncertainty) and write the example's result.

    Returns the process exit status.
    """
    from .cli import _summary
    from .io import load_inventory
    from .result import calculate

    path = example_path("cement")
    inv = load_inventory(path)
    res = calculate(inv, uncertainty="analytical")
    out = (
        Path(out_dir)
        if out_dir
        else Path.cwd() / f"nqi-carbon-report-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    )
    out.mkdir(parents=True, exist_ok=True)
    written = [atomic_write_text(out / "report.json", res.to_json() + "\n")]
    _summary(res, stream)
    stream.write("\nwritten:\n" + "".join(f"  {p}\n" for p in written))
    return 0
