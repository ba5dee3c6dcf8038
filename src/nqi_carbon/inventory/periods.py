"""Reporting-period labels of activity records: a month (2024-01), a quarter (2024-Q1) or a year (2024)."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


_YEAR = re.compile(r"^(\d{4})$")


def _period_bounds(text: str) -> tuple[_dt.date, _dt.date]:
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        end = _dt.date(y + (mo == 12), 1 if mo == 12 else mo + 1, 1)
        return _dt.date(y, mo, 1), end
    if m := _QUARTER.match(text):
        y, q = int(m.group(1)), int(m.group(2))
        start = _dt.date(y, 3 * (q - 1) + 1, 1)
        end = _dt.date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return start, end
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return _dt.date(y, 1, 1), _dt.date(y + 1, 1, 1)
    raise ValueError(text)


def _year_label(value: Any) -> Any:
    # `period: 2024` unquoted in YAML is the year 2024, the label "2024"; other numbers stay
    # numbers and are refused as not a label
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    return value
