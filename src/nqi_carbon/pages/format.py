"""How numbers, tonnes, dates and cells are written on every page."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable
from typing import Any

from .._escape import html_text
from ..errors import InvalidInputError, Issue


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:,.{digits}f}"


def _fmt_t(v: float) -> str:
    """Tonnes (of CO2e or of a gas) as printed in every table.

    Three decimals (``0.000`` for zero); amounts below 0.1 t keep three significant
    digits (``0.0466``, ``0.0006``), with zeros past the third decimal dropped (``0.063``).
    """
    if v == 0 or not math.isfinite(v):
        return "0.000" if v == 0 else str(v)
    a = abs(v)
    if a >= 0.1:
        return f"{v:,.3f}"
    decimals = max(3, 2 - math.floor(math.log10(a)))
    head, frac = f"{v:,.{decimals}f}".split(".")
    return f"{head}.{frac[:3] + frac[3:].rstrip('0')}"


def tonnes(v: float, unit: str = "t CO2e") -> str:
    """A mass in tonnes with its unit, as on every page: :func:`_fmt_t` then *unit*.

    The one rule for tonnes in tables, headline boxes and sentences alike (see
    ``docs/explanation/number-formats.md``): ``866,079.662 t CO2e``, ``0.0466 t CO2``.
    """
    return f"{_fmt_t(v)} {unit}"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    """``1 facility``, ``2 facilities``."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def _slug(name: str) -> str:
    """HTML id of a report table: ``"By category"`` -> ``"t-by-category"``."""
    return "t-" + "-".join(name.lower().split())


_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def _linked(text: str) -> str:
    """HTML of *text* with its http(s) URLs as links; everything escaped.

    Only ``http://`` and ``https://`` URLs become links (never ``javascript:`` or others);
    trailing punctuation stays outside the link.
    """
    out, at = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:)]}")
        if len(url) <= len("https://"):
            continue
        out.append(html_text(text[at : m.start()]))
        out.append(f'<a href="{html_text(url)}">{html_text(url)}</a>')
        at = m.start() + len(url)
    out.append(html_text(text[at:]))
    return "".join(out)


_LINKED_COLUMNS = frozenset({"citation"})
"""Columns whose URLs are links in HTML (factor and parameter references)."""


_MAX_EPOCH = 253402300799
"""9999-12-31T23:59:59Z, the last second a ``datetime.date`` can hold."""


def _generation_date() -> _dt.date:
    """Today, or the reproducible-builds ``SOURCE_DATE_EPOCH`` when it is set.

    The generation date is the only part of a report that depends on when it was made;
    setting ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) makes the files byte-identical.
    Unset or empty means today. Any other value must be ASCII digits (surrounding
    whitespace aside) from 0 to 253402300799; anything else (``abc``, ``-5``, ``1e99``)
    is an :class:`~nqi_carbon.errors.InvalidInputError` (``source_date_epoch``), as the
    reproducible-builds specification asks of tools given a malformed value.
    """
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip():
        return _dt.date.today()
    digits = epoch.strip()
    well_formed = digits.isascii() and digits.isdigit() and len(digits) <= len(str(_MAX_EPOCH))
    if not well_formed or int(digits) > _MAX_EPOCH:
        raise InvalidInputError(
            [
                Issue(
                    "source_date_epoch",
                    "SOURCE_DATE_EPOCH is not a whole number of seconds since 1970-01-01T00:00:00Z",
                    field="SOURCE_DATE_EPOCH",
                    value=repr(epoch),
                    allowed=f"ASCII digits, 0 to {_MAX_EPOCH} (9999-12-31); "
                    "unset or empty for today's date",
                )
            ],
            source="environment",
        )
    return _dt.datetime.fromtimestamp(int(digits), tz=_dt.UTC).date()


_EXACT_COLUMNS = frozenset(
    {"value", "gwp", "coverage_factor", "attribution", "outstanding", "denominator_value"}
)
"""Values as the pack or the inventory gives them (factors, NCVs, carbon contents, GWPs,
PCAF amounts and attribution factors)."""


