"""pint Quantities from other code: amounts given as Quantities, and results returned as them.

nqi-carbon keeps numbers and unit strings apart (a unit is parsed once per unit, never per
record), so a Quantity that comes in is split into its magnitude and a unit expression the
nqi-carbon unit grammar reads. The Quantity may come from ``nc.ureg`` or from any other
pint registry (the application registry, one a notebook made): its unit is read back from
its text, never trusted as an object.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnknownUnitError
from ..units import conversion_factor, parse_unit

__all__ = ["is_quantity", "magnitude_in", "quantity_unit"]


def is_quantity(value: Any) -> bool:
    """Whether *value* is a pint Quantity (of any registry)."""
    return all(hasattr(value, a) for a in ("magnitude", "units", "dimensionality", "to"))


def quantity_unit(value: Any) -> str:
    """The unit of Quantity *value* as an expression nqi-carbon's grammar reads (``t``, ``kWh``).

    pint's short symbols are tried first (``t``, ``kWh``, ``kg/m**3``), then its long names
    (``metric_ton``); a dimensionless Quantity has unit ``1``.

    Raises
    ------
    UnknownUnitError
        When neither form is a unit nqi-carbon knows.
    """
    units = value.units
    forms = []
    for spec in ("~C", "C"):
        try:
            forms.append(format(units, spec))
        except (ValueError, TypeError, KeyError):  # a registry without that format
            continue
    forms.append(str(units))
    first_error: UnknownUnitError | None = None
    for text in forms:
        text = text.strip() or "1"
        if text in ("dimensionless", ""):
            text = "1"
        try:
            parse_unit(text)
        except UnknownUnitError as exc:
            first_error = first_error or exc
            continue
        return text
    assert first_error is not None
    raise first_error


def magnitude_in(value: Any, unit: str, *, context: str = "") -> Any:
    """The magnitude of Quantity *value* expressed in *unit* (a number or an array).

    Raises
    ------
    UnknownUnitError, DimensionalityMismatchError
        When the Quantity's unit is unknown to nqi-carbon or does not convert to *unit*.
    """
    k = conversion_factor(quantity_unit(value), unit, context=context)
    return value.magnitude * k if k != 1.0 else value.magnitude
