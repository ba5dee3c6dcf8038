"""pint Quantities from other code: amounts given as Quantities, and results returned as them.

nqi-carbon keeps numbers and unit strings apart (a unit is parsed once per unit, never per
record), so a Quantity that comes in is split into its magnitude and a unit expression the
nqi-carbon unit grammar reads. The Quantity may come from ``nc.ureg`` or from any other
pint registry (the application registry, one a notebook made): its unit is read back from
its text, never trusted as an object.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import UnknownUnitError
from ..units import conversion_factor, parse_unit

__all__ = [
    "activity_quantities",
    "is_quantity",
    "magnitude_in",
    "number_argument",
    "quantity_issue_code",
    "quantity_unit",
    "split_quantity",
]


def is_quantity(value: Any) -> bool:
    """Whether *value* is a pint Quantity (of any registry)."""
    return all(hasattr(value, a) for a in ("magnitude", "units", "dimensionality", "to"))


def quantity_unit(value: Any) -> str:
    """The unit of Quantity *value* as an expression nqi-carbon's grammar reads (``t``, ``kWh``).

    pint's short symbols are tried first (``t``, ``kWh``, ``kg/m**3``), then its long names
    (``metric_ton``); a dimensionless Quantity has unit ``1``. A form is taken only when
    it means, in nqi-carbon's units, what it means in the Quantity's own registry (same
    dimension, same size in root units): a registry that redefines ``t`` is not misread.

    Raises
    ------
    UnknownUnitError
        When no form is a unit nqi-carbon knows with the same meaning.
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
            _same_meaning(units, text)
        except UnknownUnitError as exc:
            first_error = first_error or exc
            continue
        return text
    assert first_error is not None
    raise first_error


def _same_meaning(units: Any, text: str) -> None:
    """Raise :class:`UnknownUnitError` unless *text* is, for nqi-carbon, the unit *units*."""
    ours = parse_unit(text)
    try:
        theirs = (1.0 * units).to_root_units()
        same_dimension = dict(theirs.dimensionality) == dict(ours.dimensionality)
        root = ours.to_root_units()
    except Exception:  # a foreign registry's failure: the form is not taken
        same_dimension = False
    if not same_dimension or (
        str(theirs.units) == str(root.units)
        and not math.isclose(float(theirs.magnitude), float(root.magnitude), rel_tol=1e-9)
    ):
        raise UnknownUnitError(
            text, reason="the Quantity's registry gives this unit another meaning"
        )


def magnitude_in(value: Any, unit: str, *, context: str = "") -> Any:
    """The magnitude of Quantity *value* expressed in *unit* (a number or an array).

    Raises
    ------
    UnknownUnitError, DimensionalityMismatchError
        When the Quantity's unit is unknown to nqi-carbon or does not convert to *unit*.
    """
    k = conversion_factor(quantity_unit(value), unit, context=context)
    return value.magnitude * k if k != 1.0 else value.magnitude


def split_quantity(value: Any, unit: str | None = None, *, context: str = "") -> tuple[Any, str]:
    """``(magnitude, unit)`` of Quantity *value*: in *unit* when given, else in its own.

    A numpy scalar magnitude becomes its Python number; an array stays an array (and is
    refused where a number is wanted).

    Raises
    ------
    UnknownUnitError, DimensionalityMismatchError
        As :func:`magnitude_in`.
    """
    if unit is None:
        magnitude, text = value.magnitude, quantity_unit(value)
    else:
        magnitude, text = magnitude_in(value, unit, context=context), unit
    if getattr(magnitude, "shape", None) == ():
        magnitude = magnitude.item()
    return magnitude, text


def quantity_issue_code(exc: Exception) -> str:
    """The reason code of a Quantity refused by :func:`split_quantity`."""
    return "unit_known" if isinstance(exc, UnknownUnitError) else "quantity_unit_fits"


