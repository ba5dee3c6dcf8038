"""What a user's own pandas script does with the CLI's input (the CLI case's baseline).

    python pandas_script.py FOLDER csv|parquet

Reads ``FOLDER/activity.<kind>`` as pandas reads it, factorises the text columns, converts
with the unit-scale table and multiplies by the per-gas coefficients that ``bench.py``
saved in ``FOLDER/coefficients.npz`` (from the packs, outside this timing), sums per
source and gas and rolls up, and writes the lines and totals as JSON to stdout, as
``nqi-carbon calculate --format json`` does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    folder, kind = Path(sys.argv[1]), sys.argv[2]
    tables = np.load(folder / "coefficients.npz", allow_pickle=False)
    ids = tables["ids"].tolist()
    units = tables["units"].tolist()
    scale, coef, cell = tables["scale"], tables["coef"], tables["cell"]
    path = folder / f"activity.{kind}"
    table = pd.read_csv(path) if kind == "csv" else pd.read_parquet(path)
    src_codes, src_uniques = pd.factorize(table["source"])
    unit_codes, unit_uniques = pd.factorize(table["unit"])
    where = {v: i for i, v in enumerate(ids)}
    src = np.array([where[v] for v in src_uniques], dtype=np.intp)[src_codes]
    unit = np.array([units.index(v) for v in unit_uniques], dtype=np.intp)[unit_codes]
    x = table["amount"].to_numpy() * scale[src, unit]
    per_source = np.stack([np.bincount(src, x * c[src], minlength=len(ids)) for c in coef])
    cells = np.bincount(np.tile(cell, len(coef)), per_source.ravel(), minlength=int(cell.max()) + 1)
    lines = [
        {"source": ids[s], "slot": int(k), "co2e_t": float(per_source[k, s])}
        for k, s in zip(*np.nonzero(per_source), strict=True)
    ]
    json.dump(
        {"total_co2e_t": float(per_source.sum()), "cells": cells.tolist(), "lines": lines},
        sys.stdout,
        indent=2,
    )


if __name__ == "__main__":
    main()
