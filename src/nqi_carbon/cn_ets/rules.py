"""The rules of China's national carbon market that this package applies, and where they come from.

Every *value* the rules use (the grid factor, the high default carbon content, the heat
factor) lives in a factor pack (``emission_factors/cn-mee.yaml``) with its citation; this
module holds what is not a value: which edition of a Ministry of Ecology and Environment
(MEE) guideline governs which accounting year, the stoichiometric ratios, the 40-day rule
for laboratory reports and which laboratories count.

How each rule was confirmed is stated beside it (``status``). No MEE guideline text could
be read for this package (the Ministry's pages were not available); where a rule rests on
a transcription of the Ministry's own interpretation, or on a secondary report, it says so,
and the reports print it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    from ..data.factors import Factor, FactorRegistry, Fuel

__all__ = [
    "ACCREDITED",
    "CAO_TO_CO2",
    "C_TO_CO2",
    "MGO_TO_CO2",
    "POWER_EDITIONS",
    "Edition",
    "carbon_per_gj",
    "co2_per",
    "grid_factor_for",
    "lab_report_due",
    "power_edition",
    "resolved",
]

C_TO_CO2 = 44.0 / 12.0
"""Molar mass of CO2 over that of carbon (44/12): t CO2 per t C, in every guideline formula."""

CAO_TO_CO2 = 44.0 / 56.0
"""t CO2 released per t CaO formed from CaCO3 (molar masses 44/56): the clinker method."""

MGO_TO_CO2 = 44.0 / 40.0
"""t CO2 released per t MgO formed from MgCO3 (molar masses 44/40): the clinker method."""

ACCREDITED = frozenset({"CMA", "CNAS", "CMA+CNAS"})
"""Laboratory qualifications whose carbon analyses count as measured.

MEE interpretation of 环办气候函〔2022〕111号, section 二（三）: from April 2022 the
element-carbon report comes, within 40 days of the month's end, from a testing body with
CMA qualification (中国计量认证) or CNAS accreditation, stamped with its mark, and states the
sample's element carbon, net calorific value, hydrogen, total sulphur and moisture.
Status: a transcription of the Ministry's interpretation (GitHub
Montana0101/carbon-neutrality-new, ``src/page/consult/sub/sub7.js``); the notice itself
was not read.
"""

LAB_REPORT_DAYS = 40
"""Days after a month's end by which its laboratory report and records are due (same source)."""


