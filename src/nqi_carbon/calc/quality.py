"""Data-quality scores per source and per category: where the data is weakest.

Each source gets two component scores from 1 (best) to 5 (weakest) and their maximum:

* **method** — 1 gas measured directly or carbon from an accredited (CMA/CNAS) lab
  analysis; 2 a source-specific factor (inline or supplier data) or a gas release by
  mass balance (refrigerant top-ups from service records); 3 a national or
  regional default (e.g. China MEE parameters); 4 an IPCC or other global default.
  Carbon from a pack fuel scores by the pack's region (fuels state none of their own):
  3 when every factor of the pack is for one country (``cn-mee``: CN), else 4
  (``ipcc-2006``: GLOBAL);
* **activity** — 1 every record from an instrument within its calibration validity;
  2 records with a stated uncertainty; 3 instrument readings covering days after the
  calibration due date (fallback uncertainty); 4 activity with no stated uncertainty; 5 any value
  substituted by a gap policy.

Category scores are weighted by each source's gross t CO2e. The scale is nqi-carbon's
own (no standard fixes one); it is stated in every report that shows it.
"""

from __future__ import annotations

import datetime as _dt
from math import fsum
from typing import TYPE_CHECKING

from .result import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["data_quality", "gross_by_source"]

def _pack_region(res: Result, fuel_ref: str, cache: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(pack id, region) of a pack fuel (see :attr:`~nqi_carbon.data.factors.LoadedPack.region`)."""
    from ..data.factors import registry_for

    if fuel_ref not in cache:
        reg = registry_for(res.inventory)
        fuel = reg.resolve_fuel(fuel_ref)
        cache[fuel_ref] = (fuel.pack_id, reg.pack(fuel.pack_id).region)
    return cache[fuel_ref]


def _method_score(
    res: Result, p: object, cache: dict[str, tuple[str, str]] | None = None
) -> tuple[int, str]:
    from .plan import SourcePlan

    assert isinstance(p, SourcePlan)
    if p.method == "measured":
        return 1, "gas mass measured"
    if p.method == "release":
        return 2, "gas released, by mass balance (purchase and service records)"
    if p.method == "financed" and p.source.financed is not None:
        score = p.source.financed.data_quality
        return score, f"PCAF data-quality score {score} (PCAF Part A 2022, sections 5.1/5.2)"
    if p.method == "carbon_content":
        c = p.source.carbon
        measured = [
            getattr(c, n)
            for n in ("carbon_content", "carbon_fraction")
            if c is not None and getattr(c, n) is not None
        ]
        if any(m.substitute is not None for m in measured):
            return 4, "carbon content substituted by a default (gap policy)"
        if measured and all(m.accreditation not in (None, "none") for m in measured):
            return 1, "carbon from an accredited lab analysis"
        if measured:
            return 2, "carbon measured, lab accreditation not stated"
        if c is None or c.fuel is None:  # not reached: calculate needs carbon from somewhere
            return 4, "carbon from default fuel parameters"
        pack_id, region = _pack_region(res, c.fuel, {} if cache is None else cache)
        if region == "GLOBAL":
            return 4, f"carbon from global default fuel parameters ({pack_id})"
        return 3, f"carbon from national/regional default fuel parameters ({pack_id}, {region})"
    f = res.factors_used.get(p.factor_ref)
    if f is None or f.pack_id == "inventory":
        return 2, "source-specific factor"
    region = f.entry.region.upper()
    if region == "GLOBAL":
        return 4, f"global default ({f.pack_id})"
    return 3, f"national/regional default ({f.pack_id}, {region})"


def _activity_score(res: Result, p: object) -> tuple[int, str]:
    from .plan import SourcePlan

    assert isinstance(p, SourcePlan)
    inv = res.inventory
    recs = p.source.records
    if not recs:
        return 4, "activity from a table"
    if any(r.substitute is not None for r in recs):
        return 5, "includes substituted values"
    if any(r.uncertainty is None and r.instrument is None for r in recs):
        return 4, "no stated uncertainty"
    expired = False
    for r in recs:
        if r.instrument is not None and r.uncertainty is None:
            ins = inv.instrument(r.instrument)
            last = r.bounds(inv.period)[1] - _dt.timedelta(days=1)
            # the due date itself is still within the calibration's validity
            if ins.calibration_due is not None and last > ins.calibration_due:
                expired = True
    if expired:
        return 3, "readings after the calibration due date"
    if all(r.instrument is not None and r.uncertainty is None for r in recs):
        return 1, "calibrated instruments"
    return 2, "stated uncertainty"


def gross_by_source(res: Result) -> dict[int, float]:
    """Per source index: the ``fsum`` of its lines' t CO2e (location-based, biogenic CO2 apart).

    As ``res._sum`` of each source's mask, without a mask per source: the lines sorted by
    source once, each source's slice summed (``fsum`` is exact: the order does not matter).
    """
    import numpy as np

    t = res.table.template
    rows = np.flatnonzero((t.basis != 2) & ~t.biogenic)
    rows = rows[np.argsort(t.src[rows], kind="stable")]
    src = t.src[rows]
    values = res.table.co2e[rows].tolist()
    index = [p.index for p in res.plans]
    lo = np.searchsorted(src, index, side="left").tolist()
    hi = np.searchsorted(src, index, side="right").tolist()
    return {i: fsum(values[a:b]) for i, a, b in zip(index, lo, hi, strict=True)}


def data_quality(result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Data-quality scores: (per source, per category weighted by t CO2e)."""
    import pandas as pd

    from ..errors import expect_type
    from .result import Result

    expect_type(result, Result, field="result", where="data_quality()", allowed="an nc.Result")

    gross = gross_by_source(result)
    rows = []
    regions: dict[str, tuple[str, str]] = {}
    for p in result.plans:
        m, m_why = _method_score(result, p, regions)
        a, a_why = _activity_score(result, p)
        rows.append(
            {
                "source": p.source.id,
                "category": p.category,
                "method_score": m,
                "method": m_why,
                "activity_score": a,
                "activity": a_why,
                "score": max(m, a),
                "co2e_t": gross[p.index],
            }
        )
    per_source = pd.DataFrame(
        rows,
        columns=[
            "source",
            "category",
            "method_score",
            "method",
            "activity_score",
            "activity",
            "score",
            "co2e_t",
        ],
    )
    cats = []
    for c in range(1, 7):
        sub = per_source[per_source["category"] == c] if len(per_source) else per_source
        w = sub["co2e_t"].abs().sum() if len(sub) else 0.0
        cats.append(
            {
                "category": c,
                "sources": len(sub),
                "weighted_score": float((sub["score"] * sub["co2e_t"].abs()).sum() / w)
                if w
                else None,
                "weakest_source": None
                if sub.empty
                else str(sub.sort_values(["score", "co2e_t"], ascending=False).iloc[0]["source"]),
            }
        )
    return per_source, pd.DataFrame(cats)
