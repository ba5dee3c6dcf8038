"""The exception tree of nqi-carbon.

Every error raised on purpose by nqi-carbon derives from :class:`NqiCarbonError`. Each
also inherits the builtin a caller would naturally catch (``KeyError`` for an unknown
name, ``ValueError`` for a bad value), carries structured attributes, and pickles
(so it crosses process boundaries in MRV services and multiprocessing pools).

Input problems are described by :class:`Issue` records: what (a stable ``code``),
where (``file``, ``row``, ``field``), the offending ``value`` and what is ``allowed``.
:class:`InvalidInputError` carries *all* issues found in one input at once.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from ._escape import term_line

__all__ = [
    "CappedIssues",
    "DimensionalityMismatchError",
    "GWPSetMismatchError",
    "InvalidArgumentError",
    "InvalidInputError",
    "Issue",
    "MissingGWPError",
    "NqiCarbonError",
    "OmittedIssues",
    "PackError",
    "UnknownFactorError",
    "UnknownGWPSetError",
    "UnknownSpeciesError",
    "UnknownUnitError",
    "argument_error",
    "close_matches",
    "expect_type",
    "first_of",
    "json_scalar",
    "omitted_issues",
    "unique_issues",
]


def argument_error(name: str, value: Any, allowed: str, *, where: str) -> InvalidArgumentError:
    """The error for argument *name* of function *where* given *value* of a type it does not take."""
    return InvalidArgumentError(
        [
            Issue(
                "argument_type",
                "wrong type",
                field=name,
                value=type(value).__name__,
                allowed=allowed,
            )
        ],
        source=where,
    )


def expect_type(
    value: Any, types: type | tuple[type, ...], *, field: str, where: str, allowed: str
) -> Any:
    """*value* when it is an instance of *types* (a boolean only where ``bool`` is named).

    Raises
    ------
    InvalidArgumentError
        ``argument_type`` naming *field* of *where* and what is *allowed*.
    """
    named = types if isinstance(types, tuple) else (types,)
    if isinstance(value, types) and (bool in named or not isinstance(value, bool)):
        return value
    raise argument_error(field, value, allowed, where=where)


def close_matches(
    name: str,
    candidates: Iterable[str],
    n: int = 3,
    *,
    key: Callable[[str], str] | None = None,
) -> list[str]:
    """Return up to *n* candidates that look like *name* (case-insensitive), best first.

    With *key*, *name* and the candidates are compared in the form *key* gives (e.g. one
    without hyphens, so ``R134x`` resembles ``R-134a``); candidates of the same form count
    once, as the first of them given.
    """
    if key is None:
        pool = sorted(set(candidates))
        lowered = {c.lower(): c for c in pool}
        hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
        return [lowered[h] for h in hits]
    forms: dict[str, str] = {}
    for c in candidates:
        forms.setdefault(key(c), c)
    hits = difflib.get_close_matches(key(name), list(forms), n=n, cutoff=0.6)
    return [forms[h] for h in hits]


def first_of(names: Iterable[str], limit: int = 20) -> str:
    """The first *limit* of *names*, comma-separated, and how many more there are.

    For an issue's ``allowed``: the ids a file could have named. Built once and shared by
    every issue that needs it, and bounded: each listed issue's line carries it, so a list
    of every id of a large file made the error's text grow with issues x ids.
    """
    names = list(names)
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" (and {more:,} more)" if more > 0 else "")


def unique_issues(issues: Iterable[Issue], *, by: Sequence[str] = ("code", "field", "message")) -> list[Issue]:
    """The issues without repeats (same values of the attributes *by*), in first-seen order."""
    seen: set[tuple[object, ...]] = set()
    out: list[Issue] = []
    for i in issues:
        if isinstance(i, OmittedIssues):  # counts of problems not listed: never a repeat
            out.append(i)
            continue
        key = tuple(getattr(i, a) for a in by)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _did_you_mean(matches: Sequence[str]) -> str:
    if not matches:
        return ""
    return "; did you mean " + " or ".join(repr(m) for m in matches) + "?"


MAX_VALUE_CHARS = 80
"""Longest text of an offending value an :class:`Issue` shows (longer text is cut, ``...``)."""


@dataclass(frozen=True)
class Issue:
    """One problem found in an input.

    Attributes
    ----------
    code : str
        Stable reason code (a rule name such as ``source_facility_exists`` or a field
        check such as ``finite_number``); listed in docs/reference/reason-codes.md.
    message : str
        What is wrong, in words.
    file : str or None
        The input file, when there is one.
    row : int or None
        1-based row (tabular input) or list position where that helps.
    field : str or None
        Path to the field, e.g. ``sources[2].activity[0].amount`` (list positions in
        brackets, keys after dots), without the entry's id: that is :attr:`source`.
    value : str or None
        The offending value as text (its ``repr``, cut at :data:`MAX_VALUE_CHARS`).
    allowed : str or None
        What would have been accepted.
    severity : str
        ``error`` (input refused) or ``warning`` (input accepted, finding reported).
    source : str or None
        The id of the entry the field belongs to (a source, facility, factor...), when
        the input names one: ``sources[2]`` is source ``'kiln'``.
    raw : object
        The offending value as read (a string, number, boolean, None or date), for the
        JSON form (:meth:`to_dict`); ``...`` when not kept. Not compared.
    """

    code: str
    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None
    allowed: str | None = None
    severity: str = "error"
    source: str | None = None
    raw: Any = _field(default=..., compare=False, repr=False)

    def describe(self) -> str:
        r"""One line naming where, what, the value and what is allowed.

        Line breaks and other control characters of the parts (a file name, a message
        quoting input) are shown as ``\uXXXX``: the line is one line and no terminal
        escape sequence passes.
        """
        row = None if self.row is None else f"row {self.row}"
        where = ", ".join(p for p in (self.file, row) if p)
        parts = [f"{where}: " if where else ""]
        entry = f"({self.source!r})" if self.source is not None else ""
        if self.field:
            parts.append(f"{self.field} {entry}: " if entry else f"{self.field}: ")
        elif entry:
            parts.append(f"{entry}: ")
        parts.append(self.message)
        if self.value is not None:
            parts.append(f" (got {self.value})")
        if self.allowed:
            parts.append(f"; allowed: {self.allowed}")
        parts.append(f" [{self.code}]")
        return term_line("".join(parts))

    def json_value(self) -> Any:
        """The offending value as JSON data (string, number, boolean or null).

        The value as read when the issue kept it (:attr:`raw`), else read back from its
        text: a quoted string, a whole or decimal number, ``True``/``False``/``None``.
        Anything else (a list, a range of dates, a value of another type) is its text;
        non-finite numbers are their text (``nan``), as JSON has no NaN; text longer than
        :data:`MAX_VALUE_CHARS` is cut.
        """
        if self.raw is not ...:
            return json_scalar(self.raw, self.value)
        return _scalar_from_text(self.value)

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as a plain JSON-ready mapping.

        Keys: ``code``, ``message``, ``file``, ``row``, ``field`` (a path), ``source`` (the
        entry's id), ``value`` (JSON data, see :meth:`json_value`), ``allowed``,
        ``severity``.
        """
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "source": self.source,
            "value": self.json_value(),
            "allowed": self.allowed,
            "severity": self.severity,
        }


