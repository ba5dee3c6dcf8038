""":class:`Result`, the ``nqi-carbon/result@1`` contract of one calculation.

Totals, roll-ups, lines, uncertainty and provenance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from .. import __version__
from ..data.factors import Factor
from ..data.gases import KYOTO_GROUPS, gas_pack
from ..data.gwp import gwp_citation, gwp_pack
from ..errors import InvalidInputError, Issue
from ..inventory.models import Inventory
from .exact import fsum
from .findings import Finding
from .kernel import (
    Line,
    LineTable,
)
from .plan import Parameter, SourcePlan
from .rollup import SCOPE3_KEYS, group_masks
from .uncertainty import GroupUncertainty

if TYPE_CHECKING:
    import pandas as pd

    from ..pages.plots import ResultPlots

__all__ = ["BY_LEVELS", "RESULT_SCHEMA", "SCOPE3_CATEGORY_KEYS", "Result"]

RESULT_SCHEMA = "nqi-carbon/result@1"


UncertaintyMethod = Literal["analytical", "monte_carlo", "monte-carlo"]


SCOPE3_CATEGORY_KEYS = SCOPE3_KEYS
"""Keys of ``totals.by_scope3_category``: the GHG Protocol Scope 3 categories 1-15, and
``unassigned`` for Scope 3 lines (ISO categories 3-6) whose source states no
``scope3_category``; together they sum to ``by_scope["3"]``."""


BY_LEVELS: dict[str, str] = {
    "category": "category:",
    "scope": "scope:",
    "scope3_category": "scope3:",
    "gas": "gas:",
    "facility": "facility:",
    "source": "",
}
"""The levels of :meth:`Result.by` and the prefix of their groups."""


ByLevel = Literal["category", "scope", "scope3_category", "gas", "facility", "source"]


def _groups(table: LineTable, inv: Inventory) -> dict[str, npt.NDArray[np.bool_]]:
    """Boolean masks over lines for every reported roll-up (:func:`.rollup.group_masks`)."""
    return group_masks(table, inv)


def _check_level(level: Any, levels: Iterable[str], where: str) -> str:
    """*level* when it is one of *levels*; else ``by_level_known`` listing them."""
    allowed = list(levels)
    if isinstance(level, str) and level in allowed:
        return level
    issue = Issue(
        "by_level_known",
        "unknown level",
        field="level",
        value=repr(level)[:80],
        allowed=", ".join(allowed),
        raw=level,
    )
    raise InvalidInputError([issue], source=where)


@dataclass
class Result:
    """The outcome of :func:`calculate`: lines, totals, uncertainty, provenance, findings.

    ``to_dict()`` / ``to_json()`` give the ``nqi-carbon/result@1`` contract; ``lines``
    and ``by(...)`` give pandas DataFrames.

    ``plans`` (one :class:`~nqi_carbon.calc.plan.SourcePlan` per source, in source order)
    is a read-only sequence that makes each plan when first read
    (:class:`~nqi_carbon.calc.plan.PlanSet`), and ``findings`` a list-like
    :class:`~nqi_carbon.calc.findings.FindingList` whose findings are made when first
    read: both index, slice, iterate and compare equal to lists as lists do.
    """

    inventory: Inventory
    gwp_set: str
    table: LineTable
    plans: Sequence[SourcePlan]  # a PlanSet (read-only) from calculate
    params: list[Parameter]
    factors_used: dict[str, Factor]
    findings: MutableSequence[Finding]  # a FindingList from calculate
    group_masks: dict[str, npt.NDArray[np.bool_]]
    uncertainty_method: str | None = None
    group_uncertainty: dict[str, GroupUncertainty] = field(default_factory=dict)
    line_half95: npt.NDArray[np.float64] | None = None
    seed: int | None = None
    iterations: int | None = None
    contributions: list[dict[str, Any]] = field(default_factory=list)
    # share of the gross total from sources with an input stated without uncertainty
    # (treated as exact, so the interval understates the uncertainty); None: not computed
    unquantified_share: float | None = None
    _records: list[Line] | None = field(default=None, repr=False)
    _stats: Any = field(default=None, repr=False)
    # activity-table rows read after their instrument's calibration was due:
    # (source id, instrument id, rows, fallback used), as ActivityColumns found them
    _calibration_expired: list[tuple[str, str, int, bool]] = field(
        default_factory=list, repr=False
    )
    _ins_u95: Any = field(default=None, repr=False)
    # the uncertain inputs as `uncertainties` variables (built on first use, see interop)
    _ufloat_inputs: Any = field(default=None, repr=False, compare=False)

    # -- totals ----------------------------------------------------------------------
    @property
    def line_records(self) -> list[Line]:
        """The lines as :class:`~nqi_carbon.calc.Line` records (built on first use)."""
        if self._records is None:
            self._records = [self.table.record(i) for i in range(len(self.table))]
        return self._records

    def _sum(self, mask: npt.NDArray[np.bool_], attr: str = "co2e") -> float:
        return fsum(getattr(self.table, attr)[mask].tolist())

    @property
    def total_co2e(self) -> float:
        """Gross emissions [t CO2e].

        Categories 1-6 with category 2 location-based, excluding biogenic CO2 and removals.
        """
        return self._sum(self.group_masks["total"])

    @property
    def total_co2e_market_based(self) -> float:
        """Gross emissions with category 2 market-based [t CO2e]."""
        return self._sum(self.group_masks["total_market"])

    @property
    def biogenic_co2_t(self) -> float:
        """Biogenic CO2 [t], reported apart and not in the totals."""
        t = self.table.template
        return self._sum(t.biogenic & (t.basis != 2), "mass")

    @property
    def removals_co2e_t(self) -> float:
        """Removals [t CO2e], negative, reported apart."""
        from ..units import conversion_factor
        from .plan import consolidation_share

        return fsum(
            -r.amount
            * conversion_factor(r.unit, "t")
            * consolidation_share(self.inventory, r.facility)
            for r in self.inventory.removals
        )

    def totals(self) -> dict[str, Any]:
        """The ``totals`` object of ``result@1``."""
        masks = self.group_masks
        t = self.table.template
        gas = np.asarray(t.gas, dtype=str)
        keep = (t.basis != 2) & ~t.biogenic & (gas != "CO2e")
        by_mass = {g: self._sum(keep & (gas == g), "mass") for g in sorted(set(gas[keep].tolist()))}
        by_gas = {
            g: self._sum(masks[f"gas:{g}"]) if f"gas:{g}" in masks else 0.0 for g in KYOTO_GROUPS
        }
        if "gas:unspecified" in masks:
            by_gas["unspecified"] = self._sum(masks["gas:unspecified"])
        return {
            "gross_co2e_t": self.total_co2e,
            "gross_co2e_t_market_based": self.total_co2e_market_based,
            "by_category": {str(c): self._sum(masks[f"category:{c}"]) for c in range(1, 7)},
            "by_scope": {
                k: self._sum(masks[f"scope:{k}"]) for k in ("1", "2_location", "2_market", "3")
            },
            "by_scope3_category": {
                k: self._sum(masks[f"scope3:{k}"]) for k in SCOPE3_CATEGORY_KEYS
            },
            "by_gas_co2e_t": by_gas,
            "by_gas_mass_t": by_mass,
            "by_facility": {
                f.id: self._sum(masks[f"facility:{f.id}"]) for f in self.inventory.facilities
            },
            "biogenic_co2_t": self.biogenic_co2_t,
            "removals_co2e_t": self.removals_co2e_t,
        }

    # -- figures ---------------------------------------------------------------------
    @property
    def plot(self) -> ResultPlots:
        """Matplotlib figures of this result (the ``plot`` extra).

        ``res.plot.by_category()`` and ``res.plot.contributors()``, each returning the
        matplotlib ``Axes`` drawn (``ax=`` draws into yours); see
        :class:`~nqi_carbon.pages.plots.ResultPlots`.
        """
        from ..pages.plots import ResultPlots

        return ResultPlots(self)

    # -- tables ----------------------------------------------------------------------
    @property
    def lines(self) -> pd.DataFrame:
        """One row per source × gas (market-based scope-2 lines marked ``basis='market'``)."""
        import pandas as pd

        tab = self.table
        t = tab.template
        half = np.full(len(tab), np.nan) if self.line_half95 is None else self.line_half95
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(tab.co2e != 0, half / np.abs(tab.co2e), np.where(half == 0, 0.0, np.inf))
        rel = np.where(np.isnan(half), np.nan, rel)
        plans = t.row_plan
        return pd.DataFrame(
            {
                "source": [p.source.id for p in plans],
                "facility": t.facility,
                "category": t.category,
                "scope": [p.scope for p in plans],
                "scope3_category": pd.array([p.scope3_category for p in plans], dtype="Int64"),
                "gas": t.gas,
                "mass_t": tab.mass,
                "co2e_t": tab.co2e,
                "biogenic": t.biogenic,
                "method": [p.method for p in plans],
                "factor": t.ref,
                "pack_version": [p.pack_version for p in plans],
                "share": t.share,
                "basis": tab.basis_names,
                "gwp": t.gwp,
                "activity": tab.activity,
                "activity_unit": [p.base_unit for p in plans],
                "relative_95": rel,
            }
        )

    def by(self, level: ByLevel) -> pd.DataFrame:
        """Totals [t CO2e] by one level, with 95 % intervals when uncertainty was computed.

        Parameters
        ----------
        level : {"category", "scope", "scope3_category", "gas", "facility", "source"}
            ``scope3_category`` gives the GHG Protocol Scope 3 categories ``"1"`` to
            ``"15"`` and ``"unassigned"`` (Scope 3 sources stating none).

        Raises
        ------
        InvalidInputError
            ``by_level_known`` for any other level, listing the levels.
        """
        import pandas as pd

        _check_level(level, BY_LEVELS, "Result.by()")
        if level == "source":
            # every source of the inventory, also those that count 0 (no activity, only
            # biogenic CO2): a verifier looks for each one; exact sums like every total
            t = self.table.template
            gross = (t.basis != 2) & ~t.biogenic
            bio = t.biogenic & (t.basis != 2)
            rows = []
            for p in sorted(self.plans, key=lambda p: p.source.id):
                mine = t.src == p.index
                rows.append(
                    {
                        "source": p.source.id,
                        "co2e_t": self._sum(mine & gross),
                        "biogenic_co2_t": self._sum(mine & bio, "mass"),
                    }
                )
            return pd.DataFrame(rows, columns=["source", "co2e_t", "biogenic_co2_t"])
        prefix = BY_LEVELS[level]
        rows = []
        for name, mask in self.group_masks.items():
            if not name.startswith(prefix):
                continue
            row: dict[str, Any] = {level: name[len(prefix) :], "co2e_t": self._sum(mask)}
            u = self.group_uncertainty.get(name)
            if u is not None and mask.any():
                row.update(ci95_low_t=u.low, ci95_high_t=u.high, relative_95=u.relative_95)
            elif u is not None:  # nothing in the group (excluded category): no interval
                row.update(ci95_low_t=math.nan, ci95_high_t=math.nan, relative_95=math.nan)
            rows.append(row)
        return pd.DataFrame(rows)

    # -- other libraries: pint and uncertainties ---------------------------------------
    def _level_groups(self, level: str, where: str) -> list[str]:
        """The group names of *level* (a level of :meth:`by` other than ``source``)."""
        prefix = BY_LEVELS[_check_level(level, [k for k in BY_LEVELS if k != "source"], where)]
        return [g for g in self.group_masks if g.startswith(prefix)]

    def quantities(self, level: ByLevel = "category") -> dict[str, Any]:
        """Totals by one level as pint Quantities [t CO2e under :attr:`gwp_set`].

        Keys as in :meth:`by` (``"1"``, ``"2_location"``, a facility id...). The values are
        Quantities of ``nc.ureg`` in ``t``: CO2e is no unit of its own (it exists only under
        a GWP set), so the set is this result's.
        """
        from .interop import tonnes

        groups = self._level_groups(level, "Result.quantities()")
        return {g.split(":", 1)[1]: tonnes(self._sum(self.group_masks[g])) for g in groups}

    def total_quantity(self, *, market_based: bool = False) -> Any:
        """The gross total as a pint Quantity [t CO2e under :attr:`gwp_set`]."""
        from .interop import market_based_flag, tonnes

        market = market_based_flag(market_based, "Result.total_quantity()")
        return tonnes(self.total_co2e_market_based if market else self.total_co2e)

    def ufloats(self, level: ByLevel = "category") -> dict[str, Any]:
        """Totals by one level as correlated ``uncertainties`` values (IPCC Approach 1).

        Standard deviations are the 95 % half-widths of Approach 1 divided by 1.96. Every
        value taken from one result (by any level, and :meth:`total_ufloat`) is built on
        the same ``uncertainties`` variables, one per uncertain input (tagged
        ``activity:<source>``, ``instrument:<id>``, ``factor:...``, ``fuel:...``), so they
        are correlated as Approach 1 correlates them: groups that share a factor, a fuel
        parameter or an instrument move together, and ``sum(res.ufloats().values())``
        has the variance of the total. Available whatever ``uncertainty=`` was asked of
        :func:`calculate` (for Monte Carlo results they are Approach 1's, not the draws').

        Raises
        ------
        InvalidInputError
            ``by_level_known`` for an unknown level or ``source``; ``result_magnitude``
            when a standard deviation overflows double precision.
        """
        from .interop import group_ufloat

        groups = self._level_groups(level, "Result.ufloats()")
        return {g.split(":", 1)[1]: group_ufloat(self, g) for g in groups}

    def total_ufloat(self, *, market_based: bool = False) -> Any:
        """The gross total as an ``uncertainties`` value (IPCC Approach 1, σ = U95 / 1.96).

        Correlated with :meth:`ufloats` of the same result (it is their sum by category
        or by scope 1 + 2 + 3), with category 2 market-based when *market_based*.
        """
        from .interop import group_ufloat, market_based_flag

        market = market_based_flag(market_based, "Result.total_ufloat()")
        return group_ufloat(self, "total_market" if market else "total")

    # -- contract ---------------------------------------------------------------------
    def uncertainty_dict(self) -> dict[str, Any]:
        """The ``uncertainty`` object of ``result@1`` (nulls when not computed)."""
        u = self.group_uncertainty.get("total")
        return {
            "method": self.uncertainty_method,
            "ci95_low_t": None if u is None else u.low,
            "ci95_high_t": None if u is None else u.high,
            "relative_95": None if u is None else u.relative_95,
            "seed": self.seed,
            "iterations": self.iterations,
            "mean_t": None if u is None else u.mean,
            "median_t": None if u is None else u.median,
            # a category without lines (excluded, or not addressed) has no interval: null,
            # never a measured 0 ± 0 %
            "by_category": {
                k.split(":", 1)[1]: (
                    {
                        "ci95_low_t": v.low,
                        "ci95_high_t": v.high,
                        "relative_95": v.relative_95,
                    }
                    if self.group_masks[k].any()
                    else {"ci95_low_t": None, "ci95_high_t": None, "relative_95": None}
                )
                for k, v in self.group_uncertainty.items()
                if k.startswith("category:")
            },
            "contributions": self.contributions,
            "unquantified_share": self.unquantified_share,
        }

    def provenance(self) -> dict[str, Any]:
        """The ``provenance`` object of ``result@1``."""
        packs: dict[str, dict[str, str]] = {}
        for f in self.factors_used.values():
            if f.pack_id != "inventory":
                packs[f.pack_id] = {
                    "id": f.pack_id,
                    "version": f.pack_version,
                    "sha256": f.pack_sha256,
                }
        for p in self.plans:
            if p.method == "carbon_content" and p.factor_ref.count("/fuel/"):
                from ..data.factors import registry_for

                lp = registry_for(self.inventory).pack(p.factor_ref.split("/", 1)[0])
                packs[lp.id] = {"id": lp.id, "version": lp.version, "sha256": lp.sha256}
        gpack, gsha = gwp_pack()
        packs[gpack.id] = {"id": gpack.id, "version": gpack.version, "sha256": gsha}
        # the gas catalogue names every species and splits refrigerant blends (ASHRAE 34)
        spack, ssha = gas_pack()
        packs[spack.id] = {"id": spack.id, "version": spack.version, "sha256": ssha}
        cite = gwp_citation("CO2", self.gwp_set)
        sources = [f"{cite.document}, {cite.table or cite.section or ''} <{cite.url}>"]
        # values cited elsewhere than the set's main table (AR6 CH4 by origin) are named too
        extra: dict[str, set[str]] = {}
        gases = {  # each (gas, origin) cited once, not once per source
            (term.gas, term.origin)
            for p in self.plans
            for term in (*p.terms, *(p.market_terms or ()))
            if term.group not in ("non_kyoto", "unspecified") and term.gas != "CO2e"
        }
        for gas, origin in gases:
            c = gwp_citation(gas, self.gwp_set, origin)  # type: ignore[arg-type]
            if c.id != cite.id:
                label = f"{gas} ({origin})" if origin else gas
                text = f"{c.document}, {c.table or c.section or ''} <{c.url}>"
                extra.setdefault(text, set()).add(label)
        for text, labels in sorted(extra.items()):
            sources.append(f"{', '.join(sorted(labels))}: {text}")
        return {
            "library_version": __version__,
            "input_sha256": self.inventory.input_sha256,
            "factor_packs": [packs[k] for k in sorted(packs)],
            "gwp_source": "; ".join(sources),
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready mapping in the ``nqi-carbon/result@1`` contract.

        Each line carries its chain (:func:`nqi_carbon.calc.trace.line_traces`): the amounts
        as entered and their conversions, the activity in the factor's unit, the factor
        and the GWP with their citations.
        """
        from .trace import line_traces

        traces = line_traces(self)
        org = self.inventory.organization
        return {
            "schema": RESULT_SCHEMA,
            "organization": {"name": org.name, "id": org.id, "consolidation": org.consolidation},
            "period": {
                "start": self.inventory.period.start.isoformat(),
                "end": self.inventory.period.end.isoformat(),
            },
            "gwp_set": self.gwp_set,
            "totals": self.totals(),
            "uncertainty": self.uncertainty_dict(),
            "lines": [
                {
                    "source": ln.source,
                    "facility": ln.facility,
                    "category": ln.category,
                    "scope": ln.scope,
                    "scope3_category": ln.scope3_category,
                    "gas": ln.gas,
                    "mass_t": ln.mass_t,
                    "co2e_t": ln.co2e_t,
                    "biogenic": ln.biogenic,
                    "method": ln.method,
                    "factor": ln.factor,
                    "pack_version": ln.pack_version,
                    "share": ln.share,
                    "basis": ln.basis,
                    **trace,
                }
                for ln, trace in zip(self.line_records, traces, strict=True)
            ],
            "provenance": self.provenance(),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        r"""The ``result@1`` JSON text (never NaN or Infinity; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_document

        return json_document(self.to_dict(), indent)

    def __repr__(self) -> str:
        # short: print(result) in a script or REPL must not dump every line and array
        u = self.group_uncertainty.get("total")
        unc = f", ±{100 * u.relative_95:.1f} % ({self.uncertainty_method})" if u else ""
        return (
            f"<Result {self.inventory.organization.name!r} {self.inventory.period.start}.."
            f"{self.inventory.period.end} {self.gwp_set}: {self.total_co2e:,.3f} t CO2e gross"
            f"{unc}; {len(self.inventory.sources)} sources, {len(self.findings)} findings>"
        )

    def _repr_html_(self) -> str:
        """The notebook display: headline totals with 95 % intervals, chart, contributors."""
        from ..pages.display import result_html

        return result_html(self)
