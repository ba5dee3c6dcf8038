"""The report's tables as DataFrames, one builder per table (:func:`build_tables`).

The same tables are shown in HTML and Markdown, written as Excel sheets and returned by
:meth:`~nqi_carbon.report.inventory.InventoryReport.tables`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .._escape import table_frame, table_texts
from ..calc.quality import gross_by_source
from ..inventory.completeness import exclusion_subject
from ..pages.labels import CATEGORY_NAMES, SCOPE3_CATEGORY_NAMES, SCOPE_NAMES

if TYPE_CHECKING:
    import pandas as pd

    from ..calc.result import Result
    from .inventory import InventoryReport

__all__ = ["build_tables"]

# columns of the tables that may have no rows (a table without rows keeps its headers)
_SOURCE_COLUMNS = (
    "source",
    "facility",
    "category",
    "scope",
    "scope3_category",
    "method",
    "factor",
    "activity",
    "activity_unit",
    "description",
    "co2e_t",
)


_FACTOR_COLUMNS = ("factor", "gas", "value", "unit", "pack_version", "citation")


_ENTERED_COLUMNS = (
    "source",
    "amount",
    "unit",
    "conversions",
    "to_activity_unit",
    "activity",
    "activity_unit",
)


_GWP_COLUMNS = ("gas", "origin", "gwp", "mass_t", "co2e_t", "source")


_INSTRUMENT_COLUMNS = (
    "instrument",
    "kind",
    "expanded_uncertainty",
    "coverage_factor",
    "accuracy_class",
    "certificate",
    "calibrated_on",
    "calibration_due",
    "calibration_status",
    "traceability",
    "used_by",
)


_LAB_COLUMNS = (
    "source",
    "parameter",
    "value",
    "unit",
    "lab",
    "accreditation",
    "report_date",
    "evidence",
)


_EVIDENCE_COLUMNS = ("source", "record", "amount", "unit", "instrument", "evidence", "note")


_EXCLUSION_COLUMNS = [
    "category",
    "subcategory",
    "source",
    "reason",
    "estimated_co2e_t",
    "significance_test",
]


_COMPLETENESS_COLUMNS = [
    "category",
    "name",
    "status",
    "sources",
    "excluded_est_co2e_t",
    "significance_test",
    "finding",
]


_FINDING_COLUMNS = ["code", "severity", "subject", "message"]


_FUEL_PARAMETERS = ("ncv", "carbon_content", "carbon_fraction", "oxidation")


def build_tables(report: InventoryReport) -> dict[str, pd.DataFrame]:
    """Every table of *report*, by title, in the order the report shows them."""
    from ..calc.quality import data_quality

    res = report.result
    dq_src, dq_cat = data_quality(res)
    return {
        "By category": _category_table(report),
        "Uncertainty contributors": _contributors_table(res),
        "Direct emissions by gas": _frame(
            [{"gas": g, "mass_t": m, "co2e_t": v} for g, m, v in report.direct_by_gas()]
        ),
        "By scope": _scope_table(report._totals()),
        **_market_table(report),
        "By Scope 3 category": _scope3_table(res, report._totals()),
        "By facility": _facility_table(res, report._totals()),
        "Sources": _source_table(report),
        "Activity as entered": _frame(_entered_rows(res), columns=list(_ENTERED_COLUMNS)),
        "Instruments": _frame(report.instruments_used(), columns=list(_INSTRUMENT_COLUMNS)),
        "Lab analyses": _frame(report.lab_analyses(), columns=list(_LAB_COLUMNS)),
        "Evidence": _frame(report.evidence_records(), columns=list(_EVIDENCE_COLUMNS)),
        "Lines": _lines_table(res, report._lines()),
        "Factors": _frame(factor_table_rows(res), columns=list(_FACTOR_COLUMNS)),
        "Factor notes": _frame(factor_note_rows(res), columns=["factor", "validity", "notes"]),
        "GWP": _frame(report.gwp_used(), columns=list(_GWP_COLUMNS)),
        "Completeness": _completeness_table(report),
        "Exclusions": _frame(
            [
                {**t.exclusion.model_dump(), "significance_test": t.result.replace("_", " ")}
                for t in report.completeness().exclusions
            ],
            columns=_EXCLUSION_COLUMNS,
        ),
        **_screening_table(res),
        **_financed_table(res),
        "Data quality by category": dq_cat,
        "Data quality by source": dq_src,
        "Checklist": _frame([asdict(i) for i in report.checklist()]),
        "Findings": _frame([f.to_dict() for f in res.findings], columns=_FINDING_COLUMNS),
    }


def _screening_table(res: Result) -> dict[str, pd.DataFrame]:
    """The GHG Protocol Scope 3 screening, for an inventory with Scope 3 content only."""
    from ..calc.scope3 import SCREENING_COLUMNS, screening_rows

    rows = screening_rows(res)
    return {"Scope 3 screening": _frame(rows, columns=list(SCREENING_COLUMNS))} if rows else {}


def _market_table(report: InventoryReport) -> dict[str, pd.DataFrame]:
    """Market-based Scope 2 line by line, for an inventory with market-based data only."""
    from ..calc.trace import MARKET_COLUMNS

    rows = report.market_based_scope2()
    return {"Market-based Scope 2": _frame(rows, columns=list(MARKET_COLUMNS))} if rows else {}


def _financed_table(res: Result) -> dict[str, pd.DataFrame]:
    """The PCAF positions (Scope 3 category 15), for an inventory that has any."""
    from ..calc.scope3 import FINANCED_COLUMNS, financed_rows

    rows = financed_rows(res)
    return {"Financed emissions": _frame(rows, columns=list(FINANCED_COLUMNS))} if rows else {}


def _frame(rows: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """A report table from *rows* (mappings or sequences), its text cells storable as Arrow text."""
    return table_frame(list(rows), columns)


def _category_table(report: InventoryReport) -> pd.DataFrame:
    """Per ISO category: t CO2e, status, estimated exclusions, 95 % interval."""
    t = report._totals()
    unc = report.result.group_uncertainty
    rows = []
    for c, (status, est) in report.category_status().items():
        # a category without sources has no measured zero and no uncertainty to show
        u = unc.get(f"category:{c}") if status.startswith("reported") else None
        rows.append(
            {
                "category": c,
                "name": CATEGORY_NAMES[c][0],
                "name_zh": CATEGORY_NAMES[c][1],
                "co2e_t": t["by_category"][str(c)],
                "status": status,
                "excluded_est_co2e_t": est,
                "ci95_low_t": None if u is None else u.low,
                "ci95_high_t": None if u is None else u.high,
                "relative_95": None if u is None else u.relative_95,
            }
        )
    return _frame(rows)


def _completeness_table(report: InventoryReport) -> pd.DataFrame:
    """Per ISO category: reported, excluded or not addressed; its exclusions' tests; findings."""
    c = report.completeness()
    rows = []
    for k in c.categories:
        mine = [t for t in c.exclusions if t.exclusion.category == k.category]
        tests = sorted({t.result.replace("_", " ") for t in mine})
        subjects = {f"category {k.category}", *(exclusion_subject(t) for t in mine)}
        found = [x.code for x in c.checks if x.subject in subjects]
        rows.append(
            {
                "category": k.category,
                "name": CATEGORY_NAMES[k.category][0],
                "status": k.state,
                "sources": k.sources,
                "excluded_est_co2e_t": k.excluded_est_t,
                "significance_test": ", ".join(tests) or None,
                "finding": ", ".join(dict.fromkeys(found)) or None,
            }
        )
    return _frame(rows, columns=_COMPLETENESS_COLUMNS)


