"""Verification of a claimed product footprint: recompute, misstatements, materiality, opinion.

A CFP is verified as an inventory is, in the style of ISO 14064-3:2019:
:func:`verify_footprint` recomputes the footprint from the study file (and the plant's
inventory it names), compares every figure the claim states — the footprint excluding and
including biogenic emissions and removals, fossil, biogenic, land-use change, aircraft,
each stage and each gas — lists the misstatements, weighs them against materiality and
forms the opinion:

* materiality is a fraction of the recomputed footprint excluding biogenic
  (``materiality × pcf_excluding_biogenic``, kg CO2e per declared unit); each figure's own
  difference is weighed against it, and so is the aggregate (the headline's difference);
* **adverse** when the aggregate or one figure's difference reaches ``pervasive_multiple``
  times materiality; **modified** when one reaches materiality, or a misstatement is
  material by its nature (an omitted input, a wrong functional unit, data outside the
  reference period, a misapplied allocation, intentional, a compliance threshold
  crossed: :func:`~nqi_carbon.footprint.evidence.material_by_nature`); otherwise
  **unmodified** (the inventory verification's rule, :mod:`nqi_carbon.verification.opinion`).

The claim file is ``schema: nqi-carbon/footprint-claim@1`` (:class:`ClaimedFootprint`);
the verifier's evidence log is given under its ``evidence_log`` or in a file of its own.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..data.fields import FiniteFloat, FreeText, Identifier, SingleLineText, StrictModel
from ..errors import InvalidInputError, Issue
from ..pages.format import _generation_date
from ..pages.labels import _tr
from .evidence import (
    FootprintEvidence,
    FootprintEvidenceLog,
    FootprintSamplingPlan,
    InputEvidence,
    MaterialByNature,
    check_sampling_seed,
    gather_evidence,
    material_by_nature,
)
from .model import DeclaredUnit

if TYPE_CHECKING:
    from ..pages.labels import Language
    from .calculate import FootprintResult
    from .model import FootprintStudy

__all__ = ["CLAIM_SCHEMA", "ClaimedFootprint", "FootprintVerification", "verify_footprint"]

CLAIM_SCHEMA = "nqi-carbon/footprint-claim@1"
VERIFICATION_SCHEMA = "nqi-carbon/footprint-verification@1"
FORMATS = ("json", "md", "html", "xlsx")
DEFAULT_FORMATS = ("json", "md", "html")

HEADLINE = "pcf_excluding_biogenic"
_SCALARS = (
    "pcf_excluding_biogenic",
    "pcf_including_biogenic",
    "fossil_ghg",
    "biogenic_emissions",
    "biogenic_removals",
    "land_use_change",
    "aircraft",
)


class ClaimedFootprint(StrictModel):
    """A footprint as its owner states it (``schema: nqi-carbon/footprint-claim@1``).

    Figures in kg CO2e per ``declared_unit`` (converted to the study's declared unit when
    the unit differs); every figure but ``pcf_excluding_biogenic`` is optional, and only
    the figures stated are compared. ``evidence_log`` is the verifier's evidence log
    (:class:`~nqi_carbon.footprint.evidence.FootprintEvidenceLog`), when it is not given
    in a file of its own.
    """

    schema_: Literal["nqi-carbon/footprint-claim@1"] = Field(alias="schema")
    product: Identifier
    declared_unit: DeclaredUnit
    pcf_excluding_biogenic: FiniteFloat
    pcf_including_biogenic: FiniteFloat | None = None
    fossil_ghg: FiniteFloat | None = None
    biogenic_emissions: FiniteFloat | None = None
    biogenic_removals: FiniteFloat | None = None
    land_use_change: FiniteFloat | None = None
    aircraft: FiniteFloat | None = None
    by_stage: dict[SingleLineText, FiniteFloat] = Field(default_factory=dict)
    by_gas: dict[SingleLineText, FiniteFloat] = Field(default_factory=dict)
    claimant: SingleLineText | None = None
    source: FreeText | None = None
    evidence_log: FootprintEvidenceLog | None = None


@dataclass(frozen=True)
class FigureCheck:
    """One figure compared: claimed and recomputed (kg CO2e per declared unit), and verdict."""

    figure: str
    claimed: float
    recomputed: float
    threshold: float

    @property
    def difference(self) -> float:
        """Claimed minus recomputed (an overstatement is positive)."""
        return self.claimed - self.recomputed

    @property
    def material(self) -> bool:
        """The difference reaches materiality."""
        return abs(self.difference) >= self.threshold


def _materiality(value: Any) -> float:
    """*value* as a fraction in (0, 1): a number, or text such as ``"5%"`` or ``"0.05"``."""
    out = math.nan
    if isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):
            out = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):
            out = float(value)
    if not 0 < out < 1:
        raise InvalidInputError(
            [
                Issue(
                    "materiality",
                    "materiality must be a fraction between 0 and 1",
                    field="materiality",
                    value=repr(value)[:80],
                    allowed="e.g. 0.05 or '5%'",
                )
            ],
            source="verify_footprint()",
        )
    return out


def load_claimed(source: str | Path | dict[str, Any]) -> tuple[ClaimedFootprint, str | None]:
    """Read and validate a claimed footprint (bounded, confined, every problem at once)."""
    from .._io.files import program_path
    from .._io.structured import read_structured
    from ..data.packs import require_schema, validate_document

    name = None
    data: Any = source
    if not isinstance(source, dict):
        path = program_path(source, field="claimed", where="verify_footprint()")
        data, _ = read_structured(path, what="claimed footprint")
        name = str(path)
    require_schema(
        data, CLAIM_SCHEMA, code="footprint_claim_schema", what="a claimed footprint", file=name
    )
    return validate_document(ClaimedFootprint, data, file=name), name


def _scale(claim: ClaimedFootprint, study: FootprintStudy, name: str | None) -> float:
    """How many of the claim's declared units make one of the study's (claims convert)."""
    from ..errors import DimensionalityMismatchError
    from ..units import conversion_factor

    du, cu = study.declared_unit, claim.declared_unit
    issues = []
    if claim.product != study.product.id:
        issues.append(
            Issue(
                "footprint_claim_product",
                "the claim is for another product",
                file=name,
                field="product",
                value=repr(claim.product),
                allowed=repr(study.product.id),
            )
        )
    try:
        k = du.amount * conversion_factor(du.unit, cu.unit) / cu.amount
    except DimensionalityMismatchError as exc:
        issues.append(
            Issue(
                "footprint_claim_unit",
                str(exc),
                file=name,
                field="declared_unit.unit",
                value=repr(cu.unit),
                allowed=f"a unit convertible to {du.unit!r}",
            )
        )
        k = 1.0
    if issues:
        raise InvalidInputError(issues, source=name)
    return k


def _checks(claim: ClaimedFootprint, r: FootprintResult, k: float, m: float) -> list[FigureCheck]:
    threshold = m * abs(r.pcf_excluding_biogenic)
    out = []
    for f in _SCALARS:
        v = getattr(claim, f)
        if v is not None:
            out.append(FigureCheck(f, v * k, getattr(r, f), threshold))
    for group, claimed, have in (
        ("by_stage", claim.by_stage, r.by_stage),
        ("by_gas", claim.by_gas, r.by_gas),
    ):
        for key in sorted(set(claimed) | (set(have) if claimed else set())):
            out.append(
                FigureCheck(
                    f"{group}.{key}", claimed.get(key, 0.0) * k, have.get(key, 0.0), threshold
                )
            )
    return out


class FootprintVerification:
    """The verification of a claimed footprint: figures, misstatements, opinion, statement."""

    def __init__(
        self,
        result: FootprintResult,
        claim: ClaimedFootprint,
        checks: list[FigureCheck],
        *,
        materiality: float,
        assurance: str,
        pervasive_multiple: float,
        verifier: str | None,
        body: str | None,
        date: _dt.date | None,
        language: Language,
        claim_file: str | None,
        evidence: FootprintEvidence,
    ) -> None:
        self.result, self.claim, self.checks = result, claim, checks
        self._evidence = evidence
        self.materiality, self.assurance = materiality, assurance
        self.pervasive_multiple = pervasive_multiple
        self.verifier, self.body, self.date = verifier, body, date
        self.language: Language = language
        self.claim_file = claim_file
        self.generated = _generation_date()

    @property
    def materiality_kg(self) -> float:
        """Materiality in kg CO2e per declared unit (of the recomputed headline)."""
        return self.materiality * abs(self.result.pcf_excluding_biogenic)

    @property
    def evidence(self) -> list[InputEvidence]:
        """Each input's contribution and the evidence it states (:mod:`.evidence`)."""
        return list(self._evidence.inputs)

    @property
    def plan(self) -> FootprintSamplingPlan:
        """The inputs proposed for testing: key items, flagged inputs, a monetary-unit sample."""
        return self._evidence.plan

    @property
    def evidence_log(self) -> FootprintEvidenceLog | None:
        """The verifier's evidence log, as given (None without one)."""
        return self._evidence.log

    @property
    def findings(self) -> list[tuple[str, str, str, str]]:
        """The recomputation's findings, then the evidence's (an input without evidence)."""
        return [*self.result.findings, *self._evidence.findings]

    @property
    def sampled(self) -> list[FigureCheck]:
        """The evidence log's differences as misstatements (``sample.<input>``), in log order.

        A difference is the study's figure minus what the evidence supports: the claim is
        misstated against the evidence by that much more.
        """
        log = self._evidence.log
        return [
            FigureCheck(f"sample.{s.input}", s.difference, 0.0, self.materiality_kg)
            for s in (log.samples if log else ())
            if s.difference is not None
        ]

    @property
    def not_obtained_kg(self) -> float:
        """Evidence not obtained: the log's limitations and its samples without evidence."""
        return math.fsum(x.kg for x in self._evidence.not_obtained)

    @property
    def aggregate(self) -> float:
        """The headline's difference plus the sampled differences [kg CO2e per declared unit].

        Claimed minus recomputed, plus what the evidence log found the study itself
        overstates; without a log, the headline's difference.
        """
        head = next(c.difference for c in self.checks if c.figure == HEADLINE)
        return math.fsum([head, *(c.difference for c in self.sampled)])

    @property
    def misstatements(self) -> list[FigureCheck]:
        """The figures whose claimed value differs from the recomputed one, then the samples'."""
        return [c for c in (*self.checks, *self.sampled) if c.difference != 0]

    @property
    def qualitative(self) -> list[MaterialByNature]:
        """Misstatements material by their nature, whatever their size (:mod:`.evidence`).

        The evidence log's flags (an omitted input, a wrong functional unit, data out of
        the period, a misapplied allocation...), its intentional or compliance samples,
        and its compliance thresholds that the claimed and the recomputed footprint lie
        on different sides of.
        """
        head = next(c for c in self.checks if c.figure == HEADLINE)
        return material_by_nature(self._evidence.log, head.claimed, head.recomputed)

    @property
    def material(self) -> bool:
        """A misstatement is material: by its size, or by its nature.

        A figure's or sample's difference, or the aggregate, reaches materiality; or a
        misstatement is material by its nature (:attr:`qualitative`), whatever its size.
        """
        aggregate = abs(self.aggregate) >= self.materiality_kg
        sized = any(c.material for c in (*self.checks, *self.sampled))
        return bool(self.qualitative) or aggregate or sized

    @property
    def opinion(self) -> str:
        """``unmodified``, ``modified``, ``adverse`` or ``disclaimer`` (first match).

        **disclaimer** when evidence not obtained reaches ``pervasive_multiple`` times
        materiality; **adverse** when the aggregate or one figure's (or sample's) difference
        does; **modified** when a misstatement is material (by size or nature) or evidence
        not obtained reaches materiality; else **unmodified** (the inventory
        verification's rule, :mod:`nqi_carbon.verification.opinion`).
        """
        m, pervasive = self.materiality_kg, self.pervasive_multiple * self.materiality_kg
        if m and self.not_obtained_kg >= pervasive:
            return "disclaimer"
        diffs = [abs(self.aggregate), *(abs(c.difference) for c in (*self.checks, *self.sampled))]
        if m and max(diffs) >= pervasive:
            return "adverse"
        limited = bool(m) and self.not_obtained_kg >= m
        return "modified" if self.material or limited else "unmodified"

    def _du(self) -> str:
        du = self.result.declared_unit
        return f"{du['amount']:g} {du['unit']}"

    @property
    def statement(self) -> str:
        """The verification statement (English)."""
        r, who = self.result, self.verifier or "the verifier"
        name = r.product["name"]
        figure = f"{self.claim.pcf_excluding_biogenic:,.4f} kg CO2e per {self._du()}"
        level = f"{self.assurance} assurance, materiality {100 * self.materiality:g} %"
        if self.opinion == "unmodified":
            words = (
                "is fairly stated, in all material respects,"
                if self.assurance == "reasonable"
                else "nothing has come to our attention that causes us to believe it is not "
                "fairly stated, in all material respects,"
            )
            verdict = f"In our opinion the claimed footprint {figure} {words}"
        elif self.opinion == "modified":
            verdict = (
                f"Except for the material misstatements listed, the claimed footprint {figure} "
                "is fairly stated"
                if self.material
                else f"Except for the possible effects of the evidence not obtained "
                f"({self.not_obtained_kg:,.4f} kg CO2e), the claimed footprint {figure} is "
                "fairly stated"
            )
        elif self.opinion == "disclaimer":
            verdict = (
                f"Sufficient appropriate evidence could not be obtained for "
                f"{self.not_obtained_kg:,.4f} kg CO2e, at least {self.pervasive_multiple:g} times "
                f"materiality: we do not express an opinion on the claimed footprint {figure}"
            )
        else:
            verdict = f"The claimed footprint {figure} is not fairly stated"
        nature = "".join(
            f" Material by its nature ({q.reason.replace('_', ' ')}): {q.subject}."
            for q in self.qualitative
        )
        return (
            f"{verdict} in accordance with ISO 14067:2018 for {name} ({r.boundary.replace('_', '-')}, "
            f"reference period {r.reference_period[0]} to {r.reference_period[1]}); recomputed "
            f"{r.pcf_excluding_biogenic:,.4f} kg CO2e; {level}; verified by {who}"
            f"{' (' + self.body + ')' if self.body else ''}.{nature}"
        )

    @property
    def statement_zh(self) -> str:
        """The verification statement in Chinese."""
        r = self.result
        word = {
            "unmodified": "无保留意见",
            "modified": "保留意见",
            "adverse": "否定意见",
            "disclaimer": "无法表示意见",
        }[self.opinion]
        level = "合理保证" if self.assurance == "reasonable" else "有限保证"
        return (
            f"核查意见：{word}。{r.product['name']}（参考期 {r.reference_period[0]} 至 "
            f"{r.reference_period[1]}）声明的碳足迹为每 {self._du()} "
            f"{self.claim.pcf_excluding_biogenic:,.4f} kg CO2e，复算值为 "
            f"{r.pcf_excluding_biogenic:,.4f} kg CO2e；{level}，实质性 {100 * self.materiality:g} %。"
        ) + "".join(f"因性质而具实质性（{_NATURE_ZH[q.reason]}）：{q.subject}。" for q in self.qualitative)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``schema: nqi-carbon/footprint-verification@1``)."""
        return {
            "schema": VERIFICATION_SCHEMA,
            "product": self.result.product,
            "declared_unit": self.result.declared_unit,
            "assurance": self.assurance,
            "materiality": self.materiality,
            "materiality_kg": self.materiality_kg,
            "claimed": self.claim.pcf_excluding_biogenic,
            "recomputed": self.result.pcf_excluding_biogenic,
            "aggregate_misstatement": self.aggregate,
            "material": self.material,
            "opinion": self.opinion,
            "statement": self.statement,
            "statement_zh": self.statement_zh,
            "figures": [
                {
                    "figure": c.figure,
                    "claimed": c.claimed,
                    "recomputed": c.recomputed,
                    "difference": c.difference,
                    "material": c.material,
                }
                for c in self.checks
            ],
            "findings": [
                {"code": c, "severity": s, "subject": sub, "message": m}
                for c, s, sub, m in self.findings
            ],
            **self._evidence_dict(),
            "material_by_nature": [
                {"subject": q.subject, "reason": q.reason, "description": q.description}
                for q in self.qualitative
            ],
            "verifier": self.verifier,
            "body": self.body,
            "date": None if self.date is None else self.date.isoformat(),
            "claim_file": self.claim_file,
            "input_sha256": self.result.input_sha256,
            "generated": self.generated.isoformat(),
        }

    def _evidence_dict(self) -> dict[str, Any]:
        """The evidence part of :meth:`to_dict`: per input, the plan, the log, what it found."""
        from dataclasses import asdict

        from ..calc.sampling import SAMPLING_CONFIDENCE

        plan, log = self.plan, self.evidence_log
        samples = log.samples if log else ()
        return {
            "evidence": [asdict(r) for r in self.evidence],
            "sampling_plan": {
                "materiality_kg": plan.materiality_kg,
                "confidence": SAMPLING_CONFIDENCE,
                "interval_kg": plan.interval_kg if math.isfinite(plan.interval_kg) else None,
                "seed": plan.seed,
                "start_kg": plan.start_kg if math.isfinite(plan.start_kg) else None,
                "proposed_kg": plan.proposed_kg,
                "not_proposed_kg": plan.not_proposed_kg,
                "samples": [asdict(p) for p in plan.samples],
            },
            "evidence_log": None if log is None else log.model_dump(mode="json", by_alias=True),
            "evidence_log_file": self._evidence.log_file,
            "sampled_misstatements": [
                {
                    "input": s.input,
                    "procedure": s.procedure,
                    "difference": s.difference,
                    "nature": s.nature,
                    "material": abs(s.difference) >= self.materiality_kg,
                }
                for s in samples
                if s.difference is not None
            ],
            "evidence_not_obtained": [asdict(x) for x in self._evidence.not_obtained],
            "evidence_not_obtained_kg": self.not_obtained_kg,
        }

    def to_json(self) -> str:
        r"""JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_text

        return json_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))

    def _tables(self) -> list[Any]:
        from .report import _Table

        lang = self.language
        rows = [
            (c.figure, f"{c.claimed:,.4f}", f"{c.recomputed:,.4f}", f"{c.difference:+,.4f}",
             _tr(("material", "重大") if c.material else ("", ""), lang))
            for c in self.checks
        ]  # fmt: skip
        heads = (("Figure", "数值项"), ("Claimed", "声明值"), ("Recomputed", "复算值"),
                 ("Difference", "差异"), ("Material", "是否重大"))  # fmt: skip
        return [
            _Table(
                _tr(("Figures compared (kg CO2e per declared unit)", "数值比较（每声明单位 kg CO2e）"), lang),
                tuple(_tr(h, lang) for h in heads),
                (False, True, True, True, False),
                rows,
            ),
            *self._evidence_tables(),
            _Table(
                _tr(("Findings of the recomputation and the evidence", "复算与证据的发现"), lang),
                tuple(_tr(h, lang) for h in (("Code", "代码"), ("Severity", "级别"),
                                             ("Subject", "对象"), ("Finding", "发现"))),
                (False, False, False, False),
                list(self.findings),
            ),
        ]  # fmt: skip

    def _evidence_tables(self) -> list[Any]:
        """The evidence tables: per input, plan, log's samples, not obtained, material by nature."""
        from .report import _Table

        lang = self.language
        return [
            _Table(_tr(title, lang), tuple(_tr(h, lang) for h in heads), numeric, rows)
            for title, heads, numeric, rows in _evidence_table_specs(self)
        ]

    def _facts(self) -> list[tuple[str, str]]:
        lang = self.language
        rows = [
            (("Opinion", "核查意见"), self.opinion),
            (("Assurance", "保证等级"), self.assurance),
            (("Materiality", "实质性"), f"{100 * self.materiality:g} % = {self.materiality_kg:,.4f} kg CO2e"),
            (("Aggregate misstatement", "汇总错报"), f"{self.aggregate:+,.4f} kg CO2e"),
            (("Evidence not obtained", "未获取的证据"), f"{self.not_obtained_kg:,.4f} kg CO2e"),
            (("Sampling interval", "抽样间隔"), _interval_text(self.plan)),
            (("Sampling seed", "抽样随机数种子"),
             str(self.plan.seed) if self.plan.seed is not None
             else _tr(("none: the selection starts half an interval in", "无：从半个间隔处开始选取"), lang)),
            (("Verifier", "核查员"), self.verifier or _tr(("not stated", "未说明"), lang)),
            (("Verification body", "核查机构"), self.body or _tr(("not stated", "未说明"), lang)),
            (("Date", "日期"), str(self.date) if self.date else _tr(("not stated", "未说明"), lang)),
            (("Generated", "生成日期"), self.generated.isoformat()),
        ]  # fmt: skip
        return [(_tr(k, lang), v) for k, v in rows]

    def _statements(self) -> list[str]:
        return {"en": [self.statement], "zh": [self.statement_zh]}.get(
            self.language, [self.statement, self.statement_zh]
        )

    def title(self) -> str:
        """The page title."""
        head = _tr(("Verification of a product carbon footprint", "产品碳足迹核查"), self.language)
        return f"{head}: {self.result.product['name']}"

    def to_markdown(self) -> str:
        """The verification as Markdown (every value escaped)."""
        from .._escape import md_row, md_strong, md_text
        from ..pages.tables import text_tables_markdown

        lines = [f"# {md_text(self.title(), block_start=True)}", ""]
        for s in self._statements():
            lines += [md_strong(s), ""]
        lines += ["| | |", "|---|---|", *(md_row([k, v]) for k, v in self._facts())]
        lines += text_tables_markdown(self._tables(), _tr(("none", "无"), self.language))
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """One self-contained HTML page (the footprint template, with the statement)."""
        from .. import __version__
        from ..pages.render import render

        return render(
            "footprint.html",
            html_lang="en" if self.language == "en" else "zh-Hans",
            lang=self.language,
            title=self.title(),
            statements=self._statements(),
            opinion=self.opinion,
            facts=self._facts(),
            tables=self._tables(),
            version=__version__,
            input_sha256=self.result.input_sha256 or "",
        )

    def _excel_bytes(self) -> bytes:
        """The workbook: the statement and facts, the figures compared, the findings."""
        from ..pages.workbook import sheets_workbook

        d = self.to_dict()
        figures = [["figure", "claimed", "recomputed", "difference", "material"]]
        figures += [[f["figure"], f["claimed"], f["recomputed"], f["difference"], f["material"]]
                    for f in d["figures"]]  # fmt: skip
        return sheets_workbook(
            {
                "Verification": [
                    ["item", "value"],
                    *(["statement", s] for s in self._statements()),
                    *map(list, self._facts()),
                ],
                "Figures": figures,
                "Evidence": [
                    list(d["evidence"][0]) if d["evidence"] else ["input"],
                    *(list(r.values()) for r in d["evidence"]),
                ],
                "Sampling plan": [
                    ["input", "kg", "why"],
                    *([p["input"], p["kg"], p["why"]] for p in d["sampling_plan"]["samples"]),
                    [],
                    *([k, d["sampling_plan"][k]] for k in ("materiality_kg", "confidence",
                      "interval_kg", "start_kg", "proposed_kg", "not_proposed_kg")),
                    # as text: a large seed loses digits as an Excel number (15 significant)
                    ["seed", None if self.plan.seed is None else str(self.plan.seed)],
                ],
                "Evidence log": [
                    ["kind", "input or subject", "procedure or reason", "result", "difference or kg", "nature"],
                    *(["sample", x["input"], x["procedure"], x["result"], x["difference"], x["nature"]]
                      for x in (d["evidence_log"] or {}).get("samples", [])),
                    *(["limitation", x["subject"], x["reason"], None, x["kg_co2e"], None]
                      for x in (d["evidence_log"] or {}).get("limitations", [])),
                ],
                "Findings": [
                    ["code", "severity", "subject", "message"],
                    *map(list, self.findings),
                ],
                "Material by nature": [
                    ["subject", "reason", "description"],
                    *([q["subject"], q["reason"], q["description"]] for q in d["material_by_nature"]),
                ],
            },
            self.generated,
        )

    def write(self, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
        """Write ``footprint-verification.{json,md,html}`` (``.xlsx`` when asked) as one set."""
        from .._io.atomic import write_set

        return write_set(out_dir, self._render(formats))

    def _render(self, formats: Iterable[str]) -> dict[str, bytes]:
        from ..pages.render import render_files

        return render_files(self, {f: f"footprint-verification.{f}" for f in FORMATS}, formats)

    def __repr__(self) -> str:
        return f"<FootprintVerification {self.result.product['name']!r}: {self.opinion}>"


def _kg(v: float | None) -> str:
    return "—" if v is None else f"{v:,.4f}"


def _interval_text(plan: FootprintSamplingPlan) -> str:
    """The monetary-unit interval and where the selection starts, in words."""
    if not math.isfinite(plan.interval_kg):
        return "—"
    return f"{plan.interval_kg:,.4f} kg CO2e (materiality ÷ 3.0), start {plan.start_kg:,.4f}"


_NATURE: dict[str, tuple[str, str]] = {
    "omitted_input": ("omitted input", "遗漏输入"),
    "functional_unit": ("wrong functional or declared unit", "功能单位或声明单位错误"),
    "out_of_period": ("data outside the reference period", "参考期以外的数据"),
    "allocation": ("misapplied allocation", "分配方法误用"),
    "intentional": ("intentional", "故意"),
    "compliance_outcome": ("changes a compliance outcome", "改变合规结论"),
    "other": ("other", "其他"),
}
"""Each reason a misstatement is material by its nature (``NATURE_REASONS``), in words."""

_NATURE_ZH = {k: zh for k, (_, zh) in _NATURE.items()}


_Spec = tuple[tuple[str, str], tuple[tuple[str, str], ...], tuple[bool, ...], list[tuple[str, ...]]]


def _evidence_table_specs(v: FootprintVerification) -> list[_Spec]:
    """(title, headers, numeric columns, rows as text) of the five evidence tables."""
    log = v.evidence_log
    ev: list[tuple[str, ...]] = [
        (r.input, r.kind, r.stage, _kg(r.kg), f"{100 * r.share:.2f} %", r.evidence or "—", r.basis,
         f"{r.primary_data_share:g} %", "—" if r.dqr is None else f"{r.dqr:.2f}")
        for r in v.evidence
    ]  # fmt: skip
    plan: list[tuple[str, ...]] = [(p.input, _kg(p.kg), p.why) for p in v.plan.samples]
    samples: list[tuple[str, ...]] = [
        (s.input, s.procedure or "—", s.result, "—" if s.difference is None else f"{s.difference:+,.4f}",
         s.nature or "—")
        for s in (log.samples if log else ())
    ]  # fmt: skip
    missing: list[tuple[str, ...]] = [(x.subject, x.kind, _kg(x.kg), x.reason) for x in v._evidence.not_obtained]
    nature: list[tuple[str, ...]] = [
        (q.subject, _tr(_NATURE[q.reason], v.language), q.description) for q in v.qualitative
    ]
    return [
        (("Evidence per input", "按输入分列的证据"),
         (("Input", "输入"), ("Kind", "类型"), ("Stage", "阶段"), ("kg CO2e", "kg CO2e"), ("Share", "占比"),
          ("Evidence", "证据"), ("Basis", "依据"), ("Primary data", "初级数据"), ("DQR", "数据质量评级")),
         (False, False, False, True, True, False, False, True, True), ev),
        (("Sampling plan", "抽样计划"),
         (("Input", "输入"), ("kg CO2e", "kg CO2e"), ("Why", "原因")), (False, True, False), plan),
        (("Evidence log: samples", "证据记录：抽样"),
         (("Input", "输入"), ("Procedure", "程序"), ("Result", "结果"), ("Difference (kg CO2e)", "差异（kg CO2e）"),
          ("Nature", "性质")),
         (False, False, False, True, False), samples),
        (("Evidence not obtained", "未获取的证据"),
         (("Subject", "对象"), ("Kind", "类型"), ("kg CO2e", "kg CO2e"), ("Reason", "原因")),
         (False, False, True, False), missing),
        (("Misstatements material by their nature", "因性质而具实质性的错报"),
         (("Subject", "对象"), ("Reason", "原因"), ("Description", "说明")),
         (False, False, False), nature),
    ]  # fmt: skip


def _finite_at_least_one(value: Any) -> bool:
    """*value* is a real number (not a boolean), finite as a float, at least 1."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    try:
        number = float(value)
    except OverflowError:  # an integer beyond double precision
        return False
    return math.isfinite(number) and number >= 1


def _check_call(
    assurance: Any, pervasive: Any, verifier: Any, body: Any, date: Any, language: Any
) -> _dt.date | None:
    """Every argument of :func:`verify_footprint` but the files; the statement's date."""
    from ..errors import InvalidArgumentError, argument_error

    where = "verify_footprint()"
    checks = [
        ("assurance", assurance, assurance in ("reasonable", "limited"), "reasonable or limited"),
        ("pervasive_multiple", pervasive, _finite_at_least_one(pervasive), "a finite number >= 1"),
        ("verifier", verifier, verifier is None or isinstance(verifier, str), "text"),
        ("body", body, body is None or isinstance(body, str), "text"),
        ("language", language, language in (None, "en", "zh", "en+zh"), "en, zh or en+zh"),
    ]  # fmt: skip
    for name, value, ok, allowed in checks:
        if not ok:
            raise argument_error(name, value, allowed, where=where)
    if date is None or (isinstance(date, _dt.date) and not isinstance(date, _dt.datetime)):
        return date
    if isinstance(date, str):
        with contextlib.suppress(ValueError):
            return _dt.date.fromisoformat(date)
    raise InvalidArgumentError(
        [Issue("argument_type", "not a date", field="date", value=repr(date)[:80],
               allowed="an ISO date (2025-04-30) or a datetime.date")],
        source=where,
    )  # fmt: skip


def verify_footprint(
    footprint: Any,
    claimed: str | Path | dict[str, Any],
    *,
    materiality: float | str,
    assurance: Literal["reasonable", "limited"] = "reasonable",
    pervasive_multiple: float = 2.0,
    verifier: str | None = None,
    body: str | None = None,
    date: _dt.date | str | None = None,
    language: Language | None = None,
    evidence: str | Path | Mapping[str, Any] | None = None,
    sampling_seed: int | None = None,
) -> FootprintVerification:
    """Verify a claimed product footprint against the footprint recomputed from its study.

    Parameters
    ----------
    footprint : path, mapping, FootprintStudy or FootprintResult
        The study (recomputed here with Approach 1) or a result already calculated.
    claimed : path or mapping
        The claim (``schema: nqi-carbon/footprint-claim@1``).
    materiality : float or str
        A fraction (0.05) or a percentage (``"5%"``) of the recomputed footprint
        excluding biogenic.
    assurance : {"reasonable", "limited"}
        The level of assurance; decides the wording of the opinion.
    pervasive_multiple : float
        Misstatements reaching this multiple of materiality give an adverse opinion.
    verifier, body, date : optional
        Stated on the statement.
    language : {"en", "zh", "en+zh"}, optional
        The pages' language (default: the study's).
    evidence : path or mapping, optional
        The verifier's evidence log (``nqi-carbon/footprint-evidence-log@1``, see
        :mod:`nqi_carbon.footprint.evidence`): inputs sampled and what was found, scope
        limitations, misstatements material by their nature, compliance thresholds. It
        may instead be given under ``evidence_log`` in the claim file (not both). A
        sampled difference joins the misstatements and the aggregate; evidence not
        obtained modifies the opinion at materiality and gives a **disclaimer** at
        ``pervasive_multiple`` times materiality; a misstatement material by its nature
        (an omitted input, a wrong functional unit, data outside the reference period, a
        misapplied allocation, intentional, a compliance threshold crossed) makes it at
        least **modified**.
    sampling_seed : int, optional
        Start the monetary-unit selection of the sampling plan at a random point of the
        first interval, drawn from this seed (reported); default: half an interval in.

    Raises
    ------
    InvalidInputError
        The study or claim cannot be read; the claim is for another product
        (``footprint_claim_product``) or in a unit of another dimension
        (``footprint_claim_unit``); a bad materiality (``materiality``) or assurance;
        an evidence log's problems, all at once (``footprint_evidence_input_known``,
        ``sample_difference_given``, ``evidence_log_form``...), or a log given both in
        the claim and as *evidence* (``evidence_log_once``); a bad ``sampling_seed``
        (``seed_valid``).
    """
    from .calculate import FootprintResult, calculate_footprint, check_finite

    m = _materiality(materiality)
    when = _check_call(assurance, pervasive_multiple, verifier, body, date, language)
    seed = check_sampling_seed(sampling_seed)
    result = footprint if isinstance(footprint, FootprintResult) else calculate_footprint(footprint)
    claim, name = load_claimed(claimed)
    k = _scale(claim, result.study, name)
    checks = _checks(claim, result, k, m)
    check_finite(name, **{c.figure: c.claimed for c in checks})
    lang: Language = language or result.study.study.language
    gathered = gather_evidence(
        result,
        m * abs(result.pcf_excluding_biogenic),
        evidence,
        seed,
        in_claim=claim.evidence_log,
        claim_file=name,
    )
    return FootprintVerification(
        result,
        claim,
        checks,
        materiality=m,
        assurance=assurance,
        pervasive_multiple=float(pervasive_multiple),
        verifier=verifier,
        body=body,
        date=when,
        language=lang,
        claim_file=name,
        evidence=gathered,
    )
