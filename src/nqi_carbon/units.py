"""The one unit registry of nqi-carbon, and unit parsing and conversion.

All unit definitions live here; no other module calls ``define``. The registry is
created on first use (importing nqi-carbon reads no definition file).

Domain units added to pint's defaults
-------------------------------------
``Nm3``
    Normal cubic metre: gas quantity occupying 1 m^3 at 0 °C and 101.325 kPa. It has a
    dimension of its own (``[normal_gas_volume]``) so that an *actual* volume in ``m^3``
    is never silently taken for a normal one; converting between them needs the
    temperature and pressure of the measurement and is left to the user.
``tce``, ``kgce``
    Tonne / kilogram of coal equivalent, 29.3076 GJ / 29.3076 MJ (GB/T 2589-2020 §3.9: 1 kgce
    = 29 307.6 kJ (7 000 kcal)).
``toe``, ``ktoe``, ``Mtoe``
    Tonne of oil equivalent, 41.868 GJ (IEA/OECD/Eurostat convention, 10^7 kcal_IT).
``tC``, ``kgC``
    Mass of carbon (tonne / kilogram). They are plain mass units: *what* the mass is of
    is said by the field that holds it (carbon content, CO2 factor...).
``kt``
    Kilotonne (pint's default ``kt`` is the knot; it is redefined here).
``MMBtu``
    10^6 Btu (US EPA factors use MMBtu on a higher-heating-value basis).
``tkm``, ``passenger``, ``pkm``, ``vehicle``, ``vkm``
    Transport activity: tonne-kilometre, passenger-kilometre, vehicle-kilometre.
``CNY``, ``USD``, ``EUR``, ``GBP``, ``JPY``, ``HKD``
    Currency amounts for spend-based factors. Each currency is its own dimension, so no
    exchange rate is ever applied silently.

Numeric prefixes such as ``10^4 Nm3``, ``10^4 kWh`` or ``10^4 t`` (as used in Chinese
statistical reports, 万) parse as units 10 000 times the base.

Gas and refrigerant names are never units: ``"kg R-410A"`` or ``"tCO2e"`` are refused
with a message saying to give the gas separately.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import DimensionalityMismatchError, UnknownUnitError

if TYPE_CHECKING:
    import pint

__all__ = [
    "check_dimension",
    "conventional_basis",
    "conversion_factor",
    "dimensionality",
    "is_energy",
    "parse_unit",
    "registry",
]

_DEFINITIONS = (
    "normal_cubic_metre = [normal_gas_volume] = Nm3 = Nm^3 = Nm³",
    "cubic_metre_ = meter ** 3 = m3",
    "kilotonne = 1e3 * metric_ton = kt",
    "tonne_carbon = metric_ton = tC",
    "kilogram_carbon = kilogram = kgC",
    "tonne_coal_equivalent = 29.3076 * gigajoule = tce",
    "kilogram_coal_equivalent = 29.3076 * megajoule = kgce",
    "tonne_oil_equivalent = 41.868 * gigajoule = toe",
    "kilotonne_oil_equivalent = 1e3 * toe = ktoe",
    "megatonne_oil_equivalent = 1e6 * toe = Mtoe",
    "million_btu = 1e6 * Btu = MMBtu = mmBtu",
    "tonne_kilometre = metric_ton * kilometer = tkm = t_km",
    "passenger = [passenger]",
    "passenger_kilometre = passenger * kilometer = pkm = p_km",
    "vehicle = [vehicle]",
    "vehicle_kilometre = vehicle * kilometer = vkm = v_km",
    "yuan_renminbi = [currency_CNY] = CNY = RMB",
    "us_dollar = [currency_USD] = USD",
    "euro = [currency_EUR] = EUR",
    "pound_sterling = [currency_GBP] = GBP",
    "japanese_yen = [currency_JPY] = JPY",
    "hong_kong_dollar = [currency_HKD] = HKD",
)

# Words that look like units but would be silently wrong or are gases.
_REFUSED = {
    "ton": "ambiguous: pint reads 'ton' as the US short ton (907.18 kg); write 't' "
    "(tonne), 'short_ton' or 'long_ton'",
    "tons": "ambiguous: write 't' (tonne), 'short_ton' or 'long_ton'",
    "tonnes": "write 't' for tonne",
    "MBtu": "ambiguous: in US practice MBtu is a thousand Btu, while the SI prefix M makes "
    "it a million; write 'kBtu' (10^3 Btu) or 'MMBtu' (10^6 Btu)",
    "kt": "",  # allowed (redefined as kilotonne); listed so the check below skips it
}
_GAS_TOKEN = re.compile(
    r"CO2|CH4|N2O|SF6|NF3"
    r"|(?<![A-Za-z])(?:HFCs?|PFCs?|HCFCs?|CFCs?|HFOs?"
    r"|R-?\d{2,4}[A-Za-z]?|HFC-?\d+\w*|PFC-?\d+|C\d?F\d+)(?![A-Za-z])"
)


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[Any]:
    """Return the nqi-carbon unit registry (created on first call).

    Returns
    -------
    pint.UnitRegistry
        pint's default definitions plus the domain units listed in this module's
        docstring. Use it through :func:`parse_unit` and :func:`conversion_factor`
        rather than building Quantities per record.
    """
    import pint

    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(
        autoconvert_offset_to_baseunit=False,
        on_redefinition="ignore",
        cache_folder=None,
    )
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


def _refuse(text: str) -> None:
    stripped = text.strip()
    if not stripped:
        raise UnknownUnitError(text, reason="empty unit; write '1' for a dimensionless amount")
    for word in re.findall(r"[A-Za-z_]+", stripped):
        reason = _REFUSED.get(word)
        if reason:
            raise UnknownUnitError(text, reason=reason)
    match = _GAS_TOKEN.search(stripped)
    if match:
        raise UnknownUnitError(
            text,
            reason=(
                f"{match.group(0)!r} is a gas or refrigerant, not a unit; give the gas "
                "separately (e.g. gas: CO2, unit: t) and CO2e only through a GWP set"
            ),
        )


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Quantity[Any]:
    """Parse a unit expression into a pint Quantity of magnitude one unit.

    Parameters
    ----------
    text : str
        E.g. ``"MWh"``, ``"kg/TJ"``, ``"GJ/(10^4 Nm3)"``, ``"10^4 kWh"``, ``"t*km"``.

    Returns
    -------
    pint.Quantity
        The unit as a quantity (numeric prefixes such as ``10^4`` are kept in its
        magnitude). Results are cached: each distinct string is parsed once.

    Raises
    ------
    UnknownUnitError
        Unknown or ambiguous units, gas names and expressions that are not a unit.
    """
    if not isinstance(text, str):
        raise UnknownUnitError(repr(text), reason="a unit must be a string")
    _refuse(text)
    import pint

    ureg = registry()
    try:
        q = ureg.parse_expression(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as exc:
        raise UnknownUnitError(text, reason=str(exc)) from None
    except Exception as exc:  # tokenizer/parse errors from pint have no common base
        raise UnknownUnitError(text, reason=f"not a unit expression ({exc})") from None
    if not isinstance(q, ureg.Quantity):
        if isinstance(q, int | float) and not isinstance(q, bool):
            q = ureg.Quantity(q, "dimensionless")
        else:
            raise UnknownUnitError(text, reason="not a unit expression")
    if not (0 < float(q.magnitude) < float("inf")):
        raise UnknownUnitError(text, reason="a unit must have a positive, finite size")
    return q


def dimensionality(text: str) -> str:
    """Return the dimensionality of a unit expression as text, e.g. ``[mass]``."""
    return str(parse_unit(text).dimensionality)


def is_energy(text: str) -> bool:
    """Whether *text* is a unit of energy (J, GJ, TJ, kWh, MWh, tce, toe, MMBtu...)."""
    return parse_unit(text).dimensionality == registry().get_dimensionality("[energy]")


@lru_cache(maxsize=1024)
def conventional_basis(text: str) -> str | None:
    """The calorific basis an energy unit implies by convention, if any.

    ``tce``/``kgce`` (GB/T 2589: 29.3076 MJ/kg on a net basis) and ``toe`` (IEA: 41.868
    GJ, net) are ``"NCV"``; ``Btu``, ``MMBtu`` and ``therm`` are ``"GCV"`` (US practice
    states fuel heat input on a higher-heating-value basis). Joules and watt-hours carry
    no basis: ``None``.
    """
    if not is_energy(text):
        return None
    names = str(parse_unit(text).units)
    if "coal_equivalent" in names or "oil_equivalent" in names:
        return "NCV"
    if "british_thermal_unit" in names or "btu" in names or "therm" in names:
        return "GCV"
    return None


@lru_cache(maxsize=8192)
def conversion_factor(source: str, target: str, *, context: str = "") -> float:
    """Return *k* such that ``amount [source] * k = amount [target]``.

    Computed once per (source, target) pair and cached, so that record-level arithmetic
    is a plain multiplication.

    Raises
    ------
    DimensionalityMismatchError
        When the two units measure different things (e.g. ``kg`` and ``MWh``).
    """
    src, dst = parse_unit(source), parse_unit(target)
    if src.dimensionality != dst.dimensionality:
        raise DimensionalityMismatchError(source, target, context=context)
    return float((src / dst).to("dimensionless").magnitude)


def check_dimension(text: str, reference: str, *, context: str = "") -> None:
    """Raise :class:`DimensionalityMismatchError` unless *text* converts to *reference*."""
    conversion_factor(text, reference, context=context)


def quantity(value: Any, unit: str) -> pint.Quantity[Any]:
    """Build one pint Quantity (for display and tests; never per record in the core)."""
    q: pint.Quantity[Any] = value * parse_unit(unit)
    return q
