"""Shared pydantic building blocks: strict numbers, identifiers, uncertainty, citations.

These types are used by the data packs (gases, GWP sets, factors) and by the inventory
models, so that a number means the same everywhere: finite, never a boolean, never a
string that happens to look numeric.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "Z95",
    "Citation",
    "Distribution",
    "FiniteFloat",
    "Identifier",
    "NonNegativeFloat",
    "PackHeader",
    "Reference",
    "RuleError",
    "StrictModel",
    "Uncertainty",
    "distribution_sd",
    "relative_half_width",
]


def RuleError(code: str, message: str) -> PydanticCustomError:  # noqa: N802
    """Build the error a named validator raises: its ``type`` is the stable rule *code*."""
    return PydanticCustomError(code, message.replace("{", "{{").replace("}", "}}"))


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
    )


FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number; booleans, strings, NaN and infinities are refused."""

NonNegativeFloat = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0)]
"""A finite number >= 0."""


def _int_to_str(value: Any) -> Any:
    # An unquoted 12345 in YAML is a fine identifier; bool is not (YAML 'true').
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_ID_RE = re.compile(r"^[^\s/@][^\n\r\t]*$")


def _check_identifier(value: str) -> str:
    if not value or not _ID_RE.match(value) or value != value.strip():
        raise RuleError(
            "identifier_well_formed",
            "an identifier is a non-empty string without leading/trailing spaces, tabs, "
            "line breaks, or a leading '/' or '@'",
        )
    return value


Identifier = Annotated[
    str, BeforeValidator(_int_to_str), Strict(), AfterValidator(_check_identifier)
]
"""An identifier. Integers are accepted and kept exactly as written; nothing else is coerced."""


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


Uncertainty = NonNegativeFloat | Distribution
"""Relative half-width of the 95 % interval (0.05 = ±5 %), or a :class:`Distribution`."""


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
        return Z95 * distribution_sd(spec.distribution, spec.lower, spec.upper, mode) / abs(value)
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
        return math.exp(mu + sigma * sigma / 2.0) * math.sqrt(math.expm1(sigma * sigma))
    if distribution == "uniform":
        return (upper - lower) / math.sqrt(12.0)
    if distribution == "triangular":
        a, b, c = lower, upper, min(max(mode, lower), upper)
        return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18.0)
    raise ValueError(f"unknown distribution {distribution!r}")


class Citation(StrictModel):
    """Where a value comes from, as cited in a pack's ``references``."""

    id: Identifier
    document: str = Field(min_length=3)
    table: str | None = None
    page: str | None = None
    section: str | None = None
    url: str = Field(pattern=r"^(https?|urn|doi):")
    accessed: _dt.date
    note: str | None = None

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

    schema_: str = Field(alias="schema")
    id: Annotated[str, Strict(), Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str = Field(min_length=3)
    version: Annotated[str, Strict(), Field(pattern=r"^\d+\.\d+\.\d+$")]
    publisher: str = Field(min_length=2)
    licence: str = Field(min_length=2)
    verification: str = Field(min_length=10)
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
