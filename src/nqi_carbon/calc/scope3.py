"""Scope 3 in the calculation: spend conversion, PCAF attribution, the screening findings.

* :func:`spend_scale` — a spend amount to a spend-based factor's currency and price year,
  through the source's cited exchange rate and price index, or a typed refusal;
* :func:`financed_terms` — a PCAF position as one CO2e term (the attribution factor)
  applied to the investee's emissions;
* :func:`screening_findings` — what the GHG Protocol Scope 3 screening leaves open.

The models and the ISO 14064-1 mapping are in :mod:`nqi_carbon.inventory.scope3`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pint

from ..data.factor_schema import currency_of
from ..errors import InvalidInputError, Issue, NqiCarbonError
from ..inventory.scope3 import SCOPE3_CATEGORY_NAMES
from ..units import parse_unit
from .findings import Finding

if TYPE_CHECKING:
    from ..data.factors import Factor
    from ..data.fields import Uncertainty
    from ..inventory.models import Inventory, Source
    from .plan import GasTerm
    from .result import Result

__all__ = [
    "FINANCED_COLUMNS",
    "SCREENING_COLUMNS",
    "financed_rows",
    "financed_terms",
    "has_scope3",
    "screening_findings",
    "screening_rows",
    "spend_scale",
]


def _refusal(
    src: Source, code: str, message: str, field: str, value: str, allowed: str
) -> InvalidInputError:
    return InvalidInputError(
        [Issue(code, message, field=f"sources[{src.id}].{field}", value=value, allowed=allowed)]
    )


SpendParameter = tuple[str, float, "Uncertainty | None", str]
"""An input of a spend conversion: (parameter key, value, its uncertainty, label)."""


def _exchange(
    src: Source, unit: str, have: str, factor: Factor
) -> tuple[float, str, SpendParameter]:
    """Scale from *unit* (money in *have*) to the factor's activity unit (its currency)."""
    base = str(factor.activity_unit)
    want = str(currency_of(base))
    of_year = f" of {factor.entry.price_year}" if factor.entry.price_year is not None else ""
    rate = src.spend.exchange_rate if src.spend is not None else None
    if rate is None:
        raise _refusal(
            src,
            "spend_currency_fits_factor",
            f"source {src.id!r}: spend in {have}, but factor {factor.ref} is per {want}{of_year}; "
            f"give spend.exchange_rate ({want}/{have}, at the spend's year) with its reference",
            "activity",
            repr(unit),
            f"{want}, or {have} with spend.exchange_rate",
        )
    try:
        ratio = parse_unit(unit) * parse_unit(rate.unit) * rate.value / parse_unit(base)
        scale = float(ratio.to("dimensionless").magnitude)
    except (NqiCarbonError, pint.DimensionalityError):
        raise _refusal(
            src,
            "exchange_rate_unit_fits",
            f"source {src.id!r}: exchange rate unit {rate.unit!r} does not turn {have} into "
            f"{want}; write it as {want}/{have}",
            "spend.exchange_rate.unit",
            repr(rate.unit),
            f"{want}/{have}",
        ) from None
    key = f"exchange_rate:{rate.value!r} {rate.unit}:{rate.reference}"
    label = f"exchange rate {rate.value:g} {rate.unit}"
    return scale, f"× {rate.value:g} {rate.unit} ({rate.reference})", (
        key,
        rate.value,
        rate.uncertainty,
        label,
    )


