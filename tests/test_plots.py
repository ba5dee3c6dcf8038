"""Matplotlib figures of a result (``res.plot``, the ``plot`` extra), drawn with Agg.

The README's test command installs the extra, so these run (never skip) in CI.
"""

from __future__ import annotations

import builtins
import itertools
import math

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError
from nqi_carbon.pages import charts

pytestmark = pytest.mark.plot

CEMENT = "examples/cement/inventory.yaml"


@pytest.fixture(scope="module")
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def res():
    return nc.calculate(nc.load_inventory(CEMENT), uncertainty="analytical")


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(hex_colour)


def _bars(ax):
    from matplotlib.container import BarContainer

    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    return bars


def test_by_category_bars_are_the_category_totals_with_units_and_palette(plt, res):
    ax = res.plot.by_category()
    bars = ax.patches
    totals = res.totals()["by_category"]
    assert [b.get_height() for b in bars] == [totals[str(c)] for c in range(1, 7)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"Cat. {c}" for c in range(1, 7)]
    assert "t CO2e" in ax.get_ylabel()
    assert {b.get_facecolor()[:3] for b in bars} == {_rgb(charts._BLUE)}


def test_by_category_draws_the_95_intervals_as_error_bars(plt, res):
    ax = res.plot.by_category()
    df = res.by("category")
    (errorbar,) = _bars(ax).errorbar.lines[2]  # the vertical whiskers
    segments = errorbar.get_segments()
    drawn = 0
    for seg, (_, row) in zip(segments, df.iterrows(), strict=True):
        if math.isnan(row["ci95_low_t"]):  # an empty category: no whisker, never 0 +- 0
            assert len(seg) == 0
            continue
        low, high = sorted(y for _, y in seg)
        assert low == pytest.approx(row["ci95_low_t"], rel=1e-12)
        assert high == pytest.approx(row["ci95_high_t"], rel=1e-12)
        drawn += 1
    assert drawn >= 2


def test_without_uncertainty_the_bars_have_no_error_bars(plt):
    res = nc.calculate(nc.load_inventory(CEMENT))
    ax = res.plot.by_category()
    assert _bars(ax).errorbar is None
    assert [b.get_height() for b in ax.patches] == res.by("category")["co2e_t"].tolist()


def test_ticks_are_round_numbers_with_thousands_separators(plt, res):
    ax = res.plot.by_category()
    ax.figure.canvas.draw()
    ticks = ax.get_yticks()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert max(ticks) >= 1000  # the cement example emits hundreds of thousands of t
    for value, label in zip(ticks, labels, strict=True):
        assert label == f"{value:,.0f}"
    assert any("," in label for label in labels)
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert mantissa in (1, 2, 2.5, 5)


def test_ax_is_drawn_into_and_returned(plt, res):
    fig, (left, right) = plt.subplots(1, 2)
    assert res.plot.by_category(ax=right) is right
    assert res.plot.contributors(ax=left) is left
    assert len(right.patches) == 6
    assert len(plt.get_fignums()) >= 1 and fig.axes == [left, right]


def test_contributors_are_the_variance_shares_largest_on_top(plt, res):
    ax = res.plot.contributors(top=3)
    rows = res.contributions[:3]
    widths = [b.get_width() for b in ax.patches]
    # barh draws from the bottom: the largest share is the last bar (at the top)
    assert widths == [100 * r["variance_share"] for r in reversed(rows)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r["label"] for r in reversed(rows)]
    assert "%" in ax.get_xlabel()
    assert {b.get_facecolor()[:3] for b in ax.patches} == {_rgb(charts._BLUE)}


def test_contributors_without_uncertainty_is_a_typed_error(plt):
    res = nc.calculate(nc.load_inventory(CEMENT))
    with pytest.raises(InvalidInputError, match="uncertainty='analytical'") as info:
        res.plot.contributors()
    assert info.value.issues[0].code == "plot_needs_uncertainty"


@pytest.mark.parametrize("top", [0, -1, True, 2.5, "3"])
def test_contributors_top_must_be_a_positive_int(plt, res, top):
    with pytest.raises(InvalidInputError, match="top") as info:
        res.plot.contributors(top=top)
    assert info.value.issues[0].code == "plot_top_valid"
    assert info.value.issues[0].field == "top"


def test_without_matplotlib_the_error_names_the_extra(monkeypatch, res):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for draw in (res.plot.by_category, res.plot.contributors):
        with pytest.raises(ImportError, match=r'pip install "nqi-carbon\[plot\]"'):
            draw()


def test_importing_nqi_carbon_and_reaching_res_plot_imports_no_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, nqi_carbon as nc\n"
        "res = nc.calculate(nc.load_inventory('examples/cement/inventory.yaml'))\n"
        "res.plot\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


def test_the_base_year_bridge_floats_the_change_between_the_two_totals(plt, res):
    # cement: base year 2020 stated as 902,310 t; 2024 gross 866,079.662 t (a decrease)
    report = nc.inventory_report(res)
    base = report.inventory.base_year.total_co2e_t
    ax = report.plot.base_year_bridge()
    first, change, now = ax.patches
    assert (first.get_y(), first.get_height()) == (0.0, base)
    assert (now.get_y(), now.get_height()) == (0.0, res.total_co2e)
    assert base == 902310 and change.get_y() == res.total_co2e
    assert change.get_y() + change.get_height() == pytest.approx(base, rel=1e-15)
    assert change.get_facecolor()[:3] == _rgb(charts._GREEN)  # a decrease
    assert first.get_facecolor()[:3] == now.get_facecolor()[:3] == _rgb(charts._BLUE)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Base year 2020 / 基准年 2020",  # the labels of the report's (bilingual) HTML chart
        "Change / 变化",
        "2024",
    ]
    assert "t CO2e" in ax.get_ylabel()
    assert report.plot.by_category().patches[0].get_height() == res.totals()["by_category"]["1"]


def test_a_bridge_without_a_base_year_total_is_a_typed_error(plt):
    inv = nc.load_inventory(CEMENT)
    inv = inv.model_copy(update={"base_year": None})
    report = nc.inventory_report(nc.calculate(inv))
    with pytest.raises(InvalidInputError, match="base-year total") as info:
        report.plot.base_year_bridge()
    assert info.value.issues[0].code == "plot_needs_base_year"
