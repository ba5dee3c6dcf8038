"""The terminal summary of a result (``nqi-carbon calculate``, ``report`` and ``demo``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ._escape import term_line


def _fmt(x: float) -> str:
    return f"{x:,.3f}"


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], out: TextIO) -> None:
    # one line per row: a line break or control character in a cell is shown as \uXXXX
    cells = [[term_line(str(h)) for h in headers], *[[term_line(str(c)) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for k, r in enumerate(cells):
        out.write(
            "  ".join(
                c.rjust(w) if k and _numeric(c) else c.ljust(w)
                for c, w in zip(r, widths, strict=True)
            ).rstrip()
            + "\n"
        )
        if k == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def _numeric(text: str) -> bool:
    return (
        bool(text)
        and text.replace(",", "")
        .replace(".", "")
        .replace("-", "")
        .replace("%", "")
        .replace("±", "")
        .strip()
        .isdigit()
    )


def _summary(res: object, out: TextIO) -> None:
    from .calc.result import Result

    assert isinstance(res, Result)
    t = res.totals()
    inv = res.inventory
    out.write(
        f"{term_line(inv.organization.name)} — {inv.period.start} to {inv.period.end} (end exclusive), "
        f"GWP {res.gwp_set}\n\n"
    )
    unc = res.group_uncertainty
    rows = []
    names = {
        "1": "Direct emissions",
        "2": "Imported energy (location-based)",
        "3": "Transportation",
        "4": "Products used",
        "5": "Use of products",
        "6": "Other",
    }
    from .report.inventory import inventory_report

    status = inventory_report(res).category_status()
    for c, v in t["by_category"].items():
        st, est = status[int(c)]
        # an excluded or unaddressed category is no measured zero: no U95, and say why
        u = unc.get(f"category:{c}") if st.startswith("reported") else None
        note = "" if st == "reported" else st.replace("reported; ", "")
        if est is not None:
            note += f" (est. {est:,.10g} t CO2e)"
        rows.append(
            [
                f"Category {c}",
                names[c],
                _fmt(v),
                "" if u is None else f"±{100 * u.relative_95:.1f}%",
                note,
            ]
        )
    u = unc.get("total")
    rows.append(
        [
            "Total",
            "gross, location-based",
            _fmt(t["gross_co2e_t"]),
            "" if u is None else f"±{100 * u.relative_95:.1f}%",
            "",
        ]
    )
    rows.append(["Total", "gross, market-based", _fmt(t["gross_co2e_t_market_based"]), "", ""])
    rows.append(["Biogenic CO2", "reported apart (t CO2)", _fmt(t["biogenic_co2_t"]), "", ""])
    rows.append(["Removals", "reported apart", _fmt(t["removals_co2e_t"]), "", ""])
    _print_table(["", "", "t CO2e", "U95", "status"], rows, out)
    out.write("\n")
    _print_table(["", "by scope", "t CO2e", "U95"], _scope_rows(res), out)
    if res.uncertainty_method:
        extra = f", seed {res.seed}, {res.iterations} iterations" if res.seed is not None else ""
        out.write(f"\nuncertainty: {res.uncertainty_method}{extra}\n")
    warn = [f for f in res.findings if f.severity != "info"]
    n_info = len(res.findings) - len(warn)
    more = f" (and {n_info} informational, listed in the report)" if n_info else ""
    if warn:
        out.write(f"\n{len(warn)} warning(s){more}:\n")
        for f in warn:
            out.write(f"  - [{f.code}] {term_line(f.subject)}: {term_line(f.message)}\n")
    elif n_info:
        out.write(f"\n{n_info} informational finding(s), listed in the report\n")


def _scope_rows(res: object) -> list[list[str]]:
    """The scopes, named, and under Scope 3 each GHG Protocol category that has lines."""
    from .calc.result import Result
    from .pages.labels import SCOPE3_CATEGORY_NAMES, SCOPE_NAMES

    assert isinstance(res, Result)
    t = res.totals()
    unc = res.group_uncertainty

    def u95(group: str) -> str:
        u = unc.get(group)
        return "" if u is None else f"±{100 * u.relative_95:.1f}%"

    rows = []
    for key, (name, _zh) in SCOPE_NAMES.items():
        scope, _, basis = name.partition(": ")
        rows.append([scope, basis, _fmt(t["by_scope"][key]), u95(f"scope:{key}")])
    for key, value in t["by_scope3_category"].items():
        if res.group_masks[f"scope3:{key}"].any():
            label = "  unassigned" if key == "unassigned" else f"  category {key}"
            rows.append([label, SCOPE3_CATEGORY_NAMES[key][0], _fmt(value), u95(f"scope3:{key}")])
    return rows
