r"""Build ``emission_factors/fuel-properties.yaml``: densities, gross/net calorific ratios and
US heat contents that let billed amounts (litres, gallons, kWh on a gross basis, scf) reach
an emission factor's basis.

Two publishers, each the factor publisher of the factors the values serve:

* **UK DESNZ 2025** (the ``uk-desnz-2025`` pack's own source). DESNZ publishes, for every
  liquid and gaseous fuel, factors per tonne, per litre and per kWh on a net and on a gross
  calorific basis, all computed from one set of fuel properties (the "Fuel properties"
  sheet of the full workbook). The ratios of its own published factors therefore return
  those properties:

  - density [kg/L] = (kg CO2e per litre) / (kg CO2e per tonne) x 1000;
  - NCV/GCV [1] = (kg CO2e per kWh, Gross CV) / (kg CO2e per kWh, Net CV)
    (the same fuel burned gives the same CO2e, so the factor per gross kWh is smaller
    in the ratio of the net to the gross calorific value).

  The factors are read from ``emission_factors/uk-desnz-2025.yaml`` (built from the
  publisher's workbook, SHA-256 8bfdb45b...de94). Their rounding (five decimals) limits
  the density to about +-0.001 % and the ratio to about +-0.005 %; the values are written
  to four decimals. The script refuses to run if any derived ratio lies outside 0.85..1
  or any density outside 0.4..1.1 kg/L.

* **US EPA, 40 CFR Part 98 Table C-1** (the source of the GHG Emission Factors Hub Table 1
  that the ``epa-ghg-hub`` pack carries): default high heat values per US gallon, per
  standard cubic foot and per short ton, printed there and quoted in that pack's notes.
  This script checks each against the note of the factor it serves (so the two packs
  cannot disagree) and that the Hub's per-short-ton coal factors equal HHV x the per-mmBtu
  factor as printed.

Run from the repository root::

    python emission_factors/_build/fuel_properties.py > emission_factors/fuel-properties.yaml

It needs PyYAML (a runtime dependency of nqi-carbon); nothing here is imported by
nqi-carbon.
"""

# ruff: noqa: E501  (the pack header below is YAML written as it is published)
from __future__ import annotations

import re
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACK_ID = "fuel-properties"
VERSION = "1.0.0"
ACCESSED = "2026-12-03"

