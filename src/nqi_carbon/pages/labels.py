"""Labels of the pages in English and Chinese.

Category names, table titles, column labels, value translations, the reporting period
and the page language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..inventory.models import Inventory

__all__ = ["CATEGORY_NAMES", "SCOPE3_CATEGORY_NAMES", "SCOPE_NAMES"]

CATEGORY_NAMES: dict[int, tuple[str, str]] = {
    1: ("Direct GHG emissions and removals", "直接温室气体排放和清除"),
    2: ("Indirect GHG emissions from imported energy", "输入能源产生的间接温室气体排放"),
    3: ("Indirect GHG emissions from transportation", "运输产生的间接温室气体排放"),
    4: (
        "Indirect GHG emissions from products used by the organization",
        "组织使用的产品产生的间接温室气体排放",
    ),
    5: (
        "Indirect GHG emissions associated with the use of products from the organization",
        "与组织产品使用相关的间接温室气体排放",
    ),
    6: ("Indirect GHG emissions from other sources", "其他来源的间接温室气体排放"),
}
"""ISO 14064-1:2018 clause 5.2.4 category names (English and Chinese)."""


SCOPE_NAMES: dict[str, tuple[str, str]] = {
    "1": ("Scope 1: direct emissions", "范围一：直接排放"),
    "2_location": ("Scope 2: imported energy, location-based", "范围二：输入能源（基于位置）"),
    "2_market": ("Scope 2: imported energy, market-based", "范围二：输入能源（基于市场）"),
    "3": ("Scope 3: other indirect emissions", "范围三：其他间接排放"),
}
"""Names of the keys of ``totals.by_scope`` (GHG Protocol Corporate Standard, ch. 4; Scope 2
Guidance 2015 for the two bases), English and Chinese."""


SCOPE3_CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "1": ("Purchased goods and services", "外购商品和服务"),
    "2": ("Capital goods", "资本货物"),
    "3": (
        "Fuel- and energy-related activities (not in scope 1 or 2)",
        "燃料和能源相关活动（未计入范围一或范围二）",
    ),
    "4": ("Upstream transportation and distribution", "上游运输和配送"),
    "5": ("Waste generated in operations", "运营中产生的废弃物"),
    "6": ("Business travel", "商务差旅"),
    "7": ("Employee commuting", "员工通勤"),
    "8": ("Upstream leased assets", "上游租赁资产"),
    "9": ("Downstream transportation and distribution", "下游运输和配送"),
    "10": ("Processing of sold products", "售出产品的加工"),
    "11": ("Use of sold products", "售出产品的使用"),
    "12": ("End-of-life treatment of sold products", "售出产品的寿命终止处理"),
    "13": ("Downstream leased assets", "下游租赁资产"),
    "14": ("Franchises", "特许经营"),
    "15": ("Investments", "投资"),
    "unassigned": ("Scope 3, category not stated", "范围三，未注明类别"),
}
"""GHG Protocol Corporate Value Chain (Scope 3) Standard (2011), Table 5.3: the 15
categories, keyed as in ``totals.by_scope3_category``; ``unassigned`` holds Scope 3
sources that state no ``scope3_category``."""


Language = Literal["en", "zh", "en+zh"]


Pair = tuple[str, str]


def _tr(pair: Pair, lang: Language, sep: str = " / ") -> str:
    """Plain text of an (English, Chinese) pair in the report's language."""
    en, zh = pair
    if lang == "zh":
        return zh
    if lang == "en+zh":
        return en if en == zh else f"{en}{sep}{zh}"
    return en


