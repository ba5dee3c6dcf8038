r"""Build ``emission_factors/uk-desnz-2025.yaml`` from the publisher's flat-file workbook.

The UK Government GHG Conversion Factors for Company Reporting 2025 (DESNZ, published
10 June 2025, version 1) come as a "flat file" workbook, one factor per row, sheet
"Factors by Category". This script turns the rows listed in ``SECTIONS`` into an
nqi-carbon factor pack, byte for byte the same every time it is run on the same file.

The workbook is not kept in this repository: download it and pass its path::

    python emission_factors/_build/uk_desnz_2025.py \
        ghg-conversion-factors-2025-flat-format.xlsx \
        -o emission_factors/uk-desnz-2025.yaml

from https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025
("Conversion factors 2025: flat file (for automatic processing only)"). The script
refuses a file whose SHA-256 is not the one the pack was verified against (pass
``--any-file`` to build from another copy, e.g. a corrected version; then re-verify).

What is shipped, and how
------------------------
* The "kg CO2e" row of each factor (DESNZ's total), as a CO2e factor under IPCC AR5
  GWP-100: the workbook's own refrigerant rows give CH4 28, N2O 265, HFC-134a 1300,
  SF6 23500 (AR5), and the script refuses the file if they do not.
* The per-gas rows ("kg CO2e of CO2/CH4/N2O per unit") are checked to add up to the
  total within one unit of the fifth decimal, and are written into the factor's notes.
  They are not shipped as gas masses: CH4 and N2O masses would be the printed CO2e
  divided by 28 or 265, which is not exact.
* Units: tonnes -> t, litres -> L, kWh (Net CV) -> kWh with ``basis: NCV``, kWh (Gross
  CV) -> kWh with ``basis: GCV``, kWh -> kWh, km -> vkm (vehicle-km: DESNZ's "km" rows
  are per vehicle), passenger.km -> pkm, tonne.km -> tkm, cubic metres -> m3 (water).
* Hotel stays ("Room per night") -> room_night, one factor per country with a value,
  region the country's ISO 3166-1 code (UK and UK (London) both GB).
* Left out: "miles" rows (the same factors per km are shipped), natural gas per cubic
  metre and CNG / other petroleum gas per litre (gas volumes at DESNZ's reference
  conditions, which no unit of the registry expresses), homeworking (per FTE working hour), refrigerants (GWPs, in gwp-ipcc),
  bioenergy and outside-of-scopes rows, SECR kWh rows, electric-vehicle charging rows,
  managed assets, and every empty cell.

Nothing here is imported by nqi-carbon; it needs openpyxl (the ``excel`` extra).
"""

# ruff: noqa: E501  (the pack header below is YAML written as it is published)
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

PACK_ID = "uk-desnz-2025"
VERSION = "1.1.0"
ACCESSED = "2026-12-02"
SHA256 = "8bfdb45b81ec4a88e3bdf4584637330f62e6bd09ce1940e654c5d7b7f736de94"
SIZE = 505_634
SHEET = "Factors by Category"
HEADER = [
    "ID",
    "Scope",
    "Level 1",
    "Level 2",
    "Level 3",
    "Level 4",
    "Column Text",
    "UOM",
    "GHG/Unit",
    "GHG Conversion Factor 2025",
]

