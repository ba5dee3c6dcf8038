"""CSV files read by pyarrow (the fast path) give the table pandas gives, or are left to pandas.

``_io.tables._arrow_csv`` is taken only where it reads exactly what ``_pandas_csv`` reads
(every check and message of the table is written against pandas' reading); any file it
cannot read the same way must come back as None.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon._io import tables

pytest.importorskip("pyarrow")

CELL = st.lists(
    st.sampled_from(["a", "1", ".", " ", '"', ",", ";", "\n", "\r", "\t", "é", "环", "NA", "\x00"]),
    max_size=6,
).map("".join)


def both(data: bytes, sep: str = ",", max_rows: int = 1000):
    fast = tables._arrow_csv(data, sep, _width(data, sep), max_rows)
    try:
        slow = tables._pandas_csv(data, sep, max_rows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        slow = None
    return fast, slow


def _width(data: bytes, sep: str) -> int:
    import csv

    try:  # the header as _csv_frame measures it
        first = next(csv.reader(tables._lines(data.decode("utf-8")), delimiter=sep), [])
    except csv.Error:
        return 0  # _csv_frame refuses such a header before reading the table
    return len(first)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=6), st.sampled_from([",", ";"]))
@example([["", ""], ["\r", ""]], ",")  # b",\n\r,": pandas reads no row, pyarrow one
def test_fast_path_reads_what_pandas_reads_or_steps_aside(rows, sep):
    data = "\n".join(sep.join(r) for r in rows).encode("utf-8")
    fast, slow = both(data, sep)
    if fast is not None:
        assert slow is not None, data
        fast.columns = slow.columns
        pd.testing.assert_frame_equal(fast, slow, check_dtype=True, obj=repr(data))


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("source,amount,unit\nboiler,12.5,t\n", True),
        ("source,amount,unit\nboiler,NA,\n", True),  # NA is text, an empty cell is empty
        ('source,amount,unit\n"boiler, east",1,t\n', False),  # quotes: pandas reads them
        ("source,amount,unit\r\nboiler,1,t\r\n", True),
        ('source,amount,unit\n"two\nlines",1,t\n', False),
        ("source,amount,unit\nboiler,1\n", False),  # short row: pandas fills it
        ("source,amount,unit\nboiler,1,t,extra\n", False),  # pandas names the extra field
        ("source,amount,unit\nboiler,1,t\n   \nboiler,2,t\n", False),  # a line of spaces
        ("\nsource,amount,unit\nboiler,1,t\n", False),  # a blank line before the header
        ("source\nboiler\n", False),  # one column
        ("source,amount,unit\nboiler,1,t\n\r,,\n", False),  # a lone CR ends a line for pyarrow
    ],
)
def test_which_files_take_the_fast_path(text, taken):
    fast, slow = both(text.encode("utf-8"))
    assert (fast is not None) is taken
    if taken:
        fast.columns = slow.columns
        pd.testing.assert_frame_equal(fast, slow)


def test_too_many_rows_still_refused_by_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("source,amount,unit\n" + "s,1,t\n" * 12, encoding="utf-8")
    with nc.Limits(max_table_rows=10), pytest.raises(nc.InvalidInputError) as err:
        nc.read_activity(path)
    (issue,) = err.value.issues
    assert issue.code == "table_too_large" and "more than 10 data rows" in issue.message


def test_read_activity_same_table_either_way(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text(
        "Source,Amount,Unit,uncertainty\nboiler,12.5,t,0.05\nkiln,1,000,GJ,0.1\n", encoding="utf-8"
    )
    with pytest.raises(nc.InvalidInputError) as err:  # one field too many: pandas names the row
        nc.read_activity(path)
    assert [(i.code, i.row) for i in err.value.issues] == [("csv_extra_fields", 3)]
    path.write_text(
        "Source,Amount,Unit,uncertainty\nboiler,12.5,t,0.05\nboiler, 3 ,t,\nkiln,1e3,GJ,0.1\n"
        "kiln,1,000,GJ\nNA,,kWh,x\n",
        encoding="utf-8",
    )
    fast = nc.read_activity(path)
    monkeypatch.setattr(tables, "_arrow_csv", lambda *a: None)
    slow = nc.read_activity(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast["source"]) == ["boiler", "boiler", "kiln", "kiln", "NA"]
    assert list(fast["unit"]) == ["t", "t", "GJ", "000", "kWh"]
    assert fast["amount"].tolist()[:4] == [12.5, 3.0, 1000.0, 1.0]


def test_reading_hands_freed_memory_back_to_the_system(tmp_path, monkeypatch):
    # the text columns of a read are freed once typed; glibc keeps their pages unless
    # trimmed (~75 MB through the calculation of a million CSV rows): read_table trims
    calls: list[int] = []
    monkeypatch.setattr(tables, "_malloc_trim", lambda: calls.append)
    path = tmp_path / "a.csv"
    path.write_text("source,amount,unit\nboiler,1.5,MWh\n", encoding="utf-8")
    table = nc.read_activity(path)
    assert table["amount"].tolist() == [1.5]
    assert calls == [0]


def test_no_trim_where_the_c_library_has_none(monkeypatch):
    import sys

    tables._malloc_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert tables._malloc_trim() is None
        assert tables.map_large_allocations() is False
    finally:
        tables._malloc_trim.cache_clear()


def test_a_table_is_read_with_the_system_allocator_and_the_pool_put_back(tmp_path, monkeypatch):
    # pandas' and nqi-carbon's pyarrow calls while reading share numpy's heap (a second
    # allocator beside it held ~18 MB more at the peak of a million rows)
    import pyarrow as pa

    seen: list[str] = []
    typed = tables._typed_columns

    def spy(*args, **kwargs):
        seen.append(pa.default_memory_pool().backend_name)
        return typed(*args, **kwargs)

    monkeypatch.setattr(tables, "_typed_columns", spy)
    before = pa.default_memory_pool().backend_name
    path = tmp_path / "a.csv"
    path.write_text("source,amount,unit\nboiler,1.5,MWh\n", encoding="utf-8")
    assert nc.read_activity(path)["amount"].tolist() == [1.5]
    assert seen == ["system"]
    assert pa.default_memory_pool().backend_name == before


@pytest.mark.timeout(60)
def test_reads_at_once_put_the_pool_back_when_the_last_ends(tmp_path, monkeypatch):
    # threads reading partitions: the first to leave must not put back its pool while
    # the other reads, nor the last leave the system pool in place for good
    import threading

    import pyarrow as pa

    before = pa.default_memory_pool().backend_name
    inside = threading.Barrier(2, timeout=30)
    first_done = threading.Event()
    typed = tables._typed_columns

    def spy(*args, **kwargs):
        inside.wait()
        if threading.current_thread().name == "second":
            assert first_done.wait(30)
            assert pa.default_memory_pool().backend_name == "system"  # still reading
        return typed(*args, **kwargs)

    monkeypatch.setattr(tables, "_typed_columns", spy)
    path = tmp_path / "a.csv"
    path.write_text("source,amount,unit\nboiler,1.5,MWh\n", encoding="utf-8")
    errors: list[BaseException] = []

    def read(done: threading.Event | None) -> None:
        try:
            nc.read_activity(path)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)
        if done is not None:
            done.set()

    threads = [
        threading.Thread(target=read, args=(first_done,), name="first"),
        threading.Thread(target=read, args=(None,), name="second"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors
    assert pa.default_memory_pool().backend_name == before
