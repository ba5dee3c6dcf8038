"""Product carbon footprints (ISO 14067): the footprint@1 file, the calculation, allocation.

Every expected figure is computed by hand in the comments; factors are the packs' values
(cn-mee grid/national/2022: 0.5703 t CO2/MWh, MEE notice 环办气候函〔2023〕43号).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PLANT = """\
schema: nqi-carbon/inventory@1
organization: {name: Two-product works, id: TPW, consolidation: operational_control}
period: {start: 2024-01-01, end: 2025-01-01}
gwp: AR6
facilities:
  - {id: works, operational_control: true}
  - {id: office, operational_control: true}
factors:
  - id: plant/process
    activity_unit: t
    gases: {CO2: {value: 0.5, unit: t/t}}
    reference: test fixture, 0.5 t CO2 per t of feed
sources:
  - {id: reactor, facility: works, category: 1, subcategory: process,
     factor: plant/process, activity: {amount: 2000, unit: t}}
  - {id: boiler, facility: office, category: 1, subcategory: process,
     factor: plant/process, activity: {amount: 100, unit: t}}
"""


def _footprint(product: str, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "nqi-carbon/footprint@1",
        "product": {"id": product, "name": f"product {product}"},
        "declared_unit": {"amount": 1.0, "unit": "t"},
        "boundary": "gate_to_gate",
        "reference_period": {"start": "2024-01-01", "end": "2025-01-01"},
        "factor_packs": ["cn-mee"],
        "inputs": [
            {
                "id": "power",
                "kind": "energy",
                "stage": "production",
                "amount": 10.0,
                "unit": "kWh",
                "factor": "cn-mee/grid/national/2022",
            }
        ],
        "plant": {
            "inventory": "plant.yaml",
            "facility": "works",
            "product": product,
            "products": [
                {"id": "A", "output": {"amount": 600.0, "unit": "t"},
                 "economic_value": {"amount": 300000.0, "currency": "CNY"}},
                {"id": "B", "output": {"amount": 400.0, "unit": "t"},
                 "economic_value": {"amount": 700000.0, "currency": "CNY"}},
            ],
        },
        "allocation": {"rule": "physical", "key": "mass", "reason": "co-products of one reaction, by mass"},
    }  # fmt: skip
    doc.update(over)
    return doc


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "fp.json") -> Path:
    import json

    (tmp_path / "plant.yaml").write_text(PLANT, encoding="utf-8")
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_two_product_allocation_by_mass_and_by_economic_value_matches_hand_figures(tmp_path):
    # The works emit 2000 t feed x 0.5 t CO2/t = 1000 t CO2 (the office's 50 t are another
    # facility and stay out). Outputs: A 600 t, B 400 t; values: A 300 000, B 700 000 CNY.
    # By mass: A's share 600/1000 = 0.6 -> 600 t CO2 / 600 t = 1 t CO2/t = 1000 kg per t;
    #          B's share 0.4 -> 400 t / 400 t = 1000 kg per t.
    # By value: A's share 300/1000 = 0.3 -> 300 t / 600 t = 500 kg per t;
    #           B's share 0.7 -> 700 t / 400 t = 1750 kg per t.
    # Each also takes 10 kWh x 0.5703 kg CO2/kWh = 5.703 kg per t.
    a = nc.calculate_footprint(_write(tmp_path, _footprint("A"), "a.json"))
    assert a.allocation is not None
    assert a.allocation["share"] == pytest.approx(0.6)
    assert a.allocation["shares"] == pytest.approx({"mass": 0.6, "economic": 0.3})
    assert a.pcf_excluding_biogenic == pytest.approx(1000.0 + 5.703)
    assert a.by_stage == pytest.approx({"production": 1005.703})
    assert a.by_gas == pytest.approx({"CO2": 1005.703})
    assert a.allocation["sensitivity"] == pytest.approx({"mass": 1005.703, "economic": 505.703})
    econ = _footprint(
        "B",
        allocation={
            "rule": "economic",
            "key": "economic",
            "reason": "value drives production",
            "why_not_physical": "B is a by-product of no use without A's process",
        },
    )
    b = nc.calculate_footprint(_write(tmp_path, econ, "b.json"))
    assert b.allocation is not None
    assert b.allocation["share"] == pytest.approx(0.7)
    assert b.pcf_excluding_biogenic == pytest.approx(1750.0 + 5.703)
    assert b.allocation["sensitivity"] == pytest.approx({"mass": 1005.703, "economic": 1755.703})
    # the plant part is primary data; the grid input is not: 1000 / 1005.703 of the figure
    assert a.primary_data_share == pytest.approx(100 * 1000.0 / 1005.703)


def test_allocation_shares_cover_the_plant_exactly(tmp_path):
    # whatever the key, the products' allocated emissions add up to the works' 1000 t
    for key, rule, extra in (
        ("mass", "physical", {}),
        ("economic", "economic", {"why_not_physical": "no physical relation"}),
    ):
        total = 0.0
        for product, output in (("A", 600.0), ("B", 400.0)):
            doc = _footprint(product, inputs=[])
            doc["allocation"] = {"rule": rule, "key": key, "reason": "test", **extra}
            r = nc.calculate_footprint(_write(tmp_path, doc, f"{product}.json"))
            total += r.pcf_excluding_biogenic / 1000.0 * output  # kg/t -> t, times output
        assert total == pytest.approx(1000.0)


def test_subdivision_takes_the_named_process_alone(tmp_path):
    # the reactor alone (1000 t CO2) to product A's 600 t: 1000/600 t/t = 1666.67 kg per t
    doc = _footprint("A", inputs=[])
    doc["plant"]["sources"] = ["reactor"]
    doc["allocation"] = {"rule": "subdivision", "reason": "the reactor makes A only"}
    r = nc.calculate_footprint(_write(tmp_path, doc))
    assert r.pcf_excluding_biogenic == pytest.approx(1000_000.0 / 600.0)


def test_economic_allocation_without_a_reason_is_refused(tmp_path):
    doc = _footprint("A")
    doc["allocation"] = {"rule": "economic", "key": "economic", "reason": "simplest"}
    with pytest.raises(InvalidInputError, match="why_not_physical") as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    [issue] = exc.value.issues
    assert issue.code == "allocation_economic_justified"
    assert issue.field == "allocation"


def test_plant_references_checked_against_the_inventory(tmp_path):
    doc = _footprint("A")
    doc["plant"]["facility"] = "wrks"
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    [issue] = exc.value.issues
    assert (issue.code, issue.field) == ("footprint_plant_facility", "plant.facility")
    assert issue.allowed == "office, works"
    doc = _footprint("A")
    doc["plant"]["sources"] = ["boiler"]
    with pytest.raises(InvalidInputError, match="not a source of facility 'works'") as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    assert exc.value.issues[0].field == "plant.sources[0]"


def test_missing_allocation_key_is_named(tmp_path):
    doc = _footprint("A")
    doc["allocation"] = {"rule": "physical", "key": "energy", "reason": "by heating value"}
    with pytest.raises(InvalidInputError, match="energy key of every product") as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    assert exc.value.issues[0].code == "allocation_key_missing"


def test_supplier_footprint_parts_are_kept_apart(tmp_path):
    # 50 kg of a supplier's product at 20 kg CO2e per t (of which 2 kg/t land-use change,
    # 1 kg/t aircraft), biogenic 4 kg/t emitted and -10 kg/t removed:
    # excl. biogenic 0.05 t x 20 = 1.0 kg; LUC 0.1; fossil 0.9; aircraft 0.05;
    # biogenic +0.2 and -0.5; incl. biogenic 1.0 + 0.2 - 0.5 = 0.7 kg
    doc = _footprint("A", inputs=[_supplier_input()])
    del doc["plant"], doc["allocation"]
    r = nc.calculate_footprint(_write(tmp_path, doc))
    assert r.pcf_excluding_biogenic == pytest.approx(1.0)
    assert (r.fossil_ghg, r.land_use_change, r.aircraft) == pytest.approx((0.9, 0.1, 0.05))
    assert (r.biogenic_emissions, r.biogenic_removals) == pytest.approx((0.2, -0.5))
    assert r.pcf_including_biogenic == pytest.approx(0.7)
    assert r.primary_data_share == pytest.approx(40.0)
    assert r.dqr == pytest.approx(1.5)
    assert r.by_gas == pytest.approx({"CO2e": 1.0})


def _supplier_input(**over: Any) -> dict[str, Any]:
    sf = {
        "value": 20.0,
        "declared_unit": "t",
        "land_use_change": 2.0,
        "aircraft": 1.0,
        "biogenic_emissions": 4.0,
        "biogenic_removals": -10.0,
        "primary_data_share": 40.0,
        "dqr": 1.5,
        "source": {"kind": "pact", "id": "urn:uuid:0", "company": "Supplier Co."},
        **over,
    }
    return {
        "id": "bought",
        "kind": "material",
        "stage": "production",
        "amount": 50.0,
        "unit": "kg",
        "supplier_footprint": sf,
    }


def test_an_input_unit_that_does_not_fit_its_factor_names_the_input(tmp_path):
    doc = _footprint("A")
    doc["inputs"][0]["unit"] = "kg"
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    fields = {i.field for i in exc.value.issues}
    assert any(f and f.startswith("inputs[0]") for f in fields), fields
    assert all(i.file and i.file.endswith("fp.json") for i in exc.value.issues)


def test_every_problem_of_a_file_at_once(tmp_path):
    bad = {
        "id": "x",
        "kind": "energy",
        "stage": "use",
        "amount": -1,
        "unit": "kWhx",
        "factor": "a/b",
        "supplier_footprint": _supplier_input()["supplier_footprint"],
    }
    doc = _footprint("A", inputs=[bad])
    doc["declared_unit"] = {"amount": 0, "unit": "t"}
    with pytest.raises(InvalidInputError) as exc:
        nc.load_footprint(_write(tmp_path, doc))
    codes = {(i.code, i.field) for i in exc.value.issues}
    assert ("greater_than_equal", "inputs[0].amount") in codes
    assert ("unit_known", "inputs[0].unit") in codes
    assert ("greater_than", "declared_unit.amount") in codes


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"boundary": "gate_to_gate", "stages": ["use"]}, "stages_in_boundary"),
        ({"inputs": [], "plant": None, "allocation": None}, "footprint_has_emissions"),
        ({"allocation": None}, "allocation_fits_plant"),
        ({"allocation": {"rule": "physical", "reason": "mass"}}, "allocation_key_fits"),
        ({"allocation": {"rule": "none", "reason": "one"}}, "allocation_fits_plant"),
    ],
)
def test_rules_of_the_file(tmp_path, change, code):
    doc = _footprint("A", **change)
    doc = {k: v for k, v in doc.items() if v is not None}
    with pytest.raises(InvalidInputError) as exc:
        nc.load_footprint(_write(tmp_path, doc))
    assert [i.code for i in exc.value.issues] == [code]


def test_wrong_schema_is_refused(tmp_path):
    doc = _footprint("A", schema="nqi-carbon/inventory@1")
    with pytest.raises(InvalidInputError, match="not a product footprint file") as exc:
        nc.load_footprint(_write(tmp_path, doc))
    assert exc.value.issues[0].code == "footprint_schema"


def test_uncertainty_approach1_and_monte_carlo_seeded(tmp_path):
    # the grid input alone, its activity +-10 %: 5.703 kg +- 0.5703 kg (Approach 1)
    doc = _footprint("A")
    del doc["plant"], doc["allocation"]
    doc["inputs"][0]["uncertainty"] = 0.1
    path = _write(tmp_path, doc)
    a1 = nc.calculate_footprint(path)
    assert a1.uncertainty["method"] == "analytical"
    assert (a1.uncertainty["ci95_low"], a1.uncertainty["ci95_high"]) == pytest.approx(
        (5.703 - 0.5703, 5.703 + 0.5703)
    )
    mc = nc.calculate_footprint(path, uncertainty="monte_carlo", seed=7, iterations=4000)
    again = nc.calculate_footprint(path, uncertainty="monte_carlo", seed=7, iterations=4000)
    assert mc.uncertainty["seed"] == 7
    assert mc.uncertainty == again.uncertainty
    assert mc.uncertainty["relative_95"] == pytest.approx(0.1, rel=0.1)


def test_aircraft_and_land_use_change_inputs_kept_apart(tmp_path):
    # 10 kWh of grid power reported as land-use change (a test of the sorting only) and
    # 10 kWh as an air-freight input: each 5.703 kg
    doc = _footprint("A")
    del doc["plant"], doc["allocation"]
    power = doc["inputs"][0]
    doc["inputs"] = [
        {**power, "id": "luc", "kind": "land_use_change"},
        {**power, "id": "air", "kind": "transport", "transport_mode": "air"},
    ]
    r = nc.calculate_footprint(_write(tmp_path, doc))
    assert r.land_use_change == pytest.approx(5.703)
    assert r.aircraft == pytest.approx(5.703)
    assert r.fossil_ghg == pytest.approx(5.703)
    assert r.pcf_excluding_biogenic == pytest.approx(11.406)


def test_system_expansion_subtracts_the_avoided_product(tmp_path):
    # the works' 1000 t to A's 600 t (1666.67 kg/t) less 2 kWh of avoided grid power
    # per t (2 x 0.5703 = 1.1406 kg): 1666.667 + 5.703 - 1.1406
    doc = _footprint("A")
    doc["allocation"] = {"rule": "system_expansion", "reason": "B displaces grid power"}
    doc["inputs"].append(
        {**doc["inputs"][0], "id": "avoided", "kind": "avoided_product", "amount": 2.0}
    )
    r = nc.calculate_footprint(_write(tmp_path, doc))
    assert r.pcf_excluding_biogenic == pytest.approx(1000_000 / 600 + 5.703 - 1.1406)


def test_biogenic_uptake_is_a_removal(tmp_path):
    # 12 kg of CO2 taken up per declared unit: removals -12, included only in the
    # footprint including biogenic (5.703 - 12)
    doc = _footprint("A", biogenic={"uptake": {"amount": 12.0, "unit": "kg"}})
    del doc["plant"], doc["allocation"]
    r = nc.calculate_footprint(_write(tmp_path, doc))
    assert r.biogenic_removals == pytest.approx(-12.0)
    assert r.pcf_including_biogenic == pytest.approx(5.703 - 12.0)


def test_a_mapping_is_accepted_and_hashes_stably():
    doc = _footprint("A")
    del doc["plant"], doc["allocation"]
    s1 = nc.load_footprint(doc)
    s2 = nc.load_footprint(dict(doc))
    assert s1[2] == s2[2]


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_clinker_footprint_from_the_cement_plant_inventory():
    # kiln-line-1 of examples/cement (the quarry is another facility):
    #   coal 120 300 t x 58.2 % C x 98.6 % oxidised x 44/12     = 253 126.1172 t CO2
    #   calcination 1 052 300 t clinker x 0.5344 t/t            = 562 349.12 t CO2
    #   grid 86 420 MWh x 0.5703 t/MWh                          =  49 285.326 t CO2
    #   R-410A 18.5 kg: 9.25 kg HFC-32 x 771 + 9.25 kg HFC-125 x 3740 (AR6) = 41.72675 t
    #   total 864 802.28995 t / 1 052 300 t clinker = 0.8218210 t = 821.8210 kg per t
    r = nc.calculate_footprint(EXAMPLES / "footprint-cement" / "clinker.yaml")
    assert r.pcf_excluding_biogenic == pytest.approx(864_802.28995 / 1_052_300 * 1000)
    assert r.by_gas["HFC-32"] == pytest.approx(7.13175 / 1_052_300 * 1000)
    assert r.primary_data_share == pytest.approx(100.0)


def test_cement_footprint_clinker_share_plus_constituents_plus_grinding():
    # 0.80 t clinker x 821.8210 kg/t                 = 657.4568 kg
    # gypsum 0.05 t x 8.2 kg/t (supplier)            =   0.41 kg
    # slag 0.15 t x 35 kg/t (supplier)               =   5.25 kg
    # grinding 38 kWh x 0.5703 kg/kWh                =  21.6714 kg
    clinker = 864_802.28995 / 1_052_300 * 1000
    r = nc.calculate_footprint(EXAMPLES / "footprint-cement" / "cement.yaml")
    assert r.pcf_excluding_biogenic == pytest.approx(0.8 * clinker + 0.41 + 5.25 + 21.6714)
    assert r.by_stage["raw_material_acquisition"] == pytest.approx(5.66)
    assert r.by_gas["CO2e"] == pytest.approx(5.66)
    # DQR weighted by emissions over the rated inputs: (0.41 x 5/3 + 5.25 x 4/3 + 21.6714 x 1)
    # / (0.41 + 5.25 + 21.6714)
    dqr = (0.41 * 5 / 3 + 5.25 * 4 / 3 + 21.6714) / (0.41 + 5.25 + 21.6714)
    assert r.dqr == pytest.approx(dqr)


def test_aluminium_footprint_from_the_smelter_inventory():
    # per t of aluminium: anodes 0.41 x (1 - 0.02 - 0.004) x 44/12 = 1.4672533 t CO2;
    # grid 6 700 000 MWh / 500 000 t = 13.4 MWh x 0.5703 = 7.64202 t CO2;
    # CF4 0.034 kg x 7380 = 250.92 kg; C2F6 0.0034 kg x 12400 = 42.16 kg (AR6)
    r = nc.calculate_footprint(EXAMPLES / "footprint-aluminium" / "aluminium.yaml")
    assert r.by_gas == pytest.approx({"CO2": 1467.2533 + 7642.02, "CF4": 250.92, "C2F6": 42.16})
    assert r.pcf_excluding_biogenic == pytest.approx(9402.3533)
    assert r.uncertainty["ci95_low"] < 9402.3533 < r.uncertainty["ci95_high"]


def test_a_plant_inventory_of_another_period_is_a_finding(tmp_path):
    doc = _footprint("A", reference_period={"start": "2023-01-01", "end": "2024-01-01"})
    r = nc.calculate_footprint(_write(tmp_path, doc))
    [(code, severity, subject, message)] = [f for f in r.findings if f[0].startswith("footprint_")]
    assert (code, severity, subject) == ("footprint_period_differs", "warning", "plant.inventory")
    assert "covers 2024-01-01 to 2025-01-01" in message


def test_a_plant_inventory_outside_the_footprint_folder_is_refused(tmp_path):
    doc = _footprint("A")
    doc["plant"]["inventory"] = "../../etc/passwd"
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    assert [(i.code, i.field) for i in exc.value.issues] == [
        ("path_outside_base", "plant.inventory")
    ]


def test_notebook_display_escapes_the_product_name(tmp_path):
    doc = _footprint("A")
    doc["product"]["name"] = "<b>A</b> & co"
    r = nc.calculate_footprint(_write(tmp_path, doc))
    html = r._repr_html_()
    assert "&lt;b&gt;A&lt;/b&gt; &amp; co" in html and "<b>" not in html
    assert "1,005.7030 kg CO2e" in html


def test_an_input_too_large_to_compute_is_named_by_the_footprint_file_field(tmp_path):
    # the calculation names the overflowing source by its id; the footprint file has no
    # "sources", so the issue must point at the input the user wrote
    doc = _footprint("A")
    doc["inputs"].insert(0, {**doc["inputs"][0], "id": "gas-oil"})
    doc["inputs"][1]["amount"] = 1e308
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate_footprint(_write(tmp_path, doc))
    issues = [i for i in exc.value.issues if i.code == "result_magnitude"]
    assert [i.field for i in issues] == ["inputs[1]"]
