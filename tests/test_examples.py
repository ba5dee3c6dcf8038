"""Every example runs, and its totals are recomputed by hand from the published factors."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc

EX = Path(__file__).resolve().parents[1] / "examples"
C = 44 / 12


def test_cement_totals_by_hand():
    res = nc.calculate(nc.load_inventory(EX / "cement" / "inventory.yaml"))
    coal_t = sum([10150, 7020, 10480, 10210, 10690, 9870, 9560, 9940, 10320, 10750, 10880, 10430])
    kiln = coal_t * 0.582 * 0.986 * C
    clinker = 1052300 * 0.5344
    diesel = 412.6 * 42.652 * 0.0202 * 0.98 * C  # cn-mee/fuel/diesel: NCV GJ/t, t C/GJ, oxidation
    grid = 86420 * 0.5703
    r410a = 18.5 / 1000 * 2255.5  # AR6, Kyoto-only: 0.5 x 771 + 0.5 x 3740
    t = res.totals()
    assert t["by_category"]["2"] == pytest.approx(grid, rel=1e-12)
    assert t["by_category"]["1"] == pytest.approx(kiln + clinker + diesel + r410a, rel=1e-9)
    assert t["by_gas_co2e_t"]["HFCs"] == pytest.approx(r410a, rel=1e-12)


def test_multisite_equity_share_by_hand():
    res = nc.calculate(nc.load_inventory(EX / "multisite" / "inventory.yaml"))
    ng = 389.31 * 0.0153 * 0.99 * C  # t CO2 per 10^4 Nm3, cn-mee natural gas defaults
    by_fac = res.totals()["by_facility"]
    steel = 6420 * 2.21
    freight = 2.85e6 * 0.062 / 1000
    flights = 612000 * 0.13 / 1000
    js = (
        nc.FactorRegistry()
        .resolve("cn-mee/grid-stats/province/CN-JS/2022")
        .entry.gases["CO2"]
        .value
    )
    assert by_fac["suzhou"] == pytest.approx(
        84.6 * ng + 14250 * js + steel + freight + flights, rel=1e-9
    )
    assert by_fac["wuxi"] == pytest.approx(0.6 * (212.3 * ng + 22800 * js), rel=1e-9)


def test_office_market_based_by_hand():
    res = nc.calculate(nc.load_inventory(EX / "office" / "inventory.yaml"))
    t = res.totals()
    mwh = 118.4 + 104.9 + 131.7 + 109.2
    assert t["by_scope"]["2_market"] == pytest.approx((mwh - 300) * 0.5856, rel=1e-12)
    assert t["gross_co2e_t_market_based"] == pytest.approx(
        (mwh - 300) * 0.5856 + 2.4e-3 * 771 + 38600 * 0.158e-3, rel=1e-12
    )
    assert any(f.code == "co2e_factor_gwp_set" for f in res.findings)


@pytest.mark.parametrize("name", ["cement", "multisite", "office"])
def test_every_example_reports(name, tmp_path):
    inv = nc.load_inventory(EX / name / "inventory.yaml")
    rep = nc.inventory_report(nc.calculate(inv, uncertainty="analytical"))
    files = rep.write(tmp_path, formats=("html", "md", "json"))
    assert len(files) == 3
    assert all(i.status != "missing" for i in rep.checklist() if i.item not in ("k", "l"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["first-inventory.ipynb", "trajectory.ipynb"])
def test_notebook_executes(tmp_path, name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(EX / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(EX)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert html, "rich display (_repr_html_) did not render"
