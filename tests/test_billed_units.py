"""Fuels by volume and by billed energy (issue 16): the chain from an amount as billed to the
factor's basis, each step cited, and every refusal with the message it gets.

Numbers are hand computations from the published values: UK DESNZ 2025 (densities and NCV/GCV,
fuel-properties pack), IPCC 2006 Vol. 2 Table 1.2 NCVs and Tables 2.4 / 3.2.1 factors, US EPA
Table C-1 heat contents and Table 1 factors.
"""

from __future__ import annotations

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACKS = ["ipcc-2006", "fuel-properties", "epa-ghg-hub", "uk-desnz-2025", "cn-mee"]


def inventory(sources, *, packs=PACKS, **extra):
    return nc.load_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "operational_control"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR6",
            "factor_packs": packs,
            "facilities": [{"id": "f", "operational_control": True}],
            "sources": sources,
            **extra,
        }
    )


def source(factor, amount, unit, **kw):
    return {
        "id": "s",
        "facility": "f",
        "category": 1,
        "factor": factor,
        "activity": {"amount": amount, "unit": unit},
        **kw,
    }


def mass(res, gas="CO2"):
    return res.totals()["by_gas_mass_t"][gas]


def steps(res, unit):
    (plan,) = res.plans
    return [(s.kind, s.value, s.unit, s.operation, s.ref) for s in plan.unit_chains[unit].steps]


def test_diesel_in_litres_reaches_tj_through_a_cited_density_and_the_ipcc_ncv():
    # 18,500 L x 0.8307 kg/L (DESNZ 2025, 100 % mineral diesel) x 43.0 TJ/Gg = 0.66082185 TJ;
    # x 74,100 kg CO2/TJ (IPCC 2006 Table 3.2.1) = 48.96690 t CO2
    res = nc.calculate(inventory([source("ipcc-2006/mobile-road/gas_diesel_oil", 18500, "L")]))
    assert mass(res) == pytest.approx(18500 * 0.8307e-3 * 43.0e-3 * 74100e-3, rel=1e-12)
    assert steps(res, "L") == [
        ("density", 0.8307, "kg/L", "multiply", "fuel-properties/fuel/diesel_mineral"),
        ("ncv", 43.0, "TJ/Gg", "multiply", "ipcc-2006/fuel/gas_diesel_oil"),
    ]
    line = res.to_dict()["lines"][0]
    assert line["entered"][0]["amount"] == 18500.0 and line["entered"][0]["unit"] == "L"
    density, ncv = line["entered"][0]["conversions"]
    assert "Conversion Factors for Company Reporting 2025" in density["citation"]
    assert "Table 1.2" in ncv["citation"]
    assert line["factor_value"] == 74100.0 and line["factor_unit"] == "kg/TJ"
    assert "Table 3.2.1" in line["factor_citation"]
    assert line["activity"] == pytest.approx(0.66082185, rel=1e-12)


@pytest.mark.parametrize(
    ("unit", "litres"),
    [("gal_imp", 4.54609), ("gal_US", 3.785411784), ("m3", 1000.0), ("L", 1.0)],
)
def test_every_volume_unit_reaches_the_factor(unit, litres):
    res = nc.calculate(inventory([source("ipcc-2006/mobile-road/gas_diesel_oil", 100, unit)]))
    assert mass(res) == pytest.approx(100 * litres * 0.8307e-3 * 43.0e-3 * 74100e-3, rel=1e-12)


def test_a_gas_bill_in_gross_kwh_is_turned_net_by_the_cited_ratio():
    # 120,000 kWh (GCV) x 0.9026 (DESNZ 2025 NCV/GCV) = 108,312 kWh NCV = 0.3899232 TJ;
    # x 56,100 kg CO2/TJ (IPCC 2006 Table 2.4) = 21.87469 t CO2
    res = nc.calculate(
        inventory(
            [
                source(
                    "ipcc-2006/stationary-commercial/natural_gas", 120000, "kWh", energy_basis="GCV"
                )
            ]
        )
    )
    assert mass(res) == pytest.approx(120000 * 0.9026 * 3.6e-6 * 56100e-3, rel=1e-12)
    assert steps(res, "kWh") == [
        ("ncv_per_gcv", 0.9026, "1", "multiply", "fuel-properties/fuel/natural_gas")
    ]
    assert "energy_basis_assumed" not in {f.code for f in res.findings}


