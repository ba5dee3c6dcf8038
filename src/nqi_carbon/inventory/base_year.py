"""The base year as a structured record, and the recalculation policy.

ISO 14064-1:2018 clause 6.4 and the GHG Protocol (Corporate Standard ch. 5, Scope 3
Standard §9.3): the base year is recalculated for structural changes (acquisitions,
divestments, outsourcing), changes of methodology or factors and significant errors,
when they are significant **singly or cumulatively**; organic growth never triggers a
recalculation. :func:`policy_test` applies the organization's threshold to each change
and to the gross sum of the changes, never to their net: an acquisition of +6 % and a
divestment of −6 % are each significant at 5 % although they net to zero.

:func:`assess_base_year` reads an inventory's :class:`BaseYear` and says what a reader and
a verifier must know: changes logged but not yet recalculated that the policy requires,
a GWP set other than the reporting year's (with the size of the change), a breakdown that
does not add up to the total.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ..data.fields import (
    FiniteFloat,
    FreeText,
    RuleError,
    SingleLineText,
    StrictModel,
)
from ..errors import NqiCarbonError
from .checks import Check

__all__ = [
    "RECALCULATION_TRIGGERS",
    "BaseYear",
    "PolicyTest",
    "RecalculationEvent",
    "assess_base_year",
    "policy_test",
]

ChangeKind = Literal["structural", "methodology", "factor", "error", "organic"]


TONNES_LIMIT = 1e150
"""Stated t CO2e (base year, exclusions, thresholds) stay below this, as results do
(``calc.pipeline.RESULT_LIMIT_T``): sums of them never overflow double precision."""


StatedTonnes = Annotated[FiniteFloat, Field(ge=0, lt=TONNES_LIMIT)]
"""A stated amount of t CO2e: finite, >= 0, below :data:`TONNES_LIMIT`."""


SignedTonnes = Annotated[FiniteFloat, Field(gt=-TONNES_LIMIT, lt=TONNES_LIMIT)]
"""A stated change in t CO2e: finite, of magnitude below :data:`TONNES_LIMIT`."""


RECALCULATION_TRIGGERS: tuple[ChangeKind, ...] = ("structural", "methodology", "factor", "error")
"""The kinds of change that can require a recalculation (organic growth never does)."""


GAS_GROUPS = ("HFCs", "PFCs")
"""Groups a base year may state by gas beside single species and blends (their members'
GWPs differ, so a change of GWP set cannot be sized for them)."""


class RecalculationEvent(StrictModel):
    """A change since the base year, with its effect on the base-year emissions.

    ``effect_co2e_t`` is signed (+ raises the base-year total: an acquisition; − lowers
    it: a divestment). ``recalculated`` says whether the base-year figures stated in
    :class:`BaseYear` already include it.
    """

    type: ChangeKind
    effect_co2e_t: SignedTonnes
    date: _dt.date
    description: FreeText | None = None
    recalculated: bool = False

    def summary(self, *, state: bool = True) -> str:
        """One line: ``2023-03-31 factor -925.000 t CO2e (what); recalculated``."""
        what = f" ({' '.join(self.description.split())})" if self.description else ""
        done = ("; recalculated" if self.recalculated else "; not recalculated") if state else ""
        return f"{self.date} {self.type} {self.effect_co2e_t:+,.3f} t CO2e{what}{done}"


def _category_key(value: Any) -> Any:
    # YAML `1:` is an int, JSON `"1":` a string: both are category 1
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5", "6"}:
        return int(value.strip())
    return value


class BaseYear(StrictModel):
    """The base year and its inventory (ISO 14064-1 clause 6.4.1, 9.3.1 k and l).

    Old form: ``year``, ``total_co2e_t``, ``inventory`` and ``recalculations`` as text.
    Structured: the GWP set its CO2e is in, the total by category and by gas, the
    organization's recalculation threshold and the recalculation events (type, size,
    date); text recalculations may stay beside events.
    """

    year: Annotated[int, Field(strict=True, ge=1990, le=2200)]
    total_co2e_t: StatedTonnes | None = None
    inventory: SingleLineText | None = None
    gwp_set: SingleLineText | None = None
    by_category: dict[Annotated[int, Field(strict=True, ge=1, le=6)], StatedTonnes] = Field(
        default_factory=dict
    )
    by_gas: dict[SingleLineText, StatedTonnes] = Field(default_factory=dict)
    recalculation_threshold: Annotated[FiniteFloat, Field(gt=0, lt=1)] | None = None
    recalculations: tuple[FreeText | RecalculationEvent, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def base_year_keys_once(cls, data: Any) -> Any:
        """Categories and gases are keys after normalisation: ``1`` and ``"1"`` are one.

        A key stated twice under two spellings is refused, never one value kept and the
        other dropped.
        """
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for name, norm in (("by_category", _category_key), ("by_gas", _gas_key)):
            node = data.get(name)
            if not isinstance(node, Mapping):
                continue
            seen: dict[Any, Any] = {}
            for k in node:
                key = norm(k)
                if key in seen:
                    raise RuleError(
                        "base_year_key_once",
                        f"{name} states {key!r} twice, as {seen[key]!r} and as {k!r}: "
                        "one value would be dropped",
                    )
                seen[key] = k
            data[name] = {norm(k): v for k, v in node.items()}
        return data

    @field_validator("gwp_set")
    @classmethod
    def base_year_gwp_set_known(cls, v: str | None) -> str | None:
        """The base year's GWP set is one nqi-carbon ships (SAR, AR4, AR5, AR6)."""
        from ..data.gwp import _normalise_set

        if v is None:
            return v
        try:
            return _normalise_set(v)
        except NqiCarbonError as exc:
            raise RuleError("base_year_gwp_set_known", str(exc)) from None

    @field_validator("by_gas")
    @classmethod
    def base_year_gas_known(cls, v: dict[str, float]) -> dict[str, float]:
        """Each gas of the base year is a known species or blend, or HFCs / PFCs."""
        from ..data.gases import normalise_gas

        for k in v:
            if k in GAS_GROUPS:
                continue
            try:
                normalise_gas(k)
            except NqiCarbonError as exc:
                raise RuleError("base_year_gas_known", str(exc)) from None
        return v

    @property
    def events(self) -> tuple[RecalculationEvent, ...]:
        """The structured recalculation events (text entries left out)."""
        return tuple(r for r in self.recalculations if isinstance(r, RecalculationEvent))

    @property
    def notes(self) -> tuple[str, ...]:
        """The recalculations stated as text (the old form)."""
        return tuple(r for r in self.recalculations if isinstance(r, str))


