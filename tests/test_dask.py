"""Scale-out on Dask: the same result as in memory, on a real local cluster (issue 20).

One ``distributed.LocalCluster`` of two worker processes serves the module. Every
comparison is with :func:`nqi_carbon.calculate` on the same rows in memory, and it is
exact: the per-source sums are made on the same power-of-two grid in both paths
(docs/explanation/determinism.md), so the result@1 documents are equal, not close.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

dd = pytest.importorskip("dask.dataframe", reason="the dask extra is in the README test command")
distributed = pytest.importorskip("distributed")

pytestmark = [
    pytest.mark.dask,
    # a worker killed on purpose, and the cluster's own shutdown, may warn
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.timeout(240),
]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OFFICE_FACTORY = EXAMPLES / "office-factory" / "inventory.yaml"


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each: partitions really travel between processes.

    A task may kill its worker once and be retried; the second time is an error.
    """
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def generated_rows(n: int, seed: int = 20) -> pd.DataFrame:
    """*n* activity rows for the office-factory example's sources: units, meters, distributions.

    Amounts span six orders of magnitude; some rows state an uncertainty, some are read by
    the electricity meter, some state a lognormal, triangular or uniform distribution.
    """
    rng = np.random.default_rng(seed)
    sources = np.array(["office-electricity", "factory-electricity", "factory-generator", "company-cars"])
    src = sources[rng.integers(0, 4, n)]
    electric = np.isin(src, sources[:2])
    unit = np.where(electric, np.where(rng.random(n) < 0.5, "kWh", "MWh"), np.where(rng.random(n) < 0.5, "L", "m3"))
    amount = np.round(rng.lognormal(2.0, 2.0, n), 3)
    kind = rng.random(n)
    uncertainty = np.where(kind < 0.4, np.round(rng.random(n) * 0.1, 4), np.nan)
    metered = (src == "factory-electricity") & (kind >= 0.4) & (kind < 0.7)
    dist = np.where(kind > 0.97, rng.choice(np.array(["lognormal", "triangular", "uniform"]), n), None)
    has = dist != None  # noqa: E711 - an object array compared elementwise
    return pd.DataFrame(
        {
            "source": src,
            "amount": amount,
            "unit": unit,
            "instrument": np.where(metered, "EM-SZ-01", None),
            "uncertainty": uncertainty,
            "distribution": dist,
            "lower": np.where(has, amount * 0.8, np.nan),
            "upper": np.where(has, amount * 1.3, np.nan),
        }
    )


def as_json(res: nc.Result) -> dict:
    return json.loads(res.to_json())


def test_generated_rows_equal_in_memory_on_any_partitioning(client):
    inv = nc.load_inventory(OFFICE_FACTORY)
    rows = generated_rows(3000)
    expected = as_json(nc.calculate(inv, activity=rows, uncertainty="analytical"))
    assert expected["totals"]["gross_co2e_t"] > 0
    for parts in (1, 4, 9):
        ddf = dd.from_pandas(rows, npartitions=parts, sort=False)
        got = as_json(nc.calculate(inv, activity=ddf, uncertainty="analytical"))
        assert got == expected, parts


def test_partition_order_does_not_change_the_totals(client, tmp_path):
    """Partitions shuffled: the same rows in another order give the very same totals."""
    inv = nc.load_inventory(OFFICE_FACTORY)
    rows = generated_rows(4000, seed=3)
    chunks = np.array_split(np.arange(len(rows)), 6)
    order = [4, 1, 5, 0, 3, 2]
    shuffled = pd.concat([rows.iloc[chunks[k]] for k in order], ignore_index=True)
    expected = nc.calculate(inv, activity=rows, uncertainty="analytical")
    ddf = dd.from_pandas(shuffled, npartitions=6, sort=False)
    got = nc.calculate(inv, activity=ddf, uncertainty="analytical")
    assert got.totals() == expected.totals()
    assert got.uncertainty_dict() == expected.uncertainty_dict()


