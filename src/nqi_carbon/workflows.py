"""Workflows at the edge: from files on disk to trajectory reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InvalidInputError, Issue
from .trajectory.build import build_trajectory
from .trajectory.page import TrajectoryReport
from .trajectory.read import _read_series_csv
from .trajectory.series import annual_series

__all__ = ["run_trajectory"]


def _read_series(
    files: Sequence[str],
) -> tuple[dict[int, float], dict[int, float] | None, list[str]]:
    from pathlib import Path

    if len(files) == 1 and Path(files[0]).suffix.lower() == ".csv":
        return _read_series_csv(files[0])
    csv = [f for f in files if Path(f).suffix.lower() == ".csv"]
    if csv:
        raise InvalidInputError(
            [
                Issue(
                    "file_type",
                    "a CSV series is given alone; the other files are inventories (one per year)",
                    file=f,
                    allowed="one CSV (year, gross_co2e_t[, removals_co2e_t]), "
                    "or inventory files (.yaml, .yml, .json)",
                )
                for f in csv
            ]
        )
    from .calc.pipeline import calculate
    from .inventory.load import load_inventory

    series = annual_series(calculate(load_inventory(f)) for f in files)
    return (
        dict(zip(map(int, series.index.tolist()), series["gross_co2e_t"].tolist(), strict=True)),
        dict(zip(map(int, series.index.tolist()), series["removals_co2e_t"].tolist(), strict=True)),
        [],
    )


def run_trajectory(files: Sequence[str], **options: Any) -> TrajectoryReport:
    """Read a series from inventory files (one per year) or one CSV, then build the trajectory.

    ``options`` are those of :func:`nqi_carbon.trajectory.build_trajectory`. Input
    problems (unreadable or non-UTF-8 files, bad years or values, parameters) raise
    :class:`~nqi_carbon.errors.InvalidInputError` with every problem found; what was done
    to the input on the way (rows sorted by year...) is in the report's ``notes``.
    """
    actuals, removals, notes = _read_series(files)
    report = build_trajectory(actuals, removals, **options)
    report.notes[:0] = notes
    return report