# Level 1 of the flat file -> (id prefix, region, units shipped). Region GLOBAL where the
# factor describes travel or shipping that is not UK-specific (flights, ferries, ships).
UNITS = {
    "tonnes": ("t", None),
    "litres": ("L", None),
    "kWh (Net CV)": ("kWh", "NCV"),
    "kWh (Gross CV)": ("kWh", "GCV"),
    "kWh": ("kWh", None),
    "km": ("vkm", None),
    "passenger.km": ("pkm", None),
    "tonne.km": ("tkm", None),
    "cubic metres": ("m3", None),
    "Room per night": ("room_night", None),
}
UNIT_KEY = {
    "tonnes": "t",
    "litres": "litre",
    "kWh (Net CV)": "kwh-net",
    "kWh (Gross CV)": "kwh-gross",
    "kWh": "kwh",
    "km": "vkm",
    "passenger.km": "pkm",
    "tonne.km": "tkm",
    "cubic metres": "m3",
    "Room per night": "room-night",
}
FUEL_UNITS = {"tonnes", "litres", "kWh (Net CV)", "kWh (Gross CV)"}
SECTIONS: dict[str, tuple[str, set[str]]] = {
    "Fuels": ("fuels", FUEL_UNITS),
    "WTT- fuels": ("wtt-fuels", FUEL_UNITS),
    "UK electricity": ("uk-electricity", {"kWh"}),
    "Transmission and distribution": ("transmission-distribution", {"kWh"}),
    "WTT- UK electricity": ("wtt-uk-electricity", {"kWh"}),
    "Heat and steam": ("heat-steam", {"kWh"}),
    "WTT- heat and steam": ("wtt-heat-steam", {"kWh"}),
    "Passenger vehicles": ("passenger-vehicles", {"km"}),
    "Delivery vehicles": ("delivery-vehicles", {"km"}),
    "Business travel- land": ("business-travel-land", {"km", "passenger.km"}),
    "WTT- pass vehs & travel- land": ("wtt-travel-land", {"km", "passenger.km"}),
    "Business travel- air": ("business-travel-air", {"passenger.km"}),
    "WTT- business travel- air": ("wtt-business-travel-air", {"passenger.km"}),
    "Business travel- sea": ("business-travel-sea", {"passenger.km"}),
    "WTT- business travel- sea": ("wtt-business-travel-sea", {"passenger.km"}),
    "Freighting goods": ("freighting-goods", {"km", "tonne.km"}),
    "WTT- delivery vehs & freight": ("wtt-freighting-goods", {"km", "tonne.km"}),
    "Waste disposal": ("waste-disposal", {"tonnes"}),
    "Material use": ("material-use", {"tonnes"}),
    "Water supply": ("water-supply", {"cubic metres"}),
    "Water treatment": ("water-treatment", {"cubic metres"}),
    "Hotel stay": ("hotel-stay", {"Room per night"}),
}
# Hotel stays are per country (Level 3): the ISO 3166-1 alpha-2 code of each country with a
# value in the 2025 workbook; a country with a value but no code here stops the build.
HOTEL_REGION = {
    "UK": "GB", "UK (London)": "GB", "Australia": "AU", "Belgium": "BE", "Brazil": "BR",
    "Canada": "CA", "Chile": "CL", "China": "CN", "Colombia": "CO", "Costa Rica": "CR",
    "Egypt": "EG", "France": "FR", "Germany": "DE", "Hong Kong, China": "HK", "India": "IN",
    "Indonesia": "ID", "Italy": "IT", "Japan": "JP", "Jordan": "JO", "Korea": "KR",
    "Malaysia": "MY", "Maldives": "MV", "Mexico": "MX", "Netherlands": "NL", "Oman": "OM",
    "Philippines": "PH", "Portugal": "PT", "Qatar": "QA", "Russian Federation": "RU",
    "Saudi Arabia": "SA", "Singapore": "SG", "South Africa": "ZA", "Spain": "ES",
    "Switzerland": "CH", "Thailand": "TH", "Turkey": "TR", "United Arab Emirates": "AE",
    "United States": "US", "Vietnam": "VN",
}  # fmt: skip
# gas volumes at reference conditions: no registry unit says "at DESNZ's conditions"
SKIP = {("CNG", "litres"), ("Other petroleum gas", "litres")}
GLOBAL_L2 = {
    "Flights",
    "WTT- flights",
    "Ferry",
    "WTT- ferry",
    "Freight flights",
    "WTT- freight flights",
    "Sea tanker",
    "WTT- sea tanker",
    "Cargo ship",
    "WTT- cargo ship",
}
PER_GAS = {
    "kg CO2e of CO2 per unit": "CO2",
    "kg CO2e of CH4 per unit": "CH4",
    "kg CO2e of N2O per unit": "N2O",
}
# IPCC AR5 GWP-100 as printed in the workbook's refrigerant rows (Kyoto protocol products)
AR5_CHECK = {
    "Methane": 28,
    "Nitrous oxide": 265,
    "HFC-134a": 1300,
    "Sulphur hexafluoride (SF6)": 23500,
}

