"""LMDI-I decomposition of a change in emissions, and intensity indicators."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import CappedIssues, InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

from ..errors import unique_issues
from .read import _NUMBER_ALLOWED, _WHOLE_ISSUE, _plain_number, _read_csv_text, _whole_year

__all__ = ["intensity", "lmdi"]

# -- LMDI -----------------------------------------------------------------------------------
def _logmean(a: float, b: float) -> float:
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


_EMISSIONS_HEADER = r"emissions\s*\[(.+)\]"


_EMISSIONS_ALLOWED = "a mass unit such as t, kt or 10^4 t"


def _lmdi_frame(
    df: pd.DataFrame,
    *,
    label: str,
    emissions_unit: str | None,
    require_unit: bool = False,
    file: str | None = None,
    rows: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, str, list[Issue]]:
    """Check one year's sector table; return it indexed by sector with emissions in t.

    The emissions column is ``emissions [<unit>]`` (the header names the unit) or, when
    the unit need not be declared (the Python API), a plain ``emissions`` column in
    *emissions_unit* (t when None). *rows* are the file's row numbers of the table's rows
    (1, 2, ... when None).
    """
    import pandas as pd

    check = _SectorTableCheck(label=label, file=file)
    cols = [str(c) for c in df.columns]
    missing = [c for c in ("sector", "output", "energy") if c not in cols]
    em_col, unit, declared = check.emissions_column(cols, emissions_unit, require_unit)
    if em_col is None:
        missing.append("emissions [<unit>]")
    if em_col is None or missing:
        check.issues.append(
            Issue(
                "table_columns",
                f"missing column(s) {', '.join(missing)}{check.where}",
                file=file,
                value=repr(cols),
                allowed="sector, output, energy, emissions [<unit>]",
            )
        )
        return pd.DataFrame(), unit, check.issues
    factor = check.tonnes_per_unit(unit, em_col, declared=declared, emissions_unit=emissions_unit)
    row_of = list(rows) if rows is not None else list(range(1, len(df) + 1))
    values, sectors = check.values(df, em_col, factor, row_of)
    check.sectors_once(sectors, row_of, name_rows=rows is not None)
    frame = pd.DataFrame(values, index=pd.Index(sectors, name="sector"))
    return frame, unit, check.issues


class _SectorTableCheck:
    """The checks of one year's sector table, each problem collected in :attr:`issues`.

    *issues* keep at most ``Limits.max_issues`` (the checks run per row, so a flood of
    bad rows stays bounded). A file's header is shared by its years: problems of the
    header are said once, without the year (:attr:`where` is empty for a file).
    """

    def __init__(self, *, label: str, file: str | None) -> None:
        self.label = label
        self.file = file
        self.where = f" ({label})" if label and file is None else ""
        self.issues: list[Issue] = CappedIssues()

    def emissions_column(
        self, cols: list[str], emissions_unit: str | None, require_unit: bool
    ) -> tuple[str | None, str, bool]:
        """The emissions column, its unit, and whether its header declares the unit.

        The column is None unless there is exactly one (``emissions [<unit>]`` or
        ``emissions``); a plain column is refused when *require_unit* (a file).
        """
        import re

        declared = [
            (c, m.group(1).strip())
            for c in cols
            if (m := re.fullmatch(_EMISSIONS_HEADER, c.strip()))
        ]
        plain = "emissions" in cols
        if len(declared) + plain != 1:
            return None, "t", False
        if declared:
            return declared[0][0], declared[0][1], True
        if require_unit:
            self.issues.append(
                Issue(
                    "lmdi_emissions_unit",
                    f"the emissions column does not say its unit{self.where}; name it in the "
                    "header, e.g. 'emissions [t]' or 'emissions [10^4 t]'",
                    file=self.file,
                    field="emissions",
                    allowed=_EMISSIONS_ALLOWED,
                )
            )
            return "emissions", "t", False
        return "emissions", emissions_unit or "t", False

    def tonnes_per_unit(
        self, unit: str, em_col: str, *, declared: bool, emissions_unit: str | None
    ) -> float:
        """The factor from *unit* to t (NaN when it is no mass unit).

        A unit declared in the header must agree with *emissions_unit* when both are given.
        """
        from ..errors import DimensionalityMismatchError, UnknownUnitError
        from ..units import conversion_factor

        factor = math.nan
        try:
            factor = conversion_factor(unit, "t", context="LMDI sector emissions")
            if (
                declared
                and emissions_unit is not None
                and conversion_factor(emissions_unit, "t") != factor
            ):
                self.issues.append(
                    Issue(
                        "lmdi_emissions_unit",
                        f"the header says {unit!r} but emissions_unit={emissions_unit!r}"
                        f"{self.where}",
                        file=self.file,
                        field=em_col,
                        value=repr(emissions_unit),
                        allowed=repr(unit),
                    )
                )
        except (UnknownUnitError, DimensionalityMismatchError) as exc:
            self.issues.append(
                Issue(
                    "lmdi_emissions_unit",
                    str(exc),
                    file=self.file,
                    field=em_col,
                    value=repr(unit),
                    allowed=_EMISSIONS_ALLOWED,
                )
            )
        return factor

    def values(
        self, df: pd.DataFrame, em_col: str, factor: float, row_of: list[int]
    ) -> tuple[dict[str, list[float]], list[str]]:
        """Output, energy and emissions [t] by row (plain numbers >= 0), and the sector names."""
        out: dict[str, list[float]] = {"output": [], "energy": [], "emissions": []}
        sectors: list[str] = []
        of_label = ", " + self.label if self.label else ""
        for k, rec in enumerate(df.to_dict("records")):
            row = row_of[k]
            name = rec["sector"]
            if (
                name is None
                or (isinstance(name, float) and math.isnan(name))
                or not str(name).strip()
            ):
                self.issues.append(
                    Issue(
                        "missing",
                        f"no sector name{self.where}",
                        file=self.file,
                        row=row,
                        field="sector",
                    )
                )
            sectors.append(str(name).strip() if name is not None else "")
            for key, col in (("output", "output"), ("energy", "energy"), ("emissions", em_col)):
                num, problem = _plain_number(rec[col])
                if problem is None and num < 0:
                    problem = "negative"
                if problem is not None:
                    code, msg, allowed = _VALUE_PROBLEMS[problem]
                    self.issues.append(
                        Issue(
                            code,
                            f"{msg} (sector {sectors[-1]!r}{of_label})",
                            file=self.file,
                            row=row,
                            field=col,
                            value=repr(rec[col]),
                            allowed=allowed,
                        )
                    )
                out[key].append(num * factor if key == "emissions" else num)
        return out, sectors

    def sectors_once(self, sectors: list[str], row_of: list[int], *, name_rows: bool) -> None:
        """One row per sector: a repeated sector is a problem (naming its rows when *name_rows*)."""
        seen: dict[str, list[int]] = {}
        for s, row in zip(sectors, row_of, strict=True):
            seen.setdefault(s, []).append(row)
        for s, at in seen.items():
            if len(at) > 1:
                shown = f"{', '.join(map(str, at[:20]))}{' ...' if len(at) > 20 else ''}"
                self.issues.append(
                    Issue(
                        "lmdi_sectors",
                        f"sector {s!r} is given {len(at)} times{self.where}"
                        + (f" (rows {shown})" if name_rows else ""),
                        file=self.file,
                        field="sector",
                        value=repr(s),
                        allowed="one row per sector and year",
                    )
                )


_VALUE_PROBLEMS = {
    "missing": ("missing", "no value", "a number (empty is not 0)"),
    "type": ("float_type", "not a number", _NUMBER_ALLOWED),
    "finite": ("finite_number", "not finite", "a finite number"),
    "negative": ("lmdi_values", "negative", "a number >= 0"),
}
"""Reason code, message and what is allowed, by problem of a sector's value."""


