"""The operator's communication: JSON (``nqi-carbon/cbam-communication@1``), Markdown, Excel.

Rendered in memory and written as one set (:func:`nqi_carbon._io.atomic.write_set`);
every value from the installation file passes the escaping function of its format;
``SOURCE_DATE_EPOCH`` makes the files byte-identical.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..pages.format import _generation_date
from .rules import cbam_rules

if TYPE_CHECKING:
    from .compute import InventoryEmissions, ProcessFigures
    from .model import Installation

__all__ = ["CbamCommunication"]

SCHEMA = "nqi-carbon/cbam-communication@1"
FORMATS = ("json", "md", "xlsx")
DEFAULT_FORMATS = ("json", "xlsx")


@dataclass(frozen=True)
class Finding:
    """Something the reader of the communication should know (not an error)."""

    code: str
    severity: str
    message: str


class CbamCommunication:
    """Specific embedded emissions of an installation's goods, ready to communicate.

    Attributes
    ----------
    installation : Installation
        The validated installation file.
    processes : list of ProcessFigures
        Per production process: attributed emissions [t CO2e], SEE direct and indirect
        [t CO2e per t of good], embedded electricity [MWh/t], the precursors' lines.
    findings : list of Finding
        Precursors outside their good's relevant list, emissions not attributed.
    """

    def __init__(
        self,
        installation: Installation,
        processes: list[ProcessFigures],
        emissions: InventoryEmissions,
        *,
        period: tuple[_dt.date, _dt.date],
        file: str | None,
        input_sha256: str,
        inventory_sha256: str,
    ) -> None:
        self.installation = installation
        self.processes = processes
        self.emissions = emissions
        self.period = period
        self.file = file
        self.input_sha256 = input_sha256
        self.inventory_sha256 = inventory_sha256
        self.generated = _generation_date()
        self.findings = self._findings()

    def __repr__(self) -> str:
        return (
            f"<CbamCommunication {self.installation.installation.name_en!r}: "
            f"{len(self.processes)} process(es), {self.installation.rules} rules>"
        )

    def process(self, process_id: str) -> ProcessFigures:
        """The figures of the process *process_id* (a ``KeyError`` when there is none)."""
        for f in self.processes:
            if f.process.id == process_id:
                return f
        raise KeyError(process_id)

    # -- figures ------------------------------------------------------------------------
    @property
    def attributed_direct_t(self) -> float:
        """The inventory's direct emissions attributed to the processes [t CO2e]."""
        from .compute import fsum

        return fsum(f.direct_t for f in self.processes)

    @property
    def unattributed_direct_t(self) -> float:
        """Direct emissions of the inventory attributed to no process (the template's "Rest")."""
        return self.emissions.total_direct_t - self.attributed_direct_t

    def _findings(self) -> list[Finding]:
        out = [Finding(c, "warning", m) for f in self.processes for c, m in f.findings]
        rest = self.unattributed_direct_t
        if rest > 1e-6 * max(self.emissions.total_direct_t, 1.0):
            out.append(
                Finding(
                    "cbam_unattributed_emissions",
                    "info",
                    f"{rest:,.3f} t CO2e of the inventory's direct emissions are attributed to "
                    "no production process (the template's 'Rest': non-CBAM goods or "
                    "installation-wide sources)",
                )
            )
        return out

    def consumed_in(self, process_id: str) -> list[tuple[str, float]]:
        """Where the output of *process_id* is consumed: (consuming process, amount)."""
        return [
            (f.process.id, ln.amount)
            for f in self.processes
            for ln in f.precursors
            if ln.kind == "process" and ln.ref == process_id
        ]

    def products(self) -> list[dict[str, Any]]:
        """One row per process and CN code: the Summary_Communication table."""
        names = cbam_rules().cn_codes
        return [
            {
                "process": f.process.id,
                "category": f.category.name,
                "cn_code": code,
                "cn_name": names[code][1],
                "product_name": f.process.name,
                "see_direct": f.see_direct,
                "see_indirect": f.see_indirect,
                "see_total": f.see_total,
                "unit": f"tCO2e/{f.category.unit}",
                "default_share": f.default_share,
                "electricity_ef_source": f.electricity_factor_source,
                "embedded_electricity": f.embedded_electricity,
                "electricity_ef": f.electricity_ef,
                "parameters": dict(f.process.qualifying_parameters),
            }
            for f in self.processes
            for code in f.process.cn_codes
        ]

    def _process_dict(self, f: ProcessFigures) -> dict[str, Any]:
        p = f.process
        return {
            "id": p.id,
            "name": p.name,
            "category": f.category.name,
            "route": p.route,
            "cn_codes": list(p.cn_codes),
            "unit": f.category.unit,
            "annex_ii": f.category.annex_ii,
            "activity_level": p.activity_level,
            "produced_for_market": p.produced_for_market,
            "consumed_in_processes": [
                {"process": k, "amount": a} for k, a in self.consumed_in(p.id)
            ],
            "direct_t": f.direct_t,
            "sources": [{"source": s.source, "share": s.share} for s in p.sources],
            "heat_t": f.heat_t,
            "waste_gas_t": f.waste_gas_t,
            "electricity_exported_t": f.electricity_exported_t,
            "attributed_direct_t": f.attributed_direct_t,
            "electricity_mwh": f.electricity_mwh,
            "electricity_factor_t_per_mwh": f.electricity_factor,
            "electricity_factor_source": f.electricity_factor_source,
            "attributed_indirect_t": f.attributed_indirect_t,
            "se_direct": f.se_direct,
            "se_indirect": f.se_indirect,
            "see_direct": f.see_direct,
            "see_indirect": f.see_indirect,
            "see_indirect_counted": f.see_indirect_counted,
            "see_total": f.see_total,
            "embedded_electricity": f.embedded_electricity,
            "electricity_ef": f.electricity_ef,
            "default_share": f.default_share,
            "precursors": [
                {
                    "ref": ln.ref,
                    "kind": ln.kind,
                    "category": ln.category,
                    "amount": ln.amount,
                    "see_direct": ln.see_direct,
                    "see_indirect": ln.see_indirect,
                }
                for ln in f.precursors
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """The communication as JSON-ready data (``schema: nqi-carbon/cbam-communication@1``)."""
        from .. import __version__

        rules, inst, em = cbam_rules(), self.installation, self.emissions
        return {
            "schema": SCHEMA,
            "rules": inst.rules,
            "period": {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()},
            "installation": inst.installation.model_dump(mode="json", exclude_none=True),
            "inventory": {
                "file": inst.inventory,
                "gwp_set": em.gwp_set,
                "direct_t": em.total_direct_t,
                "indirect_t": em.total_indirect_t,
                "attributed_direct_t": self.attributed_direct_t,
                "unattributed_direct_t": self.unattributed_direct_t,
            },
            "processes": [self._process_dict(f) for f in self.processes],
            "purchased_precursors": [
                {
                    **b.model_dump(mode="json", exclude_none=True),
                    "see_indirect": b.see_indirect_value,
                }
                for b in inst.purchased_precursors
            ],
            "products": self.products(),
            "findings": [
                {"code": x.code, "severity": x.severity, "message": x.message}
                for x in self.findings
            ],
            "quality": {
                "data_quality": inst.quality,
                "quality_assurance": inst.quality_assurance,
                "additional_information": inst.additional_information,
            },
            "references": rules.references,
            "provenance": {
                "library_version": __version__,
                "input_sha256": self.input_sha256,
                "inventory_sha256": self.inventory_sha256,
                "rules_version": rules.version,
                "rules_sha256": rules.sha256,
                "generated": self.generated.isoformat(),
            },
        }

    def to_json(self) -> str:
        r"""JSON text (never NaN; unsafe characters as ``\uXXXX``)."""
        from .._escape import json_text

        return json_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))

    def to_markdown(self) -> str:
        """The Summary_Communication table and the process figures as Markdown."""
        from .._escape import md_row, md_text

        inst = self.installation
        lines = [
            f"# {md_text('CBAM communication: ' + inst.installation.name_en, block_start=True)}",
            "",
        ]
        lines += [
            md_text(
                f"Reporting period {self.period[0]} to {self.period[1] - _dt.timedelta(days=1)}, "
                f"{inst.rules} rules; GWP set {self.emissions.gwp_set}; generated "
                f"{self.generated.isoformat()}."
            ),
            "",
            "## Summary of products",
            "",
            md_row(
                [
                    "Process",
                    "Good",
                    "CN code",
                    "SEE (direct)",
                    "SEE (indirect)",
                    "SEE (total)",
                    "Unit",
                ]
            ),
            "|---|---|---|---:|---:|---:|---|",
        ]
        for r in self.products():
            lines.append(
                md_row(
                    [
                        r["process"],
                        r["category"],
                        r["cn_code"],
                        f"{r['see_direct']:.6f}",
                        f"{r['see_indirect']:.6f}",
                        f"{r['see_total']:.6f}",
                        r["unit"],
                    ]
                )
            )
        lines += self._process_markdown()
        if self.findings:
            lines += [
                "",
                "## Findings",
                "",
                md_row(["Code", "Severity", "Finding"]),
                "|---|---|---|",
            ]
            lines += [md_row([x.code, x.severity, x.message]) for x in self.findings]
        return "\n".join(lines) + "\n"

    def _process_markdown(self) -> list[str]:
        """The production processes' balance: activity, attributed emissions, SE and SEE."""
        from .._escape import md_row

        head = ["Process", "Route", "AL", "AttrEm direct (t)", "AttrEm indirect (t)"]
        head += ["SE direct", "SEE direct", "SE indirect", "SEE indirect", "Embedded MWh/unit"]
        out = ["", "## Production processes", "", md_row(head), "|---|---|" + "---:|" * 8]
        for f in self.processes:
            p = f.process
            out.append(
                md_row(
                    [
                        f"{p.id} {p.name}",
                        p.route,
                        f"{p.activity_level:,.3f} {f.category.unit}",
                        f"{f.attributed_direct_t:,.3f}",
                        f"{f.attributed_indirect_t:,.3f}",
                        *(
                            f"{v:.6f}"
                            for v in (f.se_direct, f.see_direct, f.se_indirect, f.see_indirect)
                        ),
                        f"{f.embedded_electricity:.6f}",
                    ]
                )
            )
        return out

    def _excel_bytes(self) -> bytes:
        from .excel import communication_workbook

        return communication_workbook(self)

    def write(self, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
        """Write ``cbam.json`` and ``cbam.xlsx`` (``cbam.md`` when asked) into *out_dir* as one set."""
        from .._io.atomic import write_set
        from ..pages.render import render_files

        files = render_files(self, {f: f"cbam.{f}" for f in FORMATS}, formats)
        return write_set(out_dir, files)
