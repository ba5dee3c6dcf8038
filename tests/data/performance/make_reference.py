"""Write reference.json: what main's code computes for the cases tests/test_same_results.py checks.

Produced with the code of ``main`` before the speed work of issue 14 (commit named in the
file), from the repository root::

    PYTHONPATH=/path/to/main/src python tests/data/performance/make_reference.py <commit>

It imports ``nqi_carbon`` from whatever ``PYTHONPATH`` names: run it with the code whose
values are the reference, never with the code under test.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

EXAMPLES = ("cement", "multisite", "office")
GENERATED = {"facilities": 200, "rows": 40_000, "seed": 0}
MC = {"iterations": 2_000, "seed": 7}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, allow_nan=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def summary(result: Any) -> dict[str, Any]:
    """Totals and uncertainty in full (floats as repr), the rest of ``result@1`` as digests."""
    d = result.to_dict()
    d["provenance"].pop("library_version")
    return {
        "totals": d["totals"],
        "uncertainty": d["uncertainty"],
        "lines_sha256": _digest(d["lines"]),
        "findings_sha256": _digest(d["findings"]),
        "provenance_sha256": _digest(d["provenance"]),
    }


def generated_case() -> tuple[dict[str, Any], Any]:
    """The 10,000-source inventory of the benchmark and a 40,000-row plain-string table."""
    import cases

    sources, inventory = cases.make_inventory(GENERATED["facilities"])
    table = cases.make_table(sources, GENERATED["rows"], GENERATED["seed"])
    return inventory, table


def compute() -> dict[str, Any]:
    import nqi_carbon as nc

    out: dict[str, Any] = {}
    for name in EXAMPLES:
        path = ROOT / "examples" / name / "inventory.yaml"
        for method in ("analytical", "monte_carlo"):
            r = nc.calculate(nc.load_inventory(path), uncertainty=method, **(MC if method == "monte_carlo" else {}))
            out[f"{name}/{method}"] = summary(r)
    mapping, table = generated_case()
    for method in ("analytical", "monte_carlo"):
        inv = nc.validate_inventory(mapping)
        r = nc.calculate(inv, activity=table, uncertainty=method, **(MC if method == "monte_carlo" else {}))
        out[f"generated/{method}"] = summary(r)
    return out


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    data = {
        "produced_by": "tests/data/performance/make_reference.py with PYTHONPATH=<main>/src",
        "main_commit": sys.argv[1] if len(sys.argv) > 1 else "unknown",
        "generated": GENERATED,
        "monte_carlo": MC,
        "cases": compute(),
    }
    (HERE / "reference.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