def test_monte_carlo_percentiles_do_not_depend_on_partitioning(client):
    inv = nc.load_inventory(OFFICE_FACTORY)
    rows = generated_rows(3000, seed=7)
    expected = nc.calculate(inv, activity=rows, uncertainty="monte_carlo", iterations=2000, seed=11)
    for parts in (2, 5):
        ddf = dd.from_pandas(rows, npartitions=parts, sort=False)
        got = nc.calculate(inv, activity=ddf, uncertainty="monte_carlo", iterations=2000, seed=11)
        assert got.uncertainty_dict() == expected.uncertainty_dict()


def _partitioned_parquet(rows: pd.DataFrame, folder: Path, parts: int) -> None:
    folder.mkdir(parents=True)
    for k, idx in enumerate(np.array_split(np.arange(len(rows)), parts)):
        rows.iloc[idx].to_parquet(folder / f"part-{k:03d}.parquet", index=False)


@pytest.mark.parametrize(
    "example",
    sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.glob("*/inventory.yaml")),
)
def test_bundled_examples_with_their_records_as_partitioned_parquet(client, tmp_path, example):
    """Every bundled example, its inline records moved to a Parquet folder of 3 partitions."""
    inv = nc.load_inventory(EXAMPLES / example)
    rows = [
        {
            "source": s.id,
            "amount": r.amount,
            "unit": r.unit,
            "period": r.period,
            "instrument": r.instrument,
            "uncertainty": r.uncertainty,
        }
        for s in inv.sources
        for r in s.records
        if r.start is None and r.substitute is None and isinstance(r.uncertainty, float | None)
    ]
    if not rows:
        pytest.skip(f"{example} has no record a table row can hold")  # pragma: no cover
    table = pd.DataFrame(rows).astype({"period": object, "instrument": object, "uncertainty": float})
    moved = {(r["source"], r["amount"], r["unit"], r["period"]) for r in rows}
    data = inv.model_dump(mode="json", exclude_none=True, by_alias=True)
    for s in data["sources"]:
        recs = s.get("activity")
        recs = recs if isinstance(recs, list) else [recs] if recs else []
        s["activity"] = [
            r for r in recs if (s["id"], r["amount"], r["unit"], r.get("period")) not in moved
        ]
    (tmp_path / "inv").mkdir()
    for extra in (EXAMPLES / example).parent.iterdir():
        if extra.is_file() and extra.suffix in (".csv", ".xlsx", ".yaml"):
            shutil.copy(extra, tmp_path / "inv" / extra.name)
    path = tmp_path / "inv" / "inventory.json"
    path.write_text(json.dumps(data))
    stripped = nc.load_inventory(path)
    _partitioned_parquet(table, tmp_path / "parts", 3)
    expected = as_json(nc.calculate(stripped, activity=table, uncertainty="analytical"))
    ddf = dd.read_parquet(str(tmp_path / "parts"))
    got = as_json(nc.calculate(stripped, activity=ddf, uncertainty="analytical"))
    assert got["totals"] == expected["totals"]
    assert got == expected
    # and the totals are the example's own, with its records inline
    original = nc.calculate(inv).totals()
    assert got["totals"]["gross_co2e_t"] == pytest.approx(original["gross_co2e_t"], rel=1e-12)


def test_activity_files_of_the_inventory_are_read_on_the_workers(client):
    """office-factory's CSV and Excel files become partitions: the same result."""
    inv = nc.load_inventory(OFFICE_FACTORY)
    empty = dd.from_pandas(pd.DataFrame({"source": [], "amount": [], "unit": []}), npartitions=1)
    assert as_json(nc.calculate(inv, activity=empty)) == as_json(nc.calculate(inv))


