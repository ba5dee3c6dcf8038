"""Reading a claimed inventory (result@1 or a totals mapping), strictly.

Every figure once, in the inventory's GWP set, period and organisation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..calc.pipeline import RESULT_LIMIT_T
from ..errors import InvalidInputError, Issue


@dataclass
class _Claim:
    gwp_set: str
    period: tuple[str, str] | None
    total: float | None
    by_category: dict[str, float]
    by_source_gas: dict[tuple[str, str], float]
    source: str
    # figures reported apart from the gross total: result@1 names -> claimed value
    separate: dict[str, float] = field(default_factory=dict)
    # other result@1 breakdowns the claim states (by_scope, by_facility, by_gas_*)
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)
    # a result@1 claim's lines, normalised: (source, gas, basis, biogenic, t CO2e)
    lines: list[_LineRow] | None = None
    # organization.id when the claim states one (a result@1 or report JSON does)
    organization_id: str | None = None
    # the verifier's evidence log, as written in the claim file (read by verification.log)
    evidence_log: Any = None


_LineRow = tuple[str, str, str, bool, float]


_BASES = ("both", "location", "market")


BREAKDOWNS = (
    "by_scope",
    "by_scope3_category",
    "by_facility",
    "by_gas_co2e_t",
    "by_gas_mass_t",
)
"""result@1 breakdowns a claim may state beside categories and sources: each row is
compared and listed (level ``breakdown``) and judged as a figure of its own (see
:func:`verify`): against materiality of the claimed total, for masses of the gas's own
figure."""


def _number(v: Any, where: str, issues: list[Issue], file: str) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        issues.append(
            Issue("float_type", "not a finite number", file=file, field=where, value=repr(v))
        )
        return None
    if not abs(float(v)) < RESULT_LIMIT_T:  # sums of such figures would overflow
        issues.append(
            Issue(
                "claim_figure_magnitude",
                "a claimed figure larger than any result nqi-carbon computes",
                file=file,
                field=where,
                value=repr(v),
                allowed=f"figures below {RESULT_LIMIT_T:g} t",
            )
        )
        return None
    return float(v)


def _stated_once(
    seen: dict[Any, str],
    key: Any,
    written: str,
    what: str,
    where: str,
    issues: list[Issue],
    file: str,
    code: str = "claim_figure_duplicate",
) -> bool:
    """Record that the figure *key* (after normalisation) is stated at *written*.

    Returns False, with an issue naming both places, when the claim stated it before:
    keys that differ as written but name one figure (YAML ``1`` and ``"1"``, ``CO2`` and
    ``carbon dioxide``, a source in ``lines`` and in ``by_source``) would otherwise keep
    one value and drop the other without a word.
    """
    if key not in seen:
        seen[key] = written
        return True
    issues.append(
        Issue(
            code,
            f"{what} is stated twice, as {seen[key]} and as {written}: they name one figure, "
            "and one of the two values would be dropped",
            file=file,
            field=where,
            value=f"{seen[key]}, {written}",
            allowed="each figure once (keys are compared after normalisation)",
        )
    )
    return False


def totals_of(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping a claim's totals are read from (``totals``, else the top level)."""
    totals = data.get("totals", data)
    return totals if isinstance(totals, dict) else {}


def _read_claim(claimed: str | Path | Mapping[str, Any]) -> _Claim:
    """Read a claim strictly: every problem at once, as an :class:`InvalidInputError`.

    The document's form first (GWP set, period, the form of its sections); then each
    section by its own reader: the gross total, the figures reported apart, categories,
    a result@1 claim's lines, sources; then the breakdowns.
    """
    data, name = _claim_document(claimed)
    issues: list[Issue] = []
    gwp_set, period = _read_gwp_set_and_period(data, issues, name)
    lines = _check_section_forms(data, issues, name)
    if issues:
        raise InvalidInputError(issues, source=name)
    totals = data.get("totals", data)
    if not isinstance(totals, dict):
        raise InvalidInputError(
            [Issue("claim_not_mapping", "totals must be a mapping", file=name, field="totals")],
            source=name,
        )
    _check_claim_keys(data, totals, issues, name)
    total = _read_total(totals, issues, name)
    separate = _read_separate_figures(totals, issues, name)
    by_cat = _read_categories(totals, issues, name)
    claim_lines, by_sg, line_sources = _read_lines(data, lines, issues, name)
    by_sg.update(_read_sources(data.get("by_source") or {}, line_sources, issues, name))
    if total is None and not by_cat and not by_sg:
        issues.append(
            Issue(
                "claim_empty",
                "the claim states no total, category or source figures",
                file=name,
                allowed="totals.gross_co2e_t, by_category, by_source or result@1 lines",
            )
        )
    if issues:
        raise InvalidInputError(issues, source=name)
    breakdowns = _read_breakdowns(totals, issues, name)
    if issues:
        raise InvalidInputError(issues, source=name)
    org = data.get("organization")
    org_id = org.get("id") if isinstance(org, dict) else None
    return _Claim(
        str(gwp_set),
        period,
        total,
        by_cat,
        by_sg,
        name,
        separate,
        breakdowns,
        claim_lines,
        None if org_id is None else str(org_id),
        data.get("evidence_log"),
    )


