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
  times materiality; **modified** when one reaches materiality; otherwise **unmodified**
  (the inventory verification's rule, :mod:`nqi_carbon.verification.opinion`).

The claim file is ``schema: nqi-carbon/footprint-claim@1`` (:class:`ClaimedFootprint`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..data.fields import FiniteFloat, FreeText, Identifier, SingleLineText, StrictModel
from ..errors import InvalidInputError, Issue
from ..pages.format import _generation_date
from ..pages.labels import _tr
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
    the figures stated are compared.
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
    ) -> None:
        self.result, self.claim, self.checks = result, claim, checks
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
    def aggregate(self) -> float:
        """The headline's difference, claimed minus recomputed [kg CO2e per declared unit]."""
        return next(c.difference for c in self.checks if c.figure == HEADLINE)

    @property
    def misstatements(self) -> list[FigureCheck]:
        """The figures whose claimed value differs from the recomputed one."""
        return [c for c in self.checks if c.difference != 0]

    @property
    def material(self) -> bool:
        """A figure's difference (the aggregate among them) reaches materiality."""
        return any(c.material for c in self.checks)

    @property
    def opinion(self) -> str:
        """``unmodified``, ``modified`` or ``adverse``."""
        worst = max((abs(c.difference) for c in self.checks), default=0.0)
        if self.materiality_kg and worst >= self.pervasive_multiple * self.materiality_kg:
            return "adverse"
        return "modified" if self.material else "unmodified"

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
            )
        else:
            verdict = f"The claimed footprint {figure} is not fairly stated"
        return (
            f"{verdict} in accordance with ISO 14067:2018 for {name} ({r.boundary.replace('_', '-')}, "
            f"reference period {r.reference_period[0]} to {r.reference_period[1]}); recomputed "
            f"{r.pcf_excluding_biogenic:,.4f} kg CO2e; {level}; verified by {who}"
            f"{' (' + self.body + ')' if self.body else ''}."
        )

    @property
    def statement_zh(self) -> str:
        """The verification statement in Chinese."""
        r = self.result
        word = {"unmodified": "无保留意见", "modified": "保留意见", "adverse": "否定意见"}[
            self.opinion
        ]
        level = "合理保证" if self.assurance == "reasonable" else "有限保证"
        return (
            f"核查意见：{word}。{r.product['name']}（参考期 {r.reference_period[0]} 至 "
            f"{r.reference_period[1]}）声明的碳足迹为每 {self._du()} "
            f"{self.claim.pcf_excluding_biogenic:,.4f} kg CO2e，复算值为 "
            f"{r.pcf_excluding_biogenic:,.4f} kg CO2e；{level}，实质性 {100 * self.materiality:g} %。"
        )

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
                for c, s, sub, m in self.result.findings
            ],
            "verifier": self.verifier,
            "body": self.body,
            "date": None if self.date is None else self.date.isoformat(),
            "claim_file": self.claim_file,
            "input_sha256": self.result.input_sha256,
            "generated": self.generated.isoformat(),
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
            _Table(
                _tr(("Findings of the recomputation", "复算的发现"), lang),
                tuple(_tr(h, lang) for h in (("Code", "代码"), ("Severity", "级别"),
                                             ("Subject", "对象"), ("Finding", "发现"))),
                (False, False, False, False),
                list(self.result.findings),
            ),
        ]  # fmt: skip

    def _facts(self) -> list[tuple[str, str]]:
        lang = self.language
        rows = [
            (("Opinion", "核查意见"), self.opinion),
            (("Assurance", "保证等级"), self.assurance),
            (("Materiality", "实质性"), f"{100 * self.materiality:g} % = {self.materiality_kg:,.4f} kg CO2e"),
            (("Aggregate misstatement", "汇总错报"), f"{self.aggregate:+,.4f} kg CO2e"),
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
                "Findings": [
                    ["code", "severity", "subject", "message"],
                    *map(list, self.result.findings),
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

    Raises
    ------
    InvalidInputError
        The study or claim cannot be read; the claim is for another product
        (``footprint_claim_product``) or in a unit of another dimension
        (``footprint_claim_unit``); a bad materiality (``materiality``) or assurance.
    """
    from .calculate import FootprintResult, calculate_footprint, check_finite

    m = _materiality(materiality)
    when = _check_call(assurance, pervasive_multiple, verifier, body, date, language)
    result = footprint if isinstance(footprint, FootprintResult) else calculate_footprint(footprint)
    claim, name = load_claimed(claimed)
    k = _scale(claim, result.study, name)
    checks = _checks(claim, result, k, m)
    check_finite(name, **{c.figure: c.claimed for c in checks})
    lang: Language = language or result.study.study.language
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
    )