HEAD_TEMPLATE = """\
# Generated by emission_factors/_build/uk_desnz_2025.py from the publisher's workbook
# ghg-conversion-factors-2025-flat-format.xlsx, SHA-256 {sha}
# Do not edit by hand: change the script and re-run it.
schema: nqi-carbon/factor-pack@1
id: {pack_id}
title: "UK Government GHG Conversion Factors for Company Reporting 2025 (DESNZ): fuels, UK electricity and T&D, heat and steam, well-to-tank, vehicles, business travel, freighting goods, material use, waste disposal, water (kg CO2e, AR5)"
version: {version}
publisher: "UK Department for Energy Security and Net Zero (DESNZ), with the Department for Environment, Food & Rural Affairs (Defra); factors produced by Ricardo Energy & Environment and Aether Ltd for DESNZ"
licence: >-
  Open Government Licence v3.0 (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/):
  Crown copyright 2025. The GOV.UK publication page states that its content is available under the Open Government
  Licence v3.0 except where otherwise stated; nothing in the flat-file workbook states otherwise. Contains public
  sector information licensed under the Open Government Licence v3.0. The values are reproduced here, converted
  into nqi-carbon's pack format as described in the verification; the workbook itself is not redistributed. The
  workbook notes that the factors' usage is at the users' own risk.

verification: |
  Built {accessed} by emission_factors/_build/uk_desnz_2025.py from the publisher's flat-file workbook
  ghg-conversion-factors-2025-flat-format.xlsx ({size} bytes, SHA-256 {sha}; front page: "Status: Final",
  "Version: 1", "Updated: 2025-06-10", "Year: 2025", "Next publication date: June 2026"; sheet "{sheet}",
  {n_rows} factor rows). No live web access: the workbook was not downloaded from assets.publishing.service.gov.uk
  here. The copy read is the one committed to the public GitHub repository Olorunnisola01/circuopt
  (data/ghg-conversion-factors-2025-flat-format.xlsx). Two further public repositories, found by content search of
  stored GitHub files, record for the workbook they downloaded from GOV.UK the same byte size (505,634) and the
  same SHA-256 (8BFDB45B...36DE94); a third records the 2025 natural-gas factors 0.18296 (Gross CV) and 0.20270
  (Net CV) and the UK electricity factor 0.17700, which this pack also carries. The bytes read are therefore
  taken to be the publisher's file; the script refuses any other file unless told otherwise.

  Checks made by the script (a failure stops the build):
  - The sheet's header row is the publisher's ten columns (ID ... GHG Conversion Factor 2025), IDs are unique,
    and the front page says Final / Version 1 / Year 2025.
  - GWP set: the workbook's own refrigerant rows ("Refrigerant & other", "Kyoto protocol products", total
    emissions) give CH4 28, N2O 265, HFC-134a 1300 and SF6 23500 kg CO2e/kg: IPCC AR5 GWP-100. Every factor is
    therefore shipped as CO2e with gwp_set AR5. (The 2025 methodology paper was not opened here.)
  - Sum of the parts: for every shipped factor that has per-gas rows, kg CO2e = (kg CO2e of CO2) + (of CH4) +
    (of N2O) within 0.000011 (one unit of the fifth decimal, the publisher's rounding): {n_per_gas} factors hold,
    the largest difference being {max_diff}. The per-gas parts are given in each factor's notes.
  - Values are written exactly as stored in the workbook cells (no rounding, no unit conversion); the DESNZ ID of
    each row is given in the factor's notes.

  Units and basis: tonnes -> t (metric tonne), litres -> L, kWh (Gross CV) -> kWh with basis GCV, kWh (Net CV)
  -> kWh with basis NCV (electricity and heat per kWh carry no basis), km -> vkm (DESNZ's per-km factors for cars,
  vans, HGVs and taxis are per vehicle-km; the registry keeps vehicle-km apart from passenger-km), passenger.km
  -> pkm, tonne.km -> tkm, cubic metres -> m3 (water only), Room per night -> room_night (hotel stays, added in
  1.1.0: one factor per country the workbook gives a value for, region the country's ISO 3166-1 alpha-2 code;
  UK and UK (London) are both GB and told apart by id and name; the 16 countries whose cell is empty are absent).

  Left out, and why: "miles" rows (same factors per km are shipped); natural gas per cubic metre and CNG and
  other petroleum gas per litre (volumes of gas at DESNZ's reference conditions: writing them as m3 or L would let
  an actual volume pass for a standard one, as for Nm3 and scf elsewhere); homeworking (per FTE working hour: no unit); refrigerant GWPs
  (the gwp-ipcc pack carries AR5); bioenergy and "outside of scopes" (biogenic CO2) rows; SECR kWh rows (energy
  conversions, not emission factors); UK electricity for EVs and its T&D; managed assets; empty cells.

  Regions: GB (ISO 3166-1 code of the United Kingdom) for UK averages (fuels, UK electricity, heat, vehicles,
  UK rail and bus, water, waste, materials); GLOBAL for flights, ferries, freight flights and ships, whose factors
  DESNZ publishes for international travel and transport; the country of each hotel stay. Validity: the 2025
  reporting year (DESNZ publishes a new set each year; the next in June 2026). No uncertainty is published with the factors; none is shipped.

references:
  - id: desnz-2025-flat
    document: "UK Government GHG Conversion Factors for Company Reporting 2025, flat file (Department for Energy Security and Net Zero, version 1, final, updated 10 June 2025)"
    table: "ghg-conversion-factors-2025-flat-format.xlsx, sheet 'Factors by Category', column 'GHG Conversion Factor 2025', row given by the DESNZ ID in the factor's notes (GHG/Unit 'kg CO2e')"
    url: https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025
    accessed: {accessed}
    note: "Workbook URL: https://assets.publishing.service.gov.uk/media/6846b6ea57f3515d9611f0dd/ghg-conversion-factors-2025-flat-format.xlsx (not opened here; the bytes read have SHA-256 {sha}). Methodology paper: https://assets.publishing.service.gov.uk/media/6846b0870392ed9b784c0187/2025-GHG-CF-methodology-paper.pdf (not opened here)."

factors:
"""