def _gas_key(value: Any) -> Any:
    from ..data.gases import normalise_gas

    if not isinstance(value, str) or value in GAS_GROUPS:
        return value
    try:
        return normalise_gas(value)
    except NqiCarbonError:
        return value  # refused by base_year_gas_known, with its message


@dataclass(frozen=True)
class PolicyTest:
    """The recalculation policy applied to a set of changes (effects in t CO2e).

    ``required`` when one change alone, or the gross sum of all (Σ|effect|), reaches
    ``threshold`` × the base-year total. ``significant`` lists the indices of the changes
    significant on their own.
    """

    required: bool
    threshold: float
    net_t: float
    gross_t: float
    largest_t: float
    net_fraction: float
    gross_fraction: float
    largest_fraction: float
    significant: tuple[int, ...]


def policy_test(base_total_t: float, effects: Sequence[float], threshold: float) -> PolicyTest:
    """Apply the threshold to each change and to the gross sum of the changes, not the net.

    Fractions are of ``|base_total_t|``; with a base total of 0 any change is infinitely
    large (and required), no change is 0.
    """
    net = math.fsum(effects)
    gross = math.fsum(abs(e) for e in effects)
    largest = max((abs(e) for e in effects), default=0.0)

    def frac(x: float) -> float:
        if base_total_t:
            return abs(x) / abs(base_total_t)
        return math.inf if x else 0.0

    significant = tuple(i for i, e in enumerate(effects) if e and frac(e) >= threshold)
    required = bool(significant) or (gross > 0 and frac(gross) >= threshold)
    return PolicyTest(
        required,
        threshold,
        net,
        gross,
        largest,
        frac(net),
        frac(gross),
        frac(largest),
        significant,
    )


def gwp_change_t(by_gas: Mapping[str, float], base_set: str, now_set: str) -> float | None:
    """The change of the base-year total [t CO2e] when re-expressed in *now_set*.

    Each gas's CO2e is turned back into its mass with the base set's GWP and forward
    with the reporting set's (CH4 without origin: the set's general value). ``None`` when
    a gas cannot be re-expressed (a group such as HFCs, or a GWP of 0).
    """
    from ..data.gwp import gwp

    change = []
    for gas, co2e in by_gas.items():
        if gas in GAS_GROUPS:
            return None
        before = gwp(gas, base_set, None)
        if not before:
            return None
        change.append(co2e / before * gwp(gas, now_set, None) - co2e)
    return math.fsum(change)