def _cut(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def json_scalar(raw: Any, text: str | None = None) -> Any:
    """*raw* as JSON data: a string (cut), a finite number, a boolean, null or a date's text.

    Other values (lists, mappings, NaN, objects of other types) become *text* (their
    shown form), or their ``repr`` when no text is given.
    """
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return _cut(raw)
    if isinstance(raw, int) and len(str(abs(raw))) <= MAX_VALUE_CHARS:
        return int(raw)
    if isinstance(raw, float) and math.isfinite(raw):
        return float(raw)
    if isinstance(raw, _dt.date | _dt.datetime):
        return raw.isoformat()
    item = getattr(raw, "item", None)  # a numpy scalar
    if callable(item) and getattr(raw, "shape", None) == ():
        try:
            value = item()
        except Exception:  # any failure: show the text instead
            value = None
        if isinstance(value, bool | int | float | str):
            return json_scalar(value, text)
    return _cut(text if text is not None else repr(raw))


_INT_TEXT = re.compile(r"-?\d{1,80}")
_FLOAT_TEXT = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")
_STR_TEXT = re.compile(r"'[^'\\]*'|\"[^\"\\]*\"")


def _scalar_from_text(text: str | None) -> Any:
    """The JSON value behind an issue's shown *text* (see :meth:`Issue.json_value`)."""
    if text is None:
        return None
    if _STR_TEXT.fullmatch(text):
        return text[1:-1]
    if _INT_TEXT.fullmatch(text):
        return int(text)
    if _FLOAT_TEXT.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    return {"True": True, "False": False, "None": None}.get(text, text)


class NqiCarbonError(Exception):
    """Base class of every error nqi-carbon raises on purpose."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        for key, value in details.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.details))


def _rebuild(cls: type[NqiCarbonError], message: str, details: dict[str, Any]) -> NqiCarbonError:
    err = cls.__new__(cls)
    NqiCarbonError.__init__(err, message, **details)
    return err


class UnknownSpeciesError(NqiCarbonError, KeyError):
    """A gas or blend name that nqi-carbon does not know, or that is ambiguous."""

    def __init__(self, name: str, *, matches: Sequence[str] = (), reason: str = "") -> None:
        msg = f"unknown gas {name!r}" + (f": {reason}" if reason else "") + _did_you_mean(matches)
        super().__init__(msg, name=name, matches=list(matches))


class UnknownUnitError(NqiCarbonError, ValueError):
    """A unit expression that cannot be parsed by the nqi-carbon unit registry."""

    def __init__(self, unit: str, *, reason: str = "", matches: Sequence[str] = ()) -> None:
        msg = f"unknown unit {unit!r}" + (f": {reason}" if reason else "") + _did_you_mean(matches)
        super().__init__(msg, unit=unit, matches=list(matches))


class DimensionalityMismatchError(NqiCarbonError, ValueError):
    """A unit whose dimension does not fit where it is used (e.g. kg where MWh is needed)."""

    def __init__(self, given: str, expected: str, *, context: str = "") -> None:
        msg = (
            f"unit {given!r} cannot be converted to {expected!r}"
            + (f" ({context})" if context else "")
            + "; the dimensions differ"
        )
        super().__init__(msg, given=given, expected=expected, context=context)


class UnknownGWPSetError(NqiCarbonError, KeyError):
    """A GWP set name that is not bundled (e.g. 'AR7')."""

    def __init__(self, name: str, *, available: Sequence[str] = ()) -> None:
        msg = f"unknown GWP set {name!r}; available: {', '.join(available)}" + _did_you_mean(
            close_matches(name, available)
        )
        super().__init__(msg, name=name, available=list(available))


class MissingGWPError(NqiCarbonError, KeyError):
    """The chosen GWP set gives no value for a species (e.g. NF3 under SAR)."""

    def __init__(self, species: str, gwp_set: str) -> None:
        msg = (
            f"GWP set {gwp_set!r} gives no value for {species!r}; "
            "choose a set that covers it or report the gas in mass only"
        )
        super().__init__(msg, species=species, gwp_set=gwp_set)


class GWPSetMismatchError(NqiCarbonError, ValueError):
    """CO2e values computed under different GWP sets were combined."""

    def __init__(self, left: str, right: str) -> None:
        msg = (
            f"cannot combine CO2e computed under {left!r} with CO2e under {right!r}; "
            "recompute both under one GWP set"
        )
        super().__init__(msg, left=left, right=right)


class UnknownFactorError(NqiCarbonError, KeyError):
    """A factor reference that does not resolve in the loaded packs."""

    def __init__(self, ref: str, *, reason: str = "", matches: Sequence[str] = ()) -> None:
        msg = f"unknown factor {ref!r}" + (f": {reason}" if reason else "") + _did_you_mean(matches)
        super().__init__(msg, ref=ref, matches=list(matches))


@dataclass(frozen=True)
class OmittedIssues(Issue):
    """The last issue of a long list: how many more problems were found, by reason code.

    :class:`InvalidInputError` lists at most ``Limits.max_issues`` problems; the rest are
    counted here (code ``issues_truncated``). *counts* is ``((code, n), ...)`` sorted by
    code; it is left out of :meth:`to_dict`, whose keys are those of every issue.
    """

    counts: tuple[tuple[str, int], ...] = ()


def omitted_issues(counts: dict[str, int], *, listed: int) -> OmittedIssues:
    """The summary issue for problems found but not listed (*counts* by code)."""
    total = sum(counts.values())
    by_code = ", ".join(f"{code} {n:,}" for code, n in sorted(counts.items()))
    return OmittedIssues(
        "issues_truncated",
        f"{total:,} more problem{'s' if total != 1 else ''} not listed ({by_code})",
        allowed=f"the first {listed:,} problems are listed; to list more, raise "
        "nqi_carbon.Limits(max_issues=...)",
        counts=tuple(sorted(counts.items())),
    )


class CappedIssues(list[Issue]):
    """A list of issues keeping at most ``Limits.max_issues``; the rest are counted by code.

    For checks over the rows of a table: ``append``, ``extend`` and ``+=`` keep memory for
    the issues that will be listed only. Iterating it yields the kept issues, then an
    :class:`OmittedIssues` counting the others when there are some, which
    :class:`InvalidInputError` folds into its own count.
    """

    def __init__(self, issues: Iterable[Issue] = ()) -> None:
        from .limits import current_limits

        super().__init__()
        self.cap = current_limits().max_issues
        self.omitted: dict[str, int] = {}
        self.extend(issues)

    def append(self, issue: Issue) -> None:
        """Keep *issue* while fewer than the cap are kept, else count it by its code."""
        if isinstance(issue, OmittedIssues):
            for code, n in issue.counts:
                self.omitted[code] = self.omitted.get(code, 0) + n
        elif len(self) < self.cap:
            super().append(issue)
        else:
            self.omitted[issue.code] = self.omitted.get(issue.code, 0) + 1

    def extend(self, issues: Iterable[Issue]) -> None:
        """:meth:`append` each of *issues*."""
        for issue in issues:
            self.append(issue)

    def __iadd__(self, issues: Iterable[Issue]) -> CappedIssues:  # type: ignore[override,misc]
        self.extend(issues)
        return self

    def __iter__(self) -> Iterator[Issue]:
        yield from super().__iter__()
        if self.omitted:
            yield omitted_issues(self.omitted, listed=len(self))


class InvalidInputError(NqiCarbonError, ValueError):
    """An input (inventory, activity table, claimed result) has one or more problems.

    ``issues`` lists the problems found, so a user can fix them all in one pass: at most
    ``Limits.max_issues`` of them (default 100, see :class:`nqi_carbon.Limits`) in the
    order found, then one ``issues_truncated`` issue (:class:`OmittedIssues`) counting
    the others by reason code; ``omitted`` holds those counts. *issues* may be any
    iterable: it is read one issue at a time, so a generator over a huge table costs
    memory for the listed issues only.
    """

    def __init__(self, issues: Iterable[Issue], *, source: str | None = None) -> None:
        from .limits import current_limits

        cap = current_limits().max_issues
        kept: list[Issue] = []
        omitted: dict[str, int] = {}
        for i in issues:
            if isinstance(i, OmittedIssues):  # re-raised from an inner error: keep its counts
                for code, n in i.counts:
                    omitted[code] = omitted.get(code, 0) + n
            elif len(kept) < cap:
                kept.append(i)
            else:
                omitted[i.code] = omitted.get(i.code, 0) + 1
        n = len(kept) + sum(omitted.values())
        if omitted:
            kept.append(omitted_issues(omitted, listed=len(kept)))
        head = f"{term_line(source)}: " if source else ""
        msg = (
            head
            + f"{n:,} problem{'s' if n != 1 else ''} found:\n"
            + "\n".join("  - " + i.describe() for i in kept)
        )
        super().__init__(msg, issues=kept, source=source, omitted=omitted)
        self.issues: list[Issue] = kept
        self.source: str | None = source
        self.omitted: dict[str, int] = omitted


class InvalidArgumentError(InvalidInputError, TypeError):
    """An argument of a public function is of a type it does not take.

    For instance a list where a DataFrame is needed, or text where a mass is. Its
    ``issues`` name the argument (``field``), the type given and what is allowed. It is
    also a ``TypeError`` (what Python raises for a wrong type) and a ``ValueError`` (as
    every :class:`InvalidInputError`).
    """


class PackError(InvalidInputError):
    """A data pack (factors, GWP values, gases) is invalid and was refused."""
