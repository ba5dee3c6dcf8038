"""Annual and regional series from calculated inventories."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..calc.result import Result
from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["annual_series", "regional_totals"]

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
