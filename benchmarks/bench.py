"""nqi-carbon as users run it, against plain numpy/pandas, before and after a change.

    python benchmarks/bench.py                                  # this checkout, every case
    python benchmarks/bench.py --tree before=/tmp/old --tree after=.   # two checkouts, one run
    python benchmarks/bench.py --cases core10k,yaml --rounds 5 --blocks 2

Each case runs in fresh worker processes that import nqi-carbon from one checkout
(``--tree NAME=DIR``, a folder holding ``src/nqi_carbon`` and ``emission_factors``); the
trees take turns (A B A B ... over ``--blocks``). Inside a worker, the library and its
baseline are timed interleaved, the order rotating every round, ``gc.collect()`` before
every call, BLAS and OpenMP pinned to one thread. Reported: min and median of every timing,
and ratios min/min and median/median against the baseline timed in the same processes.
Nothing here is part of the test suite; README.md in this folder has the method and the
results.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
DATA = Path(tempfile.gettempdir()) / "nqi-carbon-bench"


# ---- timing ------------------------------------------------------------------------------
@dataclass
class Step:
    """One timed call: ``run(setup())``; *setup* (untimed) makes what a cold call needs."""

    run: Callable[[Any], Any]
    setup: Callable[[], Any] | None = None
    warm_up: bool = True


def interleave(steps: dict[str, Step], rounds: int) -> dict[str, list[float]]:
    """Every step once untimed (when *warm_up*), then *rounds* rounds in rotating order."""
    for step in steps.values():
        if step.warm_up:
            step.run(step.setup() if step.setup else None)
    names = list(steps)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            step = steps[name]
            arg = step.setup() if step.setup else None
            gc.collect()
            t0 = time.perf_counter()
            step.run(arg)
            times[name].append(time.perf_counter() - t0)
    return times


def run_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of one process, its output thrown away."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{argv} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss * 1024


def interleave_processes(
    commands: dict[str, tuple[list[str], dict[str, str] | None]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Whole processes, interleaved: wall times and peak RSS per command (one warm-up each)."""
    for argv, env in commands.values():
        run_process(argv, env)
    names = list(commands)
    times: dict[str, list[float]] = {k: [] for k in names}
    rss: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            wall, peak = run_process(*commands[name])
            times[name].append(wall)
            rss[name].append(float(peak))
    return times, rss