def test_the_basis_stated_once_for_the_inventory_applies_to_every_fuel_source():
    res = nc.calculate(
        inventory(
            [source("ipcc-2006/stationary-commercial/natural_gas", 120000, "kWh")],
            energy_basis="GCV",
        )
    )
    assert mass(res) == pytest.approx(120000 * 0.9026 * 3.6e-6 * 56100e-3, rel=1e-12)


def test_a_therm_is_gross_by_convention_and_is_turned_net():
    # 1000 therm = 105,505,600 kJ (pint: 10^5 Btu_IT); x 0.9026 -> TJ; x 56,100 kg/TJ
    res = nc.calculate(
        inventory([source("ipcc-2006/stationary-commercial/natural_gas", 1000, "therm")])
    )
    assert mass(res) == pytest.approx(1000 * 105.5056e-6 * 0.9026 * 56100e-3, rel=1e-12)


def test_an_energy_amount_of_unstated_basis_gets_a_warning_with_its_size():
    res = nc.calculate(
        inventory([source("ipcc-2006/stationary-commercial/natural_gas", 120000, "kWh")])
    )
    # taken as NCV: 120,000 kWh x 56,100 kg/TJ, as before (no silent change of the number)
    assert mass(res) == pytest.approx(120000 * 3.6e-6 * 56100e-3, rel=1e-12)
    (f,) = [f for f in res.findings if f.code == "energy_basis_assumed"]
    assert f.severity == "warning" and f.subject == "s"
    # 1 / 0.9026 - 1 = 0.1079: the result is 10.8 % too high for a gross (GCV) bill
    assert "taken as net (NCV) energy" in f.message
    assert (
        "the result is 10.8 % too high (NCV/GCV 0.9026, fuel-properties/fuel/natural_gas)"
        in f.message
    )
    assert "State energy_basis: NCV or GCV on the source or the inventory" in f.message


def test_without_a_known_ratio_the_warning_gives_ipccs_general_size(tmp_path):
    res = nc.calculate(
        inventory(
            [source("ipcc-2006/stationary-commercial/natural_gas", 100, "GJ")], packs=["ipcc-2006"]
        )
    )
    (f,) = [f for f in res.findings if f.code == "energy_basis_assumed"]
    assert (
        "about 5 % (coal, oil) to 10 % (natural gas) too high (IPCC 2006 Vol. 2 Ch. 1, 1.4.1.2)"
        in f.message
    )


def test_a_stated_basis_the_factor_shares_gives_no_warning():
    res = nc.calculate(
        inventory(
            [source("ipcc-2006/stationary-commercial/natural_gas", 100, "GJ", energy_basis="NCV")]
        )
    )
    assert "energy_basis_assumed" not in {f.code for f in res.findings}
    assert res.plans[0].unit_chains == {}


def test_heating_oil_under_a_factor_for_several_products_must_be_chosen():
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(
            inventory([source("ipcc-2006/stationary-commercial/gas_diesel_oil", 5000, "L")])
        )
    (issue,) = exc.value.issues
    assert issue.code == "fuel_properties_ambiguous"
    assert "covers several products with different densities" in issue.message
    assert "fuel-properties/fuel/gas_oil (0.854 kg/L)" in issue.message
    assert "fuel-properties/fuel/diesel_mineral (0.8307 kg/L)" in issue.message
    assert issue.allowed.startswith("fuel_properties: ")


def test_the_chosen_fuel_properties_are_used():
    # 5000 L x 0.854 kg/L (DESNZ gas oil) x 43.0 TJ/Gg x 74,100 kg/TJ
    res = nc.calculate(
        inventory(
            [
                source(
                    "ipcc-2006/stationary-commercial/gas_diesel_oil",
                    5000,
                    "L",
                    fuel_properties="fuel-properties/fuel/gas_oil",
                )
            ]
        )
    )
    assert mass(res) == pytest.approx(5000 * 0.854e-3 * 43.0e-3 * 74100e-3, rel=1e-12)


