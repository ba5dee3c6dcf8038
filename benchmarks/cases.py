"""The benchmark's inputs: a realistic inventory and activity tables, as users bring them.

Nothing here imports nqi-carbon: the same files are read by the code before and after a
change (see bench.py). The inventory (``make_case``):

* ``facilities`` facilities (equity share 1.0, 0.6 or 0.35, region CN-JS), 50 sources each;
* per facility: 32 sources on IPCC 2006 stationary-combustion factors (20 fossil fuels,
  CO2 + CH4 + N2O per TJ; one in three also reports in t, converted through the fuel's NCV),
  10 on the CN-MEE national grid factor per MWh (kWh or MWh), 6 on inline supplier CO2e
  factors per t (t or kg), one carbon-content source (CN-MEE anthracite, t) and one
  refrigerant release (R-410A, kg): four methods, seven gases;
* GWP AR6, period 2024, every source with activity in two units.

The activity table is long (source, amount, unit, uncertainty), its rows spread Zipf-like
over the sources, 1-5 % per-row uncertainty. It is written as CSV and Parquet and given
to the library as a DataFrame in three forms: plain strings (what ``pd.read_csv``
returns), categoricals with sorted categories (what ``astype("category")`` gives) and
categoricals in inventory order (the old benchmark's best case).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

IPCC_FUELS = (
    "crude_oil", "motor_gasoline", "gas_diesel_oil", "residual_fuel_oil", "lpg", "anthracite",
    "other_bituminous_coal", "sub_bituminous_coal", "lignite", "natural_gas", "jet_kerosene",
    "naphtha", "petroleum_coke", "coking_coal", "refinery_gas", "ethane", "bitumen",
    "other_kerosene", "shale_oil", "coke_oven_gas",
)  # fmt: skip
SHARES = (1.0, 0.6, 0.35)
PER_FACILITY = 50
N_SUPPLIERS = 10


@dataclass
class SourceSpec:
    id: str
    facility: int
    category: int
    kind: str  # ipcc, grid, supplier, carbon, release
    ref: str  # factor reference, fuel or gas
    units: tuple[str, str]


@dataclass
class Case:
    folder: Path
    n_facilities: int
    sources: list[SourceSpec] = field(default_factory=list)
    inventory: dict = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sources]


def _source(fac: int, j: int) -> SourceSpec:
    sid = f"f{fac:03d}-s{j:02d}"
    if j < 32:
        fuel = IPCC_FUELS[(fac + j) % len(IPCC_FUELS)]
        units = ("GJ", "t") if j % 3 == 0 else ("GJ", "TJ")
        return SourceSpec(sid, fac, 1, "ipcc", f"ipcc-2006/stationary/{fuel}", units)
    if j < 42:
        return SourceSpec(sid, fac, 2, "grid", "cn-mee/grid/national/2022", ("kWh", "MWh"))
    if j < 48:
        return SourceSpec(sid, fac, 4, "supplier", f"supplier/s{(fac + j) % N_SUPPLIERS}", ("t", "kg"))
    if j == 48:
        return SourceSpec(sid, fac, 1, "carbon", "cn-mee/fuel/anthracite", ("t", "kg"))
    return SourceSpec(sid, fac, 1, "release", "R-410A", ("kg", "t"))


def _source_mapping(s: SourceSpec) -> dict:
    out: dict = {"id": s.id, "facility": f"fac{s.facility:03d}", "category": s.category}
    if s.kind in ("ipcc", "grid", "supplier"):
        out["factor"] = s.ref
    elif s.kind == "carbon":
        out["method"] = "carbon_content"
        out["carbon"] = {"fuel": s.ref}
    else:
        out["method"] = "release"
        out["gas"] = s.ref
    return out


def make_inventory(n_facilities: int) -> tuple[list[SourceSpec], dict]:
    """The sources and the inventory mapping (``nqi-carbon/inventory@1``)."""
    sources = [_source(fac, j) for fac in range(n_facilities) for j in range(PER_FACILITY)]
    suppliers = [
        {
            "id": f"supplier/s{k}",
            "name": f"Supplier {k} cradle-to-gate product footprint",
            "activity_unit": "t",
            "co2e": {"value": 150.0 + 37.5 * k, "unit": "kg/t", "gwp_set": "AR6", "uncertainty": 0.1},
            "reference": f"supplier {k} product carbon footprint declaration 2024",
        }
        for k in range(N_SUPPLIERS)
    ]
    inventory = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Benchmark Group", "id": "bench", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "factor_packs": ["ipcc-2006", "cn-mee"],
        "facilities": [
            {"id": f"fac{i:03d}", "equity_share": SHARES[i % 3], "region": "CN-JS"}
            for i in range(n_facilities)
        ],
        "factors": suppliers,
        "sources": [_source_mapping(s) for s in sources],
    }
    return sources, inventory


def make_table(sources: list[SourceSpec], n: int, seed: int = 0) -> pd.DataFrame:
    """A long activity table of *n* rows with plain-string source and unit columns."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(sources) + 1) ** 0.8
    src = rng.permutation(len(sources))[rng.choice(len(sources), size=n, p=weights / weights.sum())]
    if n >= len(sources):  # every source has activity in both units
        src[: 2 * len(sources) : 2] = np.arange(len(sources))
        src[1 : 2 * len(sources) : 2] = np.arange(len(sources))
    which = rng.integers(0, 2, n)
    if n >= 2 * len(sources):
        which[: 2 * len(sources)] = np.tile([0, 1], len(sources))
    units = np.array([s.units for s in sources], dtype=object)
    scale = {"GJ": 1e3, "TJ": 1.0, "t": 50.0, "kWh": 1e5, "MWh": 100.0, "kg": 500.0}
    unit = units[src, which]
    base = np.array([scale[u] for u in unit])
    amount = np.round(rng.uniform(0.5, 2.0, n) * base, 3)
    ids = np.array([s.id for s in sources], dtype=object)
    return pd.DataFrame(
        {
            "source": ids[src],
            "amount": amount,
            "unit": unit,
            "uncertainty": rng.choice([0.01, 0.02, 0.05], n),
        }
    )


