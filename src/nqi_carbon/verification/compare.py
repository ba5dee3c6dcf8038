"""Misstatements: a claimed figure against the recomputed one, classified and sized.

:func:`compare_claim` compares a whole claim, level by level (total, categories, sources,
the consistency of the levels with each other, figures reported apart, breakdowns,
lines), and keeps the rows of the aggregate and every figure to be judged on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ..calc.result import Result
from .claim import SEPARATE_FIGURES
from .evidence import _gross_by_source_gas

if TYPE_CHECKING:
    from ..inventory.models import Inventory
    from .claim import _Claim, _LineRow

__all__ = ["Misstatement"]

@dataclass(frozen=True)
class Misstatement:
    """One difference between what was claimed and what the evidence supports."""

    level: Literal["total", "category", "source_gas", "breakdown", "sample"]
    subject: str
    claimed_t: float | None
    recomputed_t: float
    difference_t: float  # claimed - recomputed
    relative: float | None  # difference / recomputed
    direction: Literal["overstatement", "understatement"]
    kind: Literal[
        "error",
        "omission",
        "rounding",
        "not_supported",
        "inconsistency",
        "not_broken_out",
        "intentional",
    ]


@dataclass(frozen=True)
class _Figure:
    """A figure the claim states, with the row that compares it and its own materiality.

    ``name`` says where the claim states it (``by_category.1``, ``by_source.kiln-coal``,
    ``by_scope.2_location``, ``gross_co2e_t_market_based`` ...); ``threshold_t`` is the
    materiality at the figure's level, in the row's ``unit``.
    """

    name: str
    row: Misstatement
    threshold_t: float
    unit: str = "t CO2e"


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "E" in text:
        return 6
    frac = text.split(".")[1] if "." in text else ""
    return 0 if frac == "0" else len(frac)


def _misstatement(
    level: Any, subject: str, claimed: float | None, recomputed: float
) -> Misstatement | None:
    c = 0.0 if claimed is None else claimed
    diff = c - recomputed
    if diff == 0:
        return None
    if claimed is None or (claimed == 0 and recomputed != 0):
        kind: Any = "omission"
    elif recomputed == 0:
        kind = "not_supported"
    elif abs(diff) <= 0.5 * 10 ** (-_decimals(claimed)) + 1e-9 * abs(recomputed):
        kind = "rounding"
    else:
        kind = "error"
    return Misstatement(
        level,
        subject,
        claimed,
        recomputed,
        diff,
        diff / recomputed if recomputed else None,
        "overstatement" if diff > 0 else "understatement",
        kind,
    )


def _mark_not_broken_out(found: list[Misstatement], ids: set[int]) -> None:
    """Relabel the rows *ids* of *found* as ``not_broken_out`` (covered by a stated total)."""
    for i, r in enumerate(found):
        if id(r) in ids:
            found[i] = replace(r, kind="not_broken_out")


def _line_views(rows: list[_LineRow]) -> tuple[dict[str, dict[tuple[str, str], float]], set[str]]:
    """The t CO2e per (source, gas) of the lines outside the location-based gross total.

    ``gross_co2e_t_market_based``: the market-based view of each source (lines of basis
    ``both`` and ``market``, fossil); ``biogenic_co2_t``: biogenic lines (basis ``both`` and
    ``location``), as :meth:`Result.totals` sums them. Also the sources with a line of
    basis ``location`` or ``market``, the only ones whose market-based view differs from
    the location-based figure already compared.
    """
    views: dict[str, dict[tuple[str, str], float]] = {
        "gross_co2e_t_market_based": {},
        "biogenic_co2_t": {},
    }
    split: set[str] = set()
    for sid, gas, basis, biogenic, t in rows:
        if basis != "both":
            split.add(sid)
        if biogenic:
            fig = "biogenic_co2_t" if basis != "market" else None
        else:
            fig = "gross_co2e_t_market_based" if basis != "location" else None
        if fig is not None:
            view = views[fig]
            view[(sid, gas)] = view.get((sid, gas), 0.0) + t
    return views, split


def _line_view_rows(claimed: list[_LineRow], res: Result) -> list[tuple[str, str, Misstatement]]:
    """A result@1 claim's market-based and biogenic lines against the recomputed ones.

    The location-based lines are compared as sources; without this the lines of the other
    views would be read and never compared (only their totals were). Market-based rows are
    listed for the sources whose market-based view differs from the location-based one on
    either side; biogenic rows for every biogenic line. Neither joins the gross aggregate.
    Each row comes with the figure reported apart it belongs to and its own name
    (``by_source_market_based.<source>.<gas>``, ``by_source_biogenic.<source>.<gas>``).
    """
    lines = res.lines
    recomputed: list[_LineRow] = [
        (str(s), str(g), str(b), bool(bio), float(v))
        for s, g, b, bio, v in zip(
            lines["source"],
            lines["gas"],
            lines["basis"],
            lines["biogenic"],
            lines["co2e_t"],
            strict=True,
        )
    ]
    (c_views, c_split), (r_views, r_split) = _line_views(claimed), _line_views(recomputed)
    split = c_split | r_split
    out = []
    for fig, label, view in (
        ("gross_co2e_t_market_based", "market-based", "by_source_market_based"),
        ("biogenic_co2_t", "biogenic", "by_source_biogenic"),
    ):
        c, r = c_views[fig], r_views[fig]
        keys = c.keys() | r.keys()
        if fig == "gross_co2e_t_market_based":
            keys = {k for k in keys if k[0] in split}
        for sid, gas in sorted(keys):
            m = _misstatement(
                "source_gas", f"{sid}/{gas} ({label})", c.get((sid, gas)), r.get((sid, gas), 0.0)
            )
            if m is not None:
                out.append((fig, f"{view}.{sid}.{gas}", m))
    return out


def _unit_of(fig: str) -> str:
    """The unit of a figure reported apart: biogenic CO2 is a mass of CO2, the rest CO2e."""
    return "t CO2" if fig == "biogenic_co2_t" else "t CO2e"


def _rounding_slack(figures: list[float]) -> float:
    """Half a unit of each figure's last printed digit, summed: what rounding can explain."""
    return math.fsum(0.5 * 10 ** (-_decimals(v)) for v in figures)


