"""Benchmark of the calculation core against a plain-numpy baseline (run by hand).

    python benchmarks/bench_core.py            # full run (1e3 .. 1e6 lines, loops at 1e5)
    python benchmarks/bench_core.py --quick    # smaller sizes, loops at 1e4

Every figure is a ratio measured in the same process: the baseline and the candidate are
run interleaved, and the ratio of their medians (>= 5 runs) is reported. Absolute times
on a shared 2-core VM move by +-30 % between runs; ratios hold within about +-20 %.
Nothing here is a timed assertion in the test suite.

Case (as in issue #4): ~50 factors x 3 gases (30 per TJ, 10 per m3, 10 per t), 5 input
units that all need conversion (kWh, GJ -> TJ; L, gal -> m3; lb -> t), 20 facilities,
6 categories, 1000 sources (facility x factor), records spread Zipf-like over sources,
1-5 % per-record activity uncertainty.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import nqi_carbon as nc
from nqi_carbon.data.factors import registry_for

UNITS = ["kWh", "GJ", "L", "gal", "lb"]
GWP = {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}  # AR5


def make_pack(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    lines = [
        "schema: nqi-carbon/factor-pack@1",
        "id: bench",
        "title: Synthetic benchmark pack",
        "version: 0.0.1",
        "publisher: nqi-carbon benchmarks",
        "licence: synthetic",
        "verification: synthetic numbers for timing only",
        "references:",
        "  - {id: r, document: synthetic, section: none, url: 'urn:bench', accessed: 2026-11-23}",
        "factors:",
    ]
    for f in range(50):
        unit = "TJ" if f < 30 else ("m3" if f < 40 else "t")
        co2 = float(rng.uniform(50_000, 100_000)) if unit == "TJ" else float(rng.uniform(1, 3000))
        lines.append(
            f"  - {{id: f{f}, activity_unit: {unit}, reference: r, gases: {{"
            f"CO2: {{value: {co2:.3f}, unit: kg/{unit}, uncertainty: {rng.uniform(0.02, 0.1):.3f}}}, "
            f"CH4: {{value: {co2 * 1e-4:.5f}, unit: kg/{unit}, uncertainty: {rng.uniform(0.3, 1.5):.3f}}}, "
            f"N2O: {{value: {co2 * 1e-5:.6f}, unit: kg/{unit}, uncertainty: {rng.uniform(0.5, 2.0):.3f}}}}}}}"
        )
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def make_inventory(pack: Path) -> nc.Inventory:
    sources = []
    for fac in range(20):
        for f in range(50):
            sources.append(
                {"id": f"s{fac}-{f}", "facility": f"fac{fac}", "category": 1 + (f % 6), "factor": f"bench/f{f}"}
            )
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Bench", "id": "b", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [str(pack)],
            "facilities": [{"id": f"fac{i}", "equity_share": 1.0} for i in range(20)],
            "sources": sources,
        }
    )


def make_table(n: int, inv: nc.Inventory, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_src = len(inv.sources)
    weights = 1.0 / np.arange(1, n_src + 1)
    src = rng.choice(n_src, size=n, p=weights / weights.sum())
    factor = src % 50
    # pick an input unit compatible with the factor's unit
    unit = np.where(factor < 30, rng.integers(0, 2, n), np.where(factor < 40, 2 + rng.integers(0, 2, n), 4))
    ids = [s.id for s in inv.sources]
    return pd.DataFrame(
        {
            "source": pd.Categorical.from_codes(src, categories=ids),
            "amount": rng.uniform(1, 1000, n),
            "unit": pd.Categorical.from_codes(unit, categories=UNITS),
            "uncertainty": rng.choice([0.01, 0.02, 0.05], n),
        }
    )


class Baseline:
    """Plain numpy: unit scale lookup, factor gather, per-gas emissions, bincount roll-ups."""

    def __init__(self, inv: nc.Inventory) -> None:
        reg = registry_for(inv)
        self.n_src = len(inv.sources)
        fac_of = np.array([int(s.facility[3:]) for s in inv.sources])
        cat_of = np.array([s.category for s in inv.sources])
        self.cell_of_src = fac_of * 6 + (cat_of - 1)
        self.factor_of_src = np.array([int(s.factor.split("/f")[1]) for s in inv.sources])  # type: ignore[union-attr]
        self.fg = np.zeros((3, 50))
        base_units = []
        for f in range(50):
            e = reg.resolve(f"bench/f{f}").entry
            base_units.append(e.activity_unit)
            for g, gas in enumerate(GWP):
                self.fg[g, f] = e.gases[gas].value * GWP[gas] / 1000  # t CO2e per base unit
        self.scale = np.zeros((50, len(UNITS)))
        for f in range(50):
            for u, name in enumerate(UNITS):
                try:
                    self.scale[f, u] = nc.conversion_factor(name, base_units[f])
                except nc.DimensionalityMismatchError:
                    self.scale[f, u] = np.nan

    def __call__(self, src: np.ndarray, amount: np.ndarray, unit: np.ndarray) -> dict[str, np.ndarray]:
        fidx = self.factor_of_src[src]
        x = amount * self.scale[fidx, unit]
        cell = self.cell_of_src[src]
        out = {}
        per_gas = [x * self.fg[g][fidx] for g in range(3)]  # gas-major per-record emissions
        cells = np.stack([np.bincount(cell, w, minlength=120) for w in per_gas])
        out["cells"] = cells
        out["by_category"] = cells.reshape(3, 20, 6).sum(axis=(0, 1))
        out["by_facility"] = cells.reshape(3, 20, 6).sum(axis=(0, 2))
        out["by_gas"] = cells.sum(axis=1)
        out["total"] = cells.sum()
        return out


def timed(fn, *args, **kw) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def interleaved(a, b, runs: int) -> tuple[float, float]:
    ta, tb = [], []
    a()
    b()  # warm-up
    for _ in range(runs):
        ta.append(timed(a)[0])
        tb.append(timed(b)[0])
    return statistics.median(ta), statistics.median(tb)


def peak_bytes(fn) -> int:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def pint_loop(inv: nc.Inventory, table: pd.DataFrame, base: Baseline) -> float:
    ureg = nc.ureg
    total = 0.0 * ureg.t
    units = list(table["unit"].astype(str))
    srcs = table["source"].cat.codes.to_numpy()
    reg = registry_for(inv)
    factors = [reg.resolve(s.factor) for s in inv.sources]  # type: ignore[arg-type]
    for amount, u, s in zip(table["amount"].to_numpy(), units, srcs, strict=True):
        q = ureg.Quantity(amount, u)
        f = factors[s]
        q = q.to(f.activity_unit)
        for gas, gv in f.entry.gases.items():  # type: ignore[union-attr]
            total += (q * gv.value * ureg(gv.unit)).to("t") * GWP[gas]
    return float(total.magnitude)


def ufloat_loop(table: pd.DataFrame, base: Baseline) -> float:
    from uncertainties import ufloat

    fac = base.factor_of_src
    fparams = [[ufloat(base.fg[g, f], base.fg[g, f] * 0.05) for g in range(3)] for f in range(50)]
    total = 0.0
    src = table["source"].cat.codes.to_numpy()
    unit = table["unit"].cat.codes.to_numpy()
    by_cat = [0.0] * 6
    cat = (fac % 6)
    for a, s, u, unc in zip(table["amount"].to_numpy(), src, unit, table["uncertainty"].to_numpy(), strict=True):
        f = fac[s]
        x = ufloat(a, a * unc / 1.96) * base.scale[f, u]
        for g in range(3):  # per gas, as the library does, then the category and the total
            e = x * fparams[f][g]
            by_cat[cat[s]] = by_cat[cat[s]] + e
            total = total + e
    return total.std_dev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [1_000, 10_000, 100_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    loop_n = 10_000 if args.quick else 100_000
    report: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        pack = make_pack(Path(tmp))
        inv = make_inventory(pack)
        base = Baseline(inv)
        rows = []
        for n in sizes:
            table = make_table(n, inv)
            src = table["source"].cat.codes.to_numpy().astype(np.intp)
            unit = table["unit"].cat.codes.to_numpy().astype(np.intp)
            amount = table["amount"].to_numpy()
            ref = base(src, amount, unit)
            res = nc.calculate(inv, activity=table, uncertainty="analytical")
            assert abs(res.total_co2e - ref["total"]) <= 1e-9 * ref["total"], (res.total_co2e, ref["total"])
            runs = 5 if n >= 1_000_000 else (7 if n >= 100_000 else 15)
            t_base, t_ours = interleaved(
                lambda: base(src, amount, unit),
                lambda: nc.calculate(inv, activity=table, uncertainty="analytical"),
                runs,
            )
            t_plain, t_ours2 = interleaved(
                lambda: base(src, amount, unit), lambda: nc.calculate(inv, activity=table), runs
            )
            mem = peak_bytes(lambda: nc.calculate(inv, activity=table, uncertainty="analytical"))
            rows.append(
                {
                    "lines": n,
                    "baseline_ms": round(1e3 * t_base, 2),
                    "calculate_approach1_ms": round(1e3 * t_ours, 2),
                    "ratio_approach1": round(t_ours / t_base, 2),
                    "ratio_emissions_only": round(t_ours2 / t_plain, 2),
                    "peak_alloc_bytes_per_line": round(mem / n, 1),
                }
            )
            print(rows[-1], flush=True)
        report["core"] = rows
        # per-record loops vs ours at loop_n
        table = make_table(loop_n, inv)
        t_ours = statistics.median(
            timed(nc.calculate, inv, activity=table, uncertainty="analytical")[0] for _ in range(5)
        )
        t_pint = timed(pint_loop, inv, table, base)[0]
        t_unc = timed(ufloat_loop, table, base)[0]
        # fixed overhead with a small inventory (the bundled cement example, 5 sources)
        small = nc.load_inventory(Path(__file__).resolve().parents[1] / "examples" / "cement" / "inventory.yaml")
        ids = [s.id for s in small.sources]
        small_table = pd.DataFrame(
            {
                "source": pd.Categorical.from_codes(np.full(1000, ids.index("grid-electricity")), categories=ids),
                "amount": np.ones(1000),
                "unit": pd.Categorical.from_codes(np.zeros(1000, dtype=int), categories=["MWh"]),
                "uncertainty": np.full(1000, 0.01),
            }
        )
        nc.calculate(small, activity=small_table, uncertainty="analytical")
        report["fixed_overhead_small_inventory_ms"] = round(
            1e3
            * statistics.median(
                timed(nc.calculate, small, activity=small_table, uncertainty="analytical")[0] for _ in range(15)
            ),
            2,
        )
        print({"fixed_overhead_small_inventory_ms": report["fixed_overhead_small_inventory_ms"]}, flush=True)
        report["per_record_loops"] = {
            "lines": loop_n,
            "calculate_ms": round(1e3 * t_ours, 2),
            "pint_loop_s": round(t_pint, 2),
            "ufloat_loop_s": round(t_unc, 2),
            "speedup_vs_pint": round(t_pint / t_ours),
            "speedup_vs_ufloat": round(t_unc / t_ours),
        }
        print(report["per_record_loops"], flush=True)
        # Monte Carlo: 10,000 iterations, pooled normal activity errors
        mc = []
        for n in [100_000] + ([] if args.quick else [1_000_000]):
            table = make_table(n, inv)
            t, res = timed(nc.calculate, inv, activity=table, uncertainty="monte_carlo", iterations=10_000, seed=1)
            mem = peak_bytes(
                lambda: nc.calculate(inv, activity=table, uncertainty="monte_carlo", iterations=10_000, seed=1)
            )
            mc.append({"lines": n, "iterations": 10_000, "seconds": round(t, 3), "peak_alloc_MB": round(mem / 2**20, 1)})
            print(mc[-1], flush=True)
        report["monte_carlo"] = mc
        # per-record sampling of non-normal (uniform) activity errors vs the raw generator
        n, k = 100_000, 1_000
        table = make_table(n, inv).drop(columns=["uncertainty"])
        table["distribution"] = pd.Categorical(["uniform"] * n)
        table["lower"] = table["amount"] * 0.95
        table["upper"] = table["amount"] * 1.05
        rng = np.random.default_rng(0)
        buf = np.empty(n * k // 10)

        def raw() -> None:
            for _ in range(10):
                rng.random(out=buf)

        from nqi_carbon.calc.uncertainty import _non_normal_activity

        stats = nc.calculate(inv, activity=table)._stats

        def sampling() -> None:
            _non_normal_activity(stats, k, len(inv.sources), np.random.default_rng(1), 32 * 2**20)

        t_raw, t_step = interleaved(raw, sampling, 5)
        t_raw2, t_mc = interleaved(
            raw,
            lambda: nc.calculate(inv, activity=table, uncertainty="monte_carlo", iterations=k, seed=1),
            3,
        )
        report["monte_carlo_per_record"] = {
            "lines": n,
            "iterations": k,
            "raw_rng_s": round(t_raw, 3),
            "sampling_step_s": round(t_step, 3),
            "sampling_rate_vs_raw_rng": round(t_raw / t_step, 2),
            "calculate_end_to_end_s": round(t_mc, 3),
            "end_to_end_rate_vs_raw_rng": round(t_raw2 / t_mc, 2),
        }
        print(report["monte_carlo_per_record"], flush=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    sys.exit(main())