FACTOR_TEMPLATE = """\
  - id: {id}
    name: {name}
    activity_unit: {unit}
{basis}    co2e: {{value: {value}, unit: kg/{unit}, gwp_set: AR5}}
    reference: desnz-2025-flat
    region: {region}
    valid: {{from: 2025, to: 2025}}
    notes: {notes}
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slug(text: str) -> str:
    """Lower-case ``text`` with runs of other characters made one ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def number_text(value: Any) -> str:
    """The cell value as written in the pack: ints as ints, floats by shortest repr."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SystemExit(f"not a number: {value!r}")
    if isinstance(value, float) and not value == value:  # NaN
        raise SystemExit("NaN in the workbook")
    # shortest round-trip digits, never in exponent form (9e-05 is written 0.00009)
    return format(Decimal(repr(value)), "f")


def read_workbook(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the front-page fields and the factor rows of the flat file."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    front: dict[str, Any] = {}
    for row in wb["Front page"].iter_rows(values_only=True):
        cells = [c for c in row if c is not None]
        for key, value in zip(cells[::2], cells[1::2], strict=False):
            if isinstance(key, str):
                front.setdefault(key.strip().rstrip(":").strip(), value)
    rows: list[dict[str, Any]] = []
    header_seen = False
    for row in wb[SHEET].iter_rows(values_only=True):
        values = list(row[: len(HEADER)])
        if not header_seen:
            if values == HEADER:
                header_seen = True
            continue
        if values[0] is None:
            continue
        rows.append(dict(zip(HEADER, values, strict=False)))
    wb.close()
    if not header_seen:
        raise SystemExit(f"sheet {SHEET!r} has no header row {HEADER}")
    return front, rows


def check(front: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Refuse a workbook that is not the 2025 final flat file with AR5 GWPs."""
    if (front.get("Status"), front.get("Version"), front.get("Year")) != ("Final", 1, 2025):
        raise SystemExit(f"front page is not Final / 1 / 2025: {front}")
    ids = [r["ID"] for r in rows]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate IDs in the flat file")
    for gas, gwp in AR5_CHECK.items():
        found = [
            r["GHG Conversion Factor 2025"]
            for r in rows
            if r["Level 1"] == "Refrigerant & other"
            and r["Level 3"] == gas
            and r["Column Text"] == "Total emissions including non-Kyoto products"
        ]
        if found != [gwp]:
            raise SystemExit(f"GWP of {gas} in the workbook is {found}, expected AR5 {gwp}")


