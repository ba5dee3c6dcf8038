"""A verifier re-performs every figure of a report from the report's own tables alone (issue 15).

The Markdown and HTML reports of the cement and multisite examples are written, their
tables parsed back as text, and every emission figure recomputed from what they print:
the amounts as entered and their conversions, the factors and fuel parameters (a blend's
mass fractions too), the GWPs and the consolidation shares. Nothing is taken from the
result object; the only outside help is unit arithmetic (``kg/kWh`` x ``kWh`` in ``t``).
``result.json`` is re-performed the same way, line by line, from its chain fields.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import nqi_carbon as nc
from nqi_carbon.units import parse_unit

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
C_PER_CO2 = 44 / 12  # t CO2 per t C (IPCC 2006 Vol. 2, Eq. 2.1 note)


# --- reading tables back ----------------------------------------------------------------------
def _english(text: str) -> str:
    """The English part of a bilingual header or title (``Source / 排放源`` -> ``Source``)."""
    return text.split(" / ")[0].strip()


def _md_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Each table under a ``## `` heading: rows as header -> cell text."""
    tables: dict[str, list[dict[str, str]]] = {}
    title, lines = None, text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("## "):
            title = _english(line[3:])
        elif title and line.startswith("| ") and k + 1 < len(lines) and lines[k + 1].startswith("|--"):
            head = [_english(c) for c in _cells(line)]
            rows = []
            for body in lines[k + 2 :]:
                if not body.startswith("|"):
                    break
                rows.append(dict(zip(head, _cells(body), strict=True)))
            tables.setdefault(title, rows)
    return tables


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


