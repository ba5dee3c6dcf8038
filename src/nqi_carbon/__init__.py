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
    "KYOTO_GROUPS": "gases",
    "Blend": "gases",
    "Species": "gases",
    "blend": "gases",
    "gas_group": "gases",
    "is_blend": "gases",
    "normalise_gas": "gases",
    "species": "gases",
    "split_blend": "gases",
    # GWP
    "CO2e": "gwp_values",
    "blend_gwp": "gwp_values",
    "gwp": "gwp_values",
    "gwp_citation": "gwp_values",
    "gwp_set_names": "gwp_values",
    "gwp_table": "gwp_values",
    "to_co2e": "gwp_values",
    # models
    "ActivityRecord": "models",
    "BaseYear": "models",
    "CarbonParameters": "models",
    "Exclusion": "models",
    "Facility": "models",
    "Instrument": "models",
    "Inventory": "models",
    "MeasuredParameter": "models",
    "Organisation": "models",
    "Period": "models",
    "Removal": "models",
    "Source": "models",
    # factors
    "Factor": "factors",
    "FactorRegistry": "factors",
    # calculation
    "Finding": "calc",
    "Result": "result",
    "calculate": "result",
    # metrology and data quality
    "cems_hourly": "cems",
    "data_quality": "quality",
    # data gaps
    "fill_gaps": "gaps",
    "find_gaps": "gaps",
    # reports
    "InventoryReport": "report",
    "inventory_report": "report",
    # verification
    "VerificationResult": "verification",
    "verify": "verification",
    # limits on reading, and confinement to folders
    "Limits": "_limits",
    "Sandbox": "_limits",
    # io
    "inventory_json_schema": "io",
    "load_inventory": "io",
    "load_result": "io",
    "read_activity": "io",
    "save_inventory": "io",
    "save_result": "io",
    "validate_inventory": "io",
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
    from ._limits import Limits, Sandbox
    from .calc import Finding
    from .cems import cems_hourly
    from .errors import (
        DimensionalityMismatchError,
        GWPSetMismatchError,
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
    from .factors import Factor, FactorRegistry
    from .gaps import fill_gaps, find_gaps
    from .gases import (
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
    from .gwp_values import CO2e, blend_gwp, gwp, gwp_citation, gwp_set_names, gwp_table, to_co2e
    from .io import (
        inventory_json_schema,
        load_inventory,
        load_result,
        read_activity,
        save_inventory,
        save_result,
        validate_inventory,
    )
    from .models import (
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
    from .quality import data_quality
    from .report import InventoryReport, inventory_report
    from .result import Result, calculate
    from .units import conversion_factor, parse_unit
    from .verification import VerificationResult, verify

    ureg: Any
