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


@pytest.mark.excel
def test_office_and_factory_billed_units_by_hand():
    """Berlin gas in gross kWh, diesel in litres, the Suzhou plant's Excel export (issue 16).

    Published values: NCV/GCV of natural gas 0.9026 and density of mineral diesel
    0.8307 kg/L (UK DESNZ 2025), NCV of gas/diesel oil 43.0 TJ/Gg (IPCC 2006 Vol. 2 Table
    1.2), IPCC 2006 factors per TJ (Tables 2.3, 2.4, 3.2.1, 3.2.2), AR6 GWPs (CH4 fossil
    29.8, N2O 273), UBA 380 g/kWh, MEE/NBS Jiangsu 2022 0.5978 kg/kWh.
    """
    res = nc.calculate(nc.load_inventory(EX / "office-factory" / "inventory.yaml"))
    gas_kwh = sum([14820.4, 12955.0, 10230.7, 6480.2, 3105.9, 1420.0, 1180.5, 1205.3, 2960.8,
                   6715.1, 10905.6, 13640.2])  # fmt: skip
    gas_tj = gas_kwh * 0.9026 * 3.6e-6
    gas = gas_tj * (56100 + 5 * 29.8 + 0.1 * 273) / 1000  # commercial: CH4 5, N2O 0.1 kg/TJ
    cars_tj = (1240.5 + 1105.0 + 980.3 + 1310.8) * 0.8307e-3 * 43.0e-3
    cars = cars_tj * (74100 + 3.9 * 29.8 + 3.9 * 273) / 1000
    gen_tj = 2150 * 0.8307e-3 * 43.0e-3
    gen = gen_tj * (74100 + 3 * 29.8 + 0.6 * 273) / 1000  # manufacturing: CH4 3, N2O 0.6 kg/TJ
    factory_kwh = sum([182_400, 165_950, 190_210, 188_730, 196_480, 204_115,
                       211_960, 214_300, 199_870, 193_640, 187_025, 180_320])  # fmt: skip
    by_source = res.lines.groupby("source")["co2e_t"].sum()
    assert by_source["office-gas"] == pytest.approx(gas, rel=1e-12)
    assert by_source["company-cars"] == pytest.approx(cars, rel=1e-12)
    assert by_source["factory-generator"] == pytest.approx(gen, rel=1e-12)
    assert by_source["office-electricity"] == pytest.approx(48600 * 0.380e-3, rel=1e-12)
    assert by_source["factory-electricity"] == pytest.approx(factory_kwh * 0.5978e-3, rel=1e-12)
    assert "energy_basis_assumed" not in {f.code for f in res.findings}


@pytest.mark.excel
def test_the_factory_export_is_what_its_script_builds(tmp_path):
    """The committed workbook holds what build_export.py writes (cell by cell)."""
    import importlib.util

    import openpyxl

    spec = importlib.util.spec_from_file_location("build_export", EX / "office-factory" / "build_export.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(tmp_path / "x.xlsx")

    def cells(path):
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}

    assert cells(rebuilt) == cells(EX / "office-factory" / "suzhou_electricity_2024.xlsx")


@pytest.mark.parametrize("name", ["cement", "multisite", "office", "office-factory"])
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
    if name == "first-inventory.ipynb":  # the factor search shows as a table, not reprs
        (search,) = [o for o in html if "found, best first" in o["data"]["text/html"]]
        assert "<td>cn-mee/grid/national/2022</td>" in search["data"]["text/html"]
        assert search["data"]["text/plain"].startswith("SearchResults(")


# the display of each object in examples/notebook-tour.ipynb: a mark only that display has
TOUR_DISPLAYS = {
    "inv": 'class="nqi-inventory"',
    "res": 'class="nqi-result"',
    "rep": 'class="nqi-report"',
    "ver": 'class="nqi-verification"',
    "nc.FactorRegistry().search(": "found, best first",
    "traj": "Peak: peaked",
}
TOUR_PLOTS = ("by_category", "by_gas", "contributors", "base_year_bridge", "trajectory()")


@pytest.mark.slow
@pytest.mark.plot
def test_the_notebook_tour_shows_each_display_and_plot():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(EX / "notebook-tour.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(EX)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]

    def outputs(shown: str) -> list[dict]:
        """The outputs of the cell whose last line shows *shown* (a name, or a call's start)."""
        last = [c.source.rstrip().splitlines()[-1].split("#")[0].strip() for c in code]
        (cell,) = [c for c, ln in zip(code, last, strict=True) if ln == shown or (
            shown.endswith("(") and ln.startswith(shown))]  # fmt: skip
        return [o.get("data", {}) for o in cell.outputs]

    for last_line, mark in TOUR_DISPLAYS.items():
        html = [d["text/html"] for d in outputs(last_line) if "text/html" in d]
        assert len(html) == 1 and mark in html[0], last_line
        if last_line != "nc.FactorRegistry().search(":
            assert "<svg" in html[0] or last_line == "inv", last_line  # a chart, drawn inline
    (plain,) = [d["text/plain"] for d in outputs("inv") if "text/plain" in d]
    assert plain.startswith("Inventory(organisation=") and len(plain) < 200  # not ~10 kB
    for name in TOUR_PLOTS:
        (cell,) = [c for c in code if f".plot.{name}" in c.source]
        pngs = [o["data"]["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(pngs) == 1 and len(pngs[0]) > 1000, name  # one figure, drawn
