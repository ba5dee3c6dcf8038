"""ISO 14064-1 report: checklist, self-contained HTML, Markdown, JSON, Excel, atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.report import CHECKLIST

ROOT = Path(__file__).resolve().parents[1]
CEMENT = ROOT / "examples" / "cement" / "inventory.yaml"
PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


@pytest.fixture(scope="module")
def cement_report():
    return nc.inventory_report(nc.calculate(nc.load_inventory(CEMENT), uncertainty="analytical"))


def minimal():
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Minimal Co.", "id": "m", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "sources": [
                {
                    "id": "gas",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                    "activity": {"amount": 100, "unit": "TJ"},
                }
            ],
        }
    )


def test_checklist_shows_what_a_minimal_inventory_misses():
    rep = nc.inventory_report(nc.calculate(minimal()))
    status = {i.item: i.status for i in rep.checklist()}
    assert (
        [i.item for i in rep.checklist()]
        == [c[0] for c in CHECKLIST]
        == list("abcdefghijklmnopqrst")
    )
    assert {k for k, v in status.items() if v == "missing"} == {
        "b",
        "e",
        "i",
        "j",
        "k",
        "l",
        "n",
        "p",
        "q",
        "r",
        "s",
    }
    assert status["g"] == "not_applicable" and status["h"] == "not_applicable"
    assert status["a"] == status["t"] == "present"
    detail = {i.item: i.detail for i in rep.checklist()}
    assert "categories 2, 3, 4, 5, 6" in detail["i"]


def test_complete_example_has_every_item(cement_report):
    assert all(i.status != "missing" for i in cement_report.checklist())


def test_html_is_self_contained_with_inline_svg(cement_report):
    page = cement_report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "</svg>" in page
    # no external references: no src/href to http(s), no link or script tags, no @import or url()
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page)
    assert (
        "<script" not in page
        and "<link" not in page
        and "@import" not in page
        and "url(" not in page
    )
    assert "温室气体清单报告" in page and "输入能源产生的间接温室气体排放" in page
    assert "Jiangsu Example Cement" in page


def test_markdown_and_json(cement_report):
    md = cement_report.to_markdown()
    assert md.startswith("# ")
    assert "| Gross, location-based" in md
    assert "cn-mee/grid/national/2022" in md
    d = json.loads(cement_report.to_json())
    assert d["schema"] == "nqi-carbon/result@1"
    assert len(d["report"]["checklist"]) == 20
    assert d["report"]["verification"]["status"] == "not_verified"


def test_excel_has_sheets_and_real_numbers(cement_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = cement_report.to_excel(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet in (
        "By category",
        "Direct emissions by gas",
        "By scope",
        "By facility",
        "Sources",
        "Lines",
        "Factors",
        "GWP",
        "Checklist",
        "Findings",
        "Provenance",
    ):
        assert sheet in wb.sheetnames
    ws = wb["By category"]
    header = [c.value for c in ws[1]]
    col = header.index("co2e_t") + 1
    values = [ws.cell(row=r, column=col).value for r in range(2, 8)]
    assert all(isinstance(v, float | int) for v in values)  # numbers, not text
    expected = cement_report.result.totals()["by_category"]
    assert values == [expected[str(c)] for c in range(1, 7)]
    prov = {r[0].value: r[1].value for r in wb["Provenance"].iter_rows(min_row=2)}
    assert prov["gwp_set"] == "AR6"
    assert prov["library_version"] == nc.__version__
    assert any(str(k).startswith("pack cn-mee") for k in prov)


def test_write_all_formats_and_unknown_format(cement_report, tmp_path):
    pytest.importorskip("openpyxl")
    files = cement_report.write(tmp_path, formats=("html", "md", "json", "xlsx"))
    assert sorted(p.name for p in files) == [
        "report.html",
        "report.json",
        "report.md",
        "report.xlsx",
    ]
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        cement_report.write(tmp_path, formats=("pdf",))


def test_failed_write_leaves_previous_file_intact(cement_report, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous report")

    def boom(self):
        raise RuntimeError("disk full while rendering")

    monkeypatch.setattr(type(cement_report), "to_html", boom)
    with pytest.raises(RuntimeError):
        cement_report.write(tmp_path, formats=("html",))
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_atomic_write_keeps_old_file_when_writer_fails_midway(tmp_path):
    from nqi_carbon._atomic import atomic_write

    target = tmp_path / "data.bin"
    target.write_bytes(b"old")

    def half(fh):
        fh.write(b"partial")
        raise OSError("crash mid-write")

    with pytest.raises(OSError, match="crash mid-write"):
        atomic_write(target, half)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_repr_html_for_jupyter(cement_report):
    assert "Jiangsu Example Cement" in cement_report._repr_html_()
    assert "gross" in cement_report.result._repr_html_()
    assert "facilities" in cement_report.inventory._repr_html_()


def test_base_year_bridge_only_with_a_base_year(cement_report):
    svg = cement_report.svg_base_year_bridge()
    assert svg.startswith("<svg") and "Base year 2020" in svg
    assert "Base year bridge" in cement_report.to_html()
    assert nc.inventory_report(nc.calculate(minimal())).svg_base_year_bridge() == ""


def test_data_quality_scores_show_the_weakest_data(cement_report):
    per_source, per_cat = nc.data_quality(cement_report.result)
    scores = dict(zip(per_source["source"], per_source["score"], strict=True))
    assert (
        scores["kiln-coal"] == 3
    )  # a December reading after the belt scale's calibration due date
    assert scores["clinker-process"] == 2
    assert (
        per_source.set_index("source").loc["kiln-coal", "method_score"] == 1
    )  # CMA+CNAS lab carbon
    cat1 = per_cat.set_index("category").loc[1]
    assert 1 <= cat1["weighted_score"] <= 5
    assert "Data quality by category" in cement_report.tables()
