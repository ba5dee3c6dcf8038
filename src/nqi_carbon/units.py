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
``gal_US``, ``US_gallon``; ``gal_imp``, ``imp_gallon``
    The US liquid gallon (3.785411784 L) and the imperial gallon (4.54609 L). A bare
    ``gal`` or ``gallon`` is refused: it means one in the US and the other in the UK.
``scf``
    Standard cubic foot: a cubic foot of gas at US standard conditions (60 °F and
    14.7 psia, as the US EPA GHG Reporting Program states them). Like ``Nm3`` it has a
    dimension of its own (``[us_standard_gas_volume]``): no reference-condition
    conversion to ``Nm3`` or to an actual volume is ever applied silently.
``tkm``, ``passenger``, ``pkm``, ``vehicle``, ``vkm``
    Transport activity: tonne-kilometre, passenger-kilometre, vehicle-kilometre.
``room_night`` (alias ``night``)
    One hotel room occupied for one night, a counted unit with a dimension of its own
    (``[room_night]``): it converts to nothing else, so 3 nights of 2 rooms is written
    ``6 room_night``, never a time.
``CNY``, ``USD``, ``EUR``, ``GBP``, ``JPY``, ``HKD``
    Currency amounts for spend-based factors. Each currency is its own dimension, so no
    exchange rate is ever applied silently.

Numeric prefixes such as ``10^4 Nm3``, ``10^4 kWh`` or ``10^4 t`` (as used in Chinese
statistical reports, 万) parse as units 10 000 times the base.

Unit grammar
------------
A unit is read by a small grammar of its own before pint sees anything, so a unit string
is never evaluated as arithmetic (``"10**10**10"`` or ``"MWh + kWh"`` are refused, not
computed) and parsing takes time linear in its length::

    unit     := product
    product  := power (('*' | '·' | '⋅' | '/' | spaces) power)*    left to right
    power    := atom ['^' exponent | '**' exponent | superscript exponent]
    atom     := NAME | '%' | '1' | '10' ('^' | '**') exponent | '(' product ')'
    exponent := ['+' | '-'] digits  |  '(' ['+' | '-'] digits ')'

``NAME`` is a unit name of the registry (letters, digits after the first letter, ``_``;
``µ``/``μ`` as in ``µg``; ``Nm^3`` and ``Nm³`` are aliases of ``Nm3``). Unit exponents
are integers with ``|n| <= MAX_UNIT_EXPONENT``; a power-of-ten prefix ``10^n`` takes
``1 <= n <= MAX_TEN_EXPONENT`` and the overall size of any part of the expression stays
within ``10^±MAX_SCALE_EXPONENT``; parentheses nest at most ``MAX_UNIT_DEPTH`` deep; the
whole text is at most ``MAX_UNIT_LENGTH`` characters. ``"1"`` is a dimensionless amount.
Everything else (other numbers, decimal commas, ``+``, ``-`` outside an exponent, powers
of powers, control characters) is refused with :class:`~nqi_carbon.errors.UnknownUnitError`.

Gas and refrigerant names are never units: ``"kg R-410A"`` or ``"tCO2e"`` are refused
with a message saying to give the gas separately.

Names that would be silently wrong are refused with the choices: ``ton`` (short, long or
metric?), ``gal``/``gallon`` (US or imperial?), ``bbl``/``barrel`` (pint's 31.5-gallon
barrel, not the 42-gallon oil barrel), ``cal``/``kcal``/``Gcal`` (International Table or
thermochemical calorie?), ``mt``/``MT`` (metric tons in trade usage, a millitonne or a
megatesla in SI) and ``MBtu``. ``tonne`` and ``tonnes`` are the metric tonne (the spelling
is metric in every English usage). A real unit that is a common unit in another letter
case (``nm3``, ``mWh``, ``Tj``, ``T``) is refused with "did you mean" (``Nm3``, ``MWh``,
``TJ``, ``t``), and so is an unknown one (``kwh`` -> ``kWh``).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import DimensionalityMismatchError, UnknownUnitError, close_matches

if TYPE_CHECKING:
    import pint

