"""PACT v3 product footprints: export a footprint, import supplier footprints.

The WBCSD *Partnership for Carbon Transparency* (PACT) Technical Specifications v3
(the version this module writes is :data:`PACT_SPEC_VERSION`, 3.0.3 of 18 November 2025)
define the ``ProductFootprint`` that buyers ask their suppliers for.

- :func:`to_pact` / :func:`write_pact` turn a footprint into a ``ProductFootprint``:
  numbers as the decimal text v3 asks for, per one PACT declared unit (a footprint per
  tonne is written per ``kilogram``), the id a UUID derived from the content. A field
  PACT requires that the footprint does not state is refused (``pact_field_unknown``),
  never invented.
- :func:`read_pact` reads a PACT file (one ``ProductFootprint`` or an API response
  ``{"data": ...}``) with the bounded, confined reader, checks every footprint against
  the v3 data model (:data:`PRODUCT_FOOTPRINT`, written from the specification's
  ``components/schemas/ProductFootprint``) and turns each into the supplier-footprint
  input of the footprint model; :func:`resolve_pact_reference` does so for a footprint
  file's ``supplier_footprint: {pact: file.json, id: ...}``.

The tests check every export against the official schema (``openapi.yaml`` of
``wbcsd/data-exchange-protocol``, tag ``v3.0.3``, kept in ``tests/data/pact/``) and that
the official examples read. This module implements the specification; it is a
*Separate Derivative* of the PACT Technical Specifications, (c) World Business Council
for Sustainable Development (WBCSD), see ``docs/how-to/pact-exchange.md``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import CappedIssues, InvalidInputError, Issue, unique_issues

if TYPE_CHECKING:
    from .._io.files import Written

__all__ = [
    "EXPORT_KEYS",
    "PACT_SPEC_VERSION",
    "PACT_UNITS",
    "PRODUCT_FOOTPRINT",
    "product_footprint",
    "read_pact",
    "read_product_footprints",
    "resolve_pact_inputs",
    "resolve_pact_reference",
    "select_footprint",
    "supplier_footprint",
    "to_pact",
    "write_pact",
]

PACT_SPEC_VERSION = "3.0.3"
"""The PACT Technical Specifications version an export declares (``specVersion``)."""

PACT_UNITS: dict[str, str] = {
    "kilogram": "kg",
    "liter": "l",
    "cubic meter": "m3",
    "square meter": "m^2",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "t*km",
    "hour": "h",
}
"""PACT ``declaredUnitOfMeasurement`` -> the unit string of a supplier footprint.

``piece`` and ``megabit second`` have no unit in nqi-carbon's unit grammar; a supplier
footprint declared in them is refused (``pact_declared_unit``)."""

_EXPORT_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("kilogram", Decimal(1)),
    "g": ("kilogram", Decimal("0.001")),
    "t": ("kilogram", Decimal(1000)),
    "l": ("liter", Decimal(1)),
    "L": ("liter", Decimal(1)),
    "ml": ("liter", Decimal("0.001")),
    "m3": ("cubic meter", Decimal(1)),
    "m^2": ("square meter", Decimal(1)),
    "m2": ("square meter", Decimal(1)),
    "kWh": ("kilowatt hour", Decimal(1)),
    "MWh": ("kilowatt hour", Decimal(1000)),
    "MJ": ("megajoule", Decimal(1)),
    "GJ": ("megajoule", Decimal(1000)),
    "t*km": ("ton kilometer", Decimal(1)),
    "tkm": ("ton kilometer", Decimal(1)),
    "h": ("hour", Decimal(1)),
}
"""A footprint's declared unit -> (PACT unit, how many PACT units one declared unit is)."""

_MASS_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "t": Decimal(1000)}
_MASSLESS = {"kWh", "MWh", "MJ", "GJ", "t*km", "tkm", "h"}  # PACT: mass 0 (energy, transport)

_NAMESPACE = uuid.UUID("5b0c2b6e-8a53-5c4e-9d6b-6e71632d7061")
"""The namespace of the UUIDs derived from an export's content (uuid5)."""

_MAX_DECIMAL_CHARS = 64


# -- the v3 data model (components/schemas/ProductFootprint) ---------------------------------


def _custom(code: str, expected: str) -> PydanticCustomError:
    return PydanticCustomError(code, "not {expected}", {"expected": expected})


_DECIMAL_RE = re.compile(r"[+-]?\d+(\.\d+)?")
_DECIMAL_KINDS: dict[str, tuple[str, Callable[[Decimal], bool]]] = {
    "any": ('a decimal number written as text ("-1.5")', lambda d: True),
    "positive": ('a decimal > 0 written as text ("12.5")', lambda d: d > 0),
    "non_negative": ('a decimal >= 0 written as text ("0.35")', lambda d: d >= 0),
    "non_positive": ('a decimal <= 0 written as text ("-1.61")', lambda d: d <= 0),
    "percent": ('a percentage from 0 to 100 written as text ("12.9")', lambda d: 0 <= d <= 100),
    "dqr": ('a data quality rating from 1 to 5 written as text ("1.5")', lambda d: 1 <= d <= 5),
}


def _decimal(kind: str) -> Any:
    """Decimal text of a kind: v3 writes numbers as strings (``"0.384"``), never as numbers."""
    expected, fits = _DECIMAL_KINDS[kind]

    def check(text: str) -> str:
        if len(text) > _MAX_DECIMAL_CHARS or not _DECIMAL_RE.fullmatch(text):
            raise _custom("pact_decimal", f"{expected}, at most {_MAX_DECIMAL_CHARS} characters")
        if not fits(Decimal(text)):
            raise _custom("pact_decimal_range", expected)
        return text

    return Annotated[str, AfterValidator(check)]


def _text(
    code: str, pattern: str, expected: str, parse: Callable[[str], object] | None = None
) -> Any:
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not compiled.fullmatch(text):
            raise _custom(code, expected)
        if parse is not None:
            try:
                parse(text)
            except ValueError:
                raise _custom(code, expected) from None
        return text

    return Annotated[str, AfterValidator(check)]


