"""The orchestrator: :func:`calculate` chains the stages into a result.

Each stage is a plain function that can be called alone (in a notebook, say):

1. :func:`_check_call` checks the arguments of the call;
2. :func:`prepare` reads the activity files, gathers and checks the activity columns,
   finds data gaps and plans every source (all problems raised together);
3. :func:`source_sums` sums each source's activity in its base unit, exactly;
4. :func:`result_lines` multiplies the sums by the planned coefficients (one line per
   source and gas) and refuses results that overflow; the roll-ups are boolean masks
   over the lines (:func:`~nqi_carbon.calc.result._groups`);
5. :func:`result_findings` gathers what a reader should know (planning, evidence,
   calibration, sources without activity), in one canonical order;
6. :func:`approach1_uncertainty` propagates uncertainty by IPCC Approach 1 (per group,
   per line, and the inputs that contribute most), and :func:`monte_carlo_uncertainty`
   by Approach 2.

:func:`check_references` runs step 2 alone (what ``nqi-carbon validate`` does).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as _dt
import math
import operator
import os
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._progress import PROGRESS_ALLOWED, Progress, ProgressCallback, is_progress, progress_callback
from ..data.factors import Factor, FactorRegistry
from ..errors import InvalidInputError, Issue, argument_error, unique_issues
from ..inventory.models import Inventory, Source
from .dask_engine import is_dask_frame
from .findings import Finding, FindingList, PlannedFindings, sort_findings
from .ingest import ActivityColumns, _activity_columns, units_of_pairs
from .kernel import (
    LineTable,
    SourceStats,
    build_lines,
    line_template,
    source_statistics,
    unit_scale_tables,
)
from .plan import Parameter, PlanSet, SourcePlan, plan_sources
from .result import Result, _groups
from .scope3 import screening_findings
from .uncertainty import GroupUncertainty, approach1, monte_carlo

if TYPE_CHECKING:
    import pandas as pd

    from ..inventory.models import Source
    from .result import UncertaintyMethod

__all__ = [
    "Prepared",
    "approach1_uncertainty",
    "calculate",
    "check_references",
    "inventory_argument",
    "monte_carlo_uncertainty",
    "prepare",
    "result_findings",
    "result_lines",
    "source_sums",
]


def calculate(
    inventory: Inventory | str | os.PathLike[str] | dict[str, Any],
    *,
    activity: pd.DataFrame | None = None,
    uncertainty: UncertaintyMethod | None = None,
    iterations: int = 10_000,
    seed: int | None = None,
    registry: FactorRegistry | None = None,
    contributions_top: int = 10,
    progress: Progress = None,
    engine: str | None = None,
    dask_persist: bool | None = None,
) -> Result:
    """Calculate an inventory: per-line, per-gas emissions and totals, with uncertainty.

    Parameters
    ----------
    inventory : Inventory, path or mapping
        From :func:`nqi_carbon.load_inventory` or built in Python; a path to an
        inventory file or a mapping is loaded with :func:`nqi_carbon.load_inventory`
        first (``nc.calculate("inventory.yaml")``).
    activity : pandas.DataFrame or dask.dataframe.DataFrame, optional
        Bulk activity in long format (``source``, ``amount``, ``unit`` [, ``instrument``,
        ``uncertainty``]), added to the records in the inventory. A Dask DataFrame is
        calculated on its partitions where they are (the ``dask`` extra; the
        inventory's activity files are read there too), with the same rules and the same
        sums as in memory (:mod:`nqi_carbon.calc.dask_engine`).
    uncertainty : {None, "analytical", "monte_carlo"}
        IPCC Approach 1 (error propagation) or Approach 2 (Monte Carlo).
    iterations : int
        Monte Carlo iterations (default 10 000).
    seed : int, optional
        Monte Carlo seed; when omitted one is drawn and reported in the result.
    registry : FactorRegistry, optional
        Factor registry to resolve references (default: what the inventory declares).
    contributions_top : int
        How many inputs to list in the variance-contribution table.
    progress : bool, callable or None
        Monte Carlo progress, per chunk of iterations: ``None`` (default) draws a tqdm bar
        on standard error when it is a terminal or in a notebook, ``True`` always,
        ``False`` never; a function is called as ``progress(done, total)`` instead. The
        draws are the same whatever is chosen. A bar (not a function) also shows the
        inventory's activity files being read, one step per file.
    engine : {None, "memory", "dask"}
        Where the activity rows are read and summed: ``"dask"`` on the partitions, where
        they are, on the Dask scheduler in force (a ``distributed.Client`` when one is
        active; the ``dask`` extra), with the inventory's activity files (a folder or glob
        of partitions included) read there too; ``"memory"`` in this process. ``None``
        (default): on Dask when *activity* is a Dask DataFrame. The result is the same,
        bit for bit (docs/how-to/scale-out.md).
    dask_persist : bool, optional
        On Dask, whether each partition is read once and its checked columns kept in the
        workers' memory between the check and the sums (16-28 bytes a line over the
        cluster, released when the sums are in), or read and converted a second time
        (``False``: for a cluster short of memory). ``None`` (default): kept when a
        ``distributed`` client is active. The result is the same either way.

    Returns
    -------
    Result

    Notes
    -----
    The stages, each a function of this module: :func:`_check_call`, :func:`prepare`,
    :func:`source_sums`, :func:`result_lines`, :func:`result_findings`, then
    :func:`approach1_uncertainty` and :func:`monte_carlo_uncertainty`.
    """
    inventory = inventory_argument(inventory, where="calculate()")
    _check_call(activity, uncertainty, iterations, seed)
    _check_options(registry, contributions_top, progress)
    # a bar shows the activity files being read too; a function hears of Monte Carlo only
    files_bar = None if callable(progress) else progress_callback(progress, "activity files", unit="file")
    # what is derived from the plans is kept on the inventory only for its own registry
    cache = registry is None
    _check_engine(engine, dask_persist)
    if engine == "memory" and is_dask_frame(activity):
        activity = cast(Any, activity).compute()
    if engine == "dask" or (engine is None and is_dask_frame(activity)):
        # the rows stay on the workers: the same sums, bit for bit
        from .dask_engine import dask_statistics

        prepared, stats, ins_u95 = dask_statistics(inventory, activity, registry, persist=dask_persist)
    else:
        prepared = prepare(inventory, activity, registry, progress=files_bar)
        stats, ins_u95 = source_sums(inventory, prepared, cache=cache)
    found: list[Finding] = []  # what laying out the lines finds (contracts)
    lines = result_lines(inventory, prepared.plans, stats, found, cache=cache)
    masks = _groups(lines, inventory)
    planned = [*prepared.findings, *found] if found else prepared.findings
    findings = result_findings(inventory, prepared, stats, planned)
    result = Result(
        inventory,
        inventory.gwp,
        lines,
        prepared.plans,
        prepared.params,
        prepared.factors_used,
        findings,
        masks,
    )
    result._stats, result._ins_u95 = stats, ins_u95
    result._calibration_expired = list(prepared.cols.calibration_expired)
    if uncertainty is None:
        return result
    approach1_groups = approach1_uncertainty(result, top=contributions_top)
    if uncertainty == "analytical":
        result.group_uncertainty = approach1_groups
        result.uncertainty_method = "analytical"
    else:
        monte_carlo_uncertainty(
            result,
            prepared.cols,
            iterations=iterations,
            seed=seed,
            progress=progress_callback(progress, "Monte Carlo"),
        )
    return result


def _check_engine(engine: Any, dask_persist: Any = None) -> None:
    """``engine`` is None, ``"memory"`` or ``"dask"`` (the dask extra installed); ``dask_persist`` a bool or None."""
    if dask_persist is not None and not isinstance(dask_persist, bool):
        raise argument_error("dask_persist", dask_persist, "None, True or False", where="calculate()")
    if engine is not None and (not isinstance(engine, str) or engine not in ("memory", "dask")):
        issue = Issue(
            "engine_known",
            "unknown calculation engine",
            field="engine",
            value=repr(engine)[:80],
            allowed="None, 'memory' or 'dask'",
        )
        raise InvalidInputError([issue], source="calculate()")
    if engine == "dask":
        import importlib.util

        if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
            raise ImportError("engine='dask' needs Dask: pip install 'nqi-carbon[dask]'")


def inventory_argument(value: Any, *, where: str) -> Inventory:
    """*value* as an :class:`Inventory`: one as it is, a path or a mapping loaded.

    Raises
    ------
    InvalidArgumentError
        For any other type (``argument_type``).
    InvalidInputError
        For a file or mapping that is not a valid inventory (every problem).
    """
    if isinstance(value, Inventory):
        return value
    if isinstance(value, str | os.PathLike | dict):
        from ..inventory.load import load_inventory

        return load_inventory(value if isinstance(value, dict) else os.fspath(value))
    raise argument_error(
        "inventory",
        value,
        "an nc.Inventory, the path of an inventory file, or a mapping in the inventory format",
        where=where,
    )


def check_references(inv: Inventory) -> None:
    """Resolve every factor, fuel and unit the inventory refers to, and find data gaps.

    The inventory's ``activity_files`` are read and checked too, exactly as
    :func:`nqi_carbon.calculate` checks them (cells, sources, units, instruments,
    periods, overlaps with inline records, gaps), each problem named by file and
    spreadsheet row (the header is row 1).

    Raises
    ------
    InvalidInputError
        Listing every unresolvable factor reference, every activity unit that does not
        fit its factor, every bad activity-file row and every data gap
        (``factor_resolves``, ``activity_unit_fits_factor``, ``data_gap``...), without
        calculating.
    """
    prepare(inv)


def _check_call(activity: Any, uncertainty: Any, iterations: Any, seed: Any) -> None:
    """Arguments of :func:`calculate`, checked before any work, all problems at once."""
    import pandas as pd

    if activity is not None and not isinstance(activity, pd.DataFrame) and not is_dask_frame(activity):
        raise argument_error(
            "activity",
            activity,
            "a pandas (or Dask) DataFrame with columns source, amount, unit [...] or None; build one "
            "with pandas.DataFrame(records) or nc.read_activity(path)",
            where="calculate()",
        )
    issues: list[Issue] = []
    if uncertainty is not None and (
        not isinstance(uncertainty, str)
        or uncertainty not in ("analytical", "monte_carlo", "monte-carlo")
    ):
        issues.append(
            Issue(
                "uncertainty_method",
                "unknown uncertainty method",
                field="uncertainty",
                value=repr(uncertainty),
                allowed="None, 'analytical' or 'monte_carlo'",
            )
        )
    if isinstance(uncertainty, str) and uncertainty in ("monte_carlo", "monte-carlo"):
        if (
            isinstance(iterations, bool)
            or not isinstance(iterations, int)
            or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS
        ):
            issues.append(
                Issue(
                    "iterations_valid",
                    "Monte Carlo needs a whole number of iterations, "
                    f"from {MIN_ITERATIONS} to {MAX_ITERATIONS:,}",
                    field="iterations",
                    value=repr(iterations)[:80],
                    allowed=f"an int from {MIN_ITERATIONS} to {MAX_ITERATIONS:,} "
                    "(10 000 is the usual choice)",
                )
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            issues.append(
                Issue(
                    "seed_valid",
                    "a Monte Carlo seed is a non-negative whole number",
                    field="seed",
                    value=repr(seed)[:80],
                    allowed="an int >= 0, or None to draw one (it is reported)",
                )
            )
    if issues:
        raise InvalidInputError(issues, source="calculate()")


MIN_ITERATIONS = 100
MAX_ITERATIONS = 10_000_000
"""Monte Carlo iterations accepted by :func:`calculate` (the draws are held in memory)."""


def _check_options(registry: Any, contributions_top: Any, progress: Any) -> None:
    """The other arguments of :func:`calculate`: their types, before any work."""
    from ..data.factors import FactorRegistry
    from ..errors import expect_type

    where = "calculate()"
    if registry is not None:
        expect_type(
            registry, FactorRegistry, field="registry", where=where, allowed="an nc.FactorRegistry or None"
        )
    expect_type(contributions_top, int, field="contributions_top", where=where, allowed="an int >= 0")
    if contributions_top < 0:
        issue = Issue(
            "contributions_top_valid",
            "the number of inputs to list cannot be negative",
            field="contributions_top",
            value=contributions_top,
            allowed="an int >= 0",
        )
        raise InvalidInputError([issue], source=where)
    if not is_progress(progress):
        raise argument_error("progress", progress, PROGRESS_ALLOWED, where=where)


class Prepared(NamedTuple):
    """What :func:`prepare` found: the checked activity columns and the planned sources."""

    cols: ActivityColumns
    unit_key: npt.NDArray[np.intp]  # source * n_units + unit, per record
    key_counts: npt.NDArray[np.intp] | None  # its bincount (None without records)
    plans: Sequence[SourcePlan]  # a PlanSet from plan_sources
    params: list[Parameter]
    findings: Sequence[Finding]  # PlannedFindings from plan_sources: read, never change
    factors_used: dict[str, Factor]


def prepare(
    inventory: Inventory,
    activity: pd.DataFrame | None = None,
    registry: FactorRegistry | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Prepared:
    """Read the activity files, build the activity columns and plan every source.

    Every problem of every stage is collected and raised together (one
    :class:`~nqi_carbon.errors.InvalidInputError`): bad activity-file rows, data gaps,
    unknown factors, fuels and units, units that do not fit their factor. This is what
    :func:`calculate` and ``nqi-carbon validate`` check before any arithmetic.
    *progress* is called as ``progress(done, total)`` before the first activity file and
    after each (a file is read whole: the files are the stages a person sees).
    """
    from ..data.quantities import activity_quantities
    from .gaps import gap_issues

    activity = activity_quantities(activity)  # pint Quantities as numbers and units
    issues: list[Issue] = []
    if inventory.activity_files:
        activity, unreadable = _with_activity_files(inventory, activity, progress)
        issues += unreadable
    else:
        unreadable = []
    # each check once, over inline records and the whole table together
    if not unreadable:  # an unreadable file's periods are unknown: its gaps would be false
        issues += gap_issues(inventory, activity)
    cols: ActivityColumns | None
    cols, table_issues = _activity_columns(inventory, activity)
    if table_issues:
        issues += table_issues
        cols = None
    unit_key, seen, units_by_source = _units_by_source(inventory, cols)
    planned = plan_or_raise(inventory, units_by_source, registry, issues)
    assert cols is not None
    return Prepared(cols, unit_key, seen, *planned)


def plan_or_raise(
    inventory: Inventory,
    units_by_source: dict[str, list[str]],
    registry: FactorRegistry | None,
    issues: list[Issue],
) -> tuple[PlanSet, list[Parameter], PlannedFindings, dict[str, Factor]]:
    """Plan every source; raise the problems found before (*issues*) with planning's.

    Raises
    ------
    InvalidInputError
        Every issue of *issues* and of planning, each once (whole issue compared).
    """
    planned = None
    try:
        planned = plan_sources(inventory, units_by_source, registry)
    except InvalidInputError as exc:
        issues = [*issues, *exc.issues]
    if issues:
        # an inline record's unit that does not fit is named by the table's unit check
        # and again by planning: keep one of each, whole issue compared
        whole = ("code", "message", "file", "row", "field", "value", "allowed")
        raise InvalidInputError(unique_issues(issues, by=whole), source=inventory.source_path)
    assert planned is not None
    return planned


def _with_activity_files(
    inv: Inventory, activity: pd.DataFrame | None, progress: ProgressCallback | None = None
) -> tuple[pd.DataFrame, list[Issue]]:
    """The inventory's activity files (paths relative to the inventory file) plus *activity*.

    Every file is read and the tables are joined, each row remembering its file and
    spreadsheet row (the header is row 1, or the reading spec's; rows of *activity* are 1-based data rows of
    "activity table"), so that :func:`prepare` names them in its one check of the table.
    Returns the joined table and the problems of files that could not be read.
    """
    import pandas as pd

    from .._io.tables import TEXT_COLUMNS, read_table
    from .gaps import _merge, activity_file_specs, remember_file_spans, table_period_spans

    issues: list[Issue] = []
    frames: list[pd.DataFrame] = []
    segments: list[tuple[str, int, int, int]] = []
    offset = 0
    spans: dict[str, list[tuple[_dt.date, _dt.date]]] = {}
    sheets: dict[str, str] = {}
    specs = activity_file_specs(inv)
    if progress is not None:
        progress(0, len(specs))
    for done, (written, spec) in enumerate(specs, 1):
        try:
            frame = read_table(written, spec=spec)
        except InvalidInputError as exc:
            issues.extend(exc.issues)
            continue
        finally:
            if progress is not None:
                progress(done, len(specs))
        frames.append(frame)
        spans = _merge(spans, table_period_spans(inv, frame))
        # the first data row follows the header (row 1 unless the reading spec says)
        segments.append((str(written.path), offset, len(frame), frame.attrs.get("nqi_carbon_first_row", 2)))
        if "nqi_carbon_sheet" in frame.attrs:
            sheets[str(written.path)] = frame.attrs["nqi_carbon_sheet"]
        offset += len(frame)
    if activity is not None:
        frames.append(activity)
        segments.append(("activity table", offset, len(activity), 1))
    if len(frames) == 1 and activity is None:
        out = frames[0]  # the one file's own frame: no copy
    elif frames:
        out = _joined(frames, TEXT_COLUMNS)
    else:
        out = pd.DataFrame({"source": [], "amount": [], "unit": []})
    out.attrs["nqi_carbon_rows"] = segments
    out.attrs["nqi_carbon_sheets"] = sheets  # which sheet of each workbook was read
    if not issues:  # the files' periods, so that find_gaps need not read them again
        remember_file_spans(inv, spans)
    return out, issues


def _joined(frames: list[pd.DataFrame], text_columns: Sequence[str]) -> pd.DataFrame:
    """The rows of *frames* one after the other, text columns kept categorical when they all are.

    A text column that is categorical in every frame stays one (categories joined); one
    that is not is joined as objects, each cell as it was.
    """
    import pandas as pd
    from pandas.api.types import union_categoricals

    text = [c for c in text_columns if any(c in f.columns for f in frames)]
    joined = {}
    for c in text:
        if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames):
            # categories of different kinds (text and objects) are joined as objects
            with contextlib.suppress(TypeError):
                joined[c] = union_categoricals([f[c] for f in frames])
    out = pd.concat(
        [f.astype({c: object for c in set(text) - set(joined) if c in f.columns}) for f in frames],
        ignore_index=True,
    )
    for c, values in joined.items():
        out[c] = values
    return out


def _units_by_source(
    inventory: Inventory, cols: ActivityColumns | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp] | None, dict[str, list[str]]]:
    """The (source, unit) pair of every record, their counts, and the units per source id.

    Pairs are coded ``source * n_units + unit`` (reused from the unit check when it
    computed them). Without columns (the tables could not be read) the inline records'
    units are still given, so that planning checks them.
    """
    units_by_source: dict[str, list[str]] = {}
    unit_key: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
    seen: npt.NDArray[np.intp] | None = None
    if cols is None:
        for src, rec in inventory.iter_records():
            if rec.unit not in units_by_source.setdefault(src.id, []):
                units_by_source[src.id].append(rec.unit)
        return unit_key, seen, units_by_source
    n_u = max(len(cols.unit_names), 1)
    if cols.pair_key is not None and cols.pair_counts is not None:
        unit_key, seen = cols.pair_key, cols.pair_counts  # computed while checking units
    else:
        unit_key = cols.source * n_u
        unit_key += cols.unit
        seen = np.bincount(unit_key, minlength=len(inventory.sources) * n_u) if len(cols) else None
    if seen is not None:
        units_by_source = units_of_pairs(inventory, np.flatnonzero(seen), cols.unit_names)
    return unit_key, seen, units_by_source


def source_sums(
    inventory: Inventory, prepared: Prepared, *, cache: bool = False
) -> tuple[SourceStats, npt.NDArray[np.float64]]:
    """Sum each source's activity in its base unit (exact and order-independent).

    Returns the per-source sums (:func:`~nqi_carbon.calc.kernel.source_statistics`) and
    the relative 95 % uncertainty of each instrument, in column order. With *cache*, the
    scale tables of (source, unit) pairs are kept on the inventory for the next call.
    """
    cols, plans = prepared.cols, prepared.plans
    tables_key = ("unit_tables", tuple(cols.unit_names))
    cached = inventory._cache.get(tables_key)
    if cached is not None and cached[0] is plans:
        unit_tables = cached[1]
    else:
        unit_tables = unit_scale_tables(plans, cols.unit_names)
        if cache:
            inventory._cache[tables_key] = (plans, unit_tables)
    ins_u95 = _instrument_u95(inventory, cols)
    # huge finite inputs may overflow here; _check_magnitudes refuses the result later
    with np.errstate(over="ignore", invalid="ignore"):
        stats = source_statistics(
            cols,
            plans,
            ins_u95,
            key=prepared.unit_key,
            key_counts=prepared.key_counts,
            unit_tables=unit_tables,
        )
    return stats, ins_u95


def _instrument_u95(inv: Inventory, cols: ActivityColumns) -> npt.NDArray[np.float64]:
    return np.array([inv.instrument(i).u95 for i in cols.instrument_ids], dtype=float)


def result_lines(
    inventory: Inventory,
    plans: Sequence[SourcePlan],
    stats: SourceStats,
    findings: list[Finding],
    *,
    cache: bool = False,
) -> LineTable:
    """One line per source and gas: the sums times the planned coefficients.

    Findings of the allocation of scope-2 contracts are appended to *findings*. With
    *cache*, the line layout of these plans is kept on the inventory for the next call.

    Raises
    ------
    InvalidInputError
        ``result_magnitude`` when a line overflows double precision.
    """
    tkey = ("template", id(plans))
    template = inventory._cache.get(tkey)
    if template is None or template.plans is not plans:
        template = line_template(plans)
        if cache:
            inventory._cache[tkey] = template
    with np.errstate(over="ignore", invalid="ignore"):
        lines = build_lines(template, stats, findings)
    _check_magnitudes(inventory, lines)
    return lines


RESULT_LIMIT_T = 1e150
"""Results (and figures compared with them) stay below this many tonnes: far beyond any real
inventory, and low enough that sums and sums of squares of them stay finite."""


def _check_magnitudes(inventory: Inventory, lines: LineTable) -> None:
    """Refuse results that overflow float64 rather than report ``inf`` (or fail in fsum).

    Every input is finite, but a product or sum of huge finite inputs (1e308 GWh) is not:
    each line and the sum of magnitudes must stay finite, and, so that the uncertainty
    sums of squares stay finite too, below 1e150 t.
    """
    from ..units import conversion_factor
    from .plan import consolidation_share

    limit = RESULT_LIMIT_T
    issues: list[Issue] = []
    bad_rows: set[str] = set()
    for arr in (lines.co2e, lines.mass, lines.activity):
        with np.errstate(over="ignore", invalid="ignore"):
            big = ~(np.abs(arr) < limit)
        if big.any():
            bad_rows.update(lines.template.row_plan[i].source.id for i in np.flatnonzero(big).tolist())
    with np.errstate(over="ignore"):
        if not bad_rows and not float(np.abs(lines.co2e).sum()) < limit:
            bad_rows.update(p.source.id for p in lines.template.row_plan)
    for sid in sorted(bad_rows):
        issues.append(
            Issue(
                "result_magnitude",
                "the emissions of this source are too large to compute (they overflow "
                "double precision); check the amounts and units",
                field=f"sources[{sid}]",
                allowed=f"results below {limit:g} t",
            )
        )
    for i, r in enumerate(inventory.removals):
        with np.errstate(over="ignore"):
            t = abs(
                r.amount
                * conversion_factor(r.unit, "t")
                * consolidation_share(inventory, r.facility)
            )
        if not t < limit:
            issues.append(
                Issue(
                    "result_magnitude",
                    "this removal is too large to compute (it overflows double precision)",
                    field=f"removals[{i}].amount",
                    value=repr(r.amount),
                    allowed=f"results below {limit:g} t",
                )
            )
    if issues:
        raise InvalidInputError(issues, source=inventory.source_path)


def result_findings(
    inventory: Inventory, prepared: Prepared, stats: SourceStats, findings: Sequence[Finding]
) -> FindingList:
    """Every finding of a result, in one order whatever the form of the input.

    *findings* (from planning and the lines) once each, then the evidence of the
    inventory (:func:`_evidence_findings`, cached on it), the activity-table rows read
    after their instrument's calibration was due, and sources without activity or with
    activity of unstated uncertainty.

    What depends only on the plans and the inventory (planning's findings, the evidence,
    the screening) is sorted once and kept with the plans; the findings of this call's
    activity are put in their places in it (the same order as sorting everything) when
    the list is first read (:class:`~nqi_carbon.calc.findings.FindingList`).
    """
    static = _static_findings(inventory, prepared)
    if static is None or len(findings) != len(prepared.findings):  # the lines found some
        return FindingList(_all_findings(inventory, prepared, stats, list(findings)))
    dynamic = _table_calibration_findings(inventory, prepared.cols)
    dynamic += _activity_findings(prepared.plans, stats)
    return FindingList(static, dynamic)


def _static_findings(inventory: Inventory, prepared: Prepared) -> Sequence[Finding] | None:
    """Planning's findings, the evidence and the screening, sorted (cached with the plans).

    None when the plans are not the inventory's cached ones (a registry of the caller's).
    """
    key = ("findings", id(prepared.plans))
    cached = inventory._cache.get(key)
    if cached is not None and cached[0] is prepared.plans:
        return cast(Sequence[Finding], cached[1])
    planned = inventory._cache.get(("template", id(prepared.plans)))
    if planned is None or planned.plans is not prepared.plans:
        return None  # not cached by result_lines: no entry of our own either
    evidence = _inventory_evidence(inventory)
    more = [*evidence, *_no_sources_findings(inventory), *screening_findings(inventory)]
    static: Sequence[Finding]
    if isinstance(prepared.findings, PlannedFindings):  # sorted on arrays, made when read
        static = sort_findings(prepared.findings, more)
    else:
        # each finding once (as a set would keep it: the same four fields), fields read in C
        unique = dict(zip(map(_finding_fields, prepared.findings), prepared.findings, strict=True))
        out = sorted(unique.values(), key=_finding_order)
        if more:
            out += more
            out.sort(key=_finding_order)
        static = tuple(out)
    inventory._cache[key] = (prepared.plans, static)
    return static


def _all_findings(
    inventory: Inventory, prepared: Prepared, stats: SourceStats, findings: list[Finding]
) -> list[Finding]:
    """:func:`result_findings` from scratch: every part gathered, then sorted."""
    findings = sorted(set(findings), key=_finding_order)
    findings += _inventory_evidence(inventory)
    findings += _table_calibration_findings(inventory, prepared.cols)
    findings += _no_sources_findings(inventory)
    findings += _activity_findings(prepared.plans, stats)
    findings += screening_findings(inventory)
    # one order whatever the form of the input (inline records or table rows)
    findings.sort(key=_finding_order)
    return findings


def _inventory_evidence(inventory: Inventory) -> tuple[Finding, ...]:
    evidence = inventory._cache.get("evidence")  # a property of the immutable inventory
    if evidence is None:
        evidence = inventory._cache["evidence"] = tuple(_evidence_findings(inventory))
    return cast(tuple[Finding, ...], evidence)


def _no_sources_findings(inventory: Inventory) -> list[Finding]:
    if inventory.sources:
        return []
    return [
        Finding(
            "no_sources",
            "warning",
            inventory.organization.id,
            "the inventory lists no emission sources: every total is 0",
        )
    ]


_finding_order = operator.attrgetter("subject", "code", "message")
"""The order of findings: subject, code, message."""

_finding_fields = operator.attrgetter("code", "severity", "subject", "message")
"""What makes two findings equal."""


def _evidence_findings(inv: Inventory) -> list[Finding]:
    """Metrology and evidence findings: calibration, fallback, substitution, laboratories.

    One pass over the records (:func:`_record_findings`) and one over the sources with
    carbon parameters (:func:`_carbon_parameter_findings`), in canonical order.
    """
    out = _record_findings(inv)
    deadline = inv.period.end + _dt.timedelta(days=40)  # lab reports are due 40 days after
    for src in inv.sources:
        if src.carbon is not None:
            out += _carbon_parameter_findings(src, deadline)
    return sorted(set(out), key=_finding_order)


def _record_findings(inv: Inventory) -> list[Finding]:
    """Inline records read after their instrument's calibration was due, or substituted.

    A record read by an expired instrument is flagged, and so is its use of the
    instrument's fallback uncertainty; a record that fills a gap by a policy is flagged
    as substituted.
    """
    out = []
    for src, rec in inv.iter_records():
        if rec.substitute is not None:
            s = rec.substitute
            out.append(
                Finding(
                    "substituted_value",
                    "warning",
                    src.id,
                    f"{rec.amount:g} {rec.unit} for {rec.start}..{rec.end} ({s.gap_days} days) substituted "
                    f"by policy {s.policy}: {s.basis}",
                )
            )
        if rec.instrument is None:
            continue
        ins = inv.instrument(rec.instrument)
        start, end = rec.bounds(inv.period)
        expired = inv.expired_instrument(rec) is not None
        if expired:
            out.append(
                Finding(
                    "instrument_calibration_expired",
                    "warning",
                    src.id,
                    f"instrument {ins.id} was due for calibration on {ins.calibration_due}; "
                    f"a reading covers {start}..{end}",
                )
            )
        if expired and ins.fallback_uncertainty is not None and rec.uncertainty is None:
            out.append(
                Finding(
                    "fallback_uncertainty_used",
                    "info",
                    src.id,
                    f"readings of {ins.id} after {ins.calibration_due} use its fallback uncertainty "
                    f"±{100 * ins.fallback_uncertainty:g} %",
                )
            )
    return out


def _carbon_parameter_findings(src: Source, deadline: _dt.date) -> list[Finding]:
    """A source's carbon parameters: substituted values, and the evidence of lab analyses.

    A lab analysis is any parameter stating a lab, an accreditation or a report date:
    each of its checks runs on its own, so a late report is flagged even when the lab or
    its accreditation is not stated (which is a finding too). Reports are due by
    *deadline*.
    """
    assert src.carbon is not None
    out = []
    for name in ("ncv", "carbon_content", "carbon_fraction", "oxidation"):
        par = getattr(src.carbon, name)
        if par is not None and par.substitute is not None:
            out.append(
                Finding(
                    "substituted_value",
                    "warning",
                    src.id,
                    f"{name} {par.value:g} {par.unit} substituted by policy {par.substitute.policy}: "
                    f"{par.substitute.basis}",
                )
            )
        if par is None or (
            par.lab is None and par.accreditation is None and par.report_date is None
        ):
            continue
        if par.lab is None:
            out.append(
                Finding(
                    "lab_not_stated",
                    "warning",
                    src.id,
                    f"{name} lab analysis names no laboratory (lab:): its evidence cannot be traced",
                )
            )
        if par.accreditation in (None, "none"):
            out.append(
                Finding(
                    "lab_not_accredited",
                    "warning",
                    src.id,
                    f"{name} from {par.lab or 'a laboratory'} "
                    + (
                        "without CMA/CNAS accreditation"
                        if par.accreditation == "none"
                        else "with no accreditation stated"
                    )
                    + ": it cannot count as measured",
                )
            )
        if par.report_date is not None and par.report_date > deadline:
            out.append(
                Finding(
                    "lab_report_late",
                    "warning",
                    src.id,
                    f"{name} lab report dated {par.report_date}, more than 40 days after the period "
                    f"(due by {deadline})",
                )
            )
    return out


def _table_calibration_findings(inventory: Inventory, cols: ActivityColumns) -> list[Finding]:
    """Activity-table rows read after their instrument's calibration was due, per source."""
    out = []
    for sid, ins_id, n_rows, fell_back in cols.calibration_expired:
        ins = inventory.instrument(ins_id)
        out.append(
            Finding(
                "instrument_calibration_expired",
                "warning",
                sid,
                f"instrument {ins_id} was due for calibration on {ins.calibration_due}; "
                f"{n_rows} activity-table row(s) cover later days",
            )
        )
        if fell_back:
            out.append(
                Finding(
                    "fallback_uncertainty_used",
                    "info",
                    sid,
                    f"table readings of {ins_id} after {ins.calibration_due} use its fallback "
                    f"uncertainty ±{100 * (ins.fallback_uncertainty or 0):g} %",
                )
            )
    return out


