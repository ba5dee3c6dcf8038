"""ISO 14064-1 report: checklist, self-contained HTML, Markdown, JSON, Excel, atomic writes."""

from __future__ import annotations

import datetime
import html
import json
import math
import re
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.pages.labels import TABLE_TITLES
from nqi_carbon.report.checklist import CHECKLIST

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


def minimal_in(language: str) -> nc.InventoryReport:
    data = minimal().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["reporting"] = {"language": language}
    return nc.inventory_report(nc.calculate(nc.validate_inventory(data)))


def test_checklist_details_follow_the_language():
    han = re.compile(r"[\u4e00-\u9fff]")
    english = re.compile(r"\b(state|needs|calculate|categories|table|no|per|reported apart)\b")
    rep = minimal_in("zh")
    items = rep.checklist()
    assert all(i.status != "missing" or han.search(i.detail_zh) for i in items)
    for i in items:
        if i.item != "a":  # a is the organization's own name and id, shown as given
            assert han.search(i.detail_zh), (i.item, i.detail_zh)
        assert "state " not in i.detail_zh and not english.search(i.detail_zh), i.detail_zh
    zh = {i.item: i.detail_zh for i in items}
    en = {i.item: i.detail for i in items}
    assert zh["a"] == en["a"] == "Minimal Co. (m)"  # user text stays as given
    assert "负责人" in zh["b"] and "基准年" in zh["k"] and "符合性声明" in zh["r"]
    assert "股权比例" in zh["d"] and "类别 2, 3, 4, 5, 6" in zh["i"]
    assert en["b"] == "state organization.responsible_person"  # English kept alongside
    # the zh report shows only the Chinese detail, in every text output
    md = rep.to_markdown()
    page = rep.to_html()
    section = md.split(f"## {TABLE_TITLES['Checklist'][1]}", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and "---" not in ln]
    assert len(rows) == 21  # header and 20 items
    assert "请填写组织负责人" in section and "state " not in section
    cells = re.findall(r"<tr class='missing'>(.*?)</tr>", page, flags=re.S)
    assert len(cells) == 11 and all(han.search(c) for c in cells)
    assert not any("state " in c or "needs a base year" in c for c in cells)
    # en keeps English only; en+zh shows both
    en_md = minimal_in("en").to_markdown()
    assert "state organization.responsible_person" in en_md and "请填写" not in en_md
    both = minimal_in("en+zh")
    both_html = both.to_html()
    assert "needs a base year" in both_html
    assert '<span class="zh" lang="zh-Hans">需先确定基准年' in both_html
    assert "请填写组织负责人" in both.to_markdown()
    # JSON keeps both
    d = json.loads(rep.to_json())["report"]["checklist"]
    assert {"detail", "detail_zh"} <= set(d[0])


def test_complete_example_has_every_item(cement_report):
    assert all(i.status != "missing" for i in cement_report.checklist())


def test_html_is_self_contained_with_inline_svg(cement_report):
    page = cement_report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "</svg>" in page
    # no external references: no src/href to http(s), no link or script tags, no @import or url();
    # the only hrefs are links (<a>) a reader may follow to the cited documents, never loaded
    assert re.findall(r"href", page) and all(
        re.fullmatch(r'<a href="https?://[^"<>\s]+">', a) for a in re.findall(r"<a\b[^>]*>", page)
    )
    unlinked = re.sub(r"<a\b[^>]*>", "", page)
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', unlinked)
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
    header = [c.value for c in ws[2]]  # machine names under the readable headers
    col = header.index("co2e_t") + 1
    values = [ws.cell(row=r, column=col).value for r in range(3, 9)]
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
    from nqi_carbon._io.atomic import atomic_write

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


# -- audit fixes: GWP values used, full-precision factors, Totals sheet, exclusions, empty cells --