# (entry id, name, DESNZ factor stem, applies_to, notes)
DESNZ_FUELS: list[tuple[str, str, str, tuple[str, ...], str]] = [
    (
        "natural_gas",
        "Natural gas (UK grid gas)",
        "natural_gas",
        ("ipcc-2006/fuel/natural_gas", "epa-ghg-hub/stationary/natural_gas"),
        "NCV/GCV of natural gas: a gas bill in kWh on a gross basis (as European utilities bill: Brennwert, Hs) times "
        "this ratio is the energy on a net basis (Heizwert, Hi) that IPCC factors are per. DESNZ publishes no density "
        "of natural gas per Nm3: none is given.",
    ),
    (
        "lpg",
        "LPG (liquefied petroleum gas)",
        "lpg",
        ("ipcc-2006/fuel/lpg",),
        "Liquid density (LPG as delivered in litres).",
    ),
    ("propane", "Propane (liquid)", "propane", (), "Liquid density."),
    ("butane", "Butane (liquid)", "butane", (), "Liquid density."),
    (
        "petrol_mineral",
        "Petrol / motor gasoline (100 % mineral petrol)",
        "petrol_100_mineral_petrol",
        ("ipcc-2006/fuel/motor_gasoline",),
        "Petrol without bioethanol, the fuel IPCC's Motor Gasoline factors describe.",
    ),
    (
        "petrol_biofuel_blend",
        "Petrol (average biofuel blend sold in the UK)",
        "petrol_average_biofuel_blend",
        (),
        "Forecourt petrol with its average bioethanol share (E5/E10).",
    ),
    (
        "diesel_mineral",
        "Diesel (100 % mineral diesel)",
        "diesel_100_mineral_diesel",
        ("ipcc-2006/fuel/gas_diesel_oil", "ipcc-2006/mobile-road/gas_diesel_oil"),
        "Road diesel without biodiesel, the fuel IPCC's Gas/Diesel Oil road factor describes. IPCC's Gas/Diesel Oil "
        "also covers heating gas oil (see gas_oil), so for stationary factors of that fuel a source states which.",
    ),
    (
        "diesel_biofuel_blend",
        "Diesel (average biofuel blend sold in the UK)",
        "diesel_average_biofuel_blend",
        ("ipcc-2006/fuel/gas_diesel_oil",),
        "Forecourt diesel with its average biodiesel share (B7).",
    ),
    (
        "gas_oil",
        "Gas oil (heating oil EL / red diesel / US heating oil No. 2)",
        "gas_oil",
        ("ipcc-2006/fuel/gas_diesel_oil", "epa-ghg-hub/stationary/distillate_fuel_oil_no_2"),
        "Heating gas oil. In Germany extra-light heating oil (Heizoel EL), in the US distillate heating oil; in the UK "
        "'heating oil' usually means burning oil (kerosene), a different fuel.",
    ),
    (
        "burning_oil",
        "Burning oil (kerosene for heating)",
        "burning_oil",
        ("ipcc-2006/fuel/other_kerosene", "epa-ghg-hub/stationary/kerosene"),
        "Kerosene burned for heat (UK domestic heating oil, 28-second oil).",
    ),
    (
        "aviation_turbine_fuel",
        "Aviation turbine fuel (jet kerosene)",
        "aviation_turbine_fuel",
        ("ipcc-2006/fuel/jet_kerosene",),
        "Jet A-1.",
    ),
    (
        "aviation_spirit",
        "Aviation spirit (aviation gasoline)",
        "aviation_spirit",
        ("ipcc-2006/fuel/aviation_gasoline",),
        "Avgas.",
    ),
    (
        "fuel_oil",
        "Fuel oil (residual fuel oil)",
        "fuel_oil",
        ("ipcc-2006/fuel/residual_fuel_oil", "epa-ghg-hub/stationary/residual_fuel_oil_no_6"),
        "Heavy (residual) fuel oil.",
    ),
]

