"""EU CBAM: specific embedded emissions of an installation's goods and the operator's communication.

:func:`calculate_cbam` reads an installation file (``schema: nqi-carbon/cbam-installation@1``),
calculates the organisation inventory it names, attributes the inventory's direct sources to
the production processes, and computes each process's specific embedded emissions, direct
and indirect [t CO2e per t of good], with the precursors it consumes (produced in the
installation or purchased), following Regulation (EU) 2023/956 Annex IV and Implementing
Regulations (EU) 2023/1773 and 2025/2547. ``write(out_dir)`` gives the EU communication
template's sheets as Excel and the same figures as JSON. See ``docs/how-to/cbam.md``.

>>> import nqi_carbon as nc
>>> com = nc.calculate_cbam("examples/cbam-aluminium/installation.yaml")  # doctest: +SKIP
>>> com.process("P1").see_direct, com.write("out")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import Installation
from .report import CbamCommunication

__all__ = ["CbamCommunication", "Installation", "calculate_cbam"]


def calculate_cbam(source: str | Path | dict[str, Any] | Installation) -> CbamCommunication:
    """Specific embedded emissions of an installation's goods, from its inventory.

    Parameters
    ----------
    source : path, mapping or Installation
        The installation file (YAML or JSON), read with the bounded, confined loader; the
        inventory it names is read from its folder (a mapping's from the working folder).

    Returns
    -------
    CbamCommunication
        The figures per production process (``processes``, ``process(id)``), the
        Summary_Communication rows (``products()``) and ``write(out_dir)``.

    Raises
    ------
    InvalidInputError
        A file that cannot be read or validated, an inventory that cannot be calculated,
        attributed sources that do not fit the inventory: every problem at once.
    """
    from .._io.files import check_confined, written_path
    from ..calc.pipeline import calculate
    from .compute import check_attribution, finite_or_refuse, process_figures, source_emissions
    from .model import load_installation

    inst, name, digest = load_installation(source)
    target = written_path(inst.inventory, source_path=name, field="inventory")
    check_confined(target, what="inventory")
    result = calculate(target)
    em = source_emissions(result)
    period = result.inventory.period
    check_attribution(inst, em, period, name)
    figures = process_figures(inst, em)
    finite_or_refuse(figures, name)
    return CbamCommunication(
        inst,
        figures,
        em,
        period=(period.start, period.end),
        file=name,
        input_sha256=digest,
        inventory_sha256=str(result.to_dict()["provenance"]["input_sha256"]),
    )
