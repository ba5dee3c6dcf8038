"""One call from an annual series to a trajectory report (:func:`build_trajectory`).

The stages: check the series and every parameter (all problems at once) → peak →
forecast → roadmap → progress → decomposition (read with the checks) → report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ..errors import InvalidInputError, Issue
from .forecast import detect_peak, forecast_loglinear
from .lmdi import _read_sectors_csv
from .page import TrajectoryReport
from .read import _as_series, _is_bool, _parse_series
from .roadmap import progress, roadmap

__all__ = ["build_trajectory"]

MAX_YEAR = 2200
"""The latest target year (as for a base year): a roadmap and a forecast hold a row per year."""


def build_trajectory(
    actuals: Mapping[int, float],
    removals: Mapping[int, float] | None = None,
    *,
    target_year: int,
    method: Literal["linear", "constant_rate", "budget"],
    target_reduction: float | None = None,
    target_t: float | None = None,
    budget_t: float | None = None,
    base_year: int | None = None,
    plateau_band: float = 0.02,
    decline_years: int = 3,
    sectors: str | None = None,
    fit_from: int | None = None,
) -> TrajectoryReport:
    """Peak, log-linear forecast, roadmap and progress of an annual series (+ LMDI).

    *actuals* are gross emissions by year [t CO2e] (whole-number years, consecutive,
    values >= 0); *removals* by year, any sign. *sectors* is the path of a CSV for
    :func:`lmdi` (``year, sector, output, energy, emissions [<unit>]``). The series, the
    parameters and the sectors file are all checked before any work; every problem is
    raised at once as :class:`InvalidInputError`.
    """
    items = _as_series(actuals)
    actuals = dict(items)
    removals, issues = _checked_removals(removals)
    base = base_year if base_year is not None else items[0][0]
    fit = {y: v for y, v in actuals.items() if fit_from is None or y >= fit_from}
    issues += _year_issues(actuals, base, target_year)
    issues += _forecast_issues(items, fit, fit_from=fit_from, target_year=target_year)
    issues += _target_issues(
        method, target_reduction=target_reduction, target_t=target_t, budget_t=budget_t
    )
    decomposition = None
    if sectors:
        try:
            decomposition = _read_sectors_csv(sectors)
        except InvalidInputError as exc:
            issues += exc.issues
    if issues:
        raise InvalidInputError(issues)
    if target_reduction is not None:
        target_t = actuals[base] * (1 - target_reduction)
    peak = detect_peak(actuals, plateau_band=plateau_band, decline_years=decline_years)
    forecast = forecast_loglinear(fit, until=target_year)
    targets = roadmap(
        base, actuals[base], target_year, method=method, target_t=target_t, budget_t=budget_t
    )
    prog = progress(targets, {y: v for y, v in actuals.items() if y >= base}, removals)
    params = {
        "target_year": target_year,
        "method": method,
        "base_year": base,
        "target_t": target_t,
        "budget_t": budget_t,
        "plateau_band": plateau_band,
        "decline_years": decline_years,
        "forecast": "log-linear least squares, 95 % prediction band",
        "fit_from": min(fit),
    }
    return TrajectoryReport(actuals, removals, peak, forecast, targets, prog, decomposition, params)


def _checked_removals(
    removals: Mapping[int, float] | None,
) -> tuple[dict[int, float] | None, list[Issue]]:
    """The removals by year (any sign, a missing value leaves its year out) and their problems."""
    if removals is None:
        return None, []
    rem, issues = _parse_series(
        ((k, v, None) for k, v in removals.items()),
        value_field="removals",
        contiguous=False,
        nonnegative=False,
        optional=True,
    )
    return dict(rem), issues


def _year_issues(actuals: Mapping[int, float], base: Any, target_year: Any) -> list[Issue]:
    """The base year is a year of the series; the target year comes after it, by MAX_YEAR."""
    first, last = min(actuals), max(actuals)
    issues: list[Issue] = []
    if _is_bool(base) or not isinstance(base, int) or base not in actuals:
        issues.append(
            Issue(
                "base_year",
                "the base year is not in the series",
                field="base_year",
                value=repr(base),
                allowed=f"a year from {first} to {last}",
            )
        )
    if (
        _is_bool(target_year)
        or not isinstance(target_year, int)
        or (isinstance(base, int) and target_year <= base)
        or target_year > MAX_YEAR
    ):
        issues.append(
            Issue(
                "roadmap_years",
                f"the target year comes after the base year and is at most {MAX_YEAR}",
                field="target_year",
                value=repr(target_year),
                allowed=f"a whole year after {base!r}, at most {MAX_YEAR}",
            )
        )
    return issues


def _forecast_issues(
    items: list[tuple[int, float]],
    fit: Mapping[int, float],
    *,
    fit_from: int | None,
    target_year: Any,
) -> list[Issue]:
    """The fitted years (*fit*, from *fit_from*) are >= 3, positive, and reach the target year."""
    last = items[-1][0]
    issues: list[Issue] = []
    if len(fit) < 3:
        issues.append(
            Issue(
                "forecast_input",
                f"the forecast needs >= 3 years of the series; {len(items)} given"
                if fit_from is None or len(items) < 3
                else f"the forecast needs >= 3 years of the series from fit_from; {len(fit)} left",
                field=None if fit_from is None else "fit_from",
                value=repr(len(items) if fit_from is None else fit_from),
                allowed="3 years or more" if len(items) < 3 else f"a year up to {last - 2}",
            )
        )
    if not fit or not isinstance(target_year, int) or _is_bool(target_year):
        return issues
    if target_year < min(fit):
        issues.append(
            Issue(
                "forecast_input",
                "the forecast runs from the first fitted year to the target year",
                field="target_year",
                value=repr(target_year),
                allowed=f"a year from {min(fit)} on (or an earlier fit_from)",
            )
        )
    zero = sorted(y for y, v in fit.items() if v <= 0)
    if zero:
        issues.append(
            Issue(
                "forecast_input",
                "the log-linear forecast needs positive emissions; leave out years of 0 "
                "with fit_from",
                field="gross_co2e_t",
                value=", ".join(str(y) for y in zero),
                allowed="positive values in the fitted years",
            )
        )
    return issues


def _target_issues(
    method: str,
    *,
    target_reduction: float | None,
    target_t: float | None,
    budget_t: float | None,
) -> list[Issue]:
    """The target options are alternatives, each for its method, and finite."""
    given = {
        "target_reduction": target_reduction,
        "target_t": target_t,
        "budget_t": budget_t,
    }
    stated = {k: v for k, v in given.items() if v is not None}
    issues = [
        Issue(
            "roadmap_target",
            "a roadmap target is a finite number",
            field=k,
            value=repr(v),
            allowed="a finite number",
        )
        for k, v in stated.items()
        if _is_bool(v) or not isinstance(v, int | float) or not math.isfinite(v)
    ]
    if len(stated) > 1:
        issues.append(
            Issue(
                "roadmap_target",
                "give one target: a reduction, a target level or a budget",
                field=", ".join(stated),
                allowed="one of target_reduction, target_t (linear, constant_rate) or "
                "budget_t (budget)",
            )
        )
    elif method == "budget" and "budget_t" not in stated and stated:
        issues.append(
            Issue(
                "roadmap_target",
                "the budget method needs a budget",
                field=next(iter(stated)),
                allowed="budget_t",
            )
        )
    elif method != "budget" and "budget_t" in stated:
        issues.append(
            Issue(
                "roadmap_target",
                f"method {method!r} needs a target level or reduction, not a budget",
                field="budget_t",
                allowed="target_reduction or target_t, or method 'budget'",
            )
        )
    return issues