def _scope_table(totals: dict[str, Any]) -> pd.DataFrame:
    """Per scope (the keys of ``totals.by_scope``), named: t CO2e."""
    return _frame(
        [
            {
                "scope": _scope(k),
                "name": SCOPE_NAMES[k][0],
                "name_zh": SCOPE_NAMES[k][1],
                "co2e_t": v,
            }
            for k, v in totals["by_scope"].items()
        ]
    )


def _scope3_table(res: Result, totals: dict[str, Any]) -> pd.DataFrame:
    """Per GHG Protocol Scope 3 category (1-15, then unassigned): t CO2e, 95 % interval.

    A category without lines has no interval to show (as an ISO category without sources).
    """
    by = totals["by_scope3_category"]
    rows = []
    for k, v in by.items():
        u = res.group_uncertainty.get(f"scope3:{k}")
        shown = u is not None and bool(res.group_masks[f"scope3:{k}"].any())
        rows.append(
            {
                "scope3_category": _scope(k),
                "name": SCOPE3_CATEGORY_NAMES[k][0],
                "name_zh": SCOPE3_CATEGORY_NAMES[k][1],
                "co2e_t": v,
                "ci95_low_t": u.low if shown and u is not None else None,
                "ci95_high_t": u.high if shown and u is not None else None,
                "relative_95": u.relative_95 if shown and u is not None else None,
            }
        )
    return _frame(rows)


