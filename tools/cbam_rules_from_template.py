"""Regenerate the goods tables of ``src/nqi_carbon/cbam/cbam_rules.yaml`` from the EU template.

How the CBAM rules file was made (STYLE.md 8). The aggregated goods categories (unit,
production routes, relevant precursors) and the CN codes with their category come from
the hidden sheets of the European Commission's "CBAM Communication template for
installations", version 2.1.1 of 2024-12-13 (file
``CBAM Communication template for installations_en_20241213.xlsx``):

- ``Parameters_Constants`` rows 89-106, columns A (good), B (unit), G-P (routes),
  R-AA (relevant precursors); rows 110-127, columns B-I (qualifying parameters);
- ``Parameters_CNCodes`` rows 4-572, columns B (CN code), E (aggregated good), H (name).

Usage::

    python tools/cbam_rules_from_template.py TEMPLATE.xlsx > /tmp/goods.yaml

then paste the ``categories`` routes/precursors and the ``cn_codes`` block into the
rules file (the regulation flags there - Annex II, sector - are written by hand from
Regulation (EU) 2023/956 and are not in this output).
"""

from __future__ import annotations

import sys
import warnings

import yaml


def main(path: str) -> None:
    import openpyxl

    warnings.simplefilter("ignore")  # the template's conditional-format extensions
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    pc = wb["Parameters_Constants"]
    goods = []
    for row in pc.iter_rows(min_row=89, max_row=106, values_only=True):
        name, unit = str(row[0]).strip(), row[1]
        routes = [str(v) for v in row[6:16] if v not in (None, "n.a.")]
        precursors = [str(v).strip() for v in row[17:27] if v not in (None, "n.a.")]
        goods.append(
            {"name": name, "unit": unit, "routes": routes, "precursors": precursors}
        )
    for good, row in zip(
        goods, pc.iter_rows(min_row=110, max_row=127, values_only=True), strict=True
    ):
        assert str(row[0]).strip() == good["name"]
        good["parameters"] = [str(v) for v in row[1:9] if v not in (None, "n.a.")]
    cn = wb["Parameters_CNCodes"]
    codes = [
        {"code": str(r[3]), "category": str(r[4]).strip(), "name": str(r[7])}
        for r in cn.iter_rows(min_row=4, max_row=572, values_only=True)
        if r[3] is not None
    ]
    yaml.safe_dump(
        {"categories": goods, "cn_codes": codes},
        sys.stdout,
        allow_unicode=True,
        sort_keys=False,
        width=200,
    )


if __name__ == "__main__":
    main(sys.argv[1])