def test_a_density_stated_on_the_source_wins_and_carries_its_uncertainty():
    res = nc.calculate(
        inventory(
            [
                source(
                    "ipcc-2006/mobile-road/gas_diesel_oil",
                    1000,
                    "L",
                    density={
                        "value": 0.84,
                        "unit": "kg/L",
                        "uncertainty": 0.01,
                        "evidence": "supplier delivery note",
                    },
                )
            ]
        ),
        uncertainty="analytical",
    )
    assert mass(res) == pytest.approx(1000 * 0.84e-3 * 43.0e-3 * 74100e-3, rel=1e-12)
    assert steps(res, "L")[0] == ("density", 0.84, "kg/L", "multiply", "source 's'")
    assert "source:s:density" in {c["input"] for c in res.contributions}
    density = res.to_dict()["lines"][0]["entered"][0]["conversions"][0]
    assert density["citation"] == "supplier delivery note"


def test_without_the_fuel_properties_pack_litres_are_refused_with_the_fix():
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(
            inventory(
                [source("ipcc-2006/mobile-road/gas_diesel_oil", 18500, "L")], packs=["ipcc-2006"]
            )
        )
    (issue,) = exc.value.issues
    assert issue.code == "activity_unit_fits_factor"
    assert "needs a density (mass per volume)" in issue.message
    assert "density: {value, unit: kg/L, evidence}" in issue.message
    assert "add fuel-properties to the inventory's factor_packs" in issue.message


def test_a_gross_amount_with_no_ratio_known_is_refused_with_the_fix():
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(
            inventory(
                [source("ipcc-2006/stationary-commercial/natural_gas", 10, "MMBtu")],
                packs=["ipcc-2006"],
            )
        )
    (issue,) = exc.value.issues
    assert issue.code == "activity_basis_fits_factor"
    assert "the energy is on a GCV basis but is needed on a NCV basis" in issue.message


def test_us_gallons_reach_an_epa_factor_per_mmbtu_through_table_c1():
    # 1000 gal_US x 0.138 mmBtu/gal (Table C-1) x 73.96 kg CO2/mmBtu = 10.20648 t; the Hub's
    # Table 2 mobile factor, 10.21 kg/gal, is this product rounded
    res = nc.calculate(
        inventory([source("epa-ghg-hub/stationary/distillate_fuel_oil_no_2", 1000, "gal_US")])
    )
    assert mass(res) == pytest.approx(1000 * 0.138 * 73.96e-3, rel=1e-12)
    assert round(1000 * 0.138 * 73.96e-3, 2) == 10.21


def test_standard_cubic_feet_reach_the_epa_natural_gas_factor():
    # 10^6 scf x 0.001026 mmBtu/scf x 53.06 kg/mmBtu = 54.43956 t CO2 (EPA Table 1 prints
    # 0.05444 kg CO2 per scf)
    res = nc.calculate(inventory([source("epa-ghg-hub/stationary/natural_gas", 1e6, "scf")]))
    assert mass(res) == pytest.approx(1e6 * 0.001026 * 53.06e-3, rel=1e-12)
    assert round(0.001026 * 53.06, 5) == 0.05444


def test_tonnes_of_coal_reach_an_epa_factor_per_mmbtu():
    # 100 t = 110.2311 short ton x 24.93 mmBtu/short ton x 93.28 kg CO2/mmBtu
    res = nc.calculate(inventory([source("epa-ghg-hub/stationary/bituminous", 100, "t")]))
    short_tons = 100 / 0.90718474
    assert mass(res) == pytest.approx(short_tons * 24.93 * 93.28e-3, rel=1e-12)


def test_net_energy_into_a_gross_factor_is_divided_by_the_ratio():
    # 100 MWh NCV / 0.9026 = 110.79 MWh GCV = 378.03 mmBtu x 53.06 kg CO2/mmBtu (pint's
    # Btu is the International Table Btu, 1055.056 J)
    res = nc.calculate(
        inventory([source("epa-ghg-hub/stationary/natural_gas", 100, "MWh", energy_basis="NCV")])
    )
    assert mass(res) == pytest.approx(100 / 0.9026 * 3.6e3 / 1055.056 * 53.06e-3, rel=1e-12)
    assert steps(res, "MWh")[0][3] == "divide"