def _contributors_table(res: Result) -> pd.DataFrame:
    """The inputs' shares in the variance of the gross total (no rows without uncertainty)."""
    import pandas as pd

    return pd.DataFrame(
        res.contributions if res.group_uncertainty else [],
        columns=["input", "label", "variance_share"],
    )


def _facility_table(res: Result, t: dict[str, Any]) -> pd.DataFrame:
    """Per facility: name, region, consolidation share and t CO2e (*t*: the result's totals)."""
    shares = _plan_shares(res)
    return _frame(
        [
            {
                "facility": f.id,
                "name": f.name,
                "region": f.region,
                "share": _share(res, f.id, shares),
                "co2e_t": t["by_facility"][f.id],
            }
            for f in res.inventory.facilities
        ]
    )


def _source_table(report: InventoryReport) -> pd.DataFrame:
    """The sources table; the Scope 3 category stays a whole number beside empty cells."""
    import pandas as pd

    rows = _source_rows(report)
    df = _frame(rows, columns=list(_SOURCE_COLUMNS))
    df["scope3_category"] = pd.Series([r["scope3_category"] for r in rows], index=df.index, dtype=object)
    return df


def _source_rows(report: InventoryReport) -> list[dict[str, Any]]:
    """Per source: where it is, its method and factor, its activity and gross t CO2e."""
    res = report.result
    activity = report.activity_totals()
    gross = gross_by_source(res)
    rows = []
    for p in res.plans:
        rows.append(
            {
                "source": p.source.id,
                "facility": p.facility,
                "category": p.category,
                "scope": _scope(p.scope),
                # a Scope 3 source's GHG Protocol category: the by-category table re-performed
                "scope3_category": p.scope3_category,
                "method": p.method,
                # a release's "factor" is the gas (a blend's fractions are in "Factors")
                "factor": (p.source.gas or p.factor_ref) if p.method == "release" else p.factor_ref,
                "activity": activity.get(p.source.id),
                "activity_unit": p.base_unit,
                "description": p.source.description,
                "co2e_t": gross[p.index],
            }
        )
    return rows


def _entered_rows(res: Result) -> list[dict[str, Any]]:
    """Per source and unit: the amount as entered, its conversions and its activity."""
    from ..calc.trace import entered_amounts

    entered = entered_amounts(res)
    rows = []
    for p in res.plans:
        chains = p.unit_chains
        for e in entered.get(p.index, []):
            chain = chains.get(e["unit"])
            k = e["to_activity_unit"]
            rows.append(
                {
                    "source": p.source.id,
                    "amount": e["amount"],
                    "unit": e["unit"],
                    "conversions": " ".join(s.label() for s in chain.steps) if chain else "",
                    "to_activity_unit": k,
                    "activity": None if k is None else e["amount"] * k,
                    "activity_unit": p.base_unit,
                }
            )
    return rows


