"""ISO 14064-3 style verification (:func:`verify`).

Recompute from evidence, compare with a claimed inventory, weigh misstatements against
materiality, give an opinion.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..calc.pipeline import calculate
from ..errors import InvalidInputError, Issue
from ..inventory.models import Inventory
from ..pages.format import verification_date
from .claim import _read_claim
from .compare import compare_claim
from .evidence import _gather_evidence
from .materiality import _resolve_materiality, _weigh
from .result import VerificationResult
from .statement import _statement, _statement_zh

if TYPE_CHECKING:
    from .claim import _Claim
    from .evidence import _Evidence
    from .materiality import Assurance, _Weighing

__all__ = ["verify"]


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


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
    from ..errors import expect_type
    from ..inventory.models import Inventory

    allowed = "an nc.Inventory (nc.load_inventory(path))"
    expect_type(inventory, Inventory, field="inventory", where="verify()", allowed=allowed)
    mat, preset = _check_call(assurance, materiality, pervasive_multiple)
    ver_date = verification_date(date)
    claim = _read_claim(claimed)
    _check_claim_fits(claim, inventory)
    res = calculate(inventory)
    compared = compare_claim(claim, inventory, res, mat)
    mat_t = compared.materiality_t
    net, gross = compared.net_t, compared.gross_t
    weighed = _weigh(compared.judged, max(abs(net), gross), mat_t, pervasive_multiple)
    evidence = _gather_evidence(inventory, res, mat_t)
    ver = VerificationResult(
        inventory=inventory,
        recomputed=res,
        assurance=assurance,
        materiality=mat,
        claimed_co2e_t=compared.claimed_total,
        recomputed_co2e_t=compared.recomputed,
        misstatements=compared.found,
        aggregate_level=compared.level,
        aggregate_net_t=net,
        aggregate_gross_t=gross,
        material=weighed.material,
        material_categories=weighed.material_categories,
        opinion=_opinion(weighed, evidence, mat_t),
        statement="",  # the statements are written from the finished result, below
        findings=evidence.findings,
        tiers=evidence.tiers,
        claim_source=claim.source,
        material_figures=weighed.material_figures,
        materiality_preset=preset,
        verifier=_text(verifier),
        verification_body=_text(body),
        verification_date=ver_date,
        unsupported=evidence.unsupported,
        _material_rows=weighed.material_rows,
    )
    ver.statement, ver.statement_zh = _statement(ver), _statement_zh(ver)
    return ver


def _check_call(
    assurance: str, materiality: float | str, pervasive_multiple: float
) -> tuple[float, str | None]:
    """Check the arguments of :func:`verify`; the materiality as a fraction and its preset."""
    if not isinstance(assurance, str) or assurance not in ("reasonable", "limited"):
        raise InvalidInputError(
            [
                Issue(
                    "assurance",
                    "unknown level of assurance",
                    field="assurance",
                    value=repr(assurance)[:80],
                    allowed="reasonable, limited",
                )
            ]
        )
    mat, preset = _resolve_materiality(materiality)
    if not _finite(pervasive_multiple) or pervasive_multiple < 1:
        raise InvalidInputError(
            [
                Issue(
                    "pervasive_multiple_valid",
                    "the multiple of materiality that makes an opinion adverse",
                    field="pervasive_multiple",
                    value=repr(pervasive_multiple)[:80],
                    allowed="a finite number >= 1 (default 2)",
                )
            ]
        )
    return mat, preset


def _finite(value: Any) -> bool:
    """A finite int or float, not a boolean (an int beyond double precision is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _check_claim_fits(claim: _Claim, inventory: Inventory) -> None:
    """Refuse a claim in another GWP set, of another organization or for another period."""
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


def _opinion(
    weighed: _Weighing, evidence: _Evidence, materiality_t: float
) -> Literal["unmodified", "modified", "adverse"]:
    """The opinion: adverse or modified when material, else modified on the evidence alone.

    Material and pervasive: adverse; material: modified. Otherwise modified when an error
    is among the findings or the unsupported amounts reach materiality (insufficient
    appropriate evidence for a material amount), else unmodified.
    """
    if weighed.material:
        return "adverse" if weighed.pervasive else "modified"
    if evidence.serious() or evidence.unsupported_material(materiality_t):
        return "modified"
    return "unmodified"
