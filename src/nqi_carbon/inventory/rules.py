"""Rules across an inventory's sections, run on the raw mapping.

Ids unique, references resolve, periods inside the inventory and not overlapping: run on
the raw mapping as well as on the model, so that every problem of a file is reported at
once.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
)

from ..errors import Issue
from .periods import _period_bounds

_ID_SECTIONS = ("facilities", "instruments", "factors", "sources", "removals")


Span = tuple[_dt.date, _dt.date]


@dataclass
class _Facts:
    """The values the cross-reference rules look at, extracted from a model or raw data."""

    ids: dict[str, list[tuple[int, str]]]
    facility_refs: list[tuple[str, str, str, str]]  # field, kind, item id, facility id
    records: list[tuple[str, str, int, str | None, Span | None, str | None]]
    period: Span | None
    approach: str | None
    facility_flags: list[tuple[int, str, bool | None, bool | None]]


def rule_ids_unique(facts: _Facts) -> list[Issue]:
    """Ids used more than once within a section."""
    issues = []
    for section, pairs in facts.ids.items():
        for dup in _dupes(i for _, i in pairs):
            issues.append(
                Issue(
                    "ids_unique",
                    f"id {dup!r} is used more than once",
                    field=section,
                    value=repr(dup),
                )
            )
    return issues


def rule_source_facility_exists(facts: _Facts, known: set[str]) -> list[Issue]:
    """Sources and removals naming a facility that is not defined."""
    return [
        Issue(
            "source_facility_exists",
            f"{kind} {item!r} names facility {fac!r}, which is not defined",
            field=field,
            value=repr(fac),
            allowed=", ".join(sorted(known)) or "define it under 'facilities'",
        )
        for field, kind, item, fac in facts.facility_refs
        if fac not in known
    ]


def rule_instrument_referenced_exists(facts: _Facts, known: set[str]) -> list[Issue]:
    """Activity records citing an instrument that is not defined."""
    return [
        Issue(
            "instrument_referenced_exists",
            f"source {src!r} cites instrument {ins!r}, which is not defined",
            field=field + ".instrument",
            value=repr(ins),
            allowed=", ".join(sorted(known)) or "define it under 'instruments'",
        )
        for field, src, _, ins, _, _ in facts.records
        if ins is not None and ins not in known
    ]


def rule_consolidation_flags_present(facts: _Facts) -> list[Issue]:
    """Facilities that do not say whether they are under the chosen control."""
    if facts.approach not in ("financial_control", "operational_control"):
        return []
    flag = facts.approach
    col = 2 if flag == "financial_control" else 3
    return [
        Issue(
            "consolidation_flags_present",
            f"facility {row[1]!r} does not say whether it is under {flag.replace('_', ' ')}",
            field=f"facilities[{row[0]}].{flag}",
            allowed="true or false",
        )
        for row in facts.facility_flags
        if row[col] is None
    ]


def rule_activity_within_period(facts: _Facts) -> list[Issue]:
    """Activity records that lie (partly) outside the inventory period."""
    if facts.period is None:
        return []
    p0, p1 = facts.period
    issues = []
    for field, src, _, _, span, label in facts.records:
        if span is None:
            continue
        start, end = span
        if start < p0 or end > p1:
            # the classic slip: end: 2023-12-31 for the year 2023 leaves out 31 December
            hint = (
                f"; the period end is exclusive: the year {p1.year} ends at "
                f"{_dt.date(p1.year + 1, 1, 1)}, not {p1}"
                if end > p1 and (p1.month, p1.day) == (12, 31)
                else ""
            )
            issues.append(
                Issue(
                    "activity_within_period",
                    f"source {src!r}: record covers {start}..{end}, outside the inventory period "
                    f"{p0}..{p1} (end exclusive){hint}",
                    field=field,
                    value=repr(label or f"{start}..{end}"),
                )
            )
    return issues


def rule_activity_periods_do_not_overlap(facts: _Facts) -> list[Issue]:
    """Records of one source that cover the same days twice."""
    by_source: dict[tuple[str, str], list[tuple[_dt.date, _dt.date, int]]] = {}
    for field, src, j, _, span, _ in facts.records:
        if span is None:
            continue
        base = field.rsplit("[", 1)[0] if field.endswith("]") else field
        by_source.setdefault((base, src), []).append((span[0], span[1], j))
    issues = []
    for (base, src), spans in by_source.items():
        spans.sort()
        for (s0, e0, j0), (s1, e1, j1) in itertools.pairwise(spans):
            if s1 < e0:
                issues.append(
                    Issue(
                        "activity_periods_do_not_overlap",
                        f"source {src!r}: records {j0} ({s0}..{e0}) and {j1} ({s1}..{e1}) overlap; "
                        "the same days would be counted twice",
                        field=base,
                    )
                )
    return issues


def _as_date(v: Any) -> _dt.date | None:
    if isinstance(v, _dt.datetime):
        return None
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def raw_facts(data: dict[str, Any]) -> _Facts:
    """Extract what the cross-reference rules need from raw (possibly invalid) data.

    Values that cannot be read are skipped, so each rule speaks only of what it can see.
    """

    def items(section: str) -> list[tuple[int, dict[str, Any]]]:
        v = data.get(section)
        return (
            [(i, x) for i, x in enumerate(v) if isinstance(x, dict)] if isinstance(v, list) else []
        )

    def ident(v: Any) -> str | None:
        if isinstance(v, bool):
            return None
        return str(v) if isinstance(v, str | int) else None

    ids = {
        sec: [(i, s) for i, x in items(sec) if (s := ident(x.get("id"))) is not None]
        for sec in _ID_SECTIONS
    }
    per = data.get("period")
    period = None
    if isinstance(per, dict):
        p0, p1 = _as_date(per.get("start")), _as_date(per.get("end"))
        if p0 and p1 and p1 > p0:
            period = (p0, p1)
    refs = []
    for sec, kind in (("sources", "source"), ("removals", "removal")):
        for i, x in items(sec):
            item, fac = ident(x.get("id")), ident(x.get("facility"))
            if item is not None and fac is not None:
                refs.append((f"{sec}[{i}].facility", kind, item, fac))
    records = []
    for i, x in items("sources"):
        sid = ident(x.get("id")) or f"#{i}"
        act = x.get("activity")
        recs = act if isinstance(act, list) else [act] if isinstance(act, dict) else []
        for j, r in enumerate(recs):
            if not isinstance(r, dict):
                continue
            field = f"sources[{i}].activity[{j}]"
            ins = ident(r.get("instrument"))
            span: Span | None = None
            label = r.get("period") if isinstance(r.get("period"), str) else None
            if label is not None:
                try:
                    span = _period_bounds(label)
                except ValueError:
                    span = None
            elif "start" in r or "end" in r:
                s0, s1 = _as_date(r.get("start")), _as_date(r.get("end"))
                span = (s0, s1) if s0 and s1 and s1 > s0 else None
            elif r.get("period") is None and period is not None:
                span = period
            records.append((field, sid, j, ins, span, label))
    org = data.get("organization")
    approach = org.get("consolidation") if isinstance(org, dict) else None
    flags = []
    for i, x in items("facilities"):
        fid = ident(x.get("id")) or f"#{i}"
        fc, oc = x.get("financial_control"), x.get("operational_control")
        flags.append(
            (
                i,
                fid,
                fc if isinstance(fc, bool) or fc is None else False,
                oc if isinstance(oc, bool) or oc is None else False,
            )
        )
    return _Facts(
        ids, refs, records, period, approach if isinstance(approach, str) else None, flags
    )


def run_rules_on_raw(data: dict[str, Any]) -> list[Issue]:
    """Run every cross-reference rule on raw data (used when field validation failed)."""
    facts = raw_facts(data)
    known_fac = {i for _, i in facts.ids["facilities"]}
    known_ins = {i for _, i in facts.ids["instruments"]}
    return [
        *rule_ids_unique(facts),
        *rule_source_facility_exists(facts, known_fac),
        *rule_instrument_referenced_exists(facts, known_ins),
        *rule_consolidation_flags_present(facts),
        *rule_activity_within_period(facts),
        *rule_activity_periods_do_not_overlap(facts),
    ]


def _raw_ids(data: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for section in ("facilities", "instruments", "factors", "sources", "removals"):
            items = data.get(section)
            if isinstance(items, list):
                out[section] = [
                    str(x["id"])
                    for x in items
                    if isinstance(x, dict) and isinstance(x.get("id"), str | int)
                ]
    return out


def _plain_data(value: Any) -> Any:
    """Models (and tuples/lists of them) as the plain data they were validated from."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True, exclude_none=True)
    if isinstance(value, tuple | list):
        return [_plain_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_data(v) for k, v in value.items()}
    return value




def _dupes(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for i in ids:
        if i in seen and i not in out:
            out.append(i)
        seen.add(i)
    return out
