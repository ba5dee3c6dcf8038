"""The notebook displays (``_repr_html_``) and the short plain-text reprs (issue 21).

Each display is parsed with :mod:`html.parser` and checked for the parts it must show,
with figures computed by hand from a small inventory:

* boiler: 100 TJ natural gas (±2 %), IPCC 2006 factors 56,100 kg CO2/TJ (95 % range
  54,300-58,300, so ±2,000), 1 kg CH4/TJ, 0.1 kg N2O/TJ; AR5 GWPs 28 and 265:
  5,610 + 2.8 + 2.65 = 5,615.45 t CO2e (category 1);
* grid: 13,500 MWh x 0.5703 t CO2/MWh (MEE 2022 national) = 7,699.05 t (category 2);
* gross 13,314.5 t CO2e; the 95 % half-width sqrt((0.02 x 5,615.45)^2 + 200^2) =
  sqrt(112.309^2 + 200^2) = 229.376 t, so 13,085.1 to 13,543.9 t (±1.7 %); the factor's
  share of the variance 200^2 / 229.376^2 = 76.0 %, the activity's 24.0 %.
"""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon._escape import html_text

ROOT = Path(__file__).resolve().parents[1]
CEMENT = ROOT / "examples" / "cement" / "inventory.yaml"
HOSTILE = "<script>alert('x')</script> & Co."
MAX_BYTES = 12_000  # a display is a screenful, not a dump