def test_imperial_gallons_reach_a_desnz_factor_per_litre():
    # 100 gal_imp = 454.609 L x 2.66155 kg CO2e/L (DESNZ 2025, 100 % mineral diesel, AR5)
    res = nc.calculate(
        inventory([source("uk-desnz-2025/fuels/diesel_100_mineral_diesel/litre", 100, "gal_imp")])
    )
    assert res.total_co2e == pytest.approx(454.609 * 2.66155e-3, rel=1e-12)


def test_litres_of_diesel_reach_the_carbon_content_method_with_a_chosen_density():
    carbon = {"fuel": "cn-mee/fuel/diesel"}
    base = {
        "id": "s",
        "facility": "f",
        "category": 1,
        "method": "carbon_content",
        "carbon": carbon,
        "activity": {"amount": 1000, "unit": "L"},
    }
    with pytest.raises(
        InvalidInputError, match=r"convert a liquid volume to mass .*needs a density"
    ):
        nc.calculate(inventory([base]))
    res = nc.calculate(
        inventory([{**base, "fuel_properties": "fuel-properties/fuel/diesel_mineral"}])
    )
    fuel = nc.FactorRegistry().resolve_fuel("cn-mee/fuel/diesel").entry
    ncv, cc, ox = fuel.ncv, fuel.carbon_content, fuel.oxidation
    assert ncv is not None and cc is not None and ox is not None
    expected = 1000 * 0.8307e-3 * ncv.value * cc.value * ox.value * 44 / 12  # t, GJ/t, t C/GJ
    assert mass(res) == pytest.approx(expected, rel=1e-12)


def test_the_density_a_source_states_must_be_a_mass_per_volume():
    with pytest.raises(InvalidInputError) as exc:
        inventory(
            [
                source(
                    "ipcc-2006/mobile-road/gas_diesel_oil",
                    1,
                    "L",
                    density={"value": 0.84, "unit": "kg"},
                )
            ]
        )
    (issue,) = exc.value.issues
    assert issue.code == "density_is_mass_per_volume"


def test_the_amounts_as_entered_are_summed_per_unit_whatever_the_row_order():
    records = [
        {"amount": 0.1, "unit": "L", "period": "2024-01"},
        {"amount": 0.2, "unit": "L", "period": "2024-02"},
        {"amount": 2, "unit": "m3", "start": "2024-03-01", "end": "2025-01-01"},
    ]

    def entered(recs):
        res = nc.calculate(
            inventory(
                [{**source("ipcc-2006/mobile-road/gas_diesel_oil", 0, "L"), "activity": recs}]
            )
        )
        return {e["unit"]: e["amount"] for e in res.to_dict()["lines"][0]["entered"]}

    forward = entered(records)
    assert forward == {"L": pytest.approx(0.3, rel=2**-52), "m3": 2.0}
    assert entered(records[::-1]) == forward  # the same bits in any order


USER_PACK = """\
schema: nqi-carbon/factor-pack@1
id: my-fuels
title: My supplier's fuel data
version: 1.0.0
publisher: Example Heizoel GmbH (fictitious)
licence: internal
verification: Read from the 2024 delivery notes by the energy manager.
references:
  - {id: notes, document: "Heizoel delivery notes 2024", section: "density at 15 C", url: "urn:example:notes", accessed: 2025-01-10}
fuels:
  - id: heizoel_el
    name: Heizoel EL from our supplier
    density: {value: 0.845, unit: kg/L, reference: notes}
    applies_to: [ipcc-2006/stationary-commercial/gas_diesel_oil]
"""


def test_a_user_pack_can_give_its_own_fuel_properties(tmp_path):
    (tmp_path / "my-fuels.yaml").write_text(USER_PACK, encoding="utf-8")
    inv_file = tmp_path / "inv.yaml"
    inv_file.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: T, id: t, consolidation: operational_control}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\n"
        "gwp: AR6\n"
        "factor_packs: [ipcc-2006, my-fuels.yaml]\n"
        "facilities: [{id: f, operational_control: true}]\n"
        "sources:\n"
        "  - {id: s, facility: f, category: 1, factor: ipcc-2006/stationary-commercial/gas_diesel_oil,\n"
        "     activity: {amount: 5000, unit: L}}\n",
        encoding="utf-8",
    )
    res = nc.calculate(nc.load_inventory(inv_file))
    assert mass(res) == pytest.approx(5000 * 0.845e-3 * 43.0e-3 * 74100e-3, rel=1e-12)
    assert steps(res, "L")[0] == ("density", 0.845, "kg/L", "multiply", "my-fuels/fuel/heizoel_el")


