from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session", autouse=True)
def _run_from_the_repository():
    """Run every test from the repository root, whatever folder pytest was started in.

    An inventory given as a mapping reads the paths it names from the current folder and
    may not leave it (docs/guarantees.md, confinement); the tests' mappings name packs
    under tests/data.
    """
    before = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(before)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def minimal_inventory() -> dict:
    """A small valid inventory as a mapping (fresh copy per test)."""
    return {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Test Co.", "id": "0755", "consolidation": "operational_control"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "facilities": [
            {"id": "plant-a", "name": "Plant A", "region": "CN-JS", "operational_control": True}
        ],
        "instruments": [
            {
                "id": "WB-01",
                "kind": "belt scale",
                "uncertainty": 0.02,
                "calibrated_on": "2024-01-10",
                "calibration_due": "2025-01-10",
            }
        ],
        "sources": [
            {
                "id": "boiler-gas",
                "facility": "plant-a",
                "category": 1,
                "subcategory": "stationary_combustion",
                "factor": "ipcc-2006/stationary/natural_gas",
                "activity": {"amount": 100, "unit": "TJ", "instrument": "WB-01"},
            },
            {
                "id": "grid",
                "facility": "plant-a",
                "category": 2,
                "factor": "cn-mee/grid/national/2022",
                "activity": [
                    {"period": "2024-01", "amount": 7000, "unit": "MWh"},
                    {"period": "2024-02", "amount": 6500, "unit": "MWh"},
                ],
            },
        ],
    }


@pytest.fixture
def one_facility():
    """Build a validated one-facility inventory (facility ``a``, equity share, test pack).

    ``one_facility(sources, gwp="AR5", **sections)``: sources are mappings as in YAML;
    other sections (instruments, removals...) are passed through.
    """
    import nqi_carbon as nc

    def build(sources: list[dict], *, gwp: str = "AR5", **sections: object) -> object:
        return nc.validate_inventory(
            {
                "schema": "nqi-carbon/inventory@1",
                "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
                "period": {"start": "2024-01-01", "end": "2025-01-01"},
                "gwp": gwp,
                "factor_packs": [str(DATA / "packs" / "testpack.yaml")],
                "facilities": [{"id": "a"}],
                "sources": sources,
                **sections,
            }
        )

    return build


@pytest.fixture
def pack_inventory():
    """Build a validated one-facility inventory on bundled packs.

    ``pack_inventory(packs, sources, *, gwp="AR5", region=None, year=2024)``: facility ``a``
    (operational control, in ``region``), one calendar year; sources are mappings as in YAML.
    """
    import nqi_carbon as nc

    def build(
        packs: list[str],
        sources: list[dict],
        *,
        gwp: str = "AR5",
        region: str | None = None,
        year: int = 2024,
    ) -> object:
        facility: dict = {"id": "a", "operational_control": True}
        if region is not None:
            facility["region"] = region
        return nc.validate_inventory(
            {
                "schema": "nqi-carbon/inventory@1",
                "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
                "period": {"start": f"{year}-01-01", "end": f"{year + 1}-01-01"},
                "gwp": gwp,
                "factor_packs": packs,
                "facilities": [facility],
                "sources": sources,
            }
        )

    return build


@pytest.fixture
def build_script():
    """Import a pack build script, ``emission_factors/_build/<name>.py``, as a module."""
    import importlib.util
    import sys

    def load(name: str) -> object:
        spec = importlib.util.spec_from_file_location(
            f"_build_{name}", ROOT / "emission_factors" / "_build" / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module

    return load
