"""Data gaps are never filled implicitly: find them, and fill them only by a named policy.

Policies (each filled value is flagged with the policy, the gap length and the basis):

``mean_of_neighbours``
    The mean of the daily rates of the records immediately before and after the gap,
    times the gap's days (US EPA 40 CFR 98.35(b): the average of the values before and
    after the missing-data period).
``conservative``
    The highest daily rate among the source's records, times the gap's days: a
    conservative estimate in the sense of EU MRR (Regulation (EU) 2018/2066) Art. 66.
``stated``
    A value the user states for the gap (with its basis), e.g. from a supplier invoice.
``pack_default``
    For carbon-content sources without a carbon analysis: the carbon content per unit
    heat of a named pack fuel, e.g. ``cn-mee/fuel/power_coal_unmeasured_2022`` (the
    Chinese high default for unmeasured coal, 0.03085 tC/GJ).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

from ..errors import InvalidInputError, Issue
from ..inventory.models import ActivityRecord, Gap, Inventory, Source, Substitution
from ..inventory.models import find_gaps as _find_gaps

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from .._io.files import Written
    from .._io.spec import ReadSpec
    from ..data.factor_schema import FuelParameter
    from ..data.factors import FactorRegistry

__all__ = ["FilledGap", "fill_gaps", "find_gaps"]

Spans = dict[str, list[tuple[_dt.date, _dt.date]]]


def activity_file_paths(inventory: Inventory) -> list[Written]:
    """The inventory's activity files: each read from the inventory's folder, confined.

    Each may only lead inside the inventory's folder, or the active sandbox's folders
    (:func:`nqi_carbon._io.files.written_path`). An entry naming a folder or a glob stands
    for the files it holds (:func:`activity_file_specs`).
    """
    return [w for w, _ in activity_file_specs(inventory)]


def activity_file_specs(inventory: Inventory) -> list[tuple[Written, ReadSpec]]:
    """The inventory's activity files, each with its reading spec.

    An entry that names a folder or a glob of partitions
    (:func:`nqi_carbon._io.files.partition_files`) gives each of its files, in name
    order, with the entry's reading spec; a hive-style folder ``source=boiler`` on the
    way to a file is a ``constant`` of that file (unless the spec states one).

    Raises
    ------
    InvalidInputError
        ``activity_files_found`` for a folder or glob without any file.
    """
    import dataclasses

    from .._io.files import hive_values, partition_files, written_path
    from .._io.spec import CONSTANT_COLUMNS

    out: list[tuple[Written, ReadSpec]] = []
    for i, entry in enumerate(inventory.activity_file_entries()):
        field = f"activity_files[{i}]"
        written, spec = written_path(entry.path, source_path=inventory.source_path, field=field), entry.spec()
        found = partition_files(written.path)
        if found is None:
            out.append((written, spec))
            continue
        folder, files = found
        if not files:
            raise InvalidInputError([_no_partitions(entry.path, field, inventory)], source=inventory.source_path)
        for f in files:
            hive = {k: v for k, v in hive_values(folder, f).items() if k in CONSTANT_COLUMNS}
            hive = {k: v for k, v in hive.items() if k not in spec.constant and k not in spec.columns}
            each = dataclasses.replace(spec, constant={**spec.constant, **hive}) if hive else spec
            out.append((dataclasses.replace(written, path=f), each))
    return out


def _no_partitions(entry: str, field: str, inventory: Inventory) -> Issue:
    return Issue(
        "activity_files_found",
        "the folder or glob names no activity file",
        file=inventory.source_path,
        field=field,
        value=repr(entry),
        allowed="a folder holding .csv or .parquet files (at any depth; names starting with "
        "'.' or '_' are left out), or a glob matching files, e.g. meters/*.parquet",
    )


def _files_key(inventory: Inventory) -> tuple[object, ...]:
    """Cache key of the activity files' state (path, modification time, size)."""
    from ..data.factors import _pack_state  # the same file-state key as for user packs

    return ("activity_file_spans", _pack_state([w.path for w in activity_file_paths(inventory)]))


def remember_file_spans(inventory: Inventory, spans: Spans) -> None:
    """Note the periods the inventory's activity files cover (while they are unchanged)."""
    inventory._cache[_files_key(inventory)] = spans