# (entry id, name, EPA factor served, HHV, unit, the unit as the EPA pack's note writes it)
EPA_FUELS: list[tuple[str, str, str, str, str, str]] = [
    ("us_distillate_fuel_oil_no_2", "Distillate fuel oil No. 2 (US)", "stationary/distillate_fuel_oil_no_2", "0.138", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_residual_fuel_oil_no_6", "Residual fuel oil No. 6 (US)", "stationary/residual_fuel_oil_no_6", "0.150", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_kerosene", "Kerosene (US)", "stationary/kerosene", "0.135", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_lpg", "Liquefied petroleum gases (US)", "stationary/lpg", "0.092", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_propane", "Propane, liquid (US)", "stationary/propane", "0.091", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_motor_gasoline", "Motor gasoline (US)", "stationary/motor_gasoline", "0.125", "MMBtu/gal_US", "mmBtu/gallon"),
    ("us_natural_gas", "Natural gas (US weighted average)", "stationary/natural_gas", "0.001026", "MMBtu/scf", "mmBtu/scf"),
    ("us_propane_gas", "Propane gas (US)", "stationary/propane_gas", "0.002516", "MMBtu/scf", "mmBtu/scf"),
    ("us_anthracite", "Anthracite coal (US)", "stationary/anthracite", "25.09", "MMBtu/short_ton", "mmBtu/short ton"),
    ("us_bituminous", "Bituminous coal (US)", "stationary/bituminous", "24.93", "MMBtu/short_ton", "mmBtu/short ton"),
    ("us_sub_bituminous", "Sub-bituminous coal (US)", "stationary/sub_bituminous", "17.25", "MMBtu/short_ton", "mmBtu/short ton"),
    ("us_lignite", "Lignite (US)", "stationary/lignite", "14.21", "MMBtu/short_ton", "mmBtu/short ton"),
]

FOUR = Decimal("0.0001")


def _factors(pack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in pack["factors"]}


def _desnz_id(factor: dict[str, Any]) -> str:
    m = re.match(r"DESNZ ID (\S+);", factor["notes"])
    assert m, factor["id"]
    return m.group(1)


def desnz_entry(facs: dict[str, dict[str, Any]], spec: tuple[str, str, str, tuple[str, ...], str]) -> dict[str, Any]:
    """One fuel entry from the DESNZ factors of *spec*: density and NCV/GCV, each with its derivation."""
    fid, name, stem, applies, notes = spec
    out: dict[str, Any] = {"id": fid, "name": name}
    per = {k: facs.get(f"fuels/{stem}/{k}") for k in ("t", "litre", "kwh-net", "kwh-gross")}
    if per["t"] and per["litre"]:
        t, litre = per["t"], per["litre"]
        dens = Decimal(str(litre["co2e"]["value"])) / Decimal(str(t["co2e"]["value"])) * 1000
        if not Decimal("0.4") <= dens <= Decimal("1.1"):
            sys.exit(f"{fid}: density {dens} kg/L is not plausible")
        out["density"] = {
            "value": float(dens.quantize(FOUR, ROUND_HALF_EVEN)),
            "unit": "kg/L",
            "reference": "desnz-2025-flat",
            "notes": (
                f"= {litre['co2e']['value']} kg CO2e/L (DESNZ ID {_desnz_id(litre)}) / {t['co2e']['value']} kg CO2e/t "
                f"(ID {_desnz_id(t)}) x 1000 = {dens:.6f} kg/L, written to four decimals. At DESNZ's reference "
                "temperature for liquid fuel volumes."
            ),
        }
    net, gross = per["kwh-net"], per["kwh-gross"]
    assert net and gross, fid
    ratio = Decimal(str(gross["co2e"]["value"])) / Decimal(str(net["co2e"]["value"]))
    if not Decimal("0.85") <= ratio <= 1:
        sys.exit(f"{fid}: NCV/GCV {ratio} is not plausible")
    out["ncv_per_gcv"] = {
        "value": float(ratio.quantize(FOUR, ROUND_HALF_EVEN)),
        "unit": "1",
        "reference": "desnz-2025-flat",
        "notes": (
            f"= {gross['co2e']['value']} kg CO2e/kWh Gross CV (DESNZ ID {_desnz_id(gross)}) / {net['co2e']['value']} "
            f"kg CO2e/kWh Net CV (ID {_desnz_id(net)}) = {ratio:.6f}, written to four decimals."
        ),
    }
    if applies:
        out["applies_to"] = list(applies)
    out["notes"] = notes
    return out


def epa_entry(epa: dict[str, dict[str, Any]], spec: tuple[str, str, str, str, str, str]) -> dict[str, Any]:
    """One fuel entry with the Table C-1 high heat value, checked against the EPA pack's note."""
    fid, name, factor_id, hhv, unit, note_unit = spec
    factor = epa[factor_id]
    wanted = f"HHV {hhv} {note_unit}"
    printed_sci = {"0.001026": "0.001026", "0.002516": "0.002516"}.get(hhv, hhv)
    if f"{printed_sci} {note_unit}" not in factor["notes"]:
        sys.exit(f"{fid}: the epa-ghg-hub note of {factor_id} does not state {wanted}")
    return {
        "id": fid,
        "name": name,
        "gcv": {
            "value": float(hhv),
            "unit": unit,
            "reference": "cfr98-c1",
            "notes": f"Table C-1 default high heat value, {hhv} {note_unit}; the same figure is quoted in the note of epa-ghg-hub/{factor_id}.",
        },
        "applies_to": [f"epa-ghg-hub/{factor_id}"],
        "notes": "High heat value (gross calorific value) per unit as purchased, for the EPA factor it serves.",
    }


def check_coal(epa: dict[str, dict[str, Any]]) -> None:
    """The Hub's per-short-ton coal factors equal HHV x per-mmBtu factor, rounded as printed."""
    for fid, _, factor_id, hhv, unit, _ in EPA_FUELS:
        if unit != "MMBtu/short_ton":
            continue
        per_mmbtu, per_ton = epa[factor_id]["gases"], epa[f"{factor_id}-per-short_ton"]["gases"]
        for gas in ("CO2", "CH4", "N2O"):
            got = round(Decimal(hhv) * Decimal(str(per_mmbtu[gas]["value"])))
            if got != Decimal(str(per_ton[gas]["value"])):
                sys.exit(f"{fid}: {hhv} x {per_mmbtu[gas]['value']} = {got}, printed {per_ton[gas]['value']}")


HEADER = f"""# Generated by emission_factors/_build/fuel_properties.py from the bundled uk-desnz-2025 and
# epa-ghg-hub packs (see that script). Do not edit by hand: change the script and re-run it.
schema: nqi-carbon/factor-pack@1
id: {PACK_ID}
title: "Fuel properties for billed units: densities and net/gross calorific ratios (UK DESNZ 2025), US heat contents (40 CFR 98 Table C-1)"
version: {VERSION}
publisher: "UK Department for Energy Security and Net Zero (DESNZ) (densities, NCV/GCV); U.S. Environmental Protection Agency, 40 CFR Part 98 Subpart C (heat contents)"
licence: >-
  DESNZ values: Open Government Licence v3.0, Crown copyright 2025 (as for the uk-desnz-2025 pack, from whose
  published factors they are derived). EPA values: US government work, public domain (17 U.S.C. 105). This is a
  good-faith reading, not legal advice.

verification: |
  Built {ACCESSED} by emission_factors/_build/fuel_properties.py. No live web access: the publishers' files were not
  downloaded here.

  DESNZ (densities and NCV/GCV). DESNZ computes its factors per litre, per tonne and per kWh (Net CV, Gross CV) of a
  fuel from one set of fuel properties (the "Fuel properties" sheet of the full-set workbook, which was not opened
  here). The script recovers them from the factors DESNZ prints in the 2025 flat file (read from the uk-desnz-2025
  pack, itself built from the publisher's workbook, SHA-256 8bfdb45b81ec4a88e3bdf4584637330f62e6bd09ce1940e654c5d7b7f736de94):
  density = factor per litre / factor per tonne; NCV/GCV = factor per gross kWh / factor per net kWh. Each entry's
  notes give both factors, their DESNZ IDs and the unrounded quotient. The factors' five-decimal rounding limits the
  derived densities to about 0.001 % and the ratios to about 0.005 %; values are written to four decimals.
  Confirmed against printed figures (search of stored public sources):
  - A research record of another project quotes the DESNZ 2026 full set, sheet "Fuel properties", column "Density
    kg/m3": LPG 529.749, propane 514.933 kg/m3. The 2025 factors give 0.5298 and 0.5149 kg/L (529.751 and 514.933
    kg/m3 unrounded): the same to the factors' rounding.
  - The same record quotes the 2026 sheet's natural gas Net CV 44.695 and Gross CV 49.521 GJ/t, a ratio of 0.9025;
    the 2025 factors give 0.9026.
  - IPCC 2006 Vol. 2 Ch. 1 section 1.4.1.2 (p. 1.16), as quoted verbatim in that record: "for coal and oil, the NCV is
    about 5 percent less than the GCV. For most forms of natural and manufactured gas, the NCV is about 10 percent
    less"; the notes under Ch. 2 Tables 2.6-2.8 state the same as the OECD/IEA conversion assumption. Every DESNZ
    ratio here agrees: 0.94-0.95 for the oils, 0.9026 for natural gas; LPG (0.9313), propane and butane lie between.
  - The JEC Well-to-Tank report v5 (JRC, 2020), Annexes 4.1, as quoted in the same record: diesel 832, gasoline 743,
    HFO 970 kg/m3. DESNZ: diesel 830.7 (mineral) / 832.5 (blend), petrol 741.8 / 746.2, fuel oil 983.3: within 1.4 %.
  - The DESNZ per-litre factors used (diesel 2.57082 and 2.66155, gas oil 2.75541 kg CO2e/L) are also quoted by an
    independent methodology page (greencalculus.com, diesel combustion).

  EPA (heat contents). The high heat values per US gallon, per scf and per short ton are the defaults of 40 CFR
  Part 98 Subpart C Table C-1, as the epa-ghg-hub pack (1.0.2) quotes them in the notes of the factors they serve
  (distillate No. 2 0.138 mmBtu/gallon also read in the 2025 Hub workbook, cell D55); the script refuses to build if
  a note says otherwise. Cross-checks: the Hub's Table 2 mobile factors equal HHV x Table C-1 CO2 factor (0.138 x
  73.96 = 10.206 -> 10.21 kg CO2/gallon diesel; 0.125 x 70.22 = 8.778 -> 8.78 gasoline); the per-short-ton coal
  factors equal HHV x the per-mmBtu factors rounded as printed (all 12 values; checked by the script).

  What each value applies to ('applies_to'): a factor or fuel of another pack whose activity the value may convert
  when the source names no fuel properties of its own. Where a factor's fuel covers several products (IPCC
  Gas/Diesel Oil is road diesel and heating gas oil), several entries name it and the source must choose one
  (fuel_properties: fuel-properties/fuel/<id>); nqi-carbon never picks one silently. No uncertainty is published
  with any of these values; none is shipped (nqi-carbon treats them as exact and says so).

references:
  - id: desnz-2025-flat
    document: "UK Government GHG Conversion Factors for Company Reporting 2025, flat file (Department for Energy Security and Net Zero, version 1, final, updated 10 June 2025)"
    table: "ghg-conversion-factors-2025-flat-format.xlsx, sheet 'Factors by Category': the fuel's factors per litre, per tonne and per kWh (Net CV, Gross CV), DESNZ IDs in each entry's notes; the properties behind them are those of the full set's 'Fuel properties' sheet"
    url: https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025
    accessed: {ACCESSED}
    note: "Derived here from the published factors (the bundled uk-desnz-2025 pack); see verification."
  - id: cfr98-c1
    document: "40 CFR Part 98 (Mandatory Greenhouse Gas Reporting), Subpart C General Stationary Fuel Combustion Sources"
    table: "Table C-1 to Subpart C of Part 98 - Default CO2 Emission Factors and High Heat Values for Various Types of Fuel"
    url: https://www.ecfr.gov/current/title-40/chapter-I/subchapter-C/part-98/subpart-C
    accessed: {ACCESSED}
    note: "High heat values as quoted in the epa-ghg-hub pack (1.0.2), which read Table C-1 through two transcriptions and the 2025 Hub workbook; the GHG Emission Factors Hub Table 1 prints the same."

fuels:
"""


def main() -> None:
    desnz = yaml.safe_load((ROOT / "emission_factors" / "uk-desnz-2025.yaml").read_text(encoding="utf-8"))
    epa = yaml.safe_load((ROOT / "emission_factors" / "epa-ghg-hub.yaml").read_text(encoding="utf-8"))
    facs, epa_facs = _factors(desnz), _factors(epa)
    check_coal(epa_facs)
    fuels = [desnz_entry(facs, spec) for spec in DESNZ_FUELS]
    fuels += [epa_entry(epa_facs, spec) for spec in EPA_FUELS]
    body = yaml.safe_dump(fuels, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    text = HEADER + "".join(f"  {line}\n" if line else "\n" for line in body.splitlines())
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
