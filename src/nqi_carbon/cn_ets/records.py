"""Monthly records of a power plant (月度信息化存证): the import format and its checks.

A long table (CSV, or one sheet of an Excel workbook), one row per month, generating
unit, fuel and parameter, read through :func:`nqi_carbon._io.tables.read_table` (confined
and bounded like every activity table). Columns:

``month``
    ``YYYY-MM`` of the accounting year.
``unit_id``
    The generating unit (机组) of the plant file; empty for plant-level purchased electricity.
``fuel``
    A fuel of the plant file, for fuel parameters; empty otherwise.
``parameter``
    What the row records (:data:`PARAMETERS`).
``value``, ``uom``
    A plain number and its unit (``t``, ``GJ/t``, ``%``, ``MWh``...).
``basis``
    For ``carbon``: ``ar`` (收到基), ``ad`` (空气干燥基) or ``d`` (干燥基).
``lab``, ``accreditation``, ``report``, ``report_date``, ``sampling``
    For laboratory results: the laboratory, its qualification (``CMA``, ``CNAS``,
    ``CMA+CNAS`` or ``none``), the report number, the report date (ISO) and the sampling
    and preparation method (e.g. ``GB/T 19494.1 机械化采样，月缩分样``).
``evidence``
    The 存证 reference: the scanned, stamped ledger page or report the value is traced to.

Every problem of the file is reported at once, each with file, spreadsheet row (the
header is row 1), column, value and what is allowed.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import CappedIssues, InvalidInputError, Issue

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .._io.files import Written
    from .plant import PowerPlant

__all__ = ["PARAMETERS", "MonthlyRecords", "Parameter", "check_records", "read_monthly_records"]


@dataclass(frozen=True)
class Parameter:
    """A recorded parameter: labels, what it belongs to, its unit and whether it is a fraction."""

    zh: str
    en: str
    scope: str
    """``fuel`` (per unit and fuel), ``unit`` (per generating unit) or ``plant_or_unit``."""
    uom: str
    """Canonical unit (``fuel`` for t or 10^4 Nm3, ``ncv`` for GJ per that)."""
    fraction: bool = False


PARAMETERS: dict[str, Parameter] = {
    "fuel_consumption": Parameter("燃料消耗量", "fuel consumption", "fuel", "fuel"),
    "ncv": Parameter("收到基低位发热量", "net calorific value, as received", "fuel", "ncv"),
    "carbon": Parameter("元素碳含量", "element carbon content", "fuel", "1", True),
    "carbon_content": Parameter("单位热值含碳量", "carbon per unit heat", "fuel", "t/GJ"),
    "moisture_ar": Parameter("收到基全水分", "total moisture, as received", "fuel", "1", True),
    "moisture_ad": Parameter("空气干燥基水分", "moisture, air-dried", "fuel", "1", True),
    "hydrogen": Parameter("氢含量", "hydrogen", "fuel", "1", True),
    "sulphur": Parameter("全硫", "total sulphur", "fuel", "1", True),
    "generation": Parameter("发电量", "electricity generated", "unit", "MWh"),
    "power_supply": Parameter("供电量", "electricity supplied", "unit", "MWh"),
    "heat_supply": Parameter("供热量", "heat supplied", "unit", "GJ"),
    "heat_ratio": Parameter("供热比", "heat supply ratio", "unit", "1", True),
    "load_factor": Parameter("负荷（出力）系数", "load factor", "unit", "1", True),
    "purchased_electricity": Parameter(
        "购入使用电量", "purchased electricity", "plant_or_unit", "MWh"
    ),
}
"""The parameters a monthly record may carry (the 存证 items of the MEE interpretation of
环办气候函〔2022〕111号: fuel consumption, NCV, element carbon, purchased electricity, and
for allocation the electricity and heat supplied and the load factor)."""

COLUMNS = ("month", "unit_id", "fuel", "parameter", "value", "uom")
OPTIONAL = ("basis", "lab", "accreditation", "report", "report_date", "sampling", "evidence")
BASES = ("ar", "ad", "d")
ACCREDITATIONS = ("CMA", "CNAS", "CMA+CNAS", "none")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


@dataclass
class MonthlyRecords:
    """The checked records: one row per (month, unit, fuel, parameter), values in canonical units.

    ``frame`` columns: ``month``, ``unit_id``, ``fuel``, ``parameter``, ``value`` (in the
    ``canonical`` unit), ``written`` (the number as written, in ``uom``), ``uom``,
    ``canonical``, ``basis``, ``lab``, ``accreditation``, ``report``, ``report_date`` (date
    or None), ``sampling``, ``evidence``, ``row`` (spreadsheet row). ``file`` is the file
    read; ``sha256`` the hash of the table as read.
    """

    frame: pd.DataFrame
    file: str
    sha256: str
    _rows: dict[tuple[str, str, str, str], dict[str, Any]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def lookup(self) -> dict[tuple[str, str, str, str], dict[str, Any]]:
        """``(month, unit_id, fuel, parameter)`` -> the row as a mapping (a fresh copy).

        The rows are built from the frame once (the frame is not to be changed after the
        check) and each call returns a new mapping of them.
        """
        if self._rows is None:
            out: dict[tuple[str, str, str, str], dict[str, Any]] = {}
            for rec in self.frame.to_dict("records"):
                row = {str(k): v for k, v in rec.items()}
                out[(row["month"], row["unit_id"], row["fuel"], row["parameter"])] = row
            self._rows = out
        return dict(self._rows)


def read_monthly_records(
    path: str | Path | Written, *, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a monthly records table as text cells (no checks beyond the file's).

    The public entry for a look at the file; :func:`check_records` checks it against a plant.
    """
    from .._io.tables import read_table

    return read_table(path, sheet=sheet)