def rich():
    """AR6 inventory with fossil natural gas, non-fossil wood, grid power, scope 3 and SF6."""
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Rich Co", "id": "R1", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "factor_packs": ["ipcc-2006", "cn-mee"],
            "facilities": [
                {"id": "a", "region": "CN-JS", "equity_share": 0.6},
                {"id": "b", "region": "CN-GD", "equity_share": 1.0},
            ],
            "sources": [
                {
                    "id": "ng",
                    "facility": "a",
                    "category": 1,
                    "factor": "ipcc-2006/stationary/natural_gas",
                    "activity": {"amount": 100, "unit": "TJ", "uncertainty": 0.05},
                },
                {
                    "id": "wood",
                    "facility": "b",
                    "category": 1,
                    "factor": "ipcc-2006/stationary/wood_wood_waste",
                    "activity": {"amount": 10, "unit": "TJ", "uncertainty": 0.05},
                },
                {
                    "id": "grid",
                    "facility": "b",
                    "category": 2,
                    "factor": "cn-mee/grid/national/2022",
                    "activity": {"amount": 1000, "unit": "MWh", "uncertainty": 0.01},
                },
                {
                    "id": "bought",
                    "facility": "b",
                    "category": 4,
                    "scope3_category": 1,
                    "factor": "ipcc-2006/stationary/gas_diesel_oil",
                    "activity": {"amount": 1, "unit": "TJ"},
                },
                {
                    "id": "leak",
                    "facility": "a",
                    "category": 1,
                    "method": "release",
                    "gas": "SF6",
                    "activity": {"amount": 10, "unit": "kg"},
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def rich_report():
    return nc.inventory_report(nc.calculate(rich(), uncertainty="analytical"))


def md_table(md: str, table: str) -> list[dict[str, str]]:
    """Rows of the Markdown table of report table *table* as {English header: cell text}.

    The table is found by its English heading (``## Emissions by ... / 按...`` too).
    """
    title = TABLE_TITLES[table][0]
    lines = md.splitlines()
    at = next(
        i for i, ln in enumerate(lines) if ln == f"## {title}" or ln.startswith(f"## {title} / ")
    )
    body_lines = []
    for ln in lines[at + 1 :]:
        if ln.startswith("## ") or ln == "---":
            break
        if ln.startswith("|"):
            body_lines.append(ln)
    # cells as a Markdown renderer shows them: entities (&lt; for a "<" in a name) decoded
    rows = [
        [html.unescape(c.strip()) for c in ln.strip().strip("|").split(" | ")] for ln in body_lines
    ]
    header = [h.split(" / ")[0] for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[2:]]


def _text(fragment: str) -> str:
    """Plain English text of an HTML fragment (the grey Chinese ``zh`` span dropped)."""
    import html as _html

    fragment = re.sub(r'<span class="zh"[^>]*>.*?</span>', "", fragment, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def html_table(page: str, table: str) -> list[dict[str, str]]:
    """Rows of the HTML table of report table *table* as {English header: cell text}."""
    slug = "t-" + "-".join(table.lower().split())
    part = page.split(f'<h2 id="{slug}">', 1)[1].split("</table>", 1)[0]
    header = [_text(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", part, flags=re.S)]
    body = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)[1:]:
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        body.append(dict(zip(header, cells, strict=True)))
    return body


def xl_rows(ws) -> list[dict]:
    """Data rows of a report sheet keyed by the machine column names (header row 2)."""
    header = [c.value for c in ws[2]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)]


def num(text: str) -> float:
    return float(text.replace(",", ""))


def test_gwp_table_lists_the_origin_specific_values_used(rich_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    res = rich_report.result
    md_rows = md_table(rich_report.to_markdown(), "GWP")
    html_rows = html_table(rich_report.to_html(), "GWP")
    for rows in (md_rows, html_rows):
        by = {(r["Gas"], r["Origin"]): r for r in rows}
        assert num(by[("CH4", "fossil")]["GWP-100"]) == 29.8
        assert num(by[("CH4", "non-fossil")]["GWP-100"]) == 27.0
        assert "Table 7.15" in by[("CH4", "fossil")]["Reference"]
        assert "Table 7.SM.7" in by[("N2O", "—")]["Reference"]
        assert not any(num(r["GWP-100"]) == 27.9 for r in rows)  # not used, so not listed
        # a reader multiplying the listed GWP by the listed mass gets the listed CO2e
        mass, co2e = "Mass, location-based (t of gas)", "Emissions, location-based (t CO2e)"
        for r in rows:
            assert num(r["GWP-100"]) * num(r[mass]) == pytest.approx(num(r[co2e]), abs=6e-4)
        # ... and the rows add up to the gross location-based total
        assert sum(num(r[co2e]) for r in rows) == pytest.approx(res.total_co2e, abs=0.01)
    wb = openpyxl.load_workbook(rich_report.to_excel(tmp_path / "r.xlsx"))
    xl = xl_rows(wb["GWP"])
    assert {(r["gas"], r["origin"], r["gwp"]) for r in xl if r["gas"] == "CH4"} == {
        ("CH4", "fossil", 29.8),
        ("CH4", "non-fossil", 27),
    }
    for r in xl:
        assert r["gwp"] * r["mass_t"] == pytest.approx(r["co2e_t"])
    lines = res.lines
    assert sorted(lines.loc[lines["gas"] == "CH4", "gwp"].unique()) == [27.0, 29.8]
    d = json.loads(rich_report.to_json())
    assert {(g["gas"], g["origin"], g["gwp"]) for g in d["report"]["gwp_values"]} >= {
        ("CH4", "fossil", 29.8),
        ("CH4", "non-fossil", 27.0),
    }
    t = {i.item: i.detail for i in rich_report.checklist()}["t"]
    assert "CH4 fossil 29.8" in t and "CH4 non-fossil 27" in t


def test_factor_values_are_printed_exactly_as_the_pack_gives_them(cement_report):
    tables = cement_report.tables()
    expected = {(r["factor"], r["gas"]): r["value"] for _, r in tables["Factors"].iterrows()}
    assert expected[("cn-mee/grid/national/2022", "CO2")] == 0.5703
    assert expected[("cn-mee/fuel/diesel", "carbon_content")] == 0.0202
    for rows in (
        md_table(cement_report.to_markdown(), "Factors"),
        html_table(cement_report.to_html(), "Factors"),
    ):
        got = {(r["Factor"], r["Gas or parameter"]): r["Value"] for r in rows}
        assert got[("cn-mee/grid/national/2022", "CO2")] == "0.5703"
        assert got[("cn-mee/fuel/diesel", "carbon_content")] == "0.0202"
        # every printed factor reads back as exactly the pack's value
        assert {k: num(v) for k, v in got.items()} == expected


def test_gas_masses_are_not_rounded_to_three_decimals(rich_report):
    md = rich_report.to_markdown()
    gas = {(r["Gas"], r["Origin"]): r for r in md_table(md, "GWP")}
    mass = "Mass, location-based (t of gas)"
    assert gas[("N2O", "—")][mass] == "0.0466"  # 0.047 at 3 decimals
    assert gas[("CH4", "fossil")][mass] == "0.063"
    lines = html_table(rich_report.to_html(), "Lines")
    n2o = next(r for r in lines if r["Source"] == "bought" and r["Gas"] == "N2O")
    assert n2o["Mass (t of gas)"] == "0.0006" and n2o["GWP-100"] == "273"


def test_excel_has_a_totals_sheet_with_numbers_and_units(cement_report, rich_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    for name, rep in (("c", cement_report), ("r", rich_report)):
        wb = openpyxl.load_workbook(rep.to_excel(tmp_path / f"{name}.xlsx"))
        assert wb.sheetnames[0] == "Totals"
        ws = wb["Totals"]
        assert [c.value for c in ws[1]] == ["key", "item", "value", "unit"]
        rows = {r[0]: (r[2], r[3]) for r in ws.iter_rows(min_row=2, values_only=True)}
        t = rep.result.totals()
        u = rep.result.group_uncertainty["total"]
        assert rows["gross_co2e_t"] == (pytest.approx(t["gross_co2e_t"]), "t CO2e")
        assert rows["gross_co2e_t_market_based"] == (
            pytest.approx(t["gross_co2e_t_market_based"]),
            "t CO2e",
        )
        assert rows["biogenic_co2_t"] == (pytest.approx(t["biogenic_co2_t"]), "t CO2")
        assert rows["removals_co2e_t"] == (pytest.approx(t["removals_co2e_t"]), "t CO2e")
        assert rows["gross_ci95_low_t"] == (pytest.approx(u.low), "t CO2e")
        assert rows["gross_ci95_high_t"] == (pytest.approx(u.high), "t CO2e")
        assert rows["gross_relative_95"] == (pytest.approx(u.relative_95), "fraction")
        for key, (value, _unit) in rows.items():
            if key != "uncertainty_method":
                assert isinstance(value, int | float), key  # numbers, not text
    assert rich_report.result.totals()["biogenic_co2_t"] == pytest.approx(1120.0)
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    rows = {r[0]: r[2] for r in wb["Totals"].iter_rows(min_row=2, values_only=True)}
    assert rows["excluded_est_co2e_t"] == 11300  # 4 200 (cat. 3) + 7 100 (cat. 4), not in gross


def test_excluded_categories_are_marked_not_shown_as_measured_zero(cement_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    # the example is en+zh: Markdown gives both status words, HTML the Chinese in a zh span
    for rows, excluded, reported in (
        (
            md_table(cement_report.to_markdown(), "By category"),
            "excluded / 已排除",
            "reported / 已报告",
        ),
        (html_table(cement_report.to_html(), "By category"), "excluded", "reported"),
    ):
        cat = {r["ISO category"]: r for r in rows}
        est, rel = "Excluded, estimated (t CO2e)", "Uncertainty (±%)"
        assert cat["3"]["Status"] == excluded
        assert num(cat["3"][est]) == 4200
        assert cat["3"][rel] == "—" and cat["3"]["95 % interval low (t CO2e)"] == "—"
        # an estimate of 0 is a value (the use stage of cement emits nothing), not a gap
        assert cat["5"]["Status"] == excluded and cat["5"][est] == "0.000"
        assert cat["1"]["Status"] == reported and cat["1"][rel] != "—"
    wb = openpyxl.load_workbook(cement_report.to_excel(tmp_path / "r.xlsx"))
    xl = {r["category"]: r for r in xl_rows(wb["By category"])}
    assert xl[3]["co2e_t"] == 0 and xl[3]["status"] == "excluded"
    assert xl[3]["excluded_est_co2e_t"] == 4200 and xl[3]["relative_95"] is None
    d = json.loads(cement_report.to_json())
    assert d["totals"]["by_category"]["3"] == 0
    cats = {c["category"]: c for c in d["report"]["categories"]}
    assert cats[3] == {
        "category": 3,
        "co2e_t": 0,
        "status": "excluded",
        "excluded_est_co2e_t": 4200,
    }
    assert cats[1]["status"] == "reported"
    # an inventory that neither covers nor excludes a category says so
    status = nc.inventory_report(nc.calculate(minimal())).category_status()
    assert status[1] == ("reported", None) and status[3] == ("not addressed", None)


def test_cli_summary_marks_excluded_categories(capsys):
    from nqi_carbon.cli import main

    assert main(["calculate", str(CEMENT), "--uncertainty", "analytical"]) == 0
    out = capsys.readouterr().out
    rows = {ln.split("  ")[0].strip(): ln for ln in out.splitlines() if ln.startswith("Category")}
    assert "excluded (est. 4,200 t CO2e)" in rows["Category 3"]
    assert "excluded (est. 0 t CO2e)" in rows["Category 5"]  # 0 is a value
    for c in (3, 4, 5, 6):
        assert "±" not in rows[f"Category {c}"]  # no ±0.0 % certainty for what was not measured
    assert "±" in rows["Category 1"] and "excluded" not in rows["Category 1"]


def test_missing_values_are_empty_cells_never_na_text(rich_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(rich_report.to_excel(tmp_path / "r.xlsx"))
    lines = xl_rows(wb["Lines"])
    assert {r["scope3_category"] for r in lines if r["category"] in (1, 2)} == {None}
    assert {r["scope3_category"] for r in lines if r["source"] == "bought"} == {1}
    texts = [
        (s.title, c.coordinate, c.value)
        for s in wb
        for row in s.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.strip().lower() in ("<na>", "nan", "nat", "none")
    ]
    assert texts == []
    page = rich_report.to_html()
    assert "&lt;NA&gt;" not in page and ">nan<" not in page
    bought = [r for r in html_table(page, "Lines") if r["Source"] == "bought"]
    assert {r["Scope 3 category"] for r in bought} == {"1"}
    ng = [r for r in html_table(page, "Lines") if r["Source"] == "ng"]
    assert {r["Scope 3 category"] for r in ng} == {"—"}


# -- first-time-user audit: language, readable headers, contributors, formatting, Excel --

MACHINE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$|^[a-z]+_?$")
HAN = re.compile(r"[\u4e00-\u9fff]")


def rich_with(**reporting):
    data = rich().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["reporting"] = reporting
    return nc.inventory_report(nc.calculate(nc.validate_inventory(data), uncertainty="analytical"))


def md_headings_and_headers(md: str) -> tuple[list[str], list[list[str]]]:
    lines = md.splitlines()
    headings = [ln[3:] for ln in lines if ln.startswith("## ")]
    headers = [
        [c.strip() for c in lines[i].strip().strip("|").split(" | ")]
        for i in range(len(lines) - 1)
        if lines[i].startswith("| ") and lines[i + 1].startswith("|---")
    ]
    return headings, headers


@pytest.fixture(scope="module")
def by_language():
    return {
        lang: rich_with(language=lang, intended_users="Company board; provincial regulator")
        for lang in ("en", "zh", "en+zh")
    }


def test_language_sets_headings_and_readable_headers(by_language, rich_report):
    for lang, rep in by_language.items():
        md = rep.to_markdown()
        headings, headers = md_headings_and_headers(md)
        flat = [h for row in headers for h in row if h]
        # no raw machine column name is shown as a header
        assert not [h for h in flat if MACHINE.match(h)], (lang, flat)
        if lang == "en":
            assert not any(HAN.search(h) for h in headings + flat)
            assert "Emissions by ISO 14064-1 category" in headings
            assert {"Emissions (t CO2e)", "95 % interval low (t CO2e)", "Uncertainty (±%)"} <= set(
                flat
            )
        elif lang == "zh":
            assert all(HAN.search(h) for h in headings)
            assert "按 ISO 14064-1 类别分列的排放" in headings
            assert {"排放量（t CO2e）", "不确定性（±%）", "95 % 置信区间下限（t CO2e）"} <= set(
                flat
            )
            assert "Emissions (t CO2e)" not in flat
            cat = md.split("## 按 ISO 14064-1 类别分列的排放", 1)[1]
            assert "| 已报告 |" in cat and "直接温室气体排放和清除" in cat
        else:
            assert "Emissions by ISO 14064-1 category / 按 ISO 14064-1 类别分列的排放" in headings
            assert "Emissions (t CO2e) / 排放量（t CO2e）" in flat
        page = rep.to_html()
        ths = [_text(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", page, flags=re.S)]
        assert not [h for h in ths if MACHINE.match(h)], (lang, ths)
        html_lang = re.search(r'<html lang="([^"]+)">', page).group(1)
        assert html_lang == {"en": "en", "zh": "zh-Hans", "en+zh": "en"}[lang]
        h2 = [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, flags=re.S)]
        if lang == "en":
            assert not any(HAN.search(h) for h in h2 + ths)
        elif lang == "zh":
            assert all(HAN.search(h) for h in h2) and "排放量（t CO2e）" in ths
        else:
            assert '<span class="zh" lang="zh-Hans">排放量（t CO2e）</span>' in page
        # intended users (ISO 14064-1 9.3.1 / 9.2) are stated in the report
        assert "Company board; provincial regulator" in md
        assert "Company board; provincial regulator" in page
        label = {"en": "Intended users", "zh": "预期使用者", "en+zh": "Intended users / 预期使用者"}
        assert f"- {label[lang]}: Company board; provincial regulator" in md
    # without a reporting section the report is in English
    assert not HAN.search("".join(md_headings_and_headers(rich_report.to_markdown())[0]))
    # relative uncertainty as ±x.x % in both text outputs
    u = rich_report.result.group_uncertainty["category:1"].relative_95
    for rows in (
        md_table(rich_report.to_markdown(), "By category"),
        html_table(rich_report.to_html(), "By category"),
    ):
        assert rows[0]["Uncertainty (±%)"] == f"±{100 * u:.1f} %"
    # JSON keeps the contract names, whatever the language
    d = json.loads(by_language["zh"].to_json())
    assert set(d["report"]["categories"][0]) == {
        "category",
        "co2e_t",
        "status",
        "excluded_est_co2e_t",
    }
    assert d["report"]["categories"][0]["status"] == "reported"


def test_main_contributors_to_the_uncertainty_are_listed(cement_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    contrib = cement_report.result.contributions
    assert contrib
    share = "Share of variance (%)"
    for rows in (
        md_table(cement_report.to_markdown(), "Uncertainty contributors"),
        html_table(cement_report.to_html(), "Uncertainty contributors"),
    ):
        assert [r["Input"] for r in rows] == [c["input"] for c in contrib]
        assert [r["Description"] for r in rows] == [c["label"] for c in contrib]
        assert [r[share] for r in rows] == [f"{100 * c['variance_share']:.1f} %" for c in contrib]
    wb = openpyxl.load_workbook(cement_report.to_excel(tmp_path / "r.xlsx"))
    ws = wb["Uncertainty contributors"]
    assert ws["C1"].value.startswith("Share of variance (%)")
    xl = xl_rows(ws)
    assert [r["variance_share"] for r in xl] == pytest.approx(
        [c["variance_share"] for c in contrib]
    )
    assert ws["C3"].number_format == "0.0%"
    q = {i.item: i.detail for i in cement_report.checklist()}["q"]
    assert "Main contributors to the uncertainty of the total" in q
    # the data-quality scale is explained next to its table
    md = cement_report.to_markdown()
    dq = md.split("## Data quality by category", 1)[1].split("\n## ", 1)[0]
    assert "1 (best) to 5 (weakest)" in dq and "1（最好）到 5（最弱）" in dq


def test_numbers_are_formatted_consistently(rich_report, cement_report):
    from nqi_carbon.pages.charts import nice_ticks

    md = rich_report.to_markdown()
    gas = md_table(md, "Direct emissions by gas")
    for r in gas:
        for col in ("Mass (t of gas)", "Emissions (t CO2e)"):
            text = r[col]
            if text == "—":
                continue
            assert text != "0"  # zero is 0.000 like every other t amount
            frac = text.split(".")[1] if "." in text else ""
            value = num(text)
            assert len(frac) == 3 or (0 < value < 0.1), (col, text)
    co2 = next(r for r in gas if r["Gas"] == "CO2")
    mass = rich_report.direct_by_gas()[0][1]
    assert co2["Mass (t of gas)"] == f"{mass:,.3f}"
    # text cells are never right-aligned as numbers, even when empty
    page = rich_report.to_html()
    part = page.split('<h2 id="t-sources">', 1)[1].split("</table>", 1)[0]
    header = [_text(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", part, flags=re.S)]
    desc = header.index("Description")
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)[1:]:
        cells = re.findall(r"<td([^>]*)>(.*?)</td>", tr, flags=re.S)
        assert "num" not in cells[desc][0]
        assert "num" in cells[header.index("Emissions (t CO2e)")][0]
    # round chart ticks: 0, step, 2 step... with step 1, 2 or 5 x 10^k
    svg = cement_report.svg_by_category()
    ticks = [num(t) for t in re.findall(r'text-anchor="end">([\d,.]+)</text>', svg)]
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks == [k * step for k in range(len(ticks))]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5)
    top = max(cement_report.result.totals()["by_category"].values())
    assert ticks[-2] < top <= ticks[-1]
    assert nice_ticks(8372.6) == [0, 2000, 4000, 6000, 8000, 10000]
    assert nice_ticks(0.37) == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])


def test_excel_sheets_are_readable(cement_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(cement_report.to_excel(tmp_path / "r.xlsx"))
    ws = wb["By category"]
    assert ws.freeze_panes == "A3"
    labels = [c.value for c in ws[1]]
    keys = [c.value for c in ws[2]]
    assert labels[keys.index("co2e_t")] == "Emissions (t CO2e) / 排放量（t CO2e）"
    rel = keys.index("relative_95") + 1
    assert ws.cell(row=3, column=rel).number_format == "0.0%"
    assert isinstance(ws.cell(row=3, column=rel).value, float)
    for sheet in wb:
        assert sheet.freeze_panes in ("A2", "A3")
        widths = [d.width for d in sheet.column_dimensions.values()]
        assert widths and all(6 <= w <= 60 for w in widths), sheet.title
    factors = wb["Factors"]
    cite = [c.value for c in factors[2]].index("citation") + 1
    letter = openpyxl.utils.get_column_letter(cite)
    assert factors.column_dimensions[letter].width == 60  # long citations: capped, wrapped
    assert factors.column_dimensions["A"].width < 60
    # numbers where the value is a number; scope 2 labels stay text
    for sheet in ("Sources", "Lines"):
        assert {r["scope"] for r in xl_rows(wb[sheet])} <= {1, 2, 3}
    assert [r["scope"] for r in xl_rows(wb["By scope"])] == [1, "2_location", "2_market", 3]


def test_counts_are_singular_or_plural(cement_report):
    rep = nc.inventory_report(nc.calculate(minimal()))
    d = {i.item: i.detail for i in rep.checklist()}["d"]
    assert d.endswith("; 1 facility")
    assert "facilities" in {i.item: i.detail for i in rich_report_checklist()}["d"]
    for text in (rep.to_markdown(), rep.to_html(), repr(rep), rep._repr_html_()):
        assert not re.search(r"\b1 (facilities|open findings|checklist items|removals)\b", text)
    assert "item(s)" not in rep._repr_html_()
    r = repr(cement_report)
    assert "\n" not in r and len(r) < 300 and "866,079.662 t CO2e" in r
    assert "0 of 20 checklist items missing" in r


def rich_report_checklist():
    return nc.inventory_report(nc.calculate(rich())).checklist()


def test_the_headline_interval_says_when_inputs_lack_uncertainty():
    inv = nc.load_inventory(CEMENT)
    res = nc.calculate(inv, uncertainty="analytical")
    assert 0 < res.unquantified_share < 1
    md = nc.inventory_report(res).to_markdown()
    share = f"{100 * res.unquantified_share:.3g} %"
    assert share in md and "understates the uncertainty" in md


# -- verifier's evidence: instruments, lab analyses, activity evidence, base year, provenance --

HOSTILE = '<script>alert("x")</script> & <b>'


def evidence_inventory(language: str = "en+zh", **changes) -> nc.Inventory:
    """The cement example with user texts that need escaping and an instrument due early."""
    data = nc.load_inventory(CEMENT).model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["reporting"]["language"] = language
    data["organization"]["name"] = f"Cement {HOSTILE} Co"
    ins = {i["id"]: i for i in data["instruments"]}
    ins["EM-01"]["kind"] = f"meter {HOSTILE}"
    ins["EM-01"]["certificate"] = "SGCC & <1>"
    ins["FM-07"]["calibrated_on"], ins["FM-07"]["calibration_due"] = "2022-12-01", "2023-12-01"
    src = {s["id"]: s for s in data["sources"]}
    src["clinker-process"]["activity"][0]["evidence"] = f"ledger {HOSTILE}"
    src["clinker-process"]["activity"][0]["note"] = "read & signed"
    src["kiln-coal"]["carbon"]["carbon_fraction"]["lab"] = "Lab <i>&</i>"
    data["factors"][0]["reference"] = (
        "Plant lab report https://example.org/ef?a=1&b=2 (see also javascript:alert(1) "
        'and "https://evil.example/x" onmouseover=alert(1))'
    )
    data.update(changes)
    return nc.validate_inventory(data)


@pytest.fixture(scope="module")
def evidence_report():
    return nc.inventory_report(nc.calculate(evidence_inventory(), uncertainty="analytical"))


def html_rows(page: str, table: str) -> list[tuple[str, dict[str, str]]]:
    """(row class, {English header: cell text}) of each row of HTML report table *table*."""
    slug = "t-" + "-".join(table.lower().split())
    part = page.split(f'<h2 id="{slug}">', 1)[1].split("</table>", 1)[0]
    header = [_text(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", part, flags=re.S)]
    out = []
    for attrs, tr in re.findall(r"<tr([^>]*)>(.*?)</tr>", part, flags=re.S)[1:]:
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        klass = re.search(r"class='([^']*)'", attrs)
        out.append((klass.group(1) if klass else "", dict(zip(header, cells, strict=True))))
    return out


def md_facts(md: str, heading: str) -> dict[str, str]:
    """{English label: value} of a two-column Markdown section under ``## heading``."""
    rows = md.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0].splitlines()
    rows = [r for r in rows if r.startswith("| ") and not r.startswith("| Item")]
    return {
        r.strip("| ").split(" | ")[0].split(" / ")[0]: r.strip("| ").split(" | ")[1]
        for r in rows
        if r.count(" | ") == 1
    }


def test_instruments_table_shows_calibration_and_assumed_k(evidence_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rep = evidence_report
    md = {r["Instrument"]: r for r in md_table(rep.to_markdown(), "Instruments")}
    page = rep.to_html()
    html = {r["Instrument"]: (k, r) for k, r in html_rows(page, "Instruments")}
    wb = openpyxl.load_workbook(rep.to_excel(tmp_path / "r.xlsx"))
    xl = {r["instrument"]: r for r in xl_rows(wb["Instruments"])}
    assert list(md) == list(html) == list(xl) == ["WB-01", "EM-01", "CS-01", "FM-07"]
    # WB-01 states k = 2; EM-01 states none: the calculation takes k = 2 (U * 1.96 / 2)
    assert md["WB-01"]["Coverage factor k"] == html["WB-01"][1]["Coverage factor k"] == "2"
    assert xl["WB-01"]["coverage_factor"] == 2
    assert md["EM-01"]["Coverage factor k"] == "k = 2 assumed / 未说明，按 k = 2 计"
    assert html["EM-01"][1]["Coverage factor k"] == "k = 2 assumed"
    assert xl["EM-01"]["coverage_factor"] == "k = 2 assumed"
    em = rep.inventory.instrument("EM-01")
    assert em.u95 == pytest.approx(0.005 * 1.959963984540054 / 2)
    for rows in (md, {k: r for k, (_, r) in html.items()}):
        wb01 = rows["WB-01"]
        assert wb01["Expanded uncertainty U (relative)"] == "±0.5 %"
        assert wb01["Accuracy class"] == "0.5"
        assert wb01["Certificate"] == "JS-JL-2023-118847"
        assert wb01["Calibrated on"] == "2023-12-18"
        assert wb01["Calibration due"] == "2024-12-18"
        assert wb01["Traceability"] == "Jiangsu Institute of Metrology (CNAS L0121)"
        assert wb01["Used by sources"] == "kiln-coal"
        assert rows["EM-01"]["Used by sources"] == "grid-electricity"
        assert rows["EM-01"]["Certificate"] == "SGCC & <1>"
        assert rows["FM-07"]["Traceability"] == "—"
    assert xl["WB-01"]["expanded_uncertainty"] == 0.005
    assert xl["WB-01"]["calibration_due"] == datetime.datetime(2024, 12, 18)  # a date cell
    assert xl["CS-01"]["used_by"] == "clinker-process"
    # due inside the period (2024-12-18) is marked; due before it and valid through it too
    assert md["WB-01"]["Calibration in the period"].startswith("due within the period")
    assert html["WB-01"] == ("due", html["WB-01"][1])
    assert html["WB-01"][1]["Calibration in the period"] == "due within the period"
    assert [k for k, _ in html.values()] == ["due", "", "", ""]
    assert xl["WB-01"]["calibration_status"] == "due within the period"
    assert xl["FM-07"]["calibration_status"] == "due before the period"
    assert xl["CS-01"]["calibration_status"] == "valid through the period"
    col = [c.value for c in wb["Instruments"][2]].index("calibration_status") + 1
    assert wb["Instruments"].cell(row=3, column=col).fill.fgColor.rgb.endswith("FFF4E0")
    labels = [c.value for c in wb["Instruments"][1]]
    assert "Coverage factor k / 包含因子 k" in labels
    d = json.loads(rep.to_json())["report"]["instruments"]
    assert d[1]["coverage_factor"] == 2 and d[1]["coverage_factor_stated"] is False
    assert d[0]["coverage_factor_stated"] is True and d[0]["calibration_due"] == "2024-12-18"


def test_instrument_used_only_in_an_activity_table_lists_its_source(tmp_path):
    (tmp_path / "a.csv").write_text("source,period,amount,unit,instrument\ngas,2024,100,TJ,M1\n")
    data = minimal().model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["sources"][0].pop("activity")
    data["instruments"] = [{"id": "M1", "kind": "gas meter", "uncertainty": 0.01}]
    data["activity_files"] = ["a.csv"]
    import shutil

    import yaml

    shutil.copy(PACK, tmp_path / "testpack.yaml")  # paths in an inventory stay in its folder
    data["factor_packs"] = ["testpack.yaml"]
    (tmp_path / "inv.yaml").write_text(yaml.safe_dump(data))
    rep = nc.inventory_report(nc.calculate(nc.load_inventory(tmp_path / "inv.yaml")))
    assert rep.instruments_used()[0]["used_by"] == "gas"
    assert rep.instruments_used()[0]["calibration_status"] == "no due date stated"
    src = {r["Source"]: r for r in md_table(rep.to_markdown(), "Sources")}
    assert num(src["gas"]["Activity, total (source's base unit)"]) == 100
    assert src["gas"]["Base unit"] == "TJ"


def test_lab_analyses_table(evidence_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rep = evidence_report
    md = md_table(rep.to_markdown(), "Lab analyses")
    html = [r for _, r in html_rows(rep.to_html(), "Lab analyses")]
    wb = openpyxl.load_workbook(rep.to_excel(tmp_path / "r.xlsx"))
    xl = xl_rows(wb["Lab analyses"])
    # only the parameter stating a lab (oxidation states evidence only)
    assert len(md) == len(html) == len(xl) == 1
    for row, sample in ((md[0], "Sample"), (html[0], "Sample / evidence")):
        assert row["Source"] == "kiln-coal" and row["Parameter"] == "carbon_fraction"
        assert row["Value"] == "58.2" and row["Unit"] == "percent"
        assert row["Laboratory"] == "Lab <i>&</i>"
        assert row["Accreditation"] == "CMA+CNAS" and row["Report date"] == "2025-01-20"
        assert row[sample] == "monthly as-received carbon (GB/T 30733), weighted annual mean"
    assert xl[0]["value"] == 58.2 and xl[0]["lab"] == "Lab <i>&</i>"
    assert xl[0]["report_date"] == datetime.datetime(2025, 1, 20) and xl[0]["accreditation"] == "CMA+CNAS"


def test_activity_totals_next_to_the_factor_and_record_evidence(evidence_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rep = evidence_report
    md_text = rep.to_markdown()
    page = rep.to_html()
    wb = openpyxl.load_workbook(rep.to_excel(tmp_path / "r.xlsx"))
    total = "Activity, total (source's base unit)"
    for rows in (md_table(md_text, "Sources"), [r for _, r in html_rows(page, "Sources")]):
        by = {r["Source"]: r for r in rows}
        assert num(by["kiln-coal"][total]) == 120300  # 12 monthly records, t of coal
        assert by["kiln-coal"]["Base unit"] == "t"
        assert num(by["grid-electricity"][total]) == 86420
        assert by["grid-electricity"]["Factor"] == "cn-mee/grid/national/2022"
        assert by["chiller-leak"][total] == "0.0185" and by["chiller-leak"]["Base unit"] == "t"
        header = list(by["kiln-coal"])
        assert header.index(total) == header.index("Factor") + 1
    xl = {r["source"]: r for r in xl_rows(wb["Sources"])}
    assert xl["clinker-process"]["activity"] == 1052300
    assert xl["clinker-process"]["activity_unit"] == "t"
    assert xl["clinker-process"]["factor"] == "plant/clinker-calcination"
    # the lines agree with the totals
    lines = rep.result.lines
    assert lines.loc[lines["source"] == "kiln-coal", "activity"].iloc[0] == 120300
    # evidence and notes per record
    md_ev = {r["Source"]: r for r in md_table(md_text, "Evidence")}
    html_ev = {r["Source"]: r for _, r in html_rows(page, "Evidence")}
    xl_ev = {r["source"]: r for r in xl_rows(wb["Evidence"])}
    assert set(md_ev) == set(html_ev) == set(xl_ev)
    assert set(md_ev) == {"clinker-process", "grid-electricity", "chiller-leak"}
    for ev in (md_ev, html_ev):
        assert ev["clinker-process"]["Evidence"] == f"ledger {HOSTILE}"
        assert ev["clinker-process"]["Note"] == "read & signed"
        assert ev["grid-electricity"]["Evidence"] == "State Grid bills 2024"
        assert ev["grid-electricity"]["Instrument"] == "EM-01"
        assert ev["chiller-leak"]["Amount"] == "18.5" and ev["chiller-leak"]["Unit"] == "kg"
    assert md_ev["grid-electricity"]["Record (period)"] == "whole period / 整个报告期"
    assert xl_ev["chiller-leak"]["evidence"] == "refrigerant service log"
    assert xl_ev["clinker-process"]["evidence"] == f"ledger {HOSTILE}"
    assert "3 of 16 records" in md_text
    ev = json.loads(rep.to_json())["report"]["evidence"]
    assert {e["source"] for e in ev} == set(md_ev)


def test_base_year_total_in_markdown_html_and_excel(cement_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    by = cement_report.inventory.base_year
    assert by.total_co2e_t == 902310 and by.year == 2020
    md = md_facts(cement_report.to_markdown(), "Base year")
    assert md["Base year"] == "2020"
    assert md["Base-year total (gross, as stated)"] == "902,310.000 t CO2e"
    change = cement_report.result.total_co2e - 902310
    assert md["Change of the gross total from the base year"] == (
        f"{change:,.3f} t CO2e ({100 * change / 902310:+.1f} %)"
    )
    assert md["Recalculations"].startswith(
        "2023-03-31 factor -925.000 t CO2e (base year restated with the national grid factor"
    )
    assert md["Recalculations"].endswith("(-0.10 %)); recalculated")
    assert md["GWP set of the base year"] == "AR6"
    assert md["Base year by category (t CO2e)"] == "1: 853,035.000; 2: 49,275.000"
    assert md["Recalculation threshold"] == "5 %"
    assert md["Recalculation policy and GWP set"] == "none / 无"
    page = cement_report.to_html()
    part = page.split('<h2 id="base-year">', 1)[1].split("</table>", 1)[0]
    assert "902,310.000 t CO2e" in part and "<td>2020</td>" in part
    wb = openpyxl.load_workbook(cement_report.to_excel(tmp_path / "r.xlsx"))
    rows = {r[0]: (r[2], r[3]) for r in wb["Totals"].iter_rows(min_row=2, values_only=True)}
    assert rows["base_year"] == (2020, "year")
    assert rows["base_year_co2e_t"] == (902310, "t CO2e")
    assert rows["change_from_base_year_t"][0] == pytest.approx(change)
    # no base year: no section, no rows
    rep = nc.inventory_report(nc.calculate(minimal()))
    assert "## Base year" not in rep.to_markdown() and 'id="base-year"' not in rep.to_html()
    assert "base_year" not in {k for k, *_ in rep.totals_rows()}


def test_provenance_section_names_packs_and_how_their_hash_is_computed(cement_report):
    import hashlib

    from nqi_carbon._io.yaml import load_yaml_text

    prov = cement_report.result.provenance()
    md = cement_report.to_markdown()
    page = cement_report.to_html()
    facts = md_facts(md, "Provenance")
    assert facts["nqi-carbon version"] == nc.__version__
    assert facts["Input SHA-256"] == prov["input_sha256"]
    assert facts["GWP source"] == prov["gwp_source"]
    part = page.split('<h2 id="provenance">', 1)[1]
    assert prov["input_sha256"] in part and nc.__version__ in part
    assert "Table 7.SM.7" in part
    assert len(prov["factor_packs"]) >= 2
    for pack in prov["factor_packs"]:
        assert f"| {pack['id']} | {pack['version']} | {pack['sha256']} |" in md
        assert f"<td>{pack['id']}</td><td>{pack['version']}</td><td>{pack['sha256']}</td>" in part
    # the input hash: the file's bytes
    assert prov["input_sha256"] == hashlib.sha256(CEMENT.read_bytes()).hexdigest()
    # the pack hash as the report describes it: canonical JSON of the parsed pack
    assert "canonical JSON (keys sorted at every level" in md
    assert 'compact separators "," and ":" with no spaces' in md
    path = ROOT / "emission_factors" / "cn-mee.yaml"
    data = load_yaml_text(path.read_bytes(), source=str(path))
    text = json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=lambda o: o.isoformat(),
    )
    cn = next(p for p in prov["factor_packs"] if p["id"] == "cn-mee")
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == cn["sha256"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() != cn["sha256"]  # not the file bytes


def test_monte_carlo_seed_iterations_mean_median_next_to_the_interval(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    seed = 2**63 - 12345  # 19 digits: an Excel number keeps 15
    res = nc.calculate(
        nc.load_inventory(CEMENT), uncertainty="monte_carlo", iterations=200, seed=seed
    )
    rep = nc.inventory_report(res)
    u = res.group_uncertainty["total"]
    md = rep.to_markdown()
    headline = next(ln for ln in md.splitlines() if ln.startswith("95 % interval of the gross"))
    assert f"Monte Carlo: 200 iterations, seed {seed}; " in headline
    assert f"mean {u.mean:,.1f}, median {u.median:,.1f} t CO2e" in headline
    assert f"随机数种子 {seed}" in headline
    page = rep.to_html()
    para = re.search(r"<p>95 % interval of the gross total.*?</p>", page, flags=re.S).group(0)
    assert f"seed {seed}" in _text(para) and "200 iterations" in _text(para)
    assert md_facts(md, "Provenance")["Monte Carlo seed"] == str(seed)
    wb = openpyxl.load_workbook(rep.to_excel(tmp_path / "mc.xlsx"))
    tot = {r[0].value: r[2] for r in wb["Totals"].iter_rows(min_row=2)}
    assert tot["mc_seed"].value == str(seed) and tot["mc_seed"].data_type == "s"
    assert tot["mc_iterations"].value == 200
    assert tot["mc_mean_t"].value == pytest.approx(u.mean)
    assert tot["mc_median_t"].value == pytest.approx(u.median)
    prov = {r[0].value: r[1] for r in wb["Provenance"].iter_rows(min_row=2)}
    assert prov["seed"].value == str(seed) and prov["seed"].data_type == "s"
    assert int(prov["seed"].value) == seed
    assert prov["iterations"].value == 200
    # analytical: no Monte Carlo words
    assert "Monte Carlo:" not in nc.inventory_report(nc.calculate(minimal())).to_markdown()


def test_html_language_and_status_words_follow_the_language():
    reps = {
        lang: nc.inventory_report(nc.calculate(evidence_inventory(lang), uncertainty="analytical"))
        for lang in ("en", "zh", "en+zh")
    }
    expected_lang = {"en": "en", "zh": "zh-Hans", "en+zh": "en"}
    status = {"en": "present", "zh": "已提供", "en+zh": "present / 已提供"}
    excluded = {"en": "excluded", "zh": "已排除", "en+zh": "excluded / 已排除"}
    for lang, rep in reps.items():
        page = rep.to_html()
        assert re.search(r'<html lang="([^"]+)">', page).group(1) == expected_lang[lang]
        spans = re.findall(r'<span class="zh"[^>]*>', page)
        assert all(s == '<span class="zh" lang="zh-Hans">' for s in spans)
        assert bool(spans) == (lang == "en+zh")
        md = rep.to_markdown()
        row = next(ln for ln in md.splitlines() if ln.startswith("| a | "))
        assert f"| {status[lang]} |" in row
        cat3 = next(ln for ln in md.splitlines() if ln.startswith("| 3 | "))
        assert f"| {excluded[lang]} |" in cat3
    consolidation = {
        "en": "operational control",
        "zh": "运营控制",
        "en+zh": "operational control / 运营控制",
    }
    for lang, rep in reps.items():
        md = rep.to_markdown()
        label = {
            "en": "Consolidation approach",
            "zh": "合并方法",
            "en+zh": "Consolidation approach / 合并方法",
        }
        assert f"- {label[lang]}: {consolidation[lang]}" in md
    # en+zh HTML: the Chinese status word in a zh span
    page = reps["en+zh"].to_html()
    assert '<td>present <span class="zh" lang="zh-Hans">已提供</span></td>' in page


def test_factor_urls_are_links_only_for_http(evidence_report):
    page = evidence_report.to_html()
    anchors = re.findall(r"<a\b[^>]*>.*?</a>", page, flags=re.S)
    assert (
        '<a href="https://example.org/ef?a=1&amp;b=2">https://example.org/ef?a=1&amp;b=2</a>'
        in anchors
    )
    assert '<a href="https://evil.example/x">https://evil.example/x</a>' in anchors
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(re.match(r"https?://", h) for h in hrefs)
    assert "javascript:alert(1)" in page and 'href="javascript' not in page
    assert "onmouseover=alert(1)" in page  # as text, never an attribute
    assert not re.search(r"<a [^>]*onmouseover", page)
    # pack citations are linked too (the cited grid factor document)
    factors = page.split('<h2 id="t-factors">', 1)[1].split("</table>", 1)[0]
    assert factors.count("<a href=") >= 2
    # Markdown keeps the plain text
    assert "https://example.org/ef?a=1&b=2" in evidence_report.to_markdown()


def test_user_texts_are_escaped_in_html(evidence_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    page = evidence_report.to_html()
    assert "<script" not in page and "<b> Co" not in page and "<i>&" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;"
    assert page.count(escaped) >= 4  # title, h1, facts, instrument kind, evidence
    assert "SGCC &amp; &lt;1&gt;" in page and "Lab &lt;i&gt;&amp;&lt;/i&gt;" in page
    assert "read &amp; signed" in page
    # text outputs keep the text as given
    md = evidence_report.to_markdown()
    # Markdown carries no raw HTML: the text is kept, its angle brackets as entities
    assert "<script" not in md and "<i>" not in md
    assert f"ledger {HOSTILE}" in html.unescape(md) and "Lab <i>&</i>" in html.unescape(md)
    wb = openpyxl.load_workbook(evidence_report.to_excel(tmp_path / "r.xlsx"))
    kinds = {r["instrument"]: r["kind"] for r in xl_rows(wb["Instruments"])}
    assert kinds["EM-01"] == f"meter {HOSTILE}"


def test_an_empty_inventory_reports_cleanly(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "Empty <Co>", "id": "e", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR6",
        "facilities": [{"id": "a"}],
    }
    rep = nc.inventory_report(nc.calculate(nc.validate_inventory(d)))
    assert rep.tables()["By facility"]["share"].tolist() == [1.0]  # equity share default
    page = rep.to_html()  # no ZeroDivisionError for an all-zero chart
    assert "<svg" in page and "Empty &lt;Co&gt;" in page
    rep.to_excel(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    for sheet in ("Sources", "Factors", "GWP", "Data quality by source"):
        assert wb[sheet].cell(row=2, column=1).value is not None, sheet  # header rows kept


def test_axis_ticks_for_tiny_totals():
    from nqi_carbon.pages.charts import nice_ticks

    assert nice_ticks(3e-13) == [0.0, 1e-13, 2e-13, 3e-13]
    assert nice_ticks(1.5e-12) == [0.0, 5e-13, 1e-12, 1.5e-12]


def test_reports_are_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    inv = nc.load_inventory(CEMENT)
    a = nc.inventory_report(nc.calculate(inv)).to_markdown()
    b = nc.inventory_report(nc.calculate(nc.load_inventory(CEMENT))).to_markdown()
    assert a == b and "2025-01-01" in a


@pytest.mark.excel
def test_the_whole_report_set_is_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    # openpyxl stamps the save time into docProps/core.xml and zip stamps each entry: both
    # follow the generation date, so two runs seconds apart give the same .xlsx bytes
    import time
    import zipfile

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    a = nc.inventory_report(nc.calculate(nc.load_inventory(CEMENT))).write(tmp_path / "a")
    time.sleep(2.1)  # zip times have a 2 s resolution
    b = nc.inventory_report(nc.calculate(nc.load_inventory(CEMENT))).write(tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 4
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
    with zipfile.ZipFile(tmp_path / "a" / "report.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        assert b"2025-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_the_packs_caveats_on_a_factor_used_are_printed_beside_it(cement_report):
    # Issue 19: the cn-mee pack records, on the national grid factor, the years it holds
    # for, which notice names which year's factor, and that its confirmation is secondary;
    # the report showed none of it. The pack's own text is the expectation.
    factor = cement_report.result.factors_used["cn-mee/grid/national/2022"]
    assert factor.entry.valid is not None and factor.entry.notes
    for rows in (
        md_table(cement_report.to_markdown(), "Factor notes"),
        html_table(cement_report.to_html(), "Factor notes"),
    ):
        row = next(r for r in rows if r["Factor"] == "cn-mee/grid/national/2022")
        assert row["Years it holds for"] == "2022-2024"
        assert "the notice text and its MEE page were not read" in row["Notes of the pack (caveats, year rule)"]
        assert "环办气候函〔2023〕43号" in row["Notes of the pack (caveats, year rule)"]


def test_evidence_note_counts_activity_records_and_contracts_apart():
    """Regression: the note read "(6 of 5 records)" for the Berlin office.

    examples/de-office states 5 inline activity records, each with evidence, and one
    contractual instrument (guarantees of origin) with evidence: the note counts the
    records of the records and the instruments of the instruments, in both languages.
    """
    data = nc.load_inventory(ROOT / "examples" / "de-office" / "inventory.yaml").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    for lang in ("en", "zh"):
        data["reporting"] = {"language": lang}
        rep = nc.inventory_report(nc.calculate(nc.validate_inventory(data)))
        note = rep._notes()["Evidence"]
        assert len(rep.evidence_records()) == 6  # 5 records + 1 contract, one row each
        if lang == "en":
            assert "(5 of 5 records" in note[0]
            assert "6 of 5" not in note[0]
            assert "contractual instruments" in note[0] and "(1 of 1 instruments)" in note[0]
            assert "(5 of 5 records" in rep.to_markdown()
        else:
            assert "共 5 条记录中的 5 条" in rep.to_markdown()
        assert "共 5 条记录中的 5 条" in note[1]
        assert "合同文书" in note[1] and "共 1 份中的 1 份" in note[1]
    # an inventory without contracts keeps the plain count, and says nothing of contracts
    data["sources"] = [s for s in data["sources"] if not s.get("contracts")]
    rep = nc.inventory_report(nc.calculate(nc.validate_inventory(data)))
    en, zh = rep._notes()["Evidence"]
    assert "(4 of 4 records)" in en and "contract" not in en
    assert "共 4 条记录中的 4 条" in zh and "合同" not in zh