@pytest.mark.parametrize(
    ("param", "code"),
    [
        (
            {"ncv_per_gcv": {"value": 1.1, "unit": "1", "reference": "notes"}},
            "ncv_per_gcv_within_0_1",
        ),
        ({"density": {"value": 0.8, "unit": "kg", "reference": "notes"}}, "parameter_units_fit"),
        ({"gcv": {"value": 45, "unit": "kg/L", "reference": "notes"}}, "parameter_units_fit"),
    ],
)
def test_fuel_properties_in_a_pack_are_checked(tmp_path, param, code):
    import yaml

    from nqi_carbon.data.factors import load_pack
    from nqi_carbon.errors import PackError

    pack = yaml.safe_load(USER_PACK)
    pack["fuels"][0] = {"id": "x", "name": "X", **param}
    path = tmp_path / "my-fuels.yaml"
    path.write_text(yaml.safe_dump(pack), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(path)
    assert [i.code for i in exc.value.issues] == [code]


def test_a_pack_states_the_calorific_basis_of_its_energy_factors_once(tmp_path):
    import yaml

    from nqi_carbon.data.factors import load_pack

    pack = yaml.safe_load(USER_PACK)
    pack["basis"] = "GCV"
    pack["factors"] = [
        {
            "id": "gas",
            "activity_unit": "kWh",
            "gases": {"CO2": {"value": 0.183, "unit": "kg/kWh"}},
            "reference": "notes",
        },
        {
            "id": "gas-net",
            "activity_unit": "kWh",
            "basis": "NCV",
            "gases": {"CO2": {"value": 0.203, "unit": "kg/kWh"}},
            "reference": "notes",
        },
        {
            "id": "per-litre",
            "activity_unit": "L",
            "gases": {"CO2": {"value": 2.6, "unit": "kg/L"}},
            "reference": "notes",
        },
    ]
    path = tmp_path / "my-fuels.yaml"
    path.write_text(yaml.safe_dump(pack), encoding="utf-8")
    lp = load_pack(path)
    assert lp.factors["gas"].entry.basis == "GCV"  # from the pack
    assert lp.factors["gas-net"].entry.basis == "NCV"  # its own
    assert lp.factors["per-litre"].entry.basis is None  # not per energy


# ---- the chain in the report (issue 15, first bullet) ----------------------------------------
def _report_for(sources, **kw):
    return nc.inventory_report(nc.calculate(inventory(sources, **kw)))


def test_the_ncv_that_turns_tonnes_into_tj_is_listed_with_its_citation():
    # the review's coal: 3,200 t under an IPCC per-TJ factor; its NCV carried 93 % of the variance
    rep = _report_for([source("ipcc-2006/stationary/other_bituminous_coal", 3200, "t")])
    factors = rep.tables()["Factors"]
    ncv = factors[
        (factors["factor"] == "ipcc-2006/fuel/other_bituminous_coal") & (factors["gas"] == "ncv")
    ]
    assert list(ncv["value"]) == [25.8] and list(ncv["unit"]) == ["TJ/Gg"]
    assert "Table 1.2" in ncv["citation"].iloc[0]
    entered = rep.tables()["Activity as entered"]
    assert list(entered["amount"]) == [3200.0] and list(entered["unit"]) == ["t"]
    assert list(entered["activity_unit"]) == ["TJ"]
    assert entered["activity"].iloc[0] == pytest.approx(3200 * 25.8e-3, rel=1e-12)
    assert (
        "× 25.8 TJ/Gg (net calorific value, ipcc-2006/fuel/other_bituminous_coal)"
        in entered["conversions"].iloc[0]
    )
    (o,) = [i for i in rep.checklist() if i.item == "o"]
    assert o.status == "present"


def test_the_billed_amounts_and_their_conversions_are_in_every_report_format(tmp_path):
    rep = _report_for(
        [
            source("ipcc-2006/mobile-road/gas_diesel_oil", 18500, "L"),
            {
                **source(
                    "ipcc-2006/stationary-commercial/natural_gas", 120000, "kWh", energy_basis="GCV"
                ),
                "id": "gas",
            },
        ]
    )
    md = rep.to_markdown()
    assert "| s | 18,500 | L | × 0.8307 kg/L (density, fuel-properties/fuel/diesel_mineral)" in md
    assert "| gas | 120,000 | kWh | × 0.9026 1 (NCV/GCV, fuel-properties/fuel/natural_gas)" in md
    assert "| fuel-properties/fuel/diesel_mineral | density | 0.8307 | kg/L | 1.0.0 |" in md
    assert "| fuel-properties/fuel/natural_gas | ncv_per_gcv | 0.9026 | 1 | 1.0.0 |" in md
    assert "18,500" in rep.to_html() and "fuel-properties/fuel/natural_gas" in rep.to_html()


@pytest.mark.excel
def test_the_workbook_has_the_activity_as_entered(tmp_path):
    import openpyxl

    rep = _report_for([source("ipcc-2006/mobile-road/gas_diesel_oil", 18500, "L")])
    path = rep.to_excel(tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Activity as entered"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows.index(
        ["source", "amount", "unit", "conversions", "to_activity_unit", "activity", "activity_unit"]
    )
    assert rows[header + 1][:3] == ["s", 18500, "L"]
    assert "0.8307 kg/L" in rows[header + 1][3]
    lines = [[c.value for c in r] for r in openpyxl.load_workbook(path)["Lines"].iter_rows()]
    head = next(r for r in lines if "factor_value" in r)
    row = next(r for r in lines[lines.index(head) + 1 :] if r[head.index("gas")] == "CO2")
    co2 = dict(zip(head, row, strict=True))
    # the line's chain in the workbook: activity x factor x GWP, each cited
    assert (co2["factor_value"], co2["factor_unit"], co2["gwp"]) == (74100, "kg/TJ", 1)
    assert "Table 3.2.1" in co2["factor_citation"] and "AR6" in co2["gwp_citation"]
    assert co2["co2e_t"] == pytest.approx(co2["activity"] * 74.1, rel=1e-12)


def test_a_parameter_stated_without_evidence_leaves_item_o_missing():
    rep = _report_for(
        [
            source(
                "ipcc-2006/mobile-road/gas_diesel_oil",
                1000,
                "L",
                density={"value": 0.84, "unit": "kg/L"},
            )
        ]
    )
    (o,) = [i for i in rep.checklist() if i.item == "o"]
    assert o.status == "missing"
    assert o.detail.startswith("not cited: density of source 's'")


@pytest.mark.parametrize(
    ("factor", "density", "ncv", "co2"),
    [
        # petrol: DESNZ 2025 mineral petrol 0.7418 kg/L; IPCC Table 1.2 44.3 TJ/Gg; 69,300 kg/TJ
        ("ipcc-2006/mobile-road/motor_gasoline_uncontrolled", 0.7418, 44.3, 69300),
        # LPG: DESNZ 2025 0.5298 kg/L; IPCC 47.3 TJ/Gg; Table 2.4 63,100 kg/TJ
        ("ipcc-2006/stationary-commercial/lpg", 0.5298, 47.3, 63100),
        # jet fuel: DESNZ 2025 aviation turbine fuel 0.8 kg/L; IPCC jet kerosene 44.1 TJ/Gg, 71,500 kg/TJ
        ("ipcc-2006/stationary-commercial/jet_kerosene", 0.8, 44.1, 71500),
    ],
)
def test_petrol_lpg_and_jet_fuel_in_litres_reach_the_ipcc_factor(factor, density, ncv, co2):
    res = nc.calculate(inventory([source(factor, 1000, "L")]))
    assert mass(res) == pytest.approx(1000 * density * 1e-3 * ncv * 1e-3 * co2 * 1e-3, rel=1e-12)
    kinds = [k for k, *_ in steps(res, "L")]
    assert kinds == ["density", "ncv"]
