"""The notebook displays (``_repr_html_``) of an inventory and a result, and their shared parts.

A notebook shows an object by its ``_repr_html_``: here is what an
:class:`~nqi_carbon.Inventory` and a :class:`~nqi_carbon.Result` show — the boundary, the
sources by ISO category and the open findings of an inventory; the headline totals with
their 95 % intervals, the chart by category and gas and the top uncertainty contributors
of a result. The inventory report and the verification build their displays from the
same parts (:func:`headline`, :func:`findings_rows`) in their own packages.

Each display is a template fragment (``pages/templates/*_display.html``) rendered through
the pages' one environment, so every value from an input is escaped by
:func:`~nqi_carbon._escape.html_text`; the charts are the SVG of :mod:`.charts`, so a
display needs no script, no image file and no extra package. The inventory and the result
reach this module from below the rendering layer only through their ``_repr_html_``'s
function-level import (declared in ``pyproject.toml``'s import contract).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .charts import _GAS_COLOURS, svg_by_category, svg_hbars
from .format import _plural, tonnes
from .labels import CATEGORY_NAMES

if TYPE_CHECKING:
    from ..calc.result import Result
    from ..inventory.models import Inventory

__all__ = ["by_category_and_gas", "findings_rows", "headline", "interval_note", "inventory_html", "result_html"]

TOP_CONTRIBUTORS = 5
"""Uncertainty contributors a result's display draws."""

TOP_FINDINGS = 8
"""Open findings a display lists (the rest are counted)."""

FACILITY_NAMES = 5
"""Facilities an inventory's display names (the rest are counted)."""

_HEADLINE = (
    ("Gross, location-based", "gross_co2e_t", "t CO2e", "total"),
    ("Gross, market-based", "gross_co2e_t_market_based", "t CO2e", "total_market"),
    ("Biogenic CO2 (reported apart)", "biogenic_co2_t", "t CO2", None),
    ("Removals (reported apart)", "removals_co2e_t", "t CO2e", None),
)
"""The headline rows: label, key of ``Result.totals()``, unit, uncertainty group."""


def by_category_and_gas(result: Result) -> dict[int, dict[str, float]]:
    """Gross (location-based, fossil) t CO2e per ISO category (1-6) and gas group.

    The data of the chart by category and gas (:func:`~.charts.svg_by_category`) and of
    ``res.plot.by_gas()``; every group of the charts' palette is a key (0 when absent).
    """
    t = result.table.template
    loc = (t.basis != 2) & ~t.biogenic
    return {
        c: {g: result._sum(loc & (t.category == c) & (t.group == g)) for g in _GAS_COLOURS}
        for c in range(1, 7)
    }


def _interval(result: Result, group: str | None) -> str:
    """The 95 % interval of an uncertainty group as text, ``—`` when none was computed."""
    u = result.group_uncertainty.get(group) if group else None
    if u is None:
        return "—"
    return f"{u.low:,.1f} to {u.high:,.1f} (±{100 * u.relative_95:.1f} %)"


def headline(result: Result) -> list[tuple[str, str, str]]:
    """The headline totals as (label, value with unit, 95 % interval or ``—``)."""
    t = result.totals()
    return [
        (label, tonnes(t[key], unit), _interval(result, group))
        for label, key, unit, group in _HEADLINE
    ]


def interval_note(result: Result) -> str:
    """How the intervals were computed, or how to get them."""
    method = result.uncertainty_method
    if method is None:
        return "No intervals: calculate with uncertainty='analytical' or 'monte_carlo'."
    how = "IPCC Approach 1, analytical" if method == "analytical" else "Monte Carlo"
    extra = ""
    if method == "monte_carlo" and result.iterations is not None:
        extra = f", {result.iterations:,} iterations, seed {result.seed}"
    share = result.unquantified_share or 0.0
    caveat = (
        f" {100 * share:.3g} % of the total comes from inputs stated without uncertainty,"
        " treated as exact: the intervals understate the uncertainty."
        if share > 0
        else ""
    )
    return f"95 % intervals in t CO2e ({how}{extra}).{caveat}"


def findings_rows(
    findings: Iterable[Any], limit: int = TOP_FINDINGS
) -> tuple[list[tuple[str, str, str]], str]:
    """The open findings (severity not ``info``) as (severity, code, message), and a count.

    *findings* are records with ``severity``, ``code`` and ``message`` (a result's
    findings, an inventory's checks); at most *limit* are listed, errors first.
    """
    open_ = [f for f in findings if f.severity != "info"]
    open_.sort(key=lambda f: f.severity != "error")  # stable: errors first, order kept
    rows = [(f.severity, f.code, f.message) for f in open_[:limit]]
    more = f" ({len(open_) - limit} more not shown)" if len(open_) > limit else ""
    return rows, _plural(len(open_), "open finding") + more