def _sector_sets(b: pd.DataFrame, c: pd.DataFrame, file: str | None = None) -> list[Issue]:
    """The same sectors in both years, and some output in each.

    The activity effect is the logarithm of the ratio of total outputs: a year without
    output has none.
    """
    issues = [
        Issue(
            "lmdi_values",
            f"the total output of the {label} year is 0: the activity and structure effects "
            "are the logarithm of a ratio of total outputs, undefined with a zero",
            file=file,
            field="output",
            value="0",
            allowed="a total output above 0 in both years",
        )
        for label, frame in (("base", b), ("current", c))
        if not float(frame["output"].sum()) > 0
    ]
    if set(b.index) != set(c.index):
        issues.append(
            Issue(
                "lmdi_sectors",
                "both years need the same sectors",
                file=file,
                field="sector",
                value=repr(sorted(set(b.index) ^ set(c.index))),
            )
        )
    return issues


def lmdi(
    base: pd.DataFrame,
    current: pd.DataFrame,
    *,
    emissions_unit: str | None = None,
    small: float = 1e-20,
) -> dict[str, Any]:
    """LMDI-I decomposition of the change in emissions between two years (Ang 2005).

    Each frame has one row per sector with columns ``sector``, ``output`` (activity of
    the sector), ``energy`` and the emissions: either a column ``emissions [<unit>]``
    whose header names the unit (``emissions [t]``, ``emissions [10^4 t]``, ``emissions
    [kt]``), or a plain ``emissions`` column in *emissions_unit* (t when not given).
    With total activity Q, structure S_i = Q_i/Q, energy intensity I_i = E_i/Q_i and
    emission factor F_i = C_i/E_i, ``C = Σ Q·S_i·I_i·F_i``.

    Emissions are converted to t with the unit registry, so the additive effects and
    ``total_change_t`` are in t CO2e whatever the input unit (``unit`` and
    ``emissions_unit`` in the result say so); the additive effects add up exactly to
    C_T − C_0 and the multiplicative ones multiply exactly to C_T / C_0. Zero values are
    replaced by *small* (Ang & Liu 2007), so the identities then hold to within that size.
    """
    b, unit_b, issues = _lmdi_frame(base, label="base", emissions_unit=emissions_unit)
    c, unit_c, more = _lmdi_frame(current, label="current", emissions_unit=emissions_unit)
    issues += more
    if not issues:
        issues = _sector_sets(b, c)
    if issues:
        raise InvalidInputError(issues)
    out = _lmdi_core(b, c, small=small)
    out["emissions_unit"] = unit_b if unit_b == unit_c else f"{unit_b} (base), {unit_c} (current)"
    return out


