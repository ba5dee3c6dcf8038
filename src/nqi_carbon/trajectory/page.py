"""The trajectory report: :class:`TrajectoryReport` and its HTML page."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..pages.charts import svg_decomposition, svg_trend

if TYPE_CHECKING:
    import pandas as pd

    from ..pages.plots import TrajectoryPlots
    from .forecast import PeakResult

__all__ = ["TrajectoryReport"]


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
    *notes* on the input are stated on the page: every figure depends on them. The page
    is the template ``pages/templates/trajectory.html``.
    """
    from ..pages.render import markup, render

    return render(
        "trajectory.html",
        html_lang="en",
        title=title,
        peak_status=peak.status.replace("_", " "),
        peak_evidence=peak.evidence,
        plateau_band=f"{100 * peak.plateau_band:g}",
        decline_years=peak.decline_years,
        parameters=_parameter_rows(parameters or {}, forecast.attrs.get("annual_change")),
        notes=list(notes),
        trend=markup(svg_trend(actuals, forecast=forecast, targets=targets, title=title)),
        decomposition=None if decomposition is None else _decomposition_view(decomposition),
        progress=_table_view(progress_table),
    )


_PARAMETER_LABELS = {
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
"""Labels of the parameters stated on the page (others are shown by their key)."""


def _parameter_rows(parameters: Mapping[str, Any], annual_change: Any) -> list[tuple[str, str]]:
    """The parameters as (label, value) rows, and the forecast's annual change when known."""
    rows = [
        (
            _PARAMETER_LABELS.get(k, k),
            "—" if v is None else (f"{v:,.3f}" if isinstance(v, float) else str(v)),
        )
        for k, v in parameters.items()
    ]
    if isinstance(annual_change, float) and math.isfinite(annual_change):
        rows.append(("Forecast trend", f"{100 * annual_change:+.3f} % a year"))
    return rows


def _decomposition_view(decomposition: Mapping[str, Any]) -> dict[str, Any]:
    """The LMDI decomposition as the page shows it: period, chart, total, effect tables."""
    from ..pages.render import markup

    years = decomposition.get("years")
    span = (
        f" {years[0]} to {years[1]}" if isinstance(years, list | tuple) and len(years) == 2 else ""
    )
    total = decomposition["total_change_t"]
    return {
        "span": span,
        "chart": markup(svg_decomposition(decomposition["additive"], total)),
        "total": f"{total:,.3f}",
        "additive": [(str(k), f"{v:,.3f}") for k, v in decomposition["additive"].items()],
        "multiplicative": [
            (str(k), f"{v:.6f}") for k, v in (decomposition.get("multiplicative") or {}).items()
        ],
    }


def _table_view(df: pd.DataFrame) -> dict[str, Any]:
    """A table as text cells: the index first; empty for None or NaN, floats to 3 decimals."""

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return f"{v:,.3f}" if isinstance(v, float) else str(v)

    return {
        "headers": [str(c) for c in [df.index.name or "", *df.columns]],
        "rows": [(str(i), [cell(v) for v in row.tolist()]) for i, row in df.iterrows()],
    }


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

        from .._escape import json_text

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

    def __repr__(self) -> str:
        # short: the dataclass repr would print every table of the report
        years = sorted(self.actuals)
        span = f"{years[0]}..{years[-1]}" if years else "no years"
        target = self.parameters.get("target_year")
        return (
            f"<TrajectoryReport {span}, {len(years)} years: peak "
            f"{self.peak.status.replace('_', ' ')} ({self.peak.peak_year}), "
            f"forecast to {int(self.forecast.index.max()) if len(self.forecast) else '—'}, "
            f"target year {target if target is not None else '—'}>"
        )

    @property
    def plot(self) -> TrajectoryPlots:
        """Matplotlib figures of this report (the ``plot`` extra): ``trajectory()``."""
        from ..pages.plots import TrajectoryPlots

        return TrajectoryPlots(self)

    def _repr_html_(self) -> str:
        from ..pages.render import markup, render

        return render(
            "trajectory_display.html",
            trend=markup(svg_trend(self.actuals, forecast=self.forecast, targets=self.targets)),
            peak_status=self.peak.status.replace("_", " "),
            peak_evidence=self.peak.evidence,
        )


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(type(obj).__name__)
