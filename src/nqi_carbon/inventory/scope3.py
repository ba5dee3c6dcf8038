"""Scope 3 in practice: spend conversion, PCAF financed emissions, the 15-category screening.

The models here hang off :class:`~nqi_carbon.inventory.models.Source` (``spend``,
``financed``) and :class:`~nqi_carbon.inventory.models.Inventory` (``scope3_screening``);
the rules are plain functions so the loaders can run them on every source at once.

The GHG Protocol Scope 3 categories and the ISO 14064-1:2018 indirect categories they
fall under (:data:`SCOPE3_ISO_CATEGORIES`) follow the category descriptions of both
standards: ISO 14064-1:2018 clause 5.2.4 and Annex B (category 3 transport, 4 products
used by the organisation, 5 use of the organisation's products, 6 other) and the GHG
Protocol Corporate Value Chain (Scope 3) Standard (2011), chapter 5 (the 15 categories).
The standard texts were not read for this module: the mapping follows their category
descriptions as summarised in the project's domain brief (see docs/reference/scope3.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ..data.fields import (
    FiniteFloat,
    FreeText,
    RuleError,
    SingleLineText,
    StrictModel,
    Uncertainty,
)

__all__ = [
    "SCOPE3_CATEGORY_NAMES",
    "SCOPE3_ISO_CATEGORIES",
    "ExchangeRate",
    "Financed",
    "PriceIndex",
    "ScreeningEntry",
    "Spend",
    "scope3_iso_mismatch",
]

SCOPE3_CATEGORY_NAMES: dict[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}
"""The 15 categories of the GHG Protocol Scope 3 Standard (2011), chapter 5: 1-8
upstream, 9-15 downstream."""

SCOPE3_ISO_CATEGORIES: dict[int, frozenset[int]] = {
    # ISO category 3, indirect GHG emissions from transportation (Annex B: upstream
    # and downstream transport of goods, employee commuting, business travel)
    4: frozenset({3}),
    6: frozenset({3}),
    7: frozenset({3}),
    9: frozenset({3}),
    # ISO category 4, from products used by the organisation (Annex B: purchased
    # goods, capital goods, disposal of solid and liquid waste, use of leased assets,
    # services; fuel and energy upstream of what category 2 counts)
    1: frozenset({4}),
    2: frozenset({4}),
    3: frozenset({4}),
    5: frozenset({4}),
    8: frozenset({4}),
    # ISO category 5, from the use of the organisation's products (Annex B: use
    # stage, downstream leased assets, end of life, investments); processing of sold
    # intermediate products belongs to their use by others
    10: frozenset({5}),
    11: frozenset({5}),
    12: frozenset({5}),
    13: frozenset({5}),
    15: frozenset({5}),
    # franchises are not named in the category descriptions used here: ISO category 5 (a
    # use of what the organisation provides) or 6 (other), as the organisation documents
    14: frozenset({5, 6}),
}
"""Which ISO 14064-1:2018 indirect category (3-6) each GHG Protocol Scope 3 category
falls under. ISO category 6 ("other indirect emissions") takes only what no other category
describes, so a source tagged with a Scope 3 category other than 14 belongs to the ISO
category named here. Sources: ISO 14064-1:2018 clause 5.2.4 and Annex B (categories 3-6
and their subcategories); GHG Protocol Scope 3 Standard (2011) chapter 5 (category
definitions)."""


def scope3_iso_mismatch(iso: int, scope3: int | None) -> str | None:
    """Why Scope 3 category *scope3* does not fall under ISO category *iso* (None: it does)."""
    if scope3 is None or iso < 3:
        return None
    allowed = SCOPE3_ISO_CATEGORIES[scope3]
    if iso in allowed:
        return None
    iso_list = " or ".join(str(c) for c in sorted(allowed))
    return (
        f"GHG Protocol Scope 3 category {scope3} ({SCOPE3_CATEGORY_NAMES[scope3]}) falls "
        f"under ISO 14064-1 category {iso_list}, not {iso} (ISO 14064-1:2018 Annex B; "
        "see docs/reference/scope3.md)"
    )


# -- spend-based factors -----------------------------------------------------------------
class ExchangeRate(StrictModel):
    """A cited exchange rate from the spend's currency to the factor's (e.g. ``USD/EUR``).

    ``uncertainty`` (optional, as everywhere: a relative half-width of the 95 % interval,
    or a distribution whose bounds are rates in ``unit``) is the rate's: it enters the
    line's uncertainty, shared by every source that states the same rate.
    """

    value: Annotated[FiniteFloat, Field(gt=0)]
    unit: SingleLineText = Field(min_length=3)
    reference: FreeText = Field(min_length=3)
    uncertainty: Uncertainty | None = None


class PriceIndex(StrictModel):
    """A cited price index (deflator) in the spend's year and in the factor's price year.

    Money of the spend year is brought to the factor's year by
    ``factor_year / spend_year`` (e.g. a US GDP deflator 2022 over 2024).
    ``uncertainty`` (optional) is that ratio's: a relative half-width of the 95 %
    interval, or a distribution whose bounds are values of the ratio; it enters the
    line's uncertainty, shared by every source that states the same index.
    """

    spend_year: Annotated[FiniteFloat, Field(gt=0)]
    factor_year: Annotated[FiniteFloat, Field(gt=0)]
    series: SingleLineText | None = None
    reference: FreeText = Field(min_length=3)
    uncertainty: Uncertainty | None = None


class Spend(StrictModel):
    """How a spend source's money reaches a spend-based factor's currency and year.

    ``year`` is the year of the money in the activity records (default: the year the
    inventory period starts). A factor per money of another currency needs
    ``exchange_rate`` (factor currency per spend currency, at the spend year); one of
    another year needs ``price_index`` (the factor currency's index in both years).
    """

    year: Annotated[int, Field(strict=True, ge=1900, le=2200)] | None = None
    exchange_rate: ExchangeRate | None = None
    price_index: PriceIndex | None = None


# -- PCAF financed emissions -------------------------------------------------------------
PCAF_ASSET_CLASSES = Literal[
    "listed_equity_and_corporate_bonds", "business_loans_and_unlisted_equity"
]


class Financed(StrictModel):
    """A PCAF financed-emissions position (GHG Protocol Scope 3 category 15).

    Financed emissions = attribution factor × the investee's emissions (the source's
    activity records, in t CO2e: scope 1 + 2, and scope 3 where ``investee_scopes``
    says so). The attribution factor is ``outstanding / evic`` for a listed company and
    ``outstanding / (total_equity + total_debt)`` for a private one (PCAF Global GHG
    Accounting and Reporting Standard Part A, 2nd ed. 2022, sections 5.1 and 5.2).
    ``data_quality`` is PCAF's score 1 (verified reported emissions) to 5 (estimates
    from sector averages per amount outstanding), from the score tables of the same
    sections.
    """

    asset_class: PCAF_ASSET_CLASSES
    investee: SingleLineText = Field(min_length=1)
    listed: bool
    outstanding: Annotated[FiniteFloat, Field(ge=0)]
    currency: SingleLineText = Field(min_length=3)
    evic: Annotated[FiniteFloat, Field(gt=0)] | None = None
    total_equity: Annotated[FiniteFloat, Field(ge=0)] | None = None
    total_debt: Annotated[FiniteFloat, Field(ge=0)] | None = None
    investee_scopes: Literal["1+2", "1+2+3"] = "1+2"
    data_quality: Annotated[int, Field(strict=True, ge=1, le=5)]
    evidence: FreeText | None = None

    @model_validator(mode="after")
    def pcaf_denominator_given(self) -> Financed:
        """Listed: EVIC; private: total equity + total debt (PCAF 2022 sections 5.1, 5.2)."""
        private = (self.total_equity, self.total_debt)
        if self.listed:
            if self.evic is None or any(v is not None for v in private):
                raise RuleError(
                    "pcaf_denominator_given",
                    "a listed investee is attributed by EVIC: give 'evic' (and not "
                    "total_equity/total_debt)",
                )
        elif self.evic is not None or any(v is None for v in private):
            raise RuleError(
                "pcaf_denominator_given",
                "a private investee is attributed by total equity + debt: give "
                "'total_equity' and 'total_debt' (and not 'evic')",
            )
        elif self.denominator <= 0:
            raise RuleError(
                "pcaf_denominator_given", "total_equity + total_debt is 0: nothing to attribute by"
            )
        return self

    @field_validator("currency")
    @classmethod
    def pcaf_currency_known(cls, v: str) -> str:
        """The amounts' currency is one the unit registry knows (USD, EUR, GBP, CNY...)."""
        from ..data.factor_schema import currency_of

        if currency_of(v) is None:
            raise RuleError(
                "pcaf_currency_known", f"{v!r} is not a currency code (USD, EUR, GBP, CNY, JPY, HKD)"
            )
        return v

    @model_validator(mode="after")
    def pcaf_outstanding_within_value(self) -> Financed:
        """The amount outstanding cannot exceed the company value it is a share of."""
        if self.outstanding > self.denominator:
            raise RuleError(
                "pcaf_outstanding_within_value",
                f"outstanding {self.outstanding:g} exceeds the {self.denominator_name} "
                f"{self.denominator:g}: the attribution factor would be above 1",
            )
        return self

    @property
    def denominator(self) -> float:
        """EVIC (listed) or total equity + total debt (private)."""
        if self.evic is not None:
            return float(self.evic)
        return float((self.total_equity or 0.0) + (self.total_debt or 0.0))

    @property
    def denominator_name(self) -> str:
        """``"EVIC"`` or ``"total equity + debt"``."""
        return "EVIC" if self.listed else "total equity + debt"

    @property
    def attribution(self) -> float:
        """The PCAF attribution factor, outstanding ÷ the denominator."""
        return float(self.outstanding) / self.denominator


