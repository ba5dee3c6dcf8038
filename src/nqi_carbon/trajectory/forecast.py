"""Peak detection and trend forecasts (log-linear, by driver) with prediction bands."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

from .read import _as_series

__all__ = ["PeakResult", "detect_peak", "forecast_driver", "forecast_loglinear"]

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
    _check_peak_parameters(plateau_band, decline_years)
    years = [y for y, _ in items]
    vals = [v for _, v in items]
    i_max = max(range(len(vals)), key=lambda i: (vals[i], -i))  # earliest year of the maximum
    peak_year, peak = years[i_max], vals[i_max]
    later = len(items) - 1 - i_max
    status: Literal["peaked", "plateau", "not_yet_peaked"]
    if not later:
        status = "not_yet_peaked"
        evidence = f"the maximum {peak:,.1f} is the latest year ({peak_year})"
    elif later >= decline_years and _declined(vals, decline_years, peak * (1 - plateau_band)):
        status = "peaked"
        evidence = _peaked_evidence(items, peak_year, peak, plateau_band, decline_years)
    else:
        status = "plateau"
        evidence = (
            f"maximum {peak:,.1f} in {peak_year}; {later} later year(s) without a sustained "
            f"decline of {decline_years} years below the {100 * plateau_band:g} % band"
        )
    return PeakResult(status, peak_year, peak, plateau_band, decline_years, evidence)


def _check_peak_parameters(plateau_band: float, decline_years: int) -> None:
    """Refuse a plateau band outside [0, 1) and fewer than one year of decline."""
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


def _declined(vals: list[float], decline_years: int, floor: float) -> bool:
    """Whether each of the last *decline_years* values fell from the year before, below *floor*."""
    tail = vals[-(decline_years + 1) :]
    return all(b < a for a, b in itertools.pairwise(tail)) and all(v < floor for v in tail[1:])


def _peaked_evidence(
    items: list[tuple[int, float]],
    peak_year: int,
    peak: float,
    plateau_band: float,
    decline_years: int,
) -> str:
    """The evidence of a peak: the maximum, the years of decline and the latest value."""
    last_y, last_v = items[-1]
    return (
        f"maximum {peak:,.1f} in {peak_year}; the last {decline_years} "
        f"year{'' if decline_years == 1 else 's'} each fell and stayed below "
        f"{100 * (1 - plateau_band):g} % of the maximum ({last_y}: {last_v:,.1f}, "
        f"{100 * (last_v / peak - 1):+.1f} %)"
        + (
            "; the maximum is the first year of data, so earlier years (possibly higher) "
            "are not known"
            if peak_year == items[0][0]
            else ""
        )
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
