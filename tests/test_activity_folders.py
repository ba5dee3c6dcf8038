"""``activity_files`` entries naming a folder or a glob of partitions (issue 20), in memory."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

pytestmark = pytest.mark.parquet

OFFICE_FACTORY = Path(__file__).resolve().parents[1] / "examples" / "office-factory" / "inventory.yaml"


def _inventory(folder: Path, entries: list[object]) -> nc.Inventory:
    """The office-factory example in *folder*, its activity files replaced by *entries*."""
    data = nc.load_inventory(OFFICE_FACTORY).model_dump(mode="json", exclude_none=True, by_alias=True)
    data["activity_files"] = entries
    path = folder / "inventory.json"
    path.write_text(json.dumps(data))
    return nc.load_inventory(path)


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def test_a_folder_of_parquet_and_csv_partitions_is_read_whole(tmp_path):
    rows = pd.DataFrame({"source": ["factory-generator"] * 4, "amount": [1.5, 2.0, 4.0, 8.25], "unit": "L"})
    _write(tmp_path / "parts" / "a" / "part-0.parquet", rows.iloc[:2])
    _write(tmp_path / "parts" / "b.csv", rows.iloc[2:])
    _write(tmp_path / "parts" / "_metadata.parquet", rows)  # a writer's own file: left out
    _write(tmp_path / "parts" / ".hidden" / "x.csv", rows)
    inv = _inventory(tmp_path, ["parts"])
    one_table = nc.calculate(_inventory(tmp_path, []), activity=rows)
    assert nc.calculate(inv).totals() == one_table.totals()


def test_a_glob_picks_its_files(tmp_path):
    rows = pd.DataFrame({"source": ["factory-generator"] * 3, "amount": [10.0, 20.0, 40.0], "unit": "L"})
    for k in range(3):
        _write(tmp_path / "meters" / f"m{k}.csv", rows.iloc[[k]])
    _write(tmp_path / "meters" / "notes.parquet", rows)  # not matched by the glob
    got = nc.calculate(_inventory(tmp_path, ["meters/m*.csv"])).totals()
    assert got == nc.calculate(_inventory(tmp_path, []), activity=rows).totals()


def test_hive_folders_give_the_column_they_name(tmp_path):
    """``source=<id>/`` folders (as Dask, Spark and Arrow write them) fill the source column."""
    for sid, amount in (("factory-generator", 100.0), ("company-cars", 50.0)):
        _write(tmp_path / "hive" / f"source={sid}" / "part-0.parquet", pd.DataFrame({"amount": [amount], "unit": ["L"]}))
    rows = pd.DataFrame({"source": ["company-cars", "factory-generator"], "amount": [50.0, 100.0], "unit": "L"})
    got = nc.calculate(_inventory(tmp_path, ["hive"])).totals()
    assert got == nc.calculate(_inventory(tmp_path, []), activity=rows).totals()


def test_a_bad_row_in_a_folder_names_its_file_and_row(tmp_path):
    rows = pd.DataFrame({"source": ["factory-generator"] * 3, "amount": [1.0, -2.0, 3.0], "unit": "L"})
    _write(tmp_path / "parts" / "p1.csv", rows)
    with pytest.raises(InvalidInputError, match="negative activity") as exc:
        nc.calculate(_inventory(tmp_path, ["parts"]))
    (issue,) = exc.value.issues
    assert (issue.code, issue.file, issue.row) == ("amount_not_negative", str(tmp_path / "parts" / "p1.csv"), 3)


@pytest.mark.parametrize("entry", ["empty", "nothing/*.parquet"])
def test_a_folder_or_glob_without_files_is_refused(tmp_path, entry):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="names no activity file") as exc:
        nc.calculate(_inventory(tmp_path, [entry]))
    (issue,) = exc.value.issues
    assert (issue.code, issue.field, issue.value) == ("activity_files_found", "activity_files[0]", repr(entry))


def test_a_glob_leading_outside_the_inventory_folder_is_refused(tmp_path):
    _write(tmp_path / "secret.csv", pd.DataFrame({"source": ["factory-generator"], "amount": [1.0], "unit": ["L"]}))
    (tmp_path / "inv").mkdir()
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inventory(tmp_path / "inv", ["../*.csv"]))
    assert {i.code for i in exc.value.issues} == {"path_outside_base"}
