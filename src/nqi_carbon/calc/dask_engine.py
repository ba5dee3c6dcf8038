"""Scale-out on Dask: :func:`~nqi_carbon.calc.pipeline.calculate` over the partitions of a table.

The activity rows stay on the workers, partition by partition; the driver holds the
inventory, the plan and per-source sums, never a row. Two passes run over the partitions,
each a tree reduction of small per-partition digests (``split_every`` at a time):

1. **check** -- every partition (a partition of a Dask DataFrame, or an activity file of
   the inventory, read on the worker by the same reader) is checked by the in-memory
   rules of :mod:`~nqi_carbon.calc.ingest`, each problem named by file (or partition) and
   row; it reports the (source, unit) pairs it holds with their record counts and largest
   amounts, its period spans, its largest stated uncertainty, the rows read after a
   calibration was due and its records of non-normal distributions. Periods that
   overlap across partitions are found while the digests are combined; the driver joins
   them with the inline records, finds data gaps and plans every source once
   (:func:`~nqi_carbon.calc.plan.plan_sources`); every problem of every partition is
   raised together.
2. **sum** -- with the plan's unit scales and each source's power-of-two grid (from the
   global counts and maxima, :func:`~nqi_carbon.calc.exact.scale_from_max`, exactly as
   :func:`~nqi_carbon.calc.kernel.source_statistics` derives it from the whole table),
   every partition sums its records on the grid -- the columns pass 1 checked, kept on
   its worker (``persist``, the default with a ``distributed`` client: one read), or
   read and converted again (``dask_persist=False``): whole numbers of quanta, which add
   exactly in any order and grouping. The driver adds the partitions' sums and undoes the
   grid, which gives :func:`~nqi_carbon.calc.kernel.source_statistics`'s sums bit for bit
   whatever the partitioning and the order of the partitions.

Everything after the sums (lines, roll-ups, findings, Approach 1, pooled Monte Carlo) is
the in-memory code on the driver, on the same per-source statistics: the same result.
Dask is imported only here, inside functions: ``import nqi_carbon`` stays light.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import CappedIssues, InvalidInputError, Issue
from .exact import scale_from_max

if TYPE_CHECKING:
    import pandas as pd

    from .._io.files import Written
    from .._io.spec import ReadSpec
    from ..data.factors import FactorRegistry
    from ..inventory.models import Inventory
    from ..limits import Limits, Sandbox
    from .ingest import ActivityColumns
    from .kernel import SourceStats
    from .pipeline import Prepared

__all__ = ["SPLIT_EVERY", "activity_partitions", "dask_statistics", "is_dask_frame"]

SPLIT_EVERY = 8
"""Digests combined per task of the tree reductions (Dask's ``split_every``)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# (start, end, description, file, row) of a distinct period of one source in a partition
_Covered = tuple[_dt.date, _dt.date, str, str | None, int | None]


def is_dask_frame(obj: Any) -> bool:
    """Whether *obj* is a Dask DataFrame (checked without importing Dask)."""
    module = type(obj).__module__
    return (
        (module.startswith("dask.") or module.startswith("dask_expr"))
        and hasattr(obj, "to_delayed")
        and hasattr(obj, "npartitions")
        and hasattr(obj, "columns")
    )


# ---------------------------------------------------------------------------------------
# the partitions
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _FilePart:
    """An activity file of the inventory, read on the worker (one partition)."""

    written: Written
    spec: ReadSpec


def _partition_frame(part: Any, index: int) -> tuple[pd.DataFrame | None, list[Issue]]:
    """The table of one partition, its rows named as the in-memory path names them.

    A file is read by :func:`~nqi_carbon._io.tables.read_table` (named by path and
    spreadsheet row); a partition of a Dask DataFrame is ``activity table partition
    <index>``, its rows numbered from 1 (unless it carries its file's row names).
    """
    from .._io.tables import read_table
    from ..data.quantities import activity_quantities

    if isinstance(part, _FilePart):
        try:
            frame = read_table(part.written, spec=part.spec)
        except InvalidInputError as exc:
            return None, list(exc.issues)
        first = frame.attrs.get("nqi_carbon_first_row", 2)
        frame.attrs["nqi_carbon_rows"] = [(str(part.written.path), 0, len(frame), first)]
        if "nqi_carbon_sheet" in frame.attrs:
            frame.attrs["nqi_carbon_sheets"] = {str(part.written.path): frame.attrs["nqi_carbon_sheet"]}
        return frame, []
    import pandas as pd

    if not isinstance(part, pd.DataFrame):  # a Dask collection of something else
        issue = Issue(
            "argument_type",
            f"partition {index} of the activity is not a table",
            file=f"activity table partition {index}",
            field="activity",
            value=type(part).__name__,
            allowed="a Dask DataFrame whose partitions are pandas DataFrames",
        )
        return None, [issue]
    carried = part.attrs.get("nqi_carbon_issues")
    if carried:  # a file of activity_partitions() that could not be read
        return None, list(carried)
    frame = part.copy(deep=False)
    segs = frame.attrs.get("nqi_carbon_rows")
    if not (isinstance(segs, list) and sum(int(s[2]) for s in segs) == len(frame)):
        frame.attrs["nqi_carbon_rows"] = [(f"activity table partition {index}", 0, len(frame), 1)]
    return activity_quantities(frame), []


def _partition_columns(
    inv: Inventory, frame: pd.DataFrame, *, relations: bool = True
) -> tuple[ActivityColumns, list[Issue], dict[int, list[_Covered]]]:
    """The checked columns of one partition, its problems and its distinct periods per source.

    The rules are :func:`~nqi_carbon.calc.ingest._activity_columns`'s for a table, run on
    the partition's rows (periods against each other and against the inline records,
    units against the sources' factors, calibration); the inline records themselves are
    the driver's. Without *relations* (the second pass, after the first found nothing)
    the periods and units are not compared again: the columns are the same.
    """
    from .ingest import (
        _join_table,
        _period_issues,
        _RowNames,
        _table_calibration,
        _table_columns,
        _unit_fit_issues,
    )

    ins_ids = [ins.id for ins in inv.instruments]
    empty = _empty_columns(ins_ids)
    if len(frame) == 0:
        return empty, [], {}
    rows = _RowNames(frame)
    try:
        tab, issues = _table_columns(
            frame,
            {s.id: i for i, s in enumerate(inv.sources)},
            {k: i for i, k in enumerate(ins_ids)},
            rows,
        )
    except InvalidInputError as exc:  # a required column is missing
        return empty, list(exc.issues), {}
    out = _join_table(empty, tab)
    spans: dict[int, list[_Covered]] = {}
    if relations and "period" in frame.columns:
        issues += _period_issues(inv, frame, tab["source"], rows)
        spans = _partition_spans(frame, tab["source"], rows)
    if relations:
        issues += _unit_fit_issues(inv, out, 0, tab["row_ok"], rows)
    if not issues:
        _table_calibration(inv, frame, out, 0)
    return out, issues, spans


def _empty_columns(ins_ids: list[str]) -> ActivityColumns:
    from .ingest import ActivityColumns

    z = np.zeros(0, dtype=np.intp)
    return ActivityColumns(z, np.zeros(0), z.copy(), [], z.copy(), ins_ids, np.zeros(0))


def _partition_spans(
    frame: pd.DataFrame, source: IntArray, rows: Any
) -> dict[int, list[_Covered]]:
    """Per source index, the distinct well-formed periods of the partition's rows."""
    from .gaps import _period_labels
    from .ingest import _spans_by_source

    labels = _period_labels(frame)
    p_codes, n_p = labels.codes, len(labels.spans)
    well = np.array([s is not None for s in labels.spans] + [False], dtype=bool)
    good = well[p_codes] & (p_codes >= 0) & (source >= 0)
    if not good.any():
        return {}
    key = source[good].astype(np.int64) * n_p + p_codes[good]
    uniq, first = np.unique(key, return_index=True)
    return _spans_by_source(uniq, np.flatnonzero(good)[first], labels, rows)


# ---------------------------------------------------------------------------------------
# pass 1: check and digest
# ---------------------------------------------------------------------------------------
@dataclass
class _Digest:
    """What pass 1 learns of some partitions (combined in partition order)."""

    issues: list[Issue] = field(default_factory=list)
    unreadable: bool = False
    units: list[str] = field(default_factory=list)  # the units met, in order of appearance
    # (source index, unit) -> [records, largest amount], in order of first appearance
    pairs: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    u_max: float = 0.0  # largest stated relative uncertainty
    # per source index: the distinct periods of the partitions (each named by its first
    # row), to find overlaps with the next partitions; as many as distinct periods
    spans: dict[int, list[_Covered]] = field(default_factory=dict)
    file_spans: dict[str, set[tuple[_dt.date, _dt.date]]] = field(default_factory=dict)
    table_spans: dict[str, set[tuple[_dt.date, _dt.date]]] = field(default_factory=dict)
    # (instrument index, source index) -> [rows, fallback used]
    calibration: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    # records of a non-normal distribution: (source, unit, amount, u95, dist, lower, upper)
    non_normal: list[tuple[int, str, float, float, int, float, float]] = field(default_factory=list)
    records: int = 0


def _digest_columns(cols: ActivityColumns, digest: _Digest) -> None:
    """Add the pairs, the largest uncertainty and the non-normal records of *cols*."""
    for u in cols.unit_names:
        if u not in digest.units:
            digest.units.append(u)
    if not len(cols):
        return
    n_u = max(len(cols.unit_names), 1)
    key = cols.source * n_u + cols.unit
    counts = np.bincount(key)
    largest = np.zeros(counts.size)
    np.maximum.at(largest, key, cols.amount)
    for k in np.flatnonzero(counts).tolist():
        s, unit = divmod(k, n_u)
        digest.pairs[(s, cols.unit_names[unit])] = [float(counts[k]), float(largest[k])]
    own = ~np.isnan(cols.u95)
    if own.any():
        digest.u_max = max(digest.u_max, float(np.max(cols.u95[own])))
    if cols.dist.size and (cols.dist >= 2).any():
        for i in np.flatnonzero(cols.dist >= 2).tolist():
            digest.non_normal.append(
                (
                    int(cols.source[i]),
                    cols.unit_names[int(cols.unit[i])],
                    float(cols.amount[i]),
                    float(cols.u95[i]),
                    int(cols.dist[i]),
                    float(cols.lower[i]),
                    float(cols.upper[i]),
                )
            )
    digest.records += len(cols)


def _checked(
    inv: Inventory, part: Any, index: int, block: Limits | Sandbox
) -> tuple[_Digest, ActivityColumns | None]:
    """Pass 1 on one partition: its digest, and its checked columns when it has no problem."""
    with block:
        digest = _Digest()
        frame, unreadable = _partition_frame(part, index)
        if frame is None:
            digest.issues, digest.unreadable = list(CappedIssues(unreadable)), True
            return digest, None
        cols, issues, spans = _partition_columns(inv, frame)
        digest.issues = list(CappedIssues(issues))
        if spans:
            digest.spans = spans
            ids = [s.id for s in inv.sources]
            target = digest.file_spans if isinstance(part, _FilePart) else digest.table_spans
            for s, items in spans.items():
                target.setdefault(ids[s], set()).update((c[0], c[1]) for c in items)
        if issues:
            return digest, None
        _digest_columns(cols, digest)
        ins_index = {k: i for i, k in enumerate(cols.instrument_ids)}
        src_index = {s.id: i for i, s in enumerate(inv.sources)}
        for sid, ins_id, n_rows, fell_back in cols.calibration_expired:
            digest.calibration[(ins_index[ins_id], src_index[sid])] = [n_rows, int(fell_back)]
        return digest, cols


def _check_partition(inv: Inventory, part: Any, index: int, block: Limits | Sandbox) -> _Digest:
    """Pass 1 on one partition when it is read again for pass 2: its digest alone."""
    return _checked(inv, part, index, block)[0]


def _check_and_keep(
    inv: Inventory, part: Any, index: int, block: Limits | Sandbox
) -> tuple[_Digest, _Kept | None]:
    """Pass 1 on one partition when its columns stay on the worker: digest and kept columns."""
    digest, cols = _checked(inv, part, index, block)
    return digest, None if cols is None else _Kept.of(cols)


@dataclass(frozen=True)
class _Kept:
    """What pass 2 needs of a checked partition, kept on its worker between the passes.

    4 + 8 + 4 bytes a record (source, amount in its unit, unit), 8 more when a record of
    the partition states its uncertainty and 4 more when one names an instrument: 16-28
    bytes a line (:data:`KEPT_BYTES_PER_LINE`).
    """

    source: npt.NDArray[np.int32]
    amount: FloatArray
    unit: npt.NDArray[np.int32]
    unit_names: list[str]
    instrument: npt.NDArray[np.int32] | None  # None: no record names an instrument
    u95: FloatArray | None  # None: no record states its own uncertainty

    @classmethod
    def of(cls, cols: ActivityColumns) -> _Kept:
        ins = cols.instrument.astype(np.int32) if (cols.instrument >= 0).any() else None
        u95 = _own(cols.u95) if (~np.isnan(cols.u95)).any() else None
        source, unit = cols.source.astype(np.int32), cols.unit.astype(np.int32)
        return cls(source, _own(cols.amount), unit, cols.unit_names, ins, u95)

    def columns(self, ins_ids: list[str]) -> ActivityColumns:
        """The columns :func:`_grid_sums` reads, as pass 1 checked them."""
        from .ingest import ActivityColumns

        n = self.amount.size
        ins = np.full(n, -1, dtype=np.intp) if self.instrument is None else self.instrument.astype(np.intp)
        u95 = np.full(n, np.nan) if self.u95 is None else self.u95
        return ActivityColumns(
            self.source.astype(np.intp), self.amount, self.unit.astype(np.intp), self.unit_names, ins, ins_ids, u95
        )


def _own(values: FloatArray) -> FloatArray:
    """*values* in an array of their own: a view would keep the partition's whole table alive."""
    return values if values.base is None else values.copy()


KEPT_BYTES_PER_LINE = (16, 28)
"""Cluster memory a line takes between the passes when the partitions are kept (least, most)."""


def _combine(inv: Inventory, block: Limits | Sandbox, *digests: _Digest) -> _Digest:
    """Digests of consecutive partitions as one (issues capped, order kept).

    Periods of one source that overlap across the digests are found here, at each level
    of the tree; the combined digest keeps each distinct period once.
    """
    with block:
        out = _Digest()
        issues = CappedIssues(_overlaps_across(inv, [d.spans for d in digests]))
        for d in digests:
            issues += d.issues
            out.unreadable |= d.unreadable
            out.units += [u for u in d.units if u not in out.units]
            for pair, (n, big) in d.pairs.items():
                have = out.pairs.setdefault(pair, [0.0, 0.0])
                have[0] += n
                have[1] = max(have[1], big)
            out.u_max = max(out.u_max, d.u_max)
            for s, covered in d.spans.items():
                kept = out.spans.setdefault(s, [])
                seen = {(c[0], c[1]) for c in kept}
                kept += [c for c in covered if (c[0], c[1]) not in seen]
            for mine, theirs in ((out.file_spans, d.file_spans), (out.table_spans, d.table_spans)):
                for sid, spans in theirs.items():
                    mine.setdefault(sid, set()).update(spans)
            for k, (n_rows, fell) in d.calibration.items():
                cal = out.calibration.setdefault(k, [0, 0])
                cal[0] += n_rows
                cal[1] |= fell
            out.non_normal += d.non_normal
            out.records += d.records
        out.issues = list(issues)
        return out


# ---------------------------------------------------------------------------------------
# pass 2: sums on the grid
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grid:
    """The plan's unit scales and each source's power-of-two grids (shipped to the workers)."""

    unit_code: dict[str, int]
    scale_tab: FloatArray  # per (source, unit): the scale to the source's base unit
    chain_tab: npt.NDArray[np.bool_]  # per (source, unit): converted through a fuel NCV
    scale: FloatArray  # per source: the grid of x
    q_scale: FloatArray  # per source: the grid of (x u)^2
    k_scale: FloatArray  # per (source, unit): the grid of the amounts as entered
    n_src: int
    n_ins: int


def _grid_sums(cols: ActivityColumns, grid: _Grid) -> dict[str, Any]:
    """Per-source sums of *cols* in whole quanta of *grid*: exact, in any order.

    The arithmetic is :func:`~nqi_carbon.calc.kernel.source_statistics`'s, step for step,
    with the grid of the whole table in place of the partition's own.
    """
    n_src, n_ins, n_units = grid.n_src, grid.n_ins, len(grid.unit_code)
    n_keys = n_src * n_units
    out: dict[str, Any] = {"records": len(cols)}
    if not len(cols):
        return out
    remap = np.array([grid.unit_code[u] for u in cols.unit_names], dtype=np.intp)
    src = cols.source
    key = src * n_units + remap[cols.unit]
    x = grid.scale_tab[key]
    x *= cols.amount
    xq = grid.scale[src]
    xq *= x
    np.rint(xq, out=xq)
    out["A"] = np.bincount(src, weights=xq, minlength=n_src)
    out["A_chain"] = np.bincount(src, weights=np.where(grid.chain_tab[key], xq, 0.0), minlength=n_src)
    own = ~np.isnan(cols.u95)
    if own.any():
        u = cols.u95 if bool(own.all()) else np.where(own, cols.u95, 0.0)
        qq = x * u
        qq *= qq
        qq *= grid.q_scale[src]
        np.rint(qq, out=qq)
        out["Q"] = np.bincount(src, weights=qq, minlength=n_src)
    has_ins = (cols.instrument >= 0) & ~own
    if n_ins and has_ins.any():
        code = src * n_ins + np.where(has_ins, cols.instrument, 0)
        out["B"] = np.bincount(code, weights=np.where(has_ins, xq, 0.0), minlength=n_src * n_ins)
    none = ~own & ~has_ins
    if none.any():
        out["A_none"] = np.bincount(src, weights=np.where(none, xq, 0.0), minlength=n_src)
    aq = grid.k_scale[key]
    aq *= cols.amount
    np.rint(aq, out=aq)
    out["entered"] = np.bincount(key, weights=aq, minlength=n_keys)
    return out


def _sum_partition(
    inv: Inventory, part: Any, index: int, block: Limits | Sandbox, grid: _Grid
) -> dict[str, Any]:
    """Pass 2 on one partition: its sums in whole quanta (:func:`_grid_sums`)."""
    with block, np.errstate(over="ignore", invalid="ignore"):
        frame, unreadable = _partition_frame(part, index)
        cols, issues, _ = (
            _partition_columns(inv, frame, relations=False) if frame is not None else (None, unreadable, {})
        )
        if issues or cols is None:  # pass 1 found none: the data changed under the run
            raise InvalidInputError(
                [_changed_issue(f"partition {index} has problems it did not have when checked")]
            )
        return _grid_sums(cols, grid)


def _sum_kept(kept: _Kept | None, index: int, grid: _Grid, ins_ids: list[str]) -> dict[str, Any]:
    """Pass 2 on one partition kept by pass 1: its sums in whole quanta (:func:`_grid_sums`).

    A kept partition lost with its worker is made again by Dask from the graph: read and
    checked again. If it has problems now that it did not have, the data changed.
    """
    if kept is None:
        raise InvalidInputError(
            [_changed_issue(f"partition {index} has problems it did not have when checked")]
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return _grid_sums(kept.columns(ins_ids), grid)


def _add_sums(*parts: dict[str, Any]) -> dict[str, Any]:
    """Sums of several partitions (whole quanta below 2**53: exact in any grouping)."""
    out: dict[str, Any] = {"records": 0}
    for p in parts:
        for k, v in p.items():
            out[k] = out[k] + v if k in out else v
    return out


def _changed_issue(what: str) -> Issue:
    return Issue(
        "activity_changed_during_run",
        f"{what}; the activity data changed while it was being calculated (or a partition "
        "was read differently the second time): no total is given",
        allowed="activity data that stays the same during the calculation",
    )


# ---------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------
def _tree(items: list[Any], func: Any, *args: Any) -> Any:
    """One Delayed combining *items* with ``func(*args, *chunk)``, SPLIT_EVERY at a time."""
    from dask import delayed

    while len(items) > 1:
        items = [
            delayed(func, pure=True)(*args, *items[i : i + SPLIT_EVERY])
            for i in range(0, len(items), SPLIT_EVERY)
        ]
    return items[0]


def _partitions(inventory: Inventory, activity: Any) -> list[tuple[Any, int]]:
    """The partitions, each with its number: the inventory's activity files, then the frame's.

    A partition of the Dask DataFrame is named by its number in the frame (from 0).
    """
    from .gaps import activity_file_specs

    parts: list[tuple[Any, int]] = [
        (_FilePart(w, spec), i) for i, (w, spec) in enumerate(activity_file_specs(inventory))
    ]
    if is_dask_frame(activity):
        parts += [(p, i) for i, p in enumerate(activity.to_delayed())]
    elif activity is not None:  # a pandas DataFrame: one partition, its rows named as in memory
        table = activity.copy(deep=False)
        if "nqi_carbon_rows" not in table.attrs:
            table.attrs["nqi_carbon_rows"] = [("activity table", 0, len(table), 1)]
        parts.append((table, 0))
    return parts


def _context() -> Limits | Sandbox:
    """The limits in force, inside the active sandbox if there is one: entered on the workers.

    Every file a worker reads is confined as the driver would confine it, and every
    partition is bounded by the same limits.
    """
    from ..limits import Sandbox, current_limits, current_sandbox

    box, limits = current_sandbox(), current_limits()
    return limits if box is None else Sandbox(box.base_dir, allow=box.allow, limits=limits)


def activity_partitions(paths: Sequence[str | os.PathLike[str]]) -> Any:
    """A Dask DataFrame of activity files: one partition per file, read on the workers.

    Each path is a file, a folder of ``.csv`` and ``.parquet`` partitions or a glob
    (:func:`~nqi_carbon._io.files.partition_files`; hive-style ``source=<id>`` folders
    fill their column). Every file is read by nqi-carbon's own reader
    (:func:`~nqi_carbon._io.tables.read_table`: the same rules, limits and confinement as
    in memory) and keeps its name, so a bad row is named by its file and spreadsheet row;
    a file that cannot be read carries its problems to the check of
    :func:`dask_statistics` instead of failing the run on the first one.

    Raises
    ------
    InvalidInputError
        ``activity_files_found`` for a folder or glob without any file.
    """
    import functools
    from pathlib import Path

    import dask.dataframe as dd
    import pandas as pd

    from .._io.files import hive_values, partition_files
    from .._io.spec import CONSTANT_COLUMNS

    items: list[tuple[str, dict[str, str]]] = []
    missing: list[Issue] = []
    for k, given in enumerate(paths):
        found = partition_files(Path(given))
        if found is None:
            items.append((str(given), {}))
            continue
        folder, files = found
        if not files:
            missing.append(_no_files(str(given), f"activity[{k}]"))
        for f in files:
            hive = {c: v for c, v in hive_values(folder, f).items() if c in CONSTANT_COLUMNS}
            items.append((str(f), hive))
    if missing:
        raise InvalidInputError(missing, source="activity")
    meta = pd.DataFrame({"source": pd.Series([], dtype=object), "amount": pd.Series([], dtype=float)})
    read = functools.partial(_read_file, block=_context())
    return dd.from_map(read, items, meta=meta, enforce_metadata=False, label="nqi-carbon-activity")


def _no_files(given: str, field: str) -> Issue:
    return Issue(
        "activity_files_found",
        "the folder or glob names no activity file",
        field=field,
        value=repr(given),
        allowed="a folder holding .csv or .parquet files (at any depth; names starting with "
        "'.' or '_' are left out), or a glob matching files, e.g. 'meters/*.parquet'",
    )


def _read_file(item: tuple[str, dict[str, str]], *, block: Limits | Sandbox) -> pd.DataFrame:
    """One file of :func:`activity_partitions`, its rows named; its problems carried if unreadable."""
    import pandas as pd

    from .._io.spec import ReadSpec
    from .._io.tables import read_table

    path, constant = item
    with block:
        try:
            frame = read_table(path, spec=ReadSpec(constant=constant))
        except InvalidInputError as exc:
            empty = pd.DataFrame({"source": [], "amount": []})
            empty.attrs["nqi_carbon_issues"] = list(exc.issues)
            return empty
    frame.attrs["nqi_carbon_rows"] = [(path, 0, len(frame), frame.attrs.get("nqi_carbon_first_row", 2))]
    return frame


def _distributed_client() -> Any:
    """The ``distributed`` client in force, or None (Dask's local schedulers)."""
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - the dask extra installs distributed
        return None
    try:
        return default_client()
    except ValueError:  # no client
        return None


def _release(kept: tuple[Any, ...]) -> None:
    """Let the workers drop the partitions kept between the passes (also after an error)."""
    if not kept:
        return
    try:
        from distributed import futures_of
    except ImportError:  # pragma: no cover - kept by Dask's local scheduler: nothing to release
        return
    futures = futures_of(list(kept))
    client = _distributed_client()
    if futures and client is not None:
        client.cancel(futures)


def _shippable(inventory: Inventory) -> Inventory:
    """A copy of *inventory* to send to the workers: the same model, its cache empty."""
    from ..limits import BoundedCache

    clone = inventory.model_copy()
    clone._cache = BoundedCache()
    return clone


def dask_statistics(
    inventory: Inventory,
    activity: Any,
    registry: FactorRegistry | None = None,
    *,
    persist: bool | None = None,
) -> tuple[Prepared, SourceStats, FloatArray]:
    """:func:`~nqi_carbon.calc.pipeline.prepare` and ``source_sums`` on Dask.

    *activity* is a Dask DataFrame (or None: the inventory's activity files alone); the
    inventory's activity files are partitions too, read on the workers. Runs on the Dask
    scheduler in force (a ``distributed.Client`` when one is active).

    With *persist* (the default when a ``distributed`` client is active) every partition
    is read once: pass 1 keeps its checked columns on its worker (:class:`_Kept`) and
    pass 2 sums them, released as soon as the sums are in. Without it pass 2 reads and
    converts every partition again (no cluster memory held between the passes).

    Returns
    -------
    Prepared, SourceStats, ndarray
        As :func:`~nqi_carbon.calc.pipeline.prepare` and
        :func:`~nqi_carbon.calc.pipeline.source_sums` return them for the same rows.

    Raises
    ------
    InvalidInputError
        Every problem of every partition, of the plan and every data gap, at once.
    """
    import dask
    from dask import delayed

    from .ingest import _inline_columns

    block = _context()
    parts = _partitions(inventory, activity)
    inv_d = delayed(_shippable(inventory), pure=True, traverse=False)
    ins_ids = [ins.id for ins in inventory.instruments]
    keep = _distributed_client() is not None if persist is None else persist
    kept: tuple[Any, ...] = ()
    try:
        if keep:  # pass 1's checked columns stay on the workers for pass 2
            # keys of this run alone (pure=False): releasing them cannot touch another run's
            kept = dask.persist(*[delayed(_check_and_keep, pure=False)(inv_d, p, i, block) for p, i in parts])
            checks = [k[0] for k in kept]
        else:
            checks = [delayed(_check_partition, pure=True)(inv_d, p, i, block) for p, i in parts]
        (digest,) = dask.compute(_tree(checks, _combine, inv_d, block)) if checks else (_Digest(),)
        inline = _inline_columns(inventory, ins_ids, {k: i for i, k in enumerate(ins_ids)})
        first = _Digest()
        _digest_columns(inline, first)
        digest = _combine(inventory, block, first, digest)
        prepared, grid = _plan(inventory, digest, registry)
        if keep:
            sums = [
                delayed(_sum_kept, pure=True)(k[1], i, grid, ins_ids)
                for k, (_, i) in zip(kept, parts, strict=True)
            ]
        else:
            sums = [delayed(_sum_partition, pure=True)(inv_d, p, i, block, grid) for p, i in parts]
        (total,) = dask.compute(_tree(sums, _add_sums)) if sums else ({"records": 0},)
    finally:
        _release(kept)
    total = _add_sums(_grid_sums(inline, grid), total)
    if total["records"] != digest.records:
        raise InvalidInputError(
            [_changed_issue(f"{digest.records:,} records were checked but {total['records']:,} summed")],
            source=inventory.source_path,
        )
    stats = _statistics(prepared, grid, total, digest)
    ins_u95 = np.array([inventory.instrument(i).u95 for i in ins_ids], dtype=float)
    return prepared, stats, ins_u95


def _plan(
    inventory: Inventory, digest: _Digest, registry: FactorRegistry | None
) -> tuple[Prepared, _Grid]:
    """Plan every source from the digest of all partitions, and lay out the grids.

    Raises every problem found (the partitions', overlaps across partitions, data gaps
    and planning) together, as :func:`~nqi_carbon.calc.pipeline.prepare` does.
    """
    from .gaps import gap_issues, remember_file_spans
    from .ingest import units_of_pairs
    from .kernel import unit_scale_tables
    from .pipeline import Prepared, plan_or_raise

    issues = list(digest.issues)
    if not digest.unreadable:  # an unreadable file's periods are unknown: its gaps would be false
        if inventory.activity_files:
            remember_file_spans(inventory, {k: sorted(v) for k, v in digest.file_spans.items()})
        issues += gap_issues(inventory, None, extra_spans={k: sorted(v) for k, v in digest.table_spans.items()})
    unit_names = list(digest.units)
    n_u, n_src = len(unit_names), len(inventory.sources)
    code = {u: k for k, u in enumerate(unit_names)}
    counts = np.zeros(n_src * n_u, dtype=np.intp)
    largest = np.zeros(n_src * n_u)
    for (s, u), (n, big) in digest.pairs.items():
        counts[s * n_u + code[u]] = int(n)
        largest[s * n_u + code[u]] = big
    pair_codes: IntArray = np.flatnonzero(counts)
    planned = plan_or_raise(inventory, units_of_pairs(inventory, pair_codes, unit_names), registry, issues)
    plans = planned[0]
    scale_tab, chain_tab = unit_scale_tables(plans, unit_names)
    src_counts = counts.reshape(n_src, n_u).sum(axis=1) if n_u else np.zeros(n_src, dtype=np.intp)
    gmax = np.zeros(n_src)
    with np.errstate(over="ignore", invalid="ignore"):
        # rounding is monotonic: the largest scaled amount is the scaled largest amount
        np.maximum.at(gmax, pair_codes // max(n_u, 1), scale_tab[pair_codes] * largest[pair_codes])
        u_max = digest.u_max
        grid = _Grid(
            code,
            scale_tab,
            chain_tab,
            scale_from_max(gmax, src_counts),
            scale_from_max(gmax * gmax * u_max * u_max, src_counts),
            scale_from_max(largest, counts),
            n_src,
            len(inventory.instruments),
        )
    cols = _empty_columns([ins.id for ins in inventory.instruments])
    cols.unit_names = unit_names
    src_ids = [s.id for s in inventory.sources]
    cols.calibration_expired = [
        (src_ids[s], cols.instrument_ids[k], n_rows, bool(fell))
        for (k, s), (n_rows, fell) in sorted(digest.calibration.items())
    ]
    return Prepared(cols, np.zeros(0, dtype=np.intp), counts, *planned), grid


def _overlaps_across(inv: Inventory, spans: Sequence[dict[int, list[_Covered]]]) -> list[Issue]:
    """Periods of one source in different partitions that overlap (a partition checks its own)."""
    by_source: dict[int, list[tuple[_Covered, int]]] = {}
    for part, found in enumerate(spans):
        for s, covered in found.items():
            by_source.setdefault(s, []).extend((c, part) for c in covered)
    issues: list[Issue] = []
    for s in sorted(by_source):
        items = sorted(by_source[s], key=lambda t: (t[0][0], t[0][1], t[1]))
        end, who, who_part = items[0][0][1], items[0][0][2], items[0][1]
        for (b0, b1, what, fname, row), part in items[1:]:
            if b0 < end and part != who_part:
                issues.append(
                    Issue(
                        "activity_periods_do_not_overlap",
                        f"source {inv.sources[s].id!r}: {who} and {what} overlap; the same days "
                        "would be counted twice (one source is one activity series, whatever "
                        "the instrument)",
                        file=fname,
                        row=row,
                        field="period",
                        allowed="periods of one source that do not overlap",
                    )
                )
            if b1 > end:
                end, who, who_part = b1, what, part
    return issues


def _statistics(
    prepared: Prepared, grid: _Grid, total: dict[str, Any], digest: _Digest
) -> SourceStats:
    """The per-source statistics from the sums of every partition, as the kernel gives them."""
    from .ingest import ActivityColumns
    from .kernel import SourceStats, _non_normal_records

    n_src, n_ins = grid.n_src, grid.n_ins
    unit_names = prepared.cols.unit_names
    n_u = len(unit_names)
    zero = np.zeros(n_src)
    A = total.get("A", zero) / grid.scale
    Q = total.get("Q", zero) / grid.q_scale
    B = (
        (total["B"] / np.repeat(grid.scale, n_ins)).reshape(n_src, n_ins)
        if "B" in total
        else np.zeros((n_src, n_ins))
    )
    counts = prepared.key_counts
    assert counts is not None
    extra: dict[str, Any] = {}
    if digest.non_normal:
        src, unit, amount, u95, dist, lower, upper = (np.array(c) for c in zip(*digest.non_normal, strict=True))
        unit_code = np.array([grid.unit_code[u] for u in unit.tolist()], dtype=np.intp)
        nn_cols = ActivityColumns(
            src.astype(np.intp), amount, unit_code, unit_names,
            np.full(src.size, -1, dtype=np.intp), prepared.cols.instrument_ids, u95,
            dist.astype(np.int8), lower, upper,
        )  # fmt: skip
        x = grid.scale_tab[nn_cols.source * n_u + unit_code]
        x *= amount
        extra = _non_normal_records(nn_cols, prepared.plans, x, Q)
    return SourceStats(
        A,
        total.get("A_chain", zero) / grid.scale,
        Q,
        B,
        total["A_none"] / grid.scale if "A_none" in total else np.zeros(n_src),
        (counts.reshape(n_src, n_u).sum(axis=1) if n_u else np.zeros(n_src)).astype(np.int64),
        **extra,
        entered=(total["entered"] / grid.k_scale).reshape(n_src, n_u)
        if "entered" in total
        else np.zeros((n_src, n_u)),
        entered_counts=counts.reshape(n_src, n_u).astype(np.intp),
        unit_names=tuple(unit_names),
    )
