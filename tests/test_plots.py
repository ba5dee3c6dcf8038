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


def _two_source_result():
    """Hand-checkable: 100 TJ natural gas (IPCC 2006: 56,100 kg CO2, 1 kg CH4, 0.1 kg N2O
    per TJ; AR5 28 and 265) = 5,610 + 2.8 + 2.65 t CO2e in category 1; 13,500 MWh at
    0.5703 t/MWh (MEE 2022 national grid) = 7,699.05 t CO2 in category 2."""
    inv = nc.Inventory(
        organization={"name": "Test Co.", "id": "0755", "consolidation": "operational_control"},
        period={"start": "2024-01-01", "end": "2025-01-01"},
        gwp="AR5",
        facilities=[{"id": "plant-a", "operational_control": True}],
        sources=[
            {"id": "boiler-gas", "facility": "plant-a", "category": 1,
             "subcategory": "stationary_combustion", "factor": "ipcc-2006/stationary/natural_gas",
             "activity": {"amount": 100, "unit": "TJ"}},
            {"id": "grid", "facility": "plant-a", "category": 2,
             "factor": "cn-mee/grid/national/2022", "activity": {"amount": 13500, "unit": "MWh"}},
        ],
    )  # fmt: skip
    return nc.calculate(inv)


def test_by_gas_stacks_each_gas_group_per_category_in_the_palette(plt):
    from matplotlib.container import BarContainer

    ax = _two_source_result().plot.by_gas()
    stacks = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [c.get_label() for c in stacks] == ["CO2", "CH4", "N2O"]  # groups with emissions
    co2, ch4, n2o = ([p.get_height() for p in c] for c in stacks)
    assert co2 == pytest.approx([5610, 7699.05, 0, 0, 0, 0], rel=1e-12)
    assert ch4 == pytest.approx([2.8, 0, 0, 0, 0, 0], rel=1e-12)
    assert n2o == pytest.approx([2.65, 0, 0, 0, 0, 0], rel=1e-12)
    # stacked: CH4 sits on CO2, N2O on both
    assert stacks[1][0].get_y() == pytest.approx(5610, rel=1e-12)
    assert stacks[2][0].get_y() == pytest.approx(5612.8, rel=1e-12)
    for c in stacks:
        assert {p.get_facecolor()[:3] for p in c} == {_rgb(charts._GAS_COLOURS[c.get_label()])}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CO2", "CH4", "N2O"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"Cat. {c}" for c in range(1, 7)]
    assert ax.get_ylabel() == "t CO2e"
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{v:,.0f}" for v in ax.get_yticks()] and "8,000" in labels


@pytest.fixture(scope="module")
def trajectory_report():
    from nqi_carbon.trajectory import build_trajectory

    # a peak in 2020 at 1,053,579 t, then three years of decline
    series = {2018: 1_000_000.0, 2019: 1_040_000.0, 2020: 1_053_579.0, 2021: 1_010_000.0,
              2022: 960_000.0, 2023: 900_000.0}  # fmt: skip
    return series, build_trajectory(series, target_year=2030, method="linear", target_reduction=0.3)


def test_trajectory_draws_the_series_forecast_band_targets_and_peak(plt, trajectory_report):
    from matplotlib.collections import PolyCollection

    series, rep = trajectory_report
    ax = rep.plot.trajectory()
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    actual = lines["actual"]
    assert list(actual.get_xdata()) == list(series) and list(actual.get_ydata()) == list(series.values())
    assert actual.get_color() == "#222222"
    peak = lines[f"peak 2020 ({rep.peak.status.replace('_', ' ')})"]
    assert (list(peak.get_xdata()), list(peak.get_ydata())) == ([2020], [1_053_579.0])
    targets = lines["target path"]
    assert list(targets.get_ydata()) == rep.targets["target_t"].tolist()
    assert targets.get_color() == charts._GREEN
    forecast = lines["forecast"]
    assert list(forecast.get_ydata()) == rep.forecast["forecast_t"].tolist()
    assert forecast.get_linestyle() == "--" and forecast.get_color() == charts._BLUE
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert band.get_label() == "forecast, 95 % band"
    ys = band.get_paths()[0].vertices[:, 1]
    assert min(ys) == pytest.approx(rep.forecast["low_t"].min(), rel=1e-12)
    assert max(ys) == pytest.approx(rep.forecast["high_t"].max(), rel=1e-12)


def test_trajectory_ticks_are_round_with_separators_and_the_unit(plt, trajectory_report):
    _, rep = trajectory_report
    ax = rep.plot.trajectory()
    ax.figure.canvas.draw()
    assert ax.get_ylabel() == "t CO2e" and ax.get_ylim()[0] == 0
    ticks = [v for v in ax.get_yticks() if ax.get_ylim()[0] <= v <= ax.get_ylim()[1]]
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert {f"{v:,.0f}" for v in ticks} <= labels and "1,000,000" in labels
    (step,) = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 2.5, 5)  # not 1,053,579-style
    years = [t.get_text() for t in ax.get_xticklabels()]
    assert all(y.lstrip("−-").isdigit() for y in years if y)  # whole years, no 2,018.5