def factor_table_rows(res: Result) -> list[dict[str, Any]]:
    """The rows of the "Factors" table: every factor, fuel parameter and conversion used."""
    return [*_factor_rows(res), *_fuel_parameter_rows(res), *_chain_rows(res), *_blend_rows(res)]


def factor_note_rows(res: Result) -> list[dict[str, Any]]:
    """What each pack says about a factor used: its caveats, the years it holds, its year rule.

    A pack records why a value holds (confirmed how, superseded by which notice, which
    factor for which year); a verifier must see that beside the number, not only in the
    pack file. One row per factor used that has notes, a validity or a data year.
    """
    rows = []
    for ref in sorted(res.factors_used):
        e = res.factors_used[ref].entry
        valid = e.valid
        if valid is not None:
            validity = f"{valid.from_}-{valid.to}" if valid.to is not None else f"{valid.from_} onward"
        elif e.data_year is not None:
            validity = f"data year {e.data_year}"
        else:
            validity = ""
        if e.notes or validity:
            rows.append({"factor": ref, "validity": validity, "notes": e.notes or ""})
    return rows


def _blends_used(res: Result) -> list[Any]:
    """The refrigerant blends released by the inventory's sources, once each, by id."""
    from ..data.gases import _catalogue, normalise_gas

    cat = _catalogue()
    used = {}
    for p in res.plans:
        gas = p.source.gas if p.method == "release" else None
        blend = cat.blends.get(normalise_gas(gas)) if gas else None
        if blend is not None:
            used[blend.id] = blend
    return [used[k] for k in sorted(used)]


def _blend_rows(res: Result) -> list[dict[str, Any]]:
    """The mass fraction of each gas of each blend released (what splits a release by gas)."""
    from ..data.factors import citation_line
    from ..data.gases import _catalogue

    cat = _catalogue()
    return [
        {
            "factor": b.id,
            "gas": gas,
            "value": fraction,
            "unit": "1",
            "pack_version": cat.pack.version,
            "citation": citation_line(cat.pack.citation(b.reference)),
        }
        for b in _blends_used(res)
        for gas, fraction in b.components
    ]


def _chain_rows(res: Result) -> list[dict[str, Any]]:
    """Every density, calorific value and NCV/GCV ratio a chain used, once each, cited."""
    seen: dict[tuple[str, str, float, str], dict[str, Any]] = {}
    for p in res.plans:
        for u in sorted(p.unit_chains):
            for s in p.unit_chains[u].steps:
                seen.setdefault(
                    (s.ref, s.kind, s.value, s.unit),
                    {
                        "factor": s.ref,
                        "gas": s.kind,
                        "value": s.value,
                        "unit": s.unit,
                        "pack_version": s.pack_version,
                        "citation": s.citation,
                    },
                )
    return [seen[k] for k in sorted(seen)]


def parameters_missing(res: Result) -> list[str]:
    """The parameters used that the "Factors" table does not list with a reference.

    Walks the plans on their own (factors per gas, carbon parameters, chain steps) and
    compares with :func:`factor_table_rows`: a parameter missing from the table, or
    listed only as "stated in the inventory" without evidence, is named.
    """
    from ..calc.chain import UNCITED

    rows = {(r["factor"], r["gas"]): r["citation"] for r in factor_table_rows(res)}
    used: list[tuple[str, str]] = []
    for p in res.plans:
        for u in sorted(p.unit_chains):
            used += [(s.ref, s.kind) for s in p.unit_chains[u].steps]
    used += [(b.id, gas) for b in _blends_used(res) for gas, _ in b.components]
    t = res.table.template
    for ref, gas in zip(t.ref, t.gas, strict=True):
        if ref in res.factors_used:
            used.append((ref, gas))
    missing = []
    for key in dict.fromkeys(used):
        cite = rows.get(key)
        if cite is None or not str(cite).strip() or cite == UNCITED:
            missing.append(f"{key[1]} of {key[0]}")
    missing += [f"{r['gas']} of {r['factor']}" for r in _fuel_parameter_rows(res) if r["citation"] == UNCITED]
    return missing