def test_a_bad_row_is_named_by_its_file_and_row_as_in_memory(client, tmp_path):
    rows = generated_rows(300, seed=5)[["source", "amount", "unit"]]
    rows.loc[17, "amount"] = -4.0
    rows.loc[250, "source"] = "no-such-source"
    folder = tmp_path / "parts"
    _partitioned_parquet(rows, folder, 3)
    inv = nc.load_inventory(OFFICE_FACTORY)
    data = inv.model_dump(mode="json", exclude_none=True, by_alias=True)
    data["activity_files"] = [*data["activity_files"], *(f"parts/{p.name}" for p in sorted(folder.iterdir()))]
    for extra in OFFICE_FACTORY.parent.iterdir():
        if extra.suffix in (".csv", ".xlsx"):
            shutil.copy(extra, tmp_path / extra.name)
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(data))
    inv = nc.load_inventory(path)
    with pytest.raises(InvalidInputError) as in_memory:
        nc.calculate(inv)
    empty = dd.from_pandas(pd.DataFrame({"source": [], "amount": [], "unit": []}), npartitions=1)
    with pytest.raises(InvalidInputError) as on_dask:
        nc.calculate(inv, activity=empty)
    found = {(i.code, i.file, i.row, i.field, i.value) for i in on_dask.value.issues}
    # row 17 of the table is spreadsheet row 19 of the first part (header row 1)
    assert ("amount_not_negative", str(folder / "part-000.parquet"), 19, "amount", "-4.0") in found
    assert ("source_exists", str(folder / "part-002.parquet"), 52, "source", "'no-such-source'") in found
    assert found == {(i.code, i.file, i.row, i.field, i.value) for i in in_memory.value.issues}


def test_a_bad_row_of_a_dask_frame_is_named_by_partition_and_row(client):
    rows = generated_rows(200, seed=9)[["source", "amount", "unit"]]
    rows.loc[130, "unit"] = "furlong"  # a length: it does not fit any source
    inv = nc.load_inventory(OFFICE_FACTORY)
    ddf = dd.from_pandas(rows, npartitions=2, sort=False)  # rows 0-99 and 100-199
    with pytest.raises(InvalidInputError, match="furlong") as exc:
        nc.calculate(inv, activity=ddf)
    (issue,) = [i for i in exc.value.issues if i.code == "activity_unit_fits_factor"]
    assert (issue.file, issue.row, issue.field) == ("activity table partition 1", 31, "unit")


def test_periods_overlapping_across_partitions_are_refused(client):
    inv = nc.load_inventory(OFFICE_FACTORY)
    a = pd.DataFrame({"source": ["factory-generator"], "amount": [1.0], "unit": ["L"], "period": ["2024-03"]})
    b = pd.DataFrame({"source": ["factory-generator"], "amount": [2.0], "unit": ["L"], "period": ["2024-Q1"]})
    ddf = dd.from_delayed([dask_delayed(a), dask_delayed(b)], meta=a)
    with pytest.raises(InvalidInputError, match="overlap") as exc:
        nc.calculate(inv, activity=ddf)
    codes = {i.code for i in exc.value.issues}
    assert "activity_periods_do_not_overlap" in codes


def dask_delayed(frame: pd.DataFrame):
    from dask import delayed

    return delayed(frame)


def _part_killing_its_worker_once(k: int, marker: str) -> pd.DataFrame:
    """Partition *k* of the generated rows; the first time partition 2 is made, its worker dies."""
    if k == 2 and not os.path.exists(marker):
        Path(marker).write_text("killed once")
        os._exit(1)  # the worker process dies mid-task, as a machine would
    return generated_rows(2000, seed=13).iloc[500 * k : 500 * (k + 1)]


def test_a_worker_killed_mid_run_still_gives_the_right_result(client, tmp_path):
    inv = nc.load_inventory(OFFICE_FACTORY)
    expected = as_json(nc.calculate(inv, activity=generated_rows(2000, seed=13)))
    marker = str(tmp_path / "killed")
    meta = generated_rows(2000, seed=13).iloc[:0]
    ddf = dd.from_map(functools.partial(_part_killing_its_worker_once, marker=marker), range(4), meta=meta)
    got = as_json(nc.calculate(inv, activity=ddf))
    assert os.path.exists(marker)  # a worker did die
    assert got == expected


def _part_killing_every_worker(k: int) -> pd.DataFrame:
    os._exit(1)


def test_a_partition_that_always_kills_its_worker_raises_no_partial_total(client):
    inv = nc.load_inventory(OFFICE_FACTORY)
    ddf = dd.from_map(_part_killing_every_worker, range(2), meta=generated_rows(1)[["source", "amount", "unit"]])
    with pytest.raises(distributed.scheduler.KilledWorker):
        nc.calculate(inv, activity=ddf)
    client.wait_for_workers(2, timeout=60)


