"""Trajectories: base year, peak, forecasts, roadmaps, LMDI decomposition, intensity.

Base-year recalculation, peak detection, trend forecasts, reduction roadmaps with
progress, LMDI decomposition and intensity indicators.

Every method's parameters are explicit arguments; none is fixed by a source (the
guideline defines a carbon peak as the historic maximum, followed by a plateau and a
sustained decline, without numbers — DOMAIN.md §1, §10).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

from ._tables import PLAIN_NUMBER, decode_utf8
from .errors import CappedIssues, InvalidInputError, Issue, omitted_issues, unique_issues
from .result import Result

MAX_YEAR = 2200
"""The latest target year (as for a base year): a roadmap and a forecast hold a row per year."""

_WHOLE_ISSUE = ("code", "message", "file", "row", "field", "value", "allowed")

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Change",
    "PeakResult",
    "RecalculationDecision",
    "TrajectoryReport",
    "annual_series",
    "assess_recalculation",
    "build_trajectory",
    "detect_peak",
    "forecast_driver",
    "forecast_loglinear",
    "intensity",
    "lmdi",
    "progress",
    "regional_totals",
    "roadmap",
]


# -- series -------------------------------------------------------------------------------
def annual_series(results: Iterable[Result]) -> pd.DataFrame:
    """One row per year from inventory results (one inventory per calendar year).

    Columns: ``gross_co2e_t``, ``gross_co2e_t_market_based``, ``removals_co2e_t``,
    ``net_co2e_t`` (gross + removals, removals being negative), ``biogenic_co2_t`` and
    ``category_1`` … ``category_6``.
    """
    import pandas as pd

    rows = []
    seen: set[int] = set()
    for res in results:
        inv = res.inventory
        year = inv.period.start.year
        if (
            inv.period.start.month != 1
            or inv.period.start.day != 1
            or inv.period.days not in (365, 366)
        ):
            raise InvalidInputError(
                [
                    Issue(
                        "series_calendar_years",
                        "each inventory must cover one calendar year",
                        value=f"{inv.period.start}..{inv.period.end}",
                    )
                ]
            )
        if year in seen:
            raise InvalidInputError(
                [Issue("series_years_unique", f"two inventories for {year}", value=str(year))]
            )
        seen.add(year)
        t = res.totals()
        rows.append(
            {
                "year": year,
                "gross_co2e_t": t["gross_co2e_t"],
                "gross_co2e_t_market_based": t["gross_co2e_t_market_based"],
                "removals_co2e_t": t["removals_co2e_t"],
                "net_co2e_t": t["gross_co2e_t"] + t["removals_co2e_t"],
                "biogenic_co2_t": t["biogenic_co2_t"],
                **{f"category_{k}": v for k, v in t["by_category"].items()},
            }
        )
    if not rows:
        raise InvalidInputError([Issue("series_empty", "no inventories given")])
    return pd.DataFrame(rows).sort_values("year").set_index("year")


def regional_totals(results: Iterable[Result]) -> pd.DataFrame:
    """Sum consolidated facility totals by region code and year (consolidation kept)."""
    import pandas as pd

    rows = []
    for res in results:
        by_fac = res.totals()["by_facility"]
        for f in res.inventory.facilities:
            rows.append(
                {
                    "year": res.inventory.period.start.year,
                    "region": f.region or "unknown",
                    "co2e_t": by_fac[f.id],
                }
            )
    df = pd.DataFrame(rows, columns=["year", "region", "co2e_t"])
    return df.groupby(["year", "region"], sort=True)["co2e_t"].sum().unstack("region").fillna(0.0)


_NUMBER_ALLOWED = (
    "a plain decimal number such as 907800 or 9.078e5 (no thousands separators, no true/false)"
)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool) or type(v).__name__ in ("bool_", "bool")


def _whole_year(v: Any) -> int | None:
    """The year *v* stands for, or None unless it is a whole number (2020, 2020.0, "2020")."""
    import numbers

    if _is_bool(v):
        return None
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
    elif isinstance(v, str) and PLAIN_NUMBER.fullmatch(v.strip()):
        f = float(v.strip())
    else:
        return None
    return int(f) if math.isfinite(f) and f.is_integer() else None


def _plain_number(v: Any) -> tuple[float, str | None]:
    """Strict value parsing: ``(value, None)`` or ``(nan, problem)``.

    *problem* is ``missing`` (None or an empty cell), ``type`` (text, true/false) or
    ``finite`` (NaN, infinity).
    """
    import numbers

    if v is None:
        return math.nan, "missing"
    if _is_bool(v):
        return math.nan, "type"
    if isinstance(v, numbers.Real):
        f = float(v)
    elif isinstance(v, str):
        s = v.strip()
        if not s:
            return math.nan, "missing"
        if not PLAIN_NUMBER.fullmatch(s):
            return math.nan, "type"
        f = float(s)
    else:
        return math.nan, "type"
    return (f, None) if math.isfinite(f) else (math.nan, "finite")


def _parse_series(
    pairs: Iterable[tuple[Any, Any, int | None]],
    *,
    file: str | None = None,
    year_field: str | None = None,
    value_field: str | None = None,
    contiguous: bool = True,
    nonnegative: bool = True,
    optional: bool = False,
    report_years: bool = True,
) -> tuple[list[tuple[int, float]], list[Issue]]:
    """Check ``(year, value, row)`` triples; return the sorted series and *every* problem.

    Years must be whole numbers, once each (and consecutive when *contiguous*); values
    plain finite numbers (>= 0 when *nonnegative*). With *optional*, a missing value
    leaves its year out instead of being an error; without *report_years*, problems of
    the years are left to another call over the same years. At most
    ``Limits.max_issues`` problems are kept, the rest counted by code
    (:class:`~nqi_carbon.errors.OmittedIssues`), so a file of a million bad rows costs
    memory for the problems listed only.
    """
    from ._limits import current_limits

    cap = current_limits().max_issues
    issues: list[Issue] = []
    omitted: dict[str, int] = {}

    def add(issue: Issue) -> None:
        if not report_years and issue.field == year_field:
            return
        if len(issues) < cap:
            issues.append(issue)
        else:
            omitted[issue.code] = omitted.get(issue.code, 0) + 1

    items: list[tuple[int, float]] = []
    rows_of: dict[int, list[int | None]] = {}
    for key, val, row in pairs:
        year = _whole_year(key)
        if year is None:
            add(
                Issue(
                    "series_year",
                    "a year is a whole number",
                    file=file,
                    row=row,
                    field=year_field,
                    value=repr(key),
                    allowed="a whole year such as 2020",
                )
            )
        else:
            rows_of.setdefault(year, []).append(row)
        num, problem = _plain_number(val)
        of = "" if year is None else f" for {year}"
        if problem is None and nonnegative and num < 0:
            problem = "negative"
        if problem is not None and not (problem == "missing" and optional):
            code, message, allowed = {
                "missing": ("missing", f"no value{of}", "a number (empty is not 0)"),
                "type": ("float_type", f"the value{of} is not a number", _NUMBER_ALLOWED),
                "finite": ("finite_number", f"the value{of} is not finite", "a finite number"),
                "negative": (
                    "emissions_not_negative",
                    f"emissions{of} are negative",
                    "gross emissions >= 0 (removals are given separately)",
                ),
            }[problem]
            add(
                Issue(
                    code,
                    message,
                    file=file,
                    row=row,
                    field=value_field,
                    value=repr(val),
                    allowed=allowed,
                )
            )
        elif problem is None and year is not None:
            items.append((year, num))
    for year, rows in sorted(rows_of.items()):
        if len(rows) > 1:
            nums = [str(r) for r in rows[:20] if r is not None]
            at = ", ".join(nums) + (" ..." if len(rows) > 20 else "")
            add(
                Issue(
                    "series_years_unique",
                    f"year {year} is given {len(rows)} times" + (f" (rows {at})" if at else ""),
                    file=file,
                    field=year_field,
                    value=str(year),
                    allowed="one value per year",
                )
            )
    years = sorted(rows_of)
    if not years and not issues and not optional:
        add(Issue("series_empty", "the series is empty", file=file))
    if contiguous and years:
        # the missing years from the gaps between the years given: never a range over the
        # span, which a year such as 1e12 in the file would make endless
        n_missing = years[-1] - years[0] + 1 - len(years)
        gaps: list[int] = []
        for a, b in itertools.pairwise(years):
            gaps.extend(range(a + 1, min(b, a + 1 + 20 - len(gaps))))
            if len(gaps) >= 20:
                break
        if n_missing:
            add(
                Issue(
                    "series_contiguous",
                    "years must be consecutive (no gaps); missing "
                    + ", ".join(str(y) for y in gaps)
                    + (f" and {n_missing - len(gaps):,} more" if n_missing > len(gaps) else ""),
                    file=file,
                    field=year_field,
                    value=repr(years) if len(years) <= 50 else f"{len(years):,} years "
                    f"from {years[0]} to {years[-1]}",
                )
            )
    if omitted:
        issues.append(omitted_issues(omitted, listed=len(issues)))
    return sorted(items), issues


def _as_series(
    values: Mapping[Any, Any] | pd.Series, *, nonnegative: bool = True
) -> list[tuple[int, float]]:
    """A checked annual series, sorted by year (a mapping's order carries no meaning)."""
    pairs = values.items() if hasattr(values, "items") else dict(values).items()
    items, issues = _parse_series(((k, v, None) for k, v in pairs), nonnegative=nonnegative)
    if issues:
        raise InvalidInputError(issues)
    return items


# -- base-year recalculation ------------------------------------------------------------------
ChangeKind = Literal["structural", "methodology", "factor", "error", "organic"]


@dataclass(frozen=True)
class Change:
    """A logged change and its effect on the base-year total [t CO2e] (+ raises it)."""

    year: int
    kind: ChangeKind
    effect_t: float
    description: str


@dataclass(frozen=True)
class RecalculationDecision:
    """Whether the logged changes require restating the base year, and the restated total."""

    required: bool
    base_year_total_t: float
    cumulative_effect_t: float
    cumulative_effect_pct: float
    threshold: float
    restated_base_t: float
    reasons: list[str]
    ignored: list[str] = field(default_factory=list)


def assess_recalculation(
    base_year_total_t: float,
    changes: Sequence[Change],
    *,
    threshold: float,
    triggers: Iterable[ChangeKind] = ("structural", "methodology", "factor", "error"),
) -> RecalculationDecision:
    """Decide on base-year recalculation from a change log (GHG Protocol Corporate Standard ch. 5).

    Changes of a triggering kind count *cumulatively*: a recalculation is required when
    the absolute sum of their effects reaches ``threshold`` (a fraction of the base-year
    total, set and disclosed by the organization — 0.05 or 0.10 are common). Organic
    growth never triggers one.
    """
    if not 0 < threshold < 1:
        raise InvalidInputError(
            [Issue("threshold", "threshold is a fraction between 0 and 1", value=repr(threshold))]
        )
    kinds = set(triggers)
    counted = [c for c in changes if c.kind in kinds and c.kind != "organic"]
    ignored = [f"{c.year} {c.kind}: {c.description}" for c in changes if c not in counted]
    effect = math.fsum(c.effect_t for c in counted)
    pct = abs(effect) / abs(base_year_total_t) if base_year_total_t else math.inf
    required = pct >= threshold
    reasons = [f"{c.year} {c.kind} ({c.effect_t:+,.1f} t): {c.description}" for c in counted]
    return RecalculationDecision(
        required,
        base_year_total_t,
        effect,
        pct,
        threshold,
        base_year_total_t + effect if required else base_year_total_t,
        reasons,
        ignored,
    )


# -- peak -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeakResult:
    """Peak status of an annual series with the evidence."""

    status: Literal["peaked", "plateau", "not_yet_peaked"]
    peak_year: int
    peak_value: float
    plateau_band: float
    decline_years: int
    evidence: str


def detect_peak(
    series: Mapping[int, float] | pd.Series, *, plateau_band: float, decline_years: int
) -> PeakResult:
    """Carbon peak by the guideline's definition: maximum, then a plateau, then decline.

    Parameters
    ----------
    series : mapping or Series
        Annual emissions by year (consecutive years).
    plateau_band : float
        Relative band below the maximum counted as the plateau (e.g. 0.02 = within 2 %).
    decline_years : int
        Number of most recent consecutive years that must each fall below the previous
        year and below the plateau band for a *sustained* decline (e.g. 3).

    Returns
    -------
    PeakResult
        ``peaked`` (in ``peak_year``), ``plateau`` (past the maximum but no sustained
        decline yet) or ``not_yet_peaked`` (the maximum is the latest year).
    """
    items = _as_series(series)
    if not 0 <= plateau_band < 1 or decline_years < 1:
        raise InvalidInputError(
            [
                Issue(
                    "peak_parameters",
                    "plateau_band in [0, 1) and decline_years >= 1",
                    value=repr((plateau_band, decline_years)),
                )
            ]
        )
    years = [y for y, _ in items]
    vals = [v for _, v in items]
    i_max = max(range(len(vals)), key=lambda i: (vals[i], -i))  # earliest year of the maximum
    peak_year, peak = years[i_max], vals[i_max]
    floor = peak * (1 - plateau_band)
    after = list(zip(years[i_max + 1 :], vals[i_max + 1 :], strict=True))
    if not after:
        return PeakResult(
            "not_yet_peaked",
            peak_year,
            peak,
            plateau_band,
            decline_years,
            f"the maximum {peak:,.1f} is the latest year ({peak_year})",
        )
    tail = list(zip(years, vals, strict=True))[-(decline_years + 1) :]
    sustained = (
        len(after) >= decline_years
        and all(b[1] < a[1] for a, b in itertools.pairwise(tail))
        and all(v < floor for _, v in tail[1:])
    )
    if sustained:
        last_y, last_v = items[-1]
        return PeakResult(
            "peaked",
            peak_year,
            peak,
            plateau_band,
            decline_years,
            f"maximum {peak:,.1f} in {peak_year}; the last {decline_years} "
            f"year{'' if decline_years == 1 else 's'} each fell and stayed below "
            f"{100 * (1 - plateau_band):g} % of the maximum ({last_y}: {last_v:,.1f}, "
            f"{100 * (last_v / peak - 1):+.1f} %)"
            + (
                "; the maximum is the first year of data, so earlier years (possibly higher) "
                "are not known"
                if peak_year == years[0]
                else ""
            ),
        )
    return PeakResult(
        "plateau",
        peak_year,
        peak,
        plateau_band,
        decline_years,
        f"maximum {peak:,.1f} in {peak_year}; {len(after)} later year(s) without a sustained decline of "
        f"{decline_years} years below the {100 * plateau_band:g} % band",
    )


# -- forecasts ------------------------------------------------------------------------------
def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_cdf(t: float, df: int) -> float:
    """Student-t cumulative distribution function."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _t_quantile(p: float, df: int) -> float:
    """Student-t quantile, exact to ~1e-12 (bisection on the CDF; no SciPy needed).

    E.g. the 97.5 % point is 12.7062 for 1 degree of freedom, 4.3027 for 2, 3.1824 for 3.
    """
    if not 0.0 < p < 1.0 or df < 1:
        raise ValueError(f"t quantile needs 0 < p < 1 and df >= 1, got p={p}, df={df}")
    if p < 0.5:
        return -_t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def forecast_loglinear(
    series: Mapping[int, float] | pd.Series, *, until: int, level: float = 0.95
) -> pd.DataFrame:
    """Log-linear trend ``ln E = a + b·year`` fitted by least squares, projected to *until*.

    The band is the prediction interval of a new observation at *level* (Student t with
    n − 2 degrees of freedom), transformed back from logarithms. Needs at least 3 years.
    """
    import pandas as pd

    items = _as_series(series)
    if len(items) < 3 or any(v <= 0 for _, v in items):
        raise InvalidInputError([Issue("forecast_input", "needs >= 3 positive yearly values")])
    xs = [float(y) for y, _ in items]
    ys = [math.log(v) for _, v in items]
    n = len(xs)
    xm, ym = sum(xs) / n, sum(ys) / n
    sxx = sum((x - xm) ** 2 for x in xs)
    b = sum((x - xm) * (y - ym) for x, y in zip(xs, ys, strict=True)) / sxx
    a = ym - b * xm
    resid = [y - (a + b * x) for x, y in zip(xs, ys, strict=True)]
    s = math.sqrt(sum(r * r for r in resid) / (n - 2)) if n > 2 else 0.0
    t = _t_quantile(0.5 + level / 2, n - 2)
    rows = []
    for year in range(items[0][0], until + 1):
        fit = a + b * year
        half = t * s * math.sqrt(1 + 1 / n + (year - xm) ** 2 / sxx)
        if fit + half > 700:  # e**700 ~ 1e304 t: the series does not support a forecast
            raise InvalidInputError(
                [
                    Issue(
                        "forecast_input",
                        f"the fitted series is too noisy to forecast to {until}: the 95 % band "
                        f"of {year} would exceed 1e300 t",
                        field="target_year",
                        value=repr(until),
                        allowed="more years of data, a later fit_from or an earlier target year",
                    )
                ]
            )
        rows.append(
            {
                "year": year,
                "forecast_t": math.exp(fit),
                "low_t": math.exp(fit - half),
                "high_t": math.exp(fit + half),
                "observed": year <= items[-1][0],
            }
        )
    out = pd.DataFrame(rows).set_index("year")
    out.attrs.update(annual_change=math.exp(b) - 1, level=level, method="log-linear least squares")
    return out


def forecast_driver(
    base_year: int,
    base_emissions_t: float,
    *,
    until: int,
    activity_growth: float,
    intensity_change: float,
    growth_sd: float = 0.0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Driver model: emissions = activity × intensity, each changing at a constant rate.

    ``E_t = E_0 · ((1 + g_activity) · (1 + g_intensity))^(t − t0)``. ``growth_sd`` is the
    standard deviation of the combined annual log growth; the band widens as √(t − t0).
    """
    import pandas as pd

    if base_emissions_t <= 0 or activity_growth <= -1 or intensity_change <= -1:
        raise InvalidInputError(
            [Issue("forecast_input", "positive base emissions and rates above -100 %")]
        )
    z = NormalDist().inv_cdf(0.5 + level / 2)
    g = math.log((1 + activity_growth) * (1 + intensity_change))
    rows = []
    for year in range(base_year, until + 1):
        k = year - base_year
        centre = base_emissions_t * math.exp(g * k)
        half = z * growth_sd * math.sqrt(k)
        rows.append(
            {
                "year": year,
                "forecast_t": centre,
                "low_t": centre * math.exp(-half),
                "high_t": centre * math.exp(half),
            }
        )
    out = pd.DataFrame(rows).set_index("year")
    out.attrs.update(
        activity_growth=activity_growth, intensity_change=intensity_change, growth_sd=growth_sd
    )
    return out


# -- roadmaps -------------------------------------------------------------------------------
def roadmap(
    base_year: int,
    base_t: float,
    target_year: int,
    *,
    method: Literal["linear", "constant_rate", "budget"],
    target_t: float | None = None,
    budget_t: float | None = None,
) -> pd.DataFrame:
    """Year-by-year targets from the base year to the target year.

    * ``linear``: equal absolute reductions reaching ``target_t``;
    * ``constant_rate``: equal relative reductions, ``E_t = E_0 (E_T/E_0)^((t-t0)/(T-t0))``;
    * ``budget``: a straight line from ``base_t`` whose yearly values (base and target
      years included) add up to ``budget_t``.
    """
    import pandas as pd

    if target_year <= base_year:
        raise InvalidInputError(
            [
                Issue(
                    "roadmap_years",
                    "the target year comes after the base year",
                    value=repr((base_year, target_year)),
                )
            ]
        )
    n = target_year - base_year
    if method in ("linear", "constant_rate"):
        if target_t is None or target_t < 0:
            raise InvalidInputError(
                [Issue("roadmap_target", f"method {method!r} needs target_t >= 0")]
            )
        if method == "constant_rate" and (target_t <= 0 or base_t <= 0):
            raise InvalidInputError(
                [Issue("roadmap_target", "constant_rate needs positive base and target")]
            )
        if method == "linear":
            values = [base_t + (target_t - base_t) * k / n for k in range(n + 1)]
        else:
            values = [base_t * (target_t / base_t) ** (k / n) for k in range(n + 1)]
    elif method == "budget":
        if budget_t is None:
            raise InvalidInputError([Issue("roadmap_target", "method 'budget' needs budget_t")])
        end = 2 * budget_t / (n + 1) - base_t  # trapezoid: (n+1)(base+end)/2 = budget
        if end < 0:
            raise InvalidInputError(
                [
                    Issue(
                        "roadmap_budget",
                        "the budget is too small for a straight-line path",
                        value=f"{budget_t:,.1f}",
                        allowed=f">= {(n + 1) * base_t / 2:,.1f}",
                    )
                ]
            )
        values = [base_t + (end - base_t) * k / n for k in range(n + 1)]
    else:
        raise InvalidInputError(
            [
                Issue(
                    "roadmap_method",
                    "unknown method",
                    value=repr(method),
                    allowed="linear, constant_rate, budget",
                )
            ]
        )
    out = pd.DataFrame({"year": range(base_year, target_year + 1), "target_t": values}).set_index(
        "year"
    )
    out.attrs.update(method=method, base_t=base_t)
    return out


def progress(
    targets: pd.DataFrame,
    actuals: Mapping[int, float] | pd.Series,
    removals: Mapping[int, float] | None = None,
) -> pd.DataFrame:
    """Actuals against targets: gap per year and the reduction still needed per year.

    ``required_annual_reduction`` is the constant yearly rate that brings the latest
    actual to the final target (from that year on). ``neutrality_gap_t`` is gross minus
    removals (removals given as positive or negative amounts removed).
    """
    import pandas as pd

    act = dict(_as_series(actuals))
    final_year = int(targets.index.max())
    final = float(targets["target_t"].iloc[-1])
    rows = []
    for year, target in zip(targets.index.tolist(), targets["target_t"].tolist(), strict=True):
        y = int(year)
        a = act.get(y)
        rem = None if removals is None or y not in removals else abs(float(removals[y]))
        needed = None
        if a is not None and y < final_year and a > 0 and final > 0:
            needed = 1 - (final / a) ** (1 / (final_year - y))
        rows.append(
            {
                "year": y,
                "target_t": float(target),
                "actual_t": a,
                "gap_t": None if a is None else a - float(target),
                "required_annual_reduction": needed,
                "neutrality_gap_t": None if a is None or rem is None else a - rem,
            }
        )
    return pd.DataFrame(rows).set_index("year")


# -- LMDI -----------------------------------------------------------------------------------
def _logmean(a: float, b: float) -> float:
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


_EMISSIONS_HEADER = r"emissions\s*\[(.+)\]"
_EMISSIONS_ALLOWED = "a mass unit such as t, kt or 10^4 t"


def _lmdi_frame(
    df: pd.DataFrame,
    *,
    label: str,
    emissions_unit: str | None,
    require_unit: bool = False,
    file: str | None = None,
    rows: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, str, list[Issue]]:
    """Check one year's sector table; return it indexed by sector with emissions in t.

    The emissions column is ``emissions [<unit>]`` (the header names the unit) or, when
    the unit need not be declared (the Python API), a plain ``emissions`` column in
    *emissions_unit* (t when None).
    """
    import re

    import pandas as pd

    from .errors import DimensionalityMismatchError, UnknownUnitError
    from .units import conversion_factor

    issues: list[Issue] = CappedIssues()  # per row: a flood stays bounded
    cols = [str(c) for c in df.columns]
    declared = [
        (c, m.group(1).strip()) for c in cols if (m := re.fullmatch(_EMISSIONS_HEADER, c.strip()))
    ]
    plain = "emissions" in cols
    # a file's header is shared by its years: its problems are said once, without a year
    where = f" ({label})" if label and file is None else ""
    missing = [c for c in ("sector", "output", "energy") if c not in cols]
    unit = "t"
    em_col = "emissions"
    if len(declared) + plain != 1:
        missing.append("emissions [<unit>]")
    elif declared:
        em_col, unit = declared[0]
    elif require_unit:
        issues.append(
            Issue(
                "lmdi_emissions_unit",
                f"the emissions column does not say its unit{where}; name it in the header, "
                "e.g. 'emissions [t]' or 'emissions [10^4 t]'",
                file=file,
                field="emissions",
                allowed=_EMISSIONS_ALLOWED,
            )
        )
    else:
        unit = emissions_unit or "t"
    if missing:
        issues.append(
            Issue(
                "table_columns",
                f"missing column(s) {', '.join(missing)}{where}",
                file=file,
                value=repr(cols),
                allowed="sector, output, energy, emissions [<unit>]",
            )
        )
        return pd.DataFrame(), unit, issues
    factor = math.nan
    try:
        factor = conversion_factor(unit, "t", context="LMDI sector emissions")
        if (
            declared
            and emissions_unit is not None
            and conversion_factor(emissions_unit, "t") != factor
        ):
            issues.append(
                Issue(
                    "lmdi_emissions_unit",
                    f"the header says {unit!r} but emissions_unit={emissions_unit!r}{where}",
                    file=file,
                    field=em_col,
                    value=repr(emissions_unit),
                    allowed=repr(unit),
                )
            )
    except (UnknownUnitError, DimensionalityMismatchError) as exc:
        issues.append(
            Issue(
                "lmdi_emissions_unit",
                str(exc),
                file=file,
                field=em_col,
                value=repr(unit),
                allowed=_EMISSIONS_ALLOWED,
            )
        )
    row_of = list(rows) if rows is not None else list(range(1, len(df) + 1))
    out: dict[str, list[float]] = {"output": [], "energy": [], "emissions": []}
    sectors: list[str] = []
    for k, rec in enumerate(df.to_dict("records")):
        row = row_of[k]
        name = rec["sector"]
        if name is None or (isinstance(name, float) and math.isnan(name)) or not str(name).strip():
            issues.append(
                Issue("missing", f"no sector name{where}", file=file, row=row, field="sector")
            )
        sectors.append(str(name).strip() if name is not None else "")
        for key, col in (("output", "output"), ("energy", "energy"), ("emissions", em_col)):
            num, problem = _plain_number(rec[col])
            if problem is None and num < 0:
                problem = "negative"
            if problem is not None:
                code, msg, allowed = {
                    "missing": ("missing", "no value", "a number (empty is not 0)"),
                    "type": ("float_type", "not a number", _NUMBER_ALLOWED),
                    "finite": ("finite_number", "not finite", "a finite number"),
                    "negative": ("lmdi_values", "negative", "a number >= 0"),
                }[problem]
                issues.append(
                    Issue(
                        code,
                        f"{msg} (sector {sectors[-1]!r}{', ' + label if label else ''})",
                        file=file,
                        row=row,
                        field=col,
                        value=repr(rec[col]),
                        allowed=allowed,
                    )
                )
            out[key].append(num * factor if key == "emissions" else num)
    seen: dict[str, list[int]] = {}
    for s, row in zip(sectors, row_of, strict=True):
        seen.setdefault(s, []).append(row)
    for s, at in seen.items():
        if len(at) > 1:
            issues.append(
                Issue(
                    "lmdi_sectors",
                    f"sector {s!r} is given {len(at)} times{where}"
                    + (
                        f" (rows {', '.join(map(str, at[:20]))}{' ...' if len(at) > 20 else ''})"
                        if rows is not None
                        else ""
                    ),
                    file=file,
                    field="sector",
                    value=repr(s),
                    allowed="one row per sector and year",
                )
            )
    frame = pd.DataFrame(out, index=pd.Index(sectors, name="sector"))
    return frame, unit, issues


def _sector_sets(b: pd.DataFrame, c: pd.DataFrame, file: str | None = None) -> list[Issue]:
    if set(b.index) == set(c.index):
        return []
    return [
        Issue(
            "lmdi_sectors",
            "both years need the same sectors",
            file=file,
            field="sector",
            value=repr(sorted(set(b.index) ^ set(c.index))),
        )
    ]


def lmdi(
    base: pd.DataFrame,
    current: pd.DataFrame,
    *,
    emissions_unit: str | None = None,
    small: float = 1e-20,
) -> dict[str, Any]:
    """LMDI-I decomposition of the change in emissions between two years (Ang 2005).

    Each frame has one row per sector with columns ``sector``, ``output`` (activity of
    the sector), ``energy`` and the emissions: either a column ``emissions [<unit>]``
    whose header names the unit (``emissions [t]``, ``emissions [10^4 t]``, ``emissions
    [kt]``), or a plain ``emissions`` column in *emissions_unit* (t when not given).
    With total activity Q, structure S_i = Q_i/Q, energy intensity I_i = E_i/Q_i and
    emission factor F_i = C_i/E_i, ``C = Σ Q·S_i·I_i·F_i``.

    Emissions are converted to t with the unit registry, so the additive effects and
    ``total_change_t`` are in t CO2e whatever the input unit (``unit`` and
    ``emissions_unit`` in the result say so); the additive effects add up exactly to
    C_T − C_0 and the multiplicative ones multiply exactly to C_T / C_0. Zero values are
    replaced by *small* (Ang & Liu 2007), so the identities then hold to within that size.
    """
    b, unit_b, issues = _lmdi_frame(base, label="base", emissions_unit=emissions_unit)
    c, unit_c, more = _lmdi_frame(current, label="current", emissions_unit=emissions_unit)
    issues += more
    if not issues:
        issues = _sector_sets(b, c)
    if issues:
        raise InvalidInputError(issues)
    out = _lmdi_core(b, c, small=small)
    out["emissions_unit"] = unit_b if unit_b == unit_c else f"{unit_b} (base), {unit_c} (current)"
    return out


def _lmdi_core(b: pd.DataFrame, c: pd.DataFrame, *, small: float) -> dict[str, Any]:
    """The decomposition of two checked frames (indexed by sector, emissions in t)."""
    q0, q1 = float(b["output"].sum()), float(c["output"].sum())
    c0_total, c1_total = float(b["emissions"].sum()), float(c["emissions"].sum())
    effects = {"activity": 0.0, "structure": 0.0, "intensity": 0.0, "emission_factor": 0.0}
    logs = dict.fromkeys(effects, 0.0)
    l_total = _logmean(max(c1_total, small), max(c0_total, small))
    for sector in b.index:
        r0, r1 = b.loc[sector], c.loc[sector]
        c0, c1 = max(float(r0["emissions"]), small), max(float(r1["emissions"]), small)
        e0, e1 = max(float(r0["energy"]), small), max(float(r1["energy"]), small)
        o0, o1 = max(float(r0["output"]), small), max(float(r1["output"]), small)
        w = _logmean(c1, c0)
        ratios = {
            "activity": q1 / q0,
            "structure": (o1 / q1) / (o0 / q0),
            "intensity": (e1 / o1) / (e0 / o0),
            "emission_factor": (c1 / e1) / (c0 / e0),
        }
        for k, r in ratios.items():
            effects[k] += w * math.log(r)
            logs[k] += w / l_total * math.log(r)
    return {
        "additive": effects,
        "total_change_t": c1_total - c0_total,
        "unit": "t CO2e",
        "multiplicative": {k: math.exp(v) for k, v in logs.items()},
        "total_ratio": c1_total / c0_total if c0_total else math.inf,
        "method": "LMDI-I (Ang 2005), logarithmic-mean weights",
    }


# -- intensity ------------------------------------------------------------------------------
def intensity(emissions_t: float, denominators: Mapping[str, tuple[float, str]]) -> pd.DataFrame:
    """Emission intensity per named denominator with its unit.

    ``intensity(866_080, {"clinker": (1_052_300, "t"), "revenue": (182_000, "10^4 CNY"),
    "floor area": (12_500, "m^2")})`` gives t CO2e per t of clinker, per 10^4 CNY and per m².
    """
    import pandas as pd

    from .units import parse_unit

    rows = []
    for name, (value, unit) in denominators.items():
        parse_unit(unit)  # unknown units are refused by name
        if not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > 0
            and math.isfinite(value)
        ):
            raise InvalidInputError(
                [
                    Issue(
                        "denominator",
                        f"{name}: a positive finite amount is needed",
                        value=repr(value),
                    )
                ]
            )
        rows.append(
            {
                "indicator": f"t CO2e per {unit} of {name}",
                "denominator": name,
                "unit": f"t CO2e/({unit})",
                "value": emissions_t / value,
            }
        )
    return pd.DataFrame(rows)


