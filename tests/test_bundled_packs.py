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


def test_only_the_fuel_properties_pack_states_applies_to_and_every_target_resolves():
    # the registry searches applies_to in that pack (and user packs) only
    reg = default_registry()
    for pid in bundled_factor_pack_ids():
        fuels = reg.pack(pid).fuels.values()
        if pid != "fuel-properties":
            assert not any(f.entry.applies_to for f in fuels), pid
            continue
        for fuel in fuels:
            assert fuel.entry.applies_to or fuel.entry.density or fuel.entry.ncv_per_gcv
            for target in fuel.entry.applies_to:
                if "/fuel/" in target:
                    reg.resolve_fuel(target)
                else:
                    reg.resolve(target)


def test_the_fuel_properties_pack_is_what_its_build_script_writes():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    built = subprocess.run(
        [sys.executable, str(root / "emission_factors" / "_build" / "fuel_properties.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert built == (root / "emission_factors" / "fuel-properties.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fuel", "per_litre", "per_tonne", "density"),
    [
        # UK DESNZ 2025 flat file, kg CO2e per litre and per tonne: density = their ratio
        ("diesel_mineral", 2.66155, 3203.91143, 0.8307),
        ("gas_oil", 2.75541, 3226.57859, 0.8540),
        ("lpg", 1.55713, 2939.36095, 0.5298),
        ("petrol_mineral", 2.33984, 3154.08213, 0.7418),
        ("burning_oil", 2.54016, 3165.04181, 0.8026),
    ],
)
def test_desnz_densities_are_the_ratio_of_its_factors_per_litre_and_per_tonne(
    fuel, per_litre, per_tonne, density
):
    entry = default_registry().resolve_fuel(f"fuel-properties/fuel/{fuel}").entry
    assert entry.density is not None and entry.density.unit == "kg/L"
    assert entry.density.value == density == round(per_litre / per_tonne * 1000, 4)


def test_desnz_natural_gas_ncv_per_gcv_is_the_ratio_of_its_kwh_factors():
    # 0.18296 kg CO2e per kWh (Gross CV) / 0.2027 per kWh (Net CV) = 0.90262; IPCC 2006 Vol. 2
    # Ch. 1 1.4.1.2 gives "about 10 percent" for natural gas
    entry = default_registry().resolve_fuel("fuel-properties/fuel/natural_gas").entry
    assert entry.ncv_per_gcv is not None
    assert entry.ncv_per_gcv.value == round(0.18296 / 0.2027, 4) == 0.9026