class _HTMLTables(HTMLParser):
    """Tables after each ``<h2>``: header cells, body rows; ``lang="zh-Hans"`` spans dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.title: str | None = None
        self.text: list[str] | None = None
        self.zh = 0
        self.rows: list[list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "span" and ("lang", "zh-Hans") in attrs:
            self.zh += 1
        elif self.zh:
            return
        if tag in ("h2", "th", "td"):
            self.text = []
        elif tag == "table" and self.title and self.title not in self.tables:
            self.rows = self.tables[self.title] = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])

    def handle_endtag(self, tag):
        if tag == "span" and self.zh:
            self.zh -= 1
        elif tag == "h2" and self.text is not None:
            self.title, self.text = "".join(self.text).strip(), None
        elif tag in ("th", "td") and self.text is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self.text).split()))
            self.text = None
        elif tag == "table":
            self.rows = None

    def handle_data(self, data):
        if self.text is not None and not self.zh:
            self.text.append(data)


def _html_tables(text: str) -> dict[str, list[dict[str, str]]]:
    parser = _HTMLTables()
    parser.feed(text)
    return {
        title: [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        for title, rows in parser.tables.items()
        if rows
    }


def _num(text: str) -> float:
    return float(text.replace(",", ""))


# --- re-performing ----------------------------------------------------------------------------
def _t(value: float, unit: str, times: float, per: str) -> float:
    """(value unit) x (times per) in tonnes, by unit arithmetic alone."""
    q = value * parse_unit(unit) * times * parse_unit(per)
    return float(q.to("t").magnitude)


def _parameters(tables, ref: str) -> dict[str, tuple[float, str]]:
    return {r["Gas or parameter"]: (_num(r["Value"]), r["Unit"]) for r in tables[_FACTORS] if r["Factor"] == ref}


def _fraction(value: float, unit: str) -> float:
    return float((value * parse_unit(unit)).to("dimensionless").magnitude)


_FACTORS = "Emission factors and fuel parameters used"


def _source_gases(tables, src: dict[str, str], activity: float) -> dict[str, float]:
    """t of each gas (t CO2e for a CO2e factor) of one source, before its share."""
    base, ref, method = src["Base unit"], src["Factor"], src["Method"]
    if method == "factor":
        return {g: _t(v, u, activity, base) for g, (v, u) in _parameters(tables, ref).items()}
    if method == "carbon_content":
        p = {**_parameters(tables, ref), **_parameters(tables, f"{src['Source']} (stated)")}
        ox = _fraction(*p["oxidation"])
        if "carbon_fraction" in p:  # t C per t of fuel, measured
            carbon = _t(_fraction(*p["carbon_fraction"]), "t", activity, "1") if base == "t" else math.nan
        else:
            energy = p["ncv"][0] * parse_unit(p["ncv"][1]) * activity * parse_unit(base)
            carbon = float((energy * p["carbon_content"][0] * parse_unit(p["carbon_content"][1])).to("t").magnitude)
        return {"CO2": carbon * ox * C_PER_CO2}
    assert method == "release", method
    blend = _parameters(tables, ref)  # a blend's mass fractions, or nothing for a pure gas
    if not blend:
        return {ref: _t(activity, base, 1, "1")}
    return {g: _t(activity, base, _fraction(v, u), "1") for g, (v, u) in blend.items()}


_STEP = re.compile(r"([×÷]) (\S+) (.+?) \(([^,]+), ([^)]+)\)")


def _chain(unit: str, conversions: str, base: str) -> float:
    """One unit as entered through each printed conversion, in the base unit."""
    q = 1.0 * parse_unit(unit)
    for sign, value, per, _what, _ref in _STEP.findall(conversions):
        step = float(value) * parse_unit(per)
        q = q * step if sign == "×" else q / step
    return float(q.to(parse_unit(base)).magnitude)


def _group(gas: str) -> str:
    """The ISO 14064-1 gas group a species is reported under (HFC-32 -> HFCs)."""
    if gas in ("CO2", "CH4", "N2O", "SF6", "NF3"):
        return gas
    return "HFCs" if gas.startswith("HFC") else "PFCs"


def _reperform(tables) -> None:
    """Recompute every emission figure of the report from its tables; assert each as printed."""
    entered = defaultdict(float)
    base_unit = {r["Source"]: r["Base unit"] for r in tables["Emission sources and quantification methods"]}
    for r in tables["Activity data as entered and their conversions"]:
        per_unit = _num(r["Base units per unit entered"])
        assert _chain(r["Unit as entered"], r["Conversions (value, unit, what, from where)"],
                      base_unit[r["Source"]]) == pytest.approx(per_unit, rel=5e-10)  # fmt: skip
        activity = _num(r["Amount as entered"]) * per_unit
        assert _num(r["Activity (base unit)"]) == pytest.approx(activity, rel=1e-9)
        entered[r["Source"]] += activity
    share = {r["Facility"]: _num(r["Consolidation share"]) for r in tables["Emissions by facility"]}
    gwp = {r["Gas"]: _num(r["GWP-100"]) for r in tables["Global warming potentials (GWP) used"]}
    gwp["CO2e"] = 1.0
    by = defaultdict(float)
    gas_mass = defaultdict(float)
    direct = defaultdict(lambda: np.zeros(2))  # per gas group: t of gas, t CO2e
    for src in tables["Emission sources and quantification methods"]:
        activity = _num(src["Activity, total (source's base unit)"])
        assert entered[src["Source"]] == pytest.approx(activity, rel=1e-9)
        s = share[src["Facility"]]
        gases = {g: m * s for g, m in _source_gases(tables, src, activity).items()}
        co2e = sum(m * gwp[g] for g, m in gases.items())
        assert _num(src["Emissions (t CO2e)"]) == pytest.approx(co2e, abs=5e-4), src["Source"]
        for g, m in gases.items():
            gas_mass[g] += m
            if src["ISO category"] == "1":
                direct[_group(g)] += (m, m * gwp[g])
        scope = src["Scope"] if src["Scope"] != "2" else "2_location"
        keys = [f"category {src['ISO category']}", f"scope {scope}", f"facility {src['Facility']}", "gross"]
        if scope == "3":
            s3 = src["Scope 3 category"]
            keys.append(f"scope3 {'unassigned' if s3 == '—' else s3}")
        for key in keys:
            by[key] += co2e
    for r in tables["Emissions by ISO 14064-1 category"]:
        assert _num(r["Emissions (t CO2e)"]) == pytest.approx(by[f"category {r['ISO category']}"], abs=5e-4)
    for r in tables["Emissions by scope"]:
        if r["Key"] != "2_market":  # market-based: no contracts in these examples
            assert _num(r["Emissions (t CO2e)"]) == pytest.approx(by[f"scope {r['Key']}"], abs=5e-4)
    for r in tables["Scope 3 emissions by GHG Protocol category"]:
        key = f"scope3 {r['Scope 3 category']}"
        assert _num(r["Emissions (t CO2e)"]) == pytest.approx(by[key], abs=5e-4), key
    for r in tables["Emissions by facility"]:
        assert _num(r["Emissions (t CO2e)"]) == pytest.approx(by[f"facility {r['Facility']}"], abs=5e-4)
    gross, places = tables["Totals"]
    assert gross == pytest.approx(by["gross"], abs=0.5 * 10**-places)
    for r in tables["Direct emissions by gas"]:
        mass, co2e = direct[r["Gas"]]
        assert _num(r["Emissions (t CO2e)"]) == pytest.approx(co2e, abs=5e-4), r["Gas"]
        if r["Mass (t of gas)"] != "—":  # a group of species has no one mass
            assert _num(r["Mass (t of gas)"]) == pytest.approx(mass, rel=5e-3, abs=5e-4), r["Gas"]
    for r in tables["Global warming potentials (GWP) used"]:
        mass = gas_mass[r["Gas"]]
        assert _num(r["Mass, location-based (t of gas)"]) == pytest.approx(mass, rel=5e-3, abs=5e-4)
        assert _num(r["Emissions, location-based (t CO2e)"]) == pytest.approx(mass * gwp[r["Gas"]], abs=5e-4)


@pytest.mark.parametrize(
    "example", ["cement", "multisite", pytest.param("office-factory", marks=pytest.mark.excel)]
)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_figure_is_re_performed_from_the_reports_own_tables(tmp_path, example, fmt):
    res = nc.calculate(nc.load_inventory(EXAMPLES / example / "inventory.yaml"))
    (written,) = nc.inventory_report(res).write(tmp_path, formats=(fmt,))
    text = written.read_text(encoding="utf-8")
    tables = _md_tables(text) if fmt == "md" else _html_tables(text)
    if fmt == "md":  # | Gross, location-based | 36,838.239 |
        printed = re.search(r"^\| Gross, location-based[^|]* \| ([\d,.]+) \|$", text, re.M)
    else:  # the headline: Gross, location-based<b>36,838.2 t CO2e</b>
        printed = re.search(r"Gross, location-based(?: <span[^>]*>[^<]*</span>)?<b>([\d,.]+) t CO2e</b>", text)
    assert printed is not None
    tables["Totals"] = (_num(printed.group(1)), len(printed.group(1).partition(".")[2]))
    _reperform(tables)
    if fmt == "md" and "Base year" in tables:  # the change from the base year, re-performed
        item = {_english(r["Item"]): r["Value"] for r in tables["Base year"]}
        base = _num(item["Base-year total (gross, as stated)"].split()[0])
        change = re.fullmatch(r"(\S+) t CO2e \((\S+) %\)", item["Change of the gross total from the base year"])
        assert change is not None
        gross = _num(re.search(r"^\| Gross, location-based[^|]* \| ([\d,.]+) \|$", text, re.M).group(1))
        assert _num(change.group(1)) == pytest.approx(gross - base, abs=5e-4)
        assert float(change.group(2)) == pytest.approx(round(100 * (gross - base) / base, 1), abs=1e-9)


@pytest.mark.parametrize(
    "example",
    ["cement", "multisite", "office", pytest.param("office-factory", marks=pytest.mark.excel)],
)
def test_every_line_of_result_json_is_re_performed_from_its_chain(example):
    doc = json.loads(nc.calculate(nc.load_inventory(EXAMPLES / example / "inventory.yaml")).to_json())
    for ln in doc["lines"]:
        for e in ln["entered"]:
            assert all(step["citation"] for step in e["conversions"]), e
            assert e["amount"] >= 0 or e["covered_by"]  # less a contract's amount
        total = sum(e["amount"] * e["to_activity_unit"] for e in ln["entered"])
        assert ln["activity"] == pytest.approx(total, rel=1e-9), ln["source"]
        mass = _t(ln["factor_value"], ln["factor_unit"], ln["activity"], ln["activity_unit"]) * ln["share"]
        assert ln["mass_t"] == pytest.approx(mass, rel=1e-9), ln["source"]
        assert ln["co2e_t"] == pytest.approx(mass * ln["gwp"], rel=1e-9), ln["source"]
        assert ln["factor_citation"] and ln["gwp_citation"]


def test_the_tables_are_read_back_as_written():
    md = "## Totals / 排放总量\n\n| A / 甲 | B |\n|---|---:|\n| x | 1,234.5 |\n\n"
    assert _md_tables(md) == {"Totals": [{"A": "x", "B": "1,234.5"}]}
    html = '<h2>T <span lang="zh-Hans">表</span></h2><table><tr><th>A</th></tr><tr><td>1,2</td></tr></table>'
    assert _html_tables(html) == {"T": [{"A": "1,2"}]}


# --- market-based Scope 2 ----------------------------------------------------------------------
MARKET_EXAMPLES = ["de-office", "uk-fleet", "us-factory", "office"]
_MARKET = "Market-based Scope 2"


def _reperform_market(rows: list[dict], consumption_of=None) -> dict[str, float]:
    """t CO2e per source recomputed from the market-based Scope 2 rows (machine names).

    Each row: quantity (``amount``, in ``activity_unit``) x the factor as published
    (``value`` ``unit``) x ``share`` x ``gwp``, by unit arithmetic alone; asserted against the
    row's own ``co2e_t``. Per source, the quantities of its parts (each instrument, the
    residual) add up to its consumption (``activity``).
    """
    by_source: dict[str, float] = defaultdict(float)
    parts: dict[str, dict[tuple, float]] = defaultdict(dict)
    for r in rows:
        co2e = _t(r["value"], r["unit"], r["amount"], r["activity_unit"]) * r["share"] * r["gwp"]
        assert r["co2e_t"] == pytest.approx(co2e, rel=1e-9, abs=1e-12), r
        assert r["citation"], r
        by_source[r["source"]] += co2e
        parts[r["source"]][(r["part"], r["instrument"])] = r["amount"]
        assert r["activity"] >= r["amount"]
    for source, quantities in parts.items():
        consumption = next(r["activity"] for r in rows if r["source"] == source)
        assert math.fsum(quantities.values()) == pytest.approx(consumption, rel=1e-12), source
    return by_source


def _market_lines(res) -> dict[str, float]:
    lines = res.lines
    m = (lines["category"] == 2) & (lines["basis"] != "location") & ~lines["biogenic"]
    return {s: math.fsum(g["co2e_t"]) for s, g in lines[m].groupby("source")}


@pytest.mark.parametrize("example", MARKET_EXAMPLES)
def test_market_based_scope2_is_re_performed_from_report_json(example):
    res = nc.calculate(nc.load_inventory(EXAMPLES / example / "inventory.yaml"))
    doc = json.loads(nc.inventory_report(res).to_json())
    rows = doc["report"]["market_based_scope2"]
    assert any(r["part"] == "contractual instrument" for r in rows)
    by_source = _reperform_market(rows)
    expected = _market_lines(res)
    assert set(by_source) == set(expected)
    for source, value in expected.items():  # each market-based source figure
        assert by_source[source] == pytest.approx(value, rel=1e-9, abs=1e-12), source
    scope2 = math.fsum(by_source.values())
    totals = doc["totals"]
    assert scope2 == pytest.approx(totals["by_scope"]["2_market"], rel=1e-9)
    gross = totals["by_scope"]["1"] + scope2 + totals["by_scope"]["3"]
    assert gross == pytest.approx(totals["gross_co2e_t_market_based"], rel=1e-9)
    assert gross == pytest.approx(res.total_co2e_market_based, rel=1e-9)


@pytest.mark.excel
@pytest.mark.parametrize("example", MARKET_EXAMPLES)
def test_market_based_scope2_is_re_performed_from_the_workbook(tmp_path, example):
    openpyxl = pytest.importorskip("openpyxl")
    res = nc.calculate(nc.load_inventory(EXAMPLES / example / "inventory.yaml"))
    (path,) = nc.inventory_report(res).write(tmp_path, formats=("xlsx",))
    wb = openpyxl.load_workbook(path)
    ws = wb[_MARKET]
    header = [c.value for c in ws[2]]  # row 1 readable headers, row 2 machine names
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)]
    scope2 = math.fsum(_reperform_market(rows).values())
    by_scope = {str(r[0]): r[-1] for r in wb["By scope"].iter_rows(min_row=3, values_only=True)}
    assert scope2 == pytest.approx(by_scope["2_market"], rel=1e-9)
    totals = {r[0]: r[2] for r in wb["Totals"].iter_rows(min_row=2, values_only=True)}
    gross = by_scope["1"] + scope2 + by_scope["3"]
    assert gross == pytest.approx(totals["gross_co2e_t_market_based"], rel=1e-9)
    assert gross == pytest.approx(res.total_co2e_market_based, rel=1e-9)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_market_based_scope2_is_re_performed_from_the_printed_table(tmp_path, fmt):
    """The printed table (10 significant digits) re-performs the printed 2_market figure."""
    res = nc.calculate(nc.load_inventory(EXAMPLES / "us-factory" / "inventory.yaml"))
    (written,) = nc.inventory_report(res).write(tmp_path, formats=(fmt,))
    text = written.read_text(encoding="utf-8")
    tables = _md_tables(text) if fmt == "md" else _html_tables(text)
    title = "Scope 2, market-based: contractual instruments and residual mix"
    rows = tables[title]
    # us-factory: 20,110 MWh; 6,000 MWh of certificates, zero emission; the rest on the
    # Green-e residual mix for RFCW (CO2e per MWh): two rows
    assert [r["Part"] for r in rows] == ["contractual instrument", "residual mix"]
    assert [_num(r["Quantity (base unit)"]) for r in rows] == [6000, 14110]
    assert {_num(r["Consumption, total (base unit)"]) for r in rows} == {20110}
    total = 0.0
    for r in rows:
        co2e = _t(_num(r["Value"]), r["Unit"], _num(r["Quantity (base unit)"]), r["Base unit"])
        co2e *= _num(r["Consolidation share"]) * _num(r["GWP-100"])
        assert _num(r["Emissions (t CO2e)"]) == pytest.approx(co2e, abs=5e-4)
        total += co2e
    scope = {r["Key"]: _num(r["Emissions (t CO2e)"]) for r in tables["Emissions by scope"]}
    assert scope["2_market"] == pytest.approx(total, abs=5e-4)


def test_no_market_based_table_without_market_based_data():
    res = nc.calculate(nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml"))
    rep = nc.inventory_report(res)
    assert _MARKET not in rep.tables()
    assert json.loads(rep.to_json())["report"]["market_based_scope2"] == []


def test_market_based_parts_without_a_residual_mix():
    """A source with contracts but no residual mix, and one without market-based data.

    The Berlin office with guarantees of origin for 40 MWh of its 48.6 MWh and no
    market_factor anywhere: the 8,600 kWh left take the location factor (EEA, Germany
    2018, 406 g/kWh; residual_factor_missing), and the common areas (5,400 kWh, no
    market-based data) count at the location factor too.
    """
    data = nc.load_inventory(EXAMPLES / "de-office" / "inventory.yaml").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    for s in data["sources"]:
        s.pop("market_factor", None)
        for c in s.get("contracts", []):
            c["amount"] = 40
    res = nc.calculate(nc.validate_inventory(data))
    assert "residual_factor_missing" in {f.code for f in res.findings}
    rows = json.loads(nc.inventory_report(res).to_json())["report"]["market_based_scope2"]
    parts = [(r["source"], r["part"], r["amount"]) for r in rows]
    assert parts == [
        ("electricity", "contractual instrument", 40_000),
        ("electricity", "residual, location-based factor", 8_600),
        ("common-areas", "location-based factor", 5_400),
    ]
    by_source = _reperform_market(rows)
    assert by_source["electricity"] == pytest.approx(8_600 * 406e-6, rel=1e-9)
    assert by_source["common-areas"] == pytest.approx(5_400 * 406e-6, rel=1e-9)
    assert math.fsum(by_source.values()) == pytest.approx(res.totals()["by_scope"]["2_market"], rel=1e-9)
