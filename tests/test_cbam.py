"""EU CBAM: specific embedded emissions from an installation's inventory, and the communication.

Every expected figure is computed by hand in the comments, from the example's input and
the cited factors (never from what the code printed).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import nqi_carbon as nc

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cbam-aluminium"
INSTALLATION = EXAMPLE / "installation.yaml"
SCHEMA_FILE = ROOT / "src" / "nqi_carbon" / "cbam" / "cbam-communication.schema.json"


@pytest.fixture(scope="module")
def com():
    return nc.calculate_cbam(INSTALLATION)


def test_the_smelter_see_matches_the_hand_computation(com):
    p1 = com.process("P1")
    # DirEm of the potlines (inventory.yaml, AR5):
    #   anodes: 205,000 t net anode x 97.6 % carbon x 100 % oxidised x 44/12
    #         = 200,080 t C x 3.666667 = 733,626.667 t CO2
    #   PFC:   500,000 t Al x 0.034 kg CF4/t = 17 t CF4 x 6,630 (AR5) = 112,710 t CO2e
    #          500,000 t Al x 0.0034 kg C2F6/t = 1.7 t C2F6 x 11,100 (AR5) = 18,870 t CO2e
    #   DirEm = 733,626.667 + 112,710 + 18,870 = 865,206.667 t CO2e
    assert p1.direct_t == pytest.approx(865_206.6667, rel=1e-9)
    # no heat, waste gas or electricity export: AttrEm(direct) = DirEm
    assert p1.attributed_direct_t == pytest.approx(865_206.6667, rel=1e-9)
    # indirect: 6,700,000 MWh x 0.5703 t CO2/MWh (MEE 2023 notice, cn-mee/grid/national/2022)
    #         = 3,821,010 t CO2
    assert p1.electricity_factor == pytest.approx(0.5703)
    assert p1.attributed_indirect_t == pytest.approx(3_821_010, rel=1e-12)
    # SEE = AttrEm / AL, AL = 500,000 t: direct 1.730413333, indirect 7.64202 t CO2e/t
    assert p1.see_direct == pytest.approx(1.7304133333, rel=1e-9)
    assert p1.see_indirect == pytest.approx(7.64202, rel=1e-12)
    # embedded electricity 6,700,000 / 500,000 = 13.4 MWh/t
    assert p1.embedded_electricity == pytest.approx(13.4)


def test_the_sheet_see_adds_its_precursors_by_mass(com):
    p2 = com.process("P2")
    # DirEm of the mill: 400 TJ of natural gas x (56,100 kg CO2 + 1 kg CH4 x 28
    #   + 0.1 kg N2O x 265) per TJ (IPCC 2006 Vol. 2 Table 2.2, AR5)
    #   = 22,440 + 11.2 + 10.6 = 22,461.8 t CO2e
    assert p2.direct_t == pytest.approx(22_461.8, rel=1e-12)
    # precursors: 97,000 t from P1 x 1.730413333 = 167,850.0933 t CO2e
    #             5,000 t bought x 0.35 (supplier's SEE direct) = 1,750 t CO2e
    # SEE direct = (22,461.8 + 167,850.0933 + 1,750) / 100,000 t = 1.920618933
    assert p2.see_direct == pytest.approx(1.920618933, rel=1e-9)
    # indirect: own 60,000 MWh x 0.5703 = 34,218 t
    #   + 97,000 t x 7.64202 = 741,275.94 t
    #   + 5,000 t x (0.9 MWh/t x 0.5703) = 5,000 x 0.51327 = 2,566.35 t
    #   = 778,060.29 t / 100,000 t = 7.7806029 t CO2e/t
    assert p2.see_indirect == pytest.approx(7.7806029, rel=1e-12)
    # embedded electricity: (60,000 + 97,000 x 13.4 + 5,000 x 0.9) / 100,000
    #   = (60,000 + 1,299,800 + 4,500) / 100,000 = 13.643 MWh/t; every MWh at 0.5703,
    #   so the communicated electricity EF is 7.7806029 / 13.643 = 0.5703 t CO2/MWh
    assert p2.embedded_electricity == pytest.approx(13.643, rel=1e-12)
    assert p2.electricity_ef == pytest.approx(0.5703, rel=1e-12)
    # 2024 is in the transitional period: indirect emissions count in full
    assert p2.see_total == pytest.approx(1.920618933 + 7.7806029, rel=1e-9)
    assert p2.default_share == 0.0  # the supplier's data are actual
    assert com.findings == []  # every direct source attributed, precursors as listed


def test_the_products_are_the_summary_communication_rows(com):
    rows = com.products()
    assert [(r["process"], r["cn_code"], r["category"]) for r in rows] == [
        ("P1", "76011090", "Unwrought aluminium"),
        ("P2", "76061292", "Aluminium products"),
    ]
    assert rows[0]["cn_name"] == "Aluminium, not alloyed, unwrought (excl. slabs)"
    assert rows[1]["unit"] == "tCO2e/t"


def _write(tmp_path: Path, installation: dict, inventory: dict | None = None) -> Path:
    inv = inventory or yaml.safe_load((EXAMPLE / "inventory.yaml").read_text())
    (tmp_path / "inventory.yaml").write_text(yaml.safe_dump(inv, allow_unicode=True))
    path = tmp_path / "installation.yaml"
    path.write_text(yaml.safe_dump(installation, allow_unicode=True))
    return path


def _example() -> dict:
    return yaml.safe_load(INSTALLATION.read_text())


def _inventory_2026() -> dict:
    inv = yaml.safe_load((EXAMPLE / "inventory.yaml").read_text())
    inv["period"] = {"start": "2026-01-01", "end": "2027-01-01"}
    return inv


def test_definitive_rules_count_no_indirect_emissions_for_aluminium(tmp_path):
    doc = _example()
    doc["rules"] = "definitive"
    com = nc.calculate_cbam(_write(tmp_path, doc, _inventory_2026()))
    p1, p2 = com.process("P1"), com.process("P2")
    # Regulation (EU) 2023/956 Article 7(1) and Annex II: aluminium 7601-7616, direct only;
    # SEE (indirect) is still computed and communicated, but does not count in the total
    assert p1.see_indirect == pytest.approx(7.64202, rel=1e-12)
    assert p1.see_indirect_counted == 0.0
    assert p2.see_total == pytest.approx(1.920618933, rel=1e-9)


def test_the_rules_must_fit_the_inventorys_period(tmp_path):
    doc = _example()  # transitional rules, 2026 inventory
    with pytest.raises(
        nc.InvalidInputError, match="does not fall under the transitional rules"
    ) as e:
        nc.calculate_cbam(_write(tmp_path, doc, _inventory_2026()))
    assert [i.code for i in e.value.issues] == ["cbam_rules_period"]
    assert e.value.issues[0].field == "rules"


def test_every_problem_of_the_attribution_is_reported_at_once(tmp_path):
    doc = _example()
    p1, p2 = doc["processes"]
    p1["sources"] = [
        {"source": "anode-co2"},
        {"source": "pfc-anode-effects"},
        {"source": "no-such"},
    ]
    p2["sources"] = [{"source": "grid"}, {"source": "anode-co2", "share": 0.5}]
    p2["electricity"] = {"consumed_mwh": 60000, "inventory_source": "mill-natural-gas"}
    with pytest.raises(nc.InvalidInputError) as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    got = {(i.code, i.field) for i in e.value.issues}
    assert got == {
        ("cbam_source_unknown", "processes[0].sources[2].source"),
        ("cbam_source_not_direct", "processes[1].sources[0].source"),
        ("cbam_electricity_source", "processes[1].electricity.inventory_source"),
        ("cbam_source_overattributed", "processes[].sources[].share"),
    }
    over = next(i for i in e.value.issues if i.code == "cbam_source_overattributed")
    assert over.value == "1.5"


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    doc = _example()
    p1, p2 = doc["processes"]
    p1["route"] = "Electric arc furnace"
    p2["cn_codes"] = ["76011090", "99999999"]
    doc["purchased_precursors"][0]["data"] = "default"
    with pytest.raises(nc.InvalidInputError) as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    codes = sorted(i.code for i in e.value.issues)
    assert codes == ["cbam_route_known", "cn_codes_in_category", "default_values_justified"]
    cn = next(i for i in e.value.issues if i.code == "cn_codes_in_category")
    assert "76011090 (Unwrought aluminium)" in cn.message
    assert "99999999 (not a CBAM good)" in cn.message


def test_a_precursor_must_name_a_process_or_purchase_of_the_file(tmp_path):
    doc = _example()
    doc["processes"][1]["precursors"].append({"process": "P9", "amount": 1})
    with pytest.raises(nc.InvalidInputError, match="P2 -> P9") as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    assert [i.code for i in e.value.issues] == ["precursors_exist"]


def test_a_process_consuming_its_own_output_is_refused(tmp_path):
    doc = _example()
    doc["processes"][0]["precursors"] = [{"process": "P2", "amount": 1}]
    with pytest.raises(nc.InvalidInputError, match="consume their own output") as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    assert [i.code for i in e.value.issues] == ["precursors_acyclic"]


def test_qualifying_parameters_are_the_categorys_and_shares_are_fractions(tmp_path):
    doc = _example()
    doc["processes"][0]["qualifying_parameters"] = {"% Mn": 0.01}
    doc["processes"][1]["qualifying_parameters"] = {"% non-aluminium elements": 1.2}
    with pytest.raises(nc.InvalidInputError) as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    msgs = sorted((i.code, i.message) for i in e.value.issues)
    assert [c for c, _ in msgs] == ["qualifying_parameters_known"] * 2
    assert "not a qualifying parameter of Unwrought aluminium: '% Mn'" in msgs[1][1]
    assert "a share from 0 to 1 (0.012 for 1.2 %)" in msgs[0][1]


def test_heat_waste_gas_and_exported_electricity_are_attributed(tmp_path):
    doc = _example()
    doc["processes"][1].update(
        heat={
            "imported_tj": 10,
            "imported_factor_t_per_tj": 62.5,
            "exported_tj": 2,
            "exported_factor_t_per_tj": 50,
        },
        waste_gases={"imported_tj": 1, "exported_tj": 3},
        electricity_exported={"exported_mwh": 100, "factor_t_per_mwh": 0.8},
    )
    com = nc.calculate_cbam(_write(tmp_path, doc))
    p2 = com.process("P2")
    # heat: 10 TJ x 62.5 - 2 TJ x 50 = 625 - 100 = 525 t CO2
    assert p2.heat_t == pytest.approx(525)
    # waste gases (template D_Processes!T62, EF_NG 56.1 t/TJ, export correction 0.667):
    #   1 x 56.1 - 3 x 56.1 x 0.667 = 56.1 - 112.2561 = -56.1561 t CO2
    assert p2.waste_gas_t == pytest.approx(-56.1561)
    # electricity exported: -100 MWh x 0.8 = -80 t CO2
    assert p2.electricity_exported_t == pytest.approx(-80)
    # AttrEm = 22,461.8 + 525 - 56.1561 - 80 = 22,850.6439 t CO2e
    assert p2.attributed_direct_t == pytest.approx(22_850.6439, rel=1e-12)


def test_a_default_precursor_gives_its_share_of_the_embedded_emissions(tmp_path):
    doc = _example()
    pp = doc["purchased_precursors"][0]
    pp.update(data="default", default_justification="no verified data from the supplier for 2024")
    com = nc.calculate_cbam(_write(tmp_path, doc))
    p2 = com.process("P2")
    # from defaults: 5,000 t x (0.35 + 0.51327) = 4,316.35 t, per t of sheet 0.0431635;
    # of SEE direct + indirect = 1.920618933 + 7.7806029 = 9.701221833
    assert p2.default_share == pytest.approx(0.0431635 / 9.701221833, rel=1e-9)


def test_a_precursor_outside_its_goods_list_is_a_finding(tmp_path):
    doc = _example()
    pp = doc["purchased_precursors"][0]
    pp.update(category="Crude steel", route="Electric arc furnace")
    com = nc.calculate_cbam(_write(tmp_path, doc))
    assert [(f.code, f.severity) for f in com.findings] == [
        ("cbam_precursor_not_listed", "warning")
    ]
    assert "Crude steel" in com.findings[0].message


def test_unattributed_direct_emissions_are_reported_as_the_rest(tmp_path):
    doc = _example()
    doc["processes"][1]["sources"] = [{"source": "mill-natural-gas", "share": 0.75}]
    com = nc.calculate_cbam(_write(tmp_path, doc))
    # 25 % of the mill's 22,461.8 t is left: 5,615.45 t
    assert com.unattributed_direct_t == pytest.approx(5_615.45, rel=1e-9)
    assert [f.code for f in com.findings] == ["cbam_unattributed_emissions"]


def test_the_json_validates_against_its_schema(com):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(com.to_json())
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
    assert doc["processes"][0]["see_direct"] == pytest.approx(1.7304133333, rel=1e-9)


def test_the_json_schema_refuses_a_changed_document(com):
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    doc = json.loads(com.to_json())
    bad = copy.deepcopy(doc)
    bad["processes"][0]["see_direkt"] = 1.0
    with pytest.raises(jsonschema.ValidationError, match="see_direkt"):
        jsonschema.validate(bad, schema)


@pytest.mark.excel
def test_the_workbook_has_the_templates_sheets_and_typed_numbers(com, tmp_path):
    import openpyxl

    com.write(tmp_path, ("xlsx",))
    wb = openpyxl.load_workbook(tmp_path / "cbam.xlsx")
    assert wb.sheetnames == [
        "A_InstData",
        "B_EmInst",
        "C_Emissions&Energy",
        "D_Processes",
        "E_PurchPrec",
        "Summary_Processes",
        "Summary_Communication",
    ]
    ws = wb["Summary_Communication"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(
        i for i, r in enumerate(rows) if r[1] == "Production process from which the products arise"
    )
    # the template's D25:P25 labels, in order (communication template v2.1.1)
    assert rows[head][1:14] == [
        "Production process from which the products arise",
        "Type of aggregated good or precursor",
        "CN Codes",
        "CN Name",
        "Product name (used for communication with reporting declarant, e.g. on invoices)",
        "SEE (direct)",
        "SEE (indirect)",
        "SEE (total)",
        "Unit",
        "Share of emissions by default value",
        "Source for electricity EF",
        "Embedded electricity (MWh/t)",
        "Electricity EF (tCO2/MWh)",
    ]
    assert rows[head][14:36] == [  # Q25:AL25, the qualifying parameters
        "The main reducing agent of the precursor, if known",
        "Steel mill identification number",
        "% Mn",
        "% Cr",
        "% Ni",
        "% other alloys",
        "% carbon",
        "t scrap per t steel",
        "% other materials",
        "% pre-consumer scrap",
        "t scrap per t aluminium",
        "% non-aluminium elements",
        "Clinker factor",
        "Calcined or not",
        "Concentration, if hydrous solution",
        "% nitric acid",
        "% urea",
        "% N contained",
        "% N as ammonium (NH4+)",
        "% N as nitrate (NO3\u2013)",
        "% N as Urea",
        "% N in other (organic) forms",
    ]
    sheet = ws.cell(row=head + 3, column=26)  # P2's % non-aluminium elements
    assert (sheet.value, sheet.number_format) == (0.012, "0.00%")
    p1 = ws.cell(row=head + 2, column=7)
    assert p1.data_type == "n" and p1.number_format == "0.000000"
    assert p1.value == pytest.approx(1.7304133333, rel=1e-9)
    assert ws.cell(row=head + 3, column=4).value == "76061292"  # a CN code stays text


@pytest.mark.excel
def test_a_name_that_looks_like_a_formula_stays_text(tmp_path):
    import openpyxl

    doc = _example()
    doc["installation"]["name_en"] = '=HYPERLINK("http://x.example","click")'
    doc["processes"][0]["name"] = "@SUM(A1:A2)"
    com = nc.calculate_cbam(_write(tmp_path, doc))
    com.write(tmp_path / "out", ("xlsx",))
    wb = openpyxl.load_workbook(tmp_path / "out" / "cbam.xlsx")
    cells = [c for ws in wb for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    hostile = [c for c in cells if c.value.startswith(("=", "@"))]
    assert len(hostile) >= 3
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)


@pytest.mark.excel
def test_the_files_are_byte_identical_under_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = nc.calculate_cbam(INSTALLATION).write(tmp_path / "a", ("json", "xlsx", "md"))
    b = nc.calculate_cbam(INSTALLATION).write(tmp_path / "b", ("json", "xlsx", "md"))
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert json.loads(a[0].read_text())["provenance"]["generated"] == "2026-01-01"


@pytest.mark.excel
def test_the_command_writes_the_communication(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "nqi_carbon.cli", "cbam", str(INSTALLATION), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "P1 Unwrought aluminium: SEE direct 1.730413, indirect 7.642020 t CO2e/t" in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cbam.json", "cbam.xlsx"]


def test_the_command_refuses_an_unknown_format_and_a_bad_file(tmp_path):
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "nqi_carbon.cli",
            "cbam",
            str(INSTALLATION),
            "--out",
            str(tmp_path),
            "--formats",
            "html",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "allowed: json, xlsx, md" in bad.stderr
    wrong = subprocess.run(
        [
            sys.executable,
            "-m",
            "nqi_carbon.cli",
            "cbam",
            str(EXAMPLE / "inventory.yaml"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1 and "[cbam_schema]" in wrong.stderr
    assert list(tmp_path.iterdir()) == []


def test_figures_that_overflow_are_refused_not_a_traceback(tmp_path):
    doc = _example()
    # two precursor masses near the largest double: their sum overflows (math.fsum would
    # raise OverflowError, "intermediate overflow")
    doc["processes"][1]["precursors"] = [
        {"purchased": "PP1", "amount": 1e308},
        {"purchased": "PP1", "amount": 1e308},
    ]
    with pytest.raises(nc.InvalidInputError, match="overflow double precision") as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    assert [(i.code, i.field) for i in e.value.issues] == [("result_magnitude", "processes")]


def test_an_equity_share_inventory_gives_the_installations_whole_emissions(tmp_path):
    inv = yaml.safe_load((EXAMPLE / "inventory.yaml").read_text())
    inv["organization"]["consolidation"] = "equity_share"
    for f in inv["facilities"]:
        f["equity_share"] = 0.6
    com = nc.calculate_cbam(_write(tmp_path, _example(), inv))
    # the inventory consolidates 60 %; the installation emits all of it: SEE as before
    assert com.process("P1").see_direct == pytest.approx(1.7304133333, rel=1e-9)
    assert com.emissions.total_direct_t == pytest.approx(865_206.6667 + 22_461.8, rel=1e-9)


def test_a_source_outside_the_inventorys_boundary_cannot_be_attributed(tmp_path):
    inv = yaml.safe_load((EXAMPLE / "inventory.yaml").read_text())
    inv["facilities"][1]["operational_control"] = False  # the rolling mill
    with pytest.raises(nc.InvalidInputError, match="outside the inventory's consolidation") as e:
        nc.calculate_cbam(_write(tmp_path, _example(), inv))
    assert [(i.code, i.field) for i in e.value.issues] == [
        ("cbam_source_excluded", "processes[1].sources[0].source")
    ]


@pytest.mark.parametrize("where", ["../inventory.yaml", "/etc/hostname"])
def test_the_inventory_is_read_only_from_the_installation_files_folder(tmp_path, where):
    (tmp_path / "inventory.yaml").write_text((EXAMPLE / "inventory.yaml").read_text())
    inner = tmp_path / "inner"
    inner.mkdir()
    doc = _example()
    doc["inventory"] = where
    path = inner / "installation.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(nc.InvalidInputError) as e:
        nc.calculate_cbam(path)
    assert [(i.code, i.field) for i in e.value.issues] == [("path_outside_base", "inventory")]


def test_the_rules_file_agrees_with_annex_ii_of_the_regulation():
    from nqi_carbon.cbam.rules import cbam_rules

    rules = cbam_rules()
    assert len(rules.categories) == 18
    assert len(rules.cn_codes) == 569  # Parameters_CNCodes rows 4-572 of template v2.1.1
    # Regulation (EU) 2023/956 Annex II (+ 2025/2083): CN 72 and 73xx iron and steel,
    # 76xx aluminium, 2804 10 00 hydrogen, 2716 electricity; every other CBAM good
    # (cement 2507/2523, fertilisers 2808/2814/2834/3102/3105, sintered ore 2601 12 00)
    # counts indirect emissions too
    annex_ii = ("72", "73", "76", "28041000", "2716")
    for code, (category, _) in rules.cn_codes.items():
        assert rules.category(category).annex_ii == code.startswith(annex_ii), code
    for cat in rules.categories.values():
        assert set(cat.precursors) <= set(rules.categories)
        assert cat.routes
    refs = {r["id"] for r in rules.references}
    assert refs == {
        "reg-2023-956",
        "reg-2025-2083",
        "ir-2023-1773",
        "ir-2025-2547",
        "eu-template-2.1.1",
    }


def test_more_used_than_produced_is_refused(tmp_path):
    doc = _example()
    doc["processes"][0]["produced_for_market"] = 410000  # + 97,000 to P2 = 507,000 > 500,000
    with pytest.raises(nc.InvalidInputError, match="exceed its activity level") as e:
        nc.calculate_cbam(_write(tmp_path, doc))
    assert [(i.code, i.field) for i in e.value.issues] == [
        ("cbam_precursor_exceeds_production", "processes[0].activity_level")
    ]
    assert "at least 507,000.000" in e.value.issues[0].allowed


def test_a_process_without_electricity_is_a_finding_where_indirect_emissions_count(tmp_path):
    doc = _example()
    del doc["processes"][1]["electricity"]
    com = nc.calculate_cbam(_write(tmp_path, doc))
    assert [f.code for f in com.findings] == ["cbam_no_electricity"]
    # P2's own 34,218 t are gone from its SEE (indirect): 7.7806029 - 0.34218 = 7.4384229
    assert com.process("P2").see_indirect == pytest.approx(7.4384229, rel=1e-12)


def test_a_source_of_biogenic_co2_only_attributes_no_fossil_emissions(tmp_path):
    inv = yaml.safe_load((EXAMPLE / "inventory.yaml").read_text())
    inv["factors"].append(
        {
            "id": "plant/biomethane",
            "activity_unit": "TJ",
            "biogenic": True,
            "gases": {"CO2": {"value": 56.1, "unit": "t/TJ"}},
            "reference": "test factor: biomethane, CO2 only",
        }
    )
    inv["sources"].append(
        {
            "id": "mill-biomethane",
            "facility": "rolling-mill",
            "category": 1,
            "subcategory": "stationary_combustion",
            "factor": "plant/biomethane",
            "activity": {"amount": 10, "unit": "TJ"},
        }
    )
    doc = _example()
    doc["processes"][1]["sources"].append({"source": "mill-biomethane"})
    com = nc.calculate_cbam(_write(tmp_path, doc, inv))
    # 561 t of biogenic CO2 are kept apart, as the inventory keeps them: DirEm unchanged
    assert com.process("P2").direct_t == pytest.approx(22_461.8, rel=1e-12)


def test_the_command_reads_only_inside_its_base_dir(tmp_path):
    out = subprocess.run(
        [
            sys.executable, "-m", "nqi_carbon.cli", "cbam", str(INSTALLATION),
            "--out", str(tmp_path / "out"), "--base-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1 and "[path_outside_base]" in out.stderr
    assert not (tmp_path / "out").exists()