# ---- the cases (run inside a worker) -------------------------------------------------------
class Ctx:
    """What a case needs: the library of one tree, its packs, the data folder, the rounds."""

    def __init__(self, tree: Path, rounds: int, quick: bool) -> None:
        self.tree = tree
        self.rounds = rounds
        self.quick = quick
        import nqi_carbon

        self.nc = nqi_carbon
        self.packs = tree / "emission_factors"
        self.python_env = dict(os.environ, PYTHONPATH=str(tree / "src"), **PINNED)

    def case(self, facilities: int, rows: int) -> Any:
        import cases

        if self.quick:
            facilities, rows = max(facilities // 10, 2), max(rows // 10, 1000)
        return cases.write_case(DATA / f"case-{facilities}-{rows}", facilities, rows)


def _check(total: float, expected: float, what: str) -> None:
    if abs(total - expected) > 1e-9 * abs(expected):
        raise AssertionError(f"{what}: library total {total!r} != baseline {expected!r}")


def _core(ctx: Ctx, facilities: int) -> dict[str, Any]:
    """Calculate 1e6 lines with Approach 1, warm and cold, in the three table forms."""
    import pandas as pd
    from baseline import Baseline
    from cases import table_forms

    nc = ctx.nc
    case = ctx.case(facilities, 1_000_000)
    forms = table_forms(case, pd.read_csv(case.folder / "activity.csv"))
    base = Baseline(case, nc, ctx.packs)
    invs = {k: nc.validate_inventory(case.inventory) for k in forms}
    expected = base(forms["strings"])["total"]
    steps: dict[str, Step] = {}
    for k, table in forms.items():
        steps[f"baseline_{k}"] = Step(lambda _, t=table: base(t))
        steps[f"warm_{k}"] = Step(
            lambda _, t=table, inv=invs[k]: nc.calculate(inv, activity=t, uncertainty="analytical")
        )
    steps["lean_a1_strings"] = Step(lambda _: base.lean_a1(forms["strings"]))
    for k in ("strings", "inventory_order"):
        steps[f"cold_{k}"] = Step(
            lambda inv, t=forms[k]: nc.calculate(inv, activity=t, uncertainty="analytical"),
            setup=lambda: nc.validate_inventory(case.inventory),
            warm_up=False,
        )
    steps["cold_validate_inventory_order"] = Step(
        lambda _: nc.calculate(
            nc.validate_inventory(case.inventory),
            activity=forms["inventory_order"],
            uncertainty="analytical",
        ),
        warm_up=False,
    )
    for k, table in forms.items():
        _check(nc.calculate(invs[k], activity=table).total_co2e, expected, k)
    times = interleave(steps, ctx.rounds)
    return {"times": times, "sources": len(case.sources), "lines": 1_000_000}


def case_core1k(ctx: Ctx) -> dict[str, Any]:
    return _core(ctx, 20)


def case_core10k(ctx: Ctx) -> dict[str, Any]:
    return _core(ctx, 200)


def case_files(ctx: Ctx) -> dict[str, Any]:
    """Reading the activity table from CSV and Parquet, and CSV file to result in process."""
    import pandas as pd
    from baseline import Baseline

    nc = ctx.nc
    case = ctx.case(200, 1_000_000)
    base = Baseline(case, nc, ctx.packs)
    csv, parquet = case.folder / "activity.csv", case.folder / "activity.parquet"
    steps = {
        "pandas_csv": Step(lambda _: pd.read_csv(csv)),
        "read_activity_csv": Step(lambda _: nc.read_activity(csv)),
        "pandas_parquet": Step(lambda _: pd.read_parquet(parquet)),
        "read_activity_parquet": Step(lambda _: nc.read_activity(parquet)),
        "baseline_csv_to_totals": Step(lambda _: base(pd.read_csv(csv))),
        "load_read_calculate_csv": Step(
            lambda _: nc.calculate(
                nc.load_inventory(case.folder / "inventory.json"),
                activity=nc.read_activity(csv),
                uncertainty="analytical",
            )
        ),
    }
    return {"times": interleave(steps, ctx.rounds), "lines": 1_000_000}


def case_yaml(ctx: Ctx) -> dict[str, Any]:
    """Loading the 10,000-source inventory from YAML (and JSON) against the bare parsers."""
    import yaml

    nc = ctx.nc
    case = ctx.case(200, 1_000_000)
    path_yaml, path_json = case.folder / "inventory.yaml", case.folder / "inventory.json"
    raw = path_yaml.read_bytes()
    steps = {
        "csafeloader": Step(lambda _: yaml.load(raw, Loader=yaml.CSafeLoader)),
        "load_inventory_yaml": Step(lambda _: nc.load_inventory(path_yaml)),
        "json_loads": Step(lambda _: json.loads(path_json.read_bytes())),
        "load_inventory_json": Step(lambda _: nc.load_inventory(path_json)),
        "validate_inventory": Step(lambda _: nc.validate_inventory(case.inventory)),
    }
    return {"times": interleave(steps, ctx.rounds), "bytes": len(raw)}


def case_mc(ctx: Ctx) -> dict[str, Any]:
    """Pooled Monte Carlo, 1e4 iterations over 1e5 lines and 10,000 sources."""
    import pandas as pd
    from baseline import Baseline
    from lean import PooledSampler

    nc = ctx.nc
    case = ctx.case(200, 100_000)
    table = pd.read_csv(case.folder / "activity.csv")
    inv = nc.validate_inventory(case.inventory)
    sampler = PooledSampler(Baseline(case, nc, ctx.packs), table)
    k = 1_000 if ctx.quick else 10_000
    steps = {
        "lean_sampler": Step(lambda _: sampler(k, 1)),
        "calculate_mc": Step(
            lambda _: nc.calculate(
                inv, activity=table, uncertainty="monte_carlo", iterations=k, seed=1
            )
        ),
    }
    return {"times": interleave(steps, ctx.rounds), "iterations": k}


def _record_table(case: Any) -> Any:
    import pandas as pd

    table = pd.read_csv(case.folder / "activity.csv").drop(columns=["uncertainty"])
    table["distribution"] = "uniform"
    table["lower"] = table["amount"] * 0.95
    table["upper"] = table["amount"] * 1.05
    return table


def case_mc_record(ctx: Ctx) -> dict[str, Any]:
    """Per-record Monte Carlo (uniform activity errors) through calculate vs raw draws."""
    from lean import raw_uniform

    nc = ctx.nc
    k = 1_000
    steps: dict[str, Step] = {}
    rows = 0
    for facilities in (20, 200):
        case = ctx.case(facilities, 100_000)
        table = _record_table(case)
        rows = len(table)
        inv = nc.validate_inventory(case.inventory)
        steps[f"calculate_mc_{len(case.sources)}"] = Step(
            lambda _, inv=inv, t=table: nc.calculate(
                inv, activity=t, uncertainty="monte_carlo", iterations=k, seed=1
            )
        )
    steps["raw_uniform"] = Step(lambda _: raw_uniform(rows, k))
    return {"times": interleave(steps, ctx.rounds), "iterations": k, "lines": rows}


def case_reports(ctx: Ctx) -> dict[str, Any]:
    """The four report files (HTML, Markdown, JSON, Excel) at 10,000 sources."""
    import pandas as pd

    nc = ctx.nc
    case = ctx.case(200, 100_000)
    table = pd.read_csv(case.folder / "activity.csv")
    inv = nc.validate_inventory(case.inventory)
    result = nc.calculate(inv, activity=table, uncertainty="analytical")
    out = Path(tempfile.mkdtemp(prefix="nqi-bench-reports-"))
    count = iter(range(10**6))
    steps = {
        "calculate": Step(
            lambda _: nc.calculate(inv, activity=table, uncertainty="analytical")
        ),
        "four_reports": Step(
            lambda folder: nc.inventory_report(result).write(folder),
            setup=lambda: out / str(next(count)),
        ),
    }
    return {"times": interleave(steps, ctx.rounds)}


def case_planning(ctx: Ctx) -> dict[str, Any]:
    """``plan_sources`` alone on a fresh inventory (10,000 sources), the units calculate gives it."""
    import pandas as pd

    from nqi_carbon.calc import ingest, plan

    nc = ctx.nc
    case = ctx.case(200, 100_000)
    table = pd.read_csv(case.folder / "activity.csv")
    seen: dict[str, Any] = {}
    real = ingest.plan_sources

    def grab(inv: Any, units: Any, *args: Any, **kwargs: Any) -> Any:
        seen["units"] = units
        return real(inv, units, *args, **kwargs)

    ingest.plan_sources = grab  # the units mapping exactly as calculate builds it
    try:
        nc.calculate(nc.validate_inventory(case.inventory), activity=table)
    finally:
        ingest.plan_sources = real
    steps = {
        "plan_sources": Step(
            lambda inv: plan.plan_sources(inv, seen["units"]),
            setup=lambda: nc.validate_inventory(case.inventory),
            warm_up=False,
        )
    }
    return {"times": interleave(steps, max(ctx.rounds, 5)), "sources": len(case.sources)}


def _save_coefficients(ctx: Ctx, case: Any) -> None:
    import numpy as np
    from baseline import Baseline

    base = Baseline(case, ctx.nc, ctx.packs)
    np.savez(
        case.folder / "coefficients.npz",
        ids=np.array(case.ids),
        units=np.array(base.units),
        scale=base.scale,
        coef=base.coef,
        cell=base.cell,
    )


def case_cli(ctx: Ctx) -> dict[str, Any]:
    """``nqi-carbon calculate`` on a 1e6-row CSV / Parquet against a pandas script."""
    case = ctx.case(200, 1_000_000)
    _save_coefficients(ctx, case)
    py, env = sys.executable, ctx.python_env
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = {}
    for kind in ("csv", "parquet"):
        commands[f"cli_{kind}"] = (
            [py, "-m", "nqi_carbon.cli", "calculate", str(case.folder / f"inventory-{kind}.json"),
             "--format", "json", "--uncertainty", "analytical"],
            env,
        )  # fmt: skip
        commands[f"script_{kind}"] = (
            [py, str(HERE / "pandas_script.py"), str(case.folder), kind],
            env,
        )
    times, rss = interleave_processes(commands, ctx.rounds)
    return {"times": times, "rss": rss, "lines": 1_000_000}


def case_first_result(ctx: Ctx) -> dict[str, Any]:
    """A fresh process to the first result (the cement example) against importing the deps."""
    py, env = sys.executable, ctx.python_env
    cement = ctx.tree / "examples" / "cement" / "inventory.yaml"
    first = (
        "import nqi_carbon as nc; "
        f"print(nc.calculate(nc.load_inventory({str(cement)!r})).total_co2e)"
    )
    deps = "import pint, pydantic, numpy, pandas, yaml, uncertainties"
    cold_cache = tempfile.mkdtemp(prefix="nqi-bench-nocache-")
    counter = iter(range(10**6))

    def no_cache_env() -> dict[str, str]:  # a cache folder nobody has written yet
        return dict(env, XDG_CACHE_HOME=str(Path(cold_cache) / str(next(counter))))

    # as an installed package runs: bytecode compiled once (pip does it at install) and
    # read after; the rows above run as this environment does (PYTHONDONTWRITEBYTECODE=1
    # here: every process compiles nqi-carbon's sources, while the dependencies' come
    # compiled). The bytecode goes to a folder of this worker, never into the tree.
    compiled = dict(env, PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="nqi-bench-pyc-"))
    compiled.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {
        "import_deps": ([py, "-c", deps], env),
        "first_result": ([py, "-c", first], env),
        "import_deps_bytecode": ([py, "-c", deps], compiled),
        "first_result_bytecode": ([py, "-c", first], compiled),
    }
    times, rss = interleave_processes(commands, max(ctx.rounds, 5))
    empty = [run_process([py, "-c", first], no_cache_env())[0] for _ in range(2)]
    times["first_result_empty_cache"] = empty
    return {"times": times, "rss": rss}


