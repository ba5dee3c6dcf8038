"""Materiality: the threshold, its presets (EU ETS), the criteria stated, the weighing.

:func:`_weigh` weighs the aggregate and each reported figure against materiality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..data.fields import real_or_nan
from ..errors import InvalidInputError, Issue

if TYPE_CHECKING:
    from .compare import _Figure

__all__ = ["CRITERIA", "MATERIALITY_PRESETS"]

MATERIALITY_PRESETS: dict[str, float] = {
    "eu-ets-a": 0.05,
    "eu-ets-b": 0.05,
    "eu-ets-c": 0.02,
}
"""Programme presets: EU ETS installation categories A and B 5 %, C 2 % (Regulation (EU)
No 600/2012 Art. 23; categories by annual emissions per Regulation (EU) No 601/2012 Art. 19)."""


MATERIALITY_PRESET_LABELS: dict[str, tuple[str, str]] = {
    "eu-ets-a": ("EU ETS category A, 5 %", "欧盟排放交易体系 A 类设施，5 %"),
    "eu-ets-b": ("EU ETS category B, 5 %", "欧盟排放交易体系 B 类设施，5 %"),
    "eu-ets-c": ("EU ETS category C, 2 %", "欧盟排放交易体系 C 类设施，2 %"),
}
"""Readable (English, Chinese) name of each materiality preset, stated in the report."""


CRITERIA: tuple[str, str] = (
    "ISO 14064-1:2018 (quantification and reporting); verification performed in the style "
    "of ISO 14064-3:2019",
    "ISO 14064-1:2018（量化与报告）；核查参照 ISO 14064-3:2019 的方式进行",
)
"""The criteria every verification states (English, Chinese); a programme or guideline the
inventory's ``reporting.conformity_statement`` names is stated beside them, quoted."""


Assurance = Literal["reasonable", "limited"]


def _resolve_materiality(materiality: float | str) -> tuple[float, str | None]:
    """The materiality as a fraction, and the preset's name when a preset was given."""
    if isinstance(materiality, str):
        key = materiality.strip().lower()
        if key in MATERIALITY_PRESETS:
            return MATERIALITY_PRESETS[key], key
        try:
            materiality = float(key.rstrip("%")) / (100 if key.endswith("%") else 1)
        except ValueError:
            raise InvalidInputError(
                [
                    Issue(
                        "materiality",
                        "unknown materiality",
                        value=repr(materiality),
                        allowed="a fraction such as 0.05, '5%', or "
                        + ", ".join(MATERIALITY_PRESETS),
                    )
                ]
            ) from None
    value = real_or_nan(materiality)  # anything but a real number is no fraction
    if not 0 < value < 1:
        raise InvalidInputError(
            [
                Issue(
                    "materiality",
                    "materiality must be a fraction between 0 and 1",
                    field="materiality",
                    value=repr(materiality)[:80],
                    allowed="e.g. 0.05 (5 %) or a preset: " + ", ".join(MATERIALITY_PRESETS),
                )
            ]
        )
    return value, None


@dataclass(frozen=True)
class _Weighing:
    """What is material: the materially misstated figures, and whether it is pervasive."""

    material_rows: list[_Figure]  # the figures whose own misstatement reaches their materiality
    material: bool  # the aggregate or any figure reaches materiality
    pervasive: bool  # ... or reaches pervasive_multiple times it

    @property
    def material_figures(self) -> list[str]:
        """The names of the materially misstated figures (``by_category.1``, ``gross_co2e_t`` ...)."""
        return [f.name for f in self.material_rows]

    @property
    def material_categories(self) -> list[str]:
        """The ISO categories among the materially misstated figures (``"1"`` ... ``"6"``)."""
        return [f.name.split(".", 1)[1] for f in self.material_rows if f.row.level == "category"]


def _weigh(
    judged: list[_Figure],
    aggregate_t: float,
    materiality_t: float,
    pervasive_multiple: float,
) -> _Weighing:
    """Weigh the aggregate and each reported figure against materiality (ISO 14064-3:2019).

    *aggregate_t* is the larger of the net and gross aggregate [t CO2e], compared with
    *materiality_t*; each figure of *judged* is compared with its own threshold. Material
    when either reaches materiality; pervasive when the aggregate, or one figure's own
    misstatement, reaches *pervasive_multiple* times its materiality.
    """
    material_rows = [f for f in judged if abs(f.row.difference_t) >= f.threshold_t]
    material = aggregate_t >= materiality_t or bool(material_rows)
    pervasive = aggregate_t >= pervasive_multiple * materiality_t or any(
        abs(f.row.difference_t) >= pervasive_multiple * f.threshold_t for f in material_rows
    )
    return _Weighing(material_rows, material, pervasive)