def number_argument(value: Any, *, field: str, where: str, unit: str | None, allowed: str) -> Any:
    """A numeric argument of a public function: a number, a numeric numpy array, a Quantity.

    A Quantity is converted to *unit* (kept as it is when *unit* is None); a Python
    integer must fit a double.

    Raises
    ------
    InvalidArgumentError
        ``argument_type`` for text, booleans and other types.
    InvalidInputError
        ``finite_number`` for an integer beyond double precision.
    UnknownUnitError, DimensionalityMismatchError
        For a Quantity whose unit is unknown or does not convert to *unit*.
    """
    from ..errors import InvalidInputError, Issue, argument_error

    if is_quantity(value):
        return value if unit is None else magnitude_in(value, unit, context=f"{field} of {where}")
    if isinstance(value, bool) or not (
        isinstance(value, int | float)
        or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf")
    ):
        raise argument_error(field, value, allowed, where=where)
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            issue = Issue(
                "finite_number",
                "too large for double precision",
                field=field,
                value=f"{str(value)[:20]}... ({len(str(value))} digits)",
                allowed="a number below 1.8e308",
            )
            raise InvalidInputError([issue], source=where) from None
    return value


_CONTEXT = "amount given as a pint Quantity"


def activity_quantities(frame: Any) -> Any:
    """An activity DataFrame whose ``amount`` holds pint Quantities, as numbers and units.

    Two forms are read: a column of Quantity objects (each row its own unit), and a
    pint-pandas column (one unit for the column, converted at once). A row's Quantity
    gives its ``unit``; where the frame has a ``unit`` column with a unit in that row,
    the Quantity is converted to it. A frame without Quantities is returned as it is.

    Raises
    ------
    InvalidInputError
        Naming every row whose Quantity has a unit nqi-carbon does not know
        (``unit_known``) or one that does not convert to the row's ``unit``
        (``activity_unit_fits_factor``'s sibling ``quantity_unit_fits``).
    """
    if frame is None or "amount" not in getattr(frame, "columns", ()):
        return frame
    column = frame["amount"]
    array = column.array
    if hasattr(array, "quantity") and hasattr(array, "units"):  # pint-pandas
        return _pint_pandas_column(frame, array.quantity)
    if column.dtype != object or not any(is_quantity(v) for v in column.tolist()):
        return frame
    return _split_rows(frame)


def _split_rows(frame: Any) -> Any:
    """Rows whose amount is a Quantity: the magnitude, and the unit (converted if given)."""
    from ..errors import InvalidInputError, Issue, NqiCarbonError

    out = frame.copy()
    amounts = out["amount"].tolist()
    units: list[Any] = out["unit"].tolist() if "unit" in out.columns else [None] * len(out)
    issues: list[Issue] = []
    for i, value in enumerate(amounts):
        if not is_quantity(value):
            continue
        unit = units[i]
        given = unit if isinstance(unit, str) and unit.strip() else None
        try:
            amounts[i], units[i] = split_quantity(value, given, context=_CONTEXT)
        except NqiCarbonError as exc:
            issues.append(
                Issue(
                    quantity_issue_code(exc),
                    str(exc),
                    file="activity table",
                    row=i + 1,
                    field="amount",
                )
            )
    if issues:
        raise InvalidInputError(issues, source="activity table")
    out["amount"] = amounts
    out["unit"] = units
    return out


def _pint_pandas_column(frame: Any, quantity: Any) -> Any:
    """A pint-pandas ``amount`` column as numbers: in the column's unit, or each row's own.

    Rows of a ``unit`` column that name a unit are converted to it, once per unit.
    """
    import numpy as np
    import pandas as pd

    from ..errors import InvalidInputError, Issue, NqiCarbonError

    column_unit = quantity_unit(quantity)
    magnitudes = np.asarray(quantity.magnitude, dtype=float).copy()
    out = frame.copy()
    if "unit" not in out.columns:
        units = pd.Series(column_unit, index=frame.index, dtype=object)
    else:
        units = out["unit"].astype(object).where(out["unit"].notna(), column_unit)
    issues: list[Issue] = []
    for unit in pd.unique(units):
        if unit == column_unit:
            continue
        rows = (units == unit).to_numpy()
        try:
            magnitudes[rows] *= conversion_factor(column_unit, str(unit), context=_CONTEXT)
        except NqiCarbonError as exc:
            first = int(np.flatnonzero(rows)[0]) + 1
            issues.append(
                Issue(
                    quantity_issue_code(exc),
                    str(exc),
                    file="activity table",
                    row=first,
                    field="unit",
                )
            )
    if issues:
        raise InvalidInputError(issues, source="activity table")
    out["amount"] = pd.Series(magnitudes, index=frame.index)
    out["unit"] = units
    return out
