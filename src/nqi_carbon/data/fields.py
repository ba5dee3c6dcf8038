"""Shared pydantic building blocks: strict numbers, identifiers, uncertainty, citations.

These types are used by the data packs (gases, GWP sets, factors) and by the inventory
models, so that a number means the same everywhere: finite, never a boolean, never a
string that happens to look numeric.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import InvalidInputError

__all__ = [
    "MAX_LOGNORMAL_RATIO",
    "MAX_RELATIVE_UNCERTAINTY",
    "Z95",
    "Citation",
    "Distribution",
    "FiniteFloat",
    "FreeText",
    "Identifier",
    "NonNegativeFloat",
    "PackHeader",
    "QuantityFields",
    "Reference",
    "RelativeUncertainty",
    "RuleError",
    "SingleLineText",
    "StrictModel",
    "Uncertainty",
    "construction_error",
    "distribution_sd",
    "lognormal_half_width",
    "lognormal_spread_too_wide",
    "real_or_nan",
    "relative_half_width",
    "relative_uncertainty_at_most_one",
    "text_single_line",
    "text_without_control_characters",
]

def construction_error(
    model: type[BaseModel], exc: ValidationError, data: Any
) -> InvalidInputError:
    """The :class:`~nqi_carbon.errors.InvalidInputError` for a model built with bad *data*."""
    from .packs import issues_from_validation_error

    return InvalidInputError(
        issues_from_validation_error(exc, file=None, data=data), source=f"{model.__name__}(...)"
    )


def RuleError(code: str, message: str) -> PydanticCustomError:  # noqa: N802
    """Build the error a named validator raises: its ``type`` is the stable rule *code*."""
    # no context is given, so pydantic formats nothing: braces in *message* stay as written
    return PydanticCustomError(code, message)


class StrictModel(BaseModel):
    """Base model: unknown keys are refused; instances are immutable.

    Inventories and packs are evidence: once validated they do not change (a changed copy
    is made with ``model_copy(update=...)`` and validated again), so results can be cached
    and ``input_sha256`` always describes what was calculated.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        ser_json_inf_nan="strings",
        defer_build=True,
    )

    def __init__(self, /, **data: Any) -> None:
        """Validate *data*; every problem is an :class:`~nqi_carbon.errors.InvalidInputError`.

        Building a model in Python (``nc.Source(id=..., ...)``) reports its problems like
        a file does: each an :class:`~nqi_carbon.errors.Issue` with reason code, field,
        value and what is allowed (the error is a ``ValueError``, as pydantic's is).
        ``model_validate`` keeps pydantic's ``ValidationError``.
        """
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise construction_error(type(self), exc, data) from None

    # nested models and model_validate keep pydantic's own validation (and its errors,
    # which the loaders turn into issues with their paths): only a direct call comes here
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class QuantityFields(StrictModel):
    """A model whose amounts may be given as pint Quantities.

    ``quantity_pairs`` names the (number, unit) fields: ``ActivityRecord(amount=ureg.Quantity
    (12, "t"))`` is ``amount=12, unit="t"``. A Quantity of any pint registry is read
    through its unit's text (:func:`~nqi_carbon.data.quantities.quantity_unit`); with a
    unit given as well, the Quantity is converted to it. A magnitude that is no single
    number stays as it is, and is refused as a number would be.
    """

    quantity_pairs: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def quantities_split(cls, data: Any) -> Any:
        """A pint Quantity given for an amount is split into the number and its unit."""
        if not isinstance(data, dict):
            return data
        from .quantities import is_quantity

        for number, unit in cls.quantity_pairs:
            if is_quantity(data.get(number)):
                data = {**data, **_split_quantity(data[number], data.get(unit), number, unit)}
        return data


def _split_quantity(value: Any, unit: Any, number: str, unit_field: str) -> dict[str, Any]:
    """``{number: magnitude, unit_field: unit}`` for Quantity *value* (in *unit* if given)."""
    from ..errors import NqiCarbonError
    from .quantities import quantity_issue_code, split_quantity

    given = unit if isinstance(unit, str) else None
    try:
        magnitude, text = split_quantity(
            value, given, context=f"{number} given as a pint Quantity"
        )
    except NqiCarbonError as exc:
        raise RuleError(quantity_issue_code(exc), str(exc)) from None
    return {number: magnitude, unit_field: text}


FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number; booleans, strings, NaN and infinities are refused."""


NonNegativeFloat = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0)]
"""A finite number >= 0."""


# -- text ------------------------------------------------------------------------------
# C0 controls other than tab, LF and CR; DEL; C1 controls (U+0080..U+009F)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# what breaks a line of a single-line field: tab, LF, CR and the Unicode line/paragraph separators
_BREAK_RE = re.compile("[\t\n\r\u2028\u2029]")


def _char_at(value: str, match: re.Match[str]) -> str:
    return f"U+{ord(match.group(0)):04X} at position {match.start() + 1}"


def text_without_control_characters(value: str) -> str:
    """Text holds no control character: C0 (other than tab, LF, CR), DEL or C1.

    Such characters are invisible in reports, are refused by spreadsheet writers and
    can rewrite a terminal; they are never part of a name, a note or a justification.
    """
    match = _CONTROL_RE.search(value)
    if match:
        raise RuleError(
            "text_without_control_characters",
            f"control character {_char_at(value, match)} is not allowed in text",
        )
    return value


def text_single_line(value: str) -> str:
    """Single-line text (names, titles, ids, units, references) holds no line break or tab."""
    text_without_control_characters(value)
    match = _BREAK_RE.search(value)
    if match:
        raise RuleError(
            "text_single_line",
            f"a line break or tab ({_char_at(value, match)}) is not allowed in a single-line "
            "field (names, titles, ids, units, references)",
        )
    return value


SingleLineText = Annotated[str, AfterValidator(text_single_line)]
"""One line of text: no control characters, line breaks or tabs."""


FreeText = Annotated[str, AfterValidator(text_without_control_characters)]
"""Free text (notes, reasons, descriptions): line breaks and tabs allowed, other controls not."""


def _int_to_str(value: Any) -> Any:
    # An unquoted 12345 in YAML is a fine identifier; bool is not (YAML 'true').
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_ID_RE = re.compile(r"^[^\s/@][^\n\r\t]*$")


_PLAIN_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+\-]*")
"""Identifiers of ASCII letters, digits and ``_.:+-`` (most): every rule below holds."""


def _check_identifier(value: str) -> str:
    if _PLAIN_ID_RE.fullmatch(value):  # one match instead of three checks and a strip
        return value
    text_without_control_characters(value)
    if not value or not _ID_RE.match(value) or value != value.strip():
        raise RuleError(
            "identifier_well_formed",
            "an identifier is a non-empty string without leading/trailing spaces, tabs, "
            "line breaks, or a leading '/' or '@'",
        )
    return value


Identifier = Annotated[
    str,
    BeforeValidator(_int_to_str, json_schema_input_type=str | int),
    Strict(),
    AfterValidator(_check_identifier),
]
"""An identifier. Integers are accepted and kept exactly as written; nothing else is coerced."""


MAX_RELATIVE_UNCERTAINTY = 1.0
"""Largest relative uncertainty given as a number (the 95 % half-width, 1.0 = ±100 %).

