"""The EU CBAM rules shipped with the library (``cbam_rules.yaml``), read once on first use.

The file holds, each with its citation: the aggregated goods categories of the EU
communication template (unit, production routes, relevant precursors), whether a
category is in Annex II of Regulation (EU) 2023/956 (only direct emissions count from
2026), the CN codes of every category, and the two constants of the attribution of
waste gases. ``docs/reference/cbam.md`` explains each rule and what is unconfirmed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

__all__ = ["Category", "CbamRules", "cbam_rules"]

RULES_FILE = "cbam_rules.yaml"


@dataclass(frozen=True)
class Category:
    """An aggregated goods category of CBAM (the template's name, e.g. ``Unwrought aluminium``)."""

    name: str
    sector: str
    unit: str
    """The functional unit: ``t`` (``MWh`` for electricity)."""
    annex_ii: bool
    """Listed in Annex II of Regulation (EU) 2023/956: only direct emissions count (2026 on)."""
    pfc_relevant: bool
    routes: tuple[str, ...]
    precursors: tuple[str, ...]
    """The relevant precursor categories (template sheet Parameters_Constants, R-AA)."""
    parameters: tuple[str, ...] = ()
    """The qualifying parameters reported per good (Parameters_Constants rows 110-127)."""


@dataclass(frozen=True)
class CbamRules:
    """The parsed rules file: categories by name, CN codes, constants, references."""

    version: str
    sha256: str
    categories: dict[str, Category]
    cn_codes: dict[str, tuple[str, str]]
    """CN code (8 digits) -> (category name, CN name)."""
    constants: dict[str, float]
    references: list[dict[str, Any]]
    rules: dict[str, str]
    unconfirmed: list[str]

    def category(self, name: str) -> Category:
        """The category named *name* (a ``KeyError`` when there is none)."""
        return self.categories[name]


@functools.lru_cache(maxsize=1)
def cbam_rules() -> CbamRules:
    """The rules shipped with the library (read and checked on first use, then cached)."""
    import hashlib
    from importlib.resources import files

    from .._io.yaml import load_yaml_text
    from ..limits import Limits

    raw = files(__package__).joinpath(RULES_FILE).read_bytes()
    trusted = Limits()  # the installation's own data: the caller's limits do not apply
    data = load_yaml_text(
        raw, source=RULES_FILE, max_bytes=trusted.max_document_bytes, max_nodes=10**6
    )
    cats = {
        c["name"]: Category(
            name=c["name"],
            sector=c["sector"],
            unit=c["unit"],
            annex_ii=bool(c["annex_ii"]),
            pfc_relevant=bool(c["pfc_relevant"]),
            routes=tuple(c["routes"]),
            precursors=tuple(c["precursors"]),
            parameters=tuple(c["parameters"]),
        )
        for c in data["categories"]
    }
    codes = {str(c["code"]): (c["category"], c["name"]) for c in data["cn_codes"]}
    for name, cat in cats.items():  # the file is consistent with itself
        assert all(p in cats for p in cat.precursors), name
    assert all(cat in cats for cat, _ in codes.values())
    return CbamRules(
        version=str(data["version"]),
        sha256=hashlib.sha256(raw).hexdigest(),
        categories=cats,
        cn_codes=codes,
        constants={k: float(v["value"]) for k, v in data["constants"].items()},
        references=list(data["references"]),
        rules=dict(data["rules"]),
        unconfirmed=list(data["unconfirmed"]),
    )