def test_the_command_line_calculates_a_folder_of_partitions(client, tmp_path, capsys):
    from nqi_carbon.cli import main

    rows = generated_rows(900, seed=21)[["source", "amount", "unit", "uncertainty"]]
    _partitioned_parquet(rows.iloc[:600], tmp_path / "parts" / "a", 2)
    rows.iloc[600:].to_csv(tmp_path / "parts" / "rest.csv", index=False)
    expected = as_json(nc.calculate(nc.load_inventory(OFFICE_FACTORY), activity=rows))
    address = client.scheduler.address  # the command line connects to the cluster itself
    argv = ["calculate", str(OFFICE_FACTORY), "--activity", str(tmp_path / "parts"), "--dask", address]
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_the_command_line_names_a_bad_row_of_a_partition_file(client, tmp_path, capsys):
    from nqi_carbon.cli import main

    rows = generated_rows(50, seed=22)[["source", "amount", "unit"]]
    rows.loc[40, "amount"] = float("nan")
    _partitioned_parquet(rows, tmp_path / "parts", 2)  # rows 25-49 in part-001
    assert main(["calculate", str(OFFICE_FACTORY), "--activity", str(tmp_path / "parts" / "*.parquet")]) == 1
    err = capsys.readouterr().err
    assert "part-001.parquet" in err and "row 17" in err and "empty amount" in err


def _office_factory_with(tmp_path: Path, **changes: object) -> nc.Inventory:
    """The office-factory example (its files beside it) with top-level keys changed."""
    data = nc.load_inventory(OFFICE_FACTORY).model_dump(mode="json", exclude_none=True, by_alias=True)
    data.update(changes)
    for extra in OFFICE_FACTORY.parent.iterdir():
        if extra.suffix in (".csv", ".xlsx"):
            shutil.copy(extra, tmp_path / extra.name)
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(data))
    return nc.load_inventory(path)


def test_rows_read_after_calibration_are_counted_over_every_partition(client, tmp_path):
    meter = {
        "id": "EM-SZ-01",
        "kind": "electricity meter",
        "uncertainty": 0.005,
        "calibration_due": "2024-06-30",
        "fallback_uncertainty": 0.02,
    }
    inv = _office_factory_with(tmp_path, instruments=[meter])
    rows = generated_rows(3000, seed=31)
    expected = nc.calculate(inv, activity=rows, uncertainty="analytical")
    got = nc.calculate(inv, activity=dd.from_pandas(rows, npartitions=5, sort=False), uncertainty="analytical")
    assert as_json(got) == as_json(expected)
    (finding,) = [f for f in got.findings if f.code == "instrument_calibration_expired" and "table" in f.message]
    # the generated rows the meter read, and the Excel export's July-December readings
    assert f"{int((rows['instrument'] == 'EM-SZ-01').sum()) + 6} activity-table row(s)" in finding.message


def test_limits_in_force_cap_the_issues_of_every_partition(client):
    rows = generated_rows(400, seed=41)[["source", "amount", "unit"]]
    rows["unit"] = [f"bogus{k}" for k in range(len(rows))]  # 400 unknown units, 4 partitions
    ddf = dd.from_pandas(rows, npartitions=4, sort=False)
    with nc.Limits(max_issues=7), pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.load_inventory(OFFICE_FACTORY), activity=ddf)
    issues = exc.value.issues
    assert len(issues) == 8 and issues[-1].code == "issues_truncated"
    assert sum(exc.value.omitted.values()) == 400 - 7


def _part_that_loses_a_row(k: int, marker: str) -> pd.DataFrame:
    """The second time it is made, partition 0 has one row fewer (a file rewritten mid-run)."""
    rows = generated_rows(100, seed=51)[["source", "amount", "unit"]].iloc[50 * k : 50 * (k + 1)]
    if k == 0 and os.path.exists(marker):
        return rows.iloc[1:]
    if k == 0:
        Path(marker).write_text("made once")
    return rows


def test_a_partition_that_changes_between_the_passes_gives_no_total(client, tmp_path):
    """Read twice (``dask_persist=False``): the second read has a row fewer."""
    marker = str(tmp_path / "made")
    meta = generated_rows(1)[["source", "amount", "unit"]].iloc[:0]
    ddf = dd.from_map(functools.partial(_part_that_loses_a_row, marker=marker), range(2), meta=meta)
    # 100 rows and the example's 30 (inline records, its CSV and Excel files)
    with pytest.raises(InvalidInputError, match="130 records were checked but 129 summed") as exc:
        nc.calculate(nc.load_inventory(OFFICE_FACTORY), activity=ddf, dask_persist=False)
    assert exc.value.issues[0].code == "activity_changed_during_run"


