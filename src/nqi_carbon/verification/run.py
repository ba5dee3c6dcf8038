"""ISO 14064-3 style verification (:func:`verify`).

Recompute from evidence, compare with a claimed inventory, weigh misstatements against
materiality, give an opinion.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..calc.findings import Finding
from ..calc.pipeline import calculate
from ..errors import InvalidInputError, Issue
from ..inventory.base_year import assess_base_year
from ..inventory.checks import Check
from ..inventory.completeness import Completeness, assess_completeness
from ..inventory.models import Inventory
from ..pages.format import verification_date
from .claim import _read_claim
from .compare import Misstatement, compare_claim
from .evidence import _gather_evidence
from .log import EvidenceLog, Sample, ScopeLimitation, read_evidence_log, record_index
from .materiality import _resolve_materiality, _weigh
from .opinion import OpinionBasis, QualitativeFlag
from .result import VerificationResult
from .sampling import record_sizes, verification_plan
from .statement import _statement, _statement_zh

if TYPE_CHECKING:
    from ..calc.result import Result
    from .claim import _Claim
    from .compare import _Comparison
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
    evidence: str | Path | Mapping[str, Any] | None = None,
    intended_users: str | None = None,
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
    evidence : path or mapping, optional
        The verifier's evidence log (``nqi-carbon/evidence-log@1``, see
        :mod:`nqi_carbon.verification.log`): samples and what was found, scope
        limitations, misstatements material by their nature, compliance thresholds. It may
        instead be given under ``evidence_log`` in the claim file (not both).
    intended_users : str, optional
        The intended users named in the statement; default: the evidence log's, else the
        inventory's ``reporting.intended_users``.

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

    Opinion (:mod:`nqi_carbon.verification.opinion`, first match): **disclaimer** when
    evidence could not be obtained (readings after a calibration due date, the evidence
    log's limitations and samples without evidence) for ``pervasive_multiple ×
    materiality`` or more; **adverse** when the aggregate, one figure's misstatement or
    the exclusions not shown to be insignificant (completeness) reach
    ``pervasive_multiple`` times their materiality; **modified** when any of these is
    material, a misstatement is material by its nature (intentional, or a compliance
    threshold crossed), or an error-level finding stands (a category not addressed, a
    significance test failed, a tier not met, a base-year recalculation required);
    otherwise **unmodified**. A figure is judged on its own so that misstatements that
    cancel in the aggregate (tonnes moved between categories with the total and sources
    right) are not lost. The evidence log's differences join the misstatements (level
    ``sample``) and the aggregate; the verification plan (``plan``) ranks the sources by
    size and variance and proposes the records to sample.

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
    log = read_evidence_log(evidence, claim.evidence_log, claim.source, inventory)
    res = calculate(inventory)
    compared = compare_claim(claim, inventory, res, mat)
    j = _judge(inventory, res, compared, log, pervasive_multiple)
    weighed, basis, mat_t = j.weighed, j.basis, compared.materiality_t
    ver = VerificationResult(
        inventory=inventory,
        recomputed=res,
        assurance=assurance,
        materiality=mat,
        claimed_co2e_t=compared.claimed_total,
        recomputed_co2e_t=compared.recomputed,
        misstatements=[*compared.found, *j.sampled],
        aggregate_level=compared.level,
        aggregate_net_t=j.net_t,
        aggregate_gross_t=j.gross_t,
        material=weighed.material or bool(basis.qualitative),
        material_categories=weighed.material_categories,
        opinion=basis.decide(),
        statement="",  # the statements are written from the finished result, below
        findings=j.findings,
        tiers=j.evidence.tiers,
        claim_source=claim.source,
        material_figures=weighed.material_figures,
        materiality_preset=preset,
        verifier=_text(verifier),
        verification_body=_text(body),
        verification_date=ver_date,
        unsupported=j.evidence.unsupported,
        intended_users=_users(intended_users, log, inventory),
        pervasive_multiple=pervasive_multiple,
        completeness=j.completeness,
        plan=verification_plan(res, mat_t, mat),
        evidence_log=log,
        limitations=j.limitations,
        qualitative=list(basis.qualitative),
        base_year_checks=j.base_checks,
        _material_rows=weighed.material_rows,
        _basis=basis,
    )
    ver.statement, ver.statement_zh = _statement(ver), _statement_zh(ver)
    return ver


@dataclass(frozen=True)
class _Judgement:
    """Everything weighed for the opinion, before the result is written."""

    sampled: list[Misstatement]
    net_t: float
    gross_t: float
    weighed: _Weighing
    completeness: Completeness
    base_checks: list[Check]
    evidence: _Evidence
    findings: list[Finding]
    limitations: list[ScopeLimitation]
    basis: OpinionBasis


def _judge(
    inventory: Inventory,
    res: Result,
    compared: _Comparison,
    log: EvidenceLog | None,
    pervasive_multiple: float,
) -> _Judgement:
    """Weigh misstatements, completeness, findings and evidence not obtained (see :func:`verify`)."""
    mat_t = compared.materiality_t
    sizes = record_sizes(res)
    sampled = _sample_misstatements(log, sizes, inventory)
    net = math.fsum([compared.net_t, *(m.difference_t for m in sampled)])
    gross = math.fsum([compared.gross_t, *(abs(m.difference_t) for m in sampled)])
    weighed = _weigh(compared.judged, max(abs(net), gross), mat_t, pervasive_multiple)
    completeness = assess_completeness(inventory, res.total_co2e, fallback_t=mat_t)
    base = inventory.base_year
    base_checks = [] if base is None else assess_base_year(base, inventory.gwp)
    evidence = _gather_evidence(inventory, res, mat_t)
    findings = [*evidence.findings, *_conformity_findings(completeness, base_checks)]
    limitations = _limitations(log, sizes, inventory)
    not_obtained = [*(u.co2e_t for u in evidence.unsupported), *(x.co2e_t for x in limitations)]
    basis = OpinionBasis(
        mat_t,
        pervasive_multiple,
        weighed.material,
        weighed.pervasive,
        completeness.untested_t,
        math.fsum(not_obtained),
        tuple(_qualitative(log, compared.claimed_total, compared.recomputed)),
        tuple(f for f in findings if f.severity == "error"),
    )
    return _Judgement(
        sampled,
        net,
        gross,
        weighed,
        completeness,
        base_checks,
        evidence,
        findings,
        limitations,
        basis,
    )


def _users(given: str | None, log: EvidenceLog | None, inventory: Inventory) -> str | None:
    """The intended users: as given to verify, else the evidence log's, else the inventory's."""
    rep = inventory.reporting
    for text in (given, log.intended_users if log else None, rep.intended_users if rep else None):
        if _text(text):
            return _text(text)
    return None


def _sample_misstatements(
    log: EvidenceLog | None, sizes: dict[tuple[str, int | None], float], inventory: Inventory
) -> list[Misstatement]:
    """The evidence log's differences as misstatements (level ``sample``), in log order.

    The record's figure (its share of the source's gross t CO2e) is the "claimed" side,
    the figure less the difference what the evidence supports.
    """
    out: list[Misstatement] = []
    for s in log.samples if log else ():
        if s.result != "differs" or s.difference_co2e_t is None:
            continue
        pos = _position(s, inventory)
        stated = sizes.get((s.source, pos), 0.0)
        d = s.difference_co2e_t
        supported = stated - d
        out.append(
            Misstatement(
                "sample",
                s.source if pos is None else f"{s.source} record {s.record}",
                stated,
                supported,
                d,
                d / supported if supported else None,
                "overstatement" if d > 0 else "understatement",
                "intentional" if s.nature == "intentional" else "error",
            )
        )
    return out


def _position(sample: Sample, inventory: Inventory) -> int | None:
    """The 1-based position of the record a (checked) sample names; None: the whole source."""
    src = next(s for s in inventory.sources if s.id == sample.source)
    found = record_index(src, sample.record)
    return found + 1 if isinstance(found, int) else None


def _limitations(
    log: EvidenceLog | None, sizes: dict[tuple[str, int | None], float], inventory: Inventory
) -> list[ScopeLimitation]:
    """Evidence not obtained: the log's limitations and its samples without evidence (sized)."""
    out: list[ScopeLimitation] = []
    if log is None:
        return out
    for lim in log.limitations:
        out.append(
            ScopeLimitation(lim.subject, "limitation", lim.co2e_t, " ".join(lim.reason.split()))
        )
    for s in log.samples:
        if s.result == "not_available":
            pos = _position(s, inventory)
            what = s.source if pos is None else f"{s.source} record {s.record}"
            why = " ".join((s.note or s.procedure or "evidence not available").split())
            out.append(ScopeLimitation(what, "not_available", sizes.get((s.source, pos), 0.0), why))
    return out