_PRECISE_COLUMNS = frozenset({"mass_t", "share", "activity", "amount", "to_activity_unit"})
"""Inputs and gas masses: printed to 10 significant digits, never to 3 decimals."""


def _is_missing(v: Any) -> bool:
    """None, NaN, ``pd.NA`` or ``pd.NaT``: an empty cell, never the text "<NA>" or "nan"."""
    if v is None:
        return True
    import pandas as pd

    return bool(pd.api.types.is_scalar(v) and not isinstance(v, str) and pd.isna(v))


def _exact(v: float) -> str:
    """The shortest text that reads back as exactly *v* (``repr``), with thousands commas."""
    text = f"{v:,}"
    return text[:-2] if text.endswith(".0") else text


_PERCENT_COLUMNS = frozenset({"relative_95", "variance_share"})
"""Fractions shown as percentages (``±4.2 %``, ``72.5 %``; a percent format in Excel)."""


def _cell(v: Any, column: str = "") -> str:
    if _is_missing(v):
        return "—"
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return _float_text(column)(v)
    if isinstance(v, int) and column in _EXACT_COLUMNS:
        return f"{v:,}"
    if isinstance(v, int) and column in _FRACTION_TEXT:
        return _FRACTION_TEXT[column](v)
    if isinstance(v, int):
        return str(v) if column in ("category", "scope", "scope3_category") else f"{v:,}"
    return str(v)


_FRACTION_TEXT: dict[str, Callable[[float], str]] = {
    "relative_95": lambda v: f"±{100 * v:.1f} %",
    "variance_share": lambda v: f"{100 * v:.1f} %",
    "weighted_score": lambda v: f"{v:.1f}",
    "expanded_uncertainty": lambda v: f"±{100 * v:.4g} %",
}


def _ten_digits(v: float) -> str:
    return f"{v:,.10g}"


def _float_text(column: str) -> Callable[[float], str]:
    """How a float of *column* is written in a table cell (:func:`_cell`), chosen once."""
    if column in _EXACT_COLUMNS:
        return _exact
    if column in _FRACTION_TEXT:
        return _FRACTION_TEXT[column]
    if column in ("share", "activity", "amount", "to_activity_unit"):
        return _ten_digits
    return _fmt_t


def float_texts(values: Any, column: str) -> list[str]:
    """The cell texts of a float64 array *values* of *column*: ``_float_text(column)`` of each.

    The same texts without a function call per value: one format per cell in a
    comprehension; tonnes below 0.1 t, zeros and non-finite values (found with numpy)
    are then written by :func:`_fmt_t` itself.
    """
    import numpy as np

    floats = values.tolist()
    write = _float_text(column)
    if write is _fmt_t:
        texts = [f"{v:,.3f}" for v in floats]
        with np.errstate(invalid="ignore"):
            other = ~(np.abs(values) >= 0.1) | ~np.isfinite(values)
        for i in other.nonzero()[0].tolist():
            texts[i] = _fmt_t(floats[i])
        return texts
    if write is _ten_digits:
        return [f"{v:,.10g}" for v in floats]
    if write is _exact:
        return [t[:-2] if t.endswith(".0") else t for t in [f"{v:,}" for v in floats]]
    if column == "relative_95":
        return [f"±{100 * v:.1f} %" for v in floats]
    return [write(v) for v in floats]


def _is_number(v: Any) -> bool:
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    return isinstance(v, int | float) and not isinstance(v, bool)


def verification_date(date: str | _dt.date | None) -> str | None:
    """The date of a verification report as ISO text (None stays None).

    A value that is not an ISO date is a ``verification_date`` error.
    """
    if date is None:
        return None
    if isinstance(date, _dt.datetime):
        return date.date().isoformat()
    if isinstance(date, _dt.date):
        return date.isoformat()
    try:
        return _dt.date.fromisoformat(str(date).strip()).isoformat()
    except ValueError:
        raise InvalidInputError(
            [
                Issue(
                    "verification_date",
                    "not a date",
                    field="date",
                    value=repr(date),
                    allowed="an ISO date such as 2025-04-30",
                )
            ]
        ) from None