def test_read_once_or_twice_gives_the_same_result(client, tmp_path):
    """Kept on the workers between the passes (the default with a client) or read again."""
    inv = nc.load_inventory(OFFICE_FACTORY)
    rows = generated_rows(3000, seed=41)
    expected = as_json(nc.calculate(inv, activity=rows, uncertainty="analytical"))
    _partitioned_parquet(rows, tmp_path / "parts", 4)
    for persist in (None, True, False):
        ddf = dd.read_parquet(str(tmp_path / "parts"))
        got = as_json(nc.calculate(inv, activity=ddf, uncertainty="analytical", dask_persist=persist))
        assert got == expected, persist
    # read once, a partition is made once: the one that changes on a second read is not read again
    marker = str(tmp_path / "made")
    meta = generated_rows(1)[["source", "amount", "unit"]].iloc[:0]
    ddf = dd.from_map(functools.partial(_part_that_loses_a_row, marker=marker), range(2), meta=meta)
    once = nc.calculate(inv, activity=ddf, dask_persist=True)
    assert as_json(once) == as_json(nc.calculate(inv, activity=generated_rows(100, seed=51)[["source", "amount", "unit"]]))
    with pytest.raises(InvalidInputError, match="dask_persist") as exc:
        nc.calculate(inv, activity=ddf, dask_persist="yes")
    assert exc.value.issues[0].code == "argument_type"


def _die() -> None:
    os._exit(1)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("changes", [False, True])
def test_a_worker_lost_between_the_passes_has_its_partitions_made_again(client, tmp_path, monkeypatch, changes):
    """A worker holding kept partitions dies after the check: Dask makes them again from
    the graph, and the sums are right -- or, if a partition reads differently now, no
    total is given."""
    from nqi_carbon.calc import dask_engine

    rows = generated_rows(100, seed=51)[["source", "amount", "unit"]]
    inv = nc.load_inventory(OFFICE_FACTORY)
    expected = as_json(nc.calculate(inv, activity=rows))
    part = functools.partial(_part_made_again, folder=str(tmp_path), changes=changes)
    ddf = dd.from_map(part, range(4), meta=rows.iloc[:0])
    real_plan = dask_engine._plan

    def plan_then_kill(*args, **kwargs):
        # one worker only, idle (a task is failed only when workers die while running it),
        # the one holding most kept partitions of its own (Dask may have copied some)
        alone = [w[0] for k, w in client.who_has().items() if "_check_and_keep" in str(k) and len(w) == 1]
        victim = max(set(alone), key=alone.count)
        with contextlib.suppress(Exception):  # the worker dies before it answers
            client.run(_die, workers=[victim])
        deadline = time.monotonic() + 200  # a new worker process imports pandas and dask: slow on a busy machine
        while victim in client.scheduler_info()["workers"] or len(client.scheduler_info()["workers"]) < 2:
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.2)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(dask_engine, "_plan", plan_then_kill)
    if changes:
        # a row fewer in each partition made again
        with pytest.raises(InvalidInputError, match=r"130 records were checked but 12[6-9] summed") as exc:
            nc.calculate(inv, activity=ddf, dask_persist=True)
        assert exc.value.issues[0].code == "activity_changed_during_run"
    else:
        assert as_json(nc.calculate(inv, activity=ddf, dask_persist=True)) == expected
    assert len(list(tmp_path.glob("made-*"))) == 4 and list(tmp_path.glob("again-*"))  # made again


def _part_made_again(k: int, folder: str, changes: bool) -> pd.DataFrame:
    """Partition *k* of 100 generated rows; made a second time, a row fewer if *changes*."""
    rows = generated_rows(100, seed=51)[["source", "amount", "unit"]].iloc[25 * k : 25 * (k + 1)]
    first = Path(folder) / f"made-{k}"
    if first.exists():
        (Path(folder) / f"again-{k}").write_text("")
        return rows.iloc[1:] if changes else rows
    first.write_text("")
    return rows