def _contributors(result: Result) -> str | None:
    """The chart of the largest shares of the total's variance, or None without uncertainty."""
    rows = result.contributions[:TOP_CONTRIBUTORS]
    if not rows:
        return None
    items = [
        (str(r["label"]), 100 * float(r["variance_share"]), f"{100 * float(r['variance_share']):.1f} %")
        for r in rows
    ]
    return svg_hbars(
        items,
        title="Top contributors to the uncertainty of the total",
        axis_label="share of the variance of the total (%)",
    )


def result_html(result: Result) -> str:
    """The notebook display of a result: headline, chart by category and gas, contributors."""
    from .render import markup, render

    inv = result.inventory
    t = result.totals()
    contributors = _contributors(result)
    findings, findings_count = findings_rows(result.findings)
    return render(
        "result_display.html",
        organisation=inv.organization.name,
        period=f"{inv.period.start} to {inv.period.end} (end exclusive)",
        gwp=result.gwp_set,
        headline=headline(result),
        method_note=interval_note(result),
        chart=markup(svg_by_category(by_category_and_gas(result), "Cat.")),
        gases=[(g, tonnes(v)) for g, v in t["by_gas_co2e_t"].items() if v],
        contributors=markup(contributors) if contributors else None,
        findings=findings,
        findings_count=findings_count,
    )


def _inventory_checks(inv: Inventory) -> list[Any]:
    """What the inventory alone shows: categories not addressed, data gaps, base-year checks."""
    from ..inventory.base_year import assess_base_year
    from ..inventory.checks import Check
    from ..inventory.completeness import _coverage, categories_not_addressed
    from ..inventory.models import find_gaps

    checks = categories_not_addressed(_coverage(inv))
    checks += [
        Check(
            "data_gap",
            "warning",
            g.source,
            f"source {g.source}: no activity for {g.label()} ({_plural(g.days, 'day')})",
        )
        for g in find_gaps(inv)
    ]
    if inv.base_year is not None:
        checks += assess_base_year(inv.base_year, inv.gwp)
    return checks


def _facilities(inv: Inventory) -> str:
    """``7 facilities: Kiln line 1, Quarry, …, … (2 more)``."""
    names = [f.name or f.id for f in inv.facilities]
    shown = ", ".join(names[:FACILITY_NAMES])
    more = f", … ({len(names) - FACILITY_NAMES} more)" if len(names) > FACILITY_NAMES else ""
    return f"{_plural(len(names), 'facility', 'facilities')}: {shown}{more}"


def _base_year(inv: Inventory) -> str:
    by = inv.base_year
    if by is None:
        return "not stated"
    total = "total not stated" if by.total_co2e_t is None else tonnes(by.total_co2e_t)
    return f"{by.year}, {total}"


def _also(inv: Inventory) -> list[str]:
    """What the category table does not count: activity files (read when calculated), removals."""
    files, removals = len(inv.activity_files), len(inv.removals)
    out = [_plural(files, "activity file") + " (read when calculated)"] if files else []
    return out + ([_plural(removals, "removal")] if removals else [])


def inventory_html(inv: Inventory) -> str:
    """The notebook display of an inventory: boundary, sources by category, open findings."""
    from .render import render

    org = inv.organization
    categories = [
        (
            c,
            CATEGORY_NAMES[c][0],
            sum(1 for s in inv.sources if s.category == c),
            sum(len(s.records) for s in inv.sources if s.category == c),
            sum(1 for e in inv.exclusions if e.category == c),
        )
        for c in range(1, 7)
    ]
    findings, findings_count = findings_rows(_inventory_checks(inv))
    boundary = [
        ("Consolidation approach", org.consolidation.replace("_", " ")),
        ("Facilities", _facilities(inv)),
        ("Reporting period", f"{inv.period.start} to {inv.period.end} (end exclusive)"),
        ("Base year", _base_year(inv)),
        ("GWP set", inv.gwp),
    ]
    return render(
        "inventory_display.html",
        organisation=org.name,
        organisation_id=org.id,
        boundary=boundary,
        categories=categories,
        totals=(
            len(inv.sources),
            sum(len(s.records) for s in inv.sources),
            len(inv.exclusions),
        ),
        also=_also(inv),
        findings=findings,
        findings_count=findings_count,
    )