TABLE_TITLES: dict[str, Pair] = {
    "By category": ("Emissions by ISO 14064-1 category", "按 ISO 14064-1 类别分列的排放"),
    "Uncertainty contributors": (
        "Main contributors to the uncertainty of the total",
        "总排放不确定性的主要来源",
    ),
    "Direct emissions by gas": ("Direct emissions by gas", "按温室气体分列的直接排放"),
    "By scope": ("Emissions by scope", "按范围分列的排放"),
    "Market-based Scope 2": (
        "Scope 2, market-based: contractual instruments and residual mix",
        "范围二（基于市场）：合同文书与剩余组合",
    ),
    "By Scope 3 category": (
        "Scope 3 emissions by GHG Protocol category",
        "按温室气体核算体系类别分列的范围三排放",
    ),
    "By facility": ("Emissions by facility", "按设施分列的排放"),
    "Sources": ("Emission sources and quantification methods", "排放源及量化方法"),
    "Activity as entered": (
        "Activity data as entered and their conversions",
        "活动数据原始值及换算",
    ),
    "Instruments": ("Instruments and calibration", "计量器具及校准"),
    "Lab analyses": ("Laboratory analyses", "实验室检测"),
    "Evidence": ("Activity data evidence (per record)", "活动数据证据（按记录）"),
    "Lines": ("Calculation lines (per source and gas)", "计算明细（按排放源和气体）"),
    "Factors": ("Emission factors and fuel parameters used", "所用排放因子和燃料参数"),
    "Factor notes": (
        "What the data packs say about the factors used",
        "数据包对所用因子的说明",
    ),
    "GWP": ("Global warming potentials (GWP) used", "所用全球变暖潜势（GWP）值"),
    "Completeness": ("Completeness and significance", "完整性与重要性"),
    "Exclusions": ("Excluded sources", "排除的排放源"),
    "Scope 3 screening": (
        "GHG Protocol Scope 3 screening (15 categories)",
        "温室气体核算体系范围三 15 个类别的筛选",
    ),
    "Financed emissions": (
        "Financed emissions (PCAF, Scope 3 category 15)",
        "投融资排放（PCAF，范围三第 15 类）",
    ),
    "Data quality by category": ("Data quality by category", "按类别分列的数据质量"),
    "Data quality by source": ("Data quality by source", "按排放源分列的数据质量"),
    "Checklist": ("ISO 14064-1 clause 9.3.1 checklist", "ISO 14064-1 第 9.3.1 条报告内容核对表"),
    "Findings": ("Findings", "发现的问题"),
}
"""Heading of each table of :meth:`InventoryReport.tables` (keys are the Excel sheet names)."""


COLUMN_LABELS: dict[str, Pair] = {
    "category": ("ISO category", "类别"),
    "name": ("Name", "名称"),
    "name_zh": ("Name (Chinese)", "中文名称"),
    "co2e_t": ("Emissions (t CO2e)", "排放量（t CO2e）"),
    "status": ("Status", "状态"),
    "excluded_est_co2e_t": ("Excluded, estimated (t CO2e)", "排除部分估算值（t CO2e）"),
    "ci95_low_t": ("95 % interval low (t CO2e)", "95 % 置信区间下限（t CO2e）"),
    "ci95_high_t": ("95 % interval high (t CO2e)", "95 % 置信区间上限（t CO2e）"),
    "relative_95": ("Uncertainty (±%)", "不确定性（±%）"),
    "input": ("Input", "输入量"),
    "label": ("Description", "说明"),
    "variance_share": ("Share of variance (%)", "方差贡献占比（%）"),
    "gas": ("Gas", "温室气体"),
    "mass_t": ("Mass (t of gas)", "气体质量（t）"),
    "scope": ("Scope", "范围"),
    "facility": ("Facility", "设施"),
    "region": ("Region", "地区"),
    "share": ("Consolidation share", "合并比例"),
    "source": ("Source", "排放源"),
    "method": ("Method", "量化方法"),
    "factor": ("Factor", "排放因子"),
    "description": ("Description", "描述"),
    "scope3_category": ("Scope 3 category", "范围三类别"),
    "biogenic": ("Biogenic", "生物源"),
    "pack_version": ("Pack version", "因子包版本"),
    "basis": ("Scope 2 basis", "范围二核算基准"),
    "gwp": ("GWP-100", "全球变暖潜势（GWP-100）"),
    "activity": ("Activity", "活动数据"),
    "activity_unit": ("Activity unit", "活动数据单位"),
    "value": ("Value", "数值"),
    "unit": ("Unit", "单位"),
    "citation": ("Reference", "数据来源"),
    "origin": ("Origin", "来源类别（化石/非化石）"),
    "subcategory": ("Subcategory", "子类别"),
    "reason": ("Reason for exclusion", "排除理由"),
    "estimated_co2e_t": ("Estimated (t CO2e)", "估算排放量（t CO2e）"),
    "significance_test": ("Significance test", "重要性检验"),
    "finding": ("Finding", "发现的问题"),
    "sources": ("Sources", "排放源数量"),
    "weighted_score": ("Weighted score (1 best, 5 weakest)", "加权得分（1 最好，5 最弱）"),
    "weakest_source": ("Weakest source", "数据质量最弱的排放源"),
    "method_score": ("Method score", "方法得分"),
    "activity_score": ("Activity score", "活动数据得分"),
    "score": ("Score (worse of the two)", "得分（取两者中较差者）"),
    "item": ("Item", "条款"),
    "title": ("Content", "内容"),
    "title_zh": ("Content (Chinese)", "内容（中文）"),
    "detail": ("Detail", "说明"),
    "detail_zh": ("Detail (Chinese)", "说明（中文）"),
    "code": ("Code", "代码"),
    "severity": ("Severity", "严重程度"),
    "subject": ("Subject", "对象"),
    "message": ("Message", "说明"),
    "instrument": ("Instrument", "计量器具"),
    "kind": ("Kind", "类型"),
    "expanded_uncertainty": ("Expanded uncertainty U (relative)", "扩展不确定度 U（相对）"),
    "coverage_factor": ("Coverage factor k", "包含因子 k"),
    "accuracy_class": ("Accuracy class", "准确度等级"),
    "certificate": ("Certificate", "校准/检定证书编号"),
    "calibrated_on": ("Calibrated on", "校准日期"),
    "calibration_due": ("Calibration due", "校准有效期至"),
    "calibration_status": ("Calibration in the period", "报告期内校准状态"),
    "traceability": ("Traceability", "量值溯源"),
    "used_by": ("Used by sources", "使用该器具的排放源"),
    "parameter": ("Parameter", "参数"),
    "lab": ("Laboratory", "检测实验室"),
    "accreditation": ("Accreditation", "资质认定/认可"),
    "report_date": ("Report date", "报告日期"),
    "evidence": ("Evidence", "证据"),
    "record": ("Record (period)", "记录（期间）"),
    "amount": ("Amount", "数量"),
    "note": ("Note", "备注"),
}
"""Readable (English, Chinese) header of each machine column name, units included."""


