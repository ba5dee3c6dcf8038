"""The charts of every page, as inline SVG: the one place SVG is written.

Four charts (emissions by category and gas, the base-year bridge, the trajectory trend
and the LMDI decomposition) are built from the same primitives: a vertical scale and its
grid (:func:`nice_ticks`), elements with their attributes, bars, lines, legends, and
labels. Every label and attribute goes through :func:`~nqi_carbon._escape.html_text`, so
a name in a chart can never become markup. A chart is returned as text (``str``); a page
passes it to its template as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .._escape import html_text

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
"""Colour of each gas group in the charts."""

_BLUE, _GREEN, _RED, _GREY = "#4e79a7", "#59a14f", "#e15759", "#999"


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
    """An axis tick: whole numbers with thousands commas, others as short as they read."""
    return f"{v:,.0f}" if v == int(v) else f"{v:,g}"


# -- primitives -------------------------------------------------------------------------------

Attr = float | int | str
"""An attribute value: a float is written with one decimal, an int as it is, text escaped."""


def _attr(value: Attr) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str):
        return html_text(value)
    return str(value)


def _el(tag: str, content: str | None = None, /, **attrs: Attr) -> str:
    """One SVG element; ``font_size=10`` is written ``font-size="10"``.

    *content* is markup already (escaped text or other elements); without it the element
    closes itself.
    """
    written = "".join(f' {k.replace("_", "-")}="{_attr(v)}"' for k, v in attrs.items())
    return f"<{tag}{written}/>" if content is None else f"<{tag}{written}>{content}</{tag}>"


def _text(x: Attr, y: Attr, label: str, /, **attrs: Attr) -> str:
    """A label at (*x*, *y*), its text escaped."""
    return _el("text", html_text(label), x=x, y=y, **attrs)


def _title(label: str) -> str:
    """The tooltip of an element, its text escaped."""
    return f"<title>{html_text(label)}</title>"


def _bar(x: float, y: float, width: float, height: float, fill: str, tip: str | None = None) -> str:
    """A rectangle, with *tip* as its tooltip when given."""
    content = None if tip is None else _title(tip)
    return _el("rect", content, x=x, y=y, width=width, height=height, fill=fill)


def _points(xy: Iterable[tuple[float, float]]) -> str:
    """The ``points`` of a polyline or polygon."""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in xy)


def _polyline(xy: Iterable[tuple[float, float]], **style: Attr) -> str:
    """An unfilled line through the points *xy*."""
    return _el("polyline", fill="none", **style, points=_points(xy))


def _svg(width: int, height: int, label: str, parts: Iterable[str]) -> str:
    """The chart: an accessible ``<svg>`` element holding *parts*.

    The ``viewBox`` lets a narrower page (print, a notebook cell) scale the chart down
    whole instead of cutting it.
    """
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html_text(label)}">'
    )
    return head + "".join(parts) + "</svg>"


def _y_scale(vmax: float, height: int, top: int, bottom: int) -> Callable[[float], float]:
    """The y coordinate of a value: 0 on the baseline, *vmax* at the *top* margin."""

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - v / vmax)

    return y


def _grid(
    ticks: Iterable[float],
    y: Callable[[float], float],
    *,
    left: int,
    right: int,
    stroke: str,
    label: Callable[[float], str],
) -> str:
    """Horizontal grid lines at *ticks*, each labelled left of the plot."""
    return "".join(
        _el("line", x1=left, x2=right, y1=y(v), y2=y(v), stroke=stroke)
        + _text(left - 6, y(v) + 4, label(v), font_size=10, text_anchor="end")
        for v in ticks
    )


def _legend(
    entries: Iterable[tuple[str, str]],
    *,
    x: int,
    step: int,
    y: int,
    box: tuple[int, int],
    text_y: int,
) -> str:
    """A row of (colour, label) entries from *x*, *step* apart: a swatch and its label."""
    return "".join(
        _el("rect", x=x + i * step, y=y, width=box[0], height=box[1], fill=colour)
        + _text(x + i * step + box[0] + 4, text_y, label, font_size=10)
        for i, (colour, label) in enumerate(entries)
    )


# -- the charts -------------------------------------------------------------------------------


def svg_by_category(data: Mapping[int, Mapping[str, float]], category_label: str) -> str:
    """Stacked bars of t CO2e per ISO category (1-6) and gas group.

    *data* maps each category to {gas group: t CO2e}; *category_label* starts each bar's
    label (``Cat.``, ``类别``).
    """
    totals = {c: sum(v for v in data[c].values() if v > 0) for c in data}
    ticks = nice_ticks(max(totals.values()))
    w, h, left, bottom, top = 640, 300, 70, 40, 20
    vmax = ticks[-1]
    y = _y_scale(vmax, h, top, bottom)
    bw = (w - left - 20) / 6
    parts = [_grid(ticks, y, left=left, right=w - 20, stroke="#ddd", label=_tick_text)]
    for i, c in enumerate(range(1, 7)):
        x = left + i * bw + bw * 0.15
        y0 = float(h - bottom)
        for g, colour in _GAS_COLOURS.items():
            v = data[c][g]
            if v <= 0:
                continue
            bh = (h - top - bottom) * v / vmax
            y0 -= bh
            parts.append(_bar(x, y0, bw * 0.7, bh, colour, f"Category {c}, {g}: {v:,.3f} t CO2e"))
        parts.append(
            _text(
                x + bw * 0.35,
                h - bottom + 14,
                f"{category_label} {c}",
                font_size=11,
                text_anchor="middle",
            )
        )
    shown = [(colour, g) for g, colour in _GAS_COLOURS.items() if any(data[c][g] > 0 for c in data)]
    parts.append(_legend(shown, x=left, step=70, y=h - 14, box=(10, 10), text_y=h - 5))
    middle = f"{top + (h - top - bottom) / 2:.0f}"
    parts.append(
        _text(
            12,
            middle,
            "t CO2e",
            font_size=11,
            transform=f"rotate(-90 12 {middle})",
            text_anchor="middle",
        )
    )
    return _svg(w, h, "Emissions by ISO 14064-1 category and gas", parts)


def svg_base_year_bridge(base: float, now: float, *, labels: tuple[str, str, str]) -> str:
    """Waterfall from the base-year total to this period's total [t CO2e].

    *labels* name the three bars: the base year, the change, this period.
    """
    change = now - base
    w, h, left, bottom, top = 480, 260, 80, 40, 20
    y = _y_scale(max(base, now) * 1.1 or 1.0, h, top, bottom)
    bars = [
        (0.0, base, _BLUE, f"{base:,.0f}"),
        (
            min(base, now),
            max(base, now),
            _GREEN if change < 0 else _RED,
            f"{'+' if change > 0 else ''}{change:,.0f}",
        ),
        (0.0, now, _BLUE, f"{now:,.0f}"),
    ]
    bw = (w - left - 20) / 3
    parts = []
    for i, (label, (lo, hi, colour, value)) in enumerate(zip(labels, bars, strict=True)):
        x = left + i * bw + bw * 0.2
        parts.append(_bar(x, y(hi), bw * 0.6, y(lo) - y(hi), colour, label))
        parts.append(_text(x + bw * 0.3, y(hi) - 4, value, font_size=10, text_anchor="middle"))
        parts.append(
            _text(x + bw * 0.3, h - bottom + 14, label, font_size=11, text_anchor="middle")
        )
    parts.append(_el("line", x1=left, x2=w - 20, y1=y(0), y2=y(0), stroke=_GREY))
    return _svg(w, h, "Base-year bridge", parts)


def svg_trend(
    actuals: Mapping[int, float],
    *,
    forecast: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    title: str = "Emissions, forecast and targets",
) -> str:
    """Inline SVG: actual emissions, the forecast with its band, and the target path.

    The y axis starts at 0 with round ticks (:func:`nice_ticks`, steps of 1, 2 or 5 x 10^k)
    labelled with thousands separators, its unit (t CO2e) above them.
    """
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
    ticks = nice_ticks(max(vals), target=6)
    vmax = ticks[-1]
    w, h, left, bottom = 680, 320, 80, 40
    x0, x1 = years[0], years[-1]

    def px(year: int) -> float:
        return left + (w - left - 20) * ((year - x0) / max(x1 - x0, 1))

    py = _y_scale(vmax, h, 30, bottom)
    parts = [
        _grid(ticks, py, left=left, right=w - 20, stroke="#eee", label=_tick_text),
        _text(left - 6, 22, "t CO2e", font_size=10, text_anchor="end"),  # the axis unit
    ]
    step = max(1, (x1 - x0) // 10)
    for year in range(x0, x1 + 1, step):
        parts.append(
            _text(px(year), h - bottom + 14, str(year), font_size=10, text_anchor="middle")
        )
    if forecast is not None:
        parts.append(_forecast(forecast, px, py))
    if targets is not None:
        path = zip(targets.index.tolist(), targets["target_t"].tolist(), strict=True)
        xy = ((px(int(y)), py(float(v))) for y, v in path)
        parts.append(_polyline(xy, stroke=_GREEN, stroke_width=2))
    actual = sorted(actuals.items())
    parts.append(_polyline(((px(y), py(v)) for y, v in actual), stroke="#222", stroke_width=2))
    for y, v in actual:
        tip = _title(f"{y}: {v:,.1f} t CO2e")
        parts.append(_el("circle", tip, cx=px(y), cy=py(v), r="2.5", fill="#222"))
    legend = [("#222", "actual"), (_BLUE, "forecast (95 % band)"), (_GREEN, "target path")]
    parts.append(_legend(legend, x=left, step=170, y=8, box=(12, 4), text_y=13))
    return _svg(w, h, title, parts)


def _forecast(
    forecast: pd.DataFrame, px: Callable[[int], float], py: Callable[[float], float]
) -> str:
    """The forecast of :func:`svg_trend`: its 95 % band and its central line (dashed)."""
    fy = [int(y) for y in forecast.index.tolist()]
    band = [*zip(fy, forecast["high_t"].tolist(), strict=True)]
    band += zip(fy[::-1], forecast["low_t"].tolist()[::-1], strict=True)
    central = zip(fy, forecast["forecast_t"].tolist(), strict=True)
    return _el(
        "polygon", fill=_BLUE, fill_opacity="0.15", points=_points((px(y), py(v)) for y, v in band)
    ) + _polyline(((px(y), py(v)) for y, v in central), stroke=_BLUE, stroke_dasharray="4 3")


def svg_decomposition(effects: Mapping[str, float], total: float) -> str:
    """Inline SVG bar chart of additive LMDI effects and the total change [t CO2e]."""
    items = [*effects.items(), ("total", total)]
    vmax = max(abs(v) for _, v in items) or 1.0
    w, h, left = 560, 40 + 30 * len(items), 130
    mid = left + (w - left - 60) / 2
    scale = (w - left - 120) / 2 / vmax
    parts = [_el("line", x1=mid, x2=mid, y1=10, y2=h - 10, stroke=_GREY)]
    for i, (name, v) in enumerate(items):
        y = 20 + 30 * i
        parts.append(_text(left - 8, y + 14, name, font_size=11, text_anchor="end"))
        parts.append(
            _bar(
                mid if v >= 0 else mid + v * scale, y, abs(v) * scale, 18, _RED if v > 0 else _GREEN
            )
        )
        end = mid + (v * scale if v >= 0 else 0) + 4
        parts.append(_text(end, y + 14, f"{v:+,.1f}", font_size=10))
    return _svg(w, h, "LMDI effects", parts)


def _cut(label: str, limit: int = 34) -> str:
    """*label* cut to *limit* characters with an ellipsis (the full text is the bar's tooltip)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def svg_hbars(
    items: Sequence[tuple[str, float, str]],
    *,
    title: str,
    axis_label: str,
    threshold: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars in the order given, from 0, optionally against a threshold line.

    *items* are (label, value, value text); a bar's length is the value's magnitude. With
    *threshold* (value, label) a dashed vertical line marks it, and a bar that reaches it
    is red (the others blue). Labels longer than 34 characters are cut; the tooltip of
    each bar has the whole label and its value text.
    """
    extra = [threshold[0]] if threshold is not None else []
    ticks = nice_ticks(max([abs(v) for _, v, _ in items] + extra, default=0.0), target=4)
    vmax = ticks[-1]
    w, left, right, top, row = 560, 210, 80, 30, 22
    h = top + row * len(items) + 36

    def px(v: float) -> float:
        return left + (w - left - right) * abs(v) / vmax

    parts = []
    for v in ticks:
        parts.append(_el("line", x1=px(v), x2=px(v), y1=top - 4, y2=h - 32, stroke="#ddd"))
        parts.append(_text(px(v), h - 20, _tick_text(v), font_size=10, text_anchor="middle"))
    parts.append(_text(left + (w - left - right) / 2, h - 5, axis_label, font_size=10, text_anchor="middle"))
    for i, (label, value, text) in enumerate(items):
        y = top + row * i
        reaches = threshold is not None and abs(value) >= threshold[0]
        colour = _RED if reaches else _BLUE
        parts.append(_bar(float(left), y + 3.0, px(value) - left, row - 6.0, colour, f"{label}: {text}"))
        parts.append(_text(left - 6, y + row / 2 + 4, _cut(label), font_size=11, text_anchor="end"))
        parts.append(_text(px(value) + 4, y + row / 2 + 4, text, font_size=10))
    if threshold is not None:
        x = px(threshold[0])
        parts.append(_el("line", x1=x, x2=x, y1=top - 6, y2=h - 32, stroke="#222", stroke_dasharray="4 3"))
        parts.append(_text(x, top - 10, threshold[1], font_size=10, text_anchor="middle"))
    return _svg(w, h, title, parts)