def _claim_document(claimed: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The claim as a mapping, and the name its issues carry (its path, or ``<claimed>``)."""
    from .._io.structured import read_structured

    if isinstance(claimed, Mapping):
        data: Any = dict(claimed)
        name = "<claimed>"
    else:
        from .._io.files import program_path

        path = program_path(claimed, field="claimed", where="verify()")
        data, _ = read_structured(path, what="claim")
        name = str(claimed)
    if not isinstance(data, dict):
        raise InvalidInputError(
            [Issue("claim_not_mapping", "a claim is a mapping", file=name)], source=name
        )
    return data, name


def _read_gwp_set_and_period(
    data: dict[str, Any], issues: list[Issue], name: str
) -> tuple[Any, tuple[str, str] | None]:
    """The GWP set the claim states (required) and its period (start, end), if it states one."""
    gwp_set = data.get("gwp_set")
    if not isinstance(gwp_set, str):
        issues.append(
            Issue(
                "missing",
                "the claim must state its GWP set",
                file=name,
                field="gwp_set",
                allowed="SAR, AR4, AR5 or AR6",
            )
        )
    period = data.get("period")
    per = None
    if isinstance(period, dict) and "start" in period and "end" in period:
        per = (str(period["start"]), str(period["end"]))
    elif period is not None:
        issues.append(
            Issue(
                "claim_period_form",
                "a claimed period is a mapping with start and end",
                file=name,
                field="period",
                value=repr(period),
                allowed="{start: YYYY-MM-DD, end: YYYY-MM-DD} (end exclusive), or no period",
            )
        )
    return gwp_set, per


def _check_section_forms(data: dict[str, Any], issues: list[Issue], name: str) -> Any:
    """Sources and categories are mappings; lines a list of mappings of a result@1 document.

    Returns the lines to read (``None`` when the claim has none or they are refused).
    """
    for where in ("by_source", "totals.by_category"):
        node = data.get("by_source") if where == "by_source" else totals_of(data).get("by_category")
        if node is not None and not isinstance(node, dict):
            issues.append(
                Issue(
                    "claim_not_mapping",
                    f"{where} must be a mapping",
                    file=name,
                    field=where,
                    value=type(node).__name__,
                    allowed="a mapping of id to t CO2e",
                )
            )
    lines = data.get("lines")
    if lines is not None and (
        data.get("schema") != "nqi-carbon/result@1"
        or not isinstance(lines, list)
        or not all(isinstance(ln, dict) for ln in lines)
    ):
        issues.append(
            Issue(
                "claim_lines_form",
                "lines are read only from a nqi-carbon/result@1 document, as a list of mappings",
                file=name,
                field="lines",
                allowed="schema: nqi-carbon/result@1 with lines: [{source, gas, co2e_t, ...}]",
            )
        )
        lines = None
    return lines


def _read_total(totals: dict[str, Any], issues: list[Issue], name: str) -> float | None:
    """``totals.gross_co2e_t``: a finite number >= 0, or ``None`` when not stated."""
    if "gross_co2e_t" not in totals:
        return None
    total = _number(totals["gross_co2e_t"], "totals.gross_co2e_t", issues, name)
    if total is not None and total < 0:
        issues.append(
            Issue(
                "claim_total_not_negative",
                "a gross total cannot be negative (removals are stated apart)",
                file=name,
                field="totals.gross_co2e_t",
                value=repr(total),
                allowed=">= 0",
            )
        )
    return total


def _read_separate_figures(
    totals: dict[str, Any], issues: list[Issue], name: str
) -> dict[str, float]:
    """The figures reported apart from the gross total that the claim states (see SEPARATE_FIGURES)."""
    separate: dict[str, float] = {}
    for fig in SEPARATE_FIGURES:
        if fig in totals:
            n = _number(totals[fig], f"totals.{fig}", issues, name)
            if n is not None:
                separate[fig] = n
    return separate


def _read_categories(totals: dict[str, Any], issues: list[Issue], name: str) -> dict[str, float]:
    """``by_category``: ISO categories ``"1"`` to ``"6"``, each stated once, to t CO2e."""
    by_cat: dict[str, float] = {}
    seen_cat: dict[str, str] = {}
    for k, v in (totals.get("by_category") or {}).items():
        if str(k) not in _CATEGORIES:
            issues.append(
                Issue(
                    "claim_category_known",
                    "not an ISO 14064-1 category",
                    file=name,
                    field=f"by_category.{k}",
                    value=repr(k),
                    allowed="1, 2, 3, 4, 5, 6",
                )
            )
            continue
        if not _stated_once(
            seen_cat, str(k), f"key {k!r}", f"category {k}", "totals.by_category", issues, name
        ):
            continue
        n = _number(v, f"by_category.{k}", issues, name)
        if n is not None:
            by_cat[str(k)] = n
    return by_cat


def _read_lines(
    data: dict[str, Any], lines: Any, issues: list[Issue], name: str
) -> tuple[list[_LineRow] | None, dict[tuple[str, str], float], dict[str, str]]:
    """A result@1 claim's lines: the lines normalised, their sources' figures, where each is.

    The location-based fossil lines sum to figures per (source, gas), as ``by_source``
    states them; the third mapping names the first line that states each source. A claim
    that is not a result@1 document has no lines (``None``).
    """
    by_sg: dict[tuple[str, str], float] = {}
    line_sources: dict[str, str] = {}  # source -> the first line that states it
    if data.get("schema") != "nqi-carbon/result@1":
        return None, by_sg, line_sources
    claim_lines: list[_LineRow] = []
    for i, ln in enumerate(lines or []):
        row = _claim_line(ln, i, issues, name)
        if row is None:
            continue
        claim_lines.append(row)
        line_sources.setdefault(row[0], f"lines[{i}]")
        sid, gas, basis, biogenic, n = row
        if basis != "market" and not biogenic:
            by_sg[(sid, gas)] = by_sg.get((sid, gas), 0.0) + n
    return claim_lines, by_sg, line_sources


def _read_sources(
    by_source: dict[Any, Any], line_sources: dict[str, str], issues: list[Issue], name: str
) -> dict[tuple[str, str], float]:
    """``by_source``: source -> t CO2e (key ``(source, "*")``) or source -> {gas: t CO2e}.

    A source is stated once, in ``by_source`` or in the lines (*line_sources*); a gas once
    per source after normalisation.
    """
    by_sg: dict[tuple[str, str], float] = {}
    seen_src: dict[str, str] = dict(line_sources)
    for sid, v in by_source.items():
        if not _stated_once(
            seen_src,
            str(sid),
            f"by_source key {sid!r}",
            f"source {str(sid)!r}",
            "by_source",
            issues,
            name,
        ):
            continue
        if isinstance(v, dict):
            seen_gas: dict[str, str] = {}
            for gas, x in v.items():
                canonical = _claim_gas(gas, f"by_source.{sid}.{gas}", issues, name)
                n = _number(x, f"by_source.{sid}.{gas}", issues, name)
                if canonical is None or not _stated_once(
                    seen_gas,
                    canonical,
                    f"key {gas!r}",
                    f"{canonical} of source {str(sid)!r}",
                    f"by_source.{sid}",
                    issues,
                    name,
                    code="claim_gas_duplicate",
                ):
                    continue
                if n is not None:
                    by_sg[(str(sid), canonical)] = n
        else:
            n = _number(v, f"by_source.{sid}", issues, name)
            if n is not None:
                by_sg[(str(sid), "*")] = n
    return by_sg


def _read_breakdowns(
    totals: dict[str, Any], issues: list[Issue], name: str
) -> dict[str, dict[str, float]]:
    """The breakdowns the claim states (see BREAKDOWNS), each row once.

    Gas masses are per species: ``CO2`` and ``carbon dioxide`` are one row.
    """
    breakdowns: dict[str, dict[str, float]] = {}
    for b in BREAKDOWNS:
        node = totals.get(b)
        if node is None:
            continue
        if not isinstance(node, dict):
            issues.append(
                Issue("claim_not_mapping", f"{b} must be a mapping", file=name, field=f"totals.{b}")
            )
            continue
        seen_row: dict[str, str] = {}
        for k, v in node.items():
            # gas masses are per species: CO2 and carbon dioxide are one row
            key = _claim_gas(k, f"totals.{b}.{k}", issues, name) if b == "by_gas_mass_t" else str(k)
            if key is None or not _stated_once(
                seen_row, key, f"key {k!r}", f"{b} row {key!r}", f"totals.{b}", issues, name
            ):
                continue
            n = _number(v, f"totals.{b}.{k}", issues, name)
            if n is not None:
                breakdowns.setdefault(b, {})[key] = n
    return breakdowns


def _claim_line(ln: dict[str, Any], i: int, issues: list[Issue], name: str) -> _LineRow | None:
    """One line of a result@1 claim, normalised; None (with issues) when it cannot be read.

    A line's ``basis`` and ``biogenic`` decide which figure it belongs to (location-based
    gross, market-based, biogenic CO2): a value outside their forms would put the line's
    tonnes in no figure at all, so it is refused rather than read as one of them.
    """
    where = f"lines[{i}]"
    sid, basis, biogenic = ln.get("source"), ln.get("basis", "both"), ln.get("biogenic", False)
    checks = (
        ("source", sid, isinstance(sid, str) and bool(sid), "no source named", "a source id"),
        ("basis", basis, basis in _BASES, "unknown basis", ", ".join(_BASES)),
        ("biogenic", biogenic, isinstance(biogenic, bool), "not true or false", "true, false"),
    )
    ok = True
    for key, value, good, message, allowed in checks:
        if not good:
            ok = False
            issues.append(
                Issue(
                    "claim_lines_form",
                    message,
                    file=name,
                    field=f"{where}.{key}",
                    value=repr(value),
                    allowed=allowed,
                )
            )
    gas = _claim_gas(ln.get("gas"), f"{where}.gas", issues, name)
    n = _number(ln.get("co2e_t"), f"{where}.co2e_t", issues, name)
    if not ok or gas is None or n is None:
        return None
    return (str(sid), gas, str(basis), bool(biogenic), n)


_CATEGORIES = frozenset("123456")


_CLAIM_KEYS = frozenset(
    {"schema", "note", "organization", "period", "gwp_set", "totals", "by_source"}
    # the rest of a result@1 document
    | {"uncertainty", "lines", "provenance", "findings"}
    # an inventory report's JSON is result@1 plus its "report" object (not read)
    | {"report"}
    # the verifier's evidence log (verification.log)
    | {"evidence_log"}
)


SEPARATE_FIGURES: dict[str, str] = {
    "gross_co2e_t_market_based": "gross, market-based",
    "biogenic_co2_t": "biogenic CO2",
    "removals_co2e_t": "removals",
}
"""Figures reported apart from the gross total (result@1 names) that a claim may state;
each is compared and judged against materiality of its own size."""


# every figure a claim's totals may state: a new figure cannot escape the unknown-key check
_TOTALS_KEYS = frozenset({"gross_co2e_t", "by_category", *SEPARATE_FIGURES, *BREAKDOWNS})


def _check_claim_keys(
    data: dict[str, Any], totals: dict[str, Any], issues: list[Issue], name: str
) -> None:
    """Unknown keys are refused: a figure under a misspelt key would go unchecked."""
    top = _CLAIM_KEYS if totals is not data else _CLAIM_KEYS | _TOTALS_KEYS
    for k in data:
        if k not in top:
            issues.append(
                Issue(
                    "claim_key_known",
                    "unknown key: its figures would not be checked",
                    file=name,
                    field=str(k),
                    allowed=", ".join(sorted(top)),
                )
            )
    if totals is not data:
        for k in totals:
            if k not in _TOTALS_KEYS:
                issues.append(
                    Issue(
                        "claim_key_known",
                        "unknown key: its figures would not be checked",
                        file=name,
                        field=f"totals.{k}",
                        allowed=", ".join(sorted(_TOTALS_KEYS)),
                    )
                )


def _claim_gas(gas: Any, where: str, issues: list[Issue], name: str) -> str | None:
    from ..data.gases import normalise_gas
    from ..errors import UnknownSpeciesError

    if gas == "CO2e":
        return "CO2e"
    try:
        return normalise_gas(gas)
    except UnknownSpeciesError as exc:
        issues.append(
            Issue(
                "claim_gas_known",
                str(exc),
                file=name,
                field=where,
                value=repr(gas),
                allowed="a species (CO2, CH4, N2O, HFC-134a, ...) or CO2e",
            )
        )
        return None
