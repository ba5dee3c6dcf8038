"""China's national carbon market: the annual emission report and its verification (核查).

For key emitting units (重点排放单位) of the four sectors of the national market:

* :func:`annual_report` — the report of any sector, as the plant file's ``sector`` says;
* :func:`power_plant_report` — a power plant under the MEE power-generation guideline: monthly
  coal with measured element carbon and the high default value for a month without a
  valid analysis, other fuels, purchased electricity at the year's grid factor, the
  electricity and heat supplied and their emission intensities, the monthly records and
  their evidence (月度信息化存证);
* :func:`sector_report` — a cement (clinker), iron-and-steel (carbon balance) or aluminium
  (anodes and PFCs) plant, electricity and heat sent out and CO2 recovered deducted;
* :func:`verification_report` — the 核查 report: reported against verified figures and the
  non-conformities (不符合项);
* :func:`read_monthly_records` — a look at a monthly records file as read.

Reports are written as Markdown and HTML (Chinese, or English beside it), Excel and JSON.
The rules applied, the editions of the guidelines and how each was confirmed are in
:mod:`nqi_carbon.cn_ets.rules`; every number comes from a factor pack or the plant's own
file. See ``docs/how-to/china-ets.md``.

>>> import nqi_carbon.cn_ets as cn
>>> rep = cn.power_plant_report("examples/cn-power/plant.yaml")  # doctest: +SKIP
>>> rep.write("out")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .records import read_monthly_records
from .report import CnReport, PowerPlantReport, SectorReport
from .verification import CnVerification, verification_report

_R = TypeVar("_R", PowerPlantReport, SectorReport)

if TYPE_CHECKING:
    import pandas as pd

    from ..pages.labels import Language
    from .plant import PowerPlant, SectorPlant

__all__ = [
    "CnReport",
    "CnVerification",
    "PowerPlantReport",
    "SectorReport",
    "annual_report",
    "power_plant_report",
    "read_monthly_records",
    "sector_report",
    "verification_report",
]


def annual_report(
    plant: str | Path | dict[str, Any],
    *,
    records: str | Path | pd.DataFrame | None = None,
    language: Language | None = None,
) -> CnReport:
    """The annual emission report of a key emitting unit of any sector (the plant file's ``sector``).

    A power plant gives a :class:`PowerPlantReport` (:func:`power_plant_report`), a cement,
    steel or aluminium plant a :class:`SectorReport` (:func:`sector_report`).
    """
    from .plant import PowerPlant, load_plant

    p, name, digest = load_plant(plant)
    if isinstance(p, PowerPlant):
        return _power(p, name, digest, records, language)
    if records is not None:
        raise _wrong_sector(name, p.sector, "records=", "the plant file's own quantities")
    return _sector(p, name, digest, language)


def power_plant_report(
    plant: str | Path | dict[str, Any],
    *,
    records: str | Path | pd.DataFrame | None = None,
    language: Language | None = None,
) -> PowerPlantReport:
    """The annual emission report of a power plant (MEE power-generation guideline).

    Parameters
    ----------
    plant : path or mapping
        The plant file (``schema: nqi-carbon/cn-ets@1``, ``sector: power``).
    records : path or DataFrame, optional
        The monthly records (a path is read as given, within the active sandbox). By
        default the file the plant file names (``records:``), read from the plant file's
        folder and confined to it (or to the active sandbox's folders).
    language : {"zh", "en", "en+zh"}, optional
        The report's language (default: the plant file's ``language``, else Chinese).

    Raises
    ------
    InvalidInputError
        Every problem of the plant file, then every problem of the records (file, row,
        column, value, what is allowed), then what the calculation cannot do (an
        unsupported accounting year, a coal month without a valid analysis and no high
        default named, a pack fuel or factor that does not resolve).
    """
    from .plant import PowerPlant, load_plant

    p, name, digest = load_plant(plant)
    if not isinstance(p, PowerPlant):
        raise _wrong_sector(name, p.sector, "power_plant_report", "sector_report")
    return _power(p, name, digest, records, language)


def sector_report(
    plant: str | Path | dict[str, Any], *, language: Language | None = None
) -> SectorReport:
    """The annual emission report of a cement, iron-and-steel or aluminium plant.

    Raises
    ------
    InvalidInputError
        Every problem of the plant file (field, value, what is allowed), then what the
        calculation cannot do (a unit that does not convert, a fraction above 100 %, a
        negative carbon balance, a pack fuel or factor that does not resolve).
    """
    from .plant import SectorPlant, load_plant

    p, name, digest = load_plant(plant)
    if not isinstance(p, SectorPlant):
        raise _wrong_sector(name, p.sector, "sector_report", "power_plant_report")
    return _sector(p, name, digest, language)


def _power(
    p: PowerPlant,
    name: str | None,
    digest: str,
    records: str | Path | pd.DataFrame | None,
    language: Language | None,
) -> PowerPlantReport:
    import hashlib

    from .._io.files import written_path
    from ..data.factors import default_registry
    from .power import calculate_power
    from .records import check_records
    from .rules import power_edition

    edition = power_edition(p.year, file=name)
    if records is None or isinstance(records, str | Path):
        target: Any = (
            written_path(p.records, source_path=name, field="records")
            if records is None
            else Path(records)
        )
        table, rec_name = read_monthly_records(target), str(target)
    else:
        table, rec_name = records, "records"
    # the records as read (what was checked), hashed the same way whatever their form
    rec_sha = hashlib.sha256(table.to_csv(index=False).encode("utf-8")).hexdigest()
    checked = check_records(table, p, name=rec_name, sha256=rec_sha)
    result = calculate_power(p, checked, edition, default_registry(), file=name)
    sha = hashlib.sha256(f"{digest}:{rec_sha}".encode()).hexdigest()
    return _bounded(PowerPlantReport(result, file=name, sha256=sha, language=language), name)


def _sector(
    p: SectorPlant, name: str | None, digest: str, language: Language | None
) -> SectorReport:
    from ..data.factors import default_registry
    from .sectors import calculate_sector

    result = calculate_sector(p, default_registry(), file=name)
    return _bounded(SectorReport(result, file=name, sha256=digest, language=language), name)


def _bounded(report: _R, name: str | None) -> _R:
    """*report*, unless a figure of it overflows double precision (``result_magnitude``).

    Each stated amount is finite, yet their product can exceed 1e308 (a consumption of
    1e308 t): such a report would print ``inf`` (or nothing) as the emissions.
    """
    from ..calc.pipeline import RESULT_LIMIT_T
    from ..errors import InvalidInputError, Issue

    issues = [
        Issue(
            "result_magnitude",
            f"the figure {key} is too large to compute (it overflows double precision); "
            "check the amounts and units",
            file=name,
            field=key,
            value=repr(v),
            allowed=f"results below {RESULT_LIMIT_T:g} t",
        )
        for key, v in report.figures().items()
        if v is not None and not abs(v) < RESULT_LIMIT_T
    ]
    if issues:
        raise InvalidInputError(issues, source=name)
    return report


def _wrong_sector(name: str | None, sector: str, called: str, use: str) -> Exception:
    from ..errors import InvalidInputError, Issue

    return InvalidInputError(
        [
            Issue(
                "cn_ets_schema",
                f"{called} does not apply to a {sector} plant; use {use}",
                file=name,
                field="sector",
                value=repr(sector),
                allowed="power" if called.startswith("power") else "cement, steel, aluminium",
            )
        ],
        source=name,
    )