_DATETIME = _text(
    "pact_datetime",
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})",
    'a date and time with its offset (RFC 3339: "2024-12-31T00:00:00Z")',
    lambda t: _moment_of(t),
)
_UUID = _text(
    "pact_uuid",
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    'a UUID ("f4b1225a-bd44-4c8e-861d-079e4e1dfd69")',
)
_URN = _text("pact_urn", r"[uU][rR][nN]:.+", 'a URN ("urn:gtin:5695872369587")')
_SPEC = _text(
    "pact_spec_version",
    r"3\.\d+\.\d+(-\d{8})?",
    'a PACT v3 specVersion ("3.0.0"); footprints of v1/v2 are not read',
)
_AR = _text("pact_ipcc_version", r"AR\d+", 'an IPCC assessment report ("AR6")')
_COUNTRY = _text("pact_geography", r"[A-Z]{2}", 'an ISO 3166-1 alpha-2 code ("CN")')
_SUBDIVISION = _text("pact_geography", r"[A-Z]{2}-[A-Z0-9]{1,3}", 'an ISO 3166-2 code ("CN-GD")')
_NONEMPTY = _text("pact_text", r"(?s).+", "a non-empty text")


def _unique(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            raise _custom("pact_duplicate_item", "a list without repeated items")
        seen.append(item)
    return items


def _set_of(item: Any) -> Any:
    """A non-empty list without repeats (``minItems: 1``, ``uniqueItems: true``)."""
    return Annotated[list[item], AfterValidator(_non_empty), AfterValidator(_unique)]


def _list_of(item: Any) -> Any:
    """A non-empty list (``minItems: 1``)."""
    return Annotated[list[item], AfterValidator(_non_empty)]


def _non_empty(items: list[Any]) -> list[Any]:
    if not items:
        raise _custom("pact_empty_list", "an empty list: at least one item")
    return items


_REGIONS = Literal[
    "Africa",
    "Americas",
    "Asia",
    "Europe",
    "Oceania",
    "Australia and New Zealand",
    "Central Asia",
    "Eastern Asia",
    "Eastern Europe",
    "Latin America and the Caribbean",
    "Melanesia",
    "Micronesia",
    "Northern Africa",
    "Northern America",
    "Northern Europe",
    "Polynesia",
    "South-eastern Asia",
    "Southern Asia",
    "Southern Europe",
    "Sub-Saharan Africa",
    "Western Asia",
    "Western Europe",
]
_UNITS = Literal[
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "piece",
    "hour",
    "megabit second",
]
_OPEN = ConfigDict(extra="allow")  # v3: a host MUST accept properties of later revisions


def _model(name: str, fields: Mapping[str, tuple[Any, bool]]) -> type[BaseModel]:
    """A pydantic model of a v3 data type: ``{property: (type, required)}``."""
    spec: dict[str, Any] = {
        k: (t, ...) if req else (t | None, None) for k, (t, req) in fields.items()
    }
    return create_model(name, __config__=_OPEN, **spec)


_RULE = _model(
    "ProductOrSectorSpecificRule",
    {
        "operator": (Literal["PEF", "EPD International", "Other"], True),
        "ruleNames": (_set_of(_NONEMPTY), True),
    },
)
_SOURCE = _model("EmissionFactorSource", {"name": (_NONEMPTY, True), "version": (_NONEMPTY, True)})
_DQI = _model(
    "DataQualityIndicators",
    {k: (_decimal("dqr"), True) for k in ("technologicalDQR", "geographicalDQR", "temporalDQR")},
)
_VERIFICATION = _model(
    "Verification",
    {
        "coverage": (Literal["PCF calculation model", "PCF program", "product level"], False),
        "providerName": (str, False),
        "completedAt": (_DATETIME, False),
        "standardName": (str, False),
        "comments": (str, False),
    },
)
_EXTENSION = _model(
    "DataModelExtension",
    {
        "specVersion": (str, True),
        "dataSchema": (str, True),
        "documentation": (str, False),
        "data": (dict[str, Any], True),
    },
)

_PCF_DECIMALS: dict[str, tuple[str, bool]] = {
    "declaredUnitAmount": ("positive", True),
    "productMassPerDeclaredUnit": ("any", True),
    "pcfExcludingBiogenicUptake": ("any", True),
    "pcfIncludingBiogenicUptake": ("any", True),
    "fossilCarbonContent": ("non_negative", True),
    "biogenicCarbonContent": ("non_negative", False),
    "recycledCarbonContent": ("non_negative", False),
    "fossilGhgEmissions": ("non_negative", True),
    "landUseChangeGhgEmissions": ("non_negative", False),
    "landCarbonLeakage": ("non_negative", False),
    "landManagementFossilGhgEmissions": ("non_negative", False),
    "landManagementBiogenicCO2Emissions": ("non_negative", False),
    "landManagementBiogenicCO2Removals": ("non_positive", False),
    "biogenicCO2Uptake": ("non_positive", False),
    "biogenicNonCO2Emissions": ("non_negative", False),
    "landAreaOccupation": ("non_negative", False),
    "aircraftGhgEmissions": ("non_negative", False),
    "packagingGhgEmissions": ("non_negative", False),
    "packagingBiogenicCarbonContent": ("non_negative", False),
    "outboundLogisticsGhgEmissions": ("non_negative", False),
    "ccsTechnologicalCO2Capture": ("non_positive", False),
    "technologicalCO2Removals": ("non_positive", False),
    "ccuCarbonContent": ("non_negative", False),
    "exemptedEmissionsPercent": ("percent", True),
    "primaryDataShare": ("percent", False),
}

_PCF_BASE = _model(
    "CarbonFootprintFields",
    {
        **{k: (_decimal(kind), req) for k, (kind, req) in _PCF_DECIMALS.items()},
        "declaredUnitOfMeasurement": (_UNITS, True),
        "referencePeriodStart": (_DATETIME, True),
        "referencePeriodEnd": (_DATETIME, True),
        "geographyRegionOrSubregion": (_REGIONS, False),
        "geographyCountry": (_COUNTRY, False),
        "geographyCountrySubdivision": (_SUBDIVISION, False),
        "boundaryProcessesDescription": (str, False),
        "packagingEmissionsIncluded": (StrictBool, False),
        "ccsTechnologicalCO2CaptureIncluded": (StrictBool, False),
        "technologicalCO2CaptureOrigin": (str, False),
        "ccuCalculationApproach": (Literal["Cut-off", "Credit"], False),
        "ccuCreditCertification": (_NONEMPTY, False),
        "ipccCharacterizationFactors": (_set_of(_AR), True),
        "crossSectoralStandards": (_set_of(str), True),
        "productOrSectorSpecificRules": (_set_of(_RULE), False),
        "exemptedEmissionsDescription": (str, False),
        "allocationRulesDescription": (str, False),
        "secondaryEmissionFactorSources": (_list_of(_SOURCE), False),
        "dqi": (_DQI, False),
        "verification": (_VERIFICATION, False),
    },
)

_GEOGRAPHY = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")


class _CarbonFootprint(_PCF_BASE):  # type: ignore[valid-type,misc]
    """``CarbonFootprint``: at most one geography (the schema's ``oneOf``)."""

    @model_validator(mode="after")
    def one_geography_at_most(self) -> _CarbonFootprint:
        """Refuse two geographies: the schema allows one or none."""
        given = [g for g in _GEOGRAPHY if getattr(self, g, None) is not None]
        if len(given) > 1:
            raise _custom("pact_geography", f"one geography (given: {', '.join(given)})")
        return self


PRODUCT_FOOTPRINT = _model(
    "ProductFootprint",
    {
        "id": (_UUID, True),
        "specVersion": (_SPEC, True),
        "precedingPfIds": (_set_of(_UUID), False),
        "created": (_DATETIME, True),
        "status": (Literal["Active", "Deprecated"], True),
        "validityPeriodStart": (_DATETIME, False),
        "validityPeriodEnd": (_DATETIME, False),
        "companyName": (_NONEMPTY, True),
        "companyIds": (_set_of(_URN), True),
        "productDescription": (str, True),
        "productIds": (_set_of(_URN), True),
        "productClassifications": (_set_of(_URN), False),
        "productNameCompany": (_NONEMPTY, True),
        "comment": (str, False),
        "pcf": (_CarbonFootprint, True),
        "extensions": (list[_EXTENSION], False),  # type: ignore[valid-type]
    },
)
"""The PACT v3 ``ProductFootprint`` as a pydantic model (unknown properties kept).

Written from ``components/schemas/ProductFootprint`` of the v3.0.3 specification: every
property, its type, its pattern (stricter where the schema's regular expressions are not
anchored), ``required``, ``minItems``/``uniqueItems`` and the geography ``oneOf``; also
the ranges the specification states in words (DQRs 1-5, percentages 0-100)."""


# -- import: a PACT file to supplier footprints -----------------------------------------------


def read_pact(path: str | Path | Written, *, convert: bool = True) -> list[dict[str, Any]]:
    """Read a PACT v3 file; return one supplier-footprint input per ``ProductFootprint``.

    Parameters
    ----------
    path : path
        A JSON file holding one ``ProductFootprint`` or a PACT API response
        ``{"data": ProductFootprint or [ProductFootprint, ...]}`` (``GET /3/footprints``).
        Read confined (under a :class:`~nqi_carbon.Sandbox`) and bounded
        (``Limits.max_document_bytes``, ``Limits.max_depth``).
    convert : bool
        Keyword-only. False gives the ProductFootprints themselves, checked
        (:func:`read_product_footprints`).

    Returns
    -------
    list of dict
        :func:`supplier_footprint` of each ProductFootprint, in the file's order.

    Raises
    ------
    InvalidInputError
        Every problem of every footprint at once, each with its field path
        (``data[1].pcf.declaredUnitAmount``): what the v3 data model refuses, a declared
        unit with no unit here (``pact_declared_unit``), an id given twice
        (``pact_duplicate_id``).
    """
    from .._io.files import Written, program_path, read_input
    from .._io.structured import parse_structured
    from .._io.tables import decode_utf8
    from ..limits import current_limits

    if not isinstance(path, Written):
        path = program_path(path, field="path", where="read_pact()")
    name = str(getattr(path, "path", path))
    raw = read_input(
        path,
        limit=current_limits().max_document_bytes,
        limit_name="max_document_bytes",
        what="PACT file",
    )
    if not decode_utf8(raw, name).lstrip("\ufeff \t\r\n").startswith("{"):
        raise InvalidInputError([_document_issue(name, "not a JSON object")], source=name)
    return footprints_of(parse_structured(raw, name), file=name, convert=convert)


def read_product_footprints(path: str | Path | Written) -> list[dict[str, Any]]:
    """The ProductFootprints of a PACT file as they are, each checked (see :func:`read_pact`).

    For serving or forwarding footprints unchanged (``nqi-carbon serve --pact``); the
    same reading and the same checks as :func:`read_pact`, the declared unit aside.
    """
    return read_pact(path, convert=False)


def _document_issue(name: str | None, message: str) -> Issue:
    return Issue(
        "pact_document",
        message,
        file=name,
        allowed='a JSON object: one ProductFootprint, or {"data": ProductFootprint} or '
        '{"data": [ProductFootprint, ...]} (a PACT API response)',
    )


def footprints_of(
    data: Any, *, file: str | None = None, convert: bool = True
) -> list[dict[str, Any]]:
    """The supplier footprints of PACT data already parsed (see :func:`read_pact`)."""
    from pydantic import ValidationError

    from ..data.packs import issues_from_validation_error

    items, prefix = _items(data, file)
    issues: list[Issue] = CappedIssues()  # per footprint: a flood of them stays bounded
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for k, item in enumerate(items):
        where: tuple[int | str, ...] = (*prefix, k) if prefix is not None else ()
        try:
            PRODUCT_FOOTPRINT.model_validate(item)
        except ValidationError as exc:
            # repeats are of one footprint (each issue names its position)
            issues += unique_issues(
                issues_from_validation_error(exc, file=file, data=item, prefix=where)
            )
            continue
        key = item["id"].lower()
        if key in seen:
            issues.append(
                _issue(
                    "pact_duplicate_id",
                    "the id of an earlier footprint",
                    file,
                    [*where, "id"],
                    item["id"],
                    "each id once per file",
                )
            )
        seen[key] = k
        if not convert:
            out.append(item)
            continue
        try:
            out.append(supplier_footprint(item))
        except InvalidInputError as exc:
            issues += unique_issues(_moved(i, where, file) for i in exc.issues)
    if issues:
        raise InvalidInputError(issues, source=file)
    return out


def _items(data: Any, file: str | None) -> tuple[list[Any], tuple[str, ...] | None]:
    """The ProductFootprints of a document and the path prefix of their positions."""
    if isinstance(data, dict) and "data" in data and "id" not in data:
        inner = data["data"]
        if isinstance(inner, list) and inner:
            return inner, ("data",)
        if isinstance(inner, dict):
            return [inner], None
        raise InvalidInputError(
            [_document_issue(file, "'data' is neither a ProductFootprint nor a non-empty list")],
            source=file,
        )
    if isinstance(data, dict):
        return [data], None
    raise InvalidInputError([_document_issue(file, "not a JSON object")], source=file)


def _path(loc: Sequence[int | str]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _issue(
    code: str, message: str, file: str | None, loc: Sequence[int | str], value: Any, allowed: str
) -> Issue:
    return Issue(code, message, file=file, field=_path(loc), value=repr(value), allowed=allowed)


def _moved(issue: Issue, where: Sequence[int | str], file: str | None) -> Issue:
    """*issue* of one footprint, its field placed under the footprint's position."""
    import dataclasses

    field = f"{_path(where)}.{issue.field}" if where and issue.field else issue.field
    return dataclasses.replace(issue, field=field, file=file)


def supplier_footprint(pf: Mapping[str, Any]) -> dict[str, Any]:
    """The supplier-footprint input of the footprint model from one v3 ``ProductFootprint``.

    Every figure is per one unit of the supplier's declared unit: PACT states it per
    ``declaredUnitAmount`` of ``declaredUnitOfMeasurement`` (a PCF of 24 kg CO2e for
    12 liter gives ``value`` 2 per ``l``), in kg CO2e.

    PACT v3's ``pcfExcludingBiogenicUptake`` includes biogenic emissions (biogenic CH4,
    land-management biogenic CO2) and land-management removals; a supplier footprint's
    ``value`` is fossil and land-use change only, with the biogenic parts apart. So
    ``value`` is ``pcfExcludingBiogenicUptake`` less ``landManagementBiogenicCO2Emissions``,
    ``biogenicNonCO2Emissions`` and ``landManagementBiogenicCO2Removals``;
    ``biogenic_emissions`` the first two, ``biogenic_removals`` ``biogenicCO2Uptake`` plus
    the land-management removals. ``value`` plus both is ``pcfIncludingBiogenicUptake``
    when the supplier's figures add up.

    Parameters
    ----------
    pf : mapping
        A ProductFootprint valid under :data:`PRODUCT_FOOTPRINT`.

    Returns
    -------
    dict
        ``value``, ``value_including_biogenic`` (``pcfIncludingBiogenicUptake``),
        ``declared_unit`` (:data:`PACT_UNITS`), ``fossil_ghg``, ``biogenic_emissions`` and
        ``biogenic_removals`` (<= 0) as above, when stated, ``land_use_change``,
        ``aircraft``, ``primary_data_share`` [%], ``dqr`` (the mean of the three v3
        ratings ``dqi``, 1 best to 5), ``reference_period_start``
        and ``reference_period_end`` (dates, the end exclusive, see :func:`_end_date`) and
        ``source`` (``kind: pact``, the PACT ``id``, company, product, specVersion).
        Figures the footprint does not state are left out, never set to 0.

    Raises
    ------
    InvalidInputError
        ``pact_declared_unit``: a declared unit with no unit here (``piece``,
        ``megabit second``).
    """
    pcf = pf["pcf"]
    unit = pcf["declaredUnitOfMeasurement"]
    if unit not in PACT_UNITS:
        raise InvalidInputError(
            [
                _issue(
                    "pact_declared_unit",
                    "a declared unit nqi-carbon cannot convert",
                    None,
                    ["pcf", "declaredUnitOfMeasurement"],
                    unit,
                    ", ".join(PACT_UNITS),
                )
            ],
        )
    figures = _supplier_figures(pcf)
    out: dict[str, Any] = {k: v for k, v in figures.items() if v is not None}
    out["source"] = {
        "kind": "pact",
        "id": pf["id"],
        "company": pf["companyName"],
        "product": pf["productNameCompany"],
        "spec_version": pf["specVersion"],
    }
    return out


def _supplier_figures(pcf: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of a supplier footprint from a valid ``pcf`` (see :func:`supplier_footprint`)."""
    unit = pcf["declaredUnitOfMeasurement"]
    amount = Decimal(pcf["declaredUnitAmount"])

    def stated(*names: str) -> Decimal | None:
        given = [Decimal(pcf[n]) for n in names if pcf.get(n) is not None]
        return sum(given, Decimal(0)) if given else None

    def per_unit(total: Decimal | None) -> float | None:
        return None if total is None else float(total / amount)

    biogenic = stated("landManagementBiogenicCO2Emissions", "biogenicNonCO2Emissions")
    land_removals = stated("landManagementBiogenicCO2Removals") or Decimal(0)
    figures = {
        "value": per_unit(
            Decimal(pcf["pcfExcludingBiogenicUptake"]) - (biogenic or 0) - land_removals
        ),
        "value_including_biogenic": per_unit(stated("pcfIncludingBiogenicUptake")),
        "declared_unit": PACT_UNITS[unit],
        "fossil_ghg": per_unit(stated("fossilGhgEmissions")),
        "biogenic_emissions": per_unit(biogenic),
        "biogenic_removals": per_unit(
            stated("biogenicCO2Uptake", "landManagementBiogenicCO2Removals")
        ),
        "land_use_change": per_unit(stated("landUseChangeGhgEmissions")),
        "aircraft": per_unit(stated("aircraftGhgEmissions")),
        "primary_data_share": _float(pcf.get("primaryDataShare")),
        "dqr": _dqr(pcf.get("dqi")),
        "reference_period_start": _start_date(pcf["referencePeriodStart"]),
        "reference_period_end": _end_date(pcf["referencePeriodEnd"]),
    }
    return figures


def _float(text: str | None) -> float | None:
    return None if text is None else float(Decimal(text))


def _dqr(dqi: Mapping[str, str] | None) -> float | None:
    """The mean of the three v3 ratings (technological, geographical, temporal), 1-5."""
    if dqi is None:
        return None
    ratings = [Decimal(dqi[k]) for k in ("technologicalDQR", "geographicalDQR", "temporalDQR")]
    return float(sum(ratings, Decimal(0)) / 3)


def _moment_of(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(re.sub(r"\.\d+", "", text.upper()))


def _start_date(text: str) -> _dt.date:
    """The day a reference period starts: the date of its first instant, at its offset."""
    return _moment_of(text).date()


def _end_date(text: str) -> _dt.date:
    """The exclusive end date of a reference period ending at the instant *text*.

    PACT states the end as an instant (``2025-01-01T00:00:00Z``); nqi-carbon's periods end
    on an exclusive date. An instant at midnight is that date; any later time of a day
    includes the day (``2024-12-31T23:59:59Z`` ends on 2025-01-01).
    """
    moment = _moment_of(text)
    midnight = moment.time() == _dt.time(0)
    return moment.date() if midnight else moment.date() + _dt.timedelta(days=1)


def resolve_pact_reference(
    ref: Mapping[str, Any], *, source_path: str | None, field: str
) -> dict[str, Any]:
    """The supplier footprint a footprint file names: ``{pact: file.json, id: ...}``.

    Parameters
    ----------
    ref : mapping
        ``pact``: the PACT file, relative to the footprint file's folder and confined
        like every path written in a file (:class:`~nqi_carbon.Sandbox`); ``id``: the
        ProductFootprint's id (a UUID, or ``urn:uuid:`` and the UUID), needed when the
        file holds several.
    source_path : str or None
        The footprint file (None for a mapping).
    field : str
        Where *ref* is written (``inputs[2].supplier_footprint``), for messages.

    Raises
    ------
    InvalidInputError
        The file's problems, ``path_outside_base``, ``pact_id_unknown`` (the ids of the
        file are listed) or ``pact_id_required``.
    """
    return _PactFiles().select(ref, source_path=source_path, field=field)


def select_footprint(
    found: Sequence[dict[str, Any]], wanted: str | None, *, file: str | None, field: str
) -> dict[str, Any]:
    """The supplier footprint of *found* (from :func:`read_pact`) whose PACT id is *wanted*.

    *wanted* is the UUID, or ``urn:uuid:`` and the UUID, in any case; None takes the only
    footprint. ``pact_id_unknown`` and ``pact_id_required`` list the ids there are.
    """
    return _Footprints(found).select(wanted, file=file, field=field)


class _Footprints:
    """The supplier footprints of one PACT file, indexed by id (found in constant time)."""

    def __init__(self, found: Sequence[dict[str, Any]]) -> None:
        self.found = found
        self.by_id: dict[str, dict[str, Any]] = {}
        for f in found:
            self.by_id.setdefault(_pact_key(f["source"]["id"]), f)
        self._ids: str | None = None

    @property
    def ids(self) -> str:
        """The first ids, for messages (built once: every reference that misses shares it).

        Twenty and how many more: every issue listed carries it, so all the ids of a large
        file made the error's text grow with references x footprints.
        """
        if self._ids is None:
            from ..errors import first_of

            self._ids = first_of(str(f["source"]["id"]) for f in self.found)
        return self._ids

    def select(self, wanted: str | None, *, file: str | None, field: str) -> dict[str, Any]:
        if wanted is None:
            if len(self.found) == 1:
                return self.found[0]
            raise InvalidInputError(
                [Issue("pact_id_required", "the PACT file holds several footprints; name one",
                       file=file, field=field, allowed=self.ids)], source=file,
            )  # fmt: skip
        f = self.by_id.get(_pact_key(wanted))
        if f is not None:
            return f
        raise InvalidInputError(
            [Issue("pact_id_unknown", "no footprint of the PACT file has this id", file=file,
                   field=field, value=repr(wanted), allowed=self.ids)], source=file,
        )  # fmt: skip


def _pact_key(wanted: object) -> str:
    """A PACT id as compared: the UUID without ``urn:uuid:``, in lower case."""
    return re.sub(r"(?i)^urn:uuid:", "", str(wanted)).lower()


class _PactFiles:
    """The PACT files one footprint document names, each read and checked once.

    Keyed by the real path (symbolic links and ``./`` resolved), so a file named by many
    inputs, under any spelling, costs one read: without it the work grew with the number
    of references times the size of the file. Each reference is still confined on its
    own (its field named when it leads outside), before the file is looked up.
    """

    def __init__(self) -> None:
        self._read: dict[str, _Footprints | list[Issue]] = {}
        self._named: set[str] = set()  # files whose problems were raised

    def select(
        self, ref: Mapping[str, Any], *, source_path: str | None, field: str
    ) -> dict[str, Any]:
        from .._io.files import check_confined, written_path

        target = written_path(str(ref["pact"]), source_path=source_path, field=f"{field}.pact")
        check_confined(target, what="PACT file")
        key = os.path.realpath(target.path)
        got = self._read.get(key)
        if got is None:
            try:
                got = _Footprints(read_pact(target))
            except InvalidInputError as exc:
                got = list(exc.issues)
            self._read[key] = got
        if isinstance(got, list):  # the file's own problems, named once per document
            if key in self._named:
                raise _NamedBeforeError
            self._named.add(key)
            raise InvalidInputError(got, source=source_path)
        return got.select(ref.get("id"), file=source_path, field=f"{field}.id")


class _NamedBeforeError(Exception):
    """A reference to a PACT file whose problems an earlier reference raised already.

    Raised again, the file's issues were listed once per reference: their count of
    problems not listed (``issues_truncated``) was added up as many times.
    """


def resolve_pact_inputs(data: Any, *, source_path: str | None) -> Any:
    """A footprint document with each ``supplier_footprint: {pact: ...}`` read from its file.

    The hook the footprint loader calls before validating the document: every input
    whose ``supplier_footprint`` is a reference ``{pact: file.json, id: ...}`` gets the
    supplier footprint :func:`resolve_pact_reference` reads. Other documents and inputs
    are returned as they are (the model judges them). Every problem of every reference
    is raised at once.
    """
    inputs = data.get("inputs") if isinstance(data, dict) else None
    if not isinstance(inputs, list):
        return data
    issues: list[Issue] = CappedIssues()  # one a reference: a flood of them stays bounded
    resolved = list(inputs)
    files = _PactFiles()
    for k, item in enumerate(inputs):
        ref = item.get("supplier_footprint") if isinstance(item, dict) else None
        if not (isinstance(ref, dict) and "pact" in ref):
            continue
        field = f"inputs[{k}].supplier_footprint"
        extra = sorted(set(ref) - {"pact", "id"}, key=str)
        if extra or not isinstance(ref["pact"], str) or not isinstance(ref.get("id", ""), str):
            issues.append(
                Issue(
                    "pact_reference",
                    "a PACT reference is {pact: file, id: ...}",
                    file=source_path,
                    field=field,
                    value=repr(extra or ref),
                    allowed="pact: a file path (text); "
                    "id: the ProductFootprint id (text, optional)",
                )
            )
            continue
        try:
            resolved[k] = {
                **item,
                "supplier_footprint": files.select(ref, source_path=source_path, field=field),
            }
        except InvalidInputError as exc:
            issues += exc.issues
        except _NamedBeforeError:
            continue
    if issues:
        raise InvalidInputError(issues, source=source_path)
    return {**data, "inputs": resolved}


# -- export: a footprint to a ProductFootprint -----------------------------------------------

_REQUIRED: dict[str, str] = {  # our key -> the PACT property it gives
    "company_name": "companyName",
    "company_ids": "companyIds",
    "product_ids": "productIds",
    "product_name": "productNameCompany",
    "product_description": "productDescription",
    "declared_unit": "pcf.declaredUnitOfMeasurement",
    "reference_period_start": "pcf.referencePeriodStart",
    "reference_period_end": "pcf.referencePeriodEnd",
    "pcf_excluding_biogenic_uptake": "pcf.pcfExcludingBiogenicUptake",
    "pcf_including_biogenic_uptake": "pcf.pcfIncludingBiogenicUptake",
    "fossil_ghg": "pcf.fossilGhgEmissions",
    "fossil_carbon_content": "pcf.fossilCarbonContent",
    "ipcc_characterization_factors": "pcf.ipccCharacterizationFactors",
    "exempted_emissions_percent": "pcf.exemptedEmissionsPercent",
}

_PER_UNIT: dict[str, str] = {  # our key [kg CO2e or kg C per declared unit] -> PACT pcf property
    "pcf_excluding_biogenic_uptake": "pcfExcludingBiogenicUptake",
    "pcf_including_biogenic_uptake": "pcfIncludingBiogenicUptake",
    "fossil_carbon_content": "fossilCarbonContent",
    "biogenic_carbon_content": "biogenicCarbonContent",
    "fossil_ghg": "fossilGhgEmissions",
    "land_use_change": "landUseChangeGhgEmissions",
    "biogenic_removals": "biogenicCO2Uptake",
    "biogenic_non_co2": "biogenicNonCO2Emissions",
    "aircraft": "aircraftGhgEmissions",
    "packaging": "packagingGhgEmissions",
}


_SIGNIFICANT = Context(prec=12, rounding=ROUND_HALF_EVEN)
"""Figures are written to 12 significant digits: what a footprint can mean, without the
last-digit noise of sums of floats (900.0000000000001)."""


EXPORT_KEYS = frozenset(
    {
        *_REQUIRED,
        *_PER_UNIT,
        "id", "created", "validity_period_start", "validity_period_end", "comment",
        "product_category_cpc", "product_classifications", "declared_amount",
        "product_mass_per_declared_unit", "geography_country", "geography_subdivision",
        "geography_region", "boundary_description", "packaging_included",
        "cross_sectoral_standards", "product_or_sector_specific_rules",
        "exempted_emissions_description", "allocation_rules_description",
        "secondary_emission_factor_sources", "primary_data_share", "dqi",
    }
)  # fmt: skip
"""The figures :func:`to_pact` takes (keywords, or the keys of a mapping)."""


def _decimal_text(value: Any, scale: Decimal = Decimal(1)) -> str:
    """*value* divided by *scale*, as the decimal text v3 asks for (no exponent)."""
    d = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(_SIGNIFICANT.plus(d / scale).normalize(), "f")
    return "0" if text in {"-0", "+0"} else text


def _export_issues(figures: Mapping[str, Any]) -> list[Issue]:
    """What PACT requires that *figures* leave unknown, and values it cannot hold."""
    from ..errors import close_matches

    def hint(key: str) -> str:
        near = close_matches(key, EXPORT_KEYS)
        return f"; did you mean {' or '.join(map(repr, near))}?" if near else ""

    issues = CappedIssues()  # one an unknown key: a flood stays bounded
    allowed = ", ".join(sorted(EXPORT_KEYS))
    for key in figures:
        if key not in EXPORT_KEYS:  # a hint (a fuzzy match) for the issues listed only
            near = hint(str(key)) if len(issues) < issues.cap else ""
            issues.append(Issue("pact_option", f"{repr(key)[:80]} is not a figure of a "
                                f"PACT export{near}", field=str(key), allowed=allowed))  # fmt: skip
    issues += [
        Issue(
            "pact_field_unknown",
            f"PACT requires {prop}; the footprint does not state it",
            field=key,
            allowed=f"state it: to_pact(..., {key}=...)",
        )
        for key, prop in _REQUIRED.items()
        if figures.get(key) is None
    ]
    unit = figures.get("declared_unit")
    if not isinstance(unit, str):
        return issues  # none (required, above) or of the wrong type (_checked_figures)
    if unit not in _EXPORT_UNITS:
        issues.append(
            Issue(
                "pact_declared_unit",
                "a declared unit PACT has no unit for",
                field="declared_unit",
                value=repr(unit),
                allowed=", ".join(_EXPORT_UNITS),
            )
        )
    elif (
        unit not in _MASS_KG
        and unit not in _MASSLESS
        and figures.get("product_mass_per_declared_unit") is None
    ):
        issues.append(
            Issue(
                "pact_field_unknown",
                "PACT requires pcf.productMassPerDeclaredUnit "
                f"for a product declared in {unit}; the footprint does not state it",
                field="product_mass_per_declared_unit",
                allowed="the mass in kg of one declared unit",
            )
        )
    return issues


def _figure_types() -> dict[str, Any]:
    """The type of each figure :func:`to_pact` takes (strict: no text for numbers)."""
    from pydantic import AwareDatetime, Field

    from ..data.fields import FiniteFloat, NonNegativeFloat

    text = StrictStr
    texts = list[StrictStr]
    rule = _model("Rule", {"operator": (text, True), "rule_names": (texts, True)})
    source = _model("Source", {"name": (text, True), "version": (text, True)})
    dqi = _model(
        "Dqi", {k: (FiniteFloat, True) for k in ("technological", "geographical", "temporal")}
    )
    moment = AwareDatetime | _dt.date
    types: dict[str, Any] = {k: text for k in EXPORT_KEYS}
    types.update({k: FiniteFloat for k in _PER_UNIT})
    types.update(
        {
            "company_ids": texts, "product_ids": texts, "product_classifications": texts,
            "ipcc_characterization_factors": texts, "cross_sectoral_standards": texts,
            "declared_amount": Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)],
            "product_mass_per_declared_unit": NonNegativeFloat,
            "primary_data_share": FiniteFloat, "exempted_emissions_percent": FiniteFloat,
            "reference_period_start": _dt.date, "reference_period_end": _dt.date,
            "validity_period_start": moment, "validity_period_end": moment, "created": moment,
            "packaging_included": StrictBool, "product_or_sector_specific_rules": list[rule],  # type: ignore[valid-type]
            "secondary_emission_factor_sources": list[source], "dqi": dqi,  # type: ignore[valid-type]
        }
    )  # fmt: skip
    return types


_FIGURES: list[type[BaseModel]] = []


def _checked_figures(figures: Mapping[str, Any]) -> dict[str, Any]:
    """*figures* with their types checked: every problem at once, by the figure's name."""
    from pydantic import ValidationError

    from ..data.packs import issues_from_validation_error

    if not _FIGURES:
        types = _figure_types()
        _FIGURES.append(_model("PactFigures", {k: (types[k], False) for k in sorted(EXPORT_KEYS)}))
    known = {k: v for k, v in figures.items() if k in EXPORT_KEYS}
    try:
        model = _FIGURES[0].model_validate(known)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc, file=None, data=known)
        raise InvalidInputError(unique_issues(issues), source="to_pact") from None
    return {k: v for k, v in model.model_dump().items() if v is not None and k in EXPORT_KEYS}


def _moment(value: Any) -> str:
    """A date (midnight UTC) or an aware datetime as RFC 3339 text."""
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, _dt.date):
        return f"{value.isoformat()}T00:00:00Z"
    return str(value)


