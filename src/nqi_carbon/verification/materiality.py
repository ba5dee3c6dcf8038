"""Materiality: the threshold, its presets (EU ETS) and the criteria stated."""

from __future__ import annotations

from typing import Literal

from ..errors import InvalidInputError, Issue

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
    if isinstance(materiality, bool) or not (0 < float(materiality) < 1):
        raise InvalidInputError(
            [
                Issue(
                    "materiality",
                    "materiality must be a fraction between 0 and 1",
                    value=repr(materiality),
                    allowed="e.g. 0.05 (5 %) or a preset: " + ", ".join(MATERIALITY_PRESETS),
                )
            ]
        )
    return float(materiality), None
