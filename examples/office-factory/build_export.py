"""Build suzhou_electricity_2024.xlsx (苏州工厂 能耗月报): the Suzhou factory's electricity, as its ERP exports it.

The workbook is what a Chinese energy-management system writes: a first sheet of notes,
the data on the second sheet under a title row, Chinese headers, the month as an Excel
date cell, the meter number, and a remarks column that is not activity data. Run
``python build_export.py`` to rebuild it (it needs openpyxl: ``pip install openpyxl``);
the inventory reads it with the reading spec in its ``activity_files`` entry. The numbers
are fictitious.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

FILE = Path(__file__).with_name("suzhou_electricity_2024.xlsx")

MONTHLY_KWH = [182_400, 165_950, 190_210, 188_730, 196_480, 204_115,
               211_960, 214_300, 199_870, 193_640, 187_025, 180_320]  # fmt: skip
"""Metered kWh, January to December 2024 (meter EM-SZ-01)."""


def build(path: Path = FILE) -> Path:
    """Write the workbook to *path* and return it."""
    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本表由能源管理系统自动导出（示例数据）"
    notes["A2"] = "用电量单位：千瓦时（kWh）；数据来源：电表 EM-SZ-01 月度抄表"
    ws = wb.create_sheet("用电")
    ws.append(["苏州工厂 2024年 用电量月报"])
    ws.append(["月份", "电表编号", "用电量", "备注"])
    for month, kwh in enumerate(MONTHLY_KWH, start=1):
        ws.append([dt.datetime(2024, month, 1), "EM-SZ-01", kwh, "抄表" if month != 8 else "抄表（8月31日）"])
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm"
    fixed = dt.datetime(2025, 1, 15, 9, 0, 0)  # the same bytes on every build
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "nqi-carbon example"
    wb.save(path)
    return path


if __name__ == "__main__":
    print(build())
