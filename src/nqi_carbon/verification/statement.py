"""The verification statement in English and Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

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
    "completeness": ("Completeness and significance", "完整性与重要性"),
    "limitations": ("Scope limitations", "范围受限"),
    "plan": ("Verification plan: risk and sampling", "核查计划：风险与抽样"),
    "evidence_log": ("Evidence log", "证据记录"),
    "opinion_basis": ("Opinion and its basis", "核查意见及其依据"),
    "base_year": ("Base year", "基准年"),
    "not_stated": ("not stated", "未说明"),
    "none": ("none", "无"),
}


_OPINION_ZH = {
    "unmodified": "无保留意见",
    "modified": "保留意见",
    "adverse": "否定意见",
    "disclaimer": "无法表示意见",
}


_LEVEL_ZH = {
    "total": "总量",
    "category": "类别",
    "source_gas": "排放源×气体",
    "breakdown": "分项",
    "sample": "抽样",
}


_KIND_ZH = {
    "error": "差错",
    "omission": "遗漏",
    "rounding": "舍入",
    "not_supported": "无证据支持",
    "inconsistency": "内部不一致",
    "not_broken_out": "未单列",
    "intentional": "故意错报",
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


_NATURE_ZH = {"intentional": "故意", "compliance_outcome": "改变合规结论", "other": "其他"}


def _join(items: list[str], lang: str) -> str:
    """Section names as a list: "A, B and C" / "“A”、“B”和“C”"."""
    if lang == "zh":
        quoted = [f"“{i}”" for i in items]
        return "和".join(["、".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else quoted[0]
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else items[0]


def _matters(v: VerificationResult, lang: Literal["en", "zh"]) -> list[str]:
    """The report sections that describe the matters behind a modified opinion."""
    k = 1 if lang == "zh" else 0
    b = v._basis
    out = []
    if b is None or b.misstatement_material or b.qualitative:
        out.append(_L["misstatements"][k])
    if b is not None and (b._reaches(b.omitted_t) or v.completeness_errors):
        out.append(_L["completeness"][k])
    if b is not None and b._reaches(b.not_obtained_t):
        out.append(_L["limitations"][k])
    if b is None or b.errors:
        out.append(_L["findings"][k])
    return out or [_L["misstatements"][k], _L["findings"][k]]


def _statement(v: VerificationResult) -> str:
    """The opinion in English; the materiality stated as a fraction and in t CO2e."""
    from ..pages.labels import period_pair

    who = v.inventory.organization.name
    subject = f"the GHG statement of {who} for {period_pair(v.inventory)[0]} ({v.claimed_co2e_t:,.3f} t CO2e)"
    matx = (
        f"materiality {100 * v.materiality:g} % of the claimed total, {v.materiality_t:,.3f} t CO2e"
    )
    matters = _join(_matters(v, "en"), "en")
    unobtained = v._basis is not None and v._basis._reaches(v._basis.not_obtained_t)
    effects = "the possible effects of the matters" if unobtained else "the effects of the matters"
    conform = "in accordance with ISO 14064-1:2018"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"In our opinion, {subject} is prepared, in all material respects, {conform} ({matx}).",
            "modified": f"In our opinion, except for {effects} described under {matters}, {subject} is "
            f"prepared, in all material respects, {conform} ({matx}).",
            "adverse": f"In our opinion, because of the significance of the matters described under {matters}, "
            f"{subject} is not prepared {conform} ({matx}).",
            "disclaimer": f"We do not express an opinion on {subject}. Because of the significance of the "
            f"matters described under {matters}, we were unable to obtain sufficient appropriate evidence "
            f"to provide a basis for an opinion ({matx}).",
        }[v.opinion]
    else:
        text = {
            "unmodified": "Based on the procedures performed and the evidence obtained, nothing has come to our "
            f"attention that causes us to believe that {subject} is not prepared, in all material respects, "
            f"{conform} ({matx}).",
            "modified": f"Based on the procedures performed, except for the matters described under {matters}, "
            f"nothing has come to our attention that causes us to believe that {subject} is not prepared, in "
            f"all material respects, {conform} ({matx}).",
            "adverse": f"Based on the procedures performed, the matters described under {matters} lead us to "
            f"believe that {subject} is not prepared {conform} ({matx}).",
            "disclaimer": f"We do not express a conclusion on {subject}. Because of the significance of the "
            f"matters described under {matters}, we were unable to obtain sufficient appropriate evidence "
            f"to provide a basis for a conclusion ({matx}).",
        }[v.opinion]
    return " ".join([text, *(en for en, _ in _sentences(v))])


def _statement_zh(v: VerificationResult) -> str:
    """The opinion in Chinese (核查声明), worded as :func:`_statement`."""
    from ..pages.labels import period_pair

    who = v.inventory.organization.name
    matx = f"实质性为声明总量的 {100 * v.materiality:g} %，即 {v.materiality_t:,.3f} t CO2e"
    matters = _join(_matters(v, "zh"), "zh")
    unobtained = v._basis is not None and v._basis._reaches(v._basis.not_obtained_t)
    subject = f"{who}在 {period_pair(v.inventory)[1]} 期间的温室气体声明（{v.claimed_co2e_t:,.3f} t CO2e）"
    if v.assurance == "reasonable":
        text = {
            "unmodified": f"我们认为，{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"我们认为，除{matters}部分所述事项{'可能产生' if unobtained else ''}的影响外，"
            f"{subject}在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"我们认为，由于{matters}部分所述事项的重要性，{subject}未按照 "
            f"ISO 14064-1:2018 编制（{matx}）。",
            "disclaimer": f"我们不对{subject}发表意见。由于{matters}部分所述事项的重要性，我们未能获取充分、"
            f"适当的证据为发表意见提供基础（{matx}）。",
        }[v.opinion]
    else:
        text = {
            "unmodified": f"根据所执行的程序和获取的证据，我们没有注意到任何事项使我们相信{subject}"
            f"未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "modified": f"根据所执行的程序，除{matters}部分所述事项外，我们没有注意到任何事项使我们相信"
            f"{subject}未在所有重大方面按照 ISO 14064-1:2018 编制（{matx}）。",
            "adverse": f"根据所执行的程序，{matters}部分所述事项使我们相信{subject}未按照 "
            f"ISO 14064-1:2018 编制（{matx}）。",
            "disclaimer": f"我们不对{subject}发表结论。由于{matters}部分所述事项的重要性，我们未能获取充分、"
            f"适当的证据为发表结论提供基础（{matx}）。",
        }[v.opinion]
    return "".join([text, *(zh for _, zh in _sentences(v))])


def _sentences(v: VerificationResult) -> list[tuple[str, str]]:
    """What the statement adds after the opinion: figures, evidence, completeness, procedures, users."""
    out = []
    if v._material_rows:
        out.append(_material_sentence(v))
    for q in v.qualitative:
        out.append(
            (
                f"Material by its nature ({q.reason.replace('_', ' ')}): {q.subject}.",
                f"因性质而具实质性（{_NATURE_ZH[q.reason]}）：{q.subject}。",
            )
        )
    if v._basis is not None and v._basis._reaches(v._basis.not_obtained_t):
        out.append(_unobtained_sentence(v))
    if v.completeness is not None and (v.completeness_errors or v._basis_omitted()):
        out.append(_completeness_sentence(v))
    out.append(_procedures_sentence(v))
    users = v.intended_users
    out.append(
        (f"This statement is intended for: {users}.", f"本声明的预期使用者：{users}。")
        if users
        else ("The intended users are not stated.", "未说明本声明的预期使用者。")
    )
    return out


def _unobtained_sentence(v: VerificationResult) -> tuple[str, str]:
    """The amount for which evidence could not be obtained, and what it rests on."""
    parts_en, parts_zh = [], []
    if v.unsupported:
        names = ", ".join(u.source for u in v.unsupported)
        parts_en.append(f"readings of instruments used after their calibration due date: {names}")
        parts_zh.append(
            f"计量器具超过校准有效期后的读数：{'、'.join(u.source for u in v.unsupported)}"
        )
    if v.limitations:
        names = ", ".join(lim.subject for lim in v.limitations)
        parts_en.append(f"evidence not made available: {names}")
        parts_zh.append(f"未提供的证据：{'、'.join(lim.subject for lim in v.limitations)}")
    amount, m = v.not_obtained_t, v.materiality_t
    pervasive = v.opinion == "disclaimer"
    reach_en = f"{v.pervasive_multiple:g} × materiality" if pervasive else "materiality"
    reach_zh = f"{v.pervasive_multiple:g} 倍实质性" if pervasive else "实质性水平"
    return (
        f"We were unable to obtain sufficient appropriate evidence for {amount:,.3f} t CO2e of the "
        f"statement ({'; '.join(parts_en)}); this amount reaches {reach_en} ({m:,.3f} t CO2e).",
        f"我们未能就该声明中的 {amount:,.3f} t CO2e（{'；'.join(parts_zh)}）获取充分、适当的证据，"
        f"该数量达到{reach_zh}（{m:,.3f} t CO2e）。",
    )


def _completeness_sentence(v: VerificationResult) -> tuple[str, str]:
    """Categories not addressed, failed significance tests, exclusions not shown insignificant."""
    c = v.completeness
    assert c is not None
    cats = [k.category for k in c.categories if k.state == "not addressed"]
    en, zh = [], []
    if cats:
        listed = ", ".join(map(str, cats))
        en.append(f"ISO categories {listed} are not addressed (neither included nor excluded)")
        zh.append(f"ISO 类别 {listed} 未涉及（既未纳入也未排除）")
    if c.untested_t > 0:
        en.append(
            f"exclusions of {c.untested_t:,.3f} t CO2e are not shown to be insignificant ({c.basis})"
        )
        zh.append(f"{c.untested_t:,.3f} t CO2e 的排除项未证明不重要（{c.basis_zh}）")
    failed = [k.code for k in c.errors if k.code != "category_not_addressed"]
    if failed:
        en.append("significance tests failed: " + ", ".join(dict.fromkeys(failed)))
        zh.append("重要性检验未通过：" + "、".join(dict.fromkeys(failed)))
    return ("Completeness: " + "; ".join(en) + ".", "完整性：" + "；".join(zh) + "。")


def _procedures_sentence(v: VerificationResult) -> tuple[str, str]:
    """The plan and the evidence log the opinion rests on."""
    plan = v.plan
    n_src = sum(1 for s in plan.sources if s.selected) if plan else 0
    n_rec = len(plan.samples) if plan else 0
    head_en = (
        f"Our procedures followed the verification plan in this report ({n_src} source(s) selected "
        f"for testing, {n_rec} record(s) proposed for sampling)"
    )
    head_zh = f"我们的程序依据本报告中的核查计划（选定 {n_src} 个排放源进行测试，建议抽取 {n_rec} 条记录）"
    log = v.evidence_log
    if log is None:
        return (
            f"{head_en}; no evidence log was provided: the opinion rests on recomputation from "
            "the inventory's evidence and the checks in this report.",
            f"{head_zh}；未提供证据记录：本意见基于依据清单证据的复算及本报告中的检查。",
        )
    counts = {
        r: sum(1 for s in log.samples if s.result == r)
        for r in ("agrees", "differs", "not_available")
    }
    diff = sum(s.difference_co2e_t or 0.0 for s in log.samples)
    return (
        f"{head_en}; the evidence log records {len(log.samples)} sample(s): {counts['agrees']} agree, "
        f"{counts['differs']} differ (net {diff:+,.3f} t CO2e), {counts['not_available']} without "
        f"evidence; {len(log.limitations)} scope limitation(s).",
        f"{head_zh}；证据记录载有 {len(log.samples)} 个样本：{counts['agrees']} 个相符，"
        f"{counts['differs']} 个不符（净差异 {diff:+,.3f} t CO2e），{counts['not_available']} 个无证据；"
        f"{len(log.limitations)} 项范围限制。",
    )