CASES: dict[str, Callable[[Ctx], dict[str, Any]]] = {
    "core1k": case_core1k,
    "core10k": case_core10k,
    "files": case_files,
    "yaml": case_yaml,
    "mc": case_mc,
    "mc_record": case_mc_record,
    "reports": case_reports,
    "planning": case_planning,
    "cli": case_cli,
    "first_result": case_first_result,
}
ROUNDS = {"mc": 2, "mc_record": 2, "reports": 2, "cli": 3, "first_result": 5}


def worker(case: str, tree: Path, rounds: int, quick: bool) -> None:
    sys.path.insert(0, str(tree / "src"))
    sys.path.insert(1, str(HERE))
    ctx = Ctx(tree, rounds, quick)
    here = Path(ctx.nc.__file__).resolve()
    assert here.is_relative_to((tree / "src").resolve()), here
    out = CASES[case](ctx)
    print("\nRESULT " + json.dumps(out))


# ---- the harness ----------------------------------------------------------------------------
def stats(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


RATIOS: dict[str, list[tuple[str, str, str]]] = {
    # case: (label, numerator, denominator)
    "core1k": [
        ("warm, categoricals in inventory order (old benchmark)", "warm_inventory_order", "baseline_inventory_order"),
        ("cold (fresh inventory)", "cold_inventory_order", "baseline_inventory_order"),
        ("cold with validation", "cold_validate_inventory_order", "baseline_inventory_order"),
        ("warm, plain strings", "warm_strings", "baseline_strings"),
    ],
    "core10k": [
        ("warm, plain strings", "warm_strings", "baseline_strings"),
        ("cold, plain strings", "cold_strings", "baseline_strings"),
        ("warm, sorted categoricals", "warm_categorical", "baseline_categorical"),
        ("warm, categoricals in inventory order", "warm_inventory_order", "baseline_inventory_order"),
        ("cold, categoricals in inventory order", "cold_inventory_order", "baseline_inventory_order"),
        ("lean numpy Approach 1 (reference)", "lean_a1_strings", "baseline_strings"),
    ],
    "files": [
        ("read_activity CSV vs pd.read_csv", "read_activity_csv", "pandas_csv"),
        ("read_activity Parquet vs pd.read_parquet", "read_activity_parquet", "pandas_parquet"),
        ("load + read CSV + calculate vs pandas", "load_read_calculate_csv", "baseline_csv_to_totals"),
    ],
    "yaml": [
        ("load_inventory YAML vs CSafeLoader alone", "load_inventory_yaml", "csafeloader"),
        ("load_inventory JSON vs json.loads", "load_inventory_json", "json_loads"),
    ],
    "mc": [("pooled Monte Carlo vs lean numpy sampler", "calculate_mc", "lean_sampler")],
    "mc_record": [
        ("raw RNG / calculate, 1,000 sources (rate, higher is better)", "raw_uniform", "calculate_mc_1000"),
        ("raw RNG / calculate, 10,000 sources (rate, higher is better)", "raw_uniform", "calculate_mc_10000"),
    ],
    "reports": [("four report files vs the calculation", "four_reports", "calculate")],
    "cli": [
        ("CLI CSV vs pandas script", "cli_csv", "script_csv"),
        ("CLI Parquet vs pandas script", "cli_parquet", "script_parquet"),
    ],
    "first_result": [
        ("first result (cement) vs importing the dependencies", "first_result", "import_deps"),
        ("first result, empty cache folder", "first_result_empty_cache", "import_deps"),
        ("first result vs the dependencies, bytecode compiled (as installed)", "first_result_bytecode", "import_deps_bytecode"),
    ],
}


def run_case(case: str, trees: list[tuple[str, Path]], blocks: int, rounds: int, quick: bool) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {name: {} for name, _ in trees}
    env = dict(os.environ, **PINNED)
    for b in range(blocks):
        order = trees if b % 2 == 0 else trees[::-1]
        for name, root in order:
            argv = [sys.executable, __file__, "--worker", case, "--tree-root", str(root),
                    "--rounds", str(rounds)] + (["--quick"] if quick else [])  # fmt: skip
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"{case} on {name} failed:\n{proc.stderr[-4000:]}")
            line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith("RESULT "))
            out = json.loads(line[len("RESULT ") :])
            acc = merged[name]
            for key in ("times", "rss"):
                for k, v in out.get(key, {}).items():
                    acc.setdefault(key, {}).setdefault(k, []).extend(v)
            acc["info"] = {k: v for k, v in out.items() if k not in ("times", "rss")}
            print(f"  {case} [{name}] block {b + 1}/{blocks} done", file=sys.stderr, flush=True)
    return merged