def _activity_findings(plans: Sequence[SourcePlan], stats: SourceStats) -> list[Finding]:
    """Sources without activity, and sources with activity of no stated uncertainty.

    Found with array masks over the per-source sums (no Python per source), then named
    in the order of the plans.
    """
    index = _plan_index(plans)
    n_records = stats.n_records[index]
    none = n_records == 0
    unstated = ~none & (stats.A_none[index] > 0)
    out = []
    for k in np.flatnonzero(none | unstated).tolist():
        sid = _source_of(plans, k).id
        if none[k]:
            out.append(
                Finding(
                    "source_without_activity",
                    "warning",
                    sid,
                    "no activity records: the source contributes 0",
                )
            )
        else:
            out.append(
                Finding(
                    "activity_uncertainty_missing",
                    "info",
                    sid,
                    "some activity has no stated uncertainty and no instrument: "
                    "its activity error is not included",
                )
            )
    return out


def _source_of(plans: Sequence[SourcePlan], k: int) -> Source:
    """The source of ``plans[k]`` (no plan made for it when the plans are a :class:`PlanSet`)."""
    return plans.sources[k] if isinstance(plans, PlanSet) else plans[k].source


def _plan_index(plans: Sequence[SourcePlan]) -> npt.NDArray[np.intp]:
    """Each plan's source index (plans made by :func:`plan_sources` are in source order)."""
    n = len(plans)
    if isinstance(plans, PlanSet) or (n and plans[0].index == 0 and plans[-1].index == n - 1):
        return np.arange(n, dtype=np.intp)
    return np.fromiter((p.index for p in plans), dtype=np.intp, count=n)