def _qualitative(
    log: EvidenceLog | None, claimed_t: float, recomputed_t: float
) -> list[QualitativeFlag]:
    """Misstatements material by their nature: flagged in the log, or a compliance threshold crossed."""
    out: list[QualitativeFlag] = []
    if log is None:
        return out
    for q in log.material_by_nature:
        out.append(QualitativeFlag(q.subject, q.reason, " ".join(q.description.split())))
    for s in log.samples:
        if s.nature in ("intentional", "compliance"):
            subject = s.source if s.record is None else f"{s.source} record {s.record}"
            reason: Literal["intentional", "compliance_outcome"] = (
                "intentional" if s.nature == "intentional" else "compliance_outcome"
            )
            out.append(
                QualitativeFlag(
                    subject, reason, f"sampled difference {s.difference_co2e_t:+,.3f} t CO2e"
                )
            )
    for c in log.compliance_thresholds:
        if (claimed_t < c.co2e_t) != (recomputed_t < c.co2e_t):
            out.append(
                QualitativeFlag(
                    "gross_co2e_t",
                    "compliance_outcome",
                    f"the claimed {claimed_t:,.3f} t CO2e and the recomputed {recomputed_t:,.3f} t CO2e "
                    f"lie on different sides of {c.name} ({c.co2e_t:,.3f} t CO2e)",
                )
            )
    return out


def _conformity_findings(
    completeness: Completeness, base_checks: list[Check]
) -> list[Finding]:
    """Completeness and base-year checks as findings of the verification."""
    out = [Finding(c.code, c.severity, c.subject, c.message) for c in completeness.checks]
    out += [Finding(c.code, c.severity, c.subject, c.message) for c in base_checks]
    return out


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