def _text(v: Any) -> str:
    """A cell as text ('' when empty): Excel numbers as written (2024.0 -> '2024')."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v).strip()


def _number(v: Any) -> float | None:
    """A plain number (Excel number or text like ``12.5`` / ``1e3``); None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    s = str(v).strip()
    x = float(s) if _NUMBER.fullmatch(s) else math.nan
    return x if math.isfinite(x) else None  # '1e400' overflows to inf: not a number here


class _Check:
    """The row checks of one file, every issue collected (at most ``Limits.max_issues`` listed)."""

    def __init__(self, plant: PowerPlant, name: str) -> None:
        self.plant, self.name = plant, name
        self.issues = CappedIssues()
        self.units = {u.id: u for u in plant.units}

    def add(
        self, code: str, message: str, row: int | None, field: str | None, value: Any, allowed: str
    ) -> None:
        self.issues.append(
            Issue(
                code,
                message,
                file=self.name,
                row=row,
                field=field,
                value=None if value is None else repr(value),
                allowed=allowed,
            )
        )

    def header(self, columns: list[str]) -> None:
        missing = [c for c in COLUMNS if c not in columns]
        unknown = [c for c in columns if c not in COLUMNS + OPTIONAL]
        if missing or unknown:
            parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
                [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
            )
            raise InvalidInputError(
                [
                    Issue(
                        "cn_ets_columns",
                        "; ".join(parts),
                        file=self.name,
                        row=1,
                        allowed="columns "
                        + ", ".join(COLUMNS)
                        + " [, "
                        + ", ".join(OPTIONAL)
                        + "]",
                    )
                ],
                source=self.name,
            )

    def row(self, i: int, cells: dict[str, Any]) -> dict[str, Any] | None:
        """One row checked: the record (canonical value), or None when it has problems."""
        row = i + 2
        before = len(self.issues) + sum(self.issues.omitted.values())
        month, unit_id, fuel, param = (
            _text(cells.get(c)) for c in ("month", "unit_id", "fuel", "parameter")
        )
        self._month(month, row)
        p = PARAMETERS.get(param)
        if p is None:
            self.add(
                "cn_ets_parameter",
                "unknown parameter",
                row,
                "parameter",
                param or None,
                ", ".join(PARAMETERS),
            )
        else:
            self._owner(p, param, unit_id, fuel, row)
        value = _number(cells.get("value"))
        if value is None or value < 0:
            raw = cells.get("value")
            self.add(
                "cn_ets_value",
                "empty cell" if _text(raw) == "" else "not a plain number >= 0",
                row,
                "value",
                None if _text(raw) == "" else raw,
                "a number >= 0 written plainly (12.5, 1e3; not '1,000' or text); 0 is a value, an empty cell is not",
            )
        uom = _text(cells.get("uom"))
        converted = None if p is None or value is None else self._uom(p, param, value, uom, row)
        extra = {c: _text(cells.get(c)) for c in OPTIONAL}
        report_date = self._lab(param, extra, row)
        after = len(self.issues) + sum(self.issues.omitted.values())
        if after > before or converted is None:
            return None
        return {
            "month": month,
            "unit_id": unit_id,
            "fuel": fuel,
            "parameter": param,
            "value": converted[0],
            "written": value,
            "uom": uom,
            "canonical": converted[1],
            **extra,
            "report_date": report_date,
            "row": row,
        }

    def _month(self, month: str, row: int) -> None:
        m = _MONTH.fullmatch(month)
        if m is None or int(m.group(1)) != self.plant.year:
            self.add(
                "cn_ets_month",
                "not a month of the accounting year" if m else "not a month written YYYY-MM",
                row,
                "month",
                month or None,
                f"{self.plant.year}-01 to {self.plant.year}-12",
            )

    def _owner(self, p: Parameter, param: str, unit_id: str, fuel: str, row: int) -> None:
        """The row's unit and fuel fit the parameter and the plant file."""
        if unit_id and unit_id not in self.units:
            self.add(
                "cn_ets_unit_unknown",
                "no such generating unit in the plant file",
                row,
                "unit_id",
                unit_id,
                ", ".join(self.units),
            )
            return
        if not unit_id and p.scope != "plant_or_unit":
            self.add(
                "cn_ets_unit_unknown",
                f"{param} is recorded per generating unit",
                row,
                "unit_id",
                None,
                ", ".join(self.units),
            )
            return
        if p.scope == "fuel":
            fuels = self.units[unit_id].fuels if unit_id else ()
            if fuel not in fuels:
                self.add(
                    "cn_ets_fuel_unknown",
                    f"unit {unit_id!r} burns no such fuel (the plant file's units[].fuels)"
                    if fuel
                    else f"{param} is recorded per fuel",
                    row,
                    "fuel",
                    fuel or None,
                    ", ".join(fuels),
                )
        elif fuel:
            self.add(
                "cn_ets_fuel_unknown",
                f"{param} is not recorded per fuel: leave fuel empty",
                row,
                "fuel",
                fuel,
                "an empty cell",
            )

    def _uom(
        self, p: Parameter, param: str, value: float, uom: str, row: int
    ) -> tuple[float, str] | None:
        from ..errors import NqiCarbonError
        from ..units import conversion_factor

        targets = {"fuel": ("t", "10^4 Nm3"), "ncv": ("GJ/t", "GJ/(10^4 Nm3)")}.get(p.uom, (p.uom,))
        for target in targets:
            try:
                x = value * conversion_factor(uom, target)
            except (NqiCarbonError, TypeError):
                continue
            if p.fraction and x > 1:
                self.add(
                    "cn_ets_value",
                    "a mass fraction or ratio lies within 0..100 %",
                    row,
                    "value",
                    value,
                    f"at most 100 % ({value:g} {uom} is {100 * x:g} %)",
                )
                return None
            if param.startswith("moisture") and x >= 1:  # the basis conversion divides by 1 - M
                self.add(
                    "cn_ets_value",
                    "a sample that is all water has no carbon to convert",
                    row,
                    "value",
                    value,
                    "below 100 %",
                )
                return None
            return x, target
        self.add(
            "cn_ets_uom",
            f"not a unit of {p.en}",
            row,
            "uom",
            uom or None,
            " or ".join(targets) + " or a unit convertible to it",
        )
        return None

    def _lab(self, param: str, extra: dict[str, str], row: int) -> _dt.date | None:
        if param == "carbon" and extra["basis"] not in BASES:
            self.add(
                "cn_ets_basis",
                "the basis of a carbon analysis: as received, air-dried or dry",
                row,
                "basis",
                extra["basis"] or None,
                "ar, ad or d",
            )
        if extra["accreditation"] and extra["accreditation"] not in ACCREDITATIONS:
            self.add(
                "cn_ets_accreditation",
                "unknown laboratory qualification",
                row,
                "accreditation",
                extra["accreditation"],
                ", ".join(ACCREDITATIONS),
            )
        text = extra["report_date"]
        if not text:
            return None
        try:
            return (
                _dt.date.fromisoformat(text[:10])
                if len(text) in (10, 19)
                else _dt.date.fromisoformat(text)
            )
        except ValueError:
            self.add(
                "cn_ets_date",
                "not a date",
                row,
                "report_date",
                text,
                "an ISO date such as 2024-02-20",
            )
            return None