def _merge(*parts: Spans) -> Spans:
    out: Spans = {}
    for part in parts:
        for sid, spans in part.items():
            out.setdefault(sid, []).extend(spans)
    return out


def file_spans(inventory: Inventory) -> Spans:
    """Per source id, the periods covered by rows of the inventory's activity files.

    Files that cannot be read are left out here (reading them reports why).
    """
    if not inventory.activity_files:
        return {}
    key = _files_key(inventory)
    cached = inventory._cache.get(key)
    if cached is not None:
        return dict(cached)
    from .._io.tables import read_table

    spans: Spans = {}
    for p, spec in activity_file_specs(inventory):
        try:
            table = read_table(p, spec=spec)
        except InvalidInputError:
            continue
        spans = _merge(spans, table_period_spans(inventory, table))
    inventory._cache[key] = spans
    return spans


class PeriodLabels(NamedTuple):
    """The period column of a table, coded (see :func:`_period_labels`)."""

    codes: npt.NDArray[np.intp]  # per row: index into values, -1 for no period
    values: list[object]  # the distinct cell values
    spans: list[tuple[_dt.date, _dt.date] | None]  # per value: (start, end), None if malformed
    texts: list[str]  # per value: as written


def _period_labels(table: pd.DataFrame) -> PeriodLabels:
    """Codes of the period column and, per distinct value, its span (None: malformed).

    Empty cells (NaN or blank text) have code -1 and mean "no period". The grammar is
    the inline records' (``YYYY``, ``YYYY-MM``, ``YYYY-Qn``); an integer year is its text.
    """
    import numpy as np

    from .._io.tables import _as_text, column_codes
    from ..inventory.periods import _period_bounds

    p_codes, p_values = column_codes(table["period"])
    spans: list[tuple[_dt.date, _dt.date] | None] = []
    texts: list[str] = []
    blank = []
    for k, v in enumerate(p_values):
        text = v if isinstance(v, str) else _as_text(v) if isinstance(v, int | float) else None
        texts.append(text if text is not None else repr(v))
        if isinstance(v, bool) or text is None:
            spans.append(None)
            continue
        if text.strip() == "":
            blank.append(k)
            spans.append(None)
            continue
        try:
            spans.append(_period_bounds(text))
        except ValueError:
            spans.append(None)
    if blank:  # blank text is no period, like an empty cell
        relabel = np.arange(len(p_values) + 1, dtype=np.intp)
        relabel[blank] = -1
        relabel[-1] = -1
        p_codes = relabel[p_codes]
    return PeriodLabels(p_codes, p_values, spans, texts)


