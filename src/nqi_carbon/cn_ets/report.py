"""The annual emission report of a key emitting unit: tables, figures, Markdown, HTML, Excel, JSON.

:class:`PowerPlantReport` and :class:`SectorReport` share the writing
(:class:`CnReport`): the report is rendered in memory and written as one set
(:func:`nqi_carbon._io.atomic.write_set`); every value from an input passes the escaping
function of its format; ``SOURCE_DATE_EPOCH`` makes the files byte-identical.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..pages.format import _generation_date
from ..pages.labels import _tr
from .tables import Table, markdown, view

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..inventory.models import Inventory
    from ..pages.labels import Language, Pair
    from .power import CnFinding, PowerResult
    from .sectors import SectorResult

__all__ = ["CnReport", "PowerPlantReport", "SectorReport"]  # _Document: the writing they share

SCHEMA = "nqi-carbon/cn-ets-report@1"
_SECTOR_TITLE = {
    "power": ("power generation facilities", "发电设施"),
    "cement": ("cement clinker production", "水泥熟料生产"),
    "steel": ("iron and steel production", "钢铁生产"),
    "aluminium": ("aluminium smelting", "铝冶炼"),
}
FORMATS = ("html", "md", "json", "xlsx")


class _Document:
    """A document of this package: a title, facts and tables, written as Markdown, HTML, Excel, JSON.

    Subclasses give :meth:`_title`, :meth:`_facts`, :meth:`tables`, :meth:`to_dict`, and
    set ``language``, ``generated``, ``input_sha256`` and ``_stem`` (the file names).
    """

    _stem = "cn-ets-report"
    language: Language
    generated: Any
    input_sha256: str

    def _title(self) -> Pair:
        raise NotImplementedError

    def _facts(self) -> list[tuple[Pair, str]]:
        raise NotImplementedError

    def _conclusion(self) -> tuple[str, str] | None:
        """A sentence shown under the facts and its CSS class (none by default)."""
        return None

    def tables(self) -> list[Table]:
        """The document's tables, in order."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data."""
        raise NotImplementedError

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (non-ASCII kept, keys in a fixed order)."""
        from .._escape import json_text

        return json_text(
            json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        )

    def to_markdown(self) -> str:
        """The report as Markdown, in the report's language (``zh``, ``en`` or ``en+zh``)."""
        from .._escape import md_row, md_strong, md_text

        lang = self.language
        lines = [f"# {md_text(_tr(self._title(), lang), block_start=True)}", ""]
        lines += [md_row([_tr(("Item", "项目"), lang), _tr(("Value", "内容"), lang)]), "|---|---|"]
        lines += [md_row([_tr(k, lang), v]) for k, v in self._facts()]
        if (c := self._conclusion()) is not None:
            lines += ["", md_strong(c[0])]
        for t in self.tables():
            lines += ["", markdown(t, lang)]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The report as one self-contained HTML page (template ``cn_ets_report.html``)."""
        from .. import __version__
        from ..pages.render import render

        lang = self.language
        return render(
            "cn_ets_report.html",
            html_lang="zh-Hans" if lang != "en" else "en",
            title=_tr(self._title(), lang),
            lang=lang,
            facts=[(_tr(k, lang), v) for k, v in self._facts()],
            conclusion=None if (c := self._conclusion()) is None else c[0],
            conclusion_class="" if c is None else c[1],
            tables=[view(t, lang) for t in self.tables()],
            version=__version__,
            input_sha256=self.input_sha256,
        )

    def _excel_bytes(self) -> bytes:
        from .._escape import excel_append
        from ..pages.workbook import _excel_widths, new_workbook, workbook_data
        from .tables import excel_sheet

        wb = new_workbook(self.generated, first_sheet="Report")
        facts = wb.active
        for k, v in [
            ((_tr(("Item", "项目"), self.language)), _tr(("Value", "内容"), self.language)),
            *((_tr(k, self.language), v) for k, v in self._facts()),
        ]:
            excel_append(facts, [k, v])
        _excel_widths(facts)
        for t in self.tables():
            excel_sheet(wb, t, self.language)
        return workbook_data(wb, self.generated)

    def to_excel(self, path: str | Path) -> Path:
        """Write the workbook (a facts sheet, then one sheet per table) atomically."""
        from .._io.atomic import atomic_write_bytes

        return atomic_write_bytes(path, self._excel_bytes())

    def _render(self, formats: Iterable[str]) -> dict[str, bytes]:
        """Every file of *formats* rendered in memory; an unknown format is a ``ValueError`` first."""
        from ..pages.render import render_files

        return render_files(self, {f: f"{self._stem}.{f}" for f in FORMATS}, formats)

    def write(self, out_dir: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
        """Write ``cn-ets-report.{html,md,json,xlsx}`` into *out_dir* as one set (all or none)."""
        from .._io.atomic import write_set

        return write_set(out_dir, self._render(formats))


class CnReport(_Document):
    """What the power and sector reports share: facts and figures (writing: :class:`_Document`)."""

    def __init__(
        self,
        result: PowerResult | SectorResult,
        *,
        file: str | None,
        sha256: str,
        language: Language | None = None,
    ) -> None:
        self.result = result
        self.file = file
        self.input_sha256 = sha256
        self.generated = _generation_date()
        self.language: Language = language or result.plant.language

    @property
    def sector(self) -> str:
        """``power``, ``cement``, ``steel`` or ``aluminium``."""
        return self.result.plant.sector

    @property
    def findings(self) -> list[CnFinding]:
        """The data-quality findings (non-conformities are 不符合项)."""
        return self.result.findings

    @property
    def total_t(self) -> float:
        """The key emitting unit's emissions for the year (t CO2, t CO2e with PFCs)."""
        return self.result.total_t

    def figures(self) -> dict[str, float | None]:
        """The reported figures by key (what a claim states and a verification compares)."""
        raise NotImplementedError

    def _facts(self) -> list[tuple[Pair, str]]:
        p = self.result.plant
        from .. import __version__

        rows: list[tuple[Pair, str]] = [
            (
                ("Key emitting unit", "重点排放单位"),
                p.entity.name + (f" ({p.entity.name_en})" if p.entity.name_en else ""),
            ),
            (("Unified social credit code", "统一社会信用代码"), p.entity.id),
            (("Accounting year", "核算年度"), str(p.year)),
            (("Sector", "行业"), _tr(_SECTOR_TITLE[p.sector], self.language)),
        ]
        if p.entity.region:
            rows.append((("Region", "地区"), p.entity.region))
        rows += [
            (("Total emissions (t CO2)", "排放总量（tCO2）"), f"{self.total_t:,.3f}"),
            (("Generated", "生成日期"), self.generated.isoformat()),
            (("Tool", "工具"), f"nqi-carbon {__version__}"),
        ]
        return rows

    def _title(self) -> Pair:
        en, zh = _SECTOR_TITLE[self.sector]
        return (f"Annual GHG emission report: {en}", f"企业温室气体排放报告（{zh}）")

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``schema: nqi-carbon/cn-ets-report@1``); no NaN."""
        p = self.result.plant
        out: dict[str, Any] = _no_nan(
            {
                "schema": SCHEMA,
                "sector": p.sector,
                "entity": p.entity.model_dump(exclude_none=True),
                "year": p.year,
                "figures": self.figures(),
                "findings": [
                    {
                        "code": f.code,
                        "severity": f.severity,
                        "subject": f.subject,
                        "month": f.month,
                        "message": f.message[0],
                        "message_zh": f.message[1],
                        "clause": f.clause,
                    }
                    for f in self.findings
                ],
                "tables": {
                    t.key: {
                        "columns": [c.key for c in t.columns],
                        "rows": [[_json_cell(v) for v in r] for r in t.rows],
                    }
                    for t in self.tables()
                },
                "provenance": {
                    "input_sha256": self.input_sha256,
                    "generated": self.generated.isoformat(),
                },
            }
        )
        return out


class PowerPlantReport(CnReport):
    """The annual emission report of a power plant under the MEE power-generation guideline."""

    result: PowerResult

    def __repr__(self) -> str:
        p = self.result.plant
        n = len(self.findings)
        return f"<PowerPlantReport {p.entity.name!r} {p.year}: {self.total_t:,.3f} t CO2, {n} finding(s)>"

    def tables(self) -> list[Table]:
        """Summary, units, coal by month, other fuels, electricity, records, findings, parameters."""
        from .power_tables import power_tables

        return power_tables(self.result)

    def figures(self) -> dict[str, float | None]:
        """``total_t``, ``fuel_combustion_t``, ``purchased_electricity_t`` and per unit ``units.<id>.*``."""
        r = self.result
        out: dict[str, float | None] = {
            "total_t": r.total_t,
            "fuel_combustion_t": r.fuel_t,
            "purchased_electricity_t": r.electricity_t,
        }
        for u in r.units:
            for k in (
                "emissions_t",
                "generation_mwh",
                "power_supply_mwh",
                "heat_supply_gj",
                "power_intensity",
                "heat_intensity",
            ):
                out[f"units.{u['unit_id']}.{k}"] = u[k]
        return out

    def to_inventory(self) -> Inventory:
        """The year as an ISO 14064-1 inventory, for :func:`nqi_carbon.calculate` and :func:`nqi_carbon.verify`.

        One carbon-content source per unit, fuel and month (its as-received carbon, the
        oxidation rate, the tonnes burnt) and one category-2 source per unit of purchased
        electricity at the year's grid factor; ``calculate`` gives the same total.
        """
        from .inventory import power_inventory

        return power_inventory(self.result, self.input_sha256)


class SectorReport(CnReport):
    """The annual emission report of a cement, iron-and-steel or aluminium plant."""

    result: SectorResult

    def __repr__(self) -> str:
        p = self.result.plant
        head = f"<SectorReport {p.sector} {p.entity.name!r} {p.year}"
        return f"{head}: {self.total_t:,.3f} t CO2e, {len(self.findings)} finding(s)>"

    def tables(self) -> list[Table]:
        """Summary, fuels, process, PFCs (aluminium), energy, findings."""
        from .sector_tables import sector_tables

        return sector_tables(self.result)

    def figures(self) -> dict[str, float | None]:
        """The parts of the total, the total, production and intensity."""
        r = self.result
        out: dict[str, float | None] = {
            "total_t": r.total_t,
            "fuel_combustion_t": r.fuel_t,
            "process_t": r.process_t,
        }
        if r.pfc_lines:
            out["pfc_co2e_t"] = r.pfc_t
        for key in (
            "purchased_electricity",
            "exported_electricity",
            "purchased_heat",
            "exported_heat",
        ):
            out[f"{key}_t"] = r.energy_t(key)
        out["recovered_co2_t"] = r.recovered_t
        out["production_t"] = r.production_t
        out["intensity"] = r.total_t / r.production_t if r.production_t else None
        return out


def _json_cell(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, _dt.date):
        return v.isoformat()
    return v


def _no_nan(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_no_nan(v) for v in obj]
    return obj
