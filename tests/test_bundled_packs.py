"""The bundled packs: they load, every value is cited, published numbers are exact,
and a pack's version changes whenever its content does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry
from nqi_carbon.data.gases import gas_pack
from nqi_carbon.data.gwp import gwp_pack
from nqi_carbon.data.packs import bundled_pack_ids

LOCK = Path(__file__).resolve().parent / "data" / "pack_versions.json"


def _current() -> dict[str, dict[str, str]]:
    out = {}
    gp, gsha = gas_pack()
    out[gp.id] = {"version": gp.version, "sha256": gsha}
    wp, wsha = gwp_pack()
    out[wp.id] = {"version": wp.version, "sha256": wsha}
    reg = default_registry()
    for pid in bundled_factor_pack_ids():
        lp = reg.pack(pid)
        out[pid] = {"version": lp.version, "sha256": lp.sha256}
    return out


def test_every_bundled_pack_loads_and_is_cited():
    reg = default_registry()
    assert set(bundled_pack_ids()) >= {"gases", "gwp-ipcc", "cn-mee"}
    for pid in bundled_factor_pack_ids():
        lp = reg.pack(pid)
        assert lp.pack.verification.strip()
        for f in lp.factors.values():
            for gas in f.gases:
                c = f.citations.get(gas) or f.citations["factor"]
                assert c.url.startswith("http"), (f.ref, gas)
                assert c.table or c.page or c.section, (f.ref, gas)


def test_a_changed_pack_has_a_new_version():
    """Fails when a pack's content changed but its version did not (or the lock is stale).

    After bumping a pack's version, record it with:
    python -c "from tests.test_bundled_packs import _current; import json; print(json.dumps(_current(), indent=1, sort_keys=True))" > tests/data/pack_versions.json
    """
    lock = json.loads(LOCK.read_text())
    for pid, now in _current().items():
        before = lock.get(pid)
        if before is None:
            pytest.fail(f"new pack {pid!r}: add it to {LOCK.name}")
        if now["sha256"] != before["sha256"] and now["version"] == before["version"]:
            pytest.fail(f"pack {pid!r} changed but its version is still {now['version']}: bump it")
        assert now == before, f"pack {pid!r} is now {now}; update {LOCK.name}"


@pytest.mark.parametrize(
    ("ref", "gas", "value", "unit"),
    [
        ("cn-mee/grid/national/2022", "CO2", 0.5703, "t/MWh"),
        ("cn-mee/grid/national/2021", "CO2", 0.5810, "t/MWh"),
        ("cn-mee/grid-stats/national/2021", "CO2", 0.5568, "kg/kWh"),
        ("cn-mee/grid-stats/national-residual/2021", "CO2", 0.5942, "kg/kWh"),
        ("cn-mee/grid-stats/fossil/2021", "CO2", 0.8426, "kg/kWh"),
        ("cn-mee/grid-stats/national/2022", "CO2", 0.5366, "kg/kWh"),
        ("cn-mee/grid-stats/national-residual/2022", "CO2", 0.5856, "kg/kWh"),
        ("cn-mee/grid-stats/fossil/2022", "CO2", 0.8325, "kg/kWh"),
        ("cn-mee/grid-stats/national/2023", "CO2", 0.5306, "kg/kWh"),
        ("cn-mee/grid-stats/region/north/2022", "CO2", 0.6776, "kg/kWh"),
        ("cn-mee/grid-stats/region/northwest/2022", "CO2", 0.5857, "kg/kWh"),
        ("cn-mee/grid-stats/region/east/2022", "CO2", 0.5617, "kg/kWh"),
        ("cn-mee/grid-stats/region/northeast/2022", "CO2", 0.5564, "kg/kWh"),
        ("cn-mee/grid-stats/region/central/2022", "CO2", 0.5395, "kg/kWh"),
        ("cn-mee/grid-stats/region/south/2022", "CO2", 0.3869, "kg/kWh"),
        ("cn-mee/grid-stats/region/southwest/2022", "CO2", 0.2268, "kg/kWh"),
    ],
)
def test_published_china_electricity_factors(ref, gas, value, unit):
    f = default_registry().resolve(ref)
    assert f.entry.gases is not None
    assert f.entry.gases[gas].value == value
    assert f.entry.gases[gas].unit == unit


def test_the_two_china_series_are_separate_ids():
    reg = default_registry()
    market = reg.resolve("cn-mee/grid/national/2022")
    stats = reg.resolve("cn-mee/grid-stats/national/2022")
    assert market.ref != stats.ref
    assert market.citations["factor"].id != stats.citations["factor"].id