A normal error of ±100 % already reaches zero; a wider or skewed range is stated honestly
as ``{distribution: lognormal, lower, upper}``.
"""


MAX_LOGNORMAL_RATIO = 1e6
"""Largest ``upper / lower`` of a lognormal distribution (six orders of magnitude between
its 2.5 % and 97.5 % points; IPCC default ranges span at most about a factor of 100)."""


def real_or_nan(value: object) -> float:
    """*value* as a float when it is a real number (never a boolean), else NaN.

    For arguments such as a materiality, checked by the caller's range test: anything but
    a real number fails the test, and a number too large for a float is NaN too.
    """
    import contextlib
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):
            return float(value)
    return math.nan


def _as_fraction_hint(value: float) -> str:
    """'; did you mean 0.05 (5 %)?' for a value that reads like a percentage."""
    if 1 < value <= 100:
        return f"; if {value:g} is a percentage, write {value / 100:.4g} ({value:g} %)"
    return ""


def relative_uncertainty_at_most_one(value: float) -> float:
    """A relative uncertainty (95 % half-width) given as a number is at most 1 (±100 %)."""
    if value > MAX_RELATIVE_UNCERTAINTY:
        raise RuleError(
            "relative_uncertainty_at_most_one",
            f"a relative uncertainty is the half-width of the 95 % interval as a fraction, "
            f"at most {MAX_RELATIVE_UNCERTAINTY:g} (±100 %); got {value:g}"
            + _as_fraction_hint(value)
            + "; a wider or skewed range is given as {distribution: lognormal, lower, upper}",
        )
    return value


RelativeUncertainty = Annotated[
    float,
    Strict(),
    AllowInfNan(False),
    Field(ge=0, json_schema_extra={"maximum": MAX_RELATIVE_UNCERTAINTY}),
    AfterValidator(relative_uncertainty_at_most_one),
]
"""A relative uncertainty as a number: 0 <= u <= :data:`MAX_RELATIVE_UNCERTAINTY`."""


def lognormal_spread_too_wide(lower: float, upper: float) -> str | None:
    """Why lognormal bounds *lower*..*upper* (both > 0) are refused, or None.

    Compared in log space, so bounds such as 1e-300..1e300 are judged without overflow.
    """
    spread = math.log(upper) - math.log(lower)
    if spread <= math.log(MAX_LOGNORMAL_RATIO):
        return None
    return (
        f"the lognormal bounds {lower:g}..{upper:g} span a factor of about "
        f"10^{spread / math.log(10):.1f}, more than {MAX_LOGNORMAL_RATIO:g} between the 2.5 % "
        "and 97.5 % points; check the bounds and their unit"
    )


class Distribution(StrictModel):
    """A probability distribution given by its 95 % bounds (or min/max).

    For ``normal`` and ``lognormal``, ``lower`` and ``upper`` are the 2.5th and 97.5th
    percentiles (the form of IPCC default ranges, 2006 GL Vol. 1 Ch. 3 §3.2.2.4);
    for ``uniform`` and ``triangular`` they are the minimum and maximum.
    """

    distribution: Literal["normal", "lognormal", "triangular", "uniform"]
    lower: FiniteFloat
    upper: FiniteFloat
    mode: FiniteFloat | None = None

    @model_validator(mode="after")
    def lower_not_above_upper(self) -> Distribution:
        """The lower bound is not above the upper bound."""
        if self.lower > self.upper:
            raise RuleError(
                "lower_not_above_upper",
                f"lower bound {self.lower} is above upper bound {self.upper}",
            )
        return self

    @model_validator(mode="after")
    def mode_only_for_triangular(self) -> Distribution:
        """A mode is given for triangular distributions only, inside the bounds."""
        if self.mode is not None:
            if self.distribution != "triangular":
                raise RuleError(
                    "mode_only_for_triangular",
                    "'mode' is only meaningful for a triangular distribution",
                )
            if not self.lower <= self.mode <= self.upper:
                raise RuleError(
                    "mode_only_for_triangular",
                    f"mode {self.mode} lies outside [{self.lower}, {self.upper}]",
                )
        return self

    @model_validator(mode="after")
    def lognormal_bounds_positive(self) -> Distribution:
        """Lognormal bounds are strictly positive."""
        if self.distribution == "lognormal" and self.lower <= 0:
            raise RuleError(
                "lognormal_bounds_positive", "a lognormal distribution needs a lower bound above 0"
            )
        return self

    @model_validator(mode="after")
    def lognormal_spread_bounded(self) -> Distribution:
        """Lognormal bounds span at most a factor :data:`MAX_LOGNORMAL_RATIO`."""
        if self.distribution == "lognormal" and self.lower > 0:
            why = lognormal_spread_too_wide(self.lower, self.upper)
            if why:
                raise RuleError("lognormal_spread_bounded", why)
        return self


def _uncertainty_form(value: Any) -> str:
    return "distribution" if isinstance(value, dict | Distribution) else "number"


Uncertainty = Annotated[
    Annotated[RelativeUncertainty, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(_uncertainty_form),
]
"""Relative half-width of the 95 % interval (0.05 = ±5 %, at most 1), or a :class:`Distribution`."""


def relative_half_width(spec: Uncertainty | None, value: float) -> float:
    """Return the relative 95 % half-width ``U`` that Approach 1 propagates for *value*.

    IPCC 2006 Vol. 1 Ch. 3 Eq. 3.1/3.2 combine ``U = 1.96 σ / |value|`` in quadrature,
    which is propagation of variances. A relative number is ``U`` itself; for a
    :class:`Distribution` ``U`` is 1.96 times its standard deviation, so that Approach 1
    and Monte Carlo propagate the same variance:

    * ``normal``: ``(upper - lower) / 2`` (the bounds are the 2.5/97.5 % points);
    * ``lognormal``: the standard deviation of the lognormal whose 2.5/97.5 % points are
      the bounds (wider on the high side than ``(upper - lower) / 2``);
    * ``uniform``: ``(upper - lower) / √12`` (the bounds are min and max);
    * ``triangular``: ``√((a² + b² + c² - ab - ac - bc) / 18)`` with mode ``c`` (default:
      *value*, kept inside the bounds).

    Returns 0.0 when *spec* is None (no stated uncertainty).
    """
    if spec is None:
        return 0.0
    if isinstance(spec, Distribution):
        if spec.upper == spec.lower:
            return 0.0
        if value == 0:
            return math.inf
        mode = spec.mode if spec.mode is not None else value
        sd = distribution_sd(spec.distribution, spec.lower, spec.upper, mode)
        if math.isinf(sd) and spec.distribution == "lognormal":
            return lognormal_half_width(spec.lower, spec.upper, value)
        return Z95 * sd / abs(value)
    return float(spec)


Z95 = 1.959963984540054
"""The 97.5 % point of the standard normal distribution."""


def distribution_sd(distribution: str, lower: float, upper: float, mode: float) -> float:
    """Standard deviation of a distribution given by its bounds (see :class:`Distribution`)."""
    if distribution == "normal":
        return (upper - lower) / 2.0 / Z95
    if distribution == "lognormal":
        mu = 0.5 * (math.log(lower) + math.log(upper))
        sigma = (math.log(upper) - math.log(lower)) / (2.0 * Z95)
        try:
            return math.exp(mu + sigma * sigma / 2.0) * math.sqrt(math.expm1(sigma * sigma))
        except OverflowError:  # bounds near the float range: too large to state directly
            return math.inf
    if distribution == "uniform":
        return (upper - lower) / math.sqrt(12.0)
    if distribution == "triangular":
        a, b, c = lower, upper, min(max(mode, lower), upper)
        return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18.0)
    raise ValueError(f"unknown distribution {distribution!r}")


def lognormal_half_width(lower: float, upper: float, value: float) -> float:
    """Relative 95 % half-width ``1.96 σ / |value|`` of a lognormal, computed in log space.

    The same quantity as :func:`relative_half_width` gives for a lognormal
    :class:`Distribution`, for bounds so large (near 1e308) that σ itself overflows while
    its ratio to *value* does not; ``inf`` when even the ratio is beyond the float range.
    Needs ``0 < lower < upper`` and ``value != 0``.
    """
    mu = 0.5 * (math.log(lower) + math.log(upper))
    s2 = ((math.log(upper) - math.log(lower)) / (2.0 * Z95)) ** 2
    # ln σ = mu + s2/2 + ln sqrt(expm1(s2)), with expm1(s2) = e^s2 (1 - e^-s2)
    log_sd = mu + s2 / 2.0 + 0.5 * (s2 + math.log(-math.expm1(-s2)))
    try:
        return Z95 * math.exp(log_sd - math.log(abs(value)))
    except OverflowError:
        return math.inf


class Citation(StrictModel):
    """Where a value comes from, as cited in a pack's ``references``."""

    id: Identifier
    document: FreeText = Field(min_length=3)
    table: SingleLineText | None = None
    page: SingleLineText | None = None
    section: SingleLineText | None = None
    url: SingleLineText = Field(pattern=r"^(https?|urn|doi):")
    accessed: _dt.date
    note: FreeText | None = None

    @model_validator(mode="after")
    def locates_the_value(self) -> Citation:
        """A reference says where in the document: a table, a page or a section."""
        if not (self.table or self.page or self.section):
            raise RuleError(
                "locates_the_value",
                "a reference needs at least one of 'table', 'page' or 'section'",
            )
        return self


Reference = Citation


class PackHeader(StrictModel):
    """Fields every data pack starts with."""

    schema_: SingleLineText = Field(alias="schema")
    id: Annotated[str, Strict(), Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: SingleLineText = Field(min_length=3)
    version: Annotated[str, Strict(), Field(pattern=r"^\d+\.\d+\.\d+$")]
    publisher: SingleLineText = Field(min_length=2)
    licence: SingleLineText = Field(min_length=2)
    verification: FreeText = Field(min_length=10)
    references: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def reference_ids_unique(self) -> PackHeader:
        """Each reference id is used once."""
        seen: set[str] = set()
        for ref in self.references:
            if ref.id in seen:
                raise RuleError("reference_ids_unique", f"reference id {ref.id!r} is defined twice")
            seen.add(ref.id)
        return self

    def reference_ids(self) -> set[str]:
        """Return the ids of this pack's references."""
        return {r.id for r in self.references}

    def citation(self, ref_id: str) -> Citation:
        """Return the reference with id *ref_id*."""
        for ref in self.references:
            if ref.id == ref_id:
                return ref
        raise KeyError(ref_id)