# -- charts and page --------------------------------------------------------------------------
def svg_trend(
    actuals: Mapping[int, float],
    *,
    forecast: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    title: str = "Emissions, forecast and targets",
) -> str:
    """Inline SVG: actual emissions, the forecast with its band, and the target path."""
    from ._escape import html_text

    years = sorted(
        set(actuals)
        | (set(forecast.index) if forecast is not None else set())
        | (set(targets.index) if targets is not None else set())
    )
    vals = list(actuals.values())
    if forecast is not None:
        vals += list(forecast["high_t"]) + list(forecast["low_t"])
    if targets is not None:
        vals += list(targets["target_t"])
    vmax = max(vals) * 1.05 or 1.0
    w, h, left, bottom, top = 680, 320, 80, 40, 30
    x0, x1 = years[0], years[-1]

    def px(y: int) -> float:
        return left + (w - left - 20) * ((y - x0) / max(x1 - x0, 1))

    def py(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / vmax)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="{html_text(title)}">'
    ]
    for k in range(5):
        v = vmax * k / 4
        parts.append(
            f'<line x1="{left}" x2="{w - 20}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="10" text-anchor="end">{v:,.0f}</text>'
        )
    step = max(1, (x1 - x0) // 10)
    for y in range(x0, x1 + 1, step):
        parts.append(
            f'<text x="{px(y):.1f}" y="{h - bottom + 14}" font-size="10" text-anchor="middle">{y}</text>'
        )
    if forecast is not None:
        fy = [int(y) for y in forecast.index.tolist()]
        hi_ = forecast["high_t"].tolist()
        lo_ = forecast["low_t"].tolist()
        band = [(px(y), py(v)) for y, v in zip(fy, hi_, strict=True)]
        band += [(px(y), py(v)) for y, v in zip(fy[::-1], lo_[::-1], strict=True)]
        parts.append(
            '<polygon fill="#4e79a7" fill-opacity="0.15" points="'
            + " ".join(f"{a:.1f},{b:.1f}" for a, b in band)
            + '"/>'
        )
        parts.append(
            '<polyline fill="none" stroke="#4e79a7" stroke-dasharray="4 3" points="'
            + " ".join(
                f"{px(y):.1f},{py(v):.1f}"
                for y, v in zip(fy, forecast["forecast_t"].tolist(), strict=True)
            )
            + '"/>'
        )
    if targets is not None:
        parts.append(
            '<polyline fill="none" stroke="#59a14f" stroke-width="2" points="'
            + " ".join(
                f"{px(int(y)):.1f},{py(float(v)):.1f}"
                for y, v in zip(targets.index.tolist(), targets["target_t"].tolist(), strict=True)
            )
            + '"/>'
        )
    pts = " ".join(f"{px(y):.1f},{py(v):.1f}" for y, v in sorted(actuals.items()))
    parts.append(f'<polyline fill="none" stroke="#222" stroke-width="2" points="{pts}"/>')
    for y, v in sorted(actuals.items()):
        parts.append(
            f'<circle cx="{px(y):.1f}" cy="{py(v):.1f}" r="2.5" fill="#222"><title>{y}: {v:,.1f} t CO2e</title></circle>'
        )
    legend = [("#222", "actual"), ("#4e79a7", "forecast (95 % band)"), ("#59a14f", "target path")]
    for i, (colour, label) in enumerate(legend):
        parts.append(
            f'<rect x="{left + i * 170}" y="8" width="12" height="4" fill="{colour}"/>'
            f'<text x="{left + i * 170 + 16}" y="13" font-size="10">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_decomposition(effects: Mapping[str, float], total: float) -> str:
    """Inline SVG bar chart of additive LMDI effects and the total change [t CO2e]."""
    from ._escape import html_text

    items = [*effects.items(), ("total", total)]
    vmax = max(abs(v) for _, v in items) or 1.0
    w, h, left = 560, 40 + 30 * len(items), 130
    mid = left + (w - left - 60) / 2
    scale = (w - left - 120) / 2 / vmax
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="LMDI effects">',
        f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="10" y2="{h - 10}" stroke="#999"/>',
    ]
    for i, (name, v) in enumerate(items):
        y = 20 + 30 * i
        x = mid if v >= 0 else mid + v * scale
        colour = "#e15759" if v > 0 else "#59a14f"
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" font-size="11" text-anchor="end">{html_text(name)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{abs(v) * scale:.1f}" height="18" fill="{colour}"/>'
            f'<text x="{mid + (v * scale if v >= 0 else 0) + 4:.1f}" y="{y + 14}" font-size="10">{v:+,.1f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trajectory_page(
    actuals: Mapping[int, float],
    *,
    peak: PeakResult,
    forecast: pd.DataFrame,
    targets: pd.DataFrame,
    progress_table: pd.DataFrame,
    decomposition: dict[str, Any] | None = None,
    title: str = "Emission trajectory",
    parameters: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """A self-contained HTML page with the trend chart, peak status, targets and progress.

    *parameters* (method, base and target year, target or budget, fit range...) and the
    *notes* on the input are stated on the page: every figure depends on them.
    """
    from ._escape import html_text

    def table(df: pd.DataFrame) -> str:
        head = "".join(f"<th>{html_text(str(c))}</th>" for c in [df.index.name or "", *df.columns])
        body = ""
        for idx, row in df.iterrows():
            cells = "".join(
                f"<td>{'' if v is None or (isinstance(v, float) and math.isnan(v)) else (f'{v:,.3f}' if isinstance(v, float) else html_text(str(v)))}</td>"
                for v in row.tolist()
            )
            body += f"<tr><td>{html_text(str(idx))}</td>{cells}</tr>"
        return f"<table><tr>{head}</tr>{body}</table>"

    decomp = ""
    if decomposition is not None:
        years = decomposition.get("years")
        span = (
            f" {years[0]} to {years[1]}"
            if isinstance(years, list | tuple) and len(years) == 2
            else ""
        )
        add = "".join(
            f"<tr><td style='text-align:left'>{html_text(str(k))}</td><td>{v:,.3f}</td></tr>"
            for k, v in decomposition["additive"].items()
        )
        mult = "".join(
            f"<tr><td style='text-align:left'>{html_text(str(k))}</td><td>{v:.6f}</td></tr>"
            for k, v in (decomposition.get("multiplicative") or {}).items()
        )
        decomp = (
            f"<h2>Decomposition of the change{html_text(span)} (LMDI-I)</h2>"
            + svg_decomposition(decomposition["additive"], decomposition["total_change_t"])
            + f"<p>Total change {decomposition['total_change_t']:,.3f} t CO2e.</p>"
            + "<table><tr><th>additive effect</th><th>t CO2e</th></tr>"
            + add
            + "</table>"
            + (
                "<table><tr><th>multiplicative effect</th><th>factor</th></tr>" + mult + "</table>"
                if mult
                else ""
            )
        )
    labels = {
        "method": "Roadmap method",
        "base_year": "Base year",
        "target_year": "Target year",
        "target_t": "Target level (t CO2e)",
        "budget_t": "Carbon budget (t CO2e)",
        "fit_from": "Forecast fitted from",
        "forecast": "Forecast",
        "plateau_band": "Plateau band",
        "decline_years": "Sustained decline (years)",
    }
    params_rows = "".join(
        f"<tr><td style='text-align:left'>{html_text(labels.get(k, k))}</td>"
        f"<td style='text-align:left'>{html_text('—' if v is None else (f'{v:,.3f}' if isinstance(v, float) else str(v)))}</td></tr>"
        for k, v in (parameters or {}).items()
    )
    change = forecast.attrs.get("annual_change")
    if isinstance(change, float) and math.isfinite(change):
        params_rows += (
            "<tr><td style='text-align:left'>Forecast trend</td>"
            f"<td style='text-align:left'>{100 * change:+.3f} % a year</td></tr>"
        )
    params_html = (f"<h2>Parameters</h2><table>{params_rows}</table>" if params_rows else "") + (
        "<ul>" + "".join(f"<li>{html_text(n)}</li>" for n in notes) + "</ul>" if notes else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html_text(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;font-size:.85em}} td,th{{border:1px solid #ddd;padding:.2em .5em;text-align:right}}</style>
</head><body><h1>{html_text(title)}</h1>
<p><b>Peak:</b> {html_text(peak.status.replace("_", " "))} — {html_text(peak.evidence)}
(plateau band {100 * peak.plateau_band:g} %, sustained decline over {peak.decline_years} years).</p>
{params_html}
{svg_trend(actuals, forecast=forecast, targets=targets, title=title)}
{decomp}
<h2>Targets and progress</h2>{table(progress_table)}
</body></html>
"""


@dataclass
class TrajectoryReport:
    """Everything ``nqi-carbon trajectory`` computes, with JSON and HTML outputs."""

    actuals: dict[int, float]
    removals: dict[int, float] | None
    peak: PeakResult
    forecast: pd.DataFrame
    targets: pd.DataFrame
    progress_table: pd.DataFrame
    decomposition: dict[str, Any] | None
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """What was done to the input on the way (e.g. rows sorted by year)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``nqi-carbon/trajectory@1``)."""
        import dataclasses

        def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for idx, row in zip(df.index.tolist(), df.to_dict("records"), strict=True):
                clean = {
                    str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in row.items()
                }
                out.append({"year": int(idx), **clean})
            return out

        return {
            "schema": "nqi-carbon/trajectory@1",
            "parameters": self.parameters,
            "actuals": [{"year": y, "co2e_t": v} for y, v in sorted(self.actuals.items())],
            "peak": dataclasses.asdict(self.peak),
            "forecast": rows(self.forecast),
            "annual_change": self.forecast.attrs.get("annual_change"),
            "targets": rows(self.targets),
            "progress": rows(self.progress_table),
            "decomposition": self.decomposition,
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        r"""JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        import json

        from ._escape import json_text

        return json_text(
            json.dumps(
                self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=_json_default
            )
        )

    def to_html(self) -> str:
        """Self-contained HTML page with charts."""
        return trajectory_page(
            self.actuals,
            peak=self.peak,
            forecast=self.forecast,
            targets=self.targets,
            progress_table=self.progress_table,
            decomposition=self.decomposition,
            parameters=self.parameters,
            notes=self.notes,
        )

    def _repr_html_(self) -> str:
        from ._escape import html_text

        return svg_trend(self.actuals, forecast=self.forecast, targets=self.targets) + (
            f"<p>Peak: {html_text(self.peak.status.replace('_', ' '))} — "
            f"{html_text(self.peak.evidence)}</p>"
        )


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(type(obj).__name__)


def _read_csv_text(path: str, *, allowed: str) -> pd.DataFrame:
    """Read a small CSV strictly: UTF-8 (a BOM is accepted), every cell kept as text.

    Unreadable, non-UTF-8 (UTF-16 is named as such), empty or malformed files raise
    :class:`InvalidInputError` naming the file. The file is read like an activity table:
    confined under a :class:`~nqi_carbon.Sandbox`, a regular file, and within the
    ``max_table_bytes``, ``max_table_rows``, ``max_table_columns`` and
    ``max_table_cells`` of the active :class:`~nqi_carbon.Limits`.
    """
    import csv
    import io

    import pandas as pd

    from ._files import read_input
    from ._limits import current_limits, limit_issue

    name = str(path)
    limits = current_limits()

    def fail(code: str, message: str, **where: Any) -> InvalidInputError:
        return InvalidInputError([Issue(code, message, file=name, **where)], source=name)

    def too_large(message: str, limit_name: str, unit: str) -> InvalidInputError:
        limit = getattr(limits, limit_name)
        issue = limit_issue(
            "table_too_large", message, limit_name=limit_name, limit=limit, unit=unit, file=name
        )
        return InvalidInputError([issue], source=name)

    raw = read_input(
        path, limit=limits.max_table_bytes, limit_name="max_table_bytes", what="CSV file"
    )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise fail(
            "encoding",
            "the file is UTF-16 encoded",
            value=repr(raw[:2]),
            allowed="UTF-8 text (a BOM is accepted): save it as 'CSV UTF-8'",
        )
    text = decode_utf8(raw, name)
    lines: list[list[str]] = []
    cells = 0
    try:
        for r in csv.reader(io.StringIO(text, newline="")):
            if not any(c.strip() for c in r):
                continue
            if len(r) > limits.max_table_columns:
                raise too_large(
                    f"row {len(lines)} has {len(r):,} fields, more than the limit",
                    "max_table_columns",
                    "columns",
                )
            cells += len(r)
            if len(lines) > limits.max_table_rows:  # the header and then the data rows
                raise too_large(
                    f"the table has more than {limits.max_table_rows:,} data rows",
                    "max_table_rows",
                    "rows",
                )
            if cells > limits.max_table_cells:
                raise too_large(
                    f"the table has more than {limits.max_table_cells:,} cells",
                    "max_table_cells",
                    "cells",
                )
            lines.append(r)
    except csv.Error as exc:
        raise fail("file_corrupt", f"cannot read the CSV ({exc})", allowed=allowed) from None
    if not lines:
        raise fail("table_columns", "the file is empty (no header row)", allowed=allowed)
    header = [c.strip() for c in lines[0]]
    if any(len(r) != len(header) for r in lines[1:]):
        raise InvalidInputError(  # one issue at a time: a flood of bad rows stays bounded
            (
                Issue(
                    "file_corrupt",
                    f"{len(r)} field(s) where the header has {len(header)}",
                    file=name,
                    row=k,
                    value=repr(",".join(r))[:200],
                    allowed=f"comma-separated columns {allowed}; quote a value that contains "
                    "a comma",
                )
                for k, r in enumerate(lines[1:], start=1)
                if len(r) != len(header)
            ),
            source=name,
        )
    df = pd.DataFrame(lines[1:], columns=header, dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_series_csv(path: str) -> tuple[dict[int, float], dict[int, float] | None, list[str]]:
    """Read an annual series from a CSV with columns ``year, gross_co2e_t[, removals_co2e_t]``.

    Returns the gross emissions and the removals by year [t CO2e] and notes on what was
    done to the table (rows sorted by year, columns ignored). Every problem of the file
    (whole-number years once each and consecutive; plain numbers, gross >= 0; an empty
    removals cell means none stated) is raised at once as :class:`InvalidInputError`,
    naming file, row (1 = the first data row), column and value.
    """
    from .errors import close_matches

    name = str(path)
    known = ("year", "gross_co2e_t", "removals_co2e_t")
    allowed = "year, gross_co2e_t[, removals_co2e_t]"
    df = _read_csv_text(path, allowed=allowed)
    cols = list(df.columns)
    missing = [c for c in known[:2] if c not in cols]
    dup_cols = sorted({c for c in cols if cols.count(c) > 1} & set(known))
    if missing or dup_cols:
        extra = [c for c in cols if c not in known]
        hint = "".join(
            f"; {m!r} may be {', '.join(map(repr, close_matches(m, extra)))}"
            for m in missing
            if close_matches(m, extra)
        )
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    (f"missing column(s) {', '.join(missing)}" if missing else "")
                    + (f"repeated column(s) {', '.join(dup_cols)}" if dup_cols else "")
                    + hint,
                    file=name,
                    value=repr(cols),
                    allowed=allowed,
                )
            ],
            source=name,
        )
    rows = range(1, len(df) + 1)
    actual, issues = _parse_series(
        zip(df["year"], df["gross_co2e_t"], rows, strict=True),
        file=name,
        year_field="year",
        value_field="gross_co2e_t",
    )
    removals = None
    if "removals_co2e_t" in cols:
        rem, more = _parse_series(
            zip(df["year"], df["removals_co2e_t"], rows, strict=True),
            file=name,
            year_field="year",
            value_field="removals_co2e_t",
            contiguous=False,
            nonnegative=False,
            optional=True,
            report_years=False,  # year problems are already reported with gross_co2e_t
        )
        issues += more
        removals = dict(rem)
    if issues:
        raise InvalidInputError(issues, source=name)
    notes = []
    years = [y for y in map(_whole_year, df["year"]) if y is not None]
    if years != sorted(years):
        notes.append(f"{name}: the rows are not in year order; the series was sorted by year")
    ignored = [c for c in cols if c not in known]
    if ignored:
        notes.append(f"{name}: column(s) ignored: {', '.join(ignored)} (used: {allowed})")
    return dict(actual), removals, notes


