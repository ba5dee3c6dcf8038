"""Scale-out on Dask (issue 20): throughput, equality with memory, and the driver's memory.

Run by hand (never part of the test suite)::

    pip install -e ".[test,dask]"
    python benchmarks/dask_scale.py --lines 1e6,1e7 --rounds 2
    python benchmarks/dask_scale.py --lines 1e8 --rounds 1 --memory-max 0   # Dask only

For each size N it writes (once, cached under ``--folder``) N generated activity lines as
Parquet partitions of ``--part-rows`` lines each, with the 1,000-source inventory of
``cases.py`` (``make_inventory(20)``: IPCC fuels per GJ/TJ/t, grid electricity per
kWh/MWh, supplier factors per t/kg, a carbon-content source and a refrigerant release),
then times, interleaved and in rotating order, on one ``LocalCluster`` of ``--workers``
processes of one thread:

* **nqi-carbon on Dask**: ``nc.calculate(inv, engine="dask", uncertainty="analytical")``
  with the folder as the inventory's ``activity_files`` entry (every partition read
  once by nqi-carbon's reader and checked on the workers, its checked columns kept there
  for the second pass's exact sums: the default with a client, ``dask_persist=None``);
* **plain Dask**: ``dd.read_parquet`` and one ``groupby(["source", "unit"])`` summing the
  amount and (amount x uncertainty)^2, then the unit scales and factors applied to the
  sums on the driver: the same arithmetic without checks, exactness or a second pass;
* **nqi-carbon in memory** (N <= ``--memory-max``): the same inventory in one process.

For N <= ``--memory-max`` the Dask result must equal the in-memory one (the whole
result@1 document, compared exactly); the script stops with an error otherwise. The
driver's resident memory is sampled every 10 ms during each run (peak minus the value
before it). BLAS and OpenMP are pinned to one thread. Times are min and median over the
rounds; ratios are taken within the same run.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import gc
import json
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import make_inventory, make_table  # noqa: E402


def _write_part(k: int, folder: str, rows: int) -> int:
    """Partition *k*: *rows* generated lines (seeded by *k*), written as Parquet."""
    sources, _ = make_inventory(20)
    table = make_table(sources, rows, seed=1000 + k)
    table.to_parquet(Path(folder) / f"part-{k:05d}.parquet", index=False)
    return rows


def prepare(root: Path, lines: int, part_rows: int, client: object) -> Path:
    """The folder for *lines* lines: inventory files and ``parts/`` (written once)."""
    folder = root / f"lines-{lines}"
    marker = folder / "done"
    if marker.exists():
        return folder
    (folder / "parts").mkdir(parents=True, exist_ok=True)
    n_parts = max(1, lines // part_rows)
    futures = client.map(_write_part, range(n_parts), folder=str(folder / "parts"), rows=lines // n_parts)  # type: ignore[attr-defined]
    assert sum(client.gather(futures)) == (lines // n_parts) * n_parts  # type: ignore[attr-defined]
    _, inventory = make_inventory(20)
    (folder / "inventory.json").write_text(json.dumps(dict(inventory, activity_files=["parts"])))
    marker.write_text("")
    return folder


class PeakRSS:
    """The driver's peak resident memory above its level at the start [bytes]."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def grown(self) -> int:
        return self.peak - self.start


def run_nqi(folder: Path, engine: str) -> object:
    import nqi_carbon as nc

    inv = nc.load_inventory(folder / "inventory.json")  # cold: nothing cached on it
    return nc.calculate(inv, engine=engine, uncertainty="analytical", progress=False)


def run_plain(folder: Path, tables: dict[str, object]) -> dict[str, float]:
    """The same arithmetic in plain Dask: sums per (source, unit), then scales and factors."""
    import dask.dataframe as dd
    import numpy as np

    ddf = dd.read_parquet(str(folder / "parts"))
    ddf = ddf.assign(q=(ddf["amount"] * ddf["uncertainty"]) ** 2)
    sums = ddf.groupby(["source", "unit"], observed=True)[["amount", "q"]].sum().compute()
    scale = tables["scale"]
    coef = tables["coef"]
    x = np.array([scale[k] for k in sums.index], dtype=float)
    a = sums["amount"].to_numpy() * x
    q = sums["q"].to_numpy() * x * x
    src = [k[0] for k in sums.index]
    gross = float(np.sum(a * np.array([coef[s] for s in src])))
    return {"gross": gross, "q": float(q.sum())}


