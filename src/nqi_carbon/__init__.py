"""nqi-carbon: greenhouse-gas inventories in the style of ISO 14064-1.

Typed models of organisations, facilities, instruments and sources of the seven Kyoto
gases; cited emission factors and GWP values; unit and uncertainty propagation;
inventory and verification reports.

Importing the package is cheap: it reads no data file and starts no work. Submodules,
the unit registry and the data packs load on first use.

>>> import nqi_carbon as nc
>>> nc.gwp("CH4", "AR5")
28.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> implementation module (loaded on first attribute access)
_LAZY: dict[str, str] = {
    # errors
    "DimensionalityMismatchError": "errors",
    "GWPSetMismatchError": "errors",
    "InvalidArgumentError": "errors",
    "InvalidInputError": "errors",
    "Issue": "errors",
    "MissingGWPError": "errors",
    "NqiCarbonError": "errors",
    "PackError": "errors",
    "UnknownFactorError": "errors",
    "UnknownGWPSetError": "errors",
    "UnknownSpeciesError": "errors",
    "UnknownUnitError": "errors",
    # units
    "conversion_factor": "units",
    "parse_unit": "units",
    "ureg": "units",
    # gases
    "KYOTO_GROUPS": "data.gases",
    "Blend": "data.gases",
    "Species": "data.gases",
    "blend": "data.gases",
    "gas_group": "data.gases",
    "is_blend": "data.gases",
    "normalise_gas": "data.gases",
    "species": "data.gases",
    "split_blend": "data.gases",
    # GWP
    "CO2e": "data.gwp",
    "blend_gwp": "data.gwp",
    "gwp": "data.gwp",
    "gwp_citation": "data.gwp",
    "gwp_set_names": "data.gwp",
    "gwp_table": "data.gwp",
    "to_co2e": "data.gwp",
    # models
    "ActivityRecord": "inventory.models",
    "BaseYear": "inventory.models",
    "CarbonParameters": "inventory.models",
    "Exclusion": "inventory.models",
    "Facility": "inventory.models",
    "Instrument": "inventory.models",
    "Inventory": "inventory.models",
    "MeasuredParameter": "inventory.models",
    "Organisation": "inventory.models",
    "Period": "inventory.models",
    "Removal": "inventory.models",
    "Source": "inventory.models",
    # factors
    "Factor": "data.factors",
    "FactorRegistry": "data.factors",
    # calculation
    "Finding": "calc.findings",
    "Result": "calc.result",
    "calculate": "calc.pipeline",
    # metrology and data quality
    "cems_hourly": "calc.cems",
    "data_quality": "calc.quality",
    # data gaps
    "fill_gaps": "calc.gaps",
    "find_gaps": "calc.gaps",
    # reports
    "InventoryReport": "report.inventory",
    "inventory_report": "report.inventory",
    # verification
    "VerificationResult": "verification.result",
    "verify": "verification.run",
    # limits on reading, and confinement to folders
    "Limits": "limits",
    "Sandbox": "limits",
    # io
    "inventory_json_schema": "inventory.load",
    "load_inventory": "inventory.load",
    "load_result": "contracts.documents",
    "read_activity": "_io.tables",
    "save_inventory": "inventory.load",
    "save_result": "contracts.documents",
    "validate_inventory": "inventory.load",
    # output contracts: typed documents and their JSON Schemas
    "ResultDocument": "contracts.models",
    "TrajectoryDocument": "contracts.models",
    "VerificationDocument": "contracts.models",
    "json_schema": "contracts.schemas",
    # carbon-neutrality claims (ISO 14068-1)
    "NeutralityEvaluation": "neutrality.report",
    "evaluate_neutrality": "neutrality",
    "verify_neutrality": "neutrality",
    # EU CBAM: specific embedded emissions and the operator's communication
    "CbamCommunication": "cbam.report",
    "calculate_cbam": "cbam",
    # product carbon footprints (ISO 14067)
    "FootprintReport": "footprint.report",
    "FootprintResult": "footprint.calculate",
    "FootprintStudy": "footprint.model",
    "FootprintVerification": "footprint.verify",
    "calculate_footprint": "footprint.calculate",
    "footprint_report": "footprint.report",
    "load_footprint": "footprint.model",
    "verify_footprint": "footprint.verify",
    # PACT v3 exchange of product footprints
    "read_pact": "footprint.pact",
    "to_pact": "footprint.pact",
    "write_pact": "footprint.pact",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'nqi_carbon' has no attribute {name!r}")
    module = importlib.import_module(f".{module_name}", __name__)
    value = module.registry() if name == "ureg" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._io.tables import read_activity
    from .calc.cems import cems_hourly
    from .calc.findings import Finding
    from .calc.gaps import fill_gaps, find_gaps
    from .calc.pipeline import calculate
    from .calc.quality import data_quality
    from .calc.result import Result
    from .cbam import calculate_cbam
    from .cbam.report import CbamCommunication
    from .contracts.documents import load_result, save_result
    from .contracts.models import ResultDocument, TrajectoryDocument, VerificationDocument
    from .contracts.schemas import json_schema
    from .data.factors import Factor, FactorRegistry
    from .data.gases import (
        KYOTO_GROUPS,
        Blend,
        Species,
        blend,
        gas_group,
        is_blend,
        normalise_gas,
        species,
        split_blend,
    )
    from .data.gwp import CO2e, blend_gwp, gwp, gwp_citation, gwp_set_names, gwp_table, to_co2e
    from .errors import (
        DimensionalityMismatchError,
        GWPSetMismatchError,
        InvalidArgumentError,
        InvalidInputError,
        Issue,
        MissingGWPError,
        NqiCarbonError,
        PackError,
        UnknownFactorError,
        UnknownGWPSetError,
        UnknownSpeciesError,
        UnknownUnitError,
    )
    from .inventory.load import (
        inventory_json_schema,
        load_inventory,
        save_inventory,
        validate_inventory,
    )
    from .inventory.models import (
        ActivityRecord,
        BaseYear,
        CarbonParameters,
        Exclusion,
        Facility,
        Instrument,
        Inventory,
        MeasuredParameter,
        Organisation,
        Period,
        Removal,
        Source,
    )
    from .limits import Limits, Sandbox
    from .report.inventory import InventoryReport, inventory_report
    from .units import conversion_factor, parse_unit
    from .verification.result import VerificationResult
    from .verification.run import verify

    ureg: Any
