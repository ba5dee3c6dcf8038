"""ISO 14064-3 style verification (:func:`verify`).

Recompute from evidence, compare with a claimed inventory, weigh misstatements against
materiality, give an opinion.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..calc.pipeline import calculate
from ..errors import InvalidInputError, Issue
from ..inventory.models import Inventory
from .claim import SEPARATE_FIGURES, _read_claim
from .compare import (
    _Figure,
    _inconsistency_kind,
    _line_view_rows,
    _mark_not_broken_out,
    _misstatement,
    _rounding_slack,
    _unit_of,
)
from .evidence import (
    _gross_by_source_gas,
    _unsupported_evidence,
    _verification_findings,
    tier_checks,
)
from .materiality import _resolve_materiality
from .result import VerificationResult
from .statement import _statement, _statement_zh

if TYPE_CHECKING:
    from .compare import Misstatement
    from .materiality import Assurance

__all__ = ["verify"]

def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _verification_date(date: str | _dt.date | None) -> str | None:
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


def verify(
    inventory: Inventory,
    claimed: str | Path | Mapping[str, Any],
    *,
    materiality: float | str,
    assurance: Assurance,
    pervasive_multiple: float = 2.0,
    verifier: str | None = None,
    body: str | None = None,
    date: str | _dt.date | None = None,
) -> VerificationResult:
    """Recompute an inventory from its evidence and compare it with the claimed figures.

    Parameters
    ----------
    inventory : Inventory
        The evidence: activity data, instruments, factors.
    claimed : path or mapping
        What the organization reported: a ``result@1`` JSON, or a smaller JSON/YAML with
        ``gwp_set``, ``period`` and ``totals.gross_co2e_t`` / ``by_category`` /
        ``by_source`` (source -> t CO2e, or source -> {gas: t CO2e}).
    materiality : float or str
        Required: a fraction (0.05), a percentage ('5%') or a programme preset
        (``eu-ets-a``, ``eu-ets-b``: 5 %; ``eu-ets-c``: 2 %).
    assurance : {"reasonable", "limited"}
        Level of assurance; decides the wording of the opinion.
    pervasive_multiple : float
        The verifier's judgement of pervasiveness, made explicit: material misstatements
        whose aggregate, or one figure's misstatement, reaches this multiple of its
        materiality give an adverse opinion, smaller material ones a modified opinion
        (default 2).
    verifier, body : str, optional
        The verifier (lead verifier's name) and the verification body; the report says
        "not stated" when they are not given.
    date : str or datetime.date, optional
        Date of the verification statement (ISO date).

    Notes
    -----
    Misstatements are aggregated at the finest level the claim states (source × gas,
    else category, else total), so nothing is counted twice; both the net and the gross
    (sum of absolute values) aggregate are reported, and the larger one is compared with
    ``materiality × claimed total``. Rounding differences count.

    Materiality is also judged at the level of each reported figure (ISO 14064-3:2019:
    an individual misstatement, or the aggregate, is material when it could influence
    the intended users' decisions; a category total in the statement is such a figure).
    Every figure the claim states is a reported figure: the gross total, each category,
    each source (or source × gas), each breakdown row (scope, facility, gas), the
    market-based total, biogenic CO2, removals, and a result@1 claim's market-based and
    biogenic lines; so is a part the claim leaves out of a headline that is the sum of
    its stated parts (an omission). Parts not broken out under a stated total that
    covers them are not reported figures (they are inside the total). A figure is
    materially misstated when ``|claimed - recomputed|`` reaches its materiality:
    ``materiality × claimed total`` for figures that are parts of the gross total (one
    threshold in t CO2e for the statement, the aggregate's), ``materiality ×`` the
    figure's own size for figures reported apart (market-based total and its lines,
    biogenic CO2 and its lines, removals, gas masses). Rounding differences are judged
    like any other difference. The materially misstated figures are listed in
    ``material_figures`` (``material_categories`` for the categories among them) and
    named in the statement.

    Opinion: **modified** when the aggregate or any reported figure is materially
    misstated; **adverse** (pervasive) when the aggregate reaches ``pervasive_multiple ×
    materiality × claimed total`` or one figure's misstatement reaches
    ``pervasive_multiple`` times its own materiality; otherwise **unmodified**, unless
    an error among the metrology and data-quality findings (e.g. a tier not met) or
    evidence resting on readings after a calibration due date whose t CO2e reach
    materiality (insufficient appropriate evidence for a material amount) makes it
    modified. A figure is judged on its own so that misstatements that cancel in the
    aggregate (tonnes moved between categories with the total and sources right) are not
    lost.

    Raises
    ------
    InvalidInputError
        A claim in another GWP set or period or of another organization, or a malformed
        claim: among others a figure stated twice under keys that name one figure once
        normalised (``claim_figure_duplicate``, ``claim_gas_duplicate``).
    """
    if assurance not in ("reasonable", "limited"):
        raise InvalidInputError(
            [
                Issue(
                    "assurance",
                    "unknown level of assurance",
                    value=repr(assurance),
                    allowed="reasonable, limited",
                )
            ]
        )
    mat, preset = _resolve_materiality(materiality)
    if (
        isinstance(pervasive_multiple, bool)
        or not isinstance(pervasive_multiple, int | float)
        or not math.isfinite(pervasive_multiple)
        or pervasive_multiple < 1
    ):
        raise InvalidInputError(
            [
                Issue(
                    "pervasive_multiple_valid",
                    "the multiple of materiality that makes an opinion adverse",
                    field="pervasive_multiple",
                    value=repr(pervasive_multiple),
                    allowed="a finite number >= 1 (default 2)",
                )
            ]
        )
    ver_date = _verification_date(date)
    claim = _read_claim(claimed)
    from ..data.gwp import _normalise_set

    issues = []
    try:
        claim_set = _normalise_set(claim.gwp_set)
    except KeyError as exc:
        raise InvalidInputError(
            [Issue("gwp_set_known", str(exc), file=claim.source, field="gwp_set")]
        ) from None
    if claim_set != inventory.gwp:
        issues.append(
            Issue(
                "claim_gwp_set_matches",
                f"the claim uses {claim_set}, the inventory {inventory.gwp}",
                file=claim.source,
                field="gwp_set",
                value=repr(claim.gwp_set),
                allowed=f"{inventory.gwp} (recompute the claim under one GWP set)",
            )
        )
    org = claim.organization_id
    if org is not None and org != inventory.organization.id:
        issues.append(
            Issue(
                "claim_organization_matches",
                "the claim is another organization's",
                file=claim.source,
                field="organization.id",
                value=repr(org),
                allowed=repr(inventory.organization.id),
            )
        )
    if claim.period is not None:
        want = (inventory.period.start.isoformat(), inventory.period.end.isoformat())
        if claim.period != want:
            issues.append(
                Issue(
                    "claim_period_matches",
                    "the claim covers another period",
                    file=claim.source,
                    field="period",
                    value=repr(claim.period),
                    allowed=f"{want[0]} to {want[1]}",
                )
            )
    if issues:
        raise InvalidInputError(issues, source=claim.source)

    res = calculate(inventory)
    totals = res.totals()
    recomputed = totals["gross_co2e_t"]
    found: list[Misstatement] = []
    claimed_total = claim.total
    if claimed_total is None and claim.by_category:
        claimed_total = math.fsum(claim.by_category.values())
    if claimed_total is None and claim.by_source_gas:
        claimed_total = math.fsum(claim.by_source_gas.values())
    assert claimed_total is not None
    base = abs(claimed_total) or abs(recomputed) or 1.0
    mat_t = mat * base
    # every figure the claim states, to be judged on its own (see Notes): the name of the
    # figure, its row, its materiality in t and the row's unit
    judged: list[_Figure] = []
    if (m := _misstatement("total", "gross", claimed_total, recomputed)) is not None:
        found.append(m)
        if claim.total is not None:  # a total the claim states, not the sum of its parts
            judged.append(_Figure("gross_co2e_t", m, mat_t))
    cat_ms: dict[str, Misstatement] = {}
    if claim.by_category:
        for c in map(str, range(1, 7)):
            m = _misstatement("category", c, claim.by_category.get(c), totals["by_category"][c])
            if m is not None:
                found.append(m)
                cat_ms[c] = m
    sg_ms: list[Misstatement] = []
    sg_names: dict[int, str] = {}  # id of a source row -> the figure it compares
    if claim.by_source_gas:
        rec = _gross_by_source_gas(res)
        # each source is compared as the claim states it: as a whole (a number) or per
        # gas (a mapping); sources the claim leaves out are listed per gas when the claim
        # states every source per gas, otherwise as a whole
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
                found.append(m)
                sg_ms.append(m)
                sg_names[id(m)] = ".".join(("by_source", *(k for k in key if k != "*")))
    # aggregate at the finest level the claim states (so nothing is counted twice)
    if claim.by_source_gas:
        level, agg = "source_gas", list(sg_ms)
        parts = math.fsum(claim.by_source_gas.values())
    elif claim.by_category:
        level, agg = "category", list(cat_ms.values())
        parts = math.fsum(claim.by_category.values())
    else:
        level, agg = "total", [m for m in found if m.level == "total"]
        parts = claimed_total
    # the headline the aggregate must explain: the stated total, else (sources stated
    # beside categories) the sum of the stated categories, which is then the claimed total
    not_broken_out: set[int] = set()  # ids of rows the headline covers (see below)
    headline = claim.total
    headline_digits: list[float] = [] if claim.total is None else [claim.total]
    headline_name = "stated total"
    if headline is None and level == "source_gas" and claim.by_category:
        headline, headline_digits = claimed_total, list(claim.by_category.values())
        headline_name = "sum of stated category figures"
    if headline is not None and level != "total":
        # a stated total that is not the sum of the stated parts is itself misstated:
        # without this a wrong headline figure hides behind correct details
        stated = claim.by_source_gas if level == "source_gas" else claim.by_category
        digits = [*headline_digits, *stated.values()]
        slack = _rounding_slack(digits)
        unstated = [r for r in agg if r.kind == "omission" and r.claimed_t is None]
        if unstated and abs(headline - parts) > slack + 1e-9 * abs(headline):
            # The headline covers more than the stated parts: the rest is the claim's figure
            # for what it did not break out. Those rows are then no omissions of their own
            # (the headline includes them) and leave the aggregate; the rest is compared
            # with what they recompute to, once. Counting both would count the same tonnes
            # twice (an omission and an equal and opposite inconsistency).
            rest_recomputed = math.fsum(r.recomputed_t for r in unstated)
            kept = {id(r) for r in unstated}
            not_broken_out |= kept
            agg = [r for r in agg if id(r) not in kept]
            _mark_not_broken_out(found, kept)
            m = _misstatement(
                "total",
                f"gross: {headline_name} minus the stated {level} figures vs the sources "
                "not stated",
                headline - parts,
                rest_recomputed,
            )
            if m is not None:
                found.append(m)
                agg.append(m)
            m = None
        else:
            m = _misstatement(
                "total", f"gross: {headline_name} vs sum of stated {level} figures", headline, parts
            )
        if m is not None:
            # parts and total each rounded to their printed decimals may differ by the sum
            # of their half-units: that is a rounding difference, anything more is not
            m = replace(m, kind=_inconsistency_kind(m, [*headline_digits, *stated.values()]))
            found.append(m)
            agg.append(m)
    if claim.by_category and claim.by_source_gas:
        # Each stated category figure against the sum of the stated sources of that
        # category (a source's category is the inventory's). These rows are listed but
        # deliberately NOT added to the aggregate. With sources stated, the aggregate is
        #   sum over sources (claimed - recomputed) + (headline - sum of claimed sources)
        # and its net is exactly headline - recomputed. Since
        #   headline - sum(sources) = (headline - sum(categories))
        #                             + sum over c (category_c - sum(sources in c)),
        # the category inconsistencies are already inside the headline row: adding them
        # would count the same tonnes twice. Category errors that cancel in the total
        # (+10 in one category, -10 in another) are not lost: each category's own row
        # (claimed - recomputed) contains its inconsistency and is judged against
        # materiality in material_categories. Sources the inventory does not have map
        # to no category and are left out of these sums (they are `not_supported` rows).
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
            rest_recomputed = math.fsum(rec.get((sid, "*"), 0.0) for sid in not_stated)
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
                found.append(m)
    if level == "source_gas" and claim.by_category and claim.total is not None:
        # Categories the claim does not state beside a stated total that covers more than
        # the stated ones: the total includes them, as it includes sources not broken out
        # (the same rule one level up); without this they would be judged as omissions.
        unstated_c = [c for c, r in cat_ms.items() if r.claimed_t is None]
        stated_c = math.fsum(claim.by_category.values())
        slack = _rounding_slack([claim.total, *claim.by_category.values()])
        if unstated_c and abs(claim.total - stated_c) > slack + 1e-9 * abs(claim.total):
            kept = {id(cat_ms[c]) for c in unstated_c}
            not_broken_out |= kept
            _mark_not_broken_out(found, kept)
            m = _misstatement(
                "category",
                f"{', '.join(unstated_c)}: stated total minus the stated category figures vs "
                "the categories not stated",
                claim.total - stated_c,
                math.fsum(cat_ms[c].recomputed_t for c in unstated_c),
            )
            if m is not None:
                found.append(m)  # listed; the headline row already holds these tonnes
    net = math.fsum(m.difference_t for m in agg)
    gross = math.fsum(abs(m.difference_t) for m in agg)
    for c, m in sorted(cat_ms.items()):
        if id(m) not in not_broken_out:
            judged.append(_Figure(f"by_category.{c}", m, mat_t))
    for m in sg_ms:
        if id(m) not in not_broken_out:
            judged.append(_Figure(sg_names[id(m)], m, mat_t))
    # figures reported apart (market-based total, biogenic CO2, removals): each judged
    # against materiality of its own size
    for fig, label in SEPARATE_FIGURES.items():
        if fig not in claim.separate:
            continue
        m = _misstatement("total", label, claim.separate[fig], float(totals[fig]))
        if m is None:
            continue
        found.append(m)
        own = abs(claim.separate[fig]) or abs(float(totals[fig]))
        judged.append(_Figure(fig, m, mat * own, _unit_of(fig)))
    for b, rows in sorted(claim.breakdowns.items()):
        recomputed_rows: dict[str, float] = totals.get(b) or {}
        for k in sorted(rows):  # a row the claim does not state is not claimed
            have = float(recomputed_rows.get(k, 0.0))
            m = _misstatement("breakdown", f"{b}: {k}", rows[k], have)
            if m is None:
                continue
            found.append(m)
            if b == "by_gas_mass_t":  # a mass, judged against its own size
                judged.append(_Figure(f"{b}.{k}", m, mat * (abs(rows[k]) or abs(have)), "t"))
            else:
                judged.append(_Figure(f"{b}.{k}", m, mat_t))
    if claim.lines is not None:
        for fig, fig_name, m in _line_view_rows(claim.lines, res):
            found.append(m)
            own = abs(claim.separate.get(fig, 0.0)) or abs(float(totals[fig]))
            judged.append(_Figure(fig_name, m, mat * own, _unit_of(fig)))
    largest = max(abs(net), gross)
    material_rows = [f for f in judged if abs(f.row.difference_t) >= f.threshold_t]
    material_figures = [f.name for f in material_rows]
    material_cats = [f.name.split(".", 1)[1] for f in material_rows if f.row.level == "category"]
    material = largest >= mat_t or bool(material_rows)
    # pervasive: the aggregate, or one figure's own misstatement, reaches
    # pervasive_multiple times its materiality
    pervasive = largest >= pervasive_multiple * mat_t or any(
        abs(f.row.difference_t) >= pervasive_multiple * f.threshold_t for f in material_rows
    )
    tiers = tier_checks(res)
    unsupported = _unsupported_evidence(inventory, res)
    unsupported_t = math.fsum(u.co2e_t for u in unsupported)
    # insufficient appropriate evidence for a material amount (ISO 14064-3): modified
    unsupported_material = unsupported_t > 0 and unsupported_t >= mat_t
    findings = _verification_findings(inventory, res, tiers, unsupported, mat_t)
    serious = any(f.severity == "error" for f in findings)
    if material:
        opinion: Literal["unmodified", "modified", "adverse"] = (
            "adverse" if pervasive else "modified"
        )
    else:
        opinion = "modified" if serious or unsupported_material else "unmodified"
    ver = VerificationResult(
        inventory,
        res,
        assurance,
        mat,
        claimed_total,
        recomputed,
        found,
        level,
        net,
        gross,
        material,
        material_cats,
        opinion,
        "",  # the statements are written from the finished result, below
        findings,
        tiers,
        claim.source,
        material_figures,
        preset,
        _text(verifier),
        _text(body),
        ver_date,
        unsupported,
        "",
        material_rows,
    )
    ver.statement, ver.statement_zh = _statement(ver), _statement_zh(ver)
    return ver
