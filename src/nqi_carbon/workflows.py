"""Workflows at the edge: from files on disk to trajectory reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InvalidInputError, Issue
from .trajectory import TrajectoryReport, annual_series, build_trajectory

__all__ = ["run_trajectory"]


def _read_series(files: Sequence[str]) -> tuple[dict[int, float], dict[int, float] | None]:
    from pathlib import Path

    import pandas as pd

    if len(files) == 1 and Path(files[0]).suffix.lower() == ".csv":
        raw = Path(files[0]).read_bytes().decode("utf-8-sig")
        import io as _io

        df = pd.read_csv(_io.StringIO(raw))
        missing = [c for c in ("year", "gross_co2e_t") if c not in df.columns]
        if missing:
            raise InvalidInputError(
                [
                    Issue(
                        "table_columns",
                        f"missing column(s) {', '.join(missing)}",
                        file=files[0],
                        allowed="year, gross_co2e_t[, removals_co2e_t]",
                    )
                ]
            )
        actuals = {int(y): float(v) for y, v in zip(df["year"], df["gross_co2e_t"], strict=True)}
        removals = (
            {int(y): float(v) for y, v in zip(df["year"], df["removals_co2e_t"], strict=True)}
            if "removals_co2e_t" in df.columns
            else None
        )
        return actuals, removals
    from .io import load_inventory
    from .result import calculate

    series = annual_series(calculate(load_inventory(f)) for f in files)
    return (
        dict(zip(map(int, series.index.tolist()), series["gross_co2e_t"].tolist(), strict=True)),
        dict(zip(map(int, series.index.tolist()), series["removals_co2e_t"].tolist(), strict=True)),
    )


def run_trajectory(files: Sequence[str], **options: Any) -> TrajectoryReport:
    """Read a series from inventory files (one per year) or one CSV, then build the trajectory.

    ``options`` are those of :func:`nqi_carbon.trajectory.build_trajectory`.
    """
    actuals, removals = _read_series(files)
    return build_trajectory(actuals, removals, **options)