def summarise(case: str, merged: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"### {case}", "", "| timing (s) | " + " | ".join(f"{t} min / median" for t in merged) + " |",
             "|---|" + "---:|" * len(merged)]  # fmt: skip
    names = list(next(iter(merged.values()))["times"])
    for k in names:
        cells = []
        for acc in merged.values():
            v = acc["times"].get(k)
            cells.append("–" if not v else "{:.4g} / {:.4g}".format(*stats(v)))
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | " + " | ".join(f"{t} min / median" for t in merged) + " |",
              "|---|" + "---:|" * len(merged)]  # fmt: skip
    for label, num, den in RATIOS.get(case, []):
        cells = []
        for acc in merged.values():
            a, b = acc["times"].get(num), acc["times"].get(den)
            if not a or not b:
                cells.append("–")
                continue
            (a0, a1), (b0, b1) = stats(a), stats(b)
            cells.append(f"{a0 / b0:.3g}× / {a1 / b1:.3g}×")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    extra = _extra_rows(case, merged)
    return [*lines, *extra, ""]


def _extra_rows(case: str, merged: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for tree, acc in merged.items():
        info, t = acc.get("info", {}), acc["times"]
        if case == "core10k":
            n = info["sources"]
            cold, warm = stats(t["cold_strings"]), stats(t["warm_strings"])
            rows.append(
                f"| first-call cost per source, (cold − warm) / sources [{tree}] | "
                f"{1e6 * (cold[0] - warm[0]) / n:.1f} µs / {1e6 * (cold[1] - warm[1]) / n:.1f} µs |"
            )
        if case == "planning":
            n, (a, b) = info["sources"], stats(t["plan_sources"])
            rows.append(f"| planning per source [{tree}] | {1e6 * a / n:.1f} µs / {1e6 * b / n:.1f} µs |")
        if case == "cli":
            for kind in ("csv", "parquet"):
                a, b = acc["rss"][f"cli_{kind}"], acc["rss"][f"script_{kind}"]
                d0 = (min(a) - min(b)) / info["lines"]
                d1 = (statistics.median(a) - statistics.median(b)) / info["lines"]
                rows.append(
                    f"| peak RSS, CLI − script, {kind} [{tree}] | {d0:+.0f} B/line / {d1:+.0f} B/line "
                    f"({min(a) / 2**20:.0f} vs {min(b) / 2**20:.0f} MB) |"
                )
    return ["", *rows] if rows else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--rounds", type=int, default=None, help="rounds per worker (default per case)")
    ap.add_argument("--blocks", type=int, default=2, help="workers per tree and case, taking turns")
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes (a smoke test)")
    ap.add_argument("--out", default=None, help="also write the raw timings as JSON here")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tree-root", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, Path(args.tree_root), args.rounds, args.quick)
        return
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.tree] or [
        ("this checkout", HERE.parent)
    ]
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}",
        "trees": {name: str(root) for name, root in trees},
        "cases": {},
    }
    text = [f"Run {report['date']} on {report['machine']}; trees: "
            + ", ".join(f"{n} = {r}" for n, r in trees), ""]  # fmt: skip
    for case in args.cases.split(","):
        rounds = args.rounds or ROUNDS.get(case, 3)
        merged = run_case(case, trees, args.blocks, rounds, args.quick)
        report["cases"][case] = merged
        text += summarise(case, merged)
        print("\n".join(summarise(case, merged)), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
        Path(args.out).with_suffix(".md").write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