def approach1_uncertainty(result: Result, *, top: int = 10) -> dict[str, GroupUncertainty]:
    """IPCC Approach 1 for *result*: per group (returned) and per line, and contributions.

    Sets ``result.unquantified_share`` (with the finding ``uncertainty_incomplete`` when
    it is above 0), ``result.line_half95`` and ``result.contributions`` (the *top*
    inputs by share of the variance of the total); the caller decides whether the group
    uncertainties are the result's (analytical) or Monte Carlo's.

    Raises
    ------
    InvalidInputError
        ``result_magnitude`` when a variance overflows double precision.
    """
    from .uncertainty import Sensitivities

    inventory, lines, stats = result.inventory, result.table, result._stats
    params, ins_u95, masks = result.params, result._ins_u95, result.group_masks
    sens = Sensitivities.of(lines, stats)
    result.unquantified_share = _unquantified_share(result, stats)
    if result.unquantified_share > 0:
        found = Finding(
            "uncertainty_incomplete",
            "warning",
            inventory.organization.id,
            f"{100 * result.unquantified_share:.3g} % of the gross total comes from sources "
            "with an input stated without uncertainty (factor, fuel parameter or activity), "
            "treated as exact: the 95 % interval understates the uncertainty",
        )
        # the findings are sorted: a stable sort would put it after those of the same key
        if isinstance(result.findings, FindingList):
            result.findings.insort(found)
        else:
            bisect.insort_right(result.findings, found, key=_finding_order)
    with np.errstate(over="ignore", invalid="ignore"):
        groups, result.line_half95 = approach1(lines, stats, params, ins_u95, masks, sens=sens)
    _check_uncertainty_magnitudes(inventory, groups, stats)
    result.contributions = _contributions(
        sens, lines, stats, params, ins_u95, inventory, masks["total"], top
    )
    return groups


