"""Misstatements: a claimed figure against the recomputed one, classified and sized."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..calc.result import Result

if TYPE_CHECKING:
    from .claim import _LineRow

__all__ = ["Misstatement"]

@dataclass(frozen=True)
class Misstatement:
    """One difference between what was claimed and what the evidence supports."""

    level: Literal["total", "category", "source_gas", "breakdown"]
    subject: str
    claimed_t: float | None
    recomputed_t: float
    difference_t: float  # claimed - recomputed
    relative: float | None  # difference / recomputed
    direction: Literal["overstatement", "understatement"]
    kind: Literal[
        "error", "omission", "rounding", "not_supported", "inconsistency", "not_broken_out"
    ]


@dataclass(frozen=True)
class _Figure:
    """A figure the claim states, with the row that compares it and its own materiality.

    ``name`` says where the claim states it (``by_category.1``, ``by_source.kiln-coal``,
    ``by_scope.2_location``, ``gross_co2e_t_market_based`` ...); ``threshold_t`` is the
    materiality at the figure's level, in the row's ``unit``.
    """

    name: str
    row: Misstatement
    threshold_t: float
    unit: str = "t CO2e"


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "E" in text:
        return 6
    frac = text.split(".")[1] if "." in text else ""
    return 0 if frac == "0" else len(frac)


def _misstatement(
    level: Any, subject: str, claimed: float | None, recomputed: float
) -> Misstatement | None:
    c = 0.0 if claimed is None else claimed
    diff = c - recomputed
    if diff == 0:
        return None
    if claimed is None or (claimed == 0 and recomputed != 0):
        kind: Any = "omission"
    elif recomputed == 0:
        kind = "not_supported"
    elif abs(diff) <= 0.5 * 10 ** (-_decimals(claimed)) + 1e-9 * abs(recomputed):
        kind = "rounding"
    else:
        kind = "error"
    return Misstatement(
        level,
        subject,
        claimed,
        recomputed,
        diff,
        diff / recomputed if recomputed else None,
        "overstatement" if diff > 0 else "understatement",
        kind,
    )


def _mark_not_broken_out(found: list[Misstatement], ids: set[int]) -> None:
    """Relabel the rows *ids* of *found* as ``not_broken_out`` (covered by a stated total)."""
    for i, r in enumerate(found):
        if id(r) in ids:
            found[i] = replace(r, kind="not_broken_out")


def _line_views(rows: list[_LineRow]) -> tuple[dict[str, dict[tuple[str, str], float]], set[str]]:
    """The t CO2e per (source, gas) of the lines outside the location-based gross total.

    ``gross_co2e_t_market_based``: the market-based view of each source (lines of basis
    ``both`` and ``market``, fossil); ``biogenic_co2_t``: biogenic lines (basis ``both`` and
    ``location``), as :meth:`Result.totals` sums them. Also the sources with a line of
    basis ``location`` or ``market``, the only ones whose market-based view differs from
    the location-based figure already compared.
    """
    views: dict[str, dict[tuple[str, str], float]] = {
        "gross_co2e_t_market_based": {},
        "biogenic_co2_t": {},
    }
    split: set[str] = set()
    for sid, gas, basis, biogenic, t in rows:
        if basis != "both":
            split.add(sid)
        if biogenic:
            fig = "biogenic_co2_t" if basis != "market" else None
        else:
            fig = "gross_co2e_t_market_based" if basis != "location" else None
        if fig is not None:
            view = views[fig]
            view[(sid, gas)] = view.get((sid, gas), 0.0) + t
    return views, split


def _line_view_rows(claimed: list[_LineRow], res: Result) -> list[tuple[str, str, Misstatement]]:
    """A result@1 claim's market-based and biogenic lines against the recomputed ones.

    The location-based lines are compared as sources; without this the lines of the other
    views would be read and never compared (only their totals were). Market-based rows are
    listed for the sources whose market-based view differs from the location-based one on
    either side; biogenic rows for every biogenic line. Neither joins the gross aggregate.
    Each row comes with the figure reported apart it belongs to and its own name
    (``by_source_market_based.<source>.<gas>``, ``by_source_biogenic.<source>.<gas>``).
    """
    lines = res.lines
    recomputed: list[_LineRow] = [
        (str(s), str(g), str(b), bool(bio), float(v))
        for s, g, b, bio, v in zip(
            lines["source"],
            lines["gas"],
            lines["basis"],
            lines["biogenic"],
            lines["co2e_t"],
            strict=True,
        )
    ]
    (c_views, c_split), (r_views, r_split) = _line_views(claimed), _line_views(recomputed)
    split = c_split | r_split
    out = []
    for fig, label, view in (
        ("gross_co2e_t_market_based", "market-based", "by_source_market_based"),
        ("biogenic_co2_t", "biogenic", "by_source_biogenic"),
    ):
        c, r = c_views[fig], r_views[fig]
        keys = c.keys() | r.keys()
        if fig == "gross_co2e_t_market_based":
            keys = {k for k in keys if k[0] in split}
        for sid, gas in sorted(keys):
            m = _misstatement(
                "source_gas", f"{sid}/{gas} ({label})", c.get((sid, gas)), r.get((sid, gas), 0.0)
            )
            if m is not None:
                out.append((fig, f"{view}.{sid}.{gas}", m))
    return out


def _unit_of(fig: str) -> str:
    """The unit of a figure reported apart: biogenic CO2 is a mass of CO2, the rest CO2e."""
    return "t CO2" if fig == "biogenic_co2_t" else "t CO2e"


def _rounding_slack(figures: list[float]) -> float:
    """Half a unit of each figure's last printed digit, summed: what rounding can explain."""
    return math.fsum(0.5 * 10 ** (-_decimals(v)) for v in figures)


def _inconsistency_kind(
    m: Misstatement, figures: list[float]
) -> Literal["rounding", "inconsistency"]:
    """``rounding`` within the half-units of the figures' printed digits, else ``inconsistency``."""
    slack = _rounding_slack(figures)
    return (
        "rounding" if abs(m.difference_t) <= slack + 1e-9 * abs(m.recomputed_t) else "inconsistency"
    )
