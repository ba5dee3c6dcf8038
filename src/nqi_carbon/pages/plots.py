"""Matplotlib figures of a result (the ``plot`` extra): ``res.plot.by_category()`` and more.

The HTML pages draw their charts as SVG (:mod:`.charts`); these are the same pictures for
a notebook or a paper, drawn with matplotlib in the charts' colour-blind-safe palette.
matplotlib is imported inside each method, never when ``nqi_carbon`` is imported; without
it each method raises an :class:`ImportError` naming ``pip install "nqi-carbon[plot]"``
(as Excel output does for openpyxl). Every method returns the matplotlib ``Axes`` it drew
into: a new figure's, or the one passed as ``ax=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue
from .charts import _BLUE, _GAS_COLOURS, _GREEN, _RED, _tick_text

if TYPE_CHECKING:
    from ..calc.result import Result
    from ..trajectory.page import TrajectoryReport

_INSTALL = 'pip install "nqi-carbon[plot]"'
_ERROR_BARS = "#333333"  # the interval whiskers: dark grey on every bar colour
_ACTUAL = "#222222"  # the actual series, as in the trajectory page's chart


def _matplotlib(ax: Any) -> tuple[Any, Any]:
    """The ``Axes`` to draw into (*ax*, or a new figure's) and ``matplotlib.ticker``.

    Raises
    ------
    ImportError
        matplotlib is not installed (the ``plot`` extra).
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError as exc:
        raise ImportError(f"plots need matplotlib: {_INSTALL}") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    return ax, ticker


def _value_axis(axis: Any, ticker: Any, label: str, text: Any = _tick_text) -> None:
    """Round ticks (1, 2, 2.5, 5 x 10^k) labelled by *text* (thousands commas) and *label*."""
    axis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: text(float(f"{v:.12g}"))))
    axis.set_label_text(label)


class ResultPlots:
    """The figures of one :class:`~nqi_carbon.Result`, reached as ``res.plot``."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def by_category(self, *, ax: Any = None) -> Any:
        """Bars of gross emissions [t CO2e] per ISO 14064-1 category (1-6).

        With uncertainty computed (``calculate(uncertainty=...)``) each bar carries its
        95 % interval as an error bar; a category without lines has none.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw into this ``Axes``; by default a new figure's.

        Returns
        -------
        matplotlib.axes.Axes
            The ``Axes`` drawn into.

        Raises
        ------
        ImportError
            matplotlib is not installed: ``pip install "nqi-carbon[plot]"``.
        """
        ax, ticker = _matplotlib(ax)
        df = self._result.by("category")
        names = [f"Cat. {c}" for c in df["category"]]
        values = df["co2e_t"].to_numpy(dtype=float)
        yerr = None
        if "ci95_low_t" in df:
            low = df["ci95_low_t"].to_numpy(dtype=float)
            high = df["ci95_high_t"].to_numpy(dtype=float)
            # a missing interval (NaN) draws no whisker; it is never shown as 0
            yerr = [values - low, high - values]
        ax.bar(names, values, color=_BLUE, yerr=yerr, ecolor=_ERROR_BARS, capsize=4)
        ax.set_title("Emissions by ISO 14064-1 category" + (" (95 % intervals)" if yerr else ""))
        _value_axis(ax.yaxis, ticker, "t CO2e")
        ax.set_xlabel("ISO 14064-1 category")
        return ax

    def by_gas(self, *, ax: Any = None) -> Any:
        """Bars of gross emissions [t CO2e] per ISO category, stacked by gas group.

        As the HTML report's chart: location-based, fossil (biogenic CO2 and removals
        are reported apart), one colour per gas group (CO2, CH4, N2O, HFCs, PFCs, SF6,
        NF3, unspecified) in the charts' palette; a group with no emissions has no
        legend entry.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw into this ``Axes``; by default a new figure's.

        Returns
        -------
        matplotlib.axes.Axes
            The ``Axes`` drawn into.

        Raises
        ------
        ImportError
            matplotlib is not installed: ``pip install "nqi-carbon[plot]"``.
        """
        from .display import by_category_and_gas

        data = by_category_and_gas(self._result)
        ax, ticker = _matplotlib(ax)
        names = [f"Cat. {c}" for c in data]
        bottom = [0.0] * len(data)
        for gas, colour in _GAS_COLOURS.items():
            values = [max(data[c][gas], 0.0) for c in data]
            if not any(values):
                continue
            ax.bar(names, values, bottom=bottom, color=colour, label=gas)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title("Emissions by ISO 14064-1 category and gas")
        _value_axis(ax.yaxis, ticker, "t CO2e")
        ax.set_xlabel("ISO 14064-1 category")
        ax.legend(title="gas", frameon=False)
        return ax

    def contributors(self, *, top: int = 10, ax: Any = None) -> Any:
        """Horizontal bars of the inputs' shares of the total's variance (IPCC Approach 1).

        The largest contributor is drawn at the top; the shares are those of
        ``res.contributions`` (``variance_share``) in per cent.

        Parameters
        ----------
        top : int
            Draw at most this many inputs (1 or more).
        ax : matplotlib.axes.Axes, optional
            Draw into this ``Axes``; by default a new figure's.

        Returns
        -------
        matplotlib.axes.Axes
            The ``Axes`` drawn into.

        Raises
        ------
        InvalidInputError
            ``plot_needs_uncertainty`` when the result has no contributions (computed
            without ``uncertainty=``); ``plot_top_valid`` when *top* is not an int >= 1.
        ImportError
            matplotlib is not installed: ``pip install "nqi-carbon[plot]"``.
        """
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            issue = Issue("plot_top_valid", "top is an int >= 1", field="top", value=repr(top)[:80])
            raise InvalidInputError([issue], source="Result.plot.contributors()")
        rows = self._result.contributions[:top]
        if not rows:
            issue = Issue(
                "plot_needs_uncertainty",
                "no uncertainty contributions: calculate with uncertainty='analytical' "
                "or 'monte_carlo'",
                field="uncertainty",
                value=repr(self._result.uncertainty_method),
            )
            raise InvalidInputError([issue], source="Result.plot.contributors()")
        ax, ticker = _matplotlib(ax)
        labels = [str(r["label"]) for r in reversed(rows)]
        shares = [100 * float(r["variance_share"]) for r in reversed(rows)]
        ax.barh(range(len(rows)), shares, color=_BLUE, tick_label=labels)
        ax.set_title("Top contributors to the uncertainty of the total")
        _value_axis(ax.xaxis, ticker, "share of the variance of the total (%)")
        ax.set_xlim(left=0)
        return ax


Bridge = tuple[float, float, tuple[str, str, str]]
"""A base-year bridge: base-year total, this period's total [t CO2e], the three labels."""