def select(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return the shipped total rows and, by base ID, their per-gas parts."""
    parts: dict[str, dict[str, Any]] = {}
    chosen = []
    for r in rows:
        base = str(r["ID"]).rsplit("_", 1)[0]
        if r["GHG/Unit"] in PER_GAS:
            parts.setdefault(base, {})[PER_GAS[r["GHG/Unit"]]] = r["GHG Conversion Factor 2025"]
            continue
        if r["GHG/Unit"] != "kg CO2e" or r["Level 1"] not in SECTIONS:
            continue
        if r["UOM"] not in SECTIONS[r["Level 1"]][1] or (r["Level 3"], r["UOM"]) in SKIP:
            continue
        if r["GHG Conversion Factor 2025"] is None:
            continue
        chosen.append(r)
    return chosen, parts


def factor_id(r: dict[str, Any]) -> str:
    """``<section>/<levels...>/<unit>``, levels slugged, repeated or unit-like levels dropped."""
    prefix = SECTIONS[r["Level 1"]][0]
    levels = [r["Level 2"], r["Level 3"], r["Level 4"], r["Column Text"]]
    if prefix in ("fuels", "wtt-fuels"):
        levels = levels[1:]  # Gaseous / Liquid / Solid fuels: the fuel name is unique
    out: list[str] = []
    for level in levels:
        if level is None or str(level).strip() in ("", r["UOM"], r["Level 1"]):
            continue
        s = slug(str(level))
        if s and s not in out:
            out.append(s)
    return "/".join([prefix, *out, UNIT_KEY[r["UOM"]]])


def region_of(r: dict[str, Any]) -> str:
    """GLOBAL for international travel and shipping, the country of a hotel stay, else GB."""
    if r["Level 1"] == "Hotel stay":
        if r["Level 3"] not in HOTEL_REGION:
            raise SystemExit(f"{r['ID']}: no ISO 3166-1 code for hotel country {r['Level 3']!r}")
        return HOTEL_REGION[r["Level 3"]]
    return "GLOBAL" if r["Level 2"] in GLOBAL_L2 else "GB"


def render(rows: list[dict[str, Any]], *, sha: str, size: int) -> str:
    """Return the pack text for the flat-file rows."""
    chosen, parts = select(rows)
    out: list[str] = []
    seen: dict[str, str] = {}
    n_per_gas = 0
    max_diff = 0.0
    body: list[str] = []
    for r in chosen:
        fid = factor_id(r)
        if fid in seen:
            raise SystemExit(f"factor id {fid!r} made twice ({seen[fid]} and {r['ID']})")
        seen[fid] = str(r["ID"])
        total = r["GHG Conversion Factor 2025"]
        base = str(r["ID"]).rsplit("_", 1)[0]
        gas = parts.get(base, {})
        note = f"DESNZ ID {r['ID']}; {r['Scope']}; {r['Level 1']}."
        if set(gas) == {"CO2", "CH4", "N2O"} and None not in gas.values():
            diff = abs(gas["CO2"] + gas["CH4"] + gas["N2O"] - total)
            if diff > 0.000011:
                raise SystemExit(f"{r['ID']}: per-gas parts {gas} do not add up to {total}")
            n_per_gas += 1
            max_diff = max(max_diff, diff)
            note += (
                f" Of which kg CO2e (AR5) of CO2 {number_text(gas['CO2'])}, of CH4 "
                f"{number_text(gas['CH4'])}, of N2O {number_text(gas['N2O'])}."
            )
        unit, basis = UNITS[r["UOM"]]
        levels = [
            str(x).strip()
            for x in (r["Level 2"], r["Level 3"], r["Level 4"], r["Column Text"])
            if x
        ]
        name = f"{r['Level 1']}: {', '.join(levels)}, per {r['UOM']}"
        body.append(
            FACTOR_TEMPLATE.format(
                id=fid,
                name=json.dumps(name, ensure_ascii=False),
                unit=unit,
                basis=f"    basis: {basis}\n" if basis else "",
                value=number_text(total),
                region=region_of(r),
                notes=json.dumps(note, ensure_ascii=False),
            )
        )
    out.append(
        HEAD_TEMPLATE.format(
            pack_id=PACK_ID,
            version=VERSION,
            accessed=ACCESSED,
            sha=sha,
            size=f"{size:,}",
            sheet=SHEET,
            n_rows=f"{len(rows):,}",
            n_per_gas=f"{n_per_gas:,}",
            max_diff=f"{max_diff:.6f}",
        )
    )
    out.extend(body)
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("xlsx", type=Path, help="ghg-conversion-factors-2025-flat-format.xlsx")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument(
        "--any-file", action="store_true", help="build from a file with another SHA-256"
    )
    args = parser.parse_args(argv)
    sha = _sha256(args.xlsx)
    if sha != SHA256 and not args.any_file:
        raise SystemExit(f"{args.xlsx}: SHA-256 {sha} is not the verified workbook's {SHA256}")
    front, rows = read_workbook(args.xlsx)
    check(front, rows)
    text = render(rows, sha=sha, size=args.xlsx.stat().st_size)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    n = text.split("\nfactors:\n", 1)[1].count("  - id: ")
    print(f"wrote {n} factors to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
