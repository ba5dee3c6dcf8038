"""The verification statement in English and Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .result import VerificationResult

_L: dict[str, tuple[str, str]] = {
    "title": ("Verification report", "核查报告"),
    "statement": ("Statement", "核查声明"),
    "scope": ("Scope", "核查范围"),
    "criteria": ("Criteria", "核查准则"),
    "misstatements": ("Misstatements", "错报"),
    "unsupported": ("Evidence not supported by a valid calibration", "未获有效校准支持的数据"),
    "tiers": ("Tier checks (activity data)", "活动数据层级检查"),
    "findings": ("Findings", "发现的问题"),
    "not_stated": ("not stated", "未说明"),
    "none": ("none", "无"),
}


_OPINION_ZH = {"unmodified": "无保留意见", "modified": "保留意见", "adverse": "否定意见"}


_LEVEL_ZH = {
    "total": "总量",
    "category": "类别",
    "source_gas": "排放源×气体",
    "breakdown": "分项",
}


_KIND_ZH = {
    "error": "差错",
    "omission": "遗漏",
    "rounding": "舍入",
    "not_supported": "无证据支持",
    "inconsistency": "内部不一致",
    "not_broken_out": "未单列",
}


_DIRECTION_ZH = {"overstatement": "高报", "understatement": "低报"}


_YES_NO = {True: ("yes", "是"), False: ("no", "否")}


# a fact of the report: (label en, label zh, value en, value zh, bold in Markdown)
_Fact = tuple[str, str, str, str, bool]


STATEMENT_FIGURES = 10
"""The materially misstated figures the statement names; the rest are counted, and all are
in ``material_figures`` and the misstatement table."""


def _material_sentence(v: VerificationResult) -> tuple[str, str]:
    """The figures materially misstated at their own level, named (English, Chinese)."""
    rows = v._material_rows
    en, zh = [], []
    for f in rows[:STATEMENT_FIGURES]:
        m = f.row
        c_en = "not stated" if m.claimed_t is None else f"{m.claimed_t:,.3f} {f.unit}"
        c_zh = "未声明" if m.claimed_t is None else f"{m.claimed_t:,.3f} {f.unit}"
        en.append(f"{f.name} (claimed {c_en}, recomputed {m.recomputed_t:,.3f} {f.unit})")
        zh.append(f"{f.name}（声明值 {c_zh}，复算值 {m.recomputed_t:,.3f} {f.unit}）")
    more = len(rows) - STATEMENT_FIGURES
    tail_en = f"; and {more} more (material_figures)" if more > 0 else ""
    tail_zh = f"；另有 {more} 项（见 material_figures）" if more > 0 else ""
    return (
        "Figures materially misstated at their own level (each against the materiality of "
        f"that level): {'; '.join(en)}{tail_en}.",
        f"按各自层级的实质性判断存在实质性错报的数值：{'；'.join(zh)}{tail_zh}。",
    )


def _statement(v: VerificationResult) -> str:
    """The opinion in English; the materiality stated as a fraction and in t CO2e."""
    from ..pages.labels import period_pair

    # the unsupported amount is stated only when it reaches materiality
    unsupported_t = v.unsupported_t if v.unsupported_material else 0.0
    who = v.inventory.organization.name
    period = period_pair(v.inventory)[0]
    figure = f"{v.claimed_co2e_t:,.3f} t CO2e"
    matx = f"materiality {100 * v.materiality:g} % of the claimed total, {v.materiality_t:,.3f} t CO2e"
    evidence = unsupported_t > 0
    matters = (
        "Misstatements, Findings and Evidence not supported by a valid calibration"
        if evidence
        else ("Misstatements and Findings")
    )
    effects = "the possible effects of the matters" if evidence else "the effects of the matters"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"In our opinion, the GHG statement of {who} for {period} ({figure}) is prepared, in all "
            f"material respects, in accordance with ISO 14064-1:2018 ({matx}).",
            "modified": f"In our opinion, except for {effects} described under {matters}, the GHG statement of "
            f"{who} for {period} ({figure}) is prepared, in all material respects, in accordance with "
            f"ISO 14064-1:2018 ({matx}).",
            "adverse": f"In our opinion, because of the significance of the misstatements described, the GHG statement "
            f"of {who} for {period} ({figure}) is not prepared in accordance with ISO 14064-1:2018 ({matx}).",
        }[v.opinion]
    else:
        text = {
            "unmodified": f"Based on the procedures performed and the evidence obtained, nothing has come to our "
            f"attention that causes us to believe that the GHG statement of {who} for {period} ({figure}) is not "
            f"prepared, in all material respects, in accordance with ISO 14064-1:2018 ({matx}).",
            "modified": f"Based on the procedures performed, except for the matters described under {matters}, "
            f"nothing has come to our attention that causes us to believe that the GHG statement of {who} for "
            f"{period} ({figure}) is not prepared, in all material respects, in accordance with ISO 14064-1:2018 "
            f"({matx}).",
            "adverse": f"Based on the procedures performed, the misstatements described lead us to believe that "
            f"the GHG statement of {who} for {period} ({figure}) is not prepared in accordance with "
            f"ISO 14064-1:2018 ({matx}).",
        }[v.opinion]
    if v._material_rows:
        text += " " + _material_sentence(v)[0]
    if evidence:
        text += (
            f" We were unable to obtain sufficient appropriate evidence for {unsupported_t:,.3f} t CO2e "
            f"of the statement (readings of instruments used after their calibration due date: "
            f"{', '.join([u.source for u in v.unsupported])}); this amount reaches materiality "
            f"({v.materiality_t:,.3f} t CO2e)."
        )
    return text


def _statement_zh(v: VerificationResult) -> str:
    """The opinion in Chinese (核查声明), worded as :func:`_statement`."""
    from ..pages.labels import period_pair

    # the unsupported amount is stated only when it reaches materiality
    unsupported_t = v.unsupported_t if v.unsupported_material else 0.0
    who = v.inventory.organization.name
    period = period_pair(v.inventory)[1]
    figure = f"{v.claimed_co2e_t:,.3f} t CO2e"
    matx = f"实质性为声明总量的 {100 * v.materiality:g} %，即 {v.materiality_t:,.3f} t CO2e"
    evidence = unsupported_t > 0
    matters = (
        "“错报”、“发现的问题”和“未获有效校准支持的数据”" if evidence else "“错报”和“发现的问题”"
    )
    subject = f"{who}在 {period} 期间的温室气体声明（{figure}）"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"我们认为，{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"我们认为，除{matters}部分所述事项{'可能产生' if evidence else ''}的影响外，"
            f"{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"我们认为，由于所述错报的重要性，{subject}未按照 ISO 14064-1:2018 编制（{matx}）。",
        }[v.opinion]
    else:
        text = {
            "unmodified": f"根据所执行的程序和获取的证据，我们没有注意到任何事项使我们相信{subject}"
            f"未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"根据所执行的程序，除{matters}部分所述事项外，我们没有注意到任何事项使我们相信"
            f"{subject}未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"根据所执行的程序，所述错报使我们相信{subject}未按照 ISO 14064-1:2018 编制（{matx}）。",
        }[v.opinion]
    if v._material_rows:
        text += _material_sentence(v)[1]
    if evidence:
        text += (
            f"我们未能就该声明中的 {unsupported_t:,.3f} t CO2e（计量器具超过校准有效期后的读数："
            f"{'、'.join([u.source for u in v.unsupported])}）获取充分、适当的证据，该数量达到实质性水平"
            f"（{v.materiality_t:,.3f} t CO2e）。"
        )
    return text