def plain_tables(folder: Path) -> dict[str, object]:
    """Per (source, unit) the scale to the base unit and per source t CO2e per base unit,
    taken from the library's plan (outside the timer)."""
    import nqi_carbon as nc
    from nqi_carbon.calc.kernel import line_template

    import pandas as pd

    # every partition holds every (source, unit) pair: the first one's plan is everybody's
    mapping = json.loads((folder / "inventory.json").read_text())
    mapping.pop("activity_files")
    first = pd.read_parquet(sorted((folder / "parts").iterdir())[0])
    res = nc.calculate(nc.validate_inventory(mapping), activity=first)
    scale = {}
    for p in res.plans:
        for unit, factor in p.chain_unit_scale.items():
            scale[(p.source.id, unit)] = factor
    t = line_template(res.plans)
    coef: dict[str, float] = {}
    gross = (t.basis != 2) & ~t.biogenic
    for i, p in enumerate(t.row_plan):
        if gross[i]:
            coef[p.source.id] = coef.get(p.source.id, 0.0) + float(t.rho_unit[i])
    return {"scale": scale, "coef": coef}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="1e6,1e7", help="sizes, comma-separated (1e6,1e7)")
    ap.add_argument("--part-rows", type=float, default=1e6, help="lines per Parquet partition")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--memory-max", type=float, default=1e7, help="largest N also run in memory (and compared)")
    ap.add_argument("--folder", default="/tmp/nqi-carbon-dask-bench")
    ap.add_argument("--out", default=None, help="write the measurements as JSON")
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    sizes = [int(float(s)) for s in args.lines.split(",")]
    report = []
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        for n in sizes:
            folder = prepare(Path(args.folder), n, int(args.part_rows), client)
            report.append(measure(folder, n, args, client))
            print(json.dumps(report[-1]), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    return 0


def measure(folder: Path, n: int, args: argparse.Namespace, client: object) -> dict[str, object]:
    """Interleaved rounds of the three runs for one size, with the equality check."""
    tables = plain_tables(folder)
    runs = {"dask": lambda: run_nqi(folder, "dask"), "plain": lambda: run_plain(folder, tables)}
    if n <= args.memory_max:
        runs["memory"] = lambda: run_nqi(folder, "memory")
    times: dict[str, list[float]] = {k: [] for k in runs}
    memory: dict[str, int] = dict.fromkeys(runs, 0)
    results: dict[str, object] = {}
    names = list(runs)
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            with PeakRSS() as rss:
                t0 = time.perf_counter()
                results[name] = runs[name]()
                times[name].append(time.perf_counter() - t0)
            memory[name] = max(memory[name], rss.grown)
    row: dict[str, object] = {"lines": n, "partitions": len(list((folder / "parts").iterdir()))}
    for name, ts in times.items():
        row[f"{name}_min_s"], row[f"{name}_median_s"] = min(ts), statistics.median(ts)
        row[f"{name}_driver_mib"] = round(memory[name] / 2**20, 1)
    row["dask_over_plain"] = _ratios(times["dask"], times["plain"])
    if "memory" in results:
        a, b = json.loads(results["dask"].to_json()), json.loads(results["memory"].to_json())  # type: ignore[attr-defined]
        if a != b:
            raise SystemExit(f"{n} lines: the Dask result differs from the in-memory one")
        row["equal_to_memory"] = True
        row["dask_over_memory"] = _ratios(times["dask"], times["memory"])
    gross = results["dask"].total_co2e  # type: ignore[attr-defined]
    plain = results["plain"]["gross"]  # type: ignore[index]
    row["plain_gross_relative_difference"] = abs(plain - gross) / gross
    return row


def _ratios(a: list[float], b: list[float]) -> tuple[float, float]:
    """min / min and median / median."""
    return min(a) / min(b), statistics.median(a) / statistics.median(b)


if __name__ == "__main__":
    raise SystemExit(main())
