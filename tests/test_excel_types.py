"""The report workbook holds dates as dates and numbers as numbers (issue 21)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon._escape import EXCEL_DATE, EXCEL_DATETIME, excel_append

pytestmark = pytest.mark.excel
openpyxl = pytest.importorskip("openpyxl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _cement_workbook() -> object:
    res = nc.calculate(nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml"))
    data = nc.inventory_report(res)._render(["xlsx"])["report.xlsx"]
    return openpyxl.load_workbook(io.BytesIO(data))


def _column(ws: object, key: str) -> list[object]:
    """The cells of the column whose machine name (row 2) is *key*, from row 3."""
    keys = [c.value for c in ws[2]]  # type: ignore[index]
    col = keys.index(key) + 1
    return [ws.cell(row=r, column=col) for r in range(3, ws.max_row + 1)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sheet", "key", "first"),
    [
        # examples/cement/instruments.csv and lab_analyses.csv
        ("Instruments", "calibrated_on", {dt.date(2023, 3, 2), dt.date(2023, 12, 18)}),
        ("Instruments", "calibration_due", {dt.date(2024, 12, 18), dt.date(2025, 1, 5)}),
        ("Lab analyses", "report_date", {dt.date(2025, 1, 20)}),
    ],
)
def test_table_dates_are_date_cells(sheet: str, key: str, first: set[dt.date]) -> None:
    cells = [c for c in _column(_cement_workbook()[sheet], key) if c.value is not None]
    assert cells
    for cell in cells:
        assert isinstance(cell.value, dt.datetime), (sheet, key, cell.value)
        assert cell.number_format == EXCEL_DATE
        assert cell.is_date
    assert first <= {c.value.date() for c in cells}


def test_generated_date_is_a_date_cell_and_numbers_are_numbers() -> None:
    wb = _cement_workbook()
    prov = {r[0].value: r[1] for r in wb["Provenance"].iter_rows(min_row=2)}
    assert prov["generated"].is_date and prov["generated"].number_format == EXCEL_DATE
    # examples/cement/inventory.yaml: period 2024-01-01 to 2025-01-01 (end exclusive)
    assert prov["period_start"].value == dt.datetime(2024, 1, 1)
    assert prov["period_end_exclusive"].value == dt.datetime(2025, 1, 1)
    assert (
        prov["period_start"].number_format
        == prov["period_end_exclusive"].number_format
        == EXCEL_DATE
    )
    totals = {r[0].value: r[2] for r in wb["Totals"].iter_rows(min_row=2)}
    assert totals["base_year"].value == 2020
    assert isinstance(totals["gross_co2e_t"].value, float)
    assert totals["gross_co2e_t"].number_format == "#,##0.000###"


def test_excel_append_types_dates_and_keeps_text_text() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    when = dt.datetime(2025, 1, 2, 3, 4, 5)
    excel_append(ws, [dt.date(2025, 1, 2), when, "2025-01-02", "=1+1", 3.5])
    d, t, text, formula, number = ws[1]
    assert d.is_date and d.number_format == EXCEL_DATE
    assert t.is_date and t.number_format == EXCEL_DATETIME and t.value == when
    assert text.data_type == "s" and text.value == "2025-01-02"
    assert formula.data_type == "s" and formula.quotePrefix
    assert number.data_type == "n" and number.value == 3.5


def test_cn_ets_lab_report_dates_are_date_cells(tmp_path: Path) -> None:
    from nqi_carbon.cli import main

    out = tmp_path / "cn"
    assert main(["cn-ets", str(EXAMPLES / "cn-power" / "plant.yaml"), "--out", str(out)]) in (
        0,
        None,
    )
    cells = [
        c
        for c in _column(
            openpyxl.load_workbook(out / "cn-ets-report.xlsx")["Monthly records"], "report_date"
        )
        if c.value is not None
    ]
    assert cells
    assert all(c.is_date and c.number_format == EXCEL_DATE for c in cells)
    # examples/cn-power/monthly-records.csv: the January coal analysis, report dated 2024-02-19
    assert dt.datetime(2024, 2, 19) in {c.value for c in cells}
