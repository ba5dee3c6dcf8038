"""Reduction roadmaps (linear, constant rate, budget) and progress against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

from .read import _as_series

__all__ = ["progress", "roadmap"]

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