def _lmdi_core(b: pd.DataFrame, c: pd.DataFrame, *, small: float) -> dict[str, Any]:
    """The decomposition of two checked frames (indexed by sector, emissions in t)."""
    q0, q1 = float(b["output"].sum()), float(c["output"].sum())
    c0_total, c1_total = float(b["emissions"].sum()), float(c["emissions"].sum())
    effects = {"activity": 0.0, "structure": 0.0, "intensity": 0.0, "emission_factor": 0.0}
    logs = dict.fromkeys(effects, 0.0)
    l_total = _logmean(max(c1_total, small), max(c0_total, small))
    for sector in b.index:
        r0, r1 = b.loc[sector], c.loc[sector]
        c0, c1 = max(float(r0["emissions"]), small), max(float(r1["emissions"]), small)
        e0, e1 = max(float(r0["energy"]), small), max(float(r1["energy"]), small)
        o0, o1 = max(float(r0["output"]), small), max(float(r1["output"]), small)
        w = _logmean(c1, c0)
        ratios = {
            "activity": q1 / q0,
            "structure": (o1 / q1) / (o0 / q0),
            "intensity": (e1 / o1) / (e0 / o0),
            "emission_factor": (c1 / e1) / (c0 / e0),
        }
        for k, r in ratios.items():
            effects[k] += w * math.log(r)
            logs[k] += w / l_total * math.log(r)
    return {
        "additive": effects,
        "total_change_t": c1_total - c0_total,
        "unit": "t CO2e",
        "multiplicative": {k: math.exp(v) for k, v in logs.items()},
        "total_ratio": c1_total / c0_total if c0_total else math.inf,
        "method": "LMDI-I (Ang 2005), logarithmic-mean weights",
    }


