"""The trajectory report: :class:`TrajectoryReport` and its HTML page."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from typing import TYPE_CHECKING

from ..pages.charts import svg_decomposition, svg_trend

if TYPE_CHECKING:
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
    *notes* on the input are stated on the page: every figure depends on them.
    """
    from .._escape import html_text

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

    def _repr_html_(self) -> str:
        from .._escape import html_text

        return svg_trend(self.actuals, forecast=self.forecast, targets=self.targets) + (
            f"<p>Peak: {html_text(self.peak.status.replace('_', ' '))} — "
            f"{html_text(self.peak.evidence)}</p>"
        )


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(type(obj).__name__)