def check_records(
    table: pd.DataFrame, plant: PowerPlant, *, name: str, sha256: str
) -> MonthlyRecords:
    """Check a records table against the plant file: every row, duplicates and completeness.

    Raises
    ------
    InvalidInputError
        Every problem at once: bad cells (named by row, column, value and what is
        allowed), duplicate records, months missing, NCV or moisture missing where the
        calculation needs it.
    """
    import pandas as pd

    chk = _Check(plant, name)
    chk.header([str(c) for c in table.columns])
    kept = []
    for i, cells in enumerate(table.to_dict("records")):
        rec = chk.row(i, {str(k): v for k, v in cells.items()})
        if rec is not None:
            kept.append(rec)
    frame = pd.DataFrame(kept, columns=[*COLUMNS, "written", "canonical", *OPTIONAL, "row"])
    if not chk.issues:
        _duplicates(frame, chk)
    if not chk.issues:
        _completeness(frame, plant, chk)
    if chk.issues:
        raise InvalidInputError(chk.issues, source=name)
    return MonthlyRecords(frame.reset_index(drop=True), name, sha256)


def _duplicates(frame: pd.DataFrame, chk: _Check) -> None:
    key = ["month", "unit_id", "fuel", "parameter"]
    dup = frame[frame.duplicated(key, keep=False)]
    for _, g in dup.groupby(key, sort=True):
        rows = [int(r) for r in g["row"]]
        first = g.iloc[0]
        chk.add(
            "cn_ets_record_duplicate",
            f"{first['parameter']} of {first['month']} recorded {len(rows)} times (rows {', '.join(map(str, rows))})",
            rows[1],
            "parameter",
            first["parameter"],
            "one record per month, unit, fuel and parameter (the month's value, weighted over its days or batches)",
        )


