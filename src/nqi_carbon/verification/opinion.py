"""The opinion: unmodified, modified (qualified), adverse or a disclaimer, and its basis.

ISO 14064-3:2019 and ISAE 3410 style. Four kinds of matter are weighed, each against
materiality ``M`` (t CO2e) and ``pervasive_multiple × M``:

- **misstatements** (recomputation and the evidence log's differences): the aggregate
  and each reported figure (:mod:`.materiality`); and misstatements **material by their
  nature** (intentional, or changing a compliance outcome), whatever their size;
- **completeness**: exclusions not shown to be insignificant (:mod:`nqi_carbon.inventory.completeness`),
  weighed like an omission; categories not addressed and failed significance tests are
  error-level findings;
- **error-level findings**: a tier not met, a completeness non-conformity, a base-year
  recalculation the policy requires;
- **evidence not obtained** (scope limitations): the log's limitations, samples whose
  evidence was not available, readings after a calibration due date.

The decision, first match: **disclaimer** when evidence not obtained reaches
``pervasive_multiple × M``; **adverse** when misstatements or omissions are material and
pervasive; **modified** when any matter is material (or an error-level finding stands);
else **unmodified**.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .statement import _NATURE_ZH

if TYPE_CHECKING:
    from ..calc.findings import Finding

__all__ = ["OPINION_CRITERIA", "OpinionBasis", "QualitativeFlag"]

Opinion = Literal["unmodified", "modified", "adverse", "disclaimer"]


OPINION_CRITERIA: dict[str, tuple[str, str]] = {
    "unmodified": (
        "Unmodified: no misstatement is material (the aggregate, each reported figure, none "
        "material by its nature), no error-level finding stands (completeness, conformity, "
        "tiers, base-year policy), and the exclusions not shown to be insignificant and the "
        "evidence not obtained are each below materiality.",
        "无保留意见：不存在实质性错报（汇总、各报告数值，亦无因性质而具实质性的错报），"
        "不存在错误级别的发现（完整性、符合性、层级、基准年政策），未证明不重要的排除项"
        "和未获取的证据均低于实质性。",
    ),
    "modified": (
        'Modified (qualified, "except for"): a misstatement or an omission is material but '
        "not pervasive, a misstatement is material by its nature, an error-level finding "
        "stands, or evidence could not be obtained for an amount that reaches materiality "
        "but not pervasive_multiple × materiality.",
        "保留意见：存在实质性但不具广泛性的错报或遗漏、因性质而具实质性的错报、错误级别的发现，"
        "或就达到实质性（但未达到广泛性倍数 × 实质性）的数量未能获取证据。",
    ),
    "adverse": (
        "Adverse: misstatements or omissions are material and pervasive: the aggregate, one "
        "figure's misstatement or the exclusions not shown to be insignificant reach "
        "pervasive_multiple × their materiality.",
        "否定意见：错报或遗漏具有实质性且具有广泛性：汇总错报、单个数值的错报或未证明不重要的"
        "排除项达到广泛性倍数 × 其实质性。",
    ),
    "disclaimer": (
        "Disclaimer of opinion (scope limitation): sufficient appropriate evidence could not "
        "be obtained for pervasive_multiple × materiality or more (evidence not made "
        "available, samples without evidence, readings after a calibration due date): no "
        "opinion is expressed.",
        "无法表示意见（范围受限）：就达到广泛性倍数 × 实质性或以上的数量未能获取充分、适当的证据"
        "（证据未提供、抽样无证据、校准有效期后的读数），因此不发表意见。",
    ),
}
"""The criteria of each opinion type (English, Chinese), stated in the report and the docs."""


@dataclass(frozen=True)
class QualitativeFlag:
    """A misstatement material by its nature, whatever its size (ISO 14064-3 qualitative materiality)."""

    subject: str
    reason: Literal["intentional", "compliance_outcome", "other"]
    description: str


@dataclass(frozen=True)
class OpinionBasis:
    """The amounts the opinion weighs (t CO2e) and the flags; :meth:`decide` gives the opinion."""

    materiality_t: float
    pervasive_multiple: float
    misstatement_material: bool
    misstatement_pervasive: bool
    omitted_t: float  # exclusions not shown to be insignificant
    not_obtained_t: float  # evidence not obtained (limitations, not available, calibration)
    qualitative: tuple[QualitativeFlag, ...]
    errors: tuple[Finding, ...]  # error-level findings

    def _reaches(self, amount: float, multiple: float = 1.0) -> bool:
        return amount > 0 and amount >= multiple * self.materiality_t

    def decide(self) -> Opinion:
        """Disclaimer, adverse, modified or unmodified, first match (see the module)."""
        if self._reaches(self.not_obtained_t, self.pervasive_multiple):
            return "disclaimer"
        if self.misstatement_pervasive or self._reaches(self.omitted_t, self.pervasive_multiple):
            return "adverse"
        if (
            self.misstatement_material
            or self.qualitative
            or self.errors
            or self._reaches(self.omitted_t)
            or self._reaches(self.not_obtained_t)
        ):
            return "modified"
        return "unmodified"

    def reasons(self) -> list[tuple[str, str]]:
        """Why the opinion is what it is, one (English, Chinese) sentence per matter."""
        m, k = self.materiality_t, self.pervasive_multiple
        out: list[tuple[str, str]] = []
        if self.misstatement_material:
            how = "material and pervasive" if self.misstatement_pervasive else "material"
            how_zh = "具有实质性和广泛性" if self.misstatement_pervasive else "具有实质性"
            out.append(
                (
                    f"Misstatements are {how} (see Misstatements).",
                    f"错报{how_zh}（见“错报”）。",
                )
            )
        for q in self.qualitative:
            out.append(
                (
                    f"Material by its nature ({q.reason.replace('_', ' ')}): {q.subject}: {q.description}",
                    f"因性质而具实质性（{_NATURE_ZH[q.reason]}）：{q.subject}：{q.description}",
                )
            )
        if self._reaches(self.omitted_t):
            out.append(_amount("omitted", self.omitted_t, m, k))
        if self._reaches(self.not_obtained_t):
            out.append(_amount("not_obtained", self.not_obtained_t, m, k))
        codes = ", ".join(dict.fromkeys(f.code for f in self.errors))
        if codes:
            out.append(
                (
                    f"{len(self.errors)} error-level finding(s): {codes} (see Findings).",
                    f"{len(self.errors)} 项错误级别的发现：{codes}（见“发现的问题”）。",
                )
            )
        if not out:
            out.append(
                (
                    f"No matter reaches materiality ({m:,.3f} t CO2e) and no error-level "
                    "finding stands.",
                    f"没有事项达到实质性（{m:,.3f} t CO2e），也不存在错误级别的发现。",
                )
            )
        return out


def _amount(kind: str, amount: float, m: float, k: float) -> tuple[str, str]:
    """A weighed amount as a sentence: its size against materiality and k × materiality."""
    times = amount / m if m > 0 else float("inf")
    pervasive = amount >= k * m
    if kind == "omitted":
        what = "Exclusions not shown to be insignificant (see Completeness)"
        what_zh = "未证明不重要的排除项（见“完整性与重要性”）"
    else:
        what = "Evidence not obtained (see Scope limitations)"
        what_zh = "未获取的证据（见“范围受限”）"
    reach = f"pervasive (≥ {k:g} × materiality)" if pervasive else "material"
    reach_zh = f"具有广泛性（≥ {k:g} 倍实质性）" if pervasive else "具有实质性"
    return (
        f"{what}: {amount:,.3f} t CO2e = {times:.3g} × materiality ({m:,.3f} t CO2e): {reach}.",
        f"{what_zh}：{amount:,.3f} t CO2e，为实质性（{m:,.3f} t CO2e）的 {times:.3g} 倍：{reach_zh}。",
    )
