"""The verification (核查) of a key emitting unit's annual report: verified figures and non-conformities.

The verifier recomputes the year from the evidence (the plant file and its records, as
:func:`~nqi_carbon.cn_ets.power_plant_report` or :func:`~nqi_carbon.cn_ets.sector_report`
read them), compares every figure the unit reported with the verified (核定) one, and lists
the non-conformities (不符合项): each data-quality finding of the recomputation, and each
reported figure that differs from the verified one by more than its own rounding. The
conclusion states the verified emissions and whether corrections are required.

China's verification sets no materiality threshold: a difference is a non-conformity to
correct, whatever its size. For an ISO 14064-3 opinion with materiality on the same year,
run :func:`nqi_carbon.verify` on ``report.to_inventory()`` (power plants).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Issue
from ..pages.format import _generation_date, verification_date
from .report import _Document, _no_nan
from .tables import Column, Table

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..pages.labels import Language, Pair
    from .report import CnReport

__all__ = ["CnVerification", "FigureCheck", "verification_report"]

CLAIM_SCHEMA = "nqi-carbon/cn-ets-claim@1"


@dataclass(frozen=True)
class FigureCheck:
    """One reported figure against the verified one.

    ``status``: ``agrees`` (equal), ``rounding`` (within half a unit of the reported
    figure's last decimal), ``differs`` (a non-conformity) or ``not_reported``.
    """

    key: str
    reported: float | None
    verified: float | None
    status: str

    @property
    def difference(self) -> float | None:
        """Reported minus verified."""
        if self.reported is None or self.verified is None:
            return None
        return self.reported - self.verified


def _decimals(x: float) -> int:
    """Decimals of a number as written (shortest repr): 1234.5 -> 1, 1200.0 -> 0."""
    text = repr(float(x))
    if "e" in text or "E" in text:
        mant, exp = text.lower().split("e")
        return max(0, len(mant.split(".")[1].rstrip("0")) if "." in mant else 0) - int(exp)
    frac = text.split(".")[1].rstrip("0")
    return len(frac)


def _check(key: str, reported: float | None, verified: float | None) -> FigureCheck:
    if reported is None:
        return FigureCheck(key, None, verified, "not_reported")
    if verified is None:
        return FigureCheck(key, reported, None, "differs")
    diff = abs(reported - verified)
    if diff <= 1e-12 * max(abs(reported), abs(verified), 1.0):
        return FigureCheck(key, reported, verified, "agrees")
    if diff <= 0.5 * 10.0 ** (-_decimals(reported)) * (1 + 1e-9):
        return FigureCheck(key, reported, verified, "rounding")
    return FigureCheck(key, reported, verified, "differs")


def read_claim(
    claimed: str | Path | Mapping[str, Any], keys: set[str]
) -> tuple[dict[str, float], str | None]:
    """The reported figures: a ``cn-ets-claim@1`` or ``cn-ets-report@1`` document (path or mapping).

    Both carry ``figures`` (key -> number). Every problem is reported at once.
    """
    from .._io.structured import read_structured

    name = None
    if isinstance(claimed, str | Path):
        name = str(claimed)
        data, _ = read_structured(claimed, what="claim")
    else:
        data = dict(claimed)
    schemas = (CLAIM_SCHEMA, "nqi-carbon/cn-ets-report@1")
    if (
        not isinstance(data, dict)
        or data.get("schema") not in schemas
        or not isinstance(data.get("figures"), dict)
    ):
        raise InvalidInputError(
            [
                Issue(
                    "cn_ets_claim",
                    "not a claim of reported figures",
                    file=name,
                    field="schema",
                    value=repr(
                        data.get("schema") if isinstance(data, dict) else type(data).__name__
                    ),
                    allowed=f"a mapping with schema {' or '.join(schemas)} and figures: {{key: number}}",
                )
            ],
            source=name,
        )
    issues: list[Issue] = []
    out: dict[str, float] = {}
    for key, v in data["figures"].items():
        if key not in keys:
            issues.append(
                Issue(
                    "cn_ets_claim",
                    "unknown figure",
                    file=name,
                    field=f"figures.{key}",
                    value=repr(key),
                    allowed=", ".join(sorted(keys)),
                )
            )
        elif v is None:
            continue
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            issues.append(
                Issue(
                    "cn_ets_claim",
                    "a reported figure is a finite number",
                    file=name,
                    field=f"figures.{key}",
                    value=repr(v),
                    allowed="a number (not text, true/false or NaN)",
                )
            )
        else:
            out[key] = float(v)
    if issues:
        raise InvalidInputError(issues, source=name)
    return out, name


class CnVerification(_Document):
    """The 核查 report: verified figures against the reported ones, non-conformities, conclusion."""

    _stem = "cn-ets-verification"

    def __init__(
        self,
        report: CnReport,
        checks: list[FigureCheck],
        *,
        claim: str | None,
        verifier: str | None,
        body: str | None,
        date: str | None,
    ) -> None:
        self.report = report
        self.checks = checks
        self.claim = claim
        self.verifier, self.body, self.date = verifier, body, date
        self.language: Language = report.language
        self.generated = _generation_date()
        self.input_sha256 = report.input_sha256

    def __repr__(self) -> str:
        p = self.report.result.plant
        n = len(self.nonconformities)
        return f"<CnVerification {p.entity.name!r} {p.year}: {n} non-conformity(ies)>"

    @property
    def verified_t(self) -> float:
        """The verified (核定) emissions of the year (t CO2)."""
        return self.report.total_t

    @property
    def nonconformities(self) -> list[tuple[str, Pair, str]]:
        """(subject, description (English, Chinese), rule) of every non-conformity, in order."""
        out = [
            (f"{f.subject} {f.month}", f.message, f.clause)
            for f in self.report.findings
            if f.severity == "nonconformity"
        ]
        for c in self.checks:
            if c.status == "differs":
                v = "—" if c.verified is None else f"{c.verified:,.3f}"
                out.append(
                    (
                        c.key,
                        (
                            f"reported {c.reported:,.3f}, verified {v}: the report is to be corrected",
                            f"报告值 {c.reported:,.3f}，核定值 {v}：报告须修改",
                        ),
                        "the guideline's formulas applied to the verified data",
                    )
                )
        return out

    def _title(self) -> Pair:
        return ("Verification report (核查报告)", "核查报告")

    def _facts(self) -> list[tuple[Pair, str]]:
        p = self.report.result.plant
        return [
            (("Key emitting unit", "重点排放单位"), p.entity.name),
            (("Unified social credit code", "统一社会信用代码"), p.entity.id),
            (("Accounting year", "核算年度"), str(p.year)),
            (("Verified emissions (t CO2)", "核定排放量（tCO2）"), f"{self.verified_t:,.3f}"),
            (("Verifier", "核查人员"), self.verifier or "—"),
            (("Verification body", "核查机构"), self.body or "—"),
            (("Date", "日期"), self.date or "—"),
            (("Reported figures", "排放报告"), self.claim or "—"),
        ]

    def _conclusion(self) -> tuple[str, str]:
        n = len(self.nonconformities)
        t = f"{self.verified_t:,.3f}"
        if n == 0:
            text = (
                f"Conclusion: the report conforms; verified emissions {t} t CO2.",
                f"核查结论：排放报告符合要求，核定排放量 {t} tCO2。",
            )
            klass = "unmodified"
        else:
            text = (
                f"Conclusion: {n} non-conformity(ies) to correct; verified emissions {t} t CO2.",
                f"核查结论：存在 {n} 项不符合项，须整改；核定排放量 {t} tCO2。",
            )
            klass = "modified"
        from ..pages.labels import _tr

        return _tr(text, self.language), klass

    def tables(self) -> list[Table]:
        """The figures compared, then the non-conformities."""
        status = {
            "agrees": ("agrees", "一致"),
            "rounding": ("rounding", "修约差异"),
            "differs": ("differs", "不一致"),
            "not_reported": ("not reported", "未报告"),
        }
        figs = Table(
            "Figures",
            ("Reported and verified figures", "报告值与核定值"),
            (
                Column("key", ("Figure", "数据项")),
                Column("reported", ("Reported", "报告值"), "exact"),
                Column("verified", ("Verified", "核定值"), "exact"),
                Column("difference", ("Difference", "差值"), "exact"),
                Column("status", ("Result", "结果"), "pair"),
            ),
            [
                [c.key, c.reported, _round(c.verified), _round(c.difference), status[c.status]]
                for c in self.checks
            ],
        )
        nc = Table(
            "Non-conformities",
            ("Non-conformities (不符合项)", "不符合项"),
            (
                Column("no", ("No.", "编号")),
                Column("subject", ("Subject", "对象")),
                Column("description", ("Description", "描述"), "pair"),
                Column("rule", ("Rule", "依据")),
            ),
            [
                [f"NC-{i:02d}", s, d, rule]
                for i, (s, d, rule) in enumerate(self.nonconformities, start=1)
            ],
        )
        return [figs, nc]

    def to_dict(self) -> dict[str, Any]:
        """The verification as JSON-ready data (``schema: nqi-carbon/cn-ets-verification@1``)."""
        p = self.report.result.plant
        out: dict[str, Any] = _no_nan(
            {
                "schema": "nqi-carbon/cn-ets-verification@1",
                "entity": p.entity.model_dump(exclude_none=True),
                "year": p.year,
                "verified_t": self.verified_t,
                "figures": [
                    {
                        "key": c.key,
                        "reported": c.reported,
                        "verified": c.verified,
                        "status": c.status,
                    }
                    for c in self.checks
                ],
                "nonconformities": [
                    {"subject": s, "description": d[0], "description_zh": d[1], "rule": r}
                    for s, d, r in self.nonconformities
                ],
                "verifier": self.verifier,
                "body": self.body,
                "date": self.date,
                "provenance": {
                    "input_sha256": self.input_sha256,
                    "generated": self.generated.isoformat(),
                },
            }
        )
        return out


def _round(x: float | None) -> float | None:
    """A computed figure to 10 significant digits for display (the JSON keeps every digit)."""
    return None if x is None else float(f"{x:.10g}")


def verification_report(
    report: CnReport,
    claimed: str | Path | Mapping[str, Any],
    *,
    verifier: str | None = None,
    body: str | None = None,
    date: str | _dt.date | None = None,
) -> CnVerification:
    """Compare a key emitting unit's reported figures with the recomputed report.

    Parameters
    ----------
    report : PowerPlantReport or SectorReport
        The year recomputed from the evidence.
    claimed : path or mapping
        The reported figures: ``{schema: nqi-carbon/cn-ets-claim@1, figures: {total_t: ...,
        ...}}`` (keys of ``report.figures()``), or a ``cn-ets-report@1`` JSON.
    verifier, body : str, optional
        Verifier and verification body (核查机构).
    date : str or datetime.date, optional
        Date of the verification report (ISO).

    Raises
    ------
    InvalidInputError
        A claim that is not of this form, unknown figure keys, figures that are not numbers,
        a date that is not a date.
    """
    verified = report.figures()
    reported, name = read_claim(claimed, set(verified))
    when = verification_date(date)
    checks = [
        _check(k, reported.get(k), v)
        for k, v in verified.items()
        if k in reported or k == "total_t"
    ]
    return CnVerification(report, checks, claim=name, verifier=verifier, body=body, date=when)
