"""One rule for tonnes on every page: tables and headline boxes alike (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.pages.format import _cell, tonnes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (866079.6622663637, "t CO2e", "866,079.662 t CO2e"),  # three decimals, thousands commas
        (1234567.0, "t CO2e", "1,234,567.000 t CO2e"),
        (0.0, "t CO2", "0.000 t CO2"),  # zero is zero, never "0.0" beside "0.000"
        (0.0466, "t CO2", "0.0466 t CO2"),  # below 0.1 t: three significant digits
        (0.00063, "t CO2e", "0.00063 t CO2e"),
        (-36230.33773363626, "t CO2e", "-36,230.338 t CO2e"),
    ],
)
def test_tonnes_rule(value: float, unit: str, text: str) -> None:
    assert tonnes(value, unit) == text
    assert _cell(value, "co2e_t") + " " + unit == text  # the tables' rule is the same


def test_headline_boxes_use_the_table_rule() -> None:
    res = nc.calculate(nc.load_inventory(EXAMPLES / "office" / "inventory.yaml"))
    html = nc.inventory_report(res).to_html()
    gross = res.totals()["gross_co2e_t"]
    assert f"<b>{tonnes(gross)}</b>" in html
    assert f"<b>{gross:,.3f} t CO2e</b>" in html  # three decimals, as in the tables
    assert "<b>0.000 t CO2</b>" in html  # biogenic CO2: zero with the tables' three decimals
