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
from .charts import _BLUE, _GREEN, _RED, _tick_text

if TYPE_CHECKING:
    from ..calc.result import Result

_INSTALL = 'pip install "nqi-carbon[plot]"'
_ERROR_BARS = "#333333"  # the interval whiskers: dark grey on every bar colour


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
