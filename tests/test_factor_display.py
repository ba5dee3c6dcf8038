"""Factor search results, factors and fuels display compactly (issue 21).

A search for ``diesel`` used to repr as about a megabyte of dataclass fields; the values
below are the published ones (IPCC 2006 Vol. 2 Table 2.2; NDRC 2013 guideline defaults).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

import nqi_carbon as nc
from nqi_carbon.data.display import HTML_ROWS, REPR_ITEMS, SearchResults


@pytest.fixture(scope="module")
def reg():
    return nc.FactorRegistry()


def test_a_big_search_has_a_short_repr_naming_the_first_items(reg):
    found = reg.search("diesel")
    assert len(found) > 100
    text = repr(found)
    assert len(text) < 3000
    lines = text.splitlines()
    assert lines[0] == f"SearchResults({len(found)} items, best first: ["
    assert lines[1] == f"  {found[0]!r},"
    assert lines[-2] == f"  … {len(found) - REPR_ITEMS} more"
    assert len(lines) == REPR_ITEMS + 3


def test_search_results_are_still_the_plain_list(reg):
    found = reg.search("diesel", region="GLOBAL")
    assert isinstance(found, list) and isinstance(found, SearchResults)
    assert found == list(found) and all(isinstance(f, nc.Factor) for f in found)
    assert isinstance(reg.search_fuels("diesel"), SearchResults)
    assert isinstance(reg.search_all("diesel"), SearchResults)


def test_a_factor_repr_is_one_line_with_its_values(reg):
    f = reg.resolve("ipcc-2006/stationary/gas_diesel_oil")
    assert repr(f) == (
        "Factor('ipcc-2006/stationary/gas_diesel_oil', "
        "'Gas/Diesel Oil, stationary combustion in the energy industr…', "
        "CO2 74100 kg/TJ; CH4 3 kg/TJ; N2O 0.6 kg/TJ, region GLOBAL, 2006–)"
    )


def test_a_fuel_repr_is_one_line_with_its_parameters(reg):
    (fuel,) = [f for f in reg.search_fuels("diesel") if f.ref == "cn-mee/fuel/diesel"]
    assert repr(fuel) == (
        "Fuel('cn-mee/fuel/diesel', 'Diesel 柴油', "
        "ncv 42.652 GJ/t; carbon_content 0.0202 t/GJ; oxidation 0.98)"
    )


def test_the_notebook_table_has_a_row_per_item_up_to_its_limit(reg):
    found = reg.search("diesel")
    page = found._repr_html_()
    assert page.count("<tr>") == 1 + HTML_ROWS
    assert f"{len(found) - HTML_ROWS} more not shown (the list holds all {len(found)})" in page
    assert "<td>ipcc-2006/stationary/gas_diesel_oil</td><td>factor</td>" in page
    assert (
        "<td>CO2 74100 kg/TJ; CH4 3 kg/TJ; N2O 0.6 kg/TJ</td><td>TJ</td><td>GLOBAL 2006–</td>"
        in page
    )
    assert len(page) < 20_000

    few = reg.search_all("diesel", region="CN")
    assert 0 < len(few) < HTML_ROWS
    small = few._repr_html_()
    assert small.count("<tr>") == 1 + len(few) and "more not shown" not in small


def test_nothing_found_says_so(reg):
    none = reg.search("no such factor anywhere")
    assert repr(none) == "SearchResults([]): nothing found"
    assert none._repr_html_() == "<p><i>Nothing found.</i></p>"


def test_names_from_a_pack_are_escaped_in_the_table_and_kept_on_one_line(reg):
    f = reg.resolve("ipcc-2006/stationary/gas_diesel_oil")
    name = "<script>alert(1)</script>\nline\u202eevil"
    hostile = dataclasses.replace(f, entry=f.entry.model_copy(update={"name": name}))
    page = SearchResults([hostile])._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\u202e" not in page and "\\u202e" in page
    text = repr(hostile)
    assert "\n" not in text and "\u202e" not in text
    assert re.search(r"'<script>alert\(1\)</script> line\\\\u202eevil'", text)