class _Page(HTMLParser):
    """The parts of a display: table rows (cell texts), SVG texts, bars (fill, tooltip)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.svg_texts: list[str] = []
        self.bars: list[tuple[str, str]] = []  # (fill, tooltip)
        self.lines: list[dict[str, str]] = []  # SVG <line> attributes
        self.items: list[str] = []  # <li> texts
        self.tags: list[str] = []
        self._cell: list[str] | None = None
        self._text: list[str] | None = None
        self._where: str | None = None
        self._rect: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("text", "li", "title"):
            self._text, self._where = [], tag
        elif tag == "rect":
            self._rect = a.get("fill", "")
        elif tag == "line":
            self.lines.append({k: v or "" for k, v in a.items()})

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == self._where and self._text is not None:
            text = "".join(self._text).strip()
            if tag == "text":
                self.svg_texts.append(text)
            elif tag == "li":
                self.items.append(text)
            elif self._rect is not None:
                self.bars.append((self._rect, text))
            self._text = self._where = None
        if tag == "rect":
            self._rect = None

    def handle_data(self, data):
        for sink in (self._cell, self._text):
            if sink is not None:
                sink.append(data)

    def row(self, first: str) -> list[str]:
        """The table row whose first cell is *first*."""
        (found,) = [r for r in self.rows if r and r[0] == first]
        return found


def _inventory(name: str = "Test Co.", grid: object = None) -> nc.Inventory:
    return nc.Inventory(
        organization={"name": name, "id": "0755", "consolidation": "operational_control"},
        period={"start": "2024-01-01", "end": "2025-01-01"},
        gwp="AR5",
        facilities=[{"id": "plant-a", "name": "Plant A", "operational_control": True}],
        sources=[
            {
                "id": "boiler-gas",
                "facility": "plant-a",
                "category": 1,
                "subcategory": "stationary_combustion",
                "factor": "ipcc-2006/stationary/natural_gas",
                "activity": {"amount": 100, "unit": "TJ", "uncertainty": 0.02},
            },
            {
                "id": "grid",
                "facility": "plant-a",
                "category": 2,
                "factor": "cn-mee/grid/national/2022",
                "activity": grid or {"amount": 13500, "unit": "MWh"},
            },
        ],
    )


@pytest.fixture(scope="module")
def res() -> nc.Result:
    return nc.calculate(_inventory(), uncertainty="analytical")


@pytest.fixture(scope="module")
def cement_verification() -> nc.VerificationResult:
    return nc.verify(
        nc.load_inventory(CEMENT),
        ROOT / "examples" / "cement" / "claimed.json",
        materiality=0.05,
        assurance="reasonable",
    )


# -- the inventory ------------------------------------------------------------------------------


def test_inventory_display_shows_the_boundary_and_the_sources_by_category():
    page = _Page(nc.load_inventory(CEMENT)._repr_html_())
    # examples/cement/inventory.yaml: two facilities, base year 2020 at 902,310 t
    assert page.row("Consolidation approach") == ["Consolidation approach", "operational control"]
    assert page.row("Facilities")[1] == "2 facilities: 5000 t/d clinker line, Limestone quarry"
    assert page.row("Reporting period")[1] == "2024-01-01 to 2025-01-01 (end exclusive)"
    assert page.row("Base year")[1] == "2020, 902,310.000 t CO2e"
    # four direct sources (15 records), grid electricity (1), categories 3-6 excluded
    assert page.row("1")[2:] == ["4", "15", "0"]
    assert page.row("2")[2:] == ["1", "1", "0"]
    assert [page.row(str(c))[2:] for c in (3, 4, 5, 6)] == [["0", "0", "1"]] * 4
    assert page.row("all")[2:] == ["5", "16", "4"]
    assert page.row("1")[1] == "Direct GHG emissions and removals"


def test_inventory_display_lists_the_open_findings_it_knows_of():
    # grid for January and February only; categories 3-6 neither reported nor excluded
    inv = _inventory(grid=[
        {"period": "2024-01", "amount": 7000, "unit": "MWh"},
        {"period": "2024-02", "amount": 6500, "unit": "MWh"},
    ])  # fmt: skip
    html = inv._repr_html_()
    page = _Page(html)
    assert "5 open findings" in _texts(html)
    codes = [i.split(":")[0] for i in page.items]
    assert codes == ["error category_not_addressed"] * 4 + ["warning data_gap"]
    assert page.items[-1] == (
        "warning data_gap: source grid: no activity for 2024-03-01..2025-01-01 (306 days)"
    )


def test_inventory_display_counts_activity_files_it_reads_only_when_calculating():
    # examples/office-factory: the gas bill (CSV) and the plant's electricity (Excel)
    inv = nc.load_inventory(ROOT / "examples" / "office-factory" / "inventory.yaml")
    assert "Also: 2 activity files (read when calculated)." in _texts(inv._repr_html_())


def _texts(html: str) -> list[str]:
    class _All(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.texts.append(data)

    p = _All()
    p.feed(html)
    return p.texts


def test_inventory_repr_is_one_short_line():
    inv = nc.load_inventory(CEMENT)
    text = repr(inv)
    assert text == (
        "Inventory(organisation='Jiangsu Example Cement Co., Ltd. (江苏示例水泥有限公司)', "
        "facilities=2, sources=5, period=2024)"
    )
    assert str(inv) == text
    other = _inventory().model_copy(update={"period": {"start": "2024-04-01", "end": "2025-04-01"}})
    assert repr(other).endswith("period=2024-04-01..2025-04-01)")


# -- the result ----------------------------------------------------------------------------------


def test_result_display_headline_totals_with_their_95_intervals(res):
    page = _Page(res._repr_html_())
    assert page.row("Gross, location-based")[1:] == [
        "13,314.500 t CO2e",
        "13,085.1 to 13,543.9 (±1.7 %)",
    ]
    # no market instrument: the market-based total is the location-based one
    assert page.row("Gross, market-based")[1:] == [
        "13,314.500 t CO2e",
        "13,085.1 to 13,543.9 (±1.7 %)",
    ]
    assert page.row("Biogenic CO2 (reported apart)")[1:] == ["0.000 t CO2", "—"]
    assert page.row("Removals (reported apart)")[1:] == ["0.000 t CO2e", "—"]
    assert page.row("CO2")[1] == "13,309.050 t CO2e"  # 5,610 + 7,699.05
    assert page.row("CH4")[1] == "2.800 t CO2e" and page.row("N2O")[1] == "2.650 t CO2e"


def test_result_display_charts_category_and_gas_and_the_contributors(res):
    page = _Page(res._repr_html_())
    assert "Cat. 1" in page.svg_texts and "Cat. 6" in page.svg_texts
    assert {"CO2", "CH4", "N2O"} <= set(page.svg_texts)  # the legend of the stacked bars
    tips = [tip for _, tip in page.bars]
    assert "Category 1, CO2: 5,610.000 t CO2e" in tips
    assert "Category 2, CO2: 7,699.050 t CO2e" in tips
    # the contributors, largest first: the factor's 76.0 %, the activity's 24.0 %
    assert "ipcc-2006/stationary/natural_gas CO2: 76.0 %" in tips
    assert "activity data of boiler-gas (stated per record): 24.0 %" in tips
    assert tips.index("ipcc-2006/stationary/natural_gas CO2: 76.0 %") < tips.index(
        "activity data of boiler-gas (stated per record): 24.0 %"
    )


def test_result_display_without_uncertainty_says_how_to_get_intervals():
    res = nc.calculate(_inventory())
    html = res._repr_html_()
    page = _Page(html)
    assert page.row("Gross, location-based")[1:] == ["13,314.500 t CO2e", "—"]
    assert "calculate with uncertainty=&#x27;analytical&#x27; or &#x27;monte_carlo&#x27;" in html
    assert "Top uncertainty contributors" not in html


# -- the report ----------------------------------------------------------------------------------


def test_report_display_is_the_checklist_state_not_the_result_display(res):
    rep = nc.inventory_report(res)
    html = rep._repr_html_()
    assert html != res._repr_html_()
    page = _Page(html)
    assert page.row("Gross, location-based")[1] == "13,314.500 t CO2e"
    states = {r[0]: r[2] for r in page.rows if len(r) == 4 and len(r[0]) == 1}
    assert sorted(states) == list("abcdefghijklmnopqrst")
    assert states["k"] == "✗ not met"  # no base year stated
    assert states["g"] == states["h"] == "– n.a."  # no biomass, no removals
    assert states["a"] == states["c"] == "✓ met"  # organisation, period
    items = rep.checklist()
    met = sum(1 for i in items if i.status == "present")
    not_met = sum(1 for i in items if i.status == "missing")
    assert f"Clause 9.3.1 checklist: {met} met, {not_met} not met, 2 n.a." in _texts(html)
    assert "<svg" not in html  # no base year: no bridge


def test_report_display_bridges_from_the_stated_base_year():
    rep = nc.inventory_report(nc.calculate(nc.load_inventory(CEMENT)))
    page = _Page(rep._repr_html_())
    # examples/cement: base year 2020 at 902,310 t; 2024 gross 866,079.662 t
    assert {"Base year 2020 / 基准年 2020", "902,310", "-36,230", "866,080"} <= set(page.svg_texts)


# -- the verification ---------------------------------------------------------------------------


def test_verification_display_bars_the_misstatements_against_materiality(cement_verification):
    ver = cement_verification
    page = _Page(ver._repr_html_())
    assert page.row("Claimed total")[1] == "866,038.000 t CO2e"  # examples/cement/claimed.json
    # materiality 5 % of the claimed total: 0.05 x 866,038 = 43,301.9 t
    assert page.row("Materiality")[1] == "5 % = 43,301.900 t CO2e"
    assert "materiality 43,301.9 t" in page.svg_texts
    (threshold,) = [ln for ln in page.lines if ln.get("stroke-dasharray")]
    assert threshold["x1"] == threshold["x2"]
    assert "Opinion: unmodified" in _texts(ver._repr_html_())
    # every misstatement is far below materiality: no bar is red
    assert {fill for fill, _ in page.bars} == {"#4e79a7"}


def test_a_material_misstatement_reaches_the_threshold_in_red():
    claim = json.loads((ROOT / "examples" / "cement" / "claimed.json").read_text("utf-8"))
    claim = copy.deepcopy(claim)
    claim["totals"]["gross_co2e_t"] += 60_000
    claim["totals"]["by_category"]["1"] += 60_000
    ver = nc.verify(nc.load_inventory(CEMENT), claim, materiality=0.05, assurance="reasonable")
    page = _Page(ver._repr_html_())
    # claimed 926,038 minus recomputed 866,079.662: +59,958.338 t, over 5 % = 46,301.9 t
    assert "aggregate, net: +59,958.338 t" in [tip for fill, tip in page.bars if fill == "#e15759"]
    assert "materiality 46,301.9 t" in page.svg_texts
    assert page.row("Material")[1] == (
        f"yes: categories 1; figures {', '.join(ver.material_figures)}"
    )


# -- escaping and size ---------------------------------------------------------------------------


def test_every_display_escapes_a_hostile_organisation_name():
    inv = _inventory(name=HOSTILE)
    res = nc.calculate(inv, uncertainty="analytical")
    rep = nc.inventory_report(res)
    for html in (inv._repr_html_(), res._repr_html_(), rep._repr_html_()):
        assert "<script>" not in html
        assert html_text(HOSTILE) in html
        assert "script" not in _Page(html).tags


def test_verification_display_escapes_a_hostile_organisation_name(cement_verification):
    import dataclasses

    inv = cement_verification.inventory
    org = inv.organization.model_copy(update={"name": HOSTILE})
    ver = dataclasses.replace(cement_verification, inventory=inv.model_copy(update={"organization": org}))
    html = ver._repr_html_()
    assert "<script>" not in html and html_text(HOSTILE) in html


def test_displays_stay_small_for_a_large_inventory():
    # 300 facilities, 300 sources each with a gap, categories 1, 3-6 not addressed: 305
    # open findings; the display names 5 facilities and 8 findings and counts the rest
    facilities = [{"id": f"f{i}", "name": f"Site {i}", "operational_control": True} for i in range(300)]
    sources = [
        {
            "id": f"s{i}",
            "facility": f"f{i}",
            "category": 2,
            "factor": "cn-mee/grid/national/2022",
            "activity": [{"period": "2024-01", "amount": 1, "unit": "MWh"}],
        }
        for i in range(300)
    ]
    inv = nc.Inventory(
        organization={"name": "Big Co.", "id": "B1", "consolidation": "operational_control"},
        period={"start": "2024-01-01", "end": "2025-01-01"},
        gwp="AR5",
        facilities=facilities,
        sources=sources,
    )
    html = inv._repr_html_()
    assert len(html.encode("utf-8")) < MAX_BYTES
    assert "… (295 more)" in html and "305 open findings (297 more not shown)" in html
    assert len(repr(inv)) < 120


def test_the_example_displays_stay_small(res, cement_verification):
    cement = nc.calculate(nc.load_inventory(CEMENT), uncertainty="analytical")
    for shown in (cement.inventory, cement, nc.inventory_report(cement), cement_verification, res):
        assert len(shown._repr_html_().encode("utf-8")) < MAX_BYTES, type(shown).__name__


def test_every_plain_text_repr_is_one_short_line(res, cement_verification):
    from nqi_carbon.workflows import run_trajectory

    traj = run_trajectory(
        [str(ROOT / "examples" / "trajectory" / "series.csv")],
        target_year=2030,
        method="linear",
        target_reduction=0.3,
    )
    for shown in (res.inventory, res, nc.inventory_report(res), cement_verification, traj):
        text = repr(shown)
        assert "\n" not in text and len(text) < 400, type(shown).__name__
    assert repr(traj) == (
        "<TrajectoryReport 2011..2024, 14 years: peak peaked (2019), forecast to 2030, "
        "target year 2030>"
    )
