"""The baselines: plain numpy/pandas scripts doing the library's arithmetic from the same input.

Their tables (unit scales, per-gas coefficients, GWPs) are built once, outside the timer,
from the packs' YAML, :func:`nqi_carbon.conversion_factor` and :func:`nqi_carbon.gwp`; the
timed part starts from the table as the user has it (strings are factorised inside it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from cases import SHARES, Case

SLOTS = 3  # per-gas lines per source at most (CO2, CH4, N2O)
GROUPS = ("CO2", "CH4", "N2O", "HFCs", "unspecified")


class Baseline:
    """Per-record emissions per gas (gas-major), then every roll-up, as numpy would do it.

    ``coef[k, s]``: t CO2e per base unit of source *s* for its *k*-th gas (consolidation
    share included); ``scale[s, u]``: input unit *u* to the source's base unit (NaN where
    it does not fit); ``group[k, s]``: the gas group of that line.
    """

    def __init__(self, case: Case, nc: Any, packs: Path) -> None:
        self.case = case
        ipcc = yaml.load((packs / "ipcc-2006.yaml").read_bytes(), Loader=yaml.CSafeLoader)
        mee = yaml.load((packs / "cn-mee.yaml").read_bytes(), Loader=yaml.CSafeLoader)
        factors = {f"ipcc-2006/{f['id']}": (f, ipcc) for f in ipcc["factors"]}
        factors |= {f"cn-mee/{f['id']}": (f, mee) for f in mee["factors"]}
        suppliers = {f["id"]: f for f in case.inventory["factors"]}
        self.units = ["GJ", "TJ", "t", "kWh", "MWh", "kg"]
        self.unit_index = {u: k for k, u in enumerate(self.units)}
        n = len(case.sources)
        self.scale = np.full((n, len(self.units)), np.nan)
        self.coef = np.zeros((SLOTS, n))
        self.group = np.full((SLOTS, n), len(GROUPS) - 1, dtype=np.intp)
        self.u_par = {}  # (factor, gas) -> relative 95 % uncertainty, for the MC sampler
        self.par_of = np.full((SLOTS, n), -1, dtype=np.intp)
        gwp = {"CO2": 1.0, "CH4": nc.gwp("CH4", "AR6", "fossil"), "N2O": nc.gwp("N2O", "AR6")}
        self.facility = np.array([s.facility for s in case.sources])
        self.category = np.array([s.category for s in case.sources])
        share = np.array([SHARES[f % 3] for f in self.facility])
        for i, s in enumerate(case.sources):
            if s.kind in ("ipcc", "grid"):
                entry, pack = factors[s.ref]
                base = entry["activity_unit"]
                for k, (gas, gv) in enumerate(entry["gases"].items()):
                    self.coef[k, i] = gv["value"] * nc.conversion_factor(gv["unit"], "t", per=base) * gwp[gas]
                    self.group[k, i] = GROUPS.index(gas)
                    if "uncertainty" in gv:
                        self.par_of[k, i] = self._par(s.ref + gas, gv["uncertainty"], gv["value"])
                for u in s.units:
                    try:
                        self.scale[i, self.unit_index[u]] = nc.conversion_factor(u, base)
                    except nc.DimensionalityMismatchError:  # through the fuel's NCV
                        fuel = next(f for f in pack["fuels"] if f["id"] == entry["fuel"])
                        ncv = fuel["ncv"]
                        self.scale[i, self.unit_index[u]] = (
                            nc.conversion_factor(u, "t") * ncv["value"] * nc.conversion_factor(ncv["unit"], base, per="t")
                        )
            elif s.kind == "supplier":
                co2e = suppliers[s.ref]["co2e"]
                self.coef[0, i] = co2e["value"] * nc.conversion_factor(co2e["unit"], "t", per="t")
                self.par_of[0, i] = self._par(s.ref, {"relative": co2e["uncertainty"]}, co2e["value"])
                for u in s.units:
                    self.scale[i, self.unit_index[u]] = nc.conversion_factor(u, "t")
            elif s.kind == "carbon":
                fuel = next(f for f in mee["fuels"] if f"cn-mee/fuel/{f['id']}" == s.ref)
                ncv = fuel["ncv"]["value"] * nc.conversion_factor(fuel["ncv"]["unit"], "GJ", per="t")
                cc = fuel["carbon_content"]["value"] * nc.conversion_factor(fuel["carbon_content"]["unit"], "t", per="GJ")
                self.coef[0, i] = ncv * cc * fuel["oxidation"]["value"] * 44.0 / 12.0
                self.group[0, i] = 0
                for u in s.units:
                    self.scale[i, self.unit_index[u]] = nc.conversion_factor(u, "t")
            else:  # R-410A: HFC-32 and HFC-125, half each
                for k, gas in enumerate(("HFC-32", "HFC-125")):
                    self.coef[k, i] = 0.5 * nc.gwp(gas, "AR6")
                    self.group[k, i] = GROUPS.index("HFCs")
                for u in s.units:
                    self.scale[i, self.unit_index[u]] = nc.conversion_factor(u, "t")
        self.coef *= share
        self.n_fac = case.n_facilities
        self.n_src = n
        self.cell = self.facility * 6 + (self.category - 1)
        self.src_index = {s.id: i for i, s in enumerate(case.sources)}

    def _par(self, key: str, unc: Any, value: float) -> int:
        if key not in self.u_par:
            if isinstance(unc, dict) and "lower" in unc:
                u = (unc["upper"] - unc["lower"]) / 2 / value
            else:
                u = unc["relative"] if isinstance(unc, dict) else float(unc)
            self.u_par[key] = (len(self.u_par), u)
        return self.u_par[key][0]

    # -- the timed part ---------------------------------------------------------------
    def codes(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Source and unit index per row, from strings (factorised) or categoricals."""
        out = []
        for col, index in (("source", self.src_index), ("unit", self.unit_index)):
            column = table[col]
            if isinstance(column.dtype, pd.CategoricalDtype):
                codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
            else:
                codes, uniques = pd.factorize(column)
            lookup = np.array([index[v] for v in uniques], dtype=np.intp)
            out.append(lookup[codes])
        return out[0], out[1]

    def __call__(self, table: pd.DataFrame) -> dict[str, Any]:
        src, unit = self.codes(table)
        x = table["amount"].to_numpy() * self.scale[src, unit]
        per_source = np.stack(
            [np.bincount(src, x * self.coef[k][src], minlength=self.n_src) for k in range(SLOTS)]
        )  # gas-major per-record emissions, summed per source and gas
        return self.roll_up(per_source)

    def roll_up(self, per_source: np.ndarray) -> dict[str, Any]:
        flat_src = np.tile(np.arange(self.n_src), SLOTS)
        values = per_source.ravel()
        cells = np.bincount(self.cell[flat_src], values, minlength=self.n_fac * 6).reshape(self.n_fac, 6)
        return {
            "total": float(values.sum()),
            "by_category": cells.sum(axis=0),
            "by_facility": cells.sum(axis=1),
            "by_gas": np.bincount(self.group.ravel(), values, minlength=len(GROUPS)),
            "cells": cells,
        }

    def lean_a1(self, table: pd.DataFrame) -> dict[str, Any]:
        """Approach 1 the lean way: two bincounts (A and Q per source), then per-source sums."""
        src, unit = self.codes(table)
        x = table["amount"].to_numpy() * self.scale[src, unit]
        xu = x * table["uncertainty"].to_numpy()
        A = np.bincount(src, x, minlength=self.n_src)
        Q = np.bincount(src, xu * xu, minlength=self.n_src)
        rho = self.coef.sum(axis=0)
        per_source = self.coef * A
        out = self.roll_up(per_source)
        act_var = Q * rho * rho
        # shared factors: each parameter's emissions per facility, squared after summing
        n_par = len(self.u_par)
        u = np.array([v[1] for v in sorted(self.u_par.values())])
        has = self.par_of >= 0
        fac_par = (np.broadcast_to(self.facility, has.shape)[has] * n_par + self.par_of[has])
        e_fp = np.bincount(fac_par, per_source[has], minlength=self.n_fac * n_par).reshape(self.n_fac, n_par)
        par_var = (e_fp * u) ** 2
        out["half95_by_facility"] = np.sqrt(
            np.bincount(self.facility, act_var, minlength=self.n_fac) + par_var.sum(axis=1)
        )
        out["half95_total"] = float(np.sqrt(act_var.sum() + ((e_fp.sum(axis=0) * u) ** 2).sum()))
        return out


def timed_baseline(base: Baseline, table: pd.DataFrame) -> Callable[[], Any]:
    return lambda: base(table)
