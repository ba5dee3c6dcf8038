"""The wheel ships the data packs, examples and page templates, and an installed copy finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (ROOT / "pyproject.toml").exists():
        pytest.fail("the packaging test needs the source tree (pyproject.toml)")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (whl,) = out.glob("nqi_carbon-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contains_packs_examples_and_py_typed(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "nqi_carbon/py.typed" in names
    for pack in ("gases.yaml", "gwp-ipcc.yaml"):
        assert f"nqi_carbon/emission_factors/{pack}" in names
    assert "nqi_carbon/examples/cement/inventory.yaml" in names
    assert not any(n.startswith("emission_factors/") for n in names)
    for page in ("base", "macros", "report", "verification", "trajectory"):
        assert f"nqi_carbon/pages/templates/{page}.html" in names
    for schema in ("inventory", "result", "verification", "trajectory", "validation"):
        assert f"nqi_carbon/contracts/schemas/{schema}.schema.json" in names
    assert "nqi_carbon/pages/templates/footprint.html" in names
    for schema in ("footprint", "footprint-claim"):
        assert f"nqi_carbon/footprint/schemas/{schema}.schema.json" in names
    assert "nqi_carbon/examples/footprint-cement/plant.yaml" in names


@pytest.mark.slow
def test_installed_copy_loads_packs_through_importlib_resources(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    # dependencies (pint, pydantic, ...) come from this interpreter's site-packages, *after* the venv's own
    (site / "zz_outer_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = textwrap.dedent(
        """
        import nqi_carbon as nc, nqi_carbon.data.packs as P
        from nqi_carbon.data.factors import bundled_factor_pack_ids
        print(nc.__file__)
        print(P.data_root())
        print(nc.gwp("R-410A", "AR4"))
        print(len(bundled_factor_pack_ids()))
        from nqi_carbon.pages.render import environment
        from nqi_carbon.demo import example_path
        page = nc.inventory_report(nc.calculate(nc.load_inventory(example_path("cement")))).to_html()
        print(environment().get_template("report.html").filename)
        print(page.startswith("<!DOCTYPE html>"), page.endswith("</body></html>\\n"), "<svg" in page)
        from nqi_carbon.neutrality.criteria import table
        print(sorted(table().criteria))
        """
    )
    out = subprocess.run(
        [str(py), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    lines = out.stdout.split("\n")
    module_file, data_root, gwp_value, n_packs, template, page, criteria = lines[:7]
    assert module_file.startswith(str(site))
    assert data_root.startswith(str(site)), "packs must come from the installed copy"
    assert float(gwp_value) == 2087.5
    assert int(n_packs) >= 0
    assert template.startswith(str(site)), "page templates must come from the installed copy"
    assert page == "True True True"
    # the neutrality criteria are package data (criteria.yaml), read from the installed copy
    assert criteria == "['cn-large-event', 'iso-14068-1', 'pas-2060']"