def write_case(folder: Path, n_facilities: int, rows: int, *, seed: int = 0) -> Case:
    """The inventory (YAML and JSON) and its activity table (CSV, Parquet) in *folder*.

    ``inventory-csv.json`` and ``inventory-parquet.json`` name the activity file in
    ``activity_files`` (what the command line reads). Files already there are reused.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sources, inventory = make_inventory(n_facilities)
    case = Case(folder, n_facilities, sources, inventory)
    marker = folder / f"done-{rows}-{seed}"
    if marker.exists():
        return case
    (folder / "inventory.json").write_text(json.dumps(inventory, indent=1))
    (folder / "inventory.yaml").write_text(
        yaml.safe_dump(inventory, sort_keys=False, allow_unicode=True, width=100)
    )
    for kind in ("csv", "parquet"):
        with_file = dict(inventory, activity_files=[f"activity.{kind}"])
        (folder / f"inventory-{kind}.json").write_text(json.dumps(with_file, indent=1))
    table = make_table(sources, rows, seed)
    table.to_csv(folder / "activity.csv", index=False)
    table.to_parquet(folder / "activity.parquet", index=False)
    marker.write_text("")
    return case


def table_forms(case: Case, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The same rows as plain strings, sorted categoricals and inventory-order categoricals."""
    strings = table
    sorted_cat = table.astype({"source": "category", "unit": "category"})
    inv_order = table.copy()
    inv_order["source"] = pd.Categorical(table["source"], categories=case.ids)
    inv_order["unit"] = pd.Categorical(table["unit"])
    return {"strings": strings, "categorical": sorted_cat, "inventory_order": inv_order}
