"""How factors, fuels and factor searches show in a notebook or a console.

A search of the bundled packs can return hundreds of factors, each carrying its validated
entry and citations; their dataclass reprs ran to about a megabyte for ``diesel``. Here a
factor or fuel has a one-line ``repr`` (reference, name, values, unit, region, years), and
a search returns :class:`SearchResults`, a ``list`` whose ``repr`` names the first few and
whose ``_repr_html_`` is a compact table. The list itself is unchanged: every item is
there, in the search's order.

This module is in the data layer, below ``pages``: its small table is built here, every
text escaped with :func:`nqi_carbon._escape.html_text` (a user pack's names are input).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from .._escape import html_text, visible

if TYPE_CHECKING:
    from .factors import Factor, Fuel

__all__ = ["SearchResults", "factor_repr", "fuel_repr"]

_T = TypeVar("_T")

REPR_ITEMS = 10  # items named by a search's plain-text repr
HTML_ROWS = 50  # rows of a search's table; the rest are counted
_NAME_CHARS = 60  # a name longer than this is cut (with …) in a repr or a table


def _short(text: str | None, limit: int = _NAME_CHARS) -> str:
    """*text* on one line, cut to *limit* characters with an ellipsis."""
    one = visible(" ".join((text or "").split()))
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _number(value: float, unit: str) -> str:
    """A value as the pack gives it (shortest round-trip digits) and its unit, if any."""
    digits = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return digits if unit.strip() in ("", "1") else f"{digits} {unit}"


def factor_values(f: Factor) -> str:
    """The gases and values of a factor: ``CO2 74100 kg/TJ; CH4 3 kg/TJ``."""
    e = f.entry
    parts = [f"{gas} {_number(v.value, v.unit)}" for gas, v in (e.gases or {}).items()]
    if e.co2e is not None:
        parts.append(f"CO2e {_number(e.co2e.value, e.co2e.unit)} ({e.co2e.gwp_set})")
    return "; ".join(parts)


def _years(f: Factor) -> str:
    e = f.entry
    if e.valid is not None:
        if e.valid.to is None:
            return f"{e.valid.from_}–"
        return (
            str(e.valid.from_) if e.valid.to == e.valid.from_ else f"{e.valid.from_}–{e.valid.to}"
        )
    return "" if e.data_year is None else f"data {e.data_year}"


def fuel_values(f: Fuel) -> str:
    """The parameters a fuel states: ``ncv 42.652 GJ/t; carbon_content 0.0202 t/GJ``."""
    parts = []
    for name in ("ncv", "carbon_content", "oxidation"):
        p = getattr(f.entry, name, None)
        if p is not None:
            parts.append(f"{name} {_number(p.value, p.unit)}")
    return "; ".join(parts)


def factor_repr(f: Factor) -> str:
    """``Factor('ipcc-2006/stationary/diesel', 'Diesel oil', CO2 74100 kg/TJ; …, region GLOBAL)``."""
    extra = [f"region {f.entry.region}"]
    if years := _years(f):
        extra.append(years)
    return (
        f"Factor({f.ref!r}, {_short(f.entry.name)!r}, {_short(factor_values(f), 120)}, "
        f"{', '.join(extra)})"
    )


def fuel_repr(f: Fuel) -> str:
    """``Fuel('cn-mee/fuel/diesel', 'Diesel 柴油', ncv 42.652 GJ/t; …)``."""
    return f"Fuel({f.ref!r}, {_short(f.entry.name)!r}, {_short(fuel_values(f), 120)})"


def _row(item: object) -> tuple[str, str, str, str, str, str]:
    """(reference, kind, name, values, per, region and years) of a factor or fuel."""
    from .factors import Factor, Fuel

    if isinstance(item, Factor):
        e = item.entry
        where = " ".join(p for p in (e.region, _years(item)) if p)
        per = e.activity_unit or ""
        return item.ref, "factor", _short(e.name), factor_values(item), per, where
    if isinstance(item, Fuel):
        return item.ref, "fuel", _short(item.entry.name), fuel_values(item), "", ""
    return "", type(item).__name__, _short(repr(item)), "", "", ""


class SearchResults(list[_T]):
    """The factors and fuels a registry search found, in rank order.

    A plain ``list`` (index it, loop over it, ``len`` it) that displays compactly: its
    ``repr`` names the first :data:`REPR_ITEMS` items and counts the rest, and in a
    notebook it is a table of the first :data:`HTML_ROWS` (reference, kind, name, values,
    activity unit, region and years).
    """

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return "SearchResults([]): nothing found"
        shown = [f"  {item!r}," for item in self[:REPR_ITEMS]]
        more = [f"  … {n - REPR_ITEMS} more"] if n > REPR_ITEMS else []
        noun = "item" if n == 1 else "items"
        return "\n".join([f"SearchResults({n} {noun}, best first: [", *shown, *more, "])"])

    def _repr_html_(self) -> str:
        n = len(self)
        if n == 0:
            return "<p><i>Nothing found.</i></p>"
        head = "".join(
            f"<th>{h}</th>" for h in ("reference", "kind", "name", "values", "per", "region, years")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in _row(item)) + "</tr>"
            for item in self[:HTML_ROWS]
        )
        more = (
            f"<p><i>{n - HTML_ROWS} more not shown (the list holds all {n}).</i></p>"
            if n > HTML_ROWS
            else ""
        )
        found = f"{n} found, best first"
        return (
            f"<div><p>{found}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}</div>"
        )