__all__ = [
    "MAX_SCALE_EXPONENT",
    "MAX_TEN_EXPONENT",
    "MAX_UNIT_DEPTH",
    "MAX_UNIT_EXPONENT",
    "MAX_UNIT_LENGTH",
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
    "@alias gallon = gal_US = US_gallon = US_gal",
    "@alias imperial_gallon = gal_imp = imp_gallon = imp_gal",
    "standard_cubic_foot = [us_standard_gas_volume] = scf",
    "tonne_kilometre = metric_ton * kilometer = tkm = t_km",
    "passenger = [passenger]",
    "passenger_kilometre = passenger * kilometer = pkm = p_km",
    "vehicle = [vehicle]",
    "vehicle_kilometre = vehicle * kilometer = vkm = v_km",
    "room_night = [room_night] = night",
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
    "mt": "ambiguous: 'mt' means metric tons in trade usage but a millitonne (1 kg) in SI; "
    "write 't' (tonne), 'kt' or 'Mt' (megatonne)",
    "MT": "ambiguous: 'MT' means metric tons in trade usage but a megatesla in SI; write 't' "
    "(tonne), 'kt' or 'Mt' (megatonne)",
    "MBtu": "ambiguous: in US practice MBtu is a thousand Btu, while the SI prefix M makes "
    "it a million; write 'kBtu' (10^3 Btu) or 'MMBtu' (10^6 Btu)",
    **dict.fromkeys(
        ("gal", "gals", "gallon", "gallons"),
        "ambiguous: a gallon is 3.785 L in the US and 4.546 L in the UK; write 'gal_US' "
        "(US liquid gallon) or 'gal_imp' (imperial gallon)",
    ),
    **dict.fromkeys(
        ("bbl", "barrel", "barrels"),
        "ambiguous: pint reads a barrel as the US liquid barrel (31.5 US gallons), not the "
        "oil barrel of energy statistics (42 US gallons); write 'oil_barrel' (158.99 L) or "
        "the volume in L or m3",
    ),
    **dict.fromkeys(
        ("cal", "kcal", "Mcal", "Gcal", "Tcal"),
        "ambiguous: the calorie of energy statistics (GB/T 2589, IEA) is the International "
        "Table calorie (4.1868 J), pint's 'cal' the thermochemical one (4.184 J); write "
        "'cal_it' (e.g. 'Gcal_it', 'kcal_it') or 'cal_th'",
    ),
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

    folder = _private_cache_folder(_pint_cache_name(pint.__version__, pint.__file__))
    try:
        ureg: pint.UnitRegistry[Any] = _pint_registry(folder)
    except Exception:  # a cache pint cannot use (stale, corrupt) is no reason to fail
        if folder is None:
            raise
        ureg = _pint_registry(None)
    # one parse of the lines together: what define() does per line, at a third of the cost
    ureg.load_definitions(list(_DEFINITIONS))
    return ureg


def _pint_registry(cache_folder: str | None) -> pint.UnitRegistry[Any]:
    import pint

    return pint.UnitRegistry(
        autoconvert_offset_to_baseunit=False,
        on_redefinition="ignore",
        cache_folder=cache_folder,
    )


def _pint_cache_name(version: str, module_file: str | None) -> str:
    """The cache folder's name for one pint installation: its version and where it lives.

    pint's cached definitions hold the paths of the definition files they were parsed
    from and read them again on load, so a cache written by another installation of the
    same version (another virtual environment, since deleted) would point at files that
    may be gone. Each installation therefore has a folder of its own.
    """
    import hashlib
    import os

    where = os.path.dirname(os.path.realpath(module_file or ""))
    return f"pint-{version}-{hashlib.sha256(where.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


CACHE_ENV = "NQI_CARBON_CACHE"
"""Set to ``0`` to keep nothing on disk between processes (pint's parsed definitions)."""


def _private_cache_folder(name: str) -> str | None:
    """A folder for pint's parsed unit definitions that only this user can write, or None.

    pint keeps them as pickle files (about 200 kB, one set per pint version: a fresh
    process builds the registry in 15 ms instead of 140), and a pickle must never be read
    from a place another user can write. So the folder is
    ``$XDG_CACHE_HOME/nqi-carbon/<name>`` (``~/.cache`` when unset), made with mode 0700,
    and used only when it and ``nqi-carbon`` are real folders (not links) owned by this
    user that no one else can write (the leaf: not even read). Anything else — another
    owner, looser modes, no home, Windows, ``NQI_CARBON_CACHE=0`` — means no cache.
    """
    import os
    import stat
    from pathlib import Path

    if os.environ.get(CACHE_ENV, "").strip() == "0" or not hasattr(os, "geteuid"):
        return None
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        if not base.is_absolute():
            return None
        top, leaf = base / "nqi-carbon", base / "nqi-carbon" / name
        leaf.mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder, loose in ((top, 0o022), (leaf, 0o077)):
            st = os.lstat(folder)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & loose:
                return None
    except (OSError, RuntimeError):  # no home, a read-only or missing folder
        return None
    return str(leaf)


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


MAX_UNIT_LENGTH = 100
"""Longest unit expression accepted, in characters (``GJ/(10^4 Nm3)`` has 13)."""

MAX_UNIT_EXPONENT = 4
"""Largest ``|n|`` of a unit power ``m^n``, ``m**n`` or ``m²`` (``K^4`` is the largest in use)."""

MAX_UNIT_DEPTH = 4
"""Deepest nesting of parentheses in a unit expression."""

MAX_TEN_EXPONENT = 12
"""Largest ``n`` of a power-of-ten prefix ``10^n`` (万 is 10^4, 亿 10^8)."""

MAX_SCALE_EXPONENT = 24
"""Bound on the size of every part of a unit expression: within ``10^±24``."""

_ALLOWED = (
    "unit names (t, kg, MWh, Nm3, m², µg...) joined by '*', '·', '/' or spaces; integer "
    f"powers ^n, **n or superscripts with |n| <= {MAX_UNIT_EXPONENT}; parentheses up to "
    f"{MAX_UNIT_DEPTH} deep; '1' for a dimensionless amount; '%'; a power-of-ten prefix "
    f"10^n with 1 <= n <= {MAX_TEN_EXPONENT} (e.g. '10^4 Nm3'); no other numbers and no "
    f"arithmetic; at most {MAX_UNIT_LENGTH} characters"
)

_SUPERSCRIPT_DIGITS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_SUPERSCRIPT_SIGNS = {"⁻": "-", "⁺": "+"}
_MULTIPLY = {"*", "·", "⋅"}
_SPACES = {" ", "\t", "\u00a0", "\u202f"}
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
# names written with a power or superscript that the registry defines as one unit
_COMPOSITE_NAMES = tuple(
    sorted(
        {
            alias.strip()
            for line in _DEFINITIONS
            for alias in line.split("=")[2:]
            if not alias.strip().isidentifier()
        },
        key=len,
        reverse=True,
    )
)
# common units offered as "did you mean" for an unknown name
_SUGGESTED = (
    "t", "kg", "g", "kt", "Mt", "Gg", "tC", "kgC", "J", "kJ", "MJ", "GJ", "TJ", "PJ", "Wh",
    "kWh", "MWh", "GWh", "TWh", "tce", "kgce", "toe", "ktoe", "Mtoe", "Btu", "kBtu", "MMBtu",
    "therm", "Nm3", "scf", "m3", "L", "gal_US", "gal_imp", "oil_barrel", "km", "tkm", "pkm", "vkm", "passenger",
    "vehicle", "room_night", "h", "day", "year", "percent", "short_ton", "long_ton", "CNY", "USD", "EUR",
    "GBP", "JPY", "HKD",
)  # fmt: skip


@dataclass(frozen=True)
class _Token:
    kind: str  # name, one, number, op, open, close, sign, sup
    text: str
    pos: int  # 0-based index in the unit text
    spaced: bool  # whitespace precedes it


def _name_char(c: str) -> bool:
    return c == "_" or (c.isalnum() and c not in _SUPERSCRIPT_DIGITS)


def _bad(text: str, reason: str) -> UnknownUnitError:
    return UnknownUnitError(text, reason=f"{reason}; allowed: {_ALLOWED}")


def _lex(text: str) -> list[_Token]:
    """Split a unit expression into tokens (one pass, no backtracking)."""
    tokens: list[_Token] = []
    i, n, spaced = 0, len(text), False
    while i < n:
        c = text[i]
        if c in _SPACES:
            i, spaced = i + 1, True
            continue
        start = i
        if c.isalpha() or c == "_":
            composite = next((a for a in _COMPOSITE_NAMES if text.startswith(a, i)), None)
            j = i + len(composite) if composite else i + 1
            if composite is None:
                while j < n and _name_char(text[j]):
                    j += 1
            elif j < n and (_name_char(text[j]) or text[j] in _SUPERSCRIPT_DIGITS):
                composite = None  # 'Nm^34' is not the alias 'Nm^3'
                j = i + 1
                while j < n and _name_char(text[j]):
                    j += 1
            tokens.append(_Token("name", text[i:j], start, spaced))
            i = j
        elif c.isdigit() and c.isascii():
            m = _NUMBER.match(text, i)
            assert m is not None
            j = m.end()
            word = m.group(0)
            tokens.append(_Token("one" if word == "1" else "number", word, start, spaced))
            i = j
        elif c in _SUPERSCRIPT_DIGITS or c in _SUPERSCRIPT_SIGNS:
            j = i
            while j < n and (text[j] in _SUPERSCRIPT_DIGITS or text[j] in _SUPERSCRIPT_SIGNS):
                j += 1
            word = "".join(
                _SUPERSCRIPT_DIGITS.get(ch) or _SUPERSCRIPT_SIGNS[ch] for ch in text[i:j]
            )
            tokens.append(_Token("sup", word, start, spaced))
            i = j
        elif text.startswith("**", i) or c == "^":
            j = i + (2 if c == "*" else 1)
            tokens.append(_Token("power", text[i:j], start, spaced))
            i = j
        elif c in _MULTIPLY or c == "/":
            tokens.append(_Token("op", "/" if c == "/" else "*", start, spaced))
            i += 1
        elif c in "()":
            tokens.append(_Token("open" if c == "(" else "close", c, start, spaced))
            i += 1
        elif c in "+-":
            tokens.append(_Token("sign", c, start, spaced))
            i += 1
        elif c == "%":
            tokens.append(_Token("name", "%", start, spaced))
            i += 1
        else:
            shown = repr(c) if c.isprintable() else f"U+{ord(c):04X}"
            hint = (
                " (a unit has no decimal comma or thousands separator: numbers belong in the "
                "amount)"
                if c == ","
                else ""
            )
            raise _bad(text, f"character {shown} at position {i + 1} is not allowed{hint}")
        spaced = False
    return tokens


# A parsed unit: ("name", str) | ("one",) | ("ten", n) | ("*" or "/", left, right) | ("^", base, n)
_Node = tuple[Any, ...]


class _Parser:
    """Recursive descent over the tokens; recursion is bounded by ``MAX_UNIT_DEPTH``."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Token | None, what: str) -> UnknownUnitError:
        where = "at the end" if tok is None else f"{tok.text!r} at position {tok.pos + 1}"
        return _bad(self.text, f"{what} ({where})")

    def parse(self) -> _Node:
        node = self.product(0)
        tok = self.peek()
        if tok is not None:
            raise self.fail(
                tok, "unexpected closing parenthesis" if tok.kind == "close" else "unexpected text"
            )
        return node

    def product(self, depth: int) -> _Node:
        node = self.power(depth)
        while (tok := self.peek()) is not None and tok.kind != "close":
            if tok.kind == "op":
                self.take()
                node = (tok.text, node, self.power(depth))
            elif tok.kind in ("name", "one", "number", "open") and tok.spaced:
                node = ("*", node, self.power(depth))  # a space multiplies
            elif tok.kind in ("name", "one", "number", "open"):
                raise self.fail(tok, "write '*' or a space between two units")
            elif tok.kind in ("power", "sup"):
                raise self.fail(tok, "a power cannot be raised to a power")
            else:
                raise self.fail(
                    tok, f"{tok.text!r} is not a unit operator: no addition or subtraction"
                )
        return node

    def power(self, depth: int) -> _Node:
        atom = self.atom(depth)
        tok = self.peek()
        if atom[0] == "ten" or tok is None or tok.kind not in ("power", "sup"):
            return atom
        self.take()
        n = self.exponent(tok) if tok.kind == "power" else self.integer(tok, tok.text)
        if abs(n) > MAX_UNIT_EXPONENT:
            raise self.fail(
                tok, f"exponent {n} is outside -{MAX_UNIT_EXPONENT}..{MAX_UNIT_EXPONENT}"
            )
        return ("^", atom, n)

    def atom(self, depth: int) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.fail(tok, "a unit is missing")
        self.take()
        if tok.kind == "name":
            return ("name", tok.text)
        if tok.kind == "one":
            return ("one",)
        if tok.kind == "number":
            nxt = self.peek()
            if tok.text == "10" and nxt is not None and nxt.kind == "power" and not nxt.spaced:
                self.take()
                n = self.exponent(nxt)
                if not 1 <= n <= MAX_TEN_EXPONENT:
                    raise self.fail(
                        nxt, f"a power-of-ten prefix is 10^1..10^{MAX_TEN_EXPONENT}, not 10^{n}"
                    )
                return ("ten", n)
            raise self.fail(
                tok,
                f"the number {tok.text!r} is not allowed in a unit: numbers belong in the "
                "amount (a unit may only start with a power of ten such as 10^4)",
            )
        if tok.kind == "open":
            if depth >= MAX_UNIT_DEPTH:
                raise self.fail(tok, f"parentheses nest more than {MAX_UNIT_DEPTH} deep")
            node = self.product(depth + 1)
            close = self.peek()
            if close is None or close.kind != "close":
                raise self.fail(close, "a parenthesis is not closed")
            self.take()
            return node
        raise self.fail(tok, "a unit is missing")

    def exponent(self, after: _Token) -> int:
        tok = self.peek()
        parens = tok is not None and tok.kind == "open"
        if parens:
            self.take()
        sign = ""
        tok = self.peek()
        if tok is not None and tok.kind == "sign":
            sign = self.take().text
        tok = self.peek()
        if tok is None or tok.kind not in ("one", "number"):
            raise self.fail(
                tok if tok is not None else None, f"{after.text!r} needs a whole-number exponent"
            )
        self.take()
        n = self.integer(tok, sign + tok.text)
        if parens:
            close = self.peek()
            if close is None or close.kind != "close":
                raise self.fail(close, "a parenthesis is not closed")
            self.take()
        return n

    def integer(self, tok: _Token, word: str) -> int:
        digits = word.lstrip("+-")
        if not digits.isdigit() or not digits.isascii() or len(digits) > 3:
            raise self.fail(tok, "an exponent is a small whole number")
        return int(word)


def _scale(node: _Node, text: str) -> int:
    """Power of ten a parsed unit carries; every part is checked to stay within bounds."""
    kind = node[0]
    if kind in ("name", "one"):
        return 0
    if kind == "ten":
        k = int(node[1])
    elif kind == "^":
        k = _scale(node[1], text) * int(node[2])
    else:
        left, right = _scale(node[1], text), _scale(node[2], text)
        k = left + right if kind == "*" else left - right
    if abs(k) > MAX_SCALE_EXPONENT:
        raise _bad(text, f"the expression's size 10^{k} is outside 10^±{MAX_SCALE_EXPONENT}")
    return k


def _evaluate(node: _Node, text: str) -> Any:
    """Build the quantity with the same operations pint's own parser would apply."""
    import pint

    kind = node[0]
    if kind == "one":
        return 1
    if kind == "ten":
        return 10 ** int(node[1])
    ureg = registry()
    if kind == "name":
        name = str(node[1])
        if name == "dimensionless":
            return ureg.Quantity(1)
        try:
            canonical = ureg.get_name(name)
        except pint.errors.UndefinedUnitError:
            raise UnknownUnitError(
                text,
                reason=f"{name!r} is not a unit name nqi-carbon knows",
                matches=_case_matches(name) or close_matches(name, _SUGGESTED),
            ) from None
        _refuse_case_slip(text, name, canonical)
        return ureg.Quantity(1, ureg.UnitsContainer({canonical: 1}))
    if kind == "^":
        return operator.pow(_evaluate(node[1], text), int(node[2]))
    op = operator.mul if kind == "*" else operator.truediv
    return op(_evaluate(node[1], text), _evaluate(node[2], text))


def _case_matches(name: str) -> list[str]:
    """The common units spelled like *name* but for letter case (``kwh`` -> ``kWh``)."""
    return [s for s in _SUGGESTED if s.lower() == name.lower() and s != name]


def _refuse_case_slip(text: str, name: str, canonical: str) -> None:
    """Refuse a unit name that is a common unit with another letter case.

    ``mWh`` is a milliwatt-hour, ``nm3`` a cubic nanometre, ``Tj`` pint's jute and ``T``
    a tesla: real units, but in an inventory a slip for ``MWh``, ``Nm3``, ``TJ`` or
    ``t`` that would be off by many orders of magnitude, silently. Spellings of the same
    unit (``l`` and ``L``, ``mmBtu`` and ``MMBtu``) are not slips.
    """
    ureg = registry()
    slips = [s for s in _case_matches(name) if ureg.get_name(s) != canonical]
    if slips:
        raise UnknownUnitError(
            text,
            reason=f"{name!r} would be read as {canonical.replace('_', ' ').strip()}, which is "
            "almost certainly not meant here; letter case matters in units",
            matches=slips,
        )


def parse_unit(text: str) -> pint.Quantity[Any]:
    """Parse a unit expression into a pint Quantity of magnitude one unit.

    The text is read by the grammar in this module's docstring (never evaluated as
    arithmetic), in time linear in its length; its parts are then combined by pint.

    Parameters
    ----------
    text : str
        E.g. ``"MWh"``, ``"kg/TJ"``, ``"GJ/(10^4 Nm3)"``, ``"10^4 kWh"``, ``"t*km"``;
        at most :data:`MAX_UNIT_LENGTH` characters.

    Returns
    -------
    pint.Quantity
        The unit as a quantity (numeric prefixes such as ``10^4`` are kept in its
        magnitude). Results are cached: each distinct string is parsed once.

    Raises
    ------
    UnknownUnitError
        Unknown or ambiguous units, gas names, and text outside the grammar (numbers,
        arithmetic, text longer than :data:`MAX_UNIT_LENGTH`); the message says what is
        allowed.
    """
    if not isinstance(text, str):  # checked before the cache: a list is no key
        raise UnknownUnitError(repr(text)[:80], reason="a unit must be a string")
    return _parse_unit(text)


@lru_cache(maxsize=4096)
def _parse_unit(text: str) -> pint.Quantity[Any]:
    """:func:`parse_unit` of text, parsed once per distinct string."""
    if len(text) > MAX_UNIT_LENGTH:
        raise UnknownUnitError(
            text[:20] + "...",
            reason=f"a unit is at most {MAX_UNIT_LENGTH} characters (got {len(text)})",
        )
    _refuse(text)
    tree = _Parser(text, _lex(text)).parse()
    _scale(tree, text)
    ureg = registry()
    q = _evaluate(tree, text)
    if not isinstance(q, ureg.Quantity):
        q = ureg.Quantity(q)
    return q


def dimensionality(text: str) -> str:
    """Return the dimensionality of a unit expression as text, e.g. ``[mass]``."""
    return str(parse_unit(text).dimensionality)


@lru_cache(maxsize=1024)
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


def conversion_factor(
    source: str, target: str, *, per: str | None = None, context: str = ""
) -> float:
    """Return *k* such that ``amount [source] * k = amount [target]``.

    Computed once per (source, target, per) pair and cached, so that record-level
    arithmetic is a plain multiplication.

    Parameters
    ----------
    source, target : str
        Unit expressions.
    per : str, optional
        Divide *target* by this unit: ``conversion_factor("kg/TJ", "t", per="GJ")`` is the
        factor to ``t/(GJ)``, without building (and re-parsing) a longer unit string.
    context : str
        Said in the error message.

    Raises
    ------
    DimensionalityMismatchError
        When the two units measure different things (e.g. ``kg`` and ``MWh``).
    """
    for text in (source, target, per):
        if text is not None and not isinstance(text, str):  # before the cache: no key
            raise UnknownUnitError(repr(text)[:80], reason="a unit must be a string")
    return _conversion_factor(source, target, per, context if isinstance(context, str) else "")


@lru_cache(maxsize=8192)
def _conversion_factor(source: str, target: str, per: str | None, context: str) -> float:
    """:func:`conversion_factor` of unit texts, computed once per combination."""
    src, dst = parse_unit(source), parse_unit(target)
    if per is not None:
        dst = dst / parse_unit(per)
        target = f"{target}/({per})"
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