class ReportPlots(ResultPlots):
    """The figures of an inventory report, reached as ``report.plot``.

    Those of its result (:class:`ResultPlots`) and the base-year bridge.
    """

    def __init__(self, result: Result, bridge: Bridge | None) -> None:
        super().__init__(result)
        self._bridge = bridge

    def base_year_bridge(self, *, ax: Any = None) -> Any:
        """Waterfall from the base-year total to this period's gross total [t CO2e].

        As the HTML report's chart: the base year and this period in blue, the change
        between them floating, green for a decrease and red for an increase.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw into this ``Axes``; by default a new figure's.

        Returns
        -------
        matplotlib.axes.Axes
            The ``Axes`` drawn into.

        Raises
        ------
        InvalidInputError
            ``plot_needs_base_year`` when the inventory states no base-year total.
        ImportError
            matplotlib is not installed: ``pip install "nqi-carbon[plot]"``.
        """
        if self._bridge is None:
            issue = Issue(
                "plot_needs_base_year",
                "the inventory states no base-year total (base_year.total_co2e_t)",
                field="base_year.total_co2e_t",
            )
            raise InvalidInputError([issue], source="report.plot.base_year_bridge()")
        base, now, labels = self._bridge
        ax, ticker = _matplotlib(ax)
        lows = [0.0, min(base, now), 0.0]
        highs = [base, max(base, now), now]
        colours = [_BLUE, _GREEN if now < base else _RED, _BLUE]
        heights = [hi - lo for lo, hi in zip(lows, highs, strict=True)]
        ax.bar(list(labels), heights, bottom=lows, color=colours)
        ax.set_title("Base-year bridge")
        _value_axis(ax.yaxis, ticker, "t CO2e")
        return ax


class TrajectoryPlots:
    """The figures of a trajectory report, reached as ``report.plot``."""

    def __init__(self, report: TrajectoryReport) -> None:
        self._report = report

    def trajectory(self, *, ax: Any = None) -> Any:
        """The series, its forecast with the 95 % band, the target path and the peak.

        As the trajectory page's chart: actual emissions in dark grey with markers, the
        forecast dashed in blue over its 95 % prediction band, the target path in green,
        the peak year marked and labelled; t CO2e on the value axis from 0, with round
        ticks and thousands separators, whole years on the time axis.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw into this ``Axes``; by default a new figure's.

        Returns
        -------
        matplotlib.axes.Axes
            The ``Axes`` drawn into.

        Raises
        ------
        ImportError
            matplotlib is not installed: ``pip install "nqi-carbon[plot]"``.
        """
        ax, ticker = _matplotlib(ax)
        rep = self._report
        years, values = zip(*sorted(rep.actuals.items()), strict=True)
        fc, targets, peak = rep.forecast, rep.targets, rep.peak
        if fc is not None and len(fc):
            fy = [int(y) for y in fc.index.tolist()]
            ax.fill_between(
                fy, fc["low_t"].tolist(), fc["high_t"].tolist(), color=_BLUE, alpha=0.15,
                linewidth=0, label="forecast, 95 % band",
            )  # fmt: skip
            ax.plot(fy, fc["forecast_t"].tolist(), color=_BLUE, linestyle="--", label="forecast")
        if targets is not None and len(targets):
            ty = [int(y) for y in targets.index.tolist()]
            ax.plot(ty, targets["target_t"].tolist(), color=_GREEN, linewidth=2, label="target path")
        ax.plot(list(years), list(values), color=_ACTUAL, marker="o", markersize=3, linewidth=2,
                label="actual")  # fmt: skip
        ax.plot([peak.peak_year], [peak.peak_value], linestyle="none", marker="*", markersize=12,
                color=_RED, label=f"peak {peak.peak_year} ({peak.status.replace('_', ' ')})")  # fmt: skip
        ax.set_title("Emissions, forecast and targets")
        _value_axis(ax.yaxis, ticker, "t CO2e")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_xlabel("year")
        ax.legend(frameon=False, fontsize="small")
        return ax