def _inconsistency_kind(
    m: Misstatement, figures: list[float]
) -> Literal["rounding", "inconsistency"]:
    """``rounding`` within the half-units of the figures' printed digits, else ``inconsistency``."""
    slack = _rounding_slack(figures)
    return (
        "rounding" if abs(m.difference_t) <= slack + 1e-9 * abs(m.recomputed_t) else "inconsistency"
    )


def _claimed_total(claim: _Claim) -> float:
    """The claimed gross total: as stated, else the sum of the stated categories or sources."""
    claimed_total = claim.total
    if claimed_total is None and claim.by_category:
        claimed_total = math.fsum(claim.by_category.values())
    if claimed_total is None and claim.by_source_gas:
        claimed_total = math.fsum(claim.by_source_gas.values())
    assert claimed_total is not None
    return claimed_total


@dataclass
class _Comparison:
    """A claim compared with the recomputed inventory, built step by step by :func:`compare_claim`.

    ``found`` holds every row in the order the report lists them; ``aggregate`` the rows
    of the aggregate, at ``level``, the finest level the claim states (``source_gas``,
    ``category`` or ``total``), so that nothing is counted twice; ``judged`` every figure
    the claim states, each with its own materiality (see :func:`~nqi_carbon.verify`).
    """

    claim: _Claim
    inventory: Inventory
    res: Result
    totals: dict[str, Any]
    materiality: float  # the fraction
    claimed_total: float
    recomputed: float
    materiality_t: float  # materiality x the claimed total, in t CO2e
    found: list[Misstatement] = field(default_factory=list)
    judged: list[_Figure] = field(default_factory=list)
    # the rows of the stated categories and of the sources (as whole or per gas)
    category_rows: dict[str, Misstatement] = field(default_factory=dict)
    source_rows: list[Misstatement] = field(default_factory=list)
    source_names: dict[int, str] = field(default_factory=dict)  # id of a source row -> figure
    recomputed_sources: dict[tuple[str, str], float] = field(default_factory=dict)
    # ids of rows a stated total covers (parts not broken out): neither judged nor aggregated
    not_broken_out: set[int] = field(default_factory=set)
    level: str = "total"
    aggregate: list[Misstatement] = field(default_factory=list)
    parts: float = 0.0  # the sum of the stated figures at the aggregate's level

    @property
    def net_t(self) -> float:
        """Net aggregate of the misstatements at the aggregate's level [t CO2e]."""
        return math.fsum(m.difference_t for m in self.aggregate)

    @property
    def gross_t(self) -> float:
        """Gross aggregate (sum of absolute differences) at the aggregate's level [t CO2e]."""
        return math.fsum(abs(m.difference_t) for m in self.aggregate)

    def compare_total(self) -> None:
        """The gross total; judged as a figure when the claim states it."""
        claim = self.claim
        m = _misstatement("total", "gross", self.claimed_total, self.recomputed)
        if m is not None:
            self.found.append(m)
            if claim.total is not None:  # a total the claim states, not the sum of its parts
                self.judged.append(_Figure("gross_co2e_t", m, self.materiality_t))

    def compare_categories(self) -> None:
        """Each ISO category, when the claim states categories."""
        if not self.claim.by_category:
            return
        for c in map(str, range(1, 7)):
            m = _misstatement(
                "category", c, self.claim.by_category.get(c), self.totals["by_category"][c]
            )
            if m is not None:
                self.found.append(m)
                self.category_rows[c] = m

    def compare_sources(self) -> None:
        """Each source as the claim states it: as a whole (a number) or per gas (a mapping).

        Sources the claim leaves out are listed per gas when the claim states every source
        per gas, otherwise as a whole.
        """
        claim = self.claim
        if not claim.by_source_gas:
            return
        rec = self.recomputed_sources = _gross_by_source_gas(self.res)
        whole = {s for s, g in claim.by_source_gas if g == "*"}
        per_gas = {s for s, g in claim.by_source_gas if g != "*"}
        unclaimed_whole = bool(whole) or not per_gas
        keys = set(claim.by_source_gas)
        for s, g in rec:
            if s in per_gas:
                wanted = g != "*"
            elif s in whole:
                wanted = g == "*"
            else:
                wanted = (g == "*") == unclaimed_whole
            if wanted:
                keys.add((s, g))
        for key in sorted(keys):
            m = _misstatement(
                "source_gas",
                f"{key[0]}/{key[1]}" if key[1] != "*" else key[0],
                claim.by_source_gas.get(key),
                rec.get(key, 0.0),
            )
            if m is not None:
                self.found.append(m)
                self.source_rows.append(m)
                self.source_names[id(m)] = ".".join(("by_source", *(k for k in key if k != "*")))

    def choose_aggregate_level(self) -> None:
        """Aggregate at the finest level the claim states (so nothing is counted twice)."""
        claim = self.claim
        if claim.by_source_gas:
            self.level, self.aggregate = "source_gas", list(self.source_rows)
            self.parts = math.fsum(claim.by_source_gas.values())
        elif claim.by_category:
            self.level, self.aggregate = "category", list(self.category_rows.values())
            self.parts = math.fsum(claim.by_category.values())
        else:
            self.level = "total"
            self.aggregate = [m for m in self.found if m.level == "total"]
            self.parts = self.claimed_total

    def check_headline(self) -> None:
        """The headline against the stated parts at the aggregate's level.

        The headline is the stated total, else (sources stated beside categories) the sum
        of the stated categories, which is then the claimed total. A stated total that is
        not the sum of the stated parts is itself misstated: without this a wrong headline
        figure hides behind correct details.
        """
        claim, level = self.claim, self.level
        headline = claim.total
        headline_digits: list[float] = [] if claim.total is None else [claim.total]
        headline_name = "stated total"
        if headline is None and level == "source_gas" and claim.by_category:
            headline, headline_digits = self.claimed_total, list(claim.by_category.values())
            headline_name = "sum of stated category figures"
        if headline is None or level == "total":
            return
        stated = claim.by_source_gas if level == "source_gas" else claim.by_category
        digits = [*headline_digits, *stated.values()]
        slack = _rounding_slack(digits)
        unstated = [r for r in self.aggregate if r.kind == "omission" and r.claimed_t is None]
        if unstated and abs(headline - self.parts) > slack + 1e-9 * abs(headline):
            self._cover_sources_not_broken_out(headline, headline_name, unstated)
            return
        m = _misstatement(
            "total",
            f"gross: {headline_name} vs sum of stated {level} figures",
            headline,
            self.parts,
        )
        if m is not None:
            # parts and total each rounded to their printed decimals may differ by the sum
            # of their half-units: that is a rounding difference, anything more is not
            m = replace(m, kind=_inconsistency_kind(m, digits))
            self.found.append(m)
            self.aggregate.append(m)

    def _cover_sources_not_broken_out(
        self, headline: float, headline_name: str, unstated: list[Misstatement]
    ) -> None:
        """Cover the sources the claim does not break out with the rest of the headline.

        The headline covers more than the stated parts: the rest is the claim's figure for
        what it did not break out. Those rows are then no omissions of their own (the headline includes them) and
        leave the aggregate; the rest is compared with what they recompute to, once.
        Counting both would count the same tonnes twice (an omission and an equal and
        opposite inconsistency).
        """
        rest_recomputed = math.fsum(r.recomputed_t for r in unstated)
        kept = {id(r) for r in unstated}
        self.not_broken_out |= kept
        self.aggregate = [r for r in self.aggregate if id(r) not in kept]
        _mark_not_broken_out(self.found, kept)
        m = _misstatement(
            "total",
            f"gross: {headline_name} minus the stated {self.level} figures vs the sources "
            "not stated",
            headline - self.parts,
            rest_recomputed,
        )
        if m is not None:
            self.found.append(m)
            self.aggregate.append(m)

    def check_categories_against_sources(self) -> None:
        """Each stated category figure against the sum of the stated sources of that category.

        A source's category is the inventory's. These rows are listed but deliberately NOT
        added to the aggregate. With sources stated, the aggregate is
          sum over sources (claimed - recomputed) + (headline - sum of claimed sources)
        and its net is exactly headline - recomputed. Since
          headline - sum(sources) = (headline - sum(categories))
                                    + sum over c (category_c - sum(sources in c)),
        the category inconsistencies are already inside the headline row: adding them
        would count the same tonnes twice. Category errors that cancel in the total
        (+10 in one category, -10 in another) are not lost: each category's own row
        (claimed - recomputed) contains its inconsistency and is judged against
        materiality in material_categories. Sources the inventory does not have map
        to no category and are left out of these sums (they are `not_supported` rows).
        """
        claim, inventory = self.claim, self.inventory
        if not (claim.by_category and claim.by_source_gas):
            return
        cat_of = {s.id: str(s.category) for s in inventory.sources}
        by_cat_sources: dict[str, list[float]] = {}
        for (sid, _gas), v in claim.by_source_gas.items():
            if sid in cat_of:
                by_cat_sources.setdefault(cat_of[sid], []).append(v)
        stated_sources = {sid for sid, _gas in claim.by_source_gas}
        for c in sorted(claim.by_category):
            members = by_cat_sources.get(c, [])
            # sources of the category the claim does not break out: the category figure
            # covers them (as the headline covers the total), so the category minus its
            # stated sources is compared with what those sources recompute to
            not_stated = [
                src.id
                for src in inventory.sources
                if str(src.category) == c and src.id not in stated_sources
            ]
            rest_recomputed = math.fsum(
                self.recomputed_sources.get((sid, "*"), 0.0) for sid in not_stated
            )
            if not_stated:
                subject = f"{c}: stated category minus its stated sources vs the sources not stated"
                claimed_c = claim.by_category[c] - math.fsum(members)
                recomputed_c = rest_recomputed
            else:
                subject = f"{c}: stated category vs sum of its stated source_gas figures"
                claimed_c, recomputed_c = claim.by_category[c], math.fsum(members)
            m = _misstatement("category", subject, claimed_c, recomputed_c)
            if m is not None:
                if not not_stated:  # the category against its own parts
                    m = replace(m, kind=_inconsistency_kind(m, [claim.by_category[c], *members]))
                self.found.append(m)

    def cover_categories_not_stated(self) -> None:
        """Categories the claim does not state beside a stated total that covers more.

        The total includes them, as it includes sources not broken out (the same rule one
        level up); without this they would be judged as omissions.
        """
        claim = self.claim
        if not (self.level == "source_gas" and claim.by_category and claim.total is not None):
            return
        unstated_c = [c for c, r in self.category_rows.items() if r.claimed_t is None]
        stated_c = math.fsum(claim.by_category.values())
        slack = _rounding_slack([claim.total, *claim.by_category.values()])
        if unstated_c and abs(claim.total - stated_c) > slack + 1e-9 * abs(claim.total):
            kept = {id(self.category_rows[c]) for c in unstated_c}
            self.not_broken_out |= kept
            _mark_not_broken_out(self.found, kept)
            m = _misstatement(
                "category",
                f"{', '.join(unstated_c)}: stated total minus the stated category figures vs "
                "the categories not stated",
                claim.total - stated_c,
                math.fsum(self.category_rows[c].recomputed_t for c in unstated_c),
            )
            if m is not None:
                self.found.append(m)  # listed; the headline row already holds these tonnes

    def judge_stated_parts(self) -> None:
        """The stated categories and sources, each a figure of its own (not those not broken out)."""
        for c, m in sorted(self.category_rows.items()):
            if id(m) not in self.not_broken_out:
                self.judged.append(_Figure(f"by_category.{c}", m, self.materiality_t))
        for m in self.source_rows:
            if id(m) not in self.not_broken_out:
                self.judged.append(_Figure(self.source_names[id(m)], m, self.materiality_t))

    def compare_separate_figures(self) -> None:
        """Figures reported apart (market-based total, biogenic CO2, removals).

        Each judged against materiality of its own size.
        """
        claim, totals = self.claim, self.totals
        for fig, label in SEPARATE_FIGURES.items():
            if fig not in claim.separate:
                continue
            m = _misstatement("total", label, claim.separate[fig], float(totals[fig]))
            if m is None:
                continue
            self.found.append(m)
            own = abs(claim.separate[fig]) or abs(float(totals[fig]))
            self.judged.append(_Figure(fig, m, self.materiality * own, _unit_of(fig)))

    def compare_breakdowns(self) -> None:
        """Each row of the breakdowns the claim states (by scope, facility, gas).

        A row the claim does not state is not claimed. Gas masses are judged against their
        own size, the rest against the materiality of the claimed total.
        """
        mat, mat_t = self.materiality, self.materiality_t
        for b, rows in sorted(self.claim.breakdowns.items()):
            recomputed_rows: dict[str, float] = self.totals.get(b) or {}
            for k in sorted(rows):
                have = float(recomputed_rows.get(k, 0.0))
                m = _misstatement("breakdown", f"{b}: {k}", rows[k], have)
                if m is None:
                    continue
                self.found.append(m)
                if b == "by_gas_mass_t":  # a mass, judged against its own size
                    self.judged.append(
                        _Figure(f"{b}.{k}", m, mat * (abs(rows[k]) or abs(have)), "t")
                    )
                else:
                    self.judged.append(_Figure(f"{b}.{k}", m, mat_t))

    def compare_lines(self) -> None:
        """A result@1 claim's market-based and biogenic lines (see :func:`_line_view_rows`)."""
        claim, totals = self.claim, self.totals
        if claim.lines is None:
            return
        for fig, fig_name, m in _line_view_rows(claim.lines, self.res):
            self.found.append(m)
            own = abs(claim.separate.get(fig, 0.0)) or abs(float(totals[fig]))
            self.judged.append(_Figure(fig_name, m, self.materiality * own, _unit_of(fig)))


def compare_claim(
    claim: _Claim, inventory: Inventory, res: Result, materiality: float
) -> _Comparison:
    """Compare every figure *claim* states with the recomputation *res* of *inventory*.

    The steps run in the order the report lists the rows: the total, the categories, the
    sources; the aggregate's level; the headline against its parts, each category against
    its sources, categories a stated total covers; the stated parts as figures; figures
    reported apart, breakdowns, a result@1 claim's lines. *materiality* is the fraction.
    """
    totals = res.totals()
    recomputed = totals["gross_co2e_t"]
    claimed_total = _claimed_total(claim)
    base = abs(claimed_total) or abs(recomputed) or 1.0
    cmp = _Comparison(
        claim,
        inventory,
        res,
        totals,
        materiality,
        claimed_total,
        recomputed,
        materiality * base,
    )
    cmp.compare_total()
    cmp.compare_categories()
    cmp.compare_sources()
    cmp.choose_aggregate_level()
    cmp.check_headline()
    cmp.check_categories_against_sources()
    cmp.cover_categories_not_stated()
    cmp.judge_stated_parts()
    cmp.compare_separate_figures()
    cmp.compare_breakdowns()
    cmp.compare_lines()
    return cmp
