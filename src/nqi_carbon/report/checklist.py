"""The ISO 14064-1:2018 clause 9.3.1 checklist: the items a GHG report contains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:

    pass

__all__ = ["CHECKLIST", "ChecklistItem"]

Status = Literal["present", "missing", "not_applicable"]


CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("a", "Reporting organization", "报告组织"),
    ("b", "Person responsible for the report", "报告负责人"),
    ("c", "Reporting period", "报告期"),
    ("d", "Organizational boundaries", "组织边界"),
    ("e", "Reporting boundaries, including significance criteria", "报告边界（含重要性准则）"),
    ("f", "Direct GHG emissions per gas, in t CO2e", "按气体分列的直接温室气体排放（t CO2e）"),
    ("g", "Biogenic CO2 emissions and removals", "生物源 CO2 排放和清除"),
    ("h", "Direct GHG removals", "直接温室气体清除"),
    ("i", "Excluded GHG sources or sinks and why", "排除的排放源或汇及理由"),
    ("j", "Indirect GHG emissions per category", "按类别分列的间接温室气体排放"),
    ("k", "Base year and base-year inventory", "基准年及基准年清单"),
    ("l", "Changes in the base year and recalculations", "基准年变更和重新计算"),
    ("m", "Quantification approaches and why they were chosen", "量化方法及选择理由"),
    ("n", "Changes to quantification approaches", "量化方法的变更"),
    ("o", "Emission and removal factors used, with references", "所用排放和清除因子及其来源"),
    ("p", "Impact of uncertainties per category", "各类别不确定性的影响"),
    ("q", "Uncertainty assessment", "不确定性评估"),
    ("r", "Statement of conformity with ISO 14064-1", "符合 ISO 14064-1 的声明"),
    ("s", "Verification: whether, by whom, level of assurance", "核查情况、核查机构和保证等级"),
    ("t", "GWP values used and their source", "所用 GWP 值及其来源"),
)


"""ISO 14064-1:2018 clause 9.3.1 items a-t (list reconstructed from secondary sources)."""


@dataclass(frozen=True)
class ChecklistItem:
    """One clause 9.3.1 item and whether the report has it, lacks it, or it does not apply."""

    item: str
    title: str
    title_zh: str
    status: Status
    detail: str
    detail_zh: str
    """``detail`` in Chinese; user-supplied text (names, ids, statements) stays as given."""