def _read_sectors_csv(path: str) -> dict[str, Any]:
    """LMDI decomposition from a CSV ``year, sector, output, energy, emissions [<unit>]``.

    The header of the emissions column names its unit (``emissions [t]``, ``emissions
    [10^4 t]``, ``emissions [kt]``; any mass unit of :data:`nqi_carbon.ureg`); the values are
    converted to t, so the result (:func:`lmdi`) is in t CO2e. Exactly two years, the same
    sectors in both, one row per sector and year; every problem is raised at once.
    """
    name = str(path)
    allowed = "year, sector, output, energy, emissions [<unit>]"
    df = _read_csv_text(path, allowed=allowed)
    if "year" not in df.columns:
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    "missing column year",
                    file=name,
                    value=repr(list(df.columns)),
                    allowed=allowed,
                )
            ],
            source=name,
        )
    issues: list[Issue] = CappedIssues()  # per row: a flood stays bounded
    by_year: dict[int, list[int]] = {}
    for k, y in enumerate(df["year"]):
        year = _whole_year(y)
        if year is None:
            issues.append(
                Issue(
                    "series_year",
                    "a year is a whole number",
                    file=name,
                    row=k + 1,
                    field="year",
                    value=repr(y),
                    allowed="a whole year such as 2020",
                )
            )
        else:
            by_year.setdefault(year, []).append(k)
    years = sorted(by_year)
    if len(years) != 2:
        issues.append(
            Issue(
                "lmdi_years",
                "the sectors file needs exactly two years",
                file=name,
                field="year",
                value=repr(years),
            )
        )
        raise InvalidInputError(issues, source=name)
    frames = []
    units = []
    for year in years:
        at = by_year[year]
        frame, unit, more = _lmdi_frame(
            df.iloc[at],
            label=str(year),
            emissions_unit=None,
            require_unit=True,
            file=name,
            rows=[k + 1 for k in at],
        )
        frames.append(frame)
        units.append(unit)
        issues = unique_issues([*issues, *more], by=_WHOLE_ISSUE)
    if not issues:
        issues = _sector_sets(frames[0], frames[1], file=name)
    if issues:
        raise InvalidInputError(issues, source=name)
    out = _lmdi_core(frames[0], frames[1], small=1e-20)
    out["emissions_unit"] = units[0]
    out["years"] = years
    return out


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
    issues: list[Issue] = []
    if removals is not None:
        rem, issues = _parse_series(
            ((k, v, None) for k, v in removals.items()),
            value_field="removals",
            contiguous=False,
            nonnegative=False,
            optional=True,
        )
        removals = dict(rem)
    first, last = items[0][0], items[-1][0]
    base = base_year if base_year is not None else first
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
    fit = {y: v for y, v in actuals.items() if fit_from is None or y >= fit_from}
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
    if fit and isinstance(target_year, int) and not _is_bool(target_year):
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
    # the target options are alternatives, each for its method, and finite
    given = {
        "target_reduction": target_reduction,
        "target_t": target_t,
        "budget_t": budget_t,
    }
    stated = {k: v for k, v in given.items() if v is not None}
    for k, v in stated.items():
        if _is_bool(v) or not isinstance(v, int | float) or not math.isfinite(v):
            issues.append(
                Issue(
                    "roadmap_target",
                    "a roadmap target is a finite number",
                    field=k,
                    value=repr(v),
                    allowed="a finite number",
                )
            )
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
