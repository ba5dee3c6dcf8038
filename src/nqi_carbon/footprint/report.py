"""The CFP study report (ISO 14067:2018 clause 7): JSON, Markdown, HTML, Excel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .calculate import FootprintResult

__all__ = ["RESULT_SCHEMA", "result_dict"]

RESULT_SCHEMA = "nqi-carbon/footprint-result@1"


def result_dict(r: FootprintResult) -> dict[str, Any]:
    """The footprint's figures as JSON-ready data (kg CO2e per declared unit)."""
    return {
        "schema": RESULT_SCHEMA,
        "product": r.product,
        "declared_unit": r.declared_unit,
        "boundary": r.boundary,
        "stages": list(r.stages),
        "reference_period": {"start": r.reference_period[0], "end": r.reference_period[1]},
        "gwp_set": r.gwp_set,
        "pcf_excluding_biogenic": r.pcf_excluding_biogenic,
        "pcf_including_biogenic": r.pcf_including_biogenic,
        "fossil_ghg": r.fossil_ghg,
        "land_use_change": r.land_use_change,
        "aircraft": r.aircraft,
        "biogenic_emissions": r.biogenic_emissions,
        "biogenic_removals": r.biogenic_removals,
        "biogenic_carbon_content": r.biogenic_carbon_content,
        "primary_data_share": r.primary_data_share,
        "dqr": r.dqr,
        "by_stage": r.by_stage,
        "by_gas": r.by_gas,
        "by_input": r.by_input,
        "allocation": r.allocation,
        "cut_off": r.cut_off,
        "uncertainty": r.uncertainty,
        "factors": r.factors_used,
        "findings": [
            {"code": c, "severity": s, "subject": sub, "message": m} for c, s, sub, m in r.findings
        ],
        "provenance": {"input_sha256": r.input_sha256},
    }
