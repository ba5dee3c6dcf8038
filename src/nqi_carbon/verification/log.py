"""The verifier's evidence log: what was sampled and found, what could not be obtained.

The log is a mapping, either under ``evidence_log`` in the claim file or in a file of its
own (``verify(..., evidence=...)``), never both::

    intended_users: Provincial ecology department; lenders     # optional
    samples:                        # what was tested, record by record
      - source: kiln-coal
        record: 2024-12             # a record's period label, or its position (1 = first);
                                    # leave out to test the source as a whole
        procedure: weighbridge tickets reconciled with the supplier's invoices
        result: agrees              # agrees | differs | not_available
        difference_co2e_t: 0        # differs: inventory minus what the evidence supports
        nature: error               # differs: error | intentional | compliance
    limitations:                    # evidence not made available (scope limitations)
      - {subject: quarry diesel Q3, co2e_t: 350, reason: fuel logs lost}
    material_by_nature:             # misstatements material whatever their size
      - {subject: kiln-coal, reason: intentional, description: ...}
    compliance_thresholds:          # a figure whose side of a threshold decides an outcome
      - {name: free allocation cap, co2e_t: 850000}

Every problem of the log is reported at once (:class:`~nqi_carbon.errors.InvalidInputError`):
an unknown key, source or record is refused, never skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from ..calc.pipeline import RESULT_LIMIT_T
from ..data.fields import FiniteFloat, FreeText, RuleError, SingleLineText, StrictModel
from ..errors import CappedIssues, InvalidInputError, Issue, first_of
from ..inventory.models import Inventory, Source
from ..inventory.periods import _year_label

__all__ = [
    "EvidenceLog",
    "Limitation",
    "NatureFlag",
    "Sample",
    "ScopeLimitation",
    "read_evidence_log",
    "record_index",
]

EVIDENCE_LOG_SCHEMA = "nqi-carbon/evidence-log@1"


# t CO2e in a log: finite and below any result nqi-carbon computes (sums never overflow)
Tonnes = Annotated[FiniteFloat, Field(gt=-RESULT_LIMIT_T, lt=RESULT_LIMIT_T)]
PositiveTonnes = Annotated[FiniteFloat, Field(ge=0, lt=RESULT_LIMIT_T)]


class Sample(StrictModel):
    """One tested item: a record of a source (or the source as a whole) and what was found."""

    source: SingleLineText
    record: Annotated[SingleLineText | int | None, BeforeValidator(_year_label)] = None
    procedure: FreeText | None = None
    result: Literal["agrees", "differs", "not_available"]
    difference_co2e_t: Tonnes | None = None
    nature: Literal["error", "intentional", "compliance"] | None = None
    note: FreeText | None = None

    @model_validator(mode="after")
    def sample_difference_given(self) -> Sample:
        """A difference is stated exactly when the sample differs (0 is a value)."""
        if (self.result == "differs") != (self.difference_co2e_t is not None):
            raise RuleError(
                "sample_difference_given",
                "state difference_co2e_t exactly when result is 'differs' "
                "(inventory minus what the evidence supports, t CO2e)",
            )
        if self.nature is not None and self.result != "differs":
            raise RuleError("sample_difference_given", "'nature' is for a sample that differs")
        return self


class Limitation(StrictModel):
    """Evidence the verifier asked for and could not obtain, and the t CO2e resting on it."""

    subject: SingleLineText
    co2e_t: PositiveTonnes
    reason: FreeText


class NatureFlag(StrictModel):
    """A misstatement the verifier judges material by its nature, whatever its size."""

    subject: SingleLineText
    reason: Literal["intentional", "compliance_outcome", "other"]
    description: FreeText = Field(min_length=3)


class ComplianceThreshold(StrictModel):
    """A threshold whose side the reported total decides (a cap, an allowance, a scheme's limit)."""

    name: SingleLineText
    co2e_t: PositiveTonnes


@dataclass(frozen=True)
class ScopeLimitation:
    """An amount for which evidence could not be obtained, and why (a scope limitation).

    ``kind``: ``limitation`` (stated in the log), ``not_available`` (a sample whose
    evidence was not available: the record's t CO2e).
    """

    subject: str
    kind: Literal["limitation", "not_available"]
    co2e_t: float
    reason: str


class EvidenceLog(StrictModel):
    """The verifier's evidence log (``nqi-carbon/evidence-log@1``)."""

    schema_: Literal["nqi-carbon/evidence-log@1"] | None = Field(default=None, alias="schema")
    intended_users: FreeText | None = None
    samples: tuple[Sample, ...] = ()
    limitations: tuple[Limitation, ...] = ()
    material_by_nature: tuple[NatureFlag, ...] = ()
    compliance_thresholds: tuple[ComplianceThreshold, ...] = ()


def read_evidence_log(
    evidence: str | Path | Mapping[str, Any] | None,
    in_claim: Any,
    claim_name: str,
    inventory: Inventory,
) -> EvidenceLog | None:
    """The evidence log from *evidence* or from the claim's ``evidence_log`` (not both).

    Checked strictly against its model and against *inventory*: every sampled source
    exists, every record names exactly one of its inline records.
    """
    if evidence is not None and in_claim is not None:
        raise InvalidInputError(
            [
                Issue(
                    "evidence_log_once",
                    "an evidence log is given both in the claim and as a file",
                    file=claim_name,
                    field="evidence_log",
                    allowed="one evidence log: in the claim file or in its own file",
                )
            ],
            source=claim_name,
        )
    if evidence is None and in_claim is None:
        return None
    data: Any
    prefix: tuple[str, ...]
    if evidence is None:
        data, name, prefix = in_claim, claim_name, ("evidence_log",)
    elif isinstance(evidence, Mapping):
        data, name, prefix = dict(evidence), "<evidence>", ()
    else:
        from .._io.structured import read_structured

        data, _ = read_structured(evidence, what="evidence log")
        name, prefix = str(evidence), ()
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            [
                Issue(
                    "evidence_log_form",
                    "the evidence log is a mapping",
                    file=name,
                    field=".".join(prefix) or None,
                )
            ],
            source=name,
        )
    try:
        log = EvidenceLog.model_validate(dict(data))
    except ValidationError as exc:
        from ..data.packs import issues_from_validation_error

        raise InvalidInputError(
            issues_from_validation_error(exc, file=name, data=data, prefix=prefix), source=name
        ) from None
    issues = _check_against(log, inventory, name, ".".join(prefix))
    if issues:
        raise InvalidInputError(issues, source=name)
    return log