def _factor_rows(res: Result) -> list[dict[str, Any]]:
    """Each factor used, per gas, with its pack version and citation."""
    rows = []
    for ref in sorted(res.factors_used):
        f = res.factors_used[ref]
        for gas in f.gases:
            gv = (f.entry.gases or {}).get(gas)
            value = gv.value if gv else (f.entry.co2e.value if f.entry.co2e else None)
            unit = gv.unit if gv else (f.entry.co2e.unit if f.entry.co2e else None)
            rows.append(
                {
                    "factor": ref,
                    "gas": gas,
                    "value": value,
                    "unit": unit,
                    "pack_version": f.pack_version,
                    "citation": f.citation_text(gas),
                }
            )
    return rows


def _fuel_parameter_rows(res: Result) -> list[dict[str, Any]]:
    """The fuel parameters of carbon-content sources: as stated, else the pack's, cited."""
    from ..calc.chain import UNCITED

    rows = []
    for p in res.plans:
        if p.method != "carbon_content":
            continue
        carbon = p.source.carbon
        fuel = None
        if carbon is not None and carbon.fuel:
            from ..data.factors import registry_for

            fuel = registry_for(res.inventory).resolve_fuel(carbon.fuel)
        for name in _FUEL_PARAMETERS:
            stated = getattr(carbon, name, None) if carbon is not None else None
            if stated is not None:
                rows.append(
                    {
                        "factor": f"{p.source.id} (stated)",
                        "gas": name,
                        "value": stated.value,
                        "unit": stated.unit,
                        "pack_version": "",
                        "citation": stated.evidence or stated.lab or UNCITED,
                    }
                )
            elif fuel is not None and name != "carbon_fraction" and fuel.parameter(name) is not None:
                fp = fuel.parameter(name)
                assert fp is not None
                rows.append(
                    {
                        "factor": fuel.ref,
                        "gas": name,
                        "value": fp.value,
                        "unit": fp.unit,
                        "pack_version": fuel.pack_version,
                        "citation": fuel.citation_text(name),
                    }
                )
    unique = {(r["factor"], r["gas"], r["value"], r["unit"]): r for r in rows}  # a fuel of two sources once
    return list(unique.values())


def _lines_table(res: Result, lines: pd.DataFrame) -> pd.DataFrame:
    """The result's lines with their chain's factor and GWP, cited; scopes as numbers.

    *lines* is ``res.lines`` (not changed).

    Each line's ``activity`` x ``factor_value`` (in t per activity unit) x ``share`` x
    ``gwp`` is its ``co2e_t``; the amounts as entered and their conversions are in
    "Activity as entered", every parameter with its reference in "Factors".
    """
    import pandas as pd

    from ..calc.trace import line_factors

    lines = lines.copy()
    lines["scope"] = pd.Series([_scope(s) for s in lines["scope"]], index=lines.index, dtype=object)
    columns: tuple[list[Any], ...] = line_factors(res)
    for col, values in zip(("factor_value", "factor_unit", "factor_citation", "gwp_citation"), columns, strict=True):
        lines[col] = pd.Series(table_texts(values), index=lines.index, dtype=object)
    return lines


def _share(res: Result, facility_id: str, shares: dict[str, float] | None = None) -> float:
    """The consolidation share of a facility (from its sources' plans, else the inventory).

    *shares*: each facility's share from its first source's plan, when already gathered.
    """
    if shares is None:
        shares = _plan_shares(res)
    if facility_id in shares:
        return shares[facility_id]
    from ..calc.plan import consolidation_share

    return consolidation_share(res.inventory, facility_id)


def _plan_shares(res: Result) -> dict[str, float]:
    """Each facility's consolidation share as its first source's plan has it."""
    shares: dict[str, float] = {}
    for p in res.plans:
        shares.setdefault(p.facility, p.share)
    return shares


def _scope(s: Any) -> Any:
    """Scope as a number (1, 2, 3); labels such as ``"2_location"`` stay text."""
    return int(s) if isinstance(s, str) and s.isdigit() else s
