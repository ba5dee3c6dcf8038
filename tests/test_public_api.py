"""Guards on the package surface: the exported names, layering, import cost."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nqi_carbon

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "nqi_carbon"  # the source tree (the tests may run against an installed copy)

EXPECTED_ALL = [
    "ActivityRecord",
    "BaseYear",
    "Blend",
    "CO2e",
    "CarbonParameters",
    "CbamCommunication",
    "DimensionalityMismatchError",
    "Exclusion",
    "Factor",
    "FactorRegistry",
    "Finding",
    "Facility",
    "FootprintReport",
    "FootprintResult",
    "FootprintStudy",
    "FootprintVerification",
    "GWPSetMismatchError",
    "Instrument",
    "InventoryReport",
    "InvalidArgumentError",
    "InvalidInputError",
    "Inventory",
    "Issue",
    "KYOTO_GROUPS",
    "Limits",
    "MeasuredParameter",
    "MissingGWPError",
    "NeutralityEvaluation",
    "NqiCarbonError",
    "Organisation",
    "PackError",
    "Period",
    "Removal",
    "Result",
    "ResultDocument",
    "Sandbox",
    "Source",
    "Species",
    "UnknownFactorError",
    "UnknownGWPSetError",
    "UnknownSpeciesError",
    "UnknownUnitError",
    "TrajectoryDocument",
    "VerificationDocument",
    "VerificationResult",
    "__version__",
    "blend",
    "blend_gwp",
    "calculate",
    "calculate_cbam",
    "calculate_footprint",
    "cems_hourly",
    "data_quality",
    "conversion_factor",
    "evaluate_neutrality",
    "fill_gaps",
    "footprint_report",
    "find_gaps",
    "gas_group",
    "gwp",
    "gwp_citation",
    "gwp_set_names",
    "gwp_table",
    "inventory_json_schema",
    "inventory_report",
    "is_blend",
    "json_schema",
    "load_footprint",
    "load_inventory",
    "load_result",
    "normalise_gas",
    "parse_unit",
    "read_activity",
    "read_pact",
    "save_inventory",
    "save_result",
    "species",
    "split_blend",
    "to_co2e",
    "to_pact",
    "ureg",
    "validate_inventory",
    "verify",
    "verify_footprint",
    "verify_neutrality",
    "write_pact",
]


def test_all_is_pinned_and_sorted():
    assert nqi_carbon.__all__ == sorted(nqi_carbon.__all__)
    assert nqi_carbon.__all__ == sorted(EXPECTED_ALL)


def test_every_public_name_resolves():
    for name in nqi_carbon.__all__:
        assert getattr(nqi_carbon, name) is not None, name


def test_version_matches_pyproject():
    import tomllib

    pyproject = ROOT / "pyproject.toml"
    if pyproject.exists():  # source checkout
        meta = tomllib.loads(pyproject.read_text())
        assert meta["project"]["version"] == nqi_carbon.__version__
    from importlib.metadata import version

    assert version("nqi-carbon") == nqi_carbon.__version__


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package found first on the path under *root*, with our contract."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.exit(lint_imports_command())", "--config", str(ROOT / "pyproject.toml")],
        capture_output=True, text=True, env=env, cwd=root, timeout=120,
    )  # fmt: skip


def test_imports_flow_one_way():
    # the layers contract in pyproject.toml ([tool.importlinter]): edges, capabilities,
    # pages, calculation, inventory, data, units, io, foundations
    run = _lint_imports(SRC.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_an_upward_import_breaks_the_layer_contract(tmp_path):
    # the contract can fail: the calculation importing the report page is refused
    copy = tmp_path / "nqi_carbon"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    kernel = copy / "calc" / "kernel.py"
    kernel.write_text(kernel.read_text() + "\n\ndef _upward() -> object:\n    from ..report import inventory\n\n    return inventory\n")
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert "nqi_carbon.calc.kernel -> nqi_carbon.report.inventory" in run.stdout


def test_import_reads_no_data_and_loads_no_heavy_library():
    code = textwrap.dedent(
        """
        import sys
        opened = []
        def hook(event, args):
            if event == "open" and isinstance(args[0], str):
                opened.append(args[0])
        sys.addaudithook(hook)
        import nqi_carbon
        data = [p for p in opened if p.endswith((".yaml", ".yml", ".txt", ".csv", ".json"))]
        heavy = [m for m in ("pint", "pandas", "numpy", "pydantic", "yaml", "tqdm") if m in sys.modules]
        print(repr((data, heavy)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data, heavy = ast.literal_eval(out.stdout.strip())
    assert data == []
    assert heavy == []


def test_every_reason_code_is_documented():
    import re

    doc = (ROOT / "docs" / "reference" / "reason-codes.md").read_text()
    codes = set()
    for path in SRC.rglob("*.py"):  # every sub-package
        text = path.read_text()
        codes |= set(re.findall(r'(?:RuleError|Issue|Finding)\(\s*"([a-z_]+)"', text))
        codes |= set(re.findall(r'_report\(info, "([a-z_]+)"', text))
    missing = sorted(c for c in codes if f"`{c}`" not in doc)
    assert codes, "no codes found"
    assert not missing, f"undocumented reason codes: {missing}"


def test_no_public_name_is_shadowed_by_a_submodule():
    import importlib
    import types

    for path in SRC.glob("*.py"):
        if path.stem != "__init__":
            importlib.import_module(f"nqi_carbon.{path.stem}")
    for name in nqi_carbon.__all__:
        assert not isinstance(getattr(nqi_carbon, name), types.ModuleType), name
