"""The HTML pages are Jinja2 templates on one layout, escaped by the one HTML rule.

``pages/templates`` holds the layout (``base.html``), the pages (report, verification,
trajectory) and the notebook displays; ``pages/render.py`` is the one environment;
``pages/charts.py`` is the one place SVG is written.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon._escape import html_text
from nqi_carbon.pages.charts import svg_decomposition, svg_trend
from nqi_carbon.pages.render import environment, markup, render

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "nqi_carbon"
TEMPLATES = SRC / "pages" / "templates"
PAGES = ("report.html", "verification.html", "trajectory.html")
HOSTILE = "<script>x</script> 'q' \"dq\" & \x1b[31m \u202egnp \x9b \ud800"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def test_every_value_goes_through_html_text():
    # Jinja2's own escaping writes ' as &#39; and keeps control characters; the pages use
    # html_text, the one HTML rule of every writer (&#x27;, controls as \uXXXX)
    page = environment().from_string("<p title='{{ v }}'>{{ v }}</p>").render(v=HOSTILE)
    assert page == f"<p title='{html_text(HOSTILE)}'>{html_text(HOSTILE)}</p>"
    assert "&#x27;q&#x27;" in page and "\\u001b[31m" in page and "\\u202e" in page
    assert not CONTROLS.search(page)


def test_only_markup_built_by_our_escaping_is_written_as_it_is():
    template = environment().from_string("{{ a }}|{{ b }}|{{ 7 }}")
    assert template.render(a=markup("<b>x</b>"), b="<b>x</b>") == "<b>x</b>|&lt;b&gt;x&lt;/b&gt;|7"


def test_a_missing_value_is_an_error_not_an_empty_cell():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="peak_status"):
        render("trajectory_display.html", trend="", peak_evidence="")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_extends_the_one_layout(name):
    import jinja2.nodes

    env = environment()
    source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    (extends,) = env.parse(source).find_all(jinja2.nodes.Extends)
    assert extends.template.value == "base.html"  # type: ignore[attr-defined]


def test_templates_refer_to_nothing_outside_the_page():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for needle in ("<script", "<link", "<img", "src=", "href=", "@import", "url(", "http"):
            assert needle not in text, (path.name, needle)


def test_svg_is_written_by_the_chart_module_only():
    svg = re.compile(r"<(svg|rect|line|polyline|polygon|circle|text)\b")
    writers = [
        p.relative_to(SRC).as_posix()
        for p in [*SRC.rglob("*.py"), *TEMPLATES.glob("*.html")]
        if svg.search(p.read_text(encoding="utf-8"))
    ]
    assert writers == ["pages/charts.py"]


def test_chart_labels_are_escaped():
    for chart in (
        svg_decomposition({HOSTILE: 1.0, "b": -2.0}, -1.0),
        svg_trend({2020: 1.0, 2021: 2.0}, title=HOSTILE),
    ):
        assert "<script>" not in chart and "'q'" not in chart and '"dq"' not in chart
        assert not CONTROLS.search(chart)
        assert html_text(HOSTILE) in chart


def test_verification_display_escapes_the_subjects():
    ver = nc.verify(
        nc.load_inventory(ROOT / "examples" / "cement" / "inventory.yaml"),
        ROOT / "examples" / "cement" / "claimed.json",
        materiality=0.05,
        assurance="reasonable",
    )
    first = dataclasses.replace(ver.misstatements[0], subject=HOSTILE)
    shown = dataclasses.replace(ver, misstatements=[first])._repr_html_()
    assert f"<td>{html_text(HOSTILE)}</td>" in shown
    assert "<script>" not in shown and not CONTROLS.search(shown)


def test_importing_the_pages_loads_no_template_engine():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["dask"] = None  # pint imports Dask when installed (the dask extra), Dask Jinja2
        import nqi_carbon.report.inventory, nqi_carbon.verification.result
        import nqi_carbon.trajectory.page, nqi_carbon.pages.render as render
        before = "jinja2" in sys.modules
        render.environment()
        print(before, "jinja2" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