def _months(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def _completeness(frame: pd.DataFrame, plant: PowerPlant, chk: _Check) -> None:
    """Every month of every unit and fuel recorded; the parameters the calculation needs present."""
    keys = list(
        zip(frame["month"], frame["unit_id"], frame["fuel"], frame["parameter"], strict=True)
    )
    values = dict(zip(keys, frame["value"], strict=True))
    bases = {k[:3]: b for k, b in zip(keys, frame["basis"], strict=True) if k[3] == "carbon"}
    months = _months(plant.year)

    def missing(unit: str, fuel: str, param: str, within: list[str] = months) -> list[str]:
        return [m for m in within if (m, unit, fuel, param) not in values]

    def positive(unit: str, fuel: str, param: str) -> list[str]:
        return [m for m in months if values.get((m, unit, fuel, param), 0) > 0]

    _ncv_per_consumption_unit(frame, chk)
    _nothing_in_what_burnt(frame, chk)
    for unit in plant.units:
        u = unit.id
        for param in ("generation", "power_supply"):
            _need(chk, missing(u, "", param), param, u, "", "cn_ets_month_missing")
        heat = positive(u, "", "heat_supply")
        _need(
            chk,
            missing(u, "", "heat_ratio", heat),
            "heat_ratio",
            u,
            "",
            "cn_ets_heat_ratio_missing",
        )
        for fuel in unit.fuels:
            fc = "fuel_consumption"
            _need(chk, missing(u, fuel, fc), fc, u, fuel, "cn_ets_month_missing")
            if plant.fuels[fuel].kind != "coal":
                continue
            burnt = positive(u, fuel, fc)
            _need(chk, missing(u, fuel, "ncv", burnt), "ncv", u, fuel, "cn_ets_ncv_missing")
            for moisture, basis in (("moisture_ar", ("ad", "d")), ("moisture_ad", ("ad",))):
                analysed = [m for m in burnt if bases.get((m, u, fuel)) in basis]
                lacking = missing(u, fuel, moisture, analysed)
                _need(chk, lacking, moisture, u, fuel, "cn_ets_moisture_missing")


def _nothing_in_what_burnt(frame: pd.DataFrame, chk: _Check) -> None:
    """A fuel burnt in a month has heat and carbon: its NCV or carbon recorded as 0 is refused.

    0 is a value, not a gap; but 0 GJ/t or 0 % carbon in a fuel that was burnt would make
    the month's emissions 0 (with the high default value too: NCV x default).
    """
    cons = frame[frame["parameter"] == "fuel_consumption"]
    burnt = {
        (m, u, f)
        for m, u, f, v in zip(
            cons["month"], cons["unit_id"], cons["fuel"], cons["value"], strict=True
        )
        if v > 0
    }
    zero = frame[
        frame["parameter"].isin(("ncv", "carbon", "carbon_content")) & (frame["value"] == 0)
    ]
    for r in zero.to_dict("records"):
        if (r["month"], r["unit_id"], r["fuel"]) in burnt:
            chk.add(
                "cn_ets_value",
                f"{r['parameter']} is 0 in a month the fuel was burnt",
                r["row"],
                "value",
                r["written"],
                "a number > 0 when the month's fuel consumption is above 0",
            )


def _ncv_per_consumption_unit(frame: pd.DataFrame, chk: _Check) -> None:
    """A month's NCV is per the unit its fuel consumption is in (GJ/t for t, GJ/(10^4 Nm3) for volume)."""
    cons = frame[frame["parameter"] == "fuel_consumption"]
    fc = dict(
        zip(
            zip(cons["month"], cons["unit_id"], cons["fuel"], strict=True),
            cons["canonical"],
            strict=True,
        )
    )
    for r in frame[frame["parameter"] == "ncv"].to_dict("records"):
        got = fc.get((r["month"], r["unit_id"], r["fuel"]))
        if got is None:
            continue  # the month's missing consumption is reported as such
        want = "GJ/t" if got == "t" else "GJ/(10^4 Nm3)"
        if r["canonical"] != want:
            chk.add(
                "cn_ets_uom",
                f"the month's fuel consumption is in {got}: its NCV is per that unit",
                r["row"],
                "uom",
                r["uom"],
                f"a unit convertible to {want}",
            )


_NEED_TEXT = {
    "cn_ets_month_missing": (
        "no record for",
        "a record for every month of the year (0 is a value: a month without output or fuel is recorded as 0)",
    ),
    "cn_ets_heat_ratio_missing": (
        "heat supplied but no heat ratio in",
        "a heat_ratio record for every month with heat supplied (it allocates the month's emissions to heat)",
    ),
    "cn_ets_ncv_missing": (
        "coal burnt but no net calorific value in",
        "an ncv record for every month with coal burnt: no default NCV is shipped (none could be confirmed)",
    ),
    "cn_ets_moisture_missing": (
        "carbon analysed on a dry or air-dried basis but no moisture to convert it in",
        "moisture_ar (and for the air-dried basis moisture_ad) in the month of the analysis",
    ),
}


def _need(chk: _Check, months: list[str], param: str, unit_id: str, fuel: str, code: str) -> None:
    if not months:
        return
    what, allowed = _NEED_TEXT[code]
    owner = f"unit {unit_id!r}" + (f", fuel {fuel!r}" if fuel else "")
    chk.add(
        code, f"{param}: {what} {', '.join(months)} ({owner})", None, "parameter", param, allowed
    )