def _unquantified_share(result: Result, stats: Any) -> float:
    """Share of the gross total from sources that use an input without stated uncertainty.

    An input is a factor (per gas), a fuel parameter, a source's own carbon parameters or
    activity with neither its own uncertainty nor an instrument (see the findings
    ``uncertainty_not_stated`` and ``activity_uncertainty_missing``).
    """
    key = "unstated"  # one entry, replaced when the plans change
    cached = result.inventory._cache.get(key)
    if cached is not None and cached[0] is result.plans:
        static = cached[1]
    else:  # per source, from the plans: which use a factor or fuel stated without uncertainty
        static = _unstated_sources(result)
        result.inventory._cache[key] = (result.plans, static)
    t = result.table.template
    gross = result.group_masks["total"]
    partial = static | (stats.A_none[: static.size] > 0)
    total = result.total_co2e
    if not total or not partial.any():
        return 0.0
    return float(result._sum(gross & partial[t.src])) / total


def _unstated_sources(result: Result) -> npt.NDArray[np.bool_]:
    """Per source index: whether it uses a factor, fuel or parameter stated without uncertainty.

    The gross total is location-based: a market-based factor does not enter it. Per
    factor once (per kind of plan for a :class:`PlanSet`): whether it, or the fuel its
    unit chains go through, is unstated.
    """
    # the subjects of uncertainty_not_stated: planning's tail, read without the others
    code, found = "uncertainty_not_stated", result.findings
    if isinstance(found, FindingList):
        unstated = set(found.subjects_of(code))
    else:
        unstated = {f.subject for f in found if f.code == code}
    plans = result.plans
    index = _plan_index(plans)
    static = np.zeros(index.size and int(index.max()) + 1, bool)
    by_ref: dict[str, tuple[bool, bool]] = {}
    for ref in {p.factor_ref for p in (plans.kinds if isinstance(plans, PlanSet) else plans)}:
        factor = result.factors_used.get(ref)
        fuel = factor.fuel if factor is not None else None
        by_ref[ref] = (ref in unstated, fuel is not None and fuel.ref in unstated)

    def flag(p: SourcePlan) -> bool:
        ref, fuel = by_ref[p.factor_ref]
        return ref or (fuel and bool(p.chain_units))

    if isinstance(plans, PlanSet):  # per kind, then the sources named themselves
        static[index] = np.array([flag(p) for p in plans.kinds] or [False], dtype=bool)[plans.kind_of]
        if unstated:  # the source index the table check keeps on the inventory
            where = result.inventory._cache.get("source_index")
            if where is None:
                where = {s.id: i for i, s in enumerate(plans.sources)}
            static[[where[s] for s in unstated if s in where]] = True
    else:
        static[index] = [flag(p) or p.source.id in unstated for p in plans]
    return static