# -- screening of the 15 categories ------------------------------------------------------
Scope3Method = Literal[
    "supplier_specific", "hybrid", "average_data", "spend_based", "distance_based"
]


class ScreeningEntry(StrictModel):
    """One GHG Protocol Scope 3 category as screened: included, excluded or not relevant.

    An included category names its calculation method (GHG Protocol Scope 3 Technical
    Guidance, 2013: supplier-specific, hybrid, average-data, spend-based,
    distance-based); an excluded or not relevant one gives its reason.
    """

    category: Annotated[int, Field(strict=True, ge=1, le=15)]
    status: Literal["included", "excluded", "not_relevant"]
    method: Scope3Method | None = None
    reason: FreeText | None = None

    @model_validator(mode="after")
    def screening_entry_complete(self) -> ScreeningEntry:
        """Included: a method; excluded or not relevant: a reason (of at least 3 characters)."""
        if self.status == "included" and self.method is None:
            raise RuleError(
                "screening_entry_complete",
                f"Scope 3 category {self.category} is included: name its method "
                "(supplier_specific, hybrid, average_data, spend_based, distance_based)",
            )
        if self.status != "included" and (self.reason is None or len(self.reason.strip()) < 3):
            raise RuleError(
                "screening_entry_complete",
                f"Scope 3 category {self.category} is {self.status.replace('_', ' ')}: give "
                "the reason",
            )
        return self