def spend_scale(
    src: Source, factor: Factor, unit: str, period_year: int
) -> tuple[float, str, tuple[SpendParameter, ...]] | None:
    """Scale one spend unit to a spend-based factor's money, the chain as text, its inputs.

    The text is empty when the money is already the factor's currency and year. The
    inputs are the exchange rate and price index used (each with its uncertainty, if
    stated), keyed by what they are, so sources stating the same rate share it.

    Returns None when *factor* is not per an amount of money (then the ordinary unit
    conversion applies). Money of another currency needs the source's
    ``spend.exchange_rate``; money of another year than the factor's ``price_year`` needs
    ``spend.price_index`` (the year of the spend is ``spend.year``, by default the year
    the inventory period starts). Each is refused with its reason code otherwise.

    Raises
    ------
    InvalidInputError
        ``spend_currency_fits_factor``, ``spend_year_fits_factor``,
        ``exchange_rate_unit_fits`` or ``spend_conversion_applies``.
    """
    base = str(factor.activity_unit)
    want = currency_of(base)
    spend = src.spend
    if want is None:
        if spend is not None:
            raise _refusal(
                src,
                "spend_conversion_applies",
                f"source {src.id!r}: 'spend' converts money, but factor {factor.ref} is per "
                f"{base!r}, not per an amount of money",
                "spend",
                "spend",
                "a factor per USD, EUR, CNY...",
            )
        return None
    have = currency_of(unit)
    if have is None:
        return None  # not money: the ordinary conversion names the mismatch
    year = spend.year if spend is not None and spend.year is not None else period_year
    steps = [f"1 {unit} of {year}"]
    inputs: list[SpendParameter] = []
    issues: list[Issue] = []
    scale = deflator = 1.0
    try:  # both refusals at once: the currency and the year
        if have != want:
            scale, step, rate = _exchange(src, unit, have, factor)
            steps.append(step)
            inputs.append(rate)
        else:
            scale = float((parse_unit(unit) / parse_unit(base)).to("dimensionless").magnitude)
    except InvalidInputError as exc:
        issues += exc.issues
    try:
        deflator, step, index = _deflate(src, factor, year, want)
        steps += [step] if step else []
        inputs += [index] if index is not None else []
    except InvalidInputError as exc:
        issues += exc.issues
    if issues:
        raise InvalidInputError(issues)
    scale *= deflator
    if len(steps) == 1:
        return scale, "", ()  # the factor's own money: nothing to show
    price_year = factor.entry.price_year
    target = f"{base} of {price_year}" if price_year is not None else base
    text = f"{' '.join(steps)} = {scale:.6g} {target} (factor {factor.ref})"
    return scale, text, tuple(inputs)


def _deflate(
    src: Source, factor: Factor, year: int, want: str
) -> tuple[float, str, SpendParameter | None]:
    """Ratio from money of *year* to the factor's ``price_year`` (1 and no text if the same)."""
    price_year = factor.entry.price_year
    if price_year is None or year == price_year:
        return 1.0, "", None
    index = src.spend.price_index if src.spend is not None else None
    if index is None:
        raise _refusal(
            src,
            "spend_year_fits_factor",
            f"source {src.id!r}: spend in money of {year} (spend.year, by default the "
            f"year the inventory starts), but factor {factor.ref} is per {price_year} "
            f"{want}; give spend.price_index (the index in {year} and in {price_year}) "
            "with its reference",
            "spend",
            str(year),
            f"money of {price_year}, or spend.price_index",
        )
    series = f"{index.series}; " if index.series else ""
    ratio = index.factor_year / index.spend_year
    key = (
        f"price_index:{index.factor_year!r}/{index.spend_year!r}:{index.series or ''}:"
        f"{index.reference}"
    )
    label = f"price index {index.factor_year:g}/{index.spend_year:g}"
    return (
        ratio,
        f"× {index.factor_year:g}/{index.spend_year:g} ({series}{index.reference})",
        (key, ratio, index.uncertainty, label),
    )


def financed_terms(src: Source) -> tuple[tuple[GasTerm, ...], str, Finding]:
    """A PCAF position: one CO2e term whose coefficient is the attribution factor.

    The source's activity is the investee's emissions in t CO2e; the term multiplies
    them by outstanding ÷ EVIC (listed) or ÷ (total equity + debt) (private), PCAF Part A
    (2022) sections 5.1 and 5.2. Returns the terms, the line's reference and a finding
    that states the arithmetic and the data-quality score.
    """
    from .plan import GasTerm

    fin = src.financed
    assert fin is not None
    af = fin.attribution
    term = GasTerm("CO2e", af, 1.0, False, "unspecified", None, ())
    section = "5.1" if fin.asset_class == "listed_equity_and_corporate_bonds" else "5.2"
    finding = Finding(
        "pcaf_attribution",
        "info",
        src.id,
        f"PCAF Part A (2022) section {section}: {fin.outstanding:,.2f} {fin.currency} outstanding "
        f"÷ {fin.denominator_name} {fin.denominator:,.2f} {fin.currency} = attribution factor "
        f"{af:.6g}, × the scope {fin.investee_scopes} emissions of {fin.investee}; "
        f"PCAF data-quality score {fin.data_quality}",
    )
    return (term,), f"PCAF {section} {fin.investee}", finding


