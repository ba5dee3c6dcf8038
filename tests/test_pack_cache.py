"""Parsed bundled packs kept between processes: JSON keyed by the pack's bytes, never trusted blindly."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nqi_carbon.data import pack_cache, packs
from nqi_carbon.data.factors import FACTOR_PACK_SCHEMA, FactorPack

ROOT = Path(__file__).resolve().parents[1]
IPCC = ROOT / "emission_factors" / "ipcc-2006.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv("NQI_CARBON_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "nqi-carbon" / "packs"


def exactly(a, b):
    """Equal values of the same types all the way down (1 is not 1.0, a date not its text)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(exactly(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(exactly(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_a_kept_pack_reads_back_as_parsed_dates_included(cache):
    raw = IPCC.read_bytes()
    parsed = packs.load_yaml_text(raw, source=str(IPCC))
    assert pack_cache.load(raw) is None
    pack_cache.store(raw, parsed)
    (entry,) = entries(cache)
    assert entry.name == pack_cache.cache_key(raw) + ".json"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    back = pack_cache.load(raw)
    assert exactly(back, parsed)
    assert any(isinstance(r.get("accessed"), dt.date) for r in back["references"])


def test_every_bundled_pack_is_the_same_data_from_the_cache(cache):
    for path in sorted((ROOT / "emission_factors").glob("*.yaml")):
        fresh = packs._bundled_pack_data(path, str(path))
        assert pack_cache.load(path.read_bytes()) is not None, path.name  # kept
        again = packs._bundled_pack_data(path, str(path))
        assert again is not fresh and exactly(again, fresh), path.name


def test_the_same_validated_pack_and_hash_from_the_cache(cache):
    fresh, sha = packs.read_pack(IPCC, FactorPack, expected_schema=FACTOR_PACK_SCHEMA, bundled=True)
    assert cache / (pack_cache.cache_key(IPCC.read_bytes()) + ".json") in entries(cache)
    again, sha_again = packs.read_pack(IPCC, FactorPack, expected_schema=FACTOR_PACK_SCHEMA, bundled=True)
    assert (again, sha_again) == (fresh, sha)


def test_an_entry_is_used_only_for_the_bytes_it_was_made_from(cache):
    raw = IPCC.read_bytes()
    pack_cache.store(raw, {"schema": "x", "n": 1})
    edited = raw + b"\n# edited\n"
    assert pack_cache.load(edited) is None
    # an entry copied under the edited bytes' name still names its own key: refused
    (entry,) = entries(cache)
    (cache / (pack_cache.cache_key(edited) + ".json")).write_bytes(entry.read_bytes())
    assert pack_cache.load(edited) is None
    assert pack_cache.load(raw) == {"schema": "x", "n": 1}


@pytest.mark.parametrize(
    "text",
    [b"", b"{not json", b"[]", b'{"format": "nqi-carbon/pack-cache@1"}', b"\xff\xfe", b"[" * 100_000],
)
def test_a_damaged_entry_is_passed_over(cache, text):
    raw = b"schema: x\n"
    pack_cache.store(raw, {"schema": "x"})
    (entry,) = entries(cache)
    entry.write_bytes(text)
    assert pack_cache.load(raw) is None


def test_a_damaged_date_list_is_passed_over(cache):
    raw = b"schema: x\n"
    pack_cache.store(raw, {"schema": "x", "when": dt.date(2024, 1, 2)})
    (entry,) = entries(cache)
    doc = json.loads(entry.read_text())
    doc["dates"] = [["date", "nowhere"]]
    entry.write_text(json.dumps(doc))
    assert pack_cache.load(raw) is None


@pytest.mark.parametrize(
    "data",
    [{"a": {1, 2}}, {1: "number key"}, {"a": float("nan")}, {"a": (1, 2)}, {"a": "\ud800"}, {"a": b"x"}],
)
def test_what_json_cannot_give_back_exactly_is_not_kept(cache, data):
    pack_cache.store(b"schema: x\n", data)
    assert not cache.exists() or entries(cache) == []


def test_bounded_oldest_entries_removed(cache, monkeypatch):
    monkeypatch.setattr(pack_cache, "MAX_ENTRIES", 3)
    for k in range(6):
        raw = f"schema: x\nk: {k}\n".encode()
        pack_cache.store(raw, {"k": k})
        os.utime(cache / (pack_cache.cache_key(raw) + ".json"), (k, k))
    assert len(entries(cache)) == 3
    assert pack_cache.load(b"schema: x\nk: 5\n") == {"k": 5}
    assert pack_cache.load(b"schema: x\nk: 0\n") is None
    monkeypatch.setattr(pack_cache, "MAX_ENTRY_BYTES", 10)
    pack_cache.store(b"big", {"text": "x" * 100})
    assert pack_cache.load(b"big") is None


def test_off_with_nqi_carbon_cache_0(cache, monkeypatch):
    monkeypatch.setenv("NQI_CARBON_CACHE", "0")
    pack_cache.store(b"schema: x\n", {"schema": "x"})
    assert not cache.exists()


def test_a_folder_others_can_write_is_not_used(cache):
    cache.mkdir(parents=True, mode=0o700)
    cache.chmod(0o777)
    pack_cache.store(b"schema: x\n", {"schema": "x"})
    assert entries(cache) == []


def test_user_packs_are_not_kept(cache, tmp_path):
    pack = tmp_path / "mine.yaml"
    pack.write_bytes(IPCC.read_bytes())
    packs.read_pack(pack, FactorPack, expected_schema=FACTOR_PACK_SCHEMA, bundled=False)
    assert not cache.exists() or entries(cache) == []


def test_a_second_process_reads_the_kept_packs(cache, tmp_path):
    """Two fresh processes: the first keeps the packs it parsed, the second reads them back."""
    script = (
        "import nqi_carbon as nc, sys; "
        f"r = nc.calculate(nc.load_inventory({str(ROOT / 'examples' / 'cement' / 'inventory.yaml')!r})); "
        "print(repr(r.total_co2e))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("NQI_CARBON_CACHE", None)
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=True)
    kept = entries(cache)
    assert len(kept) >= 2
    second = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert second.stdout == first.stdout
    assert entries(cache) == kept
