"""Charts of every page: axis ticks and the gas colours."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .._escape import html_text

if TYPE_CHECKING:
    import pandas as pd

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_GAS_COLOURS = {
    "CO2": "#4e79a7",
    "CH4": "#f28e2b",
    "N2O": "#e15759",
    "HFCs": "#76b7b2",
    "PFCs": "#59a14f",
    "SF6": "#edc948",
    "NF3": "#b07aa1",
    "unspecified": "#9c9c9c",
}


def nice_ticks(vmax: float, target: int = 5) -> list[float]:
    """Round axis ticks from 0 covering *vmax*: steps of 1, 2 or 5 x 10^k (about *target*)."""
    if not math.isfinite(vmax) or vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-12))
    n = math.ceil(vmax / step - 1e-9)
    # 12 significant digits (not 12 decimals: a total of 3e-13 t still gets ticks)
    return [float(f"{k * step:.12g}") for k in range(n + 1)]


def _tick_text(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) else f"{v:,g}"


# -- charts and page --------------------------------------------------------------------------
def svg_trend(
    actuals: Mapping[int, float],
    *,
    forecast: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    title: str = "Emissions, forecast and targets",
) -> str:
    """Inline SVG: actual emissions, the forecast with its band, and the target path."""
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