_TABLE_COLUMN_LABELS: dict[tuple[str, str], Pair] = {
    ("Factors", "gas"): ("Gas or parameter", "温室气体或参数"),
    ("Factor notes", "validity"): ("Years it holds for", "适用年份"),
    ("Factor notes", "notes"): ("Notes of the pack (caveats, year rule)", "数据包说明（注意事项、年份规则）"),
    ("GWP", "mass_t"): ("Mass, location-based (t of gas)", "气体质量（基于位置，t）"),
    ("GWP", "co2e_t"): ("Emissions, location-based (t CO2e)", "排放量（基于位置，t CO2e）"),
    ("GWP", "source"): ("Reference", "数据来源"),
    ("By facility", "name"): ("Facility name", "设施名称"),
    ("By category", "name"): ("Category", "类别名称"),
    ("By category", "name_zh"): ("Category (Chinese)", "类别名称（中文）"),
    ("Completeness", "name"): ("Category", "类别名称"),
    ("By scope", "name"): ("Scope", "范围名称"),
    ("By scope", "name_zh"): ("Scope (Chinese)", "范围名称（中文）"),
    ("By scope", "scope"): ("Key", "键"),
    ("By Scope 3 category", "name"): ("Category", "类别名称"),
    ("By Scope 3 category", "name_zh"): ("Category (Chinese)", "类别名称（中文）"),
    ("Data quality by source", "method"): ("Method basis", "方法依据"),
    ("Data quality by source", "activity"): ("Activity data basis", "活动数据依据"),
    ("Sources", "activity"): (
        "Activity, total (source's base unit)",
        "活动数据合计（排放源基准单位）",
    ),
    ("Sources", "activity_unit"): ("Base unit", "基准单位"),
    ("Activity as entered", "amount"): ("Amount as entered", "原始数量"),
    ("Activity as entered", "unit"): ("Unit as entered", "原始单位"),
    ("Activity as entered", "conversions"): (
        "Conversions (value, unit, what, from where)",
        "换算（数值、单位、参数、来源）",
    ),
    ("Activity as entered", "to_activity_unit"): (
        "Base units per unit entered",
        "每原始单位折合基准单位",
    ),
    ("Activity as entered", "activity"): ("Activity (base unit)", "活动数据（基准单位）"),
    ("Activity as entered", "activity_unit"): ("Base unit", "基准单位"),
    ("Lab analyses", "evidence"): ("Sample / evidence", "样品及证据"),
    ("Lines", "factor_value"): ("Factor value (line's gas)", "排放因子数值（该气体）"),
    ("Lines", "factor_unit"): ("Factor unit", "排放因子单位"),
    ("Lines", "factor_citation"): ("Factor reference", "排放因子来源"),
    ("Lines", "gwp_citation"): ("GWP reference", "全球变暖潜势来源"),
    ("Scope 3 screening", "name"): ("Category", "类别名称"),
    ("Market-based Scope 2", "part"): ("Part", "组成部分"),
    ("Market-based Scope 2", "instrument"): ("Contractual instrument", "合同文书"),
    ("Market-based Scope 2", "kind"): ("Instrument type", "文书类型"),
    ("Market-based Scope 2", "evidence"): ("Instrument evidence", "文书证据"),
    ("Market-based Scope 2", "activity"): (
        "Consumption, total (base unit)",
        "消费量合计（基准单位）",
    ),
    ("Market-based Scope 2", "amount"): ("Quantity (base unit)", "数量（基准单位）"),
    ("Market-based Scope 2", "activity_unit"): ("Base unit", "基准单位"),
    ("Market-based Scope 2", "value"): ("Value", "因子数值"),
    ("Market-based Scope 2", "unit"): ("Unit", "因子单位"),
    ("Market-based Scope 2", "citation"): ("Factor reference", "排放因子来源"),
    ("Financed emissions", "investee"): ("Investee", "被投资方"),
    ("Financed emissions", "asset_class"): ("PCAF asset class", "PCAF 资产类别"),
    ("Financed emissions", "outstanding"): ("Outstanding amount", "未偿金额"),
    ("Financed emissions", "currency"): ("Currency", "币种"),
    ("Financed emissions", "denominator"): ("Attributed by", "归因基准"),
    ("Financed emissions", "denominator_value"): ("EVIC or equity + debt", "EVIC 或权益加债务"),
    ("Financed emissions", "attribution"): ("Attribution factor", "归因系数"),
    ("Financed emissions", "investee_scopes"): ("Investee scopes", "被投资方排放范围"),
    ("Financed emissions", "investee_co2e_t"): ("Investee emissions (t CO2e)", "被投资方排放量（t CO2e）"),
    ("Financed emissions", "co2e_t"): ("Financed emissions (t CO2e)", "投融资排放量（t CO2e）"),
    ("Financed emissions", "data_quality"): (
        "PCAF data-quality score (1 best, 5 weakest)",
        "PCAF 数据质量得分（1 最好，5 最弱）",
    ),
    ("Scope 3 screening", "method"): ("Calculation method", "计算方法"),
    ("Scope 3 screening", "reason"): ("Reason (excluded, not relevant)", "理由（排除或不相关）"),
    ("Scope 3 screening", "co2e_t"): ("Emissions, location-based (t CO2e)", "排放量（基于位置，t CO2e）"),
}


