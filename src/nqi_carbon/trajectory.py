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

from .errors import InvalidInputError, Issue
from .result import Result

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


def _as_series(values: Mapping[int, float] | pd.Series) -> list[tuple[int, float]]:
    items = sorted((int(k), float(v)) for k, v in dict(values).items())
    if not items:
        raise InvalidInputError([Issue("series_empty", "the series is empty")])
    years = [y for y, _ in items]
    if years != list(range(years[0], years[-1] + 1)):
        raise InvalidInputError(
            [Issue("series_contiguous", "years must be consecutive (no gaps)", value=repr(years))]
        )
    for y, v in items:
        if not math.isfinite(v):
            raise InvalidInputError(
                [Issue("finite_number", f"value for {y} is not finite", value=repr(v))]
            )
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
            f"maximum {peak:,.1f} in {peak_year}; the last {decline_years} years each fell and stayed below "
            f"{100 * (1 - plateau_band):g} % of the maximum ({last_y}: {last_v:,.1f}, {100 * (last_v / peak - 1):+.1f} %)",
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
def _t_quantile(p: float, df: int) -> float:
    """Student-t quantile (Cornish-Fisher expansion in 1/df; within 1e-3 for df >= 3)."""
    z = NormalDist().inv_cdf(p)
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


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


def lmdi(base: pd.DataFrame, current: pd.DataFrame, *, small: float = 1e-20) -> dict[str, Any]:
    """LMDI-I decomposition of the change in emissions between two years (Ang 2005).

    Each frame has one row per sector with columns ``sector``, ``output`` (activity of
    the sector), ``energy`` and ``emissions``. With total activity Q, structure
    S_i = Q_i/Q, energy intensity I_i = E_i/Q_i and emission factor F_i = C_i/E_i,
    ``C = Σ Q·S_i·I_i·F_i``.

    Returns the additive effects (in the unit of the ``emissions`` column; they add up
    exactly to C_T − C_0) and the
    multiplicative ones (their product is exactly C_T / C_0). Zero values are replaced
    by *small* (Ang & Liu 2007), so the identities then hold to within that size.
    """
    cols = {"sector", "output", "energy", "emissions"}
    for name, df in (("base", base), ("current", current)):
        if not cols <= set(df.columns):
            raise InvalidInputError(
                [
                    Issue(
                        "table_columns",
                        f"{name} needs columns {sorted(cols)}",
                        value=repr(sorted(df.columns)),
                    )
                ]
            )
    b = base.set_index("sector")
    c = current.set_index("sector")
    if set(b.index) != set(c.index):
        raise InvalidInputError(
            [
                Issue(
                    "lmdi_sectors",
                    "both years need the same sectors",
                    value=repr(sorted(set(b.index) ^ set(c.index))),
                )
            ]
        )
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
    import html as _html

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
        f'aria-label="{_html.escape(title)}">'
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
    import html as _html

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
            f'<text x="{left - 8}" y="{y + 14}" font-size="11" text-anchor="end">{_html.escape(name)}</text>'
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
) -> str:
    """A self-contained HTML page with the trend chart, peak status, targets and progress."""
    import html as _html

    def table(df: pd.DataFrame) -> str:
        head = "".join(
            f"<th>{_html.escape(str(c))}</th>" for c in [df.index.name or "", *df.columns]
        )
        body = ""
        for idx, row in df.iterrows():
            cells = "".join(
                f"<td>{'' if v is None or (isinstance(v, float) and math.isnan(v)) else (f'{v:,.3f}' if isinstance(v, float) else _html.escape(str(v)))}</td>"
                for v in row.tolist()
            )
            body += f"<tr><td>{idx}</td>{cells}</tr>"
        return f"<table><tr>{head}</tr>{body}</table>"

    decomp = ""
    if decomposition is not None:
        decomp = "<h2>Decomposition of the change (LMDI)</h2>" + svg_decomposition(
            decomposition["additive"], decomposition["total_change_t"]
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;font-size:.85em}} td,th{{border:1px solid #ddd;padding:.2em .5em;text-align:right}}</style>
</head><body><h1>{_html.escape(title)}</h1>
<p><b>Peak:</b> {_html.escape(peak.status.replace("_", " "))} — {_html.escape(peak.evidence)}
(plateau band {100 * peak.plateau_band:g} %, sustained decline over {peak.decline_years} years).</p>
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
        }

    def to_json(self) -> str:
        """JSON text (never NaN)."""
        import json

        return json.dumps(
            self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=_json_default
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
        )

    def _repr_html_(self) -> str:
        return svg_trend(self.actuals, forecast=self.forecast, targets=self.targets) + (
            f"<p>Peak: {self.peak.status.replace('_', ' ')} — {self.peak.evidence}</p>"
        )


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(type(obj).__name__)


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
    """Peak, log-linear forecast, roadmap and progress of an annual series (+ LMDI)."""
    import pandas as pd

    actuals = dict(actuals)
    removals = dict(removals) if removals is not None else None
    base = base_year if base_year is not None else min(actuals)
    if base not in actuals:
        raise InvalidInputError(
            [Issue("base_year", "the base year is not in the series", value=str(base))]
        )
    if target_reduction is not None:
        target_t = actuals[base] * (1 - target_reduction)
    peak = detect_peak(actuals, plateau_band=plateau_band, decline_years=decline_years)
    fit = {y: v for y, v in actuals.items() if fit_from is None or y >= fit_from}
    forecast = forecast_loglinear(fit, until=target_year)
    targets = roadmap(
        base, actuals[base], target_year, method=method, target_t=target_t, budget_t=budget_t
    )
    prog = progress(targets, {y: v for y, v in actuals.items() if y >= base}, removals)
    decomposition = None
    if sectors:
        df = pd.read_csv(sectors)
        years = sorted(df["year"].unique().tolist())
        if len(years) != 2:
            raise InvalidInputError(
                [Issue("lmdi_years", "the sectors file needs exactly two years", value=repr(years))]
            )
        decomposition = lmdi(df[df["year"] == years[0]], df[df["year"] == years[1]])
        decomposition["years"] = years
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
