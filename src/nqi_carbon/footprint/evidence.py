"""The evidence behind a product footprint's figures, as an inventory's verification has it.

ISO 14064-3:2019 6.1 (applied to a CFP as ISO 14067 clause 8 asks): the verifier sizes the
risk of each input, plans what to test and records what was found. Three parts:

* **evidence per input** (:func:`input_evidence`): each input's contribution to
  ``pcf_excluding_biogenic`` and share of it, the evidence it states (``evidence``; a
  supplier footprint's source; the plant's inventory), its basis, primary data and DQR.
  An input with neither ``evidence`` nor a supplier footprint is the warning
  ``footprint_input_evidence_missing``;
* **the sampling plan** (:func:`sampling_plan`), the inventory verification's rules
  applied to inputs: every **key item** (an input of at least materiality), every input
  with a warning (no evidence...), and a **monetary-unit sample** of the rest along the
  cumulated kg CO2e at an interval of materiality ÷ −ln(1 − 0.95) ≈ materiality ÷ 3.0.
  The selection starts half an interval in (as the inventory's) or, with
  ``sampling_seed``, at a random point of the first interval drawn from
  ``numpy.random.default_rng(sampling_seed)``; the seed and the start are reported;
* **the verifier's evidence log** (``schema: nqi-carbon/footprint-evidence-log@1``,
  :class:`FootprintEvidenceLog`)::

      samples:                          # what was tested, input by input
        - input: grinding-power         # an input id, or "plant"
          procedure: meter EM-07 readings reconciled with the production ledger
          result: differs               # agrees | differs | not_available
          difference: 0.8               # differs: the study's figure minus what the
                                        # evidence supports [kg CO2e per declared unit]
          nature: error                 # differs: error | intentional | compliance
      limitations:                      # evidence not made available (scope limitations)
        - {subject: slag supplier declaration, kg_co2e: 5.25, reason: not provided}
      material_by_nature:               # misstatements material whatever their size
        - {subject: clinker transport, reason: omitted_input,
           description: the clinker's rail transport from the kiln is left out}
      compliance_thresholds:            # a limit whose side the footprint decides
        - {name: low-carbon cement label, kg_co2e: 650}

  The log is given in a file of its own (``verify_footprint(..., evidence=...)``,
  ``nqi-carbon footprint --evidence``) or under ``evidence_log`` in the claim file,
  never both (``evidence_log_once``), as the inventory verification takes it.

  A sample's difference joins the misstatements and the aggregate; a sample whose
  evidence was not available counts its input's contribution as evidence not obtained,
  with the limitations. Every problem of the log is reported at once.

**Misstatements material by their nature** (:func:`material_by_nature`; ISO 14064-3:2019
qualitative materiality, applied to a CFP): whatever their size, the verifier's flags
(:data:`NATURE_REASONS`: an input left out of the system boundary, a wrong functional
or declared unit, data from outside the reference period, an allocation applied against
ISO 14067's hierarchy, an intentional misstatement, a changed compliance outcome, other),
a sample whose difference is intentional or changes a compliance outcome, and a
compliance threshold (kg CO2e per the study's declared unit) with the claimed and the
recomputed footprint on different sides. Each makes a misstatement material: the opinion
is at least modified.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import Field, model_validator

from ..calc.pipeline import RESULT_LIMIT_T
from ..data.fields import FiniteFloat, FreeText, Identifier, RuleError, SingleLineText, StrictModel
from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    from .calculate import FootprintResult

__all__ = [
    "EVIDENCE_LOG_SCHEMA",
    "NATURE_REASONS",
    "FootprintEvidence",
    "FootprintEvidenceLog",
    "FootprintSamplingPlan",
    "FootprintThreshold",
    "InputEvidence",
    "InputLimitation",
    "InputNatureFlag",
    "InputSample",
    "MaterialByNature",
    "NotObtained",
    "ProposedInput",
    "gather_evidence",
    "input_evidence",
    "material_by_nature",
    "read_footprint_evidence",
    "sampling_plan",
]

EVIDENCE_LOG_SCHEMA = "nqi-carbon/footprint-evidence-log@1"


# kg CO2e per declared unit in a log: finite and below any figure nqi-carbon computes, so
# that the aggregate and the sums of the log never overflow
_LIMIT = RESULT_LIMIT_T
Kg = Annotated[FiniteFloat, Field(gt=-_LIMIT, lt=_LIMIT)]
PositiveKg = Annotated[FiniteFloat, Field(ge=0, lt=_LIMIT)]


class InputSample(StrictModel):
    """One tested input (or ``plant``) and what was found."""

    input: Identifier
    procedure: FreeText | None = None
    result: Literal["agrees", "differs", "not_available"]
    difference: Kg | None = None
    nature: Literal["error", "intentional", "compliance"] | None = None
    note: FreeText | None = None

    @model_validator(mode="after")
    def sample_difference_given(self) -> InputSample:
        """A difference is stated exactly when the sample differs (0 is a value)."""
        if (self.result == "differs") != (self.difference is not None):
            raise RuleError(
                "sample_difference_given",
                "state difference exactly when result is 'differs' (the study's figure minus "
                "what the evidence supports, kg CO2e per declared unit)",
            )
        if self.nature is not None and self.result != "differs":
            raise RuleError("sample_difference_given", "'nature' is for a sample that differs")
        return self


class InputLimitation(StrictModel):
    """Evidence asked for and not obtained, and the kg CO2e per declared unit resting on it."""

    subject: SingleLineText
    kg_co2e: PositiveKg
    reason: FreeText


NatureReason = Literal[
    "omitted_input",
    "functional_unit",
    "out_of_period",
    "allocation",
    "intentional",
    "compliance_outcome",
    "other",
]

NATURE_REASONS: tuple[str, ...] = get_args(NatureReason)
"""Why a footprint's misstatement is material by its nature: an input (or a life-cycle
stage) left out of the system boundary, a wrong functional or declared unit, data from
outside the reference period, an allocation against ISO 14067 6.4.6's hierarchy, an
intentional misstatement, a compliance outcome changed, another reason described."""


class InputNatureFlag(StrictModel):
    """A misstatement the verifier judges material by its nature, whatever its size."""

    subject: SingleLineText
    reason: NatureReason
    description: FreeText = Field(min_length=3)


class FootprintThreshold(StrictModel):
    """A limit whose side the footprint decides (a label's, a buyer's, a scheme's benchmark).

    ``kg_co2e`` per the study's declared unit, compared with ``pcf_excluding_biogenic``.
    """

    name: SingleLineText
    kg_co2e: PositiveKg


class FootprintEvidenceLog(StrictModel):
    """The verifier's evidence log of a footprint (``nqi-carbon/footprint-evidence-log@1``)."""

    schema_: Literal["nqi-carbon/footprint-evidence-log@1"] | None = Field(
        default=None, alias="schema"
    )
    samples: tuple[InputSample, ...] = ()
    limitations: tuple[InputLimitation, ...] = ()
    material_by_nature: tuple[InputNatureFlag, ...] = ()
    compliance_thresholds: tuple[FootprintThreshold, ...] = ()


@dataclass(frozen=True)
class MaterialByNature:
    """A misstatement material by its nature: what, why (:data:`NATURE_REASONS`), described."""

    subject: str
    reason: str
    description: str


def material_by_nature(
    log: FootprintEvidenceLog | None, claimed_kg: float, recomputed_kg: float
) -> list[MaterialByNature]:
    """The log's flags, its intentional or compliance samples, the thresholds crossed.

    *claimed_kg* and *recomputed_kg* are ``pcf_excluding_biogenic`` per the study's
    declared unit: a threshold is crossed when they lie on different sides of it.
    """
    if log is None:
        return []
    out = [
        MaterialByNature(q.subject, q.reason, " ".join(q.description.split()))
        for q in log.material_by_nature
    ]
    out += [
        MaterialByNature(
            s.input,
            "intentional" if s.nature == "intentional" else "compliance_outcome",
            f"sampled difference {s.difference or 0.0:+,.4f} kg CO2e per declared unit",
        )
        for s in log.samples
        if s.nature in ("intentional", "compliance")
    ]
    out += [
        MaterialByNature(
            "pcf_excluding_biogenic",
            "compliance_outcome",
            f"the claimed {claimed_kg:,.4f} and the recomputed {recomputed_kg:,.4f} kg CO2e "
            f"lie on different sides of {c.name} ({c.kg_co2e:,.4f} kg CO2e)",
        )
        for c in log.compliance_thresholds
        if (claimed_kg < c.kg_co2e) != (recomputed_kg < c.kg_co2e)
    ]
    return out


@dataclass(frozen=True)
class InputEvidence:
    """One input's contribution and the evidence it states."""

    input: str
    kind: str
    stage: str
    kg: float  # contribution to pcf_excluding_biogenic [kg CO2e / declared unit]
    share: float  # of pcf_excluding_biogenic
    evidence: str | None
    basis: str  # the factor, supplier footprint or inventory it rests on
    primary_data_share: float  # percent
    dqr: float | None


@dataclass(frozen=True)
class ProposedInput:
    """An input proposed for testing, its size and why."""

    input: str
    kg: float
    why: str


@dataclass(frozen=True)
class FootprintSamplingPlan:
    """The inputs proposed for testing (see the module)."""

    materiality_kg: float
    interval_kg: float
    seed: int | None
    start_kg: float  # where the monetary-unit selection starts along the cumulated kg
    total_kg: float  # the inputs' absolute contributions, summed
    samples: list[ProposedInput]

    @property
    def proposed_kg(self) -> float:
        """Kg CO2e per declared unit of the inputs proposed for testing."""
        return math.fsum(s.kg for s in self.samples)

    @property
    def not_proposed_kg(self) -> float:
        """Kg CO2e per declared unit outside the inputs proposed."""
        return max(self.total_kg - self.proposed_kg, 0.0)


def input_evidence(result: FootprintResult) -> list[InputEvidence]:
    """Each input (and the plant) with its contribution and the evidence it states."""
    from .calculate import PLANT_SOURCE

    study = result.study
    inputs = {x.id: x for x in (study.inputs if study is not None else ())}
    total = result.pcf_excluding_biogenic
    rows = []
    for r in result.by_input:
        x = inputs.get(r["id"])
        if r["id"] == PLANT_SOURCE and study is not None and study.plant is not None:
            evidence: str | None = (
                f"the plant's ISO 14064-1 inventory {study.plant.inventory}: verify it with "
                "nc.verify (its records' evidence is in its inventory report)"
            )
        elif x is not None and x.evidence is not None:
            evidence = x.evidence
        elif x is not None and x.supplier_footprint is not None:
            evidence = r["basis"]  # the supplier's declaration, named by its source
        else:
            evidence = None
        kg = float(r["pcf_excluding_biogenic"])
        rows.append(
            InputEvidence(
                r["id"], r["kind"], r["stage"], kg, kg / total if total else 0.0, evidence,
                r["basis"], float(r["primary_data_share"]), r["dqr"],
            )
        )  # fmt: skip
    return rows


def evidence_findings(rows: list[InputEvidence]) -> list[tuple[str, str, str, str]]:
    """``footprint_input_evidence_missing`` for each input that states no evidence."""
    return [
        (
            "footprint_input_evidence_missing",
            "warning",
            r.input,
            f"input {r.input} ({r.kg:,.4f} kg CO2e per declared unit) states no evidence "
            "(the record, meter, invoice or declaration behind its amount): state 'evidence'",
        )
        for r in rows
        if r.evidence is None
    ]


def check_sampling_seed(seed: Any) -> int | None:
    """*seed* when it is None or a non-negative whole number; else ``seed_valid``."""
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        return seed
    from ..errors import InvalidArgumentError

    raise InvalidArgumentError(
        [
            Issue(
                "seed_valid",
                "a sampling seed is a non-negative whole number",
                field="sampling_seed",
                value=repr(seed)[:80],
                allowed="an int >= 0, or None (the selection starts half an interval in)",
            )
        ],
        source="verify_footprint()",
    )


def sampling_plan(
    rows: list[InputEvidence],
    materiality_kg: float,
    flagged: set[str],
    seed: int | None,
) -> FootprintSamplingPlan:
    """Key items, flagged inputs and a monetary-unit sample of the rest, in input order.

    Sizes are the absolute contributions (an avoided product counts by its size). The
    interval is :func:`~nqi_carbon.calc.sampling.sampling_interval` of *materiality_kg*.
    """
    import numpy as np

    from ..calc.sampling import monetary_unit_selection, sampling_interval

    interval = sampling_interval(materiality_kg) if materiality_kg > 0 else math.inf
    if seed is None or not math.isfinite(interval):
        start = interval / 2
    else:
        start = float(np.random.default_rng(seed).uniform(0.0, interval))
    chosen: list[ProposedInput] = []
    rest: list[InputEvidence] = []
    for r in rows:
        size = abs(r.kg)
        if r.input in flagged:
            chosen.append(ProposedInput(r.input, size, "flagged: a warning on the input"))
        elif size >= materiality_kg and size > 0:
            chosen.append(ProposedInput(r.input, size, "key item (at least materiality)"))
        elif size > 0:
            rest.append(r)
    hits = monetary_unit_selection([abs(r.kg) for r in rest], interval, start)
    chosen += [
        ProposedInput(rest[k].input, abs(rest[k].kg), f"monetary-unit sample (interval {interval:,.4f} kg CO2e)")
        for k in hits
    ]  # fmt: skip
    total = math.fsum(abs(r.kg) for r in rows)
    chosen.sort(key=lambda s: (-s.kg, s.input))
    return FootprintSamplingPlan(materiality_kg, interval, seed, start, total, chosen)


def read_footprint_evidence(
    evidence: str | Path | Mapping[str, Any] | None,
    result: FootprintResult,
    *,
    in_claim: FootprintEvidenceLog | None = None,
    claim_file: str | None = None,
) -> tuple[FootprintEvidenceLog | None, str | None]:
    """The evidence log (a path or a mapping, or the claim's), checked against the study's inputs.

    *in_claim* is the log the claim file states under ``evidence_log`` (validated with
    the claim, *claim_file* its file); the log is given one way, never both.

    Raises
    ------
    InvalidInputError
        Every problem at once: ``evidence_log_once`` (in the claim and as *evidence*), the
        log's fields (``sample_difference_given``, unknown keys...), ``evidence_log_form``
        (not a mapping) and ``footprint_evidence_input_known`` (a sample names no input
        of the study; in the claim, its field is ``evidence_log.samples[i].input``).
    """
    if evidence is not None and in_claim is not None:
        issue = Issue(
            "evidence_log_once",
            "an evidence log is given both in the claim and as a file",
            file=claim_file,
            field="evidence_log",
            allowed="one evidence log: in the claim file or in its own file",
        )
        raise InvalidInputError([issue], source=claim_file)
    if in_claim is not None:
        return _known_inputs(in_claim, result, claim_file, "evidence_log."), claim_file
    if evidence is None:
        return None, None
    from ..data.packs import validate_document

    name = "<evidence>"
    data: Any = evidence
    if not isinstance(evidence, Mapping):
        from .._io.files import program_path
        from .._io.structured import read_structured

        path = program_path(evidence, field="evidence", where="verify_footprint()")
        data, _ = read_structured(path, what="evidence log")
        name = str(path)
    if not isinstance(data, Mapping):
        issue = Issue("evidence_log_form", "the evidence log is a mapping", file=name)
        raise InvalidInputError([issue], source=name)
    log = validate_document(FootprintEvidenceLog, dict(data), file=name)
    return _known_inputs(log, result, name, ""), name


def _known_inputs(
    log: FootprintEvidenceLog, result: FootprintResult, name: str | None, prefix: str
) -> FootprintEvidenceLog:
    """*log* when every sample names an input of the study; else its issues (capped)."""
    from ..errors import CappedIssues, first_of

    known = [str(r["id"]) for r in result.by_input]
    ids = set(known)  # a sample is looked up in constant time (a list made this quadratic)
    allowed = first_of(known)
    issues: list[Issue] = CappedIssues(
        Issue(
            "footprint_evidence_input_known",
            "no input of the study has this id",
            file=name,
            field=f"{prefix}samples[{i}].input",
            value=repr(s.input),
            allowed=allowed,
        )
        for i, s in enumerate(log.samples)
        if s.input not in ids
    )
    if issues:
        raise InvalidInputError(issues, source=name)
    return log


@dataclass(frozen=True)
class NotObtained:
    """An amount for which evidence could not be obtained [kg CO2e / declared unit]."""

    subject: str
    kind: Literal["limitation", "not_available"]
    kg: float
    reason: str


def not_obtained(log: FootprintEvidenceLog | None, rows: list[InputEvidence]) -> list[NotObtained]:
    """The log's limitations, then its samples without evidence (sized by their input)."""
    if log is None:
        return []
    size = {r.input: abs(r.kg) for r in rows}
    out = [NotObtained(x.subject, "limitation", x.kg_co2e, x.reason) for x in log.limitations]
    out += [
        NotObtained(
            s.input, "not_available", size.get(s.input, 0.0),
            " ".join((s.note or s.procedure or "evidence not available").split()),
        )
        for s in log.samples
        if s.result == "not_available"
    ]  # fmt: skip
    return out


@dataclass(frozen=True)
class FootprintEvidence:
    """What a footprint's verification holds beside the figures: evidence, plan, log."""

    inputs: list[InputEvidence]
    findings: list[tuple[str, str, str, str]]
    plan: FootprintSamplingPlan
    log: FootprintEvidenceLog | None
    log_file: str | None
    not_obtained: list[NotObtained]


def gather_evidence(
    result: FootprintResult,
    materiality_kg: float,
    evidence: str | Path | Mapping[str, Any] | None,
    seed: int | None,
    *,
    in_claim: FootprintEvidenceLog | None = None,
    claim_file: str | None = None,
) -> FootprintEvidence:
    """Evidence per input, its findings, the sampling plan and the evidence log, checked.

    The log is *evidence* or the claim's (*in_claim*, from *claim_file*), not both.
    """
    rows = input_evidence(result)
    findings = evidence_findings(rows)
    ids = {r.input for r in rows}
    flagged = {f[2] for f in [*result.findings, *findings] if f[1] != "info" and f[2] in ids}
    log, name = read_footprint_evidence(evidence, result, in_claim=in_claim, claim_file=claim_file)
    plan = sampling_plan(rows, materiality_kg, flagged, seed)
    return FootprintEvidence(rows, findings, plan, log, name, not_obtained(log, rows))