def assess_base_year(base: BaseYear, gwp_set: str) -> list[Check]:
    """What the base year record shows against the policy, in a fixed order.

    Checks: the breakdowns add up to the total (within half a tonne per part: figures
    rounded to whole tonnes); the GWP set (stated; another than the reporting year's
    *gwp_set*, with the size of the change when ``by_gas`` allows it); the changes not
    yet recalculated against ``recalculation_threshold`` — each change and their gross
    sum (:func:`policy_test`), the GWP-set change counted as a methodology change.
    """
    out = _breakdown_checks(base)
    gwp_effect: float | None = None
    if base.gwp_set is None:
        out.append(
            Check(
                "base_year_gwp_set_not_stated",
                "warning",
                "base year",
                f"the base year does not state its GWP set: its CO2e cannot be compared with "
                f"this inventory's ({gwp_set}) with certainty",
            )
        )
    elif base.gwp_set != gwp_set:
        gwp_effect = gwp_change_t(base.by_gas, base.gwp_set, gwp_set) if base.by_gas else None
        size = (
            f"; re-expressed in {gwp_set} the base-year total changes by {gwp_effect:+,.3f} t CO2e"
            if gwp_effect is not None
            else "; its size cannot be computed (state by_gas with single species or blends)"
        )
        out.append(
            Check(
                "base_year_gwp_set_differs",
                "warning",
                "base year",
                f"the base year is in {base.gwp_set}, this inventory in {gwp_set}{size}",
                gwp_effect,
            )
        )
    out += _policy_checks(base, gwp_effect)
    return out


def _breakdown_checks(base: BaseYear) -> list[Check]:
    """The base year's category and gas breakdowns against its total."""
    out = []
    for name, parts in (("by_category", base.by_category), ("by_gas", base.by_gas)):
        if not parts or base.total_co2e_t is None:
            continue
        total = math.fsum(parts.values())
        tolerance = max(0.5 * len(parts), 1e-9 * base.total_co2e_t)
        if abs(total - base.total_co2e_t) > tolerance:
            out.append(
                Check(
                    "base_year_breakdown_inconsistent",
                    "warning",
                    "base year",
                    f"base_year.{name} adds up to {total:,.3f} t CO2e, the base-year total is "
                    f"{base.total_co2e_t:,.3f} t CO2e",
                    total - base.total_co2e_t,
                )
            )
    return out


def _policy_checks(base: BaseYear, gwp_effect: float | None) -> list[Check]:
    """Pending changes (and a GWP-set change) against the recalculation threshold."""
    pending = [
        (e.summary(state=False), e.effect_co2e_t)
        for e in base.events
        if not e.recalculated and e.type in RECALCULATION_TRIGGERS
    ]
    if gwp_effect:
        pending.append(("GWP set of the base year (methodology)", gwp_effect))
    if not pending:
        return []
    threshold, total = base.recalculation_threshold, base.total_co2e_t
    if threshold is None or total is None:
        return [
            Check(
                "base_year_policy_not_testable",
                "warning",
                "base year",
                f"{len(pending)} change(s) not recalculated, but the base year states no "
                + ("recalculation_threshold" if threshold is None else "total_co2e_t")
                + ": the recalculation policy cannot be applied",
            )
        ]
    test = policy_test(total, [e for _, e in pending], threshold)
    if not test.required:
        return []
    named = [pending[i][0] for i in test.significant] or [p[0] for p in pending]
    why = (
        f"{len(test.significant)} change(s) reach the threshold on their own"
        if test.significant
        else "their gross sum reaches it"
    )
    return [
        Check(
            "base_year_recalculation_required",
            "error",
            "base year",
            f"changes not recalculated reach the recalculation threshold "
            f"{100 * threshold:g} % of the base-year total ({total:,.3f} t CO2e): {why} "
            f"(gross {test.gross_t:,.3f} t = {100 * test.gross_fraction:.3g} %, net "
            f"{test.net_t:+,.3f} t): {'; '.join(named)}",
            test.gross_t,
        )
    ]