def screening_findings(inv: Inventory) -> list[Finding]:
    """What the Scope 3 screening leaves open: unscreened categories, sources it excludes.

    Only inventories with Scope 3 content are checked (a source in ISO category 3-6, or a
    screening table): every one of the 15 GHG Protocol categories should be screened
    (``scope3_category_not_screened``), and a source tagged with a category the
    screening marks excluded or not relevant contradicts it
    (``scope3_screening_contradicted``).
    """
    if not has_scope3(inv):
        return []
    s3_sources = [s for s in inv.sources if s.category >= 3]
    screened = {e.category: e for e in inv.scope3_screening}
    out = []
    missing = [c for c in range(1, 16) if c not in screened]
    if len(missing) == len(SCOPE3_CATEGORY_NAMES):
        message = (
            "no scope3_screening: none of the 15 GHG Protocol Scope 3 categories is marked "
            "included (with its method), excluded (with reason) or not relevant"
        )
    else:
        names = "; ".join(f"{c} {SCOPE3_CATEGORY_NAMES[c]}" for c in missing)
        message = (
            f"{len(missing)} of the 15 GHG Protocol Scope 3 categories are not screened "
            f"(included, excluded with reason, or not relevant): {names}"
        )
    if missing:
        out.append(Finding("scope3_category_not_screened", "warning", "scope3_screening", message))
    for s in s3_sources:
        e = screened.get(s.scope3_category) if s.scope3_category is not None else None
        if e is not None and e.status != "included":
            out.append(
                Finding(
                    "scope3_screening_contradicted",
                    "warning",
                    s.id,
                    f"source {s.id!r} is Scope 3 category {e.category}, which the screening "
                    f"marks {e.status.replace('_', ' ')}",
                )
            )
    return out


SCREENING_COLUMNS = (
    "scope3_category",
    "name",
    "status",
    "method",
    "reason",
    "sources",
    "co2e_t",
)
"""Columns of the Scope 3 screening table (:func:`screening_rows`)."""


def has_scope3(inv: Inventory) -> bool:
    """Whether an inventory has Scope 3 content: a source in ISO category 3-6 or a screening."""
    return bool(inv.scope3_screening) or any(s.category >= 3 for s in inv.sources)


def screening_rows(result: Result) -> list[dict[str, object]]:
    """The 15 GHG Protocol Scope 3 categories as screened, with their sources and t CO2e.

    ``status`` is the screening's (``included``, ``excluded``, ``not_relevant``) or
    ``not_screened``; ``method`` the stated calculation method (``spend_based``...);
    ``sources`` how many sources are tagged with the category and ``co2e_t`` their gross
    (location-based, non-biogenic) t CO2e. Empty for an inventory without Scope 3 content.
    """
    inv = result.inventory
    if not has_scope3(inv):
        return []
    screened = {e.category: e for e in inv.scope3_screening}
    by_category = result.totals()["by_scope3_category"]  # the result's own roll-up
    rows: list[dict[str, object]] = []
    for c, name in SCOPE3_CATEGORY_NAMES.items():
        plans = [p for p in result.plans if p.scope3_category == c and p.category >= 3]
        e = screened.get(c)
        rows.append(
            {
                "scope3_category": c,
                "name": name,
                "status": e.status if e is not None else "not_screened",
                "method": e.method if e is not None else None,
                "reason": e.reason if e is not None else None,
                "sources": len(plans),
                "co2e_t": by_category[str(c)],
            }
        )
    return rows


FINANCED_COLUMNS = (
    "source",
    "investee",
    "asset_class",
    "outstanding",
    "currency",
    "denominator",
    "denominator_value",
    "attribution",
    "investee_scopes",
    "investee_co2e_t",
    "co2e_t",
    "data_quality",
)
"""Columns of the PCAF financed-emissions table (:func:`financed_rows`)."""


def financed_rows(result: Result) -> list[dict[str, object]]:
    """Each PCAF position: the attribution arithmetic, the financed t CO2e and the score.

    ``investee_co2e_t`` is the source's activity (the investee's emissions, summed over
    its records); ``co2e_t`` the source's gross t CO2e (after the consolidation share).
    """
    t = result.table.template
    gross = (t.basis != 2) & ~t.biogenic
    stats = result._stats
    rows: list[dict[str, object]] = []
    for p in result.plans:
        fin = p.source.financed
        if p.method != "financed" or fin is None:
            continue
        rows.append(
            {
                "source": p.source.id,
                "investee": fin.investee,
                "asset_class": fin.asset_class,
                "outstanding": fin.outstanding,
                "currency": fin.currency,
                "denominator": fin.denominator_name,
                "denominator_value": fin.denominator,
                "attribution": fin.attribution,
                "investee_scopes": fin.investee_scopes,
                "investee_co2e_t": float(stats.A[p.index]) if stats is not None else None,
                "co2e_t": result._sum(gross & (t.src == p.index)),
                "data_quality": fin.data_quality,
            }
        )
    return rows