def test_engine_dask_reads_an_inventory_folder_on_the_workers(client, tmp_path):
    rows = generated_rows(1500, seed=61)[["source", "amount", "unit", "uncertainty"]]
    _partitioned_parquet(rows, tmp_path / "meters", 3)
    inv = _office_factory_with(
        tmp_path, activity_files=[*nc.load_inventory(OFFICE_FACTORY).model_dump(mode="json")["activity_files"], "meters"]
    )
    in_memory = nc.calculate(inv, uncertainty="analytical")
    assert as_json(nc.calculate(inv, engine="dask", uncertainty="analytical")) == as_json(in_memory)
    with pytest.raises(InvalidInputError, match="unknown calculation engine") as exc:
        nc.calculate(inv, engine="spark")
    assert exc.value.issues[0].code == "engine_known"


@pytest.mark.parametrize("missing", [None, "2024-05"])
def test_months_split_across_partitions_cover_the_year_as_in_memory(client, tmp_path, missing):
    """A source's monthly rows in two partitions: no gap, or the same data_gap as in memory."""
    months = [f"2024-{m:02d}" for m in range(1, 13) if f"2024-{m:02d}" != missing]
    rows = pd.DataFrame({"source": "factory-generator", "amount": 10.0, "unit": "L", "period": months})
    inv = _office_factory_with_no_generator_record(tmp_path)
    ddf = dd.from_pandas(rows, npartitions=2, sort=False)
    if missing is None:
        assert as_json(nc.calculate(inv, activity=ddf)) == as_json(nc.calculate(inv, activity=rows))
        return
    with pytest.raises(InvalidInputError) as in_memory:
        nc.calculate(inv, activity=rows)
    with pytest.raises(InvalidInputError) as on_dask:
        nc.calculate(inv, activity=ddf)
    gaps = [i for i in on_dask.value.issues if i.code == "data_gap"]
    assert [(i.source, i.value) for i in gaps] == [("factory-generator", "2024-05-01..2024-06-01")]
    assert on_dask.value.issues == in_memory.value.issues


def _office_factory_with_no_generator_record(folder: Path) -> nc.Inventory:
    sources = nc.load_inventory(OFFICE_FACTORY).model_dump(mode="json", exclude_none=True, by_alias=True)["sources"]
    for s in sources:
        if s["id"] == "factory-generator":
            s["activity"] = []
    return _office_factory_with(folder, sources=sources)


def test_engine_dask_names_a_bad_row_of_a_pandas_table_as_in_memory(client):
    rows = generated_rows(30, seed=71)[["source", "amount", "unit"]]
    rows.loc[12, "source"] = "nowhere"
    inv = nc.load_inventory(OFFICE_FACTORY)
    with pytest.raises(InvalidInputError) as in_memory:
        nc.calculate(inv, activity=rows)
    with pytest.raises(InvalidInputError) as on_dask:
        nc.calculate(inv, activity=rows, engine="dask")
    assert on_dask.value.issues == in_memory.value.issues
    assert (on_dask.value.issues[0].file, on_dask.value.issues[0].row) == ("activity table", 13)


def test_periods_overlapping_across_distant_partitions_are_found_up_the_tree(client):
    """Partitions 0 and 11 fall in different groups of the tree reduction (8 per task)."""
    inv = nc.load_inventory(OFFICE_FACTORY)
    plain = pd.DataFrame({"source": ["factory-generator"], "amount": [1.0], "unit": ["L"], "period": [None]})
    frames = [plain.astype({"period": object}) for _ in range(12)]
    frames[0] = frames[0].assign(period="2024-03")
    frames[11] = frames[11].assign(period="2024-Q1")
    ddf = dd.from_delayed([dask_delayed(f) for f in frames], meta=frames[0], verify_meta=False)
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, activity=ddf)
    (issue,) = [i for i in exc.value.issues if "partition 11" in i.message and "partition 0" in i.message]
    assert issue.code == "activity_periods_do_not_overlap"
    assert "activity table partition 11 row 1 (2024-Q1) and activity table partition 0 row 1 (2024-03)" in issue.message
    assert (issue.file, issue.row, issue.field) == ("activity table partition 0", 1, "period")
