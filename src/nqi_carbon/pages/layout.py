"""The page layout shared by every HTML page."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass

_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.88em} td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}
th{background:#f3f3f3;text-align:left} th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
table.facts th{font-weight:normal;color:#555}
.zh{color:#666;font-size:.9em} .kpi{display:flex;gap:1em;flex-wrap:wrap} .kpi div{border:1px solid #ddd;padding:.6em 1em;border-radius:6px}
.kpi b{display:block;font-size:1.3em} tr.missing td{background:#fde8e8} tr.present td:nth-child(3){color:#1a7f37}
tr.not_applicable td{color:#777} footer{margin-top:2em;color:#777;font-size:.8em} p.note{color:#555;font-size:.88em;max-width:60em}
.scroll{overflow-x:auto} table.checklist{width:100%} table.checklist td:nth-child(2){min-width:16em}
.opinion{font-size:1.1em;padding:.6em 1em;border-radius:6px;border:1px solid #ddd;display:inline-block}
.opinion.unmodified{background:#e6f4ea} .opinion.modified{background:#fff4e0} .opinion.adverse{background:#fde8e8}
tr.fail td{background:#fde8e8} tr.warning td:first-child{color:#9a6700} tr.error td:first-child{color:#b42318}
tr.due td{background:#fff4e0}"""


"""Inline style sheet of the HTML reports (inventory and verification): no external reference."""