def lab_report_due(month: str) -> _dt.date:
    """The last day a laboratory report for *month* (``YYYY-MM``) may carry: month end + 40 days.

    "每月结束后的40日内": the day the month ends is not counted (PRC Civil Code Art. 201:
    a period counted in days starts on the next day), so January's report is due by
    12 March in a common year.
    """
    year, mon = (int(x) for x in month.split("-"))
    first_next = _dt.date(year + mon // 12, mon % 12 + 1, 1)
    return first_next - _dt.timedelta(days=1) + _dt.timedelta(days=LAB_REPORT_DAYS)


@dataclass(frozen=True)
class Edition:
    """One edition of an MEE accounting guideline and the accounting years it governs.

    Attributes
    ----------
    key : str
        Short name used in files and reports (``mee-power-2022``).
    title : tuple of str
        (English, Chinese) title.
    document : str
        The document number of the notice that issued or applies it.
    url : str
        Where to find it: the Ministry's page when known, else its portal.
    years : tuple of int
        First and last accounting year this package applies it to.
    status : str
        How the edition and its years were confirmed (and what was not).
    """

    key: str
    title: tuple[str, str]
    document: str
    url: str
    years: tuple[int, int]
    status: str


POWER_EDITIONS: tuple[Edition, ...] = (
    Edition(
        key="mee-power-2022",
        title=(
            "Guideline for enterprise GHG emission accounting and reporting: power generation "
            "facilities (2022 edition, as applied from the 2023 reporting round)",
            "《企业温室气体排放核算与报告指南 发电设施》（2022年版，2023年起的报告年度适用）",
        ),
        document="环办气候函〔2022〕485号; applied by 环办气候函〔2023〕43号",
        url="https://www.mee.gov.cn/",
        years=(2023, 2025),
        status=(
            "Not read here. The document number 485号 for this title is from one repository "
            "listing of MEE guidelines; 43号 (7 Feb 2023) governs the 2023-2025 reporting of "
            "power-generation enterprises (chinaeucn.com; the cn-mee pack's reference "
            "mee-2023-43). The April 2022 revision (发电设施（2022年修订版）, attached to "
            "环办气候函〔2022〕111号) introduced the monthly CMA/CNAS carbon analyses and the "
            "monthly evidence (月度信息化存证) applied here (MEE interpretation, transcribed). "
            "MEE announced an update of the guideline's technical requirements on 2026-06-30 "
            "(https://www.cets.org.cn/tzgg/7390.jhtml; per a May 2026 consultation it changes "
            "the coal oxidation rate by boiler type and altitude and drops purchased "
            "electricity, from the 2026 accounting year): accounting year 2026 and later are "
            "not supported. Whether the 2025 accounting year (reported in 2026) follows this "
            "edition was not confirmed."
        ),
    ),
)
"""Editions of the power-generation guideline this package can apply, by accounting year."""


def power_edition(year: int, *, file: str | None = None) -> Edition:
    """The edition of the power guideline for accounting *year*, or an error saying which years work."""
    for ed in POWER_EDITIONS:
        if ed.years[0] <= year <= ed.years[1]:
            return ed
    spans = ", ".join(f"{e.years[0]}-{e.years[1]} ({e.key})" for e in POWER_EDITIONS)
    raise InvalidInputError(
        [
            Issue(
                "cn_ets_year_unsupported",
                f"no edition of the MEE power-generation guideline is implemented for {year}: "
                + (
                    "the 2026 update (cets.org.cn/tzgg/7390) changes the coal oxidation rate and "
                    "drops purchased electricity, and its text was not available"
                    if year >= 2026
                    else "the 2021 edition (环办气候〔2021〕9号) and the April 2022 revision apply "
                    "to earlier years, with other substitution rules, and are not implemented"
                ),
                file=file,
                field="year",
                value=repr(year),
                allowed=f"an accounting year in {spans}",
            )
        ],
        source=file,
    )


def co2_per(
    factor: Factor, unit: str, *, field: str, issues: list[Issue], file: str | None
) -> float | None:
    """A factor's CO2 in t per *unit* of activity (``MWh``, ``GJ``).

    A factor without a CO2 value, or with one per another kind of quantity (per tonne of
    fuel, per passenger-km), is a ``cn_ets_factor`` issue at *field* and None is returned.
    """
    from ..errors import NqiCarbonError
    from ..units import conversion_factor

    g = (factor.entry.gases or {}).get("CO2")
    problem = f"{factor.ref} states no CO2 value" if g is None else ""
    if g is not None:
        try:
            return g.value * conversion_factor(g.unit, "t", per=unit)
        except NqiCarbonError as exc:
            problem = f"{factor.ref}: CO2 in {g.unit} is not per {unit}: {exc}"
    issues.append(
        Issue(
            "cn_ets_factor",
            problem,
            file=file,
            field=field,
            value=repr(factor.ref),
            allowed=f"a factor with CO2 in a mass per {unit} (energy), e.g. "
            + ("cn-mee/grid/national/2022" if unit == "MWh" else "cn-mee/heat/purchased"),
        )
    )
    return None


def carbon_per_gj(fuel: Fuel) -> float:
    """A pack fuel's carbon content per unit heat in t C/GJ."""
    from ..units import conversion_factor

    cc = fuel.entry.carbon_content
    assert cc is not None
    return cc.value * conversion_factor(cc.unit, "t/GJ")


def resolved(
    registry: FactorRegistry,
    ref: str,
    *,
    fuel: bool,
    field: str,
    allowed: str,
    issues: list[Issue],
    file: str | None,
) -> Any:
    """The pack fuel (*fuel*) or factor *ref* names, or None with a ``cn_ets_factor`` issue at *field*.

    The issue carries the registry's message (with its close matches).
    """
    from ..errors import NqiCarbonError

    try:
        return registry.resolve_fuel(ref) if fuel else registry.resolve(ref)
    except NqiCarbonError as exc:
        issue = Issue(
            "cn_ets_factor", str(exc), file=file, field=field, value=repr(ref), allowed=allowed
        )
        issues.append(issue)
        return None


def grid_factor_for(
    registry: FactorRegistry,
    year: int,
    ref: str | None,
    *,
    file: str | None = None,
    field: str = "grid_factor",
) -> Factor:
    """The national carbon-market grid factor for accounting *year*, or the one *ref* names.

    Without *ref*, the ``cn-mee/grid/national/*`` factor whose validity covers *year* (the
    pack states the rule: the factor the latest MEE notice names for that year). A
    factor in t CO2/MWh is required either way.
    """
    from ..data.factors import _covers_year

    if ref is not None:
        issues: list[Issue] = []
        allowed = "a factor of a pack, e.g. cn-mee/grid/national/2022"
        factor: Factor | None = resolved(
            registry, ref, fuel=False, field=field, allowed=allowed, issues=issues, file=file
        )
        if factor is None:
            raise InvalidInputError(issues, source=file)
        return factor
    pack = registry.pack("cn-mee")
    found = [
        f
        for fid, f in sorted(pack.factors.items())
        if fid.startswith("grid/national/") and _covers_year(f.entry, year)
    ]
    if len(found) != 1:
        raise InvalidInputError(
            [
                Issue(
                    "cn_ets_factor",
                    f"the cn-mee pack has {'no' if not found else 'more than one'} national "
                    f"carbon-market grid factor for {year}",
                    file=file,
                    field=field,
                    value=repr(year),
                    allowed="name the factor the MEE notice for that year gives: "
                    "grid_factor: <pack>/<factor-id>",
                )
            ],
            source=file,
        )
    return found[0]