def record_index(src: Source, record: str | int | None) -> int | str | None:
    """The position of the record a sample names (``None``: the whole source), or why not.

    A period label must name exactly one inline record; an integer is a position from 1.
    """
    if record is None:
        return None
    recs = src.records
    if isinstance(record, int):
        return record - 1 if 1 <= record <= len(recs) else f"{len(recs)} inline record(s)"
    hits = [i for i, r in enumerate(recs) if r.period == record]
    if len(hits) == 1:
        return hits[0]
    labels = [r.period for r in recs if r.period is not None]
    return (
        f"{len(hits)} records labelled {record!r}"
        if hits
        else "a period label of its records ("
        + (", ".join(labels[:12]) or "none")
        + ") or a position"
    )


def _check_against(log: EvidenceLog, inv: Inventory, name: str, prefix: str) -> list[Issue]:
    """Samples name sources of the inventory and exactly one record each."""
    where = f"{prefix}." if prefix else ""
    by_id = {s.id: s for s in inv.sources}
    known = first_of(sorted(by_id)) or "the inventory has no sources"  # built once, shared
    issues: list[Issue] = CappedIssues()  # one a sample: a flood stays bounded
    for i, s in enumerate(log.samples):
        src = by_id.get(s.source)
        if src is None:
            issues.append(
                Issue(
                    "evidence_log_source_known",
                    "no source of the inventory has this id",
                    file=name,
                    field=f"{where}samples[{i}].source",
                    value=repr(s.source),
                    allowed=known,
                )
            )
            continue
        found = record_index(src, s.record)
        if isinstance(found, str):
            issues.append(
                Issue(
                    "evidence_log_record_known",
                    f"the record does not name one inline record of {s.source!r}",
                    file=name,
                    field=f"{where}samples[{i}].record",
                    value=repr(s.record),
                    allowed=found,
                )
            )
    return issues
