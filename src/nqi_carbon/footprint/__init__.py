"""Product carbon footprints (ISO 14067:2018): the study file, the calculation, the report.

A footprint file (``schema: nqi-carbon/footprint@1``, :mod:`.model`) states a product, its
declared unit, system boundary and reference period, the inputs per declared unit (each
with a factor from the packs or a supplier's footprint) and, optionally, the plant whose
inventory emissions are allocated to the product. :func:`calculate_footprint` computes the
footprint per declared unit — per stage and per gas, fossil, biogenic and land-use change
apart, aircraft apart — with its uncertainty and its sensitivity to the allocation rule.
See ``docs/how-to/product-footprint.md``.

>>> import nqi_carbon as nc
>>> fp = nc.calculate_footprint("examples/footprint-cement/cement.yaml")  # doctest: +SKIP
>>> fp.pcf_excluding_biogenic, fp.declared_unit  # doctest: +SKIP
"""

from __future__ import annotations

from .model import SCHEMA, FootprintStudy, load_footprint

__all__ = ["SCHEMA", "FootprintStudy", "load_footprint"]