def _check_uncertainty_magnitudes(inventory: Inventory, groups: dict[str, Any], stats: Any) -> None:
    """Refuse uncertainties so large that their variance overflows (a relative 1e300)."""
    if all(math.isfinite(u.half95) for u in groups.values()):
        return
    culprits = [inventory.sources[i].id for i in np.flatnonzero(~np.isfinite(stats.Q)).tolist()]
    where = (
        f"the activity uncertainty of {', '.join(culprits)}"
        if culprits
        else "the stated factor, parameter or instrument uncertainties"
    )
    raise InvalidInputError(
        [
            Issue(
                "result_magnitude",
                f"{where} is too large to propagate (the variance overflows double "
                "precision); an uncertainty is a relative half-width (0.05 = ±5 %)",
                field="uncertainty",
                allowed="relative uncertainties whose propagated variance stays finite",
            )
        ],
        source=inventory.source_path,
    )


def _contributions(
    sens: Any,
    lines: LineTable,
    stats: Any,
    params: Sequence[Parameter],
    ins_u95: npt.NDArray[np.float64],
    inv: Inventory,
    total_mask: npt.NDArray[np.bool_],
    top: int,
) -> list[dict[str, Any]]:
    """Share of each uncertain input in the variance of the total (Approach 1)."""
    from .uncertainty import group_variance_terms

    u_par = np.array([p.u95 for p in params], dtype=float)
    act, ins, par = group_variance_terms(sens, stats, u_par, ins_u95, total_mask)
    ins_ids = stats_instrument_ids(inv)
    n_ins = min(len(ins_ids), ins.size)
    act, ins = act[: len(inv.sources)], ins[:n_ins]
    values = np.concatenate([act, ins, par]).astype(float)
    positive = np.flatnonzero(values > 0)
    total = math.fsum(values[positive].tolist())  # exactly rounded: in any order
    # only the inputs that can be among the top (ties at the cut kept) are named and sorted
    if 0 < top < positive.size:
        cut = np.partition(values[positive], positive.size - top)[positive.size - top]
        positive = positive[values[positive] >= cut]
    items: list[tuple[str, str, float]] = []
    for k in positive.tolist():
        if k < act.size:
            sid = inv.sources[k].id
            items.append((f"activity:{sid}", f"activity data of {sid} (stated per record)", float(values[k])))
        elif k < act.size + n_ins:
            ins_id = ins_ids[k - act.size]
            items.append((f"instrument:{ins_id}", f"instrument {ins_id}", float(values[k])))
        else:
            p = params[k - act.size - n_ins]
            items.append((p.key, p.label, float(values[k])))
    items.sort(key=lambda t: (-t[2], t[0]))
    return [
        {"input": k, "label": lab, "variance_share": v / total if total else 0.0}
        for k, lab, v in items[:top]
    ]


def stats_instrument_ids(inv: Inventory) -> list[str]:
    """Instrument ids in column order (as in :func:`activity_columns`)."""
    return [i.id for i in inv.instruments]


def monte_carlo_uncertainty(
    result: Result,
    cols: ActivityColumns,
    *,
    iterations: int = 10_000,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """IPCC Approach 2 for *result*: its group uncertainties, seed and iterations.

    *cols* are the activity columns the result was calculated from (instruments are
    drawn in id order); a seed is drawn when none is given, and reported.
    """
    if seed is None:
        seed = secrets.randbits(63)
    mc = monte_carlo(
        result.table,
        result._stats,
        result.params,
        result._ins_u95,
        result.group_masks,
        iterations=iterations,
        seed=seed,
        cols=cols,
        progress=progress,
    )
    result.group_uncertainty = mc.groups
    result.uncertainty_method = "monte_carlo"
    result.seed = seed
    result.iterations = iterations