def column_label(table: str, column: str, lang: Language = "en") -> str:
    """The readable header of *column* of report table *table* (plain text)."""
    pair = _TABLE_COLUMN_LABELS.get((table, column)) or COLUMN_LABELS.get(column)
    return column if pair is None else _tr(pair, lang)


_VALUE_ZH: dict[str, str] = {
    # checklist and category statuses, finding severities, scope 2 bases, consolidation
    "present": "已提供",
    "missing": "缺失",
    "not_applicable": "不适用",
    "reported": "已报告",
    "reported; part excluded": "已报告（部分排除）",
    "excluded": "已排除",
    "not addressed": "未涉及",
    "info": "提示",
    "warning": "警告",
    "error": "错误",
    "operational_control": "运营控制",
    "financial_control": "财务控制",
    "equity_share": "股权比例",
    "not_verified": "未核查",
    "limited": "有限保证",
    "reasonable": "合理保证",
    # instruments: the coverage factor and the calibration status in the period
    "k = 2 assumed": "未说明，按 k = 2 计",
    "due within the period": "校准在报告期内到期",
    "due before the period": "报告期开始前已到期",
    "valid through the period": "整个报告期内有效",
    "no due date stated": "未说明有效期",
    "whole period": "整个报告期",
    # significance tests of exclusions
    "below threshold": "低于阈值",
    "reaches threshold": "达到阈值",
    "not estimated": "未估算",
    "not testable": "无法检验",
    # the parts of the market-based Scope 2 figure
    "contractual instrument": "合同文书",
    "residual mix": "剩余组合",
    "residual, location-based factor": "剩余部分（未提供剩余组合，按基于位置的因子）",
    "location-based factor": "基于位置的因子（无基于市场的数据）",
    # Scope 3 screening statuses
    "included": "已纳入",
    "not_relevant": "不相关",
    "not_screened": "未筛选",
}


_TRANSLATED_COLUMNS = frozenset(
    {"status", "severity", "coverage_factor", "calibration_status", "record", "significance_test", "part"}
)
"""Columns whose values are fixed words shown in ``reporting.language`` (JSON/Excel keep them)."""


def period_pair(inv: Inventory) -> Pair:
    """The reporting period in English and Chinese, saying that the end is exclusive."""
    a, b = inv.period.start, inv.period.end
    return f"{a} to {b} (end exclusive)", f"{a} 至 {b}（不含结束日）"


def report_language(inv: Inventory) -> Language:
    """``reporting.language`` of an inventory: ``"en"`` (the default), ``"zh"`` or ``"en+zh"``."""
    return inv.reporting.language if inv.reporting is not None else "en"


def _value_pair(text: str) -> Pair:
    """(English, Chinese) of a fixed value word: ``not_applicable`` -> (not applicable, 不适用)."""
    return text.replace("_", " "), _VALUE_ZH.get(text, text.replace("_", " "))
