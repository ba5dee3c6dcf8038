"""Completeness: each ISO 14064-1 category included, excluded with a tested justification, or not.

ISO 14064-1:2018 clause 5.2.3 asks the organization to define significance criteria for
indirect emissions, to include the significant ones and to justify every exclusion
(clause 9.3.1 e, i, j). :func:`assess_completeness` reads the inventory and its gross
total and says, for each of the six categories, whether it is reported (has sources;
"reported; part excluded" with exclusions too), excluded (exclusions only: its 0 is not
a measured zero) or **not addressed** (neither: a finding), and tests each
exclusion's ``estimated_co2e_t`` against the stated :class:`~.models.Significance`:

- an exclusion is significant when its estimate reaches the threshold (``threshold`` ×
  the gross total or ``threshold_co2e_t``, the lower when both are stated);
- the exclusions together may not exceed ``exclusions_cap`` × the gross total;
- an exclusion without an estimate cannot be tested (a warning: state 0 when the reason
  is that nothing is emitted).

Without a stated threshold or cap the exclusions are not testable; a verification then
tests them against its materiality (``fallback_t``): an exclusion, or the exclusions
together, reaching materiality cannot be left out as insignificant to the statement's
users. The result is plain data: the report and the verification present it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .checks import Check

if TYPE_CHECKING:
    from .models import Exclusion, Inventory

__all__ = [
    "CategoryCoverage",
    "Completeness",
    "ExclusionTest",
    "assess_completeness",
    "categories_not_addressed",
    "exclusion_subject",
]

CategoryState = Literal["reported", "reported; part excluded", "excluded", "not addressed"]


@dataclass(frozen=True)
class CategoryCoverage:
    """One ISO category: its state, its sources' count and its exclusions' estimate."""

    category: int
    state: CategoryState
    sources: int
    excluded_est_t: float | None  # sum of the exclusions' estimates (None: none estimated)


@dataclass(frozen=True)
class ExclusionTest:
    """One exclusion tested against the significance threshold."""

    index: int  # position in the inventory's exclusions
    exclusion: Exclusion
    result: Literal["below_threshold", "reaches_threshold", "not_estimated", "not_testable"]


@dataclass(frozen=True)
class Completeness:
    """The completeness of an inventory against its significance criteria.

    ``threshold_t`` and ``cap_t`` are the tests in t CO2e (``None`` when neither the
    inventory nor a fallback gives one); ``basis`` (``basis_zh`` in Chinese) says where
    they come from.
    ``untested_t`` is the estimated t CO2e of exclusions that fail a test or cannot be
    tested: what a verification weighs against materiality.
    """

    gross_t: float
    criteria_text: str | None
    threshold_t: float | None
    cap_t: float | None
    basis: str
    basis_zh: str
    categories: list[CategoryCoverage]
    exclusions: list[ExclusionTest]
    excluded_t: float
    untested_t: float
    checks: list[Check] = field(default_factory=list)

    @property
    def errors(self) -> list[Check]:
        """The checks that are non-conformities (a category not addressed, a test failed)."""
        return [c for c in self.checks if c.severity == "error"]


def _coverage(inv: Inventory) -> list[CategoryCoverage]:
    out = []
    for c in range(1, 7):
        n = sum(1 for s in inv.sources if s.category == c)
        excl = [e for e in inv.exclusions if e.category == c]
        est = [e.estimated_co2e_t for e in excl if e.estimated_co2e_t is not None]
        if n:
            state: CategoryState = "reported; part excluded" if excl else "reported"
        else:
            state = "excluded" if excl else "not addressed"
        out.append(CategoryCoverage(c, state, n, math.fsum(est) if est else None))
    return out


def _tests(
    inv: Inventory, gross_t: float, fallback_t: float | None
) -> tuple[float | None, float | None, tuple[str, str]]:
    """The threshold and cap in t CO2e, and what they rest on (English, Chinese)."""
    sig = inv.significance
    stated: list[tuple[float, str, str]] = []
    if sig is not None and sig.threshold is not None:
        pct = f"{100 * sig.threshold:g} %"
        stated.append((sig.threshold * gross_t, f"{pct} of the gross total", f"总排放量的 {pct}"))
    if sig is not None and sig.threshold_co2e_t is not None:
        t = f"{sig.threshold_co2e_t:,.3f} t CO2e"
        stated.append((sig.threshold_co2e_t, t, t))
    threshold, why, why_zh = min(stated) if stated else (None, "", "")
    cap_share = None if sig is None else sig.exclusions_cap
    cap = None if cap_share is None else cap_share * gross_t
    en, zh = [], []
    if threshold is not None:
        en.append(f"threshold {why} = {threshold:,.3f} t CO2e (stated)")
        zh.append(f"阈值 {why_zh} = {threshold:,.3f} t CO2e（清单所述）")
    if cap is not None and cap_share is not None:
        en.append(
            f"exclusions together at most {100 * cap_share:g} % of the gross total = "
            f"{cap:,.3f} t CO2e (stated)"
        )
        zh.append(f"排除项合计不超过总排放量的 {100 * cap_share:g} % = {cap:,.3f} t CO2e（清单所述）")
    if fallback_t is not None and threshold is None:
        threshold = fallback_t
        en.append(f"threshold materiality = {fallback_t:,.3f} t CO2e (no threshold stated)")
        zh.append(f"阈值取实质性 = {fallback_t:,.3f} t CO2e（清单未说明阈值）")
    if fallback_t is not None and cap is None:
        cap = fallback_t
        en.append(f"exclusions together below materiality = {fallback_t:,.3f} t CO2e (no cap stated)")
        zh.append(f"排除项合计低于实质性 = {fallback_t:,.3f} t CO2e（清单未说明上限）")
    basis = (
        "; ".join(en) or "no testable significance criteria stated",
        "；".join(zh) or "未说明可检验的重要性准则",
    )
    return threshold, cap, basis


def categories_not_addressed(coverage: list[CategoryCoverage]) -> list[Check]:
    """A ``category_not_addressed`` error per ISO category with no source and no exclusion.

    *coverage* is the inventory's :func:`_coverage`; the check needs no calculation, so an
    inventory's notebook display shows it before anything is computed.
    """
    return [
        Check(
            "category_not_addressed",
            "error",
            f"category {c.category}",
            f"ISO category {c.category} has neither sources nor a justified exclusion",
        )
        for c in coverage
        if c.state == "not addressed"
    ]


def assess_completeness(
    inv: Inventory, gross_t: float, *, fallback_t: float | None = None
) -> Completeness:
    """Judge the inventory's completeness against its significance criteria.

    Parameters
    ----------
    inv : Inventory
        Its sources, exclusions, ``significance`` and ``significance_criteria``.
    gross_t : float
        The gross total [t CO2e] the criteria's fractions apply to.
    fallback_t : float, optional
        A threshold and cap [t CO2e] for criteria the inventory does not state (a
        verification's materiality).
    """
    threshold, cap, (basis, basis_zh) = _tests(inv, gross_t, fallback_t)
    coverage = _coverage(inv)
    checks = categories_not_addressed(coverage)
    tests = _exclusion_tests(inv, threshold, checks)
    excluded = math.fsum(e.estimated_co2e_t or 0.0 for e in inv.exclusions)
    untested = math.fsum(
        t.exclusion.estimated_co2e_t or 0.0 for t in tests if t.result != "below_threshold"
    )
    over_cap = cap is not None and excluded > 0 and excluded >= cap
    if over_cap:
        assert cap is not None
        stated_cap = inv.significance is not None and inv.significance.exclusions_cap is not None
        checks.append(
            Check(
                "exclusions_exceed_cap",
                "error",
                "exclusions",
                f"the exclusions' estimates add up to {excluded:,.3f} t CO2e, "
                + (
                    f"above the cap {cap:,.3f} t CO2e"
                    if stated_cap
                    else f"reaching materiality {cap:,.3f} t CO2e"
                )
                + f" ({basis})",
                excluded - cap if stated_cap else excluded,
            )
        )
        # at least the excess over a stated cap must come in; against materiality, all of them
        untested = max(untested, excluded - cap if stated_cap else excluded)
    if inv.significance_criteria is None and inv.significance is None:
        checks.append(
            Check(
                "significance_criteria_missing",
                "warning",
                "significance",
                "the inventory states no significance criteria (significance_criteria, significance)",
            )
        )
    return Completeness(
        gross_t,
        inv.significance_criteria,
        threshold,
        cap,
        basis,
        basis_zh,
        coverage,
        tests,
        excluded,
        untested,
        checks,
    )


def exclusion_subject(test: ExclusionTest) -> str:
    """How a finding names an exclusion: ``exclusion 2 (category 3, upstream transport)``."""
    e = test.exclusion
    part = e.subcategory or e.source
    return f"exclusion {test.index + 1} (category {e.category}" + (f", {part})" if part else ")")


def _exclusion_tests(
    inv: Inventory, threshold: float | None, checks: list[Check]
) -> list[ExclusionTest]:
    """Each exclusion against the threshold; its checks appended to *checks*."""
    tests = []
    for i, e in enumerate(inv.exclusions):
        subject = exclusion_subject(ExclusionTest(i, e, "not_testable"))
        est = e.estimated_co2e_t
        if est is None:
            tests.append(ExclusionTest(i, e, "not_estimated"))
            checks.append(
                Check(
                    "exclusion_not_estimated",
                    "warning",
                    subject,
                    "no estimated_co2e_t: the exclusion cannot be tested against the "
                    "significance criteria (state 0 when nothing is emitted)",
                )
            )
        elif threshold is None:
            tests.append(ExclusionTest(i, e, "not_testable"))
        elif est >= threshold and est > 0:
            tests.append(ExclusionTest(i, e, "reaches_threshold"))
            checks.append(
                Check(
                    "exclusion_significant",
                    "error",
                    subject,
                    f"estimated {est:,.3f} t CO2e reaches the significance threshold "
                    f"{threshold:,.3f} t CO2e: it cannot be excluded as insignificant",
                    est,
                )
            )
        else:
            tests.append(ExclusionTest(i, e, "below_threshold"))
    if threshold is None and any(t.result == "not_testable" for t in tests):
        checks.append(
            Check(
                "significance_not_testable",
                "warning",
                "significance",
                "no significance threshold is stated (significance.threshold or "
                "threshold_co2e_t): the exclusions' estimates cannot be tested",
            )
        )
    return tests