# -- intensity ------------------------------------------------------------------------------
def intensity(emissions_t: float, denominators: Mapping[str, tuple[float, str]]) -> pd.DataFrame:
    """Emission intensity per named denominator with its unit.

    ``intensity(866_080, {"clinker": (1_052_300, "t"), "revenue": (182_000, "10^4 CNY"),
    "floor area": (12_500, "m^2")})`` gives t CO2e per t of clinker, per 10^4 CNY and per m².
    """
    import pandas as pd

    from ..units import parse_unit

    rows = []
    for name, (value, unit) in denominators.items():
        parse_unit(unit)  # unknown units are refused by name
        if not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > 0
            and math.isfinite(value)
        ):
            raise InvalidInputError(
                [
                    Issue(
                        "denominator",
                        f"{name}: a positive finite amount is needed",
                        value=repr(value),
                    )
                ]
            )
        rows.append(
            {
                "indicator": f"t CO2e per {unit} of {name}",
                "denominator": name,
                "unit": f"t CO2e/({unit})",
                "value": emissions_t / value,
            }
        )
    return pd.DataFrame(rows)


def _read_sectors_csv(path: str) -> dict[str, Any]:
    """LMDI decomposition from a CSV ``year, sector, output, energy, emissions [<unit>]``.

    The header of the emissions column names its unit (``emissions [t]``, ``emissions
    [10^4 t]``, ``emissions [kt]``; any mass unit of :data:`nqi_carbon.ureg`); the values are
    converted to t, so the result (:func:`lmdi`) is in t CO2e. Exactly two years, the same
    sectors in both, one row per sector and year; every problem is raised at once.
    """
    name = str(path)
    allowed = "year, sector, output, energy, emissions [<unit>]"
    df = _read_csv_text(path, allowed=allowed)
    if "year" not in df.columns:
        raise InvalidInputError(
            [
                Issue(
                    "table_columns",
                    "missing column year",
                    file=name,
                    value=repr(list(df.columns)),
                    allowed=allowed,
                )
            ],
            source=name,
        )
    issues: list[Issue] = CappedIssues()  # per row: a flood stays bounded
    by_year: dict[int, list[int]] = {}
    for k, y in enumerate(df["year"]):
        year = _whole_year(y)
        if year is None:
            issues.append(
                Issue(
                    "series_year",
                    "a year is a whole number",
                    file=name,
                    row=k + 1,
                    field="year",
                    value=repr(y),
                    allowed="a whole year such as 2020",
                )
            )
        else:
            by_year.setdefault(year, []).append(k)
    years = sorted(by_year)
    if len(years) != 2:
        issues.append(
            Issue(
                "lmdi_years",
                "the sectors file needs exactly two years",
                file=name,
                field="year",
                value=repr(years),
            )
        )
        raise InvalidInputError(issues, source=name)
    frames = []
    units = []
    for year in years:
        at = by_year[year]
        frame, unit, more = _lmdi_frame(
            df.iloc[at],
            label=str(year),
            emissions_unit=None,
            require_unit=True,
            file=name,
            rows=[k + 1 for k in at],
        )
        frames.append(frame)
        units.append(unit)
        issues = unique_issues([*issues, *more], by=_WHOLE_ISSUE)
    if not issues:
        issues = _sector_sets(frames[0], frames[1], file=name)
    if issues:
        raise InvalidInputError(issues, source=name)
    out = _lmdi_core(frames[0], frames[1], small=1e-20)
    out["emissions_unit"] = units[0]
    out["years"] = years
    return out