def _created() -> str:
    """The creation time: ``SOURCE_DATE_EPOCH``'s day when set (reproducible), else today."""
    from ..pages.format import _generation_date

    return _moment(_generation_date())


def _pcf(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The ``pcf`` object, per one PACT declared unit, in the specification's order."""
    unit, per = _EXPORT_UNITS[figures["declared_unit"]]
    amount = Decimal(repr(float(figures.get("declared_amount", 1))))
    scale = per * amount  # PACT units in one declared unit (1 t: 1000 kilogram)
    mass = figures.get("product_mass_per_declared_unit")
    if mass is None:
        mass = _MASS_KG.get(figures["declared_unit"], Decimal(0)) * amount
    num = {
        prop: _decimal_text(figures[k], scale)
        for k, prop in _PER_UNIT.items()
        if figures.get(k) is not None
    }
    optional = {
        "geographyRegionOrSubregion": figures.get("geography_region"),
        "geographyCountry": figures.get("geography_country"),
        "geographyCountrySubdivision": figures.get("geography_subdivision"),
        "boundaryProcessesDescription": figures.get("boundary_description"),
        "packagingEmissionsIncluded": figures.get("packaging_included"),
        "productOrSectorSpecificRules": [
            {"operator": r["operator"], "ruleNames": list(r["rule_names"])}
            for r in figures.get("product_or_sector_specific_rules") or ()
        ]
        or None,
        "exemptedEmissionsDescription": figures.get("exempted_emissions_description"),
        "allocationRulesDescription": figures.get("allocation_rules_description"),
        "secondaryEmissionFactorSources": [
            {"name": str(s["name"]), "version": str(s["version"])}
            for s in figures.get("secondary_emission_factor_sources") or ()
        ]
        or None,
        "primaryDataShare": None
        if figures.get("primary_data_share") is None
        else _decimal_text(figures["primary_data_share"]),
        "dqi": None
        if figures.get("dqi") is None
        else {
            f"{k}DQR": _decimal_text(figures["dqi"][k])
            for k in ("technological", "geographical", "temporal")
        },
    }
    return {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": _decimal_text(mass, scale),
        "referencePeriodStart": _moment(figures["reference_period_start"]),
        "referencePeriodEnd": _moment(figures["reference_period_end"]),
        **{k: v for k, v in optional.items() if k.startswith("geography") and v is not None},
        **num,
        "ipccCharacterizationFactors": list(figures["ipcc_characterization_factors"]),
        "crossSectoralStandards": list(figures.get("cross_sectoral_standards") or ["ISO14067"]),
        "exemptedEmissionsPercent": _decimal_text(figures["exempted_emissions_percent"]),
        **{k: v for k, v in optional.items() if not k.startswith("geography") and v is not None},
    }


def product_footprint(figures: Mapping[str, Any]) -> dict[str, Any]:
    """A PACT v3 ``ProductFootprint`` from a footprint's figures (see :func:`to_pact`).

    Raises
    ------
    InvalidInputError
        ``pact_field_unknown`` for each field PACT requires that *figures* leave unknown,
        ``pact_declared_unit``, a figure of the wrong type (``finite_number``,
        ``string_type``...); and what the v3 data model refuses in
        the document built (a positive uptake, an id that is not a UUID...), by its path.
    """
    issues = _export_issues(figures)
    try:
        figures = _checked_figures(figures)
    except InvalidInputError as exc:
        issues += exc.issues
    if issues:
        raise InvalidInputError(unique_issues(issues), source="to_pact")
    classifications = list(figures.get("product_classifications") or ())
    cpc = figures.get("product_category_cpc")
    if cpc is not None:
        classifications.append(f"urn:pact:productclassification:un-cpc:{cpc}")
    body: dict[str, Any] = {
        "specVersion": PACT_SPEC_VERSION,
        "status": "Active",
        "validityPeriodStart": None
        if figures.get("validity_period_start") is None
        else _moment(figures["validity_period_start"]),
        "validityPeriodEnd": None
        if figures.get("validity_period_end") is None
        else _moment(figures["validity_period_end"]),
        "companyName": figures["company_name"],
        "companyIds": list(figures["company_ids"]),
        "productDescription": figures["product_description"],
        "productIds": list(figures["product_ids"]),
        "productClassifications": classifications or None,
        "productNameCompany": figures["product_name"],
        "comment": figures.get("comment"),
        "pcf": _pcf(figures),
    }
    body = {k: v for k, v in body.items() if v is not None}
    content = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    pf_id = figures.get("id") or str(uuid.uuid5(_NAMESPACE, content))
    created = _moment(figures["created"]) if figures.get("created") is not None else _created()
    pf = {"id": pf_id, "specVersion": body.pop("specVersion"), "created": created, **body}
    _check_export(pf)
    return pf


def _check_export(pf: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from ..data.packs import issues_from_validation_error

    try:
        PRODUCT_FOOTPRINT.model_validate(pf)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc, file=None, data=pf)
        raise InvalidInputError(unique_issues(issues), source="to_pact") from None


def write_pact(pf: Mapping[str, Any], path: str | Path) -> Path:
    """Write a ProductFootprint (from :func:`to_pact`) as JSON, atomically.

    Two-space indentation, keys in the specification's order, UTF-8 with unsafe
    characters escaped (:func:`nqi_carbon._escape.json_text`), a final newline. The
    document is checked against the v3 data model first: nothing invalid is written.

    Raises
    ------
    InvalidInputError
        What the v3 data model refuses in *pf*, by its path.
    InvalidArgumentError
        *pf* not a mapping, *path* not a path.
    """
    from .._escape import json_text
    from .._io.atomic import atomic_write_text
    from .._io.files import program_path
    from ..errors import argument_error

    target = program_path(path, field="path", where="write_pact()")
    if not isinstance(pf, Mapping):
        raise argument_error("pf", pf, "a ProductFootprint (a mapping, from to_pact)",
                             where="write_pact()")  # fmt: skip
    _check_export(dict(pf))
    text = json_text(json.dumps(pf, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"
    return atomic_write_text(target, text)


def to_pact(
    result: Any, *, defaults: Mapping[str, Any] | None = None, **figures: Any
) -> dict[str, Any]:
    """A footprint as a PACT v3 ``ProductFootprint`` (a JSON-ready dict).

    Parameters
    ----------
    result : FootprintResult or mapping
        The footprint computed (its product, declared unit, reference period, totals
        per declared unit, fossil / biogenic / land-use change / aircraft parts,
        primary-data share, data quality, allocation and the GWP set), or the figures
        themselves as a mapping with the keys below.
    defaults : mapping, optional
        Figures (the keys below) used where the footprint states none: the company's
        name and ids shared by every product, say.
    **figures
        Keyword-only; what the footprint does not know, or overrides: ``company_name``,
        ``company_ids`` and ``product_ids`` (URNs), ``product_name``,
        ``product_description``, ``product_category_cpc`` (a UN CPC code) or
        ``product_classifications`` (URNs), ``fossil_carbon_content`` and
        ``biogenic_carbon_content`` [kg C per declared unit],
        ``product_mass_per_declared_unit`` [kg; found for mass units, 0 for energy],
        ``geography_country`` (ISO 3166-1 alpha-2), ``geography_subdivision``,
        ``geography_region``, ``cross_sectoral_standards`` (default ``["ISO14067"]``),
        ``product_or_sector_specific_rules`` (``[{operator, rule_names}]``),
        ``exempted_emissions_percent``, ``packaging_included``, ``packaging``,
        ``comment``, ``validity_period_start``/``_end``, ``id`` (a UUID; default: derived
        from the content, so the same footprint gets the same id) and ``created``
        (default: ``SOURCE_DATE_EPOCH``'s day, else today, at 00:00 UTC).

    Returns
    -------
    dict
        The ProductFootprint: ``specVersion`` :data:`PACT_SPEC_VERSION`, figures as
        decimal text per one PACT declared unit (a footprint per ``t`` is written per
        ``kilogram``: divided by 1000), in kg CO2e.

    Raises
    ------
    InvalidInputError
        ``pact_field_unknown`` for every field PACT requires that is unknown (all at
        once), ``pact_declared_unit`` for a declared unit PACT cannot state.
    """
    from ..errors import argument_error

    if defaults is not None and not isinstance(defaults, Mapping):
        raise argument_error("defaults", defaults, "a mapping of figures", where="to_pact()")
    base = dict(result) if isinstance(result, Mapping) else _result_figures(result)
    known = {k: v for k, v in base.items() if v is not None}
    return product_footprint({**(defaults or {}), **known, **figures})


def _result_figures(result: Any) -> dict[str, Any]:
    """The figures :func:`product_footprint` reads, from a ``FootprintResult``.

    PACT's ``pcfExcludingBiogenicUptake`` includes biogenic emissions: it is the result's
    ``pcf_excluding_biogenic`` (fossil and land-use change) plus ``biogenic_emissions``;
    ``biogenicCO2Uptake`` is ``biogenic_removals``. What a result does not know (company,
    URNs, fossil carbon content, the three DQIs) is left unknown.
    """
    from ..errors import argument_error
    from .calculate import FootprintResult

    if not isinstance(result, FootprintResult):
        raise argument_error(
            "result", result, "a FootprintResult or a mapping of figures", where="to_pact()"
        )
    study = result.study
    gwp = re.fullmatch(r"AR\d+", result.gwp_set)
    cut = result.cut_off
    pcr = None if study is None else study.study.pcr
    return {
        "product_name": result.product.get("name"),
        "product_description": result.product.get("description"),
        "declared_unit": result.declared_unit["unit"],
        "declared_amount": result.declared_unit["amount"],
        "reference_period_start": _dt.date.fromisoformat(result.reference_period[0]),
        "reference_period_end": _dt.date.fromisoformat(result.reference_period[1]),
        "boundary_description": f"{result.boundary}: {', '.join(result.stages)}",
        "pcf_excluding_biogenic_uptake": result.pcf_excluding_biogenic + result.biogenic_emissions,
        "pcf_including_biogenic_uptake": result.pcf_including_biogenic,
        "fossil_ghg": result.fossil_ghg,
        "land_use_change": result.land_use_change,
        "biogenic_removals": result.biogenic_removals,
        "aircraft": result.aircraft,
        "biogenic_carbon_content": result.biogenic_carbon_content,
        "primary_data_share": result.primary_data_share,
        "ipcc_characterization_factors": None if gwp is None else [gwp.group(0)],
        "exempted_emissions_percent": None if cut is None else cut["exempted_share"],
        "exempted_emissions_description": None if cut is None else cut["criterion"],
        "allocation_rules_description": _allocation_text(result.allocation),
        "product_or_sector_specific_rules": None
        if pcr is None
        else [{"operator": "Other", "rule_names": [pcr]}],
    }


def _allocation_text(allocation: Mapping[str, Any] | None) -> str | None:
    if allocation is None:
        return None
    key = f" by {allocation['key']}" if allocation.get("key") else ""
    share = f", share {allocation['share']:.6g}" if allocation.get("share") is not None else ""
    return f"{allocation['rule']}{key}{share}: {allocation['reason']}"