def table_period_spans(
    inv: Inventory, table: pd.DataFrame
) -> dict[str, list[tuple[_dt.date, _dt.date]]]:
    """The distinct periods each source's table rows cover (well-formed labels only)."""
    import numpy as np

    from .._io.tables import column_codes

    if "period" not in table.columns or "source" not in table.columns or len(table) == 0:
        return {}
    p_codes, _, spans, _ = _period_labels(table)
    s_codes, s_values = column_codes(table["source"])
    n_p = max(len(spans), 1)
    ok = (p_codes >= 0) & (s_codes >= 0)
    if not ok.any():
        return {}
    key = s_codes[ok].astype(np.int64) * n_p + p_codes[ok]
    out: dict[str, list[tuple[_dt.date, _dt.date]]] = {}
    for k in np.unique(key).tolist():
        sv, span = s_values[k // n_p], spans[k % n_p]
        if span is not None:
            sid = sv if isinstance(sv, str) else str(sv)
            out.setdefault(sid, []).append(span)
    return out


def find_gaps(inventory: Inventory, activity: pd.DataFrame | None = None) -> list[Gap]:
    """Uncovered days in every source whose activity comes as sub-annual records.

    A source with one record and no period covers the whole period and has no gap; a
    source with period-labelled or dated records, or with rows of a period column in its
    activity files (or in *activity*, a table as given to :func:`nqi_carbon.calculate`),
    must cover every day of the inventory period (0 is a value: a month without
    consumption is a record of 0, not a gap). Rows without a period are not part of it.
    """
    import pandas as pd

    from ..errors import expect_type
    from ..inventory.models import Inventory

    where = "find_gaps()"
    expect_type(inventory, Inventory, field="inventory", where=where, allowed="an nc.Inventory")
    if activity is not None:
        expect_type(
            activity, pd.DataFrame, field="activity", where=where, allowed="a DataFrame or None"
        )
    extra = file_spans(inventory)
    if activity is not None:
        extra = _merge(extra, table_period_spans(inventory, activity))
    return _find_gaps(inventory, extra)


Policy = Literal["mean_of_neighbours", "conservative", "stated", "pack_default"]


@dataclass(frozen=True)
class FilledGap:
    """One gap and the record that now fills it."""

    gap: Gap
    policy: str
    amount: float
    unit: str
    basis: str


_POLICIES: tuple[str, ...] = get_args(Policy)


_AMOUNT_ALLOWED = (
    "a finite number >= 0 in the unit of the source's records (not text or true/false)"
)


def _amount_issue(v: object, field: str) -> Issue | None:
    """The problem with a stated gap amount, if any (strict: ``True`` and ``"12"`` are no numbers)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return Issue(
            "float_type", "not a number", field=field, value=repr(v), allowed=_AMOUNT_ALLOWED
        )
    x = float(v)
    if not math.isfinite(x):
        return Issue(
            "finite_number",
            "not a finite number",
            field=field,
            value=repr(v),
            allowed=_AMOUNT_ALLOWED,
        )
    if x < 0:
        return Issue(
            "amount_not_negative",
            "a stated gap amount is activity: never negative",
            field=field,
            value=repr(v),
            allowed=_AMOUNT_ALLOWED,
        )
    return None


def _parameter_issues(
    inventory: Inventory,
    policy: object,
    values: object,
    basis: object,
    default: object,
    gap_sources: set[str] | None,
) -> tuple[list[Issue], dict[str, float]]:
    """Every problem with the arguments of :func:`fill_gaps`, and the well-formed values.

    A parameter the policy does not use is refused rather than ignored; *gap_sources*
    (the ids of sources with a gap, None when unknown) lets values for sources without a
    gap be reported.
    """
    issues = _policy_issues(policy, values, basis, default)
    for name, text in (("basis", basis), ("default", default)):
        if text is None:
            continue
        if not isinstance(text, str):
            issues.append(
                Issue("string_type", f"{name} must be text", field=name, value=repr(text)[:200])
            )
        elif not text.strip():
            issues.append(
                Issue(
                    "string_too_short",
                    f"{name} is empty",
                    field=name,
                    value=repr(text),
                    allowed="a non-empty text",
                )
            )
    if values is None:
        return issues, {}
    if not isinstance(values, Mapping):
        issues.append(
            Issue(
                "gap_values",
                "values maps source ids to amounts",
                field="values",
                value=repr(values)[:200],
                allowed="e.g. {'grid': 150.0}",
            )
        )
        return issues, {}
    more, clean = _stated_values(inventory, values, policy == "stated", gap_sources)
    return issues + more, clean


def _policy_issues(policy: object, values: object, basis: object, default: object) -> list[Issue]:
    """An unknown policy, or a parameter given that the policy does not use."""
    if not isinstance(policy, str) or policy not in _POLICIES:
        return [
            Issue(
                "gap_policy",
                "unknown gap policy",
                field="policy",
                value=repr(policy),
                allowed=", ".join(_POLICIES),
            )
        ]
    used = {
        "values": policy == "stated",
        "basis": policy == "stated",
        "default": policy == "pack_default",
    }
    return [
        Issue(
            "gap_parameter_unused",
            f"policy {policy!r} does not use {name}=; it would be ignored",
            field=name,
            value=repr(given)[:200],
            allowed=f"{name}= only with policy "
            + ("'pack_default'" if name == "default" else "'stated'"),
        )
        for name, given in (("values", values), ("basis", basis), ("default", default))
        if given is not None and not used[name]
    ]


def _stated_values(
    inventory: Inventory,
    values: Mapping[Any, Any],
    used: bool,
    gap_sources: set[str] | None,
) -> tuple[list[Issue], dict[str, float]]:
    """Stated gap amounts per source id: the problems, and the well-formed amounts.

    Each must name a source and be a number >= 0; when the values are *used* (policy
    ``stated``) and the sources with a gap are known, a value for a source without a gap
    is refused too.
    """
    issues: list[Issue] = []
    clean: dict[str, float] = {}
    ids = {s.id for s in inventory.sources}
    for sid, v in values.items():
        where = f"values[{sid!r}]"
        if not isinstance(sid, str) or sid not in ids:
            issues.append(
                Issue(
                    "gap_value_source",
                    "no source of this id",
                    field=where,
                    value=repr(sid),
                    allowed=", ".join(sorted(ids)) or "no sources",
                )
            )
            continue
        problem = _amount_issue(v, where)
        if problem is not None:
            issues.append(problem)
            continue
        if gap_sources is not None and used and sid not in gap_sources:
            issues.append(
                Issue(
                    "gap_value_unused",
                    "the source has no gap: the value would be ignored",
                    field=where,
                    value=repr(v),
                    allowed=", ".join(sorted(gap_sources)) or "no source has a gap",
                )
            )
            continue
        clean[sid] = float(v)
    return issues, clean


def _rate(rec: ActivityRecord, inv: Inventory) -> float:
    s, e = rec.bounds(inv.period)
    return rec.amount / max((e - s).days, 1)


def fill_gaps(
    inventory: Inventory,
    policy: Policy,
    *,
    values: Mapping[str, float] | None = None,
    basis: str | None = None,
    default: str | None = None,
) -> tuple[Inventory, list[FilledGap]]:
    """Return a copy of *inventory* with every gap filled by *policy*, and what was filled.

    Parameters
    ----------
    inventory : Inventory
        The inventory with gaps (it is not changed).
    policy : {"mean_of_neighbours", "conservative", "stated", "pack_default"}
        The named substitution rule (there is no default).
    values : mapping, optional
        For ``stated`` only: source id -> amount for its (single) gap, in the unit of the
        source's records: a finite number >= 0 (``True`` or ``"12"`` are refused).
    basis : str, optional
        For ``stated`` only: where the stated values come from.
    default : str, optional
        For ``pack_default`` only: the pack fuel whose carbon content fills missing
        carbon analyses (``cn-mee/fuel/power_coal_unmeasured_2022``).

    Raises
    ------
    InvalidInputError
        Listing every problem at once: an unknown policy, a parameter the policy does not
        use, a stated value that is not a number >= 0 or names no source with a gap, a
        gap the policy cannot fill (no neighbours, mixed units, a stated value missing).
    """
    from ..errors import expect_type
    from ..inventory.models import Inventory

    where, allowed = "fill_gaps()", "an nc.Inventory"
    expect_type(inventory, Inventory, field="inventory", where=where, allowed=allowed)
    known = isinstance(policy, str) and policy in _POLICIES  # a list or an array is no name
    if known and policy == "pack_default":
        issues, _ = _parameter_issues(inventory, policy, values, basis, default, None)
        return _fill_carbon(inventory, default, issues)
    gaps = find_gaps(inventory) if known else []
    by_source: dict[str, list[Gap]] = {}
    for g in gaps:
        by_source.setdefault(g.source, []).append(g)
    issues, stated = _parameter_issues(inventory, policy, values, basis, default, set(by_source))
    if not known:
        raise InvalidInputError(issues, source=inventory.source_path)
    # a value refused above is reported once, not again as missing
    refused = set(values) - set(stated) if isinstance(values, Mapping) else set()
    filling = _Filling(inventory, policy, stated, refused, basis, issues)
    filled: list[FilledGap] = []
    new_sources: list[Source] = []
    for src in inventory.sources:
        src_gaps = by_source.get(src.id)
        if not src_gaps:
            new_sources.append(src)
            continue
        new_src, src_filled = filling.source(src, src_gaps)
        new_sources.append(new_src)
        filled += src_filled
    if issues:
        raise InvalidInputError(issues, source=inventory.source_path)
    new = inventory.model_copy(update={"sources": tuple(new_sources)})
    new._source_path, new._input_sha256 = inventory.source_path, inventory.input_sha256
    return new, filled


@dataclass(frozen=True)
class _Filling:
    """One :func:`fill_gaps` call: the policy, its checked parameters, the issues found."""

    inventory: Inventory
    policy: str
    stated: dict[str, float]  # well-formed stated values per source id
    refused: set[str]  # source ids whose stated value was refused (reported once)
    basis: object
    issues: list[Issue]

    def source(self, src: Source, src_gaps: list[Gap]) -> tuple[Source, list[FilledGap]]:
        """The source with a substituted record per gap (in the unit of its records).

        A source whose activity is in activity-file rows, or whose records have several
        units, cannot be filled: it is returned unchanged and the problem noted.
        """
        units = {r.unit for r in src.records}
        if not units:
            self.issues.append(
                Issue(
                    "gap_units",
                    "the source's activity is in activity-file rows: add rows for the gap "
                    "(0 is a value)",
                    field=src.id,
                    value=", ".join(g.label() for g in src_gaps),
                )
            )
            return src, []
        if len(units) != 1:
            self.issues.append(
                Issue(
                    "gap_units",
                    "records in several units: fill this gap by hand",
                    field=src.id,
                    value=repr(sorted(units)),
                )
            )
            return src, []
        unit = units.pop()
        period = self.inventory.period
        recs = sorted(src.records, key=lambda r: r.bounds(period))
        added = []
        filled = []
        for g in src_gaps:
            found = self.amount(src, src_gaps, g, recs)
            if found is None:
                continue
            amount, text = found
            added.append(
                ActivityRecord(
                    amount=amount,
                    unit=unit,
                    start=g.start,
                    end=g.end,
                    note=f"substituted ({self.policy})",
                    substitute=Substitution(policy=self.policy, gap_days=g.days, basis=text),
                )
            )
            filled.append(FilledGap(g, self.policy, amount, unit, text))
        activity = tuple(sorted((*src.records, *added), key=lambda r: r.bounds(period)))
        return src.model_copy(update={"activity": activity}), filled

    def amount(
        self, src: Source, src_gaps: list[Gap], g: Gap, recs: list[ActivityRecord]
    ) -> tuple[float, str] | None:
        """The amount that fills gap *g* and its basis, or None when it cannot be filled.

        *recs* are the source's records in time order.
        """
        inventory = self.inventory
        if self.policy == "mean_of_neighbours":
            before = [r for r in recs if r.bounds(inventory.period)[1] <= g.start]
            after = [r for r in recs if r.bounds(inventory.period)[0] >= g.end]
            neighbours = ([before[-1]] if before else []) + ([after[0]] if after else [])
            if not neighbours:
                self._refuse("gap_no_neighbours", "no record before or after the gap", src, g)
                return None
            rate = sum(_rate(r, inventory) for r in neighbours) / len(neighbours)
            text = (
                "mean daily rate of "
                + " and ".join(r.period or f"{r.start}..{r.end}" for r in neighbours)
                + " (40 CFR 98.35)"
            )
            return rate * g.days, text
        if self.policy == "conservative":
            rate = max(_rate(r, inventory) for r in recs)
            return rate * g.days, "highest daily rate of the source's records (EU MRR Art. 66)"
        if src.id in self.refused:
            return None
        if src.id not in self.stated or len(src_gaps) != 1:
            self._refuse("gap_value_missing", "state one value per source with one gap", src, g)
            return None
        basis = self.basis
        text = basis if isinstance(basis, str) and basis.strip() else "stated by the user"
        return self.stated[src.id], text

    def _refuse(self, code: str, message: str, src: Source, g: Gap) -> None:
        """Note that gap *g* of *src* cannot be filled, and why."""
        self.issues.append(Issue(code, message, field=src.id, value=g.label()))


def gap_issues(
    inventory: Inventory,
    activity: pd.DataFrame | None = None,
    *,
    extra_spans: Spans | None = None,
    only: set[str] | None = None,
) -> list[Issue]:
    """Every gap as an input problem with what to do about it.

    Inline records, the rows with a period in the inventory's activity files and in
    *activity* count; *extra_spans* adds covered periods per source id, *only* limits
    the report to these source ids.
    """
    extra = file_spans(inventory)
    if activity is not None:
        extra = _merge(extra, table_period_spans(inventory, activity))
    if extra_spans:
        extra = _merge(extra, extra_spans)
    return [
        Issue(
            "data_gap",
            f"source {g.source!r} has no activity for {g.days} day{'' if g.days == 1 else 's'}; a gap is never filled "
            "implicitly" + _inclusive_hint(g),
            file=inventory.source_path,
            field="sources",
            source=g.source,
            value=g.label(),
            allowed="add the records or activity-file rows (0 is a value) or fill the gap with "
            "nc.fill_gaps(inv, policy=...)",
        )
        for g in _find_gaps(inventory, extra)
        if only is None or g.source in only
    ]


def _inclusive_hint(gap: Any) -> str:
    """A one-day gap on the last day of a month: a record's end written as inclusive."""
    import calendar

    day = gap.start
    if gap.days != 1 or day.day != calendar.monthrange(day.year, day.month)[1]:
        return ""
    return (
        f" ({day} is the last day of a month: a record ending {day} leaves it out, since an "
        f"end is exclusive; write end: {gap.end} [period_end_inclusive])"
    )


def _fill_carbon(
    inventory: Inventory, default: object, issues: list[Issue]
) -> tuple[Inventory, list[FilledGap]]:
    """Fill missing carbon analyses of carbon-content sources with a pack fuel's value.

    *issues* are the problems found with the arguments already; they are raised together
    with any found here.
    """
    from ..inventory.models import MeasuredParameter

    reg, cc, text = _default_carbon_content(inventory, default, issues)
    filled: list[FilledGap] = []
    new_sources: list[Source] = []
    days = inventory.period.days
    for src in inventory.sources:
        c = src.carbon
        if (
            src.method != "carbon_content"
            or c is None
            or c.carbon_content is not None
            or c.carbon_fraction is not None
        ):
            new_sources.append(src)
            continue
        if c.fuel is not None and reg.resolve_fuel(c.fuel).parameter("carbon_content") is not None:
            new_sources.append(src)  # the named fuel already gives the carbon content
            continue
        param = MeasuredParameter(
            value=cc.value,
            unit=cc.unit,
            uncertainty=cc.uncertainty,
            evidence=f"default for an unmeasured carbon content: {text}",
            substitute=Substitution(policy="pack_default", gap_days=days, basis=text),
        )
        new_sources.append(
            src.model_copy(update={"carbon": c.model_copy(update={"carbon_content": param})})
        )
        filled.append(
            FilledGap(
                Gap(src.id, inventory.period.start, inventory.period.end),
                "pack_default",
                cc.value,
                cc.unit,
                text,
            )
        )
    new = inventory.model_copy(update={"sources": tuple(new_sources)})
    new._source_path, new._input_sha256 = inventory.source_path, inventory.input_sha256
    return new, filled


def _default_carbon_content(
    inventory: Inventory, default: object, issues: list[Issue]
) -> tuple[FactorRegistry, FuelParameter, str]:
    """The registry, the carbon content of the *default* pack fuel, and its citation.

    Raises
    ------
    InvalidInputError
        With *issues*, when *default* is missing, names no pack fuel or one without a
        carbon content.
    """
    from ..data.factors import registry_for
    from ..errors import NqiCarbonError

    issues = list(issues)
    if default is None:
        issues.append(
            Issue(
                "gap_default_missing",
                "pack_default needs default='<pack>/fuel/<id>'",
                field="default",
                allowed="e.g. cn-mee/fuel/power_coal_unmeasured_2022",
            )
        )
    if issues or not isinstance(default, str):
        raise InvalidInputError(issues, source=inventory.source_path)
    reg = registry_for(inventory)
    try:
        fuel = reg.resolve_fuel(default)
    except NqiCarbonError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "gap_default_missing",
                    f"no pack fuel: {exc.message}",
                    field="default",
                    value=repr(default),
                    allowed="a pack fuel '<pack>/fuel/<id>' that gives a carbon content",
                )
            ],
            source=inventory.source_path,
        ) from None
    cc = fuel.parameter("carbon_content")
    if cc is None:
        raise InvalidInputError(
            [
                Issue(
                    "gap_default_missing",
                    f"{default} gives no carbon content",
                    field="default",
                    value=repr(default),
                )
            ],
            source=inventory.source_path,
        )
    cite = fuel.citations.get("carbon_content")
    where = f"{cite.document}, {cite.table or cite.page or cite.section}" if cite else default
    return reg, cc, f"{default} ({where})"
